# ikescope: make demo (build, then run on a shipped capture) and make test (install what the
# tests need, then go vet and every test). Packages come from apt-get on Debian/Ubuntu.

GO      ?= go
BIN     := bin/ikescope
DEMO    ?= pcaps/ikev1-main-psk-mismatch.pcap
# Debian packages the tests use: libpcap headers for live capture (cgo); the reference
# decoders tshark and tcpdump that the tests compare ikescope with; strongSwan (charon with
# the userland ESP plugin), iproute2 and iptables for the live-capture test between real
# IKE daemons in network namespaces (curl scrapes its metrics there); tcpreplay for the live benchmark; Chromium to render
# the HTML report.
TEST_PKGS := libpcap-dev tshark tcpdump strongswan-charon strongswan-swanctl \
	libcharon-extra-plugins libstrongswan-standard-plugins iproute2 iptables iputils-ping \
	tcpreplay chromium curl
BUILD_PKGS := libpcap-dev

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all build demo test test-deps build-deps vet bench fuzz pcaps clean

all: build

build: build-deps
	$(GO) build -o $(BIN) ./cmd/ikescope

DEMO_CONFIGS ?= $(patsubst %,--config pcaps/configs/$(basename $(notdir $(DEMO)))/%,initiator responder)

# The report of a shipped capture, with the two gateways' configurations it was recorded
# with (pcaps/configs): the findings cite the lines to change.
demo: build
	./$(BIN) analyze $(if $(wildcard pcaps/configs/$(basename $(notdir $(DEMO)))),$(DEMO_CONFIGS)) $(DEMO)

test: test-deps
	$(GO) vet ./...
	$(GO) test -count=1 ./...

# install-missing PKG...: apt-get the Debian packages that are not installed, or say what to install.
define install-missing
	@missing=""; for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		if ! command -v apt-get >/dev/null 2>&1; then \
			echo "ikescope needs these packages:$$missing (Debian/Ubuntu names; install them with your package manager)"; exit 1; \
		fi; \
		echo "installing$$missing"; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null || \
		{ $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && \
		  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null; } || \
		{ echo "could not install$$missing: run 'sudo apt-get install$$missing' and try again"; exit 1; }; \
	fi
endef

build-deps:
	$(call install-missing,$(BUILD_PKGS))

test-deps:
	$(call install-missing,$(TEST_PKGS))

vet:
	$(GO) vet ./...

# Benchmarks: decoding a generated capture of a million packets against a bare read loop,
# tshark and tcpdump; the analysis over 1 and 10 million messages with its peak memory;
# the gateway table (the ikescope command on generated gateway captures of 300k, 3M and
# 30M packets and two floods: times, ratios to a read loop and to tcpdump, peak RSS);
# live capture of a replayed capture at increasing rates (root, tcpreplay).
bench: build test-deps
	$(GO) test -run '^$$' -bench . -benchmem ./decode/
	$(GO) test -run '^$$' -bench Analyze -benchtime 1x ./analyze/
	$(GO) test -run '^$$' -bench Gateway -benchtime 1x -timeout 60m ./cmd/ikescope/
	$(GO) test -run '^$$' -bench LiveReplay -benchtime 1x -v ./cmd/ikescope/

# Run each fuzz target for FUZZTIME (default 60s).
FUZZTIME ?= 60s
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzISAKMP -fuzztime $(FUZZTIME) ./decode/
	$(GO) test -run '^$$' -fuzz FuzzReader -fuzztime $(FUZZTIME) ./decode/

# Record the sample captures again with real IKE daemons (root; see pcaps/README.md).
pcaps:
	bash pcaps/record.sh

clean:
	rm -rf bin

#!/usr/bin/env bash
# Records ikescope's sample IKE captures from real daemons (strongSwan charon,
# libreswan pluto) running in network namespaces on this host.
#
#   bash pcaps/record.sh                 # every scenario
#   bash pcaps/record.sh ikev2-psk ...   # only the named scenarios
#   bash pcaps/record.sh --list          # scenario names
#
# Needs root. Installs missing Debian packages with apt-get. All traffic stays
# on veth links between namespaces named iks-* using documentation addresses
# outside (192.0.2.0/24; 198.51.100.0/24 behind the router of ikev2-ipfrag-lost;
# 2001:db8:1::/64 for ikev2-ipv6-cert) and 10.1.0.0/24, 10.2.0.0/24 inside.
# See README.md.

# `sh pcaps/record.sh` works too: re-run under bash before any bash syntax.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${IKS_PCAP_OUT:-$HERE}
# shellcheck source=lib.sh
. "$HERE/lib.sh"

[ "$(id -u)" = 0 ] || die "must run as root (network namespaces, tcpdump)"

WORK=$(mktemp -d /tmp/iks-rec.XXXXXX)
cleanup() {
	local rc=$?
	set +e
	bg_kill_all
	ns_del_all
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --------------------------------------------------------------------------
# scenario plumbing for two charons
# --------------------------------------------------------------------------
NAME='' DA='' DB='' CAP=''
# begin_pair NAME [SETUP [ARGS...]]: work directories, namespaces (SETUP, default
# ns_setup; see lib.sh for ns_setup_v6 and ns_setup_routed) and strongswan.conf
begin_pair() {
	NAME=$1
	shift
	log "=== $NAME"
	DA=$WORK/$NAME/initiator
	DB=$WORK/$NAME/responder
	CAP=$WORK/$NAME/$NAME.pcap
	mkdir -p "$DA" "$DB"
	if [ $# -gt 0 ]; then "$@"; else ns_setup; fi
	charon_conf "$DA"
	charon_conf "$DB"
}

start_daemons() {
	charon_start "$NS_B" "$DB"
	PID_B=$CHARON_PID
	charon_start "$NS_A" "$DA"
	PID_A=$CHARON_PID
	sw_load "$DB"
	sw_load "$DA"
	sleep 0.5
}

start_pair() {
	capture_start "$CAP"
	start_daemons
}

# finish_pair [EXTRA_CAPTURE...]: stop captures and daemons, copy CAP (and any
# other capture files of the same run) and the two charon logs to OUT
finish_pair() {
	local f
	capture_stop
	bg_kill "$PID_A"
	bg_kill "$PID_B"
	ns_del_all
	for f in "$CAP" "$@"; do
		cp "$f" "$OUT/$(basename "$f")"
		chmod 644 "$OUT/$(basename "$f")" # dumpcap writes its files 0600
	done
	save_log "$DA/charon.log" "$OUT/$NAME.initiator.log"
	save_log "$DB/charon.log" "$OUT/$NAME.responder.log"
	for f in "$CAP" "$@"; do
		pcap_summary "$OUT/$(basename "$f")"
	done
}

# ping across the tunnel from 10.1.0.1 to 10.2.0.1 (ESP-in-UDP on the wire)
ping_tunnel() {
	local n=${1:-5}
	ip netns exec "$NS_A" timeout 20 ping -n -c "$n" -i 0.5 -W 2 -I "$LAN_A" "$LAN_B" \
		>"$WORK/$NAME/ping.out" 2>&1 || true
	log "ping: $(grep -E 'packets transmitted' "$WORK/$NAME/ping.out" || echo failed)"
}

initiate() {
	# initiate CHILD: start from gateway A; failures are expected in some scenarios
	sw "$DA" --initiate --child "$1" --timeout "${2:-20}" >"$WORK/$NAME/initiate.out" 2>&1 || true
	log "initiate: $(tail -n 1 "$WORK/$NAME/initiate.out")"
}

# strongSwan settings that make failure scenarios short: retransmits at
# 0, 2, 5, 9.5 s and give up at ~16 s (defaults: 4 s, base 1.8, 5 tries = 165 s)
SHORT_RETRANSMIT=('retransmit_timeout = 2.0' 'retransmit_base = 1.5' 'retransmit_tries = 3')

# swanctl_conf SIDE FILE: the swanctl.conf of gateway SIDE (a = initiator 192.0.2.1,
# b = responder 192.0.2.2). Settings come from variables given on the call:
#   V      IKE version (1 or 2)              AGGR  yes for IKEv1 Aggressive Mode
#   PROP   IKE proposals of this side        ESP   ESP proposals of this side
#   IDA    identity of A                     IDB   identity of B
#   PSK    pre-shared key known to this side
swanctl_conf() {
	local side=$1 file=$2 laddr raddr lid rid lts rts
	if [ "$side" = a ]; then
		laddr=$ADDR_A raddr=$ADDR_B lid=$IDA rid=$IDB lts=$NET_A rts=$NET_B
	else
		laddr=$ADDR_B raddr=$ADDR_A lid=$IDB rid=$IDA lts=$NET_B rts=$NET_A
	fi
	cat >"$file" <<EOF
connections {
    gw-gw {
        version = $V
        aggressive = ${AGGR:-no}
        local_addrs = $laddr
        remote_addrs = $raddr
        proposals = $PROP
        rekey_time = 0
        reauth_time = 0
        dpd_delay = 0
        local {
            auth = psk
            id = $lid
        }
        remote {
            auth = psk
            id = $rid
        }
        children {
            net {
                local_ts = $lts
                remote_ts = $rts
                esp_proposals = $ESP
                rekey_time = 0
                start_action = none
            }
        }
    }
}
secrets {
    ike-ab {
        id-a = $IDA
        id-b = $IDB
        secret = "$PSK"
    }
}
EOF
}

# initiate from A, ping through the tunnel, delete it from A
tunnel_steps() {
	initiate net
	ping_tunnel 5
	sw "$DA" --terminate --ike gw-gw --timeout 10 >"$WORK/$NAME/terminate.out" 2>&1 || true
	sleep 1
}

# swanctl_conf_cert SIDE FILE: like swanctl_conf, but the gateways authenticate
# with X.509 certificates (auth = pubkey) from the sample PKI (see cert_pair).
# Variables: V PROP ESP IDA IDB as for swanctl_conf (identities may be FQDNs,
# which must be in the certificate's subjectAltName, or the certificate's
# subject DN), and FRAG, the swanctl fragmentation setting (yes or no).
swanctl_conf_cert() {
	local side=$1 file=$2 laddr raddr lid rid lts rts lgw
	if [ "$side" = a ]; then
		laddr=$ADDR_A raddr=$ADDR_B lid=$IDA rid=$IDB lts=$NET_A rts=$NET_B lgw=gw-a
	else
		laddr=$ADDR_B raddr=$ADDR_A lid=$IDB rid=$IDA lts=$NET_B rts=$NET_A lgw=gw-b
	fi
	cat >"$file" <<EOF
connections {
    gw-gw {
        version = $V
        aggressive = no
        local_addrs = $laddr
        remote_addrs = $raddr
        proposals = $PROP
        fragmentation = $FRAG
        rekey_time = 0
        reauth_time = 0
        dpd_delay = 0
        local {
            auth = pubkey
            certs = $lgw.crt
            id = "$lid"
        }
        remote {
            auth = pubkey
            id = "$rid"
        }
        children {
            net {
                local_ts = $lts
                remote_ts = $rts
                esp_proposals = $ESP
                rekey_time = 0
                start_action = none
            }
        }
    }
}
EOF
}

# swanctl_conf_cert_both: swanctl_conf_cert for A and for B (same variables)
swanctl_conf_cert_both() {
	swanctl_conf_cert a "$DA/swanctl.conf"
	swanctl_conf_cert b "$DB/swanctl.conf"
}

# cert_pair: the sample PKI of this run (made once: CA RSA-3072, gateways
# RSA-4096) installed for both gateways: CA certificate, own certificate and key
cert_pair() {
	apt_install openssl
	make_pki "$WORK/pki" 4096
	pki_install "$DA" "$WORK/pki" gw-a
	pki_install "$DB" "$WORK/pki" gw-b
}

# set_link_mtu MTU: the MTU of the veth between A and B (ns_setup topology)
set_link_mtu() {
	ip -n "$NS_A" link set iks-a0 mtu "$1"
	ip -n "$NS_B" link set iks-b0 mtu "$1"
}

# A successful tunnel: initiate from A, ping through it, delete it from A.
run_tunnel() {
	start_pair
	tunnel_steps
	finish_pair
}

# A failing negotiation: initiate from A and wait until charon gives up.
run_failure() {
	start_pair
	initiate net "${1:-25}"
	sleep 1
	finish_pair
}

# --------------------------------------------------------------------------
# scenarios
# --------------------------------------------------------------------------

# IKEv1 Main Mode, PSK, Quick Mode with PFS, ESP from pings, then Delete.
rec_ikev1_main_psk() {
	begin_pair ikev1-main-psk
	V=1 IDA=192.0.2.1 IDB=192.0.2.2 PSK=ikescope-sample-psk-1 \
		PROP='aes128-sha256-modp2048, aes256-sha1-modp1024' ESP=aes128-sha256-modp2048 \
		swanctl_conf a "$DA/swanctl.conf"
	V=1 IDA=192.0.2.1 IDB=192.0.2.2 PSK=ikescope-sample-psk-1 \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256-modp2048 \
		swanctl_conf b "$DB/swanctl.conf"
	run_tunnel
}

# IKEv1 Aggressive Mode, PSK, FQDN identities, Quick Mode without PFS, ESP, Delete.
rec_ikev1_aggressive_psk() {
	begin_pair ikev1-aggressive-psk
	V=1 AGGR=yes IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-2 \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256 \
		swanctl_conf a "$DA/swanctl.conf"
	V=1 AGGR=yes IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-2 \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256 \
		swanctl_conf b "$DB/swanctl.conf"
	run_tunnel
}

# IKEv2 IKE_SA_INIT + IKE_AUTH with PSK, CHILD_SA, ESP, INFORMATIONAL Delete.
rec_ikev2_psk() {
	begin_pair ikev2-psk
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-3 \
		PROP='aes256-sha256-modp2048, aes128gcm16-prfsha256-ecp256' ESP='aes256-sha256, aes128gcm16' \
		swanctl_conf a "$DA/swanctl.conf"
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-3 \
		PROP='aes256-sha256-modp2048, aes128gcm16-prfsha256-ecp256' ESP='aes256-sha256, aes128gcm16' \
		swanctl_conf b "$DB/swanctl.conf"
	run_tunnel
}

# IKEv1 Main Mode, the two sides hold different PSKs: the responder cannot
# decrypt MM5, the initiator retransmits MM5 and gives up.
rec_ikev1_main_psk_mismatch() {
	begin_pair ikev1-main-psk-mismatch
	charon_conf "$DA" "${SHORT_RETRANSMIT[@]}"
	charon_conf "$DB" "${SHORT_RETRANSMIT[@]}"
	V=1 IDA=192.0.2.1 IDB=192.0.2.2 PSK=ikescope-psk-of-A \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256-modp2048 \
		swanctl_conf a "$DA/swanctl.conf"
	V=1 IDA=192.0.2.1 IDB=192.0.2.2 PSK=ikescope-psk-of-B \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256-modp2048 \
		swanctl_conf b "$DB/swanctl.conf"
	run_failure 25
}

# IKEv2, different PSKs: responder answers IKE_AUTH with AUTHENTICATION_FAILED.
rec_ikev2_psk_mismatch() {
	begin_pair ikev2-psk-mismatch
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-psk-of-A \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256 \
		swanctl_conf a "$DA/swanctl.conf"
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-psk-of-B \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256 \
		swanctl_conf b "$DB/swanctl.conf"
	run_failure 20
}

# IKEv2, disjoint IKE proposals: IKE_SA_INIT answered with NO_PROPOSAL_CHOSEN.
rec_ikev2_no_proposal() {
	begin_pair ikev2-no-proposal
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-4 \
		PROP='aes256gcm16-prfsha384-ecp384, aes256-sha384-ecp384' ESP=aes256gcm16 \
		swanctl_conf a "$DA/swanctl.conf"
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-4 \
		PROP='aes128-sha1-modp2048, 3des-sha1-modp1024' ESP=aes128-sha1 \
		swanctl_conf b "$DB/swanctl.conf"
	run_failure 20
}

# IKEv1 Main Mode, UDP 500 dropped at the responder: MM1 retransmitted unanswered.
rec_ikev1_no_response() {
	begin_pair ikev1-no-response
	charon_conf "$DA" "${SHORT_RETRANSMIT[@]}"
	ip netns exec "$NS_B" iptables -A INPUT -p udp --dport 500 -j DROP
	V=1 IDA=192.0.2.1 IDB=192.0.2.2 PSK=ikescope-sample-psk-5 \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256-modp2048 \
		swanctl_conf a "$DA/swanctl.conf"
	V=1 IDA=192.0.2.1 IDB=192.0.2.2 PSK=ikescope-sample-psk-5 \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256-modp2048 \
		swanctl_conf b "$DB/swanctl.conf"
	run_failure 25
}

# IKEv2: strongSwan charon (initiator, A) against libreswan pluto (responder, B).
# pluto negotiates the IKE SA and the CHILD SA, but cannot install the ESP SA in
# this kernel (no ESP support), see README.md.
rec_ikev2_strongswan_libreswan() {
	ensure_libreswan
	begin_pair ikev2-strongswan-libreswan
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-6 \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256 \
		swanctl_conf a "$DA/swanctl.conf"
	cat >"$DB/ipsec.conf" <<EOF
config setup
    plutodebug=none
    logtime=yes
    logappend=no

conn gw-gw
    ikev2=yes
    authby=secret
    left=$ADDR_B
    leftid=@gw-b.example.net
    leftsubnet=$NET_B
    right=$ADDR_A
    rightid=@gw-a.example.net
    rightsubnet=$NET_A
    ike=aes256-sha2_256;modp2048
    esp=aes256-sha2_256
    auto=add
EOF
	cat >"$DB/ipsec.secrets" <<'EOF'
@gw-b.example.net @gw-a.example.net : PSK "ikescope-sample-psk-6"
EOF
	chmod 600 "$DB/ipsec.secrets"
	capture_start "$CAP"
	pluto_start "$NS_B" "$DB" gw-gw
	PID_B=$PLUTO_PID
	charon_start "$NS_A" "$DA"
	PID_A=$CHARON_PID
	sw_load "$DA"
	sleep 0.5
	initiate net 20
	ping_tunnel 3
	sw "$DA" --terminate --ike gw-gw --timeout 10 >"$WORK/$NAME/terminate.out" 2>&1 || true
	sleep 1
	timeout 10 "$WHACK" --ctlsocket "$DB/run/pluto/pluto.ctl" --status >"$WORK/$NAME/pluto-status.out" 2>&1 || true
	capture_stop
	bg_kill "$PID_A"
	timeout 10 "$WHACK" --ctlsocket "$DB/run/pluto/pluto.ctl" --shutdown >/dev/null 2>&1 || true
	bg_kill "$PID_B"
	ns_del_all
	cp "$CAP" "$OUT/$NAME.pcap"
	save_log "$DA/charon.log" "$OUT/$NAME.initiator.log"
	save_log "$DB/pluto.log" "$OUT/$NAME.responder.log"
	pcap_summary "$OUT/$NAME.pcap"
}

# IKEv2 with X.509 certificates (RSA-4096), IKEv2 fragmentation off, link MTU
# 1280: the IKE_AUTH request and response (each with a CERT) leave as IPv4
# fragments. Two captures of the same run: on iks-a0 (Ethernet) and with
# `tcpdump -i any` in iks-a (Linux cooked v2, LINKTYPE_LINUX_SLL2).
rec_ikev2_cert_ipfrag() {
	begin_pair ikev2-cert-ipfrag
	set_link_mtu 1280
	cert_pair
	local any=$WORK/$NAME/$NAME-any.pcap
	V=2 FRAG=no IDA=gw-a.example.net IDB=gw-b.example.net \
		PROP=aes256-sha256-modp3072 ESP=aes256-sha256 \
		swanctl_conf_cert_both
	capture_start "$CAP" "$NS_A" iks-a0 "$CAP_FILTER_FRAG"
	capture_start "$any" "$NS_A" any "$CAP_FILTER_FRAG"
	start_daemons
	tunnel_steps
	finish_pair "$any"
}

# The same over IPv6 (2001:db8:1::1 -> 2001:db8:1::2, MTU 1280), subject DNs as
# identities, AES-GCM/ECP-384 proposals: IPv6 fragments (Fragment header).
# Captured with dumpcap as pcapng.
rec_ikev2_ipv6_cert() {
	local ADDR_A=2001:db8:1::1 ADDR_B=2001:db8:1::2
	apt_install wireshark-common
	begin_pair ikev2-ipv6-cert ns_setup_v6 1280
	cert_pair
	CAP=$WORK/$NAME/$NAME.pcapng
	V=2 FRAG=no IDA="$PKI_DN_A" IDB="$PKI_DN_B" \
		PROP=aes256gcm16-prfsha384-ecp384 ESP=aes256gcm16 \
		swanctl_conf_cert_both
	capture_start_pcapng "$CAP" "$NS_A" iks-a0 "$CAP_FILTER_FRAG"
	start_daemons
	tunnel_steps
	finish_pair
}

# IKEv2 with certificates, fragmentation off, through a router (iks-r) that
# drops every non-first IPv4 fragment: the IKE_AUTH request never arrives whole,
# the initiator retransmits it and gives up. Captured at B (only the first
# fragments arrive) and at A (every fragment leaves). B's reassembly timeout is
# 5 s, so B's ICMP "fragment reassembly time exceeded" falls inside the run;
# the filter keeps ICMP for that.
rec_ikev2_ipfrag_lost() {
	local ADDR_A=192.0.2.1 ADDR_B=198.51.100.2
	begin_pair ikev2-ipfrag-lost ns_setup_routed 1280
	charon_conf "$DA" "${SHORT_RETRANSMIT[@]}"
	cert_pair
	ip netns exec "$NS_R" iptables -t raw -A PREROUTING -f -j DROP
	ip netns exec "$NS_B" sysctl -qw net.ipv4.ipfrag_time=5
	local at_a=$WORK/$NAME/$NAME-at-initiator.pcap
	V=2 FRAG=no IDA=gw-a.example.net IDB=gw-b.example.net \
		PROP=aes256-sha256-modp3072 ESP=aes256-sha256 \
		swanctl_conf_cert_both
	capture_start "$CAP" "$NS_B" iks-b0 "$CAP_FILTER_FRAG or icmp"
	capture_start "$at_a" "$NS_A" iks-a0 "$CAP_FILTER_FRAG or icmp"
	start_daemons
	initiate net 25
	sleep 1
	ip netns exec "$NS_R" iptables -t raw -L PREROUTING -v -n -x >"$WORK/$NAME/router-drops.out" 2>&1 || true
	log "router: $(awk '/DROP/ {print $1 " packets dropped"}' "$WORK/$NAME/router-drops.out")"
	finish_pair "$at_a"
}

# IKEv1 Main Mode with X.509 certificates (subject DNs as identities): CERTREQ
# in MM3/MM4, CERT in the encrypted MM5/MM6, which strongSwan splits into IKEv1
# fragments (its default fragmentation = yes); Quick Mode with PFS, ESP, Delete.
rec_ikev1_main_cert() {
	begin_pair ikev1-main-cert
	cert_pair
	V=1 FRAG=yes IDA="$PKI_DN_A" IDB="$PKI_DN_B" \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256-modp2048 \
		swanctl_conf_cert_both
	run_tunnel
}

SCENARIOS=(ikev1-main-psk ikev1-aggressive-psk ikev2-psk ikev1-main-psk-mismatch
	ikev2-psk-mismatch ikev2-no-proposal ikev1-no-response ikev2-strongswan-libreswan
	ikev2-cert-ipfrag ikev2-ipv6-cert ikev2-ipfrag-lost ikev1-main-cert)

usage() { printf 'usage: %s [--list] [scenario ...]\nscenarios: %s\n' "$0" "${SCENARIOS[*]}"; }

main() {
	local want=() s
	if [ $# -gt 0 ]; then
		case $1 in
		-h | --help) usage; exit 0 ;;
		--list) printf '%s\n' "${SCENARIOS[@]}"; exit 0 ;;
		esac
		for s in "$@"; do
			printf '%s\n' "${SCENARIOS[@]}" | grep -qx -- "$s" || { usage >&2; die "unknown scenario: $s"; }
			want+=("$s")
		done
	else
		want=("${SCENARIOS[@]}")
	fi
	ensure_strongswan
	for s in "${want[@]}"; do
		"rec_${s//-/_}"
	done
	log "done: captures in $OUT"
}

main "$@"

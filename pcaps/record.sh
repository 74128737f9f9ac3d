#!/usr/bin/env bash
# Records ikescope's sample IKE captures from real daemons (strongSwan charon,
# libreswan pluto) running in network namespaces on this host.
#
#   bash pcaps/record.sh                 # every scenario
#   bash pcaps/record.sh ikev2-psk ...   # only the named scenarios
#   bash pcaps/record.sh --list          # scenario names
#   bash pcaps/record.sh --configs [scenario ...]
#                                        # only the configurations (below)
#
# Every recording also keeps the configuration files each daemon read
# (swanctl.conf, or ipsec.conf and ipsec.secrets; strongswan.conf where the
# scenario gives charon settings of its own) in configs/NAME/SIDE/ beside the
# captures. --configs writes only those, for the named scenarios or all: it
# runs the same writers without root, packages, namespaces, daemons, captures,
# traffic or sleeps (CONFIG_ONLY in lib.sh), and leaves captures and logs alone.
#
# Needs root (but not with --configs). Installs missing Debian packages with
# apt-get. All traffic stays on veth links between namespaces named iks-* using
# documentation addresses outside (192.0.2.0/24; 198.51.100.0/24 behind the router of ikev2-ipfrag-lost,
# ikev2-esp-loss, ikev2-esp-seq-restart, the two-* scenarios but two-nat and
# the two ikev2-mtu-* scenarios;
# 198.51.100.0/24 inside and 203.0.113.0/24 outside the NAT of ikev1-natt,
# ikev2-natt, ikev2-natt-4500-blocked and two-nat; 2001:db8:1::/64 for ikev2-ipv6-cert;
# 192.0.2.0/24 and 198.51.100.0/24 for the clients and 203.0.113.0/24 for the
# gateway of roadwarriors) and 10.1.0.0/24, 10.2.0.0/24 inside (10.3.0.0/24 only
# appears in configurations and traffic selectors; the remote-access scenarios
# hand out virtual IPs from 10.99.0.0/24; ikev2-inner-dropped adds 10.1.0.10;
# ikev2-mobike gives A 192.0.2.11 as well, and deletes 192.0.2.1 during the run).
# See README.md.

# `sh pcaps/record.sh` works too: re-run under bash before any bash syntax.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${IKS_PCAP_OUT:-$HERE}
CONFIG_ONLY=0
[ "${1:-}" = --configs ] && CONFIG_ONLY=1
# shellcheck source=lib.sh
. "$HERE/lib.sh"

config_only || [ "$(id -u)" = 0 ] || die "must run as root (network namespaces, tcpdump)"

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
# CFG_SIDES: pairs of SIDE DIR, the daemons whose configuration save_configs
# keeps as configs/NAME/SIDE/ (the names of their logs)
CFG_SIDES=()
# begin_pair NAME [SETUP [ARGS...]]: work directories, namespaces (SETUP, default
# ns_setup; see lib.sh for ns_setup_v6 and ns_setup_routed; none in CONFIG_ONLY
# mode) and strongswan.conf
begin_pair() {
	NAME=$1
	shift
	log "=== $NAME"
	DA=$WORK/$NAME/initiator
	DB=$WORK/$NAME/responder
	CAP=$WORK/$NAME/$NAME.pcap
	CFG_SIDES=(initiator "$DA" responder "$DB")
	mkdir -p "$DA" "$DB"
	if config_only; then :; elif [ $# -gt 0 ]; then "$@"; else ns_setup; fi
	charon_conf "$DA"
	charon_conf "$DB"
}

# save_configs: replace OUT/configs/NAME/ with the configuration files each
# daemon of CFG_SIDES read: swanctl.conf (charon), ipsec.conf and ipsec.secrets
# (pluto), as written, and strongswan.conf where charon_conf was given settings
# of the scenario's own (its temporary directory written as /tmp/iks-rec.XXXXXX).
# Certificates and keys are not kept.
save_configs() {
	local dest=$OUT/configs/$NAME i side dir f
	rm -rf "$dest"
	for ((i = 0; i < ${#CFG_SIDES[@]}; i += 2)); do
		side=${CFG_SIDES[i]} dir=${CFG_SIDES[i + 1]}
		mkdir -p "$dest/$side"
		for f in swanctl.conf ipsec.conf ipsec.secrets; do
			if [ -f "$dir/$f" ]; then install -m 644 "$dir/$f" "$dest/$side/$f"; fi
		done
		if [ -f "$dir/charon-settings" ]; then
			sed "s#$WORK/#/tmp/iks-rec.XXXXXX/#g" "$dir/strongswan.conf" >"$dest/$side/strongswan.conf"
			chmod 644 "$dest/$side/strongswan.conf"
		fi
	done
	log "configurations: $(cd "$OUT/configs" && find "$NAME" -type f | sort | tr '\n' ' ')"
}

start_daemons() {
	run_begins
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
	save_configs
	for f in "$CAP" "$@"; do
		pcap_summary "$OUT/$(basename "$f")"
	done
}

# ping across the tunnel from 10.1.0.1 to 10.2.0.1 (ESP-in-UDP on the wire)
# ping_tunnel [COUNT [INTERVAL]]: COUNT pings (5), INTERVAL seconds apart (0.5)
ping_tunnel() {
	local n=${1:-5} iv=${2:-0.5}
	ip netns exec "$NS_A" timeout 20 ping -n -c "$n" -i "$iv" -W 2 -I "$LAN_A" "$LAN_B" \
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
# Optional (defaults in brackets; unset leaves the file as the first scenarios had it):
#   LADDRS local_addrs [own address]         RADDRS remote_addrs [peer's address]
#   LTS    local_ts [own subnet]             RTS    remote_ts [peer's subnet]
#   DPD    dpd_delay [0]                     DPDT   dpd_timeout (IKEv1 only) [not set]
#   REKEY  IKE rekey_time [0]                REAUTH reauth_time [0]
#   CREKEY the child's rekey_time [0]; with any of these three set, rand_time = 0
#          is added at both levels, so the rekeys happen exactly on time
#   CLIFE  the child's life_time [not set: charon's default, 110% of rekey_time]
#   XCHILD more child sections, written as they are into the children block
swanctl_conf() {
	local side=$1 file=$2 laddr raddr lid rid lts rts dpdt='' rand='' crand='' clife=''
	if [ "$side" = a ]; then
		laddr=$ADDR_A raddr=$ADDR_B lid=$IDA rid=$IDB lts=$NET_A rts=$NET_B
	else
		laddr=$ADDR_B raddr=$ADDR_A lid=$IDB rid=$IDA lts=$NET_B rts=$NET_A
	fi
	laddr=${LADDRS:-$laddr} raddr=${RADDRS:-$raddr} lts=${LTS:-$lts} rts=${RTS:-$rts}
	[ -n "${DPDT:-}" ] && dpdt="
        dpd_timeout = $DPDT"
	[ -n "${CLIFE:-}" ] && clife="
                life_time = $CLIFE"
	if [ -n "${REKEY:-}${REAUTH:-}${CREKEY:-}" ]; then
		rand="
        rand_time = 0"
		crand="
                rand_time = 0"
	fi
	cat >"$file" <<EOF
connections {
    gw-gw {
        version = $V
        aggressive = ${AGGR:-no}
        local_addrs = $laddr
        remote_addrs = $raddr
        proposals = $PROP
        rekey_time = ${REKEY:-0}
        reauth_time = ${REAUTH:-0}$rand
        dpd_delay = ${DPD:-0}$dpdt
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
                rekey_time = ${CREKEY:-0}$clife$crand
                start_action = none
            }${XCHILD:-}
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
	config_only && return 0
	apt_install openssl
	make_pki "$WORK/pki" 4096
	pki_install "$DA" "$WORK/pki" gw-a
	pki_install "$DB" "$WORK/pki" gw-b
}

# set_link_mtu MTU: the MTU of the veth between A and B (ns_setup topology)
set_link_mtu() {
	config_only && return 0
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
	ns_exec "$NS_B" iptables -A INPUT -p udp --dport 500 -j DROP
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
	save_configs
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
	ns_exec "$NS_R" iptables -t raw -A PREROUTING -f -j DROP
	ns_exec "$NS_B" sysctl -qw net.ipv4.ipfrag_time=5
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

# --------------------------------------------------------------------------
# failure catalogue: more things that go wrong (all strongSwan charon pairs
# unless noted). Helpers first.
# --------------------------------------------------------------------------

# swanctl_conf_both: swanctl_conf for A and for B with the same variables
swanctl_conf_both() {
	swanctl_conf a "$DA/swanctl.conf"
	swanctl_conf b "$DB/swanctl.conf"
}

# initiate_from SIDE WHAT NAME [TIMEOUT]: swanctl --initiate --WHAT NAME on gateway
# SIDE (a or b); WHAT is child or ike. Failures are expected in some scenarios.
initiate_from() {
	local dir=$DA out
	[ "$1" = b ] && dir=$DB
	out=$WORK/$NAME/initiate-$1-$3.out
	sw "$dir" --initiate --"$2" "$3" --timeout "${4:-20}" >"$out" 2>&1 || true
	log "initiate from $1 ($2 $3): $(tail -n 1 "$out")"
}

# wait_log FILE PATTERN SECONDS: wait until the daemon log FILE has a line
# matching the extended regex PATTERN, at most SECONDS
wait_log() {
	local file=$1 pattern=$2 _
	for _ in $(seq 1 $(($3 * 10))); do
		grep -qE -- "$pattern" "$file" 2>/dev/null && { log "log: $(grep -E -- "$pattern" "$file" | head -n 1 | cut -c 25-)"; return 0; }
		sleep 0.1
	done
	log "not in $(basename "$file") after $3 s: $pattern"
}

# iptables_counters NS CHAIN [TABLE]: log the packet counters of CHAIN's rules in NS
iptables_counters() {
	local out=$WORK/$NAME/iptables-$1-$2.out
	ip netns exec "$1" iptables -t "${3:-filter}" -L "$2" -v -n -x >"$out" 2>&1 || true
	log "$1 $2: $(awk 'NR > 2 {printf "%s pkts %s; ", $1, $3}' "$out")"
}

# charon_kill9 DIR WRAPPER_PID: SIGKILL the charon of DIR (its pid file is
# DIR/run/charon.pid, DIR/run being its /run) and reap its charon_start wrapper
# (WRAPPER_PID), quietly: bash would report the wrapper as "Killed"
charon_kill9() {
	local pid
	pid=$(cat "$1/run/charon.pid")
	kill -KILL "$pid"
	log "killed charon $pid (SIGKILL)"
	{ bg_kill "$2"; } 2>/dev/null
}

# IKEv1 Aggressive Mode, the two sides hold different PSKs. The responder's
# AM2 carries HASH_R made with B's key; A cannot verify it, sends an encrypted
# AUTHENTICATION_FAILED that B cannot decrypt and gives up. B waits for AM3,
# retransmits AM2 and gives up too: the run waits for that.
rec_ikev1_aggressive_psk_mismatch() {
	begin_pair ikev1-aggressive-psk-mismatch
	charon_conf "$DA" "${SHORT_RETRANSMIT[@]}"
	charon_conf "$DB" "${SHORT_RETRANSMIT[@]}"
	V=1 AGGR=yes IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-psk-of-A \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256 \
		swanctl_conf a "$DA/swanctl.conf"
	V=1 AGGR=yes IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-psk-of-B \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256 \
		swanctl_conf b "$DB/swanctl.conf"
	start_pair
	initiate net 25
	wait_log "$DB/charon.log" 'giving up after' 25
	sleep 1
	finish_pair
}

# IKEv1 Main Mode, disjoint IKE proposals: A initiates and B refuses MM1 with
# a clear-text NO-PROPOSAL-CHOSEN; then B initiates with its own proposal and
# A refuses it the same way.
rec_ikev1_p1_proposal_mismatch() {
	begin_pair ikev1-p1-proposal-mismatch
	charon_conf "$DA" "${SHORT_RETRANSMIT[@]}"
	charon_conf "$DB" "${SHORT_RETRANSMIT[@]}"
	V=1 IDA=192.0.2.1 IDB=192.0.2.2 PSK=ikescope-sample-psk-7 \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256 \
		swanctl_conf a "$DA/swanctl.conf"
	V=1 IDA=192.0.2.1 IDB=192.0.2.2 PSK=ikescope-sample-psk-7 \
		PROP=aes256-sha384-ecp384 ESP=aes128-sha256 \
		swanctl_conf b "$DB/swanctl.conf"
	start_pair
	initiate_from a child net 20
	sleep 1
	initiate_from b child net 20
	sleep 1
	finish_pair
}

# IKEv2, disjoint IKE proposals, tried from both ends.
rec_ikev2_no_proposal_both() {
	begin_pair ikev2-no-proposal-both
	charon_conf "$DA" "${SHORT_RETRANSMIT[@]}"
	charon_conf "$DB" "${SHORT_RETRANSMIT[@]}"
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-8 \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256 \
		swanctl_conf a "$DA/swanctl.conf"
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-8 \
		PROP=aes256-sha384-ecp384 ESP=aes128-sha256 \
		swanctl_conf b "$DB/swanctl.conf"
	start_pair
	initiate_from a child net 20
	sleep 1
	initiate_from b child net 20
	sleep 1
	finish_pair
}

# IKEv1: Main Mode succeeds, Quick Mode fails on disjoint ESP proposals.
rec_ikev1_p2_proposal_mismatch() {
	begin_pair ikev1-p2-proposal-mismatch
	charon_conf "$DA" "${SHORT_RETRANSMIT[@]}"
	charon_conf "$DB" "${SHORT_RETRANSMIT[@]}"
	V=1 IDA=192.0.2.1 IDB=192.0.2.2 PSK=ikescope-sample-psk-9 \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256 \
		swanctl_conf a "$DA/swanctl.conf"
	V=1 IDA=192.0.2.1 IDB=192.0.2.2 PSK=ikescope-sample-psk-9 \
		PROP=aes128-sha256-modp2048 ESP=aes256gcm16 \
		swanctl_conf b "$DB/swanctl.conf"
	run_failure 25
}

# IKEv1: Main Mode succeeds, Quick Mode fails: B's child has other subnets
# (local 10.3.0.0/24, remote 10.1.0.0/24) than A proposes (10.1.0.0/24 <-> 10.2.0.0/24).
rec_ikev1_proxyid_mismatch() {
	begin_pair ikev1-proxyid-mismatch
	charon_conf "$DA" "${SHORT_RETRANSMIT[@]}"
	charon_conf "$DB" "${SHORT_RETRANSMIT[@]}"
	V=1 IDA=192.0.2.1 IDB=192.0.2.2 PSK=ikescope-sample-psk-10 \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256 \
		swanctl_conf a "$DA/swanctl.conf"
	V=1 IDA=192.0.2.1 IDB=192.0.2.2 PSK=ikescope-sample-psk-10 \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256 LTS=10.3.0.0/24 RTS=10.1.0.0/24 \
		swanctl_conf b "$DB/swanctl.conf"
	run_failure 25
}

# IKEv1, disjoint ESP proposals as in ikev1-p2-proposal-mismatch, tried from
# both ends: after A's Quick Mode is refused, B initiates its own child "net"
# (ESP aes256gcm16) towards A and A refuses it too.
rec_ikev1_p2_proposal_mismatch_both() {
	begin_pair ikev1-p2-proposal-mismatch-both
	charon_conf "$DA" "${SHORT_RETRANSMIT[@]}"
	charon_conf "$DB" "${SHORT_RETRANSMIT[@]}"
	V=1 IDA=192.0.2.1 IDB=192.0.2.2 PSK=ikescope-sample-psk-28 \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256 \
		swanctl_conf a "$DA/swanctl.conf"
	V=1 IDA=192.0.2.1 IDB=192.0.2.2 PSK=ikescope-sample-psk-28 \
		PROP=aes128-sha256-modp2048 ESP=aes256gcm16 \
		swanctl_conf b "$DB/swanctl.conf"
	start_pair
	initiate_from a child net 20
	sleep 1
	initiate_from b child net 20
	sleep 1
	finish_pair
}

# IKEv1 proxy-ID mismatch as in ikev1-proxyid-mismatch, tried from both ends:
# after A's Quick Mode is refused, B initiates its child "net" (local
# 10.3.0.0/24, remote 10.1.0.0/24) towards A and A refuses it too.
rec_ikev1_proxyid_mismatch_both() {
	begin_pair ikev1-proxyid-mismatch-both
	charon_conf "$DA" "${SHORT_RETRANSMIT[@]}"
	charon_conf "$DB" "${SHORT_RETRANSMIT[@]}"
	V=1 IDA=192.0.2.1 IDB=192.0.2.2 PSK=ikescope-sample-psk-29 \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256 \
		swanctl_conf a "$DA/swanctl.conf"
	V=1 IDA=192.0.2.1 IDB=192.0.2.2 PSK=ikescope-sample-psk-29 \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256 LTS=10.3.0.0/24 RTS=10.1.0.0/24 \
		swanctl_conf b "$DB/swanctl.conf"
	start_pair
	initiate_from a child net 20
	sleep 1
	initiate_from b child net 20
	sleep 1
	finish_pair
}

# IKEv1 Main Mode: the responder answers, but its replies are dropped in A's
# INPUT chain (after the capture point): MM1 retransmitted, MM2 sent each time.
rec_ikev1_reply_dropped() {
	begin_pair ikev1-reply-dropped
	charon_conf "$DA" "${SHORT_RETRANSMIT[@]}"
	charon_conf "$DB" "${SHORT_RETRANSMIT[@]}"
	ns_exec "$NS_A" iptables -A INPUT -p udp --sport 500 -j DROP
	V=1 IDA=192.0.2.1 IDB=192.0.2.2 PSK=ikescope-sample-psk-11 \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256 \
		swanctl_conf_both
	start_pair
	initiate net 25
	sleep 1
	iptables_counters "$NS_A" INPUT
	finish_pair
}

# NAT-T through a real NAT: A (198.51.100.10) behind iks-r, which masquerades
# to 203.0.113.1, B (203.0.113.2) on the public side. Captured at B (NAME.pcap)
# and at A (NAME-inside.pcap) in the same run. V is the IKE version.
natt_scenario() {
	local ADDR_A=198.51.100.10 ADDR_B=203.0.113.2
	begin_pair "$1" ns_setup_nat
	local inside=$WORK/$NAME/$NAME-inside.pcap
	V=$2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-12 \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256 \
		swanctl_conf a "$DA/swanctl.conf"
	V=$2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-12 \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256 RADDRS=%any \
		swanctl_conf b "$DB/swanctl.conf"
	capture_start "$CAP" "$NS_B" iks-b0
	capture_start "$inside" "$NS_A" iks-a0
	start_daemons
	tunnel_steps
	iptables_counters "$NS_R" POSTROUTING nat
	finish_pair "$inside"
}
rec_ikev1_natt() { natt_scenario ikev1-natt 1; }
rec_ikev2_natt() { natt_scenario ikev2-natt 2; }

# IKEv1 tunnel up, but B drops every ESP-in-UDP packet (UDP 4500 whose first 4
# payload bytes are not the zero non-ESP marker); IKE on 4500 still passes.
rec_ikev1_esp_oneway() {
	begin_pair ikev1-esp-oneway
	V=1 IDA=192.0.2.1 IDB=192.0.2.2 PSK=ikescope-sample-psk-13 \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256 \
		swanctl_conf_both
	ns_exec "$NS_B" iptables -I INPUT -p udp --dport 4500 -m u32 ! --u32 '0>>22&0x3C@8=0' -j DROP
	start_pair
	initiate net
	ping_tunnel 5
	iptables_counters "$NS_B" INPUT
	sw "$DA" --terminate --ike gw-gw --timeout 10 >"$WORK/$NAME/terminate.out" 2>&1 || true
	sleep 1
	finish_pair
}

# IKEv1 with DPD on A (dpd_delay 2s, dpd_timeout 10s): tunnel up, 3 pings,
# then B drops everything from A; A's R-U-THERE go unanswered until it gives up.
rec_ikev1_dpd_dead_peer() {
	begin_pair ikev1-dpd-dead-peer
	V=1 IDA=192.0.2.1 IDB=192.0.2.2 PSK=ikescope-sample-psk-14 \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256 DPD=2s DPDT=10s \
		swanctl_conf a "$DA/swanctl.conf"
	V=1 IDA=192.0.2.1 IDB=192.0.2.2 PSK=ikescope-sample-psk-14 \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256 \
		swanctl_conf b "$DB/swanctl.conf"
	start_pair
	initiate net
	ping_tunnel 3
	ip netns exec "$NS_B" iptables -A INPUT -s "$ADDR_A" -j DROP
	log "B now drops everything from $ADDR_A"
	wait_log "$DA/charon.log" 'DPD check timed out|IKE_SA deleted|establishing .* failed' 25
	sleep 2
	iptables_counters "$NS_B" INPUT
	finish_pair
}

# IKEv2 with DPD on A (dpd_delay 2s, short retransmits): tunnel up, 3 pings,
# then B's charon is killed with SIGKILL; A's liveness checks go unanswered
# (B's kernel answers them with ICMP port unreachable, kept in the capture).
rec_ikev2_dpd_dead_peer() {
	begin_pair ikev2-dpd-dead-peer
	charon_conf "$DA" "${SHORT_RETRANSMIT[@]}"
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-15 \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256 DPD=2s \
		swanctl_conf a "$DA/swanctl.conf"
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-15 \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256 \
		swanctl_conf b "$DB/swanctl.conf"
	capture_start "$CAP" "$NS_A" iks-a0 "$CAP_FILTER or icmp"
	start_daemons
	initiate net
	ping_tunnel 3
	charon_kill9 "$DB" "$PID_B"
	wait_log "$DA/charon.log" 'giving up after|IKE_SA deleted' 28
	sleep 1
	finish_pair
}

# IKEv2: A offers one proposal with ECP_256 and MODP_2048 and sends its KE for
# ECP_256; B accepts only MODP_2048: INVALID_KE_PAYLOAD, A retries, tunnel up.
rec_ikev2_invalid_ke() {
	begin_pair ikev2-invalid-ke
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-16 \
		PROP=aes256-sha256-ecp256-modp2048 ESP=aes256-sha256 \
		swanctl_conf a "$DA/swanctl.conf"
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-16 \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256 \
		swanctl_conf b "$DB/swanctl.conf"
	run_tunnel
}

# IKEv2: IKE SA up, but B's child has traffic selectors that do not overlap
# A's (local 10.3.0.0/24, remote 10.1.0.0/24): TS_UNACCEPTABLE in IKE_AUTH.
rec_ikev2_ts_unacceptable() {
	begin_pair ikev2-ts-unacceptable
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-17 \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256 \
		swanctl_conf a "$DA/swanctl.conf"
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-17 \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256 LTS=10.3.0.0/24 RTS=10.1.0.0/24 \
		swanctl_conf b "$DB/swanctl.conf"
	start_pair
	initiate net
	sleep 2
	sw "$DA" --terminate --ike gw-gw --timeout 10 >"$WORK/$NAME/terminate.out" 2>&1 || true
	sleep 1
	finish_pair
}

# IKEv1 Main Mode only (swanctl --initiate --ike): no Quick Mode; the capture
# runs 16 s more. A has DPD every 5 s, so the idle time shows on the wire
# (a pcap file has no record of when the capture stopped).
rec_ikev1_phase2_missing() {
	begin_pair ikev1-phase2-missing
	V=1 IDA=192.0.2.1 IDB=192.0.2.2 PSK=ikescope-sample-psk-18 \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256 DPD=5s \
		swanctl_conf a "$DA/swanctl.conf"
	V=1 IDA=192.0.2.1 IDB=192.0.2.2 PSK=ikescope-sample-psk-18 \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256 \
		swanctl_conf b "$DB/swanctl.conf"
	start_pair
	initiate_from a ike gw-gw 20
	sleep 16
	finish_pair
}

# IKEv2 IKE SA and CHILD_SA up, but no traffic: the capture runs 16 s more,
# with A's liveness checks (DPD every 5 s) marking the time.
rec_ikev2_esp_missing() {
	begin_pair ikev2-esp-missing
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-19 \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256 DPD=5s \
		swanctl_conf a "$DA/swanctl.conf"
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-19 \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256 \
		swanctl_conf b "$DB/swanctl.conf"
	start_pair
	initiate net
	sleep 16
	finish_pair
}

# IKEv1 Main Mode with 3DES/SHA-1/MODP-1024 and ESP 3DES/SHA-1: works, but weak.
rec_ikev1_weak_crypto() {
	begin_pair ikev1-weak-crypto
	V=1 IDA=192.0.2.1 IDB=192.0.2.2 PSK=ikescope-sample-psk-20 \
		PROP=3des-sha1-modp1024 ESP=3des-sha1 \
		swanctl_conf_both
	run_tunnel
}

# ikev1-main-psk's run captured with a snap length of 96 bytes.
rec_ikev1_truncated() {
	local CAP_SNAPLEN=96
	begin_pair ikev1-truncated
	V=1 IDA=192.0.2.1 IDB=192.0.2.2 PSK=ikescope-sample-psk-21 \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256-modp2048 \
		swanctl_conf_both
	run_tunnel
}

# IKEv2 tunnel up, pings, then the responder (B) deletes the IKE SA.
rec_ikev2_tunnel_deleted() {
	begin_pair ikev2-tunnel-deleted
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-22 \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256 \
		swanctl_conf_both
	start_pair
	initiate net
	ping_tunnel 5
	sw "$DB" --terminate --ike gw-gw --timeout 10 >"$WORK/$NAME/terminate.out" 2>&1 || true
	log "terminate from B: $(tail -n 1 "$WORK/$NAME/terminate.out")"
	sleep 3
	finish_pair
}

# IKEv1 Aggressive Mode: B has no configuration for A's identity (it expects
# gw-c.example.net, A sends gw-a.example.net in AM1).
rec_ikev1_aggressive_unknown_id() {
	begin_pair ikev1-aggressive-unknown-id
	charon_conf "$DA" "${SHORT_RETRANSMIT[@]}"
	charon_conf "$DB" "${SHORT_RETRANSMIT[@]}"
	V=1 AGGR=yes IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-23 \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256 \
		swanctl_conf a "$DA/swanctl.conf"
	V=1 AGGR=yes IDA=gw-c.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-23 \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256 \
		swanctl_conf b "$DB/swanctl.conf"
	run_failure 25
}

# pluto_failure CONN [TIMEOUT]: gateway B is libreswan pluto with $DB/ipsec.conf
# and $DB/ipsec.secrets (CONN has auto=add), gateway A charon with
# $DA/swanctl.conf; A initiates and the run ends when swanctl returns. Like
# finish_pair, but B's log is pluto's.
pluto_failure() {
	local conn=$1
	capture_start "$CAP"
	pluto_start "$NS_B" "$DB" "$conn"
	PID_B=$PLUTO_PID
	charon_start "$NS_A" "$DA"
	PID_A=$CHARON_PID
	sw_load "$DA"
	sleep 0.5
	initiate net "${2:-20}"
	sleep 1
	capture_stop
	bg_kill "$PID_A"
	timeout 10 "$WHACK" --ctlsocket "$DB/run/pluto/pluto.ctl" --shutdown >/dev/null 2>&1 || true
	bg_kill "$PID_B"
	ns_del_all
	cp "$CAP" "$OUT/$NAME.pcap"
	chmod 644 "$OUT/$NAME.pcap"
	save_log "$DA/charon.log" "$OUT/$NAME.initiator.log"
	save_log "$DB/pluto.log" "$OUT/$NAME.responder.log"
	save_configs
	pcap_summary "$OUT/$NAME.pcap"
}

# pluto_conf FILE IKEV1_POLICY CONN_LINES...: an ipsec.conf for pluto (B) with
# config setup ikev1-policy=IKEV1_POLICY and conn gw-gw (B 192.0.2.2, A 192.0.2.1,
# PSK, subnets as elsewhere) made of CONN_LINES plus those defaults
pluto_conf() {
	local file=$1 pol=$2
	shift 2
	{
		printf '%s\n' 'config setup' '    plutodebug=none' '    logtime=yes' '    logappend=no' \
			"    ikev1-policy=$pol" '' 'conn gw-gw'
		printf '    %s\n' "$@" authby=secret "left=$ADDR_B" "leftsubnet=$NET_B" \
			"right=$ADDR_A" "rightsubnet=$NET_A" auto=add
	} >"$file"
}

# charon (A) starts IKEv1 Main Mode towards libreswan pluto (B) that has
# ikev1-policy=reject and an IKEv2 connection only.
rec_ikev1_libreswan_invalid_major_version() {
	ensure_libreswan
	begin_pair ikev1-libreswan-invalid-major-version
	charon_conf "$DA" "${SHORT_RETRANSMIT[@]}"
	V=1 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-24 \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256 \
		swanctl_conf a "$DA/swanctl.conf"
	pluto_conf "$DB/ipsec.conf" reject ikev2=insist \
		leftid=@gw-b.example.net rightid=@gw-a.example.net \
		'ike=aes256-sha2_256;modp2048' esp=aes256-sha2_256
	printf '%s\n' '@gw-b.example.net @gw-a.example.net : PSK "ikescope-sample-psk-24"' >"$DB/ipsec.secrets"
	chmod 600 "$DB/ipsec.secrets"
	pluto_failure gw-gw 25
}

# charon (A) starts IKEv2 towards libreswan pluto (B) whose connection is IKEv1 only.
rec_ikev2_libreswan_error_notify() {
	ensure_libreswan
	begin_pair ikev2-libreswan-error-notify
	charon_conf "$DA" "${SHORT_RETRANSMIT[@]}"
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-25 \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256 \
		swanctl_conf a "$DA/swanctl.conf"
	pluto_conf "$DB/ipsec.conf" accept ikev2=no \
		leftid=@gw-b.example.net rightid=@gw-a.example.net \
		'ike=aes256-sha2_256;modp2048' esp=aes256-sha2_256
	printf '%s\n' '@gw-b.example.net @gw-a.example.net : PSK "ikescope-sample-psk-25"' >"$DB/ipsec.secrets"
	chmod 600 "$DB/ipsec.secrets"
	pluto_failure gw-gw 25
}

# ESP-in-UDP from A (IKE on 4500 carries the zero non-ESP marker and is not matched)
ESP_IN_UDP_MATCH=(-p udp --dport 4500 -m u32 ! --u32 '0>>22&0x3C@8=0')

# IKEv2 tunnel through the router of ns_setup_routed (B is 198.51.100.2), which
# drops every third ESP-in-UDP packet from A to B (iptables statistic, nth mode,
# in FORWARD; deterministic, unlike random loss). 30 pings 0.2 s apart. Captured
# at B (NAME.pcap: gaps in the ESP sequence numbers of A's SPI) and at A
# (NAME-at-initiator.pcap: every sequence number leaves A).
rec_ikev2_esp_loss() {
	local ADDR_A=192.0.2.1 ADDR_B=198.51.100.2
	begin_pair ikev2-esp-loss ns_setup_routed
	local at_a=$WORK/$NAME/$NAME-at-initiator.pcap
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-26 \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256 \
		swanctl_conf_both
	ns_exec "$NS_R" iptables -A FORWARD -i iks-ra "${ESP_IN_UDP_MATCH[@]}" \
		-m statistic --mode nth --every 3 --packet 1 -j DROP
	capture_start "$CAP" "$NS_B" iks-b0
	capture_start "$at_a" "$NS_A" iks-a0
	start_daemons
	initiate net
	ping_tunnel 30 0.2
	iptables_counters "$NS_R" FORWARD
	sw "$DA" --terminate --ike gw-gw --timeout 10 >"$WORK/$NAME/terminate.out" 2>&1 || true
	sleep 1
	finish_pair "$at_a"
}

# IKEv2 tunnel through the router of ns_setup_routed, captured in the router
# with `tcpdump -i any`: every forwarded packet is in the capture twice (in on
# iks-ra or iks-rb, out on the other), so each ESP sequence number appears twice
# in a row on the same SPI. LINKTYPE_LINUX_SLL2 (its header has the interface index).
rec_ikev2_esp_seq_restart() {
	local ADDR_A=192.0.2.1 ADDR_B=198.51.100.2
	begin_pair ikev2-esp-seq-restart ns_setup_routed
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-27 \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256 \
		swanctl_conf_both
	capture_start "$CAP" "$NS_R" any
	start_daemons
	tunnel_steps
	finish_pair
}

# --------------------------------------------------------------------------
# rekeying, refused second child, blocked NAT-T port, EAP, refused identity
# --------------------------------------------------------------------------

# mark_time, then at_second T: sleep until T seconds after the mark
T0=0
mark_time() { T0=$(date +%s.%N); }
at_second() {
	local d
	d=$(awk -v t0="$T0" -v t="$1" -v now="$(date +%s.%N)" 'BEGIN { d = t0 + t - now; printf "%.2f", (d > 0 ? d : 0) }')
	sleep "$d"
}

# rekey_steps: initiate from A, 5 pings, an idle gap (A's DPD fires at about
# 6 and 10 s), then one ping a second from 12.5 to 25.5 s (so no DPD is due
# while the SAs are rekeyed), A deletes the IKE SA at 26 s. Times count from
# the end of the initiation, where the SAs' rekey timers start.
rekey_steps() {
	initiate net
	mark_time
	ping_tunnel 5
	at_second 12.5
	ping_tunnel 14 1
	at_second 26
	sw "$DA" --terminate --ike gw-gw --timeout 10 >"$WORK/$NAME/terminate.out" 2>&1 || true
	sleep 1
}

# IKEv2 tunnel whose SAs A rekeys during the run: the CHILD_SA every 11 s (ESP
# with PFS, so CREATE_CHILD_SA carries KE), the IKE SA at 17 s; A has
# dpd_delay 4s. rand_time = 0, so the rekeys come on time. B has no rekey or
# DPD timers. See rekey_steps.
rec_ikev2_rekey() {
	begin_pair ikev2-rekey
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-30 \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256-modp2048 \
		REKEY=17s CREKEY=11s DPD=4s \
		swanctl_conf a "$DA/swanctl.conf"
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-30 \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256-modp2048 \
		swanctl_conf b "$DB/swanctl.conf"
	start_pair
	rekey_steps
	finish_pair
}

# The same for IKEv1: Main Mode, Quick Mode with PFS; A rekeys the IPsec SA
# after 11 s (a new Quick Mode; the old SA is deleted when it expires),
# reauthenticates the ISAKMP SA at 19 s (IKEv1 has no IKE rekeying: a new Main
# Mode and Quick Mode) and has dpd_delay 4s. See rekey_steps.
rec_ikev1_rekey() {
	begin_pair ikev1-rekey
	V=1 IDA=192.0.2.1 IDB=192.0.2.2 PSK=ikescope-sample-psk-31 \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256-modp2048 \
		REAUTH=19s CREKEY=11s DPD=4s \
		swanctl_conf a "$DA/swanctl.conf"
	V=1 IDA=192.0.2.1 IDB=192.0.2.2 PSK=ikescope-sample-psk-31 \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256-modp2048 \
		swanctl_conf b "$DB/swanctl.conf"
	start_pair
	rekey_steps
	finish_pair
}

# IKEv2: the first CHILD_SA (net) comes up in IKE_AUTH and carries pings; then
# A initiates a second child (10.1.0.0/24 <-> 10.3.0.0/24), for which B has no
# configuration: CREATE_CHILD_SA answered with TS_UNACCEPTABLE. More pings on
# the first child, then A deletes the IKE SA.
rec_ikev2_child_refused() {
	begin_pair ikev2-child-refused
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-32 \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256 XCHILD='
            second {
                local_ts = 10.1.0.0/24
                remote_ts = 10.3.0.0/24
                esp_proposals = aes256-sha256
                rekey_time = 0
                start_action = none
            }' \
		swanctl_conf a "$DA/swanctl.conf"
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-32 \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256 \
		swanctl_conf b "$DB/swanctl.conf"
	start_pair
	initiate net
	ping_tunnel 3
	initiate_from a child second 20
	ping_tunnel 3
	sw "$DA" --terminate --ike gw-gw --timeout 10 >"$WORK/$NAME/terminate.out" 2>&1 || true
	sleep 1
	finish_pair
}

# IKEv2 through the NAT of ns_setup_nat, whose router drops UDP 4500 in its
# FORWARD chain: IKE_SA_INIT on 500 detects the NAT, IKE_AUTH on 4500 never
# arrives; A retransmits it and gives up (short retransmission timers).
# Captured at A (NAME.pcap) and at B (NAME-at-responder.pcap).
rec_ikev2_natt_4500_blocked() {
	local ADDR_A=198.51.100.10 ADDR_B=203.0.113.2
	begin_pair ikev2-natt-4500-blocked ns_setup_nat
	charon_conf "$DA" "${SHORT_RETRANSMIT[@]}"
	charon_conf "$DB" "${SHORT_RETRANSMIT[@]}"
	local at_b=$WORK/$NAME/$NAME-at-responder.pcap
	ns_exec "$NS_R" iptables -A FORWARD -p udp --dport 4500 -j DROP
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-33 \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256 \
		swanctl_conf a "$DA/swanctl.conf"
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-33 \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256 RADDRS=%any \
		swanctl_conf b "$DB/swanctl.conf"
	capture_start "$CAP" "$NS_A" iks-a0
	capture_start "$at_b" "$NS_B" iks-b0
	start_daemons
	initiate net 25
	sleep 1
	iptables_counters "$NS_R" FORWARD
	finish_pair "$at_b"
}

# eap_conf SIDE FILE PASSWORD: swanctl.conf for rec_ikev2_eap_wrong_password:
# A authenticates with EAP-MSCHAPv2 as user "alice" (PASSWORD is the one A
# uses, or the one B knows for alice), B with a PSK; B asks for the EAP
# identity itself (eap_id = %any).
eap_conf() {
	local side=$1 file=$2 pw=$3 laddr raddr lauth rauth lts rts
	if [ "$side" = a ]; then
		laddr=$ADDR_A raddr=$ADDR_B lts=$NET_A rts=$NET_B
		lauth='auth = eap-mschapv2
            id = gw-a.example.net
            eap_id = alice'
		rauth='auth = psk
            id = gw-b.example.net'
	else
		laddr=$ADDR_B raddr=$ADDR_A lts=$NET_B rts=$NET_A
		lauth='auth = psk
            id = gw-b.example.net'
		rauth='auth = eap-mschapv2
            id = gw-a.example.net
            eap_id = %any'
	fi
	cat >"$file" <<EOF
connections {
    gw-gw {
        version = 2
        local_addrs = $laddr
        remote_addrs = $raddr
        proposals = aes256-sha256-modp2048
        rekey_time = 0
        reauth_time = 0
        dpd_delay = 0
        local {
            $lauth
        }
        remote {
            $rauth
        }
        children {
            net {
                local_ts = $lts
                remote_ts = $rts
                esp_proposals = aes256-sha256
                rekey_time = 0
                start_action = none
            }
        }
    }
}
secrets {
    ike-b {
        id-a = gw-a.example.net
        id-b = gw-b.example.net
        secret = "ikescope-sample-psk-34"
    }
    eap-alice {
        id = alice
        secret = "$pw"
    }
}
EOF
}

# IKEv2, EAP-MSCHAPv2 with the wrong user password (see eap_conf). B's
# EAP-MSCHAPv2 waits 2 s before it answers a wrong response, so the default
# retransmission timers (first retransmit after 4 s) are kept here.
rec_ikev2_eap_wrong_password() {
	local CHARON_PLUGINS="$CHARON_PLUGINS eap-identity eap-mschapv2"
	apt_install libcharon-extauth-plugins # eap-mschapv2 (eap-identity is in -extra-)
	config_only || [ -e /usr/lib/ipsec/plugins/libstrongswan-eap-mschapv2.so ] ||
		die "eap-mschapv2 plugin missing (libcharon-extauth-plugins)"
	begin_pair ikev2-eap-wrong-password
	eap_conf a "$DA/swanctl.conf" ikescope-wrong-password
	eap_conf b "$DB/swanctl.conf" ikescope-alice-password
	run_failure 20
}

# IKEv1 Main Mode: both sides hold the same PSK, but B's connection expects
# the remote identity gw-c.example.net (its secret is bound to that and B's
# own identity, so B finds the same key); A sends ID_IPV4_ADDR 192.0.2.1 in MM5.
rec_ikev1_main_id_refused() {
	begin_pair ikev1-main-id-refused
	charon_conf "$DA" "${SHORT_RETRANSMIT[@]}"
	charon_conf "$DB" "${SHORT_RETRANSMIT[@]}"
	V=1 IDA=192.0.2.1 IDB=192.0.2.2 PSK=ikescope-sample-psk-35 \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256 \
		swanctl_conf a "$DA/swanctl.conf"
	V=1 IDA=gw-c.example.net IDB=192.0.2.2 PSK=ikescope-sample-psk-35 \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256 \
		swanctl_conf b "$DB/swanctl.conf"
	run_failure 25
}

# --------------------------------------------------------------------------
# two-sided captures: one run captured at three points at once
# --------------------------------------------------------------------------

# Every two-* scenario puts a router namespace (iks-r) between the gateways and
# runs three tcpdumps at the same time: on iks-a0 in iks-a (NAME.gw-a.pcap, the
# initiator's outside interface), on iks-b0 in iks-b (NAME.gw-b.pcap, the
# responder's outside interface) and with `-i any` in iks-r (NAME.router.pcap,
# LINKTYPE_LINUX_SLL2: a forwarded packet appears twice, in on one router
# interface and out on the other; a packet the router drops appears once, in).
# All three use the same filter and run on this host, so they share one clock.
TWO_FILTER="$CAP_FILTER_FRAG or icmp"
TWO_GWB='' TWO_RTR=''
# two_start: the three captures (after begin_pair and the swanctl.conf files),
# then the daemons
two_start() {
	CAP=$WORK/$NAME/$NAME.gw-a.pcap
	TWO_GWB=$WORK/$NAME/$NAME.gw-b.pcap
	TWO_RTR=$WORK/$NAME/$NAME.router.pcap
	capture_start "$CAP" "$NS_A" iks-a0 "$TWO_FILTER"
	capture_start "$TWO_GWB" "$NS_B" iks-b0 "$TWO_FILTER"
	capture_start "$TWO_RTR" "$NS_R" any "$TWO_FILTER"
	log "router interface indexes: $(ip -n "$NS_R" -o link | awk '{printf "%s %s ", $1, $2}')"
	start_daemons
}
two_finish() { finish_pair "$TWO_GWB" "$TWO_RTR"; }

# two_psk_conf N: IKEv2 PSK swanctl.conf for both gateways (B accepts A from
# any address when RADDRS_B is set, as behind the NAT)
two_psk_conf() {
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK="ikescope-sample-psk-$1" \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256 \
		swanctl_conf a "$DA/swanctl.conf"
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK="ikescope-sample-psk-$1" \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256 RADDRS=${RADDRS_B:-} \
		swanctl_conf b "$DB/swanctl.conf"
}

# IKEv2 PSK tunnel through the router of ns_setup_routed (A 192.0.2.1, B
# 198.51.100.2), nothing dropped: 5 pings, Delete. Every packet is in all
# three captures (twice in the router's).
rec_two_healthy() {
	local ADDR_A=192.0.2.1 ADDR_B=198.51.100.2
	begin_pair two-healthy ns_setup_routed
	two_psk_conf 36
	two_start
	tunnel_steps
	iptables_counters "$NS_R" FORWARD
	two_finish
}

# The same, but once the CHILD_SA is up the router drops every ESP-in-UDP
# packet that comes in from B (iks-rb): UDP to port 4500 whose first 4 payload
# bytes are not the zero non-ESP marker. IKE on 4500 (the Delete) still passes.
rec_two_esp_oneway() {
	local ADDR_A=192.0.2.1 ADDR_B=198.51.100.2
	begin_pair two-esp-oneway ns_setup_routed
	two_psk_conf 37
	two_start
	initiate net
	ip netns exec "$NS_R" iptables -A FORWARD -i iks-rb -s "$ADDR_B" "${ESP_IN_UDP_MATCH[@]}" -j DROP
	ping_tunnel 5
	iptables_counters "$NS_R" FORWARD
	sw "$DA" --terminate --ike gw-gw --timeout 10 >"$WORK/$NAME/terminate.out" 2>&1 || true
	sleep 1
	two_finish
}

# IKEv2 through the router, which drops every UDP packet from B's port 500
# coming in on iks-rb: B answers each IKE_SA_INIT request (and each of A's
# retransmissions) but no answer reaches A; A gives up (short timers).
rec_two_reply_dropped() {
	local ADDR_A=192.0.2.1 ADDR_B=198.51.100.2
	begin_pair two-reply-dropped ns_setup_routed
	charon_conf "$DA" "${SHORT_RETRANSMIT[@]}"
	charon_conf "$DB" "${SHORT_RETRANSMIT[@]}"
	two_psk_conf 38
	ns_exec "$NS_R" iptables -A FORWARD -i iks-rb -s "$ADDR_B" -p udp --sport 500 -j DROP
	two_start
	initiate net 25
	sleep 1
	iptables_counters "$NS_R" FORWARD
	two_finish
}

# IKEv2 with certificates (RSA-4096), IKEv2 fragmentation off, MTU 1280 on
# every link, so the IKE_AUTH request leaves A in two IPv4 fragments. The
# router drops every IPv4 fragment, first ones included (MF set or offset not
# zero), in raw PREROUTING: nothing of IKE_AUTH reaches B; A retransmits it and
# gives up (short timers).
rec_two_frag_dropped() {
	local ADDR_A=192.0.2.1 ADDR_B=198.51.100.2
	begin_pair two-frag-dropped ns_setup_routed 1280
	charon_conf "$DA" "${SHORT_RETRANSMIT[@]}"
	charon_conf "$DB" "${SHORT_RETRANSMIT[@]}"
	cert_pair
	ns_exec "$NS_R" iptables -t raw -A PREROUTING -m u32 --u32 '4&0x3FFF=0x1:0x3FFF' -j DROP
	V=2 FRAG=no IDA=gw-a.example.net IDB=gw-b.example.net \
		PROP=aes256-sha256-modp3072 ESP=aes256-sha256 \
		swanctl_conf_cert_both
	two_start
	initiate net 25
	sleep 1
	iptables_counters "$NS_R" PREROUTING raw
	two_finish
}

# IKEv2 PSK tunnel through the masquerading NAT of ns_setup_nat (A
# 198.51.100.10 inside, seen as 203.0.113.1 outside; B 203.0.113.2), which
# also maps A's source port 500 to 40500 and 4500 to 44500: 5 pings, Delete.
# gw-a and gw-b see the same packets with different addresses and ports.
rec_two_nat() {
	local ADDR_A=198.51.100.10 ADDR_B=203.0.113.2
	begin_pair two-nat ns_setup_nat
	RADDRS_B=%any two_psk_conf 40
	# translate the ports too, the same way on every recording
	ns_exec "$NS_R" iptables -t nat -I POSTROUTING 1 -o iks-rb -p udp --sport 500 \
		-j MASQUERADE --to-ports 40500
	ns_exec "$NS_R" iptables -t nat -I POSTROUTING 2 -o iks-rb -p udp --sport 4500 \
		-j MASQUERADE --to-ports 44500
	two_start
	tunnel_steps
	iptables_counters "$NS_R" POSTROUTING nat
	two_finish
}

# --------------------------------------------------------------------------
# remote access: IKEv1 XAUTH and Mode Config, IKEv2 EAP and configuration
# payloads, a gateway with a pool of virtual IPs and clients that ask for one
# --------------------------------------------------------------------------

# plugins the remote-access scenarios load in addition to CHARON_PLUGINS
RA_PLUGINS="eap-identity eap-mschapv2 eap-md5 xauth-generic"
RA_PSK=ikescope-sample-psk-41
RA_DNS=10.99.0.53

# ra_packages: the EAP and XAUTH plugins (eap-mschapv2 is in
# libcharon-extauth-plugins, the others in libcharon-extra-plugins)
ra_packages() {
	config_only && return 0
	local p
	apt_install libcharon-extauth-plugins libcharon-extra-plugins
	for p in $RA_PLUGINS; do
		[ -e "/usr/lib/ipsec/plugins/libstrongswan-$p.so" ] || die "$p plugin missing"
	done
}

# ra_gw_conf FILE: swanctl.conf of the remote-access gateway. Variables:
#   GW       its address (local_addrs); clients may come from any address
#   POOL     the addresses of pool "rw" (DNS server RA_DNS is handed out too)
#   RA_V1    yes: connection rw-v1, IKEv1 Main Mode with PSK, then XAUTH
#            (xauth-generic), then Mode Config (pull) from pool rw
#   RA_V2    yes: connection rw-v2, IKEv2, the gateway authenticates with the
#            PSK, the client with EAP-MSCHAPv2 (EAP identity asked for), CP
#            address from pool rw
#   RA_USERS lines "eap USER PASSWORD" or "xauth USER PASSWORD": the users
#   RA_EAP   the EAP method rw-v2 asks of the client [eap-mschapv2]; eap-radius
#            hands the client's EAP to the RADIUS server of strongswan.conf
#   RA_XAUTH the XAUTH backend of rw-v1 [xauth: the secrets]; xauth-eap checks
#            the user's password with the EAP backend of strongswan.conf
# Both connections have one child (local_ts 10.2.0.0/24, remote_ts the
# client's virtual IP), unique = never and no rekey or DPD timers. The PSK
# (RA_PSK) is bound to the gateway's identity gw-b.example.net only, so any
# client identity finds it.
ra_gw_conf() {
	local file=$1 kind user pw
	{
		echo 'connections {'
		if [ "${RA_V1:-no}" = yes ]; then
			cat <<EOF
    rw-v1 {
        version = 1
        local_addrs = $GW
        proposals = aes128-sha256-modp2048
        pools = rw
        unique = never
        rekey_time = 0
        reauth_time = 0
        dpd_delay = 0
        local {
            auth = psk
            id = gw-b.example.net
        }
        remote {
            auth = psk
        }
        remote-xauth {
            auth = ${RA_XAUTH:-xauth}
        }
        children {
            rw-v1 {
                local_ts = $NET_B
                esp_proposals = aes128-sha256
                rekey_time = 0
            }
        }
    }
EOF
		fi
		if [ "${RA_V2:-no}" = yes ]; then
			cat <<EOF
    rw-v2 {
        version = 2
        local_addrs = $GW
        proposals = aes256-sha256-modp2048
        pools = rw
        unique = never
        rekey_time = 0
        reauth_time = 0
        dpd_delay = 0
        local {
            auth = psk
            id = gw-b.example.net
        }
        remote {
            auth = ${RA_EAP:-eap-mschapv2}
            eap_id = %any
        }
        children {
            rw-v2 {
                local_ts = $NET_B
                esp_proposals = aes256-sha256
                rekey_time = 0
            }
        }
    }
EOF
		fi
		cat <<EOF
}
pools {
    rw {
        addrs = $POOL
        dns = $RA_DNS
    }
}
secrets {
    ike-rw {
        id = gw-b.example.net
        secret = "$RA_PSK"
    }
EOF
		while read -r kind user pw; do
			[ -n "$kind" ] || continue
			printf '    %s-%s {\n        id = %s\n        secret = "%s"\n    }\n' "$kind" "$user" "$user" "$pw"
		done <<<"$RA_USERS"
		echo '}'
	} >"$file"
}

# A client charon's swanctl.conf is built up with ra_client_add, one
# connection per user, and written with ra_client_write.
RA_CONNS='' RA_SECRETS=''
ra_client_reset() { RA_CONNS='' RA_SECRETS=''; }

# ra_client_add NAME VERSION LADDR USER PASSWORD [EAP]: connection NAME (its
# child has the same name) from LADDR to the gateway GW, asking for a virtual
# IP (vips = 0.0.0.0), child remote_ts 10.2.0.0/24; IKE identity USER.
# VERSION 1: Main Mode with the PSK, then XAUTH as USER with PASSWORD.
# VERSION 2: EAP (method EAP, default eap-mschapv2) as USER with PASSWORD;
# the gateway is verified with the PSK.
ra_client_add() {
	local name=$1 v=$2 laddr=$3 user=$4 pw=$5 eap=${6:-eap-mschapv2} auth prop esp kind
	if [ "$v" = 1 ]; then
		prop=aes128-sha256-modp2048 esp=aes128-sha256 kind=xauth
		auth="local {
            auth = psk
            id = $user
        }
        local-xauth {
            auth = xauth
            xauth_id = $user
        }"
	else
		prop=aes256-sha256-modp2048 esp=aes256-sha256 kind=eap
		auth="local {
            auth = $eap
            id = $user
            eap_id = $user
        }"
	fi
	RA_CONNS+="    $name {
        version = $v
        local_addrs = $laddr
        remote_addrs = $GW
        proposals = $prop
        vips = 0.0.0.0
        rekey_time = 0
        reauth_time = 0
        dpd_delay = 0
        $auth
        remote {
            auth = psk
            id = gw-b.example.net
        }
        children {
            $name {
                remote_ts = $NET_B
                esp_proposals = $esp
                rekey_time = 0
                start_action = none
            }
        }
    }
"
	RA_SECRETS+="    $kind-$user {
        id = $user
        secret = \"$pw\"
    }
"
}

# ra_client_write FILE: the client swanctl.conf with the connections added so far
ra_client_write() {
	cat >"$1" <<EOF
connections {
$RA_CONNS}
secrets {
    ike-rw {
        id = gw-b.example.net
        secret = "$RA_PSK"
    }
$RA_SECRETS}
EOF
}

# ra_vip DIR CONN: the virtual IP the charon of DIR got on IKE_SA CONN (empty if none)
ra_vip() {
	sw "$1" --list-sas --ike "$2" 2>/dev/null |
		sed -n 's/^ *local .*\] \[\([0-9.]*\)\].*$/\1/p' | head -n 1
}

# ra_ping NS VIP [COUNT]: COUNT pings (3), 0.5 s apart, from VIP in NS to 10.2.0.1
ra_ping() {
	local ns=$1 vip=$2 n=${3:-3}
	ip netns exec "$ns" timeout 20 ping -n -c "$n" -i 0.5 -W 2 -I "$vip" "$LAN_B" \
		>"$WORK/$NAME/ping-$vip.out" 2>&1 || true
	log "ping from $vip: $(grep -E 'packets transmitted' "$WORK/$NAME/ping-$vip.out" || echo failed)"
}

# ra_session SIDE CONN: initiate CONN from the client charon (a = DA), ping
# from its virtual IP if it got one, and keep it up (no terminate)
ra_session() {
	local vip dir=$DA
	initiate_from "$1" child "$2" 20
	[ "$1" = c ] && dir=$DC
	vip=$(ra_vip "$dir" "$2")
	log "$2: virtual IP ${vip:-none}"
	[ -n "$vip" ] && ra_ping "$NS_A" "$vip" 3
	return 0
}

# ra_pair NAME: begin_pair for a remote-access scenario with one client (A,
# 192.0.2.1) and the gateway (B, 192.0.2.2), with RA_PLUGINS loaded; the
# caller sets CHARON_PLUGINS locally (see rec_ikev1_xauth_psk)
ra_pair() {
	ra_packages
	begin_pair "$1"
	GW=$ADDR_B
	ra_client_reset
}

# ra_pair_tunnel CONN: capture, daemons, A initiates CONN, pings from its
# virtual IP, deletes the IKE SA; finish_pair
ra_pair_tunnel() {
	start_pair
	ra_session a "$1"
	sw "$DA" --terminate --ike "$1" --timeout 10 >"$WORK/$NAME/terminate.out" 2>&1 || true
	sleep 1
	finish_pair
}

# IKEv1 remote access: Main Mode with PSK (client identity alice, gateway
# gw-b.example.net), then XAUTH as alice with the right password (Transaction
# exchange: the gateway's REQUEST for user name and password, the client's
# REPLY, the gateway's SET with XAUTH status OK, the client's ACK), then Mode
# Config (the client's REQUEST for an address, the gateway's REPLY with
# 10.99.0.1 and DNS 10.99.0.53), Quick Mode 10.99.0.1/32 <-> 10.2.0.0/24,
# 3 pings from the virtual IP, Delete.
rec_ikev1_xauth_psk() {
	local CHARON_PLUGINS="$CHARON_PLUGINS $RA_PLUGINS"
	ra_pair ikev1-xauth-psk
	RA_V1=yes POOL=10.99.0.1-10.99.0.10 RA_USERS='xauth alice ikescope-alice-password' \
		ra_gw_conf "$DB/swanctl.conf"
	ra_client_add alice 1 "$ADDR_A" alice ikescope-alice-password
	ra_client_write "$DA/swanctl.conf"
	ra_pair_tunnel alice
}

# ikev1-xauth-psk with the wrong XAUTH password on the client: the gateway's
# SET carries XAUTH status FAIL, the client ACKs it, and both drop the ISAKMP
# SA without a Delete; no Mode Config, no Quick Mode. The user tries again
# 12 s later, with the same result.
rec_ikev1_xauth_wrong_password() {
	local CHARON_PLUGINS="$CHARON_PLUGINS $RA_PLUGINS"
	ra_pair ikev1-xauth-wrong-password
	RA_V1=yes POOL=10.99.0.1-10.99.0.10 RA_USERS='xauth alice ikescope-alice-password' \
		ra_gw_conf "$DB/swanctl.conf"
	ra_client_add alice 1 "$ADDR_A" alice ikescope-wrong-password
	ra_client_write "$DA/swanctl.conf"
	start_pair
	initiate alice 20
	# The user tries again 12 s later: the capture goes on past the first attempt's
	# silent end, as a gateway's capture does (a file cannot show that it went on
	# recording without packets).
	sleep 12
	initiate alice 20
	sleep 2
	finish_pair
}

# IKEv2 remote access: the client (IKE identity alice) authenticates with
# EAP-MSCHAPv2 as alice with the right password, the gateway with the PSK;
# CP(CFG_REQUEST) for an address, CP(CFG_REPLY) with 10.99.0.1 and DNS
# 10.99.0.53; CHILD_SA 10.99.0.1/32 <-> 10.2.0.0/24, 3 pings, Delete.
rec_ikev2_eap_mschapv2() {
	local CHARON_PLUGINS="$CHARON_PLUGINS $RA_PLUGINS"
	ra_pair ikev2-eap-mschapv2
	RA_V2=yes POOL=10.99.0.1-10.99.0.10 RA_USERS='eap alice ikescope-alice-password' \
		ra_gw_conf "$DB/swanctl.conf"
	ra_client_add alice 2 "$ADDR_A" alice ikescope-alice-password
	ra_client_write "$DA/swanctl.conf"
	ra_pair_tunnel alice
}

# IKEv2: the client only does EAP-MD5 (auth = eap-md5), the gateway only
# EAP-MSCHAPv2: the client answers the MS-CHAPv2 request with an EAP-Nak
# (asking for MD5), the gateway answers with EAP-Failure, the client sends
# INFORMATIONAL [N(AUTH_FAILED)], which nobody answers.
rec_ikev2_eap_method_mismatch() {
	local CHARON_PLUGINS="$CHARON_PLUGINS $RA_PLUGINS"
	ra_pair ikev2-eap-method-mismatch
	RA_V2=yes POOL=10.99.0.1-10.99.0.10 RA_USERS='eap alice ikescope-alice-password' \
		ra_gw_conf "$DB/swanctl.conf"
	ra_client_add alice 2 "$ADDR_A" alice ikescope-alice-password eap-md5
	ra_client_write "$DA/swanctl.conf"
	start_pair
	initiate alice 20
	sleep 1
	finish_pair
}

# SILENT_RADIUS_CONF: charon's eap-radius settings (inside its plugins section) that
# send to silent_radius
SILENT_RADIUS_CONF='        eap-radius {
            servers {
                local {
                    address = 127.0.0.1
                    secret = ikescope-radius-secret
                }
            }
        }'

# silent_radius_run CONN: silent_radius in B, then capture and daemons; A initiates
# CONN and charon waits up to 40 s for it; finish_pair
silent_radius_run() {
	silent_radius "$NS_B"
	start_pair
	initiate "$1" 40
	sleep 2
	finish_pair
	config_only || bg_kill "$RADIUS_PID"
}

# silent_radius NS: a RADIUS "server" on 127.0.0.1:1812 in NS that reads every
# request and never answers (bounded to 120 s; RADIUS_PID). None in CONFIG_ONLY mode.
RADIUS_PID=''
silent_radius() {
	config_only && return 0
	timeout -s KILL 120 ip netns exec "$1" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 1812))
while True:
    s.recv(4096)
' &
	RADIUS_PID=$!
	BG_PIDS+=("$RADIUS_PID")
}

# IKEv2 remote access whose gateway hands EAP to a RADIUS server that never
# answers (as a RADIUS server does with a request from a client it does not
# know, or signed with another shared secret: it drops it without a word). The
# "server" is a socket in B's namespace on 127.0.0.1:1812 that reads and never
# writes (so nothing of it is on the captured link). The client's second
# IKE_AUTH (its EAP identity) goes to RADIUS; charon's eap-radius sends the
# Access-Request again at 2, 4.8 and 8.7 s and gives up at 14.2 s (its
# defaults: retransmit_timeout 2.0, base 1.4, 4 attempts), then answers the
# IKE_AUTH with EAP-Failure. Meanwhile the client's charon retransmits the
# IKE_AUTH request with its defaults (4 s, base 1.8: at 4 and 11.2 s), which
# the gateway, busy with it, does not answer. Captured on A's side (iks-a0).
rec_ikev2_eap_radius_silent() {
	local CHARON_PLUGINS="$CHARON_PLUGINS $RA_PLUGINS eap-radius"
	ra_pair ikev2-eap-radius-silent
	config_only || [ -e /usr/lib/ipsec/plugins/libstrongswan-eap-radius.so ] ||
		die "eap-radius plugin missing (libcharon-extra-plugins)"
	charon_conf "$DB" "plugins {
$SILENT_RADIUS_CONF
    }"
	RA_V2=yes RA_EAP=eap-radius POOL=10.99.0.1-10.99.0.10 RA_USERS='' \
		ra_gw_conf "$DB/swanctl.conf"
	ra_client_add alice 2 "$ADDR_A" alice ikescope-alice-password eap-md5
	ra_client_write "$DA/swanctl.conf"
	silent_radius_run alice
}

# IKEv1 remote access whose gateway checks XAUTH passwords with a RADIUS server
# that never answers (auth = xauth-eap, the xauth-eap plugin's backend eap-radius;
# the same silent "server" as ikev2-eap-radius-silent). The gateway's XAUTH REQUEST
# is answered at once by the client's REPLY (user name and password from its
# configuration: no person types them); the gateway then asks RADIUS, which does
# not answer, and gives up at 14.2 s (eap-radius's defaults) with SET status FAIL.
# Captured on A's side (iks-a0).
rec_ikev1_xauth_radius_silent() {
	local CHARON_PLUGINS="$CHARON_PLUGINS $RA_PLUGINS xauth-eap eap-radius"
	ra_pair ikev1-xauth-radius-silent
	config_only || [ -e /usr/lib/ipsec/plugins/libstrongswan-xauth-eap.so ] ||
		die "xauth-eap plugin missing (libcharon-extra-plugins)"
	charon_conf "$DB" "plugins {
        xauth-eap {
            backend = radius
        }
$SILENT_RADIUS_CONF
    }"
	RA_V1=yes RA_XAUTH=xauth-eap POOL=10.99.0.1-10.99.0.10 RA_USERS='' \
		ra_gw_conf "$DB/swanctl.conf"
	ra_client_add alice 1 "$ADDR_A" alice ikescope-alice-password
	ra_client_write "$DA/swanctl.conf"
	silent_radius_run alice
}

# ra_two_clients NAME V: a pool of one address (10.99.0.1) and two users,
# alice from 192.0.2.1 and then bob from 192.0.2.3 (one client charon in A with
# two connections), both with the right passwords; captured at the gateway (B,
# iks-b0). alice gets 10.99.0.1 and pings; then bob authenticates but finds
# the pool empty; both delete their IKE SAs at the end.
# Logs: NAME.gateway.log (B) and NAME.clients.log (A).
ra_two_clients() {
	local kind=xauth RA_V1=yes RA_V2=no
	[ "$2" = 2 ] && kind=eap RA_V1=no RA_V2=yes
	ra_pair "$1"
	CFG_SIDES=(gateway "$DB" clients "$DA")
	ns_exec "$NS_A" ip addr add 192.0.2.3/24 dev iks-a0
	ns_wait "$NS_A" "$ADDR_B"
	POOL=10.99.0.1 RA_USERS="$kind alice ikescope-alice-password
$kind bob ikescope-bob-password" ra_gw_conf "$DB/swanctl.conf"
	ra_client_add alice "$2" "$ADDR_A" alice ikescope-alice-password
	ra_client_add bob "$2" 192.0.2.3 bob ikescope-bob-password
	ra_client_write "$DA/swanctl.conf"
	capture_start "$CAP" "$NS_B" iks-b0
	start_daemons
	ra_session a alice
	ra_session a bob
	sleep 1
	sw "$DA" --terminate --ike alice --timeout 10 >"$WORK/$NAME/terminate-alice.out" 2>&1 || true
	sw "$DA" --terminate --ike bob --timeout 10 >"$WORK/$NAME/terminate-bob.out" 2>&1 || true
	sleep 1
	ra_finish
}

# ra_finish: like finish_pair, but the logs are NAME.gateway.log (B) and
# NAME.clients.log (A, and C when there is one); up to 4 MB each
ra_finish() {
	capture_stop
	bg_kill "$PID_A"
	[ -n "${PID_C:-}" ] && bg_kill "$PID_C"
	bg_kill "$PID_B"
	ns_del_all
	cp "$CAP" "$OUT/$NAME.pcap"
	chmod 644 "$OUT/$NAME.pcap"
	save_log "$DB/charon.log" "$OUT/$NAME.gateway.log" 4194304
	if [ -n "${PID_C:-}" ]; then
		save_log "$DA/charon.log" "$OUT/$NAME.clients.log" 4194304
		save_log "$DC/charon.log" "$OUT/$NAME.clients-nat.log" 4194304
	else
		save_log "$DA/charon.log" "$OUT/$NAME.clients.log" 4194304
	fi
	PID_C=
	save_configs
	pcap_summary "$OUT/$NAME.pcap"
}

# IKEv1 PSK + XAUTH + Mode Config (as ikev1-xauth-psk), pool of one address,
# two users (see ra_two_clients): bob's Mode Config REPLY has no attribute at
# all; bob then proposes its own address 192.0.2.3/32 in Quick Mode, refused
# with INVALID-ID-INFORMATION; bob's ISAKMP SA stays up until the end.
rec_ikev1_modecfg_pool_exhausted() {
	local CHARON_PLUGINS="$CHARON_PLUGINS $RA_PLUGINS"
	ra_two_clients ikev1-modecfg-pool-exhausted 1
}

# IKEv2 EAP-MSCHAPv2 + CP (as ikev2-eap-mschapv2), pool of one address, two
# users (see ra_two_clients): bob's last IKE_AUTH response has AUTH and
# N(INTERNAL_ADDRESS_FAILURE), no CP, SA or TS: the IKE SA is up, no CHILD_SA.
rec_ikev2_cp_pool_exhausted() {
	local CHARON_PLUGINS="$CHARON_PLUGINS $RA_PLUGINS"
	ra_two_clients ikev2-cp-pool-exhausted 2
}

# roadwarriors: who connects, from where, and what should happen (README.md
# has the same table). One gateway (B, 203.0.113.2), pool rw of 80 addresses
# (10.99.0.1-10.99.0.80), 95 users, all known to the gateway with the
# password ikescope-userNN-password:
#   user01-user80  IKEv2 EAP-MSCHAPv2, from 192.0.2.101-192.0.2.180 (userNN at
#                  192.0.2.(100+NN)); user10, user20, ..., user80 use the wrong
#                  password (ikescope-wrong-password)
#   user81-user92  IKEv1 PSK + XAUTH + Mode Config, from 192.0.2.181-192.0.2.192;
#                  user92 uses the wrong XAUTH password
#   user93, user94 IKEv2 EAP-MSCHAPv2 behind the NAT (198.51.100.93, .94)
#   user95         IKEv1 XAUTH behind the NAT (198.51.100.95)
# All but RW_LATE connect first, 0.1 s apart (80 of them authenticate and use
# up the pool); then RW_LATE connect: they authenticate but get no address.
RW_LATE="75 76 77 78 79 91"

# rw_user N: sets RW_U (userNN), RW_V (1 or 2), RW_SIDE (a direct, c behind
# the NAT), RW_ADDR and RW_PW (the password the client uses)
rw_user() {
	local n=$1
	RW_U=$(printf 'user%02d' "$n")
	RW_PW="ikescope-$RW_U-password"
	RW_SIDE=a RW_ADDR=192.0.2.$((100 + n)) RW_V=2
	[ "$n" -ge 81 ] && RW_V=1
	if [ "$n" -ge 93 ]; then
		RW_SIDE=c RW_ADDR=198.51.100.$n RW_V=2
		[ "$n" = 95 ] && RW_V=1
	fi
	case $n in 10 | 20 | 30 | 40 | 50 | 60 | 70 | 80 | 92) RW_PW=ikescope-wrong-password ;; esac
}

# rw_initiate N: swanctl --initiate for user N in the background (its PID is
# added to RW_JOBS); the output goes to WORK/NAME/initiate-userNN.out
RW_JOBS=()
rw_initiate() {
	local dir=$DA
	rw_user "$1"
	[ "$RW_SIDE" = c ] && dir=$DC
	sw "$dir" --initiate --child "$RW_U" --timeout 30 >"$WORK/$NAME/initiate-$RW_U.out" 2>&1 &
	RW_JOBS+=("$!")
}

rw_wait() {
	local p
	for p in "${RW_JOBS[@]}"; do wait "$p" 2>/dev/null || true; done
	RW_JOBS=()
}

# rw_ping N: 2 pings from user N's virtual IP to 10.2.0.1
rw_ping() {
	local dir=$DA ns=$NS_A vip
	rw_user "$1"
	[ "$RW_SIDE" = c ] && dir=$DC ns=$NS_C
	vip=$(ra_vip "$dir" "$RW_U")
	log "$RW_U: virtual IP ${vip:-none}"
	[ -n "$vip" ] && ra_ping "$ns" "$vip" 2
	return 0
}

# One gateway, 95 remote-access users (see RW_LATE above): 82 IKEv2 EAP-MSCHAPv2
# (8 with the wrong password), 13 IKEv1 XAUTH (1 with the wrong password), 3 of
# them behind one masquerading NAT; a pool of 80 addresses, so the 6 users of
# RW_LATE authenticate but get no address. Two pings each from 4 of the users,
# then every client deletes its IKE SA. Captured at the gateway (iks-b0).
# Client charons: iks-a (92 users, each connection with its own local address)
# and iks-c (3 users behind the NAT). Logs: NAME.gateway.log (B, with every
# IKE key), NAME.clients.log and NAME.clients-nat.log (the client charons at
# lower log levels, no keys).
rec_roadwarriors() {
	local CHARON_PLUGINS="$CHARON_PLUGINS $RA_PLUGINS" n
	local RW_DIRECT_ADDRS=() RW_NAT_ADDRS=() users=''
	ra_packages
	for n in $(seq 1 95); do
		rw_user "$n"
		if [ "$RW_SIDE" = a ]; then RW_DIRECT_ADDRS+=("$RW_ADDR"); else RW_NAT_ADDRS+=("$RW_ADDR"); fi
	done
	begin_pair roadwarriors ns_setup_rw
	DC=$WORK/$NAME/clients-nat
	CFG_SIDES=(gateway "$DB" clients "$DA" clients-nat "$DC")
	local dc
	for dc in "$DA" "$DC"; do
		# the clients: many initiations at once, each holds a thread while it waits;
		# default log levels (the gateway's log has the keys)
		charon_conf "$dc" 'threads = 64'
		sed -i -e 's/^\( *\)ike = 4$/\1ike = 1/' -e 's/^\( *\)chd = 4$/\1chd = 1/' \
			-e 's/^\( *\)cfg = 2$/\1cfg = 1/' "$dc/strongswan.conf"
	done
	# the gateway: cfg at 1 keeps its log small enough
	sed -i -e 's/^\( *\)cfg = 2$/\1cfg = 1/' "$DB/strongswan.conf"
	GW=203.0.113.2
	for n in $(seq 1 95); do
		rw_user "$n"
		if [ "$RW_V" = 1 ]; then users+="xauth $RW_U ikescope-$RW_U-password"$'\n'
		else users+="eap $RW_U ikescope-$RW_U-password"$'\n'; fi
	done
	RA_V1=yes RA_V2=yes POOL=10.99.0.1-10.99.0.80 RA_USERS=$users ra_gw_conf "$DB/swanctl.conf"
	for dc in a c; do
		ra_client_reset
		for n in $(seq 1 95); do
			rw_user "$n"
			[ "$RW_SIDE" = "$dc" ] && ra_client_add "$RW_U" "$RW_V" "$RW_ADDR" "$RW_U" "$RW_PW"
		done
		if [ "$dc" = a ]; then ra_client_write "$DA/swanctl.conf"; else ra_client_write "$DC/swanctl.conf"; fi
	done
	capture_start "$CAP" "$NS_B" iks-b0
	start_daemons
	charon_start "$NS_C" "$DC"
	PID_C=$CHARON_PID
	sw_load "$DC"
	sleep 0.5
	log "first wave: every user but $RW_LATE, 0.1 s apart"
	for n in $(seq 1 95); do
		case " $RW_LATE " in *" $n "*) continue ;; esac
		rw_initiate "$n"
		sleep 0.1
	done
	rw_wait
	log "pool: $(sw "$DB" --list-pools --leases 2>/dev/null | head -n 1)"
	log "late wave: $RW_LATE"
	for n in $RW_LATE; do
		rw_initiate "$n"
		sleep 0.1
	done
	rw_wait
	for n in $(seq 1 95); do
		rw_user "$n"
		log "$RW_U: $(tail -n 1 "$WORK/$NAME/initiate-$RW_U.out")"
	done
	for n in 1 81 93 95; do rw_ping "$n"; done
	log "every client deletes its IKE SA"
	for n in $(seq 1 95); do
		rw_user "$n"
		dc=$DA
		[ "$RW_SIDE" = c ] && dc=$DC
		sw "$dc" --terminate --ike "$RW_U" --timeout 10 >"$WORK/$NAME/terminate-$RW_U.out" 2>&1 &
		RW_JOBS+=("$!")
		sleep 0.02
	done
	rw_wait
	sleep 1
	iptables_counters "$NS_R" POSTROUTING nat
	ra_finish
}

# --------------------------------------------------------------------------
# inside the tunnel: IKE and ESP healthy, the inner traffic is not
# --------------------------------------------------------------------------

# sa_dump: the SAs of both gateways as an admin would hand them over,
# taken while they exist, gateway A first: WORK/NAME/NAME.xfrm-state.txt has
# `ip xfrm state` (iproute2 prints the keys), each gateway's part under a "#"
# line; it is empty on this host, where kernel-libipsec keeps the SAs inside
# charon because the kernel has no ESP. WORK/NAME/NAME.swanctl-list-sas.txt
# has `swanctl --list-sas` (SPIs, algorithms, packet counters; no keys).
sa_dump() {
	local xfrm=$WORK/$NAME/$NAME.xfrm-state.txt sas=$WORK/$NAME/$NAME.swanctl-list-sas.txt side ns dir addr
	: >"$xfrm"
	: >"$sas"
	for side in a b; do
		ns=$NS_A dir=$DA addr=$ADDR_A
		[ "$side" = b ] && ns=$NS_B dir=$DB addr=$ADDR_B
		printf '# gateway %s (%s, netns %s): ip xfrm state\n' "${side^^}" "$addr" "$ns" >>"$xfrm"
		ip -n "$ns" xfrm state >>"$xfrm" 2>&1 || true
		printf '# gateway %s (%s, netns %s): swanctl --list-sas\n' "${side^^}" "$addr" "$ns" >>"$sas"
		sw "$dir" --list-sas >>"$sas" 2>&1 || true
	done
	log "SAs: $(grep -c '^src ' "$xfrm") in the kernels, $(grep -c 'INSTALLED' "$sas") CHILD_SAs in the charons"
}

# sa_keep: copy what sa_dump wrote to OUT
sa_keep() {
	config_only && return 0
	install -m 644 "$WORK/$NAME/$NAME.xfrm-state.txt" "$WORK/$NAME/$NAME.swanctl-list-sas.txt" "$OUT/"
}

# inner_capture_start NS FILE: tcpdump of the decrypted (inner) packets on the
# kernel-libipsec TUN device ipsec0 of NS (raw IP), into FILE in the work
# directory; inner_text FILE DEST keeps it as tcpdump's text (absolute times,
# the clock of the outer capture), so no second capture joins pcaps/
inner_capture_start() {
	capture_start "$2" "$1" ipsec0 ip
}
inner_text() {
	config_only && return 0
	tcpdump -nn -tt -r "$1" >"$2" 2>/dev/null
	chmod 644 "$2"
	log "$(basename "$2"): $(wc -l <"$2") inner packets"
}

# ping_from SRC COUNT [ARGS...]: COUNT pings from gateway A's address SRC to
# 10.2.0.1 through the tunnel, 0.5 s apart, each waited for at most 1 s
ping_from() {
	local src=$1 n=$2 out
	shift 2
	out=$WORK/$NAME/ping-$src-$(date +%s%N).out
	ip netns exec "$NS_A" timeout 30 ping -n -c "$n" -i 0.5 -W 1 -I "$src" "$@" "$LAN_B" >"$out" 2>&1 || true
	log "ping from $src $*: $(grep -E 'packets transmitted|error|too long' "$out" | head -n 2 | tr '\n' ' ')"
}

# tcp_connect SRC PORT WAIT: a TCP connection from A's address SRC to
# 10.2.0.1:PORT (nc -z: open and close at once), given up after WAIT seconds
tcp_connect() {
	local out=$WORK/$NAME/nc-$1.out
	ip netns exec "$NS_A" timeout $(($3 + 5)) nc -n -v -z -w "$3" -s "$1" "$LAN_B" "$2" >"$out" 2>&1 || true
	log "tcp from $1 to $LAN_B:$2: $(tr '\n' ' ' <"$out")"
}

# The anti-spoofing case. IKEv2 tunnel 10.1.0.0/24 <-> 10.2.0.0/24, healthy
# both ways; A has a second inner address, 10.1.0.10. B's firewall drops what
# arrives decrypted from 10.1.0.10 (kernel-libipsec hands decrypted packets to
# the kernel on its TUN device ipsec0, so the rule names that device; `-m
# policy --pol ipsec` would not match them, see README.md). Traffic, all from
# A to 10.2.0.1: 3 pings from 10.1.0.1 (answered), 3 pings from 10.1.0.10
# (dropped by B after decryption), a TCP connect from 10.1.0.10 to port 8080
# where nc listens (SYN and its retransmissions, never answered), the same
# connect from 10.1.0.1 (handshake and close), 3 more pings from 10.1.0.1.
# Captured on iks-a0 as usual; the decrypted packets B received are kept as
# text (NAME.inner-at-responder.txt) and the SAs as NAME.xfrm-state.txt and
# NAME.swanctl-list-sas.txt (sa_dump).
rec_ikev2_inner_dropped() {
	apt_install netcat-openbsd
	begin_pair ikev2-inner-dropped
	local inner=$WORK/$NAME/inner-at-responder.pcap nc_pid
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-42 \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256 \
		swanctl_conf_both
	ns_exec "$NS_A" ip addr add 10.1.0.10/24 dev lan0
	ns_exec "$NS_B" iptables -I INPUT -i ipsec0 -s 10.1.0.10 -j DROP
	start_pair
	inner_capture_start "$NS_B" "$inner"
	timeout 60 ip netns exec "$NS_B" nc -n -k -l "$LAN_B" 8080 >"$WORK/$NAME/nc-listen.out" 2>&1 &
	nc_pid=$!
	BG_PIDS+=("$nc_pid")
	initiate net
	ping_from "$LAN_A" 3
	ping_from 10.1.0.10 3
	tcp_connect 10.1.0.10 8080 4
	tcp_connect "$LAN_A" 8080 4
	ping_from "$LAN_A" 3
	iptables_counters "$NS_B" INPUT
	sa_dump
	sw "$DA" --terminate --ike gw-gw --timeout 10 >"$WORK/$NAME/terminate.out" 2>&1 || true
	sleep 1
	bg_kill "$nc_pid"
	finish_pair
	sa_keep
	inner_text "$inner" "$OUT/$NAME.inner-at-responder.txt"
}

# mtu_scenario NAME BLOCK PSK: IKEv2 through the router of ns_setup_routed, whose
# link towards B (iks-rb, and B's iks-b0) has MTU 1280; the other links keep
# 1500. A sends 3 small pings (84-byte packets), 3 large ones with DF set in
# the inner packet (ping -M do -s 1300: 1328 bytes, which fit the 1400-byte
# MTU of kernel-libipsec's TUN device but not, once in ESP-in-UDP, the 1280 of
# the router's far link), one of 1428 bytes that A's TUN device refuses, and 3
# small pings again. With BLOCK=yes the router's ICMP "fragmentation needed"
# is dropped in its OUTPUT chain (the PMTUD black hole). Captured on iks-a0
# with ICMP; the decrypted packets B received are kept as text, the SAs as in
# ikev2-inner-dropped. PSK: the pre-shared key.
mtu_scenario() {
	local ADDR_A=192.0.2.1 ADDR_B=198.51.100.2 psk=$3
	begin_pair "$1" ns_setup_routed
	local inner=$WORK/$NAME/inner-at-responder.pcap
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK="$psk" \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256 \
		swanctl_conf_both
	ns_exec "$NS_R" ip link set iks-rb mtu 1280
	ns_exec "$NS_B" ip link set iks-b0 mtu 1280
	if [ "$2" = yes ]; then
		ns_exec "$NS_R" iptables -A OUTPUT -p icmp --icmp-type fragmentation-needed -j DROP
	fi
	capture_start "$CAP" "$NS_A" iks-a0 "$CAP_FILTER or icmp"
	start_daemons
	inner_capture_start "$NS_B" "$inner"
	initiate net
	ping_from "$LAN_A" 3
	ping_from "$LAN_A" 3 -M do -s 1300
	ping_from "$LAN_A" 1 -M do -s 1400
	ping_from "$LAN_A" 3
	[ "$2" = yes ] && iptables_counters "$NS_R" OUTPUT
	log "A's route to $ADDR_B: $(ip -n "$NS_A" route get "$ADDR_B" | tr -s ' \n' ' ')"
	sa_dump
	sw "$DA" --terminate --ike gw-gw --timeout 10 >"$WORK/$NAME/terminate.out" 2>&1 || true
	sleep 1
	finish_pair
	sa_keep
	inner_text "$inner" "$OUT/$NAME.inner-at-responder.txt"
}

rec_ikev2_mtu_blackhole() { mtu_scenario ikev2-mtu-blackhole yes ikescope-sample-psk-43; }
rec_ikev2_mtu_fragneeded() { mtu_scenario ikev2-mtu-fragneeded no ikescope-sample-psk-44; }

# --------------------------------------------------------------------------
# PFS group mismatches, reauthentication
# --------------------------------------------------------------------------

# IKEv2: the CHILD_SA comes up in IKE_AUTH, where no DH exchange is made (the
# DH groups of esp_proposals play no part), and carries pings, one a second.
# A rekeys it at 20 s with CREATE_CHILD_SA and a KE for its group ECP_256 (ESP
# aes128-sha256-ecp256); B's child has only MODP_2048 (aes128-sha256-modp2048)
# and refuses the rekey (NO_PROPOSAL_CHOSEN). A keeps the old CHILD_SA until
# its life_time (25 s) ends, deletes it and tries to create it anew, refused
# the same way; the pings go on without a tunnel until A deletes the IKE SA at
# 32 s. (charon retries a failed rekey after 6-15 s, random: the life_time
# ends first, so the retry never goes out.) Times count from the end of the
# initiation. B has no rekey timers.
rec_ikev2_rekey_pfs_mismatch() {
	begin_pair ikev2-rekey-pfs-mismatch
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-45 \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256-ecp256 CREKEY=20s CLIFE=25s \
		swanctl_conf a "$DA/swanctl.conf"
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-45 \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256-modp2048 \
		swanctl_conf b "$DB/swanctl.conf"
	start_pair
	initiate net
	mark_time
	ping_tunnel 18 1
	at_second 18
	ping_tunnel 13 1
	wait_log "$DA/charon.log" 'closing expired CHILD_SA' 1
	at_second 32
	sw "$DA" --terminate --ike gw-gw --timeout 10 >"$WORK/$NAME/terminate.out" 2>&1 || true
	sleep 1
	finish_pair
}

# IKEv1: Main Mode succeeds, Quick Mode fails only on the PFS group: the ESP
# proposals are the same but for the DH group (A aes128-sha256-modp2048,
# B aes128-sha256-ecp256).
rec_ikev1_pfs_mismatch() {
	begin_pair ikev1-pfs-mismatch
	charon_conf "$DA" "${SHORT_RETRANSMIT[@]}"
	charon_conf "$DB" "${SHORT_RETRANSMIT[@]}"
	V=1 IDA=192.0.2.1 IDB=192.0.2.2 PSK=ikescope-sample-psk-46 \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256-modp2048 \
		swanctl_conf a "$DA/swanctl.conf"
	V=1 IDA=192.0.2.1 IDB=192.0.2.2 PSK=ikescope-sample-psk-46 \
		PROP=aes128-sha256-modp2048 ESP=aes128-sha256-ecp256 \
		swanctl_conf b "$DB/swanctl.conf"
	run_failure 25
}

# IKEv2 tunnel with pings, one a second; A reauthenticates the IKE SA at 25 s
# (reauth_time 25s, charon's make_before_break = yes): a new IKE_SA_INIT and
# IKE_AUTH (with a new CHILD_SA) while the old IKE SA still exists, then A
# deletes the old one. A deletes the new IKE SA at 44 s, before its own
# reauthentication is due. Times count from the end of the initiation.
rec_ikev2_reauth() {
	begin_pair ikev2-reauth
	charon_conf "$DA" 'make_before_break = yes'
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-47 \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256 REAUTH=25s \
		swanctl_conf a "$DA/swanctl.conf"
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-47 \
		PROP=aes256-sha256-modp2048 ESP=aes256-sha256 \
		swanctl_conf b "$DB/swanctl.conf"
	start_pair
	initiate net
	mark_time
	ping_tunnel 18 1
	at_second 18
	ping_tunnel 18 1
	at_second 36
	ping_tunnel 7 1
	wait_log "$DA/charon.log" 'IKE_SA .* reauthenticat|reauthenticating IKE_SA' 1
	at_second 44
	sw "$DA" --terminate --ike gw-gw --timeout 10 >"$WORK/$NAME/terminate.out" 2>&1 || true
	sleep 1
	finish_pair
}

# --------------------------------------------------------------------------
# MOBIKE
# --------------------------------------------------------------------------

# A's second address (same link and subnet as ADDR_A) for ikev2-mobike
ADDR_A2=192.0.2.11

# IKEv2 tunnel as ikev2-psk (MOBIKE on: swanctl's default), but A's iks-a0 also
# has ADDR_A2 (a secondary address, added before the daemons start, so the
# IKE_AUTH request lists it in ADDITIONAL_IP4_ADDRESS). 5 pings, then at 3 s
# ADDR_A is deleted (promote_secondaries keeps ADDR_A2 and the link's route):
# charon's kernel-netlink reports the change, the path ADDR_A - ADDR_B is gone
# and A checks the path ADDR_A2 - ADDR_B (an empty INFORMATIONAL), then moves
# the IKE SA to ADDR_A2 with an INFORMATIONAL UPDATE_SA_ADDRESSES, answered by
# B. kernel-libipsec cannot update an SA's addresses (update_sa: NOT_SUPPORTED),
# so each charon queues a rekey of the CHILD_SA instead: usually B's
# CREATE_CHILD_SA reaches A before A's own rekey starts and A drops it (one
# rekey, B deletes the old CHILD_SA: 34 frames); in 1 of 9 trial runs A
# handles B's INFORMATIONAL response first and both rekey (a collision, four
# Deletes: 38 frames). 5 more pings from 5 s, now from ADDR_A2; A deletes the
# IKE SA at 8 s. Times count from the end of the initiation.
rec_ikev2_mobike() {
	begin_pair ikev2-mobike
	ns_exec "$NS_A" sysctl -qw net.ipv4.conf.iks-a0.promote_secondaries=1
	ns_exec "$NS_A" ip addr add "$ADDR_A2/24" dev iks-a0
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-48 \
		PROP='aes256-sha256-modp2048, aes128gcm16-prfsha256-ecp256' ESP='aes256-sha256, aes128gcm16' \
		swanctl_conf a "$DA/swanctl.conf"
	V=2 IDA=gw-a.example.net IDB=gw-b.example.net PSK=ikescope-sample-psk-48 \
		PROP='aes256-sha256-modp2048, aes128gcm16-prfsha256-ecp256' ESP='aes256-sha256, aes128gcm16' \
		swanctl_conf b "$DB/swanctl.conf"
	start_pair
	initiate net
	mark_time
	ping_tunnel 5
	at_second 3
	log "A's route to $ADDR_B before: $(ip -n "$NS_A" route get "$ADDR_B" | head -n 1 | tr -s ' ')"
	ip -n "$NS_A" addr del "$ADDR_A/24" dev iks-a0
	log "A's route to $ADDR_B after: $(ip -n "$NS_A" route get "$ADDR_B" | head -n 1 | tr -s ' ')"
	wait_log "$DA/charon.log" 'requesting address change using MOBIKE' 2
	wait_log "$DB/charon.log" "remote endpoint changed from $ADDR_A\\[4500\\] to $ADDR_A2" 2
	wait_log "$DA/charon.log" 'parsed INFORMATIONAL response [0-9]+ \[ N\(NATD_S_IP\)' 2
	wait_log "$DA/charon.log" 'closing CHILD_SA net\{1\}' 2
	log "CREATE_CHILD_SA requests: A $(grep -c 'generating CREATE_CHILD_SA request' "$DA/charon.log" || true), B $(grep -c 'generating CREATE_CHILD_SA request' "$DB/charon.log" || true)"
	at_second 5
	ping_tunnel 5
	at_second 8
	sw "$DA" --terminate --ike gw-gw --timeout 10 >"$WORK/$NAME/terminate.out" 2>&1 || true
	sleep 1
	finish_pair
}

SCENARIOS=(ikev1-main-psk ikev1-aggressive-psk ikev2-psk ikev1-main-psk-mismatch
	ikev2-psk-mismatch ikev2-no-proposal ikev1-no-response ikev2-strongswan-libreswan
	ikev2-cert-ipfrag ikev2-ipv6-cert ikev2-ipfrag-lost ikev1-main-cert
	ikev1-aggressive-psk-mismatch ikev1-p1-proposal-mismatch ikev2-no-proposal-both
	ikev1-p2-proposal-mismatch ikev1-proxyid-mismatch ikev1-reply-dropped
	ikev1-natt ikev2-natt ikev1-esp-oneway ikev1-dpd-dead-peer ikev2-dpd-dead-peer
	ikev2-invalid-ke ikev2-ts-unacceptable ikev1-phase2-missing ikev2-esp-missing
	ikev1-weak-crypto ikev1-truncated ikev2-tunnel-deleted ikev1-aggressive-unknown-id
	ikev1-libreswan-invalid-major-version ikev2-libreswan-error-notify
	ikev2-esp-loss ikev2-esp-seq-restart ikev1-p2-proposal-mismatch-both
	ikev1-proxyid-mismatch-both ikev2-rekey ikev1-rekey ikev2-child-refused
	ikev2-natt-4500-blocked ikev2-eap-wrong-password ikev1-main-id-refused
	two-healthy two-esp-oneway two-reply-dropped two-frag-dropped two-nat
	ikev1-xauth-psk ikev1-xauth-wrong-password ikev1-modecfg-pool-exhausted
	ikev2-eap-mschapv2 ikev2-eap-method-mismatch ikev2-eap-radius-silent ikev1-xauth-radius-silent ikev2-cp-pool-exhausted roadwarriors
	ikev2-inner-dropped ikev2-mtu-blackhole ikev2-mtu-fragneeded
	ikev2-rekey-pfs-mismatch ikev1-pfs-mismatch ikev2-reauth ikev2-mobike)

usage() { printf 'usage: %s [--list] [--configs] [scenario ...]\nscenarios: %s\n' "$0" "${SCENARIOS[*]}"; }

main() {
	local want=() s
	if [ $# -gt 0 ]; then
		case $1 in
		-h | --help) usage; exit 0 ;;
		--list) printf '%s\n' "${SCENARIOS[@]}"; exit 0 ;;
		--configs) shift ;; # CONFIG_ONLY=1, set above
		esac
	fi
	if [ $# -gt 0 ]; then
		for s in "$@"; do
			printf '%s\n' "${SCENARIOS[@]}" | grep -qx -- "$s" || { usage >&2; die "unknown scenario: $s"; }
			want+=("$s")
		done
	else
		want=("${SCENARIOS[@]}")
	fi
	ensure_strongswan
	for s in "${want[@]}"; do
		if config_only; then
			# the scenario ends where its run would begin (run_begins)
			rm -rf "${OUT:?}/configs/$s"
			("rec_${s//-/_}")
			[ -d "$OUT/configs/$s" ] || die "$s wrote no configuration"
		else
			"rec_${s//-/_}"
		fi
	done
	if config_only; then log "done: configurations in $OUT/configs"; else log "done: captures in $OUT"; fi
}

main "$@"

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
# (192.0.2.0/24) outside and 10.1.0.0/24, 10.2.0.0/24 inside. See README.md.

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
begin_pair() {
	NAME=$1
	log "=== $NAME"
	DA=$WORK/$NAME/initiator
	DB=$WORK/$NAME/responder
	CAP=$WORK/$NAME/$NAME.pcap
	mkdir -p "$DA" "$DB"
	ns_setup
	charon_conf "$DA"
	charon_conf "$DB"
}

start_pair() {
	capture_start "$CAP"
	charon_start "$NS_B" "$DB"
	PID_B=$CHARON_PID
	charon_start "$NS_A" "$DA"
	PID_A=$CHARON_PID
	sw_load "$DB"
	sw_load "$DA"
	sleep 0.5
}

finish_pair() {
	capture_stop
	bg_kill "$PID_A"
	bg_kill "$PID_B"
	ns_del_all
	cp "$CAP" "$OUT/$NAME.pcap"
	save_log "$DA/charon.log" "$OUT/$NAME.initiator.log"
	save_log "$DB/charon.log" "$OUT/$NAME.responder.log"
	pcap_summary "$OUT/$NAME.pcap"
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

# A successful tunnel: initiate from A, ping through it, delete it from A.
run_tunnel() {
	start_pair
	initiate net
	ping_tunnel 5
	sw "$DA" --terminate --ike gw-gw --timeout 10 >"$WORK/$NAME/terminate.out" 2>&1 || true
	sleep 1
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

SCENARIOS=(ikev1-main-psk ikev1-aggressive-psk ikev2-psk ikev1-main-psk-mismatch
	ikev2-psk-mismatch ikev2-no-proposal ikev1-no-response ikev2-strongswan-libreswan)

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

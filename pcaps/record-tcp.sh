#!/usr/bin/env bash
# Record the IKE-over-TCP (RFC 8229) captures in pcaps/: run as root,
#   bash pcaps/record-tcp.sh [scenario ...]
#
# ikev2-libreswan-tcp  two libreswan plutos told to use TCP only (enable-tcp=yes);
#                      whatever they really do on this kernel is what is captured
# ikev2-libreswan-tcp-fallback  the same with enable-tcp=fallback and UDP 500/4500
#                      dropped at the responder: UDP first, then TCP
# ike-tcp-replay       the IKE and ESP messages of ikev2-psk.pcap played over one TCP
#                      connection by ikescope's replayer (internal/iketcpreplay)
# ike-tcp-reset        the same, the server resetting the connection (SO_LINGER 0)
#                      when the IKE_AUTH request arrives
# ike-tcp-no-ike       the prefix, then an IKE message without RFC 8229's length field
# ike-tcp-split        the whole replay written in 120-byte pieces, so that each
#                      message spans several segments
#
# The replays are made by ikescope's own program, not by IKE daemons: the bytes of each
# IKE and ESP message are those recorded in the source capture.
#
# Namespaces iks-ta (client/initiator, iks-a0 192.0.2.1/24) and iks-tb (server/responder,
# iks-b0 192.0.2.2/24), a veth between them, captured with tcpdump on iks-a0. They are
# not record.sh's namespaces, so both scripts can run at once. Every daemon and program
# runs under timeout and is stopped by its PID; the namespaces are deleted at the end.

if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
OUT=${IKS_PCAP_OUT:-$HERE}
CONFIG_ONLY=0
# shellcheck source=lib.sh
. "$HERE/lib.sh"
NS_A=iks-ta NS_B=iks-tb NS_R=iks-tr NS_C=iks-tc

[ "$(id -u)" = 0 ] || die "must run as root (network namespaces, tcpdump)"

WORK=$(mktemp -d /tmp/iks-tcp.XXXXXX)
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

TCP_CAP_FILTER='tcp port 4500 or udp port 500 or udp port 4500'
REPLAY=$WORK/iketcpreplay
REPLAY_FROM=$HERE/ikev2-psk.pcap

build_replayer() {
	[ -x "$REPLAY" ] && return 0
	command -v go >/dev/null || die "go is needed to build internal/iketcpreplay"
	(cd "$REPO" && timeout 300 go build -o "$REPLAY" ./internal/iketcpreplay)
}

# replay NAME VARIANT [REPLAYER ARGS...]: server in iks-tb, client in iks-ta, capture on
# the link; keeps NAME.pcap and the two sides' output as NAME.server.log, NAME.client.log
replay() {
	local name=$1 variant=$2 cap server_pid
	shift 2
	log "=== $name"
	build_replayer
	ns_setup
	mkdir -p "$WORK/$name"
	cap=$WORK/$name/$name.pcap
	capture_start "$cap" "$NS_A" iks-a0 "$TCP_CAP_FILTER"
	timeout -s TERM 40 ip netns exec "$NS_B" "$REPLAY" -role server -addr "$ADDR_B:4500" \
		-from "$REPLAY_FROM" -variant "$variant" -timeout 30s "$@" >"$WORK/$name/server.log" 2>&1 &
	server_pid=$!
	BG_PIDS+=("$server_pid")
	sleep 0.3
	timeout -s TERM 40 ip netns exec "$NS_A" "$REPLAY" -role client -addr "$ADDR_B:4500" \
		-from "$REPLAY_FROM" -variant "$variant" -timeout 30s "$@" >"$WORK/$name/client.log" 2>&1 ||
		log "client: exit $?"
	wait "$server_pid" || log "server: exit $?"
	capture_stop
	ns_del_all
	cp "$cap" "$OUT/$name.pcap"
	chmod 644 "$OUT/$name.pcap"
	cp "$WORK/$name/server.log" "$OUT/$name.server.log"
	cp "$WORK/$name/client.log" "$OUT/$name.client.log"
	pcap_summary "$OUT/$name.pcap"
}

rec_ike_tcp_replay() { replay ike-tcp-replay replay; }
rec_ike_tcp_reset() { replay ike-tcp-reset reset; }
rec_ike_tcp_no_ike() { replay ike-tcp-no-ike no-ike; }
rec_ike_tcp_split() { replay ike-tcp-split split -chunk 120; }

# plutos_conf FILE LEFT RIGHT LEFTID RIGHTID LEFTNET RIGHTNET [TCP]: ipsec.conf of one
# pluto, IKEv2 with a PSK, IKE and ESP over TCP (enable-tcp=TCP: yes, the default, or
# fallback; tcp-remoteport=4500), listening on TCP 4500
plutos_conf() {
	local file=$1 left=$2 right=$3 lid=$4 rid=$5 lnet=$6 rnet=$7 tcp=${8:-yes}
	printf '%s\n' 'config setup' '    plutodebug=none' '    logtime=yes' '    logappend=no' \
		'    listen-tcp=yes' '' 'conn gw-gw' '    ikev2=insist' '    authby=secret' \
		"    left=$left" "    leftid=$lid" "    leftsubnet=$lnet" \
		"    right=$right" "    rightid=$rid" "    rightsubnet=$rnet" \
		'    ike=aes256-sha2_256;modp2048' '    esp=aes256-sha2_256' \
		"    enable-tcp=$tcp" '    tcp-remoteport=4500' \
		'    retransmit-timeout=10s' '    auto=add' >"$file"
	printf '%s\n' '@gw-a.example.net @gw-b.example.net : PSK "ikescope-sample-psk-tcp"' \
		>"$(dirname "$file")/ipsec.secrets"
	chmod 600 "$(dirname "$file")/ipsec.secrets"
}

# IKEv2 between two libreswan plutos configured for IKE over TCP only. This kernel has
# no espintcp (the socket option pluto sets to hand the TCP socket to the kernel's ESP):
# what pluto does then is the capture.
rec_ikev2_libreswan_tcp() { plutos_tcp ikev2-libreswan-tcp yes 3; }

# The same with enable-tcp=fallback on both, and the responder's firewall dropping UDP
# 500 and 4500: the initiator retransmits IKE_SA_INIT on UDP until its
# retransmit-timeout (10 s), then tries TCP.
rec_ikev2_libreswan_tcp_fallback() { plutos_tcp ikev2-libreswan-tcp-fallback fallback 16 drop-udp; }

# plutos_tcp NAME ENABLE_TCP SECONDS [drop-udp]: two plutos, A initiates, the capture runs
# SECONDS after the initiation; with drop-udp, B's INPUT drops UDP 500 and 4500
plutos_tcp() {
	local name=$1 tcp=$2 secs=$3 drop=${4:-} da db cap pid_a pid_b
	log "=== $name"
	ensure_libreswan
	ns_setup
	da=$WORK/$name/initiator db=$WORK/$name/responder
	mkdir -p "$da" "$db"
	cap=$WORK/$name/$name.pcap
	plutos_conf "$da/ipsec.conf" "$ADDR_A" "$ADDR_B" @gw-a.example.net @gw-b.example.net "$NET_A" "$NET_B" "$tcp"
	plutos_conf "$db/ipsec.conf" "$ADDR_B" "$ADDR_A" @gw-b.example.net @gw-a.example.net "$NET_B" "$NET_A" "$tcp"
	if [ "$drop" = drop-udp ]; then
		ip netns exec "$NS_B" iptables -A INPUT -p udp --dport 500 -j DROP
		ip netns exec "$NS_B" iptables -A INPUT -p udp --dport 4500 -j DROP
	fi
	capture_start "$cap" "$NS_A" iks-a0 "$TCP_CAP_FILTER"
	pluto_start "$NS_B" "$db" gw-gw
	pid_b=$PLUTO_PID
	pluto_start "$NS_A" "$da" gw-gw
	pid_a=$PLUTO_PID
	sleep 0.5
	timeout 20 "$WHACK" --ctlsocket "$da/run/pluto/pluto.ctl" --name gw-gw --initiate --asynchronous \
		>"$WORK/$name/initiate.out" 2>&1 || log "whack --initiate: exit $?"
	sleep "$secs"
	capture_stop
	timeout 10 "$WHACK" --ctlsocket "$da/run/pluto/pluto.ctl" --shutdown >/dev/null 2>&1 || true
	timeout 10 "$WHACK" --ctlsocket "$db/run/pluto/pluto.ctl" --shutdown >/dev/null 2>&1 || true
	bg_kill "$pid_a"
	bg_kill "$pid_b"
	ns_del_all
	cp "$cap" "$OUT/$name.pcap"
	chmod 644 "$OUT/$name.pcap"
	save_log "$da/pluto.log" "$OUT/$name.initiator.log"
	save_log "$db/pluto.log" "$OUT/$name.responder.log"
	cat "$WORK/$name/initiate.out" >&2
	pcap_summary "$OUT/$name.pcap"
}

SCENARIOS=(ikev2-libreswan-tcp ikev2-libreswan-tcp-fallback ike-tcp-replay ike-tcp-reset ike-tcp-no-ike ike-tcp-split)

main() {
	local want=() s
	if [ $# -gt 0 ]; then
		for s in "$@"; do
			printf '%s\n' "${SCENARIOS[@]}" | grep -qx -- "$s" || die "unknown scenario: $s (${SCENARIOS[*]})"
			want+=("$s")
		done
	else
		want=("${SCENARIOS[@]}")
	fi
	for s in "${want[@]}"; do
		"rec_${s//-/_}"
	done
}

main "$@"

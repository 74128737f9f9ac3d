# shellcheck shell=bash
# Helpers for pcaps/record.sh: packages, network namespaces, daemons, capture.
# Sourced by record.sh; not meant to be run on its own.
#
# Topology (every scenario):
#
#   iks-a (gateway A)                         iks-b (gateway B)
#   lan0 10.1.0.1/24                          lan0 10.2.0.1/24
#   iks-a0 192.0.2.1/24  <---- veth ---->     iks-b0 192.0.2.2/24
#
# The capture is taken on iks-a0 inside iks-a, so it holds both directions.
# lan0 is one end of a veth pair local to the namespace (lan1 is its peer);
# it only exists to carry the protected subnet address.
#
# Variants used by some scenarios (see ns_setup_v6, ns_setup_routed, ns_setup_nat):
#   IPv6 on the link:  iks-a0 2001:db8:1::1/64 <---- veth ----> iks-b0 2001:db8:1::2/64
#   a router between:  iks-a0 192.0.2.1/24 <-> iks-ra 192.0.2.254/24 [netns iks-r]
#                      iks-rb 198.51.100.254/24 <-> iks-b0 198.51.100.2/24
#   a NAT between:     iks-a0 198.51.100.10/24 <-> iks-ra 198.51.100.1/24 [netns iks-r,
#                      MASQUERADE] iks-rb 203.0.113.1/24 <-> iks-b0 203.0.113.2/24

NS_A=iks-a
NS_B=iks-b
NS_R=iks-r
NS_C=iks-c
ADDR_A=192.0.2.1
ADDR_B=192.0.2.2
NET_A=10.1.0.0/24
NET_B=10.2.0.0/24
LAN_A=10.1.0.1
LAN_B=10.2.0.1

CHARON=/usr/lib/ipsec/charon
SWANCTL=/usr/sbin/swanctl
LIBRESWAN_ROOT=/opt/libreswan

# PIDs of background processes started by us (daemons, tcpdump).
BG_PIDS=()

# CONFIG_ONLY=1 (record.sh --configs): write each scenario's configuration files
# and nothing else. No package is installed, no namespace is created or deleted,
# no daemon, capture, ping or iptables rule runs and nothing sleeps: the helpers
# below that would do any of that return at once, and the first step of a
# scenario that starts a capture or a daemon (capture_start,
# capture_start_pcapng, charon_start, pluto_start, start_daemons in record.sh)
# calls run_begins, which saves the configuration files written so far and ends
# the scenario (record.sh runs each scenario in a subshell in this mode).
CONFIG_ONLY=${CONFIG_ONLY:-0}
config_only() { [ "$CONFIG_ONLY" = 1 ]; }

# run_begins: see CONFIG_ONLY. save_configs and the variables it uses (NAME,
# OUT, CFG_SIDES) are record.sh's.
run_begins() {
	config_only || return 0
	save_configs
	exit 0
}

# ns_exec NS CMD...: ip netns exec NS CMD... (nothing in CONFIG_ONLY mode). For
# the namespace changes a scenario makes before its first capture or daemon.
ns_exec() {
	config_only && return 0
	ip netns exec "$@"
}

log() { printf '[record %(%T)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# --------------------------------------------------------------------------
# packages
# --------------------------------------------------------------------------
APT_UPDATED=0
apt_install() {
	config_only && return 0
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing: ${missing[*]}"
	if [ "$APT_UPDATED" = 0 ]; then
		DEBIAN_FRONTEND=noninteractive timeout 300 apt-get update -qq
		APT_UPDATED=1
	fi
	DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
}

ensure_strongswan() {
	config_only && return 0
	apt_install strongswan-charon strongswan-swanctl libcharon-extra-plugins \
		libstrongswan-standard-plugins tcpdump iproute2 iptables iputils-ping
	[ -x "$CHARON" ] || die "$CHARON missing after install"
	[ -e /usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so ] ||
		die "kernel-libipsec plugin missing (libcharon-extra-plugins)"
	[ -e /dev/net/tun ] || die "/dev/net/tun missing: kernel-libipsec needs a TUN device"
}

# libreswan conflicts with strongSwan's packages, so it is only unpacked.
LIBRESWAN_LIBS=(libnss3-tools libcurl3-nss libevent-core-2.1-7 libevent-pthreads-2.1-7
	libldap-2.5-0 libldns3 libnspr4 libnss3 libunbound8 libcap-ng0 libaudit1 libpam0g
	libselinux1 libsystemd0)
ensure_libreswan() {
	config_only && return 0
	apt_install "${LIBRESWAN_LIBS[@]}"
	if [ ! -x "$LIBRESWAN_ROOT/usr/libexec/ipsec/pluto" ]; then
		local tmp
		tmp=$(mktemp -d /tmp/iks-deb.XXXXXX)
		chmod 755 "$tmp"
		log "unpacking libreswan into $LIBRESWAN_ROOT"
		if [ "$APT_UPDATED" = 0 ]; then
			DEBIAN_FRONTEND=noninteractive timeout 300 apt-get update -qq
			APT_UPDATED=1
		fi
		(cd "$tmp" && timeout 300 apt-get download -qq libreswan 2>/dev/null)
		mkdir -p "$LIBRESWAN_ROOT"
		dpkg -x "$tmp"/libreswan_*.deb "$LIBRESWAN_ROOT"
		dpkg-deb -f "$tmp"/libreswan_*.deb Version >"$LIBRESWAN_ROOT/VERSION"
		rm -rf "$tmp"
	fi
	# pluto looks for its helpers (_updown, addconn, ...) in /usr/libexec/ipsec.
	if [ ! -e /usr/libexec/ipsec ]; then
		mkdir -p /usr/libexec
		ln -s "$LIBRESWAN_ROOT/usr/libexec/ipsec" /usr/libexec/ipsec
	fi
	if ldd "$LIBRESWAN_ROOT/usr/libexec/ipsec/pluto" | grep -q 'not found'; then
		die "pluto is missing libraries: $(ldd "$LIBRESWAN_ROOT/usr/libexec/ipsec/pluto" | grep 'not found' | tr '\n' ' ')"
	fi
}

PLUTO=$LIBRESWAN_ROOT/usr/libexec/ipsec/pluto
WHACK=$LIBRESWAN_ROOT/usr/libexec/ipsec/whack

# pluto_start NS DIR CONN: run pluto in NS with DIR/ipsec.conf (CONN has
# auto=add), DIR/ipsec.secrets, an NSS database in DIR/nss and DIR/run as its
# /run; sets PLUTO_PID
PLUTO_PID=
pluto_start() {
	run_begins
	local ns=$1 dir=$2 conn=$3 i
	mkdir -p "$dir/run/pluto" "$dir/nss"
	[ -f "$dir/nss/cert9.db" ] || timeout 30 certutil -N -d "sql:$dir/nss" --empty-password
	timeout -s TERM 300 ip netns exec "$ns" sh -c \
		'mount --bind "$1/run" /run && exec "$2" --nofork --config "$1/ipsec.conf" \
			--secretsfile "$1/ipsec.secrets" --nssdir "$1/nss" --ipsecdir "$1" \
			--rundir /run/pluto --logfile "$1/pluto.log" --log-no-append' \
		sh "$dir" "$PLUTO" >"$dir/pluto.stdout" 2>&1 &
	PLUTO_PID=$!
	BG_PIDS+=("$PLUTO_PID")
	for i in $(seq 1 100); do
		[ -S "$dir/run/pluto/pluto.ctl" ] && break
		kill -0 "$PLUTO_PID" 2>/dev/null || break
		sleep 0.1
	done
	[ -S "$dir/run/pluto/pluto.ctl" ] || {
		cat "$dir/pluto.stdout" "$dir/pluto.log" >&2 2>/dev/null || true
		die "pluto in $ns did not come up"
	}
	# given --config, pluto 4.x loads the conns with auto=add itself; wait for CONN
	for i in $(seq 1 50); do
		timeout 10 "$WHACK" --ctlsocket "$dir/run/pluto/pluto.ctl" --status 2>/dev/null |
			grep -qF "\"$conn\":" && return 0
		sleep 0.1
	done
	die "pluto in $ns did not load its connections"
}

# --------------------------------------------------------------------------
# namespaces
# --------------------------------------------------------------------------
ns_del_all() {
	config_only && return 0
	local ns
	for ns in "$NS_A" "$NS_B" "$NS_R" "$NS_C"; do
		ip netns del "$ns" 2>/dev/null || true
	done
}

ns_setup() {
	ns_del_all
	ip netns add "$NS_A"
	ip netns add "$NS_B"
	ip -n "$NS_A" link add iks-a0 type veth peer name iks-b0 netns "$NS_B"
	ip -n "$NS_A" addr add "$ADDR_A/24" dev iks-a0
	ip -n "$NS_B" addr add "$ADDR_B/24" dev iks-b0
	local ns lan
	for ns in "$NS_A" "$NS_B"; do
		if [ "$ns" = "$NS_A" ]; then lan=$LAN_A; else lan=$LAN_B; fi
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
		ip -n "$ns" link set lo up
		ip -n "$ns" link add lan0 type veth peer name lan1
		ip -n "$ns" addr add "$lan/24" dev lan0
		ip -n "$ns" link set lan1 up
		ip -n "$ns" link set lan0 up
	done
	ip -n "$NS_A" link set iks-a0 up
	ip -n "$NS_B" link set iks-b0 up
	# wait until the link answers (avoids losing the first IKE packet to ARP/DAD timing)
	local i
	for i in $(seq 1 20); do
		ip netns exec "$NS_A" ping -c1 -W1 "$ADDR_B" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	die "veth between $NS_A and $NS_B does not come up"
}

# ns_lan NS ADDR: lo up and the protected-side interface lan0 (ADDR/24) in NS
ns_lan() {
	local ns=$1 lan=$2
	ip -n "$ns" link set lo up
	ip -n "$ns" link add lan0 type veth peer name lan1
	ip -n "$ns" addr add "$lan/24" dev lan0
	ip -n "$ns" link set lan1 up
	ip -n "$ns" link set lan0 up
}

# ns_wait NS ADDR: wait until ADDR answers a ping from NS
ns_wait() {
	config_only && return 0
	local ns=$1 addr=$2 i
	for i in $(seq 1 25); do
		ip netns exec "$ns" ping -n -c1 -W1 "$addr" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	die "$addr does not answer from $ns"
}

# ns_setup_v6 [MTU]: the two gateways with IPv6 on the link between them
# (ADDR_A/ADDR_B must be the IPv6 addresses, /64, added with nodad so they are
# usable at once); the protected subnets stay IPv4 (lan0 as in ns_setup).
ns_setup_v6() {
	local mtu=${1:-1500} ns
	ns_del_all
	ip netns add "$NS_A"
	ip netns add "$NS_B"
	for ns in "$NS_A" "$NS_B"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 \
			net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0
	done
	ip -n "$NS_A" link add iks-a0 type veth peer name iks-b0 netns "$NS_B"
	ip -n "$NS_A" link set iks-a0 mtu "$mtu"
	ip -n "$NS_B" link set iks-b0 mtu "$mtu"
	ip -n "$NS_A" -6 addr add "$ADDR_A/64" dev iks-a0 nodad
	ip -n "$NS_B" -6 addr add "$ADDR_B/64" dev iks-b0 nodad
	ns_lan "$NS_A" "$LAN_A"
	ns_lan "$NS_B" "$LAN_B"
	ip -n "$NS_A" link set iks-a0 up
	ip -n "$NS_B" link set iks-b0 up
	ns_wait "$NS_A" "$ADDR_B"
}

# ns_setup_routed [MTU]: A and B in different subnets with a router namespace
# between them (no NAT, IPv4 only):
#   iks-a0 ADDR_A/24 <-> iks-ra RTR_A/24  [iks-r, forwarding]  iks-rb RTR_B/24 <-> iks-b0 ADDR_B/24
# A and B have their default route via the router. Every link gets MTU.
RTR_A=192.0.2.254
RTR_B=198.51.100.254
ns_setup_routed() {
	local mtu=${1:-1500} ns
	ns_del_all
	for ns in "$NS_A" "$NS_B" "$NS_R"; do
		ip netns add "$ns"
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	done
	ip -n "$NS_A" link add iks-a0 type veth peer name iks-ra netns "$NS_R"
	ip -n "$NS_B" link add iks-b0 type veth peer name iks-rb netns "$NS_R"
	ip -n "$NS_A" link set iks-a0 mtu "$mtu"
	ip -n "$NS_B" link set iks-b0 mtu "$mtu"
	ip -n "$NS_R" link set iks-ra mtu "$mtu"
	ip -n "$NS_R" link set iks-rb mtu "$mtu"
	ip -n "$NS_A" addr add "$ADDR_A/24" dev iks-a0
	ip -n "$NS_B" addr add "$ADDR_B/24" dev iks-b0
	ip -n "$NS_R" addr add "$RTR_A/24" dev iks-ra
	ip -n "$NS_R" addr add "$RTR_B/24" dev iks-rb
	ip -n "$NS_R" link set lo up
	ip netns exec "$NS_R" sysctl -qw net.ipv4.ip_forward=1
	ns_lan "$NS_A" "$LAN_A"
	ns_lan "$NS_B" "$LAN_B"
	ip -n "$NS_A" link set iks-a0 up
	ip -n "$NS_B" link set iks-b0 up
	ip -n "$NS_R" link set iks-ra up
	ip -n "$NS_R" link set iks-rb up
	ip -n "$NS_A" route add default via "$RTR_A"
	ip -n "$NS_B" route add default via "$RTR_B"
	ns_wait "$NS_A" "$ADDR_B"
}

# ns_setup_nat: gateway A on a private-side link behind a masquerading NAT
# router (iks-r), gateway B on the public side (IPv4 only):
#   iks-a0 ADDR_A/24 <-> iks-ra NAT_IN/24  [iks-r, MASQUERADE out of iks-rb]  iks-rb NAT_OUT/24 <-> iks-b0 ADDR_B/24
# A has its default route via the router; B needs none (it only ever sees
# NAT_OUT, which is on its link). Call with ADDR_A=198.51.100.10 ADDR_B=203.0.113.2.
NAT_IN=198.51.100.1
NAT_OUT=203.0.113.1
ns_setup_nat() {
	local ns
	ns_del_all
	for ns in "$NS_A" "$NS_B" "$NS_R"; do
		ip netns add "$ns"
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	done
	ip -n "$NS_A" link add iks-a0 type veth peer name iks-ra netns "$NS_R"
	ip -n "$NS_B" link add iks-b0 type veth peer name iks-rb netns "$NS_R"
	ip -n "$NS_A" addr add "$ADDR_A/24" dev iks-a0
	ip -n "$NS_B" addr add "$ADDR_B/24" dev iks-b0
	ip -n "$NS_R" addr add "$NAT_IN/24" dev iks-ra
	ip -n "$NS_R" addr add "$NAT_OUT/24" dev iks-rb
	ip -n "$NS_R" link set lo up
	ip netns exec "$NS_R" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$NS_R" iptables -t nat -A POSTROUTING -o iks-rb -j MASQUERADE
	ns_lan "$NS_A" "$LAN_A"
	ns_lan "$NS_B" "$LAN_B"
	ip -n "$NS_A" link set iks-a0 up
	ip -n "$NS_B" link set iks-b0 up
	ip -n "$NS_R" link set iks-ra up
	ip -n "$NS_R" link set iks-rb up
	ip -n "$NS_A" route add default via "$NAT_IN"
	ns_wait "$NS_A" "$ADDR_B"
}

# ns_setup_rw: the roadwarriors topology, a router namespace (iks-r) between
# the gateway, clients on a public link and clients behind a masquerading NAT
# (IPv4 only; the client addresses come from RW_DIRECT_ADDRS and RW_NAT_ADDRS):
#   iks-a (clients)   iks-a0 RW_DIRECT_ADDRS (192.0.2.x/24), default via 192.0.2.254
#   iks-c (clients behind the NAT)  iks-c0 RW_NAT_ADDRS (198.51.100.x/24),
#                     default via 198.51.100.1
#   iks-r (router)    iks-ra 192.0.2.254/24, iks-rc 198.51.100.1/24, iks-rb 203.0.113.1/24;
#                     forwards, and masquerades 198.51.100.0/24 out of iks-rb
#   iks-b (gateway)   iks-b0 203.0.113.2/24, default via 203.0.113.1; lan0 10.2.0.1/24
RW_DIRECT_ADDRS=()
RW_NAT_ADDRS=()
ns_setup_rw() {
	local ns a
	ns_del_all
	for ns in "$NS_A" "$NS_B" "$NS_R" "$NS_C"; do
		ip netns add "$ns"
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
		ip -n "$ns" link set lo up
	done
	ip -n "$NS_A" link add iks-a0 type veth peer name iks-ra netns "$NS_R"
	ip -n "$NS_C" link add iks-c0 type veth peer name iks-rc netns "$NS_R"
	ip -n "$NS_B" link add iks-b0 type veth peer name iks-rb netns "$NS_R"
	for a in "${RW_DIRECT_ADDRS[@]}"; do ip -n "$NS_A" addr add "$a/24" dev iks-a0; done
	for a in "${RW_NAT_ADDRS[@]}"; do ip -n "$NS_C" addr add "$a/24" dev iks-c0; done
	ip -n "$NS_B" addr add 203.0.113.2/24 dev iks-b0
	ip -n "$NS_R" addr add 192.0.2.254/24 dev iks-ra
	ip -n "$NS_R" addr add 198.51.100.1/24 dev iks-rc
	ip -n "$NS_R" addr add 203.0.113.1/24 dev iks-rb
	ip netns exec "$NS_R" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$NS_R" iptables -t nat -A POSTROUTING -s 198.51.100.0/24 -o iks-rb -j MASQUERADE
	ip -n "$NS_B" link add lan0 type veth peer name lan1
	ip -n "$NS_B" addr add "$LAN_B/24" dev lan0
	ip -n "$NS_B" link set lan1 up
	ip -n "$NS_B" link set lan0 up
	ip -n "$NS_A" link set iks-a0 up
	ip -n "$NS_C" link set iks-c0 up
	ip -n "$NS_B" link set iks-b0 up
	ip -n "$NS_R" link set iks-ra up
	ip -n "$NS_R" link set iks-rc up
	ip -n "$NS_R" link set iks-rb up
	ip -n "$NS_A" route add default via 192.0.2.254
	ip -n "$NS_C" route add default via 198.51.100.1
	ip -n "$NS_B" route add default via 203.0.113.1
	ns_wait "$NS_A" 203.0.113.2
	ns_wait "$NS_C" 203.0.113.2
}

# --------------------------------------------------------------------------
# background processes
# --------------------------------------------------------------------------
bg_kill() {
	# bg_kill PID [SIGNAL]: stop one process we started and reap it
	local pid=$1 sig=${2:-TERM} i
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
	kill -s "$sig" "$pid" 2>/dev/null || true
	for i in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -s KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
	local keep=() p
	for p in "${BG_PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
	BG_PIDS=("${keep[@]}")
}

bg_kill_all() {
	local p
	for p in "${BG_PIDS[@]}"; do bg_kill "$p"; done
	BG_PIDS=()
}

# --------------------------------------------------------------------------
# capture
# --------------------------------------------------------------------------
CAP_FILTER='udp port 500 or udp port 4500 or esp or ip[6:2] & 0x1fff != 0'
# the same, plus IPv6 packets that carry a Fragment header (next header 44)
CAP_FILTER_FRAG='udp port 500 or udp port 4500 or esp or (ip[6:2] & 0x1fff != 0) or ip6[6] == 44'
CAP_PID=
CAP_PIDS=()
# tcpdump's snap length (-s); 0 = whole packets. ikev1-truncated sets 96.
CAP_SNAPLEN=0
capture_start() {
	# capture_start FILE [NS IFACE FILTER]: tcpdump (pcap) on IFACE in NS (default:
	# iks-a0 in iks-a with CAP_FILTER), bounded to 120 s. Several may run at once.
	run_begins
	local file=$1 ns=${2:-$NS_A} ifc=${3:-iks-a0} filter=${4:-$CAP_FILTER}
	timeout -s INT 120 ip netns exec "$ns" tcpdump -i "$ifc" --immediate-mode -s "$CAP_SNAPLEN" -U -Z root \
		-w "$file" "$filter" 2>"$file.tcpdump.err" &
	CAP_PID=$!
	BG_PIDS+=("$CAP_PID")
	CAP_PIDS+=("$CAP_PID")
	local i
	for i in $(seq 1 50); do
		grep -q 'listening on' "$file.tcpdump.err" 2>/dev/null && return 0
		sleep 0.1
	done
	die "tcpdump did not start: $(cat "$file.tcpdump.err")"
}

capture_start_pcapng() {
	# capture_start_pcapng FILE NS IFACE FILTER: dumpcap (Wireshark's capture
	# engine, writes pcapng with interface name and filter) on IFACE in NS
	run_begins
	local file=$1 ns=$2 ifc=$3 filter=$4
	timeout -s INT 120 ip netns exec "$ns" dumpcap -q -n -i "$ifc" -s 0 -f "$filter" \
		-a duration:110 -w "$file" 2>"$file.dumpcap.err" &
	CAP_PID=$!
	BG_PIDS+=("$CAP_PID")
	CAP_PIDS+=("$CAP_PID")
	local i
	for i in $(seq 1 50); do
		grep -q 'Capturing on' "$file.dumpcap.err" 2>/dev/null && { sleep 0.3; return 0; }
		sleep 0.1
	done
	die "dumpcap did not start: $(cat "$file.dumpcap.err")"
}

capture_stop() {
	# stops every capture started since the last capture_stop
	config_only && return 0
	local p
	sleep 0.5
	for p in "${CAP_PIDS[@]}"; do bg_kill "$p" INT; done
	CAP_PIDS=()
	CAP_PID=
}

# --------------------------------------------------------------------------
# strongSwan charon
# --------------------------------------------------------------------------
CHARON_PLUGINS="random nonce aes sha1 sha2 md5 hmac gcm kdf openssl pem pkcs1 x509 pubkey gmp xcbc kernel-libipsec kernel-netlink socket-default vici"

# charon_conf DIR [EXTRA_CHARON_SETTINGS...]: write DIR/strongswan.conf
charon_conf() {
	local dir=$1
	shift
	mkdir -p "$dir/run"
	# settings of the scenario's own (retransmission timers, threads): with any,
	# save_configs keeps this strongswan.conf beside the capture
	if [ $# -gt 0 ]; then printf '%s\n' "$@" >"$dir/charon-settings"; else rm -f "$dir/charon-settings"; fi
	cat >"$dir/strongswan.conf" <<EOF
charon {
    load = $CHARON_PLUGINS
    install_routes = yes
    # Aggressive Mode with PSK is refused by default (offline dictionary attack on the hash)
    i_dont_care_about_security_and_use_aggressive_mode_psk = yes
    $(printf '%s\n    ' "$@")
    filelog {
        charonlog {
            path = $dir/charon.log
            time_format = %Y-%m-%d %T
            time_add_ms = yes
            ike_name = yes
            append = no
            flush_line = yes
            default = 1
            ike = 4
            chd = 4
            cfg = 2
            enc = 1
            net = 1
            knl = 1
        }
    }
    syslog {
        daemon {
            default = -1
        }
    }
    plugins {
        vici {
            socket = unix://$dir/charon.vici
        }
        kernel-libipsec {
            load = yes
        }
    }
}
swanctl {
    load = pem pkcs1 x509 pubkey openssl random nonce
}
EOF
}

# charon_start NS DIR: run charon in NS with DIR as its private /run; sets CHARON_PID
CHARON_PID=
charon_start() {
	run_begins
	local ns=$1 dir=$2 i
	rm -f "$dir/charon.vici"
	timeout -s TERM 300 ip netns exec "$ns" sh -c \
		'mount --bind "$1/run" /run && exec env STRONGSWAN_CONF="$1/strongswan.conf" '"$CHARON" \
		sh "$dir" >"$dir/charon.stdout" 2>&1 &
	CHARON_PID=$!
	BG_PIDS+=("$CHARON_PID")
	for i in $(seq 1 100); do
		[ -S "$dir/charon.vici" ] && return 0
		kill -0 "$CHARON_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$dir/charon.stdout" >&2 || true
	die "charon in $ns did not come up"
}

# sw DIR ARGS...: swanctl against the charon of DIR (bounded)
sw() {
	local dir=$1 cmd=$2
	shift 2
	STRONGSWAN_CONF="$dir/strongswan.conf" timeout 60 "$SWANCTL" "$cmd" "$@" --uri "unix://$dir/charon.vici"
}

sw_load() {
	sw "$1" --load-all --noprompt --file "$1/swanctl.conf" >"$1/swanctl-load.out" 2>&1 ||
		{ cat "$1/swanctl-load.out" >&2; die "swanctl --load-all failed for $1"; }
}

# --------------------------------------------------------------------------
# X.509 certificates (sample PKI, made fresh for every recording)
# --------------------------------------------------------------------------
PKI_DN_CA='C=US, O=Example, CN=Example IKE Sample CA'
PKI_DN_A='C=US, O=Example, CN=gw-a.example.net'
PKI_DN_B='C=US, O=Example, CN=gw-b.example.net'

# dn_to_subj DN: "C=US, O=Example, CN=x" -> "/C=US/O=Example/CN=x" for openssl -subj
dn_to_subj() { printf '/%s' "$1" | sed 's#, #/#g'; }

# make_pki DIR [BITS]: a CA (RSA-3072, self-signed) and two end-entity certificates
# with BITS-bit RSA keys (default 4096), signed by the CA:
#   DIR/ca.crt                       CA certificate (PEM)
#   DIR/gw-a.crt DIR/gw-a.key        subject PKI_DN_A, subjectAltName DNS:gw-a.example.net
#   DIR/gw-b.crt DIR/gw-b.key        subject PKI_DN_B, subjectAltName DNS:gw-b.example.net
# Keys are PKCS#1 PEM without a passphrase. Certificates are valid from now for 10 years.
make_pki() {
	local dir=$1 bits=${2:-4096} gw dn serial=1
	[ -f "$dir/gw-b.crt" ] && return 0
	mkdir -p "$dir"
	log "making sample PKI in $dir (RSA-$bits end-entity keys)"
	timeout 120 openssl req -x509 -newkey rsa:3072 -nodes -sha256 -days 3650 \
		-keyout "$dir/ca.key" -out "$dir/ca.crt" -subj "$(dn_to_subj "$PKI_DN_CA")" \
		-addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' \
		-addext 'subjectKeyIdentifier=hash' 2>/dev/null
	for gw in gw-a gw-b; do
		serial=$((serial + 1))
		dn=$PKI_DN_A
		[ "$gw" = gw-b ] && dn=$PKI_DN_B
		timeout 120 openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$bits" -out "$dir/$gw.p8" 2>/dev/null
		timeout 30 openssl rsa -in "$dir/$gw.p8" -traditional -out "$dir/$gw.key" 2>/dev/null
		rm -f "$dir/$gw.p8"
		printf '%s\n' 'basicConstraints = CA:FALSE' \
			'keyUsage = critical, digitalSignature, keyEncipherment' \
			"subjectAltName = DNS:$gw.example.net" \
			'subjectKeyIdentifier = hash' 'authorityKeyIdentifier = keyid' >"$dir/$gw.ext"
		timeout 30 openssl req -new -key "$dir/$gw.key" -subj "$(dn_to_subj "$dn")" -out "$dir/$gw.csr" 2>/dev/null
		timeout 30 openssl x509 -req -in "$dir/$gw.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
			-set_serial "$serial" -sha256 -days 3650 -extfile "$dir/$gw.ext" -out "$dir/$gw.crt" 2>/dev/null
	done
	[ -s "$dir/gw-b.crt" ] || die "could not make the sample PKI in $dir"
}

# pki_install DIR PKI GW: put the CA certificate and GW's certificate and key
# where `swanctl --load-all --file DIR/swanctl.conf` (sw_load) loads them: with
# --file, swanctl reads credentials from the file's directory (x509ca/, x509/, rsa/)
pki_install() {
	local dir=$1 pki=$2 gw=$3
	mkdir -p "$dir/x509ca" "$dir/x509" "$dir/rsa"
	cp "$pki/ca.crt" "$dir/x509ca/ca.crt"
	cp "$pki/$gw.crt" "$dir/x509/$gw.crt"
	cp "$pki/$gw.key" "$dir/rsa/$gw.key"
	chmod 600 "$dir/rsa/$gw.key"
}

# --------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------
# save_log SRC DEST [MAX]: copy a daemon log next to the capture when it is
# smaller than MAX bytes (default 200 KB)
save_log() {
	local src=$1 dest=$2 max=${3:-204800} size
	[ -f "$src" ] || return 0
	size=$(stat -c %s "$src")
	if [ "$size" -lt "$max" ]; then
		cp "$src" "$dest"
	else
		log "not keeping $(basename "$dest"): $size bytes"
		rm -f "$dest"
	fi
}

pcap_summary() {
	local f=$1
	printf '%s: %s packets\n' "$(basename "$f")" "$(tcpdump -r "$f" -n 2>/dev/null | wc -l)"
}

#!/bin/bash
# record-esp.sh: records pcaps/esp-kernel-algs.pcap, ESP made by the Linux kernel with
# every algorithm ikescope decrypts, and pcaps/esp-kernel-algs.xfrm-state.txt, the
# `ip xfrm state` dump of both sides: the keys that open it.
#
# No IKE: the SAs are keyed by hand (`ip xfrm state add`, `ip xfrm policy add`), one
# pair of SAs (one each way) per algorithm, in two network namespaces joined by a veth:
#
#   iks-espa  iks-ea0 192.0.2.1/24  <---- veth ---->  iks-eb0 192.0.2.2/24  iks-espb
#             lo 10.1.0.(10+N)/32                      lo 10.2.0.(10+N)/32
#
# Pair N protects 10.1.0.(10+N) <-> 10.2.0.(10+N) in tunnel mode with SPIs 0x00001NNN
# (A to B) and 0x00002NNN (B to A); two pings go through each. Pair 15's receiver (B)
# holds another authentication key than its sender: B's kernel drops those requests
# for their ICV, and no reply comes back.
#
# Needs root and a kernel with ESP (esp4, xfrm_user and the crypto modules). Runs in
# about 30 seconds; every ping is bounded, and the namespaces (by name) and tcpdump
# (by PID) are removed on exit, whatever happens.
#
# Usage: sudo bash pcaps/record-esp.sh
set -euo pipefail

cd "$(dirname "$0")"
OUT_PCAP=esp-kernel-algs.pcap
OUT_KEYS=esp-kernel-algs.xfrm-state.txt
NA=iks-espa
NB=iks-espb
A=192.0.2.1
B=192.0.2.2

if [ "$(id -u)" != 0 ]; then
	echo "record-esp.sh: run as root (it creates network namespaces and kernel SAs)" >&2
	exit 1
fi

need=()
command -v ip >/dev/null || need+=(iproute2)
command -v tcpdump >/dev/null || need+=(tcpdump)
command -v ping >/dev/null || need+=(iputils-ping)
if [ ${#need[@]} -gt 0 ]; then
	apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi

TCPDUMP_PID=
cleanup() {
	if [ -n "$TCPDUMP_PID" ]; then
		kill "$TCPDUMP_PID" 2>/dev/null || true
		wait "$TCPDUMP_PID" 2>/dev/null || true
	fi
	ip netns del "$NA" 2>/dev/null || true
	ip netns del "$NB" 2>/dev/null || true
}
trap cleanup EXIT
cleanup

# key N: N random bytes as 0x-prefixed hex.
key() { printf '0x%s' "$(head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n')"; }

ip netns add "$NA"
ip netns add "$NB"
ip link add iks-ea0 netns "$NA" type veth peer name iks-eb0 netns "$NB"
ip -n "$NA" addr add "$A/24" dev iks-ea0
ip -n "$NB" addr add "$B/24" dev iks-eb0
for ns in "$NA" "$NB"; do
	ip -n "$ns" link set lo up
done
ip -n "$NA" link set iks-ea0 up
ip -n "$NB" link set iks-eb0 up
ip -n "$NA" route add 10.2.0.0/24 via "$B"
ip -n "$NB" route add 10.1.0.0/24 via "$A"

# The algorithms, one pair each: the `ip xfrm state add` arguments after "mode tunnel",
# with KEY(n) for n random bytes. Both directions get their own keys.
ALGS=(
	"enc cbc(aes) KEY(16) auth-trunc hmac(sha1) KEY(20) 96"
	"enc cbc(aes) KEY(32) auth-trunc hmac(sha256) KEY(32) 128"
	"enc cbc(des3_ede) KEY(24) auth-trunc hmac(md5) KEY(16) 96"
	"enc cbc(blowfish) KEY(16) auth-trunc hmac(sha1) KEY(20) 96"
	"enc cbc(cast5) KEY(16) auth-trunc hmac(sha1) KEY(20) 96"
	"enc rfc3686(ctr(aes)) KEY(20) auth-trunc hmac(sha256) KEY(32) 128"
	"aead rfc4106(gcm(aes)) KEY(20) 64"
	"aead rfc4106(gcm(aes)) KEY(36) 96"
	"aead rfc4106(gcm(aes)) KEY(36) 128"
	"aead rfc7539esp(chacha20,poly1305) KEY(36) 128"
	"enc ecb(cipher_null) EMPTY auth-trunc hmac(sha256) KEY(32) 128"
	"enc cbc(aes) KEY(16) auth-trunc hmac(sha512) KEY(64) 256"
	"enc cbc(aes) KEY(16) auth-trunc xcbc(aes) KEY(16) 96"
	"aead rfc4543(gcm(aes)) KEY(20) 128"
	"enc cbc(aes) KEY(16) auth-trunc hmac(sha256) KEY(32) 128"
)

# sa_add NS SPI-DIRECTION... ARGS: ip xfrm state add with the algorithm words of ARGS
# (EMPTY standing for an empty key).
sa_add() {
	local ns=$1 src=$2 dst=$3 spi=$4 reqid=$5 w
	read -ra w <<<"$6"
	for j in "${!w[@]}"; do
		[ "${w[$j]}" = EMPTY ] && w[$j]=""
	done
	ip -n "$ns" xfrm state add src "$src" dst "$dst" proto esp spi "$spi" reqid "$reqid" mode tunnel "${w[@]}"
}

# expand ARGS: KEY(n) replaced by a fresh key.
expand() {
	local s=$1
	while [[ $s =~ KEY\(([0-9]+)\) ]]; do
		s=${s/"${BASH_REMATCH[0]}"/$(key "${BASH_REMATCH[1]}")}
	done
	printf '%s' "$s"
}

ip netns exec "$NA" tcpdump -i iks-ea0 -U -n -w "$OUT_PCAP" esp 2>/dev/null &
TCPDUMP_PID=$!
sleep 1

installed=0
for i in "${!ALGS[@]}"; do
	n=$((i + 1))
	spi_ab=$(printf '0x%08x' $((0x1000 + n)))
	spi_ba=$(printf '0x%08x' $((0x2000 + n)))
	la=10.1.0.$((10 + n))
	lb=10.2.0.$((10 + n))
	ip -n "$NA" addr add "$la/32" dev lo
	ip -n "$NB" addr add "$lb/32" dev lo
	ab=$(expand "${ALGS[$i]}")
	ba=$(expand "${ALGS[$i]}")
	ab_at_b=$ab
	if [ "$n" = 15 ]; then
		# The mismatched pair: B's copy of the A-to-B SA has another authentication key.
		ab_at_b=$(printf '%s' "$ab" | sed -E "s/(hmac\(sha256\) )0x[0-9a-f]+/\1$(key 32)/")
	fi
	if ! why=$(sa_add "$NA" $A $B "$spi_ab" "$n" "$ab" 2>&1); then
		echo "record-esp.sh: pair $n (${ALGS[$i]%% KEY*}): the kernel refuses it ($why), skipped" >&2
		continue
	fi
	installed=$((installed + 1))
	sa_add "$NB" $A $B "$spi_ab" "$n" "$ab_at_b"
	sa_add "$NA" $B $A "$spi_ba" "$n" "$ba"
	sa_add "$NB" $B $A "$spi_ba" "$n" "$ba"
	ip -n "$NA" xfrm policy add src "$la/32" dst "$lb/32" dir out tmpl src $A dst $B proto esp reqid "$n" mode tunnel
	ip -n "$NA" xfrm policy add src "$lb/32" dst "$la/32" dir in tmpl src $B dst $A proto esp reqid "$n" mode tunnel
	ip -n "$NB" xfrm policy add src "$la/32" dst "$lb/32" dir in tmpl src $A dst $B proto esp reqid "$n" mode tunnel
	ip -n "$NB" xfrm policy add src "$lb/32" dst "$la/32" dir out tmpl src $B dst $A proto esp reqid "$n" mode tunnel
	ip netns exec "$NA" timeout 5 ping -n -c 2 -i 0.2 -W 1 -I "$la" "$lb" >/dev/null 2>&1 ||
		echo "record-esp.sh: pair $n: no reply (expected for pair 15 only)" >&2
done

sleep 1
if [ "$installed" = 0 ]; then
	rm -f "$OUT_PCAP"
	echo "record-esp.sh: the kernel took no ESP SA (no esp4 or xfrm_user in this kernel?): nothing recorded" >&2
	exit 1
fi
{
	echo "# netns $NA ($A): ip xfrm state"
	ip -n "$NA" xfrm state
	echo "# netns $NB ($B): ip xfrm state"
	ip -n "$NB" xfrm state
} >"$OUT_KEYS"
echo "record-esp.sh: wrote pcaps/$OUT_PCAP and pcaps/$OUT_KEYS" >&2

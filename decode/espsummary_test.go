package decode

import (
	"encoding/binary"
	"net/netip"
	"testing"
)

// ipv4 builds an IPv4 header (20 bytes) before payload; total 0 means the real length.
func ipv4(src, dst string, proto uint8, flagsFrag uint16, total int, payload []byte) []byte {
	b := make([]byte, 20, 20+len(payload))
	b[0], b[8], b[9] = 0x45, 63, proto
	if total == 0 {
		total = 20 + len(payload)
	}
	binary.BigEndian.PutUint16(b[2:], uint16(total))
	binary.BigEndian.PutUint16(b[6:], flagsFrag)
	copy(b[12:], netip.MustParseAddr(src).AsSlice())
	copy(b[16:], netip.MustParseAddr(dst).AsSlice())
	return append(b, payload...)
}

// ipv6 builds an IPv6 header before payload (next is the first next header).
func ipv6(src, dst string, next uint8, payload []byte) []byte {
	b := make([]byte, 40, 40+len(payload))
	b[0], b[6], b[7] = 0x60, next, 61
	binary.BigEndian.PutUint16(b[4:], uint16(len(payload)))
	copy(b[8:], netip.MustParseAddr(src).AsSlice())
	copy(b[24:], netip.MustParseAddr(dst).AsSlice())
	return append(b, payload...)
}

func ports(s, d uint16, rest ...byte) []byte {
	return append(binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(nil, s), d), rest...)
}

func TestInnerSummarise(t *testing.T) {
	a := netip.MustParseAddr
	tcpSYN := ports(51000, 443, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0)
	udp := ports(5353, 53, 0, 8, 0, 0)
	// ICMP fragmentation needed (3/4), next-hop MTU 1400, quoting a UDP datagram.
	fragNeeded := append([]byte{3, 4, 0, 0, 0, 0, 0x05, 0x78}, ipv4("10.1.0.5", "10.2.0.9", 17, 0x4000, 1500, ports(40000, 4500, 0, 8))...)
	// ICMPv6 packet too big, MTU 1280, quoting TCP.
	ptb := append([]byte{2, 0, 0, 0, 0, 0, 0x05, 0x00}, ipv6("2001:db8:1::5", "2001:db8:2::9", 6, ports(40000, 22, 0, 0, 0, 0))...)
	cases := []struct {
		name string
		next uint8
		b    []byte
		want Inner
	}{
		{"IPv4 TCP SYN", 4, ipv4("10.1.0.1", "10.2.0.1", 6, 0x4000, 0, tcpSYN),
			Inner{NextHeader: 4, Tunnel: true, Src: a("10.1.0.1"), Dst: a("10.2.0.1"), Proto: 6, SrcPort: 51000, DstPort: 443, TCPFlags: 0x02, Len: 40, DF: true, TTL: 63}},
		{"IPv4 UDP", 4, ipv4("10.1.0.1", "10.2.0.1", 17, 0, 0, udp),
			Inner{NextHeader: 4, Tunnel: true, Src: a("10.1.0.1"), Dst: a("10.2.0.1"), Proto: 17, SrcPort: 5353, DstPort: 53, Len: 28, TTL: 63}},
		{"IPv4 frag needed", 4, ipv4("10.2.0.254", "10.1.0.5", 1, 0, 0, fragNeeded),
			Inner{NextHeader: 4, Tunnel: true, Src: a("10.2.0.254"), Dst: a("10.1.0.5"), Proto: 1, ICMPType: 3, ICMPCode: 4, MTU: 1400,
				QuotedSrc: a("10.1.0.5"), QuotedDst: a("10.2.0.9"), QuotedProto: 17, QuotedSrcPort: 40000, QuotedDstPort: 4500, Len: 54, TTL: 63}},
		{"IPv4 later fragment", 4, ipv4("10.1.0.1", "10.2.0.1", 17, 185, 0, udp),
			Inner{NextHeader: 4, Tunnel: true, Src: a("10.1.0.1"), Dst: a("10.2.0.1"), Proto: 17, Len: 28, Fragment: true, TTL: 63}},
		{"IPv4 first fragment", 4, ipv4("10.1.0.1", "10.2.0.1", 17, 0x2000, 0, udp),
			Inner{NextHeader: 4, Tunnel: true, Src: a("10.1.0.1"), Dst: a("10.2.0.1"), Proto: 17, SrcPort: 5353, DstPort: 53, Len: 28, Fragment: true, TTL: 63}},
		{"IPv6 packet too big", 41, ipv6("2001:db8:2::1", "2001:db8:1::5", 58, ptb),
			Inner{NextHeader: 41, Tunnel: true, Src: a("2001:db8:2::1"), Dst: a("2001:db8:1::5"), Proto: 58, ICMPType: 2, MTU: 1280,
				QuotedSrc: a("2001:db8:1::5"), QuotedDst: a("2001:db8:2::9"), QuotedProto: 6, QuotedSrcPort: 40000, QuotedDstPort: 22, Len: 40 + len(ptb), TTL: 61}},
		{"IPv6 hop-by-hop then echo", 41, ipv6("2001:db8:1::1", "2001:db8:2::1", 0, append([]byte{58, 0, 1, 4, 0, 0, 0, 0}, 128, 0, 0, 0, 0, 7, 0, 9)),
			Inner{NextHeader: 41, Tunnel: true, Src: a("2001:db8:1::1"), Dst: a("2001:db8:2::1"), Proto: 58, ICMPType: 128, ICMPID: 7, ICMPSeq: 9, Len: 56, TTL: 61}},
		{"IPv6 later fragment", 41, ipv6("2001:db8:1::1", "2001:db8:2::1", 44, append([]byte{17, 0, 0x05, 0x00, 0, 0, 0, 1}, udp...)),
			Inner{NextHeader: 41, Tunnel: true, Src: a("2001:db8:1::1"), Dst: a("2001:db8:2::1"), Proto: 17, Fragment: true, Len: 56, TTL: 61}},
		{"transport TCP", 6, tcpSYN, Inner{NextHeader: 6, Proto: 6, SrcPort: 51000, DstPort: 443, TCPFlags: 0x02, Len: 20}},
		{"dummy packet", 59, []byte{1, 2, 3}, Inner{NextHeader: 59, Len: 3}},
		// Hostile lengths: nothing past the buffer is read.
		{"IPv4 header cut", 4, []byte{0x45, 0, 0, 84, 0, 0}, Inner{NextHeader: 4, Tunnel: true}},
		{"IPv4 IHL past the end", 4, ipv4("10.1.0.1", "10.2.0.1", 6, 0, 0, nil)[:20:20], Inner{NextHeader: 4, Tunnel: true, Src: a("10.1.0.1"), Dst: a("10.2.0.1"), Proto: 6, Len: 20, TTL: 63}},
		{"IPv4 total length lies", 4, ipv4("10.1.0.1", "10.2.0.1", 6, 0, 65535, tcpSYN[:6]), Inner{NextHeader: 4, Tunnel: true, Src: a("10.1.0.1"), Dst: a("10.2.0.1"), Proto: 6, SrcPort: 51000, DstPort: 443, Len: 65535, TTL: 63}},
		{"IPv6 extension header past the end", 41, ipv6("2001:db8:1::1", "2001:db8:2::1", 0, []byte{6, 200, 0, 0, 0, 0, 0, 0}), Inner{NextHeader: 41, Tunnel: true, Src: a("2001:db8:1::1"), Dst: a("2001:db8:2::1"), Len: 48, TTL: 61}},
		{"ICMP error quoting nothing", 1, []byte{3, 4, 0, 0, 0, 0, 0x05, 0x78}, Inner{NextHeader: 1, Proto: 1, ICMPType: 3, ICMPCode: 4, MTU: 1400, Len: 8}},
		{"empty", 4, nil, Inner{NextHeader: 4, Tunnel: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var in Inner
			in.Summarise(c.next, c.b)
			if in != c.want {
				t.Errorf("got  %+v\nwant %+v", in, c.want)
			}
		})
	}
}

func TestInnerSummariseAllocs(t *testing.T) {
	b := ipv4("10.1.0.1", "10.2.0.1", 6, 0x4000, 0, ports(1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0x12))
	var in Inner
	if n := testing.AllocsPerRun(100, func() { in.Summarise(4, b) }); n != 0 {
		t.Errorf("%v allocations, want 0", n)
	}
}

// FuzzInnerSummarise: no payload makes Summarise panic, and summarising twice gives the
// same result.
func FuzzInnerSummarise(f *testing.F) {
	f.Add(uint8(4), ipv4("10.1.0.1", "10.2.0.1", 1, 0, 0, []byte{3, 4, 0, 0, 0, 0, 5, 0x78, 0x45}))
	f.Add(uint8(41), ipv6("2001:db8::1", "2001:db8::2", 44, []byte{0, 1, 2, 3}))
	f.Fuzz(func(t *testing.T, next uint8, b []byte) {
		var x, y Inner
		x.Summarise(next, b)
		y.Summarise(next, b)
		if x != y {
			t.Fatalf("%+v != %+v", x, y)
		}
	})
}

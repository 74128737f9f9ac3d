package report

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/internal/decodetest"
)

// With a charon log at chd 4 as keys, the packet inside every ESP packet is printed
// under its header line, and -f json carries it as "inner".
func TestDecodeInner(t *testing.T) {
	capture, log := pcap("ikev2-psk.pcap"), pcap("ikev2-psk.initiator.log")
	out := decodeOutput(t, "text", capture, log, nil)
	lines := strings.Split(out, "\n")
	esp := 0
	for i, l := range lines {
		if !strings.Contains(l, "  ESP spi ") {
			continue
		}
		esp++
		next := lines[i+1]
		if !strings.HasPrefix(next, "  inner (integrity verified, keys from ikev2-psk.initiator.log:") ||
			!strings.Contains(next, "IP 10.1.0.1 > 10.2.0.1: ICMP echo request, id ") && !strings.Contains(next, "IP 10.2.0.1 > 10.1.0.1: ICMP echo reply, id ") {
			t.Errorf("after %q:\n%q", l, next)
		}
	}
	if esp != 10 {
		t.Errorf("%d ESP packets, want 10", esp)
	}

	out = decodeOutput(t, "json", capture, log, nil)
	esp = 0
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m struct {
			Kind  string `json:"kind"`
			Inner *struct {
				Integrity    string `json:"integrity"`
				Src          string `json:"src"`
				Protocol     int    `json:"protocol"`
				ProtocolName string `json:"protocol_name"`
				ICMPType     *int   `json:"icmp_type"`
				ICMPSeq      *int   `json:"icmp_seq"`
				Length       int    `json:"length"`
			} `json:"inner"`
		}
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		if m.Kind != "esp" {
			if m.Inner != nil {
				t.Errorf("inner on a %s line", m.Kind)
			}
			continue
		}
		esp++
		if in := m.Inner; in == nil || in.Integrity != "verified" || in.Protocol != 1 || in.ProtocolName != "ICMP" || in.ICMPType == nil || in.ICMPSeq == nil || in.Length != 84 || !strings.HasPrefix(in.Src, "10.") {
			t.Errorf("inner of %s", l)
		}
	}
	if esp != 10 {
		t.Errorf("%d ESP lines, want 10", esp)
	}

	// Without keys: no inner line.
	for _, f := range []string{"text", "json"} {
		if out := decodeOutput(t, f, capture, "", nil); strings.Contains(out, "inner") {
			t.Errorf("inner without keys (%s):\n%s", f, out)
		}
	}
}

// The wrong key (tcpdump's espudp1.pcap with esp-secrets.txt, whose key for the SPI is
// another capture's) prints as not opened, not as a packet.
func TestDecodeInnerWrongKey(t *testing.T) {
	dir := filepath.Join(decodetest.RequireCorpus(t), "tcpdump", "tests")
	out := decodeOutput(t, "text", filepath.Join(dir, "espudp1.pcap"), filepath.Join(dir, "esp-secrets.txt"), nil)
	if n := strings.Count(out, "inner: did not open: ESP padding or next header wrong"); n != 7 {
		t.Errorf("%d packets that did not open, want 7 of 8:\n%s", n, out)
	}
}

// --redact hides the inner packet's addresses and the key file's name, in the tree and
// in JSON, and keeps what the packet was.
func TestDecodeInnerRedacted(t *testing.T) {
	capture, log := pcap("ikev2-psk.pcap"), pcap("ikev2-psk.initiator.log")
	for _, f := range []string{"text", "json"} {
		out := decodeOutput(t, f, capture, log, NewStreamRedactor())
		for _, leak := range []string{"10.1.0.1", "10.2.0.1", "192.0.2.", "ikev2-psk.initiator.log"} {
			if strings.Contains(out, leak) {
				t.Errorf("-f %s --redact shows %s", f, leak)
			}
		}
		want := map[string]string{"text": "  inner (integrity verified, keys from keys-1:", "json": `"inner":{"integrity":"verified","key_source":"keys-1:`}[f]
		if n := strings.Count(out, want); n != 10 {
			t.Errorf("-f %s --redact: %d ESP packets with %q, want 10", f, n, want)
		}
		if !strings.Contains(out, "echo request, id ") {
			t.Errorf("-f %s --redact lost the inner packet", f)
		}
	}
}

func TestInnerPacketText(t *testing.T) {
	a := netip.MustParseAddr
	tests := []struct {
		name string
		in   decode.Inner
		want string
	}{
		{"echo request", decode.Inner{NextHeader: 4, Tunnel: true, Src: a("10.1.0.1"), Dst: a("10.2.0.1"), Proto: 1, ICMPType: 8, ICMPID: 7, ICMPSeq: 3, Len: 84, DF: true},
			"IP 10.1.0.1 > 10.2.0.1: ICMP echo request, id 7, seq 3, length 84 [DF]"},
		{"need to frag", decode.Inner{NextHeader: 4, Tunnel: true, Src: a("10.2.0.254"), Dst: a("10.1.0.1"), Proto: 1, ICMPType: 3, ICMPCode: 4, MTU: 1400,
			QuotedSrc: a("10.1.0.1"), QuotedDst: a("10.2.0.1"), QuotedProto: 6, QuotedSrcPort: 40000, QuotedDstPort: 443, Len: 576},
			"IP 10.2.0.254 > 10.1.0.1: ICMP unreachable - need to frag (mtu 1400) about 10.1.0.1:40000 > 10.2.0.1:443 TCP, length 576"},
		{"packet too big", decode.Inner{NextHeader: 41, Tunnel: true, Src: a("fd00::1"), Dst: a("fd00::2"), Proto: 58, ICMPType: 2, MTU: 1280,
			QuotedSrc: a("fd00::2"), QuotedDst: a("fd00::9"), QuotedProto: 58, Len: 1280},
			"IP6 fd00::1 > fd00::2: ICMP6 packet too big, mtu 1280 about fd00::2 > fd00::9 ICMPv6, length 1280"},
		{"tcp", decode.Inner{NextHeader: 4, Tunnel: true, Src: a("10.1.0.10"), Dst: a("10.2.0.1"), Proto: 6, SrcPort: 51000, DstPort: 8080, TCPFlags: 0x12, Len: 60, DF: true},
			"IP 10.1.0.10.51000 > 10.2.0.1.8080: TCP [SYN,ACK], length 60 [DF]"},
		{"transport udp fragment", decode.Inner{NextHeader: 17, Src: a("192.0.2.1"), Dst: a("192.0.2.2"), Proto: 17, SrcPort: 53, DstPort: 53, Len: 100, Fragment: true},
			"IP (transport mode) 192.0.2.1.53 > 192.0.2.2.53: UDP, length 100 [fragment]"},
		{"gre", decode.Inner{NextHeader: 4, Tunnel: true, Src: a("10.1.0.1"), Dst: a("10.2.0.1"), Proto: 47, Len: 120},
			"IP 10.1.0.1 > 10.2.0.1: GRE, length 120"},
		{"dummy", decode.Inner{NextHeader: 59, Len: 40}, "no next header (dummy packet), length 40"},
		{"unreadable", decode.Inner{NextHeader: 4, Tunnel: true}, "next header 4, not an IP packet that could be read"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := innerPacketText(&tc.in, nil); got != tc.want {
				t.Errorf("\ngot  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestInnerLineNotOpened(t *testing.T) {
	tests := []struct {
		err      error
		want     string
		wantKind string
	}{
		{fmt.Errorf("seq 4: %w", decode.ErrICV), "inner: ICV mismatch: seq 4: ESP ICV mismatch (keys from xfrm.txt:3)", "icv"},
		{decode.ErrESPTrailer, "inner: did not open: ESP padding or next header wrong after decryption (keys from xfrm.txt:3)", "trailer"},
		{decode.ErrESPTruncated, "inner: did not open: " + decode.ErrESPTruncated.Error() + " (keys from xfrm.txt:3)", "truncated"},
	}
	for _, tc := range tests {
		in := &decode.Inner{Integrity: "failed", Err: tc.err, Source: "xfrm.txt:3"}
		if got := innerLine(in, nil); got != tc.want {
			t.Errorf("\ngot  %s\nwant %s", got, tc.want)
		}
		if j := newInnerJSON(in, nil); j.ErrorKind != tc.wantKind || j.Error != tc.err.Error() || j.Src != "" {
			t.Errorf("%v: JSON %+v, want error_kind %s", tc.err, j, tc.wantKind)
		}
	}
}

package report

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/ikescope/ikescope/analyze"
)

func newTestRedactor() *Redactor {
	return NewRedactor(&analyze.Result{Sessions: []*analyze.Session{{
		Initiator: netip.MustParseAddrPort("192.0.2.1:500"),
		Responder: netip.MustParseAddrPort("[2001:db8::2]:4500"),
	}}})
}

func TestRedactAddresses(t *testing.T) {
	rd := newTestRedactor()
	tests := []struct{ in, want string }{
		{"192.0.2.1", "peer-A"},
		{"2001:db8::2", "peer-B"},
		{"::ffff:192.0.2.1", "peer-A"},
		{"198.51.100.7", "addr-1"}, // public, but no IKE peer
		{"0.0.0.0", "0.0.0.0"},
		{"255.255.255.0", "255.255.255.0"}, // a netmask
		{"127.0.0.1", "127.0.0.1"},
		{"224.0.0.5", "224.0.0.5"},
	}
	for _, tt := range tests {
		if got := rd.Addr(netip.MustParseAddr(tt.in)); got != tt.want {
			t.Errorf("Addr(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
	if got := rd.AddrPort(netip.MustParseAddrPort("[2001:db8::2]:4500")); got != "peer-B:4500" {
		t.Errorf("AddrPort = %s", got)
	}
}

// Private addresses move into 198.18.0.0/15 and 2001:db8::/32, prefix-preserving: what
// was one subnet is still one, host parts stay, and a network the text names keeps its
// length and its host bits (zero), so a /16 against a /24 can still be seen.
func TestRedactPrivateKeepsShape(t *testing.T) {
	rd := newTestRedactor()
	sel := rd.Text("local 10.1.0.0/16 remote 10.2.0.0/24, range 10.3.0.0-10.3.3.255")
	a1 := rd.Addr(netip.MustParseAddr("10.1.2.7"))
	a2 := rd.Addr(netip.MustParseAddr("10.1.2.200"))
	b1 := rd.Addr(netip.MustParseAddr("10.1.3.7"))
	c1 := rd.Addr(netip.MustParseAddr("192.168.10.1"))
	v6 := rd.Addr(netip.MustParseAddr("fd12:3456:789a:1::5"))
	for _, got := range []string{a1, a2, b1, c1, v6} {
		if _, err := netip.ParseAddr(got); err != nil {
			t.Fatalf("%q is not an address", got)
		}
	}
	bench := netip.MustParsePrefix("198.18.0.0/15")
	var nets []netip.Prefix
	for _, f := range strings.Fields(strings.NewReplacer(",", " ", "-", " ").Replace(sel)) {
		if p, err := netip.ParsePrefix(f); err == nil {
			nets = append(nets, p)
		} else if a, err := netip.ParseAddr(f); err == nil {
			nets = append(nets, netip.PrefixFrom(a, 32))
		}
	}
	if len(nets) != 4 || nets[0].Bits() != 16 || nets[1].Bits() != 24 || nets[0] != nets[0].Masked() || nets[1] != nets[1].Masked() {
		t.Fatalf("networks lost their length or gained host bits: %q", sel)
	}
	for _, n := range nets {
		if !bench.Contains(n.Addr()) {
			t.Errorf("%s is not in %s: %q", n, bench, sel)
		}
	}
	lo, hi := nets[2].Addr().As4(), nets[3].Addr().As4()
	if lo[3] != 0 || hi[3] != 255 || int(hi[2])-int(lo[2]) != 3 || lo[2]%4 != 0 || lo[1] != hi[1] {
		t.Errorf("range 10.3.0.0-10.3.3.255 changed size or alignment: %q", sel)
	}
	if nets[0].Overlaps(nets[1]) || nets[0].Overlaps(nets[2]) || nets[1].Overlaps(nets[2]) {
		t.Errorf("different networks overlap: %q", sel)
	}
	p := func(s string, bits int) netip.Prefix { return netip.PrefixFrom(netip.MustParseAddr(s), bits).Masked() }
	if !strings.HasSuffix(a1, ".2.7") || !strings.HasSuffix(a2, ".2.200") || !strings.HasSuffix(b1, ".3.7") {
		t.Errorf("10.1.2.7, 10.1.2.200, 10.1.3.7 -> %s, %s, %s: host part lost", a1, a2, b1)
	}
	if !nets[0].Contains(netip.MustParseAddr(a1)) || !nets[0].Contains(netip.MustParseAddr(b1)) {
		t.Errorf("addresses of 10.1.0.0/16 left its image %s: %s %s", nets[0], a1, b1)
	}
	if p(a1, 24) != p(a2, 24) || p(a1, 24) == p(b1, 24) {
		t.Errorf("subnets not kept apart: %s %s %s", a1, a2, b1)
	}
	if !bench.Contains(netip.MustParseAddr(c1)) || !strings.HasSuffix(c1, ".1") || nets[0].Contains(netip.MustParseAddr(c1)) {
		t.Errorf("192.168.10.1 -> %s", c1)
	}
	if !strings.HasPrefix(v6, "2001:db8:") || !strings.HasSuffix(v6, "::5") || strings.Contains(v6, "3456") {
		t.Errorf("fd12:3456:789a:1::5 -> %s", v6)
	}
	if again := rd.Addr(netip.MustParseAddr("10.1.2.7")); again != a1 {
		t.Errorf("not stable: %s then %s", a1, again)
	}
	if again := rd.Text("10.1.0.0/16"); again != nets[0].String() {
		t.Errorf("not stable: %s then %s", nets[0], again)
	}
}

// Capture names become capture-n wherever a capture is named: alone, in a frame
// reference, in text.
func TestRedactCaptures(t *testing.T) {
	rd := NewRedactor(&analyze.Result{Captures: []analyze.Capture{{Name: "/home/ann/acme-berlin-gw.pcap"}, {Name: "acme-paris.pcapng"}}})
	for in, want := range map[string]string{
		"/home/ann/acme-berlin-gw.pcap": "capture-1.pcap",
		"acme-berlin-gw.pcap":           "capture-1.pcap",
		"acme-paris.pcapng":             "capture-2.pcapng",
	} {
		if got := rd.Capture(in); got != want {
			t.Errorf("Capture(%q) = %q, want %q", in, got, want)
		}
	}
	if got := rd.Text("5 packets left acme-paris.pcapng#12, 0 reached acme-berlin-gw.pcap"); got != "5 packets left capture-2.pcapng#12, 0 reached capture-1.pcap" {
		t.Errorf("Text: %q", got)
	}
}

func TestRedactText(t *testing.T) {
	rd := newTestRedactor()
	rd.Identity(false, 2, "gw-a.example.net")
	rd.DN("CN=gw-b.example.net,O=Example,C=US")
	rd.SPI("0123456789abcdef")
	tests := []struct{ in, want string }{
		{"from 192.0.2.1:500 to [2001:db8::2]:4500.", "from peer-A:500 to peer-B:4500."},
		{"check the PSK for 192.0.2.1 (or 192.0.2.1)", "check the PSK for peer-A (or peer-A)"},
		{"subnet 10.9.8.0/255.255.255.0", ""}, // checked below: renumbered, netmask kept
		{"id gw-a.example.net, cert CN=gw-b.example.net,O=Example,C=US", "id fqdn-1, cert dn-1"},
		{"the CN gw-b.example.net alone", "the CN name-1 alone"},
		{"SPIs 0123456789abcdef/0000000000000000", "SPIs spi-1/0000000000000000"},
		{"at 07:02:01.616, version 5.9.8, +2.0 s", "at 07:02:01.616, version 5.9.8, +2.0 s"},
		{"frames 5 6 7, 2048 bytes, MODP_2048, AES-CBC-256", "frames 5 6 7, 2048 bytes, MODP_2048, AES-CBC-256"},
	}
	for _, tt := range tests {
		got := rd.Text(tt.in)
		if tt.want == "" {
			if strings.Contains(got, "10.9.8.") || !strings.Contains(got, "/255.255.255.0") {
				t.Errorf("Text(%q) = %q", tt.in, got)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("Text(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
	var none *Redactor
	if got := none.Text("192.0.2.1"); got != "192.0.2.1" {
		t.Errorf("a nil Redactor changed text: %q", got)
	}
}

func TestLetters(t *testing.T) {
	for n, want := range map[int]string{0: "A", 25: "Z", 26: "AA", 27: "AB", 701: "ZZ", 702: "AAA"} {
		if got := letters(n); got != want {
			t.Errorf("letters(%d) = %s, want %s", n, got, want)
		}
	}
}

// The identities a capture shows in clear (Aggressive Mode IDs, CERTREQ CA names) are
// registered and replaced in the decode trees.
func TestRedactLearnsIdentities(t *testing.T) {
	// One analysis each: the analysis lets go of the decodes of a session that ended
	// cleanly ten minutes before the next capture's packets.
	var sb strings.Builder
	for _, name := range []string{"ikev1-aggressive-psk.pcap", "ikev1-main-cert.pcap"} {
		r := analyzeFiles(t, pcap(name))
		rd := NewRedactor(r)
		for _, s := range r.Sessions {
			for _, m := range s.Messages {
				x := m.Decoded()
				if x == nil {
					continue
				}
				tw := newMessageTree(&sb, s.First, rd)
				tw.Write(decodeMessage(m, x))
				tw.Flush()
			}
		}
	}
	out := sb.String()
	for _, secret := range []string{"gw-a.example.net", "Example IKE Sample CA", "192.0.2.", "SPIi"} {
		if strings.Contains(out, secret) {
			t.Errorf("redacted decode shows %q:\n%s", secret, out)
		}
	}
	for _, kept := range []string{"ID_FQDN fqdn-1", "AES-CBC", "peer-A:500 → peer-B:500", "CA dn-1"} {
		if !strings.Contains(out, kept) {
			t.Errorf("redacted decode lacks %q:\n%s", kept, out)
		}
	}
}

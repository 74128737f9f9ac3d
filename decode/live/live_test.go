package live_test

import (
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcap"

	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/decode/live"
)

func TestFilterFor(t *testing.T) {
	if got := live.FilterFor("  "); got != live.Filter {
		t.Errorf("no extra filter: %q, want live.Filter", got)
	}
	want := "(" + live.Filter + ") and (host 192.0.2.1)"
	if got := live.FilterFor("host 192.0.2.1"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestFilterMatches runs the filter libpcap compiles on the frames it must and must
// not let through: what ikescope decodes passes, the rest stays in the kernel.
func TestFilterMatches(t *testing.T) {
	bpf, err := pcap.NewBPF(layers.LinkTypeEthernet, 65535, live.Filter)
	if err != nil {
		t.Fatal(err)
	}
	a4, b4 := net.IP{192, 0, 2, 1}, net.IP{192, 0, 2, 2}
	a6, b6 := net.ParseIP("2001:db8::1"), net.ParseIP("2001:db8::2")
	udp := func(sport, dport int) []gopacket.SerializableLayer {
		return []gopacket.SerializableLayer{&layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}, gopacket.Payload(make([]byte, 40))}
	}
	v4 := func(proto layers.IPProtocol, flags layers.IPv4Flag, off uint16, rest ...gopacket.SerializableLayer) []byte {
		return liveFrame(t, layers.EthernetTypeIPv4, append([]gopacket.SerializableLayer{&layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: proto, Flags: flags, FragOffset: off, SrcIP: a4, DstIP: b4}}, rest...)...)
	}
	v6 := func(next layers.IPProtocol, rest ...gopacket.SerializableLayer) []byte {
		return liveFrame(t, layers.EthernetTypeIPv6, append([]gopacket.SerializableLayer{&layers.IPv6{Version: 6, HopLimit: 64, NextHeader: next, SrcIP: a6, DstIP: b6}}, rest...)...)
	}
	for _, tc := range []struct {
		name  string
		frame []byte
		want  bool
	}{
		{"IKE on UDP 500", v4(layers.IPProtocolUDP, 0, 0, udp(500, 500)...), true},
		{"IKE from a NAT port to 4500", v4(layers.IPProtocolUDP, 0, 0, udp(61234, 4500)...), true},
		{"ESP", v4(layers.IPProtocolESP, 0, 0, gopacket.Payload(make([]byte, 40))), true},
		{"first IPv4 fragment", v4(layers.IPProtocolUDP, layers.IPv4MoreFragments, 0, udp(500, 500)...), true},
		{"later IPv4 fragment", v4(layers.IPProtocolUDP, 0, 185, gopacket.Payload(make([]byte, 40))), true},
		{"IKE over IPv6", v6(layers.IPProtocolUDP, udp(500, 500)...), true},
		{"IPv6 fragment", v6(layers.IPProtocolIPv6Fragment, gopacket.Payload(make([]byte, 48))), true},
		{"DNS", v4(layers.IPProtocolUDP, 0, 0, udp(53, 40000)...), false},
		{"TCP", v4(layers.IPProtocolTCP, 0, 0, gopacket.Payload(make([]byte, 40))), false},
		{"DNS over IPv6", v6(layers.IPProtocolUDP, udp(40000, 53)...), false},
	} {
		ci := gopacket.CaptureInfo{CaptureLength: len(tc.frame), Length: len(tc.frame)}
		if got := bpf.Matches(ci, tc.frame); got != tc.want {
			t.Errorf("%s: filter says %v, want %v", tc.name, got, tc.want)
		}
	}
}

func liveFrame(t *testing.T, et layers.EthernetType, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: et}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true}, append([]gopacket.SerializableLayer{eth}, ls...)...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCheckFilter(t *testing.T) {
	if err := live.CheckFilter("host 192.0.2.1 and not port 22"); err != nil {
		t.Errorf("good filter refused: %v", err)
	}
	err := live.CheckFilter("hots 192.0.2.1")
	if !errors.Is(err, live.ErrFilter) {
		t.Fatalf("got %v, want ErrFilter", err)
	}
	// libpcap's own words, and the filter as given.
	for _, w := range []string{"syntax error", `"hots 192.0.2.1"`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%q does not say %q", err, w)
		}
	}
}

func TestOpenNoSuchInterface(t *testing.T) {
	_, err := live.Open(live.Options{Interface: "iksl-nosuch0"})
	if !errors.Is(err, live.ErrNoSuchInterface) {
		t.Fatalf("got %v, want ErrNoSuchInterface", err)
	}
	var le *live.Error
	if !errors.As(err, &le) || !strings.Contains(le.Hint, "lo") || !strings.Contains(le.Hint, "any") {
		t.Errorf("the error does not list the interfaces: %v", err)
	}
}

func TestInterfaces(t *testing.T) {
	ifs, err := live.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	var lo, any bool
	for _, ifc := range ifs {
		lo = lo || ifc.Name == "lo" && ifc.Loopback && ifc.Up
		any = any || ifc.Name == "any"
	}
	if !lo || !any {
		t.Errorf("lo (up, loopback) and any not both listed: %+v", ifs)
	}
}

// TestLoopback captures a real IKE_SA_INIT sent over the loopback interface (root).
// The filter adds the sender's own port, so other traffic on lo does not matter.
func TestLoopback(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true: this live-capture test must run, as root")
		}
		t.Skip("live capture on lo needs root (or CAP_NET_RAW); run as root, or set CI=true to make this a failure")
	}
	ike := liveFirstISAKMP(t, "../../pcaps/ikev2-psk.pcap")
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	port := conn.LocalAddr().(*net.UDPAddr).Port

	var frames int
	l, err := live.Open(live.Options{
		Interface: "lo",
		Filter:    "udp src port " + strconv.Itoa(port),
		OnFrame:   func(gopacket.CaptureInfo, []byte) { frames++ },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.LinkType() != layers.LinkTypeEthernet || l.SnapLen() < 65535 {
		t.Errorf("link type %v, snap length %d; want Ethernet, whole packets", l.LinkType(), l.SnapLen())
	}
	for i := 0; i < 2; i++ {
		if _, err := conn.WriteToUDP(ike, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 500}); err != nil {
			t.Fatal(err)
		}
	}
	var got []decode.Message
	deadline := time.Now().Add(5 * time.Second)
	for len(got) < 2 && time.Now().Before(deadline) {
		if _, err := l.Read(func(m *decode.Message) { got = append(got, *m) }); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 2 {
		t.Fatalf("captured %d messages in 5 s, want 2", len(got))
	}
	for _, m := range got {
		if m.Kind != decode.KindISAKMP || m.ISAKMP == nil || m.ISAKMP.ExchangeType != 34 || int(m.Src.Port()) != port || m.Dst.Port() != 500 {
			t.Errorf("captured %v from %v to %v, want IKE_SA_INIT from port %d to 500", m.Kind, m.Src, m.Dst, port)
		}
	}
	if frames != 2 || l.Frames() != 2 || l.Stats().ISAKMP != 2 {
		t.Errorf("OnFrame saw %d frames, Frames %d, ISAKMP %d; want 2 each", frames, l.Frames(), l.Stats().ISAKMP)
	}
	// A quiet capture returns after the poll interval with nothing, not an error.
	start := time.Now()
	if ok, err := l.Read(func(*decode.Message) { t.Error("message from nowhere") }); ok || err != nil {
		t.Errorf("quiet Read: %v, %v; want false, nil", ok, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("quiet Read took %s", d)
	}
	st, err := l.CaptureStats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Received < 2 || st.Dropped != 0 {
		t.Errorf("kernel counts %+v, want at least 2 received, none dropped", st)
	}
}

func liveFirstISAKMP(t *testing.T, path string) []byte {
	t.Helper()
	r, err := decode.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for r.Next() {
		if m := r.Message(); m.Kind == decode.KindISAKMP && m.ISAKMP != nil {
			return append([]byte(nil), m.ISAKMP.Contents...)
		}
	}
	t.Fatalf("no ISAKMP message in %s", path)
	return nil
}

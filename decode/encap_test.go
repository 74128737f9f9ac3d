package decode_test

import (
	"encoding/binary"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/gopacket/layers"

	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/internal/decodetest"
)

// Ethertypes, GRE protocol types and UDP ports of the encapsulations.
const (
	etherMPLS         = 0x8847
	etherPPPoESession = 0x8864
	etherERSPAN2      = 0x88be
	etherERSPAN3      = 0x22eb
	portVXLAN         = 4789
	portGeneve        = 6081
)

// TestEncapsulated: recorded captures re-framed as a mirror port or a tunnel delivers
// them (made in the test, each frame of the recording wrapped whole): ERSPAN type I, II
// and III over GRE, VXLAN, Geneve, GRE with IP inside over IPv4 and IPv6, IP in IP,
// MPLS (IP and an Ethernet pseudowire) and PPPoE. Every message decodes as it does from
// the recording itself: same frames, kinds, addresses, SPIs, exchanges and fragments
// reassembled inside the tunnel; and tshark, which opens all of these, agrees with
// ikescope field by field on every wrapped frame.
func TestEncapsulated(t *testing.T) {
	root := decodetest.RepoRoot(t)
	tshark, _ := exec.LookPath("tshark")
	conf := t.TempDir()
	for _, name := range []string{"ikev2-psk.pcap", "ikev2-cert-ipfrag.pcap", "ikev1-natt.pcap"} {
		path := filepath.Join(root, "pcaps", name)
		frames, link := decodetest.ReadFrames(t, path)
		if link != layers.LinkTypeEthernet {
			t.Fatalf("%s: link type %v, the test wraps Ethernet frames", name, link)
		}
		want := messagesOf(t, path)
		for _, w := range wrappers {
			t.Run(name+"/"+w.name, func(t *testing.T) {
				t.Parallel() // tshark takes a while to start
				out := filepath.Join(t.TempDir(), "wrapped.pcap")
				writeWrapped(t, out, frames, w.wrap)
				got := messagesOf(t, out)
				if got != want {
					t.Fatalf("decoded inside %s:\n%s\nwant, from the recording:\n%s", w.name, got, want)
				}
				if tshark == "" {
					decodetest.SkipOrFail(t, "tshark is not installed: run `make test` or `apt-get install tshark`")
				}
				compareWithTshark(t, tshark, conf, name+" in "+w.name, out)
				r, err := decode.Open(out)
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				for r.Next() {
				}
				// gopacket's own IPv4 layer reads IP in IP: not counted.
				if st := r.Stats(); st.Encapsulated != len(frames) && w.name != "IP in IP" {
					t.Errorf("%d of %d frames counted as encapsulated", st.Encapsulated, len(frames))
				}
			})
		}
	}
}

// wrapper turns a recorded Ethernet frame into the frame a capture point sees.
type wrapper struct {
	name string
	wrap func(t *testing.T, eth []byte) []byte
}

var (
	mirrorSrc = net.IP{203, 0, 113, 100}
	mirrorDst = net.IP{203, 0, 113, 200}
	macA      = net.HardwareAddr{0x02, 0, 0x5e, 0, 0, 1}
	macB      = net.HardwareAddr{0x02, 0, 0x5e, 0, 0, 2}
)

var wrappers = []wrapper{
	{"ERSPAN type I", func(t *testing.T, f []byte) []byte { return overIPv4(t, 47, gre(0, etherERSPAN2, nil, f)) }},
	{"ERSPAN type II", func(t *testing.T, f []byte) []byte {
		return overIPv4(t, 47, gre(0x1000, etherERSPAN2, []byte{0, 0, 0, 7}, append([]byte{0x10, 0, 0, 1, 0, 0, 0, 0}, f...)))
	}},
	{"ERSPAN type III", func(t *testing.T, f []byte) []byte {
		hdr := []byte{0x20, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1} // O bit set: a platform subheader
		hdr = append(hdr, 0x08, 0, 0, 0, 0, 0, 0, 0)         // platform-specific subheader
		return overIPv4(t, 47, gre(0x1000, etherERSPAN3, []byte{0, 0, 0, 9}, append(hdr, f...)))
	}},
	{"VXLAN", func(t *testing.T, f []byte) []byte {
		return overUDP(t, portVXLAN, append([]byte{0x08, 0, 0, 0, 0, 0x12, 0x34, 0}, f...))
	}},
	{"Geneve", func(t *testing.T, f []byte) []byte {
		// One option of 4 bytes (length 1), protocol type transparent Ethernet bridging.
		hdr := []byte{0x01, 0, 0x65, 0x58, 0, 0, 0x2a, 0, 0x01, 0x02, 0x03, 0x00}
		return overUDP(t, portGeneve, append(hdr, f...))
	}},
	{"GRE with IP, key and checksum", func(t *testing.T, f []byte) []byte {
		return overIPv4(t, 47, gre(0xa000, uint16(layers.EthernetTypeIPv4), []byte{0, 0, 0, 0, 0, 0, 0, 42}, ipOf(f)))
	}},
	{"GRE over IPv6", func(t *testing.T, f []byte) []byte {
		return overIPv6(t, 47, gre(0, uint16(layers.EthernetTypeIPv4), nil, ipOf(f)))
	}},
	{"IP in IP", func(t *testing.T, f []byte) []byte { return overIPv4(t, 4, ipOf(f)) }},
	{"MPLS", func(t *testing.T, f []byte) []byte {
		return etherOf(etherMPLS, append([]byte{0x00, 0x01, 0x00, 0x40, 0x00, 0x02, 0x01, 0x40}, ipOf(f)...)) // two labels
	}},
	{"MPLS Ethernet pseudowire", func(t *testing.T, f []byte) []byte {
		return etherOf(etherMPLS, append([]byte{0x00, 0x03, 0x01, 0x40, 0, 0, 0, 0}, f...)) // label, control word
	}},
	{"PPPoE", func(t *testing.T, f []byte) []byte {
		ip := ipOf(f)
		hdr := []byte{0x11, 0x00, 0x00, 0x2a, 0, 0, 0x00, 0x21}
		binary.BigEndian.PutUint16(hdr[4:6], uint16(len(ip)+2))
		return etherOf(etherPPPoESession, append(hdr, ip...))
	}},
}

// ipOf is the IP packet of a recorded Ethernet frame.
func ipOf(f []byte) []byte { return f[14:] }

func etherOf(typ uint16, payload []byte) []byte {
	b := append(append(append([]byte{}, macB...), macA...), byte(typ>>8), byte(typ))
	return append(b, payload...)
}

// gre builds a GRE header with the flags given and the optional fields they call for.
func gre(flags, proto uint16, fields, payload []byte) []byte {
	b := []byte{byte(flags >> 8), byte(flags), byte(proto >> 8), byte(proto)}
	return append(append(b, fields...), payload...)
}

func overIPv4(t *testing.T, proto layers.IPProtocol, payload []byte) []byte {
	h := make([]byte, 20, 20+len(payload))
	h[0], h[8], h[9] = 0x45, 64, byte(proto)
	binary.BigEndian.PutUint16(h[2:4], uint16(20+len(payload)))
	copy(h[12:16], mirrorSrc)
	copy(h[16:20], mirrorDst)
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	binary.BigEndian.PutUint16(h[10:12], ^uint16(sum))
	return etherOf(uint16(layers.EthernetTypeIPv4), append(h, payload...))
}

func overIPv6(t *testing.T, next layers.IPProtocol, payload []byte) []byte {
	h := make([]byte, 40, 40+len(payload))
	h[0], h[6], h[7] = 0x60, byte(next), 64
	binary.BigEndian.PutUint16(h[4:6], uint16(len(payload)))
	copy(h[8:24], net.ParseIP("2001:db8::100"))
	copy(h[24:40], net.ParseIP("2001:db8::200"))
	return etherOf(uint16(layers.EthernetTypeIPv6), append(h, payload...))
}

func overUDP(t *testing.T, port uint16, payload []byte) []byte {
	udp := make([]byte, 8, 8+len(payload))
	binary.BigEndian.PutUint16(udp[0:2], 49152)
	binary.BigEndian.PutUint16(udp[2:4], port)
	binary.BigEndian.PutUint16(udp[4:6], uint16(8+len(payload)))
	return overIPv4(t, layers.IPProtocolUDP, append(udp, payload...))
}

// writeWrapped writes the frames, each wrapped, as an Ethernet capture.
func writeWrapped(t *testing.T, path string, frames []decodetest.Frame, wrap func(*testing.T, []byte) []byte) {
	t.Helper()
	out := make([]decodetest.Frame, len(frames))
	for i, fr := range frames {
		out[i] = decodetest.Frame{CI: fr.CI, Data: wrap(t, fr.Data)}
	}
	decodetest.WriteFrames(t, path, layers.LinkTypeEthernet, 65535, false, out)
}

// messagesOf lists what the Decoder reads from a capture, a line per message.
func messagesOf(t *testing.T, path string) string {
	t.Helper()
	r, err := decode.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var b strings.Builder
	for r.Next() {
		m := r.Message()
		fmt.Fprintf(&b, "frame %d %s %s -> %s encap=%v", m.Frame, m.Kind, m.Src, m.Dst, m.Encap)
		if x := m.ISAKMP; x != nil {
			fmt.Fprintf(&b, " %x/%x %v mid %d, %d payloads: %s", x.InitiatorSPI, x.ResponderSPI, x.ExchangeType, x.MessageID, len(x.Payloads), x.PayloadSummary())
		}
		if m.Kind == decode.KindESP || m.Kind == decode.KindAH {
			fmt.Fprintf(&b, " spi %08x seq %d len %d", m.ESP.SPI, m.ESP.Seq, m.ESP.Len)
		}
		if fs := m.Fragments; fs != nil {
			fmt.Fprintf(&b, " fragments %+v", *fs)
		}
		b.WriteByte('\n')
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	st := r.Stats()
	fmt.Fprintf(&b, "isakmp %d esp %d ah %d fragments %d reassembled %d\n", st.ISAKMP, st.ESP, st.AH, st.Fragments, st.Reassembled)
	return b.String()
}

package ikecrypt

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/ikescope/ikescope/decode"
)

// espFrame is what Open set for one ESP packet of a capture.
type espFrame struct {
	frame    int
	spi      uint32
	src, dst netip.Addr // outer
	inner    *decode.Inner
}

// openESPCapture feeds a capture to a Decrypter with keys and returns every ESP packet,
// with a copy of its Inner (nil when no key covered it).
func openESPCapture(t testing.TB, path string, keys *Keys) []espFrame {
	t.Helper()
	r, err := decode.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	d := NewDecrypter(keys)
	var out []espFrame
	for r.Next() {
		m := r.Message()
		d.Open(m)
		if m.Kind != decode.KindESP {
			continue
		}
		f := espFrame{frame: m.Frame, spi: m.ESP.SPI, src: m.Src.Addr(), dst: m.Dst.Addr()}
		if m.Inner != nil {
			c := *m.Inner
			f.inner = &c
		}
		out = append(out, f)
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func parseKeysText(t testing.TB, name, text string) *Keys {
	t.Helper()
	k, err := ParseKeys(name, strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// innerLine prints an inner packet as tcpdump's esp1.out does after the ESP header.
func innerLine(in *decode.Inner) string {
	if in == nil {
		return "<no keys>"
	}
	if in.Err != nil {
		return "error: " + in.Err.Error()
	}
	s := fmt.Sprintf("%s > %s proto %d", in.Src, in.Dst, in.Proto)
	switch in.Proto {
	case 1:
		s += fmt.Sprintf(" type %d id %d seq %d", in.ICMPType, in.ICMPID, in.ICMPSeq)
	case 6, 17:
		s += fmt.Sprintf(" ports %d > %d", in.SrcPort, in.DstPort)
	}
	return s
}

// tcpdump's esp1.out (02-sunrise-sunset-esp.pcap with the secret of TESTS.txt's esp1):
// "IP 192.0.2.1 > 192.0.1.1: ICMP echo request, id 28416, seq 1280, length 64" in
// frame 1, seq going up by 256 each frame.
func checkSunrise(t *testing.T, got []espFrame, n int, wantSPI uint32, wantProto uint8) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("%d ESP packets, want %d", len(got), n)
	}
	for i, f := range got {
		in := f.inner
		if in == nil || in.Err != nil {
			t.Fatalf("frame %d: %s", f.frame, innerLine(in))
		}
		if f.spi != wantSPI || in.Integrity != "not checked" || !in.Tunnel || in.NextHeader != 4 {
			t.Errorf("frame %d: spi %08x integrity %q tunnel %v next %d", f.frame, f.spi, in.Integrity, in.Tunnel, in.NextHeader)
		}
		switch wantProto {
		case 1:
			want := fmt.Sprintf("192.0.2.1 > 192.0.1.1 proto 1 type 8 id 28416 seq %d", 1280+256*i)
			if got := innerLine(in); got != want || in.Len != 84 || in.TTL == 0 {
				t.Errorf("frame %d: %s (len %d ttl %d), want %s (len 84)", f.frame, got, in.Len, in.TTL, want)
			}
		case 50:
			// esp2.out: the inner packet is itself ESP: "IP 192.1.2.23 > 192.0.1.1: ESP(spi=0xabcdabcd,...)".
			if in.Src != netip.MustParseAddr("192.1.2.23") || in.Dst != netip.MustParseAddr("192.0.1.1") || in.Proto != 50 {
				t.Errorf("frame %d: %s, want 192.1.2.23 > 192.0.1.1 proto 50", f.frame, innerLine(in))
			}
		}
	}
}

func TestESPTcpdumpCorpus(t *testing.T) {
	const esp1 = "0x12345678@192.1.2.45 3des-cbc-hmac96:0x4043434545464649494a4a4c4c4f4f515152525454575758"
	t.Run("esp1", func(t *testing.T) {
		keys := parseKeysText(t, "esp1", esp1)
		checkSunrise(t, openESPCapture(t, corpusFile(t, "tcpdump/tests/02-sunrise-sunset-esp.pcap"), keys), 8, 0x12345678, 1)
	})
	t.Run("esp3 without SPI@address", func(t *testing.T) {
		keys := parseKeysText(t, "esp3", "3des-cbc-hmac96:0x4043434545464649494a4a4c4c4f4f515152525454575758")
		if len(keys.ESP) != 1 || !keys.ESP[0].AnySPI {
			t.Fatalf("keys %+v", keys.ESP)
		}
		checkSunrise(t, openESPCapture(t, corpusFile(t, "tcpdump/tests/02-sunrise-sunset-esp.pcap"), keys), 8, 0x12345678, 1)
	})
	t.Run("esp2 comma separated", func(t *testing.T) {
		keys := parseKeysText(t, "esp2", "0x12345678@192.1.2.45 3des-cbc-hmac96:0x43434545464649494a4a4c4c4f4f51515252545457575840,0xabcdabcd@192.0.1.1 3des-cbc-hmac96:0x434545464649494a4a4c4c4f4f5151525254545757584043")
		checkSunrise(t, openESPCapture(t, corpusFile(t, "tcpdump/tests/08-sunrise-sunset-esp2.pcap"), keys), 8, 0x12345678, 50)
	})
	secrets := corpusFile(t, "tcpdump/tests/esp-secrets.txt")
	t.Run("esp4 esp-secrets.txt", func(t *testing.T) {
		keys := loadKeys(t, secrets)
		if len(keys.ESP) != 3 {
			t.Fatalf("%d ESP keys, want 3", len(keys.ESP))
		}
		checkSunrise(t, openESPCapture(t, corpusFile(t, "tcpdump/tests/08-sunrise-sunset-esp2.pcap"), keys), 8, 0x12345678, 50)
	})
	t.Run("esp5 AES-256", func(t *testing.T) {
		keys := loadKeys(t, secrets)
		checkSunrise(t, openESPCapture(t, corpusFile(t, "tcpdump/tests/08-sunrise-sunset-aes.pcap"), keys), 8, 0xd1234567, 1)
	})
	t.Run("espudp1 wrong key", func(t *testing.T) {
		// esp-secrets.txt's key for 0x12345678@192.1.2.45 is esp2's, not the one this
		// capture was made with: tcpdump prints garbage ("ip-proto-227"). Without an
		// integrity key only the trailer can tell.
		got := openESPCapture(t, corpusFile(t, "tcpdump/tests/espudp1.pcap"), loadKeys(t, secrets))
		if len(got) == 0 {
			t.Fatal("no ESP packets")
		}
		trailer := 0
		for _, f := range got {
			if f.inner == nil {
				t.Fatalf("frame %d: no keys tried", f.frame)
			}
			if errors.Is(f.inner.Err, decode.ErrESPTrailer) {
				trailer++
			}
			t.Logf("frame %d: %s", f.frame, innerLine(f.inner))
		}
		// 7 of the 8 packets show the wrong key in their trailer. Frame 7's random
		// plaintext happens to end in a pad length that fits and next header 72 (an
		// assigned protocol number): without an ICV to check, a wrong key passes the
		// trailer check now and then, and the packet shows as transport-mode garbage.
		if len(got) != 8 || trailer != 7 || got[6].inner.Err != nil || got[6].inner.NextHeader != 72 || got[6].inner.Integrity != "not checked" {
			t.Errorf("%d of %d packets with a trailer error; frame 7: %+v", trailer, len(got), got[6].inner)
		}
	})
}

// espPlaintext opens one ESP packet with the first key set that verifies and returns the
// inner packet's bytes: what the Decrypter summarises and does not keep.
func espPlaintext(t testing.TB, keys *Keys, m *decode.Message) []byte {
	t.Helper()
	st := newESPState(keys.ESP)
	for _, sa := range st.bySPI[m.ESP.SPI] {
		if pay, _, ver, _, err := sa.open(m.ESP.Raw, nil); err == nil && ver {
			return append([]byte(nil), pay...)
		}
	}
	return nil
}

// Wireshark's test_ipsec_esp (bug 12671): AES-CBC with HMAC-SHA-1-96, the SAs of
// test/config/esp_sa.tmpl; tshark finds data 08090a0b0c0d0e0f1011121314151617 (an ICMP
// echo's payload) in the decrypted packets.
func TestESPWiresharkBug12671(t *testing.T) {
	keys := loadKeys(t, corpusFile(t, "wireshark/test/config/esp_sa.tmpl"))
	if len(keys.ESP) != 2 || keys.ESP[0].SPI != 0x070883c2 || keys.ESP[0].Integ.ID != IntegHMACSHA196 || keys.ESP[0].Encr != (Encr{EncrAESCBC, 128}) {
		t.Fatalf("keys: %+v", keys.ESP)
	}
	r, err := decode.Open(corpusFile(t, "wireshark/test/captures/esp-bug-12671.pcapng.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	d := NewDecrypter(keys)
	want, _ := hexDecode("08090a0b0c0d0e0f1011121314151617")
	n, found := 0, 0
	for r.Next() {
		m := r.Message()
		d.Open(m)
		if m.Kind != decode.KindESP {
			continue
		}
		n++
		if m.Inner == nil || m.Inner.Err != nil || m.Inner.Integrity != "verified" {
			t.Fatalf("frame %d: %+v", m.Frame, m.Inner)
		}
		if m.Inner.Proto != 1 && m.Inner.Proto != 58 {
			t.Errorf("frame %d: inner protocol %d, want ICMP", m.Frame, m.Inner.Proto)
		}
		if strings.Contains(string(espPlaintext(t, keys, m)), string(want)) {
			found++
		}
	}
	if n == 0 || found == 0 {
		t.Fatalf("%d ESP packets, %d with the expected data", n, found)
	}
}

func hexDecode(s string) ([]byte, error) { return parseHex(s) }

// esp2.out's second layer: the packet inside 0x12345678 is ESP 0xabcdabcd to
// 192.0.1.1, and the second secret opens it: "IP 192.0.2.1 > 192.0.1.1: ICMP echo
// request, id 28416, seq 1280".
func TestESPTcpdumpNested(t *testing.T) {
	keys := loadKeys(t, corpusFile(t, "tcpdump/tests/esp-secrets.txt"))
	r, err := decode.Open(corpusFile(t, "tcpdump/tests/08-sunrise-sunset-esp2.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	st := newESPState(keys.ESP)
	d := NewDecrypter(keys)
	n := 0
	for r.Next() {
		m := r.Message()
		if m.Kind != decode.KindESP {
			continue
		}
		pay, next, _, _, err := st.bySPI[0x12345678][0].open(m.ESP.Raw, nil)
		if err != nil || next != 4 || len(pay) < 28 || pay[9] != 50 {
			t.Fatalf("frame %d: outer: next %d err %v", m.Frame, next, err)
		}
		inner := &decode.Message{Kind: decode.KindESP, Src: netip.AddrPortFrom(netip.AddrFrom4([4]byte(pay[12:16])), 0),
			Dst: netip.AddrPortFrom(netip.AddrFrom4([4]byte(pay[16:20])), 0),
			ESP: decode.ESPHeader{SPI: 0xabcdabcd, Raw: pay[20:]}}
		d.Open(inner)
		want := fmt.Sprintf("192.0.2.1 > 192.0.1.1 proto 1 type 8 id 28416 seq %d", 1280+256*n)
		if got := innerLine(inner.Inner); got != want {
			t.Errorf("frame %d: %s, want %s", m.Frame, got, want)
		}
		n++
	}
	if n != 8 {
		t.Errorf("%d packets, want 8", n)
	}
}

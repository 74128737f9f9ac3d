package decode

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/ikescope/ikescope/internal/decodetest"
)

// ahBytes builds an Authentication Header: payload length in 32-bit words minus 2
// (RFC 4302 2.2), then the ICV.
func ahBytes(next, payloadLen uint8, spi, seq uint32, icv []byte) []byte {
	b := make([]byte, AHHeaderLen, AHHeaderLen+len(icv))
	b[0], b[1] = next, payloadLen
	binary.BigEndian.PutUint32(b[4:], spi)
	binary.BigEndian.PutUint32(b[8:], seq)
	return append(b, icv...)
}

// describeAH writes a message as TestAHPackets compares it; errors are checked apart.
func describeAH(m *Message) string {
	s := fmt.Sprintf("frame %d %s %s > %s", m.Frame, m.Kind, m.Src, m.Dst)
	switch m.Kind {
	case KindAH, KindESP:
		s += fmt.Sprintf(" spi=0x%08x seq=%d len=%d", m.ESP.SPI, m.ESP.Seq, m.ESP.Len)
	case KindISAKMP:
		s += " " + m.ISAKMP.ExchangeType.String()
	}
	if m.Truncated {
		s += " truncated"
	}
	if m.Fragments != nil {
		s += fmt.Sprintf(" fragments=%v", m.Fragments.Frames)
	}
	if m.Err != nil {
		s += " error"
	}
	return s
}

// TestAHPackets: hand-built AH packets. An AH yields a KindAH message with its SPI and
// sequence number and the outer addresses; what it protects is read on, so an AH+ESP
// bundle yields the AH and then the ESP, in the same frame. Headers cut by the snap
// length or with a length beyond the packet yield the AH message with a located error.
func TestAHPackets(t *testing.T) {
	icv := bytes.Repeat([]byte{0xa5}, 12) // HMAC-SHA1-96: a 24-byte AH, payload length 4
	esp := mustHex(t, "c0ffee01 0000002a 0102030405060708 1112131415161718")
	echo := mustHex(t, "08000000 12340001 6162636465666768")
	overIPv4 := func(payload []byte) []byte {
		return ether(t, layers.EthernetTypeIPv4, serialize(t, ip4(layers.IPProtocolAH), gopacket.Payload(payload)))
	}
	ahESP := append(ahBytes(50, 4, 0x1000, 7, icv), esp...)
	ahEcho := append(ahBytes(1, 4, 0x2000, 1, icv), echo...)
	// Tunnel mode: an IPv4 packet carrying an ICMP echo.
	inner := serialize(t, &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolICMPv4, SrcIP: []byte{10, 0, 0, 1}, DstIP: []byte{10, 0, 0, 2}}, gopacket.Payload(echo))
	ahTunnel := append(ahBytes(4, 4, 0x3000, 9, icv), inner...)
	ahIKE := append(ahBytes(17, 4, 0x4000, 3, icv), udpIKE(t, 500, 500, mustHex(t, hexMainMode1))...)
	ahAH := append(ahBytes(51, 4, 0x5000, 1, icv), ahEcho...)

	// IPv6: a destination options header (six bytes of PadN) before the AH, as RFC 8200
	// 4.1 orders them, then ESP.
	destOpts := []byte{51, 0, 1, 4, 0, 0, 0, 0}
	ip6 := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolIPv6Destination, SrcIP: addrA6, DstIP: addrB6}
	v6 := ether(t, layers.EthernetTypeIPv6, serialize(t, ip6, gopacket.Payload(append(destOpts, ahESP...))))

	// An AH+ESP packet in two IPv4 fragments, cut inside the AH's ICV.
	frag1, frag2 := fragmentIPv4(t, layers.IPProtocolAH, ahESP, 16)

	full := overIPv4(ahESP)
	const ipEnd = 14 + 20 // Ethernet and IPv4 headers
	tests := []struct {
		name    string
		frames  []frame
		want    []string
		wantErr error // what the AH message's error wraps
		raw     []byte
		stats   Stats // the counters compared: AH, ESP, ISAKMP, Other, LinkErrors
	}{
		{
			name:   "AH over ICMP",
			frames: []frame{{data: overIPv4(ahEcho)}},
			want:   []string{"frame 1 ah 192.0.2.1:0 > 198.51.100.2:0 spi=0x00002000 seq=1 len=16"},
			raw:    ahEcho,
			stats:  Stats{AH: 1, Other: 1}, // the echo request is not IKE or ESP
		},
		{
			name:   "AH over ESP",
			frames: []frame{{data: full}},
			want: []string{
				"frame 1 ah 192.0.2.1:0 > 198.51.100.2:0 spi=0x00001000 seq=7 len=24",
				"frame 1 esp 192.0.2.1:0 > 198.51.100.2:0 spi=0xc0ffee01 seq=42 len=16",
			},
			raw:   ahESP,
			stats: Stats{AH: 1, ESP: 1},
		},
		{
			name:   "AH over ESP, IPv6 behind a destination options header",
			frames: []frame{{data: v6}},
			want: []string{
				"frame 1 ah [2001:db8::1]:0 > [2001:db8::2]:0 spi=0x00001000 seq=7 len=24",
				"frame 1 esp [2001:db8::1]:0 > [2001:db8::2]:0 spi=0xc0ffee01 seq=42 len=16",
			},
			raw:   ahESP,
			stats: Stats{AH: 1, ESP: 1},
		},
		{
			name:   "AH over UDP 500: the IKE message it protects is read on",
			frames: []frame{{data: overIPv4(ahIKE)}},
			want: []string{
				"frame 1 ah 192.0.2.1:0 > 198.51.100.2:0 spi=0x00004000 seq=3 len=" + strconv.Itoa(len(ahIKE)-24),
				"frame 1 isakmp 192.0.2.1:500 > 198.51.100.2:500 Main Mode",
			},
			stats: Stats{AH: 1, ISAKMP: 1},
		},
		{
			name:   "AH in tunnel mode (IP in IP)",
			frames: []frame{{data: overIPv4(ahTunnel)}},
			want:   []string{"frame 1 ah 192.0.2.1:0 > 198.51.100.2:0 spi=0x00003000 seq=9 len=" + strconv.Itoa(len(inner))},
			stats:  Stats{AH: 1, Other: 1},
		},
		{
			name:   "AH behind an AH is not read",
			frames: []frame{{data: overIPv4(ahAH)}},
			want:   []string{"frame 1 ah 192.0.2.1:0 > 198.51.100.2:0 spi=0x00005000 seq=1 len=" + strconv.Itoa(len(ahEcho))},
			stats:  Stats{AH: 1, Other: 1},
		},
		{
			name: "AH and ESP reassembled from IP fragments",
			frames: []frame{
				{data: ether(t, layers.EthernetTypeIPv4, frag1)},
				{data: ether(t, layers.EthernetTypeIPv4, frag2)},
			},
			want: []string{
				"frame 2 ah 192.0.2.1:0 > 198.51.100.2:0 spi=0x00001000 seq=7 len=24 fragments=[1 2]",
				"frame 2 esp 192.0.2.1:0 > 198.51.100.2:0 spi=0xc0ffee01 seq=42 len=16 fragments=[1 2]",
			},
			stats: Stats{AH: 1, ESP: 1},
		},
		{
			name:    "AH header cut by the snap length",
			frames:  []frame{{data: full[:ipEnd+6], orig: len(full)}},
			want:    []string{"frame 1 ah 192.0.2.1:0 > 198.51.100.2:0 spi=0x00000000 seq=0 len=0 truncated error"},
			wantErr: ErrTruncated,
			raw:     ahESP[:6],
			stats:   Stats{AH: 1},
		},
		{
			name:    "AH ICV cut by the snap length: no ESP message",
			frames:  []frame{{data: full[:ipEnd+16], orig: len(full)}},
			want:    []string{"frame 1 ah 192.0.2.1:0 > 198.51.100.2:0 spi=0x00001000 seq=7 len=0 truncated error"},
			wantErr: ErrTruncated,
			raw:     ahESP[:16],
			stats:   Stats{AH: 1},
		},
		{
			name:    "AH header short in a whole packet",
			frames:  []frame{{data: overIPv4(ahESP[:8])}},
			want:    []string{"frame 1 ah 192.0.2.1:0 > 198.51.100.2:0 spi=0x00000000 seq=0 len=0 error"},
			wantErr: errShort,
			stats:   Stats{AH: 1},
		},
		{
			// The length field says 4*(10+2) = 48 bytes; the whole packet holds 24.
			name:    "AH length runs past the packet",
			frames:  []frame{{data: overIPv4(ahBytes(50, 10, 0x1000, 7, icv))}},
			want:    []string{"frame 1 ah 192.0.2.1:0 > 198.51.100.2:0 spi=0x00001000 seq=7 len=0 error"},
			wantErr: errLengthLong,
			stats:   Stats{AH: 1},
		},
		{
			// 4*(0+2) = 8 bytes: less than the fixed header.
			name:    "AH length smaller than the header",
			frames:  []frame{{data: overIPv4(append(ahBytes(50, 0, 0x1000, 7, nil), esp...))}},
			want:    []string{"frame 1 ah 192.0.2.1:0 > 198.51.100.2:0 spi=0x00001000 seq=7 len=0 error"},
			wantErr: errLengthShort,
			stats:   Stats{AH: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs, r := readAll(t, writePcap(t, binary.LittleEndian, false, layers.LinkTypeEthernet, 0, tt.frames))
			if r.Err() != nil {
				t.Fatal(r.Err())
			}
			if len(msgs) == 0 || msgs[0].Kind != KindAH {
				t.Fatalf("messages %+v, want an AH first", msgs)
			}
			ah := &msgs[0]
			var fe *FieldError
			switch {
			case tt.wantErr == nil && ah.Err != nil:
				t.Errorf("error %v, want none", ah.Err)
			case tt.wantErr != nil && !errors.Is(ah.Err, tt.wantErr):
				t.Errorf("error %v, want one wrapping %q", ah.Err, tt.wantErr)
			case ah.Err != nil && !errors.As(ah.Err, &fe):
				t.Errorf("error %v does not say where it is (no FieldError)", ah.Err)
			}
			var got []string
			for i := range msgs {
				m := &msgs[i]
				got = append(got, describeAH(m))
				// Every message of a frame carries its time; the last frame's here.
				if want := time.Unix(int64(1700000000+m.Frame-1), 250000000); !m.Time.Equal(want) {
					t.Errorf("message %d time %v, want %v", i, m.Time, want)
				}
			}
			if g, w := strings.Join(got, "\n"), strings.Join(tt.want, "\n"); g != w {
				t.Errorf("messages:\n%s\nwant:\n%s", g, w)
			}
			if tt.raw != nil && !bytes.Equal(ah.ESP.Raw, tt.raw) {
				t.Errorf("AH Raw % x, want % x", ah.ESP.Raw, tt.raw)
			}
			if len(msgs) > 1 && msgs[1].Kind == KindESP && !bytes.Equal(msgs[1].ESP.Raw, esp) {
				t.Errorf("ESP Raw % x, want % x", msgs[1].ESP.Raw, esp)
			}
			st := r.Stats()
			if g := (Stats{AH: st.AH, ESP: st.ESP, ISAKMP: st.ISAKMP, Other: st.Other, LinkErrors: st.LinkErrors}); g != tt.stats {
				t.Errorf("stats AH %d ESP %d ISAKMP %d Other %d LinkErrors %d, want %d %d %d %d %d",
					g.AH, g.ESP, g.ISAKMP, g.Other, g.LinkErrors, tt.stats.AH, tt.stats.ESP, tt.stats.ISAKMP, tt.stats.Other, tt.stats.LinkErrors)
			}
		})
	}
}

// TestAHRecycleWaitsForTheFrame: a frame yields an AH and the IKE message it protects.
// A caller that calls Recycle after the AH (it keeps nothing of it) and keeps the IKE
// message must find that message whole after the next frame is decoded: Recycle waits
// until the frame's messages have all been returned.
func TestAHRecycleWaitsForTheFrame(t *testing.T) {
	icv := bytes.Repeat([]byte{0xa5}, 12)
	ike := mustHex(t, hexMainMode1)
	other := append([]byte(nil), ike...)
	copy(other, "otherspi") // another initiator SPI
	ikeFrame := func(body []byte) frame {
		return frame{data: ether(t, layers.EthernetTypeIPv4, serialize(t, ip4(layers.IPProtocolUDP), gopacket.Payload(udpIKE(t, 500, 500, body))))}
	}
	ahIKE := append(ahBytes(17, 4, 0x4000, 3, icv), udpIKE(t, 500, 500, ike)...)
	frames := []frame{
		ikeFrame(ike), // once recycled, the decoder's structures come from blocks it reuses
		{data: ether(t, layers.EthernetTypeIPv4, serialize(t, ip4(layers.IPProtocolAH), gopacket.Payload(ahIKE)))},
		ikeFrame(other),
	}
	r, err := NewReader("test.pcap", bytes.NewReader(writePcap(t, binary.LittleEndian, false, layers.LinkTypeEthernet, 0, frames)), nil)
	if err != nil {
		t.Fatal(err)
	}
	var kept *ISAKMP
	var want string
	for r.Next() {
		m := r.Message()
		if m.Frame == 2 && m.Kind == KindISAKMP {
			kept = m.ISAKMP // kept: no Recycle after it
			want = fmt.Sprintf("SPI %x, %s", kept.InitiatorSPI, kept.PayloadSummary())
			continue
		}
		r.Recycle()
	}
	if kept == nil {
		t.Fatal("no IKE message in frame 2")
	}
	if got := fmt.Sprintf("SPI %x, %s", kept.InitiatorSPI, kept.PayloadSummary()); got != want {
		t.Errorf("the IKE message kept from frame 2 was overwritten by frame 3: %s, was %s", got, want)
	}
}

// TestAHMatchesTshark decodes the corpus's AH captures and compares every AH message,
// and the ESP message after it, field by field with tshark: Arkime's AH+ESP bundle
// (IPv4, tunnel mode inside the ESP) and nDPI's AH over ICMP after an IKEv2 exchange.
// Every frame where tshark shows an AH must yield one KindAH message (first), followed by
// a KindESP one exactly when the AH's next header is ESP; frames without AH yield none.
func TestAHMatchesTshark(t *testing.T) {
	corpus := decodetest.RequireCorpus(t)
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		decodetest.SkipOrFail(t, "tshark is not installed: run `make test` or `apt-get install tshark`")
	}
	conf := t.TempDir() // an empty Wireshark configuration: no ESP keys, default preferences
	for _, tc := range []struct {
		capture string
		ah, esp int // the AH frames, and among them those carrying ESP
	}{
		{"arkime/tests/pcap/ah-esp.pcap", 10, 10},
		{"nDPI/tests/cfgs/default/pcap/ah.pcapng", 2, 0},
	} {
		t.Run(tc.capture, func(t *testing.T) {
			path := filepath.Join(corpus, filepath.FromSlash(tc.capture))
			want := tsharkAH(t, tshark, conf, path)
			r, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			byFrame := map[int][]Message{}
			for r.Next() {
				m := *r.Message()
				byFrame[m.Frame] = append(byFrame[m.Frame], m)
			}
			if r.Err() != nil {
				t.Fatal(r.Err())
			}
			var nAH, nESP int
			for n, w := range want {
				msgs := byFrame[n]
				var ah []Message
				for _, m := range msgs {
					if m.Kind == KindAH {
						ah = append(ah, m)
					}
				}
				if w["ah.spi"] == "" {
					if len(ah) > 0 {
						t.Errorf("frame %d: tshark shows no AH, ikescope %s", n, describeAH(&ah[0]))
					}
					continue
				}
				nAH++
				if len(ah) != 1 || msgs[0].Kind != KindAH {
					t.Errorf("frame %d: tshark shows an AH, ikescope %d AH messages in %d", n, len(ah), len(msgs))
					continue
				}
				m := &msgs[0]
				ahLen, _ := strconv.Atoi(w["ah.length"])
				ipLen, _ := strconv.Atoi(w["ip.len"])
				hdrLen, _ := strconv.Atoi(w["ip.hdr_len"])
				if w["ip.len"] == "" {
					t.Fatalf("frame %d: tshark shows no IPv4 header; the test reads lengths from it", n)
				}
				after := ipLen - hdrLen - (ahLen+2)*4 // the bytes after the AH header
				compareAHField(t, n, "time", w["frame.time_epoch"], fmt.Sprintf("%d.%09d", m.Time.Unix(), m.Time.Nanosecond()))
				compareAHField(t, n, "src", w["ip.src"]+":0", m.Src.String())
				compareAHField(t, n, "dst", w["ip.dst"]+":0", m.Dst.String())
				compareAHField(t, n, "ah.spi", w["ah.spi"], fmt.Sprintf("0x%08x", m.ESP.SPI))
				compareAHField(t, n, "ah.sequence", w["ah.sequence"], strconv.FormatUint(uint64(m.ESP.Seq), 10))
				compareAHField(t, n, "bytes after the AH", strconv.Itoa(after), strconv.Itoa(m.ESP.Len))
				compareAHField(t, n, "truncated", strconv.FormatBool(w["frame.len"] != w["frame.cap_len"]), strconv.FormatBool(m.Truncated))
				if m.Err != nil {
					t.Errorf("frame %d: AH error %v", n, m.Err)
				}
				if w["ah.next_header"] != "50" {
					if len(msgs) != 1 {
						t.Errorf("frame %d: AH over protocol %s, ikescope %d messages, want the AH alone", n, w["ah.next_header"], len(msgs))
					}
					continue
				}
				nESP++
				if len(msgs) != 2 || msgs[1].Kind != KindESP {
					t.Errorf("frame %d: AH over ESP, ikescope %d messages, want AH then ESP", n, len(msgs))
					continue
				}
				e := &msgs[1]
				compareAHField(t, n, "esp time", w["frame.time_epoch"], fmt.Sprintf("%d.%09d", e.Time.Unix(), e.Time.Nanosecond()))
				compareAHField(t, n, "esp src", m.Src.String(), e.Src.String())
				compareAHField(t, n, "esp dst", m.Dst.String(), e.Dst.String())
				compareAHField(t, n, "esp.spi", w["esp.spi"], fmt.Sprintf("0x%08x", e.ESP.SPI))
				compareAHField(t, n, "esp.sequence", w["esp.sequence"], strconv.FormatUint(uint64(e.ESP.Seq), 10))
				compareAHField(t, n, "esp length", strconv.Itoa(after-ESPHeaderLen), strconv.Itoa(e.ESP.Len))
			}
			for n, msgs := range byFrame {
				if _, ok := want[n]; !ok {
					t.Errorf("frame %d: ikescope %s, tshark printed no such frame", n, describeAH(&msgs[0]))
				}
			}
			if nAH != tc.ah || nESP != tc.esp {
				t.Errorf("tshark shows %d AH frames, %d of them with ESP; want %d and %d", nAH, nESP, tc.ah, tc.esp)
			}
			if st := r.Stats(); st.AH != tc.ah {
				t.Errorf("Stats.AH %d, want %d", st.AH, tc.ah)
			}
		})
	}
}

func compareAHField(t *testing.T, frame int, field, tshark, ikescope string) {
	t.Helper()
	if tshark != ikescope {
		t.Errorf("frame %d %s: tshark %q, ikescope %q", frame, field, tshark, ikescope)
	}
}

// tsharkAHFields are the fields TestAHMatchesTshark reads, each its first occurrence
// (the outer IP header's).
var tsharkAHFields = []string{"frame.number", "frame.time_epoch", "frame.len", "frame.cap_len", "ip.src", "ip.dst",
	"ip.len", "ip.hdr_len", "ah.next_header", "ah.length", "ah.spi", "ah.sequence", "esp.spi", "esp.sequence"}

// tsharkAH dissects a capture with tshark and returns every frame's AH fields by number.
func tsharkAH(t *testing.T, tshark, conf, path string) map[int]map[string]string {
	t.Helper()
	args := []string{"-r", path, "-n", "-T", "fields", "-E", "separator=/t", "-E", "occurrence=f"}
	for _, f := range tsharkAHFields {
		args = append(args, "-e", f)
	}
	stdout, err := decodetest.TsharkOutput(tshark, conf, path, args)
	if err != nil {
		t.Fatal(err)
	}
	frames := map[int]map[string]string{}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != len(tsharkAHFields) {
			t.Fatalf("tshark printed %d columns for %d fields: %q", len(cols), len(tsharkAHFields), sc.Text())
		}
		n, err := strconv.Atoi(cols[0])
		if err != nil {
			t.Fatalf("tshark frame number %q: %v", cols[0], err)
		}
		f := map[string]string{}
		for i, v := range cols {
			f[tsharkAHFields[i]] = v
		}
		frames[n] = f
	}
	if len(frames) == 0 {
		t.Fatalf("tshark printed no frame of %s", path)
	}
	return frames
}

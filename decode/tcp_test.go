package decode_test

import (
	"encoding/hex"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/internal/decodetest"
)

// tcpLine says what one message of an IKE-over-TCP capture is, with the connection's
// ends named client and server (their ports change from one recording to the next).
func tcpLine(m *decode.Message, withFrame bool) string {
	var s string
	if withFrame {
		s = fmt.Sprintf("%d ", m.Frame)
	}
	side := func(a porter) string {
		return map[bool]string{true: "client", false: "server"}[a.Port() != decode.TCPPort]
	}
	switch m.Kind {
	case decode.KindStream:
		e := m.Stream
		s += fmt.Sprintf("%s by %s", e.Event, side(e.By))
		switch e.Event {
		case decode.StreamClosed, decode.StreamReset:
			s += fmt.Sprintf(" after %d IKE %d ESP, %d pending", e.Messages, e.ESP, e.Pending)
		case decode.StreamNotIKE, decode.StreamNoPrefix:
			s += fmt.Sprintf(" at %d", e.Offset)
		}
	case decode.KindISAKMP:
		h := m.ISAKMP
		s += fmt.Sprintf("%s>%s %s %d", side(m.Src), side(m.Dst), h.ExchangeType, h.MessageID)
	case decode.KindESP:
		s += fmt.Sprintf("%s>%s esp %08x %d", side(m.Src), side(m.Dst), m.ESP.SPI, m.ESP.Seq)
	default:
		s += m.Kind.String()
	}
	if !m.TCP {
		s += " (not TCP)"
	}
	if m.Err != nil {
		s += " error: " + m.Err.Error()
	}
	return s
}

// porter is a netip.AddrPort, as tcpLine needs it.
type porter interface{ Port() uint16 }

func tcpLines(msgs []decode.Message, withFrame bool) []string {
	var out []string
	for i := range msgs {
		out = append(out, tcpLine(&msgs[i], withFrame))
	}
	return out
}

// The messages of pcaps/ikev2-psk.pcap, which the replays carry over TCP.
var psk = []string{
	"client>server IKE_SA_INIT 0", "server>client IKE_SA_INIT 0",
	"client>server IKE_AUTH 1", "server>client IKE_AUTH 1",
	"client>server esp 66349bb6 1", "server>client esp 7a2e0e9c 1",
	"client>server esp 66349bb6 2", "server>client esp 7a2e0e9c 2",
	"client>server esp 66349bb6 3", "server>client esp 7a2e0e9c 3",
	"client>server esp 66349bb6 4", "server>client esp 7a2e0e9c 4",
	"client>server esp 66349bb6 5", "server>client esp 7a2e0e9c 5",
	"client>server INFORMATIONAL 2", "server>client INFORMATIONAL 2",
}

func withFrames(frames []int, lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = fmt.Sprintf("%d %s", frames[i], l)
	}
	return out
}

// TestTCPCaptures decodes every IKE-over-TCP capture in pcaps/ (see pcaps/README.md) and
// checks each message and stream event, frame by frame.
func TestTCPCaptures(t *testing.T) {
	replayed := append(append([]string{"opened by client"}, psk...),
		"closed by client after 6 IKE 10 ESP, 0 pending", "closed by server after 6 IKE 10 ESP, 0 pending")
	for _, tc := range []struct {
		capture string
		want    []string
		udp     bool // the capture has IKE on UDP too
	}{
		{"ike-tcp-replay", withFrames([]int{4, 6, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25}, replayed), false},
		// Every message spans segments: the IKE_SA_INIT request is in frames 5 to 14.
		{"ike-tcp-split", withFrames([]int{4, 14, 22, 27, 31, 33, 36, 39, 42, 45, 48, 51, 54, 57, 60, 62, 63, 64, 65}, replayed), false},
		{"ike-tcp-reset", []string{
			"4 opened by client",
			"6 client>server IKE_SA_INIT 0",
			"8 server>client IKE_SA_INIT 0",
			"10 client>server IKE_AUTH 1",
			"11 reset by server after 3 IKE 0 ESP, 0 pending",
		}, false},
		{"ike-tcp-no-ike", []string{
			"4 opened by client",
			"6 not-ike by client at 6", // the non-ESP marker's zeros where the length should be
			"8 closed by client after 0 IKE 0 ESP, 0 pending",
			"9 closed by server after 0 IKE 0 ESP, 0 pending",
		}, false},
		// pluto sends the prefix, fails to hand the socket to the kernel (no espintcp)
		// and closes; it tries once more at once.
		{"ikev2-libreswan-tcp", []string{
			"4 opened by client",
			"6 closed by client after 0 IKE 0 ESP, 0 pending",
			"7 closed by server after 0 IKE 0 ESP, 0 pending",
			"12 opened by client",
			"14 closed by client after 0 IKE 0 ESP, 0 pending",
			"15 closed by server after 0 IKE 0 ESP, 0 pending",
		}, false},
		// UDP 500 unanswered (dropped at the responder), then the same on TCP, then UDP
		// again. tcpLine names both ends of UDP 500 "client".
		{"ikev2-libreswan-tcp-fallback", []string{
			"1 client>client IKE_SA_INIT 0 (not TCP)",
			"2 client>client IKE_SA_INIT 0 (not TCP)",
			"3 client>client IKE_SA_INIT 0 (not TCP)",
			"4 client>client IKE_SA_INIT 0 (not TCP)",
			"5 client>client IKE_SA_INIT 0 (not TCP)",
			"6 client>client IKE_SA_INIT 0 (not TCP)",
			"10 opened by client",
			"12 closed by client after 0 IKE 0 ESP, 0 pending",
			"13 closed by server after 0 IKE 0 ESP, 0 pending",
			"15 client>client IKE_SA_INIT 0 (not TCP)",
			"16 client>client IKE_SA_INIT 0 (not TCP)",
		}, true},
	} {
		t.Run(tc.capture, func(t *testing.T) {
			path := filepath.Join(decodetest.RepoRoot(t), "pcaps", tc.capture+".pcap")
			dc := decodeCapture(t, path)
			if dc.Err != nil {
				t.Fatal(dc.Err)
			}
			got := tcpLines(dc.Messages, true)
			if !slices.Equal(got, tc.want) {
				t.Errorf("messages:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if !tc.udp && (dc.Stats.TCP != dc.Stats.Frames || dc.Stats.Other != 0) {
				t.Errorf("stats %+v: every frame is TCP to port 4500", dc.Stats)
			}
			for _, m := range dc.Messages {
				if m.Kind == decode.KindStream && (m.Src.Port() == decode.TCPPort || m.Dst.Port() != decode.TCPPort) {
					t.Errorf("frame %d: stream event from %s to %s, want client to server", m.Frame, m.Src, m.Dst)
				}
			}
		})
	}
}

// TestTCPMessagesMatchTshark: tshark 4.0 has no RFC 8229 dissector, so it cannot read
// the TCP captures; but the replays carry the very messages of pcaps/ikev2-psk.pcap,
// which tshark reads. Every IKE and ESP field ikescope reads from the TCP captures must
// equal tshark's for the same message in the source capture.
func TestTCPMessagesMatchTshark(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		decodetest.SkipOrFail(t, "tshark is not installed: run `make test` or `apt-get install tshark`")
	}
	root := decodetest.RepoRoot(t)
	frames, err := runTshark(tshark, t.TempDir(), filepath.Join(root, "pcaps", "ikev2-psk.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	var numbers []int
	for n, f := range frames {
		if k := f[kindField]; k == "isakmp" || k == "esp" {
			numbers = append(numbers, n)
		}
	}
	sort.Ints(numbers)
	if len(numbers) != len(psk) {
		t.Fatalf("tshark sees %d IKE and ESP frames in ikev2-psk.pcap, want %d", len(numbers), len(psk))
	}
	for _, capture := range []string{"ike-tcp-replay", "ike-tcp-split", "ike-tcp-reset"} {
		t.Run(capture, func(t *testing.T) {
			dc := decodeCapture(t, filepath.Join(root, "pcaps", capture+".pcap"))
			i := 0
			for _, m := range dc.Messages {
				if m.Kind != decode.KindISAKMP && m.Kind != decode.KindESP {
					continue
				}
				g := tsharkFrame{}
				addMessageFields(g, &m)
				w := frames[numbers[i]]
				for _, field := range diffFields(w, g) {
					t.Errorf("frame %d (ikev2-psk.pcap frame %d) %s: tshark %q, ikescope %q", m.Frame, numbers[i], field, w[field], g[field])
				}
				i++
			}
			if i == 0 {
				t.Error("no IKE or ESP message")
			}
		})
	}
}

// TestTCPReassemblyDisorder decodes edited copies of the IKE-over-TCP captures, written
// to a temporary directory: the data segments of each direction reordered, some sent
// twice later (retransmissions), and some split into two overlapping pieces sent last
// piece first. The messages and stream events must be those of the capture as recorded.
func TestTCPReassemblyDisorder(t *testing.T) {
	root := decodetest.RepoRoot(t)
	for _, capture := range []string{"ike-tcp-replay", "ike-tcp-split"} {
		t.Run(capture, func(t *testing.T) {
			path := filepath.Join(root, "pcaps", capture+".pcap")
			want := tcpLines(decodeCapture(t, path).Messages, false)
			edited := filepath.Join(t.TempDir(), capture+"-disordered.pcap")
			n := writeDisordered(t, path, edited)
			if n < 10 {
				t.Fatalf("only %d data segments", n)
			}
			dc := decodeCapture(t, edited)
			// Each direction is a stream of its own: the order between them is what the
			// edit changes.
			got, wantBy := byDirection(tcpLines(dc.Messages, false)), byDirection(want)
			for _, dir := range []string{"client>server", "server>client", "stream"} {
				if !slices.Equal(got[dir], wantBy[dir]) {
					t.Errorf("edited capture, %s:\n%s\nwant:\n%s", dir, strings.Join(got[dir], "\n"), strings.Join(wantBy[dir], "\n"))
				}
			}
		})
	}
}

// byDirection sorts tcpLines into what each side sent and the stream events.
func byDirection(lines []string) map[string][]string {
	out := map[string][]string{}
	for _, l := range lines {
		dir, _, _ := strings.Cut(l, " ")
		if dir != "client>server" && dir != "server>client" {
			dir = "stream"
		}
		out[dir] = append(out[dir], l)
	}
	return out
}

type tcpPacket struct {
	ci   gopacket.CaptureInfo
	data []byte
	eth  layers.Ethernet
	ip   layers.IPv4
	tcp  layers.TCP
}

// writeDisordered writes the edited copy of a capture described at
// TestTCPReassemblyDisorder and returns how many data segments it moved.
func writeDisordered(t *testing.T, in, out string) int {
	t.Helper()
	frames, _ := decodetest.ReadFrames(t, in)
	var pkts []*tcpPacket
	for _, fr := range frames {
		p := &tcpPacket{ci: fr.CI, data: fr.Data}
		parser := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &p.eth, &p.ip, &p.tcp)
		var decoded []gopacket.LayerType
		if err := parser.DecodeLayers(p.data, &decoded); err != nil && len(decoded) < 3 {
			t.Fatalf("frame %d: %v", len(pkts)+1, err)
		}
		pkts = append(pkts, p)
	}
	// Slots of each direction's data segments, in capture order.
	slots := map[uint16][]int{}
	for i, p := range pkts {
		if len(p.tcp.Payload) > 0 {
			slots[uint16(p.tcp.SrcPort)] = append(slots[uint16(p.tcp.SrcPort)], i)
		}
	}
	var edited []*tcpPacket
	moved := 0
	out2 := make([][]*tcpPacket, len(pkts)) // what goes out at each slot
	for i, p := range pkts {
		if len(p.tcp.Payload) == 0 {
			out2[i] = []*tcpPacket{p}
		}
	}
	for _, idx := range slots {
		segs := make([]*tcpPacket, len(idx))
		for k, i := range idx {
			segs[k] = pkts[i]
		}
		// Swap neighbours: 2,1,4,3,...
		order := make([]*tcpPacket, len(segs))
		copy(order, segs)
		for k := 0; k+1 < len(order); k += 2 {
			order[k], order[k+1] = order[k+1], order[k]
			moved += 2
		}
		for k, i := range idx {
			p := order[k]
			switch {
			case k%3 == 2 && len(p.tcp.Payload) >= 6:
				// Two overlapping pieces, the later one first.
				n := len(p.tcp.Payload)
				a, b := p.piece(0, 2*n/3), p.piece(n/3, n)
				out2[i] = append(out2[i], b, a)
			default:
				out2[i] = append(out2[i], p)
			}
			if k%4 == 1 && k+2 < len(idx) {
				// Sent again two segments later.
				out2[idx[k+2]] = append(out2[idx[k+2]], p)
			}
		}
	}
	for _, ps := range out2 {
		edited = append(edited, ps...)
	}
	written := make([]decodetest.Frame, len(edited))
	for i, p := range edited {
		written[i] = decodetest.Frame{CI: p.ci, Data: p.data}
	}
	decodetest.WriteFrames(t, out, layers.LinkTypeEthernet, 65535, false, written)
	return moved
}

// piece is a copy of the segment carrying only payload bytes [from, to).
func (p *tcpPacket) piece(from, to int) *tcpPacket {
	eth, ip, tcp := p.eth, p.ip, p.tcp
	tcp.Seq += uint32(from)
	tcp.SetNetworkLayerForChecksum(&ip)
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, &eth, &ip, &tcp, gopacket.Payload(p.tcp.Payload[from:to])); err != nil {
		panic(err)
	}
	q := &tcpPacket{ci: p.ci, data: buf.Bytes(), eth: eth, ip: ip, tcp: tcp}
	q.tcp.Payload = p.tcp.Payload[from:to]
	return q
}

// tcpFrame builds an Ethernet frame of a TCP segment between 192.0.2.1 (client) and
// 192.0.2.2:4500.
func tcpFrame(t testing.TB, cport uint16, fromClient bool, seq uint32, flags string, payload []byte) []byte {
	ip := layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP,
		SrcIP: net.IP{192, 0, 2, 1}, DstIP: net.IP{192, 0, 2, 2}}
	tcp := layers.TCP{SrcPort: layers.TCPPort(cport), DstPort: decode.TCPPort, Seq: seq, Window: 65535,
		SYN: strings.Contains(flags, "S"), ACK: strings.Contains(flags, "A"), FIN: strings.Contains(flags, "F"),
		RST: strings.Contains(flags, "R")}
	if !fromClient {
		ip.SrcIP, ip.DstIP = ip.DstIP, ip.SrcIP
		tcp.SrcPort, tcp.DstPort = tcp.DstPort, tcp.SrcPort
	}
	tcp.SetNetworkLayerForChecksum(&ip)
	eth := layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, &eth, &ip, &tcp, gopacket.Payload(payload)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestTCPBounds feeds the Decoder streams built to make it hold memory: a connection
// whose first data segment is never captured followed by 16 MiB of data, connections
// that each leave an unfinished 64 KiB frame, and more connections than the Decoder
// follows at once. The heap must stay within a few MiB and the Decoder must go on
// reading IKE over TCP afterwards.
func TestTCPBounds(t *testing.T) {
	if testing.Short() {
		t.Skip("feeds 20 MiB")
	}
	d := decode.NewDecoder()
	frame := 0
	now := time.Unix(1700000000, 0)
	var events []string
	emit := func(m *decode.Message) {
		if m.Kind == decode.KindStream {
			events = append(events, m.Stream.Event.String())
		}
	}
	feed := func(b []byte) {
		frame++
		now = now.Add(time.Millisecond)
		d.Decode(frame, gopacket.CaptureInfo{Timestamp: now, CaptureLength: len(b), Length: len(b)}, layers.LinkTypeEthernet, b, emit)
	}
	open := func(port uint16) {
		feed(tcpFrame(t, port, true, 1000, "S", nil))
		feed(tcpFrame(t, port, false, 5000, "SA", nil))
		feed(tcpFrame(t, port, true, 1001, "A", []byte("IKETCP")))
	}
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := heap()

	// A gap, then 16 MiB.
	open(40000)
	chunk := make([]byte, 1400)
	for i := range chunk {
		chunk[i] = byte(i)
	}
	seq := uint32(1001 + 6 + 100) // 100 bytes never captured
	for n := 0; n < 16<<20; n += len(chunk) {
		feed(tcpFrame(t, 40000, true, seq, "A", chunk))
		seq += uint32(len(chunk))
	}
	if grown := int64(heap()) - int64(before); grown > 8<<20 {
		t.Errorf("heap grew by %d bytes over 16 MiB of a stream with a gap", grown)
	}

	// 2000 connections, each with an unfinished frame of 65535 bytes (4 KiB of it sent).
	part := append([]byte{0xff, 0xff}, make([]byte, 4096)...)
	for i := range 2000 {
		port := uint16(41000 + i)
		open(port)
		feed(tcpFrame(t, port, true, 1007, "A", part))
	}
	if grown := int64(heap()) - int64(before); grown > 32<<20 {
		t.Errorf("heap grew by %d bytes with 2000 connections holding unfinished frames", grown)
	}

	// Still reading: a stream that is not framing is reported.
	open(50000)
	feed(tcpFrame(t, 50000, true, 1007, "A", []byte{0, 3, 1, 2, 3}))
	if len(events) == 0 || events[len(events)-1] != "not-ike" {
		t.Errorf("last event %v, want not-ike", events[max(0, len(events)-3):])
	}
	runtime.KeepAlive(d)
}

// TestTCPOtherPortsFree: TCP that is not on an IKE port costs no allocation, and a port
// given in TCPPorts is read like 4500.
func TestTCPPorts(t *testing.T) {
	frame := tcpFrame(t, 40000, true, 1000, "S", nil)
	// The same segment to port 443.
	other := slices.Clone(frame)
	other[14+20+2], other[14+20+3] = 443>>8, 443&0xff
	d := decode.NewDecoder()
	ci := gopacket.CaptureInfo{Timestamp: time.Unix(1700000000, 0), CaptureLength: len(other), Length: len(other)}
	if allocs := testing.AllocsPerRun(1000, func() { d.Decode(1, ci, layers.LinkTypeEthernet, other, func(*decode.Message) {}) }); allocs != 0 {
		t.Errorf("TCP to port 443: %v allocs per frame", allocs)
	}
	if d.Stats.TCP != 0 || d.Stats.Other == 0 {
		t.Errorf("stats %+v", d.Stats)
	}

	// IKE over TCP on port 10000, configured.
	b := func(fromClient bool, seq uint32, flags string, payload []byte) []byte {
		f := tcpFrame(t, 40000, fromClient, seq, flags, payload)
		off := 14 + 20 + 2 // destination port
		if !fromClient {
			off = 14 + 20
		}
		f[off], f[off+1] = 10000>>8, 10000&0xff
		// The checksum is not checked.
		return f
	}
	for _, ports := range [][]uint16{nil, {10000}} {
		d := decode.NewDecoder()
		d.TCPPorts = ports
		var got []string
		emit := func(m *decode.Message) { got = append(got, tcpLine(m, false)) }
		for i, f := range [][]byte{b(true, 1000, "S", nil), b(false, 5000, "SA", nil), b(true, 1001, "A", []byte("IKETCP")),
			b(true, 1007, "AF", nil)} {
			d.Decode(i+1, gopacket.CaptureInfo{CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet, f, emit)
		}
		d.Flush(emit)
		want := []string(nil)
		if ports != nil {
			// The server is on port 10000, not 4500: tcpLine names both ends client.
			want = []string{"opened by client", "closed by client after 0 IKE 0 ESP, 0 pending"}
		}
		if !slices.Equal(got, want) {
			t.Errorf("TCPPorts %v: %q, want %q", ports, got, want)
		}
	}
}

// TestTCPFraming: frames that are not IKE or ESP, from bytes written here.
func TestTCPFraming(t *testing.T) {
	ike := func() []byte {
		// An IKE_SA_INIT header with no payload: SPIi, SPIr 0, next payload 0, version
		// 2.0, exchange 34, flags Initiator, message ID 0, length 28.
		h, _ := hex.DecodeString("0102030405060708" + "0000000000000000" + "00" + "20" + "22" + "08" + "00000000" + "0000001c")
		return h
	}
	frame := func(body []byte) []byte {
		return append([]byte{byte((len(body) + 2) >> 8), byte(len(body) + 2)}, body...)
	}
	for _, tc := range []struct {
		name string
		data []byte
		want []string
	}{
		{"ike", append([]byte("IKETCP"), frame(append([]byte{0, 0, 0, 0}, ike()...))...),
			[]string{"opened by client", "client>server IKE_SA_INIT 0"}},
		{"esp", append([]byte("IKETCP"), frame([]byte{0, 0, 1, 0, 0, 0, 0, 7, 0xaa, 0xbb})...),
			[]string{"opened by client", "client>server esp 00000100 7"}},
		{"reserved SPI", append([]byte("IKETCP"), frame([]byte{0, 0, 0, 255, 0, 0, 0, 7, 0xaa, 0xbb})...),
			[]string{"opened by client", "not-ike by client at 6"}},
		{"too short", append([]byte("IKETCP"), 0, 9, 1, 2, 3, 4, 5, 6, 7),
			[]string{"opened by client", "not-ike by client at 6"}},
		{"marker but not ISAKMP", append([]byte("IKETCP"), frame(append([]byte{0, 0, 0, 0}, make([]byte, 28)...))...),
			[]string{"opened by client", "not-ike by client at 6"}},
		{"no prefix", []byte("GET / HTTP/1.1\r\n\r\n"), []string{"no-prefix by client at 0"}},
		{"short prefix then other", []byte("IKEx"), []string{"no-prefix by client at 0"}},
		{"second frame bad", append(append([]byte("IKETCP"), frame([]byte{0, 0, 1, 0, 0, 0, 0, 7, 0xaa, 0xbb})...), 0, 1),
			[]string{"opened by client", "client>server esp 00000100 7", "not-ike by client at 18"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Byte by byte, then in one segment: the same.
			for _, step := range []int{1, len(tc.data)} {
				d := decode.NewDecoder()
				var got []string
				emit := func(m *decode.Message) { got = append(got, tcpLine(m, false)) }
				n := 0
				feed := func(f []byte) {
					n++
					d.Decode(n, gopacket.CaptureInfo{CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet, f, emit)
				}
				feed(tcpFrame(t, 40000, true, 1000, "S", nil))
				feed(tcpFrame(t, 40000, false, 5000, "SA", nil))
				for i := 0; i < len(tc.data); i += step {
					feed(tcpFrame(t, 40000, true, 1001+uint32(i), "A", tc.data[i:min(i+step, len(tc.data))]))
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("in pieces of %d: %q, want %q", step, got, tc.want)
				}
			}
		})
	}
}

// FuzzTCPStream feeds any bytes as a client's stream after the handshake, in pieces of
// any size, and the server's bytes after them. Properties: no panic; the same bytes in
// one piece give the same messages; at most one opened event, and nothing after a
// not-ike or no-prefix event.
func FuzzTCPStream(f *testing.F) {
	f.Add([]byte("IKETCP\x00\x0c\x00\x00\x01\x00\x00\x00\x00\x07\xaa\xbb"), uint8(1), []byte{})
	f.Add([]byte("IKETCP\x00\x01"), uint8(3), []byte("x"))
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"), uint8(5), []byte("HTTP/1.1 400\r\n"))
	f.Add([]byte("IKE"), uint8(1), []byte("IKETCP"))
	f.Fuzz(func(t *testing.T, client []byte, step uint8, server []byte) {
		run := func(step int) []string {
			d := decode.NewDecoder()
			var got []string
			emit := func(m *decode.Message) { got = append(got, tcpLine(m, false)) }
			n := 0
			feed := func(f []byte) {
				n++
				d.Decode(n, gopacket.CaptureInfo{CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet, f, emit)
			}
			feed(tcpFrame(t, 40000, true, 1000, "S", nil))
			feed(tcpFrame(t, 40000, false, 5000, "SA", nil))
			for i := 0; i < len(client); i += step {
				feed(tcpFrame(t, 40000, true, 1001+uint32(i), "A", client[i:min(i+step, len(client))]))
			}
			if len(server) > 0 {
				feed(tcpFrame(t, 40000, false, 5001, "A", server))
			}
			d.Flush(emit)
			return got
		}
		client = client[:min(len(client), 4000)]
		server = server[:min(len(server), 4000)]
		got := run(int(step%64) + 1)
		if whole := run(max(len(client), 1)); !slices.Equal(got, whole) {
			t.Fatalf("in pieces of %d: %q; in one piece: %q", step%64+1, got, whole)
		}
		opened, stopped := 0, false
		for _, l := range got {
			if stopped {
				t.Fatalf("%q after the stream stopped being read: %q", l, got)
			}
			opened += strings.Count(l, "opened by")
			stopped = strings.HasPrefix(l, "not-ike") || strings.HasPrefix(l, "no-prefix")
		}
		if opened > 1 {
			t.Fatalf("opened %d times: %q", opened, got)
		}
	})
}

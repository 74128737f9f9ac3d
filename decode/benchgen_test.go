package decode_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/ikescope/ikescope/decode"
)

// The benchmark capture: about a million Ethernet frames in which real IKE exchanges from
// pcaps/ (and the shared corpus, when it is there) are replayed with fresh SPIs and
// addresses, between ESP (IP protocol 50 and UDP 4500) and unrelated TCP and UDP traffic.
// It is generated once, deterministically, and cached under os.TempDir()/ikescope-bench/,
// keyed by benchGenVersion, the packet count and a hash of the source exchanges.

// benchGenVersion changes whenever the generator's output changes, so old caches are not reused.
const benchGenVersion = 2

// benchPackets is the size of the benchmark capture.
const benchPackets = 1_000_000

// Traffic mix in percent; the rest is unrelated traffic.
const (
	benchPctIKE = 5
	benchPctESP = 60
)

// benchIKEMsg is one ISAKMP datagram of a source exchange.
type benchIKEMsg struct {
	fromInitiator bool
	sport, dport  uint16
	encap         bool   // UDP 4500: a non-ESP marker goes before the message
	data          []byte // the ISAKMP message
}

// benchExchange is the ISAKMP messages of one IKE SA in one capture, in capture order.
type benchExchange struct {
	source string
	msgs   []benchIKEMsg
}

// benchExchanges loads the IKE exchanges the generator replays: every ISAKMP message that
// decodes without errors, grouped by capture and initiator SPI. It also returns a hash of
// them for the cache key.
func benchExchanges(tb testing.TB) ([]benchExchange, uint64) {
	h := fnv.New64a()
	var out []benchExchange
	for _, path := range fuzzCaptureFiles(tb) {
		r, err := decode.Open(path)
		if err != nil {
			continue
		}
		type key [8]byte
		byISPI := map[key]int{}
		first := map[key]netip.AddrPort{}
		for r.Next() {
			m := r.Message()
			im := m.ISAKMP
			if m.Kind != decode.KindISAKMP || im == nil || m.Err != nil || m.Truncated || im.Truncated ||
				len(im.Errors) > 0 || len(im.Contents) > 8000 {
				continue
			}
			k := key(im.InitiatorSPI)
			i, ok := byISPI[k]
			if !ok {
				i = len(out)
				byISPI[k] = i
				first[k] = m.Src
				out = append(out, benchExchange{source: filepath.Base(path)})
			}
			msg := benchIKEMsg{
				fromInitiator: m.Src == first[k],
				sport:         m.Src.Port(),
				dport:         m.Dst.Port(),
				encap:         m.Encap,
				data:          append([]byte(nil), im.Contents...),
			}
			out[i].msgs = append(out[i].msgs, msg)
			fmt.Fprintf(h, "%s %d %t %d %d %t %d\n", path, i, msg.fromInitiator, msg.sport, msg.dport, msg.encap, len(msg.data))
			h.Write(msg.data)
		}
		r.Close()
	}
	return out, h.Sum64()
}

var benchCaptureOnce struct {
	sync.Once
	path    string
	packets int
	err     error
}

// benchCapture returns the path of the cached benchmark capture, generating it if needed.
func benchCapture(tb testing.TB) (path string, packets int) {
	benchCaptureOnce.Do(func() {
		ex, sum := benchExchanges(tb)
		if len(ex) == 0 {
			benchCaptureOnce.err = fmt.Errorf("no IKE exchanges found in pcaps/ to build the benchmark capture from")
			return
		}
		dir := filepath.Join(os.TempDir(), "ikescope-bench")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			benchCaptureOnce.err = err
			return
		}
		path := filepath.Join(dir, fmt.Sprintf("v%d-%d-%016x.pcap", benchGenVersion, benchPackets, sum))
		benchCaptureOnce.path, benchCaptureOnce.packets = path, benchPackets
		if _, err := os.Stat(path); err == nil {
			return
		}
		start := time.Now()
		tmp, err := os.CreateTemp(dir, "generating-*.pcap")
		if err != nil {
			benchCaptureOnce.err = err
			return
		}
		defer os.Remove(tmp.Name())
		w := bufio.NewWriterSize(tmp, 1<<20)
		if err := writeBenchCapture(w, ex, benchPackets, 1); err != nil {
			tmp.Close()
			benchCaptureOnce.err = err
			return
		}
		if err := w.Flush(); err != nil {
			tmp.Close()
			benchCaptureOnce.err = err
			return
		}
		if err := tmp.Close(); err != nil {
			benchCaptureOnce.err = err
			return
		}
		if err := os.Chmod(tmp.Name(), 0o644); err != nil {
			benchCaptureOnce.err = err
			return
		}
		if err := os.Rename(tmp.Name(), path); err != nil {
			benchCaptureOnce.err = err
			return
		}
		tb.Logf("generated %s (%d packets from %d exchanges) in %v", path, benchPackets, len(ex), time.Since(start).Round(time.Millisecond))
	})
	if benchCaptureOnce.err != nil {
		tb.Fatalf("benchmark capture: %v", benchCaptureOnce.err)
	}
	return benchCaptureOnce.path, benchCaptureOnce.packets
}

// benchIKE is an exchange being replayed: its messages go out one per IKE slot, with the
// SPIs and addresses of this instance.
type benchIKE struct {
	ex        *benchExchange
	next      int
	init, rsp netip.Addr
	spis      map[[8]byte][8]byte // source SPI -> this instance's SPI
	rng       *rand.Rand
}

func (x *benchIKE) spi(orig []byte) [8]byte {
	var k [8]byte
	copy(k[:], orig)
	if k == ([8]byte{}) {
		return k // "not yet known" stays zero
	}
	s, ok := x.spis[k]
	if !ok {
		binary.BigEndian.PutUint64(s[:], x.rng.Uint64()|1)
		x.spis[k] = s
	}
	return s
}

type benchFlow struct {
	a, b         netip.Addr
	aport, bport uint16
	tcp          bool
	seq          uint32
}

type benchESP struct {
	src, dst netip.Addr
	spi, seq uint32
	encap    bool
}

// writeBenchCapture writes n Ethernet frames to w as a pcap file; the same exchanges,
// n and seed give the same bytes.
func writeBenchCapture(w io.Writer, exchanges []benchExchange, n int, seed int64) error {
	rng := rand.New(rand.NewSource(seed))
	pw := pcapgo.NewWriter(w)
	if err := pw.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		return err
	}
	noise := make([]byte, 4096) // ciphertext and application data
	rng.Read(noise)

	randAddr := func(prefix [3]byte) netip.Addr {
		return netip.AddrFrom4([4]byte{prefix[0], prefix[1], prefix[2], byte(1 + rng.Intn(254))})
	}
	private := func() netip.Addr {
		return netip.AddrFrom4([4]byte{10, byte(rng.Intn(256)), byte(rng.Intn(256)), byte(1 + rng.Intn(254))})
	}
	gateway := func() netip.Addr { // documentation ranges (RFC 5737)
		switch rng.Intn(3) {
		case 0:
			return randAddr([3]byte{192, 0, 2})
		case 1:
			return randAddr([3]byte{198, 51, 100})
		}
		return randAddr([3]byte{203, 0, 113})
	}
	newIKE := func() *benchIKE {
		return &benchIKE{
			ex:   &exchanges[rng.Intn(len(exchanges))],
			init: private(), rsp: gateway(),
			spis: map[[8]byte][8]byte{}, rng: rng,
		}
	}
	ikes := make([]*benchIKE, 64) // exchanges in progress at once
	for i := range ikes {
		ikes[i] = newIKE()
	}
	esps := make([]benchESP, 512)
	for i := range esps {
		esps[i] = benchESP{src: private(), dst: gateway(), spi: rng.Uint32() | 0x100, seq: uint32(rng.Intn(1000)), encap: i%2 == 1}
		if i%4 >= 2 { // the other direction of the tunnel
			esps[i].src, esps[i].dst = esps[i].dst, esps[i].src
		}
	}

	// Unrelated traffic runs in flows, as on a real link: TCP (HTTPS, SSH, HTTP) and UDP (DNS,
	// NTP, syslog, QUIC) between a client and a server, each picked at random per packet.
	others := make([]benchFlow, 4096)
	for i := range others {
		o := &others[i]
		o.a, o.b = private(), gateway()
		o.aport = uint16(32768 + rng.Intn(28000))
		if o.tcp = rng.Intn(10) < 6; o.tcp {
			o.bport = [...]uint16{443, 443, 443, 22, 80}[rng.Intn(5)]
			o.seq = rng.Uint32()
		} else {
			o.bport = [...]uint16{53, 53, 123, 514, 443}[rng.Intn(5)]
		}
	}

	var f benchFrame
	ts := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	msg := make([]byte, 0, 9000)
	for i := 0; i < n; i++ {
		ts = ts.Add(time.Duration(1+rng.Intn(200)) * time.Microsecond)
		switch r := rng.Intn(100); {
		case r < benchPctIKE:
			j := rng.Intn(len(ikes))
			x := ikes[j]
			m := x.ex.msgs[x.next]
			msg = msg[:0]
			if m.encap {
				msg = append(msg, 0, 0, 0, 0) // non-ESP marker
			}
			start := len(msg)
			msg = append(msg, m.data...)
			ispi, rspi := x.spi(m.data[0:8]), x.spi(m.data[8:16])
			copy(msg[start:], ispi[:])
			copy(msg[start+8:], rspi[:])
			src, dst := x.init, x.rsp
			if !m.fromInitiator {
				src, dst = dst, src
			}
			f.udp(src, dst, m.sport, m.dport, msg)
			if x.next++; x.next == len(x.ex.msgs) {
				ikes[j] = newIKE()
			}
		case r < benchPctIKE+benchPctESP:
			e := &esps[rng.Intn(len(esps))]
			e.seq++
			size := 40 + rng.Intn(120) // ACK-sized inner packets
			if rng.Intn(2) == 0 {
				size = 200 + rng.Intn(1200)
			}
			off := rng.Intn(len(noise) - size)
			msg = binary.BigEndian.AppendUint32(msg[:0], e.spi)
			msg = binary.BigEndian.AppendUint32(msg, e.seq)
			msg = append(msg, noise[off:off+size]...)
			if e.encap {
				f.udp(e.src, e.dst, 4500, 4500, msg)
			} else {
				f.ip(e.src, e.dst, 50, msg)
			}
		default:
			o := &others[rng.Intn(len(others))]
			src, dst, sport, dport := o.a, o.b, o.aport, o.bport
			if rng.Intn(2) == 0 {
				src, dst, sport, dport = dst, src, dport, sport
			}
			if o.tcp {
				size := 0 // half of it bare ACKs
				if rng.Intn(2) == 0 {
					size = 1 + rng.Intn(1400)
				}
				off := rng.Intn(len(noise) - size)
				f.tcp(src, dst, sport, dport, o.seq, noise[off:off+size])
				o.seq += uint32(size)
			} else {
				size := 40 + rng.Intn(200)
				if o.bport == 443 { // QUIC
					size = 100 + rng.Intn(1200)
				}
				off := rng.Intn(len(noise) - size)
				f.udp(src, dst, sport, dport, noise[off:off+size])
			}
		}
		ci := gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(f.b), Length: len(f.b)}
		if err := pw.WritePacket(ci, f.b); err != nil {
			return err
		}
	}
	return nil
}

// benchFrame builds Ethernet/IPv4 frames in a reused buffer.
type benchFrame struct {
	b  []byte
	id uint16
}

var (
	benchMACa = []byte{0x02, 0x00, 0x5e, 0x10, 0x00, 0x01}
	benchMACb = []byte{0x02, 0x00, 0x5e, 0x10, 0x00, 0x02}
)

// ip writes Ethernet and IPv4 headers followed by payload.
func (f *benchFrame) ip(src, dst netip.Addr, proto uint8, payload []byte) {
	f.header(src, dst, proto, len(payload))
	f.b = append(f.b, payload...)
}

func (f *benchFrame) header(src, dst netip.Addr, proto uint8, payloadLen int) {
	b := f.b[:0]
	if src.Less(dst) {
		b = append(append(b, benchMACa...), benchMACb...)
	} else {
		b = append(append(b, benchMACb...), benchMACa...)
	}
	b = append(b, 0x08, 0x00)
	f.id++
	ip := len(b)
	b = append(b, 0x45, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(20+payloadLen))
	b = binary.BigEndian.AppendUint16(b, f.id)
	b = append(b, 0x40, 0, 64, proto, 0, 0) // DF, TTL 64, checksum below
	s, d := src.As4(), dst.As4()
	b = append(append(b, s[:]...), d[:]...)
	binary.BigEndian.PutUint16(b[ip+10:], ipv4Checksum(b[ip:ip+20]))
	f.b = b
}

// udp writes a UDP datagram; the UDP checksum is 0 (not computed), which IPv4 allows.
func (f *benchFrame) udp(src, dst netip.Addr, sport, dport uint16, payload []byte) {
	f.header(src, dst, 17, 8+len(payload))
	f.b = binary.BigEndian.AppendUint16(f.b, sport)
	f.b = binary.BigEndian.AppendUint16(f.b, dport)
	f.b = binary.BigEndian.AppendUint16(f.b, uint16(8+len(payload)))
	f.b = append(f.b, 0, 0)
	f.b = append(f.b, payload...)
}

// tcp writes a TCP segment with ACK (and PSH when it carries data); checksum 0.
func (f *benchFrame) tcp(src, dst netip.Addr, sport, dport uint16, seq uint32, payload []byte) {
	f.header(src, dst, 6, 20+len(payload))
	f.b = binary.BigEndian.AppendUint16(f.b, sport)
	f.b = binary.BigEndian.AppendUint16(f.b, dport)
	f.b = binary.BigEndian.AppendUint32(f.b, seq)
	f.b = binary.BigEndian.AppendUint32(f.b, seq^0x5a5a5a5a)
	flags := byte(0x10)
	if len(payload) > 0 {
		flags |= 0x08
	}
	f.b = append(f.b, 5<<4, flags, 0xfa, 0xf0, 0, 0, 0, 0)
	f.b = append(f.b, payload...)
}

func ipv4Checksum(h []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(h); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// TestBenchCaptureGenerator checks a small capture from the generator: deterministic, the
// traffic mix it promises, IPv4 checksums right, and IKE replayed without decode errors
// under SPIs that are fresh and consistent within each exchange.
func TestBenchCaptureGenerator(t *testing.T) {
	ex, _ := benchExchanges(t)
	if len(ex) == 0 {
		t.Skip("no IKE exchanges in pcaps/")
	}
	const n = 20000
	dir := t.TempDir()
	write := func(name string) string {
		path := filepath.Join(dir, name)
		fh, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		w := bufio.NewWriter(fh)
		if err := writeBenchCapture(w, ex, n, 7); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		fh.Close()
		return path
	}
	a, b := write("a.pcap"), write("b.pcap")
	ab, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if string(ab) != string(bb) {
		t.Fatal("two runs with the same seed wrote different captures")
	}

	orig := map[[8]byte]bool{}
	for _, e := range ex {
		for _, m := range e.msgs {
			orig[[8]byte(m.data[0:8])] = true
		}
	}
	r, err := decode.Open(a)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	peers := map[[8]byte][2]netip.Addr{} // initiator SPI -> the two addresses
	for r.Next() {
		m := r.Message()
		if m.Kind != decode.KindISAKMP {
			continue
		}
		im := m.ISAKMP
		if len(im.Errors) > 0 || m.Err != nil || im.Truncated {
			t.Fatalf("frame %d: replayed IKE message does not decode cleanly: %v %v", m.Frame, m.Err, im.Errors)
		}
		if orig[im.InitiatorSPI] {
			t.Fatalf("frame %d: initiator SPI %x kept from the source capture", m.Frame, im.InitiatorSPI)
		}
		pair := [2]netip.Addr{m.Src.Addr(), m.Dst.Addr()}
		if pair[1].Less(pair[0]) {
			pair[0], pair[1] = pair[1], pair[0]
		}
		if p, ok := peers[im.InitiatorSPI]; ok && p != pair {
			t.Fatalf("frame %d: SPI %x between %v, earlier between %v", m.Frame, im.InitiatorSPI, pair, p)
		}
		peers[im.InitiatorSPI] = pair
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	st := r.Stats()
	if st.Frames != n || st.LinkErrors != 0 {
		t.Fatalf("stats %+v: want %d frames and no link errors", st, n)
	}
	pct := func(k int) float64 { return 100 * float64(k) / n }
	if p := pct(st.ISAKMP); p < benchPctIKE-1 || p > benchPctIKE+1 {
		t.Errorf("IKE is %.1f%% of frames, want about %d%%", p, benchPctIKE)
	}
	if p := pct(st.ESP); p < benchPctESP-2 || p > benchPctESP+2 {
		t.Errorf("ESP is %.1f%% of frames, want about %d%%", p, benchPctESP)
	}
	if p := pct(st.Other); p < 100-benchPctIKE-benchPctESP-2 || p > 100-benchPctIKE-benchPctESP+2 {
		t.Errorf("other traffic is %.1f%% of frames, want about %d%%", p, 100-benchPctIKE-benchPctESP)
	}
	if len(peers) < 10 {
		t.Errorf("only %d IKE SAs in %d frames", len(peers), n)
	}

	// IPv4 header checksums verify (the sum over a correct header is 0).
	pr, err := pcapgo.NewReader(bufio.NewReader(bytes.NewReader(ab)))
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; ; i++ {
		data, _, err := pr.ZeroCopyReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := ipv4Checksum(data[14:34]); got != 0 {
			t.Fatalf("frame %d: IPv4 header checksum does not verify (sum %#04x)", i, got)
		}
	}
}

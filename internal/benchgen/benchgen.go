// Package benchgen writes the generated captures ikescope's benchmarks read: real IKE
// exchanges (from pcaps/ and the shared corpus) replayed with fresh SPIs and addresses
// between ESP and unrelated traffic, and the two floods a gateway meets (half-open
// IKE_SA_INITs with random SPIs, one IKE_SA_INIT retransmitted without end). The same
// inputs, sizes and seed give the same bytes. Nothing here is a recorded capture.
package benchgen

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/ikescope/ikescope/decode"
)

// Version changes whenever the generator's output changes, so cached files are not reused.
const Version = 5

// Msg is one ISAKMP datagram of a source exchange.
type Msg struct {
	FromInitiator bool
	Sport, Dport  uint16
	Encap         bool   // UDP 4500: a non-ESP marker goes before the message
	Data          []byte // the ISAKMP message
}

// Exchange is the ISAKMP messages of one IKE SA in one capture, in capture order.
type Exchange struct {
	Source string
	Msgs   []Msg
}

// Load reads the IKE exchanges the generator replays from the capture files: every ISAKMP
// message that decodes without errors, grouped by capture and initiator SPI. The hash
// identifies them for a cache key. pcaps/roadwarriors.pcap is left out: its 95 clients
// of one gateway, alike but for their users, would outweigh every other negotiation and
// change the mix the benchmarks' figures were measured on.
func Load(files []string) ([]Exchange, uint64) {
	h := fnv.New64a()
	var out []Exchange
	for _, path := range files {
		if filepath.Base(path) == "roadwarriors.pcap" {
			continue
		}
		r, err := decode.Open(path)
		if err != nil {
			continue
		}
		byISPI := map[[8]byte]int{}
		first := map[[8]byte]netip.AddrPort{}
		for r.Next() {
			m := r.Message()
			im := m.ISAKMP
			if m.Kind != decode.KindISAKMP || im == nil || m.Err != nil || m.Truncated || im.Truncated ||
				len(im.Errors) > 0 || len(im.Contents) > 8000 {
				continue
			}
			k := im.InitiatorSPI
			i, ok := byISPI[k]
			if !ok {
				i = len(out)
				byISPI[k] = i
				first[k] = m.Src
				out = append(out, Exchange{Source: filepath.Base(path)})
			}
			msg := Msg{
				FromInitiator: m.Src == first[k],
				Sport:         m.Src.Port(),
				Dport:         m.Dst.Port(),
				Encap:         m.Encap,
				Data:          append([]byte(nil), im.Contents...),
			}
			out[i].Msgs = append(out[i].Msgs, msg)
			fmt.Fprintf(h, "%s %d %t %d %d %t %d\n", path, i, msg.FromInitiator, msg.Sport, msg.Dport, msg.Encap, len(msg.Data))
			h.Write(msg.Data)
		}
		r.Close()
	}
	return out, h.Sum64()
}

// Mix is the traffic of a generated capture, in percent of frames; the rest is unrelated
// TCP and UDP.
type Mix struct {
	Name string
	IKE  int
	ESP  int
	// UDPShare is the percentage of the unrelated flows that are UDP (DNS, NTP, syslog,
	// QUIC); the others are TCP (HTTPS, SSH, HTTP).
	UDPShare int
	// Tunnels, when set, runs ESP between the peers of the replayed negotiations (each
	// negotiation, once replayed, brings a tunnel with an SPI each way that replaces an
	// old one), as on a gateway; otherwise ESP flows are between addresses of their own.
	Tunnels bool
}

// Link is the mix of the decoder benchmarks: a busy link where IKE is common.
var Link = Mix{Name: "link", IKE: 5, ESP: 60, UDPShare: 40}

// Gateway is the mix of a gateway's capture: 70% ESP of its tunnels, 25% unrelated TCP,
// the rest IKE.
var Gateway = Mix{Name: "gateway", IKE: 5, ESP: 70, Tunnels: true}

// Cached returns the path of a generated capture under dir, writing it first when it is
// not there; produce writes the frames.
func Cached(dir, name string, produce func(io.Writer) error) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	tmp, err := os.CreateTemp(dir, "generating-*.pcap")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriterSize(tmp, 1<<20)
	if err := produce(w); err != nil {
		tmp.Close()
		return "", err
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return "", err
	}
	return path, os.Rename(tmp.Name(), path)
}

// ike is an exchange being replayed: its messages go out one per IKE slot, with the SPIs
// and addresses of this instance.
type ike struct {
	ex        *Exchange
	next      int
	init, rsp netip.Addr
	spis      map[[8]byte][8]byte // source SPI -> this instance's SPI
	rng       *rand.Rand
	tunneled  bool // its tunnel's ESP has begun
}

func (x *ike) spi(orig []byte) [8]byte {
	k := [8]byte(orig)
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

type flow struct {
	a, b         netip.Addr
	aport, bport uint16
	tcp          bool
	seq          uint32
}

type esp struct {
	src, dst netip.Addr
	spi, seq uint32
	encap    bool
}

// addrs draws addresses: clients in 10/8, gateways in the documentation ranges (RFC 5737).
type addrs struct{ rng *rand.Rand }

func (a addrs) private() netip.Addr {
	r := a.rng
	return netip.AddrFrom4([4]byte{10, byte(r.Intn(256)), byte(r.Intn(256)), byte(1 + r.Intn(254))})
}

func (a addrs) gateway() netip.Addr {
	r := a.rng
	p := [...][3]byte{{192, 0, 2}, {198, 51, 100}, {203, 0, 113}}[r.Intn(3)]
	return netip.AddrFrom4([4]byte{p[0], p[1], p[2], byte(1 + r.Intn(254))})
}

// Write writes n Ethernet frames of the mix to w as a pcap file, replaying the exchanges.
func Write(w io.Writer, exchanges []Exchange, n int, seed int64, mix Mix) error {
	if len(exchanges) == 0 {
		return fmt.Errorf("no IKE exchanges to replay")
	}
	rng := rand.New(rand.NewSource(seed))
	pw := pcapgo.NewWriter(w)
	if err := pw.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		return err
	}
	noise := make([]byte, 4096) // ciphertext and application data
	rng.Read(noise)
	ad := addrs{rng}

	esps := make([]esp, 512)
	for i := range esps {
		esps[i] = esp{src: ad.private(), dst: ad.gateway(), spi: rng.Uint32() | 0x100, seq: uint32(rng.Intn(1000)), encap: i%2 == 1}
		if i%4 >= 2 { // the other direction of the tunnel
			esps[i].src, esps[i].dst = esps[i].dst, esps[i].src
		}
	}
	newIKE := func() *ike {
		return &ike{
			ex:   &exchanges[rng.Intn(len(exchanges))],
			init: ad.private(), rsp: ad.gateway(),
			spis: map[[8]byte][8]byte{}, rng: rng,
		}
	}
	// tunnel starts the ESP of a negotiation that has run: it replaces an old tunnel.
	tunnel := func(x *ike) {
		j := rng.Intn(len(esps)/2) * 2
		encap := rng.Intn(2) == 0
		esps[j] = esp{src: x.init, dst: x.rsp, spi: rng.Uint32() | 0x100, encap: encap}
		esps[j+1] = esp{src: x.rsp, dst: x.init, spi: rng.Uint32() | 0x100, encap: encap}
	}
	ikes := make([]*ike, 64) // exchanges in progress at once
	for i := range ikes {
		ikes[i] = newIKE()
	}

	// Unrelated traffic runs in flows, as on a real link: TCP (HTTPS, SSH, HTTP) and UDP (DNS,
	// NTP, syslog, QUIC) between a client and a server, each picked at random per packet.
	others := make([]flow, 4096)
	for i := range others {
		o := &others[i]
		o.a, o.b = ad.private(), ad.gateway()
		o.aport = uint16(32768 + rng.Intn(28000))
		if o.tcp = rng.Intn(100) >= mix.UDPShare; o.tcp {
			o.bport = [...]uint16{443, 443, 443, 22, 80}[rng.Intn(5)]
			o.seq = rng.Uint32()
		} else {
			o.bport = [...]uint16{53, 53, 123, 514, 443}[rng.Intn(5)]
		}
	}

	var f Frame
	ts := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	msg := make([]byte, 0, 9000)
	for i := 0; i < n; i++ {
		ts = ts.Add(time.Duration(1+rng.Intn(200)) * time.Microsecond)
		switch r := rng.Intn(100); {
		case r < mix.IKE:
			j := rng.Intn(len(ikes))
			x := ikes[j]
			m := x.ex.Msgs[x.next]
			if mix.Tunnels && !x.tunneled && x.next > 0 && len(m.Data) > 18 && (m.Data[18] == 37 || m.Data[18] == 5) {
				// The SA is up before its first Informational (a liveness check or the
				// Delete that ends it): its ESP runs from here, as a gateway's would.
				tunnel(x)
				x.tunneled = true
			}
			msg = msg[:0]
			if m.Encap {
				msg = append(msg, 0, 0, 0, 0) // non-ESP marker
			}
			start := len(msg)
			msg = append(msg, m.Data...)
			ispi, rspi := x.spi(m.Data[0:8]), x.spi(m.Data[8:16])
			copy(msg[start:], ispi[:])
			copy(msg[start+8:], rspi[:])
			src, dst := x.init, x.rsp
			if !m.FromInitiator {
				src, dst = dst, src
			}
			f.UDP(src, dst, m.Sport, m.Dport, msg)
			if x.next++; x.next == len(x.ex.Msgs) {
				if mix.Tunnels && !x.tunneled {
					tunnel(x)
				}
				ikes[j] = newIKE()
			}
		case r < mix.IKE+mix.ESP:
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
				f.UDP(e.src, e.dst, 4500, 4500, msg)
			} else {
				f.IP(e.src, e.dst, 50, msg)
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
				f.TCP(src, dst, sport, dport, o.seq, noise[off:off+size])
				o.seq += uint32(size)
			} else {
				size := 40 + rng.Intn(200)
				if o.bport == 443 { // QUIC
					size = 100 + rng.Intn(1200)
				}
				off := rng.Intn(len(noise) - size)
				f.UDP(src, dst, sport, dport, noise[off:off+size])
			}
		}
		if err := f.write(pw, ts); err != nil {
			return err
		}
	}
	return nil
}

// firstRequest is an IKEv2 IKE_SA_INIT request among the exchanges (the flood's template).
func firstRequest(exchanges []Exchange) (Msg, bool) {
	for _, e := range exchanges {
		for _, m := range e.Msgs {
			d := m.Data
			if len(d) >= 28 && d[17] == 0x20 && d[18] == 34 && d[19]&0x20 == 0 && d[19]&0x08 != 0 && !m.Encap {
				return m, true
			}
		}
	}
	return Msg{}, false
}

// WriteHalfOpenFlood writes n IKE_SA_INIT requests, each with a random initiator SPI from
// a random client to one gateway, none answered: the half-open flood of a scan or an attack.
func WriteHalfOpenFlood(w io.Writer, exchanges []Exchange, n int, seed int64) error {
	tmpl, ok := firstRequest(exchanges)
	if !ok {
		return fmt.Errorf("no IKEv2 IKE_SA_INIT request to flood with")
	}
	rng := rand.New(rand.NewSource(seed))
	ad := addrs{rng}
	gw := ad.gateway()
	return writeRepeated(w, n, time.Millisecond, func(f *Frame, msg []byte) {
		binary.BigEndian.PutUint64(msg[0:8], rng.Uint64()|1)
		f.UDP(ad.private(), gw, 500, 500, msg)
	}, tmpl.Data)
}

// WriteRetransmitStorm writes one IKE_SA_INIT request n times, 100 ms apart, never
// answered: a client that retransmits without giving up.
func WriteRetransmitStorm(w io.Writer, exchanges []Exchange, n int, seed int64) error {
	tmpl, ok := firstRequest(exchanges)
	if !ok {
		return fmt.Errorf("no IKEv2 IKE_SA_INIT request to retransmit")
	}
	rng := rand.New(rand.NewSource(seed))
	ad := addrs{rng}
	client, gw := ad.private(), ad.gateway()
	binary.BigEndian.PutUint64(tmpl.Data[0:8], rng.Uint64()|1)
	return writeRepeated(w, n, 100*time.Millisecond, func(f *Frame, msg []byte) {
		f.UDP(client, gw, 500, 500, msg)
	}, tmpl.Data)
}

func writeRepeated(w io.Writer, n int, gap time.Duration, frame func(*Frame, []byte), data []byte) error {
	pw := pcapgo.NewWriter(w)
	if err := pw.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		return err
	}
	msg := append([]byte(nil), data...)
	var f Frame
	ts := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		ts = ts.Add(gap)
		frame(&f, msg)
		if err := f.write(pw, ts); err != nil {
			return err
		}
	}
	return nil
}

// Frame builds Ethernet/IPv4 frames in a reused buffer.
type Frame struct {
	B  []byte
	id uint16
}

var (
	macA = []byte{0x02, 0x00, 0x5e, 0x10, 0x00, 0x01}
	macB = []byte{0x02, 0x00, 0x5e, 0x10, 0x00, 0x02}
)

func (f *Frame) write(pw *pcapgo.Writer, ts time.Time) error {
	ci := gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(f.B), Length: len(f.B)}
	return pw.WritePacket(ci, f.B)
}

// IP writes Ethernet and IPv4 headers followed by payload.
func (f *Frame) IP(src, dst netip.Addr, proto uint8, payload []byte) {
	f.header(src, dst, proto, len(payload))
	f.B = append(f.B, payload...)
}

func (f *Frame) header(src, dst netip.Addr, proto uint8, payloadLen int) {
	b := f.B[:0]
	if src.Less(dst) {
		b = append(append(b, macA...), macB...)
	} else {
		b = append(append(b, macB...), macA...)
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
	binary.BigEndian.PutUint16(b[ip+10:], IPv4Checksum(b[ip:ip+20]))
	f.B = b
}

// UDP writes a UDP datagram; the UDP checksum is 0 (not computed), which IPv4 allows.
func (f *Frame) UDP(src, dst netip.Addr, sport, dport uint16, payload []byte) {
	f.header(src, dst, 17, 8+len(payload))
	f.B = binary.BigEndian.AppendUint16(f.B, sport)
	f.B = binary.BigEndian.AppendUint16(f.B, dport)
	f.B = binary.BigEndian.AppendUint16(f.B, uint16(8+len(payload)))
	f.B = append(f.B, 0, 0)
	f.B = append(f.B, payload...)
}

// TCP writes a TCP segment with ACK (and PSH when it carries data); checksum 0.
func (f *Frame) TCP(src, dst netip.Addr, sport, dport uint16, seq uint32, payload []byte) {
	f.header(src, dst, 6, 20+len(payload))
	f.B = binary.BigEndian.AppendUint16(f.B, sport)
	f.B = binary.BigEndian.AppendUint16(f.B, dport)
	f.B = binary.BigEndian.AppendUint32(f.B, seq)
	f.B = binary.BigEndian.AppendUint32(f.B, seq^0x5a5a5a5a)
	flags := byte(0x10)
	if len(payload) > 0 {
		flags |= 0x08
	}
	f.B = append(f.B, 5<<4, flags, 0xfa, 0xf0, 0, 0, 0, 0)
	f.B = append(f.B, payload...)
}

// IPv4Checksum is the Internet checksum of an IPv4 header (0 over a correct header).
func IPv4Checksum(h []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(h); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

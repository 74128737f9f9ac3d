package decode

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/reassembly"
)

// IKE and ESP over TCP (RFC 8229, obsoleted by RFC 9329 with the same framing): the
// initiator connects to TCP 4500 (or a configured port), sends the prefix "IKETCP", then
// both sides send messages, each framed by a 2-byte length that counts itself:
//
//	                     1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|             Length            |         Non-ESP Marker        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     Non-ESP Marker (cont.)    |     IKE header and payloads   ~
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// An ESP packet follows the length directly (its SPI is never zero). Segments are put
// back in order by gopacket's reassembly package; a TCP segment on any other port costs
// two port comparisons and nothing else.

// TCPPort is the port IKE over TCP uses unless configured otherwise (RFC 8229 section 2).
const TCPPort = 4500

// tcpPrefix opens every IKE-over-TCP stream (RFC 8229 section 3).
const tcpPrefix = "IKETCP"

// Bounds on what one capture can make the Decoder hold.
const (
	// tcpMaxConns is how many IKE-over-TCP connections are followed at once; the one idle
	// longest is closed to make room.
	tcpMaxConns = 1024
	// tcpMaxChunk is how much reassembled data is framed at a time. A frame is at most
	// 65535 bytes, so a direction never holds more than this plus one unfinished frame.
	tcpMaxChunk = 1 << 16
	// Out-of-order segments wait in pages of 1900 bytes: at most this many per connection
	// and in all.
	tcpMaxPagesPerConn = 128
	tcpMaxPagesTotal   = 4096
	// A connection without a segment for tcpIdle is closed; the check runs at most once
	// every tcpSweep of capture time.
	tcpIdle  = 10 * time.Minute
	tcpSweep = time.Minute
)

// StreamEventType says what happened to an IKE-over-TCP connection.
type StreamEventType uint8

// Stream events.
const (
	StreamOpened   StreamEventType = iota + 1 // the client sent the "IKETCP" prefix
	StreamClosed                              // a side sent FIN
	StreamReset                               // a side sent RST
	StreamNotIKE                              // after the prefix, bytes that are not RFC 8229 frames of IKE or ESP
	StreamNoPrefix                            // a connection to the IKE port whose first bytes are not "IKETCP"
)

var streamEventNames = [...]string{StreamOpened: "opened", StreamClosed: "closed", StreamReset: "reset",
	StreamNotIKE: "not-ike", StreamNoPrefix: "no-prefix"}

func (e StreamEventType) String() string {
	if int(e) < len(streamEventNames) && streamEventNames[e] != "" {
		return streamEventNames[e]
	}
	return "StreamEventType(" + strconv.Itoa(int(e)) + ")"
}

// StreamEvent is what a KindStream message reports about an IKE-over-TCP connection.
// The message's Src and Dst are the connection's client and server.
type StreamEvent struct {
	Event StreamEventType `json:"event"`
	By    netip.AddrPort  `json:"by"` // the side whose bytes or flag caused it
	// What the connection carried so far, both directions together.
	Messages int `json:"ike_messages"`
	ESP      int `json:"esp_packets"`
	// Pending is, for StreamClosed and StreamReset, the bytes of frames begun but not
	// finished by the side that closed (for a reset, by either side).
	Pending int `json:"pending_bytes"`
	// Offset is where in By's byte stream (counting the prefix) the event was seen, for
	// StreamNotIKE and StreamNoPrefix.
	Offset int `json:"offset"`
}

// isTCPPort reports whether IKE over TCP is expected on port p.
func (d *Decoder) isTCPPort(p uint16) bool {
	return p == TCPPort || slices.Contains(d.TCPPorts, p)
}

// tcpState follows IKE-over-TCP connections for one Decoder. It is created on the first
// segment to or from an IKE port.
type tcpState struct {
	d     *Decoder
	asm   *reassembly.Assembler
	seg   layers.TCP
	ctx   tcpContext
	conns map[*tcpStream]struct{}
	emit  func(*Message)
	out   Message

	// The segment being assembled.
	frame    int
	now      time.Time
	src, dst netip.AddrPort
	swept    time.Time
}

type tcpContext struct{ ci gopacket.CaptureInfo }

func (c *tcpContext) GetCaptureInfo() gopacket.CaptureInfo { return c.ci }

func newTCPState(d *Decoder) *tcpState {
	t := &tcpState{d: d, conns: map[*tcpStream]struct{}{}}
	t.asm = reassembly.NewAssembler(reassembly.NewStreamPool(t))
	t.asm.MaxBufferedPagesPerConnection = tcpMaxPagesPerConn
	t.asm.MaxBufferedPagesTotal = tcpMaxPagesTotal
	return t
}

// tcp decodes a TCP segment whose port is an IKE port: b is the TCP header and payload.
func (d *Decoder) tcp(m *Message, src, dst netip.Addr, b []byte, emit func(*Message)) {
	if d.tcps == nil {
		d.tcps = newTCPState(d)
	}
	t := d.tcps
	if err := t.seg.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err != nil {
		d.Stats.LinkErrors++
		return
	}
	d.Stats.TCP++
	var flow gopacket.Flow
	if src.Is4() {
		s4, d4 := src.As4(), dst.As4()
		flow = gopacket.NewFlow(layers.EndpointIPv4, s4[:], d4[:])
	} else {
		s16, d16 := src.As16(), dst.As16()
		flow = gopacket.NewFlow(layers.EndpointIPv6, s16[:], d16[:])
	}
	t.frame, t.now, t.emit = m.Frame, m.Time, emit
	t.src = netip.AddrPortFrom(src, uint16(t.seg.SrcPort))
	t.dst = netip.AddrPortFrom(dst, uint16(t.seg.DstPort))
	t.ctx.ci = gopacket.CaptureInfo{Timestamp: m.Time}
	t.asm.AssembleWithContext(flow, &t.seg, &t.ctx)
	if len(t.conns) > tcpMaxConns {
		t.evictOldest()
	}
	if !t.now.IsZero() && t.now.Sub(t.swept) > tcpSweep {
		t.swept = t.now
		t.asm.FlushCloseOlderThan(t.now.Add(-tcpIdle))
	}
	t.emit = nil
}

// evictOldest closes the connections idle longest.
func (t *tcpState) evictOldest() {
	var oldest time.Time
	for s := range t.conns {
		if oldest.IsZero() || s.last.Before(oldest) {
			oldest = s.last
		}
	}
	cut := oldest.Add(time.Nanosecond)
	t.asm.FlushWithOptions(reassembly.FlushOptions{T: cut, TC: cut})
}

// flush closes every connection, handing on what waited for missing segments.
func (t *tcpState) flush(emit func(*Message)) {
	t.emit = emit
	t.asm.FlushAll()
	t.emit = nil
}

// New is called by the reassembly package for the first segment of a connection.
func (t *tcpState) New(_, _ gopacket.Flow, seg *layers.TCP, _ reassembly.AssemblerContext) reassembly.Stream {
	s := &tcpStream{t: t, last: t.now, lastFrame: t.frame}
	// The client is whoever sent the SYN; without one, the side not on the IKE port.
	firstIsClient := true
	switch {
	case seg.SYN:
		firstIsClient = !seg.ACK
	case t.d.isTCPPort(uint16(seg.SrcPort)) && !t.d.isTCPPort(uint16(seg.DstPort)):
		firstIsClient = false
	}
	s.firstIsClient = firstIsClient
	if firstIsClient {
		s.client, s.server = t.src, t.dst
	} else {
		s.client, s.server = t.dst, t.src
	}
	t.conns[s] = struct{}{}
	return s
}

// Sides of a connection.
const (
	sideClient = 0
	sideServer = 1
)

type streamState uint8

const (
	awaitPrefix streamState = iota
	framing
	ignored // not IKE over TCP, or reset: the rest of the connection is not read
)

// tcpStream is one IKE-over-TCP connection.
type tcpStream struct {
	t              *tcpState
	client, server netip.AddrPort
	firstIsClient  bool // the reassembly package's client-to-server direction is from the client
	state          streamState
	half           [2]tcpHalf
	messages, esp  int
	reset          bool
	last           time.Time
	lastFrame      int
}

// tcpHalf is one direction's bytes not yet framed.
type tcpHalf struct {
	buf  []byte
	off  int  // bytes of buf already framed
	read int  // bytes of the direction's stream read so far, up to buf[off]
	lost bool // a gap (segments never captured): framing cannot be followed further
}

func (s *tcpStream) side(dir reassembly.TCPFlowDirection) int {
	if (dir == reassembly.TCPDirClientToServer) == s.firstIsClient {
		return sideClient
	}
	return sideServer
}

func (s *tcpStream) addr(side int) netip.AddrPort {
	if side == sideClient {
		return s.client
	}
	return s.server
}

// Accept takes every segment; it notes the frame and time, and a reset.
func (s *tcpStream) Accept(seg *layers.TCP, _ gopacket.CaptureInfo, dir reassembly.TCPFlowDirection, nextSeq reassembly.Sequence, start *bool, _ reassembly.AssemblerContext) bool {
	s.last, s.lastFrame = s.t.now, s.t.frame
	if nextSeq == -1 && !seg.SYN {
		// The capture began after the handshake: read from here.
		*start = true
	}
	if seg.RST && !s.reset {
		s.reset = true
		side := s.side(dir)
		pending := len(s.half[0].buf) - s.half[0].off + len(s.half[1].buf) - s.half[1].off
		s.event(StreamReset, s.addr(side), pending, 0)
		s.state = ignored
	}
	return true
}

// ReassembledSG frames the bytes of one direction as they come in order.
func (s *tcpStream) ReassembledSG(sg reassembly.ScatterGather, _ reassembly.AssemblerContext) {
	dir, _, end, skip := sg.Info()
	side := s.side(dir)
	h := &s.half[side]
	n, _ := sg.Lengths()
	if skip > 0 {
		h.lost = true
	}
	if n > 0 && s.state != ignored && !h.lost {
		data := sg.Fetch(n)
		for len(data) > 0 && s.state != ignored {
			k := min(len(data), tcpMaxChunk)
			h.buf = append(h.buf, data[:k]...)
			data = data[k:]
			s.frames(side)
		}
		// Keep only the unfinished frame, at the start of the buffer.
		rest := copy(h.buf, h.buf[h.off:])
		h.buf, h.off = h.buf[:rest], 0
	}
	if end && !s.reset {
		s.event(StreamClosed, s.addr(side), len(h.buf)-h.off, 0)
	}
}

// ReassemblyComplete forgets the connection once both directions are closed.
func (s *tcpStream) ReassemblyComplete(reassembly.AssemblerContext) bool {
	delete(s.t.conns, s)
	return true
}

// frames reads the prefix and every whole frame in one direction's buffer.
func (s *tcpStream) frames(side int) {
	h := &s.half[side]
	for s.state != ignored {
		b := h.buf[h.off:]
		if s.state == awaitPrefix {
			if side == sideServer {
				// The server spoke before the client sent the prefix.
				s.noIKE(StreamNoPrefix, side, h.read)
				return
			}
			k := min(len(b), len(tcpPrefix))
			if string(b[:k]) != tcpPrefix[:k] {
				s.noIKE(StreamNoPrefix, side, h.read)
				return
			}
			if k < len(tcpPrefix) {
				return
			}
			h.off += len(tcpPrefix)
			h.read += len(tcpPrefix)
			s.state = framing
			s.event(StreamOpened, s.client, 0, 0)
			continue
		}
		if len(b) < 2 {
			return
		}
		n := int(binary.BigEndian.Uint16(b))
		// The shortest frames: an ESP header (SPI and sequence number), or the non-ESP
		// marker and an ISAKMP header.
		if n < 2+8 {
			s.noIKE(StreamNotIKE, side, h.read)
			return
		}
		if len(b) < n {
			return
		}
		body := b[2:n]
		spi := binary.BigEndian.Uint32(body)
		switch {
		case spi == 0 && n >= 2+4+HeaderLen && (body[4+17]>>4 == 1 || body[4+17]>>4 == 2):
			s.messages++
			s.t.d.isakmp(s.message(side), body[4:], false, false, s.t.emit)
		case spi >= 256: // SPIs 1-255 are reserved (RFC 4303 section 2.1)
			s.esp++
			s.t.d.esp(s.message(side), body, s.t.emit)
		default:
			s.noIKE(StreamNotIKE, side, h.read)
			return
		}
		h.off += n
		h.read += n
	}
}

// message prepares the Message for a frame sent by side.
func (s *tcpStream) message(side int) *Message {
	m := &s.t.out
	*m = Message{Frame: s.lastFrame, Time: s.last, TCP: true}
	m.Src, m.Dst = s.client, s.server
	if side == sideServer {
		m.Src, m.Dst = s.server, s.client
	}
	return m
}

// noIKE reports a stream that is not IKE over TCP and stops reading it.
func (s *tcpStream) noIKE(e StreamEventType, side, offset int) {
	s.state = ignored
	for i := range s.half {
		s.half[i].buf, s.half[i].off = nil, 0
	}
	s.event(e, s.addr(side), 0, offset)
}

func (s *tcpStream) event(e StreamEventType, by netip.AddrPort, pending, offset int) {
	if s.t.emit == nil {
		return
	}
	s.t.d.Stats.StreamEvents++
	m := &s.t.out
	*m = Message{Frame: s.lastFrame, Time: s.last, Kind: KindStream, TCP: true, Src: s.client, Dst: s.server}
	m.Stream = &StreamEvent{Event: e, By: by, Messages: s.messages, ESP: s.esp, Pending: pending, Offset: offset}
	s.t.emit(m)
}

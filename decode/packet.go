package decode

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// Kind says what a Message carries.
type Kind uint8

// Message kinds.
const (
	KindISAKMP     Kind = iota + 1 // an ISAKMP message on UDP 500 or 4500
	KindESP                        // an ESP packet, on IP protocol 50 or inside UDP 4500
	KindKeepalive                  // a NAT keepalive on UDP 4500
	KindIncomplete                 // IP fragments of a datagram that never completed
	KindICMP                       // an ICMP error about an IKE or ESP packet
	KindStream                     // an event of an IKE-over-TCP connection (RFC 8229): see StreamEvent
	KindAH                         // an Authentication Header (RFC 4302), on IP protocol 51: see Message.ESP
)

var kindNames = [...]string{KindISAKMP: "isakmp", KindESP: "esp", KindKeepalive: "keepalive", KindIncomplete: "fragments", KindICMP: "icmp", KindStream: "stream", KindAH: "ah"}

func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Message is one IKE, ESP, AH or keepalive datagram with where and when it was seen.
type Message struct {
	// Frame is the frame number as Wireshark shows it (1-based); for a reassembled
	// datagram, its last fragment; over TCP, the segment that completed the message.
	Frame    int
	Time     time.Time // capture timestamp
	Src, Dst netip.AddrPort
	Kind     Kind
	// Encap is set for traffic inside the RFC 3948 UDP encapsulation (UDP 4500):
	// ISAKMP after a non-ESP marker, or ESP in UDP.
	Encap bool
	// TCP is set for IKE and ESP carried over TCP (RFC 8229), and for KindStream.
	TCP bool
	// InAH is set for what an Authentication Header protects (the ESP of an AH+ESP
	// bundle): it travels as IP protocol 51, the AH first.
	InAH bool
	// Truncated is set when the capture's snap length cut the packet.
	Truncated bool
	// IPID is the identification of the outer IPv4 header (0 for IPv6). A sender gives
	// each datagram its own, a retransmission too; two copies of one datagram share it.
	IPID uint16

	ISAKMP *ISAKMP // KindISAKMP, and KindIncomplete when the first fragment shows IKE
	// ESP is the ESP header of KindESP, and the AH's SPI and sequence number of KindAH.
	ESP ESPHeader
	// Fragments is set when the datagram came in IP fragments, complete or not.
	Fragments *Fragments
	// ICMP is set for KindICMP: the error and the IKE or ESP packet it is about.
	ICMP *ICMPError
	// Stream is set for KindStream: what happened to an IKE-over-TCP connection.
	Stream *StreamEvent
	// Err is set when the datagram could not be decoded at all (an ESP header or ISAKMP
	// header too short to read, an AH whose length runs past the packet).
	Err error
	// Opened is what keys opened of an encrypted IKE message. The stage between decoding
	// and the analysis sets it (decode/ikecrypt's Decrypter.Open); nil when no keys
	// were tried or the message is not encrypted.
	Opened *Opened
	// Inner is what ESP keys opened of an ESP packet (set like Opened); nil without keys.
	Inner *Inner
}

// ErrNotInCapture is what an Opened's error wraps when the keys are there but a clear
// message they need is not in the capture (the IKEv1 Phase 1 proposal or KE payloads):
// the capture began too late; the keys are not wrong.
var ErrNotInCapture = errors.New("not in the capture")

// ErrChecksumOnly is what an Opened's error wraps when the encryption key opens the
// message to valid payloads but its integrity checksum fails: the integrity key is wrong,
// or the message was changed after it was sent.
var ErrChecksumOnly = errors.New("only the checksum fails")

// Opened is the decrypted content of one IKE message.
type Opened struct {
	Payloads  []Payload // the decrypted payloads; nil when Err is set
	Integrity string    // what vouches for them: "verified", "not checked"
	Err       error     // why the message did not decrypt
}

// ESPHeader is the clear part of an ESP packet. It holds an Authentication Header's
// too (KindAH): the SPI and sequence number an IPsec SA is followed by are the same.
type ESPHeader struct {
	SPI uint32
	Seq uint32
	// Len is the bytes after the ESP header: IV, ciphertext, padding and ICV; after the
	// AH header (its ICV included), what the AH protects.
	Len int
	// Raw is the whole ESP packet from the SPI on (an AH from its first byte on), in
	// the frame's buffer: valid only until the next frame is read. Decryption reads
	// it; nothing keeps it.
	Raw []byte `json:"-"`
}

// Fragments records how a datagram travelled in IP fragments.
type Fragments struct {
	Frames   []int `json:"frames"`         // the frames that carried fragments, in capture order
	Received int   `json:"received_bytes"` // payload bytes received
	Total    int   `json:"total_bytes"`    // datagram payload length, known once the last fragment is seen; 0 otherwise
	Complete bool  `json:"complete"`
	First    bool  `json:"first_seen"` // the fragment at offset 0 was seen
	Last     bool  `json:"last_seen"`  // the fragment without the more-fragments flag was seen
}

// ICMPError is an ICMP or ICMPv6 error that quotes an IKE or ESP packet: evidence of what
// happened to it (port unreachable: nothing listens; reassembly time exceeded: fragments
// were lost; administratively prohibited: a firewall said no).
type ICMPError struct {
	V6   bool  `json:"v6"`
	Type uint8 `json:"type"`
	Code uint8 `json:"code"`
	// The quoted packet: what was sent, from where to where.
	Src   netip.AddrPort `json:"quoted_src"`
	Dst   netip.AddrPort `json:"quoted_dst"`
	Proto uint8          `json:"quoted_protocol"`
	// QuotedLen is the quoted packet's length as its IP header states it: the size of
	// the packet that was too big, for a fragmentation-needed error.
	QuotedLen int `json:"quoted_length,omitempty"`
	// MTU is the next-hop MTU of a fragmentation-needed (RFC 1191) or packet-too-big
	// (RFC 4443) error; 0 when the router gave none.
	MTU int `json:"mtu,omitempty"`
}

// Meaning names an ICMP error in words.
func (e *ICMPError) Meaning() string {
	switch {
	case !e.V6 && e.Type == 3 && e.Code == 3, e.V6 && e.Type == 1 && e.Code == 4:
		return "port unreachable"
	case !e.V6 && e.Type == 3 && (e.Code == 9 || e.Code == 10 || e.Code == 13), e.V6 && e.Type == 1 && e.Code == 1:
		return "administratively prohibited"
	case !e.V6 && e.Type == 3 && e.Code == 1, e.V6 && e.Type == 1 && e.Code == 3:
		return "host unreachable"
	case !e.V6 && e.Type == 3 && e.Code == 0, e.V6 && e.Type == 1 && e.Code == 0:
		return "network unreachable"
	case !e.V6 && e.Type == 3 && e.Code == 2:
		return "protocol unreachable"
	case !e.V6 && e.Type == 3 && e.Code == 4, e.V6 && e.Type == 2:
		return "fragmentation needed / packet too big"
	case !e.V6 && e.Type == 11 && e.Code == 1, e.V6 && e.Type == 3 && e.Code == 1:
		return "fragment reassembly time exceeded"
	case !e.V6 && e.Type == 11, e.V6 && e.Type == 3:
		return "time exceeded in transit"
	}
	return fmt.Sprintf("ICMP type %d code %d", e.Type, e.Code)
}

// Stats counts what the Decoder saw.
type Stats struct {
	Frames      int
	ISAKMP      int
	ESP         int
	AH          int // Authentication Headers (KindAH messages)
	Keepalives  int
	Other       int // frames that are not IKE or ESP (or not IP at all)
	LinkErrors  int // frames whose link or IP layer did not decode
	Truncated   int // frames cut by the snap length
	Fragments   int // IP fragments of UDP, ESP or AH datagrams
	Reassembled int // datagrams rebuilt from fragments
	Incomplete  int // datagrams whose fragments never all arrived
	ICMP        int // ICMP errors about IKE or ESP packets
	TCP         int // TCP segments to or from an IKE-over-TCP port
	// StreamEvents counts KindStream messages.
	StreamEvents int
	// First and Last are the timestamps of the earliest and latest frames of any kind:
	// the capture's clock runs on every packet, not only on IKE and ESP.
	First, Last time.Time
	// ClockBack counts the frames stamped at least ClockStepBack before the frame ahead
	// of them: the file was put together from pieces (mergecap -a, cat, an export
	// sorted by flow) or the capturing host's clock was set back. ClockBackMost is the
	// largest such step, at frame ClockBackFrame.
	ClockBack      int
	ClockBackMost  time.Duration
	ClockBackFrame int
	// Encapsulated counts the frames read inside a tunnel or a mirror's encapsulation
	// (GRE, ERSPAN, VXLAN, Geneve, IP in IP, MPLS, PPPoE).
	Encapsulated int
}

// ClockStepBack is how far a frame's timestamp must lie before the previous frame's for
// Stats.ClockBack to count it: far beyond the reordering of a capture itself, where
// packets taken on several CPUs or queues are written microseconds to milliseconds out
// of order.
const ClockStepBack = time.Second

// Decoder turns frames into Messages. It keeps fragment state between frames, so one
// Decoder serves one capture (or one live interface). It is not safe for concurrent use.
type Decoder struct {
	eth     layers.Ethernet
	dot1q   layers.Dot1Q
	sll     layers.LinuxSLL
	sll2    LinuxSLL2
	loop    layers.Loopback
	ip4     layers.IPv4
	ip6     layers.IPv6
	decoded []gopacket.LayerType
	parsers map[gopacket.LayerType]*gopacket.DecodingLayerParser

	frags reassembler
	msg   Message
	inc   Message // for incomplete datagrams reported while msg is being filled
	Stats Stats

	// TCPPorts are ports, besides 4500, where IKE over TCP (RFC 8229) is read. Set it
	// before the first frame.
	TCPPorts []uint16
	tcps     *tcpState // created on the first segment to or from an IKE-over-TCP port

	// The frame being decoded, and how many encapsulations deep (decodeLayers).
	frame    int
	ci       gopacket.CaptureInfo
	cut      bool
	depth    int
	udpCut   int       // the bytes of the UDP datagram being decoded that the capture left out
	bodies   *bodies   // the structures of decoded IKE messages, by blocks
	prevTime time.Time // the previous frame's timestamp
}

// NewDecoder returns a Decoder.
func NewDecoder() *Decoder {
	d := &Decoder{parsers: map[gopacket.LayerType]*gopacket.DecodingLayerParser{}}
	d.frags.init()
	return d
}

// firstLayer maps a capture's link type to the layer its frames start with.
func firstLayer(link layers.LinkType, data []byte) gopacket.LayerType {
	switch link {
	case layers.LinkTypeEthernet:
		return layers.LayerTypeEthernet
	case layers.LinkTypeLinuxSLL:
		return layers.LayerTypeLinuxSLL
	case LinkTypeLinuxSLL2:
		return LayerTypeLinuxSLL2
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		return layers.LayerTypeLoopback
	case layers.LinkTypeIPv4:
		return layers.LayerTypeIPv4
	case layers.LinkTypeIPv6:
		return layers.LayerTypeIPv6
	case layers.LinkTypeRaw, 12, 14: // DLT_RAW on various systems
		if len(data) > 0 && data[0]>>4 == 6 {
			return layers.LayerTypeIPv6
		}
		return layers.LayerTypeIPv4
	}
	return gopacket.LayerTypeZero
}

// LinkTypeSupported reports whether the Decoder reads frames of this link type.
func LinkTypeSupported(link layers.LinkType) bool {
	return firstLayer(link, nil) != gopacket.LayerTypeZero
}

func (d *Decoder) parser(first gopacket.LayerType) *gopacket.DecodingLayerParser {
	if p := d.parsers[first]; p != nil {
		return p
	}
	// The parser stops after the network layer: fragments must be reassembled before the
	// transport layer is read, so UDP and ESP are decoded by hand below.
	p := gopacket.NewDecodingLayerParser(first, &d.eth, &d.dot1q, &d.sll, &d.sll2, &d.loop, &d.ip4, &d.ip6)
	p.IgnoreUnsupported = true
	d.parsers[first] = p
	return p
}

// Decode decodes one frame and calls emit for each message it yields: none for traffic
// that is not IKE, ESP or AH, one for an IKE/ESP datagram, two for an AH and the ESP
// packet (or IKE datagram) it protects, and possibly more when the frame completes a
// fragmented datagram or fragment state is evicted. The *Message is valid only
// during the call; its ISAKMP and Fragments values belong to the caller and may be kept.
func (d *Decoder) Decode(frame int, ci gopacket.CaptureInfo, link layers.LinkType, data []byte, emit func(*Message)) {
	d.Stats.Frames++
	if t := ci.Timestamp; !t.IsZero() {
		if back := d.prevTime.Sub(t); !d.prevTime.IsZero() && back >= ClockStepBack {
			d.Stats.ClockBack++
			if back > d.Stats.ClockBackMost {
				d.Stats.ClockBackMost, d.Stats.ClockBackFrame = back, frame
			}
		}
		d.prevTime = t
		if d.Stats.First.IsZero() || t.Before(d.Stats.First) {
			d.Stats.First = t
		}
		if t.After(d.Stats.Last) {
			d.Stats.Last = t
		}
	}
	cut := ci.CaptureLength < ci.Length
	if cut {
		d.Stats.Truncated++
	}
	first := firstLayer(link, data)
	if first == gopacket.LayerTypeZero {
		d.Stats.Other++
		return
	}
	d.frags.expire(ci.Timestamp, func(fs *fragSet) { d.emitIncomplete(fs, emit) })
	d.frame, d.ci, d.cut, d.depth = frame, ci, cut, 0
	d.decodeLayers(first, data, emit)
}

// maxEncap bounds how many tunnels inside tunnels a frame is opened through.
const maxEncap = 4

// decodeLayers decodes the frame d.frame from the layer first on: the frame itself, or
// the packet a tunnel or mirror encapsulation carries inside it (encap.go).
func (d *Decoder) decodeLayers(first gopacket.LayerType, data []byte, emit func(*Message)) {
	frame, ci, cut := d.frame, d.ci, d.cut
	p := d.parser(first)
	if err := p.DecodeLayers(data, &d.decoded); err != nil {
		// gopacket refuses an IPv4 header with malformed options; tcpdump and Wireshark
		// read past them, and so do we, to reach the datagram.
		if !d.lenientIPv4(first, data) {
			d.Stats.LinkErrors++
			return
		}
	}
	if len(d.decoded) == 0 {
		d.Stats.Other++
		return
	}
	m := &d.msg
	*m = Message{Frame: frame, Time: ci.Timestamp, Truncated: cut}
	switch d.decoded[len(d.decoded)-1] {
	case layers.LayerTypeEthernet, layers.LayerTypeDot1Q, layers.LayerTypeLinuxSLL, LayerTypeLinuxSLL2:
		// The parser stops at a link layer whose payload is not IP: MPLS or PPPoE may
		// carry it.
		if !d.linkInner(emit) {
			d.Stats.Other++
		}
	case layers.LayerTypeIPv4:
		ip := &d.ip4
		m.IPID = ip.Id
		src, _ := netip.AddrFromSlice(ip.SrcIP.To4())
		dst, _ := netip.AddrFromSlice(ip.DstIP.To4())
		proto := uint8(ip.Protocol)
		payload := ip.Payload
		if proto == 51 && ip.Flags&layers.IPv4MoreFragments == 0 && ip.FragOffset == 0 {
			// The AH is reported, then what it protects is read on: ESP of an AH+ESP
			// bundle, or whatever else the decoder reads there.
			var ok bool
			if proto, payload, ok = d.ah(m, src, dst, payload, cut, emit); !ok {
				return
			}
		}
		if proto == 1 && ip.FragOffset == 0 {
			d.icmp(m, src, dst, false, payload, emit)
			return
		}
		if (proto == 47 || proto == 4 || proto == 41) && ip.Flags&layers.IPv4MoreFragments == 0 && ip.FragOffset == 0 && d.ipInner(proto, payload, emit) {
			return
		}
		if proto == 6 && (ip.Flags&layers.IPv4MoreFragments != 0 || ip.FragOffset != 0) {
			d.Stats.Other++ // IP fragments of TCP segments: not followed
			return
		}
		if proto != 17 && proto != 50 && proto != 6 && proto != 51 { // 51: fragments of an AH packet
			d.Stats.Other++
			return
		}
		if ip.Flags&layers.IPv4MoreFragments != 0 || ip.FragOffset != 0 {
			key := fragKey{src: src, dst: dst, id: uint32(ip.Id), proto: proto}
			size := int(ip.Length) - int(ip.IHL)*4 // what the header says, the snap length may have cut
			d.fragment(m, key, int(ip.FragOffset)*8, ip.Flags&layers.IPv4MoreFragments != 0, ip.Payload, size, cut, emit)
			return
		}
		d.transport(m, src, dst, proto, payload, cut, emit)
	case layers.LayerTypeIPv6:
		ip := &d.ip6
		src, _ := netip.AddrFromSlice(ip.SrcIP.To16())
		dst, _ := netip.AddrFromSlice(ip.DstIP.To16())
		nh := uint8(ip.NextHeader)
		if ip.HopByHop != nil {
			nh = uint8(ip.HopByHop.NextHeader)
		}
		payload := ip.Payload
		for {
			switch nh {
			case 0, 43, 60: // hop-by-hop (after the first), routing, destination options
				if len(payload) < 8 || len(payload) < 8+int(payload[1])*8 {
					d.Stats.LinkErrors++
					return
				}
				nh, payload = payload[0], payload[8+int(payload[1])*8:]
				continue
			case 51: // AH, reported; then what it protects (ESP, for AH+ESP bundles)
				var ok bool
				if nh, payload, ok = d.ah(m, src, dst, payload, cut, emit); !ok {
					return
				}
				continue
			case 44: // fragment header
				if len(payload) < 8 {
					d.Stats.LinkErrors++
					return
				}
				next := payload[0]
				offFlags := binary.BigEndian.Uint16(payload[2:4])
				id := binary.BigEndian.Uint32(payload[4:8])
				if next != 17 && next != 50 && next != 51 {
					d.Stats.Other++
					return
				}
				key := fragKey{src: src, dst: dst, id: id, proto: next}
				// The IPv6 payload length counts the extension headers before this one.
				size := int(ip.Length) - (len(ip.Payload) - len(payload)) - 8
				d.fragment(m, key, int(offFlags&^7), offFlags&1 != 0, payload[8:], size, cut, emit)
				return
			case 6, 17, 50:
				d.transport(m, src, dst, nh, payload, cut, emit)
				return
			case 4, 41, 47:
				if d.ipInner(nh, payload, emit) {
					return
				}
			case 58:
				d.icmp(m, src, dst, true, payload, emit)
				return
			}
			d.Stats.Other++
			return
		}
	default:
		d.Stats.Other++
	}
}

// lenientIPv4 reads the IPv4 header gopacket refused, ignoring its options, when the
// layer before it decoded (or the frame starts with it).
func (d *Decoder) lenientIPv4(first gopacket.LayerType, data []byte) bool {
	var b []byte
	switch {
	case len(d.decoded) == 0 && first == layers.LayerTypeIPv4:
		b = data
	case len(d.decoded) > 0:
		var l gopacket.DecodingLayer
		switch d.decoded[len(d.decoded)-1] {
		case layers.LayerTypeEthernet:
			l = &d.eth
		case layers.LayerTypeDot1Q:
			l = &d.dot1q
		case layers.LayerTypeLinuxSLL:
			l = &d.sll
		case LayerTypeLinuxSLL2:
			l = &d.sll2
		case layers.LayerTypeLoopback:
			l = &d.loop
		default:
			return false
		}
		if l.NextLayerType() != layers.LayerTypeIPv4 {
			return false
		}
		b = l.(gopacket.Layer).LayerPayload()
	default:
		return false
	}
	if len(b) < 20 || b[0]>>4 != 4 {
		return false
	}
	ihl := int(b[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(b[2:4]))
	if ihl < 20 || ihl > len(b) || total < ihl {
		return false
	}
	end := min(total, len(b))
	ip := &d.ip4
	ip.Version, ip.IHL, ip.Length = 4, uint8(ihl/4), uint16(total)
	ip.Id = binary.BigEndian.Uint16(b[4:6])
	ff := binary.BigEndian.Uint16(b[6:8])
	ip.Flags, ip.FragOffset = layers.IPv4Flag(ff>>13), ff&0x1fff
	ip.Protocol = layers.IPProtocol(b[9])
	ip.SrcIP, ip.DstIP = b[12:16], b[16:20]
	ip.Contents, ip.Payload = b[:ihl], b[ihl:end]
	d.decoded = append(d.decoded, layers.LayerTypeIPv4)
	return true
}

// fragment hands an IP fragment to reassembly and decodes the datagram it completes.
func (d *Decoder) fragment(m *Message, key fragKey, off int, more bool, data []byte, size int, cut bool, emit func(*Message)) {
	d.Stats.Fragments++
	fs, whole := d.frags.add(key, m.Frame, m.Time, off, more, data, size, cut, d.evict(emit))
	if whole == nil {
		return
	}
	d.Stats.Reassembled++
	m.Fragments = fs.facts()
	d.transport(m, key.src, key.dst, key.proto, whole, fs.cut, emit)
}

// icmp reports an ICMP error whose quoted packet is IKE (UDP 500/4500) or ESP.
func (d *Decoder) icmp(m *Message, src, dst netip.Addr, v6 bool, b []byte, emit func(*Message)) {
	if len(b) < 8 {
		d.Stats.Other++
		return
	}
	typ, code := b[0], b[1]
	isError := (!v6 && (typ == 3 || typ == 11)) || (v6 && typ >= 1 && typ <= 3)
	if !isError {
		d.Stats.Other++
		return
	}
	q := b[8:]
	var qsrc, qdst netip.Addr
	var proto uint8
	var qlen int
	switch {
	case !v6 && len(q) >= 20 && q[0]>>4 == 4:
		ihl := int(q[0]&0x0f) * 4
		if ihl < 20 || len(q) < ihl {
			d.Stats.Other++
			return
		}
		qsrc, _ = netip.AddrFromSlice(q[12:16])
		qdst, _ = netip.AddrFromSlice(q[16:20])
		proto = q[9]
		qlen = int(binary.BigEndian.Uint16(q[2:4]))
		q = q[ihl:]
	case v6 && len(q) >= 40 && q[0]>>4 == 6:
		qsrc, _ = netip.AddrFromSlice(q[8:24])
		qdst, _ = netip.AddrFromSlice(q[24:40])
		proto = q[6]
		qlen = 40 + int(binary.BigEndian.Uint16(q[4:6]))
		q = q[40:]
	default:
		d.Stats.Other++
		return
	}
	e := &ICMPError{V6: v6, Type: typ, Code: code, Proto: proto, QuotedLen: qlen}
	switch {
	case !v6 && typ == 3 && code == 4: // RFC 1191: the next-hop MTU
		e.MTU = int(binary.BigEndian.Uint16(b[6:8]))
	case v6 && typ == 2: // RFC 4443 packet too big
		e.MTU = int(binary.BigEndian.Uint32(b[4:8]))
	}
	switch {
	case proto == 17 && len(q) >= 4:
		sp, dp := binary.BigEndian.Uint16(q[0:2]), binary.BigEndian.Uint16(q[2:4])
		if sp != 500 && sp != 4500 && dp != 500 && dp != 4500 {
			d.Stats.Other++
			return
		}
		e.Src, e.Dst = netip.AddrPortFrom(qsrc, sp), netip.AddrPortFrom(qdst, dp)
	case proto == 50:
		e.Src, e.Dst = netip.AddrPortFrom(qsrc, 0), netip.AddrPortFrom(qdst, 0)
	default:
		d.Stats.Other++
		return
	}
	d.Stats.ICMP++
	m.Kind = KindICMP
	m.Src, m.Dst = netip.AddrPortFrom(src, 0), netip.AddrPortFrom(dst, 0)
	m.ICMP = e
	emit(m)
}

// transport decodes a UDP datagram, TCP segment or ESP packet whose IP layer has been
// read, or an AH packet reassembled from IP fragments.
func (d *Decoder) transport(m *Message, src, dst netip.Addr, proto uint8, b []byte, cut bool, emit func(*Message)) {
	if proto == 6 {
		// The ports first: any other TCP traffic costs nothing more.
		if len(b) < 20 || !d.isTCPPort(binary.BigEndian.Uint16(b[0:2])) && !d.isTCPPort(binary.BigEndian.Uint16(b[2:4])) {
			d.Stats.Other++
			return
		}
		d.tcp(m, src, dst, b, emit)
		return
	}
	if proto == 50 {
		m.Src, m.Dst = netip.AddrPortFrom(src, 0), netip.AddrPortFrom(dst, 0)
		d.esp(m, b, emit)
		return
	}
	if proto == 51 {
		// What the AH protects is read as fragments are: UDP or ESP.
		if next, rest, ok := d.ah(m, src, dst, b, cut, emit); ok {
			if next == 17 || next == 50 {
				d.transport(m, src, dst, next, rest, cut, emit)
			} else {
				d.Stats.Other++
			}
		}
		return
	}
	if len(b) < 8 {
		d.Stats.Other++
		return
	}
	sport, dport := binary.BigEndian.Uint16(b[0:2]), binary.BigEndian.Uint16(b[2:4])
	ulen := int(binary.BigEndian.Uint16(b[4:6]))
	body := b[8:]
	d.udpCut = 0
	if cut && ulen-8 > len(body) {
		d.udpCut = ulen - 8 - len(body) // what the snap length left out, by the UDP header
	}
	m.Src, m.Dst = netip.AddrPortFrom(src, sport), netip.AddrPortFrom(dst, dport)
	switch {
	case ulen >= 8 && ulen-8 < len(body):
		body = body[:ulen-8] // link-layer padding
	case ulen-8 > len(body) && !cut:
		// The frame is whole, so the UDP header overstates the datagram.
		m.Err = &FieldError{Field: "UDP length", Offset: 4, Err: fmt.Errorf("%w: %d bytes stated, %d present", errLengthLong, ulen, len(b))}
	}
	if (dport == 4789 || dport == 6081) && d.udpInner(dport, body, emit) {
		return
	}
	switch {
	case sport == 4500 || dport == 4500:
		m.Encap = true
		var enc UDPEncap
		enc.DecodeFromBytes(body, nil)
		switch enc.Kind {
		case EncapKeepalive:
			d.Stats.Keepalives++
			m.Kind = KindKeepalive
			emit(m)
		case EncapISAKMP, EncapISAKMPNoMarker:
			d.isakmp(m, enc.Payload, cut, enc.Kind == EncapISAKMPNoMarker, emit)
		case EncapESP:
			d.esp(m, enc.Payload, emit)
		default:
			d.Stats.Other++
		}
	case sport == 500 || dport == 500:
		d.isakmp(m, body, cut, false, emit)
	default:
		d.Stats.Other++
	}
}

func (d *Decoder) esp(m *Message, b []byte, emit func(*Message)) {
	d.Stats.ESP++
	m.Kind = KindESP
	var e ESP
	if err := e.DecodeFromBytes(b, nil); err != nil {
		m.Err = err
	}
	m.ESP = ESPHeader{SPI: e.SPI, Seq: e.Seq, Len: len(e.Payload), Raw: b}
	emit(m)
}

// isakmp copies the message out of the frame buffer and decodes it; noMarker says it came
// on UDP 4500 without the non-ESP marker.
func (d *Decoder) isakmp(m *Message, b []byte, cut, noMarker bool, emit func(*Message)) {
	d.Stats.ISAKMP++
	m.Kind = KindISAKMP
	m.Truncated = m.Truncated || cut
	own := make([]byte, len(b))
	copy(own, b)
	msg, err := d.decodeISAKMP(own, cut)
	if err != nil && m.Err == nil {
		m.Err = err
	}
	if msg.Truncated && msg.Length == 0 && d.udpCut > 0 {
		// The snap length cut the header's length too: the UDP header still says it.
		msg.Length = uint32(len(b) + d.udpCut)
	}
	if noMarker {
		msg.addNoMarker()
	}
	m.ISAKMP = msg
	emit(m)
}

// decodeISAKMP decodes a message its caller keeps, the structures of its payloads taken
// from the decoder's blocks.
func (d *Decoder) decodeISAKMP(own []byte, cut bool) (*ISAKMP, error) {
	if d.bodies == nil {
		d.bodies = newBlockBodies()
	}
	al := d.bodies
	msg := al.isakmp.one()
	msg.Payloads, msg.al = al.payloadScratch[:0], al
	if cut && msg.decodeCutHeader(own) {
		msg.Payloads, msg.al = nil, nil
		return msg, nil
	}
	err := msg.decode(own, cut)
	ps := msg.Payloads
	msg.Payloads, msg.al = al.payloads.copyOf(ps), nil
	clear(ps)
	al.payloadScratch = ps[:0]
	return msg, err
}

func (d *Decoder) emitIncomplete(fs *fragSet, emit func(*Message)) {
	d.Stats.Incomplete++
	m := &d.inc
	*m = Message{Kind: KindIncomplete, Frame: fs.frames[len(fs.frames)-1], Time: fs.last, Fragments: fs.facts()}
	m.Src, m.Dst = netip.AddrPortFrom(fs.key.src, 0), netip.AddrPortFrom(fs.key.dst, 0)
	if first := fs.firstPiece(); first != nil && fs.key.proto == 17 && len(first) >= 8 {
		sport, dport := binary.BigEndian.Uint16(first[0:2]), binary.BigEndian.Uint16(first[2:4])
		m.Src, m.Dst = netip.AddrPortFrom(fs.key.src, sport), netip.AddrPortFrom(fs.key.dst, dport)
		body := first[8:]
		switch {
		case sport == 4500 || dport == 4500:
			m.Encap = true
			if len(body) >= 4 && binary.BigEndian.Uint32(body) == 0 {
				body = body[4:]
			} else {
				body = nil
			}
		case sport == 500 || dport == 500:
		default:
			return // fragments of some other UDP traffic
		}
		if len(body) >= HeaderLen {
			m.ISAKMP, _ = d.decodeISAKMP(append([]byte(nil), body...), true)
		}
	}
	emit(m)
}

func (d *Decoder) evict(emit func(*Message)) func(*fragSet) {
	return func(fs *fragSet) { d.emitIncomplete(fs, emit) }
}

// Recycle says that the caller keeps nothing of the messages decoded so far (their
// ISAKMP trees; the bytes each one was decoded from stay its own): the structures of
// their payloads may be reused for the next ones. A caller that calls it after each
// message it is done with decodes without allocating them. Messages already decoded and
// not yet handed out (the rest of a frame's, Reader.Next) are not touched: nothing is
// decoded again before they are gone.
func (d *Decoder) Recycle() {
	if d.bodies != nil {
		d.bodies.recycle()
	}
}

// Flush reports fragment sets still waiting for pieces, and hands on what IKE-over-TCP
// connections hold (out-of-order segments whose gap never filled); call it at the end of
// a capture.
func (d *Decoder) Flush(emit func(*Message)) {
	d.frags.expireAll(func(fs *fragSet) { d.emitIncomplete(fs, emit) })
	if d.tcps != nil {
		d.tcps.flush(emit)
	}
}

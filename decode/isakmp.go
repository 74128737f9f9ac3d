package decode

import (
	"encoding/binary"
	"fmt"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// LayerTypeISAKMP is the gopacket layer type of an ISAKMP (IKEv1 or IKEv2) message.
var LayerTypeISAKMP = gopacket.RegisterLayerType(2500, gopacket.LayerTypeMetadata{
	Name:    "ISAKMP",
	Decoder: gopacket.DecodeFunc(decodeISAKMP),
})

func init() {
	// gopacket has no port table entry for IKE; UDP 4500 carries the RFC 3948 encapsulation.
	layers.RegisterUDPPortLayerType(500, LayerTypeISAKMP)
	layers.RegisterUDPPortLayerType(4500, LayerTypeUDPEncap)
}

// HeaderLen is the length of the ISAKMP header.
const HeaderLen = 28

// Flags are the ISAKMP header flags. IKEv1 uses E, C and A; IKEv2 uses I, V and R.
type Flags uint8

// ISAKMP header flag bits (RFC 2408 3.1, RFC 7296 3.1).
const (
	FlagEncryption  Flags = 0x01 // IKEv1 E: payloads after the header are encrypted
	FlagCommit      Flags = 0x02 // IKEv1 C
	FlagAuthOnly    Flags = 0x04 // IKEv1 A
	FlagInitiator   Flags = 0x08 // IKEv2 I: sent by the original initiator of the IKE SA
	FlagHigherMajor Flags = 0x10 // IKEv2 V
	FlagResponse    Flags = 0x20 // IKEv2 R: this message is a response
)

// Names gives the set flags as letters for the message's version ("E", "I R", ...).
func (f Flags) Names(v2 bool) []string {
	var names []string
	add := func(bit Flags, name string) {
		if f&bit != 0 {
			names = append(names, name)
		}
	}
	if v2 {
		add(FlagInitiator, "Initiator")
		add(FlagHigherMajor, "Version")
		add(FlagResponse, "Response")
		add(0xc7, fmt.Sprintf("Reserved(0x%02x)", uint8(f&0xc7)))
	} else {
		add(FlagEncryption, "Encryption")
		add(FlagCommit, "Commit")
		add(FlagAuthOnly, "AuthOnly")
		add(0xf8, fmt.Sprintf("Reserved(0x%02x)", uint8(f&0xf8)))
	}
	return names
}

// ISAKMP is one ISAKMP message: the header of RFC 2408 3.1 / RFC 7296 3.1 and its payloads.
//
//	                     1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                       IKE SA Initiator's SPI                  |
//	|                                                               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                       IKE SA Responder's SPI                  |
//	|                                                               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  Next Payload | MjVer | MnVer | Exchange Type |     Flags     |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                          Message ID                           |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                            Length                             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
type ISAKMP struct {
	layers.BaseLayer
	InitiatorSPI [8]byte
	ResponderSPI [8]byte
	NextPayload  PayloadType
	MajorVersion uint8
	MinorVersion uint8
	ExchangeType ExchangeType
	Flags        Flags
	MessageID    uint32
	Length       uint32

	// Payloads in the order they appear. For an IKEv1 message with the E flag the body is
	// opaque and Encrypted is set instead.
	Payloads  []Payload
	Encrypted *Encrypted

	// Errors found while decoding; the message is decoded as far as it goes.
	Errors []error
	// Anomalies are protocol violations that did not stop decoding: a KE value of the
	// wrong length, a NAT detection payload without its partner, bytes after the last
	// payload. They are not errors: the message parsed.
	Anomalies []Anomaly
	// Truncated is set when the capture cut the message short (snap length).
	Truncated bool

	al *bodies // where the payloads' structures come from (nil: each on its own)
}

// LayerType implements gopacket.Layer.
func (m *ISAKMP) LayerType() gopacket.LayerType { return LayerTypeISAKMP }

// CanDecode implements gopacket.DecodingLayer.
func (m *ISAKMP) CanDecode() gopacket.LayerClass { return LayerTypeISAKMP }

// NextLayerType implements gopacket.DecodingLayer: nothing follows an ISAKMP message.
func (m *ISAKMP) NextLayerType() gopacket.LayerType { return gopacket.LayerTypeZero }

// IsV2 reports whether the header says IKEv2.
func (m *ISAKMP) IsV2() bool { return m.MajorVersion == 2 }

// IsResponse reports whether the message is a response, as far as the header tells:
// IKEv2 carries the R flag; IKEv1 has no such flag and this returns false.
func (m *ISAKMP) IsResponse() bool { return m.IsV2() && m.Flags&FlagResponse != 0 }

// FromInitiator reports whether an IKEv2 message was sent by the IKE SA's original initiator.
func (m *ISAKMP) FromInitiator() bool { return m.IsV2() && m.Flags&FlagInitiator != 0 }

// DecodeFromBytes decodes an ISAKMP message. It never fails for a malformed body: errors
// are collected in m.Errors. It fails only when the 28-byte header is not there.
// The layer points into data; copy data first if the message must outlive it.
//
// Without knowing how the packet was captured, a length field larger than the data is
// taken as truncation by the capture; the Decoder knows better and calls decode directly.
func (m *ISAKMP) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if m.al == nil {
		m.al = newBlockBodies() // a layer decodes many messages
	}
	err := m.decode(data, true)
	if m.Truncated && df != nil {
		df.SetTruncated()
	}
	return err
}

// decodeCutHeader reads what is left of a header the capture's snap length cut
// (tcpdump's old 68 bytes leave 22 of it on UDP 4500): the SPIs, the first payload, the
// version, the exchange and the flags, which say which message this is; the rest is
// unknown. false when not even those are there.
func (m *ISAKMP) decodeCutHeader(data []byte) bool {
	*m = ISAKMP{Payloads: m.Payloads[:0], Anomalies: m.Anomalies[:0], al: m.al}
	if len(data) < 20 || len(data) >= HeaderLen {
		return false
	}
	copy(m.InitiatorSPI[:], data[0:8])
	copy(m.ResponderSPI[:], data[8:16])
	m.NextPayload = PayloadType(data[16])
	m.MajorVersion, m.MinorVersion = data[17]>>4, data[17]&0x0f
	m.ExchangeType, m.Flags = ExchangeType(data[18]), Flags(data[19])
	if len(data) >= 24 {
		m.MessageID = binary.BigEndian.Uint32(data[20:24])
	}
	m.Truncated = true
	m.BaseLayer = layers.BaseLayer{Contents: data}
	return true
}

// decode decodes data; cut says whether the capture may have cut the message short.
func (m *ISAKMP) decode(data []byte, cut bool) error {
	*m = ISAKMP{Payloads: m.Payloads[:0], Anomalies: m.Anomalies[:0], al: m.al}
	if len(data) < HeaderLen {
		return &FieldError{Field: "ISAKMP header", Offset: 0, Err: errShort}
	}
	copy(m.InitiatorSPI[:], data[0:8])
	copy(m.ResponderSPI[:], data[8:16])
	m.NextPayload = PayloadType(data[16])
	m.MajorVersion = data[17] >> 4
	m.MinorVersion = data[17] & 0x0f
	m.ExchangeType = ExchangeType(data[18])
	m.Flags = Flags(data[19])
	m.MessageID = binary.BigEndian.Uint32(data[20:24])
	m.Length = binary.BigEndian.Uint32(data[24:28])

	end := len(data)
	switch {
	case m.Length < HeaderLen:
		m.addErr("ISAKMP header length", 24, errLengthShort)
	case int64(m.Length) > int64(len(data)) && cut:
		m.Truncated = true
	case int64(m.Length) > int64(len(data)):
		m.addErr("ISAKMP header length", 24, fmt.Errorf("%w: header says %d bytes, datagram has %d", errLengthLong, m.Length, len(data)))
	default:
		end = int(m.Length)
	}
	m.BaseLayer = layers.BaseLayer{Contents: data[:end], Payload: data[end:]}
	m.headerAnomalies()
	chainEnd, parsed := m.decodePayloads(data[:end])
	// Bytes after the last payload: inside the header's length (the chain ends early) or
	// after it (the datagram is longer than the message). When the chain parsed, the
	// message is whole and they are an anomaly, as tcpdump and Wireshark take them;
	// otherwise the header's length may be the lie, and the bytes after it an error.
	after := 0
	if !m.Truncated && m.Length >= HeaderLen {
		after = len(data) - end
	}
	switch {
	case parsed && chainEnd < end && after > 0:
		m.addAnomaly(AnomalyExtraData, chainEnd, "extra data after the last payload: %s, %d inside the length the header gives and %d after it",
			nBytes(end-chainEnd+after), end-chainEnd, after)
	case parsed && chainEnd < end:
		m.addAnomaly(AnomalyExtraData, chainEnd, "extra data after the last payload: %s", nBytes(end-chainEnd))
	case parsed && after > 0:
		m.addAnomaly(AnomalyExtraData, end, "extra data after the last payload: %s after the length the header gives", nBytes(after))
	case after > 0:
		m.addErr("ISAKMP message", end, fmt.Errorf("%w: %d bytes after the length the header gives", errTrailingData, after))
	}
	if m.Encrypted == nil {
		m.findAnomalies(parsed && !m.Truncated)
	}
	return nil
}

func (m *ISAKMP) addErr(field string, off int, err error) {
	m.Errors = append(m.Errors, &FieldError{Field: field, Offset: off, Err: err})
}

// decodePayloads walks the generic payload chain (RFC 2408 3.2, RFC 7296 3.2) and says
// where it ended and whether it parsed, as walkPayloads does.
func (m *ISAKMP) decodePayloads(msg []byte) (end int, parsed bool) {
	if !m.IsV2() && m.Flags&FlagEncryption != 0 {
		m.Encrypted = &Encrypted{FirstPayload: m.NextPayload, Data: msg[HeaderLen:]}
		return len(msg), true
	}
	return m.walkPayloads(msg, HeaderLen, m.NextPayload)
}

// walkPayloads decodes the payload chain that starts at off in msg with a payload of type
// next, appending to m.Payloads and m.Errors. Offsets are offsets in msg. parsed says the
// chain ended with next payload NONE (or with SK) inside msg, every payload's length
// fitting; end is then where the last payload ended, and msg[end:] is left for the caller
// to judge. Errors in a payload's body do not stop the chain.
func (m *ISAKMP) walkPayloads(msg []byte, off int, next PayloadType) (end int, parsed bool) {
	v2 := m.IsV2()
	al := m.al
	if al == nil {
		al = &bodies{}
	}
	for n := 1; next != PayloadNone; n++ {
		field := func() string { return fmt.Sprintf("payload %d (%s)", n, next) }
		if off+4 > len(msg) {
			m.cut(field(), off, errShort)
			return off, false
		}
		plen := int(binary.BigEndian.Uint16(msg[off+2 : off+4]))
		if plen < 4 {
			m.addErr(field()+" length", off+2, errCycle)
			return off, false
		}
		p := Payload{
			Type:     next,
			Critical: msg[off+1]&0x80 != 0,
			Length:   uint16(plen),
			Offset:   off,
			DraftNAT: !v2 && (next == 15 || next == 16) && (m.ExchangeType == ExchangeMainMode || m.ExchangeType == ExchangeAggressive),
		}
		if off+plen > len(msg) {
			if m.Truncated {
				// Keep what was captured of the payload and decode it as far as it goes;
				// errors from the cut are not the sender's fault.
				p.Body = msg[off+4:]
				p.Partial = true
				parsePayloadBody(&p, v2, off+4, al)
				p.Err = nil
				if p.Encrypted != nil {
					p.Encrypted.FirstPayload = PayloadType(msg[off])
				}
				m.Payloads = append(m.Payloads, p)
				return len(msg), false
			}
			m.addErr(field()+" length", off+2, errLengthLong)
			p.Body = msg[off+4:]
			p.Partial = true
			m.Payloads = append(m.Payloads, p)
			return len(msg), false
		}
		p.Body = msg[off+4 : off+plen]
		following := PayloadType(msg[off])
		parsePayloadBody(&p, v2, off+4, al)
		if p.Err != nil {
			m.Errors = append(m.Errors, p.Err)
		}
		if p.Encrypted != nil {
			// The next-payload field of SK/SKF names the first inner (encrypted) payload;
			// SK is always the last payload of the message.
			p.Encrypted.FirstPayload = following
			following = PayloadNone
		}
		m.Payloads = append(m.Payloads, p)
		off += plen
		next = following
	}
	return off, true
}

// cut records that decoding ran out of bytes: truncation when the capture cut the
// message, a malformation otherwise.
func (m *ISAKMP) cut(field string, off int, err error) {
	if m.Truncated {
		return
	}
	m.addErr(field, off, err)
}

func decodeISAKMP(data []byte, p gopacket.PacketBuilder) error {
	m := &ISAKMP{} // decoded once: its structures each on their own, not by blocks
	if err := m.decode(data, true); err != nil {
		return err
	}
	if m.Truncated {
		p.SetTruncated()
	}
	p.AddLayer(m)
	return nil
}

// ParseISAKMP decodes an ISAKMP message from its bytes as the Decoder did: cut says the
// capture may have cut it short, noMarker that it came on UDP 4500 without the non-ESP
// marker. The analysis keeps a message's bytes rather than its decode, and rebuilds the
// decode with this when a report shows the message. The result points into data.
func ParseISAKMP(data []byte, cut, noMarker bool) *ISAKMP {
	m := &ISAKMP{}
	if m.decode(data, cut) != nil {
		return nil
	}
	if noMarker {
		m.addNoMarker()
	}
	return m
}

// Datagram is the whole datagram the message was decoded from: the message and any
// bytes after the length its header gives.
func (m *ISAKMP) Datagram() []byte {
	return m.Contents[: len(m.Contents)+len(m.Payload) : len(m.Contents)+len(m.Payload)]
}

// HasAnomaly reports whether the message shows the anomaly k.
func (m *ISAKMP) HasAnomaly(k AnomalyKind) bool {
	for _, a := range m.Anomalies {
		if a.Kind == k {
			return true
		}
	}
	return false
}

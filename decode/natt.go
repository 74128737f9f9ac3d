package decode

import (
	"encoding/binary"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// LayerTypeUDPEncap is the RFC 3948 layer on UDP 4500: a non-ESP marker followed by an
// ISAKMP message, a single-byte NAT keepalive, or UDP-encapsulated ESP.
var LayerTypeUDPEncap = gopacket.RegisterLayerType(2501, gopacket.LayerTypeMetadata{
	Name:    "UDPEncap",
	Decoder: gopacket.DecodeFunc(decodeUDPEncap),
})

// LayerTypeESP is the ESP header (RFC 4303): SPI and sequence number.
var LayerTypeESP = gopacket.RegisterLayerType(2502, gopacket.LayerTypeMetadata{
	Name:    "ESP",
	Decoder: gopacket.DecodeFunc(decodeESP),
})

// EncapKind says what a UDP 4500 datagram carries.
type EncapKind uint8

// What a UDP 4500 datagram can carry.
const (
	EncapISAKMP    EncapKind = iota + 1 // non-ESP marker, then ISAKMP
	EncapKeepalive                      // a single 0xFF byte (RFC 3948 2.3)
	EncapESP                            // ESP header (non-zero SPI)
	EncapShort                          // too short to be any of them
	// EncapISAKMPNoMarker is an ISAKMP message without the non-ESP marker: a sender's
	// mistake (RFC 3948 2.2), taken as IKE only when the bytes cannot be ESP (see
	// isISAKMPWithoutMarker). The Decoder records it as AnomalyNoNonESPMarker.
	EncapISAKMPNoMarker
)

// UDPEncap is the UDP-encapsulation layer of RFC 3948.
type UDPEncap struct {
	layers.BaseLayer
	Kind EncapKind
}

// LayerType implements gopacket.Layer.
func (u *UDPEncap) LayerType() gopacket.LayerType { return LayerTypeUDPEncap }

// CanDecode implements gopacket.DecodingLayer.
func (u *UDPEncap) CanDecode() gopacket.LayerClass { return LayerTypeUDPEncap }

// NextLayerType implements gopacket.DecodingLayer.
func (u *UDPEncap) NextLayerType() gopacket.LayerType {
	switch u.Kind {
	case EncapISAKMP, EncapISAKMPNoMarker:
		return LayerTypeISAKMP
	case EncapESP:
		return LayerTypeESP
	}
	return gopacket.LayerTypeZero
}

// DecodeFromBytes implements gopacket.DecodingLayer.
func (u *UDPEncap) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	switch {
	case len(data) == 1 && data[0] == 0xff:
		u.Kind = EncapKeepalive
		u.BaseLayer = layers.BaseLayer{Contents: data}
	case len(data) >= 4 && binary.BigEndian.Uint32(data) == 0:
		u.Kind = EncapISAKMP
		u.BaseLayer = layers.BaseLayer{Contents: data[:4], Payload: data[4:]}
	case isISAKMPWithoutMarker(data):
		u.Kind = EncapISAKMPNoMarker
		u.BaseLayer = layers.BaseLayer{Payload: data}
	case len(data) >= 4:
		u.Kind = EncapESP
		u.BaseLayer = layers.BaseLayer{Payload: data}
	default:
		u.Kind = EncapShort
		u.BaseLayer = layers.BaseLayer{Contents: data}
	}
	return nil
}

// isISAKMPWithoutMarker reports whether a UDP 4500 payload whose first four bytes are not
// zero is an ISAKMP message that lacks its non-ESP marker rather than ESP: the bytes read
// as an ISAKMP header of version 1.0 or 2.0 with a known exchange type and a length equal
// to the whole payload. ESP's SPI and sequence number fill the first 8 bytes; what follows
// is ciphertext (or, with ESP-NULL, an IP header), so such a match by chance is about
// 2^-40 (a header field, an exchange type and a 32-bit length). A message cut by the
// capture does not match: its length cannot be checked, and it stays ESP.
func isISAKMPWithoutMarker(data []byte) bool {
	if len(data) < HeaderLen || binary.BigEndian.Uint32(data[24:28]) != uint32(len(data)) {
		return false
	}
	switch ex := data[18]; data[17] {
	case 0x10: // IKEv1: Base .. Transaction, Quick Mode, New Group Mode
		return ex >= 1 && ex <= 6 || ex == 32 || ex == 33
	case 0x20: // IKEv2: IKE_SA_INIT .. IKE_FOLLOWUP_KE
		return ex >= 34 && ex <= 44
	}
	return false
}

func decodeUDPEncap(data []byte, p gopacket.PacketBuilder) error {
	u := &UDPEncap{}
	if err := u.DecodeFromBytes(data, p); err != nil {
		return err
	}
	p.AddLayer(u)
	if u.Kind == EncapISAKMPNoMarker {
		m := &ISAKMP{}
		if err := m.DecodeFromBytes(u.Payload, p); err != nil {
			return err
		}
		m.addNoMarker()
		p.AddLayer(m)
		return nil
	}
	return p.NextDecoder(u.NextLayerType())
}

// ESPHeaderLen is the length of the ESP header: SPI and sequence number.
const ESPHeaderLen = 8

// ESP is the clear part of an ESP packet. The rest is ciphertext.
type ESP struct {
	layers.BaseLayer
	SPI uint32
	Seq uint32
}

// LayerType implements gopacket.Layer.
func (e *ESP) LayerType() gopacket.LayerType { return LayerTypeESP }

// CanDecode implements gopacket.DecodingLayer.
func (e *ESP) CanDecode() gopacket.LayerClass { return LayerTypeESP }

// NextLayerType implements gopacket.DecodingLayer.
func (e *ESP) NextLayerType() gopacket.LayerType { return gopacket.LayerTypeZero }

// DecodeFromBytes implements gopacket.DecodingLayer; it checks the length before it reads.
func (e *ESP) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < ESPHeaderLen {
		e.BaseLayer = layers.BaseLayer{Contents: data}
		e.SPI, e.Seq = 0, 0
		if df != nil {
			df.SetTruncated()
		}
		return &FieldError{Field: "ESP header", Offset: 0, Err: errShort}
	}
	e.SPI = binary.BigEndian.Uint32(data[0:4])
	e.Seq = binary.BigEndian.Uint32(data[4:8])
	e.BaseLayer = layers.BaseLayer{Contents: data[:8], Payload: data[8:]}
	return nil
}

func decodeESP(data []byte, p gopacket.PacketBuilder) error {
	e := &ESP{}
	if err := e.DecodeFromBytes(data, p); err != nil {
		return err
	}
	p.AddLayer(e)
	return nil
}

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
	case EncapISAKMP:
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
	case len(data) >= 4:
		u.Kind = EncapESP
		u.BaseLayer = layers.BaseLayer{Payload: data}
	default:
		u.Kind = EncapShort
		u.BaseLayer = layers.BaseLayer{Contents: data}
	}
	return nil
}

func decodeUDPEncap(data []byte, p gopacket.PacketBuilder) error {
	u := &UDPEncap{}
	if err := u.DecodeFromBytes(data, p); err != nil {
		return err
	}
	p.AddLayer(u)
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

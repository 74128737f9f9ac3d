package decode

import (
	"encoding/binary"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// LinkTypeLinuxSLL2 is LINKTYPE_LINUX_SLL2 (276), what `tcpdump -i any` writes since
// libpcap 1.10. gopacket v1.1.19 keeps link types in a byte, so its readers hand us
// 276 & 0xff = 20; no link type 20 is assigned, so 20 can only mean this one.
const LinkTypeLinuxSLL2 layers.LinkType = 276 & 0xff

// LayerTypeLinuxSLL2 is the Linux cooked capture v2 header.
var LayerTypeLinuxSLL2 = gopacket.RegisterLayerType(2503, gopacket.LayerTypeMetadata{
	Name:    "LinuxSLL2",
	Decoder: gopacket.DecodeFunc(decodeLinuxSLL2),
})

// LinuxSLL2 is the 20-byte Linux cooked capture v2 header.
type LinuxSLL2 struct {
	layers.BaseLayer
	Protocol       layers.EthernetType
	InterfaceIndex uint32
	ARPHardware    uint16
	PacketType     uint8
}

// LayerType implements gopacket.Layer.
func (s *LinuxSLL2) LayerType() gopacket.LayerType { return LayerTypeLinuxSLL2 }

// CanDecode implements gopacket.DecodingLayer.
func (s *LinuxSLL2) CanDecode() gopacket.LayerClass { return LayerTypeLinuxSLL2 }

// NextLayerType implements gopacket.DecodingLayer.
func (s *LinuxSLL2) NextLayerType() gopacket.LayerType { return s.Protocol.LayerType() }

// DecodeFromBytes implements gopacket.DecodingLayer.
func (s *LinuxSLL2) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 20 {
		return &FieldError{Field: "Linux cooked v2 header", Offset: 0, Err: errShort}
	}
	s.Protocol = layers.EthernetType(binary.BigEndian.Uint16(data[0:2]))
	s.InterfaceIndex = binary.BigEndian.Uint32(data[4:8])
	s.ARPHardware = binary.BigEndian.Uint16(data[8:10])
	s.PacketType = data[10]
	s.BaseLayer = layers.BaseLayer{Contents: data[:20], Payload: data[20:]}
	return nil
}

func decodeLinuxSLL2(data []byte, p gopacket.PacketBuilder) error {
	s := &LinuxSLL2{}
	if err := s.DecodeFromBytes(data, p); err != nil {
		return err
	}
	p.AddLayer(s)
	return p.NextDecoder(s.NextLayerType())
}

package decode

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// frame is one captured packet for building test captures.
type frame struct {
	link layers.LinkType
	data []byte
	orig int // original length when the capture cut the frame; 0 means not cut
}

func serialize(t *testing.T, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

var (
	srcMAC = net.HardwareAddr{2, 0, 0, 0, 0, 1}
	dstMAC = net.HardwareAddr{2, 0, 0, 0, 0, 2}
	addrA  = net.IP{192, 0, 2, 1}
	addrB  = net.IP{198, 51, 100, 2}
	addrA6 = net.ParseIP("2001:db8::1")
	addrB6 = net.ParseIP("2001:db8::2")
)

func ip4(proto layers.IPProtocol) *layers.IPv4 {
	return &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: proto, SrcIP: addrA, DstIP: addrB, Id: 7}
}

func udpIKE(t *testing.T, sport, dport layers.UDPPort, body []byte) []byte {
	t.Helper()
	u := &layers.UDP{SrcPort: sport, DstPort: dport}
	return serialize(t, u, gopacket.Payload(body))
}

// ikeOverIPv4 returns an IPv4 packet carrying the Main Mode message of payloads_test.go.
func ikeOverIPv4(t *testing.T) []byte {
	return serialize(t, ip4(layers.IPProtocolUDP), gopacket.Payload(udpIKE(t, 500, 500, mustHex(t, hexMainMode1))))
}

func ikeOverIPv6(t *testing.T) []byte {
	ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolUDP, SrcIP: addrA6, DstIP: addrB6}
	return serialize(t, ip, gopacket.Payload(udpIKE(t, 500, 500, mustHex(t, hexMainMode1))))
}

func ether(t *testing.T, typ layers.EthernetType, payload []byte) []byte {
	return serialize(t, &layers.Ethernet{SrcMAC: srcMAC, DstMAC: dstMAC, EthernetType: typ}, gopacket.Payload(payload))
}

// writePcap writes frames as a classic pcap; order picks the byte order, nanos the time unit.
func writePcap(t *testing.T, order binary.ByteOrder, nanos bool, link layers.LinkType, linkFull uint32, frames []frame) []byte {
	t.Helper()
	var b bytes.Buffer
	magic := uint32(0xa1b2c3d4)
	if nanos {
		magic = 0xa1b23c4d
	}
	hdr := make([]byte, 24)
	order.PutUint32(hdr[0:], magic)
	order.PutUint16(hdr[4:], 2)
	order.PutUint16(hdr[6:], 4)
	order.PutUint32(hdr[16:], 65535)
	if linkFull == 0 {
		linkFull = uint32(link)
	}
	order.PutUint32(hdr[20:], linkFull)
	b.Write(hdr)
	for i, f := range frames {
		rec := make([]byte, 16)
		order.PutUint32(rec[0:], uint32(1700000000+i))
		frac := uint32(250000)
		if nanos {
			frac *= 1000
		}
		order.PutUint32(rec[4:], frac)
		order.PutUint32(rec[8:], uint32(len(f.data)))
		orig := f.orig
		if orig == 0 {
			orig = len(f.data)
		}
		order.PutUint32(rec[12:], uint32(orig))
		b.Write(rec)
		b.Write(f.data)
	}
	return b.Bytes()
}

// writePcapng writes one section with one interface per distinct link type in frames.
func writePcapng(t *testing.T, links []uint16, frames []frame, ifaceOf []int) []byte {
	t.Helper()
	var b bytes.Buffer
	le := binary.LittleEndian
	block := func(typ uint32, body []byte) {
		for len(body)%4 != 0 {
			body = append(body, 0)
		}
		n := uint32(12 + len(body))
		var h [8]byte
		le.PutUint32(h[0:], typ)
		le.PutUint32(h[4:], n)
		b.Write(h[:])
		b.Write(body)
		var tail [4]byte
		le.PutUint32(tail[:], n)
		b.Write(tail[:])
	}
	shb := make([]byte, 16)
	le.PutUint32(shb[0:], 0x1a2b3c4d)
	le.PutUint16(shb[4:], 1)
	binary.LittleEndian.PutUint64(shb[8:], ^uint64(0))
	block(0x0a0d0d0a, shb)
	for _, l := range links {
		idb := make([]byte, 8)
		le.PutUint16(idb[0:], l)
		le.PutUint32(idb[4:], 65535)
		block(1, idb)
	}
	for i, f := range frames {
		epb := make([]byte, 20)
		le.PutUint32(epb[0:], uint32(ifaceOf[i]))
		ts := uint64(1700000000+i) * 1000000
		le.PutUint32(epb[4:], uint32(ts>>32))
		le.PutUint32(epb[8:], uint32(ts))
		le.PutUint32(epb[12:], uint32(len(f.data)))
		le.PutUint32(epb[16:], uint32(len(f.data)))
		block(6, append(epb, f.data...))
	}
	return b.Bytes()
}

func readAll(t *testing.T, capture []byte) ([]Message, *Reader) {
	t.Helper()
	r, err := NewReader("test.pcap", bytes.NewReader(capture), nil)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var msgs []Message
	for r.Next() {
		msgs = append(msgs, *r.Message())
	}
	return msgs, r
}

func wantMainMode(t *testing.T, msgs []Message, n int) {
	t.Helper()
	if len(msgs) != n {
		t.Fatalf("%d messages, want %d", len(msgs), n)
	}
	for i, m := range msgs {
		if m.Kind != KindISAKMP || m.ISAKMP == nil || m.ISAKMP.ExchangeType != 2 || len(m.ISAKMP.Errors) != 0 {
			t.Fatalf("message %d: kind %v isakmp %+v", i, m.Kind, m.ISAKMP)
		}
		if m.Src.Port() != 500 || m.Dst.Port() != 500 {
			t.Errorf("message %d ports %v -> %v", i, m.Src, m.Dst)
		}
	}
}

func TestLinkTypes(t *testing.T) {
	v4, v6 := ikeOverIPv4(t), ikeOverIPv6(t)
	sll := func(proto layers.EthernetType, payload []byte) []byte {
		h := make([]byte, 16)
		binary.BigEndian.PutUint16(h[0:], 0) // packet type: to us
		binary.BigEndian.PutUint16(h[2:], 1) // ARPHRD_ETHER
		binary.BigEndian.PutUint16(h[4:], 6) // address length
		binary.BigEndian.PutUint16(h[14:], uint16(proto))
		return append(h, payload...)
	}
	sll2 := func(proto layers.EthernetType, payload []byte) []byte {
		h := make([]byte, 20)
		binary.BigEndian.PutUint16(h[0:], uint16(proto))
		binary.BigEndian.PutUint32(h[4:], 3)
		binary.BigEndian.PutUint16(h[8:], 1)
		h[11] = 6
		return append(h, payload...)
	}
	null := func(order binary.ByteOrder, family uint32, payload []byte) []byte {
		h := make([]byte, 4)
		order.PutUint32(h, family)
		return append(h, payload...)
	}
	vlan := serialize(t, &layers.Ethernet{SrcMAC: srcMAC, DstMAC: dstMAC, EthernetType: layers.EthernetTypeDot1Q},
		&layers.Dot1Q{VLANIdentifier: 10, Type: layers.EthernetTypeIPv4}, gopacket.Payload(v4))
	qinq := serialize(t, &layers.Ethernet{SrcMAC: srcMAC, DstMAC: dstMAC, EthernetType: layers.EthernetTypeQinQ},
		&layers.Dot1Q{VLANIdentifier: 100, Type: layers.EthernetTypeDot1Q},
		&layers.Dot1Q{VLANIdentifier: 10, Type: layers.EthernetTypeIPv4}, gopacket.Payload(v4))
	tests := []struct {
		name     string
		link     layers.LinkType
		linkFull uint32
		data     []byte
		v6       bool
	}{
		{"Ethernet IPv4", layers.LinkTypeEthernet, 0, ether(t, layers.EthernetTypeIPv4, v4), false},
		{"Ethernet IPv6", layers.LinkTypeEthernet, 0, ether(t, layers.EthernetTypeIPv6, v6), true},
		{"802.1Q", layers.LinkTypeEthernet, 0, vlan, false},
		{"QinQ", layers.LinkTypeEthernet, 0, qinq, false},
		{"Linux cooked v1", layers.LinkTypeLinuxSLL, 0, sll(layers.EthernetTypeIPv4, v4), false},
		{"Linux cooked v2", LinkTypeLinuxSLL2, 276, sll2(layers.EthernetTypeIPv6, v6), true},
		{"raw IPv4", layers.LinkTypeRaw, 0, v4, false},
		{"raw IPv6", layers.LinkTypeRaw, 0, v6, true},
		{"LINKTYPE_IPV4", layers.LinkTypeIPv4, 0, v4, false},
		{"LINKTYPE_IPV6", layers.LinkTypeIPv6, 0, v6, true},
		{"BSD null (little-endian host)", layers.LinkTypeNull, 0, null(binary.LittleEndian, 2, v4), false},
		{"BSD null IPv6 (macOS family 30)", layers.LinkTypeNull, 0, null(binary.LittleEndian, 30, v6), true},
		{"OpenBSD loop", layers.LinkTypeLoop, 0, null(binary.BigEndian, 24, v6), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			capture := writePcap(t, binary.LittleEndian, false, tt.link, tt.linkFull, []frame{{data: tt.data}})
			msgs, r := readAll(t, capture)
			if r.Err() != nil {
				t.Fatal(r.Err())
			}
			wantMainMode(t, msgs, 1)
			if got := msgs[0].Src.Addr().Is6(); got != tt.v6 {
				t.Errorf("source %v: IPv6=%v, want %v", msgs[0].Src, got, tt.v6)
			}
		})
	}
}

func TestCaptureFormats(t *testing.T) {
	eth := frame{data: ether(t, layers.EthernetTypeIPv4, ikeOverIPv4(t))}
	frames := []frame{eth, eth}
	le := writePcap(t, binary.LittleEndian, false, layers.LinkTypeEthernet, 0, frames)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(le)
	zw.Close()
	tests := []struct {
		name     string
		capture  []byte
		wantTime time.Time
	}{
		{"pcap little-endian microseconds", le, time.Unix(1700000000, 250000000)},
		{"pcap big-endian microseconds", writePcap(t, binary.BigEndian, false, layers.LinkTypeEthernet, 0, frames), time.Unix(1700000000, 250000000)},
		{"pcap nanoseconds", writePcap(t, binary.LittleEndian, true, layers.LinkTypeEthernet, 0, frames), time.Unix(1700000000, 250000000)},
		{"pcap gzip", gz.Bytes(), time.Unix(1700000000, 250000000)},
		{"pcapng", writePcapng(t, []uint16{1}, frames, []int{0, 0}), time.Unix(1700000000, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs, r := readAll(t, tt.capture)
			if r.Err() != nil {
				t.Fatal(r.Err())
			}
			wantMainMode(t, msgs, 2)
			if !msgs[0].Time.Equal(tt.wantTime) || msgs[1].Frame != 2 {
				t.Errorf("first time %v (want %v), second frame %d", msgs[0].Time, tt.wantTime, msgs[1].Frame)
			}
		})
	}
}

// A pcapng file with an Ethernet interface and a Linux cooked v2 interface, as
// `dumpcap -i eth0 -i any` writes.
func TestPcapngSeveralLinkTypes(t *testing.T) {
	v4 := ikeOverIPv4(t)
	sll2 := append(make([]byte, 20), v4...)
	binary.BigEndian.PutUint16(sll2[0:], uint16(layers.EthernetTypeIPv4))
	frames := []frame{{data: ether(t, layers.EthernetTypeIPv4, v4)}, {data: sll2}, {data: v4}}
	msgs, r := readAll(t, writePcapng(t, []uint16{1, 276, 101}, frames, []int{0, 1, 2}))
	if r.Err() != nil {
		t.Fatal(r.Err())
	}
	wantMainMode(t, msgs, 3)
}

// fragmentIPv4 splits an IPv4 packet's payload at byte offset cut (a multiple of 8).
func fragmentIPv4(t *testing.T, proto layers.IPProtocol, payload []byte, cut int) (first, second []byte) {
	a := ip4(proto)
	a.Flags = layers.IPv4MoreFragments
	first = serialize(t, a, gopacket.Payload(payload[:cut]))
	b := ip4(proto)
	b.FragOffset = uint16(cut / 8)
	second = serialize(t, b, gopacket.Payload(payload[cut:]))
	return first, second
}

func TestIPv4Reassembly(t *testing.T) {
	udp := udpIKE(t, 500, 500, mustHex(t, hexMainMode1))
	f1, f2 := fragmentIPv4(t, layers.IPProtocolUDP, udp, 64)
	other := ether(t, layers.EthernetTypeARP, make([]byte, 28))
	t.Run("complete, out of order", func(t *testing.T) {
		capture := writePcap(t, binary.LittleEndian, false, layers.LinkTypeEthernet, 0, []frame{
			{data: ether(t, layers.EthernetTypeIPv4, f2)}, {data: other}, {data: ether(t, layers.EthernetTypeIPv4, f1)}})
		msgs, r := readAll(t, capture)
		wantMainMode(t, msgs, 1)
		f := msgs[0].Fragments
		if f == nil || !f.Complete || len(f.Frames) != 2 || f.Frames[0] != 1 || f.Frames[1] != 3 || msgs[0].Frame != 3 {
			t.Errorf("fragments %+v frame %d", f, msgs[0].Frame)
		}
		if s := r.Stats(); s.Fragments != 2 || s.Reassembled != 1 || s.Incomplete != 0 {
			t.Errorf("stats %+v", s)
		}
	})
	t.Run("second fragment lost", func(t *testing.T) {
		capture := writePcap(t, binary.LittleEndian, false, layers.LinkTypeEthernet, 0, []frame{
			{data: ether(t, layers.EthernetTypeIPv4, f1)}, {data: other}})
		msgs, r := readAll(t, capture)
		if len(msgs) != 1 || msgs[0].Kind != KindIncomplete {
			t.Fatalf("messages %+v", msgs)
		}
		m := msgs[0]
		if m.Fragments.Complete || !m.Fragments.First || m.Fragments.Last || m.Fragments.Frames[0] != 1 {
			t.Errorf("fragments %+v", m.Fragments)
		}
		if m.ISAKMP == nil || m.ISAKMP.ExchangeType != 2 || !m.ISAKMP.Truncated || m.Dst.Port() != 500 {
			t.Errorf("incomplete datagram should show the IKE header it started with: %+v", m.ISAKMP)
		}
		if s := r.Stats(); s.Incomplete != 1 {
			t.Errorf("stats %+v", s)
		}
	})
}

func TestIPv6Reassembly(t *testing.T) {
	udp := udpIKE(t, 500, 500, mustHex(t, hexMainMode1))
	frag := func(off int, more bool, data []byte) []byte {
		h := make([]byte, 8)
		h[0] = 17
		v := uint16(off)
		if more {
			v |= 1
		}
		binary.BigEndian.PutUint16(h[2:], v)
		binary.BigEndian.PutUint32(h[4:], 0xdeadbeef)
		ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolIPv6Fragment, SrcIP: addrA6, DstIP: addrB6}
		return ether(t, layers.EthernetTypeIPv6, serialize(t, ip, gopacket.Payload(append(h, data...))))
	}
	capture := writePcap(t, binary.LittleEndian, false, layers.LinkTypeEthernet, 0, []frame{
		{data: frag(0, true, udp[:80])}, {data: frag(80, false, udp[80:])}})
	msgs, _ := readAll(t, capture)
	wantMainMode(t, msgs, 1)
	if f := msgs[0].Fragments; f == nil || !f.Complete || len(f.Frames) != 2 {
		t.Errorf("fragments %+v", f)
	}
}

func TestUDPEncapAndESP(t *testing.T) {
	withMarker := append([]byte{0, 0, 0, 0}, mustHex(t, hexMainMode1)...)
	esp := mustHex(t, "c0ffee01 0000002a 0102030405060708")
	frames := []frame{
		{data: ether(t, layers.EthernetTypeIPv4, serialize(t, ip4(layers.IPProtocolUDP), gopacket.Payload(udpIKE(t, 4500, 4500, withMarker))))},
		{data: ether(t, layers.EthernetTypeIPv4, serialize(t, ip4(layers.IPProtocolUDP), gopacket.Payload(udpIKE(t, 4500, 4500, []byte{0xff}))))},
		{data: ether(t, layers.EthernetTypeIPv4, serialize(t, ip4(layers.IPProtocolUDP), gopacket.Payload(udpIKE(t, 4500, 4500, esp))))},
		{data: ether(t, layers.EthernetTypeIPv4, serialize(t, ip4(layers.IPProtocolESP), gopacket.Payload(esp)))},
		{data: ether(t, layers.EthernetTypeIPv4, serialize(t, ip4(layers.IPProtocolESP), gopacket.Payload(esp[:5])))},
	}
	msgs, _ := readAll(t, writePcap(t, binary.LittleEndian, false, layers.LinkTypeEthernet, 0, frames))
	if len(msgs) != 5 {
		t.Fatalf("%d messages", len(msgs))
	}
	want := []struct {
		kind  Kind
		encap bool
	}{{KindISAKMP, true}, {KindKeepalive, true}, {KindESP, true}, {KindESP, false}, {KindESP, false}}
	for i, w := range want {
		if msgs[i].Kind != w.kind || msgs[i].Encap != w.encap {
			t.Errorf("message %d: kind %v encap %v, want %v %v", i, msgs[i].Kind, msgs[i].Encap, w.kind, w.encap)
		}
	}
	if msgs[2].ESP.SPI != 0xc0ffee01 || msgs[2].ESP.Seq != 42 || msgs[3].ESP.Seq != 42 || msgs[3].Src.Port() != 0 {
		t.Errorf("ESP %+v %+v", msgs[2].ESP, msgs[3].ESP)
	}
	if msgs[4].Err == nil {
		t.Error("a 5-byte ESP packet decoded without error")
	}
}

func TestSnapLengthIsTruncationNotMalformation(t *testing.T) {
	full := ether(t, layers.EthernetTypeIPv4, ikeOverIPv4(t))
	capture := writePcap(t, binary.LittleEndian, false, layers.LinkTypeEthernet, 0, []frame{{data: full[:100], orig: len(full)}})
	msgs, r := readAll(t, capture)
	if len(msgs) != 1 || msgs[0].ISAKMP == nil {
		t.Fatalf("messages %+v", msgs)
	}
	m := msgs[0]
	if !m.Truncated || !m.ISAKMP.Truncated || len(m.ISAKMP.Errors) != 0 {
		t.Errorf("truncated=%v isakmp.truncated=%v errors=%v", m.Truncated, m.ISAKMP.Truncated, m.ISAKMP.Errors)
	}
	if r.Stats().Truncated != 1 {
		t.Errorf("stats %+v", r.Stats())
	}
}

func TestCaptureErrors(t *testing.T) {
	eth := frame{data: ether(t, layers.EthernetTypeIPv4, ikeOverIPv4(t))}
	good := writePcap(t, binary.LittleEndian, false, layers.LinkTypeEthernet, 0, []frame{eth, eth})
	t.Run("truncated file keeps what came before", func(t *testing.T) {
		msgs, r := readAll(t, good[:len(good)-20])
		wantMainMode(t, msgs, 1)
		var ce *CaptureError
		if !errors.As(r.Err(), &ce) || ce.Frame != 2 {
			t.Fatalf("error %v", r.Err())
		}
	})
	t.Run("unsupported link type", func(t *testing.T) {
		_, err := NewReader("wifi.pcap", bytes.NewReader(writePcap(t, binary.LittleEndian, false, layers.LinkTypeIEEE802_11, 0, nil)), nil)
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte("link type 105 is not supported")) {
			t.Errorf("error %v", err)
		}
	})
	t.Run("not a capture", func(t *testing.T) {
		_, err := NewReader("x", bytes.NewReader([]byte("hello world")), nil)
		if !errors.Is(err, ErrNotCapture) {
			t.Errorf("error %v", err)
		}
	})
	t.Run("pcapgo writer output reads back", func(t *testing.T) {
		var b bytes.Buffer
		w := pcapgo.NewWriter(&b)
		w.WriteFileHeader(65535, layers.LinkTypeEthernet)
		w.WritePacket(gopacket.CaptureInfo{Timestamp: time.Unix(1, 0), CaptureLength: len(eth.data), Length: len(eth.data)}, eth.data)
		msgs, r := readAll(t, b.Bytes())
		if r.Err() != nil {
			t.Fatal(r.Err())
		}
		wantMainMode(t, msgs, 1)
	})
}

// An ICMP error quoting an IKE packet is evidence: port unreachable says the peer's host
// is up and nothing listens. Errors about other traffic are not reported.
func TestICMPAboutIKE(t *testing.T) {
	quoted := ikeOverIPv4(t)[:28] // the IP header and UDP header the error quotes
	unreach := func(q []byte) []byte {
		icmp := append([]byte{3, 3, 0, 0, 0, 0, 0, 0}, q...)
		ip := ip4(layers.IPProtocolICMPv4)
		ip.SrcIP, ip.DstIP = addrB, addrA
		return ether(t, layers.EthernetTypeIPv4, serialize(t, ip, gopacket.Payload(icmp)))
	}
	other := append([]byte(nil), quoted...)
	binary.BigEndian.PutUint16(other[20:], 53)
	binary.BigEndian.PutUint16(other[22:], 53)
	msgs, r := readAll(t, writePcap(t, binary.LittleEndian, false, layers.LinkTypeEthernet, 0, []frame{{data: unreach(quoted)}, {data: unreach(other)}}))
	if len(msgs) != 1 || msgs[0].Kind != KindICMP || msgs[0].ICMP == nil {
		t.Fatalf("messages %+v, want one ICMP error", msgs)
	}
	e := msgs[0].ICMP
	if e.Meaning() != "port unreachable" || e.Dst.Port() != 500 || e.Dst.Addr().String() != "198.51.100.2" || msgs[0].Src.Addr().String() != "198.51.100.2" {
		t.Errorf("ICMP %+v from %v", e, msgs[0].Src)
	}
	if s := r.Stats(); s.ICMP != 1 || s.Other != 1 {
		t.Errorf("stats %+v, want 1 ICMP about IKE and 1 other", s)
	}
}

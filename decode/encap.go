package decode

import (
	"encoding/binary"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// Captures are not always taken where the packets run. A mirror port or a cloud's traffic
// mirroring wraps every frame it copies (ERSPAN over GRE, VXLAN, Geneve), a provider's
// link carries MPLS labels or PPPoE, and a tunnel may carry IKE inside it (IP in IP,
// GRE). The Decoder opens these and reads the packet inside as if it had been captured
// alone: its addresses are the IKE peers'. Wireshark and tcpdump read them the same way.

// Ethertypes, GRE protocol types and UDP ports of the encapsulations opened.
const (
	etherMPLS          = 0x8847
	etherMPLSMulticast = 0x8848
	etherPPPoESession  = 0x8864
	etherBridging      = 0x6558 // transparent Ethernet bridging: an Ethernet frame inside
	etherERSPAN2       = 0x88be // ERSPAN type II (type I when GRE has no sequence number)
	etherERSPAN3       = 0x22eb
	portVXLAN          = 4789
	portGeneve         = 6081
)

// inner decodes data, which a tunnel or mirror encapsulation carried, from layer first
// on; false when tunnels are nested too deep to follow.
func (d *Decoder) inner(first gopacket.LayerType, data []byte, emit func(*Message)) bool {
	if d.depth >= maxEncap || len(data) == 0 {
		return false
	}
	if d.depth == 0 {
		d.Stats.Encapsulated++
	}
	d.depth++
	d.decodeLayers(first, data, emit)
	return true
}

// linkInner opens what a link layer carries that is not IP: MPLS labels (then IP, or an
// Ethernet pseudowire), a PPPoE session (then PPP with IP).
func (d *Decoder) linkInner(emit func(*Message)) bool {
	var typ layers.EthernetType
	var payload []byte
	switch d.decoded[len(d.decoded)-1] {
	case layers.LayerTypeEthernet:
		typ, payload = d.eth.EthernetType, d.eth.Payload
	case layers.LayerTypeDot1Q:
		typ, payload = d.dot1q.Type, d.dot1q.Payload
	case layers.LayerTypeLinuxSLL:
		typ, payload = d.sll.EthernetType, d.sll.Payload
	case LayerTypeLinuxSLL2:
		typ, payload = d.sll2.Protocol, d.sll2.Payload
	}
	switch typ {
	case etherMPLS, etherMPLSMulticast:
		// Labels of four bytes until the one marked bottom of stack (RFC 3032).
		for len(payload) >= 4 {
			bottom := payload[2]&1 == 1
			payload = payload[4:]
			if bottom {
				return d.mplsPayload(payload, emit)
			}
		}
	case etherPPPoESession:
		// Version/type, code, session, length (RFC 2516), then the PPP protocol.
		if len(payload) < 8 {
			return false
		}
		n := int(binary.BigEndian.Uint16(payload[4:6]))
		body := payload[6:]
		if n >= 2 && n <= len(body) {
			body = body[:n]
		}
		switch binary.BigEndian.Uint16(body[0:2]) {
		case 0x0021:
			return d.inner(layers.LayerTypeIPv4, body[2:], emit)
		case 0x0057:
			return d.inner(layers.LayerTypeIPv6, body[2:], emit)
		}
	}
	return false
}

// mplsPayload reads what the bottom MPLS label carries: IP by its version, or an
// Ethernet pseudowire after its control word (RFC 4385: first nibble 0).
func (d *Decoder) mplsPayload(b []byte, emit func(*Message)) bool {
	if len(b) == 0 {
		return false
	}
	switch b[0] >> 4 {
	case 4:
		return d.inner(layers.LayerTypeIPv4, b, emit)
	case 6:
		return d.inner(layers.LayerTypeIPv6, b, emit)
	case 0:
		if len(b) > 4 {
			return d.inner(layers.LayerTypeEthernet, b[4:], emit)
		}
	}
	return false
}

// ipInner opens the IP protocols that carry packets: IPv4 (4) and IPv6 (41) in IP, and
// GRE (47) with IP, Ethernet or an ERSPAN mirror copy inside.
func (d *Decoder) ipInner(proto uint8, b []byte, emit func(*Message)) bool {
	switch proto {
	case 4:
		return d.inner(layers.LayerTypeIPv4, b, emit)
	case 41:
		return d.inner(layers.LayerTypeIPv6, b, emit)
	case 47:
		return d.gre(b, emit)
	}
	return false
}

// gre opens a GRE packet (RFC 2784, 2890): flags and version, protocol type, then a
// checksum, key and sequence number when their flags say so.
func (d *Decoder) gre(b []byte, emit func(*Message)) bool {
	if len(b) < 4 {
		return false
	}
	flags := binary.BigEndian.Uint16(b[0:2])
	if flags&7 != 0 {
		return false // version 1 is PPTP's, which carries PPP
	}
	typ := binary.BigEndian.Uint16(b[2:4])
	off := 4
	for _, bit := range []uint16{0x8000, 0x2000, 0x1000} { // checksum, key, sequence
		if flags&bit != 0 {
			off += 4
		}
	}
	if len(b) < off {
		return false
	}
	body := b[off:]
	switch typ {
	case uint16(layers.EthernetTypeIPv4):
		return d.inner(layers.LayerTypeIPv4, body, emit)
	case uint16(layers.EthernetTypeIPv6):
		return d.inner(layers.LayerTypeIPv6, body, emit)
	case etherBridging:
		return d.inner(layers.LayerTypeEthernet, body, emit)
	case etherERSPAN2:
		if flags&0x1000 == 0 {
			return d.inner(layers.LayerTypeEthernet, body, emit) // type I: no ERSPAN header
		}
		if len(body) >= 8 {
			return d.inner(layers.LayerTypeEthernet, body[8:], emit)
		}
	case etherERSPAN3:
		// A 12-byte header whose last bit says an 8-byte platform subheader follows.
		if len(body) < 12 {
			return false
		}
		hl := 12
		if body[11]&1 == 1 {
			hl += 8
		}
		if len(body) >= hl {
			return d.inner(layers.LayerTypeEthernet, body[hl:], emit)
		}
	}
	return false
}

// udpInner opens VXLAN (RFC 7348: flags with the VNI bit, then an Ethernet frame) and
// Geneve (RFC 8926: a header with options, then what its protocol type names), the
// encapsulations clouds' traffic mirroring and overlays use.
func (d *Decoder) udpInner(port uint16, b []byte, emit func(*Message)) bool {
	if len(b) < 8 {
		return false
	}
	switch port {
	case portVXLAN:
		if b[0]&0x08 == 0 {
			return false
		}
		return d.inner(layers.LayerTypeEthernet, b[8:], emit)
	case portGeneve:
		if b[0]>>6 != 0 {
			return false
		}
		off := 8 + int(b[0]&0x3f)*4
		if len(b) < off {
			return false
		}
		switch binary.BigEndian.Uint16(b[2:4]) {
		case etherBridging:
			return d.inner(layers.LayerTypeEthernet, b[off:], emit)
		case uint16(layers.EthernetTypeIPv4):
			return d.inner(layers.LayerTypeIPv4, b[off:], emit)
		case uint16(layers.EthernetTypeIPv6):
			return d.inner(layers.LayerTypeIPv6, b[off:], emit)
		}
	}
	return false
}

package decode

import (
	"errors"
	"net/netip"
)

// Inner is what keys opened of one ESP packet: the packet it carried, summarised. The
// stage between decoding and the analysis sets it (decode/ikecrypt's Decrypter.Open)
// when ESP keys cover the packet's SPI; nil otherwise. Only the few fields the analysis
// and the reports need are kept, never the payload.
type Inner struct {
	// Integrity says what vouches for the content: "verified" (the ICV or AEAD tag was
	// checked), "not checked" (the key source gives no authentication key, as tcpdump's
	// -E secrets do; the padding and next header were checked instead), "failed" (with
	// Err wrapping ErrICV).
	Integrity string
	// Err is set when the packet did not open: it wraps ErrICV when the ICV or tag does
	// not match, ErrESPTrailer when the decrypted trailer makes no sense (a wrong key
	// without an ICV to check), ErrESPTruncated when the capture cut the packet short.
	Err error
	// Source is where the keys came from: "xfrm-state.txt:3", "charon.log:412".
	Source string

	NextHeader uint8 // ESP trailer's next header: 4 IPv4, 41 IPv6, 59 none (dummy/TFC padding), else transport mode's protocol
	Tunnel     bool  // the inner packet is a whole IP packet (tunnel mode)

	// The inner packet: addresses (the outer ones in transport mode), protocol, ports.
	Src, Dst         netip.Addr
	Proto            uint8
	SrcPort, DstPort uint16
	TCPFlags         uint8 // TCP: FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10
	ICMPType         uint8 // ICMP or ICMPv6 (Proto 1 or 58)
	ICMPCode         uint8
	ICMPID, ICMPSeq  uint16 // echo request and reply
	// MTU is the next-hop MTU an ICMP "fragmentation needed" or ICMPv6 "packet too big"
	// names; 0 otherwise.
	MTU int
	// Quoted is the packet an inner ICMP error quotes (its addresses, protocol, ports).
	QuotedSrc, QuotedDst         netip.Addr
	QuotedProto                  uint8
	QuotedSrcPort, QuotedDstPort uint16

	Len      int  // the inner IP packet's total length (transport mode: the payload's)
	DF       bool // IPv4 don't-fragment set
	Fragment bool // the inner packet is an IP fragment (ports unknown unless the first)
	TTL      uint8
}

// ErrICV is what an Inner's error wraps when the ICV or AEAD tag does not match: wrong
// authentication keys, corruption on the path, or keys of another SA with the same SPI.
var ErrICV = errors.New("ESP ICV mismatch")

// ErrESPTrailer is what an Inner's error wraps when, without an ICV to check, the
// decrypted padding or next header is not what RFC 4303 says: the encryption key is wrong.
var ErrESPTrailer = errors.New("ESP padding or next header wrong after decryption")

// IPProtocolName names the IP protocols a tunnel commonly carries ("ICMP", "TCP",
// "ESP"); "" for others, which callers write in their own style.
func IPProtocolName(p uint8) string {
	switch p {
	case 1:
		return "ICMP"
	case 6:
		return "TCP"
	case 17:
		return "UDP"
	case 47:
		return "GRE"
	case 50:
		return "ESP"
	case 51:
		return "AH"
	case 58:
		return "ICMPv6"
	case 132:
		return "SCTP"
	}
	return ""
}

package decode

import (
	"encoding/binary"
	"errors"
	"net/netip"
)

// ErrESPTruncated is what an Inner's error wraps when the capture's snap length cut the
// ESP packet: keys cover it, but it can be neither checked nor decrypted. It says
// nothing about the keys.
var ErrESPTruncated = errors.New("ESP packet cut short by the capture (snap length): not checked, not decrypted")

// IP protocol numbers the summary reads.
const (
	protoICMP   = 1
	protoIPv4   = 4
	protoTCP    = 6
	protoUDP    = 17
	protoIPv6   = 41
	protoICMPv6 = 58
	protoNone   = 59
)

// Summarise fills in the packet fields of in from the decrypted payload of an ESP
// packet whose trailer named next as its next header: a whole IPv4 or IPv6 packet in
// tunnel mode (next 4 or 41), else a transport-mode payload of protocol next (the caller
// sets the outer addresses then). Integrity, Err and Source are left to the caller.
// Every length in b is treated as hostile: what does not fit is left zero, nothing
// panics, nothing is kept of b and nothing is allocated.
func (in *Inner) Summarise(next uint8, b []byte) {
	integrity, err, source := in.Integrity, in.Err, in.Source
	*in = Inner{Integrity: integrity, Err: err, Source: source, NextHeader: next}
	switch next {
	case protoIPv4, protoIPv6:
		in.Tunnel = true
		var l4 []byte
		var first bool
		in.Src, in.Dst, in.Proto, l4, first, in.Len, in.TTL, in.DF, in.Fragment = ipHeader(b)
		if first {
			in.transport(l4)
		}
	case protoNone:
		in.Len = len(b)
	default:
		in.Proto, in.Len = next, len(b)
		in.transport(b)
	}
}

// ipHeader reads an IPv4 or IPv6 header and, for IPv6, its extension headers. It
// returns the transport payload (cut to the packet's length) and whether it holds the
// transport header (not a later fragment).
func ipHeader(b []byte) (src, dst netip.Addr, proto uint8, l4 []byte, first bool, total int, ttl uint8, df, frag bool) {
	if len(b) < 1 {
		return
	}
	switch b[0] >> 4 {
	case 4:
		if len(b) < 20 {
			return
		}
		ihl := int(b[0]&0x0f) * 4
		total = int(binary.BigEndian.Uint16(b[2:4]))
		flags := binary.BigEndian.Uint16(b[6:8])
		df, frag = flags&0x4000 != 0, flags&0x2000 != 0 || flags&0x1fff != 0
		ttl, proto = b[8], b[9]
		src, dst = netip.AddrFrom4([4]byte(b[12:16])), netip.AddrFrom4([4]byte(b[16:20]))
		if ihl < 20 || ihl > len(b) {
			return
		}
		end := min(max(total, ihl), len(b))
		return src, dst, proto, b[ihl:end], flags&0x1fff == 0, total, ttl, df, frag
	case 6:
		if len(b) < 40 {
			return
		}
		total = 40 + int(binary.BigEndian.Uint16(b[4:6]))
		ttl, proto = b[7], b[6]
		src, dst = netip.AddrFrom16([16]byte(b[8:24])), netip.AddrFrom16([16]byte(b[24:40]))
		end := min(total, len(b))
		off := 40
		first = true
		// Extension headers: a bounded walk that stops when an offset does not advance.
		for i := 0; i < 16 && off < end; i++ {
			switch proto {
			case 0, 43, 60, 135, 139, 140: // hop-by-hop, routing, destination options, mobility, HIP, shim6
				if off+8 > end || off+(int(b[off+1])+1)*8 > end {
					return src, dst, proto, nil, false, total, ttl, false, frag
				}
				proto, off = b[off], off+(int(b[off+1])+1)*8
			case 44: // fragment
				if off+8 > end {
					return src, dst, proto, nil, false, total, ttl, false, true
				}
				fo := binary.BigEndian.Uint16(b[off+2 : off+4])
				frag = true
				first = fo&0xfff8 == 0
				proto, off = b[off], off+8
			case 51: // AH
				if off+8 > end || off+(int(b[off+1])+2)*4 > end {
					return src, dst, proto, nil, false, total, ttl, false, frag
				}
				proto, off = b[off], off+(int(b[off+1])+2)*4
			default:
				return src, dst, proto, b[off:end], first, total, ttl, false, frag
			}
		}
		return src, dst, proto, b[off:end], first, total, ttl, false, frag
	}
	return
}

// transport reads ports, TCP flags and ICMP fields of protocol in.Proto from b.
func (in *Inner) transport(b []byte) {
	switch in.Proto {
	case protoTCP:
		if len(b) >= 4 {
			in.SrcPort, in.DstPort = binary.BigEndian.Uint16(b[0:2]), binary.BigEndian.Uint16(b[2:4])
		}
		if len(b) >= 14 {
			in.TCPFlags = b[13]
		}
	case protoUDP, 132: // UDP, SCTP: ports first
		if len(b) >= 4 {
			in.SrcPort, in.DstPort = binary.BigEndian.Uint16(b[0:2]), binary.BigEndian.Uint16(b[2:4])
		}
	case protoICMP:
		if len(b) < 4 {
			return
		}
		in.ICMPType, in.ICMPCode = b[0], b[1]
		switch in.ICMPType {
		case 0, 8, 13, 14: // echo reply/request, timestamp
			if len(b) >= 8 {
				in.ICMPID, in.ICMPSeq = binary.BigEndian.Uint16(b[4:6]), binary.BigEndian.Uint16(b[6:8])
			}
		case 3, 4, 5, 11, 12: // errors that quote the offending packet
			if in.ICMPType == 3 && in.ICMPCode == 4 && len(b) >= 8 {
				in.MTU = int(binary.BigEndian.Uint16(b[6:8]))
			}
			if len(b) > 8 {
				in.quoted(b[8:])
			}
		}
	case protoICMPv6:
		if len(b) < 4 {
			return
		}
		in.ICMPType, in.ICMPCode = b[0], b[1]
		switch in.ICMPType {
		case 128, 129:
			if len(b) >= 8 {
				in.ICMPID, in.ICMPSeq = binary.BigEndian.Uint16(b[4:6]), binary.BigEndian.Uint16(b[6:8])
			}
		case 1, 2, 3, 4:
			if in.ICMPType == 2 && len(b) >= 8 {
				if mtu := binary.BigEndian.Uint32(b[4:8]); mtu <= 1<<31 {
					in.MTU = int(mtu)
				}
			}
			if len(b) > 8 {
				in.quoted(b[8:])
			}
		}
	}
}

// quoted reads the packet an ICMP error quotes: its header and the first bytes of its
// transport header (often cut short).
func (in *Inner) quoted(b []byte) {
	src, dst, proto, l4, first, _, _, _, _ := ipHeader(b)
	in.QuotedSrc, in.QuotedDst, in.QuotedProto = src, dst, proto
	if first && len(l4) >= 4 {
		switch proto {
		case protoTCP, protoUDP, 132:
			in.QuotedSrcPort, in.QuotedDstPort = binary.BigEndian.Uint16(l4[0:2]), binary.BigEndian.Uint16(l4[2:4])
		}
	}
}

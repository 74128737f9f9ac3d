package report

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/ikescope/ikescope/decode"
)

// What `ikescope decode --keys` prints of the ESP packets the keys open (decode.Inner):
// a line under the ESP header in the tree, like tcpdump -E prints it after the ESP
// header, and an "inner" object in -f json.

// innerLine is the tree line of an opened ESP packet, without indentation.
func innerLine(in *decode.Inner, rd *Redactor) string {
	src := rd.KeySource(in.Source)
	if in.Err != nil {
		what := "did not open"
		if errors.Is(in.Err, decode.ErrICV) {
			what = "ICV mismatch"
		}
		return fmt.Sprintf("inner: %s: %s (keys from %s)", what, in.Err, src)
	}
	return fmt.Sprintf("inner (integrity %s, keys from %s): %s", in.Integrity, src, innerPacketText(in, rd))
}

var tcpFlagNames = []struct {
	bit  uint8
	name string
}{{0x02, "SYN"}, {0x01, "FIN"}, {0x04, "RST"}, {0x08, "PSH"}, {0x10, "ACK"}, {0x20, "URG"}}

// tcpFlagList names the set TCP flags, SYN, FIN and RST first.
func tcpFlagList(f uint8) []string {
	var names []string
	for _, n := range tcpFlagNames {
		if f&n.bit != 0 {
			names = append(names, n.name)
		}
	}
	return names
}

func ipProtoName(p uint8) string {
	if n := decode.IPProtocolName(p); n != "" {
		return n
	}
	return fmt.Sprintf("ip-proto-%d", p)
}

// icmpText names an inner ICMP or ICMPv6 message as tcpdump does.
func icmpText(in *decode.Inner, rd *Redactor) string {
	v6 := in.Proto == 58
	quoted := func() string {
		if !in.QuotedSrc.IsValid() {
			return ""
		}
		if in.QuotedSrcPort != 0 || in.QuotedDstPort != 0 {
			return fmt.Sprintf(" about %s > %s %s", rd.AddrPort(netip.AddrPortFrom(in.QuotedSrc, in.QuotedSrcPort)),
				rd.AddrPort(netip.AddrPortFrom(in.QuotedDst, in.QuotedDstPort)), ipProtoName(in.QuotedProto))
		}
		return fmt.Sprintf(" about %s > %s %s", rd.Addr(in.QuotedSrc), rd.Addr(in.QuotedDst), ipProtoName(in.QuotedProto))
	}
	echo := func(what string) string { return fmt.Sprintf("%s, id %d, seq %d", what, in.ICMPID, in.ICMPSeq) }
	switch {
	case !v6 && in.ICMPType == 8, v6 && in.ICMPType == 128:
		return echo("echo request")
	case !v6 && in.ICMPType == 0, v6 && in.ICMPType == 129:
		return echo("echo reply")
	case !v6 && in.ICMPType == 3 && in.ICMPCode == 4:
		return fmt.Sprintf("unreachable - need to frag (mtu %d)%s", in.MTU, quoted())
	case !v6 && in.ICMPType == 3:
		return fmt.Sprintf("unreachable, code %d%s", in.ICMPCode, quoted())
	case !v6 && in.ICMPType == 11, v6 && in.ICMPType == 3:
		return fmt.Sprintf("time exceeded in-transit%s", quoted())
	case v6 && in.ICMPType == 2:
		return fmt.Sprintf("packet too big, mtu %d%s", in.MTU, quoted())
	case v6 && in.ICMPType == 1:
		return fmt.Sprintf("destination unreachable, code %d%s", in.ICMPCode, quoted())
	}
	return fmt.Sprintf("type %d, code %d%s", in.ICMPType, in.ICMPCode, quoted())
}

// innerPacketText prints the inner packet as tcpdump's one-line form does:
// "IP 192.0.2.1 > 192.0.1.1: ICMP echo request, id 28416, seq 1280, length 84".
func innerPacketText(in *decode.Inner, rd *Redactor) string {
	if in.NextHeader == 59 {
		return fmt.Sprintf("no next header (dummy packet), length %d", in.Len)
	}
	if !in.Src.IsValid() {
		return fmt.Sprintf("next header %d, not an IP packet that could be read", in.NextHeader)
	}
	family := "IP"
	if in.Src.Is6() && !in.Src.Is4In6() {
		family = "IP6"
	}
	if !in.Tunnel {
		family += " (transport mode)"
	}
	ends := func(sp, dp uint16) string {
		if sp == 0 && dp == 0 {
			return fmt.Sprintf("%s > %s", rd.Addr(in.Src), rd.Addr(in.Dst))
		}
		return fmt.Sprintf("%s.%d > %s.%d", rd.Addr(in.Src), sp, rd.Addr(in.Dst), dp)
	}
	var what string
	switch in.Proto {
	case 1, 58:
		name := "ICMP"
		if in.Proto == 58 {
			name = "ICMP6"
		}
		what = fmt.Sprintf("%s: %s %s", ends(0, 0), name, icmpText(in, rd))
	case 6:
		what = fmt.Sprintf("%s: TCP [%s]", ends(in.SrcPort, in.DstPort), strings.Join(tcpFlagList(in.TCPFlags), ","))
	case 17:
		what = fmt.Sprintf("%s: UDP", ends(in.SrcPort, in.DstPort))
	default:
		what = fmt.Sprintf("%s: %s", ends(in.SrcPort, in.DstPort), ipProtoName(in.Proto))
	}
	var tags []string
	if in.Fragment {
		tags = append(tags, "fragment")
	}
	if in.DF {
		tags = append(tags, "DF")
	}
	t := ""
	if len(tags) > 0 {
		t = " [" + strings.Join(tags, ", ") + "]"
	}
	return fmt.Sprintf("%s %s, length %d%s", family, what, in.Len, t)
}

// InnerJSON is the "inner" object of an ESP line: what --keys opened of the packet, or
// why it did not open (docs/decode-json.md).
type InnerJSON struct {
	Integrity     string   `json:"integrity"`
	KeySource     string   `json:"key_source"`
	Error         string   `json:"error,omitempty"`
	ErrorKind     string   `json:"error_kind,omitempty"` // "icv", "trailer", "truncated"
	NextHeader    int      `json:"next_header"`
	Tunnel        bool     `json:"tunnel"`
	Src           string   `json:"src,omitempty"`
	Dst           string   `json:"dst,omitempty"`
	Protocol      int      `json:"protocol"`
	ProtocolName  string   `json:"protocol_name,omitempty"`
	SrcPort       uint16   `json:"src_port,omitempty"`
	DstPort       uint16   `json:"dst_port,omitempty"`
	TCPFlags      *uint8   `json:"tcp_flags,omitempty"`
	TCPFlagNames  []string `json:"tcp_flag_names,omitempty"`
	ICMPType      *uint8   `json:"icmp_type,omitempty"`
	ICMPCode      *uint8   `json:"icmp_code,omitempty"`
	ICMPText      string   `json:"icmp_text,omitempty"`
	ICMPID        *uint16  `json:"icmp_id,omitempty"`
	ICMPSeq       *uint16  `json:"icmp_seq,omitempty"`
	MTU           int      `json:"mtu,omitempty"`
	QuotedSrc     string   `json:"quoted_src,omitempty"`
	QuotedDst     string   `json:"quoted_dst,omitempty"`
	QuotedProto   int      `json:"quoted_protocol,omitempty"`
	QuotedSrcPort uint16   `json:"quoted_src_port,omitempty"`
	QuotedDstPort uint16   `json:"quoted_dst_port,omitempty"`
	Length        int      `json:"length"`
	DF            bool     `json:"df,omitempty"`
	Fragment      bool     `json:"fragment,omitempty"`
	TTL           int      `json:"ttl,omitempty"`
}

// newInnerJSON builds the "inner" object of an opened ESP packet, its addresses and key
// source redacted by rd when it is not nil.
func newInnerJSON(in *decode.Inner, rd *Redactor) *InnerJSON {
	j := &InnerJSON{Integrity: in.Integrity, KeySource: rd.KeySource(in.Source)}
	if in.Err != nil {
		j.Error = in.Err.Error()
		switch {
		case errors.Is(in.Err, decode.ErrICV):
			j.ErrorKind = "icv"
		case errors.Is(in.Err, decode.ErrESPTrailer):
			j.ErrorKind = "trailer"
		case errors.Is(in.Err, decode.ErrESPTruncated):
			j.ErrorKind = "truncated"
		}
		return j
	}
	addr := func(a netip.Addr) string {
		if !a.IsValid() {
			return ""
		}
		return rd.Addr(a)
	}
	j.NextHeader, j.Tunnel = int(in.NextHeader), in.Tunnel
	j.Src, j.Dst, j.Protocol = addr(in.Src), addr(in.Dst), int(in.Proto)
	if in.Src.IsValid() {
		j.ProtocolName = ipProtoName(in.Proto)
	}
	j.SrcPort, j.DstPort = in.SrcPort, in.DstPort
	switch in.Proto {
	case 6:
		f := in.TCPFlags
		j.TCPFlags, j.TCPFlagNames = &f, tcpFlagList(f)
	case 1, 58:
		ty, code := in.ICMPType, in.ICMPCode
		j.ICMPType, j.ICMPCode, j.ICMPText = &ty, &code, icmpText(in, rd)
		if (in.Proto == 1 && (ty == 0 || ty == 8)) || (in.Proto == 58 && (ty == 128 || ty == 129)) {
			id, seq := in.ICMPID, in.ICMPSeq
			j.ICMPID, j.ICMPSeq = &id, &seq
		}
	}
	j.MTU = in.MTU
	j.QuotedSrc, j.QuotedDst, j.QuotedProto = addr(in.QuotedSrc), addr(in.QuotedDst), int(in.QuotedProto)
	j.QuotedSrcPort, j.QuotedDstPort = in.QuotedSrcPort, in.QuotedDstPort
	j.Length, j.DF, j.Fragment, j.TTL = in.Len, in.DF, in.Fragment, int(in.TTL)
	return j
}

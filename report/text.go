package report

import (
	"net/netip"
	"strings"
)

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// isText reports whether b is printable ASCII (with spaces), worth showing as text.
func isText(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if (c < 0x20 || c > 0x7e) && c != '\n' && c != '\r' && c != '\t' {
			return false
		}
	}
	return true
}

// addrValue renders an address attribute: an address, an address with a netmask
// (8 bytes, IPv4), or an IPv6 address with a prefix length (17 bytes).
func addrValue(b []byte) string {
	switch len(b) {
	case 4, 16:
		a, _ := netip.AddrFromSlice(b)
		return a.String()
	case 8:
		a, _ := netip.AddrFromSlice(b[:4])
		m, _ := netip.AddrFromSlice(b[4:])
		return a.String() + "/" + m.String()
	case 17:
		a, _ := netip.AddrFromSlice(b[:16])
		return netip.PrefixFrom(a, int(b[16])).String()
	}
	return hexs(b)
}

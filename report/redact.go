package report

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/decode"
)

// Redactor makes a report safe for a public ticket. Within one report the same address or
// identity always gets the same pseudonym:
//
//   - public addresses of the peers become peer-A, peer-B, ... (other public addresses,
//     say in traffic selectors, addr-1, addr-2, ...);
//   - private addresses (RFC 1918, CGNAT, link-local, IPv6 ULA) move into the
//     benchmarking range 198.18.0.0/15 or the documentation prefix 2001:db8::/32,
//     prefix-preserving: a network the report names (10.1.0.0/16, a selector's range)
//     becomes a network of the same length with the same host bits, addresses inside it
//     stay inside its image at the same offset, and other addresses keep their /24 (/64)
//     together and their host part;
//   - capture files become capture-1.pcap, capture-2.pcapng, ... (their names often name
//     a customer or a site), wherever a capture is named;
//   - identities (FQDN, user FQDN, DN, key ID), certificate subjects and issuers, XAUTH
//     and Mode Config strings and vendor-specific Vendor ID text become fqdn-1, dn-1,
//     user-1, vendor-1, ...;
//   - SPIs and cookies become spi-1, spi-2, ... where text mentions them, and are left out
//     where they are fields of their own, as are hashes, nonces, KE data and signatures.
//
// Algorithms, steps, timings, frame numbers and findings stay as they are. A nil
// *Redactor redacts nothing, so report code calls it unconditionally.
type Redactor struct {
	addrs     map[netip.Addr]string
	endpoints map[netip.Addr]bool
	peers     int
	others    int
	blocks    []block           // private networks and their images, see renumber
	captures  map[string]string // capture name (and its base name) -> capture-n

	literals map[string]string // sensitive text -> pseudonym
	counts   map[string]int    // pseudonyms handed out, by kind
	replacer *strings.Replacer // built from literals, nil when stale
}

// NewRedactor returns a Redactor that knows every address, identity, certificate name
// and SPI of r, numbered in the order the report shows them.
func NewRedactor(r *analyze.Result) *Redactor {
	rd := &Redactor{
		addrs:     map[netip.Addr]string{},
		endpoints: map[netip.Addr]bool{},
		captures:  map[string]string{},
		literals:  map[string]string{},
		counts:    map[string]int{},
	}
	rd.learnResult(r)
	return rd
}

// LearnSession teaches a redactor of a stream (NewStreamRedactor) a session and its
// findings before they are written: pseudonyms are numbered in the order the sessions
// come.
func (rd *Redactor) LearnSession(s *analyze.Session, fs []analyze.Finding) {
	if rd == nil {
		return
	}
	for _, p := range s.NamedSPIs() {
		rd.spi(p[0][:])
		rd.spi(p[1][:])
		rd.spi(append(p[0][:len(p[0]):len(p[0])], p[1][:]...))
	}
	rd.learnResult(&analyze.Result{Sessions: []*analyze.Session{s}, Findings: fs})
}

// learnResult registers every address, identity, certificate name and SPI of r, numbered
// in the order the report shows them.
func (rd *Redactor) learnResult(r *analyze.Result) {
	// Endpoints first, so that they get the first names and are peers wherever they appear.
	var order []netip.Addr
	endpoint := func(a netip.Addr) {
		if a.IsValid() && !rd.endpoints[a] {
			rd.endpoints[a] = true
			order = append(order, a)
		}
	}
	for _, s := range r.Sessions {
		endpoint(s.Initiator.Addr())
		endpoint(s.Responder.Addr())
		for _, m := range s.Messages {
			endpoint(m.Src.Addr())
			endpoint(m.Dst.Addr())
		}
		for _, f := range s.ESP {
			endpoint(f.Src.Addr())
			endpoint(f.Dst.Addr())
		}
	}
	for _, f := range r.Orphans {
		endpoint(f.Src.Addr())
		endpoint(f.Dst.Addr())
	}
	for _, f := range r.Findings {
		// Peers of a finding no session holds (an IKE-over-TCP connection that carried
		// no IKE): "192.0.2.1:42100 → 192.0.2.2:4500".
		if f.Session != 0 || f.Peers == "" {
			continue
		}
		for _, p := range strings.Split(f.Peers, " → ") {
			if ap, err := netip.ParseAddrPort(p); err == nil {
				endpoint(ap.Addr())
			} else if a, err := netip.ParseAddr(p); err == nil {
				endpoint(a)
			}
		}
	}
	for _, c := range r.Captures {
		rd.AddCapture(c.Name)
	}
	// The networks the report names, widest first, so that what lies inside one keeps
	// its place inside its image.
	var texts []string
	for _, s := range r.Sessions {
		texts = append(texts, s.Selectors...)
		for _, e := range s.Timeline {
			texts = append(texts, e.Detail)
		}
		for _, m := range s.Messages {
			if m.Retransmit == 0 {
				if x := m.Decoded(); x != nil {
					texts = append(texts, payloadTexts(x.Payloads, x.IsV2())...)
				}
			}
			texts = append(texts, payloadTexts(m.Inner, s.Version == 2)...)
		}
	}
	for _, f := range r.Findings {
		texts = append(texts, f.Summary, f.Cause, f.Next)
	}
	rd.networks(texts...)
	for _, a := range order {
		rd.Addr(a)
	}
	if cs := r.Clients; cs != nil {
		for _, c := range cs.Repeated {
			if c.User != "" {
				rd.literal("user", c.User)
			}
		}
	}
	for _, s := range r.Sessions {
		if s.User != "" {
			rd.literal("user", s.User)
		}
		rd.spi(s.InitiatorSPI[:])
		rd.spi(s.ResponderSPI[:])
		rd.spi(append(s.InitiatorSPI[:len(s.InitiatorSPI):len(s.InitiatorSPI)], s.ResponderSPI[:]...))
		for _, f := range s.ESP {
			rd.literal("spi", fmt.Sprintf("%08x", f.SPI))
		}
		for _, m := range s.Messages {
			if x := m.Decoded(); x != nil && m.Retransmit == 0 {
				rd.learn(x.Payloads, x.IsV2())
			}
			// Decrypted payloads name identities and SPIs too (a Delete's SPIs reach the
			// timeline's text).
			rd.learn(m.Inner, s.Version == 2)
		}
	}
	for _, f := range r.Orphans {
		rd.literal("spi", fmt.Sprintf("%08x", f.SPI))
	}
}

// learn registers what a message's payloads (or its decrypted ones) carry that must not
// leave the report.
func (rd *Redactor) learn(payloads []decode.Payload, v2 bool) {
	for i := range payloads {
		p := &payloads[i]
		switch {
		case p.SA != nil:
			for _, pr := range p.SA.Proposals {
				rd.spi(pr.SPI)
			}
		case p.ID != nil:
			rd.Identity(v2, p.ID.Type, p.ID.Text)
		case p.EAP != nil:
			if id, ok := p.EAP.Identity(); ok && id != "" {
				rd.literal("user", id)
			}
		case p.Cert != nil:
			rd.DN(p.Cert.Subject)
			rd.DN(p.Cert.Issuer)
			for _, a := range p.Cert.Authorities {
				if !isHex(a) {
					rd.DN(a)
				}
			}
		case p.Notify != nil:
			rd.spi(p.Notify.SPI)
			if g := p.Notify.Gateway; g != "" {
				if _, err := netip.ParseAddr(g); err != nil {
					rd.literal("fqdn", g)
				}
			}
		case p.Delete != nil:
			for _, s := range p.Delete.SPIs {
				rd.spi(s)
			}
		case p.VendorID != nil:
			if v := p.VendorID; v.Known && v.Info.Feature == "" && v.Info.Name != v.Info.Vendor {
				rd.literal("vendor", v.Info.Name)
			}
		case p.Config != nil:
			for _, a := range p.Config.Attributes {
				if t := ConfigValueText(a, v2); a.Short || len(a.Value) == 0 || !isText(a.Value) {
					continue
				} else if _, err := netip.ParseAddr(t); err != nil && !strings.Contains(t, "/") {
					kind := "config"
					if strings.Contains(decode.ConfigAttrName(v2, a.Type), "USER") {
						kind = "user"
					}
					rd.literal(kind, t)
				}
			}
		}
	}
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil && s != ""
}

// Identity registers an identity as an ID payload carries it and returns its pseudonym.
// Address identities keep the address rules.
func (rd *Redactor) Identity(v2 bool, typ uint8, text string) string {
	if rd == nil {
		return text
	}
	name := decode.IDTypeName(v2, typ)
	switch {
	case strings.Contains(name, "USER_FQDN") || strings.Contains(name, "RFC822"):
		return rd.literal("user", text)
	case strings.Contains(name, "IPV4") || strings.Contains(name, "IPV6"):
		return rd.Text(text)
	case strings.Contains(name, "FQDN"):
		return rd.literal("fqdn", text)
	case strings.Contains(name, "DN"):
		return rd.DN(text)
	case strings.Contains(name, "KEY_ID"):
		return rd.literal("keyid", text)
	case name == "ID_NULL":
		return text
	}
	return rd.literal("id", text)
}

// DN registers a distinguished name, and the common name inside it when that looks like a
// name of its own (a host name, a mail address, several words), and returns its pseudonym.
func (rd *Redactor) DN(dn string) string {
	if rd == nil || dn == "" {
		return dn
	}
	for _, rdn := range strings.Split(dn, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(rdn), "=")
		if !ok {
			continue
		}
		switch strings.ToUpper(k) {
		case "CN", "E", "EMAILADDRESS":
			if strings.ContainsAny(v, ".@ ") || strings.ContainsAny(v, "0123456789") {
				rd.literal("name", v)
			}
		}
	}
	return rd.literal("dn", dn)
}

func (rd *Redactor) spi(b []byte) {
	if len(b) == 0 {
		return
	}
	for _, c := range b {
		if c != 0 {
			rd.literal("spi", hex.EncodeToString(b))
			return
		}
	}
}

// literal registers text as sensitive and returns its pseudonym (kind-n). Text too short
// to identify anything is left alone.
func (rd *Redactor) literal(kind, text string) string {
	text = strings.TrimSpace(text)
	if len(text) < 3 {
		return text
	}
	if p, ok := rd.literals[text]; ok {
		return p
	}
	rd.counts[kind]++
	p := fmt.Sprintf("%s-%d", kind, rd.counts[kind])
	rd.literals[text] = p
	rd.replacer = nil
	return p
}

// On says whether the Redactor redacts anything (it is not nil).
func (rd *Redactor) On() bool { return rd != nil }

// Addr returns an address's pseudonym: a name for a public address, a renumbered address
// for a private one. Addresses that identify nothing (unspecified, loopback, multicast,
// netmasks) are kept.
func (rd *Redactor) Addr(a netip.Addr) string {
	if rd == nil || !a.IsValid() {
		return a.String()
	}
	a = a.Unmap()
	if p, ok := rd.addrs[a]; ok {
		return p
	}
	var p string
	switch {
	case keepAddr(a):
		p = a.String()
	case isPrivate(a):
		p = rd.renumber(a).String()
	case rd.endpoints[a]:
		p = "peer-" + letters(rd.peers)
		rd.peers++
	default:
		rd.others++
		p = fmt.Sprintf("addr-%d", rd.others)
	}
	rd.addrs[a] = p
	return p
}

// AddrPort returns "peer-A:500", "10.0.1.7:4500" or "[fd00:0:0:1::7]:4500".
func (rd *Redactor) AddrPort(ap netip.AddrPort) string {
	if rd == nil {
		return ap.String()
	}
	p := rd.Addr(ap.Addr())
	if ap.Addr().Is6() && !ap.Addr().Is4In6() && strings.Contains(p, ":") {
		p = "[" + p + "]"
	}
	return fmt.Sprintf("%s:%d", p, ap.Port())
}

// AddCapture registers a capture and returns its pseudonym: capture-n, with the
// extension of the file it names (.pcap, .pcapng, .gz).
func (rd *Redactor) AddCapture(name string) string {
	if rd == nil {
		return name
	}
	if p, ok := rd.captures[name]; ok {
		return p
	}
	rd.counts["capture"]++
	p := fmt.Sprintf("capture-%d", rd.counts["capture"])
	base := filepath.Base(name)
	for _, ext := range []string{".pcap", ".pcapng", ".cap", ".pcap.gz", ".pcapng.gz", ".cap.gz"} {
		if strings.HasSuffix(strings.ToLower(base), ext) {
			p += ext
		}
	}
	for _, n := range []string{name, base} {
		if _, ok := rd.captures[n]; ok {
			continue
		}
		rd.captures[n] = p
		// Text names captures too ("gw-a.pcap#12", "5 packets left gw-b.pcap"); names too
		// short to be told from other words are replaced only where a capture is named.
		if len(n) >= 3 && n != "-" {
			if _, ok := rd.literals[n]; !ok {
				rd.literals[n] = p
				rd.replacer = nil
			}
		}
	}
	return p
}

// Capture returns a capture's pseudonym; a name that is no capture of the report is
// redacted like any text, without its directory.
func (rd *Redactor) Capture(name string) string {
	if rd == nil {
		return name
	}
	if p, ok := rd.captures[name]; ok {
		return p
	}
	if p, ok := rd.captures[filepath.Base(name)]; ok {
		return p
	}
	return rd.Text(filepath.Base(name))
}

// SPI returns the pseudonym of an SPI or cookie given as hex.
func (rd *Redactor) SPI(h string) string {
	if rd == nil {
		return h
	}
	return rd.literal("spi", h)
}

// Text redacts free text: every registered identity, name and SPI, longest first, then
// every IPv4 or IPv6 address in it, known or not.
func (rd *Redactor) Text(s string) string {
	if rd == nil || s == "" {
		return s
	}
	if len(rd.literals) > 0 {
		if rd.replacer == nil {
			olds := make([]string, 0, len(rd.literals))
			for k := range rd.literals {
				olds = append(olds, k)
			}
			sort.Slice(olds, func(i, j int) bool {
				if len(olds[i]) != len(olds[j]) {
					return len(olds[i]) > len(olds[j])
				}
				return olds[i] < olds[j]
			})
			pairs := make([]string, 0, 2*len(olds))
			for _, o := range olds {
				pairs = append(pairs, o, rd.literals[o])
			}
			rd.replacer = strings.NewReplacer(pairs...)
		}
		s = rd.replacer.Replace(s)
	}
	rd.networks(s)
	return rd.addresses(s)
}

func addrChar(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.'
}

// addresses replaces every address in s, found as a run of hex digits, dots and colons.
func (rd *Redactor) addresses(s string) string {
	var b strings.Builder
	last := 0 // s[:last] is in b
	for i := 0; i < len(s); {
		if !addrChar(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && addrChar(s[j]) {
			j++
		}
		for _, m := range rd.addrsIn(s, i, j) {
			start, end, repl := m.start, m.end, m.repl
			if !strings.Contains(repl, ":") && start > 0 && end < len(s) && s[start-1] == '[' && s[end] == ']' {
				start, end = start-1, end+1 // "[peer-A]:500" reads better as "peer-A:500"
			}
			b.WriteString(s[last:start])
			b.WriteString(repl)
			last = end
		}
		i = j
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

type addrMatch struct {
	start, end int
	repl       string
}

// addrsIn finds the addresses in the run s[i:j].
func (rd *Redactor) addrsIn(s string, i, j int) []addrMatch {
	// The whole run, without leading or trailing punctuation, as an IPv6 address.
	a, b := i, j
	for a < b && (s[a] == ':' || s[a] == '.') && !strings.HasPrefix(s[a:b], "::") {
		a++
	}
	for b > a && (s[b-1] == '.' || s[b-1] == ':') && !strings.HasSuffix(s[a:b], "::") {
		b--
	}
	if strings.Contains(s[a:b], ":") {
		if addr, err := netip.ParseAddr(s[a:b]); err == nil {
			if r := rd.Addr(addr); r != s[a:b] {
				return []addrMatch{{a, b, r}}
			}
			return nil
		}
	}
	// Otherwise IPv4 addresses inside it ("192.0.2.1:500").
	var out []addrMatch
	for k := i; k < j; {
		if !(s[k] >= '0' && s[k] <= '9') {
			k++
			continue
		}
		e := k
		for e < j && (s[e] >= '0' && s[e] <= '9' || s[e] == '.') {
			e++
		}
		end := e
		for end > k && s[end-1] == '.' {
			end--
		}
		if addr, err := netip.ParseAddr(s[k:end]); err == nil && addr.Is4() && (k == i || s[k-1] != '.') {
			if r := rd.Addr(addr); r != s[k:end] {
				out = append(out, addrMatch{k, end, r})
			}
		}
		k = e
	}
	return out
}

// keepAddr says whether an address identifies nothing and stays as it is.
func keepAddr(a netip.Addr) bool {
	if a.IsUnspecified() || a.IsLoopback() || a.IsMulticast() {
		return true
	}
	if a.Is4() {
		b := a.As4()
		if b[0] == 255 { // a netmask, or the broadcast address
			return true
		}
	}
	return false
}

// privateRanges are renumbered within themselves.
var privateRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("fd00::/8"),
	netip.MustParsePrefix("fc00::/8"),
	netip.MustParsePrefix("fe80::/10"),
}

func privateRange(a netip.Addr) (netip.Prefix, bool) {
	for _, p := range privateRanges {
		if p.Contains(a) {
			return p, true
		}
	}
	return netip.Prefix{}, false
}

func isPrivate(a netip.Addr) bool {
	_, ok := privateRange(a)
	return ok
}

// Private addresses are renumbered into these ranges, reserved for benchmarking
// (RFC 2544) and documentation (RFC 3849): clearly not anyone's real network.
var (
	images4 = netip.MustParsePrefix("198.18.0.0/15")
	images6 = netip.MustParsePrefix("2001:db8::/32")
)

// block is a private network and its image: every address inside from keeps its offset
// inside to.
type block struct{ from, to netip.Prefix }

// privateSubnet is the network an address that falls in no known one is renumbered with:
// its /24 (IPv4) or /64 (IPv6).
func privateSubnet(a netip.Addr) (netip.Prefix, bool) {
	if !isPrivate(a) {
		return netip.Prefix{}, false
	}
	bits := 24
	if a.Is6() {
		bits = 64
	}
	p, err := a.Prefix(bits)
	return p, err == nil
}

// network registers a private network the report names and returns its image, a network
// of the same length in images4 or images6. A network inside one already registered
// is imaged inside that one's image.
func (rd *Redactor) network(p netip.Prefix) netip.Prefix {
	p = p.Masked()
	if !isPrivate(p.Addr()) {
		return p
	}
	if b, ok := rd.blockOf(p.Addr(), p.Bits()); ok {
		return netip.PrefixFrom(b.image(p.Addr()), p.Bits())
	}
	space := images4
	if p.Addr().Is6() {
		space = images6
	}
	bits := p.Bits()
	if bits < space.Bits() {
		bits = space.Bits() // wider than the whole range: the best that fits
	}
	var to netip.Prefix
	free := bits - space.Bits()
	if free > 24 {
		free = 24
	}
	for n := 0; n < 1<<free; n++ {
		to = nthSubnet(space, bits, n)
		clash := false
		for _, b := range rd.blocks {
			if b.to.Overlaps(to) {
				clash = true
				break
			}
		}
		if !clash {
			break
		}
	}
	rd.blocks = append(rd.blocks, block{p, to})
	return to
}

// blockOf finds the narrowest registered network of at most bits bits that holds a.
func (rd *Redactor) blockOf(a netip.Addr, bits int) (block, bool) {
	var best block
	found := false
	for _, b := range rd.blocks {
		if b.from.Bits() <= bits && b.from.Contains(a) && (!found || b.from.Bits() > best.from.Bits()) {
			best, found = b, true
		}
	}
	return best, found
}

// image is a's place in the block's image: the image's network bits, a's host bits.
func (b block) image(a netip.Addr) netip.Addr {
	ab, tb := a.As16(), b.to.Addr().As16()
	bits := b.from.Bits()
	if a.Is4() {
		bits += 96
	}
	for i := bits; i < 128; i++ {
		mask := byte(0x80) >> (i % 8)
		tb[i/8] = tb[i/8]&^mask | ab[i/8]&mask
	}
	out := netip.AddrFrom16(tb)
	if a.Is4() {
		return out.Unmap()
	}
	return out
}

// renumber moves a private address into images4 or images6, inside the image of the
// network it belongs to, keeping its host part (IPv6 interface IDs that could carry a
// MAC address are numbered instead).
func (rd *Redactor) renumber(a netip.Addr) netip.Addr {
	b, ok := rd.blockOf(a, a.BitLen())
	if !ok {
		sub, _ := privateSubnet(a)
		rd.network(sub)
		b, _ = rd.blockOf(a, a.BitLen())
	}
	out := b.image(a)
	if a.Is4() || b.from.Bits() > 64 {
		return out
	}
	ab, tb := a.As16(), out.As16()
	small := true
	for _, c := range ab[8:14] {
		if c != 0 {
			small = false
		}
	}
	if !small {
		for i := 8; i < 16; i++ {
			tb[i] = 0
		}
		rd.counts["iid"]++
		n := rd.counts["iid"] + 0x100
		tb[14], tb[15] = byte(n>>8), byte(n)
	}
	return netip.AddrFrom16(tb)
}

// nthSubnet is the n-th subnet of the given size inside rng (wrapping within it).
func nthSubnet(rng netip.Prefix, bits, n int) netip.Prefix {
	b := rng.Addr().AsSlice()
	free := bits - rng.Bits()
	if free > 24 {
		free = 24
	}
	n %= 1 << free
	// Write n into the bits just above the subnet boundary.
	for i := 0; i < free; i++ {
		if n&(1<<i) != 0 {
			bit := bits - 1 - i
			b[bit/8] |= 0x80 >> (bit % 8)
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return netip.PrefixFrom(a, bits)
}

// A network in text: an address with a prefix length or a netmask, or a range of two
// addresses (a range is registered as the smallest network holding both ends, so that
// it keeps its size).
var (
	netText   = regexp.MustCompile(`([0-9A-Fa-f:.]*[0-9A-Fa-f])/([0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9]{1,3})\b`)
	rangeText = regexp.MustCompile(`([0-9A-Fa-f:.]*[0-9A-Fa-f])\s*-\s*([0-9A-Fa-f:.]*[0-9A-Fa-f])`)
)

// networks registers the private networks and ranges the texts name, widest first.
func (rd *Redactor) networks(texts ...string) {
	var found []netip.Prefix
	for _, t := range texts {
		for _, m := range netText.FindAllStringSubmatch(t, -1) {
			a, err := netip.ParseAddr(m[1])
			if err != nil {
				continue
			}
			bits := -1
			if mask, err := netip.ParseAddr(m[2]); err == nil && mask.Is4() && a.Is4() {
				mb := mask.As4()
				n := uint32(mb[0])<<24 | uint32(mb[1])<<16 | uint32(mb[2])<<8 | uint32(mb[3])
				ones := 0
				for n&0x80000000 != 0 {
					ones++
					n <<= 1
				}
				if n == 0 {
					bits = ones
				}
			} else {
				fmt.Sscanf(m[2], "%d", &bits)
			}
			if p, err := a.Prefix(bits); err == nil && bits >= 0 {
				found = append(found, p)
			}
		}
		for _, m := range rangeText.FindAllStringSubmatch(t, -1) {
			lo, err1 := netip.ParseAddr(m[1])
			hi, err2 := netip.ParseAddr(m[2])
			if err1 != nil || err2 != nil || lo.Is4() != hi.Is4() {
				continue
			}
			bits := 0
			lb, hb := lo.AsSlice(), hi.AsSlice()
			for bits < len(lb)*8 && lb[bits/8]&(0x80>>(bits%8)) == hb[bits/8]&(0x80>>(bits%8)) {
				bits++
			}
			if p, err := lo.Prefix(bits); err == nil {
				found = append(found, p)
			}
		}
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].Bits() < found[j].Bits() })
	for _, p := range found {
		rd.network(p)
	}
}

// payloadTexts are the texts of payloads that can name networks: identities and traffic
// selectors.
func payloadTexts(payloads []decode.Payload, v2 bool) []string {
	var out []string
	for i := range payloads {
		p := &payloads[i]
		switch {
		case p.ID != nil:
			out = append(out, p.ID.Text)
		case p.TS != nil:
			for _, s := range p.TS.Selectors {
				out = append(out, SelectorText(s))
			}
		case p.Config != nil:
			for _, a := range p.Config.Attributes {
				out = append(out, ConfigValueText(a, v2))
			}
		}
	}
	return out
}

// letters numbers pseudonyms A, B, ..., Z, AA, AB, ...
func letters(n int) string {
	s := ""
	for {
		s = string(rune('A'+n%26)) + s
		n = n/26 - 1
		if n < 0 {
			return s
		}
	}
}

// NewStreamRedactor returns a Redactor for messages read one by one (`ikescope decode
// --redact`): it learns each message's addresses, identities and SPIs from LearnMessage,
// before the message is written, so pseudonyms are numbered in the order the messages
// show them.
func NewStreamRedactor() *Redactor { return NewRedactor(&analyze.Result{}) }

// LearnMessage registers what a message carries that must not leave the output.
func (rd *Redactor) LearnMessage(m *decode.Message) {
	if rd == nil {
		return
	}
	for _, a := range []netip.Addr{m.Src.Addr(), m.Dst.Addr()} {
		if a.IsValid() && !rd.endpoints[a.Unmap()] {
			rd.endpoints[a.Unmap()] = true
		}
	}
	if m.Kind == decode.KindESP || m.Kind == decode.KindAH {
		rd.literal("spi", fmt.Sprintf("%08x", m.ESP.SPI))
	}
	if x := m.ISAKMP; x != nil {
		rd.spi(x.InitiatorSPI[:])
		rd.spi(x.ResponderSPI[:])
		rd.spi(append(x.InitiatorSPI[:len(x.InitiatorSPI):len(x.InitiatorSPI)], x.ResponderSPI[:]...))
		rd.networks(payloadTexts(x.Payloads, x.IsV2())...)
		rd.learn(x.Payloads, x.IsV2())
	}
	rd.Addr(m.Src.Addr())
	rd.Addr(m.Dst.Addr())
}

// LearnPayloads registers what decrypted payloads carry.
func (rd *Redactor) LearnPayloads(payloads []decode.Payload, v2 bool) {
	if rd == nil {
		return
	}
	rd.networks(payloadTexts(payloads, v2)...)
	rd.learn(payloads, v2)
}

// KeySource names where --keys found a session's keys ("charon.log:149") without the
// file's name, which may name a site: keys-1:149.
func (rd *Redactor) KeySource(src string) string {
	if rd == nil || src == "" {
		return src
	}
	file, line := src, ""
	if i := strings.LastIndexByte(src, ':'); i > 0 && strings.Trim(src[i+1:], "0123456789") == "" {
		file, line = src[:i], src[i:]
	}
	rd.counts["keys"]++
	p, ok := rd.literals[file]
	if !ok {
		p = fmt.Sprintf("keys-%d", rd.counts["keys"])
		rd.literals[file] = p
		rd.replacer = nil
	} else {
		rd.counts["keys"]--
	}
	return p + line
}

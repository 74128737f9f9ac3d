package config

// Cisco IOS and ASA running-configs: the crypto sections. A crypto map entry (or a
// dynamic map entry, or an IOS tunnel interface protected by an IPsec profile) is a Conn;
// its IKE offers are the IKEv1 policies or the IKEv2 proposals/policies, its Child has the
// crypto ACL's addresses as traffic selectors and the transform sets (IKEv2 IPsec
// proposals on the ASA) as ESP offers.

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ikescope/ikescope/analyze"
)

// cfield is a word of a line and where it begins in the line.
type cfield struct {
	s   string
	off int
}

func ciscoFields(line string) []cfield {
	var out []cfield
	for i := 0; i < len(line); {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' {
			j++
		}
		if j > i {
			out = append(out, cfield{line[i:j], i})
		}
		i = j
	}
	return out
}

// cline is a line of the configuration.
type cline struct {
	n      int // from 1
	indent int
	f      []cfield
}

func (l *cline) words() []string {
	out := make([]string, len(l.f))
	for i, f := range l.f {
		out[i] = f.s
	}
	return out
}

// ccmd is a top-level command and the lines indented under it.
type ccmd struct {
	cline
	sub []*cline
}

func ciscoCommands(lines []string) []*ccmd {
	var out []*ccmd
	var cur *ccmd
	banner := ""
	for i, raw := range lines {
		if banner != "" {
			if strings.Contains(raw, banner) {
				banner = ""
			}
			continue
		}
		f := ciscoFields(raw)
		if len(f) == 0 || strings.HasPrefix(f[0].s, "!") || f[0].s == ":" {
			if len(f) > 0 && f[0].off == 0 {
				cur = nil
			}
			continue
		}
		l := cline{n: i + 1, indent: f[0].off, f: f}
		if l.indent == 0 {
			if strings.EqualFold(f[0].s, "banner") && len(f) >= 3 {
				d := f[2].s[:1]
				if strings.HasPrefix(f[2].s, "^C") {
					d = "^C"
				}
				rest := raw[f[2].off+len(d):]
				if !strings.Contains(rest, d) {
					banner = d
				}
				cur = nil
				continue
			}
			cur = &ccmd{cline: l}
			out = append(out, cur)
			continue
		}
		if cur != nil {
			cur.sub = append(cur.sub, &l)
		}
	}
	return out
}

// Objects read from the configuration before the Conns are made.
type (
	ciscoV1Policy struct {
		num                    int
		at                     Source
		enc, hash, auth, group string
		encAt, authAt          Source
		life                   time.Duration
		lifeSet                bool
	}
	ciscoV2Proposal struct {
		name                    string
		at                      Source
		enc, integ, prf, groups []string
		life                    time.Duration
	}
	ciscoIOSV2Policy struct {
		proposals []string
	}
	ciscoProfile struct { // IOS isakmp or ikev2 profile
		at                  Source
		localID, remoteID   Setting
		localAuth, remoteAu Setting
		aggressive, xauth   bool
	}
	ciscoTransformSet struct {
		name  string
		at    Source
		words []string
		mode  string
	}
	ciscoEntry struct {
		mapName   string
		seq       int
		at        Source
		order     int
		dynamic   bool   // a dynamic map's entry
		profile   bool   // an IOS IPsec profile (for tunnel interfaces)
		dynRef    string // "ipsec-isakmp dynamic NAME": the dynamic map it stands for
		peers     []Setting
		tsets     []Setting
		v2props   []Setting
		pfs       int
		pfsAt     Source
		v2Profile Setting
		v1Profile Setting
		acl       Setting
		life      time.Duration
		lifeKB    uint64
		aggr      bool
		tunnel    *ciscoTunnel // an IOS tunnel interface with an IPsec profile
	}
	ciscoTunnel struct {
		name          string
		at            Source
		src, dst      Setting
		ipsecMode     bool
		profile       string
		sourceIsIface bool
	}
	ciscoACE struct {
		at       Source
		src, dst []string // the address words
	}
	ciscoTunnelGroup struct {
		name              string
		typ               string
		at                Source
		pools             []string
		v1PSK             bool
		localAuth, remote Setting
		noXauth           bool
	}
	ciscoIface struct {
		name, nameif string
		ip           Setting
		cryptoMap    string
	}
)

// ciscoParser reads one running-config.
type ciscoParser struct {
	g     *Gateway
	file  string
	lines []string
	asa   bool

	v1         map[int]*ciscoV1Policy
	v2props    map[string]*ciscoV2Proposal // IOS proposals, ASA IPsec proposals
	v2pols     []*ciscoIOSV2Policy         // IOS
	asaV2      map[int]*ciscoV2Proposal    // ASA IKEv2 policies
	profiles   map[string]*ciscoProfile    // "isakmp NAME", "ikev2 NAME"
	tsets      map[string]*ciscoTransformSet
	espProps   map[string]*ciscoV2Proposal // ASA IKEv2 IPsec proposals
	entries    map[string]*ciscoEntry      // "MAP SEQ", "dynamic MAP SEQ", "profile NAME"
	acls       map[string][]*ciscoACE
	objects    map[string][]Setting // object and object-group network, resolved
	objRefs    map[string][]string  // object-group members naming other objects
	names      map[string]string    // ASA "name ADDR NAME"
	tgroups    map[string]*ciscoTunnelGroup
	tgOrder    []string
	pools      map[string]Setting
	groupPools []string // IOS client configuration groups' pools
	ifaces     []*ciscoIface
	mapIface   map[string]string // ASA "crypto map NAME interface IF", IOS local-address
	mapXauth   map[string]bool
	tunnels    []*ciscoTunnel
	life       time.Duration
	lifeKB     uint64
	order      int
}

func parseCisco(g *Gateway, file string, data []byte) error {
	p := &ciscoParser{g: g, file: file, lines: vendorLines(data), asa: Detect(file, data) == FormatCiscoASA,
		v1: map[int]*ciscoV1Policy{}, v2props: map[string]*ciscoV2Proposal{}, asaV2: map[int]*ciscoV2Proposal{},
		profiles: map[string]*ciscoProfile{}, tsets: map[string]*ciscoTransformSet{}, espProps: map[string]*ciscoV2Proposal{},
		entries: map[string]*ciscoEntry{}, acls: map[string][]*ciscoACE{}, objects: map[string][]Setting{},
		objRefs: map[string][]string{}, names: map[string]string{}, tgroups: map[string]*ciscoTunnelGroup{},
		pools: map[string]Setting{}, mapIface: map[string]string{}, mapXauth: map[string]bool{},
		life: ciscoP2Lifetime, lifeKB: ciscoP2LifeKB}
	for _, c := range ciscoCommands(p.lines) {
		if err := p.command(c); err != nil {
			return err
		}
	}
	p.build()
	return nil
}

func (p *ciscoParser) at(n int, secrets ...[2]int) Source {
	return vendorSource(p.file, p.lines, n, secrets...)
}

func (p *ciscoParser) errf(n int, format string, a ...any) error {
	return fmt.Errorf("%s:%d: %s", p.file, n, fmt.Sprintf(format, a...))
}

// ciscoIs: the words begin with these (case-insensitive).
func ciscoIs(w []string, prefix ...string) bool {
	if len(w) < len(prefix) {
		return false
	}
	for i, s := range prefix {
		if !strings.EqualFold(w[i], s) {
			return false
		}
	}
	return true
}

func (p *ciscoParser) command(c *ccmd) error {
	w := c.words()
	switch {
	case ciscoIs(w, "crypto", "isakmp", "policy") && len(w) > 3, ciscoIs(w, "crypto", "ikev1", "policy") && len(w) > 3:
		p.v1Policy(c, w[3])
	case ciscoIs(w, "crypto", "isakmp", "key"):
		return p.isakmpKey(&c.cline)
	case ciscoIs(w, "crypto", "keyring") && len(w) > 2:
		for _, s := range c.sub {
			if ciscoIs(s.words(), "pre-shared-key") {
				if err := p.keyringKey(s); err != nil {
					return err
				}
			}
		}
	case ciscoIs(w, "crypto", "isakmp", "profile") && len(w) > 3:
		p.isakmpProfile(c, w[3])
	case ciscoIs(w, "crypto", "isakmp", "client", "configuration", "group") && len(w) > 5:
		p.clientGroup(c, w[5])
	case ciscoIs(w, "crypto", "ikev2", "proposal") && len(w) > 3:
		p.iosV2Proposal(c, w[3])
	case ciscoIs(w, "crypto", "ikev2", "policy") && len(w) > 3:
		if p.asa {
			p.asaV2Policy(c, w[3])
		} else {
			pol := &ciscoIOSV2Policy{}
			for _, s := range c.sub {
				if sw := s.words(); ciscoIs(sw, "proposal") {
					pol.proposals = append(pol.proposals, sw[1:]...)
				}
			}
			p.v2pols = append(p.v2pols, pol)
		}
	case ciscoIs(w, "crypto", "ikev2", "keyring") && len(w) > 3:
		return p.ikev2Keyring(c)
	case ciscoIs(w, "crypto", "ikev2", "profile") && len(w) > 3:
		p.ikev2Profile(c, w[3])
	case ciscoIs(w, "crypto", "ipsec", "transform-set") && len(w) > 3:
		p.transformSet(c, w[3], w[4:])
	case ciscoIs(w, "crypto", "ipsec", "ikev1", "transform-set") && len(w) > 4:
		p.transformSet(c, w[4], w[5:])
	case ciscoIs(w, "crypto", "ipsec", "ikev2", "ipsec-proposal") && len(w) > 4:
		p.asaESPProposal(c, w[4])
	case ciscoIs(w, "crypto", "ipsec", "security-association", "lifetime"):
		p.life, p.lifeKB = ciscoLifetime(w[4:], p.life, p.lifeKB)
	case ciscoIs(w, "crypto", "ipsec", "profile") && len(w) > 3:
		e := p.entry("profile "+w[3], w[3], 0, c.n)
		e.profile = true
		for _, s := range c.sub {
			p.entrySetting(e, s.words(), s.n)
		}
	case ciscoIs(w, "crypto", "map") && len(w) > 3, ciscoIs(w, "crypto", "dynamic-map") && len(w) > 3:
		p.cryptoMap(c, w)
	case ciscoIs(w, "ip", "access-list", "extended") && len(w) > 3, ciscoIs(w, "ipv6", "access-list") && len(w) > 2:
		name := w[len(w)-1]
		for _, s := range c.sub {
			sw := s.words()
			if len(sw) > 0 {
				if _, err := strconv.Atoi(sw[0]); err == nil {
					sw = sw[1:]
				}
			}
			p.ace(name, sw, s.n)
		}
	case ciscoIs(w, "access-list") && len(w) > 3:
		name, rest := w[1], w[2:]
		if ciscoIs(rest, "line") && len(rest) > 2 {
			rest = rest[2:]
		}
		if ciscoIs(rest, "extended") {
			rest = rest[1:]
		}
		p.ace(name, rest, c.n)
	case ciscoIs(w, "object", "network") && len(w) > 2, ciscoIs(w, "object-group", "network") && len(w) > 2:
		p.object(c, w[2])
	case ciscoIs(w, "name") && len(w) > 2:
		p.names[w[2]] = w[1]
	case ciscoIs(w, "tunnel-group") && len(w) > 2:
		p.tunnelGroup(c, w)
	case ciscoIs(w, "ip", "local", "pool") && len(w) > 4:
		value := w[4]
		if !strings.Contains(value, "-") && len(w) > 5 && !ciscoIs(w[5:], "mask") {
			value += "-" + w[5]
		}
		p.pools[w[3]] = Setting{Value: value, At: p.at(c.n)}
	case ciscoIs(w, "interface") && len(w) > 1:
		p.iface(c, w[1])
	}
	return nil
}

func (p *ciscoParser) v1Policy(c *ccmd, num string) {
	n, err := strconv.Atoi(num)
	if err != nil {
		return
	}
	d := ciscoIOSV1Defaults
	if p.asa {
		d = ciscoASAV1Defaults
	}
	pol := &ciscoV1Policy{num: n, at: p.at(c.n), enc: d.enc, hash: d.hash, auth: d.auth, group: strconv.Itoa(d.group), life: ciscoV1Lifetime}
	pol.encAt, pol.authAt = pol.at, pol.at
	for _, s := range c.sub {
		sw := s.words()
		if len(sw) < 2 {
			continue
		}
		switch strings.ToLower(sw[0]) {
		case "encr", "encryption":
			pol.enc, pol.encAt = strings.ToLower(strings.Join(sw[1:], " ")), p.at(s.n)
		case "hash":
			pol.hash = strings.ToLower(sw[1])
		case "authentication":
			pol.auth, pol.authAt = strings.ToLower(sw[1]), p.at(s.n)
		case "group":
			pol.group = sw[1]
		case "lifetime":
			if v, err := strconv.Atoi(sw[1]); err == nil {
				pol.life = time.Duration(v) * time.Second
			} else if strings.EqualFold(sw[1], "none") {
				pol.life = 0
			}
		}
	}
	p.v1[n] = pol
}

// v1Offer expands an IKEv1 policy into the analysis's words.
func (p *ciscoParser) v1Offer(pol *ciscoV1Policy) Offer {
	o := Offer{Proposal: analyze.Proposal{Protocol: "ISAKMP", Lifetime: pol.life}, Keyword: fmt.Sprintf("policy %d", pol.num), At: pol.at}
	encWords := strings.Fields(pol.enc)
	if len(encWords) > 0 {
		key := encWords[0]
		if key == "aes" && len(encWords) > 1 {
			key = "aes-" + encWords[1]
		}
		if key == "aes-128" {
			key = "aes"
		}
		if e, ok := ciscoV1Enc[key]; ok {
			o.Encryption, o.EncIDs = []string{e.String()}, []string{strconv.Itoa(e.v1ID)}
		} else {
			o.Encryption = []string{strings.ToUpper(pol.enc)}
		}
	}
	if h, ok := ciscoV1Hash[pol.hash]; ok {
		o.Integrity = []string{h}
	} else {
		o.Integrity = []string{strings.ToUpper(pol.hash)}
	}
	if a, ok := ciscoV1Auth[pol.auth]; ok {
		o.Auth = a.offer
	}
	if n, err := strconv.Atoi(pol.group); err == nil {
		vendorSetGroups(&o.Proposal, []int{n})
	}
	return o
}

// ciscoKey reads a key's words: an optional type (0 clear, 6/7/8 encrypted) and the key.
// hidden is true when the configuration does not show the key itself (encrypted, or
// "*****" as the ASA's show running-config writes it).
func ciscoKey(f []cfield) (key cfield, hidden bool, ok bool) {
	if len(f) == 0 {
		return cfield{}, false, false
	}
	if len(f) > 1 && (f[0].s == "0" || f[0].s == "6" || f[0].s == "7" || f[0].s == "8") {
		return f[1], f[0].s != "0" || ciscoMasked(f[1].s), true
	}
	return f[0], ciscoMasked(f[0].s), true
}

func ciscoMasked(s string) bool { return strings.Trim(s, "*") == "" }

// secret records a key: its digest (zero when the configuration hides it), the line with
// the key masked.
func (p *ciscoParser) secret(l *cline, key cfield, hidden bool, ids []string) {
	s := &Secret{Kind: "psk", IDs: ids, At: p.at(l.n, [2]int{key.off, key.off + len(key.s)})}
	if !hidden {
		s.Digest = vendorDigest([]byte(key.s))
	}
	p.g.Secrets = append(p.g.Secrets, s)
}

// ciscoPeerID is a peer address with an optional mask as an identity: the address, a
// prefix, or nothing for any peer.
func ciscoPeerID(addr, mask string) []string {
	if mask == "" || mask == "255.255.255.255" {
		return []string{addr}
	}
	if addr == "0.0.0.0" && mask == "0.0.0.0" {
		return nil
	}
	if pfx, ok := vendorPrefix(addr, mask, false); ok {
		return []string{pfx}
	}
	return []string{addr}
}

// isakmpKey: crypto isakmp key [0|6] KEY address A [MASK] [no-xauth] | hostname H.
func (p *ciscoParser) isakmpKey(l *cline) error {
	f := l.f[3:]
	key, hidden, ok := ciscoKey(f)
	rest := ciscoAfter(f, key)
	if !ok || len(rest) < 2 {
		return p.errf(l.n, "crypto isakmp key names no peer; write crypto isakmp key KEY address A.B.C.D (or hostname NAME)")
	}
	p.secret(l, key, hidden, ciscoKeyPeer(rest))
	return nil
}

// ciscoAfter: the fields after the given one.
func ciscoAfter(f []cfield, x cfield) []cfield {
	for i := range f {
		if f[i].off == x.off {
			return f[i+1:]
		}
	}
	return nil
}

func ciscoKeyPeer(rest []cfield) []string {
	if len(rest) < 2 {
		return nil
	}
	switch strings.ToLower(rest[0].s) {
	case "address", "ipv6":
		mask := ""
		if len(rest) > 2 && strings.Count(rest[2].s, ".") == 3 {
			mask = rest[2].s
		}
		return ciscoPeerID(rest[1].s, mask)
	case "hostname":
		return []string{rest[1].s}
	}
	return nil
}

// keyringKey: pre-shared-key address A [MASK] key [0|6] KEY | hostname H key KEY.
func (p *ciscoParser) keyringKey(l *cline) error {
	f := l.f
	for i := 1; i < len(f); i++ {
		if strings.EqualFold(f[i].s, "key") {
			key, hidden, ok := ciscoKey(f[i+1:])
			if !ok {
				break
			}
			p.secret(l, key, hidden, ciscoKeyPeer(f[1:i]))
			return nil
		}
	}
	return p.errf(l.n, "pre-shared-key has no key; write pre-shared-key address A.B.C.D key KEY")
}

func (p *ciscoParser) isakmpProfile(c *ccmd, name string) {
	pr := &ciscoProfile{at: p.at(c.n)}
	for _, s := range c.sub {
		sw := s.words()
		switch {
		case ciscoIs(sw, "match", "identity") && len(sw) > 3 && pr.remoteID.At.Line == 0:
			pr.remoteID = Setting{Value: sw[3], At: p.at(s.n)}
		case ciscoIs(sw, "self-identity") && len(sw) > 1:
			v := ""
			if len(sw) > 2 {
				v = sw[2]
			}
			pr.localID = Setting{Value: v, At: p.at(s.n)}
		case ciscoIs(sw, "initiate", "mode", "aggressive"):
			pr.aggressive = true
		case ciscoIs(sw, "client", "authentication", "list"):
			pr.xauth = true
		}
	}
	p.profiles["isakmp "+name] = pr
}

// clientGroup: an IOS Easy VPN group, its key and pool.
func (p *ciscoParser) clientGroup(c *ccmd, name string) {
	for _, s := range c.sub {
		sw := s.words()
		switch {
		case ciscoIs(sw, "key") && len(sw) > 1:
			key, hidden, _ := ciscoKey(s.f[1:])
			p.secret(s, key, hidden, []string{name})
		case ciscoIs(sw, "pool") && len(sw) > 1:
			p.groupPools = append(p.groupPools, sw[1])
		}
	}
}

func (p *ciscoParser) iosV2Proposal(c *ccmd, name string) {
	pr := &ciscoV2Proposal{name: name, at: p.at(c.n)}
	for _, s := range c.sub {
		sw := s.words()
		if len(sw) < 2 {
			continue
		}
		vals := sw[1:]
		if strings.EqualFold(sw[0], "encryption") || strings.EqualFold(sw[0], "encr") {
			pr.enc = append(pr.enc, vals...)
		} else if strings.EqualFold(sw[0], "integrity") {
			pr.integ = append(pr.integ, vals...)
		} else if strings.EqualFold(sw[0], "prf") {
			pr.prf = append(pr.prf, vals...)
		} else if strings.EqualFold(sw[0], "group") {
			pr.groups = append(pr.groups, vals...)
		}
	}
	p.v2props[name] = pr
}

func (p *ciscoParser) asaV2Policy(c *ccmd, num string) {
	n, err := strconv.Atoi(num)
	if err != nil {
		return
	}
	d := ciscoASAV2Defaults
	pr := &ciscoV2Proposal{name: num, at: p.at(c.n), enc: []string{d.enc}, integ: []string{d.integ}, prf: []string{d.prf}, groups: []string{strconv.Itoa(d.group)}}
	for _, s := range c.sub {
		sw := s.words()
		if len(sw) < 2 {
			continue
		}
		switch strings.ToLower(sw[0]) {
		case "encryption":
			pr.enc = sw[1:]
		case "integrity":
			pr.integ = sw[1:]
		case "prf":
			pr.prf = sw[1:]
		case "group":
			pr.groups = sw[1:]
		}
	}
	p.asaV2[n] = pr
}

// v2Offer expands an IKEv2 proposal (IOS) or policy (ASA); without prf lines IOS uses the
// integrity algorithms as PRFs.
func (p *ciscoParser) v2Offer(pr *ciscoV2Proposal, keyword string) Offer {
	o := pr.offer("IKE", keyword, ciscoV2Integ)
	prf := pr.prf
	if len(prf) == 0 {
		prf = pr.integ
	}
	for _, f := range prf {
		if v, ok := ciscoV2PRF[strings.ToLower(f)]; ok {
			o.PRF = append(o.PRF, v)
		}
	}
	var groups []int
	for _, g := range pr.groups {
		if n, err := strconv.Atoi(g); err == nil {
			groups = append(groups, n)
		}
	}
	vendorSetGroups(&o.Proposal, groups)
	return o
}

// ikev2Keyring: peers with address, identity and pre-shared-key lines.
func (p *ciscoParser) ikev2Keyring(c *ccmd) error {
	var ids []string
	var keys []*cline
	flush := func() {
		for _, k := range keys {
			f := k.f[1:]
			if len(f) > 0 && (strings.EqualFold(f[0].s, "local") || strings.EqualFold(f[0].s, "remote")) {
				f = f[1:]
			}
			if key, hidden, ok := ciscoKey(f); ok {
				p.secret(k, key, hidden, append([]string(nil), ids...))
			}
		}
		ids, keys = nil, nil
	}
	for _, s := range c.sub {
		sw := s.words()
		switch {
		case ciscoIs(sw, "peer"):
			flush()
		case ciscoIs(sw, "address") && len(sw) > 1:
			mask := ""
			if len(sw) > 2 {
				mask = sw[2]
			}
			ids = append(ids, ciscoPeerID(sw[1], mask)...)
		case ciscoIs(sw, "hostname") && len(sw) > 1:
			ids = append(ids, sw[1])
		case ciscoIs(sw, "identity") && len(sw) > 2:
			ids = append(ids, sw[len(sw)-1])
		case ciscoIs(sw, "pre-shared-key"):
			if len(sw) < 2 {
				return p.errf(s.n, "pre-shared-key has no key; write pre-shared-key KEY (or local KEY / remote KEY)")
			}
			keys = append(keys, s)
		}
	}
	flush()
	return nil
}

var ciscoV2AuthNames = map[string]string{"pre-share": "psk", "rsa-sig": "pubkey", "ecdsa-sig": "pubkey", "eap": "eap", "certificate": "pubkey"}

func (p *ciscoParser) ikev2Profile(c *ccmd, name string) {
	pr := &ciscoProfile{at: p.at(c.n)}
	for _, s := range c.sub {
		sw := s.words()
		switch {
		case ciscoIs(sw, "match", "identity", "remote") && len(sw) > 4 && pr.remoteID.At.Line == 0:
			v := sw[len(sw)-1]
			if strings.EqualFold(sw[3], "address") {
				v = sw[4]
			}
			pr.remoteID = Setting{Value: v, At: p.at(s.n)}
		case ciscoIs(sw, "identity", "local") && len(sw) > 2:
			v := ""
			if len(sw) > 3 {
				v = sw[len(sw)-1]
			}
			pr.localID = Setting{Value: v, At: p.at(s.n)}
		case ciscoIs(sw, "authentication", "remote") && len(sw) > 2 && pr.remoteAu.At.Line == 0:
			pr.remoteAu = Setting{Value: ciscoV2AuthNames[strings.ToLower(sw[2])], At: p.at(s.n)}
		case ciscoIs(sw, "authentication", "local") && len(sw) > 2:
			pr.localAuth = Setting{Value: ciscoV2AuthNames[strings.ToLower(sw[2])], At: p.at(s.n)}
		}
	}
	p.profiles["ikev2 "+name] = pr
}

func (p *ciscoParser) transformSet(c *ccmd, name string, words []string) {
	if len(words) > 0 && strings.EqualFold(words[0], "mode") { // ASA: crypto ipsec ikev1 transform-set NAME mode transport
		if ts := p.tsets[name]; ts != nil && len(words) > 1 {
			ts.mode = words[1]
		}
		return
	}
	ts := &ciscoTransformSet{name: name, at: p.at(c.n), words: words, mode: "tunnel"}
	for _, s := range c.sub {
		if sw := s.words(); ciscoIs(sw, "mode") && len(sw) > 1 {
			ts.mode = sw[1]
		}
	}
	p.tsets[name] = ts
}

// tsetOffers expands a transform set for IKEv1 (v2 false) or IKEv2.
func (p *ciscoParser) tsetOffers(ts *ciscoTransformSet, v2 bool) []Offer {
	esp := Offer{Proposal: analyze.Proposal{Protocol: "ESP"}, Keyword: ts.name, At: ts.at}
	ah := Offer{Proposal: analyze.Proposal{Protocol: "AH"}, Keyword: ts.name, At: ts.at}
	haveESP, haveAH := false, false
	idx := 0
	if v2 {
		idx = 1
	}
	w := ts.words
	for i := 0; i < len(w); i++ {
		k := strings.ToLower(w[i])
		if e, ok := ciscoESPEnc[k]; ok {
			if e.keyLen > 0 && i+1 < len(w) {
				if n, err := strconv.Atoi(w[i+1]); err == nil {
					e.keyLen = n
					i++
				}
			}
			esp.Encryption = []string{e.String()}
			haveESP = true
		} else if a, ok := ciscoESPAuth[k]; ok {
			if a[idx] != "" {
				esp.Integrity = []string{a[idx]}
			}
			haveESP = true
		} else if a, ok := ciscoAHAuth[k]; ok {
			ah.Integrity = []string{a[idx]}
			haveAH = true
		}
	}
	var out []Offer
	if haveAH {
		out = append(out, ah)
	}
	if haveESP {
		out = append(out, esp)
	}
	if !v2 {
		mode := "Tunnel"
		if strings.EqualFold(ts.mode, "transport") {
			mode = "Transport"
		}
		for i := range out {
			out[i].Mode = mode
		}
	}
	return out
}

func (p *ciscoParser) asaESPProposal(c *ccmd, name string) {
	pr := &ciscoV2Proposal{name: name, at: p.at(c.n)}
	for _, s := range c.sub {
		sw := s.words()
		switch {
		case ciscoIs(sw, "protocol", "esp", "encryption"):
			pr.enc = append(pr.enc, sw[3:]...)
		case ciscoIs(sw, "protocol", "esp", "integrity"):
			pr.integ = append(pr.integ, sw[3:]...)
		}
	}
	p.espProps[name] = pr
}

func (p *ciscoParser) espPropOffer(pr *ciscoV2Proposal) Offer {
	return pr.offer("ESP", pr.name, ciscoASAESPInteg)
}

// offer names an IKEv2 proposal's (or an ASA IPsec proposal's) ciphers and integrity
// algorithms; a name no table knows is kept, upper-cased, so that it still compares.
func (pr *ciscoV2Proposal) offer(protocol, keyword string, integ map[string]string) Offer {
	o := Offer{Proposal: analyze.Proposal{Protocol: protocol}, Keyword: keyword, At: pr.at}
	for _, e := range pr.enc {
		if v, ok := ciscoV2Enc[strings.ToLower(e)]; ok {
			o.Encryption = append(o.Encryption, v.String())
		} else {
			o.Encryption = append(o.Encryption, strings.ToUpper(e))
		}
	}
	for _, i := range pr.integ {
		if v, ok := integ[strings.ToLower(i)]; ok {
			if v != "" {
				o.Integrity = append(o.Integrity, v)
			}
		} else {
			o.Integrity = append(o.Integrity, strings.ToUpper(i))
		}
	}
	return o
}

// ciscoLifetime reads "seconds N kilobytes N" in any order.
func ciscoLifetime(w []string, life time.Duration, kb uint64) (time.Duration, uint64) {
	for i := 0; i+1 < len(w); i++ {
		switch strings.ToLower(w[i]) {
		case "seconds":
			if n, err := strconv.Atoi(w[i+1]); err == nil {
				life = time.Duration(n) * time.Second
			}
		case "kilobytes":
			if n, err := strconv.ParseUint(w[i+1], 10, 64); err == nil {
				kb = n
			}
		}
	}
	return life, kb
}

func (p *ciscoParser) entry(key, mapName string, seq, line int) *ciscoEntry {
	if e := p.entries[key]; e != nil {
		return e
	}
	p.order++
	e := &ciscoEntry{mapName: mapName, seq: seq, at: p.at(line), order: p.order}
	p.entries[key] = e
	return e
}

// cryptoMap: crypto map NAME SEQ ... (IOS with lines under it, the ASA on one line each),
// crypto dynamic-map NAME SEQ ..., and the map-wide commands.
func (p *ciscoParser) cryptoMap(c *ccmd, w []string) {
	dynamic := strings.EqualFold(w[1], "dynamic-map")
	name := w[2]
	seq, err := strconv.Atoi(w[3])
	if err != nil {
		if dynamic {
			return
		}
		switch {
		case ciscoIs(w[3:], "interface") && len(w) > 4:
			p.mapIface[name] = w[4]
		case ciscoIs(w[3:], "local-address") && len(w) > 4:
			p.mapIface[name] = w[4]
		case ciscoIs(w[3:], "client", "authentication", "list"):
			p.mapXauth[name] = true
		}
		return
	}
	rest := w[4:]
	if ciscoIs(rest, "ipsec-manual") || ciscoIs(rest, "gdoi") {
		return
	}
	key := name + " " + w[3]
	if dynamic {
		key = "dynamic " + key
	}
	e := p.entry(key, name, seq, c.n)
	e.dynamic = dynamic
	if ciscoIs(rest, "ipsec-isakmp", "dynamic") && len(rest) > 2 {
		e.dynRef = rest[2]
	}
	p.entrySetting(e, rest, c.n)
	for _, s := range c.sub {
		p.entrySetting(e, s.words(), s.n)
	}
}

// entrySetting reads one "set ..." or "match address" of a crypto map entry or IPsec
// profile.
func (p *ciscoParser) entrySetting(e *ciscoEntry, w []string, n int) {
	at := p.at(n)
	switch {
	case ciscoIs(w, "match", "address") && len(w) > 2:
		e.acl = Setting{Value: w[2], At: at}
	case ciscoIs(w, "set", "peer"):
		for _, a := range w[2:] {
			if !strings.EqualFold(a, "default") {
				e.peers = vendorAddSetting(e.peers, Setting{Value: a, At: at})
			}
		}
	case ciscoIs(w, "set", "transform-set"):
		for _, t := range w[2:] {
			e.tsets = append(e.tsets, Setting{Value: t, At: at})
		}
	case ciscoIs(w, "set", "ikev1", "transform-set"):
		for _, t := range w[3:] {
			e.tsets = append(e.tsets, Setting{Value: t, At: at})
		}
	case ciscoIs(w, "set", "ikev2", "ipsec-proposal"):
		for _, t := range w[3:] {
			e.v2props = append(e.v2props, Setting{Value: t, At: at})
		}
	case ciscoIs(w, "set", "pfs"):
		e.pfs, e.pfsAt = ciscoPFSDefault(p.asa), at
		if len(w) > 2 {
			g := strings.TrimPrefix(strings.ToLower(strings.Join(w[2:], "")), "group")
			if v, err := strconv.Atoi(g); err == nil {
				e.pfs = v
			}
		}
	case ciscoIs(w, "set", "ikev2-profile") && len(w) > 2:
		e.v2Profile = Setting{Value: w[2], At: at}
	case ciscoIs(w, "set", "isakmp-profile") && len(w) > 2:
		e.v1Profile = Setting{Value: w[2], At: at}
	case ciscoIs(w, "set", "security-association", "lifetime"):
		e.life, e.lifeKB = ciscoLifetime(w[3:], e.life, e.lifeKB)
	case ciscoIs(w, "set", "ikev1", "phase1-mode", "aggressive"):
		e.aggr = true
	}
}

// ace reads an access-list entry: permit PROTO SRC [PORTS] DST [PORTS].
func (p *ciscoParser) ace(name string, w []string, n int) {
	if len(w) < 2 || !strings.EqualFold(w[0], "permit") {
		return
	}
	i := 2
	if ciscoIs(w[1:], "object") || ciscoIs(w[1:], "object-group") {
		i = 3
	}
	src, i := ciscoAddrWords(w, i)
	i = ciscoSkipPorts(w, i)
	dst, _ := ciscoAddrWords(w, i)
	if src == nil || dst == nil {
		return
	}
	p.acls[name] = append(p.acls[name], &ciscoACE{at: p.at(n), src: src, dst: dst})
}

// ciscoAddrWords takes the words of one address: any, host A, object N, A MASK, A/LEN.
func ciscoAddrWords(w []string, i int) ([]string, int) {
	if i >= len(w) {
		return nil, i
	}
	switch strings.ToLower(w[i]) {
	case "any", "any4", "any6":
		return w[i : i+1], i + 1
	case "host", "object", "object-group", "interface", "addrgroup":
		if i+1 < len(w) {
			return w[i : i+2], i + 2
		}
		return nil, i
	}
	if strings.Contains(w[i], "/") || i+1 >= len(w) {
		return w[i : i+1], i + 1
	}
	return w[i : i+2], i + 2
}

func ciscoSkipPorts(w []string, i int) int {
	if i < len(w) {
		switch strings.ToLower(w[i]) {
		case "eq", "neq", "lt", "gt":
			return i + 2
		case "range":
			return i + 3
		}
	}
	return i
}

// object reads object network (subnet, host, range) and object-group network
// (network-object, group-object) into settings.
func (p *ciscoParser) object(c *ccmd, name string) {
	for _, s := range c.sub {
		sw := s.words()
		at := p.at(s.n)
		if len(sw) < 2 {
			continue
		}
		switch strings.ToLower(sw[0]) {
		case "subnet":
			if v, ok := p.addr(sw[1:], false); ok {
				p.objects[name] = append(p.objects[name], Setting{Value: v, At: at})
			}
		case "host":
			if v, ok := p.addr(sw, false); ok {
				p.objects[name] = append(p.objects[name], Setting{Value: v, At: at})
			}
		case "range":
			if len(sw) > 2 {
				p.objects[name] = append(p.objects[name], Setting{Value: sw[1] + "-" + sw[2], At: at})
			}
		case "network-object":
			if ciscoIs(sw[1:], "object") && len(sw) > 2 {
				p.objRefs[name] = append(p.objRefs[name], sw[2])
			} else if v, ok := p.addr(sw[1:], false); ok {
				p.objects[name] = append(p.objects[name], Setting{Value: v, At: at})
			}
		case "group-object":
			p.objRefs[name] = append(p.objRefs[name], sw[1])
		default: // IOS object-group network: "10.1.0.0 255.255.0.0"
			if v, ok := p.addr(sw, false); ok {
				p.objects[name] = append(p.objects[name], Setting{Value: v, At: at})
			}
		}
	}
}

// addr turns address words into a prefix: host A, A MASK (a wildcard mask when wildcard),
// A/LEN, any.
func (p *ciscoParser) addr(w []string, wildcard bool) (string, bool) {
	if len(w) == 0 {
		return "", false
	}
	alias := func(s string) string {
		if a, ok := p.names[s]; ok {
			return a
		}
		return s
	}
	switch strings.ToLower(w[0]) {
	case "any", "any4":
		return "0.0.0.0/0", true
	case "any6":
		return "::/0", true
	case "host":
		if len(w) > 1 {
			return vendorHostPrefix(alias(w[1]))
		}
		return "", false
	}
	if strings.Contains(w[0], "/") || len(w) == 1 {
		return vendorCleanPrefix(alias(w[0]))
	}
	a := alias(w[0])
	if pfx, ok := vendorPrefix(a, w[1], wildcard); ok {
		return pfx, true
	}
	return a + " " + w[1], true // a mask that is not contiguous: kept as written
}

// resolve turns an ACL address's words into settings (at the ACE, or at the object's
// lines).
func (p *ciscoParser) resolve(w []string, at Source, depth int) []Setting {
	if len(w) == 2 && (strings.EqualFold(w[0], "object") || strings.EqualFold(w[0], "object-group") || strings.EqualFold(w[0], "addrgroup")) {
		return p.objectSettings(w[1], depth)
	}
	if len(w) > 0 && strings.EqualFold(w[0], "interface") {
		return nil
	}
	v, ok := p.addr(w, !p.asa)
	if !ok {
		return nil
	}
	return []Setting{{Value: v, At: at}}
}

func (p *ciscoParser) objectSettings(name string, depth int) []Setting {
	if depth > 16 {
		return nil
	}
	out := append([]Setting(nil), p.objects[name]...)
	for _, ref := range p.objRefs[name] {
		out = append(out, p.objectSettings(ref, depth+1)...)
	}
	return out
}

func (p *ciscoParser) tunnelGroup(c *ccmd, w []string) {
	name := w[1]
	tg := p.tgroups[name]
	if tg == nil {
		tg = &ciscoTunnelGroup{name: name, at: p.at(c.n)}
		p.tgroups[name] = tg
		p.tgOrder = append(p.tgOrder, name)
	}
	switch {
	case ciscoIs(w[2:], "type") && len(w) > 3:
		tg.typ = strings.ToLower(w[3])
		tg.at = p.at(c.n)
	case ciscoIs(w[2:], "general-attributes"):
		for _, s := range c.sub {
			if sw := s.words(); ciscoIs(sw, "address-pool") {
				for _, a := range sw[1:] {
					if !strings.HasPrefix(a, "(") {
						tg.pools = append(tg.pools, a)
					}
				}
			}
		}
	case ciscoIs(w[2:], "ipsec-attributes"):
		for _, s := range c.sub {
			sw := s.words()
			switch {
			case ciscoIs(sw, "ikev1", "pre-shared-key") && len(sw) > 2, ciscoIs(sw, "pre-shared-key") && len(sw) > 1:
				f := s.f[1:]
				if strings.EqualFold(sw[0], "ikev1") {
					f = s.f[2:]
				}
				key, hidden, _ := ciscoKey(f)
				p.secret(s, key, hidden, []string{name})
				tg.v1PSK = true
			case ciscoIs(sw, "ikev2", "remote-authentication", "pre-shared-key") && len(sw) > 3:
				key, hidden, _ := ciscoKey(s.f[3:])
				p.secret(s, key, hidden, []string{name})
				tg.remote = Setting{Value: "psk", At: p.at(s.n, [2]int{key.off, key.off + len(key.s)})}
			case ciscoIs(sw, "ikev2", "remote-authentication") && len(sw) > 2:
				tg.remote = Setting{Value: ciscoV2AuthNames[strings.ToLower(sw[2])], At: p.at(s.n)}
			case ciscoIs(sw, "ikev2", "local-authentication", "pre-shared-key") && len(sw) > 3:
				key, hidden, _ := ciscoKey(s.f[3:])
				p.secret(s, key, hidden, []string{name})
				tg.localAuth = Setting{Value: "psk", At: p.at(s.n, [2]int{key.off, key.off + len(key.s)})}
			case ciscoIs(sw, "ikev2", "local-authentication") && len(sw) > 2:
				tg.localAuth = Setting{Value: ciscoV2AuthNames[strings.ToLower(sw[2])], At: p.at(s.n)}
			case ciscoIs(sw, "isakmp", "ikev1-user-authentication", "none"):
				tg.noXauth = true
			}
		}
	}
}

func (p *ciscoParser) iface(c *ccmd, name string) {
	ifc := &ciscoIface{name: name}
	var tun *ciscoTunnel
	for _, s := range c.sub {
		sw := s.words()
		switch {
		case ciscoIs(sw, "nameif") && len(sw) > 1:
			ifc.nameif = sw[1]
		case ciscoIs(sw, "ip", "address") && len(sw) > 2 && ifc.ip.At.Line == 0 && !strings.EqualFold(sw[2], "dhcp") && !strings.EqualFold(sw[2], "negotiated"):
			ifc.ip = Setting{Value: sw[2], At: p.at(s.n)}
		case ciscoIs(sw, "crypto", "map") && len(sw) > 2:
			ifc.cryptoMap = sw[2]
		case ciscoIs(sw, "tunnel", "protection", "ipsec", "profile") && len(sw) > 4:
			if tun == nil {
				tun = &ciscoTunnel{}
			}
			tun.profile = sw[4]
		case ciscoIs(sw, "tunnel", "destination") && len(sw) > 2:
			if tun == nil {
				tun = &ciscoTunnel{}
			}
			tun.dst = Setting{Value: sw[2], At: p.at(s.n)}
		case ciscoIs(sw, "tunnel", "source") && len(sw) > 2:
			if tun == nil {
				tun = &ciscoTunnel{}
			}
			tun.src = Setting{Value: sw[2], At: p.at(s.n)}
		case ciscoIs(sw, "tunnel", "mode", "ipsec"):
			if tun == nil {
				tun = &ciscoTunnel{}
			}
			tun.ipsecMode = true
		}
	}
	p.ifaces = append(p.ifaces, ifc)
	if tun != nil && tun.profile != "" {
		tun.name, tun.at = name, p.at(c.n)
		p.tunnels = append(p.tunnels, tun)
	}
}

// ifaceAddr is the address of an interface named by its name or nameif.
func (p *ciscoParser) ifaceAddr(name string) (Setting, bool) {
	for _, ifc := range p.ifaces {
		if (strings.EqualFold(ifc.name, name) || ifc.nameif != "" && ifc.nameif == name) && ifc.ip.Value != "" {
			return ifc.ip, true
		}
	}
	return Setting{}, false
}

// build makes the Conns: crypto map entries (a dynamic map's entries where a crypto map
// names it), then tunnel interfaces.
func (p *ciscoParser) build() {
	var static, dynamic []*ciscoEntry
	for _, e := range p.entries {
		switch {
		case e.profile:
		case e.dynamic:
			dynamic = append(dynamic, e)
		default:
			static = append(static, e)
		}
	}
	sortEntries := func(es []*ciscoEntry) {
		sort.Slice(es, func(i, j int) bool {
			a, b := es[i], es[j]
			if a.mapName != b.mapName {
				return p.firstOrder(a.mapName, a.dynamic) < p.firstOrder(b.mapName, b.dynamic)
			}
			return a.seq < b.seq
		})
	}
	sortEntries(static)
	sortEntries(dynamic)
	used := map[*ciscoEntry]bool{}
	for _, e := range static {
		if e.dynRef == "" {
			p.conn(e, e.mapName)
			continue
		}
		for _, d := range dynamic {
			if d.mapName == e.dynRef && !used[d] {
				used[d] = true
				p.conn(d, e.mapName)
			}
		}
	}
	for _, d := range dynamic {
		if !used[d] {
			p.conn(d, "")
		}
	}
	for _, t := range p.tunnels {
		prof := p.entries["profile "+t.profile]
		e := &ciscoEntry{mapName: t.name, at: t.at, tunnel: t}
		if prof != nil {
			cp := *prof
			e = &cp
			e.at, e.tunnel, e.mapName = t.at, t, t.name
		}
		p.conn(e, "")
	}
}

func (p *ciscoParser) firstOrder(mapName string, dynamic bool) int {
	best := 1 << 30
	for _, e := range p.entries {
		if e.mapName == mapName && e.dynamic == dynamic && e.order < best {
			best = e.order
		}
	}
	return best
}

// conn makes the Conn of one entry; mapName is the crypto map it is applied through.
func (p *ciscoParser) conn(e *ciscoEntry, mapName string) {
	c := &Conn{At: e.at}
	switch {
	case e.tunnel != nil:
		c.Name = e.tunnel.name
	case e.dynamic:
		c.Name = fmt.Sprintf("dynamic-map %s %d", e.mapName, e.seq)
	default:
		c.Name = fmt.Sprintf("%s %d", e.mapName, e.seq)
	}
	// Peers and local address.
	c.RemoteAddrs = append(c.RemoteAddrs, e.peers...)
	if e.tunnel != nil && e.tunnel.dst.Value != "" {
		c.RemoteAddrs = []Setting{e.tunnel.dst}
	}
	if e.dynamic {
		c.RemoteAddrs = []Setting{{Value: "%any", At: e.at}}
	}
	if mapName != "" {
		if ifName, ok := p.mapIface[mapName]; ok {
			if a, ok := p.ifaceAddr(ifName); ok {
				c.LocalAddrs = append(c.LocalAddrs, a)
			}
		} else {
			for _, ifc := range p.ifaces {
				if ifc.cryptoMap == mapName && ifc.ip.Value != "" {
					c.LocalAddrs = vendorAddSetting(c.LocalAddrs, ifc.ip)
				}
			}
		}
	}
	if t := e.tunnel; t != nil && t.src.Value != "" {
		if _, ok := vendorIPv4(t.src.Value); ok {
			c.LocalAddrs = []Setting{t.src}
		} else if a, ok := p.ifaceAddr(t.src.Value); ok {
			c.LocalAddrs = []Setting{a}
			t.sourceIsIface = true
		}
	}
	// Version and IKE offers.
	v1, v2 := true, false
	if p.asa {
		v1, v2 = len(e.tsets) > 0 || len(e.v2props) == 0, len(e.v2props) > 0
	} else if e.v2Profile.Value != "" {
		v1, v2 = false, true
	}
	switch {
	case v1 && v2:
		c.Version = 0
	case v2:
		c.Version = 2
	default:
		c.Version = 1
	}
	xauth := p.mapXauth[mapName]
	if v1 {
		c.IKE = append(c.IKE, p.v1Offers()...)
		c.Aggressive = e.aggr
		if pr := p.profiles["isakmp "+e.v1Profile.Value]; pr != nil {
			c.LocalID, c.RemoteID = pr.localID, pr.remoteID
			c.Aggressive = c.Aggressive || pr.aggressive
			xauth = xauth || pr.xauth
		}
		if nums := p.v1Numbers(); len(nums) > 0 {
			pol := p.v1[nums[0]]
			if a, ok := ciscoV1Auth[pol.auth]; ok {
				c.LocalAuth = Setting{Value: a.local, At: pol.authAt}
				c.RemoteAuth = Setting{Value: a.remote, At: pol.authAt}
			}
		}
	}
	if v2 {
		c.IKE = append(c.IKE, p.v2Offers(e)...)
		if pr := p.profiles["ikev2 "+e.v2Profile.Value]; pr != nil {
			c.LocalID, c.RemoteID = pr.localID, pr.remoteID
			if pr.localAuth.Value != "" {
				c.LocalAuth = pr.localAuth
			}
			if pr.remoteAu.Value != "" {
				c.RemoteAuth = pr.remoteAu
			}
		}
	}
	// ASA tunnel groups: the peer's (site to site) or the remote-access groups (dynamic).
	if p.asa {
		for _, name := range p.tgOrder {
			tg := p.tgroups[name]
			peerGroup := false
			for _, a := range c.RemoteAddrs {
				peerGroup = peerGroup || a.Value == name
			}
			if peerGroup {
				if v2 && tg.localAuth.Value != "" {
					c.LocalAuth = tg.localAuth
				}
				if v2 && tg.remote.Value != "" {
					c.RemoteAuth = tg.remote
				}
			}
			if e.dynamic && tg.typ == "remote-access" {
				for _, pool := range tg.pools {
					if s, ok := p.pools[pool]; ok {
						c.Pools = vendorAddSetting(c.Pools, s)
					}
				}
				if v1 && tg.v1PSK && !tg.noXauth {
					xauth = true
				}
			}
		}
	} else if e.dynamic && xauth {
		for _, pool := range p.groupPools {
			if s, ok := p.pools[pool]; ok {
				c.Pools = vendorAddSetting(c.Pools, s)
			}
		}
	}
	if xauth && v1 {
		if c.RemoteAuth.Value != "" && !strings.HasSuffix(c.RemoteAuth.Value, "xauth") {
			c.RemoteAuth.Value += "+xauth"
		}
		for i := range c.IKE {
			if c.IKE[i].Protocol == "ISAKMP" && (c.IKE[i].Auth == "PSK" || c.IKE[i].Auth == "RSA") {
				c.IKE[i].Auth = "XAUTH-" + c.IKE[i].Auth
			}
		}
	}
	c.Children = []*Child{p.child(e, c, v1, v2)}
	p.g.Conns = append(p.g.Conns, c)
}

func (p *ciscoParser) v1Numbers() []int {
	var nums []int
	for n := range p.v1 {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	return nums
}

func (p *ciscoParser) v1Offers() []Offer {
	var out []Offer
	for _, n := range p.v1Numbers() {
		out = append(out, p.v1Offer(p.v1[n]))
	}
	return out
}

// v2Offers: the ASA's IKEv2 policies by number; IOS's proposals the IKEv2 policies name,
// or the default proposal without a policy.
func (p *ciscoParser) v2Offers(e *ciscoEntry) []Offer {
	var out []Offer
	if p.asa {
		var nums []int
		for n := range p.asaV2 {
			nums = append(nums, n)
		}
		sort.Ints(nums)
		for _, n := range nums {
			out = append(out, p.v2Offer(p.asaV2[n], fmt.Sprintf("policy %d", n)))
		}
		return out
	}
	if len(p.v2pols) == 0 {
		d := ciscoIOSV2Default
		pr := &ciscoV2Proposal{name: "default", at: e.v2Profile.At, enc: d.enc, integ: d.integ, prf: d.prf}
		for _, g := range d.groups {
			pr.groups = append(pr.groups, strconv.Itoa(g))
		}
		return []Offer{p.v2Offer(pr, "default")}
	}
	seen := map[string]bool{}
	for _, pol := range p.v2pols {
		for _, name := range pol.proposals {
			if pr := p.v2props[name]; pr != nil && !seen[name] {
				seen[name] = true
				out = append(out, p.v2Offer(pr, "proposal "+name))
			}
		}
	}
	return out
}

// child is the entry's IPsec SA: the ACL's addresses and the transform sets / proposals.
func (p *ciscoParser) child(e *ciscoEntry, c *Conn, v1, v2 bool) *Child {
	ch := &Child{Name: c.Name, At: e.at}
	if e.acl.Value != "" {
		ch.Name, ch.At = e.acl.Value, e.acl.At
		for _, ace := range p.acls[e.acl.Value] {
			for _, s := range p.resolve(ace.src, ace.at, 0) {
				ch.LocalTS = vendorAddSetting(ch.LocalTS, s)
			}
			for _, s := range p.resolve(ace.dst, ace.at, 0) {
				ch.RemoteTS = vendorAddSetting(ch.RemoteTS, s)
			}
		}
	} else if t := e.tunnel; t != nil {
		if t.ipsecMode {
			ch.LocalTS = []Setting{{Value: "0.0.0.0/0", At: t.at}}
			ch.RemoteTS = []Setting{{Value: "0.0.0.0/0", At: t.at}}
		} else { // GRE over IPsec: the tunnel's end points
			if len(c.LocalAddrs) > 0 {
				if pfx, ok := vendorHostPrefix(c.LocalAddrs[0].Value); ok {
					ch.LocalTS = []Setting{{Value: pfx, At: c.LocalAddrs[0].At}}
				}
			}
			if pfx, ok := vendorHostPrefix(t.dst.Value); ok {
				ch.RemoteTS = []Setting{{Value: pfx, At: t.dst.At}}
			}
		}
	}
	life, kb := p.life, p.lifeKB
	if e.life > 0 {
		life = e.life
	}
	if e.lifeKB > 0 {
		kb = e.lifeKB
	}
	setPFS := func(o *Offer) {
		if e.pfs > 0 {
			vendorSetGroups(&o.Proposal, []int{e.pfs})
		} else {
			vendorNoPFS(&o.Proposal)
		}
	}
	if v1 || !p.asa {
		for _, ts := range e.tsets {
			set := p.tsets[ts.Value]
			if set == nil {
				continue // a transform set that does not exist: no offer
			}
			for _, o := range p.tsetOffers(set, !v1) {
				if v1 {
					o.Lifetime, o.LifeKB = life, kb
				}
				setPFS(&o)
				ch.ESP = append(ch.ESP, o)
			}
		}
	}
	if v2 && p.asa {
		for _, name := range e.v2props {
			if pr := p.espProps[name.Value]; pr != nil {
				o := p.espPropOffer(pr)
				setPFS(&o)
				ch.ESP = append(ch.ESP, o)
			}
		}
	}
	return ch
}

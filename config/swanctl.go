package config

import (
	"fmt"
	"strings"
	"time"
)

// swanctl.conf (strongSwan's settings syntax): sections "name { ... }", "key = value",
// "#" comments, "include PATTERN" (relative to the including file, globs). A section
// may be opened as "name : connections.base {" and then inherits the settings and
// subsections of the sections named (their full names, comma separated).

// swNode is a section; swKV a key = value. The tree lives only while a file is parsed:
// secret values are in it, and never leave it except as digests.
type swNode struct {
	name string
	at   Source
	kids []*swNode
	kvs  []*swKV
	refs []string // "name : connections.base {": sections whose settings it inherits
}

type swKV struct {
	key, value string // value unquoted
	raw        string // value as written
	at         Source
}

func (n *swNode) get(key string) *swKV {
	var last *swKV
	for _, kv := range n.kvs {
		if kv.key == key {
			last = kv // a later setting overrides an earlier one
		}
	}
	return last
}

// secretKeys are the keys whose values are masked.
var secretKeys = map[string]bool{"secret": true, "pin": true}

type swParser struct {
	seen map[string]bool // include loop protection
}

// parseSwanctl reads a swanctl.conf and the files it includes into g.
func parseSwanctl(g *Gateway, file string, data []byte) error {
	p := &swParser{seen: map[string]bool{}}
	root := &swNode{}
	if err := p.parse(root, file, data, 0); err != nil {
		return err
	}
	root, err := swResolve(root, root, "", 0)
	if err != nil {
		return err
	}
	for _, top := range root.kids {
		switch top.name {
		case "connections":
			for _, c := range top.kids {
				conn, err := swConn(c)
				if err != nil {
					return err
				}
				g.Conns = append(g.Conns, conn)
			}
		case "pools":
			defer swPools(g, top) // once the connections naming them are read
		case "secrets":
			for _, s := range top.kids {
				sec, err := swSecret(s)
				if err != nil {
					return err
				}
				if sec != nil {
					g.Secrets = append(g.Secrets, sec)
				}
			}
		}
	}
	return nil
}

// swPools makes the pools the connections name point at their addresses: a pool
// setting becomes the pool's addrs line ("addrs = 10.99.0.1-10.99.0.80"), which is what
// an admin widens; a pool of another source (dhcp, radius) keeps the connection's line.
func swPools(g *Gateway, pools *swNode) {
	addrs := map[string]*swKV{}
	for _, p := range pools.kids {
		if kv := p.get("addrs"); kv != nil {
			addrs[p.name] = kv
		}
	}
	for _, c := range g.Conns {
		for i, p := range c.Pools {
			if kv := addrs[p.Value]; kv != nil {
				c.Pools[i] = Setting{Value: kv.value, At: kv.at}
			}
		}
	}
}

// parse reads one file's statements into the section cur.
func (p *swParser) parse(cur *swNode, file string, data []byte, depth int) error {
	if depth > 10 {
		return fmt.Errorf("%s: includes nested more than 10 deep; check for an include loop", file)
	}
	p.seen[file] = true
	defer delete(p.seen, file)
	stack := []*swNode{cur}
	for i, line := range strings.Split(string(data), "\n") {
		n := i + 1
		var made []*Source
		var secrets []string
		maskedLine, scan := line, 0 // secrets masked left to right
		rest := stripComment(line)
		for {
			rest = strings.TrimSpace(rest)
			if rest == "" {
				break
			}
			top := stack[len(stack)-1]
			if rest[0] == '}' {
				if len(stack) == 1 {
					return errAt(file, n, "} without an open section; remove it or add the section it closes")
				}
				stack = stack[:len(stack)-1]
				rest = rest[1:]
				continue
			}
			if f := strings.Fields(rest); f[0] == "include" && len(f) > 1 && !strings.ContainsAny(f[1], "={") {
				err := readIncludes(file, n, rest[len("include"):], p.seen, func(inc string, d []byte) error {
					return p.parse(top, inc, d, depth+1)
				})
				if err != nil {
					return err
				}
				break
			}
			eq := strings.IndexAny(rest, "={")
			if eq < 0 {
				return errAt(file, n, "expected NAME = VALUE, NAME { or }; fix the syntax of this line")
			}
			name := strings.TrimSpace(rest[:eq])
			if rest[eq] == '{' {
				var refs []string
				if base, list, ok := strings.Cut(name, ":"); ok {
					name = strings.TrimSpace(base)
					refs = splitList(list, false)
				}
				if name == "" || strings.ContainsAny(name, " \t\"") {
					return errAt(file, n, "a section without a valid name; write NAME { ... }")
				}
				node := &swNode{name: name, at: src(file, n, line), refs: refs}
				made = append(made, &node.at)
				top.kids = append(top.kids, node)
				stack = append(stack, node)
				rest = rest[eq+1:]
				continue
			}
			if name == "" || strings.ContainsAny(name, " \t\"") {
				return errAt(file, n, "a setting without a valid name; write NAME = VALUE")
			}
			val := strings.TrimLeft(rest[eq+1:], " \t")
			var raw string
			if val != "" && (val[0] == '"' || val[0] == '\'') {
				end := strings.IndexByte(val[1:], val[0])
				if end < 0 {
					return errAt(file, n, "the value of %s has no closing quote; add it", name)
				}
				raw = val[:end+2]
				rest = val[end+2:]
			} else {
				end := strings.IndexByte(val, '}')
				if end < 0 {
					end = len(val)
				}
				raw = strings.TrimSpace(val[:end])
				rest = val[end:]
			}
			kv := &swKV{key: name, value: unquote(raw), raw: raw, at: src(file, n, line)}
			if secretKeys[strings.ToLower(name)] {
				secrets = append(secrets, raw)
				// the value follows the "=" after the key
				if k := strings.Index(maskedLine[scan:], name); k >= 0 {
					if e := strings.IndexByte(maskedLine[scan+k:], '='); e >= 0 {
						maskedLine, scan = maskAfter(maskedLine, scan+k+e+1, raw)
					}
				}
			}
			made = append(made, &kv.at)
			top.kvs = append(top.kvs, kv)
		}
		if len(secrets) > 0 {
			for _, s := range made {
				s.Text = strings.TrimSpace(maskedLine)
			}
		}
	}
	if len(stack) > 1 {
		open := stack[len(stack)-1]
		return errAt(open.at.File, open.at.Line, "section %s is not closed; add a } after its last line", open.name)
	}
	return nil
}

// swResolve returns n with the sections it references merged in (their settings first,
// so that n's own override them) and its subsections resolved; sections of the same
// name are merged the same way.
func swResolve(root, n *swNode, path string, depth int) (*swNode, error) {
	if depth > 20 {
		return nil, errAt(n.at.File, n.at.Line, "section %s references itself; break the loop", n.name)
	}
	out := &swNode{name: n.name, at: n.at}
	for _, ref := range n.refs {
		base := swLookup(root, ref)
		if base == nil {
			return nil, errAt(n.at.File, n.at.Line, "section %s references %s, which does not exist; give its full name (connections.NAME)", n.name, ref)
		}
		rb, err := swResolve(root, base, ref, depth+1)
		if err != nil {
			return nil, err
		}
		out.kvs = append(out.kvs, rb.kvs...)
		out.kids = append(out.kids, rb.kids...)
	}
	out.kvs = append(out.kvs, n.kvs...)
	for _, k := range n.kids {
		rk, err := swResolve(root, k, path+"."+k.name, depth+1)
		if err != nil {
			return nil, err
		}
		out.kids = mergeKid(out.kids, rk)
	}
	return out, nil
}

// mergeKid adds k to kids, merged into a section of the same name if there is one.
func mergeKid(kids []*swNode, k *swNode) []*swNode {
	for i, have := range kids {
		if have.name == k.name {
			m := &swNode{name: k.name, at: k.at, kvs: append(append([]*swKV{}, have.kvs...), k.kvs...),
				kids: append([]*swNode{}, have.kids...)}
			for _, kk := range k.kids {
				m.kids = mergeKid(m.kids, kk)
			}
			kids[i] = m
			return kids
		}
	}
	return append(kids, k)
}

// swLookup finds a section by its full name ("connections.base").
func swLookup(root *swNode, path string) *swNode {
	n := root
	for _, part := range strings.Split(path, ".") {
		var next *swNode
		for _, k := range n.kids {
			if k.name == part {
				next = k
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return n
}

// stripComment cuts a line at a "#" outside quotes.
func stripComment(line string) string {
	var q byte
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case q != 0:
			if c == q {
				q = 0
			}
		case c == '"' || c == '\'':
			q = c
		case c == '#':
			return line[:i]
		}
	}
	return line
}

func yes(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "yes", "true", "1", "enabled", "on":
		return true
	}
	return false
}

// swConn reads one connections.<conn> section.
func swConn(c *swNode) (*Conn, error) {
	conn := &Conn{Name: c.name, At: c.at}
	if kv := c.get("version"); kv != nil {
		switch kv.value {
		case "0", "":
		case "1":
			conn.Version = 1
		case "2":
			conn.Version = 2
		default:
			return nil, errAt(kv.at.File, kv.at.Line, "version %q; use 0 (any), 1 or 2", kv.value)
		}
	}
	if kv := c.get("aggressive"); kv != nil {
		conn.Aggressive = yes(kv.value)
	}
	conn.LocalAddrs = swList(c, "local_addrs", "%any")
	conn.RemoteAddrs = swList(c, "remote_addrs", "%any")
	if kv := c.get("pools"); kv != nil {
		for _, v := range splitList(kv.value, false) {
			conn.Pools = append(conn.Pools, Setting{Value: v, At: kv.at})
		}
	}
	var locals, remotes []*swNode
	var children *swNode
	for _, k := range c.kids {
		switch {
		case k.name == "children":
			children = k
		case strings.HasPrefix(k.name, "local"):
			locals = append(locals, k)
		case strings.HasPrefix(k.name, "remote"):
			remotes = append(remotes, k)
		}
	}
	conn.LocalAuth, conn.LocalID = swAuth(locals, c)
	conn.RemoteAuth, conn.RemoteID = swAuth(remotes, c)
	for _, r := range remotes {
		if kv := r.get("auth"); kv != nil && userMethod(kv.value) != "" {
			conn.RemoteUserAuth = Setting{Value: strings.ToLower(kv.value), At: kv.at}
			break
		}
	}

	auth := v1AuthMethod(conn.LocalAuth.Value, conn.RemoteAuth.Value)
	ikeLife := swIKELife(c)
	props, err := swProposals(c, "proposals", true, conn.Version, offerCtx{auth: auth, life: ikeLife, firstOnly: true})
	if err != nil {
		return nil, err
	}
	conn.IKE = props
	if children != nil {
		for _, ch := range children.kids {
			child := &Child{Name: ch.name, At: ch.at}
			child.LocalTS = swList(ch, "local_ts", "dynamic")
			child.RemoteTS = swList(ch, "remote_ts", "dynamic")
			var mode uint64 = 1
			if kv := ch.get("mode"); kv != nil && strings.EqualFold(kv.value, "transport") {
				mode = 2
			}
			esp, err := swProposals(ch, "esp_proposals", false, conn.Version,
				offerCtx{mode: mode, life: swChildLife(ch), firstOnly: true})
			if err != nil {
				return nil, err
			}
			child.ESP = esp
			conn.Children = append(conn.Children, child)
		}
	}
	return conn, nil
}

// swList reads a comma list; a missing key gives def at the section's header.
func swList(n *swNode, key, def string) []Setting {
	kv := n.get(key)
	if kv == nil {
		return []Setting{{Value: def, At: n.at}}
	}
	var out []Setting
	for _, v := range splitList(kv.value, false) {
		out = append(out, Setting{Value: v, At: kv.at})
	}
	return out
}

// swAuth joins the auth of the rounds (local, local-xauth, ...) with "+" and reads the
// identity of the first round.
func swAuth(rounds []*swNode, conn *swNode) (auth, id Setting) {
	var methods []string
	for i, r := range rounds {
		m := "pubkey" // swanctl's default
		at := r.at
		if kv := r.get("auth"); kv != nil {
			m, at = strings.ToLower(kv.value), kv.at
		}
		methods = append(methods, m)
		if i == 0 {
			auth.At = at
			if kv := r.get("id"); kv != nil {
				id = Setting{Value: normID(kv.value), At: kv.at}
			}
		}
	}
	if len(rounds) == 0 {
		methods = []string{"pubkey"}
		auth.At = conn.at
	}
	auth.Value = strings.Join(methods, "+")
	return auth, id
}

// swProposals reads proposals or esp_proposals; missing: strongSwan's defaults.
func swProposals(n *swNode, key string, ike bool, version int, o offerCtx) ([]Offer, error) {
	var proto uint8 = 3
	if ike {
		proto = 1
	}
	def := func(kw string, at Source) []Offer {
		sets := swanDefaultESP()
		if ike {
			sets = swanDefaultIKE()
		}
		var out []Offer
		for _, a := range sets {
			oc := o
			oc.keyword, oc.at = kw, at
			out = append(out, makeOffers(version, proto, a, oc)...)
		}
		return out
	}
	kv := n.get(key)
	if kv == nil {
		return def(defaultKeyword, n.at), nil
	}
	var out []Offer
	for _, p := range splitList(kv.value, false) {
		if strings.EqualFold(p, "default") {
			out = append(out, def("default", kv.at)...)
			continue
		}
		a, err := parseSwanProposal(p, ike)
		if err != nil {
			return nil, errAt(kv.at.File, kv.at.Line, "%v", err)
		}
		oc := o
		oc.keyword, oc.at = p, kv.at
		out = append(out, makeOffers(version, proto, a, oc)...)
	}
	return out, nil
}

func swDuration(n *swNode, key string) (time.Duration, bool) {
	kv := n.get(key)
	if kv == nil {
		return 0, false
	}
	return parseDuration(kv.value)
}

// swIKELife is the IKE SA's lifetime when rekey_time or reauth_time is configured: as
// strongSwan puts it in IKEv1 proposals, the reauth (else rekey) time plus over_time
// (default 10% of it).
func swIKELife(c *swNode) time.Duration {
	t, ok := swDuration(c, "reauth_time")
	if !ok || t == 0 {
		t, ok = swDuration(c, "rekey_time")
	}
	if !ok || t == 0 {
		return 0
	}
	over, ok := swDuration(c, "over_time")
	if !ok {
		over = t / 10
	}
	return t + over
}

// swChildLife is the CHILD_SA's hard lifetime: life_time, or rekey_time plus 10%.
func swChildLife(ch *swNode) time.Duration {
	if t, ok := swDuration(ch, "life_time"); ok {
		return t
	}
	if t, ok := swDuration(ch, "rekey_time"); ok && t > 0 {
		return t + t/10
	}
	return 0
}

// swSecretKinds maps the prefix of a secrets subsection to Secret.Kind.
var swSecretKinds = map[string]string{
	"ike": "psk", "eap": "eap", "xauth": "xauth", "ntlm": "ntlm", "ppk": "ppk",
	"private": "private", "rsa": "rsa", "ecdsa": "ecdsa", "pkcs8": "pkcs8", "pkcs12": "pkcs12", "token": "token",
}

// swSecret reads one secrets.<type><suffix> section.
func swSecret(s *swNode) (*Secret, error) {
	kind := ""
	for prefix, k := range swSecretKinds {
		if strings.HasPrefix(s.name, prefix) && (kind == "" || len(prefix) > len(kind)) {
			kind = k
		}
	}
	if kind == "" {
		return nil, nil // unknown secret type: ignored like other unknown keywords
	}
	sec := &Secret{Kind: kind, At: s.at}
	for _, kv := range s.kvs {
		if strings.HasPrefix(kv.key, "id") {
			if v := normID(kv.value); v != "" && v != "%any" {
				sec.IDs = append(sec.IDs, v)
			}
		}
	}
	kv := s.get("secret")
	if kv == nil {
		kv = s.get("pin")
	}
	if kv == nil {
		switch kind {
		case "psk", "eap", "xauth", "ntlm", "ppk":
			return nil, errAt(s.at.File, s.at.Line, "secret section %s has no secret; add secret = \"...\"", s.name)
		}
		return sec, nil
	}
	b, ok := secretBytes(kv.value)
	if !ok {
		return nil, errAt(kv.at.File, kv.at.Line, "the secret of %s is not valid hex (0x) or base64 (0s); correct it", s.name)
	}
	sec.Digest = digest(b)
	sec.At = kv.at
	return sec, nil
}

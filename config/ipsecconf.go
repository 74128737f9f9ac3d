package config

import (
	"fmt"
	"strings"
	"time"
)

// ipsec.conf, strongSwan's legacy starter format and libreswan's: sections begin at
// column 0 ("config setup", "conn NAME", "ca NAME"), their "key=value" lines are
// indented; "include PATTERN" at column 0 reads more files. "conn %default" and
// "also=NAME" supply settings to other conns; a conn's own settings win over those of
// also=, which win over %default's. Conns with auto=ignore are skipped, and so are conns
// only used through also= that set no auto= (fragments), bypass and block policies
// (type=passthrough, drop, reject; authby=never) and opportunistic groups.

func opportunistic(kv *swKV) bool {
	return kv != nil && (strings.EqualFold(kv.value, "%group") || strings.EqualFold(kv.value, "%opportunisticgroup") || strings.EqualFold(kv.value, "%opportunistic"))
}

type icSection struct {
	kind, name string // "conn", "config", "ca"
	at         Source
	kvs        []*swKV
}

type icParser struct {
	sections []*icSection
	seen     map[string]bool
}

// parseIPsecConf reads an ipsec.conf of g.Format (strongSwan or libreswan) into g.
func parseIPsecConf(g *Gateway, file string, data []byte) error {
	p := &icParser{seen: map[string]bool{}}
	if err := p.parse(file, data, 0); err != nil {
		return err
	}
	libreswan := g.Format == FormatLibreswanIPsecConf
	conns := map[string]*icSection{}
	var defaults []*icSection
	for _, s := range p.sections {
		if s.kind != "conn" {
			continue
		}
		if s.name == "%default" {
			defaults = append(defaults, s)
			continue
		}
		if prev, ok := conns[s.name]; ok {
			return errAt(s.at.File, s.at.Line, "conn %s is defined twice (also at %s:%d); rename or remove one", s.name, prev.at.File, prev.at.Line)
		}
		conns[s.name] = s
	}
	referenced := map[string]bool{}
	for _, s := range p.sections {
		for _, kv := range s.kvs {
			if kv.key == "also" {
				referenced[kv.value] = true
			}
		}
	}
	for _, s := range p.sections {
		if s.kind != "conn" || s.name == "%default" {
			continue
		}
		eff := map[string]*swKV{}
		for _, d := range defaults {
			if err := icMerge(eff, d, conns, map[string]bool{}); err != nil {
				return err
			}
		}
		if err := icMerge(eff, s, conns, map[string]bool{}); err != nil {
			return err
		}
		auto := eff["auto"]
		if auto != nil && strings.EqualFold(auto.value, "ignore") {
			continue
		}
		if referenced[s.name] && ownKV(s, "auto") == nil {
			continue // a fragment for also=
		}
		if t := eff["type"]; t != nil && (strings.EqualFold(t.value, "passthrough") || strings.EqualFold(t.value, "pass") ||
			strings.EqualFold(t.value, "drop") || strings.EqualFold(t.value, "reject")) {
			continue // a policy without IKE (a bypass or a block)
		}
		if a := eff["authby"]; a != nil && strings.EqualFold(a.value, "never") {
			continue
		}
		if opportunistic(eff["left"]) || opportunistic(eff["right"]) {
			continue // opportunistic encryption groups: no one peer to compare with
		}
		conn, err := icConn(s, eff, libreswan)
		if err != nil {
			return err
		}
		g.Conns = append(g.Conns, conn)
	}
	return nil
}

func ownKV(s *icSection, key string) *swKV {
	var last *swKV
	for _, kv := range s.kvs {
		if kv.key == key {
			last = kv
		}
	}
	return last
}

// icMerge puts the settings of s into eff: first those of its also= conns in order, then
// its own (later ones override).
func icMerge(eff map[string]*swKV, s *icSection, conns map[string]*icSection, visiting map[string]bool) error {
	if visiting[s.name] {
		return errAt(s.at.File, s.at.Line, "conn %s includes itself through also=; break the loop", s.name)
	}
	visiting[s.name] = true
	defer delete(visiting, s.name)
	for _, kv := range s.kvs {
		if kv.key != "also" {
			continue
		}
		for _, name := range splitList(kv.value, true) {
			target := conns[name]
			if target == nil {
				return errAt(kv.at.File, kv.at.Line, "also=%s names no conn; define conn %s or remove the also=", name, name)
			}
			if err := icMerge(eff, target, conns, visiting); err != nil {
				return err
			}
		}
	}
	for _, kv := range s.kvs {
		if kv.key != "also" {
			eff[kv.key] = kv
		}
	}
	return nil
}

// parse reads the sections of one file (and its includes).
func (p *icParser) parse(file string, data []byte, depth int) error {
	if depth > 10 {
		return fmt.Errorf("%s: includes nested more than 10 deep; check for an include loop", file)
	}
	p.seen[file] = true
	defer delete(p.seen, file)
	var cur *icSection
	lines := strings.Split(string(data), "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		n := i + 1
		text := strings.TrimSpace(stripComment(line))
		if text == "" {
			continue
		}
		if line[0] != ' ' && line[0] != '\t' {
			f := strings.Fields(text)
			switch f[0] {
			case "conn", "ca":
				if len(f) < 2 {
					return errAt(file, n, "%s without a name; write %s NAME", f[0], f[0])
				}
				if len(f) > 2 {
					return errAt(file, n, "%s name %q has spaces; write %s NAME", f[0], strings.Join(f[1:], " "), f[0])
				}
				cur = &icSection{kind: f[0], name: f[1], at: src(file, n, line)}
				p.sections = append(p.sections, cur)
			case "config":
				cur = &icSection{kind: "config", name: strings.Join(f[1:], " "), at: src(file, n, line)}
				p.sections = append(p.sections, cur)
			case "include":
				if len(f) < 2 {
					return errAt(file, n, "include without a file; write include PATH")
				}
				err := readIncludes(file, n, text[len("include"):], p.seen, func(inc string, d []byte) error {
					return p.parse(inc, d, depth+1)
				})
				if err != nil {
					return err
				}
				cur = nil
			case "version":
				cur = nil
			default:
				if strings.Contains(text, "=") {
					return errAt(file, n, "setting %s is not indented; indent the settings of a conn", strings.TrimSpace(strings.SplitN(text, "=", 2)[0]))
				}
				return errAt(file, n, "unknown section %q; sections are config setup, conn NAME and ca NAME", f[0])
			}
			continue
		}
		key, val, ok := strings.Cut(text, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" || strings.ContainsAny(key, " \t") {
			return errAt(file, n, "expected key=value; fix this line")
		}
		if cur == nil {
			return errAt(file, n, "setting %s outside a section; put it under a conn or config setup", key)
		}
		raw := strings.TrimSpace(val)
		if strings.HasPrefix(raw, "{") && !strings.Contains(raw, "}") {
			// libreswan leftsubnets={a b ...} may span lines
			for i+1 < len(lines) && !strings.Contains(raw, "}") {
				i++
				raw += " " + strings.TrimSpace(stripComment(lines[i]))
			}
			if !strings.Contains(raw, "}") {
				return errAt(file, n, "the value of %s has no closing }; add it", key)
			}
		}
		if len(raw) > 0 && (raw[0] == '"' || raw[0] == '\'') && (len(raw) < 2 || raw[len(raw)-1] != raw[0]) {
			return errAt(file, n, "the value of %s has no closing quote; add it", key)
		}
		cur.kvs = append(cur.kvs, &swKV{key: key, value: unquote(raw), raw: raw, at: src(file, n, line)})
	}
	return nil
}

// icConn builds the Conn of section s from its effective settings.
func icConn(s *icSection, eff map[string]*swKV, libreswan bool) (*Conn, error) {
	conn := &Conn{Name: s.name, At: s.at}
	get := func(k string) *swKV { return eff[k] }
	val := func(k string) string {
		if kv := eff[k]; kv != nil {
			return kv.value
		}
		return ""
	}
	// left is the local side unless right is %defaultroute and left is not
	l, r := "left", "right"
	if val("right") == "%defaultroute" && val("left") != "%defaultroute" {
		l, r = r, l
	}

	// version
	if libreswan {
		conn.Version = 2 // libreswan 4.x: ikev2=yes by default
		if kv := get("ikev2"); kv != nil {
			switch strings.ToLower(kv.value) {
			case "no", "never":
				conn.Version = 1
			case "yes", "insist":
				conn.Version = 2
			case "propose", "permit":
				conn.Version = 0
			default:
				return nil, errAt(kv.at.File, kv.at.Line, "ikev2=%s; use yes or no", kv.value)
			}
		}
	}
	if kv := get("keyexchange"); kv != nil {
		switch strings.ToLower(kv.value) {
		case "ikev1":
			conn.Version = 1
		case "ikev2":
			conn.Version = 2
		case "ike":
			conn.Version = 0
		default:
			return nil, errAt(kv.at.File, kv.at.Line, "keyexchange=%s; use ikev1, ikev2 or ike", kv.value)
		}
	}
	conn.Aggressive = yes(val("aggressive")) || yes(val("aggrmode"))

	// addresses and identities
	conn.LocalAddrs = icList(get(l), "%any", s.at)
	conn.RemoteAddrs = icList(get(r), "%any", s.at)
	if kv := get(l + "id"); kv != nil {
		conn.LocalID = Setting{Value: normID(kv.value), At: kv.at}
	}
	if kv := get(r + "id"); kv != nil {
		conn.RemoteID = Setting{Value: normID(kv.value), At: kv.at}
	}

	// authentication
	if libreswan {
		conn.LocalAuth, conn.RemoteAuth = lsAuth(eff, l, r, s.at, conn.Version != 2)
	} else {
		conn.LocalAuth, conn.RemoteAuth = ssAuth(eff, l, r, s.at)
	}
	auth := v1AuthMethod(conn.LocalAuth.Value, conn.RemoteAuth.Value)

	// IKE proposals
	var firstIKE []algSet
	ikeLife, _ := icDuration(get("ikelifetime"))
	offers, sets, err := icProposals(get("ike"), true, conn.Version, libreswan, s.at, offerCtx{auth: auth, life: ikeLife, firstOnly: !libreswan})
	if err != nil {
		return nil, err
	}
	conn.IKE, firstIKE = offers, sets

	// the conn's CHILD_SA / Quick Mode
	child := &Child{Name: s.name, At: s.at}
	child.LocalTS = icSubnets(eff, l, s.at)
	child.RemoteTS = icSubnets(eff, r, s.at)
	var mode uint64 = 1
	if strings.EqualFold(val("type"), "transport") {
		mode = 2
	}
	espKV := get("esp")
	if kv := get("phase2alg"); libreswan && kv != nil && (espKV == nil || kv.at.Line > espKV.at.Line) {
		espKV = kv
	}
	var saLife time.Duration
	for _, k := range []string{"lifetime", "keylife", "salifetime"} {
		if d, ok := icDuration(get(k)); ok {
			saLife = d
		}
	}
	pfs := !strings.EqualFold(val("pfs"), "no")
	var pfsGroup uint16
	if libreswan && pfs && conn.Version == 1 && len(firstIKE) > 0 && len(firstIKE[0].dh) > 0 {
		pfsGroup = firstIKE[0].dh[0] // Quick Mode PFS with the Phase 1 group
	}
	esp, _, err := icProposals(espKV, false, conn.Version, libreswan, s.at,
		offerCtx{mode: mode, life: saLife, firstOnly: !libreswan, pfs: pfs, pfsGroup: pfsGroup})
	if err != nil {
		return nil, err
	}
	child.ESP = esp
	conn.Children = []*Child{child}

	// address pools for remote-access clients
	for _, k := range []string{r + "sourceip", r + "addresspool"} {
		kv := get(k)
		if kv == nil {
			continue
		}
		for _, v := range splitList(kv.value, false) {
			if lv := strings.ToLower(v); lv == "%config" || lv == "%cfg" || lv == "%modeconfig" || lv == "%modecfg" ||
				lv == "%config4" || lv == "%config6" {
				continue // a request for a virtual IP, not a pool
			}
			conn.Pools = append(conn.Pools, Setting{Value: strings.TrimPrefix(v, "%"), At: kv.at})
		}
	}
	return conn, nil
}

func icList(kv *swKV, def string, at Source) []Setting {
	if kv == nil || strings.TrimSpace(kv.value) == "" {
		return []Setting{{Value: def, At: at}}
	}
	var out []Setting
	for _, v := range splitList(kv.value, false) {
		out = append(out, Setting{Value: v, At: kv.at})
	}
	return out
}

// icSubnets reads leftsubnet= (a comma list) or libreswan's leftsubnets={a b}; without
// them the traffic selector is the side's own address ("dynamic").
func icSubnets(eff map[string]*swKV, side string, at Source) []Setting {
	if kv := eff[side+"subnets"]; kv != nil {
		v := strings.Trim(strings.TrimSpace(kv.value), "{}")
		var out []Setting
		for _, s := range splitList(v, true) {
			out = append(out, Setting{Value: s, At: kv.at})
		}
		if len(out) > 0 {
			return out
		}
	}
	return icList(eff[side+"subnet"], "dynamic", at)
}

func icDuration(kv *swKV) (time.Duration, bool) {
	if kv == nil {
		return 0, false
	}
	return parseDuration(kv.value)
}

// ssAuth: strongSwan's leftauth/leftauth2 (rounds) or authby= for both sides.
func ssAuth(eff map[string]*swKV, l, r string, at Source) (Setting, Setting) {
	var lm, rm []string
	var lat, rat Source
	authby := eff["authby"]
	by := "pubkey"
	if authby != nil {
		lat, rat = authby.at, authby.at
		switch strings.ToLower(authby.value) {
		case "secret", "psk", "xauthpsk":
			by = "psk"
		case "never":
			by = "never"
		case "null":
			by = "null"
		}
	} else {
		lat, rat = at, at
	}
	for _, k := range []string{l + "auth", l + "auth2"} {
		if kv := eff[k]; kv != nil && kv.value != "" {
			if len(lm) == 0 {
				lat = kv.at
			}
			lm = append(lm, strings.ToLower(kv.value))
		}
	}
	for _, k := range []string{r + "auth", r + "auth2"} {
		if kv := eff[k]; kv != nil && kv.value != "" {
			if len(rm) == 0 {
				rat = kv.at
			}
			rm = append(rm, strings.ToLower(kv.value))
		}
	}
	if len(lm) == 0 {
		lm = []string{by}
	}
	if len(rm) == 0 {
		rm = []string{by}
	}
	if authby != nil && strings.HasPrefix(strings.ToLower(authby.value), "xauth") {
		// xauthpsk / xauthrsasig: the client (xauth=client, the default) does XAUTH
		if x := eff["xauth"]; x != nil && strings.EqualFold(x.value, "server") {
			rm = appendRound(rm, "xauth")
		} else {
			lm = appendRound(lm, "xauth")
		}
	}
	return Setting{Value: strings.Join(lm, "+"), At: lat}, Setting{Value: strings.Join(rm, "+"), At: rat}
}

func appendRound(rounds []string, m string) []string {
	for _, x := range rounds {
		if x == m {
			return rounds
		}
	}
	return append(rounds, m)
}

// lsAuthNames maps libreswan's authby=/leftauth= words to strongSwan's.
func lsAuthName(v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	switch {
	case v == "secret" || v == "psk":
		return "psk"
	case v == "null" || v == "never":
		return v
	case v == "eaponly":
		return "eap"
	case strings.HasPrefix(v, "rsa"), strings.HasPrefix(v, "ecdsa"), v == "pubkey":
		return "pubkey"
	}
	return v
}

// lsAuth: libreswan's authby= (both sides) or leftauth=/rightauth=, plus XAUTH (IKEv1
// only) from leftxauthserver=/leftxauthclient=/rightxauthserver=/rightxauthclient=.
func lsAuth(eff map[string]*swKV, l, r string, at Source, xauth bool) (Setting, Setting) {
	by, byAt := "pubkey", at // libreswan's default authby=rsasig,ecdsa
	if kv := eff["authby"]; kv != nil {
		first := strings.SplitN(kv.value, ",", 2)[0]
		by, byAt = lsAuthName(first), kv.at
	}
	side := func(s string) Setting {
		if kv := eff[s+"auth"]; kv != nil && kv.value != "" {
			return Setting{Value: lsAuthName(kv.value), At: kv.at}
		}
		return Setting{Value: by, At: byAt}
	}
	la, ra := side(l), side(r)
	addX := func(st *Setting, key string) {
		if kv := eff[key]; xauth && kv != nil && yes(kv.value) && !strings.Contains(st.Value, "xauth") {
			st.Value += "+xauth"
		}
	}
	addX(&ra, l+"xauthserver")
	addX(&la, l+"xauthclient")
	addX(&la, r+"xauthserver")
	addX(&ra, r+"xauthclient")
	return la, ra
}

// icProposals reads ike= or esp=/phase2alg=. strongSwan: a trailing "!" makes the list
// strict, otherwise strongSwan appends its defaults. A missing keyword gives the
// implementation's defaults. It returns the parsed sets too (for libreswan's Quick Mode
// PFS group).
func icProposals(kv *swKV, ike bool, version int, libreswan bool, connAt Source, o offerCtx) ([]Offer, []algSet, error) {
	var proto uint8 = 3
	if ike {
		proto = 1
	}
	v1 := version == 1
	defaults := func() []algSet {
		switch {
		case libreswan && ike:
			return lsDefaultIKE(v1)
		case libreswan:
			return lsDefaultESP(v1)
		case ike:
			return swanDefaultIKE()
		}
		return swanDefaultESP()
	}
	var out []Offer
	var all []algSet
	add := func(a algSet, kw string, at Source, noDH bool) {
		if !ike && libreswan {
			if noDH || !o.pfs {
				a.dh = nil
			} else if len(a.dh) == 0 && o.pfsGroup != 0 {
				a.dh = []uint16{o.pfsGroup}
			}
		}
		all = append(all, a)
		oc := o
		oc.keyword, oc.at = kw, at
		out = append(out, makeOffers(version, proto, a, oc)...)
	}
	if kv == nil || strings.TrimSpace(kv.value) == "" {
		for _, a := range defaults() {
			add(a, defaultKeyword, connAt, false)
		}
		return out, all, nil
	}
	value := strings.TrimSpace(kv.value)
	strict := libreswan || strings.HasSuffix(value, "!")
	value = strings.TrimSuffix(value, "!")
	for _, p := range splitList(value, false) {
		var a algSet
		var noDH bool
		var err error
		if libreswan {
			a, noDH, err = parseLSProposal(p, ike, v1)
		} else {
			a, err = parseSwanProposal(p, ike)
		}
		if err != nil {
			return nil, nil, errAt(kv.at.File, kv.at.Line, "%v", err)
		}
		add(a, p, kv.at, noDH)
	}
	if !strict {
		for _, a := range defaults() {
			add(a, defaultKeyword, kv.at, false)
		}
	}
	return out, all, nil
}

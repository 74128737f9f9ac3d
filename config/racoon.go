package config

// racoon (ipsec-tools) configuration: racoon.conf(5) and the pre-shared key file
// psk.txt. A remote section is a Conn; every sainfo section is a Child of every Conn
// (racoon picks a sainfo by the Phase 2 identities, not by the remote); the mode_cfg
// section's address pool goes to the remotes that do XAUTH or hybrid authentication as a
// server (or say mode_cfg on).

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ikescope/ikescope/analyze"
)

// rtok is one token of racoon.conf: a word, a quoted string, or one of { } ; ,
type rtok struct {
	s      string
	quoted bool
	line   int
}

func (t rtok) is(s string) bool { return !t.quoted && t.s == s }

// rstmt is a statement: its words, and its body when it opens a section.
type rstmt struct {
	words []rtok
	line  int
	block bool
	body  []*rstmt
}

func (s *rstmt) keyword() string {
	if len(s.words) == 0 || s.words[0].quoted {
		return ""
	}
	return strings.ToLower(s.words[0].s)
}

// args are the words after the keyword, commas left out.
func (s *rstmt) args() []rtok {
	if len(s.words) < 2 {
		return nil
	}
	var out []rtok
	for _, w := range s.words[1:] {
		if !w.is(",") {
			out = append(out, w)
		}
	}
	return out
}

// racoonTokens splits racoon.conf into tokens; # starts a comment to the end of the line.
func racoonTokens(file string, data []byte) ([]rtok, error) {
	var toks []rtok
	s := string(data)
	line := 1
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '#':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '{' || c == '}' || c == ';' || c == ',':
			toks = append(toks, rtok{s: string(c), line: line})
			i++
		case c == '"':
			j := strings.IndexAny(s[i+1:], "\"\n")
			if j < 0 || s[i+1+j] == '\n' {
				return nil, fmt.Errorf("%s:%d: a quoted string is not closed on its line; end it with \"", file, line)
			}
			toks = append(toks, rtok{s: s[i+1 : i+1+j], quoted: true, line: line})
			i += j + 2
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\r\n\f\v{};,#\"", rune(s[j])) {
				j++
			}
			toks = append(toks, rtok{s: s[i:j], line: line})
			i = j
		}
	}
	return toks, nil
}

// racoonTree groups tokens into statements and sections.
func racoonTree(file string, toks []rtok) ([]*rstmt, error) {
	pos := 0
	var parse func(open int) ([]*rstmt, error)
	parse = func(open int) ([]*rstmt, error) {
		var out []*rstmt
		var cur []rtok
		for pos < len(toks) {
			t := toks[pos]
			pos++
			switch {
			case t.is(";"):
				if len(cur) > 0 {
					out = append(out, &rstmt{words: cur, line: cur[0].line})
				}
				cur = nil
			case t.is("{"):
				st := &rstmt{words: cur, line: t.line, block: true}
				if len(cur) > 0 {
					st.line = cur[0].line
				}
				body, err := parse(t.line)
				if err != nil {
					return nil, err
				}
				st.body = body
				out = append(out, st)
				cur = nil
			case t.is("}"):
				if len(cur) > 0 {
					return nil, fmt.Errorf("%s:%d: %q is not ended before }; end it with ;", file, cur[0].line, racoonWords(cur))
				}
				if open == 0 {
					return nil, fmt.Errorf("%s:%d: this } closes no section; remove it or add the { it belongs to", file, t.line)
				}
				return out, nil
			default:
				cur = append(cur, t)
			}
		}
		if len(cur) > 0 {
			return nil, fmt.Errorf("%s:%d: %q is not ended; end it with ;", file, cur[0].line, racoonWords(cur))
		}
		if open > 0 {
			return nil, fmt.Errorf("%s:%d: the { opened here is never closed; close the section with }", file, open)
		}
		return out, nil
	}
	return parse(0)
}

func racoonWords(ws []rtok) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.s
	}
	s := strings.Join(parts, " ")
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	return s
}

// racoonRemote is a remote section being read.
type racoonRemote struct {
	conn      *Conn
	key       string        // the name or address it is known by, for inherit
	lifetime  time.Duration // the section's own "lifetime time"
	dhGroup   int           // the section's own dh_group (aggressive mode)
	dhAt      Source
	modeCfg   bool // mode_cfg on
	xauthSrv  bool // authenticates clients with XAUTH or hybrid as the server
	proposals int
}

// racoonParser reads racoon.conf and the files it includes into one gateway.
type racoonParser struct {
	g          *Gateway
	remotes    []*racoonRemote
	sainfos    []*Child
	pools      []Setting
	listen     []Setting
	pskPath    string
	pskFrom    string // the file that names it
	includeDir string
	reading    map[string]bool
}

func parseRacoon(g *Gateway, file string, data []byte) error {
	p := &racoonParser{g: g, reading: map[string]bool{}}
	if err := p.parseFile(file, data); err != nil {
		return err
	}
	return p.finish()
}

func (p *racoonParser) parseFile(file string, data []byte) error {
	p.reading[filepath.Clean(file)] = true
	defer delete(p.reading, filepath.Clean(file))
	toks, err := racoonTokens(file, data)
	if err != nil {
		return err
	}
	tree, err := racoonTree(file, toks)
	if err != nil {
		return err
	}
	r := &racoonFile{p: p, file: file, lines: vendorLines(data)}
	for _, st := range tree {
		if err := r.top(st); err != nil {
			return err
		}
	}
	return nil
}

// racoonFile is one file being read.
type racoonFile struct {
	p     *racoonParser
	file  string
	lines []string
}

func (r *racoonFile) at(line int) Source { return vendorSource(r.file, r.lines, line) }

func (r *racoonFile) errf(line int, format string, a ...any) error {
	return fmt.Errorf("%s:%d: %s", r.file, line, fmt.Sprintf(format, a...))
}

func (r *racoonFile) top(st *rstmt) error {
	args := st.args()
	switch st.keyword() {
	case "path":
		if len(args) >= 2 {
			switch strings.ToLower(args[0].s) {
			case "pre_shared_key":
				r.p.pskPath, r.p.pskFrom = args[1].s, r.file
			case "include":
				dir := r.resolve(args[1].s, "")
				if st, err := os.Stat(dir); err != nil || !st.IsDir() {
					dir = filepath.Dir(r.file) // /etc/racoon copied: its files are beside this one
				}
				r.p.includeDir = dir
			}
		}
	case "include":
		if len(args) < 1 {
			return r.errf(st.line, "include names no file; write include \"FILE\";")
		}
		return r.include(st.line, args[0].s)
	case "remote":
		return r.remote(st, args)
	case "sainfo":
		return r.sainfo(st, args)
	case "mode_cfg":
		if st.block {
			r.modeCfg(st)
		}
	case "listen":
		for _, s := range st.body {
			a := s.args()
			if (s.keyword() == "isakmp" || s.keyword() == "isakmp_natt") && len(a) > 0 {
				addr := strings.SplitN(a[0].s, "[", 2)[0]
				r.p.listen = vendorAddSetting(r.p.listen, Setting{Value: addr, At: r.at(s.line)})
			}
		}
	}
	return nil
}

// resolve finds a file racoon.conf names: relative to dir (or the file's directory); an
// absolute path that is not on this machine is looked for beside the file (a copy of
// /etc/racoon).
func (r *racoonFile) resolve(name, dir string) string {
	if filepath.IsAbs(name) {
		if _, err := os.Stat(name); err == nil {
			return name
		}
		return filepath.Join(filepath.Dir(r.file), filepath.Base(name))
	}
	if dir == "" {
		dir = filepath.Dir(r.file)
	}
	return filepath.Join(dir, name)
}

func (r *racoonFile) include(line int, name string) error {
	path := r.resolve(name, r.p.includeDir)
	matches, _ := filepath.Glob(path)
	if len(matches) == 0 && !strings.ContainsAny(name, "*?[") {
		return r.errf(line, "cannot read the included file %s: no such file; copy it beside %s or give the directory that holds it", path, filepath.Base(r.file))
	}
	for _, m := range matches {
		if r.p.reading[filepath.Clean(m)] {
			return r.errf(line, "%s includes itself; remove the include", m)
		}
		data, err := readConfigFile(m)
		if err != nil {
			return r.errf(line, "cannot read the included file %s: %v; make it readable", m, errText(err))
		}
		r.p.g.Files = append(r.p.g.Files, m)
		if err := r.p.parseFile(m, data); err != nil {
			return err
		}
	}
	return nil
}

func (r *racoonFile) remote(st *rstmt, args []rtok) error {
	if len(args) == 0 {
		return r.errf(st.line, "remote names no peer; write remote ADDRESS { ... } or remote anonymous { ... }")
	}
	name := args[0]
	if !st.block {
		return r.errf(st.line, "remote %s has no body; write its settings between { and }", name.s)
	}
	rem := &racoonRemote{key: name.s}
	c := &Conn{Name: name.s, At: r.at(st.line), Version: 1}
	rem.conn = c
	for i := 1; i+1 < len(args); i++ {
		if args[i].is("inherit") {
			parent := r.p.findRemote(args[i+1].s)
			if parent == nil {
				return r.errf(st.line, "remote %s inherits from %s, which is not defined before it; define that remote first", name.s, args[i+1].s)
			}
			pc := *parent.conn
			pc.Name, pc.At = c.Name, c.At
			pc.IKE = append([]Offer(nil), parent.conn.IKE...)
			pc.RemoteAddrs = nil
			*c = pc
			rem.lifetime, rem.dhGroup, rem.dhAt, rem.modeCfg, rem.xauthSrv = parent.lifetime, parent.dhGroup, parent.dhAt, parent.modeCfg, parent.xauthSrv
		}
	}
	switch {
	case name.quoted: // ipsec-tools 0.8: a named remote with remote_address inside
	case strings.EqualFold(name.s, "anonymous"):
		c.RemoteAddrs = []Setting{{Value: "%any", At: c.At}}
	default:
		c.RemoteAddrs = []Setting{{Value: strings.SplitN(name.s, "[", 2)[0], At: c.At}}
	}
	// lifetime and dh_group of the section apply to every proposal: read them first.
	for _, s := range st.body {
		a := s.args()
		switch s.keyword() {
		case "lifetime":
			d, err := r.lifetime(s, a)
			if err != nil {
				return err
			}
			if d > 0 {
				rem.lifetime = d
			}
		case "dh_group":
			if len(a) > 0 {
				n, err := r.group(s.line, "dh_group", a[0].s)
				if err != nil {
					return err
				}
				rem.dhGroup, rem.dhAt = n, r.at(s.line)
			}
		}
	}
	var offers []Offer
	peersID := false
	for _, s := range st.body {
		a := s.args()
		switch s.keyword() {
		case "exchange_mode":
			if len(a) > 0 {
				c.Aggressive = strings.EqualFold(a[0].s, "aggressive")
			}
		case "my_identifier":
			c.LocalID = Setting{Value: racoonIdentifier(a), At: r.at(s.line)}
		case "peers_identifier":
			if !peersID { // racoon accepts any of several; the first stands for them
				c.RemoteID = Setting{Value: racoonIdentifier(a), At: r.at(s.line)}
				peersID = true
			}
		case "remote_address":
			if len(a) > 0 {
				c.RemoteAddrs = vendorAddSetting(c.RemoteAddrs, Setting{Value: a[0].s, At: r.at(s.line)})
			}
		case "mode_cfg":
			if len(a) > 0 {
				rem.modeCfg = strings.EqualFold(a[0].s, "on")
			}
		case "proposal":
			if !s.block {
				return r.errf(s.line, "proposal has no body; write its algorithms between { and }")
			}
			rem.proposals++
			o, auth, err := r.proposal(s, rem)
			if err != nil {
				return err
			}
			offers = append(offers, o)
			if rem.proposals == 1 {
				c.LocalAuth = Setting{Value: auth.local, At: o.At}
				c.RemoteAuth = Setting{Value: auth.remote, At: o.At}
				if line := racoonFind(s, "authentication_method"); line > 0 {
					c.LocalAuth.At, c.RemoteAuth.At = r.at(line), r.at(line)
				}
			}
			if strings.HasSuffix(auth.remote, "xauth") {
				rem.xauthSrv = true
			}
		}
	}
	if len(offers) > 0 {
		c.IKE = offers
	}
	r.p.remotes = append(r.p.remotes, rem)
	return nil
}

func (p *racoonParser) findRemote(key string) *racoonRemote {
	for i := len(p.remotes) - 1; i >= 0; i-- {
		if p.remotes[i].key == key {
			return p.remotes[i]
		}
	}
	return nil
}

// racoonFind is the line of the first statement with this keyword in a section, or 0.
func racoonFind(st *rstmt, keyword string) int {
	for _, s := range st.body {
		if s.keyword() == keyword {
			return s.line
		}
	}
	return 0
}

// racoonIdentifier is the value of my_identifier / peers_identifier: the string after
// the type ("" for the address or certificate's own); keyid is "keyid:VALUE".
func racoonIdentifier(a []rtok) string {
	if len(a) == 0 {
		return ""
	}
	typ := strings.ToLower(a[0].s)
	var val string
	for _, w := range a[1:] {
		if w.quoted || !(w.is("file") || w.is("tag")) {
			val = w.s
			break
		}
	}
	if typ == "keyid" && val != "" {
		return "keyid:" + val
	}
	return val
}

// lifetime reads "lifetime time N UNIT" (0 for "lifetime byte").
func (r *racoonFile) lifetime(s *rstmt, a []rtok) (time.Duration, error) {
	if len(a) < 2 || !strings.EqualFold(a[0].s, "time") {
		return 0, nil
	}
	n, err := strconv.Atoi(a[1].s)
	unit := ""
	if len(a) > 2 {
		unit = a[2].s
	}
	d, ok := vendorDuration(n, unit)
	if err != nil || !ok || n < 0 {
		return 0, r.errf(s.line, "cannot read this lifetime; write lifetime time NUMBER sec|min|hour;")
	}
	return d, nil
}

// lifeKB reads "lifetime byte N UNIT" into kilobytes.
func (r *racoonFile) lifeKB(s *rstmt, a []rtok) (uint64, error) {
	if len(a) < 2 || !strings.EqualFold(a[0].s, "byte") {
		return 0, nil
	}
	n, err := strconv.ParseUint(a[1].s, 10, 64)
	unit := "b"
	if len(a) > 2 {
		unit = strings.ToLower(a[2].s)
	}
	mult := map[string]uint64{"b": 1, "byte": 1, "bytes": 1, "kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30}[unit]
	if err != nil || mult == 0 {
		return 0, r.errf(s.line, "cannot read this lifetime; write lifetime byte NUMBER B|KB|MB|GB;")
	}
	return n * mult / 1024, nil
}

func (r *racoonFile) group(line int, keyword, v string) (int, error) {
	if n, ok := racoonGroups[strings.ToLower(v)]; ok {
		return n, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 || n > 65535 {
		return 0, r.errf(line, "unknown %s %q; write a group number (2, 14, ...) or modp1024, modp2048, ...", keyword, v)
	}
	return n, nil
}

// proposal reads one Phase 1 proposal section.
func (r *racoonFile) proposal(st *rstmt, rem *racoonRemote) (Offer, vendorAuth, error) {
	o := Offer{Proposal: analyze.Proposal{Protocol: "ISAKMP"}, Keyword: fmt.Sprintf("proposal %d", rem.proposals), At: r.at(st.line)}
	var auth vendorAuth
	var haveEnc, haveHash, haveAuth, haveGroup, haveLife bool
	for _, s := range st.body {
		a := s.args()
		switch s.keyword() {
		case "encryption_algorithm":
			if len(a) == 0 {
				return o, auth, r.errf(s.line, "encryption_algorithm names no algorithm; write one of des, 3des, blowfish, cast128, aes, camellia")
			}
			e, ok := racoonPhase1Enc[strings.ToLower(a[0].s)]
			if !ok {
				return o, auth, r.errf(s.line, "unknown encryption_algorithm %q; write one of des, 3des, blowfish, cast128, aes, camellia", a[0].s)
			}
			if len(a) > 1 {
				if n, err := strconv.Atoi(a[1].s); err == nil && e.keyLen > 0 {
					e.keyLen = n
				}
			}
			o.Encryption, o.EncIDs = []string{e.String()}, []string{strconv.Itoa(e.v1ID)}
			haveEnc = true
		case "hash_algorithm":
			if len(a) == 0 {
				return o, auth, r.errf(s.line, "hash_algorithm names no algorithm; write one of md5, sha1, sha256, sha384, sha512")
			}
			h, ok := racoonPhase1Hash[strings.ToLower(a[0].s)]
			if !ok {
				return o, auth, r.errf(s.line, "unknown hash_algorithm %q; write one of md5, sha1, sha256, sha384, sha512", a[0].s)
			}
			o.Integrity = []string{h}
			haveHash = true
		case "authentication_method":
			if len(a) == 0 {
				return o, auth, r.errf(s.line, "authentication_method names no method; write pre_shared_key, rsasig, xauth_psk_server, hybrid_rsa_server, ...")
			}
			m, ok := racoonAuth[strings.ToLower(a[0].s)]
			if !ok {
				return o, auth, r.errf(s.line, "unknown authentication_method %q; write pre_shared_key, rsasig, xauth_psk_server, hybrid_rsa_server, ...", a[0].s)
			}
			o.Auth, auth, haveAuth = m.offer, m, true
		case "dh_group":
			if len(a) > 0 {
				n, err := r.group(s.line, "dh_group", a[0].s)
				if err != nil {
					return o, auth, err
				}
				vendorSetGroups(&o.Proposal, []int{n})
				haveGroup = true
			}
		case "lifetime":
			d, err := r.lifetime(s, a)
			if err != nil {
				return o, auth, err
			}
			if d > 0 {
				o.Lifetime, haveLife = d, true
			}
		}
	}
	if !haveGroup && rem.dhGroup > 0 {
		vendorSetGroups(&o.Proposal, []int{rem.dhGroup})
		haveGroup = true
	}
	if !haveLife {
		o.Lifetime = racoonDefaultLifetime
		if rem.lifetime > 0 {
			o.Lifetime = rem.lifetime
		}
	}
	for _, m := range []struct {
		ok   bool
		what string
	}{{haveEnc, "encryption_algorithm"}, {haveHash, "hash_algorithm"}, {haveAuth, "authentication_method"}, {haveGroup, "dh_group"}} {
		if !m.ok {
			return o, auth, r.errf(st.line, "this proposal has no %s, which racoon requires; add %s ...; to it", m.what, m.what)
		}
	}
	return o, auth, nil
}

// sainfo reads a sainfo section into a Child.
func (r *racoonFile) sainfo(st *rstmt, args []rtok) error {
	if !st.block {
		return r.errf(st.line, "sainfo has no body; write its algorithms between { and }")
	}
	var words []string
	for _, a := range args {
		words = append(words, a.s)
	}
	ch := &Child{Name: strings.Join(words, " "), At: r.at(st.line)}
	// The identities: anonymous, or (address|subnet) ADDR[/LEN][[PORT]] PROTO, or TYPE "string".
	var ids [][]rtok
	for i := 0; i < len(args) && len(ids) < 2; {
		w := strings.ToLower(args[i].s)
		switch {
		case args[i].is("from") || args[i].is("group"):
			i = len(args)
		case w == "anonymous" && !args[i].quoted:
			ids = append(ids, nil)
			i++
		case (w == "address" || w == "subnet") && i+1 < len(args):
			end := i + 2
			if end < len(args) && !args[end].is("from") && !args[end].is("group") && !args[end].is("address") && !args[end].is("subnet") && !args[end].is("anonymous") {
				end++ // the upper-layer protocol
			}
			ids = append(ids, args[i:end])
			i = end
		case i+1 < len(args):
			ids = append(ids, args[i:i+2])
			i += 2
		default:
			i++
		}
	}
	if len(ids) == 1 && ids[0] == nil {
		ids = append(ids, nil)
	}
	for k, id := range ids {
		if len(id) < 2 {
			continue
		}
		typ := strings.ToLower(id[0].s)
		if typ != "address" && typ != "subnet" {
			continue
		}
		addr := strings.SplitN(id[1].s, "[", 2)[0]
		prefix, ok := vendorCleanPrefix(addr)
		if !ok {
			return r.errf(st.line, "cannot read the address %q of this sainfo; write address 10.1.0.0/16 any", id[1].s)
		}
		s := Setting{Value: prefix, At: ch.At}
		if k == 0 {
			ch.LocalTS = append(ch.LocalTS, s)
		} else {
			ch.RemoteTS = append(ch.RemoteTS, s)
		}
	}
	var encs, auths []rtok
	var encLine int
	pfs := 0
	life := racoonDefaultLifetime
	var lifeKB uint64
	for _, s := range st.body {
		a := s.args()
		switch s.keyword() {
		case "pfs_group":
			if len(a) > 0 {
				n, err := r.group(s.line, "pfs_group", a[0].s)
				if err != nil {
					return err
				}
				pfs = n
			}
		case "lifetime":
			d, err := r.lifetime(s, a)
			if err != nil {
				return err
			}
			if d > 0 {
				life = d
			}
			kb, err := r.lifeKB(s, a)
			if err != nil {
				return err
			}
			if kb > 0 {
				lifeKB = kb
			}
		case "encryption_algorithm":
			encs, encLine = s.words[1:], s.line
		case "authentication_algorithm":
			auths = s.words[1:]
		}
	}
	type alg struct {
		name, kw string
	}
	split := func(ws []rtok) [][]rtok {
		var out [][]rtok
		var cur []rtok
		for _, w := range ws {
			if w.is(",") {
				if len(cur) > 0 {
					out = append(out, cur)
				}
				cur = nil
				continue
			}
			cur = append(cur, w)
		}
		if len(cur) > 0 {
			out = append(out, cur)
		}
		return out
	}
	var encList, authList []alg
	for _, e := range split(encs) {
		v, ok := racoonPhase2Enc[strings.ToLower(e[0].s)]
		if !ok {
			return r.errf(encLine, "unknown encryption_algorithm %q in this sainfo; write one of des, 3des, blowfish, cast128, aes, camellia, null_enc", e[0].s)
		}
		if len(e) > 1 && v.keyLen > 0 {
			if n, err := strconv.Atoi(e[1].s); err == nil {
				v.keyLen = n
			}
		}
		encList = append(encList, alg{v.String(), racoonWords(e)})
	}
	for _, e := range split(auths) {
		v, ok := racoonPhase2Auth[strings.ToLower(e[0].s)]
		if !ok {
			return r.errf(racoonFind(st, "authentication_algorithm"), "unknown authentication_algorithm %q in this sainfo; write one of hmac_md5, hmac_sha1, hmac_sha256, hmac_sha384, hmac_sha512, non_auth", e[0].s)
		}
		authList = append(authList, alg{v, e[0].s})
	}
	if len(authList) == 0 {
		authList = []alg{{"", ""}}
	}
	for _, e := range encList { // racoon proposes each cipher with each authentication algorithm
		for _, au := range authList {
			o := Offer{Proposal: analyze.Proposal{Protocol: "ESP", Encryption: []string{e.name}, Lifetime: life, LifeKB: lifeKB},
				Keyword: strings.TrimSpace(e.kw + " " + au.kw), At: r.at(encLine)}
			if au.name != "" {
				o.Integrity = []string{au.name}
			}
			if pfs > 0 {
				vendorSetGroups(&o.Proposal, []int{pfs})
			} else {
				vendorNoPFS(&o.Proposal)
			}
			ch.ESP = append(ch.ESP, o)
		}
	}
	r.p.sainfos = append(r.p.sainfos, ch)
	return nil
}

// modeCfg reads the mode_cfg section's IPv4 pool.
func (r *racoonFile) modeCfg(st *rstmt) {
	var start string
	var at Source
	size := racoonPoolSize
	for _, s := range st.body {
		a := s.args()
		if len(a) == 0 {
			continue
		}
		switch s.keyword() {
		case "network4":
			start, at = a[0].s, r.at(s.line)
		case "pool_size":
			if n, err := strconv.Atoi(a[0].s); err == nil && n > 0 {
				size = n
			}
		}
	}
	if start == "" {
		return
	}
	value := start
	if first, ok := vendorIPv4(start); ok {
		last := first + uint32(size) - 1
		value = start + "-" + vendorIPv4String(last)
	}
	r.p.pools = append(r.p.pools, Setting{Value: value, At: at})
}

// finish hands the sainfos, pools and listen addresses to the remotes and reads the
// pre-shared key file.
func (p *racoonParser) finish() error {
	anyXauth := false
	for _, rem := range p.remotes {
		anyXauth = anyXauth || rem.xauthSrv || rem.modeCfg
	}
	for _, rem := range p.remotes {
		c := rem.conn
		for _, l := range p.listen {
			c.LocalAddrs = vendorAddSetting(c.LocalAddrs, l)
		}
		for _, ch := range p.sainfos {
			cp := *ch
			cp.LocalTS = append([]Setting(nil), ch.LocalTS...)
			cp.RemoteTS = append([]Setting(nil), ch.RemoteTS...)
			cp.ESP = append([]Offer(nil), ch.ESP...)
			c.Children = append(c.Children, &cp)
		}
		if rem.xauthSrv || rem.modeCfg || !anyXauth {
			c.Pools = append(c.Pools, p.pools...)
		}
		p.g.Conns = append(p.g.Conns, c)
	}
	if p.pskPath == "" {
		return nil
	}
	r := &racoonFile{p: p, file: p.pskFrom}
	path := r.resolve(p.pskPath, "")
	if !vendorFileExists(path) {
		return nil // the keys are not given: the comparison says so
	}
	data, err := readConfigFile(path)
	if err != nil {
		return fmt.Errorf("%s: cannot read the pre-shared key file: %v; make it readable", path, errText(err))
	}
	if !vendorHasFile(p.g.Files, path) {
		p.g.Files = append(p.g.Files, path)
	}
	return parsePSKTxt(p.g, path, data)
}

func vendorHasFile(files []string, path string) bool {
	for _, f := range files {
		if filepath.Clean(f) == filepath.Clean(path) {
			return true
		}
	}
	return false
}

// parsePSKTxt reads racoon's psk.txt: "IDENTITY KEY" a line, the key the rest of the line
// (as racoon's getpsk reads it), "0x" and hex digits for a binary key; a line beginning
// with # is a comment. A file already read (racoon.conf names it, and the directory holds
// it too) is not read twice.
func parsePSKTxt(g *Gateway, file string, data []byte) error {
	for _, s := range g.Secrets {
		if filepath.Clean(s.At.File) == filepath.Clean(file) {
			// Load listed it again after racoon.conf had it read: list it once.
			if n := len(g.Files); n > 1 && filepath.Clean(g.Files[n-1]) == filepath.Clean(file) && vendorHasFile(g.Files[:n-1], file) {
				g.Files = g.Files[:n-1]
			}
			return nil
		}
	}
	for i, raw := range strings.Split(string(data), "\n") {
		n := i + 1
		if raw == "" || raw[0] == '#' || raw[0] == ' ' || raw[0] == '\t' || strings.TrimSpace(raw) == "" {
			continue // racoon never matches a line beginning with a blank
		}
		end := strings.IndexAny(raw, " \t\r\v\f")
		if end < 0 {
			continue // no key: racoon skips the line
		}
		id := raw[:end]
		start := end
		for start < len(raw) && strings.ContainsRune(" \t\r\v\f", rune(raw[start])) {
			start++
		}
		if start == len(raw) {
			continue
		}
		key := []byte(raw[start:])
		if strings.HasPrefix(raw[start:], "0x") {
			h := strings.TrimRight(raw[start+2:], " \t\r")
			if len(h)%2 == 1 {
				h = "0" + h
			}
			b, err := hex.DecodeString(h)
			if err != nil {
				return fmt.Errorf("%s:%d: the key for %s begins with 0x but is not hexadecimal; write hex digits after 0x, or the key as text without 0x", file, n, id)
			}
			key = b
		}
		g.Secrets = append(g.Secrets, &Secret{
			Kind:   "psk",
			IDs:    []string{id},
			Digest: vendorDigest(key),
			At:     Source{File: file, Line: n, Text: strings.TrimSpace(raw[:start] + secretMask)},
		})
	}
	return nil
}

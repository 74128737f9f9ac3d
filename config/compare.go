package config

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ikescope/ikescope/analyze"
)

// A difference between two gateways' configurations that keeps them from agreeing: what
// differs, in a sentence that cites both files' lines, and those lines.
type diff struct {
	kind    string // diffVersion, diffIKE, diffESP, diffTS, diffID, diffPSK, diffAuth
	summary string
	lines   []Source
}

const (
	diffVersion  = "version"
	diffIKE      = "ike"
	diffESP      = "esp"
	diffTS       = "ts"
	diffID       = "id"
	diffPSK      = "psk"
	diffAuth     = "auth"
	diffLifetime = "lifetime" // IKEv1 Phase 1 lifetimes: a risk, not a failure
	diffMethod   = "method"   // the user-authentication (EAP) method
	diffUser     = "user"     // a user's password
	diffPFS      = "pfs"      // IKEv2 ESP proposals that meet but for their PFS groups
)

// side is one gateway's connection in a pairing.
type side struct {
	g *Gateway
	c *Conn
}

func (s side) name() string { return s.g.Label() }

// Label is how findings name the gateway: the directory given, or the directory of the
// file given ("gw-a" for gw-a/swanctl.conf), or the file's name.
func (g *Gateway) Label() string {
	if g.label != "" {
		return g.label
	}
	name := filepath.Clean(g.Name)
	if st, err := os.Stat(name); err == nil && st.IsDir() {
		return filepath.Base(name)
	}
	if dir := filepath.Base(filepath.Dir(name)); dir != "." && dir != string(filepath.Separator) {
		return dir
	}
	return filepath.Base(name)
}

// pairs finds the connections of a and b that negotiate with each other: each one's
// remote addresses hold the other's local ones (an unset or %any side holds anything).
// Gateways of one connection each are paired whatever their addresses say.
func pairs(a, b *Gateway) [][2]side {
	type cand struct {
		ca, cb *Conn
		score  int
	}
	var cands []cand
	for _, ca := range a.Conns {
		var meet []cand
		sameVersion := false
		for _, cb := range b.Conns {
			if addrsMeet(ca.RemoteAddrs, cb.LocalAddrs) && addrsMeet(cb.RemoteAddrs, ca.LocalAddrs) {
				c := cand{ca, cb, pairScore(ca, cb)}
				if ca.Version == 0 || cb.Version == 0 || ca.Version == cb.Version {
					c.score += 8 // a connection for the same IKE version answers first
					sameVersion = true
				}
				meet = append(meet, c)
			}
		}
		for _, c := range meet {
			if !sameVersion || c.score >= 8 {
				cands = append(cands, c)
			}
		}
	}
	// Each connection with the partners that fit it best: addresses named on both
	// sides, identities that agree. A gateway's wildcard connections (%any,
	// %defaultroute) pair with a peer only when nothing more specific does.
	best := map[*Conn]int{}
	for _, c := range cands {
		best[c.ca] = max(best[c.ca], c.score)
		best[c.cb] = max(best[c.cb], c.score)
	}
	var out [][2]side
	for _, c := range cands {
		if c.score == best[c.ca] && c.score == best[c.cb] {
			out = append(out, [2]side{{a, c.ca}, {b, c.cb}})
		}
	}
	if len(out) == 0 && len(a.Conns) == 1 && len(b.Conns) == 1 {
		out = append(out, [2]side{{a, a.Conns[0]}, {b, b.Conns[0]}})
	}
	return out
}

// pairScore is how specifically two connections name each other: addresses given (not
// wildcards) that meet, identities that agree.
func pairScore(ca, cb *Conn) int {
	n := 0
	if specific(ca.RemoteAddrs) && specific(cb.LocalAddrs) {
		n += 2
	}
	if specific(cb.RemoteAddrs) && specific(ca.LocalAddrs) {
		n += 2
	}
	if ca.RemoteID.Value != "" && cb.LocalID.Value != "" && sameID(ca.RemoteID.Value, cb.LocalID.Value) {
		n++
	}
	if cb.RemoteID.Value != "" && ca.LocalID.Value != "" && sameID(cb.RemoteID.Value, ca.LocalID.Value) {
		n++
	}
	return n
}

// addrsMeet reports whether some address of want lies in some entry of have; an empty
// list or %any on either side meets anything, and names meet names equal to them.
func addrsMeet(have, want []Setting) bool {
	if anyAddr(have) || anyAddr(want) {
		return true
	}
	for _, h := range have {
		hp, hok := prefixOf(h.Value)
		for _, w := range want {
			wp, wok := prefixOf(w.Value)
			switch {
			case hok && wok:
				if hp.Overlaps(wp) {
					return true
				}
			case strings.EqualFold(strings.TrimPrefix(h.Value, "@"), strings.TrimPrefix(w.Value, "@")):
				return true
			case !hok || !wok:
				return true // a name that resolves elsewhere: cannot tell
			}
		}
	}
	return false
}

func anyAddr(list []Setting) bool {
	if len(list) == 0 {
		return true
	}
	for _, s := range list {
		switch strings.ToLower(s.Value) {
		case "", "%any", "%any4", "%any6", "0.0.0.0/0", "::/0", "%defaultroute", "anonymous", "dynamic", "%config":
			return true
		}
	}
	return false
}

// prefixOf reads an address, a prefix or an address range's first address as a prefix.
func prefixOf(s string) (netip.Prefix, bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "[ "); i > 0 {
		s = s[:i] // protocol/port after a selector: 10.1.0.0/16[tcp/80]
	}
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	if i := strings.IndexByte(s, '-'); i > 0 {
		if a, err := netip.ParseAddr(s[:i]); err == nil {
			return netip.PrefixFrom(a, a.BitLen()), true
		}
	}
	return netip.Prefix{}, false
}

// Compare predicts what keeps two gateways from negotiating: for each pair of their
// connections, the IKE version, the IKE and ESP proposals, the traffic selectors, the
// identities each expects of the other, the authentication methods and the pre-shared
// keys (compared by digest, never shown). Each difference is a finding that cites both
// files' lines.
func Compare(a, b *Gateway) []analyze.Finding {
	uniqueLabels([]*Gateway{a, b})
	var out []analyze.Finding
	ps := pairs(a, b)
	if len(ps) == 0 {
		return []analyze.Finding{{Code: analyze.CodeErrorNotify, Severity: analyze.Error, Exchange: "configuration",
			Summary: fmt.Sprintf("No connection of %s is for %s's addresses, nor the other way round: the two would not find each other's configuration.", a.Label(), b.Label()),
			Cause:   "Each side's remote addresses (remote_addrs, right=, remote ADDRESS, set peer) must hold the other's own address.",
			Next:    "Check the peer addresses on both sides.", ConfigLines: linesOf(connHeads(a, b))}}
	}
	for _, p := range ps {
		for _, d := range comparePair(p[0], p[1]) {
			out = append(out, d.finding())
		}
	}
	return out
}

// uniqueLabels names gateways whose labels are alike by the paths given instead.
func uniqueLabels(gws []*Gateway) {
	seen := map[string]int{}
	for _, g := range gws {
		seen[g.Label()]++
	}
	for _, g := range gws {
		if seen[g.Label()] > 1 {
			g.label = filepath.Clean(g.Name)
		}
	}
}

func connHeads(gs ...*Gateway) []Source {
	var out []Source
	for _, g := range gs {
		for _, c := range g.Conns {
			out = append(out, c.At)
		}
	}
	return out
}

// finding is a difference as a finding of the catalogue.
func (d diff) finding() analyze.Finding {
	f := analyze.Finding{Severity: analyze.Error, Exchange: "configuration", Summary: d.summary, ConfigLines: linesOf(d.lines)}
	switch d.kind {
	case diffVersion:
		f.Code, f.Cause, f.Next = analyze.CodeErrorNotify, "One side speaks IKEv1 only and the other IKEv2 only: the responder answers INVALID_MAJOR_VERSION or NO_PROPOSAL_CHOSEN, or nothing.", "Configure the same IKE version on both sides; prefer IKEv2."
	case diffIKE:
		f.Code, f.Cause, f.Next = analyze.CodeProposalDiff, "The responder accepts only a proposal it is configured with: no IKE proposal of one side is among the other's, so Phase 1 fails with NO_PROPOSAL_CHOSEN.", "Make one IKE proposal the same on both sides (cipher and key length, integrity/hash, PRF, DH group, and for IKEv1 the authentication method)."
		f.Where = []string{analyze.SettingProposals}
	case diffLifetime:
		f.Code, f.Severity, f.Cause, f.Next = analyze.CodeProposalDiff, analyze.Warning, "IKEv1 negotiates the lifetime with the proposal; a responder that insists on its own refuses the proposal (NO-PROPOSAL-CHOSEN) or answers with RESPONDER-LIFETIME.", "Configure the same Phase 1 lifetime on both sides."
		f.Where = []string{analyze.SettingProposals}
	case diffESP:
		f.Code, f.Cause, f.Next = analyze.CodeProposalDiff, "No ESP proposal of one side is among the other's (cipher, integrity, PFS group): the IPsec SA is refused with NO_PROPOSAL_CHOSEN.", "Make one ESP proposal the same on both sides, PFS group included."
		f.Where = []string{analyze.SettingPhase2}
	case diffPFS:
		f.Code, f.Cause, f.Next = analyze.CodeProposalDiff, "IKEv2 creates the first CHILD_SA in IKE_AUTH, without a key exchange, so the DH groups of its ESP proposals are left out (RFC 7296 1.2) and the tunnel comes up. Its rekey (CREATE_CHILD_SA) carries a KE of the initiator's PFS group, which the other side does not accept: NO_PROPOSAL_CHOSEN or INVALID_KE_PAYLOAD, and the CHILD_SA goes down when its lifetime ends.", "Put the same PFS group in the ESP proposals of both sides (or none on both)."
		f.Where = []string{analyze.SettingPhase2}
	case diffTS:
		f.Code, f.Cause, f.Next = analyze.CodeTSUnacceptable, "The subnets one side proposes for the IPsec SA are not within what the other allows: IKEv2 answers TS_UNACCEPTABLE, IKEv1 INVALID-ID-INFORMATION.", "Make the local and remote subnets of the two sides mirror images."
		f.Where = []string{analyze.SettingSelectors}
	case diffID:
		f.Code, f.Cause, f.Next = analyze.CodeInvalidID, "The identity one side sends is not the one the other expects for it: authentication fails (AUTHENTICATION_FAILED, INVALID-ID-INFORMATION).", "Make each side's local identity the other's remote identity (type and value)."
		f.Where = []string{analyze.SettingIdentity}
	case diffPSK:
		f.Code, f.Cause, f.Next = analyze.CodeAuthFailed, "The pre-shared keys the two sides hold for each other differ (compared by digest; ikescope never shows them): IKEv1 fails at MM5 (the responder cannot decrypt it), IKEv2 with AUTHENTICATION_FAILED.", "Set the same key on both sides, for the identities each side actually uses."
		f.Where = []string{analyze.SettingPSK}
	case diffMethod:
		f.Code, f.Cause, f.Next = analyze.CodeEAPMethodMismatch, "The gateway asks for one user-authentication method and the client allows only another: the client answers with an EAP Nak, or the user authentication never starts.", "Allow one method on both sides (the gateway's remote auth, the client's local auth)."
		f.Where = []string{analyze.SettingUsers}
	case diffUser:
		f.Code, f.Cause, f.Next = analyze.CodeUserAuthFailed, "The user's password differs between the client and the gateway's user database (or the gateway has none for the user): XAUTH ends with status FAIL, EAP with a Failure.", "Set the same password on both sides, or check the user in the gateway's user database or RADIUS server."
		f.Where = []string{analyze.SettingUsers}
	case diffAuth:
		f.Code, f.Cause, f.Next = analyze.CodeAuthFailed, "The two sides authenticate differently (a pre-shared key on one, certificates or EAP on the other).", "Configure matching authentication methods (local auth on one side, remote auth on the other)."
		f.Where = []string{analyze.SettingPSK, analyze.SettingIdentity}
	}
	return f
}

func linesOf(src []Source) []analyze.ConfigLine {
	var out []analyze.ConfigLine
	seen := map[Source]bool{}
	for _, s := range src {
		if s.File == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, analyze.ConfigLine{File: s.File, Line: s.Line, Text: s.Text})
	}
	return out
}

// cite writes a line reference as findings quote it: "gw-b/ipsec.conf:14 `rightsubnet=10.9.0.0/16`".
func cite(s Source) string {
	if s.File == "" {
		return "(the default)"
	}
	return fmt.Sprintf("%s:%d `%s`", s.File, s.Line, s.Text)
}

// comparePair compares the connection of a with that of b (a as the initiator where it
// matters: its selectors are the ones proposed).
func comparePair(a, b side) []diff {
	var out []diff
	if a.c.Version != 0 && b.c.Version != 0 && a.c.Version != b.c.Version {
		out = append(out, diff{diffVersion, fmt.Sprintf("%s's connection %s is for IKEv%d, %s's connection %s for IKEv%d (%s; %s).",
			a.name(), a.c.Name, a.c.Version, b.name(), b.c.Name, b.c.Version, cite(a.c.At), cite(b.c.At)), []Source{a.c.At, b.c.At}})
		return out
	}
	v := a.c.Version
	if v == 0 {
		v = b.c.Version
	}
	if d, ok := offersDiffer(a, b, a.c.IKE, b.c.IKE, "IKE", v); ok {
		d.kind = diffIKE
		out = append(out, d)
	} else if d, ok := lifetimesDiffer(a, b, v); ok {
		out = append(out, d)
	}
	out = append(out, childDiffs(a, b, v)...)
	// Either side may propose: a child of b's that a holds no match for fails when b
	// asks for it. Its selectors only; the pairs that match were compared above.
	for _, d := range childDiffs(b, a, v) {
		if d.kind == diffTS && !slices.ContainsFunc(out, func(o diff) bool {
			return o.kind == diffTS && slices.ContainsFunc(o.lines, func(l Source) bool { return slices.Contains(d.lines, l) })
		}) {
			out = append(out, d)
		}
	}
	out = append(out, idDiffs(a, b)...)
	out = append(out, idDiffs(b, a)...)
	out = append(out, authDiffs(a, b)...)
	// Either may be the client: its user authentication set against the gateway's.
	out = append(out, userDiffs(a, b)...)
	out = append(out, userDiffs(b, a)...)
	return out
}

// userDiffs compares a client's user authentication with the gateway's: the method, and
// the password of the client's user (by digest).
func userDiffs(a, b side) []diff {
	cm, gm := userMethod(a.c.LocalAuth.Value), userMethod(b.c.RemoteAuth.Value)
	if cm == "" || gm == "" || usersElsewhere(b.c.RemoteAuth.Value) {
		return nil // a gateway that checks users with RADIUS or PAM knows neither them nor their method
	}
	if methodsDiffer(cm, gm) {
		return []diff{{diffMethod, fmt.Sprintf("%s authenticates users with %s (%s), the client %s with %s (%s): the methods differ.",
			b.name(), gm, cite(b.c.RemoteAuth.At), a.name(), cm, cite(a.c.LocalAuth.At)), []Source{b.c.RemoteAuth.At, a.c.LocalAuth.At}}}
	}
	for _, c := range a.g.Secrets {
		if c.Kind != "eap" && c.Kind != "xauth" || a.c.LocalID.Value != "" && !containsID(c.IDs, a.c.LocalID.Value) && len(a.g.Conns) > 1 {
			continue
		}
		for _, id := range c.IDs {
			g := userSecret(b.g, id)
			switch {
			case g == nil:
				return []diff{{diffUser, fmt.Sprintf("%s has no secret for user %q, which %s uses (%s): unless a RADIUS server or PAM checks users, the user is unknown to it.",
					b.name(), id, a.name(), cite(c.At)), []Source{c.At}}}
			case g.Digest != c.Digest && g.Digest != [32]byte{} && c.Digest != [32]byte{}:
				return []diff{{diffUser, fmt.Sprintf("The password %s holds for user %q (%s) is not the one %s holds (%s); compared by digest, never shown.",
					a.name(), id, cite(c.At), b.name(), cite(g.At)), []Source{c.At, g.At}}}
			}
		}
	}
	return nil
}

// offersDiffer: no offer of a is acceptable to b. The pair of offers closest to agreeing
// names what differs.
func offersDiffer(a, b side, oa, ob []Offer, what string, v int) (diff, bool) {
	if len(oa) == 0 || len(ob) == 0 {
		return diff{}, false
	}
	best, bestA, bestB := -1, 0, 0
	var bestWhy []string
	for i, x := range oa {
		for j, y := range ob {
			why := proposalDiff(x.Proposal, y.Proposal, v, a.name(), b.name())
			if len(why) == 0 {
				return diff{}, false
			}
			if best < 0 || len(why) < best {
				best, bestA, bestB, bestWhy = len(why), i, j, why
			}
		}
	}
	x, y := oa[bestA], ob[bestB]
	return diff{summary: fmt.Sprintf("No %s proposal of %s is among %s's: %s (%s; %s).", what, a.name(), b.name(), strings.Join(bestWhy, "; "), cite(x.At), cite(y.At)),
		lines: []Source{x.At, y.At}}, true
}

// pfsDiffer: IKEv2 ESP proposals that meet only with their DH groups left out, as the
// first CHILD_SA's are (IKE_AUTH has no key exchange, RFC 7296 1.2): the tunnel comes up,
// and its first rekey, which carries a KE of the initiator's PFS group, is refused.
// Proposals of which one names no group are left alone.
func pfsDiffer(a, b side, oa, ob []Offer, v int) (diff, bool) {
	if v != 2 {
		return diff{}, false
	}
	var why []string
	var x, y Offer
	for _, p := range oa {
		for _, q := range ob {
			if len(proposalDiff(p.Proposal, q.Proposal, 2, "", "")) > 0 {
				continue
			}
			w := proposalDiff(p.Proposal, q.Proposal, 1, a.name(), b.name())
			if len(w) == 0 {
				return diff{}, false // they meet, PFS group included
			}
			if why == nil {
				why, x, y = w, p, q
			}
		}
	}
	if why == nil {
		return diff{}, false
	}
	return diff{kind: diffPFS, summary: fmt.Sprintf("The ESP proposals meet only without their PFS groups: %s (%s; %s). The first CHILD_SA comes up, since IKE_AUTH leaves the groups out; its first rekey is refused.", strings.Join(why, "; "), cite(x.At), cite(y.At)),
		lines: []Source{x.At, y.At}}, true
}

// lifetimesDiffer: IKEv1 Phase 1 proposals that agree but for their lifetimes (which
// IKEv1 negotiates: most responders answer with their own, RESPONDER-LIFETIME; racoon
// with proposal_check strict or claim, and some Cisco releases, refuse a longer one).
func lifetimesDiffer(a, b side, v int) (diff, bool) {
	if v != 1 {
		return diff{}, false
	}
	for _, x := range a.c.IKE {
		for _, y := range b.c.IKE {
			if len(proposalDiff(x.Proposal, y.Proposal, v, "", "")) > 0 {
				continue
			}
			if x.Lifetime == 0 || y.Lifetime == 0 || x.Lifetime == y.Lifetime {
				return diff{}, false
			}
			return diff{kind: diffLifetime, summary: fmt.Sprintf("The IKE proposals agree but for their lifetimes: %s %s (%s), %s %s (%s). Most responders answer with their own lifetime; racoon with proposal_check strict or claim refuses a longer one.",
				a.name(), x.Lifetime, cite(x.At), b.name(), y.Lifetime, cite(y.At)), lines: []Source{x.At, y.At}}, true
		}
	}
	return diff{}, false
}

// proposalDiff names each attribute two proposals share no value of.
func proposalDiff(x, y analyze.Proposal, v int, an, bn string) []string {
	var why []string
	attr := func(name string, xs, ys []string) {
		if len(xs) == 0 || len(ys) == 0 {
			return
		}
		for _, s := range xs {
			if slices.Contains(ys, s) {
				return
			}
		}
		why = append(why, fmt.Sprintf("%s: %s offers %s, %s %s", name, an, strings.Join(xs, "/"), bn, strings.Join(ys, "/")))
	}
	attr("encryption", x.Encryption, y.Encryption)
	attr("integrity", x.Integrity, y.Integrity)
	attr("PRF", x.PRF, y.PRF)
	if x.Protocol != "ESP" || v == 1 {
		// The first CHILD_SA of IKEv2 has no key exchange of its own: PFS groups meet
		// only at a rekey.
		attr("DH group", x.Groups, y.Groups)
	}
	if x.Auth != "" && y.Auth != "" && x.Auth != y.Auth {
		why = append(why, fmt.Sprintf("authentication: %s %s, %s %s", an, x.Auth, bn, y.Auth))
	}
	return why
}

// childDiffs compares a's children with b's: each must find one of b's whose selectors
// hold its own (mirrored), and their ESP proposals must meet.
func childDiffs(a, b side, v int) []diff {
	var out []diff
	if a.g.Format == FormatRacoon && len(a.c.Children) > 1 && !anyChildMeets(a.c, b.c) {
		ca, cb := a.c.Children[0], b.c.Children[0]
		out = append(out, diff{diffTS, tsText(a, b, ca, cb), tsLines(ca, cb)})
	}
	for _, ca := range a.c.Children {
		var match *Child
		var partial *Child
		for _, cb := range b.c.Children {
			in, over := tsHold(cb.RemoteTS, ca.LocalTS), tsOverlap(cb.RemoteTS, ca.LocalTS) && tsOverlap(cb.LocalTS, ca.RemoteTS)
			if in && tsHold(cb.LocalTS, ca.RemoteTS) {
				match = cb
				break
			}
			if over && partial == nil {
				partial = cb
			}
		}
		switch {
		case match != nil:
			if d, ok := offersDiffer(a, b, ca.ESP, match.ESP, "ESP", v); ok {
				d.kind = diffESP
				out = append(out, d)
			} else if d, ok := pfsDiffer(a, b, ca.ESP, match.ESP, v); ok {
				out = append(out, d)
			}
		case partial != nil && v == 2:
			// IKEv2 narrows to what both allow (RFC 7296 2.9): it works, on less.
			if d, ok := offersDiffer(a, b, ca.ESP, partial.ESP, "ESP", v); ok {
				d.kind = diffESP
				out = append(out, d)
			}
		case a.g.Format == FormatRacoon && len(a.c.Children) > 1:
			// racoon's sainfo sections are not tied to a remote: one for another peer
			// is never proposed to this one (no policy asks for it). Whether any
			// matches at all is said below.
		case len(b.c.Children) > 0 && (len(ca.LocalTS) > 0 || len(ca.RemoteTS) > 0):
			cb := b.c.Children[0]
			if partial != nil {
				cb = partial
			}
			out = append(out, diff{diffTS, tsText(a, b, ca, cb), tsLines(ca, cb)})
		}
	}
	return out
}

// anyChildMeets reports whether some child of a has its selectors held by one of b's.
func anyChildMeets(a, b *Conn) bool {
	for _, ca := range a.Children {
		for _, cb := range b.Children {
			if tsHold(cb.RemoteTS, ca.LocalTS) && tsHold(cb.LocalTS, ca.RemoteTS) {
				return true
			}
		}
	}
	return len(b.Children) == 0
}

func tsText(a, b side, ca, cb *Child) string {
	if !tsHold(cb.RemoteTS, ca.LocalTS) {
		return fmt.Sprintf("%s does not cover %s, which %s asks for (%s).", citeAll(cb.RemoteTS, "remote selector"), values(ca.LocalTS), a.name(), citeAll(ca.LocalTS, "local selector"))
	}
	return fmt.Sprintf("%s does not cover %s, which %s asks for (%s).", citeAll(cb.LocalTS, "local selector"), values(ca.RemoteTS), a.name(), citeAll(ca.RemoteTS, "remote selector"))
}

func tsLines(ca, cb *Child) []Source {
	var out []Source
	for _, l := range [][]Setting{ca.LocalTS, ca.RemoteTS, cb.LocalTS, cb.RemoteTS} {
		for _, s := range l {
			out = append(out, s.At)
		}
	}
	return out
}

func citeAll(list []Setting, what string) string {
	if len(list) == 0 {
		return "the " + what + " (default)"
	}
	var parts []string
	seen := map[Source]bool{}
	for _, s := range list {
		if !seen[s.At] {
			seen[s.At] = true
			parts = append(parts, cite(s.At))
		}
	}
	return strings.Join(parts, ", ")
}

func values(list []Setting) string {
	var v []string
	for _, s := range list {
		v = append(v, s.Value)
	}
	return strings.Join(v, ", ")
}

// tsHold reports whether the selectors have hold every one of want (unset or dynamic
// selectors hold anything: the gateway's own address, which the other side knows).
func tsHold(have, want []Setting) bool {
	if anyAddr(have) || anyAddr(want) {
		return true
	}
	for _, w := range want {
		wp, ok := prefixOf(w.Value)
		if !ok {
			continue
		}
		held := false
		for _, h := range have {
			if hp, ok := prefixOf(h.Value); ok && hp.Bits() <= wp.Bits() && hp.Contains(wp.Addr()) {
				held = true
			}
		}
		if !held {
			return false
		}
	}
	return true
}

func tsOverlap(have, want []Setting) bool {
	if anyAddr(have) || anyAddr(want) {
		return true
	}
	for _, w := range want {
		wp, ok := prefixOf(w.Value)
		if !ok {
			return true
		}
		for _, h := range have {
			if hp, ok := prefixOf(h.Value); !ok || hp.Overlaps(wp) {
				return true
			}
		}
	}
	return false
}

// idDiffs: the identity a sends is not what b expects of it. An unset identity is the
// address the side sends from.
func idDiffs(a, b side) []diff {
	want := b.c.RemoteID
	if want.Value == "" || strings.HasPrefix(want.Value, "%") || want.Value == "*" {
		return nil
	}
	sent := a.c.LocalID
	if sent.Value == "" {
		if len(a.c.LocalAddrs) != 1 {
			return nil
		}
		sent = a.c.LocalAddrs[0]
		if _, ok := prefixOf(sent.Value); !ok {
			return nil // %defaultroute, a name: the address it stands for is not known here
		}
	}
	if sameID(sent.Value, want.Value) {
		return nil
	}
	if strings.ContainsAny(want.Value, "*") {
		return nil // a wildcard DN or FQDN: matched by rules ikescope does not guess
	}
	return []diff{{diffID, fmt.Sprintf("%s expects the identity %s of %s (%s), which sends %s (%s).",
		b.name(), want.Value, a.name(), cite(want.At), sent.Value, cite(sent.At)), []Source{want.At, sent.At}}}
}

func sameID(x, y string) bool {
	norm := func(s string) string {
		s = strings.TrimSpace(strings.Trim(s, `"`))
		s = strings.TrimPrefix(s, "@#")
		s = strings.TrimPrefix(s, "@")
		for _, p := range []string{"fqdn:", "email:", "ipv4:", "ipv6:", "keyid:", "asn1dn:", "address ", "fqdn ", "user_fqdn "} {
			s = strings.TrimPrefix(strings.ToLower(s), p)
		}
		return strings.ToLower(s)
	}
	return norm(x) == norm(y)
}

// authDiffs: the methods differ, or both use a pre-shared key and the keys differ.
func authDiffs(a, b side) []diff {
	var out []diff
	am, bm := firstRound(a.c.LocalAuth.Value), firstRound(b.c.RemoteAuth.Value)
	if am != "" && bm != "" && am != bm && !(strings.HasPrefix(am, "eap") && strings.HasPrefix(bm, "eap")) {
		out = append(out, diff{diffAuth, fmt.Sprintf("%s authenticates with %s (%s), %s expects %s of it (%s).",
			a.name(), am, cite(a.c.LocalAuth.At), b.name(), bm, cite(b.c.RemoteAuth.At)), []Source{a.c.LocalAuth.At, b.c.RemoteAuth.At}})
		return out
	}
	if !usesPSK(a.c) || !usesPSK(b.c) {
		return nil
	}
	sa, sb := pskFor(a, b), pskFor(b, a)
	switch {
	case sa == nil && sb == nil:
	case sa == nil || sb == nil:
		have, lack := sb, a
		if sb == nil {
			have, lack = sa, b
		}
		out = append(out, diff{diffPSK, fmt.Sprintf("%s has no pre-shared key for this peer; the other side's is at %s.", lack.name(), cite(have.At)), []Source{have.At}})
	case sa.Digest == [32]byte{} || sb.Digest == [32]byte{}:
		// A key the file hides (an ASA's *****, an IOS type 6 key): not comparable.
	case sa.Digest != sb.Digest:
		out = append(out, diff{diffPSK, fmt.Sprintf("The pre-shared keys differ: %s and %s (compared by digest, never shown).", cite(sa.At), cite(sb.At)), []Source{sa.At, sb.At}})
	}
	return out
}

func firstRound(auth string) string {
	auth = strings.ToLower(auth)
	if i := strings.IndexByte(auth, '+'); i >= 0 {
		auth = auth[:i]
	}
	switch auth {
	case "secret", "pre-share", "pre_shared_key":
		return "psk"
	case "rsasig", "rsa", "rsa-sig", "pubkey", "ecdsa", "rsasig_server":
		return "pubkey"
	}
	return auth
}

func usesPSK(c *Conn) bool {
	return firstRound(c.LocalAuth.Value) == "psk" || firstRound(c.RemoteAuth.Value) == "psk" ||
		c.LocalAuth.Value == "" && c.RemoteAuth.Value == "" && len(c.IKE) > 0 && c.IKE[0].Auth == "PSK"
}

// pskFor finds the pre-shared key s's gateway holds for its peer p: the secret whose
// identities name p's identity or address (or s's own with it), else one for anyone.
func pskFor(s, p side) *Secret {
	var names []string
	for _, set := range []Setting{p.c.LocalID, s.c.RemoteID} {
		if set.Value != "" {
			names = append(names, set.Value)
		}
	}
	for _, l := range [][]Setting{p.c.LocalAddrs, s.c.RemoteAddrs} {
		for _, set := range l {
			names = append(names, set.Value)
		}
	}
	var wildcard *Secret
	for _, sec := range s.g.Secrets {
		if sec.Kind != "psk" {
			continue
		}
		if len(sec.IDs) == 0 {
			wildcard = sec
			continue
		}
		for _, id := range sec.IDs {
			for _, n := range names {
				if sameID(id, n) {
					return sec
				}
			}
			if id == "%any" || id == "0.0.0.0" || id == "*" {
				wildcard = sec
			}
		}
	}
	if wildcard != nil {
		return wildcard
	}
	// One key in the whole file: the one a single-tunnel gateway uses.
	var only *Secret
	for _, sec := range s.g.Secrets {
		if sec.Kind == "psk" {
			if only != nil {
				return nil
			}
			only = sec
		}
	}
	return only
}

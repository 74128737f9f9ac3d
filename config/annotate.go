package config

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/decode"
)

// Annotate ties each session of an analysis to the configured connections that govern
// its sides (by the addresses each side used) and makes each finding about a session
// cite the configuration lines it points at: with both sides' configurations, the
// setting that differs; with one, how that side's setting meets what the capture shows
// of the other. Findings without a configuration to cite are left as they are.
func Annotate(r *analyze.Result, gws []*Gateway) {
	if len(gws) == 0 {
		return
	}
	uniqueLabels(gws)
	type governed struct {
		s        *analyze.Session
		ini, res *side
	}
	bySession := map[int]governed{}
	for _, s := range r.Sessions {
		ini, res := govern(gws, s) // once a session: it reads the messages' identities
		bySession[s.ID] = governed{s, ini, res}
		for _, sd := range []struct {
			name string
			x    *side
		}{{"initiator", ini}, {"responder", res}} {
			if sd.x != nil {
				s.Connections = append(s.Connections, analyze.ConfigConn{Side: sd.name, Gateway: sd.x.g.Label(), Name: sd.x.c.Name, File: sd.x.c.At.File, Line: sd.x.c.At.Line})
			}
		}
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		gv, ok := bySession[f.Session]
		if !ok {
			continue
		}
		s, ini, res := gv.s, gv.ini, gv.res
		if ini == nil && res == nil {
			continue
		}
		if text, lines := explain(f, s, ini, res); text != "" {
			f.Summary += " Configuration: " + text
			f.ConfigLines = append(f.ConfigLines, linesOf(lines)...)
			versionsDiffer(f, ini, res)
		} else {
			selectorsMirrored(f, s, ini, res)
		}
	}
}

// selectorsMirrored rewrites a TS_UNACCEPTABLE's cause when both configurations are
// given and their selectors mirror each other: the refusal was not about the selectors.
// libreswan answers a failure to install the IPsec SA in its kernel that way.
func selectorsMirrored(f *analyze.Finding, s *analyze.Session, ini, res *side) {
	if f.Code != analyze.CodeTSUnacceptable || ini == nil || res == nil || len(ini.c.Children) == 0 || len(res.c.Children) == 0 {
		return
	}
	for _, d := range append(childDiffs(*ini, *res, s.Version), childDiffs(*res, *ini, s.Version)...) {
		if d.kind == diffTS {
			return
		}
	}
	var lines []Source
	for _, c := range append(append([]*Child(nil), ini.c.Children...), res.c.Children...) {
		for _, set := range append(append([]Setting(nil), c.LocalTS...), c.RemoteTS...) {
			lines = append(lines, set.At)
		}
	}
	if len(lines) == 0 {
		return
	}
	f.Summary = strings.Replace(f.Summary, ": the traffic selectors do not match", "", 1)
	f.Summary += " Configuration: the two gateways' traffic selectors mirror each other (" + citeLines(lines) + ")."
	f.ConfigLines = append(f.ConfigLines, linesOf(lines)...)
	f.Cause = "The configurations' selectors match, so they are not what the responder refused: it most likely could not install the IPsec SA in its kernel and reported that as TS_UNACCEPTABLE, as libreswan does (the kernel's IPsec support or an algorithm missing, a policy clash). Less likely: the connection the responder picked is another one than these."
	f.Next = "Read the responder's log at this time for the kernel's error (libreswan: 'netlink response for Add SA', 'setup_half_ipsec_sa() hit fail'; strongSwan: 'unable to install inbound and outbound IPsec SA'), and check its kernel's IPsec modules (xfrm, esp4/esp6) and algorithms."
}

// citeLines cites configuration lines, each once.
func citeLines(lines []Source) string {
	var parts []string
	for _, l := range lines {
		parts = append(parts, cite(l))
	}
	return strings.Join(dedupe(parts), "; ")
}

// versionsDiffer rewrites what a refusal says of its cause when the two connections are
// for different IKE versions: the proposals were never compared.
func versionsDiffer(f *analyze.Finding, ini, res *side) {
	if ini == nil || res == nil || ini.c.Version == 0 || res.c.Version == 0 || ini.c.Version == res.c.Version {
		return
	}
	switch f.Code {
	case analyze.CodeNoProposalChosen, analyze.CodeProposalDiff, analyze.CodeErrorNotify, analyze.CodeNoResponse:
	default:
		return
	}
	f.Summary = strings.Replace(f.Summary, ": Phase 1 proposal mismatch.", ".", 1)
	f.Cause = fmt.Sprintf("The configurations settle it: the initiator's connection is for IKEv%d, the responder's for IKEv%d. The responder has no connection for the version offered, so the proposals were never compared; it answers as it answers any offer it cannot take (libreswan with NO_PROPOSAL_CHOSEN or INVALID_MAJOR_VERSION, strongSwan with NO_PROPOSAL_CHOSEN, some gateways not at all).", ini.c.Version, res.c.Version)
	f.Next = "Configure the same IKE version on both gateways (strongSwan: version = in swanctl.conf, keyexchange= in ipsec.conf; libreswan: ikev2= / keyexchange=), then check that the proposals meet."
}

// govern finds the connections of the given gateways for each side of a session: the
// one whose local addresses hold that side's address and whose remote ones the other's
// (or any); a gateway serves one side at most.
func govern(gws []*Gateway, s *analyze.Session) (ini, res *side) {
	ids := sentIDs(s)
	score := func(c *Conn, own, peer netip.Addr, initiator bool) int {
		if c.Version != 0 && c.Version != s.Version {
			return 0 // a gateway's connection for the other IKE version
		}
		n := 0
		if holds(c.LocalAddrs, own) {
			n += 4
		}
		if holds(c.RemoteAddrs, peer) {
			n += 2
		}
		if specific(c.LocalAddrs) && !holds(c.LocalAddrs, own) {
			return 0 // another gateway's address
		}
		// Among connections the addresses do not tell apart (%any, a road-warrior
		// gateway's), the one whose identities the messages show, then the one whose
		// selectors hold those asked for. Never against one: a finding may be about
		// exactly that difference.
		if id := c.RemoteID.Value; id != "" && containsID(ids[!initiator], id) {
			n++
		}
		if id := c.LocalID.Value; id != "" && containsID(ids[initiator], id) {
			n++
		}
		if selectorsHeld(c, s.Selectors) {
			n++
		}
		return n
	}
	best := func(own, peer netip.Addr, not *Gateway, initiator bool) *side {
		var out *side
		top := 0
		for _, g := range gws {
			if g == not {
				continue
			}
			for _, c := range g.Conns {
				if n := score(c, own, peer, initiator); n > top {
					top, out = n, &side{g, c}
				}
			}
		}
		if top < 4 && !(top >= 2 && len(gws) == 1) {
			return nil // only the peer's address meets: not enough to say which side it is
		}
		return out
	}
	ini = best(s.Initiator.Addr(), s.Responder.Addr(), nil, true)
	var not *Gateway
	if ini != nil {
		not = ini.g
	}
	res = best(s.Responder.Addr(), s.Initiator.Addr(), not, false)
	if len(gws) == 2 && (ini == nil) != (res == nil) {
		// Behind a NAT one side's configured address is not the one the capture saw: the
		// other gateway is that side.
		for _, g := range gws {
			if ini != nil && g != ini.g && len(g.Conns) > 0 {
				res = pick(g, s.Initiator.Addr())
			}
			if res != nil && ini == nil && g != res.g && len(g.Conns) > 0 {
				ini = pick(g, s.Responder.Addr())
			}
		}
	}
	return ini, res
}

// sentIDs are the identities each side sent (ID payloads in clear, or decrypted with
// keys), the initiator's under true.
func sentIDs(s *analyze.Session) map[bool][]string {
	out := map[bool][]string{}
	for _, m := range s.Messages {
		if m.Retransmit > 0 {
			continue
		}
		ps := m.Inner
		if x := m.Decoded(); x != nil && !m.Decrypted {
			ps = x.Payloads
		}
		for i := range ps {
			if id := ps[i].ID; id != nil && id.Text != "" && (m.ExchangeType != decode.ExchangeQuickMode) {
				out[m.FromInitiator] = append(out[m.FromInitiator], id.Text)
			}
		}
	}
	return out
}

// selectorsHeld reports whether a child of c holds an address of each selector the
// session asked for (with keys: "TSi 10.1.0.0-10.1.0.255", "local 10.1.0.0/24").
func selectorsHeld(c *Conn, sel []string) bool {
	if len(sel) == 0 {
		return false
	}
	for _, ch := range c.Children {
		all := true
		for _, text := range sel {
			a, ok := firstAddr(text)
			if !ok {
				continue
			}
			in := false
			for _, l := range [][]Setting{ch.LocalTS, ch.RemoteTS} {
				for _, set := range l {
					if p, ok := prefixOf(set.Value); ok && p.Contains(a) {
						in = true
					}
				}
			}
			all = all && in
		}
		if all {
			return true
		}
	}
	return false
}

// firstAddr is the first address written in a selector's text.
func firstAddr(text string) (netip.Addr, bool) {
	for _, f := range strings.FieldsFunc(text, func(r rune) bool { return r == ' ' || r == ',' || r == '-' || r == '/' }) {
		if a, err := netip.ParseAddr(f); err == nil {
			return a, true
		}
	}
	return netip.Addr{}, false
}

// pick is g's connection for a peer at addr, or its only one.
func pick(g *Gateway, peer netip.Addr) *side {
	for _, c := range g.Conns {
		if holds(c.RemoteAddrs, peer) && specific(c.RemoteAddrs) {
			return &side{g, c}
		}
	}
	if len(g.Conns) == 1 {
		return &side{g, g.Conns[0]}
	}
	return nil
}

func holds(list []Setting, a netip.Addr) bool {
	if anyAddr(list) {
		return true
	}
	for _, s := range list {
		if p, ok := prefixOf(s.Value); ok && p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

func specific(list []Setting) bool {
	if anyAddr(list) {
		return false
	}
	for _, s := range list {
		if _, ok := prefixOf(s.Value); ok {
			return true
		}
	}
	return false
}

// phase2 reports whether a finding is about an IPsec SA rather than the IKE SA.
func phase2(f *analyze.Finding) bool {
	switch f.Step.Exchange() {
	case decode.ExchangeQuickMode, decode.ExchangeCreateChildSA:
		return true
	}
	ex := f.Exchange // the exchange the finding names, when it has no step
	return strings.HasPrefix(ex, "QM") || strings.Contains(ex, "Quick Mode") || strings.Contains(ex, "CREATE_CHILD") ||
		strings.Contains(ex, "Phase 2") || f.Step == analyze.StepIKEAuthResponse && f.Code != analyze.CodeAuthFailed ||
		f.Code == analyze.CodeTSUnacceptable
}

// explain says what in the configuration a finding points at.
func explain(f *analyze.Finding, s *analyze.Session, ini, res *side) (string, []Source) {
	both := ini != nil && res != nil
	v := s.Version
	if both && ini.c.Version != 0 && res.c.Version != 0 && ini.c.Version != res.c.Version {
		switch f.Code {
		case analyze.CodeNoProposalChosen, analyze.CodeProposalDiff, analyze.CodeErrorNotify, analyze.CodeNoResponse:
			d := comparePair(*ini, *res)[0] // the versions, first
			return d.summary, d.lines
		}
	}
	switch f.Code {
	case analyze.CodeNoProposalChosen, analyze.CodeProposalDiff:
		if phase2(f) {
			if both {
				for _, d := range childDiffs(*ini, *res, v) {
					return d.summary, d.lines
				}
			}
			return oneSided(ini, res, s.Phase2Offered, s.Phase2Chosen, true, v)
		}
		if both {
			if d, ok := offersDiffer(*ini, *res, ini.c.IKE, res.c.IKE, "IKE", v); ok {
				return d.summary, d.lines
			}
		}
		return oneSided(ini, res, s.Offered, s.Chosen, false, v)
	case analyze.CodeTSUnacceptable, analyze.CodeInvalidID:
		if both {
			if phase2(f) {
				for _, d := range childDiffs(*ini, *res, v) {
					if d.kind == diffTS {
						return d.summary, d.lines
					}
				}
			}
			for _, d := range append(idDiffs(*ini, *res), idDiffs(*res, *ini)...) {
				return d.summary, d.lines
			}
		}
		if x := res; x != nil && !both && len(s.Selectors) > 0 && len(x.c.Children) > 0 {
			// The responder's configuration against the selectors the capture shows the
			// initiator asked for (with keys).
			var lines []Source
			var parts []string
			for _, c := range x.c.Children {
				for _, l := range [][]Setting{c.LocalTS, c.RemoteTS} {
					for _, set := range l {
						lines = append(lines, set.At)
						parts = append(parts, cite(set.At))
					}
				}
			}
			return fmt.Sprintf("the initiator asked for %s; %s allows %s.", strings.Join(s.Selectors, ", "), x.name(), strings.Join(dedupe(parts), ", ")), lines
		}
	case analyze.CodeInnerSelectors:
		// Traffic outside what was negotiated: where the two configurations differ on
		// the selectors, that; else the selectors each side configured, which the
		// sender's kernel policy goes beyond.
		if both {
			for _, d := range childDiffs(*ini, *res, v) {
				if d.kind == diffTS {
					return d.summary, d.lines
				}
			}
		}
		var lines []Source
		var parts []string
		for _, x := range []*side{ini, res} {
			if x == nil {
				continue
			}
			for _, c := range x.c.Children {
				for _, l := range [][]Setting{c.LocalTS, c.RemoteTS} {
					for _, set := range l {
						lines = append(lines, set.At)
					}
				}
				parts = append(parts, fmt.Sprintf("%s: %s, %s", x.name(), citeAll(c.LocalTS, "local selectors"), citeAll(c.RemoteTS, "remote selectors")))
			}
		}
		if len(parts) > 0 {
			return fmt.Sprintf("the configured selectors are %s; where they are wider than what was negotiated, the peer narrowed them and the sender's policy did not follow; where they do not cover the packets either, a second connection or a manual policy on the sender sends them.", strings.Join(dedupe(parts), "; ")), lines
		}
	case analyze.CodeAuthFailed:
		if both {
			for _, d := range append(authDiffs(*ini, *res), append(idDiffs(*ini, *res), idDiffs(*res, *ini)...)...) {
				return d.summary, d.lines
			}
			if a, b := pskFor(*ini, *res), pskFor(*res, *ini); a != nil && b != nil && a.Digest == b.Digest && a.Digest != [32]byte{} {
				return fmt.Sprintf("the pre-shared keys configured for each other are the same (%s; %s): look at the identities each side sends and expects, and at which key the responder picks for them.", cite(a.At), cite(b.At)), []Source{a.At, b.At}
			}
		}
		for _, x := range []*side{res, ini} {
			if x != nil {
				if k := pskFor(*x, side{x.g, &Conn{}}); k != nil {
					return fmt.Sprintf("%s's pre-shared key for this peer is at %s (compare it with the other side's; ikescope never shows keys).", x.name(), cite(k.At)), []Source{k.At}
				}
			}
		}
	case analyze.CodePhase2Stalled:
		// A refused IPsec SA the capture could not read: the selectors or the ESP
		// proposals, whichever the configurations show to differ.
		if both {
			for _, d := range childDiffs(*ini, *res, v) {
				return d.summary, d.lines
			}
		}
		if res != nil && len(res.c.Pools) > 0 && s.UserAuth != "" {
			// A remote-access client refused its IPsec SA with matching selectors and
			// proposals: most often the pool had no address left for it.
			return poolText(res, "if the client asked for a virtual IP and got none, the pool is"), poolLines(res)
		}
	case analyze.CodeErrorNotify:
		if both && ini.c.Version != 0 && res.c.Version != 0 && ini.c.Version != res.c.Version {
			d := comparePair(*ini, *res)[0]
			return d.summary, d.lines
		}
	case analyze.CodeNoVirtualIP:
		if res != nil {
			if len(res.c.Pools) == 0 {
				return fmt.Sprintf("%s's connection %s (%s) names no address pool.", res.name(), res.c.Name, cite(res.c.At)), []Source{res.c.At}
			}
			return poolText(res, "addresses come from"), poolLines(res)
		}
	case analyze.CodeSlowResponse:
		if res != nil && usersElsewhere(res.c.RemoteAuth.Value) {
			at := res.c.userAuthAt()
			return fmt.Sprintf("%s checks users with a backend of its own (%s): what it waited on is most likely that backend (its RADIUS server, or PAM).",
				res.name(), cite(at)), []Source{at}
		}
	case analyze.CodeUserAuthFailed, analyze.CodeEAPMethodMismatch:
		if res == nil {
			break
		}
		gwm := userMethod(res.c.RemoteAuth.Value)
		if usersElsewhere(res.c.RemoteAuth.Value) {
			// The gateway checks no user itself: what it knows of users is its RADIUS server's.
			at := res.c.userAuthAt()
			return fmt.Sprintf("%s checks users with a backend of its own (%s): the user and the password (and an EAP method) are its RADIUS server's or PAM's to check, and that backend's log says why it refused the user, or whether the gateway's requests reached it at all.",
				res.name(), cite(at)), []Source{at}
		}
		if ini != nil {
			if cm := userMethod(ini.c.LocalAuth.Value); methodsDiffer(cm, gwm) {
				return fmt.Sprintf("%s authenticates users with %s (%s), the client with %s (%s): the methods differ.",
					res.name(), gwm, cite(res.c.RemoteAuth.At), cm, cite(ini.c.LocalAuth.At)), []Source{res.c.RemoteAuth.At, ini.c.LocalAuth.At}
			}
			// The user's password on each side, by digest: the user the capture
			// names, else every user the client's configuration holds.
			for _, c := range ini.g.Secrets {
				if c.Kind != "eap" && c.Kind != "xauth" || s.User != "" && !containsID(c.IDs, s.User) ||
					s.User == "" && len(ini.g.Conns) > 1 && ini.c.LocalID.Value != "" && !containsID(c.IDs, ini.c.LocalID.Value) {
					continue // another user's password, of a client file of many
				}
				for _, id := range c.IDs {
					if g := userSecret(res.g, id); g != nil && g.Digest != c.Digest && g.Digest != [32]byte{} && c.Digest != [32]byte{} {
						return fmt.Sprintf("the password the client holds for user %q (%s) is not the one %s holds (%s); compared by digest, never shown.",
							id, cite(c.At), res.name(), cite(g.At)), []Source{c.At, g.At}
					} else if g == nil {
						return fmt.Sprintf("%s has no secret for user %q, which the client uses (%s): unless a RADIUS server or PAM checks users, the user is unknown to it.",
							res.name(), id, cite(c.At)), []Source{c.At, res.c.RemoteAuth.At}
					}
				}
			}
		}
		if s.User != "" {
			if g := userSecret(res.g, s.User); g != nil {
				return fmt.Sprintf("%s's secret for user %q is at %s.", res.name(), s.User, cite(g.At)), []Source{g.At}
			}
			return fmt.Sprintf("%s has no EAP or XAUTH secret for user %q (%s): the user is unknown to it, unless a RADIUS server or PAM checks users.", res.name(), s.User, cite(res.c.RemoteAuth.At)), []Source{res.c.RemoteAuth.At}
		}
		return fmt.Sprintf("%s authenticates users with %s (%s).", res.name(), res.c.RemoteAuth.Value, cite(res.c.RemoteAuth.At)), []Source{res.c.RemoteAuth.At}
	}
	return "", nil
}

func poolText(res *side, what string) string {
	var parts []string
	for _, p := range res.c.Pools {
		parts = append(parts, cite(p.At))
	}
	return fmt.Sprintf("on %s %s %s: widen it, or free the addresses stale SAs hold.", res.name(), what, strings.Join(parts, ", "))
}

func poolLines(res *side) []Source {
	var out []Source
	for _, p := range res.c.Pools {
		out = append(out, p.At)
	}
	return out
}

// userMethod is the user-authentication round of an auth setting: "eap-mschapv2",
// "xauth"; "" without one.
func userMethod(auth string) string {
	for _, r := range strings.Split(strings.ToLower(auth), "+") {
		if strings.HasPrefix(r, "eap") || strings.HasPrefix(r, "xauth") {
			if strings.HasPrefix(r, "xauth") {
				return "xauth"
			}
			return r
		}
	}
	return ""
}

// userAuthAt is where the connection's user authentication is configured: its own
// round when the configuration names it apart, else the remote authentication.
func (c *Conn) userAuthAt() Source {
	if c.RemoteUserAuth.Value != "" {
		return c.RemoteUserAuth.At
	}
	return c.RemoteAuth.At
}

// usersElsewhere says a gateway's user authentication (its remote auth) checks users
// with a backend of its own, not with the secrets in its configuration: EAP or XAUTH
// passed to RADIUS (eap-radius, xauth-eap), or XAUTH checked by PAM (xauth-pam).
func usersElsewhere(auth string) bool {
	for _, r := range strings.Split(strings.ToLower(auth), "+") {
		switch r {
		case "eap-radius", "xauth-eap", "xauth-pam", "xauth-radius":
			return true
		}
	}
	return false
}

// methodsDiffer says a client's user authentication method (userMethod) cannot be the
// gateway's: both are named, and neither lets the EAP method be agreed on in the
// exchange (auth = eap: any method; eap-radius: the RADIUS server's).
func methodsDiffer(client, gateway string) bool {
	open := func(m string) bool { return m == "eap" || m == "eap-radius" }
	return client != "" && gateway != "" && client != gateway && !open(client) && !open(gateway)
}

// userSecret is g's EAP or XAUTH secret for a user.
func userSecret(g *Gateway, user string) *Secret {
	for _, sec := range g.Secrets {
		if (sec.Kind == "eap" || sec.Kind == "xauth") && containsID(sec.IDs, user) {
			return sec
		}
	}
	return nil
}

func containsID(ids []string, id string) bool {
	for _, x := range ids {
		if sameID(x, id) {
			return true
		}
	}
	return false
}

// oneSided compares the one configuration given with what the capture shows of the other
// side: the responder's configuration with the initiator's offer, or the initiator's
// with the responder's choice.
func oneSided(ini, res *side, offered []analyze.Proposal, chosen *analyze.Proposal, p2 bool, v int) (string, []Source) {
	what := "IKE"
	pick := func(x *side) []Offer {
		if !p2 {
			return x.c.IKE
		}
		var out []Offer
		for _, c := range x.c.Children {
			out = append(out, c.ESP...)
		}
		return out
	}
	if p2 {
		what = "ESP"
	}
	switch {
	case res != nil && ini == nil && len(offered) > 0:
		offers := pick(res)
		if len(offers) == 0 {
			return "", nil
		}
		best, why := offers[0], []string(nil)
		for i, o := range offers {
			for _, p := range offered {
				w := proposalDiff(p, o.Proposal, v, "the initiator", res.name())
				if len(w) == 0 {
					return "", nil // the configuration accepts the offer: something else refused it
				}
				if why == nil || len(w) < len(why) {
					best, why = offers[i], w
				}
			}
		}
		return fmt.Sprintf("none of the initiator's %s proposals in the capture is among %s's: %s (%s).", what, res.name(), strings.Join(why, "; "), cite(best.At)), []Source{best.At}
	case ini != nil && res == nil:
		offers := pick(ini)
		if len(offers) == 0 {
			return "", nil
		}
		var lines []Source
		var parts []string
		for _, o := range offers {
			lines = append(lines, o.At)
			parts = append(parts, cite(o.At))
		}
		text := fmt.Sprintf("the initiator's %s proposals are configured at %s", what, strings.Join(dedupe(parts), ", "))
		if chosen != nil {
			text += "; the responder chose " + chosen.String()
		}
		return text + ": compare them with the responder's.", lines
	}
	return "", nil
}

func dedupe(v []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range v {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

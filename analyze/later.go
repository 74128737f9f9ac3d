package analyze

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// spokeElsewhere: an unanswered first message whose responder the capture hears in
// another session between the same peers. It says no message came back for this SA,
// not that the responder sent nothing at all.
func (a *Analyzer) spokeElsewhere(s *Session) {
	peer := s.Responder.Addr()
	silent := noMessageAtAll(peer)
	for i := range s.findings {
		f := &s.findings[i]
		if f.Code != CodeNoResponse || !strings.Contains(f.Summary, silent) {
			continue
		}
		for _, o := range a.byPeers[pairOf(s.Initiator.Addr(), peer)] {
			if o == s || !sameCapture(s, o) {
				continue
			}
			if m := firstFrom(o, peer); m != nil {
				f.Summary = strings.Replace(f.Summary, silent, fmt.Sprintf(" No message from %s for this SA, though it sent messages of session %d (the first in frame %d).", peer, o.ID, m.Frame), 1)
				break
			}
		}
	}
}

// noMessageAtAll ends no-response's summary when the responder sent nothing in this SA;
// spokeElsewhere replaces it when the capture hears the responder in another.
func noMessageAtAll(peer netip.Addr) string { return " No message from " + peer.String() + " at all." }

// firstFrom is the first message of s that addr sent, or nil.
func firstFrom(s *Session, addr netip.Addr) *Msg {
	for _, m := range s.Messages {
		if m.Src.Addr() == addr {
			return m
		}
	}
	return nil
}

// laterSuccess: a negotiation that failed, and after it one between the same two ends
// that came up without an error (the cause was fixed, the peer came back, or a retry
// got through). The failure stays in the report, as a warning that says what came
// after it: the tunnel is the later session's. A tunnel that was up and then failed
// (its peer stopped answering, a NAT lost its mapping) keeps its errors: the outage
// happened; they say what came after. The ends are the same addresses, and the same
// ports unless both are IKE's own: clients behind one NAT share its address.
func (a *Analyzer) laterSuccess(s *Session) {
	if !s.Failed || s.abandonedFor > 0 || slices.ContainsFunc(s.findings, func(f Finding) bool {
		// Proxy IDs or traffic selectors refused: that is about one pair of subnets, and
		// a tunnel that came up later may be for another.
		return f.Code == CodeInvalidID || f.Code == CodeTSUnacceptable
	}) {
		return
	}
	peers := a.byPeers[pairOf(s.Initiator.Addr(), s.Responder.Addr())]
	var later *Session
	for _, o := range peers {
		if o == s || o.Version != s.Version || !o.tunnelUp() || o.Failed || !sameCapture(s, o) || !o.establishedAt.After(s.First) || !sameEnds(s, o) ||
			s.User != "" && o.User != "" && s.User != o.User || !sameSelectors(s, o) {
			continue
		}
		if later == nil || o.establishedAt.Before(later.establishedAt) {
			later = o
		}
	}
	if later == nil || s.User == "" && sharedAddress(s, peers) {
		return
	}
	by := ""
	if later.Initiator.Addr() != s.Initiator.Addr() {
		by = ", started by " + later.Initiator.Addr().String()
	}
	which := "A later negotiation between the same peers"
	if later.First.Before(s.First) {
		which = "Another negotiation between the same peers, begun before this one,"
	}
	changed := false
	for i := range s.findings {
		f := &s.findings[i]
		if f.Severity != Error || !f.Time.Before(later.establishedAt) {
			continue
		}
		// ESP after the failure was the later session's, not an older SA's.
		f.Summary, _, _ = strings.Cut(f.Summary, stillCarriedLead)
		f.Summary += fmt.Sprintf(" %s came up %s after this: session %d%s (frame %d).",
			which, secs(later.establishedAt.Sub(f.Time)), later.ID, by, later.establishedFrame)
		if s.tunnelUp() {
			continue
		}
		f.Severity = Warning
		if f.Code == CodeNoResponse {
			// The same addresses worked soon after: not a firewall or a daemon that is
			// not there, as an unanswered first message alone would suggest.
			f.Cause = "The responder did not answer this attempt, but the two gateways negotiated over the same addresses soon after: it was not ready then (its daemon starting, the connection not loaded yet, busy with another negotiation) or the path was down for a while."
			f.Next = "Nothing to fix while the later tunnel stays up. If it happens again, read the responder's log at this time."
			f.Where = nil // the firewalls let the later negotiation through
		}
		if s.supersededCode == "" {
			s.supersededCode = f.Code
		}
		changed = true
	}
	if changed {
		s.supersededBy = later.ID
		s.describe(s.findings)
	}
}

// carriedByLater mends what stillCarried said of a refusal, that ESP between the peers
// after it was an older SA's, when that ESP was a later negotiation's: every flow that
// went on after the refusal belongs to a session that began after it.
func (a *Analyzer) carriedByLater(s *Session) {
	i := slices.IndexFunc(s.findings, func(f Finding) bool { return strings.Contains(f.Summary, stillCarriedLead) })
	if i < 0 {
		return
	}
	f := &s.findings[i]
	var later *Session
	for _, o := range a.byPeers[pairOf(s.Initiator.Addr(), s.Responder.Addr())] {
		if o == s || !sameCapture(s, o) {
			continue
		}
		for _, fl := range o.ESP {
			if !fl.Last.After(f.Time) {
				continue
			}
			if !o.First.After(f.Time) {
				return // an SA up before the refusal carries it, as said
			}
			if later == nil || o.First.Before(later.First) {
				later = o
			}
		}
	}
	if later == nil || slices.ContainsFunc(s.ESP, func(fl *ESPFlow) bool { return fl.Last.After(f.Time) }) {
		return
	}
	pair := pairOf(s.Initiator.Addr(), s.Responder.Addr())
	if slices.ContainsFunc(a.flowOrder, func(fl *ESPFlow) bool {
		return fl.Session == 0 && fl.Last.After(f.Time) && pairOf(fl.Src.Addr(), fl.Dst.Addr()) == pair
	}) {
		return // ESP of no negotiation in the capture: an older SA's, as said
	}
	f.Summary, _, _ = strings.Cut(f.Summary, stillCarriedLead)
	f.Summary += fmt.Sprintf(" The ESP between these peers after it is a later negotiation's: session %d, begun %s after this.", later.ID, secs(later.First.Sub(f.Time)))
	s.describe(s.findings)
}

// tunnelUp reports whether the session made an IPsec SA: its IKE SA up, and an IPsec SA
// negotiated or ESP carried. An IKE SA up without one (refused traffic selectors, XAUTH
// refused after Phase 1) is no tunnel.
func (s *Session) tunnelUp() bool {
	return s.Established && (s.Phase2Done > 0 || len(s.ESP) > 0)
}

// sameSelectors reports whether two sessions asked for the same traffic, when keys
// showed both: a tunnel for other subnets that came up does not make up for one that
// did not. Either unknown, they may be the same.
func sameSelectors(s, o *Session) bool {
	if len(s.Selectors) == 0 || len(o.Selectors) == 0 {
		return true
	}
	return slices.Equal(selectorNets(s.Selectors), selectorNets(o.Selectors))
}

// selectorNets are the networks of a session's selectors, sorted, without the words
// that say which side's they are ("local", "remote"): either side may have asked.
func selectorNets(sel []string) []string {
	out := make([]string, 0, len(sel))
	for _, x := range sel {
		if i := strings.LastIndexByte(x, ' '); i >= 0 {
			x = x[i+1:]
		}
		out = append(out, x)
	}
	slices.Sort(out)
	return out
}

// sharedAddress reports whether other clients share s's initiator address (a NAT before
// several of them): another session from it with another port, or another user. Which
// of them came up later is then not s's client, unless the users are known.
func sharedAddress(s *Session, peers []*Session) bool {
	return slices.ContainsFunc(peers, func(o *Session) bool {
		return o != s && o.Initiator.Addr() == s.Initiator.Addr() &&
			(!sameEnd(o.Initiator, s.Initiator) || o.User != "" && s.User != "" && o.User != s.User)
	})
}

// sameEnds says o runs between the same two ends as s, in either direction.
func sameEnds(s, o *Session) bool {
	return sameEnd(s.Initiator, o.Initiator) && sameEnd(s.Responder, o.Responder) ||
		sameEnd(s.Initiator, o.Responder) && sameEnd(s.Responder, o.Initiator)
}

// sameEnd: the same address, and the same port unless both are IKE's (500, 4500).
func sameEnd(x, y netip.AddrPort) bool {
	ike := func(p uint16) bool { return p == 500 || p == 4500 }
	return x.Addr() == y.Addr() && (x.Port() == y.Port() || ike(x.Port()) && ike(y.Port()))
}

package analyze

import (
	"fmt"
	"strings"

	"github.com/ikescope/ikescope/decode"
)

// phase2Diffs compares what the two gateways offered and asked for in Phase 2, when keys
// showed both sides' Quick Modes: the attribute the proposals disagree on, and the proxy
// ID that is not the mirror image of the other side's.
func (a *Analyzer) phase2Diffs() []Finding {
	var out []Finding
	done := map[peerKey]bool{}
	for _, s := range a.sessions {
		x, y := s.Initiator.Addr(), s.Responder.Addr()
		pair := pairOf(x, y)
		if done[pair] || !s.Established {
			continue
		}
		var frames []int
		for _, m := range s.Messages {
			if m.ExchangeType == decode.ExchangeQuickMode && m.Decrypted {
				frames = append(frames, m.Frame)
			}
		}
		if ox, oy := p2During(a.p2Offers[x], s), p2During(a.p2Offers[y], s); len(ox) > 0 && len(oy) > 0 {
			if diffs := Diff(ox, oy); len(diffs) > 0 {
				var parts []string
				for _, d := range diffs {
					parts = append(parts, fmt.Sprintf("%s: %s offers %s, %s offers %s", d.Attribute, x, strings.Join(d.Ours, "/"), y, strings.Join(d.Theirs, "/")))
				}
				out = append(out, s.newFinding(CodeProposalDiff, Error, "Phase 2 proposals", frames, s.First,
					"Both gateways' Phase 2 proposals are visible (decrypted) and share no suite. "+strings.Join(parts, "; ")+".",
					"The closest pair of proposals differs only in what is listed; that is the setting to align.",
					"Change one side so the listed attribute matches.").where(SettingPhase2))
				done[pair] = true
			}
		}
		ix, okx := p2Latest(a.p2IDs[x], s)
		iy, oky := p2Latest(a.p2IDs[y], s)
		if okx && oky && (ix[0] != iy[1] || ix[1] != iy[0]) {
			var parts []string
			if ix[1] != iy[0] {
				parts = append(parts, fmt.Sprintf("%s asks for remote network %s, but %s's local network is %s", x, ix[1], y, iy[0]))
			}
			if ix[0] != iy[1] {
				parts = append(parts, fmt.Sprintf("%s's local network is %s, but %s asks for remote network %s", x, ix[0], y, iy[1]))
			}
			out = append(out, s.newFinding(CodeInvalidID, Error, "proxy IDs", frames, s.First,
				"Both gateways' proxy IDs are visible (decrypted) and are not mirror images: "+strings.Join(parts, "; ")+".",
				"Each side's local subnet must be the other side's remote subnet; here they differ, so each rejects the other's Quick Mode.",
				"Make the subnets mirror images.").where(SettingSelectors))
			done[pair] = true
		}
	}
	return out
}

// p2Seen is what a gateway offered or asked for in a Phase 2 request, and the IKE SA
// (session) that carried it.
type p2Seen[T any] struct {
	v T
	s *Session
}

// maxP2Seen bounds what is kept of each gateway's Phase 2 requests.
const maxP2Seen = 8

// noteP2 adds a gateway's latest Phase 2 request to what is kept of them.
func noteP2[T any](list []p2Seen[T], v T, s *Session) []p2Seen[T] {
	if len(list) >= maxP2Seen {
		list = append(list[:0], list[1:]...)
	}
	return append(list, p2Seen[T]{v, s})
}

// p2Latest is a gateway's latest Phase 2 request made while s was up: in s, or in an
// IKE SA whose time overlaps s's (both gateways negotiating, each in its own). A later
// IKE SA's Quick Modes are another negotiation, with another configuration maybe.
func p2Latest[T any](list []p2Seen[T], s *Session) (T, bool) {
	for i := len(list) - 1; i >= 0; i-- {
		if o := list[i].s; o == s || !o.First.After(s.Last) && !s.First.After(o.Last) {
			return list[i].v, true
		}
	}
	var zero T
	return zero, false
}

// p2During is p2Latest for proposals: nil when there is none.
func p2During(list []p2Seen[[]Proposal], s *Session) []Proposal {
	v, _ := p2Latest(list, s)
	return v
}

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
		if ox, oy := a.p2Offers[x], a.p2Offers[y]; len(ox) > 0 && len(oy) > 0 {
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
		ix, okx := a.p2IDs[x]
		iy, oky := a.p2IDs[y]
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

package analyze_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/decode"
)

// TestShiftedCopyMerged: a recorded capture merged with a copy of itself whose clock is
// 7 s ahead (what mergecap makes of two captures of the same packets, in the test) reads
// as the capture alone: a copy is the same datagram (same IP identification), not a
// retransmission, so states and retransmission counts are those of the capture, and one
// finding says the file holds the traffic twice, 7 s apart. The real retransmissions of
// these captures (new datagrams) stay retransmissions.
func TestShiftedCopyMerged(t *testing.T) {
	const shift = 7 * time.Second
	for _, name := range []string{"ikev1-reply-dropped", "ikev1-main-psk-mismatch", "ikev1-no-response", "ikev2-psk-mismatch"} {
		cs := loadStream(t, pcap(name+".pcap"))
		var merged []decode.Message
		for _, m := range cs.Msgs {
			merged = append(merged, m)
			m.Time = m.Time.Add(shift)
			merged = append(merged, m)
		}
		slices.SortStableFunc(merged, func(a, b decode.Message) int { return a.Time.Compare(b.Time) })
		for i := range merged {
			merged[i].Frame = i + 1
		}
		alone := analyzeStream(name, cs.Msgs, cs.Stats, analyze.Options{})
		both := analyzeStream(name, merged, streamStats(merged), analyze.Options{})
		if len(alone.Sessions) != len(both.Sessions) {
			t.Fatalf("%s: %d sessions merged with its copy, %d alone", name, len(both.Sessions), len(alone.Sessions))
		}
		for i, s := range both.Sessions {
			a := alone.Sessions[i]
			if s.State != a.State || s.Retransmits != a.Retransmits || len(s.Messages) != len(a.Messages) {
				t.Errorf("%s session %d merged: %q, %d retransmissions, %d messages; alone: %q, %d, %d",
					name, s.ID, s.State, s.Retransmits, len(s.Messages), a.State, a.Retransmits, len(a.Messages))
			}
		}
		codes := func(r *analyze.Result) []string {
			var out []string
			for _, f := range r.Findings {
				if f.Code != analyze.CodeESPAnomaly {
					out = append(out, fmt.Sprintf("%s:%s", f.Code, f.Severity))
				}
			}
			slices.Sort(out)
			return out
		}
		if g, w := codes(both), codes(alone); !slices.Equal(g, w) {
			t.Errorf("%s merged with its copy: findings %v, alone %v", name, g, w)
		}
		f := findCode(both, analyze.CodeESPAnomaly)
		if f == nil || !strings.Contains(f.Summary, "appear twice, up to 7") || !strings.Contains(f.Next, "separate files") {
			t.Errorf("%s: duplicates finding %+v, want one that says the copies are 7 s apart", name, f)
		}
	}
}

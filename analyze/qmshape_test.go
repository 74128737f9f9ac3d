package analyze_test

import (
	"path/filepath"
	"testing"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/internal/decodetest"
)

// libreswan's isakmp4500 capture (tcpdump's test suite): the responder sends QM2 four
// times (frames 10, 15, 20, 30) and the initiator answers the first three with a 52-byte
// QM3 (frames 11, 16, 21). Started inside Quick Mode (the captures below are cut in the
// test, not recorded so), the roles are not settled by Phase 1, but the exchange's shape
// settles them: phase2-stalled is found while three copies of QM2 and an answer remain,
// and not after.
func TestQM3LostWhenCaptureBeginsInsideQuickMode(t *testing.T) {
	dir := decodetest.RequireCorpus(t)
	s := loadStream(t, filepath.Join(dir, "tcpdump", "tests", "isakmp4500.pcap"))
	want := map[int]bool{9: true, 10: true, 11: true, 15: true, 16: false, 20: false, 21: false}
	checked := 0
	for i := range s.Msgs {
		frame := s.Msgs[i].Frame
		expect, ok := want[frame]
		if !ok || !isIKEOrESP(&s.Msgs[i]) {
			continue
		}
		checked++
		msgs := cutAt(s.Msgs, i)
		res := analyzeStream(s.Name, msgs, streamStats(msgs), analyze.Options{})
		var got *analyze.Finding
		for j := range res.Findings {
			if res.Findings[j].Code == analyze.CodePhase2Stalled {
				got = &res.Findings[j]
			}
		}
		switch {
		case expect && (got == nil || got.Severity != analyze.Error):
			t.Errorf("capture from frame %d: no phase2-stalled error (findings %s)", frame, codesOf(res.Findings))
		case !expect && got != nil:
			t.Errorf("capture from frame %d: phase2-stalled with two copies of QM2 or fewer: %s", frame, got.Summary)
		}
	}
	if checked != len(want) {
		t.Errorf("%d of the %d cuts found in the capture", checked, len(want))
	}
}

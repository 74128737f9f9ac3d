package analyze_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/decode"
)

// TestTwoCapturesCoverage: two capture points of a healthy tunnel (two-healthy: A's own
// and B's own capture) where B's capture, in the test, starts late or stops early at
// every frame. What B did not record while it was not capturing is not lost: no finding
// places a loss between the points. Before, a capture that stopped early read as
// 'dropped between the capture points' for the rest of the ESP, and an answered request
// as never reaching its peer; one that started late, as ESP lost, since what A held
// before B's first packet was not counted for A.
func TestTwoCapturesCoverage(t *testing.T) {
	am := pcapStream(t, "two-healthy.gw-a.pcap").Msgs
	all := pcapStream(t, "two-healthy.gw-b.pcap").Msgs
	last := all[len(all)-1].Frame
	for from := 1; from <= last; from++ {
		for to := from; to <= last; to++ {
			if from > 1 && to < last {
				continue // one end cut at a time
			}
			var bm []decode.Message
			for _, m := range all {
				if m.Frame >= from && m.Frame <= to {
					bm = append(bm, m)
				}
			}
			label := fmt.Sprintf("B frames %d-%d", from, to)
			out := mergedResult(t, am, bm)
			for _, f := range out.Findings {
				if len(f.LostBetween) > 0 {
					t.Errorf("%s: %s %s: %s", label, f.Severity, f.Code, f.Summary)
				}
			}
			if len(out.Sessions) != 1 || !out.Sessions[0].Established {
				t.Errorf("%s:%s", label, sessionList(out))
			}
		}
	}
}

// mergedResult analyses two captures as two points of one tunnel.
func mergedResult(t *testing.T, am, bm []decode.Message) *analyze.Result {
	t.Helper()
	fps := func(msgs []decode.Message) []analyze.Fingerprint {
		var out []analyze.Fingerprint
		for i := range msgs {
			if fp, ok := analyze.FingerprintOf(&msgs[i]); ok {
				out = append(out, fp)
			}
		}
		return out
	}
	srcs := []analyze.Source{
		&sliceSource{name: "a", msgs: am, stats: streamStats(am)},
		&sliceSource{name: "b", msgs: bm, stats: streamStats(bm)},
	}
	a := analyze.New(analyze.Options{})
	offsets := a.LineUp([]string{"a", "b"}, [][]analyze.Fingerprint{fps(am), fps(bm)})
	a.FeedMerged(srcs, offsets, nil)
	return a.Finish()
}

// In two-esp-oneway B's ESP never reaches A (the recording's failure); A's reaches B.
// However late B's capture starts, or however early it stops, no loss is placed on A's
// ESP, and while B records its own ESP after A began, that one is still placed.
func TestTwoCapturesCoverageOneWay(t *testing.T) {
	am := pcapStream(t, "two-esp-oneway.gw-a.pcap").Msgs
	all := pcapStream(t, "two-esp-oneway.gw-b.pcap").Msgs
	last := all[len(all)-1].Frame
	whole := mergedResult(t, am, all)
	if f := findCode(whole, analyze.CodeESPOneWay); f == nil || len(f.LostBetween) == 0 {
		t.Fatalf("B whole: no esp-one-way between the points:%s", sessionList(whole))
	}
	for from := 1; from <= last; from++ {
		for to := from; to <= last; to++ {
			if from > 1 && to < last {
				continue
			}
			var bm []decode.Message
			for _, m := range all {
				if m.Frame >= from && m.Frame <= to {
					bm = append(bm, m)
				}
			}
			for _, f := range mergedResult(t, am, bm).Findings {
				if len(f.LostBetween) > 0 && !strings.Contains(f.Summary, "from 198.51.100.2") {
					t.Errorf("B frames %d-%d: %s %s: %s", from, to, f.Severity, f.Code, f.Summary)
				}
			}
		}
	}
}

// The receiving point stopped early: two-esp-oneway's A cut to frames 3-7 in the test
// ends before B's last ESP left. None of B's reached A, so the loss stands, but only
// those sent before A's last packet are counted as dropped for sure.
func TestTwoCapturesReceiverStopped(t *testing.T) {
	var am []decode.Message
	for _, m := range pcapStream(t, "two-esp-oneway.gw-a.pcap").Msgs {
		if m.Frame >= 3 && m.Frame <= 7 {
			am = append(am, m)
		}
	}
	out := mergedResult(t, am, pcapStream(t, "two-esp-oneway.gw-b.pcap").Msgs)
	f := findCode(out, analyze.CodeESPOneWay)
	if f == nil || !strings.Contains(f.Summary, "it may not have recorded the others") {
		t.Errorf("esp-one-way %+v", f)
	}
}

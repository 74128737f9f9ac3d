package analyze_test

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/internal/decodetest"
)

// shiftedFrom writes a recorded capture with the frames from the from-th (1-based) on
// d later, or with only its first n frames when n > 0 (made in the test, not recorded).
func shiftedFrom(t *testing.T, name string, from int, d time.Duration, n int) string {
	t.Helper()
	frames, link := decodetest.ReadFrames(t, pcap(name))
	out := append([]decodetest.Frame(nil), frames...)
	for i := from - 1; from > 0 && i < len(out); i++ {
		out[i].CI.Timestamp = out[i].CI.Timestamp.Add(d)
	}
	if n > 0 {
		out = out[:min(n, len(out))]
	}
	path := filepath.Join(t.TempDir(), "changed.pcap")
	decodetest.WriteFrames(t, path, link, 65535, false, out)
	return path
}

// scaled writes a capture with every gap between its frames multiplied by num/den
// (made in the test, not recorded).
func scaled(t *testing.T, path string, num, den int64) string {
	t.Helper()
	frames, link := decodetest.ReadFrames(t, path)
	out := append([]decodetest.Frame(nil), frames...)
	for i := range out {
		out[i].CI.Timestamp = frames[0].CI.Timestamp.Add(frames[i].CI.Timestamp.Sub(frames[0].CI.Timestamp) * time.Duration(num) / time.Duration(den))
	}
	scaledPath := filepath.Join(t.TempDir(), "scaled.pcap")
	decodetest.WriteFrames(t, scaledPath, link, 65535, false, out)
	return scaledPath
}

// TestESPVerdictTimers: how long ESP one way must go on before the way back is due is
// the path's delay, not the peer's IKE work. two-esp-oneway.gw-a with its IKE_AUTH
// answer 1.5 s late (the responder busy signing, or asking RADIUS) still has ESP one
// way. One ESP packet from the responder 10 s or an hour after two-way traffic is not
// ESP that "kept sending". A capture that ends after the first ESP packet is not "ESP
// flowing".
func TestESPVerdictTimers(t *testing.T) {
	res := analyzeFile(t, shiftedFrom(t, "two-esp-oneway.gw-a.pcap", 4, 1500*time.Millisecond, 0))
	if f := findCode(res, analyze.CodeESPOneWay); f == nil || f.Severity != analyze.Error {
		t.Errorf("IKE_AUTH answered 1.5 s late: esp-one-way %+v; findings %s", f, codesOf(res.Findings))
	}
	if st := res.Sessions[0].State; !strings.Contains(st, "ESP one way") {
		t.Errorf("IKE_AUTH answered 1.5 s late: state %q", st)
	}
	for _, d := range []time.Duration{10 * time.Second, time.Hour} {
		// Frame 14 is the responder's fifth ESP packet, after four answered pings.
		res := analyzeFile(t, shiftedFrom(t, "ikev2-psk.pcap", 14, d, 0))
		if f := findCode(res, analyze.CodeESPOneWay); f != nil {
			t.Errorf("one packet %v late: %s", d, f.Summary)
		}
		if st := res.Sessions[0].State; !strings.Contains(st, "ESP flowing") {
			t.Errorf("one packet %v late: state %q", d, st)
		}
	}
	res = analyzeFile(t, shiftedFrom(t, "ikev2-psk.pcap", 0, 0, 5))
	if st := res.Sessions[0].State; st != "established, ESP from one side only" {
		t.Errorf("cut after the first ESP packet: state %q", st)
	}
}

// TestESPThroughOneWay: two-esp-oneway's router captured on all its interfaces, each
// forwarded packet twice (in and out): A's ESP and both sides' IKE twice, B's ESP once,
// since the router drops it. The same run's two gateway captures merged into one file
// (in the test) hold A's ESP at both ends and B's at B's only. Both say ESP one way; the
// healthy run's router capture does not.
func TestESPThroughOneWay(t *testing.T) {
	a, link := decodetest.ReadFrames(t, pcap("two-esp-oneway.gw-a.pcap"))
	b, _ := decodetest.ReadFrames(t, pcap("two-esp-oneway.gw-b.pcap"))
	merged := append(append([]decodetest.Frame(nil), a...), b...)
	sort.SliceStable(merged, func(i, j int) bool { return merged[i].CI.Timestamp.Before(merged[j].CI.Timestamp) })
	mergedPath := filepath.Join(t.TempDir(), "merged.pcap")
	decodetest.WriteFrames(t, mergedPath, link, 65535, false, merged)
	for name, path := range map[string]string{"router": pcap("two-esp-oneway.router.pcap"), "merged": mergedPath} {
		res := analyzeFile(t, path)
		f := findCode(res, analyze.CodeESPOneWay)
		if f == nil || f.Severity != analyze.Warning || !strings.Contains(f.Summary, "the responder's 5 ESP packets once each") {
			t.Errorf("%s: esp-one-way %+v; findings %s", name, f, codesOf(res.Findings))
		}
		if st := res.Sessions[0].State; !strings.Contains(st, "ESP one way") {
			t.Errorf("%s: state %q", name, st)
		}
	}
	for _, name := range []string{"two-healthy.router.pcap", "two-nat.router.pcap"} {
		if f := findCode(analyzeFile(t, pcap(name)), analyze.CodeESPOneWay); f != nil {
			t.Errorf("%s: %s", name, f.Summary)
		}
	}
	// The router dropping ESP both ways: its capture without A's ESP going out (frames
	// 10 13 16 19 22 left out in the test).
	frames, link := decodetest.ReadFrames(t, pcap("two-esp-oneway.router.pcap"))
	var kept []decodetest.Frame
	for i, f := range frames {
		switch i + 1 {
		case 10, 13, 16, 19, 22:
		default:
			kept = append(kept, f)
		}
	}
	both := filepath.Join(t.TempDir(), "both.pcap")
	decodetest.WriteFrames(t, both, link, 65535, false, kept)
	if f := findCode(analyzeFile(t, both), analyze.CodeESPOneWay); f == nil || !strings.Contains(f.Summary, "both sides' IKE messages twice, but their ESP once each") {
		t.Errorf("ESP dropped both ways: esp-one-way %+v", f)
	}
	// IKE messages sent again within milliseconds (as a device that rewrites IP
	// identifications makes them look): the ESP that went one way still does.
	res := analyzeFile(t, withSentAgain(t, "two-esp-oneway.gw-a.pcap",
		sentAgain{1, 3 * time.Millisecond, 0}, sentAgain{3, 3 * time.Millisecond, 0}, sentAgain{10, 3 * time.Millisecond, 0}, sentAgain{11, 3 * time.Millisecond, 0}))
	if f := findCode(res, analyze.CodeESPOneWay); f == nil || f.Severity != analyze.Error {
		t.Errorf("IKE sent again within milliseconds: esp-one-way %+v; findings %s", f, codesOf(res.Findings))
	}
}

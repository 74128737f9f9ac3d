package analyze_test

// Several captures of one tunnel, recorded at both gateways at once (pcaps/two-*.gw-a,
// gw-b, see pcaps/README.md): one story, each packet counted once, losses placed between
// the capture points, clocks lined up. Skewed clocks are made in the test by shifting one
// capture's timestamps.

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/decode"
)

// sliceSource is a decoded capture replayed as an analyze.Source.
type sliceSource struct {
	name  string
	msgs  []decode.Message
	stats decode.Stats
	i     int
	cur   decode.Message
}

func (s *sliceSource) Name() string { return s.name }
func (s *sliceSource) Next() bool {
	if s.i >= len(s.msgs) {
		return false
	}
	s.cur = s.msgs[s.i]
	s.i++
	return true
}
func (s *sliceSource) Message() *decode.Message { return &s.cur }
func (s *sliceSource) Stats() decode.Stats      { return s.stats }
func (s *sliceSource) Err() error               { return nil }

// analyzeTogether analyses captures of pcaps/ as the command does with several files,
// each shifted in time by shift[i] first.
func analyzeTogether(t *testing.T, names []string, shift map[int]time.Duration) *analyze.Result {
	t.Helper()
	var srcs []analyze.Source
	var prints [][]analyze.Fingerprint
	for i, n := range names {
		st := pcapStream(t, n)
		msgs := append([]decode.Message(nil), st.Msgs...)
		var fps []analyze.Fingerprint
		for j := range msgs {
			msgs[j].Time = msgs[j].Time.Add(shift[i])
			if fp, ok := analyze.FingerprintOf(&msgs[j]); ok {
				fps = append(fps, fp)
			}
		}
		stats := st.Stats
		if !stats.First.IsZero() {
			stats.First, stats.Last = stats.First.Add(shift[i]), stats.Last.Add(shift[i])
		}
		srcs = append(srcs, &sliceSource{name: n, msgs: msgs, stats: stats})
		prints = append(prints, fps)
	}
	a := analyze.New(analyze.Options{})
	offsets := a.LineUp(names, prints)
	a.FeedMerged(srcs, offsets, nil)
	return a.Finish()
}

type lossWant struct {
	code        string
	lostBetween string // "seen-at missing-at", short names
}

func TestTwoCapturePoints(t *testing.T) {
	tests := []struct {
		set    string
		errors []lossWant
	}{
		{"two-healthy", nil},
		{"two-nat", nil},
		{"two-esp-oneway", []lossWant{{analyze.CodeESPOneWay, "gw-b gw-a"}}},
		{"two-reply-dropped", []lossWant{{analyze.CodeReplyNotReaching, "gw-b gw-a"}}},
		{"two-frag-dropped", []lossWant{{analyze.CodeFragmentsLost, "gw-a gw-b"}}},
	}
	short := func(name string) string {
		name = strings.TrimSuffix(filepath.Base(name), ".pcap")
		return name[strings.LastIndexByte(name, '.')+1:]
	}
	for _, tt := range tests {
		a, b := tt.set+".gw-a.pcap", tt.set+".gw-b.pcap"
		aloneA := analyzeFile(t, filepath.Join("..", "pcaps", a)).Sessions[0]
		aloneB := analyzeFile(t, filepath.Join("..", "pcaps", b)).Sessions[0]
		wantMsgs, wantRetrans := max(len(aloneA.Messages), len(aloneB.Messages)), max(aloneA.Retransmits, aloneB.Retransmits)
		wantESP := max(espPackets(aloneA), espPackets(aloneB))
		for _, order := range [][]string{{a, b}, {b, a}} {
			for _, skew := range []time.Duration{0, 3700 * time.Millisecond, -90 * time.Minute} {
				name := tt.set + "/" + short(order[0]) + "-first/skew" + skew.String()
				t.Run(name, func(t *testing.T) {
					res := analyzeTogether(t, order, map[int]time.Duration{1: skew})
					if len(res.Sessions) != 1 {
						t.Fatalf("%d sessions, want one SA seen at two points", len(res.Sessions))
					}
					s := res.Sessions[0]
					// Every packet counted once: as many IKE messages and retransmissions as
					// the side that saw most, no duplicates.
					if len(s.Messages) != wantMsgs || s.Retransmits != wantRetrans || s.Duplicates != 0 {
						t.Errorf("%d messages, %d retransmissions, %d duplicates; want %d, %d and 0",
							len(s.Messages), s.Retransmits, s.Duplicates, wantMsgs, wantRetrans)
					}
					for _, f := range s.ESP {
						if f.Packets > 0 && len(f.SeenAt) == 2 && f.SeenAt[a] > 0 && f.SeenAt[b] > 0 && (f.Transit <= 0 || f.Transit > time.Millisecond) {
							t.Errorf("ESP %08x seen at both points: transit %s, want a few microseconds", f.SPI, f.Transit)
						}
					}
					if got := espPackets(s); got != wantESP {
						t.Errorf("%d ESP packets, want %d (each counted once)", got, wantESP)
					}
					// The clock offset found within a millisecond of the shift.
					if c := res.Captures[1]; (c.ClockOffset-skew).Abs() > time.Millisecond || c.SharedPackets == 0 {
						t.Errorf("clock offset %s on %d packets, want %s", c.ClockOffset, c.SharedPackets, skew)
					}
					var got []string
					for _, f := range res.Findings {
						if f.Code == analyze.CodeESPAnomaly || f.Code == analyze.CodeCaptureDuplicates {
							t.Errorf("%s on merged captures: %s", f.Code, f.Summary)
						}
						if f.Severity != analyze.Error {
							continue
						}
						lb := ""
						if len(f.LostBetween) == 2 {
							lb = short(f.LostBetween[0]) + " " + short(f.LostBetween[1])
						}
						got = append(got, f.Code+" "+lb)
					}
					var want []string
					for _, w := range tt.errors {
						want = append(want, w.code+" "+w.lostBetween)
					}
					if strings.Join(got, ", ") != strings.Join(want, ", ") {
						t.Errorf("errors %q, want %q", got, want)
					}
				})
			}
		}
	}
}

// Captures with nothing in common stay apart: each keeps its sessions and its clock,
// and says why it was not merged.
func TestUnrelatedCapturesStayApart(t *testing.T) {
	res := analyzeTogether(t, []string{"ikev2-psk.pcap", "ikev1-main-psk-mismatch.pcap"}, map[int]time.Duration{1: 5 * time.Hour})
	if len(res.Sessions) != 2 || res.Captures[1].Apart == "" || res.Captures[1].SharedPackets != 0 {
		t.Fatalf("sessions %d, second capture %+v; want two sessions apart", len(res.Sessions), res.Captures[1])
	}
	for _, s := range res.Sessions {
		if s.Capture == "ikev2-psk.pcap" && s.Failed || s.Capture != "ikev2-psk.pcap" && !s.Failed {
			t.Errorf("session %d of %s: failed=%v %q", s.ID, s.Capture, s.Failed, s.State)
		}
	}
}

func espPackets(s *analyze.Session) int {
	n := 0
	for _, f := range s.ESP {
		n += f.Packets
	}
	return n
}

// Three capture points (initiator, the router between, responder) work the same way;
// the router's capture sees each forwarded packet twice (in and out), which is one
// packet, not a retransmission.
func TestThreeCapturePoints(t *testing.T) {
	res := analyzeTogether(t, []string{"two-esp-oneway.gw-a.pcap", "two-esp-oneway.router.pcap", "two-esp-oneway.gw-b.pcap"}, nil)
	if len(res.Sessions) != 1 {
		t.Fatalf("%d sessions, want 1", len(res.Sessions))
	}
	s := res.Sessions[0]
	if len(s.Messages) != 6 || s.Retransmits != 0 {
		t.Errorf("%d messages, %d retransmissions; want 6 and 0", len(s.Messages), s.Retransmits)
	}
	var errs []string
	for _, f := range res.Findings {
		if f.Severity == analyze.Error {
			errs = append(errs, f.Code+" "+strings.Join(f.LostBetween, " "))
		}
	}
	if len(errs) != 1 || !strings.HasPrefix(errs[0], analyze.CodeESPOneWay+" ") || !strings.HasSuffix(errs[0], " two-esp-oneway.gw-a.pcap") {
		t.Errorf("errors %q, want one esp-one-way that never reached gw-a", errs)
	}
}

// Two captures of one tunnel where the second is not whole: begun late (after the
// request's first copy) it shares every copy it has and keeps its clock in step; ended
// early, the copies sent after its last packet are not dropped: the responder answered
// the request (its answers are what does not get through), so the path to it works.
func TestTwoCapturesCut(t *testing.T) {
	cut := func(name string, from, to int) ([]decode.Message, []analyze.Fingerprint) {
		return cutStream(t, name, from, to)
	}
	for _, tc := range []struct {
		label          string
		bFrom, bTo     int
		wantNoResponse analyze.Severity // 0: none
	}{
		{"B begun late", 2, 0, 0},
		{"B ended early", 1, 4, 0},
	} {
		am, afp := cut("two-reply-dropped.gw-a.pcap", 1, 0)
		bm, bfp := cut("two-reply-dropped.gw-b.pcap", tc.bFrom, tc.bTo)
		srcs := []analyze.Source{
			&sliceSource{name: "a", msgs: am, stats: streamStats(am)},
			&sliceSource{name: "b", msgs: bm, stats: streamStats(bm)},
		}
		a := analyze.New(analyze.Options{})
		offsets := a.LineUp([]string{"a", "b"}, [][]analyze.Fingerprint{afp, bfp})
		if d := offsets[1]; d < -time.Millisecond || d > time.Millisecond {
			t.Errorf("%s: clock offset %v, want within 1 ms", tc.label, d)
		}
		a.FeedMerged(srcs, offsets, nil)
		out := a.Finish()
		f := findCode(out, analyze.CodeNoResponse)
		switch {
		case tc.wantNoResponse == 0 && f != nil:
			t.Errorf("%s: %s %s", tc.label, f.Severity, f.Summary)
		case tc.wantNoResponse != 0 && (f == nil || f.Severity != tc.wantNoResponse):
			t.Errorf("%s: no-response %+v, want %s", tc.label, f, tc.wantNoResponse)
		}
		if findCode(out, analyze.CodeReplyNotReaching) == nil {
			t.Errorf("%s: no reply-not-reaching", tc.label)
		}
	}
}

// cutStream is a capture of pcaps/ from frame from to frame to (0: its end), as messages
// and fingerprints (cut in the test, not recorded).
func cutStream(t *testing.T, name string, from, to int) ([]decode.Message, []analyze.Fingerprint) {
	t.Helper()
	var msgs []decode.Message
	var fps []analyze.Fingerprint
	for _, m := range pcapStream(t, name).Msgs {
		if m.Frame >= from && (to == 0 || m.Frame <= to) {
			msgs = append(msgs, m)
			if fp, ok := analyze.FingerprintOf(&m); ok {
				fps = append(fps, fp)
			}
		}
	}
	return msgs, fps
}

// TestCapturePointsBegunLate: a second capture point that began while a message was
// being retransmitted holds fewer copies of it, and a different number of copies of
// each message. Byte-identical copies are told apart by their IP identification:
// two-reply-dropped's router capture from frame 6 (the second answer on) lines up with
// gw-b's clock, not six seconds off. two-frag-dropped's gw-a from frame 5 (the first
// IKE_AUTH copy on UDP 4500 on) with gw-b's (IKE_SA_INIT on UDP 500 only) is one
// session that moved to UDP 4500, not a NAT traversal that never happened, in either
// order.
func TestCapturePointsBegunLate(t *testing.T) {
	together := func(parts ...struct {
		name     string
		from, to int
	}) (*analyze.Result, []time.Duration) {
		var srcs []analyze.Source
		var names []string
		var prints [][]analyze.Fingerprint
		for _, p := range parts {
			msgs, fps := cutStream(t, p.name, p.from, p.to)
			srcs = append(srcs, &sliceSource{name: p.name, msgs: msgs, stats: streamStats(msgs)})
			names = append(names, p.name)
			prints = append(prints, fps)
		}
		a := analyze.New(analyze.Options{})
		offsets := a.LineUp(names, prints)
		a.FeedMerged(srcs, offsets, nil)
		return a.Finish(), offsets
	}
	type part = struct {
		name     string
		from, to int
	}
	for _, pair := range [][2]part{
		{{"two-reply-dropped.gw-b.pcap", 1, 0}, {"two-reply-dropped.router.pcap", 6, 0}},
		// The late one first: its copies are the fewer.
		{{"two-reply-dropped.gw-b.pcap", 6, 0}, {"two-reply-dropped.gw-a.pcap", 1, 0}},
		{{"two-reply-dropped.router.pcap", 9, 0}, {"two-reply-dropped.gw-a.pcap", 1, 0}},
	} {
		res, offsets := together(pair[0], pair[1])
		if offsets[1] < -time.Millisecond || offsets[1] > time.Millisecond {
			t.Errorf("%s from frame %d with %s: clock offset %v, want within 1 ms", pair[0].name, pair[0].from, pair[1].name, offsets[1])
		}
		if f := findCode(res, analyze.CodeNoResponse); f != nil {
			t.Errorf("%s from frame %d with %s: %s", pair[0].name, pair[0].from, pair[1].name, f.Summary)
		}
	}
	b, a := part{"two-frag-dropped.gw-b.pcap", 1, 0}, part{"two-frag-dropped.gw-a.pcap", 5, 0}
	for _, order := range [][]part{{b, a}, {a, b}} {
		res, _ := together(order...)
		if f := findCode(res, analyze.CodeNATTProblem); f != nil {
			t.Errorf("%s first: %s %s", order[0].name, f.Severity, f.Summary)
		}
		if findCode(res, analyze.CodeFragmentsLost) == nil {
			t.Errorf("%s first: no ike-fragments-lost: %s", order[0].name, codesOf(res.Findings))
		}
		if len(res.Sessions) != 1 || res.Sessions[0].Initiator.Port() != 4500 {
			t.Errorf("%s first: sessions %d, want one, its initiator on UDP 4500", order[0].name, len(res.Sessions))
		}
	}
}

// TestRouterPointAmongOthers: a router's capture holds each forwarded packet twice, and
// B's ESP in two-esp-oneway once (it drops it). Given with B's own capture, which saw
// that ESP leave, the router point is still read on its own: one way, in either order.
// two-nat's router sees A's ESP before and after its NAT: twice, so no finding.
func TestRouterPointAmongOthers(t *testing.T) {
	for _, names := range [][]string{
		{"two-esp-oneway.gw-b.pcap", "two-esp-oneway.router.pcap"},
		{"two-esp-oneway.router.pcap", "two-esp-oneway.gw-b.pcap"},
	} {
		f := findCode(analyzeTogether(t, names, nil), analyze.CodeESPOneWay)
		if f == nil || !strings.Contains(f.Summary, "two-esp-oneway.router.pcap holds each packet twice") || !strings.Contains(f.Summary, "the responder's 5 ESP packets once each") {
			t.Errorf("%v: esp-one-way %+v, want the router point's ESP of the responder once", names, f)
		}
	}
	for _, names := range [][]string{{"two-nat.gw-a.pcap", "two-nat.router.pcap"}, {"two-nat.gw-b.pcap", "two-nat.router.pcap"}} {
		if f := findCode(analyzeTogether(t, names, nil), analyze.CodeESPOneWay); f != nil {
			t.Errorf("%v: %s", names, f.Summary)
		}
	}
}

package analyze_test

import (
	"encoding/binary"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/decode"
)

// saInit builds an IKE_SA_INIT request from a fresh initiator SPI.
func saInit(i int, t time.Time) *decode.Message {
	x := &decode.ISAKMP{MajorVersion: 2, ExchangeType: 34, Flags: decode.FlagInitiator, Length: 28}
	binary.BigEndian.PutUint64(x.InitiatorSPI[:], uint64(i)+1)
	x.Contents = append([]byte(nil), x.InitiatorSPI[:]...)
	return &decode.Message{
		Frame: i + 1, Time: t, Kind: decode.KindISAKMP, ISAKMP: x,
		Src: netip.AddrPortFrom(netip.AddrFrom4([4]byte{203, 0, 113, byte(i)}), 500),
		Dst: netip.MustParseAddrPort("192.0.2.2:500"),
	}
}

// A flood of half-open SAs from random SPIs must not grow state without bound: past the
// cap new SAs are counted, not kept, and a finding says so.
func TestHalfOpenFloodIsCapped(t *testing.T) {
	a := analyze.New(analyze.Options{MaxOpen: 100})
	start := time.Unix(1700000000, 0)
	for i := 0; i < 5000; i++ {
		a.Add(saInit(i, start.Add(time.Duration(i)*time.Millisecond)))
	}
	res := a.Finish()
	if len(res.Sessions) != 100 {
		t.Errorf("%d sessions kept, want the cap of 100", len(res.Sessions))
	}
	var limit *analyze.Finding
	for i := range res.Findings {
		if res.Findings[i].Code == analyze.CodeStateLimit {
			limit = &res.Findings[i]
		}
	}
	if limit == nil || limit.Severity != analyze.Warning || len(limit.Frames) == 0 || limit.Frames[0] != 101 {
		t.Fatalf("state-limit finding %+v, want a warning starting at frame 101", limit)
	}
}

// Over a long capture, sessions that went quiet are finished and (with Evict, as live
// capture runs) dropped, so what is held follows the live SAs, not the capture's length.
func TestIdleSessionsAreEvicted(t *testing.T) {
	var findings int
	a := analyze.New(analyze.Options{Evict: true, IdleTimeout: time.Minute, OnFinding: func(analyze.Finding) { findings++ }})
	start := time.Unix(1700000000, 0)
	for i := 0; i < 3000; i++ {
		// One new half-open SA every 10 s for over 8 hours.
		a.Add(saInit(i, start.Add(time.Duration(i)*10*time.Second)))
	}
	res := a.Finish()
	// Held: the SAs of the last idle timeout, plus finished ones awaiting the next compaction.
	if len(res.Sessions) > 6+64 {
		t.Errorf("%d sessions still held after 8 hours of one-off SAs, want only the last few", len(res.Sessions))
	}
	if findings < 2900 {
		t.Errorf("%d findings reported as they happened, want one no-response per finished SA", findings)
	}
}

// One IKE_SA_INIT retransmitted a hundred thousand times is one session with one
// finding that cites its first and last copies and counts the rest.
func TestRetransmissionStormIsBounded(t *testing.T) {
	a := analyze.New(analyze.Options{})
	start := time.Unix(1700000000, 0)
	for i := 0; i < 100000; i++ {
		m := saInit(0, start.Add(time.Duration(i)*10*time.Millisecond))
		m.Frame = i + 1
		a.Add(m)
	}
	res := a.Finish()
	if len(res.Sessions) != 1 || len(res.Findings) != 1 {
		t.Fatalf("%d sessions, %d findings; want 1 and 1", len(res.Sessions), len(res.Findings))
	}
	f := res.Findings[0]
	if len(f.Summary) > 1000 {
		t.Errorf("summary of %d bytes: %.200s…", len(f.Summary), f.Summary)
	}
	if f.Code != analyze.CodeNoResponse || len(f.Evidence) != 20 || f.FramesOmitted != 100000-20 || f.Evidence[19].Frame != 100000 {
		t.Errorf("%s with %d frames cited (last %v), %d omitted; want no-response citing 20 and omitting %d", f.Code, len(f.Evidence), f.Evidence[len(f.Evidence)-1], f.FramesOmitted, 100000-20)
	}
	if !strings.Contains(f.Summary, "100000 times") {
		t.Errorf("summary does not count the 100000 copies: %s", f.Summary)
	}
	// The copies after the 64th are one record: the latest, counting the others.
	s := res.Sessions[0]
	msgs := s.Exchanges[0].Messages
	last := msgs[len(msgs)-1]
	if len(msgs) != 65 || s.Retransmits != 99999 || last.Retransmit != 99999 || last.Folded != 100000-65 || last.FrameNumber != 100000 {
		t.Errorf("%d records, %d retransmissions; the last is retransmission %d of frame %d with %d folded in; want 65, 99999, 99999, 100000, %d",
			len(msgs), s.Retransmits, last.Retransmit, last.FrameNumber, last.Folded, 100000-65)
	}
}

// A gateway's day: a negotiation every 30 s (the strongSwan IKEv2 tunnel of
// pcaps/ikev2-psk.pcap replayed with fresh SPIs, ESP and its Delete), evicted as live
// capture does. What is held follows the live SAs, not the day's length.
func TestDayOfNegotiationsStaysFlat(t *testing.T) {
	s := loadStream(t, filepath.Join("..", "pcaps", "ikev2-psk.pcap"))
	a := analyze.New(analyze.Options{Evict: true})
	start := s.Msgs[0].Time
	maxOpen := 0
	const runs = 2880 // 24 h
	for run := 0; run < runs; run++ {
		shift := time.Duration(run) * 30 * time.Second
		for i := range s.Msgs {
			m := s.Msgs[i]
			m.Time = start.Add(shift + m.Time.Sub(start))
			m.Frame += run * 100
			if x := m.ISAKMP; x != nil {
				c := *x
				binary.BigEndian.PutUint32(c.InitiatorSPI[:4], uint32(run))
				if c.ResponderSPI != [8]byte{} {
					binary.BigEndian.PutUint32(c.ResponderSPI[:4], uint32(run))
				}
				c.Contents = append(append([]byte(nil), x.Contents...), byte(run), byte(run>>8))
				m.ISAKMP = &c
			}
			if m.Kind == decode.KindESP {
				m.ESP.SPI ^= uint32(run) << 8
			}
			a.Add(&m)
		}
		a.Advance(start.Add(shift + 29*time.Second))
		maxOpen = max(maxOpen, len(a.Open()))
	}
	res := a.Finish()
	// Each SA is deleted within its run; with the 10-minute idle timeout about 20 are
	// held at once.
	if maxOpen > 40 || len(res.Sessions) > 40+64 {
		t.Errorf("held %d sessions at most and %d at the end, over a day of %d SAs each deleted: memory grows with the day", maxOpen, len(res.Sessions), runs)
	}
}

// A finding about the input that the caller notes (live capture's dropped packets) is
// passed on at once and listed in the result with the analysis's own.
func TestCaptureDropsNoted(t *testing.T) {
	var said []analyze.Finding
	a := analyze.New(analyze.Options{OnFinding: func(f analyze.Finding) { said = append(said, f) }})
	a.StartCapture("live capture on eth0")
	a.Note(analyze.Finding{Code: analyze.CodeCaptureDrops, Severity: analyze.Warning, Summary: "dropped 12 packets"})
	res := a.Finish()
	count := func(fs []analyze.Finding) int {
		n := 0
		for _, f := range fs {
			if f.Code == analyze.CodeCaptureDrops && f.Frames != nil {
				n++
			}
		}
		return n
	}
	if count(said) != 1 || count(res.Findings) != 1 {
		t.Errorf("passed on %d, in the result %d; want the noted finding once in each", count(said), count(res.Findings))
	}
}

// An ESP packet of a flow the analysis knows, and traffic the analysis does not take,
// cost no allocation: a gateway's capture is mostly ESP.
func TestESPAllocs(t *testing.T) {
	a := analyze.New(analyze.Options{})
	start := time.Unix(1700000000, 0)
	a.Add(saInit(0, start))
	esp := &decode.Message{Kind: decode.KindESP, Time: start.Add(time.Second),
		Src: netip.AddrPortFrom(netip.MustParseAddr("203.0.113.0"), 0), Dst: netip.AddrPortFrom(netip.MustParseAddr("192.0.2.2"), 0),
		ESP: decode.ESPHeader{SPI: 0xc0ffee, Seq: 1, Len: 100}}
	a.Add(esp)
	seq := uint32(1)
	frame := 2
	allocs := testing.AllocsPerRun(1000, func() {
		seq++
		frame++
		esp.ESP.Seq, esp.Frame = seq, frame
		esp.Time = esp.Time.Add(time.Millisecond)
		a.Add(esp)
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per ESP packet of a known flow, want 0", allocs)
	}
}

// A storm of requests each answered (the answers never reach the initiator) is bounded
// as a storm of unanswered copies is: past 64 copies, each side's run is one record.
func TestAnsweredStormIsBounded(t *testing.T) {
	a := analyze.New(analyze.Options{})
	start := time.Unix(1700000000, 0)
	const n = 20000
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(i) * 100 * time.Millisecond)
		req := saInit(0, at)
		req.Frame = 2*i + 1
		a.Add(req)
		x := *req.ISAKMP
		x.Flags = decode.FlagResponse
		x.ResponderSPI = [8]byte{9, 9, 9, 9, 9, 9, 9, 9}
		x.Contents = append(append([]byte(nil), x.InitiatorSPI[:]...), x.ResponderSPI[:]...)
		resp := &decode.Message{Frame: 2*i + 2, Time: at.Add(time.Millisecond), Kind: decode.KindISAKMP, ISAKMP: &x,
			Src: req.Dst, Dst: req.Src}
		a.Add(resp)
	}
	res := a.Finish()
	if len(res.Sessions) != 1 {
		t.Fatalf("%d sessions, want 1", len(res.Sessions))
	}
	msgs := res.Sessions[0].Exchanges[0].Messages
	if len(msgs) > 2*66 {
		t.Errorf("%d records for %d copies each way, want each side's run folded past 64 copies", len(msgs), n)
	}
	var f *analyze.Finding
	for i := range res.Findings {
		if res.Findings[i].Code == analyze.CodeReplyNotReaching {
			f = &res.Findings[i]
		}
	}
	if f == nil || !strings.Contains(f.Summary, "20000 times") {
		t.Errorf("no reply-not-reaching counting every copy: %v", res.Findings)
	}
}

// An SA that checks its peer every 10 s for two days holds no more exchanges than its
// ladder shows: answered liveness checks past it are let go of, counted, and the findings
// are those of an analysis that keeps them all.
func TestLivenessChecksArePruned(t *testing.T) {
	const checks = 20000
	run := func(opts analyze.Options) *analyze.Result {
		a := analyze.New(opts)
		start := time.Unix(1700000000, 0)
		a.Add(saInit(0, start))
		for i := 1; i <= checks; i++ {
			at := start.Add(time.Duration(i) * 10 * time.Second)
			req := saInit(0, at)
			req.Frame = 2 * i
			x := *req.ISAKMP
			x.ExchangeType, x.MessageID = decode.ExchangeInformational, uint32(i)
			x.ResponderSPI = [8]byte{9, 9, 9, 9, 9, 9, 9, 9}
			x.Contents = binary.BigEndian.AppendUint32(append(append([]byte(nil), x.InitiatorSPI[:]...), x.ResponderSPI[:]...), uint32(i))
			req.ISAKMP = &x
			a.Add(req)
			y := x
			y.Flags = decode.FlagResponse
			y.Contents = append(append([]byte(nil), x.Contents...), 1)
			a.Add(&decode.Message{Frame: 2*i + 1, Time: at.Add(time.Millisecond), Kind: decode.KindISAKMP, ISAKMP: &y, Src: req.Dst, Dst: req.Src})
		}
		return a.Finish()
	}
	res := run(analyze.Options{})
	all := run(analyze.Options{MaxMessages: 3 * checks})
	s := res.Sessions[0]
	if len(s.Exchanges) > 1000+2 || s.ExchangesPruned < checks-1000 {
		t.Errorf("%d exchanges held, %d pruned, of %d; want at most the ladder's", len(s.Exchanges), s.ExchangesPruned, checks+1)
	}
	if a, b := codesOf(res.Findings), codesOf(all.Findings); a != b {
		t.Errorf("findings %s; keeping every exchange: %s", a, b)
	}
}

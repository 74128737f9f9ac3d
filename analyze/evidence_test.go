package analyze_test

// Each rule of the analysis engine kept by a test on real captures, changed in the test
// where the rule needs a capture nobody records that way (said at each test).

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/decode"
)

func pcapStream(t *testing.T, name string) *capStream {
	t.Helper()
	return loadStream(t, filepath.Join("..", "pcaps", name))
}

func findCode(res *analyze.Result, code string) *analyze.Finding {
	for i := range res.Findings {
		if res.Findings[i].Code == code {
			return &res.Findings[i]
		}
	}
	return nil
}

// A capture that begins at MM2 (strongSwan's Main Mode, cut in the test) names it MM2,
// knows the responder sent it, and blames nothing on an "unanswered MM1".
func TestLateStartNamesSteps(t *testing.T) {
	s := pcapStream(t, "ikev1-main-psk.pcap")
	for cut, want := range map[int]string{
		1: "MM2 MM3 MM4 MM5 MM6 QM1 QM2 QM3",
		2: "MM3 MM4 MM5 MM6 QM1 QM2 QM3",
		3: "MM4 MM5 MM6 QM1 QM2 QM3",
	} {
		msgs := cutAt(s.Msgs, cut)
		res := analyzeStream(s.Name, msgs, streamStats(msgs), analyze.Options{})
		if len(res.Sessions) != 1 {
			t.Fatalf("cut at %d: %d sessions, want 1", cut, len(res.Sessions))
		}
		ses := res.Sessions[0]
		var steps []string
		for _, m := range ses.Messages[:min(8-cut+1, len(ses.Messages))] {
			steps = append(steps, m.Step.String())
		}
		if got := strings.Join(steps, " "); got != want {
			t.Errorf("cut at %d: steps %q, want %q", cut, got, want)
		}
		if ses.Initiator.Addr().String() != "192.0.2.1" || !ses.RolesKnown {
			t.Errorf("cut at %d: initiator %s (roles known %v), want 192.0.2.1, known", cut, ses.Initiator, ses.RolesKnown)
		}
		if ses.Failed || !strings.HasPrefix(ses.State, "established") {
			t.Errorf("cut at %d: state %q failed=%v, want established", cut, ses.State, ses.Failed)
		}
	}
}

// An initiator that refuses MM2 with NO-PROPOSAL-CHOSEN and then goes on with MM3 (it
// accepted the responder's retransmitted MM2) brought the SA up: the refusal is a
// warning that says so, not a failure. The Informational is built in the test and put
// after frame 2 of a real Main Mode.
func TestLaterEvidenceWins(t *testing.T) {
	s := pcapStream(t, "ikev1-main-psk.pcap")
	mm2 := s.Msgs[1]
	refusal := decode.Message{Frame: mm2.Frame, Time: mm2.Time.Add(time.Millisecond), Kind: decode.KindISAKMP,
		Src: mm2.Dst, Dst: mm2.Src}
	x := &decode.ISAKMP{MajorVersion: 1, ExchangeType: decode.ExchangeInformationalV1, Length: 40,
		InitiatorSPI: mm2.ISAKMP.InitiatorSPI, ResponderSPI: mm2.ISAKMP.ResponderSPI, MessageID: 0x1234}
	x.Payloads = []decode.Payload{{Type: decode.PayloadV1Notify, Notify: &decode.Notify{ProtocolID: 1, Type: decode.NotifyNoProposalChosen}}}
	x.Contents = []byte("informational refusing MM2")
	refusal.ISAKMP = x
	msgs := append(append(append([]decode.Message{}, s.Msgs[:2]...), refusal), s.Msgs[2:]...)
	res := analyzeStream(s.Name, msgs, streamStats(msgs), analyze.Options{})
	f := findCode(res, analyze.CodeNoProposalChosen)
	if f == nil {
		t.Fatal("no no-proposal-chosen finding for the refusal")
	}
	if f.Severity != analyze.Warning || !strings.Contains(f.Summary, "completed anyway") {
		t.Errorf("refusal refuted by the completed Main Mode: %s %q, want a warning that says it completed", f.Severity, f.Summary)
	}
	if ses := res.Sessions[0]; ses.Failed || ses.State != "established, ESP flowing, then deleted by the initiator" {
		t.Errorf("state %q failed=%v, want established and not failed", ses.State, ses.Failed)
	}
}

// A negotiation the capture simply stops in is not "failed": it says where the capture
// ended, and nothing about it is an error.
func TestCaptureEndsIsNotFailure(t *testing.T) {
	s := pcapStream(t, "ikev2-psk.pcap")
	msgs := s.Msgs[:2] // IKE_SA_INIT request and response: the capture stops there
	res := analyzeStream(s.Name, msgs, streamStats(msgs), analyze.Options{})
	ses := res.Sessions[0]
	if ses.Failed || ses.State != "capture ends after IKE_SA_INIT response" {
		t.Errorf("state %q failed=%v, want \"capture ends after IKE_SA_INIT response\", not failed", ses.State, ses.Failed)
	}
	for _, f := range res.Findings {
		if f.Severity == analyze.Error {
			t.Errorf("error finding on a capture that just ends: %s %q", f.Code, f.Summary)
		}
	}
}

// The capture's clock runs on every frame: Phase 1 done and 8 s more of capture (of any
// traffic) without Quick Mode is phase2-missing; 1 s is not enough to say. Main Mode of
// a real capture, with the capture's end set in the test.
func TestCaptureClockRunsOnEveryFrame(t *testing.T) {
	s := pcapStream(t, "ikev1-main-psk.pcap")
	msgs := s.Msgs[:6] // MM1..MM6
	for after, want := range map[time.Duration]bool{time.Second: false, 8 * time.Second: true} {
		st := streamStats(msgs)
		st.First, st.Last = msgs[0].Time, msgs[5].Time.Add(after)
		res := analyzeStream(s.Name, msgs, st, analyze.Options{})
		if got := findCode(res, analyze.CodePhase2Missing) != nil; got != want {
			t.Errorf("capture going on %s after MM6: phase2-missing %v, want %v", after, got, want)
		}
		if d := res.Captures[0].Duration; d < after {
			t.Errorf("capture duration %s, want at least %s", d, after)
		}
	}
}

// An IKEv2 IKE SA rekeyed by CREATE_CHILD_SA (strongSwan, frames 33-36) is linked to its
// successor, without keys from the new SPIs appearing right after, with keys exactly;
// the CHILD_SA rekey is a rekey, not a delete.
func TestRekeyLinksSuccessor(t *testing.T) {
	dir := filepath.Join("..", "pcaps")
	// With keys both Deletes of the CHILD_SA rekey are read: the initiator's request
	// and the responder's answer (frames 21, 22); without, the answer is opaque.
	timelines := []string{"up child-up dpd dpd child-rekeyed deleted rekeyed deleted", "up child-up dpd dpd child-rekeyed deleted deleted rekeyed deleted"}
	for i, keys := range [][]string{nil, {filepath.Join(dir, "ikev2-rekey.initiator.log")}} {
		res := analyzeFile(t, filepath.Join(dir, "ikev2-rekey.pcap"), keys...)
		if len(res.Sessions) != 2 {
			t.Fatalf("keys %v: %d sessions, want 2", keys, len(res.Sessions))
		}
		old, succ := res.Sessions[0], res.Sessions[1]
		if old.RekeyedTo != succ.ID || succ.RekeyedFrom != old.ID {
			t.Errorf("keys %v: rekeyed_to %d, rekeyed_from %d, want %d and %d", keys, old.RekeyedTo, succ.RekeyedFrom, succ.ID, old.ID)
		}
		var kinds []string
		for _, e := range old.Timeline {
			kinds = append(kinds, string(e.Kind))
		}
		if got, want := strings.Join(kinds, " "), timelines[i]; got != want {
			t.Errorf("keys %v: timeline %q, want %q", keys, got, want)
		}
		if old.Failed || succ.Failed {
			t.Errorf("keys %v: a rekey failed a session: %q / %q", keys, old.State, succ.State)
		}
	}
}

// Captures given together keep their own clocks: a capture that ends right after its
// negotiation does not borrow the hours of a later one and gain an esp-missing.
func TestCapturesKeepTheirClocks(t *testing.T) {
	first := pcapStream(t, "ikev2-psk.pcap")
	msgs := first.Msgs[:4] // IKE_SA_INIT, IKE_AUTH: the capture stops before any ESP
	later := pcapStream(t, "ikev1-main-psk.pcap")
	a := analyze.New(analyze.Options{})
	a.StartCapture("first")
	for i := range msgs {
		m := msgs[i]
		a.Add(&m)
	}
	a.EndCapture(streamStats(msgs))
	a.StartCapture("later")
	for i := range later.Msgs {
		m := later.Msgs[i]
		m.Time = m.Time.Add(6 * time.Hour)
		a.Add(&m)
	}
	a.EndCapture(streamStats(later.Msgs))
	res := a.Finish()
	for _, f := range res.Findings {
		if f.Session == 1 && f.Code == analyze.CodeESPMissing {
			t.Errorf("the first capture borrowed the later one's clock: %q", f.Summary)
		}
	}
}

// Live capture hears a conclusion the moment it is known and hears it again when later
// packets change it: an IKE_SA_INIT unanswered for 30 s is no-response, and when the
// answer and the rest of the negotiation then arrive the finding is withdrawn. The
// strongSwan negotiation is delayed by 30 s in the test.
func TestLiveFindingsAreWithdrawn(t *testing.T) {
	s := pcapStream(t, "ikev2-psk.pcap")
	var events []analyze.Finding
	a := analyze.New(analyze.Options{OnFinding: func(f analyze.Finding) { events = append(events, f) }})
	a.StartCapture(s.Name)
	first := s.Msgs[0]
	a.Add(&first)
	a.Advance(first.Time.Add(30 * time.Second))
	for i := 1; i < len(s.Msgs); i++ {
		m := s.Msgs[i]
		m.Time = m.Time.Add(30 * time.Second)
		a.Add(&m)
	}
	a.EndCapture(streamStats(s.Msgs))
	res := a.Finish()
	var said, withdrawn bool
	for _, f := range events {
		if f.Code == analyze.CodeNoResponse {
			said = said || !f.Withdrawn && f.Severity == analyze.Error
			withdrawn = withdrawn || f.Withdrawn
		}
	}
	if !said || !withdrawn {
		t.Errorf("no-response said %v, withdrawn %v; want both (events %+v)", said, withdrawn, events)
	}
	if findCode(res, analyze.CodeNoResponse) != nil || res.Sessions[0].Failed {
		t.Errorf("the final result still holds the refuted no-response: %q", res.Sessions[0].State)
	}
}

// ESP both ways, then the responder's stops while the initiator goes on sending: the
// return traffic is lost, said while it happens. strongSwan's tunnel of
// pcaps/ikev2-psk.pcap, the responder's ESP cut after its second packet and the
// initiator's continued for 15 s, in the test.
func TestESPThatStops(t *testing.T) {
	s := pcapStream(t, "ikev2-psk.pcap")
	var msgs []decode.Message
	var fromR int
	var lastI decode.Message
	for _, m := range s.Msgs {
		if m.Kind == decode.KindESP && m.Src.Addr().String() == "192.0.2.2" {
			if fromR++; fromR > 2 {
				continue
			}
		}
		if m.Kind == decode.KindESP && m.Src.Addr().String() == "192.0.2.1" {
			lastI = m
		}
		if m.Kind == decode.KindISAKMP && m.ISAKMP.ExchangeType == decode.ExchangeInformational {
			continue // no Delete: the tunnel is meant to be up
		}
		msgs = append(msgs, m)
	}
	for i := 1; i <= 15; i++ {
		m := lastI
		m.Time = m.Time.Add(time.Duration(i) * time.Second)
		m.ESP.Seq += uint32(i)
		m.Frame = 100 + i
		msgs = append(msgs, m)
	}
	res := analyzeStream(s.Name, msgs, streamStats(msgs), analyze.Options{})
	f := findCode(res, analyze.CodeESPOneWay)
	if f == nil || f.Severity != analyze.Error || !strings.Contains(f.Summary, "ESP from the responder stopped") {
		t.Fatalf("finding %+v, want esp-one-way: the responder's ESP stopped", f)
	}
}

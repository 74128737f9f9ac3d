package analyze_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/decode/ikecrypt"
)

// concatenated analyses capture a, then capture b starting gap after a's last packet,
// as one capture (made in the test, not recorded so), decrypted with the keys of the
// daemon logs given.
func concatenated(t *testing.T, a, b string, gap time.Duration, logs ...string) *analyze.Result {
	t.Helper()
	sa, sb := loadStream(t, pcap(a)), loadStream(t, pcap(b))
	msgs := concatStreams(sa.Msgs, sb.Msgs, max(sa.Stats.Frames, lastFrame(sa.Msgs)), gap)
	if len(logs) == 0 {
		return analyzeStream(a+"+"+b, msgs, streamStats(msgs), analyze.Options{})
	}
	var files []string
	for _, l := range logs {
		files = append(files, pcap(l))
	}
	dec := ikecrypt.NewDecrypter(loadKeys(t, files...))
	an := analyze.New(analyze.Options{})
	an.StartCapture(a + "+" + b)
	for i := range msgs {
		m := msgs[i]
		dec.Open(&m)
		an.Add(&m)
	}
	an.EndCapture(streamStats(msgs))
	return an.Finish()
}

// TestLaterSuccess: a failed negotiation followed by one between the same ends that
// came up is history, said as a warning that names the later session; the later
// session's ESP is not "an SA made before the capture". A tunnel up, deleted, and then
// a new attempt unanswered is down at the end: that attempt stays an error, and is no
// collision with the deleted SA (the same host started both).
func TestLaterSuccess(t *testing.T) {
	for _, gap := range []time.Duration{time.Second, time.Minute, time.Hour} {
		res := concatenated(t, "ikev2-psk-mismatch.pcap", "ikev2-psk.pcap", gap)
		if len(res.Sessions) != 2 {
			t.Fatalf("%v: %d sessions, want 2", gap, len(res.Sessions))
		}
		f := findCode(res, analyze.CodeAuthFailed)
		switch {
		case f == nil:
			t.Errorf("%v: no auth-failed: %s", gap, codesOf(res.Findings))
		case f.Severity != analyze.Warning || !strings.Contains(f.Summary, "A later negotiation between the same peers came up") || !strings.Contains(f.Summary, "session 2 (frame"):
			t.Errorf("%v: auth-failed %v: %s", gap, f.Severity, f.Summary)
		case strings.Contains(f.Summary, "meets the same refusal"):
			t.Errorf("%v: the later session's ESP is read as an older SA's: %s", gap, f.Summary)
		}
		if st := res.Sessions[0].State; st != "not established (auth-failed at IKE_AUTH response), then session 2 came up" {
			t.Errorf("%v: session 1 state %q", gap, st)
		}
		if hasError(res) || res.Sessions[0].Failed {
			t.Errorf("%v: an error remains: %s", gap, codesOf(res.Findings))
		}
	}

	// Up, deleted, then unanswered: the tunnel is down at the end.
	res := concatenated(t, "two-healthy.gw-a.pcap", "two-reply-dropped.gw-a.pcap", 13*time.Second)
	if len(res.Sessions) != 2 {
		t.Fatalf("up then unanswered: %d sessions, want 2", len(res.Sessions))
	}
	s := res.Sessions[1]
	if s.State != "failed at IKE_SA_INIT request: no-response" || !s.Failed {
		t.Errorf("up then unanswered: session 2 state %q failed %v", s.State, s.Failed)
	}
	if f := findCode(res, analyze.CodeNoResponse); f == nil || f.Severity != analyze.Error || strings.Contains(f.Summary, "the other way") {
		t.Errorf("up then unanswered: no-response %+v", f)
	} else if !strings.Contains(f.Summary, "No message from 198.51.100.2 for this SA, though it sent messages of session 1") {
		t.Errorf("up then unanswered: no-response does not say the responder was heard in session 1: %s", f.Summary)
	}

	// A failure after a success between the same ends stays an error.
	res = concatenated(t, "ikev2-psk.pcap", "ikev2-psk-mismatch.pcap", time.Minute)
	if f := findCode(res, analyze.CodeAuthFailed); f == nil || f.Severity != analyze.Error || strings.Contains(f.Summary, "later negotiation") {
		t.Errorf("success then failure: auth-failed %+v", f)
	}
}

// TestLaterSuccessNeedsATunnel: a later session that brought up its IKE SA but no
// CHILD_SA (traffic selectors refused) is no tunnel: the earlier failure stays an error.
func TestLaterSuccessNeedsATunnel(t *testing.T) {
	res := concatenated(t, "ikev2-psk-mismatch.pcap", "ikev2-ts-unacceptable.pcap", 5*time.Second)
	if f := findCode(res, analyze.CodeAuthFailed); f == nil || f.Severity != analyze.Error || strings.Contains(f.Summary, "came up") {
		t.Errorf("auth-failed %+v", f)
	}
	// XAUTH refused (read with keys), then a session that made an IPsec SA: Phase 1 up is
	// no tunnel, so the refusal is history (a warning), and the state says what came up.
	res = concatenated(t, "ikev1-xauth-wrong-password.pcap", "ikev1-xauth-psk.pcap", 5*time.Second, "ikev1-xauth-wrong-password.initiator.log")
	if f := findCode(res, analyze.CodeUserAuthFailed); f == nil || !strings.Contains(f.Summary, "XAUTH_STATUS = FAIL") {
		t.Fatalf("xauth refused then up: user-auth-failed %+v", f)
	}
	s := res.Sessions[0]
	if s.Failed || !strings.HasSuffix(s.State, ", then session 3 came up") {
		t.Errorf("xauth refused then up: session 1 failed %v state %q", s.Failed, s.State)
	}
}

// TestLaterSuccessSameTunnel: what came up later must be the same tunnel. An IKEv2 SA up
// after an IKEv1 failure is another connection; a proxy-ID refusal concerns one pair of
// subnets, which a later tunnel may not carry; the Phase 2 proposals of a later IKE SA
// are not compared with an earlier one's. An IKE_SA_INIT refused on port 500, then an SA
// up on 4500 (after NAT detection), is the same ends.
func TestLaterSuccessSameTunnel(t *testing.T) {
	res := concatenated(t, "ikev1-main-psk-mismatch.pcap", "ikev2-psk.pcap", 2*time.Second)
	if f := findCode(res, analyze.CodeAuthFailed); f == nil || f.Severity != analyze.Error {
		t.Errorf("IKEv1 failure, then IKEv2 up: auth-failed %+v", f)
	}
	res = concatenated(t, "ikev1-proxyid-mismatch-both.pcap", "ikev1-main-psk.pcap", 2*time.Second,
		"ikev1-proxyid-mismatch-both.initiator.log", "ikev1-main-psk.initiator.log")
	if s := res.Sessions[0]; !s.Failed || strings.Contains(s.State, "came up") {
		t.Errorf("proxy IDs refused, then a tunnel: session 1 failed %v state %q", s.Failed, s.State)
	}
	if f := findCode(res, analyze.CodeProposalDiff); f != nil {
		t.Errorf("proposals of two IKE SAs compared: %s", f.Summary)
	}
	res = concatenated(t, "ikev2-no-proposal.pcap", "ikev2-psk.pcap", 2*time.Second)
	if f := findCode(res, analyze.CodeNoProposalChosen); f == nil || f.Severity != analyze.Warning {
		t.Errorf("refused on 500, then up on 4500: no-proposal-chosen %+v", f)
	}
}

// TestIKERekeyThenQuiet: ikev2-rekey rekeys its IKE SA at frames 33/34 and deletes the
// old one (35); its CHILD_SAs' ESP goes on. A quiet quarter of an hour after that
// (frames from 41 on moved 15 min later, in the test) finishes the old SA as idle before
// the new one speaks: the old SA must still read as rekeyed into the new one, not as a
// CHILD_SA rekey and a teardown. Cut at frame 40, before the new SA speaks at all, the
// rekey still shows: ESP went on after the old SA's Delete, which only a rekey allows.
func TestIKERekeyThenQuiet(t *testing.T) {
	// As the command runs it: each session handed over when the analysis is done with it.
	r, err := decode.Open(shiftedFrom(t, "ikev2-rekey.pcap", 41, 15*time.Minute, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var done []*analyze.Session
	a := analyze.New(analyze.Options{Implementations: true, OnDone: func(s *analyze.Session, _ []analyze.Finding) { done = append(done, s) }})
	a.StartCapture("ikev2-rekey-quiet")
	for r.Next() {
		a.Add(r.Message())
	}
	a.EndCapture(r.Stats())
	a.Finish()
	slices.SortFunc(done, func(x, y *analyze.Session) int { return x.ID - y.ID })
	if len(done) != 2 {
		t.Fatalf("%d sessions, want 2", len(done))
	}
	if st := done[0].State; !strings.Contains(st, "IKE SA rekeyed into session 2") || strings.Contains(st, "deleted") {
		t.Errorf("quiet after the rekey: session 1 state %q", st)
	}
	res := analyzeFile(t, shiftedFrom(t, "ikev2-rekey.pcap", 41, 15*time.Minute, 40))
	s := res.Sessions[0]
	if !strings.Contains(s.State, "IKE SA rekeyed (the new SA silent in the capture)") || strings.Contains(s.State, "deleted") || s.Phase2Done != 2 {
		t.Errorf("cut before the new SA speaks: state %q, %d CHILD_SAs", s.State, s.Phase2Done)
	}
	if !slices.ContainsFunc(s.Timeline, func(e analyze.Event) bool { return e.Kind == analyze.EventRekeyed && e.Frame == 34 }) {
		t.Errorf("cut before the new SA speaks: no IKE SA rekey at frame 34 in %+v", s.Timeline)
	}
}

// TestRefusalThenLaterTunnel: ikev2-ts-unacceptable (CHILD_SA refused) and then, 10 s
// later, ikev2-psk between the same gateways, as one capture (made in the test). The
// ESP after the refusal is the later negotiation's, not an older SA's that still
// carries the tunnel.
func TestRefusalThenLaterTunnel(t *testing.T) {
	res := concatenated(t, "ikev2-ts-unacceptable.pcap", "ikev2-psk.pcap", 10*time.Second)
	var got *analyze.Finding
	for i := range res.Findings {
		if f := &res.Findings[i]; f.Session == 1 && f.Code == analyze.CodePhase2Stalled {
			got = f
		}
	}
	if got == nil {
		t.Fatalf("no phase2-stalled for session 1: %v", res.Findings)
	}
	if strings.Contains(got.Summary, "still carries the traffic") || !strings.Contains(got.Summary, "is a later negotiation's: session 2") {
		t.Errorf("summary %q", got.Summary)
	}
}

// TestCaptureBeginsAtIKERekey: ikev2-rekey from frame 33 on (cut in the test) begins
// with the CREATE_CHILD_SA that rekeys the IKE SA: the old SA was up before the capture
// and was rekeyed, not "up with no CHILD_SA".
func TestCaptureBeginsAtIKERekey(t *testing.T) {
	res := analyzeFile(t, fromFrame(t, "ikev2-rekey.pcap", 33))
	if st := res.Sessions[0].State; st != "IKE SA up (negotiated before the capture), IKE SA rekeyed into session 2" {
		t.Errorf("session 1 state %q", st)
	}
}

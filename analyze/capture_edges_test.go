package analyze_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/internal/decodetest"
)

// TestFragmentsCutByCaptureEnd: ikev2-cert-ipfrag cut in the test after the first IP
// fragment of IKE_AUTH (frame 3), or of its answer (frame 5): the rest follows within
// microseconds in the recording, so the capture's end, not the path, is why it is
// missing. A warning that says so, not an error; the recording whole has neither, and
// ikev2-ipfrag-lost, whose fragments the path drops while the capture runs on, keeps
// its error.
func TestFragmentsCutByCaptureEnd(t *testing.T) {
	for _, n := range []int{3, 5} {
		res := analyzeFile(t, firstFrames(t, pcap("ikev2-cert-ipfrag.pcap"), n))
		f := findCode(res, analyze.CodeFragmentsLost)
		if f == nil || f.Severity != analyze.Warning || hasError(res) {
			t.Errorf("first %d frames: fragments finding %+v (want a warning, no error):%s", n, f, sessionList(res))
		}
	}
	if f := findCode(analyzeFile(t, pcap("ikev2-ipfrag-lost.pcap")), analyze.CodeFragmentsLost); f == nil || f.Severity != analyze.Error {
		t.Errorf("ikev2-ipfrag-lost: %+v, want an error", f)
	}
}

// firstFrames writes the first n frames of a capture to a file of its own.
func firstFrames(t *testing.T, path string, n int) string {
	t.Helper()
	frames, link := decodetest.ReadFrames(t, path)
	out := filepath.Join(t.TempDir(), "cut.pcap")
	decodetest.WriteFrames(t, out, link, 65535, false, frames[:min(n, len(frames))])
	return out
}

// TestMM5AnswerNeedsTime: a Main Mode whose MM5 is answered with an encrypted
// Informational tells a PSK mismatch (the initiator cannot read the answer and repeats
// MM5) from a refused identity (it reads it and gives up) only if the capture runs on
// long enough for a retransmission. ikev1-main-psk-mismatch cut in the test right after
// the Informational (frame 6) says it cannot tell; whole (MM5 repeated) it says the PSKs
// differ.
func TestMM5AnswerNeedsTime(t *testing.T) {
	for _, tc := range []struct {
		path, want string
	}{
		{firstFrames(t, pcap("ikev1-main-psk-mismatch.pcap"), 6), "too soon after it to see whether the initiator repeats MM5"},
		{pcap("ikev1-main-psk-mismatch.pcap"), ""},
	} {
		f := findCode(analyzeFile(t, tc.path), analyze.CodeAuthFailed)
		switch {
		case f == nil:
			t.Errorf("%s: no auth-failed", tc.path)
		case tc.want != "" && !strings.Contains(f.Summary, tc.want):
			t.Errorf("%s: %s", tc.path, f.Summary)
		case tc.want == "" && !strings.HasPrefix(f.Cause, "The pre-shared keys differ"):
			t.Errorf("%s: cause %q", tc.path, f.Cause)
		}
	}
}

// TestFirstAuthAnswerSmall: a short answer to the first IKE_AUTH after which the
// initiator goes no further while the capture goes on is a refused CHILD_SA or the first
// round of EAP (ikev2-eap-mschapv2 cut in the test after it, frame 4, and another
// gateway's packet 15 s later: made in the test); the recording whole is an EAP
// login that succeeds, and ikev2-ts-unacceptable, whose initiator goes on, keeps the
// refused CHILD_SA.
func TestFirstAuthAnswerSmall(t *testing.T) {
	// The capture goes on 15 s after frame 4 (a packet of another gateway's, from
	// roadwarriors, then), showing the client went no further.
	frames, link := decodetest.ReadFrames(t, pcap("ikev2-eap-mschapv2.pcap"))
	other, _ := decodetest.ReadFrames(t, pcap("roadwarriors.pcap"))
	later := other[0]
	later.CI.Timestamp = frames[3].CI.Timestamp.Add(15 * time.Second)
	path := filepath.Join(t.TempDir(), "went-on.pcap")
	decodetest.WriteFrames(t, path, link, 65535, false, append(append([]decodetest.Frame(nil), frames[:4]...), later))
	f := findCode(analyzeFile(t, path), analyze.CodePhase2Stalled)
	if f == nil || !strings.Contains(f.Summary, "or it is the first round of EAP") {
		t.Errorf("first 4 frames of ikev2-eap-mschapv2, then 15 s: %+v", f)
	}
	if f := findCode(analyzeFile(t, pcap("ikev2-eap-mschapv2.pcap")), analyze.CodePhase2Stalled); f != nil {
		t.Errorf("ikev2-eap-mschapv2: %s", f.Summary)
	}
	f = findCode(analyzeFile(t, pcap("ikev2-ts-unacceptable.pcap")), analyze.CodePhase2Stalled)
	if f == nil || strings.Contains(f.Summary, "EAP") {
		t.Errorf("ikev2-ts-unacceptable: %+v", f)
	}
}

// TestAnswerRepeatedOneWay: the responder's packets alone (kept in the test) of a
// negotiation whose answers never reach the initiator: the answer sent again and again
// with nothing after it is a warning that the exchange went no further, not silence
// (ikev1-reply-dropped: MM2 four times; two-reply-dropped.gw-b: IKE_SA_INIT answered
// four times).
func TestAnswerRepeatedOneWay(t *testing.T) {
	for _, name := range []string{"ikev1-reply-dropped.pcap", "two-reply-dropped.gw-b.pcap"} {
		cs := loadStream(t, pcap(name))
		var msgs []decode.Message
		for _, m := range cs.Msgs {
			if m.Src.Addr() != cs.Msgs[0].Src.Addr() {
				msgs = append(msgs, m)
			}
		}
		res := analyzeStream(name, msgs, streamStats(msgs), analyze.Options{})
		if f := findCode(res, analyze.CodeReplyNotReaching); f == nil || f.Severity != analyze.Warning || !strings.Contains(f.Summary, "4 times") {
			t.Errorf("%s, responder only: %+v", name, f)
		}
	}
}

// TestEAPAnswersOnly: the responder's packets alone (kept in the test) of an EAP login
// (ikev2-eap-mschapv2): each IKE_AUTH answer is another round, so the IKE SA comes up
// with the last (frame 12 of the recording, with the CHILD_SA its ESP then uses), not
// with the first EAP round's answer (frame 4, 'IKE SA up, no CHILD_SA').
func TestEAPAnswersOnly(t *testing.T) {
	cs := loadStream(t, pcap("ikev2-eap-mschapv2.pcap"))
	var msgs []decode.Message
	for _, m := range cs.Msgs {
		if m.Src.Addr() != cs.Msgs[0].Src.Addr() {
			msgs = append(msgs, m)
		}
	}
	res := analyzeStream("responder", msgs, streamStats(msgs), analyze.Options{})
	s := res.Sessions[0]
	var up []string
	for _, e := range s.Timeline {
		if e.Kind == analyze.EventUp || e.Kind == analyze.EventChildUp {
			up = append(up, fmt.Sprintf("%s@%d", e.Kind, e.Frame))
		}
	}
	if !s.Established || s.Phase2Done != 1 || !slices.Equal(up, []string{"up@12", "child-up@12"}) {
		t.Errorf("state %q, %d CHILD_SAs, timeline %v; want up with one CHILD_SA at frame 12", s.State, s.Phase2Done, up)
	}
}

// TestUnorderedFileHedged: a file whose packets go back in time, as one put together
// from pieces is. ikev1-no-response with another capture's first packet, an hour older,
// put at its end in the test: its no-response error says the missing answer is not in
// this file. ikev2-psk with its IKE_SA_INIT exchange moved after the rest in the test
// reads as one SA that came up, with no error.
func TestUnorderedFileHedged(t *testing.T) {
	cs := loadStream(t, pcap("ikev1-no-response.pcap"))
	other := loadStream(t, pcap("ikev2-psk.pcap")).Msgs[0]
	other.Time = cs.Msgs[0].Time.Add(-time.Hour)
	other.Frame = len(cs.Msgs) + 1
	msgs := append(slices.Clone(cs.Msgs), other)
	res := analyzeStream("unordered", msgs, streamStats(msgs), analyze.Options{})
	if f := findCode(res, analyze.CodeNoResponse); f == nil || f.Severity != analyze.Error || !strings.Contains(f.Summary, "Not in this file, which is not in time order") {
		t.Errorf("unordered: %+v", f)
	}
	if f := findCode(analyzeStream("ordered", cs.Msgs, cs.Stats, analyze.Options{}), analyze.CodeNoResponse); f == nil || strings.Contains(f.Summary, "time order") {
		t.Errorf("in order: %+v", f)
	}
	psk := loadStream(t, pcap("ikev2-psk.pcap")).Msgs
	msgs = append(slices.Clone(psk[2:]), psk[:2]...)
	res = analyzeStream("pieces", msgs, streamStats(msgs), analyze.Options{})
	for _, f := range res.Findings {
		if f.Severity == analyze.Error {
			t.Errorf("pieces: %s %s: %s", f.Severity, f.Code, f.Summary)
		}
	}
}

// TestRekeyInCaptureStartedLate: ikev2-rekey from frame 37 on (kept in the test): the
// IKE SA and its CHILD_SA were up before (its ESP is numbered past the start), so the
// CREATE_CHILD_SA at frame 48, followed by the old SA's Delete, is a rekey, as it is in
// the whole recording, not a CHILD_SA created.
func TestRekeyInCaptureStartedLate(t *testing.T) {
	var msgs []decode.Message
	for _, m := range loadStream(t, pcap("ikev2-rekey.pcap")).Msgs {
		if m.Frame >= 37 {
			msgs = append(msgs, m)
		}
	}
	res := analyzeStream("late", msgs, streamStats(msgs), analyze.Options{})
	var kinds []string
	for _, e := range res.Sessions[0].Timeline {
		if e.Frame == 48 {
			kinds = append(kinds, string(e.Kind))
		}
	}
	if !slices.Equal(kinds, []string{string(analyze.EventChildRekeyed)}) {
		t.Errorf("frame 48: %v, want a CHILD_SA rekey", kinds)
	}
}

// fromFrame writes a recorded capture from its from-th frame on (1-based): a capture
// started late, made in the test.
func fromFrame(t *testing.T, name string, from int) string {
	t.Helper()
	frames, link := decodetest.ReadFrames(t, pcap(name))
	out := filepath.Join(t.TempDir(), "late.pcap")
	decodetest.WriteFrames(t, out, link, 65535, false, frames[min(from-1, len(frames)):])
	return out
}

// TestIKEv1StartedLate: IKEv1 captures that begin inside Phase 1 or after it.
//   - ikev1-aggressive-psk without AM1: AM3 came (frame 2), so nothing stopped at AM2.
//   - ikev1-main-psk-mismatch from MM5's second copy: the side that repeats its
//     encrypted identity with no MM5 from the other is the initiator; Phase 1 never came
//     up, although the capture begins with an encrypted Informational.
//   - ikev1-aggressive-psk-mismatch from the initiator's Informational: the responder
//     repeats AM2 after it, so Phase 1 is not up.
//   - ikev1-aggressive-psk from QM1: the first Quick Mode made the first IPsec SA (its
//     ESP is numbered from 1 and comes after it), it rekeyed nothing.
func TestIKEv1StartedLate(t *testing.T) {
	res := analyzeFile(t, fromFrame(t, "ikev1-aggressive-psk.pcap", 2))
	if f := findCode(res, analyze.CodeAuthFailed); f != nil {
		t.Errorf("aggressive-psk without AM1: %s", f.Summary)
	}
	if st := res.Sessions[0].State; !strings.HasPrefix(st, "established, ESP flowing") {
		t.Errorf("aggressive-psk without AM1: state %q", st)
	}

	res = analyzeFile(t, fromFrame(t, "ikev1-main-psk-mismatch.pcap", 6))
	s := res.Sessions[0]
	if !s.RolesKnown || s.Initiator.Addr().String() != "192.0.2.1" || s.State != "failed at MM5: auth-failed" {
		t.Errorf("main-psk-mismatch from frame 6: initiator %s (known %v), state %q", s.Initiator, s.RolesKnown, s.State)
	}

	res = analyzeFile(t, fromFrame(t, "ikev1-aggressive-psk-mismatch.pcap", 3))
	if s := res.Sessions[0]; s.Established || strings.Contains(s.State, "up") {
		t.Errorf("aggressive-psk-mismatch from frame 3: established %v, state %q", s.Established, s.State)
	}

	res = analyzeFile(t, fromFrame(t, "ikev1-aggressive-psk.pcap", 4))
	for _, e := range res.Sessions[0].Timeline {
		if e.Kind == analyze.EventChildRekeyed {
			t.Errorf("aggressive-psk from QM1: IPsec SA rekeyed at frame %d", e.Frame)
		}
	}
}

// TestDeletesTogetherAreNoLivenessChecks: a gateway that tears down three SAs sends
// three Deletes at once, each its own Informational, none answered (IKEv1 does not
// answer Deletes). ikev1-main-psk's two final Deletes (frames 20, 21) with a third made
// in the test 0.1 ms later: no dpd-unanswered; the same Informational sent every 10 s
// four times is one.
func TestDeletesTogetherAreNoLivenessChecks(t *testing.T) {
	res := analyzeFile(t, withSentAgain(t, "ikev1-main-psk.pcap", sentAgain{20, 100 * time.Microsecond, 0x1a2b3c4d}))
	if f := findCode(res, analyze.CodeDPDUnanswered); f != nil {
		t.Errorf("three Deletes at once: %s", f.Summary)
	}
	res = analyzeFile(t, withSentAgain(t, "ikev1-main-psk.pcap",
		sentAgain{21, 10 * time.Second, 0x1a2b3c4d}, sentAgain{21, 20 * time.Second, 0x5e6f7a8b}, sentAgain{21, 30 * time.Second, 0x0badcafe}))
	if f := findCode(res, analyze.CodeDPDUnanswered); f == nil {
		t.Errorf("an Informational every 10 s, unanswered: no dpd-unanswered: %s", codesOf(res.Findings))
	}
	// The same with keys: they decrypt to Deletes, which IKEv1 never answers.
	res = analyzeFile(t, withSentAgain(t, "ikev1-main-psk.pcap",
		sentAgain{21, 10 * time.Second, 0x1a2b3c4d}, sentAgain{21, 20 * time.Second, 0x5e6f7a8b}, sentAgain{21, 30 * time.Second, 0x0badcafe}),
		pcap("ikev1-main-psk.initiator.log"))
	if f := findCode(res, analyze.CodeDPDUnanswered); f != nil {
		t.Errorf("decrypted Deletes every 10 s: %s", f.Summary)
	}
}

// TestRolesGuessedSaid: a finding that names sides by role says when the roles are a
// guess. ike-scan's pkt-notify-response is one Informational with NO-PROPOSAL-CHOSEN and
// a zero responder cookie: nothing in it says which side began the SA.
func TestRolesGuessedSaid(t *testing.T) {
	dir := decodetest.RequireCorpus(t)
	res := analyzeFile(t, filepath.Join(dir, "ike-scan/_derived_pcap/pkt-notify-response.pcap"))
	f := findCode(res, analyze.CodeNoProposalChosen)
	if f == nil || !strings.Contains(f.Summary, "Which side is the initiator is a guess") || !strings.Contains(f.Summary, "the initiator's first message (not in the capture)") {
		t.Errorf("no-proposal-chosen %+v", f)
	}
	if f := findCode(analyzeFile(t, pcap("ikev1-p1-proposal-mismatch.pcap")), analyze.CodeNoProposalChosen); f != nil && strings.Contains(f.Summary, "is a guess") {
		t.Errorf("roles known, still said to be a guess: %s", f.Summary)
	}
}

// TestQuickModeSeenFromQM2: ikev1-main-psk from frame 8 begins with QM2. The next
// message, from the other side and a HASH alone, is QM3: the Quick Mode completed and
// made the IPsec SA whose ESP follows.
func TestQuickModeSeenFromQM2(t *testing.T) {
	res := analyzeFile(t, fromFrame(t, "ikev1-main-psk.pcap", 8))
	s := res.Sessions[0]
	var steps []string
	for _, m := range s.Messages[:2] {
		steps = append(steps, m.Step.String())
	}
	if got := strings.Join(steps, " "); got != "QM2 QM3" || s.Phase2Done != 1 || !strings.HasPrefix(s.State, "established") {
		t.Errorf("steps %q, IPsec SAs %d, state %q; want QM2 QM3, 1, established", got, s.Phase2Done, s.State)
	}
}

// TestCaptureEndsAtSecondCopy: IKE_SA_INIT (ikev2-psk's frame 1 alone) and one copy sent
// again half a second later, where the capture ends: the first copy went unanswered,
// the second may yet be; a warning, not a failure. The copy 11 s later (past the reply
// timeout since the first) is a failure.
func TestCaptureEndsAtSecondCopy(t *testing.T) {
	first := firstFrames(t, pcap("ikev2-psk.pcap"), 1)
	for _, c := range []struct {
		after time.Duration
		sev   analyze.Severity
		state string
	}{
		{500 * time.Millisecond, analyze.Warning, "capture ends after IKE_SA_INIT request"},
		{11 * time.Second, analyze.Error, "failed at IKE_SA_INIT request: no-response"},
	} {
		res := analyzeFile(t, withSentAgainAt(t, first, sentAgain{1, c.after, 0}))
		f := findCode(res, analyze.CodeNoResponse)
		if f == nil || f.Severity != c.sev || res.Sessions[0].State != c.state {
			t.Errorf("copy after %v: no-response %+v, state %q; want %v, %q", c.after, f, res.Sessions[0].State, c.sev, c.state)
		}
	}
}

// TestFirstEAPRoundCut: ikev2-eap-mschapv2 cut after frame 4, the gateway's first
// IKE_AUTH answer (its identity, its AUTH and the EAP Identity request), 0.6 ms before
// the capture ends. Too small for a CHILD_SA, as small as EAP's first round: nothing
// shows the client stopped, so no phase2-stalled, and the SA is not called up.
func TestFirstEAPRoundCut(t *testing.T) {
	res := analyzeFile(t, firstFrames(t, pcap("ikev2-eap-mschapv2.pcap"), 4))
	if f := findCode(res, analyze.CodePhase2Stalled); f != nil {
		t.Errorf("phase2-stalled: %s", f.Summary)
	}
	if st := res.Sessions[0].State; st != "capture ends after IKE_AUTH response" {
		t.Errorf("state %q", st)
	}
}

// TestDeleteAnswerNamed: in ikev2-mobike (with keys) the responder deletes a CHILD_SA and
// the initiator's answer (frame 22) deletes the other half of the pair, as RFC 7296
// 1.4.1 has it: said as an answer, not as the initiator tearing the tunnel down.
func TestDeleteAnswerNamed(t *testing.T) {
	res := analyzeFile(t, pcap("ikev2-mobike.pcap"), pcap("ikev2-mobike.initiator.log"))
	for _, f := range res.Findings {
		if f.Code == analyze.CodeDeleted && fmt.Sprint(f.Frames) == "[22]" {
			if !strings.Contains(f.Summary, "in answer to the responder's Delete") {
				t.Errorf("frame 22: %s", f.Summary)
			}
			return
		}
	}
	t.Errorf("no deleted finding for frame 22: %s", codesOf(res.Findings))
}

// TestNATTEndsAtSecondCopy: ikev2-natt-4500-blocked cut in the test after IKE_AUTH's
// second copy on UDP 4500 (frame 4, the capture ending at once) cannot tell whether that
// copy was answered: a warning that says so, as for any request, not an error. Whole,
// it is an error.
func TestNATTEndsAtSecondCopy(t *testing.T) {
	f := findCode(analyzeFile(t, firstFrames(t, pcap("ikev2-natt-4500-blocked.pcap"), 4)), analyze.CodeNATTProblem)
	if f == nil || f.Severity != analyze.Warning || !strings.Contains(f.Summary, "sooner than the initiator waited before sending it") {
		t.Errorf("cut after the second copy: %+v", f)
	}
	if f := findCode(analyzeFile(t, pcap("ikev2-natt-4500-blocked.pcap")), analyze.CodeNATTProblem); f == nil || f.Severity != analyze.Error {
		t.Errorf("whole: %+v, want an error", f)
	}
}

// TestAggressiveStartedAfterAM1: ikev1-aggressive-psk-mismatch from frame 2 (AM2 on)
// or frame 3 (the initiator's Informational, then AM2 sent again), cut in the test: the
// initiator answered AM2 with an Informational, so it got AM2 and refused it: the PSKs
// differ, not replies lost on the way.
func TestAggressiveStartedAfterAM1(t *testing.T) {
	for _, from := range []int{2, 3} {
		res := analyzeFile(t, fromFrame(t, "ikev1-aggressive-psk-mismatch.pcap", from))
		if f := findCode(res, analyze.CodeAuthFailed); f == nil || f.Severity != analyze.Error {
			t.Errorf("from frame %d: auth-failed %+v: %s", from, f, codesOf(res.Findings))
		}
		if f := findCode(res, analyze.CodeReplyNotReaching); f != nil {
			t.Errorf("from frame %d: %s", from, f.Summary)
		}
	}
}

// TestNoDuplicateSAOnGuessedRoles: ikev1-rekey from frame 47 (cut in the test) holds two
// ISAKMP SAs whose initiators the capture does not show: "one started by each side"
// would rest on the guess.
func TestNoDuplicateSAOnGuessedRoles(t *testing.T) {
	res := analyzeFile(t, fromFrame(t, "ikev1-rekey.pcap", 47))
	if f := findCode(res, analyze.CodeDuplicateSA); f != nil {
		t.Errorf("duplicate-sa on guessed roles: %s", f.Summary)
	}
}

// TestPSKMismatchWithKeys: keys do not hide a PSK mismatch. ikev1-main-psk-mismatch with
// both daemons' keys reads the responder's PAYLOAD-MALFORMED answers to MM5, which the
// initiator sent again: still auth-failed, an error, not a bare error-notify. With one
// side's keys only, the other side's messages do not open: the keys are not blamed, the
// two sides' derivations are. ikev1-truncated's messages cut by the snap length are not
// decryption failures.
func TestPSKMismatchWithKeys(t *testing.T) {
	name := "ikev1-main-psk-mismatch"
	res := analyzeFile(t, pcap(name+".pcap"), pcap(name+".initiator.log"), pcap(name+".responder.log"))
	if f := findCode(res, analyze.CodeAuthFailed); f == nil || f.Severity != analyze.Error || !strings.Contains(f.Summary, "PAYLOAD-MALFORMED") {
		t.Errorf("both keys: auth-failed %+v: %s", f, codesOf(res.Findings))
	}
	if f := findCode(res, analyze.CodeErrorNotify); f != nil {
		t.Errorf("both keys: %s", f.Summary)
	}
	for _, k := range []string{"initiator", "responder"} {
		res := analyzeFile(t, pcap(name+".pcap"), pcap(name+"."+k+".log"))
		if f := findCode(res, analyze.CodeAuthFailed); f == nil || f.Severity != analyze.Error {
			t.Errorf("%s's keys: auth-failed %+v: %s", k, f, codesOf(res.Findings))
		}
		if f := findCode(res, analyze.CodeDecryptFailed); f == nil || !strings.Contains(f.Cause, "derived other keys for the same SA") {
			t.Errorf("%s's keys: decrypt-failed %+v", k, f)
		}
	}
	name = "ikev1-truncated"
	res = analyzeFile(t, pcap(name+".pcap"), pcap(name+".initiator.log"), pcap(name+".responder.log"))
	if f := findCode(res, analyze.CodeDecryptFailed); f != nil {
		t.Errorf("truncated: %s", f.Summary)
	}
}

// TestQuickModeRefusedPhase1BeforeCapture: ikev1-p2-proposal-mismatch and
// ikev1-pfs-mismatch from frame 7 (cut in the test): Phase 1 is before the capture, and
// a Quick Mode message answered by the other side's encrypted Informational is still a
// Phase 2 refusal, though the roles are a guess.
func TestQuickModeRefusedPhase1BeforeCapture(t *testing.T) {
	for _, name := range []string{"ikev1-p2-proposal-mismatch.pcap", "ikev1-pfs-mismatch.pcap"} {
		res := analyzeFile(t, fromFrame(t, name, 7))
		if f := findCode(res, analyze.CodePhase2Stalled); f == nil || f.Severity != analyze.Error {
			t.Errorf("%s from frame 7: phase2-stalled %+v: %s", name, f, codesOf(res.Findings))
		}
	}
}

// TestFragmentsStopAtRouter: two-frag-dropped's router capture holds A's IKE_SA_INIT in
// and out, but the IP fragments of its IKE_AUTH only coming in: the router drops them.
// The finding says so as an error, not "if a device beyond this capture point drops
// them". A gateway's own capture (each packet once) makes no such claim.
func TestFragmentsStopAtRouter(t *testing.T) {
	f := findCode(analyzeFile(t, pcap("two-frag-dropped.router.pcap")), analyze.CodeFragmentsLost)
	if f == nil || f.Severity != analyze.Error || !strings.Contains(f.Summary, "came in and went no further") {
		t.Errorf("router: %+v", f)
	}
	for _, f := range analyzeFile(t, pcap("two-frag-dropped.gw-a.pcap")).Findings {
		if strings.Contains(f.Summary, "came in and went no further") {
			t.Errorf("gw-a: %s", f.Summary)
		}
	}
}

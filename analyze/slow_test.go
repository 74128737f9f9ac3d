package analyze_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/internal/decodetest"
)

// TestSlowResponse: in ikev2-eap-radius-silent the gateway hands the client's EAP
// identity (frame 5) to a RADIUS server that never answers; the client retransmits it
// (frames 6 and 7) and the gateway answers with EAP-Failure 14.2 s after the first copy,
// 3 s after the last (frame 8). The answer was held, not lost: slow-response, and the
// user-auth-failed finding blames the backend, not the password.
//
// The same capture changed in the test, the answer and what follows moved to 5 ms after
// the last copy (a request lost twice and answered at once at its third copy), and every
// gap ten times shorter (the same story on a faster clock), has no slow-response: a
// held answer must come seconds after every copy.
func TestSlowResponse(t *testing.T) {
	path := pcap("ikev2-eap-radius-silent.pcap")
	res := analyzeFile(t, path)
	f := findCode(res, analyze.CodeSlowResponse)
	if f == nil {
		t.Fatalf("no slow-response: %s", codesOf(res.Findings))
	}
	if f.Severity != analyze.Warning || f.Exchange != "IKE_AUTH request" || fmt.Sprint(f.Frames) != "[5 6 7 8]" {
		t.Errorf("slow-response %v %q frames %v, want a warning about IKE_AUTH request, frames 5 6 7 8", f.Severity, f.Exchange, f.Frames)
	}
	for _, want := range []string{"only after 14.2 s", "sent it 3 times", "3.02 s after the last copy", "at most 7 ms"} {
		if !strings.Contains(f.Summary, want) {
			t.Errorf("slow-response summary lacks %q: %s", want, f.Summary)
		}
	}
	if !strings.Contains(f.Cause, "RADIUS") {
		t.Errorf("slow-response cause does not name the EAP backend: %s", f.Cause)
	}
	u := findCode(res, analyze.CodeUserAuthFailed)
	if u == nil || !strings.Contains(u.Cause, "gave up waiting for its authentication backend") {
		t.Errorf("user-auth-failed does not say the gateway waited on its backend: %+v", u)
	}
	// With keys the EAP-Failure is read, and blamed on the backend the same way.
	keyed := analyzeFile(t, path, pcap("ikev2-eap-radius-silent.initiator.log"))
	if u := findCode(keyed, analyze.CodeUserAuthFailed); u == nil || !strings.Contains(u.Summary, "EAP-Failure") || !strings.Contains(u.Cause, "gave up waiting for its authentication backend") {
		t.Errorf("with keys, user-auth-failed does not read the EAP-Failure or blame the backend: %+v", u)
	}
	if findCode(keyed, analyze.CodeSlowResponse) == nil {
		t.Errorf("with keys, no slow-response: %s", codesOf(keyed.Findings))
	}

	frames, _ := decodetest.ReadFrames(t, path)
	// Frame 8 and after, 5 ms after frame 7.
	back := frames[7].CI.Timestamp.Sub(frames[6].CI.Timestamp) - 5*time.Millisecond
	for name, out := range map[string]string{
		"answered at the third copy": shiftedFrom(t, "ikev2-eap-radius-silent.pcap", 8, -back, 0),
		"ten times faster":           scaled(t, path, 1, 10),
	} {
		res := analyzeFile(t, out)
		if f := findCode(res, analyze.CodeSlowResponse); f != nil {
			t.Errorf("%s: slow-response: %s", name, f.Summary)
		}
		if u := findCode(res, analyze.CodeUserAuthFailed); u != nil && strings.Contains(u.Cause, "waiting for its authentication backend") {
			t.Errorf("%s: user-auth-failed still blames a slow backend: %s", name, u.Cause)
		}
	}
}

// TestSlowXAUTH: in ikev1-xauth-radius-silent the gateway checks XAUTH passwords with a
// RADIUS server that never answers. The client answers the gateway's request for its
// credentials at once (frame 8); the gateway's verdict, SET with status FAIL, comes
// 14.2 s later (frame 9). Without keys: slow-response, and no phase2-missing (Quick Mode
// waits for XAUTH). With keys the FAIL is read and blamed on the backend first. Moved in
// the test to 5 ms after the client's answer, the verdict was not held.
func TestSlowXAUTH(t *testing.T) {
	path := pcap("ikev1-xauth-radius-silent.pcap")
	keys := pcap("ikev1-xauth-radius-silent.initiator.log")
	res := analyzeFile(t, path)
	f := findCode(res, analyze.CodeSlowResponse)
	if f == nil || f.Severity != analyze.Warning || fmt.Sprint(f.Frames) != "[8 9]" || !strings.Contains(f.Summary, "only 14.2 s after the client's answer") {
		t.Errorf("slow-response %+v; findings %s", f, codesOf(res.Findings))
	}
	if f := findCode(res, analyze.CodePhase2Missing); f != nil {
		t.Errorf("phase2-missing after XAUTH: %s", f.Summary)
	}
	u := findCode(analyzeFile(t, path, keys), analyze.CodeUserAuthFailed)
	if u == nil || u.Severity != analyze.Error || !strings.Contains(u.Cause, "gave up waiting for its authentication backend") {
		t.Errorf("with keys, user-auth-failed %+v", u)
	}

	frames, _ := decodetest.ReadFrames(t, path)
	quick := shiftedFrom(t, "ikev1-xauth-radius-silent.pcap", 9, -(frames[8].CI.Timestamp.Sub(frames[7].CI.Timestamp) - 5*time.Millisecond), 0)
	if f := findCode(analyzeFile(t, quick), analyze.CodeSlowResponse); f != nil {
		t.Errorf("verdict 5 ms after the answer: slow-response %s", f.Summary)
	}
	if u := findCode(analyzeFile(t, quick, keys), analyze.CodeUserAuthFailed); u == nil || strings.Contains(u.Cause, "waiting for its authentication backend") {
		t.Errorf("verdict 5 ms after the answer, with keys: user-auth-failed %+v", u)
	}
}

// TestHeldMethodFailure: ikev2-eap-wrong-password's MS-CHAPv2 Failure (frame 8) held 3 s,
// the client's answer (frame 7) sent again after 1 and 2.5 s (made in the test): a
// gateway whose RADIUS server delays its rejections. The held answer is slow-response,
// but with keys it reads a method's own failure (E=691): the credentials were checked,
// and user-auth-failed does not blame a silent backend.
func TestHeldMethodFailure(t *testing.T) {
	keys := pcap("ikev2-eap-wrong-password.initiator.log")
	path := shiftedFrom(t, "ikev2-eap-wrong-password.pcap", 8, 3*time.Second, 0)
	path = withSentAgainAt(t, path, sentAgain{7, time.Second, 0}, sentAgain{7, 2500 * time.Millisecond, 0})
	res := analyzeFile(t, path, keys)
	if findCode(res, analyze.CodeSlowResponse) == nil {
		t.Errorf("no slow-response: %s", codesOf(res.Findings))
	}
	if u := findCode(res, analyze.CodeUserAuthFailed); u == nil || strings.Contains(u.Cause, "waiting for its authentication backend") {
		t.Errorf("user-auth-failed %+v", u)
	}
}

package analyze_test

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/decode"
)

// A CHILD_SA from IKE_AUTH whose rekey is refused (the ESP proposals' PFS groups differ,
// which IKE_AUTH never compares), then deleted when its lifetime ends with no successor:
// one error that says the tunnel carries nothing and names the PFS group, the later
// refused CHILD_SA folded into it. An additional CHILD_SA refused while the first goes
// on carrying traffic stays a warning.
func TestRekeyRefused(t *testing.T) {
	res := analyzeFile(t, "../pcaps/ikev2-rekey-pfs-mismatch.pcap")
	var got []analyze.Finding
	for _, f := range res.Findings {
		if f.Code == analyze.CodePhase2Stalled {
			got = append(got, f)
		}
	}
	if len(got) != 1 {
		t.Fatalf("want one phase2-stalled finding, got %d: %v", len(got), got)
	}
	f := got[0]
	if f.Severity != analyze.Error || !slices.Equal(f.Frames, []int{46, 62}) {
		t.Errorf("severity %s, frames %v; want error, frames [46 62]", f.Severity, f.Frames)
	}
	for _, want := range []string{"deleted 4.99 s later (frame 57)", "the tunnel carries nothing", "refused too (frame 62)"} {
		if !strings.Contains(f.Summary, want) {
			t.Errorf("summary %q lacks %q", f.Summary, want)
		}
	}
	if !strings.Contains(f.Cause, "rekey") || !strings.Contains(f.Cause, "PFS") {
		t.Errorf("cause %q names neither the rekey nor PFS", f.Cause)
	}
	if !res.Sessions[0].Failed {
		t.Error("the session is not failed")
	}

	res = analyzeFile(t, "../pcaps/ikev2-child-refused.pcap")
	for _, f := range res.Findings {
		// Its request begins with the SA payload, as a new CHILD_SA's does (a rekey's
		// begins with N(REKEY_SA)): the cause leads with the additional CHILD_SA.
		if f.Code == analyze.CodePhase2Stalled && (f.Severity != analyze.Warning || !strings.Contains(f.Cause, "not affected") || !strings.Contains(f.Cause, "most likely an additional CHILD_SA")) {
			t.Errorf("ikev2-child-refused: %s %q", f.Severity, f.Cause)
		}
	}
}

// An IKE_SA_INIT sent to a broadcast address and never answered says why.
func TestNoResponseBroadcast(t *testing.T) {
	s := loadStream(t, "../pcaps/ikev1-no-response.pcap")
	msgs := make([]decode.Message, len(s.Msgs))
	copy(msgs, s.Msgs)
	bcast := netip.AddrPortFrom(netip.AddrFrom4([4]byte{255, 255, 255, 255}), 500)
	for i := range msgs {
		msgs[i].Dst = bcast
	}
	res := analyzeStream(s.Name, msgs, s.Stats, analyze.Options{})
	f := findCode(res, analyze.CodeNoResponse)
	if f == nil || !strings.Contains(f.Cause, "broadcast or multicast address") {
		t.Fatalf("no-response finding %+v does not name the broadcast address", f)
	}
	if f = findCode(analyzeStream(s.Name, s.Msgs, s.Stats, analyze.Options{}), analyze.CodeNoResponse); f == nil || strings.Contains(f.Cause, "broadcast") {
		t.Errorf("the unicast capture: %+v", f)
	}
}

// A make-before-break reauthentication: the new IKE SA (IKE_SA_INIT and IKE_AUTH) comes
// up while the old one is up, then the old one is deleted. The two are linked; clients
// behind one NAT (the same address, other ports) are not.
func TestReauthentication(t *testing.T) {
	res := analyzeFile(t, "../pcaps/ikev2-reauth.pcap")
	if len(res.Sessions) != 2 {
		t.Fatalf("want 2 sessions:%s", sessionList(res))
	}
	old, cur := res.Sessions[0], res.Sessions[1]
	if old.ReauthenticatedBy != cur.ID || cur.Reauthenticates != old.ID || !strings.Contains(old.State, "replaced by session 2 (reauthentication)") {
		t.Errorf("session 1 %q reauthenticated_by %d, session 2 reauthenticates %d", old.State, old.ReauthenticatedBy, cur.Reauthenticates)
	}
	if len(cur.Timeline) == 0 || cur.Timeline[0].Kind != analyze.EventReauthFrom || cur.Timeline[0].Session != old.ID {
		t.Errorf("session 2's timeline does not begin with replacing session 1: %+v", cur.Timeline)
	}
	for _, f := range res.Findings {
		if f.Severity >= analyze.Warning || f.Code == analyze.CodeDuplicateSA {
			t.Errorf("%s %s: %s", f.Severity, f.Code, f.Summary)
		}
	}
	for _, s := range analyzeFile(t, "../pcaps/roadwarriors.pcap").Sessions {
		if s.ReauthenticatedBy > 0 {
			t.Errorf("roadwarriors session %d (%s) reauthenticated by %d", s.ID, s.Initiator, s.ReauthenticatedBy)
		}
	}
}

// streamFrom is the capture started at frame `from` and ended after frame `to` (0: the
// end), as a late or early-stopped capture records it.
func streamFrom(t *testing.T, path string, from, to int) ([]decode.Message, *capStream) {
	s := loadStream(t, path)
	var msgs []decode.Message
	for _, m := range s.Msgs {
		if m.Frame >= from && (to == 0 || m.Frame <= to) {
			msgs = append(msgs, m)
		}
	}
	return msgs, s
}

// Cut captures of the refused rekey say only what they show: started after the CHILD_SA
// was deleted, the refused new one leaves the tunnel with none (an error); stopped
// right after the Delete, with a new request unanswered, nothing says none came up.
// B's capture of replies that never reach A, started at B's first answer, is not a
// request without an answer.
func TestRefusalsInCutCaptures(t *testing.T) {
	const pfs = "../pcaps/ikev2-rekey-pfs-mismatch.pcap"
	msgs, s := streamFrom(t, pfs, 47, 0)
	res := analyzeStream(s.Name, msgs, streamStats(msgs), analyze.Options{})
	f := findCode(res, analyze.CodePhase2Stalled)
	if f == nil || f.Severity != analyze.Error || !strings.Contains(f.Summary, "No CHILD_SA was left") {
		t.Errorf("started at frame 47: %+v", f)
	}
	msgs, s = streamFrom(t, pfs, 1, 61)
	res = analyzeStream(s.Name, msgs, streamStats(msgs), analyze.Options{})
	if f := findCode(res, analyze.CodePhase2Stalled); f == nil || f.Severity == analyze.Error || strings.Contains(f.Summary, "carries nothing") {
		t.Errorf("ended at frame 61: %+v", f)
	}
	msgs, s = streamFrom(t, "../pcaps/two-reply-dropped.gw-b.pcap", 2, 0)
	res = analyzeStream(s.Name, msgs, streamStats(msgs), analyze.Options{})
	if f := findCode(res, analyze.CodeNoResponse); f != nil {
		t.Errorf("B from its first answer: %s", f.Summary)
	}
	if findCode(res, analyze.CodeReplyNotReaching) == nil {
		t.Errorf("B from its first answer: no reply-not-reaching:%s", sessionList(res))
	}
}

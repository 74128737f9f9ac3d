package analyze_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/internal/decodetest"
)

// TestQuickModeRefusedTimeline: an IKEv1 Quick Mode the other side answers with an
// Informational instead of QM2 is a refused IPsec SA in the timeline, at the
// Informational, asked for by the side that sent QM1; with keys it names the
// notification. In the -both captures each side's QM1 is refused in turn: the
// initiator's Informational at frame 10 answers the responder's QM1 of frame 9, not a
// liveness check of the responder's Informational at frame 8.
func TestQuickModeRefusedTimeline(t *testing.T) {
	for _, tc := range []struct {
		name string
		keys bool
		want string
	}{
		{"ikev1-p2-proposal-mismatch", false, "8 initiator "},
		{"ikev1-p2-proposal-mismatch", true, "8 initiator NO-PROPOSAL-CHOSEN"},
		{"ikev1-proxyid-mismatch", true, "8 initiator INVALID-ID-INFORMATION"},
		{"ikev1-pfs-mismatch", true, "8 initiator NO-PROPOSAL-CHOSEN"},
		{"ikev1-p2-proposal-mismatch-both", false, "8 initiator ; 10 responder "},
		{"ikev1-p2-proposal-mismatch-both", true, "8 initiator NO-PROPOSAL-CHOSEN; 10 responder NO-PROPOSAL-CHOSEN"},
		{"ikev1-main-psk", false, ""},
		{"ikev1-rekey", false, ""},
	} {
		var keys []string
		if tc.keys {
			keys = []string{"../pcaps/" + tc.name + ".initiator.log"}
		}
		res := analyzeFile(t, "../pcaps/"+tc.name+".pcap", keys...)
		var got []string
		for _, e := range res.Sessions[0].Timeline {
			if e.Kind == analyze.EventChildRefused {
				got = append(got, fmt.Sprintf("%d %s %s", e.Frame, e.By, e.Detail))
			}
		}
		if g := strings.Join(got, "; "); g != tc.want {
			t.Errorf("%s (keys %v): refusals %q, want %q", tc.name, tc.keys, g, tc.want)
		}
	}
}

// TestIKEv1DeletesInTimeline: the encrypted Informationals that end an IKEv1 SA (the
// Deletes of ikev1-main-psk at frames 20 and 21, after which no ESP flows) are in the
// timeline; liveness checks are not: ikev1-rekey's acknowledgements (frames 21, 23)
// and ikev1-dpd-dead-peer's R-U-THERE train that gets no answer.
func TestIKEv1DeletesInTimeline(t *testing.T) {
	for name, want := range map[string]string{
		"ikev1-main-psk":      "20 initiator; 21 initiator",
		"ikev1-rekey":         "",
		"ikev1-dpd-dead-peer": "",
	} {
		var got []string
		for _, e := range analyzeFile(t, "../pcaps/"+name+".pcap").Sessions[0].Timeline {
			if e.Kind == analyze.EventDeleted {
				got = append(got, fmt.Sprintf("%d %s", e.Frame, e.By))
			}
		}
		if g := strings.Join(got, "; "); g != want {
			t.Errorf("%s: Deletes %q, want %q", name, g, want)
		}
	}
	// Cut in the test after the first unanswered R-U-THERE, or the second: one alone at
	// the end, or two seconds apart, are liveness checks as much as Deletes. The
	// R-U-THEREs a minute apart (frames 17 on, 18 on and 19 on each moved 58 s later, as
	// a gateway with a 60 s DPD delay sends them) or ten times slower are still checks.
	spaced := shiftedFrom(t, "ikev1-dpd-dead-peer.pcap", 17, 58*time.Second, 0)
	for _, from := range []int{18, 19} {
		frames, link := decodetest.ReadFrames(t, spaced)
		for i := from - 1; i < len(frames); i++ {
			frames[i].CI.Timestamp = frames[i].CI.Timestamp.Add(58 * time.Second)
		}
		spaced = filepath.Join(t.TempDir(), "spaced.pcap")
		decodetest.WriteFrames(t, spaced, link, 65535, false, frames)
	}
	for name, path := range map[string]string{
		"first 16 frames":  firstFrames(t, "../pcaps/ikev1-dpd-dead-peer.pcap", 16),
		"first 17 frames":  firstFrames(t, "../pcaps/ikev1-dpd-dead-peer.pcap", 17),
		"a minute apart":   spaced,
		"ten times slower": scaled(t, "../pcaps/ikev1-dpd-dead-peer.pcap", 10, 1),
	} {
		res := analyzeFile(t, path)
		for _, e := range res.Sessions[0].Timeline {
			if e.Kind == analyze.EventDeleted {
				t.Errorf("ikev1-dpd-dead-peer, %s: Delete at frame %d", name, e.Frame)
			}
		}
		if st := res.Sessions[0].State; strings.Contains(st, "deleted") {
			t.Errorf("ikev1-dpd-dead-peer, %s: state %q", name, st)
		}
	}
}

// TestIKEv1Reauthentication: in ikev1-rekey the initiator starts a new Main Mode at 19 s
// while the first ISAKMP SA is up, and deletes the old one once the new one is; IKEv1
// has no rekey of the ISAKMP SA, so this is its reauthentication: the two sessions are
// linked as IKEv2's are. The new one's final Deletes (frames 67, 68) follow the old
// IPsec SA's Delete after its rekey (frame 60): not a train of liveness checks.
func TestIKEv1Reauthentication(t *testing.T) {
	res := analyzeFile(t, "../pcaps/ikev1-rekey.pcap")
	if len(res.Sessions) != 2 || res.Sessions[0].ReauthenticatedBy != 2 || res.Sessions[1].Reauthenticates != 1 {
		t.Fatalf("want session 1 replaced by session 2:%s", sessionList(res))
	}
	var dels []int
	for _, e := range res.Sessions[1].Timeline {
		if e.Kind == analyze.EventDeleted {
			dels = append(dels, e.Frame)
		}
	}
	if !slices.Equal(dels, []int{67, 68}) {
		t.Errorf("session 2 Deletes at %v, want 67 and 68", dels)
	}
}

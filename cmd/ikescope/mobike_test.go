package main

import (
	"encoding/json"
	"strings"
	"testing"
)

type testReport struct {
	Sessions []struct {
		ID       int
		Timeline []struct{ Kind, By, Detail string }
	}
	Findings []struct{ Code, Severity, Summary string }
}

func analyzeJSON(t *testing.T, args ...string) testReport {
	t.Helper()
	out, errOut, _ := runCmd(t, nil, append([]string{"analyze", "-f", "json"}, args...)...)
	var r testReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, errOut)
	}
	return r
}

// A client that moves to another address within its IKE SA (MOBIKE: A's address
// 192.0.2.1 removed, charon goes on from 192.0.2.11) gets a timeline event and an info
// finding that the responder followed; with keys the finding names UPDATE_SA_ADDRESSES.
// A capture on a NAT router, which sees one side at its inside and outside address in
// turn, shows no move.
func TestMobikeMove(t *testing.T) {
	for _, keys := range []bool{false, true} {
		args := []string{"../../pcaps/ikev2-mobike.pcap"}
		if keys {
			args = append([]string{"--keys", "../../pcaps/ikev2-mobike.initiator.log"}, args...)
		}
		r := analyzeJSON(t, args...)
		moved := 0
		for _, e := range r.Sessions[0].Timeline {
			if e.Kind == "moved" {
				moved++
				if e.By != "initiator" || e.Detail != "192.0.2.1:4500 -> 192.0.2.11:4500" {
					t.Errorf("keys %v: moved event %+v", keys, e)
				}
			}
		}
		if moved != 1 {
			t.Errorf("keys %v: %d moved events, want 1", keys, moved)
		}
		var found bool
		for _, f := range r.Findings {
			if strings.Contains(f.Summary, "IKE messages use 192.0.2.11:4500 instead of 192.0.2.1:4500") {
				found = true
				if f.Severity != "info" || !strings.Contains(f.Summary, "The responder followed") || keys != strings.Contains(f.Summary, "UPDATE_SA_ADDRESSES") {
					t.Errorf("keys %v: %s %q", keys, f.Severity, f.Summary)
				}
			}
		}
		if !found {
			t.Errorf("keys %v: no finding about the move", keys)
		}
	}
	r := analyzeJSON(t, "../../pcaps/two-nat.router.pcap")
	for _, s := range r.Sessions {
		for _, e := range s.Timeline {
			if e.Kind == "moved" {
				t.Errorf("two-nat.router: session %d %+v", s.ID, e)
			}
		}
	}
}

// The same captures give the same report, run after run: several capture points of one
// tunnel too (the transit delay of each ESP flow was once taken from whichever other
// capture point a map gave first).
func TestAnalyzeDeterministic(t *testing.T) {
	for _, set := range []string{"two-healthy", "two-esp-oneway", "two-frag-dropped", "two-nat", "two-reply-dropped"} {
		args := []string{"analyze", "-f", "json"}
		for _, point := range []string{"gw-a", "router", "gw-b"} {
			args = append(args, "../../pcaps/"+set+"."+point+".pcap")
		}
		first, _, _ := runCmd(t, nil, args...)
		for i := 0; i < 16; i++ {
			if out, _, _ := runCmd(t, nil, args...); out != first {
				t.Fatalf("%s: run %d differs from the first", set, i+2)
			}
		}
	}
}

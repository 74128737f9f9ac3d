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
	"github.com/ikescope/ikescope/decode/ikecrypt"
	"github.com/ikescope/ikescope/internal/decodetest"
)

func pcap(name string) string { return filepath.Join("..", "pcaps", name) }

// With keys, each session names its user authentication, the user and the virtual IP
// the gateway assigned; without keys, the user authentication from the exchanges' shape.
func TestRemoteAccessSessions(t *testing.T) {
	type sess struct{ auth, userAuth, user, vip string }
	tests := []struct {
		file string
		keys []string
		want []sess
	}{
		{"ikev1-xauth-psk", nil, []sess{{"XAUTH-PSK", "XAUTH", "", ""}}},
		{"ikev1-xauth-psk", []string{pcap("ikev1-xauth-psk.responder.log")}, []sess{{"XAUTH-PSK", "XAUTH", "alice", "10.99.0.1"}}},
		{"ikev1-modecfg-pool-exhausted", []string{pcap("ikev1-modecfg-pool-exhausted.gateway.log")},
			[]sess{{"XAUTH-PSK", "XAUTH", "alice", "10.99.0.1"}, {"XAUTH-PSK", "XAUTH", "bob", ""}}},
		{"ikev2-eap-mschapv2", nil, []sess{{"EAP", "EAP", "", ""}}},
		{"ikev2-eap-mschapv2", []string{pcap("ikev2-eap-mschapv2.initiator.log")}, []sess{{"EAP-MSCHAPv2", "EAP-MSCHAPv2", "alice", "10.99.0.1"}}},
		{"ikev2-cp-pool-exhausted", []string{pcap("ikev2-cp-pool-exhausted.gateway.log")},
			[]sess{{"EAP-MSCHAPv2", "EAP-MSCHAPv2", "alice", "10.99.0.1"}, {"EAP-MSCHAPv2", "EAP-MSCHAPv2", "bob", ""}}},
		// A site-to-site tunnel is no remote access.
		{"ikev2-psk", nil, []sess{{"", "", "", ""}}},
		{"ikev1-main-psk", []string{pcap("ikev1-main-psk.initiator.log")}, []sess{{"PSK", "", "", ""}}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s keys=%v", tt.file, tt.keys != nil), func(t *testing.T) {
			res := analyzeFile(t, pcap(tt.file+".pcap"), tt.keys...)
			if len(res.Sessions) != len(tt.want) {
				t.Fatalf("%d sessions, want %d", len(res.Sessions), len(tt.want))
			}
			for i, w := range tt.want {
				s := res.Sessions[i]
				got := sess{s.Auth, s.UserAuth, s.User, strings.Join(s.VirtualIPs, ",")}
				if got != w {
					t.Errorf("session %d: auth, user auth, user, virtual IPs %q, want %q", s.ID, got, w)
				}
			}
			if tt.want[0].userAuth == "" && res.Clients != nil {
				t.Errorf("a site-to-site capture has a clients summary: %+v", res.Clients)
			}
		})
	}
}

// A gateway's capture of 95 road warriors (pcaps/roadwarriors.pcap, see its README):
// counted by client and outcome, the failing users named with keys, the three clients
// behind one NAT told apart.
func TestRoadWarriors(t *testing.T) {
	for _, keyed := range []bool{false, true} {
		t.Run(fmt.Sprintf("keys=%v", keyed), func(t *testing.T) {
			var keys []string
			if keyed {
				keys = []string{pcap("roadwarriors.gateway.log")}
			}
			res := analyzeFile(t, pcap("roadwarriors.pcap"), keys...)
			cs := res.Clients
			if cs == nil {
				t.Fatal("no clients summary")
			}
			if cs.Clients != 95 || cs.Sessions != 95 || !slices.Equal(cs.Gateways, []string{"203.0.113.2"}) {
				t.Errorf("%d clients in %d sessions of %v, want 95 in 95 of 203.0.113.2", cs.Clients, cs.Sessions, cs.Gateways)
			}
			outcomes := map[string]int{}
			for _, o := range cs.Outcomes {
				outcomes[o.Outcome] = o.Clients
			}
			want := map[string]int{"connected": 80, "user-auth-failed": 9, "no-virtual-ip": 6}
			if !keyed {
				// Without keys: 8 EAP failures from their shape, the XAUTH failure from
				// the silence after it, the IKEv2 clients refused a CHILD_SA after
				// EAP, and the IKEv1 client's refused Quick Mode.
				want = map[string]int{"connected": 80, "user-auth-failed": 8, "user-auth-failed (likely)": 1,
					"phase2-stalled (likely)": 5, "phase2-stalled": 1}
			}
			if fmt.Sprint(outcomes) != fmt.Sprint(want) {
				t.Errorf("outcomes %v, want %v", outcomes, want)
			}
			if cs.Outcomes[0].Outcome != "connected" {
				t.Errorf("first outcome %q, want connected", cs.Outcomes[0].Outcome)
			}
			if len(cs.SharedAddresses) != 1 || cs.SharedAddresses[0] != (analyze.SharedAddress{Address: "203.0.113.1", Clients: 3}) {
				t.Errorf("shared addresses %v, want 203.0.113.1 with 3 clients", cs.SharedAddresses)
			}
			if len(cs.Hours) != 1 || cs.Hours[0].Sessions != 95 {
				t.Errorf("busiest hours %v", cs.Hours)
			}
			if !keyed {
				return
			}
			// Each user the recording gave a wrong password, and each one past the pool.
			failed := map[string]string{}
			for _, s := range res.Sessions {
				for _, f := range res.Findings {
					if f.Session == s.ID && f.Severity == analyze.Error {
						failed[s.User] = f.Code
					}
				}
			}
			for _, u := range []string{"user10", "user20", "user30", "user40", "user50", "user60", "user70", "user80", "user92"} {
				if failed[u] != analyze.CodeUserAuthFailed {
					t.Errorf("%s: %q, want user-auth-failed", u, failed[u])
				}
			}
			for _, u := range []string{"user75", "user76", "user77", "user78", "user79", "user91"} {
				if failed[u] != analyze.CodeNoVirtualIP {
					t.Errorf("%s: %q, want no-virtual-ip", u, failed[u])
				}
			}
			if len(failed) != 15 {
				t.Errorf("%d users failed, want 15: %v", len(failed), failed)
			}
		})
	}
}

// Wireshark's ikev1-bug-12620: a Cisco-style client (Aggressive Mode, XAUTH, Mode Config
// with Unity attributes) whose capture ends with the Mode Config reply. With the key
// table from Wireshark's tests the user and the assigned address are read; no finding
// claims a failure the capture does not show.
func TestXauthCorpus(t *testing.T) {
	dir := decodetest.RequireCorpus(t)
	cap := filepath.Join(dir, "wireshark/test/captures/ikev1-bug-12620.pcapng.gz")
	for _, keys := range [][]string{nil, {filepath.Join(dir, "wireshark/test/config/ikev1_decryption_table.tmpl")}} {
		res := analyzeFile(t, cap, keys...)
		s := res.Sessions[0]
		if s.UserAuth != "XAUTH" {
			t.Errorf("user auth %q, want XAUTH", s.UserAuth)
		}
		if keys != nil && (s.User != "mpa" || !slices.Equal(s.VirtualIPs, []string{"10.1.1.1"})) {
			t.Errorf("user %q, virtual IPs %v, want mpa and 10.1.1.1", s.User, s.VirtualIPs)
		}
		for _, f := range res.Findings {
			if f.Severity == analyze.Error || f.Code == analyze.CodeUserAuthFailed || f.Code == analyze.CodeNoVirtualIP {
				t.Errorf("keys %v: finding %s %s: %s", keys != nil, f.Severity, f.Code, f.Summary)
			}
		}
	}
}

// keepFrames returns the messages of a stream whose frames are not dropped, and shifts
// those from frame `from` on by d: a real capture edited in the test to show a shape the
// recording did not.
func keepFrames(msgs []decode.Message, drop map[int]bool, from int, d time.Duration) []decode.Message {
	var out []decode.Message
	for _, m := range msgs {
		if drop[m.Frame] {
			continue
		}
		if m.Frame >= from {
			m.Time = m.Time.Add(d)
		}
		out = append(out, m)
	}
	return out
}

// The Mode Config rule without keys, on pcaps/ikev1-modecfg-pool-exhausted.pcap edited in
// the test: bob's configuration request (frame 32) left without the gateway's reply
// (frame 33) and without the Quick Mode after it (34, 35). Followed by bob's Delete
// (frame 38, an Informational nobody answers) it is an error; followed by silence while
// the capture goes on (frame 38 dropped too, alice's Deletes 15 s later) a warning; and
// when the capture ends at once, nothing.
func TestModeConfigUnanswered(t *testing.T) {
	s := loadStream(t, pcap("ikev1-modecfg-pool-exhausted.pcap"))
	for _, tt := range []struct {
		name  string
		drop  map[int]bool
		shift time.Duration
		sev   analyze.Severity
		text  string
	}{
		{"closed", map[int]bool{33: true, 34: true, 35: true}, 15 * time.Second, analyze.Error, "the initiator then sent an Informational (frame 38"},
		{"silent", map[int]bool{33: true, 34: true, 35: true, 38: true}, 15 * time.Second, analyze.Warning, "the capture went on for 16.1 s"},
		{"capture ends", map[int]bool{33: true, 34: true, 35: true, 36: true, 37: true, 38: true}, 0, -1, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			msgs := keepFrames(s.Msgs, tt.drop, 36, tt.shift)
			res := analyzeStream(s.Name, msgs, streamStats(msgs), analyze.Options{})
			var got []analyze.Finding
			for _, f := range res.Findings {
				if f.Session == 2 && f.Severity >= analyze.Warning {
					got = append(got, f)
				}
			}
			if tt.sev < 0 {
				if len(got) > 0 {
					t.Errorf("findings %s, want none: the capture ends with the request", codesOf(got))
				}
				return
			}
			if len(got) != 1 || got[0].Code != analyze.CodeNoVirtualIP || got[0].Severity != tt.sev {
				t.Fatalf("findings %s, want one no-virtual-ip %s (no exchange-stalled beside it)", codesOf(got), tt.sev)
			}
			if !strings.Contains(got[0].Summary, "never answered") || !strings.Contains(got[0].Summary, tt.text) {
				t.Errorf("summary %q lacks %q", got[0].Summary, tt.text)
			}
		})
	}
}

// The XAUTH rule without keys keeps to what the capture shows: the failed first attempt of
// pcaps/ikev1-xauth-wrong-password.pcap (cut in the test) is a warning once the capture
// goes on past it (the second attempt, 12 s later); cut after frame 10, nothing is said.
func TestXauthSilenceNeedsTheCaptureToGoOn(t *testing.T) {
	s := loadStream(t, pcap("ikev1-xauth-wrong-password.pcap"))
	for _, tt := range []struct {
		last int
		want bool
	}{{10, false}, {11, true}, {20, true}} {
		var msgs []decode.Message
		for _, m := range s.Msgs {
			if m.Frame <= tt.last {
				msgs = append(msgs, m)
			}
		}
		res := analyzeStream(s.Name, msgs, streamStats(msgs), analyze.Options{})
		found := false
		for _, f := range res.Findings {
			if f.Session == 1 && f.Code == analyze.CodeUserAuthFailed {
				found = true
				if f.Severity != analyze.Warning {
					t.Errorf("up to frame %d: user-auth-failed is %s, want a warning (nothing says the SA was closed)", tt.last, f.Severity)
				}
			}
		}
		if found != tt.want {
			t.Errorf("up to frame %d: user-auth-failed %v, want %v", tt.last, found, tt.want)
		}
	}
}

// The EAP rule without keys, on pcaps/ikev2-eap-wrong-password.pcap edited in the test:
// without the client's closing INFORMATIONAL (frames 9, 10 dropped) the rounds end with
// the gateway's answer. When the capture ends there, nothing is said; when it goes on
// (pcaps/ikev2-psk.pcap appended 15 s later), a warning; with the INFORMATIONAL, an error.
func TestEAPSilenceNeedsTheCaptureToGoOn(t *testing.T) {
	s := loadStream(t, pcap("ikev2-eap-wrong-password.pcap"))
	other := loadStream(t, pcap("ikev2-psk.pcap"))
	cut := keepFrames(s.Msgs, map[int]bool{9: true, 10: true}, 0, 0)
	for _, tt := range []struct {
		name string
		msgs []decode.Message
		sev  analyze.Severity
	}{
		{"whole", s.Msgs, analyze.Error},
		{"ends with the gateway's answer", cut, -1},
		{"goes on 15 s later", concatStreams(cut, other.Msgs, lastFrame(s.Msgs), 15*time.Second), analyze.Warning},
	} {
		res := analyzeStream(s.Name, tt.msgs, streamStats(tt.msgs), analyze.Options{})
		var got []analyze.Finding
		for _, f := range res.Findings {
			if f.Session == 1 && f.Code == analyze.CodeUserAuthFailed {
				got = append(got, f)
			}
		}
		switch {
		case tt.sev < 0 && len(got) > 0:
			t.Errorf("%s: %s: %s", tt.name, got[0].Severity, got[0].Summary)
		case tt.sev >= 0 && (len(got) != 1 || got[0].Severity != tt.sev):
			t.Errorf("%s: user-auth-failed %v, want one %s", tt.name, got, tt.sev)
		}
	}
}

// With keys the timeline says when the user was authenticated and which address the
// gateway gave, in order of time (the EAP verdict before the IKE SA is up).
func TestRemoteAccessTimeline(t *testing.T) {
	type ev struct {
		frame  int
		kind   analyze.EventKind
		detail string
	}
	for _, tt := range []struct {
		file, log string
		session   int
		want      []ev
	}{
		{"ikev1-modecfg-pool-exhausted", "gateway", 1, []ev{{6, analyze.EventUp, ""}, {9, analyze.EventUserAuth, "XAUTH: OK"}, {12, analyze.EventAddress, "10.99.0.1"}, {15, analyze.EventChildUp, ""}}},
		{"ikev1-modecfg-pool-exhausted", "gateway", 2, []ev{{27, analyze.EventUp, ""}, {30, analyze.EventUserAuth, "XAUTH: OK"}, {33, analyze.EventAddress, "none"}, {35, analyze.EventChildRefused, "INVALID-ID-INFORMATION"}}},
		{"ikev1-xauth-wrong-password", "responder", 1, []ev{{6, analyze.EventUp, ""}, {9, analyze.EventUserAuth, "XAUTH: FAIL"}}},
		{"ikev2-eap-mschapv2", "responder", 1, []ev{{10, analyze.EventUserAuth, "EAP Success"}, {12, analyze.EventUp, ""}, {12, analyze.EventChildUp, ""}, {12, analyze.EventAddress, "10.99.0.1"}}},
	} {
		res := analyzeFile(t, pcap(tt.file+".pcap"), pcap(tt.file+"."+tt.log+".log"))
		var got []ev
		for _, e := range res.Sessions[tt.session-1].Timeline {
			if e.Kind != analyze.EventDeleted {
				got = append(got, ev{e.Frame, e.Kind, e.Detail})
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s session %d: timeline %v, want %v", tt.file, tt.session, got, tt.want)
		}
	}
}

// Wireshark's ikev1-bug-12620 started late (cut in the test at AM3, frame 3): the
// responder's AM2, with its Vendor IDs and the Phase 1 proposal, is not in the capture.
// Nothing is said about which side announces NAT traversal, and the keys that cannot be
// used are put down to the capture beginning late, not to wrong keys.
func TestXauthCorpusStartedLate(t *testing.T) {
	dir := decodetest.RequireCorpus(t)
	s := loadStream(t, filepath.Join(dir, "wireshark/test/captures/ikev1-bug-12620.pcapng.gz"))
	keys, err := ikecrypt.LoadKeys(filepath.Join(dir, "wireshark/test/config/ikev1_decryption_table.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	dec := ikecrypt.NewDecrypter(keys)
	var msgs []decode.Message
	for _, m := range s.Msgs {
		if m.Frame >= 3 {
			dec.Open(&m)
			msgs = append(msgs, m)
		}
	}
	res := analyzeStream(s.Name, msgs, streamStats(msgs), analyze.Options{})
	for _, f := range res.Findings {
		switch f.Code {
		case analyze.CodeNATTProblem:
			t.Errorf("nat-t-problem without the responder's first message: %s", f.Summary)
		case analyze.CodeDecryptFailed:
			if !strings.Contains(f.Cause, "the capture began after") {
				t.Errorf("decrypt-failed blames the keys: %s", f.Cause)
			}
		}
	}
	if !strings.Contains(codesOf(res.Findings), "warning:decrypt-failed") {
		t.Errorf("findings %s, want decrypt-failed", codesOf(res.Findings))
	}
}

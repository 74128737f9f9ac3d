package analyze_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ikescope/ikescope/analyze"
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

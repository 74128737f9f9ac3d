package analyze_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/internal/decodetest"
)

// wantImpl is what one side of a session should be named: an empty name means no
// evidence (the side is nil), evidence lists substrings each of which some evidence
// sentence holds.
type wantImpl struct {
	name, version, confidence string
	evidence                  []string
}

// checkImpl compares one side's implementation with what is wanted.
func checkImpl(t *testing.T, side string, got *analyze.Implementation, want wantImpl) {
	t.Helper()
	if want.name == "" {
		if got != nil {
			t.Errorf("%s: got %+v, want no implementation", side, *got)
		}
		return
	}
	if got == nil {
		t.Fatalf("%s: no implementation, want %s", side, want.name)
	}
	if got.Name != want.name || got.Version != want.version || got.Confidence != want.confidence {
		t.Errorf("%s: got %q %q %q, want %q %q %q (evidence %q)", side, got.Name, got.Version, got.Confidence, want.name, want.version, want.confidence, got.Evidence)
	}
	for _, w := range want.evidence {
		found := false
		for _, e := range got.Evidence {
			found = found || strings.Contains(e, w)
		}
		if !found {
			t.Errorf("%s: no evidence holds %q: %q", side, w, got.Evidence)
		}
	}
}

type implCase struct {
	file      string
	keys      []string
	session   int // index in Result.Sessions
	initiator wantImpl
	responder wantImpl
}

func runImplCases(t *testing.T, dir string, tests []implCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var keys []string
			for _, k := range tt.keys {
				keys = append(keys, filepath.Join(dir, k))
			}
			res := analyzeFile(t, filepath.Join(dir, tt.file), keys...)
			if tt.session >= len(res.Sessions) {
				t.Fatalf("%d sessions, want session %d", len(res.Sessions), tt.session)
			}
			s := res.Sessions[tt.session]
			var ini, resp *analyze.Implementation
			if s.Implementations != nil {
				ini, resp = s.Implementations.Initiator, s.Implementations.Responder
				if ini == nil && resp == nil {
					t.Errorf("implementations present with neither side")
				}
			}
			checkImpl(t, "initiator", ini, tt.initiator)
			checkImpl(t, "responder", resp, tt.responder)
		})
	}
}

var (
	swanV1 = wantImpl{"strongSwan", "", "medium", []string{"Vendor IDs XAUTH, DPD, FRAGMENTATION, NAT-T RFC 3947", "(frame 1)"}}
	swanV2 = wantImpl{"strongSwan", "", "medium", []string{"REDIRECT_SUPPORTED included", "ENCR, INTEG, PRF, DH (frame 1)"}}
	swanR2 = wantImpl{"strongSwan", "", "medium", []string{"MULTIPLE_AUTH_SUPPORTED included", "(frame 2)"}}
)

// Our own recordings: strongSwan 5.9 on both sides, libreswan 4.10 as responder in three.
func TestImplementationsPcaps(t *testing.T) {
	runImplCases(t, filepath.Join("..", "pcaps"), []implCase{
		{file: "ikev1-main-psk.pcap", initiator: swanV1,
			responder: wantImpl{"strongSwan", "", "medium", []string{"Vendor IDs XAUTH, DPD, FRAGMENTATION, NAT-T RFC 3947 in this order (frame 2)"}}},
		{file: "ikev1-aggressive-psk.pcap", initiator: swanV1, responder: wantImpl{"strongSwan", "", "medium", nil}},
		{file: "ikev2-psk.pcap", initiator: swanV2, responder: swanR2},
		// With keys, the IKE_AUTH request's notifications add to the evidence.
		{file: "ikev2-psk.pcap", keys: []string{"ikev2-psk.initiator.log"},
			initiator: wantImpl{"strongSwan", "", "medium", []string{"EAP_ONLY_AUTHENTICATION then IKEV2_MESSAGE_ID_SYNC_SUPPORTED (frame 3)"}},
			responder: swanR2},
		// The initiator's timer: 2, 3, 4.5 s (the recordings' short settings, ×1.5).
		{file: "ikev1-no-response.pcap",
			initiator: wantImpl{"strongSwan", "", "medium", []string{"Retransmissions 2.0 s, 3.0 s, 4.5 s apart (frames 1, 2, 3, 4)", "×1.5"}}},
		{file: "ikev2-strongswan-libreswan.pcap", initiator: swanV2,
			responder: wantImpl{"libreswan", "", "medium", []string{"IKEV2_FRAGMENTATION_SUPPORTED before NAT detection", "ENCR, PRF, INTEG, DH (frame 2)"}}},
		{file: "ikev1-libreswan-invalid-major-version.pcap", initiator: swanV1,
			responder: wantImpl{"libreswan", "", "low", []string{"INVALID-MAJOR-VERSION Informational (frame 2)"}}},
		// A bare NO_PROPOSAL_CHOSEN is what strongSwan would send too: no evidence.
		{file: "ikev2-libreswan-error-notify.pcap", initiator: swanV2},
		// Snap length 96 cuts every Vendor ID: nothing to go on.
		{file: "ikev1-truncated.pcap"},
		// strongSwan's peer ignores the XAUTH Vendor ID: no quirk to report.
		{file: "ikev1-phase2-missing.pcap", initiator: swanV1, responder: wantImpl{"strongSwan", "", "medium", nil}},
	})
	res := analyzeFile(t, filepath.Join("..", "pcaps", "ikev1-phase2-missing.pcap"))
	for _, e := range res.Sessions[0].Implementations.Initiator.Evidence {
		if strings.Contains(e, "quirk") {
			t.Errorf("quirk reported between two strongSwan peers: %s", e)
		}
	}
}

// Captures of other implementations from the shared corpus, where a Vendor ID makes the
// name certain, and a few where the signatures alone tell.
func TestImplementationsCorpus(t *testing.T) {
	dir := decodetest.RequireCorpus(t)
	runImplCases(t, dir, []implCase{
		{file: "wireshark/test/captures/ikev1-certs.pcap",
			initiator: wantImpl{"Openswan", "2.6.32", "high", []string{`Vendor ID "Openswan 2.6.32" (frame 1)`}},
			responder: wantImpl{"Juniper NetScreen (ScreenOS)", "", "high", []string{"(frame 2)"}}},
		{file: "ike-scan/_derived_pcap/pkt-main-mode-response.pcap",
			responder: wantImpl{"Check Point VPN-1/FireWall-1", "NGX or later", "high", nil}},
		{file: "ike-scan/_derived_pcap/pkt-aggr-mode-response.pcap",
			responder: wantImpl{"Juniper NetScreen (ScreenOS)", "", "high", nil}},
		{file: "libreswan/testing/pluto/replay-authip-01/weirdike-eastwest.pcap-ike.pcap",
			initiator: wantImpl{"Windows", "Server 2008 R2", "high", []string{`"Microsoft Vid-Initial-Contact" (frame 1)`}}},
		{file: "nDPI/tests/cfgs/default/pcap/esp.pcapng",
			initiator: wantImpl{"Cisco IOS", "", "high", []string{`"Cisco FlexVPN supported" (frame 1)`, `"Cisco delete reason supported"`}},
			responder: wantImpl{"Cisco IOS", "", "high", []string{"(frame 2)"}}},
		{file: "joy/test/pcaps/ikev1.pcap",
			initiator: wantImpl{"strongSwan", "", "high", nil},
			responder: wantImpl{"strongSwan", "", "high", nil}},
		{file: "arkime/tests/pcap/IKEv1.pcap", session: 1,
			initiator: wantImpl{"FortiGate", "", "high", nil}},
		{file: "tcpdump/tests/isakmp4500.pcap",
			initiator: wantImpl{"Openswan or FreeS/WAN", "", "medium", nil},
			responder: wantImpl{"Openswan or FreeS/WAN", "", "medium", nil}},
		// An older strongSwan responder: MULTIPLE_AUTH_SUPPORTED; its initiator sent only
		// NAT detection, which names nobody.
		{file: "joy/test/pcaps/ikev2.pcap", responder: swanR2},
	})
}

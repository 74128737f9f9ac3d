package analyze_test

import (
	"path/filepath"
	"testing"

	"github.com/ikescope/ikescope/analyze"
)

// TestIKEOverTCP analyses IKE carried in TCP streams (RFC 8229): libreswan's real
// attempt on a kernel without espintcp, and real TCP connections between namespaces
// that carry the messages of a recorded negotiation (pcaps/README.md says how each was
// made). Exactly these findings, and the sessions marked as over TCP.
func TestIKEOverTCP(t *testing.T) {
	tests := []struct {
		file     string
		sessions int
		findings []want
	}{
		// Each pluto sends the IKETCP prefix, then one of them closes (frame 6: the
		// initiator itself; frame 14: the responder) when the kernel refuses espintcp.
		{"ikev2-libreswan-tcp", 0, []want{
			{analyze.CodeTCPClosed, analyze.Error, []int{6}},
			{analyze.CodeTCPClosed, analyze.Error, []int{14}},
		}},
		// The responder resets the connection (frame 11) with IKE_AUTH unanswered:
		// the reset explains it, and no NAT-T finding applies to TCP.
		{"ike-tcp-reset", 1, []want{
			{analyze.CodeTCPClosed, analyze.Error, []int{11}},
			{analyze.CodeNATDetected, analyze.Info, []int{6, 8}},
		}},
		// After the prefix, bytes that are not RFC 8229 frames (frame 6); the close
		// that follows is part of it.
		{"ike-tcp-no-ike", 0, []want{
			{analyze.CodeTCPNotIKE, analyze.Error, []int{6}},
		}},
		// A whole negotiation, its ESP and the Delete in one connection: the NAT-D
		// hashes are those of the original UDP recording (a replay), nothing else.
		{"ike-tcp-replay", 1, []want{
			{analyze.CodeNATDetected, analyze.Info, []int{6, 8}},
			{analyze.CodeDeleted, analyze.Info, []int{22}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			res := analyzeFile(t, filepath.Join("..", "pcaps", tc.file+".pcap"))
			if len(res.Sessions) != tc.sessions {
				t.Fatalf("%d sessions, want %d", len(res.Sessions), tc.sessions)
			}
			for _, s := range res.Sessions {
				if !s.TCP {
					t.Errorf("session %d: not marked as IKE over TCP", s.ID)
				}
			}
			exactFindings(t, res, tc.findings)
		})
	}
}

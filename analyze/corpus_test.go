package analyze_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/internal/decodetest"
)

// Real captures from other projects' test suites that show findings our own recordings
// cannot: an implementation that stays on UDP 500 despite NAT-D (Openswan test), a
// message whose length field is below the header (tcpdump's crash regression), a Quick
// Mode whose QM3 never reaches the responder and the one-way ESP that follows (tcpdump's
// NAT-T test), simultaneous starts (Arkime), an INVALID_KE retry and an inferred
// authentication failure (Zeek).
func TestCorpusFindings(t *testing.T) {
	dir := decodetest.RequireCorpus(t)
	tests := []struct {
		file     string
		findings []want
	}{
		{"tcpdump/tests/ikev2four.pcap", []want{
			{analyze.CodeNATTProblem, analyze.Warning, []int{1, 3, 4}},
			{analyze.CodeWeakCrypto, analyze.Warning, []int{1, 2, 3, 4}},
			{analyze.CodePhase2Stalled, analyze.Warning, []int{6}},
			// Two CREATE_CHILD_SA answers of 44 encrypted bytes (frames 9, 10): with
			// 3DES and HMAC-SHA1-96 that leaves room for one notification, no SA.
			{analyze.CodePhase2Stalled, analyze.Warning, []int{9}},
			{analyze.CodePhase2Stalled, analyze.Warning, []int{10}},
			{analyze.CodeNATDetected, analyze.Info, []int{1, 3, 4}},
			{analyze.CodeExchangeStalled, analyze.Info, []int{21}},
			{analyze.CodeDeleted, analyze.Info, []int{21}},
		}},
		// ESP only: SAs negotiated before the capture (FreeS/WAN test hosts).
		{"tcpdump/tests/02-sunrise-sunset-esp.pcap", []want{
			{analyze.CodeNoIKE, analyze.Info, []int{}},
		}},
		{"tcpdump/tests/isakmp-pointer-loop.pcap", []want{
			{analyze.CodeMalformed, analyze.Warning, []int{1}},
		}},
		{"tcpdump/tests/isakmp4500.pcap", []want{
			{analyze.CodePhase2Stalled, analyze.Error, []int{10, 11, 15, 16, 20, 21, 30}},
			{analyze.CodeESPOneWay, analyze.Error, []int{12, 31}},
			{analyze.CodeWeakCrypto, analyze.Warning, []int{3, 4}},
			{analyze.CodeNATDetected, analyze.Info, []int{5, 6}},
		}},
		{"scapy/test/pcaps/ikev2_notify_redirect.pcap", []want{
			{analyze.CodeRedirected, analyze.Info, []int{2}},
			{analyze.CodeNoProposalChosen, analyze.Error, []int{4}},
			{analyze.CodeNATDetected, analyze.Info, []int{1}},
			{analyze.CodeNATDetected, analyze.Info, []int{3}},
		}},
		{"arkime/tests/pcap/IKEv1.pcap", []want{
			{analyze.CodeNoResponse, analyze.Warning, []int{1}},
		}},
		{"zeek-plugin-ikev2/tests/Traces/ikev2.pcap", []want{
			{analyze.CodeAuthFailed, analyze.Error, []int{7}},
			{analyze.CodeNATDetected, analyze.Info, []int{1, 3, 4}},
			{analyze.CodeInvalidKE, analyze.Info, []int{2}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res := analyzeFile(t, filepath.Join(dir, tt.file))
			checkFindings(t, res, tt.findings)
		})
	}
}

// Every capture of the corpus goes through the analysis without a panic, and what comes
// out holds together: sessions with messages in frame order, findings with text and
// frames that exist, the named retries in one session each.
func TestCorpusSanity(t *testing.T) {
	dir := decodetest.RequireCorpus(t)
	files := decodetest.CorpusCaptures(t, dir)
	if len(files) < 50 {
		t.Fatalf("only %d captures found under %s", len(files), dir)
	}
	for _, rel := range files {
		t.Run(rel, func(t *testing.T) {
			res := analyzeFile(t, filepath.Join(dir, rel))
			for _, s := range res.Sessions {
				if len(s.Messages) == 0 || s.State == "" {
					t.Errorf("session %d has no messages or no state: %+v", s.ID, s)
				}
				for i := 1; i < len(s.Messages); i++ {
					if s.Messages[i].Frame < s.Messages[i-1].Frame && s.Messages[i].Fragments == nil {
						t.Errorf("session %d: frame %d after %d", s.ID, s.Messages[i].Frame, s.Messages[i-1].Frame)
					}
				}
			}
			for _, x := range res.Findings {
				if x.Summary == "" || x.Cause == "" || x.Next == "" || x.Frames == nil {
					t.Errorf("finding without text or frames: %+v", x)
				}
			}
		})
	}
	// ikev2four: IKE_SA_INIT answered with a COOKIE and retried, one IKE SA.
	res := analyzeFile(t, filepath.Join(dir, "tcpdump/tests/ikev2four.pcap"))
	var steps []string
	for _, m := range res.Sessions[0].Messages[:4] {
		steps = append(steps, m.Step.String())
	}
	if got := strings.Join(steps, ", "); got != "IKE_SA_INIT request, IKE_SA_INIT response, IKE_SA_INIT request, IKE_SA_INIT response" || res.Sessions[0].Retransmits != 0 {
		t.Errorf("ikev2four COOKIE retry: steps %q, retransmissions %d", got, res.Sessions[0].Retransmits)
	}
	// zeek-plugin-ikev2: INVALID_KE retry and IKE_AUTH in two IKEv2 fragments, one session.
	res = analyzeFile(t, filepath.Join(dir, "zeek-plugin-ikev2/tests/Traces/ikev2.pcap"))
	if len(res.Sessions) != 1 {
		t.Fatalf("zeek ikev2.pcap: %d sessions, want 1", len(res.Sessions))
	}
	var frags []string
	for _, m := range res.Sessions[0].Messages {
		if m.Fragment != "" {
			frags = append(frags, m.Step.String()+" "+m.Fragment)
		}
	}
	if got := strings.Join(frags, ", "); got != "IKE_AUTH request 1/2, IKE_AUTH request 2/2" {
		t.Errorf("zeek ikev2.pcap fragments: %q", got)
	}
}

package analyze_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ikescope/ikescope/analyze"
)

// corpusDir finds ../shared/corpus next to the repository, where the captures of other
// projects' test suites live. Without it the test skips, except in CI where it must run.
func corpusDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "corpus")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the capture corpus %s is missing (CI must have ../shared/corpus)", dir)
		}
		t.Skipf("no capture corpus at %s: skipping the tests on other projects' captures", dir)
	}
	return dir
}

// Real captures from other projects' test suites that show findings our own recordings
// cannot: an implementation that stays on UDP 500 despite NAT-D (Openswan test), a
// message whose length field is below the header (tcpdump's crash regression), a Quick
// Mode whose QM3 never reaches the responder and the one-way ESP that follows (tcpdump's
// NAT-T test), simultaneous starts (Arkime), an INVALID_KE retry and an inferred
// authentication failure (Zeek).
func TestCorpusFindings(t *testing.T) {
	dir := corpusDir(t)
	tests := []struct {
		file     string
		findings []want
	}{
		{"tcpdump/tests/ikev2four.pcap", []want{
			{analyze.CodeNATTProblem, analyze.Warning, []int{1, 3, 4}},
			{analyze.CodeWeakCrypto, analyze.Warning, []int{1, 2, 3, 4}},
			{analyze.CodePhase2Stalled, analyze.Warning, []int{6}},
			{analyze.CodeNATDetected, analyze.Info, []int{1, 3, 4}},
			{analyze.CodeExchangeStalled, analyze.Info, []int{21}},
			{analyze.CodeDeleted, analyze.Info, []int{21}},
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
		{"arkime/tests/pcap/IKEv1.pcap", []want{
			{analyze.CodeNoResponse, analyze.Info, []int{1}},
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

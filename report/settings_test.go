package report

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ikescope/ikescope/analyze"
)

// Where each implementation keeps a setting is said once per report, however many
// findings point at it: the PSK mismatch (one auth-failed) and the Phase 1 proposal
// mismatch captured from both sides (two no-proposal-chosen and a proposal-diff).
func TestWhereToLookOnce(t *testing.T) {
	for file, want := range map[string]string{
		"ikev1-main-psk-mismatch.pcap":    "Pre-shared keys",
		"ikev1-p1-proposal-mismatch.pcap": "Phase 1 / IKE proposals",
	} {
		r := analyzeFiles(t, filepath.Join("..", "pcaps", file))
		out := render(t, r, Style{})
		for f, marks := range map[Format][2]string{
			FormatText:     {"WHERE TO LOOK", "   " + want + ": "},
			FormatMarkdown: {"### Where to look", "- **" + want + ":** "},
			FormatHTML:     {"<h3>Where to look</h3>", "<dt>" + want + "</dt>"},
		} {
			if strings.Count(out[f], marks[0]) != 1 || strings.Count(out[f], marks[1]) != 1 {
				t.Errorf("%s %s: want one %q section naming %q once", file, f, marks[0], want)
			}
			if strings.Contains(out[f], "Where: strongSwan") {
				t.Errorf("%s %s: a finding still carries its own vendor hints", file, f)
			}
		}
	}
}

// A storm's finding shows its first and last frames and how many lie between.
func TestFramesOmittedShown(t *testing.T) {
	f := analyze.Finding{Frames: []int{1, 2, 99, 100}, FramesOmitted: 94}
	if got := findingFrames(f, Style{}, nil); got != "1 2 … 94 more … 99 100" {
		t.Errorf("frames %q", got)
	}
}

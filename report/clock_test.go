package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ikescope/ikescope/analyze"
)

// A second capture whose clock is ahead: its first frame is given as its own file holds
// it, then on the first capture's clock, which the times below follow.
func TestCaptureClockShown(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 6, 8, 46, 222e6, time.UTC)
	r := &analyze.Result{Captures: []analyze.Capture{
		{Name: "a.pcap", First: t0, Last: t0.Add(time.Second), Messages: 1},
		{Name: "b.pcap", First: t0, Last: t0.Add(time.Second), Messages: 1, ClockOffset: 30 * time.Second, SharedPackets: 4},
	}, Findings: []analyze.Finding{}}
	var b bytes.Buffer
	if err := WriteText(&b, r, Style{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"first frame 2026-12-02T06:09:16.222Z (2026-12-02T06:08:46.222Z on the first capture's clock)", "Times below are on the first capture's clock"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	if strings.Count(out, "on the first capture's clock)") != 1 {
		t.Errorf("the first capture's own line names its clock too:\n%s", out)
	}
}

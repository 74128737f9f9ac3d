package report

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/decode"
)

// Long runs of retransmissions, and the identical answers between them, fold into one
// ladder row; the first copies and the last stay.
func TestLadderFolds(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := &analyze.Session{ID: 1, Version: 1, Mode: "Main", Reached: analyze.StepMM5, State: "failed at MM5: auth-failed", First: start,
		Initiator: netip.MustParseAddrPort("192.0.2.1:4500"), Responder: netip.MustParseAddrPort("192.0.2.2:4500")}
	frame := 0
	add := func(fromInit bool, step analyze.Step, exType uint8, retrans int, payloads string) {
		frame++
		m := &analyze.Msg{Frame: frame, Time: start.Add(time.Duration(frame) * time.Second), FromInitiator: fromInit, Step: step,
			ExchangeType: decode.ExchangeType(exType), Retransmit: retrans, Payloads: payloads, Interval: time.Second}
		s.Messages = append(s.Messages, m)
		s.Last = m.Time
	}
	add(true, analyze.StepMM5, 2, 0, "encrypted(80 bytes)")
	add(false, analyze.StepInformationalV1, 5, 0, "encrypted(64 bytes)")
	for i := 1; i <= 7; i++ {
		add(true, analyze.StepMM5, 2, i, "encrypted(80 bytes)")
		add(false, analyze.StepInformationalV1, 5, 0, "encrypted(64 bytes)")
	}
	r := &analyze.Result{Sessions: []*analyze.Session{s}, Findings: []analyze.Finding{{Code: "auth-failed", Severity: analyze.Error, Session: 1, Frames: []int{1, 3}}}}
	var b strings.Builder
	writeLadder(&b, newLadder(s, r, nil), Style{})
	out := b.String()
	for _, want := range []string{
		"MM5 retransmission 2 (+1.0 s)", "MM5 retransmission 7 (+1.0 s)",
		": 8 more messages repeat the exchange above (frames 7 8 9 10 11 12 13 14)",
		"X failed at MM5: auth-failed (frames 1 3)", "no MM6, no Quick Mode, no ESP",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("ladder lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "retransmission 4 ") {
		t.Errorf("retransmission 4 is not folded:\n%s", out)
	}
	if !strings.HasPrefix(strings.Split(out, "\n")[2], "X    1") {
		t.Errorf("the failing message is not marked:\n%s", out)
	}
}

// A run with many sessions describes in full only those that failed or brought up no
// IPsec SA, as many as the report's size allows.
func TestManySessions(t *testing.T) {
	r := &analyze.Result{}
	for i := 1; i <= 300; i++ {
		s := &analyze.Session{ID: i, Version: 2, Mode: "IKEv2", State: "established", Established: true, Phase2Done: 1,
			Initiator: netip.MustParseAddrPort("192.0.2.1:500"), Responder: netip.MustParseAddrPort("198.51.100.2:500")}
		if i > 30 {
			s.State, s.Established, s.Failed, s.Phase2Done, s.Reached = "failed at IKE_SA_INIT request", false, true, 0, analyze.StepIKESAInitRequest
		}
		r.Sessions = append(r.Sessions, s)
	}
	var md, page, text strings.Builder
	if err := WriteMarkdown(&md, r, Style{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(&page, r, Style{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteText(&text, r, Style{}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(md.String(), "\n## Session "); n == 0 || n >= 270 || len(md.String()) >= mdLimit {
		t.Errorf("markdown: %d session sections in %d bytes, want some and under %d bytes", n, len(md.String()), mdLimit)
	}
	if !strings.Contains(md.String(), "Not drawn here") {
		t.Error("markdown does not say which sessions it left out")
	}
	if n := strings.Count(page.String(), `<section class="session"`); n != htmlMaxSections {
		t.Errorf("html: %d session sections, want %d", n, htmlMaxSections)
	}
	if n := strings.Count(text.String(), "\nLADDER · "); n != maxTextLadders || !strings.Contains(text.String(), "220 more sessions failed") {
		t.Errorf("text: %d ladders, want %d and a note", n, maxTextLadders)
	}
	if strings.Contains(md.String(), "## Session 1\n") {
		t.Error("a clean session got a section in a run of 300")
	}
}

package report

import (
	"bytes"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ikescope/ikescope/analyze"
)

// allCaptures analyses every capture in pcaps/ together, as `ikescope analyze pcaps/*`.
func allCaptures(t testing.TB) *analyze.Result {
	t.Helper()
	all, err := filepath.Glob(filepath.Join("..", "pcaps", "*.pcap*"))
	if err != nil || len(all) == 0 {
		t.Fatalf("no captures in pcaps/: %v", err)
	}
	// The site-to-site captures: the remote-access ones (XAUTH, EAP, pools, and a
	// gateway with 95 clients, each a peer pair of its own) add kinds of failure enough
	// to push the clean groups these tests look for past the groups a report lists;
	// their reports are tested in TestRemoteAccessReports.
	files := all[:0]
	for _, f := range all {
		if !remoteAccessCapture(filepath.Base(f)) {
			files = append(files, f)
		}
	}
	return analyzeFiles(t, files...)
}

func remoteAccessCapture(name string) bool {
	for _, p := range []string{"ikev1-xauth", "ikev1-modecfg", "ikev2-eap", "ikev2-cp", "roadwarriors"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// hugeResult is the analysis of every capture, its sessions and findings copied n times,
// and one session of 5000 messages: the size of a capture of a busy gateway.
func hugeResult(t testing.TB, n int) *analyze.Result {
	t.Helper()
	base := allCaptures(t)
	r := &analyze.Result{Captures: base.Captures, Orphans: base.Orphans}
	for k := 0; k < n; k++ {
		ids := map[int]int{}
		for _, s := range base.Sessions {
			c := *s
			c.ID = len(r.Sessions) + 1
			ids[s.ID] = c.ID
			r.Sessions = append(r.Sessions, &c)
		}
		for _, f := range base.Findings {
			if f.Session == 0 && k > 0 {
				continue
			}
			f.Session = ids[f.Session]
			r.Findings = append(r.Findings, f)
		}
	}
	long := *base.Sessions[0]
	long.ID = len(r.Sessions) + 1
	long.Messages = nil
	for i := 0; i < 5000; i++ {
		m := *base.Sessions[0].Messages[i%len(base.Sessions[0].Messages)]
		m.Frame, m.FrameNumber, m.Retransmit = 100000+i, 100000+i, 0
		long.Messages = append(long.Messages, &m)
	}
	r.Sessions = append(r.Sessions, &long)
	return r
}

// mermaidArrow matches a mermaid message line and captures its label.
var mermaidArrow = regexp.MustCompile(`(?m)^    [IR](?:->>|-->>|-\)|-x|--x)[IR]: (.*)$`)

// mermaidNote matches a mermaid note and captures its text.
var mermaidNote = regexp.MustCompile(`(?m)^    Note over I,R: (.*)$`)

// checkMarkdownFits fails unless a Markdown report fits a GitHub issue and its diagrams
// stay narrow: every arrow label and note short.
func checkMarkdownFits(t *testing.T, what, md string) {
	t.Helper()
	if n := utf8.RuneCountInString(md); n >= mdLimit {
		t.Errorf("%s: the Markdown report is %d characters, want fewer than %d (a GitHub issue holds 65,536)", what, n, mdLimit)
	}
	arrows := mermaidArrow.FindAllStringSubmatch(md, -1)
	if strings.Contains(md, "```mermaid") && len(arrows) == 0 {
		t.Errorf("%s: no mermaid arrow found; the test's pattern no longer matches", what)
	}
	for _, a := range arrows {
		if n := utf8.RuneCountInString(a[1]); n > 60 {
			t.Errorf("%s: a mermaid arrow label of %d characters (want at most 60): %q", what, n, a[1])
		}
	}
	for _, a := range mermaidNote.FindAllStringSubmatch(md, -1) {
		if n := utf8.RuneCountInString(a[1]); n > 80 {
			t.Errorf("%s: a mermaid note of %d characters (want at most 80): %q", what, n, a[1])
		}
	}
}

// Every capture together, and hundreds of sessions, still make a Markdown report that a
// GitHub issue or comment takes, with diagrams narrow enough to read in its column.
func TestMarkdownFitsAnIssue(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    *analyze.Result
	}{
		{"all captures", allCaptures(t)},
		{"generated, hundreds of sessions", hugeResult(t, 12)},
	} {
		for _, redact := range []bool{false, true} {
			var buf bytes.Buffer
			if err := WriteMarkdown(&buf, tc.r, Style{Redact: redact, Version: "test"}); err != nil {
				t.Fatal(err)
			}
			what := fmt.Sprintf("%s (%d sessions), redact=%t", tc.name, len(tc.r.Sessions), redact)
			md := buf.String()
			checkMarkdownFits(t, what, md)
			// What went wrong is said in full: the first failed session has its line.
			for _, s := range tc.r.Sessions {
				if !cleanSession(tc.r, s) {
					if !strings.Contains(md, fmt.Sprintf("session %d", s.ID)) && !strings.Contains(md, fmt.Sprintf("[session %d]", s.ID)) {
						t.Errorf("%s: the failed session %d is not named", what, s.ID)
					}
					break
				}
			}
			if !strings.HasSuffix(md, "the same capture.*\n") {
				t.Errorf("%s: the report does not end with its footer", what)
			}
		}
	}
}

// Clean sessions between the same peers become one line.
func TestMarkdownGroups(t *testing.T) {
	r := hugeResult(t, 12)
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, r, Style{}); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	if !regexp.MustCompile(`(?m)^- \*\*OK\*\* \d+ sessions 192\.0\.2\.1 → 192\.0\.2\.2 · `).MatchString(md) {
		t.Errorf("no group line for the clean sessions between 192.0.2.1 and 192.0.2.2:\n%.3000s", md)
	}
}

// One finding repeated for 17 sessions is one card with a count in HTML, and one entry in
// Markdown.
func TestIdenticalFindingsGrouped(t *testing.T) {
	r := &analyze.Result{}
	for i := 1; i <= 17; i++ {
		r.Sessions = append(r.Sessions, &analyze.Session{ID: i, Version: 2, Mode: "IKEv2", State: "established", Established: true, Phase2Done: 1})
		r.Findings = append(r.Findings, analyze.Finding{Code: "weak-crypto", Severity: analyze.Warning, Session: i, Frames: []int{2 * i},
			Summary: fmt.Sprintf("The negotiated proposal uses weak algorithms (frame %d, SPI %016x).", 2*i, 0xc0ffee00+i), Cause: "An old default.", Next: "Offer AES-GCM."})
	}
	r.Findings = append(r.Findings, analyze.Finding{Code: "weak-crypto", Severity: analyze.Warning, Session: 1, Summary: "Something else entirely."})
	var page, md bytes.Buffer
	if err := WriteHTML(&page, r, Style{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(&md, r, Style{}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(page.String(), `<article class="finding warning" data-code="weak-crypto"`); n != 2 {
		t.Errorf("html: %d finding cards, want 2 (17 identical findings as one, and the other)", n)
	}
	if !strings.Contains(page.String(), `data-count="17"`) || !strings.Contains(page.String(), "× 17") {
		t.Error("html: the grouped card does not say it stands for 17 findings")
	}
	for _, want := range []string{`<a href="#session-17">17</a>`, "<li>session 17: frame 34</li>"} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("html: the grouped card lacks %q", want)
		}
	}
	if n := strings.Count(md.String(), "### WARNING · weak-crypto"); n != 2 {
		t.Errorf("markdown: %d entries, want 2", n)
	}
	if !strings.Contains(md.String(), "### WARNING · weak-crypto · 17 times, 17 sessions") {
		t.Error("markdown: the grouped entry does not say how many")
	}
}

// A capture of a busy gateway makes a page a browser opens: failed sessions first, the
// rest grouped, a bounded number of ladders and messages and a note of what was left out.
func TestHTMLSizeCap(t *testing.T) {
	r := hugeResult(t, 40)
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r, Style{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if len(page) > htmlMaxBytes {
		t.Errorf("the page of %d sessions is %d bytes, want at most %d", len(r.Sessions), len(page), htmlMaxBytes)
	}
	if n := strings.Count(page, `<section class="session"`); n == 0 || n > htmlMaxSections {
		t.Errorf("%d session sections, want 1..%d", n, htmlMaxSections)
	}
	if n := strings.Count(page, `<details class="msg`); n > htmlMaxSections*htmlMaxMessages {
		t.Errorf("%d messages on the page", n)
	}
	if !strings.Contains(page, "Not drawn here") {
		t.Error("the page does not say which sessions it left out")
	}
	if !regexp.MustCompile(`<tr class="group"><td class="verdict"><span class="badge ok">OK</span></td><td class="n"><a href="#group-\d+">\d+ sessions</a>`).MatchString(page) {
		t.Error("the clean sessions are not grouped in the sessions table")
	}
	// Every session appears once in the sessions table: a row, or a group's row.
	if n := strings.Count(page, "<ul class=\"verdicts\">"); n != 0 {
		t.Error("the page still lists the sessions before the table")
	}
}

// The page is escaped by its template: a hostile identity or capture name stays text.
func TestHTMLEscapes(t *testing.T) {
	r := &analyze.Result{
		Captures: []analyze.Capture{{Name: `<script>alert(1)</script>.pcap`}},
		Sessions: []*analyze.Session{{ID: 1, Version: 2, State: `failed <b>"x"</b>`, Failed: true}},
		Findings: []analyze.Finding{{Code: "auth-failed", Severity: analyze.Error, Session: 1, Summary: `</p><img src=x onerror=alert(1)>`}},
	}
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r, Style{}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script>alert", "<img src", "<b>\"x\"</b>"} {
		if strings.Contains(buf.String(), bad) {
			t.Errorf("the page carries %q unescaped", bad)
		}
	}
}

// The print style sheet lets tables and ladders run their full width on paper.
func TestHTMLPrintCSS(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHTML(&buf, allCaptures(t), Style{}); err != nil {
		t.Fatal(err)
	}
	i := strings.Index(buf.String(), "@media print{")
	if i < 0 {
		t.Fatal("no print style sheet")
	}
	print := buf.String()[i:]
	print = print[:strings.Index(print, "\n}\n")]
	for _, want := range []string{".scroll,figure.ladder,pre.decode{overflow:visible}", "th,td{white-space:normal"} {
		if !strings.Contains(print, want) {
			t.Errorf("the print style sheet lacks %q:\n%s", want, print)
		}
	}
}

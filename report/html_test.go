package report

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The report must not load anything: no external scripts, styles, fonts or images.
func TestHTMLSelfContained(t *testing.T) {
	r := analyzeFiles(t, pcap("ikev1-main-psk-mismatch.pcap"))
	for _, redact := range []bool{false, true} {
		var buf bytes.Buffer
		if err := WriteHTML(&buf, r, Style{Redact: redact, Version: "test"}); err != nil {
			t.Fatal(err)
		}
		page := buf.String()
		for _, re := range []string{`<link\b`, `\bsrc\s*=`, `@import`, `url\((?:[^#)])`, `href="(?:https?:)?//`, `<iframe`, `<object`, `<embed`} {
			if loc := regexp.MustCompile(re).FindStringIndex(page); loc != nil {
				t.Errorf("redact=%t: the page refers to something outside itself (%s): %q", redact, re, page[max(0, loc[0]-40):min(len(page), loc[1]+40)])
			}
		}
		if !strings.Contains(page, "Content-Security-Policy") {
			t.Error("no Content-Security-Policy")
		}
	}
}

// chromium finds the browser, or skips the test; with CI=true a missing browser fails.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed, and CI=true: `make test` installs Debian's chromium package")
	}
	t.Skip("chromium is not installed (apt-get install chromium, or run `make test`); skipping the browser test of the HTML report")
	return ""
}

// runChromium runs headless Chromium with the flags it needs on these machines (as root,
// in a closed network) plus args, and returns its stdout and stderr.
func runChromium(t *testing.T, bin string, args ...string) (string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
		"--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0",
	}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, errOut.String())
	}
	return out.String(), errOut.String()
}

// consoleProblems returns the lines of Chromium's log that come from the page's console
// (errors, warnings, even logs: the report writes none) or tell of uncaught errors and
// blocked loads.
func consoleProblems(log string) []string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, ":CONSOLE") || strings.Contains(line, "Uncaught") || strings.Contains(line, "Content Security Policy") {
			out = append(out, line)
		}
	}
	return out
}

// artifactDir is where the screenshot is kept: $IKESCOPE_ARTIFACTS, or the test's
// temporary directory.
func artifactDir(t *testing.T) string {
	if d := os.Getenv("IKESCOPE_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// TestHTMLInChromium renders the report of a failed negotiation in a real browser and
// checks that the ladder and the findings are in the rendered page, that the page's
// script ran without errors and the console stayed quiet, and keeps a screenshot.
func TestHTMLInChromium(t *testing.T) {
	bin := chromium(t)
	r := analyzeFiles(t, pcap("ikev1-main-psk-mismatch.pcap"))
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r, Style{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	url := "file://" + page + "#s1-f5"

	dom, log := runChromium(t, bin, "--dump-dom", url)
	if p := consoleProblems(log); len(p) > 0 {
		t.Errorf("the browser console shows problems:\n%s", strings.Join(p, "\n"))
	}
	if !regexp.MustCompile(`<html[^>]*\bdata-ready="1"`).MatchString(dom) {
		t.Errorf("the page's script did not finish (no data-ready on <html>):\n%.600s", dom)
	}
	if m := regexp.MustCompile(`data-errors="([^"]*)"`).FindStringSubmatch(dom); m != nil {
		t.Errorf("script errors on the page: %s", m[1])
	}
	// The ladder: one SVG for the one session, an arrow per message (12, none folded),
	// the failure note.
	s := r.Sessions[0]
	if n := strings.Count(dom, `<svg class="ladder"`); n != 1 {
		t.Errorf("%d ladder SVGs in the rendered page, want 1", n)
	}
	if n := len(regexp.MustCompile(`<g class="msg[ "]`).FindAllString(dom, -1)); n != len(s.Messages) {
		t.Errorf("%d message arrows in the ladder, want %d", n, len(s.Messages))
	}
	for _, want := range []string{
		`class="note failure"`, "failed at MM5: auth-failed",
		`<article class="finding error" data-code="auth-failed">`, "Likely cause:", "pre-shared keys differ",
		`id="s1-f5"`, "MM5 retransmission 3 (+4.5 s)",
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered page lacks %q", want)
		}
	}
	// Following a link to a message opens its decode (the script's job).
	if !regexp.MustCompile(`<details class="msg[^"]*" id="s1-f5" open=""`).MatchString(dom) {
		t.Errorf("the message the URL points at (#s1-f5) was not opened")
	}
	for _, m := range s.Messages {
		if !strings.Contains(dom, `data-frame="`+strconv.Itoa(m.Frame)+`"`) {
			t.Errorf("no ladder arrow for frame %d", m.Frame)
		}
	}

	shot := filepath.Join(artifactDir(t), "ikescope-report-"+strings.TrimSuffix(filepath.Base(s.Capture), ".pcap")+".png")
	_, log = runChromium(t, bin, "--hide-scrollbars", "--window-size=1280,2400", "--screenshot="+shot, url)
	if p := consoleProblems(log); len(p) > 0 {
		t.Errorf("the browser console shows problems while taking the screenshot:\n%s", strings.Join(p, "\n"))
	}
	png, err := os.ReadFile(shot)
	if err != nil || len(png) < 10000 || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("no screenshot at %s (%d bytes, %v)", shot, len(png), err)
	}
	t.Logf("screenshot of the rendered report: %s", shot)
}

// At 1280 px the sessions table shows its last column without scrolling, and in a narrow
// window the ladder keeps its width and scrolls instead of shrinking.
func TestHTMLLayoutInChromium(t *testing.T) {
	bin := chromium(t)
	var buf bytes.Buffer
	if err := WriteHTML(&buf, allCaptures(t), Style{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	probe := `<script>(function(){var t=document.querySelector("table.sessions"),c=t.parentElement,ths=t.querySelectorAll("thead th"),last=ths[ths.length-1].getBoundingClientRect(),svg=document.querySelector("svg.ladder"),fig=svg.parentElement;
document.documentElement.setAttribute("data-layout",[innerWidth,t.scrollWidth<=c.clientWidth,last.right<=innerWidth,Math.round(svg.getBoundingClientRect().width),fig.scrollWidth>fig.clientWidth].join(" "));})();</script></body>`
	page := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(page, []byte(strings.Replace(buf.String(), "</body>", probe, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	layout := func(width int) []string {
		dom, _ := runChromium(t, bin, "--hide-scrollbars", "--window-size="+strconv.Itoa(width)+",1000", "--dump-dom", "file://"+page)
		m := regexp.MustCompile(`data-layout="([^"]*)"`).FindStringSubmatch(dom)
		if m == nil {
			t.Fatalf("the layout probe did not run at %d px", width)
		}
		return strings.Fields(m[1])
	}
	if l := layout(1280); l[0] != "1280" || l[1] != "true" || l[2] != "true" {
		t.Errorf("at 1280 px (inner width, table fits its box, last header cell in view, ladder width, ladder scrolls) = %v: the sessions table is clipped", l)
	}
	if l := layout(480); l[4] != "true" {
		t.Errorf("at 480 px %v: the ladder shrinks instead of scrolling", l)
	} else if w, _ := strconv.Atoi(l[3]); w < 700 {
		t.Errorf("at 480 px the ladder is %d px wide, want at least 700", w)
	}
}

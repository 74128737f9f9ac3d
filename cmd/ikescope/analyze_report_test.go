package main

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ikescope/ikescope/internal/schematest"
)

// reportFormats are the formats of `ikescope analyze -f` with the extension of their
// golden files in testdata/analyze.
var reportFormats = []struct{ format, ext string }{
	{"table", ".table.txt"},
	{"text", ".txt"},
	{"markdown", ".md"},
	{"html", ".html"},
	{"json", ".json"},
	{"jsonl", ".jsonl"},
}

func captureName(file string) string {
	return strings.TrimSuffix(strings.TrimSuffix(filepath.Base(file), ".pcapng"), ".pcap")
}

// checkGolden compares out with a golden file, or rewrites it with -update.
func checkGolden(t *testing.T, golden, out string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/ikescope -update to create it)", err)
	}
	if out != string(want) {
		t.Errorf("output differs from %s (run go test ./cmd/ikescope -update and review the diff):\n%s", golden, firstDiff(string(want), out))
	}
}

// TestAnalyzeReportGolden compares every report format on every capture in pcaps/ with
// the reviewed output in testdata/analyze, and the redacted Markdown and JSON too.
// Regenerate with `go test ./cmd/ikescope -update` and read the diff.
func TestAnalyzeReportGolden(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	t.Setenv("COLUMNS", "") // no width to keep to, as in a file
	t.Setenv("TZ", "")      // absolute times in UTC
	for _, file := range goldenFiles(t) {
		name := captureName(file)
		for _, f := range reportFormats {
			t.Run(name+"/"+f.format, func(t *testing.T) {
				out, errOut, code := runCmd(t, nil, "analyze", "-f", f.format, file)
				if code != exitOK || errOut != "" {
					t.Fatalf("exit %d, stderr %q", code, errOut)
				}
				checkGolden(t, filepath.Join("testdata", "analyze", name+f.ext), out)
			})
		}
		for _, f := range []struct{ format, ext string }{{"markdown", ".redacted.md"}, {"json", ".redacted.json"}} {
			t.Run(name+"/redacted-"+f.format, func(t *testing.T) {
				out, errOut, code := runCmd(t, nil, "analyze", "--redact", "-f", f.format, file)
				if code != exitOK || errOut != "" {
					t.Fatalf("exit %d, stderr %q", code, errOut)
				}
				checkGolden(t, filepath.Join("testdata", "analyze", name+f.ext), out)
			})
		}
	}
}

// loadSchema compiles a published schema, strictly: every field the output has must be
// described there.
func loadSchema(t *testing.T, name string) *schematest.Schema {
	t.Helper()
	s, err := schematest.Load(filepath.Join("..", "..", "docs", "schema"), name, true)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// validate checks a JSON document against a published schema.
func validate(t *testing.T, s *schematest.Schema, what string, doc []byte) {
	t.Helper()
	if err := s.Validate(doc); err != nil {
		t.Errorf("%s: %v", what, err)
	}
}

// TestAnalyzeJSONSchema validates every JSON document and every JSON line that
// `ikescope analyze` writes for the captures in pcaps/, plain and redacted, one capture at
// a time and all together, against docs/schema.
func TestAnalyzeJSONSchema(t *testing.T) {
	doc := loadSchema(t, "analyze.schema.json")
	events := loadSchema(t, "analyze-events.schema.json")
	files := pcapFiles(t)
	runs := [][]string{files}
	for _, f := range files {
		runs = append(runs, []string{f})
	}
	types := map[string]int{}
	for _, run := range runs {
		for _, redact := range []bool{false, true} {
			args := []string{"analyze"}
			if redact {
				args = append(args, "--redact")
			}
			what := strings.Join(run, " ")
			if len(run) > 1 {
				what = "all captures"
			}
			if redact {
				what += " (redacted)"
			}
			out, _, code := runCmd(t, nil, append(append(args, "-f", "json"), run...)...)
			if code != exitOK {
				t.Fatalf("%s: exit %d", what, code)
			}
			validate(t, doc, what+" -f json", []byte(out))
			out, _, code = runCmd(t, nil, append(append(args, "-f", "jsonl"), run...)...)
			if code != exitOK {
				t.Fatalf("%s: exit %d", what, code)
			}
			for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
				validate(t, events, what+" -f jsonl line "+itoa(i+1), []byte(line))
				var head struct{ Type string }
				json.Unmarshal([]byte(line), &head)
				types[head.Type]++
			}
		}
	}
	for _, typ := range []string{"capture", "session", "message", "esp_flow", "finding"} {
		if types[typ] == 0 {
			t.Errorf("no %q event in any capture's JSON lines", typ)
		}
	}
}

// The JSON lines carry the same sessions, messages and findings as the JSON document.
func TestAnalyzeJSONLMatchesJSON(t *testing.T) {
	file := "../../pcaps/ikev1-main-psk-mismatch.pcap"
	out, _, _ := runCmd(t, nil, "analyze", "-f", "json", file)
	var doc struct {
		Sessions []struct {
			Messages []json.RawMessage `json:"messages"`
		} `json:"sessions"`
		Findings []json.RawMessage `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	lines, _, _ := runCmd(t, nil, "analyze", "-f", "jsonl", file)
	counts := map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(lines), "\n") {
		var e struct {
			Type string `json:"type"`
			Time string `json:"time"`
		}
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		if e.Time == "" {
			t.Errorf("event without a time: %s", l)
		}
		counts[e.Type]++
	}
	if counts["session"] != len(doc.Sessions) || counts["message"] != len(doc.Sessions[0].Messages) || counts["finding"] != len(doc.Findings) || counts["capture"] != 1 {
		t.Errorf("events %v; the document has %d sessions, %d messages, %d findings", counts, len(doc.Sessions), len(doc.Sessions[0].Messages), len(doc.Findings))
	}
}

// secrets lists what a capture shows that a redacted report must not: every address,
// identity, certificate name and SPI that `ikescope decode -f json` finds in it.
func secrets(t *testing.T, file string) (addrs, names []string) {
	t.Helper()
	out, _, code := runCmd(t, nil, "decode", "-f", "json", file)
	if code != exitOK {
		t.Fatalf("decode %s: exit %d", file, code)
	}
	seenA, seenN := map[string]bool{}, map[string]bool{}
	addA := func(s string) {
		if s != "" && !seenA[s] && s != "0.0.0.0" && s != "::" {
			seenA[s] = true
			addrs = append(addrs, s)
		}
	}
	addN := func(s string) {
		if len(s) >= 4 && !seenN[s] {
			seenN[s] = true
			names = append(names, s)
		}
	}
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(k, e)
			}
		case []any:
			for _, e := range x {
				walk(key, e)
			}
		case string:
			// Any value that is an address, wherever the decoder puts it.
			if a, err := netip.ParseAddr(x); err == nil {
				addA(a.String())
			} else if ap, err := netip.ParseAddrPort(x); err == nil {
				addA(ap.Addr().String())
			}
			switch key {
			case "gateway":
				addN(x)
			case "initiator_spi", "responder_spi":
				if strings.Trim(x, "0") != "" {
					addN(x)
				}
			case "value", "subject", "issuer", "authorities":
				addN(x)
				for _, rdn := range strings.Split(x, ",") {
					if k, v, ok := strings.Cut(rdn, "="); ok && strings.EqualFold(strings.TrimSpace(k), "CN") {
						addN(v)
					}
				}
			}
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		walk("", m)
	}
	sort.Strings(addrs)
	sort.Strings(names)
	return addrs, names
}

// TestAnalyzeRedacted runs every capture in pcaps/ through --redact in every format and
// checks that none of the capture's addresses, identities, certificate names or SPIs
// appear in the output, while the algorithms, steps and findings do.
func TestAnalyzeRedacted(t *testing.T) {
	sawIdentity := false
	for _, file := range pcapFiles(t) {
		addrs, names := secrets(t, file)
		if len(addrs) == 0 {
			t.Fatalf("%s: decode found no address", file)
		}
		plain, _, _ := runCmd(t, nil, "analyze", "-f", "html", file)
		for _, n := range names {
			if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(n) && strings.Contains(plain, n) {
				sawIdentity = true // the unredacted report does show it: the test means something
			}
		}
		for _, f := range append(reportFormats, struct{ format, ext string }{"summary", ""}) {
			args := []string{"analyze", "--redact", "-f", f.format, file}
			if f.format == "summary" {
				args = []string{"analyze", "--redact", "--summary", file}
			}
			out, errOut, code := runCmd(t, nil, args...)
			if code != exitOK {
				t.Fatalf("%v: exit %d, stderr %q", args, code, errOut)
			}
			for _, a := range addrs {
				re := regexp.MustCompile(`(^|[^0-9A-Fa-f:.])` + regexp.QuoteMeta(a) + `($|[^0-9A-Fa-f:]|\.[^0-9])`)
				if loc := re.FindStringIndex(out); loc != nil {
					t.Errorf("%s -f %s --redact shows the address %s: %q", captureName(file), f.format, a, out[max(0, loc[0]-60):min(len(out), loc[1]+60)])
				}
			}
			for _, n := range names {
				if i := strings.Index(out, n); i >= 0 {
					t.Errorf("%s -f %s --redact shows %q: %q", captureName(file), f.format, n, out[max(0, i-60):min(len(out), i+len(n)+60)])
				}
			}
			if f.format != "summary" && !strings.Contains(out, "peer-A") {
				t.Errorf("%s -f %s --redact: no peer pseudonym in the output", captureName(file), f.format)
			}
		}
	}
	if !sawIdentity {
		t.Error("no capture in pcaps/ shows an identity or certificate name in clear: the identity part of this test checks nothing")
	}
}

// What --redact keeps: the verdict, the steps, the algorithms, the findings.
func TestAnalyzeRedactedKeepsTheStory(t *testing.T) {
	out, _, code := runCmd(t, nil, "analyze", "--redact", "-f", "text", "../../pcaps/ikev1-main-psk-mismatch.pcap")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{
		"capture-1.pcap:", "Redacted", "peer-A:4500", "peer-B:4500", "failed at MM5",
		"AES-CBC-128 SHA2-256 MODP_2048", "auth-failed · session 1 · frames 5 6 7 8 9 10 11 12",
		"Check the PSK for peer-A on the responder and for peer-B on the initiator",
		"MM5 retransmission 3 (+4.5 s)", "9.522",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("redacted report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "../../pcaps") || strings.Contains(out, "psk-mismatch") {
		t.Error("redacted report shows the capture's name or directory")
	}
}

func TestAnalyzeFormats(t *testing.T) {
	dir := t.TempDir()
	file := "../../pcaps/ikev2-no-proposal.pcap"
	tests := []struct {
		name  string
		args  []string
		want  []string // substrings of the output (the file when -o is given)
		avoid []string
	}{
		{"text to a pipe", []string{"analyze", file}, []string{"SESSIONS", "-- IKE_SA_INIT request --", "X failed at IKE_SA_INIT response: no-proposal-chosen"}, []string{"│", "▶", "\x1b["}},
		{"table", []string{"analyze", "-f", "table", file}, []string{"│", "── IKE_SA_INIT request ──", "✖ failed at"}, []string{"\x1b["}},
		{"markdown", []string{"analyze", "-f", "md", file}, []string{"# ikescope report", "```mermaid\nsequenceDiagram", "participant I as 192.0.2.1#58;500 (initiator)", "R--xI: [2]", "Note over I,R: ✖ failed at IKE", "<details><summary>Proposals (2 offered, none accepted)</summary>"}, nil},
		{"html", []string{"analyze", "-f", "html", file}, []string{"<!DOCTYPE html>", `<svg class="ladder"`, `<article class="finding error" data-code="no-proposal-chosen">`, `<pre class="decode">frame 2`}, nil},
		{"format from -o", []string{"analyze", "-o", filepath.Join(dir, "r.md"), file}, []string{"```mermaid"}, nil},
		{"html from -o", []string{"analyze", "-o", filepath.Join(dir, "r.html"), file}, []string{"<!DOCTYPE html>"}, nil},
		{"jsonl from -o", []string{"analyze", "-o", filepath.Join(dir, "r.jsonl"), file}, []string{`{"type":"capture"`}, nil},
		{"summary", []string{"analyze", "--summary", file}, []string{"error session=1 capture=" + file + " ikev2 192.0.2.1:500 -> 192.0.2.2:500", "findings=no-proposal-chosen"}, nil},
		{"summary redacted", []string{"analyze", "--summary", "--redact", file}, []string{"error session=1 capture=capture-1.pcap ikev2 peer-A:500 -> peer-B:500"}, []string{"192.0.2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("NO_COLOR", "")
			out, errOut, code := runCmd(t, nil, tt.args...)
			if code != exitOK || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			for i, a := range tt.args {
				if a == "-o" {
					b, err := os.ReadFile(tt.args[i+1])
					if err != nil {
						t.Fatal(err)
					}
					if out != "" {
						t.Errorf("stdout is not empty with -o: %q", out)
					}
					out = string(b)
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, a := range tt.avoid {
				if strings.Contains(out, a) {
					t.Errorf("output has %q:\n%s", a, out)
				}
			}
		})
	}
	// NO_COLOR asks for no colour, nothing more: -f table keeps its box characters.
	t.Setenv("NO_COLOR", "1")
	out, _, _ := runCmd(t, nil, "analyze", "-f", "table", file)
	if !strings.ContainsAny(out, "│─▶◀✖") || strings.Contains(out, "\x1b[") {
		t.Errorf("-f table with NO_COLOR set: want boxes and no colour:\n%s", out)
	}
}

func TestAnalyzeUsage(t *testing.T) {
	_, errOut, code := runCmd(t, nil, "analyze", "-f", "xml", "../../pcaps/ikev2-psk.pcap")
	if code != exitError || !strings.Contains(errOut, `unknown format "xml"`) || !strings.Contains(errOut, "markdown, html, json or jsonl") {
		t.Errorf("-f xml: exit %d, stderr %q", code, errOut)
	}
	_, errOut, code = runCmd(t, nil, "analyze", "-h")
	if code != exitOK {
		t.Errorf("analyze -h: exit %d", code)
	}
	for _, want := range []string{"-redact", "-summary", "-fail-on", "Examples:", "ikescope analyze -f markdown -o ticket.md --redact", "jq", "Exit status"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("analyze -h lacks %q:\n%s", want, errOut)
		}
	}
	out, _, _ := runCmd(t, nil, "--help")
	for _, want := range []string{"markdown", "--redact", "ikescope analyze -f html"} {
		if !strings.Contains(out, want) {
			t.Errorf("--help lacks %q:\n%s", want, out)
		}
	}
	// --fail-on warning: a capture with only warnings and infos fails, a clean one does not.
	if _, _, code := runCmd(t, nil, "analyze", "--fail-on", "warning", "../../pcaps/ikev1-aggressive-psk.pcap"); code != exitFindings {
		t.Errorf("--fail-on warning with an aggressive-psk warning: exit %d, want %d", code, exitFindings)
	}
	// An unreadable capture among good ones: the report of the good ones, then exit 2.
	out, errOut, code = runCmd(t, nil, "analyze", "-f", "json", "../../pcaps/ikev2-psk.pcap", "../../pcaps/nope.pcap")
	if code != exitError || !strings.Contains(errOut, "nope.pcap") || !json.Valid([]byte(out)) {
		t.Errorf("one missing capture: exit %d, stderr %q, output valid JSON %t", code, errOut, json.Valid([]byte(out)))
	}
}

func TestProgressText(t *testing.T) {
	for _, tt := range []struct {
		read, total, frames, sas int64
		want                     string
	}{
		{1_200_000_000, 4_000_000_000, 1234567, 42, "reading big.pcap: 1.2 GB of 4.0 GB (30%) · 1234567 packets · 42 IKE SAs"},
		{5_300_000, 0, 10, 1, "reading big.pcap: 5.3 MB · 10 packets · 1 IKE SA"},
		{999, 1000, 0, 0, "reading big.pcap: 999 B of 1.0 kB (99%) · 0 packets · 0 IKE SAs"},
	} {
		if got := progressText("big.pcap", tt.read, tt.total, tt.frames, tt.sas); got != tt.want {
			t.Errorf("progressText = %q, want %q", got, tt.want)
		}
	}
}

// The progress line appears after progressDelay, shows how far the reading is, and is
// erased when the capture is read.
func TestProgressLine(t *testing.T) {
	var buf progressBuffer
	c := &countingReader{r: bytes.NewReader(nil), total: 100}
	c.n.Store(50)
	p := startProgress(&buf, "x.pcap", c)
	p.frames.Store(7)
	p.stop() // before the first second: nothing at all
	if buf.String() != "" {
		t.Errorf("progress before %v: %q", progressDelay, buf.String())
	}

	defer func(d time.Duration) { progressDelay = d }(progressDelay)
	progressDelay = 0
	p = startProgress(&buf, "x.pcap", c)
	p.frames.Store(7)
	p.sas.Store(1)
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(buf.String(), "IKE SA") && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	p.stop()
	got := buf.String()
	if !strings.HasPrefix(got, "\rreading x.pcap: 50 B of 100 B (50%) · 7 packets · 1 IKE SA\x1b[K") || !strings.HasSuffix(got, "\r\x1b[K") {
		t.Errorf("progress output %q", got)
	}
}

// progressBuffer is a bytes.Buffer for a writer in another goroutine.
type progressBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *progressBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *progressBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// With keys, the analysis JSON carries the decrypted view and still fits the schema.
func TestAnalyzeWithKeys(t *testing.T) {
	out, errOut, code := runCmd(t, nil, "analyze", "-f", "json",
		"--keys", "../../pcaps/ikev1-proxyid-mismatch.initiator.log", "--keys", "../../pcaps/ikev1-proxyid-mismatch.responder.log",
		"../../pcaps/ikev1-proxyid-mismatch.pcap")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	validate(t, loadSchema(t, "analyze.schema.json"), "analyze --keys", []byte(out))
	for _, want := range []string{`"code": "invalid-id"`, `"decrypted": true`, `"local 10.1.0.0/24"`} {
		if !strings.Contains(out, want) {
			t.Errorf("analyze --keys output lacks %s", want)
		}
	}
	out, _, code = runCmd(t, nil, "decode", "--keys", "../../pcaps/ikev2-psk-mismatch.initiator.log", "../../pcaps/ikev2-psk-mismatch.pcap")
	if code != exitOK || !strings.Contains(out, "decrypted (integrity verified") || !strings.Contains(out, "AUTHENTICATION_FAILED (error)") {
		t.Errorf("decode --keys: exit %d, output:\n%s", code, out)
	}
	out, _, code = runCmd(t, nil, "keys", "../../pcaps/ikev2-psk.initiator.log")
	if code != exitOK || !strings.Contains(out, "ikev2_decryption_table") || !strings.Contains(out, "AES-CBC-256") {
		t.Errorf("keys: exit %d, output:\n%s", code, out)
	}
}

// A key file that holds no keys (the log of a negotiation that never derived any) earns
// a note naming it, and the analysis runs as it would without --keys; a key file that
// cannot be read or is malformed still ends the run.
func TestAnalyzeKeyFileWithoutKeys(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "pluto.log")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	malformed := filepath.Join(dir, "ikev2_decryption_table")
	if err := os.WriteFile(malformed, []byte("0123456789abcdef,fedcba9876543210,not-a-key\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const capture = "../../pcaps/ikev2-psk-mismatch.pcap"
	want, wantErr, wantCode := runCmd(t, nil, "analyze", "-f", "json", capture)
	note := "ikescope: " + empty + ": no IKE keys in it; analysing without them\n"

	tests := []struct {
		name     string
		args     []string
		code     exitCode
		stderr   string // exactly, when the analysis runs
		contains string // in stderr, when it does not
	}{
		{"empty log", []string{"--keys", empty}, wantCode, note + wantErr, ""},
		{"README without keys", []string{"--keys", "../../pcaps/README.md"}, wantCode,
			"ikescope: ../../pcaps/README.md: no IKE keys in it; analysing without them\n" + wantErr, ""},
		{"empty log beside a log with keys", []string{"--keys", empty, "--keys", "../../pcaps/ikev2-psk-mismatch.initiator.log"}, wantCode, note + wantErr, ""},
		{"missing file", []string{"--keys", filepath.Join(dir, "nope.log")}, exitError, "", "nope.log"},
		{"malformed table", []string{"--keys", malformed}, exitError, "", malformed + ":1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string{"analyze", "-f", "json"}, tt.args...), capture)
			out, errOut, code := runCmd(t, nil, args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, tt.code, errOut)
			}
			if tt.code == exitError {
				if out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tt.contains) {
					t.Errorf("stderr %q, want one line naming %q and no report", errOut, tt.contains)
				}
				return
			}
			if errOut != tt.stderr {
				t.Errorf("stderr %q, want %q", errOut, tt.stderr)
			}
			if !strings.Contains(out, `"findings"`) {
				t.Errorf("no analysis on stdout:\n%.300s", out)
			}
			if len(tt.args) == 2 && out != want {
				t.Errorf("the analysis differs from the one without --keys")
			}
		})
	}
}

// Capture names often name a customer or a site: --redact replaces them everywhere a
// capture is named (headings, "capture#frame" references, lost_between, seen_at).
func TestAnalyzeRedactedNamesNoCapture(t *testing.T) {
	captures := []string{"../../pcaps/two-esp-oneway.gw-a.pcap", "../../pcaps/two-esp-oneway.gw-b.pcap", "../../pcaps/two-esp-oneway.router.pcap"}
	for _, format := range []string{"text", "markdown", "html", "json", "jsonl"} {
		out, _, code := runCmd(t, nil, append([]string{"analyze", "--redact", "-f", format}, captures...)...)
		if code != exitOK {
			t.Fatalf("%s: exit %d", format, code)
		}
		for _, secret := range []string{"two-esp-oneway", "gw-a", "gw-b", "router.pcap"} {
			if strings.Contains(out, secret) {
				t.Errorf("-f %s --redact shows %q", format, secret)
			}
		}
		want := "capture-2.pcap"
		if format == "json" {
			want = `"lost_between": [`
		}
		if !strings.Contains(out, want) || !strings.Contains(out, "capture-3.pcap") {
			t.Errorf("-f %s --redact lacks %s or capture-3.pcap", format, want)
		}
	}
}

// decode --redact hides what analyze --redact hides, in the tree and in JSON, and names
// captures by their pseudonyms; with the keys, the decrypted payloads too.
func TestDecodeRedacted(t *testing.T) {
	for _, file := range pcapFiles(t) {
		addrs, names := secrets(t, file)
		args := [][]string{{"decode", "--redact", file}, {"decode", "--redact", "-f", "json", file}, {"decode", "--redact", file, file}}
		log := strings.TrimSuffix(file, ".pcap") + ".initiator.log"
		if _, _, code := runCmd(t, nil, "decode", "--keys", log, file); fileExists(log) && code == exitOK {
			args = append(args, []string{"decode", "--redact", "--keys", log, file}, []string{"decode", "--redact", "-f", "json", "--keys", log, file})
		}
		for _, a := range args {
			out, errOut, code := runCmd(t, nil, a...)
			if code != exitOK {
				t.Fatalf("%v: exit %d, stderr %q", a, code, errOut)
			}
			for _, addr := range addrs {
				re := regexp.MustCompile(`(^|[^0-9A-Fa-f:.])` + regexp.QuoteMeta(addr) + `($|[^0-9A-Fa-f:]|\.[^0-9])`)
				if loc := re.FindStringIndex(out); loc != nil {
					t.Errorf("%v shows the address %s: %q", a, addr, out[max(0, loc[0]-60):min(len(out), loc[1]+60)])
				}
			}
			for _, n := range append(names, captureName(file)) {
				if i := strings.Index(out, n); i >= 0 {
					t.Errorf("%v shows %q: %q", a, n, out[max(0, i-60):min(len(out), i+len(n)+60)])
				}
			}
			if !strings.Contains(out, "peer-A") {
				t.Errorf("%v: no peer pseudonym in the output", a)
			}
		}
	}
}

func fileExists(name string) bool { _, err := os.Stat(name); return err == nil }

package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files from the current output")

// runCmd runs ikescope with args and returns stdout, stderr and the exit status.
func runCmd(t *testing.T, stdin []byte, args ...string) (string, string, exitCode) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, bytes.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), code
}

func pcapFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../../pcaps/*.pcap*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no captures in pcaps/: %v", err)
	}
	return files
}

// goldenFiles are the captures whose every output is kept as a reviewed golden file: all
// but the gateway's capture of 95 road warriors, whose outputs would be megabytes nobody
// reviews line by line; its reports are asserted in TestRemoteAccessReports.
func goldenFiles(t *testing.T) []string {
	var out []string
	for _, f := range pcapFiles(t) {
		if filepath.Base(f) != "roadwarriors.pcap" {
			out = append(out, f)
		}
	}
	return out
}

// TestDecodeGolden compares `ikescope decode` on every capture in pcaps/ with the reviewed
// output in testdata/decode. Regenerate with `go test ./cmd/ikescope -update` and read the diff.
func TestDecodeGolden(t *testing.T) {
	for _, file := range goldenFiles(t) {
		name := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(file), ".pcapng"), ".pcap")
		for _, format := range []string{"text", "json"} {
			t.Run(name+"/"+format, func(t *testing.T) {
				out, errOut, code := runCmd(t, nil, "decode", "-f", format, file)
				if code != exitOK || errOut != "" {
					t.Fatalf("exit %d, stderr %q", code, errOut)
				}
				ext := map[string]string{"text": ".txt", "json": ".jsonl"}[format]
				golden := filepath.Join("testdata", "decode", name+ext)
				if *update {
					os.MkdirAll(filepath.Dir(golden), 0o755)
					if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test -update to create it)", err)
				}
				if out != string(want) {
					t.Errorf("decode output differs from %s (run go test -update and review the diff):\n%s", golden, firstDiff(string(want), out))
				}
			})
		}
	}
}

func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + itoa(i+1) + ":\n- " + wl + "\n+ " + gl
		}
	}
	return ""
}

func itoa(n int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + fmtInt(n)) }

func fmtInt(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestDecodeJSONFields(t *testing.T) {
	out, _, code := runCmd(t, nil, "decode", "-f", "json", "../../pcaps/ikev2-psk.pcap")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"frame", "time", "src", "sport", "dst", "dport", "kind", "version", "initiator_spi", "responder_spi", "exchange_type", "exchange_type_name", "message_id", "flags", "length", "payloads", "errors"} {
		if _, ok := first[f]; !ok {
			t.Errorf("first line has no %q: %s", f, lines[0])
		}
	}
	if first["exchange_type_name"] != "IKE_SA_INIT" || first["version"] != "2.0" || first["kind"] != "isakmp" {
		t.Errorf("first message: %s", lines[0])
	}
	if spi, _ := first["initiator_spi"].(string); len(spi) != 16 {
		t.Errorf("initiator_spi %q is not 16 hex digits", spi)
	}
	sawESP := false
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line is not JSON: %v: %s", err, l)
		}
		if m["kind"] == "esp" {
			sawESP = true
			if _, ok := m["spi"]; !ok {
				t.Errorf("ESP line without spi: %s", l)
			}
			if _, ok := m["seq"]; !ok {
				t.Errorf("ESP line without seq: %s", l)
			}
		}
	}
	if !sawESP {
		t.Error("no ESP in ikev2-psk.pcap's decode: the capture is meant to carry pings through the tunnel")
	}
}

func TestStdinAndGzip(t *testing.T) {
	raw, err := os.ReadFile("../../pcaps/ikev1-main-psk.pcap")
	if err != nil {
		t.Fatal(err)
	}
	want, _, _ := runCmd(t, nil, "decode", "../../pcaps/ikev1-main-psk.pcap")
	got, errOut, code := runCmd(t, raw, "decode", "-")
	if code != exitOK || got != want {
		t.Errorf("stdin: exit %d stderr %q, output differs from the file's", code, errOut)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()
	path := filepath.Join(t.TempDir(), "c.pcap.gz")
	os.WriteFile(path, gz.Bytes(), 0o644)
	got, errOut, code = runCmd(t, nil, "decode", path)
	if code != exitOK || got != want {
		t.Errorf("gzip: exit %d stderr %q, output differs from the plain file's", code, errOut)
	}
}

// Every bad input gets one line on stderr naming the file, and exit status 2.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	raw, err := os.ReadFile("../../pcaps/ikev1-main-psk.pcap")
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	truncated := write("truncated.pcap", raw[:len(raw)-10])
	tests := []struct {
		name    string
		args    []string
		wantErr []string // substrings of the one stderr line
		wantOut string   // substring of stdout
	}{
		{"missing file", []string{"decode", filepath.Join(dir, "nope.pcap")}, []string{"nope.pcap", "no such file"}, ""},
		{"directory", []string{"decode", dir}, []string{dir, "is a directory"}, ""},
		{"not a capture", []string{"decode", write("notes.txt", []byte("hello, this is text\n"))}, []string{"notes.txt", "not a pcap or pcapng capture"}, ""},
		{"html", []string{"decode", write("page.pcap", []byte("<!DOCTYPE html><html>"))}, []string{"page.pcap", "HTML"}, ""},
		{"empty file", []string{"decode", write("empty.pcap", nil)}, []string{"empty.pcap", "empty file"}, ""},
		{"truncated capture", []string{"decode", truncated}, []string{"truncated.pcap", "capture ends in the middle of frame", "truncated"}, "frame 1 "},
		{"bad gzip", []string{"decode", write("bad.pcap.gz", []byte{0x1f, 0x8b, 0, 0, 1, 2})}, []string{"bad.pcap.gz", "gzip"}, ""},
		{"no files", []string{"decode"}, []string{"needs at least one capture"}, ""},
		{"unknown format", []string{"decode", "-f", "xml", truncated}, []string{"unknown format \"xml\""}, ""},
		{"unknown flag", []string{"decode", "--frobnicate", truncated}, []string{"frobnicate"}, ""},
		{"unknown command", []string{"analyse-this"}, []string{"unknown command"}, ""},
		{"unwritable output", []string{"decode", "-o", filepath.Join(dir, "no", "such", "dir.txt"), truncated}, []string{"cannot write", "dir.txt"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runCmd(t, nil, tt.args...)
			if code != exitError {
				t.Errorf("exit %d, want %d", code, exitError)
			}
			if strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "ikescope: ") {
				t.Errorf("stderr must be one line starting with \"ikescope: \", got %q", errOut)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q does not mention %q", errOut, w)
				}
			}
			if !strings.Contains(out, tt.wantOut) {
				t.Errorf("stdout %q does not contain %q", out, tt.wantOut)
			}
			if strings.Contains(errOut+out, "panic") || strings.Contains(errOut+out, "goroutine") {
				t.Errorf("stack trace in output: %s", errOut)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	out, _, code := runCmd(t, nil, "--help")
	if code != exitOK || !strings.Contains(out, "ikescope decode gw-outside.pcap") {
		t.Errorf("--help: exit %d, output without examples:\n%s", code, out)
	}
	_, errOut, code := runCmd(t, nil, "decode", "-h")
	if code != exitOK || !strings.Contains(errOut, "-f") {
		t.Errorf("decode -h: exit %d, stderr %q", code, errOut)
	}
}

func TestAnalyze(t *testing.T) {
	out, errOut, code := runCmd(t, nil, "analyze", "../../pcaps/ikev1-main-psk-mismatch.pcap")
	if code != exitOK || errOut != "" {
		t.Fatalf("exit %d stderr %q", code, errOut)
	}
	for _, want := range []string{"SESSIONS", "failed at MM5", "FINDINGS", "ERROR   auth-failed · session 1 · frames 5 6 7 8 9 10 11 12", "pre-shared keys differ", "LADDER · session 1", "MM5 retransmission 3 (+4.5 s)"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if strings.ContainsAny(out, "─▶◀│") {
		t.Error("box characters in a report written to a pipe")
	}
	_, _, code = runCmd(t, nil, "analyze", "--fail-on", "error", "../../pcaps/ikev1-main-psk-mismatch.pcap")
	if code != exitFindings {
		t.Errorf("--fail-on error with an auth-failed finding: exit %d, want %d", code, exitFindings)
	}
	_, _, code = runCmd(t, nil, "analyze", "--fail-on", "error", "../../pcaps/ikev2-psk.pcap")
	if code != exitOK {
		t.Errorf("--fail-on error on a working tunnel: exit %d, want 0", code)
	}
	_, errOut, code = runCmd(t, nil, "analyze", "--fail-on", "bad", "../../pcaps/ikev2-psk.pcap")
	if code != exitError || !strings.Contains(errOut, "--fail-on takes warning or error") {
		t.Errorf("--fail-on bad: exit %d stderr %q", code, errOut)
	}
}

func TestAnalyzeJSON(t *testing.T) {
	out, _, code := runCmd(t, nil, "analyze", "-f", "json", "../../pcaps/ikev2-no-proposal.pcap")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	var doc struct {
		SchemaVersion int `json:"schema_version"`
		Sessions      []struct {
			ID    int    `json:"id"`
			State string `json:"state"`
		} `json:"sessions"`
		Findings []struct {
			Code     string `json:"code"`
			Severity string `json:"severity"`
			Frames   []struct {
				Capture string `json:"capture"`
				Frame   int    `json:"frame"`
			} `json:"frames"`
			Summary string `json:"summary"`
			Cause   string `json:"cause"`
			Next    string `json:"next_steps"`
			Session int    `json:"session"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SchemaVersion != 2 || len(doc.Sessions) != 1 || len(doc.Findings) == 0 {
		t.Fatalf("document %+v", doc)
	}
	f := doc.Findings[0]
	if f.Code != "no-proposal-chosen" || f.Severity != "error" || f.Session != 1 || len(f.Frames) != 1 || f.Frames[0].Frame != 2 || f.Frames[0].Capture == "" || f.Cause == "" || f.Next == "" {
		t.Errorf("first finding %+v", f)
	}
}

// Two capture points of one tunnel in one command: the loss is placed between them in
// every format, frames name their capture, and the order of the files does not matter.
func TestAnalyzeTwoCapturePoints(t *testing.T) {
	a, b := "../../pcaps/two-esp-oneway.gw-a.pcap", "../../pcaps/two-esp-oneway.gw-b.pcap"
	for _, files := range [][]string{{a, b}, {b, a}} {
		out, _, code := runCmd(t, nil, append([]string{"analyze", "-f", "text"}, files...)...)
		if code != exitOK {
			t.Fatalf("exit %d", code)
		}
		for _, want := range []string{"ERROR   esp-one-way", "frames ../../pcaps/two-esp-oneway.gw-b.pcap#6", "packets shared with",
			"capture points: A = " + files[0]} {
			if !strings.Contains(out, want) {
				t.Errorf("%v: text lacks %q:\n%s", files, want, out)
			}
		}
		js, _, _ := runCmd(t, nil, append([]string{"analyze", "-f", "json"}, files...)...)
		var doc struct {
			Findings []struct {
				Code        string   `json:"code"`
				Summary     string   `json:"summary"`
				LostBetween []string `json:"lost_between"`
			} `json:"findings"`
		}
		if err := json.Unmarshal([]byte(js), &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.Findings) == 0 || doc.Findings[0].Code != "esp-one-way" || len(doc.Findings[0].LostBetween) != 2 || doc.Findings[0].LostBetween[0] != b ||
			!strings.Contains(doc.Findings[0].Summary, "5 packets left "+b+", 0 reached "+a) {
			t.Errorf("%v: first finding %+v, want esp-one-way lost between gw-b and gw-a", files, doc.Findings)
		}
		sum, _, code := runCmd(t, nil, append([]string{"analyze", "--summary", "--fail-on", "error"}, files...)...)
		if code != exitFindings || !strings.Contains(sum, "capture="+a+","+b) {
			t.Errorf("%v: --summary --fail-on error: exit %d, %q", files, code, sum)
		}
	}
}

// An unreadable capture, the only one given, gets its one-line error and no report: not
// on standard output, not in -o's file. Beside readable ones, it is left out and named.
func TestAnalyzeUnreadableCapture(t *testing.T) {
	dir := t.TempDir()
	notCapture := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notCapture, []byte("hello, this is text\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "nope.pcap")
	for _, bad := range []string{notCapture, missing} {
		for _, args := range [][]string{{"analyze"}, {"analyze", "--summary"}, {"analyze", "-f", "json"}} {
			out, errOut, code := runCmd(t, nil, append(args, bad)...)
			if code != exitError || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, bad) {
				t.Errorf("%v %s: exit %d, stdout %q, stderr %q; want exit 2, no report, one line naming the file", args, bad, code, out, errOut)
			}
		}
		// -o FILE: an earlier report there is not overwritten with an empty one.
		report := filepath.Join(dir, "report.txt")
		os.WriteFile(report, []byte("yesterday's report\n"), 0o644)
		_, errOut, code := runCmd(t, nil, "analyze", "-o", report, bad)
		if got, _ := os.ReadFile(report); code != exitError || string(got) != "yesterday's report\n" {
			t.Errorf("analyze -o report.txt %s: exit %d, stderr %q, file now %q", bad, code, errOut, got)
		}
		// Standard input that is not a capture is no different.
		out, errOut, code := runCmd(t, []byte("hello\n"), "analyze", "-")
		if code != exitError || out != "" || !strings.Contains(errOut, "standard input") {
			t.Errorf("analyze - (text): exit %d, stdout %q, stderr %q", code, out, errOut)
		}
	}
	// Several captures, some readable: the report covers those, and names the others.
	good := "../../pcaps/ikev1-main-psk-mismatch.pcap"
	for _, files := range [][]string{{good, notCapture, missing}, {notCapture, "-"}} {
		stdin, _ := os.ReadFile(good)
		out, errOut, code := runCmd(t, stdin, append([]string{"analyze", "-f", "text"}, files...)...)
		if code != exitError || !strings.Contains(out, "auth-failed") {
			t.Errorf("%v: exit %d, report %q", files, code, out)
		}
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		last := lines[len(lines)-1]
		if len(lines) != len(files) || !strings.Contains(last, "leaves out") || !strings.Contains(last, notCapture) || strings.Contains(last, good) {
			t.Errorf("%v: stderr %q; want a line per unreadable capture, then one naming them", files, errOut)
		}
	}
}

// decode -o FILE with no capture that opens leaves an earlier FILE as it was.
func TestDecodeUnreadableCaptureKeepsOutput(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "decode.txt")
	os.WriteFile(out, []byte("earlier\n"), 0o644)
	_, errOut, code := runCmd(t, nil, "decode", "-o", out, filepath.Join(dir, "nope.pcap"))
	if got, _ := os.ReadFile(out); code != exitError || string(got) != "earlier\n" || strings.Count(errOut, "\n") != 1 {
		t.Errorf("exit %d, stderr %q, %s now %q", code, errOut, out, got)
	}
}

// --summary honours -f and -o: JSON lines with -f json (or an -o FILE.json), the text
// lines in -o's file.
func TestSummaryFormats(t *testing.T) {
	a, b := "../../pcaps/two-esp-oneway.gw-a.pcap", "../../pcaps/two-esp-oneway.gw-b.pcap"
	mismatch := "../../pcaps/ikev1-main-psk-mismatch.pcap"
	type line struct {
		SchemaVersion int      `json:"schema_version"`
		ID            int      `json:"id"`
		Captures      []string `json:"captures"`
		IKEv          int      `json:"ikev"`
		Initiator     string   `json:"initiator"`
		Responder     string   `json:"responder"`
		RolesKnown    bool     `json:"roles_known"`
		State         string   `json:"state"`
		Worst         string   `json:"worst_severity"`
		Findings      []string `json:"findings"`
	}
	parse := func(t *testing.T, out string) []line {
		t.Helper()
		var lines []line
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			var v line
			dec := json.NewDecoder(strings.NewReader(l))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&v); err != nil {
				t.Fatalf("not a summary JSON line: %v: %s", err, l)
			}
			lines = append(lines, v)
		}
		return lines
	}
	out, _, code := runCmd(t, nil, "analyze", "--summary", "-f", "JSON", mismatch)
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	got := parse(t, out)
	want := line{1, 1, []string{mismatch}, 1, "192.0.2.1:4500", "192.0.2.2:4500", true, "failed at MM5: auth-failed", "error", []string{"auth-failed"}}
	if len(got) != 1 || fmt.Sprint(got[0]) != fmt.Sprint(want) {
		t.Errorf("--summary -f json:\n got %+v\nwant %+v", got, want)
	}
	out, _, _ = runCmd(t, nil, "analyze", "--summary", "-f", "jsonl", a, b)
	if got := parse(t, out); len(got) != 1 || len(got[0].Captures) != 2 || got[0].Worst != "error" || got[0].Findings[0] != "esp-one-way" {
		t.Errorf("--summary -f jsonl, two captures: %+v", got)
	}
	out, _, _ = runCmd(t, nil, "analyze", "--summary", "-f", "json", "../../pcaps/ikev2-psk.pcap")
	if !strings.Contains(out, `"worst_severity":"ok","findings":[]}`) {
		t.Errorf("a working tunnel's summary: %s", out)
	}

	dir := t.TempDir()
	text, _, _ := runCmd(t, nil, "analyze", "--summary", mismatch)
	jsonl, _, _ := runCmd(t, nil, "analyze", "--summary", "-f", "json", mismatch)
	for file, want := range map[string]string{"summary.txt": text, "summary.log": text, "summary.html": text, "summary.json": jsonl, "summary.jsonl": jsonl} {
		path := filepath.Join(dir, file)
		out, errOut, code := runCmd(t, nil, "analyze", "--summary", "-o", path, mismatch)
		if got, _ := os.ReadFile(path); code != exitOK || out != "" || string(got) != want {
			t.Errorf("--summary -o %s: exit %d, stdout %q, stderr %q, file %q, want %q", file, code, out, errOut, got, want)
		}
	}
	if _, errOut, code := runCmd(t, nil, "analyze", "--summary", "-f", "html", mismatch); code != exitError || !strings.Contains(errOut, "--summary writes") {
		t.Errorf("--summary -f html: exit %d, stderr %q", code, errOut)
	}
}

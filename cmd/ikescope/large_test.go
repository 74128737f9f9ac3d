package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ikescope/ikescope/internal/benchgen"
)

// TestLargeCapture analyses a generated gateway capture of thousands of sessions (real
// negotiations from pcaps/ replayed with fresh SPIs and addresses between ESP and TCP;
// see internal/benchgen; not a recorded capture) in every format, and holds them
// against each other: the JSON lists every session once, the summary has a line for
// each, and the reports for people list some in full and count all of them in groups.
func TestLargeCapture(t *testing.T) {
	files, _ := filepath.Glob("../../pcaps/*.pcap")
	ex, _ := benchgen.Load(files)
	if len(ex) == 0 {
		t.Skip("no IKE exchanges in pcaps/")
	}
	path := filepath.Join(t.TempDir(), "gateway.pcap")
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(fh)
	if err := benchgen.Write(w, ex, 200_000, 3, benchgen.Gateway); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	fh.Close()

	out, stderr, code := runCmd(t, nil, "analyze", "-f", "json", path)
	if code != exitOK {
		t.Fatalf("analyze -f json: exit %d: %s", code, stderr)
	}
	var doc struct {
		Sessions []struct {
			ID          int    `json:"id"`
			Established bool   `json:"established"`
			Initiator   string `json:"initiator"`
			Responder   string `json:"responder"`
		} `json:"sessions"`
		Findings []struct {
			Session int `json:"session"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("analyze -f json: %v", err)
	}
	n := len(doc.Sessions)
	if n < 1000 {
		t.Fatalf("%d sessions in a 200k-packet gateway capture; the test wants thousands", n)
	}
	ids := map[int]bool{}
	for _, s := range doc.Sessions {
		if ids[s.ID] {
			t.Fatalf("session %d listed twice", s.ID)
		}
		ids[s.ID] = true
	}
	for _, f := range doc.Findings {
		if f.Session != 0 && !ids[f.Session] {
			t.Fatalf("a finding names session %d, which the JSON does not list", f.Session)
		}
	}

	// --peer keeps one gateway's sessions as they come: those the whole JSON lists with
	// that address on a side.
	peer := strings.Split(doc.Sessions[0].Responder, ":")[0]
	want := 0
	for _, s := range doc.Sessions {
		if strings.HasPrefix(s.Initiator, peer+":") || strings.HasPrefix(s.Responder, peer+":") {
			want++
		}
	}
	out, stderr, code = runCmd(t, nil, "analyze", "-f", "json", "--peer", peer, path)
	if code != exitOK {
		t.Fatalf("analyze --peer: exit %d: %s", code, stderr)
	}
	var scoped scopedDoc
	if err := json.Unmarshal([]byte(out), &scoped); err != nil {
		t.Fatalf("analyze --peer: %v", err)
	}
	kept := map[int]bool{}
	for _, s := range scoped.Sessions {
		kept[s.ID] = true
	}
	if len(scoped.Sessions) != want {
		t.Errorf("--peer %s: %d sessions, the whole JSON has %d with it", peer, len(scoped.Sessions), want)
	}
	for _, f := range scoped.Findings {
		if f.Session != 0 && !kept[f.Session] {
			t.Errorf("--peer %s: a finding of session %d, which is left out", peer, f.Session)
		}
	}

	out, stderr, code = runCmd(t, nil, "analyze", "--summary", path)
	if code != exitOK {
		t.Fatalf("analyze --summary: exit %d: %s", code, stderr)
	}
	if lines := strings.Count(out, "\n"); lines != n {
		t.Errorf("analyze --summary wrote %d lines for %d sessions", lines, n)
	}

	groupLine := regexp.MustCompile(`^ ?-? ?([0-9,]+) sessions? \S.* → .*: (established|not established|failed: [a-z0-9, -]+)`)
	for _, format := range []string{"text", "markdown"} {
		out, stderr, code = runCmd(t, nil, "analyze", "-f", format, path)
		if code != exitOK {
			t.Fatalf("analyze -f %s: exit %d: %s", format, code, stderr)
		}
		if !strings.Contains(out, strconv.Itoa(n/1000)+","+strconv.Itoa(n%1000 + 1000)[1:]+" sessions, counted below by outcome") {
			t.Errorf("-f %s does not say the capture holds %d sessions:\n%.600s", format, n, out)
		}
		counted := 0
		for _, line := range strings.Split(out, "\n") {
			if m := groupLine.FindStringSubmatch(line); m != nil {
				k, _ := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
				counted += k
			}
		}
		if counted != n {
			t.Errorf("-f %s: the session groups count %d sessions, the JSON lists %d", format, counted, n)
		}
	}
	// Redacted, the sessions written as they come name no gateway: the generator puts
	// them in the documentation ranges, which become names.
	for _, args := range [][]string{{"-f", "json"}, {"-f", "jsonl"}, {"--summary"}, {"--summary", "-f", "json"}, {"-f", "text"}} {
		out, stderr, code = runCmd(t, nil, append(append([]string{"analyze", "--redact"}, args...), path)...)
		if code != exitOK {
			t.Fatalf("analyze --redact %v: exit %d: %s", args, code, stderr)
		}
		for _, leak := range []string{"192.0.2.", "198.51.100.", "203.0.113.", "gateway.pcap"} {
			if i := strings.Index(out, leak); i >= 0 {
				t.Errorf("analyze --redact %v: %q in the output: …%s…", args, leak, out[max(0, i-80):min(len(out), i+80)])
			}
		}
	}

	out, _, _ = runCmd(t, nil, "analyze", "-f", "html", path)
	if !strings.Contains(out, "<h2>Session groups</h2>") || len(out) > 4<<20 {
		t.Errorf("-f html: %d bytes, session groups listed: %v", len(out), strings.Contains(out, "<h2>Session groups</h2>"))
	}
}

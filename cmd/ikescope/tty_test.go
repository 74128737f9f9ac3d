package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestIsTerminal(t *testing.T) {
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	for name, out := range map[string]any{"buffer": &bytes.Buffer{}, "/dev/null": devNull, "pipe": w} {
		if isTerminal(out.(interface{ Write([]byte) (int, error) })) {
			t.Errorf("%s is taken for a terminal", name)
		}
		if got := terminalWidth(out.(interface{ Write([]byte) (int, error) }), env(nil)); got != 0 {
			t.Errorf("%s: width %d, want 0 (no terminal)", name, got)
		}
	}
}

func TestTerminalWidthColumns(t *testing.T) {
	var b bytes.Buffer
	tests := []struct {
		columns string
		want    int
	}{
		{"80", 80},
		{"132", 132},
		{"", 0},
		{"12", 0}, // too narrow to be meant
		{"wide", 0},
	}
	for _, tt := range tests {
		if got := terminalWidth(&b, env(map[string]string{"COLUMNS": tt.columns})); got != tt.want {
			t.Errorf("COLUMNS=%q: width %d, want %d", tt.columns, got, tt.want)
		}
	}
}

func TestUseColor(t *testing.T) {
	tests := []struct {
		name     string
		mode     colorMode
		terminal bool
		env      map[string]string
		want     bool
	}{
		{"auto on a terminal", colorAuto, true, map[string]string{"TERM": "xterm-256color"}, true},
		{"auto to a pipe", colorAuto, false, nil, false},
		{"NO_COLOR", colorAuto, true, map[string]string{"NO_COLOR": "1", "TERM": "xterm"}, false},
		{"TERM=dumb", colorAuto, true, map[string]string{"TERM": "dumb"}, false},
		{"always to a pipe", colorAlways, false, map[string]string{"NO_COLOR": "1"}, true},
		{"never on a terminal", colorNever, true, map[string]string{"TERM": "xterm"}, false},
	}
	for _, tt := range tests {
		if got := useColor(tt.mode, tt.terminal, env(tt.env)); got != tt.want {
			t.Errorf("%s: colour %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestReportLocation(t *testing.T) {
	if loc := reportLocation(env(nil)); loc != time.UTC {
		t.Errorf("without TZ: %v, want UTC", loc)
	}
	if loc := reportLocation(env(map[string]string{"TZ": "Europe/Berlin"})); loc != time.Local {
		t.Errorf("with TZ: %v, want the local zone", loc)
	}
}

// TestAnalyzeColorFlag runs --color into a buffer, as `ikescope analyze --color=always
// x.pcap | less -R` does.
func TestAnalyzeColorFlag(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	t.Setenv("COLUMNS", "")
	file := "../../pcaps/ikev2-no-proposal.pcap"
	out, errOut, code := runCmd(t, nil, "analyze", "--color=always", file)
	if code != exitOK || errOut != "" {
		t.Fatalf("--color=always: exit %d, stderr %q", code, errOut)
	}
	if !strings.Contains(out, "\x1b[1;31mERROR\x1b[0m") || !strings.Contains(out, "│") {
		t.Errorf("--color=always to a pipe: want the coloured table report:\n%s", out)
	}
	out, _, _ = runCmd(t, nil, "analyze", "--color", "never", "-f", "table", file)
	if strings.Contains(out, "\x1b[") || !strings.Contains(out, "│") {
		t.Errorf("--color never -f table: want boxes and no colour:\n%s", out)
	}
	t.Setenv("NO_COLOR", "")
	out, _, _ = runCmd(t, nil, "analyze", "-f", "table", file)
	if strings.Contains(out, "\x1b[") {
		t.Errorf("--color=auto to a buffer is coloured:\n%s", out)
	}
	_, errOut, code = runCmd(t, nil, "analyze", "--color=sometimes", file)
	if code != exitError || !strings.Contains(errOut, "auto, always or never") {
		t.Errorf("--color=sometimes: exit %d, stderr %q", code, errOut)
	}
}

// TestAnalyzeFitsWidth renders every capture with COLUMNS=80 (and all of them together)
// and checks that no line of -f table or -f text is longer than 80 runes.
func TestAnalyzeFitsWidth(t *testing.T) {
	t.Setenv("COLUMNS", "80")
	t.Setenv("NO_COLOR", "")
	t.Setenv("TZ", "")
	files := pcapFiles(t)
	runs := [][]string{
		append([]string{"analyze", "-f", "table"}, files...),
		append([]string{"analyze", "-f", "text", "--redact"}, files...),
	}
	for _, f := range files {
		runs = append(runs,
			[]string{"analyze", "-f", "table", f},
			[]string{"analyze", "-f", "text", f},
			[]string{"analyze", "-f", "table", "--time", "abs", f},
			[]string{"analyze", "-f", "text", "--time", "delta", f},
		)
	}
	for _, args := range runs {
		out, errOut, code := runCmd(t, nil, args...)
		name := strings.Join(args[1:min(len(args), 6)], " ")
		if code != exitOK || errOut != "" {
			t.Fatalf("%s: exit %d, stderr %q", name, code, errOut)
		}
		for i, line := range strings.Split(out, "\n") {
			if n := utf8.RuneCountInString(line); n > 80 {
				t.Errorf("%s: line %d is %d runes long:\n%s", name, i+1, n, line)
			}
		}
	}
}

// TestAnalyzeLadderTime checks the ladder's time column in each --time format on a
// capture whose second session starts a second after the capture.
func TestAnalyzeLadderTime(t *testing.T) {
	t.Setenv("COLUMNS", "")
	t.Setenv("TZ", "")
	file := "../../pcaps/ikev1-p1-proposal-mismatch.pcap"
	tests := []struct {
		time string
		want []string
	}{
		{"rel", []string{" frame     time  ", "     3    1.025  -- MM1", "X    4    1.026  <--"}},
		{"delta", []string{"X    2    0.002  <--", "     3    0.000  -- MM1", "X    4    0.001  <--"}},
		{"abs", []string{" frame              time (UTC)  ", "     3 2026-11-22 07:22:23.830  -- MM1", "2  2026-11-22T07:22:23.830Z  192.0.2.2:500", "at 2026-11-22T07:22:23.830Z"}},
	}
	for _, tt := range tests {
		out, errOut, code := runCmd(t, nil, "analyze", "-f", "text", "--time", tt.time, file)
		if code != exitOK || errOut != "" {
			t.Fatalf("--time %s: exit %d, stderr %q", tt.time, code, errOut)
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("--time %s: output lacks %q:\n%s", tt.time, w, out)
			}
		}
	}
	_, errOut, code := runCmd(t, nil, "analyze", "--time", "utc", file)
	if code != exitError || !strings.Contains(errOut, "abs, rel or delta") {
		t.Errorf("--time utc: exit %d, stderr %q", code, errOut)
	}
}

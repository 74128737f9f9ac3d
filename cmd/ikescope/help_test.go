package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every command's usage line, in its own help and in ikescope --help, names every option
// its help lists.
func TestUsageLinesListEveryFlag(t *testing.T) {
	mainUsage, _, _ := runCmd(t, nil, "--help")
	option := regexp.MustCompile(`(?m)^  (-[-\w]+)(?:, (--[-\w]+))?`)
	for _, cmd := range []string{"analyze", "decode", "keys", "check", "version"} {
		t.Run(cmd, func(t *testing.T) {
			_, help, code := runCmd(t, nil, cmd, "-h")
			if code != exitOK || !strings.HasPrefix(help, "Usage: ikescope "+cmd) {
				t.Fatalf("%s -h: exit %d, %q", cmd, code, help)
			}
			usageLine, _, _ := strings.Cut(strings.TrimPrefix(help, "Usage: "), "\n")
			// The main usage may wrap a command's line: join it up to the next command.
			mainLine := mainUsage[strings.Index(mainUsage, "  ikescope "+cmd):]
			if i := strings.Index(mainLine[1:], "\n  ikescope "); i >= 0 {
				mainLine = mainLine[:i+1]
			}
			mainLine, _, _ = strings.Cut(mainLine, "\n\n")
			for _, m := range option.FindAllStringSubmatch(help, -1) {
				for _, name := range m[1:] {
					if name == "" {
						continue
					}
					re := regexp.MustCompile(`[\s\[|]` + regexp.QuoteMeta(name) + `[\s\]|]`)
					if !re.MatchString(usageLine + " ") {
						t.Errorf("%s -h lists %s but its usage line does not: %s", cmd, name, usageLine)
					}
					if !re.MatchString(mainLine + " ") {
						t.Errorf("%s -h lists %s but ikescope --help's line does not: %s", cmd, name, mainLine)
					}
				}
			}
		})
	}
	for _, cmd := range []string{"analyze", "decode"} {
		_, help, _ := runCmd(t, nil, cmd, "-h")
		for _, want := range []string{"-f, --format FORMAT", "-o, --output FILE", "--keys FILE", "Examples:\n  ikescope " + cmd} {
			if !strings.Contains(help, want) {
				t.Errorf("%s -h lacks %q:\n%s", cmd, want, help)
			}
		}
	}
	_, help, _ := runCmd(t, nil, "decode", "-h")
	if !strings.Contains(help, "\n\nPrint every IKE/ISAKMP and ESP message") {
		t.Errorf("decode -h has no description:\n%s", help)
	}
	_, help, _ = runCmd(t, nil, "keys", "-h")
	for _, want := range []string{"Options:", "ikev2_decryption_table", "charon log", "Examples:\n  ikescope keys"} {
		if !strings.Contains(help, want) {
			t.Errorf("keys -h lacks %q:\n%s", want, help)
		}
	}
}

// --format and --output are -f and -o; format names are read in any case.
func TestLongFormsAndFormatCase(t *testing.T) {
	const capture = "../../pcaps/ikev2-no-proposal.pcap"
	dir := t.TempDir()
	for _, cmd := range []string{"analyze", "decode"} {
		want, _, code := runCmd(t, nil, cmd, "-f", "json", capture)
		if code != exitOK {
			t.Fatalf("%s -f json: exit %d", cmd, code)
		}
		for _, args := range [][]string{
			{"--format", "json"}, {"--format=json"}, {"-f", "JSON"}, {"--format", "Json"},
		} {
			got, errOut, code := runCmd(t, nil, append(append([]string{cmd}, args...), capture)...)
			if code != exitOK || got != want {
				t.Errorf("%s %v: exit %d, stderr %q, output differs from -f json's", cmd, args, code, errOut)
			}
		}
		path := filepath.Join(dir, cmd+".out")
		if _, errOut, code := runCmd(t, nil, cmd, "--output", path, "--format", "JSON", capture); code != exitOK {
			t.Fatalf("%s --output: exit %d, stderr %q", cmd, code, errOut)
		}
		if got, _ := os.ReadFile(path); string(got) != want {
			t.Errorf("%s --output %s: file differs from -f json's output", cmd, path)
		}
	}
	if _, errOut, code := runCmd(t, nil, "analyze", "-f", "XML", capture); code != exitError || !strings.Contains(errOut, `unknown format "XML"`) {
		t.Errorf("analyze -f XML: exit %d, stderr %q", code, errOut)
	}
}

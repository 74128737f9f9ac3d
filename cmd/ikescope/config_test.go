package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func scenarioConfigs(name string) (a, b string) {
	base := filepath.Join("..", "..", "pcaps", "configs", name)
	if _, err := os.Stat(filepath.Join(base, "initiator")); err == nil {
		return filepath.Join(base, "initiator"), filepath.Join(base, "responder")
	}
	return filepath.Join(base, "clients"), filepath.Join(base, "gateway")
}

// ikescope check: the line to change, exit status 1 when something will not match, 0
// when nothing will, 2 and one line for a configuration it cannot read.
func TestCheckCommand(t *testing.T) {
	a, b := scenarioConfigs("ikev1-p1-proposal-mismatch")
	out, errOut, code := runCmd(t, nil, "check", a, b)
	if code != exitFindings || errOut != "" {
		t.Fatalf("check of a proposal mismatch: exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"ERROR proposal-diff: No IKE proposal of initiator is among responder's",
		"initiator/swanctl.conf:7 `proposals = aes128-sha256-modp2048`", "responder/swanctl.conf:7 `proposals = aes256-sha384-ecp384`"} {
		if !strings.Contains(out, want) {
			t.Errorf("check lacks %q:\n%s", want, out)
		}
	}
	out, _, code = runCmd(t, nil, "check", "-f", "json", a, b)
	var doc struct {
		Gateways []struct{ Format string }
		Findings []struct {
			Code        string
			ConfigLines []struct {
				File string
				Line int
				Text string
			} `json:"config_lines"`
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != exitFindings {
		t.Fatalf("check -f json: exit %d, %v", code, err)
	}
	if len(doc.Gateways) != 2 || doc.Gateways[0].Format != "strongSwan swanctl.conf" || len(doc.Findings) == 0 || len(doc.Findings[0].ConfigLines) != 2 {
		t.Errorf("check -f json: %+v", doc)
	}

	a, b = scenarioConfigs("ikev2-psk")
	out, _, code = runCmd(t, nil, "check", a, b)
	if code != exitOK || !strings.Contains(out, "Nothing in these configurations keeps the two gateways from negotiating.") {
		t.Errorf("check of a healthy pair: exit %d:\n%s", code, out)
	}

	dir := t.TempDir()
	broken := filepath.Join(dir, "swanctl.conf")
	os.WriteFile(broken, []byte("connections {\n  gw {\n    proposals = aes128-sha256-modp2048\n"), 0o644)
	binary := filepath.Join(dir, "blob.conf")
	os.WriteFile(binary, []byte{0x7f, 'E', 'L', 'F', 0, 1, 2}, 0o644)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"check", filepath.Join(dir, "missing.conf"), b}, "missing.conf: cannot read the configuration"},
		{[]string{"check", broken, b}, broken + ":"},
		{[]string{"check", binary, b}, "blob.conf: not a text file"},
		{[]string{"check", a}, "check takes two configurations"},
		{[]string{"analyze", "--config", broken, "../../pcaps/ikev2-psk.pcap"}, broken + ":"},
	} {
		_, errOut, code := runCmd(t, nil, tt.args...)
		if code != exitError || !strings.Contains(errOut, tt.want) || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q, want one line with %q", tt.args, code, errOut, tt.want)
		}
	}
}

// ikescope analyze --config: the finding cites the line, in every format; the session
// names the connection of each side; --redact leaves the lines out and says so.
func TestAnalyzeConfig(t *testing.T) {
	a, b := scenarioConfigs("ikev1-proxyid-mismatch")
	capture := "../../pcaps/ikev1-proxyid-mismatch.pcap"
	want := "responder/swanctl.conf:21 `local_ts = 10.3.0.0/24` does not cover 10.2.0.0/24, which initiator asks for"
	for _, format := range []string{"table", "text", "markdown", "html", "json", "jsonl"} {
		out, errOut, code := runCmd(t, nil, "analyze", "-f", format, "--config", a, "--config", b, capture)
		if code != exitOK || errOut != "" {
			t.Fatalf("-f %s: exit %d, stderr %q", format, code, errOut)
		}
		w := want
		if format == "markdown" {
			w = strings.ReplaceAll(w, "`", "\\`") // written as text, not code
		}
		if !strings.Contains(strings.Join(strings.Fields(out), " "), w) { // wrapped to the width in text
			t.Errorf("-f %s lacks %q", format, w)
		}
	}
	out, _, _ := runCmd(t, nil, "analyze", "-f", "json", "--config", a, "--config", b, capture)
	validate(t, loadSchema(t, "analyze.schema.json"), "analyze --config -f json", []byte(out))
	if !strings.Contains(out, `"connections": [`) || !strings.Contains(out, `"config_lines": [`) {
		t.Errorf("-f json lacks connections or config_lines")
	}
	out, errOut, _ := runCmd(t, nil, "analyze", "--redact", "-f", "json", "--config", a, "--config", b, capture)
	if strings.Contains(out, "config_lines") || strings.Contains(out, "swanctl.conf") || !strings.Contains(errOut, "--redact leaves out") {
		t.Errorf("--redact with --config: config lines in the output, or no note (stderr %q)", errOut)
	}
}

// The pre-shared keys and user passwords of every scenario's configuration never appear
// in what ikescope writes: check in both formats, analyze in every format with the
// configurations (and the keys from the daemons' logs where there are some).
func TestConfigSecretsNeverShown(t *testing.T) {
	files, _ := filepath.Glob("../../pcaps/configs/*/*/*")
	re := regexp.MustCompile(`(?:secret\s*=\s*|PSK\s+)"([^"]+)"`)
	secrets := map[string]bool{}
	for _, f := range files {
		data, _ := os.ReadFile(f)
		for _, m := range re.FindAllStringSubmatch(string(data), -1) {
			secrets[m[1]] = true
		}
	}
	if len(secrets) < 10 {
		t.Fatalf("%d secrets found in pcaps/configs", len(secrets))
	}
	check := func(what, out string) {
		for s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("%s shows the secret %q", what, s)
			}
		}
	}
	for _, name := range []string{"ikev1-main-psk-mismatch", "ikev2-psk-mismatch", "ikev1-aggressive-psk-mismatch",
		"ikev2-eap-wrong-password", "ikev1-xauth-wrong-password", "ikev1-main-id-refused", "ikev2-psk", "roadwarriors"} {
		a, b := scenarioConfigs(name)
		for _, format := range []string{"text", "json"} {
			out, errOut, _ := runCmd(t, nil, "check", "-f", format, a, b)
			check("check -f "+format+" "+name, out+errOut)
		}
		capture := filepath.Join("..", "..", "pcaps", name+".pcap")
		args := []string{"--config", a, "--config", b}
		if log := filepath.Join("..", "..", "pcaps", name+".responder.log"); fileExists(log) {
			args = append(args, "--keys", log)
		}
		for _, format := range []string{"table", "text", "markdown", "html", "json", "jsonl"} {
			out, errOut, _ := runCmd(t, nil, append(append([]string{"analyze", "-f", format}, args...), capture)...)
			check("analyze -f "+format+" "+name, out+errOut)
		}
	}
}

package main

import (
	"strings"
	"testing"
)

// TestAnalyzeInnerTraffic runs the anti-spoofing capture with the CHILD_SA keys the
// initiator's charon logged: every report for people shows what the tunnel carried and
// the conversation that gets no answer; the JSON fits the schema, also redacted, and
// --redact hides the inner addresses too.
func TestAnalyzeInnerTraffic(t *testing.T) {
	keys, capture := "../../pcaps/ikev2-inner-dropped.initiator.log", "../../pcaps/ikev2-inner-dropped.pcap"
	for _, tc := range []struct {
		format string
		want   []string
	}{
		{"text", []string{"INSIDE THE TUNNEL", "10.1.0.10 → 10.2.0.1 ICMP", "3 / none", "10.1.0.1 → 10.2.0.1 ICMP", "6 / 6", "inner-one-way"}},
		{"markdown", []string{"## Inside the tunnel (decrypted ESP)", "| 1 | afaf571a | 10.1.0.10 → 10.2.0.1 ICMP | 3 | 3 / none | 11-13 |", "inner-one-way"}},
		{"html", []string{`<section id="inside-the-tunnel">`, "10.1.0.10 → 10.2.0.1 ICMP", "inner-one-way"}},
		{"json", []string{`"inner": {`, `"integrity": "verified"`, `"requests": 3`, `"code": "inner-one-way"`, "TCP port 8080 (4 connection attempts (SYN), frames 14-17)"}},
	} {
		out, errOut, code := runCmd(t, nil, "analyze", "-f", tc.format, "--keys", keys, capture)
		if code != exitOK {
			t.Fatalf("-f %s: exit %d: %s", tc.format, code, errOut)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("-f %s lacks %q", tc.format, w)
			}
		}
		if tc.format == "json" {
			validate(t, loadSchema(t, "analyze.schema.json"), "analyze --keys (ESP)", []byte(out))
		}
	}
	out, errOut, code := runCmd(t, nil, "analyze", "-f", "jsonl", "--keys", keys, capture)
	if code != exitOK {
		t.Fatalf("-f jsonl: exit %d: %s", code, errOut)
	}
	events := loadSchema(t, "analyze-events.schema.json")
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		validate(t, events, "analyze --keys -f jsonl line "+itoa(i+1), []byte(line))
	}
	if !strings.Contains(out, `"inner":{`) {
		t.Error("-f jsonl: no esp_flow event carries its inner traffic")
	}
	for _, f := range []string{"text", "json", "markdown", "jsonl", "html"} {
		out, errOut, code := runCmd(t, nil, "analyze", "--redact", "-f", f, "--keys", keys, capture)
		if code != exitOK {
			t.Fatalf("--redact -f %s: exit %d: %s", f, code, errOut)
		}
		for _, a := range []string{"10.1.0.10", "10.2.0.1", "afaf571a"} {
			if strings.Contains(out, a) {
				t.Errorf("--redact -f %s shows %s", f, a)
			}
		}
		if !strings.Contains(out, "inner-one-way") {
			t.Errorf("--redact -f %s lost the finding", f)
		}
		if f == "json" {
			validate(t, loadSchema(t, "analyze.schema.json"), "analyze --redact --keys (ESP)", []byte(out))
		}
	}
}

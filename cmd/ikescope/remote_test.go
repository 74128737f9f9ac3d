package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// Remote access in every report: the clients summary of a gateway's capture, the user
// layer in the ladder with keys, and --redact hiding user names and assigned addresses.
// The captures and logs are pcaps/roadwarriors.* and the remote-access pairs (pcaps/README.md).
func TestRemoteAccessReports(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	t.Setenv("COLUMNS", "")
	t.Setenv("TZ", "")
	rw := filepath.Join("..", "..", "pcaps", "roadwarriors.pcap")
	rwKeys := filepath.Join("..", "..", "pcaps", "roadwarriors.gateway.log")

	text, errOut, code := runCmd(t, nil, "analyze", "-f", "text", "--keys", rwKeys, rw)
	if code != exitOK || errOut != "" { // no --fail-on: findings do not change the exit status
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{
		"CLIENTS\n 95 clients of 203.0.113.2 in 95 sessions\n 80 connected (an IPsec SA in their last session)\n 9 clients: user-auth-failed\n 6 clients: no-virtual-ip\n",
		"3 clients behind one address, 203.0.113.1",
		"EAP-MSCHAPv2 (user01, 10.99.0.1)",
		`EAP-MSCHAPv2 authentication of user "user10" failed`,
		`The gateway ended XAUTH with XAUTH_STATUS = FAIL (frame`,
		"INTERNAL_ADDRESS_FAILURE",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("-f text lacks %q", want)
		}
	}
	for _, f := range []struct{ format, want string }{
		{"markdown", "## Clients\n\n- 95 clients of 203.0.113.2 in 95 sessions\n"},
		{"html", "<h2>Clients</h2>\n<ul><li>95 clients of 203.0.113.2 in 95 sessions</li>"},
		{"json", `"clients": {`},
		{"jsonl", `{"type":"clients","schema_version":2,`},
	} {
		out, _, _ := runCmd(t, nil, "analyze", "-f", f.format, "--keys", rwKeys, rw)
		if !strings.Contains(out, f.want) {
			t.Errorf("-f %s lacks %q", f.format, f.want)
		}
	}
	doc, events := loadSchema(t, "analyze.schema.json"), loadSchema(t, "analyze-events.schema.json")
	for _, redact := range []bool{false, true} {
		args := []string{"analyze", "--keys", rwKeys}
		if redact {
			args = append(args, "--redact")
		}
		out, _, _ := runCmd(t, nil, append(append(args, "-f", "json"), rw)...)
		validate(t, doc, fmt.Sprintf("roadwarriors -f json redact=%v", redact), []byte(out))
		out, _, _ = runCmd(t, nil, append(append(args, "-f", "jsonl"), rw)...)
		for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			validate(t, events, fmt.Sprintf("roadwarriors -f jsonl redact=%v line %d", redact, i+1), []byte(line))
		}
	}

	// With --redact, no user name, virtual IP or password in any format.
	passwords := []string{"ikescope-alice-password", "ikescope-bob-password", "ikescope-wrong-password", "ikescope-user"}
	secrets := append([]string{"alice", "bob", "10.99.0."}, passwords...)
	for i := 1; i <= 95; i++ {
		secrets = append(secrets, fmt.Sprintf("user%02d", i))
	}
	runs := [][]string{{"--keys", rwKeys, rw}}
	for _, name := range []string{"ikev1-xauth-psk", "ikev1-xauth-wrong-password", "ikev2-eap-mschapv2", "ikev2-eap-method-mismatch"} {
		base := filepath.Join("..", "..", "pcaps", name)
		runs = append(runs, []string{"--keys", base + ".responder.log", base + ".pcap"})
	}
	for _, name := range []string{"ikev1-modecfg-pool-exhausted", "ikev2-cp-pool-exhausted"} {
		base := filepath.Join("..", "..", "pcaps", name)
		runs = append(runs, []string{"--keys", base + ".gateway.log", base + ".pcap"})
	}
	for _, run := range runs {
		for _, format := range []string{"table", "text", "markdown", "html", "json", "jsonl"} {
			out, _, _ := runCmd(t, nil, append([]string{"analyze", "--redact", "-f", format}, run...)...)
			for _, s := range secrets {
				if strings.Contains(out, s) {
					t.Errorf("analyze --redact -f %s %s shows %q", format, run[len(run)-1], s)
				}
			}
		}
		// Passwords never appear, redacted or not, decoded or analyzed.
		for _, args := range [][]string{{"analyze", "-f", "json"}, {"analyze", "-f", "html"}, {"decode", "-f", "json"}, {"decode"}} {
			out, _, _ := runCmd(t, nil, append(args, run...)...)
			for _, p := range passwords {
				if strings.Contains(out, p) {
					t.Errorf("%s %s shows the password %q", strings.Join(args, " "), run[len(run)-1], p)
				}
			}
		}
	}
}

// The ladder reads the user layer with keys: XAUTH's request, reply with the user name
// (the password hidden) and status; Mode Config and CP with the address; the EAP packets
// by code, method and MS-CHAPv2 operation.
func TestRemoteAccessLadder(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	t.Setenv("COLUMNS", "")
	for _, tt := range []struct {
		name, log string
		want      []string
	}{
		{"ikev1-xauth-wrong-password", "responder", []string{
			"CFG REQUEST: XAUTH-USER-NAME, XAUTH-USER-PASSWORD (hidden)",
			"CFG REPLY: XAUTH-USER-NAME alice, XAUTH-USER-PASSWORD (hidden)",
			"CFG SET: XAUTH-STATUS FAIL",
		}},
		{"ikev1-modecfg-pool-exhausted", "gateway", []string{
			"CFG REQUEST: INTERNAL_IP4_ADDRESS",
			"decrypted: HASH · CFG REPLY\n",
			"N(INVALID-ID-INFORMATION)",
		}},
		{"ikev2-eap-method-mismatch", "responder", []string{
			"EAP Request/Identity",
			"EAP Response/Identity alice",
			"EAP Request/MSCHAPv2 Challenge",
			"EAP Response/Nak (wants MD5-Challenge)",
			"EAP Failure",
		}},
	} {
		base := filepath.Join("..", "..", "pcaps", tt.name)
		out, _, _ := runCmd(t, nil, "analyze", "-f", "text", "--keys", base+"."+tt.log+".log", base+".pcap")
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: the ladder lacks %q", tt.name, w)
			}
		}
	}
}

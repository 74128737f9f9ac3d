package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// How decode renders the inner packets is tested in report (decode_inner_test.go); here,
// that --keys opens the ESP before either format is written, and that keys from `keys -o`
// reach decode's ESP.

func TestDecodeKeysOpenESP(t *testing.T) {
	for f, want := range map[string]string{"text": "  inner (integrity verified, keys from ikev2-psk.initiator.log:",
		"json": `"inner":{"integrity":"verified","key_source":"ikev2-psk.initiator.log:`} {
		out, errOut, code := runCmd(t, nil, "decode", "-f", f, "--keys", "../../pcaps/ikev2-psk.initiator.log", "../../pcaps/ikev2-psk.pcap")
		if code != exitOK || strings.Count(out, want) != 10 {
			t.Errorf("-f %s: exit %d, %s, %d ESP packets with %q, want 10", f, code, errOut, strings.Count(out, want), want)
		}
	}
}

// keys prints ESP keys as Wireshark's esp_sa; what -o writes opens the ESP again.
func TestKeysESPTable(t *testing.T) {
	const log = "../../pcaps/ikev2-psk.responder.log"
	out, _, code := runCmd(t, nil, "keys", log)
	if code != exitOK || !strings.Contains(out, "# esp_sa (Wireshark: Preferences > Protocols > ESP > ESP SAs)") ||
		strings.Count(out, `"IPv4","192.0.2.`) != 2 || !strings.Contains(out, `"AES-CBC [RFC3602]"`) {
		t.Errorf("keys: exit %d\n%s", code, out)
	}
	out, _, _ = runCmd(t, nil, "keys", "--esp", log)
	if strings.Contains(out, "decryption_table") || strings.Count(out, "\n") != 3 {
		t.Errorf("keys --esp:\n%s", out)
	}
	dir := t.TempDir()
	if _, errOut, code := runCmd(t, nil, "keys", "-o", dir, log); code != exitOK || !strings.Contains(errOut, filepath.Join(dir, "esp_sa")) {
		t.Fatalf("keys -o: exit %d, %s", code, errOut)
	}
	out, _, code = runCmd(t, nil, "decode", "--keys", filepath.Join(dir, "esp_sa"), "../../pcaps/ikev2-psk.pcap")
	if code != exitOK || strings.Count(out, "inner (integrity verified, keys from esp_sa:") != 10 {
		t.Errorf("decode with the written esp_sa: exit %d\n%s", code, out)
	}
	// IKE keys alone write no esp_sa over Wireshark's own.
	dir = t.TempDir()
	v1 := filepath.Join(t.TempDir(), "v1")
	os.WriteFile(v1, []byte("fafaeb49382a763c,735be0cb62f82675\n"), 0o600)
	runCmd(t, nil, "keys", "-o", dir, v1)
	if _, err := os.Stat(filepath.Join(dir, "esp_sa")); err == nil {
		t.Error("keys -o wrote an empty esp_sa")
	}
}

package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ikescope/ikescope/internal/decodetest"
)

// A capture given where a key file belongs is named as a capture in one line, not
// quoted back byte by byte as malformed key lines.
func TestCaptureGivenAsKeyFile(t *testing.T) {
	const pcap, capture = "../../pcaps/ikev1-main-psk.pcap", "../../pcaps/ikev2-psk.pcap"
	raw, err := os.ReadFile(pcap)
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()
	gzPath := filepath.Join(t.TempDir(), "capture.pcap.gz")
	if err := os.WriteFile(gzPath, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	pcapngs, _ := filepath.Glob("../../pcaps/*.pcapng")
	keyFiles := []string{pcap, gzPath}
	if len(pcapngs) > 0 {
		keyFiles = append(keyFiles, pcapngs[0])
	}
	for _, key := range keyFiles {
		for _, args := range [][]string{
			{"keys", key},
			{"analyze", "--keys", key, capture},
			{"decode", "--keys", key, capture},
		} {
			out, errOut, code := runCmd(t, nil, args...)
			if code != exitError || out != "" {
				t.Errorf("%v: exit %d, stdout %q", args, code, out)
			}
			if strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, key+" is a packet capture, not a key file") || strings.Contains(errOut, "hex") {
				t.Errorf("%v: stderr %q, want one line saying %s is a capture", args, errOut, key)
			}
		}
	}
	// A text file that is not a capture still reaches the key parser.
	notes := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(notes, []byte("hello\n"), 0o644)
	if _, errOut, code := runCmd(t, nil, "keys", notes); code != exitError || strings.Contains(errOut, "packet capture") {
		t.Errorf("keys notes.txt: exit %d, stderr %q", code, errOut)
	}
}

// keys writes both of Wireshark's tables into a directory with -o, under Wireshark's
// names, and prints one of them alone, as its file holds it, with --v1 or --v2.
func TestKeysTables(t *testing.T) {
	const v1log, v2log = "../../pcaps/ikev1-main-psk.initiator.log", "../../pcaps/ikev2-psk.initiator.log"
	const v1key, v2key = "945a66ee02a95a4e78f76315b220819a", "AES-CBC-256"
	dir := t.TempDir()
	out, errOut, code := runCmd(t, nil, "keys", "-o", dir, v1log, v2log)
	if code != exitOK || out != "" {
		t.Fatalf("keys -o: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	for name, want := range map[string]string{"ikev1_decryption_table": v1key, "ikev2_decryption_table": v2key} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		other := v2key
		if want == v2key {
			other = v1key
		}
		if !strings.Contains(string(b), want) || strings.Contains(string(b), other) || strings.Contains(string(b), "Wireshark: Preferences") {
			t.Errorf("%s:\n%s", name, b)
		}
		if !strings.Contains(errOut, filepath.Join(dir, name)) {
			t.Errorf("stderr does not name %s: %q", name, errOut)
		}
	}
	// What -o wrote opens the capture.
	out, _, code = runCmd(t, nil, "decode", "--keys", filepath.Join(dir, "ikev2_decryption_table"), "../../pcaps/ikev2-psk.pcap")
	if code != exitOK || !strings.Contains(out, "decrypted (integrity verified") {
		t.Errorf("decode with the written table: exit %d\n%s", code, out)
	}

	for _, tt := range []struct{ flag, want, not string }{{"--v1", v1key, v2key}, {"--v2", v2key, v1key}} {
		out, _, code := runCmd(t, nil, "keys", tt.flag, v1log, v2log)
		if code != exitOK || !strings.Contains(out, tt.want) || strings.Contains(out, tt.not) || strings.Contains(out, "Wireshark: Preferences") {
			t.Errorf("keys %s: exit %d\n%s", tt.flag, code, out)
		}
	}
	v2dir := t.TempDir()
	if _, _, code := runCmd(t, nil, "keys", "--v2", "-o", v2dir, v2log); code != exitOK {
		t.Errorf("keys --v2 -o: exit %d", code)
	}
	if entries, _ := os.ReadDir(v2dir); len(entries) != 1 || entries[0].Name() != "ikev2_decryption_table" {
		t.Errorf("keys --v2 -o wrote %v", entries)
	}
	notDir := filepath.Join(dir, "ikev2_decryption_table")
	if _, errOut, code := runCmd(t, nil, "keys", "-o", notDir, v2log); code != exitError || !strings.Contains(errOut, "directory") {
		t.Errorf("keys -o FILE: exit %d, stderr %q", code, errOut)
	}
}

// A charon log does not name the SPIs of an IKE SA made by a rekey, so keys writes its
// keys as a comment; given the capture too, it binds them to the SA they open, and
// Wireshark decrypts that SA with the table (ikev2-rekey: session 2, frames 47 to 59).
func TestKeysBoundByCapture(t *testing.T) {
	const log, capture = "../../pcaps/ikev2-rekey.initiator.log", "../../pcaps/ikev2-rekey.pcap"
	const rekeyed = "de7a5913337c7696,add2410303795dfb,74a3997d"
	out, _, code := runCmd(t, nil, "keys", "--v2", log)
	if code != exitOK || strings.Contains(out, "\n"+rekeyed) || !strings.Contains(out, "no SPIs") {
		t.Fatalf("keys --v2 without the capture: exit %d\n%s", code, out)
	}
	conf := t.TempDir()
	dir := filepath.Join(conf, "wireshark")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runCmd(t, nil, "keys", "--v2", "-o", dir, log, capture); code != exitOK {
		t.Fatalf("keys --v2 -o with the capture: exit %d: %s", code, errOut)
	}
	table, err := os.ReadFile(filepath.Join(dir, "ikev2_decryption_table"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(table), "\n"+rekeyed) || strings.Contains(string(table), "no SPIs") {
		t.Fatalf("table with the capture:\n%s", table)
	}
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		decodetest.SkipOrFail(t, "tshark is not installed: run `make test` (it installs the test dependencies) or `apt-get install tshark`")
	}
	cmd := exec.Command(tshark, "-n", "-r", capture, "-Y", "frame.number >= 47 && isakmp", "-T", "fields", "-e", "frame.number", "-e", "isakmp.enc.decrypted")
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+conf)
	res, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(res)), "\n")
	for _, line := range lines {
		if f := strings.Fields(line); len(f) < 2 {
			t.Errorf("tshark did not decrypt frame %s with the table", f[0])
		}
	}
	if len(lines) < 6 {
		t.Errorf("tshark shows %d IKE messages from frame 47 on, want the rekeyed SA's", len(lines))
	}
}

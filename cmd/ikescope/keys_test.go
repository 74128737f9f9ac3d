package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
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

package config_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// pcaps/configs holds what pcaps/record.sh writes for each scenario's daemons: running its
// --configs mode (the same writers, no daemon, no namespace, no packet) gives the same
// files byte for byte, so a change to the script that would record other captures shows
// here before anyone records them.
func TestConfigsMatchTheScript(t *testing.T) {
	if testing.Short() {
		t.Skip("runs pcaps/record.sh --configs (about half a minute)")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not installed")
	}
	out := t.TempDir()
	cmd := exec.Command("bash", filepath.Join("..", "pcaps", "record.sh"), "--configs")
	cmd.Env = append(os.Environ(), "IKS_PCAP_OUT="+out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("record.sh --configs: %v\n%s", err, b)
	}
	want, _ := filepath.Glob(filepath.Join("..", "pcaps", "configs", "*", "*", "*"))
	if len(want) < 100 {
		t.Fatalf("%d files in pcaps/configs", len(want))
	}
	got, _ := filepath.Glob(filepath.Join(out, "configs", "*", "*", "*"))
	if len(got) != len(want) {
		t.Errorf("the script writes %d files, pcaps/configs holds %d", len(got), len(want))
	}
	for _, w := range want {
		rel, _ := filepath.Rel(filepath.Join("..", "pcaps"), w)
		g, err := os.ReadFile(filepath.Join(out, rel))
		if err != nil {
			t.Errorf("%s: the script does not write it", rel)
			continue
		}
		if wb, _ := os.ReadFile(w); !bytes.Equal(g, wb) {
			t.Errorf("%s: the script writes it otherwise", rel)
		}
	}
}

package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/config"
)

func mustLoad(t *testing.T, path string) *config.Gateway {
	t.Helper()
	g, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// Mixed pairs, as ikescope check compares them: each difference is the one written into
// the test configurations (from the manuals: racoon.conf(5), Cisco's IOS configuration
// guide, libreswan's ipsec.conf(5)), down to the attribute, citing both lines; the same
// pair with the difference mended has nothing to say.
func TestCheckMixedPairs(t *testing.T) {
	for _, tt := range []struct {
		a, b   string
		code   string
		detail string
		lines  []string
	}{
		{"testdata/racoon/mismatch", "testdata/cisco/mismatch", analyze.CodeProposalDiff,
			"integrity: testdata/racoon/mismatch offers SHA1, testdata/cisco/mismatch SHA2-256",
			[]string{"racoon/mismatch/racoon.conf:7", "cisco/mismatch/running-config:4"}},
		{"testdata/mixed/libreswan-a", "testdata/mixed/cisco-b", analyze.CodeProposalDiff,
			"No ESP proposal of libreswan-a is among cisco-b's: DH group: libreswan-a offers MODP_2048, cisco-b none",
			[]string{"libreswan-a/ipsec.conf:13", "cisco-b/running-config:10"}},
	} {
		fs := config.Compare(mustLoad(t, tt.a), mustLoad(t, tt.b))
		if len(fs) != 1 || fs[0].Code != tt.code || !strings.Contains(fs[0].Summary, tt.detail) {
			t.Errorf("%s vs %s: %v, want one %s saying %q", tt.a, tt.b, fs, tt.code, tt.detail)
			continue
		}
		for _, l := range tt.lines {
			if !cites(fs[0].ConfigLines, l) {
				t.Errorf("%s vs %s: %v does not cite %s", tt.a, tt.b, fs[0].ConfigLines, l)
			}
		}
	}
	// The Cisco side with PFS group 14, as libreswan asks for: nothing will fail.
	dir := t.TempDir()
	cfg, _ := os.ReadFile("testdata/mixed/cisco-b/running-config")
	fixed := strings.Replace(string(cfg), " set transform-set TS-A\n", " set transform-set TS-A\n set pfs group14\n", 1)
	os.WriteFile(filepath.Join(dir, "running-config"), []byte(fixed), 0o644)
	if fs := config.Compare(mustLoad(t, "testdata/mixed/libreswan-a"), mustLoad(t, dir)); len(fs) != 0 {
		t.Errorf("with set pfs group14: %v", fs)
	}
}

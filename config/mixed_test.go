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

// Mixed pairs (racoon against strongSwan, libreswan and racoon against Cisco IOS), as
// ikescope check compares them: each difference is the one written into
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
		{"testdata/racoon/seed", "testdata/mixed/swanctl-b", analyze.CodeProposalDiff,
			"No ESP proposal of seed is among swanctl-b's: DH group: seed offers MODP_2048, swanctl-b none",
			[]string{"racoon/seed/racoon.conf:53", "swanctl-b/swanctl.conf:22"}},
		{"testdata/mixed/swanctl-b", "testdata/racoon/seed", analyze.CodeProposalDiff,
			"DH group: swanctl-b offers none, seed MODP_2048",
			[]string{"racoon/seed/racoon.conf:53", "swanctl-b/swanctl.conf:22"}},
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
	// racoon's sainfo asks for PFS group 14 (MODP_2048): with it on the strongSwan side,
	// nothing will fail (racoon's other sainfo, for another peer, is not proposed).
	sw := t.TempDir()
	conf, _ := os.ReadFile("testdata/mixed/swanctl-b/swanctl.conf")
	os.WriteFile(filepath.Join(sw, "swanctl.conf"), []byte(strings.Replace(string(conf), "esp_proposals = aes256-sha256\n", "esp_proposals = aes256-sha256-modp2048\n", 1)), 0o644)
	if fs := config.Compare(mustLoad(t, "testdata/racoon/seed"), mustLoad(t, sw)); len(fs) != 0 {
		t.Errorf("with PFS on the strongSwan side: %v", fs)
	}
	// The same with a Phase 1 lifetime of 4 h against racoon's 24 h: a warning.
	life := t.TempDir()
	fixedConf := strings.Replace(string(conf), "esp_proposals = aes256-sha256\n", "esp_proposals = aes256-sha256-modp2048\n", 1)
	os.WriteFile(filepath.Join(life, "swanctl.conf"), []byte(strings.Replace(fixedConf, "        version = 1\n", "        version = 1\n        rekey_time = 4h\n", 1)), 0o644)
	fs := config.Compare(mustLoad(t, "testdata/racoon/seed"), mustLoad(t, life))
	if len(fs) != 1 || fs[0].Severity != analyze.Warning || !strings.Contains(fs[0].Summary, "agree but for their lifetimes: seed 24h0m0s") {
		t.Errorf("lifetimes 24 h and 4 h: %v", fs)
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

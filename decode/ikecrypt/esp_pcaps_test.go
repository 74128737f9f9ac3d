package ikecrypt

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/internal/decodetest"
)

// The ESP of pcaps/ opened with the CHILD_SA keys of the charon logs recorded with it
// ("chd 4"): every packet's ICV verifies and its inner packet goes between the two
// protected subnets, 10.1.0.0/24 and 10.2.0.0/24 (or the IPv6 ones of ikev2-ipv6-cert).
// Each log alone must do too: that proves which key goes with which SPI (keys_charon_esp.go).
func TestESPPcaps(t *testing.T) {
	left, right := netip.MustParsePrefix("10.1.0.0/24"), netip.MustParsePrefix("10.2.0.0/24")
	cases := []struct {
		capture, logs string
		minESP, spis  int
		virtualIPs    bool // inner addresses from a pool, not the two subnets
	}{
		{"ikev2-psk.pcap", "ikev2-psk", 10, 2, false},
		{"ikev2-rekey.pcap", "ikev2-rekey", 38, 6, false}, // the CHILD_SA rekeyed, and the IKE SA with it
		{"ikev2-natt.pcap", "ikev2-natt", 10, 2, false},   // ESP in UDP 4500
		{"ikev2-cert-ipfrag.pcap", "ikev2-cert-ipfrag", 10, 2, false},
		{"ikev2-esp-loss.pcap", "ikev2-esp-loss", 40, 2, false},
		{"ikev2-esp-seq-restart.pcap", "ikev2-esp-seq-restart", 20, 2, false},
		{"ikev1-main-psk.pcap", "ikev1-main-psk", 10, 2, false},
		{"ikev1-aggressive-psk.pcap", "ikev1-aggressive-psk", 10, 2, false},
		{"ikev1-rekey.pcap", "ikev1-rekey", 38, 6, false},
		{"ikev1-natt.pcap", "ikev1-natt", 10, 2, false},
		{"ikev1-weak-crypto.pcap", "ikev1-weak-crypto", 10, 2, false}, // 3DES_CBC/HMAC_SHA1_96
		{"two-healthy.router.pcap", "two-healthy", 20, 2, false},
		{"roadwarriors.pcap", "roadwarriors.gateway", 16, 0, true}, // the clients' logs hold no keys
	}
	for _, c := range cases {
		t.Run(c.capture, func(t *testing.T) {
			dir := filepath.Dir(pcapsFile(t, c.capture, false))
			logs, _ := filepath.Glob(filepath.Join(dir, c.logs+".*.log"))
			if _, err := os.Stat(filepath.Join(dir, c.logs+".log")); err == nil {
				logs = []string{filepath.Join(dir, c.logs+".log")}
			}
			if len(logs) == 0 {
				t.Fatalf("logs of %s: %v", c.logs, logs)
			}
			sets := [][]string{logs}
			if !c.virtualIPs {
				for _, l := range logs {
					sets = append(sets, []string{l})
				}
			}
			for _, set := range sets {
				got := openESPCapture(t, pcapsFile(t, c.capture, false), loadKeys(t, set...))
				if len(got) < c.minESP {
					t.Fatalf("%d ESP packets, want at least %d", len(got), c.minESP)
				}
				spis := map[uint32]bool{}
				for _, f := range got {
					in := f.inner
					spis[f.spi] = true
					if in == nil || in.Err != nil || in.Integrity != "verified" || !in.Tunnel {
						t.Fatalf("keys %v: frame %d spi %08x: %s", set, f.frame, f.spi, innerLine(in))
					}
					if c.virtualIPs {
						continue
					}
					if !(left.Contains(in.Src) && right.Contains(in.Dst) || right.Contains(in.Src) && left.Contains(in.Dst)) {
						t.Errorf("frame %d: inner %s", f.frame, innerLine(in))
					}
				}
				if c.spis > 0 && len(spis) != c.spis {
					t.Errorf("keys %v: %d SPIs, want %d", set, len(spis), c.spis)
				}
			}
		})
	}
}

// The mapping itself, on ikev2-psk: the IKE_SA's initiator sends with the "encryption
// initiator key" under its outbound SPI (66349bb6_o in its log, 66349bb6_i in the
// responder's), and both logs give the same four keys for the same two SPIs.
func TestESPCharonKeyMapping(t *testing.T) {
	ini := loadKeys(t, pcapsFile(t, "ikev2-psk.initiator.log", false))
	res := loadKeys(t, pcapsFile(t, "ikev2-psk.responder.log", false))
	ilog := readFile(t, pcapsFile(t, "ikev2-psk.initiator.log", false))
	m := logMatch(t, ilog, `established with SPIs ([0-9a-f]{8})_i ([0-9a-f]{8})_o`)
	encI := logMatch(t, ilog, `encryption initiator key => 32 bytes @ \S+\n.*    0: ([0-9A-F ]{47})\s.*\n.*   16: ([0-9A-F ]{47})`)
	wantKey, _ := parseHex(encI[1] + encI[2])
	byspi := func(k *Keys, spi string) *ESPKeys {
		for _, e := range k.ESP {
			if e.SPI == parseSPI32(t, spi) {
				return e
			}
		}
		t.Fatalf("no keys for spi %s in %+v", spi, k.ESP)
		return nil
	}
	for _, k := range []*Keys{ini, res} {
		if len(k.ESP) != 2 {
			t.Fatalf("%d ESP key sets, want 2", len(k.ESP))
		}
		out := byspi(k, m[2])
		if !bytes.Equal(out.EncKey, wantKey) || out.Encr != (Encr{EncrAESCBC, 256}) || out.Integ.ID != IntegHMACSHA256128 || out.ICVLen != 16 {
			t.Errorf("spi %s: %x %v %v, want the encryption initiator key %x", m[2], out.EncKey, out.Encr, out.Integ, wantKey)
		}
		if in := byspi(k, m[1]); bytes.Equal(in.EncKey, wantKey) {
			t.Errorf("spi %s (the initiator's inbound) has the initiator key", m[1])
		}
		if out.Src != netip.MustParseAddr("192.0.2.1") || out.Dst != netip.MustParseAddr("192.0.2.2") {
			t.Errorf("spi %s: %s > %s, want 192.0.2.1 > 192.0.2.2", m[2], out.Src, out.Dst)
		}
	}
}

// A capture cut at 96 bytes: keys cover the packets but nothing can be checked.
func TestESPTruncatedCapture(t *testing.T) {
	got := openESPCapture(t, pcapsFile(t, "ikev1-truncated.pcap", false), loadKeys(t, pcapsFile(t, "ikev1-truncated.initiator.log", false)))
	if len(got) == 0 {
		t.Fatal("no ESP")
	}
	for _, f := range got {
		if f.inner == nil || !errors.Is(f.inner.Err, decode.ErrESPTruncated) {
			t.Errorf("frame %d: %s", f.frame, innerLine(f.inner))
		}
	}
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func parseSPI32(t testing.TB, s string) uint32 {
	t.Helper()
	v, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		t.Fatal(err)
	}
	return uint32(v)
}

// pcaps/esp-kernel-algs.pcap: ESP the Linux kernel made with manually keyed SAs, one pair
// per algorithm (pcaps/record-esp.sh), and the `ip xfrm state` dump of both namespaces.
// Every packet opens with its ICV or tag verified, except pair 15's requests under the
// receiver's keys, whose authentication key is not the sender's (the kernel dropped them).
func TestESPKernelCapture(t *testing.T) {
	const capture, dump = "esp-kernel-algs.pcap", "esp-kernel-algs.xfrm-state.txt"
	capPath := filepath.Join(decodetest.RepoRoot(t), "pcaps", capture)
	if _, err := os.Stat(capPath); err != nil {
		t.Skip("pcaps/" + capture + " not recorded (sudo bash pcaps/record-esp.sh, on a kernel with ESP)")
	}
	text := readFile(t, pcapsFile(t, dump, false))
	all := parseKeysText(t, dump, text)
	// The receiver's half: the dump of iks-espb only.
	i := strings.Index(text, "# netns iks-espb")
	if i < 0 {
		t.Fatalf("%s has no iks-espb section", dump)
	}
	receiver := parseKeysText(t, dump, text[i:])
	algs := map[uint32]string{
		1: "AES-CBC-128", 2: "AES-CBC-256", 3: "3DES", 4: "Blowfish-128", 5: "CAST-128", 6: "AES-CTR-128",
		7: "AES-GCM-128 with 8 octet ICV", 8: "AES-GCM-256 with 12 octet ICV", 9: "AES-GCM-256 with 16 octet ICV",
		10: "ChaCha20-Poly1305", 11: "NULL", 12: "AES-CBC-128", 13: "AES-CBC-128", 14: "AES-GMAC-128", 15: "AES-CBC-128",
	}
	for _, e := range all.ESP {
		if want := algs[e.SPI&0xfff]; want != "" && e.Encr.espName() != want {
			t.Errorf("spi %08x: %s, want %s", e.SPI, e.Encr.espName(), want)
		}
	}
	seen := map[uint32]int{}
	for _, f := range openESPCapture(t, capPath, all) {
		seen[f.spi]++
		n := f.spi & 0xfff
		if f.inner == nil || f.inner.Err != nil || f.inner.Integrity != "verified" {
			t.Errorf("frame %d spi %08x (%s): %s", f.frame, f.spi, algs[n], innerLine(f.inner))
			continue
		}
		want := fmt.Sprintf("10.1.0.%d > 10.2.0.%d proto 1 type 8", 10+n, 10+n)
		if f.spi&0xf000 == 0x2000 {
			want = fmt.Sprintf("10.2.0.%d > 10.1.0.%d proto 1 type 0", 10+n, 10+n)
		}
		if got := innerLine(f.inner); !strings.HasPrefix(got, want) {
			t.Errorf("frame %d spi %08x (%s): %s, want %s", f.frame, f.spi, algs[n], got, want)
		}
	}
	for n := range uint32(14) {
		if seen[0x1001+n] == 0 || seen[0x2001+n] == 0 {
			t.Logf("pair %d (%s): %d and %d packets (the recording kernel may lack the algorithm)", n+1, algs[n+1], seen[0x1001+n], seen[0x2001+n])
		}
	}
	if seen[0x100f] == 0 || seen[0x200f] != 0 {
		t.Errorf("pair 15: %d requests, %d replies; want requests and no reply", seen[0x100f], seen[0x200f])
	}
	for _, f := range openESPCapture(t, capPath, receiver) {
		if f.spi == 0x100f && (f.inner == nil || !errors.Is(f.inner.Err, decode.ErrICV)) {
			t.Errorf("frame %d: pair 15 under the receiver's keys: %s, want an ICV mismatch", f.frame, innerLine(f.inner))
		}
	}
}

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ikescope/ikescope/internal/decodetest"
)

// TestESPAgainstTshark decrypts the ESP of the captures whose charon logs hold the
// CHILD_SA keys twice: by ikescope decode --keys, and by tshark with the esp_sa table
// ikescope keys writes from the same logs (ICV check on). Frame by frame, both must
// find the same inner addresses, protocol and ICMP type, and tshark must find every
// ICV good: the reference decoder agrees with ikescope's keys, ciphers and inner
// packets.
func TestESPAgainstTshark(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		decodetest.SkipOrFail(t, "tshark is not installed: run `make test` (it installs the test dependencies) or `apt-get install tshark`")
	}
	for _, name := range []string{"ikev2-inner-dropped", "ikev2-mtu-blackhole", "ikev2-psk", "ikev1-main-psk", "ikev2-rekey", "ikev1-natt"} {
		t.Run(name, func(t *testing.T) {
			capture := filepath.Join("..", "..", "pcaps", name+".pcap")
			var keys []string
			for _, side := range []string{"initiator", "responder"} {
				keys = append(keys, filepath.Join("..", "..", "pcaps", name+"."+side+".log"))
			}
			conf := t.TempDir()
			dir := filepath.Join(conf, "wireshark")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if _, errOut, code := runCmd(t, nil, append([]string{"keys", "--esp", "-o", dir}, keys...)...); code != exitOK {
				t.Fatalf("keys --esp: exit %d: %s", code, errOut)
			}
			cmd := exec.Command(tshark, "-n", "-r", capture, "-Y", "esp",
				"-o", "esp.enable_encryption_decode:TRUE", "-o", "esp.enable_authentication_check:TRUE",
				"-T", "fields", "-E", "occurrence=l", "-e", "frame.number", "-e", "ip.src", "-e", "ip.dst", "-e", "ip.proto", "-e", "icmp.type", "-e", "esp.icv_good")
			cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+conf)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("tshark: %v", err)
			}
			want := map[int]string{}
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				f := strings.Split(line, "\t")
				if len(f) != 6 {
					t.Fatalf("tshark line %q", line)
				}
				if f[5] != "1" {
					t.Errorf("tshark: frame %s: ICV not good", f[0])
				}
				var frame int
				fmt.Sscan(f[0], &frame)
				want[frame] = strings.Join(f[1:5], " ")
			}
			args := []string{"decode", "-f", "json"}
			for _, k := range keys {
				args = append(args, "--keys", k)
			}
			dec, errOut, code := runCmd(t, nil, append(args, capture)...)
			if code != exitOK {
				t.Fatalf("decode: exit %d: %s", code, errOut)
			}
			got := map[int]string{}
			for _, line := range strings.Split(strings.TrimSpace(dec), "\n") {
				var m struct {
					Frame int
					Kind  string
					Inner *struct {
						Integrity, Src, Dst string
						Protocol            int
						ICMPType            *int `json:"icmp_type"`
					}
				}
				if err := json.Unmarshal([]byte(line), &m); err != nil || m.Kind != "esp" {
					continue
				}
				if m.Inner == nil || m.Inner.Integrity != "verified" {
					t.Errorf("frame %d: ESP not opened and verified: %+v", m.Frame, m.Inner)
					continue
				}
				icmp := ""
				if m.Inner.ICMPType != nil {
					icmp = fmt.Sprint(*m.Inner.ICMPType)
				}
				got[m.Frame] = fmt.Sprintf("%s %s %d %s", m.Inner.Src, m.Inner.Dst, m.Inner.Protocol, icmp)
			}
			if len(want) == 0 || len(got) != len(want) {
				t.Fatalf("tshark opened %d ESP packets, ikescope %d", len(want), len(got))
			}
			for frame, w := range want {
				if got[frame] != w {
					t.Errorf("frame %d: ikescope %q, tshark %q", frame, got[frame], w)
				}
			}
		})
	}
}

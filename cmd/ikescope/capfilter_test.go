package main

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// framesOf lists the frame numbers of the messages `ikescope decode` prints.
func framesOf(out string) []int {
	var frames []int
	for _, m := range regexp.MustCompile(`(?m)^frame (\d+) `).FindAllStringSubmatch(out, -1) {
		n, _ := strconv.Atoi(m[1])
		frames = append(frames, n)
	}
	return frames
}

const ipfrag = "../../pcaps/ikev2-cert-ipfrag.pcap"

// TestDecodeCaptureFilter: -r, -c and a filter behave as in tcpdump, and frame numbers
// stay the file's.
func TestDecodeCaptureFilter(t *testing.T) {
	all := []int{1, 2, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}
	tests := []struct {
		name string
		args []string
		want []int
	}{
		{"positional file", []string{ipfrag}, all},
		{"-r", []string{"-r", ipfrag}, all},
		{"-c counts packets", []string{"-c", "2", ipfrag}, []int{1, 2}},
		{"trailing filter, quoted", []string{ipfrag, "udp port 500"}, []int{1, 2}},
		{"trailing filter, words", []string{"-r", ipfrag, "udp", "port", "500"}, []int{1, 2}},
		{"--filter", []string{"--filter", "src host 192.0.2.2", ipfrag}, []int{2, 6, 8, 10, 12, 14, 16, 18}},
		{"--filter and a trailing filter", []string{"--filter", "src host 192.0.2.2", ipfrag, "ip[6:2] & 0x1fff = 0 and udp port 500"}, []int{2}},
		// IP fragments after the first carry no UDP header: a host filter keeps them.
		{"host keeps IP fragments", []string{ipfrag, "host 192.0.2.2"}, all},
		{"-c counts what the filter lets through", []string{"-c", "3", ipfrag, "src 192.0.2.2"}, []int{2, 6}},
		{"filter matches nothing", []string{ipfrag, "host 198.51.100.7"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runCmd(t, nil, append([]string{"decode"}, tt.args...)...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if got := framesOf(out); !slices.Equal(got, tt.want) {
				t.Errorf("frames %v, want %v", got, tt.want)
			}
		})
	}
}

// TestCaptureFilterIKEFragments: a host filter keeps IKE-level fragments (RFC 7383 and
// IKEv1's), which reassemble as without it.
func TestCaptureFilterIKEFragments(t *testing.T) {
	const capture = "../../pcaps/ikev1-main-cert.pcap"
	plain, _, _ := runCmd(t, nil, "analyze", "-f", "json", capture)
	var doc struct {
		Sessions []struct {
			Initiator string `json:"initiator"`
		} `json:"sessions"`
	}
	if err := json.Unmarshal([]byte(plain), &doc); err != nil || len(doc.Sessions) == 0 {
		t.Fatalf("no session in %s: %v", capture, err)
	}
	host := doc.Sessions[0].Initiator[:strings.LastIndex(doc.Sessions[0].Initiator, ":")]
	filtered, errOut, code := runCmd(t, nil, "analyze", "-f", "json", capture, "host "+host)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if filtered != plain {
		t.Errorf("analyze with 'host %s' differs from analyze without:\n%s", host, firstDiff(plain, filtered))
	}
}

func TestCaptureFilterErrors(t *testing.T) {
	tests := []struct {
		name, wantErr string
		args          []string
	}{
		{"bad --filter", `bad capture filter "hst x"`, []string{"decode", "--filter", "hst x", ipfrag}},
		{"missing file is not a filter", "nosuch.pcap: no such file", []string{"analyze", ipfrag, "nosuch.pcap"}},
		{"a filter needs a capture", "tcp: no such file", []string{"decode", "tcp"}},
		{"negative -c", "-c takes a number of packets", []string{"decode", "-c", "-1", ipfrag}},
		{"link type", "does not compile for link type", []string{"decode", "../../pcaps/ikev2-cert-ipfrag-any.pcap", "ether host 00:11:22:33:44:55"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := runCmd(t, nil, tt.args...)
			if code != exitError || !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, tt.wantErr)
			}
		})
	}
}

// TestAnalyzeCaptureFilter: analyze reads through the filter, one capture or several.
func TestAnalyzeCaptureFilter(t *testing.T) {
	for _, args := range [][]string{
		{"-r", ipfrag, "udp port 500"},
		{"--filter", "udp port 500", ipfrag, "../../pcaps/ikev1-natt.pcap"},
	} {
		out, errOut, code := runCmd(t, nil, append([]string{"analyze", "-f", "json"}, args...)...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		var doc struct {
			Sessions []struct {
				Messages []struct {
					Frame int `json:"frame"`
				} `json:"messages"`
				ESP []any `json:"esp_flows"`
			} `json:"sessions"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		for _, s := range doc.Sessions {
			if len(s.ESP) > 0 {
				t.Errorf("%v: ESP flows through 'udp port 500'", args)
			}
			for _, m := range s.Messages {
				if m.Frame > 2 && args[0] == "-r" {
					t.Errorf("%v: frame %d passed 'udp port 500'", args, m.Frame)
				}
			}
		}
	}
}

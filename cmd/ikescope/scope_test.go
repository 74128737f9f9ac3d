package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

type scopedDoc struct {
	Sessions []struct {
		ID        int    `json:"id"`
		Initiator string `json:"initiator"`
		ESP       []struct {
			SPI string `json:"spi"`
		} `json:"esp_flows"`
	} `json:"sessions"`
	Findings []struct {
		Session int `json:"session"`
	} `json:"findings"`
}

// TestAnalyzeScope: --peer and --spi keep one tunnel's sessions, findings and flows
// out of two captures that share nothing.
func TestAnalyzeScope(t *testing.T) {
	captures := []string{ipfrag, "../../pcaps/ikev1-natt.pcap"}
	tests := []struct {
		name      string
		args      []string
		wantInits []string
	}{
		{"everything", nil, []string{"192.0.2.1:4500", "203.0.113.1:4500"}},
		{"--peer initiator", []string{"--peer", "203.0.113.1"}, []string{"203.0.113.1:4500"}},
		{"--peer responder", []string{"--peer", "192.0.2.2"}, []string{"192.0.2.1:4500"}},
		{"--peer nobody", []string{"--peer", "198.51.100.7"}, nil},
		{"--spi IKE", []string{"--spi", "9bd4ad96cf8ceca1"}, []string{"203.0.113.1:4500"}},
		{"--spi IKE responder", []string{"--spi", "9EF8403FAA92D857"}, []string{"192.0.2.1:4500"}},
		{"--spi ESP", []string{"--spi", "0xdfb3b58f"}, []string{"192.0.2.1:4500"}},
		{"--spi and --peer disagree", []string{"--spi", "0xdfb3b58f", "--peer", "203.0.113.1"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string{"analyze", "-f", "json"}, tt.args...), captures...)
			out, errOut, code := runCmd(t, nil, args...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var doc scopedDoc
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatal(err)
			}
			var inits []string
			ids := map[int]bool{}
			for _, s := range doc.Sessions {
				inits = append(inits, s.Initiator)
				ids[s.ID] = true
			}
			slices.Sort(inits)
			if !slices.Equal(inits, tt.wantInits) {
				t.Errorf("sessions of %v, want %v", inits, tt.wantInits)
			}
			for _, f := range doc.Findings {
				if f.Session != 0 && !ids[f.Session] {
					t.Errorf("a finding of session %d, which is left out", f.Session)
				}
			}
		})
	}
}

func TestAnalyzeScopeErrors(t *testing.T) {
	for _, tt := range []struct{ flag, value, wantErr string }{
		{"--peer", "gw-a", "--peer takes an IPv4 or IPv6 address"},
		{"--spi", "xyz", "--spi takes an IKE SPI of 16 hex digits"},
		{"--spi", "123456789", "--spi takes an IKE SPI of 16 hex digits"},
	} {
		_, errOut, code := runCmd(t, nil, "analyze", tt.flag, tt.value, ipfrag)
		if code != exitError || !strings.Contains(errOut, tt.wantErr) {
			t.Errorf("%s %s: exit %d, stderr %q; want 2 and %q", tt.flag, tt.value, code, errOut, tt.wantErr)
		}
	}
}

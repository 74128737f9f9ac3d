package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// With the charon log's keys, a refused CREATE_CHILD_SA is read: the PFS-mismatch rekey
// (REKEY_SA, a KE of ECP_256 after a CHILD_SA from IKE_AUTH) is an error that names the
// group and says the tunnel then carries nothing; an additional CHILD_SA refused with
// TS_UNACCEPTABLE quotes its own selectors, not the first CHILD_SA's, and is a warning.
func TestChildSARefusedWithKeys(t *testing.T) {
	type finding struct {
		Code, Severity, Summary, Cause string
	}
	findings := func(name string) []finding {
		out, errOut, _ := runCmd(t, nil, "analyze", "-f", "json", "--keys", "../../pcaps/"+name+".initiator.log", "../../pcaps/"+name+".pcap")
		var r struct{ Findings []finding }
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, errOut)
		}
		return r.Findings
	}
	var seen bool
	for _, f := range findings("ikev2-rekey-pfs-mismatch") {
		if f.Code != "no-proposal-chosen" {
			continue
		}
		seen = true
		for _, want := range []string{"the rekey of the CHILD_SA that is up (REKEY_SA)", "the tunnel carries nothing"} {
			if !strings.Contains(f.Summary, want) {
				t.Errorf("rekey: summary %q lacks %q", f.Summary, want)
			}
		}
		if f.Severity != "error" || !strings.Contains(f.Cause, "PFS with ECP_256") || !strings.Contains(f.Cause, "were accepted in IKE_AUTH") {
			t.Errorf("rekey: %s, cause %q", f.Severity, f.Cause)
		}
	}
	if !seen {
		t.Error("rekey: no no-proposal-chosen finding")
	}
	seen = false
	for _, f := range findings("ikev2-child-refused") {
		if f.Code != "ts-unacceptable" {
			continue
		}
		seen = true
		if f.Severity != "warning" || !strings.Contains(f.Summary, "TSr 10.3.0.0-10.3.0.255") || strings.Contains(f.Summary, "10.2.0.0") {
			t.Errorf("additional CHILD_SA: %s %q", f.Severity, f.Summary)
		}
	}
	if !seen {
		t.Error("additional CHILD_SA: no ts-unacceptable finding")
	}
}

// Pings go on over each CHILD_SA in turn as it is rekeyed: each flow's answers are
// those carried back over the SA of the same time, not the first SA's (which made
// the second SA's 10 pings read "10 / 5").
func TestInnerAnswersAcrossRekeys(t *testing.T) {
	out, errOut, _ := runCmd(t, nil, "analyze", "-f", "json", "--keys", "../../pcaps/ikev2-rekey.initiator.log", "../../pcaps/ikev2-rekey.pcap")
	var r struct {
		Sessions []struct {
			ESP []struct {
				SPI   string `json:"spi"`
				Inner *struct {
					Flows []struct{ Requests, Answered int }
				}
			} `json:"esp_flows"`
		}
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	n := 0
	for _, s := range r.Sessions {
		for _, f := range s.ESP {
			if f.Inner == nil {
				continue
			}
			for _, fl := range f.Inner.Flows {
				if fl.Requests > 0 {
					n++
					if fl.Answered != fl.Requests {
						t.Errorf("SPI %s: %d requests, %d answered; every ping was answered", f.SPI, fl.Requests, fl.Answered)
					}
				}
			}
		}
	}
	if n != 3 {
		t.Errorf("%d flows of pings, want 3 (one per CHILD_SA)", n)
	}
}

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

package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/config"
	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/decode/ikecrypt"
)

// The configurations each recorded scenario's daemons ran with (pcaps/configs, see
// pcaps/README.md "Configurations"), and the setting changed to make each failure
// scenario fail: the table of that README, as file:line on each side.
var changed = map[string][]string{
	"ikev1-main-psk-mismatch":               {"initiator/swanctl.conf:34", "responder/swanctl.conf:34"},
	"ikev2-psk-mismatch":                    {"initiator/swanctl.conf:34", "responder/swanctl.conf:34"},
	"ikev1-aggressive-psk-mismatch":         {"initiator/swanctl.conf:34", "responder/swanctl.conf:34"},
	"ikev2-no-proposal":                     {"initiator/swanctl.conf:7", "responder/swanctl.conf:7"},
	"ikev1-p1-proposal-mismatch":            {"initiator/swanctl.conf:7", "responder/swanctl.conf:7"},
	"ikev2-no-proposal-both":                {"initiator/swanctl.conf:7", "responder/swanctl.conf:7"},
	"ikev1-p2-proposal-mismatch":            {"initiator/swanctl.conf:23", "responder/swanctl.conf:23"},
	"ikev1-p2-proposal-mismatch-both":       {"initiator/swanctl.conf:23", "responder/swanctl.conf:23"},
	"ikev1-pfs-mismatch":                    {"initiator/swanctl.conf:23", "responder/swanctl.conf:23"},
	"ikev2-rekey-pfs-mismatch":              {"initiator/swanctl.conf:24", "responder/swanctl.conf:23"},
	"ikev1-proxyid-mismatch":                {"initiator/swanctl.conf:22", "responder/swanctl.conf:21"},
	"ikev1-proxyid-mismatch-both":           {"initiator/swanctl.conf:22", "responder/swanctl.conf:21"},
	"ikev2-ts-unacceptable":                 {"initiator/swanctl.conf:22", "responder/swanctl.conf:21"},
	"ikev2-child-refused":                   {"initiator/swanctl.conf:29", "responder/swanctl.conf:21"},
	"ikev1-aggressive-unknown-id":           {"initiator/swanctl.conf:13", "responder/swanctl.conf:17"},
	"ikev1-main-id-refused":                 {"initiator/swanctl.conf:13", "responder/swanctl.conf:17"},
	"ikev1-libreswan-invalid-major-version": {"initiator/swanctl.conf:2", "responder/ipsec.conf:7"},
	"ikev2-libreswan-error-notify":          {"initiator/swanctl.conf:2", "responder/ipsec.conf:7"},
	"ikev2-eap-wrong-password":              {"initiator/swanctl.conf:38", "responder/swanctl.conf:38"},
	"ikev1-xauth-wrong-password":            {"initiator/swanctl.conf:40", "responder/swanctl.conf:43"},
	"ikev2-eap-method-mismatch":             {"initiator/swanctl.conf:12", "responder/swanctl.conf:16"},
	// Nine users with a wrong password (user10, 20, ... 80 and user92); the first:
	"roadwarriors": {"clients/swanctl.conf:2566", "gateway/swanctl.conf:104", "clients/swanctl.conf:2894", "gateway/swanctl.conf:432"},
}

// atCapture: the failures a capture shows but two configurations cannot predict (a pool
// too small for the clients that came), cited from the capture's findings only.
var atCapture = map[string][]string{
	"ikev1-modecfg-pool-exhausted": {"gateway/swanctl.conf:32"},
	"ikev2-cp-pool-exhausted":      {"gateway/swanctl.conf:30"},
	"roadwarriors":                 {"gateway/swanctl.conf:57"},
	// A RADIUS server that never answers: the gateway's configuration hands EAP (XAUTH)
	// to it.
	"ikev2-eap-radius-silent":   {"responder/swanctl.conf:16"},
	"ikev1-xauth-radius-silent": {"responder/swanctl.conf:19"},
}

func repoPcaps(t *testing.T) string {
	dir := filepath.Join("..", "pcaps")
	if _, err := os.Stat(filepath.Join(dir, "configs")); err != nil {
		t.Fatalf("pcaps/configs: %v", err)
	}
	return dir
}

// sides are a scenario's two configurations: initiator and responder, or the clients
// and their gateway.
func sides(t *testing.T, dir, name string) (a, b *config.Gateway) {
	t.Helper()
	base := filepath.Join(dir, "configs", name)
	pa, pb := filepath.Join(base, "initiator"), filepath.Join(base, "responder")
	if _, err := os.Stat(pa); err != nil {
		pa, pb = filepath.Join(base, "clients"), filepath.Join(base, "gateway")
	}
	var err error
	if a, err = config.Load(pa); err != nil {
		t.Fatal(err)
	}
	if b, err = config.Load(pb); err != nil {
		t.Fatal(err)
	}
	return a, b
}

func cites(lines []analyze.ConfigLine, want string) bool {
	for _, l := range lines {
		if strings.HasSuffix(fmt.Sprintf("%s:%d", filepath.ToSlash(l.File), l.Line), want) {
			return true
		}
	}
	return false
}

// ikescope check on every scenario's two configurations: each failure scenario's
// finding cites the setting changed to make it fail, on both sides; the others (healthy
// tunnels, and failures of the path or the daemons, not of the configuration) raise
// nothing.
func TestCheckScenarios(t *testing.T) {
	dir := repoPcaps(t)
	names, _ := filepath.Glob(filepath.Join(dir, "configs", "*"))
	if len(names) < 50 {
		t.Fatalf("%d scenarios in pcaps/configs", len(names))
	}
	for _, path := range names {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			a, b := sides(t, dir, name)
			fs := config.Compare(a, b)
			// The order the two are given in changes nothing found (the gateway of a
			// remote-access pair may come first).
			if got, rev := findingCodes(fs), findingCodes(config.Compare(b, a)); got != rev {
				t.Errorf("initiator first: %s; responder first: %s", got, rev)
			}
			want := changed[name]
			if want == nil {
				for _, f := range fs {
					t.Errorf("%s %s: %s", f.Severity, f.Code, f.Summary)
				}
				return
			}
			for _, w := range want {
				found := false
				for _, f := range fs {
					found = found || f.Severity == analyze.Error && cites(f.ConfigLines, w)
				}
				if !found {
					t.Errorf("no error cites %s; findings: %v", w, fs)
				}
			}
		})
	}
}

// ikescope analyze --config on every failure capture with its configurations: a finding
// about the failure cites the changed setting; healthy captures get no configuration line.
func TestAnnotateScenarios(t *testing.T) {
	dir := repoPcaps(t)
	caps, _ := filepath.Glob(filepath.Join(dir, "*.pcap"))
	for _, cp := range caps {
		name := strings.TrimSuffix(filepath.Base(cp), ".pcap")
		if _, err := os.Stat(filepath.Join(dir, "configs", name)); err != nil {
			continue // a second capture point of a scenario, or a capture without configs
		}
		t.Run(name, func(t *testing.T) {
			a, b := sides(t, dir, name)
			res := analyzeCapture(t, cp)
			config.Annotate(res, []*config.Gateway{a, b})
			for _, s := range res.Sessions {
				if len(s.Connections) == 0 {
					t.Errorf("session %d (%s -> %s): no configured connection governs it", s.ID, s.Initiator, s.Responder)
				}
			}
			want := append(changed[name], atCapture[name]...)
			if want == nil {
				for _, f := range res.Findings {
					if len(f.ConfigLines) > 0 {
						t.Errorf("healthy capture: %s cites %v", f.Code, f.ConfigLines)
					}
				}
				return
			}
			cited := false
			for _, f := range res.Findings {
				for _, w := range want {
					cited = cited || f.Severity >= analyze.Warning && cites(f.ConfigLines, w)
				}
			}
			if !cited {
				var got []string
				for _, f := range res.Findings {
					got = append(got, fmt.Sprintf("%s %v", f.Code, f.ConfigLines))
				}
				t.Errorf("no finding cites any of %v: %v", want, got)
			}
		})
	}
}

// analyzeCapture analyses a capture, with the keys of a daemon's log when one is given.
func analyzeCapture(t *testing.T, path string, keyLog ...string) *analyze.Result {
	t.Helper()
	r, err := decode.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var dec *ikecrypt.Decrypter
	for _, l := range keyLog {
		keys, err := ikecrypt.LoadKeys(l)
		if err != nil {
			t.Fatal(err)
		}
		dec = ikecrypt.NewDecrypter(keys)
	}
	a := analyze.New(analyze.Options{})
	a.StartCapture(filepath.Base(path))
	for r.Next() {
		m := r.Message()
		dec.Open(m)
		a.Add(m)
	}
	a.EndCapture(r.Stats())
	return a.Finish()
}

// With one side's configuration, the finding sets it against what the capture shows of
// the other: the responder's proposals against the initiator's offer in IKE_SA_INIT.
func TestAnnotateOneSide(t *testing.T) {
	dir := repoPcaps(t)
	_, b := sides(t, dir, "ikev2-no-proposal")
	res := analyzeCapture(t, filepath.Join(dir, "ikev2-no-proposal.pcap"))
	config.Annotate(res, []*config.Gateway{b})
	var f *analyze.Finding
	for i := range res.Findings {
		if res.Findings[i].Code == analyze.CodeNoProposalChosen {
			f = &res.Findings[i]
		}
	}
	if f == nil {
		t.Fatal("no no-proposal-chosen finding")
	}
	for _, want := range []string{"Configuration: none of the initiator's IKE proposals in the capture is among responder's",
		"encryption: the initiator offers AES-GCM-16-256, responder AES-CBC-128"} {
		if !strings.Contains(f.Summary, want) {
			t.Errorf("summary %q lacks %q", f.Summary, want)
		}
	}
	if !cites(f.ConfigLines, "responder/swanctl.conf:7") || len(res.Sessions[0].Connections) != 1 || res.Sessions[0].Connections[0].Side != "responder" {
		t.Errorf("lines %v, connections %v", f.ConfigLines, res.Sessions[0].Connections)
	}
}

// With the responder's configuration alone and the keys, a refused IPsec SA sets the
// selectors the initiator asked for against those the responder allows.
func TestAnnotateOneSideSelectors(t *testing.T) {
	dir := repoPcaps(t)
	_, b := sides(t, dir, "ikev2-ts-unacceptable")
	res := analyzeCapture(t, filepath.Join(dir, "ikev2-ts-unacceptable.pcap"), filepath.Join(dir, "ikev2-ts-unacceptable.initiator.log"))
	config.Annotate(res, []*config.Gateway{b})
	for _, f := range res.Findings {
		if f.Code != analyze.CodeTSUnacceptable {
			continue
		}
		if !strings.Contains(f.Summary, "Configuration: the initiator asked for TSi 10.1.0.0-10.1.0.255, TSr 10.2.0.0-10.2.0.255; responder allows") ||
			!cites(f.ConfigLines, "responder/swanctl.conf:21") {
			t.Errorf("%s: %v", f.Summary, f.ConfigLines)
		}
		return
	}
	t.Error("no ts-unacceptable finding")
}

// A gateway whose connections the addresses do not tell apart (remote_addrs %any, as for
// dynamic peers) governs a session by the connection whose identities the messages show:
// pcaps/ikev1-aggressive-psk-mismatch.pcap (a failure: its messages are kept), whose AM1 names
// gw-a.example.net in clear, against its
// responder's configuration with another peer's connection put first (edited in the test).
func TestGovernByIdentity(t *testing.T) {
	dir := repoPcaps(t)
	conf, err := os.ReadFile(filepath.Join(dir, "configs", "ikev1-aggressive-psk-mismatch", "responder", "swanctl.conf"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(conf), "remote_addrs = 192.0.2.1", "remote_addrs = %any", 1)
	other := strings.Replace(strings.Replace(strings.SplitN(strings.SplitN(text, "connections {\n", 2)[1], "\nsecrets {", 2)[0], "gw-gw {", "site-x {", 1), "id = gw-a.example.net", "id = site-x.example.net", 1)
	other = strings.TrimSuffix(strings.TrimSpace(other), "}") // the connection alone
	text = strings.Replace(text, "connections {\n", "connections {\n"+other+"\n", 1)
	gw := t.TempDir()
	os.WriteFile(filepath.Join(gw, "swanctl.conf"), []byte(text), 0o644)
	g, err := config.Load(gw)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Conns) != 2 || g.Conns[0].Name != "site-x" {
		t.Fatalf("the edited configuration has %d connections", len(g.Conns))
	}
	res := analyzeCapture(t, filepath.Join(dir, "ikev1-aggressive-psk-mismatch.pcap"))
	config.Annotate(res, []*config.Gateway{g})
	c := res.Sessions[0].Connections
	if len(c) != 1 || c[0].Side != "responder" || c[0].Name != "gw-gw" {
		t.Errorf("connections %+v, want the responder's gw-gw (remote id gw-a.example.net)", c)
	}
}

// findingCodes lists findings as code:severity, sorted.
func findingCodes(fs []analyze.Finding) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Code+":"+f.Severity.String())
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// TestAnnotateVersionMismatch: ikev2-libreswan-error-notify's responder has its
// connection for IKEv1 only and answers IKEv2 with NO_PROPOSAL_CHOSEN. With both
// configurations the finding no longer calls it a proposal mismatch nor sends the admin
// to compare proposals first.
func TestAnnotateVersionMismatch(t *testing.T) {
	dir := repoPcaps(t)
	name := "ikev2-libreswan-error-notify"
	a, b := sides(t, dir, name)
	res := analyzeCapture(t, filepath.Join(dir, name+".pcap"))
	config.Annotate(res, []*config.Gateway{a, b})
	for _, f := range res.Findings {
		if f.Code != analyze.CodeNoProposalChosen {
			continue
		}
		if strings.Contains(f.Summary, "proposal mismatch") || !strings.Contains(f.Cause, "is for IKEv2, the responder's for IKEv1") || !strings.Contains(f.Next, "same IKE version") {
			t.Errorf("summary %q\ncause %q\nnext %q", f.Summary, f.Cause, f.Next)
		}
		return
	}
	t.Fatalf("no no-proposal-chosen: %v", res.Findings)
}

// TestAnnotateQuickModeRefusalWithKeys: with keys, an IKEv1 Quick Mode refusal is read
// from the decrypted notification (NO-PROPOSAL-CHOSEN, INVALID-ID-INFORMATION); the
// configurations still cite the Phase 2 line to change.
func TestAnnotateQuickModeRefusalWithKeys(t *testing.T) {
	dir := repoPcaps(t)
	for _, name := range []string{"ikev1-pfs-mismatch", "ikev1-p2-proposal-mismatch", "ikev1-proxyid-mismatch"} {
		a, b := sides(t, dir, name)
		res := analyzeCapture(t, filepath.Join(dir, name+".pcap"), filepath.Join(dir, name+".initiator.log"), filepath.Join(dir, name+".responder.log"))
		config.Annotate(res, []*config.Gateway{a, b})
		cited := false
		for _, f := range res.Findings {
			cited = cited || f.Severity == analyze.Error && len(f.ConfigLines) > 0
		}
		if !cited {
			t.Errorf("%s: no error cites a configuration line: %v", name, res.Findings)
		}
	}
}

// TestAnnotateMirroredSelectorsRefused: in ikev2-strongswan-libreswan the libreswan
// responder could not install the IPsec SA in its kernel and answered TS_UNACCEPTABLE
// (its log: "netlink response for Add SA ... Protocol not supported"). The two
// configurations' selectors mirror each other: with them, the finding no longer sends the
// admin to make the selectors mirror images.
func TestAnnotateMirroredSelectorsRefused(t *testing.T) {
	dir := repoPcaps(t)
	name := "ikev2-strongswan-libreswan"
	a, b := sides(t, dir, name)
	res := analyzeCapture(t, filepath.Join(dir, name+".pcap"), filepath.Join(dir, name+".initiator.log")) // the strongSwan side logs keys
	config.Annotate(res, []*config.Gateway{a, b})
	for _, f := range res.Findings {
		if f.Code != analyze.CodeTSUnacceptable {
			continue
		}
		if strings.Contains(f.Next, "mirror images") || !strings.Contains(f.Cause, "could not install the IPsec SA in its kernel") || len(f.ConfigLines) == 0 {
			t.Errorf("summary %q\ncause %q\nnext %q", f.Summary, f.Cause, f.Next)
		}
		return
	}
	t.Fatalf("no ts-unacceptable: %v", res.Findings)
}

package config_test

import (
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/config"
	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/decode/ikecrypt"
)

// Inner packets outside the negotiated selectors cite the selectors each gateway
// configured. The capture is ikev2-inner-dropped as recorded, opened with the
// initiator's keys; the test narrows the decoded TSi of its IKE_AUTH to 10.1.0.1 (the
// gateways negotiated 10.1.0.0/24), so that what 10.1.0.10 sends is outside it.
func TestAnnotateInnerSelectors(t *testing.T) {
	dir := repoPcaps(t)
	a, b := sides(t, dir, "ikev2-inner-dropped")
	keys, err := ikecrypt.LoadKeys(filepath.Join(dir, "ikev2-inner-dropped.initiator.log"))
	if err != nil {
		t.Fatal(err)
	}
	dec := ikecrypt.NewDecrypter(keys)
	r, err := decode.Open(filepath.Join(dir, "ikev2-inner-dropped.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	one := netip.MustParseAddr("10.1.0.1")
	an := analyze.New(analyze.Options{})
	an.StartCapture("ikev2-inner-dropped.pcap")
	for r.Next() {
		m := r.Message()
		dec.Open(m)
		if o := m.Opened; o != nil {
			ps := slices.Clone(o.Payloads)
			for j := range ps {
				if ps[j].Type == decode.PayloadTSi && ps[j].TS != nil {
					ts := *ps[j].TS
					ts.Selectors = []decode.TrafficSelector{{Type: 7, Start: one, End: one, EndPort: 65535}}
					ps[j].TS = &ts
				}
			}
			m.Opened = &decode.Opened{Payloads: ps, Integrity: o.Integrity}
		}
		an.Add(m)
	}
	an.EndCapture(r.Stats())
	res := an.Finish()
	config.Annotate(res, []*config.Gateway{a, b})
	var f *analyze.Finding
	for i := range res.Findings {
		if res.Findings[i].Code == analyze.CodeInnerSelectors {
			f = &res.Findings[i]
		}
	}
	if f == nil {
		t.Fatal("no inner-outside-selectors finding")
	}
	for _, want := range []string{"Configuration: the configured selectors are", "local_ts = 10.1.0.0/24", "remote_ts = 10.1.0.0/24"} {
		if !strings.Contains(f.Summary, want) {
			t.Errorf("summary %q lacks %q", f.Summary, want)
		}
	}
	for _, want := range []string{"initiator/swanctl.conf:21", "initiator/swanctl.conf:22", "responder/swanctl.conf:21", "responder/swanctl.conf:22"} {
		if !cites(f.ConfigLines, want) {
			t.Errorf("config lines %v lack %s", f.ConfigLines, want)
		}
	}
}

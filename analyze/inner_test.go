package analyze_test

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/decode/ikecrypt"
	"github.com/ikescope/ikescope/internal/decodetest"
)

// loadOpened decodes a capture and opens its IKE and ESP with the key file's keys, and
// keeps each message with its own copy of what the keys opened.
func loadOpened(t *testing.T, path, keyFile string) ([]decode.Message, decode.Stats) {
	t.Helper()
	keys, err := ikecrypt.LoadKeys(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	dec := ikecrypt.NewDecrypter(keys)
	r, err := decode.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var msgs []decode.Message
	for r.Next() {
		m := r.Message()
		dec.Open(m)
		c := *m
		if m.Inner != nil {
			in := *m.Inner
			c.Inner = &in
		}
		c.ESP.Raw = nil
		msgs = append(msgs, c)
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return msgs, r.Stats()
}

// innerCodes are the findings only decrypted ESP can show.
var innerCodes = []string{analyze.CodeInnerOneWay, analyze.CodeInnerSelectors, analyze.CodeESPIntegrity, analyze.CodePathMTU}

// innerKeys names a result's inner-traffic findings by code and what they are about,
// and by severity unless bare: later evidence may lower a severity (a sender that
// adapts to a smaller MTU), so a cut capture is held to codes only.
func innerKeys(r *analyze.Result, bare ...bool) []string {
	var out []string
	for _, f := range r.Findings {
		if slices.Contains(innerCodes, f.Code) {
			k := f.Code + " " + f.Exchange
			if len(bare) == 0 {
				k += " " + f.Severity.String()
			}
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// TestInnerTraffic runs the captures whose ESP carries what the tunnel's users sent,
// opened with the CHILD_SA keys the initiator's charon logged: the flows inside, and the
// findings they show, exactly.
func TestInnerTraffic(t *testing.T) {
	tests := []struct {
		file     string
		findings []want
		flows    map[string][2]int // inner flow → requests, replies
	}{
		// B's firewall drops what 10.1.0.10 sends after decryption: its pings (frames
		// 11-13) and SYNs to port 8080 (14-17) get nothing, 10.1.0.1's pings and TCP
		// connection are answered through the same CHILD_SA.
		{"ikev2-inner-dropped", []want{
			{analyze.CodeInnerOneWay, analyze.Warning, []int{11, 13, 14, 17}},
			{analyze.CodeNATDetected, analyze.Info, []int{1, 2}},
			{analyze.CodeDeleted, analyze.Info, []int{30}},
		}, map[string][2]int{
			"10.1.0.1 → 10.2.0.1 ICMP":    {6, 0},
			"10.2.0.1 → 10.1.0.1 ICMP":    {0, 6},
			"10.1.0.10 → 10.2.0.1 ICMP":   {3, 0},
			"10.1.0.10:* → 10.2.0.1:8080": {4, 0},
		}},
		// Pings of 1328 bytes with don't-fragment set (frames 11-13) vanish on a link
		// with an MTU of 1280 whose router's ICMP is filtered; small pings pass.
		{"ikev2-mtu-blackhole", []want{
			{analyze.CodePathMTU, analyze.Warning, []int{11, 13}},
			{analyze.CodeNATDetected, analyze.Info, []int{1, 2}},
			{analyze.CodeDeleted, analyze.Info, []int{20}},
		}, map[string][2]int{
			"10.1.0.1 → 10.2.0.1 ICMP": {9, 0},
			"10.2.0.1 → 10.1.0.1 ICMP": {0, 6},
		}},
		// The same link with the router's ICMP let through (frame 12): the initiator
		// fragments its big ESP packets from then on (frame 14) and they are answered.
		{"ikev2-mtu-fragneeded", []want{
			{analyze.CodePathMTU, analyze.Info, []int{12, 14}},
			{analyze.CodeNATDetected, analyze.Info, []int{1, 2}},
			{analyze.CodeDeleted, analyze.Info, []int{27}},
		}, map[string][2]int{
			"10.1.0.1 → 10.2.0.1 ICMP": {9, 0},
			"10.2.0.1 → 10.1.0.1 ICMP": {0, 8},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("..", "pcaps", tc.file+".pcap")
			res := analyzeFile(t, path, filepath.Join("..", "pcaps", tc.file+".initiator.log"))
			exactFindings(t, res, tc.findings)
			seen := map[string][2]int{}
			for _, ef := range res.Sessions[0].ESP {
				if ef.Inner == nil {
					t.Fatalf("ESP %08x: not opened", ef.SPI)
				}
				if ef.Inner.Integrity != "verified" || ef.Inner.ICVFailed != 0 || ef.Inner.Opened != ef.Packets {
					t.Errorf("ESP %08x: %d of %d packets opened, integrity %q, %d ICV failures", ef.SPI, ef.Inner.Opened, ef.Packets, ef.Inner.Integrity, ef.Inner.ICVFailed)
				}
				for _, fl := range ef.Inner.Flows {
					name := fl.String()
					if fl.Proto == 6 && fl.Src.String() == "10.1.0.10" {
						name = fmt.Sprintf("%s:* → %s:%d", fl.Src, fl.Dst, fl.DstPort)
					}
					seen[name] = [2]int{fl.Requests, fl.Replies}
				}
			}
			for name, w := range tc.flows {
				if g, ok := seen[name]; !ok || g != w {
					t.Errorf("inner flow %s: requests, replies %v, want %v (flows: %v)", name, g, w, seen)
				}
			}
		})
	}
}

// TestInnerProperties holds the inner-traffic findings to what the whole capture shows
// however the capture is cut, stretched in time or followed by another: a capture cut
// short never shows a finding the whole one does not, and time stretched tenfold changes
// nothing (the rules count requests and answers, they do not time them).
func TestInnerProperties(t *testing.T) {
	// The three captures with inner findings first; then every other capture whose
	// initiator's log holds keys, with ESP opened and (mostly) nothing to find inside.
	names := []string{"ikev2-inner-dropped", "ikev2-mtu-blackhole", "ikev2-mtu-fragneeded"}
	logs, _ := filepath.Glob(filepath.Join("..", "pcaps", "*.initiator.log"))
	for _, l := range logs {
		n := strings.TrimSuffix(filepath.Base(l), ".initiator.log")
		if _, err := os.Stat(filepath.Join("..", "pcaps", n+".pcap")); err != nil || slices.Contains(names, n) {
			continue
		}
		if _, err := ikecrypt.LoadKeys(l); err == nil {
			names = append(names, n) // a log without keys (a negotiation that failed early) is left out
		}
	}
	streams := map[string][]decode.Message{}
	stats := map[string]decode.Stats{}
	opened := 0
	for _, n := range names {
		streams[n], stats[n] = loadOpened(t, filepath.Join("..", "pcaps", n+".pcap"), filepath.Join("..", "pcaps", n+".initiator.log"))
		for _, m := range streams[n] {
			if m.Inner != nil && m.Inner.Err == nil {
				opened++
			}
		}
	}
	if len(names) < 20 || opened < 200 {
		t.Fatalf("%d captures with keys, %d ESP packets opened: the property holds over too little", len(names), opened)
	}
	for i, n := range names {
		msgs := streams[n]
		whole := analyzeStream(n, msgs, stats[n], analyze.Options{})
		full, fullBare := innerKeys(whole), innerKeys(whole, true)
		if len(full) == 0 && i < 3 {
			t.Fatalf("%s: no inner finding in the whole capture", n)
		}
		for cut := 1; cut < len(msgs); cut++ {
			got := innerKeys(analyzeStream(n, msgs[:cut], stats[n], analyze.Options{}), true)
			for _, k := range got {
				if !slices.Contains(fullBare, k) {
					t.Errorf("%s cut after %d messages: %s, which the whole capture does not show (%v)", n, cut, k, fullBare)
				}
			}
			// Begun late: the tunnel up before the capture, its negotiation unseen.
			late := innerKeys(analyzeStream(n, msgs[cut:], stats[n], analyze.Options{}), true)
			for _, k := range late {
				if !slices.Contains(fullBare, k) {
					t.Errorf("%s begun at message %d: %s, which the whole capture does not show (%v)", n, cut+1, k, fullBare)
				}
			}
			// From the first ESP packet on, what the keys show inside is all there (the
			// router's ICMP about ESP, in the third, needs the session to tie it to).
			if cut > 0 && msgs[cut].Kind == decode.KindESP && msgs[cut-1].Kind != decode.KindESP && i < 2 && !slices.Equal(late, fullBare) {
				t.Errorf("%s begun at the first ESP packet (message %d): %v, whole: %v", n, cut+1, late, fullBare)
			}
		}
		stretched := slices.Clone(msgs)
		t0 := msgs[0].Time
		for j := range stretched {
			stretched[j].Time = t0.Add(10 * msgs[j].Time.Sub(t0))
		}
		if got := innerKeys(analyzeStream(n, stretched, stats[n], analyze.Options{})); !slices.Equal(got, full) {
			t.Errorf("%s stretched tenfold: %v, whole: %v", n, got, full)
		}
		// Another tunnel's capture an hour later, in the same stream: each keeps its own.
		other := names[(i+1)%len(names)]
		next := slices.Clone(streams[other])
		shift := msgs[len(msgs)-1].Time.Add(time.Hour).Sub(next[0].Time)
		for j := range next {
			next[j].Time = next[j].Time.Add(shift)
			next[j].Frame += msgs[len(msgs)-1].Frame
		}
		both := innerKeys(analyzeStream(n, append(slices.Clone(msgs), next...), stats[n], analyze.Options{}))
		want := append(slices.Clone(full), innerKeys(analyzeStream(other, streams[other], stats[other], analyze.Options{}))...)
		sort.Strings(want)
		if !slices.Equal(both, want) {
			t.Errorf("%s then %s: %v, want %v", n, other, both, want)
		}
	}
}

// TestInnerOutsideSelectors narrows the traffic selectors of a real negotiation in the
// test (the IKE_AUTH's decrypted TSi says 10.1.0.1 only, where the gateways agreed on
// 10.1.0.0/24): the inner packets from 10.1.0.10 are then outside what was negotiated.
// The capture itself is as recorded; only the decoded selectors are edited.
func TestInnerOutsideSelectors(t *testing.T) {
	msgs, stats := loadOpened(t, filepath.Join("..", "pcaps", "ikev2-inner-dropped.pcap"), filepath.Join("..", "pcaps", "ikev2-inner-dropped.initiator.log"))
	whole := analyzeStream("ikev2-inner-dropped", msgs, stats, analyze.Options{})
	if got := innerKeys(whole, true); slices.ContainsFunc(got, func(k string) bool { return k[:len(analyze.CodeInnerSelectors)] == analyze.CodeInnerSelectors }) {
		t.Fatalf("as negotiated, the inner traffic is inside the selectors: %v", got)
	}
	one := netip.MustParseAddr("10.1.0.1")
	edited := 0
	for i := range msgs {
		o := msgs[i].Opened
		if o == nil {
			continue
		}
		ps := slices.Clone(o.Payloads)
		for j := range ps {
			if ps[j].Type == decode.PayloadTSi && ps[j].TS != nil {
				ts := *ps[j].TS
				ts.Selectors = []decode.TrafficSelector{{Type: 7, Start: one, End: one, EndPort: 65535}}
				ps[j].TS = &ts
				edited++
			}
		}
		msgs[i].Opened = &decode.Opened{Payloads: ps, Integrity: o.Integrity}
	}
	if edited != 2 {
		t.Fatalf("edited %d TSi payloads, want the IKE_AUTH request's and response's", edited)
	}
	res := analyzeStream("ikev2-inner-dropped", msgs, stats, analyze.Options{})
	var found []analyze.Finding
	for _, f := range res.Findings {
		if f.Code == analyze.CodeInnerSelectors {
			found = append(found, f)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d inner-outside-selectors findings, want 1: %v", len(found), innerKeys(res))
	}
	f := found[0]
	for _, s := range []string{"The initiator sends", "10.1.0.1 ⇄ 10.2.0.0/24", "10.1.0.10 → 10.2.0.1 ICMP", "10.1.0.10:"} {
		if !strings.Contains(f.Summary, s) {
			t.Errorf("summary %q does not say %q", f.Summary, s)
		}
	}
	if strings.Contains(f.Summary, "10.1.0.1 → 10.2.0.1") || strings.Contains(f.Summary, "responder") {
		t.Errorf("summary %q names traffic inside the selectors", f.Summary)
	}
	if !slices.Equal(f.Frames, []int{11, 14}) {
		t.Errorf("frames %v, want the first packet of each flow outside: [11 14]", f.Frames)
	}
}

// exactFindings holds a result to exactly these findings: codes, severities, frames.
func exactFindings(t *testing.T, res *analyze.Result, wants []want) {
	t.Helper()
	var got, wantKeys []string
	for _, f := range res.Findings {
		got = append(got, findingKey(f.Code, f.Severity, f.Frames))
	}
	for _, w := range wants {
		wantKeys = append(wantKeys, findingKey(w.code, w.severity, w.frames))
	}
	sort.Strings(got)
	sort.Strings(wantKeys)
	if !slices.Equal(got, wantKeys) {
		t.Errorf("findings:\n got %v\nwant %v", got, wantKeys)
	}
}

// TestESPKeyNotThisSA: tcpdump's espudp1.pcap with its esp-secrets.txt, whose line for SPI
// 12345678 holds another SA's key and, as tcpdump -E secrets do, no integrity key. The
// packets do not open; with nothing checked, that is a warning that the key is not this
// SA's, not an error that the receiver drops every packet.
func TestESPKeyNotThisSA(t *testing.T) {
	dir := decodetest.RequireCorpus(t)
	msgs, stats := loadOpened(t, filepath.Join(dir, "tcpdump/tests/espudp1.pcap"), filepath.Join(dir, "tcpdump/tests/esp-secrets.txt"))
	res := analyzeStream("espudp1.pcap", msgs, stats, analyze.Options{})
	var got []analyze.Finding
	for _, f := range res.Findings {
		if f.Code == analyze.CodeESPIntegrity {
			got = append(got, f)
		}
	}
	if len(got) != 1 || got[0].Severity != analyze.Warning || !strings.Contains(got[0].Cause, "no integrity key was given") ||
		strings.Contains(got[0].Cause, "fails the integrity check") {
		t.Fatalf("esp-icv-failed findings %+v, want one warning saying no integrity key was given", got)
	}
}

// TestChildSAWithoutEncryption: Wireshark's ikev2-decrypt-aes256cbc.pcapng with its key
// table negotiates a CHILD_SA of ENCR_NULL_AUTH_AES_GMAC (integrity only, RFC 4543),
// which only the decrypted IKE_AUTH shows: the traffic crosses unencrypted.
func TestChildSAWithoutEncryption(t *testing.T) {
	dir := decodetest.RequireCorpus(t)
	msgs, stats := loadOpened(t, filepath.Join(dir, "wireshark/test/captures/ikev2-decrypt-aes256cbc.pcapng"),
		filepath.Join(dir, "wireshark/test/config/ikev2_decryption_table.tmpl"))
	res := analyzeStream("aes256cbc", msgs, stats, analyze.Options{})
	var got []analyze.Finding
	for _, f := range res.Findings {
		if f.Code == analyze.CodeWeakCrypto {
			got = append(got, f)
		}
	}
	if len(got) != 1 || got[0].Exchange != "Phase 2" || got[0].Severity != analyze.Warning ||
		!strings.Contains(got[0].Summary, "encrypts nothing (ENCR_NULL_AUTH_AES_GMAC-256: integrity only)") {
		t.Fatalf("weak-crypto findings %+v, want one warning that the CHILD_SA encrypts nothing", got)
	}
}

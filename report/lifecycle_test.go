package report

import (
	"bytes"
	"html"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/internal/decodetest"
)

// corpusFile is a capture of the shared corpus; the test skips without the corpus (and
// fails in CI).
func corpusFile(t *testing.T, rel string) string {
	t.Helper()
	return filepath.Join(decodetest.RequireCorpus(t), rel)
}

// render writes r in every format people read: text, table, Markdown and HTML.
func render(t *testing.T, r *analyze.Result, st Style) map[Format]string {
	t.Helper()
	out := map[Format]string{}
	for _, f := range []Format{FormatText, FormatTable, FormatMarkdown, FormatHTML} {
		var buf bytes.Buffer
		if err := Write(&buf, r, f, st); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[f] = buf.String()
	}
	return out
}

func mustContain(t *testing.T, what, out string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Errorf("%s: no %q in\n%s", what, want, out)
		}
	}
}

func mustNotContain(t *testing.T, what, out string, unwanted ...string) {
	t.Helper()
	for _, u := range unwanted {
		if strings.Contains(out, u) {
			t.Errorf("%s: %q should not be there:\n%s", what, u, out)
		}
	}
}

// A capture that begins with the responder's refusal (ike-scan's CheckPoint
// NO-PROPOSAL-CHOSEN, a lone Informational with the responder cookie still zero) is read
// as the responder answering MM1, which is a guess: every format says so. A lone MM2 names its sender, so there the roles are known.
func TestReportRolesGuessed(t *testing.T) {
	r := analyzeFiles(t, corpusFile(t, "ike-scan/_derived_pcap/pkt-notify-response.pcap"))
	if len(r.Sessions) != 1 || r.Sessions[0].RolesKnown {
		t.Fatalf("want one session with guessed roles, got %+v", r.Sessions)
	}
	out := render(t, r, Style{})
	for _, f := range []Format{FormatText, FormatTable} {
		mustContain(t, string(f), out[f],
			"10.0.0.1:500 (?)", "10.0.0.2:500 (?)", "\n "+guessLegend+"\n",
			"LADDER · session 1 · IKEv1 · failed at Informational: no-proposal-chosen · roles guessed\n",
			"10.0.0.1:500 (initiator?)", "10.0.0.2:500 (responder?)")
	}
	mustContain(t, "markdown", out[FormatMarkdown],
		"`10.0.0.1:500` → `10.0.0.2:500` (roles guessed)", "| `10.0.0.1:500 (?)` | `10.0.0.2:500 (?)` |",
		"\n"+guessLegend+"\n", "participant I as 10.0.0.1#58;500 (initiator?)", "`10.0.0.1:500` (initiator?) → `10.0.0.2:500` (responder?)")
	mustContain(t, "html", out[FormatHTML],
		"<td>10.0.0.1:500 (?)</td>", `<p class="legend">`+html.EscapeString(guessLegend)+"</p>",
		`class="peer-role">initiator?</text>`, "(initiator?) →")

	// When the state already says the roles are guessed, the ladder heading does not say
	// it twice.
	r = analyzeFiles(t, corpusFile(t, "ike-scan/_derived_pcap/pkt-checkpoint-notify.pcap"))
	text := render(t, r, Style{})[FormatText]
	mustContain(t, "checkpoint-notify", text, "LADDER · session 1 · IKEv1 · capture ends after Informational (roles guessed)\n")
	mustNotContain(t, "checkpoint-notify", text, "roles guessed) · roles guessed")

	r = analyzeFiles(t, corpusFile(t, "ike-scan/_derived_pcap/pkt-main-mode-response.pcap"))
	if len(r.Sessions) != 1 || !r.Sessions[0].RolesKnown {
		t.Fatalf("a lone MM2: want one session with known roles, got %+v", r.Sessions)
	}
	for f, o := range render(t, r, Style{}) {
		mustNotContain(t, string(f), o, "(?)", "roles guessed", "initiator?")
	}
}

// The rekey captures show each SA's life: times from the start of the capture, events in
// words, the two IKE SAs of an IKEv2 rekey pointing at each other.
func TestReportTimeline(t *testing.T) {
	r := analyzeFiles(t, pcap("ikev2-rekey.pcap"))
	out := render(t, r, Style{})
	for _, f := range []Format{FormatText, FormatTable} {
		mustContain(t, string(f), out[f],
			"TIMELINE · session 1 · IKEv2 · seconds since the start of the capture\n frame     time  event\n"+
				"     4    0.065  IKE SA up\n"+
				"     4    0.065  CHILD_SA created (by the initiator)\n"+
				"    15    6.069  liveness check (initiator)\n",
			"    20   11.085  CHILD_SA rekeyed (by the initiator)\n",
			"    21   11.095  deleted by the initiator: a CHILD_SA (its answer deletes the paired SA)\n",
			"    35   17.077  deleted by the initiator: the IKE SA (its answer is empty)\n",
			"    34   17.073  IKE SA rekeyed into session 2 (by the initiator): aad1f915a177c512/78f8fca3f3a1e9a8",
			"TIMELINE · session 2 · IKEv2",
			"    34   17.073  continues session 1 (rekey): ",
			"    48   22.097  CHILD_SA rekeyed (by the initiator)\n")
	}
	mustContain(t, "markdown", out[FormatMarkdown],
		"Timeline (seconds since the start of the capture):\n\n| frame | time | event |\n| --- | --- | --- |\n| 4 | 0.065 | IKE SA up |\n",
		"| 20 | 11.085 | CHILD_SA rekeyed (by the initiator) |",
		"| 34 | 17.073 | continues session 1 (rekey): ")
	mustContain(t, "html", out[FormatHTML],
		`<table class="timeline">`,
		`<tr><td><a href="#s1-f20">20</a></td><td class="t">11.085</td><td>CHILD_SA rekeyed (by the initiator)</td></tr>`,
		`<td>IKE SA rekeyed into session 2 (by the initiator): aad1f915a177c512/78f8fca3f3a1e9a8 -&gt; de7a5913337c7696/add2410303795dfb</td>`)

	// Redacted, the SPIs in the rekey's detail are pseudonyms.
	for f, o := range render(t, r, Style{Redact: true}) {
		mustNotContain(t, string(f)+" redacted", o, "aad1f915a177c512", "de7a5913337c7696", "192.0.2.1")
		if f == FormatText {
			mustContain(t, "text redacted", o, "IKE SA rekeyed into session 2 (by the initiator): spi-")
		}
	}

	r = analyzeFiles(t, pcap("ikev1-rekey.pcap"))
	text := render(t, r, Style{})[FormatText]
	mustContain(t, "ikev1-rekey", text,
		"TIMELINE · session 1 · IKEv1 Main Mode, PSK · seconds since the start of the capture\n",
		"     6    0.021  Phase 1 (ISAKMP SA) up\n     9    0.031  IPsec SA created (by the initiator)\n    26   11.040  IPsec SA rekeyed (by the initiator)\n",
		"    47   19.042  Phase 1 (ISAKMP SA) up\n")

	// One event is what the sessions table already says: no timeline.
	r = analyzeFiles(t, pcap("ikev1-phase2-missing.pcap"))
	for f, o := range render(t, r, Style{}) {
		mustNotContain(t, string(f), o, "TIMELINE", "Timeline")
	}
}

// Every kind of event reads as words; a Delete's SPIs are redacted.
func TestEventText(t *testing.T) {
	v2 := &analyze.Session{Version: 2}
	v1 := &analyze.Session{Version: 1}
	tests := []struct {
		s    *analyze.Session
		e    analyze.Event
		want string
	}{
		{v2, analyze.Event{Kind: analyze.EventUp}, "IKE SA up"},
		{v1, analyze.Event{Kind: analyze.EventUp}, "Phase 1 (ISAKMP SA) up"},
		{v2, analyze.Event{Kind: analyze.EventChildUp, By: "initiator"}, "CHILD_SA created (by the initiator)"},
		{v1, analyze.Event{Kind: analyze.EventChildUp, By: "responder"}, "IPsec SA created (by the responder)"},
		{v2, analyze.Event{Kind: analyze.EventChildRekeyed, By: "initiator"}, "CHILD_SA rekeyed (by the initiator)"},
		{v2, analyze.Event{Kind: analyze.EventChildRefused, By: "initiator"}, "CHILD_SA refused (asked for by the initiator)"},
		{v2, analyze.Event{Kind: analyze.EventRekeyed, By: "responder", Session: 2}, "IKE SA rekeyed into session 2 (by the responder)"},
		{v2, analyze.Event{Kind: analyze.EventRekeyedFrom, Session: 1}, "continues session 1 (rekey)"},
		{v2, analyze.Event{Kind: analyze.EventDPD, By: "initiator"}, "liveness check (initiator)"},
		{v2, analyze.Event{Kind: analyze.EventDeleted, By: "responder", Detail: "ESP c1a2b3c4"}, "deleted by the responder: ESP c1a2b3c4"},
		{v2, analyze.Event{Kind: analyze.EventDeleted, By: "initiator"}, "Delete from the initiator (encrypted: which SA is not known)"},
	}
	for _, tt := range tests {
		if got := eventText(tt.s, tt.e, nil); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.e.Kind, got, tt.want)
		}
	}
	rd := NewRedactor(&analyze.Result{Sessions: []*analyze.Session{{
		Version: 2, Initiator: netip.MustParseAddrPort("192.0.2.1:500"), Responder: netip.MustParseAddrPort("192.0.2.2:500"),
		ESP: []*analyze.ESPFlow{{SPI: 0xc1a2b3c4}},
	}}})
	got := eventText(v2, analyze.Event{Kind: analyze.EventDeleted, By: "responder", Detail: "ESP c1a2b3c4"}, rd)
	if got != "deleted by the responder: ESP spi-1" {
		t.Errorf("redacted Delete: %q", got)
	}
}

// ESP whose IKE the capture does not hold is listed with what it means, in every format:
// tcpdump's ESP-only captures, one straight over IP (protocol 50), one in UDP 4500. Their
// SAs number packets from 1: they began during the capture, so the capture did not
// simply start late (TestOrphanMeaning has SAs older than the capture).
func TestReportESPWithoutIKE(t *testing.T) {
	for _, tc := range []struct {
		file          string
		src, dst      string
		encap, mdEsc  string
		wantRedactSrc string
	}{
		{"tcpdump/tests/02-sunrise-sunset-esp.pcap", "192.1.2.23", "192.1.2.45", "IP protocol 50", "IP protocol 50", "peer-A"},
		{"tcpdump/tests/espudp1.pcap", "192.1.2.23:4500", "192.1.2.45:4500", "UDP", "UDP", "peer-A:4500"},
	} {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			r := analyzeFiles(t, corpusFile(t, tc.file))
			if len(r.Sessions) != 0 || len(r.Orphans) != 1 {
				t.Fatalf("want no session and one flow without IKE, got %d sessions, %d flows", len(r.Sessions), len(r.Orphans))
			}
			out := render(t, r, Style{})
			for _, f := range []Format{FormatText, FormatTable} {
				mustContain(t, string(f), out[f], "No IKE negotiation in the capture.\n", "\nESP WITHOUT IKE\n",
					" These SAs began during the capture (their sequence numbers start from the beginning), yet",
					"12345678", tc.src+" ", tc.dst+" ", tc.encap, "1-8")
				mustNotContain(t, string(f), out[f], "ip xfrm policy", ":0 ")
			}
			mustContain(t, "markdown", out[FormatMarkdown], "## ESP without IKE\n\n"+orphanMeaningNew+"\n\n",
				"| 12345678 | "+tc.src+" | "+tc.dst+" | "+tc.mdEsc+" | 8 | 864 | 1-8 | 1-8 |")
			mustContain(t, "html", out[FormatHTML], `<h2>ESP without IKE</h2>`, "<p>"+html.EscapeString(orphanMeaningNew)+"</p>",
				"<td>12345678</td><td>"+tc.src+"</td><td>"+tc.dst+"</td><td>"+tc.encap+"</td><td>8</td>")
			for f, o := range render(t, r, Style{Redact: true}) {
				mustContain(t, string(f)+" redacted", o, "spi-1", tc.wantRedactSrc)
				mustNotContain(t, string(f)+" redacted", o, "12345678", "192.1.2.23")
			}
		})
	}
}

// A capture with neither IKE nor ESP says where to look.
func TestReportNoIKENoESP(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r := &analyze.Result{Captures: []analyze.Capture{{Name: "quiet.pcap", Frames: 12, First: now, Last: now.Add(3 * time.Second), Duration: 3 * time.Second}}}
	out := render(t, r, Style{Width: 80})
	for f, o := range out {
		o = strings.Join(strings.Fields(o), " ") // the text report wraps
		mustContain(t, string(f), o, "nothing asked for a tunnel", "UDP 500 and 4500 are blocked before the capture point",
			"ip xfrm policy, setkey -DP, show crypto map")
		mustNotContain(t, string(f), o, "ESP WITHOUT IKE", "ESP without IKE")
	}
	mustContain(t, "text", out[FormatText], "\nNo IKE in the capture: nothing asked for a tunnel while it ran, or UDP 500 and\n4500 are blocked")
}

// A capture whose IKE the snap length cut says so, not that nothing asked for a tunnel,
// even when the ESP it holds has no session to go to.
func TestReportNoIKECut(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r := &analyze.Result{
		Captures: []analyze.Capture{{Name: "cut.pcap", Frames: 12, First: now, Last: now.Add(3 * time.Second), Duration: 3 * time.Second, Truncated: 12}},
		Findings: []analyze.Finding{{Code: analyze.CodeTruncated, Severity: analyze.Warning, Frames: []int{1, 2}, Time: now,
			Summary: "2 IKE message(s) were cut short by the capture's snap length."}},
		Orphans: []*analyze.ESPFlow{{SPI: 0x12345678, Src: netip.MustParseAddrPort("192.0.2.1:4500"), Dst: netip.MustParseAddrPort("192.0.2.2:4500"), Encap: true, Packets: 3, First: now, Last: now}},
	}
	for f, o := range render(t, r, Style{Width: 80}) {
		o = strings.Join(strings.Fields(o), " ")
		mustContain(t, string(f), o, "No IKE message could be read: the capture cut packets short")
		mustNotContain(t, string(f), o, "nothing asked for a tunnel", "No IKE negotiation in the capture")
	}
}

// TestOrphanMeaning: ESP without IKE on an SA numbered past its first packets was
// negotiated before the capture; when every SA starts from its first packets, the SAs are
// new and their IKE is elsewhere.
func TestOrphanMeaning(t *testing.T) {
	old := &analyze.ESPFlow{SPI: 0xc0ffee01, FirstSeq: 40312}
	fresh := &analyze.ESPFlow{SPI: 0xc0ffee02, FirstSeq: 1}
	for _, tc := range []struct {
		flows []*analyze.ESPFlow
		want  string
	}{
		{[]*analyze.ESPFlow{fresh}, orphanMeaningNew},
		{[]*analyze.ESPFlow{fresh, old}, orphanMeaning},
		{[]*analyze.ESPFlow{old}, orphanMeaning},
		{[]*analyze.ESPFlow{{SPI: 0x0a, FirstSeq: 1}, {SPI: 0x7b, FirstSeq: 900}}, orphanMeaningManual},
	} {
		if got := orphanMeaningOf(&analyze.Result{Orphans: tc.flows}); got != tc.want {
			t.Errorf("%d flows: %q, want %q", len(tc.flows), got, tc.want)
		}
	}
}

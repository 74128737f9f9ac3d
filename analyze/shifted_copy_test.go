package analyze_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/decode"
)

// TestShiftedCopyMerged: a recorded capture merged with a copy of itself whose clock is
// 7 s ahead (what mergecap makes of two captures of the same packets, in the test) reads
// as the capture alone: a copy is the same datagram (same IP identification), not a
// retransmission, and an ESP flow's copies, which begin again at its first packet, are
// not sequence numbers going backwards. States, retransmissions, ESP packet counts and
// findings are those of the capture, and one more finding says the file holds the
// traffic twice, 7 s apart. The real retransmissions of these captures (new datagrams)
// stay retransmissions; the router capture's copies within microseconds stay that.
func TestShiftedCopyMerged(t *testing.T) {
	const shift = 7 * time.Second
	for _, name := range []string{"ikev1-reply-dropped", "ikev1-main-psk-mismatch", "ikev1-no-response", "ikev2-psk-mismatch",
		"ikev2-psk", "ikev2-esp-loss", "ikev2-esp-seq-restart", "ikev1-esp-oneway", "ikev2-rekey",
		"ikev2-natt-4500-blocked"} { // (its responder sends one datagram: an IKEv2 answer repeated with no request between is a copy)
		cs := loadStream(t, pcap(name+".pcap"))
		merged := withShiftedCopy(cs.Msgs, shift)
		alone := analyzeStream(name, cs.Msgs, cs.Stats, analyze.Options{})
		both := analyzeStream(name, merged, streamStats(merged), analyze.Options{})
		if len(alone.Sessions) != len(both.Sessions) {
			t.Fatalf("%s: %d sessions merged with its copy, %d alone", name, len(both.Sessions), len(alone.Sessions))
		}
		for i, s := range both.Sessions {
			a := alone.Sessions[i]
			if s.State != a.State || s.Retransmits != a.Retransmits || len(s.Messages) != len(a.Messages) || espPackets(s) != espPackets(a) {
				t.Errorf("%s session %d merged: %q, %d retransmissions, %d messages, %d ESP packets; alone: %q, %d, %d, %d",
					name, s.ID, s.State, s.Retransmits, len(s.Messages), espPackets(s), a.State, a.Retransmits, len(a.Messages), espPackets(a))
			}
		}
		codes := func(r *analyze.Result) []string {
			var out []string
			for _, f := range r.Findings {
				if !strings.Contains(f.Summary, "appear twice") {
					// Frames are numbered anew, and the merged file goes on longer.
					out = append(out, fmt.Sprintf("%s:%s %s", f.Code, f.Severity, strings.Map(func(r rune) rune {
						if unicode.IsDigit(r) {
							return '#'
						}
						return r
					}, f.Summary)))
				}
			}
			slices.Sort(out)
			return out
		}
		if g, w := codes(both), codes(alone); !slices.Equal(g, w) {
			t.Errorf("%s merged with its copy: findings %v, alone %v", name, g, w)
		}
		var f *analyze.Finding
		for i := range both.Findings {
			if strings.Contains(both.Findings[i].Summary, "appear twice") {
				f = &both.Findings[i]
			}
		}
		if f == nil || !strings.Contains(f.Summary, "appear twice, up to 7") || !strings.Contains(f.Next, "separate files") {
			t.Errorf("%s: duplicates finding %+v, want one that says the copies are 7 s apart", name, f)
		}
	}
}

// TestConstantIPIDRetransmissions: a sender may give every datagram that cannot be
// fragmented the same identification (RFC 6864 4.1); its retransmissions, the same bytes
// in datagrams that look alike, stay retransmissions (ikev1-no-response, every
// identification set to one value in the test).
func TestConstantIPIDRetransmissions(t *testing.T) {
	cs := loadStream(t, pcap("ikev1-no-response.pcap"))
	msgs := slices.Clone(cs.Msgs)
	for i := range msgs {
		msgs[i].IPID = 0x1234
	}
	res := analyzeStream("constant", msgs, cs.Stats, analyze.Options{})
	if s := res.Sessions[0]; s.Retransmits != 3 || s.Duplicates != 0 {
		t.Errorf("%d retransmissions, %d duplicates; want 3 and none", s.Retransmits, s.Duplicates)
	}
}

// TestFastRetransmissions: ikev1-no-response's four MM1 copies, each a datagram of its
// own (another IP identification), squeezed in the test to a thousandth of their
// spacing (2 to 4.5 ms apart), are still retransmissions, not one packet captured four
// times.
func TestFastRetransmissions(t *testing.T) {
	cs := loadStream(t, pcap("ikev1-no-response.pcap"))
	msgs := slices.Clone(cs.Msgs)
	t0 := msgs[0].Time
	for i := range msgs {
		msgs[i].Time = t0.Add(msgs[i].Time.Sub(t0) / 1000)
	}
	res := analyzeStream("fast", msgs, streamStats(msgs), analyze.Options{})
	if s := res.Sessions[0]; s.Retransmits != 3 || s.Duplicates != 0 {
		t.Errorf("%d retransmissions, %d duplicates; want 3 and none", s.Retransmits, s.Duplicates)
	}
}

// withShiftedCopy merges messages with a copy of them whose clock is shift ahead, in time
// order and numbered anew, as mergecap makes of two captures of the same packets.
func withShiftedCopy(msgs []decode.Message, shift time.Duration) []decode.Message {
	var merged []decode.Message
	for _, m := range msgs {
		merged = append(merged, m)
		m.Time = m.Time.Add(shift)
		merged = append(merged, m)
	}
	slices.SortStableFunc(merged, func(a, b decode.Message) int { return a.Time.Compare(b.Time) })
	for i := range merged {
		merged[i].Frame = i + 1
	}
	return merged
}

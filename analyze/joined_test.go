package analyze_test

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket/layers"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/internal/decodetest"
)

// TestDPDUnansweredThenRecovered: the dead-peer capture (the responder stops answering
// the initiator's R-U-THERE) followed, as one capture, by another IKEv1 negotiation
// between the same two gateways recorded 101 s later: the peer came back and a new IKE
// SA with new IPsec SAs carries ESP. The probes on the old SA went unanswered all the
// same; ESP on SAs negotiated after them is no answer. Built in the test from two
// recorded captures, their clocks as recorded (the second began after the first ended).
func TestDPDUnansweredThenRecovered(t *testing.T) {
	dir := filepath.Join(decodetest.RepoRoot(t), "pcaps")
	dead := loadStream(t, filepath.Join(dir, "ikev1-dpd-dead-peer.pcap"))
	back := loadStream(t, filepath.Join(dir, "ikev1-weak-crypto.pcap"))
	_, deadEnd := timeSpan(dead.Msgs)
	backStart, _ := timeSpan(back.Msgs)
	if !backStart.After(deadEnd) {
		t.Fatalf("the second capture (%v) does not begin after the first (%v)", backStart, deadEnd)
	}
	msgs := concatStreams(dead.Msgs, back.Msgs, dead.Stats.Frames, backStart.Sub(deadEnd))
	res := analyzeStream("dead-then-back", msgs, dead.Stats, analyze.Options{})
	if len(res.Sessions) != 2 || !res.Sessions[1].Established {
		t.Fatalf("want the dead SA and a second established one, got %s", sessionList(res))
	}
	var dpd *analyze.Finding
	for i, f := range res.Findings {
		if f.Code == analyze.CodeDPDUnanswered {
			dpd = &res.Findings[i]
		}
	}
	if dpd == nil || dpd.Severity != analyze.Error || dpd.Session != res.Sessions[0].ID {
		t.Fatalf("want dpd-unanswered (error) on session %d whatever came after; findings: %s", res.Sessions[0].ID, codesOf(res.Findings))
	}
	if got := dpd.Frames; len(got) != 4 {
		t.Errorf("dpd-unanswered cites frames %v, want the 4 probes", got)
	}

	// ESP from the peer on an SA that was up when an Informational went out does answer
	// it: ikev1-rekey's Deletes of replaced SAs, begun at every message (an SA first seen
	// past sequence number 1 was up before the capture saw it), raise nothing.
	rekey := loadStream(t, filepath.Join(dir, "ikev1-rekey.pcap"))
	for _, at := range cutPoints(rekey.Msgs) {
		res := analyzeStream("ikev1-rekey", rekey.Msgs[at:], rekey.Stats, analyze.Options{})
		for _, f := range res.Findings {
			if f.Code == analyze.CodeDPDUnanswered {
				t.Fatalf("ikev1-rekey begun at message %d: %s %v: %s", at, f.Code, f.Frames, f.Summary)
			}
		}
	}
}

// TestCaptureClock: two recorded captures written into one file in the wrong order (the
// later one first), as cat or mergecap -a do with files given backwards, a case made in
// the test. The file says its clock goes back, at the frame where the second piece
// starts, and each piece's sessions and findings are those of its capture alone.
func TestCaptureClock(t *testing.T) {
	dir := filepath.Join(decodetest.RepoRoot(t), "pcaps")
	early, late := filepath.Join(dir, "ikev2-psk-mismatch.pcap"), filepath.Join(dir, "ikev1-dpd-dead-peer.pcap")
	joined := filepath.Join(t.TempDir(), "backwards.pcap")
	lateFrames := writeJoined(t, joined, late, early)
	res := analyzeFile(t, joined)
	var clock []analyze.Finding
	for _, f := range res.Findings {
		if f.Code == analyze.CodeCaptureClock {
			clock = append(clock, f)
		}
	}
	if len(clock) != 1 || clock[0].Severity != analyze.Info || !slices.Equal(clock[0].Frames, []int{lateFrames, lateFrames + 1}) {
		t.Fatalf("capture-clock findings %+v, want one, info, at frames %d and %d", clock, lateFrames, lateFrames+1)
	}
	if !strings.Contains(clock[0].Summary, "go back once") {
		t.Errorf("summary %q does not say the clock went back once", clock[0].Summary)
	}
	var want []string
	for _, p := range []string{late, early} {
		for _, f := range analyzeFile(t, p).Findings {
			want = append(want, f.Severity.String()+":"+f.Code)
		}
	}
	sort.Strings(want)
	var got []string
	for _, f := range res.Findings {
		if f.Code != analyze.CodeCaptureClock {
			got = append(got, f.Severity.String()+":"+f.Code)
		}
	}
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Errorf("findings of the joined file %v, want those of the two captures %v", got, want)
	}

	// In time order, nothing is said.
	writeJoined(t, joined, early, late)
	for _, f := range analyzeFile(t, joined).Findings {
		if f.Code == analyze.CodeCaptureClock {
			t.Errorf("captures joined in time order: %s", f.Summary)
		}
	}
}

// writeJoined writes the frames of the captures one after the other into path, as they
// are (same link type), and returns the number of frames of the first.
func writeJoined(t *testing.T, path string, captures ...string) int {
	t.Helper()
	var all []decodetest.Frame
	var link layers.LinkType
	first := 0
	for i, c := range captures {
		frames, l := decodetest.ReadFrames(t, c)
		if i == 0 {
			link, first = l, len(frames)
		}
		all = append(all, frames...)
	}
	decodetest.WriteFrames(t, path, link, 65535, true, all)
	return first
}

// TestRefusedWhileOldSACarries: a negotiation refused while ESP between the same two
// gateways goes on, on IPsec SAs up before the capture began. Built in the test from
// recorded captures of the same two gateways: the ESP of a rekey capture from its fifth
// second on (its IKE left out: the capture "began" with the SAs up) and a refused
// negotiation moved to the middle of it. The refused SA made no IPsec SA, so it gets
// none of that ESP (those flows are ESP without IKE) and nothing is said of it from
// ESP; its refusal keeps its severity and says that the tunnel is still carried.
func TestRefusedWhileOldSACarries(t *testing.T) {
	dir := filepath.Join(decodetest.RepoRoot(t), "pcaps")
	for _, c := range []struct {
		esp, refused, code string
		sev                analyze.Severity
	}{
		// The IKE SA refused by a notification in the clear.
		{"ikev2-rekey.pcap", "ikev2-no-proposal.pcap", analyze.CodeNoProposalChosen, analyze.Error},
		{"ikev1-rekey.pcap", "ikev1-p1-proposal-mismatch.pcap", analyze.CodeNoProposalChosen, analyze.Error},
		// Refused where the capture sees only the encrypted answer's shape.
		{"ikev2-rekey.pcap", "ikev2-psk-mismatch.pcap", analyze.CodeAuthFailed, analyze.Error},
		{"ikev1-rekey.pcap", "ikev1-main-psk-mismatch.pcap", analyze.CodeAuthFailed, analyze.Error},
		// The IKE SA up, its only IPsec SA refused.
		{"ikev2-rekey.pcap", "ikev2-ts-unacceptable.pcap", analyze.CodePhase2Stalled, analyze.Warning},
		{"ikev1-rekey.pcap", "ikev1-proxyid-mismatch.pcap", analyze.CodePhase2Stalled, analyze.Error},
		{"ikev1-rekey.pcap", "ikev1-p2-proposal-mismatch.pcap", analyze.CodePhase2Stalled, analyze.Error},
	} {
		t.Run(c.refused, func(t *testing.T) {
			old := loadStream(t, filepath.Join(dir, c.esp))
			refused := loadStream(t, filepath.Join(dir, c.refused))
			start, _ := timeSpan(old.Msgs)
			from := start.Add(5 * time.Second)
			var msgs []decode.Message
			for _, m := range old.Msgs {
				if m.Kind == decode.KindESP && !m.Time.Before(from) {
					msgs = append(msgs, m)
				}
			}
			if len(msgs) < 8 {
				t.Fatalf("%s: %d ESP packets after its fifth second, want a tunnel carrying traffic", c.esp, len(msgs))
			}
			refStart, _ := timeSpan(refused.Msgs)
			at := msgs[len(msgs)/3].Time.Add(time.Millisecond)
			for _, m := range refused.Msgs {
				m.Time = at.Add(m.Time.Sub(refStart))
				m.Frame += 100000 // after the ESP's frame numbers, which are the rekey capture's
				msgs = append(msgs, m)
			}
			sort.SliceStable(msgs, func(i, j int) bool { return msgs[i].Time.Before(msgs[j].Time) })
			res := analyzeStream("refused-while-carried", msgs, decode.Stats{}, analyze.Options{})

			if len(res.Sessions) == 0 {
				t.Fatal("no IKE SA")
			}
			flows := 0
			for _, s := range res.Sessions {
				if s.Phase2Done > 0 {
					t.Fatalf("want IKE SAs that made no IPsec SA, got %s", sessionList(res))
				}
				flows += len(s.ESP)
			}
			if flows != 0 || len(res.Orphans) < 2 {
				t.Errorf("the refused SAs have %d ESP flows and %d flows have no IKE SA; want none and every flow", flows, len(res.Orphans))
			}
			for _, s := range res.Sessions {
				var refusal *analyze.Finding
				for i, f := range res.Findings {
					if f.Session != s.ID {
						continue
					}
					switch f.Code {
					case c.code:
						refusal = &res.Findings[i]
					case analyze.CodeNATTProblem, analyze.CodeESPOneWay, analyze.CodeESPMissing, analyze.CodeESPAnomaly, analyze.CodeDPDUnanswered:
						t.Errorf("%s said of refused session %d from ESP that is not its own: %s", f.Code, s.ID, f.Summary)
					}
				}
				if refusal == nil || refusal.Severity != c.sev {
					t.Fatalf("session %d: want %s as %s; findings: %s", s.ID, c.code, c.sev, codesOf(res.Findings))
				}
				if !strings.Contains(refusal.Summary, "ESP between these peers went on after it") {
					t.Errorf("session %d: the refusal does not say the tunnel is still carried: %s", s.ID, refusal.Summary)
				}
			}

			// The refused negotiation alone says nothing of ESP.
			alone := analyzeStream(c.refused, refused.Msgs, refused.Stats, analyze.Options{})
			for _, f := range alone.Findings {
				if strings.Contains(f.Summary, "ESP between these peers went on") {
					t.Errorf("%s alone: %s", c.refused, f.Summary)
				}
			}
		})
	}
}

// TestNATRemap: a NAT gives the initiator a new UDP port in the middle of a tunnel. Made
// in the test from pcaps/ikev2-rekey.pcap (ESP in UDP 4500 both ways, liveness checks and
// a CHILD_SA rekey from the initiator later on) by changing the initiator's port from
// 4500 to 31337 from its third ESP packet on, in what it sends and, when the responder
// follows, in what it receives. Following is worth an info; not following is a warning
// until an IKE message came from the new port, an error after it; the recording as it
// is says nothing of ports.
func TestNATRemap(t *testing.T) {
	st := loadStream(t, filepath.Join(decodetest.RepoRoot(t), "pcaps", "ikev2-rekey.pcap"))
	initiator := netip.MustParseAddr("192.0.2.1")
	from := -1
	seen := 0
	for i, m := range st.Msgs {
		if m.Kind == decode.KindESP && m.Src.Addr() == initiator {
			if seen++; seen == 3 {
				from = i
				break
			}
		}
	}
	if from < 0 {
		t.Fatal("ikev2-rekey.pcap: fewer than three ESP packets from 192.0.2.1")
	}
	firstIKE := time.Time{} // the first IKE message from the initiator after the change
	for _, m := range st.Msgs[from:] {
		if m.Kind == decode.KindISAKMP && m.Src.Addr() == initiator {
			firstIKE = m.Time
			break
		}
	}
	moved := netip.AddrPortFrom(initiator, 31337)
	remap := func(follow bool, until time.Time) []decode.Message {
		var out []decode.Message
		for i, m := range st.Msgs {
			if !until.IsZero() && !m.Time.Before(until) {
				break
			}
			if i >= from {
				if m.Src.Addr() == initiator && m.Src.Port() == 4500 {
					m.Src = moved
				}
				if follow && m.Dst.Addr() == initiator && m.Dst.Port() == 4500 {
					m.Dst = moved
				}
			}
			out = append(out, m)
		}
		return out
	}
	// The same, the NAT giving the initiator another address (as a carrier-grade NAT
	// does), its port kept.
	newAddress := func(follow bool) []decode.Message {
		moved = netip.AddrPortFrom(netip.MustParseAddr("192.0.2.77"), 4500)
		defer func() { moved = netip.AddrPortFrom(initiator, 31337) }()
		return remap(follow, time.Time{})
	}
	portFindings := func(res *analyze.Result) []analyze.Finding {
		var out []analyze.Finding
		for _, f := range res.Findings {
			if f.Exchange == "ESP ports" {
				out = append(out, f)
			}
		}
		return out
	}
	for _, c := range []struct {
		name   string
		msgs   []decode.Message
		code   string
		sev    analyze.Severity
		phrase string
	}{
		{"followed", remap(true, time.Time{}), analyze.CodeNATDetected, analyze.Info, "The responder followed it"},
		{"not followed, then IKE from the new port", remap(false, time.Time{}), analyze.CodeNATTProblem, analyze.Error, "although an IKE message came from port 31337"},
		{"not followed, no IKE from the new port yet", remap(false, firstIKE), analyze.CodeNATTProblem, analyze.Warning, "until an IKE message from port 31337 moves the responder"},
		{"new address, followed", newAddress(true), analyze.CodeNATDetected, analyze.Info, "comes from 192.0.2.77 instead of 192.0.2.1"},
		{"new address, not followed", newAddress(false), analyze.CodeNATTProblem, analyze.Error, "still sends its ESP to 192.0.2.1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := analyzeStream("ikev2-rekey-remapped", c.msgs, st.Stats, analyze.Options{})
			fs := portFindings(res)
			if len(fs) != 1 || fs[0].Code != c.code || fs[0].Severity != c.sev || !strings.Contains(fs[0].Summary, c.phrase) {
				t.Fatalf("want one %s %s saying %q; got %v", c.sev, c.code, c.phrase, fs)
			}
			if !strings.Contains(fs[0].Summary, "UDP port 31337 instead of 4500") && !strings.Contains(fs[0].Summary, "192.0.2.77 instead of") || fs[0].Frames[0] != c.msgs[from].Frame {
				t.Errorf("the change is not placed at frame %d: %v %s", c.msgs[from].Frame, fs[0].Frames, fs[0].Summary)
			}
			if c.sev == analyze.Info {
				for _, f := range res.Findings {
					if f.Code == analyze.CodeNATTProblem || f.Code == analyze.CodeESPOneWay {
						t.Errorf("a followed change raised %s: %s", f.Code, f.Summary)
					}
				}
			}
		})
	}
	if fs := portFindings(analyzeStream("ikev2-rekey", st.Msgs, st.Stats, analyze.Options{})); len(fs) > 0 {
		t.Errorf("the recording as it is: %v", fs)
	}
}

// TestNATRemapAcrossCaptures: captures given one after the other may hold the same SPI
// (two capture points of one tunnel, on either side of a NAT, read as separate captures):
// where a flow's packets are in another capture is no change of port or address. Over
// every recorded capture given together, nothing is said of ESP ports.
func TestNATRemapAcrossCaptures(t *testing.T) {
	a := analyze.New(analyze.Options{})
	for _, p := range pcapFiles(t) {
		st := loadStream(t, p)
		a.StartCapture(st.Name)
		for i := range st.Msgs {
			m := st.Msgs[i]
			a.Add(&m)
		}
		a.EndCapture(st.Stats)
	}
	for _, f := range a.Finish().Findings {
		if f.Exchange == "ESP ports" {
			t.Errorf("%s %v: %s", f.Code, f.Evidence, f.Summary)
		}
	}
}

// TestCaptureOneWay: every recorded capture with the packets of one of its addresses
// left out, as a capture point that sees one direction only (asymmetric routing, a
// mirror of one direction) records it. Of a capture without errors, the cut raises none
// either (the silent side's absence proves nothing); a failing one may be read
// otherwise from one side (a peer that never answers looks the same from the side
// left). On the two clean negotiations, both ways, the capture says it sees one
// direction, and the IKEv2 one is still up with its CHILD_SA.
func TestCaptureOneWay(t *testing.T) {
	errorsOf := func(res *analyze.Result) map[string]bool {
		out := map[string]bool{}
		for _, f := range res.Findings {
			if f.Severity == analyze.Error {
				out[f.Code] = true
			}
		}
		return out
	}
	for _, p := range pcapFiles(t) {
		if strings.Contains(filepath.Base(p), ".gw-") || strings.Contains(filepath.Base(p), ".router.") {
			continue // capture points of one tunnel, read together elsewhere
		}
		st := loadStream(t, p)
		whole := analyzeStream(st.Name, st.Msgs, st.Stats, analyze.Options{})
		wholeErrors := errorsOf(whole)
		addrs := map[netip.Addr]bool{}
		for _, m := range st.Msgs {
			if m.Kind == decode.KindISAKMP {
				addrs[m.Src.Addr()] = true
			}
		}
		for a := range addrs {
			var msgs []decode.Message
			for _, m := range st.Msgs {
				if m.Src.Addr() == a {
					msgs = append(msgs, m)
				}
			}
			res := analyzeStream(st.Name, msgs, st.Stats, analyze.Options{})
			oneWay := 0
			for _, f := range res.Findings {
				switch {
				case f.Code == analyze.CodeCaptureOneWay:
					oneWay++
				case f.Severity == analyze.Error && len(wholeErrors) == 0:
					t.Errorf("%s from %s only: %s %v: %s", st.Name, a, f.Code, f.Evidence, f.Summary)
				}
			}
			clean := st.Name == "ikev2-psk.pcap" || st.Name == "ikev1-main-psk.pcap"
			if clean && oneWay != 1 {
				t.Errorf("%s from %s only: %d capture-one-way findings, want one; findings: %s", st.Name, a, oneWay, codesOf(res.Findings))
			}
			// IKEv2 from either side alone: the responder's IKE_AUTH answer, or the
			// initiator's ESP on a new SA after its IKE_AUTH request, shows the SA up
			// with its CHILD_SA.
			// IKEv1 likewise: the responder's lone Quick Mode message followed by its ESP on
			// a new SA is QM2 (its QM3 would be in the capture had it started Quick Mode).
			if st.Name == "ikev2-psk.pcap" || st.Name == "ikev1-main-psk.pcap" || st.Name == "ikev1-aggressive-psk.pcap" {
				if len(res.Sessions) != 1 || !res.Sessions[0].Established || res.Sessions[0].Phase2Done != 1 {
					t.Errorf("%s from %s only: want one session up with one CHILD_SA:%s", st.Name, a, sessionList(res))
				}
			}
		}
	}
}

// TestOrphansHandedOver: ESP with no IKE in the capture (SAs negotiated before it
// began) over more than the idle timeout, made in the test from pcaps/ikev2-rekey.pcap's
// ESP alone, played three times 15 minutes apart with other SPIs each time. An analysis
// that hands over (OnOrphan) lets each round's flows go once quiet for the idle timeout;
// what it handed over and what Finish still lists are every flow once, the same flows
// that an analysis holding everything lists.
func TestOrphansHandedOver(t *testing.T) {
	st := loadStream(t, filepath.Join(decodetest.RepoRoot(t), "pcaps", "ikev2-rekey.pcap"))
	var msgs []decode.Message
	frame := 0
	for round := 0; round < 3; round++ {
		for _, m := range st.Msgs {
			if m.Kind != decode.KindESP {
				continue
			}
			frame++
			m.Frame = frame
			m.Time = m.Time.Add(time.Duration(round) * 15 * time.Minute)
			m.ESP.SPI += uint32(round) << 24
			msgs = append(msgs, m)
		}
	}
	flowsOf := func(fs []*analyze.ESPFlow) []string {
		var out []string
		for _, f := range fs {
			out = append(out, fmt.Sprintf("%08x %s>%s %d packets %d-%d", f.SPI, f.Src, f.Dst, f.Packets, f.FirstFrame, f.LastFrame))
		}
		return out
	}
	held := analyzeStream("esp-only", msgs, st.Stats, analyze.Options{})
	var handed []*analyze.ESPFlow
	res := analyzeStream("esp-only", msgs, st.Stats, analyze.Options{
		OnDone:   func(*analyze.Session, []analyze.Finding) {},
		OnOrphan: func(f *analyze.ESPFlow) { handed = append(handed, f) },
	})
	want := flowsOf(held.Orphans)
	got := append(flowsOf(handed), flowsOf(res.Orphans)...)
	if len(want) != 18 || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("handed over and left:\n%s\nwant, held to the end:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(handed) != 12 {
		t.Errorf("%d flows handed over, want the 12 of the first two rounds (quiet for the idle timeout)", len(handed))
	}
}

// TestSnapLength: every recorded capture cut to the snap lengths of tcpdump's old
// defaults (68 and 96 bytes) and a common -s 128, made in the test (each frame kept to
// that many bytes, its wire length as it was). Of a capture without errors the cut
// raises none (sizes read from what the headers say, not from the bytes kept; fragments
// cut short are not fragments lost). At 96 and 128 bytes every IKE SA that came up in
// the whole capture is seen to come up in the cut one; 68 bytes can leave less than the
// ISAKMP header on UDP 4500, which says little more than the SPIs. IKE over TCP is left
// out: segments cut short cannot be put back together into messages.
func TestSnapLength(t *testing.T) {
	for _, p := range pcapFiles(t) {
		if filepath.Ext(p) != ".pcap" || strings.HasPrefix(filepath.Base(p), "ike-tcp-") {
			continue
		}
		whole := analyzeFile(t, p)
		wholeErrors := 0
		for _, f := range whole.Findings {
			if f.Severity == analyze.Error {
				wholeErrors++
			}
		}
		for _, snap := range []int{42, 68, 96, 128} {
			out := filepath.Join(t.TempDir(), fmt.Sprintf("%s-s%d.pcap", strings.TrimSuffix(filepath.Base(p), ".pcap"), snap))
			writeSnapped(t, p, out, snap)
			cut := analyzeFile(t, out)
			if snap == 42 {
				// Ethernet, IP and UDP headers only: no IKE can be read, and the
				// analysis says the capture cut it rather than that none was sent.
				said := false
				for _, f := range cut.Findings {
					said = said || f.Code == analyze.CodeTruncated || f.Code == analyze.CodeNoIKE && strings.Contains(f.Summary, "the snap length cut")
				}
				if len(cut.Sessions) == 0 && !said {
					t.Errorf("%s at -s 42: no session, and nothing says the capture cut IKE: %s", filepath.Base(p), codesOf(cut.Findings))
				}
				continue
			}
			if len(cut.Sessions) > len(whole.Sessions) {
				t.Errorf("%s at -s %d: %d sessions, the whole capture %d:%s", filepath.Base(p), snap, len(cut.Sessions), len(whole.Sessions), sessionList(cut))
			}
			for _, f := range cut.Findings {
				if f.Severity == analyze.Error && wholeErrors == 0 {
					t.Errorf("%s at -s %d: %s %v: %s", filepath.Base(p), snap, f.Code, f.Frames, f.Summary)
				}
			}
			up := map[string]bool{}
			for _, s := range cut.Sessions {
				if s.Established {
					up[s.InitiatorSPI.String()] = true
				}
			}
			for _, s := range whole.Sessions {
				if snap > 68 && s.Established && !up[s.InitiatorSPI.String()] {
					t.Errorf("%s at -s %d: session %s came up in the whole capture, not in the cut one", filepath.Base(p), snap, s.InitiatorSPI)
				}
			}
		}
	}
}

// writeSnapped writes in's frames to out cut to snap bytes, as tcpdump -s snap records
// them.
func writeSnapped(t *testing.T, in, out string, snap int) {
	t.Helper()
	frames, link := decodetest.ReadFrames(t, in)
	for i := range frames {
		if len(frames[i].Data) > snap {
			frames[i].Data = frames[i].Data[:snap]
		}
	}
	decodetest.WriteFrames(t, out, link, uint32(snap), true, frames)
}

// TestESPMissingFilterHint: with no ESP after a negotiation on UDP 500 (no NAT
// traversal), ESP would be IP protocol 50, which a capture filter for IKE's ports leaves
// out, and esp-missing says so (Wireshark's ikev2-decrypt-aes256gcm16, IKE only); on UDP
// 4500 ESP is UDP too, and it does not (pcaps/ikev2-esp-missing.pcap).
func TestESPMissingFilterHint(t *testing.T) {
	const hint = "add `or esp`"
	cause := func(path string) string {
		for _, f := range analyzeFile(t, path).Findings {
			if f.Code == analyze.CodeESPMissing {
				return f.Cause
			}
		}
		t.Fatalf("%s: no esp-missing", path)
		return ""
	}
	if c := cause(filepath.Join(decodetest.RepoRoot(t), "pcaps", "ikev2-esp-missing.pcap")); strings.Contains(c, hint) {
		t.Errorf("ESP in UDP 4500 would pass the filter, yet: %s", c)
	}
	dir := decodetest.RequireCorpus(t)
	if c := cause(filepath.Join(dir, "wireshark", "test", "captures", "ikev2-decrypt-aes256gcm16.pcap")); !strings.Contains(c, hint) {
		t.Errorf("IKE on UDP 500 only, and the cause does not point at the capture filter: %s", c)
	}
}

// TestInitiatorStopped: pcaps/ikev2-natt-inside.pcap's IKE_SA_INIT alone (cut in the test
// after the responder's answer), followed after a gap by pcaps/ikev1-main-psk.pcap as
// other traffic the capture goes on with. Captured on the initiator's side of the NAT,
// an IKE_AUTH it sent would be in the capture: its absence while the capture goes on
// past the reply timeout is a warning that the initiator stopped (not a UDP 4500
// problem); a capture that ends within the reply timeout says nothing of it.
func TestInitiatorStopped(t *testing.T) {
	root := decodetest.RepoRoot(t)
	v2 := loadStream(t, filepath.Join(root, "pcaps", "ikev2-natt-inside.pcap"))
	other := loadStream(t, filepath.Join(root, "pcaps", "ikev1-main-psk.pcap"))
	var init []decode.Message
	for _, m := range v2.Msgs {
		if m.Kind == decode.KindISAKMP && m.ISAKMP != nil && m.ISAKMP.ExchangeType == decode.ExchangeIKESAInit {
			init = append(init, m)
		}
	}
	if len(init) != 2 {
		t.Fatalf("%d IKE_SA_INIT messages in ikev2-natt-inside.pcap, want 2", len(init))
	}
	for _, c := range []struct {
		gap  time.Duration
		want bool
	}{{time.Minute, true}, {2 * time.Second, false}} {
		msgs := concatStreams(init, other.Msgs, lastFrame(init), c.gap)
		res := analyzeStream("stopped", msgs, streamStats(msgs), analyze.Options{})
		var s *analyze.Session
		for _, x := range res.Sessions {
			if x.Version == 2 {
				s = x
			}
		}
		if s == nil {
			t.Fatalf("gap %s: no IKEv2 session:%s", c.gap, sessionList(res))
		}
		var stalled []analyze.Finding
		for _, f := range res.Findings {
			if f.Session == s.ID && f.Code == analyze.CodeExchangeStalled {
				stalled = append(stalled, f)
			}
		}
		got := len(stalled) == 1 && stalled[0].Severity == analyze.Warning && strings.Contains(stalled[0].Summary, "no IKE_AUTH") &&
			strings.Contains(stalled[0].Summary, "initiator's side of the NAT")
		if got != c.want || !c.want && len(stalled) > 0 {
			t.Errorf("gap %s: exchange-stalled findings %v, want one warning: %v", c.gap, stalled, c.want)
		}
		if c.want && (s.Failed || s.State != "stopped after IKE_SA_INIT response while the capture went on") {
			t.Errorf("gap %s: state %q failed %v", c.gap, s.State, s.Failed)
		}
	}
}

// TestOrphanESPOneWay: the ESP alone of pcaps/ikev1-esp-oneway.pcap (the initiator's, the
// responder never answers) and of pcaps/ikev2-psk.pcap (both ways), each stretched in the
// test to span 40 s, as a capture begun after the negotiation sees them. One way is an
// esp-one-way warning naming the silent peer; both ways is nothing.
func TestOrphanESPOneWay(t *testing.T) {
	root := decodetest.RepoRoot(t)
	for _, c := range []struct {
		file   string
		oneWay bool
		silent string
	}{{"ikev1-esp-oneway.pcap", true, "nothing comes back from 192.0.2.2"}, {"ikev2-psk.pcap", false, ""}} {
		st := loadStream(t, filepath.Join(root, "pcaps", c.file))
		var esp []decode.Message
		for _, m := range st.Msgs {
			if m.Kind == decode.KindESP {
				esp = append(esp, m)
			}
		}
		t0 := esp[0].Time
		span := esp[len(esp)-1].Time.Sub(t0)
		for i := range esp {
			esp[i].Time = t0.Add(time.Duration(float64(esp[i].Time.Sub(t0)) / float64(span) * float64(40*time.Second)))
		}
		res := analyzeStream(c.file, esp, streamStats(esp), analyze.Options{})
		var got []analyze.Finding
		for _, f := range res.Findings {
			if f.Code == analyze.CodeESPOneWay {
				got = append(got, f)
			}
		}
		switch {
		case c.oneWay && (len(got) != 1 || got[0].Severity != analyze.Warning || !strings.Contains(got[0].Summary, c.silent)):
			t.Errorf("%s, ESP alone: esp-one-way findings %+v, want one warning saying %q", c.file, got, c.silent)
		case !c.oneWay && len(got) > 0:
			t.Errorf("%s, ESP alone both ways: esp-one-way findings %+v", c.file, got)
		}
	}
}

// TestESPAfterAuthResent: pcaps/ikev2-psk.pcap seen from the initiator only is up (its ESP
// on a new SA shows the IKE_AUTH answer came, TestCaptureOneWay); with a copy of its
// IKE_AUTH request added in the test after that ESP began, the initiator was still
// waiting for the answer then, so its ESP proves nothing and the SA is not up.
func TestESPAfterAuthResent(t *testing.T) {
	st := loadStream(t, filepath.Join(decodetest.RepoRoot(t), "pcaps", "ikev2-psk.pcap"))
	init := st.Msgs[0].Src.Addr()
	var msgs []decode.Message
	var auth *decode.Message
	var firstESP time.Time
	for _, m := range st.Msgs {
		if m.Src.Addr() != init {
			continue
		}
		msgs = append(msgs, m)
		if m.Kind == decode.KindISAKMP && m.ISAKMP.ExchangeType == decode.ExchangeIKEAuth && auth == nil {
			auth = &msgs[len(msgs)-1]
		}
		if m.Kind == decode.KindESP && firstESP.IsZero() {
			firstESP = m.Time
		}
	}
	if auth == nil || firstESP.IsZero() {
		t.Fatal("no IKE_AUTH request or no ESP from the initiator")
	}
	up := analyzeStream(st.Name, msgs, streamStats(msgs), analyze.Options{})
	if len(up.Sessions) != 1 || !up.Sessions[0].Established {
		t.Fatalf("initiator only: want the SA up:%s", sessionList(up))
	}
	resent := *auth
	resent.Time = firstESP.Add(100 * time.Millisecond)
	resent.Frame = lastFrame(msgs) + 1
	resent.IPID++ // a retransmission is a datagram of its own
	msgs = append(msgs, resent)
	sort.SliceStable(msgs, func(i, j int) bool { return msgs[i].Time.Before(msgs[j].Time) })
	res := analyzeStream(st.Name, msgs, streamStats(msgs), analyze.Options{})
	if len(res.Sessions) != 1 || res.Sessions[0].Established {
		t.Errorf("IKE_AUTH resent after the ESP began: want the SA not up:%s", sessionList(res))
	}
}

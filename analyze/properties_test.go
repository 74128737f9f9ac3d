package analyze_test

// Properties the analysis must keep whatever part of a negotiation a capture holds. Each
// real capture (pcaps/ and the shared corpus) is analysed whole and then transformed:
//
//   - cut: the capture started later, at each IKE or ESP message in turn (cutting between
//     other frames is the same as cutting at the next message);
//   - pause: a 20-minute and a 3-hour pause inserted between two exchanges once the IKE
//     SA is up;
//   - concat: the capture followed by the next one in sorted order, and the other way
//     round, as one capture;
//   - stretch: every gap between packets ten times longer, and four times shorter (a
//     slower or faster network, longer or shorter retransmission timers).
//
// and the analyses of the transformed streams are held against the whole one. The whole
// capture, each pause and each concatenation are also analysed handing every session
// over as it finishes (Options.OnDone, as the JSON report streams), and with a limit of
// one session held, so that every quiet session is handed over at the first sweep.
//
// These captures were changed in the test (cut, shifted in time, concatenated); none of
// them is presented as recorded that way.

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/internal/decodetest"
)

const (
	// maxCuts caps the cut positions per capture: the capture is cut at its first
	// maxCuts IKE/ESP messages only (each cut keeps the whole rest of the capture). Every
	// capture in pcaps/ has far fewer; only nDPI's ipsec_isakmp_esp.pcap (834) has more.
	maxCuts = 400
	// maxPauses caps the positions per capture where a pause is inserted.
	maxPauses = 8
	// concatGap is how long after the first capture's end the second one starts.
	concatGap = time.Second
)

// pauses are inserted between exchanges: one longer than the idle timeout, one much
// longer (an IKE SA rekeys after hours).
var pauses = []time.Duration{20 * time.Minute, 3 * time.Hour}

// The invariants, each reported as its own subtest.
const (
	invRoles       = "roles-never-flip"
	invFirstStep   = "no-MM1-AM1-with-responder-cookie"
	invNoErrors    = "no-new-error-findings"
	invPause       = "pause-keeps-sessions"
	invFailed      = "failed-matches-error-findings"
	invHandOver    = "handed-over-as-held"
	invPressure    = "pressure-loses-nothing"
	invStretch     = "stretch-keeps-outcomes"
	invSpan        = "span-holds-every-message"
	invEndCut      = "ending-early-adds-no-error"
	invESPAfterIKE = "no-esp-before-its-ike"
	invCopy        = "merged-copy-reads-as-one"
)

var invariants = []string{invRoles, invFirstStep, invNoErrors, invPause, invFailed, invHandOver, invPressure, invStretch, invSpan, invEndCut, invESPAfterIKE, invCopy}

type propCapture struct {
	name string // as the test names it: pcaps/x.pcap, or the path within the corpus
	path string
}

func TestProperties(t *testing.T) {
	var pcaps []propCapture
	for _, p := range pcapFiles(t) {
		pcaps = append(pcaps, propCapture{"pcaps/" + filepath.Base(p), p})
	}
	runProperties(t, pcaps)
	t.Run("corpus", func(t *testing.T) {
		dir := decodetest.RequireCorpus(t)
		var corpus []propCapture
		for _, rel := range decodetest.CorpusCaptures(t, dir) {
			corpus = append(corpus, propCapture{rel, filepath.Join(dir, rel)})
		}
		runProperties(t, corpus)
	})
}

// runProperties checks every capture of a list; each is concatenated with the next one
// in the list (the last with the first).
func runProperties(t *testing.T, caps []propCapture) {
	for i, c := range caps {
		next := caps[(i+1)%len(caps)]
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := newPropRun(t, c)
			p.checkCuts()
			p.checkEndCuts()
			p.checkPauses()
			p.checkStretch()
			p.checkSwapped()
			p.checkMergedCopy()
			if next.path != c.path {
				p.checkConcat(next)
			}
			p.report(t)
		})
	}
}

// propRun holds one capture's whole analysis and the violations found so far.
type propRun struct {
	t         *testing.T
	c         propCapture
	s         *capStream
	full      *analyze.Result
	errorFree bool
	viol      map[string][]string
}

func newPropRun(t *testing.T, c propCapture) *propRun {
	s := loadStream(t, c.path)
	p := &propRun{t: t, c: c, s: s, viol: map[string][]string{}}
	p.full = analyzeStream(s.Name, s.Msgs, s.Stats, analyze.Options{})
	p.errorFree = !hasError(p.full)
	// The whole capture itself must have consistent step names and failure flags.
	p.checkOne("whole capture", s.Msgs, p.full, nil, false, false)
	p.checkHandOver("whole capture", s.Name, s.Msgs, p.full)
	return p
}

// handed runs the analysis handing sessions over, and returns them with their findings,
// in the order they came, and the result.
func handed(name string, msgs []decode.Message, maxHeld int) ([]*analyze.Session, map[int][]analyze.Finding, *analyze.Result) {
	var out []*analyze.Session
	fs := map[int][]analyze.Finding{}
	res := analyzeStream(name, msgs, streamStats(msgs), analyze.Options{MaxHeld: maxHeld, OnDone: func(s *analyze.Session, f []analyze.Finding) {
		out = append(out, s)
		fs[s.ID] = append(fs[s.ID], f...)
	}})
	return out, fs, res
}

// checkHandOver holds the analysis of a stream that hands sessions over against the one
// that keeps them (held): the same sessions, each handed over once, with the same state
// and findings; and, with one session held at most, every message and ESP packet still
// in exactly one session, and each continued session naming an earlier one of its SPI.
func (p *propRun) checkHandOver(label, name string, msgs []decode.Message, held *analyze.Result) {
	sessions, fs, res := handed(name, msgs, 0)
	for _, f := range res.Findings { // found over several sessions, at the end
		fs[f.Session] = append(fs[f.Session], f)
	}
	if len(res.Sessions) != 0 || res.HandedOver != len(sessions) {
		p.add(invHandOver, label, "%d sessions left in the result, %d counted as handed over, %d handed", len(res.Sessions), res.HandedOver, len(sessions))
	}
	byID := map[int]*analyze.Session{}
	for _, s := range sessions {
		if byID[s.ID] != nil {
			p.add(invHandOver, label, "session %d handed over twice", s.ID)
		}
		byID[s.ID] = s
	}
	heldFindings := map[int][]analyze.Finding{}
	for _, f := range held.Findings {
		heldFindings[f.Session] = append(heldFindings[f.Session], f)
	}
	if len(sessions) != len(held.Sessions) {
		p.add(invHandOver, label, "%d sessions handed over, %d held", len(sessions), len(held.Sessions))
	}
	for _, h := range held.Sessions {
		s := byID[h.ID]
		if s == nil {
			p.add(invHandOver, label, "session %d held, never handed over", h.ID)
			continue
		}
		if a, b := mustJSON(s), mustJSON(h); a != b {
			p.add(invHandOver, label, "session %d handed over as %.300s, held as %.300s", h.ID, a, b)
		}
		if a, b := codesOf(fs[h.ID]), codesOf(heldFindings[h.ID]); a != b {
			p.add(invHandOver, label, "session %d handed over with findings %s, held with %s", h.ID, a, b)
		}
	}

	sessions, _, res = handed(name, msgs, 1)
	count := func(ss []*analyze.Session, orphans []*analyze.ESPFlow) (ike, esp int) {
		for _, s := range ss {
			ike += len(s.Messages) + s.MessagesDropped + s.Duplicates
			for _, f := range s.ESP {
				esp += f.Packets + f.Duplicates
			}
		}
		for _, f := range orphans {
			esp += f.Packets + f.Duplicates
		}
		return ike, esp
	}
	hi, he := count(held.Sessions, held.Orphans)
	pi, pe := count(sessions, res.Orphans)
	if hi != pi || he != pe {
		p.add(invPressure, label, "one session held at most: %d IKE messages and %d ESP packets in sessions, %d and %d when all are held", pi, pe, hi, he)
	}
	seen := map[int]analyze.SPI{}
	for _, s := range sessions {
		if s.Continues != 0 {
			if spi, ok := seen[s.Continues]; !ok || spi != s.InitiatorSPI {
				p.add(invPressure, label, "session %d continues session %d, which was not handed over before it with SPI %s", s.ID, s.Continues, s.InitiatorSPI)
			}
		}
		seen[s.ID] = s.InitiatorSPI
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

func codesOf(fs []analyze.Finding) string {
	var parts []string
	for _, f := range fs {
		parts = append(parts, f.Severity.String()+":"+f.Code)
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

func (p *propRun) add(inv, variant, format string, args ...any) {
	p.viol[inv] = append(p.viol[inv], variant+": "+fmt.Sprintf(format, args...))
}

// report gives each invariant its own subtest. A capture with many sessions repeats the
// same violation in every cut: past maxReported lines, only the count is given.
func (p *propRun) report(t *testing.T) {
	const maxReported = 40
	for _, inv := range invariants {
		t.Run(inv, func(t *testing.T) {
			v := p.viol[inv]
			say := t.Errorf
			for i, line := range v {
				if i == maxReported {
					say("%s: %d more violations", p.c.name, len(v)-maxReported)
					break
				}
				say("%s: %s", p.c.name, line)
			}
		})
	}
}

// checkCuts starts the capture at each IKE/ESP message after the first.
func (p *propRun) checkCuts() {
	points := cutPoints(p.s.Msgs)
	for k, i := range points {
		if k >= maxCuts {
			break
		}
		if i == 0 {
			continue // nothing dropped: the whole capture
		}
		msgs := cutAt(p.s.Msgs, i)
		label := fmt.Sprintf("cut at message %d (frame %d)", k+1, p.s.Msgs[i].Frame)
		res := analyzeStream(p.s.Name, msgs, streamStats(msgs), analyze.Options{})
		p.checkOne(label, msgs, res, []*analyze.Result{p.full}, p.errorFree, false)
	}
}

// checkEndCuts ends the capture right after each IKE/ESP message: a capture stopped
// early. What was still to come could not be in it yet: no error may be concluded from
// silence (an answer, ESP back) the capture ended too soon to show, that is from packets
// all at its very end (the first maxCuts ends only).
func (p *propRun) checkEndCuts() {
	if n := len(p.s.Msgs); n == 0 || !p.s.Msgs[n-1].Time.After(p.s.Msgs[0].Time) {
		return // timestamps that never advance (a test file) say nothing of waiting
	}
	points := cutPoints(p.s.Msgs)
	for k, i := range points {
		if k >= maxCuts || i == len(p.s.Msgs)-1 {
			break
		}
		msgs := p.s.Msgs[: i+1 : i+1]
		var end time.Time // the latest time in it (a file out of time order ends earlier than it reaches)
		at := map[int]time.Time{}
		for _, m := range msgs {
			at[m.Frame] = m.Time
			if m.Time.After(end) {
				end = m.Time
			}
		}
		label := fmt.Sprintf("ended after message %d (frame %d)", k+1, p.s.Msgs[i].Frame)
		res := analyzeStream(p.s.Name, msgs, streamStats(msgs), analyze.Options{})
		for _, f := range res.Findings {
			if f.Severity != analyze.Error || !silenceCodes[f.Code] {
				continue
			}
			// From its earliest packet on, the capture had to show what did not come.
			var first time.Time
			for _, fr := range f.Frames {
				if t, ok := at[fr]; ok && (first.IsZero() || t.Before(first)) {
					first = t
				}
			}
			if !first.IsZero() && end.Sub(first) < endCutSlack {
				p.add(invEndCut, label, "error finding %s (session %d, frames %v) from packets %s before the end: %s", f.Code, f.Session, f.Frames, end.Sub(first), f.Summary)
			}
		}
	}
}

// silenceCodes are the findings concluded from what did not come: an answer, an IKE
// exchange, ESP back (phase2-stalled is left out: it also stands on a refusing answer).
var silenceCodes = map[string]bool{
	analyze.CodeNoResponse: true, analyze.CodeReplyNotReaching: true, analyze.CodeExchangeStalled: true,
	analyze.CodePhase2Missing: true, analyze.CodeDPDUnanswered: true,
	analyze.CodeNATTProblem: true, analyze.CodeESPOneWay: true, analyze.CodeESPMissing: true,
}

// checkPauses inserts each pause before each exchange that starts once the IKE SA is up.
func (p *propRun) checkPauses() {
	for _, i := range pausePoints(p.s.Msgs, p.full) {
		for _, d := range pauses {
			msgs := shiftFrom(p.s.Msgs, i, d)
			label := fmt.Sprintf("%s pause before frame %d", fmtPause(d), p.s.Msgs[i].Frame)
			res := analyzeStream(p.s.Name, msgs, streamStats(msgs), analyze.Options{})
			p.checkOne(label, msgs, res, []*analyze.Result{p.full}, p.errorFree, true)
			p.checkHandOver(label, p.s.Name, msgs, res)
		}
	}
}

// stretchFactors scale every gap between packets: tenfold longer, four times shorter.
var stretchFactors = []float64{10, 0.25}

// timelessCodes are the findings that come from what the messages say, not from when they
// came: scaling the capture's time keeps them, session by session. user-auth-failed is
// not one: with XAUTH encrypted it is read from a capture going on without Quick Mode for
// longer than the reply timeout.
var timelessCodes = map[string]bool{
	analyze.CodeNoProposalChosen: true, analyze.CodeProposalDiff: true, analyze.CodeInvalidKE: true,
	analyze.CodeAuthFailed: true, analyze.CodeEAPMethodMismatch: true,
	analyze.CodeNoVirtualIP: true, analyze.CodeInvalidID: true, analyze.CodeTSUnacceptable: true,
	analyze.CodeErrorNotify: true, analyze.CodeWeakCrypto: true, analyze.CodeAggressivePSK: true,
	analyze.CodeMalformed: true, analyze.CodeRedirected: true, analyze.CodeNATDetected: true,
}

// checkStretch scales the time between packets: roles stay (checkOne), every IKE SA that
// came up still does, and the findings drawn from what the messages say stay the same,
// IKE SA by IKE SA.
func (p *propRun) checkStretch() {
	if len(p.s.Msgs) == 0 {
		return
	}
	type saKey struct {
		spi     analyze.SPI
		version int
	}
	outcomes := func(res *analyze.Result) (up map[saKey]bool, codes map[saKey]string) {
		up, codes = map[saKey]bool{}, map[saKey]string{}
		byID := map[int]saKey{}
		for _, s := range res.Sessions {
			k := saKey{s.InitiatorSPI, s.Version}
			byID[s.ID] = k
			up[k] = up[k] || s.Established
		}
		sets := map[saKey]map[string]bool{}
		for _, f := range res.Findings {
			k, ok := byID[f.Session]
			if !ok || !timelessCodes[f.Code] {
				continue
			}
			if sets[k] == nil {
				sets[k] = map[string]bool{}
			}
			sets[k][f.Code] = true
		}
		for k, set := range sets {
			list := slices.Sorted(maps.Keys(set))
			codes[k] = strings.Join(list, " ")
		}
		return up, codes
	}
	upFull, codesFull := outcomes(p.full)
	t0 := p.s.Msgs[0].Time
	for _, factor := range stretchFactors {
		msgs := make([]decode.Message, len(p.s.Msgs))
		copy(msgs, p.s.Msgs)
		for j := range msgs {
			msgs[j].Time = t0.Add(time.Duration(float64(msgs[j].Time.Sub(t0)) * factor))
		}
		label := fmt.Sprintf("time stretched %gx", factor)
		res := analyzeStream(p.s.Name, msgs, streamStats(msgs), analyze.Options{})
		p.checkOne(label, msgs, res, []*analyze.Result{p.full}, false, false)
		up, codes := outcomes(res)
		for k, was := range upFull {
			if was && !up[k] {
				p.add(invStretch, label, "IKEv%d SA %s came up in the whole capture, not here%s", k.version, k.spi, sessionList(res))
			}
		}
		for k := range upFull {
			if codes[k] != codesFull[k] {
				p.add(invStretch, label, "IKEv%d SA %s: findings %q, the whole capture %q", k.version, k.spi, codes[k], codesFull[k])
			}
		}
	}
}

// copyShift is how far ahead the clock of the copy checkMergedCopy merges is.
const copyShift = 7 * time.Second

// checkMergedCopy merges the capture with a copy of itself whose clock is copyShift
// ahead, as mergecap makes of two captures of the same packets: a copy is the same
// datagram, so each IKE SA whose two peers vary their IPv4 identifications reads as in
// the capture alone (up or not, its state, its retransmissions and IKE messages). A
// sender that gives every datagram the same identification, often 0 (RFC 6864 4.1),
// makes copies that cannot be told from its retransmissions: SAs with IKE messages
// numbered 0, or a peer seen with one identification only, are not held to it.
func (p *propRun) checkMergedCopy() {
	ids := map[netip.Addr]map[uint16]bool{}
	zero := map[int]bool{} // frames of IKE messages with identification 0
	for _, m := range p.s.Msgs {
		if m.IPID == 0 && m.Kind == decode.KindISAKMP {
			zero[m.Frame] = true
		}
		if m.IPID != 0 && (m.Kind == decode.KindISAKMP || m.Kind == decode.KindESP) {
			if ids[m.Src.Addr()] == nil {
				ids[m.Src.Addr()] = map[uint16]bool{}
			}
			ids[m.Src.Addr()][m.IPID] = true
		}
	}
	merged := withShiftedCopy(p.s.Msgs, copyShift)
	res := analyzeStream(p.s.Name, merged, streamStats(merged), analyze.Options{})
	type outcome struct {
		up                bool
		state             string
		retrans, messages int
	}
	of := func(r *analyze.Result, checked bool) map[string]outcome {
		out := map[string]outcome{}
		for _, s := range r.Sessions {
			if checked && (len(ids[s.Initiator.Addr()]) < 2 || len(ids[s.Responder.Addr()]) < 2 ||
				slices.ContainsFunc(s.Messages, func(m *analyze.Msg) bool { return zero[m.Frame] })) {
				continue
			}
			k := fmt.Sprintf("IKEv%d SA %s/%s", s.Version, s.InitiatorSPI, s.ResponderSPI)
			for n := 2; ; n++ {
				if _, ok := out[k]; !ok {
					break
				}
				k = fmt.Sprintf("IKEv%d SA %s/%s (%d)", s.Version, s.InitiatorSPI, s.ResponderSPI, n)
			}
			// Sessions are numbered anew: "retried as session 17" may be 69 here.
			state := strings.Map(func(r rune) rune {
				if unicode.IsDigit(r) {
					return '#'
				}
				return r
			}, s.State)
			out[k] = outcome{s.Established, state, s.Retransmits, len(s.Messages)}
		}
		return out
	}
	alone, both := of(p.full, true), of(res, false)
	for k, o := range alone {
		if b := both[k]; b != o {
			p.add(invCopy, "merged with a copy 7 s ahead", "%s: %+v, alone %+v", k, b, o)
		}
	}
}

func fmtPause(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return fmt.Sprintf("%dm", d/time.Minute)
}

// checkConcat runs this capture followed by next, and next followed by this one.
func (p *propRun) checkConcat(next propCapture) {
	o := loadStream(p.t, next.path)
	oFull := analyzeStream(o.Name, o.Msgs, o.Stats, analyze.Options{})
	fulls := []*analyze.Result{p.full, oFull}
	bothFree := p.errorFree && !hasError(oFull)
	// Two captures of one run (pcaps/ikev1-natt.pcap and its -inside twin, taken on both
	// sides of the NAT) or byte-identical copies hold the same IKE SA: concatenated, it
	// is seen again 1 s after it ended, from another address. Still checked, but said.
	shared := false
	spis := map[analyze.SPI]bool{}
	for _, s := range p.full.Sessions {
		spis[s.InitiatorSPI] = true
	}
	for _, s := range oFull.Sessions {
		shared = shared || spis[s.InitiatorSPI] && !s.InitiatorSPI.IsZero()
	}
	for _, order := range []struct {
		label string
		a, b  *capStream
	}{
		{"concatenated, then " + next.name, p.s, o},
		{"concatenated after " + next.name, o, p.s},
	} {
		frames := max(order.a.Stats.Frames, lastFrame(order.a.Msgs))
		msgs := concatStreams(order.a.Msgs, order.b.Msgs, frames, concatGap)
		res := analyzeStream(order.a.Name+"+"+order.b.Name, msgs, streamStats(msgs), analyze.Options{})
		label := order.label
		if shared {
			label += " (both hold the same IKE SA)"
		}
		p.checkOne(label, msgs, res, fulls, bothFree, false)
		p.checkHandOver(label, order.a.Name+"+"+order.b.Name, msgs, res)
	}
}

// checkOne holds one analysis of a (transformed) stream against the invariants. fulls
// are the whole analyses of its inputs (none for the whole capture itself); errorFree
// says they had no error finding; paused that the stream is the capture with a pause.
func (p *propRun) checkOne(label string, msgs []decode.Message, res *analyze.Result, fulls []*analyze.Result, errorFree, paused bool) {
	// 1. Roles never flip. Addresses are compared, not ports: with NAT-T the initiator
	// floats to 4500, and a NAT may map that to another source port. Only when both peers
	// share an address do the ports tell them apart.
	type saKey struct {
		spi     analyze.SPI
		version int
	}
	before := map[saKey][]*analyze.Session{}
	for _, f := range fulls {
		for _, s := range f.Sessions {
			k := saKey{s.InitiatorSPI, s.Version}
			before[k] = append(before[k], s)
		}
	}
	for _, s := range res.Sessions {
		was := before[saKey{s.InitiatorSPI, s.Version}]
		if len(was) == 0 || !s.RolesKnown || sameInitiator(s, was) {
			continue
		}
		var whole []string
		for _, w := range was {
			whole = append(whole, w.Initiator.String())
		}
		p.add(invRoles, label, "session %d (IKEv%d, initiator SPI %s) has initiator %s (roles known), the whole capture %s",
			s.ID, s.Version, s.InitiatorSPI, s.Initiator, strings.Join(whole, ", "))
	}

	// 2. An IKEv1 message with the responder cookie set is not the first of Main or
	// Aggressive Mode.
	var byFrame map[int]*decode.ISAKMP
	for _, s := range res.Sessions {
		for _, m := range s.Messages {
			step := fmt.Sprint(m.Step)
			if step != "MM1" && step != "AM1" {
				continue
			}
			h := m.Decoded()
			if h == nil { // a finished session lets go of its payloads
				if byFrame == nil {
					byFrame = isakmpByFrame(msgs)
				}
				h = byFrame[m.Frame]
			}
			if h == nil || h.IsV2() || h.ResponderSPI == ([8]byte{}) {
				continue
			}
			p.add(invFirstStep, label, "session %d: frame %d named %s with responder cookie %x",
				s.ID, m.Frame, step, h.ResponderSPI)
		}
	}

	// 3. No error where the inputs had none.
	if fulls != nil && errorFree {
		for _, f := range res.Findings {
			if f.Severity == analyze.Error {
				p.add(invNoErrors, label, "error finding %s (session %d, frames %v): %s", f.Code, f.Session, f.Frames, f.Summary)
			}
		}
	}

	// 4. A pause does not split an IKE SA into two sessions (nor merge any).
	if paused && len(res.Sessions) != len(fulls[0].Sessions) {
		p.add(invPause, label, "%d sessions, the whole capture %d%s", len(res.Sessions), len(fulls[0].Sessions), sessionList(res))
	}

	// 5. Failed, a "failed ..." state and an error finding go together.
	errSessions := map[int]bool{}
	for _, f := range res.Findings {
		if f.Severity == analyze.Error {
			errSessions[f.Session] = true
		}
	}
	for _, s := range res.Sessions {
		if strings.HasPrefix(s.State, "failed") && !s.Failed {
			p.add(invFailed, label, "session %d: state %q but Failed is false", s.ID, s.State)
		}
		if s.Failed != errSessions[s.ID] {
			p.add(invFailed, label, "session %d (state %q): Failed=%v, error finding for it: %v", s.ID, s.State, s.Failed, errSessions[s.ID])
		}
	}

	// 7. An IKE SA whose negotiation the capture holds from its first message owns no ESP
	// that began before that message: its IPsec SAs did not exist yet.
	for _, s := range res.Sessions {
		if len(s.Messages) == 0 || !s.Messages[0].Step.First() {
			continue
		}
		for _, f := range s.ESP {
			if f.First.Before(s.Messages[0].Time) {
				p.add(invESPAfterIKE, label, "session %d (first message frame %d) owns ESP %08x from frame %d, before it", s.ID, s.Messages[0].Frame, f.SPI, f.FirstFrame)
			}
		}
	}

	// 6. A session's and an exchange's span hold all their messages, whatever order the
	// file has them in.
	for _, s := range res.Sessions {
		for _, m := range s.Messages {
			if m.Time.Before(s.First) || m.Time.After(s.Last) {
				p.add(invSpan, label, "session %d: frame %d at %s outside its span %s..%s", s.ID, m.Frame, m.Time, s.First, s.Last)
			}
		}
		for _, ex := range s.Exchanges {
			for _, m := range ex.Messages {
				if m.Time.Before(ex.First) || m.Time.After(ex.Last) {
					p.add(invSpan, label, "session %d: exchange %s frame %d at %s outside its span %s..%s", s.ID, ex.Type, m.Frame, m.Time, ex.First, ex.Last)
				}
			}
		}
	}
}

// checkSwapped analyses the capture with each pair of neighbouring messages swapped in
// file order, their times kept: a file out of time order, as mergecap -a or a capture
// sorted by connection writes. The analysis must hold together (checkOne) and no session
// may begin later than its earliest message.
func (p *propRun) checkSwapped() {
	msgs := make([]decode.Message, len(p.s.Msgs))
	copy(msgs, p.s.Msgs)
	for j := 0; j+1 < len(msgs); j += 2 {
		msgs[j], msgs[j+1] = msgs[j+1], msgs[j]
	}
	res := analyzeStream(p.s.Name, msgs, streamStats(msgs), analyze.Options{})
	p.checkOne("neighbours swapped", msgs, res, nil, false, false)
}

// pausePoints returns the stream indices of the IKE messages where a new exchange starts
// after the IKE SA is first up, at most maxPauses of them spread over the capture. The
// IKE SA is up at the message that completes Main Mode (MM6), Aggressive Mode (AM3) or
// IKE_AUTH (its response), or failing those at the first Quick Mode, CREATE_CHILD_SA or
// IKEv2 INFORMATIONAL message, in the whole capture's analysis. A new exchange is an IKE
// message whose initiator SPI, exchange type or message ID differs from the IKE message
// before it, and it must be between exchanges: no exchange of the whole capture's
// analysis has messages both before it and from it on (a pause while an IKEv2 window
// holds two requests in flight would leave a request unanswered for real).
func pausePoints(msgs []decode.Message, full *analyze.Result) []int {
	up := 0 // frame where the IKE SA is first up
	for _, s := range full.Sessions {
		if !s.Established {
			continue
		}
		for _, m := range s.Messages {
			step := fmt.Sprint(m.Step)
			t := m.ExchangeType
			ok := s.Version == 1 && (step == "MM6" || step == "AM3" || t == 32) ||
				s.Version == 2 && (t == 35 && m.Response || t == 36 || t == 37)
			if ok {
				if up == 0 || m.Frame < up {
					up = m.Frame
				}
				break
			}
		}
	}
	if up == 0 {
		return nil
	}
	type span struct{ first, last int }
	var spans []span
	for _, s := range full.Sessions {
		for _, ex := range s.Exchanges {
			if len(ex.Messages) == 0 {
				continue
			}
			sp := span{ex.Messages[0].Frame, ex.Messages[0].Frame}
			for _, m := range ex.Messages {
				sp.first, sp.last = min(sp.first, m.Frame), max(sp.last, m.Frame)
			}
			spans = append(spans, sp)
		}
	}
	between := func(frame int) bool {
		for _, sp := range spans {
			if sp.first < frame && frame <= sp.last {
				return false
			}
		}
		return true
	}
	type exKey struct {
		spi [8]byte
		typ decode.ExchangeType
		id  uint32
	}
	var points []int
	var prev exKey
	for i := range msgs {
		m := &msgs[i]
		if m.Kind != decode.KindISAKMP || m.ISAKMP == nil {
			continue
		}
		k := exKey{m.ISAKMP.InitiatorSPI, m.ISAKMP.ExchangeType, m.ISAKMP.MessageID}
		if m.Frame > up && k != prev && between(m.Frame) {
			points = append(points, i)
		}
		prev = k
	}
	if len(points) <= maxPauses {
		return points
	}
	spread := make([]int, maxPauses)
	for j := range spread {
		spread[j] = points[j*(len(points)-1)/(maxPauses-1)]
	}
	return spread
}

func hasError(res *analyze.Result) bool {
	for _, f := range res.Findings {
		if f.Severity == analyze.Error {
			return true
		}
	}
	return false
}

// sameInitiator reports whether s has the initiator of one of the sessions was, by
// address; where a session's peers share an address, s must not have its responder's
// address and port as initiator.
func sameInitiator(s *analyze.Session, was []*analyze.Session) bool {
	for _, w := range was {
		if s.Initiator.Addr() != w.Initiator.Addr() {
			continue
		}
		if w.Initiator.Addr() == w.Responder.Addr() && (s.Initiator == w.Responder || s.Responder == w.Initiator) {
			continue
		}
		return true
	}
	return false
}

// sessionList describes the sessions of an analysis briefly, for a failure message.
func sessionList(res *analyze.Result) string {
	var b strings.Builder
	for _, s := range res.Sessions {
		fmt.Fprintf(&b, "; #%d %s/%s %s frames %d-%d", s.ID, s.InitiatorSPI, s.ResponderSPI, s.State, firstFrame(s), lastMsgFrame(s))
	}
	return b.String()
}

func firstFrame(s *analyze.Session) int {
	if len(s.Messages) == 0 {
		return 0
	}
	return s.Messages[0].Frame
}

func lastMsgFrame(s *analyze.Session) int {
	if len(s.Messages) == 0 {
		return 0
	}
	return s.Messages[len(s.Messages)-1].Frame
}

// endCutSlack: a finding of silence whose every packet is within this of the capture's
// end had no time at all to be answered (a round trip on any real path is longer). How
// much longer an answer may take the analysis judges from each SA's own round trips.
const endCutSlack = time.Millisecond

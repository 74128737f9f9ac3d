package analyze

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ikescope/ikescope/decode"
)

// This file turns a session into its findings and its state. Both are derived afresh
// from the session's messages each time, never patched: a later packet that refutes an
// earlier conclusion changes the result of the next evaluation (later evidence wins),
// and the state follows from the findings (failed exactly when there is an error).

// derive sets what the messages say of the SA as a whole: whether its negotiation
// completed, when, and how many IPsec SAs (CHILD_SAs) came with it. The timeline, which
// only the evaluation and the reports read, is made by refresh, after derive.
func (s *Session) derive() {
	s.answeredQuickModes()
	var st saState
	for _, m := range s.Messages {
		st = advance(st, m, s.authCarriesChild)
	}
	st = s.childrenShownByESP(st)
	last := s.lastCreateChild()
	s.rekeyedAway = s.successor == nil && last != nil && s.rekeyedUnseen(last)
	if st.children > 0 && last != nil && (s.successor != nil || s.rekeyedAway) && !childRefused(last) {
		// The last CREATE_CHILD_SA rekeyed the IKE SA itself (RFC 7296 1.3.2): it made
		// the successor, not a CHILD_SA.
		st.children--
	}
	s.Established, s.establishedAt, s.establishedFrame = st.established, st.at, st.frame
	s.Phase2Done = st.children
	s.RekeyedFrom, s.RekeyedTo = 0, 0
	if s.predecessor != nil {
		s.RekeyedFrom = s.predecessor.ID
	}
	if s.successor != nil {
		s.RekeyedTo = s.successor.ID
	}
	s.redirectedTo = ""
	for _, m := range s.Messages {
		for _, n := range m.Notifies {
			if m.v2 && m.Response && n.Type == decode.NotifyRedirect && m.Retransmit == 0 {
				s.redirectedTo = redirectGateway(n)
			}
		}
	}
}

// childrenShownByESP adds to st the IPsec SAs whose confirming message the capture lacks
// but whose ESP shows it came (childESPAfter): a capture point that sees one direction
// only, or lost the message. An IKE_AUTH so answered brought the IKE SA up when its ESP
// began.
func (s *Session) childrenShownByESP(st saState) saState {
	if len(s.ESP) == 0 {
		return st
	}
	var lastAuth *Exchange // only the last IKE_AUTH round's answer brings the SA up
	for _, ex := range s.Exchanges {
		if ex.Type == decode.ExchangeIKEAuth {
			lastAuth = ex
		}
	}
	for _, ex := range s.Exchanges {
		switch {
		case s.Version == 2 && (ex.Type == decode.ExchangeCreateChildSA || ex == lastAuth):
		case s.Version == 1 && ex.Type == decode.ExchangeQuickMode:
		default:
			continue
		}
		var last *Msg
		for _, m := range ex.Messages {
			if m.Retransmit == 0 && !m.laterFragment {
				last = m
			}
		}
		if last == nil || last.Response && last.v2 {
			continue
		}
		f := s.childESPAfter(last)
		if f == nil {
			continue
		}
		if !st.established {
			st.established, st.at, st.frame = true, f.First, f.firstRef
		}
		st.children++
	}
	return st
}

// answeredQuickModes reads a Quick Mode message of a capture that shows one side of
// the SA only. Seen alone, it was taken for QM1, that side starting Quick Mode; but had
// that side started it, its QM3 would be in the capture too. When, without a QM3 or a
// copy of the message later, that side then sends ESP on a new SA (numbered from the
// start), it answered the other side's QM1 and received its QM3: the message is QM2.
func (s *Session) answeredQuickModes() {
	if s.Version != 1 || len(s.Messages) == 0 || len(s.ESP) == 0 {
		return
	}
	side := s.Messages[0].FromInitiator
	for _, m := range s.Messages {
		if m.FromInitiator != side {
			return // the capture shows both sides
		}
	}
	for _, ex := range s.Exchanges {
		if ex.Type != decode.ExchangeQuickMode || len(ex.Messages) == 0 || ex.Messages[0].Step != StepQM1 {
			continue
		}
		first := ex.Messages[0]
		if slices.ContainsFunc(ex.Messages, func(m *Msg) bool { return m.hash != first.hash }) {
			continue // more than one message of its own: not a lone answer
		}
		answered := false
		for _, f := range s.ESP {
			if f.FromInitiator == side && f.First.After(first.Time) && f.FirstSeq <= FreshSeq &&
				!slices.ContainsFunc(ex.Messages, func(m *Msg) bool { return m.Time.After(f.First) }) {
				answered = true
				break
			}
		}
		if !answered {
			continue
		}
		ex.ByInitiator = !side
		ex.Requests, ex.Responses = 0, ex.Requests
		ex.Reached = StepQM2
		for _, m := range ex.Messages {
			m.Response, m.Step = true, StepQM2
		}
	}
}

// redirectGateway is the gateway an IKEv2 REDIRECT names.
func redirectGateway(n NotifyInfo) string {
	if n.gateway == "" {
		return "another gateway"
	}
	return n.gateway
}

// authOutcome is what an IKE_AUTH response says about the IKE SA.
type authOutcome int

const (
	authAccepted authOutcome = iota // the responder's AUTH: the IKE SA is up
	authRefused                     // an error notification only
	authEAPRound                    // an EAP round: more IKE_AUTH exchanges must follow
)

// authResult reads an IKE_AUTH response: decrypted, by its payloads; encrypted, by the
// payload its SK payload begins with (RFC 7296 1.2, 2.16: a successful response begins
// with IDr, or with AUTH after EAP; an EAP round with IDr or EAP; a refusal is a
// notification alone).
func authResult(m *Msg) authOutcome {
	if m.Decrypted {
		switch {
		case m.innerAut && !m.innerEAP:
			return authAccepted
		case m.innerEAP:
			return authEAPRound
		case hasErrorNotify(m):
			return authRefused
		}
		return authAccepted
	}
	first, ok := skFirst(m)
	switch {
	case !ok:
		return authAccepted
	case first == decode.PayloadNotify:
		return authRefused
	case first == decode.PayloadEAP:
		return authEAPRound
	}
	return authAccepted
}

// authCarriesChild tells whether an accepting IKE_AUTH response created a CHILD_SA: its
// decrypted SA payload, or, encrypted, room for SA and traffic selectors besides IDr
// and AUTH.
func (s *Session) authCarriesChild(m *Msg) bool {
	if m.Decrypted {
		return m.innerSA
	}
	first, ok := skFirst(m)
	if !ok {
		return true
	}
	room := skLen(m) - s.skOverhead()
	switch first {
	case decode.PayloadIDr:
		return room >= minAuthWithChild
	case decode.PayloadAuth:
		return room >= minAuthWithChild-12 // after EAP: no IDr
	}
	return true
}

// minChildResponse is the least a CREATE_CHILD_SA response that creates an SA holds
// (RFC 7296 1.3): an SA payload with one proposal and one transform (4+8+4+8) and a
// nonce of at least 16 bytes (4+16). A refusal is a notification (8 bytes or so).
const minChildResponse = 44

// childRefused tells whether a CREATE_CHILD_SA response refused the SA.
func childRefused(m *Msg) bool {
	if m.Decrypted {
		return !m.innerSA
	}
	if hasErrorNotify(m) {
		return true
	}
	first, ok := skFirst(m)
	return ok && first == decode.PayloadNotify && skLen(m)-8-12-1 < minChildResponse
}

// evaluate gives every finding about the session as of now; final is set when the input
// has ended and nothing more can arrive.
func (s *Session) evaluate(now time.Time, opts Options, final bool, placed []Finding) []Finding {
	// Losses placed between capture points come first: they say more than the same
	// conclusion drawn from one side.
	end := captureEnd{at: now, reply: opts.ReplyTimeout}
	out := append([]Finding(nil), placed...)
	out = append(out, s.captureOneWay()...) // first: what follows reads s.unseen
	out = append(out, s.messageFindings(end)...)
	out = append(out, evaluateTimed(s, now, opts, final)...)
	if i := slices.IndexFunc(out, func(f Finding) bool { return f.Code == CodeAuthFailed && f.Exchange == StepMM5.String() }); i >= 0 {
		// The notifications that MM5 could not be read are the PSK mismatch's evidence.
		said := out[i].Frames
		out = slices.DeleteFunc(out, func(f Finding) bool {
			return f.Code == CodeErrorNotify && len(f.Frames) > 0 && !slices.ContainsFunc(f.Frames, func(n int) bool { return !slices.Contains(said, n) })
		})
	}
	for _, f := range s.answerRepeated() {
		// A finding about the same step that reads more into it (AM2 answered with an
		// Informational: the initiator got it) comes first.
		if !slices.ContainsFunc(out, func(o Finding) bool { return o.Exchange == f.Exchange && o.Severity >= f.Severity }) {
			out = append(out, f)
		}
	}
	out = append(out, s.slowAnswers()...)
	out = append(out, s.authInferred()...)
	out = append(out, s.remoteFindings(now, opts)...)
	out = append(out, s.eapInferred(now, opts)...)
	out = append(out, s.childInferred()...)
	out = append(out, s.createChildInferred(end)...)
	out = append(out, s.deleteInferred()...)
	out = append(out, s.natFindings()...)
	out = append(out, s.natRemapFindings()...)
	out = append(out, s.moveFindings()...)
	if blocked := s.natTBlocked(now, opts, final); len(blocked) > 0 && !s.TCP {
		out = withoutStep(out, CodeExchangeStalled, StepIKEAuthRequest)
		out = append(out, blocked...)
	}
	out = append(out, s.initiatorStopped(now, opts)...)
	out = append(out, s.informationalThenQuiet(now, opts)...)
	out = append(out, s.cryptoFindings()...)
	out = append(out, s.phase2Findings(now, opts)...)
	out = append(out, s.espFindings(now, opts)...)
	out = append(out, s.duplicatesFinding()...)
	out = append(out, s.innerFindings()...)
	out = append(out, s.fragmentFindings(end)...)
	out = append(out, s.decodeFindings()...)
	if s.TCP {
		// IKE over TCP traverses NATs by itself: there is no float to UDP 4500 and ESP
		// stays in the connection (RFC 9329: when NAT is detected, the encapsulation does
		// not change).
		out = slices.DeleteFunc(out, func(f Finding) bool { return f.Code == CodeNATTProblem })
	}
	if tcp := s.tcpFindings(); len(tcp) > 0 {
		if tcp[0].Severity == Error {
			// The connection's end explains the unanswered request.
			out = slices.DeleteFunc(out, func(f Finding) bool { return f.Code == CodeExchangeStalled || f.Code == CodeNoResponse })
		}
		out = append(out, tcp...)
	}
	out = s.laterEvidence(out)
	s.stillCarried(out)
	out = supersede(supersedeByUserLayer(dedupeFindings(out)), len(placed))
	if !s.RolesKnown {
		// The text names sides by role; the capture does not say which is which.
		for i := range out {
			if strings.Contains(out[i].Summary, "initiator") || strings.Contains(out[i].Summary, "responder") {
				out[i].Summary += rolesGuessed
			}
		}
	}
	return out
}

// rolesGuessed ends a finding that names sides by role when no message of the SA in
// the capture says which side initiated.
const rolesGuessed = " (Which side is the initiator is a guess: no message of this SA in the capture says.)"

// supersede drops the one-sided conclusions about a message whose loss several
// capture points placed: "no answer to IKE_AUTH" says less than "IKE_AUTH never
// reached the responder's capture point".
func supersede(fs []Finding, placed int) []Finding {
	if placed == 0 {
		return fs
	}
	out := fs[:0]
	for i, f := range fs {
		drop := false
		if i >= placed && (f.Code == CodeExchangeStalled || f.Code == CodeNoResponse || f.Code == CodeReplyNotReaching) {
			for _, p := range fs[:placed] {
				drop = drop || len(p.LostBetween) > 0 && p.Step == f.Step && p.By == f.By
			}
		}
		if i >= placed && f.Code == CodeNATTProblem && f.Severity == Info {
			// "IKE_AUTH may not have arrived" when a capture point shows the answer it
			// needed was lost on the way.
			for _, p := range fs[:placed] {
				drop = drop || len(p.LostBetween) > 0 && p.Step == StepIKESAInitResponse
			}
		}
		if i >= placed && f.Code == CodeESPOneWay {
			// A router capture's ESP seen once, when the points already place the loss.
			for _, p := range fs[:placed] {
				drop = drop || p.Code == CodeESPOneWay
			}
		}
		if !drop {
			out = append(out, f)
		}
	}
	return out
}

// withoutStep drops the findings of one code about one step: a more precise finding
// about the same messages replaces them.
func withoutStep(fs []Finding, code string, step Step) []Finding {
	out := fs[:0]
	for _, f := range fs {
		if f.Code != code || f.Exchange != step.String() {
			out = append(out, f)
		}
	}
	return out
}

// dedupeFindings keeps the first finding of each code and exchange.
func dedupeFindings(fs []Finding) []Finding {
	// By code and exchange as a pair (f.key() without building the string).
	type codeExchange struct{ code, exchange string }
	seen := map[codeExchange]bool{}
	out := fs[:0]
	for _, f := range fs {
		if f.Frames == nil {
			f.Frames = []int{}
		}
		k := codeExchange{f.Code, f.Exchange}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, f)
	}
	return out
}

func (f *Finding) key() string { return f.Code + "/" + f.Exchange }

// messageFindings are what single messages prove: error notifications, redirects and
// deletes.
func (s *Session) messageFindings(end captureEnd) []Finding {
	var out []Finding
	for _, ex := range s.Exchanges {
		for _, msg := range ex.Messages {
			if msg.Retransmit > 0 {
				continue
			}
			v2 := msg.v2
			for _, n := range msg.Notifies {
				if n.Error {
					out = append(out, s.notifyFinding(msg, n, v2, end))
				}
				if v2 && n.Type == decode.NotifyRedirect && msg.Response {
					gw := redirectGateway(n)
					out = append(out, s.newFinding(CodeRedirected, Info, msg.Step.String(), []int{msg.Frame}, msg.Time,
						fmt.Sprintf("The responder redirected the initiator to %s (IKEv2 gateway redirection, RFC 5685) instead of negotiating.", gw),
						"The responder is set to send clients to another gateway: load balancing across a cluster, or maintenance. This is not an error by itself.",
						"Check that the initiator then negotiates with "+gw+" (its IKE_SA_INIT carries REDIRECTED_FROM) and that "+gw+" is reachable and configured for this client."))
				}
			}
			for _, d := range msg.deletes {
				out = append(out, s.deleteFinding(msg, d))
			}
		}
	}
	return out
}

// laterEvidence revisits errors that later packets refute: a refusal after which the
// same negotiation still completed did not stop the tunnel (an initiator that
// answered MM2 with NO-PROPOSAL-CHOSEN, then accepted the retransmitted MM2), and a
// refused Phase 2 request followed by a Phase 2 that succeeded is a warning, not a
// failure.
func (s *Session) laterEvidence(fs []Finding) []Finding {
	for i := range fs {
		f := &fs[i]
		if f.Severity != Error || !refutable(f.Code) {
			continue
		}
		if s.Established && s.establishedAt.After(f.Time) {
			f.Severity = Warning
			f.Summary += fmt.Sprintf(" Later the negotiation completed anyway (frame %d), so this did not stop the IKE SA.", s.establishedFrame)
			continue
		}
		if t, frame, ok := s.childAfter(f.Time); ok && s.Established && !t.Before(f.Time) {
			f.Severity = Warning
			f.Summary += fmt.Sprintf(" A later IPsec SA negotiation succeeded (frame %d), so this did not stop the tunnel.", frame)
		}
	}
	return fs
}

// stillCarriedLead begins what stillCarried adds to a finding.
const stillCarriedLead = " ESP between these peers went on after it"

// stillCarried adds to the finding of a refusal that left the IKE SA without any IPsec
// SA (noSASince) that ESP between its peers went on after it: another IPsec SA, up before
// the capture began or negotiated elsewhere, still carries the tunnel's traffic. The
// refusal stands (this negotiation made nothing), but the tunnel is not down yet: it goes
// down when that SA has to be renegotiated and meets the same refusal.
func (s *Session) stillCarried(fs []Finding) {
	since, ok := s.noSASince(s.Last)
	if !ok {
		return
	}
	last := s.espFrom[0]
	if s.espFrom[1].After(last) {
		last = s.espFrom[1]
	}
	if !last.After(since) {
		return
	}
	for i := range fs {
		f := &fs[i]
		if f.Severity >= Warning && f.Time.Equal(since) || f.Severity == Error && !f.Time.After(since) {
			f.Summary += fmt.Sprintf(stillCarriedLead+" (the last packet %s later): an IPsec SA made before the capture, or by another negotiation, still carries the traffic, so the tunnel stays up until that SA has to be renegotiated, which meets the same refusal unless the cause is fixed.",
				secs(last.Sub(since)))
			return
		}
	}
}

// refutable codes are conclusions a later success can overturn.
func refutable(code string) bool {
	switch code {
	case CodeNoProposalChosen, CodeInvalidKE, CodeAuthFailed, CodeInvalidID, CodeTSUnacceptable,
		CodeErrorNotify, CodePhase2Stalled, CodeExchangeStalled, CodeNoResponse:
		return true
	}
	return false
}

// childAfter finds the first IPsec SA negotiation completed after t.
func (s *Session) childAfter(t time.Time) (time.Time, int, bool) {
	for _, ex := range s.Exchanges {
		if !ex.Complete || !ex.Last.After(t) {
			continue
		}
		switch {
		case ex.Type == decode.ExchangeQuickMode:
			return ex.Last, ex.Messages[len(ex.Messages)-1].Frame, true
		case ex.Type == decode.ExchangeCreateChildSA:
			for _, m := range ex.Messages {
				if m.Response && m.Retransmit == 0 && !childRefused(m) {
					return m.Time, m.Frame, true
				}
			}
		}
	}
	return time.Time{}, 0, false
}

// childFromBefore reports ESP of the session that a CHILD_SA negotiated before the
// capture began carries: ESP numbered past the start, or ESP of an SA whose negotiation
// (IKE_SA_INIT, Main or Aggressive Mode) is not in the capture.
func (s *Session) childFromBefore() bool {
	if len(s.ESP) == 0 {
		return false
	}
	if slices.ContainsFunc(s.ESP, func(f *ESPFlow) bool { return f.FirstSeq > FreshSeq }) {
		return true
	}
	return !slices.ContainsFunc(s.Messages, func(m *Msg) bool {
		switch m.ExchangeType {
		case decode.ExchangeIKESAInit, decode.ExchangeIKEAuth, decode.ExchangeMainMode, decode.ExchangeAggressive:
			return true
		}
		return false
	})
}

// describe sets the session's state in words and whether it failed, from its findings
// alone: failed exactly when one of them is an error.
func (s *Session) describe(fs []Finding) {
	failed := false
	var firstErr *Finding
	for i := range fs {
		if fs[i].Severity == Error {
			failed = true
			if firstErr == nil || fs[i].Time.Before(firstErr.Time) {
				firstErr = &fs[i]
			}
		}
	}
	s.Failed = failed
	lastChild := s.lastCreateChild()
	switch {
	case s.abandonedFor > 0:
		s.State = fmt.Sprintf("abandoned (session %d came up)", s.abandonedFor)
	case s.retriedAs > 0 && !failed:
		s.State = fmt.Sprintf("another DH group asked for, retried as session %d", s.retriedAs)
	case s.Established && (s.Phase2Done > 0 || s.predecessor != nil && s.predecessor.Phase2Done > 0 || s.childFromBefore()):
		// A rekeyed IKE SA takes over its predecessor's CHILD_SAs (RFC 7296 2.18).
		// Its parts put together once: one string, not one per part.
		cont, esp, life := "", "", s.lifecycleText()
		switch {
		case s.predecessor != nil:
			cont = fmt.Sprintf(" (continues session %d)", s.predecessor.ID)
		case s.Phase2Done == 0:
			cont = " before the capture"
		}
		switch {
		case len(s.ESP) > 0 && slices.ContainsFunc(fs, func(f Finding) bool { return f.Code == CodeESPOneWay }):
			esp = ", ESP one way"
		case len(s.ESP) > 0 && (!slices.ContainsFunc(s.ESP, func(f *ESPFlow) bool { return f.FromInitiator }) ||
			!slices.ContainsFunc(s.ESP, func(f *ESPFlow) bool { return !f.FromInitiator })):
			// Too little of it, or too short a capture, for esp-one-way; not "flowing".
			esp = ", ESP from one side only"
			if !slices.ContainsFunc(s.ESP, func(f *ESPFlow) bool { return !f.AH }) {
				esp = ", AH from one side only"
			}
		case len(s.ESP) > 0 && !slices.ContainsFunc(s.ESP, func(f *ESPFlow) bool { return !f.AH }):
			esp = ", AH flowing"
		case len(s.ESP) > 0:
			esp = ", ESP flowing"
		}
		if life != "" {
			life = ", " + life
		}
		s.State = "established" + cont + esp + life
	case s.Established && !slices.ContainsFunc(s.Messages, func(m *Msg) bool {
		switch m.ExchangeType {
		case decode.ExchangeCreateChildSA:
			// The exchange that rekeyed this IKE SA is no IPsec SA of its own.
			return s.successor == nil && !s.rekeyedAway || lastChild == nil || lastChild.exchange != m.exchange
		case decode.ExchangeIKESAInit, decode.ExchangeIKEAuth, decode.ExchangeMainMode, decode.ExchangeAggressive, decode.ExchangeQuickMode:
			return true
		}
		return false
	}):
		// Only Informationals (and the IKE SA's own rekey): the capture cannot tell
		// whether IPsec SAs came with it.
		s.State = "IKE SA up (negotiated before the capture)"
		if s.Version == 1 {
			s.State = "Phase 1 up (negotiated before the capture)"
		}
		if life := s.lifecycleText(); life != "" {
			s.State += ", " + life
		}
	case s.Established && s.Version == 2 && s.firstAuthOpen && !failed:
		s.State = "capture ends after IKE_AUTH response"
	case s.Established && s.Version == 2:
		s.State = "IKE SA up, no CHILD_SA"
	case s.Established && !failed && !s.stoppedEarly && s.lastStep().Exchange() == decode.ExchangeTransaction:
		// XAUTH or Mode Config was still going when the capture ended: too soon to say
		// whether an IPsec SA would follow.
		s.State = "Phase 1 up, capture ends after Transaction"
	case s.Established:
		s.State = "Phase 1 up, no IPsec SA"
	case s.redirectedTo != "":
		s.State = "redirected to " + s.redirectedTo
	case failed:
		s.State = "failed at " + s.stopStep().String() + ": " + firstErr.Code
	case s.supersededBy > 0:
		s.State = fmt.Sprintf("not established (%s at %s), then session %d came up", s.supersededCode, s.stopStep(), s.supersededBy)
	case s.stoppedEarly:
		// Nothing failed, yet the negotiation stopped while the capture went on. No
		// duration here: the state must not change as a live capture goes on.
		s.State = "stopped after " + s.lastStep().String() + " while the capture went on"
		if !s.RolesKnown {
			s.State += " (roles guessed)"
		}
	default:
		s.State = "capture ends after " + s.lastStep().String()
		if !s.RolesKnown {
			s.State += " (roles guessed)"
		}
	}
	if failed && s.Established && s.abandonedFor == 0 {
		if f := firstErr; f.Code == CodeDPDUnanswered && !strings.Contains(s.State, "deleted") {
			// The tunnel was up and its peer went silent: say so, not a bare "errors".
			silent := "a peer"
			if i := slices.IndexFunc(s.Messages, func(m *Msg) bool { return len(f.Frames) > 0 && m.Frame == f.Frames[0] }); i >= 0 {
				silent = "the " + side(!s.Messages[i].FromInitiator)
			}
			s.State += ", then " + silent + " stopped answering (dpd-unanswered)"
		} else {
			s.State += ", with errors"
		}
	}
	if s.supersededBy > 0 && s.Established {
		s.State += fmt.Sprintf(", then session %d came up", s.supersededBy)
	}
}

// stopStep is where a negotiation that did not come up stopped: the last step of its
// own negotiation, else its latest message's.
func (s *Session) stopStep() Step {
	if s.Reached == StepNone {
		return s.lastStep()
	}
	return s.Reached
}

// lastStep is the step of the session's latest distinct message.
func (s *Session) lastStep() Step {
	for i := len(s.Messages) - 1; i >= 0; i-- {
		if m := s.Messages[i]; m.Step != StepNone {
			return m.Step
		}
	}
	return StepNone
}

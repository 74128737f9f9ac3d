package analyze

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ikescope/ikescope/decode"
)

// Inferences an expert draws from the clear parts of encrypted exchanges. Each rule
// rests on what the protocol lets a message carry, not on one implementation's timing.

// phase2Wait is how long after Phase 1 completes a Quick Mode is due. Implementations
// start the Quick Mode that needed the ISAKMP SA as soon as MM6/AM3 completes it (RFC
// 2409 5.5); several seconds without one mean nothing asked for an IPsec SA.
const phase2Wait = 5 * time.Second

// mm5Answered reads an MM5 that the responder answered with encrypted Informationals
// instead of MM6. If the initiator repeated MM5 after the answer, it could not read the
// answer: the two sides derived different keys, so the pre-shared keys differ. If it
// sent MM5 once and stopped, it read the answer with the keys it derived: both sides
// share the PSK and the responder refused the identity or the authentication.
//
// waited says the capture went on for the reply timeout after the first answer: long
// enough for the initiator to retransmit MM5 if it could not read it.
func (s *Session) mm5Answered(p pendingRequest, answers []*Msg, waited bool) []Finding {
	var enc []*Msg
	for _, m := range answers {
		if m.Encrypted && !m.Decrypted {
			enc = append(enc, m)
		}
	}
	if len(enc) == 0 {
		return s.mm5Garbled(p, answers) // clear or decrypted: the notification speaks, unless it says MM5 was garbled
	}
	frames := append(framesOf(p.copies), framesOf(enc)...)
	repeated := false
	for _, c := range p.copies {
		if c.Time.After(enc[0].Time) {
			repeated = true
		}
	}
	if !repeated && !waited {
		return []Finding{s.newFinding(CodeAuthFailed, Error, "MM5", frames, p.first.Time,
			fmt.Sprintf("Main Mode stopped at MM5: the responder answered the initiator's identity with an encrypted Informational (frame %d) instead of MM6, and the capture ends too soon after it to see whether the initiator repeats MM5.", enc[0].Frame),
			"Either the pre-shared keys differ: the responder could not read MM5 and says so in an Informational the initiator cannot read either, so the initiator retransmits MM5 after a few seconds. Or the keys match and the responder refused the initiator's identity or authentication (INVALID-ID-INFORMATION, AUTHENTICATION-FAILED): the initiator reads that and gives up.",
			fmt.Sprintf("Capture a few seconds longer (MM5 sent again means the PSKs differ) or read the responder's log; check the PSK for %s and %s and the identity each side sends against what the other expects. With --keys ikescope reads the notification.", s.Initiator.Addr(), s.Responder.Addr())).where(SettingPSK)}
	}
	if !repeated {
		return []Finding{s.newFinding(CodeAuthFailed, Error, "MM5", frames, p.first.Time,
			fmt.Sprintf("Main Mode stopped at MM5: the responder answered the initiator's identity with an encrypted Informational (frame %d) instead of MM6, and the initiator, which could read it, gave up.", enc[0].Frame),
			"Both sides derived the same keys, so the pre-shared key matches: the initiator read the Informational and did not retry. The responder refused the initiator's identity or authentication: the ID it sent (address, FQDN, DN) is not the one the responder's connection expects (INVALID-ID-INFORMATION), or the authentication method or certificate is not accepted (AUTHENTICATION-FAILED).",
			fmt.Sprintf("Check the identity %s sends (leftid / local id) against what %s expects for it (rightid / remote id), and the authentication method on both sides. With --keys ikescope reads the notification.", s.Initiator.Addr(), s.Responder.Addr()))}
	}
	return []Finding{s.newFinding(CodeAuthFailed, Error, "MM5", frames, p.first.Time,
		fmt.Sprintf("Main Mode stopped at MM5: the initiator sent its encrypted identity %s and the responder answered with an Informational (frames %s) instead of MM6.", retransText(p.copies), joinInts(framesOf(enc))),
		"The pre-shared keys differ. Messages 1-4 show the proposal and the DH exchange were accepted, so the keys derived from the PSK are what the responder could not use to read MM5; it reports the garbled message (PAYLOAD-MALFORMED or INVALID-HASH) in an Informational the initiator cannot read either, so it retransmits. Less likely: the responder files the PSK under another identity.",
		fmt.Sprintf("Check the PSK for %s on the responder and for %s on the initiator, and the identity each side uses (address or FQDN).", s.Initiator.Addr(), s.Responder.Addr())).where(SettingPSK)}
}

// mm5Garbled: the responder answered MM5 with a notification that it could not read it
// (PAYLOAD-MALFORMED, INVALID-HASH-INFORMATION, INVALID-PAYLOAD-TYPE; clear, or read with
// its own keys) and the initiator sent MM5 again after it. MM5 is the first message
// encrypted with the keys derived from the pre-shared key: the responder cannot read it
// when its PSK differs, and the initiator cannot read the answer, whatever keys the
// capture's reader was given for each side.
func (s *Session) mm5Garbled(p pendingRequest, answers []*Msg) []Finding {
	var garbled []*Msg
	name := ""
	for _, m := range answers {
		for _, n := range m.Notifies {
			switch n.Type {
			case decode.NotifyPayloadMalformed, decode.NotifyInvalidHashInfo, decode.NotifyInvalidPayloadType:
				garbled = append(garbled, m)
				if name == "" {
					name = decode.NotifyName(false, n.Type)
				}
			}
		}
	}
	if len(garbled) == 0 || !slices.ContainsFunc(p.copies, func(c *Msg) bool { return c.Time.After(garbled[0].Time) }) {
		return nil
	}
	return []Finding{s.newFinding(CodeAuthFailed, Error, "MM5", append(framesOf(p.copies), framesOf(garbled)...), p.first.Time,
		fmt.Sprintf("Main Mode stopped at MM5: the initiator sent its encrypted identity (MM5) %s and the responder answered with %s (frames %s): neither could read the other.", retransText(p.copies), name, joinInts(framesOf(garbled))),
		"The pre-shared keys differ. MM5 is the first message encrypted with keys derived from the PSK; messages 1-4 show the proposal and the DH exchange were accepted, so the responder decrypted MM5 into garbage with its own PSK's keys and said so, in an Informational the initiator cannot read either. Less likely: the responder files the PSK under another identity.",
		fmt.Sprintf("Check the PSK for %s on the responder and for %s on the initiator, and the identity each side uses (address or FQDN).", s.Initiator.Addr(), s.Responder.Addr())).where(SettingPSK)}
}

// deleteFinding reports a Delete payload, naming a rekey when it follows one.
func (s *Session) deleteFinding(msg *Msg, d deleteInfo) Finding {
	who := side(msg.FromInitiator)
	what := decode.ProtocolName(msg.v2, d.Protocol) + " SA(s) " + spiList(d.SPIs)
	if d.Protocol == decode.ProtocolISAKMP || len(d.SPIs) == 0 && msg.v2 {
		what = "the IKE SA"
		if !msg.v2 {
			what = "the ISAKMP SA"
		}
	}
	summary := fmt.Sprintf("The %s deleted %s at %s.", who, what, stamp(msg.Time))
	if msg.v2 && msg.Response && what != "the IKE SA" {
		// RFC 7296 1.4.1: an answer to a Delete deletes the paired SAs in its turn.
		summary = fmt.Sprintf("The %s deleted %s at %s, in answer to the %s's Delete: the other half of each SA pair the %s deleted.", who, what, stamp(msg.Time), side(!msg.FromInitiator), side(!msg.FromInitiator))
	} else if r := s.rekeyBefore(msg); r != nil && (what != "the IKE SA" || s.successor != nil) {
		summary = fmt.Sprintf("The %s deleted %s at %s, after the rekey in frame %d: the old SA gives way to the new one.", who, what, stamp(msg.Time), r.Frame)
	}
	return s.newFinding(CodeDeleted, Info, msg.Step.String()+"/"+fmt.Sprint(msg.Frame), []int{msg.Frame}, msg.Time,
		summary,
		"A Delete ends the SA on purpose: a rekey (the old SA after the new one is up), shutdown, an administrator, or an error the peer detected.",
		"If the tunnel should still be up, read the "+who+"'s log at this time for why it deleted the SA.")
}

// stamp gives a time with its date, so that captures spanning days read right.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000 UTC") }

// rekeyBefore returns the completed rekey a Delete follows: for IKEv1 a Quick Mode (or
// a new ISAKMP SA) completed before it, for IKEv2 a CREATE_CHILD_SA exchange answered
// before it with no other exchange between them from the same side (RFC 7296 2.8: the
// old SA is deleted once the new one is up).
func (s *Session) rekeyBefore(del *Msg) *Msg {
	var last *Msg
	for _, m := range s.Messages {
		if !m.Time.Before(del.Time) || m == del {
			break
		}
		if m.Retransmit > 0 {
			continue
		}
		switch {
		case m.v2 && m.ExchangeType == decode.ExchangeCreateChildSA && m.Response && !childRefused(m):
			last = m
		case !m.v2 && m.Step == StepQM3:
			last = m
		case m.v2 && m.ExchangeType == decode.ExchangeCreateChildSA:
		case !m.Response && (len(m.deletes) > 0 || m.v2 && m.ExchangeType == decode.ExchangeInformational && m.hasSK && m.skFirst == decode.PayloadDelete):
			// The rekey's own Delete came already: a later one is another matter. An
			// IKEv2 Delete exchange ends both halves of an SA (RFC 7296 1.4.1); in IKEv1
			// each side deletes its own.
			if m.v2 || m.FromInitiator == del.FromInitiator {
				last = nil
			}
		case m.v2 && m.ExchangeType == decode.ExchangeInformational && m.Response:
		case m.v2:
			last = nil
		}
	}
	if last == nil || !s.Established || s.Phase2Done < 2 && !last.v2 {
		return nil
	}
	return last
}

// eapInferred: IKE_AUTH rounds that carry EAP (several IKE_AUTH exchanges, RFC 7296 2.16)
// that end without the responder's final AUTH, followed by nothing but an INFORMATIONAL
// from the initiator or the end of the negotiation, are a failed EAP authentication.
func (s *Session) eapInferred(now time.Time, opts Options) []Finding {
	if s.Version != 2 || s.Established {
		return nil
	}
	var rounds []*Msg
	var lastResp *Msg
	for _, m := range s.Messages {
		if m.ExchangeType == decode.ExchangeIKEAuth && m.Retransmit == 0 && !m.laterFragment {
			if m.cut && !m.hasSK {
				return nil // the snap length cut it before its encrypted part: its shape is unknown
			}
			rounds = append(rounds, m)
			if m.Response {
				lastResp = m
			}
		}
	}
	if lastResp == nil || len(rounds) < 3 {
		return nil // one IKE_AUTH exchange is not EAP
	}
	if authResult(lastResp) == authRefused {
		return nil // authInferred or the notification says it
	}
	var closing *Msg
	for _, m := range s.Messages {
		if m.Time.After(lastResp.Time) && m.ExchangeType == decode.ExchangeInformational && m.FromInitiator && !m.Response {
			closing = m
			break
		}
	}
	last := rounds[len(rounds)-1]
	if closing == nil && (last != lastResp || now.Sub(lastResp.Time) < opts.ReplyTimeout) {
		// A round still awaits its answer (the timed rules speak for it), or the
		// capture ends too soon after the gateway's answer to say the client gave up.
		return nil
	}
	frames := framesOf(rounds)
	sev, end := Error, closingText(closing)
	if closing != nil {
		frames = append(frames, closing.Frame)
	} else {
		// Silence while the capture goes on: the client, which answers each round at
		// once, stopped; nothing says the SA was closed, so a warning.
		sev, end = Warning, fmt.Sprintf(", after which the client sent nothing more in %s", s.wentOn(now.Sub(lastResp.Time)))
	}
	cause, next := s.backendWait(lastResp,
		"The user's credentials (user name or password), the EAP method, or the RADIUS/EAP backend behind the gateway rejected the client.",
		"Check the user's credentials and the EAP method both sides allow (strongSwan eap_id / auth = eap-mschapv2, Windows/macOS profile), and the RADIUS server's log. With --keys ikescope reads the EAP code.")
	return []Finding{s.newFinding(CodeUserAuthFailed, sev, "IKE_AUTH EAP", frames, lastResp.Time,
		fmt.Sprintf("The IKE_AUTH exchange ran %d rounds of EAP and ended without the responder's final AUTH%s: EAP authentication failed.", (len(rounds)+1)/2, end),
		cause+" The client went on with EAP after the gateway's first answer, so it accepted the gateway's certificate or PSK (with EAP-only authentication, RFC 5998, the gateway proves itself at the end instead).",
		next).where(SettingUsers)}
}

func closingText(m *Msg) string {
	if m == nil {
		return ""
	}
	return fmt.Sprintf(", after which the initiator closed the SA with an INFORMATIONAL (frame %d)", m.Frame)
}

// createChildInferred: a CREATE_CHILD_SA response too small to carry an SA and a nonce,
// beginning with a notification, refused the request. While another CHILD_SA carries
// traffic, the IKE SA is not failed.
func (s *Session) createChildInferred(end captureEnd) []Finding {
	var out []Finding
	gone := -1 // the finding that says the tunnel was left without a CHILD_SA
	var goneAt time.Time
	for _, m := range s.Messages {
		if !m.v2 || m.ExchangeType != decode.ExchangeCreateChildSA || !m.Response || m.Retransmit > 0 || m.Decrypted || hasErrorNotify(m) || !childRefused(m) {
			continue
		}
		if gone >= 0 {
			// Asked again after the CHILD_SA went: the same refusal, the same cause.
			f := &out[gone]
			f.Frames = append(f.Frames, m.Frame)
			if m.Time.After(goneAt) {
				f.Summary += fmt.Sprintf(" A new CHILD_SA asked for after that was refused too (frame %d).", m.Frame)
			} else {
				f.Summary += fmt.Sprintf(" Asked again before then, it was refused again (frame %d).", m.Frame)
			}
			continue
		}
		sev := Error
		summary := fmt.Sprintf("The %s refused a CREATE_CHILD_SA request: its answer (frame %d) holds a notification and no room for an SA (%d encrypted bytes).", side(m.FromInitiator), m.Frame, skLen(m))
		cause := "The responder refused the new CHILD_SA: its traffic selectors are not allowed (TS_UNACCEPTABLE), its ESP proposal shares no algorithm (NO_PROPOSAL_CHOSEN), or the responder is busy with a simultaneous rekey (TEMPORARY_FAILURE)."
		next := "Compare the traffic selectors and ESP proposals of the additional CHILD_SA on both gateways and read the responder's log. With --keys ikescope names the notification."
		before, goneEarlier := s.childGoneBefore(m.Time)
		switch {
		case goneEarlier && s.childUpBefore(before.Time):
			summary += fmt.Sprintf(" No CHILD_SA was left: the one that carried ESP was deleted before (frame %d), so the tunnel carries nothing from then on.", before.Frame)
			cause = "The CHILD_SA that carried the traffic ended (deleted, as when its lifetime runs out without a successor) and the new one is refused. A PFS group the two sides do not share refuses every CHILD_SA after the first (IKE_AUTH's leaves the groups out, RFC 7296 1.2); traffic selectors one side does not allow (TS_UNACCEPTABLE) or an ESP proposal it does not share (NO_PROPOSAL_CHOSEN) refuse it too."
			next = "Compare the DH groups of the ESP proposals on both gateways (strongSwan: the group in esp_proposals; libreswan: pfs= and esp=; Cisco: set pfs), then the ESP algorithms and traffic selectors, and read the responder's log."
			gone, goneAt = len(out), before.Time
		case s.childUpBefore(m.Time):
			sev = Warning
			// A rekey, or an additional CHILD_SA: IKE_AUTH's CHILD_SA has no key
			// exchange, so a PFS group the two sides do not share first shows at its
			// rekey. Deleted later without a successor, it was the rekey.
			cause = "Either the rekey of the CHILD_SA that is up, or an additional CHILD_SA. IKE_AUTH's CHILD_SA comes without a key exchange, so the DH groups of its ESP proposals (PFS) are left out there (RFC 7296 1.2) and first compared at its rekey: a PFS group the two sides do not share is refused then (NO_PROPOSAL_CHOSEN or INVALID_KE_PAYLOAD), after the tunnel worked. An additional CHILD_SA is refused for its traffic selectors (TS_UNACCEPTABLE) or its ESP proposal (NO_PROPOSAL_CHOSEN); a simultaneous rekey gives TEMPORARY_FAILURE."
			next = "Compare the DH groups of the ESP proposals on both gateways (strongSwan: the group in esp_proposals, such as -modp2048 or -ecp256; libreswan: pfs= and the group in esp=; Cisco: set pfs) and the traffic selectors, and read the responder's log. With --keys ikescope names the notification and whether the request was a rekey."
			if del, ok := s.childGoneAfter(m.Time, end); ok {
				sev, gone, goneAt = Error, len(out), del.Time
				summary += s.goneText(del, m.Time)
				cause = "The refused request was in all likelihood the rekey of the CHILD_SA that was up: that CHILD_SA was deleted later without a successor, as one is when its lifetime ends. IKE_AUTH's CHILD_SA comes without a key exchange, so the DH groups of its ESP proposals (PFS) are left out there (RFC 7296 1.2) and first compared at its rekey: a PFS group the two sides do not share (NO_PROPOSAL_CHOSEN or INVALID_KE_PAYLOAD) is the usual reason a rekey fails after the tunnel worked; the other is traffic selectors changed on one side since the CHILD_SA came up (TS_UNACCEPTABLE)."
			} else {
				switch req := requestOf(m); {
				case req != nil && req.hasSK && req.skFirst == decode.PayloadNotify:
					// A rekey's request leads with N(REKEY_SA) (RFC 7296 1.3.3); a new
					// CHILD_SA's leads with its SA.
					cause = "The request begins with a notification, as a CHILD_SA rekey's does (N(REKEY_SA) before the SA, RFC 7296 1.3.3; a new CHILD_SA's request begins with its SA): most likely the rekey of the CHILD_SA that is up was refused. IKE_AUTH's CHILD_SA comes without a key exchange, so the DH groups of its ESP proposals (PFS) are left out there (RFC 7296 1.2) and first compared at its rekey: a PFS group the two sides do not share (NO_PROPOSAL_CHOSEN or INVALID_KE_PAYLOAD) is the usual reason; traffic selectors changed on one side (TS_UNACCEPTABLE) or a simultaneous rekey (TEMPORARY_FAILURE) the others."
				case req != nil && req.hasSK && req.skFirst == decode.PayloadSA:
					cause = "The request begins with its SA payload, as a new CHILD_SA's does (a CHILD_SA rekey's usually begins with N(REKEY_SA), RFC 7296 1.3.3): most likely an additional CHILD_SA, refused for its traffic selectors (TS_UNACCEPTABLE: a subnet pair one side does not have) or its ESP proposal (NO_PROPOSAL_CHOSEN, the PFS group included). Less likely the rekey of the CHILD_SA that is up, from an implementation that puts REKEY_SA later."
					next = "Compare the subnet pairs (traffic selectors) and the ESP proposals, PFS group included, of this additional CHILD_SA on both gateways, and read the responder's log. With --keys ikescope names the notification."
				}
				cause += " The IKE SA and the CHILD_SA already up are not affected; if this was a rekey, that CHILD_SA goes down when its lifetime ends."
			}
		case s.Phase2Done > 0 || len(s.ESP) > 0 || !s.espFrom[0].IsZero() || !s.espFrom[1].IsZero():
			sev = Warning
			cause += " No CHILD_SA was up yet when it was refused; one was created later."
		}
		out = append(out, s.newFinding(CodePhase2Stalled, sev, fmt.Sprintf("CREATE_CHILD_SA %d", m.MessageID), []int{m.Frame}, m.Time,
			summary, cause, next).where(SettingSelectors, SettingPhase2))
	}
	return out
}

// captureEnd is what rules reading the end of a session's capture need: the time the
// evaluation is as of, and the reply timeout.
type captureEnd struct {
	at    time.Time
	reply time.Duration
}

// childGoneAfter finds the Delete of a CHILD_SA after t when no CHILD_SA was created
// after t and no ESP of the session goes on past that Delete (packets still in flight
// within a second aside): the session was left without an IPsec SA.
func (s *Session) childGoneAfter(t time.Time, end captureEnd) (Event, bool) {
	var del Event
	found := false
	for _, e := range s.events() {
		if !e.Time.After(t) {
			continue
		}
		switch {
		case e.Kind == EventChildUp || e.Kind == EventChildRekeyed:
			return Event{}, false
		case !found && e.Kind == EventDeleted && deletesChild(e.Detail):
			del, found = e, true
		}
	}
	if !found || s.espAfter(del.Time) {
		return Event{}, false
	}
	// "No other came up" needs a capture that went on after the Delete long enough for
	// one to (three of the SA's round trips, or the reply timeout), with no CHILD_SA
	// request still waiting for its answer at the end.
	if end.at.Sub(del.Time) < s.answerWait(end.reply) {
		return Event{}, false
	}
	for _, ex := range s.Exchanges {
		if ex.Type == decode.ExchangeCreateChildSA && ex.First.After(del.Time) && ex.Responses == 0 {
			return Event{}, false
		}
	}
	return del, true
}

// goneText says that the CHILD_SA up at t was deleted (del) with none after it.
func (s *Session) goneText(del Event, t time.Time) string {
	return fmt.Sprintf(" The CHILD_SA that was up was deleted %s later (frame %d) and no other came up: the tunnel carries nothing from then on%s.", secs(del.Time.Sub(t)), del.Frame, s.lastESPText())
}

// lastESPText names the session's last ESP packet: when the tunnel last carried
// something.
func (s *Session) lastESPText() string {
	var last *ESPFlow
	for _, f := range s.ESP {
		if last == nil || f.Last.After(last.Last) {
			last = f
		}
	}
	if last == nil {
		return ""
	}
	return fmt.Sprintf(" (its last ESP packet: frame %d, %s)", last.LastFrame, stamp(last.Last))
}

// deletesChild tells from a Delete event's detail that it ended an IPsec SA, not the
// IKE SA.
func deletesChild(detail string) bool {
	return strings.HasPrefix(detail, "a CHILD_SA") || strings.HasPrefix(detail, "ESP ") || strings.HasPrefix(detail, "AH ")
}

// childUpBefore reports whether an IPsec SA of the session was up before t: created
// (its timeline says so) or carrying ESP.
func (s *Session) childUpBefore(t time.Time) bool {
	for _, e := range s.events() {
		if (e.Kind == EventChildUp || e.Kind == EventChildRekeyed) && e.Time.Before(t) {
			return true
		}
	}
	for _, f := range s.ESP {
		// ESP before t, or ESP numbered past the start: its SA was up before the
		// capture began, so before t.
		if f.First.Before(t) || f.FirstSeq > FreshSeq {
			return true
		}
	}
	return s.predecessor != nil && s.predecessor.Phase2Done > 0 // a rekeyed IKE SA takes its CHILD_SAs over
}

// childGoneBefore finds the Delete of a CHILD_SA before t after which no CHILD_SA was
// created and no ESP of the session went on (packets in flight within a second aside):
// at t the session had no IPsec SA left.
func (s *Session) childGoneBefore(t time.Time) (Event, bool) {
	var del Event
	found := false
	for _, e := range s.events() {
		if !e.Time.Before(t) {
			break
		}
		switch {
		case e.Kind == EventChildUp || e.Kind == EventChildRekeyed:
			found = false
		case e.Kind == EventDeleted && deletesChild(e.Detail):
			del, found = e, true
		}
	}
	if !found || s.espAfter(del.Time) {
		return Event{}, false
	}
	return del, true
}

// espAfter reports ESP of the session going on past t, packets still in flight within a
// second aside.
func (s *Session) espAfter(t time.Time) bool {
	return slices.ContainsFunc(s.ESP, func(f *ESPFlow) bool { return f.Last.After(t.Add(time.Second)) })
}

// natTBlocked: NAT was detected in IKE_SA_INIT, so IKE_AUTH moves to UDP 4500 (RFC 7296
// 2.23). IKE_AUTH retransmitted unanswered on 4500 (a capture at the initiator), or
// never arriving at all after the responder's IKE_SA_INIT answer (a capture at the
// responder), means UDP 4500 does not pass.
func (s *Session) natTBlocked(now time.Time, opts Options, final bool) []Finding {
	nat := s.NAT
	if s.Version != 2 || nat == nil || !(nat.InitiatorBehindNAT || nat.ResponderBehindNAT) || s.Established {
		return nil
	}
	var initResp *Msg
	var auth []*Msg
	for _, m := range s.Messages {
		switch {
		case m.Step == StepIKESAInitResponse && !hasErrorNotify(m) && m.Retransmit == 0:
			initResp = m
		case m.ExchangeType == decode.ExchangeIKEAuth:
			auth = append(auth, m)
		}
	}
	if initResp == nil || s.Chosen == nil || s.redirectedTo != "" {
		return nil // no accepted IKE_SA_INIT: nothing has to follow on 4500
	}
	for _, m := range s.Messages {
		if m.Step == StepIKESAInitRequest && m.Time.After(initResp.Time) {
			return nil // still asking after the answer: it never got it (reply-not-reaching)
		}
	}
	if len(auth) == 0 {
		if nat.InitiatorTranslated {
			// The capture is on the initiator's side of the NAT (the responder hashed
			// another address for it than the one here): an IKE_AUTH it sent would be
			// in the capture, so it never sent one. Not a matter of UDP 4500.
			return nil
		}
		if waited := now.Sub(initResp.Time); waited < opts.ReplyTimeout {
			if !final {
				return nil
			}
			return []Finding{s.newFinding(CodeNATTProblem, Info, "IKE_AUTH on 4500", withFrame(nat.refs, initResp.Frame), initResp.Time,
				fmt.Sprintf("NAT was detected in IKE_SA_INIT and the responder answered (frame %d); the capture ends %s later, before IKE_AUTH on UDP 4500.", initResp.Frame, secs(waited)),
				"If the capture ran on after this, IKE_AUTH never arrived here: after NAT detection it travels on UDP 4500, which a firewall or the NAT device may drop while UDP 500 passes.",
				"Capture for longer; check that UDP 4500 passes both ways between the gateways.")}
		}
		return []Finding{s.newFinding(CodeNATTProblem, Error, "IKE_AUTH on 4500", withFrame(nat.refs, initResp.Frame), initResp.Time,
			fmt.Sprintf("NAT was detected in IKE_SA_INIT and the responder answered (frame %d), but no IKE_AUTH followed in %s: the initiator's IKE_AUTH on UDP 4500 never arrived here.", initResp.Frame, s.wentOn(now.Sub(initResp.Time))),
			"After NAT detection the initiator sends IKE_AUTH from and to UDP 4500. A firewall or the NAT device drops UDP 4500 on the way, while UDP 500 passes.",
			"Allow UDP 4500 both ways between the gateways (and on the NAT device); a capture at the initiator shows IKE_AUTH leaving on 4500.")}
	}
	for _, m := range auth {
		if m.Response || m.Dst.Port() != 4500 || m.Fragments != nil {
			return nil // answered, not on 4500, or in IP fragments (their loss explains it)
		}
	}
	if now.Sub(auth[len(auth)-1].Time) < opts.ReplyTimeout && len(auth) < 2 {
		return nil // sent once, and the capture ends before an answer was due
	}
	if initResp.Src.Port() == 4500 {
		return nil // IKE_SA_INIT itself went over UDP 4500 and was answered: not a port blocked
	}
	sev, tail := Error, ""
	if last := auth[len(auth)-1]; endsAtSecondCopy(final, opts, copiesOf(auth)-1, last, now.Sub(last.Time)) {
		sev, tail = Warning, secondCopyText(now.Sub(last.Time), true)
	}
	return []Finding{s.newFinding(CodeNATTProblem, sev, "IKE_AUTH on 4500", append(append([]int{}, nat.refs...), framesOf(auth)...), auth[0].Time,
		fmt.Sprintf("NAT was detected in IKE_SA_INIT, IKE_AUTH moved to UDP 4500 and was sent %s without an answer.%s", retransText(auth), tail),
		"UDP 500 passes (IKE_SA_INIT was answered) but UDP 4500 does not: a firewall or the NAT device drops it in one direction.",
		"Allow UDP 4500 both ways between the gateways (and through the NAT device); a capture at the responder shows whether IKE_AUTH arrives.")}
}

// initiatorStopped: an IKEv2 initiator that gets an accepting IKE_SA_INIT answer sends
// IKE_AUTH at once (RFC 7296 1.2). The capture going on past the reply timeout without
// it, where the capture would show it (no NAT: the same path as IKE_SA_INIT; NAT with the
// capture on the initiator's side of it), means the initiator stopped, or its IKE_AUTH
// was lost before the capture point. NAT with the capture on the responder's side is
// natTBlocked's case.
func (s *Session) initiatorStopped(now time.Time, opts Options) []Finding {
	if s.Version != 2 || s.Established || s.Chosen == nil || s.redirectedTo != "" || s.abandonedFor > 0 || s.unseen != unseenNone || s.TCP {
		return nil
	}
	var last *Msg
	for _, m := range s.Messages {
		if m.ExchangeType != decode.ExchangeIKESAInit {
			return nil
		}
		if m.Retransmit == 0 && (last == nil || m.Time.After(last.Time)) {
			last = m
		}
	}
	if last == nil || last.Step != StepIKESAInitResponse || hasErrorNotify(last) {
		return nil
	}
	waited := now.Sub(last.Time)
	if waited < opts.ReplyTimeout {
		return nil
	}
	where := "Without NAT, IKE_AUTH takes the path IKE_SA_INIT took: the initiator never sent it, or it was lost before this capture point (a large IKE_AUTH in IP fragments that a device on the way drops entirely)."
	if nat := s.NAT; nat != nil && (nat.InitiatorBehindNAT || nat.ResponderBehindNAT) {
		if !nat.InitiatorTranslated {
			return nil // the capture may be on the responder's side: natTBlocked
		}
		where = "The capture is on the initiator's side of the NAT (the responder hashed another address for it), where its IKE_AUTH on UDP 4500 would pass: it never sent one."
	}
	return []Finding{s.newFinding(CodeExchangeStalled, Warning, StepIKESAInitResponse.String(), []int{last.Frame}, last.Time,
		fmt.Sprintf("The responder accepted IKE_SA_INIT (frame %d) and the initiator sent nothing more in %s: no IKE_AUTH. %s", last.Frame, s.wentOn(waited), where),
		"The initiator gave up after the responder's answer: it did not accept what the responder chose or sent (the proposal, the key exchange, a certificate request it cannot meet), failed to compute the keys, or went on with another negotiation (a client that tries several gateways and keeps the first to answer, or a connection started twice).",
		"Read the initiator's log at this time; if it says it sent IKE_AUTH, capture next to it to see where the message goes.")}
}

// informationalThenQuiet: an IKEv1 encrypted Informational that nothing answers (IKEv1
// Informationals need no answer, RFC 2408 4.8), after which the ESP of the SA stops
// while the capture goes on, was most likely a Delete.
func (s *Session) informationalThenQuiet(now time.Time, opts Options) []Finding {
	if s.Version != 1 || len(s.ESP) == 0 {
		return nil
	}
	var lastESP time.Time
	for _, f := range s.ESP {
		if f.Last.After(lastESP) {
			lastESP = f.Last
		}
	}
	for _, m := range s.Messages {
		if m.ExchangeType != decode.ExchangeInformationalV1 || !m.Encrypted || m.Decrypted || m.Retransmit > 0 {
			continue
		}
		if lastESP.Before(m.Time) || lastESP.Sub(m.Time) > time.Second || now.Sub(m.Time) < opts.ReplyTimeout {
			continue
		}
		answered := false
		for _, o := range s.Messages {
			if o.Time.After(m.Time) && o.FromInitiator != m.FromInitiator {
				answered = true
			}
		}
		if answered {
			continue
		}
		return []Finding{s.newFinding(CodeDeleted, Info, "Informational/"+fmt.Sprint(m.Frame), []int{m.Frame}, m.Time,
			fmt.Sprintf("The %s sent an encrypted Informational at %s, after which no ESP of this SA came in %s: most likely a Delete.", side(m.FromInitiator), stamp(m.Time), s.wentOn(now.Sub(m.Time))),
			"An IKEv1 Delete travels in an encrypted Informational that is not answered; the SA's traffic ends with it.",
			"If the tunnel should still be up, read the "+side(m.FromInitiator)+"'s log at this time. With --keys ikescope shows the Delete.")}
	}
	return nil
}

// decodeFindings are about the session's messages as bytes: malformed ones, ones that
// did not decrypt.
func (s *Session) decodeFindings() []Finding {
	var out []Finding
	if len(s.malformed) > 0 {
		var first *Msg
		for _, m := range s.Messages {
			if m.Frame == s.malformed[0] {
				first = m
			}
		}
		detail := ""
		if first != nil && len(first.Errors) > 0 {
			detail = " First problem: " + first.Errors[0] + "."
		}
		for _, a := range s.anomalies {
			if slices.Contains(s.malformed, a.Frame) {
				// Said here: the other finding is about messages that decode.
				detail += fmt.Sprintf(" Frame %d also breaks the protocol: %s.", a.Frame, a.What.Detail)
				break
			}
		}
		out = append(out, s.newFinding(CodeMalformed, Warning, "decode", capInts(s.malformed, 50), s.First,
			fmt.Sprintf("%d message(s) do not parse as ISAKMP/IKE.%s", len(s.malformed), detail),
			"The sender built a message its peer may not read either (an implementation bug or an incompatible extension), or the packet was corrupted on the way.",
			"If the peer rejects these messages, report the frames to the sender's vendor; ikescope decode shows the field and offset."))
	}
	var decoded []anomalyAt // the violations in messages that parsed
	for _, a := range s.anomalies {
		if !slices.Contains(s.malformed, a.Frame) {
			decoded = append(decoded, a)
		}
	}
	if len(decoded) > 0 {
		frames := make([]int, 0, len(decoded))
		for _, a := range decoded {
			if len(frames) == 0 || frames[len(frames)-1] != a.Frame {
				frames = append(frames, a.Frame)
			}
		}
		first := decoded[0]
		out = append(out, s.newFinding(CodeMalformed, Warning, "protocol", frames, s.First,
			fmt.Sprintf("%d protocol violation(s) in messages that still decode; the first, in frame %d: %s.", len(decoded), first.Frame, first.What.String()),
			"The sender does not follow the RFC to the letter (a key exchange of the wrong size for its group, a notification missing its data or its partner, bytes after the last payload, IKE on UDP 4500 without the non-ESP marker). Strict peers reject such messages; lenient ones ignore the difference.",
			"If the peer rejects or ignores these messages, report the frames to the sender's vendor; ikescope decode shows each one."))
	}
	if len(s.decFail) > 0 {
		cause := "The keys belong to another IKE SA or another run of the daemons (keys change with every negotiation), name the wrong algorithm, or cover only one direction."
		next := "Take the keys from the same run as the capture (strongSwan: charon log at ike 4 or the save-keys plugin; libreswan: plutodebug=private), from both gateways if possible."
		if s.decChecksum {
			cause = "The encryption key is right: the integrity key given with it is not (SK_ai and SK_ar swapped, or taken from another SA), or the message was changed after its sender made the checksum (a device rewriting IKE on the way, a tool sending crafted messages). Its receiver drops such a message as forged, unanswered."
			next = "Check the integrity keys (SK_ai, SK_ar) in the key file against the sender's log; if they are right, capture next to the sender to see whether the message leaves it this way."
		}
		if by := s.decBy; by[0].failed > 0 && by[0].opened == 0 && by[1].opened > 0 && by[1].failed == 0 ||
			by[1].failed > 0 && by[1].opened == 0 && by[0].opened > 0 && by[0].failed == 0 {
			// One side's messages open with the keys given, the other's never: the keys
			// are this SA's, as one side derived them; the other side derived others.
			failed := "responder"
			if by[1].failed > 0 {
				failed = "initiator"
			}
			cause = fmt.Sprintf("The keys given are this SA's: the %s's messages open with them. The %s's do not: it derived other keys for the same SA. With a pre-shared key (IKEv1), each side derives its keys from its own PSK, so the two PSKs differ; otherwise the key file holds one side's keys only, or one direction's.", side(failed != "initiator"), failed)
			next = "Compare the pre-shared keys of the two gateways for each other's identity; a key file from the other gateway's log shows its side."
		}
		if s.decLate {
			cause = "The keys are for this SA, but the capture began after the clear messages that say which algorithms they go with (the IKEv1 Phase 1 proposal, the IKEv2 IKE_SA_INIT): the keys alone do not say."
			next = "Capture from before the negotiation begins (restart the tunnel with the capture running); for IKEv2, a key table that names the algorithms (Wireshark's ikev2_decryption_table, ikescope keys --v2) does without IKE_SA_INIT."
		}
		out = append(out, s.newFinding(CodeDecryptFailed, Warning, "keys", capInts(s.decFail, 50), s.First,
			fmt.Sprintf("%d encrypted message(s) of this session did not decrypt with the keys given: %s.", len(s.decFail), s.decErr),
			cause, next))
	}
	return out
}

// withFrame returns frames with f added unless it is there already.
func withFrame(frames []int, f int) []int {
	out := append([]int{}, frames...)
	for _, x := range out {
		if x == f {
			return out
		}
	}
	return append(out, f)
}

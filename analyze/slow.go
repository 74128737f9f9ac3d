package analyze

import (
	"fmt"
	"time"

	"github.com/ikescope/ikescope/decode"
)

// minHeld is the least time an answer must come after the latest copy of its request
// to say the answering side held the request: far more than any IKE computation takes
// (a Diffie-Hellman exchange or a signature costs milliseconds, a slow one a second),
// so what is left is waiting on something else.
const minHeld = 2 * time.Second

// heldAnswer is an IKEv2 request its peer answered only after holding it: the sender's
// own timer ran out and it retransmitted, and the answer came long after the latest
// copy, much longer than the SA's other answers take. A request lost and then answered
// at a retransmission is answered one round trip after that copy; an answer that comes
// seconds after every copy was held by the side that sent it.
type heldAnswer struct {
	copies []*Msg // the request's copies sent before the answer, first to last
	answer *Msg
	wait   time.Duration // from the first copy to the answer
	gap    time.Duration // from the latest copy to the answer
	usual  time.Duration // the slowest of the SA's answers to a first copy
	xauth  bool          // the client's XAUTH answer and the gateway's next message
}

// heldAnswers finds them, in the order of the exchanges. Without an answer to a first
// copy the path's delay is not known, and none is said to be held.
func (s *Session) heldAnswers() []heldAnswer {
	usual := s.slowestRoundTrip()
	if usual == 0 {
		return nil
	}
	var out []heldAnswer
	for _, ex := range s.Exchanges {
		var req, answer *Msg
		for _, m := range ex.Messages {
			switch {
			case !m.v2:
			case !m.Response && req == nil && m.Retransmit == 0:
				req = m
			case m.Response && req != nil && answer == nil && m.FromInitiator != req.FromInitiator:
				answer = m
			}
		}
		if answer == nil {
			continue
		}
		// The copies sent before the answer, by time: a file out of time order holds
		// them in another order, and a copy that crossed the answer came after it.
		var copies []*Msg
		for _, m := range ex.Messages {
			if (m == req || m.orig == req) && m.Time.Before(answer.Time) {
				copies = append(copies, m)
			}
		}
		if len(copies) < 2 || copies[0] != req {
			continue
		}
		last := copies[0]
		for _, c := range copies {
			if c.Time.After(last.Time) {
				last = c
			}
		}
		gap := answer.Time.Sub(last.Time)
		if gap < max(minHeld, 10*usual) {
			continue
		}
		out = append(out, heldAnswer{copies: copies, answer: answer, wait: answer.Time.Sub(req.Time), gap: gap, usual: usual})
	}
	if h, ok := s.xauthHeld(usual); ok {
		out = append(out, h)
	}
	return out
}

// xauthHeld is the IKEv1 XAUTH round whose verdict the gateway held: it asks for the
// user's credentials (the first Transaction exchange, its request), the client answers,
// and the gateway's next message (its verdict, SET, or another request) comes seconds
// later with nothing from the client between. A person's typing comes before the
// client's answer; what comes after it is the gateway checking the credentials.
func (s *Session) xauthHeld(usual time.Duration) (heldAnswer, bool) {
	var ex *Exchange
	for _, e := range s.Exchanges {
		if e.Type == decode.ExchangeTransaction {
			ex = e
			break
		}
	}
	if ex == nil || len(ex.Messages) == 0 {
		return heldAnswer{}, false
	}
	gateway := ex.Messages[0].FromInitiator // the side that asks
	var reply *Msg
	for _, m := range ex.Messages {
		if m.FromInitiator != gateway && m.Retransmit == 0 {
			reply = m
			break
		}
	}
	if reply == nil {
		return heldAnswer{}, false
	}
	copies := []*Msg{reply}
	for _, m := range s.Messages {
		switch {
		case !m.Time.After(reply.Time) || m == reply:
		case m.FromInitiator != gateway && m.orig == reply:
			copies = append(copies, m)
		case m.FromInitiator != gateway:
			return heldAnswer{}, false // the client spoke again first
		case m.ExchangeType != decode.ExchangeTransaction:
			return heldAnswer{}, false
		default:
			last := copies[len(copies)-1]
			gap := m.Time.Sub(last.Time)
			if gap < max(minHeld, 10*usual) {
				return heldAnswer{}, false
			}
			return heldAnswer{copies: copies, answer: m, wait: m.Time.Sub(reply.Time), gap: gap, usual: usual, xauth: true}, true
		}
	}
	return heldAnswer{}, false
}

// heldBefore is the held answer that is m, if there is one.
func (s *Session) heldBefore(m *Msg) (heldAnswer, bool) {
	for _, h := range s.heldAnswers() {
		if h.answer == m {
			return h, true
		}
	}
	return heldAnswer{}, false
}

// backendWait gives the cause and next steps of a refused user authentication: the
// ones given, or, when the gateway held its refusal m for seconds, that it gave up
// waiting on its RADIUS/EAP backend (most likely without checking the credentials).
func (s *Session) backendWait(m *Msg, cause, next string) (string, string) {
	h, ok := s.heldBefore(m)
	if !ok {
		return cause, next
	}
	return fmt.Sprintf("The gateway gave its verdict only %s after the client's answer, long after its other answers (slow-response): most likely it gave up waiting for its authentication backend (a RADIUS server) and refused the client without the credentials being checked; otherwise the user's credentials, or the EAP method, were refused.", secs(h.wait)),
		"Check first that the gateway's RADIUS server answers it: the gateway's log of its RADIUS requests, and the server's log for them (the gateway must be one of its clients, with the same shared secret). Then the user's credentials and the authentication method."
}

// slowAnswers says which requests the peer held before answering (slow-response), and
// what it likely waited on, by exchange.
func (s *Session) slowAnswers() []Finding {
	var out []Finding
	for _, h := range s.heldAnswers() {
		req := h.copies[0]
		who := side(h.answer.FromInitiator)
		frames := append(framesOf(h.copies), h.answer.Frame)
		if h.xauth {
			out = append(out, s.newFinding(CodeSlowResponse, Warning, "Transaction XAUTH", frames, h.answer.Time,
				fmt.Sprintf("The gateway (the %s) sent its next XAUTH message (frame %d) only %s after the client's answer to its request for the user's credentials (frame %d), with nothing from the client between, while the SA's other answers took at most %s: it held the credentials that long before giving its verdict.",
					who, h.answer.Frame, secs(h.gap), req.Frame, roundTrip(h.usual)),
				"The gateway checks XAUTH credentials with its backend (a RADIUS server, LDAP, PAM) and answers when that answers or its own timeout runs out: "+radiusSilent+"; or a one-time password or multi-factor check that waits for the user.",
				backendNext("gateway", h.answer.Frame, "", "")).where(SettingUsers))
			continue
		}
		summary := fmt.Sprintf("The %s answered the %s of frame %d only after %s: the %s sent it %d times (frames %s), and the answer (frame %d) came %s after the last copy, while the SA's other answers took at most %s. The %s held the request that long; it was not lost on the way.",
			who, req.Step, req.Frame, secs(h.wait), side(req.FromInitiator), len(h.copies), joinInts(framesOf(h.copies)), h.answer.Frame, secs(h.gap), roundTrip(h.usual), who)
		var cause string
		eap := req.skFirst == decode.PayloadEAP || h.answer.skFirst == decode.PayloadEAP || req.innerEAP || h.answer.innerEAP
		switch {
		case req.ExchangeType == decode.ExchangeIKEAuth && eap:
			cause = "The gateway hands the client's EAP to its authentication backend (a RADIUS server, or the LDAP or Active Directory behind it) and answers only when that answers or its own timeout runs out: " + radiusSilent + "; or a multi-factor push that waits for the user to approve."
		case req.ExchangeType == decode.ExchangeIKEAuth:
			cause = "Before it answers IKE_AUTH the responder checks the peer's identity and certificate: a revocation check (a CRL download or an OCSP request to a server that does not answer), an LDAP or RADIUS lookup, or a DNS lookup waits for its timeout."
		default:
			cause = fmt.Sprintf("The %s was busy or waited on something before answering: an overloaded gateway, SAs slow to install in its kernel or crypto hardware, or a lookup (RADIUS, LDAP, DNS) that waits for its timeout.", who)
		}
		next := backendNext(who, h.answer.Frame, ", or the CRL and OCSP fetches", " (a strongSwan client gives up after about 165 s by default)")
		if req.ExchangeType != decode.ExchangeIKEAuth {
			next = fmt.Sprintf("Look in the %s's log at the time of frame %d for what held the request (its load and CPU, the number of SAs it was setting up, the kernel installing SAs, a lookup), and at its other answers for comparison.", who, h.answer.Frame)
		}
		out = append(out, s.newFinding(CodeSlowResponse, Warning, req.Step.String(), frames, h.answer.Time, summary, cause, next))
	}
	return out
}

// radiusSilent is how a RADIUS server leaves a gateway waiting.
const radiusSilent = "a RADIUS server that is down or unreachable from the gateway, or that silently drops its requests (as a RADIUS server does with a client it does not know or a shared secret that does not match)"

// backendNext is what to check when a side held its answer waiting on a backend: its
// log at the time of the answer (and, in more, what else it may have fetched), the
// backend's reach and timeouts (against the clients' patience, in wait).
func backendNext(who string, frame int, more, wait string) string {
	return fmt.Sprintf("Look in the %s's log at the time of frame %d for what it waited on (strongSwan logs 'retransmit 1 of RADIUS Access-Request' and 'RADIUS Access-Request timed out'%s), check that the backend is reachable from the gateway and knows it (its RADIUS client entry and shared secret), and keep the backend's timeouts, every retry together, well under the time clients wait%s.", who, frame, more, wait)
}

// roundTrip says a short duration in milliseconds, a longer one as secs does.
func roundTrip(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", max(d.Round(time.Millisecond).Milliseconds(), 1))
	}
	return secs(d)
}

package analyze

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/ikescope/ikescope/decode"
)

// IKE over TCP (RFC 8229, RFC 9329): messages that came in a TCP stream are analysed as
// those in UDP datagrams; what happens to the connection itself (a reset, a close, bytes
// that are not IKE) is recorded on the session it carried, or kept for the findings of
// the whole capture when it carried none.

// tcpEvent is a stream event as a session keeps it.
type tcpEvent struct {
	ev             decode.StreamEventType
	byInit         bool // sent by the initiator's side of the connection
	byClient       bool // sent by the side that opened the connection
	by             string
	client, server netip.AddrPort
	t              time.Time
	ref            int
	pending        int
	offset         int
	msgs           int
}

// addStream takes an IKE-over-TCP connection's event. Only the first end of a
// connection counts (a FIN answers a FIN, a close follows bytes that are not IKE).
func (a *Analyzer) addStream(m *decode.Message) {
	e := m.Stream
	if e == nil || e.Event == decode.StreamOpened {
		return
	}
	ev := tcpEvent{ev: e.Event, by: e.By.Addr().String(), byClient: e.By == m.Src, client: m.Src, server: m.Dst,
		t: m.Time, ref: m.Frame, pending: e.Pending, offset: e.Offset, msgs: e.Messages}
	ended := func(evs []tcpEvent) bool {
		return slices.ContainsFunc(evs, func(o tcpEvent) bool { return o.client == ev.client && o.server == ev.server })
	}
	if s := a.latestFor(m.Src.Addr(), m.Dst.Addr()); s != nil && e.Messages > 0 && s.TCP {
		if r := s.more(); !ended(r.tcpEvents) {
			ev.byInit = e.By.Addr() == s.Initiator.Addr()
			r.tcpEvents = append(r.tcpEvents, ev)
		}
		return
	}
	if len(a.tcpLoose) < 100 && !ended(a.tcpLoose) {
		a.tcpLoose = append(a.tcpLoose, ev)
	}
}

// tcpFindings are the findings about the TCP connection that carried a session's IKE.
func (s *Session) tcpFindings() []Finding {
	if s.rare == nil {
		return nil
	}
	var out []Finding
	for _, ev := range s.rare.tcpEvents {
		who := side(ev.byInit)
		switch ev.ev {
		case decode.StreamReset, decode.StreamClosed:
			what := "reset (RST)"
			if ev.ev == decode.StreamClosed {
				what = "closed (FIN)"
			}
			pending := s.unanswered()
			// With one side unseen, its answers, and so whether the SA came up, are not
			// in the capture: only a message cut short by the close says something.
			unseen := s.unseen != unseenNone
			switch {
			case ev.pending > 0 || !unseen && (!s.Established || len(pending) > 0):
				step := ""
				if len(pending) > 0 && !unseen {
					step = fmt.Sprintf(" with the %s unanswered", s.requestName(pending[0].first))
				}
				part := ""
				if ev.pending > 0 {
					part = fmt.Sprintf(", %d bytes into a message it never finished", ev.pending)
				}
				out = append(out, s.newFinding(CodeTCPClosed, Error, "TCP", []int{ev.ref}, ev.t,
					fmt.Sprintf("The TCP connection that carried this negotiation was %s by the %s (%s) after %d IKE messages%s%s.", what, who, ev.by, ev.msgs, step, part),
					"IKE over TCP (RFC 8229) lives and dies with its connection: the "+who+" gave up on it, its IKE daemon does not accept IKE over TCP on this port (it accepts the connection, then drops it), or a firewall, proxy or load balancer on the path cut it (idle timeout, TCP inspection).",
					"Check that both gateways enable IKE over TCP on the same port (strongSwan: the charon-tkm/tcp options; libreswan: enable-tcp and tcp-remoteport; vendors: 'IKE over TCP' / 'TCP encapsulation'), read the "+who+"'s log at the time of the "+what+", and look for middleboxes that terminate or time out TCP on that port."))
			case ev.ev == decode.StreamReset && !s.deletedSA():
				out = append(out, s.newFinding(CodeTCPClosed, Warning, "TCP", []int{ev.ref}, ev.t,
					fmt.Sprintf("The TCP connection that carried the established IKE SA was reset by the %s (%s) without a Delete.", who, ev.by),
					"The SA loses its transport: liveness checks, rekeys and (with ESP in TCP) the tunnel's traffic stop until the initiator opens a new connection (RFC 8229 section 6); a middlebox with an idle timeout shorter than the DPD interval is the usual cause.",
					"Check for a new connection from the initiator after this; shorten the DPD interval below the idle timeout of firewalls and NATs on the path."))
			}
		case decode.StreamNotIKE:
			out = append(out, s.newFinding(CodeTCPNotIKE, Error, "TCP", []int{ev.ref}, ev.t,
				fmt.Sprintf("The TCP connection that carried this negotiation holds bytes from %s (%s) that are not RFC 8229 frames, at offset %d.", who, ev.by, ev.offset),
				tcpNotIKECause, tcpNotIKENext))
		}
	}
	return out
}

const (
	tcpNotIKECause = "Something other than IKE over TCP answered or wrote on the connection: a TLS-inspecting proxy or load balancer, another service on that port, or a vendor's own TCP encapsulation (RFC 8229 framing is a 2-byte length, then IKE after four zero bytes or ESP)."
	tcpNotIKENext  = "Check what listens on the port at the responder (ss -tlnp), whether a proxy sits on the path, and that both sides use RFC 8229 encapsulation on the same port."
)

// deletedSA reports whether a Delete of the IKE SA was seen.
func (s *Session) deletedSA() bool {
	return slices.ContainsFunc(s.Timeline, func(e Event) bool { return e.Kind == EventDeleted })
}

// tcpGlobal are the findings about IKE-over-TCP connections that carried no IKE.
func (a *Analyzer) tcpGlobal() []Finding {
	var out []Finding
	for _, ev := range a.tcpLoose {
		peers := ev.client.String() + " → " + ev.server.String()
		switch ev.ev {
		case decode.StreamReset, decode.StreamClosed:
			what := "reset"
			if ev.ev == decode.StreamClosed {
				what = "closed"
			}
			who, cause := "the responder", "The responder accepts TCP on the port but does not run IKE over TCP there (libreswan without enable-tcp, a daemon built without it, or a kernel without ESP-in-TCP support: libreswan logs 'setsockopt(SOL_TCP, TCP_ULP) failed' when the kernel lacks espintcp), or a firewall or proxy cut the connection."
			if ev.byClient {
				who, cause = "the initiator itself", "The initiator opened the connection and gave up before sending IKE: its own IKE over TCP failed (libreswan needs the kernel's espintcp module and logs 'setsockopt(SOL_TCP, TCP_ULP) failed' without it), or it could not send on the connection."
			}
			out = append(out, Finding{Code: CodeTCPClosed, Severity: Error, Peers: peers, Exchange: "TCP", Frames: []int{ev.ref}, Time: ev.t,
				Summary: fmt.Sprintf("A connection for IKE over TCP (%s) was %s by %s (%s) before any IKE message went through it.", peers, what, who, ev.by),
				Cause:   cause,
				Next:    "Read both gateways' logs at this time; enable IKE over TCP on both sides on this port (libreswan: enable-tcp=yes or fallback and tcp-remoteport, on a kernel with espintcp; strongSwan needs its TCP encapsulation support), or let the initiator fall back to UDP 500/4500."})
		case decode.StreamNotIKE, decode.StreamNoPrefix:
			sum := fmt.Sprintf("A TCP connection for IKE over TCP (%s) carries bytes from %s that are not RFC 8229 frames, at offset %d.", peers, ev.by, ev.offset)
			sev := Error
			if ev.ev == decode.StreamNoPrefix {
				sum = fmt.Sprintf("A TCP connection to the IKE-over-TCP port (%s) does not begin with the IKETCP prefix.", peers)
				sev = Warning
			}
			out = append(out, Finding{Code: CodeTCPNotIKE, Severity: sev, Peers: peers, Exchange: "TCP", Frames: []int{ev.ref}, Time: ev.t,
				Summary: sum, Cause: tcpNotIKECause, Next: tcpNotIKENext})
		}
	}
	return out
}

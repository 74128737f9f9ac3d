package analyze

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ikescope/ikescope/decode"
)

// A tunnel's life is a timeline: up, IPsec SAs created and rekeyed, liveness checks,
// deleted by whom, or rekeyed into a successor IKE SA.

// EventKind says what happened to an SA.
type EventKind string

// Lifecycle events.
const (
	EventUp           EventKind = "up"            // the IKE SA's negotiation completed
	EventChildUp      EventKind = "child-up"      // an IPsec SA (CHILD_SA) was created
	EventChildRekeyed EventKind = "child-rekeyed" // an IPsec SA was replaced by a new one
	EventChildRefused EventKind = "child-refused" // a CHILD_SA request was refused
	EventRekeyed      EventKind = "rekeyed"       // the IKE SA was rekeyed into a successor
	EventRekeyedFrom  EventKind = "rekeyed-from"  // this IKE SA replaced a predecessor
	EventDPD          EventKind = "dpd"           // a liveness check
	EventDeleted      EventKind = "deleted"       // a Delete
	EventUserAuth     EventKind = "user-auth"     // XAUTH's or EAP's verdict on the user (with keys)
	EventAddress      EventKind = "address"       // the gateway's answer to a request for a virtual IP (with keys)
	EventMoved        EventKind = "moved"         // a side's IKE messages came from another address (MOBIKE, NAT)
	EventReauthFrom   EventKind = "reauth-from"   // this IKE SA replaced another by a reauthentication
)

// Event is one moment in an SA's life.
type Event struct {
	Time    time.Time `json:"time"`
	Frame   int       `json:"frame"`
	Kind    EventKind `json:"kind"`
	By      string    `json:"by,omitempty"`      // "initiator" or "responder"
	Session int       `json:"session,omitempty"` // the other IKE SA of a rekey
	Detail  string    `json:"detail,omitempty"`
}

// linkPredecessor ties a new IKE SA to the one it rekeys: exactly, by the SPIs a
// decrypted CREATE_CHILD_SA named; without keys, an IKEv2 SA whose first message is not
// IKE_SA_INIT (a rekeyed IKE SA begins with no IKE_SA_INIT of its own, RFC 7296 2.18)
// continues the latest SA between the same peers that ran a CREATE_CHILD_SA and then
// only INFORMATIONAL exchanges (the Delete of the old SA).
func (a *Analyzer) linkPredecessor(s *Session, m *decode.Message, x *decode.ISAKMP) {
	if o := a.ikeRekey[s.InitiatorSPI]; o != nil && o != s && o.successor == nil {
		a.link(o, s)
		return
	}
	if !x.IsV2() || x.ExchangeType == decode.ExchangeIKESAInit {
		return
	}
	list := a.byPeers[pairOf(m.Src.Addr(), m.Dst.Addr())]
	for i := len(list) - 1; i >= 0; i-- {
		o := list[i]
		if o == s || o.Version != 2 || o.successor != nil || o.dropped {
			continue
		}
		if t, ok := o.lastIKERekeyCandidate(); ok && !t.After(m.Time) {
			a.link(o, s)
			s.RolesKnown = true
		}
		return
	}
}

// link makes s the IKE SA that rekeyed o. An o finished already (the new SA quiet for
// longer than the idle timeout before its first message of its own) is evaluated again:
// its last CREATE_CHILD_SA rekeyed the IKE SA, not a CHILD_SA, and its Delete ended the
// old IKE SA, not the tunnel.
func (a *Analyzer) link(o, s *Session) {
	o.successor, s.predecessor = s, o
	if o.closed && !o.dropped {
		a.refresh(o, true)
	}
}

// lastIKERekeyCandidate reports whether the SA's latest exchanges are an answered
// CREATE_CHILD_SA followed by INFORMATIONALs only, and when that CREATE_CHILD_SA was.
func (s *Session) lastIKERekeyCandidate() (time.Time, bool) {
	for i := len(s.Exchanges) - 1; i >= 0; i-- {
		ex := s.Exchanges[i]
		switch ex.Type {
		case decode.ExchangeInformational:
			continue
		case decode.ExchangeCreateChildSA:
			if ex.Complete {
				return ex.Last, true
			}
		}
		return time.Time{}, false
	}
	return time.Time{}, false
}

// timeline lists the SA's life in order.
func (s *Session) timeline() []Event {
	out := s.events()
	for i := range out {
		out[i].Frame = refFrame(out[i].Frame) // the number in its own capture
	}
	return out
}

// espBeforeChildren reports whether ESP of the session shows an IPsec SA older than
// every IPsec SA negotiation in the capture: numbered past its start, or sent before the
// first Quick Mode or CREATE_CHILD_SA. Without it, a capture that began after Phase 1
// shows its first Quick Mode making the first IPsec SA, not replacing one.
func (s *Session) espBeforeChildren() bool {
	var first time.Time
	for _, m := range s.Messages {
		if m.ExchangeType == decode.ExchangeQuickMode || m.v2 && m.ExchangeType == decode.ExchangeCreateChildSA {
			first = m.Time
			break
		}
	}
	return slices.ContainsFunc(s.ESP, func(f *ESPFlow) bool {
		return f.FirstSeq > FreshSeq || first.IsZero() || f.First.Before(first)
	})
}

func (s *Session) events() []Event {
	var out []Event
	if s.Reauthenticates > 0 {
		out = append(out, Event{Time: s.First, Frame: s.firstFrame(), Kind: EventReauthFrom, Session: s.Reauthenticates})
	}
	children := 0
	if p := s.predecessor; p != nil {
		// The IKE SA came into being with the old one's CREATE_CHILD_SA answer, and took
		// over its CHILD_SAs (RFC 7296 2.18): their next negotiation here is a rekey.
		at, frame := s.First, s.firstFrame()
		if m := p.lastCreateChild(); m != nil && !m.Time.After(s.First) {
			at, frame = m.Time, m.Frame
		}
		if p.Phase2Done > 0 {
			children++
		}
		out = append(out, Event{Time: at, Frame: frame, Kind: EventRekeyedFrom, Session: p.ID,
			Detail: s.predecessor.InitiatorSPI.String() + "/" + s.predecessor.ResponderSPI.String() + " -> " + s.InitiatorSPI.String() + "/" + s.ResponderSPI.String()})
	}
	if s.Established && (s.Reached == StepMM6 || s.Reached == StepAM3 || s.Reached == StepIKEAuthResponse) {
		out = append(out, Event{Time: s.establishedAt, Frame: s.establishedFrame, Kind: EventUp})
	}
	var refused []Event // IKEv1 Quick Modes answered with an Informational
	if s.Version == 1 {
		refused = s.quickModeRefusals()
	}
	if children == 0 && s.childFromBefore() && s.espBeforeChildren() {
		// A CHILD_SA was up before the capture began (its ESP shows it): the next
		// negotiation followed by a Delete is its rekey.
		children++
	}
	if s.Version == 2 && s.Established && s.Reached == StepIKEAuthResponse && s.authCarriesChild(s.lastAuthResponse()) {
		children++
		out = append(out, Event{Time: s.establishedAt, Frame: s.establishedFrame, Kind: EventChildUp, By: "initiator"})
	}
	for _, m := range s.Messages {
		if m.Retransmit > 0 || m.laterFragment {
			continue
		}
		by := side(m.FromInitiator)
		switch {
		case !m.v2 && m.Step == StepQM3:
			kind := EventChildUp
			if children > 0 && s.deleteFollows(m) {
				kind = EventChildRekeyed
			}
			children++
			out = append(out, Event{Time: m.Time, Frame: m.Frame, Kind: kind, By: side(m.exchange.ByInitiator)})
		case m.v2 && m.ExchangeType == decode.ExchangeCreateChildSA && m.Response:
			by = side(!m.FromInitiator) // who asked
			switch {
			case childRefused(m):
				out = append(out, Event{Time: m.Time, Frame: m.Frame, Kind: EventChildRefused, By: by, Detail: errorNotifyName(m)})
			case s.successor != nil && s.isLastCreateChild(m):
				out = append(out, Event{Time: m.Time, Frame: m.Frame, Kind: EventRekeyed, By: by, Session: s.successor.ID,
					Detail: s.InitiatorSPI.String() + "/" + s.ResponderSPI.String() + " -> " + s.successor.InitiatorSPI.String() + "/" + s.successor.ResponderSPI.String()})
			case s.rekeyedAway && s.isLastCreateChild(m):
				out = append(out, Event{Time: m.Time, Frame: m.Frame, Kind: EventRekeyed, By: by,
					Detail: "the new IKE SA sent nothing of its own in the capture; the CHILD_SAs' ESP went on after the old one's Delete"})
			case children > 0 && s.deleteFollows(m):
				children++
				out = append(out, Event{Time: m.Time, Frame: m.Frame, Kind: EventChildRekeyed, By: by})
			default:
				children++
				out = append(out, Event{Time: m.Time, Frame: m.Frame, Kind: EventChildUp, By: by})
			}
		case m.v2 && m.ExchangeType == decode.ExchangeInformational && !m.Response && m.hasSK && m.skFirst == decode.PayloadNone,
			m.v2 && m.ExchangeType == decode.ExchangeInformational && !m.Response && m.Decrypted && len(m.Inner) == 0:
			detail := ""
			if s.rare != nil && slices.ContainsFunc(s.rare.moves, func(mv addrMove) bool { return mv.frame == m.Frame }) {
				// The first message from a new address: MOBIKE checks the path first (RFC 4555 3.5).
				detail = "from its new address, a path check (MOBIKE)"
			}
			out = append(out, Event{Time: m.Time, Frame: m.Frame, Kind: EventDPD, By: by, Detail: detail})
		case !m.v2 && hasDPD(m):
			out = append(out, Event{Time: m.Time, Frame: m.Frame, Kind: EventDPD, By: by})
		case m.ra != nil && m.ra.verdict() != "":
			out = append(out, Event{Time: m.Time, Frame: m.Frame, Kind: EventUserAuth, By: by, Detail: m.ra.verdict()})
		case m.ra != nil && !m.FromInitiator && (len(m.ra.addrs) > 0 || s.askedBefore(m)):
			detail := "none"
			if len(m.ra.addrs) > 0 {
				var addrs []string
				for _, a := range m.ra.addrs {
					addrs = append(addrs, a.String())
				}
				detail = strings.Join(addrs, ", ")
			}
			out = append(out, Event{Time: m.Time, Frame: m.Frame, Kind: EventAddress, By: by, Detail: detail})
		case !m.v2 && !s.espAfter(m.Time) && s.deleteV1(m, refused):
			// Encrypted, not answered, not an answer, and the SA carries nothing after
			// it: most likely the Delete that ends it (of which SA is not known).
			out = append(out, Event{Time: m.Time, Frame: m.Frame, Kind: EventDeleted, By: by})
		case len(m.deletes) > 0 || m.v2 && m.ExchangeType == decode.ExchangeInformational && !m.Response && !m.Decrypted && m.hasSK && m.skFirst == decode.PayloadDelete:
			detail := ""
			for _, d := range m.deletes {
				detail = decode.ProtocolName(m.v2, d.Protocol) + " " + spiList(d.SPIs)
			}
			if len(m.deletes) == 0 && m.v2 {
				detail = s.encryptedDeleteTarget(m)
			}
			out = append(out, Event{Time: m.Time, Frame: m.Frame, Kind: EventDeleted, By: by, Detail: detail})
		}
	}
	out = append(out, refused...)
	for _, mv := range s.settledMoves() {
		out = append(out, Event{Time: mv.at, Frame: mv.frame, Kind: EventMoved, By: side(mv.initiator), Detail: mv.from.String() + " -> " + mv.to.String()})
	}
	// In order of time: the IKE SA is up at its last IKE_AUTH answer, after the user
	// was authenticated in the rounds before it.
	slices.SortStableFunc(out, func(a, b Event) int { return a.Time.Compare(b.Time) })
	return out
}

// quickModeRefusals are the IKEv1 Quick Modes the responder answered with an
// Informational instead of QM2 (RFC 2409 5.5: an error notification, NO-PROPOSAL-CHOSEN
// or INVALID-ID-INFORMATION, which phase2-stalled reads): one event at the first such
// Informational after QM1. A decrypted one names its notification; an encrypted one counts
// when it is not a liveness check answered at once.
func (s *Session) quickModeRefusals() []Event {
	var out []Event
	for _, p := range s.unanswered() {
		if p.first.Step != StepQM1 {
			continue
		}
		for _, m := range s.answeredElsewhere(p) {
			if m.Decrypted && !hasErrorNotify(m) || !m.Decrypted && !s.deleteLike(m) {
				continue
			}
			out = append(out, Event{Time: m.Time, Frame: m.Frame, Kind: EventChildRefused, By: side(p.first.FromInitiator), Detail: errorNotifyName(m)})
			break
		}
	}
	return out
}

// deleteV1 reports whether an IKEv1 message reads as an encrypted Delete: an
// Informational of the SA once up, after which the SA has no other exchange, not
// answered, not itself an answer, not a Quick Mode's refusal (refused, from
// quickModeRefusals), not one of a train of liveness checks. The cheap tests come first:
// a gateway's SA may hold hours of liveness checks.
func (s *Session) deleteV1(m *Msg, refused []Event) bool {
	if m.v2 || m.ExchangeType != decode.ExchangeInformationalV1 || !m.Encrypted || m.Decrypted || !s.Established || !m.Time.After(s.establishedAt) ||
		slices.ContainsFunc(refused, func(e Event) bool { return e.Frame == m.Frame }) ||
		slices.ContainsFunc(s.Messages, func(o *Msg) bool { return o.Time.After(m.Time) && o.ExchangeType != decode.ExchangeInformationalV1 }) ||
		!s.deleteLike(m) || s.answersInformational(m) || s.likeAnsweredProbe(m) {
		return false
	}
	// Deletes come together (the IPsec SAs' and the ISAKMP SA's within a second); one
	// alone is a Delete only if no other like it came a second or more apart (liveness
	// checks going unanswered) and the capture shows it went unanswered for a while.
	return s.deleteBurst(m) || !s.probeTrain(m) && slices.ContainsFunc(s.Messages, func(o *Msg) bool { return o.Time.Sub(m.Time) >= 2*time.Second })
}

// deleteBurst reports whether another encrypted Informational of the same sender that
// the other side does not answer came within a second of m.
func (s *Session) deleteBurst(m *Msg) bool {
	return slices.ContainsFunc(s.Messages, func(o *Msg) bool {
		return o != m && o.FromInitiator == m.FromInitiator && o.ExchangeType == decode.ExchangeInformationalV1 && o.Encrypted &&
			o.Time.Sub(m.Time).Abs() < time.Second && s.deleteLike(o)
	})
}

// likeAnsweredProbe reports whether an IKEv1 Informational has the size of one its
// sender sent before and the other side acknowledged at once: the next liveness check
// (RFC 3706 R-U-THERE), not a Delete, however it fares.
func (s *Session) likeAnsweredProbe(m *Msg) bool {
	return slices.ContainsFunc(s.Messages, func(o *Msg) bool {
		return o != m && o.Time.Before(m.Time) && o.FromInitiator == m.FromInitiator && o.ExchangeType == decode.ExchangeInformationalV1 &&
			o.Size == m.Size && !s.deleteLike(o)
	})
}

// answersInformational reports whether an IKEv1 Informational follows one of the other
// side's within two seconds: an acknowledgement (a liveness check's R-U-THERE-ACK, RFC
// 3706 5.3), not a message of its own.
func (s *Session) answersInformational(m *Msg) bool {
	return slices.ContainsFunc(s.Messages, func(o *Msg) bool {
		return o.FromInitiator != m.FromInitiator && o.ExchangeType == decode.ExchangeInformationalV1 && !o.Time.After(m.Time) && m.Time.Sub(o.Time) < 2*time.Second
	})
}

// probeTrain reports whether an IKEv1 encrypted Informational is one of a train its
// sender repeats, the same size, a second or more apart with nothing from it between:
// liveness checks (R-U-THERE, RFC 3706) going unanswered, at whatever interval the
// sender checks. A Delete is not sent again: the SA it names is gone.
func (s *Session) probeTrain(m *Msg) bool {
	for _, o := range s.Messages {
		if o == m || o.FromInitiator != m.FromInitiator || o.ExchangeType != decode.ExchangeInformationalV1 || !o.Encrypted || o.Size != m.Size || !s.deleteLike(o) {
			continue // (a liveness check that was answered is no part of a train)
		}
		if o.Time.Sub(m.Time).Abs() < time.Second {
			continue
		}
		lo, hi := o.Time, m.Time
		if hi.Before(lo) {
			lo, hi = hi, lo
		}
		if !slices.ContainsFunc(s.Messages, func(x *Msg) bool {
			return x.FromInitiator == m.FromInitiator && x.ExchangeType != decode.ExchangeInformationalV1 && x.Time.After(lo) && x.Time.Before(hi)
		}) {
			return true
		}
	}
	return false
}

// acknowledgedAtOnce reports whether an IKEv1 Informational was answered as a liveness
// check is (RFC 3706 5.3): the other side's next message is an Informational, within two
// seconds, and the sender sent nothing in between that it could answer instead.
func (s *Session) acknowledgedAtOnce(m *Msg) bool {
	for _, o := range s.Messages {
		if o == m || o.Time.Before(m.Time) || o.Retransmit > 0 {
			continue
		}
		if o.FromInitiator == m.FromInitiator {
			return false
		}
		return o.ExchangeType == decode.ExchangeInformationalV1 && o.Time.Sub(m.Time) < 2*time.Second
	}
	return false
}

// errorNotifyName is the name of the message's first error notification; "" when it
// has none the capture can read.
func errorNotifyName(m *Msg) string {
	for _, n := range m.Notifies {
		if n.Error {
			return decode.NotifyName(m.v2, n.Type)
		}
	}
	return ""
}

// deleteFollows tells a rekey from an additional IPsec SA: a rekey deletes the old SA
// once the new one is up (RFC 7296 2.8, RFC 2409 and every implementation), so a Delete
// comes after the new SA's negotiation and before the next one; an additional SA has
// none, and old and new SPIs go on carrying traffic side by side.
func (s *Session) deleteFollows(created *Msg) bool {
	if s.sideBySide(created) {
		return false
	}
	after := false
	for _, m := range s.Messages {
		if m == created {
			after = true
			continue
		}
		if !after || m.Retransmit > 0 {
			continue
		}
		switch {
		case !m.v2 && m.Step == StepQM3, m.v2 && m.ExchangeType == decode.ExchangeCreateChildSA && m.Response:
			return false // the next negotiation came first
		case s.deleteLike(m):
			return true
		}
	}
	return false
}

// sideBySide reports whether ESP that began before an IPsec SA negotiation goes on,
// from the same sender, well after the first ESP that began after it: two SAs in use at
// once, an additional SA rather than a rekey (a rekeying sender moves its traffic to
// the new SA at once; only its inbound old SA lingers).
func (s *Session) sideBySide(created *Msg) bool {
	const drain = 2 * time.Second
	for _, nf := range s.ESP {
		if nf.First.Before(created.Time) {
			continue
		}
		for _, of := range s.ESP {
			if of.Src.Addr() == nf.Src.Addr() && of.First.Before(created.Time) && of.Last.Sub(nf.First) > drain {
				return true
			}
		}
	}
	return false
}

// deleteLike reports whether a message carries a Delete: decrypted, by its payload; an
// IKEv2 INFORMATIONAL request by the payload its SK payload begins with; an IKEv1
// encrypted Informational that the other side does not answer at once (a Dead Peer
// Detection R-U-THERE is acknowledged at once, RFC 3706 5.3; a Delete is not answered).
func (s *Session) deleteLike(m *Msg) bool {
	switch {
	case len(m.deletes) > 0:
		return true
	case m.Decrypted:
		return false
	case m.v2:
		return m.ExchangeType == decode.ExchangeInformational && !m.Response && m.hasSK && m.skFirst == decode.PayloadDelete
	case m.ExchangeType != decode.ExchangeInformationalV1 || !m.Encrypted:
		return false
	}
	return !s.acknowledgedAtOnce(m)
}

func hasDPD(m *Msg) bool {
	for _, n := range m.Notifies {
		if n.Type == decode.NotifyRUThere {
			return true
		}
	}
	return false
}

func (s *Session) firstFrame() int {
	if len(s.Messages) == 0 {
		return 0
	}
	return s.Messages[0].Frame
}

func (s *Session) lastAuthResponse() *Msg {
	var last *Msg
	for _, m := range s.Messages {
		if m.ExchangeType == decode.ExchangeIKEAuth && m.Response && m.Retransmit == 0 && !m.laterFragment {
			last = m
		}
	}
	return last
}

// isLastCreateChild reports whether m answers the session's last CREATE_CHILD_SA.
func (s *Session) isLastCreateChild(m *Msg) bool {
	return s.lastCreateChild() == m
}

// lastCreateChild is the SA's latest CREATE_CHILD_SA answer (its first copy); nil when
// it has none.
func (s *Session) lastCreateChild() *Msg {
	for i := len(s.Messages) - 1; i >= 0; i-- {
		o := s.Messages[i]
		if o.v2 && o.ExchangeType == decode.ExchangeCreateChildSA && o.Response && o.Retransmit == 0 {
			return o
		}
	}
	return nil
}

// rekeyedUnseen reports whether m, the SA's last CREATE_CHILD_SA answer (derive asks
// once and keeps it in rekeyedAway), rekeyed the
// IKE SA into one that sent nothing in the capture: the IKE SA's Delete follows (an
// encrypted INFORMATIONAL answered empty, or one that names the IKE SA), and ESP of
// the SA's CHILD_SAs goes on more than a second after it. Deleting an IKE SA closes
// its CHILD_SAs (RFC 7296 1.4.1); only a rekey moves them to another (2.18).
func (s *Session) rekeyedUnseen(m *Msg) bool {
	var del *Msg
	for _, o := range s.Messages {
		if o.Time.Before(m.Time) || o.Response || o.Retransmit > 0 || !o.v2 || o.ExchangeType != decode.ExchangeInformational {
			continue
		}
		// Protocol ID 1: IKE (RFC 7296 3.3.1).
		if slices.ContainsFunc(o.deletes, func(d deleteInfo) bool { return d.Protocol == 1 }) ||
			len(o.deletes) == 0 && !o.Decrypted && o.hasSK && o.skFirst == decode.PayloadDelete && strings.HasPrefix(s.encryptedDeleteTarget(o), "the IKE SA") {
			del = o
			break
		}
	}
	if del == nil {
		return false
	}
	return slices.ContainsFunc(s.ESP, func(f *ESPFlow) bool { return f.Last.Sub(del.Time) > time.Second })
}

// lifecycleText sums the timeline up for the state line: "CHILD_SA rekeyed 2 times,
// rekeyed into session 4", "then deleted by the responder".
func (s *Session) lifecycleText() string {
	rekeys, lastDelete, childDeletes := 0, "", 0
	var last EventKind
	for _, e := range s.Timeline {
		switch e.Kind {
		case EventChildRekeyed:
			rekeys++
		case EventDeleted:
			lastDelete = e.By
			// Decrypted (ESP/AH and its SPIs) or read from the answer's shape: the
			// Deletes at the end that ended IPsec SAs only.
			if deletesChild(e.Detail) {
				childDeletes++
			} else {
				childDeletes = 0
			}
		}
		if e.Kind == EventMoved {
			continue // where the IKE messages come from, not what the SA went through
		}
		if e.Kind != EventDeleted && e.Kind != EventDPD {
			childDeletes = 0
		}
		last = e.Kind
	}
	var parts []string
	if rekeys > 0 {
		name := "IPsec SA"
		if s.Version == 2 {
			name = "CHILD_SA"
		}
		parts = append(parts, fmt.Sprintf("%s rekeyed %s", name, times(rekeys)))
	}
	switch {
	case s.successor != nil:
		parts = append(parts, fmt.Sprintf("IKE SA rekeyed into session %d", s.successor.ID))
	case slices.ContainsFunc(s.Timeline, func(e Event) bool { return e.Kind == EventRekeyed }):
		parts = append(parts, "IKE SA rekeyed (the new SA silent in the capture)")
	case s.ReauthenticatedBy > 0:
		parts = append(parts, fmt.Sprintf("then replaced by session %d (reauthentication)", s.ReauthenticatedBy))
	case last == EventDeleted && childDeletes > 0:
		name := "IPsec SA"
		if s.Version == 2 {
			name = "CHILD_SA"
		}
		what := "an " + name
		switch {
		case childDeletes > 1:
			what = fmt.Sprintf("%d %ss", childDeletes, name)
		case s.Version == 2:
			what = "a " + name
		}
		parts = append(parts, "then "+what+" deleted by the "+lastDelete)
	case last == EventDeleted:
		parts = append(parts, "then deleted by the "+lastDelete)
	}
	out := ""
	for i, p := range parts {
		if i > 0 {
			out += ", "
		}
		out += p
	}
	return out
}

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

// verdict says what a message decides of the user: XAUTH's status, EAP's Success or
// Failure, an MS-CHAPv2 Failure; "" for any other.
func (r *raMsg) verdict() string {
	switch {
	case r.xauthStatus == 1:
		return "XAUTH: OK"
	case r.xauthStatus == 0:
		return "XAUTH: FAIL"
	case r.eap == nil:
		return ""
	case r.eap.code == decode.EAPSuccess:
		return "EAP Success"
	case r.eap.code == decode.EAPFailure:
		return "EAP Failure"
	case r.eap.code == decode.EAPRequest && r.eap.op == decode.MSCHAPv2Failure:
		return "MS-CHAPv2 Failure"
	}
	return ""
}

// askedBefore reports whether the other side asked for an address in a configuration
// request that m answers (a reply without one is worth a line).
func (s *Session) askedBefore(m *Msg) bool {
	if m.ra.cfg != decode.CFGReply {
		return false
	}
	for _, o := range s.Messages {
		if o == m {
			break
		}
		if o.ra != nil && o.ra.asksAddr && o.FromInitiator != m.FromInitiator {
			return true
		}
	}
	return false
}

package analyze

import (
	"time"

	"github.com/ikescope/ikescope/decode"
)

// saState is how far an IKE SA has come, as its messages say: whether it is up, since
// when, and how many IPsec SAs (CHILD_SAs) were created under it. advance moves it on by
// one message; the session's state is the fold of advance over its messages, so it is
// the same however often it is derived and whatever was guessed before.
type saState struct {
	established bool
	at          time.Time // when it came up
	frame       int
	children    int

	sawPhase1 bool // IKEv1: a Main or Aggressive Mode message was seen
	sawAuth   bool // IKEv2: an IKE_AUTH message was seen
	// IKEv2: the IKE_AUTH answer that brought the SA up, while no further IKE_AUTH
	// round has begun (EAP runs several rounds; only the last one's answer counts).
	byAuth    *Msg
	authChild bool // that answer created a CHILD_SA
}

func (st saState) up(m *Msg) saState {
	if !st.established {
		st.established, st.at, st.frame = true, m.Time, m.Frame
	}
	return st
}

// advance is the state after one more message. carriesChild says whether an IKE_AUTH
// answer that accepts the SA also created a CHILD_SA (it depends on the negotiated
// algorithms' overhead).
//
//   - IKEv1 (RFC 2409): Main Mode is up with MM6, Aggressive Mode with AM3; a Quick Mode
//     runs only under an ISAKMP SA that is up, and creates IPsec SAs with QM3; an
//     encrypted Informational in a capture that saw no Phase 1 shows an SA already up.
//   - IKEv2 (RFC 7296): an IKE_AUTH answer that accepts (authResult) brings the SA up
//     unless another IKE_AUTH round follows; an answered CREATE_CHILD_SA, or an
//     INFORMATIONAL in a capture that saw no IKE_AUTH, shows an SA already up; answered
//     CREATE_CHILD_SAs that were not refused create CHILD_SAs.
func advance(st saState, m *Msg, carriesChild func(*Msg) bool) saState {
	if m.Retransmit > 0 || m.laterFragment {
		return st
	}
	if !m.v2 {
		switch {
		case numberedFromInitiator(m.ExchangeType):
			if !st.sawPhase1 && st.established && m.Step != StepMM6 && m.Step != StepAM3 {
				// An encrypted Informational took the SA for one up before the capture,
				// but its Phase 1 is still under way: it was a refusal or a complaint.
				st = saState{}
			}
			st.sawPhase1 = true
			if m.Step == StepMM6 || m.Step == StepAM3 {
				st = st.up(m)
			}
		case m.ExchangeType == decode.ExchangeQuickMode:
			st = st.up(m)
			if m.Step == StepQM3 {
				st.children++
			}
		case m.ExchangeType == decode.ExchangeInformationalV1 && m.Encrypted && !st.sawPhase1:
			st = st.up(m)
		}
		return st
	}
	switch m.ExchangeType {
	case decode.ExchangeIKEAuth:
		st.sawAuth = true
		if st.byAuth != nil && (!m.Response || m.MessageID != st.byAuth.MessageID) {
			// Another round (its request, or its answer when the capture holds the
			// answers only): the answer before it did not finish authentication.
			st.established, st.at, st.frame = false, time.Time{}, 0
			if st.authChild {
				st.children--
			}
			st.byAuth, st.authChild = nil, false
		}
		switch {
		case m.Response && authResult(m) == authAccepted && !st.established:
			st = st.up(m)
			st.byAuth = m
			if carriesChild(m) {
				st.children++
				st.authChild = true
			}
		}
	case decode.ExchangeCreateChildSA:
		if m.Response {
			st = st.up(m)
			st.byAuth = nil // the SA is in use: no further IKE_AUTH round can undo it
			if !childRefused(m) {
				st.children++
			}
		}
	case decode.ExchangeInformational:
		if !st.sawAuth {
			st = st.up(m)
		}
	}
	return st
}

package analyze

import (
	"strconv"

	"github.com/ikescope/ikescope/decode"
)

// Step is a message's place in its exchange: the exchange type in the high byte and the
// message's number in the low byte. IKEv1 Main, Aggressive and Quick Mode number their
// messages (MM1..MM6, AM1..AM3, QM1..QM3); every other exchange has a request (1) and a
// response (2). The zero Step is "not known".
type Step uint16

// MakeStep returns the step n of an exchange type.
func MakeStep(t decode.ExchangeType, n int) Step { return Step(t)<<8 | Step(uint8(n)) }

// Steps that rules name.
const (
	StepNone Step = 0

	StepMM1 = Step(decode.ExchangeMainMode)<<8 | 1
	StepMM2 = Step(decode.ExchangeMainMode)<<8 | 2
	StepMM3 = Step(decode.ExchangeMainMode)<<8 | 3
	StepMM4 = Step(decode.ExchangeMainMode)<<8 | 4
	StepMM5 = Step(decode.ExchangeMainMode)<<8 | 5
	StepMM6 = Step(decode.ExchangeMainMode)<<8 | 6
	StepAM1 = Step(decode.ExchangeAggressive)<<8 | 1
	StepAM2 = Step(decode.ExchangeAggressive)<<8 | 2
	StepAM3 = Step(decode.ExchangeAggressive)<<8 | 3
	StepQM1 = Step(decode.ExchangeQuickMode)<<8 | 1
	StepQM2 = Step(decode.ExchangeQuickMode)<<8 | 2
	StepQM3 = Step(decode.ExchangeQuickMode)<<8 | 3

	StepInformationalV1 = Step(decode.ExchangeInformationalV1)<<8 | 1
	StepTransaction     = Step(decode.ExchangeTransaction)<<8 | 1

	StepIKESAInitRequest    = Step(decode.ExchangeIKESAInit)<<8 | 1
	StepIKESAInitResponse   = Step(decode.ExchangeIKESAInit)<<8 | 2
	StepIKEAuthRequest      = Step(decode.ExchangeIKEAuth)<<8 | 1
	StepIKEAuthResponse     = Step(decode.ExchangeIKEAuth)<<8 | 2
	StepCreateChildRequest  = Step(decode.ExchangeCreateChildSA)<<8 | 1
	StepCreateChildResponse = Step(decode.ExchangeCreateChildSA)<<8 | 2
	StepInformationalReq    = Step(decode.ExchangeInformational)<<8 | 1
	StepInformationalResp   = Step(decode.ExchangeInformational)<<8 | 2
)

// Exchange is the exchange type the step belongs to.
func (s Step) Exchange() decode.ExchangeType { return decode.ExchangeType(s >> 8) }

// N is the step's number within its exchange (1 for a request, 2 for a response where
// the exchange does not number its messages).
func (s Step) N() int { return int(s & 0xff) }

// numbered reports whether the exchange numbers its messages (IKEv1 Main, Aggressive
// and Quick Mode).
func numbered(t decode.ExchangeType) bool {
	return t == decode.ExchangeMainMode || t == decode.ExchangeAggressive || t == decode.ExchangeQuickMode
}

// First reports whether the step opens an IKE SA's negotiation: MM1, AM1 or an
// IKE_SA_INIT request.
func (s Step) First() bool { return s == StepMM1 || s == StepAM1 || s == StepIKESAInitRequest }

// String names the step as administrators and Wireshark users say it: "MM3", "QM1",
// "IKE_AUTH response", "Informational".
func (s Step) String() string {
	t := s.Exchange()
	switch {
	case s == StepNone:
		return ""
	case t == decode.ExchangeMainMode && s.N() == 0:
		return "Main Mode"
	case t == decode.ExchangeMainMode:
		return "MM" + strconv.Itoa(s.N())
	case t == decode.ExchangeAggressive:
		return "AM" + strconv.Itoa(s.N())
	case t == decode.ExchangeQuickMode:
		return "QM" + strconv.Itoa(s.N())
	case t == decode.ExchangeInformationalV1:
		return "Informational"
	case t == decode.ExchangeTransaction:
		return "Transaction"
	case t.IsV2() && s.N() == 2:
		return t.String() + " response"
	case t.IsV2():
		return t.String() + " request"
	}
	return t.String()
}

// MarshalText gives the step's name in JSON.
func (s Step) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// v1Class sorts an IKEv1 Main Mode message by what it carries, which fixes its place
// whoever sent it (RFC 2409 5): the SA negotiation (MM1, MM2), the key exchange (MM3,
// MM4), or the encrypted identities (MM5, MM6). Each side sends one of each, in this
// order, and the initiator sends each first.
type v1Class uint8

const (
	classSA v1Class = iota
	classKE
	classAuth
	classUnknown // carries nothing that places it (no payload at all)
)

func mainModeClass(x *decode.ISAKMP) v1Class {
	if x.Encrypted != nil || x.Flags&decode.FlagEncryption != 0 {
		return classAuth
	}
	for _, p := range x.Payloads {
		switch {
		case p.SA != nil:
			return classSA
		case p.KE != nil, p.Type == decode.PayloadV1Nonce, p.Type == decode.PayloadV1KE:
			return classKE
		}
	}
	if len(x.Payloads) == 0 {
		return classUnknown
	}
	if SPI(x.ResponderSPI).IsZero() {
		// Only the first message goes out before the responder's cookie is known (RFC
		// 2408 3.1): a clear one without it is a broken MM1, whatever it carries
		// instead of the SA (decode flags it).
		return classSA
	}
	return classAuth // identities and hash sent in clear (an authentication-only SA)
}

// mainModeStep is the Main Mode step of a message of class c from one side; a message
// that carries nothing has no step it can be placed at.
func mainModeStep(c v1Class, fromInit bool) Step {
	if c == classUnknown {
		return MakeStep(decode.ExchangeMainMode, 0)
	}
	n := 1 + 2*int(c)
	if !fromInit {
		n++
	}
	return MakeStep(decode.ExchangeMainMode, n)
}

// aggressiveStep is the Aggressive Mode step of a message (RFC 2409 5: AM1 and AM2 carry
// the SA, AM3 does not; only the initiator sends AM1 and AM3).
func aggressiveStep(x *decode.ISAKMP) Step {
	for _, p := range x.Payloads {
		if p.SA != nil {
			if SPI(x.ResponderSPI).IsZero() {
				return StepAM1
			}
			return StepAM2
		}
	}
	if SPI(x.ResponderSPI).IsZero() {
		return StepAM1 // a retransmitted or malformed AM1
	}
	return StepAM3
}

// aggressiveFromInit tells who sent an Aggressive Mode message: AM2 comes from the
// responder, AM1 and AM3 from the initiator.
func aggressiveFromInit(step Step) bool { return step != StepAM2 }

// Next is the step that should follow this one in its exchange (MM4 after MM3, the
// response after a request), or StepNone when the exchange is complete.
func (s Step) Next() Step {
	t, n := s.Exchange(), s.N()
	switch {
	case s == StepNone:
		return StepNone
	case n == 0:
		return StepNone
	case t == decode.ExchangeMainMode && n < 6, t == decode.ExchangeQuickMode && n < 3, t == decode.ExchangeAggressive && n < 3:
		return s + 1
	case t.IsV2() && n == 1:
		return s + 1
	}
	return StepNone
}

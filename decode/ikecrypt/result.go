package ikecrypt

import (
	"errors"
	"fmt"

	"github.com/ikescope/ikescope/decode"
)

// Integrity says whether the decrypted payloads are known to be what the sender sent.
type Integrity uint8

const (
	// IntegrityVerified: the integrity checksum (HMAC, XCBC, CMAC) or AEAD tag matched.
	IntegrityVerified Integrity = iota + 1
	// IntegrityNotChecked: IKEv1 bodies carry no checksum, and some IKEv2 keys name none
	// (Wireshark's "ANY n-bits [No Checking]"); the payload chain was checked instead:
	// every generic payload header in place and the chain ending inside the plaintext.
	IntegrityNotChecked
	// IntegrityFailed: the checksum or tag did not match: a wrong key or algorithm.
	IntegrityFailed
)

func (i Integrity) String() string {
	switch i {
	case IntegrityVerified:
		return "verified"
	case IntegrityNotChecked:
		return "not checked"
	case IntegrityFailed:
		return "failed"
	}
	return fmt.Sprintf("Integrity(%d)", uint8(i))
}

// Result is what the Decrypter made of one encrypted message.
type Result struct {
	Version      int // 1 or 2
	InitiatorSPI [8]byte
	ResponderSPI [8]byte
	MessageID    uint32
	Exchange     decode.ExchangeType

	Encr      Encr
	Integ     Integ // IKEv2 only
	Integrity Integrity
	KeySource string // where the key that worked came from: "keys.txt:3"

	// Decrypted is set when Payloads hold the message's decrypted payloads. It is false
	// for an SKF fragment that does not complete its message, and when decryption failed.
	Decrypted bool
	// FirstPayload is the type of the first inner payload (the SK/SKF next-payload field,
	// or the IKEv1 header's next payload).
	FirstPayload decode.PayloadType
	// Payloads are the inner payloads, parsed by decode.DecodeInner: offsets are relative
	// to the plaintext, not to the message. They are the payloads of the whole message
	// when Fragment completes it.
	Payloads []decode.Payload
	// Errors are parse errors inside the plaintext, as decode reports them for clear
	// messages. A sender's malformed payload is an error here, not a decryption failure.
	Errors []error
	// PadLength is the number of padding bytes after the last payload.
	PadLength int

	// Fragment is set for an IKEv2 SKF payload (RFC 7383) and for a message rebuilt from
	// IKEv1 fragments (payload type 132).
	Fragment *Fragment
}

// Fragment describes a fragment's place in its message.
type Fragment struct {
	Number int // this fragment's number, from 1
	Total  int // fragments in the message (IKEv1: known once the last is seen)
	// Complete is set when this fragment was the last one missing: the Result then holds
	// the payloads of the whole message.
	Complete bool
	// Received lists the fragment numbers held for the message so far.
	Received []int
}

// SAString names the IKE SA as "0x<SPIi>/0x<SPIr>" (IKEv1: the cookies).
func (r *Result) SAString() string { return saString(r.InitiatorSPI, r.ResponderSPI) }

func saString(i, r [8]byte) string { return fmt.Sprintf("0x%x/0x%x", i, r) }

// Errors the Decrypter returns. An *IntegrityError or *DecryptError wraps one of these,
// so errors.Is works.
var (
	// ErrIntegrity: the checksum did not match with any key for the SA.
	ErrIntegrity = errors.New("integrity check failed")
	// ErrWrongKey: an IKEv1 body (no checksum) decrypted to no valid payload chain with
	// any key, or an IKEv2 body failed its padding or chain check.
	ErrWrongKey = errors.New("decryption failed")
	// ErrTruncated: the message was cut short (snap length, missing IP fragments), so it
	// cannot be decrypted.
	ErrTruncated = errors.New("message incomplete")
	// ErrMalformed: the encrypted payload is too short or not a whole number of blocks.
	ErrMalformed = errors.New("encrypted payload malformed")
	// ErrNoState: the keys are there but something from the clear part of the exchange
	// is missing (the IKEv1 Phase 1 proposal or KE payloads, the IKEv2 algorithms).
	ErrNoState = errors.New("cannot decrypt")
)

// IntegrityError is returned when the integrity checksum (or AEAD tag) of an IKEv2
// message fails with every key known for its SA.
type IntegrityError struct {
	InitiatorSPI, ResponderSPI [8]byte
	MessageID                  uint32
	Algorithm                  string // "AES-CBC-256/HMAC_SHA2_256_128"
	Source                     string // the key source(s) tried
	// Decrypts is set when the encryption key alone opens the message to a valid payload
	// chain: the encryption key and algorithm are right, the integrity key is not, or
	// the message was changed after its checksum was made.
	Decrypts bool
}

func (e *IntegrityError) Error() string {
	why := "wrong key or algorithm"
	if e.Decrypts {
		why = "the encryption key opens it to valid payloads, so the integrity key (SK_ai/SK_ar) is wrong, or the message was changed after it was sent"
	}
	return fmt.Sprintf("integrity check failed for SA %s (message ID %d, %s, keys from %s): %s",
		saString(e.InitiatorSPI, e.ResponderSPI), e.MessageID, e.Algorithm, e.Source, why)
}

func (e *IntegrityError) Unwrap() []error {
	if e.Decrypts {
		return []error{ErrIntegrity, decode.ErrChecksumOnly}
	}
	return []error{ErrIntegrity}
}

// DecryptError is any other failure to decrypt a message for which keys are known.
type DecryptError struct {
	InitiatorSPI, ResponderSPI [8]byte
	MessageID                  uint32
	Reason                     string
	Err                        error // ErrWrongKey, ErrTruncated, ErrMalformed or ErrNoState
}

func (e *DecryptError) Error() string {
	return fmt.Sprintf("%v for SA %s (message ID %d): %s", e.Err, saString(e.InitiatorSPI, e.ResponderSPI), e.MessageID, e.Reason)
}

func (e *DecryptError) Unwrap() error { return e.Err }

package ikecrypt

import (
	"github.com/ikescope/ikescope/decode"
)

// Limits on what a Decrypter keeps, so that memory grows with the live SAs of a capture
// and not with its length or with what a hostile capture claims.
const (
	maxSAs           = 4096    // IKE SAs with state (oldest forgotten first)
	maxPending       = 64      // messages being reassembled from fragments, per Decrypter
	maxFragments     = 512     // fragments of one message
	maxReassembled   = 1 << 20 // bytes of one reassembled message
	maxSeen          = 256     // IKEv1 ciphertexts remembered per SA, for retransmissions
	maxPhase2        = 256     // IKEv1 exchanges with an IV, per SA
	maxV1Fragmenting = 16      // IKEv1 messages being reassembled, per SA
)

// Decrypter decrypts the encrypted messages of a capture. Feed it every ISAKMP message
// in capture order, clear ones included: it learns the negotiated algorithms from
// IKE_SA_INIT and Main/Aggressive Mode, the IKEv1 key exchange values for the Phase 1 IV,
// and the IV chain of every IKEv1 exchange. It is not safe for concurrent use.
type Decrypter struct {
	v2keys  map[[16]byte][]*SAKeys
	v1keys  map[[8]byte][]*SAKeys
	unbound []*SAKeys // IKEv2 keys without SPIs

	v2    map[[16]byte]*v2SA
	v2ord [][16]byte
	v1    map[[8]byte]*v1SA
	v1ord [][8]byte
	frags *skfReassembler

	esp *espState // nil without ESP keys
}

// NewDecrypter returns a Decrypter that uses keys (which may be nil: then every message
// is left as it is).
func NewDecrypter(keys *Keys) *Decrypter {
	d := &Decrypter{
		v2keys: map[[16]byte][]*SAKeys{},
		v1keys: map[[8]byte][]*SAKeys{},
		v2:     map[[16]byte]*v2SA{},
		v1:     map[[8]byte]*v1SA{},
		frags:  newSKFReassembler(),
	}
	if keys != nil {
		for _, sa := range keys.SAs {
			switch {
			case sa.Version == 1 && sa.bound():
				d.v1keys[sa.InitiatorSPI] = append(d.v1keys[sa.InitiatorSPI], sa)
			case sa.Version == 2 && sa.bound():
				id := spiPair(sa.InitiatorSPI, sa.ResponderSPI)
				d.v2keys[id] = append(d.v2keys[id], sa)
			case sa.Version == 2:
				d.unbound = append(d.unbound, sa)
			}
		}
		if len(keys.ESP) > 0 {
			d.esp = newESPState(keys.ESP)
		}
	}
	return d
}

// ESPKeyErrors lists the ESP keys that cannot be used (an algorithm ikescope does not
// implement), one error each naming the key's source.
func (d *Decrypter) ESPKeyErrors() []error {
	if d == nil || d.esp == nil {
		return nil
	}
	return d.esp.bad
}

func spiPair(i, r [8]byte) [16]byte {
	var id [16]byte
	copy(id[:8], i[:])
	copy(id[8:], r[:])
	return id
}

// Decrypt looks at one message. For a clear message it only learns from it and returns
// (nil, nil); so it does for an encrypted message no key is known for. For an encrypted
// message with keys it returns the decrypted payloads, or an error:
//   - *IntegrityError (errors.Is ErrIntegrity): the IKEv2 checksum failed with every key;
//   - *DecryptError wrapping ErrWrongKey (no key gives a valid IKEv1 payload chain),
//     ErrTruncated, ErrMalformed or ErrNoState.
//
// With an error the Result is still returned, with the SA and message identified and
// Decrypted false, so the caller can report which message failed. Decrypt never panics
// and never returns payloads that failed their integrity or chain check.
func (d *Decrypter) Decrypt(m *decode.ISAKMP) (*Result, error) {
	if m == nil || d == nil {
		return nil, nil
	}
	switch m.MajorVersion {
	case 2:
		return d.decryptV2(m)
	case 1:
		return d.decryptV1(m, nil)
	}
	return nil, nil
}

// Open decrypts a message in place, so that the analysis reads what keys opened without
// calling into this package:
//   - an encrypted IKE message: m.Opened is set when keys were tried;
//   - an ESP packet whose SPI (and addresses, where the keys name them) ESP keys cover:
//     m.Inner is set, with the inner packet summarised or the error (decode.ErrICV,
//     decode.ErrESPTrailer). m.Inner points into the Decrypter and is valid until the
//     next call of Open: copy *m.Inner to keep it.
//
// Other messages, and those no key covers, are left as they are.
func (d *Decrypter) Open(m *decode.Message) {
	if d == nil {
		return
	}
	if m.Kind == decode.KindESP {
		d.openESP(m)
		return
	}
	if m.Kind != decode.KindISAKMP || m.ISAKMP == nil {
		return
	}
	res, err := d.Decrypt(m.ISAKMP)
	switch {
	case err != nil:
		m.Opened = &decode.Opened{Err: err}
	case res != nil && res.Decrypted:
		m.Opened = &decode.Opened{Payloads: res.Payloads, Integrity: res.Integrity.String()}
	}
}

// Bindings gives, for each IKEv2 key set without SPIs that opened messages of the
// capture (a charon log does not name the SPIs of an IKE SA made by a rekey), a copy
// bound to the SA it opened: its SPIs, and the algorithms it opened them with where the
// keys did not name them. The map's keys are the key sets as loaded (Keys.SAs).
func (d *Decrypter) Bindings() map[*SAKeys][]*SAKeys {
	out := map[*SAKeys][]*SAKeys{}
	for _, id := range d.v2ord {
		st := d.v2[id]
		if st == nil {
			continue
		}
		for _, k := range st.keys {
			b := *k
			copy(b.InitiatorSPI[:], id[:8])
			copy(b.ResponderSPI[:], id[8:])
			if b.Encr.ID == 0 && st.opened {
				b.Encr = st.openedEncr
			}
			if !b.HasInteg && st.opened {
				b.Integ, b.HasInteg = st.openedInteg, true
			}
			out[k] = append(out[k], &b)
		}
	}
	return out
}

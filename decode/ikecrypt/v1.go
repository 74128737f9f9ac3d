package ikecrypt

import (
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/ikescope/ikescope/decode"
)

// v1SA is what the Decrypter knows about one IKEv1 (ISAKMP) SA, found by its initiator
// cookie as Wireshark does.
//
// IVs follow RFC 2409 Appendix B: the Phase 1 IV is hash(g^xi | g^xr) cut to the cipher's
// block size, hash being the negotiated Phase 1 hash; each encrypted Phase 1 message
// takes the last ciphertext block of the one before. A Phase 2, Informational or
// Transaction exchange starts from hash(last Phase 1 block | message ID) and chains in the
// same way within its message ID.
type v1SA struct {
	chosen  *decode.Transform // the responder's Phase 1 transform (MM2, AM2)
	offered *decode.Transform // the initiator's, when it offered only one
	ke      [][]byte          // g^xi then g^xr, as they appear in the capture

	p1     []byte            // the IV for the next Phase 1 message; nil until known
	p2     map[uint32][]byte // the IV for the next message of each Phase 2 exchange
	p2ord  []uint32
	seen   map[[32]byte]seenIV // ciphertexts already decrypted (retransmissions)
	seeOrd [][32]byte
	good   *SAKeys // the key that worked last

	frags    map[uint16]*v1Frags
	fragsOrd []uint16
}

type seenIV struct {
	iv  []byte
	key *SAKeys
}

type v1Frags struct {
	parts map[int][]byte
	last  int // number of the fragment with the last flag; 0 until seen
	size  int
}

func (d *Decrypter) v1state(icookie [8]byte) *v1SA {
	if st := d.v1[icookie]; st != nil {
		return st
	}
	if len(d.v1ord) >= maxSAs {
		delete(d.v1, d.v1ord[0])
		d.v1ord = d.v1ord[1:]
	}
	st := &v1SA{p2: map[uint32][]byte{}, seen: map[[32]byte]seenIV{}, frags: map[uint16]*v1Frags{}}
	d.v1[icookie] = st
	d.v1ord = append(d.v1ord, icookie)
	return st
}

// phase1 reports whether an exchange type belongs to Phase 1 (Base, Identity Protection
// (Main Mode), Authentication Only, Aggressive).
func phase1(t decode.ExchangeType) bool { return t >= 1 && t <= 4 }

// learnV1 takes the chosen transform and the key exchange values from a clear Phase 1
// message.
func (st *v1SA) learnV1(m *decode.ISAKMP) {
	if !phase1(m.ExchangeType) || m.MessageID != 0 {
		return
	}
	for i := range m.Payloads {
		p := &m.Payloads[i]
		switch {
		case p.SA != nil && len(p.SA.Proposals) > 0 && len(p.SA.Proposals[0].Transforms) > 0:
			t := p.SA.Proposals[0].Transforms[0]
			// The message's structures share blocks with other messages': keep a copy.
			t.Attributes = slices.Clone(t.Attributes)
			for j := range t.Attributes {
				t.Attributes[j].Data = slices.Clone(t.Attributes[j].Data)
			}
			if m.ResponderSPI != [8]byte{} {
				st.chosen = &t
			} else if len(p.SA.Proposals) == 1 && len(p.SA.Proposals[0].Transforms) == 1 {
				st.offered = &t
			}
		case p.KE != nil && len(p.KE.Data) > 0 && len(st.ke) < 2:
			if !slices.ContainsFunc(st.ke, func(b []byte) bool { return string(b) == string(p.KE.Data) }) {
				st.ke = append(st.ke, slices.Clone(p.KE.Data))
			}
		}
	}
}

// params are the cipher and hash of the Phase 1 SA.
func (st *v1SA) params() (Encr, encrSpec, v1Hash, error) {
	t := st.chosen
	if t == nil {
		t = st.offered
	}
	if t == nil {
		return Encr{}, encrSpec{}, 0, fmt.Errorf("%w: the Phase 1 proposal (MM2/AM2) is not in the capture", errLate{})
	}
	var alg, hash uint16
	bits := 0
	for _, a := range t.Attributes {
		switch a.Type {
		case 1:
			alg = uint16(a.Value)
		case 2:
			hash = uint16(a.Value)
		case 14:
			bits = int(a.Value)
		}
	}
	e, ok := v1Encr(alg, bits)
	if !ok {
		return Encr{}, encrSpec{}, 0, fmt.Errorf("%w: Phase 1 cipher %s is not supported", ErrNoState, decode.V1AttrValueName(1, 1, uint32(alg)))
	}
	s, err := e.spec()
	if err != nil {
		return Encr{}, encrSpec{}, 0, fmt.Errorf("%w: %v", ErrNoState, err)
	}
	h := v1Hash(hash)
	if h.new() == nil {
		return Encr{}, encrSpec{}, 0, fmt.Errorf("%w: Phase 1 hash %s is not supported", ErrNoState, decode.V1AttrValueName(1, 2, uint32(hash)))
	}
	if sz := h.new()().Size(); sz < s.block {
		return Encr{}, encrSpec{}, 0, fmt.Errorf("%w: hash too short for the cipher's IV", ErrNoState)
	}
	return e, s, h, nil
}

func ivHash(h v1Hash, block int, parts ...[]byte) []byte {
	x := h.new()()
	for _, p := range parts {
		x.Write(p)
	}
	return x.Sum(nil)[:block]
}

func (d *Decrypter) decryptV1(m *decode.ISAKMP, frag *Fragment) (*Result, error) {
	if m.InitiatorSPI == [8]byte{} {
		return nil, nil
	}
	keys := d.v1keys[m.InitiatorSPI]
	if len(keys) == 0 {
		return nil, nil // no keys: nothing to learn either
	}
	st := d.v1state(m.InitiatorSPI)
	if m.Encrypted == nil {
		st.learnV1(m)
		if frag == nil {
			return d.v1fragment(st, m)
		}
		// A clear message rebuilt from fragments.
		p := m.Payloads
		return &Result{Version: 1, InitiatorSPI: m.InitiatorSPI, ResponderSPI: m.ResponderSPI, MessageID: m.MessageID,
			Exchange: m.ExchangeType, Decrypted: true, FirstPayload: m.NextPayload, Payloads: p, Errors: m.Errors, Fragment: frag}, nil
	}

	res := &Result{Version: 1, InitiatorSPI: m.InitiatorSPI, ResponderSPI: m.ResponderSPI, MessageID: m.MessageID,
		Exchange: m.ExchangeType, FirstPayload: m.Encrypted.FirstPayload, Fragment: frag}
	fail := func(reason string, err error) (*Result, error) {
		return res, &DecryptError{InitiatorSPI: m.InitiatorSPI, ResponderSPI: m.ResponderSPI, MessageID: m.MessageID, Reason: reason, Err: err}
	}
	var usable []*SAKeys
	for _, k := range keys {
		if k.ResponderSPI == [8]byte{} || k.ResponderSPI == m.ResponderSPI {
			usable = append(usable, k)
		}
	}
	if len(usable) == 0 {
		return nil, nil
	}
	if m.Truncated {
		return fail("the message was cut short (snap length or lost IP fragments)", ErrTruncated)
	}
	e, s, h, err := st.params()
	if err != nil {
		var kind error = ErrNoState
		if errors.Is(err, decode.ErrNotInCapture) {
			kind = errLate{}
		}
		return fail(err.Error(), kind)
	}
	res.Encr = e
	data := m.Encrypted.Data
	if len(data) == 0 || len(data)%s.block != 0 {
		return fail(fmt.Sprintf("%d bytes of ciphertext is not a whole number of %d-byte %s blocks", len(data), s.block, e), ErrMalformed)
	}
	last := data[len(data)-s.block:]

	// The Phase 1 IV: computed from the KE payloads, or as the key source logged it.
	var initial [][]byte
	if len(st.ke) == 2 {
		initial = append(initial, ivHash(h, s.block, st.ke[0], st.ke[1]))
	}
	for _, k := range usable {
		if len(k.IV) >= s.block {
			initial = append(initial, k.IV[:s.block])
		}
	}
	if st.p1 == nil && len(initial) > 0 {
		st.p1 = initial[0]
	}

	// The IVs to try, most likely first. A retransmission reuses the IV of its first copy.
	sum := sha256.Sum256(data)
	var ivs [][]byte
	var order []*SAKeys
	if seen, ok := st.seen[sum]; ok {
		ivs, order = [][]byte{seen.iv}, []*SAKeys{seen.key}
	} else {
		mid := binary.BigEndian.AppendUint32(nil, m.MessageID)
		if m.MessageID == 0 {
			ivs = append(ivs, st.p1)
			ivs = append(ivs, initial...)
		} else {
			if iv, ok := st.p2[m.MessageID]; ok {
				ivs = append(ivs, iv)
			}
			if st.p1 != nil {
				ivs = append(ivs, ivHash(h, s.block, st.p1, mid))
			}
			for _, iv := range initial {
				ivs = append(ivs, ivHash(h, s.block, iv, mid))
			}
		}
		order = usable
		if st.good != nil && slices.Contains(usable, st.good) {
			order = append([]*SAKeys{st.good}, slices.DeleteFunc(slices.Clone(usable), func(k *SAKeys) bool { return k == st.good })...)
		}
	}
	ivs = slices.DeleteFunc(ivs, func(iv []byte) bool { return len(iv) != s.block })
	if len(ivs) == 0 {
		return fail("the Phase 1 IV is unknown: the KE payloads of the Phase 1 exchange are not in the capture", errLate{})
	}

	plain := make([]byte, len(data))
	for _, k := range order {
		if len(k.EncKey) < s.keyLen {
			continue
		}
		b, err := s.newBlk(k.EncKey[:s.keyLen])
		if err != nil {
			continue
		}
		for _, iv := range ivs {
			cipher.NewCBCDecrypter(b, iv).CryptBlocks(plain, data)
			end, ok := chainEnd(plain, m.Encrypted.FirstPayload, false)
			if !ok || len(plain)-end > 255 {
				continue
			}
			if _, again := st.seen[sum]; !again {
				st.remember(sum, seenIV{iv, k})
				st.advance(m.MessageID, last)
			}
			st.good = k
			res.Decrypted = true
			res.Integrity = IntegrityNotChecked
			res.KeySource = k.Source
			res.PadLength = len(plain) - end
			res.Payloads, res.Errors = decode.DecodeInner(plain[:end], m.Encrypted.FirstPayload, false)
			return res, nil
		}
	}
	if _, again := st.seen[sum]; !again {
		// The sender's chain moves on whether or not this message could be read.
		st.advance(m.MessageID, last)
	}
	return fail(fmt.Sprintf("no key gives a valid payload chain with %s (keys from %s)", e, sourcesOf(usable)), ErrWrongKey)
}

// advance records the last ciphertext block as the next IV of the message's exchange.
func (st *v1SA) advance(mid uint32, last []byte) {
	last = slices.Clone(last)
	if mid == 0 {
		st.p1 = last
		return
	}
	if _, ok := st.p2[mid]; !ok {
		if len(st.p2ord) >= maxPhase2 {
			delete(st.p2, st.p2ord[0])
			st.p2ord = st.p2ord[1:]
		}
		st.p2ord = append(st.p2ord, mid)
	}
	st.p2[mid] = last
}

func (st *v1SA) remember(sum [32]byte, s seenIV) {
	if len(st.seeOrd) >= maxSeen {
		delete(st.seen, st.seeOrd[0])
		st.seeOrd = st.seeOrd[1:]
	}
	st.seen[sum] = s
	st.seeOrd = append(st.seeOrd, sum)
}

func sourcesOf(keys []*SAKeys) string {
	var s []string
	for _, k := range keys {
		s = append(s, k.Source)
	}
	out := dedupe(s)
	if len(out) == 0 {
		return "the key file"
	}
	return fmt.Sprint(out)
}

// v1fragment collects IKEv1 fragments (the Cisco-style FRAG payload, type 132, that
// strongSwan, Cisco and Windows use): each carries a piece of the complete message,
// header included. When the last piece arrives the message is decoded and decrypted.
func (d *Decrypter) v1fragment(st *v1SA, m *decode.ISAKMP) (*Result, error) {
	var f *decode.V1Fragment
	for i := range m.Payloads {
		if m.Payloads[i].Fragment != nil {
			f = m.Payloads[i].Fragment
		}
	}
	if f == nil || f.Number == 0 || int(f.Number) > maxFragments {
		return nil, nil
	}
	fs := st.frags[f.ID]
	if fs == nil {
		if len(st.fragsOrd) >= maxV1Fragmenting {
			delete(st.frags, st.fragsOrd[0])
			st.fragsOrd = st.fragsOrd[1:]
		}
		fs = &v1Frags{parts: map[int][]byte{}}
		st.frags[f.ID] = fs
		st.fragsOrd = append(st.fragsOrd, f.ID)
	}
	num := int(f.Number)
	if old, ok := fs.parts[num]; ok {
		fs.size -= len(old)
	}
	if fs.size+len(f.Data) > maxReassembled {
		st.dropFrags(f.ID)
		return nil, nil
	}
	fs.parts[num] = slices.Clone(f.Data)
	fs.size += len(f.Data)
	if f.Last {
		fs.last = num
	}
	if fs.last == 0 || len(fs.parts) < fs.last {
		return nil, nil
	}
	whole := make([]byte, 0, fs.size)
	for n := 1; n <= fs.last; n++ {
		p, ok := fs.parts[n]
		if !ok {
			return nil, nil
		}
		whole = append(whole, p...)
	}
	received := make([]int, 0, fs.last)
	for n := 1; n <= fs.last; n++ {
		received = append(received, n)
	}
	st.dropFrags(f.ID)
	inner := &decode.ISAKMP{}
	if err := inner.DecodeFromBytes(whole, nil); err != nil || inner.MajorVersion != 1 ||
		inner.InitiatorSPI != m.InitiatorSPI || inner.ResponderSPI != m.ResponderSPI {
		return nil, nil
	}
	frag := &Fragment{Number: num, Total: fs.last, Complete: true, Received: received}
	return d.decryptV1(inner, frag)
}

func (st *v1SA) dropFrags(id uint16) {
	delete(st.frags, id)
	if i := slices.Index(st.fragsOrd, id); i >= 0 {
		st.fragsOrd = slices.Delete(st.fragsOrd, i, i+1)
	}
}

// errLate is ErrNoState because a clear message the keys need is not in the capture
// (decode.ErrNotInCapture): the analysis tells a capture begun too late from wrong keys.
type errLate struct{}

func (errLate) Error() string        { return ErrNoState.Error() }
func (errLate) Is(target error) bool { return target == ErrNoState || target == decode.ErrNotInCapture }

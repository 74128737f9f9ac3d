package ikecrypt

import (
	"bytes"
	"errors"
	"slices"
	"strings"

	"github.com/ikescope/ikescope/decode"
)

// v2SA is what the Decrypter knows about one IKEv2 SA.
type v2SA struct {
	encr     Encr // negotiated in IKE_SA_INIT (ID 0: not seen)
	integ    Integ
	hasInteg bool
	keys     []*SAKeys // unbound keys that proved right for this SA
	// The algorithms the first of them opened a message with (set: opened).
	openedEncr  Encr
	openedInteg Integ
	opened      bool
}

func (d *Decrypter) v2state(id [16]byte, create bool) *v2SA {
	if st := d.v2[id]; st != nil || !create {
		return st
	}
	if len(d.v2ord) >= maxSAs {
		delete(d.v2, d.v2ord[0])
		d.v2ord = d.v2ord[1:]
	}
	st := &v2SA{}
	d.v2[id] = st
	d.v2ord = append(d.v2ord, id)
	return st
}

// learnV2 takes the chosen algorithms from an IKE_SA_INIT response (RFC 7296 1.2: the
// responder's SA payload holds the one proposal it accepted).
func (d *Decrypter) learnV2(m *decode.ISAKMP) {
	if m.ExchangeType != 34 || !m.IsResponse() || m.ResponderSPI == [8]byte{} {
		return
	}
	for i := range m.Payloads {
		sa := m.Payloads[i].SA
		if m.Payloads[i].Type != decode.PayloadSA || sa == nil || len(sa.Proposals) == 0 {
			continue
		}
		var e Encr
		var in Integ
		hasInteg := false
		for _, t := range sa.Proposals[0].Transforms {
			switch t.Type {
			case 1:
				e = Encr{ID: t.ID}
				if a, ok := t.Attr(14); ok {
					e.KeyBits = int(a.Value)
				}
			case 3:
				in, hasInteg = Integ{ID: t.ID}, true
			}
		}
		if e.ID == 0 {
			return
		}
		if s, err := e.spec(); err == nil && s.aead() && !hasInteg {
			in, hasInteg = Integ{ID: IntegNone}, true
		}
		st := d.v2state(spiPair(m.InitiatorSPI, m.ResponderSPI), true)
		st.encr, st.integ, st.hasInteg = e, in, hasInteg
		return
	}
}

// candidate is one way to try to decrypt a message: a key set and the algorithms.
type candidate struct {
	keys  *SAKeys
	encr  Encr
	integ Integ
}

func (d *Decrypter) decryptV2(m *decode.ISAKMP) (*Result, error) {
	if len(d.v2keys) == 0 && len(d.unbound) == 0 {
		return nil, nil
	}
	d.learnV2(m)
	var sk *decode.Payload
	for i := range m.Payloads {
		if m.Payloads[i].Encrypted != nil {
			sk = &m.Payloads[i]
		}
	}
	if sk == nil {
		return nil, nil
	}
	id := spiPair(m.InitiatorSPI, m.ResponderSPI)
	st := d.v2state(id, false)
	bound := d.v2keys[id]
	if st != nil {
		bound = append(slices.Clip(bound), st.keys...)
	}
	trial := false
	if len(bound) == 0 {
		if len(d.unbound) == 0 {
			return nil, nil
		}
		bound, trial = d.unbound, true
	}
	if !slices.ContainsFunc(bound, func(k *SAKeys) bool { return k.direction(m.FromInitiator()) != nil }) {
		return nil, nil // keys for the other direction only (a tcpdump file with the I line)
	}
	cands := v2candidates(bound, st, m.FromInitiator(), trial)
	if len(cands) == 0 {
		if trial {
			return nil, nil
		}
		return d.v2fail(m, sk, &DecryptError{Reason: "the algorithms are unknown: give them in the key file, or capture the IKE_SA_INIT exchange", Err: ErrNoState})
	}
	res := &Result{
		Version: 2, InitiatorSPI: m.InitiatorSPI, ResponderSPI: m.ResponderSPI,
		MessageID: m.MessageID, Exchange: m.ExchangeType, FirstPayload: sk.Encrypted.FirstPayload,
	}
	if sk.Encrypted.TotalFragments > 0 {
		res.Fragment = &Fragment{Number: int(sk.Encrypted.FragmentNumber), Total: int(sk.Encrypted.TotalFragments)}
	}
	if m.Truncated || sk.Partial || len(m.Contents) < sk.Offset+int(sk.Length) {
		if trial {
			return nil, nil
		}
		return d.v2fail(m, sk, &DecryptError{Reason: "the message was cut short (snap length or lost IP fragments)", Err: ErrTruncated})
	}
	msg := m.Contents
	hdr := 4
	if sk.Type == decode.PayloadSKF {
		hdr = 8
	}
	aadEnd, end := sk.Offset+hdr, sk.Offset+int(sk.Length)

	var integrityFailed, other error
	var tried []string
	decryptsAnyway := false // SK_e opens a message whose checksum fails
	for _, c := range cands {
		es, err1 := c.encr.spec()
		is, err2 := c.integ.spec()
		if err1 != nil || err2 != nil {
			if other == nil {
				other = &DecryptError{Reason: errors.Join(err1, err2).Error(), Err: ErrNoState}
			}
			continue
		}
		ekey, akey := c.keys.direction(m.FromInitiator()), c.keys.SKar
		if m.FromInitiator() {
			akey = c.keys.SKai
		}
		if ekey == nil {
			continue
		}
		tried = append(tried, c.keys.Source)
		plain, pad, err := openSK(&es, &is, ekey, akey, msg, aadEnd, end)
		checked := es.aead() || is.mac != nil
		if first := sk.Encrypted.FirstPayload; err == nil && sk.Encrypted.FragmentNumber <= 1 {
			switch {
			case !checked:
				// Nothing vouches for the key: the plaintext must be a payload chain.
				if e, ok := chainEnd(plain, first, true); !ok || e != len(plain) {
					err = errWrongChain
				}
			case !es.aead() && !firstHeaderOK(plain, first, true):
				// The checksum key was right but the encryption key was not (SK_e and
				// SK_a from different SAs or directions): the first block is noise.
				err = errWrongSKe
			}
		}
		if err != nil {
			switch {
			case errors.Is(err, errOpen):
				integrityFailed = err
				if !es.aead() && !decryptsAnyway {
					// Does SK_e alone open it to a payload chain? Then the encryption
					// key is right and the checksum key, or the message, is not.
					unchecked := integSpec{name: is.name, icvLen: is.icvLen}
					p, _, e := openSK(&es, &unchecked, ekey, nil, msg, aadEnd, end)
					if first := sk.Encrypted.FirstPayload; e == nil && sk.Encrypted.FragmentNumber <= 1 {
						if n, ok := chainEnd(p, first, true); ok && n == len(p) {
							decryptsAnyway = true
						}
					}
				}
			case other == nil:
				other = &DecryptError{Reason: err.Error(), Err: unwrapSentinel(err)}
			}
			continue
		}
		if trial {
			st = d.v2state(id, true)
			st.keys = append(st.keys, c.keys)
		}
		if st != nil && !st.opened && slices.Contains(st.keys, c.keys) {
			st.openedEncr, st.openedInteg, st.opened = c.encr, c.integ, true
		}
		res.Encr, res.Integ, res.KeySource, res.PadLength = c.encr, c.integ, c.keys.Source, pad
		res.Integrity = IntegrityNotChecked
		if checked {
			res.Integrity = IntegrityVerified
		}
		if res.Fragment != nil {
			return d.frags.add(m, sk, plain, res), nil
		}
		res.Decrypted = true
		res.Payloads, res.Errors = decode.DecodeInner(plain, res.FirstPayload, true)
		return res, nil
	}
	if trial {
		return nil, nil // none of the unbound keys belongs to this SA
	}
	if integrityFailed != nil {
		c := cands[0]
		res.Encr, res.Integ, res.Integrity = c.encr, c.integ, IntegrityFailed
		alg := c.encr.String()
		if s, err := c.encr.spec(); err == nil && !s.aead() {
			alg += "/" + c.integ.String()
		}
		return res, &IntegrityError{InitiatorSPI: m.InitiatorSPI, ResponderSPI: m.ResponderSPI, MessageID: m.MessageID,
			Algorithm: alg, Source: strings.Join(dedupe(tried), ", "), Decrypts: decryptsAnyway}
	}
	if other == nil {
		return nil, nil // no key for this direction (a tcpdump file with only the I line)
	}
	return d.v2fail(m, sk, other)
}

// direction returns the encryption key for messages from the original initiator (SK_ei)
// or from the responder (SK_er), nil when unknown.
func (sa *SAKeys) direction(fromInitiator bool) []byte {
	if fromInitiator {
		return sa.SKei
	}
	return sa.SKer
}

var (
	errWrongChain = errors.New("the plaintext is not a payload chain")
	errWrongSKe   = errors.New("the checksum verifies but the plaintext does not start with a payload: SK_e does not belong with SK_a")
)

// unwrapSentinel maps an internal error to the exported sentinel it belongs to.
func unwrapSentinel(err error) error {
	for _, s := range []error{ErrMalformed, ErrNoState, ErrTruncated} {
		if errors.Is(err, s) {
			return s
		}
	}
	return ErrWrongKey
}

func (d *Decrypter) v2fail(m *decode.ISAKMP, sk *decode.Payload, err error) (*Result, error) {
	res := &Result{Version: 2, InitiatorSPI: m.InitiatorSPI, ResponderSPI: m.ResponderSPI,
		MessageID: m.MessageID, Exchange: m.ExchangeType, FirstPayload: sk.Encrypted.FirstPayload}
	if de, ok := err.(*DecryptError); ok {
		de.InitiatorSPI, de.ResponderSPI, de.MessageID = m.InitiatorSPI, m.ResponderSPI, m.MessageID
	}
	return res, err
}

// v2candidates lists the key sets and algorithms to try, most likely first: each key
// set with its own algorithms, then with the ones negotiated in the capture.
func v2candidates(keys []*SAKeys, st *v2SA, fromInitiator, trial bool) []candidate {
	var out []candidate
	add := func(c candidate) {
		if c.encr.ID == 0 || slices.Contains(out, c) {
			return
		}
		if trial {
			// An unbound key is only kept where something vouches for it.
			es, err1 := c.encr.spec()
			is, err2 := c.integ.spec()
			if err1 != nil || err2 != nil || (!es.aead() && is.mac == nil) {
				return
			}
		}
		out = append(out, c)
	}
	for _, k := range keys {
		if k.direction(fromInitiator) == nil {
			continue
		}
		negotiated := st != nil && st.encr.ID != 0
		e, i, hasI := k.Encr, k.Integ, k.HasInteg
		if e.ID == 0 && negotiated {
			e = st.encr
		}
		if !hasI && negotiated {
			i, hasI = st.integ, st.hasInteg
		}
		if hasI {
			add(candidate{k, e, i})
		}
		if negotiated && st.hasInteg {
			add(candidate{k, st.encr, st.integ})
		}
	}
	return out
}

func dedupe(s []string) []string {
	var out []string
	for _, x := range s {
		if x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// skfReassembler joins the decrypted fragments of IKEv2 messages (RFC 7383 2.6), keyed by
// SA, message ID and direction.
type skfReassembler struct {
	pending map[skfKey]*skfMessage
	order   []skfKey
}

type skfKey struct {
	spis  [16]byte
	mid   uint32
	flags decode.Flags // I and R: the direction and whether it is a response
}

type skfMessage struct {
	total int
	first decode.PayloadType
	parts map[int][]byte
	size  int
}

func newSKFReassembler() *skfReassembler {
	return &skfReassembler{pending: map[skfKey]*skfMessage{}}
}

// add stores a decrypted fragment; when it completes its message, res gets the message's
// payloads.
func (r *skfReassembler) add(m *decode.ISAKMP, sk *decode.Payload, plain []byte, res *Result) *Result {
	k := skfKey{spiPair(m.InitiatorSPI, m.ResponderSPI), m.MessageID, m.Flags & (decode.FlagInitiator | decode.FlagResponse)}
	num, total := res.Fragment.Number, res.Fragment.Total
	msg := r.pending[k]
	if msg != nil && msg.total != total {
		// RFC 7383 2.6.1: a different total means the sender fragmented the message
		// anew; start again.
		r.drop(k)
		msg = nil
	}
	if total > maxFragments || num < 1 || num > total {
		return res
	}
	if msg == nil {
		if len(r.order) >= maxPending {
			r.drop(r.order[0])
		}
		msg = &skfMessage{total: total, parts: map[int][]byte{}}
		r.pending[k] = msg
		r.order = append(r.order, k)
	}
	if old, ok := msg.parts[num]; ok {
		msg.size -= len(old)
	}
	if msg.size+len(plain) > maxReassembled {
		r.drop(k)
		return res
	}
	msg.parts[num] = bytes.Clone(plain)
	msg.size += len(plain)
	if num == 1 {
		msg.first = sk.Encrypted.FirstPayload
	}
	for n := range msg.parts {
		res.Fragment.Received = append(res.Fragment.Received, n)
	}
	slices.Sort(res.Fragment.Received)
	if len(msg.parts) < total {
		return res
	}
	whole := make([]byte, 0, msg.size)
	for n := 1; n <= total; n++ {
		whole = append(whole, msg.parts[n]...)
	}
	r.drop(k)
	res.Fragment.Complete = true
	res.Decrypted = true
	res.FirstPayload = msg.first
	res.Payloads, res.Errors = decode.DecodeInner(whole, msg.first, true)
	return res
}

func (r *skfReassembler) drop(k skfKey) {
	delete(r.pending, k)
	if i := slices.Index(r.order, k); i >= 0 {
		r.order = slices.Delete(r.order, i, i+1)
	}
}

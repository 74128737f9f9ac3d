package ikecrypt

import (
	"crypto/cipher"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"net/netip"

	"github.com/ikescope/ikescope/decode"
	"golang.org/x/crypto/chacha20poly1305"
)

// ESP decryption (RFC 4303 2, 3.4): the ICV is computed over SPI, sequence number, IV
// and ciphertext and checked first; then the ciphertext is decrypted and the trailer
// (padding, pad length, next header) stripped. AEAD ciphers take SPI | sequence number
// as additional data (RFC 4106 5, RFC 7634 2.1) and a nonce of salt | IV. Extended
// sequence numbers are tried with high bits 0 when the 32-bit check fails.

// espSA is one ESPKeys made ready to use: ciphers built once, buffers reused.
type espSA struct {
	k       *ESPKeys
	spec    encrSpec
	block   cipher.Block
	aead    cipher.AEAD
	ccm     *ccm
	mac     hash.Hash // HMAC; nil for XCBC (macFn) or no key
	macFn   func(key, data []byte) ([]byte, error)
	nonce   [12]byte // salt | IV (CCM: 3-byte salt, 11 bytes in all)
	saltLen int
	sum     [64]byte
	iv      [16]byte
	counter [16]byte
	ks      [16]byte
	seal    []byte
	aad     [12]byte
}

func newESPSA(k *ESPKeys) (*espSA, error) {
	s, err := k.Encr.espSpec()
	if err != nil {
		return nil, err
	}
	if len(k.EncKey) != s.keyLen+s.saltLen {
		return nil, fmt.Errorf("encryption key is %d bytes, %s needs %d", len(k.EncKey), k.Encr.espName(), s.keyLen+s.saltLen)
	}
	sa := &espSA{k: k, spec: s}
	key, salt := k.EncKey[:s.keyLen], k.EncKey[s.keyLen:]
	copy(sa.nonce[:], salt)
	sa.saltLen = len(salt)
	switch {
	case s.mode == modeChaCha:
		if sa.aead, err = chacha20poly1305.New(key); err != nil {
			return nil, err
		}
	case s.newBlk != nil:
		if sa.block, err = s.newBlk(key); err != nil {
			return nil, err
		}
	}
	switch s.mode {
	case modeGCM:
		// The standard library's GCM takes tags of 12 to 16 bytes: for 8, the full tag
		// is computed and its first 8 bytes compared (openGCM8).
		if sa.aead, err = cipher.NewGCMWithTagSize(sa.block, max(s.icvLen, 12)); err != nil {
			return nil, err
		}
	case modeCCM:
		if sa.ccm, err = newCCM(sa.block, 11, s.icvLen); err != nil {
			return nil, err
		}
	}
	if k.IntegKey != nil && !s.aead() {
		is, err := k.Integ.spec()
		if err != nil {
			return nil, err
		}
		switch k.Integ.ID {
		case IntegAESXCBC96, IntegAESCMAC96:
			sa.macFn = is.mac
		default:
			sa.mac = newHMAC(k.Integ.ID, k.IntegKey)
			if sa.mac == nil {
				sa.macFn = is.mac
			}
		}
	}
	return sa, nil
}

// The errors of an ESP packet that did not open; preallocated, so that a stream of
// packets under a wrong key costs no allocations.
var (
	errESPShort   = fmt.Errorf("%w: the packet is shorter than IV, padding and ICV", decode.ErrESPTrailer)
	errESPBlock   = fmt.Errorf("%w: the ciphertext is not a whole number of cipher blocks", decode.ErrESPTrailer)
	errESPPadLen  = fmt.Errorf("%w: the pad length is longer than the packet", decode.ErrESPTrailer)
	errESPGarbage = fmt.Errorf("%w: the padding is not 1, 2, 3... and the next header is no protocol", decode.ErrESPTrailer)
	errESPICV     = fmt.Errorf("%w", decode.ErrICV)
	errESPTag     = fmt.Errorf("%w: the AEAD tag does not match", decode.ErrICV)
)

// open checks and decrypts one ESP packet (raw: SPI to the end) into buf. It returns
// the payload (the inner packet, trailer stripped), the next header, whether integrity
// was verified, and the grown buffer.
func (sa *espSA) open(raw, buf []byte) (payload []byte, next uint8, verified bool, out []byte, err error) {
	s := &sa.spec
	out = buf
	icv := sa.k.ICVLen
	if len(raw) < 8+s.ivLen+icv+2 {
		return nil, 0, false, out, errESPShort
	}
	body := raw[8 : len(raw)-icv]
	var plain []byte
	switch s.mode {
	case modeGCM, modeChaCha, modeCCM:
		nonce := sa.nonce[:sa.saltLen+8]
		copy(nonce[sa.saltLen:], raw[8:16])
		if sa.k.Encr.ID == EncrNullAuthAESGMAC {
			// RFC 4543 3: everything up to the tag is authenticated, nothing encrypted.
			aad := raw[:len(raw)-icv]
			_, err = sa.aead.Open(out[:0], nonce, raw[len(raw)-icv:], aad)
			if err != nil {
				return nil, 0, false, out, errESPTag
			}
			plain, verified = raw[16:len(raw)-icv], true
			break
		}
		ct := raw[16:]
		aad := sa.aad[:] // a field: a local array passed to Open would escape
		copy(aad[:8], raw[:8])
		var ok bool
		for _, esn := range []bool{false, true} {
			a := aad[:8]
			if esn { // SPI | seq high (0) | seq low
				copy(aad[:4], raw[:4])
				binary.BigEndian.PutUint32(aad[4:], 0)
				copy(aad[8:], raw[4:8])
				a = aad[:12]
			}
			if s.mode == modeGCM && s.icvLen < 12 {
				out, err = sa.openGCM8(out, nonce, ct, a)
			} else if sa.ccm != nil {
				var p []byte
				p, err = sa.ccm.open(nonce, ct, a)
				out = append(out[:0], p...)
			} else {
				out, err = sa.aead.Open(out[:0], nonce, ct, a)
			}
			if err == nil {
				ok = true
				break
			}
		}
		if !ok {
			return nil, 0, false, out, errESPTag
		}
		plain, verified = out, true
	default:
		if sa.mac != nil || sa.macFn != nil {
			if !sa.checkICV(raw[:len(raw)-icv], raw[len(raw)-icv:]) {
				return nil, 0, false, out, errESPICV
			}
			verified = true
		}
		iv, ct := body[:s.ivLen], body[s.ivLen:]
		if cap(out) < len(ct) {
			out = make([]byte, len(ct), len(ct)+len(ct)/2+64)
		}
		out = out[:len(ct)]
		switch s.mode {
		case modeNull:
			copy(out, ct)
		case modeCBC:
			if len(ct) == 0 || len(ct)%s.block != 0 {
				return nil, 0, false, out, errESPBlock
			}
			sa.cbcDecrypt(out, ct, iv)
		case modeCTR:
			sa.ctrXOR(out, ct, iv)
		}
		plain = out
	}
	if len(plain) < 2 {
		return nil, 0, verified, out, errESPShort
	}
	padLen, next := int(plain[len(plain)-2]), plain[len(plain)-1]
	if padLen+2 > len(plain) {
		return nil, 0, verified, out, errESPPadLen
	}
	pad := plain[len(plain)-2-padLen : len(plain)-2]
	if !verified && !defaultPadding(pad) && impossibleNext(next) {
		return nil, 0, false, out, errESPGarbage
	}
	return plain[:len(plain)-2-padLen], next, verified, out, nil
}

// openGCM8 opens AES-GCM with an 8-byte tag: the plaintext from the GCM counter stream,
// then the tag recomputed by sealing it again (into sa.seal, reused).
func (sa *espSA) openGCM8(out, nonce, ct, aad []byte) ([]byte, error) {
	const tagLen = 8
	if len(ct) < tagLen {
		return out, errOpen
	}
	n := len(ct) - tagLen
	if cap(out) < n {
		out = make([]byte, n, n+n/2+64)
	}
	out = out[:n]
	copy(sa.counter[:12], nonce)
	for i, c := 0, uint32(2); i < n; i, c = i+16, c+1 { // inc32(J0) onwards
		binary.BigEndian.PutUint32(sa.counter[12:], c)
		sa.block.Encrypt(sa.ks[:], sa.counter[:])
		end := min(i+16, n)
		subtle.XORBytes(out[i:end], ct[i:end], sa.ks[:end-i])
	}
	sa.seal = sa.aead.Seal(sa.seal[:0], nonce, out, aad)
	if subtle.ConstantTimeCompare(sa.seal[n:n+tagLen], ct[n:]) != 1 {
		return out, errOpen
	}
	return out, nil
}

// defaultPadding reports whether pad is 1, 2, 3, ... as RFC 4303 2.4 has senders pad
// by default.
func defaultPadding(pad []byte) bool {
	for i, b := range pad {
		if b != byte(i+1) {
			return false
		}
	}
	return true
}

// impossibleNext reports whether no sender would put next in an ESP trailer: protocol
// numbers IANA has not assigned (146-252) and the reserved 255.
func impossibleNext(next uint8) bool { return next > 145 && next != 253 && next != 254 }

var zeroSeqHi [4]byte

func (sa *espSA) checkICV(data, icv []byte) bool {
	for _, esn := range []bool{false, true} {
		var sum []byte
		if sa.mac != nil {
			sa.mac.Reset()
			sa.mac.Write(data)
			if esn {
				sa.mac.Write(zeroSeqHi[:])
			}
			sum = sa.mac.Sum(sa.sum[:0])
		} else {
			d := data
			if esn {
				d = append(append([]byte(nil), data...), 0, 0, 0, 0)
			}
			var err error
			if sum, err = sa.macFn(sa.k.IntegKey, d); err != nil {
				return false
			}
		}
		if len(sum) >= len(icv) && subtle.ConstantTimeCompare(sum[:len(icv)], icv) == 1 {
			return true
		}
	}
	return false
}

// cbcDecrypt decrypts block by block; cipher.NewCBCDecrypter would allocate per packet.
func (sa *espSA) cbcDecrypt(dst, src, iv []byte) {
	bs := sa.spec.block
	prev := sa.iv[:bs]
	copy(prev, iv)
	var cur [16]byte
	for i := 0; i < len(src); i += bs {
		copy(cur[:bs], src[i:i+bs])
		sa.block.Decrypt(dst[i:i+bs], src[i:i+bs])
		subtle.XORBytes(dst[i:i+bs], dst[i:i+bs], prev)
		copy(prev, cur[:bs])
	}
}

// ctrXOR is RFC 3686 counter mode: nonce | IV | block counter from 1.
func (sa *espSA) ctrXOR(dst, src, iv []byte) {
	copy(sa.counter[:4], sa.k.EncKey[sa.spec.keyLen:])
	copy(sa.counter[4:12], iv)
	for i, n := 0, uint32(1); i < len(src); i, n = i+16, n+1 {
		binary.BigEndian.PutUint32(sa.counter[12:], n)
		sa.block.Encrypt(sa.ks[:], sa.counter[:])
		end := min(i+16, len(src))
		subtle.XORBytes(dst[i:end], src[i:end], sa.ks[:end-i])
	}
}

// espState is what a Decrypter keeps for ESP: the SAs by SPI, and the buffers every
// packet reuses.
type espState struct {
	bySPI map[uint32][]*espSA
	any   []*espSA // keys without an SPI
	bad   []error  // keys that could not be used (an unsupported algorithm)
	inner decode.Inner
	buf   []byte
	cands []*espSA
}

func newESPState(keys []*ESPKeys) *espState {
	st := &espState{bySPI: map[uint32][]*espSA{}}
	for _, k := range keys {
		sa, err := newESPSA(k)
		if err != nil {
			st.bad = append(st.bad, fmt.Errorf("%s: %w", k.Source, err))
			continue
		}
		if k.AnySPI {
			st.any = append(st.any, sa)
		} else {
			st.bySPI[k.SPI] = append(st.bySPI[k.SPI], sa)
		}
	}
	return st
}

func (sa *espSA) matches(src, dst netip.Addr) bool {
	return (!sa.k.Dst.IsValid() || sa.k.Dst == dst.Unmap()) && (!sa.k.Src.IsValid() || sa.k.Src == src.Unmap())
}

// openESP sets m.Inner when keys cover the packet. Where several key sets fit, one
// whose ICV verifies wins, then one that decrypts to a sane trailer, then the first
// failure (an ICV mismatch before a trailer error).
func (d *Decrypter) openESP(m *decode.Message) {
	st := d.esp
	if st == nil || len(m.ESP.Raw) < 8 {
		return
	}
	src, dst := m.Src.Addr(), m.Dst.Addr()
	cands := st.cands[:0]
	for _, sa := range st.bySPI[m.ESP.SPI] {
		if sa.matches(src, dst) {
			cands = append(cands, sa)
		}
	}
	for _, sa := range st.any {
		if sa.matches(src, dst) {
			cands = append(cands, sa)
		}
	}
	if len(cands) == 0 {
		// A NAT between the key source and the capture point changes the addresses the
		// keys name: the SPI alone decides then, and the ICV or trailer checks the choice.
		cands = append(cands, st.bySPI[m.ESP.SPI]...)
		cands = append(cands, st.any...)
	}
	st.cands = cands
	if len(cands) == 0 {
		return
	}
	in := &st.inner
	if m.Truncated {
		*in = decode.Inner{Err: decode.ErrESPTruncated, Source: cands[0].k.Source, Integrity: "not checked"}
		m.Inner = in
		return
	}
	var (
		best     *espSA
		bestNext uint8
		bestPay  []byte
		bestVer  bool
		firstErr error
		errSA    *espSA
	)
	for _, sa := range cands {
		pay, next, ver, buf, err := sa.open(m.ESP.Raw, st.buf)
		st.buf = buf
		if err != nil {
			if firstErr == nil || errors.Is(err, decode.ErrICV) && !errors.Is(firstErr, decode.ErrICV) {
				firstErr, errSA = err, sa
			}
			continue
		}
		if best == nil || ver && !bestVer {
			best, bestNext, bestPay, bestVer = sa, next, pay, ver
			if ver {
				break
			}
		}
	}
	if best == nil {
		*in = decode.Inner{Err: firstErr, Source: errSA.k.Source}
		if errSA.k.IntegKey != nil || errSA.spec.aead() {
			in.Integrity = "verified"
		} else {
			in.Integrity = "not checked"
		}
		if errors.Is(firstErr, decode.ErrICV) {
			in.Integrity = "failed"
		}
		m.Inner = in
		return
	}
	if best != cands[len(cands)-1] && !bestVer {
		// bestPay may sit in st.buf, which a later candidate overwrote: open it again.
		bestPay, bestNext, _, st.buf, _ = best.open(m.ESP.Raw, st.buf)
	}
	in.Summarise(bestNext, bestPay)
	in.Err, in.Source = nil, best.k.Source
	in.Integrity = "not checked"
	if bestVer {
		in.Integrity = "verified"
	}
	if !in.Tunnel && bestNext != 59 {
		in.Src, in.Dst = src, dst
	}
	m.Inner = in
}

// newHMAC returns a reusable HMAC for an integrity algorithm, or nil.
func newHMAC(id uint16, key []byte) hash.Hash {
	s, err := Integ{ID: id}.spec()
	if err != nil || s.mac == nil {
		return nil
	}
	switch id {
	case IntegAESXCBC96, IntegAESCMAC96:
		return nil
	}
	var f func() hash.Hash
	switch id {
	case IntegHMACMD596, IntegHMACMD5128:
		f = md5.New
	case IntegHMACSHA196, IntegHMACSHA1160:
		f = sha1.New
	case IntegHMACSHA256128, IntegHMACSHA256_96:
		f = sha256.New
	case IntegHMACSHA384192:
		f = sha512.New384
	case IntegHMACSHA512256:
		f = sha512.New
	default:
		return nil
	}
	return hmac.New(f, key)
}

package ikecrypt

import (
	"crypto/cipher"
	"crypto/subtle"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
)

// openSK decrypts the Encrypted (SK) or Encrypted Fragment (SKF) payload of an IKEv2
// message (RFC 7296 3.14, RFC 7383 2.5) and checks its integrity:
//
//	msg[:aadEnd]        the IKE header, any payloads before SK and the SK/SKF header:
//	                    the AEAD associated data (RFC 5282 5.1)
//	msg[aadEnd:end]     IV | ciphertext | ICV
//	msg[:end-ICV]       what the integrity checksum covers (non-AEAD)
//
// It returns the inner payload bytes without padding, and the pad length. A checksum or
// tag mismatch gives errOpen; a plaintext whose pad length does not fit gives
// errBadPadding; too little data gives errShortSK.
func openSK(es *encrSpec, is *integSpec, ekey, akey, msg []byte, aadEnd, end int) ([]byte, int, error) {
	if aadEnd < 0 || end > len(msg) || aadEnd > end {
		return nil, 0, errShortSK
	}
	if len(ekey) != es.keyLen+es.saltLen {
		return nil, 0, fmt.Errorf("%w: SK_e is %d bytes, %s needs %d", errKeyLength, len(ekey), es.name, es.keyLen+es.saltLen)
	}
	data := msg[aadEnd:end]
	key, salt := ekey[:es.keyLen], ekey[es.keyLen:]
	var plain []byte
	if es.aead() {
		if len(data) < es.ivLen+es.icvLen {
			return nil, 0, errShortSK
		}
		iv, ct := data[:es.ivLen], data[es.ivLen:]
		nonce := append(append(make([]byte, 0, len(salt)+len(iv)), salt...), iv...)
		aad := msg[:aadEnd]
		var err error
		switch es.mode {
		case modeGCM:
			plain, err = openGCM(key, nonce, ct, aad, es.icvLen)
		case modeCCM:
			var b cipher.Block
			if b, err = es.newBlk(key); err == nil {
				var c *ccm
				if c, err = newCCM(b, len(nonce), es.icvLen); err == nil {
					plain, err = c.open(nonce, ct, aad)
				}
			}
		case modeChaCha:
			var a cipher.AEAD
			if a, err = chacha20poly1305.New(key); err == nil {
				plain, err = a.Open(nil, nonce, ct, aad)
			}
		}
		if err != nil {
			return nil, 0, errOpen
		}
	} else {
		icv := is.icvLen
		if len(data) < es.ivLen+icv {
			return nil, 0, errShortSK
		}
		if is.mac != nil {
			if len(akey) != is.keyLen {
				return nil, 0, fmt.Errorf("%w: SK_a is %d bytes, %s needs %d", errKeyLength, len(akey), is.name, is.keyLen)
			}
			sum, err := is.mac(akey, msg[:end-icv])
			if err != nil || subtle.ConstantTimeCompare(sum[:icv], data[len(data)-icv:]) != 1 {
				return nil, 0, errOpen
			}
		}
		iv, ct := data[:es.ivLen], data[es.ivLen:len(data)-icv]
		plain = make([]byte, len(ct))
		switch es.mode {
		case modeNull:
			copy(plain, ct)
		case modeCBC:
			if len(ct) == 0 || len(ct)%es.block != 0 {
				return nil, 0, errShortSK
			}
			b, err := es.newBlk(key)
			if err != nil {
				return nil, 0, fmt.Errorf("%w: %v", errKeyLength, err)
			}
			cipher.NewCBCDecrypter(b, iv).CryptBlocks(plain, ct)
		case modeCTR:
			b, err := es.newBlk(key)
			if err != nil {
				return nil, 0, fmt.Errorf("%w: %v", errKeyLength, err)
			}
			var cb [16]byte // RFC 3686 4: nonce | IV | block counter from 1
			copy(cb[:4], salt)
			copy(cb[4:12], iv)
			cb[15] = 1
			cipher.NewCTR(b, cb[:]).XORKeyStream(plain, ct)
		}
	}
	if len(plain) == 0 {
		return nil, 0, errBadPadding
	}
	pad := int(plain[len(plain)-1])
	if pad+1 > len(plain) {
		return nil, 0, errBadPadding
	}
	return plain[:len(plain)-pad-1], pad, nil
}

var (
	errShortSK    = fmt.Errorf("%w: too short for its algorithm", ErrMalformed)
	errBadPadding = fmt.Errorf("%w: the pad length runs past the plaintext", ErrWrongKey)
	errKeyLength  = fmt.Errorf("%w: key length does not fit the algorithm", ErrNoState)
)

// openGCM opens AES-GCM with an 8, 12 or 16-byte tag. The standard library's GCM takes
// tags of 12 to 16 bytes only, so for 8 bytes the plaintext is recovered with the GCM
// counter stream and the tag recomputed by sealing it again.
func openGCM(key, nonce, ct, aad []byte, tagLen int) ([]byte, error) {
	b, err := newAES(key)
	if err != nil {
		return nil, err
	}
	if tagLen >= 12 {
		g, err := cipher.NewGCMWithTagSize(b, tagLen)
		if err != nil {
			return nil, err
		}
		return g.Open(nil, nonce, ct, aad)
	}
	if len(ct) < tagLen || len(nonce) != 12 {
		return nil, errOpen
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return nil, err
	}
	n := len(ct) - tagLen
	var j [16]byte // inc32(J0): the first counter block for the plaintext
	copy(j[:12], nonce)
	j[15] = 2
	plain := make([]byte, n)
	cipher.NewCTR(b, j[:]).XORKeyStream(plain, ct[:n])
	sealed := g.Seal(nil, nonce, plain, aad)
	if subtle.ConstantTimeCompare(sealed[n:n+tagLen], ct[n:]) != 1 {
		return nil, errOpen
	}
	return plain, nil
}

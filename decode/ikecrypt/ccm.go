package ikecrypt

import (
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"errors"
)

// ccm is AES-CCM (RFC 3610) for decryption, as RFC 4309 and RFC 5282 use it: an 11-byte
// nonce (3-byte salt and 8-byte IV) and an 8, 12 or 16-byte ICV. The standard library and
// golang.org/x/crypto have no CCM, so it is written here and tested against the packet
// vectors of RFC 3610 section 8 and the CCM captures of Wireshark's test suite.
type ccm struct {
	b        cipher.Block
	nonceLen int
	tagLen   int
}

var errCCMParams = errors.New("ccm: nonce length must be 7-13 and tag length 4-16 and even")

func newCCM(b cipher.Block, nonceLen, tagLen int) (*ccm, error) {
	if b.BlockSize() != 16 || nonceLen < 7 || nonceLen > 13 || tagLen < 4 || tagLen > 16 || tagLen%2 != 0 {
		return nil, errCCMParams
	}
	return &ccm{b: b, nonceLen: nonceLen, tagLen: tagLen}, nil
}

// errOpen is the only error an AEAD open gives for a wrong key, tag or data.
var errOpen = errors.New("message authentication failed")

// open decrypts ciphertext||tag and checks the tag over aad and the plaintext.
func (c *ccm) open(nonce, ciphertext, aad []byte) ([]byte, error) {
	if len(nonce) != c.nonceLen || len(ciphertext) < c.tagLen {
		return nil, errOpen
	}
	l := 15 - c.nonceLen
	n := len(ciphertext) - c.tagLen
	if l < 8 && uint64(n) >= 1<<(8*l) {
		return nil, errOpen
	}
	ct, tag := ciphertext[:n], ciphertext[n:]
	plain := make([]byte, n)
	c.ctr(plain, ct, nonce, 1)
	var s0 [16]byte
	c.ctr(s0[:c.tagLen], make([]byte, c.tagLen), nonce, 0)
	mac := c.mac(nonce, plain, aad)
	subtle.XORBytes(mac[:c.tagLen], mac[:c.tagLen], s0[:c.tagLen])
	if subtle.ConstantTimeCompare(mac[:c.tagLen], tag) != 1 {
		return nil, errOpen
	}
	return plain, nil
}

// seal encrypts plain and appends the tag; the tests use it for round trips.
func (c *ccm) seal(nonce, plain, aad []byte) []byte {
	mac := c.mac(nonce, plain, aad)
	out := make([]byte, len(plain)+c.tagLen)
	c.ctr(out, plain, nonce, 1)
	c.ctr(out[len(plain):], mac[:c.tagLen], nonce, 0)
	return out
}

// ctr XORs src with the key stream A_i, A_i+1, ... into dst.
func (c *ccm) ctr(dst, src, nonce []byte, i uint64) {
	var a, s [16]byte
	l := 15 - c.nonceLen
	a[0] = byte(l - 1)
	copy(a[1:], nonce)
	for len(src) > 0 {
		putCounter(a[16-l:], i)
		c.b.Encrypt(s[:], a[:])
		k := subtle.XORBytes(dst, src, s[:])
		dst, src = dst[k:], src[k:]
		i++
	}
}

func putCounter(b []byte, i uint64) {
	for j := len(b) - 1; j >= 0; j-- {
		b[j] = byte(i)
		i >>= 8
	}
}

// mac is the CBC-MAC over B_0, the encoded associated data and the message (RFC 3610 2.2).
func (c *ccm) mac(nonce, plain, aad []byte) [16]byte {
	var x, blk [16]byte
	l := 15 - c.nonceLen
	flags := byte((c.tagLen-2)/2<<3 | (l - 1))
	if len(aad) > 0 {
		flags |= 0x40
	}
	blk[0] = flags
	copy(blk[1:], nonce)
	putCounter(blk[16-l:], uint64(len(plain)))
	c.b.Encrypt(x[:], blk[:])

	if len(aad) > 0 {
		var hdr []byte
		switch {
		case len(aad) < 0xff00:
			hdr = binary.BigEndian.AppendUint16(nil, uint16(len(aad)))
		case uint64(len(aad)) <= 0xffffffff:
			hdr = binary.BigEndian.AppendUint32([]byte{0xff, 0xfe}, uint32(len(aad)))
		default:
			hdr = binary.BigEndian.AppendUint64([]byte{0xff, 0xff}, uint64(len(aad)))
		}
		c.absorb(&x, hdr, aad)
	}
	c.absorb(&x, nil, plain)
	return x
}

// absorb feeds prefix||data, zero-padded to whole blocks, into the CBC-MAC state x.
func (c *ccm) absorb(x *[16]byte, prefix, data []byte) {
	var blk [16]byte
	n := copy(blk[:], prefix)
	for {
		k := copy(blk[n:], data)
		data = data[k:]
		n += k
		if n < 16 && len(data) == 0 {
			if n == 0 {
				return
			}
			clear(blk[n:])
		}
		subtle.XORBytes(x[:], x[:], blk[:])
		c.b.Encrypt(x[:], x[:])
		n = 0
		if len(data) == 0 {
			return
		}
	}
}

package ikecrypt

import (
	"encoding/binary"

	"github.com/ikescope/ikescope/decode"
)

// chainEnd walks the generic payload headers of a plaintext from its first payload and
// returns where the chain ends. ok is false when the plaintext does not look like a
// payload chain: an unknown payload type, a non-zero reserved field, a length that does
// not fit. Without an integrity checksum this is what tells a right key from a wrong one:
// a wrong key or IV turns the first block into noise, and noise passes these checks about
// once in a few million tries.
func chainEnd(plain []byte, first decode.PayloadType, v2 bool) (end int, ok bool) {
	off := 0
	next := first
	for n := 0; next != decode.PayloadNone; n++ {
		if n > 4096 || !knownInner(next, v2) || off+4 > len(plain) {
			return 0, false
		}
		reserved := plain[off+1]
		if v2 {
			reserved &= 0x7f // the critical bit
		}
		l := int(binary.BigEndian.Uint16(plain[off+2:]))
		if reserved != 0 || l < 4 || off+l > len(plain) {
			return 0, false
		}
		next = decode.PayloadType(plain[off])
		off += l
	}
	return off, true
}

// knownInner reports whether t can appear inside an encrypted body.
func knownInner(t decode.PayloadType, v2 bool) bool {
	if v2 {
		return t >= decode.PayloadSA && t <= 54 && t != decode.PayloadSK && t != decode.PayloadSKF
	}
	return (t >= decode.PayloadV1SA && t <= 22 && t != decode.PayloadV1Proposal && t != decode.PayloadV1Transform) || (t >= 130 && t <= 132)
}

// firstHeaderOK checks only the first generic payload header of a plaintext.
func firstHeaderOK(plain []byte, first decode.PayloadType, v2 bool) bool {
	if first == decode.PayloadNone {
		return true
	}
	if !knownInner(first, v2) || len(plain) < 4 {
		return false
	}
	reserved := plain[1]
	if v2 {
		reserved &= 0x7f
	}
	l := int(binary.BigEndian.Uint16(plain[2:]))
	return reserved == 0 && l >= 4 && l <= len(plain)
}

package ikecrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
)

// xcbcMAC computes AES-XCBC-MAC (RFC 3566) with a 16-byte key: a CBC-MAC under a key
// derived from K, whose last block is masked with one of two further derived keys.
func xcbcMAC(key, msg []byte) ([]byte, error) {
	k, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	var k1, k2, k3 [16]byte
	for i := range k1 {
		k1[i], k2[i], k3[i] = 1, 2, 3
	}
	k.Encrypt(k1[:], k1[:])
	k.Encrypt(k2[:], k2[:])
	k.Encrypt(k3[:], k3[:])
	c, err := aes.NewCipher(k1[:])
	if err != nil {
		return nil, err
	}
	return cbcMACLast(c, msg, k2[:], k3[:]), nil
}

// cmacMAC computes AES-CMAC (RFC 4493): the same shape as XCBC with subkeys derived by
// doubling in GF(2^128).
func cmacMAC(key, msg []byte) ([]byte, error) {
	c, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	var l [16]byte
	c.Encrypt(l[:], l[:])
	k1 := gfDouble(l)
	k2 := gfDouble(k1)
	return cbcMACLast(c, msg, k1[:], k2[:]), nil
}

func gfDouble(b [16]byte) [16]byte {
	var out [16]byte
	carry := b[0] >> 7
	for i := 0; i < 15; i++ {
		out[i] = b[i]<<1 | b[i+1]>>7
	}
	out[15] = b[15] << 1
	if carry != 0 {
		out[15] ^= 0x87
	}
	return out
}

// cbcMACLast runs a CBC-MAC over msg; a complete last block is masked with full, a
// padded (10*) last block with partial.
func cbcMACLast(c cipher.Block, msg, full, partial []byte) []byte {
	var x [16]byte
	n := len(msg)
	for n > 16 {
		subtle.XORBytes(x[:], x[:], msg[:16])
		c.Encrypt(x[:], x[:])
		msg, n = msg[16:], n-16
	}
	var last [16]byte
	copy(last[:], msg)
	if n == 16 {
		subtle.XORBytes(last[:], last[:], full)
	} else {
		last[n] = 0x80
		subtle.XORBytes(last[:], last[:], partial)
	}
	subtle.XORBytes(x[:], x[:], last[:])
	c.Encrypt(x[:], x[:])
	return x[:]
}

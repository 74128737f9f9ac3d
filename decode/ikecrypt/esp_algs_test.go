package ikecrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"net/netip"
	"strings"
	"testing"

	"github.com/ikescope/ikescope/decode"
	"golang.org/x/crypto/blowfish"
	"golang.org/x/crypto/cast5"
	"golang.org/x/crypto/chacha20poly1305"
)

// sealESP builds an ESP packet as RFC 4303 and the cipher RFCs say a sender does, with
// the standard library's modes (the decrypter has its own CBC and CTR loops): padding
// 1, 2, 3..., IV random, ICV over SPI to the end of the ciphertext.
func sealESP(t testing.TB, k *ESPKeys, seq uint32, next uint8, inner []byte) []byte {
	t.Helper()
	s, err := k.Encr.espSpec()
	if err != nil {
		t.Fatal(err)
	}
	key, salt := k.EncKey[:s.keyLen], k.EncKey[s.keyLen:]
	align := max(s.block, 4)
	padLen := (align - (len(inner)+2)%align) % align
	plain := append([]byte(nil), inner...)
	for i := 1; i <= padLen; i++ {
		plain = append(plain, byte(i))
	}
	plain = append(plain, byte(padLen), next)
	hdr := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, k.SPI), seq)
	iv := randBytes(s.ivLen)
	out := append(append([]byte(nil), hdr...), iv...)
	switch s.mode {
	case modeNull:
		out = append(out, plain...)
	case modeCBC:
		var b cipher.Block
		switch k.Encr.ID {
		case EncrAESCBC:
			b, err = aes.NewCipher(key)
		case Encr3DES:
			b, err = des.NewTripleDESCipher(key)
		case EncrBlowfish:
			b, err = blowfish.NewCipher(key)
		case EncrCAST:
			b, err = cast5.NewCipher(key)
		}
		if err != nil {
			t.Fatal(err)
		}
		ct := make([]byte, len(plain))
		cipher.NewCBCEncrypter(b, iv).CryptBlocks(ct, plain)
		out = append(out, ct...)
	case modeCTR:
		b, _ := aes.NewCipher(key)
		ctr := append(append(append([]byte(nil), salt...), iv...), 0, 0, 0, 1)
		ct := make([]byte, len(plain))
		cipher.NewCTR(b, ctr).XORKeyStream(ct, plain)
		out = append(out, ct...)
	case modeGCM, modeChaCha:
		var a cipher.AEAD
		if s.mode == modeChaCha {
			a, _ = chacha20poly1305.New(key)
		} else {
			b, _ := aes.NewCipher(key)
			a, _ = cipher.NewGCM(b)
		}
		cut := 16 - s.icvLen // GCM's shorter tags are the full tag's first bytes
		nonce := append(append([]byte(nil), salt...), iv...)
		if k.Encr.ID == EncrNullAuthAESGMAC {
			out = append(out, plain...)
			return a.Seal(out, nonce, nil, out)
		}
		sealed := a.Seal(out, nonce, plain, hdr)
		if s.mode == modeGCM {
			sealed = sealed[:len(sealed)-cut]
		}
		return sealed
	}
	if k.IntegKey != nil {
		var h func() hash.Hash
		switch k.Integ.ID {
		case IntegHMACMD596:
			h = md5.New
		case IntegHMACSHA196:
			h = sha1.New
		case IntegHMACSHA256128:
			h = sha256.New
		case IntegHMACSHA384192:
			h = sha512.New384
		case IntegHMACSHA512256:
			h = sha512.New
		case IntegAESXCBC96:
			sum, _ := xcbcMAC(k.IntegKey, out)
			return append(out, sum[:12]...)
		}
		m := hmac.New(h, k.IntegKey)
		m.Write(out)
		out = append(out, m.Sum(nil)[:k.ICVLen]...)
	} else {
		out = append(out, randBytes(k.ICVLen)...)
	}
	return out
}

// icmpEcho is an IPv4 echo request from src to dst with a 56-byte payload.
func icmpEcho(src, dst string, id, seq uint16) []byte {
	b := make([]byte, 84)
	b[0], b[8], b[9] = 0x45, 64, 1
	binary.BigEndian.PutUint16(b[2:], 84)
	binary.BigEndian.PutUint16(b[6:], 0x4000)
	copy(b[12:], netip.MustParseAddr(src).AsSlice())
	copy(b[16:], netip.MustParseAddr(dst).AsSlice())
	b[20] = 8
	binary.BigEndian.PutUint16(b[24:], id)
	binary.BigEndian.PutUint16(b[26:], seq)
	for i := 28; i < 84; i++ {
		b[i] = byte(i)
	}
	return b
}

// espKernelStates are manually keyed SAs, one per algorithm, as `ip xfrm state` prints
// them (iproute2's xfrm_algo_print: "enc NAME 0xKEY", "auth-trunc NAME 0xKEY BITS",
// "aead NAME 0xKEY ICV-BITS"). The kernel of the machine these tests were written on
// has no ESP (no esp4 module), so pcaps/record-esp.sh could not record its capture
// there; TestESPKernelCapture reads it where it has been recorded.
const espKernelStates = `src 192.0.2.1 dst 192.0.2.2
	proto esp spi 0x00001001 reqid 1 mode tunnel
	replay-window 0 flag af-unspec
	auth-trunc hmac(sha1) 0x0102030405060708090a0b0c0d0e0f1011121314 96
	enc cbc(aes) 0x000102030405060708090a0b0c0d0e0f
	anti-replay context: seq 0x0, oseq 0x2, bitmap 0x00000000
src 192.0.2.1 dst 192.0.2.2
	proto esp spi 0x00001002 reqid 2 mode tunnel
	replay-window 0 flag af-unspec
	auth-trunc hmac(sha256) 0x202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f 128
	enc cbc(aes) 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
src 192.0.2.1 dst 192.0.2.2
	proto esp spi 0x00001003 reqid 3 mode tunnel
	replay-window 0 flag af-unspec
	auth-trunc hmac(md5) 0x404142434445464748494a4b4c4d4e4f 96
	enc cbc(des3_ede) 0x000102030405060708090a0b0c0d0e0f1011121314151617
src 192.0.2.1 dst 192.0.2.2
	proto esp spi 0x00001004 reqid 4 mode tunnel
	replay-window 0 flag af-unspec
	auth-trunc hmac(sha1) 0x0102030405060708090a0b0c0d0e0f1011121314 96
	enc cbc(blowfish) 0x000102030405060708090a0b0c0d0e0f
src 192.0.2.1 dst 192.0.2.2
	proto esp spi 0x00001005 reqid 5 mode tunnel
	replay-window 0 flag af-unspec
	auth-trunc hmac(sha1) 0x0102030405060708090a0b0c0d0e0f1011121314 96
	enc cbc(cast5) 0x000102030405060708090a0b0c0d0e0f
src 192.0.2.1 dst 192.0.2.2
	proto esp spi 0x00001006 reqid 6 mode tunnel
	replay-window 0 flag af-unspec
	auth-trunc hmac(sha256) 0x202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f 128
	enc rfc3686(ctr(aes)) 0x000102030405060708090a0b0c0d0e0fa0a1a2a3
src 192.0.2.1 dst 192.0.2.2
	proto esp spi 0x00001007 reqid 7 mode tunnel
	replay-window 0 flag af-unspec
	aead rfc4106(gcm(aes)) 0x000102030405060708090a0b0c0d0e0fb0b1b2b3 64
src 192.0.2.1 dst 192.0.2.2
	proto esp spi 0x00001008 reqid 8 mode tunnel
	replay-window 0 flag af-unspec
	aead rfc4106(gcm(aes)) 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1fb0b1b2b3 96
src 192.0.2.1 dst 192.0.2.2
	proto esp spi 0x00001009 reqid 9 mode tunnel
	replay-window 0 flag af-unspec
	aead rfc4106(gcm(aes)) 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1fb0b1b2b3 128
	encap type espinudp sport 4500 dport 4500 addr 0.0.0.0
src 192.0.2.1 dst 192.0.2.2
	proto esp spi 0x0000100a reqid 10 mode tunnel
	replay-window 0 flag af-unspec
	aead rfc7539esp(chacha20,poly1305) 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1fc0c1c2c3 128
src 192.0.2.1 dst 192.0.2.2
	proto esp spi 0x0000100b reqid 11 mode tunnel
	replay-window 0 flag af-unspec
	auth-trunc hmac(sha256) 0x202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f 128
	enc ecb(cipher_null) 0x
src 192.0.2.1 dst 192.0.2.2
	proto esp spi 0x0000100c reqid 12 mode tunnel
	replay-window 0 flag af-unspec
	auth-trunc hmac(sha384) 0x606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f606162636465666768696a6b6c6d6e6f 192
	enc cbc(aes) 0x000102030405060708090a0b0c0d0e0f
src 192.0.2.1 dst 192.0.2.2
	proto esp spi 0x0000100d reqid 13 mode tunnel
	replay-window 0 flag af-unspec
	auth-trunc hmac(sha512) 0x606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f 256
	enc cbc(aes) 0x000102030405060708090a0b0c0d0e0f
src 192.0.2.1 dst 192.0.2.2
	proto esp spi 0x0000100e reqid 14 mode tunnel
	replay-window 0 flag af-unspec
	auth-trunc xcbc(aes) 0x808182838485868788898a8b8c8d8e8f 96
	enc cbc(aes) 0x000102030405060708090a0b0c0d0e0f
src 192.0.2.1 dst 192.0.2.2
	proto esp spi 0x0000100f reqid 15 mode tunnel
	replay-window 0 flag af-unspec
	aead rfc4543(gcm(aes)) 0x000102030405060708090a0b0c0d0e0fd0d1d2d3 128
`

func TestESPAlgorithms(t *testing.T) {
	keys := parseKeysText(t, "xfrm-state.txt", espKernelStates)
	want := []struct {
		spi   uint32
		encr  string
		integ uint16
		icv   int
	}{
		{0x1001, "AES-CBC-128", IntegHMACSHA196, 12},
		{0x1002, "AES-CBC-256", IntegHMACSHA256128, 16},
		{0x1003, "3DES", IntegHMACMD596, 12},
		{0x1004, "Blowfish-128", IntegHMACSHA196, 12},
		{0x1005, "CAST-128", IntegHMACSHA196, 12},
		{0x1006, "AES-CTR-128", IntegHMACSHA256128, 16},
		{0x1007, "AES-GCM-128 with 8 octet ICV", 0, 8},
		{0x1008, "AES-GCM-256 with 12 octet ICV", 0, 12},
		{0x1009, "AES-GCM-256 with 16 octet ICV", 0, 16},
		{0x100a, "ChaCha20-Poly1305", 0, 16},
		{0x100b, "NULL", IntegHMACSHA256128, 16},
		{0x100c, "AES-CBC-128", IntegHMACSHA384192, 24},
		{0x100d, "AES-CBC-128", IntegHMACSHA512256, 32},
		{0x100e, "AES-CBC-128", IntegAESXCBC96, 12},
		{0x100f, "AES-GMAC-128", 0, 16},
	}
	if len(keys.ESP) != len(want) {
		t.Fatalf("%d ESP keys, want %d", len(keys.ESP), len(want))
	}
	for i, w := range want {
		k := keys.ESP[i]
		t.Run(fmt.Sprintf("%08x %s", w.spi, w.encr), func(t *testing.T) {
			if k.SPI != w.spi || k.Encr.espName() != w.encr || k.Integ.ID != w.integ || k.ICVLen != w.icv ||
				k.Src != netip.MustParseAddr("192.0.2.1") || k.Dst != netip.MustParseAddr("192.0.2.2") {
				t.Fatalf("parsed %08x %s %v icv %d %s > %s", k.SPI, k.Encr.espName(), k.Integ, k.ICVLen, k.Src, k.Dst)
			}
			d := NewDecrypter(keys)
			for seq := uint32(1); seq <= 3; seq++ {
				raw := sealESP(t, k, seq, 4, icmpEcho("10.1.0.1", "10.2.0.1", 77, uint16(seq)))
				m := &decode.Message{Kind: decode.KindESP, Src: netip.MustParseAddrPort("192.0.2.1:0"), Dst: netip.MustParseAddrPort("192.0.2.2:0"),
					ESP: decode.ESPHeader{SPI: k.SPI, Seq: seq, Len: len(raw) - 8, Raw: raw}}
				d.Open(m)
				in := m.Inner
				if in == nil || in.Err != nil {
					t.Fatalf("seq %d: %+v", seq, in)
				}
				wantIntegrity := "verified"
				if got := innerLine(in); got != fmt.Sprintf("10.1.0.1 > 10.2.0.1 proto 1 type 8 id 77 seq %d", seq) || in.Integrity != wantIntegrity || !in.DF || in.TTL != 64 || in.Len != 84 {
					t.Errorf("seq %d: %s integrity %q DF %v TTL %d len %d", seq, got, in.Integrity, in.DF, in.TTL, in.Len)
				}
				// One bit flipped in the ciphertext: the ICV or tag no longer matches.
				raw[len(raw)/2] ^= 1
				d.Open(m)
				if m.Inner == nil || !errors.Is(m.Inner.Err, decode.ErrICV) || m.Inner.Integrity != "failed" {
					t.Errorf("seq %d with a flipped bit: %+v", seq, m.Inner)
				}
			}
		})
	}
}

// The receiver's authentication key differs from the sender's: with the receiver's
// keys every packet fails its ICV, as the kernel drops it; with both peers' keys the
// sender's wins.
func TestESPAuthKeyMismatch(t *testing.T) {
	sender := parseKeysText(t, "a.txt", "src 192.0.2.1 dst 192.0.2.2\n"+strings.Split(espKernelStates, "src 192.0.2.1 dst 192.0.2.2\n")[2])
	receiver := parseKeysText(t, "b.txt", strings.Replace("src 192.0.2.1 dst 192.0.2.2\n"+strings.Split(espKernelStates, "src 192.0.2.1 dst 192.0.2.2\n")[2], "0x2021", "0x2121", 1))
	raw := sealESP(t, sender.ESP[0], 1, 4, icmpEcho("10.1.0.1", "10.2.0.1", 1, 1))
	m := &decode.Message{Kind: decode.KindESP, ESP: decode.ESPHeader{SPI: 0x1002, Seq: 1, Raw: raw}}
	NewDecrypter(receiver).Open(m)
	if m.Inner == nil || !errors.Is(m.Inner.Err, decode.ErrICV) || m.Inner.Source != "b.txt:2" {
		t.Fatalf("receiver's keys: %+v", m.Inner)
	}
	both := &Keys{}
	both.Merge(receiver)
	both.Merge(sender)
	NewDecrypter(both).Open(m)
	if m.Inner == nil || m.Inner.Err != nil || m.Inner.Source != "a.txt:2" {
		t.Fatalf("both peers' keys: %+v", m.Inner)
	}
}

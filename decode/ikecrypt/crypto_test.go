package ikecrypt

import (
	"bytes"
	"crypto/aes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ikescope/ikescope/decode"
)

// RFC 3610 section 8, packet vectors 1-4, 7, 10 and 13 (key C0..CF, and D7828D13... for
// 13), the first 8 or 12 bytes of each packet being the associated data. Vectors 7 and 10
// have a 10-byte tag.
func TestCCMRFC3610(t *testing.T) {
	tests := []struct {
		name                           string
		key, nonce, aad, plain, sealed string
		tag                            int
	}{
		{"vector 1", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "00000003020100a0a1a2a3a4a5", "0001020304050607",
			"08090a0b0c0d0e0f101112131415161718191a1b1c1d1e",
			"588c979a61c663d2f066d0c2c0f989806d5f6b61dac38417e8d12cfdf926e0", 8},
		{"vector 2", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "00000004030201a0a1a2a3a4a5", "0001020304050607",
			"08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
			"72c91a36e135f8cf291ca894085c87e3cc15c439c9e43a3ba091d56e10400916", 8},
		{"vector 3", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "00000005040302a0a1a2a3a4a5", "0001020304050607",
			"08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
			"51b1e5f44a197d1da46b0f8e2d282ae871e838bb64da8596574adaa76fbd9fb0c5", 8},
		{"vector 4", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "00000006050403a0a1a2a3a4a5", "000102030405060708090a0b",
			"0c0d0e0f101112131415161718191a1b1c1d1e",
			"a28c6865939a9a79faaa5c4c2a9d4a91cdac8c96c861b9c9e61ef1", 8},
		{"vector 7", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "00000009080706a0a1a2a3a4a5", "0001020304050607",
			"08090a0b0c0d0e0f101112131415161718191a1b1c1d1e",
			"0135d1b2c95f41d5d1d4fec185d166b8094e999dfed96c048c56602c97acbb7490", 10},
		{"vector 10", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "0000000c0b0a09a0a1a2a3a4a5", "000102030405060708090a0b",
			"0c0d0e0f101112131415161718191a1b1c1d1e",
			"07342594157785152b074098330abb141b947b566aa9406b4d999988dd", 10},
		{"vector 13", "d7828d13b2b0bdc325a76236df93cc6b", "00412b4ea9cdbe3c9696766cfa", "0be1a88bace018b1",
			"08e8cf97d820ea258460e96ad9cf5289054d895ceac47c",
			"4cb97f86a2a4689a877947ab8091ef5386a6ffbdd080f8e78cf7cb0cddd7b3", 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := aes.NewCipher(unhex(t, tt.key))
			if err != nil {
				t.Fatal(err)
			}
			nonce := unhex(t, tt.nonce)
			c, err := newCCM(b, len(nonce), tt.tag)
			if err != nil {
				t.Fatal(err)
			}
			aad, plain, sealed := unhex(t, tt.aad), unhex(t, tt.plain), unhex(t, tt.sealed)
			if got := c.seal(nonce, plain, aad); !bytes.Equal(got, sealed) {
				t.Errorf("seal = %x, want %x", got, sealed)
			}
			got, err := c.open(nonce, sealed, aad)
			if err != nil || !bytes.Equal(got, plain) {
				t.Errorf("open = %x, %v; want %x", got, err, plain)
			}
			for _, i := range []int{0, len(sealed) - 1} {
				bad := bytes.Clone(sealed)
				bad[i] ^= 1
				if _, err := c.open(nonce, bad, aad); err == nil {
					t.Errorf("open accepted a flipped bit at %d", i)
				}
			}
			if _, err := c.open(nonce, sealed, append(bytes.Clone(aad), 0)); err == nil {
				t.Error("open accepted other associated data")
			}
		})
	}
}

func TestCCMParams(t *testing.T) {
	b, _ := aes.NewCipher(make([]byte, 16))
	for _, p := range [][2]int{{6, 8}, {14, 8}, {11, 3}, {11, 18}, {11, 9}} {
		if _, err := newCCM(b, p[0], p[1]); err == nil {
			t.Errorf("newCCM(nonce %d, tag %d) accepted", p[0], p[1])
		}
	}
	c, _ := newCCM(b, 11, 16)
	if _, err := c.open(make([]byte, 11), make([]byte, 15), nil); err == nil {
		t.Error("open accepted a ciphertext shorter than the tag")
	}
	if _, err := c.open(make([]byte, 10), make([]byte, 32), nil); err == nil {
		t.Error("open accepted a short nonce")
	}
}

// RFC 3566 section 4 (AES-XCBC-MAC) and RFC 4493 section 4 (AES-CMAC).
func TestXCBCAndCMAC(t *testing.T) {
	seq := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i)
		}
		return b
	}
	xcbcKey := seq(16)
	for _, tt := range []struct {
		msg  []byte
		want string
	}{
		{nil, "75f0251d528ac01c4573dfd584d79f29"},
		{seq(3), "5b376580ae2f19afe7219ceef172756f"},
		{seq(16), "d2a246fa349b68a79998a4394ff7a263"},
		{seq(20), "47f51b4564966215b8985c63055ed308"},
		{seq(32), "f54f0ec8d2b9f3d36807734bd5283fd4"},
		{seq(34), "becbb3bccdb518a30677d5481fb6b4d8"},
	} {
		got, err := xcbcMAC(xcbcKey, tt.msg)
		if err != nil || fmt.Sprintf("%x", got) != tt.want {
			t.Errorf("XCBC(%d bytes) = %x, %v; want %s", len(tt.msg), got, err, tt.want)
		}
	}
	cmacKey := unhex(t, "2b7e151628aed2a6abf7158809cf4f3c")
	msg := unhex(t, "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710")
	for _, tt := range []struct {
		n    int
		want string
	}{
		{0, "bb1d6929e95937287fa37d129b756746"},
		{16, "070a16b46b4d4144f79bdd9dd04a287c"},
		{40, "dfa66747de9ae63030ca32611497c827"},
		{64, "51f0bebf7e3b9d92fc49741779363cfe"},
	} {
		got, err := cmacMAC(cmacKey, msg[:tt.n])
		if err != nil || fmt.Sprintf("%x", got) != tt.want {
			t.Errorf("CMAC(%d bytes) = %x, %v; want %s", tt.n, got, err, tt.want)
		}
	}
}

// innerChain is IDi(FQDN west) N(INITIAL_CONTACT), the plaintext the round trips carry.
var innerChain = []byte{
	41, 0, 0, 12, 2, 0, 0, 0, 'w', 'e', 's', 't', // IDi, next N
	0, 0, 0, 8, 0, 0, 0x40, 0x00, // N(INITIAL_CONTACT)
}

// TestSKRoundTrip seals an SK payload with every supported IKEv2 algorithm and opens it
// with the Decrypter; a wrong key gives the integrity error and no payloads.
func TestSKRoundTrip(t *testing.T) {
	encrs := []Encr{
		{EncrNull, 0}, {Encr3DES, 0}, {EncrDES, 0}, {EncrBlowfish, 128}, {EncrCAST, 128},
		{EncrAESCBC, 128}, {EncrAESCBC, 192}, {EncrAESCBC, 256},
		{EncrAESCTR, 128}, {EncrAESCTR, 192}, {EncrAESCTR, 256},
		{EncrAESGCM8, 128}, {EncrAESGCM12, 192}, {EncrAESGCM16, 256},
		{EncrAESCCM8, 128}, {EncrAESCCM12, 192}, {EncrAESCCM16, 256},
		{EncrChaCha20Poly1305, 0},
	}
	integs := []Integ{
		{ID: IntegHMACMD596}, {ID: IntegHMACSHA196}, {ID: IntegHMACSHA256128}, {ID: IntegHMACSHA384192},
		{ID: IntegHMACSHA512256}, {ID: IntegAESXCBC96}, {ID: IntegAESCMAC96}, {ID: IntegHMACMD5128},
		{ID: IntegHMACSHA1160}, {ID: IntegHMACSHA256_96},
	}
	spiI, spiR := [8]byte{1, 2, 3, 4, 5, 6, 7, 8}, [8]byte{9, 10, 11, 12, 13, 14, 15, 16}
	for _, e := range encrs {
		es, _ := e.spec()
		ints := integs
		if es.aead() {
			ints = []Integ{{ID: IntegNone}}
		}
		for _, in := range ints {
			if e.ID == EncrNull && in.ID != IntegHMACSHA256128 {
				continue
			}
			t.Run(e.String()+"/"+in.String(), func(t *testing.T) {
				is, _ := in.spec()
				sa := &SAKeys{Version: 2, InitiatorSPI: spiI, ResponderSPI: spiR, Encr: e, Integ: in, HasInteg: true,
					SKei: randBytes(e.keyMaterial()), SKer: randBytes(e.keyMaterial()),
					SKai: randBytes(is.keyLen), SKar: randBytes(is.keyLen), Source: "test"}
				if is.keyLen == 0 {
					sa.SKai, sa.SKar = nil, nil
				}
				if err := sa.checkV2Lengths(); err != nil {
					t.Fatal(err)
				}
				for _, fromInit := range []bool{true, false} {
					flags, ekey, akey := decode.FlagResponse, sa.SKer, sa.SKar
					if fromInit {
						flags, ekey, akey = decode.FlagInitiator, sa.SKei, sa.SKai
					}
					b := sealSK(t, e, in, ekey, akey, spiI, spiR, flags, 1, decode.PayloadIDi, innerChain, 0, 0)
					d := NewDecrypter(&Keys{SAs: []*SAKeys{sa}})
					res, err := d.Decrypt(decodeMsg(t, b))
					if err != nil {
						t.Fatal(err)
					}
					if !res.Decrypted || res.Integrity != IntegrityVerified || summary(res.Payloads, true) != "IDi(west) N(INITIAL_CONTACT)" || len(res.Errors) > 0 {
						t.Fatalf("got %+v (%s)", res, summary(res.Payloads, true))
					}

					// The other direction's key (a classic mix-up) must fail cleanly.
					wrong := *sa
					wrong.SKei, wrong.SKer, wrong.SKai, wrong.SKar = sa.SKer, sa.SKei, sa.SKar, sa.SKai
					if e.ID == EncrNull {
						continue // NULL has no key; only the checksum key differs
					}
					res, err = NewDecrypter(&Keys{SAs: []*SAKeys{&wrong}}).Decrypt(decodeMsg(t, b))
					var ie *IntegrityError
					if !errors.As(err, &ie) || !errors.Is(err, ErrIntegrity) || res == nil || res.Decrypted || res.Payloads != nil {
						t.Fatalf("wrong key: got %+v, %v; want an IntegrityError", res, err)
					}
				}
			})
		}
	}
}

// TestGCMShortTag checks the 8-byte-tag path of openGCM against the standard library's
// 12 and 16-byte GCM: the same key stream and tag prefix.
func TestGCMShortTag(t *testing.T) {
	key, nonce, aad, plain := randBytes(32), randBytes(12), randBytes(40), randBytes(77)
	full := sealGCM(t, key, nonce, plain, aad)
	for _, tag := range []int{8, 12, 16} {
		ct := append(bytes.Clone(full[:len(plain)]), full[len(plain):len(plain)+tag]...)
		got, err := openGCM(key, nonce, ct, aad, tag)
		if err != nil || !bytes.Equal(got, plain) {
			t.Errorf("tag %d: %v", tag, err)
		}
		ct[len(ct)-1] ^= 1
		if _, err := openGCM(key, nonce, ct, aad, tag); err == nil {
			t.Errorf("tag %d: a flipped tag bit was accepted", tag)
		}
	}
}

// Found by FuzzDecrypt: an unknown integrity ID made Integ.String and Integ.spec call
// each other until the stack ran out. Now it is a plain error.
func TestUnknownIntegrity(t *testing.T) {
	in := Integ{ID: 0x100c}
	if s := in.String(); s != "INTEG(4108)" {
		t.Errorf("String() = %q", s)
	}
	spiI, spiR := [8]byte{1}, [8]byte{2}
	sa := &SAKeys{Version: 2, InitiatorSPI: spiI, ResponderSPI: spiR, Encr: Encr{EncrAESCBC, 128}, Integ: in, HasInteg: true,
		SKei: make([]byte, 16), SKai: make([]byte, 16), Source: "k:1"}
	b := sealSK(t, sa.Encr, Integ{ID: IntegAESXCBC96}, sa.SKei, sa.SKai, spiI, spiR, decode.FlagInitiator, 1, decode.PayloadIDi, innerChain, 0, 0)
	res, err := NewDecrypter(&Keys{SAs: []*SAKeys{sa}}).Decrypt(decodeMsg(t, b))
	if !errors.Is(err, ErrNoState) || res == nil || res.Decrypted || !strings.Contains(err.Error(), "INTEG(4108) is not supported") {
		t.Errorf("got %+v, %v", res, err)
	}
}

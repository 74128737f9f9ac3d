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
	"fmt"
	"hash"

	"golang.org/x/crypto/blowfish"
	"golang.org/x/crypto/cast5"
	"golang.org/x/crypto/chacha20poly1305"
)

// IKEv2 transform IDs (IANA "Transform Type 1 - Encryption Algorithm Transform IDs"),
// also used here for the IKEv1 Phase 1 ciphers.
const (
	EncrDES              uint16 = 2
	Encr3DES             uint16 = 3
	EncrCAST             uint16 = 6
	EncrBlowfish         uint16 = 7
	EncrNull             uint16 = 11
	EncrAESCBC           uint16 = 12
	EncrAESCTR           uint16 = 13
	EncrAESCCM8          uint16 = 14
	EncrAESCCM12         uint16 = 15
	EncrAESCCM16         uint16 = 16
	EncrAESGCM8          uint16 = 18
	EncrAESGCM12         uint16 = 19
	EncrAESGCM16         uint16 = 20
	EncrChaCha20Poly1305 uint16 = 28
)

// IKEv2 integrity transform IDs (IANA "Transform Type 3 - Integrity Algorithm Transform
// IDs"), plus strongSwan's private-use number for the pre-standard HMAC-SHA2-256-96.
const (
	IntegNone          uint16 = 0
	IntegHMACMD596     uint16 = 1
	IntegHMACSHA196    uint16 = 2
	IntegAESXCBC96     uint16 = 5
	IntegHMACMD5128    uint16 = 6
	IntegHMACSHA1160   uint16 = 7
	IntegAESCMAC96     uint16 = 8
	IntegHMACSHA256128 uint16 = 12
	IntegHMACSHA384192 uint16 = 13
	IntegHMACSHA512256 uint16 = 14
	IntegHMACSHA256_96 uint16 = 1026
)

// Encr is an encryption algorithm: an IKEv2 ENCR transform ID and the key length in bits
// without salt or nonce (0 for ciphers with one key length: 3DES, DES, NULL, ChaCha20).
type Encr struct {
	ID      uint16
	KeyBits int
}

// Integ is an integrity algorithm: an IKEv2 INTEG transform ID, or, when Unchecked is
// set, Wireshark's "ANY n-bits of Authentication [No Checking]": an ICV of Unchecked
// bytes that is skipped, not verified.
type Integ struct {
	ID        uint16
	Unchecked int
}

// mode is how a cipher turns key, IV and data into plaintext.
type mode uint8

const (
	modeNull mode = iota
	modeCBC
	modeCTR    // RFC 5930 / RFC 3686: 4-byte nonce from the key, 8-byte IV, 32-bit counter from 1
	modeGCM    // RFC 5282: 4-byte salt, 8-byte IV
	modeCCM    // RFC 5282: 3-byte salt, 8-byte IV
	modeChaCha // RFC 7634: 4-byte salt, 8-byte IV
)

// encrSpec says how to use an encryption algorithm.
type encrSpec struct {
	name    string // as Wireshark's tables name it where Wireshark knows it
	mode    mode
	keyLen  int // cipher key bytes
	saltLen int // bytes after the key in SK_e*
	ivLen   int // IV bytes on the wire
	block   int // cipher block size (CBC padding); 1 for stream modes
	icvLen  int // AEAD tag bytes
	newBlk  func([]byte) (cipher.Block, error)
}

func (s *encrSpec) aead() bool { return s.mode == modeGCM || s.mode == modeCCM || s.mode == modeChaCha }

func newAES(k []byte) (cipher.Block, error)      { return aes.NewCipher(k) }
func newDES(k []byte) (cipher.Block, error)      { return des.NewCipher(k) }
func new3DES(k []byte) (cipher.Block, error)     { return des.NewTripleDESCipher(k) }
func newBlowfish(k []byte) (cipher.Block, error) { return blowfish.NewCipher(k) }
func newCAST(k []byte) (cipher.Block, error)     { return cast5.NewCipher(k) }

// spec returns how to use e, or an error naming what is not supported.
func (e Encr) spec() (encrSpec, error) {
	aesBits := func() (int, error) {
		switch e.KeyBits {
		case 128, 192, 256:
			return e.KeyBits / 8, nil
		}
		return 0, fmt.Errorf("%s: key length %d bits (want 128, 192 or 256)", e.baseName(), e.KeyBits)
	}
	switch e.ID {
	case EncrNull:
		return encrSpec{name: "NULL", mode: modeNull, block: 1}, nil
	case EncrDES:
		return encrSpec{name: "DES", mode: modeCBC, keyLen: 8, ivLen: 8, block: 8, newBlk: newDES}, nil
	case Encr3DES:
		return encrSpec{name: "3DES", mode: modeCBC, keyLen: 24, ivLen: 8, block: 8, newBlk: new3DES}, nil
	case EncrBlowfish:
		bits := e.KeyBits
		if bits == 0 {
			bits = 128 // RFC 2451 default
		}
		if bits < 40 || bits > 448 || bits%8 != 0 {
			return encrSpec{}, fmt.Errorf("Blowfish: key length %d bits (want 40-448)", bits)
		}
		return encrSpec{name: fmt.Sprintf("Blowfish-%d", bits), mode: modeCBC, keyLen: bits / 8, ivLen: 8, block: 8, newBlk: newBlowfish}, nil
	case EncrCAST:
		if e.KeyBits != 0 && e.KeyBits != 128 {
			return encrSpec{}, fmt.Errorf("CAST: key length %d bits (only CAST-128 is supported)", e.KeyBits)
		}
		return encrSpec{name: "CAST-128", mode: modeCBC, keyLen: 16, ivLen: 8, block: 8, newBlk: newCAST}, nil
	case EncrAESCBC:
		n, err := aesBits()
		return encrSpec{name: fmt.Sprintf("AES-CBC-%d", e.KeyBits), mode: modeCBC, keyLen: n, ivLen: 16, block: 16, newBlk: newAES}, err
	case EncrAESCTR:
		n, err := aesBits()
		return encrSpec{name: fmt.Sprintf("AES-CTR-%d", e.KeyBits), mode: modeCTR, keyLen: n, saltLen: 4, ivLen: 8, block: 1, newBlk: newAES}, err
	case EncrAESGCM8, EncrAESGCM12, EncrAESGCM16:
		n, err := aesBits()
		icv := map[uint16]int{EncrAESGCM8: 8, EncrAESGCM12: 12, EncrAESGCM16: 16}[e.ID]
		return encrSpec{name: fmt.Sprintf("AES-GCM-%d with %d octet ICV", e.KeyBits, icv), mode: modeGCM, keyLen: n, saltLen: 4, ivLen: 8, block: 1, icvLen: icv, newBlk: newAES}, err
	case EncrAESCCM8, EncrAESCCM12, EncrAESCCM16:
		n, err := aesBits()
		icv := map[uint16]int{EncrAESCCM8: 8, EncrAESCCM12: 12, EncrAESCCM16: 16}[e.ID]
		return encrSpec{name: fmt.Sprintf("AES-CCM-%d with %d octet ICV", e.KeyBits, icv), mode: modeCCM, keyLen: n, saltLen: 3, ivLen: 8, block: 1, icvLen: icv, newBlk: newAES}, err
	case EncrChaCha20Poly1305:
		if e.KeyBits != 0 && e.KeyBits != 256 {
			return encrSpec{}, fmt.Errorf("ChaCha20-Poly1305: key length %d bits (want 256)", e.KeyBits)
		}
		return encrSpec{name: "ChaCha20-Poly1305", mode: modeChaCha, keyLen: chacha20poly1305.KeySize, saltLen: 4, ivLen: 8, block: 1, icvLen: 16}, nil
	}
	return encrSpec{}, fmt.Errorf("%s is not supported", e.baseName())
}

// String names the algorithm as ikescope prints it: "AES-CBC-256", "3DES", ...
func (e Encr) String() string {
	if s, err := e.spec(); err == nil {
		return s.name
	}
	if e.KeyBits != 0 {
		return fmt.Sprintf("%s-%d", e.baseName(), e.KeyBits)
	}
	return e.baseName()
}

func (e Encr) baseName() string {
	switch e.ID {
	case EncrDES:
		return "DES"
	case Encr3DES:
		return "3DES"
	case EncrCAST:
		return "CAST"
	case EncrBlowfish:
		return "Blowfish"
	case EncrNull:
		return "NULL"
	case EncrAESCBC:
		return "AES-CBC"
	case EncrAESCTR:
		return "AES-CTR"
	case EncrAESCCM8, EncrAESCCM12, EncrAESCCM16:
		return fmt.Sprintf("AES-CCM-%d", map[uint16]int{EncrAESCCM8: 8, EncrAESCCM12: 12, EncrAESCCM16: 16}[e.ID])
	case EncrAESGCM8, EncrAESGCM12, EncrAESGCM16:
		return fmt.Sprintf("AES-GCM-%d", map[uint16]int{EncrAESGCM8: 8, EncrAESGCM12: 12, EncrAESGCM16: 16}[e.ID])
	case EncrChaCha20Poly1305:
		return "ChaCha20-Poly1305"
	}
	return fmt.Sprintf("ENCR(%d)", e.ID)
}

// keyMaterial is the length of SK_e for this algorithm: key plus salt.
func (e Encr) keyMaterial() int {
	s, err := e.spec()
	if err != nil {
		return -1
	}
	return s.keyLen + s.saltLen
}

// integSpec says how to compute an integrity checksum.
type integSpec struct {
	name   string
	keyLen int // 0: any length (unchecked)
	icvLen int
	mac    func(key, data []byte) ([]byte, error) // nil: not checked
}

func hmacFunc(h func() hash.Hash) func(key, data []byte) ([]byte, error) {
	return func(key, data []byte) ([]byte, error) {
		m := hmac.New(h, key)
		m.Write(data)
		return m.Sum(nil), nil
	}
}

func (i Integ) spec() (integSpec, error) {
	if i.Unchecked > 0 {
		return integSpec{name: fmt.Sprintf("ANY %d-bits (not checked)", i.Unchecked*8), icvLen: i.Unchecked}, nil
	}
	switch i.ID {
	case IntegNone:
		return integSpec{name: "NONE"}, nil
	case IntegHMACMD596:
		return integSpec{"HMAC_MD5_96", 16, 12, hmacFunc(md5.New)}, nil
	case IntegHMACMD5128:
		return integSpec{"HMAC_MD5_128", 16, 16, hmacFunc(md5.New)}, nil
	case IntegHMACSHA196:
		return integSpec{"HMAC_SHA1_96", 20, 12, hmacFunc(sha1.New)}, nil
	case IntegHMACSHA1160:
		return integSpec{"HMAC_SHA1_160", 20, 20, hmacFunc(sha1.New)}, nil
	case IntegHMACSHA256_96:
		return integSpec{"HMAC_SHA2_256_96", 32, 12, hmacFunc(sha256.New)}, nil
	case IntegHMACSHA256128:
		return integSpec{"HMAC_SHA2_256_128", 32, 16, hmacFunc(sha256.New)}, nil
	case IntegHMACSHA384192:
		return integSpec{"HMAC_SHA2_384_192", 48, 24, hmacFunc(sha512.New384)}, nil
	case IntegHMACSHA512256:
		return integSpec{"HMAC_SHA2_512_256", 64, 32, hmacFunc(sha512.New)}, nil
	case IntegAESXCBC96:
		return integSpec{"AES_XCBC_96", 16, 12, xcbcMAC}, nil
	case IntegAESCMAC96:
		return integSpec{"AES_CMAC_96", 16, 12, cmacMAC}, nil
	}
	return integSpec{}, fmt.Errorf("integrity algorithm INTEG(%d) is not supported", i.ID)
}

// String names the algorithm as the IANA registry does, without the AUTH_ prefix.
func (i Integ) String() string {
	if s, err := i.spec(); err == nil {
		return s.name
	}
	return fmt.Sprintf("INTEG(%d)", i.ID)
}

// v1Hash is an IKEv1 Phase 1 hash algorithm (RFC 2409 Appendix A class 2).
type v1Hash uint16

func (h v1Hash) new() func() hash.Hash {
	switch h {
	case 1:
		return md5.New
	case 2:
		return sha1.New
	case 4:
		return sha256.New
	case 5:
		return sha512.New384
	case 6:
		return sha512.New
	}
	return nil
}

// v1Encr maps an IKEv1 Phase 1 Encryption Algorithm attribute value (RFC 2409 Appendix
// A) and Key Length to the cipher.
func v1Encr(alg uint16, keyBits int) (Encr, bool) {
	switch alg {
	case 1:
		return Encr{ID: EncrDES}, true
	case 3:
		return Encr{ID: EncrBlowfish, KeyBits: keyBits}, true
	case 5:
		return Encr{ID: Encr3DES}, true
	case 6:
		return Encr{ID: EncrCAST, KeyBits: keyBits}, true
	case 7:
		if keyBits == 0 {
			keyBits = 128
		}
		return Encr{ID: EncrAESCBC, KeyBits: keyBits}, true
	}
	return Encr{}, false
}

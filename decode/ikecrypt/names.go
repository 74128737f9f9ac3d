package ikecrypt

import (
	"fmt"
	"strconv"
	"strings"
)

// Wireshark's names for IKEv2 algorithms (packet-isakmp.c vs_ikev2_encr_algs and
// vs_ikev2_auth_algs, also written by strongSwan's save-keys plugin).
var wsEncr = func() map[string]Encr {
	m := map[string]Encr{
		"3DES [RFC2451]": {ID: Encr3DES},
		"NULL [RFC2410]": {ID: EncrNull},
	}
	for _, bits := range []int{128, 192, 256} {
		m[fmt.Sprintf("AES-CBC-%d [RFC3602]", bits)] = Encr{EncrAESCBC, bits}
		m[fmt.Sprintf("AES-CTR-%d [RFC5930]", bits)] = Encr{EncrAESCTR, bits}
		for icv, id := range map[int]uint16{8: EncrAESGCM8, 12: EncrAESGCM12, 16: EncrAESGCM16} {
			m[fmt.Sprintf("AES-GCM-%d with %d octet ICV [RFC5282]", bits, icv)] = Encr{id, bits}
		}
		for icv, id := range map[int]uint16{8: EncrAESCCM8, 12: EncrAESCCM12, 16: EncrAESCCM16} {
			m[fmt.Sprintf("AES-CCM-%d with %d octet ICV [RFC5282]", bits, icv)] = Encr{id, bits}
		}
	}
	return m
}()

var wsInteg = func() map[string]Integ {
	m := map[string]Integ{
		"NONE [RFC4306]":                                      {ID: IntegNone},
		"HMAC_MD5_96 [RFC2403]":                               {ID: IntegHMACMD596},
		"HMAC_SHA1_96 [RFC2404]":                              {ID: IntegHMACSHA196},
		"HMAC_MD5_128 [RFC4595]":                              {ID: IntegHMACMD5128},
		"HMAC_SHA1_160 [RFC4595]":                             {ID: IntegHMACSHA1160},
		"HMAC_SHA2_256_128 [RFC4868]":                         {ID: IntegHMACSHA256128},
		"HMAC_SHA2_384_192 [RFC4868]":                         {ID: IntegHMACSHA384192},
		"HMAC_SHA2_512_256 [RFC4868]":                         {ID: IntegHMACSHA512256},
		"HMAC_SHA2_256_96 [draft-ietf-ipsec-ciph-sha-256-00]": {ID: IntegHMACSHA256_96},
	}
	for _, bits := range []int{64, 96, 128, 160, 192, 256} {
		m[fmt.Sprintf("ANY %d-bits of Authentication [No Checking]", bits)] = Integ{Unchecked: bits / 8}
	}
	return m
}()

// lookupName finds s in m ignoring case and, if need be, the "[RFC...]" suffix.
func lookupName[T any](m map[string]T, s string) (T, bool) {
	s = strings.TrimSpace(s)
	if v, ok := m[s]; ok {
		return v, true
	}
	base := func(n string) string {
		if i := strings.Index(n, " ["); i >= 0 {
			n = n[:i]
		}
		return strings.ToLower(strings.TrimSpace(n))
	}
	for k, v := range m {
		if base(k) == base(s) {
			return v, true
		}
	}
	var zero T
	return zero, false
}

func wiresharkEncr(s string) (Encr, bool)   { return lookupName(wsEncr, s) }
func wiresharkInteg(s string) (Integ, bool) { return lookupName(wsInteg, s) }

// wiresharkEncrName is the ikev2_decryption_table name of e, or "" when Wireshark has none.
func wiresharkEncrName(e Encr) string {
	for k, v := range wsEncr {
		if v == e || (v.ID == e.ID && v.ID == Encr3DES) {
			return k
		}
	}
	return ""
}

func wiresharkIntegName(i Integ) string {
	for k, v := range wsInteg {
		if v == i {
			return k
		}
	}
	return ""
}

// norm lower-cases a name and drops '-', '_' and spaces, so "AES_GCM_16", "aes-gcm-16"
// and "aesgcm16" compare equal.
func norm(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', ' ':
			return -1
		}
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// tcpdumpEncrBases are encryption names of tcpdump -E (OpenSSL cipher names), libreswan
// (encrypt_tcpdump_name, followed by the key length in bits: "aes128", "aes_gcm_16256")
// and strongSwan (AES_GCM_16_256), normalized.
var tcpdumpEncrBases = []struct {
	name string
	id   uint16
}{
	{"chacha20poly1305", EncrChaCha20Poly1305},
	{"aesgcm16", EncrAESGCM16}, {"aesgcmc", EncrAESGCM16},
	{"aesgcm12", EncrAESGCM12}, {"aesgcmb", EncrAESGCM12},
	{"aesgcm8", EncrAESGCM8}, {"aesgcma", EncrAESGCM8},
	{"aesgcm", EncrAESGCM8}, // libreswan's tcpdump name for AES_GCM_8
	{"aesccm16", EncrAESCCM16}, {"aesccmc", EncrAESCCM16},
	{"aesccm12", EncrAESCCM12}, {"aesccmb", EncrAESCCM12},
	{"aesccm8", EncrAESCCM8}, {"aesccma", EncrAESCCM8},
	{"aesccm", EncrAESCCM16},
	{"aesctr", EncrAESCTR},
	{"aescbc", EncrAESCBC},
	{"aes", EncrAESCBC},
	{"desede3", Encr3DES}, {"des3ede", Encr3DES}, {"3des", Encr3DES}, {"tripledes", Encr3DES},
	{"des", EncrDES},
	{"blowfishcbc", EncrBlowfish}, {"blowfish", EncrBlowfish}, {"bf", EncrBlowfish},
	{"cast5cbc", EncrCAST}, {"castcbc", EncrCAST}, {"cast5", EncrCAST}, {"cast", EncrCAST},
	{"null", EncrNull},
}

// tcpdumpEncr reads an encryption name as tcpdump, libreswan or strongSwan write it.
// keyMaterial (the length of SK_e) gives the key length when the name does not.
func tcpdumpEncr(name string, keyMaterial int) (Encr, bool) {
	n := norm(name)
	n = strings.TrimSuffix(n, "cbc")
	n = strings.TrimSuffix(n, "hmac96")
	// OpenSSL's "aes-128-ctr" and "aes-256-gcm" put the bits before the mode.
	for _, m := range []string{"ctr", "gcm"} {
		for _, bits := range []string{"128", "192", "256"} {
			if n == "aes"+bits+m {
				n = "aes" + m + bits
			}
		}
	}
	for _, b := range tcpdumpEncrBases {
		rest, ok := strings.CutPrefix(n, b.name)
		if !ok {
			continue
		}
		e := Encr{ID: b.id}
		if rest != "" {
			bits, err := strconv.Atoi(rest)
			if err != nil {
				continue
			}
			e.KeyBits = bits
		}
		switch e.ID {
		case EncrAESCBC, EncrAESCTR, EncrAESGCM8, EncrAESGCM12, EncrAESGCM16, EncrAESCCM8, EncrAESCCM12, EncrAESCCM16:
			if e.KeyBits == 0 {
				salt := map[uint16]int{EncrAESCTR: 4, EncrAESGCM8: 4, EncrAESGCM12: 4, EncrAESGCM16: 4, EncrAESCCM8: 3, EncrAESCCM12: 3, EncrAESCCM16: 3}[e.ID]
				e.KeyBits = (keyMaterial - salt) * 8
			}
			if e.KeyBits != 128 && e.KeyBits != 192 && e.KeyBits != 256 {
				continue
			}
		case Encr3DES, EncrDES, EncrNull:
			e.KeyBits = 0 // "3des192": the bits are implied
		case EncrChaCha20Poly1305:
			if e.KeyBits != 0 && e.KeyBits != 256 {
				continue
			}
			e.KeyBits = 0
		case EncrBlowfish, EncrCAST:
			if e.KeyBits == 0 && keyMaterial > 0 {
				e.KeyBits = keyMaterial * 8
			}
		}
		return e, true
	}
	return Encr{}, false
}

var tcpdumpIntegNames = map[string]uint16{
	"md5": IntegHMACMD596, "hmacmd5": IntegHMACMD596, "hmacmd596": IntegHMACMD596,
	"sha1": IntegHMACSHA196, "sha": IntegHMACSHA196, "hmacsha1": IntegHMACSHA196, "hmacsha196": IntegHMACSHA196,
	"sha256": IntegHMACSHA256128, "sha2256": IntegHMACSHA256128, "hmacsha2256128": IntegHMACSHA256128, "hmacsha256128": IntegHMACSHA256128,
	"sha384": IntegHMACSHA384192, "sha2384": IntegHMACSHA384192, "hmacsha2384192": IntegHMACSHA384192, "hmacsha384192": IntegHMACSHA384192,
	"sha512": IntegHMACSHA512256, "sha2512": IntegHMACSHA512256, "hmacsha2512256": IntegHMACSHA512256, "hmacsha512256": IntegHMACSHA512256,
	"hmacmd5128": IntegHMACMD5128, "hmacsha1160": IntegHMACSHA1160,
	"aesxcbc": IntegAESXCBC96, "aes128xcbc": IntegAESXCBC96, "aesxcbc96": IntegAESXCBC96,
	"aescmac": IntegAESCMAC96, "aescmac96": IntegAESCMAC96,
	"none": IntegNone, "null": IntegNone,
}

// tcpdumpInteg reads an integrity name as tcpdump, libreswan or strongSwan write it.
func tcpdumpInteg(name string) (Integ, bool) {
	id, ok := tcpdumpIntegNames[norm(name)]
	return Integ{ID: id}, ok
}

// strongswanProposal reads the algorithms of an IKE proposal as charon logs it:
// "IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048". IKEv1 proposals look
// the same; their hash comes from the capture.
func strongswanProposal(p string) (e Encr, i Integ, hasInteg bool, ok bool) {
	p, found := strings.CutPrefix(strings.TrimSpace(p), "IKE:")
	if !found {
		return
	}
	for j, alg := range strings.Split(p, "/") {
		if j == 0 {
			n := norm(alg)
			// AES_GCM_16_256: the ICV length sits between the mode and the key bits.
			e, ok = tcpdumpEncr(n, 0)
			continue
		}
		if strings.HasPrefix(alg, "PRF_") {
			continue
		}
		if v, found := tcpdumpIntegNames[norm(alg)]; found {
			i, hasInteg = Integ{ID: v}, true
		}
	}
	if ok && !hasInteg {
		if s, err := e.spec(); err == nil && s.aead() {
			i, hasInteg = Integ{ID: IntegNone}, true
		}
	}
	return
}

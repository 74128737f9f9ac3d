package config

// Shared helpers of the strongSwan and libreswan parsers (swanctl.go, ipsecconf.go,
// secrets.go): algorithm keywords, the expansion of proposals into analyze.Proposal, the
// documented default proposals, secret decoding and masking.
//
// A configured proposal is first turned into the transforms it puts on the wire (IANA
// transform IDs and attributes, in a decode.Proposal), and then named by
// analyze.Proposals, so configuration and capture use the very same names.

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/decode"
)

// defaultKeyword is Offer.Keyword of an offer the configuration leaves to the
// implementation's defaults.
const defaultKeyword = "(default)"

// masked replaces a secret in Source texts.
const masked = "<secret>"

// encAlg is an IKEv2 encryption transform: its ID and key length (0: none).
type encAlg struct {
	id   uint16
	bits uint64
}

// algSet is one proposal as IKEv2 transform IDs; IKEv1 proposals are derived from it.
type algSet struct {
	enc   []encAlg
	integ []uint16
	prf   []uint16
	dh    []uint16
	esn   []uint16
}

func (a *algSet) addEnc(id uint16, bits ...uint64) {
	if len(bits) == 0 {
		bits = []uint64{0}
	}
	for _, b := range bits {
		a.enc = append(a.enc, encAlg{id, b})
	}
}

// aead reports whether the proposal's encryption is combined-mode (GCM, CCM, ChaCha20).
func (a *algSet) aead() bool {
	return len(a.enc) > 0 && isAEAD(a.enc[0].id)
}

func isAEAD(id uint16) bool {
	return id >= 14 && id <= 21 && id != 17 || id >= 25 && id <= 28
}

// ---------------------------------------------------------------------------
// strongSwan algorithm keywords (swanctl.conf proposals, ipsec.conf ike= and esp=)

var (
	reSwanAES    = regexp.MustCompile(`^aes(128|192|256)?(ctr|gcm|ccm|gmac)?(8|12|16|64|96|128)?$`)
	reSwanCamel  = regexp.MustCompile(`^camellia(128|192|256)?(ctr|ccm)?(8|12|16|64|96|128)?$`)
	reSwanBF     = regexp.MustCompile(`^blowfish(128|192|256)?$`)
	swanIntegIDs = map[string]uint16{
		"md5": 1, "md5_128": 6, "sha": 2, "sha1": 2, "sha1_160": 7, "aesxcbc": 5, "aescmac": 8,
		"sha256": 12, "sha2_256": 12, "sha384": 13, "sha2_384": 13, "sha512": 14, "sha2_512": 14,
		"aes128gmac": 9, "aes192gmac": 10, "aes256gmac": 11,
	}
	swanPRFIDs = map[string]uint16{
		"prfmd5": 1, "prfsha1": 2, "prfaesxcbc": 4, "prfsha256": 5, "prfsha384": 6, "prfsha512": 7, "prfaescmac": 8,
	}
	// integrity -> PRF when an IKE proposal names no PRF (strongSwan's check_proposal)
	integToPRF = map[uint16]uint16{1: 1, 2: 2, 5: 4, 6: 1, 7: 2, 8: 8, 12: 5, 13: 6, 14: 7}
	// PRF -> the integrity algorithm of the same hash (libreswan derives one from the other)
	prfToInteg = map[uint16]uint16{1: 1, 2: 2, 4: 5, 5: 12, 6: 13, 7: 14, 8: 8}
	dhIDs      = map[string]uint16{
		"modp768": 1, "modp1024": 2, "modp1536": 5, "modp2048": 14, "modp3072": 15, "modp4096": 16,
		"modp6144": 17, "modp8192": 18, "modp1024s160": 22, "modp2048s224": 23, "modp2048s256": 24,
		"ecp192": 25, "ecp224": 26, "ecp256": 19, "ecp384": 20, "ecp521": 21,
		"ecp224bp": 27, "ecp256bp": 28, "ecp384bp": 29, "ecp512bp": 30,
		"curve25519": 31, "x25519": 31, "curve448": 32, "x448": 32,
		"mlkem512": 35, "mlkem768": 36, "mlkem1024": 37, "modpnull": 1024,
	}
)

// icvID is the IKEv2 ID of AES-GCM (base 18) or AES-CCM (base 14) with an ICV in bits
// or bytes.
func icvID(base uint16, icv string) (uint16, bool) {
	switch icv {
	case "8", "64":
		return base, true
	case "12", "96":
		return base + 1, true
	case "", "16", "128":
		return base + 2, true
	}
	return 0, false
}

// swanToken adds one strongSwan algorithm keyword to a; false if it is none.
func swanToken(a *algSet, tok string) bool {
	tok = strings.ToLower(tok)
	bits := func(s string) uint64 {
		if s == "" {
			return 128
		}
		n, _ := strconv.ParseUint(s, 10, 64)
		return n
	}
	if m := reSwanAES.FindStringSubmatch(tok); m != nil {
		switch m[2] {
		case "":
			if m[3] != "" {
				return false
			}
			a.addEnc(12, bits(m[1]))
		case "ctr":
			if m[3] != "" {
				return false
			}
			a.addEnc(13, bits(m[1]))
		case "gcm":
			id, ok := icvID(18, m[3])
			if !ok {
				return false
			}
			a.addEnc(id, bits(m[1]))
		case "ccm":
			id, ok := icvID(14, m[3])
			if !ok {
				return false
			}
			a.addEnc(id, bits(m[1]))
		case "gmac":
			if m[3] != "" {
				return false
			}
			a.addEnc(21, bits(m[1])) // ENCR_NULL_AUTH_AES_GMAC (ESP)
		}
		return true
	}
	if m := reSwanCamel.FindStringSubmatch(tok); m != nil {
		switch m[2] {
		case "":
			if m[3] != "" {
				return false
			}
			a.addEnc(23, bits(m[1]))
		case "ctr":
			a.addEnc(24, bits(m[1]))
		case "ccm":
			id, ok := icvID(25, m[3])
			if !ok {
				return false
			}
			a.addEnc(id, bits(m[1]))
		}
		return true
	}
	if m := reSwanBF.FindStringSubmatch(tok); m != nil {
		a.addEnc(7, bits(m[1]))
		return true
	}
	switch tok {
	case "3des":
		a.addEnc(3)
	case "des":
		a.addEnc(2)
	case "cast128":
		a.addEnc(6, 128)
	case "null":
		a.addEnc(11)
	case "chacha20poly1305":
		a.addEnc(28)
	case "esn":
		a.esn = append(a.esn, 1)
	case "noesn":
		a.esn = append(a.esn, 0)
	case "none":
		// "no DH group" in ESP proposals: nothing to add
	default:
		if id, ok := swanIntegIDs[tok]; ok && !strings.HasSuffix(tok, "gmac") {
			a.integ = append(a.integ, id)
		} else if id, ok := swanPRFIDs[tok]; ok {
			a.prf = append(a.prf, id)
		} else if id, ok := dhIDs[tok]; ok {
			a.dh = append(a.dh, id)
		} else {
			return false
		}
	}
	return true
}

// parseSwanProposal reads one strongSwan proposal ("aes128-sha256-modp2048") for IKE
// (ike true) or ESP. The error names what is wrong, for "FILE:LINE: " to be prepended.
func parseSwanProposal(s string, ike bool) (algSet, error) {
	var a algSet
	for _, tok := range strings.Split(s, "-") {
		tok = strings.TrimSpace(tok)
		if tok == "" {
			continue
		}
		if !swanToken(&a, tok) {
			return a, fmt.Errorf("unknown algorithm %q in proposal %q; use strongSwan's algorithm keywords (aes128, sha256, modp2048, ...)", tok, s)
		}
	}
	if len(a.enc) == 0 {
		if ike || len(a.integ) == 0 {
			return a, fmt.Errorf("proposal %q has no encryption algorithm; add one (aes128, aes256gcm16, ...)", s)
		}
	}
	if a.aead() {
		a.integ = nil // strongSwan drops integrity algorithms from AEAD proposals
	}
	if ike {
		if len(a.prf) == 0 {
			for _, i := range a.integ {
				if p, ok := integToPRF[i]; ok {
					a.prf = appendNew(a.prf, p)
				}
			}
		}
		if len(a.prf) == 0 {
			return a, fmt.Errorf("IKE proposal %q has no PRF; add one (prfsha256)", s)
		}
		if !a.aead() && len(a.integ) == 0 {
			return a, fmt.Errorf("IKE proposal %q has no integrity algorithm; add one (sha256)", s)
		}
		if len(a.dh) == 0 {
			return a, fmt.Errorf("IKE proposal %q has no DH group; add one (modp2048, ecp256)", s)
		}
	} else if len(a.esn) == 0 {
		a.esn = []uint16{0}
	}
	return a, nil
}

func appendNew(s []uint16, v uint16) []uint16 {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

// strongSwan 5.9's default proposals (proposal_create_default and _aead in
// libstrongswan/crypto/proposal/proposal.c, with the usual plugins loaded: aes, sha1,
// sha2, hmac, gcm, xcbc, cmac, openssl, curve25519, gmp, chapoly). IKE: the classic
// proposal, then the AEAD one. ESP: AES-GCM first (since 5.9.0), then the classic one.
func swanDefaultIKE() []algSet {
	prf := []uint16{5, 6, 7, 4, 8, 2}
	dh := []uint16{19, 20, 21, 28, 29, 30, 31, 32, 15, 16, 17, 18, 14}
	classic := algSet{prf: prf, dh: dh, integ: []uint16{12, 13, 14, 5, 8, 2}}
	classic.addEnc(12, 128, 192, 256)
	aead := algSet{prf: prf, dh: dh}
	aead.addEnc(20, 128, 192, 256)
	aead.addEnc(28)
	return []algSet{classic, aead}
}

func swanDefaultESP() []algSet {
	aead := algSet{esn: []uint16{0}}
	aead.addEnc(20, 128, 192, 256)
	classic := algSet{integ: []uint16{12, 13, 14, 2, 5}, esn: []uint16{0}}
	classic.addEnc(12, 128, 192, 256)
	return []algSet{aead, classic}
}

// ---------------------------------------------------------------------------
// libreswan algorithm names (ipsec.conf ike=, esp=, phase2alg=)

var (
	reLSEnc = regexp.MustCompile(`^(aes|aes_cbc|aes_ctr|aesctr|aes_gcm|aes_gcm_[abc]|aes_gcm_(?:8|12|16)|aes_ccm|aes_ccm_[abc]|aes_ccm_(?:8|12|16)|camellia|camellia_cbc|3des|3des_cbc|des|chacha20_poly1305|chacha20poly1305|null|null_auth_aes_gmac|aes_gmac)_?(128|192|256)?$`)
	lsHash  = map[string]uint16{ // IKEv2 INTEG IDs
		"md5": 1, "sha": 2, "sha1": 2, "sha2": 12, "sha256": 12, "sha2_256": 12, "sha384": 13, "sha2_384": 13,
		"sha512": 14, "sha2_512": 14, "aes_xcbc": 5, "aesxcbc": 5, "aes_cmac": 8, "aescmac": 8,
		"hmac_md5": 1, "hmac_sha1": 2, "hmac_sha2_256": 12, "hmac_sha2_384": 13, "hmac_sha2_512": 14,
	}
	lsDH = map[string]uint16{
		"modp768": 1, "modp1024": 2, "modp1536": 5, "modp2048": 14, "modp3072": 15, "modp4096": 16,
		"modp6144": 17, "modp8192": 18, "ecp_256": 19, "ecp256": 19, "ecp_384": 20, "ecp384": 20,
		"ecp_521": 21, "ecp521": 21, "curve25519": 31, "dh22": 22, "dh23": 23, "dh24": 24,
	}
)

// lsEnc adds a libreswan encryption name; false if it is none. An AES or Camellia name
// without key length proposes 256 and 128 bits, as pluto does.
func lsEnc(a *algSet, tok string) bool {
	m := reLSEnc.FindStringSubmatch(tok)
	if m == nil {
		return false
	}
	bits := []uint64{256, 128}
	if m[2] != "" {
		n, _ := strconv.ParseUint(m[2], 10, 64)
		bits = []uint64{n}
	}
	switch name := m[1]; {
	case name == "aes" || name == "aes_cbc":
		a.addEnc(12, bits...)
	case name == "aes_ctr" || name == "aesctr":
		a.addEnc(13, bits...)
	case strings.HasPrefix(name, "aes_gcm"), strings.HasPrefix(name, "aes_ccm"):
		base := uint16(18)
		if strings.HasPrefix(name, "aes_ccm") {
			base = 14
		}
		icv := strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(name, "aes_gcm"), "aes_ccm"), "_")
		switch icv {
		case "a":
			icv = "8"
		case "b":
			icv = "12"
		case "c":
			icv = "16"
		}
		id, _ := icvID(base, icv)
		a.addEnc(id, bits...)
	case name == "camellia" || name == "camellia_cbc":
		a.addEnc(23, bits...)
	case name == "3des" || name == "3des_cbc":
		a.addEnc(3)
	case name == "des":
		a.addEnc(2)
	case name == "chacha20_poly1305" || name == "chacha20poly1305":
		a.addEnc(28)
	case name == "null":
		a.addEnc(11)
	case name == "null_auth_aes_gmac" || name == "aes_gmac":
		a.addEnc(21, bits...)
	default:
		return false
	}
	return true
}

func lsGroup(tok string) (uint16, bool) {
	if id, ok := lsDH[tok]; ok {
		return id, true
	}
	if strings.HasPrefix(tok, "dh") {
		n, err := strconv.ParseUint(tok[2:], 10, 16)
		if err == nil && decode.DHGroupBits(uint16(n)) > 0 {
			return uint16(n), true
		}
	}
	return 0, false
}

// parseLSProposal reads one libreswan proposal: ENC[-PRF|INTEG][-DH] or ENC-HASH;DH,
// each part a "+" list. ike selects ike= (the hash is the PRF, integrity derives from
// it) rather than esp=/phase2alg= (the hash is the integrity algorithm). noDH is set
// when the proposal names "none" as its DH group.
func parseLSProposal(s string, ike, v1 bool) (a algSet, noDH bool, err error) {
	s = strings.ToLower(strings.TrimSpace(s))
	main, dhPart, hasSemi := strings.Cut(s, ";")
	parts := strings.Split(main, "-")
	if hasSemi {
		if len(parts) > 2 {
			return a, false, fmt.Errorf("proposal %q has more than three parts; write ENCRYPTION-HASH;DHGROUP", s)
		}
		if len(parts) == 1 {
			parts = append(parts, "")
		}
		parts = append(parts, dhPart)
	}
	if len(parts) > 3 {
		return a, false, fmt.Errorf("proposal %q has more than three parts; write ENCRYPTION-HASH-DHGROUP", s)
	}
	bad := func(tok string) error {
		return fmt.Errorf("unknown algorithm %q in proposal %q; use libreswan's algorithm names (aes128, sha2_256, modp2048, dh19, ...)", tok, s)
	}
	for _, tok := range strings.Split(parts[0], "+") {
		if tok = strings.TrimSpace(tok); tok != "" && !lsEnc(&a, tok) {
			return a, false, bad(tok)
		}
	}
	if len(a.enc) == 0 {
		return a, false, fmt.Errorf("proposal %q has no encryption algorithm; add one (aes128, aes_gcm256, ...)", s)
	}
	if len(parts) > 1 {
		for _, tok := range strings.Split(parts[1], "+") {
			tok = strings.TrimSpace(tok)
			if tok == "" || tok == "none" {
				continue
			}
			id, ok := lsHash[tok]
			if !ok {
				if _, isDH := lsGroup(tok); isDH && len(parts) == 2 {
					parts = append(parts, tok) // ENC-DH (AEAD)
					continue
				}
				return a, false, bad(tok)
			}
			if ike {
				if p, ok := integToPRF[id]; ok {
					a.prf = append(a.prf, p)
				}
				if !a.aead() {
					a.integ = append(a.integ, id)
				}
			} else if !a.aead() {
				a.integ = append(a.integ, id)
			}
		}
	}
	if len(parts) > 2 {
		for _, tok := range strings.Split(parts[2], "+") {
			tok = strings.TrimSpace(tok)
			if tok == "" {
				continue
			}
			if tok == "none" {
				noDH = true
				continue
			}
			id, ok := lsGroup(tok)
			if !ok {
				return a, false, bad(tok)
			}
			a.dh = append(a.dh, id)
		}
	}
	def := lsDefaults(v1)
	if ike {
		if len(a.prf) == 0 {
			a.prf = def.prf
			if !a.aead() {
				for _, p := range def.prf {
					a.integ = append(a.integ, prfToInteg[p])
				}
			}
		}
		if len(a.dh) == 0 {
			a.dh = def.dh
		}
	} else {
		if len(a.integ) == 0 && !a.aead() {
			a.integ = def.espInteg
		}
		a.esn = []uint16{0}
	}
	return a, noDH, nil
}

type lsDefault struct {
	prf, dh, espInteg []uint16
}

// lsDefaults: libreswan 4.x (lib/libswan/ike_info.c, esp_info.c).
func lsDefaults(v1 bool) lsDefault {
	if v1 {
		return lsDefault{prf: []uint16{5, 7, 2}, dh: []uint16{14, 5}, espInteg: []uint16{2}}
	}
	return lsDefault{prf: []uint16{7, 5}, dh: []uint16{14, 15, 16, 18, 19, 20, 21, 31}, espInteg: []uint16{14, 12}}
}

// lsDefaultIKE is libreswan 4.x's ike= default: for IKEv2 AES_GCM_16_256, AES_GCM_16_128,
// CHACHA20_POLY1305, AES_CBC_256, AES_CBC_128, each with PRFs SHA2_512+SHA2_256 and the
// default groups; for IKEv1 AES_CBC and 3DES with SHA2_256, SHA2_512, SHA1 and MODP2048,
// MODP1536.
func lsDefaultIKE(v1 bool) []algSet {
	def := lsDefaults(v1)
	if v1 {
		a := algSet{prf: def.prf, integ: []uint16{12, 14, 2}, dh: def.dh}
		a.addEnc(12, 256, 128)
		a.addEnc(3)
		return []algSet{a}
	}
	var out []algSet
	for _, e := range []encAlg{{20, 256}, {20, 128}, {28, 0}, {12, 256}, {12, 128}} {
		a := algSet{enc: []encAlg{e}, prf: def.prf, dh: def.dh}
		if !isAEAD(e.id) {
			a.integ = []uint16{14, 12}
		}
		out = append(out, a)
	}
	return out
}

// lsDefaultESP is libreswan 4.x's esp= default: for IKEv2 AES_GCM_16_256, AES_GCM_16_128,
// AES_CBC_256 and AES_CBC_128 with SHA2_512+SHA2_256; for IKEv1 AES_CBC with SHA1.
func lsDefaultESP(v1 bool) []algSet {
	if v1 {
		a := algSet{integ: []uint16{2}, esn: []uint16{0}}
		a.addEnc(12, 256, 128)
		return []algSet{a}
	}
	var out []algSet
	for _, e := range []encAlg{{20, 256}, {20, 128}, {12, 256}, {12, 128}} {
		a := algSet{enc: []encAlg{e}, esn: []uint16{0}}
		if !isAEAD(e.id) {
			a.integ = []uint16{14, 12}
		}
		out = append(out, a)
	}
	return out
}

// ---------------------------------------------------------------------------
// algSet -> analyze.Proposal

// v1 attribute values.
var (
	v1P1Enc   = map[uint16]uint64{2: 1, 3: 5, 6: 6, 7: 3, 12: 7, 23: 8}  // IKEv2 ENCR -> Phase 1 encryption
	v1P1Hash  = map[uint16]uint64{1: 1, 2: 2, 12: 4, 13: 5, 14: 6}       // IKEv2 INTEG -> Phase 1 hash
	v1P2Auth  = map[uint16]uint64{1: 1, 2: 2, 5: 9, 12: 5, 13: 6, 14: 7} // IKEv2 INTEG -> Phase 2 auth
	v1ESPID   = map[uint16]uint16{23: 22}                                // IKEv2 ENCR -> ESP transform ID where they differ
	v1AuthIDs = map[string]uint64{"PSK": 1, "RSA": 3, "XAUTH-PSK": 65001, "XAUTH-RSA": 65005, "Hybrid-RSA": 64221}
)

func attr(t, v uint64) decode.Attribute {
	return decode.Attribute{Type: uint16(t), Short: true, Value: v}
}

// v2Offer names a as an IKEv2 proposal of protocol proto (1 IKE, 3 ESP).
func v2Offer(proto uint8, a algSet, life time.Duration) analyze.Proposal {
	p := decode.Proposal{ProtocolID: proto}
	for _, e := range a.enc {
		t := decode.Transform{Type: 1, ID: e.id}
		if e.bits > 0 {
			t.Attributes = []decode.Attribute{attr(14, e.bits)}
		}
		p.Transforms = append(p.Transforms, t)
	}
	if proto == 1 {
		for _, id := range a.prf {
			p.Transforms = append(p.Transforms, decode.Transform{Type: 2, ID: id})
		}
	}
	for _, id := range a.integ {
		p.Transforms = append(p.Transforms, decode.Transform{Type: 3, ID: id})
	}
	for _, id := range a.dh {
		p.Transforms = append(p.Transforms, decode.Transform{Type: 4, ID: id})
	}
	if proto != 1 {
		for _, id := range a.esn {
			p.Transforms = append(p.Transforms, decode.Transform{Type: 5, ID: id})
		}
	}
	pr := analyze.Proposals(&decode.SA{Proposals: []decode.Proposal{p}}, true)[0]
	pr.Lifetime = life
	return pr
}

// v1Offers names a as IKEv1 transforms: one per combination of encryption, hash and
// group (firstOnly: only the first of each, as strongSwan strips the others). auth is
// the Phase 1 authentication method ("PSK", ...); mode the Phase 2 encapsulation (1
// tunnel, 2 transport); dh is used for Phase 2 only when pfs.
func v1Offers(proto uint8, a algSet, auth string, mode uint64, life time.Duration, firstOnly bool) []analyze.Proposal {
	encs, integs, dhs := a.enc, a.integ, a.dh
	if proto == 1 && len(integs) == 0 {
		// libreswan AEAD in IKEv1 (not allowed there) or PRF-only: hash from the PRF
		for _, p := range a.prf {
			if i := prfToInteg[p]; v1P1Hash[i] != 0 {
				integs = appendNew(integs, i)
			}
		}
	}
	if len(integs) == 0 {
		integs = []uint16{0}
	}
	if len(dhs) == 0 {
		dhs = []uint16{0}
	}
	if firstOnly {
		encs, integs, dhs = encs[:min(1, len(encs))], integs[:1], dhs[:1]
	}
	var out []analyze.Proposal
	for _, e := range encs {
		for _, h := range integs {
			for _, g := range dhs {
				out = append(out, v1Transform(proto, e, h, g, auth, mode, life))
			}
		}
	}
	return out
}

func v1Transform(proto uint8, e encAlg, h, g uint16, auth string, mode uint64, life time.Duration) analyze.Proposal {
	var t decode.Transform
	var fixEnc string
	if proto == 1 {
		t.ID = 1 // KEY_IKE
		if v, ok := v1P1Enc[e.id]; ok {
			t.Attributes = append(t.Attributes, attr(1, v))
			if e.bits > 0 {
				t.Attributes = append(t.Attributes, attr(14, e.bits))
			}
		} else {
			fixEnc = v2Offer(1, algSet{enc: []encAlg{e}}, 0).Encryption[0]
		}
		if v, ok := v1P1Hash[h]; ok {
			t.Attributes = append(t.Attributes, attr(2, v))
		}
		if v, ok := v1AuthIDs[auth]; ok {
			t.Attributes = append(t.Attributes, attr(3, v))
		}
		if g != 0 {
			t.Attributes = append(t.Attributes, attr(4, uint64(g)))
		}
		if life > 0 {
			t.Attributes = append(t.Attributes, attr(11, 1), attr(12, uint64(life/time.Second)))
		}
	} else {
		t.ID = e.id
		if id, ok := v1ESPID[e.id]; ok {
			t.ID = id
		}
		if life > 0 {
			t.Attributes = append(t.Attributes, attr(1, 1), attr(2, uint64(life/time.Second)))
		}
		if g != 0 {
			t.Attributes = append(t.Attributes, attr(3, uint64(g)))
		}
		if mode != 0 {
			t.Attributes = append(t.Attributes, attr(4, mode))
		}
		if v, ok := v1P2Auth[h]; ok {
			t.Attributes = append(t.Attributes, attr(5, v))
		}
		if e.bits > 0 {
			t.Attributes = append(t.Attributes, attr(6, e.bits))
		}
	}
	p := decode.Proposal{ProtocolID: proto, Transforms: []decode.Transform{t}}
	pr := analyze.Proposals(&decode.SA{Proposals: []decode.Proposal{p}}, false)[0]
	if fixEnc != "" {
		pr.Encryption = []string{fixEnc}
	}
	return pr
}

// makeOffers turns one configured proposal into Offers for a connection of version v (0:
// either, named as IKEv2). proto is 1 (IKE/ISAKMP) or 3 (ESP).
func makeOffers(v int, proto uint8, a algSet, o offerCtx) []Offer {
	var ps []analyze.Proposal
	if v == 1 {
		ps = v1Offers(proto, a, o.auth, o.mode, o.life, o.firstOnly)
	} else {
		ps = []analyze.Proposal{v2Offer(proto, a, o.life)}
	}
	out := make([]Offer, len(ps))
	for i, p := range ps {
		out[i] = Offer{Proposal: p, Keyword: o.keyword, At: o.at}
	}
	return out
}

type offerCtx struct {
	keyword   string
	at        Source
	auth      string // IKEv1 Phase 1 authentication method
	mode      uint64 // IKEv1 Phase 2 encapsulation mode
	life      time.Duration
	firstOnly bool
	pfs       bool   // libreswan pfs= (ESP only)
	pfsGroup  uint16 // libreswan IKEv1: the Quick Mode PFS group when esp= names none
}

// v1AuthMethod is the IKEv1 Phase 1 authentication method of a connection whose local
// and remote authentication are written in strongSwan's words ("psk", "pubkey+xauth").
func v1AuthMethod(local, remote string) string {
	lr := strings.Split(local, "+")
	rr := strings.Split(remote, "+")
	if lr[0] == "xauth" || rr[0] == "xauth" {
		return "Hybrid-RSA"
	}
	base := map[string]string{"psk": "PSK", "secret": "PSK", "pubkey": "RSA", "rsa": "RSA"}[lr[0]]
	if base == "" {
		base = map[string]string{"psk": "PSK", "pubkey": "RSA"}[rr[0]]
	}
	if base == "" {
		return ""
	}
	if strings.Contains(local, "xauth") || strings.Contains(remote, "xauth") {
		return "XAUTH-" + base
	}
	return base
}

// ---------------------------------------------------------------------------
// lines, sources, identities, secrets

// src is the Source of a line: the text trimmed.
func src(file string, line int, text string) Source {
	return Source{File: file, Line: line, Text: strings.TrimSpace(text)}
}

// errAt is the one-line error "FILE:LINE: msg".
func errAt(file string, line int, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", file, line, fmt.Sprintf(format, args...))
}

// splitList splits a comma (or whitespace, for ipsec.conf) separated list, dropping
// empty entries and quotes.
func splitList(v string, alsoSpace bool) []string {
	f := func(r rune) bool { return r == ',' || alsoSpace && (r == ' ' || r == '\t') }
	var out []string
	for _, s := range strings.FieldsFunc(v, f) {
		if s = unquote(strings.TrimSpace(s)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	return s
}

// normID is an identity as the peers exchange it: quotes removed, and "@fqdn" (an FQDN
// not to be resolved, in strongSwan's and libreswan's syntax) without its "@".
func normID(s string) string {
	s = unquote(strings.TrimSpace(s))
	if len(s) > 1 && s[0] == '@' && s[1] != '#' && s[1] != '@' && s[1] != '~' {
		return s[1:]
	}
	return s
}

// secretBytes decodes a secret as written: a quoted string as it is, 0x hex, 0s base64,
// anything else as it is.
func secretBytes(v string) ([]byte, bool) {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') {
		if v[len(v)-1] != v[0] {
			return nil, false
		}
		return []byte(v[1 : len(v)-1]), true
	}
	switch {
	case len(v) > 2 && (strings.HasPrefix(v, "0x") || strings.HasPrefix(v, "0X")):
		b, err := hex.DecodeString(strings.ReplaceAll(v[2:], "_", ""))
		return b, err == nil
	case len(v) > 2 && (strings.HasPrefix(v, "0s") || strings.HasPrefix(v, "0S")):
		b, err := base64.StdEncoding.DecodeString(v[2:])
		return b, err == nil
	}
	return []byte(v), true
}

func digest(b []byte) [32]byte { return sha256.Sum256(b) }

// maskAfter replaces the first occurrence of value (as written) at or after byte from
// in line by "<secret>"; it returns the line and the end of the mask.
func maskAfter(line string, from int, value string) (string, int) {
	if value == "" || from > len(line) {
		return line, from
	}
	i := strings.Index(line[from:], value)
	if i < 0 {
		return line, from
	}
	i += from
	return line[:i] + masked + line[i+len(value):], i + len(masked)
}

// includeFiles resolves an include pattern relative to the including file and expands
// globs, sorted; a pattern without glob characters that names no file is an error.
// readIncludes reads the files an include statement at file:line names (relative to
// file, globs allowed) and hands each to parse; a file that includes itself, directly
// or not, is an error (seen holds the files being read).
func readIncludes(file string, line int, pattern string, seen map[string]bool, parse func(inc string, data []byte) error) error {
	files, err := includeFiles(file, strings.TrimSpace(pattern))
	if err != nil {
		return errAt(file, line, "%v", err)
	}
	for _, inc := range files {
		if seen[inc] {
			return errAt(file, line, "%s includes itself; remove the include", inc)
		}
		d, err := readConfigFile(inc)
		if err != nil {
			return errAt(file, line, "cannot read included file %s: %v", inc, errText(err))
		}
		if err := parse(inc, d); err != nil {
			return err
		}
	}
	return nil
}

// maxIncluded bounds the files one include statement reads.
const maxIncluded = 1000

func includeFiles(from, pattern string) ([]string, error) {
	pattern = unquote(strings.TrimSpace(pattern))
	if !filepath.IsAbs(pattern) {
		pattern = filepath.Join(filepath.Dir(from), pattern)
	}
	m, err := filepath.Glob(pattern)
	if err != nil {
		return nil, fmt.Errorf("bad include pattern %q", pattern)
	}
	if len(m) == 0 && !strings.ContainsAny(pattern, "*?[") {
		return nil, fmt.Errorf("included file %s does not exist; fix the path or remove the include", pattern)
	}
	if len(m) > maxIncluded {
		return nil, fmt.Errorf("include %s matches %d files; name the configuration's own files", pattern, len(m))
	}
	sort.Strings(m)
	return m, nil
}

// parseDuration reads strongSwan/libreswan times: "3600", "60s", "1h", "30m", "1d".
func parseDuration(v string) (time.Duration, bool) {
	v = strings.TrimSpace(strings.ToLower(v))
	if v == "" {
		return 0, false
	}
	unit := time.Second
	switch v[len(v)-1] {
	case 's':
		v = v[:len(v)-1]
	case 'm':
		unit, v = time.Minute, v[:len(v)-1]
	case 'h':
		unit, v = time.Hour, v[:len(v)-1]
	case 'd':
		unit, v = 24*time.Hour, v[:len(v)-1]
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || f < 0 {
		return 0, false
	}
	return time.Duration(f * float64(unit)), true
}

package ikecrypt

import (
	"bytes"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// ESPKeys are the keys of one ESP SA (one direction) as a key source gives them.
//
// EncKey holds what the kernel holds: for AES-CTR (RFC 3686), AES-GCM (RFC 4106),
// AES-GMAC (RFC 4543), AES-CCM (RFC 4309) and ChaCha20-Poly1305 (RFC 7634) the cipher
// key followed by its nonce or salt.
type ESPKeys struct {
	SPI    uint32
	AnySPI bool // the source gives no SPI (tcpdump's "alg:key" alone, Wireshark's "*")
	// Src and Dst are the outer addresses the SA is bound to; the zero Addr is any.
	Src, Dst netip.Addr

	Encr   Encr
	EncKey []byte
	// Integ is the integrity algorithm, IntegKey its key: nil when the source gives
	// none (tcpdump's -E), and for AEAD ciphers, whose tag is their integrity. Without
	// a key the ICVLen bytes at the end of each packet are skipped, not checked.
	Integ    Integ
	IntegKey []byte
	ICVLen   int

	// Source says where the keys come from: "xfrm-state.txt:3", "charon.log:356".
	Source string
}

// EncrNullAuthAESGMAC is ENCR_NULL_AUTH_AES_GMAC (RFC 4543): ESP with integrity only,
// keyed like AES-GCM (key and 4-byte salt), with a 16-byte tag.
const EncrNullAuthAESGMAC uint16 = 21

// espSpec is encrSpec for ESP, which also knows AES-GMAC.
func (e Encr) espSpec() (encrSpec, error) {
	if e.ID == EncrNullAuthAESGMAC {
		switch e.KeyBits {
		case 128, 192, 256:
		default:
			return encrSpec{}, fmt.Errorf("AES-GMAC: key length %d bits (want 128, 192 or 256)", e.KeyBits)
		}
		return encrSpec{name: fmt.Sprintf("AES-GMAC-%d", e.KeyBits), mode: modeGCM, keyLen: e.KeyBits / 8, saltLen: 4, ivLen: 8, block: 1, icvLen: 16, newBlk: newAES}, nil
	}
	return e.spec()
}

// espName names an ESP cipher as ikescope prints it.
func (e Encr) espName() string {
	if s, err := e.espSpec(); err == nil {
		return s.name
	}
	return e.String()
}

// check compares the key lengths with the algorithms and sets ICVLen from them when
// the source did not give it.
func (k *ESPKeys) check() error {
	s, err := k.Encr.espSpec()
	if err != nil {
		return err
	}
	if want := s.keyLen + s.saltLen; len(k.EncKey) != want {
		return fmt.Errorf("encryption key is %d bytes, but %s needs %d", len(k.EncKey), k.Encr.espName(), want)
	}
	if s.aead() || k.Encr.ID == EncrNullAuthAESGMAC {
		k.ICVLen, k.IntegKey, k.Integ = s.icvLen, nil, Integ{}
		return nil
	}
	if k.IntegKey == nil {
		return nil
	}
	is, err := k.Integ.spec()
	if err != nil {
		return err
	}
	if is.keyLen > 0 && len(k.IntegKey) != is.keyLen {
		return fmt.Errorf("integrity key is %d bytes, but %s needs %d", len(k.IntegKey), k.Integ, is.keyLen)
	}
	if is.mac == nil || is.icvLen == 0 {
		k.IntegKey = nil // NONE: nothing to check
	}
	k.ICVLen = is.icvLen
	return nil
}

// addESP adds keys, once: the same SA from both peers' dumps is kept once.
func (k *Keys) addESP(e *ESPKeys) {
	for _, o := range k.ESP {
		if o.SPI == e.SPI && o.AnySPI == e.AnySPI && o.Src == e.Src && o.Dst == e.Dst && o.Encr == e.Encr &&
			bytes.Equal(o.EncKey, e.EncKey) && o.Integ == e.Integ && bytes.Equal(o.IntegKey, e.IntegKey) && o.ICVLen == e.ICVLen {
			return
		}
	}
	k.ESP = append(k.ESP, e)
}

// Linux kernel (crypto API) algorithm names, as `ip xfrm state` prints them.

// kernelEncr maps an "enc" or "aead" name and its key (with salt) and ICV bits.
func kernelEncr(name string, keyLen, icvBits int) (Encr, bool) {
	aesBits := func(salt int) int { return (keyLen - salt) * 8 }
	switch name {
	case "cbc(aes)":
		return Encr{EncrAESCBC, keyLen * 8}, true
	case "cbc(des3_ede)":
		return Encr{ID: Encr3DES}, true
	case "cbc(des)":
		return Encr{ID: EncrDES}, true
	case "cbc(blowfish)":
		return Encr{EncrBlowfish, keyLen * 8}, true
	case "cbc(cast5)":
		return Encr{EncrCAST, keyLen * 8}, true
	case "rfc3686(ctr(aes))":
		return Encr{EncrAESCTR, aesBits(4)}, true
	case "rfc4106(gcm(aes))":
		id, ok := map[int]uint16{64: EncrAESGCM8, 96: EncrAESGCM12, 128: EncrAESGCM16}[icvBits]
		return Encr{id, aesBits(4)}, ok
	case "rfc4309(ccm(aes))":
		id, ok := map[int]uint16{64: EncrAESCCM8, 96: EncrAESCCM12, 128: EncrAESCCM16}[icvBits]
		return Encr{id, aesBits(3)}, ok
	case "rfc4543(gcm(aes))":
		return Encr{EncrNullAuthAESGMAC, aesBits(4)}, icvBits == 128
	case "rfc7539esp(chacha20,poly1305)":
		return Encr{ID: EncrChaCha20Poly1305}, icvBits == 128
	case "ecb(cipher_null)", "cipher_null":
		return Encr{ID: EncrNull}, true
	}
	return Encr{}, false
}

// kernelInteg maps an "auth" or "auth-trunc" name and its truncation (0: the default).
func kernelInteg(name string, truncBits int) (Integ, bool) {
	ids := map[string][]uint16{
		"hmac(md5)":    {IntegHMACMD596, IntegHMACMD5128},
		"hmac(sha1)":   {IntegHMACSHA196, IntegHMACSHA1160},
		"hmac(sha256)": {IntegHMACSHA256128, IntegHMACSHA256_96},
		"hmac(sha384)": {IntegHMACSHA384192},
		"hmac(sha512)": {IntegHMACSHA512256},
		"xcbc(aes)":    {IntegAESXCBC96},
		"cmac(aes)":    {IntegAESCMAC96},
		"digest_null":  {IntegNone},
	}[name]
	for _, id := range ids {
		s, _ := Integ{ID: id}.spec()
		if truncBits == 0 || s.icvLen*8 == truncBits || id == IntegNone {
			return Integ{ID: id}, true
		}
	}
	return Integ{}, false
}

// An `ip xfrm state` dump (Linux iproute2):
//
//	src 192.0.2.1 dst 192.0.2.2
//		proto esp spi 0xc5f8e0d1 reqid 1 mode tunnel
//		replay-window 0 flag af-unspec
//		auth-trunc hmac(sha256) 0x7a6f...  128
//		enc cbc(aes) 0x3e4d...
//		encap type espinudp sport 4500 dport 4500 addr 0.0.0.0
//
// AEAD states have "aead rfc4106(gcm(aes)) 0xKEY 128" (key with salt, ICV bits) instead
// of auth and enc. States of other protocols (AH, IPComp) are skipped.
var (
	xfrmHead  = regexp.MustCompile(`^src (\S+) dst (\S+)\s*$`)
	xfrmProto = regexp.MustCompile(`^\s+proto (\S+) spi (0x[0-9a-fA-F]+|\d+)`)
	xfrmBits  = regexp.MustCompile(` \(\d+ bits\)`) // `ip -s xfrm state` adds the key length
)

func parseXfrm(name string, data []byte) (*Keys, error) {
	k := &Keys{}
	var cur *ESPKeys
	var curLine int
	var src, dst netip.Addr
	var hasEnc bool
	finish := func() error {
		if cur == nil {
			return nil
		}
		e := cur
		cur = nil
		if !hasEnc {
			return &LineError{File: name, Line: curLine, Msg: fmt.Sprintf("ESP state spi 0x%08x has no enc or aead line", e.SPI)}
		}
		if err := e.check(); err != nil {
			return &LineError{File: name, Line: curLine, Msg: fmt.Sprintf("spi 0x%08x: %v", e.SPI, err)}
		}
		k.addESP(e)
		return nil
	}
	n := 0
	for raw := range bytes.Lines(data) {
		n++
		line := strings.TrimRight(string(raw), "\r\n")
		fail := func(format string, a ...any) error {
			return &LineError{File: name, Line: n, Msg: fmt.Sprintf(format, a...)}
		}
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if m := xfrmHead.FindStringSubmatch(line); m != nil {
			if err := finish(); err != nil {
				return nil, err
			}
			var err1, err2 error
			src, err1 = netip.ParseAddr(m[1])
			dst, err2 = netip.ParseAddr(m[2])
			if err1 != nil || err2 != nil {
				return nil, fail("expected \"src ADDRESS dst ADDRESS\", got %q", shorten(line))
			}
			continue
		}
		if m := xfrmProto.FindStringSubmatch(line); m != nil {
			if err := finish(); err != nil {
				return nil, err
			}
			if !src.IsValid() {
				return nil, fail("\"proto\" line before any \"src ... dst ...\" line")
			}
			if m[1] != "esp" {
				continue
			}
			spi, err := strconv.ParseUint(m[2], 0, 32)
			if err != nil {
				return nil, fail("spi %q is not a 32-bit number", m[2])
			}
			cur, curLine, hasEnc = &ESPKeys{SPI: uint32(spi), Src: src, Dst: dst, Source: fmt.Sprintf("%s:%d", name, n)}, n, false
			continue
		}
		if !strings.HasPrefix(line, "\t") && !strings.HasPrefix(line, " ") {
			return nil, fail("expected `ip xfrm state` output (\"src A dst B\", then indented lines), got %q", shorten(line))
		}
		if cur == nil {
			continue // a line of an AH or IPComp state, or a policy
		}
		f := strings.Fields(xfrmBits.ReplaceAllString(line, ""))
		switch f[0] {
		case "enc", "aead", "auth", "auth-trunc":
		default:
			continue
		}
		withBits := f[0] == "aead" || f[0] == "auth-trunc" // ICV or truncation bits after the key
		if len(f) < 3 || withBits && len(f) < 4 {
			form := f[0] + " NAME 0xKEY"
			if withBits {
				form += " BITS"
			}
			return nil, fail("%s: expected %q, got %q", f[0], form, shorten(strings.TrimSpace(line)))
		}
		key, err := parseHex(f[2])
		if err != nil {
			return nil, fail("%s key: %v", f[0], err)
		}
		bits := 0
		if len(f) >= 4 {
			if bits, err = strconv.Atoi(f[3]); err != nil {
				return nil, fail("%s: %q is not a number of bits", f[0], f[3])
			}
		}
		switch f[0] {
		case "enc", "aead":
			e, ok := kernelEncr(f[1], len(key), bits)
			if !ok {
				return nil, fail("unknown %s algorithm %q (the kernel's names: cbc(aes), cbc(des3_ede), rfc3686(ctr(aes)), rfc4106(gcm(aes)), rfc7539esp(chacha20,poly1305), ...)", f[0], f[1])
			}
			cur.Encr, cur.EncKey, hasEnc = e, key, true
		default:
			i, ok := kernelInteg(f[1], bits)
			if !ok {
				return nil, fail("unknown %s algorithm %q with %d bits (the kernel's names: hmac(sha1), hmac(sha256), xcbc(aes), ...)", f[0], f[1], bits)
			}
			cur.Integ, cur.IntegKey = i, key
		}
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return k, nil
}

// A `setkey -D` dump (KAME/ipsec-tools on the BSDs and racoon systems; pfkey_dump.c):
//
//	192.0.2.1 192.0.2.2
//		esp mode=tunnel spi=3331358929(0xc5f8e0d1) reqid=0(0x00000000)
//		E: aes-cbc  a24ac0e7 1b8a2e5d ...
//		A: hmac-sha1  5b3c0d4e ...
//		seq=0x00000000 replay=4 flags=0x00000000 state=mature
//
// Keys are printed in 4-byte groups, 32 bytes a line: longer keys go on with lines of
// groups alone.
var (
	setkeyHead = regexp.MustCompile(`^(\S+) (\S+)\s*$`)
	setkeySA   = regexp.MustCompile(`^\s+(\S+) mode=\S+ spi=(\d+)\(0x[0-9a-fA-F]+\)`)
	setkeyKey  = regexp.MustCompile(`^\s+([EA]): (\S+)((?:\s+[0-9a-fA-F]+)*)\s*$`)
	setkeyMore = regexp.MustCompile(`^\s+[0-9a-fA-F]{2,8}(?:\s+[0-9a-fA-F]{2,8})*\s*$`)
)

func setkeyEncr(name string, keyLen int) (Encr, bool) {
	switch name {
	case "des-cbc":
		return Encr{ID: EncrDES}, true
	case "3des-cbc":
		return Encr{ID: Encr3DES}, true
	case "null":
		return Encr{ID: EncrNull}, true
	case "blowfish-cbc":
		return Encr{EncrBlowfish, keyLen * 8}, true
	case "cast128-cbc":
		return Encr{EncrCAST, keyLen * 8}, true
	case "aes-cbc", "rijndael-cbc":
		return Encr{EncrAESCBC, keyLen * 8}, true
	case "aes-ctr":
		return Encr{EncrAESCTR, (keyLen - 4) * 8}, true
	case "aes-gcm-16":
		return Encr{EncrAESGCM16, (keyLen - 4) * 8}, true
	case "chacha20-poly1305":
		return Encr{ID: EncrChaCha20Poly1305}, true
	}
	return Encr{}, false
}

var setkeyInteg = map[string]uint16{
	"hmac-md5": IntegHMACMD596, "hmac-sha1": IntegHMACSHA196,
	"hmac-sha256": IntegHMACSHA256128, "hmac-sha2-256": IntegHMACSHA256128,
	"hmac-sha384": IntegHMACSHA384192, "hmac-sha2-384": IntegHMACSHA384192,
	"hmac-sha512": IntegHMACSHA512256, "hmac-sha2-512": IntegHMACSHA512256,
	"aes-xcbc-mac": IntegAESXCBC96, "none": IntegNone, "null": IntegNone,
}

func parseSetkey(name string, data []byte) (*Keys, error) {
	k := &Keys{}
	var cur *ESPKeys
	var curLine int
	var src, dst netip.Addr
	var last *[]byte // the key a continuation line adds to
	var encName, authName string
	finish := func() error {
		if cur == nil {
			return nil
		}
		e := cur
		cur = nil
		fail := func(format string, a ...any) error {
			return &LineError{File: name, Line: curLine, Msg: fmt.Sprintf("spi 0x%08x: ", e.SPI) + fmt.Sprintf(format, a...)}
		}
		if encName == "" {
			return fail("no E: line")
		}
		var ok bool
		if e.Encr, ok = setkeyEncr(encName, len(e.EncKey)); !ok {
			return fail("unknown encryption algorithm %q (setkey's names: aes-cbc, 3des-cbc, blowfish-cbc, cast128-cbc, aes-ctr, null, ...)", encName)
		}
		if authName != "" {
			id, ok := setkeyInteg[authName]
			if !ok {
				return fail("unknown authentication algorithm %q (setkey's names: hmac-sha1, hmac-sha256, hmac-md5, aes-xcbc-mac, ...)", authName)
			}
			e.Integ = Integ{ID: id}
		}
		if err := e.check(); err != nil {
			return fail("%v", err)
		}
		k.addESP(e)
		return nil
	}
	n := 0
	for raw := range bytes.Lines(data) {
		n++
		line := strings.TrimRight(string(raw), "\r\n")
		fail := func(format string, a ...any) error {
			return &LineError{File: name, Line: n, Msg: fmt.Sprintf(format, a...)}
		}
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if m := setkeyHead.FindStringSubmatch(line); m != nil && !strings.HasPrefix(line, "\t") {
			if err := finish(); err != nil {
				return nil, err
			}
			var err1, err2 error
			src, err1 = netip.ParseAddr(strings.SplitN(m[1], "[", 2)[0])
			dst, err2 = netip.ParseAddr(strings.SplitN(m[2], "[", 2)[0])
			if err1 != nil || err2 != nil {
				return nil, fail("expected \"SOURCE DESTINATION\" addresses, got %q", shorten(line))
			}
			last = nil
			continue
		}
		if m := setkeySA.FindStringSubmatch(line); m != nil {
			if err := finish(); err != nil {
				return nil, err
			}
			last = nil
			if !src.IsValid() {
				return nil, fail("SA line before any address line")
			}
			if m[1] != "esp" && m[1] != "esp-udp" {
				continue
			}
			spi, err := strconv.ParseUint(m[2], 10, 32)
			if err != nil {
				return nil, fail("spi %q is not a 32-bit number", m[2])
			}
			cur, curLine, encName, authName = &ESPKeys{SPI: uint32(spi), Src: src, Dst: dst, Source: fmt.Sprintf("%s:%d", name, n)}, n, "", ""
			continue
		}
		if cur == nil {
			continue
		}
		if m := setkeyKey.FindStringSubmatch(line); m != nil {
			b, err := parseHex(strings.Join(strings.Fields(m[3]), ""))
			if err != nil {
				return nil, fail("%s: key: %v", m[1], err)
			}
			if m[1] == "E" {
				encName, cur.EncKey, last = m[2], b, &cur.EncKey
			} else {
				authName, cur.IntegKey, last = m[2], b, &cur.IntegKey
			}
			continue
		}
		if last != nil && setkeyMore.MatchString(line) {
			b, err := parseHex(strings.Join(strings.Fields(line), ""))
			if err != nil {
				return nil, fail("key continuation: %v", err)
			}
			*last = append(*last, b...)
			continue
		}
		last = nil
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return k, nil
}

// Wireshark's esp_sa table (Preferences > Protocols > ESP > ESP SAs, packet-esp.c):
//
//	"IPv4","192.168.0.1","192.168.0.100","0x070883c2","AES-CBC [RFC3602]","0x5de1...","HMAC-SHA-1-96 [RFC2404]","0x51c9..."
//
// Addresses and the SPI may be "*" (any).
var wsESPEncr = map[string]uint16{
	"null": EncrNull, "tripledescbc": Encr3DES, "aescbc": EncrAESCBC, "aesctr": EncrAESCTR,
	"descbc": EncrDES, "cast5cbc": EncrCAST, "blowfishcbc": EncrBlowfish,
	"aesgcmwith8octeticv": EncrAESGCM8, "aesgcmwith12octeticv": EncrAESGCM12, "aesgcmwith16octeticv": EncrAESGCM16,
	"nullencryptionwithaesgmacauthentication": EncrNullAuthAESGMAC,
	"chacha20withpoly1305":                    EncrChaCha20Poly1305,
}

var wsESPInteg = map[string]Integ{
	"null": {ID: IntegNone}, "hmacsha196": {ID: IntegHMACSHA196}, "hmacsha25696": {ID: IntegHMACSHA256_96},
	"hmacsha256128": {ID: IntegHMACSHA256128}, "hmacsha384192": {ID: IntegHMACSHA384192},
	"hmacsha512256": {ID: IntegHMACSHA512256}, "hmacmd596": {ID: IntegHMACMD596},
	"any64bitauthentication": {Unchecked: 8}, "any96bitauthentication": {Unchecked: 12},
	"any128bitauthentication": {Unchecked: 16}, "any192bitauthentication": {Unchecked: 24},
	"any256bitauthentication": {Unchecked: 32},
}

// Wireshark's esp_sa names for what ikescope writes back.
var (
	wsESPEncrNames = map[uint16]string{
		EncrNull: "NULL", Encr3DES: "TripleDES-CBC [RFC2451]", EncrAESCBC: "AES-CBC [RFC3602]", EncrAESCTR: "AES-CTR [RFC3686]",
		EncrDES: "DES-CBC [RFC2405]", EncrCAST: "CAST5-CBC [RFC2144]", EncrBlowfish: "BLOWFISH-CBC [RFC2451]",
		EncrAESGCM8: "AES-GCM with 8 octet ICV [RFC4106]", EncrAESGCM12: "AES-GCM with 12 octet ICV [RFC4106]",
		EncrAESGCM16: "AES-GCM with 16 octet ICV [RFC4106]", EncrNullAuthAESGMAC: "NULL Encryption with AES-GMAC Authentication [RFC4543]",
		EncrChaCha20Poly1305: "ChaCha20 with Poly1305 [RFC7634]",
	}
	wsESPIntegNames = map[uint16]string{
		IntegNone: "NULL", IntegHMACSHA196: "HMAC-SHA-1-96 [RFC2404]", IntegHMACSHA256_96: "HMAC-SHA-256-96 [draft-ietf-ipsec-ciph-sha-256-00]",
		IntegHMACSHA256128: "HMAC-SHA-256-128 [RFC4868]", IntegHMACSHA384192: "HMAC-SHA-384-192 [RFC4868]",
		IntegHMACSHA512256: "HMAC-SHA-512-256 [RFC4868]", IntegHMACMD596: "HMAC-MD5-96 [RFC2403]",
	}
)

func wsBase(s string) string {
	if i := strings.Index(s, "["); i >= 0 {
		s = s[:i]
	}
	return norm(s)
}

const espSARowForm = `"IPv4","<src>","<dst>","0x<SPI>","<encryption>","0x<key>","<authentication>","0x<key>"`

func parseESPSARow(f []string) (*ESPKeys, error) {
	if len(f) < 8 {
		return nil, fmt.Errorf("expected %s (8 fields, Wireshark's esp_sa), got %d", espSARowForm, len(f))
	}
	e := &ESPKeys{}
	addr := func(s string, field int) (netip.Addr, error) {
		if s == "*" || s == "" {
			return netip.Addr{}, nil
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return a, fmt.Errorf("field %d: %q is not an address or *", field, s)
		}
		return a, nil
	}
	var err error
	if e.Src, err = addr(f[1], 2); err != nil {
		return nil, err
	}
	if e.Dst, err = addr(f[2], 3); err != nil {
		return nil, err
	}
	if f[3] == "*" || f[3] == "" {
		e.AnySPI = true
	} else {
		spi, err := strconv.ParseUint(f[3], 0, 32)
		if err != nil {
			return nil, fmt.Errorf("field 4: SPI %q is not a 32-bit number or *", f[3])
		}
		e.SPI = uint32(spi)
	}
	if e.EncKey, err = parseHex(f[5]); err != nil {
		return nil, fmt.Errorf("field 6 (encryption key): %w", err)
	}
	id, ok := wsESPEncr[wsBase(f[4])]
	if !ok {
		return nil, fmt.Errorf("field 5: unknown encryption algorithm %q (Wireshark's names, such as \"AES-CBC [RFC3602]\")", f[4])
	}
	e.Encr = Encr{ID: id}
	switch id {
	case EncrAESCBC, EncrBlowfish, EncrCAST:
		e.Encr.KeyBits = len(e.EncKey) * 8
	case EncrAESCTR, EncrAESGCM8, EncrAESGCM12, EncrAESGCM16, EncrNullAuthAESGMAC:
		e.Encr.KeyBits = (len(e.EncKey) - 4) * 8
	}
	in, ok := wsESPInteg[wsBase(f[6])]
	if !ok {
		return nil, fmt.Errorf("field 7: unknown authentication algorithm %q (Wireshark's names, such as \"HMAC-SHA-1-96 [RFC2404]\")", f[6])
	}
	if in.Unchecked > 0 {
		e.ICVLen = in.Unchecked
	} else {
		e.Integ = in
		if e.IntegKey, err = parseHex(f[7]); err != nil {
			return nil, fmt.Errorf("field 8 (authentication key): %w", err)
		}
	}
	if err := e.check(); err != nil {
		return nil, err
	}
	return e, nil
}

// tcpdump's -E secrets: "[0xSPI@ADDRESS ]ALGORITHM:KEY", several separated by commas;
// the algorithm is an OpenSSL cipher name ending in "-cbc" and, with an ICV of 12 bytes
// tcpdump does not check, "-hmac96" ("3des-cbc-hmac96", "aes256-cbc-hmac96"). A key not
// starting with 0x is the text itself.
func isESPSecretLine(line string) bool {
	for _, s := range strings.Split(line, ",") {
		if !espSecret.MatchString(strings.TrimSpace(s)) {
			return false
		}
	}
	return true
}

func parseESPSecret(s string) (*ESPKeys, error) {
	const form = `"0x<SPI>@<address> <algorithm>:0x<key>" (tcpdump -E)`
	e := &ESPKeys{AnySPI: true}
	f := strings.Fields(s)
	switch len(f) {
	case 1:
	case 2:
		spi, addr, ok := strings.Cut(f[0], "@")
		if !ok {
			return nil, fmt.Errorf("expected %s, got %q", form, shorten(s))
		}
		if spi != "" {
			v, err := strconv.ParseUint(spi, 0, 32)
			if err != nil {
				return nil, fmt.Errorf("SPI %q is not a 32-bit number", spi)
			}
			e.SPI, e.AnySPI = uint32(v), false
		}
		a, err := netip.ParseAddr(addr)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IPv4 or IPv6 address", addr)
		}
		e.Dst = a
		f = f[1:]
	default:
		return nil, fmt.Errorf("expected %s, got %q", form, shorten(s))
	}
	alg, key, ok := strings.Cut(f[0], ":")
	if !ok {
		return nil, fmt.Errorf("expected %s, got %q", form, shorten(s))
	}
	if strings.HasPrefix(key, "0x") || strings.HasPrefix(key, "0X") {
		b, err := parseHex(key)
		if err != nil {
			return nil, fmt.Errorf("key: %w", err)
		}
		e.EncKey = b
	} else {
		e.EncKey = []byte(key)
	}
	name := strings.ToLower(alg)
	if n, ok := strings.CutSuffix(name, "-hmac96"); ok {
		name, e.ICVLen = n, 12
	}
	name = strings.TrimSuffix(name, "-cbc")
	var enc Encr
	switch name {
	case "none", "null", "":
		enc = Encr{ID: EncrNull}
		if len(e.EncKey) > 0 {
			e.EncKey = nil
		}
	case "des-ede3", "des3", "3des":
		enc = Encr{ID: Encr3DES}
	case "cast128", "cast", "cast5":
		enc = Encr{EncrCAST, len(e.EncKey) * 8}
	default:
		enc, ok = tcpdumpEncr(name, len(e.EncKey))
		if !ok || enc.ID != EncrAESCBC && enc.ID != EncrDES && enc.ID != EncrBlowfish && enc.ID != EncrNull {
			return nil, fmt.Errorf("unknown algorithm %q (tcpdump's: des-cbc, 3des-cbc, blowfish-cbc, cast128-cbc, aes128-cbc, aes192-cbc, aes256-cbc, none, each with -hmac96 for a 12-byte ICV)", alg)
		}
	}
	e.Encr = enc
	icv := e.ICVLen
	if err := e.check(); err != nil {
		return nil, err
	}
	e.ICVLen = icv
	return e, nil
}

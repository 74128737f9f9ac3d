package config

// Keywords of racoon and Cisco configurations and the names the analysis writes for them
// (analyze/proposals.go), with the helpers both parsers share. The names are prefixed
// "vendor" so that they stay clear of the strongSwan/libreswan keyword tables.

import (
	"crypto/sha256"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/decode"
)

// secretMask replaces a secret on a line kept as evidence.
const secretMask = "<secret>"

// vendorLines splits a file into lines without their line ends.
func vendorLines(data []byte) []string {
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

// vendorSource is where line n (from 1) of a file is, its text trimmed; spans (byte
// offsets into the untrimmed line) hold secrets and are masked.
func vendorSource(file string, lines []string, n int, secrets ...[2]int) Source {
	if n < 1 || n > len(lines) {
		return Source{File: file, Line: n}
	}
	text := lines[n-1]
	for i := len(secrets) - 1; i >= 0; i-- { // spans in ascending order: mask from the end
		s := secrets[i]
		if s[0] >= 0 && s[1] <= len(text) && s[0] <= s[1] {
			text = text[:s[0]] + secretMask + text[s[1]:]
		}
	}
	return Source{File: file, Line: n, Text: strings.TrimSpace(text)}
}

// vendorDigest is the SHA-256 of a secret: all that is kept of it.
func vendorDigest(secret []byte) [32]byte { return sha256.Sum256(secret) }

// vendorGroup turns a DH group number into the analysis's name and ID.
func vendorGroup(n int) (string, uint16) {
	return decode.DHGroupName(uint16(n)), uint16(n)
}

// vendorSetGroups sets an offer's groups (several for IKEv2) from their numbers.
func vendorSetGroups(p *analyze.Proposal, nums []int) {
	p.Groups, p.GroupIDs = nil, nil
	for _, n := range nums {
		name, id := vendorGroup(n)
		p.Groups = append(p.Groups, name)
		p.GroupIDs = append(p.GroupIDs, id)
	}
}

// vendorNoPFS marks a Phase 2 / Child offer as without PFS.
func vendorNoPFS(p *analyze.Proposal) {
	p.Groups, p.GroupIDs = []string{"none"}, nil
}

// vendorEnc is an encryption algorithm: the analysis's name without key length, the
// IKEv1 Phase 1 attribute value (0 where there is none), and the key length sent (0: no
// Key Length attribute).
type vendorEnc struct {
	name   string
	v1ID   int
	keyLen int
}

func (e vendorEnc) String() string {
	if e.keyLen == 0 {
		return e.name
	}
	return fmt.Sprintf("%s-%d", e.name, e.keyLen)
}

// IKEv1 Phase 1 hash algorithms (RFC 2409 Appendix A) in the analysis's words.
const (
	v1HashMD5    = "MD5"
	v1HashSHA1   = "SHA1"
	v1HashSHA256 = "SHA2-256"
	v1HashSHA384 = "SHA2-384"
	v1HashSHA512 = "SHA2-512"
)

// Phase 1 authentication methods in the analysis's words and in strongSwan's (local and
// remote rounds) as Conn.LocalAuth / RemoteAuth take them.
type vendorAuth struct {
	offer         string // analyze.Proposal.Auth
	local, remote string
}

// ---------------------------------------------------------------------------
// racoon (ipsec-tools racoon.conf(5))

// racoonPhase1Enc: "encryption_algorithm" in a proposal; algorithms with a key length
// default to 128 bits, which racoon sends (cfparse.y default_keylen).
var racoonPhase1Enc = map[string]vendorEnc{
	"des":      {"DES", 1, 0},
	"3des":     {"3DES", 5, 0},
	"blowfish": {"Blowfish", 3, 128},
	"cast128":  {"CAST", 6, 128},
	"aes":      {"AES-CBC", 7, 128},
	"aes128":   {"AES-CBC", 7, 128},
	"aes192":   {"AES-CBC", 7, 192},
	"aes256":   {"AES-CBC", 7, 256},
	"camellia": {"Camellia-CBC", 8, 128},
}

var racoonPhase1Hash = map[string]string{
	"md5": v1HashMD5, "sha1": v1HashSHA1, "sha256": v1HashSHA256, "sha2_256": v1HashSHA256,
	"sha384": v1HashSHA384, "sha2_384": v1HashSHA384, "sha512": v1HashSHA512, "sha2_512": v1HashSHA512,
	"tiger": "Tiger",
}

// racoonAuth: "authentication_method"; the _server methods are the gateway's side of
// XAUTH and hybrid authentication, the _client ones the client's.
var racoonAuth = map[string]vendorAuth{
	"pre_shared_key":     {"PSK", "psk", "psk"},
	"rsasig":             {"RSA", "pubkey", "pubkey"},
	"dsssig":             {"DSS", "pubkey", "pubkey"},
	"gssapi_krb":         {"GSSAPI", "gssapi", "gssapi"},
	"xauth_psk_server":   {"XAUTH-PSK", "psk", "psk+xauth"},
	"xauth_psk_client":   {"XAUTH-PSK", "psk+xauth", "psk"},
	"xauth_rsa_server":   {"XAUTH-RSA", "pubkey", "pubkey+xauth"},
	"xauth_rsa_client":   {"XAUTH-RSA", "pubkey+xauth", "pubkey"},
	"hybrid_rsa_server":  {"Hybrid-RSA", "pubkey", "xauth"},
	"hybrid_rsa_client":  {"Hybrid-RSA", "xauth", "pubkey"},
	"hybrid_dss_server":  {"Hybrid-DSS", "pubkey", "xauth"},
	"hybrid_dss_client":  {"Hybrid-DSS", "xauth", "pubkey"},
	"xauth_dss_server":   {"XAUTH-DSS", "pubkey", "pubkey+xauth"},
	"xauth_dss_client":   {"XAUTH-DSS", "pubkey+xauth", "pubkey"},
	"xauth_rsa_enc_srv":  {"XAUTH-RSA-enc", "pubkey", "pubkey+xauth"},
	"xauth_rsa_enc_cli":  {"XAUTH-RSA-enc", "pubkey+xauth", "pubkey"},
	"rsa_encryption":     {"RSA-enc", "pubkey", "pubkey"},
	"rsa_rev_encryption": {"RSA-rev-enc", "pubkey", "pubkey"},
}

// racoonGroups: "dh_group" and "pfs_group", by name or number.
var racoonGroups = map[string]int{
	"modp768": 1, "modp1024": 2, "modp1536": 5, "modp2048": 14, "modp3072": 15,
	"modp4096": 16, "modp6144": 17, "modp8192": 18,
}

// racoonPhase2Enc: "encryption_algorithm" in a sainfo; the ESP transform ID names of the
// analysis (espNames), key lengths defaulting as in Phase 1.
var racoonPhase2Enc = map[string]vendorEnc{
	"des":        {"DES", 0, 0},
	"3des":       {"3DES", 0, 0},
	"des_iv64":   {"DES-IV64", 0, 0},
	"des_iv32":   {"ESP_DES_IV32", 0, 0},
	"null_enc":   {"NULL", 0, 0},
	"blowfish":   {"Blowfish", 0, 128},
	"cast128":    {"CAST", 0, 128},
	"twofish":    {"ESP_TWOFISH", 0, 128},
	"aes":        {"AES-CBC", 0, 128},
	"camellia":   {"Camellia-CBC", 0, 128},
	"aes_gcm_16": {"AES-GCM-16", 0, 128},
}

// racoonPhase2Auth: "authentication_algorithm" (the IPsec DOI authentication algorithm
// attribute, as the analysis names it for IKEv1); non_auth sends none.
var racoonPhase2Auth = map[string]string{
	"hmac_md5": "HMAC-MD5", "hmac_sha1": "HMAC-SHA1", "hmac_sha256": "HMAC-SHA2-256",
	"hmac_sha2_256": "HMAC-SHA2-256", "hmac_sha384": "HMAC-SHA2-384", "hmac_sha2_384": "HMAC-SHA2-384",
	"hmac_sha512": "HMAC-SHA2-512", "hmac_sha2_512": "HMAC-SHA2-512", "non_auth": "",
}

// racoonDefaultLifetime is racoon's Phase 1 and Phase 2 lifetime when none is written:
// OAKLEY_ATTR_SA_LD_SEC_DEFAULT and IPSECDOI_ATTR_SA_LD_SEC_DEFAULT, 28800 s.
const racoonDefaultLifetime = 8 * time.Hour

// racoonPoolSize is mode_cfg's pool_size when none is written (racoon.conf(5)).
const racoonPoolSize = 255

// vendorDuration reads "N unit" (sec, secs, second, seconds, min, mins, minute, minutes,
// hour, hours; a bare N is seconds).
func vendorDuration(n int, unit string) (time.Duration, bool) {
	switch strings.ToLower(unit) {
	case "", "s", "sec", "secs", "second", "seconds":
		return time.Duration(n) * time.Second, true
	case "m", "min", "mins", "minute", "minutes":
		return time.Duration(n) * time.Minute, true
	case "h", "hour", "hours":
		return time.Duration(n) * time.Hour, true
	}
	return 0, false
}

// ---------------------------------------------------------------------------
// Cisco IOS and ASA

// ciscoV1Enc: IKEv1 policy "encryption"/"encr" values; IOS writes "aes 256", the ASA
// "aes-256". AES alone is 128 bits.
var ciscoV1Enc = map[string]vendorEnc{
	"des":     {"DES", 1, 0},
	"3des":    {"3DES", 5, 0},
	"aes":     {"AES-CBC", 7, 128},
	"aes-192": {"AES-CBC", 7, 192},
	"aes-256": {"AES-CBC", 7, 256},
}

var ciscoV1Hash = map[string]string{
	"md5": v1HashMD5, "sha": v1HashSHA1, "sha1": v1HashSHA1, "sha256": v1HashSHA256, "sha384": v1HashSHA384, "sha512": v1HashSHA512,
}

var ciscoV1Auth = map[string]vendorAuth{
	"pre-share": {"PSK", "psk", "psk"},
	"rsa-sig":   {"RSA", "pubkey", "pubkey"},
	"rsa-encr":  {"RSA-enc", "pubkey", "pubkey"},
	"ecdsa-sig": {"ECDSA", "pubkey", "pubkey"},
	"crack":     {"CRACK", "pubkey", "crack"},
}

// ciscoV1Defaults are an IKEv1 policy's values for lines not written: Cisco IOS Security
// Configuration Guide, "Configuring Internet Key Exchange for IPsec VPNs" (DES, SHA-1,
// RSA signatures, group 1, 86400 s); Cisco ASA VPN CLI Configuration Guide, "IKE"
// (3DES, SHA-1, RSA signatures, group 2, 86400 s).
type ciscoV1Defaults struct {
	enc   string
	hash  string
	auth  string
	group int
}

var (
	ciscoIOSV1Defaults = ciscoV1Defaults{"des", "sha", "rsa-sig", 1}
	ciscoASAV1Defaults = ciscoV1Defaults{"3des", "sha", "rsa-sig", 2}
)

// ciscoV1Lifetime is the IKEv1 SA lifetime when none is written, IOS and ASA alike.
const ciscoV1Lifetime = 86400 * time.Second

// ciscoV2Enc: IKEv2 proposal (IOS) and policy (ASA) encryption, as IKEv2 names them.
var ciscoV2Enc = map[string]vendorEnc{
	"des": {"DES", 0, 0}, "3des": {"3DES", 0, 0},
	"aes-cbc-128": {"AES-CBC", 0, 128}, "aes-cbc-192": {"AES-CBC", 0, 192}, "aes-cbc-256": {"AES-CBC", 0, 256},
	"aes-gcm-128": {"AES-GCM-16", 0, 128}, "aes-gcm-256": {"AES-GCM-16", 0, 256},
	"aes": {"AES-CBC", 0, 128}, "aes-192": {"AES-CBC", 0, 192}, "aes-256": {"AES-CBC", 0, 256},
	"aes-gcm": {"AES-GCM-16", 0, 128}, "aes-gcm-192": {"AES-GCM-16", 0, 192},
	"null": {"NULL", 0, 0},
}

// ciscoV2Integ and ciscoV2PRF: IKEv2 integrity and PRF keywords (IOS "sha1", ASA "sha").
var ciscoV2Integ = map[string]string{
	"md5": "HMAC-MD5-96", "sha": "HMAC-SHA1-96", "sha1": "HMAC-SHA1-96", "sha256": "HMAC-SHA2-256-128",
	"sha384": "HMAC-SHA2-384-192", "sha512": "HMAC-SHA2-512-256", "null": "",
}

var ciscoV2PRF = map[string]string{
	"md5": "HMAC-MD5", "sha": "HMAC-SHA1", "sha1": "HMAC-SHA1", "sha256": "HMAC-SHA2-256",
	"sha384": "HMAC-SHA2-384", "sha512": "HMAC-SHA2-512",
}

// ciscoIOSV2Default is IOS's default IKEv2 proposal, used when no IKEv2 policy is
// configured (FlexVPN and IKEv2 Configuration Guide, "IKEv2 Smart Defaults").
var ciscoIOSV2Default = struct {
	enc, integ, prf []string
	groups          []int
}{
	enc:    []string{"aes-cbc-256", "aes-cbc-192", "aes-cbc-128"},
	integ:  []string{"sha512", "sha384", "sha256", "sha1", "md5"},
	prf:    []string{"sha512", "sha384", "sha256", "sha1", "md5"},
	groups: []int{5, 2},
}

// ciscoASAV2Defaults: ASA IKEv2 policy values for lines not written (ASA VPN CLI
// Configuration Guide, "IKE": 3DES, SHA-1 integrity and PRF, group 5).
var ciscoASAV2Defaults = struct {
	enc, integ, prf string
	group           int
}{"3des", "sha", "sha", 5}

// ciscoESPEnc: transform-set ciphers. IOS writes "esp-aes 256", the ASA "esp-aes-256";
// esp-aes and esp-gcm alone are 128 bits.
var ciscoESPEnc = map[string]vendorEnc{
	"esp-des": {"DES", 0, 0}, "esp-3des": {"3DES", 0, 0}, "esp-null": {"NULL", 0, 0},
	"esp-aes": {"AES-CBC", 0, 128}, "esp-aes-192": {"AES-CBC", 0, 192}, "esp-aes-256": {"AES-CBC", 0, 256},
	"esp-gcm": {"AES-GCM-16", 0, 128}, "esp-gmac": {"NULL_AUTH_AES_GMAC", 0, 128},
	"esp-seal": {"SEAL", 0, 0},
}

// ciscoESPAuth: transform-set authentication, by IKE version (IKEv1 names the
// authentication algorithm attribute, IKEv2 the integrity transform).
var ciscoESPAuth = map[string][2]string{
	"esp-md5-hmac":    {"HMAC-MD5", "HMAC-MD5-96"},
	"esp-sha-hmac":    {"HMAC-SHA1", "HMAC-SHA1-96"},
	"esp-sha256-hmac": {"HMAC-SHA2-256", "HMAC-SHA2-256-128"},
	"esp-sha384-hmac": {"HMAC-SHA2-384", "HMAC-SHA2-384-192"},
	"esp-sha512-hmac": {"HMAC-SHA2-512", "HMAC-SHA2-512-256"},
	"esp-none":        {"", ""},
}

// ciscoAHAuth: AH transforms (IKEv1 transform ID names, IKEv2 integrity names).
var ciscoAHAuth = map[string][2]string{
	"ah-md5-hmac":    {"AH_MD5", "HMAC-MD5-96"},
	"ah-sha-hmac":    {"AH_SHA", "HMAC-SHA1-96"},
	"ah-sha256-hmac": {"AH_SHA2-256", "HMAC-SHA2-256-128"},
	"ah-sha384-hmac": {"AH_SHA2-384", "HMAC-SHA2-384-192"},
	"ah-sha512-hmac": {"AH_SHA2-512", "HMAC-SHA2-512-256"},
}

// ciscoASAESPInteg: "protocol esp integrity" in an ASA IKEv2 IPsec proposal.
var ciscoASAESPInteg = map[string]string{
	"md5": "HMAC-MD5-96", "sha-1": "HMAC-SHA1-96", "sha-256": "HMAC-SHA2-256-128",
	"sha-384": "HMAC-SHA2-384-192", "sha-512": "HMAC-SHA2-512-256", "null": "",
}

// ciscoP2Lifetime is the IPsec SA lifetime when none is written (IOS and ASA: 3600 s,
// 4608000 KB).
const (
	ciscoP2Lifetime = time.Hour
	ciscoP2LifeKB   = 4608000
)

// ciscoPFSDefault is the group of "set pfs" without one: group 1 on IOS, 2 on the ASA.
func ciscoPFSDefault(asa bool) int {
	if asa {
		return 2
	}
	return 1
}

// vendorPrefix turns an address and a netmask (ASA) or wildcard mask (IOS) into a prefix,
// the host bits cleared; ok is false for a mask that is not contiguous.
func vendorPrefix(addr, mask string, wildcard bool) (string, bool) {
	a, err := netip.ParseAddr(addr)
	if err != nil || !a.Is4() {
		return "", false
	}
	m, err := netip.ParseAddr(mask)
	if err != nil || !m.Is4() {
		return "", false
	}
	mb := m.As4()
	v := uint32(mb[0])<<24 | uint32(mb[1])<<16 | uint32(mb[2])<<8 | uint32(mb[3])
	if wildcard {
		v = ^v
	}
	bits := 0
	for bits < 32 && v&(1<<(31-bits)) != 0 {
		bits++
	}
	if bits < 32 && v<<bits != 0 {
		return "", false
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return "", false
	}
	return p.String(), true
}

// vendorHostPrefix is an address as a one-address prefix.
func vendorHostPrefix(addr string) (string, bool) {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return "", false
	}
	return netip.PrefixFrom(a, a.BitLen()).String(), true
}

// vendorCleanPrefix reads "10.1.0.0/16" or "2001:db8::/32" (host bits cleared) or an
// address (a one-address prefix).
func vendorCleanPrefix(s string) (string, bool) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return "", false
		}
		return p.Masked().String(), true
	}
	return vendorHostPrefix(s)
}

// vendorFileExists reports whether path is a file that can be read.
func vendorFileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}

// vendorAddSetting appends a setting unless one with the same value is there already.
func vendorAddSetting(list []Setting, s Setting) []Setting {
	for _, x := range list {
		if x.Value == s.Value {
			return list
		}
	}
	return append(list, s)
}

// vendorIPv4 reads a dotted IPv4 address as a number.
func vendorIPv4(s string) (uint32, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return 0, false
	}
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]), true
}

func vendorIPv4String(v uint32) string {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).String()
}

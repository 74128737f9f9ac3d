package ikecrypt

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// SAKeys are the keys of one IKE SA as one key source gives them.
//
// IKEv2 keys are bound to an SA by both SPIs. Keys whose InitiatorSPI is zero are not
// bound (a source that does not say which SA they belong to): the Decrypter tries them on
// IKEv2 SAs it has no keys for and keeps them where the integrity check passes.
//
// IKEv1 keys are bound by the initiator cookie, and by the responder cookie too when the
// source gives it (Wireshark's ikev1_decryption_table does not).
type SAKeys struct {
	Version      int // 1 or 2
	InitiatorSPI [8]byte
	ResponderSPI [8]byte

	// IKEv2: the SK_e and SK_a keys of both directions (SK_e includes the salt or nonce
	// of AES-CTR/GCM/CCM and ChaCha20-Poly1305) and their algorithms. A nil key is
	// unknown (a tcpdump "I" line gives only the initiator's). An Encr with ID 0 is
	// unknown and taken from the IKE_SA_INIT response in the capture; so is Integ when
	// HasInteg is false.
	Encr     Encr
	Integ    Integ
	HasInteg bool
	SKei     []byte
	SKer     []byte
	SKai     []byte
	SKar     []byte

	// IKEv1: the Phase 1 encryption key (Wireshark's "Encryption Key", strongSwan's
	// "encryption key Ka"), and the Phase 1 IV hash(g^xi | g^xr) where the source logs it.
	EncKey []byte
	IV     []byte

	// Source says where the keys come from: "keys.txt:3", "charon.log:205".
	Source string
}

// Keys is every SA key set from one or more key sources.
type Keys struct {
	SAs []*SAKeys
	// ESP holds the keys of ESP SAs, one entry per SA (direction).
	ESP []*ESPKeys
	// Skipped counts lines that hold keys ikescope does not use.
	Skipped int
}

// LineError is a key file line that could not be read.
type LineError struct {
	File string
	Line int
	Msg  string
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// ErrNoKeys is returned for a key source in which no keys were found.
var ErrNoKeys = errors.New("no keys found")

// LoadKeys reads a key file; see ParseKeys.
// Keys name their source by the file's base name ("charon.log:195"); errors name the
// file as it was given, so that it can be found.
func LoadKeys(path string) (*Keys, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	defer f.Close()
	base := filepath.Base(path)
	keys, err := ParseKeys(base, f)
	var le *LineError
	switch {
	case errors.As(err, &le):
		le.File = path
	case err != nil && strings.HasPrefix(err.Error(), base+":"):
		err = &namedError{name: path, prefix: base, err: err}
	}
	return keys, err
}

// namedError puts the path a file was given by in place of its base name.
type namedError struct {
	name, prefix string
	err          error
}

func (e *namedError) Error() string { return e.name + strings.TrimPrefix(e.err.Error(), e.prefix) }
func (e *namedError) Unwrap() error { return e.err }

// maxKeyFile bounds what is read from one key source (logs can be large; 64 MiB is far
// more than any charon log of one capture).
const maxKeyFile = 64 << 20

// ParseKeys reads keys from r; name is used in errors. The format is detected from the
// content:
//   - Wireshark's ikev1_decryption_table ("icookie,key" rows) and ikev2_decryption_table
//     ("SPIi,SPIr,SK_ei,SK_er,"encr",SK_ai,SK_ar,"integ"" rows), as Wireshark and
//     strongSwan's save-keys plugin write them; both may be in one file;
//   - "ikev2 I|R 0xSPIi 0xSPIr integ:0xkey encr:0xkey" lines (tcpdump -E secrets files;
//     libreswan logs them with plutodebug=private, with any prefix before "ikev2");
//   - a strongSwan charon log with "ike" at level 4 (derived keys as hex dumps), and
//     with "chd" at level 4 the CHILD_SA (ESP) keys;
//   - ESP keys: `ip xfrm state` output (Linux), `setkey -D` output (BSD, racoon),
//     Wireshark's esp_sa table and tcpdump's -E secrets ("0xSPI@addr alg:0xkey").
//
// In a key table every line must be a key line: the first one that is not gives an error
// with the line number and what was expected. In a log, other lines are ignored.
func ParseKeys(name string, r io.Reader) (*Keys, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxKeyFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > maxKeyFile {
		return nil, fmt.Errorf("%s: larger than %d MiB", name, maxKeyFile>>20)
	}
	var k *Keys
	switch detect(data) {
	case kindCharon:
		k = parseCharon(name, data)
	case kindLog:
		k = parseLog(name, data)
	case kindXfrm:
		if k, err = parseXfrm(name, data); err != nil {
			return nil, err
		}
	case kindSetkey:
		if k, err = parseSetkey(name, data); err != nil {
			return nil, err
		}
	default:
		k, err = parseTable(name, data)
		if err != nil {
			return nil, err
		}
	}
	if len(k.SAs) == 0 && len(k.ESP) == 0 {
		return nil, fmt.Errorf("%s: %w (strongSwan logs keys with \"ike\" and \"chd\" at level 4, libreswan with plutodebug=private; Wireshark's tables, tcpdump's -E files, `ip xfrm state` and `setkey -D` output are read as they are)", name, ErrNoKeys)
	}
	return k, nil
}

type sourceKind uint8

const (
	kindTable sourceKind = iota
	kindCharon
	kindLog
	kindXfrm   // `ip xfrm state`
	kindSetkey // `setkey -D`
)

var (
	charonLine = regexp.MustCompile(`(^|\s)\d{2}\[[A-Z]{3}\] `)
	logStamp   = regexp.MustCompile(`^(\d{4}-\d\d-\d\d[ T]\d\d:\d\d|[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\| )`)
)

func detect(data []byte) sourceKind {
	lines := 0
	for line := range bytes.Lines(data) {
		if charonLine.Match(line) {
			return kindCharon
		}
		if logStamp.Match(line) {
			return kindLog
		}
		if xfrmHead.Match(bytes.TrimRight(line, "\r\n")) {
			return kindXfrm
		}
		if setkeySA.Match(line) {
			return kindSetkey
		}
		if lines++; lines > 200 {
			break
		}
	}
	return kindTable
}

// ikeLine matches a tcpdump / libreswan IKE secrets line anywhere in a line.
var ikeLine = regexp.MustCompile(`(?:^|[\s|:])(ikev[12] [IR] .*)$`)

// parseLog reads "ikev2 I|R" lines from a libreswan (pluto) log and ignores the rest.
func parseLog(name string, data []byte) *Keys {
	k := &Keys{}
	n := 0
	for line := range bytes.Lines(data) {
		n++
		m := ikeLine.FindSubmatch(bytes.TrimRight(line, "\r\n"))
		if m == nil {
			continue
		}
		if sa, err := parseIKELine(string(m[1])); err == nil {
			sa.Source = fmt.Sprintf("%s:%d", name, n)
			k.add(sa)
		}
	}
	return k
}

// parseTable reads a key table: Wireshark UAT rows and "ikev2 I|R" lines.
func parseTable(name string, data []byte) (*Keys, error) {
	k := &Keys{}
	n := 0
	sawV1, sawV2 := false, false
	for raw := range bytes.Lines(data) {
		n++
		line := strings.TrimSpace(string(raw))
		if line == "" || line[0] == '#' {
			continue
		}
		fail := func(format string, a ...any) error {
			return &LineError{File: name, Line: n, Msg: fmt.Sprintf(format, a...)}
		}
		var sa *SAKeys
		var err error
		switch {
		case strings.HasPrefix(line, "ikev2 ") || strings.HasPrefix(line, "ikev1 "):
			sa, err = parseIKELine(line)
		case isESPSecretLine(line):
			for _, s := range strings.Split(line, ",") {
				e, err := parseESPSecret(strings.TrimSpace(s))
				if err != nil {
					return nil, fail("%v", err)
				}
				e.Source = fmt.Sprintf("%s:%d", name, n)
				k.addESP(e)
			}
			continue
		case strings.Contains(line, ","):
			fields, ferr := splitUAT(line)
			if ferr != nil {
				return nil, fail("%v", ferr)
			}
			switch {
			case len(fields) >= 8 && (strings.HasPrefix(fields[0], "IPv") || strings.HasPrefix(fields[0], "Any")):
				e, err := parseESPSARow(fields)
				if err != nil {
					return nil, fail("%v", err)
				}
				e.Source = fmt.Sprintf("%s:%d", name, n)
				k.addESP(e)
				continue
			case len(fields) == 2:
				sa, err = parseV1Row(fields)
				sawV1 = true
			case len(fields) == 8:
				sa, err = parseV2Row(fields)
				sawV2 = true
			case sawV1 && !sawV2 || len(fields) < 2:
				err = fmt.Errorf("expected %s (2 fields, Wireshark's ikev1_decryption_table), got %d", v1RowForm, len(fields))
			default:
				err = fmt.Errorf("expected %s (8 fields, Wireshark's ikev2_decryption_table), got %d", v2RowForm, len(fields))
			}
		default:
			err = fmt.Errorf("expected a key line: %s (ikev2_decryption_table), %s (ikev1_decryption_table), %s, or tcpdump's \"[0xSPI@address ]algorithm:0xkey\" (ip xfrm state and setkey -D output, esp_sa tables and charon logs are recognised whole), got %q",
				v2RowForm, v1RowForm, ikeLineForm, shorten(line))
		}
		if err != nil {
			return nil, fail("%v", err)
		}
		sa.Source = fmt.Sprintf("%s:%d", name, n)
		k.add(sa)
	}
	return k, nil
}

const (
	v1RowForm   = `"<initiator cookie>,<encryption key>"`
	v2RowForm   = `"<SPIi>,<SPIr>,<SK_ei>,<SK_er>,\"<encryption>\",<SK_ai>,<SK_ar>,\"<integrity>\""`
	ikeLineForm = `"ikev2 I|R 0x<SPIi> 0x<SPIr> <integrity>:0x<SK_a> <encryption>:0x<SK_e>"`
)

// espSecret is one tcpdump -E ESP secret: "0xSPI@addr alg:key" (with or without the
// SPI and address).
var espSecret = regexp.MustCompile(`^(0x[0-9a-fA-F]+|\d+)?@\S+\s+\S+:\S+$|^([a-zA-Z0-9]+-[\w.-]+|none):\S+$`)

func shorten(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

// splitUAT splits a Wireshark UAT line: comma-separated fields, strings in double quotes
// with \" and \xNN escapes, byte fields as bare hex.
func splitUAT(line string) ([]string, error) {
	var fields []string
	var cur strings.Builder
	inQuote := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case inQuote && c == '\\' && i+1 < len(line):
			i++
			if line[i] == 'x' && i+2 < len(line) {
				b, err := hex.DecodeString(line[i+1 : i+3])
				if err == nil {
					cur.Write(b)
					i += 2
					continue
				}
			}
			cur.WriteByte(line[i])
		case c == '"':
			inQuote = !inQuote
		case c == ',' && !inQuote:
			fields = append(fields, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	if inQuote {
		return nil, errors.New("unterminated quoted field")
	}
	return append(fields, strings.TrimSpace(cur.String())), nil
}

// parseHex reads hex with an optional 0x prefix and optional ':' or ' ' separators.
func parseHex(s string) ([]byte, error) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	s = strings.NewReplacer(":", "", " ", "").Replace(s)
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not hex", shorten(s))
	}
	return b, nil
}

func parseSPI(s, what string) ([8]byte, error) {
	var spi [8]byte
	b, err := parseHex(s)
	if err != nil {
		return spi, fmt.Errorf("%s: %w", what, err)
	}
	if len(b) != 8 {
		return spi, fmt.Errorf("%s: want 8 bytes (16 hex digits), got %d", what, len(b))
	}
	copy(spi[:], b)
	return spi, nil
}

func parseV1Row(f []string) (*SAKeys, error) {
	sa := &SAKeys{Version: 1}
	var err error
	if sa.InitiatorSPI, err = parseSPI(f[0], "field 1 (initiator cookie)"); err != nil {
		return nil, err
	}
	if sa.EncKey, err = parseHex(f[1]); err != nil {
		return nil, fmt.Errorf("field 2 (encryption key): %w", err)
	}
	if len(sa.EncKey) == 0 {
		return nil, errors.New("field 2 (encryption key) is empty")
	}
	return sa, nil
}

func parseV2Row(f []string) (*SAKeys, error) {
	sa := &SAKeys{Version: 2, HasInteg: true}
	var err error
	if sa.InitiatorSPI, err = parseSPI(f[0], "field 1 (SPIi)"); err != nil {
		return nil, err
	}
	if sa.ResponderSPI, err = parseSPI(f[1], "field 2 (SPIr)"); err != nil {
		return nil, err
	}
	var ok bool
	if sa.Encr, ok = wiresharkEncr(f[4]); !ok {
		return nil, fmt.Errorf("field 5: unknown encryption algorithm %q (Wireshark's names, such as \"AES-CBC-256 [RFC3602]\")", f[4])
	}
	if sa.Integ, ok = wiresharkInteg(f[7]); !ok {
		return nil, fmt.Errorf("field 8: unknown integrity algorithm %q (Wireshark's names, such as \"HMAC_SHA2_256_128 [RFC4868]\")", f[7])
	}
	for _, k := range []struct {
		field int
		name  string
		dst   *[]byte
	}{{2, "SK_ei", &sa.SKei}, {3, "SK_er", &sa.SKer}, {5, "SK_ai", &sa.SKai}, {6, "SK_ar", &sa.SKar}} {
		b, err := parseHex(f[k.field])
		if err != nil {
			return nil, fmt.Errorf("field %d (%s): %w", k.field+1, k.name, err)
		}
		if len(b) > 0 {
			*k.dst = b
		}
	}
	if err := sa.checkV2Lengths(); err != nil {
		return nil, err
	}
	return sa, nil
}

// checkV2Lengths compares the key lengths with the algorithms.
func (sa *SAKeys) checkV2Lengths() error {
	if sa.Encr.ID != 0 {
		if _, err := sa.Encr.spec(); err != nil {
			return err
		}
		want := sa.Encr.keyMaterial()
		for _, k := range []struct {
			name string
			b    []byte
		}{{"SK_ei", sa.SKei}, {"SK_er", sa.SKer}} {
			if k.b != nil && len(k.b) != want {
				return fmt.Errorf("%s is %d bytes, but %s needs %d", k.name, len(k.b), sa.Encr, want)
			}
		}
	}
	if sa.HasInteg {
		s, err := sa.Integ.spec()
		if err != nil {
			return err
		}
		for _, k := range []struct {
			name string
			b    []byte
		}{{"SK_ai", sa.SKai}, {"SK_ar", sa.SKar}} {
			if k.b != nil && s.keyLen > 0 && len(k.b) != s.keyLen {
				return fmt.Errorf("%s is %d bytes, but %s needs %d", k.name, len(k.b), sa.Integ, s.keyLen)
			}
		}
	}
	return nil
}

// parseIKELine reads "ikev2 I|R 0xSPIi 0xSPIr integ:0xkey encr:0xkey" (tcpdump's -E
// format, which libreswan logs). The I line gives the initiator's keys, the R line the
// responder's. For IKEv1 ("ikev1 ...") the encryption key is the Phase 1 key.
func parseIKELine(line string) (*SAKeys, error) {
	f := strings.Fields(line)
	if len(f) != 6 {
		return nil, fmt.Errorf("expected %s, got %d fields", ikeLineForm, len(f))
	}
	if f[1] != "I" && f[1] != "R" {
		return nil, fmt.Errorf("field 2: want I or R, got %q", f[1])
	}
	sa := &SAKeys{Version: 2}
	if f[0] == "ikev1" {
		sa.Version = 1
	}
	var err error
	if sa.InitiatorSPI, err = parseSPI(f[2], "field 3 (SPIi)"); err != nil {
		return nil, err
	}
	if sa.ResponderSPI, err = parseSPI(f[3], "field 4 (SPIr)"); err != nil {
		return nil, err
	}
	iname, ikey, ok := strings.Cut(f[4], ":")
	if !ok {
		return nil, fmt.Errorf("field 5: want <integrity>:0x<key>, got %q", shorten(f[4]))
	}
	ename, ekey, ok := strings.Cut(f[5], ":")
	if !ok {
		return nil, fmt.Errorf("field 6: want <encryption>:0x<key>, got %q", shorten(f[5]))
	}
	ia, err := parseHex(ikey)
	if err != nil {
		return nil, fmt.Errorf("field 5 (integrity key): %w", err)
	}
	ea, err := parseHex(ekey)
	if err != nil {
		return nil, fmt.Errorf("field 6 (encryption key): %w", err)
	}
	if sa.Version == 1 {
		sa.EncKey = ea
		return sa, nil
	}
	if sa.Integ, ok = tcpdumpInteg(iname); !ok {
		return nil, fmt.Errorf("field 5: unknown integrity algorithm %q (sha1, md5, sha256, sha384, sha512, aes_xcbc, none)", iname)
	}
	sa.HasInteg = true
	if sa.Encr, ok = tcpdumpEncr(ename, len(ea)); !ok {
		return nil, fmt.Errorf("field 6: unknown encryption algorithm %q (aes128, aes256, 3des, aes_ctr128, aes_gcm_16256, ...)", ename)
	}
	if len(ia) == 0 {
		ia = nil
	}
	if f[1] == "I" {
		sa.SKei, sa.SKai = ea, ia
	} else {
		sa.SKer, sa.SKar = ea, ia
	}
	if err := sa.checkV2Lengths(); err != nil {
		return nil, err
	}
	return sa, nil
}

// add merges sa into k: the two halves of a tcpdump I/R pair become one entry, a key set
// seen twice (both peers' logs) is kept once, and different keys for the same SA are kept
// side by side.
func (k *Keys) add(sa *SAKeys) {
	for _, o := range k.SAs {
		if o.mergeable(sa) {
			o.merge(sa)
			return
		}
	}
	k.SAs = append(k.SAs, sa)
}

// Merge adds the keys of o to k.
func (k *Keys) Merge(o *Keys) {
	if o == nil {
		return
	}
	for _, sa := range o.SAs {
		c := *sa
		k.add(&c)
	}
	for _, e := range o.ESP {
		c := *e
		k.addESP(&c)
	}
	k.Skipped += o.Skipped
}

func (sa *SAKeys) bound() bool { return sa.InitiatorSPI != [8]byte{} }

// mergeable reports whether o describes the same SA without contradicting sa.
func (sa *SAKeys) mergeable(o *SAKeys) bool {
	if sa.Version != o.Version || sa.InitiatorSPI != o.InitiatorSPI || !sa.bound() {
		return false
	}
	if sa.ResponderSPI != o.ResponderSPI && sa.ResponderSPI != [8]byte{} && o.ResponderSPI != [8]byte{} {
		return false
	}
	same := func(a, b []byte) bool { return a == nil || b == nil || bytes.Equal(a, b) }
	if sa.Version == 1 {
		return same(sa.EncKey, o.EncKey) && same(sa.IV, o.IV)
	}
	if sa.Encr.ID != 0 && o.Encr.ID != 0 && sa.Encr != o.Encr {
		return false
	}
	if sa.HasInteg && o.HasInteg && sa.Integ != o.Integ {
		return false
	}
	return same(sa.SKei, o.SKei) && same(sa.SKer, o.SKer) && same(sa.SKai, o.SKai) && same(sa.SKar, o.SKar)
}

func (sa *SAKeys) merge(o *SAKeys) {
	fill := func(dst *[]byte, src []byte) {
		if *dst == nil {
			*dst = src
		}
	}
	if sa.ResponderSPI == [8]byte{} {
		sa.ResponderSPI = o.ResponderSPI
	}
	if sa.Encr.ID == 0 {
		sa.Encr = o.Encr
	}
	if !sa.HasInteg {
		sa.Integ, sa.HasInteg = o.Integ, o.HasInteg
	}
	fill(&sa.SKei, o.SKei)
	fill(&sa.SKer, o.SKer)
	fill(&sa.SKai, o.SKai)
	fill(&sa.SKar, o.SKar)
	fill(&sa.EncKey, o.EncKey)
	fill(&sa.IV, o.IV)
	if o.Source != "" && !slices.Contains(strings.Split(sa.Source, ", "), o.Source) {
		if sa.Source == "" {
			sa.Source = o.Source
		} else {
			sa.Source += ", " + o.Source
		}
	}
}

// Bind puts, in the place of each key set without SPIs that bindings binds (see
// Decrypter.Bindings), its bound copies.
func (k *Keys) Bind(bindings map[*SAKeys][]*SAKeys) {
	var sas []*SAKeys
	for _, sa := range k.SAs {
		if b := bindings[sa]; len(b) > 0 && !sa.bound() {
			sas = append(sas, b...)
			continue
		}
		sas = append(sas, sa)
	}
	k.SAs = sas
}

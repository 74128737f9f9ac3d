package config

import (
	"fmt"
	"regexp"
	"strings"
)

// ipsec.secrets of strongSwan and libreswan: entries "[ID ...] : TYPE value", an entry
// continued on lines that begin with whitespace, "#" comments, "include PATTERN"
// (relative to the including file, globs). TYPE is PSK, EAP, XAUTH, NTLM, PPK (their
// value is the secret: "quoted", 0x hex, 0s base64 or a bare word) or RSA, ECDSA, P12,
// PKCS8, PIN, BLISS (a key file and an optional passphrase, which is the secret; or
// libreswan's "{ ... }" key block, all masked).

var reSecretType = regexp.MustCompile(`^\s*(PSK|EAP|XAUTH|NTLM|PPK|RSA|ECDSA|P12|PKCS8|PKCS12|PIN|BLISS|PKCS11)(\s|$)`)

// valueKinds hold the secret itself; the others name a key file (and a passphrase).
var valueKinds = map[string]bool{"psk": true, "eap": true, "xauth": true, "ntlm": true, "ppk": true}

type secLine struct {
	n    int
	text string
}

// parseSecrets reads an ipsec.secrets (and its includes) into g.Secrets.
func parseSecrets(g *Gateway, file string, data []byte) error {
	return parseSecretsFile(g, file, data, map[string]bool{}, 0)
}

func parseSecretsFile(g *Gateway, file string, data []byte, seen map[string]bool, depth int) error {
	if depth > 10 {
		return fmt.Errorf("%s: includes nested more than 10 deep; check for an include loop", file)
	}
	seen[file] = true
	defer delete(seen, file)
	var entry []secLine
	flush := func() error {
		if len(entry) == 0 {
			return nil
		}
		sec, err := secretEntry(file, entry)
		entry = nil
		if err != nil {
			return err
		}
		g.Secrets = append(g.Secrets, sec)
		return nil
	}
	inBlock := false // libreswan "{ ... }" key block
	for i, line := range strings.Split(string(data), "\n") {
		n := i + 1
		text := strings.TrimRight(line, " \t\r")
		if strings.TrimSpace(stripComment(text)) == "" && !inBlock {
			continue
		}
		if inBlock || len(entry) > 0 && (text[0] == ' ' || text[0] == '\t') {
			entry = append(entry, secLine{n, text})
			if strings.Contains(text, "{") {
				inBlock = true
			}
			if strings.Contains(text, "}") {
				inBlock = false
			}
			continue
		}
		if err := flush(); err != nil {
			return err
		}
		if f := strings.Fields(stripComment(text)); f[0] == "include" && !strings.Contains(text, " : ") {
			if len(f) < 2 {
				return errAt(file, n, "include without a file; write include PATH")
			}
			files, err := includeFiles(file, strings.TrimSpace(stripComment(text)[len("include"):]))
			if err != nil {
				return errAt(file, n, "%v", err)
			}
			for _, inc := range files {
				if seen[inc] {
					return errAt(file, n, "%s includes itself; remove the include", inc)
				}
				d, err := readConfigFile(inc)
				if err != nil {
					return errAt(file, n, "cannot read included file %s: %v", inc, errText(err))
				}
				g.Files = append(g.Files, inc)
				if err := parseSecretsFile(g, inc, d, seen, depth+1); err != nil {
					return err
				}
			}
			continue
		}
		entry = append(entry, secLine{n, text})
		if strings.Contains(stripComment(text), "{") && !strings.Contains(text, "}") {
			inBlock = true
		}
	}
	if inBlock {
		return errAt(file, entry[0].n, "the key block is not closed; add a }")
	}
	return flush()
}

// secretEntry reads one entry (its lines) into a Secret.
func secretEntry(file string, lines []secLine) (*Secret, error) {
	first := lines[0]
	// the ":" before the type, outside quotes (identities may hold ":", as IPv6 does)
	var joined strings.Builder
	for i, l := range lines {
		if i > 0 {
			joined.WriteByte(' ')
		}
		joined.WriteString(stripComment(l.text))
	}
	all := joined.String()
	colon, typ := -1, ""
	var q byte
	for i := 0; i < len(all); i++ {
		c := all[i]
		if q != 0 {
			if c == q {
				q = 0
			}
			continue
		}
		if c == '"' || c == '\'' {
			q = c
			continue
		}
		if c == ':' {
			if m := reSecretType.FindStringSubmatch(all[i+1:]); m != nil {
				colon, typ = i, m[1]
				break
			}
		}
	}
	if colon < 0 {
		return nil, errAt(file, first.n, "expected [IDs] : TYPE secret (TYPE PSK, EAP, XAUTH, RSA, ...); fix this entry")
	}
	kind := strings.ToLower(typ)
	if kind == "pkcs12" {
		kind = "p12"
	}
	sec := &Secret{Kind: kind}
	ids, err := fieldsQuoted(all[:colon])
	if err != nil {
		return nil, errAt(file, first.n, "an identity has no closing quote; add it")
	}
	for _, id := range ids {
		if v := normID(id); v != "" && v != "%any" && v != "%any6" {
			sec.IDs = append(sec.IDs, v)
		}
	}
	after := all[colon+1:]
	after = after[strings.Index(after, typ)+len(typ):]
	vals, err := fieldsQuoted(after)
	if err != nil {
		return nil, errAt(file, first.n, "the %s secret has no closing quote; add it", typ)
	}
	// which of the values are secret
	var secret string
	var hide []string
	switch {
	case strings.HasPrefix(strings.TrimSpace(after), "{"):
		hide = vals // a key block
	case valueKinds[kind]:
		if len(vals) == 0 {
			return nil, errAt(file, first.n, "%s without a secret; write %s \"secret\"", typ, typ)
		}
		secret = vals[len(vals)-1] // PPK: "id" "secret"
		hide = vals[len(vals)-1:]
	case len(vals) > 1:
		secret = vals[1] // key file and passphrase
		if !strings.HasPrefix(secret, "%prompt") {
			hide = vals[1:2]
		} else {
			secret = ""
		}
	}
	if secret != "" {
		b, ok := secretBytes(secret)
		if !ok {
			return nil, errAt(file, first.n, "the %s secret is not valid: a quoted string, 0x hex or 0s base64; correct it", typ)
		}
		sec.Digest = digest(b)
	}
	// the first line, secrets masked after the type keyword
	text := first.text
	from := len(text) // the type, and so the secret, is on a later line
	if c := len(stripComment(text)); colon < c {
		from = colon + 1 + strings.Index(text[colon+1:], typ) + len(typ)
	}
	if strings.HasPrefix(strings.TrimSpace(after), "{") {
		if b := strings.Index(text, "{"); b >= 0 {
			text = text[:b+1] + " " + masked
		}
	} else {
		for _, h := range hide {
			text, from = maskAfter(text, from, h)
		}
	}
	sec.At = src(file, first.n, text)
	return sec, nil
}

// fieldsQuoted splits s at whitespace, keeping "quoted strings" (with their quotes) as
// one field.
func fieldsQuoted(s string) ([]string, error) {
	var out []string
	for i := 0; i < len(s); {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i == len(s) {
			break
		}
		start := i
		if s[i] == '"' || s[i] == '\'' {
			end := strings.IndexByte(s[i+1:], s[i])
			if end < 0 {
				return nil, fmt.Errorf("unterminated quote")
			}
			i += end + 2
		} else {
			for i < len(s) && s[i] != ' ' && s[i] != '\t' {
				i++
			}
		}
		out = append(out, s[start:i])
	}
	return out, nil
}

package config

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Load reads one gateway's configuration: a file, whose format is found from its content,
// or a directory, whose usual files are read (swanctl.conf or swanctl/swanctl.conf with
// their includes, ipsec.conf, ipsec.secrets, racoon.conf or racoon/racoon.conf, psk.txt,
// and a running-config: running-config, *.cfg). Errors are one line naming the file (and
// line) and what to do.
func Load(path string) (*Gateway, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read the configuration: %v", path, errText(err))
	}
	g := &Gateway{Name: path}
	if !st.IsDir() {
		if err := loadFile(g, path); err != nil {
			return nil, err
		}
		return g, nil
	}
	var files []string
	for _, pattern := range []string{"swanctl.conf", "swanctl/swanctl.conf", "ipsec.conf", "ipsec.secrets",
		"racoon.conf", "racoon/racoon.conf", "psk.txt", "racoon/psk.txt", "running-config", "*.cfg"} {
		m, _ := filepath.Glob(filepath.Join(path, pattern))
		files = append(files, m...)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no configuration file in this directory (swanctl.conf, ipsec.conf, ipsec.secrets, racoon.conf, psk.txt or a running-config); give the file itself", path)
	}
	for _, f := range files {
		if err := loadFile(g, f); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// maxConfigFile bounds a configuration file: the largest gateway configurations are a
// few megabytes (thousands of connections); past that it is not one.
const maxConfigFile = 64 << 20

// readConfigFile reads a configuration file, or an included one: a regular file of a
// sane size, never a device or a FIFO (an include or key path that names one would
// otherwise read forever).
func readConfigFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file")
	}
	if st.Size() > maxConfigFile {
		return nil, fmt.Errorf("%d MB, larger than any configuration", st.Size()>>20)
	}
	return os.ReadFile(path)
}

func errText(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}

// loadFile reads one file into g by the format its content shows.
func loadFile(g *Gateway, path string) error {
	data, err := readConfigFile(path)
	if err != nil {
		return fmt.Errorf("%s: cannot read the configuration: %v", path, errText(err))
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return fmt.Errorf("%s: not a text file; give a gateway configuration (swanctl.conf, ipsec.conf, ipsec.secrets, racoon.conf, psk.txt or a Cisco running-config)", path)
	}
	format := Detect(path, data)
	parse := parsers[format]
	if parse == nil {
		return fmt.Errorf("%s: not a configuration ikescope reads; give swanctl.conf, ipsec.conf, ipsec.secrets, racoon.conf, psk.txt or a Cisco running-config", path)
	}
	if g.Format == "" || g.Format == FormatIPsecSecrets || g.Format == FormatPSKTxt {
		g.Format = format
	}
	g.Files = append(g.Files, path)
	return parse(g, path, data)
}

// parsers read a file of each format into a gateway, appending its connections and
// secrets.
var parsers = map[string]func(g *Gateway, file string, data []byte) error{
	FormatSwanctl:             parseSwanctl,
	FormatStrongSwanIPsecConf: parseIPsecConf,
	FormatLibreswanIPsecConf:  parseIPsecConf,
	FormatIPsecSecrets:        parseSecrets,
	FormatRacoon:              parseRacoon,
	FormatPSKTxt:              parsePSKTxt,
	FormatCiscoIOS:            parseCisco,
	FormatCiscoASA:            parseCisco,
}

var (
	reSwanctl    = regexp.MustCompile(`(?m)^\s*(connections|secrets|pools|authorities)\s*\{`)
	reConn       = regexp.MustCompile(`(?m)^conn\s+\S+`)
	reLibreswan  = regexp.MustCompile(`(?m)^\s*(ikev2|phase2alg|phase2|ike-frag|leftxauthserver|rightxauthserver|leftxauthclient|rightxauthclient|leftmodecfgserver|rightmodecfgclient|rightaddresspool|leftaddresspool|protostack|plutodebug|virtual-private|virtual_private|ikev1-policy|sha2-truncbug|narrowing|encapsulation|fragmentation|pfs|failureshunt|negotiationshunt|leftmodecfgclient|rightmodecfgserver|ikepad|nic-offload)\s*=`)
	reStrongSwan = regexp.MustCompile(`(?m)^\s*(keyexchange|leftauth|rightauth|leftauth2|rightauth2|eap_identity|aaa_identity|mobike|reauth|margintime|charondebug|leftsendcert|rightsendcert|dpdaction|closeaction)\s*=`)
	reSecrets    = regexp.MustCompile(`(?m):\s*(PSK|RSA|ECDSA|EAP|XAUTH|P12|PIN|NTLM|BLISS|PKCS8)\b`)
	reRacoon     = regexp.MustCompile(`(?m)^\s*(remote\s+\S+.*\{|sainfo\s|path\s+pre_shared_key|listen\s*\{|padding\s*\{|mode_cfg\s*\{)`)
	reCisco      = regexp.MustCompile(`(?m)^\s*crypto\s+(isakmp|ikev1|ikev2|ipsec|map|dynamic-map)\s`)
	reASA        = regexp.MustCompile(`(?m)^\s*(tunnel-group\s|crypto\s+ikev1\s|crypto\s+ipsec\s+ikev[12]\s|ASA Version|object-group\s+network)`)
)

// Detect names the format of a configuration file from its content (the name only
// breaks ties: psk.txt's lines are just two words).
func Detect(path string, data []byte) string {
	switch {
	case reSwanctl.Match(data):
		return FormatSwanctl
	case reConn.Match(data):
		if reLibreswan.Match(data) && !reStrongSwan.Match(data) {
			return FormatLibreswanIPsecConf
		}
		return FormatStrongSwanIPsecConf
	case reCisco.Match(data):
		if reASA.Match(data) {
			return FormatCiscoASA
		}
		return FormatCiscoIOS
	case reRacoon.Match(data):
		return FormatRacoon
	case reSecrets.Match(data):
		return FormatIPsecSecrets
	}
	if looksLikePSKTxt(path, data) {
		return FormatPSKTxt
	}
	return ""
}

// looksLikePSKTxt: every line a comment, blank, or an identity and a key (racoon reads the
// rest of the line as the key, blanks and all); a file not named for keys must have
// exactly two words a line.
func looksLikePSKTxt(path string, data []byte) bool {
	named := strings.Contains(strings.ToLower(filepath.Base(path)), "psk")
	n := 0
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		words := len(strings.Fields(line))
		if words < 2 || !named && words != 2 || strings.ContainsAny(line, "{};") {
			return false
		}
		n++
	}
	return n > 0
}

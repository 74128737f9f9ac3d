package config

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ikescope/ikescope/analyze"
)

// Secrets written in the racoon and Cisco test data: no parsed structure or error may
// hold one.
var vendorTestSecrets = []string{
	"seed-site-secret-1", "SeedSecret2", "5365656453656372657432", "ra-group-secret", "mismatch-pair-secret",
	"two words key", "indented-is-never-matched",
	"ios-key-one", "ios-key-any", "FLgBaJHXdYY_AcHZZMgQ_RhTDJXHUBAAB", "ring-key-four", "ring-key-five",
	"v2-key-bee", "v2-local-cee", "v2-remote-cee", "asa-v1-key-twenty", "asa-v2-remote-thirty",
	"asa-v2-local-thirty", "ra-group-key", "error-key-xyz", "ezvpn-group-key",
}

// vendorNoSecrets walks v and fails on any string holding a test secret.
func vendorNoSecrets(t *testing.T, v any) {
	t.Helper()
	var walk func(path string, v reflect.Value)
	walk = func(path string, v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			for _, s := range vendorTestSecrets {
				if strings.Contains(v.String(), s) {
					t.Errorf("%s holds the secret %q: %q", path, s, v.String())
				}
			}
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				walk(path, v.Elem())
			}
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				walk(path+"."+v.Type().Field(i).Name, v.Field(i))
			}
		case reflect.Slice, reflect.Array:
			for i := 0; i < v.Len(); i++ {
				walk(path+"[]", v.Index(i))
			}
		case reflect.Map:
			for _, k := range v.MapKeys() {
				walk(path+"{}", k)
				walk(path+"{}", v.MapIndex(k))
			}
		}
	}
	walk("", reflect.ValueOf(v))
}

func vendorLoad(t *testing.T, path string) *Gateway {
	t.Helper()
	g, err := Load(path)
	if err != nil {
		t.Fatalf("Load(%s): %v", path, err)
	}
	vendorNoSecrets(t, g)
	return g
}

func wantSource(t *testing.T, what string, got Source, file string, line int, text string) {
	t.Helper()
	if got.File != file || got.Line != line || got.Text != text {
		t.Errorf("%s at %s:%d %q; want %s:%d %q", what, got.File, got.Line, got.Text, file, line, text)
	}
}

func wantStrings(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("%s = %q; want %q", what, got, want)
	}
}

func settingValues(list []Setting) []string {
	var out []string
	for _, s := range list {
		out = append(out, s.Value)
	}
	return out
}

func TestRacoonSeed(t *testing.T) {
	dir := filepath.Join("testdata", "racoon", "seed")
	conf, psk := filepath.Join(dir, "racoon.conf"), filepath.Join(dir, "psk.txt")
	g := vendorLoad(t, dir)
	if g.Format != FormatRacoon {
		t.Errorf("Format %q", g.Format)
	}
	wantStrings(t, "Files", g.Files, conf, psk) // psk.txt read once though racoon.conf names it too
	if len(g.Conns) != 1 {
		t.Fatalf("%d conns; want 1", len(g.Conns))
	}
	c := g.Conns[0]
	if c.Name != "198.51.100.2" || c.Version != 1 || c.Aggressive {
		t.Errorf("conn %q version %d aggressive %v", c.Name, c.Version, c.Aggressive)
	}
	wantSource(t, "conn", c.At, conf, 22, "remote 198.51.100.2 [500] {")
	wantStrings(t, "RemoteAddrs", settingValues(c.RemoteAddrs), "198.51.100.2")
	wantStrings(t, "LocalAddrs", settingValues(c.LocalAddrs), "192.0.2.1")
	wantSource(t, "LocalAddrs", c.LocalAddrs[0].At, conf, 11, "isakmp 192.0.2.1 [500];")
	if c.LocalID.Value != "192.0.2.1" || c.RemoteID.Value != "198.51.100.2" {
		t.Errorf("IDs %q %q", c.LocalID.Value, c.RemoteID.Value)
	}
	wantSource(t, "RemoteID", c.RemoteID.At, conf, 27, `peers_identifier address "198.51.100.2";`)
	if c.LocalAuth.Value != "psk" || c.RemoteAuth.Value != "psk" {
		t.Errorf("auth %q %q", c.LocalAuth.Value, c.RemoteAuth.Value)
	}
	wantSource(t, "LocalAuth", c.LocalAuth.At, conf, 38, "authentication_method pre_shared_key;")
	if len(c.IKE) != 2 {
		t.Fatalf("%d IKE offers; want 2", len(c.IKE))
	}
	o := c.IKE[0]
	if o.Protocol != "ISAKMP" || o.Auth != "PSK" || o.Lifetime != 24*time.Hour || o.Keyword != "proposal 1" {
		t.Errorf("offer 1: %+v", o)
	}
	wantStrings(t, "offer 1 encryption", o.Encryption, "AES-CBC-256")
	wantStrings(t, "offer 1 hash", o.Integrity, "SHA2-256")
	wantStrings(t, "offer 1 groups", o.Groups, "MODP_2048")
	if !reflect.DeepEqual(o.GroupIDs, []uint16{14}) {
		t.Errorf("offer 1 group IDs %v", o.GroupIDs)
	}
	wantSource(t, "offer 1", o.At, conf, 35, "proposal {")
	o = c.IKE[1] // its own lifetime beats the remote's
	wantStrings(t, "offer 2", []string{o.String()}, "3DES SHA1 MODP_1024 PSK 8h")

	if len(c.Children) != 2 {
		t.Fatalf("%d children; want 2", len(c.Children))
	}
	ch := c.Children[0]
	wantSource(t, "child", ch.At, conf, 50, "sainfo address 10.1.0.0/16 any address 10.2.0.0/16 any {")
	wantStrings(t, "LocalTS", settingValues(ch.LocalTS), "10.1.0.0/16")
	wantStrings(t, "RemoteTS", settingValues(ch.RemoteTS), "10.2.0.0/16")
	var esp []string
	for _, o := range ch.ESP {
		if o.Protocol != "ESP" || o.Lifetime != time.Hour {
			t.Errorf("ESP offer %+v", o)
		}
		esp = append(esp, o.Keyword+": "+o.String())
		wantSource(t, "ESP offer", o.At, conf, 53, "encryption_algorithm aes 256, 3des;")
	}
	wantStrings(t, "ESP offers (each cipher with each authentication algorithm)", esp,
		"aes 256 hmac_sha256: AES-CBC-256 HMAC-SHA2-256 MODP_2048 1h", "aes 256 hmac_sha1: AES-CBC-256 HMAC-SHA1 MODP_2048 1h",
		"3des hmac_sha256: 3DES HMAC-SHA2-256 MODP_2048 1h", "3des hmac_sha1: 3DES HMAC-SHA1 MODP_2048 1h")
	ch = c.Children[1] // a host is /32, a port is dropped; no pfs_group is "no PFS"; aes alone is 128 bits
	wantStrings(t, "LocalTS", settingValues(ch.LocalTS), "10.1.5.7/32")
	wantStrings(t, "RemoteTS", settingValues(ch.RemoteTS), "10.3.0.0/24")
	if len(ch.ESP) != 1 || ch.ESP[0].String() != "AES-CBC-128 HMAC-SHA1 no PFS 30m" || ch.ESP[0].LifeKB != 100*1024 {
		t.Errorf("ESP %+v", ch.ESP)
	}

	if len(g.Secrets) != 2 {
		t.Fatalf("%d secrets; want 2", len(g.Secrets))
	}
	s := g.Secrets[0]
	if s.Kind != "psk" || !reflect.DeepEqual(s.IDs, []string{"198.51.100.2"}) || s.Digest != sha256.Sum256([]byte("seed-site-secret-1")) {
		t.Errorf("secret 1: %+v", s)
	}
	wantSource(t, "secret 1", s.At, psk, 2, "198.51.100.2\t<secret>")
	s = g.Secrets[1] // 0x: hex digits
	if s.IDs[0] != "vpn.example.org" || s.Digest != sha256.Sum256([]byte("SeedSecret2")) {
		t.Errorf("secret 2: %+v", s)
	}
	wantSource(t, "secret 2", s.At, psk, 4, "vpn.example.org <secret>")
}

func TestRacoonRemoteAccess(t *testing.T) {
	dir := filepath.Join("testdata", "racoon", "ra")
	conf := filepath.Join(dir, "racoon.conf")
	inc := filepath.Join(dir, "conf.d", "sainfo.conf")
	psk := filepath.Join(dir, "keys", "psk.txt")
	g := vendorLoad(t, conf)
	wantStrings(t, "Files", g.Files, conf, inc, psk)
	if len(g.Conns) != 3 {
		t.Fatalf("%d conns; want 3", len(g.Conns))
	}
	c := g.Conns[0]
	if c.Name != "anonymous" || !c.Aggressive {
		t.Errorf("conn %q aggressive %v", c.Name, c.Aggressive)
	}
	wantStrings(t, "RemoteAddrs", settingValues(c.RemoteAddrs), "%any")
	if c.LocalID.Value != "vpn.example.org" || c.RemoteID.Value != "roadwarrior@example.org" {
		t.Errorf("IDs %q %q", c.LocalID.Value, c.RemoteID.Value)
	}
	wantSource(t, "RemoteID (the first)", c.RemoteID.At, conf, 9, `peers_identifier user_fqdn "roadwarrior@example.org";`)
	if c.LocalAuth.Value != "psk" || c.RemoteAuth.Value != "psk+xauth" {
		t.Errorf("auth %q %q", c.LocalAuth.Value, c.RemoteAuth.Value)
	}
	wantSource(t, "RemoteAuth", c.RemoteAuth.At, conf, 20, "authentication_method xauth_psk_server;")
	var offers []string
	for _, o := range c.IKE {
		offers = append(offers, o.String())
	}
	wantStrings(t, "IKE (default lifetime 8h)", offers, "AES-CBC-128 SHA1 MODP_1024 XAUTH-PSK 8h", "AES-CBC-256 SHA1 MODP_1024 Hybrid-RSA 8h")
	if len(c.Pools) != 1 || c.Pools[0].Value != "10.99.0.1-10.99.0.10" {
		t.Fatalf("pools %+v", c.Pools)
	}
	wantSource(t, "pool", c.Pools[0].At, conf, 48, "network4 10.99.0.1;")
	if len(c.Children) != 1 {
		t.Fatalf("%d children", len(c.Children))
	}
	ch := c.Children[0]
	wantSource(t, "sainfo from the included file", ch.At, inc, 2, "sainfo anonymous {")
	if ch.Name != "anonymous" || ch.LocalTS != nil || ch.RemoteTS != nil || len(ch.ESP) != 2 {
		t.Errorf("child %+v", ch)
	}
	wantStrings(t, "ESP", []string{ch.ESP[0].String(), ch.ESP[1].String()}, "AES-CBC-128 HMAC-SHA1 no PFS 12h", "AES-CBC-128 HMAC-MD5 no PFS 12h")

	site := g.Conns[1] // rsasig, blowfish (128 by default), no pool: it does no XAUTH
	if site.LocalAuth.Value != "pubkey" || site.RemoteAuth.Value != "pubkey" || site.Pools != nil || site.Aggressive {
		t.Errorf("site conn %+v", site)
	}
	wantStrings(t, "site IKE", []string{site.IKE[0].String()}, "Blowfish-128 MD5 MODP_1536 RSA 8h")
	inh := g.Conns[2] // inherits the proposal, has its own peer and identity
	wantStrings(t, "inherited RemoteAddrs", settingValues(inh.RemoteAddrs), "203.0.113.21")
	wantSource(t, "inherited conn", inh.At, conf, 41, "remote 203.0.113.21 inherit 203.0.113.20 {")
	if inh.RemoteID.Value != "C=DE, O=Example, CN=peer21" || len(inh.IKE) != 1 || inh.IKE[0].At.Line != 33 || len(inh.Children) != 1 {
		t.Errorf("inherited conn %+v", inh)
	}
	if len(g.Secrets) != 1 || g.Secrets[0].IDs[0] != "roadwarrior@example.org" || g.Secrets[0].Digest != sha256.Sum256([]byte("ra-group-secret")) {
		t.Errorf("secrets %+v", g.Secrets)
	}
}

func TestPSKTxtAsRacoonReadsIt(t *testing.T) {
	file := filepath.Join("testdata", "racoon", "psk-edge.txt")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	g := &Gateway{}
	if err := parsePSKTxt(g, file, data); err != nil {
		t.Fatal(err)
	}
	vendorNoSecrets(t, g)
	if len(g.Secrets) != 2 {
		t.Fatalf("%d secrets; want 2 (an indented line and a lone word are skipped)", len(g.Secrets))
	}
	s := g.Secrets[0] // the rest of the line, inner and trailing blanks kept
	if s.IDs[0] != "user@example.org" || s.Digest != sha256.Sum256([]byte("two words key ")) {
		t.Errorf("secret 1: %+v", s)
	}
	wantSource(t, "secret 1", s.At, file, 2, "user@example.org  <secret>")
	if s := g.Secrets[1]; s.IDs[0] != "10.0.0.1" || s.Digest != sha256.Sum256([]byte{0x0a, 0xbc}) {
		t.Errorf("secret 2: %+v", s)
	}
	// Read again (Load lists psk.txt after racoon.conf had it read): nothing added.
	if err := parsePSKTxt(g, file, data); err != nil || len(g.Secrets) != 2 {
		t.Errorf("read twice: %v, %d secrets", err, len(g.Secrets))
	}
}

// vendorWantError checks an error: one line, FILE:LINE: first, a "; what to do", no
// secret.
func vendorWantError(t *testing.T, err error, file string, line int, has string) {
	t.Helper()
	if err == nil {
		t.Errorf("no error; want %s:%d: ...%s...", file, line, has)
		return
	}
	msg := err.Error()
	prefix := file + ":" + strconv.Itoa(line) + ": "
	if !strings.HasPrefix(msg, prefix) || strings.Contains(msg, "\n") || !strings.Contains(msg, "; ") || !strings.Contains(msg, has) {
		t.Errorf("error %q; want one line beginning %q, holding %q and a '; what to do'", msg, prefix, has)
	}
	for _, s := range vendorTestSecrets {
		if strings.Contains(msg, s) {
			t.Errorf("error %q holds the secret %q", msg, s)
		}
	}
}

func TestRacoonErrors(t *testing.T) {
	for _, tc := range []struct {
		name, conf string
		line       int
		has        string
	}{
		{"unclosed", "remote 192.0.2.2 {\n\texchange_mode main;\n\tproposal {\n\t\tencryption_algorithm aes;\n}\n", 1, "never closed"},
		{"extra close", "listen {\n\tisakmp 192.0.2.1;\n}\n}\n", 4, "closes no section"},
		{"no body", "# a remote must have a body\nremote 192.0.2.2;\n", 2, "has no body"},
		{"no semicolon", "remote 192.0.2.2 {\n\texchange_mode main\n}\n", 2, "end it with ;"},
		{"unknown cipher", "remote anonymous {\n\texchange_mode main;\n\tproposal {\n\t\tencryption_algorithm rot13;\n\t\thash_algorithm sha1;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group 2;\n\t}\n}\n", 4, "rot13"},
		{"proposal without hash", "remote anonymous {\n\texchange_mode main;\n\tproposal {\n\t\tencryption_algorithm aes;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group 2;\n\t}\n}\n", 3, "hash_algorithm"},
		{"bad pfs group", "sainfo anonymous {\n\tpfs_group modp999;\n\tencryption_algorithm aes;\n\tauthentication_algorithm hmac_sha1;\n}\n", 2, "pfs_group"},
		{"missing include", "include \"nowhere.conf\";\n", 1, "nowhere.conf"},
		{"inherit unknown", "remote 192.0.2.3 inherit 192.0.2.9 {\n\texchange_mode main;\n}\n", 1, "192.0.2.9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "racoon.conf")
			if err := os.WriteFile(file, []byte(tc.conf), 0o600); err != nil {
				t.Fatal(err)
			}
			// parseRacoon itself: Detect takes a two-word file such as "remote X;" for psk.txt.
			err := parseRacoon(&Gateway{}, file, []byte(tc.conf))
			vendorWantError(t, err, file, tc.line, tc.has)
		})
	}
}

func TestPSKTxtErrorHoldsNoKey(t *testing.T) {
	file := filepath.Join(t.TempDir(), "psk.txt")
	data := []byte("# keys\n192.0.2.7 0xerror-key-xyz\n")
	err := parsePSKTxt(&Gateway{}, file, data)
	vendorWantError(t, err, file, 2, "192.0.2.7")
}

// The pair designed not to agree: racoon hashes Phase 1 with SHA-1, the Cisco peer with
// SHA-256; Phase 2, the selectors (mirrored) and the keys agree.
func TestRacoonCiscoMismatch(t *testing.T) {
	r := vendorLoad(t, filepath.Join("testdata", "racoon", "mismatch"))
	c := vendorLoad(t, filepath.Join("testdata", "cisco", "mismatch"))
	if c.Format != FormatCiscoIOS || len(r.Conns) != 1 || len(c.Conns) != 1 {
		t.Fatalf("format %q, %d and %d conns", c.Format, len(r.Conns), len(c.Conns))
	}
	rc, cc := r.Conns[0], c.Conns[0]
	proposals := func(os []Offer) []analyze.Proposal {
		var out []analyze.Proposal
		for _, o := range os {
			out = append(out, o.Proposal)
		}
		return out
	}
	d := analyze.Diff(proposals(rc.IKE), proposals(cc.IKE))
	if len(d) != 1 || d[0].Attribute != "integrity/hash" {
		t.Errorf("Phase 1 differences %+v; want the hash alone", d)
	} else {
		wantStrings(t, "racoon hash", d[0].Ours, "SHA1")
		wantStrings(t, "Cisco hash", d[0].Theirs, "SHA2-256")
	}
	if d := analyze.Diff(proposals(rc.Children[0].ESP), proposals(cc.Children[0].ESP)); d != nil {
		t.Errorf("Phase 2 differences %+v; want none", d)
	}
	wantStrings(t, "mirrored selectors", append(settingValues(rc.Children[0].LocalTS), settingValues(rc.Children[0].RemoteTS)...),
		append(settingValues(cc.Children[0].RemoteTS), settingValues(cc.Children[0].LocalTS)...)...)
	if len(r.Secrets) != 1 || len(c.Secrets) != 1 || r.Secrets[0].Digest != c.Secrets[0].Digest {
		t.Errorf("the keys should be the same: %+v %+v", r.Secrets, c.Secrets)
	}
	wantStrings(t, "peers", []string{rc.RemoteAddrs[0].Value, cc.RemoteAddrs[0].Value, cc.LocalAddrs[0].Value}, "198.51.100.2", "192.0.2.1", "198.51.100.2")
}

package config

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Tests of the strongSwan and libreswan parsers (swanctl.go, ipsecconf.go, secrets.go).

func swMustLoad(t *testing.T, path string) *Gateway {
	t.Helper()
	g, err := Load(path)
	if err != nil {
		t.Fatalf("Load(%s): %v", path, err)
	}
	return g
}

func swFindConn(t *testing.T, g *Gateway, name string) *Conn {
	t.Helper()
	for _, c := range g.Conns {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("%s: no conn %q", g.Name, name)
	return nil
}

func swAt(file string, line int, text string) Source {
	return Source{File: file, Line: line, Text: text}
}

func swCheckSource(t *testing.T, what string, got, want Source) {
	t.Helper()
	if got != want {
		t.Errorf("%s at %+v, want %+v", what, got, want)
	}
}

func swValues(s []Setting) []string {
	var out []string
	for _, x := range s {
		out = append(out, x.Value)
	}
	return out
}

func swEq(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

// noSecret fails when any string reachable from v (or the error text) contains one of
// the secrets.
func swNoSecret(t *testing.T, v any, secrets ...string) {
	t.Helper()
	var walk func(reflect.Value, string)
	walk = func(r reflect.Value, path string) {
		switch r.Kind() {
		case reflect.String:
			for _, s := range secrets {
				if strings.Contains(r.String(), s) {
					t.Errorf("%s holds the secret %q: %q", path, s, r.String())
				}
			}
		case reflect.Pointer, reflect.Interface:
			if !r.IsNil() {
				walk(r.Elem(), path)
			}
		case reflect.Struct:
			for i := 0; i < r.NumField(); i++ {
				walk(r.Field(i), path+"."+r.Type().Field(i).Name)
			}
		case reflect.Slice, reflect.Array:
			if r.Kind() == reflect.Array && r.Type().Elem().Kind() == reflect.Uint8 {
				b := make([]byte, r.Len())
				reflect.Copy(reflect.ValueOf(b), r)
				for _, s := range secrets {
					if strings.Contains(string(b), s) {
						t.Errorf("%s holds the secret %q", path, s)
					}
				}
				return
			}
			for i := 0; i < r.Len(); i++ {
				walk(r.Index(i), path)
			}
		case reflect.Map:
			for _, k := range r.MapKeys() {
				walk(r.MapIndex(k), path)
			}
		}
	}
	walk(reflect.ValueOf(v), "Gateway")
}

func swSum(s string) [32]byte { return sha256.Sum256([]byte(s)) }

// --- swanctl.conf ---------------------------------------------------------------------

func TestSwanctlPSKTunnel(t *testing.T) {
	g := swMustLoad(t, "testdata/strongswan/psk-a")
	f := "testdata/strongswan/psk-a/swanctl.conf"
	swEq(t, "Format", g.Format, FormatSwanctl)
	if len(g.Conns) != 1 {
		t.Fatalf("%d conns", len(g.Conns))
	}
	c := g.Conns[0]
	swEq(t, "Name", c.Name, "gw-gw")
	swCheckSource(t, "conn", c.At, swAt(f, 2, "gw-gw {"))
	swEq(t, "Version", c.Version, 2)
	swEq(t, "Aggressive", c.Aggressive, false)
	swEq(t, "LocalAddrs", swValues(c.LocalAddrs), []string{"192.0.2.1"})
	swCheckSource(t, "local_addrs", c.LocalAddrs[0].At, swAt(f, 5, "local_addrs = 192.0.2.1"))
	swEq(t, "RemoteAddrs", swValues(c.RemoteAddrs), []string{"192.0.2.2"})
	swEq(t, "LocalID", c.LocalID.Value, "gw-a.example.net")
	swCheckSource(t, "LocalID", c.LocalID.At, swAt(f, 13, "id = gw-a.example.net"))
	swEq(t, "RemoteID", c.RemoteID.Value, "gw-b.example.net")
	swCheckSource(t, "RemoteID", c.RemoteID.At, swAt(f, 17, "id = gw-b.example.net"))
	swEq(t, "LocalAuth", c.LocalAuth.Value, "psk")
	swCheckSource(t, "LocalAuth", c.LocalAuth.At, swAt(f, 12, "auth = psk"))
	swEq(t, "RemoteAuth", c.RemoteAuth.Value, "psk")

	if len(c.IKE) != 2 {
		t.Fatalf("%d IKE offers", len(c.IKE))
	}
	o := c.IKE[0]
	swEq(t, "IKE[0].Protocol", o.Protocol, "IKE")
	swEq(t, "IKE[0].Encryption", o.Encryption, []string{"AES-CBC-256"})
	swEq(t, "IKE[0].Integrity", o.Integrity, []string{"HMAC-SHA2-256-128"})
	swEq(t, "IKE[0].PRF", o.PRF, []string{"HMAC-SHA2-256"})
	swEq(t, "IKE[0].Groups", o.Groups, []string{"MODP_2048"})
	swEq(t, "IKE[0].Keyword", o.Keyword, "aes256-sha256-modp2048")
	swCheckSource(t, "IKE[0]", o.At, swAt(f, 7, "proposals = aes256-sha256-modp2048, aes128gcm16-prfsha256-ecp256"))
	o = c.IKE[1]
	swEq(t, "IKE[1].Encryption", o.Encryption, []string{"AES-GCM-16-128"})
	swEq(t, "IKE[1].Integrity", len(o.Integrity), 0)
	swEq(t, "IKE[1].PRF", o.PRF, []string{"HMAC-SHA2-256"})
	swEq(t, "IKE[1].Groups", o.Groups, []string{"ECP_256"})
	swEq(t, "IKE[1].Lifetime", o.Lifetime, time.Duration(0)) // rekey_time = 0

	ch := c.Children[0]
	swEq(t, "child", ch.Name, "net")
	swCheckSource(t, "child", ch.At, swAt(f, 20, "net {"))
	swEq(t, "LocalTS", swValues(ch.LocalTS), []string{"10.1.0.0/24"})
	swCheckSource(t, "local_ts", ch.LocalTS[0].At, swAt(f, 21, "local_ts = 10.1.0.0/24"))
	swEq(t, "RemoteTS", swValues(ch.RemoteTS), []string{"10.2.0.0/24"})
	swEq(t, "ESP count", len(ch.ESP), 2)
	e := ch.ESP[0]
	swEq(t, "ESP[0].Protocol", e.Protocol, "ESP")
	swEq(t, "ESP[0].Encryption", e.Encryption, []string{"AES-CBC-256"})
	swEq(t, "ESP[0].Integrity", e.Integrity, []string{"HMAC-SHA2-256-128"})
	swEq(t, "ESP[0].Groups", e.Groups, []string{"none"})
	swEq(t, "ESP[0].ESN", e.ESN, []string{"no ESN"})
	swCheckSource(t, "ESP[0]", e.At, swAt(f, 23, "esp_proposals = aes256-sha256, aes128gcm16"))
	swEq(t, "ESP[1].Encryption", ch.ESP[1].Encryption, []string{"AES-GCM-16-128"})

	if len(g.Secrets) != 1 {
		t.Fatalf("%d secrets", len(g.Secrets))
	}
	s := g.Secrets[0]
	swEq(t, "secret kind", s.Kind, "psk")
	swEq(t, "secret IDs", s.IDs, []string{"gw-a.example.net", "gw-b.example.net"})
	swEq(t, "secret digest", s.Digest, swSum("ikescope-sample-psk-3"))
	swCheckSource(t, "secret", s.At, swAt(f, 34, "secret = <secret>"))
	swNoSecret(t, g, "ikescope-sample-psk-3")

	// gateway B: the mirror image, same secret
	b := swMustLoad(t, "testdata/strongswan/psk-b")
	cb := b.Conns[0]
	swEq(t, "B LocalAddrs", swValues(cb.LocalAddrs), []string{"192.0.2.2"})
	swEq(t, "B LocalID", cb.LocalID.Value, "gw-b.example.net")
	swEq(t, "B LocalTS", swValues(cb.Children[0].LocalTS), []string{"10.2.0.0/24"})
	swEq(t, "B digest", b.Secrets[0].Digest, s.Digest)
}

func TestSwanctlIKEv1Mismatches(t *testing.T) {
	a := swMustLoad(t, "testdata/strongswan/p1-mismatch-a")
	b := swMustLoad(t, "testdata/strongswan/p1-mismatch-b")
	ca, cb := a.Conns[0], b.Conns[0]
	swEq(t, "Version", ca.Version, 1)
	swEq(t, "A offers", len(ca.IKE), 1)
	oa, ob := ca.IKE[0], cb.IKE[0]
	swEq(t, "A protocol", oa.Protocol, "ISAKMP")
	swEq(t, "A enc", oa.Encryption, []string{"AES-CBC-128"})
	swEq(t, "A hash", oa.Integrity, []string{"SHA2-256"})
	swEq(t, "A PRF", len(oa.PRF), 0)
	swEq(t, "A groups", oa.Groups, []string{"MODP_2048"})
	swEq(t, "A auth", oa.Auth, "PSK")
	swEq(t, "B enc", ob.Encryption, []string{"AES-CBC-256"})
	swEq(t, "B hash", ob.Integrity, []string{"SHA2-384"})
	swEq(t, "B groups", ob.Groups, []string{"ECP_384"})
	e := ca.Children[0].ESP[0]
	swEq(t, "v1 ESP enc", e.Encryption, []string{"AES-CBC-128"})
	swEq(t, "v1 ESP integ", e.Integrity, []string{"HMAC-SHA2-256"})
	swEq(t, "v1 ESP groups", e.Groups, []string{"none"})
	swEq(t, "v1 ESP mode", e.Mode, "Tunnel")
	swEq(t, "v1 ESP ESN", len(e.ESN), 0)

	ta := swMustLoad(t, "testdata/strongswan/ts-mismatch-a").Conns[0].Children[0]
	tb := swMustLoad(t, "testdata/strongswan/ts-mismatch-b").Conns[0].Children[0]
	swEq(t, "A local_ts", swValues(ta.LocalTS), []string{"10.1.0.0/24"})
	swEq(t, "A remote_ts", swValues(ta.RemoteTS), []string{"10.2.0.0/24"})
	swEq(t, "B local_ts", swValues(tb.LocalTS), []string{"10.3.0.0/24"})
	swEq(t, "B remote_ts", swValues(tb.RemoteTS), []string{"10.1.0.0/24"})
	swCheckSource(t, "B local_ts", tb.LocalTS[0].At, swAt("testdata/strongswan/ts-mismatch-b/swanctl.conf", 21, "local_ts = 10.3.0.0/24"))
}

func TestSwanctlRemoteAccess(t *testing.T) {
	g := swMustLoad(t, "testdata/strongswan/ra-gw")
	f := "testdata/strongswan/ra-gw/swanctl.conf"
	v1 := swFindConn(t, g, "rw-v1")
	swEq(t, "v1 RemoteAuth", v1.RemoteAuth.Value, "psk+xauth")
	swCheckSource(t, "v1 RemoteAuth", v1.RemoteAuth.At, swAt(f, 17, "auth = psk"))
	swEq(t, "v1 RemoteAddrs default", swValues(v1.RemoteAddrs), []string{"%any"})
	swCheckSource(t, "v1 RemoteAddrs default", v1.RemoteAddrs[0].At, swAt(f, 3, "rw-v1 {"))
	swEq(t, "v1 RemoteID", v1.RemoteID.Value, "")
	swEq(t, "v1 auth method", v1.IKE[0].Auth, "XAUTH-PSK")
	// A pool the connection names is the line of its addresses, which an admin widens.
	swEq(t, "v1 pools", swValues(v1.Pools), []string{"10.99.0.1-10.99.0.10"})
	swCheckSource(t, "v1 pools", v1.Pools[0].At, swAt(f, 58, "addrs = 10.99.0.1-10.99.0.10"))
	swEq(t, "v1 remote_ts", swValues(v1.Children[0].RemoteTS), []string{"dynamic"})

	v2 := swFindConn(t, g, "rw-v2")
	swEq(t, "v2 RemoteAuth", v2.RemoteAuth.Value, "eap-mschapv2")
	swEq(t, "v2 pools", swValues(v2.Pools), []string{"10.99.0.1-10.99.0.10", "fd00:99::/120"})
	swEq(t, "v2 auth in IKEv2 offer", v2.IKE[0].Auth, "")

	kinds := map[string]Secret{}
	for _, s := range g.Secrets {
		kinds[s.Kind] = *s
	}
	swEq(t, "xauth secret", kinds["xauth"].IDs, []string{"alice"})
	swEq(t, "xauth digest", kinds["xauth"].Digest, swSum("ikescope-alice-password"))
	swEq(t, "eap secret", kinds["eap"].IDs, []string{"bob"})
	swEq(t, "eap digest", kinds["eap"].Digest, swSum("ikescope-bob-password"))
	swEq(t, "psk digest", kinds["psk"].Digest, swSum("ikescope-ra-psk"))
	swNoSecret(t, g, "ikescope-ra-psk", "ikescope-alice-password", "ikescope-bob-password")

	e := swMustLoad(t, "testdata/strongswan/eap-a").Conns[0]
	swEq(t, "eap client LocalAuth", e.LocalAuth.Value, "eap-mschapv2")
	swEq(t, "eap client RemoteAuth", e.RemoteAuth.Value, "psk")
}

func TestSwanctlIncludeTemplatesSecrets(t *testing.T) {
	g := swMustLoad(t, "testdata/strongswan/include")
	inc := "testdata/strongswan/include/conf.d/"
	site := swFindConn(t, g, "site")
	swCheckSource(t, "site", site.At, swAt(inc+"10-site.conn", 1, "site {"))
	swEq(t, "site RemoteAddrs", swValues(site.RemoteAddrs), []string{"198.51.100.2", "peer.example.net"})
	swEq(t, "site LocalID", site.LocalID.Value, "C=US, O=Example, CN=site-a")
	swEq(t, "site RemoteID", site.RemoteID.Value, "site-b.example.net") // "@" dropped
	swEq(t, "site auth", site.LocalAuth.Value, "pubkey")
	o := site.IKE[0]
	swEq(t, "multi enc", o.Encryption, []string{"AES-GCM-16-128", "AES-GCM-16-256"})
	swEq(t, "multi prf", o.PRF, []string{"HMAC-SHA2-384", "HMAC-SHA2-256"})
	swEq(t, "multi groups", o.Groups, []string{"ECP_384", "Curve25519"})
	lan := site.Children[0]
	swEq(t, "one-line child TS", swValues(lan.RemoteTS), []string{"10.20.0.0/16", "10.21.0.0/16"})
	swCheckSource(t, "one-line child", lan.LocalTS[0].At, swAt(inc+"10-site.conn", 15, "lan { local_ts = 10.10.0.0/16"))
	swEq(t, "PFS group", lan.ESP[0].Groups, []string{"MODP_3072"})
	swEq(t, "ESN", lan.ESP[0].ESN, []string{"ESN", "no ESN"})

	// legacy : connections.site inherits site's settings and children
	l := swFindConn(t, g, "legacy")
	swEq(t, "legacy Version", l.Version, 1)
	swEq(t, "legacy Aggressive", l.Aggressive, true)
	swEq(t, "legacy LocalAddrs (inherited)", swValues(l.LocalAddrs), []string{"198.51.100.1"})
	swCheckSource(t, "legacy LocalAddrs", l.LocalAddrs[0].At, swAt(inc+"10-site.conn", 3, "local_addrs = 198.51.100.1"))
	swEq(t, "legacy RemoteAddrs", swValues(l.RemoteAddrs), []string{"198.51.100.3"})
	swEq(t, "legacy LocalAuth", l.LocalAuth.Value, "psk+xauth")
	swEq(t, "legacy LocalID (inherited)", l.LocalID.Value, "C=US, O=Example, CN=site-a")
	// IKEv1: one algorithm of each kind, the others stripped
	swEq(t, "legacy offers", len(l.IKE), 2)
	swEq(t, "v1 stripped enc", l.IKE[0].Encryption, []string{"AES-CBC-128"})
	swEq(t, "v1 stripped hash", l.IKE[0].Integrity, []string{"SHA2-256"})
	swEq(t, "v1 stripped group", l.IKE[0].Groups, []string{"MODP_2048"})
	swEq(t, "v1 auth", l.IKE[0].Auth, "XAUTH-PSK")
	swEq(t, "3des", l.IKE[1].Encryption, []string{"3DES"})
	swEq(t, "md5", l.IKE[1].Integrity, []string{"MD5"})
	swEq(t, "IKE lifetime rekey+over", l.IKE[0].Lifetime, 8*time.Hour+30*time.Minute)
	swEq(t, "legacy children", len(l.Children), 2)
	old := l.Children[1]
	swEq(t, "old", old.Name, "old")
	swEq(t, "transport", old.ESP[0].Mode, "Transport")
	swEq(t, "life_time", old.ESP[0].Lifetime, 2*time.Hour)
	swEq(t, "v1 PFS", old.ESP[0].Groups, []string{"MODP_1024"})
	swEq(t, "v1 3des", old.ESP[0].Encryption, []string{"3DES"})
	swEq(t, "v1 sha1", old.ESP[0].Integrity, []string{"HMAC-SHA1"})
	swEq(t, "v1 sha512", old.ESP[1].Integrity, []string{"HMAC-SHA2-512"})

	if len(g.Secrets) != 4 {
		t.Fatalf("%d secrets", len(g.Secrets))
	}
	sf := inc + "secrets.conf"
	swEq(t, "hex digest", g.Secrets[0].Digest, swSum("key of the sites"))
	swCheckSource(t, "hex", g.Secrets[0].At, swAt(sf, 3, "secret = <secret>   # hex"))
	swEq(t, "base64 digest", g.Secrets[1].Digest, swSum("key of legacy"))
	swEq(t, "base64 IDs", g.Secrets[1].IDs, []string{"198.51.100.3"})
	swEq(t, "unquoted digest", g.Secrets[2].Digest, swSum("carol-pass"))
	swCheckSource(t, "one-line secret", g.Secrets[2].At, swAt(sf, 10, "secret = <secret> }"))
	swEq(t, "private kind", g.Secrets[3].Kind, "private")
	swEq(t, "passphrase digest", g.Secrets[3].Digest, swSum("ikescope-key-passphrase"))
	swNoSecret(t, g, "6b6579206f6620746865207369746573", "a2V5IG9mIGxlZ2FjeQ==", "carol-pass", "ikescope-key-passphrase",
		"key of the sites", "key of legacy")
}

func TestSwanctlDefaults(t *testing.T) {
	g := swMustLoad(t, "testdata/strongswan/defaults")
	f := "testdata/strongswan/defaults/swanctl.conf"
	c := swFindConn(t, g, "any")
	swEq(t, "Version any", c.Version, 0)
	swEq(t, "LocalAddrs", swValues(c.LocalAddrs), []string{"%any"})
	swEq(t, "LocalAuth default", c.LocalAuth.Value, "pubkey")
	swCheckSource(t, "LocalAuth default", c.LocalAuth.At, swAt(f, 2, "any {"))
	if len(c.IKE) != 2 {
		t.Fatalf("%d default IKE offers", len(c.IKE))
	}
	for _, o := range c.IKE {
		swEq(t, "Keyword", o.Keyword, "(default)")
		swCheckSource(t, "default offer", o.At, swAt(f, 2, "any {"))
	}
	swEq(t, "default enc", c.IKE[0].Encryption, []string{"AES-CBC-128", "AES-CBC-192", "AES-CBC-256"})
	swEq(t, "default integ", c.IKE[0].Integrity[0], "HMAC-SHA2-256-128")
	swEq(t, "default groups", c.IKE[0].Groups[:3], []string{"ECP_256", "ECP_384", "ECP_521"})
	swEq(t, "default AEAD", c.IKE[1].Encryption, []string{"AES-GCM-16-128", "AES-GCM-16-192", "AES-GCM-16-256", "ChaCha20-Poly1305"})
	ch := c.Children[0]
	swEq(t, "TS default", swValues(ch.LocalTS), []string{"dynamic"})
	swEq(t, "ESP default AEAD first", ch.ESP[0].Encryption, []string{"AES-GCM-16-128", "AES-GCM-16-192", "AES-GCM-16-256"})
	swEq(t, "ESP default classic", ch.ESP[1].Integrity, []string{"HMAC-SHA2-256-128", "HMAC-SHA2-384-192", "HMAC-SHA2-512-256", "HMAC-SHA1-96", "AES-XCBC-96"})

	d := swFindConn(t, g, "explicit-default")
	swEq(t, "explicit default keyword", d.IKE[0].Keyword, "default")
	swCheckSource(t, "explicit default", d.IKE[0].At, swAt(f, 14, "proposals = default"))
	swEq(t, "v1 default stripped", d.IKE[0].Encryption, []string{"AES-CBC-128"})
	swEq(t, "v1 default group", d.IKE[0].Groups, []string{"ECP_256"})
	swEq(t, "IKE lifetime", d.IKE[0].Lifetime, 2*time.Hour+12*time.Minute)
	swEq(t, "child lifetime", d.Children[0].ESP[0].Lifetime, time.Hour+6*time.Minute)
	swEq(t, "@@ id kept", d.LocalID.Value, "@@user.example.net")
}

// --- ipsec.conf / ipsec.secrets (strongSwan) ------------------------------------------

func TestStrongSwanIPsecConf(t *testing.T) {
	g := swMustLoad(t, "testdata/strongswan/legacy")
	f := "testdata/strongswan/legacy/ipsec.conf"
	swEq(t, "Format", g.Format, FormatStrongSwanIPsecConf)
	var names []string
	for _, c := range g.Conns {
		names = append(names, c.Name)
	}
	// %default, the also= fragment peer-common and auto=ignore are not conns
	swEq(t, "conns", names, []string{"site-to-site", "ikev2-any", "roadwarriors", "xauth-clients", "transport"})

	s := swFindConn(t, g, "site-to-site")
	swCheckSource(t, "conn", s.At, swAt(f, 19, "conn site-to-site"))
	swEq(t, "Version (from %default)", s.Version, 1)
	swEq(t, "LocalAddrs (%default)", swValues(s.LocalAddrs), []string{"192.0.2.1"})
	swCheckSource(t, "left", s.LocalAddrs[0].At, swAt(f, 11, "left=192.0.2.1"))
	swEq(t, "RemoteAddrs (also=)", swValues(s.RemoteAddrs), []string{"192.0.2.2"})
	swCheckSource(t, "right", s.RemoteAddrs[0].At, swAt(f, 15, "right=192.0.2.2"))
	swEq(t, "LocalID", s.LocalID.Value, "gw-a.example.net")
	swEq(t, "RemoteID", s.RemoteID.Value, "gw-b.example.net")
	swEq(t, "authby=secret", s.LocalAuth.Value, "psk")
	swCheckSource(t, "authby", s.LocalAuth.At, swAt(f, 10, "authby=secret"))
	swEq(t, "strict: no defaults appended", len(s.IKE), 2)
	swEq(t, "Keyword", s.IKE[1].Keyword, "aes128-sha1-modp1024")
	swEq(t, "IKEv1 hash", s.IKE[1].Integrity, []string{"SHA1"})
	swEq(t, "ikelifetime", s.IKE[0].Lifetime, 8*time.Hour)
	swEq(t, "auth", s.IKE[0].Auth, "PSK")
	ch := s.Children[0]
	swEq(t, "child name", ch.Name, "site-to-site")
	swEq(t, "leftsubnet", swValues(ch.LocalTS), []string{"10.1.0.0/24"})
	swCheckSource(t, "leftsubnet", ch.LocalTS[0].At, swAt(f, 12, "leftsubnet=10.1.0.0/24"))
	swEq(t, "esp", len(ch.ESP), 1)
	swEq(t, "esp PFS", ch.ESP[0].Groups, []string{"MODP_2048"})
	swEq(t, "lifetime", ch.ESP[0].Lifetime, time.Hour)

	v := swFindConn(t, g, "ikev2-any")
	swEq(t, "keyexchange=ike", v.Version, 0)
	swEq(t, "own rightsubnet wins over also=", swValues(v.Children[0].RemoteTS), []string{"10.2.0.0/24", "10.3.0.0/24"})
	swEq(t, "leftauth", v.LocalAuth.Value, "pubkey")
	swEq(t, "not strict: defaults appended", len(v.IKE), 3)
	swEq(t, "appended", v.IKE[1].Keyword, "(default)")
	swCheckSource(t, "appended at ike=", v.IKE[1].At, swAt(f, 32, "ike=aes128gcm16-prfsha256-ecp256"))
	swEq(t, "no esp=: defaults", v.Children[0].ESP[0].Keyword, "(default)")

	r := swFindConn(t, g, "roadwarriors")
	swEq(t, "ikev2", r.Version, 2)
	swEq(t, "%defaultroute", swValues(r.LocalAddrs), []string{"%defaultroute"})
	swEq(t, "rauth", r.RemoteAuth.Value, "eap-mschapv2")
	swEq(t, "pool", swValues(r.Pools), []string{"10.3.0.0/24"})
	swCheckSource(t, "pool", r.Pools[0].At, swAt(f, 40, "rightsourceip=10.3.0.0/24"))

	x := swFindConn(t, g, "xauth-clients")
	swEq(t, "aggressive", x.Aggressive, true)
	swEq(t, "xauthpsk server: remote", x.RemoteAuth.Value, "psk+xauth")
	swEq(t, "xauthpsk server: local", x.LocalAuth.Value, "psk")
	swEq(t, "named pool, %config skipped", swValues(x.Pools), []string{"pool-v1"})
	swEq(t, "XAUTH auth", x.IKE[0].Auth, "XAUTH-PSK")

	tr := swFindConn(t, g, "transport")
	swCheckSource(t, "included conn", tr.At, swAt("testdata/strongswan/legacy/ipsec.d/extra.conf", 1, "conn transport"))
	swEq(t, "aggrmode", tr.Aggressive, true)
	swEq(t, "empty leftsubnet clears %default", swValues(tr.Children[0].LocalTS), []string{"dynamic"})
	swEq(t, "type=transport", tr.Children[0].ESP[0].Mode, "Transport")
}

func TestIPsecSecrets(t *testing.T) {
	g := swMustLoad(t, "testdata/strongswan/legacy")
	f := "testdata/strongswan/legacy/ipsec.secrets"
	want := []struct {
		kind   string
		ids    []string
		secret string
		line   int
		text   string
	}{
		{"psk", []string{"192.0.2.1", "192.0.2.2"}, "ikescope-legacy-psk", 2, `192.0.2.1 192.0.2.2 : PSK <secret>`},
		{"psk", []string{"gw-a.example.net", "gw-b.example.net"}, "secret in base64", 3, `@gw-a.example.net @gw-b.example.net : PSK <secret>`},
		{"psk", nil, "hex secret", 4, ": PSK <secret>"},
		{"xauth", []string{"carol"}, "carol's xauth password", 5, "carol : XAUTH <secret>"},
		{"eap", []string{"dave@example.net"}, "dave EAP pw", 6, "dave@example.net : EAP <secret>"},
		{"psk", []string{"gw-a.example.net"}, "multi line secret", 7, "%any gw-a.example.net"},
		{"rsa", nil, "ikescope-rsa-passphrase", 10, ": RSA gw-a.key <secret>"},
		{"rsa", nil, "", 11, ": RSA gw-a-noprompt.key %prompt"},
		{"psk", []string{"2001:db8::1", "2001:db8::2"}, "ipv6 psk", 12, "2001:db8::1 2001:db8::2 : PSK <secret>"},
	}
	if len(g.Secrets) != len(want)+1 {
		t.Fatalf("%d secrets, want %d", len(g.Secrets), len(want)+1)
	}
	for i, w := range want {
		s := g.Secrets[i]
		swEq(t, "kind", s.Kind, w.kind)
		swEq(t, "IDs", s.IDs, w.ids)
		if w.secret != "" {
			swEq(t, "digest of "+w.text, s.Digest, swSum(w.secret))
		} else {
			swEq(t, "no digest", s.Digest, [32]byte{})
		}
		swCheckSource(t, "secret", s.At, swAt(f, w.line, w.text))
	}
	// included; the identity holds the secret's text, only the secret is masked
	last := g.Secrets[len(want)]
	swCheckSource(t, "included", last.At, swAt("testdata/strongswan/legacy/ipsec.d/more.secrets", 1, "PSK-gw : PSK <secret>"))
	swEq(t, "included digest", last.Digest, swSum("PSK-gw"))
	swNoSecret(t, g.Conns, "PSK-gw")
	var texts []string
	for _, s := range g.Secrets {
		texts = append(texts, s.At.Text)
	}
	swNoSecret(t, texts[:len(texts)-1], "ikescope-legacy-psk", "c2VjcmV0IGluIGJhc2U2NA==", "68657820736563726574",
		"carol's", "dave EAP pw", "multi line secret", "ikescope-rsa-passphrase", "ipv6 psk")
	swNoSecret(t, g, "ikescope-legacy-psk", "c2VjcmV0IGluIGJhc2U2NA==", "68657820736563726574",
		"carol's", "dave EAP pw", "multi line secret", "ikescope-rsa-passphrase", "ipv6 psk")
}

// --- libreswan ------------------------------------------------------------------------

func TestLibreswanIKEv1(t *testing.T) {
	g := swMustLoad(t, "testdata/libreswan/ikev1-gw-b")
	f := "testdata/libreswan/ikev1-gw-b/ipsec.conf"
	swEq(t, "Format", g.Format, FormatLibreswanIPsecConf)
	c := swFindConn(t, g, "gw-gw")
	swEq(t, "ikev2=no", c.Version, 1)
	swEq(t, "LocalAddrs", swValues(c.LocalAddrs), []string{"192.0.2.2"})
	swCheckSource(t, "left", c.LocalAddrs[0].At, swAt(f, 14, "left=192.0.2.2"))
	swEq(t, "LocalID", c.LocalID.Value, "gw-b.example.net")
	swCheckSource(t, "leftid", c.LocalID.At, swAt(f, 9, "leftid=@gw-b.example.net"))
	swEq(t, "authby=secret", c.LocalAuth.Value, "psk")
	o := c.IKE[0]
	swEq(t, "protocol", o.Protocol, "ISAKMP")
	swEq(t, "enc", o.Encryption, []string{"AES-CBC-256"})
	swEq(t, "hash sha2_256", o.Integrity, []string{"SHA2-256"})
	swEq(t, "group", o.Groups, []string{"MODP_2048"})
	swEq(t, "auth", o.Auth, "PSK")
	swCheckSource(t, "ike=", o.At, swAt(f, 11, "ike=aes256-sha2_256;modp2048"))
	e := c.Children[0].ESP[0]
	swEq(t, "esp integ", e.Integrity, []string{"HMAC-SHA2-256"})
	swEq(t, "pfs=yes: Phase 1 group", e.Groups, []string{"MODP_2048"})

	p := swFindConn(t, g, "gw-gw-p2")
	e = p.Children[0].ESP[0]
	swEq(t, "phase2alg enc", e.Encryption, []string{"AES-CBC-256"})
	swEq(t, "phase2alg integ", e.Integrity, []string{"HMAC-SHA1"})
	swEq(t, "phase2alg PFS", e.Groups, []string{"MODP_1024"})
	swEq(t, "salifetime", e.Lifetime, time.Hour)
	swCheckSource(t, "phase2alg", e.At, swAt(f, 22, "phase2alg=aes256-sha1;modp1024"))
	swEq(t, "secret", g.Secrets[0].Digest, swSum("ikescope-sample-psk-25"))
	swNoSecret(t, g, "ikescope-sample-psk-25")
}

func TestLibreswanIKEv2(t *testing.T) {
	g := swMustLoad(t, "testdata/libreswan/ikev2-gw-b")
	c := swFindConn(t, g, "gw-gw")
	swEq(t, "ikev2=yes", c.Version, 2)
	o := c.IKE[0]
	swEq(t, "enc", o.Encryption, []string{"AES-CBC-256"})
	swEq(t, "integ", o.Integrity, []string{"HMAC-SHA2-256-128"})
	swEq(t, "prf", o.PRF, []string{"HMAC-SHA2-256"})
	swEq(t, "group", o.Groups, []string{"MODP_2048"})
	swEq(t, "esp", c.Children[0].ESP[0].Integrity, []string{"HMAC-SHA2-256-128"})

	gcm := swFindConn(t, g, "gcm")
	swEq(t, "aes_gcm256 enc", gcm.IKE[0].Encryption, []string{"AES-GCM-16-256"})
	swEq(t, "aes_gcm256 no integ", len(gcm.IKE[0].Integrity), 0)
	swEq(t, "sha2 = sha2_256", gcm.IKE[0].PRF, []string{"HMAC-SHA2-256"})
	swEq(t, "dh19", gcm.IKE[0].Groups, []string{"ECP_256"})
	swEq(t, "+ lists", gcm.IKE[1].PRF, []string{"HMAC-SHA2-512", "HMAC-SHA2-256"})
	swEq(t, "+ groups", gcm.IKE[1].Groups, []string{"ECP_384", "Curve25519"})
	swEq(t, "aes without key length", gcm.Children[0].ESP[1].Encryption, []string{"AES-CBC-256", "AES-CBC-128"})
	swEq(t, "pfs=no", gcm.Children[0].ESP[1].Groups, []string{"none"})
}

func TestLibreswanRemoteAccess(t *testing.T) {
	g := swMustLoad(t, "testdata/libreswan/ra")
	f := "testdata/libreswan/ra/ipsec.conf"
	var names []string
	for _, c := range g.Conns {
		names = append(names, c.Name)
	}
	swEq(t, "conns", names, []string{"xauth-rw", "subnets", "v2-default"})
	x := swFindConn(t, g, "xauth-rw")
	swEq(t, "Version (%default)", x.Version, 1)
	swEq(t, "Aggressive", x.Aggressive, true)
	swEq(t, "LocalAuth", x.LocalAuth.Value, "psk")
	swEq(t, "RemoteAuth xauth", x.RemoteAuth.Value, "psk+xauth")
	swEq(t, "XAUTH-PSK", x.IKE[0].Auth, "XAUTH-PSK")
	swEq(t, "pool", swValues(x.Pools), []string{"10.99.0.1-10.99.0.10"})
	swCheckSource(t, "pool", x.Pools[0].At, swAt(f, 24, "rightaddresspool=10.99.0.1-10.99.0.10"))
	swCheckSource(t, "ike from %default", x.IKE[0].At, swAt(f, 8, "ike=aes128-sha1;modp2048"))
	swEq(t, "pfs=no overrides phase2alg's group", x.Children[0].ESP[0].Groups, []string{"none"})

	s := swFindConn(t, g, "subnets")
	swEq(t, "insist", s.Version, 2)
	swEq(t, "no XAUTH in IKEv2", s.RemoteAuth.Value, "psk")
	swEq(t, "leftsubnets", swValues(s.Children[0].LocalTS), []string{"10.2.0.0/24", "10.4.0.0/24"})
	swEq(t, "aes_gcm_c_128", s.IKE[0].Encryption, []string{"AES-GCM-16-128"})

	v := swFindConn(t, g, "v2-default")
	swEq(t, "rsasig", v.LocalAuth.Value, "pubkey")
	swCheckSource(t, "included", v.At, swAt("testdata/libreswan/ra/ipsec.d/v2.conf", 1, "conn v2-default"))

	if len(g.Secrets) != 4 {
		t.Fatalf("%d secrets", len(g.Secrets))
	}
	swEq(t, "%any dropped", g.Secrets[0].IDs, []string{"gw-b.example.net"})
	swEq(t, "xauth", g.Secrets[1].Kind, "xauth")
	swEq(t, "ppk", g.Secrets[2].Kind, "ppk")
	swEq(t, "ppk digest (hex)", g.Secrets[2].Digest, sha256.Sum256([]byte{1, 2, 3, 4, 5, 6, 7, 8}))
	swCheckSource(t, "key block", g.Secrets[3].At, swAt("testdata/libreswan/ra/ipsec.d/ppk.secrets", 2, ": RSA { <secret>"))
	swNoSecret(t, g, "ikescope-ra-group-psk", "alice xauth pw", "0x0102030405060708", "c0ffee", "deadbeef")
}

func TestLibreswanDefaults(t *testing.T) {
	f := "testdata/libreswan/defaults/ipsec.conf"
	data, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	g := &Gateway{Format: FormatLibreswanIPsecConf}
	if err := parseIPsecConf(g, f, data); err != nil {
		t.Fatal(err)
	}
	p := swFindConn(t, g, "plain")
	swEq(t, "default authby", p.LocalAuth.Value, "pubkey")
	swEq(t, "v2 default IKE", len(p.IKE), 5)
	swEq(t, "first", p.IKE[0].Encryption, []string{"AES-GCM-16-256"})
	swEq(t, "prf", p.IKE[0].PRF, []string{"HMAC-SHA2-512", "HMAC-SHA2-256"})
	swEq(t, "keyword", p.IKE[0].Keyword, "(default)")
	swCheckSource(t, "default at conn", p.IKE[0].At, swAt(f, 1, "conn plain"))
	swEq(t, "v2 default ESP", len(p.Children[0].ESP), 4)
	v1 := swFindConn(t, g, "plain-v1")
	swEq(t, "v1 default transforms", len(v1.IKE), 18)
	swEq(t, "ikelifetime", v1.IKE[0].Lifetime, time.Hour)
	swEq(t, "v1 default ESP", v1.Children[0].ESP[0].Integrity, []string{"HMAC-SHA1"})
}

// --- errors ---------------------------------------------------------------------------

func TestParseErrors(t *testing.T) {
	const secret = "topsecret-value-42"
	dir := t.TempDir()
	cases := []struct {
		name, file, content string
		want                string // the error after "FILE:"
	}{
		{"unclosed", "swanctl.conf", "connections {\n    a {\n        version = 2\n}\n", "1: section connections is not closed; add a } after its last line"},
		{"extra brace", "swanctl.conf", "connections {\n}\n}\n", "3: } without an open section; remove it or add the section it closes"},
		{"bad version", "swanctl.conf", "connections {\n  a {\n    version = 3\n  }\n}\n", `3: version "3"; use 0 (any), 1 or 2`},
		{"bad proposal", "swanctl.conf", "connections {\n  a {\n    proposals = aes128-sha256-modp2049\n  }\n}\n", `3: unknown algorithm "modp2049" in proposal "aes128-sha256-modp2049"; use strongSwan's algorithm keywords (aes128, sha256, modp2048, ...)`},
		{"no dh", "swanctl.conf", "connections {\n  a {\n    proposals = aes128-sha256\n  }\n}\n", `3: IKE proposal "aes128-sha256" has no DH group; add one (modp2048, ecp256)`},
		{"secret quote", "swanctl.conf", "secrets {\n  ike-a {\n    secret = \"" + secret + "\n  }\n}\n", "3: the value of secret has no closing quote; add it"},
		{"bad hex", "swanctl.conf", "secrets {\n  ike-a {\n    secret = 0x" + secret + "\n  }\n}\n", "3: the secret of ike-a is not valid hex (0x) or base64 (0s); correct it"},
		{"no secret", "swanctl.conf", "secrets {\n  eap-a {\n    id = a\n  }\n}\n", "2: secret section eap-a has no secret; add secret = \"...\""},
		{"missing include", "swanctl.conf", "connections {\n  include nothere.conf\n}\n", "2: included file " + filepath.Join(dir, "missing include", "nothere.conf") + " does not exist; fix the path or remove the include"},
		{"conn without name", "ipsec.conf", "config setup\n\nconn\n    keyexchange=ikev2\n", "3: conn without a name; write conn NAME"},
		{"missing also", "ipsec.conf", "conn a\n    keyexchange=ikev2\n    also=b\n", "3: also=b names no conn; define conn b or remove the also="},
		{"also loop", "ipsec.conf", "conn a\n    keyexchange=ikev2\n    also=b\nconn b\n    also=a\n", "1: conn a includes itself through also=; break the loop"},
		{"unindented", "ipsec.conf", "conn a\nkeyexchange=ikev2\n", "2: setting keyexchange is not indented; indent the settings of a conn"},
		{"bad keyexchange", "ipsec.conf", "conn a\n    keyexchange=ikev3\n", "2: keyexchange=ikev3; use ikev1, ikev2 or ike"},
		{"secrets quote", "ipsec.secrets", "a b : PSK \"" + secret + "\n", "1: the PSK secret has no closing quote; add it"},
		{"secrets empty", "ipsec.secrets", "a b : PSK\n", "1: PSK without a secret; write PSK \"secret\""},
		{"secrets base64", "ipsec.secrets", "a : PSK 0s" + secret + "!!\n", "1: the PSK secret is not valid: a quoted string, 0x hex or 0s base64; correct it"},
		{"libreswan bad alg", "ipsec.conf", "conn a\n    ikev2=no\n    phase2alg=aes256-sha3\n", `3: unknown algorithm "sha3" in proposal "aes256-sha3"; use libreswan's algorithm names (aes128, sha2_256, modp2048, dh19, ...)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := filepath.Join(dir, tc.name)
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(d, tc.file)
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			if err == nil {
				t.Fatalf("no error")
			}
			msg := err.Error()
			if msg != path+":"+tc.want {
				t.Errorf("error\n %s\nwant\n %s", msg, path+":"+tc.want)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error has several lines: %q", msg)
			}
			if strings.Contains(msg, secret) {
				t.Errorf("error shows the secret: %q", msg)
			}
		})
	}
}

func TestIncludeRelativeAndNamesRealFile(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "swanctl", "conf.d")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	main := filepath.Join(dir, "swanctl", "swanctl.conf")
	os.WriteFile(main, []byte("connections {\n    include conf.d/*.conf\n}\nsecrets {\n    include conf.d/s.secrets\n}\n"), 0o600)
	os.WriteFile(filepath.Join(sub, "b.conf"), []byte("b {\n  version = 1\n}\n"), 0o600)
	os.WriteFile(filepath.Join(sub, "a.conf"), []byte("# a\na {\n  version = 2\n}\n"), 0o600)
	os.WriteFile(filepath.Join(sub, "s.secrets"), []byte("ike-x {\n  secret = \"s3cr3t-include\"\n}\n"), 0o600)
	g := swMustLoad(t, dir) // the directory: swanctl/swanctl.conf
	if len(g.Conns) != 2 {
		t.Fatalf("%d conns", len(g.Conns))
	}
	swEq(t, "glob order", []string{g.Conns[0].Name, g.Conns[1].Name}, []string{"a", "b"})
	swCheckSource(t, "a", g.Conns[0].At, swAt(filepath.Join(sub, "a.conf"), 2, "a {"))
	swCheckSource(t, "secret", g.Secrets[0].At, swAt(filepath.Join(sub, "s.secrets"), 2, "secret = <secret>"))
	swNoSecret(t, g, "s3cr3t-include")
}

func TestProposalKeywords(t *testing.T) {
	cases := []struct {
		in                      string
		ike                     bool
		enc, integ, prf, groups []string
	}{
		{"aes128-sha256-modp2048", true, []string{"AES-CBC-128"}, []string{"HMAC-SHA2-256-128"}, []string{"HMAC-SHA2-256"}, []string{"MODP_2048"}},
		{"aes128-aes256-sha256-sha1-modp2048-ecp256", true, []string{"AES-CBC-128", "AES-CBC-256"}, []string{"HMAC-SHA2-256-128", "HMAC-SHA1-96"}, []string{"HMAC-SHA2-256", "HMAC-SHA1"}, []string{"MODP_2048", "ECP_256"}},
		{"aes256gcm16-prfsha256-ecp256", true, []string{"AES-GCM-16-256"}, nil, []string{"HMAC-SHA2-256"}, []string{"ECP_256"}},
		{"aes128gcm-prfsha384-x25519", true, []string{"AES-GCM-16-128"}, nil, []string{"HMAC-SHA2-384"}, []string{"Curve25519"}},
		{"aes192gcm12-prfsha512-ecp521", true, []string{"AES-GCM-12-192"}, nil, []string{"HMAC-SHA2-512"}, []string{"ECP_521"}},
		{"3des-md5-modp1024", true, []string{"3DES"}, []string{"HMAC-MD5-96"}, []string{"HMAC-MD5"}, []string{"MODP_1024"}},
		{"chacha20poly1305-prfsha256-curve448", true, []string{"ChaCha20-Poly1305"}, nil, []string{"HMAC-SHA2-256"}, []string{"Curve448"}},
		{"aes128-sha256-modp2048", false, []string{"AES-CBC-128"}, []string{"HMAC-SHA2-256-128"}, nil, []string{"MODP_2048"}},
		{"aes256-sha384", false, []string{"AES-CBC-256"}, []string{"HMAC-SHA2-384-192"}, nil, []string{"none"}},
		{"aes128ctr-aesxcbc", false, []string{"AES-CTR-128"}, []string{"AES-XCBC-96"}, nil, []string{"none"}},
		{"aes128ccm8", false, []string{"AES-CCM-8-128"}, nil, nil, []string{"none"}},
	}
	for _, c := range cases {
		a, err := parseSwanProposal(c.in, c.ike)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		var proto uint8 = 3
		if c.ike {
			proto = 1
		}
		p := v2Offer(proto, a, 0)
		swEq(t, c.in+" enc", p.Encryption, c.enc)
		swEq(t, c.in+" integ", p.Integrity, c.integ)
		swEq(t, c.in+" prf", p.PRF, c.prf)
		swEq(t, c.in+" groups", p.Groups, c.groups)
	}
	ls := []struct {
		in                      string
		ike, v1                 bool
		enc, integ, prf, groups []string
	}{
		{"aes128-sha2;modp2048", true, false, []string{"AES-CBC-128"}, []string{"HMAC-SHA2-256-128"}, []string{"HMAC-SHA2-256"}, []string{"MODP_2048"}},
		{"aes_gcm256-sha2_256;dh19", true, false, []string{"AES-GCM-16-256"}, nil, []string{"HMAC-SHA2-256"}, []string{"ECP_256"}},
		{"aes_gcm_a_128-sha2_384-dh20", true, false, []string{"AES-GCM-8-128"}, nil, []string{"HMAC-SHA2-384"}, []string{"ECP_384"}},
		{"3des-md5-modp1536", true, false, []string{"3DES"}, []string{"HMAC-MD5-96"}, []string{"HMAC-MD5"}, []string{"MODP_1536"}},
		{"aes-sha2", false, false, []string{"AES-CBC-256", "AES-CBC-128"}, []string{"HMAC-SHA2-256-128"}, nil, []string{"none"}},
		{"aes256-sha1;modp1024", false, false, []string{"AES-CBC-256"}, []string{"HMAC-SHA1-96"}, nil, []string{"MODP_1024"}},
		{"chacha20_poly1305", false, false, []string{"ChaCha20-Poly1305"}, nil, nil, []string{"none"}},
	}
	for _, c := range ls {
		a, _, err := parseLSProposal(c.in, c.ike, c.v1)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		var proto uint8 = 3
		if c.ike {
			proto = 1
		}
		p := v2Offer(proto, a, 0)
		swEq(t, c.in+" enc", p.Encryption, c.enc)
		swEq(t, c.in+" integ", p.Integrity, c.integ)
		swEq(t, c.in+" prf", p.PRF, c.prf)
		swEq(t, c.in+" groups", p.Groups, c.groups)
	}
}

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

func offerTexts(os []Offer) []string {
	var out []string
	for _, o := range os {
		out = append(out, o.Keyword+": "+o.String())
	}
	return out
}

func TestCiscoIOSSiteToSite(t *testing.T) {
	file := filepath.Join("testdata", "cisco", "ios-s2s.cfg")
	g := vendorLoad(t, file)
	if g.Format != FormatCiscoIOS {
		t.Errorf("Format %q", g.Format)
	}
	var names []string
	for _, c := range g.Conns {
		names = append(names, c.Name)
	}
	wantStrings(t, "conns (by sequence number)", names, "OUTSIDE-MAP 10", "OUTSIDE-MAP 20", "OUTSIDE-MAP 30")
	c := g.Conns[0]
	wantSource(t, "conn", c.At, file, 54, "crypto map OUTSIDE-MAP 10 ipsec-isakmp")
	if c.Version != 1 || c.Aggressive {
		t.Errorf("version %d aggressive %v", c.Version, c.Aggressive)
	}
	wantStrings(t, "RemoteAddrs", settingValues(c.RemoteAddrs), "203.0.113.2", "203.0.113.12")
	wantSource(t, "peer", c.RemoteAddrs[1].At, file, 57, "set peer 203.0.113.12 default")
	wantStrings(t, "LocalAddrs (the interface with the map)", settingValues(c.LocalAddrs), "192.0.2.1")
	wantSource(t, "LocalAddrs", c.LocalAddrs[0].At, file, 70, "ip address 192.0.2.1 255.255.255.0")
	// Policies by number; policy 5 has no hash line, policy 20 no line at all (IOS
	// defaults: DES, SHA-1, RSA signatures, group 1, 86400 s). The banner's text is not a policy.
	wantStrings(t, "IKE", offerTexts(c.IKE), "policy 5: 3DES SHA1 MODP_1024 PSK 24h",
		"policy 10: AES-CBC-256 SHA2-256 MODP_2048 PSK 8h", "policy 20: DES SHA1 MODP_768 RSA 24h")
	wantSource(t, "policy 10", c.IKE[1].At, file, 13, "crypto isakmp policy 10")
	if !reflect.DeepEqual(c.IKE[2].GroupIDs, []uint16{1}) || c.IKE[0].Protocol != "ISAKMP" {
		t.Errorf("offer %+v", c.IKE[2])
	}
	if c.LocalAuth.Value != "psk" || c.RemoteAuth.Value != "psk" {
		t.Errorf("auth %q %q", c.LocalAuth.Value, c.RemoteAuth.Value)
	}
	wantSource(t, "auth (lowest policy)", c.LocalAuth.At, file, 21, "authentication pre-share")
	ch := c.Children[0]
	if ch.Name != "101" {
		t.Errorf("child %q", ch.Name)
	}
	wantSource(t, "child", ch.At, file, 60, "match address 101")
	wantStrings(t, "LocalTS (wildcard masks)", settingValues(ch.LocalTS), "10.1.0.0/16", "10.1.7.9/32")
	wantStrings(t, "RemoteTS", settingValues(ch.RemoteTS), "10.2.0.0/16")
	wantSource(t, "TS", ch.LocalTS[1].At, file, 87, "access-list 101 permit ip 10.1.7.9 0.0.0.0 10.2.0.0 0.0.255.255")
	wantStrings(t, "ESP (global lifetime 7200 s)", offerTexts(ch.ESP), "TS-AES: AES-CBC-256 HMAC-SHA2-256 MODP_2048 2h", "TS-AES128: AES-CBC-128 HMAC-MD5 MODP_2048 2h")
	if ch.ESP[0].Mode != "Tunnel" || ch.ESP[0].LifeKB != 4608000 || ch.ESP[0].Protocol != "ESP" {
		t.Errorf("ESP %+v", ch.ESP[0])
	}
	wantSource(t, "ESP", ch.ESP[0].At, file, 40, "crypto ipsec transform-set TS-AES esp-aes 256 esp-sha256-hmac")

	c = g.Conns[1] // named ACL with sequence numbers and host; a missing transform set is skipped
	ch = c.Children[0]
	wantStrings(t, "LocalTS", settingValues(ch.LocalTS), "10.1.0.0/16", "10.1.1.10/32")
	wantStrings(t, "RemoteTS (deny left out)", settingValues(ch.RemoteTS), "10.20.0.0/16", "10.21.1.0/24")
	wantSource(t, "TS", ch.RemoteTS[1].At, file, 78, "20 permit ip host 10.1.1.10 10.21.1.0 0.0.0.255")
	wantStrings(t, "ESP (the map's lifetime)", offerTexts(ch.ESP), "TS-3DES: 3DES HMAC-SHA1 no PFS 30m")
	if ch.ESP[0].LifeKB != 10000 {
		t.Errorf("LifeKB %d", ch.ESP[0].LifeKB)
	}

	c = g.Conns[2] // isakmp profile: aggressive, identity; the only transform set does not exist
	if !c.Aggressive || c.RemoteID.Value != "203.0.113.4" {
		t.Errorf("conn 30 %+v", c)
	}
	wantSource(t, "RemoteID", c.RemoteID.At, file, 35, "match identity address 203.0.113.4 255.255.255.255")
	ch = c.Children[0]
	if ch.ESP != nil {
		t.Errorf("ESP %+v; want none (NO-SUCH-SET does not exist)", ch.ESP)
	}
	wantStrings(t, "LocalTS (a mask with holes kept as written)", settingValues(ch.LocalTS), "10.1.2.0/24", "10.1.3.0 0.0.0.254")
	wantStrings(t, "RemoteTS", settingValues(ch.RemoteTS), "0.0.0.0/0", "10.30.0.0/16")

	type sec struct {
		ids    string
		key    string
		line   int
		text   string
		hidden bool
	}
	want := []sec{
		{"203.0.113.2", "ios-key-one", 24, "crypto isakmp key 0 <secret> address 203.0.113.2", false},
		{"", "ios-key-any", 25, "crypto isakmp key <secret> address 0.0.0.0 0.0.0.0", false},
		{"203.0.113.3", "", 26, "crypto isakmp key 6 <secret> address 203.0.113.3 255.255.255.255 no-xauth", true},
		{"203.0.113.4", "ring-key-four", 29, "pre-shared-key address 203.0.113.4 key <secret>", false},
		{"peer5.example.net", "ring-key-five", 30, "pre-shared-key hostname peer5.example.net key <secret>", false},
	}
	if len(g.Secrets) != len(want) {
		t.Fatalf("%d secrets; want %d", len(g.Secrets), len(want))
	}
	for i, w := range want {
		s := g.Secrets[i]
		digest := sha256.Sum256([]byte(w.key))
		if w.hidden {
			digest = [32]byte{}
		}
		if s.Kind != "psk" || strings.Join(s.IDs, ",") != w.ids || s.Digest != digest {
			t.Errorf("secret %d: %+v", i, s)
		}
		wantSource(t, "secret", s.At, file, w.line, w.text)
	}
}

func TestCiscoIOSIKEv2(t *testing.T) {
	file := filepath.Join("testdata", "cisco", "ios-ikev2.cfg")
	g := vendorLoad(t, file)
	if len(g.Conns) != 2 {
		t.Fatalf("%d conns; want 2", len(g.Conns))
	}
	c := g.Conns[0]
	if c.Name != "V2-MAP 10" || c.Version != 2 {
		t.Errorf("conn %q version %d", c.Name, c.Version)
	}
	// The policy's proposals in its order (UNUSED is in no policy); PRF from integrity
	// where no prf line is written.
	wantStrings(t, "IKE", offerTexts(c.IKE),
		"proposal PROP-CBC: AES-CBC-256/AES-CBC-128 HMAC-SHA2-256-128/HMAC-SHA1-96 PRF HMAC-SHA2-256/PRF HMAC-SHA1 MODP_2048",
		"proposal PROP-GCM: AES-GCM-16-256 PRF HMAC-SHA2-384 ECP_256/ECP_384")
	if c.IKE[0].Protocol != "IKE" || !reflect.DeepEqual(c.IKE[1].GroupIDs, []uint16{19, 20}) {
		t.Errorf("offers %+v", c.IKE)
	}
	wantSource(t, "proposal", c.IKE[0].At, file, 11, "crypto ikev2 proposal PROP-CBC")
	if c.LocalID.Value != "hq.example.net" || c.RemoteID.Value != "198.51.100.7" || c.LocalAuth.Value != "psk" || c.RemoteAuth.Value != "psk" {
		t.Errorf("profile: %+v", c)
	}
	wantSource(t, "RemoteAuth", c.RemoteAuth.At, file, 40, "authentication remote pre-share")
	wantSource(t, "LocalID", c.LocalID.At, file, 39, "identity local fqdn hq.example.net")
	ch := c.Children[0]
	wantStrings(t, "ESP (IKEv2 names)", offerTexts(ch.ESP), "TS-V2: AES-CBC-256 HMAC-SHA2-256-128 MODP_2048")
	if ch.ESP[0].Mode != "" || ch.ESP[0].Lifetime != 0 {
		t.Errorf("IKEv2 ESP offer with IKEv1 attributes: %+v", ch.ESP[0])
	}
	wantStrings(t, "TS", append(settingValues(ch.LocalTS), settingValues(ch.RemoteTS)...), "10.1.0.0/16", "0.0.0.0/0")

	v := g.Conns[1] // tunnel interface with an IPsec profile
	if v.Name != "Tunnel1" || v.Version != 2 || v.LocalAuth.Value != "pubkey" || v.RemoteID.Value != "site-c.example.net" {
		t.Errorf("VTI %+v", v)
	}
	wantSource(t, "VTI", v.At, file, 68, "interface Tunnel1")
	wantStrings(t, "VTI addresses", append(settingValues(v.LocalAddrs), settingValues(v.RemoteAddrs)...), "192.0.2.1", "198.51.100.9")
	wantStrings(t, "VTI ESP", offerTexts(v.Children[0].ESP), "TS-V2-GCM: AES-GCM-16-256 ECP_256")
	wantStrings(t, "VTI TS", settingValues(v.Children[0].LocalTS), "0.0.0.0/0")

	if len(g.Secrets) != 3 {
		t.Fatalf("%d secrets; want 3", len(g.Secrets))
	}
	wantStrings(t, "keyring peer IDs", g.Secrets[1].IDs, "198.51.100.0/24", "site-c.example.net")
	wantSource(t, "keyring key", g.Secrets[2].At, file, 34, "pre-shared-key remote <secret>")
	if g.Secrets[0].Digest != sha256.Sum256([]byte("v2-key-bee")) || g.Secrets[2].Digest != sha256.Sum256([]byte("v2-remote-cee")) {
		t.Errorf("digests")
	}
}

func TestCiscoIOSIKEv2DefaultProposal(t *testing.T) {
	file := filepath.Join(t.TempDir(), "router.cfg")
	conf := "crypto ikev2 profile P\n authentication remote pre-share\n authentication local pre-share\n!\n" +
		"crypto ipsec transform-set T esp-aes esp-sha-hmac\n!\ncrypto map M 5 ipsec-isakmp\n set peer 192.0.2.9\n set transform-set T\n set ikev2-profile P\n"
	if err := os.WriteFile(file, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	g := vendorLoad(t, file)
	c := g.Conns[0]
	// No IKEv2 policy: IOS's default proposal (IKEv2 Smart Defaults).
	wantStrings(t, "IKE", offerTexts(c.IKE), "default: AES-CBC-256/AES-CBC-192/AES-CBC-128 "+
		"HMAC-SHA2-512-256/HMAC-SHA2-384-192/HMAC-SHA2-256-128/HMAC-SHA1-96/HMAC-MD5-96 "+
		"PRF HMAC-SHA2-512/PRF HMAC-SHA2-384/PRF HMAC-SHA2-256/PRF HMAC-SHA1/PRF HMAC-MD5 MODP_1536/MODP_1024")
	wantSource(t, "default proposal", c.IKE[0].At, file, 10, "set ikev2-profile P")
	wantStrings(t, "ESP", offerTexts(c.Children[0].ESP), "T: AES-CBC-128 HMAC-SHA1-96 no PFS")
}

func TestCiscoASASiteToSite(t *testing.T) {
	file := filepath.Join("testdata", "cisco", "asa-s2s.cfg")
	g := vendorLoad(t, file)
	if g.Format != FormatCiscoASA || len(g.Conns) != 3 {
		t.Fatalf("format %q, %d conns", g.Format, len(g.Conns))
	}
	v1 := []string{"policy 10: AES-CBC-256 SHA1 MODP_1024 PSK 24h", "policy 20: 3DES MD5 MODP_1536 PSK 12h",
		"policy 30: 3DES SHA1 MODP_1024 RSA 24h"} // policy 30: ASA defaults (3DES, SHA, RSA signatures, group 2)
	v2 := []string{"policy 10: AES-CBC-256 HMAC-SHA2-256-128 PRF HMAC-SHA2-256 MODP_2048/ECP_256",
		"policy 20: AES-GCM-16-256 PRF HMAC-SHA2-384 ECP_521"}

	c := g.Conns[0]
	if c.Name != "OUTSIDE-MAP 10" || c.Version != 1 || !c.Aggressive {
		t.Errorf("conn %q version %d aggressive %v", c.Name, c.Version, c.Aggressive)
	}
	wantSource(t, "conn", c.At, file, 57, "crypto map OUTSIDE-MAP 10 match address B2-ACL")
	wantStrings(t, "IKE", offerTexts(c.IKE), v1...)
	wantSource(t, "policy", c.IKE[0].At, file, 91, "crypto ikev1 policy 10")
	wantStrings(t, "LocalAddrs (crypto map ... interface outside)", settingValues(c.LocalAddrs), "192.0.2.10")
	ch := c.Children[0]
	wantStrings(t, "LocalTS (netmasks)", settingValues(ch.LocalTS), "10.1.0.0/16", "10.1.9.9/32")
	wantStrings(t, "RemoteTS (a name, any4)", settingValues(ch.RemoteTS), "10.2.0.0/16", "0.0.0.0/0")
	wantSource(t, "TS", ch.RemoteTS[0].At, file, 40, "access-list B2-ACL extended permit ip 10.1.0.0 255.255.0.0 BRANCH-NET 255.255.0.0")
	wantStrings(t, "ESP (IKEv1 names, global lifetime, set pfs group5)", offerTexts(ch.ESP),
		"ESP-AES256-SHA: AES-CBC-256 HMAC-SHA1 MODP_1536 Transport 8h", "ESP-3DES-MD5: 3DES HMAC-MD5 MODP_1536 8h")

	c = g.Conns[1]
	if c.Version != 2 || c.LocalAuth.Value != "psk" || c.RemoteAuth.Value != "psk" {
		t.Errorf("conn 20 %+v", c)
	}
	wantSource(t, "RemoteAuth", c.RemoteAuth.At, file, 104, "ikev2 remote-authentication pre-shared-key <secret>")
	wantStrings(t, "RemoteAddrs", settingValues(c.RemoteAddrs), "198.51.100.30", "198.51.100.31")
	wantStrings(t, "IKE", offerTexts(c.IKE), v2...)
	ch = c.Children[0]
	wantStrings(t, "LocalTS (object-group with nested groups)", settingValues(ch.LocalTS), "10.1.0.0/16", "10.1.9.9/32")
	wantStrings(t, "RemoteTS", settingValues(ch.RemoteTS), "10.4.0.0/24", "10.5.5.5/32", "10.3.0.0/16", "2001:db8:3::/48")
	wantSource(t, "TS at the object", ch.LocalTS[0].At, file, 23, "subnet 10.1.0.0 255.255.0.0")
	wantStrings(t, "ESP (IPsec proposals)", offerTexts(ch.ESP),
		"AES256-SHA256: AES-CBC-256/AES-GCM-16-256 HMAC-SHA2-256-128/HMAC-SHA1-96 MODP_2048", "GCM: AES-GCM-16-256 MODP_2048")

	c = g.Conns[2] // both versions: either accepted
	if c.Version != 0 || c.LocalAuth.Value != "pubkey" {
		t.Errorf("conn 30 version %d auth %q", c.Version, c.LocalAuth.Value)
	}
	wantStrings(t, "IKE", offerTexts(c.IKE), append(append([]string(nil), v1...), v2...)...)
	wantStrings(t, "ESP", offerTexts(c.Children[0].ESP), "ESP-3DES-MD5: 3DES HMAC-MD5 no PFS 8h", "GCM: AES-GCM-16-256 no PFS")

	if len(g.Secrets) != 4 {
		t.Fatalf("%d secrets; want 4", len(g.Secrets))
	}
	for i, w := range []struct {
		id, key string
		line    int
	}{{"198.51.100.20", "asa-v1-key-twenty", 101}, {"198.51.100.30", "asa-v2-remote-thirty", 104}, {"198.51.100.30", "asa-v2-local-thirty", 105}, {"198.51.100.40", "", 108}} {
		s := g.Secrets[i]
		digest := sha256.Sum256([]byte(w.key))
		if w.key == "" {
			digest = [32]byte{} // show running-config writes *****: the key is not known
		}
		if s.IDs[0] != w.id || s.Digest != digest || s.At.Line != w.line || !strings.Contains(s.At.Text, "<secret>") {
			t.Errorf("secret %d: %+v", i, s)
		}
	}
}

func TestCiscoASARemoteAccess(t *testing.T) {
	file := filepath.Join("testdata", "cisco", "asa-ra.cfg")
	g := vendorLoad(t, file)
	if len(g.Conns) != 1 {
		t.Fatalf("%d conns", len(g.Conns))
	}
	c := g.Conns[0]
	if c.Name != "dynamic-map RA-DYN 10" || c.Version != 1 || c.RemoteAuth.Value != "psk+xauth" || c.LocalAuth.Value != "psk" {
		t.Errorf("conn %+v", c)
	}
	wantStrings(t, "RemoteAddrs", settingValues(c.RemoteAddrs), "%any")
	wantStrings(t, "LocalAddrs", settingValues(c.LocalAddrs), "192.0.2.50")
	wantStrings(t, "IKE (clients offer XAUTH)", offerTexts(c.IKE), "policy 10: AES-CBC-256 SHA1 MODP_1024 XAUTH-PSK 24h")
	if len(c.Pools) != 1 || c.Pools[0].Value != "10.50.0.10-10.50.0.200" {
		t.Fatalf("pools %+v", c.Pools)
	}
	wantSource(t, "pool", c.Pools[0].At, file, 10, "ip local pool RA-POOL 10.50.0.10-10.50.0.200 mask 255.255.255.0")
	ch := c.Children[0]
	if ch.LocalTS != nil || ch.RemoteTS != nil {
		t.Errorf("TS %+v", ch)
	}
	wantStrings(t, "ESP", offerTexts(ch.ESP), "RA-TS: AES-CBC-256 HMAC-SHA1 no PFS 8h")
	if ch.ESP[0].Lifetime != 8*time.Hour {
		t.Errorf("lifetime %v", ch.ESP[0].Lifetime)
	}
	if len(g.Secrets) != 1 || g.Secrets[0].IDs[0] != "RA-GROUP" || g.Secrets[0].Digest != sha256.Sum256([]byte("ra-group-key")) {
		t.Errorf("secrets %+v", g.Secrets)
	}
}

func TestCiscoMasksToPrefixes(t *testing.T) {
	for _, tc := range []struct {
		addr, mask string
		wildcard   bool
		want       string
		ok         bool
	}{
		{"10.1.0.0", "0.0.255.255", true, "10.1.0.0/16", true},
		{"10.1.2.3", "0.0.0.255", true, "10.1.2.0/24", true},
		{"10.1.2.3", "0.0.0.0", true, "10.1.2.3/32", true},
		{"0.0.0.0", "255.255.255.255", true, "0.0.0.0/0", true},
		{"10.1.0.0", "0.0.254.255", true, "", false},
		{"10.1.0.0", "255.255.0.0", false, "10.1.0.0/16", true},
		{"192.168.7.77", "255.255.255.192", false, "192.168.7.64/26", true},
		{"10.1.0.0", "255.0.255.0", false, "", false},
		{"10.1.0.0", "junk", false, "", false},
	} {
		got, ok := vendorPrefix(tc.addr, tc.mask, tc.wildcard)
		if got != tc.want || ok != tc.ok {
			t.Errorf("vendorPrefix(%s, %s, %v) = %q %v; want %q %v", tc.addr, tc.mask, tc.wildcard, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCiscoErrorHoldsNoKey(t *testing.T) {
	file := filepath.Join(t.TempDir(), "router.cfg")
	conf := "hostname r\ncrypto isakmp policy 1\n encr aes\ncrypto isakmp key error-key-xyz\n"
	if err := os.WriteFile(file, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(file)
	vendorWantError(t, err, file, 4, "crypto isakmp key")
}

func TestCiscoIOSEasyVPN(t *testing.T) {
	file := filepath.Join("testdata", "cisco", "ios-ezvpn.cfg")
	g := vendorLoad(t, file)
	if len(g.Conns) != 1 {
		t.Fatalf("%d conns", len(g.Conns))
	}
	c := g.Conns[0]
	if c.Name != "dynamic-map EZ-DYN 10" || c.LocalAuth.Value != "psk" || c.RemoteAuth.Value != "psk+xauth" {
		t.Errorf("conn %+v", c)
	}
	wantSource(t, "conn", c.At, file, 19, "crypto dynamic-map EZ-DYN 10")
	wantStrings(t, "addresses", append(settingValues(c.LocalAddrs), settingValues(c.RemoteAddrs)...), "192.0.2.60", "%any")
	wantStrings(t, "IKE", offerTexts(c.IKE), "policy 10: AES-CBC-192 SHA1 MODP_1024 XAUTH-PSK 24h")
	if len(c.Pools) != 1 || c.Pools[0].Value != "10.8.0.1-10.8.0.50" {
		t.Fatalf("pools %+v", c.Pools)
	}
	wantSource(t, "pool", c.Pools[0].At, file, 32, "ip local pool EZ-POOL 10.8.0.1 10.8.0.50")
	wantStrings(t, "ESP", offerTexts(c.Children[0].ESP), "EZ-TS: AES-CBC-128 HMAC-SHA1 no PFS 1h")
	if len(g.Secrets) != 1 || g.Secrets[0].IDs[0] != "REMOTE" || g.Secrets[0].Digest != sha256.Sum256([]byte("ezvpn-group-key")) {
		t.Errorf("secrets %+v", g.Secrets)
	}
	wantSource(t, "group key", g.Secrets[0].At, file, 13, "key <secret>")
}

package ikecrypt

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

// A `setkey -D` dump as ipsec-tools' pfkey_dump.c prints one SA (racoon is not packaged
// on the machine these tests were written on: the layout is taken from setkey(8) and
// pfkey_dump.c, "E: ALG " then the key in 4-byte groups, 32 bytes a line). The keys are
// those of tcpdump's 02-sunrise-sunset-esp.pcap: the 3DES key of TESTS.txt's esp1 and the
// HMAC-MD5 key FreeS/WAN's test made it with ("ipsec spi ... --esp 3des-md5-96 --authkey
// 0x87658765876587658765876587658765"), which the ICV check confirms.
const setkeySunrise = `192.1.2.23 192.1.2.45
	esp mode=tunnel spi=305419896(0x12345678) reqid=0(0x00000000)
	E: 3des-cbc  40434345 45464649 494a4a4c 4c4f4f51 51525254 54575758
	A: hmac-md5  87658765 87658765 87658765 87658765
	seq=0x00000000 replay=4 flags=0x00000000 state=mature 
	created: Nov 22 06:49:22 2026	current: Nov 22 06:49:30 2026
	diff: 8(s)	hard: 0(s)	soft: 0(s)
	last:                     	hard: 0(s)	soft: 0(s)
	current: 0(bytes)	hard: 0(bytes)	soft: 0(bytes)
	allocated: 0	hard: 0	soft: 0
	sadb_seq=1 pid=4242 refcnt=0
192.0.2.2 192.0.2.1
	esp mode=transport spi=3321422033(0xc5f8e0d1) reqid=0(0x00000000)
	E: aes-cbc  a24ac0e7 1b8a2e5d 00112233 44556677 8899aabb ccddeeff 01234567 89abcdef
	A: hmac-sha512  60616263 64656667 68696a6b 6c6d6e6f 70717273 74757677 78797a7b 7c7d7e7f
 60616263 64656667 68696a6b 6c6d6e6f 70717273 74757677 78797a7b 7c7d7e7f
	seq=0x00000000 replay=4 flags=0x00000000 state=mature 
	sadb_seq=0 pid=4242 refcnt=0
`

func TestESPSetkey(t *testing.T) {
	keys := parseKeysText(t, "setkey.txt", setkeySunrise)
	if len(keys.ESP) != 2 {
		t.Fatalf("%d ESP keys, want 2", len(keys.ESP))
	}
	k := keys.ESP[1]
	if k.SPI != 0xc5f8e0d1 || k.Encr != (Encr{EncrAESCBC, 256}) || k.Integ.ID != IntegHMACSHA512256 || len(k.IntegKey) != 64 || k.ICVLen != 32 ||
		k.Src != netip.MustParseAddr("192.0.2.2") || k.Source != "setkey.txt:13" {
		t.Errorf("second SA: %+v", k)
	}
	got := openESPCapture(t, corpusFile(t, "tcpdump/tests/02-sunrise-sunset-esp.pcap"), keys)
	for _, f := range got {
		if f.inner == nil || f.inner.Err != nil || f.inner.Integrity != "verified" || f.inner.Dst != netip.MustParseAddr("192.0.1.1") {
			t.Errorf("frame %d: %s (%+v)", f.frame, innerLine(f.inner), f.inner)
		}
	}
}

func TestESPKeyFormats(t *testing.T) {
	cases := []struct {
		name, text string
		spi        uint32
		anySPI     bool
		src, dst   string
		encr       Encr
		integ      uint16
		integKey   int
		icv        int
	}{
		{"tcpdump with address", "0xd1234567@192.1.2.45 aes256-cbc-hmac96:0xaaaabbbbccccdddd4043434545464649494a4a4c4c4f4f515152525454575758",
			0xd1234567, false, "", "192.1.2.45", Encr{EncrAESCBC, 256}, 0, 0, 12},
		{"tcpdump blowfish text key", "blowfish-cbc:0123456789abcdef", 0, true, "", "", Encr{EncrBlowfish, 128}, 0, 0, 0},
		{"tcpdump cast IPv6", "0x10@2001:db8::1 cast128-cbc-hmac96:0x000102030405060708090a0b0c0d0e0f", 0x10, false, "", "2001:db8::1", Encr{EncrCAST, 128}, 0, 0, 12},
		{"tcpdump des", "0x1@192.0.2.1 des-cbc:0x0001020304050607", 1, false, "", "192.0.2.1", Encr{ID: EncrDES}, 0, 0, 0},
		{"tcpdump none", "0x1@192.0.2.1 none:0x", 1, false, "", "192.0.2.1", Encr{ID: EncrNull}, 0, 0, 0},
		{"wireshark any", `"IPv4","*","192.0.2.2","*","AES-GCM with 16 octet ICV [RFC4106]","0x000102030405060708090a0b0c0d0e0f10111213","NULL",""`,
			0, true, "", "192.0.2.2", Encr{EncrAESGCM16, 128}, 0, 0, 16},
		{"wireshark 3des sha256", `"IPv6","2001:db8::1","2001:db8::2","0x00000101","TripleDES-CBC [RFC2451]","0x000102030405060708090a0b0c0d0e0f1011121314151617","HMAC-SHA-256-128 [RFC4868]","0x000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f"`,
			0x101, false, "2001:db8::1", "2001:db8::2", Encr{ID: Encr3DES}, IntegHMACSHA256128, 32, 16},
		{"wireshark unchecked", `"IPv4","192.0.2.1","192.0.2.2","0x00000102","AES-CTR [RFC3686]","0x000102030405060708090a0b0c0d0e0f10111213","ANY 96 bit authentication [no checking]",""`,
			0x102, false, "192.0.2.1", "192.0.2.2", Encr{EncrAESCTR, 128}, 0, 0, 12},
		{"ip -s xfrm state", "src 198.51.100.1 dst 198.51.100.2\n\tproto esp spi 0x00000201(513) reqid 1(0x00000001) mode tunnel\n\treplay-window 0 seq 0x00000000 flag  (0x00000000)\n\tauth-trunc hmac(sha1) 0x000102030405060708090a0b0c0d0e0f10111213 (160 bits) 96\n\tenc cbc(aes) 0x000102030405060708090a0b0c0d0e0f (128 bits)\n\tlifetime config:\n\t  limit: soft (INF)(bytes), hard (INF)(bytes)\n",
			0x201, false, "198.51.100.1", "198.51.100.2", Encr{EncrAESCBC, 128}, IntegHMACSHA196, 20, 12},
		{"xfrm auth without trunc", "src 198.51.100.1 dst 198.51.100.2\n\tproto esp spi 0x00000200 reqid 1 mode transport\n\tauth hmac(md5) 0x000102030405060708090a0b0c0d0e0f\n\tenc cbc(des3_ede) 0x000102030405060708090a0b0c0d0e0f1011121314151617\n",
			0x200, false, "198.51.100.1", "198.51.100.2", Encr{ID: Encr3DES}, IntegHMACMD596, 16, 12},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			keys := parseKeysText(t, "keys.txt", c.text+"\n")
			if len(keys.ESP) != 1 || len(keys.SAs) != 0 {
				t.Fatalf("%d ESP keys, %d IKE", len(keys.ESP), len(keys.SAs))
			}
			k := keys.ESP[0]
			addr := func(s string) netip.Addr {
				if s == "" {
					return netip.Addr{}
				}
				return netip.MustParseAddr(s)
			}
			if k.SPI != c.spi || k.AnySPI != c.anySPI || k.Src != addr(c.src) || k.Dst != addr(c.dst) || k.Encr != c.encr ||
				k.Integ.ID != c.integ || len(k.IntegKey) != c.integKey || k.ICVLen != c.icv || !strings.HasPrefix(k.Source, "keys.txt:") {
				t.Errorf("got %+v", k)
			}
		})
	}
}

func TestESPKeyErrors(t *testing.T) {
	cases := []struct{ name, text, want string }{
		{"tcpdump unknown cipher", "0x1@192.0.2.1 rc4-hmac96:0x00\n", `keys.txt:1: unknown algorithm "rc4-hmac96"`},
		{"tcpdump bad address", "0x1@192.0.2.300 3des-cbc:0x00\n", `keys.txt:1: "192.0.2.300" is not an IPv4 or IPv6 address`},
		{"tcpdump short key", "# comment\n0x1@192.0.2.1 aes128-cbc:0x0001\n", `keys.txt:2: encryption key is 2 bytes, but AES-CBC-128 needs 16`},
		{"tcpdump bad hex", "0x1@192.0.2.1 3des-cbc:0xzz\n", `keys.txt:1: key: "zz" is not hex`},
		{"wireshark unknown alg", `"IPv4","*","*","*","ROT13","0x00","NULL",""` + "\n", `keys.txt:1: field 5: unknown encryption algorithm "ROT13"`},
		{"wireshark bad spi", `"IPv4","*","*","0xfffffffff","NULL","","NULL",""` + "\n", `keys.txt:1: field 4: SPI "0xfffffffff" is not a 32-bit number or *`},
		{"wireshark key length", `"IPv4","*","*","0x1","AES-CBC [RFC3602]","0x0001","NULL",""` + "\n", `keys.txt:1: AES-CBC: key length 16 bits`},
		{"xfrm unknown enc", "src 192.0.2.1 dst 192.0.2.2\n\tproto esp spi 0x1 reqid 1 mode tunnel\n\tenc cbc(serpent) 0x00\n", `keys.txt:3: unknown enc algorithm "cbc(serpent)"`},
		{"xfrm bad trunc", "src 192.0.2.1 dst 192.0.2.2\n\tproto esp spi 0x1 reqid 1 mode tunnel\n\tauth-trunc hmac(sha256) 0x00 100\n", `keys.txt:3: unknown auth-trunc algorithm "hmac(sha256)" with 100 bits`},
		{"xfrm no enc", "src 192.0.2.1 dst 192.0.2.2\n\tproto esp spi 0x1 reqid 1 mode tunnel\n\tauth-trunc hmac(sha1) 0x0001020304050607080910111213141516171819 96\n", `keys.txt:2: ESP state spi 0x00000001 has no enc or aead line`},
		{"xfrm short aead", "src 192.0.2.1 dst 192.0.2.2\n\tproto esp spi 0x1 reqid 1 mode tunnel\n\taead rfc4106(gcm(aes)) 0x0011\n", `keys.txt:3: aead: expected "aead NAME 0xKEY BITS"`},
		{"xfrm key length", "src 192.0.2.1 dst 192.0.2.2\n\tproto esp spi 0x1 reqid 1 mode tunnel\n\tenc cbc(des3_ede) 0x0011\n", `keys.txt:2: spi 0x00000001: encryption key is 2 bytes, but 3DES needs 24`},
		{"xfrm garbage", "src 192.0.2.1 dst 192.0.2.2\nhello\n", `keys.txt:2: expected ` + "`ip xfrm state`"},
		{"setkey unknown", "192.0.2.1 192.0.2.2\n\tesp mode=tunnel spi=1(0x00000001) reqid=0(0x00000000)\n\tE: twofish-cbc  00010203 04050607 08090a0b 0c0d0e0f\n", `keys.txt:2: spi 0x00000001: unknown encryption algorithm "twofish-cbc"`},
		{"setkey bad address", "192.0.2.1 nowhere\n\tesp mode=tunnel spi=1(0x00000001) reqid=0(0x00000000)\n", `keys.txt:1: expected "SOURCE DESTINATION" addresses`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseKeys("keys.txt", strings.NewReader(c.text))
			var le *LineError
			if !errors.As(err, &le) {
				t.Fatalf("error %v, want a *LineError", err)
			}
			if !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q, want one line starting %q", err, c.want)
			}
		})
	}
}

// ESP keys alone are keys; AH states are skipped, and a dump of only those has none.
func TestESPKeysOnly(t *testing.T) {
	if _, err := ParseKeys("x", strings.NewReader("src 192.0.2.1 dst 192.0.2.2\n\tproto ah spi 0x1 reqid 1 mode tunnel\n\tauth-trunc hmac(sha1) 0x00 96\n")); !errors.Is(err, ErrNoKeys) {
		t.Errorf("AH only: %v, want ErrNoKeys", err)
	}
	k := parseKeysText(t, "x", "0x1@192.0.2.1 3des-cbc:0x000102030405060708090a0b0c0d0e0f1011121314151617\n")
	m := &Keys{}
	m.Merge(k)
	m.Merge(k)
	if len(m.ESP) != 1 {
		t.Errorf("merged twice: %d ESP keys, want 1", len(m.ESP))
	}
}

// What ikescope keys writes as esp_sa reads back as the same keys, and Wireshark's own
// table's rows come out as Wireshark wrote them.
func TestESPWriteWiresharkESPSA(t *testing.T) {
	keys := parseKeysText(t, "xfrm-state.txt", espKernelStates)
	var b strings.Builder
	if err := keys.WriteWiresharkESPSA(&b); err != nil {
		t.Fatal(err)
	}
	again := parseKeysText(t, "esp_sa", b.String())
	// XCBC is not in Wireshark's list: written as a comment.
	if len(again.ESP) != len(keys.ESP)-1 || !strings.Contains(b.String(), "# xfrm-state.txt:") {
		t.Fatalf("%d keys read back from\n%s", len(again.ESP), b.String())
	}
	for i, e := range again.ESP {
		o := keys.ESP[i]
		if o.Integ.ID == IntegAESXCBC96 {
			o = keys.ESP[i+1]
		}
		if e.SPI != o.SPI || e.Encr != o.Encr || string(e.EncKey) != string(o.EncKey) || e.Integ != o.Integ || string(e.IntegKey) != string(o.IntegKey) || e.ICVLen != o.ICVLen {
			t.Errorf("%08x: %+v, want %+v", o.SPI, e, o)
		}
	}
	ws := readFile(t, corpusFile(t, "wireshark/test/config/esp_sa.tmpl"))
	b.Reset()
	if err := loadKeys(t, corpusFile(t, "wireshark/test/config/esp_sa.tmpl")).WriteWiresharkESPSA(&b); err != nil {
		t.Fatal(err)
	}
	if got := strings.SplitN(b.String(), "\n", 2)[1]; got != ws {
		t.Errorf("esp_sa.tmpl written back:\n%s\nwant\n%s", got, ws)
	}
}

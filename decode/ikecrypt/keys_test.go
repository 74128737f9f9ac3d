package ikecrypt

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ikescope/ikescope/decode"
)

func TestParseKeyTables(t *testing.T) {
	k := loadKeys(t,
		corpusFile(t, "wireshark/test/config/ikev1_decryption_table.tmpl"),
		corpusFile(t, "wireshark/test/config/ikev2_decryption_table.tmpl"))
	var v1, v2 int
	for _, sa := range k.SAs {
		if sa.Version == 1 {
			v1++
		} else {
			v2++
		}
	}
	if v1 != 3 || v2 != 9 {
		t.Fatalf("%d IKEv1 and %d IKEv2 key sets, want 3 and 9", v1, v2)
	}
	var ctr *SAKeys
	for _, sa := range k.SAs {
		if fmt.Sprintf("%x", sa.InitiatorSPI) == "81f24c0acd8fa55c" {
			ctr = sa
		}
	}
	if ctr == nil || fmt.Sprintf("%x", ctr.ResponderSPI) != "192383172724c706" || ctr.Encr != (Encr{EncrAESCTR, 192}) ||
		ctr.Integ != (Integ{ID: IntegHMACSHA512256}) || len(ctr.SKei) != 28 || len(ctr.SKai) != 64 ||
		ctr.Source != "ikev2_decryption_table.tmpl:6" {
		t.Errorf("AES-CTR-192 row: %+v", ctr)
	}
}

func TestParseIKELines(t *testing.T) {
	k := loadKeys(t, corpusFile(t, "tcpdump/tests/ikev2pI2-secrets.txt"))
	if len(k.SAs) != 1 {
		t.Fatalf("%d key sets, want the I and R lines merged into 1", len(k.SAs))
	}
	sa := k.SAs[0]
	if sa.Encr != (Encr{EncrAESCBC, 128}) || sa.Integ.ID != IntegHMACSHA196 ||
		fmt.Sprintf("%x", sa.SKei) != "3f44bf47cafd8150591deb088199fcbf" || fmt.Sprintf("%x", sa.SKar) != "515b0bd22e6d76b34fdb760aa7bfad80b109b75d" {
		t.Errorf("%+v", sa)
	}

	// libreswan writes the same lines into its log with plutodebug=private, after a
	// prefix; its names carry the key length ("aes_gcm_16256").
	log := `Nov 22 06:50:20.832451: "gw-gw" #1: initiating IKEv2 connection
| ikev2 I 0x25565c4e405a6bff 0xa65d2246b789803c none:0x aes_gcm_16256:0x` + strings.Repeat("11", 36) + `
| ikev2 R 0x25565c4e405a6bff 0xa65d2246b789803c none:0x aes_gcm_16256:0x` + strings.Repeat("22", 36) + `
Nov 22 06:50:20.840000: "gw-gw" #1: established IKE SA
`
	k, err := ParseKeys("pluto.log", strings.NewReader(log))
	if err != nil {
		t.Fatal(err)
	}
	if len(k.SAs) != 1 || k.SAs[0].Encr != (Encr{EncrAESGCM16, 256}) || len(k.SAs[0].SKer) != 36 || k.SAs[0].Source != "pluto.log:2, pluto.log:3" {
		t.Errorf("%+v", k.SAs[0])
	}

	for _, tt := range []struct{ name, want string }{
		{"aes128", "AES-CBC-128"}, {"aes-256-cbc", "AES-CBC-256"}, {"3des", "3DES"}, {"des-ede3-cbc", "3DES"},
		{"aes_ctr192", "AES-CTR-192"}, {"aes_gcm128", "AES-GCM-128 with 8 octet ICV"}, {"aes_ccm_12256", "AES-CCM-256 with 12 octet ICV"},
		{"AES_GCM_16_128", "AES-GCM-128 with 16 octet ICV"}, {"chacha20_poly1305", "ChaCha20-Poly1305"}, {"BLOWFISH_CBC_128", "Blowfish-128"},
		{"cast", "CAST-128"}, {"null", "NULL"},
	} {
		e, ok := tcpdumpEncr(tt.name, 16)
		if !ok || e.String() != tt.want {
			t.Errorf("tcpdumpEncr(%q) = %v, %v; want %s", tt.name, e, ok, tt.want)
		}
	}
}

func TestParseCharonLogs(t *testing.T) {
	tests := []struct {
		log    string
		v2     bool
		encr   string
		spiLog string // a capture whose first message holds the SPIs
	}{
		{"ikev2-psk.initiator.log", true, "AES-CBC-256", "ikev2-psk.pcap"},
		{"ikev2-psk.responder.log", true, "AES-CBC-256", "ikev2-psk.pcap"},
		{"ikev2-ipv6-cert.responder.log", true, "AES-GCM-256 with 16 octet ICV", "ikev2-ipv6-cert.pcapng"},
		{"ikev1-main-psk.initiator.log", false, "", "ikev1-main-psk.pcap"},
		{"ikev1-main-psk.responder.log", false, "", "ikev1-main-psk.pcap"},
		{"ikev1-aggressive-psk.initiator.log", false, "", "ikev1-aggressive-psk.pcap"},
	}
	for _, tt := range tests {
		t.Run(tt.log, func(t *testing.T) {
			k := loadKeys(t, pcapsFile(t, tt.log, false))
			if len(k.SAs) != 1 {
				t.Fatalf("%d key sets, want 1", len(k.SAs))
			}
			sa := k.SAs[0]
			// The SPIs must be those of the capture recorded with the log.
			r, err := decode.Open(pcapsFile(t, tt.spiLog, false))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var spiI, spiR [8]byte
			for r.Next() {
				if m := r.Message().ISAKMP; m != nil && m.ResponderSPI != [8]byte{} {
					spiI, spiR = m.InitiatorSPI, m.ResponderSPI
					break
				}
			}
			if sa.InitiatorSPI != spiI || sa.ResponderSPI != spiR {
				t.Errorf("SPIs %x/%x, the capture has %x/%x", sa.InitiatorSPI, sa.ResponderSPI, spiI, spiR)
			}
			if tt.v2 {
				if sa.Version != 2 || sa.Encr.String() != tt.encr || sa.SKei == nil || sa.SKer == nil {
					t.Errorf("%+v", sa)
				}
			} else if sa.Version != 1 || len(sa.EncKey) == 0 || len(sa.IV) == 0 {
				t.Errorf("%+v", sa)
			}
		})
	}

	// Both peers' logs of one run give the same keys: one key set, two sources.
	k := loadKeys(t, pcapsFile(t, "ikev2-psk.initiator.log", false), pcapsFile(t, "ikev2-psk.responder.log", false))
	if len(k.SAs) != 1 || !strings.Contains(k.SAs[0].Source, "initiator.log") || !strings.Contains(k.SAs[0].Source, "responder.log") {
		t.Errorf("merged: %d sets, %+v", len(k.SAs), k.SAs[0])
	}
	// With different PSKs, IKEv1 keys differ: both are kept for the one SA.
	k = loadKeys(t, pcapsFile(t, "ikev1-main-psk-mismatch.initiator.log", false), pcapsFile(t, "ikev1-main-psk-mismatch.responder.log", false))
	if len(k.SAs) != 2 || k.SAs[0].InitiatorSPI != k.SAs[1].InitiatorSPI || bytes.Equal(k.SAs[0].EncKey, k.SAs[1].EncKey) {
		t.Errorf("mismatch logs: %d sets", len(k.SAs))
	}
}

// TestKeyFileErrors: a malformed key file line gives one error naming the file, the line
// and what was expected.
func TestKeyFileErrors(t *testing.T) {
	v2ok := `191ccd371a7a1f7b,bc123d15e4af593f,` + strings.Repeat("aa", 32) + `,` + strings.Repeat("bb", 32) + `,"AES-CBC-256 [RFC3602]",` + strings.Repeat("cc", 32) + `,` + strings.Repeat("dd", 32) + `,"HMAC_SHA2_256_128 [RFC4868]"`
	tests := []struct {
		name, text, want string
	}{
		{"five fields", "# comment\n" + v2ok + "\n1234567890123456,0987654321098765,aa,bb,\"NULL [RFC2410]\"\n",
			`keys.txt:3: expected "<SPIi>,<SPIr>,<SK_ei>,<SK_er>,\"<encryption>\",<SK_ai>,<SK_ar>,\"<integrity>\"" (8 fields, Wireshark's ikev2_decryption_table), got 5`},
		{"ikev1 row with three fields", "fafaeb49382a763c,735be0cb62f82675\nab3e0f1f8bc3be8e,9283,77\n",
			`keys.txt:2: expected "<initiator cookie>,<encryption key>" (2 fields, Wireshark's ikev1_decryption_table), got 3`},
		{"bad hex", strings.Replace(v2ok, "aaaa", "aaxa", 1) + "\n", `keys.txt:1: field 3 (SK_ei): "aaxa`},
		{"short SPI", "fafaeb49382a76,735be0cb62f82675\n", `keys.txt:1: field 1 (initiator cookie): want 8 bytes (16 hex digits), got 7`},
		{"unknown algorithm", strings.Replace(v2ok, "AES-CBC-256 [RFC3602]", "AES-XTS", 1) + "\n", `keys.txt:1: field 5: unknown encryption algorithm "AES-XTS"`},
		{"key length", strings.Replace(v2ok, "AES-CBC-256", "AES-CBC-128", 1) + "\n", `keys.txt:1: SK_ei is 32 bytes, but AES-CBC-128 needs 16`},
		{"not a key line", v2ok + "\nhello world\n", `keys.txt:2: expected a key line: `},
		{"short ikev2 line", "ikev2 I 0x0001020304050607 0xc02e7a3031a03188 sha1:0x4ea8\n", `keys.txt:1: expected "ikev2 I|R 0x<SPIi> 0x<SPIr> <integrity>:0x<SK_a> <encryption>:0x<SK_e>", got 5 fields`},
		{"unterminated quote", v2ok[:len(v2ok)-1] + "\n", `keys.txt:1: unterminated quoted field`},
		{"empty", "# nothing\n\n", `keys.txt: no keys found`},
		// ESP keys alone are keys now (TestESPKeyFormats); a broken one is a line error.
		{"ESP secret", "0x12345678@192.1.2.45 3des-cbc-hmac96:0x40434345\n", `keys.txt:1: encryption key is 4 bytes, but 3DES needs 24`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseKeys("keys.txt", strings.NewReader(tt.text))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error\n %v\nwant prefix\n %s", err, tt.want)
			}
			var le *LineError
			if strings.HasPrefix(tt.want, "keys.txt:1") || strings.HasPrefix(tt.want, "keys.txt:2") || strings.HasPrefix(tt.want, "keys.txt:3") {
				if !errors.As(err, &le) {
					t.Errorf("%T is not a *LineError", err)
				}
			}
		})
	}
	if _, err := LoadKeys(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestWriteWiresharkTables writes what a strongSwan log holds as Wireshark's tables and
// reads them back: the same keys (the "ikescope keys" command).
func TestWriteWiresharkTables(t *testing.T) {
	k := loadKeys(t,
		pcapsFile(t, "ikev2-psk.initiator.log", false),
		pcapsFile(t, "ikev2-ipv6-cert.initiator.log", false),
		pcapsFile(t, "ikev1-main-psk.initiator.log", false))
	k.SAs = append(k.SAs, &SAKeys{Version: 2, Encr: Encr{ID: EncrChaCha20Poly1305}, Integ: Integ{}, HasInteg: true,
		InitiatorSPI: [8]byte{1}, ResponderSPI: [8]byte{2}, SKei: make([]byte, 36), SKer: make([]byte, 36), Source: "x:1"})
	var v1, v2 bytes.Buffer
	if err := k.WriteWiresharkTables(&v1, &v2); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(v2.String(), "# x:1: Wireshark cannot decrypt ChaCha20-Poly1305") {
		t.Errorf("ikev2 table does not explain the key set it cannot hold:\n%s", v2.String())
	}
	back := &Keys{}
	for name, b := range map[string][]byte{"ikev1_decryption_table": v1.Bytes(), "ikev2_decryption_table": v2.Bytes()} {
		kk, err := ParseKeys(name, bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, b)
		}
		back.Merge(kk)
	}
	if len(back.SAs) != 3 {
		t.Fatalf("%d key sets read back, want 3:\n%s%s", len(back.SAs), v1.String(), v2.String())
	}
	for _, sa := range back.SAs {
		var o *SAKeys
		for _, c := range k.SAs {
			if c.Version == sa.Version && c.InitiatorSPI == sa.InitiatorSPI {
				o = c
			}
		}
		if o == nil {
			t.Fatalf("read back a key set that was not written: %+v", sa)
		}
		if sa.Version == 1 && (sa.InitiatorSPI != o.InitiatorSPI || !bytes.Equal(sa.EncKey, o.EncKey)) {
			t.Errorf("IKEv1 %+v != %+v", sa, o)
		}
		if sa.Version == 2 && (sa.InitiatorSPI != o.InitiatorSPI || sa.ResponderSPI != o.ResponderSPI || sa.Encr != o.Encr ||
			sa.Integ != o.Integ || !bytes.Equal(sa.SKei, o.SKei) || !bytes.Equal(sa.SKer, o.SKer) || !bytes.Equal(sa.SKai, o.SKai) || !bytes.Equal(sa.SKar, o.SKar)) {
			t.Errorf("IKEv2 %+v != %+v", sa, o)
		}
	}
}

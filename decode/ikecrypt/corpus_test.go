package ikecrypt

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ikescope/ikescope/decode"
)

// TestWiresharkCaptures decrypts the captures of Wireshark's decryption test suite
// (test/suite_decryption.py) with its key tables and asserts what that suite asserts
// after decryption (../shared/corpus/wireshark/EXPECTED.md): the AUTH data of IKE_AUTH,
// the IKEv1 HASH value, the certificate subject inside MM5/MM6. It also checks the inner
// payloads of every encrypted message.
func TestWiresharkCaptures(t *testing.T) {
	keys := loadKeys(t,
		corpusFile(t, "wireshark/test/config/ikev1_decryption_table.tmpl"),
		corpusFile(t, "wireshark/test/config/ikev2_decryption_table.tmpl"))
	v2auth := "IKE_AUTH:IDi N(INITIAL_CONTACT) IDr AUTH SA TSi TSr N(MULTIPLE_AUTH_SUPPORTED) N(EAP_ONLY_AUTHENTICATION)|" +
		"IKE_AUTH:IDr AUTH SA TSi TSr N(AUTH_LIFETIME)"
	v2info := "|INFORMATIONAL:D|INFORMATIONAL:"
	tests := []struct {
		file      string
		integrity Integrity
		want      string // "exchange:payloads" of each decrypted message, in order
		check     func(t *testing.T, got map[int]frameResult)
	}{
		{"ikev2-decrypt-3des-sha1_160.pcap", IntegrityVerified, v2auth + v2info, authData("02f7a0d5f1fdc8ea81039818c65bb9bd09af9b8917319b887ff9ba3046c344c7")},
		// Wireshark's key row decrypts this CCM capture as AES-CTR without checking the
		// ICV ("decrypted in CTR mode without ICV check"); so does ikescope.
		{"ikev2-decrypt-aes128ccm12-2.pcap", IntegrityNotChecked, v2auth + v2info, authData("aaa281c87b4a19046c57271d557488ca413b57228cb951f5fa9640992a0285b9")},
		{"ikev2-decrypt-aes128ccm12.pcap", IntegrityVerified, v2auth + v2info, authData("c2104394299e1ffe7908ea720ad5d13717a0d454e4fa0a2128ea689411f479c4")},
		{"ikev2-decrypt-aes192ctr.pcap", IntegrityVerified, v2auth + v2info, authData("3ec23dcf9348485638407c754547aeb3085290082c49f583fdbae59263a20b4a")},
		{"ikev2-decrypt-aes256cbc.pcapng", IntegrityVerified, v2auth, authData("e1a8d550064201a7ec024a85758d0673c61c5c510ac13bcd225d6327f50da3d3")},
		{"ikev2-decrypt-aes256ccm16.pcapng", IntegrityVerified, v2auth, authData("fa2e74bdc01e30fb0b3ddc9723c9449095969da51f69e560209d2c2b7940210a")},
		{"ikev2-decrypt-aes256gcm16.pcap", IntegrityVerified, v2auth + v2info, authData("9ab71f14ab553cad873a1aa70b99df155dee77cdcf3694b3b7527acbb9712ded")},
		{"ikev2-decrypt-aes256gcm8.pcap", IntegrityVerified, v2auth + v2info, authData("4a66d822d0afbc22ad9a92a2cf4287c920ad8ac3b069a4a7e75fe0a5d499f914")},
		{"ikev1-bug-12610.pcapng.gz", IntegrityNotChecked,
			"Main Mode:ID HASH|Main Mode:ID HASH|Transaction:HASH ATTR|Informational:HASH N(INITIAL-CONTACT)|" +
				"Transaction:HASH ATTR|Transaction:HASH ATTR|Transaction:HASH ATTR|Transaction:HASH ATTR|Transaction:HASH ATTR|" +
				"Quick Mode:HASH SA NONCE ID ID|Quick Mode:HASH SA NONCE ID ID|Quick Mode:HASH",
			hashData("b52521f774967402c9f6cee95fd17e5b")},
		// Aggressive Mode whose AM3 is sent in the clear: the Phase 2 IVs derive from the
		// Phase 1 IV itself.
		{"ikev1-bug-12620.pcapng.gz", IntegrityNotChecked,
			"Informational:HASH N(INITIAL-CONTACT)|Transaction:HASH ATTR|Transaction:HASH ATTR|Transaction:HASH ATTR|" +
				"Transaction:HASH ATTR|Transaction:HASH ATTR|Transaction:HASH ATTR",
			hashData("40043b640f4373250d5ac3a1fb63153c")},
		{"ikev1-certs.pcap", IntegrityNotChecked,
			"Main Mode:ID CERT CERTREQ SIG|Main Mode:ID CERT SIG|Quick Mode:HASH SA NONCE KE ID ID|" +
				"Quick Mode:HASH SA NONCE KE ID ID|Quick Mode:HASH SA NONCE KE ID ID|Quick Mode:HASH",
			// Wireshark's test finds "OpenSwan" in a certificate's printableString: the
			// initiator's certificate, CN=OpenSwan, inside MM5.
			func(t *testing.T, got map[int]frameResult) {
				var subjects []string
				for _, f := range sortedFrames(got) {
					for _, p := range f.res.Payloads {
						if p.Type == decode.PayloadV1Cert && p.Cert != nil && p.Cert.Subject != "" {
							subjects = append(subjects, fmt.Sprintf("%d:%s", f.frame, p.Cert.Subject))
						}
					}
				}
				want := []string{"5:CN=OpenSwan,OU=Lab,O=Juniper,L=Wien,ST=Wien,C=AT", "6:CN=srx210-3,OU=Lab,O=Juniper,L=Wien,ST=Wien,C=AT"}
				if !slices.Equal(subjects, want) {
					t.Errorf("certificate subjects %q, want %q", subjects, want)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got := decryptCapture(t, corpusFile(t, "wireshark/test/captures/"+tt.file), keys)
			checkSequence(t, got, tt.want, tt.integrity)
			tt.check(t, got)
		})
	}
}

// checkSequence compares the decrypted messages, in frame order, with want:
// "exchange:payload types|...". Notify types are named; other values are left out.
func checkSequence(t *testing.T, got map[int]frameResult, want string, integrity Integrity) {
	t.Helper()
	var seq []string
	for _, f := range sortedFrames(got) {
		if f.err != nil {
			t.Errorf("frame %d: %v", f.frame, f.err)
			continue
		}
		r := f.res
		if !r.Decrypted {
			continue
		}
		if r.Integrity != integrity {
			t.Errorf("frame %d: integrity %s, want %s", f.frame, r.Integrity, integrity)
		}
		if len(r.Errors) > 0 {
			t.Errorf("frame %d: inner payload errors %v", f.frame, r.Errors)
		}
		var types []string
		for _, p := range r.Payloads {
			s := p.Type.String()
			if p.Notify != nil {
				s += "(" + decode.NotifyName(r.Version == 2, p.Notify.Type) + ")"
			}
			types = append(types, s)
		}
		seq = append(seq, fmt.Sprintf("%s:%s", r.Exchange, strings.Join(types, " ")))
	}
	if g := strings.Join(seq, "|"); g != want {
		t.Errorf("decrypted messages:\n got %s\nwant %s", strings.ReplaceAll(g, "|", "\n     "), strings.ReplaceAll(want, "|", "\n     "))
	}
}

func sortedFrames(got map[int]frameResult) []frameResult {
	var out []frameResult
	for _, f := range got {
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b frameResult) int { return a.frame - b.frame })
	return out
}

// authData checks that one decrypted AUTH payload holds want (hex), as Wireshark's
// isakmp.auth.data shows it.
func authData(want string) func(*testing.T, map[int]frameResult) {
	return func(t *testing.T, got map[int]frameResult) {
		t.Helper()
		var seen []string
		for _, f := range sortedFrames(got) {
			if p := find(f.res.Payloads, decode.PayloadAuth); p != nil && p.Auth != nil {
				seen = append(seen, fmt.Sprintf("%x", p.Auth.Data))
			}
		}
		if !slices.Contains(seen, want) {
			t.Errorf("AUTH data %v, want one to be %s", seen, want)
		}
	}
}

// hashData checks that one decrypted IKEv1 HASH payload starts with want (hex): Wireshark's
// test looks for that substring in the isakmp.hash field.
func hashData(want string) func(*testing.T, map[int]frameResult) {
	return func(t *testing.T, got map[int]frameResult) {
		t.Helper()
		for _, f := range got {
			for _, p := range f.res.Payloads {
				if p.Type == decode.PayloadV1Hash && strings.HasPrefix(fmt.Sprintf("%x", p.Data), want) {
					return
				}
			}
		}
		t.Errorf("no decrypted HASH payload holds %s", want)
	}
}

// TestTcpdumpIKEv2pI2 decrypts tcpdump's ikev2pI2 test with its -E secrets file and
// compares with the decrypted payload lines of ikev2pI2.out:
//
//	(v2IDi: len=8 0200000077657374 fqdn:west)
//	(v2auth: len=196 method=rsasig authdata=(000000...) ))
//
// The capture comes from a unit test (Openswan's parentI2) whose integrity checksum does
// not match the keys: tcpdump never checks it. ikescope does, and reports the failure;
// with the checksum not checked, as tcpdump reads the file, the payloads are tcpdump's.
func TestTcpdumpIKEv2pI2(t *testing.T) {
	pcap := corpusFile(t, "tcpdump/tests/ikev2pI2.pcap")
	keys := loadKeys(t, corpusFile(t, "tcpdump/tests/ikev2pI2-secrets.txt"))
	if len(keys.SAs) != 1 || keys.SAs[0].SKei == nil || keys.SAs[0].SKer == nil {
		t.Fatalf("the I and R lines should make one key set with both directions: %+v", keys.SAs)
	}
	got := decryptCapture(t, pcap, keys)
	f, ok := got[2]
	if !ok || !errors.Is(f.err, ErrIntegrity) || f.res == nil || f.res.Decrypted {
		t.Fatalf("frame 2: %+v, want the integrity error", f)
	}
	if !strings.Contains(f.err.Error(), "integrity check failed for SA 0x0001020304050607/0xc02e7a3031a03188") {
		t.Errorf("error %q does not name the SA", f.err)
	}
	// SK_ei opens it to IDi and AUTH with valid padding: only the checksum is wrong.
	if !errors.Is(f.err, decode.ErrChecksumOnly) || !strings.Contains(f.err.Error(), "the encryption key opens it to valid payloads") {
		t.Errorf("error %q does not say the encryption key opens the message", f.err)
	}

	asTcpdump := &Keys{}
	for _, sa := range keys.SAs {
		c := *sa
		c.Integ = Integ{Unchecked: 12} // tcpdump: "sha1" means a 12-byte ICV, never checked
		asTcpdump.SAs = append(asTcpdump.SAs, &c)
	}
	got = decryptCapture(t, pcap, asTcpdump)
	r := got[2].res
	if got[2].err != nil || r == nil || !r.Decrypted || r.Integrity != IntegrityNotChecked {
		t.Fatalf("frame 2: %+v %v", r, got[2].err)
	}
	if s := summary(r.Payloads, true); s != "IDi(west) AUTH" {
		t.Errorf("payloads %s, want IDi(west) AUTH", s)
	}
	// tcpdump's len= leaves out the 4-byte generic payload header.
	id := find(r.Payloads, decode.PayloadIDi)
	if fmt.Sprintf("%x", id.Body) != "0200000077657374" || id.Length-4 != 8 {
		t.Errorf("IDi len=%d %x, want len=8 0200000077657374", id.Length-4, id.Body)
	}
	auth := find(r.Payloads, decode.PayloadAuth)
	if auth.Length-4 != 196 || auth.Auth.Method != 1 || len(auth.Auth.Data) != 192 || strings.Trim(fmt.Sprintf("%x", auth.Auth.Data), "0") != "" {
		t.Errorf("AUTH len=%d method=%d data %x, want len=196 method=rsasig (1), 192 zero bytes", auth.Length-4, auth.Auth.Method, auth.Auth.Data)
	}
}

// TestPacketgenCaptures decrypts the IKE_AUTH request of packetgen-plugin-ipsec's two IKEv2
// captures with the keys its test suite uses (KEYS.md). KEYS.md gives no SPIs, so the keys
// are unbound and the Decrypter binds them where the checksum verifies. packetgen's test
// counts the message's payloads after decryption, the SK payload included: 11 and 12.
func TestPacketgenCaptures(t *testing.T) {
	tests := []struct {
		file, keys string
		n          int
	}{
		{"ikev2_cbc_hmac.pcapng", `# from KEYS.md: AES-CBC-128, HMAC-SHA2-256-128, initiator keys only
ikev2 I 0x0000000000000000 0x0000000000000000 sha256:0x8DAD540E7B992063CE893021DBF48051BA669F79B608FAB021742129AF192AD5 aes128:0x27A29D9516D8B657E4501D499CA35484`, 11 - 1},
		{"ikev2.pcapng", `# from KEYS.md: AES-GCM-16 with 256-bit key; SK_ei = key || salt
ikev2 I 0x0000000000000000 0x0000000000000000 none:0x aes_gcm_16:0xB37E73D129FFE681D2E3AA3728C2401ED50160E39FD55EF1A1EAE0D3F4AA6126D8B8A626`, 12 - 1},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			keys, err := ParseKeys("KEYS.md", strings.NewReader(tt.keys))
			if err != nil {
				t.Fatal(err)
			}
			got := decryptCapture(t, corpusFile(t, filepath.Join("packetgen-plugin-ipsec/spec", tt.file)), keys)
			f, ok := got[3]
			if !ok || f.err != nil || !f.res.Decrypted || f.res.Integrity != IntegrityVerified {
				t.Fatalf("frame 3: %+v", f)
			}
			if len(f.res.Payloads) != tt.n || len(f.res.Errors) > 0 {
				t.Errorf("%d inner payloads (%s), errors %v; want %d", len(f.res.Payloads), summary(f.res.Payloads, true), f.res.Errors, tt.n)
			}
			if _, ok := got[4]; ok {
				t.Errorf("frame 4 (the responder's, no keys) returned %+v", got[4])
			}
		})
	}
}

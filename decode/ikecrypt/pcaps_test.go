package ikecrypt

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"testing"

	"github.com/ikescope/ikescope/decode"
)

// The captures in pcaps/ were recorded between strongSwan 5.9.8 charons (and one
// libreswan) with "ike 4" logs; the keys come from those logs alone. Values that change
// with every recording (SPIs) are read from the logs too, so the tests survive
// bash pcaps/record.sh.

// pcapsCase loads a capture of pcaps/ and the keys of its logs.
func pcapsCase(t *testing.T, name, capture string, optional bool, logs ...string) (map[int]frameResult, string) {
	t.Helper()
	var paths []string
	for _, l := range logs {
		paths = append(paths, pcapsFile(t, name+"."+l+".log", optional))
	}
	keys := loadKeys(t, paths...)
	got := decryptCapture(t, pcapsFile(t, capture, optional), keys)
	log, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	return got, string(log)
}

// logMatch returns the submatches of re in a log, failing the test when there are none.
func logMatch(t *testing.T, log, re string) []string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(log)
	if m == nil {
		t.Fatalf("log has no line matching %s", re)
	}
	return m
}

func proposalSPI(t *testing.T, r *Result) string {
	t.Helper()
	p := find(r.Payloads, decode.PayloadSA)
	if p == nil {
		p = find(r.Payloads, decode.PayloadV1SA)
	}
	if p == nil || p.SA == nil || len(p.SA.Proposals) == 0 {
		t.Fatalf("no SA payload in %s", summary(r.Payloads, r.Version == 2))
	}
	return fmt.Sprintf("%x", p.SA.Proposals[0].SPI)
}

func tsText(p *decode.Payload) string {
	if p == nil || p.TS == nil || len(p.TS.Selectors) == 0 {
		return ""
	}
	s := p.TS.Selectors[0]
	return s.Start.String() + "-" + s.End.String()
}

func TestStrongSwanIKEv2PSK(t *testing.T) {
	got, log := pcapsCase(t, "ikev2-psk", "ikev2-psk.pcap", false, "initiator", "responder")
	checkSequence(t, got, "IKE_AUTH:IDi N(INITIAL_CONTACT) IDr AUTH SA TSi TSr N(MOBIKE_SUPPORTED) N(ADDITIONAL_IP4_ADDRESS) N(MULTIPLE_AUTH_SUPPORTED) N(EAP_ONLY_AUTHENTICATION) N(IKEV2_MESSAGE_ID_SYNC_SUPPORTED)|"+
		"IKE_AUTH:IDr AUTH SA TSi TSr N(MOBIKE_SUPPORTED) N(ADDITIONAL_IP4_ADDRESS)|INFORMATIONAL:D|INFORMATIONAL:", IntegrityVerified)
	req, resp := got[3].res, got[4].res
	if s := summary(req.Payloads, true); !regexpMatch(`^IDi\(gw-a.example.net\) .* IDr\(gw-b.example.net\) `, s) {
		t.Errorf("IKE_AUTH request %s", s)
	}
	// The CHILD_SA SPIs tie the ESP flows to this exchange: the initiator's inbound SPI
	// is in its proposal, the responder's in the answer.
	spis := logMatch(t, log, `CHILD_SA net\{1\} established with SPIs ([0-9a-f]{8})_i ([0-9a-f]{8})_o`)
	if a, b := proposalSPI(t, req), proposalSPI(t, resp); a != spis[1] || b != spis[2] {
		t.Errorf("CHILD_SA SPIs %s/%s, the log says %s/%s", a, b, spis[1], spis[2])
	}
	if a, b := tsText(find(resp.Payloads, decode.PayloadTSi)), tsText(find(resp.Payloads, decode.PayloadTSr)); a != "10.1.0.0-10.1.0.255" || b != "10.2.0.0-10.2.0.255" {
		t.Errorf("narrowed TS %s === %s", a, b)
	}
	if r := got[3].res; r.Encr.String() != "AES-CBC-256" || r.Integ.String() != "HMAC_SHA2_256_128" {
		t.Errorf("algorithms %s/%s", r.Encr, r.Integ)
	}
	if d := find(got[15].res.Payloads, decode.PayloadDelete); d == nil || d.Delete.ProtocolID != 1 {
		t.Errorf("INFORMATIONAL request: want a Delete of the IKE SA, got %s", summary(got[15].res.Payloads, true))
	}
}

func regexpMatch(re, s string) bool { return regexp.MustCompile(re).MatchString(s) }

// The responder could decrypt IKE_AUTH (IKEv2 keys do not depend on the PSK) and answered
// with AUTHENTICATION_FAILED: with keys, the notify is seen, not inferred.
func TestStrongSwanIKEv2PSKMismatch(t *testing.T) {
	got, _ := pcapsCase(t, "ikev2-psk-mismatch", "ikev2-psk-mismatch.pcap", false, "initiator", "responder")
	checkSequence(t, got, "IKE_AUTH:IDi N(INITIAL_CONTACT) IDr AUTH SA TSi TSr N(MOBIKE_SUPPORTED) N(ADDITIONAL_IP4_ADDRESS) N(MULTIPLE_AUTH_SUPPORTED) N(EAP_ONLY_AUTHENTICATION) N(IKEV2_MESSAGE_ID_SYNC_SUPPORTED)|"+
		"IKE_AUTH:N(AUTHENTICATION_FAILED)", IntegrityVerified)
}

// libreswan answered IKE_AUTH with TS_UNACCEPTABLE instead of SA TSi TSr; its log has no
// keys (plutodebug=none), charon's has them.
func TestStrongSwanLibreswan(t *testing.T) {
	got, _ := pcapsCase(t, "ikev2-strongswan-libreswan", "ikev2-strongswan-libreswan.pcap", false, "initiator")
	checkSequence(t, got, "IKE_AUTH:IDi N(INITIAL_CONTACT) IDr AUTH SA TSi TSr N(MOBIKE_SUPPORTED) N(ADDITIONAL_IP4_ADDRESS) N(EAP_ONLY_AUTHENTICATION) N(IKEV2_MESSAGE_ID_SYNC_SUPPORTED)|"+
		"IKE_AUTH:IDr AUTH N(TS_UNACCEPTABLE)|INFORMATIONAL:D|INFORMATIONAL:", IntegrityVerified)
	if _, err := LoadKeys(pcapsFile(t, "ikev2-strongswan-libreswan.responder.log", false)); !errors.Is(err, ErrNoKeys) {
		t.Errorf("pluto log without keys: %v, want ErrNoKeys", err)
	}
}

// IKE_AUTH messages of about 2 KB, each in two IPv4 fragments, with RSA-4096 certificates.
func TestStrongSwanCertIPFrag(t *testing.T) {
	for _, capture := range []string{"ikev2-cert-ipfrag.pcap", "ikev2-cert-ipfrag-any.pcap"} {
		t.Run(capture, func(t *testing.T) {
			got, _ := pcapsCase(t, "ikev2-cert-ipfrag", capture, false, "initiator", "responder")
			checkSequence(t, got, "IKE_AUTH:IDi CERT N(INITIAL_CONTACT) CERTREQ IDr AUTH SA TSi TSr N(MOBIKE_SUPPORTED) N(ADDITIONAL_IP4_ADDRESS) N(MULTIPLE_AUTH_SUPPORTED) N(EAP_ONLY_AUTHENTICATION) N(IKEV2_MESSAGE_ID_SYNC_SUPPORTED)|"+
				"IKE_AUTH:IDr CERT AUTH SA TSi TSr N(MOBIKE_SUPPORTED) N(ADDITIONAL_IP4_ADDRESS)|INFORMATIONAL:D|INFORMATIONAL:", IntegrityVerified)
			var subjects []string
			for _, f := range sortedFrames(got) {
				if p := find(f.res.Payloads, decode.PayloadCert); p != nil {
					subjects = append(subjects, p.Cert.Subject)
				}
				if p := find(f.res.Payloads, decode.PayloadAuth); p != nil && p.Auth.Method != 14 {
					t.Errorf("frame %d: AUTH method %d, want 14 (Digital Signature)", f.frame, p.Auth.Method)
				}
			}
			if fmt.Sprint(subjects) != "[CN=gw-a.example.net,O=Example,C=US CN=gw-b.example.net,O=Example,C=US]" {
				t.Errorf("certificates %q", subjects)
			}
		})
	}
}

// IKEv2 over IPv6 with AES-GCM-256: Sk_e* in the log are key and salt.
func TestStrongSwanIPv6GCM(t *testing.T) {
	got, _ := pcapsCase(t, "ikev2-ipv6-cert", "ikev2-ipv6-cert.pcapng", false, "initiator", "responder")
	checkSequence(t, got, "IKE_AUTH:IDi CERT N(INITIAL_CONTACT) CERTREQ IDr AUTH SA TSi TSr N(MOBIKE_SUPPORTED) N(ADDITIONAL_IP4_ADDRESS) N(MULTIPLE_AUTH_SUPPORTED) N(EAP_ONLY_AUTHENTICATION) N(IKEV2_MESSAGE_ID_SYNC_SUPPORTED)|"+
		"IKE_AUTH:IDr CERT AUTH SA TSi TSr N(MOBIKE_SUPPORTED) N(ADDITIONAL_IP4_ADDRESS)|INFORMATIONAL:D|INFORMATIONAL:", IntegrityVerified)
	if r := got[4].res; r.Encr.String() != "AES-GCM-256 with 16 octet ICV" {
		t.Errorf("algorithm %s", r.Encr)
	}
	if id := find(got[4].res.Payloads, decode.PayloadIDi); id == nil || id.ID.Text != "CN=gw-a.example.net,O=Example,C=US" {
		t.Errorf("IDi %+v", id)
	}
}

// The responder got only the first IP fragment of each IKE_AUTH copy: nothing to decrypt.
func TestStrongSwanIPFragLost(t *testing.T) {
	got, _ := pcapsCase(t, "ikev2-ipfrag-lost", "ikev2-ipfrag-lost.pcap", false, "initiator")
	if len(got) != 4 {
		t.Errorf("%d results, want the 4 incomplete IKE_AUTH copies", len(got))
	}
	for _, f := range got {
		if !errors.Is(f.err, ErrTruncated) || f.res == nil || f.res.Decrypted {
			t.Errorf("frame %d: %+v %v, want ErrTruncated", f.frame, f.res, f.err)
		}
	}
}

func TestStrongSwanIKEv1MainMode(t *testing.T) {
	got, log := pcapsCase(t, "ikev1-main-psk", "ikev1-main-psk.pcap", false, "initiator", "responder")
	checkSequence(t, got, "Main Mode:ID HASH N(INITIAL-CONTACT)|Main Mode:ID HASH|"+
		"Quick Mode:HASH SA NONCE KE ID ID|Quick Mode:HASH SA NONCE KE ID ID|Quick Mode:HASH|"+
		"Informational:HASH D|Informational:HASH D", IntegrityNotChecked)
	if s := summary(got[5].res.Payloads, false) + " / " + summary(got[6].res.Payloads, false); s != "ID(192.0.2.1) HASH N(INITIAL-CONTACT) / ID(192.0.2.2) HASH" {
		t.Errorf("MM5/MM6: %s", s)
	}
	// Quick Mode: the proxy IDs and the ESP SPIs of each side.
	for _, fr := range []int{7, 8} {
		if s := summary(got[fr].res.Payloads, false); s != "HASH SA NONCE KE ID(10.1.0.0/24) ID(10.2.0.0/24)" {
			t.Errorf("frame %d: %s", fr, s)
		}
	}
	spis := logMatch(t, log, `CHILD_SA net\{1\} established with SPIs ([0-9a-f]{8})_i ([0-9a-f]{8})_o`)
	if a, b := proposalSPI(t, got[7].res), proposalSPI(t, got[8].res); a != spis[1] || b != spis[2] {
		t.Errorf("Quick Mode SPIs %s/%s, the log says %s/%s", a, b, spis[1], spis[2])
	}
	t1 := got[7].res.Payloads[1].SA.Proposals[0].Transforms[0]
	if decode.V1TransformName(3, uint8(t1.ID)) != "ESP_AES-CBC" {
		t.Errorf("QM1 transform %s", decode.V1TransformName(3, uint8(t1.ID)))
	}
	del := logMatch(t, log, `sending DELETE for ESP CHILD_SA with SPI ([0-9a-f]{8})`)
	if d := find(got[20].res.Payloads, decode.PayloadV1Delete); d == nil || len(d.Delete.SPIs) != 1 || fmt.Sprintf("%x", d.Delete.SPIs[0]) != del[1] {
		t.Errorf("Delete %+v, want ESP SPI %s", d, del[1])
	}
	if d := find(got[21].res.Payloads, decode.PayloadV1Delete); d == nil || d.Delete.ProtocolID != 1 {
		t.Errorf("second Delete %+v, want the ISAKMP SA", d)
	}
}

func TestStrongSwanIKEv1Aggressive(t *testing.T) {
	got, _ := pcapsCase(t, "ikev1-aggressive-psk", "ikev1-aggressive-psk.pcap", false, "initiator", "responder")
	checkSequence(t, got, "Aggressive:HASH NAT-D NAT-D|Quick Mode:HASH SA NONCE ID ID|Quick Mode:HASH SA NONCE ID ID|Quick Mode:HASH|"+
		"Informational:HASH D|Informational:HASH D", IntegrityNotChecked)
}

// Different PSKs: each side derived its own key. MM5 (and its 3 retransmissions, which
// reuse MM5's IV) decrypts with the initiator's key, the responder's PAYLOAD-MALFORMED
// notifies with the responder's. With the initiator's log alone, those fail cleanly.
func TestStrongSwanIKEv1PSKMismatch(t *testing.T) {
	got, _ := pcapsCase(t, "ikev1-main-psk-mismatch", "ikev1-main-psk-mismatch.pcap", false, "initiator", "responder")
	mm5 := "Main Mode:ID HASH N(INITIAL-CONTACT)"
	info := "Informational:HASH N(PAYLOAD-MALFORMED)"
	checkSequence(t, got, mm5+"|"+info+"|"+mm5+"|"+info+"|"+mm5+"|"+info+"|"+mm5+"|"+info, IntegrityNotChecked)
	if got[5].res.KeySource == got[6].res.KeySource {
		t.Errorf("MM5 and the notify decrypted with the same key (%s)", got[5].res.KeySource)
	}

	got, _ = pcapsCase(t, "ikev1-main-psk-mismatch", "ikev1-main-psk-mismatch.pcap", false, "initiator")
	for _, fr := range []int{5, 7, 9, 11} {
		if f := got[fr]; f.err != nil || !f.res.Decrypted {
			t.Errorf("frame %d (MM5): %v", fr, f.err)
		}
	}
	for _, fr := range []int{6, 8, 10, 12} {
		f := got[fr]
		if !errors.Is(f.err, ErrWrongKey) || f.res == nil || f.res.Decrypted || f.res.Payloads != nil {
			t.Errorf("frame %d (responder's notify, no key): %+v %v, want ErrWrongKey", fr, f.res, f.err)
		}
	}
}

// strongSwan's IKEv1 fragmentation: MM5 and MM6 carry certificates and are sent in two
// FRAG payloads each; the reassembled messages decrypt.
func TestStrongSwanIKEv1Fragments(t *testing.T) {
	got, _ := pcapsCase(t, "ikev1-main-cert", "ikev1-main-cert.pcap", false, "initiator", "responder")
	checkSequence(t, got, "Main Mode:ID CERT SIG CERTREQ N(INITIAL-CONTACT)|Main Mode:ID CERT SIG|"+
		"Quick Mode:HASH SA NONCE KE ID ID|Quick Mode:HASH SA NONCE KE ID ID|Quick Mode:HASH|Informational:HASH D|Informational:HASH D", IntegrityNotChecked)
	for _, fr := range []int{6, 8} {
		if f := got[fr].res.Fragment; f == nil || !f.Complete || f.Total != 2 {
			t.Errorf("frame %d: fragment %+v", fr, f)
		}
	}
	if c := find(got[8].res.Payloads, decode.PayloadV1Cert); c == nil || c.Cert.Subject != "CN=gw-b.example.net,O=Example,C=US" {
		t.Errorf("MM6 certificate %+v", c)
	}
}

// Phase 2 failures that only the decrypted Quick Mode shows. These captures are recorded by
// pcaps/record.sh and skipped until they are.
func TestStrongSwanPhase2Failures(t *testing.T) {
	tests := []struct{ name, notify string }{
		{"ikev1-p2-proposal-mismatch", "NO-PROPOSAL-CHOSEN"},
		{"ikev1-proxyid-mismatch", "INVALID-ID-INFORMATION"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := pcapsCase(t, tt.name, tt.name+".pcap", true, "initiator", "responder")
			checkSequence(t, got, "Main Mode:ID HASH N(INITIAL-CONTACT)|Main Mode:ID HASH|Quick Mode:HASH SA NONCE ID ID|Informational:HASH N("+tt.notify+")", IntegrityNotChecked)
			qm := got[7].res
			if s := summary(qm.Payloads, false); s != "HASH SA NONCE ID(10.1.0.0/24) ID(10.2.0.0/24)" {
				t.Errorf("QM1 %s", s)
			}
		})
	}
}

// TestWrongKeysRealCapture decrypts ikev2-psk.pcap with keys that do not fit, as a user
// gets them wrong: every encrypted message gives an error naming the SA, never payloads.
func TestWrongKeysRealCapture(t *testing.T) {
	good := loadKeys(t, pcapsFile(t, "ikev2-psk.initiator.log", false)).SAs[0]
	flip := func(b []byte) []byte { c := append([]byte{}, b...); c[0] ^= 1; return c }
	// checksumOnly: SK_e is right, so the error says the encryption key opens the
	// message and only the checksum fails.
	tests := []struct {
		name         string
		mutate       func(*SAKeys)
		want         error
		checksumOnly bool
	}{
		{"SK_a wrong", func(k *SAKeys) { k.SKai, k.SKar = flip(k.SKai), flip(k.SKar) }, ErrIntegrity, true},
		{"both directions swapped", func(k *SAKeys) { k.SKei, k.SKer, k.SKai, k.SKar = k.SKer, k.SKei, k.SKar, k.SKai }, ErrIntegrity, false},
		{"SK_e swapped, SK_a right", func(k *SAKeys) { k.SKei, k.SKer = k.SKer, k.SKei }, ErrWrongKey, false},
		{"wrong algorithm", func(k *SAKeys) {
			k.Integ = Integ{ID: IntegHMACSHA512256}
			k.SKai, k.SKar = append(k.SKai, k.SKai...), append(k.SKar, k.SKar...)
		}, ErrIntegrity, false}, // a 32-byte ICV moves the end of the ciphertext
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := *good
			tt.mutate(&k)
			got := decryptCapture(t, pcapsFile(t, "ikev2-psk.pcap", false), &Keys{SAs: []*SAKeys{&k}})
			if len(got) != 4 {
				t.Errorf("%d results, want the 4 encrypted messages", len(got))
			}
			for _, f := range got {
				if !errors.Is(f.err, tt.want) || f.res == nil || f.res.Decrypted || f.res.Payloads != nil ||
					!regexpMatch(`for SA 0x[0-9a-f]{16}/0x[0-9a-f]{16} `, f.err.Error()) {
					t.Errorf("frame %d: %+v, %v; want %v", f.frame, f.res, f.err, tt.want)
				}
			}
			if tt.want == ErrIntegrity {
				why := "wrong key or algorithm"
				if tt.checksumOnly {
					why = `the encryption key opens it to valid payloads, so the integrity key \(SK_ai/SK_ar\) is wrong, or the message was changed after it was sent`
				}
				if e := got[3].err.Error(); !regexpMatch(`^integrity check failed for SA 0x[0-9a-f]+/0x[0-9a-f]+ \(message ID 1, AES-CBC-256/HMAC_SHA2_\S+, keys from ikev2-psk.initiator.log:\d+\): `+why+`$`, e) {
					t.Errorf("message: %s", e)
				}
				for _, f := range got {
					if errors.Is(f.err, decode.ErrChecksumOnly) != tt.checksumOnly {
						t.Errorf("frame %d: %v: checksum only %v, want %v", f.frame, f.err, !tt.checksumOnly, tt.checksumOnly)
					}
				}
			}
		})
	}
}

package ikecrypt

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ikescope/ikescope/decode"
)

var fuzzEncrs = []Encr{
	{EncrAESCBC, 256}, {EncrAESCBC, 128}, {EncrAESCBC, 192}, {Encr3DES, 0}, {EncrDES, 0}, {EncrNull, 0},
	{EncrAESCTR, 128}, {EncrAESCTR, 256}, {EncrAESGCM8, 128}, {EncrAESGCM12, 192}, {EncrAESGCM16, 256},
	{EncrAESCCM8, 128}, {EncrAESCCM12, 192}, {EncrAESCCM16, 256}, {EncrChaCha20Poly1305, 0},
	{EncrBlowfish, 128}, {EncrCAST, 128}, {0, 0},
}

var fuzzIntegs = []Integ{
	{ID: IntegHMACSHA256128}, {ID: IntegHMACSHA196}, {ID: IntegHMACMD596}, {ID: IntegHMACSHA384192},
	{ID: IntegHMACSHA512256}, {ID: IntegAESXCBC96}, {ID: IntegAESCMAC96}, {ID: IntegNone}, {Unchecked: 12}, {Unchecked: 16},
}

// fuzzKeys turns fuzz input into key sets: the algorithms picked by sel, the keys cut
// from material, bound to the first message's SPIs (or unbound when sel says so).
func fuzzKeys(sel uint16, material []byte, spiI, spiR [8]byte) *Keys {
	e := fuzzEncrs[int(sel&0x1f)%len(fuzzEncrs)]
	in := fuzzIntegs[int(sel>>5&0x1f)%len(fuzzIntegs)]
	take := func(n int) []byte {
		if n < 0 {
			n = 0
		}
		b := make([]byte, n)
		k := copy(b, material)
		material = material[k:]
		return b
	}
	el, il := e.keyMaterial(), 0
	if s, err := in.spec(); err == nil {
		il = s.keyLen
	}
	v2 := &SAKeys{Version: 2, InitiatorSPI: spiI, ResponderSPI: spiR, Encr: e, Integ: in, HasInteg: sel&0x400 == 0, Source: "fuzz:2"}
	v1 := &SAKeys{Version: 1, InitiatorSPI: spiI, Source: "fuzz:1"}
	v1.EncKey = append([]byte{}, material...)
	if sel&0x800 != 0 {
		v1.IV = material
	}
	v2.SKei, v2.SKer, v2.SKai, v2.SKar = take(el), take(el), take(il), take(il)
	if sel&0x1000 != 0 {
		v2.InitiatorSPI, v2.ResponderSPI = [8]byte{}, [8]byte{}
	}
	return &Keys{SAs: []*SAKeys{v2, v1}}
}

// splitMessages reads length-prefixed messages (2-byte big-endian length each).
func splitMessages(b []byte) [][]byte {
	var out [][]byte
	for len(b) >= 2 && len(out) < 64 {
		n := int(binary.BigEndian.Uint16(b))
		b = b[2:]
		if n > len(b) {
			n = len(b)
		}
		out = append(out, b[:n])
		b = b[n:]
	}
	return out
}

func joinMessages(msgs [][]byte) []byte {
	var b []byte
	for _, m := range msgs {
		b = binary.BigEndian.AppendUint16(b, uint16(len(m)))
		b = append(b, m...)
	}
	return b
}

// captureMessages returns the ISAKMP messages of a capture as they were on the wire.
func captureMessages(path string) [][]byte {
	r, err := decode.Open(path)
	if err != nil {
		return nil
	}
	defer r.Close()
	var out [][]byte
	for r.Next() {
		if m := r.Message().ISAKMP; m != nil {
			out = append(out, append([]byte{}, m.Contents...))
		}
	}
	return out
}

// FuzzDecrypt feeds message sequences and key material to a Decrypter: it must never
// panic, and whatever it returns must be consistent (payloads only when decrypted,
// never with a failed integrity check; an error always with its sentinel).
// The seeds are the captures of pcaps/ with their real keys, so the fuzzer starts from
// messages that decrypt.
func FuzzDecrypt(f *testing.F) {
	root := "../.."
	seed := func(capture string, sel uint16, logs ...string) {
		msgs := captureMessages(filepath.Join(root, "pcaps", capture))
		if len(msgs) == 0 {
			return
		}
		k := &Keys{}
		for _, l := range logs {
			if kk, err := LoadKeys(filepath.Join(root, "pcaps", l)); err == nil {
				k.Merge(kk)
			}
		}
		var material []byte
		for _, sa := range k.SAs {
			material = append(material, sa.SKei...)
			material = append(material, sa.SKer...)
			material = append(material, sa.SKai...)
			material = append(material, sa.SKar...)
			material = append(material, sa.EncKey...)
		}
		f.Add(joinMessages(msgs), material, sel)
	}
	seed("ikev2-psk.pcap", 0, "ikev2-psk.initiator.log")                     // AES-CBC-256/HMAC_SHA2_256_128
	seed("ikev2-ipv6-cert.pcapng", 10|7<<5, "ikev2-ipv6-cert.initiator.log") // AES-GCM-256-16
	seed("ikev1-main-psk.pcap", 0, "ikev1-main-psk.initiator.log")
	seed("ikev1-main-cert.pcap", 0, "ikev1-main-cert.initiator.log")
	seed("ikev1-aggressive-psk.pcap", 0x800, "ikev1-aggressive-psk.initiator.log")
	f.Add([]byte{0, 28, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0, 46, 0x20, 35, 8, 0, 0, 0, 1, 0, 0, 0, 28}, []byte{1, 2, 3}, uint16(0x1000))

	f.Fuzz(func(t *testing.T, data, material []byte, sel uint16) {
		msgs := splitMessages(data)
		if len(msgs) == 0 {
			return
		}
		var spiI, spiR [8]byte
		if len(msgs[0]) >= 16 {
			copy(spiI[:], msgs[0][:8])
			for _, m := range msgs {
				if len(m) >= 16 && string(m[8:16]) != string(make([]byte, 8)) {
					copy(spiR[:], m[8:16])
					break
				}
			}
		}
		d := NewDecrypter(fuzzKeys(sel, material, spiI, spiR))
		for _, b := range msgs {
			m := &decode.ISAKMP{}
			if m.DecodeFromBytes(b, nil) != nil {
				continue
			}
			res, err := d.Decrypt(m)
			if res == nil {
				if err != nil {
					t.Fatalf("error without a result: %v", err)
				}
				continue
			}
			if res.Payloads != nil && !res.Decrypted {
				t.Fatalf("payloads without Decrypted: %+v", res)
			}
			if res.Decrypted && (err != nil || res.Integrity == IntegrityFailed) {
				t.Fatalf("decrypted with error %v / integrity %s", err, res.Integrity)
			}
			if err != nil {
				if res.Decrypted {
					t.Fatalf("error %v with decrypted payloads", err)
				}
				ok := false
				for _, s := range []error{ErrIntegrity, ErrWrongKey, ErrTruncated, ErrMalformed, ErrNoState} {
					ok = ok || errors.Is(err, s)
				}
				if !ok || !strings.Contains(err.Error(), "SA 0x") {
					t.Fatalf("error %v: no sentinel or no SA", err)
				}
			}
		}
	})
}

// FuzzParseKeys: no key file, however broken, makes ParseKeys panic, and what it accepts
// writes out as Wireshark tables.
func FuzzParseKeys(f *testing.F) {
	for _, p := range []string{
		"../../pcaps/ikev2-psk.initiator.log", "../../pcaps/ikev1-aggressive-psk-mismatch.initiator.log",
		"../../../shared/corpus/wireshark/test/config/ikev2_decryption_table.tmpl",
		"../../../shared/corpus/wireshark/test/config/ikev1_decryption_table.tmpl",
		"../../../shared/corpus/tcpdump/tests/ikev2pI2-secrets.txt",
		"../../../shared/corpus/tcpdump/tests/esp-secrets.txt",
		"../../../shared/corpus/wireshark/test/config/esp_sa.tmpl",
	} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("| ikev2 I 0x0001020304050607 0x0102030405060708 sha256:0x00 aes_gcm_16256:0x11\n"))
	f.Add([]byte(espKernelStates))
	f.Add([]byte(setkeySunrise))
	f.Add([]byte("0x1@192.0.2.1 3des-cbc-hmac96:0x000102030405060708090a0b0c0d0e0f1011121314151617,aes128-cbc:0x000102030405060708090a0b0c0d0e0f\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := ParseKeys("fuzz", strings.NewReader(string(b)))
		if err != nil {
			return
		}
		if err := k.WriteWiresharkTables(discard{}, discard{}); err != nil {
			t.Fatal(err)
		}
		if err := k.WriteWiresharkESPSA(discard{}); err != nil {
			t.Fatal(err)
		}
		NewDecrypter(k)
	})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// FuzzESPOpen: no ESP packet, under any of the algorithms, makes Open panic; one that
// opens has a trailer inside the packet.
func FuzzESPOpen(f *testing.F) {
	keys, err := ParseKeys("xfrm", strings.NewReader(espKernelStates))
	if err != nil {
		f.Fatal(err)
	}
	for _, k := range keys.ESP {
		f.Add(k.SPI, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33})
	}
	d := NewDecrypter(keys)
	f.Fuzz(func(t *testing.T, spi uint32, body []byte) {
		raw := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 0x1000|spi&0xf), 1)
		raw = append(raw, body...)
		m := &decode.Message{Kind: decode.KindESP, ESP: decode.ESPHeader{SPI: 0x1000 | spi&0xf, Seq: 1, Raw: raw}}
		d.Open(m)
		if m.Inner != nil && m.Inner.Err == nil && m.Inner.Len > len(raw) && m.Inner.Tunnel == false {
			t.Fatalf("inner length %d from %d bytes", m.Inner.Len, len(raw))
		}
	})
}

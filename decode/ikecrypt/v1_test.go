package ikecrypt

import (
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/ikescope/ikescope/decode"
)

// v1Payload is a generic IKEv1 payload: next payload, reserved, length, body.
func v1Payload(next decode.PayloadType, body []byte) []byte {
	b := []byte{byte(next), 0}
	b = binary.BigEndian.AppendUint16(b, uint16(4+len(body)))
	return append(b, body...)
}

func v1Message(ic, rc [8]byte, first decode.PayloadType, exch decode.ExchangeType, flags decode.Flags, mid uint32, body []byte) []byte {
	b := append(append([]byte{}, ic[:]...), rc[:]...)
	b = append(b, byte(first), 0x10, byte(exch), byte(flags))
	b = binary.BigEndian.AppendUint32(b, mid)
	b = binary.BigEndian.AppendUint32(b, uint32(28+len(body)))
	return append(b, body...)
}

// v1SAPayload is an SA payload with one ISAKMP proposal and one transform with the given
// Phase 1 attributes (class, value) in TV form.
func v1SAPayload(attrs ...uint16) []byte {
	var a []byte
	for i := 0; i+1 < len(attrs); i += 2 {
		a = binary.BigEndian.AppendUint16(a, 0x8000|attrs[i])
		a = binary.BigEndian.AppendUint16(a, attrs[i+1])
	}
	transform := v1Payload(0, append([]byte{1, 1, 0, 0}, a...))
	proposal := v1Payload(0, append([]byte{1, 1, 0, 1}, transform...))
	return v1Payload(0, append([]byte{0, 0, 0, 1, 0, 0, 0, 1}, proposal...))
}

// TestIKEv1Exchange runs a Main Mode and Quick Mode through the Decrypter with each IKEv1
// cipher and hash, the IVs computed here as RFC 2409 Appendix B says, and checks the
// payloads, the Quick Mode IV chain, a retransmission and the errors.
func TestIKEv1Exchange(t *testing.T) {
	tests := []struct {
		name            string
		alg, bits, hash uint16
		key             int
	}{
		{"DES/MD5", 1, 0, 1, 8},
		{"3DES/SHA1", 5, 0, 2, 24},
		{"Blowfish-128/SHA2-256", 3, 128, 4, 16},
		{"Blowfish-448/SHA2-384", 3, 448, 5, 56},
		{"CAST-128/SHA2-512", 6, 128, 6, 16},
		{"AES-CBC-192/SHA2-256", 7, 192, 4, 24},
		{"AES-CBC-256/SHA1", 7, 256, 2, 32},
	}
	ic, rc := [8]byte{0xa1, 2, 3, 4, 5, 6, 7, 8}, [8]byte{0xb1, 2, 3, 4, 5, 6, 7, 8}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := v1Encr(tt.alg, int(tt.bits))
			es, err := e.spec()
			if err != nil {
				t.Fatal(err)
			}
			h := v1Hash(tt.hash)
			key := randBytes(tt.key)
			gi, gr := randBytes(256), randBytes(256)
			attrs := []uint16{1, tt.alg, 2, tt.hash, 3, 1, 4, 14}
			if tt.bits != 0 {
				attrs = append(attrs, 14, tt.bits)
			}
			blk := es.block
			b, _ := es.newBlk(key)
			encrypt := func(iv, plain []byte) []byte {
				for len(plain)%blk != 0 {
					plain = append(plain, 0)
				}
				ct := make([]byte, len(plain))
				cipher.NewCBCEncrypter(b, iv).CryptBlocks(ct, plain)
				return ct
			}
			last := func(ct []byte) []byte { return ct[len(ct)-blk:] }
			mid := func(m uint32) []byte { return binary.BigEndian.AppendUint32(nil, m) }

			idI := v1Payload(decode.PayloadV1Hash, []byte{1, 17, 1, 244, 192, 0, 2, 1})
			idR := v1Payload(decode.PayloadV1Hash, []byte{1, 17, 1, 244, 192, 0, 2, 2})
			hash := v1Payload(0, randBytes(20))
			iv := ivHash(h, blk, gi, gr)
			mm5 := encrypt(iv, append(append([]byte{}, idI...), hash...))
			mm6 := encrypt(last(mm5), append(append([]byte{}, idR...), hash...))
			qm := v1Payload(decode.PayloadV1Nonce, v1SAPayload(1, 1)[4:]) // HASH SA NONCE ID ID
			qmPlain := append(v1Payload(decode.PayloadV1SA, randBytes(20)), qm...)
			qmPlain = append(qmPlain, v1Payload(decode.PayloadV1ID, randBytes(16))...)
			qmPlain = append(qmPlain, v1Payload(decode.PayloadV1ID, []byte{4, 0, 0, 0, 10, 1, 0, 0, 255, 255, 255, 0})...)
			qmPlain = append(qmPlain, v1Payload(0, []byte{4, 0, 0, 0, 10, 2, 0, 0, 255, 255, 255, 0})...)
			const qmid, infoMID = 0x11223344, 0x55667788
			qm1 := encrypt(ivHash(h, blk, last(mm6), mid(qmid)), qmPlain)
			qm2 := encrypt(last(qm1), qmPlain)
			qm3 := encrypt(last(qm2), v1Payload(0, randBytes(20)))
			info := encrypt(ivHash(h, blk, last(mm6), mid(infoMID)), append(v1Payload(decode.PayloadV1Notify, randBytes(20)),
				v1Payload(0, []byte{0, 0, 0, 1, 1, 0, 0x60, 0x02})...))

			msgs := []struct {
				b    []byte
				want string
			}{
				{v1Message(ic, [8]byte{}, decode.PayloadV1SA, 2, 0, 0, v1SAPayload(attrs...)), ""},
				{v1Message(ic, rc, decode.PayloadV1SA, 2, 0, 0, v1SAPayload(attrs...)), ""},
				{v1Message(ic, rc, decode.PayloadV1KE, 2, 0, 0, v1Payload(0, gi)), ""},
				{v1Message(ic, rc, decode.PayloadV1KE, 2, 0, 0, v1Payload(0, gr)), ""},
				{v1Message(ic, rc, decode.PayloadV1ID, 2, decode.FlagEncryption, 0, mm5), "ID(192.0.2.1) HASH"},
				{v1Message(ic, rc, decode.PayloadV1ID, 2, decode.FlagEncryption, 0, mm5), "ID(192.0.2.1) HASH"}, // retransmitted
				{v1Message(ic, rc, decode.PayloadV1ID, 2, decode.FlagEncryption, 0, mm6), "ID(192.0.2.2) HASH"},
				{v1Message(ic, rc, decode.PayloadV1Hash, 32, decode.FlagEncryption, qmid, qm1), "HASH SA NONCE ID(10.1.0.0/24) ID(10.2.0.0/24)"},
				{v1Message(ic, rc, decode.PayloadV1Hash, 5, decode.FlagEncryption, infoMID, info), "HASH N(INITIAL-CONTACT)"},
				{v1Message(ic, rc, decode.PayloadV1Hash, 32, decode.FlagEncryption, qmid, qm2), "HASH SA NONCE ID(10.1.0.0/24) ID(10.2.0.0/24)"},
				{v1Message(ic, rc, decode.PayloadV1Hash, 32, decode.FlagEncryption, qmid, qm1), "HASH SA NONCE ID(10.1.0.0/24) ID(10.2.0.0/24)"}, // retransmitted
				{v1Message(ic, rc, decode.PayloadV1Hash, 32, decode.FlagEncryption, qmid, qm3), "HASH"},
			}
			keys := &Keys{SAs: []*SAKeys{{Version: 1, InitiatorSPI: ic, EncKey: key, Source: "test:1"}}}
			d := NewDecrypter(keys)
			for i, m := range msgs {
				res, err := d.Decrypt(decodeMsg(t, m.b))
				if m.want == "" {
					if res != nil || err != nil {
						t.Fatalf("message %d (clear): %+v %v", i, res, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				if got := summary(res.Payloads, false); got != m.want || !res.Decrypted || res.Integrity != IntegrityNotChecked || res.Encr != e {
					t.Errorf("message %d: %s (%+v), want %s", i, got, res, m.want)
				}
			}

			// Another key: no valid chain, a clean error.
			wrong := &Keys{SAs: []*SAKeys{{Version: 1, InitiatorSPI: ic, EncKey: randBytes(tt.key), Source: "wrong:1"}}}
			d = NewDecrypter(wrong)
			for _, m := range msgs[:4] {
				d.Decrypt(decodeMsg(t, m.b))
			}
			res, err := d.Decrypt(decodeMsg(t, msgs[4].b))
			var de *DecryptError
			if !errors.Is(err, ErrWrongKey) || !errors.As(err, &de) || res == nil || res.Decrypted || res.Payloads != nil {
				t.Errorf("wrong key: %+v %v", res, err)
			}
		})
	}
}

func TestIKEv1Errors(t *testing.T) {
	ic, rc := [8]byte{1}, [8]byte{2}
	keys := &Keys{SAs: []*SAKeys{{Version: 1, InitiatorSPI: ic, EncKey: make([]byte, 16), Source: "k:1"}}}
	enc := v1Message(ic, rc, decode.PayloadV1ID, 2, decode.FlagEncryption, 0, make([]byte, 32))

	// No MM2 in the capture: the cipher is unknown.
	_, err := NewDecrypter(keys).Decrypt(decodeMsg(t, enc))
	if !errors.Is(err, ErrNoState) || !errors.Is(err, err.(*DecryptError).Err) {
		t.Errorf("without MM2: %v", err)
	}
	// MM2 but no KE and no logged IV: the Phase 1 IV is unknown.
	d := NewDecrypter(keys)
	d.Decrypt(decodeMsg(t, v1Message(ic, rc, decode.PayloadV1SA, 2, 0, 0, v1SAPayload(1, 7, 2, 2, 14, 128))))
	if _, err := d.Decrypt(decodeMsg(t, enc)); !errors.Is(err, ErrNoState) {
		t.Errorf("without KE: %v", err)
	}
	// Not a whole number of blocks.
	if _, err := d.Decrypt(decodeMsg(t, v1Message(ic, rc, decode.PayloadV1ID, 2, decode.FlagEncryption, 0, make([]byte, 20)))); !errors.Is(err, ErrMalformed) {
		t.Errorf("20 bytes of AES: %v", err)
	}
	// A key for another responder cookie is not used.
	other := &Keys{SAs: []*SAKeys{{Version: 1, InitiatorSPI: ic, ResponderSPI: [8]byte{9}, EncKey: make([]byte, 16)}}}
	if res, err := NewDecrypter(other).Decrypt(decodeMsg(t, enc)); res != nil || err != nil {
		t.Errorf("other responder cookie: %+v %v", res, err)
	}
}

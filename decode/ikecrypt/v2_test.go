package ikecrypt

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/ikescope/ikescope/decode"
)

// ikeSAInitResponse is an IKE_SA_INIT response whose SA payload chose AES-CBC-256,
// HMAC_SHA2_256_128 and PRF_HMAC_SHA2_256.
func ikeSAInitResponse(spiI, spiR [8]byte) []byte {
	tr := func(more byte, typ byte, id uint16, attr []byte) []byte {
		b := []byte{more, 0}
		b = binary.BigEndian.AppendUint16(b, uint16(8+len(attr)))
		b = append(b, typ, 0)
		b = binary.BigEndian.AppendUint16(b, id)
		return append(b, attr...)
	}
	ts := append(tr(3, 1, EncrAESCBC, []byte{0x80, 0x0e, 0x01, 0x00}), tr(3, 3, IntegHMACSHA256128, nil)...)
	ts = append(ts, tr(0, 2, 5, nil)...)
	prop := []byte{0, 0}
	prop = binary.BigEndian.AppendUint16(prop, uint16(8+len(ts)))
	prop = append(append(prop, 1, 1, 0, 3), ts...)
	sa := []byte{0, 0}
	sa = binary.BigEndian.AppendUint16(sa, uint16(4+len(prop)))
	sa = append(sa, prop...)
	h := append(append([]byte{}, spiI[:]...), spiR[:]...)
	h = append(h, byte(decode.PayloadSA), 0x20, 34, byte(decode.FlagResponse), 0, 0, 0, 0)
	h = binary.BigEndian.AppendUint32(h, uint32(28+len(sa)))
	return append(h, sa...)
}

// Keys without algorithms (a bare "ikev2 I" line names them, a log may not) take the ones
// the capture's IKE_SA_INIT response chose.
func TestNegotiatedAlgorithms(t *testing.T) {
	spiI, spiR := [8]byte{7}, [8]byte{8}
	e, in := Encr{EncrAESCBC, 256}, Integ{ID: IntegHMACSHA256128}
	sa := &SAKeys{Version: 2, InitiatorSPI: spiI, ResponderSPI: spiR, SKei: randBytes(32), SKai: randBytes(32), Source: "k:1"}
	msg := sealSK(t, e, in, sa.SKei, sa.SKai, spiI, spiR, decode.FlagInitiator, 1, decode.PayloadIDi, innerChain, 0, 0)

	d := NewDecrypter(&Keys{SAs: []*SAKeys{sa}})
	if _, err := d.Decrypt(decodeMsg(t, msg)); !errors.Is(err, ErrNoState) {
		t.Errorf("without IKE_SA_INIT: %v, want ErrNoState", err)
	}
	d = NewDecrypter(&Keys{SAs: []*SAKeys{sa}})
	if res, err := d.Decrypt(decodeMsg(t, ikeSAInitResponse(spiI, spiR))); res != nil || err != nil {
		t.Fatalf("IKE_SA_INIT: %+v %v", res, err)
	}
	res, err := d.Decrypt(decodeMsg(t, msg))
	if err != nil || !res.Decrypted || res.Encr != e || res.Integ != in || res.Integrity != IntegrityVerified {
		t.Errorf("with IKE_SA_INIT: %+v %v", res, err)
	}
	// A response: no SK_er known, so nothing to do (not an error).
	resp := sealSK(t, e, in, randBytes(32), randBytes(32), spiI, spiR, decode.FlagResponse, 1, decode.PayloadIDr, innerChain, 0, 0)
	if res, err := d.Decrypt(decodeMsg(t, resp)); res != nil || err != nil {
		t.Errorf("responder's message with initiator keys only: %+v %v", res, err)
	}
}

// Unbound keys (no SPIs) are tried on SAs without keys and kept where the checksum holds.
func TestUnboundKeys(t *testing.T) {
	e, in := Encr{EncrAESGCM16, 128}, Integ{ID: IntegNone}
	key := randBytes(20)
	sa := &SAKeys{Version: 2, Encr: e, Integ: in, HasInteg: true, SKei: key, Source: "k:1"}
	d := NewDecrypter(&Keys{SAs: []*SAKeys{sa}})
	other := sealSK(t, e, in, randBytes(20), nil, [8]byte{1}, [8]byte{2}, decode.FlagInitiator, 1, decode.PayloadIDi, innerChain, 0, 0)
	if res, err := d.Decrypt(decodeMsg(t, other)); res != nil || err != nil {
		t.Errorf("another SA: %+v %v, want nothing", res, err)
	}
	mine := sealSK(t, e, in, key, nil, [8]byte{3}, [8]byte{4}, decode.FlagInitiator, 1, decode.PayloadIDi, innerChain, 0, 0)
	if res, err := d.Decrypt(decodeMsg(t, mine)); err != nil || !res.Decrypted {
		t.Errorf("its SA: %+v %v", res, err)
	}
	// Once bound, a message of that SA that fails is an integrity error, not silence.
	bad := sealSK(t, e, in, randBytes(20), nil, [8]byte{3}, [8]byte{4}, decode.FlagInitiator, 2, decode.PayloadIDi, innerChain, 0, 0)
	if _, err := d.Decrypt(decodeMsg(t, bad)); !errors.Is(err, ErrIntegrity) {
		t.Errorf("bound SA, wrong key: %v", err)
	}
	// Unchecked keys are never bound by trial: nothing would vouch for them.
	un := &SAKeys{Version: 2, Encr: Encr{EncrAESCTR, 128}, Integ: Integ{Unchecked: 12}, HasInteg: true, SKei: randBytes(20), Source: "k:2"}
	msg := sealSK(t, un.Encr, un.Integ, un.SKei, nil, [8]byte{5}, [8]byte{6}, decode.FlagInitiator, 1, decode.PayloadIDi, innerChain, 0, 0)
	if res, err := NewDecrypter(&Keys{SAs: []*SAKeys{un}}).Decrypt(decodeMsg(t, msg)); res != nil || err != nil {
		t.Errorf("unchecked unbound key: %+v %v", res, err)
	}
}

// TestSKFReassembly splits a message into RFC 7383 fragments, each encrypted and
// protected on its own, and feeds them out of order, with a retransmission.
func TestSKFReassembly(t *testing.T) {
	spiI, spiR := [8]byte{0x11}, [8]byte{0x22}
	e, in := Encr{EncrAESCBC, 128}, Integ{ID: IntegHMACSHA196}
	sa := &SAKeys{Version: 2, InitiatorSPI: spiI, ResponderSPI: spiR, Encr: e, Integ: in, HasInteg: true,
		SKei: randBytes(16), SKer: randBytes(16), SKai: randBytes(20), SKar: randBytes(20), Source: "k:1"}
	var inner []byte
	for i := 0; i < 20; i++ {
		inner = append(inner, innerChain[:12]...) // IDi payloads, each pointing at the next
	}
	inner = append(inner, innerChain[12:]...)
	pieces := [][]byte{inner[:100], inner[100:200], inner[200:]}
	frag := func(n int, flags decode.Flags, ek, ak []byte) *decode.ISAKMP {
		first := decode.PayloadNone
		if n == 1 {
			first = decode.PayloadIDi
		}
		return decodeMsg(t, sealSK(t, e, in, ek, ak, spiI, spiR, flags, 1, first, pieces[n-1], uint16(n), 3))
	}
	d := NewDecrypter(&Keys{SAs: []*SAKeys{sa}})
	for _, step := range []struct {
		n        int
		complete bool
	}{{2, false}, {2, false}, {3, false}, {1, true}} {
		res, err := d.Decrypt(frag(step.n, decode.FlagInitiator, sa.SKei, sa.SKai))
		if err != nil || res.Fragment == nil || res.Fragment.Number != step.n || res.Fragment.Total != 3 || res.Fragment.Complete != step.complete || res.Decrypted != step.complete {
			t.Fatalf("fragment %d: %+v %v", step.n, res, err)
		}
		if step.complete {
			if len(res.Payloads) != 21 || len(res.Errors) > 0 || res.FirstPayload != decode.PayloadIDi {
				t.Errorf("reassembled: %d payloads (%v), errors %v", len(res.Payloads), summary(res.Payloads, true), res.Errors)
			}
		}
	}
	// The response's fragments are a separate message, even with the same message ID.
	if res, _ := d.Decrypt(frag(3, decode.FlagResponse, sa.SKer, sa.SKar)); res == nil || res.Fragment.Complete || len(res.Fragment.Received) != 1 {
		t.Errorf("response fragment: %+v", res)
	}
	// A fragment that fails its checksum is an error and is not kept.
	if _, err := d.Decrypt(frag(1, decode.FlagResponse, sa.SKer, randBytes(20))); !errors.Is(err, ErrIntegrity) {
		t.Errorf("bad fragment: %v", err)
	}
}

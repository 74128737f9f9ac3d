package ikecrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/internal/decodetest"
	"golang.org/x/crypto/chacha20poly1305"
)

// The captures these tests decrypt come from two places: the repository's pcaps/ (with
// the charon logs recorded beside them) and the shared corpus of other projects' captures
// at ../shared/corpus beside the repository. A developer without the corpus gets a skip;
// CI (CI=true) gets a failure.

// corpusFile returns a file of the shared corpus, or skips (fails in CI) without it.
func corpusFile(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(decodetest.RepoRoot(t), "..", "shared", "corpus", rel)
	if _, err := os.Stat(p); err != nil {
		decodetest.SkipOrFail(t, "capture corpus file "+filepath.Clean(p)+" not found (../shared/corpus beside the repository)")
	}
	return p
}

// pcapsFile returns a file of the repository's pcaps/. Captures recorded by pcaps/record.sh
// but not yet in the repository are skipped when absent, even in CI.
func pcapsFile(t testing.TB, name string, optional bool) string {
	t.Helper()
	p := filepath.Join(decodetest.RepoRoot(t), "pcaps", name)
	if _, err := os.Stat(p); err != nil {
		if optional {
			t.Skip(p + " not recorded yet (bash pcaps/record.sh)")
		}
		t.Fatal(err)
	}
	return p
}

func loadKeys(t testing.TB, paths ...string) *Keys {
	t.Helper()
	all := &Keys{}
	for _, p := range paths {
		k, err := LoadKeys(p)
		if err != nil {
			t.Fatal(err)
		}
		all.Merge(k)
	}
	return all
}

// frameResult is what Decrypt returned for one message of a capture.
type frameResult struct {
	frame int
	msg   *decode.ISAKMP
	res   *Result
	err   error
}

// decryptCapture feeds every ISAKMP message of a capture to a new Decrypter and returns
// the messages for which it returned something, by frame number.
func decryptCapture(t testing.TB, path string, keys *Keys) map[int]frameResult {
	t.Helper()
	r, err := decode.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	d := NewDecrypter(keys)
	out := map[int]frameResult{}
	for r.Next() {
		m := r.Message()
		if m.ISAKMP == nil {
			continue
		}
		res, err := d.Decrypt(m.ISAKMP)
		if res != nil || err != nil {
			out[m.Frame] = frameResult{m.Frame, m.ISAKMP, res, err}
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// summary lists payload types as tcpdump and charon do, with notify names and ID values:
// "IDi(gw-a.example.net) N(INITIAL_CONTACT) AUTH".
func summary(ps []decode.Payload, v2 bool) string {
	var b []string
	for _, p := range ps {
		s := p.Type.String()
		switch {
		case p.Notify != nil:
			s += "(" + decode.NotifyName(v2, p.Notify.Type) + ")"
		case p.ID != nil:
			s += "(" + p.ID.Text + ")"
		}
		b = append(b, s)
	}
	return strings.Join(b, " ")
}

func find(ps []decode.Payload, t decode.PayloadType) *decode.Payload {
	for i := range ps {
		if ps[i].Type == t {
			return &ps[i]
		}
	}
	return nil
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// sealSK builds an IKEv2 message whose only payload is an SK payload (or an SKF payload
// when total > 0) holding inner, encrypted and protected with e/i: the sender's side of
// openSK, for round trips with the algorithms no capture here uses.
func sealSK(t testing.TB, e Encr, i Integ, ekey, akey []byte, spiI, spiR [8]byte, flags decode.Flags, mid uint32,
	first decode.PayloadType, inner []byte, num, total uint16) []byte {
	t.Helper()
	es, err := e.spec()
	if err != nil {
		t.Fatal(err)
	}
	is, err := i.spec()
	if err != nil {
		t.Fatal(err)
	}
	icv := is.icvLen
	if es.aead() {
		icv = es.icvLen
	}
	padTo := es.block
	plain := append([]byte{}, inner...)
	pad := (padTo - (len(plain)+1)%padTo) % padTo
	plain = append(plain, make([]byte, pad)...)
	plain = append(plain, byte(pad))
	iv := randBytes(es.ivLen)

	hdrLen := 4
	skType := decode.PayloadSK
	if total > 0 {
		hdrLen, skType = 8, decode.PayloadSKF
	}
	skLen := hdrLen + len(iv) + len(plain) + icv
	msg := make([]byte, 28, 28+skLen)
	copy(msg[0:8], spiI[:])
	copy(msg[8:16], spiR[:])
	msg[16] = byte(skType)
	msg[17] = 0x20
	msg[18] = 35 // IKE_AUTH
	msg[19] = byte(flags)
	binary.BigEndian.PutUint32(msg[20:], mid)
	binary.BigEndian.PutUint32(msg[24:], uint32(28+skLen))
	msg = append(msg, byte(first), 0)
	msg = binary.BigEndian.AppendUint16(msg, uint16(skLen))
	if total > 0 {
		msg = binary.BigEndian.AppendUint16(msg, num)
		msg = binary.BigEndian.AppendUint16(msg, total)
	}
	aad := append([]byte{}, msg...)
	msg = append(msg, iv...)
	key, salt := ekey[:es.keyLen], ekey[es.keyLen:]
	nonce := append(append([]byte{}, salt...), iv...)
	switch es.mode {
	case modeNull:
		msg = append(msg, plain...)
	case modeCBC:
		b, _ := es.newBlk(key)
		ct := make([]byte, len(plain))
		cipher.NewCBCEncrypter(b, iv).CryptBlocks(ct, plain)
		msg = append(msg, ct...)
	case modeCTR:
		b, _ := es.newBlk(key)
		var cb [16]byte
		copy(cb[:4], salt)
		copy(cb[4:12], iv)
		cb[15] = 1
		ct := make([]byte, len(plain))
		cipher.NewCTR(b, cb[:]).XORKeyStream(ct, plain)
		msg = append(msg, ct...)
	case modeGCM:
		b, _ := aes.NewCipher(key)
		g, _ := cipher.NewGCM(b)
		sealed := g.Seal(nil, nonce, plain, aad)
		msg = append(msg, sealed[:len(plain)+es.icvLen]...) // a GCM tag truncates to its prefix
	case modeCCM:
		b, _ := aes.NewCipher(key)
		c, err := newCCM(b, len(nonce), es.icvLen)
		if err != nil {
			t.Fatal(err)
		}
		msg = append(msg, c.seal(nonce, plain, aad)...)
	case modeChaCha:
		a, _ := chacha20poly1305.New(key)
		msg = append(msg, a.Seal(nil, nonce, plain, aad)...)
	}
	if !es.aead() && is.mac != nil {
		sum, err := is.mac(akey, msg)
		if err != nil {
			t.Fatal(err)
		}
		msg = append(msg, sum[:icv]...)
	} else if !es.aead() {
		msg = append(msg, make([]byte, icv)...)
	}
	return msg
}

func decodeMsg(t testing.TB, b []byte) *decode.ISAKMP {
	t.Helper()
	m := &decode.ISAKMP{}
	if err := m.DecodeFromBytes(b, nil); err != nil {
		t.Fatal(err)
	}
	if len(m.Errors) > 0 {
		t.Fatalf("test message does not decode cleanly: %v", m.Errors)
	}
	return m
}

func sealGCM(t testing.TB, key, nonce, plain, aad []byte) []byte {
	b, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		t.Fatal(err)
	}
	return g.Seal(nil, nonce, plain, aad)
}

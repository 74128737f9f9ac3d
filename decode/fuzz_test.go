package decode_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"

	"github.com/ikescope/ikescope/decode"
)

// Fuzz targets: `make fuzz`, or
//
//	go test -run '^$' -fuzz FuzzISAKMP -fuzztime 5m ./decode/
//	go test -run '^$' -fuzz FuzzReader -fuzztime 5m ./decode/
//
// Seeds come from every capture in pcaps/ and, when it is there, the shared corpus next to
// the repository (../shared/corpus). Crashers land in testdata/fuzz/FuzzX/ and become
// named regression tests with their bytes inline.

// FuzzISAKMP decodes arbitrary bytes as an ISAKMP message and checks what must hold for any
// input: decoding is deterministic and does not depend on what the layer held before, the
// payload chain stays inside the message, and lengths add up when nothing was wrong.
func FuzzISAKMP(f *testing.F) {
	seeds := append(isakmpSeeds(f), isakmpEdgeCases()...)
	// dirty is the seed with the most payloads: every input is also decoded into a layer
	// that held it, as a DecodingLayerParser reuses its layers, and must not show it.
	var dirty []byte
	most := -1
	for _, b := range seeds {
		f.Add(b)
		var m decode.ISAKMP
		m.DecodeFromBytes(b, gopacket.NilDecodeFeedback)
		if len(m.Payloads) > most {
			dirty, most = b, len(m.Payloads)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		in := append([]byte(nil), b...)
		first := &decode.ISAKMP{}
		err1 := first.DecodeFromBytes(b, gopacket.NilDecodeFeedback)
		if !bytes.Equal(b, in) {
			t.Fatalf("DecodeFromBytes modified its input")
		}
		r1 := renderISAKMP(first, err1)

		second := &decode.ISAKMP{}
		err2 := second.DecodeFromBytes(append([]byte(nil), b...), gopacket.NilDecodeFeedback)
		if r2 := renderISAKMP(second, err2); r1 != r2 {
			t.Fatalf("decoding the same bytes twice differs:\nfirst:  %s\nsecond: %s", r1, r2)
		}
		reused := &decode.ISAKMP{}
		reused.DecodeFromBytes(append([]byte(nil), dirty...), gopacket.NilDecodeFeedback)
		err3 := reused.DecodeFromBytes(b, gopacket.NilDecodeFeedback)
		if r3 := renderISAKMP(reused, err3); r1 != r3 {
			t.Fatalf("a reused layer decodes differently from a fresh one:\nfresh:  %s\nreused: %s", r1, r3)
		}
		checkISAKMPInvariants(t, b, first, err1)
	})
}

// checkISAKMPInvariants checks the structural properties of a decoded message.
func checkISAKMPInvariants(t *testing.T, data []byte, m *decode.ISAKMP, err error) {
	t.Helper()
	if len(data) < decode.HeaderLen {
		if err == nil {
			t.Fatalf("%d bytes decoded without error; the header needs %d", len(data), decode.HeaderLen)
		}
		return
	}
	if err != nil {
		t.Fatalf("DecodeFromBytes failed with a whole header: %v", err)
	}
	if len(m.Contents)+len(m.LayerPayload()) != len(data) {
		t.Fatalf("Contents (%d) + Payload (%d) != %d bytes of input", len(m.Contents), len(m.LayerPayload()), len(data))
	}
	if !bytes.Equal(m.Contents, data[:len(m.Contents)]) {
		t.Fatalf("Contents is not a prefix of the input")
	}
	if max := (len(data) - decode.HeaderLen) / 4; len(m.Payloads) > max {
		t.Fatalf("%d payloads in %d bytes; at most %d fit", len(m.Payloads), len(data), max)
	}
	if m.Encrypted != nil && len(m.Payloads) > 0 {
		t.Fatalf("an encrypted IKEv1 message has %d decoded payloads", len(m.Payloads))
	}
	for _, e := range m.Errors {
		var fe *decode.FieldError
		if !errors.As(e, &fe) {
			t.Errorf("error %q does not carry a location (no *FieldError)", e)
		} else if fe.Offset < 0 || fe.Offset > len(data) {
			t.Errorf("error %q: offset %d outside the %d-byte message", e, fe.Offset, len(data))
		}
		if strings.ContainsAny(e.Error(), "\n\r") {
			t.Errorf("error %q spans lines", e)
		}
	}

	n := len(m.Contents)
	prevEnd := decode.HeaderLen
	sum := 0
	for i, p := range m.Payloads {
		if p.Offset < decode.HeaderLen {
			t.Fatalf("payload %d (%s): offset %d inside the header", i+1, p.Type, p.Offset)
		}
		if p.Offset != prevEnd {
			t.Fatalf("payload %d (%s): offset %d, the previous payload ended at %d", i+1, p.Type, p.Offset, prevEnd)
		}
		if p.Length < 4 {
			t.Fatalf("payload %d (%s): length %d is shorter than the generic header", i+1, p.Type, p.Length)
		}
		end := p.Offset + int(p.Length)
		if p.Partial {
			if i != len(m.Payloads)-1 {
				t.Fatalf("payload %d (%s) is partial but not the last", i+1, p.Type)
			}
			if end <= n {
				t.Fatalf("payload %d (%s) is partial but ends at %d inside %d bytes", i+1, p.Type, end, n)
			}
			if p.Offset+4+len(p.Body) != n {
				t.Fatalf("partial payload %d (%s): body ends at %d, message at %d", i+1, p.Type, p.Offset+4+len(p.Body), n)
			}
		} else {
			if end > n {
				t.Fatalf("payload %d (%s): offset %d + length %d runs past %d bytes", i+1, p.Type, p.Offset, p.Length, n)
			}
			if len(p.Body) != int(p.Length)-4 {
				t.Fatalf("payload %d (%s): body is %d bytes, length says %d", i+1, p.Type, len(p.Body), int(p.Length)-4)
			}
		}
		if p.Err != nil && !fuzzContainsErr(m.Errors, p.Err) {
			t.Fatalf("payload %d (%s): error %q is not in the message's Errors", i+1, p.Type, p.Err)
		}
		prevEnd = end
		sum += int(p.Length)
	}

	if len(m.Errors) == 0 && !m.Truncated {
		if int64(m.Length) != int64(len(m.Contents)) {
			t.Fatalf("no errors, not truncated, but Length %d != %d bytes of message", m.Length, len(m.Contents))
		}
		body := sum
		if m.Encrypted != nil {
			body = len(m.Encrypted.Data)
		}
		// Payloads that stop short of the header's length leave extra data, an anomaly
		// that starts where they stop.
		if decode.HeaderLen+body != int(m.Length) && !fuzzHasAnomaly(m, decode.AnomalyExtraData, decode.HeaderLen+body) {
			t.Fatalf("no errors, not truncated, but 28 + %d bytes of payloads != Length %d and no extra-data anomaly at %d: %v",
				body, m.Length, decode.HeaderLen+body, m.Anomalies)
		}
	}
	for _, a := range m.Anomalies {
		if a.Offset < 0 || a.Offset > len(data) || a.Detail == "" || strings.ContainsAny(a.Detail, "\n\r") ||
			strings.HasPrefix(a.Kind.String(), "AnomalyKind(") {
			t.Errorf("anomaly %v: offset outside the %d-byte message, no detail, or an unnamed kind", a, len(data))
		}
	}
	if len(m.Errors) == 0 && !m.Truncated && len(m.LayerPayload()) > 0 && !fuzzHasAnomaly(m, decode.AnomalyExtraData, -1) {
		t.Fatalf("%d bytes after the header's length, neither an error nor an anomaly", len(m.LayerPayload()))
	}
	if m.Truncated && int64(m.Length) <= int64(len(data)) {
		t.Fatalf("truncated, but Length %d fits in %d bytes", m.Length, len(data))
	}
}

// fuzzHasAnomaly reports whether m has an anomaly of the kind at the offset (any offset for -1).
func fuzzHasAnomaly(m *decode.ISAKMP, kind decode.AnomalyKind, off int) bool {
	for _, a := range m.Anomalies {
		if a.Kind == kind && (off < 0 || a.Offset == off) {
			return true
		}
	}
	return false
}

func fuzzContainsErr(errs []error, err error) bool {
	for _, e := range errs {
		if e == err {
			return true
		}
	}
	return false
}

// renderISAKMP is a canonical rendering of everything a decode produced: every field,
// followed through pointers, byte slices in hex, errors by their text. Pointer values,
// slice capacities and nil-versus-empty are left out, so two decodes of the same bytes
// render the same.
func renderISAKMP(m *decode.ISAKMP, err error) string {
	var b strings.Builder
	fmt.Fprintf(&b, "err=%v ", err)
	fuzzRenderValue(&b, reflect.ValueOf(m).Elem(), 0)
	return b.String()
}

var (
	fuzzErrorType    = reflect.TypeOf((*error)(nil)).Elem()
	fuzzTimeType     = reflect.TypeOf(time.Time{})
	fuzzStringerType = reflect.TypeOf((*fmt.Stringer)(nil)).Elem()
)

func fuzzRenderValue(b *strings.Builder, v reflect.Value, depth int) {
	if depth > 32 {
		b.WriteString("…")
		return
	}
	if v.Kind() == reflect.Interface {
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		if v.Type() == fuzzErrorType && v.CanInterface() {
			fmt.Fprintf(b, "error(%q)", v.Interface().(error).Error())
			return
		}
		fuzzRenderValue(b, v.Elem(), depth+1)
		return
	}
	if v.Type() == fuzzTimeType && v.CanInterface() {
		b.WriteString(v.Interface().(time.Time).UTC().Format(time.RFC3339Nano))
		return
	}
	if v.Kind() == reflect.Struct && v.Type().Implements(fuzzStringerType) && v.CanInterface() {
		// netip.Addr and friends: their fields are private and their text is canonical.
		b.WriteString(v.Interface().(fmt.Stringer).String())
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		b.WriteByte('&')
		fuzzRenderValue(b, v.Elem(), depth+1)
	case reflect.Struct:
		b.WriteByte('{')
		for i := 0; i < v.NumField(); i++ {
			if !v.Type().Field(i).IsExported() {
				continue // how the decode was made (its allocator), not what it found
			}
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(v.Type().Field(i).Name)
			b.WriteByte(':')
			fuzzRenderValue(b, v.Field(i), depth+1)
		}
		b.WriteByte('}')
	case reflect.Slice, reflect.Array:
		// A nil slice and an empty one are the same result: a reused layer keeps
		// Payloads[:0] where a fresh one has nil.
		if v.Type().Elem().Kind() == reflect.Uint8 {
			fmt.Fprintf(b, "%d:%x", v.Len(), fuzzBytesOf(v))
			return
		}
		b.WriteByte('[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b.WriteByte(' ')
			}
			fuzzRenderValue(b, v.Index(i), depth+1)
		}
		b.WriteByte(']')
	case reflect.Map:
		keys := v.MapKeys()
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			var kb, vb strings.Builder
			fuzzRenderValue(&kb, k, depth+1)
			fuzzRenderValue(&vb, v.MapIndex(k), depth+1)
			parts = append(parts, kb.String()+":"+vb.String())
		}
		sort.Strings(parts)
		b.WriteString("map[" + strings.Join(parts, " ") + "]")
	case reflect.String:
		fmt.Fprintf(b, "%q", v.String())
	case reflect.Bool:
		fmt.Fprintf(b, "%t", v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		fmt.Fprintf(b, "%d", v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		fmt.Fprintf(b, "%d", v.Uint())
	case reflect.Float32, reflect.Float64:
		fmt.Fprintf(b, "%g", v.Float())
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		// Not data; nothing in a decoded message should hold one.
		fmt.Fprintf(b, "<%s>", v.Kind())
	default:
		fmt.Fprintf(b, "<%s>", v.Kind())
	}
}

func fuzzBytesOf(v reflect.Value) []byte {
	if v.Kind() == reflect.Slice {
		return v.Bytes()
	}
	out := make([]byte, v.Len())
	for i := range out {
		out[i] = byte(v.Index(i).Uint())
	}
	return out
}

// isakmpEdgeCases are hand-made messages at the edges of the generic payload chain.
func isakmpEdgeCases() [][]byte {
	hdr := func(next decode.PayloadType, major uint8, exch decode.ExchangeType, flags decode.Flags, length int) []byte {
		b := make([]byte, decode.HeaderLen)
		copy(b[0:8], "\x01\x02\x03\x04\x05\x06\x07\x08")
		b[16] = byte(next)
		b[17] = major << 4
		b[18] = byte(exch)
		b[19] = byte(flags)
		binary.BigEndian.PutUint32(b[24:28], uint32(length))
		return b
	}
	gen := func(next decode.PayloadType, length int, body ...byte) []byte {
		b := []byte{byte(next), 0, 0, 0}
		binary.BigEndian.PutUint16(b[2:4], uint16(length))
		return append(b, body...)
	}
	cat := func(parts ...[]byte) []byte {
		var out []byte
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	fix := func(b []byte) []byte { // set the header length to the data length
		binary.BigEndian.PutUint32(b[24:28], uint32(len(b)))
		return b
	}
	return [][]byte{
		nil,
		make([]byte, decode.HeaderLen-1),
		// header only, IKEv2 IKE_SA_INIT with no payloads
		hdr(decode.PayloadNone, 2, 34, decode.FlagInitiator, decode.HeaderLen),
		// header only, IKEv1 Main Mode
		hdr(decode.PayloadNone, 1, 2, 0, decode.HeaderLen),
		// header length smaller than the header
		hdr(decode.PayloadNone, 2, 34, 0, 4),
		// header length far beyond the data (truncation)
		hdr(decode.PayloadSA, 2, 34, 0, 0xffffffff),
		// payload length 0: the chain cannot advance
		fix(cat(hdr(decode.PayloadVendorID, 2, 34, 0, 0), gen(decode.PayloadNone, 0))),
		// payload length 2
		fix(cat(hdr(decode.PayloadNonce, 2, 34, 0, 0), gen(decode.PayloadNone, 2))),
		// payload length 4 (empty body) on every typed payload
		fix(cat(hdr(decode.PayloadSA, 2, 34, 0, 0), gen(decode.PayloadKE, 4), gen(decode.PayloadIDi, 4),
			gen(decode.PayloadCert, 4), gen(decode.PayloadCertReq, 4), gen(decode.PayloadAuth, 4),
			gen(decode.PayloadNotify, 4), gen(decode.PayloadDelete, 4), gen(decode.PayloadTSi, 4),
			gen(decode.PayloadCP, 4), gen(decode.PayloadEAP, 4), gen(decode.PayloadSKF, 4),
			gen(decode.PayloadSK, 4))),
		fix(cat(hdr(decode.PayloadV1SA, 1, 2, 0, 0), gen(decode.PayloadV1KE, 4), gen(decode.PayloadV1ID, 4),
			gen(decode.PayloadV1Cert, 4), gen(decode.PayloadV1CertReq, 4), gen(decode.PayloadV1Notify, 4),
			gen(decode.PayloadV1Delete, 4), gen(decode.PayloadV1NATOA, 4), gen(decode.PayloadV1Attr, 4),
			gen(decode.PayloadV1Fragment, 4), gen(decode.PayloadNone, 4))),
		// a chain that names itself as the next payload, over and over (tcpdump's pointer loop)
		fix(cat(hdr(decode.PayloadV1VendorID, 1, 2, 0, 0), gen(decode.PayloadV1VendorID, 4),
			gen(decode.PayloadV1VendorID, 4), gen(decode.PayloadV1VendorID, 4), gen(decode.PayloadV1VendorID, 4))),
		// the last payload names a next payload that is not there
		fix(cat(hdr(decode.PayloadNonce, 2, 34, 0, 0), gen(decode.PayloadNonce, 8, 1, 2, 3, 4))),
		// payload length runs past the message
		fix(cat(hdr(decode.PayloadNonce, 2, 34, 0, 0), gen(decode.PayloadNone, 200, 1, 2, 3, 4))),
		// data after the length the header gives
		cat(hdr(decode.PayloadNone, 2, 34, 0, decode.HeaderLen), []byte{0xde, 0xad, 0xbe, 0xef}),
		// IKEv1 with the encryption flag: the body is opaque
		fix(cat(hdr(decode.PayloadV1Hash, 1, 32, decode.FlagEncryption, 0), bytes.Repeat([]byte{0xaa}, 32))),
		// SA with a proposal of length 0 and a transform count that lies
		fix(cat(hdr(decode.PayloadSA, 2, 34, 0, 0), gen(decode.PayloadNone, 12, 0, 0, 0, 0, 1, 1, 0, 255))),
		// IKEv1 SA, IPsec DOI, a proposal whose transform has an attribute longer than the data
		fix(cat(hdr(decode.PayloadV1SA, 1, 2, 0, 0), gen(decode.PayloadNone, 32,
			0, 0, 0, 1, 0, 0, 0, 1, // DOI, situation
			0, 0, 0, 20, 1, 1, 0, 1, // proposal 1, ISAKMP, no SPI, 1 transform
			0, 0, 0, 12, 1, 1, 0, 0, // transform 1, KEY_IKE
			0, 1, 0xff, 0xff))), // TLV attribute claiming 65535 bytes
		// SKF with fragment number 0
		fix(cat(hdr(decode.PayloadSKF, 2, 35, 0, 0), gen(decode.PayloadNone, 12, 0, 0, 0, 1, 9, 9, 9, 9))),
		// Delete with a huge SPI count and no SPIs
		fix(cat(hdr(decode.PayloadDelete, 2, 37, 0, 0), gen(decode.PayloadNone, 8, 3, 4, 0xff, 0xff))),
		// TS with a selector of length 0
		fix(cat(hdr(decode.PayloadTSi, 2, 35, 0, 0), gen(decode.PayloadNone, 12, 1, 0, 0, 0, 7, 0, 0, 0))),
	}
}

// isakmpSeeds returns the UDP payload of every ISAKMP message in the sample captures and
// the shared corpus, without duplicates. Seeding is best effort: captures that do not open
// are skipped.
func isakmpSeeds(tb testing.TB) [][]byte {
	seen := map[string]bool{}
	var seeds [][]byte
	for _, path := range fuzzCaptureFiles(tb) {
		r, err := decode.Open(path)
		if err != nil {
			continue
		}
		for r.Next() {
			m := r.Message().ISAKMP
			if m == nil {
				continue
			}
			// Contents is the message up to its Length, Payload whatever followed it.
			b := append(append([]byte(nil), m.Contents...), m.LayerPayload()...)
			if !seen[string(b)] {
				seen[string(b)] = true
				seeds = append(seeds, b)
			}
		}
		r.Close()
	}
	return seeds
}

// fuzzRepoRoot is the directory holding go.mod, found by walking up from the test's directory.
func fuzzRepoRoot(tb testing.TB) string {
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}

// fuzzCorpusDir is the shared capture corpus next to the repository, or "" when it is absent.
func fuzzCorpusDir(tb testing.TB) string {
	dir := filepath.Join(fuzzRepoRoot(tb), "..", "shared", "corpus")
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return ""
	}
	return dir
}

// fuzzCaptureFiles lists the sample captures (pcaps/*.pcap) and every capture in the shared
// corpus (*.pcap, *.pcapng, *.gz, leaving out the collector's _derived directory), sorted.
func fuzzCaptureFiles(tb testing.TB) []string {
	files, _ := filepath.Glob(filepath.Join(fuzzRepoRoot(tb), "pcaps", "*.pcap"))
	if dir := fuzzCorpusDir(tb); dir != "" {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if d.IsDir() {
				if d.Name() == "_derived" {
					return filepath.SkipDir
				}
				return nil
			}
			switch {
			case strings.HasSuffix(path, ".pcap"), strings.HasSuffix(path, ".pcapng"), strings.HasSuffix(path, ".gz"):
				files = append(files, path)
			}
			return nil
		})
	}
	sort.Strings(files)
	return files
}

// FuzzReader feeds arbitrary bytes to NewReader as a capture file and reads it to the end.
// Whatever the bytes, reading ends (within a bounded number of messages), and a failure is a
// *decode.CaptureError whose text is one line.
func FuzzReader(f *testing.F) {
	for _, b := range readerSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decode.NewReader("fuzz.pcap", bytes.NewReader(b), nil)
		if err != nil {
			fuzzCheckCaptureError(t, err)
			return
		}
		// Every frame costs at least a 16-byte record header, and yields at most one message
		// plus the fragment sets it evicts, each of which took a frame of its own.
		limit := len(b)/8 + 16
		n := 0
		for r.Next() {
			n++
			if n > limit {
				t.Fatalf("more than %d messages from %d bytes: reading does not end", limit, len(b))
			}
			m := r.Message()
			if m.Frame < 1 || m.Frame > r.Frames() {
				t.Fatalf("message frame %d outside 1..%d", m.Frame, r.Frames())
			}
			if m.ISAKMP != nil && len(m.ISAKMP.Contents) >= decode.HeaderLen {
				payload := append(append([]byte(nil), m.ISAKMP.Contents...), m.ISAKMP.LayerPayload()...)
				for _, p := range m.ISAKMP.Payloads {
					if p.Offset < decode.HeaderLen || (!p.Partial && p.Offset+int(p.Length) > len(payload)) {
						t.Fatalf("frame %d: payload %s at %d+%d outside %d bytes", m.Frame, p.Type, p.Offset, p.Length, len(payload))
					}
				}
			}
		}
		if err := r.Err(); err != nil {
			fuzzCheckCaptureError(t, err)
		}
		if st := r.Stats(); st.Frames != r.Frames() {
			t.Fatalf("Stats.Frames %d != Frames() %d", st.Frames, r.Frames())
		}
		if r.Next() {
			t.Fatalf("Next returned true after the end")
		}
	})
}

func fuzzCheckCaptureError(t *testing.T, err error) {
	t.Helper()
	ce, ok := err.(*decode.CaptureError)
	if !ok {
		t.Fatalf("error %T %q is not a *decode.CaptureError", err, err)
	}
	if s := ce.Error(); strings.ContainsAny(s, "\n\r") || s == "" {
		t.Fatalf("capture error %q is not a single line", s)
	}
}

// readerSeeds are the first few KB of real captures in each format the Reader takes
// (pcap in both byte orders and both time resolutions, pcapng, gzip), and cut versions.
func readerSeeds(tb testing.TB) [][]byte {
	const head = 4096
	var whole [][]byte
	for _, path := range fuzzCaptureFiles(tb) {
		b, err := os.ReadFile(path)
		if err != nil || len(b) < 24 {
			continue
		}
		whole = append(whole, b)
	}
	var picked [][]byte
	haveGz, haveNg, havePcap := 0, 0, 0
	for _, b := range whole {
		switch {
		case b[0] == 0x1f && b[1] == 0x8b && haveGz < 3:
			haveGz++
			picked = append(picked, b)
		case binary.BigEndian.Uint32(b) == 0x0a0d0d0a && haveNg < 6:
			haveNg++
			picked = append(picked, b)
		case binary.BigEndian.Uint32(b) == 0xd4c3b2a1 && havePcap < 8:
			havePcap++
			picked = append(picked, b)
			if be := fuzzPcapToBigEndian(b); be != nil && havePcap <= 3 {
				picked = append(picked, be)
			}
			if ns := fuzzPcapToNanos(b); ns != nil && havePcap <= 2 {
				picked = append(picked, ns)
			}
		}
	}
	var seeds [][]byte
	for _, b := range picked {
		if len(b) > head {
			b = b[:head]
		}
		seeds = append(seeds, b)
		for _, cut := range []int{len(b) / 2, len(b) - 1, 24 + 16 + 10, 30, 3} {
			if cut > 0 && cut < len(b) {
				seeds = append(seeds, b[:cut])
			}
		}
	}
	return seeds
}

// fuzzPcapToBigEndian rewrites a little-endian pcap file in big-endian byte order, which no
// capture at hand uses.
func fuzzPcapToBigEndian(le []byte) []byte {
	if len(le) < 24 || binary.LittleEndian.Uint32(le) != 0xa1b2c3d4 {
		return nil
	}
	be := make([]byte, 0, len(le))
	be = binary.BigEndian.AppendUint32(be, 0xa1b2c3d4)
	be = binary.BigEndian.AppendUint16(be, binary.LittleEndian.Uint16(le[4:]))
	be = binary.BigEndian.AppendUint16(be, binary.LittleEndian.Uint16(le[6:]))
	for off := 8; off < 24; off += 4 {
		be = binary.BigEndian.AppendUint32(be, binary.LittleEndian.Uint32(le[off:]))
	}
	for off := 24; off+16 <= len(le); {
		for i := 0; i < 4; i++ {
			be = binary.BigEndian.AppendUint32(be, binary.LittleEndian.Uint32(le[off+4*i:]))
		}
		n := int(binary.LittleEndian.Uint32(le[off+8:]))
		off += 16
		if n > len(le)-off {
			n = len(le) - off
		}
		be = append(be, le[off:off+n]...)
		off += n
	}
	return be
}

// fuzzPcapToNanos rewrites a microsecond pcap as a nanosecond one.
func fuzzPcapToNanos(le []byte) []byte {
	if len(le) < 24 || binary.LittleEndian.Uint32(le) != 0xa1b2c3d4 {
		return nil
	}
	ns := append([]byte(nil), le...)
	binary.LittleEndian.PutUint32(ns, 0xa1b23c4d)
	for off := 24; off+16 <= len(ns); {
		usec := binary.LittleEndian.Uint32(ns[off+4:])
		binary.LittleEndian.PutUint32(ns[off+4:], usec*1000)
		n := int(binary.LittleEndian.Uint32(ns[off+8:]))
		off += 16 + n
	}
	return ns
}

// Regression tests for hostile capture files, found while writing the fuzz targets. Each
// builds its file inline; the comments say which bytes matter.

// pcapngFile is a little-endian pcapng file: a section header, one Ethernet interface with
// the given snap length, and one enhanced packet block per frame (capture length = len).
func pcapngFile(snaplen uint32, frames ...[]byte) []byte {
	le := binary.LittleEndian
	var b []byte
	// SHB: type, length 28, byte-order magic, version 1.0, section length -1, length 28
	b = le.AppendUint32(b, 0x0a0d0d0a)
	b = le.AppendUint32(b, 28)
	b = le.AppendUint32(b, 0x1a2b3c4d)
	b = le.AppendUint16(b, 1)
	b = le.AppendUint16(b, 0)
	b = le.AppendUint64(b, 0xffffffffffffffff)
	b = le.AppendUint32(b, 28)
	// IDB: type 1, length 20, link type 1 (Ethernet), reserved, snap length, length 20
	b = le.AppendUint32(b, 1)
	b = le.AppendUint32(b, 20)
	b = le.AppendUint16(b, 1)
	b = le.AppendUint16(b, 0)
	b = le.AppendUint32(b, snaplen)
	b = le.AppendUint32(b, 20)
	for _, f := range frames {
		// EPB: type 6, length, interface 0, timestamp, captured and original length, data, length
		n := uint32(32 + (len(f)+3)&^3)
		b = le.AppendUint32(b, 6)
		b = le.AppendUint32(b, n)
		b = le.AppendUint32(b, 0)
		b = le.AppendUint32(b, 0x0005f5e1)
		b = le.AppendUint32(b, 0)
		b = le.AppendUint32(b, uint32(len(f)))
		b = le.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		b = le.AppendUint32(b, n)
	}
	return b
}

// pcapFile is a little-endian microsecond pcap file of Ethernet frames.
func pcapFile(snaplen uint32, frames ...[]byte) []byte {
	le := binary.LittleEndian
	var b []byte
	// magic, version 2.4, thiszone, sigfigs, snap length, link type 1 (Ethernet)
	b = le.AppendUint32(b, 0xa1b2c3d4)
	b = le.AppendUint16(b, 2)
	b = le.AppendUint16(b, 4)
	b = le.AppendUint64(b, 0)
	b = le.AppendUint32(b, snaplen)
	b = le.AppendUint32(b, 1)
	for _, f := range frames {
		b = le.AppendUint32(b, 1700000000)
		b = le.AppendUint32(b, 0)
		b = le.AppendUint32(b, uint32(len(f)))
		b = le.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}

// espFrame is Ethernet, IPv4 10.0.0.1 -> 10.0.0.2 protocol 50, and an ESP header with SPI
// 0x01020304, sequence 1, followed by 8 bytes of ciphertext.
var espFrame = []byte{
	0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00, // Ethernet, IPv4
	0x45, 0, 0, 36, 0, 1, 0x40, 0, 64, 50, 0x26, 0xcc, // IPv4, total length 36, DF, TTL 64, ESP, checksum
	10, 0, 0, 1, 10, 0, 0, 2,
	1, 2, 3, 4, 0, 0, 0, 1, // SPI, sequence number
	0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef,
}

func readAll(t *testing.T, name string, b []byte) (msgs int, err error) {
	t.Helper()
	r, err := decode.NewReader(name, bytes.NewReader(b), nil)
	if err != nil {
		return 0, err
	}
	for r.Next() {
		msgs++
	}
	return msgs, r.Err()
}

// A pcapng file that ends inside a packet block is truncated, as a pcap file that ends
// inside a record is: reading must say so rather than end as if the capture were whole.
func TestReaderPcapngTruncatedInBlock(t *testing.T) {
	whole := pcapngFile(0, espFrame, espFrame)
	if n, err := readAll(t, "whole.pcapng", whole); err != nil || n != 2 {
		t.Fatalf("whole file: %d messages, error %v; want 2, nil", n, err)
	}
	// Cut the second EPB after its 28-byte header and 10 bytes of its frame.
	cut := whole[:len(whole)-len(espFrame)-4+10]
	n, err := readAll(t, "cut.pcapng", cut)
	if n != 1 {
		t.Errorf("cut file: %d messages, want the 1 before the cut", n)
	}
	var ce *decode.CaptureError
	if !errors.As(err, &ce) || ce.Frame != 2 {
		t.Errorf("cut file: error %v, want a *CaptureError at frame 2", err)
	}
	// The same cut in a pcap file, for comparison, is reported.
	p := pcapFile(65535, espFrame, espFrame)
	if _, err := readAll(t, "cut.pcap", p[:len(p)-len(espFrame)+10]); !errors.As(err, &ce) || ce.Frame != 2 {
		t.Errorf("cut pcap file: error %v, want a *CaptureError at frame 2", err)
	}
}

// allocatedBy returns how many bytes f allocated (by the whole process, so keep tests that
// use it sequential and the limit generous).
func allocatedBy(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A capture header may state any snap length and a record any capture length; a file of a
// hundred bytes must not make the Reader allocate a buffer of that size. tcpdump clamps the
// snap length to MAXIMUM_SNAPLEN (262144); so do we. The test uses 256 MiB where a hostile
// file would say 4 GiB, so that a regression costs little to detect.
func TestReaderHugeSnapLength(t *testing.T) {
	const huge, limit = 256 << 20, 64 << 20
	for _, tc := range []struct {
		name string
		file []byte
	}{
		// pcap header snap length 0x10000000, one ordinary frame
		{"pcap snaplen", pcapFile(huge, espFrame)},
		// pcapng interface snap length 0x10000000, one ordinary frame
		{"pcapng snaplen", pcapngFile(huge, espFrame)},
		// pcapng EPB whose captured and original lengths say 0x10000000 in a 36-byte block
		{"pcapng caplen", func() []byte {
			b := pcapngFile(0, espFrame[:4])
			binary.LittleEndian.PutUint32(b[len(b)-4-4-8:], huge)
			binary.LittleEndian.PutUint32(b[len(b)-4-4-4:], huge)
			return b
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			n := allocatedBy(func() { _, err = readAll(t, "huge.pcap", tc.file) })
			if err != nil {
				fuzzCheckCaptureError(t, err)
			}
			if n > limit {
				t.Errorf("a %d-byte file made the Reader allocate %d MiB", len(tc.file), n>>20)
			}
		})
	}
}

// One IP datagram can have at most 8192 distinct fragment offsets, but a capture can repeat
// fragments without end. A run of duplicate fragments must cost time in proportion to its
// length and bounded memory: the reassembler once stored every copy and sorted and scanned
// them all on each new fragment, which was quadratic.
func TestReassemblyDuplicateFragmentsEnd(t *testing.T) {
	// Ethernet, IPv4 10.0.0.1 -> 10.0.0.2, ID 77, UDP, fragment offset and MF flag set
	// below, 16 bytes of payload.
	frag := func(off int, more bool) []byte {
		b := []byte{
			0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00,
			0x45, 0, 0, 36, 0, 77, 0, 0, 64, 17, 0, 0,
			10, 0, 0, 1, 10, 0, 0, 2,
		}
		fo := uint16(off / 8)
		if more {
			fo |= 0x2000
		}
		binary.BigEndian.PutUint16(b[14+6:], fo)
		return append(b, make([]byte, 16)...)
	}
	const n = 60000
	d := decode.NewDecoder()
	var got []*decode.Message
	emit := func(m *decode.Message) { c := *m; got = append(got, &c) }
	ci := func(b []byte) gopacket.CaptureInfo {
		return gopacket.CaptureInfo{Timestamp: time.Unix(1700000000, 0), CaptureLength: len(b), Length: len(b)}
	}
	last := frag(8000, false) // the last fragment first: the total length is known
	d.Decode(1, ci(last), 1, last, emit)
	dup := frag(8, true) // then the same middle fragment over and over; offset 0 never comes
	for i := 0; i < n; i++ {
		d.Decode(i+2, ci(dup), 1, dup, emit)
	}
	d.Flush(emit)
	// The duplicates are counted but not stored: the datagram holds its two distinct
	// pieces and a bounded list of frames, and is reported incomplete.
	if s := d.Stats; s.Fragments != n+1 || s.Incomplete != 1 {
		t.Errorf("stats %+v, want %d fragments and 1 incomplete datagram", s, n+1)
	}
	if len(got) != 1 || got[0].Fragments == nil || got[0].Fragments.Received != 32 || len(got[0].Fragments.Frames) > 64 {
		t.Errorf("messages %+v, want one incomplete datagram of 32 bytes with at most 64 frames listed", got)
	}
}

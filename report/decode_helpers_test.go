package report

import (
	"bytes"
	"testing"

	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/decode/ikecrypt"
)

// decodeOutput prints a capture as `ikescope decode -f format` does (format "text" or
// "json"), with the keys of keyFile when it is not "" (--keys) and redacted by rd when
// it is not nil (--redact).
func decodeOutput(t testing.TB, format, capture, keyFile string, rd *Redactor) string {
	t.Helper()
	var dec *ikecrypt.Decrypter
	if keyFile != "" {
		keys, err := ikecrypt.LoadKeys(keyFile)
		if err != nil {
			t.Fatal(err)
		}
		dec = ikecrypt.NewDecrypter(keys)
	}
	r, err := decode.Open(capture)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out bytes.Buffer
	tw := NewTreeWriter(&out)
	if rd != nil {
		tw.Redact(rd)
	}
	for r.Next() {
		m := r.Message()
		var res *ikecrypt.Result
		var derr error
		switch {
		case dec != nil && m.Kind == decode.KindESP:
			dec.Open(m)
		case dec != nil && m.Kind == decode.KindISAKMP && m.ISAKMP != nil:
			res, derr = dec.Decrypt(m.ISAKMP)
		}
		if format == "json" {
			j := NewMessageJSON("", m)
			j.Decrypted = NewDecryptedJSON(res, derr)
			if err := WriteMessageJSON(&out, j, m, res, rd); err != nil {
				t.Fatal(err)
			}
			continue
		}
		tw.Write(m)
		tw.WriteDecrypted(m, res, derr)
	}
	if err := tw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestAppendIndent holds appendIndent to json.Indent, byte for byte, on every analysis
// JSON document the golden files hold (compacted first, as encoding/json writes them),
// at the prefixes the reports use, and on values with empty objects and arrays, escapes
// and brackets inside strings.
func TestAppendIndent(t *testing.T) {
	docs := [][]byte{
		[]byte(`{}`), []byte(`[]`), []byte(`{"a":[],"b":{},"c":[{}],"d":[[],[1,2]]}`),
		[]byte(`{"s":"a \"quoted\" {[,:]} \\ back\\","n":-1.5e3,"t":true,"z":null}`),
		[]byte(`["\u003chtml\u003e","x\\\"y",{"k":"v"}]`),
	}
	files, _ := filepath.Glob(filepath.Join("..", "cmd", "ikescope", "testdata", "analyze", "*.json"))
	if len(files) == 0 {
		t.Fatal("no golden JSON documents to compare with")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var c bytes.Buffer
		if err := json.Compact(&c, b); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		docs = append(docs, c.Bytes())
	}
	for _, d := range docs {
		for _, prefix := range []string{"", "    "} {
			var want bytes.Buffer
			if err := json.Indent(&want, d, prefix, "  "); err != nil {
				t.Fatal(err)
			}
			if got := appendIndent(nil, d, prefix, "  "); !bytes.Equal(got, want.Bytes()) {
				n := min(len(got), want.Len(), 200)
				t.Errorf("prefix %q: differs from json.Indent for %.80q…: got %q, want %q", prefix, d, got[:n], want.Bytes()[:n])
			}
		}
	}
}

func BenchmarkAppendIndent(b *testing.B) {
	src, err := os.ReadFile(filepath.Join("..", "cmd", "ikescope", "testdata", "analyze", "ikev2-rekey.json"))
	if err != nil {
		b.Fatal(err)
	}
	var c bytes.Buffer
	json.Compact(&c, src)
	b.Run("json.Indent", func(b *testing.B) {
		var out bytes.Buffer
		b.SetBytes(int64(c.Len()))
		for b.Loop() {
			out.Reset()
			json.Indent(&out, c.Bytes(), "    ", "  ")
		}
	})
	b.Run("appendIndent", func(b *testing.B) {
		var out []byte
		b.SetBytes(int64(c.Len()))
		for b.Loop() {
			out = appendIndent(out[:0], c.Bytes(), "    ", "  ")
		}
	})
}

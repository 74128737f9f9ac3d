package analyze_test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/decode/ikecrypt"
	"github.com/ikescope/ikescope/internal/decodetest"
)

// TestRecycledDecode checks that the analysis keeps nothing of a decoded message's
// structures: over every recorded capture (with the keys its daemons logged) and every
// corpus capture, an analysis whose reader reuses them after each message
// (decode.Reader.Recycle, as ikescope analyze does) says exactly what one whose reader
// allocates every message afresh says.
func TestRecycledDecode(t *testing.T) {
	for _, p := range pcapFiles(t) {
		keys, _ := filepath.Glob(strings.TrimSuffix(p, filepath.Ext(p)) + ".*.log")
		t.Run("pcaps/"+filepath.Base(p), func(t *testing.T) { compareRecycled(t, p, keys) })
	}
	t.Run("corpus", func(t *testing.T) {
		dir := decodetest.RequireCorpus(t)
		for _, rel := range decodetest.CorpusCaptures(t, dir) {
			t.Run(rel, func(t *testing.T) { compareRecycled(t, filepath.Join(dir, rel), nil) })
		}
	})
}

func compareRecycled(t *testing.T, path string, keyFiles []string) {
	var keys *ikecrypt.Keys
	for _, f := range keyFiles {
		k, err := ikecrypt.LoadKeys(f)
		if err != nil {
			continue // a log with no keys in it
		}
		if keys == nil {
			keys = k
		} else {
			keys.Merge(k)
		}
	}
	run := func(recycle bool) []byte {
		r, err := decode.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		res := analyzeReader(t, r, filepath.Base(path), keys, recycle)
		// The messages' full decodes too, as reports that expand a message rebuild them.
		var decoded []*decode.ISAKMP
		for _, s := range res.Sessions {
			for _, m := range s.Messages {
				decoded = append(decoded, m.Decoded())
			}
		}
		out, err := json.Marshal(struct {
			R *analyze.Result
			D []*decode.ISAKMP
		}{res, decoded})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	fresh, recycled := run(false), run(true)
	if !bytes.Equal(fresh, recycled) {
		i := 0
		for i < len(fresh) && i < len(recycled) && fresh[i] == recycled[i] {
			i++
		}
		from := max(0, i-200)
		t.Fatalf("the analysis differs when the decoder reuses its structures, at byte %d:\nfresh:    %s\nrecycled: %s",
			i, fresh[from:min(len(fresh), i+200)], recycled[from:min(len(recycled), i+200)])
	}
}

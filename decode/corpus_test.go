package decode_test

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/internal/decodetest"
)

// Helpers shared by the tests that compare ikescope with other decoders on real captures;
// where the captures are is decodetest's job.

// repoCaptures lists the captures in the repository's pcaps/ directory, as paths
// relative to the repository root ("pcaps/ikev2-psk.pcap"), sorted.
func repoCaptures(t testing.TB) []string {
	t.Helper()
	root := decodetest.RepoRoot(t)
	entries, err := os.ReadDir(filepath.Join(root, "pcaps"))
	if err != nil {
		t.Fatalf("reading pcaps/: %v", err)
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() && decodetest.IsCapture(e.Name()) {
			files = append(files, "pcaps/"+e.Name())
		}
	}
	sort.Strings(files)
	return files
}

// decodedCapture is everything ikescope's decoder made of one capture.
type decodedCapture struct {
	Messages []decode.Message
	Frames   int
	Stats    decode.Stats
	Err      error // the error that ended reading, if any
}

// decodeCapture reads a whole capture with decode.Open. A panic fails the test with the
// capture's name: decode promises never to panic.
func decodeCapture(t testing.TB, path string) (dc decodedCapture) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("decode panicked on %s: %v", path, r)
		}
	}()
	r, err := decode.Open(path)
	if err != nil {
		t.Fatalf("decode.Open: %v", err)
	}
	defer r.Close()
	for r.Next() {
		dc.Messages = append(dc.Messages, *r.Message())
	}
	dc.Frames = r.Frames()
	dc.Stats = r.Stats()
	dc.Err = r.Err()
	return dc
}

// messageErrors returns every error ikescope reported for a message, as text.
func messageErrors(m *decode.Message) []string {
	var errs []string
	if m.Err != nil {
		errs = append(errs, m.Err.Error())
	}
	if m.ISAKMP != nil {
		for _, err := range m.ISAKMP.Errors {
			errs = append(errs, err.Error())
		}
	}
	return errs
}

// unlocatedErrors returns the errors of a message that do not say where they are: every
// decode error should be, or wrap, a *decode.FieldError naming the field and offset.
func unlocatedErrors(m *decode.Message) []error {
	var all []error
	if m.Err != nil {
		all = append(all, m.Err)
	}
	if m.ISAKMP != nil {
		all = append(all, m.ISAKMP.Errors...)
	}
	var bad []error
	for _, err := range all {
		var fe *decode.FieldError
		if !errors.As(err, &fe) {
			bad = append(bad, err)
		}
	}
	return bad
}

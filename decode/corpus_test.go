package decode_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ikescope/ikescope/decode"
)

// Helpers shared by the tests that compare ikescope with other decoders on real captures.
//
// Two sets of captures are used: the repository's own pcaps/ (always present), and the
// shared corpus of captures collected from other projects, which lives beside the
// repository at ../shared/corpus (see its MANIFEST.md). The corpus is not part of the
// repository: a developer without it gets a skip, CI (CI=true) gets a failure.

// inCI reports whether the tests run in CI, where nothing they need may be missing.
func inCI() bool { return os.Getenv("CI") == "true" }

// skipOrFail skips the test with msg on a developer's machine and fails it in CI.
func skipOrFail(t testing.TB, msg string) {
	t.Helper()
	if inCI() {
		t.Fatal(msg + " (CI=true: this must not be missing in CI)")
	}
	t.Skip(msg)
}

// repoRoot returns the module root: the nearest directory above the test's working
// directory that holds go.mod.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// corpusDir returns the shared capture corpus (../shared/corpus from the repository
// root), or "" when it is not there.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "..", "shared", "corpus")
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return ""
	}
	// The corpus may be a symbolic link; filepath.WalkDir does not follow one at its root.
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		return real
	}
	return filepath.Clean(dir)
}

// requireCorpus returns the corpus directory, or skips (fails in CI) when it is absent.
func requireCorpus(t testing.TB) string {
	t.Helper()
	dir := corpusDir(t)
	if dir == "" {
		want := filepath.Clean(filepath.Join(repoRoot(t), "..", "shared", "corpus"))
		skipOrFail(t, "capture corpus not found at "+want+" (../shared/corpus beside the repository); "+
			"these comparisons need it")
	}
	return dir
}

// isCapture reports whether a file name is one of the capture formats decode.Open reads.
func isCapture(name string) bool {
	for _, suffix := range []string{".pcap", ".pcapng", ".pcap.gz", ".pcapng.gz"} {
		if strings.HasSuffix(name, suffix) {
			return true
		}
	}
	return false
}

// corpusCaptures lists every capture under the corpus, as paths relative to it, sorted.
// The _derived directory holds tshark dumps made by the corpus collector, not captures.
func corpusCaptures(t testing.TB, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "_derived" {
			return filepath.SkipDir
		}
		if !d.IsDir() && isCapture(d.Name()) {
			rel, err := filepath.Rel(dir, path)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("listing the corpus: %v", err)
	}
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatalf("no captures found under %s", dir)
	}
	return files
}

// repoCaptures lists the captures in the repository's pcaps/ directory, as paths
// relative to the repository root ("pcaps/ikev2-psk.pcap"), sorted.
func repoCaptures(t testing.TB) []string {
	t.Helper()
	root := repoRoot(t)
	entries, err := os.ReadDir(filepath.Join(root, "pcaps"))
	if err != nil {
		t.Fatalf("reading pcaps/: %v", err)
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() && isCapture(e.Name()) {
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

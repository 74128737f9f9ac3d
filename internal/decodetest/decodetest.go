// Package decodetest finds the captures ikescope's tests run on: the repository's pcaps/
// and the shared corpus of other projects' captures at ../shared/corpus beside the
// repository (see its MANIFEST.md). The corpus is not part of the repository: a test that
// needs it skips on a developer's machine and fails in CI (CI=true), where nothing may be
// missing.
package decodetest

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// InCI reports whether the tests run in CI.
func InCI() bool { return os.Getenv("CI") == "true" }

// SkipOrFail skips the test with msg on a developer's machine and fails it in CI.
func SkipOrFail(t testing.TB, msg string) {
	t.Helper()
	if InCI() {
		t.Fatal(msg + " (CI=true: this must not be missing in CI)")
	}
	t.Skip(msg)
}

// RepoRoot returns the module root: the nearest directory above the test's working
// directory that holds go.mod.
func RepoRoot(t testing.TB) string {
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

// CorpusDir returns the shared capture corpus, or "" when it is not there.
func CorpusDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(RepoRoot(t), "..", "shared", "corpus")
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return ""
	}
	// The corpus may be a symbolic link; filepath.WalkDir does not follow one at its root.
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		return real
	}
	return filepath.Clean(dir)
}

// RequireCorpus returns the corpus directory, or skips (fails in CI) when it is absent.
func RequireCorpus(t testing.TB) string {
	t.Helper()
	dir := CorpusDir(t)
	if dir == "" {
		want := filepath.Clean(filepath.Join(RepoRoot(t), "..", "shared", "corpus"))
		SkipOrFail(t, "capture corpus not found at "+want+" (../shared/corpus beside the repository)")
	}
	return dir
}

// IsCapture reports whether a file name is one of the capture formats decode.Open reads.
func IsCapture(name string) bool {
	for _, suffix := range []string{".pcap", ".pcapng", ".pcap.gz", ".pcapng.gz"} {
		if strings.HasSuffix(name, suffix) {
			return true
		}
	}
	return false
}

// CorpusCaptures lists every capture under the corpus, as slash paths relative to it,
// sorted. The _derived directory holds tshark dumps made by the corpus collector.
func CorpusCaptures(t testing.TB, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "_derived" {
			return filepath.SkipDir
		}
		if !d.IsDir() && IsCapture(d.Name()) {
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

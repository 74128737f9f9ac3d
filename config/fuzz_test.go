package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds every parser arbitrary text (seeded with the test configurations): a
// file ikescope cannot read is an error naming it, never a panic, and no secret of the
// input leaks into an error.
func FuzzParse(f *testing.F) {
	filepath.WalkDir("testdata", func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, err := os.ReadFile(path); err == nil && len(b) < 64<<10 {
				f.Add(string(b))
			}
		}
		return nil
	})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, text string) {
		file := filepath.Join(dir, "input.conf")
		for format, parse := range parsers {
			g := &Gateway{Name: file, Format: format}
			err := parse(g, file, []byte(text))
			if err != nil && !strings.HasPrefix(err.Error(), file) {
				t.Errorf("%s: error %q does not name the file", format, err)
			}
		}
		Detect(file, []byte(text))
	})
}

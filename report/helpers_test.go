package report

import (
	"path/filepath"
	"testing"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/decode"
)

// analyzeFiles runs the analysis over captures, as `ikescope analyze` does.
func analyzeFiles(t testing.TB, paths ...string) *analyze.Result {
	t.Helper()
	a := analyze.New(analyze.Options{})
	for _, p := range paths {
		r, err := decode.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		a.StartCapture(r.Name())
		for r.Next() {
			a.Add(r.Message())
		}
		a.EndCapture(r.Stats())
		if err := r.Err(); err != nil {
			t.Fatal(err)
		}
		r.Close()
	}
	return a.Finish()
}

func pcap(name string) string { return filepath.Join("..", "pcaps", name) }

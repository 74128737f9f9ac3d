package report

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ikescope/ikescope/analyze"
)

// TestFindingSpoolOrder puts more findings in the spool than it keeps in memory (some
// larger than the block it reads back at a time) and checks that they come out whole,
// most severe first and in time order within a severity, ties in the order they came.
func TestFindingSpoolOrder(t *testing.T) {
	for _, n := range []int{10, 20000, 60000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var sp findingSpool
			defer sp.close()
			type want struct {
				sev  analyze.Severity
				at   time.Time
				seq  int
				text string
			}
			var all []want
			t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
			for i := 0; i < n; i++ {
				f := analyze.Finding{
					Severity: analyze.Severity(i % 3),
					// Mostly in time order, as sessions finish; every seventh goes back a
					// little, every 1000th (a session up to the end) to the beginning.
					Time:    t0.Add(time.Duration(i/2-(i%7)*50) * time.Millisecond),
					Summary: fmt.Sprintf("finding %d ", i) + strings.Repeat("x", i%97),
				}
				if i%1000 == 999 {
					f.Time = t0.Add(time.Duration(i%3) * time.Millisecond)
				}
				if i == n/2 && n > 100 {
					f.Summary += strings.Repeat("y", spoolMemory+1000) // a run of its own
				}
				all = append(all, want{f.Severity, f.Time, i, f.Summary + "\n"})
				sp.add(f, func(f analyze.Finding, b *bytes.Buffer) error {
					b.WriteString(f.Summary + "\n")
					return nil
				})
			}
			if spilled := sp.file != nil; spilled != (n > 100) {
				t.Fatalf("spilled to a file: %v with %d findings", spilled, n)
			}
			sort.SliceStable(all, func(i, j int) bool {
				if all[i].sev != all[j].sev {
					return all[i].sev > all[j].sev
				}
				return all[i].at.Before(all[j].at)
			})
			var exp strings.Builder
			for _, w := range all {
				exp.WriteString("," + w.text)
			}
			var got bytes.Buffer
			if err := sp.writeSorted(&got, func() { got.WriteString(",") }); err != nil {
				t.Fatal(err)
			}
			if got.String() != exp.String() {
				g, e := got.String(), exp.String()
				i := 0
				for i < len(g) && i < len(e) && g[i] == e[i] {
					i++
				}
				t.Fatalf("findings differ at byte %d of %d: got %.80q, want %.80q", i, len(e), g[i:], e[i:])
			}
		})
	}
}

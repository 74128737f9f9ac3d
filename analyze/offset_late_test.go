package analyze_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ikescope/ikescope/analyze"
)

// A request retransmitted with the same bytes, seen by a second capture that began after
// its first copy: the second capture's first copy is the first capture's second, and the
// clocks agree. Paired first copy with first copy, the offset would be the retransmission
// interval (2 s).
func TestEstimateOffsetLateCapture(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	a := netip.MustParseAddr("192.0.2.1")
	var first, second []analyze.Fingerprint
	for _, at := range []time.Duration{0, 2 * time.Second, 5 * time.Second, 9500 * time.Millisecond} {
		first = append(first, analyze.Fingerprint{Key: 42, Time: t0.Add(at), Src: a})
		if at > 0 {
			second = append(second, analyze.Fingerprint{Key: 42, Time: t0.Add(at + 30*time.Microsecond), Src: a})
		}
	}
	off, shared, ok := analyze.EstimateOffset(first, second)
	if !ok || shared != 3 || off < 0 || off > time.Millisecond {
		t.Errorf("offset %v, %d shared (ok %v); want about 30µs over 3 packets", off, shared, ok)
	}
}

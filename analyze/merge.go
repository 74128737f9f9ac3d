package analyze

import (
	"net/netip"
	"time"

	"github.com/ikescope/ikescope/decode"
)

// Source is one capture read in order; decode.Reader is one.
type Source interface {
	Name() string
	Next() bool
	Message() *decode.Message
	Stats() decode.Stats
	Err() error
}

// LineUp names the captures (in the order they will be fed) and lines their clocks up
// from the packets they share (their Fingerprints, a first pass over each): each
// capture's offset against the first, through any capture already placed. A capture
// that shares no packet keeps its own clock and is marked as standing apart. It returns
// the offsets.
func (a *Analyzer) LineUp(names []string, prints [][]Fingerprint) []time.Duration {
	offsets := make([]time.Duration, len(names))
	known := make([]bool, len(names))
	for i, name := range names {
		a.StartCapture(name)
		if i == 0 {
			known[0] = true
			continue
		}
		for j := 0; j < i && !known[i]; j++ {
			if !known[j] {
				continue
			}
			if off, shared, ok := EstimateOffset(prints[j], prints[i]); ok {
				offsets[i], known[i] = offsets[j]+off, true
				a.SetClock(i, offsets[i], shared, "")
			}
		}
		if !known[i] {
			a.SetClock(i, 0, 0, apartReason(prints[0], prints[i]))
		}
	}
	return offsets
}

// FeedMerged adds the captures LineUp named, merged in time order on the common
// timeline: each message shifted by its capture's offset and marked with its capture,
// open (decryption, may be nil) applied first. It returns each source's read error.
func (a *Analyzer) FeedMerged(srcs []Source, offsets []time.Duration, open func(*decode.Message)) []error {
	errs := make([]error, len(srcs))
	pending := make([]*decode.Message, len(srcs))
	// Several points from the first message on: what the first capture holds before
	// the second one's first packet is counted for its point as well (an ESP flow's
	// packets seen at each point), or a capture that starts late reads as losses.
	a.multi = a.multi || len(srcs) > 1
	next := func(i int) {
		pending[i] = nil
		if srcs[i].Next() {
			m := *srcs[i].Message() // the source reuses its message
			m.Time = m.Time.Add(-offsets[i])
			pending[i] = &m
			return
		}
		a.SetCapture(i)
		st := srcs[i].Stats()
		if !st.First.IsZero() {
			st.First, st.Last = st.First.Add(-offsets[i]), st.Last.Add(-offsets[i])
		}
		a.EndCapture(st)
		errs[i] = srcs[i].Err()
	}
	for i := range srcs {
		next(i)
	}
	for {
		best := -1
		for i, m := range pending {
			if m != nil && (best < 0 || m.Time.Before(pending[best].Time)) {
				best = i
			}
		}
		if best < 0 {
			return errs
		}
		a.SetCapture(best)
		if open != nil {
			open(pending[best])
		}
		a.Add(pending[best])
		next(best)
	}
}

// apartReason says why a capture shares no packet with the first: other peers, another
// time, or, with the same peers at the same time, no common traffic.
func apartReason(first, other []Fingerprint) string {
	const tail = ": analysed side by side"
	if len(first) == 0 || len(other) == 0 {
		return "one of them holds no IKE or ESP" + tail
	}
	addrs := map[netip.Addr]bool{}
	for _, f := range first {
		addrs[f.Src] = true
	}
	common := false
	for _, f := range other {
		common = common || addrs[f.Src]
	}
	span := func(fs []Fingerprint) (time.Time, time.Time) {
		lo, hi := fs[0].Time, fs[0].Time
		for _, f := range fs {
			if f.Time.Before(lo) {
				lo = f.Time
			}
			if f.Time.After(hi) {
				hi = f.Time
			}
		}
		return lo, hi
	}
	lo1, hi1 := span(first)
	lo2, hi2 := span(other)
	overlap := !lo2.After(hi1) && !lo1.After(hi2)
	switch {
	case !common:
		return "no packet in common with the first capture: other peers" + tail
	case !overlap:
		gap := max(lo2.Sub(hi1), lo1.Sub(hi2))
		if gap < 10*time.Minute {
			// Close in time: one point's packets (a negotiation's later part) never
			// reached the other, or their clocks differ by about that much.
			return "no packet in common with the first capture: the same peers, " + secs(gap) + " apart (what one holds never reached the other, or the clocks differ)" + tail
		}
		return "no packet in common with the first capture: the same peers at another time (or clocks hours apart)" + tail
	}
	return "no packet in common with the first capture, though it has the same peers at the same time" + tail
}

package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

// The Go runtime's soft memory limit (debug.SetMemoryLimit) while an analysis hands its
// sessions over, unless GOMEMLIMIT sets one: what the analysis holds plus a quarter of
// it, plus at least analysisMemoryRoom, and never below analysisMemoryFloor.
const (
	analysisMemoryFloor = 48 << 20
	analysisMemoryRoom  = 16 << 20
)

// boundMemory keeps the soft memory limit just above what the analysis holds, the heap
// live after the latest collection. What is held is bounded (the sessions in progress),
// so the collector runs well before garbage grows to twice that, as it would by default;
// a capture whose sessions in progress need more than the floor (a flood of half-open
// SAs) raises the limit with them rather than being collected over and over, and the
// room keeps collections apart while that grows. The limit follows each collection; stop
// puts back the one there was.
func boundMemory() (stop func()) {
	before := debug.SetMemoryLimit(-1)
	var stopped atomic.Bool
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	set := func() {
		metrics.Read(sample)
		limit := int64(analysisMemoryFloor)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			if live := sample[0].Value.Uint64(); live < math.MaxInt64/2 {
				limit = max(limit, int64(live)+max(int64(live/4), analysisMemoryRoom))
			}
		}
		debug.SetMemoryLimit(limit)
	}
	// A cleanup on an object nothing points at runs after the collection that finds it
	// unreachable: each arms the next.
	var arm func()
	arm = func() {
		runtime.AddCleanup(new([64]byte), func(struct{}) {
			if !stopped.Load() {
				set()
				arm()
			}
		}, struct{}{})
	}
	set()
	arm()
	return func() {
		stopped.Store(true)
		debug.SetMemoryLimit(before)
	}
}

package analyze_test

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/decode"
)

// ESP without IKE between ever new peers (a gateway's day) is followed for a bounded
// number of peer pairs; the one-way finding says how many flows past them it left out.
func TestOrphanPairsBounded(t *testing.T) {
	const pairs = 5000
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var msgs []decode.Message
	frame := 0
	for round := 0; round < 2; round++ {
		for i := 0; i < pairs; i++ {
			frame++
			src := netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 1})
			dst := netip.AddrFrom4([4]byte{203, 0, 113, 2})
			msgs = append(msgs, decode.Message{Frame: frame, Time: t0.Add(time.Duration(round)*20*time.Second + time.Duration(i)*time.Microsecond),
				Src: netip.AddrPortFrom(src, 0), Dst: netip.AddrPortFrom(dst, 0), Kind: decode.KindESP,
				ESP: decode.ESPHeader{SPI: uint32(0x1000 + i), Seq: uint32(1 + round), Len: 100}})
		}
	}
	res := analyzeStream("orphans", msgs, streamStats(msgs), analyze.Options{})
	f := findCode(res, analyze.CodeESPOneWay)
	if f == nil || !strings.Contains(f.Summary, "Past the first 4096 peer pairs") {
		t.Fatalf("one-way finding %+v does not say what it left out", f)
	}
}

// TestUntiedFlowsBounded: a gateway whose tunnels outlive their sessions starts ESP flows
// of no session faster than the idle timeout lets them go. Past 4096 held, those quiet
// for the reply timeout are handed over early, quietest first; none is handed over
// while it may still be claimed, and each is handed over once.
func TestUntiedFlowsBounded(t *testing.T) {
	const flows = 12000
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var msgs []decode.Message
	for i := 0; i < flows; i++ {
		start := t0.Add(time.Duration(i) * 20 * time.Millisecond) // 4 minutes in all
		src := netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 1})
		dst := netip.AddrFrom4([4]byte{203, 0, 113, 2})
		for k := 0; k < 2; k++ {
			msgs = append(msgs, decode.Message{Time: start.Add(time.Duration(k) * time.Second),
				Src: netip.AddrPortFrom(src, 0), Dst: netip.AddrPortFrom(dst, 0), Kind: decode.KindESP,
				ESP: decode.ESPHeader{SPI: uint32(0x1000 + i), Seq: uint32(1 + k), Len: 100}})
		}
	}
	slices.SortStableFunc(msgs, func(a, b decode.Message) int { return a.Time.Compare(b.Time) })
	var now time.Time
	handed := map[uint32]int{}
	a := analyze.New(analyze.Options{OnOrphan: func(f *analyze.ESPFlow) {
		if quiet := now.Sub(f.Last); quiet < 10*time.Second {
			t.Errorf("flow %08x handed over after %v quiet, less than the reply timeout", f.SPI, quiet)
		}
		handed[f.SPI]++
	}})
	a.StartCapture("untied")
	for i := range msgs {
		msgs[i].Frame = i + 1
		now = msgs[i].Time
		a.Add(&msgs[i])
	}
	early := len(handed)
	a.EndCapture(streamStats(msgs))
	r := a.Finish()
	// At most the bound and a second's new flows (the sweep's interval) are held.
	if want := flows - 4096 - 50; early < want {
		t.Errorf("%d flows handed over while the capture ran, want at least %d: the flows held grow past the bound", early, want)
	}
	for _, f := range r.Orphans {
		handed[f.SPI]++
	}
	for spi, n := range handed {
		if n != 1 {
			t.Errorf("flow %08x handed over %d times", spi, n)
		}
	}
	if len(handed) != flows {
		t.Errorf("%d flows handed over in all, want %d", len(handed), flows)
	}
}

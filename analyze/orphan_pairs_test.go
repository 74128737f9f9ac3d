package analyze_test

import (
	"net/netip"
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

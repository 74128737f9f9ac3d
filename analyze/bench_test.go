package analyze_test

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/decode"
)

// template is one real negotiation with its ESP, replayed with fresh SPIs, addresses and
// times to make captures of any length.
type template struct {
	msgs  []decode.Message
	start time.Time
}

func loadTemplate(b *testing.B, files ...string) []template {
	var ts []template
	for _, f := range files {
		r, err := decode.Open(filepath.Join("..", "pcaps", f))
		if err != nil {
			b.Fatal(err)
		}
		var t template
		for r.Next() {
			t.msgs = append(t.msgs, *r.Message())
		}
		r.Close()
		t.start = t.msgs[0].Time
		ts = append(ts, t)
	}
	return ts
}

// stream feeds n messages: negotiation i starts i seconds in, from its own pair of
// addresses in 198.18.0.0/15 (RFC 2544's benchmarking range), with its own SPIs.
func stream(ts []template, n int, feed func(*decode.Message)) {
	base := time.Unix(1700000000, 0)
	sent := 0
	for i := 0; sent < n; i++ {
		t := ts[i%len(ts)]
		var spiI, spiR [8]byte
		binary.BigEndian.PutUint64(spiI[:], uint64(i)<<1|1)
		binary.BigEndian.PutUint64(spiR[:], uint64(i)<<1|2)
		a := netip.AddrFrom4([4]byte{198, 18, byte(i >> 8), byte(i)})
		z := netip.AddrFrom4([4]byte{198, 19, byte(i >> 8), byte(i)})
		shift := base.Add(time.Duration(i) * time.Second).Sub(t.start)
		var init netip.Addr
		for j := range t.msgs {
			if sent == n {
				return
			}
			m := t.msgs[j]
			if j == 0 {
				init = m.Src.Addr()
			}
			m.Time = m.Time.Add(shift)
			if m.Src.Addr() == init {
				m.Src, m.Dst = netip.AddrPortFrom(a, m.Src.Port()), netip.AddrPortFrom(z, m.Dst.Port())
			} else {
				m.Src, m.Dst = netip.AddrPortFrom(z, m.Src.Port()), netip.AddrPortFrom(a, m.Dst.Port())
			}
			if m.ISAKMP != nil {
				x := *m.ISAKMP
				x.InitiatorSPI = spiI
				if x.ResponderSPI != [8]byte{} {
					x.ResponderSPI = spiR
				}
				m.ISAKMP = &x
			}
			if m.Kind == decode.KindESP {
				m.ESP.SPI ^= uint32(i) << 8
			}
			feed(&m)
			sent++
		}
	}
}

// BenchmarkAnalyze runs the analysis over generated captures of 1 and 10 million messages
// (the 10x longer one with 10x as many negotiations) and reports the peak heap: it should
// stay flat, since finished sessions beyond the first 10000 are counted, not kept.
//
//	go test -run '^$' -bench Analyze -benchtime 1x ./analyze/
func BenchmarkAnalyze(b *testing.B) {
	ts := loadTemplate(b, "ikev2-psk.pcap", "ikev1-main-psk.pcap", "ikev1-main-psk-mismatch.pcap")
	sizes := []int{1_000_000, 10_000_000}
	if v, err := strconv.Atoi(os.Getenv("IKESCOPE_BENCH_MESSAGES")); err == nil && v > 0 {
		sizes = []int{v}
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("%dk-messages", n/1000), func(b *testing.B) {
			b.ReportAllocs()
			var peak uint64
			var sessions, kept int
			for i := 0; i < b.N; i++ {
				runtime.GC()
				a := analyze.New(analyze.Options{})
				a.StartCapture("generated")
				count := 0
				stream(ts, n, func(m *decode.Message) {
					a.Add(m)
					if count++; count%500_000 == 0 {
						// Live heap: what the analysis holds, after garbage is collected.
						runtime.GC()
						var ms runtime.MemStats
						runtime.ReadMemStats(&ms)
						peak = max(peak, ms.HeapAlloc)
					}
				})
				res := a.Finish()
				kept = len(res.Sessions)
				sessions = kept + res.OmittedOK + res.OmittedFailed
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-live-heap-MB")
			b.ReportMetric(float64(sessions), "sessions")
			b.ReportMetric(float64(kept), "kept")
		})
	}
}

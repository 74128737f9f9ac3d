package decode_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/gopacket/pcapgo"

	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/internal/benchgen"
)

// The benchmark capture: about a million Ethernet frames in which real IKE exchanges from
// pcaps/ (and the shared corpus, when it is there) are replayed with fresh SPIs and
// addresses, between ESP (IP protocol 50 and UDP 4500) and unrelated TCP and UDP traffic
// (internal/benchgen's link mix). It is generated once, deterministically, and cached under
// os.TempDir()/ikescope-bench/, keyed by the generator's version, the packet count and a
// hash of the source exchanges.

// benchPackets is the size of the benchmark capture.
const benchPackets = 1_000_000

var benchCaptureOnce struct {
	sync.Once
	path string
	err  error
}

// benchCapture returns the path of the cached benchmark capture, generating it if needed.
func benchCapture(tb testing.TB) (path string, packets int) {
	benchCaptureOnce.Do(func() {
		ex, sum := benchgen.Load(fuzzCaptureFiles(tb))
		if len(ex) == 0 {
			benchCaptureOnce.err = fmt.Errorf("no IKE exchanges found in pcaps/ to build the benchmark capture from")
			return
		}
		start := time.Now()
		name := fmt.Sprintf("v%d-%s-%d-%016x.pcap", benchgen.Version, benchgen.Link.Name, benchPackets, sum)
		benchCaptureOnce.path, benchCaptureOnce.err = benchgen.Cached(filepath.Join(os.TempDir(), "ikescope-bench"), name,
			func(w io.Writer) error { return benchgen.Write(w, ex, benchPackets, 1, benchgen.Link) })
		tb.Logf("benchmark capture %s (%d packets from %d exchanges) ready in %v", benchCaptureOnce.path, benchPackets, len(ex), time.Since(start).Round(time.Millisecond))
	})
	if benchCaptureOnce.err != nil {
		tb.Fatalf("benchmark capture: %v", benchCaptureOnce.err)
	}
	return benchCaptureOnce.path, benchPackets
}

// TestBenchCaptureGenerator checks a small capture from the generator: deterministic, the
// traffic mix it promises, IPv4 checksums right, and IKE replayed without decode errors
// under SPIs that are fresh and consistent within each exchange.
func TestBenchCaptureGenerator(t *testing.T) {
	ex, _ := benchgen.Load(fuzzCaptureFiles(t))
	if len(ex) == 0 {
		t.Skip("no IKE exchanges in pcaps/")
	}
	const n = 20000
	dir := t.TempDir()
	write := func(name string) string {
		path := filepath.Join(dir, name)
		fh, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		w := bufio.NewWriter(fh)
		if err := benchgen.Write(w, ex, n, 7, benchgen.Link); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		fh.Close()
		return path
	}
	a, b := write("a.pcap"), write("b.pcap")
	ab, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if string(ab) != string(bb) {
		t.Fatal("two runs with the same seed wrote different captures")
	}

	orig := map[[8]byte]bool{}
	for _, e := range ex {
		for _, m := range e.Msgs {
			orig[[8]byte(m.Data[0:8])] = true
		}
	}
	r, err := decode.Open(a)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	peers := map[[8]byte][2]netip.Addr{} // initiator SPI -> the two addresses
	for r.Next() {
		m := r.Message()
		if m.Kind != decode.KindISAKMP {
			continue
		}
		im := m.ISAKMP
		if len(im.Errors) > 0 || m.Err != nil || im.Truncated {
			t.Fatalf("frame %d: replayed IKE message does not decode cleanly: %v %v", m.Frame, m.Err, im.Errors)
		}
		if orig[im.InitiatorSPI] {
			t.Fatalf("frame %d: initiator SPI %x kept from the source capture", m.Frame, im.InitiatorSPI)
		}
		pair := [2]netip.Addr{m.Src.Addr(), m.Dst.Addr()}
		if pair[1].Less(pair[0]) {
			pair[0], pair[1] = pair[1], pair[0]
		}
		if p, ok := peers[im.InitiatorSPI]; ok && p != pair {
			t.Fatalf("frame %d: SPI %x between %v, earlier between %v", m.Frame, im.InitiatorSPI, pair, p)
		}
		peers[im.InitiatorSPI] = pair
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	st := r.Stats()
	if st.Frames != n || st.LinkErrors != 0 {
		t.Fatalf("stats %+v: want %d frames and no link errors", st, n)
	}
	pct := func(k int) float64 { return 100 * float64(k) / n }
	mix := benchgen.Link
	if p := pct(st.ISAKMP); p < float64(mix.IKE)-1 || p > float64(mix.IKE)+1 {
		t.Errorf("IKE is %.1f%% of frames, want about %d%%", p, mix.IKE)
	}
	if p := pct(st.ESP); p < float64(mix.ESP)-2 || p > float64(mix.ESP)+2 {
		t.Errorf("ESP is %.1f%% of frames, want about %d%%", p, mix.ESP)
	}
	if rest := 100 - mix.IKE - mix.ESP; pct(st.Other) < float64(rest)-2 || pct(st.Other) > float64(rest)+2 {
		t.Errorf("other traffic is %.1f%% of frames, want about %d%%", pct(st.Other), rest)
	}
	if len(peers) < 10 {
		t.Errorf("only %d IKE SAs in %d frames", len(peers), n)
	}

	// IPv4 header checksums verify (the sum over a correct header is 0).
	pr, err := pcapgo.NewReader(bufio.NewReader(bytes.NewReader(ab)))
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; ; i++ {
		data, _, err := pr.ZeroCopyReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := benchgen.IPv4Checksum(data[14:34]); got != 0 {
			t.Fatalf("frame %d: IPv4 header checksum does not verify (sum %#04x)", i, got)
		}
	}
}

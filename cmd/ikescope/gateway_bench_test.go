package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/google/gopacket/pcapgo"

	"github.com/ikescope/ikescope/internal/benchgen"
	"github.com/ikescope/ikescope/internal/decodetest"
)

// BenchmarkGateway measures ikescope on a gateway's day: generated captures of 300k and 3M
// packets (real negotiations from pcaps/ replayed with fresh SPIs and addresses, 70% ESP
// of their tunnels, 25% unrelated TCP; see internal/benchgen), 30M packets piped from the
// generator, a flood of 20k half-open IKE_SA_INITs and one IKE_SA_INIT retransmitted 100k
// times. Each run is its own process, so the peak RSS is the command's. It prints one
// table: times, ratios to a bare pcapgo read loop and to tcpdump, and peak RSS.
//
//	make bench
//	go test -run '^$' -bench Gateway -benchtime 1x ./cmd/ikescope/
//
// IKESCOPE_BENCH_30M=0 leaves out the 30M run (about a minute of generating).
func BenchmarkGateway(b *testing.B) {
	if testing.Short() {
		b.Skip("generates captures of millions of packets; skipped with -short")
	}
	ex, sum := benchgen.Load(benchSourceCaptures(b))
	if len(ex) == 0 {
		b.Skip("no IKE exchanges in pcaps/ to replay")
	}
	dir := filepath.Join(os.TempDir(), "ikescope-bench")
	bin := buildIkescope(b, b.TempDir())
	gen := func(name string, produce func(io.Writer) error) string {
		path, err := benchgen.Cached(dir, fmt.Sprintf("v%d-%s-%016x.pcap", benchgen.Version, name, sum), produce)
		if err != nil {
			b.Fatalf("generating %s: %v", name, err)
		}
		return path
	}
	gateway := func(n int) string {
		return gen(fmt.Sprintf("gateway-%d", n), func(w io.Writer) error { return benchgen.Write(w, ex, n, 1, benchgen.Gateway) })
	}
	tcpdump, _ := exec.LookPath("tcpdump")
	tshark, _ := exec.LookPath("tshark")

	type row struct {
		name                       string
		packets                    int
		read, dec, ana, tcpd, tshk time.Duration
		decRSS, anaRSS             int64 // KiB
		longest                    int   // the longest line of the analysis
	}
	var rows []row
	for _, n := range []int{300_000, 3_000_000} {
		path := gateway(n)
		r := row{name: "gateway", packets: n}
		r.read = readLoop(b, path)
		r.dec, r.decRSS, _ = runMeasured(b, nil, bin, "decode", "-f", "json", path)
		r.ana, r.anaRSS, r.longest = runMeasured(b, nil, bin, "analyze", "-f", "json", path)
		if tcpdump != "" {
			r.tcpd, _, _ = runMeasured(b, nil, tcpdump, "-r", path, "-nn", "-vvv")
		}
		if tshark != "" && n <= 300_000 {
			r.tshk, _, _ = runMeasured(b, nil, tshark, "-r", path, "-n", "-V")
		}
		rows = append(rows, r)
	}
	if os.Getenv("IKESCOPE_BENCH_30M") != "0" {
		const n = 30_000_000
		pr, pw := io.Pipe()
		go func() {
			w := bufio.NewWriterSize(pw, 1<<20)
			err := benchgen.Write(w, ex, n, 1, benchgen.Gateway)
			if err == nil {
				err = w.Flush()
			}
			pw.CloseWithError(err)
		}()
		r := row{name: "gateway, piped from the generator", packets: n}
		r.ana, r.anaRSS, r.longest = runMeasured(b, pr, bin, "analyze", "-f", "json", "-")
		rows = append(rows, r)
	}
	for _, fl := range []struct {
		name    string
		n       int
		produce func(io.Writer, []benchgen.Exchange, int, int64) error
	}{
		{"half-open IKE_SA_INIT flood", 20_000, benchgen.WriteHalfOpenFlood},
		{"one IKE_SA_INIT retransmitted", 100_000, benchgen.WriteRetransmitStorm},
	} {
		path := gen(fmt.Sprintf("%s-%d", strings.ReplaceAll(fl.name, " ", "-"), fl.n),
			func(w io.Writer) error { return fl.produce(w, ex, fl.n, 1) })
		r := row{name: fl.name, packets: fl.n}
		r.read = readLoop(b, path)
		r.ana, r.anaRSS, r.longest = runMeasured(b, nil, bin, "analyze", "-f", "json", path)
		rows = append(rows, r)
	}

	secs := func(d time.Duration) string {
		if d == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	ratio := func(a, b time.Duration) string {
		if a == 0 || b == 0 {
			return "-"
		}
		return fmt.Sprintf("%.1fx", a.Seconds()/b.Seconds())
	}
	mib := func(k int64) string {
		if k == 0 {
			return "-"
		}
		return fmt.Sprintf("%d MiB", k/1024)
	}
	var out bytes.Buffer
	tw := tabwriter.NewWriter(&out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "capture\tpackets\tread loop\tdecode -f json\tanalyze -f json\tanalyze/read\ttcpdump -nn -vvv\ttcpdump/decode\ttshark -V\tdecode RSS\tanalyze RSS\tlongest line\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t\n", r.name, r.packets,
			secs(r.read), secs(r.dec), secs(r.ana), ratio(r.ana, r.read), secs(r.tcpd), ratio(r.tcpd, r.dec),
			secs(r.tshk), mib(r.decRSS), mib(r.anaRSS), r.longest)
	}
	tw.Flush()
	// The floor under every ikescope figure: a process that loads its packages (gopacket's
	// layers fill their tables) and does nothing else.
	start := time.Duration(1 << 62)
	for i := 0; i < 3; i++ {
		d, _, _ := runMeasured(b, nil, bin, "version")
		start = min(start, d)
	}
	fmt.Fprintf(&out, "ikescope version (process start, no capture): %s\n", secs(start))
	if len(rows) >= 2 && rows[0].ana > 0 {
		fmt.Fprintf(&out, "analyze time 3M/300k: %.1fx for 10x the packets\n", rows[1].ana.Seconds()/rows[0].ana.Seconds())
	}
	fmt.Print(out.String())
	b.ReportMetric(float64(rows[0].anaRSS)/1024, "MiB-RSS-300k")
}

// benchSourceCaptures lists the captures whose negotiations the generator replays: pcaps/
// and, when it is there, the shared corpus.
func benchSourceCaptures(tb testing.TB) []string {
	files, _ := filepath.Glob(filepath.Join(decodetest.RepoRoot(tb), "pcaps", "*.pcap"))
	if dir := decodetest.CorpusDir(tb); dir != "" {
		files = append(files, decodetest.CorpusCaptures(tb, dir)...)
	}
	return files
}

// readLoop is the floor: pcapgo reading every frame of the file, nothing decoded. The file
// is read once first so that both this and the commands find it in the page cache.
func readLoop(tb testing.TB, path string) time.Duration {
	var best time.Duration
	for i := 0; i < 2; i++ {
		start := time.Now()
		f, err := os.Open(path)
		if err != nil {
			tb.Fatal(err)
		}
		r, err := pcapgo.NewReader(bufio.NewReaderSize(f, 1<<20))
		if err != nil {
			tb.Fatal(err)
		}
		for {
			if _, _, err := r.ZeroCopyReadPacketData(); err != nil {
				break
			}
		}
		f.Close()
		best = time.Since(start)
	}
	return best
}

// runMeasured runs a command with its output counted and thrown away, and returns its wall
// time, its peak RSS in KiB and the length of its longest output line.
func runMeasured(tb testing.TB, stdin io.Reader, name string, args ...string) (time.Duration, int64, int) {
	var stderr bytes.Buffer
	lw := &longestLine{}
	cmd := exec.Command(name, args...)
	cmd.Stdin = stdin
	cmd.Stdout = lw
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		tb.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	took := time.Since(start)
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss
	}
	return took, rss, lw.longest
}

// longestLine is an io.Writer that keeps only the length of the longest line written.
type longestLine struct{ cur, longest int }

func (l *longestLine) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			l.cur += len(p)
			break
		}
		l.cur += i
		l.longest = max(l.longest, l.cur)
		l.cur = 0
		p = p[i+1:]
	}
	l.longest = max(l.longest, l.cur)
	return n, nil
}

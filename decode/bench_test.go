package decode_test

import (
	"bufio"
	"bytes"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/internal/benchgen"
)

// Benchmarks: `make bench`, or
//
//	go test -run '^$' -bench . -benchmem ./decode/
//
// The capture benchmarks read a generated capture of about a million packets (see
// benchgen_test.go); BenchmarkTshark, BenchmarkTcpdump and BenchmarkIkescopeDecodeCommand
// put the same file through the reference decoders and the ikescope command.
// Each reports pkts/s; speed targets belong here, never in timed tests.

// benchReportPackets reports the packet rate of a benchmark that handled packets per iteration.
func benchReportPackets(b *testing.B, packets int) {
	b.ReportMetric(float64(packets)*float64(b.N)/b.Elapsed().Seconds(), "pkts/s")
}

func benchFileSize(b *testing.B, path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return st.Size()
}

// BenchmarkReadLoop is the floor: pcapgo reading every frame without decoding anything.
func BenchmarkReadLoop(b *testing.B) {
	path, packets := benchCapture(b)
	b.SetBytes(benchFileSize(b, path))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		r, err := pcapgo.NewReader(bufio.NewReaderSize(f, 1<<20))
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, _, err := r.ZeroCopyReadPacketData()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		f.Close()
		if n != packets {
			b.Fatalf("read %d packets, want %d", n, packets)
		}
	}
	benchReportPackets(b, packets)
}

// BenchmarkDecode opens the capture and reads every message, as `ikescope decode` does
// before it formats anything.
func BenchmarkDecode(b *testing.B) {
	path, packets := benchCapture(b)
	b.SetBytes(benchFileSize(b, path))
	b.ReportAllocs()
	b.ResetTimer()
	var msgs int
	for i := 0; i < b.N; i++ {
		r, err := decode.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		msgs = 0
		for r.Next() {
			msgs++
		}
		if err := r.Err(); err != nil {
			b.Fatal(err)
		}
		if r.Frames() != packets {
			b.Fatalf("read %d frames, want %d", r.Frames(), packets)
		}
		r.Close()
	}
	benchReportPackets(b, packets)
	b.ReportMetric(float64(msgs), "msgs/op")
}

// Single frames for the per-packet benchmarks and allocation tests.
var (
	benchSrc = netip.MustParseAddr("10.1.2.3")
	benchDst = netip.MustParseAddr("203.0.113.9")
)

func benchTCPFrame() []byte {
	var f benchgen.Frame
	f.TCP(benchSrc, benchDst, 51234, 443, 1000, bytes.Repeat([]byte{0xab}, 100))
	return f.B
}

func benchUDPFrame() []byte {
	var f benchgen.Frame
	f.UDP(benchSrc, benchDst, 51234, 53, bytes.Repeat([]byte{0xab}, 60))
	return f.B
}

func benchESPFrame(encap bool) []byte {
	var f benchgen.Frame
	esp := append([]byte{0x12, 0x34, 0x56, 0x78, 0, 0, 0, 1}, bytes.Repeat([]byte{0xcd}, 120)...)
	if encap {
		f.UDP(benchSrc, benchDst, 4500, 4500, esp)
	} else {
		f.IP(benchSrc, benchDst, 50, esp)
	}
	return f.B
}

func benchDecodeFrame(b *testing.B, frame []byte, wantMsgs int) {
	d := decode.NewDecoder()
	ci := gopacket.CaptureInfo{Timestamp: time.Unix(1700000000, 0), CaptureLength: len(frame), Length: len(frame)}
	msgs := 0
	emit := func(*decode.Message) { msgs++ }
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.Decode(i+1, ci, layers.LinkTypeEthernet, frame, emit)
	}
	if msgs != wantMsgs*b.N {
		b.Fatalf("%d messages from %d frames, want %d per frame", msgs, b.N, wantMsgs)
	}
	benchReportPackets(b, 1)
}

// BenchmarkDecodeNonIKE is the cost of a frame that is neither IKE nor ESP: the common
// case on a busy link. It must allocate nothing (TestDecodeNonIKEAllocs holds it to that).
func BenchmarkDecodeNonIKE(b *testing.B) {
	b.Run("tcp", func(b *testing.B) { benchDecodeFrame(b, benchTCPFrame(), 0) })
	b.Run("udp", func(b *testing.B) { benchDecodeFrame(b, benchUDPFrame(), 0) })
}

// BenchmarkDecodeESP is the cost of an ESP packet, on IP protocol 50 and in UDP 4500.
func BenchmarkDecodeESP(b *testing.B) {
	b.Run("proto50", func(b *testing.B) { benchDecodeFrame(b, benchESPFrame(false), 1) })
	b.Run("udp4500", func(b *testing.B) { benchDecodeFrame(b, benchESPFrame(true), 1) })
}

// TestDecodeNonIKEAllocs holds the package's design goal: a packet that is not IKE costs no
// allocation, and neither does an ESP packet.
func TestDecodeNonIKEAllocs(t *testing.T) {
	for _, tc := range []struct {
		name  string
		frame []byte
		esp   bool // counted as ESP, else as other traffic
	}{
		{"tcp", benchTCPFrame(), false},
		{"udp", benchUDPFrame(), false},
		{"esp", benchESPFrame(false), true},
		{"esp-in-udp", benchESPFrame(true), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := decode.NewDecoder()
			ci := gopacket.CaptureInfo{Timestamp: time.Unix(1700000000, 0), CaptureLength: len(tc.frame), Length: len(tc.frame)}
			emit := func(*decode.Message) {}
			frame := 0
			allocs := testing.AllocsPerRun(1000, func() {
				frame++
				d.Decode(frame, ci, layers.LinkTypeEthernet, tc.frame, emit)
			})
			if allocs != 0 {
				t.Errorf("Decode of a %s frame: %v allocs per frame, want 0", tc.name, allocs)
			}
			st := d.Stats
			if decoded := map[bool]int{true: st.ESP, false: st.Other}[tc.esp]; st.LinkErrors != 0 || decoded != st.Frames {
				t.Errorf("stats %+v: the test frame did not decode as intended", st)
			}
		})
	}
}

// TestDecodeIKEAllocs holds the other half of the goal: an IKE message costs at most
// five allocations, counted over every message of every recorded capture (certificates,
// whose parsing allocates, included). The frames are read first; only Decode is counted.
func TestDecodeIKEAllocs(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join(fuzzRepoRoot(t), "pcaps", "*.pcap"))
	if len(paths) == 0 {
		t.Skip("no recorded captures in pcaps/")
	}
	type frame struct {
		ci   gopacket.CaptureInfo
		link layers.LinkType
		data []byte
	}
	var frames []frame
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		r, err := pcapgo.NewReader(f)
		if err != nil {
			f.Close()
			continue // pcapng and TCP captures are read elsewhere
		}
		for {
			data, ci, err := r.ReadPacketData()
			if err != nil {
				break
			}
			frames = append(frames, frame{ci, r.LinkType(), data})
		}
		f.Close()
	}
	// Kept messages take their structures from blocks; with Recycle after each message
	// (ikescope analyze), the blocks are used again and the copy of the message's bytes
	// is about all that is left.
	for _, c := range []struct {
		recycle bool
		most    float64
	}{{false, 5}, {true, 2}} {
		d := decode.NewDecoder()
		ike := 0
		emit := func(m *decode.Message) {
			if m.Kind == decode.KindISAKMP {
				ike++
			}
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for i, f := range frames {
			d.Decode(i+1, f.ci, f.link, f.data, emit)
			if c.recycle {
				d.Recycle()
			}
		}
		runtime.ReadMemStats(&after)
		if ike < 1000 {
			t.Fatalf("%d IKE messages in %d frames of %d captures: the recorded captures are missing", ike, len(frames), len(paths))
		}
		per := float64(after.Mallocs-before.Mallocs) / float64(ike)
		t.Logf("recycling %v: %d IKE messages in %d frames: %.2f allocations per IKE message", c.recycle, ike, len(frames), per)
		if per > c.most {
			t.Errorf("recycling %v: %.2f allocations per IKE message, want at most %v", c.recycle, per, c.most)
		}
	}
}

// benchIKESAInit is the first IKE_SA_INIT request in pcaps/ikev2-psk.pcap.
func benchIKESAInit(b *testing.B) []byte {
	path := filepath.Join(fuzzRepoRoot(b), "pcaps", "ikev2-psk.pcap")
	r, err := decode.Open(path)
	if err != nil {
		b.Skipf("no IKEv2 sample capture: %v", err)
	}
	defer r.Close()
	for r.Next() {
		m := r.Message().ISAKMP
		if m != nil && m.IsV2() && m.ExchangeType == 34 && !m.IsResponse() && len(m.Errors) == 0 {
			return append([]byte(nil), m.Contents...)
		}
	}
	b.Skipf("%s has no IKE_SA_INIT request", path)
	return nil
}

// BenchmarkISAKMPLayer decodes one real IKEv2 IKE_SA_INIT request with the gopacket layer,
// reusing the layer as a DecodingLayerParser does.
func BenchmarkISAKMPLayer(b *testing.B) {
	data := benchIKESAInit(b)
	var m decode.ISAKMP
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := m.DecodeFromBytes(data, gopacket.NilDecodeFeedback); err != nil {
			b.Fatal(err)
		}
	}
	if len(m.Errors) > 0 || len(m.Payloads) == 0 {
		b.Fatalf("IKE_SA_INIT decoded with %d payloads, errors %v", len(m.Payloads), m.Errors)
	}
	benchReportPackets(b, 1)
}

// benchRunCommand runs a decoder over the benchmark capture once per iteration, its output
// thrown away, and reports packets per second.
func benchRunCommand(b *testing.B, packets int, name string, args ...string) {
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer devnull.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var stderr bytes.Buffer
		cmd := exec.Command(name, args...)
		cmd.Stdout = devnull
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			b.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, benchLastLines(stderr.String(), 5))
		}
	}
	benchReportPackets(b, packets)
}

func benchLastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func benchRequireTool(b *testing.B, name string) string {
	if testing.Short() {
		b.Skip("runs an external decoder over a million packets; skipped with -short")
	}
	path, err := exec.LookPath(name)
	if err != nil {
		b.Skipf("%s is not installed (apt-get install %s)", name, name)
	}
	return path
}

// BenchmarkTshark: Wireshark's full dissection of every packet (-V), and the lighter
// field extraction an IKE script would do (-T fields with ISAKMP fields).
func BenchmarkTshark(b *testing.B) {
	tshark := benchRequireTool(b, "tshark")
	path, packets := benchCapture(b)
	b.Run("V", func(b *testing.B) {
		benchRunCommand(b, packets, tshark, "-r", path, "-n", "-V")
	})
	b.Run("fields", func(b *testing.B) {
		benchRunCommand(b, packets, tshark, "-r", path, "-n", "-T", "fields",
			"-e", "frame.number", "-e", "ip.src", "-e", "ip.dst",
			"-e", "isakmp.ispi", "-e", "isakmp.rspi", "-e", "isakmp.exchangetype", "-e", "isakmp.messageid", "-e", "isakmp.typepayload",
			"-e", "esp.spi", "-e", "esp.sequence")
	})
}

// BenchmarkTcpdump: tcpdump's most verbose decode of every packet.
func BenchmarkTcpdump(b *testing.B) {
	tcpdump := benchRequireTool(b, "tcpdump")
	path, packets := benchCapture(b)
	benchRunCommand(b, packets, tcpdump, "-r", path, "-n", "-vvv")
}

var benchIkescopeBin struct {
	sync.Once
	path string
	err  string
}

// BenchmarkIkescopeDecodeCommand runs `ikescope decode` end to end, output thrown away.
func BenchmarkIkescopeDecodeCommand(b *testing.B) {
	if testing.Short() {
		b.Skip("builds and runs the ikescope command over a million packets; skipped with -short")
	}
	benchIkescopeBin.Do(func() {
		dir := filepath.Join(os.TempDir(), "ikescope-bench")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			benchIkescopeBin.err = err.Error()
			return
		}
		bin := filepath.Join(dir, "ikescope")
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/ikescope")
		cmd.Dir = fuzzRepoRoot(b)
		if out, err := cmd.CombinedOutput(); err != nil {
			benchIkescopeBin.err = err.Error() + "\n" + benchLastLines(string(out), 5)
			return
		}
		benchIkescopeBin.path = bin
	})
	if benchIkescopeBin.path == "" {
		b.Skipf("cmd/ikescope does not build: %s", benchIkescopeBin.err)
	}
	path, packets := benchCapture(b)
	for _, format := range []string{"text", "json"} {
		b.Run(format, func(b *testing.B) {
			benchRunCommand(b, packets, benchIkescopeBin.path, "decode", "-f", format, path)
		})
	}
}

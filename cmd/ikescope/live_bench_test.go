package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/ikescope/ikescope/decode"
)

// BenchmarkLiveReplay measures how fast a gateway's traffic may be before ikescope live
// loses any of it. A generated capture (real IKE exchanges from pcaps/ with fresh SPIs
// and addresses, ESP in UDP 4500 and on protocol 50, unrelated TCP the filter drops) is
// replayed with tcpreplay over a veth pair at increasing packet rates, each for three
// seconds, with ikescope live capturing on the far end. A rate passes when the
// kernel dropped nothing and ikescope counted every IKE message and ESP packet that was
// sent. It reports the highest rate that passed, as tcpreplay measured it (pps-lossless,
// every frame on the link) and as ikescope saw it (pps-to-ikescope, the IKE and ESP frames
// the filter let through). tcpreplay, the kernel's veth and ikescope share the machine's
// CPUs, so the figure is the whole machine's, and drops as other work takes the CPUs.
//
//	go test -run '^$' -bench LiveReplay -benchtime 1x ./cmd/ikescope/
//
// Root, tcpreplay and iproute2 are needed; it is skipped without them.
func BenchmarkLiveReplay(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("the live replay benchmark needs root (a network namespace, tcpreplay, libpcap)")
	}
	for _, tool := range []string{"ip", "tcpreplay"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skipf("%s is not installed (make test-deps installs it)", tool)
		}
	}
	work := b.TempDir()
	bin := buildIkescope(b, work)
	capture := filepath.Join(work, "replay.pcap")
	const frames = 100_000
	if err := writeReplayCapture(capture, frames, 1); err != nil {
		b.Fatal(err)
	}
	want := countReplayCapture(b, capture)
	b.Logf("replay capture: %d frames, %d IKE messages, %d ESP packets, %d others", frames, want.ike[frames], want.esp[frames], frames-want.ike[frames]-want.esp[frames])

	removeStaleNamespaces()
	ns := addNamespace(b, "bench")
	sh(b, 10*time.Second, "ip", "-n", ns, "link", "add", "iksl-r0", "type", "veth", "peer", "name", "iksl-c0")
	sh(b, 10*time.Second, "ip", "-n", ns, "link", "set", "iksl-r0", "up")
	sh(b, 10*time.Second, "ip", "-n", ns, "link", "set", "iksl-c0", "up")

	best, bestRead := 0.0, 0.0
	lost := false
	b.ResetTimer()
	for _, rate := range []int{10_000, 20_000, 40_000, 60_000, 80_000, 100_000, 150_000, 200_000, 300_000, 400_000, 500_000, 0} {
		r := replayStep(b, bin, ns, capture, rate, frames, want)
		verdict := "no loss"
		if !r.ok {
			verdict = "LOSS: " + r.why
		}
		label := strconv.Itoa(rate)
		if rate == 0 {
			label = "top speed"
		}
		b.Logf("asked %9s pps: sent %8d packets at %9.0f pps; ikescope read %8d of %8d, kernel dropped %d, interface dropped %d: %s",
			label, r.sent, r.pps, r.read, r.expected, r.dropped, r.ifDropped, verdict)
		if !r.ok {
			lost = true
			break
		}
		if r.pps > best {
			// What reached ikescope: the frames the filter let through.
			best, bestRead = r.pps, r.pps*float64(r.expected)/float64(r.sent)
		}
	}
	b.StopTimer()
	if !lost {
		b.Logf("ikescope lost nothing even at tcpreplay's top speed: the figure is the sender's limit, not ikescope's")
	}
	b.ReportMetric(best, "pps-lossless")
	b.ReportMetric(bestRead, "pps-to-ikescope")
	b.ReportMetric(0, "ns/op")
}

type replayResult struct {
	ok                   bool
	why                  string
	sent, expected, read int
	dropped, ifDropped   int
	pps                  float64
}

var tcpreplayActual = regexp.MustCompile(`Rated: [0-9.]+ Bps, [0-9.]+ Mbps, ([0-9.]+) pps`)
var tcpreplaySent = regexp.MustCompile(`Successful packets:\s+(\d+)`)
var tcpreplayFailed = regexp.MustCompile(`Failed packets:\s+(\d+)`)

// replayStep replays the capture (over and over) for three seconds at rate (0: as fast as
// tcpreplay can) and compares what ikescope counted with what was sent.
func replayStep(b *testing.B, bin, ns, capture string, rate, frames int, want *replayCounts) replayResult {
	report := filepath.Join(b.TempDir(), "report.jsonl")
	live := start(b, "ikescope live", "discard", "ip", "netns", "exec", ns, bin, "live", "-i", "iksl-c0",
		"-f", "jsonl", "-o", report, "--no-drop-privileges", "--duration", "3m")
	live.waitStderr(b, "listening on iksl-c0", 20*time.Second)

	// -K: the file is read into memory first, so the disk does not set the pace.
	args := []string{"netns", "exec", ns, "tcpreplay", "-K", "-i", "iksl-r0", "--loop=0", "--duration=3"}
	if rate == 0 {
		args = append(args, "--topspeed")
	} else {
		args = append(args, "--pps="+strconv.Itoa(rate))
	}
	out := sh(b, 2*time.Minute, "ip", append(args, capture)...)
	time.Sleep(500 * time.Millisecond) // the last packets reach ikescope
	if !live.stop(syscall.SIGINT, 60*time.Second) || live.err != nil {
		b.Fatalf("ikescope live did not end cleanly (%v):\n%s", live.err, live.stderr.String())
	}
	var r replayResult
	if m := tcpreplaySent.FindStringSubmatch(out); m != nil {
		r.sent, _ = strconv.Atoi(m[1])
	}
	if m := tcpreplayActual.FindStringSubmatch(out); m != nil {
		r.pps, _ = strconv.ParseFloat(m[1], 64)
	}
	if m := tcpreplayFailed.FindStringSubmatch(out); m != nil && m[1] != "0" {
		r.why = "tcpreplay could not send " + m[1] + " packets"
		return r
	}
	if r.sent == 0 || r.pps == 0 {
		b.Fatalf("tcpreplay output not understood:\n%s", out)
	}
	n := r.sent
	data, err := os.ReadFile(report)
	if err != nil {
		b.Fatal(err)
	}
	var rep reportLine
	if err := json.Unmarshal(data, &rep); err != nil {
		b.Fatalf("report: %v\n%s", err, data)
	}
	// The file repeats (--loop=0) until n packets are out.
	loops, rest := n/frames, n%frames
	ike := loops*want.ike[frames] + want.ike[rest]
	esp := loops*want.esp[frames] + want.esp[rest]
	r.expected, r.read = ike+esp, rep.Capture.Packets
	r.dropped, r.ifDropped = rep.Capture.KernelDropped, rep.Capture.InterfaceDropped
	c := rep.Report.Captures[0]
	var why []string
	if r.dropped > 0 || r.ifDropped > 0 {
		why = append(why, fmt.Sprintf("%d dropped by the kernel, %d by the interface", r.dropped, r.ifDropped))
	}
	if c.IKEMessages != ike || c.ESPPackets != esp || r.read != r.expected {
		why = append(why, fmt.Sprintf("counted %d IKE and %d ESP, sent %d and %d", c.IKEMessages, c.ESPPackets, ike, esp))
	}
	r.why, r.ok = strings.Join(why, "; "), len(why) == 0
	return r
}

// replayCounts holds, for each prefix of the capture, how many IKE messages and ESP
// packets ikescope's decoder finds in it.
type replayCounts struct{ ike, esp []int }

func countReplayCapture(b *testing.B, path string) *replayCounts {
	r, err := decode.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	kinds := map[int]decode.Kind{}
	for r.Next() {
		m := r.Message()
		kinds[m.Frame] = m.Kind
	}
	if err := r.Err(); err != nil {
		b.Fatal(err)
	}
	n := r.Frames()
	c := &replayCounts{ike: make([]int, n+1), esp: make([]int, n+1)}
	for i := 1; i <= n; i++ {
		c.ike[i], c.esp[i] = c.ike[i-1], c.esp[i-1]
		switch kinds[i] {
		case decode.KindISAKMP:
			c.ike[i]++
		case decode.KindESP:
			c.esp[i]++
		}
	}
	return c
}

// writeReplayCapture writes n Ethernet frames: 5 % IKE (the messages of the sample
// captures' exchanges, each replayed with fresh SPIs and addresses), 60 % ESP (half in UDP
// 4500, half on protocol 50, sizes of ACKs to full frames), 35 % TCP the filter drops.
func writeReplayCapture(path string, n int, seed int64) error {
	type ikeMsg struct {
		fromInit     bool
		sport, dport uint16
		data         []byte // from the non-ESP marker on, for UDP 4500
	}
	var exchanges [][]ikeMsg
	for _, name := range []string{"ikev2-psk.pcap", "ikev1-main-psk.pcap", "ikev1-aggressive-psk.pcap", "ikev2-no-proposal.pcap"} {
		r, err := decode.Open(filepath.Join("../../pcaps", name))
		if err != nil {
			return err
		}
		var ex []ikeMsg
		var initiator netip.Addr
		for r.Next() {
			m := r.Message()
			if m.Kind != decode.KindISAKMP || m.ISAKMP == nil || m.Fragments != nil {
				continue
			}
			if len(ex) == 0 {
				initiator = m.Src.Addr()
			}
			data := append([]byte(nil), m.ISAKMP.Contents...)
			if m.Encap {
				data = append([]byte{0, 0, 0, 0}, data...)
			}
			ex = append(ex, ikeMsg{fromInit: m.Src.Addr() == initiator, sport: m.Src.Port(), dport: m.Dst.Port(), data: data})
		}
		r.Close()
		exchanges = append(exchanges, ex)
	}

	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	pw := pcapgo.NewWriter(f)
	if err := pw.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		return err
	}
	rng := rand.New(rand.NewSource(seed))
	noise := make([]byte, 2048)
	rng.Read(noise)
	addr := func(a byte) net.IP { return net.IP{10, a, byte(rng.Intn(256)), byte(1 + rng.Intn(254))} }

	type ikeRun struct {
		msgs       []ikeMsg
		next       int
		init, resp net.IP
		ispi, rspi [8]byte
	}
	newRun := func() *ikeRun {
		x := &ikeRun{msgs: exchanges[rng.Intn(len(exchanges))], init: addr(1), resp: addr(2)}
		rng.Read(x.ispi[:])
		rng.Read(x.rspi[:])
		return x
	}
	runs := make([]*ikeRun, 32)
	for i := range runs {
		runs[i] = newRun()
	}
	type espFlow struct {
		src, dst net.IP
		spi, seq uint32
		encap    bool
	}
	flows := make([]espFlow, 256)
	for i := range flows {
		flows[i] = espFlow{src: addr(3), dst: addr(4), spi: rng.Uint32() | 0x100, encap: i%2 == 0}
	}

	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0x5e, 0x10, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0x5e, 0x10, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	ts := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var payload []byte
	for i := 0; i < n; i++ {
		ts = ts.Add(20 * time.Microsecond)
		ip := &layers.IPv4{Version: 4, TTL: 64, Id: uint16(i)}
		var ls []gopacket.SerializableLayer
		switch r := rng.Intn(100); {
		case r < 5:
			j := rng.Intn(len(runs))
			x := runs[j]
			m := x.msgs[x.next]
			payload = append(payload[:0], m.data...)
			off := 0
			if m.sport == 4500 || m.dport == 4500 {
				off = 4
			}
			copy(payload[off:], x.ispi[:])
			if !isZero(payload[off+8 : off+16]) {
				copy(payload[off+8:], x.rspi[:])
			}
			ip.SrcIP, ip.DstIP = x.init, x.resp
			if !m.fromInit {
				ip.SrcIP, ip.DstIP = x.resp, x.init
			}
			ip.Protocol = layers.IPProtocolUDP
			udp := &layers.UDP{SrcPort: layers.UDPPort(m.sport), DstPort: layers.UDPPort(m.dport)}
			udp.SetNetworkLayerForChecksum(ip)
			ls = []gopacket.SerializableLayer{eth, ip, udp, gopacket.Payload(payload)}
			if x.next++; x.next == len(x.msgs) {
				runs[j] = newRun()
			}
		case r < 65:
			e := &flows[rng.Intn(len(flows))]
			e.seq++
			size := 40 + rng.Intn(100)
			if rng.Intn(2) == 0 {
				size = 200 + rng.Intn(1200)
			}
			payload = binary.BigEndian.AppendUint32(payload[:0], e.spi)
			payload = binary.BigEndian.AppendUint32(payload, e.seq)
			payload = append(payload, noise[:size]...)
			ip.SrcIP, ip.DstIP = e.src, e.dst
			if e.encap {
				ip.Protocol = layers.IPProtocolUDP
				udp := &layers.UDP{SrcPort: 4500, DstPort: 4500}
				udp.SetNetworkLayerForChecksum(ip)
				ls = []gopacket.SerializableLayer{eth, ip, udp, gopacket.Payload(payload)}
			} else {
				ip.Protocol = layers.IPProtocolESP
				ls = []gopacket.SerializableLayer{eth, ip, gopacket.Payload(payload)}
			}
		default:
			ip.SrcIP, ip.DstIP = addr(5), addr(6)
			ip.Protocol = layers.IPProtocolTCP
			tcp := &layers.TCP{SrcPort: layers.TCPPort(30000 + rng.Intn(30000)), DstPort: 443, Seq: rng.Uint32(), ACK: true, Window: 512}
			tcp.SetNetworkLayerForChecksum(ip)
			ls = []gopacket.SerializableLayer{eth, ip, tcp, gopacket.Payload(noise[:rng.Intn(1400)])}
		}
		if err := gopacket.SerializeLayers(buf, opts, ls...); err != nil {
			return err
		}
		data := buf.Bytes()
		if err := pw.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(data), Length: len(data)}, data); err != nil {
			return err
		}
	}
	return f.Close()
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcap"

	"github.com/ikescope/ikescope/decode"
)

// captureFlags are the tcpdump habits analyze and decode share: -r FILE, -c N and a
// capture filter, given with --filter or after the files as tcpdump takes it.
type captureFlags struct {
	reads    stringList
	count    int
	filter   string
	tcpPorts tcpPortList
}

func addCaptureFlags(fs *flag.FlagSet) *captureFlags {
	cf := &captureFlags{}
	fs.Var(&cf.reads, "r", "read the capture `FILE` (as tcpdump -r; may be repeated, and files may also be named without it)")
	fs.IntVar(&cf.count, "c", 0, "stop each capture after `N` packets (those the filter lets through, as tcpdump -c counts)")
	fs.StringVar(&cf.filter, "filter", "", "read only the packets a tcpdump-style filter `EXPR` lets through (e.g. \"host 192.0.2.2\"); an expression after the files does the same")
	fs.Var(&cf.tcpPorts, "tcp-port", "also read IKE over TCP (RFC 8229) on TCP `PORT` (4500 always; may be repeated)")
	return cf
}

// tcpPortList is a repeatable --tcp-port flag: ports where IKE over TCP runs besides 4500.
type tcpPortList []uint16

func (l *tcpPortList) String() string {
	s := make([]string, len(*l))
	for i, p := range *l {
		s[i] = strconv.Itoa(int(p))
	}
	return strings.Join(s, ",")
}

func (l *tcpPortList) Set(s string) error {
	p, err := strconv.ParseUint(strings.TrimSpace(s), 10, 16)
	if err != nil || p == 0 {
		return fmt.Errorf("%q is not a TCP port (1-65535)", s)
	}
	*l = append(*l, uint16(p))
	return nil
}

// stringList is a flag that may be given several times.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ", ") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

// resolve splits the positional arguments into capture files and a trailing filter, and
// compiles the filter. Trailing arguments are a filter when none of them is an existing
// file, together they compile, and captures remain to read: "capture.pcap host
// 198.51.100.7" and "capture.pcap 'host 198.51.100.7'" both read one file through the
// filter, while a mistyped file name is still reported as a missing file.
func (cf *captureFlags) resolve(args []string) ([]string, *captureFilter, error) {
	files := append(append([]string(nil), cf.reads...), args...)
	// A longer run of words may compile where a shorter one does not ("port 500":
	// "500" alone does not), so the longest run that compiles wins.
	best := 0
	for k := 1; k <= len(args) && k < len(files); k++ {
		if word := args[len(args)-k]; word == "-" || exists(word) {
			break
		}
		if compiles(strings.Join(args[len(args)-k:], " ")) {
			best = k
		}
	}
	trailing := strings.Join(args[len(args)-best:], " ")
	files = files[:len(files)-best]
	if cf.count < 0 {
		return nil, nil, &usageError{fmt.Sprintf("-c takes a number of packets, not %d", cf.count)}
	}
	expr := cf.filter
	switch {
	case expr != "" && trailing != "":
		expr = "(" + expr + ") and (" + trailing + ")"
	case trailing != "":
		expr = trailing
	}
	if expr == "" && cf.count == 0 && len(cf.tcpPorts) == 0 {
		return files, nil, nil
	}
	f := &captureFilter{expr: expr, count: cf.count, tcpPorts: cf.tcpPorts, bpf: map[layers.LinkType]*pcap.BPF{}, bad: map[layers.LinkType]error{}}
	if expr != "" {
		if _, err := newBPF(layers.LinkTypeEthernet, expr); err != nil {
			if _, rawErr := newBPF(layers.LinkTypeRaw, expr); rawErr != nil {
				return nil, nil, &usageError{fmt.Sprintf("bad capture filter %q: %s; the filter uses tcpdump's syntax (man pcap-filter), e.g. \"host 192.0.2.1\"", expr, pcapMessage(err))}
			}
		}
	}
	return files, f, nil
}

func exists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}

// compiles reports whether expr is a capture filter for Ethernet or raw IP captures.
func compiles(expr string) bool {
	if _, err := newBPF(layers.LinkTypeEthernet, expr); err == nil {
		return true
	}
	_, err := newBPF(layers.LinkTypeRaw, expr)
	return err == nil
}

// newBPF compiles expr for a link type. libpcap takes DLT values, which differ from the
// LINKTYPE values in capture files for raw IP (LINKTYPE_RAW 101 is DLT_RAW 12 or 14).
func newBPF(link layers.LinkType, expr string) (*pcap.BPF, error) {
	b, err := pcap.NewBPF(link, decode.MaxSnapLen, expr)
	if err != nil && link == layers.LinkTypeRaw {
		if b2, err2 := pcap.NewBPF(12, decode.MaxSnapLen, expr); err2 == nil {
			return b2, nil
		}
	}
	return b, err
}

func pcapMessage(err error) string { return strings.TrimSpace(err.Error()) }

// captureFilter is a compiled capture filter and -c's count, applied to the frames of
// each capture before they are decoded.
type captureFilter struct {
	expr     string
	count    int
	tcpPorts []uint16 // --tcp-port: where IKE over TCP runs besides 4500

	mu  sync.Mutex
	bpf map[layers.LinkType]*pcap.BPF // compiled on the first frame of each link type
	bad map[layers.LinkType]error
	err error // the first capture with frames the filter does not compile for
}

// errFilterLink is wrapped by Err when a filter does not compile for a capture's link
// type (an "ether host" filter on a raw IP capture).
var errFilterLink = errors.New("the capture filter does not apply")

// apply makes r read only the frames the filter lets through, and at most count of them.
// Frames of a link type the filter does not compile for are left out, and Err says so.
func (f *captureFilter) apply(r *decode.Reader) {
	if f == nil {
		return
	}
	if len(f.tcpPorts) > 0 {
		r.SetTCPPorts(f.tcpPorts)
	}
	if f.expr == "" && f.count == 0 {
		return
	}
	n := 0
	r.Accept = func(link layers.LinkType, ci gopacket.CaptureInfo, data []byte) bool {
		if f.expr != "" {
			b, err := f.compiled(link)
			if err != nil {
				f.mu.Lock()
				if f.err == nil {
					f.err = fmt.Errorf("%s: %w: %q does not compile for link type %s (%s); its frames were left out", r.Name(), errFilterLink, f.expr, link, pcapMessage(err))
				}
				f.mu.Unlock()
				return false
			}
			if !b.Matches(ci, data) {
				return false
			}
		}
		if n++; f.count > 0 && n >= f.count {
			r.Stop()
		}
		return true
	}
}

// Err returns the first capture whose frames the filter could not be applied to.
func (f *captureFilter) Err() error {
	if f == nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

func (f *captureFilter) compiled(link layers.LinkType) (*pcap.BPF, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if b := f.bpf[link]; b != nil {
		return b, nil
	}
	if err := f.bad[link]; err != nil {
		return nil, err
	}
	b, err := newBPF(link, f.expr)
	if err != nil {
		f.bad[link] = err
		return nil, err
	}
	f.bpf[link] = b
	return b, nil
}

// Package live captures IKE and ESP on a network interface with libpcap and decodes what
// it captures with a decode.Decoder.
//
// It is the one package of ikescope that needs cgo (gopacket/pcap links libpcap); decode,
// analyze and report are pure Go and build with CGO_ENABLED=0.
package live

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcap"

	"github.com/ikescope/ikescope/decode"
)

// Filter is the BPF filter of a live capture: IKE on UDP 500 and 4500, ESP on IP
// protocol 50, and IP fragments, which may be pieces of a large IKE message (IPv4
// fragments after the first carry no UDP header, so a port filter alone misses them;
// IPv6 fragments carry a Fragment header, next header 44), and IKE over TCP (RFC 8229)
// on its port.
const Filter = "udp port 500 or udp port 4500 or esp or (ip[6:2] & 0x1fff != 0) or (ip6[6] == 44) or tcp port 4500"

// Options say what a live capture listens to.
type Options struct {
	// Interface is the interface to capture on; "any" captures on all of them (Linux).
	Interface string
	// Filter, if not empty, narrows the package's Filter: the capture sees
	// "(live.Filter) and (Filter)".
	Filter string
	// SnapLen is the most bytes kept of each packet; 0 keeps whole packets.
	SnapLen int
	// Promisc puts the interface in promiscuous mode (a gateway sees its own traffic without it).
	Promisc bool
	// BufferSize is the kernel's capture buffer in bytes; 0 means 8 MiB. A bigger buffer
	// rides out longer bursts without drops.
	BufferSize int
	// Latency bounds how long the kernel holds captured packets to hand them over in a
	// batch, and how long Read waits when nothing comes; 0 means 50 ms. Batches are what
	// let a capture keep up with a busy link (libpcap's immediate mode hands packets over
	// one by one through a ring of only a few hundred whole-packet slots).
	Latency time.Duration
	// TCPPorts are ports, besides 4500, where IKE over TCP (RFC 8229) is captured and read.
	TCPPorts []uint16
	// OnFrame, if set, sees every captured frame before it is decoded (to save the
	// capture). data is valid only during the call.
	OnFrame func(ci gopacket.CaptureInfo, data []byte)
}

// Error is a problem opening or reading a live capture, worded for the person at the
// console: what went wrong and what to do about it.
type Error struct {
	Interface string
	Err       error
	Hint      string
}

func (e *Error) Error() string {
	s := e.Err.Error()
	if e.Interface != "" {
		s = e.Interface + ": " + s
	}
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errors a live capture can fail with, wrapped in an Error.
var (
	ErrNoSuchInterface = errors.New("no such interface")
	ErrInterfaceDown   = errors.New("interface is down")
	ErrPermission      = errors.New("no permission to capture")
	ErrFilter          = errors.New("bad capture filter")
	ErrLinkType        = errors.New("link type not supported")
	ErrCaptureEnded    = errors.New("capture ended")
	errFailed          = errors.New("live capture failed")
)

// Stats are the capture's own counts, from the kernel (the decoder's counts are
// decode.Stats, from Source.Stats).
type Stats struct {
	Received    int           // packets that passed the filter
	Dropped     int           // dropped by the kernel: the capture buffer was full (the reader too slow)
	IfDropped   int           // dropped by the interface or its driver before the kernel saw them
	CaptureTime time.Duration // since the capture was opened
}

// Source is a capture on a network interface. Read it from one goroutine:
//
//	src, err := live.Open(live.Options{Interface: "eth0"})
//	for {
//		if _, err := src.Read(func(m *decode.Message) { ... }); err != nil { ... }
//	}
type Source struct {
	opts    Options
	handle  *pcap.Handle
	link    layers.LinkType
	filter  string
	snaplen int
	dec     *decode.Decoder
	frame   int
	started time.Time
	err     error
}

const (
	defaultBuffer  = 8 << 20
	defaultLatency = 50 * time.Millisecond
)

// FilterFor gives the filter a capture with the user's extra filter runs.
func FilterFor(extra string, tcpPorts ...uint16) string {
	base := Filter
	for _, p := range tcpPorts {
		base += " or tcp port " + strconv.Itoa(int(p))
	}
	if strings.TrimSpace(extra) == "" {
		return base
	}
	return "(" + base + ") and (" + extra + ")"
}

// CheckFilter compiles a user's filter as Open would, without opening anything (no
// privileges needed), and returns libpcap's complaint as an Error.
func CheckFilter(extra string) error {
	if _, err := pcap.CompileBPFFilter(layers.LinkTypeEthernet, decode.MaxSnapLen, FilterFor(extra)); err != nil {
		return filterError("", extra, err)
	}
	return nil
}

func filterError(iface, extra string, err error) error {
	return &Error{Interface: iface, Err: fmt.Errorf("%w %q: %s", ErrFilter, extra, strings.TrimSpace(err.Error())),
		Hint: "the filter uses tcpdump's syntax (man pcap-filter), e.g. \"host 192.0.2.1\""}
}

// Open opens a capture on an interface, with Filter narrowed by opts.Filter.
func Open(opts Options) (*Source, error) {
	iface := opts.Interface
	if iface == "" {
		return nil, &Error{Err: ErrNoSuchInterface, Hint: "name one: " + interfaceNames()}
	}
	if err := checkInterface(iface); err != nil {
		return nil, err
	}
	if opts.Filter != "" {
		if err := CheckFilter(opts.Filter); err != nil {
			return nil, err
		}
	}
	if opts.SnapLen <= 0 || opts.SnapLen > decode.MaxSnapLen {
		opts.SnapLen = decode.MaxSnapLen
	}
	if opts.BufferSize <= 0 {
		opts.BufferSize = defaultBuffer
	}
	if opts.Latency <= 0 {
		opts.Latency = defaultLatency
	}
	in, err := pcap.NewInactiveHandle(iface)
	if err != nil {
		return nil, &Error{Interface: iface, Err: fmt.Errorf("%w: %v", errFailed, err)}
	}
	defer in.CleanUp()
	for _, set := range []error{
		in.SetSnapLen(opts.SnapLen),
		in.SetPromisc(opts.Promisc),
		in.SetBufferSize(opts.BufferSize),
		in.SetTimeout(opts.Latency),
	} {
		if set != nil {
			return nil, &Error{Interface: iface, Err: fmt.Errorf("%w: %v", errFailed, set)}
		}
	}
	h, err := in.Activate()
	if err != nil {
		return nil, activateError(iface, err)
	}
	l := &Source{opts: opts, handle: h, link: h.LinkType(), snaplen: opts.SnapLen, dec: decode.NewDecoder(), started: time.Now()}
	if !decode.LinkTypeSupported(l.link) {
		h.Close()
		return nil, &Error{Interface: iface, Err: fmt.Errorf("%w: %s (%d)", ErrLinkType, pcap.DatalinkValToName(int(l.link)), int(l.link)),
			Hint: "capture on an Ethernet interface, with -i any, or on a raw IP interface"}
	}
	l.dec.TCPPorts = opts.TCPPorts
	l.filter = FilterFor(opts.Filter, opts.TCPPorts...)
	if err := h.SetBPFFilter(l.filter); err != nil {
		h.Close()
		return nil, filterError(iface, opts.Filter, err)
	}
	return l, nil
}

// activateError turns libpcap's activation failure into words and a remedy.
func activateError(iface string, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "No Such Device"):
		return &Error{Interface: iface, Err: ErrNoSuchInterface, Hint: "interfaces here: " + interfaceNames()}
	case strings.Contains(msg, "Permission Denied"), strings.Contains(msg, "Operation not permitted"), strings.Contains(msg, "ermission denied"):
		return &Error{Interface: iface, Err: ErrPermission,
			Hint: "capturing needs root or the CAP_NET_RAW capability: run with sudo, or grant it once with sudo setcap cap_net_raw,cap_net_admin=eip $(command -v ikescope)"}
	case strings.Contains(msg, "Not Up"):
		return &Error{Interface: iface, Err: ErrInterfaceDown, Hint: "bring it up with: ip link set " + iface + " up"}
	}
	return &Error{Interface: iface, Err: fmt.Errorf("%w: %s", errFailed, strings.TrimPrefix(msg, "Error: "))}
}

// checkInterface tells early, without privileges, that an interface does not exist or
// is down; libpcap's own words for these are less clear.
func checkInterface(iface string) error {
	if iface == "any" {
		return nil
	}
	ifi, err := net.InterfaceByName(iface)
	if err != nil {
		// libpcap also knows devices the kernel does not list as interfaces (usbmon,
		// dbus, nflog): let it decide for those.
		if devs, derr := pcap.FindAllDevs(); derr == nil {
			for _, d := range devs {
				if d.Name == iface {
					return nil
				}
			}
		}
		return &Error{Interface: iface, Err: ErrNoSuchInterface, Hint: "interfaces here: " + interfaceNames()}
	}
	if ifi.Flags&net.FlagUp == 0 {
		return &Error{Interface: iface, Err: ErrInterfaceDown, Hint: "bring it up with: ip link set " + iface + " up"}
	}
	return nil
}

// interfaceNames lists the interfaces one could capture on, for an error message.
func interfaceNames() string {
	var names []string
	if ifs, err := net.Interfaces(); err == nil {
		for _, ifi := range ifs {
			names = append(names, ifi.Name)
		}
	}
	sort.Strings(names)
	names = append(names, "any")
	return strings.Join(names, ", ")
}

// Read waits up to about the latency for one frame, decodes it and calls emit for each
// message it yields (none for a frame that is not IKE or ESP, more when it completes a
// fragmented datagram). It reports whether a frame arrived. The *Message is valid only
// during the call; its ISAKMP and Fragments values may be kept. An error ends the capture.
func (l *Source) Read(emit func(*decode.Message)) (bool, error) {
	if l.err != nil {
		return false, l.err
	}
	data, ci, err := l.handle.ZeroCopyReadPacketData()
	switch {
	case err == pcap.NextErrorTimeoutExpired:
		return false, nil
	case err == io.EOF:
		l.err = &Error{Interface: l.opts.Interface, Err: ErrCaptureEnded}
		return false, l.err
	case err != nil:
		msg := err.Error()
		if herr := l.handle.Error(); herr != nil && herr.Error() != "" {
			msg = herr.Error()
		}
		msg = lowerFirst(errors.New(msg))
		l.err = &Error{Interface: l.opts.Interface, Err: fmt.Errorf("%w: %s", ErrCaptureEnded, msg),
			Hint: "the interface went down or away; check ip link show " + l.opts.Interface}
		return false, l.err
	}
	l.frame++
	if l.opts.OnFrame != nil {
		l.opts.OnFrame(ci, data)
	}
	l.dec.Decode(l.frame, ci, l.link, data, emit)
	return true, nil
}

// Reopen opens the capture again on the same interface with the same options, after the
// interface went down: the decoder's state and the frame count carry on. It needs the
// privileges Open needed.
func (l *Source) Reopen() error {
	n, err := Open(l.opts)
	if err != nil {
		return err
	}
	if n.link != l.link {
		n.handle.Close()
		return &Error{Interface: l.opts.Interface, Err: fmt.Errorf("%w: the link type changed", ErrLinkType)}
	}
	l.handle.Close()
	l.handle, l.err = n.handle, nil
	return nil
}

// WentAway reports whether a read error means the interface went down or away (and may
// come back), rather than the end of the capture.
func WentAway(err error) bool {
	var e *Error
	return errors.As(err, &e) && errors.Is(e.Err, ErrCaptureEnded) && e.Hint != ""
}

// Flush reports fragment sets still waiting for pieces; call it when the capture stops.
func (l *Source) Flush(emit func(*decode.Message)) { l.dec.Flush(emit) }

// Stats returns what the decoder has counted so far.
func (l *Source) Stats() decode.Stats { return l.dec.Stats }

// Frames returns the number of frames read so far.
func (l *Source) Frames() int { return l.frame }

// LinkType is the capture's link type.
func (l *Source) LinkType() layers.LinkType { return l.link }

// Filter is the BPF filter the capture runs.
func (l *Source) Filter() string { return l.filter }

// SnapLen is the most bytes kept of a packet.
func (l *Source) SnapLen() int { return l.snaplen }

// Interface is the interface captured on.
func (l *Source) Interface() string { return l.opts.Interface }

// CaptureStats asks the kernel for its counts: packets that passed the filter and
// packets dropped because the capture buffer was full.
func (l *Source) CaptureStats() (Stats, error) {
	st := Stats{CaptureTime: time.Since(l.started)}
	ps, err := l.handle.Stats()
	if err != nil {
		return st, err
	}
	st.Received, st.Dropped, st.IfDropped = ps.PacketsReceived, ps.PacketsDropped, ps.PacketsIfDropped
	return st, nil
}

// Close ends the capture.
func (l *Source) Close() error {
	l.handle.Close()
	return nil
}

// Interface is an interface one can capture on, as libpcap lists it.
type Interface struct {
	Name        string
	Description string
	Up          bool
	Running     bool
	Loopback    bool
	Addresses   []string // address/prefix
}

// Flags from libpcap's pcap_if_t.
const (
	pcapIfLoopback = 0x1
	pcapIfUp       = 0x2
	pcapIfRunning  = 0x4
)

// Interfaces lists the interfaces libpcap can capture on (tcpdump -D).
func Interfaces() ([]Interface, error) {
	devs, err := pcap.FindAllDevs()
	if err != nil {
		return nil, &Error{Err: fmt.Errorf("cannot list interfaces: %v", err)}
	}
	out := make([]Interface, 0, len(devs))
	for _, d := range devs {
		li := Interface{Name: d.Name, Description: d.Description,
			Loopback: d.Flags&pcapIfLoopback != 0, Up: d.Flags&pcapIfUp != 0, Running: d.Flags&pcapIfRunning != 0}
		for _, a := range d.Addresses {
			if a.IP == nil {
				continue
			}
			s := a.IP.String()
			if ones, bits := a.Netmask.Size(); bits > 0 {
				s = fmt.Sprintf("%s/%d", s, ones)
			}
			li.Addresses = append(li.Addresses, s)
		}
		out = append(out, li)
	}
	return out, nil
}

// lowerFirst is libpcap's message with a lower-case first letter, as Go errors read.
func lowerFirst(err error) string {
	s := err.Error()
	if s != "" && s[0] >= 'A' && s[0] <= 'Z' {
		s = string(s[0]+'a'-'A') + s[1:]
	}
	return s
}

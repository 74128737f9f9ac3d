package decode

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcap"
)

// LiveFilter is the BPF filter of a live capture: IKE on UDP 500 and 4500, ESP on IP
// protocol 50, and IP fragments, which may be pieces of a large IKE message (IPv4
// fragments after the first carry no UDP header, so a port filter alone misses them;
// IPv6 fragments carry a Fragment header, next header 44).
const LiveFilter = "udp port 500 or udp port 4500 or esp or (ip[6:2] & 0x1fff != 0) or (ip6[6] == 44)"

// LiveOptions say what a live capture listens to.
type LiveOptions struct {
	// Interface is the interface to capture on; "any" captures on all of them (Linux).
	Interface string
	// Filter, if not empty, narrows LiveFilter: the capture sees "(LiveFilter) and (Filter)".
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
	// OnFrame, if set, sees every captured frame before it is decoded (to save the
	// capture). data is valid only during the call.
	OnFrame func(ci gopacket.CaptureInfo, data []byte)
}

// LiveError is a problem opening or reading a live capture, worded for the person at the
// console: what went wrong and what to do about it.
type LiveError struct {
	Interface string
	Err       error
	Hint      string
}

func (e *LiveError) Error() string {
	s := e.Err.Error()
	if e.Interface != "" {
		s = e.Interface + ": " + s
	}
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

func (e *LiveError) Unwrap() error { return e.Err }

// Errors a live capture can fail with, wrapped in a LiveError.
var (
	ErrNoSuchInterface = errors.New("no such interface")
	ErrInterfaceDown   = errors.New("interface is down")
	ErrPermission      = errors.New("no permission to capture")
	ErrFilter          = errors.New("bad capture filter")
	ErrLinkType        = errors.New("link type not supported")
	ErrCaptureEnded    = errors.New("capture ended")
	errLiveFailed      = errors.New("live capture failed")
)

// LiveStats are the capture's own counts, from the kernel.
type LiveStats struct {
	Received    int           // packets that passed the filter
	Dropped     int           // dropped by the kernel: the capture buffer was full (the reader too slow)
	IfDropped   int           // dropped by the interface or its driver before the kernel saw them
	CaptureTime time.Duration // since the capture was opened
}

// Live is a capture on a network interface. Read it from one goroutine:
//
//	l, err := decode.OpenLive(decode.LiveOptions{Interface: "eth0"})
//	for {
//		if _, err := l.Read(func(m *decode.Message) { ... }); err != nil { ... }
//	}
type Live struct {
	opts    LiveOptions
	handle  *pcap.Handle
	link    layers.LinkType
	filter  string
	snaplen int
	dec     *Decoder
	frame   int
	started time.Time
	err     error
}

const (
	defaultLiveBuffer  = 8 << 20
	defaultLiveLatency = 50 * time.Millisecond
)

// LiveFilterFor gives the filter a capture with the user's extra filter runs.
func LiveFilterFor(extra string) string {
	if strings.TrimSpace(extra) == "" {
		return LiveFilter
	}
	return "(" + LiveFilter + ") and (" + extra + ")"
}

// CheckFilter compiles a user's filter as OpenLive would, without opening anything (no
// privileges needed), and returns libpcap's complaint as a LiveError.
func CheckFilter(extra string) error {
	if _, err := pcap.CompileBPFFilter(layers.LinkTypeEthernet, maxSnaplen, LiveFilterFor(extra)); err != nil {
		return filterError("", extra, err)
	}
	return nil
}

func filterError(iface, extra string, err error) error {
	return &LiveError{Interface: iface, Err: fmt.Errorf("%w %q: %s", ErrFilter, extra, strings.TrimSpace(err.Error())),
		Hint: "the filter uses tcpdump's syntax (man pcap-filter), e.g. \"host 192.0.2.1\""}
}

// OpenLive opens a capture on an interface, with LiveFilter narrowed by opts.Filter.
func OpenLive(opts LiveOptions) (*Live, error) {
	iface := opts.Interface
	if iface == "" {
		return nil, &LiveError{Err: ErrNoSuchInterface, Hint: "name one: " + interfaceNames()}
	}
	if err := checkInterface(iface); err != nil {
		return nil, err
	}
	if opts.Filter != "" {
		if err := CheckFilter(opts.Filter); err != nil {
			return nil, err
		}
	}
	if opts.SnapLen <= 0 || opts.SnapLen > maxSnaplen {
		opts.SnapLen = maxSnaplen
	}
	if opts.BufferSize <= 0 {
		opts.BufferSize = defaultLiveBuffer
	}
	if opts.Latency <= 0 {
		opts.Latency = defaultLiveLatency
	}
	in, err := pcap.NewInactiveHandle(iface)
	if err != nil {
		return nil, &LiveError{Interface: iface, Err: fmt.Errorf("%w: %v", errLiveFailed, err)}
	}
	defer in.CleanUp()
	for _, set := range []error{
		in.SetSnapLen(opts.SnapLen),
		in.SetPromisc(opts.Promisc),
		in.SetBufferSize(opts.BufferSize),
		in.SetTimeout(opts.Latency),
	} {
		if set != nil {
			return nil, &LiveError{Interface: iface, Err: fmt.Errorf("%w: %v", errLiveFailed, set)}
		}
	}
	h, err := in.Activate()
	if err != nil {
		return nil, activateError(iface, err)
	}
	l := &Live{opts: opts, handle: h, link: h.LinkType(), snaplen: opts.SnapLen, dec: NewDecoder(), started: time.Now()}
	if !LinkTypeSupported(l.link) {
		h.Close()
		return nil, &LiveError{Interface: iface, Err: fmt.Errorf("%w: %s (%d)", ErrLinkType, pcap.DatalinkValToName(int(l.link)), int(l.link)),
			Hint: "capture on an Ethernet interface, with -i any, or on a raw IP interface"}
	}
	l.filter = LiveFilterFor(opts.Filter)
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
		return &LiveError{Interface: iface, Err: ErrNoSuchInterface, Hint: "interfaces here: " + interfaceNames()}
	case strings.Contains(msg, "Permission Denied"), strings.Contains(msg, "Operation not permitted"), strings.Contains(msg, "ermission denied"):
		return &LiveError{Interface: iface, Err: ErrPermission,
			Hint: "capturing needs root or the CAP_NET_RAW capability: run with sudo, or grant it once with sudo setcap cap_net_raw,cap_net_admin=eip $(command -v ikescope)"}
	case strings.Contains(msg, "Not Up"):
		return &LiveError{Interface: iface, Err: ErrInterfaceDown, Hint: "bring it up with: ip link set " + iface + " up"}
	}
	return &LiveError{Interface: iface, Err: fmt.Errorf("%w: %s", errLiveFailed, strings.TrimPrefix(msg, "Error: "))}
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
		return &LiveError{Interface: iface, Err: ErrNoSuchInterface, Hint: "interfaces here: " + interfaceNames()}
	}
	if ifi.Flags&net.FlagUp == 0 {
		return &LiveError{Interface: iface, Err: ErrInterfaceDown, Hint: "bring it up with: ip link set " + iface + " up"}
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
func (l *Live) Read(emit func(*Message)) (bool, error) {
	if l.err != nil {
		return false, l.err
	}
	data, ci, err := l.handle.ZeroCopyReadPacketData()
	switch {
	case err == pcap.NextErrorTimeoutExpired:
		return false, nil
	case err == io.EOF:
		l.err = &LiveError{Interface: l.opts.Interface, Err: ErrCaptureEnded}
		return false, l.err
	case err != nil:
		msg := err.Error()
		if herr := l.handle.Error(); herr != nil && herr.Error() != "" {
			msg = herr.Error()
		}
		msg = lowerFirst(errors.New(msg))
		l.err = &LiveError{Interface: l.opts.Interface, Err: fmt.Errorf("%w: %s", ErrCaptureEnded, msg),
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

// Flush reports fragment sets still waiting for pieces; call it when the capture stops.
func (l *Live) Flush(emit func(*Message)) { l.dec.Flush(emit) }

// Stats returns what the decoder has counted so far.
func (l *Live) Stats() Stats { return l.dec.Stats }

// Frames returns the number of frames read so far.
func (l *Live) Frames() int { return l.frame }

// LinkType is the capture's link type.
func (l *Live) LinkType() layers.LinkType { return l.link }

// Filter is the BPF filter the capture runs.
func (l *Live) Filter() string { return l.filter }

// SnapLen is the most bytes kept of a packet.
func (l *Live) SnapLen() int { return l.snaplen }

// Interface is the interface captured on.
func (l *Live) Interface() string { return l.opts.Interface }

// CaptureStats asks the kernel for its counts: packets that passed the filter and
// packets dropped because the capture buffer was full.
func (l *Live) CaptureStats() (LiveStats, error) {
	st := LiveStats{CaptureTime: time.Since(l.started)}
	ps, err := l.handle.Stats()
	if err != nil {
		return st, err
	}
	st.Received, st.Dropped, st.IfDropped = ps.PacketsReceived, ps.PacketsDropped, ps.PacketsIfDropped
	return st, nil
}

// Close ends the capture.
func (l *Live) Close() error {
	l.handle.Close()
	return nil
}

// LiveInterface is an interface one can capture on, as libpcap lists it.
type LiveInterface struct {
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

// LiveInterfaces lists the interfaces libpcap can capture on (tcpdump -D).
func LiveInterfaces() ([]LiveInterface, error) {
	devs, err := pcap.FindAllDevs()
	if err != nil {
		return nil, &LiveError{Err: fmt.Errorf("cannot list interfaces: %v", err)}
	}
	out := make([]LiveInterface, 0, len(devs))
	for _, d := range devs {
		li := LiveInterface{Name: d.Name, Description: d.Description,
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

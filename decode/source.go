package decode

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// CaptureError is a problem with a capture file, worded for the person who gave it.
type CaptureError struct {
	File  string
	Frame int // the frame where reading stopped; 0 when the file never opened
	Err   error
	Hint  string // what to do about it
}

func (e *CaptureError) Error() string {
	s := e.File + ": " + e.Err.Error()
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

func (e *CaptureError) Unwrap() error { return e.Err }

// ErrNotCapture is wrapped by CaptureError when a file is neither pcap nor pcapng.
var ErrNotCapture = errors.New("not a pcap or pcapng capture")

// MaxSnapLen is the largest frame decode accepts, as tcpdump does (MAXIMUM_SNAPLEN); a
// live capture keeps at most this much of each packet.
const MaxSnapLen = 262144

type packetSource interface {
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
}

// Reader reads one capture and yields its IKE, ESP, AH and keepalive messages in order:
//
//	r, err := decode.Open("capture.pcap")
//	for r.Next() { m := r.Message(); ... }
//	if err := r.Err(); err != nil { ... }
type Reader struct {
	name    string
	closer  io.Closer
	counter *countingReader
	src     packetSource
	ng      *pcapngReader
	link    layers.LinkType

	dec   *Decoder
	frame int
	queue []Message
	qi    int
	cur   Message
	err   error
	done  bool
	emit  func(*Message)

	// Accept, if set, is asked about every frame before it is decoded; a frame it
	// refuses is counted (frame numbers stay those Wireshark shows) but not decoded. A
	// capture filter goes here: decode itself stays free of libpcap.
	Accept func(link layers.LinkType, ci gopacket.CaptureInfo, data []byte) bool
	stop   bool
}

// Open opens a capture file: pcap or pcapng, optionally gzip-compressed; "-" is standard input.
func Open(path string) (*Reader, error) {
	if path == "-" {
		return NewReader("standard input", os.Stdin, nil)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, openError(path, err)
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, &CaptureError{File: path, Err: errors.New("is a directory"), Hint: "give a capture file, e.g. one written by tcpdump -w"}
	}
	r, err := NewReader(path, f, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

func openError(path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &CaptureError{File: path, Err: errors.New("no such file"), Hint: "check the path"}
	case errors.Is(err, fs.ErrPermission):
		return &CaptureError{File: path, Err: errors.New("permission denied"), Hint: "check the file's permissions or run with sudo"}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &CaptureError{File: path, Err: err}
}

// NewReader reads a capture from r; name is used in errors. closer, if not nil, is closed by Close.
func NewReader(name string, r io.Reader, closer io.Closer) (*Reader, error) {
	rd := &Reader{name: name, closer: closer, dec: NewDecoder()}
	rd.counter = &countingReader{r: r}
	br := bufio.NewReaderSize(rd.counter, 1<<20)
	magic, err := br.Peek(4)
	if len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, gerr := gzip.NewReader(br)
		if gerr != nil {
			return nil, &CaptureError{File: name, Err: fmt.Errorf("gzip: %v", gerr), Hint: "the compressed file is damaged"}
		}
		br = bufio.NewReaderSize(gz, 1<<20)
		magic, err = br.Peek(4)
	}
	if err != nil {
		if len(magic) == 0 {
			return nil, &CaptureError{File: name, Err: errors.New("empty file, not a capture"), Hint: "the capture was not written; check the tcpdump -w command"}
		}
		return nil, &CaptureError{File: name, Err: fmt.Errorf("%w: only %d bytes", ErrNotCapture, len(magic)), Hint: "give a file written by tcpdump -w, Wireshark or dumpcap"}
	}
	switch binary.BigEndian.Uint32(magic) {
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1:
		pr, err := pcapgo.NewReader(br)
		if err != nil {
			return nil, &CaptureError{File: name, Err: fmt.Errorf("pcap header: %v", lowerFirst(err)), Hint: "the file header is damaged"}
		}
		// The header's snap length sizes pcapgo's buffer: never trust it beyond what
		// tcpdump accepts. Some writers put 0 or a small value there; allow the maximum.
		pr.SetSnaplen(MaxSnapLen)
		rd.src, rd.link = pr, pr.LinkType()
		if !LinkTypeSupported(rd.link) {
			return nil, unsupportedLink(name, rd.link)
		}
	case 0x0a0d0d0a:
		ng, err := newPcapngReader(br)
		if err != nil {
			return nil, &CaptureError{File: name, Err: fmt.Errorf("pcapng header: %v", lowerFirst(err)), Hint: "the file header is damaged"}
		}
		rd.src, rd.ng = ng, ng
	default:
		return nil, &CaptureError{File: name, Err: fmt.Errorf("%w (it starts with %s)", ErrNotCapture, describeMagic(magic)), Hint: "give a file written by tcpdump -w, Wireshark or dumpcap"}
	}
	rd.emit = func(m *Message) { rd.queue = append(rd.queue, *m) }
	return rd, nil
}

func unsupportedLink(name string, lt layers.LinkType) error {
	return &CaptureError{File: name, Err: fmt.Errorf("link type %d is not supported", int(lt)),
		Hint: "capture on an Ethernet interface, with -i any, or on a raw IP interface"}
}

func describeMagic(b []byte) string {
	s := string(b)
	switch {
	case strings.HasPrefix(s, "<"):
		return "\"" + printable(b) + "\", an HTML or XML file"
	case strings.HasPrefix(s, "PK"):
		return "\"PK\", a zip archive; unpack it first"
	}
	return fmt.Sprintf("% x", b)
}

func lowerFirst(err error) string {
	s := err.Error()
	if s != "" && s[0] >= 'A' && s[0] <= 'Z' {
		s = string(s[0]+'a'-'A') + s[1:]
	}
	return s
}

// Next advances to the next message. It returns false at the end of the capture or on an
// error; Err tells which.
func (r *Reader) Next() bool {
	for {
		if r.qi < len(r.queue) {
			r.cur = r.queue[r.qi]
			r.qi++
			return true
		}
		r.queue, r.qi = r.queue[:0], 0
		if r.done {
			return false
		}
		if r.stop {
			r.done = true
			r.dec.Flush(r.emit)
			continue
		}
		data, ci, err := r.src.ZeroCopyReadPacketData()
		if err != nil {
			r.done = true
			if err != io.EOF {
				r.err = r.readError(err)
			}
			r.dec.Flush(r.emit)
			continue
		}
		r.frame++
		link := r.link
		if r.ng != nil {
			link = r.ng.linkType(ci.InterfaceIndex)
		}
		if r.Accept != nil && !r.Accept(link, ci, data) {
			continue
		}
		r.dec.Decode(r.frame, ci, link, data, r.emit)
	}
}

// Recycle says that the caller keeps nothing of the ISAKMP trees of the messages Next has
// returned (Decoder.Recycle): the next ones may reuse their structures. While messages of
// the frame last read still wait (an AH, then the datagram it protects) it does nothing:
// they were decoded with the ones returned, and the caller may yet keep them.
func (r *Reader) Recycle() {
	if r.qi < len(r.queue) {
		return
	}
	r.dec.Recycle()
}

func (r *Reader) readError(err error) error {
	next := r.frame + 1
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return &CaptureError{File: r.name, Frame: next,
			Err:  fmt.Errorf("capture ends in the middle of frame %d", next),
			Hint: fmt.Sprintf("the file is truncated; the %d frames before it were read", r.frame)}
	}
	return &CaptureError{File: r.name, Frame: next,
		Err:  fmt.Errorf("frame %d is corrupt: %s", next, lowerFirst(err)),
		Hint: fmt.Sprintf("the %d frames before it were read", r.frame)}
}

// SetTCPPorts makes the Reader read IKE over TCP (RFC 8229) on these ports as well as
// on 4500. Call it before the first Next.
func (r *Reader) SetTCPPorts(ports []uint16) { r.dec.TCPPorts = ports }

// Stop ends reading after the frame being read: the messages it completes are still
// returned, and Next returns false after them, as at the end of the capture.
func (r *Reader) Stop() { r.stop = true }

// Message returns the current message. The ISAKMP and Fragments values it points to may
// be kept; the Message itself is overwritten by the next call to Next.
func (r *Reader) Message() *Message { return &r.cur }

// Err returns the error that ended reading, or nil at a clean end of the capture.
func (r *Reader) Err() error { return r.err }

// Stats returns what the decoder has counted so far.
func (r *Reader) Stats() Stats { return r.dec.Stats }

// Frames returns the number of frames read so far.
func (r *Reader) Frames() int { return r.frame }

// BytesRead returns how many bytes of the (possibly compressed) file have been read.
func (r *Reader) BytesRead() int64 { return r.counter.n }

// Name returns the capture's name as given to Open.
func (r *Reader) Name() string { return r.name }

// Close closes the underlying file.
func (r *Reader) Close() error {
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

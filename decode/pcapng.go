package decode

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// pcapngReader reads pcapng files (draft-ietf-opsawg-pcapng): sections, interfaces with
// their link types and timestamp resolutions, and packet blocks. It is our own rather than
// gopacket's NgReader because that one sizes its buffers from lengths in the file before
// checking them (a 100-byte file can ask for gigabytes), takes a file that ends inside a
// block for a clean end, and keeps link types in a byte.
type pcapngReader struct {
	r      *bufio.Reader
	order  binary.ByteOrder
	ifaces []ngInterface
	buf    []byte
	hdr    [8]byte
}

type ngInterface struct {
	link    layers.LinkType
	snaplen uint32
	// Timestamps count units of 1/tsUnits seconds.
	tsUnits uint64
	tsOff   int64
}

// maxBlock bounds a block's length, as libpcap does (16 MiB).
const maxBlock = 16 << 20

var errNgFormat = errors.New("pcapng format")

func newPcapngReader(r *bufio.Reader) (*pcapngReader, error) {
	ng := &pcapngReader{r: r}
	typ, body, err := ng.block()
	if err != nil {
		return nil, err
	}
	if typ != 0x0a0d0d0a {
		return nil, fmt.Errorf("%w: first block is not a section header", errNgFormat)
	}
	if err := ng.section(body); err != nil {
		return nil, err
	}
	return ng, nil
}

// block reads one block and returns its type and body (without the trailing length).
// The byte order of a section header's length is only known after its magic, so the
// section header is read with its own rule.
func (ng *pcapngReader) block() (uint32, []byte, error) {
	if _, err := io.ReadFull(ng.r, ng.hdr[:]); err != nil {
		if err == io.ErrUnexpectedEOF {
			return 0, nil, io.ErrUnexpectedEOF
		}
		return 0, nil, err // io.EOF at a block boundary: the clean end
	}
	order := ng.order
	if binary.LittleEndian.Uint32(ng.hdr[0:4]) == 0x0a0d0d0a {
		magic, err := ng.r.Peek(4)
		if err != nil {
			return 0, nil, io.ErrUnexpectedEOF
		}
		switch binary.LittleEndian.Uint32(magic) {
		case 0x1a2b3c4d:
			order = binary.LittleEndian
		case 0x4d3c2b1a:
			order = binary.BigEndian
		default:
			return 0, nil, fmt.Errorf("%w: section header with byte-order magic %x", errNgFormat, magic)
		}
		ng.order = order
	}
	if order == nil {
		return 0, nil, fmt.Errorf("%w: block before the section header", errNgFormat)
	}
	typ := order.Uint32(ng.hdr[0:4])
	n := order.Uint32(ng.hdr[4:8])
	if n < 12 || n%4 != 0 || n > maxBlock {
		return 0, nil, fmt.Errorf("%w: block length %d", errNgFormat, n)
	}
	body := int(n) - 8
	if cap(ng.buf) < body {
		ng.buf = make([]byte, body)
	}
	b := ng.buf[:body]
	if _, err := io.ReadFull(ng.r, b); err != nil {
		return 0, nil, io.ErrUnexpectedEOF
	}
	if order.Uint32(b[body-4:]) != n {
		return 0, nil, fmt.Errorf("%w: block lengths at start and end differ", errNgFormat)
	}
	return typ, b[:body-4], nil
}

func (ng *pcapngReader) section(body []byte) error {
	if len(body) < 16 {
		return fmt.Errorf("%w: short section header", errNgFormat)
	}
	if major := ng.order.Uint16(body[4:6]); major != 1 {
		return fmt.Errorf("%w: version %d", errNgFormat, major)
	}
	ng.ifaces = ng.ifaces[:0]
	return nil
}

func (ng *pcapngReader) iface(body []byte) error {
	if len(body) < 8 {
		return fmt.Errorf("%w: short interface description", errNgFormat)
	}
	in := ngInterface{snaplen: ng.order.Uint32(body[4:8]), tsUnits: 1e6}
	lt := ng.order.Uint16(body[0:2])
	switch {
	case lt == 276:
		in.link = LinkTypeLinuxSLL2
	case lt > 255:
		in.link = 0xff // not one we decode
	default:
		in.link = layers.LinkType(lt)
	}
	// Options: code, length, value padded to 4 bytes.
	for opts := body[8:]; len(opts) >= 4; {
		code, l := ng.order.Uint16(opts[0:2]), int(ng.order.Uint16(opts[2:4]))
		if code == 0 || 4+l > len(opts) {
			break
		}
		v := opts[4 : 4+l]
		switch {
		case code == 9 && l == 1: // if_tsresol
			exp := uint64(v[0] & 0x7f)
			if v[0]&0x80 != 0 {
				if exp < 63 {
					in.tsUnits = 1 << exp
				}
			} else if exp <= 19 {
				in.tsUnits = uint64(math.Pow10(int(exp)))
			}
		case code == 14 && l == 8: // if_tsoffset, seconds
			in.tsOff = int64(ng.order.Uint64(v))
		}
		opts = opts[4+(l+3)&^3:]
	}
	ng.ifaces = append(ng.ifaces, in)
	return nil
}

// ZeroCopyReadPacketData returns the next packet; the data is valid until the next call.
func (ng *pcapngReader) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	for {
		typ, body, err := ng.block()
		if err != nil {
			return nil, gopacket.CaptureInfo{}, err
		}
		switch typ {
		case 0x0a0d0d0a:
			if err := ng.section(body); err != nil {
				return nil, gopacket.CaptureInfo{}, err
			}
		case 1:
			if err := ng.iface(body); err != nil {
				return nil, gopacket.CaptureInfo{}, err
			}
		case 6, 2: // Enhanced Packet Block, obsolete Packet Block
			if len(body) < 20 {
				return nil, gopacket.CaptureInfo{}, fmt.Errorf("%w: short packet block", errNgFormat)
			}
			id := int(ng.order.Uint32(body[0:4]))
			if typ == 2 {
				id = int(ng.order.Uint16(body[0:2]))
			}
			if id >= len(ng.ifaces) {
				return nil, gopacket.CaptureInfo{}, fmt.Errorf("%w: packet for interface %d, which was never described", errNgFormat, id)
			}
			in := ng.ifaces[id]
			ts := uint64(ng.order.Uint32(body[4:8]))<<32 | uint64(ng.order.Uint32(body[8:12]))
			capLen, origLen := ng.order.Uint32(body[12:16]), ng.order.Uint32(body[16:20])
			if uint64(capLen) > uint64(len(body)-20) {
				return nil, gopacket.CaptureInfo{}, fmt.Errorf("%w: captured length %d larger than its block", errNgFormat, capLen)
			}
			sec := ts / in.tsUnits
			nsec := (ts % in.tsUnits) * 1e9 / in.tsUnits
			ci := gopacket.CaptureInfo{
				Timestamp:      time.Unix(int64(sec)+in.tsOff, int64(nsec)).UTC(),
				CaptureLength:  int(capLen),
				Length:         int(max(origLen, capLen)),
				InterfaceIndex: id,
			}
			return body[20 : 20+capLen], ci, nil
		case 3: // Simple Packet Block: interface 0, no timestamp
			if len(body) < 4 || len(ng.ifaces) == 0 {
				return nil, gopacket.CaptureInfo{}, fmt.Errorf("%w: simple packet block without an interface", errNgFormat)
			}
			orig := ng.order.Uint32(body[0:4])
			capLen := min(uint32(len(body)-4), orig)
			if s := ng.ifaces[0].snaplen; s > 0 && capLen > s {
				capLen = s
			}
			return body[4 : 4+capLen], gopacket.CaptureInfo{CaptureLength: int(capLen), Length: int(orig)}, nil
		}
		// Other blocks (statistics, name resolution, custom, decryption secrets) are skipped.
	}
}

// linkType returns the link type of an interface.
func (ng *pcapngReader) linkType(id int) layers.LinkType {
	if id < len(ng.ifaces) {
		return ng.ifaces[id].link
	}
	return 0xff
}

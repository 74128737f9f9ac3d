package decode

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// The Authentication Header (RFC 4302 2) authenticates a packet without encrypting it:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	| Next Header   |  Payload Len  |          RESERVED             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                 Security Parameters Index (SPI)               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    Sequence Number Field                      |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                Integrity Check Value-ICV (variable)           |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// An AH SA is followed, like an ESP one, by its SPI and sequence number: the Decoder
// reports each AH as a KindAH message, then reads on into what it protects (the ESP of an
// AH+ESP bundle is a KindESP message of its own). AH never travels in UDP 4500: RFC 3948
// encapsulates ESP only.

// AHHeaderLen is the length of the fixed part of the Authentication Header: next header,
// payload length, reserved, SPI and sequence number. The ICV follows.
const AHHeaderLen = 12

// parseAH reads an Authentication Header at the start of b and returns its SPI and
// sequence number (Len: the bytes after the header; Raw: b), its next header and the
// bytes after it. The payload length field counts 32-bit words minus 2 (RFC 4302 2.2).
// err is set when the header is short or its length runs past b; it wraps ErrTruncated
// when cut says the capture's snap length cut the packet.
func parseAH(b []byte, cut bool) (h ESPHeader, next uint8, rest []byte, err error) {
	h.Raw = b
	if len(b) < AHHeaderLen {
		if cut {
			return h, 0, nil, &FieldError{Field: "AH header", Offset: 0, Err: fmt.Errorf("%w: %d of %d bytes captured", ErrTruncated, len(b), AHHeaderLen)}
		}
		return h, 0, nil, &FieldError{Field: "AH header", Offset: 0, Err: errShort}
	}
	h.SPI = binary.BigEndian.Uint32(b[4:8])
	h.Seq = binary.BigEndian.Uint32(b[8:12])
	n := (int(b[1]) + 2) * 4
	switch {
	case n < AHHeaderLen:
		return h, 0, nil, &FieldError{Field: "AH payload length", Offset: 1, Err: fmt.Errorf("%w: %d bytes", errLengthShort, n)}
	case n > len(b) && cut:
		return h, 0, nil, &FieldError{Field: "AH payload length", Offset: 1, Err: fmt.Errorf("%w: a %d-byte header, %d bytes captured", ErrTruncated, n, len(b))}
	case n > len(b):
		return h, 0, nil, &FieldError{Field: "AH payload length", Offset: 1, Err: fmt.Errorf("%w: %d bytes stated, %d present", errLengthLong, n, len(b))}
	}
	h.Len = len(b) - n
	return h, b[0], b[n:], nil
}

// ah reports the Authentication Header at the start of b as a KindAH message, then
// makes m ready for what the AH protects and returns it for the caller to read on. ok is
// false when there is nothing more to read: the header did not decode, or another AH
// follows (not read, so that a packet of stacked headers yields one message, not one
// per 12 bytes).
func (d *Decoder) ah(m *Message, src, dst netip.Addr, b []byte, cut bool, emit func(*Message)) (next uint8, rest []byte, ok bool) {
	d.Stats.AH++
	m.Kind = KindAH
	m.Src, m.Dst = netip.AddrPortFrom(src, 0), netip.AddrPortFrom(dst, 0)
	m.Truncated = m.Truncated || cut
	var err error
	m.ESP, next, rest, err = parseAH(b, cut)
	m.Err = err
	emit(m)
	if err != nil {
		return 0, nil, false
	}
	if next == 51 { // AH behind AH
		d.Stats.Other++
		return 0, nil, false
	}
	// The next message is of the same packet: same frame, time, truncation and fragments.
	*m = Message{Frame: m.Frame, Time: m.Time, Truncated: m.Truncated, Fragments: m.Fragments, InAH: true}
	return next, rest, true
}

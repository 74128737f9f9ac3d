package decode

import "encoding/binary"

// cursor reads big-endian fields from a payload body with a sticky error: once a read runs
// past the end, every later read returns zero and err names the first field that failed.
// base is the body's offset in the ISAKMP message, so errors carry message offsets.
type cursor struct {
	b    []byte
	off  int
	base int
	err  error
}

func newCursor(b []byte, base int) cursor { return cursor{b: b, base: base} }

func (c *cursor) fail(field string, err error) {
	if c.err == nil {
		c.err = &FieldError{Field: field, Offset: c.base + c.off, Err: err}
	}
}

func (c *cursor) need(n int, field string) bool {
	if c.err != nil {
		return false
	}
	if n < 0 || len(c.b)-c.off < n {
		c.fail(field, errShort)
		return false
	}
	return true
}

func (c *cursor) u8(field string) uint8 {
	if !c.need(1, field) {
		return 0
	}
	v := c.b[c.off]
	c.off++
	return v
}

func (c *cursor) u16(field string) uint16 {
	if !c.need(2, field) {
		return 0
	}
	v := binary.BigEndian.Uint16(c.b[c.off:])
	c.off += 2
	return v
}

func (c *cursor) u32(field string) uint32 {
	if !c.need(4, field) {
		return 0
	}
	v := binary.BigEndian.Uint32(c.b[c.off:])
	c.off += 4
	return v
}

func (c *cursor) bytes(n int, field string) []byte {
	if !c.need(n, field) {
		return nil
	}
	v := c.b[c.off : c.off+n : c.off+n]
	c.off += n
	return v
}

func (c *cursor) skip(n int, field string) { c.bytes(n, field) }

func (c *cursor) rest() []byte {
	if c.err != nil {
		return nil
	}
	v := c.b[c.off:]
	c.off = len(c.b)
	return v
}

func (c *cursor) remaining() int {
	if c.err != nil {
		return 0
	}
	return len(c.b) - c.off
}

// abs is the message offset of the cursor's position.
func (c *cursor) abs() int { return c.base + c.off }

// substructure reads the 4-byte header shared by proposals and transforms (IKEv1
// payloads of types 2 and 3, IKEv2 substructures): a "more follow" byte, a reserved byte
// and a length that includes the header. It returns a cursor over the body and moves past it.
func (c *cursor) substructure(field string) (more uint8, body cursor, ok bool) {
	start := c.off
	more = c.u8(field + " next payload")
	c.skip(1, field+" reserved")
	n := int(c.u16(field + " length"))
	if c.err != nil {
		return 0, cursor{}, false
	}
	if n < 8 || start+n > len(c.b) {
		c.off = start + 2
		if n < 8 {
			c.fail(field+" length", errLengthShort)
		} else {
			c.fail(field+" length", errLengthLong)
		}
		return 0, cursor{}, false
	}
	c.off = start + n
	return more, newCursor(c.b[start+4:start+n], c.base+start+4), true
}

// adopt takes over the first error of a cursor over part of this one.
func (c *cursor) adopt(sub *cursor) {
	if sub.err != nil && c.err == nil {
		c.err = sub.err
	}
}

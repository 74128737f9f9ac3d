package decode

import (
	"encoding/binary"
	"fmt"
)

// cursor reads big-endian fields from a payload body with a sticky error: once a read runs
// past the end, every later read returns zero and err names the first field that failed.
// base is the body's offset in the ISAKMP message, so errors carry message offsets.
type cursor struct {
	b    []byte
	off  int
	base int
	err  error
	// Where the cursor is, for error messages only: "SA proposal" with the proposal and
	// transform numbers, or "traffic selector" with its number. Field names are built
	// from these when a read fails, so reads that succeed allocate nothing.
	ctx    string
	n1, n2 int
}

func newCursor(b []byte, base int) cursor { return cursor{b: b, base: base} }

func (c *cursor) fail(field string, err error) {
	if c.err == nil {
		c.err = &FieldError{Field: c.where(field), Offset: c.base + c.off, Err: err}
	}
}

// where names a field with the cursor's context: "SA proposal 1 transform 2 ID".
func (c *cursor) where(field string) string {
	switch {
	case c.ctx == "":
		return field
	case c.n2 > 0:
		return fmt.Sprintf("%s %d transform %d %s", c.ctx, c.n1, c.n2, field)
	case c.n1 > 0:
		return fmt.Sprintf("%s %d %s", c.ctx, c.n1, field)
	}
	return c.ctx + " " + field
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
// The body cursor carries the context ctx n1 [transform n2] for its errors.
func (c *cursor) substructure(ctx string, n1, n2 int) (more uint8, body cursor, ok bool) {
	saved := *c
	c.ctx, c.n1, c.n2 = ctx, n1, n2
	defer func() { c.ctx, c.n1, c.n2 = saved.ctx, saved.n1, saved.n2 }()
	start := c.off
	more = c.u8("next payload")
	c.skip(1, "reserved")
	n := int(c.u16("length"))
	if c.err != nil {
		return 0, cursor{}, false
	}
	if n < 8 || start+n > len(c.b) {
		c.off = start + 2
		if n < 8 {
			c.fail("length", errLengthShort)
		} else {
			c.fail("length", errLengthLong)
		}
		return 0, cursor{}, false
	}
	c.off = start + n
	body = newCursor(c.b[start+4:start+n], c.base+start+4)
	body.ctx, body.n1, body.n2 = ctx, n1, n2
	return more, body, true
}

// adopt takes over the first error of a cursor over part of this one.
func (c *cursor) adopt(sub *cursor) {
	if sub.err != nil && c.err == nil {
		c.err = sub.err
	}
}

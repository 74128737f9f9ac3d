package decode

import (
	"errors"
	"fmt"
)

// Errors a malformed message can carry. Location is added by FieldError.
var (
	errShort        = errors.New("too short")
	errLengthShort  = errors.New("length field smaller than the fixed header")
	errLengthLong   = errors.New("length field runs past the end of the enclosing data")
	errTrailingData = errors.New("data after the last payload")
	errCount        = errors.New("count does not match the data")
	errSPISize      = errors.New("SPI size does not fit")
	errBadValue     = errors.New("value out of range")
	errCycle        = errors.New("payload chain does not advance")
)

// ErrTruncated marks a message cut short by the capture's snap length rather than by its sender.
var ErrTruncated = errors.New("truncated by capture snap length")

// FieldError says where in a message decoding failed.
type FieldError struct {
	Field  string // "payload 3 (N)", "ISAKMP header", "SA proposal 1 transform 2"
	Offset int    // byte offset from the start of the ISAKMP message
	Err    error
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("%s at offset %d: %v", e.Field, e.Offset, e.Err)
}

func (e *FieldError) Unwrap() error { return e.Err }

package decode

import "fmt"

// DecodeInner parses the plaintext of an IKEv2 SK payload (or of reassembled SKF
// fragments) or the decrypted body of an IKEv1 message: a payload chain that starts with a
// payload of type first, for a message of IKEv2 (v2) or IKEv1. It uses the same parsers as
// ISAKMP.DecodeFromBytes and reports errors the same way, with offsets relative to the
// start of plain. The caller strips padding first: bytes after the last payload are
// reported as trailing data.
//
// The payloads point into plain; plain must not be reused while they are in use.
func DecodeInner(plain []byte, first PayloadType, v2 bool) ([]Payload, []error) {
	m := ISAKMP{MajorVersion: 1}
	if v2 {
		m.MajorVersion = 2
	}
	if end, parsed := m.walkPayloads(plain, 0, first); parsed && end < len(plain) {
		// The caller strips the padding, so what is left is an error, not slack.
		m.addErr("payload chain", end, fmt.Errorf("%w: %d bytes", errTrailingData, len(plain)-end))
	}
	return m.Payloads, m.Errors
}

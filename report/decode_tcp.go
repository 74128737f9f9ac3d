package report

import (
	"fmt"

	"github.com/ikescope/ikescope/decode"
)

// IKE over TCP (RFC 8229) in `ikescope decode`: a message that came over TCP is tagged
// [tcp] in the tree and "tcp":true in JSON, and the events of its connection (opened,
// closed, reset, not IKE: KindStream messages) are printed where they happened.

// streamSentence says what happened to an IKE-over-TCP connection; by names the side.
func streamSentence(e *decode.StreamEvent, by string) string {
	carried := func() string {
		s := fmt.Sprintf("after %d IKE messages and %d ESP packets", e.Messages, e.ESP)
		if e.Pending > 0 {
			s += fmt.Sprintf(", %d bytes of an unfinished frame", e.Pending)
		}
		return s
	}
	switch e.Event {
	case decode.StreamOpened:
		return "IKE over TCP: " + by + " sent the IKETCP prefix"
	case decode.StreamClosed:
		return "IKE over TCP: closed (FIN) by " + by + " " + carried()
	case decode.StreamReset:
		return "IKE over TCP: reset (RST) by " + by + " " + carried()
	case decode.StreamNotIKE:
		return fmt.Sprintf("IKE over TCP: bytes from %s at stream offset %d are not RFC 8229 frames of IKE or ESP; the rest of the connection is not read", by, e.Offset)
	case decode.StreamNoPrefix:
		return "IKE over TCP: " + by + "'s first bytes are not the IKETCP prefix; the connection is not read"
	}
	return "IKE over TCP: " + e.Event.String() + " by " + by
}

// streamSide names the side of the connection that caused a KindStream message's event:
// the message's Src is the client, its Dst the server.
func streamSide(m *decode.Message) string {
	if m.Stream.By == m.Dst {
		return "server"
	}
	return "client"
}

// stream prints a KindStream message as one line.
func (t *TreeWriter) stream(m *decode.Message) {
	// One division of the nanoseconds, as the stream lines have always counted: Duration.
	// Seconds rounds twice and prints some times halfway between two milliseconds
	// (1.0595 s) the other way.
	rel := float64(m.Time.UnixNano()-t.start.UnixNano()) / 1e9
	by := streamSide(m) + " " + t.red.AddrPort(m.Stream.By)
	t.line(0, "frame %d  %s (+%.3fs)  %s → %s  %s  [tcp]", m.Frame, m.Time.UTC().Format("2006-01-02 15:04:05.000000"),
		rel, t.red.AddrPort(m.Src), t.red.AddrPort(m.Dst), streamSentence(m.Stream, by))
}

// StreamJSON is the "stream" object of a `kind` "stream" line (docs/decode-json.md).
type StreamJSON struct {
	Event    string `json:"event"`
	By       string `json:"by"` // "client" or "server": the line's src or dst
	Messages int    `json:"ike_messages"`
	ESP      int    `json:"esp_packets"`
	Pending  int    `json:"pending_bytes"`
	Offset   int    `json:"offset"`
}

func newStreamJSON(m *decode.Message) *StreamJSON {
	e := m.Stream
	return &StreamJSON{Event: e.Event.String(), By: streamSide(m), Messages: e.Messages, ESP: e.ESP,
		Pending: e.Pending, Offset: e.Offset}
}

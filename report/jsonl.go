package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/ikescope/ikescope/analyze"
)

// EventsSchemaVersion is the version of `ikescope analyze -f jsonl`, described by
// docs/schema/analyze-events.schema.json.
const EventsSchemaVersion = 2

// Event types of `ikescope analyze -f jsonl`, in the order they are written: each session,
// as the analysis finishes with it, followed by its messages and ESP flows; then ESP
// flows that belong to no session, each capture, and the findings, most severe first.
const (
	EventCapture = "capture"
	EventSession = "session"
	EventMessage = "message"
	EventESPFlow = "esp_flow"
	EventFinding = "finding"
	EventClients = "clients"
)

// Every event begins with its type and the schema version; fields of the embedded
// analysis types follow (a field of the event itself hides one of the same name).

type captureEvent struct {
	Type          string    `json:"type"`
	SchemaVersion int       `json:"schema_version"`
	Time          time.Time `json:"time"`
	analyze.Capture
}

// sessionEvent is a session without its messages and ESP flows, which follow as events
// of their own.
type sessionEvent struct {
	Type          string    `json:"type"`
	SchemaVersion int       `json:"schema_version"`
	Time          time.Time `json:"time"`
	*analyze.Session
	Messages []*analyze.Msg     `json:"messages,omitempty"`
	ESP      []*analyze.ESPFlow `json:"esp_flows,omitempty"`
}

type messageEvent struct {
	Type          string      `json:"type"`
	SchemaVersion int         `json:"schema_version"`
	Capture       string      `json:"capture"`
	Session       int         `json:"session"`
	Version       int         `json:"ike_version"`
	InitiatorSPI  analyze.SPI `json:"initiator_spi"`
	ResponderSPI  analyze.SPI `json:"responder_spi"`
	*analyze.Msg
}

type espEvent struct {
	Type          string           `json:"type"`
	SchemaVersion int              `json:"schema_version"`
	Time          time.Time        `json:"time"`
	Capture       string           `json:"capture,omitempty"`
	Flow          *analyze.ESPFlow `json:"-"` // written after the fields above
}

// MarshalJSON writes the event's own fields, then the flow's: the flow writes its own
// JSON (for its SPI), so it cannot be embedded like the other events' records.
func (e espEvent) MarshalJSON() ([]byte, error) {
	type head espEvent // without this method
	hb, err := json.Marshal(head(e))
	if err != nil {
		return nil, err
	}
	fb, err := json.Marshal(e.Flow)
	if err != nil || len(fb) <= 2 {
		return hb, err
	}
	return append(append(hb[:len(hb)-1], ','), fb[1:]...), nil
}

// clientsEvent is the summary of remote-access clients, after the captures.
type clientsEvent struct {
	Type          string    `json:"type"`
	SchemaVersion int       `json:"schema_version"`
	Time          time.Time `json:"time"`
	*analyze.ClientSummary
}

// clientsTime is when the clients' summary holds: the end of the last capture.
func clientsTime(r *analyze.Result) time.Time {
	var t time.Time
	for _, c := range r.Captures {
		if c.Last.After(t) {
			t = c.Last
		}
	}
	return t.UTC()
}

type findingEvent struct {
	Type          string `json:"type"`
	SchemaVersion int    `json:"schema_version"`
	analyze.Finding
}

// WriteEvents writes the analysis as JSON lines, one event per line, for jq, Elastic or
// Splunk: every capture, session, message, ESP flow and finding, each with a "type" and a
// "time".
func WriteEvents(w io.Writer, r *analyze.Result, st Style) error {
	return NewAnalysisStream(w, FormatJSONL, st.redactor(r)).Finish(r)
}

// redactedKeys are JSON fields left out of redacted output: SPIs and cookies.
var redactedKeys = map[string]bool{"initiator_spi": true, "responder_spi": true, "spis": true, "spi": true}

// decodeRedactedKeys are those of `decode -f json --redact`: SPIs, and the hex dumps of
// hashes, nonces, signatures, notification data, Vendor IDs and CA key hashes.
var decodeRedactedKeys = map[string]bool{"initiator_spi": true, "responder_spi": true, "spis": true, "spi": true,
	"data": true, "authorities": true}

// writeRedactedJSON writes v as JSON with every string redacted and the SPI fields left
// out, keeping the order of the fields. indent "" writes one line.
func writeRedactedJSON(w io.Writer, v any, rd *Redactor, indent string) error {
	return writeRedactedJSONIndent(w, v, rd, indent, redactedKeys)
}

// writeRedactedJSONKeys writes v as one line of redacted JSON without the fields in left.
func writeRedactedJSONKeys(w io.Writer, v any, rd *Redactor, left map[string]bool) error {
	return writeRedactedJSONIndent(w, v, rd, "", left)
}

func writeRedactedJSONIndent(w io.Writer, v any, rd *Redactor, indent string, left map[string]bool) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if err := redactJSON(&out, b, rd, plainValue, left); err != nil {
		return err
	}
	if indent != "" {
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, out.Bytes(), "", indent); err != nil {
			return err
		}
		out = pretty
	}
	out.WriteByte('\n')
	_, err = w.Write(out.Bytes())
	return err
}

// redactJSON appends the JSON value b to out with its strings redacted and the fields in
// left taken out; kind says what the value holds.
func redactJSON(out *bytes.Buffer, b []byte, rd *Redactor, kind valueKind, left map[string]bool) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return redactValue(dec, out, rd, kind, left)
}

// What a JSON value holds, for redaction.
type valueKind int

const (
	plainValue   valueKind = iota
	captureValue           // a capture's name, or an array of them
	captureKeys            // an object whose keys are captures' names
)

// captureFields hold capture names (captureKeys: as the keys of an object).
var captureFields = map[string]valueKind{"capture": captureValue, "name": captureValue, "captures": captureValue,
	"lost_between": captureValue, "seen_at": captureKeys}

// redactValue copies one JSON value from dec to out, redacting its strings.
func redactValue(dec *json.Decoder, out *bytes.Buffer, rd *Redactor, kind valueKind, left map[string]bool) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		closing := byte('}')
		if t == '[' {
			closing = ']'
		}
		out.WriteByte(byte(t))
		first := true
		for dec.More() {
			if t == '{' {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				key, _ := k.(string)
				if left[key] {
					if err := skipValue(dec); err != nil {
						return err
					}
					continue
				}
				if !first {
					out.WriteByte(',')
				}
				if kind == captureKeys {
					key = rd.Capture(key)
				}
				writeJSONString(out, key)
				out.WriteByte(':')
				first = false
				if err := redactValue(dec, out, rd, captureFields[key], left); err != nil {
					return err
				}
				continue
			} else if !first {
				out.WriteByte(',')
			}
			first = false
			if err := redactValue(dec, out, rd, kind, left); err != nil { // an array's items are what it holds
				return err
			}
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return err
		}
		out.WriteByte(closing)
	case string:
		if kind == captureValue {
			writeJSONString(out, rd.Capture(t))
		} else {
			writeJSONString(out, rd.Text(t))
		}
	case json.Number:
		out.WriteString(t.String())
	case bool:
		fmt.Fprint(out, t)
	case nil:
		out.WriteString("null")
	}
	return nil
}

func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
		if depth == 0 {
			return nil
		}
	}
}

func writeJSONString(out *bytes.Buffer, s string) {
	b, _ := json.Marshal(s)
	out.Write(b)
}

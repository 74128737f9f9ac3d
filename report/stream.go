package report

import (
	"bufio"
	"bytes"
	"cmp"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/ikescope/ikescope/analyze"
)

// AnalysisStream writes `ikescope analyze -f json` or `-f jsonl` while the analysis runs:
// each session as the analysis hands it over (analyze.Options.OnDone), then, at the end,
// the captures, the findings (most severe first) and the ESP flows of no session. A
// session's details leave memory once written; its findings wait, encoded, in a spool
// (memory, then a temporary file) to be sorted with the rest.
type AnalysisStream struct {
	lines   bool // JSON lines (events), not one document
	jw      *jsonDocWriter
	bw      *bufio.Writer
	n       int // sessions written
	found   findingSpool
	orphans findingSpool // ESP flows of no session the analysis let go, by when they began
	err     error
}

// NewAnalysisStream starts the document (or event stream) of format f (FormatJSON or
// FormatJSONL) on w, redacted by rd when it is not nil: a redactor of the whole Result
// (NewRedactor), or, for sessions handed over while the analysis runs, a stream redactor
// (NewStreamRedactor) that learns each session before it is written.
func NewAnalysisStream(w io.Writer, f Format, rd *Redactor) *AnalysisStream {
	as := &AnalysisStream{lines: f == FormatJSONL, bw: bufio.NewWriterSize(w, 64<<10)}
	as.jw = &jsonDocWriter{w: as.bw, rd: rd}
	if !as.lines {
		as.jw.raw("{\n")
		as.jw.field("schema_version", AnalysisSchemaVersion)
		if rd.On() {
			as.jw.field("redacted", true)
		}
		as.jw.key("sessions")
		as.jw.raw("[")
	}
	return as
}

// Session writes one finished session and keeps its findings for the end.
func (as *AnalysisStream) Session(s *analyze.Session, fs []analyze.Finding) {
	as.jw.rd.LearnSession(s, fs)
	if as.lines {
		writeSessionEvents(as.emit, s)
	} else {
		if as.n > 0 {
			as.jw.raw(",")
		}
		as.jw.raw("\n    ")
		as.jw.value(s, plainValue, "    ")
	}
	as.n++
	for _, f := range fs {
		as.found.add(f, as.encodeFinding)
	}
}

// Orphan takes an ESP flow of no session that the analysis let go while it ran
// (analyze.Options.OnOrphan): an event line at once, or kept encoded for the document's
// orphan_esp_flows.
func (as *AnalysisStream) Orphan(f *analyze.ESPFlow) {
	if rd := as.jw.rd; rd.On() {
		rd.learnResult(&analyze.Result{Orphans: []*analyze.ESPFlow{f}})
	}
	if as.lines {
		as.emit(espEvent{EventESPFlow, EventsSchemaVersion, f.First, "", f})
		return
	}
	as.orphans.addEncoded(analyze.Info, f.First, func(buf *bytes.Buffer) error {
		return as.encodeItem(f, captureFields["orphan_esp_flows"], buf)
	})
}

// encodeItem writes v to buf as an item of one of the document's top-level arrays is
// written: indented as it sits there, redacted when the stream is.
func (as *AnalysisStream) encodeItem(v any, kind valueKind, buf *bytes.Buffer) error {
	b, err := as.jw.encode(v, kind)
	if err != nil {
		return err
	}
	as.jw.pretty = appendIndent(as.jw.pretty[:0], b, "    ", "  ")
	buf.Write(as.jw.pretty)
	return nil
}

// emit writes one event line.
func (as *AnalysisStream) emit(v any) {
	if as.jw.err == nil {
		as.jw.err = as.line(as.bw, v)
	}
}

// line writes v as one line of JSON, redacted when the stream is.
func (as *AnalysisStream) line(w io.Writer, v any) error {
	if as.jw.rd.On() {
		return writeRedactedJSON(w, v, as.jw.rd, "")
	}
	return WriteJSONLine(w, v)
}

// encodeFinding gives a finding as the document or the event stream writes it.
func (as *AnalysisStream) encodeFinding(f analyze.Finding, buf *bytes.Buffer) error {
	if as.lines {
		return as.line(buf, findingEvent{EventFinding, EventsSchemaVersion, f})
	}
	return as.encodeItem(f, plainValue, buf)
}

// Finish writes what comes after the sessions: r's sessions (those the analysis did not
// hand over), its captures, every finding and the ESP flows of no session.
func (as *AnalysisStream) Finish(r *analyze.Result) error {
	for _, s := range r.Sessions {
		as.Session(s, nil)
	}
	if rd := as.jw.rd; rd.On() {
		for _, c := range r.Captures {
			rd.AddCapture(c.Name)
		}
		rd.learnResult(&analyze.Result{Findings: r.Findings, Orphans: r.Orphans, Clients: r.Clients})
	}
	for _, f := range r.Findings {
		as.found.add(f, as.encodeFinding)
	}
	defer as.found.close()
	defer as.orphans.close()
	if as.lines {
		for _, f := range r.Orphans {
			as.emit(espEvent{EventESPFlow, EventsSchemaVersion, f.First, "", f})
		}
		for _, c := range r.Captures {
			as.emit(captureEvent{EventCapture, EventsSchemaVersion, c.First, c})
		}
		if cs := r.Clients; cs != nil {
			as.emit(clientsEvent{EventClients, EventsSchemaVersion, clientsTime(r), cs})
		}
		if err := as.found.writeSorted(as.bw, func() {}); err != nil && as.jw.err == nil {
			as.jw.err = err
		}
	} else {
		jw := as.jw
		if as.n > 0 {
			jw.raw("\n  ")
		}
		jw.raw("]")
		jw.array("captures", len(r.Captures), func(i int) any { return r.Captures[i] })
		jw.key("findings")
		if as.found.len() == 0 {
			jw.raw("[]")
		} else {
			jw.raw("[\n")
			first := true
			err := as.found.writeSorted(as.bw, func() {
				if !first {
					jw.raw(",\n")
				}
				first = false
				jw.raw("    ")
			})
			if err != nil && jw.err == nil {
				jw.err = err
			}
			jw.raw("\n  ]")
		}
		jw.key("orphan_esp_flows")
		if as.orphans.len()+len(r.Orphans) == 0 {
			jw.raw("[]")
		} else {
			// Those let go first, then those held to the end.
			jw.raw("[\n")
			first := true
			next := func() {
				if !first {
					jw.raw(",\n")
				}
				first = false
				jw.raw("    ")
			}
			if err := as.orphans.writeSorted(as.bw, next); err != nil && jw.err == nil {
				jw.err = err
			}
			for _, f := range r.Orphans {
				next()
				jw.value(f, captureFields["orphan_esp_flows"], "    ")
			}
			jw.raw("\n  ]")
		}
		if r.OmittedOK > 0 {
			jw.field("omitted_sessions_ok", r.OmittedOK)
		}
		if r.OmittedFailed > 0 {
			jw.field("omitted_sessions_failed", r.OmittedFailed)
		}
		if r.Clients != nil {
			jw.field("clients", r.Clients)
		}
		jw.raw("\n}\n")
	}
	if as.jw.err != nil {
		return as.jw.err
	}
	return as.bw.Flush()
}

// writeSessionEvents emits a session's events: the session, its messages, its ESP flows.
func writeSessionEvents(emit func(any), s *analyze.Session) {
	const v = EventsSchemaVersion
	emit(sessionEvent{Type: EventSession, SchemaVersion: v, Time: s.First, Session: s})
	for _, m := range s.Messages {
		emit(messageEvent{EventMessage, v, s.Capture, s.ID, s.Version, s.InitiatorSPI, s.ResponderSPI, m})
	}
	for _, f := range s.ESP {
		emit(espEvent{EventESPFlow, v, f.First, s.Capture, f})
	}
}

// findingSpool holds encoded findings with what they sort by: in memory up to
// spoolMemory bytes, then in a temporary file. The index is what stays in memory for
// every finding: 16 bytes each, one list per severity.
type findingSpool struct {
	bySev   map[analyze.Severity][]spooled
	n       int
	mem     bytes.Buffer
	file    *os.File
	fw      *bufio.Writer // writes to file in large blocks
	size    int64
	err     error
	scratch bytes.Buffer // the finding being encoded
}

// spooled is one finding in the spool: when it happened, and where its bytes are (the
// offset above the low spoolLenBits bits, the length in them).
type spooled struct {
	at   int64 // Unix nanoseconds
	span uint64
}

// spoolLenBits holds a finding's length: 16 MiB, far more than any finding takes (their
// lists of frames are bounded); the offset has the other 40 bits, a terabyte.
const spoolLenBits = 24

func (e spooled) off() int64 { return int64(e.span >> spoolLenBits) }
func (e spooled) len() int   { return int(e.span & (1<<spoolLenBits - 1)) }

// spoolMemory is how many bytes of encoded findings stay in memory.
const spoolMemory = 1 << 20

func (sp *findingSpool) len() int { return sp.n }

func (sp *findingSpool) add(f analyze.Finding, encode func(analyze.Finding, *bytes.Buffer) error) {
	sp.addEncoded(f.Severity, f.Time, func(b *bytes.Buffer) error { return encode(f, b) })
}

// addEncoded spools what encode writes, sorted as a finding of severity sev at time at.
func (sp *findingSpool) addEncoded(sev analyze.Severity, at time.Time, encode func(*bytes.Buffer) error) {
	if sp.err != nil {
		return
	}
	b := &sp.scratch
	b.Reset()
	if sp.err = encode(b); sp.err != nil {
		return
	}
	if b.Len() >= 1<<spoolLenBits || sp.size >= 1<<(64-spoolLenBits) {
		sp.err = fmt.Errorf("a finding of %d bytes after %d bytes of them is more than the findings spool holds", b.Len(), sp.size)
		return
	}
	if sp.file == nil && sp.mem.Len()+b.Len() > spoolMemory {
		if sp.file, sp.err = os.CreateTemp("", "ikescope-findings-*"); sp.err != nil {
			return
		}
		os.Remove(sp.file.Name()) // gone once closed, whatever happens
		sp.fw = bufio.NewWriterSize(sp.file, 256<<10)
		if _, sp.err = sp.fw.Write(sp.mem.Bytes()); sp.err != nil {
			return
		}
		sp.mem = bytes.Buffer{}
	}
	if sp.file != nil {
		_, sp.err = sp.fw.Write(b.Bytes())
	} else {
		sp.mem.Write(b.Bytes())
	}
	if sp.bySev == nil {
		sp.bySev = map[analyze.Severity][]spooled{}
	}
	sp.bySev[sev] = append(sp.bySev[sev], spooled{at.UnixNano(), uint64(sp.size)<<spoolLenBits | uint64(b.Len())})
	sp.n++
	sp.size += int64(b.Len())
}

// writeSorted copies the findings to w, most severe first and, within a severity, in
// time order (ties in the order they came); before calls before each one.
func (sp *findingSpool) writeSorted(w io.Writer, before func()) error {
	if sp.err != nil {
		return sp.err
	}
	if sp.fw != nil {
		if err := sp.fw.Flush(); err != nil {
			return err
		}
	}
	sevs := slices.Collect(maps.Keys(sp.bySev))
	slices.Sort(sevs)
	var win spoolWindow
	for _, sev := range slices.Backward(sevs) {
		index := sp.bySev[sev]
		slices.SortStableFunc(index, func(a, b spooled) int { return cmp.Compare(a.at, b.at) })
		for _, e := range index {
			before()
			b := sp.mem.Bytes()
			if sp.file != nil {
				var err error
				if b, err = win.read(sp.file, e.off(), e.len()); err != nil {
					return err
				}
			} else {
				b = b[e.off() : e.off()+int64(e.len())]
			}
			if _, err := w.Write(b); err != nil {
				return err
			}
		}
	}
	return nil
}

// spoolWindow reads a spilled spool back a large block at a time. Within a severity the
// findings come out in time order, close to the order they went in, so most of them are
// in the block the one before them brought in: one read per block, not one per finding.
type spoolWindow struct {
	buf []byte
	off int64 // where buf begins in the file
}

// spoolBlock is how much of the spool file one read brings in.
const spoolBlock = 256 << 10

// read gives the n bytes at off in f, valid until the next call.
func (w *spoolWindow) read(f *os.File, off int64, n int) ([]byte, error) {
	if off >= w.off && off+int64(n) <= w.off+int64(len(w.buf)) {
		return w.buf[off-w.off : off-w.off+int64(n)], nil
	}
	w.buf = slices.Grow(w.buf[:0], max(n, spoolBlock))[:max(n, spoolBlock)]
	got, err := f.ReadAt(w.buf, off)
	if got < n {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	w.buf, w.off = w.buf[:got], off
	return w.buf[:n], nil
}

func (sp *findingSpool) close() {
	if sp.file != nil {
		sp.file.Close()
	}
}

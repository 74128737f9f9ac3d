package report

import (
	"bufio"
	"bytes"
	"cmp"
	"container/heap"
	"encoding/binary"
	"fmt"
	"io"
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
// spoolMemory bytes, then in a temporary file as sorted runs, each what the memory held
// when it filled, which writeSorted merges. In the file each finding is preceded by its
// entry of the index (spoolEntrySize bytes), so that what stays in memory does not grow
// with the findings: the run in memory and where each run in the file begins.
type findingSpool struct {
	index   []spooled // the findings in mem
	runs    []spoolRun
	spilled int // findings in the file
	mem     bytes.Buffer
	file    *os.File
	fw      *bufio.Writer // writes to file in large blocks
	size    int64         // bytes in the file
	err     error
	scratch bytes.Buffer // the finding being encoded
}

// spoolRun is one sorted run in the file: how many findings it holds and where its bytes
// begin in the file.
type spoolRun struct {
	n   int
	off int64
}

// spoolEntrySize is the bytes of a finding's entry of the index in the file: its time
// and its span (with no offset), little-endian.
const spoolEntrySize = 16

// spooled is one finding in the spool: when it happened and, in span, its length (the
// low spoolLenBits bits), its severity (the spoolSevBits above them) and, above both,
// where its bytes are in mem while they are there.
type spooled struct {
	at   int64 // Unix nanoseconds
	span uint64
}

const (
	// spoolLenBits holds a finding's length: 16 MiB, far more than any finding takes
	// (their lists of frames are bounded).
	spoolLenBits = 24
	spoolSevBits = 4
)

func (e spooled) off() int { return int(e.span >> (spoolLenBits + spoolSevBits)) }
func (e spooled) len() int { return int(e.span & (1<<spoolLenBits - 1)) }
func (e spooled) sev() analyze.Severity {
	return analyze.Severity(e.span >> spoolLenBits & (1<<spoolSevBits - 1))
}

// spoolMemory is how many bytes of encoded findings stay in memory: the size of a run.
const spoolMemory = 1 << 20

func (sp *findingSpool) len() int { return sp.spilled + len(sp.index) }

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
	if b.Len() >= 1<<spoolLenBits || sev < 0 || sev >= 1<<spoolSevBits {
		sp.err = fmt.Errorf("a finding of %d bytes, severity %d, is more than the findings spool holds", b.Len(), sev)
		return
	}
	if sp.mem.Len() > 0 && sp.mem.Len()+b.Len() > spoolMemory {
		if sp.err = sp.spill(); sp.err != nil {
			return
		}
	}
	span := uint64(sp.mem.Len())<<(spoolLenBits+spoolSevBits) | uint64(sev)<<spoolLenBits | uint64(b.Len())
	sp.index = append(sp.index, spooled{at.UnixNano(), span})
	sp.mem.Write(b.Bytes())
}

// spill writes the findings in mem to the file as one run, sorted.
func (sp *findingSpool) spill() error {
	if sp.file == nil {
		var err error
		if sp.file, err = os.CreateTemp("", "ikescope-findings-*"); err != nil {
			return err
		}
		os.Remove(sp.file.Name()) // gone once closed, whatever happens
		sp.fw = bufio.NewWriterSize(sp.file, 256<<10)
	}
	run := sp.index
	sortSpooled(run)
	mem := sp.mem.Bytes()
	var head [spoolEntrySize]byte
	for _, e := range run {
		binary.LittleEndian.PutUint64(head[:8], uint64(e.at))
		binary.LittleEndian.PutUint64(head[8:], e.span&(1<<(spoolLenBits+spoolSevBits)-1))
		if _, err := sp.fw.Write(head[:]); err != nil {
			return err
		}
		if _, err := sp.fw.Write(mem[e.off() : e.off()+e.len()]); err != nil {
			return err
		}
	}
	sp.runs = append(sp.runs, spoolRun{len(run), sp.size})
	sp.size += int64(len(mem) + spoolEntrySize*len(run))
	sp.spilled += len(run)
	sp.index = sp.index[:0]
	sp.mem.Reset()
	return nil
}

// sortSpooled orders findings as they are written: most severe first and, within a
// severity, in time order (ties in the order they came).
func sortSpooled(index []spooled) {
	slices.SortStableFunc(index, compareSpooled)
}

func compareSpooled(a, b spooled) int {
	if c := cmp.Compare(b.sev(), a.sev()); c != 0 {
		return c
	}
	return cmp.Compare(a.at, b.at)
}

// writeSorted copies the findings to w, most severe first and, within a severity, in
// time order (ties in the order they came); before calls before each one.
func (sp *findingSpool) writeSorted(w io.Writer, before func()) error {
	if sp.err != nil {
		return sp.err
	}
	if sp.file == nil {
		sortSpooled(sp.index)
		mem := sp.mem.Bytes()
		for _, e := range sp.index {
			before()
			if _, err := w.Write(mem[e.off() : e.off()+e.len()]); err != nil {
				return err
			}
		}
		return nil
	}
	if sp.mem.Len() > 0 {
		if err := sp.spill(); err != nil {
			return err
		}
	}
	if err := sp.fw.Flush(); err != nil {
		return err
	}
	return sp.merge(w, before)
}

// spoolReaders is about how much memory the merge reads the runs with, all together.
const spoolReaders = 4 << 20

// merge writes the spilled runs merged: each run is read once, front to back.
func (sp *findingSpool) merge(w io.Writer, before func()) error {
	bufSize := min(max(spoolReaders/len(sp.runs), 4<<10), 64<<10)
	h := make(runHeap, 0, len(sp.runs))
	for i, r := range sp.runs {
		c := &runCursor{
			left: r.n,
			rank: i,
			r:    bufio.NewReaderSize(io.NewSectionReader(sp.file, r.off, sp.size-r.off), bufSize),
		}
		if err := c.next(); err != nil {
			return err
		}
		h = append(h, c)
	}
	heap.Init(&h)
	var buf []byte
	for len(h) > 0 {
		c := h[0]
		e := c.head
		buf = slices.Grow(buf[:0], e.len())[:e.len()]
		if _, err := io.ReadFull(c.r, buf); err != nil {
			return fmt.Errorf("reading the findings spool back: %w", err)
		}
		before()
		if _, err := w.Write(buf); err != nil {
			return err
		}
		if c.left == 0 {
			heap.Pop(&h)
			continue
		}
		if err := c.next(); err != nil {
			return err
		}
		heap.Fix(&h, 0)
	}
	return nil
}

// runCursor is where the merge is in one run.
type runCursor struct {
	head spooled // the finding it is at: its bytes come next in r
	left int     // the findings after it
	rank int     // the run's place in the file: ties go to the earlier run
	r    *bufio.Reader
}

// next reads the entry of the run's next finding.
func (c *runCursor) next() error {
	var b [spoolEntrySize]byte
	if _, err := io.ReadFull(c.r, b[:]); err != nil {
		return fmt.Errorf("reading the findings spool back: %w", err)
	}
	c.head = spooled{int64(binary.LittleEndian.Uint64(b[:8])), binary.LittleEndian.Uint64(b[8:])}
	c.left--
	return nil
}

// runHeap orders the runs by the finding each comes to next.
type runHeap []*runCursor

func (h runHeap) Len() int { return len(h) }
func (h runHeap) Less(i, j int) bool {
	if c := compareSpooled(h[i].head, h[j].head); c != 0 {
		return c < 0
	}
	return h[i].rank < h[j].rank
}
func (h runHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)   { *h = append(*h, x.(*runCursor)) }
func (h *runHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}

func (sp *findingSpool) close() {
	if sp.file != nil {
		sp.file.Close()
	}
}

package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ikescope/ikescope/analyze"
)

// AnalysisSchemaVersion is the version of `ikescope analyze -f json`, documented in
// docs/analyze-json.md.
const AnalysisSchemaVersion = 2

// Style says how a report is written.
type Style struct {
	// Boxes allows box-drawing characters and arrows (a terminal); otherwise plain ASCII.
	Boxes bool
	// Color marks severities with ANSI colours (--color: a terminal without NO_COLOR).
	Color bool
	// Width is the terminal's width: every line of the text report keeps within it, with
	// tables folded and ladder details cut short. 0 (not a terminal) wraps prose at 100
	// and lets tables and ladders be as wide as they need.
	Width int
	// Time is what the text ladder's time column shows (--time); the zero value is TimeRel.
	Time TimeFormat
	// Location is the zone absolute times are written in; nil means UTC.
	Location *time.Location
	// Redact replaces addresses, identities, certificate names and SPIs with pseudonyms
	// and leaves out hashes, nonces, key exchange data and signatures (--redact).
	Redact bool
	// Version is the ikescope version named in the Markdown and HTML reports.
	Version string

	multi bool // the result holds several captures: frames name theirs
}

func (st Style) width() int {
	if st.Width <= 0 {
		return 100
	}
	return st.Width
}

// maxWidth is the width tables and ladders must keep within, or 0 for no limit.
func (st Style) maxWidth() int { return max(st.Width, 0) }

func (st Style) location() *time.Location {
	if st.Location == nil {
		return time.UTC
	}
	return st.Location
}

// TimeFormat is what the ladder's time column of the text report counts, as tshark's -t.
type TimeFormat string

// The time formats of `ikescope analyze --time`.
const (
	TimeRel   TimeFormat = "" // seconds since the first frame of the session's capture
	TimeAbs   TimeFormat = "abs"
	TimeDelta TimeFormat = "delta" // seconds since the message before
)

// String is the format's name, for the usage text.
func (t *TimeFormat) String() string {
	if *t == TimeRel {
		return "rel"
	}
	return string(*t)
}

// Set reads abs, rel or delta (a flag.Value).
func (t *TimeFormat) Set(s string) error {
	switch s {
	case "rel":
		*t = TimeRel
	case string(TimeAbs), string(TimeDelta):
		*t = TimeFormat(s)
	default:
		return fmt.Errorf("takes abs, rel or delta, not %q", s)
	}
	return nil
}

// redactor returns the Redactor for r, or nil when the style does not redact.
func (st Style) redactor(r *analyze.Result) *Redactor {
	if !st.Redact {
		return nil
	}
	return NewRedactor(r)
}

// Format is an output format of `ikescope analyze`.
type Format string

// The formats of `ikescope analyze -f`.
const (
	FormatTable    Format = "table"    // the terminal report, drawn with box characters
	FormatText     Format = "text"     // the same in plain ASCII, for pipes and files
	FormatMarkdown Format = "markdown" // for tickets: mermaid ladders, collapsible decodes
	FormatHTML     Format = "html"     // one self-contained page with SVG ladders
	FormatJSON     Format = "json"     // one document (docs/analyze-json.md)
	FormatJSONL    Format = "jsonl"    // one event per line (docs/reports.md)
)

// Formats lists the formats in the order the usage text gives them.
var Formats = []Format{FormatTable, FormatText, FormatMarkdown, FormatHTML, FormatJSON, FormatJSONL}

// ParseFormat reads a format name in any case (json, JSON); "md" is short for markdown.
func ParseFormat(s string) (Format, bool) {
	s = strings.ToLower(s)
	if s == "md" {
		return FormatMarkdown, true
	}
	for _, f := range Formats {
		if string(f) == s {
			return f, true
		}
	}
	return "", false
}

// Write writes the analysis in format f.
func Write(w io.Writer, r *analyze.Result, f Format, st Style) error {
	switch f {
	case FormatTable, FormatText:
		if f == FormatText {
			st.Boxes, st.Color = false, false
		}
		return WriteText(w, r, st)
	case FormatMarkdown:
		return WriteMarkdown(w, r, st)
	case FormatHTML:
		return WriteHTML(w, r, st)
	case FormatJSON:
		return writeAnalysisJSON(w, r, st.redactor(r))
	case FormatJSONL:
		return WriteEvents(w, r, st)
	}
	return fmt.Errorf("unknown format %q", f)
}

// WriteAnalysisJSON writes the analysis as one JSON document.
func WriteAnalysisJSON(w io.Writer, r *analyze.Result) error {
	return writeAnalysisJSON(w, r, nil)
}

func writeAnalysisJSON(w io.Writer, r *analyze.Result, rd *Redactor) error {
	// The document is written a value at a time, each captured, session and finding
	// encoded and indented on its own: a capture of thousands of sessions is never held
	// as one text, nor indented in one piece.
	jw := &jsonDocWriter{w: bufio.NewWriterSize(w, 64<<10), rd: rd}
	jw.raw("{\n")
	jw.field("schema_version", AnalysisSchemaVersion)
	if rd.On() {
		jw.field("redacted", true)
	}
	jw.array("captures", len(r.Captures), func(i int) any { return r.Captures[i] })
	jw.array("sessions", len(r.Sessions), func(i int) any { return r.Sessions[i] })
	jw.array("findings", len(r.Findings), func(i int) any { return r.Findings[i] })
	jw.array("orphan_esp_flows", len(r.Orphans), func(i int) any { return r.Orphans[i] })
	if r.OmittedOK > 0 {
		jw.field("omitted_sessions_ok", r.OmittedOK)
	}
	if r.OmittedFailed > 0 {
		jw.field("omitted_sessions_failed", r.OmittedFailed)
	}
	jw.raw("\n}\n")
	if jw.err != nil {
		return jw.err
	}
	return jw.w.Flush()
}

// jsonDocWriter writes a JSON object of two-space indentation a field at a time, as
// encoding/json's Encoder with SetIndent("", "  ") would write the whole object, and with
// every string redacted (SPIs left out) when rd is on.
type jsonDocWriter struct {
	w      *bufio.Writer
	rd     *Redactor
	fields int
	err    error
	raw1   bytes.Buffer // one value, compact
	red    bytes.Buffer // redacted
	pretty bytes.Buffer // indented
}

func (jw *jsonDocWriter) raw(s string) {
	if jw.err == nil {
		_, jw.err = jw.w.WriteString(s)
	}
}

// key starts the next field.
func (jw *jsonDocWriter) key(name string) {
	if jw.fields > 0 {
		jw.raw(",\n")
	}
	jw.fields++
	jw.raw(`  "` + name + `": `)
}

func (jw *jsonDocWriter) field(name string, v any) {
	jw.key(name)
	jw.value(v, captureFields[name], "  ")
}

// array writes the field name as an array of n values, each from item.
func (jw *jsonDocWriter) array(name string, n int, item func(int) any) {
	jw.key(name)
	if n == 0 {
		jw.raw("[]")
		return
	}
	jw.raw("[\n")
	for i := 0; i < n; i++ {
		if i > 0 {
			jw.raw(",\n")
		}
		jw.raw("    ")
		jw.value(item(i), captureFields[name], "    ")
	}
	jw.raw("\n  ]")
}

// value writes one value indented as it sits at prefix; kind is what it holds, for
// redaction.
func (jw *jsonDocWriter) value(v any, kind valueKind, prefix string) {
	if jw.err != nil {
		return
	}
	jw.raw1.Reset()
	enc := json.NewEncoder(&jw.raw1)
	if jw.err = enc.Encode(v); jw.err != nil {
		return
	}
	b := bytes.TrimSuffix(jw.raw1.Bytes(), []byte("\n"))
	if jw.rd.On() {
		jw.red.Reset()
		if jw.err = redactJSON(&jw.red, b, jw.rd, kind, redactedKeys); jw.err != nil {
			return
		}
		b = jw.red.Bytes()
	}
	jw.pretty.Reset()
	if jw.err = json.Indent(&jw.pretty, b, prefix, "  "); jw.err != nil {
		return
	}
	_, jw.err = jw.w.Write(jw.pretty.Bytes())
}

// captureLine is the first line of a report: "x.pcap: 14 packets over 8.1 s · 1 IKE SA · no ESP".
func captureLine(c analyze.Capture, r *analyze.Result, rd *Redactor) string {
	n := 0
	for _, s := range r.Sessions {
		if s.Capture == c.Name || slices.Contains(s.Captures, c.Name) {
			n++
		}
	}
	esp := "no ESP"
	if c.ESP > 0 {
		esp = fmt.Sprintf("%d ESP packets", c.ESP)
	}
	sa := "IKE SAs"
	if n == 1 {
		sa = "IKE SA"
	}
	line := fmt.Sprintf("%s: %d packets over %s · %d IKE messages · %d %s · %s", rd.Capture(c.Name), c.Frames, seconds(c.Duration), c.Messages, n, sa, esp)
	switch {
	case c.Apart != "":
		line += " · apart: " + c.Apart
	case c.SharedPackets > 0:
		line += fmt.Sprintf(" · %d packet%s shared with %s, its clock %s", c.SharedPackets, plural(c.SharedPackets), rd.Capture(r.Captures[0].Name), offsetText(c.ClockOffset))
	}
	return line
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

// sessionHeader names the columns of sessionRow.
var sessionHeader = []string{"#", "INITIATOR", "RESPONDER", "IKE", "MODE", "AUTH", "PROPOSAL AGREED", "STATE", "PHASE 2", "RETRANS", "ESP I→R/R→I"}

// sessionRow is a session as the sessions table shows it.
func sessionRow(s *analyze.Session, r *analyze.Result, rd *Redactor) []string {
	proposal := "-" // no answer, a redirect, or the refusal the findings explain
	if s.Chosen != nil {
		proposal = s.Chosen.String()
	}
	auth := s.Auth
	if auth == "" {
		auth = "-"
	}
	mode := s.Mode
	if mode == "IKEv2" || mode == "" {
		mode = "-"
	}
	espI, espR := espCounts(s)
	id := fmt.Sprint(s.ID)
	if len(r.Captures) > 1 {
		id += " " + sessionPoints(s, r) // the capture points that saw it
	}
	return []string{
		id,
		rd.AddrPort(s.Initiator) + roleMark(s),
		rd.AddrPort(s.Responder) + roleMark(s),
		fmt.Sprintf("v%d", s.Version),
		mode,
		auth,
		proposal,
		rd.Text(s.State),
		fmt.Sprint(s.Phase2Done),
		fmt.Sprint(s.Retransmits),
		fmt.Sprintf("%d / %d", espI, espR),
	}
}

// framesText lists frame numbers in order: "5 6 7 8".
// findingFrames names the frames a finding cites: "5 6 7" with one capture,
// "gw-a.pcap#5 gw-b.pcap#5" with several.
func findingFrames(f analyze.Finding, st Style, rd *Redactor) string {
	if f.FramesOmitted > 0 && len(f.Frames) >= 2 {
		// The first and last copies of a storm, and how many lie between.
		half := len(f.Frames) / 2
		head, tail := f, f
		head.Frames, head.Evidence, head.FramesOmitted = f.Frames[:half], f.Evidence[:min(half, len(f.Evidence))], 0
		tail.Frames, tail.Evidence, tail.FramesOmitted = f.Frames[half:], f.Evidence[min(half, len(f.Evidence)):], 0
		return findingFrames(head, st, rd) + fmt.Sprintf(" … %d more … ", f.FramesOmitted) + findingFrames(tail, st, rd)
	}
	if !st.multi || len(f.Evidence) != len(f.Frames) {
		return framesText(f.Frames)
	}
	ev := append([]analyze.FrameRef(nil), f.Evidence...)
	sort.SliceStable(ev, func(i, j int) bool {
		if ev[i].Capture != ev[j].Capture {
			return false
		}
		return ev[i].Frame < ev[j].Frame
	})
	parts := make([]string, len(ev))
	for i, e := range ev {
		parts[i] = rd.Capture(e.Capture) + "#" + strconv.Itoa(e.Frame)
	}
	return strings.Join(parts, " ")
}

// frameRefText names one frame reference: its number, with its capture with several.
func frameRefText(r *analyze.Result, ref int, rd *Redactor) string {
	name := r.FrameName(ref)
	if i := strings.LastIndexByte(name, '#'); i >= 0 {
		return rd.Capture(name[:i]) + name[i:]
	}
	return name
}

func framesText(frames []int) string {
	fs := append([]int(nil), frames...)
	sort.Ints(fs)
	const ends = 10 // a storm shows its first and last frames and a count
	var omitted int
	if len(fs) > 2*ends+1 {
		omitted = len(fs) - 2*ends
		fs = append(fs[:ends], fs[len(fs)-ends:]...)
	}
	parts := make([]string, 0, len(fs)+1)
	for i, f := range fs {
		if omitted > 0 && i == ends {
			parts = append(parts, fmt.Sprintf("… %d more …", omitted))
		}
		parts = append(parts, strconv.Itoa(f))
	}
	return strings.Join(parts, " ")
}

// WriteSummary prints one line per session, for cron jobs and monitoring.
func WriteSummary(w io.Writer, r *analyze.Result) error { return writeSummary(w, r, nil) }

// WriteSummaryStyle is WriteSummary with the style's redaction.
func WriteSummaryStyle(w io.Writer, r *analyze.Result, st Style) error {
	return writeSummary(w, r, st.redactor(r))
}

// SummarySchemaVersion is the version of the summary's JSON lines (docs/reports.md).
const SummarySchemaVersion = 1

// summaryJSON is one session of `ikescope analyze --summary -f json`.
type summaryJSON struct {
	SchemaVersion int      `json:"schema_version"`
	ID            int      `json:"id"`
	Captures      []string `json:"captures"`
	IKEVersion    int      `json:"ikev"`
	Initiator     string   `json:"initiator"`
	Responder     string   `json:"responder"`
	RolesKnown    bool     `json:"roles_known"`
	State         string   `json:"state"`
	Worst         string   `json:"worst_severity"`
	Findings      []string `json:"findings"`
}

// summaries is the summary of every session: the worst severity of its warnings and
// errors and their codes, each once.
func summaries(r *analyze.Result, rd *Redactor) []summaryJSON {
	var out []summaryJSON
	for _, s := range r.Sessions {
		worst := "ok"
		codes := []string{}
		seen := map[string]bool{}
		for _, f := range r.Findings {
			if f.Session == s.ID && f.Severity >= analyze.Warning {
				if !seen[f.Code] {
					seen[f.Code] = true
					codes = append(codes, f.Code)
				}
				if f.Severity == analyze.Error {
					worst = "error"
				} else if worst == "ok" {
					worst = "warning"
				}
			}
		}
		names := s.Captures
		if len(names) == 0 {
			names = []string{s.Capture}
		}
		captures := make([]string, len(names))
		for i, n := range names {
			captures[i] = rd.Capture(n)
		}
		out = append(out, summaryJSON{
			SchemaVersion: SummarySchemaVersion, ID: s.ID, Captures: captures, IKEVersion: s.Version,
			Initiator: rd.AddrPort(s.Initiator), Responder: rd.AddrPort(s.Responder), RolesKnown: s.RolesKnown,
			State: rd.Text(s.State), Worst: worst, Findings: codes,
		})
	}
	return out
}

func writeSummary(w io.Writer, r *analyze.Result, rd *Redactor) error {
	bw := bufio.NewWriter(w)
	for _, s := range summaries(r, rd) {
		capture := ""
		if len(r.Captures) > 0 {
			capture = " capture=" + strings.Join(s.Captures, ",")
		}
		fmt.Fprintf(bw, "%s session=%d%s ikev%d %s -> %s state=%q findings=%s\n", s.Worst, s.ID, capture, s.IKEVersion, s.Initiator, s.Responder, s.State, strings.Join(s.Findings, ","))
	}
	return bw.Flush()
}

// WriteSummaryJSON writes the summary as JSON lines, one object per session
// (`ikescope analyze --summary -f json`, docs/reports.md).
func WriteSummaryJSON(w io.Writer, r *analyze.Result, st Style) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, s := range summaries(r, st.redactor(r)) {
		if err := enc.Encode(s); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// offsetText says how far a clock is off: "ahead by 1.250 s", "in step (within 1 ms)".
func offsetText(d time.Duration) string {
	switch {
	case d.Abs() < time.Millisecond:
		return "in step (within 1 ms)"
	case d > 0:
		return "ahead by " + seconds3(d)
	}
	return "behind by " + seconds3(-d)
}

func seconds3(d time.Duration) string { return fmt.Sprintf("%.3f s", d.Seconds()) }

// sessionPoints lists the capture points that saw a session by letter: "A,B".
func sessionPoints(s *analyze.Session, r *analyze.Result) string {
	names := s.Captures
	if len(names) == 0 {
		names = []string{s.Capture}
	}
	var out []string
	for i, c := range r.Captures {
		if slices.Contains(names, c.Name) {
			out = append(out, pointLetter(i))
		}
	}
	return strings.Join(out, ",")
}

// pointsLegend names the capture points: "capture points: A = gw-a.pcap, B = gw-b.pcap".
func pointsLegend(r *analyze.Result, rd *Redactor) string {
	var pts []string
	for i, c := range r.Captures {
		pts = append(pts, pointLetter(i)+" = "+rd.Capture(c.Name))
	}
	return "capture points: " + strings.Join(pts, ", ")
}

// absTimeLayout writes an absolute time with its date, milliseconds and zone.
const absTimeLayout = "2006-01-02 15:04:05.000 MST"

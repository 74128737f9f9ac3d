package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
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
	return NewAnalysisStream(w, FormatJSON, rd).Finish(r)
}

// jsonDocWriter writes a JSON object of two-space indentation a field at a time, as
// encoding/json's Encoder with SetIndent("", "  ") would write the whole object, and with
// every string redacted (SPIs left out) when rd is on. Each value is encoded and
// indented on its own: a capture of thousands of sessions is never held as one text.
type jsonDocWriter struct {
	w      *bufio.Writer
	rd     *Redactor
	fields int
	err    error
	raw1   bytes.Buffer // one value, compact
	enc    *json.Encoder
	red    bytes.Buffer // redacted
	pretty []byte       // indented
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
	var b []byte
	if b, jw.err = jw.encode(v, kind); jw.err != nil {
		return
	}
	jw.pretty = appendIndent(jw.pretty[:0], b, prefix, "  ")
	_, jw.err = jw.w.Write(jw.pretty)
}

// encode gives v as compact JSON, redacted when jw is; the bytes are valid until the
// next call.
func (jw *jsonDocWriter) encode(v any, kind valueKind) ([]byte, error) {
	jw.raw1.Reset()
	if jw.enc == nil {
		jw.enc = json.NewEncoder(&jw.raw1)
	}
	if err := jw.enc.Encode(v); err != nil {
		return nil, err
	}
	b := bytes.TrimSuffix(jw.raw1.Bytes(), []byte("\n"))
	if !jw.rd.On() {
		return b, nil
	}
	jw.red.Reset()
	if err := redactJSON(&jw.red, b, jw.rd, kind, redactedKeys); err != nil {
		return nil, err
	}
	return jw.red.Bytes(), nil
}

// maxGroupLines caps the groups a report for people lists.
const maxGroupLines = 60

// digestNote says, for a capture with more sessions than a report for people shows in
// full, how many there are and where to see every one; "" for any other.
func digestNote(r *analyze.Result) string {
	if r.Summarized == 0 {
		return ""
	}
	total := r.Summarized + len(r.Sessions)
	return fmt.Sprintf("Large capture: %s sessions, counted below by outcome; %d are shown in full (the first ones and an example of each outcome). ikescope analyze -f json writes every session.",
		thousands(total), len(r.Sessions))
}

// minClientsSummarized is how many remote-access clients a report for people needs before
// it summarizes them (JSON always does).
const minClientsSummarized = 2

// clientLines summarizes the remote-access clients: how many connected, how many failed
// and why, who fails again and again, the busiest hours, addresses shared behind a NAT.
func clientLines(cs *analyze.ClientSummary, rd *Redactor) []string {
	if cs == nil || cs.Clients < minClientsSummarized {
		return nil // one client's sessions say it all
	}
	gws := fmt.Sprintf("%d gateways", len(cs.Gateways))
	if len(cs.Gateways) <= 3 {
		names := make([]string, len(cs.Gateways))
		for i, g := range cs.Gateways {
			names[i] = rd.Text(g)
		}
		gws = strings.Join(names, ", ")
	} else if len(cs.Gateways) == 20 {
		gws = "20 gateways or more"
	}
	out := []string{fmt.Sprintf("%s client%s of %s in %s session%s", thousands(cs.Clients), plural(cs.Clients), gws, thousands(cs.Sessions), plural(cs.Sessions))}
	if cs.Untracked > 0 {
		out[0] += fmt.Sprintf(", and %s session%s of further clients counted but not followed one by one", thousands(cs.Untracked), plural(cs.Untracked))
	}
	for _, o := range cs.Outcomes {
		if o.Outcome == "connected" {
			out = append(out, fmt.Sprintf("%s connected (an IPsec SA in their last session)", thousands(o.Clients)))
			continue
		}
		out = append(out, fmt.Sprintf("%s client%s: %s", thousands(o.Clients), plural(o.Clients), o.Outcome))
	}
	for _, c := range cs.Repeated {
		var why []string
		for code, n := range c.Failures {
			why = append(why, fmt.Sprintf("%s ×%d", code, n))
		}
		sort.Strings(why)
		name := rd.Text(c.Name)
		if c.User != "" {
			name += " (" + rd.AddrPort(c.Address) + ")"
		}
		out = append(out, fmt.Sprintf("failing repeatedly: %s, %d of %d sessions failed (%s), last %s · e.g. session %d",
			name, c.Failed, c.Sessions, strings.Join(why, ", "), c.LastOutcome, c.SessionIDs[len(c.SessionIDs)-1]))
	}
	for _, h := range cs.Hours {
		if len(cs.Hours) == 1 {
			break // all in one hour
		}
		out = append(out, fmt.Sprintf("busy hour: %s UTC, %s session%s began", h.Hour.UTC().Format("2006-01-02 15:04"), thousands(h.Sessions), plural(h.Sessions)))
	}
	for _, a := range cs.SharedAddresses {
		out = append(out, fmt.Sprintf("%d clients behind one address, %s (a NAT: told apart by source port or user name)", a.Clients, rd.Text(a.Address)))
	}
	return out
}

// groupLines says what each group of a digested capture holds: "1,204 sessions
// 198.51.100.0/24 → 203.0.113.2: established · e.g. session 12".
func groupLines(r *analyze.Result, rd *Redactor) []string {
	var out []string
	for i, g := range r.Groups {
		if i == maxGroupLines {
			rest := 0
			for _, g := range r.Groups[i:] {
				rest += g.Sessions
			}
			out = append(out, fmt.Sprintf("… and %d more groups of %s sessions", len(r.Groups)-i, thousands(rest)))
			break
		}
		n := "sessions"
		if g.Sessions == 1 {
			n = "session"
		}
		line := fmt.Sprintf("%s %s %s → %s: %s", thousands(g.Sessions), n, spanText(g.Initiators, rd), spanText(g.Responders, rd), g.Outcome)
		var warn []string
		for code, k := range g.Findings {
			if !strings.Contains(g.Outcome, code) {
				warn = append(warn, fmt.Sprintf("%s ×%d", code, k))
			}
		}
		sort.Strings(warn)
		if len(warn) > 0 {
			line += " · also " + strings.Join(warn, ", ")
		}
		if len(g.Shown) > 0 {
			line += fmt.Sprintf(" · e.g. session %d", g.Shown[0])
		}
		out = append(out, line)
	}
	return out
}

// spanText redacts a group's side: an address or a prefix (its network's pseudonym).
func spanText(s string, rd *Redactor) string {
	if a, err := netip.ParseAddr(s); err == nil {
		return rd.Addr(a)
	}
	if p, err := netip.ParsePrefix(s); err == nil && rd.On() {
		return rd.Addr(p.Addr()) + "/" + strconv.Itoa(p.Bits())
	}
	return s
}

// thousands writes n with thousands separators: 1,204.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// captureLine is the first line of a report: "x.pcap: 14 packets over 8.1 s · 1 IKE SA · no ESP".
func captureLine(c analyze.Capture, r *analyze.Result, rd *Redactor) string {
	n := 0
	for _, s := range r.Sessions {
		if s.Capture == c.Name || slices.Contains(s.Captures, c.Name) {
			n++
		}
	}
	if len(r.Captures) == 1 {
		n += r.Summarized // counted in groups, not listed
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
	if c.AH > 0 {
		line += fmt.Sprintf(" · %d AH packets", c.AH)
	}
	if c.Duplicates > 0 {
		line += fmt.Sprintf(" · %d captured twice", c.Duplicates)
	}
	switch {
	case c.Apart != "":
		line += " · apart: " + c.Apart
	case c.SharedPackets > 0:
		line += fmt.Sprintf(" · %d packet%s shared with %s, its clock %s", c.SharedPackets, plural(c.SharedPackets), rd.Capture(r.Captures[0].Name), offsetText(c.ClockOffset))
	}
	return line
}

func seconds(d time.Duration) string {
	switch {
	case d <= 0 || d >= time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d < time.Millisecond:
		return fmt.Sprintf("%d µs", d.Microseconds())
	}
	return fmt.Sprintf("%d ms", d.Milliseconds()) // a capture of 14 ms is not "0.0 s"
}

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
	if s.UserAuth != "" && !strings.Contains(auth, s.UserAuth) {
		auth += "+" + s.UserAuth
	}
	var who []string
	if s.User != "" {
		who = append(who, rd.Text(s.User))
	}
	for _, a := range s.VirtualIPs {
		who = append(who, rd.Text(a))
	}
	if len(who) > 0 {
		auth += " (" + strings.Join(who, ", ") + ")"
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
		rd.AddrPort(s.Initiator) + roleMark(s) + movedFrom(s, "initiator", rd),
		rd.AddrPort(s.Responder) + roleMark(s) + movedFrom(s, "responder", rd),
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

// buffered is w buffered, and what to call when done: w itself when it already is,
// left for its owner to flush (the summary of one session at a time, written as the
// analysis hands it over, is neither buffered twice nor flushed at every line).
func buffered(w io.Writer) (*bufio.Writer, func() error) {
	if bw, ok := w.(*bufio.Writer); ok {
		return bw, func() error { return nil }
	}
	bw := bufio.NewWriter(w)
	return bw, bw.Flush
}

func writeSummary(w io.Writer, r *analyze.Result, rd *Redactor) error {
	bw, done := buffered(w)
	for _, s := range summaries(r, rd) {
		capture := ""
		if len(r.Captures) > 0 {
			capture = " capture=" + strings.Join(s.Captures, ",")
		}
		fmt.Fprintf(bw, "%s session=%d%s ikev%d %s -> %s state=%q findings=%s\n", s.Worst, s.ID, capture, s.IKEVersion, s.Initiator, s.Responder, s.State, strings.Join(s.Findings, ","))
	}
	return done()
}

// WriteSummaryWith writes the summary lines of r's sessions (JSON lines with asJSON)
// redacted by rd, a stream redactor that learns each session first: for sessions
// written as the analysis hands them over.
func WriteSummaryWith(w io.Writer, r *analyze.Result, rd *Redactor, asJSON bool) error {
	for _, s := range r.Sessions {
		rd.LearnSession(s, r.Findings)
	}
	if !asJSON {
		return writeSummary(w, r, rd)
	}
	return writeSummaryJSON(w, r, rd)
}

// WriteSummaryJSON writes the summary as JSON lines, one object per session
// (`ikescope analyze --summary -f json`, docs/reports.md).
func WriteSummaryJSON(w io.Writer, r *analyze.Result, st Style) error {
	return writeSummaryJSON(w, r, st.redactor(r))
}

func writeSummaryJSON(w io.Writer, r *analyze.Result, rd *Redactor) error {
	bw, done := buffered(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, s := range summaries(r, rd) {
		if err := enc.Encode(s); err != nil {
			return err
		}
	}
	return done()
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

package report

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ikescope/ikescope/analyze"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// WriteText writes the report people read on a terminal: what was captured, the sessions,
// the findings (most severe first), and the message ladder of every session that did not
// come up cleanly. With st.Boxes it draws with box characters (-f table), otherwise in
// plain ASCII apart from a few typographic marks (-f text).
func WriteText(w io.Writer, r *analyze.Result, st Style) error {
	rd := st.redactor(r)
	st.multi = len(r.Captures) > 1
	bw := bufio.NewWriter(w)
	shifted := false
	for _, c := range r.Captures {
		line := captureLine(c, r, rd)
		if !c.First.IsZero() {
			// Its own clock's time, which its file holds; the others go by the first's.
			line += " · first frame " + absTime(c.First.Add(c.ClockOffset), st)
			if c.ClockOffset.Abs() >= time.Millisecond {
				line += " (" + absTime(c.First, st) + " on the first capture's clock)"
				shifted = true
			}
		}
		writeFit(bw, "", "   ", line, st)
	}
	if shifted {
		writeFit(bw, "", "", "Times below are on the first capture's clock; frames keep their own capture's numbers.", st)
	}
	if rd != nil {
		writeFit(bw, "", "", "Redacted: addresses, identities and SPIs are pseudonyms; hashes, nonces and keys are left out.", st)
	}
	if r.OmittedOK+r.OmittedFailed > 0 {
		writeFit(bw, "", "", fmt.Sprintf("Long capture: %d more finished sessions without errors and %d more failed ones are counted, not listed.", r.OmittedOK, r.OmittedFailed), st)
	}
	if note := digestNote(r); note != "" {
		writeFit(bw, "", "", note, st)
		fmt.Fprintln(bw)
		fmt.Fprintln(bw, "SESSION GROUPS")
		for _, line := range groupLines(r, rd) {
			writeFit(bw, " ", "   ", line, st)
		}
	}
	if lines := clientLines(r.Clients, rd); len(lines) > 0 {
		fmt.Fprintln(bw)
		fmt.Fprintln(bw, "CLIENTS")
		for _, line := range lines {
			writeFit(bw, " ", "   ", line, st)
		}
	}
	fmt.Fprintln(bw)
	if len(r.Sessions) == 0 {
		wrap(bw, "", noIKEText(r), st.width())
	} else {
		fmt.Fprintln(bw, "SESSIONS")
		writeSessions(bw, r, st, rd)
		if len(r.Captures) > 1 {
			writeFit(bw, " ", "   ", pointsLegend(r, rd), st)
		}
		if anyRolesGuessed(r) {
			writeFit(bw, " ", "   ", guessLegend, st)
		}
	}
	fmt.Fprintln(bw)
	if len(r.Orphans) > 0 {
		writeOrphans(bw, r, st, rd)
		fmt.Fprintln(bw)
	}
	writeInner(bw, r, st, rd)
	if len(r.Findings) == 0 {
		fmt.Fprintln(bw, "FINDINGS: none")
	} else {
		fmt.Fprintln(bw, "FINDINGS")
		for _, f := range r.Findings {
			writeFinding(bw, f, st, rd)
		}
	}
	if settings := settingsOf(r); len(settings) > 0 {
		fmt.Fprintln(bw)
		fmt.Fprintln(bw, "WHERE TO LOOK")
		for _, info := range settings {
			wrap(bw, "   ", info.Title+": "+settingLine(info), st.width())
		}
	}
	timelines, skippedTimelines := 0, 0
	for _, s := range r.Sessions {
		if !showTimeline(s) {
			continue
		}
		if timelines == maxTextLadders {
			skippedTimelines++
			continue
		}
		timelines++
		fmt.Fprintln(bw)
		writeTimeline(bw, r, s, st, rd)
	}
	if skippedTimelines > 0 {
		fmt.Fprintln(bw)
		writeFit(bw, "", "", fmt.Sprintf("%d more sessions have a timeline; it is in -f html and -f markdown, and in -f json.", skippedTimelines), st)
	}
	ladders, skipped := 0, 0
	for _, s := range r.Sessions {
		if !showLadder(s) {
			continue
		}
		if ladders == maxTextLadders {
			skipped++
			continue
		}
		ladders++
		fmt.Fprintln(bw)
		writeLadder(bw, newLadder(s, r, rd), st)
	}
	if skipped > 0 {
		fmt.Fprintln(bw)
		writeFit(bw, "", "", fmt.Sprintf("%d more sessions failed or brought up no IPsec SA; their ladders are in -f html and -f markdown, every message in -f json.", skipped), st)
	}
	return bw.Flush()
}

// maxTextLadders caps the ladders of the terminal report.
const maxTextLadders = 50

func newTable(w io.Writer, st Style) *tablewriter.Table {
	rend := tw.Rendition{
		Borders: tw.BorderNone,
		Symbols: tw.NewSymbols(tw.StyleNone),
		Settings: tw.Settings{
			Separators: tw.Separators{ShowHeader: tw.Off, BetweenRows: tw.Off, BetweenColumns: tw.On},
			Lines:      tw.Lines{ShowHeaderLine: tw.Off},
		},
	}
	if st.Boxes {
		rend.Symbols = tw.NewSymbols(tw.StyleLight)
		rend.Settings.Lines.ShowHeaderLine = tw.On
	}
	return tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(rend)),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
	)
}

// ANSI colours for the severities on a terminal.
var severityColor = map[analyze.Severity]string{
	analyze.Error:   "\x1b[1;31m",
	analyze.Warning: "\x1b[1;33m",
	analyze.Info:    "\x1b[36m",
}

const colorReset = "\x1b[0m"

// writeFinding writes a finding: a header line with its code, session, frames and time,
// then what was seen, the likely cause and what to check. Info findings keep to what was
// seen.
func writeFinding(w io.Writer, f analyze.Finding, st Style, rd *Redactor) {
	where := []string{f.Code}
	if f.Session > 0 {
		where = append(where, fmt.Sprintf("session%s%d", hardSpace, f.Session))
	}
	if len(f.Frames) > 0 {
		where = append(where, "frames "+findingFrames(f, st, rd))
	}
	if !f.Time.IsZero() {
		where = append(where, "at"+hardSpace+absTime(f.Time, st))
	}
	label := fmt.Sprintf("%-7s", strings.ToUpper(f.Severity.String()))
	if st.Color {
		label = severityColor[f.Severity] + strings.TrimSpace(label) + colorReset + label[len(strings.TrimSpace(label)):]
	}
	writeFit(w, " "+label+" ", "           ", strings.Join(where, " · "), st)
	wrap(w, "   ", rd.Text(f.Summary), st.width())
	if f.Severity == analyze.Info {
		return
	}
	wrap(w, "   ", "Likely cause: "+rd.Text(f.Cause), st.width())
	wrap(w, "   ", "Next: "+rd.Text(f.Next), st.width())
}

// wrap writes text word-wrapped at width with an indent.
func wrap(w io.Writer, indent, text string, width int) {
	wrapHang(w, indent, indent, text, width)
}

// hardSpace joins two words that wrapHang keeps on one line ("at 2024-05-01T…"); it is
// written as a space.
const hardSpace = "\x00"

// wrapHang writes text word-wrapped at width: the first line after first, the others
// after indent. A word too long for a line of its own is cut short with "…".
func wrapHang(w io.Writer, first, indent, text string, width int) {
	w = hardSpaceWriter{w}
	line, start := first, visibleLen(first)
	n := start
	room := max(width-visibleLen(indent), 2)
	for _, word := range strings.Fields(text) {
		wn := utf8.RuneCountInString(word)
		if wn > room {
			word, wn = elide(word, room), room
		}
		if n > start && n+1+wn > width {
			fmt.Fprintln(w, line)
			line, start = indent, visibleLen(indent)
			n = start
		}
		if n > start {
			line += " "
			n++
		}
		line += word
		n += wn
	}
	if n > start {
		fmt.Fprintln(w, line)
	}
}

// hardSpaceWriter writes hardSpace as a space.
type hardSpaceWriter struct{ w io.Writer }

func (h hardSpaceWriter) Write(p []byte) (int, error) {
	return h.w.Write(bytes.ReplaceAll(p, []byte(hardSpace), []byte(" ")))
}

// writeFit writes first+text as one line, or with a terminal width to keep to, wrapped
// with the lines after the first indented.
func writeFit(w io.Writer, first, indent, text string, st Style) {
	if st.maxWidth() == 0 {
		fmt.Fprintln(w, first+strings.ReplaceAll(text, hardSpace, " "))
		return
	}
	wrapHang(w, first, indent, text, st.Width)
}

// visibleLen is how many columns s takes on a terminal: its runes less ANSI colour codes.
func visibleLen(s string) int {
	n, esc := 0, false
	for _, c := range s {
		switch {
		case esc:
			esc = c != 'm'
		case c == '\x1b':
			esc = true
		default:
			n++
		}
	}
	return n
}

// elide shortens s to n runes, the last one "…".
func elide(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	return string([]rune(s)[:n-1]) + "…"
}

// widest is the width of the longest line of s.
func widest(s string) int {
	n := 0
	for _, line := range strings.Split(s, "\n") {
		n = max(n, visibleLen(line))
	}
	return n
}

// absTime writes an instant as RFC 3339 with milliseconds and zone, to line a report up
// with daemon logs: "2024-05-01T10:00:02.021Z".
func absTime(t time.Time, st Style) string {
	return t.In(st.location()).Format("2006-01-02T15:04:05.000Z07:00")
}

// writeTable writes a table, or when it is wider than the terminal, each row folded
// into lines of its own: fold gives a row's first line and what follows it.
func writeTable(w io.Writer, st Style, header []string, rows [][]string, fold func(row []string) (first, rest string)) {
	var b strings.Builder
	t := newTable(&b, st)
	t.Header(header)
	for _, row := range rows {
		t.Append(row)
	}
	t.Render()
	if st.maxWidth() == 0 || widest(b.String()) <= st.Width {
		io.WriteString(w, b.String())
		return
	}
	for _, row := range rows {
		first, rest := fold(row)
		wrapHang(w, " ", "    ", first, st.Width)
		if rest != "" {
			wrap(w, "    ", rest, st.Width)
		}
	}
}

// writeSessions writes the sessions table: when each began, its peers, what was agreed and
// how far it got. On a narrow terminal each session takes a few lines instead of a row.
func writeSessions(w io.Writer, r *analyze.Result, st Style, rd *Redactor) {
	header := append([]string{sessionHeader[0], "STARTED"}, sessionHeader[1:]...)
	rows := make([][]string, 0, len(r.Sessions))
	for _, s := range r.Sessions {
		row := sessionRow(s, r, rd)
		rows = append(rows, append([]string{row[0], absTime(s.First, st)}, row[1:]...))
	}
	writeTable(w, st, header, rows, func(row []string) (string, string) {
		// #, STARTED, INITIATOR, RESPONDER, IKE, MODE, AUTH, PROPOSAL, STATE, PHASE 2, RETRANS, ESP
		ike := row[4]
		for _, c := range row[5:7] {
			if c != "-" {
				ike += " " + c
			}
		}
		first := fmt.Sprintf("%s · %s · started%s%s", row[0], ike, hardSpace, row[1])
		rest := fmt.Sprintf("%s → %s · %s · proposal agreed: %s · phase 2: %s · retransmissions: %s · ESP I→R/R→I: %s",
			row[2], row[3], row[8], row[7], row[9], row[10], row[11])
		return first, rest
	})
}

// writeOrphans lists the ESP flows tied to no IKE SA, with what that means.
func writeOrphans(w io.Writer, r *analyze.Result, st Style, rd *Redactor) {
	fmt.Fprintln(w, "ESP WITHOUT IKE")
	wrap(w, " ", orphanMeaningOf(r), st.width())
	header := make([]string, len(espHeader))
	for i, h := range espHeader {
		header[i] = strings.ToUpper(h)
	}
	var rows [][]string
	for i, f := range r.Orphans {
		if i == maxOrphanRows {
			break
		}
		rows = append(rows, espRow(f, rd))
	}
	writeTable(w, st, header, rows, func(row []string) (string, string) {
		var rest []string
		for i, h := range espHeader[3:] {
			rest = append(rest, h+" "+row[3+i])
		}
		return fmt.Sprintf("SPI %s · %s → %s", row[0], row[1], row[2]), strings.Join(rest, " · ")
	})
	if more := moreOrphansText(r); more != "" {
		writeFit(w, " ", "   ", more, st)
	}
}

// writeTimeline writes a session's life, one event a line, with times counted from the
// start of the capture:
//
//	TIMELINE · session 1 · IKEv2 · seconds since the start of the capture
//	 frame     time  event
//	     4    0.065  IKE SA up
//	    20   11.085  CHILD_SA rekeyed (by the initiator)
func writeTimeline(w io.Writer, r *analyze.Result, s *analyze.Session, st Style, rd *Redactor) {
	writeFit(w, "", "   ", fmt.Sprintf("TIMELINE · session %d · %s · %s", s.ID, sessionTitle(s), timelineTimeNote), st)
	fmt.Fprintln(w, " frame     time  event")
	for _, row := range timelineRows(r, s, rd) {
		var b strings.Builder
		wrap(&b, "                 ", row.text, st.width())
		fmt.Fprintf(w, " %5d %8.3f  %s", row.frame, row.at, strings.TrimLeft(b.String(), " "))
	}
}

// ladderMarks are the characters a text ladder is drawn with.
type ladderMarks struct {
	line, right, left, fail, fold string
}

var (
	boxMarks   = ladderMarks{line: "─", right: "▶", left: "◀", fail: "✖", fold: "┆"}
	asciiMarks = ladderMarks{line: "-", right: ">", left: "<", fail: "X", fold: ":"}
)

// writeLadder draws a ladder as text: a frame and time column, then an arrow between the
// initiator (left) and the responder (right) carrying the step, then what the message
// carries. The time is seconds since the capture's first frame unless st.Time says
// otherwise. On a terminal too narrow for a line, the arrow narrows and the details are
// cut short with "…":
//
//	frame    time  192.0.2.1:500 (initiator)   192.0.2.2:500 (responder)
//	    1   0.000  ── MM1 ──────────────────▶  SA: 1 proposal · VID: XAUTH DPD NAT-T
//	    2   0.003  ◀────────────────── MM2 ──  SA: AES-CBC-128 SHA2-256 MODP_2048 PSK 8h
func writeLadder(w io.Writer, l *ladder, st Style) {
	mk := asciiMarks
	if st.Boxes {
		mk = boxMarks
	}
	s := l.s
	title := fmt.Sprintf("LADDER · session %d · %s · %s%s", s.ID, sessionTitle(s), stoppedAt(s), rolesGuessedSuffix(s))
	var tb strings.Builder
	writeFit(&tb, "", "   ", title, st)
	for _, line := range strings.SplitAfter(tb.String(), "\n") {
		if st.Color && s.Failed && line != "" {
			line = severityColor[analyze.Error] + strings.TrimSuffix(line, "\n") + colorReset + "\n"
		}
		io.WriteString(w, line)
	}
	if l.points != "" {
		writeFit(w, " ", "   ", "capture points: "+l.points, st)
	}
	clock := newLadderClock(l, st)
	fw := 5 // the frame column: "frame", or wider labels (a 27th capture point is "P27")
	for _, r := range l.rows {
		fw = max(fw, utf8.RuneCountInString(r.frame))
	}
	lead := strings.Repeat(" ", fw+2)      // under the mark and frame columns
	prefix := 1 + fw + 1 + clock.width + 2 // mark, frame, time and the gaps between
	width := 24
	for _, r := range l.rows {
		if r.kind == rowMessage {
			width = max(width, utf8.RuneCountInString(r.label)+8)
		}
	}
	width = min(width, 52)
	maxW := st.maxWidth()
	if maxW > 0 {
		width = max(min(width, maxW-prefix-14), 16)
	}
	// detail keeps a line's details within the terminal.
	detail := func(text string) string {
		if text == "" {
			return ""
		}
		if maxW > 0 {
			text = elide(text, maxW-prefix-width-2)
			if text == "" {
				return ""
			}
		}
		return "  " + text
	}
	left := l.initName + " (" + l.initRole + ")"
	right := l.respName + " (" + l.respRole + ")"
	if maxW > 0 {
		left = elide(left, width)
		right = elide(right, maxW-prefix-width-2)
	}
	fmt.Fprintf(w, " %s %s  %s  %s\n", padLeft("frame", fw), padLeft(clock.header, clock.width), padRight(left, width), right)
	indent := strings.Repeat(" ", prefix+2)
	for _, r := range l.rows {
		switch r.kind {
		case rowFolded:
			at := clock.at(captureStart(l.r, l.s).Add(seconds2dur(r.at)))
			writeFit(w, fmt.Sprintf("%s%s  %s ", lead, at, mk.fold), indent, fmt.Sprintf("%d more messages repeat the exchange above (frames %s)", r.folded, strings.Join(r.frames, " ")), st)
		default:
			mark := " "
			if r.failed {
				mark = mk.fail
			}
			fmt.Fprintf(w, "%s%*s %s  %s%s\n", mark, fw, r.frame, clock.at(r.msg.Time), arrow(r.label, r.fromInit, width, mk), detail(r.detail))
		}
	}
	if s.MessagesDropped > 0 {
		fmt.Fprintf(w, "%s... %d more messages not kept\n", strings.Repeat(" ", prefix), s.MessagesDropped)
	}
	end := clock.at(captureStart(l.r, l.s).Add(seconds2dur(l.endAt)))
	if l.failure != "" {
		writeFit(w, fmt.Sprintf("%s%s  %s ", lead, end, mk.fail), indent, l.failure, st)
	}
	writeFit(w, fmt.Sprintf("%s%s  ", lead, end), indent, l.end, st)
}

// ladderClock writes the ladder's time column as st.Time asks.
type ladderClock struct {
	format TimeFormat
	start  time.Time // the first frame of the session's capture
	prev   time.Time // the row before, for TimeDelta
	loc    *time.Location
	width  int
	header string
}

func newLadderClock(l *ladder, st Style) *ladderClock {
	c := &ladderClock{format: st.Time, start: captureStart(l.r, l.s), loc: st.location(), width: 8, header: "time"}
	if c.format == TimeAbs {
		c.width = len("2006-01-02 15:04:05.000")
		c.header = "time (" + l.s.First.In(c.loc).Format("MST") + ")"
	}
	return c
}

// at is the time column for an instant: "   2.021", "2024-05-01 10:00:02.021", or with
// TimeDelta the seconds since the instant before.
func (c *ladderClock) at(t time.Time) string {
	switch c.format {
	case TimeAbs:
		return t.In(c.loc).Format("2006-01-02 15:04:05.000")
	case TimeDelta:
		d := time.Duration(0)
		if !c.prev.IsZero() {
			d = t.Sub(c.prev)
		}
		c.prev = t
		return fmt.Sprintf("%8.3f", d.Seconds())
	}
	return fmt.Sprintf("%8.3f", t.Sub(c.start).Seconds())
}

func seconds2dur(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func padLeft(s string, width int) string {
	if n := utf8.RuneCountInString(s); n < width {
		return strings.Repeat(" ", width-n) + s
	}
	return s
}

// arrow draws "── MM1 ─────▶" or "◀───── MM2 ──", width runes wide.
func arrow(label string, right bool, width int, mk ladderMarks) string {
	if n := utf8.RuneCountInString(label); n > width-6 {
		label = string([]rune(label)[:width-7]) + "…"
	}
	fill := width - utf8.RuneCountInString(label) - 5
	if right {
		return mk.line + mk.line + " " + label + " " + strings.Repeat(mk.line, fill) + mk.right
	}
	return mk.left + strings.Repeat(mk.line, fill) + " " + label + " " + mk.line + mk.line
}

func padRight(s string, width int) string {
	if n := utf8.RuneCountInString(s); n < width {
		return s + strings.Repeat(" ", width-n)
	}
	return s
}

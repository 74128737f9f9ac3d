package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
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
	for _, c := range r.Captures {
		fmt.Fprintln(bw, captureLine(c, r, rd))
	}
	if rd != nil {
		fmt.Fprintln(bw, "Redacted: addresses, identities and SPIs are pseudonyms; hashes, nonces and keys are left out.")
	}
	if r.OmittedOK+r.OmittedFailed > 0 {
		fmt.Fprintf(bw, "Long capture: %d more finished sessions without errors and %d more failed ones are counted, not listed.\n", r.OmittedOK, r.OmittedFailed)
	}
	fmt.Fprintln(bw)
	if len(r.Sessions) == 0 {
		wrap(bw, "", noIKEText(r), st.width())
	} else {
		fmt.Fprintln(bw, "SESSIONS")
		t := newTable(bw, st)
		t.Header(sessionHeader)
		for _, s := range r.Sessions {
			t.Append(sessionRow(s, r, rd))
		}
		t.Render()
		if len(r.Captures) > 1 {
			fmt.Fprintln(bw, " "+pointsLegend(r, rd))
		}
		if anyRolesGuessed(r) {
			fmt.Fprintln(bw, " "+guessLegend)
		}
	}
	fmt.Fprintln(bw)
	if len(r.Orphans) > 0 {
		writeOrphans(bw, r, st, rd)
		fmt.Fprintln(bw)
	}
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
		fmt.Fprintf(bw, "\n%d more sessions have a timeline; it is in -f html and -f markdown, and in -f json.\n", skippedTimelines)
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
		fmt.Fprintf(bw, "\n%d more sessions failed or brought up no IPsec SA; their ladders are in -f html and -f markdown, every message in -f json.\n", skipped)
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

// writeFinding writes a finding: a header line with its code, session and frames, then
// what was seen, the likely cause and what to check. Info findings keep to what was seen.
func writeFinding(w io.Writer, f analyze.Finding, st Style, rd *Redactor) {
	where := []string{f.Code}
	if f.Session > 0 {
		where = append(where, fmt.Sprintf("session %d", f.Session))
	}
	if len(f.Frames) > 0 {
		where = append(where, "frames "+findingFrames(f, st, rd))
	}
	label := fmt.Sprintf("%-7s", strings.ToUpper(f.Severity.String()))
	if st.Color {
		label = severityColor[f.Severity] + strings.TrimSpace(label) + colorReset + label[len(strings.TrimSpace(label)):]
	}
	fmt.Fprintf(w, " %s %s\n", label, strings.Join(where, " · "))
	wrap(w, "   ", rd.Text(f.Summary), st.width())
	if f.Severity == analyze.Info {
		return
	}
	wrap(w, "   ", "Likely cause: "+rd.Text(f.Cause), st.width())
	wrap(w, "   ", "Next: "+rd.Text(f.Next), st.width())
}

// wrap writes text word-wrapped at width with an indent.
func wrap(w io.Writer, indent, text string, width int) {
	line := indent
	for _, word := range strings.Fields(text) {
		if len(line) > len(indent) && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) > width {
			fmt.Fprintln(w, line)
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += word
	}
	if len(line) > len(indent) {
		fmt.Fprintln(w, line)
	}
}

// writeOrphans lists the ESP flows tied to no IKE SA, with what that means.
func writeOrphans(w io.Writer, r *analyze.Result, st Style, rd *Redactor) {
	fmt.Fprintln(w, "ESP WITHOUT IKE")
	wrap(w, " ", orphanMeaning, st.width())
	t := newTable(w, st)
	header := make([]string, len(espHeader))
	for i, h := range espHeader {
		header[i] = strings.ToUpper(h)
	}
	t.Header(header)
	for i, f := range r.Orphans {
		if i == maxOrphanRows {
			break
		}
		t.Append(espRow(f, rd))
	}
	t.Render()
	if more := moreOrphansText(r); more != "" {
		fmt.Fprintln(w, " "+more)
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
	fmt.Fprintf(w, "TIMELINE · session %d · %s · %s\n", s.ID, sessionTitle(s), timelineTimeNote)
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
// carries:
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
	if st.Color && s.Failed {
		title = severityColor[analyze.Error] + title + colorReset
	}
	fmt.Fprintln(w, title)
	if l.points != "" {
		fmt.Fprintf(w, " capture points: %s\n", l.points)
	}
	width := 24
	for _, r := range l.rows {
		if r.kind == rowMessage {
			width = max(width, utf8.RuneCountInString(r.label)+8)
		}
	}
	width = min(width, 52)
	left := l.initName + " (" + l.initRole + ")"
	fmt.Fprintf(w, " frame     time  %s  %s (%s)\n", padRight(left, width), l.respName, l.respRole)
	for _, r := range l.rows {
		switch r.kind {
		case rowFolded:
			fmt.Fprintf(w, "       %8.3f  %s %d more messages repeat the exchange above (frames %s)\n", r.at, mk.fold, r.folded, framesText(r.frames))
		default:
			mark := " "
			if r.failed {
				mark = mk.fail
			}
			detail := r.detail
			if detail != "" {
				detail = "  " + detail
			}
			fmt.Fprintf(w, "%s%5s %8.3f  %s%s\n", mark, r.frame, r.at, arrow(r.label, r.fromInit, width, mk), detail)
		}
	}
	if s.MessagesDropped > 0 {
		fmt.Fprintf(w, "                 ... %d more messages not kept\n", s.MessagesDropped)
	}
	if l.failure != "" {
		fmt.Fprintf(w, "       %8.3f  %s %s\n", l.endAt, mk.fail, l.failure)
	}
	fmt.Fprintf(w, "       %8.3f  %s\n", l.endAt, l.end)
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

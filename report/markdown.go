package report

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/decode"
)

// maxDetailedSessions is how many sessions a Markdown or HTML report describes in full
// when some of them are fine; past it, only the sessions that did not come up cleanly get
// a section of their own.
const maxDetailedSessions = 20

// maxSessionSections caps the sessions a Markdown or HTML report draws in full (a scan or
// a flood can leave thousands of half-open SAs); the sessions table still lists them all.
const maxSessionSections = 200

// detailedSessions returns the sessions that get a section of their own.
func detailedSessions(r *analyze.Result) []*analyze.Session {
	var out []*analyze.Session
	for _, s := range r.Sessions {
		if len(r.Sessions) > maxDetailedSessions && !showLadder(s) {
			continue
		}
		if len(out) == maxSessionSections {
			break
		}
		out = append(out, s)
	}
	return out
}

// notDetailedText says which sessions have no section, or "".
func notDetailedText(r *analyze.Result, shown int) string {
	n := len(r.Sessions) - shown
	switch {
	case n == 0:
		return ""
	case shown == maxSessionSections:
		return fmt.Sprintf("%d more session%s not drawn here (the first %d are); the sessions table lists them all, and -f json has every message.", n, plural(n), maxSessionSections)
	}
	return fmt.Sprintf("%d session%s that came up cleanly %s listed in the table only.", n, plural(n), map[bool]string{true: "is", false: "are"}[n == 1])
}

// maxDiagramRows caps a mermaid diagram (renderers give up on very large ones).
const maxDiagramRows = 150

// WriteMarkdown writes the report for a ticket or an issue: a summary line per session,
// the findings with cause and next steps, a mermaid sequence diagram per session with the
// failure point marked, and the decoded proposals and messages in collapsible blocks.
// It renders on GitHub and GitLab; elsewhere it still reads as plain text.
func WriteMarkdown(w io.Writer, r *analyze.Result, st Style) error {
	rd := st.redactor(r)
	st.multi = len(r.Captures) > 1
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "# ikescope report")
	fmt.Fprintln(bw)
	for _, c := range r.Captures {
		fmt.Fprintf(bw, "- %s\n", mdEscape(captureLine(c, r, rd)))
	}
	if rd != nil {
		fmt.Fprintln(bw)
		fmt.Fprintln(bw, "> Redacted for sharing: addresses, identities, certificate names and SPIs are pseudonyms (the same one each time); hashes, nonces, key exchange data and signatures are left out.")
	}
	fmt.Fprintln(bw)

	fmt.Fprintln(bw, "## Sessions")
	fmt.Fprintln(bw)
	if len(r.Sessions) == 0 {
		fmt.Fprintln(bw, mdEscape(noIKEText(r)))
		fmt.Fprintln(bw)
	}
	for _, s := range r.Sessions {
		fmt.Fprintf(bw, "- %s\n", mdSessionLine(r, s, rd))
	}
	if len(r.Sessions) > 0 {
		fmt.Fprintln(bw)
		mdTable(bw, sessionHeader, func(row func(...string)) {
			for _, s := range r.Sessions {
				cells := sessionRow(s, r, rd)
				cells[1], cells[2] = "`"+cells[1]+"`", "`"+cells[2]+"`"
				row(cells...)
			}
		})
		if anyRolesGuessed(r) {
			fmt.Fprintf(bw, "%s\n\n", mdEscape(guessLegend))
		}
		if len(r.Captures) > 1 {
			fmt.Fprintf(bw, "%s\n\n", mdEscape(pointsLegend(r, rd)))
		}
	}
	if len(r.Orphans) > 0 {
		mdOrphans(bw, r, rd)
	}

	fmt.Fprintln(bw, "## Findings")
	fmt.Fprintln(bw)
	if len(r.Findings) == 0 {
		fmt.Fprintln(bw, "None.")
		fmt.Fprintln(bw)
	}
	var infos []analyze.Finding
	for _, f := range r.Findings {
		if f.Severity == analyze.Info {
			infos = append(infos, f)
			continue
		}
		mdFinding(bw, f, st, rd)
	}
	if len(infos) > 0 {
		fmt.Fprintf(bw, "<details><summary>%d informational finding%s</summary>\n\n", len(infos), plural(len(infos)))
		for _, f := range infos {
			mdFinding(bw, f, st, rd)
		}
		fmt.Fprintln(bw, "</details>")
		fmt.Fprintln(bw)
	}
	if settings := settingsOf(r); len(settings) > 0 {
		fmt.Fprintln(bw, "### Where to look")
		fmt.Fprintln(bw)
		for _, info := range settings {
			fmt.Fprintf(bw, "- **%s:** %s\n", mdEscape(info.Title), mdEscape(settingLine(info)))
		}
		fmt.Fprintln(bw)
	}

	detailed := detailedSessions(r)
	for _, s := range detailed {
		mdSession(bw, r, s, rd)
	}
	if note := notDetailedText(r, len(detailed)); note != "" {
		fmt.Fprintf(bw, "%s\n\n", mdEscape(note))
	}
	fmt.Fprintf(bw, "---\n*Written by ikescope%s. Frame numbers are those Wireshark shows for the same capture.*\n", versionSuffix(st.Version))
	return bw.Flush()
}

func versionSuffix(v string) string {
	if v == "" {
		return ""
	}
	return " " + v
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// severityMark is the emoji-free mark of a verdict, readable in any ticket system.
func severityMark(sev analyze.Severity) string {
	switch sev {
	case analyze.Error:
		return "**FAILED**"
	case analyze.Warning:
		return "**WARNING**"
	}
	return "**OK**"
}

// mdSessionLine is a session's summary line: verdict, peers, kind, state, worst findings.
func mdSessionLine(r *analyze.Result, s *analyze.Session, rd *Redactor) string {
	var codes []string
	seen := map[string]bool{}
	for _, f := range sessionFindings(r, s.ID) {
		if f.Severity >= analyze.Warning && !seen[f.Code] {
			seen[f.Code] = true
			codes = append(codes, f.Code)
		}
	}
	sev := verdict(r, s)
	if !s.Established && sev < analyze.Warning {
		sev = analyze.Warning
	}
	guessed := ""
	if !s.RolesKnown {
		guessed = " (roles guessed)"
	}
	line := fmt.Sprintf("%s [session %d](#session-%d): `%s` → `%s`%s · %s · %s", severityMark(sev), s.ID, s.ID,
		rd.AddrPort(s.Initiator), rd.AddrPort(s.Responder), guessed, mdEscape(sessionTitle(s)), mdEscape(rd.Text(s.State)))
	if len(codes) > 0 {
		line += " · " + strings.Join(codes, ", ")
	}
	return line
}

func mdFinding(w io.Writer, f analyze.Finding, st Style, rd *Redactor) {
	title := fmt.Sprintf("%s · %s", strings.ToUpper(f.Severity.String()), f.Code)
	if f.Session > 0 {
		title += fmt.Sprintf(" · session %d", f.Session)
	}
	fmt.Fprintf(w, "### %s\n\n", title)
	var where []string
	if len(f.Frames) > 0 {
		where = append(where, "**Frames:** "+findingFrames(f, st, rd))
	}
	if f.Exchange != "" {
		where = append(where, "**Where:** "+mdEscape(rd.Text(f.Exchange)))
	}
	if f.Peers != "" {
		where = append(where, "**Peers:** "+mdEscape(rd.Text(f.Peers)))
	}
	if len(where) > 0 {
		fmt.Fprintf(w, "%s\n\n", strings.Join(where, " · "))
	}
	fmt.Fprintf(w, "%s\n\n", mdEscape(rd.Text(f.Summary)))
	if f.Cause != "" {
		fmt.Fprintf(w, "**Likely cause:** %s\n\n", mdEscape(rd.Text(f.Cause)))
	}
	if f.Next != "" {
		fmt.Fprintf(w, "**Next steps:** %s\n\n", mdEscape(rd.Text(f.Next)))
	}
}

// mdSession writes a session's section: its ladder as a mermaid diagram, the proposals,
// the messages and the ESP flows.
func mdSession(w io.Writer, r *analyze.Result, s *analyze.Session, rd *Redactor) {
	l := newLadder(s, r, rd)
	fmt.Fprintf(w, "## Session %d\n\n", s.ID)
	fmt.Fprintf(w, "%s · %s", mdEscape(sessionTitle(s)), mdEscape(rd.Text(s.State)))
	fmt.Fprintf(w, " · `%s` (%s) → `%s` (%s)", l.initName, l.initRole, l.respName, l.respRole)
	if rd == nil {
		fmt.Fprintf(w, " · SPIs `%s` / `%s`", s.InitiatorSPI, s.ResponderSPI)
	}
	espI, espR := espCounts(s)
	fmt.Fprintf(w, " · %d message%s over %s · ESP %d / %d packets\n\n", len(s.Messages), plural(len(s.Messages)), seconds(s.Last.Sub(s.First)), espI, espR)
	mermaidLadder(w, l)
	if showTimeline(s) {
		mdTimeline(w, r, s, rd)
	}
	mdProposals(w, s, rd)
	mdMessages(w, l, rd)
	mdESP(w, s, rd)
}

// mermaidText makes text safe inside a mermaid message or note: characters the grammar
// gives a meaning are written as mermaid entity codes.
func mermaidText(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch c {
		case '#':
			b.WriteString("#35;")
		case ';':
			b.WriteString("#59;")
		case ':':
			b.WriteString("#58;")
		case '<':
			b.WriteString("#lt;")
		case '>':
			b.WriteString("#gt;")
		case '%':
			b.WriteString("#37;")
		case '`':
			b.WriteString("'")
		case '\n', '\r':
			b.WriteByte(' ')
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// mermaidLadder draws a ladder as a mermaid sequence diagram: requests as solid arrows,
// responses dashed, retransmissions as open arrows, the failing message with a cross and
// a note where the negotiation stopped.
func mermaidLadder(w io.Writer, l *ladder) {
	fmt.Fprintln(w, "```mermaid")
	fmt.Fprintln(w, "sequenceDiagram")
	fmt.Fprintf(w, "    participant I as %s (%s)\n", mermaidText(l.initName), l.initRole)
	fmt.Fprintf(w, "    participant R as %s (%s)\n", mermaidText(l.respName), l.respRole)
	for i, row := range l.rows {
		if i == maxDiagramRows {
			fmt.Fprintf(w, "    Note over I,R: %d more rows in the message list below\n", len(l.rows)-i)
			break
		}
		if row.kind == rowFolded {
			fmt.Fprintf(w, "    Note over I,R: %s\n", mermaidText(fmt.Sprintf("… %d more messages repeat the exchange above (frames %s)", row.folded, framesText(row.frames))))
			continue
		}
		from, to := "I", "R"
		if !row.fromInit {
			from, to = "R", "I"
		}
		var arrow string
		switch {
		case row.failed:
			arrow = "-x"
		case row.msg.Retransmit > 0:
			arrow = "-)"
		case row.msg.Response:
			arrow = "-->>"
		default:
			arrow = "->>"
		}
		if row.failed && row.msg.Response {
			arrow = "--x"
		}
		text := fmt.Sprintf("[%s] +%.3fs %s", row.frame, row.at, row.label)
		if row.detail != "" {
			text += " · " + row.detail
		}
		fmt.Fprintf(w, "    %s%s%s: %s\n", from, arrow, to, mermaidText(text))
	}
	if l.failure != "" {
		fmt.Fprintf(w, "    Note over I,R: %s\n", mermaidText("✖ "+l.failure))
	}
	fmt.Fprintf(w, "    Note over I,R: %s\n", mermaidText(fmt.Sprintf("+%.3fs %s", l.endAt, l.end)))
	fmt.Fprintln(w, "```")
	fmt.Fprintln(w)
}

// mdProposals lists the Phase 1 proposals offered and accepted, and the decoded SA
// payloads, in a collapsible block.
func mdProposals(w io.Writer, s *analyze.Session, rd *Redactor) {
	if len(s.Offered) == 0 && s.Chosen == nil {
		return
	}
	fmt.Fprintf(w, "<details><summary>Proposals (%d offered, %s)</summary>\n\n", len(s.Offered), map[bool]string{true: "one accepted", false: "none accepted"}[s.Chosen != nil])
	if len(s.Offered) > 0 {
		fmt.Fprintln(w, "Offered by the initiator:")
		fmt.Fprintln(w)
		mdTable(w, proposalHeader, func(row func(...string)) {
			for i, p := range s.Offered {
				row(proposalRow(i+1, p)...)
			}
		})
	}
	if s.Chosen != nil {
		fmt.Fprintf(w, "Accepted by the responder: **%s**\n\n", mdEscape(s.Chosen.String()))
	}
	// The SA payloads as decoded, for the attributes the tables leave out.
	var buf bytes.Buffer
	for _, m := range s.Messages {
		if m.ISAKMP == nil || m.Retransmit > 0 || !hasSA(m.ISAKMP) {
			continue
		}
		t := newMessageTree(&buf, s.First, rd)
		t.Write(decodeMessage(m))
		t.Flush()
	}
	if buf.Len() > 0 {
		fmt.Fprintln(w, "Decoded messages carrying an SA payload:")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "```text")
		w.Write(bytes.TrimRight(buf.Bytes(), "\n"))
		fmt.Fprintln(w)
		fmt.Fprintln(w, "```")
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "</details>")
	fmt.Fprintln(w)
}

func hasSA(x *decode.ISAKMP) bool {
	for _, p := range x.Payloads {
		if p.SA != nil {
			return true
		}
	}
	return false
}

var proposalHeader = []string{"#", "protocol", "encryption", "integrity", "PRF", "DH group", "auth", "lifetime"}

func proposalRow(n int, p analyze.Proposal) []string {
	life := ""
	if p.Lifetime > 0 {
		life = p.Lifetime.String()
	}
	if p.LifeKB > 0 {
		if life != "" {
			life += ", "
		}
		life += fmt.Sprintf("%d KB", p.LifeKB)
	}
	return []string{fmt.Sprint(n), p.Protocol, strings.Join(p.Encryption, ", "), strings.Join(p.Integrity, ", "),
		strings.Join(p.PRF, ", "), strings.Join(p.Groups, ", "), p.Auth, life}
}

// mdMessages lists every message of the session, with the full decode where it is kept.
func mdMessages(w io.Writer, l *ladder, rd *Redactor) {
	s := l.s
	fmt.Fprintf(w, "<details><summary>Messages (%d)</summary>\n\n", len(s.Messages))
	mdTable(w, []string{"frame", "time", "from", "step", "carries"}, func(row func(...string)) {
		for _, m := range s.Messages {
			detail := messageDetail(m, s, rd)
			if m.Retransmit > 0 {
				detail = "same bytes again"
			}
			row(frameLabel(m, l.r), fmt.Sprintf("%.3f", m.Time.Sub(s.First).Seconds()), side(m.FromInitiator),
				messageLabel(m, rd), detail)
		}
	})
	fmt.Fprintln(w, "</details>")
	fmt.Fprintln(w)
}

func side(fromInit bool) string {
	if fromInit {
		return "initiator"
	}
	return "responder"
}

// mdTimelineOpen is how many events a Markdown timeline shows before it folds into a
// <details> block.
const mdTimelineOpen = 8

// mdTimeline writes a session's life as a small table, folded when it is long.
func mdTimeline(w io.Writer, r *analyze.Result, s *analyze.Session, rd *Redactor) {
	rows := timelineRows(r, s, rd)
	if len(rows) > mdTimelineOpen {
		fmt.Fprintf(w, "<details><summary>Timeline (%d events, %s)</summary>\n\n", len(rows), timelineTimeNote)
	} else {
		fmt.Fprintf(w, "Timeline (%s):\n\n", timelineTimeNote)
	}
	mdTable(w, []string{"frame", "time", "event"}, func(row func(...string)) {
		for _, e := range rows {
			row(fmt.Sprint(e.frame), fmt.Sprintf("%.3f", e.at), e.text)
		}
	})
	if len(rows) > mdTimelineOpen {
		fmt.Fprintln(w, "</details>")
		fmt.Fprintln(w)
	}
}

// mdOrphans lists the ESP flows tied to no IKE SA, with what that means.
func mdOrphans(w io.Writer, r *analyze.Result, rd *Redactor) {
	fmt.Fprintln(w, "## ESP without IKE")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%s\n\n", mdEscape(orphanMeaning))
	mdTable(w, espHeader, func(row func(...string)) {
		for i, f := range r.Orphans {
			if i == maxOrphanRows {
				break
			}
			row(espRow(f, rd)...)
		}
	})
	if more := moreOrphansText(r); more != "" {
		fmt.Fprintf(w, "%s\n\n", mdEscape(more))
	}
}

// mdESP lists the session's ESP flows.
func mdESP(w io.Writer, s *analyze.Session, rd *Redactor) {
	if len(s.ESP) == 0 {
		return
	}
	fmt.Fprintln(w, "ESP flows:")
	fmt.Fprintln(w)
	mdTable(w, espHeader, func(row func(...string)) {
		for _, f := range s.ESP {
			row(espRow(f, rd)...)
		}
	})
}

var espHeader = []string{"SPI", "from", "to", "encapsulation", "packets", "bytes", "frames", "sequence"}

func espRow(f *analyze.ESPFlow, rd *Redactor) []string {
	encap := "IP protocol 50"
	if f.Encap {
		encap = "UDP"
	}
	seq := fmt.Sprintf("%d-%d", f.FirstSeq, f.LastSeq)
	if f.SeqRestarts > 0 {
		seq += fmt.Sprintf(", %d restarts", f.SeqRestarts)
	}
	if f.SeqGaps > 0 {
		seq += fmt.Sprintf(", %d gaps", f.SeqGaps)
	}
	// ESP straight over IP has no ports: the address alone says it.
	src, dst := rd.Addr(f.Src.Addr()), rd.Addr(f.Dst.Addr())
	if f.Encap {
		src, dst = rd.AddrPort(f.Src), rd.AddrPort(f.Dst)
	}
	return []string{rd.SPI(fmt.Sprintf("%08x", f.SPI)), src, dst, encap,
		fmt.Sprint(f.Packets), fmt.Sprint(f.Bytes), fmt.Sprintf("%d-%d", f.FirstFrame, f.LastFrame), seq}
}

// mdTable writes a GitHub-flavoured table; cells are escaped except for code spans.
func mdTable(w io.Writer, header []string, rows func(row func(...string))) {
	fmt.Fprintf(w, "| %s |\n", strings.Join(header, " | "))
	seps := make([]string, len(header))
	for i := range seps {
		seps[i] = "---"
	}
	fmt.Fprintf(w, "| %s |\n", strings.Join(seps, " | "))
	rows(func(cells ...string) {
		out := make([]string, len(cells))
		for i, c := range cells {
			if strings.HasPrefix(c, "`") && strings.HasSuffix(c, "`") && len(c) > 1 {
				out[i] = strings.ReplaceAll(c, "|", "\\|")
			} else {
				out[i] = mdEscape(c)
			}
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(out, " | "))
	})
	fmt.Fprintln(w)
}

// mdEscape escapes the characters Markdown would read as formatting or HTML. An
// underscore inside a word (MODP_2048) formats nothing and stays as it is.
func mdEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '_':
			if i > 0 && i+1 < len(s) && isWordByte(s[i-1]) && isWordByte(s[i+1]) {
				break
			}
			b.WriteByte('\\')
		case '\\', '`', '*', '[', ']', '<', '>', '|', '~', '#':
			b.WriteByte('\\')
		case '\n':
			b.WriteByte(' ')
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

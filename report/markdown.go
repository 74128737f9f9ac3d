package report

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/decode"
)

// A Markdown report has to fit a GitHub issue or comment (65,536 characters), and an HTML
// page has to open in a browser however large the capture. Both therefore say in full what
// went wrong and group the rest: sessions that did not come up cleanly one by one,
// clean ones grouped by their peers and outcome, identical findings as one entry with a
// count, and as many session sections as the budget holds, with a note of what was left
// out (-f json always has everything).

// maxSingleSessions is how many sessions that did not come up cleanly are listed one by
// one; past it, they are grouped like the clean ones.
const maxSingleSessions = 40

// maxSessionGroups is how many groups of sessions a report lists.
const maxSessionGroups = 30

// sessionVerdict is a session's outcome: its worst finding, and at least a warning when
// no IKE SA came up.
func sessionVerdict(r *analyze.Result, s *analyze.Session) analyze.Severity {
	sev := verdict(r, s)
	if !s.Established && sev < analyze.Warning {
		sev = analyze.Warning
	}
	return sev
}

// cleanSession says whether a session came up cleanly: no warning, an IPsec SA.
func cleanSession(r *analyze.Result, s *analyze.Session) bool {
	return sessionVerdict(r, s) == analyze.Info && !showLadder(s)
}

// sessionCodes lists the codes of a session's warnings and errors, each once.
func sessionCodes(r *analyze.Result, s *analyze.Session) []string {
	var codes []string
	seen := map[string]bool{}
	for _, f := range sessionFindings(r, s.ID) {
		if f.Severity >= analyze.Warning && !seen[f.Code] {
			seen[f.Code] = true
			codes = append(codes, f.Code)
		}
	}
	return codes
}

// sessionGroup is one session, or sessions alike: the same peers (ports aside), kind,
// state, verdict and finding codes.
type sessionGroup struct {
	sev        analyze.Severity
	sessions   []*analyze.Session
	init, resp string // addresses without ports, redacted
	title      string
	state      string
	codes      []string
}

func (g sessionGroup) single() bool { return len(g.sessions) == 1 }

// groupSessions puts the sessions that did not come up cleanly first, one by one (the first
// maxSingles of them), then everything else in groups, the worst first.
func groupSessions(r *analyze.Result, rd *Redactor, maxSingles int) []sessionGroup {
	var singles, groups []sessionGroup
	index := map[string]int{}
	for _, s := range r.Sessions {
		g := sessionGroup{sev: sessionVerdict(r, s), sessions: []*analyze.Session{s},
			init: rd.Addr(s.Initiator.Addr()), resp: rd.Addr(s.Responder.Addr()),
			title: sessionTitle(s), state: rd.Text(s.State), codes: sessionCodes(r, s)}
		if !cleanSession(r, s) && len(singles) < maxSingles {
			singles = append(singles, g)
			continue
		}
		key := fmt.Sprint(g.sev, g.init, g.resp, g.title, g.state, g.codes, s.RolesKnown)
		if i, ok := index[key]; ok {
			groups[i].sessions = append(groups[i].sessions, s)
			continue
		}
		index[key] = len(groups)
		groups = append(groups, g)
	}
	// Worst first, and within a verdict the largest groups first.
	sort.SliceStable(groups, func(i, j int) bool {
		if groups[i].sev != groups[j].sev {
			return groups[i].sev > groups[j].sev
		}
		return len(groups[i].sessions) > len(groups[j].sessions)
	})
	// A report lists maxSingles+maxSessionGroups entries. When groups that went wrong
	// fill them, the largest clean groups still close the list: "1,204 sessions ... all
	// established" is what puts the failures in proportion.
	if budget := maxSingles + maxSessionGroups - len(singles); len(groups) > budget {
		var clean []sessionGroup
		for i := len(groups) - 1; i >= 0 && groups[i].sev == analyze.Info; i-- {
			clean = append([]sessionGroup{groups[i]}, clean...)
		}
		// The clean groups are the tail, largest first; keep up to keptClean of them.
		k := min(keptClean, len(clean))
		if first := len(groups) - len(clean); k > 0 && first > budget-k {
			kept := append([]sessionGroup{}, groups[:budget-k]...)
			kept = append(kept, clean[:k]...)
			kept = append(kept, groups[budget-k:first]...)
			groups = append(kept, clean[k:]...)
		}
	}
	return append(singles, groups...)
}

// keptClean is how many of the largest clean groups a list cut short still shows.
const keptClean = 3

// groupText says what a group holds: "12 sessions 192.0.2.1 → 192.0.2.2 · IKEv2 · established".
func groupText(g sessionGroup) string {
	return fmt.Sprintf("%d sessions %s → %s · %s · %s", len(g.sessions), g.init, g.resp, g.title, g.state)
}

// sessionIDs lists session numbers, at most n of them: "3, 4, 5 … and 9 more".
func sessionIDs(ss []*analyze.Session, n int, link func(id int) string) string {
	var parts []string
	for i, s := range ss {
		if i == n {
			parts[len(parts)-1] += fmt.Sprintf(" … and %d more", len(ss)-n)
			break
		}
		parts = append(parts, link(s.ID))
	}
	return strings.Join(parts, ", ")
}

// sectionCandidates lists the sessions that may get a section of their own, in order:
// those that did not come up cleanly, then the clean ones.
func sectionCandidates(r *analyze.Result) []*analyze.Session {
	var bad, good []*analyze.Session
	for _, s := range r.Sessions {
		if cleanSession(r, s) {
			good = append(good, s)
		} else {
			bad = append(bad, s)
		}
	}
	return append(bad, good...)
}

// leftOutText says which sessions have no section, or "".
func leftOutText(r *analyze.Result, drawn map[int]bool) string {
	var bad, good []*analyze.Session
	for _, s := range r.Sessions {
		switch {
		case drawn[s.ID]:
		case cleanSession(r, s):
			good = append(good, s)
		default:
			bad = append(bad, s)
		}
	}
	id := func(n int) string { return fmt.Sprint(n) }
	var parts []string
	if len(bad) > 0 {
		parts = append(parts, fmt.Sprintf("%d session%s that did not come up cleanly (%s)", len(bad), plural(len(bad)), sessionIDs(bad, 20, id)))
	}
	if len(good) > 0 {
		parts = append(parts, fmt.Sprintf("%d that came up cleanly", len(good)))
	}
	if len(parts) == 0 {
		return ""
	}
	return "Not drawn here, to keep the report readable: " + strings.Join(parts, " and ") + ". The sessions above list them; -f json has every message."
}

// findingGroup is one finding, or findings that say the same thing of different sessions
// or frames: the same severity, code and text apart from frames, SPIs and times.
type findingGroup struct {
	first   analyze.Finding
	members []analyze.Finding
}

// Frames, SPIs and times are what set identical findings apart.
var findingNoise = regexp.MustCompile(`\S*#\d+|\bframes?(?: \d+)+|\b\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?: UTC)?|\b(?:[0-9a-f]{8}|[0-9a-f]{16})\b|\bspi-\d+\b`)

func findingKey(f analyze.Finding, rd *Redactor) string {
	norm := func(s string) string { return findingNoise.ReplaceAllString(rd.Text(s), "_") }
	return strings.Join([]string{f.Severity.String(), f.Code, norm(f.Exchange), norm(f.Summary), norm(f.Cause), norm(f.Next)}, "\x00")
}

// groupFindings groups identical findings, in the order of their first appearance.
func groupFindings(fs []analyze.Finding, rd *Redactor) []findingGroup {
	var out []findingGroup
	index := map[string]int{}
	for _, f := range fs {
		k := findingKey(f, rd)
		if i, ok := index[k]; ok {
			out[i].members = append(out[i].members, f)
			continue
		}
		index[k] = len(out)
		out = append(out, findingGroup{first: f, members: []analyze.Finding{f}})
	}
	return out
}

// sessionsOf lists the sessions a finding group names, each once.
func (g findingGroup) sessions() []int {
	var out []int
	seen := map[int]bool{}
	for _, f := range g.members {
		if f.Session > 0 && !seen[f.Session] {
			seen[f.Session] = true
			out = append(out, f.Session)
		}
	}
	return out
}

// samePeers gives the group's peers when every member names the same ones.
func (g findingGroup) samePeers() string {
	for _, f := range g.members {
		if f.Peers != g.first.Peers {
			return ""
		}
	}
	return g.first.Peers
}

// maxDiagramRows caps a mermaid diagram (renderers give up on very large ones).
const maxDiagramRows = 150

// mdLimit is the most characters a Markdown report holds: GitHub takes 65,536 in an issue
// or comment, and a report is often pasted with a few lines around it.
const mdLimit = 60000

// mdBudget is what the report fills before it stops adding sections. It counts bytes,
// never fewer than characters, and leaves room for the note of what was left out.
const (
	mdBudget     = mdLimit - 3000
	mdHeadBudget = 48000 // captures, sessions and findings: what went wrong comes before the ladders
)

// Caps of the report's lists.
const (
	mdMaxCaptures  = 20
	mdMaxTableRows = 60
	mdTableReserve = 3000 // what the findings leave the sessions table at least
	mdMaxLinks     = 10   // sessions named in one line
	mdMaxPlaces    = 8    // sessions and frames named for a group of findings
)

// mdArrowChars bounds a mermaid arrow's label: the diagram is as wide as its longest
// label, and GitHub shrinks wide diagrams to fit its column.
const mdArrowChars = 48

// mdNoteChars bounds a mermaid note, for the same reason.
const mdNoteChars = 60

// mdReport writes one Markdown report.
type mdReport struct {
	r  *analyze.Result
	rd *Redactor
	st Style
}

// WriteMarkdown writes the report for a ticket or an issue: a summary line per session
// that did not come up cleanly and one per group of clean ones, the findings with cause
// and next steps (identical ones once, with a count), a mermaid sequence diagram per
// session with the failure point marked, and the decoded proposals and messages in
// collapsible blocks. It stays under mdLimit characters, so that it fits a GitHub issue,
// and renders on GitHub and GitLab; elsewhere it still reads as plain text.
func WriteMarkdown(w io.Writer, r *analyze.Result, st Style) error {
	st.multi = len(r.Captures) > 1
	m := &mdReport{r: r, rd: st.redactor(r), st: st}
	foot := fmt.Sprintf("---\n*Written by ikescope%s. Frame numbers are those Wireshark shows for the same capture.*\n", versionSuffix(st.Version))

	// Every candidate section, in full and without the decoded SA payloads.
	cands := sectionCandidates(r)
	all := map[int]bool{}
	for _, s := range cands {
		all[s.ID] = true
	}
	head := m.head(all)
	room := mdBudget - len(head) - len(foot)
	full := make([][]byte, len(cands))
	total := 0
	for i, s := range cands {
		var b bytes.Buffer
		m.session(&b, s, true)
		full[i] = b.Bytes()
		total += b.Len()
	}
	var sections [][]byte
	drawn := map[int]bool{}
	if total <= room {
		sections = full
		drawn = all
	} else {
		used := 0
		for _, s := range cands {
			var b bytes.Buffer
			m.session(&b, s, false)
			if used+b.Len() > room {
				continue
			}
			used += b.Len()
			sections = append(sections, b.Bytes())
			drawn[s.ID] = true
		}
		head = m.head(drawn)
	}
	bw := bufio.NewWriter(w)
	bw.WriteString(head)
	for _, b := range sections {
		bw.Write(b)
	}
	if note := leftOutText(r, drawn); note != "" {
		fmt.Fprintf(bw, "%s\n\n", mdEscape(note))
	}
	bw.WriteString(foot)
	return bw.Flush()
}

// link is a session's number, linked to its section when it has one.
func (m *mdReport) link(drawn map[int]bool) func(id int) string {
	return func(id int) string {
		if drawn[id] {
			return fmt.Sprintf("[%d](#session-%d)", id, id)
		}
		return fmt.Sprint(id)
	}
}

// head writes everything before the session sections: the captures, the sessions and the
// findings, linking the sessions that have a section.
func (m *mdReport) head(drawn map[int]bool) string {
	r, rd := m.r, m.rd
	bw := &bytes.Buffer{}
	fmt.Fprintln(bw, "# ikescope report")
	fmt.Fprintln(bw)
	for i, c := range r.Captures {
		if i == mdMaxCaptures {
			fmt.Fprintf(bw, "- … and %d more captures\n", len(r.Captures)-i)
			break
		}
		fmt.Fprintf(bw, "- %s\n", mdEscape(captureLine(c, r, rd)))
	}
	if rd != nil {
		fmt.Fprintln(bw)
		fmt.Fprintln(bw, "> Redacted for sharing: addresses, identities, certificate names and SPIs are pseudonyms (the same one each time); hashes, nonces, key exchange data and signatures are left out.")
	}
	fmt.Fprintln(bw)

	if note := digestNote(r); note != "" {
		fmt.Fprintln(bw, "## Session groups")
		fmt.Fprintln(bw)
		fmt.Fprintln(bw, mdEscape(note))
		fmt.Fprintln(bw)
		for _, line := range groupLines(r, rd) {
			fmt.Fprintf(bw, "- %s\n", mdEscape(line))
		}
		fmt.Fprintln(bw)
	}
	if lines := clientLines(r.Clients, rd); len(lines) > 0 {
		fmt.Fprintln(bw, "## Clients")
		fmt.Fprintln(bw)
		for _, line := range lines {
			fmt.Fprintf(bw, "- %s\n", mdEscape(line))
		}
		fmt.Fprintln(bw)
	}
	fmt.Fprintln(bw, "## Sessions")
	fmt.Fprintln(bw)
	if len(r.Sessions) == 0 {
		fmt.Fprintln(bw, mdEscape(noIKEText(r)))
		fmt.Fprintln(bw)
	}
	link := m.link(drawn)
	groups := groupSessions(r, rd, maxSingleSessions)
	var more []*analyze.Session
	for i, g := range groups {
		if i == maxSingleSessions+maxSessionGroups {
			for _, g := range groups[i:] {
				more = append(more, g.sessions...)
			}
			break
		}
		if g.single() {
			fmt.Fprintf(bw, "- %s\n", mdSessionLine(r, g.sessions[0], rd, drawn[g.sessions[0].ID]))
			continue
		}
		line := fmt.Sprintf("- %s %s", severityMark(g.sev), mdEscape(groupText(g)))
		if len(g.codes) > 0 {
			line += " · " + strings.Join(g.codes, ", ")
		}
		fmt.Fprintf(bw, "%s (sessions %s)\n", line, sessionIDs(g.sessions, mdMaxLinks, link))
	}
	if len(more) > 0 {
		fmt.Fprintf(bw, "- … and %d more sessions in groups not listed here\n", len(more))
	}
	fmt.Fprintln(bw)
	// The findings come before the sessions table in the budget: the table folds, or
	// shrinks, to leave them room.
	var rest, findings bytes.Buffer
	if len(r.Orphans) > 0 {
		mdOrphans(&rest, r, rd)
	}
	mdInner(&rest, r, rd)
	m.findings(&findings, drawn, mdHeadBudget-bw.Len()-rest.Len()-mdTableReserve)
	if len(r.Sessions) > 0 {
		for rows := mdMaxTableRows; rows > 0; rows /= 2 {
			var table bytes.Buffer
			m.sessionTable(&table, rows)
			if rows == 1 || bw.Len()+table.Len()+rest.Len()+findings.Len() <= mdHeadBudget {
				bw.Write(table.Bytes())
				break
			}
		}
	}
	bw.Write(rest.Bytes())
	bw.Write(findings.Bytes())
	return bw.String()
}

// sessionTable writes the sessions table, folded: those that did not come up cleanly
// first, at most mdMaxTableRows rows.
func (m *mdReport) sessionTable(bw *bytes.Buffer, maxRows int) {
	r, rd := m.r, m.rd
	rows := sectionCandidates(r)
	shown := min(len(rows), maxRows)
	what := fmt.Sprintf("all %d", len(rows))
	if len(rows) == 1 {
		what = "the session"
	} else if shown < len(rows) {
		what = fmt.Sprintf("%d of %d, those that did not come up cleanly first", shown, len(rows))
	}
	fmt.Fprintf(bw, "<details><summary>Sessions table (%s)</summary>\n\n", what)
	mdTable(bw, sessionHeader, func(row func(...string)) {
		for _, s := range rows[:shown] {
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
	fmt.Fprintln(bw, "</details>")
	fmt.Fprintln(bw)
}

// findings writes the errors and warnings, then the informational findings folded; each
// group of identical findings once. It stops at mdHeadBudget and says how many it left out.
func (m *mdReport) findings(bw *bytes.Buffer, drawn map[int]bool, budget int) {
	r := m.r
	fmt.Fprintln(bw, "## Findings")
	fmt.Fprintln(bw)
	if len(r.Findings) == 0 {
		fmt.Fprintln(bw, "None.")
		fmt.Fprintln(bw)
	}
	var serious, infos []analyze.Finding
	for _, f := range r.Findings {
		if f.Severity == analyze.Info {
			infos = append(infos, f)
		} else {
			serious = append(serious, f)
		}
	}
	left := 0
	write := func(gs []findingGroup) {
		for _, g := range gs {
			var b bytes.Buffer
			m.finding(&b, g, drawn)
			if bw.Len()+b.Len() > budget {
				left += len(g.members)
				continue
			}
			bw.Write(b.Bytes())
		}
	}
	write(groupFindings(serious, m.rd))
	if len(infos) > 0 {
		gs := groupFindings(infos, m.rd)
		fmt.Fprintf(bw, "<details><summary>%d informational finding%s</summary>\n\n", len(infos), plural(len(infos)))
		write(gs)
		fmt.Fprintln(bw, "</details>")
		fmt.Fprintln(bw)
	}
	if left > 0 {
		fmt.Fprintf(bw, "%d more finding%s left out to keep the report short; -f json has them all.\n\n", left, plural(left))
	}
	if settings := settingsOf(r); len(settings) > 0 {
		fmt.Fprintln(bw, "### Where to look")
		fmt.Fprintln(bw)
		for _, info := range settings {
			fmt.Fprintf(bw, "- **%s:** %s\n", mdEscape(info.Title), mdEscape(settingLine(info)))
		}
		fmt.Fprintln(bw)
	}
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
func mdSessionLine(r *analyze.Result, s *analyze.Session, rd *Redactor, linked bool) string {
	guessed := ""
	if !s.RolesKnown {
		guessed = " (roles guessed)"
	}
	name := fmt.Sprintf("session %d", s.ID)
	if linked {
		name = fmt.Sprintf("[session %d](#session-%d)", s.ID, s.ID)
	}
	line := fmt.Sprintf("%s %s: `%s` → `%s`%s · %s · %s", severityMark(sessionVerdict(r, s)), name,
		rd.AddrPort(s.Initiator), rd.AddrPort(s.Responder), guessed, mdEscape(sessionTitle(s)), mdEscape(rd.Text(s.State)))
	if codes := sessionCodes(r, s); len(codes) > 0 {
		line += " · " + strings.Join(codes, ", ")
	}
	return line
}

// finding writes a finding, or a group of identical ones: the first in full, and which
// sessions and frames the others are about.
func (m *mdReport) finding(w io.Writer, g findingGroup, drawn map[int]bool) {
	f, st, rd := g.first, m.st, m.rd
	title := fmt.Sprintf("%s · %s", strings.ToUpper(f.Severity.String()), f.Code)
	sessions := g.sessions()
	switch {
	case len(g.members) > 1:
		title += fmt.Sprintf(" · %d times", len(g.members))
		if len(sessions) > 1 {
			title += fmt.Sprintf(", %d sessions", len(sessions))
		}
	case f.Session > 0:
		title += fmt.Sprintf(" · session %d", f.Session)
	}
	fmt.Fprintf(w, "### %s\n\n", title)
	var where []string
	if len(g.members) > 1 {
		var parts []string
		for i, x := range g.members {
			if i == mdMaxPlaces {
				parts = append(parts, fmt.Sprintf("… and %d more", len(g.members)-i))
				break
			}
			part := ""
			if x.Session > 0 {
				part = "session " + m.link(drawn)(x.Session)
			}
			if len(x.Frames) > 0 && !st.multi { // with several captures, frame names are long
				part = strings.TrimSpace(part + " " + framesWord(x, rd, false))
			}
			if part != "" {
				parts = append(parts, part)
			}
		}
		if len(parts) > 0 {
			where = append(where, "**In:** "+strings.Join(parts, "; "))
		}
	} else if len(f.Frames) > 0 {
		where = append(where, "**Frames:** "+findingFrames(f, st, rd))
	}
	if f.Exchange != "" {
		where = append(where, "**Where:** "+mdEscape(rd.Text(f.Exchange)))
	}
	if !f.Time.IsZero() {
		where = append(where, "**At:** "+f.Time.In(st.location()).Format(absTimeLayout))
	}
	if peers := g.samePeers(); peers != "" {
		where = append(where, "**Peers:** "+mdEscape(rd.Text(peers)))
	}
	if len(where) > 0 {
		fmt.Fprintf(w, "%s\n\n", strings.Join(where, " · "))
	}
	summary := mdEscape(rd.Text(f.Summary))
	if len(g.members) > 1 && f.Session > 0 {
		summary = fmt.Sprintf("Session %d, and the others alike: %s", f.Session, summary)
	}
	fmt.Fprintf(w, "%s\n\n", summary)
	if f.Cause != "" {
		fmt.Fprintf(w, "**Likely cause:** %s\n\n", mdEscape(rd.Text(f.Cause)))
	}
	if f.Next != "" {
		fmt.Fprintf(w, "**Next steps:** %s\n\n", mdEscape(rd.Text(f.Next)))
	}
}

// session writes a session's section: its ladder as a mermaid diagram with the messages
// in a table under it, the timeline, the proposals (with their decoded SA payloads when
// full) and the ESP flows.
func (m *mdReport) session(w io.Writer, s *analyze.Session, full bool) {
	r, rd := m.r, m.rd
	l := newLadder(s, r, rd)
	fmt.Fprintf(w, "## Session %d\n\n", s.ID)
	fmt.Fprintf(w, "%s · %s", mdEscape(sessionTitle(s)), mdEscape(rd.Text(s.State)))
	fmt.Fprintf(w, " · `%s` (%s) → `%s` (%s)", l.initName, l.initRole, l.respName, l.respRole)
	if rd == nil {
		fmt.Fprintf(w, " · SPIs `%s` / `%s`", s.InitiatorSPI, s.ResponderSPI)
	}
	espI, espR := espCounts(s)
	fmt.Fprintf(w, " · from %s, %d message%s over %s · ESP %d / %d packets\n\n", s.First.In(m.st.location()).Format(absTimeLayout),
		len(s.Messages), plural(len(s.Messages)), seconds(s.Last.Sub(s.First)), espI, espR)
	mermaidLadder(w, l)
	if l.failure != "" {
		fmt.Fprintf(w, "**Stopped:** %s\n\n", mdEscape(l.failure))
	}
	mdMessages(w, l, rd)
	if showTimeline(s) {
		mdTimeline(w, r, s, rd)
	}
	mdProposals(w, s, rd, full)
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
			fmt.Fprintf(w, "    Note over I,R: %s\n", mermaidText(clip(fmt.Sprintf("… %d more messages repeat the exchange above (frames %s)", row.folded, strings.Join(row.frames, " ")), mdNoteChars)))
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
		// The step and the frame only: what the message carries is in the table below.
		text := clip(fmt.Sprintf("[%s] %s", row.frame, row.label), mdArrowChars)
		fmt.Fprintf(w, "    %s%s%s: %s\n", from, arrow, to, mermaidText(text))
	}
	if l.failure != "" {
		fmt.Fprintf(w, "    Note over I,R: %s\n", mermaidText(clip("✖ "+l.failure, mdNoteChars)))
	}
	fmt.Fprintf(w, "    Note over I,R: %s\n", mermaidText(clip(fmt.Sprintf("+%.3fs %s", l.endAt, l.end), mdNoteChars)))
	fmt.Fprintln(w, "```")
	fmt.Fprintln(w)
}

// mdProposals lists the Phase 1 proposals offered and accepted, and the decoded SA
// payloads, in a collapsible block.
func mdProposals(w io.Writer, s *analyze.Session, rd *Redactor, decoded bool) {
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
		if !decoded {
			break
		}
		if m.Retransmit > 0 {
			continue
		}
		x := m.Decoded()
		if x == nil || !hasSA(x) {
			continue
		}
		t := newMessageTree(&buf, s.First, rd)
		t.Write(decodeMessage(m, x))
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

// mdMessages lists what each arrow of the ladder carries, row for row (a folded run as
// one row), in a collapsible table under the diagram.
func mdMessages(w io.Writer, l *ladder, rd *Redactor) {
	s := l.s
	fmt.Fprintf(w, "<details><summary>Messages (%d): what each arrow carries</summary>\n\n", len(s.Messages))
	mdTable(w, []string{"frame", "time", "from", "step", "carries"}, func(row func(...string)) {
		for i, r := range l.rows {
			if i == maxDiagramRows {
				row("", "", "", "", fmt.Sprintf("%d more rows; -f json has every message", len(l.rows)-i))
				break
			}
			if r.kind == rowFolded {
				row("", fmt.Sprintf("%.3f", r.at), "", "", fmt.Sprintf("%d more messages repeat the exchange above (frames %s)", r.folded, strings.Join(r.frames, " ")))
				continue
			}
			detail := r.detail
			if r.msg.Retransmit > 0 {
				detail = strings.TrimPrefix(strings.TrimSuffix(detail+" · same bytes again", " · "), " · ")
			}
			row(r.frame, fmt.Sprintf("%.3f", r.at), side(r.fromInit), r.label, detail)
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
		for i, e := range rows {
			if i == maxDiagramRows {
				row("", "", fmt.Sprintf("%d more events; -f json has them all", len(rows)-i))
				break
			}
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
	fmt.Fprintf(w, "%s\n\n", mdEscape(orphanMeaningOf(r)))
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
	switch {
	case f.AH:
		encap = "AH (IP protocol 51)"
	case f.InAH:
		encap = "ESP inside AH (IP protocol 51)"
	case f.Encap:
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

package report

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/ikescope/ikescope/analyze"
)

// The page is built by html/template from html.tmpl: every value is escaped by the
// template for the context it lands in (text, attribute, URL), never by hand.
//
//go:embed html.tmpl
var htmlTemplateText string

var htmlTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"sevClass": sevClass,
	"upper":    strings.ToUpper,
}).Parse(htmlTemplateText))

// An HTML page stays readable however large the capture: the sessions that did not come up
// cleanly one by one, the rest grouped, identical findings as one card, and at most
// htmlMaxSections session sections within htmlSectionBudget bytes, each with at most
// htmlMaxMessages messages; a note says what was left out.
const (
	htmlMaxSections    = 60
	htmlSectionBudget  = 2 << 20
	htmlMaxMessages    = 150
	htmlMaxMemberRows  = 500 // rows in the tables of grouped sessions, all groups together
	htmlMaxFindings    = 200 // finding cards
	htmlMaxFindingRefs = 50  // sessions and frames named on one card
	htmlOpenCaptures   = 5   // capture lines shown before the rest fold
)

// htmlMaxBytes is the most a page weighs, whatever the capture.
const htmlMaxBytes = 3 << 20

// WriteHTML writes the report as one self-contained page: no external scripts, fonts or
// styles (a Content-Security-Policy forbids loading any), the ladders drawn as inline SVG,
// every message expandable to its full decode, and frame numbers everywhere so the reader
// can open the same packets in Wireshark. The page works without JavaScript; a few lines
// of inline script open a message when its ladder arrow or frame number is followed.
func WriteHTML(w io.Writer, r *analyze.Result, st Style) error {
	st.multi = len(r.Captures) > 1
	h := &htmlBuilder{r: r, rd: st.redactor(r), st: st}
	p, err := h.page()
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	if err := htmlTemplate.ExecuteTemplate(bw, "page", p); err != nil {
		return err
	}
	return bw.Flush()
}

type htmlBuilder struct {
	r     *analyze.Result
	rd    *Redactor
	st    Style
	drawn map[int]bool
}

// The page as the template sees it.
type htmlPage struct {
	Version       string
	Title         string
	Captures      []string
	MoreCaptures  []string // folded
	Redacted      bool
	NoIKE         string
	Header        []string
	Rows          []htmlRow
	MoreSessions  int
	DigestNote    string   // a capture of more sessions than are shown in full
	DigestGroups  []string // and its groups
	Clients       []string // remote-access clients by outcome
	Groups        []htmlGroup
	GuessLegend   string
	PointsLegend  string
	Orphans       *htmlTable
	Inner         *htmlTable // the inner flows decrypted ESP showed
	InnerNote     string
	OrphanNote    string
	OrphanMeaning string
	Findings      []htmlFinding
	Infos         []htmlFinding
	InfoCount     int
	FindingsLeft  int
	Settings      [][2]string
	Sessions      []template.HTML // sections, each rendered by the "session" template
	LeftOut       string
}

// htmlRow is a row of the sessions table: one session, or a group of alike ones.
type htmlRow struct {
	Sev     string // error, warning, ok
	Word    string // FAILED, WARNING, OK
	Session int    // one session; 0 for a group
	Linked  bool
	Group   string // "12 sessions", with its group's anchor
	GroupID string
	Cells   []string
	Codes   []string
}

// htmlGroup lists a group's sessions one by one, folded under the table.
type htmlGroup struct {
	ID    string
	Title string
	Rows  []htmlRow
	More  int
}

type htmlTable struct {
	Caption string
	Header  []string
	Rows    [][]string
}

type htmlRef struct {
	Text string
	Href string // "" when the frame has no message in the page
}

// htmlFinding is a finding card: one finding, or identical ones with a count.
type htmlFinding struct {
	Sev       string
	Code      string
	Count     int // findings in the group
	Sessions  []htmlRef
	MoreSess  int
	Exchange  string
	Frames    []htmlRef // one finding: its frames
	FrameText string    // with several captures: the frames as text
	Where     []string  // a group: "session 4: frames 5 6 7"
	MoreWhere int
	Peers     string
	At        string // when it began, with the date and zone
	Summary   string
	Cause     string
	Next      string
}

func sevClass(s analyze.Severity) string {
	switch s {
	case analyze.Error:
		return "error"
	case analyze.Warning:
		return "warning"
	}
	return "ok"
}

func sevWord(s analyze.Severity) string {
	return map[analyze.Severity]string{analyze.Error: "FAILED", analyze.Warning: "WARNING", analyze.Info: "OK"}[s]
}

func (h *htmlBuilder) page() (*htmlPage, error) {
	r, rd := h.r, h.rd
	p := &htmlPage{Version: versionSuffix(h.st.Version), Redacted: rd != nil, DigestNote: digestNote(r)}
	p.Clients = clientLines(r.Clients, rd)
	if p.DigestNote != "" {
		p.DigestGroups = groupLines(r, rd)
	}
	var names []string
	for _, c := range r.Captures {
		names = append(names, rd.Capture(c.Name))
		p.Captures = append(p.Captures, captureLine(c, r, rd))
	}
	p.Title = strings.Join(names, ", ")
	if len(p.Captures) > htmlOpenCaptures {
		p.Captures, p.MoreCaptures = p.Captures[:htmlOpenCaptures], p.Captures[htmlOpenCaptures:]
	}
	if len(names) > 5 {
		p.Title = fmt.Sprintf("%s and %d more captures", strings.Join(names[:5], ", "), len(names)-5)
	}

	// The sections first: the tables link the sessions that have one.
	h.drawn = map[int]bool{}
	used := 0
	for _, s := range sectionCandidates(r) {
		if len(p.Sessions) == htmlMaxSections {
			break
		}
		var b bytes.Buffer
		if err := htmlTemplate.ExecuteTemplate(&b, "session", h.session(s)); err != nil {
			return nil, err
		}
		if used+b.Len() > htmlSectionBudget {
			continue
		}
		used += b.Len()
		p.Sessions = append(p.Sessions, template.HTML(b.String()))
		h.drawn[s.ID] = true
	}
	p.LeftOut = leftOutText(r, h.drawn)

	if len(r.Sessions) == 0 {
		p.NoIKE = noIKEText(r)
	}
	h.sessions(p)
	if len(r.Orphans) > 0 {
		t := &htmlTable{Header: espHeader}
		for i, f := range r.Orphans {
			if i == maxOrphanRows {
				break
			}
			t.Rows = append(t.Rows, espRow(f, rd))
		}
		p.Orphans, p.OrphanNote, p.OrphanMeaning = t, moreOrphansText(r), orphanMeaningOf(r)
	}
	if rows, more := innerTable(r, rd); len(rows) > 0 {
		p.Inner, p.InnerNote = &htmlTable{Header: innerHeader, Rows: rows}, innerMoreText(more)
	}
	h.findings(p)
	for _, info := range settingsOf(r) {
		p.Settings = append(p.Settings, [2]string{info.Title, settingLine(info)})
	}
	return p, nil
}

// sessions fills the sessions table: a row per session that did not come up cleanly and
// per group of alike sessions, each group's sessions folded under the table.
func (h *htmlBuilder) sessions(p *htmlPage) {
	r, rd := h.r, h.rd
	if len(r.Sessions) == 0 {
		return
	}
	p.Header = append([]string{"verdict"}, sessionHeader...)
	p.Header = append(p.Header, "FINDINGS")
	if anyRolesGuessed(r) {
		p.GuessLegend = guessLegend
	}
	if len(r.Captures) > 1 {
		p.PointsLegend = pointsLegend(r, rd)
	}
	members := 0
	for i, g := range groupSessions(r, rd, maxSingleSessions) {
		if i == maxSingleSessions+maxSessionGroups {
			for _, g := range groupSessions(r, rd, maxSingleSessions)[i:] {
				p.MoreSessions += len(g.sessions)
			}
			break
		}
		if g.single() {
			p.Rows = append(p.Rows, h.sessionRow(g.sessions[0]))
			continue
		}
		id := fmt.Sprintf("group-%d", len(p.Groups)+1)
		row := htmlRow{Sev: sevClass(g.sev), Word: sevWord(g.sev), Group: fmt.Sprintf("%d sessions", len(g.sessions)), GroupID: id, Codes: g.codes}
		row.Cells = groupCells(g, r, rd)
		p.Rows = append(p.Rows, row)
		hg := htmlGroup{ID: id, Title: groupText(g)}
		for _, s := range g.sessions {
			if members == htmlMaxMemberRows {
				hg.More++
				continue
			}
			members++
			hg.Rows = append(hg.Rows, h.sessionRow(s))
		}
		p.Groups = append(p.Groups, hg)
	}
}

func (h *htmlBuilder) sessionRow(s *analyze.Session) htmlRow {
	sev := sessionVerdict(h.r, s)
	cells := sessionRow(s, h.r, h.rd)
	return htmlRow{Sev: sevClass(sev), Word: sevWord(sev), Session: s.ID, Linked: h.drawn[s.ID], Cells: cells[1:], Codes: sessionCodes(h.r, s)}
}

// groupCells are a group's cells of the sessions table (the number aside): what its
// sessions share, "various" where they differ, and the counts added up.
func groupCells(g sessionGroup, r *analyze.Result, rd *Redactor) []string {
	var cells []string
	var phase2, retrans, espI, espR int
	for i, s := range g.sessions {
		row := sessionRow(s, r, rd)[1:]
		row[0], row[1] = g.init, g.resp
		if i == 0 {
			cells = row
		}
		for j := range cells {
			if cells[j] != row[j] {
				cells[j] = "various"
			}
		}
		phase2 += s.Phase2Done
		retrans += s.Retransmits
		a, b := espCounts(s)
		espI, espR = espI+a, espR+b
	}
	n := len(cells)
	cells[n-3], cells[n-2], cells[n-1] = fmt.Sprint(phase2), fmt.Sprint(retrans), fmt.Sprintf("%d / %d", espI, espR)
	return cells
}

// findings fills the finding cards: errors and warnings, then the informational ones,
// identical findings as one card.
func (h *htmlBuilder) findings(p *htmlPage) {
	var serious, infos []analyze.Finding
	for _, f := range h.r.Findings {
		if f.Severity == analyze.Info {
			infos = append(infos, f)
		} else {
			serious = append(serious, f)
		}
	}
	cards := 0
	add := func(to *[]htmlFinding, fs []analyze.Finding) {
		for _, g := range groupFindings(fs, h.rd) {
			if cards == htmlMaxFindings {
				p.FindingsLeft += len(g.members)
				continue
			}
			cards++
			*to = append(*to, h.finding(g))
		}
	}
	add(&p.Findings, serious)
	add(&p.Infos, infos)
	p.InfoCount = len(infos)
}

func (h *htmlBuilder) finding(g findingGroup) htmlFinding {
	f, rd := g.first, h.rd
	c := htmlFinding{Sev: f.Severity.String(), Code: f.Code, Count: len(g.members), Exchange: rd.Text(f.Exchange),
		Peers: rd.Text(g.samePeers()), Summary: rd.Text(f.Summary), Cause: rd.Text(f.Cause), Next: rd.Text(f.Next)}
	if !f.Time.IsZero() {
		c.At = f.Time.In(h.st.location()).Format(absTimeLayout)
	}
	for i, id := range g.sessions() {
		if i == htmlMaxFindingRefs {
			c.MoreSess = len(g.sessions()) - i
			break
		}
		c.Sessions = append(c.Sessions, h.sessionRef(id))
	}
	if len(g.members) == 1 {
		if len(f.Frames) > 0 {
			if h.st.multi {
				c.FrameText = "frames " + findingFrames(f, h.st, rd)
			} else {
				c.Frames = h.frameRefs(f.Session, f.Frames)
			}
		}
		return c
	}
	c.Summary = fmt.Sprintf("Session %d, and the others alike: %s", f.Session, c.Summary)
	if f.Session == 0 {
		c.Summary = rd.Text(f.Summary)
	}
	for i, x := range g.members {
		if i == htmlMaxFindingRefs {
			c.MoreWhere = len(g.members) - i
			break
		}
		var parts []string
		if x.Session > 0 {
			parts = append(parts, fmt.Sprintf("session %d", x.Session))
		}
		if len(x.Frames) > 0 {
			parts = append(parts, framesWord(x, rd, h.st.multi))
		}
		if len(parts) > 0 {
			c.Where = append(c.Where, strings.Join(parts, ": "))
		}
	}
	return c
}

func (h *htmlBuilder) sessionRef(id int) htmlRef {
	ref := htmlRef{Text: fmt.Sprint(id)}
	if h.drawn[id] {
		ref.Href = fmt.Sprintf("#session-%d", id)
	}
	return ref
}

// frameRefs lists frames, each linked to its message when the page shows it.
func (h *htmlBuilder) frameRefs(session int, frames []int) []htmlRef {
	msgs := map[int]bool{}
	if h.drawn[session] {
		for _, s := range h.r.Sessions {
			if s.ID == session {
				for i, m := range s.Messages {
					if i < htmlMaxMessages {
						msgs[m.Frame] = true
					}
				}
			}
		}
	}
	var out []htmlRef
	for _, f := range strings.Fields(framesText(frames)) {
		var n int
		fmt.Sscan(f, &n)
		ref := htmlRef{Text: f}
		if msgs[n] {
			ref.Href = fmt.Sprintf("#s%d-f%d", session, n)
		}
		out = append(out, ref)
	}
	return out
}

// htmlSession is a session's section as the template sees it.
type htmlSession struct {
	ID              int
	Title, State    string
	InitName, IRole string
	RespName, RRole string
	ISPI, RSPI      string // "" when redacted
	Messages        int
	Started         string // the first message's time, with date and zone
	Over            string
	ESPI, ESPR      int
	Capture         string
	Ladder          svgLadder
	Timeline        []htmlTimelineRow
	TimelineNote    string
	Offered         *htmlTable
	Chosen          string
	HasProposals    bool
	NoneAccepted    bool
	Msgs            []htmlMsg
	MsgsLeft        int
	Dropped         int
	ESP             *htmlTable
}

type htmlTimelineRow struct {
	Frame int
	Href  string
	At    string
	Text  string
}

type htmlMsg struct {
	ID      string
	Class   string
	Frame   string
	At      string
	From    string
	Dir     string
	Label   string
	Detail  string
	Decode  string
	Kept    bool
	Carried string // when the decode was not kept
	Size    int
}

func (h *htmlBuilder) session(s *analyze.Session) htmlSession {
	r, rd := h.r, h.rd
	l := newLadder(s, r, rd)
	espI, espR := espCounts(s)
	v := htmlSession{ID: s.ID, Title: sessionTitle(s), State: rd.Text(s.State),
		InitName: l.initName, IRole: l.initRole, RespName: l.respName, RRole: l.respRole,
		Messages: len(s.Messages), Over: seconds(s.Last.Sub(s.First)), ESPI: espI, ESPR: espR,
		Started: s.First.In(h.st.location()).Format(absTimeLayout),
		Capture: rd.Capture(s.Capture), Dropped: s.MessagesDropped, TimelineNote: timelineTimeNote}
	if rd == nil {
		v.ISPI, v.RSPI = fmt.Sprint(s.InitiatorSPI), fmt.Sprint(s.ResponderSPI)
	}
	v.Ladder = newSVGLadder(l)
	v.Ladder.State = v.State
	shown := map[int]bool{}
	for i, m := range s.Messages {
		if i == htmlMaxMessages {
			v.MsgsLeft = len(s.Messages) - i
			break
		}
		shown[m.Frame] = true
	}
	if showTimeline(s) {
		for i, e := range timelineRows(r, s, rd) {
			if i == maxDiagramRows {
				break
			}
			row := htmlTimelineRow{Frame: e.frame, At: fmt.Sprintf("%.3f", e.at), Text: e.text}
			if shown[e.frame] {
				row.Href = fmt.Sprintf("#s%d-f%d", s.ID, e.frame)
			}
			v.Timeline = append(v.Timeline, row)
		}
	}
	if len(s.Offered) > 0 || s.Chosen != nil {
		v.HasProposals, v.NoneAccepted = true, s.Chosen == nil
		if len(s.Offered) > 0 {
			v.Offered = &htmlTable{Caption: "Offered by the initiator", Header: proposalHeader}
			for i, p := range s.Offered {
				v.Offered.Rows = append(v.Offered.Rows, proposalRow(i+1, p))
			}
		}
		if s.Chosen != nil {
			v.Chosen = s.Chosen.String()
		}
	}
	failFrame := -1
	for _, row := range l.rows {
		if row.failed {
			failFrame = row.msg.Frame
		}
	}
	for i, m := range s.Messages {
		if i == htmlMaxMessages {
			break
		}
		v.Msgs = append(v.Msgs, h.message(s, m, m.Frame == failFrame))
	}
	if len(s.ESP) > 0 {
		v.ESP = &htmlTable{Header: espHeader}
		for _, f := range s.ESP {
			v.ESP.Rows = append(v.ESP.Rows, espRow(f, rd))
		}
	}
	return v
}

// message is one message as a <details> block: a summary line, and the full decode.
func (h *htmlBuilder) message(s *analyze.Session, m *analyze.Msg, failed bool) htmlMsg {
	rd := h.rd
	class := "msg from-i"
	dir := "I → R"
	if !m.FromInitiator {
		class, dir = "msg from-r", "I ← R"
	}
	if m.Retransmit > 0 {
		class += " retrans"
	}
	if failed {
		class += " failed"
	}
	detail := messageDetail(m, s, rd)
	if m.Retransmit > 0 {
		detail = "same bytes again"
	}
	v := htmlMsg{ID: fmt.Sprintf("s%d-f%d", s.ID, m.Frame), Class: class, Frame: frameLabel(m, h.r),
		At: fmt.Sprintf("%.3f", m.Time.Sub(s.First).Seconds()), From: "from the " + side(m.FromInitiator), Dir: dir,
		Label: messageLabel(m, rd), Detail: detail}
	x := m.Decoded()
	if x == nil {
		v.Carried, v.Size = rd.Text(m.Payloads), m.Size
		return v
	}
	var buf bytes.Buffer
	t := newMessageTree(&buf, s.First, rd)
	t.Write(decodeMessage(m, x))
	if m.Decrypted {
		t.line(1, "decrypted (integrity %s):", m.Integrity)
		for i := range m.Inner {
			t.payload(&m.Inner[i], !m.ISAKMPIsV1())
		}
	}
	t.Flush()
	v.Kept, v.Decode = true, strings.TrimRight(buf.String(), "\n")
	return v
}

// Ladder geometry, in SVG user units. The SVG never shrinks below its CSS min-width:
// a narrow window scrolls it instead.
const (
	svgWidth   = 960
	svgLifeI   = 250 // x of the initiator's lifeline
	svgLifeR   = 890 // x of the responder's lifeline
	svgTop     = 64  // y of the first row
	svgRowH    = 46
	svgFoldH   = 30
	svgNoteH   = 34
	labelChars = 80 // characters that fit between the lifelines
)

// maxIDChars is as much of an identity as a ladder line shows: a name or DN fits; an
// identity of hundreds of bytes (a crafted or broken ID payload) is cut, decode shows it whole.
const maxIDChars = 80

// clip shortens text to n characters with an ellipsis.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// svgLadder is a ladder laid out for the "ladder" template: the two peers as lifelines,
// each message an arrow carrying its step above and its payloads below, linked to its
// decode.
type svgLadder struct {
	Session    int
	W, H       int
	Mid        int
	Peers      []svgPeer
	Rows       []svgRow
	MoreRows   int
	MoreY      int
	Failure    string
	FailY      int // the failure note's text
	FailRectY  int
	FailX      int
	FailW      int
	End        string
	EndAt      string
	EndY       int
	State      string
	Marker     string // the arrow head's id
	MarkerLink string // url(#…)
}

type svgPeer struct {
	RectX, CX, LifeX, Bottom int
	Name, Role               string
}

type svgRow struct {
	Fold     bool
	Text     string // a folded run
	Y        int
	Href     string
	Class    string
	Frame    int
	FrameTxt string
	At       string
	Title    string
	AY       int
	X1, X2   int
	Label    string
	Detail   string
}

func newSVGLadder(l *ladder) svgLadder {
	s := l.s
	rows := l.rows
	more := 0
	if len(rows) > maxDiagramRows {
		rows, more = rows[:maxDiagramRows], len(rows)-maxDiagramRows
	}
	height := svgTop
	for _, row := range rows {
		if row.kind == rowFolded {
			height += svgFoldH
		} else {
			height += svgRowH
		}
	}
	notes := 1
	if l.failure != "" {
		notes++
	}
	if more > 0 {
		notes++
	}
	height += notes*svgNoteH + 16
	v := svgLadder{Session: s.ID, W: svgWidth, H: height, Mid: (svgLifeI + svgLifeR) / 2,
		Marker: fmt.Sprintf("s%d-ah", s.ID), MarkerLink: fmt.Sprintf("url(#s%d-ah)", s.ID)}
	for _, p := range []struct {
		x          int
		name, role string
	}{{svgLifeI, l.initName, l.initRole}, {svgLifeR, l.respName, l.respRole}} {
		x := clampX(p.x - 100)
		v.Peers = append(v.Peers, svgPeer{RectX: x, CX: x + 100, LifeX: p.x, Bottom: height - 8, Name: clip(p.name, 28), Role: p.role})
	}
	y := svgTop
	for _, row := range rows {
		if row.kind == rowFolded {
			text := fmt.Sprintf("⋯ %d more messages repeat the exchange above (frames %s)", row.folded, strings.Join(row.frames, " "))
			v.Rows = append(v.Rows, svgRow{Fold: true, Text: clip(text, labelChars+10), Y: y + 18})
			y += svgFoldH
			continue
		}
		m := row.msg
		class := "msg"
		switch {
		case row.failed:
			class += " failed"
		case m.Retransmit > 0:
			class += " retrans"
		}
		if m.Response {
			class += " response"
		}
		x1, x2 := svgLifeI, svgLifeR
		if !row.fromInit {
			x1, x2 = svgLifeR, svgLifeI
		}
		full := row.label
		if row.detail != "" {
			full += " · " + row.detail
		}
		label := row.label
		if row.failed {
			label = "✖ " + label
		}
		v.Rows = append(v.Rows, svgRow{Y: y, Href: fmt.Sprintf("#s%d-f%d", s.ID, m.Frame), Class: class, Frame: m.Frame,
			FrameTxt: row.frame, At: fmt.Sprintf("%.3f", row.at), Title: fmt.Sprintf("frame %s, +%.3f s: %s", row.frame, row.at, full),
			AY: y + 24, X1: x1, X2: x2, Label: clip(label, labelChars), Detail: clip(row.detail, labelChars+8)})
		y += svgRowH
	}
	if more > 0 {
		v.MoreRows, v.MoreY = more, y+18
		y += svgNoteH
	}
	if l.failure != "" {
		v.Failure, v.FailRectY, v.FailY, v.FailX, v.FailW = clip("✖ "+l.failure, labelChars+10), y+4, y+22, svgLifeI-20, svgLifeR-svgLifeI+40
		y += svgNoteH
	}
	v.End, v.EndAt, v.EndY = clip(l.end, labelChars+10), fmt.Sprintf("%.3f", l.endAt), y+20
	return v
}

func clampX(x int) int {
	if x < 130 {
		return 130
	}
	if x+200 > svgWidth-4 {
		return svgWidth - 204
	}
	return x
}

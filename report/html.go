package report

import (
	"bufio"
	"bytes"
	"fmt"
	"html"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/ikescope/ikescope/analyze"
)

// WriteHTML writes the report as one self-contained page: no external scripts, fonts or
// styles (a Content-Security-Policy forbids loading any), the ladders drawn as inline SVG,
// every message expandable to its full decode, and frame numbers everywhere so the reader
// can open the same packets in Wireshark. The page works without JavaScript; a few lines
// of inline script open a message when its ladder arrow or frame number is followed.
func WriteHTML(w io.Writer, r *analyze.Result, st Style) error {
	rd := st.redactor(r)
	st.multi = len(r.Captures) > 1
	bw := bufio.NewWriter(w)
	h := &htmlWriter{w: bw, r: r, rd: rd, st: st}
	h.page(st)
	return bw.Flush()
}

type htmlWriter struct {
	w  *bufio.Writer
	r  *analyze.Result
	rd *Redactor
	st Style
}

func esc(s string) string { return html.EscapeString(s) }

func (h *htmlWriter) printf(format string, args ...any) { fmt.Fprintf(h.w, format, args...) }

func (h *htmlWriter) page(st Style) {
	r, rd := h.r, h.rd
	var names []string
	for _, c := range r.Captures {
		names = append(names, rd.Capture(c.Name))
	}
	h.printf("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	h.printf("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	h.printf("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n")
	h.printf("<meta name=\"generator\" content=\"ikescope%s\">\n", esc(versionSuffix(st.Version)))
	h.printf("<title>ikescope report: %s</title>\n", esc(strings.Join(names, ", ")))
	h.printf("<script>%s</script>\n", htmlErrorTrap)
	h.printf("<style>%s</style>\n</head>\n<body>\n", htmlCSS)

	h.printf("<header class=\"top\">\n<h1>ikescope report</h1>\n<ul class=\"captures\">\n")
	for _, c := range r.Captures {
		h.printf("<li>%s</li>\n", esc(captureLine(c, r, rd)))
	}
	h.printf("</ul>\n")
	if rd != nil {
		h.printf("<p class=\"redacted\">Redacted for sharing: addresses, identities, certificate names and SPIs are pseudonyms (the same one each time); hashes, nonces, key exchange data and signatures are left out.</p>\n")
	}
	h.printf("<p class=\"tools\"><button type=\"button\" id=\"expand\">Expand all messages</button> <button type=\"button\" id=\"collapse\">Collapse all</button></p>\n")
	h.printf("</header>\n<main>\n")

	h.sessions()
	h.findings()
	detailed := detailedSessions(r)
	for _, s := range detailed {
		h.session(s)
	}
	if note := notDetailedText(r, len(detailed)); note != "" {
		h.printf("<p class=\"note\">%s</p>\n", esc(note))
	}
	h.printf("</main>\n<footer>Written by ikescope%s. Frame numbers are those Wireshark shows for the same capture.</footer>\n", esc(versionSuffix(st.Version)))
	h.printf("<script>%s</script>\n</body>\n</html>\n", htmlScript)
}

// sessions writes the verdict per session and the sessions table.
func (h *htmlWriter) sessions() {
	r, rd := h.r, h.rd
	h.printf("<section id=\"sessions\">\n<h2>Sessions</h2>\n")
	if len(r.Sessions) == 0 {
		h.printf("<p class=\"no-ike\">%s</p>\n</section>\n", esc(noIKEText(r)))
		h.orphans()
		return
	}
	h.printf("<ul class=\"verdicts\">\n")
	for _, s := range r.Sessions {
		sev := verdict(r, s)
		if !s.Established && sev < analyze.Warning {
			sev = analyze.Warning
		}
		word := map[analyze.Severity]string{analyze.Error: "FAILED", analyze.Warning: "WARNING", analyze.Info: "OK"}[sev]
		var codes []string
		seen := map[string]bool{}
		for _, f := range sessionFindings(r, s.ID) {
			if f.Severity >= analyze.Warning && !seen[f.Code] {
				seen[f.Code] = true
				codes = append(codes, "<code>"+esc(f.Code)+"</code>")
			}
		}
		guessed := ""
		if !s.RolesKnown {
			guessed = " <span class=\"guess\">(roles guessed)</span>"
		}
		h.printf("<li class=\"%s\"><span class=\"badge %s\">%s</span> <a href=\"#session-%d\">Session %d</a> <span class=\"peers\">%s → %s</span>%s · %s · <strong>%s</strong>",
			sevClass(sev), sevClass(sev), word, s.ID, s.ID, esc(rd.AddrPort(s.Initiator)), esc(rd.AddrPort(s.Responder)), guessed, esc(sessionTitle(s)), esc(rd.Text(s.State)))
		if len(codes) > 0 {
			h.printf(" · %s", strings.Join(codes, ", "))
		}
		h.printf("</li>\n")
	}
	h.printf("</ul>\n<div class=\"scroll\"><table class=\"sessions\">\n<thead><tr>")
	for _, c := range sessionHeader {
		h.printf("<th>%s</th>", esc(c))
	}
	h.printf("</tr></thead>\n<tbody>\n")
	for _, s := range r.Sessions {
		h.printf("<tr>")
		for i, c := range sessionRow(s, r, rd) {
			if i == 0 {
				h.printf("<td><a href=\"#session-%d\">%s</a></td>", s.ID, esc(c))
				continue
			}
			h.printf("<td>%s</td>", esc(c))
		}
		h.printf("</tr>\n")
	}
	h.printf("</tbody>\n</table></div>\n")
	if anyRolesGuessed(r) {
		h.printf("<p class=\"legend\">%s</p>\n", esc(guessLegend))
	}
	if len(r.Captures) > 1 {
		h.printf("<p class=\"legend\">%s</p>\n", esc(pointsLegend(r, h.rd)))
	}
	h.printf("</section>\n")
	h.orphans()
}

// orphans lists the ESP flows tied to no IKE SA, with what that means.
func (h *htmlWriter) orphans() {
	if len(h.r.Orphans) == 0 {
		return
	}
	h.printf("<section id=\"esp-without-ike\">\n<h2>ESP without IKE</h2>\n<p>%s</p>\n", esc(orphanMeaning))
	h.printf("<div class=\"scroll\"><table class=\"esp orphans\"><thead><tr>")
	for _, c := range espHeader {
		h.printf("<th>%s</th>", esc(c))
	}
	h.printf("</tr></thead><tbody>\n")
	for _, f := range h.r.Orphans {
		h.printf("<tr>")
		for _, c := range espRow(f, h.rd) {
			h.printf("<td>%s</td>", esc(c))
		}
		h.printf("</tr>\n")
	}
	h.printf("</tbody></table></div>\n</section>\n")
}

// timeline writes a session's life as a table, each frame linked to its message.
func (h *htmlWriter) timeline(s *analyze.Session) {
	h.printf("<h3>Timeline</h3>\n<div class=\"scroll\"><table class=\"timeline\"><caption>Times in %s</caption><thead><tr><th>frame</th><th>time (s)</th><th>event</th></tr></thead><tbody>\n", esc(timelineTimeNote))
	for _, row := range timelineRows(h.r, s, h.rd) {
		h.printf("<tr><td>%s</td><td class=\"t\">%.3f</td><td>%s</td></tr>\n", h.frameLink(s, row.frame), row.at, esc(row.text))
	}
	h.printf("</tbody></table></div>\n")
}

// frameLink is a frame number linked to the session's message in it, when there is one.
func (h *htmlWriter) frameLink(s *analyze.Session, frame int) string {
	for _, m := range s.Messages {
		if m.Frame == frame {
			return fmt.Sprintf("<a href=\"#s%d-f%d\">%d</a>", s.ID, frame, frame)
		}
	}
	return fmt.Sprint(frame)
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

// findings writes errors and warnings in full and the informational ones folded.
func (h *htmlWriter) findings() {
	h.printf("<section id=\"findings\">\n<h2>Findings</h2>\n")
	if len(h.r.Findings) == 0 {
		h.printf("<p>None.</p>\n")
	}
	var infos []analyze.Finding
	for _, f := range h.r.Findings {
		if f.Severity == analyze.Info {
			infos = append(infos, f)
			continue
		}
		h.finding(f)
	}
	if len(infos) > 0 {
		h.printf("<details class=\"infos\"><summary>%d informational finding%s</summary>\n", len(infos), plural(len(infos)))
		for _, f := range infos {
			h.finding(f)
		}
		h.printf("</details>\n")
	}
	if settings := settingsOf(h.r); len(settings) > 0 {
		h.printf("<h3>Where to look</h3>\n<dl class=\"settings\">\n")
		for _, info := range settings {
			h.printf("<dt>%s</dt><dd>%s</dd>\n", esc(info.Title), esc(settingLine(info)))
		}
		h.printf("</dl>\n")
	}
	h.printf("</section>\n")
}

func (h *htmlWriter) finding(f analyze.Finding) {
	rd := h.rd
	sev := f.Severity.String()
	h.printf("<article class=\"finding %s\" data-code=\"%s\">\n<header><span class=\"badge %s\">%s</span> <code>%s</code>",
		esc(sev), esc(f.Code), esc(sev), esc(strings.ToUpper(sev)), esc(f.Code))
	if f.Session > 0 {
		h.printf(" · <a href=\"#session-%d\">session %d</a>", f.Session, f.Session)
	}
	if f.Exchange != "" {
		h.printf(" · %s", esc(rd.Text(f.Exchange)))
	}
	if len(f.Frames) > 0 {
		if h.st.multi {
			h.printf(" · frames %s", esc(findingFrames(f, h.st, h.rd)))
		} else {
			h.printf(" · %s", h.frameLinks(f.Session, f.Frames))
		}
	}
	h.printf("</header>\n<p class=\"summary\">%s</p>\n", esc(rd.Text(f.Summary)))
	if f.Cause != "" {
		h.printf("<p><strong>Likely cause:</strong> %s</p>\n", esc(rd.Text(f.Cause)))
	}
	if f.Next != "" {
		h.printf("<p><strong>Next steps:</strong> %s</p>\n", esc(rd.Text(f.Next)))
	}
	h.printf("</article>\n")
}

// frameLinks lists frames, each linked to its message when the session shows it.
func (h *htmlWriter) frameLinks(session int, frames []int) string {
	msgs := map[int]bool{}
	for _, s := range h.r.Sessions {
		if s.ID == session {
			for _, m := range s.Messages {
				msgs[m.Frame] = true
			}
		}
	}
	word := "frames"
	if len(frames) == 1 {
		word = "frame"
	}
	var parts []string
	for _, f := range strings.Fields(framesText(frames)) {
		var n int
		fmt.Sscan(f, &n)
		if msgs[n] {
			parts = append(parts, fmt.Sprintf("<a href=\"#s%d-f%d\">%d</a>", session, n, n))
		} else {
			parts = append(parts, f)
		}
	}
	return word + " " + strings.Join(parts, " ")
}

// session writes a session's section: the ladder, the proposals, every message with its
// decode, and the ESP flows.
func (h *htmlWriter) session(s *analyze.Session) {
	rd := h.rd
	l := newLadder(s, h.r, rd)
	h.printf("<section class=\"session\" id=\"session-%d\">\n<h2>Session %d · %s · %s</h2>\n", s.ID, s.ID, esc(sessionTitle(s)), esc(rd.Text(s.State)))
	espI, espR := espCounts(s)
	h.printf("<p class=\"meta\"><span class=\"peers\">%s</span> (%s) → <span class=\"peers\">%s</span> (%s)", esc(l.initName), l.initRole, esc(l.respName), l.respRole)
	if rd == nil {
		h.printf(" · SPIs <code>%s</code> / <code>%s</code>", s.InitiatorSPI, s.ResponderSPI)
	}
	h.printf(" · %d message%s over %s · ESP %d / %d packets · capture %s</p>\n", len(s.Messages), plural(len(s.Messages)), esc(seconds(s.Last.Sub(s.First))), espI, espR, esc(rd.Capture(s.Capture)))
	h.ladderSVG(l)
	if showTimeline(s) {
		h.timeline(s)
	}
	h.proposals(s)
	h.printf("<h3>Messages</h3>\n<div class=\"messages\">\n")
	failFrame := -1
	for _, row := range l.rows {
		if row.failed {
			failFrame = row.msg.Frame
		}
	}
	for _, m := range s.Messages {
		h.message(s, m, m.Frame == failFrame)
	}
	if s.MessagesDropped > 0 {
		h.printf("<p class=\"note\">%d more messages were not kept.</p>\n", s.MessagesDropped)
	}
	h.printf("</div>\n")
	if len(s.ESP) > 0 {
		h.printf("<h3>ESP flows</h3>\n<div class=\"scroll\"><table class=\"esp\"><thead><tr>")
		for _, c := range espHeader {
			h.printf("<th>%s</th>", esc(c))
		}
		h.printf("</tr></thead><tbody>\n")
		for _, f := range s.ESP {
			h.printf("<tr>")
			for _, c := range espRow(f, rd) {
				h.printf("<td>%s</td>", esc(c))
			}
			h.printf("</tr>\n")
		}
		h.printf("</tbody></table></div>\n")
	}
	h.printf("</section>\n")
}

// message writes one message as a <details> block: a summary line, and the full decode.
func (h *htmlWriter) message(s *analyze.Session, m *analyze.Msg, failed bool) {
	rd := h.rd
	class := "msg"
	if m.FromInitiator {
		class += " from-i"
	} else {
		class += " from-r"
	}
	if m.Retransmit > 0 {
		class += " retrans"
	}
	if failed {
		class += " failed"
	}
	dir := "I → R"
	if !m.FromInitiator {
		dir = "I ← R"
	}
	detail := messageDetail(m, s, rd)
	if m.Retransmit > 0 {
		detail = "same bytes again"
	}
	h.printf("<details class=\"%s\" id=\"s%d-f%d\"><summary><span class=\"frame\">frame %s</span> <span class=\"t\">%.3f s</span> <span class=\"dir\" title=\"%s\">%s</span> <b>%s</b> <span class=\"detail\">%s</span></summary>\n",
		class, s.ID, m.Frame, frameLabel(m, h.r), m.Time.Sub(s.First).Seconds(), "from the "+side(m.FromInitiator), dir, esc(messageLabel(m, rd)), esc(detail))
	if m.ISAKMP == nil {
		h.printf("<p class=\"note\">The full decode of this message was not kept (its session ended cleanly while the capture went on). It carried: %s, %d bytes.</p>\n", esc(rd.Text(m.Payloads)), m.Size)
	} else {
		var buf bytes.Buffer
		t := newMessageTree(&buf, s.First, rd)
		t.Write(decodeMessage(m))
		if m.Decrypted {
			t.line(1, "decrypted (integrity %s):", m.Integrity)
			for i := range m.Inner {
				t.payload(&m.Inner[i], !m.ISAKMPIsV1())
			}
		}
		t.Flush()
		h.printf("<pre class=\"decode\">%s</pre>\n", esc(strings.TrimRight(buf.String(), "\n")))
	}
	h.printf("</details>\n")
}

// proposals writes the Phase 1 proposals offered and accepted.
func (h *htmlWriter) proposals(s *analyze.Session) {
	if len(s.Offered) == 0 && s.Chosen == nil {
		return
	}
	h.printf("<details class=\"proposals\" open><summary>Proposals: %d offered, %s</summary>\n", len(s.Offered), map[bool]string{true: "one accepted", false: "none accepted"}[s.Chosen != nil])
	if len(s.Offered) > 0 {
		h.printf("<div class=\"scroll\"><table class=\"proposals\"><caption>Offered by the initiator</caption><thead><tr>")
		for _, c := range proposalHeader {
			h.printf("<th>%s</th>", esc(c))
		}
		h.printf("</tr></thead><tbody>\n")
		for i, p := range s.Offered {
			h.printf("<tr>")
			for _, c := range proposalRow(i+1, p) {
				h.printf("<td>%s</td>", esc(c))
			}
			h.printf("</tr>\n")
		}
		h.printf("</tbody></table></div>\n")
	}
	if s.Chosen != nil {
		h.printf("<p>Accepted by the responder: <strong>%s</strong></p>\n", esc(s.Chosen.String()))
	}
	h.printf("</details>\n")
}

// Ladder geometry, in SVG user units.
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

// clip shortens text to n characters with an ellipsis.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// ladderSVG draws a ladder as inline SVG: the two peers as lifelines, each message an
// arrow carrying its step above and its payloads below, linked to its decode.
func (h *htmlWriter) ladderSVG(l *ladder) {
	s := l.s
	height := svgTop
	for _, row := range l.rows {
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
	height += notes*svgNoteH + 16
	id := fmt.Sprintf("s%d", s.ID)
	h.printf("<figure class=\"ladder\">\n<svg class=\"ladder\" id=\"ladder-%d\" viewBox=\"0 0 %d %d\" width=\"%d\" role=\"img\" aria-label=\"Message ladder of session %d\">\n",
		s.ID, svgWidth, height, svgWidth, s.ID)
	h.printf("<defs><marker id=\"%s-ah\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"context-stroke\"/></marker></defs>\n", id)
	// Peers and lifelines.
	for _, p := range []struct {
		x    int
		name string
		role string
	}{{svgLifeI, l.initName, l.initRole}, {svgLifeR, l.respName, l.respRole}} {
		h.printf("<g class=\"peer\"><rect x=\"%d\" y=\"6\" width=\"200\" height=\"36\" rx=\"6\"/><text x=\"%d\" y=\"21\" text-anchor=\"middle\" class=\"peer-name\">%s</text><text x=\"%d\" y=\"36\" text-anchor=\"middle\" class=\"peer-role\">%s</text></g>\n",
			clampX(p.x-100), clampX(p.x-100)+100, esc(clip(p.name, 28)), clampX(p.x-100)+100, p.role)
		h.printf("<line class=\"life\" x1=\"%d\" y1=\"42\" x2=\"%d\" y2=\"%d\"/>\n", p.x, p.x, height-8)
	}
	h.printf("<text x=\"8\" y=\"56\" class=\"colhead\">frame</text><text x=\"120\" y=\"56\" class=\"colhead\" text-anchor=\"end\">time (s)</text>\n")
	y := svgTop
	for _, row := range l.rows {
		if row.kind == rowFolded {
			text := fmt.Sprintf("⋯ %d more messages repeat the exchange above (frames %s)", row.folded, framesText(row.frames))
			h.printf("<g class=\"fold\"><text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text></g>\n", (svgLifeI+svgLifeR)/2, y+18, esc(clip(text, labelChars+10)))
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
		ay := y + 24
		full := row.label
		if row.detail != "" {
			full += " · " + row.detail
		}
		h.printf("<a href=\"#s%d-f%d\"><g class=\"%s\" data-frame=\"%d\"><title>frame %s, +%.3f s: %s</title>", s.ID, m.Frame, class, m.Frame, row.frame, row.at, esc(full))
		h.printf("<rect class=\"hit\" x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\"/>", y, svgWidth, svgRowH)
		h.printf("<text x=\"8\" y=\"%d\" class=\"frame\">%s</text><text x=\"120\" y=\"%d\" class=\"time\" text-anchor=\"end\">%.3f</text>", ay+4, row.frame, ay+4, row.at)
		h.printf("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" marker-end=\"url(#%s-ah)\"/>", x1, ay, x2, ay, id)
		mid := (svgLifeI + svgLifeR) / 2
		label := row.label
		if row.failed {
			label = "✖ " + label
		}
		h.printf("<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"label\">%s</text>", mid, ay-6, esc(clip(label, labelChars)))
		if row.detail != "" {
			h.printf("<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"detail\">%s</text>", mid, ay+15, esc(clip(row.detail, labelChars+8)))
		}
		h.printf("</g></a>\n")
		y += svgRowH
	}
	if l.failure != "" {
		h.printf("<g class=\"note failure\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"26\" rx=\"4\"/><text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text></g>\n",
			svgLifeI-20, y+4, svgLifeR-svgLifeI+40, (svgLifeI+svgLifeR)/2, y+22, esc(clip("✖ "+l.failure, labelChars+10)))
		y += svgNoteH
	}
	h.printf("<g class=\"note end\"><text x=\"120\" y=\"%d\" class=\"time\" text-anchor=\"end\">%.3f</text><text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text></g>\n",
		y+20, l.endAt, (svgLifeI+svgLifeR)/2, y+20, esc(clip(l.end, labelChars+10)))
	h.printf("</svg>\n<figcaption>Session %d: %s. Select an arrow for the message's full decode.</figcaption>\n</figure>\n", s.ID, esc(h.rd.Text(s.State)))
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

// htmlErrorTrap records script errors on the page itself, where a test (or a curious
// reader) can see them.
const htmlErrorTrap = `window.addEventListener("error",function(e){var h=document.documentElement;h.setAttribute("data-errors",(h.getAttribute("data-errors")||"")+(e.message||"error")+"\n");});`

// htmlScript opens a message's decode when a ladder arrow or a frame number links to it,
// and wires the expand/collapse buttons. The page is complete without it.
const htmlScript = `(function(){
function openTarget(){var id=decodeURIComponent(location.hash.slice(1));if(!id)return;var el=document.getElementById(id);if(el&&el.tagName==="DETAILS"){el.open=true;}}
window.addEventListener("hashchange",openTarget);openTarget();
function all(open){var ds=document.querySelectorAll("details.msg");for(var i=0;i<ds.length;i++){ds[i].open=open;}}
document.getElementById("expand").addEventListener("click",function(){all(true);});
document.getElementById("collapse").addEventListener("click",function(){all(false);});
document.documentElement.setAttribute("data-ready","1");
})();`

const htmlCSS = `
:root{--fg:#1d2327;--muted:#5f6b73;--line:#c9d1d6;--bg:#fff;--panel:#f5f7f8;--error:#c62828;--warning:#a15c00;--info:#1565c0;--ok:#2e7d32;--retrans:#d9822b}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
header.top,main,footer{max-width:1100px;margin:0 auto;padding:0 20px}
h1{font-size:1.6em;margin:18px 0 6px}
h2{font-size:1.3em;margin:28px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:1.05em;margin:18px 0 8px}
code,pre,.peers,.frame,.t{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:.92em}
ul.captures{margin:0;padding-left:18px;color:var(--muted)}
.redacted{background:#fff8e1;border:1px solid #f0d58c;padding:6px 10px;border-radius:4px}
.tools button{font:inherit;font-size:.85em;padding:2px 10px;border:1px solid var(--line);background:var(--panel);border-radius:4px;cursor:pointer}
.badge{display:inline-block;font-size:.75em;font-weight:700;letter-spacing:.04em;padding:1px 7px;border-radius:3px;color:#fff;background:var(--muted);vertical-align:1px}
.badge.error{background:var(--error)}.badge.warning{background:var(--warning)}.badge.info{background:var(--info)}.badge.ok{background:var(--ok)}
ul.verdicts{list-style:none;padding:0}
ul.verdicts li{padding:4px 0}
.scroll{overflow-x:auto}
table{border-collapse:collapse;margin:6px 0 12px;font-size:.9em}
th,td{border:1px solid var(--line);padding:3px 8px;text-align:left;white-space:nowrap}
th{background:var(--panel)}
caption{text-align:left;color:var(--muted);padding:2px 0}
article.finding{border:1px solid var(--line);border-left:5px solid var(--muted);border-radius:4px;padding:8px 14px;margin:10px 0;background:var(--bg)}
article.finding.error{border-left-color:var(--error)}article.finding.warning{border-left-color:var(--warning)}article.finding.info{border-left-color:var(--info)}
article.finding header{font-weight:600}
article.finding p{margin:6px 0}
article.finding .summary{font-size:1.02em}
details.infos>summary,details.proposals>summary{cursor:pointer;color:var(--muted);margin:8px 0}
section.session{margin-top:34px}
p.meta{color:var(--muted);margin-top:0}
figure.ladder{margin:10px 0;overflow-x:auto;border:1px solid var(--line);border-radius:4px;background:#fcfdfd}
figure.ladder figcaption{font-size:.85em;color:var(--muted);padding:4px 10px;border-top:1px solid var(--line)}
svg.ladder{display:block;max-width:100%;height:auto;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
svg.ladder .peer rect{fill:var(--panel);stroke:var(--line)}
svg.ladder .peer-name{font:600 13px ui-monospace,Menlo,Consolas,monospace;fill:var(--fg)}
svg.ladder .peer-role{font-size:11px;fill:var(--muted)}
svg.ladder .life{stroke:var(--line);stroke-width:2;stroke-dasharray:4 4}
svg.ladder .colhead{font-size:11px;fill:var(--muted)}
svg.ladder .msg line{stroke:var(--fg);stroke-width:1.6}
svg.ladder .msg.response line{stroke-dasharray:7 4}
svg.ladder .msg.retrans line{stroke:var(--retrans)}
svg.ladder .msg.failed line{stroke:var(--error);stroke-width:2.4}
svg.ladder .msg .hit{fill:transparent}
svg.ladder a:hover .hit{fill:#eef4fb}
svg.ladder .label{font-size:13px;font-weight:600;fill:var(--fg)}
svg.ladder .msg.retrans .label{fill:var(--retrans)}
svg.ladder .msg.failed .label{fill:var(--error)}
svg.ladder .detail{font-size:11.5px;fill:var(--muted)}
svg.ladder .frame,svg.ladder .time{font:12px ui-monospace,Menlo,Consolas,monospace;fill:var(--muted)}
svg.ladder .fold text{font-size:12px;fill:var(--muted);font-style:italic}
svg.ladder .note.failure rect{fill:#fdecea;stroke:var(--error)}
svg.ladder .note.failure text{font-size:13px;font-weight:600;fill:var(--error)}
svg.ladder .note.end text{font-size:12px;fill:var(--muted)}
.messages details.msg{border:1px solid var(--line);border-radius:4px;margin:4px 0;background:var(--bg)}
.messages details.msg>summary{cursor:pointer;padding:4px 10px;list-style-position:inside;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.messages details.msg.from-r>summary{background:#f7f9fb}
.messages details.msg.retrans>summary b{color:var(--retrans)}
.messages details.msg.failed{border-color:var(--error)}
.messages details.msg.failed>summary b{color:var(--error)}
.messages details.msg:target{outline:2px solid var(--info)}
.messages .frame{display:inline-block;min-width:6.5em;color:var(--muted)}
.messages .t{display:inline-block;min-width:6em;text-align:right;margin-right:.8em;color:var(--muted)}
.messages .dir{display:inline-block;min-width:4.5em;color:var(--muted);font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em}
.messages .detail{color:var(--muted)}
pre.decode{margin:0;padding:8px 12px;border-top:1px solid var(--line);background:var(--panel);overflow-x:auto;font-size:12.5px;line-height:1.45}
p.note{color:var(--muted);font-style:italic;padding:0 10px}
p.legend,.guess{color:var(--muted);font-size:.9em}
table.timeline td.t{text-align:right}
footer{color:var(--muted);font-size:.85em;margin:30px auto 24px;border-top:1px solid var(--line);padding-top:8px}
@media print{.tools{display:none}figure.ladder{overflow:visible}}
`

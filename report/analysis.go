package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/decode"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// AnalysisSchemaVersion is the version of `ikescope analyze -f json`, documented in
// docs/analyze-json.md.
const AnalysisSchemaVersion = 1

// Style says how the terminal report may draw.
type Style struct {
	// Boxes allows box-drawing characters and arrows (a terminal); otherwise plain ASCII.
	Boxes bool
	// Width wraps prose at this many columns; 0 means 100.
	Width int
}

func (st Style) width() int {
	if st.Width <= 0 {
		return 100
	}
	return st.Width
}

// WriteAnalysisJSON writes the analysis as one JSON document.
func WriteAnalysisJSON(w io.Writer, r *analyze.Result) error {
	doc := struct {
		SchemaVersion int                `json:"schema_version"`
		Captures      []analyze.Capture  `json:"captures"`
		Sessions      []*analyze.Session `json:"sessions"`
		Findings      []analyze.Finding  `json:"findings"`
		Orphans       []*analyze.ESPFlow `json:"orphan_esp_flows"`
	}{AnalysisSchemaVersion, r.Captures, r.Sessions, r.Findings, r.Orphans}
	if doc.Sessions == nil {
		doc.Sessions = []*analyze.Session{}
	}
	if doc.Findings == nil {
		doc.Findings = []analyze.Finding{}
	}
	if doc.Orphans == nil {
		doc.Orphans = []*analyze.ESPFlow{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// WriteText writes the report people read on a terminal: what was captured, the sessions,
// the findings (most severe first), and the message ladder of every session that failed.
func WriteText(w io.Writer, r *analyze.Result, st Style) error {
	bw := bufio.NewWriter(w)
	for _, c := range r.Captures {
		fmt.Fprintln(bw, CaptureLine(c, r))
	}
	fmt.Fprintln(bw)
	if len(r.Sessions) == 0 {
		fmt.Fprintln(bw, "No IKE negotiation in the capture.")
	} else {
		fmt.Fprintln(bw, "SESSIONS")
		writeSessionTable(bw, r, st)
	}
	fmt.Fprintln(bw)
	if len(r.Findings) == 0 {
		fmt.Fprintln(bw, "FINDINGS: none")
	} else {
		fmt.Fprintln(bw, "FINDINGS")
		for _, f := range r.Findings {
			writeFinding(bw, f, st)
		}
	}
	for _, s := range r.Sessions {
		if !s.Failed && s.Established {
			continue
		}
		fmt.Fprintln(bw)
		WriteLadder(bw, s, st)
	}
	return bw.Flush()
}

// CaptureLine is the first line of a report: "x.pcap: 14 packets over 8.1 s · 1 IKE SA · no ESP".
func CaptureLine(c analyze.Capture, r *analyze.Result) string {
	n := 0
	for _, s := range r.Sessions {
		if s.Capture == c.Name {
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
	return fmt.Sprintf("%s: %d packets over %s · %d IKE messages · %d %s · %s", c.Name, c.Frames, seconds(c.Duration), c.Messages, n, sa, esp)
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

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

// SessionRow is a session as the sessions table shows it.
func SessionRow(s *analyze.Session) []string {
	proposal := "-"
	if s.Chosen != nil {
		proposal = s.Chosen.String()
	} else if len(s.Offered) > 0 {
		proposal = "none agreed"
	}
	auth := s.Auth
	if auth == "" {
		auth = "-"
	}
	mode := s.Mode
	if mode == "IKEv2" || mode == "" {
		mode = "-"
	}
	var espI, espR int
	for _, f := range s.ESP {
		if f.FromInitiator {
			espI += f.Packets
		} else {
			espR += f.Packets
		}
	}
	return []string{
		fmt.Sprint(s.ID),
		s.Initiator.String(),
		s.Responder.String(),
		fmt.Sprintf("v%d", s.Version),
		mode,
		auth,
		proposal,
		s.State,
		fmt.Sprint(s.Phase2Done),
		fmt.Sprint(s.Retransmits),
		fmt.Sprintf("%d / %d", espI, espR),
	}
}

func writeSessionTable(w io.Writer, r *analyze.Result, st Style) {
	t := newTable(w, st)
	t.Header([]string{"#", "INITIATOR", "RESPONDER", "IKE", "MODE", "AUTH", "PROPOSAL AGREED", "STATE", "PHASE 2", "RETRANS", "ESP I→R/R→I"})
	for _, s := range r.Sessions {
		t.Append(SessionRow(s))
	}
	t.Render()
}

func writeFinding(w io.Writer, f analyze.Finding, st Style) {
	where := []string{f.Code}
	if f.Session > 0 {
		where = append(where, fmt.Sprintf("session %d", f.Session))
	}
	if len(f.Frames) > 0 {
		where = append(where, "frames "+framesText(f.Frames))
	}
	fmt.Fprintf(w, " %-7s %s\n", strings.ToUpper(f.Severity.String()), strings.Join(where, " · "))
	wrap(w, "   ", f.Summary, st.width())
	wrap(w, "   ", "Likely cause: "+f.Cause, st.width())
	wrap(w, "   ", "Next: "+f.Next, st.width())
}

func framesText(frames []int) string {
	fs := append([]int(nil), frames...)
	sort.Ints(fs)
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = fmt.Sprint(f)
	}
	return strings.Join(parts, " ")
}

// wrap writes text word-wrapped at width with an indent.
func wrap(w io.Writer, indent, text string, width int) {
	line := indent
	for _, word := range strings.Fields(text) {
		if len(line) > len(indent) && len(line)+1+len(word) > width {
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

// MessageText describes a message for the ladder: its step and what it carries.
func MessageText(m *analyze.Msg) string {
	var b strings.Builder
	b.WriteString(m.Step)
	if m.Fragment != "" {
		b.WriteString(" fragment " + m.Fragment)
	}
	if m.Retransmit > 0 {
		fmt.Fprintf(&b, " retransmission %d (+%.1f s)", m.Retransmit, m.Interval.Seconds())
		return b.String()
	}
	b.WriteString("  ")
	b.WriteString(payloadText(m))
	if m.Fragments != nil {
		if m.Fragments.Complete {
			fmt.Fprintf(&b, " · %d IP fragments", len(m.Fragments.Frames))
		} else {
			fmt.Fprintf(&b, " · IP fragments MISSING (%d of %d bytes)", m.Fragments.Received, m.Fragments.Total)
		}
	}
	return b.String()
}

// payloadText summarises what a message carries: "SA(2) KE NONCE VID×5", "encrypted (80 bytes)".
func payloadText(m *analyze.Msg) string {
	x := m.ISAKMP
	if x == nil {
		return m.Payloads
	}
	if x.Encrypted != nil {
		return fmt.Sprintf("encrypted (%d bytes)", len(x.Encrypted.Data))
	}
	var parts []string
	v2 := x.IsV2()
	vids := 0
	for _, p := range x.Payloads {
		switch {
		case p.VendorID != nil:
			vids++
			continue
		case p.SA != nil:
			parts = append(parts, fmt.Sprintf("SA(%d)", len(p.SA.Proposals)))
		case p.Notify != nil:
			parts = append(parts, "N("+decode.NotifyName(v2, p.Notify.Type)+")")
		case p.Encrypted != nil:
			e := p.Encrypted
			frag := ""
			if e.TotalFragments > 0 {
				frag = fmt.Sprintf(" fragment %d/%d", e.FragmentNumber, e.TotalFragments)
			}
			parts = append(parts, fmt.Sprintf("encrypted%s: %s… (%d bytes)", frag, e.FirstPayload, len(e.Data)))
		default:
			parts = append(parts, p.Type.String())
		}
	}
	if vids > 0 {
		parts = append(parts, fmt.Sprintf("VID×%d", vids))
	}
	return strings.Join(parts, " ")
}

// WriteLadder draws a session's messages between its two peers, the way an expert draws
// a tcpdump by hand: time, step, and an arrow for the direction.
func WriteLadder(w io.Writer, s *analyze.Session, st Style) {
	right, left := "-->", "<--"
	if st.Boxes {
		right, left = "──▶", "◀──"
	}
	fmt.Fprintf(w, "LADDER · session %d\n", s.ID)
	col := 56
	fmt.Fprintf(w, "          %-*s %s\n", col, s.Initiator.Addr().String()+" (initiator)", s.Responder.Addr().String()+" (responder)")
	start := s.First
	for _, m := range s.Messages {
		text := MessageText(m)
		t := m.Time.Sub(start).Seconds()
		if m.FromInitiator {
			fmt.Fprintf(w, "  %7.3f  %-*s %s  [%d]\n", t, col, text, right, m.Frame)
		} else {
			fmt.Fprintf(w, "  %7.3f  %*s %s  [%d]\n", t, col+len(right)-len([]rune(right)), left, text, m.Frame)
		}
	}
	if s.MessagesDropped > 0 {
		fmt.Fprintf(w, "           ... %d more messages not shown\n", s.MessagesDropped)
	}
	var tail []string
	if !s.Established {
		tail = append(tail, "not established")
	}
	if len(s.ESP) == 0 {
		tail = append(tail, "no ESP")
	}
	end := s.Last.Sub(start).Seconds()
	if len(tail) > 0 {
		fmt.Fprintf(w, "  %7.3f  last message; %s\n", end, strings.Join(tail, ", "))
	}
}

// WriteSummary prints one line per session, for cron jobs and monitoring.
func WriteSummary(w io.Writer, r *analyze.Result) error {
	bw := bufio.NewWriter(w)
	for _, s := range r.Sessions {
		worst := "ok"
		codes := []string{}
		for _, f := range r.Findings {
			if f.Session == s.ID && f.Severity >= analyze.Warning {
				codes = append(codes, f.Code)
				if f.Severity == analyze.Error {
					worst = "error"
				} else if worst == "ok" {
					worst = "warning"
				}
			}
		}
		fmt.Fprintf(bw, "%s session=%d ikev%d %s -> %s state=%q findings=%s\n", worst, s.ID, s.Version, s.Initiator, s.Responder, s.State, strings.Join(codes, ","))
	}
	return bw.Flush()
}

package report

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/decode"
)

// A ladder is a session's messages between its two peers, the way an expert draws a
// tcpdump by hand. Every format draws the same rows: the terminal as text, Markdown as a
// mermaid sequence diagram, HTML as SVG.

// rowKind says what a ladder row shows.
type rowKind int

const (
	rowMessage rowKind = iota // one message
	rowFolded                 // a run of repeated messages, folded into one line
)

// ladderRow is one line of a ladder.
type ladderRow struct {
	kind     rowKind
	msg      *analyze.Msg // rowMessage
	at       float64      // seconds since the session's first message
	fromInit bool
	label    string   // "MM5", "MM5 retransmission 3 (+4.5 s)", "IKE_AUTH request fragment 1/3"
	detail   string   // what the message carries: "SA: 2 proposals · KE MODP_2048 · Nonce · NAT-D×2"
	failed   bool     // the message is where the session failed (the first error finding's frame)
	folded   int      // rowFolded: how many messages
	frames   []string // rowFolded: the folded frames, as frameLabel writes them
	frame    string   // the frame as shown: "12", or with several captures "A12"
}

// ladder is what every format needs to draw a session.
type ladder struct {
	s        *analyze.Session
	rows     []ladderRow
	failure  string  // "failed at MM5: auth-failed (frames 5 6 7 8)", "" when nothing failed
	end      string  // "capture ends; no MM6, no Quick Mode, no ESP"
	endAt    float64 // seconds since the first frame of the session's capture, as Wireshark counts
	initName string  // "192.0.2.1:4500"
	respName string
	initRole string // "initiator", or "initiator?" when the roles are guessed
	respRole string
	points   string // with several captures: "A = gw-a.pcap, B = gw-b.pcap"
	r        *analyze.Result
}

// foldAfter is how many copies of a message a ladder shows before it folds the rest
// (the last copy is always shown).
const foldAfter = 3

// newLadder builds a session's ladder. Findings give the failure point; the capture's end
// says how long the capture went on after the last message.
func newLadder(s *analyze.Session, r *analyze.Result, rd *Redactor) *ladder {
	l := &ladder{s: s, r: r, initName: rd.AddrPort(s.Initiator), respName: rd.AddrPort(s.Responder)}
	// Times count from the first frame of the session's capture, as Wireshark counts.
	base := captureStart(r, s)
	l.initRole, l.respRole = roleNames(s)
	// The first error finding of the session marks where it failed.
	var fail *analyze.Finding
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.Session == s.ID && f.Severity == analyze.Error {
			fail = f
			break
		}
	}
	failFrame := -1
	if fail != nil {
		failFrame = firstMessageFrame(s, fail.Frames)
		l.failure = fail.Code
		if !s.Established {
			l.failure = stoppedAt(s) // "failed at MM5: auth-failed"
		}
		if len(fail.Frames) > 0 {
			l.failure += " (" + framesWord(*fail, rd, len(r.Captures) > 1) + ")"
		}
	}
	// How many copies of each message there are, to fold long runs of retransmissions.
	copies := map[string]int{}
	for _, m := range s.Messages {
		copies[chainKey(m)] = max(copies[chainKey(m)], m.Retransmit)
	}
	var fold *ladderRow
	lastText := map[bool]string{} // the last shown row's text, per direction
	flush := func() {
		if fold != nil {
			l.rows = append(l.rows, *fold)
			fold = nil
		}
	}
	multi := len(r.Captures) > 1
	if multi {
		var pts []string
		for i, c := range r.Captures {
			pts = append(pts, pointLetter(i)+" = "+rd.Capture(c.Name))
		}
		l.points = strings.Join(pts, ", ")
	}
	for _, m := range s.Messages {
		label, detail := messageLabel(m, rd), ""
		if m.Retransmit == 0 {
			detail = messageDetail(m, s, rd)
		}
		if multi {
			detail = strings.TrimSuffix(seenText(m, r)+" · "+detail, " · ")
		}
		folding := m.Retransmit >= foldAfter && m.Retransmit < copies[chainKey(m)]
		echo := fold != nil && m.Retransmit == 0 && label+detail == lastText[m.FromInitiator]
		if folding || echo {
			if fold == nil {
				fold = &ladderRow{kind: rowFolded, at: m.Time.Sub(base).Seconds()}
			}
			fold.folded++
			fold.frames = append(fold.frames, frameLabel(m, r))
			continue
		}
		flush()
		lastText[m.FromInitiator] = label + detail
		l.rows = append(l.rows, ladderRow{
			kind: rowMessage, msg: m, at: m.Time.Sub(base).Seconds(), fromInit: m.FromInitiator,
			label: label, detail: detail, failed: m.Frame == failFrame, frame: frameLabel(m, r),
		})
	}
	flush()
	end := s.Last
	for _, c := range r.Captures {
		if c.Name == s.Capture && c.Last.After(end) {
			end = c.Last
		}
	}
	l.endAt = end.Sub(base).Seconds()
	l.end = endText(s, end)
	return l
}

// chainKey identifies a message and its retransmissions.
func chainKey(m *analyze.Msg) string {
	return fmt.Sprintf("%t/%d/%d/%s", m.FromInitiator, m.ExchangeType, m.MessageID, m.Step)
}

// framesWord is "frame 2" or "frames 5 6 7".
func framesWord(f analyze.Finding, rd *Redactor, multi bool) string {
	text := findingFrames(f, Style{multi: multi}, rd)
	if len(f.Frames) == 1 {
		return "frame " + text
	}
	return "frames " + text
}

// pointLetter names the i-th capture point in a ladder: A, B, C, ...
func pointLetter(i int) string {
	if i < 26 {
		return string(rune('A' + i))
	}
	return fmt.Sprintf("P%d", i+1)
}

// frameLabel shows a message's frame: its number, or with several captures the letter
// of the capture it was first seen in and its number there ("B12").
func frameLabel(m *analyze.Msg, r *analyze.Result) string {
	n := m.FrameNumber
	if n == 0 {
		n = m.Frame // a message built without the analysis
	}
	if len(r.Captures) < 2 {
		return fmt.Sprint(n)
	}
	for i, c := range r.Captures {
		if c.Name == m.Capture {
			return pointLetter(i) + fmt.Sprint(n)
		}
	}
	return fmt.Sprint(n)
}

// seenText says at which capture points a message was seen and when: "at A, B +0.4 ms",
// or "at B only" when the other points never saw it.
func seenText(m *analyze.Msg, r *analyze.Result) string {
	idx := map[string]int{}
	for i, c := range r.Captures {
		idx[c.Name] = i
	}
	points := []string{pointLetter(idx[m.Capture])}
	transit := ""
	for _, sg := range m.Seen {
		points = append(points, pointLetter(idx[sg.Capture]))
		if transit == "" {
			transit = " +" + transitText(sg.Transit)
		}
	}
	if len(m.Seen) == 0 {
		return "at " + points[0] + " only"
	}
	return "at " + strings.Join(points, ", ") + transit
}

// firstMessageFrame returns the first of frames that is a message of s (in ladder order),
// or -1.
func firstMessageFrame(s *analyze.Session, frames []int) int {
	want := map[int]bool{}
	for _, f := range frames {
		want[f] = true
	}
	for _, m := range s.Messages {
		if want[m.Frame] {
			return m.Frame
		}
	}
	return -1
}

// stoppedAt says where a session stopped: "failed at MM5", or its state.
func stoppedAt(s *analyze.Session) string {
	if s.State != "" {
		return s.State
	}
	return "stopped at " + s.Reached.String()
}

// endText says how the ladder ends: what never came.
func endText(s *analyze.Session, end time.Time) string {
	var missing []string
	if !s.Established {
		if next := s.Reached.Next(); next != analyze.StepNone {
			missing = append(missing, "no "+next.String())
		}
	}
	if s.Phase2Done == 0 {
		switch {
		case s.Version == 2:
			missing = append(missing, "no CHILD_SA")
		case slices.ContainsFunc(s.Exchanges, func(ex *analyze.Exchange) bool { return ex.Type == decode.ExchangeQuickMode }):
			missing = append(missing, "no IPsec SA") // Quick Mode began and never completed
		default:
			missing = append(missing, "no Quick Mode")
		}
	}
	if len(s.ESP) == 0 {
		missing = append(missing, "no ESP")
	}
	text := "capture ends"
	if end.Equal(s.Last) {
		text = "last message, capture ends"
	}
	if len(missing) > 0 {
		text += "; " + strings.Join(missing, ", ")
	}
	return text
}

// messageLabel is a message's step, with its IKE fragment and retransmission:
// "MM5 retransmission 3 (+4.5 s)".
func messageLabel(m *analyze.Msg, rd *Redactor) string {
	var b strings.Builder
	b.WriteString(m.Step.String())
	if m.Fragment != "" {
		b.WriteString(" fragment " + strings.Replace(m.Fragment, "/0", "/?", 1)) // total not known (IKEv1: until the last)
	}
	switch {
	case m.Folded > 0:
		// The latest copy of a storm stands for those since the last one listed.
		fmt.Fprintf(&b, " retransmission %d (+%.1f s, %d folded in)", m.Retransmit, m.Interval.Seconds(), m.Folded)
	case m.Retransmit > 0:
		fmt.Fprintf(&b, " retransmission %d (+%.1f s)", m.Retransmit, m.Interval.Seconds())
	}
	return b.String()
}

// statusNotifyShort names the common status notifications briefly, for the ladder.
var statusNotifyShort = map[string]string{
	"NAT_DETECTION_SOURCE_IP":         "NAT-D",
	"NAT_DETECTION_DESTINATION_IP":    "NAT-D",
	"IKEV2_FRAGMENTATION_SUPPORTED":   "FRAG",
	"SIGNATURE_HASH_ALGORITHMS":       "SIGHASH",
	"REDIRECT_SUPPORTED":              "REDIRECT",
	"CHILDLESS_IKEV2_SUPPORTED":       "CHILDLESS",
	"MULTIPLE_AUTH_SUPPORTED":         "MULTI-AUTH",
	"INITIAL_CONTACT":                 "INITIAL-CONTACT",
	"USE_TRANSPORT_MODE":              "TRANSPORT",
	"ESP_TFC_PADDING_NOT_SUPPORTED":   "NO-TFC",
	"NON_FIRST_FRAGMENTS_ALSO":        "NON-FIRST-FRAGS",
	"MOBIKE_SUPPORTED":                "MOBIKE",
	"INTERMEDIATE_EXCHANGE_SUPPORTED": "INTERMEDIATE",
	"USE_PPK":                         "PPK",
	"REKEY_SA":                        "REKEY",
	"COOKIE":                          "COOKIE",
}

// vidShort names a Vendor ID briefly: the capability it announces, or its vendor.
func vidShort(v *decode.VendorID) string {
	if !v.Known {
		return "?"
	}
	f := v.Info.Feature
	switch {
	case f == "nat-t-rfc3947":
		return "NAT-T"
	case strings.HasPrefix(f, "nat-t"):
		return "NAT-T draft"
	case f == "dpd":
		return "DPD"
	case f == "xauth":
		return "XAUTH"
	case f == "frag":
		return "FRAG"
	case f == "cisco-unity":
		return "Unity"
	case f != "":
		return f
	}
	return v.Info.Vendor
}

// messageDetail says what a message carries, compressed for one line:
// "SA: 1 proposal · KE · Nonce · NAT-D×2 · VID: XAUTH DPD NAT-T".
func messageDetail(m *analyze.Msg, s *analyze.Session, rd *Redactor) string {
	x := m.Decoded()
	var parts []string
	if x == nil {
		parts = []string{compressPayloads(m.Payloads)}
	} else if x.Encrypted != nil {
		parts = []string{fmt.Sprintf("encrypted (%d bytes)", len(x.Encrypted.Data))}
	} else {
		parts = payloadParts(x, m.Response, rd)
	}
	if m.Decrypted {
		// What --keys opened, in the same words as clear payloads.
		var inner decode.ISAKMP
		if x != nil {
			inner = *x
		} else if !m.ISAKMPIsV1() {
			inner.MajorVersion = 2
		}
		inner.Payloads, inner.Encrypted = m.Inner, nil
		parts = payloadParts(&inner, m.Response, rd)
		if len(parts) == 0 {
			parts = []string{"empty"}
		}
		parts[0] = "decrypted: " + parts[0]
	}
	if m.Fragments != nil {
		if m.Fragments.Complete {
			parts = append(parts, fmt.Sprintf("%d IP fragments", len(m.Fragments.Frames)))
		} else {
			parts = append(parts, "IP fragments MISSING ("+fragmentsText(m.Fragments)+")")
		}
	}
	if m.Truncated && m.Fragments == nil {
		parts = append(parts, "truncated by the capture")
	}
	if len(m.Errors) > 0 {
		parts = append(parts, "malformed")
	}
	if x == nil || x.Encrypted != nil {
		return rd.Text(strings.Join(parts, " · "))
	}
	return strings.Join(parts, " · ")
}

func fragmentsText(f *decode.Fragments) string {
	if f.Total > 0 {
		return fmt.Sprintf("%d of %d bytes", f.Received, f.Total)
	}
	return fmt.Sprintf("%d bytes, last fragment never seen", f.Received)
}

// payloadParts lists a clear message's payloads the way the ladder shows them.
func payloadParts(x *decode.ISAKMP, response bool, rd *Redactor) []string {
	v2 := x.IsV2()
	var parts, status, vids []string
	natd := 0
	seen := map[string]bool{}
	for i := range x.Payloads {
		p := &x.Payloads[i]
		switch {
		case p.SA != nil:
			props := analyze.Proposals(p.SA, v2)
			switch {
			case response && len(props) == 1:
				parts = append(parts, "SA: "+props[0].String())
			case !v2 && len(props) > len(p.SA.Proposals):
				// IKEv1: each transform of a proposal is a whole suite to choose from.
				n := len(p.SA.Proposals)
				parts = append(parts, fmt.Sprintf("SA: %d proposal%s, %d transforms", n, plural(n), len(props)))
			case len(props) == 1:
				parts = append(parts, "SA: 1 proposal")
			default:
				parts = append(parts, fmt.Sprintf("SA: %d proposals", len(props)))
			}
		case p.KE != nil:
			if v2 {
				parts = append(parts, "KE "+decode.DHGroupName(p.KE.Group))
			} else {
				parts = append(parts, "KE")
			}
		case !v2 && p.IsNATD(): // RFC 3947, drafts
			natd++
		case p.Notify != nil:
			name := decode.NotifyName(v2, p.Notify.Type)
			if decode.NotifyIsError(v2, p.Notify.Type) {
				parts = append(parts, "N("+name+")")
				continue
			}
			short, ok := statusNotifyShort[name]
			if short == "NAT-D" {
				natd++
				continue
			}
			if !ok {
				short = name
			}
			if !seen[short] {
				seen[short] = true
				status = append(status, short)
			}
		case p.VendorID != nil:
			v := vidShort(p.VendorID)
			if !seen["vid:"+v] {
				seen["vid:"+v] = true
				vids = append(vids, v)
			}
		case p.ID != nil:
			parts = append(parts, p.Type.String()+" "+strings.TrimPrefix(decode.IDTypeName(v2, p.ID.Type), "ID_")+" "+
				quoteIfEmpty(clip(rd.Identity(v2, p.ID.Type, p.ID.Text), maxIDChars)))
		case p.Config != nil:
			parts = append(parts, configText(p.Config, v2, rd))
		case p.EAP != nil:
			s := "EAP " + p.EAP.Summary()
			if id, ok := p.EAP.Identity(); ok {
				s += " " + quoteIfEmpty(rd.Text(id))
			}
			parts = append(parts, s)
		case p.Encrypted != nil:
			e := p.Encrypted
			if e.TotalFragments > 0 {
				parts = append(parts, fmt.Sprintf("encrypted fragment %d/%d (%d bytes)", e.FragmentNumber, e.TotalFragments, len(e.Data)))
			} else {
				parts = append(parts, fmt.Sprintf("encrypted: %s… (%d bytes)", e.FirstPayload, len(e.Data)))
			}
		default:
			parts = append(parts, p.Name())
		}
	}
	if natd > 0 {
		parts = append(parts, fmt.Sprintf("NAT-D×%d", natd))
	}
	if len(status) > 0 {
		parts = append(parts, "N("+strings.Join(status, " ")+")")
	}
	if len(vids) > 0 {
		parts = append(parts, "VID: "+strings.Join(vids, " "))
	}
	return parts
}

// configText shows a configuration payload in a ladder: its type and the attributes,
// with the values that tell what happened (addresses, the user name, XAUTH's status);
// passwords are never kept by the decoder.
func configText(c *decode.Config, v2 bool, rd *Redactor) string {
	var attrs []string
	for i := range c.Attributes {
		a := &c.Attributes[i]
		name := decode.ConfigAttrName(v2, a.Type)
		v := ""
		switch {
		case a.Secret:
			v = "(hidden)"
		case !v2 && a.Type == decode.XauthStatus && c.Type == decode.CFGSet: // an ACK echoes it empty
			v = decode.XauthStatusName(a.Number)
		case !v2 && a.Type == decode.XauthUserName && len(a.Value) > 0:
			v = quoteIfEmpty(rd.Text(string(a.Value)))
		default:
			if addr, ok := a.Address(); ok && strings.Contains(name, "_IP") {
				v = rd.Text(addr.String())
			}
		}
		if v != "" {
			name += " " + v
		}
		attrs = append(attrs, name)
	}
	typ := strings.TrimPrefix(decode.CFGTypeName(c.Type), "CFG_")
	if len(attrs) == 0 {
		return "CFG " + typ
	}
	return "CFG " + typ + ": " + strings.Join(attrs, ", ")
}

// compressPayloads shortens a payload summary of the analysis (when the full decode is
// no longer kept): NAT-D notifications are counted, repeated payloads too.
func compressPayloads(summary string) string {
	var out []string
	counts := map[string]int{}
	for _, f := range strings.Fields(summary) {
		if f == "N(NAT_DETECTION_SOURCE_IP)" || f == "N(NAT_DETECTION_DESTINATION_IP)" {
			f = "NAT-D"
		}
		if counts[f] == 0 {
			out = append(out, f)
		}
		counts[f]++
	}
	for i, f := range out {
		if counts[f] > 1 {
			out[i] = fmt.Sprintf("%s×%d", f, counts[f])
		}
	}
	return strings.Join(out, " ")
}

// sessionTitle is a session's one-line description: "IKEv1 Main Mode, PSK".
func sessionTitle(s *analyze.Session) string {
	t := fmt.Sprintf("IKEv%d", s.Version)
	switch s.Mode {
	case "Main", "Aggressive":
		t += " " + s.Mode + " Mode"
	}
	if s.Auth != "" {
		t += ", " + s.Auth
	}
	if s.TCP {
		t += ", over TCP"
	}
	if im := s.Implementations; im != nil {
		// Who is at each end, as far as the messages tell: "strongSwan → libreswan?" (a
		// question mark for a weak guess, "?" for a side that says nothing).
		t += " · " + implName(im.Initiator) + " → " + implName(im.Responder)
		if guessedImpl(im.Initiator) || guessedImpl(im.Responder) {
			t += " (inferred, no Vendor ID)"
		}
	}
	return t
}

// guessedImpl reports whether a side's implementation is named by the shape of its
// messages (the order of notifications and transforms) rather than by a Vendor ID.
func guessedImpl(i *analyze.Implementation) bool {
	return i != nil && i.Confidence != "high" && !slices.ContainsFunc(i.Evidence, func(e string) bool {
		return strings.HasPrefix(e, "Vendor ID")
	})
}

func implName(i *analyze.Implementation) string {
	switch {
	case i == nil:
		return "?"
	case i.Confidence == "low":
		return i.Name + "?"
	case i.Version != "":
		return i.Name + " " + i.Version
	}
	return i.Name
}

// espCounts adds up a session's ESP packets per direction; AH packets when it has no ESP
// (an AH+ESP bundle protects each packet twice: its ESP counts them).
func espCounts(s *analyze.Session) (fromI, fromR int) {
	ah := !slices.ContainsFunc(s.ESP, func(f *analyze.ESPFlow) bool { return !f.AH })
	for _, f := range s.ESP {
		switch {
		case f.AH != ah:
		case f.FromInitiator:
			fromI += f.Packets
		default:
			fromR += f.Packets
		}
	}
	return fromI, fromR
}

// showLadder says whether a session's ladder belongs in the short reports: every session
// that failed or did not bring up an IPsec SA.
func showLadder(s *analyze.Session) bool {
	return s.Failed || !s.Established || s.Phase2Done == 0
}

// sessionFindings returns the findings of one session, most severe first.
func sessionFindings(r *analyze.Result, id int) []analyze.Finding {
	var out []analyze.Finding
	for _, f := range r.Findings {
		if f.Session == id {
			out = append(out, f)
		}
	}
	return out
}

// verdict is a session's outcome in one word for the summaries: ok, warning or error.
func verdict(r *analyze.Result, s *analyze.Session) analyze.Severity {
	worst := analyze.Info
	for _, f := range r.Findings {
		if f.Session == s.ID && f.Severity > worst {
			worst = f.Severity
		}
	}
	return worst
}

// transitText is a transit delay: "45 µs", "1.2 ms", "0.35 s".
func transitText(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%d µs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

package report

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/decode/ikecrypt"
)

// TreeWriter prints decoded messages as an indented tree, one block per message, for
// `ikescope decode`. Times are shown relative to the first message and absolute in UTC.
type TreeWriter struct {
	w     *bufio.Writer
	start time.Time
	err   error
	red   *Redactor // nil: print everything
	learn bool      // red learns each message before it is printed (decode --redact)
}

// NewTreeWriter returns a TreeWriter on w. Call Flush when done.
func NewTreeWriter(w io.Writer) *TreeWriter { return &TreeWriter{w: bufio.NewWriter(w)} }

// Flush writes out what is buffered.
func (t *TreeWriter) Flush() error {
	if err := t.w.Flush(); err != nil && t.err == nil {
		t.err = err
	}
	return t.err
}

func (t *TreeWriter) line(depth int, format string, args ...any) {
	if t.err != nil {
		return
	}
	t.w.WriteString(strings.Repeat("  ", depth))
	if _, err := fmt.Fprintf(t.w, format, args...); err != nil {
		t.err = err
	}
	t.w.WriteByte('\n')
}

// Redact makes the writer redact what it prints, as `analyze --redact` does: addresses,
// identities and SPIs become pseudonyms, hashes, nonces and key data are left out.
// The writer feeds rd every message before printing it.
func (t *TreeWriter) Redact(rd *Redactor) { t.red, t.learn = rd, true }

// Header prints a capture's title line.
func (t *TreeWriter) Header(name string) {
	if t.red != nil {
		name = t.red.AddCapture(name)
	}
	t.line(0, "# %s", name)
}

// Write prints one message: with what ESP keys opened of it (m.Inner, set before Write),
// tagged [tcp] when it came over TCP; a KindStream message is one line of its own.
func (t *TreeWriter) Write(m *decode.Message) {
	if t.learn {
		t.red.LearnMessage(m)
	}
	if t.start.IsZero() {
		t.start = m.Time
	}
	if m.Kind == decode.KindStream {
		t.stream(m)
		return
	}
	rel := m.Time.Sub(t.start).Seconds()
	head := fmt.Sprintf("frame %d  %s (+%.3fs)  %s → %s", m.Frame, m.Time.UTC().Format("2006-01-02 15:04:05.000000"), rel, t.endpoint(m.Src), t.endpoint(m.Dst))
	var tags []string
	if m.Encap {
		tags = append(tags, "udp-encap")
	}
	if m.Truncated {
		tags = append(tags, "truncated by capture")
	}
	if m.Fragments != nil {
		f := m.Fragments
		if f.Complete {
			tags = append(tags, fmt.Sprintf("reassembled from %d IP fragments (frames %s)", len(f.Frames), frameList(f.Frames)))
		} else {
			tags = append(tags, fmt.Sprintf("INCOMPLETE: %d IP fragments seen (frames %s), %d bytes%s", len(f.Frames), frameList(f.Frames), f.Received, totalText(f)))
		}
	}
	if m.TCP {
		tags = append(tags, "tcp")
	}
	switch m.Kind {
	case decode.KindESP, decode.KindAH:
		spi := fmt.Sprintf("0x%08x", m.ESP.SPI)
		if t.red != nil {
			spi = t.red.SPI(fmt.Sprintf("%08x", m.ESP.SPI))
		}
		what, size := "ESP", "bytes"
		if m.Kind == decode.KindAH {
			what, size = "AH", "bytes protected"
		}
		t.line(0, "%s  %s spi %s seq %d, %d %s%s", head, what, spi, m.ESP.Seq, m.ESP.Len, size, tagText(tags))
		if m.Err != nil {
			t.line(1, "error: %s", t.red.Text(m.Err.Error()))
		}
		if m.Inner != nil {
			t.line(1, "%s", innerLine(m.Inner, t.red))
		}
		return
	case decode.KindKeepalive:
		t.line(0, "%s  NAT keepalive%s", head, tagText(tags))
		return
	}
	if e := m.ICMP; e != nil {
		t.line(0, "%s  ICMP %s about %s → %s%s", head, e.Meaning(), t.endpoint(e.Src), t.endpoint(e.Dst), tagText(tags))
		return
	}
	x := m.ISAKMP
	if x == nil {
		t.line(0, "%s  IP fragments%s", head, tagText(tags))
		return
	}
	v2 := x.IsV2()
	who := Direction(x)
	if who != "" {
		who = "  " + who
	}
	t.line(0, "%s  IKEv%d %s%s%s", head, x.MajorVersion, x.ExchangeType, who, tagText(tags))
	flags := strings.Join(x.Flags.Names(v2), ",")
	if flags == "" {
		flags = "none"
	}
	if t.red != nil {
		t.line(1, "ISAKMP %d.%d  msgid %08x  flags %s  length %d", x.MajorVersion, x.MinorVersion, x.MessageID, flags, x.Length)
	} else {
		t.line(1, "ISAKMP %d.%d  SPIi %x  SPIr %x  msgid %08x  flags %s  length %d", x.MajorVersion, x.MinorVersion, x.InitiatorSPI, x.ResponderSPI, x.MessageID, flags, x.Length)
	}
	for i := range x.Payloads {
		t.payload(&x.Payloads[i], v2)
	}
	if e := x.Encrypted; e != nil {
		t.line(1, "encrypted body: %d bytes (first payload %s; give --keys to read it)", len(e.Data), e.FirstPayload)
	}
	if m.Err != nil {
		t.line(1, "error: %s", t.red.Text(m.Err.Error()))
	}
	for _, err := range x.Errors {
		t.line(1, "error: %s", t.red.Text(err.Error()))
	}
}

// WriteDecrypted prints what --keys opened of a message, under it, or why it did not open.
func (t *TreeWriter) WriteDecrypted(m *decode.Message, res *ikecrypt.Result, err error) {
	if err != nil {
		t.line(1, "decryption failed: %s", t.red.Text(err.Error()))
		return
	}
	if res == nil || !res.Decrypted {
		if res != nil && res.Fragment != nil {
			t.line(1, "fragment %d of %d held for reassembly", res.Fragment.Number, res.Fragment.Total)
		}
		return
	}
	if t.learn {
		t.red.LearnPayloads(res.Payloads, res.Version == 2)
	}
	t.line(1, "decrypted (integrity %s, keys from %s):", res.Integrity, t.red.KeySource(res.KeySource))
	for i := range res.Payloads {
		t.payload(&res.Payloads[i], res.Version == 2)
	}
	for _, e := range res.Errors {
		t.line(1, "error: %s", t.red.Text(e.Error()))
	}
}

func tagText(tags []string) string {
	if len(tags) == 0 {
		return ""
	}
	return "  [" + strings.Join(tags, "; ") + "]"
}

func totalText(f *decode.Fragments) string {
	if f.Total > 0 {
		return fmt.Sprintf(" of %d", f.Total)
	}
	return ", last fragment never seen"
}

func frameList(frames []int) string {
	parts := make([]string, len(frames))
	for i, f := range frames {
		parts[i] = fmt.Sprint(f)
	}
	return strings.Join(parts, ",")
}

func endpoint(a interface {
	Port() uint16
	String() string
}) string {
	if a.Port() == 0 {
		s := a.String()
		return s[:strings.LastIndexByte(s, ':')]
	}
	return a.String()
}

func (t *TreeWriter) endpoint(a netip.AddrPort) string {
	if t.red == nil {
		return endpoint(a)
	}
	if a.Port() == 0 {
		return t.red.Addr(a.Addr())
	}
	return t.red.AddrPort(a)
}

// hexOrLen prints bytes as hex, or only their length when redacting.
func (t *TreeWriter) hexOrLen(b []byte) string {
	if t.red != nil {
		return fmt.Sprintf("(%d bytes, left out)", len(b))
	}
	return shortHex(b)
}

func (t *TreeWriter) payload(p *decode.Payload, v2 bool) {
	name := p.Name()
	if p.Critical {
		name += " (critical)"
	}
	switch {
	case p.SA != nil:
		sa := p.SA
		if v2 {
			t.line(1, "%s  %d proposal(s)", name, len(sa.Proposals))
		} else {
			t.line(1, "%s  DOI %s  situation %s  %d proposal(s)", name, decode.DOIName(sa.DOI), decode.SituationNames(sa.Situation), len(sa.Proposals))
		}
		for _, pr := range sa.Proposals {
			spi := ""
			if len(pr.SPI) > 0 {
				spi = fmt.Sprintf("  SPI %s", t.spi(pr.SPI))
			}
			t.line(2, "proposal #%d  %s%s  %d transform(s)", pr.Number, decode.ProtocolName(v2, pr.ProtocolID), spi, pr.NumTransforms)
			for i := range pr.Transforms {
				t.transform(&pr.Transforms[i], v2, pr.ProtocolID)
			}
		}
	case p.KE != nil:
		if v2 {
			t.line(1, "%s  group %s  %d bytes", name, decode.DHGroupName(p.KE.Group), len(p.KE.Data))
		} else {
			t.line(1, "%s  %d bytes", name, len(p.KE.Data))
		}
	case p.ID != nil:
		id := p.ID
		extra := ""
		if !v2 && (id.ProtocolID != 0 || id.Port != 0) {
			extra = fmt.Sprintf("  protocol %d port %d", id.ProtocolID, id.Port)
		}
		t.line(1, "%s  %s %s%s", name, decode.IDTypeName(v2, id.Type), quoteIfEmpty(t.red.Identity(v2, id.Type, id.Text)), extra)
	case p.Cert != nil:
		c := p.Cert
		t.line(1, "%s  %s  %d bytes", name, decode.CertEncodingName(c.Encoding), len(c.Data))
		if c.Subject != "" {
			t.line(2, "subject %s", t.red.DN(c.Subject))
			t.line(2, "issuer  %s", t.red.DN(c.Issuer))
			t.line(2, "valid   %s to %s", c.NotBefore.Format("2006-01-02"), c.NotAfter.Format("2006-01-02"))
		}
		for _, a := range c.Authorities {
			switch {
			case t.red == nil:
				t.line(2, "CA %s", a)
			case isHex(a):
				t.line(2, "CA key hash (left out)")
			default:
				t.line(2, "CA %s", t.red.DN(a))
			}
		}
		if c.ParseError != "" {
			t.line(2, "certificate does not parse: %s", c.ParseError)
		}
	case p.Auth != nil:
		t.line(1, "%s  %s  %d bytes", name, decode.AuthMethodName(p.Auth.Method), len(p.Auth.Data))
	case p.Notify != nil:
		t.notify(name, p.Notify, v2)
	case p.Delete != nil:
		d := p.Delete
		spis := make([]string, len(d.SPIs))
		for i, s := range d.SPIs {
			spis[i] = t.spi(s)
		}
		t.line(1, "%s  %s  %d SPI(s) %s", name, decode.ProtocolName(v2, d.ProtocolID), d.NumSPIs, strings.Join(spis, " "))
	case p.VendorID != nil:
		v := p.VendorID
		switch {
		case t.red != nil && v.Known:
			t.line(1, "%s  %s", name, redactedVendor(v.Info))
		case t.red != nil:
			t.line(1, "%s  unknown (%d bytes, left out)", name, len(v.Data))
		case v.Known:
			t.line(1, "%s  %s  (%x)", name, v.Info.Name, v.Data)
		default:
			t.line(1, "%s  %x", name, v.Data)
		}
	case p.NATOA != nil:
		t.line(1, "%s  %s", name, t.red.Text(addrString(p.NATOA.Address)))
	case p.TS != nil:
		t.line(1, "%s  %d selector(s)", name, p.TS.Count)
		for _, s := range p.TS.Selectors {
			t.line(2, "%s", t.selector(s))
		}
	case p.Config != nil:
		c := p.Config
		t.line(1, "%s  %s", name, decode.CFGTypeName(c.Type))
		for _, a := range c.Attributes {
			v := ConfigValueText(a, v2)
			if t.red != nil && v != "" && !a.Short && !a.Secret {
				if isText(a.Value) || strings.Contains(decode.ConfigAttrName(v2, a.Type), "IP") {
					v = t.red.Text(v)
				} else {
					v = fmt.Sprintf("(%d bytes, left out)", len(a.Value))
				}
			}
			if v != "" {
				v = " = " + v
			}
			t.line(2, "%s%s", decode.ConfigAttrName(v2, a.Type), v)
		}
	case p.EAP != nil:
		e := p.EAP
		typ := ""
		if e.HasType {
			typ = "  " + decode.EAPTypeName(e.Type)
		}
		t.line(1, "%s  %s id %d%s", name, decode.EAPCodeName(e.Code), e.Identifier, typ)
	case p.Encrypted != nil:
		e := p.Encrypted
		frag := ""
		if e.TotalFragments > 0 {
			frag = fmt.Sprintf("  fragment %d of %d", e.FragmentNumber, e.TotalFragments)
		}
		t.line(1, "%s%s  %d encrypted bytes, first payload %s", name, frag, len(e.Data), e.FirstPayload)
	case p.Fragment != nil:
		f := p.Fragment
		last := ""
		if f.Last {
			last = " (last)"
		}
		t.line(1, "%s  id %d number %d%s  %d bytes", name, f.ID, f.Number, last, len(f.Data))
	default:
		if t.red != nil {
			t.line(1, "%s  %d bytes", name, len(p.Data))
		} else {
			t.line(1, "%s  %d bytes  %s", name, len(p.Data), shortHex(p.Data))
		}
	}
	if p.Partial {
		t.line(2, "(payload cut short)")
	}
}

func quoteIfEmpty(s string) string {
	if s == "" {
		return `""`
	}
	return s
}

func shortHex(b []byte) string {
	if len(b) > 24 {
		return fmt.Sprintf("%x…", b[:24])
	}
	return fmt.Sprintf("%x", b)
}

func (t *TreeWriter) transform(tr *decode.Transform, v2 bool, proto uint8) {
	if v2 {
		keylen := ""
		for _, a := range tr.Attributes {
			if a.Type == 14 {
				keylen = fmt.Sprintf(" (%d bits)", a.Value)
			} else {
				keylen += fmt.Sprintf(" %s=%d", V2AttrName(a.Type), a.Value)
			}
		}
		t.line(3, "%s %s%s", tr.Type, decode.V2TransformIDName(tr.Type, tr.ID), keylen)
		return
	}
	t.line(3, "transform #%d  %s", tr.Number, decode.V1TransformName(proto, uint8(tr.ID)))
	for _, a := range tr.Attributes {
		t.line(4, "%s = %s", decode.V1AttrName(proto, a.Type), V1AttrValueText(proto, a))
	}
}

// V1AttrValueText renders an IKEv1 SA attribute value: its name when the class is
// enumerated, otherwise the number (long values as hex).
func V1AttrValueText(proto uint8, a decode.Attribute) string {
	if len(a.Data) > 8 {
		return fmt.Sprintf("%x", a.Data)
	}
	if n := decode.V1AttrValueName(proto, a.Type, uint32(a.Value)); n != "" {
		return n
	}
	return fmt.Sprint(a.Value)
}

func (t *TreeWriter) notify(name string, n *decode.Notify, v2 bool) {
	kind := "status"
	if decode.NotifyIsError(v2, n.Type) {
		kind = "error"
	}
	detail := ""
	switch {
	case v2 && n.Type == decode.NotifyInvalidKEPayload && len(n.Data) >= 2:
		detail = "  wants group " + decode.DHGroupName(n.Group)
	case len(n.HashAlgs) > 0:
		names := make([]string, len(n.HashAlgs))
		for i, h := range n.HashAlgs {
			names[i] = decode.HashAlgorithmName(h)
		}
		detail = "  " + strings.Join(names, ", ")
	case n.Gateway != "":
		detail = "  gateway " + t.red.Text(n.Gateway)
	case n.HasSequence:
		detail = fmt.Sprintf("  seq %d", n.Sequence)
	case len(n.Attributes) > 0:
		parts := make([]string, len(n.Attributes))
		for i, a := range n.Attributes {
			parts[i] = decode.V1AttrName(n.ProtocolID, a.Type) + "=" + V1AttrValueText(n.ProtocolID, a)
		}
		detail = "  " + strings.Join(parts, " ")
	case len(n.Data) > 0:
		detail = "  data " + t.hexOrLen(n.Data)
	}
	spi := ""
	if len(n.SPI) > 0 {
		spi = fmt.Sprintf("  %s SPI %s", decode.ProtocolName(v2, n.ProtocolID), t.spi(n.SPI))
	}
	t.line(1, "%s  %s (%s)%s%s", name, decode.NotifyName(v2, n.Type), kind, spi, detail)
}

func (t *TreeWriter) spi(b []byte) string {
	if t.red != nil {
		return t.red.SPI(fmt.Sprintf("%x", b))
	}
	return fmt.Sprintf("%x", b)
}

func (t *TreeWriter) selector(s decode.TrafficSelector) string {
	if t.red == nil {
		return SelectorText(s)
	}
	if s.Data != nil || !s.Start.IsValid() {
		return fmt.Sprintf("%s (%d bytes, left out)", decode.TSTypeName(s.Type), len(s.Data))
	}
	return t.red.Text(SelectorText(s))
}

// redactedVendor names a known Vendor ID without what a vendor may have put into it:
// a capability keeps its name (NAT-T, DPD, XAUTH), anything else is named by its vendor.
func redactedVendor(v decode.VendorIDInfo) string {
	if v.Feature != "" {
		return v.Name
	}
	return v.Vendor + " (vendor-specific, left out)"
}

// SelectorText renders a traffic selector: "10.1.0.0-10.1.0.255 proto any ports 0-65535".
func SelectorText(s decode.TrafficSelector) string {
	if s.Data != nil || !s.Start.IsValid() {
		return fmt.Sprintf("%s %x", decode.TSTypeName(s.Type), s.Data)
	}
	proto := "any"
	if s.IPProtocol != 0 {
		proto = fmt.Sprint(s.IPProtocol)
	}
	ports := fmt.Sprintf("%d-%d", s.StartPort, s.EndPort)
	if s.StartPort == 0 && s.EndPort == 65535 {
		ports = "any"
	}
	return fmt.Sprintf("%s %s-%s proto %s ports %s", decode.TSTypeName(s.Type), s.Start, s.End, proto, ports)
}

// newMessageTree returns a TreeWriter for the messages of one session: times relative to
// the session's start, and redacted when rd is not nil.
func newMessageTree(w io.Writer, start time.Time, rd *Redactor) *TreeWriter {
	t := NewTreeWriter(w)
	t.start, t.red = start, rd
	return t
}

// decodeMessage rebuilds the decoder's view of a message the analysis kept.
func decodeMessage(m *analyze.Msg, x *decode.ISAKMP) *decode.Message {
	return &decode.Message{
		Frame:     m.Frame,
		Time:      m.Time,
		Src:       m.Src,
		Dst:       m.Dst,
		Kind:      decode.KindISAKMP,
		Truncated: m.Truncated,
		ISAKMP:    x,
		Fragments: m.Fragments,
	}
}

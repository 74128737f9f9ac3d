package analyze

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/ikescope/ikescope/decode"
)

// Inner traffic: what ESP keys show inside the tunnel. Each ESP flow that keys opened
// keeps its inner flows (addresses, protocol, ports, packets), the packets whose ICV did
// not match, and the ICMP errors carried inside; the findings pair the two directions of
// a tunnel to see which inner conversations get no answer.

// Bounds on what one ESP flow keeps of its inner traffic: a gateway's tunnel carries
// thousands of conversations, the report needs the few that explain a failure.
const (
	maxInnerFlows  = 64
	maxInnerErrors = 16
)

// InnerTraffic is what keys opened of one ESP flow.
type InnerTraffic struct {
	Opened int `json:"opened"` // packets decrypted
	// Integrity is "verified" when every opened packet's ICV or tag was checked, "not
	// checked" when the keys gave no authentication key (the padding was checked).
	Integrity  string       `json:"integrity"`
	KeySource  string       `json:"key_source,omitempty"`
	ICVFailed  int          `json:"icv_failed,omitempty"`  // packets whose ICV or tag did not match
	BadTrailer int          `json:"bad_trailer,omitempty"` // packets that decrypted to nonsense (no ICV to check)
	Dummy      int          `json:"dummy_packets,omitempty"`
	Largest    int          `json:"largest_inner_packet"` // bytes
	Flows      []*InnerFlow `json:"flows"`
	// FlowsNotListed counts the packets of conversations past the listed ones.
	FlowsNotListed int               `json:"packets_not_listed,omitempty"`
	ICMPErrors     []*InnerICMPError `json:"icmp_errors,omitempty"`

	failRefs  []int // the first and last failed packets
	failFirst time.Time
	checked   bool // some packet's ICV was verified
	echoKept  int  // echo requests and replies kept in the flows, at most maxEcho
	unchecked bool // some packet opened without one
}

// InnerFlow is one inner conversation in one direction: the packets from Src to Dst of
// one protocol (and ports, for TCP and UDP; ICMP flows are by addresses).
type InnerFlow struct {
	Src     netip.Addr `json:"src"`
	Dst     netip.Addr `json:"dst"`
	Proto   uint8      `json:"protocol"`
	SrcPort uint16     `json:"src_port,omitempty"`
	DstPort uint16     `json:"dst_port,omitempty"`
	Packets int        `json:"packets"`
	Bytes   int        `json:"bytes"`
	// Requests count what asks for an answer (ICMP echo requests, TCP SYNs, DNS and NTP
	// queries), Replies what answers one (echo replies, SYN-ACKs, answers from those
	// ports).
	Requests int `json:"requests,omitempty"`
	Replies  int `json:"replies,omitempty"`
	// Answered counts the replies the other direction carried back to this flow's
	// requests.
	Answered   int       `json:"answered,omitempty"`
	Resets     int       `json:"resets,omitempty"` // TCP RSTs
	DF         int       `json:"dont_fragment,omitempty"`
	Largest    int       `json:"largest"`
	First      time.Time `json:"first"`
	Last       time.Time `json:"last"`
	FirstFrame int       `json:"first_frame"`
	LastFrame  int       `json:"last_frame"`

	firstRef, lastRef int
	firstReq          time.Time
	reqRef            int
	// echo are the flow's ICMP echo requests, replies the (id, seq) of its echo replies
	// (at most maxEcho in all the flows of one ESP flow): which requests got an answer,
	// and how big they were.
	echo    []echoRequest
	replies []uint32
}

// echoRequest is one ICMP echo request inside the tunnel.
type echoRequest struct {
	idSeq uint32
	size  int // the inner packet's length
	esp   int // the outer IP packet's length
	df    bool
	ref   int
	t     time.Time
}

const maxEcho = 512

// InnerICMPError is an ICMP error carried inside the tunnel, about an inner packet.
type InnerICMPError struct {
	From    netip.Addr `json:"from"`
	Meaning string     `json:"meaning"`
	MTU     int        `json:"mtu,omitempty"`
	Count   int        `json:"count"`
	Frame   int        `json:"frame"` // the first
	// The packet it is about.
	Src     netip.Addr `json:"about_src"`
	Dst     netip.Addr `json:"about_dst"`
	Proto   uint8      `json:"about_protocol"`
	DstPort uint16     `json:"about_dst_port,omitempty"`
	ref     int
}

// Trusted reports whether what opened can be believed: the ICVs were checked, or (with
// no authentication key) most packets passed the trailer check. A wrong key without an
// ICV lets a random-looking packet through now and then.
func (t *InnerTraffic) Trusted() bool {
	return t.checked || t.Opened > t.ICVFailed+t.BadTrailer
}

// addInner counts an opened (or failed) ESP packet in its flow's inner traffic.
func (f *ESPFlow) addInner(m *decode.Message) {
	in := m.Inner
	t := f.Inner
	if t == nil {
		t = &InnerTraffic{KeySource: in.Source}
		f.Inner = t
	}
	if in.Err != nil {
		if errors.Is(in.Err, decode.ErrICV) {
			t.ICVFailed++
		} else {
			t.BadTrailer++
		}
		if len(t.failRefs) == 0 {
			t.failFirst = m.Time
			t.failRefs = append(t.failRefs, m.Frame, m.Frame)
		}
		t.failRefs[1] = m.Frame
		return
	}
	t.Opened++
	if in.Integrity == "verified" {
		t.checked = true
	} else {
		t.unchecked = true
	}
	t.Integrity = "verified"
	if t.unchecked {
		t.Integrity = "not checked"
	}
	if in.NextHeader == 59 {
		t.Dummy++
		return
	}
	t.Largest = max(t.Largest, in.Len)
	if isICMPError(in) {
		t.addICMPError(in, m.Frame)
	}
	fl := t.flow(in, m)
	if fl == nil {
		t.FlowsNotListed++
		return
	}
	fl.Packets++
	fl.Bytes += in.Len
	fl.Largest = max(fl.Largest, in.Len)
	if in.DF {
		fl.DF++
	}
	fl.Last, fl.LastFrame, fl.lastRef = m.Time, refFrame(m.Frame), m.Frame
	kind := requestKind(in)
	switch kind {
	case innerRequest:
		if fl.Requests == 0 {
			fl.firstReq, fl.reqRef = m.Time, m.Frame
		}
		fl.Requests++
	case innerReply:
		fl.Replies++
	case innerReset:
		fl.Resets++
	}
	if in.Proto == 1 || in.Proto == 58 {
		id := uint32(in.ICMPID)<<16 | uint32(in.ICMPSeq)
		switch {
		case kind == innerRequest && t.echoKept < maxEcho:
			t.echoKept++
			fl.echo = append(fl.echo, echoRequest{idSeq: id, size: in.Len, esp: outerLen(m), df: in.DF, ref: m.Frame, t: m.Time})
		case kind == innerReply && t.echoKept < maxEcho:
			t.echoKept++
			fl.replies = append(fl.replies, id)
		}
	}
}

// flow finds or starts the inner flow of a packet; nil past the bound.
func (t *InnerTraffic) flow(in *decode.Inner, m *decode.Message) *InnerFlow {
	sp, dp := in.SrcPort, in.DstPort
	if in.Proto != 6 && in.Proto != 17 && in.Proto != 132 {
		sp, dp = 0, 0
	}
	for _, fl := range t.Flows {
		if fl.Src == in.Src && fl.Dst == in.Dst && fl.Proto == in.Proto && fl.SrcPort == sp && fl.DstPort == dp {
			return fl
		}
	}
	if len(t.Flows) >= maxInnerFlows {
		return nil
	}
	fl := &InnerFlow{Src: in.Src, Dst: in.Dst, Proto: in.Proto, SrcPort: sp, DstPort: dp,
		First: m.Time, FirstFrame: refFrame(m.Frame), firstRef: m.Frame}
	t.Flows = append(t.Flows, fl)
	return fl
}

type innerKind uint8

const (
	innerOther innerKind = iota
	innerRequest
	innerReply
	innerReset
)

// queryPorts are UDP services where a packet is a question that gets an answer: DNS,
// Kerberos, NTP, SNMP, LDAP, RADIUS.
var queryPorts = []uint16{53, 88, 123, 161, 389, 1812}

// requestKind says whether an inner packet asks for an answer or gives one, by what its
// protocol says, never by timing.
func requestKind(in *decode.Inner) innerKind {
	if in.Fragment && in.SrcPort == 0 && in.DstPort == 0 {
		return innerOther
	}
	switch in.Proto {
	case 1:
		switch in.ICMPType {
		case 8:
			return innerRequest
		case 0:
			return innerReply
		}
	case 58:
		switch in.ICMPType {
		case 128:
			return innerRequest
		case 129:
			return innerReply
		}
	case 6:
		const syn, rst, ack = 0x02, 0x04, 0x10
		switch {
		case in.TCPFlags&rst != 0:
			return innerReset
		case in.TCPFlags&(syn|ack) == syn:
			return innerRequest
		case in.TCPFlags&(syn|ack) == syn|ack:
			return innerReply
		}
	case 17:
		switch {
		case slices.Contains(queryPorts, in.DstPort) && !slices.Contains(queryPorts, in.SrcPort):
			return innerRequest
		case slices.Contains(queryPorts, in.SrcPort) && !slices.Contains(queryPorts, in.DstPort):
			return innerReply
		}
	}
	return innerOther
}

func isICMPError(in *decode.Inner) bool {
	switch in.Proto {
	case 1:
		return in.ICMPType == 3 || in.ICMPType == 11 || in.ICMPType == 12
	case 58:
		return in.ICMPType >= 1 && in.ICMPType <= 4
	}
	return false
}

func (t *InnerTraffic) addICMPError(in *decode.Inner, ref int) {
	for _, e := range t.ICMPErrors {
		if e.From == in.Src && e.Src == in.QuotedSrc && e.Dst == in.QuotedDst && e.Proto == in.QuotedProto && e.DstPort == in.QuotedDstPort {
			e.Count++
			return
		}
	}
	if len(t.ICMPErrors) >= maxInnerErrors {
		return
	}
	t.ICMPErrors = append(t.ICMPErrors, &InnerICMPError{From: in.Src, Meaning: icmpMeaning(in), MTU: in.MTU, Count: 1,
		Frame: refFrame(ref), ref: ref, Src: in.QuotedSrc, Dst: in.QuotedDst, Proto: in.QuotedProto, DstPort: in.QuotedDstPort})
}

// icmpMeaning names an inner ICMP error as an admin reads it.
func icmpMeaning(in *decode.Inner) string {
	e := decode.ICMPError{V6: in.Proto == 58, Type: in.ICMPType, Code: in.ICMPCode}
	s := e.Meaning()
	if in.MTU > 0 {
		s += fmt.Sprintf(" (MTU %d)", in.MTU)
	}
	return s
}

// ProtoName names the flow's protocol: "ICMP", "TCP", "IP protocol 47".
func (fl *InnerFlow) ProtoName() string { return protoName(fl.Proto) }

// protoName names an inner protocol.
func protoName(p uint8) string {
	if n := decode.IPProtocolName(p); n != "" {
		return n
	}
	return fmt.Sprintf("IP protocol %d", p)
}

// String is the flow as a report lists it: "10.1.0.10 → 10.2.0.1 ICMP",
// "10.1.0.10:40312 → 10.2.0.1:22 TCP".
func (fl *InnerFlow) String() string {
	if fl.SrcPort != 0 || fl.DstPort != 0 {
		return fmt.Sprintf("%s → %s %s", netip.AddrPortFrom(fl.Src, fl.SrcPort), netip.AddrPortFrom(fl.Dst, fl.DstPort), protoName(fl.Proto))
	}
	return fmt.Sprintf("%s → %s %s", fl.Src, fl.Dst, protoName(fl.Proto))
}

// requestName names what the flow's requests are.
func (fl *InnerFlow) requestName() string {
	switch fl.Proto {
	case 1, 58:
		return "echo requests"
	case 6:
		return "connection attempts (SYN)"
	}
	return "queries"
}

// reverse finds the flow that answers fl (carried by the ESP flow ef) among flows of the
// other direction. The same conversation goes on over each CHILD_SA in turn as the SA
// is rekeyed: the answer is the one whose ESP flow shares the most time with ef.
func reverse(fl *InnerFlow, ef *ESPFlow, back []*ESPFlow) *InnerFlow {
	var best *InnerFlow
	bestOverlap := time.Duration(-1 << 62)
	for _, bf := range back {
		if bf.Inner == nil {
			continue
		}
		for _, r := range bf.Inner.Flows {
			if r.Src == fl.Dst && r.Dst == fl.Src && r.Proto == fl.Proto && r.SrcPort == fl.DstPort && r.DstPort == fl.SrcPort {
				start, end := ef.First, ef.Last
				if bf.First.After(start) {
					start = bf.First
				}
				if bf.Last.Before(end) {
					end = bf.Last
				}
				if o := end.Sub(start); best == nil || o > bestOverlap {
					best, bestOverlap = r, o
				}
			}
		}
	}
	return best
}

// pairAnswers sets, for each inner flow of one direction, the answers the other
// direction carried back to it.
func pairAnswers(out, back []*ESPFlow) {
	for _, ef := range out {
		if ef.Inner == nil {
			continue
		}
		for _, fl := range ef.Inner.Flows {
			fl.Answered = 0
			if r := reverse(fl, ef, back); r != nil {
				fl.Answered = r.Replies
			}
		}
	}
}

// errorsAbout lists the inner ICMP errors that answered fl's packets.
func errorsAbout(fl *InnerFlow, back []*ESPFlow) []*InnerICMPError {
	var out []*InnerICMPError
	for _, ef := range back {
		if ef.Inner == nil {
			continue
		}
		for _, e := range ef.Inner.ICMPErrors {
			if e.Src == fl.Src && e.Dst == fl.Dst && e.Proto == fl.Proto && (fl.DstPort == 0 || e.DstPort == fl.DstPort) {
				out = append(out, e)
			}
		}
	}
	return out
}

// openedAfter finds an ESP flow with packets keys opened after t: the tunnel carried
// something back while the requests waited.
func openedAfter(flows []*ESPFlow, t time.Time) *ESPFlow {
	for _, ef := range flows {
		if ef.Inner != nil && ef.Inner.Opened > 0 && ef.Last.After(t) {
			return ef
		}
	}
	return nil
}

// innerOneWay finds the inner conversations of one direction that ask and are never
// answered while the tunnel carries other traffic back: the packets arrive in the tunnel
// and are dropped after decryption, or the answers never enter it.
//
// A conversation counts when it asked at least twice (ping sends again, TCP retransmits
// its SYN, a resolver retries) and not one packet came back for it, and the reverse
// direction of the same tunnel carried opened packets after its first request: the
// tunnel itself works. Counts, never timings: a capture cut or stretched in time says
// the same.
func innerOneWay(out, back []*ESPFlow) []innerGap {
	var gaps []innerGap
	for _, ef := range out {
		if ef.Inner == nil || !ef.Inner.Trusted() {
			continue
		}
		for _, fl := range ef.Inner.Flows {
			if fl.Requests < 2 || fl.Replies > 0 {
				continue
			}
			if r := reverse(fl, ef, back); r != nil && (r.Replies > 0 || r.Packets > 0 && fl.Proto != 1 && fl.Proto != 58) {
				continue // answered (for ICMP, an echo reply: an ICMP error is no answer)
			}
			other := openedAfter(back, fl.firstReq)
			if other == nil {
				continue
			}
			gaps = append(gaps, innerGap{flow: fl, esp: ef, back: other, errs: errorsAbout(fl, back)})
		}
	}
	return gaps
}

type innerGap struct {
	flow *InnerFlow
	esp  *ESPFlow // the flow the requests went in
	back *ESPFlow // a flow of the other direction that carried other traffic meanwhile
	errs []*InnerICMPError
}

// innerFindings are the findings of what the keys showed inside a tunnel's ESP: one
// direction's flows (out, sent by the gateway named from) against the other's.
func innerFindings(mk findingMaker, from, to string, fromFlows, toFlows []*ESPFlow) []Finding {
	pairAnswers(fromFlows, toFlows)
	var out []Finding
	// One finding per pair of inner addresses: a rule that drops a source drops all of
	// its conversations.
	gaps := innerOneWay(fromFlows, toFlows)
	for i := 0; i < len(gaps); i++ {
		g := gaps[i]
		if g.flow == nil {
			continue
		}
		fl := g.flow
		var parts []string
		var frames []int
		var errText string
		for j := i; j < len(gaps); j++ {
			h := gaps[j]
			if h.flow == nil || h.flow.Src != fl.Src || h.flow.Dst != fl.Dst {
				continue
			}
			what := protoName(h.flow.Proto)
			if h.flow.DstPort != 0 {
				what += fmt.Sprintf(" port %d", h.flow.DstPort)
			}
			parts = append(parts, fmt.Sprintf("%s (%d %s, frames %d-%d)", what, h.flow.Requests, h.flow.requestName(), h.flow.FirstFrame, h.flow.LastFrame))
			frames = append(frames, h.flow.firstRef, h.flow.lastRef)
			for _, e := range h.errs {
				errText += fmt.Sprintf(" %s answered %d of them with ICMP %s (frame %d): something on the way refuses them.", e.From, e.Count, e.Meaning, e.Frame)
				frames = append(frames, e.ref)
			}
			if j > i {
				gaps[j].flow = nil
			}
		}
		summary := fmt.Sprintf("Inside the tunnel, %s → %s gets no answer: %s; the tunnel carries other traffic back from %s meanwhile (SPI %08x).",
			fl.Src, fl.Dst, strings.Join(parts, "; "), to, g.back.SPI)
		cause := fmt.Sprintf("IKE and ESP work, so the tunnel is not the problem: these requests go to %s in ESP, and no answer for %s comes back through the tunnel. %s drops them after decryption, or %s never answers, or its answer is not routed into the tunnel: an anti-spoofing rule or reverse-path filter (rp_filter) for the source %s, a firewall rule on the inner addresses, no route back to %s through the tunnel, or the host's own firewall.%s",
			to, fl.Src, to, fl.Dst, fl.Src, fl.Src, errText)
		out = append(out, mk(CodeInnerOneWay, Warning, fmt.Sprintf("inner %s → %s", fl.Src, fl.Dst), frames, fl.First, summary, cause,
			fmt.Sprintf("On %s, check the firewall's counters for packets from %s to %s after decryption (iptables -L -v on the inside path, ASA 'show asp drop'), rp_filter on its interfaces (sysctl net.ipv4.conf.all.rp_filter), the route back to %s, and that %s answers when asked from its own network.",
				to, fl.Src, fl.Dst, fl.Src, fl.Dst)))
	}
	if miss, okMax, fl := mtuBlackHole(fromFlows, toFlows); fl != nil {
		minSize, espMin, df := 1<<30, 1<<30, 0
		for _, e := range miss {
			minSize, espMin = min(minSize, e.size), min(espMin, e.esp)
			if e.df {
				df++
			}
		}
		dfText := ""
		if df == len(miss) {
			dfText = " (don't-fragment set)"
		}
		frames := []int{miss[0].ref, miss[len(miss)-1].ref}
		out = append(out, mk(CodePathMTU, Warning, "inner "+fl.String(), frames, miss[0].t,
			fmt.Sprintf("Inside the tunnel, %s: %d echo requests of %d bytes or more%s got no reply, while those up to %d bytes did; their ESP packets (IP packets of %d bytes or more) do not get through, and no ICMP error about them came back.",
				fl, len(miss), minSize, dfText, okMax, espMin),
			"A path MTU black hole: a link between the gateways has a smaller MTU than the ESP packets need, and the router there drops them without an ICMP fragmentation-needed reaching "+from+" (ICMP filtered on the way back), so neither the gateway nor the hosts learn to send smaller packets. Small packets pass: pings work, file transfers, TLS and RDP hang.",
			"Find the path's MTU (ping -M do -s SIZE between the gateways' outside addresses), let ICMP fragmentation-needed (type 3 code 4) through the firewalls on the path, and clamp the TCP MSS of the tunnel's traffic on the gateways (iptables TCPMSS --clamp-mss-to-pmtu or a fixed MSS of about 1360; ASA: sysopt connection tcpmss) or lower the tunnel's MTU."))
	}
	for _, ef := range fromFlows {
		if f, ok := icvFinding(mk, ef, from, to); ok {
			out = append(out, f)
		}
	}
	return out
}

// icvFinding reports ESP packets that keys did not open: ICVs that do not match, or
// (without an authentication key) decrypted trailers that make no sense.
// findingMaker makes a finding about a session, or about ESP no session explains.
type findingMaker func(code string, sev Severity, what string, frames []int, t time.Time, summary, cause, next string) Finding

func icvFinding(mk findingMaker, ef *ESPFlow, from, to string) (Finding, bool) {
	t := ef.Inner
	if t == nil || t.ICVFailed+t.BadTrailer == 0 {
		return Finding{}, false
	}
	failed := t.ICVFailed + t.BadTrailer
	total := failed + t.Opened
	what := "ICV does not match"
	if t.ICVFailed == 0 {
		what = "decrypted padding and next header make no sense"
	}
	src := ""
	if t.KeySource != "" {
		src = " (" + t.KeySource + ")"
	}
	summary := fmt.Sprintf("ESP on SPI %08x from %s: with the keys given%s, the %s for %d of %d packets.", ef.SPI, from, src, what, failed, total)
	var cause, next string
	sev := Warning
	// Without an ICV, a wrong key still yields a sane-looking trailer now and then: when
	// most packets fail, the few that passed prove nothing.
	switch {
	case !t.Trusted() && t.ICVFailed == 0:
		// No ICV was checked (no integrity key given, as in tcpdump -E secrets): the key
		// does not open the SA, and nothing says the receiver drops anything.
		cause = fmt.Sprintf("The encryption key given for SPI %08x does not open its packets, and no integrity key was given to check them with: the key is not this SA's (a line meant for another SA, an older dump after a rekey that reused the SPI), or %s and %s hold different keys for it, and then %s drops every packet.", ef.SPI, from, to, to)
		next = fmt.Sprintf("Take the keys again while the SA exists (ip xfrm state on %s shows both its keys and its integrity algorithm) and give ikescope the integrity key too; compare the two gateways' keys for SPI %08x.", from, ef.SPI)
	case !t.Trusted():
		sev = Error
		cause = fmt.Sprintf("The packets of this SA do not open with these keys. Either the keys are not this SA's (an older dump: the SA was renegotiated and its SPI reused, or the other peer's SA with the same SPI), or %s and %s hold different keys for it: %s then drops every packet as it fails the integrity check (a one-sided rekey, a manually keyed SA typed differently on each side).", from, to, to)
		next = fmt.Sprintf("Take the keys again while the SA exists (ip xfrm state on both gateways) and compare the two gateways' keys for SPI %08x; on %s, the SA's integrity-failure counter (ip -s xfrm state: 'integrity-failed', XfrmInStateProtoError in /proc/net/xfrm_stat) shows whether it drops them.", ef.SPI, to)
	default:
		cause = fmt.Sprintf("Packets of this SA open with these keys and pass the integrity check, %d do not: they were damaged on the way (a faulty link, NIC offload, a middlebox that rewrites them) or a second sender uses the same SPI with other keys. %s drops those packets.", failed, to)
		next = fmt.Sprintf("Check the interfaces on the path for errors, disable checksum/crypto offload on the sender to test, and on %s watch the SA's integrity-failure counter (ip -s xfrm state, /proc/net/xfrm_stat).", to)
	}
	return mk(CodeESPIntegrity, sev, fmt.Sprintf("ESP %08x", ef.SPI), slices.Clone(t.failRefs), t.failFirst, summary, cause, next), true
}

// espDirections splits flows into the two directions of one pair of gateways.
func espDirections(flows []*ESPFlow) (a, b []*ESPFlow, aName, bName string) {
	if len(flows) == 0 {
		return
	}
	first := flows[0].Src.Addr()
	for _, f := range flows {
		if f.Src.Addr() == first {
			a = append(a, f)
		} else {
			b = append(b, f)
		}
	}
	aName = first.String()
	bName = flows[0].Dst.Addr().String()
	return
}

// orphanInnerFindings are the inner-traffic findings of ESP flows no session explains
// (a capture of a tunnel negotiated before it began, with the kernel's ESP keys).
func orphanInnerFindings(orphans []*ESPFlow) []Finding {
	pairs := map[[2]netip.Addr][]*ESPFlow{}
	var order [][2]netip.Addr
	for _, f := range orphans {
		if f.Inner == nil {
			continue
		}
		k := [2]netip.Addr{f.Src.Addr(), f.Dst.Addr()}
		if k[1].Less(k[0]) {
			k[0], k[1] = k[1], k[0]
		}
		if pairs[k] == nil {
			order = append(order, k)
		}
		pairs[k] = append(pairs[k], f)
	}
	var out []Finding
	for _, k := range order {
		a, b, an, bn := espDirections(pairs[k])
		peers := an + " → " + bn
		mk := func(code string, sev Severity, what string, frames []int, t time.Time, summary, cause, next string) Finding {
			return Finding{Code: code, Severity: sev, Peers: peers, Exchange: what, Frames: frames, Time: t, Summary: summary, Cause: cause, Next: next}
		}
		out = append(out, innerFindings(mk, an, bn, a, b)...)
		out = append(out, innerFindings(mk, bn, an, b, a)...)
	}
	return out
}

// innerFindings are what a session's ESP shows inside (with keys) and of the path's MTU:
// whatever the capture saw of the negotiation, a capture that begins with the tunnel up
// included.
func (s *Session) innerFindings() []Finding {
	var out []Finding
	if f, ok := s.pathMTU(); ok {
		out = append(out, f)
	}
	if !slices.ContainsFunc(s.ESP, func(f *ESPFlow) bool { return f.Inner != nil }) {
		return out
	}
	var fromI, fromR []*ESPFlow
	for _, f := range s.ESP {
		if f.FromInitiator {
			fromI = append(fromI, f)
		} else {
			fromR = append(fromR, f)
		}
	}
	mk := func(code string, sev Severity, what string, frames []int, t time.Time, summary, cause, next string) Finding {
		return s.newFinding(code, sev, what, frames, t, summary, cause, next)
	}
	i, r := s.Initiator.Addr().String(), s.Responder.Addr().String()
	out = append(out, innerFindings(mk, i, r, fromI, fromR)...)
	out = append(out, innerFindings(mk, r, i, fromR, fromI)...)
	out = append(out, s.outsideSelectors(fromI, fromR)...)
	return out
}

// outsideSelectors reports inner packets whose addresses the negotiated traffic
// selectors (proxy IDs) do not cover.
func (s *Session) outsideSelectors(fromI, fromR []*ESPFlow) []Finding {
	if s.rare == nil || len(s.rare.ts) == 0 {
		return nil
	}
	var out []Finding
	check := func(flows []*ESPFlow, fromInit bool) {
		var bad []*InnerFlow
		var own, other []addrRange // the selectors of the first SA found wanting
		for _, ef := range flows {
			ts := s.rare.ts[ef.SPI]
			if ef.Inner == nil || ts == nil {
				continue // no selectors known for this SA's negotiation
			}
			o, p := ts[0], ts[1]
			if !fromInit {
				o, p = p, o
			}
			for _, fl := range ef.Inner.Flows {
				// Outside whichever way round: a capture begun late may see a Quick
				// Mode's answer without its request and take one for the other, and
				// the sides of the selectors with it.
				if !(rangesCover(o, fl.Src) && rangesCover(p, fl.Dst)) && !(rangesCover(p, fl.Src) && rangesCover(o, fl.Dst)) {
					if bad == nil {
						own, other = o, p
					}
					bad = append(bad, fl)
				}
			}
		}
		if len(bad) == 0 {
			return
		}
		var names []string
		var frames []int
		for _, fl := range bad[:min(len(bad), 5)] {
			names = append(names, fl.String())
			frames = append(frames, fl.firstRef)
		}
		sender := side(fromInit)
		out = append(out, s.newFinding(CodeInnerSelectors, Warning, "inner traffic", frames, bad[0].First,
			fmt.Sprintf("The %s sends inner packets the negotiated selectors (%s ⇄ %s) do not cover: %s.", sender, rangesText(own), rangesText(other), strings.Join(names, "; ")),
			"The two gateways' policies differ from what was negotiated: the sender's kernel policy (SPD) sends this traffic into the SA although the negotiation agreed on narrower selectors, so the receiver's policy check drops it after decryption (Linux: XfrmInTmplMismatch; Cisco: 'proxy identities not supported' or %RECVD_PKT_NOT_IPSEC).",
			"Make the protected subnets (leftsubnet/rightsubnet, local_ts/remote_ts, crypto ACLs) the same on both gateways, and look for a second policy on the sender that routes this traffic into the tunnel.").where(SettingSelectors))
	}
	check(fromI, true)
	check(fromR, false)
	return out
}

// addrRange is an inclusive range of addresses from a traffic selector or proxy ID.
type addrRange struct{ lo, hi netip.Addr }

func rangesCover(rs []addrRange, a netip.Addr) bool {
	for _, r := range rs {
		if a.BitLen() == r.lo.BitLen() && r.lo.Compare(a) <= 0 && a.Compare(r.hi) <= 0 {
			return true
		}
	}
	return false
}

func rangesText(rs []addrRange) string {
	var parts []string
	for _, r := range rs {
		if r.lo == r.hi {
			parts = append(parts, r.lo.String())
		} else if p, ok := rangePrefix(r); ok {
			parts = append(parts, p.String())
		} else {
			parts = append(parts, r.lo.String()+"-"+r.hi.String())
		}
	}
	return strings.Join(parts, ", ")
}

// rangePrefix writes a range as a prefix when it is one.
func rangePrefix(r addrRange) (netip.Prefix, bool) {
	for bits := 0; bits <= r.lo.BitLen(); bits++ {
		p, err := r.lo.Prefix(bits)
		if err != nil || p.Addr() != r.lo {
			continue
		}
		if last := lastAddr(p); last == r.hi {
			return p, true
		}
	}
	return netip.Prefix{}, false
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// idRange reads an IKEv1 proxy ID (ID_IPV4_ADDR, _SUBNET, _RANGE and the IPv6 ones).
func idRange(id *decode.Identification) (addrRange, bool) {
	d := id.Data
	addr := func(b []byte) netip.Addr { a, _ := netip.AddrFromSlice(b); return a }
	switch {
	case id.Type == 1 && len(d) == 4, id.Type == 5 && len(d) == 16:
		a := addr(d)
		return addrRange{a, a}, true
	case id.Type == 4 && len(d) == 8, id.Type == 6 && len(d) == 32:
		n := len(d) / 2
		a, mask := addr(d[:n]), d[n:]
		bits := 0
		for _, b := range mask {
			for ; b&0x80 != 0; b <<= 1 {
				bits++
			}
		}
		p, err := a.Prefix(bits)
		if err != nil {
			return addrRange{}, false
		}
		return addrRange{p.Addr(), lastAddr(p)}, true
	case id.Type == 7 && len(d) == 8, id.Type == 8 && len(d) == 32:
		n := len(d) / 2
		return addrRange{addr(d[:n]), addr(d[n:])}, true
	}
	return addrRange{}, false
}

// childTS are the addresses a child SA's selectors put behind the IKE initiator [0]
// and the responder [1].
type childTS [2][]addrRange

// add records one selector of a Phase 2 message: childInit says it is the side of the
// child SA's initiator (TSi, IDci), who is the sender of the request.
func (ts *childTS) add(msg *Msg, childInit bool, r addrRange) {
	reqFromInit := msg.FromInitiator != msg.Response
	idx := 0
	if childInit != reqFromInit {
		idx = 1
	}
	if !slices.Contains(ts[idx], r) {
		ts[idx] = append(ts[idx], r)
	}
}

// learnSelectors ties a Phase 2 message's selectors to the ESP SPIs it names: the ESP
// of those SPIs is held to them, never to another child SA's (a refused one, or one
// whose negotiation the capture did not see).
func (s *Session) learnSelectors(spis []uint32, ts childTS) {
	if len(spis) == 0 || len(ts[0]) == 0 && len(ts[1]) == 0 {
		return
	}
	r := s.more()
	if r.ts == nil {
		r.ts = map[uint32]*childTS{}
	}
	for _, spi := range spis {
		c := r.ts[spi]
		if c == nil {
			c = &childTS{}
			r.ts[spi] = c
		}
		for side := range c {
			for _, x := range ts[side] {
				if !slices.Contains(c[side], x) {
					c[side] = append(c[side], x)
				}
			}
		}
	}
}

// pathMTU reports routers that say the tunnel's ESP packets are too big for the path
// (ICMP fragmentation needed, ICMPv6 packet too big, quoting an ESP packet): the tunnel's
// overhead pushed full-size inner packets over the path's MTU.
func (s *Session) pathMTU() (Finding, bool) {
	var first *ICMPInfo
	n, mtu, size := 0, 0, 0
	var frames []int
	encap := slices.ContainsFunc(s.ESP, func(f *ESPFlow) bool { return f.Encap })
	for i := range s.ICMP {
		ic := &s.ICMP[i]
		if ic.MTU == 0 && ic.Meaning != "fragmentation needed / packet too big" {
			continue
		}
		if ic.Proto != 50 && !(ic.Proto == 17 && ic.About.Port() == 4500 && encap) {
			continue
		}
		if first == nil {
			first = ic
		}
		n++
		mtu, size = ic.MTU, max(size, ic.Size)
		if len(frames) < 2 {
			frames = append(frames, ic.ref)
		} else {
			frames[1] = ic.ref
		}
	}
	if first == nil {
		return Finding{}, false
	}
	sender := side(first.ToInit)
	mtuText := "gives no MTU"
	if mtu > 0 {
		mtuText = fmt.Sprintf("says the path's MTU is %d", mtu)
	}
	sizeText := ""
	if size > 0 {
		sizeText = fmt.Sprintf(" of up to %d bytes", size)
	}
	sev, after := Warning, ""
	for _, f := range s.ESP {
		// The sender took the ICMP into account: its big ESP packets now leave in IP
		// fragments (and the receiver reassembles them).
		if f.FromInitiator == first.ToInit && f.Fragmented > 0 && f.fragAt.After(first.Time) {
			sev = Info
			after = fmt.Sprintf(" The %s then sent its big ESP packets in IP fragments (%d, from frame %d): traffic passes, at the cost of fragmentation.", sender, f.Fragmented, refFrame(f.fragRef))
			frames = append(frames, f.fragRef)
			break
		}
	}
	return s.newFinding(CodePathMTU, sev, "ESP", frames, first.Time,
		fmt.Sprintf("%d ICMP error%s from %s: the %s's ESP packets%s are too big for the path, which %s.%s", n, plural(n), first.From, sender, sizeText, mtuText, after),
		"ESP adds 50 to 80 bytes to every inner packet, so full-size inner packets (1500 bytes) no longer fit a path with a smaller MTU (PPPoE, another tunnel, a cloud network). With don't-fragment set they are dropped: pings and small packets pass, file transfers, TLS handshakes and RDP hang. The sender learns the smaller MTU only if this ICMP reaches it and it passes the smaller size on to the inner hosts.",
		"Clamp the TCP MSS of the tunnel's traffic on the gateways (iptables -t mangle ... TCPMSS --clamp-mss-to-pmtu, or a fixed MSS of about 1360; ASA: sysopt connection tcpmss), or lower the MTU of the tunnel interface; let ICMP fragmentation-needed through firewalls on the path, and test with ping -M do -s SIZE across the tunnel."), true
}

// mtuBlackHole finds echo requests that go unanswered because of their size: in one
// inner conversation, the requests that got no reply are all bigger than every one that
// did, and the tunnel carried answers back after the first of them. Pings of two sizes
// (ping -s) are how admins test a path's MTU; a path that drops big packets without a
// word (its ICMP filtered) answers only the small ones.
func mtuBlackHole(out, back []*ESPFlow) (lost []echoRequest, answeredMax int, fl *InnerFlow) {
	for _, ef := range out {
		if ef.Inner == nil {
			continue
		}
		for _, f := range ef.Inner.Flows {
			if len(f.echo) < 3 {
				continue
			}
			r := reverse(f, ef, back)
			if r == nil || len(r.replies) == 0 {
				continue
			}
			var miss []echoRequest
			maxOK, minMiss := 0, 1<<30
			for _, e := range f.echo {
				if slices.Contains(r.replies, e.idSeq) {
					maxOK = max(maxOK, e.size)
				} else {
					miss = append(miss, e)
					minMiss = min(minMiss, e.size)
				}
			}
			if len(miss) < 2 || maxOK == 0 || minMiss <= maxOK {
				continue
			}
			if openedAfter(back, miss[0].t) == nil {
				continue
			}
			return miss, maxOK, f
		}
	}
	return nil, 0, nil
}

// outerLen is the length of the IP packet that carried an ESP packet: what a path's MTU
// limits.
func outerLen(m *decode.Message) int {
	n := m.ESP.Len + 8
	if m.Encap {
		n += 8
	}
	if m.Src.Addr().Is4() {
		return n + 20
	}
	return n + 40
}

// oneWayInner says, for ESP that flows one way, what keys showed inside it: packets
// intact by their ICV rule out the sender's keys and a corrupting path, and the inner
// conversations say whose traffic goes unanswered.
func oneWayInner(flows []*ESPFlow) string {
	opened, verified := 0, true
	var names []string
	for _, f := range flows {
		t := f.Inner
		if t == nil || t.Opened == 0 {
			continue
		}
		opened += t.Opened
		verified = verified && t.Integrity == "verified"
		for _, fl := range t.Flows {
			if len(names) < 3 {
				names = append(names, fl.String())
			}
		}
	}
	if opened == 0 {
		return ""
	}
	what := "decrypt"
	if verified {
		what = "decrypt and pass the integrity check"
	}
	return fmt.Sprintf(" With the keys given, %d of them %s (they carry %s): the sender's SA is sound, so the question is whether they reach the other gateway and whether its SA holds the same keys.", opened, what, strings.Join(names, "; "))
}

package analyze

import (
	"fmt"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/ikescope/ikescope/decode"
)

// Several captures of one tunnel (both gateways, a firewall in between) are one story:
// the same packet seen at two points is one message with a transit delay, and a packet
// seen at one point and never at the other was lost between them. The caller feeds the
// captures merged in time order (each shifted by its clock offset, EstimateOffset) and
// says which capture each message comes from with SetCapture.

// A frame reference names a frame of one of the captures: the capture's index in the
// high bits and the frame number, as Wireshark shows it, in the low 32. For the first
// capture a reference is its frame number, so one capture reads as it always did.
func makeRef(capture, frame int) int { return capture<<32 | frame }

// refCapture and refFrame take a frame reference apart.
func refCapture(ref int) int { return ref >> 32 }
func refFrame(ref int) int   { return ref & 0xffffffff }

// FrameRef is a frame of a named capture, as findings cite their evidence.
type FrameRef struct {
	Capture string `json:"capture"`
	Frame   int    `json:"frame"`
}

// Sighting is one more capture point that saw a message: where, which frame, when (on
// the common timeline) and how long after the first sighting.
type Sighting struct {
	Capture string        `json:"capture"`
	Frame   int           `json:"frame"`
	Time    time.Time     `json:"time"`
	Transit time.Duration `json:"transit_ns"`
	// Incomplete is set when this point saw only some IP fragments of the message.
	Incomplete bool `json:"incomplete,omitempty"`

	capIdx int
}

// keepFrames is how many of its first and of its last frames a finding cites.
const keepFrames = 10

// transitMax bounds the transit delay between two capture points of one path, after
// the clocks are aligned: longer than any path between two gateways, shorter than the
// one-second retransmission intervals of IKE daemons, so a copy is not taken for the
// next retransmission.
const transitMax = 500 * time.Millisecond

// SetCapture makes the i-th capture (in the order StartCapture named them) the one the
// next messages come from, for input merged from several captures.
func (a *Analyzer) SetCapture(i int) {
	if i >= 0 && i < len(a.captures) {
		a.cur, a.curIdx = &a.captures[i], i
		if i > 0 {
			a.multi = true
		}
	}
}

// SetClock records what the caller learnt of a capture's clock: the offset it was
// shifted by to line it up with the first capture, and on how many shared packets that
// rests (0: it shares none and stands apart).
func (a *Analyzer) SetClock(i int, offset time.Duration, shared int, apart string) {
	if i >= 0 && i < len(a.captures) {
		c := &a.captures[i]
		c.ClockOffset, c.SharedPackets, c.Apart = offset, shared, apart
	}
}

// localize gives a message of the current capture frame references in place of frame
// numbers. The first capture's are unchanged.
func (a *Analyzer) localize(m *decode.Message) *decode.Message {
	if a.curIdx == 0 {
		return m
	}
	c := *m
	c.Frame = makeRef(a.curIdx, m.Frame)
	if f := m.Fragments; f != nil {
		fc := *f
		fc.Frames = make([]int, len(f.Frames))
		for i, fr := range f.Frames {
			fc.Frames[i] = makeRef(a.curIdx, fr)
		}
		c.Fragments = &fc
	}
	return &c
}

// captureName names capture i.
func (a *Analyzer) captureName(i int) string {
	if i >= 0 && i < len(a.captures) {
		return a.captures[i].Name
	}
	return ""
}

// evidence turns frame references into named frames.
func (a *Analyzer) evidence(frames []int) []FrameRef {
	out := make([]FrameRef, len(frames))
	for i, f := range frames {
		out[i] = FrameRef{Capture: a.captureName(refCapture(f)), Frame: refFrame(f)}
	}
	return out
}

// sameElsewhere finds the message a new one repeats from another capture point: the
// same bytes from the same side, first seen at another capture, not yet seen at this
// one, within the transit bound. Copies of a retransmitted message pair up in order.
func sameElsewhere(ex *Exchange, msg *Msg) *Msg {
	var best *Msg
	for _, prev := range ex.Messages {
		if prev.FromInitiator != msg.FromInitiator || prev.capIdx == msg.capIdx || prev.seenAt(msg.capIdx) {
			continue
		}
		// The same bytes; or, where one point saw only some IP fragments of the
		// datagram, the same header (exchange, message ID, direction).
		same := prev.hash == msg.hash
		if !same && (prev.incomplete || msg.incomplete) {
			same = prev.Response == msg.Response && prev.MessageID == msg.MessageID && prev.ExchangeType == msg.ExchangeType
		}
		if !same {
			continue
		}
		if d := msg.Time.Sub(prev.Time).Abs(); d <= transitMax && (best == nil || prev.Time.Before(best.Time)) {
			best = prev
		}
	}
	return best
}

// seenAt reports whether a capture saw the message.
func (m *Msg) seenAt(capIdx int) bool {
	if m.capIdx == capIdx {
		return true
	}
	for _, c := range m.seenIdx {
		if c == capIdx {
			return true
		}
	}
	return false
}

// sighted records another capture point's copy of a message.
func (a *Analyzer) sighted(first *Msg, copy *Msg) {
	first.seenIdx = append(first.seenIdx, copy.capIdx)
	first.Seen = append(first.Seen, Sighting{Capture: a.captureName(copy.capIdx), Frame: refFrame(copy.Frame),
		Time: copy.Time, Transit: copy.Time.Sub(first.Time), Incomplete: copy.incomplete, capIdx: copy.capIdx})
	if first.incomplete && !copy.incomplete {
		// The whole message was seen elsewhere: the fragments were lost here.
		first.partialAt = append(first.partialAt, first.capIdx)
	}
	if copy.incomplete {
		first.partialAt = append(first.partialAt, copy.capIdx)
	}
}

// wholeAt reports whether a capture saw the whole message (not only some of its IP
// fragments).
func (m *Msg) wholeAt(capIdx int) bool {
	if !m.seenAt(capIdx) {
		return false
	}
	for _, c := range m.partialAt {
		if c == capIdx {
			return false
		}
	}
	return !(m.incomplete && m.capIdx == capIdx)
}

// flowSight is what one capture point saw of an ESP flow.
type flowSight struct {
	packets           int
	twice             int // packets this point saw again within milliseconds (in and out)
	firstSeq, lastSeq uint32
	first, last       time.Time
	firstRef          int
}

// lossFindings place losses between capture points: a message or ESP packets seen at
// one point and never at another point on the same path, which saw the session's other
// traffic at that time.
func (a *Analyzer) lossFindings(s *Session) []Finding {
	if !a.multi {
		return nil
	}
	var out []Finding
	// Which captures saw this session at all, and over which time.
	seen := map[int][2]time.Time{}
	note := func(c int, t time.Time) {
		w, ok := seen[c]
		if !ok || t.Before(w[0]) {
			w[0] = t
		}
		if !ok || t.After(w[1]) {
			w[1] = t
		}
		seen[c] = w
	}
	for _, m := range s.Messages {
		note(m.capIdx, m.Time)
		for i, c := range m.seenIdx {
			note(c, m.Seen[i].Time)
		}
	}
	for _, f := range s.ESP {
		for c, fs := range f.sights {
			note(c, fs.last)
		}
	}
	if len(seen) < 2 {
		return nil
	}
	points := slices.Sorted(maps.Keys(seen)) // in the order given: maps are walked in no fixed order
	// A capture covers the time from its first packet to its last, and, as the capture
	// points of one tunnel are taken together, on to the session's last message: a file
	// does not record when its capture stopped. Findings that rest on that say so.
	covers := func(c int, t time.Time) bool {
		cp := a.captures[c]
		return !t.Before(cp.First) && !t.After(maxTime(cp.Last, s.Last))
	}
	afterEnd := func(c int, t time.Time) bool { return t.After(a.captures[c].Last) }
	type group struct {
		step      Step
		fromInit  bool
		at, miss  int
		frames    []int
		msgs      []*Msg
		fragments bool
		afterEnd  bool // the missing point's capture holds nothing after some of these messages
		allAfter  bool // nor after any of them
		reached   bool // an earlier copy of the message did reach the missing point
	}
	var groups []*group
	for _, m := range s.Messages {
		whole := false
		for _, c := range points {
			whole = whole || m.wholeAt(c)
		}
		for _, c := range points {
			if m.wholeAt(c) || !whole || !covers(c, m.Time) || s.arrived(m) {
				continue
			}
			at := m.capIdx
			if !m.wholeAt(at) {
				at = c0(m, points) // the point that saw it whole
			}
			var g *group
			for _, x := range groups {
				if x.step == m.Step && x.fromInit == m.FromInitiator && x.at == at && x.miss == c {
					g = x
				}
			}
			if g == nil {
				g = &group{step: m.Step, fromInit: m.FromInitiator, at: at, miss: c, allAfter: true}
				groups = append(groups, g)
			}
			g.allAfter = g.allAfter && afterEnd(c, m.Time)
			if m.exchange != nil && !g.reached {
				for _, o := range m.exchange.Messages {
					if o.hash == m.hash && o.FromInitiator == m.FromInitiator && o.Time.Before(m.Time) && o.wholeAt(c) {
						g.reached = true
					}
				}
			}
			g.frames = append(g.frames, m.wholeRef(at))
			g.msgs = append(g.msgs, m)
			g.fragments = g.fragments || m.Fragments != nil || m.seenAt(c) // seen there in part only
			g.afterEnd = g.afterEnd || afterEnd(c, m.Time)
		}
	}
	for _, g := range groups {
		sender, receiver := s.Initiator.Addr(), s.Responder.Addr()
		if !g.fromInit {
			sender, receiver = receiver, sender
		}
		at, miss := a.captureName(g.at), a.captureName(g.miss)
		code, cause, next := CodeExchangeStalled, "A device between the two capture points drops these packets: a firewall, an ACL or a NAT on the path.", "Check the firewalls and NAT devices between the two capture points for UDP 500/4500 in this direction."
		exch := g.step.String()
		switch {
		case g.fragments:
			code = CodeFragmentsLost
			cause = "The message travels in IP fragments and a device between the capture points drops fragments (many firewalls drop non-first fragments)."
			next = "Enable IKE fragmentation on both sides (RFC 7383; strongSwan/libreswan fragmentation=yes) or let the path pass IP fragments."
		case g.step.First() || g.step == StepIKESAInitRequest:
			code = CodeNoResponse
			exch = g.step.String()
		case g.step == StepMM2 || g.step == StepAM2 || g.step == StepIKESAInitResponse:
			code = CodeReplyNotReaching
			exch = map[Step]Step{StepMM2: StepMM1, StepAM2: StepAM1, StepIKESAInitResponse: StepIKESAInitRequest}[g.step].String()
		}
		how := "never reached"
		if g.fragments && g.msgs[0].seenAt(g.miss) {
			how = "reached only in part (some of its IP fragments) at"
		}
		f := s.newFinding(code, Error, exch, g.frames, g.msgs[0].Time,
			fmt.Sprintf("%s left %s (%s %s) and %s %s (%s): dropped between the capture points.", stepCopies(g.step, len(g.msgs)), sender, at, framesHash(g.frames), how, receiver, miss),
			cause, next)
		switch {
		case g.allAfter && g.reached:
			// Every copy came after the other capture's last packet, and an earlier copy
			// of the same message reached that point: the path worked, the capture may
			// simply have stopped. Not an error on that alone.
			f.Severity = Warning
			f.Summary = fmt.Sprintf("%s from %s (%s %s) is not in %s, which holds nothing after %s, though an earlier copy reached it: if that capture ran on, it was dropped between the capture points; if it had stopped, this proves nothing.",
				stepCopies(g.step, len(g.msgs)), sender, at, framesHash(g.frames), miss, stamp(a.captures[g.miss].Last))
		case g.afterEnd:
			f.Summary += fmt.Sprintf(" (%s holds nothing after %s: if its capture stopped there, this is not proven.)", miss, stamp(a.captures[g.miss].Last))
		}
		f.LostBetween = []string{at, miss}
		f.Step, f.By = g.step, side(g.fromInit)
		out = append(out, f)
	}
	for _, fl := range s.ESP {
		if len(fl.sights) < 2 && len(seen) < 2 {
			continue
		}
		// The point that saw most of the flow (the first given, on a tie) against each
		// other one, in the order given: maps are walked in no fixed order.
		up, upN := -1, 0
		for _, c := range slices.Sorted(maps.Keys(fl.sights)) {
			if fs := fl.sights[c]; fs.packets > upN {
				up, upN = c, fs.packets
			}
		}
		u := fl.sights[up]
		for _, c := range points {
			if c == up {
				continue
			}
			// Only what c's capture could have seen counts: the packets from the flow's
			// start at up, or from c's own first one when c's capture began later, to
			// its end at up, or to c's last one when c's capture stopped before. A
			// file does not record when its capture started or stopped: a point that
			// saw none of the flow must hold packets from before the flow began and
			// after it did (or the session's messages go on after its end).
			cp := &a.captures[c]
			got, expect := 0, upN
			if cs := fl.sights[c]; cs != nil {
				got = cs.packets
				lo, hi := u.firstSeq, u.lastSeq
				if cp.First.After(u.first) {
					lo = max(lo, cs.firstSeq)
				}
				if cp.Last.Before(u.last) {
					hi = min(hi, cs.lastSeq)
				}
				if hi < lo {
					continue
				}
				expect = min(upN, int(hi-lo)+1)
			} else if cp.First.After(u.first) || cp.Last.Before(u.first) || !covers(c, u.last) {
				continue
			}
			if got >= expect {
				continue
			}
			at, miss := a.captureName(up), a.captureName(c)
			code, sev := CodeESPAnomaly, Warning
			if got == 0 {
				code, sev = CodeESPOneWay, Error
			}
			f := s.newFinding(code, sev, fmt.Sprintf("ESP %08x lost", fl.SPI), []int{fl.sights[up].firstRef}, fl.First,
				fmt.Sprintf("ESP on SPI %08x from %s: %d packets left %s%s, %d reached %s: %d dropped between the capture points.", fl.SPI, fl.Src.Addr(), expect, at, while(expect < upN, miss), got, miss, expect-got),
				"A device between the capture points drops ESP in this direction (IP protocol 50, or UDP 4500 for ESP in UDP): a firewall rule, an ACL, or a NAT that lost its mapping.",
				"Check the firewalls and NAT devices between the two capture points for ESP / UDP 4500 in this direction.")
			if got == 0 && cp.Last.Before(u.last) {
				// Counted to the flow's end, past the last packet c's capture holds.
				f.Summary = fmt.Sprintf("ESP on SPI %08x from %s: none of the %d packets that left %s reached %s. Those sent before its last packet (%s) were dropped between the capture points; it may not have recorded the others.",
					fl.SPI, fl.Src.Addr(), upN, at, miss, stamp(cp.Last))
			}
			f.LostBetween = []string{at, miss}
			out = append(out, f)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

// arrived reports whether the capture shows that a message, or a copy of it, reached
// the other peer: a request that peer answered; a response to a request its sender never
// had to repeat, or after which the requester went on to a later request (IKEv2 asks
// one at a time: RFC 7296 2.3). A point that did not record it had stopped, or looked
// elsewhere. A requester that repeated itself and then fell silent may have given up.
func (s *Session) arrived(m *Msg) bool {
	ex := m.exchange
	if ex == nil {
		return false
	}
	if !m.Response {
		for _, o := range ex.Messages {
			if o.FromInitiator != m.FromInitiator && (o.v2 && o.Response || !o.v2 && o.Step == m.Step.Next()) {
				return true
			}
		}
		return false
	}
	repeated := false
	for _, o := range ex.Messages {
		repeated = repeated || o.FromInitiator != m.FromInitiator && o.Retransmit > 0
	}
	if !repeated {
		return true
	}
	for _, o := range s.Messages {
		if o.v2 && !o.Response && o.FromInitiator == ex.ByInitiator && o.MessageID > m.MessageID && o.Time.After(m.Time) {
			return true
		}
	}
	return false
}

// while says, for a count of packets cut to the time another capture ran, that it was.
func while(cut bool, other string) string {
	if !cut {
		return ""
	}
	return " while " + other + " was capturing"
}

func stepCopies(st Step, n int) string {
	if n == 1 {
		return st.String()
	}
	return fmt.Sprintf("%s (%d copies)", st, n)
}

// framesHash lists frames of one capture as "#2 #4 #6".
func framesHash(frames []int) string {
	out := ""
	for i, f := range frames {
		if i > 0 {
			out += " "
		}
		out += fmt.Sprintf("#%d", refFrame(f))
	}
	return out
}

// EstimateOffset estimates how far a second capture's clock is ahead of a first one's,
// from packets both captured, as NTP does: packets going one way arrive later by the
// offset plus the path delay, packets going the other way by the offset minus it, so
// the mean of the two directions' medians is the offset. Each packet is a Fingerprint;
// ok is false when the captures share no packet. With packets in one direction only,
// the offset includes the path delay.
func EstimateOffset(first, second []Fingerprint) (offset time.Duration, shared int, ok bool) {
	// Every copy of each packet, in order: a retransmitted IKE message has the same bytes
	// each time, and a capture that began late lacks its first copies.
	// A copy within milliseconds of the one before is the same packet seen twice (a
	// router captures it on the way in and out): one copy.
	add := func(list []Fingerprint, f Fingerprint) []Fingerprint {
		if n := len(list); n > 0 && f.Time.Sub(list[n-1].Time) < captureDuplicate {
			return list
		}
		return append(list, f)
	}
	copiesA := make(map[uint64][]Fingerprint, len(first))
	for _, f := range first {
		copiesA[f.Key] = add(copiesA[f.Key], f)
	}
	copiesB := make(map[uint64][]Fingerprint, len(second))
	var order []uint64
	for _, g := range second {
		if _, ok := copiesA[g.Key]; !ok {
			continue
		}
		if copiesB[g.Key] == nil {
			order = append(order, g.Key)
		}
		copiesB[g.Key] = add(copiesB[g.Key], g)
	}
	if len(order) == 0 {
		return 0, 0, false
	}
	shift := bestShift(order, copiesA, copiesB)
	bySrc := map[netip.Addr][]time.Duration{}
	for _, k := range order {
		as, bs := copiesA[k], copiesB[k]
		for j, g := range bs {
			i := j + shift[k]
			if i < 0 || i >= len(as) {
				continue
			}
			shared++
			bySrc[as[i].Src] = append(bySrc[as[i].Src], g.Time.Sub(as[i].Time))
		}
	}
	if shared == 0 {
		return 0, 0, false
	}
	var medians []time.Duration
	for _, ds := range bySrc {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		medians = append(medians, ds[len(ds)/2])
	}
	sort.Slice(medians, func(i, j int) bool { return medians[i] < medians[j] })
	if len(medians) == 1 {
		return medians[0], shared, true
	}
	// The two directions: the smallest and the largest median.
	return (medians[0] + medians[len(medians)-1]) / 2, shared, true
}

// bestShift pairs the copies of each packet the two captures share: the j-th copy in the
// second with the (j+shift)-th in the first. A packet seen once in each pairs as it is;
// one retransmitted pairs so that its copies agree with the clock offset the other
// packets show (unique ones first, else the shift most keys agree on): the first copy a
// late capture holds is then paired with the same copy in the other, not with the first.
func bestShift(order []uint64, copiesA, copiesB map[uint64][]Fingerprint) map[uint64]int {
	shift := make(map[uint64]int, len(order))
	// The offsets the unambiguous packets show: seen once at each point, or a copy whose
	// IP identification is found once among the other point's copies (a capture that
	// began during retransmissions holds fewer copies of some messages than of others).
	var sure []time.Duration
	byID := map[uint64]int{}
	for _, k := range order {
		as, bs := copiesA[k], copiesB[k]
		if len(as) == 1 && len(bs) == 1 {
			sure = append(sure, bs[0].Time.Sub(as[0].Time))
			continue
		}
		for j, g := range bs {
			// The first copy of either capture found once in the other: the pair's shift.
			if i, ok := sameIPID(as, g); ok {
				byID[k] = i - j
				sure = append(sure, g.Time.Sub(as[i].Time))
				break
			}
		}
	}
	var ref time.Duration
	haveRef := len(sure) > 0
	if haveRef {
		sort.Slice(sure, func(i, j int) bool { return sure[i] < sure[j] })
		ref = sure[len(sure)/2]
	}
	// Without any, the shift under which the most repeated packets' copies line up: the
	// spread of their offsets is smallest for the right one.
	best := 0
	if !haveRef {
		bestSpread := time.Duration(-1)
		for s := -maxShift; s <= maxShift; s++ {
			var ds []time.Duration
			for _, k := range order {
				as, bs := copiesA[k], copiesB[k]
				for j := range bs {
					if i := j + s; i >= 0 && i < len(as) {
						ds = append(ds, bs[j].Time.Sub(as[i].Time))
					}
				}
			}
			if len(ds) < 2 {
				continue
			}
			sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
			if spread := ds[len(ds)-1] - ds[0]; bestSpread < 0 || spread < bestSpread || spread == bestSpread && abs(s) < abs(best) {
				best, bestSpread = s, spread
			}
		}
	}
	for _, k := range order {
		as, bs := copiesA[k], copiesB[k]
		if i, ok := byID[k]; ok {
			shift[k] = i
			continue
		}
		if len(as) == 1 && len(bs) == 1 || !haveRef {
			shift[k] = best
			if len(as) == 1 && len(bs) == 1 {
				shift[k] = 0
			}
			continue
		}
		// The shift whose first pair's offset is nearest the unambiguous packets'.
		bestK, bestD := 0, time.Duration(-1)
		for s := -(len(bs) - 1); s < len(as); s++ {
			j := 0
			if s < 0 {
				j = -s
			}
			if j >= len(bs) || j+s >= len(as) {
				continue
			}
			d := bs[j].Time.Sub(as[j+s].Time) - ref
			if d < 0 {
				d = -d
			}
			if bestD < 0 || d < bestD {
				bestK, bestD = s, d
			}
		}
		shift[k] = bestK
	}
	return shift
}

// sameIPID finds the copy among as that has g's IP identification, when exactly one
// does.
func sameIPID(as []Fingerprint, g Fingerprint) (int, bool) {
	if g.IPID == 0 {
		return 0, false
	}
	found := -1
	for i, f := range as {
		if f.IPID == g.IPID {
			if found >= 0 {
				return 0, false
			}
			found = i
		}
	}
	return found, found >= 0
}

// maxShift bounds how many copies apart two captures' first copies of a packet may be.
const maxShift = 8

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// Fingerprint identifies a packet a capture point saw, to find it at another point: an
// IKE message by a hash of its bytes, an ESP packet by SPI and sequence number.
type Fingerprint struct {
	Key  uint64
	Time time.Time
	Src  netip.Addr // as this capture saw it: the direction the packet went
	// IPID is the IPv4 identification (0 for IPv6): the same at both points for the
	// same datagram, another for each retransmission of the same bytes.
	IPID uint16
}

// FingerprintOf gives a message's fingerprint, or false for messages that have none.
func FingerprintOf(m *decode.Message) (Fingerprint, bool) {
	switch {
	case m.Kind == decode.KindISAKMP && m.ISAKMP != nil:
		return Fingerprint{Key: hashBytes(m.ISAKMP.Contents), Time: m.Time, Src: m.Src.Addr(), IPID: m.IPID}, true
	case m.Kind == decode.KindESP:
		return Fingerprint{Key: 1<<63 | uint64(m.ESP.SPI)<<31 ^ uint64(m.ESP.Seq), Time: m.Time, Src: m.Src.Addr()}, true
	case m.Kind == decode.KindAH:
		return Fingerprint{Key: 1<<62 | uint64(m.ESP.SPI)<<30 ^ uint64(m.ESP.Seq), Time: m.Time, Src: m.Src.Addr()}, true
	}
	return Fingerprint{}, false
}

func refFrames(refs []int) []int {
	if refs == nil {
		return nil
	}
	out := make([]int, len(refs))
	for i, r := range refs {
		out[i] = refFrame(r)
	}
	return out
}

// refText writes the frame references that text cites as "capture#frame": a frame of
// a capture after the first is a reference above 2^32, a number no other text holds.
func (a *Analyzer) refText(text string) string {
	if len(a.captures) < 2 {
		return text
	}
	return bigNumber.ReplaceAllStringFunc(text, func(n string) string {
		v, err := strconv.Atoi(n)
		if err != nil || refCapture(v) <= 0 || refCapture(v) >= len(a.captures) {
			return n
		}
		return a.captureName(refCapture(v)) + "#" + strconv.Itoa(refFrame(v))
	})
}

var bigNumber = regexp.MustCompile(`\b[0-9]{10,}\b`)

// FrameName names a frame reference for people: its number, with its capture's name
// when the result holds several captures ("gw-b.pcap#12").
func (r *Result) FrameName(ref int) string {
	if len(r.Captures) < 2 {
		return strconv.Itoa(refFrame(ref))
	}
	c := refCapture(ref)
	if c < 0 || c >= len(r.Captures) {
		return strconv.Itoa(refFrame(ref))
	}
	return r.Captures[c].Name + "#" + strconv.Itoa(refFrame(ref))
}

// finishFinding names the captures of a finding's evidence and of the frames its text
// cites.
func (a *Analyzer) finishFinding(f *Finding) {
	if f.Frames == nil {
		f.Frames = []int{}
	}
	if n := len(f.Frames); n > 2*keepFrames {
		// A retransmission storm cites its first and last copies and a count.
		f.Frames = append(append([]int(nil), f.Frames[:keepFrames]...), f.Frames[n-keepFrames:]...)
		f.FramesOmitted = n - 2*keepFrames
	}
	f.Evidence = a.evidence(f.Frames)
	f.Summary, f.Cause, f.Next = a.refText(f.Summary), a.refText(f.Cause), a.refText(f.Next)
}

// c0 is the first of the captures (points) that saw the message whole.
func c0(m *Msg, points []int) int {
	for _, c := range points {
		if m.wholeAt(c) {
			return c
		}
	}
	return m.capIdx
}

// wholeRef is the frame reference of the message's copy at a capture.
func (m *Msg) wholeRef(capIdx int) int {
	if m.capIdx == capIdx {
		return m.Frame
	}
	for _, sg := range m.Seen {
		if sg.capIdx == capIdx {
			return makeRef(capIdx, sg.Frame)
		}
	}
	return m.Frame
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// copyHere reports whether this capture point saw the message already, within
// milliseconds: the capture saw one packet twice.
func copyHere(ex *Exchange, msg *Msg) bool {
	for _, prev := range ex.Messages {
		if prev.hash != msg.hash || prev.FromInitiator != msg.FromInitiator {
			continue
		}
		if prev.capIdx == msg.capIdx && msg.Time.Sub(prev.Time).Abs() < captureDuplicate {
			return true
		}
		for _, sg := range prev.Seen {
			if sg.capIdx == msg.capIdx && msg.Time.Sub(sg.Time).Abs() < captureDuplicate {
				return true
			}
		}
	}
	return false
}

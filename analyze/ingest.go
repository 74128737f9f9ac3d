package analyze

import (
	"bytes"
	"errors"
	"fmt"
	"iter"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ikescope/ikescope/decode"
)

// This file takes one IKE message into its session: who sent it (roles), which exchange
// and step it is, whether it repeats an earlier one, and what it changes in the session.

// senderRole says who sent an IKE message when the message itself tells: IKEv2 by its
// I flag; IKEv1 by the responder cookie (zero only in MM1/AM1, RFC 2408 3.1) and by
// what Main and Aggressive Mode messages carry. sure is false when only the order of
// the exchange can tell (Main Mode's key exchange and identities, Quick Mode,
// Informationals).
func senderRole(x *decode.ISAKMP) (fromInit, sure bool) {
	if x.IsV2() {
		if x.ExchangeType == decode.ExchangeIKESAInit {
			// Only the original initiator sends IKE_SA_INIT requests (RFC 7296 1.2): a
			// request without the Initiator flag is still its.
			return x.Flags&decode.FlagInitiator != 0 || x.Flags&decode.FlagResponse == 0, true
		}
		return x.Flags&decode.FlagInitiator != 0, true
	}
	zero := SPI(x.ResponderSPI).IsZero()
	switch x.ExchangeType {
	case decode.ExchangeMainMode:
		if zero {
			return true, true // MM1: only the initiator sends a zero responder cookie
		}
		if mainModeClass(x) == classSA {
			return false, true // MM2: the responder's chosen proposal
		}
	case decode.ExchangeAggressive:
		return aggressiveFromInit(aggressiveStep(x)), true
	case decode.ExchangeInformationalV1:
		if zero && !SPI(x.InitiatorSPI).IsZero() {
			// Before the responder cookie exists only the responder has anything to
			// say: a refusal of MM1 or AM1 (NO-PROPOSAL-CHOSEN, INVALID-MAJOR-VERSION,
			// vendor notices). A guess: an initiator may also give up that way.
			return false, false
		}
	}
	return true, false
}

// initRoles sets the session's roles from its first message.
func (s *Session) initRoles(m *decode.Message, x *decode.ISAKMP) {
	fromInit, sure := senderRole(x)
	s.RolesKnown = sure
	if fromInit {
		s.Initiator, s.Responder = m.Src, m.Dst
	} else {
		s.Initiator, s.Responder = m.Dst, m.Src
	}
}

// fromInitiator tells whether the sender of m is the session's initiator, by the
// message where it says, else by the addresses the session knows.
func (s *Session) fromInitiator(m *decode.Message, x *decode.ISAKMP) bool {
	if fromInit, sure := senderRole(x); sure {
		return fromInit
	}
	src, dst := m.Src, m.Dst
	if s.Initiator.Addr() == s.Responder.Addr() {
		// Both ends on one address: only the ports tell them apart.
		return src == s.Initiator || dst == s.Responder
	}
	if len(s.addrsI) > 1 || len(s.addrsR) > 1 {
		// Seen at several capture points, across a NAT: any address a side had.
		return s.isInitiator(src.Addr(), dst.Addr())
	}
	switch {
	case src.Addr() == s.Initiator.Addr():
		return true
	case src.Addr() == s.Responder.Addr():
		return false
	case dst.Addr() == s.Responder.Addr():
		return true
	case dst.Addr() == s.Initiator.Addr():
		return false
	}
	return true
}

// notePeers remembers every address each side of the session was seen with (at several
// capture points across a NAT the same side has two), and files the session under each
// address pair so that ESP between those addresses finds it.
func (a *Analyzer) notePeers(s *Session, m *decode.Message, fromInit bool) {
	src, dst := m.Src.Addr(), m.Dst.Addr()
	if !fromInit {
		src, dst = dst, src
	}
	newPair := !slices.Contains(s.addrsI, src) || !slices.Contains(s.addrsR, dst)
	if !slices.Contains(s.addrsI, src) {
		s.addrsI = append(s.addrsI, src)
	}
	if !slices.Contains(s.addrsR, dst) {
		s.addrsR = append(s.addrsR, dst)
	}
	if newPair {
		k := pairOf(src, dst)
		if !slices.Contains(a.byPeers[k], s) {
			a.byPeers[k] = append(a.byPeers[k], s)
		}
	}
}

// isInitiator tells whether traffic from src to dst goes from the initiator, by every
// address the two sides were seen with.
func (s *Session) isInitiator(src, dst netip.Addr) bool {
	switch {
	case slices.Contains(s.addrsI, src) && !slices.Contains(s.addrsR, src):
		return true
	case slices.Contains(s.addrsR, src) && !slices.Contains(s.addrsI, src):
		return false
	case slices.Contains(s.addrsR, dst):
		return true
	}
	return src == s.Initiator.Addr()
}

// sentByCurrentInitiator is fromInitiator by addresses alone: what the session's present
// (possibly guessed) roles say of the sender.
func (s *Session) sentByCurrentInitiator(m *decode.Message) bool {
	if s.Initiator.Addr() == s.Responder.Addr() {
		return m.Src == s.Initiator || m.Dst == s.Responder
	}
	if m.Src.Addr() == s.Initiator.Addr() {
		return true
	}
	if m.Src.Addr() == s.Responder.Addr() {
		return false
	}
	return m.Dst.Addr() == s.Responder.Addr()
}

// learnRoles settles guessed roles from a new message: a message whose sender it names
// (MM1/MM2, Aggressive Mode, any IKEv2 message), or the order of Main Mode, where each
// side sends its SA, key exchange and identity messages in turn and the initiator goes
// first at each turn. It reports whether the roles turned out swapped.
func (s *Session) learnRoles(m *decode.Message, x *decode.ISAKMP) (swapped bool) {
	if s.RolesKnown {
		return false
	}
	byAddr := s.sentByCurrentInitiator(m)
	if fromInit, sure := senderRole(x); sure {
		s.RolesKnown = true
		return fromInit != byAddr
	}
	if x.IsV2() || x.ExchangeType != decode.ExchangeMainMode || x.MessageID != 0 {
		return false
	}
	c := mainModeClass(x)
	if c == classUnknown {
		return false
	}
	if c == classAuth && s.mmSeen[classAuth] && s.mmSender[classAuth].Addr() == m.Src.Addr() && !s.mmSeen[classSA] && !s.mmSeen[classKE] &&
		slices.ContainsFunc(s.Messages, func(o *Msg) bool { return o.Src.Addr() != m.Src.Addr() }) {
		// A capture that began after MM4: one side sends its encrypted identity again
		// and the other, heard in the capture, sends no Main Mode message. MM6 ends
		// the responder's part of Main Mode (nothing is due after it for a timer to
		// wait on), and it sends MM6 again only when MM5 comes again; the side that
		// repeats with no MM5 to answer is the initiator, repeating MM5.
		s.RolesKnown = true
		return !byAddr
	}
	for prev := v1Class(0); prev <= c; prev++ {
		if !s.mmSeen[prev] || s.mmSender[prev].Addr() == m.Src.Addr() {
			continue
		}
		// The other side sent a message of class prev before this one of class c: the
		// earlier sender is the initiator when the classes are equal, the responder
		// when this one is later in the order.
		s.RolesKnown = true
		otherIsInit := prev == c
		thisIsInit := !otherIsInit
		return thisIsInit != byAddr
	}
	return false
}

// noteClass remembers the first sender of each kind of Main Mode message.
func (s *Session) noteClass(m *decode.Message, x *decode.ISAKMP) {
	if x.IsV2() || x.ExchangeType != decode.ExchangeMainMode || x.MessageID != 0 {
		return
	}
	c := mainModeClass(x)
	if c != classUnknown && !s.mmSeen[c] {
		s.mmSeen[c], s.mmSender[c] = true, m.Src
	}
}

// swapRoles exchanges initiator and responder after later messages showed the guess was
// wrong, and renames every step that depended on it.
func (s *Session) swapRoles() {
	s.Initiator, s.Responder = s.Responder, s.Initiator
	s.addrsI, s.addrsR = s.addrsR, s.addrsI
	for _, ex := range s.Exchanges {
		if !numberedFromInitiator(ex.Type) {
			ex.ByInitiator = !ex.ByInitiator
		}
		for _, m := range ex.Messages {
			m.FromInitiator = !m.FromInitiator
		}
	}
	s.replay()
}

// numberedFromInitiator: Main and Aggressive Mode are always begun by the IKE SA's
// initiator.
func numberedFromInitiator(t decode.ExchangeType) bool {
	return t == decode.ExchangeMainMode || t == decode.ExchangeAggressive
}

func (a *Analyzer) addISAKMP(m *decode.Message) {
	x := m.ISAKMP
	s := a.findSession(m, x)
	if s == nil {
		return
	}
	if s.ResponderSPI.IsZero() {
		s.ResponderSPI = SPI(x.ResponderSPI)
	}
	// A capture out of time order (merged, or sorted by connection) may show a
	// session's messages out of order: its span is its earliest to its latest.
	if m.Time.After(s.Last) {
		s.Last = m.Time
	}
	if m.Time.Before(s.First) {
		s.First = m.Time
	}
	s.active(m.Time)
	if m.TCP {
		s.TCP = true
	}
	if s.learnRoles(m, x) {
		s.swapRoles()
	}
	s.noteClass(m, x)
	fromInit := s.fromInitiator(m, x)
	if a.curIdx == s.capIdx {
		// Follow address and port changes (NAT, MOBIKE, the float to 4500) as the
		// session's own capture point sees them.
		if fromInit {
			s.noteAddress(&s.Initiator, m.Src, true, m)
			s.noteAddress(&s.Responder, m.Dst, false, m)
		} else {
			s.noteAddress(&s.Responder, m.Src, false, m)
			s.noteAddress(&s.Initiator, m.Dst, true, m)
		}
	} else if m.Src.Port() == 4500 || m.Dst.Port() == 4500 {
		// Another point saw IKE on UDP 4500: it floated there, whatever the session's own
		// point holds (it may have begun or ended before the float). Under the same
		// addresses (no NAT between the points) the sides' ports follow.
		s.Floated = true
		src, dst := &s.Responder, &s.Initiator
		if fromInit {
			src, dst = dst, src
		}
		if src.Addr() == m.Src.Addr() && dst.Addr() == m.Dst.Addr() {
			*src, *dst = m.Src, m.Dst
		}
	}
	a.notePeers(s, m, fromInit)
	if len(a.captures) > 1 && !slices.Contains(s.Captures, a.cur.Name) {
		s.Captures = append(s.Captures, a.cur.Name)
	}
	msg := a.newMsg(s)
	*msg = Msg{
		Frame:         m.Frame,
		FrameNumber:   refFrame(m.Frame),
		Time:          m.Time,
		Src:           m.Src,
		Dst:           m.Dst,
		FromInitiator: fromInit,
		ExchangeType:  x.ExchangeType,
		MessageID:     x.MessageID,
		Encrypted:     x.Encrypted != nil || hasSK(x),
		Size:          int(x.Length),
		Fragments:     m.Fragments,
		Truncated:     x.Truncated || m.Kind == decode.KindIncomplete,
		raw:           x.Datagram(),
		cut:           m.Truncated || m.Kind == decode.KindIncomplete,
		noMarker:      x.HasAnomaly(decode.AnomalyNoNonESPMarker),
		v2:            x.IsV2(),
		hash:          messageHash(x),
		ipID:          m.IPID,
		zeroRSPI:      SPI(x.ResponderSPI).IsZero(),
		capIdx:        a.curIdx,
		capture:       a.cur.Name,
		incomplete:    m.Kind == decode.KindIncomplete,
	}
	if len(x.Contents) < decode.HeaderLen {
		// Kept as decoded (a copy: a reader's decoder reuses its own, Reader.Recycle).
		tree := *x
		msg.raw, msg.tree = nil, &tree
	}
	if len(a.captures) > 1 {
		msg.Capture = a.cur.Name
	}
	if !msg.v2 && x.ExchangeType == decode.ExchangeMainMode {
		msg.class = mainModeClass(x)
	}
	if !msg.v2 && x.ExchangeType == decode.ExchangeAggressive {
		msg.amStep = aggressiveStep(x)
	}
	for _, err := range x.Errors {
		msg.Errors = append(msg.Errors, err.Error())
	}
	if o := m.Opened; o != nil {
		side := 0
		if msg.FromInitiator {
			side = 1
		}
		switch {
		case o.Err != nil && m.Truncated:
			// Cut by the snap length: the truncated finding says why it does not open.
			msg.DecryptError = o.Err.Error()
		case o.Err != nil:
			msg.DecryptError = o.Err.Error()
			s.decFail = append(s.decFail, m.Frame)
			s.decBy[side].failed++
			if s.decErr == "" {
				s.decErr = o.Err.Error()
				s.decLate = errors.Is(o.Err, decode.ErrNotInCapture)
				s.decChecksum = errors.Is(o.Err, decode.ErrChecksumOnly)
			}
		default:
			msg.Decrypted, msg.Inner, msg.Integrity = true, o.Payloads, o.Integrity
			s.decBy[side].opened++
		}
	}
	for p := range msg.allPayloads(x) {
		if d := p.Delete; d != nil && (d.ProtocolID == decode.ProtocolAH || d.ProtocolID == decode.ProtocolESP) && d.SPISize == 4 {
			if s.deleted == nil {
				s.deleted = map[uint32]deletion{}
			}
			for _, spi := range d.SPIs {
				s.deleted[spi32(spi)] = deletion{m.Time, m.Frame}
			}
		}
		if d := p.Delete; d != nil {
			spis := make([][]byte, len(d.SPIs))
			for i, spi := range d.SPIs {
				spis[i] = append([]byte(nil), spi...)
			}
			msg.deletes = append(msg.deletes, deleteInfo{Protocol: d.ProtocolID, SPIs: spis})
		}
		if n := p.Notify; n != nil {
			if msg.Notifies == nil {
				msg.Notifies = make([]NotifyInfo, 0, notifyCount(x, msg.Inner))
			}
			msg.Notifies = append(msg.Notifies, NotifyInfo{Type: n.Type, Error: n.Type.IsError(),
				group: n.Group, gateway: n.Gateway, text: notifyText(n.Data)})
		}
		switch {
		case p.KE != nil:
			msg.hasKE, msg.keGroup = true, p.KE.Group
		case p.Encrypted != nil && p.Encrypted.TotalFragments <= 1:
			msg.hasSK, msg.skFirst, msg.skLen = true, p.Encrypted.FirstPayload, len(p.Encrypted.Data)
			if p.Partial && int(p.Length) >= 4+len(p.Body) {
				// Cut by the snap length: its size is what its header says.
				msg.skLen += int(p.Length) - 4 - len(p.Body)
			}
		}
	}
	for _, p := range msg.Inner {
		msg.innerSA = msg.innerSA || p.SA != nil
		msg.innerAut = msg.innerAut || p.Type == decode.PayloadAuth
		msg.innerEAP = msg.innerEAP || p.Type == decode.PayloadEAP
	}
	if msg.Decrypted {
		msg.ra = remoteOf(msg.Inner, msg.v2)
	} else if !msg.Encrypted {
		msg.ra = remoteOf(x.Payloads, msg.v2)
	}
	ex := s.exchangeFor(x, msg)
	msg.exchange = ex
	if a.multi {
		if copyHere(ex, msg) {
			// The same packet again at the same point within milliseconds (a router
			// capture sees it coming in and going out).
			s.Duplicates++
			s.notePointDup(msg.capIdx, a.captureName(msg.capIdx), msg.FromInitiator)
			a.cur.Duplicates++
			s.forgetMoves(m.Frame)
			a.unusedMsg(s, msg)
			return
		}
		if first := sameElsewhere(ex, msg); first != nil {
			// The same packet at another capture point: one message, seen twice.
			a.sighted(first, msg)
			a.unusedMsg(s, msg)
			return
		}
	}
	if n := len(ex.Messages); n > 0 {
		if prev := ex.Messages[n-1]; prev.hash == msg.hash && prev.FromInitiator == msg.FromInitiator && prev.capIdx == msg.capIdx && msg.Time.Sub(prev.Time) < captureDuplicate &&
			!(prev.ipID != 0 && msg.ipID != 0 && prev.ipID != msg.ipID) {
			// The same packet again within milliseconds: the capture saw it twice. Not
			// another datagram (another IP identification): a retransmission that
			// soon, or a capture whose clock was squeezed.
			s.Duplicates++
			a.cur.Duplicates++
			prev.seenTwice = true
			if msg.FromInitiator {
				s.dupIKE[1]++
			} else {
				s.dupIKE[0]++
			}
			s.forgetMoves(m.Frame)
			a.unusedMsg(s, msg)
			return
		}
	}
	if prev := copyOf(ex, msg, a.variesIPID(msg.Src.Addr())); prev != nil {
		// The same datagram again, later: the file holds two captures of the traffic.
		s.Duplicates++
		a.cur.Duplicates++
		s.copyShift = max(s.copyShift, msg.Time.Sub(prev.Time))
		s.forgetMoves(m.Frame)
		a.unusedMsg(s, msg)
		return
	}
	// A retransmission is the same bytes again from the same side.
	for i := len(ex.Messages) - 1; i >= 0; i-- {
		prev := ex.Messages[i]
		if prev.hash == msg.hash && prev.FromInitiator == msg.FromInitiator {
			if prev.Retransmit >= maxCopies && !a.multi {
				// A storm: past maxCopies, a run of copies is one record, the
				// latest, that counts those it stands for (each side's, when the
				// other answers every copy).
				prev.Folded++
				prev.Retransmit++
				s.folds = true
				prev.Interval = m.Time.Sub(prev.Time)
				prev.Frame, prev.FrameNumber, prev.Time = m.Frame, refFrame(m.Frame), m.Time
				s.Retransmits++
				ex.span(m.Time)
				a.unusedMsg(s, msg)
				return
			}
			msg.Retransmit = prev.Retransmit + 1
			msg.Interval = msg.Time.Sub(prev.Time)
			// The same bytes: the copy shares the first one's decode, so that a storm
			// of retransmissions costs a small record per copy, not a decode each.
			msg.orig = prev
			if prev.orig != nil {
				msg.orig = prev.orig
			}
			msg.raw, msg.tree, msg.Inner = msg.orig.raw, msg.orig.tree, msg.orig.Inner
			msg.Notifies, msg.deletes = msg.orig.Notifies, msg.orig.deletes
			break
		}
	}
	if n, total := fragmentOf(x); n > 1 {
		msg.Fragment = fmt.Sprintf("%d/%d", n, total)
		msg.laterFragment = true
		if total > 0 {
			// The last fragment tells the total (IKEv1): the ones before it learn it.
			for i := len(ex.Messages) - 1; i >= 0; i-- {
				if o := ex.Messages[i]; o.FromInitiator == msg.FromInitiator && strings.HasSuffix(o.Fragment, "/0") {
					o.Fragment = strings.TrimSuffix(o.Fragment, "0") + strconv.Itoa(total)
				}
			}
		}
	} else if n == 1 {
		msg.Fragment = fmt.Sprintf("1/%d", total)
	}
	if msg.Retransmit > 0 {
		s.Retransmits++
	}
	if msg.orig == nil && !msg.incomplete {
		// What it carries, while its decode is at hand: the report need not decode it again.
		msg.Payloads = a.payloadSummary(x)
	}
	ex.Messages = append(ex.Messages, msg)
	ex.span(m.Time)
	if len(s.Messages) < a.opts.MaxMessages {
		s.Messages = append(s.Messages, msg)
		ex.inLadder = true
	} else {
		s.MessagesDropped++
		if len(s.Exchanges) > a.opts.MaxMessages {
			s.pruneExchanges(msg.Time, a.opts.ReplyTimeout)
		}
	}
	if len(x.Errors) > 0 && !x.Truncated {
		s.malformed = append(s.malformed, m.Frame)
	}
	for _, an := range x.Anomalies {
		if len(s.anomalies) < 50 {
			s.anomalies = append(s.anomalies, anomalyAt{m.Frame, an})
		}
	}
	if m.Truncated && m.Kind != decode.KindIncomplete {
		a.noteTruncated(m.Frame)
	}
	s.step(msg, ex)
	if a.opts.Implementations {
		s.fpObserve(msg, x)
	}
	s.update(msg, x, ex, &a.props)
	if msg.Retransmit == 0 && (msg.Step == StepQM3 || msg.v2 && msg.Response &&
		(x.ExchangeType == decode.ExchangeIKEAuth || x.ExchangeType == decode.ExchangeCreateChildSA) && !hasErrorNotify(msg)) {
		s.lastChildAt = msg.Time
	}
	if msg.Decrypted {
		a.phase2(s, msg)
	}
	if msg.Retransmit == 0 && (len(msg.Notifies) > 0 || hasDelete(msg) || completes(msg)) {
		// Notifications and deletes are known the moment they arrive; a completed
		// negotiation may refute what was said before it. Nobody watching (a file), the
		// findings wait for the end: only what the analysis itself goes by is derived.
		if a.watched() {
			a.refresh(s, false)
		} else {
			s.derive()
		}
	}
}

// notifyCount counts the Notify payloads among a message's clear and decrypted
// payloads, so that its Notifies are allocated once at their size.
func notifyCount(x *decode.ISAKMP, inner []decode.Payload) int {
	n := 0
	for _, list := range [2][]decode.Payload{x.Payloads, inner} {
		for i := range list {
			if list[i].Notify != nil {
				n++
			}
		}
	}
	return n
}

// msgBlock is where a session's next messages are allocated (Analyzer.newMsg).
type msgBlock struct {
	msgs []Msg
	used int
}

// maxMsgBlock caps the messages allocated together: at most this many, less one, are
// allocated and not (yet) used, per session.
const maxMsgBlock = 4

// messageHash tells copies of a message apart from other messages: its bytes, and for
// one the capture cut short (the same first bytes for QM1 and QM3) the length it had.
func messageHash(x *decode.ISAKMP) uint64 {
	h := hashBytes(x.Contents)
	if x.Truncated {
		h ^= uint64(x.Length) * 0x9e3779b97f4a7c15
	}
	return h
}

// newMsg returns a zero Msg for a message of s. The messages a session keeps in its
// ladder (Session.Messages) live exactly as long as the session, so they are allocated
// a few at a time, in blocks of 1 (with the session, see sessionBox), 2, then 4, one
// block per session: no block holds another session's message, and a block is let go
// of with its session. Past the ladder's room (Options.MaxMessages) messages may be let
// go of earlier (pruneExchanges) and are allocated one by one, as before.
func (a *Analyzer) newMsg(s *Session) *Msg {
	if len(s.Messages) >= a.opts.MaxMessages {
		return new(Msg)
	}
	b := a.msgBlocks[s]
	if b.used == len(b.msgs) {
		b = msgBlock{msgs: make([]Msg, min(max(2*len(b.msgs), 2), maxMsgBlock))}
	}
	m := &b.msgs[b.used]
	b.used++
	a.msgBlocks[s] = b
	return m
}

// unusedMsg gives back the Msg newMsg just returned, for a message that was not kept (a
// duplicate, a copy folded into another): the next message of the session takes it.
func (a *Analyzer) unusedMsg(s *Session, m *Msg) {
	b, ok := a.msgBlocks[s]
	if ok && b.used > 0 && &b.msgs[b.used-1] == m {
		b.msgs[b.used-1] = Msg{}
		b.used--
		a.msgBlocks[s] = b
	}
}

// copyOf finds the message of which msg is a second copy: the same bytes from the same
// side in the same IPv4 datagram (its identification; RFC 6864 4.1: unique for the
// source, destination and protocol while the datagram may be alive), captured again. A
// retransmission is a new datagram with an identification of its own. Only a sender
// seen to vary its identifications (varies) is read so: a datagram that cannot be
// fragmented may carry any, the same in each (RFC 6864 4.1), often 0.
//
// An IKEv2 answer is also a copy, whatever the sender does with identifications, when no
// copy of the request came between: a responder sends an answer again only when the
// request comes again (RFC 7296 2.1).
func copyOf(ex *Exchange, msg *Msg, varies bool) *Msg {
	if msg.ipID == 0 {
		return nil
	}
	for i := len(ex.Messages) - 1; i >= 0; i-- {
		prev := ex.Messages[i]
		// Not the addresses: a capture on a NAT router holds each datagram twice, under
		// its inside and its outside addresses (its identification unchanged).
		if prev.ipID != msg.ipID || prev.hash != msg.hash || prev.FromInitiator != msg.FromInitiator || prev.capIdx != msg.capIdx || prev.Folded != 0 {
			continue
		}
		if varies || msg.v2 && msg.Response && !slices.ContainsFunc(ex.Messages[i+1:], func(o *Msg) bool { return o.FromInitiator != msg.FromInitiator }) {
			return prev
		}
		return nil
	}
	return nil
}

// payloadSummary is x.PayloadSummary(), the same string for the same text: the
// summary is built in a buffer kept across messages and looked up among those made
// before, since most messages of a capture carry one of a few sets of payloads.
func (a *Analyzer) payloadSummary(x *decode.ISAKMP) string {
	a.sumBuf = x.AppendPayloadSummary(a.sumBuf[:0])
	if s, ok := a.summaries[string(a.sumBuf)]; ok { // the conversion does not allocate
		return s
	}
	s := string(a.sumBuf)
	if a.summaries == nil {
		a.summaries = map[string]string{}
	}
	if len(a.summaries) < maxSummaries && len(s) <= 256 {
		a.summaries[s] = s
	}
	return s
}

// maxSummaries bounds the payload summaries remembered (past it, or for a summary
// longer than 256 bytes, each is made afresh).
const maxSummaries = 1024

func hasDelete(m *Msg) bool { return len(m.deletes) > 0 }

// maxCopies is how many retransmissions of one message are each kept: after them, a run
// of copies is one record (Msg.Folded), so that a storm of copies costs one record.
const maxCopies = 64

// copiesOf counts the copies messages stand for, those folded into them included.
func copiesOf(msgs []*Msg) int {
	n := 0
	for _, m := range msgs {
		n += 1 + m.Folded
	}
	return n
}

// foldedFrames counts the copies folded into the messages of frames: frames a finding
// that cites them does not list.
func (s *Session) foldedFrames(frames []int) int {
	if !s.folds {
		return 0
	}
	folded := map[int]int{}
	for _, ex := range s.Exchanges {
		for _, m := range ex.Messages {
			if m.Folded > 0 {
				folded[m.Frame] = m.Folded
			}
		}
	}
	n := 0
	for _, f := range frames {
		n += folded[f]
	}
	return n
}

// completes reports whether a message completes a negotiation: MM6, AM3, QM3, or the
// answer to IKE_AUTH or CREATE_CHILD_SA.
func completes(m *Msg) bool {
	switch m.Step {
	case StepMM6, StepAM3, StepQM3, StepIKEAuthResponse, StepCreateChildResponse:
		return true
	}
	return false
}

func spi32(b []byte) uint32 {
	if len(b) < 4 {
		return 0
	}
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// step names a message within its exchange. Main and Aggressive Mode steps follow from
// what the message carries and who sent it; Quick Mode steps from the order; other
// exchanges have a request and a response. A retransmission or a later IKE fragment
// takes the step of the copy it repeats.
func (s *Session) step(msg *Msg, ex *Exchange) {
	if msg.Retransmit > 0 || msg.laterFragment {
		for i := len(ex.Messages) - 2; i >= 0; i-- {
			prev := ex.Messages[i]
			if prev.FromInitiator == msg.FromInitiator && (prev.hash == msg.hash || msg.laterFragment) {
				msg.Step = prev.Step
				return
			}
		}
	}
	switch {
	case !msg.v2 && ex.Type == decode.ExchangeMainMode:
		msg.Step = mainModeStep(msg.class, msg.FromInitiator)
	case !msg.v2 && ex.Type == decode.ExchangeAggressive:
		msg.Step = msg.amStep
	case !msg.v2 && ex.Type == decode.ExchangeQuickMode:
		n := 1
		if msg.Response {
			n = 2
		} else {
			// A request after QM1, or after QM2 when the capture began past QM1, is QM3.
			for _, prev := range ex.Messages {
				if prev != msg && prev.Retransmit == 0 && !prev.laterFragment && (!prev.Response || ex.Partial) {
					n = 3
				}
			}
		}
		msg.Step = MakeStep(ex.Type, n)
	case msg.Response:
		msg.Step = MakeStep(ex.Type, 2)
	default:
		msg.Step = MakeStep(ex.Type, 1)
	}
}

// replay derives the session's steps and state again from its messages, after the
// roles changed.
func (s *Session) replay() {
	s.Reached, s.Mode, s.Offered, s.Chosen, s.Auth = StepNone, "", nil, nil, ""
	s.NAT, s.natChecked = nil, false
	for _, ex := range s.Exchanges {
		ex.Requests, ex.Responses, ex.Complete = 0, 0, false
		msgs := ex.Messages
		ex.Messages = ex.Messages[:0:0]
		for _, m := range msgs {
			ex.Messages = append(ex.Messages, m)
			if !m.v2 && !numberedFromInitiator(ex.Type) {
				m.Response = m.FromInitiator != ex.ByInitiator
			} else if !m.v2 {
				m.Response = !m.FromInitiator
			}
			s.step(m, ex)
			if x := m.Decoded(); x != nil {
				s.update(m, x, ex, nil)
			}
		}
	}
}

func (s *Session) noteAddress(cur *netip.AddrPort, seen netip.AddrPort, initiator bool, m *decode.Message) {
	if *cur == seen {
		return
	}
	if cur.Port() == 500 && seen.Port() == 4500 || cur.Port() != 4500 && seen.Port() == 4500 {
		s.Floated = true
	}
	if cur.Addr() != seen.Addr() && cur.IsValid() && seen.IsValid() {
		if r := s.more(); len(r.moves) < maxMoves {
			r.moves = append(r.moves, addrMove{initiator: initiator, from: *cur, to: seen, frame: m.Frame, at: m.Time})
		}
	}
	if seen.Port() == 4500 || cur.Addr() != seen.Addr() {
		*cur = seen
	}
}

func exchangeNameOf(v2 bool, t decode.ExchangeType) string {
	if !v2 {
		switch t {
		case decode.ExchangeMainMode:
			return "Main Mode"
		case decode.ExchangeAggressive:
			return "Aggressive Mode"
		case decode.ExchangeInformationalV1:
			return "Informational"
		case decode.ExchangeTransaction:
			return "Transaction"
		case decode.ExchangeQuickMode:
			return "Quick Mode"
		}
	}
	return t.String()
}

// name gives a session's messages and exchanges the names reports show. The analysis
// itself decides on typed values only; names are made once, for the sessions that are
// reported, while the decoded messages are still at hand.
func (s *Session) name() {
	s.learnAccess()
	for _, ex := range s.Exchanges {
		if ex.Name == "" {
			ex.Name = exchangeNameOf(s.Version == 2, ex.Type)
		}
		for _, m := range ex.Messages {
			if m.ExchangeName != "" {
				continue
			}
			m.ExchangeName = exchangeNameOf(m.v2, m.ExchangeType)
			switch {
			case m.orig != nil && m.orig.ExchangeName != "":
				m.Payloads, m.InnerSummary = m.orig.Payloads, m.orig.InnerSummary
			case m.incomplete:
				m.Payloads = "IP fragments, incomplete"
			case m.Payloads != "": // made from the decode when the message came
			case m.raw != nil || m.tree != nil:
				if x := m.Decoded(); x != nil {
					m.Payloads = x.PayloadSummary()
				}
			}
			if m.Decrypted && m.InnerSummary == "" {
				m.InnerSummary = innerSummary(m.Inner, m.v2)
			}
			for i := range m.Notifies {
				m.Notifies[i].Name = decode.NotifyName(m.v2, m.Notifies[i].Type)
			}
		}
	}
}

// exchangeFor finds or creates the exchange a message belongs to and marks the message
// as request or response.
func (s *Session) exchangeFor(x *decode.ISAKMP, msg *Msg) *Exchange {
	var k exchangeKey
	if x.IsV2() {
		msg.Response = x.Flags&decode.FlagResponse != 0
		k = exchangeKey{id: x.MessageID, byInit: msg.FromInitiator != msg.Response, typ: x.ExchangeType}
	} else {
		k = exchangeKey{id: x.MessageID, typ: x.ExchangeType}
	}
	ex := s.exchangeByKey(k)
	if ex == nil {
		b := &exchangeBox{ex: Exchange{
			key:         k,
			Type:        x.ExchangeType,
			MessageID:   x.MessageID,
			ByInitiator: k.byInit,
			First:       msg.Time,
			Phase2:      isPhase2(x),
		}}
		ex = &b.ex
		ex.Messages = b.messages[:0]
		if !x.IsV2() {
			// Main and Aggressive Mode are the initiator's; a Quick Mode or an
			// Informational belongs to whoever sent its first message.
			ex.ByInitiator = msg.FromInitiator || numberedFromInitiator(x.ExchangeType)
			// The capture began inside this exchange: its first message here may be
			// an answer.
			ex.Partial = !s.RolesKnown && !numberedFromInitiator(x.ExchangeType) && !s.mmSeen[classSA] &&
				msg.Time.Sub(s.First) < inFlight
		}
		s.Exchanges = append(s.Exchanges, ex)
		switch {
		case s.byMsgID != nil:
			s.byMsgID[k] = ex
		case len(s.Exchanges) > maxScanned:
			s.byMsgID = make(map[exchangeKey]*Exchange, len(s.Exchanges))
			for _, e := range s.Exchanges {
				s.byMsgID[e.key] = e
			}
		}
		if ex.Phase2 {
			s.Phase2++
		}
	}
	if !x.IsV2() && ex.Type == decode.ExchangeQuickMode && ex.Partial && len(ex.Messages) == 1 {
		// The capture began inside this Quick Mode, and its first message here was taken
		// for QM1. A message from the other side too small to carry an SA and a nonce
		// (a HASH alone: QM3) shows it was QM2, and the other side began the exchange.
		if first := ex.Messages[0]; first.FromInitiator != msg.FromInitiator && first.Encrypted && msg.Encrypted &&
			msg.Size <= maxQM3Size && 2*msg.Size <= first.Size {
			ex.ByInitiator = msg.FromInitiator
			s.replay()
		}
	}
	if !x.IsV2() {
		msg.Response = msg.FromInitiator != ex.ByInitiator
	}
	ex.Encrypted = ex.Encrypted || msg.Encrypted
	return ex
}

// maxQM3Size is the largest QM3: the ISAKMP header (28 bytes) and a HASH payload of the
// longest hash (4 + 64 bytes), padded to a 16-byte cipher block (80).
const maxQM3Size = 28 + 80

// exchangeBox is an exchange allocated together with room for its first messages: a
// request and its response, Quick Mode's three (an append past it moves Messages to an
// array of its own, as before). The exchange holds the array, so both live as long.
type exchangeBox struct {
	ex       Exchange
	messages [4]*Msg
}

// maxScanned is how many exchanges a session finds by looking through them all: a
// negotiation has a handful, and byMsgID, made once there are more, would cost two
// allocations a session.
const maxScanned = 8

// exchangeByKey finds the session's exchange with key k, nil if none. Session.Exchanges
// holds every exchange byMsgID does, each key once (exchangeFor makes an exchange only
// for a key not found; pruneExchanges drops it from both), so a scan finds the same.
func (s *Session) exchangeByKey(k exchangeKey) *Exchange {
	if s.byMsgID != nil {
		return s.byMsgID[k]
	}
	for _, ex := range s.Exchanges {
		if ex.key == k {
			return ex
		}
	}
	return nil
}

// pruneExchanges lets go of the INFORMATIONAL exchanges (liveness checks, mostly) that
// the ladder does not show, once they are settled: an SA up for a day checks its peer
// thousands of times, and each exchange would be held to the end. Settled: an IKEv2
// request answered, or an IKEv1 Informational (which expects no answer), with no error
// notification, quiet for the reply timeout. ExchangesPruned counts them. A late copy of
// one of their messages starts an exchange of its own, which a later request of the
// same sender (IKEv2) or the kind of exchange (IKEv1) keeps from counting as unanswered.
func (s *Session) pruneExchanges(now time.Time, quiet time.Duration) {
	kept := s.Exchanges[:0]
	for _, ex := range s.Exchanges {
		if ex.inLadder || !settled(ex) || now.Sub(ex.Last) < quiet {
			kept = append(kept, ex)
			continue
		}
		if s.byMsgID[ex.key] == ex {
			delete(s.byMsgID, ex.key)
		}
		s.ExchangesPruned++
	}
	clear(s.Exchanges[len(kept):])
	s.Exchanges = kept
}

// settled reports whether an INFORMATIONAL exchange is over without anything to report.
func settled(ex *Exchange) bool {
	switch ex.Type {
	case decode.ExchangeInformational:
		if ex.Requests == 0 || ex.Responses == 0 {
			return false
		}
	case decode.ExchangeInformationalV1:
	default:
		return false
	}
	for _, m := range ex.Messages {
		if hasErrorNotify(m) || len(m.Errors) > 0 {
			return false
		}
	}
	return true
}

// inFlight bounds how long after a capture begins an exchange may still be one that was
// already under way: IKEv1 peers give up on an exchange after retransmitting for about
// a minute (racoon, pluto and charon all do), and half of that covers the first
// retransmissions that would reveal it.
const inFlight = 30 * time.Second

func isPhase2(x *decode.ISAKMP) bool {
	if x.IsV2() {
		return x.ExchangeType == decode.ExchangeCreateChildSA
	}
	return x.ExchangeType == decode.ExchangeQuickMode
}

// allPayloads yields a message's clear payloads, then those --keys decrypted.
func (m *Msg) allPayloads(x *decode.ISAKMP) iter.Seq[*decode.Payload] {
	return func(yield func(*decode.Payload) bool) {
		var clear []decode.Payload
		if x != nil {
			clear = x.Payloads
		}
		for _, list := range [2][]decode.Payload{clear, m.Inner} {
			for i := range list {
				if !yield(&list[i]) {
					return
				}
			}
		}
	}
}

// ISAKMPIsV1 reports whether the message is IKEv1.
func (m *Msg) ISAKMPIsV1() bool { return !m.v2 }

// phase1 reports whether a message belongs to the negotiation of the IKE SA itself.
func phase1(v2 bool, t decode.ExchangeType) bool {
	if v2 {
		return t == decode.ExchangeIKESAInit || t == decode.ExchangeIKEAuth || t == decode.ExchangeIKEIntermediate
	}
	return t == decode.ExchangeMainMode || t == decode.ExchangeAggressive
}

// proposalCache keeps the Proposals of SA payloads seen before, by the payload's bytes:
// a gateway's clients offer the same few sets of proposals over and over, and each would
// otherwise cost a Proposal with its lists of names per SA payload. The cached values
// are shared between sessions, which is safe because nothing changes a Proposal once
// made (reports and findings only read Offered and Chosen).
type proposalCache struct {
	byBody [2]map[string]*cachedProposals // IKEv1, IKEv2
}

type cachedProposals struct {
	props []Proposal
	first *Proposal // a copy of props[0], for Session.Chosen
}

// maxCachedProposals bounds the SA payloads remembered, so that a capture of many
// different offers costs no more memory than before (past it, SA payloads are read
// afresh each time).
const maxCachedProposals = 256

// maxCachedBody is the longest SA payload remembered: an SA payload of many proposals
// is rare and is read afresh, so the cache stays small.
const maxCachedBody = 1024

// proposals gives the Proposals of SA payload p, from the cache when its bytes were
// seen before. A nil cache, or a payload not made from bytes (a decode built by a
// program, whose Body need not match its SA) or cut short, is read afresh.
func (c *proposalCache) proposals(p *decode.Payload, v2 bool, fromBytes bool) *cachedProposals {
	if c == nil || !fromBytes || p.Partial || p.Err != nil || len(p.Body) == 0 || len(p.Body) > maxCachedBody {
		return newCachedProposals(Proposals(p.SA, v2))
	}
	v := 0
	if v2 {
		v = 1
	}
	if e := c.byBody[v][string(p.Body)]; e != nil {
		return e
	}
	e := newCachedProposals(Proposals(p.SA, v2))
	if c.byBody[v] == nil {
		c.byBody[v] = map[string]*cachedProposals{}
	}
	if len(c.byBody[v]) < maxCachedProposals {
		c.byBody[v][string(p.Body)] = e
	}
	return e
}

func newCachedProposals(props []Proposal) *cachedProposals {
	e := &cachedProposals{props: props}
	if len(props) > 0 {
		c := props[0]
		e.first = &c
	}
	return e
}

// update moves the session's state forward with a new message; pc, when not nil, saves
// reading SA payloads seen before.
func (s *Session) update(msg *Msg, x *decode.ISAKMP, ex *Exchange, pc *proposalCache) {
	v2 := x.IsV2()
	switch {
	case !v2 && x.ExchangeType == decode.ExchangeMainMode:
		s.Mode = "Main"
	case !v2 && x.ExchangeType == decode.ExchangeAggressive:
		s.Mode = "Aggressive"
	case v2 && s.Mode == "":
		s.Mode = "IKEv2"
	}
	if msg.Retransmit > 0 || msg.laterFragment {
		return
	}
	if msg.Response {
		ex.Responses++
	} else {
		ex.Requests++
	}
	p1 := phase1(v2, x.ExchangeType)
	for i := range x.Payloads {
		p := &x.Payloads[i]
		if p.SA == nil || !p1 {
			continue
		}
		cp := pc.proposals(p, v2, len(x.Contents) >= decode.HeaderLen)
		props := cp.props
		if msg.Response {
			if len(props) > 0 {
				s.Chosen = cp.first
				if cp.first.Auth != "" {
					s.Auth = cp.first.Auth
				}
			}
		} else {
			s.Offered = props
			s.offeredBy = msg.Src.Addr()
			if len(props) > 0 && s.Auth == "" && !v2 {
				s.Auth = props[0].Auth
			}
		}
	}
	if p1 {
		s.Reached = msg.Step
		s.checkNAT(msg, x)
		if !v2 && natTVendorIDs(x) {
			if s.NAT == nil {
				s.NAT = newNATResult()
			}
			if msg.FromInitiator {
				s.NAT.InitiatorOffers = true
			} else {
				s.NAT.ResponderOffers = true
			}
		}
	}
	switch {
	case !v2 && x.ExchangeType == decode.ExchangeMainMode:
		ex.Complete = ex.Complete || msg.Step == StepMM6
	case !v2 && x.ExchangeType == decode.ExchangeAggressive:
		ex.Complete = ex.Complete || msg.Step == StepAM3
	case !v2 && x.ExchangeType == decode.ExchangeQuickMode:
		ex.Complete = ex.Complete || msg.Step == StepQM3
	default:
		ex.Complete = ex.Responses > 0
	}
	ex.Reached = msg.Step
}

func hasErrorNotify(m *Msg) bool {
	for _, n := range m.Notifies {
		if n.Error {
			return true
		}
	}
	return false
}

// maxNotifyText bounds the text kept from a notification's data.
const maxNotifyText = 200

// notifyText is a notification's data when it is text, as some vendors put an error's
// reason in words there (Check Point: "User testing unknown."): printable ASCII, at least
// four characters, trailing NULs and line ends dropped; "" otherwise.
func notifyText(data []byte) string {
	data = bytes.TrimRight(data, "\x00\r\n ")
	if len(data) < 4 {
		return ""
	}
	for _, c := range data {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c > 0x7e {
			return ""
		}
	}
	t := strings.Join(strings.Fields(string(data)), " ")
	if len(t) > maxNotifyText {
		t = t[:maxNotifyText] + "…"
	}
	return t
}

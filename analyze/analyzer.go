package analyze

import (
	"fmt"
	"hash/maphash"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ikescope/ikescope/decode"
)

// Options tune the analysis. The zero value means the defaults.
type Options struct {
	// ReplyTimeout is how long the capture must go on after a request before the request
	// counts as unanswered. Default 10 s.
	ReplyTimeout time.Duration
	// Implementations names each side's likely implementation (Session.Implementations);
	// the reports ask for it, an analysis for other ends (a benchmark, a tool of one's
	// own) need not pay for the evidence.
	Implementations bool
	// IdleTimeout finishes a session that has been quiet this long. Default 10 minutes.
	IdleTimeout time.Duration
	// MaxOpen caps the sessions held at once; past it, new half-open sessions are
	// counted but not kept, and a state-limit finding says so. Default 10000.
	MaxOpen int
	// MaxMessages caps the messages kept per session for the ladder. Default 1000.
	MaxMessages int
	// Evict drops finished sessions once their findings are out, so that memory follows
	// the number of live SAs (live capture). Files keep sessions for the report, up to
	// MaxKept that went well and MaxKept that failed; the rest are counted. Default 10000.
	Evict   bool
	MaxKept int
	// OnFinding, if set, is called with each finding as soon as it is known.
	OnFinding func(Finding)
	// OnSession, if set, is called when a session's state changes (up, rekeyed,
	// deleted, failed) with the session as it now is; it must not keep the pointer.
	OnSession func(*Session)
	// OnDone, if set, receives each session, with its findings, once the analysis is done
	// with it: at the end of the input, or when more than MaxHeld sessions are held and it
	// is among those quiet longest. The analysis then forgets it (the callee may keep it),
	// so memory follows the sessions in progress however long the capture; Finish's
	// Result holds no sessions and only the findings of none.
	OnDone func(*Session, []Finding)
	// DoneWritten says OnDone writes each session out before it returns and keeps no
	// pointer into it: the analysis may then let go of its details at once.
	DoneWritten bool
	// MaxHeld is how many sessions an analysis with OnDone holds before it hands over,
	// early, those quiet for at least the reply timeout. Default 1000.
	MaxHeld int
	// OnOrphan, if set, receives each ESP flow of no IKE SA once it has been quiet for
	// IdleTimeout (and nothing opened it: its inner traffic waits for the end's
	// findings). The analysis then forgets it, as OnDone's sessions: a gateway's day of
	// SAs whose IKE the capture does not hold does not grow the memory. Finish's Result
	// lists those still held.
	OnOrphan func(*ESPFlow)
}

func (o *Options) defaults() {
	if o.ReplyTimeout <= 0 {
		o.ReplyTimeout = 10 * time.Second
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 10 * time.Minute
	}
	if o.MaxOpen <= 0 {
		o.MaxOpen = 10000
	}
	if o.MaxMessages <= 0 {
		o.MaxMessages = 1000
	}
	if o.MaxKept <= 0 {
		o.MaxKept = 10000
	}
	if o.MaxHeld <= 0 {
		o.MaxHeld = 1000
	}
}

// maxDoneIDs bounds the initiator SPIs of handed-over sessions remembered, so that a
// session that shows up again after it was handed over says which one it continues.
const maxDoneIDs = 1 << 16

// How a finished session was counted against Options.MaxKept.
const (
	keptOK = 1 + iota
	keptFailed
)

// compactBatch is how many finished sessions wait before the held state is compacted.
const compactBatch = 1024

// captureDuplicate is how close two identical packets must be to count as one packet
// captured twice (on two interfaces) rather than sent twice; no IKE implementation
// retransmits this fast.
const captureDuplicate = 5 * time.Millisecond

type exchangeKey struct {
	id     uint32
	byInit bool
	typ    decode.ExchangeType
}

type espKey struct {
	spi      uint32
	src, dst netip.Addr
	ah       bool // an AH SA: SPIs are chosen per protocol (RFC 4301 4.1)
}

type peerKey struct{ a, b netip.Addr }

func pairOf(x, y netip.Addr) peerKey {
	if y.Less(x) {
		x, y = y, x
	}
	return peerKey{x, y}
}

// Analyzer correlates messages into sessions and findings. Feed it messages in capture
// order with Add; it is not safe for concurrent use.
type Analyzer struct {
	clients   clientTally // remote-access clients of the sessions finished
	opts      Options
	sessions  []*Session // every session kept, in order of first message
	open      map[SPI]*Session
	zero      map[peerKey]*Session // messages with a zero initiator SPI, by peers
	byPeers   map[peerKey][]*Session
	flows     map[espKey]*ESPFlow
	flowOrder []*ESPFlow
	captures  []Capture
	cur       *Capture
	curIdx    int                 // the index of cur
	notes     []Finding           // findings the caller noted (Note)
	tcpLoose  []tcpEvent          // IKE-over-TCP connection events no session explains
	multi     bool                // messages come from several captures
	flowSPI   map[uint32]*ESPFlow // ESP flows by SPI, to find one flow seen at several points
	now       time.Time
	nextID    int
	dropped   int // sessions not kept because of MaxOpen
	dropFrame []int
	frags     []decode.Message // incomplete datagrams with no session
	// orphanPairs sums up the ESP of no session by peer pair, for orphanOneWay: flows
	// handed over are counted when they go, the others at the end.
	orphanPairs map[orphanPairKey]*orphanPair
	orphanOrder []orphanPairKey
	// orphanPairsSkipped counts the flows of pairs past maxOrphanPairs, not followed.
	orphanPairsSkipped int
	truncated          []int // the first frames of IKE messages cut by the snap length
	truncN             int   // and how many there are
	emptyESP           []int // the first frames of ESP packets with nothing after the header
	emptyESPN          int   // and how many there are
	emptyESPAt         time.Time
	swept              time.Time
	untied             []*ESPFlow // flows that came before any IKE between their peers
	// releasedFlows counts flows handed to OnOrphan since the last compact.
	releasedFlows int

	keptOK, keptFailed       int
	omittedOK, omittedFailed int
	dropPending              int
	finishing                bool                                // Finish has begun: the end of every capture is known
	closed                   map[SPI]*Session                    // finished sessions kept for the report, by initiator SPI
	lastESP                  map[[2]netip.Addr]*espSeen          // the latest ESP packet from one address to another
	childSPI                 map[uint32]*Session                 // ESP SPIs negotiated in decrypted Phase 2 exchanges
	ikeRekey                 map[SPI]*Session                    // new IKE SA SPIs a decrypted CREATE_CHILD_SA named, by the SA rekeyed
	p2Offers                 map[netip.Addr][]p2Seen[[]Proposal] // Phase 2 proposals each gateway offered (decrypted), latest last
	p2IDs                    map[netip.Addr][]p2Seen[[2]string]  // IKEv1 proxy IDs each gateway asked for: its local, its remote
	doneIDs                  map[SPI]int                         // sessions handed to OnDone, by initiator SPI (bounded)
	doneOrder                []SPI                               // and in the order they went
	ipids                    map[netip.Addr]ipidNote             // each sender's IPv4 identifications (bounded: maxIPIDSenders)
	handed                   int                                 // sessions handed to OnDone
	props                    proposalCache                       // SA payloads read before
	summaries                map[string]string                   // payload summaries made before (Analyzer.payloadSummary)
	sumBuf                   []byte                              // where the next summary is built
	msgBlocks                map[*Session]msgBlock               // where each open session's next messages are allocated
}

// New returns an Analyzer.
func New(opts Options) *Analyzer {
	opts.defaults()
	a := &Analyzer{
		opts:     opts,
		open:     map[SPI]*Session{},
		zero:     map[peerKey]*Session{},
		byPeers:  map[peerKey][]*Session{},
		flows:    map[espKey]*ESPFlow{},
		childSPI: map[uint32]*Session{},
		closed:   map[SPI]*Session{},
		lastESP:  map[[2]netip.Addr]*espSeen{},
		flowSPI:  map[uint32]*ESPFlow{},
		ikeRekey: map[SPI]*Session{},
		p2Offers: map[netip.Addr][]p2Seen[[]Proposal]{},
		p2IDs:    map[netip.Addr][]p2Seen[[2]string]{},
		doneIDs:  map[SPI]int{},

		msgBlocks: map[*Session]msgBlock{},
	}
	return a
}

// StartCapture begins a new input; messages added after it belong to it.
func (a *Analyzer) StartCapture(name string) {
	a.captures = append(a.captures, Capture{Name: name})
	a.cur, a.curIdx = &a.captures[len(a.captures)-1], len(a.captures)-1
}

// EndCapture records the decoder's counts for the current input.
func (a *Analyzer) EndCapture(stats decode.Stats) {
	if a.cur == nil {
		return
	}
	a.cur.Frames = stats.Frames
	a.cur.Truncated = stats.Truncated
	a.cur.Stats = stats
	// The capture's clock runs on every frame, IKE or not: a capture that went on for
	// minutes after the last IKE message went on for minutes.
	if !stats.First.IsZero() && (a.cur.First.IsZero() || stats.First.Before(a.cur.First)) {
		a.cur.First = stats.First
	}
	if stats.Last.After(a.cur.Last) {
		a.cur.Last = stats.Last
	}
	if a.cur.Last.After(a.now) {
		a.now = a.cur.Last
	}
	if !a.cur.First.IsZero() {
		a.cur.Duration = a.cur.Last.Sub(a.cur.First)
	}
}

// watched reports whether someone watches findings and states as they come (live
// capture), rather than at the end.
func (a *Analyzer) watched() bool { return a.opts.OnFinding != nil || a.opts.OnSession != nil }

// SessionsSeen counts the sessions the analysis has begun, held or not.
func (a *Analyzer) SessionsSeen() int { return a.nextID }

// Now is the time of the latest message added.
func (a *Analyzer) Now() time.Time { return a.now }

// Add takes one decoded message. It keeps nothing of the message's decoded structures
// (it copies what it needs), so the reader may reuse them for the next (Reader.Recycle).
func (a *Analyzer) Add(m *decode.Message) {
	if a.cur == nil {
		a.StartCapture("")
	}
	m = a.localize(m)
	if m.IPID != 0 && m.Kind == decode.KindISAKMP {
		a.noteIPID(m.Src.Addr(), m.IPID) // ESP: a flow's first packet only (addESP), off the per-packet path
	}
	if !a.cur.Last.IsZero() && m.Time.Before(a.cur.Last.Add(-time.Second)) && m.Kind != decode.KindIncomplete {
		// (Fragments that never completed come when reassembly gives up on them, with
		// the time of the first.)
		a.cur.unordered = true
	}
	if a.cur.First.IsZero() || m.Time.Before(a.cur.First) {
		a.cur.First = m.Time
	}
	if m.Time.After(a.cur.Last) {
		a.cur.Last = m.Time
	}
	if m.Time.After(a.now) {
		a.now = m.Time
	}
	if d := a.now.Sub(a.swept); d > time.Minute || d >= time.Second && (a.crowded() || a.opts.OnOrphan != nil && len(a.untied) > maxUntied) {
		a.swept = a.now
		a.sweep()
	}
	switch m.Kind {
	case decode.KindISAKMP:
		a.cur.Messages++
		// One the snap length cut before its exchange type says nothing of its SA (its
		// capture's truncated finding counts it); one merely short is malformed.
		switch {
		case m.ISAKMP == nil:
		case m.Truncated && len(m.ISAKMP.Contents) == 0:
			a.noteTruncated(m.Frame)
		default:
			a.addISAKMP(m)
		}
	case decode.KindESP:
		a.cur.ESP++
		a.addESP(m)
	case decode.KindAH:
		// An AH SA is followed as an ESP one is: by its SPI and sequence numbers.
		a.cur.AH++
		if m.Err == nil {
			a.addESP(m)
		}
	case decode.KindKeepalive:
		if s := a.latestFor(m.Src.Addr(), m.Dst.Addr()); s != nil {
			s.Keepalives++
		}
	case decode.KindIncomplete:
		a.addIncomplete(m)
	case decode.KindICMP:
		a.addICMP(m)
	case decode.KindStream:
		a.addStream(m)
	}
}

// addICMP ties an ICMP error to the session whose packet it quotes.
func (a *Analyzer) addICMP(m *decode.Message) {
	e := m.ICMP
	s := a.latestFor(e.Src.Addr(), e.Dst.Addr())
	if s == nil {
		return
	}
	s.ICMP = append(s.ICMP, ICMPInfo{Frame: refFrame(m.Frame), ref: m.Frame, Time: m.Time, From: m.Src.Addr(), Meaning: e.Meaning(),
		About: e.Dst, ToInit: e.Src.Addr() == s.Initiator.Addr(), MTU: e.MTU, Size: e.QuotedLen, Proto: e.Proto})
}

func (a *Analyzer) addIncomplete(m *decode.Message) {
	if m.ISAKMP != nil {
		// Its session is open, or was handed over while the datagram's fragments
		// waited for the rest: it continues there (in a session that says so).
		if spi := SPI(m.ISAKMP.InitiatorSPI); a.open[spi] != nil || a.doneIDs[spi] != 0 {
			a.addISAKMP(m)
			return
		}
	}
	a.frags = append(a.frags, *m)
}

// findSession returns the session a message belongs to, creating it when needed; nil
// when the state limit is reached.
func (a *Analyzer) findSession(m *decode.Message, x *decode.ISAKMP) *Session {
	spiI, spiR := SPI(x.InitiatorSPI), SPI(x.ResponderSPI)
	if spiI.IsZero() {
		k := pairOf(m.Src.Addr(), m.Dst.Addr())
		if s := a.zero[k]; s != nil {
			return s
		}
		s := a.newSession(m, x)
		if s != nil {
			a.zero[k] = s
		}
		return s
	}
	s := a.open[spiI]
	if s != nil && !spiR.IsZero() && !s.ResponderSPI.IsZero() && s.ResponderSPI != spiR {
		// The same initiator SPI with another responder SPI: a new negotiation.
		s = nil
	}
	if s == nil {
		if c := a.closed[spiI]; c != nil && (spiR.IsZero() || c.ResponderSPI.IsZero() || c.ResponderSPI == spiR) {
			// The same SPIs after a long quiet spell: the same SA, still alive.
			delete(a.closed, spiI)
			a.reopen(c)
			a.open[spiI] = c
			return c
		}
		s = a.newSession(m, x)
		if s == nil {
			return nil
		}
		a.open[spiI] = s
	}
	return s
}

// reopen takes a finished session back when its SPIs reappear.
func (a *Analyzer) reopen(s *Session) {
	s.closed = false
	switch {
	case s.keptAs == keptFailed:
		a.keptFailed--
	case s.keptAs == keptOK:
		a.keptOK--
	}
	s.keptAs = 0
}

func (a *Analyzer) newSession(m *decode.Message, x *decode.ISAKMP) *Session {
	if a.openCount() >= a.opts.MaxOpen {
		a.dropped++
		if len(a.dropFrame) < 20 {
			a.dropFrame = append(a.dropFrame, m.Frame)
		}
		return nil
	}
	a.nextID++
	b := &sessionBox{s: Session{
		ID:      a.nextID,
		Capture: a.cur.Name,
		Version: int(x.MajorVersion),
		First:   m.Time,
		Last:    m.Time,
	}}
	s := &b.s
	// Empty, not null, in JSON; the first few of each in the box (see sessionBox).
	s.Exchanges, s.Messages, s.ESP = b.exchanges[:0], b.messages[:0], b.esp[:0]
	s.addrsI, s.addrsR = b.addrs[0:0:1], b.addrs[1:1:2]
	a.msgBlocks[s] = msgBlock{msgs: b.first[:]}
	if s.Version != 2 {
		s.Version = 1
	}
	s.InitiatorSPI = SPI(x.InitiatorSPI)
	s.Continues = a.doneIDs[s.InitiatorSPI]
	s.capIdx = a.curIdx
	s.initRoles(m, x)
	a.linkPredecessor(s, m, x)
	a.sessions = append(a.sessions, s)
	k := pairOf(m.Src.Addr(), m.Dst.Addr())
	a.byPeers[k] = append(a.byPeers[k], s)
	return s
}

// sessionBox is a session allocated together with room for what a short negotiation
// adds to it: a handful of exchanges, the ladder's first messages, two ESP flows, one
// address a side. Each is the start of the session's own slice, capacity capped so
// that one never grows into another; an append past it moves that slice to an array of
// its own as before. The arrays live exactly as long as the session, which holds them.
type sessionBox struct {
	s         Session
	exchanges [4]*Exchange
	messages  [16]*Msg
	esp       [2]*ESPFlow
	addrs     [2]netip.Addr // addrsI, addrsR
	first     [1]Msg        // the message that began the session (Analyzer.newMsg)
}

// openCount is the number of sessions held open; closed ones leave both maps.
func (a *Analyzer) openCount() int { return len(a.open) + len(a.zero) }

// crowded reports whether more sessions are held than an analysis that hands them over
// may hold.
func (a *Analyzer) crowded() bool {
	return a.opts.OnDone != nil && a.held() > a.opts.MaxHeld
}

// held is the number of sessions held, open or finished, not yet handed over.
func (a *Analyzer) held() int { return len(a.sessions) - a.dropPending }

// fragmentOf gives an IKE-level fragment's number and the total (0 when unknown), or 0, 0
// for a message that is not a fragment.
func fragmentOf(x *decode.ISAKMP) (n, total int) {
	for _, p := range x.Payloads {
		if f := p.Fragment; f != nil {
			if f.Last {
				return int(f.Number), int(f.Number)
			}
			return int(f.Number), 0
		}
		if e := p.Encrypted; e != nil && e.TotalFragments > 0 {
			return int(e.FragmentNumber), int(e.TotalFragments)
		}
	}
	return 0, 0
}

func hasSK(x *decode.ISAKMP) bool {
	for _, p := range x.Payloads {
		if p.Encrypted != nil {
			return true
		}
	}
	return false
}

// hashSeed keys the hashes that tell a message's copies apart; they are compared
// within one run, never kept.
var hashSeed = maphash.MakeSeed()

func hashBytes(b []byte) uint64 { return maphash.Bytes(hashSeed, b) }

func (a *Analyzer) latestFor(x, y netip.Addr) *Session {
	list := a.byPeers[pairOf(x, y)]
	for i := len(list) - 1; i >= 0; i-- {
		return list[i]
	}
	return nil
}

// minESPBody is the least an ESP packet carries after its SPI and sequence number: the
// pad length and next header, ending on a four-byte boundary (RFC 4303 2.4), before any IV
// or ICV.
const minESPBody = 4

func (a *Analyzer) addESP(m *decode.Message) {
	if m.Kind == decode.KindESP && !m.Truncated && m.ESP.Len < minESPBody {
		if a.emptyESPN++; a.emptyESPN == 1 {
			a.emptyESPAt = m.Time
		}
		if len(a.emptyESP) < maxTruncatedFrames {
			a.emptyESP = append(a.emptyESP, m.Frame)
		}
	}
	k := espKey{spi: m.ESP.SPI, src: m.Src.Addr(), dst: m.Dst.Addr(), ah: m.Kind == decode.KindAH}
	// The flow of this SPI by its SPI alone, when its addresses are the packet's: what
	// flows[k] holds, for a hash of four bytes instead of fifty.
	f := a.flowSPI[m.ESP.SPI]
	if f == nil || f.Src.Addr() != k.src || f.Dst.Addr() != k.dst || f.AH != k.ah {
		f = a.flows[k]
	}
	if f == nil {
		g := a.flowSPI[m.ESP.SPI]
		if g != nil && g.AH != k.ah {
			g = nil
		}
		switch {
		case g != nil && a.multi && g.sights[a.curIdx] == nil:
			// The same SPI at another capture point, with other addresses across a NAT.
			f = g
			a.flows[k] = g
		case g != nil && g.LastSeq == m.ESP.Seq && m.Time.Sub(g.Last) < captureDuplicate:
			// The same packet again within milliseconds under other addresses: a
			// capture on a NAT router sees it before and after translation.
			g.Duplicates++
			g.twiceAtOnce++
			if fs := g.sights[a.curIdx]; fs != nil {
				fs.twice++
			}
			a.cur.Duplicates++
			return
		}
	}
	if f != nil && a.multi {
		if a.espElsewhere(f, m) {
			return
		}
	}
	if f == nil {
		f = &ESPFlow{SPI: m.ESP.SPI, Src: m.Src, Dst: m.Dst, Encap: m.Encap, AH: k.ah, InAH: m.InAH, First: m.Time, FirstFrame: refFrame(m.Frame), firstRef: m.Frame, FirstSeq: m.ESP.Seq, LastSeq: m.ESP.Seq,
			capture: a.cur.Name, firstIPID: m.IPID}
		if m.IPID != 0 {
			a.noteIPID(m.Src.Addr(), m.IPID)
		}
		if m.Encap {
			f.srcPort, f.dstPort, f.portsIn = m.Src.Port(), m.Dst.Port(), a.curIdx
		}
		a.flows[k] = f
		a.flowSPI[m.ESP.SPI] = f
		if a.multi {
			f.sights = map[int]*flowSight{a.curIdx: {packets: 1, firstSeq: m.ESP.Seq, lastSeq: m.ESP.Seq, first: m.Time, last: m.Time, firstRef: m.Frame}}
		}
		a.flowOrder = append(a.flowOrder, f)
		a.cur.espSAs++
		if f.SPI < minIKESPI {
			a.cur.reservedSPIs++
		}
		if f.FirstSeq <= FreshSeq {
			a.cur.freshSAs++
			if m.Time.After(a.cur.freshLast) {
				a.cur.freshLast = m.Time
			}
		}
		if !a.tie(f) {
			a.untied = append(a.untied, f)
		}
	} else {
		if !a.multi && a.espCopy(f, m) {
			return
		}
		switch {
		case m.ESP.Seq == f.LastSeq && m.Time.Sub(f.Last) < captureDuplicate:
			f.Duplicates++
			f.twiceAtOnce++
			a.cur.Duplicates++
			return
		case m.ESP.Seq <= f.LastSeq:
			f.SeqRestarts++
			if len(f.AnomalyFrames) < 10 {
				f.AnomalyFrames = append(f.AnomalyFrames, refFrame(m.Frame))
				f.anomalyRefs = append(f.anomalyRefs, m.Frame)
			}
		case m.ESP.Seq > f.LastSeq+1:
			f.SeqGaps++
		}
		f.LastSeq = m.ESP.Seq
	}
	switch {
	case !m.Encap:
	case a.multi || f.portsIn != a.curIdx:
		// Several capture points see a flow on both sides of a NAT, and captures given
		// one after the other may hold the same SPI: ports seen elsewhere are not changes.
		f.srcPort, f.dstPort, f.portsIn = m.Src.Port(), m.Dst.Port(), a.curIdx
	case m.Src.Port() != f.srcPort || m.Dst.Port() != f.dstPort:
		f.portsMoved(m)
	}
	p := f.pairSeen
	if p == nil || p.dead || p.src != k.src || p.dst != k.dst {
		pk := [2]netip.Addr{k.src, k.dst}
		if p = a.lastESP[pk]; p == nil {
			p = &espSeen{src: k.src, dst: k.dst}
			a.lastESP[pk] = p
		}
		f.pairSeen = p
	}
	if m.Time.After(p.t) {
		p.t = m.Time
	}
	if f.Packets > 0 {
		f.before = [2]int64{f.before[1], f.Last.UnixNano()}
	}
	f.Packets++
	f.Bytes += m.ESP.Len
	f.Last = m.Time
	f.LastFrame, f.lastRef = refFrame(m.Frame), m.Frame
	if m.Fragments != nil && m.Fragments.Complete {
		if f.Fragmented == 0 {
			f.fragRef, f.fragAt = m.Frame, m.Time
		}
		f.Fragmented++
	}
	if m.Inner != nil && !m.Truncated {
		// A packet the snap length cut cannot be checked or opened whole.
		f.addInner(m)
	}
	if f.session != nil {
		// ESP on its child SAs keeps an IKE SA alive, however long IKE is quiet.
		f.session.active(m.Time)
	}
}

// ipidNote is what the analysis knows of a sender's IPv4 identifications: the first, and
// whether another followed (a datagram that cannot be fragmented may carry the same in
// each, RFC 6864 4.1; most senders count them or draw them at random).
type ipidNote struct {
	first  uint16
	varies bool
}

// maxIPIDSenders bounds the senders whose identifications are followed.
const maxIPIDSenders = 4096

func (a *Analyzer) noteIPID(src netip.Addr, id uint16) {
	n, ok := a.ipids[src]
	switch {
	case ok && !n.varies && n.first != id:
		a.ipids[src] = ipidNote{first: n.first, varies: true}
	case !ok && len(a.ipids) < maxIPIDSenders:
		if a.ipids == nil {
			a.ipids = map[netip.Addr]ipidNote{}
		}
		a.ipids[src] = ipidNote{first: id}
	}
}

// variesIPID reports whether the sender has been seen to give its datagrams different
// identifications: then two with the same are one datagram, captured twice.
func (a *Analyzer) variesIPID(src netip.Addr) bool { return a.ipids[src].varies }

// espCopy reports whether an ESP packet is a second copy of one of the flow's, in a file
// that holds the traffic twice (two captures of it merged, their clocks apart): the
// copies begin again at the flow's first packet, the same datagram (its IPv4
// identification, which a sender gives each datagram), and trail the flow's own
// packets in order. They count as duplicates, not as sequence numbers going backwards.
func (a *Analyzer) espCopy(f *ESPFlow, m *decode.Message) bool {
	seq := m.ESP.Seq
	switch {
	case f.copyNext != 0 && seq+1 >= f.copyNext && seq <= f.LastSeq:
		// The next copy, or the last one again (the other capture saw it twice).
		f.copyNext = max(f.copyNext, seq+1)
	case m.IPID != 0 && m.IPID == f.firstIPID && seq == f.FirstSeq && a.variesIPID(m.Src.Addr()):
		f.copyNext, f.copyShift = seq+1, m.Time.Sub(f.First)
	default:
		return false
	}
	f.Duplicates++
	if f.copyShift < captureDuplicate {
		f.twiceAtOnce++ // a copy at once: seen in and out, not a merged file's shifted copy
	}
	a.cur.Duplicates++
	return true
}

// portsMoved notes that a packet of the flow came from or went to another UDP port than
// the one before it.
func (f *ESPFlow) portsMoved(m *decode.Message) {
	for _, mv := range [2]portMove{
		{dst: false, from: f.srcPort, to: m.Src.Port()},
		{dst: true, from: f.dstPort, to: m.Dst.Port()},
	} {
		if mv.from != mv.to && len(f.portMoves) < maxPortMoves {
			mv.at, mv.ref = m.Time, m.Frame
			f.portMoves = append(f.portMoves, mv)
		}
	}
	f.srcPort, f.dstPort = m.Src.Port(), m.Dst.Port()
}

// espElsewhere takes an ESP packet of a flow seen at several capture points: counted
// for its capture point, and for the flow only when no other point counted it already
// (same sequence number). It reports whether the packet was a copy.
func (a *Analyzer) espElsewhere(f *ESPFlow, m *decode.Message) bool {
	if f.sights == nil {
		f.sights = map[int]*flowSight{}
	}
	fs := f.sights[a.curIdx]
	if fs == nil {
		fs = &flowSight{firstRef: m.Frame, firstSeq: m.ESP.Seq, first: m.Time}
		f.sights[a.curIdx] = fs
	} else if m.ESP.Seq == fs.lastSeq && m.Time.Sub(fs.last) < captureDuplicate {
		fs.twice++
		return false // a duplicate within this capture: the usual rules count it
	}
	fs.packets++
	fs.lastSeq, fs.last = m.ESP.Seq, m.Time
	if m.ESP.Seq <= f.LastSeq && len(f.sights) > 1 && f.Packets > 0 {
		// Whether another point counted this sequence number, and the point that saw
		// this very packet last before here (whatever order the map gives).
		counted := false
		var prev *flowSight
		for c, o := range f.sights {
			if c != a.curIdx && o.packets > 0 && m.ESP.Seq <= o.lastSeq {
				counted = true
				if m.ESP.Seq == o.lastSeq && (prev == nil || o.last.After(prev.last)) {
					prev = o
				}
			}
		}
		if prev != nil {
			// The same packet at the next point: its transit delay.
			f.transitSum += m.Time.Sub(prev.last)
			f.transitN++
			f.Transit = f.transitSum / time.Duration(f.transitN)
		}
		return counted
	}
	return false
}

// tie attaches an ESP flow to its IKE SA when it starts: by the SPI a decrypted
// negotiation chose, else the latest SA between the same peers that began before it and
// may have made an IPsec SA by then (madeNoSA).
func (a *Analyzer) tie(f *ESPFlow) bool {
	s := a.childSPI[f.SPI]
	if s == nil {
		// The SA whose latest IPsec SA negotiation came last before the flow began;
		// failing that, the latest SA between the peers.
		list := a.byPeers[pairOf(f.Src.Addr(), f.Dst.Addr())]
		var latest *Session
		for i := len(list) - 1; i >= 0; i-- {
			c := list[i]
			if c.First.After(f.First) || c.dropped || !c.inCapture(f.capture) || c.madeNoSA(f.First) || c.ikeGoneBefore(f.First) {
				continue
			}
			if latest == nil {
				latest = c
			}
			if !c.lastChildAt.IsZero() && !c.lastChildAt.After(f.First) && (s == nil || c.lastChildAt.After(s.lastChildAt)) {
				s = c
			}
		}
		if s == nil {
			s = latest
		}
	}
	if s == nil {
		return false
	}
	f.Session, f.session = s.ID, s
	f.FromInitiator = s.isInitiator(f.Src.Addr(), f.Dst.Addr())
	s.ESP = append(s.ESP, f)
	return true
}

// tieEarly attaches flows that began before any IKE between their peers (the capture
// started with the SA already up) to the first SA between those peers.
func (a *Analyzer) tieEarly() {
	still := a.untied[:0]
	for _, f := range a.untied {
		list := a.byPeers[pairOf(f.Src.Addr(), f.Dst.Addr())]
		if s := a.childSPI[f.SPI]; s != nil {
			list = []*Session{s}
		}
		var s *Session
		for _, c := range list {
			if !c.dropped && c.inCapture(f.capture) && !c.madeNoSA(c.Last) && !c.negotiatedAfter(f.First) && !c.ikeGoneBefore(f.First) {
				s = c
				break
			}
		}
		if s == nil {
			still = append(still, f)
			continue
		}
		f.Session, f.session = s.ID, s
		f.FromInitiator = s.isInitiator(f.Src.Addr(), f.Dst.Addr())
		s.ESP = append(s.ESP, f)
	}
	clear(a.untied[len(still):])
	a.untied = still
}

// negotiatedAfter reports whether the capture holds the SA's negotiation from its first
// message (IKE_SA_INIT, MM1, AM1), begun after t: no IPsec SA of it carried ESP before t.
func (s *Session) negotiatedAfter(t time.Time) bool {
	return len(s.Messages) > 0 && s.Messages[0].Step.First() && s.First.After(t)
}

// ikeGoneBefore reports whether the IKEv2 SA's own Delete (of the IKE SA, not a
// CHILD_SA) came before t: its CHILD_SAs went with it (RFC 7296 1.4.1), so ESP that
// begins after is not theirs. An IKEv1 ISAKMP SA's Delete leaves its IPsec SAs up.
func (s *Session) ikeGoneBefore(t time.Time) bool {
	m := s.ikeDeleteRequest()
	return m != nil && m.Time.Before(t)
}

// ikeDeleteRequest is the IKEv2 request that deleted the IKE SA itself: a decrypted
// Delete of protocol IKE, or an encrypted one answered empty (encryptedDeleteTarget).
func (s *Session) ikeDeleteRequest() *Msg {
	if s.Version != 2 {
		return nil
	}
	for _, m := range s.Messages {
		if m.Response {
			continue
		}
		for _, d := range m.deletes {
			if d.Protocol == decode.ProtocolISAKMP || len(d.SPIs) == 0 {
				return m
			}
		}
		if m.ExchangeType == decode.ExchangeInformational && !m.Decrypted && m.hasSK && m.skFirst == decode.PayloadDelete &&
			strings.HasPrefix(s.encryptedDeleteTarget(m), "the IKE SA") {
			return m
		}
	}
	return nil
}

// releaseOrphans hands the ESP flows of no IKE SA that have been quiet for the idle
// timeout to OnOrphan and forgets them. One that carries packets again later starts a
// flow of its own.
func (a *Analyzer) releaseOrphans() {
	cutoff := a.now.Add(-a.opts.IdleTimeout)
	if len(a.untied) > maxUntied {
		cutoff = a.untiedCutoff(cutoff)
	}
	still := a.untied[:0]
	for _, f := range a.untied {
		if !f.Last.Before(cutoff) || f.Inner != nil || f.sights != nil {
			still = append(still, f)
			continue
		}
		k := espKey{spi: f.SPI, src: f.Src.Addr(), dst: f.Dst.Addr(), ah: f.AH}
		if a.flows[k] == f {
			delete(a.flows, k)
		}
		if a.flowSPI[f.SPI] == f {
			delete(a.flowSPI, f.SPI)
		}
		f.released = true
		a.releasedFlows++
		a.countOrphan(f)
		a.opts.OnOrphan(f)
	}
	clear(a.untied[len(still):])
	a.untied = still
}

// maxUntied is how many ESP flows of no session an analysis that hands them over
// (OnOrphan) holds before it lets go of those quiet longest early: a gateway whose
// tunnels outlive the sessions handed over (Options.MaxHeld) starts thousands of such
// flows in the ten minutes they would otherwise be held.
const maxUntied = 4096

// untiedCutoff is when the flows of no session must have last carried a packet to be
// held on, when more than maxUntied are: late enough that those quiet longest go, down
// to three quarters of it, but none quiet for less than the reply timeout (its SA's IKE
// may yet show up and claim it), and none quiet for the idle timeout kept (idle).
func (a *Analyzer) untiedCutoff(idle time.Time) time.Time {
	latest := a.now.Add(-a.opts.ReplyTimeout)
	var lasts []time.Time
	for _, f := range a.untied {
		if f.Last.Before(latest) && f.Inner == nil && f.sights == nil {
			lasts = append(lasts, f.Last)
		}
	}
	n := len(a.untied) - maxUntied*3/4
	if n <= 0 || len(lasts) == 0 {
		return idle
	}
	cut := latest
	if n < len(lasts) {
		slices.SortFunc(lasts, time.Time.Compare)
		cut = lasts[n-1].Add(1)
	}
	if cut.After(idle) {
		return cut
	}
	return idle
}

// refusal is the message that refused the IKE SA itself before it came up: an error
// notification in its own negotiation (IKE_SA_INIT, IKE_AUTH, Main or Aggressive Mode,
// an IKEv1 Informational before Phase 1 was up); nil when there is none.
func (s *Session) refusal() *Msg {
	for _, m := range s.Messages {
		if m.Retransmit > 0 || !hasErrorNotify(m) || s.upBefore(m.Time) {
			continue
		}
		if phase1(m.v2, m.ExchangeType) || !m.v2 && m.ExchangeType == decode.ExchangeInformationalV1 {
			return m
		}
	}
	return nil
}

// madeNoSA reports whether the capture shows that the IKE SA had made no IPsec SA by t
// and had none coming (noSASince). ESP between its peers that begins after t belongs to
// another SA: one up before the capture began, or negotiated elsewhere.
func (s *Session) madeNoSA(t time.Time) bool {
	_, ok := s.noSASince(t)
	return ok
}

// noSASince reports whether, by t, the capture shows that the IKE SA had made no IPsec
// SA and had none coming, and since when: the IKE SA itself was refused (a notification,
// or IKEv1's encrypted Informational instead of the next Phase 1 message, IKEv2's
// IKE_AUTH answer that is a notification alone), or it came up and every request for an
// IPsec SA was answered with a refusal. Where the capture may have missed something (the
// negotiation's first message, an answer still to come or lost at the capture point, a
// Quick Mode or CREATE_CHILD_SA answered with more than a refusal), it says no.
func (s *Session) noSASince(t time.Time) (time.Time, bool) {
	if m := s.refusal(); m != nil && !m.Time.After(t) && !s.upBefore(t) {
		return m.Time, true
	}
	var (
		start, made bool
		pending     int
		refused     time.Time // the latest refusal
		auth        [2]*Msg   // IKEv2: the latest IKE_AUTH round's request and answer
	)
	refuse := func(m *Msg) {
		if m.Time.After(refused) {
			refused = m.Time
		}
	}
	up := s.upBefore(t)
	for _, ex := range s.Exchanges {
		var req, resp *Msg // the first request and the first answer by t
		steps := 0         // IKEv1 Quick Mode: QM2 or QM3 seen
		for _, m := range ex.Messages {
			if m.Time.After(t) || m.Retransmit > 0 || m.laterFragment {
				continue
			}
			switch {
			case m.Response && resp == nil:
				resp = m
			case !m.Response && req == nil:
				req = m
			}
			if m.Step == StepQM2 || m.Step == StepQM3 {
				steps++
			}
		}
		if req == nil {
			continue
		}
		switch ex.Type {
		case decode.ExchangeIKESAInit:
			start = start || req.FromInitiator
		case decode.ExchangeMainMode, decode.ExchangeAggressive:
			start = start || req.Step == StepMM1 || req.Step == StepAM1
			if !up && s.RolesKnown {
				// The responder answered with an Informational instead of its next
				// message (encrypted: after MM4, a refused identity or key).
				if m := s.informationalAfter(req, t); m != nil && !m.FromInitiator {
					refuse(m)
				}
			}
		case decode.ExchangeQuickMode:
			// Looked for only when the responder did not accept.
			if steps > 0 {
				made = true // the responder accepted
			} else if m := s.informationalAfter(req, t); m != nil {
				refuse(m)
			} else {
				pending++
			}
		case decode.ExchangeIKEAuth:
			if auth[0] == nil || req.Time.After(auth[0].Time) {
				auth = [2]*Msg{req, resp}
			}
		case decode.ExchangeCreateChildSA:
			switch {
			case resp == nil:
				pending++
			case childRefused(resp):
				refuse(resp)
			default:
				made = true
			}
		}
	}
	if auth[0] != nil {
		switch resp := auth[1]; {
		case resp == nil || authResult(resp) == authEAPRound:
			pending++ // an answer, or another round, still to come
		case authResult(resp) == authRefused:
			refuse(resp)
		case s.authCarriesChild(resp):
			made = true
		default:
			refuse(resp) // the IKE SA came up without its CHILD_SA
		}
	}
	if !start || made || pending > 0 || refused.IsZero() {
		return time.Time{}, false
	}
	return refused, true
}

// informationalAfter is the first IKEv1 Informational from the other side than req's
// sender, after req and by t, that can be a refusal: encrypted (unread) or carrying an
// error notification.
func (s *Session) informationalAfter(req *Msg, t time.Time) *Msg {
	for _, m := range s.Messages {
		if m.ExchangeType != decode.ExchangeInformationalV1 || m.v2 || m.FromInitiator == req.FromInitiator ||
			m.Retransmit > 0 || m.Time.After(t) || !m.Time.After(req.Time) {
			continue
		}
		if m.Encrypted && !m.Decrypted || hasErrorNotify(m) {
			return m
		}
	}
	return nil
}

// gatherESPSpans notes, for s, every ESP flow between its peers: those of its own SAs,
// of the other SAs between the same peers and of no SA.
func (a *Analyzer) gatherESPSpans(s *Session) {
	i, r := s.Initiator.Addr(), s.Responder.Addr()
	var spans [2][]espSpan
	add := func(f *ESPFlow) {
		sp := espSpan{f.First, f.Last}
		if f.FirstSeq > 1 {
			// An SA's sequence numbers start at 1 (RFC 4303 3.3.3): this one was up before
			// the capture saw it.
			sp.first = time.Time{}
		}
		switch {
		case f.Src.Addr() == r && f.Dst.Addr() == i:
			spans[0] = append(spans[0], sp)
		case f.Src.Addr() == i && f.Dst.Addr() == r:
			spans[1] = append(spans[1], sp)
		}
	}
	for _, o := range a.byPeers[pairOf(i, r)] {
		for _, f := range o.ESP {
			add(f)
		}
	}
	for _, f := range a.untied {
		add(f)
	}
	s.more().espSpans = spans
}

// active notes that the SA showed life at t.
func (s *Session) active(t time.Time) {
	if t.After(s.lastActive) {
		s.lastActive = t
	}
}

// refresh evaluates a session afresh and passes the findings that are new, or whose
// severity changed, to OnFinding.
func (a *Analyzer) refresh(s *Session, final bool) {
	i, r := s.Initiator.Addr(), s.Responder.Addr()
	s.espFrom = [2]time.Time{a.lastESP[[2]netip.Addr{r, i}].time(), a.lastESP[[2]netip.Addr{i, r}].time()}
	s.derive()
	if s.Version == 1 && s.Established && s.probesLikely() {
		a.gatherESPSpans(s)
	}
	s.Timeline = s.timeline()
	now := a.now
	if final {
		now = a.endOf(s)
	}
	s.stoppedEarly = now.Sub(s.Last) >= a.opts.ReplyTimeout
	// Finished while the capture still runs (quiet past the idle timeout, or handed over
	// in a crowd): how long the capture went on after it is not known yet.
	s.closedBeforeEnd = final && !a.finishing
	fs := s.evaluate(now, a.opts, final, a.lossFindings(s))
	if c := &a.captures[s.capIdx]; c.unordered && !a.multi {
		hedgeUnordered(fs)
	}
	for i := range fs {
		folded := s.foldedFrames(fs[i].Frames)
		a.finishFinding(&fs[i])
		fs[i].FramesOmitted += folded
	}
	was := s.State
	s.describe(fs)
	s.findings = fs
	if a.opts.OnSession != nil && s.State != was {
		a.opts.OnSession(s)
	}
	if a.opts.OnFinding == nil {
		return
	}
	if s.emitted == nil {
		s.emitted = map[string]Finding{}
	}
	current := map[string]bool{}
	for _, f := range fs {
		k := f.key()
		current[k] = true
		if old, ok := s.emitted[k]; ok && old.Severity == f.Severity {
			continue
		}
		s.emitted[k] = f
		a.opts.OnFinding(f)
	}
	// A finding said earlier that later packets refuted is withdrawn, not left standing.
	for k, f := range s.emitted {
		if !current[k] {
			delete(s.emitted, k)
			f.Withdrawn = true
			a.opts.OnFinding(f)
		}
	}
}

// Advance moves the analysis clock to now (live capture) and raises the findings the
// passing of time makes certain.
func (a *Analyzer) Advance(now time.Time) {
	if now.After(a.now) {
		a.now = now
	}
	a.sweep()
}

// idleLimit is how long an SA may be quiet (no IKE, no ESP on its child SAs) before it
// is finished. An SA that is up lives until its lifetime runs out (the negotiated one
// where the capture shows it, else 24 hours, longer than any default); a negotiation
// that never completed is finished after the idle timeout.
func (s *Session) idleLimit(opts Options) time.Duration {
	if !s.Established || s.endedByDelete() {
		return opts.IdleTimeout
	}
	life := 24 * time.Hour
	if s.Chosen != nil && s.Chosen.Lifetime > 0 {
		life = s.Chosen.Lifetime
	}
	return max(life, opts.IdleTimeout)
}

// sweep raises timed findings and finishes sessions that have been quiet too long. Only
// open sessions are visited, and a session is evaluated again only when it has new
// messages or has just gone quiet for the reply timeout: the cost follows the messages,
// not the number of sweeps.
func (a *Analyzer) sweep() {
	open := make([]*Session, 0, len(a.open)+len(a.zero))
	for _, s := range a.open {
		open = append(open, s)
	}
	for _, s := range a.zero {
		open = append(open, s)
	}
	sort.Slice(open, func(i, j int) bool { return open[i].ID < open[j].ID })
	for _, s := range open {
		if s.closed {
			continue
		}
		quiet := a.now.Sub(s.Last) >= a.opts.ReplyTimeout
		// ESP alone moves an SA on too (a direction that stops), but is looked at no
		// more than once a second.
		espMoved := s.lastActive.After(s.espEvaluated) && a.now.Sub(s.espEvalAt) >= time.Second
		// Evaluated as it goes only for someone who watches (live capture); a file's
		// sessions are evaluated when they finish.
		if a.watched() && (s.Last.After(s.evaluated) || quiet && !s.quietSeen || espMoved) {
			a.refresh(s, false)
			s.evaluated, s.quietSeen = s.Last, quiet
			s.espEvaluated, s.espEvalAt = s.lastActive, a.now
		}
		// No session's limit is below IdleTimeout: most are not asked for theirs.
		if idle := a.now.Sub(s.lastActive); idle > a.opts.IdleTimeout && idle > s.idleLimit(a.opts) {
			a.close(s)
		}
	}
	if a.opts.OnOrphan != nil {
		a.releaseOrphans()
	}
	if a.crowded() {
		// Too many held: hand over those quiet longest, finished or not, down to three
		// quarters of the limit, but none quiet for less than the reply timeout (its
		// request may still be answered). One that shows up again after that starts a
		// session that says which one it continues.
		var quiet []*Session
		for _, s := range a.sessions {
			if !s.dropped && a.now.Sub(s.lastActive) >= a.opts.ReplyTimeout {
				quiet = append(quiet, s)
			}
		}
		sort.SliceStable(quiet, func(i, j int) bool { return quiet[i].lastActive.Before(quiet[j].lastActive) })
		for _, s := range quiet {
			if a.held() <= a.opts.MaxHeld*3/4 {
				break
			}
			if !s.closed {
				a.close(s)
			}
			a.reconcileOne(s)
			a.handOver(s)
		}
	}
	a.compact(false)
}

func (a *Analyzer) close(s *Session) {
	a.refresh(s, true)
	s.closed = true
	delete(a.msgBlocks, s) // should it come back, its next messages take a block of their own
	s.name()
	if a.opts.Implementations {
		s.fingerprint()
	}
	if a.open[s.InitiatorSPI] == s {
		delete(a.open, s.InitiatorSPI)
	}
	for k, z := range a.zero {
		if z == s {
			delete(a.zero, k)
		}
	}
	if !s.Failed {
		// A finished session that went well keeps its summary and ladder but not every
		// payload of every message: memory follows the live SAs.
		for _, m := range s.Messages {
			m.raw, m.tree = nil, nil
		}
	}
	// Live capture drops every finished session (its findings are out); a file keeps the
	// first MaxKept of each kind for the report and counts the rest, so memory follows
	// the live SAs however long the capture.
	switch {
	case a.opts.OnDone != nil:
		// Kept as a file's analysis keeps it (its SPIs may come back), until the end or
		// until too many are held.
	case a.opts.Evict:
		s.dropped = true
	case s.Failed && a.keptFailed >= a.opts.MaxKept:
		s.dropped = true
		a.omittedFailed++
	case !s.Failed && a.keptOK >= a.opts.MaxKept:
		s.dropped = true
		a.omittedOK++
	case s.Failed:
		a.keptFailed++
		s.keptAs = keptFailed
	default:
		a.keptOK++
		s.keptAs = keptOK
	}
	if s.dropped {
		a.dropPending++
	} else if !s.InitiatorSPI.IsZero() {
		a.closed[s.InitiatorSPI] = s
	}
}

// handOver passes a finished (and reconciled) session to OnDone and forgets it,
// remembering its initiator SPI for a while in case the SA shows up again.
func (a *Analyzer) handOver(s *Session) {
	if a.closed[s.InitiatorSPI] == s {
		delete(a.closed, s.InitiatorSPI)
	}
	a.opts.OnDone(s, s.findings)
	a.clients.add(s, s.findings)
	s.dropped = true
	a.dropPending++
	a.handed++
	if s.InitiatorSPI.IsZero() {
		return
	}
	if _, ok := a.doneIDs[s.InitiatorSPI]; !ok {
		if len(a.doneOrder) >= maxDoneIDs {
			delete(a.doneIDs, a.doneOrder[0])
			a.doneOrder = a.doneOrder[1:]
		}
		a.doneOrder = append(a.doneOrder, s.InitiatorSPI)
	}
	a.doneIDs[s.InitiatorSPI] = s.ID
}

// silenceCodes are the findings concluded from what did not come: an answer, an
// exchange, ESP back.
var silenceCodes = map[string]bool{
	CodeNoResponse: true, CodeReplyNotReaching: true, CodeExchangeStalled: true, CodePhase2Missing: true,
	CodeDPDUnanswered: true, CodeNATTProblem: true, CodeESPOneWay: true, CodeESPMissing: true,
}

// hedgeUnordered says, in a capture file not in time order (one put together from
// pieces, or exported by conversation), that what the findings concluded from silence
// miss is not in this file: the file may not hold all that happened after its packets.
func hedgeUnordered(fs []Finding) {
	for i := range fs {
		if silenceCodes[fs[i].Code] {
			fs[i].Summary += " (Not in this file, which is not in time order: see capture-clock.)"
		}
	}
}

// release lets go of what a session handed over at the end of the analysis holds, its
// report written (Options.DoneWritten): the last compact only takes it out of the
// indexes, so that each one would otherwise stay whole until every session is written.
func (s *Session) release() {
	s.Messages, s.Exchanges, s.Timeline, s.byMsgID = nil, nil, nil, nil
	s.Offered, s.Phase2Offered, s.NAT, s.Implementations = nil, nil, nil, nil
	s.findings, s.emitted, s.anomalies, s.rare = nil, nil, nil, nil
}

// minIKESPI is the lowest SPI IKE gives out: 1 to 255 are reserved (RFC 4303 2.1), so an
// SA numbered below it was keyed by hand (setkey, ip xfrm state add).
const minIKESPI = 256

// maxTruncatedFrames is how many frames of cut IKE messages the truncated finding lists.
const maxTruncatedFrames = 50

// noteTruncated counts an IKE message the snap length cut.
func (a *Analyzer) noteTruncated(frame int) {
	a.truncN++
	if len(a.truncated) < maxTruncatedFrames {
		a.truncated = append(a.truncated, frame)
	}
}

// compact forgets dropped sessions: their messages, ESP flows and findings.
// It runs once enough sessions are waiting (the work is a pass over what is held), or
// at the end.
func (a *Analyzer) compact(force bool) {
	batch := compactBatch
	if a.opts.Evict || a.opts.OnDone != nil {
		batch = 64 // live capture: keep what is held close to the live SAs
	}
	if a.dropPending+a.releasedFlows == 0 || !force && a.dropPending+a.releasedFlows < batch {
		return
	}
	a.dropPending, a.releasedFlows = 0, 0
	kept := a.sessions[:0]
	for _, s := range a.sessions {
		if s.dropped {
			for _, f := range s.ESP {
				delete(a.flows, espKey{spi: f.SPI, src: f.Src.Addr(), dst: f.Dst.Addr(), ah: f.AH})
				if a.childSPI[f.SPI] == s {
					delete(a.childSPI, f.SPI)
				}
				if a.flowSPI[f.SPI] == f {
					delete(a.flowSPI, f.SPI)
				}
				f.session = nil
			}
			if s.successor != nil {
				s.successor.predecessor = nil
			}
			if s.predecessor != nil {
				s.predecessor.successor = nil
			}
			continue
		}
		kept = append(kept, s)
	}
	clear(a.sessions[len(kept):])
	a.sessions = kept
	for k, list := range a.byPeers {
		l := list[:0]
		for _, s := range list {
			if !s.dropped {
				l = append(l, s)
			}
		}
		if len(l) == 0 {
			delete(a.byPeers, k)
			// Nothing between the two is held any more: their latest ESP goes too.
			for _, pk := range [][2]netip.Addr{{k.a, k.b}, {k.b, k.a}} {
				if p := a.lastESP[pk]; p != nil {
					p.dead = true // flows that point at it look again
					delete(a.lastESP, pk)
				}
			}
		} else {
			clear(list[len(l):])
			a.byPeers[k] = l
		}
	}
	flows := a.flowOrder[:0]
	for _, f := range a.flowOrder {
		if f.session == nil && f.Session != 0 || f.released {
			continue // its session was dropped, or it was handed over (OnOrphan)
		}
		flows = append(flows, f)
	}
	clear(a.flowOrder[len(flows):])
	a.flowOrder = flows
	for k, s := range a.ikeRekey {
		if s.dropped {
			delete(a.ikeRekey, k)
		}
	}
}

// innerSummary lists decrypted payload types: "HASH SA NONCE ID ID".
func innerSummary(ps []decode.Payload, v2 bool) string {
	var b []byte
	for i, p := range ps {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, p.Name()...)
		if p.Notify != nil {
			b = append(b, '(')
			b = append(b, decode.NotifyName(v2, p.Notify.Type)...)
			b = append(b, ')')
		}
	}
	return string(b)
}

// phase2 learns from a decrypted Quick Mode, IKE_AUTH or CREATE_CHILD_SA: the proposals
// offered and chosen, the proxy IDs or traffic selectors asked for, and the ESP SPIs.
func (a *Analyzer) phase2(s *Session, msg *Msg) {
	v2 := !msg.ISAKMPIsV1()
	if !(msg.ExchangeType == decode.ExchangeQuickMode || v2 && (msg.ExchangeType == decode.ExchangeIKEAuth || msg.ExchangeType == decode.ExchangeCreateChildSA)) {
		return
	}
	var ids []string
	var ts childTS // the message's selectors, for the ESP of the SPIs it names
	var spis []uint32
	for _, p := range msg.Inner {
		switch {
		case p.Auth != nil && v2 && msg.ExchangeType == decode.ExchangeIKEAuth && msg.FromInitiator:
			// The method the initiator authenticated with, as the decrypted AUTH says.
			s.Auth = authShort(p.Auth.Method)
		case p.SA != nil:
			props := Proposals(p.SA, v2)
			for _, pr := range p.SA.Proposals {
				switch {
				case len(pr.SPI) == 4:
					a.childSPI[spi32(pr.SPI)] = s
					spis = append(spis, spi32(pr.SPI))
				case len(pr.SPI) == 8 && v2 && msg.ExchangeType == decode.ExchangeCreateChildSA:
					// An IKE SA rekey (RFC 7296 1.3.2): the new SA's SPI from each side.
					a.ikeRekey[SPI(pr.SPI)] = s
					if ns := a.open[SPI(pr.SPI)]; ns != nil && ns != s && s.successor == nil && ns.predecessor == nil {
						s.successor, ns.predecessor = ns, s
					}
				}
			}
			if len(p.SA.Proposals) > 0 && len(p.SA.Proposals[0].SPI) == 8 {
				continue // the IKE SA's own rekey: not a Phase 2 proposal
			}
			if msg.Response {
				if len(props) > 0 {
					c := props[0]
					s.Phase2Chosen = &c
				}
			} else {
				if s.Phase2Offered == nil {
					s.Phase2Offered = props
				}
				if msg.ExchangeType == decode.ExchangeCreateChildSA {
					msg.childRequest().offer = props
				}
			}
		case p.ID != nil && !v2:
			ids = append(ids, p.ID.Text)
			if r, ok := idRange(p.ID); ok {
				// IDci then IDcr: the Quick Mode initiator's side first.
				ts.add(msg, len(ids) == 1, r)
			}
		case p.TS != nil:
			for _, t := range p.TS.Selectors {
				ids = append(ids, fmt.Sprintf("%s %s-%s", p.Type, t.Start, t.End))
				if t.Start.IsValid() && t.End.IsValid() {
					ts.add(msg, p.Type == decode.PayloadTSi, addrRange{t.Start, t.End})
				}
			}
		}
	}
	s.learnSelectors(spis, ts)
	if !msg.Response && v2 && msg.ExchangeType == decode.ExchangeCreateChildSA {
		msg.childRequest().asked = ids
	}
	if !msg.Response {
		// What the sender of this Phase 2 request offers and asks for, by address, so that
		// when both gateways try (in one IKE SA or two) their views can be compared.
		sender := msg.Src.Addr()
		for _, p := range msg.Inner {
			if p.SA != nil {
				a.p2Offers[sender] = noteP2(a.p2Offers[sender], Proposals(p.SA, v2), s)
			}
		}
		if !v2 && len(ids) == 2 {
			a.p2IDs[sender] = noteP2(a.p2IDs[sender], [2]string{ids[0], ids[1]}, s)
		}
	}
	if !msg.Response && len(ids) > 0 && len(s.Selectors) == 0 {
		if !v2 && len(ids) == 2 {
			ids = []string{"local " + ids[0], "remote " + ids[1]}
		}
		s.Selectors = ids
	}
}

// reconcile revisits findings in the light of other sessions between the same peers: a
// first message left unanswered while the peer's own negotiation with us succeeded is a
// collision of simultaneous starts, not an unreachable peer.
func (a *Analyzer) reconcile() {
	for _, s := range a.sessions {
		a.reconcileOne(s)
	}
}

// reconcileOne is reconcile for one session.
func (a *Analyzer) reconcileOne(s *Session) {
	a.duplicateSA(s)
	a.retriedWithGroup(s)
	a.reauthenticated(s)
	for i := range s.findings {
		f := &s.findings[i]
		if f.Code != CodeNoResponse || f.Severity != Error {
			continue
		}
		// A collision: the other side started its own negotiation before this one had
		// to repeat its first message (it was busy with its own, not deaf), and that
		// came up after this one began.
		deadline := s.Last
		if len(s.Messages) > 0 {
			first := s.Messages[0]
			if i := slices.IndexFunc(s.Messages, func(m *Msg) bool { return m.orig == first }); i >= 0 {
				deadline = s.Messages[i].Time
			}
		}
		for _, o := range a.byPeers[pairOf(s.Initiator.Addr(), s.Responder.Addr())] {
			if o == s || !o.Established || !sameCapture(s, o) || o.Initiator.Addr() != s.Responder.Addr() ||
				o.First.After(deadline) || o.establishedAt.Before(s.First) {
				continue
			}
			f.Severity = Info
			f.Summary = fmt.Sprintf("The initiator's %s went unanswered, but meanwhile the two gateways negotiated the tunnel the other way: session %d, started by %s %s %s, came up.", f.Exchange, o.ID, o.Initiator.Addr(), secs(o.First.Sub(s.First).Abs()), beforeAfter(o.First, s.First))
			f.Cause = "Both gateways want the tunnel and each initiates. The one that did not answer was busy with its own negotiation, or not ready for this one yet (daemon starting, connection not loaded). The tunnel is up."
			f.Next = "Nothing to fix while the tunnel stays up. If it happens at every start, let only one side initiate (auto=add / start_action=none on the other)."
			s.abandonedFor = o.ID
			s.describe(s.findings)
			break
		}
	}
	a.spokeElsewhere(s)
	a.laterSuccess(s)
	a.carriedByLater(s)
}

// duplicateSA notes a second IKE SA between the same peers: both gateways started a
// negotiation, each before the other's came up, and both came up (RFC 7296 2.8 lets
// either side initiate; nothing makes the two merge). s is the later one up.
func (a *Analyzer) duplicateSA(s *Session) {
	if !s.Established || slices.ContainsFunc(s.findings, func(f Finding) bool { return f.Code == CodeDuplicateSA }) {
		return
	}
	for _, o := range a.byPeers[pairOf(s.Initiator.Addr(), s.Responder.Addr())] {
		// Who started each is the finding's evidence: not with roles guessed.
		if o == s || !o.Established || o.Version != s.Version || o == s.predecessor || o == s.successor ||
			o.Initiator.Addr() == s.Initiator.Addr() || !sameCapture(s, o) || !s.RolesKnown || !o.RolesKnown {
			continue
		}
		raced := s.First.Before(o.establishedAt) && o.First.Before(s.establishedAt)
		if !raced || !o.establishedAt.Before(s.establishedAt) {
			continue
		}
		f := s.newFinding(CodeDuplicateSA, Info, "IKE SA", []int{o.establishedFrame, s.establishedFrame}, s.establishedAt,
			fmt.Sprintf("Two IKE SAs between %s and %s were up at the same time, one started by each side: session %d (started by %s, up at frame %d) and this one (started by %s, up at frame %d); each side started its negotiation before the other's came up.",
				s.Initiator.Addr(), s.Responder.Addr(), o.ID, o.Initiator.Addr(), o.establishedFrame, s.Initiator.Addr(), s.establishedFrame),
			"Both gateways start the tunnel (each is set to start it, or to start it on traffic) and neither gave way when the other's negotiation came in. They then keep both, with CHILD_SAs under each, or delete one (a Delete follows); traffic may move between the two, and a gateway that treats the second as a reconnect can tear the first down.",
			"If it recurs, let one side initiate (strongSwan start_action=none or auto=add on the other side, libreswan auto=add), or have the gateways keep one IKE SA per peer (strongSwan unique=replace or uniqueids=yes, libreswan uniqueids=yes).")
		s.findings = append(s.findings, f)
		return
	}
}

// reauthenticated ties an IKEv2 SA to the one that replaced it by a reauthentication
// made before the break (RFC 7296 2.8.3): between the same peers, a new IKE SA started
// with IKE_SA_INIT after this one was up, came up, and then its initiator deleted this
// one. An IKE rekey (CREATE_CHILD_SA) is linked as predecessor and successor instead;
// IKE SAs of clients behind one NAT, each from a port of its own, are not linked.
//
// IKEv1 has no rekey of the ISAKMP SA: a new Main or Aggressive Mode replaces it the
// same way, and the old one's Delete is an encrypted Informational (v1Delete).
func (a *Analyzer) reauthenticated(s *Session) {
	if !s.Established || s.successor != nil || s.ReauthenticatedBy > 0 {
		return
	}
	del := s.ikeDeleteRequest()
	if s.Version == 1 {
		del = s.v1Delete()
	}
	if del == nil {
		return
	}
	// Address and port: clients behind one NAT share its address, each with a port of
	// its own; a gateway reauthenticating keeps its socket.
	by := s.Initiator
	if !del.FromInitiator {
		by = s.Responder
	}
	for _, o := range a.byPeers[pairOf(s.Initiator.Addr(), s.Responder.Addr())] {
		if o == s || o.Version != s.Version || !o.Established || o.predecessor != nil || o.Initiator != by || !sameCapture(s, o) ||
			!o.First.After(s.establishedAt) || !o.establishedAt.Before(del.Time) || !o.startsWithInit() {
			continue
		}
		s.ReauthenticatedBy, o.Reauthenticates = o.ID, s.ID
		s.describe(s.findings)
		o.Timeline = o.timeline()
		return
	}
}

// startsWithInit reports whether the session's first message is an IKE_SA_INIT request
// (IKEv1: MM1 or AM1).
func (s *Session) startsWithInit() bool {
	if len(s.Messages) == 0 {
		return false
	}
	st := s.Messages[0].Step
	return st == StepIKESAInitRequest || st == StepMM1 || st == StepAM1
}

// v1Delete is the IKEv1 SA's last message when it is an encrypted Informational the
// other side does not answer and that answers nothing: after a new ISAKMP SA came up
// between the peers, the old one's Delete (a liveness check would go on); nil otherwise.
func (s *Session) v1Delete() *Msg {
	if len(s.Messages) == 0 {
		return nil
	}
	m := s.Messages[len(s.Messages)-1]
	if m.v2 || m.ExchangeType != decode.ExchangeInformationalV1 || !m.Encrypted || m.Decrypted ||
		!s.deleteLike(m) || s.answersInformational(m) || slices.ContainsFunc(s.quickModeRefusals(), func(e Event) bool { return e.Frame == m.Frame }) {
		return nil
	}
	return m
}

// retriedWithGroup ties an IKE_SA_INIT refused with INVALID_KE_PAYLOAD to the initiator's
// retry: an IKE_SA_INIT from the same initiator to the same responder right after it,
// with a key exchange in the group asked for (RFC 7296 1.2). The retry may carry another
// initiator SPI, and so be a session of its own.
func (a *Analyzer) retriedWithGroup(s *Session) {
	if s.Version != 2 || s.Established || s.retriedAs > 0 || len(s.Messages) == 0 {
		return
	}
	last := s.Messages[len(s.Messages)-1]
	for _, m := range s.Messages {
		if m.Retransmit == 0 && m.Time.After(last.Time) {
			last = m
		}
	}
	if last.Step != StepIKESAInitResponse || len(last.Notifies) == 0 || last.Notifies[0].Type != decode.NotifyInvalidKEPayload {
		return
	}
	group := last.Notifies[0].group
	for _, o := range a.byPeers[pairOf(s.Initiator.Addr(), s.Responder.Addr())] {
		if o == s || o.Version != 2 || o.Initiator.Addr() != s.Initiator.Addr() || !sameCapture(s, o) {
			continue
		}
		var req *Msg
		for _, m := range o.Messages {
			if m.Step == StepIKESAInitRequest && m.hasKE && (req == nil || m.Time.Before(req.Time)) {
				req = m
			}
		}
		if req == nil || req.keGroup != group || req.Time.Before(last.Time) || req.Time.Sub(last.Time) > a.opts.ReplyTimeout {
			continue
		}
		s.retriedAs = o.ID
		for i := range s.findings {
			if f := &s.findings[i]; f.Code == CodeInvalidKE {
				outcome := "which did not come up either"
				if o.Established {
					outcome = "which came up"
				}
				f.Summary += fmt.Sprintf(" The initiator retried %s later with %s: session %d, %s.", secs(req.Time.Sub(last.Time)), decode.DHGroupName(group), o.ID, outcome)
			}
		}
		s.describe(s.findings)
		return
	}
}

// Finish ends the analysis: every session is evaluated as of the end of the input.
func (a *Analyzer) Finish() *Result {
	a.finishing = true
	a.tieEarly()
	for _, s := range a.sessions {
		if !s.closed {
			a.refresh(s, true)
			s.closed = true
		}
	}
	a.reconcile()
	for _, s := range a.sessions {
		s.name()
		// A session handed over below is named by its implementations just before it
		// goes, so that no more than one holds that evidence at a time.
		if a.opts.Implementations && (a.opts.OnDone == nil || s.dropped) {
			s.fingerprint()
		}
	}
	global := append(a.globalFindings(), a.notes...)
	for i := range global[:len(global)-len(a.notes)] {
		a.finishFinding(&global[i])
	}
	for _, f := range a.flowOrder {
		if len(f.sights) > 1 || a.multi && len(f.sights) == 1 {
			f.SeenAt = map[string]int{}
			for c, fs := range f.sights {
				f.SeenAt[a.captureName(c)] = fs.packets
			}
		}
	}
	if a.opts.OnDone != nil {
		// Findings made over several sessions that name one still held go with it.
		extra := map[int][]Finding{}
		held := map[int]bool{}
		for _, s := range a.sessions {
			held[s.ID] = !s.dropped
		}
		rest := global[:0:0]
		for _, f := range global[:len(global)-len(a.notes)] {
			if f.Session != 0 && held[f.Session] {
				extra[f.Session] = append(extra[f.Session], f)
				continue
			}
			rest = append(rest, f)
		}
		for _, s := range a.sessions {
			if !s.dropped {
				if a.opts.Implementations {
					s.fingerprint()
				}
				s.findings = append(s.findings, extra[s.ID]...)
				a.handOver(s)
				if a.opts.DoneWritten && !a.opts.Evict {
					s.release()
				}
			}
		}
		global = append(rest, a.notes...)
	}
	if !a.opts.Evict {
		a.compact(true)
	}
	r := &Result{Captures: a.captures, Sessions: a.sessions, OmittedOK: a.omittedOK, OmittedFailed: a.omittedFailed, HandedOver: a.handed}
	for _, f := range a.flowOrder {
		if f.Session == 0 {
			r.Orphans = append(r.Orphans, f)
		}
	}
	for _, s := range a.sessions {
		r.Findings = append(r.Findings, s.findings...)
	}
	r.Findings = append(r.Findings, global...)
	if a.opts.OnDone == nil {
		bySession := findingsBySession(r.Findings)
		for _, s := range a.sessions {
			a.clients.add(s, bySession[s.ID])
		}
	}
	r.Clients = a.clients.summary()
	if a.opts.OnFinding != nil {
		for _, f := range global[:len(global)-len(a.notes)] {
			a.opts.OnFinding(f)
		}
	}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	sort.SliceStable(r.Findings, func(i, j int) bool {
		if r.Findings[i].Severity != r.Findings[j].Severity {
			return r.Findings[i].Severity > r.Findings[j].Severity
		}
		return r.Findings[i].Time.Before(r.Findings[j].Time)
	})
	return r
}

// findingsBySession groups findings by the session they name, in their order. The
// groups are cut from one array (counted first, each capacity capped to its own part)
// rather than grown one finding at a time.
func findingsBySession(fs []Finding) map[int][]Finding {
	count := map[int]int{}
	for i := range fs {
		count[fs[i].Session]++
	}
	all := make([]Finding, 0, len(fs))
	by := make(map[int][]Finding, len(count))
	for i := range fs {
		id := fs[i].Session
		g, ok := by[id]
		if !ok {
			n := count[id]
			g = all[len(all) : len(all) : len(all)+n]
			all = all[:len(all)+n]
		}
		by[id] = append(g, fs[i])
	}
	return by
}

// authShort names an IKEv2 authentication method (RFC 7296 3.8, RFC 7427) the way the
// AUTH column shows IKEv1's: PSK, RSA, ECDSA.
func authShort(m uint8) string {
	switch m {
	case 1:
		return "RSA"
	case 2:
		return "PSK"
	case 3:
		return "DSS"
	case 9, 10, 11:
		return "ECDSA"
	case 13:
		return "NULL"
	case 14:
		return "signature (RFC 7427)"
	}
	return decode.AuthMethodName(m)
}

// endOf is when the capture a session was seen in ended: several captures given
// together each keep their own clock, so one that ends early does not borrow the time
// of another.
func (a *Analyzer) endOf(s *Session) time.Time {
	end := time.Time{}
	for i := range a.captures {
		if c := &a.captures[i]; c.Name == s.Capture && c.Last.After(end) {
			end = c.Last
		}
	}
	if end.Before(s.lastActive) {
		return a.now // still going (live), or the session went on in a later capture
	}
	return end
}

// sameCapture reports whether two sessions were seen in a common capture: captures
// given together that share nothing are separate stories.
func sameCapture(s, o *Session) bool {
	return s.Capture == o.Capture || slices.Contains(o.Captures, s.Capture) || slices.Contains(s.Captures, o.Capture)
}

// inCapture reports whether the session was seen in the named capture.
func (s *Session) inCapture(name string) bool {
	return s.Capture == name || slices.Contains(s.Captures, name)
}

// Open returns the sessions held open now (live capture's view of the tunnels), in the
// order they began. The analyzer is not safe for concurrent use: call it from the
// goroutine that adds messages, or under the same lock.
func (a *Analyzer) Open() []*Session {
	var out []*Session
	for _, s := range a.sessions {
		if !s.closed && !s.dropped {
			out = append(out, s)
		}
	}
	return out
}

// endedByDelete reports whether the session's last IKE exchange was a Delete: an SA
// that was deleted is gone once it has been quiet for the idle timeout, not after its
// lifetime (should its SPIs come back, a kept session re-attaches).
func (s *Session) endedByDelete() bool {
	for i := len(s.Messages) - 1; i >= 0; i-- {
		m := s.Messages[i]
		if m.Response || m.Retransmit > 0 {
			continue
		}
		return s.deleteLike(m)
	}
	return false
}

// Note records a finding about the input rather than any session (live capture's
// dropped packets, say): it is passed to OnFinding now and listed in the result.
func (a *Analyzer) Note(f Finding) {
	a.finishFinding(&f)
	a.notes = append(a.notes, f)
	if a.opts.OnFinding != nil {
		a.opts.OnFinding(f)
	}
}

// beforeAfter says whether t came before or after ref.
func beforeAfter(t, ref time.Time) string {
	if t.Before(ref) {
		return "before"
	}
	return "later"
}

// espSeen is when ESP last went from one address to another. Each ESP flow keeps a
// pointer to its pair's, so that a packet updates it without a map lookup; dead is set
// when the pair is let go of, and the flow looks again.
type espSeen struct {
	t        time.Time
	src, dst netip.Addr
	dead     bool
}

func (p *espSeen) time() time.Time {
	if p == nil {
		return time.Time{}
	}
	return p.t
}

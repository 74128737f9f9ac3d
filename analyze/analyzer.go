package analyze

import (
	"fmt"
	"hash/fnv"
	"iter"
	"net/netip"
	"sort"
	"strconv"
	"time"

	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/decode/ikecrypt"
)

// Options tune the analysis. The zero value means the defaults.
type Options struct {
	// ReplyTimeout is how long the capture must go on after a request before the request
	// counts as unanswered. Default 10 s.
	ReplyTimeout time.Duration
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
	// Keys, if set, open encrypted messages: their payloads feed the findings (Phase 2
	// proposals, proxy IDs, traffic selectors, notifications) and tie ESP to CHILD_SAs.
	Keys *ikecrypt.Keys
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
}

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
	opts      Options
	sessions  []*Session // every session kept, in order of first message
	open      map[SPI]*Session
	zero      map[peerKey]*Session // messages with a zero initiator SPI, by peers
	byPeers   map[peerKey][]*Session
	flows     map[espKey]*ESPFlow
	flowOrder []*ESPFlow
	findings  []Finding
	seen      map[int]map[string]bool // session -> "code/exchange" of the findings raised
	failedIDs map[int]bool            // sessions with an error finding
	captures  []Capture
	cur       *Capture
	now       time.Time
	nextID    int
	dropped   int // sessions not kept because of MaxOpen
	dropFrame []int
	frags     []decode.Message // incomplete datagrams with no session
	truncated []int
	malformed map[int][]int // session -> frames
	swept     time.Time
	dec       *ikecrypt.Decrypter
	untied    []*ESPFlow // flows not yet tied to a session

	keptOK, keptFailed       int
	omittedOK, omittedFailed int
	dropPending              int
	childSPI                 map[uint32]*Session       // ESP SPIs negotiated in decrypted Phase 2 exchanges
	p2Offers                 map[netip.Addr][]Proposal // Phase 2 proposals each gateway offered (decrypted)
	p2IDs                    map[netip.Addr][2]string  // IKEv1 proxy IDs each gateway asked for: its local, its remote
	decFail                  map[int][]int             // session -> frames that did not decrypt
	decErr                   map[int]string
}

// New returns an Analyzer.
func New(opts Options) *Analyzer {
	opts.defaults()
	a := &Analyzer{
		opts:      opts,
		open:      map[SPI]*Session{},
		zero:      map[peerKey]*Session{},
		byPeers:   map[peerKey][]*Session{},
		flows:     map[espKey]*ESPFlow{},
		seen:      map[int]map[string]bool{},
		failedIDs: map[int]bool{},
		malformed: map[int][]int{},
		childSPI:  map[uint32]*Session{},
		p2Offers:  map[netip.Addr][]Proposal{},
		p2IDs:     map[netip.Addr][2]string{},
		decFail:   map[int][]int{},
		decErr:    map[int]string{},
	}
	if opts.Keys != nil {
		a.dec = ikecrypt.NewDecrypter(opts.Keys)
	}
	return a
}

// StartCapture begins a new input; messages added after it belong to it.
func (a *Analyzer) StartCapture(name string) {
	a.captures = append(a.captures, Capture{Name: name})
	a.cur = &a.captures[len(a.captures)-1]
}

// EndCapture records the decoder's counts for the current input.
func (a *Analyzer) EndCapture(stats decode.Stats) {
	if a.cur == nil {
		return
	}
	a.cur.Frames = stats.Frames
	a.cur.Truncated = stats.Truncated
	a.cur.Stats = stats
	if !a.cur.First.IsZero() {
		a.cur.Duration = a.cur.Last.Sub(a.cur.First)
	}
}

// Now is the time of the latest message added.
func (a *Analyzer) Now() time.Time { return a.now }

// Add takes one decoded message.
func (a *Analyzer) Add(m *decode.Message) {
	if a.cur == nil {
		a.StartCapture("")
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
	if a.now.Sub(a.swept) > time.Minute {
		a.swept = a.now
		a.sweep()
	}
	switch m.Kind {
	case decode.KindISAKMP:
		a.cur.Messages++
		if m.ISAKMP != nil {
			a.addISAKMP(m)
		}
	case decode.KindESP:
		a.cur.ESP++
		a.addESP(m)
	case decode.KindKeepalive:
		if s := a.latestFor(m.Src.Addr(), m.Dst.Addr()); s != nil {
			s.Keepalives++
		}
	case decode.KindIncomplete:
		a.addIncomplete(m)
	case decode.KindICMP:
		a.addICMP(m)
	}
}

// addICMP ties an ICMP error to the session whose packet it quotes.
func (a *Analyzer) addICMP(m *decode.Message) {
	e := m.ICMP
	s := a.latestFor(e.Src.Addr(), e.Dst.Addr())
	if s == nil {
		return
	}
	s.ICMP = append(s.ICMP, ICMPInfo{Frame: m.Frame, Time: m.Time, From: m.Src.Addr(), Meaning: e.Meaning(),
		About: e.Dst, ToInit: e.Src.Addr() == s.Initiator.Addr()})
}

func (a *Analyzer) addIncomplete(m *decode.Message) {
	if m.ISAKMP != nil {
		if s := a.open[SPI(m.ISAKMP.InitiatorSPI)]; s != nil {
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
		s = a.newSession(m, x)
		if s == nil {
			return nil
		}
		a.open[spiI] = s
	}
	return s
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
	s := &Session{
		ID:      a.nextID,
		Capture: a.cur.Name,
		Version: int(x.MajorVersion),
		First:   m.Time,
		Last:    m.Time,
		byMsgID: map[exchangeKey]*Exchange{},
		// Empty, not null, in JSON.
		Exchanges: []*Exchange{},
		Messages:  []*Msg{},
		ESP:       []*ESPFlow{},
	}
	if s.Version != 2 {
		s.Version = 1
	}
	s.InitiatorSPI = SPI(x.InitiatorSPI)
	// Roles: IKEv2 says who sent it; in IKEv1 only the initiator sends a zero responder SPI.
	fromInit := true
	if x.IsV2() {
		fromInit = x.Flags&decode.FlagInitiator != 0
		s.RolesKnown = true
	} else {
		s.RolesKnown = SPI(x.ResponderSPI).IsZero()
	}
	if fromInit {
		s.Initiator, s.Responder = m.Src, m.Dst
	} else {
		s.Initiator, s.Responder = m.Dst, m.Src
	}
	a.sessions = append(a.sessions, s)
	k := pairOf(m.Src.Addr(), m.Dst.Addr())
	a.byPeers[k] = append(a.byPeers[k], s)
	return s
}

// openCount is the number of sessions held open; closed ones leave both maps.
func (a *Analyzer) openCount() int { return len(a.open) + len(a.zero) }

// fromInitiator tells whether the sender of m is the session's initiator.
func (s *Session) fromInitiator(m *decode.Message, x *decode.ISAKMP) bool {
	if x.IsV2() {
		return x.Flags&decode.FlagInitiator != 0
	}
	src, dst := m.Src, m.Dst
	if s.Initiator.Addr() == s.Responder.Addr() {
		// Both ends on one address: only the ports tell them apart.
		return src == s.Initiator || dst == s.Responder
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

func (a *Analyzer) addISAKMP(m *decode.Message) {
	x := m.ISAKMP
	s := a.findSession(m, x)
	if s == nil {
		return
	}
	if s.ResponderSPI.IsZero() {
		s.ResponderSPI = SPI(x.ResponderSPI)
	}
	s.Last = m.Time
	fromInit := s.fromInitiator(m, x)
	// Follow address and port changes (NAT, MOBIKE, the float to 4500).
	if fromInit {
		s.noteAddress(&s.Initiator, m.Src)
		s.noteAddress(&s.Responder, m.Dst)
	} else {
		s.noteAddress(&s.Responder, m.Src)
		s.noteAddress(&s.Initiator, m.Dst)
	}
	msg := &Msg{
		Frame:         m.Frame,
		Time:          m.Time,
		Src:           m.Src,
		Dst:           m.Dst,
		FromInitiator: fromInit,
		ExchangeType:  x.ExchangeType,
		ExchangeName:  exchangeName(x),
		MessageID:     x.MessageID,
		Encrypted:     x.Encrypted != nil || hasSK(x),
		Size:          int(x.Length),
		Payloads:      x.PayloadSummary(),
		Fragments:     m.Fragments,
		Truncated:     x.Truncated || m.Kind == decode.KindIncomplete,
		ISAKMP:        x,
		v2:            x.IsV2(),
		hash:          hashBytes(x.Contents),
	}
	for _, err := range x.Errors {
		msg.Errors = append(msg.Errors, err.Error())
	}
	if a.dec != nil && m.Kind == decode.KindISAKMP {
		res, err := a.dec.Decrypt(x)
		switch {
		case err != nil:
			msg.DecryptError = err.Error()
			a.decFail[s.ID] = append(a.decFail[s.ID], m.Frame)
			if a.decErr[s.ID] == "" {
				a.decErr[s.ID] = err.Error()
			}
		case res != nil && res.Decrypted:
			msg.Decrypted, msg.Inner, msg.Integrity = true, res.Payloads, res.Integrity.String()
			msg.InnerSummary = innerSummary(res.Payloads, x.IsV2())
		}
	}
	for p := range msg.allPayloads(x) {
		if d := p.Delete; d != nil && (d.ProtocolID == 2 || d.ProtocolID == 3) && d.SPISize == 4 {
			if s.deleted == nil {
				s.deleted = map[uint32]deletion{}
			}
			for _, spi := range d.SPIs {
				s.deleted[uint32(spi[0])<<24|uint32(spi[1])<<16|uint32(spi[2])<<8|uint32(spi[3])] = deletion{m.Time, m.Frame}
			}
		}
		if n := p.Notify; n != nil {
			msg.Notifies = append(msg.Notifies, NotifyInfo{Type: n.Type, Name: decode.NotifyName(x.IsV2(), n.Type), Error: decode.NotifyIsError(x.IsV2(), n.Type)})
		}
	}
	if m.Kind == decode.KindIncomplete {
		msg.Payloads = "IP fragments, incomplete"
	}
	ex := s.exchangeFor(x, msg)
	msg.exchange = ex
	if n := len(ex.Messages); n > 0 {
		if prev := ex.Messages[n-1]; prev.hash == msg.hash && prev.FromInitiator == msg.FromInitiator && msg.Time.Sub(prev.Time) < captureDuplicate {
			// The same packet again within milliseconds: the capture saw it twice.
			s.Duplicates++
			return
		}
	}
	// A retransmission is the same bytes again from the same side.
	for i := len(ex.Messages) - 1; i >= 0; i-- {
		prev := ex.Messages[i]
		if prev.hash == msg.hash && prev.FromInitiator == msg.FromInitiator {
			msg.Retransmit = prev.Retransmit + 1
			msg.Interval = msg.Time.Sub(prev.Time)
			msg.Step = prev.Step
			break
		}
	}
	if n, total := fragmentOf(x); msg.Retransmit == 0 && n > 1 {
		// Later IKE fragments (IKEv1 FRAG, IKEv2 SKF) belong to the step of the first.
		for i := len(ex.Messages) - 1; i >= 0; i-- {
			if prev := ex.Messages[i]; prev.FromInitiator == msg.FromInitiator {
				msg.Step = prev.Step
				break
			}
		}
		msg.Fragment = fmt.Sprintf("%d/%d", n, total)
	} else if n == 1 {
		msg.Fragment = fmt.Sprintf("1/%d", total)
	}
	if msg.Retransmit > 0 {
		s.Retransmits++
	} else if msg.Step == "" {
		msg.Step = stepName(ex, msg)
		if msg.Response {
			ex.Responses++
		} else {
			ex.Requests++
		}
	}
	ex.Messages = append(ex.Messages, msg)
	ex.Last = m.Time
	if len(s.Messages) < a.opts.MaxMessages {
		s.Messages = append(s.Messages, msg)
	} else {
		s.MessagesDropped++
	}
	if len(x.Errors) > 0 && !x.Truncated {
		a.malformed[s.ID] = append(a.malformed[s.ID], m.Frame)
	}
	if m.Truncated && m.Kind != decode.KindIncomplete {
		a.truncated = append(a.truncated, m.Frame)
	}
	s.update(msg, x, ex)
	if msg.Decrypted {
		a.phase2(s, msg)
		if x.IsV2() && x.ExchangeType == 35 && msg.Response {
			for _, n := range msg.Notifies {
				if n.Type == 24 { // AUTHENTICATION_FAILED: the IKE SA was refused
					s.Established = false
				}
			}
		}
	}
	a.raise(evaluateLive(s, a.now, a.opts))
}

func (s *Session) noteAddress(cur *netip.AddrPort, seen netip.AddrPort) {
	if *cur == seen {
		return
	}
	if cur.Port() == 500 && seen.Port() == 4500 || cur.Port() != 4500 && seen.Port() == 4500 {
		s.Floated = true
	}
	if seen.Port() == 4500 || cur.Addr() != seen.Addr() {
		*cur = seen
	}
}

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

func hashBytes(b []byte) uint64 {
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64()
}

func exchangeName(x *decode.ISAKMP) string {
	if !x.IsV2() {
		switch x.ExchangeType {
		case 2:
			return "Main Mode"
		case 4:
			return "Aggressive Mode"
		case 5:
			return "Informational"
		case 6:
			return "Transaction"
		case 32:
			return "Quick Mode"
		}
	}
	return x.ExchangeType.String()
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
	ex := s.byMsgID[k]
	if ex == nil {
		ex = &Exchange{
			Type:        x.ExchangeType,
			Name:        msg.ExchangeName,
			MessageID:   x.MessageID,
			ByInitiator: k.byInit,
			First:       msg.Time,
			Phase2:      isPhase2(x),
		}
		if !x.IsV2() {
			ex.ByInitiator = msg.FromInitiator
		}
		s.byMsgID[k] = ex
		s.Exchanges = append(s.Exchanges, ex)
		if ex.Phase2 {
			s.Phase2++
		}
	}
	if !x.IsV2() {
		msg.Response = msg.FromInitiator != ex.ByInitiator
	}
	ex.Encrypted = ex.Encrypted || msg.Encrypted
	return ex
}

func isPhase2(x *decode.ISAKMP) bool {
	if x.IsV2() {
		return x.ExchangeType == 36 // CREATE_CHILD_SA
	}
	return x.ExchangeType == 32 // Quick Mode
}

// stepName names a new (not retransmitted) message within its exchange.
func stepName(ex *Exchange, msg *Msg) string {
	prefix := map[decode.ExchangeType]string{2: "MM", 4: "AM", 32: "QM"}[ex.Type]
	if msg.ISAKMPIsV1() && prefix != "" {
		n := 1
		for _, prev := range ex.Messages {
			if prev.Retransmit == 0 && prev.Response == msg.Response {
				n++
			}
		}
		step := 2*n - 1
		if msg.Response {
			step = 2 * n
		}
		return prefix + strconv.Itoa(step)
	}
	if msg.ISAKMPIsV1() {
		return ex.Name
	}
	if msg.Response {
		return ex.Name + " response"
	}
	return ex.Name + " request"
}

// allPayloads yields a message's clear payloads, then those --keys decrypted.
func (m *Msg) allPayloads(x *decode.ISAKMP) iter.Seq[*decode.Payload] {
	return func(yield func(*decode.Payload) bool) {
		for _, list := range [2][]decode.Payload{x.Payloads, m.Inner} {
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

// update moves the session's state forward with a new message.
func (s *Session) update(msg *Msg, x *decode.ISAKMP, ex *Exchange) {
	v2 := x.IsV2()
	switch {
	case !v2 && x.ExchangeType == 2:
		s.Mode = "Main"
	case !v2 && x.ExchangeType == 4:
		s.Mode = "Aggressive"
	case v2 && s.Mode == "":
		s.Mode = "IKEv2"
	}
	if msg.Retransmit > 0 {
		return
	}
	phase1 := (!v2 && (x.ExchangeType == 2 || x.ExchangeType == 4)) || (v2 && (x.ExchangeType == 34 || x.ExchangeType == 35 || x.ExchangeType == 43))
	for _, p := range x.Payloads {
		if p.SA == nil || !phase1 {
			continue
		}
		props := Proposals(p.SA, v2)
		if msg.Response {
			if len(props) > 0 {
				c := props[0]
				s.Chosen = &c
				if c.Auth != "" {
					s.Auth = c.Auth
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
	if phase1 {
		s.Reached = msg.Step
		s.checkNAT(msg, x)
		if !v2 && natTVendorIDs(x) {
			if s.NAT == nil {
				s.NAT = &NATResult{Frames: []int{}}
			}
			if msg.FromInitiator {
				s.NAT.InitiatorOffers = true
			} else {
				s.NAT.ResponderOffers = true
			}
		}
	}
	switch {
	case !v2 && x.ExchangeType == 2 && msg.Step == "MM6",
		!v2 && x.ExchangeType == 4 && msg.Step == "AM3":
		s.Established = true
	case !v2 && x.ExchangeType == 32:
		s.Established = true // Quick Mode runs only under an ISAKMP SA
	case v2 && x.ExchangeType == 35 && msg.Response:
		s.Established = true
	case v2 && (x.ExchangeType == 36 || x.ExchangeType == 37) && s.Mode != "":
		s.Established = true
	}
	was := ex.Complete
	switch {
	case !v2 && x.ExchangeType == 2:
		ex.Complete = ex.Responses >= 3 // MM6
	case !v2 && (x.ExchangeType == 4 || x.ExchangeType == 32):
		ex.Complete = ex.Requests >= 2 // AM3, QM3
	default:
		ex.Complete = ex.Responses > 0
	}
	// A CHILD_SA comes with a completed Quick Mode, IKE_AUTH or CREATE_CHILD_SA.
	if ex.Complete && !was && (!v2 && x.ExchangeType == 32 || v2 && (x.ExchangeType == 35 || x.ExchangeType == 36) && !hasErrorNotify(msg)) {
		s.Phase2Done++
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

func (a *Analyzer) latestFor(x, y netip.Addr) *Session {
	list := a.byPeers[pairOf(x, y)]
	for i := len(list) - 1; i >= 0; i-- {
		return list[i]
	}
	return nil
}

func (a *Analyzer) addESP(m *decode.Message) {
	k := espKey{spi: m.ESP.SPI, src: m.Src.Addr(), dst: m.Dst.Addr()}
	f := a.flows[k]
	if f == nil {
		f = &ESPFlow{SPI: m.ESP.SPI, Src: m.Src, Dst: m.Dst, Encap: m.Encap, First: m.Time, FirstFrame: m.Frame, FirstSeq: m.ESP.Seq, LastSeq: m.ESP.Seq}
		a.flows[k] = f
		a.flowOrder = append(a.flowOrder, f)
		a.untied = append(a.untied, f)
	} else {
		switch {
		case m.ESP.Seq == f.LastSeq && m.Time.Sub(f.Last) < captureDuplicate:
			f.Duplicates++
			return
		case m.ESP.Seq <= f.LastSeq:
			f.SeqRestarts++
			if len(f.AnomalyFrames) < 10 {
				f.AnomalyFrames = append(f.AnomalyFrames, m.Frame)
			}
		case m.ESP.Seq > f.LastSeq+1:
			f.SeqGaps++
		}
		f.LastSeq = m.ESP.Seq
	}
	f.Packets++
	f.Bytes += m.ESP.Len
	f.Last = m.Time
	f.LastFrame = m.Frame
}

// raise records findings not seen before and passes them to OnFinding.
func (a *Analyzer) raise(fs []Finding) {
	for _, f := range fs {
		if f.Frames == nil {
			f.Frames = []int{}
		}
		key := f.Code + "/" + f.Exchange
		seen := a.seen[f.Session]
		if seen == nil {
			seen = map[string]bool{}
			a.seen[f.Session] = seen
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		if f.Severity == Error {
			a.failedIDs[f.Session] = true
		}
		a.findings = append(a.findings, f)
		if a.opts.OnFinding != nil {
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
		if s.Last.After(s.evaluated) || quiet && !s.quietSeen {
			a.raise(evaluateTimed(s, a.now, a.opts, false))
			s.evaluated, s.quietSeen = s.Last, quiet
		}
		if a.now.Sub(s.Last) > a.opts.IdleTimeout {
			a.close(s)
		}
	}
	a.compact(false)
}

func (a *Analyzer) close(s *Session) {
	a.tieFlows()
	a.raise(evaluateFinal(s, a.now, a.opts))
	a.settle(s)
	s.closed = true
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
			m.ISAKMP = nil
		}
	}
	// Live capture drops every finished session (its findings are out); a file keeps the
	// first MaxKept of each kind for the report and counts the rest, so memory follows
	// the live SAs however long the capture.
	switch {
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
	default:
		a.keptOK++
	}
	if s.dropped {
		a.dropPending++
	}
}

// compact forgets dropped sessions: their messages, ESP flows and findings.
// It runs once enough sessions are waiting (the work is a pass over what is held), or
// at the end.
func (a *Analyzer) compact(force bool) {
	batch := compactBatch
	if a.opts.Evict {
		batch = 64 // live capture: keep what is held close to the live SAs
	}
	if a.dropPending == 0 || !force && a.dropPending < batch {
		return
	}
	a.dropPending = 0
	gone := map[int]bool{}
	kept := a.sessions[:0]
	for _, s := range a.sessions {
		if s.dropped {
			gone[s.ID] = true
			for _, f := range s.ESP {
				delete(a.flows, espKey{spi: f.SPI, src: f.Src.Addr(), dst: f.Dst.Addr()})
			}
			for _, f := range s.ESP {
				if a.childSPI[f.SPI] == s {
					delete(a.childSPI, f.SPI)
				}
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
		} else {
			a.byPeers[k] = l
		}
	}
	flows := a.flowOrder[:0]
	for _, f := range a.flowOrder {
		if !gone[f.Session] {
			flows = append(flows, f)
		}
	}
	clear(a.flowOrder[len(flows):])
	a.flowOrder = flows
	fs := a.findings[:0]
	for _, f := range a.findings {
		if !gone[f.Session] {
			fs = append(fs, f)
		}
	}
	a.findings = fs
	for id := range gone {
		delete(a.seen, id)
		delete(a.failedIDs, id)
		delete(a.malformed, id)
		delete(a.decFail, id)
		delete(a.decErr, id)
	}
}

// innerSummary lists decrypted payload types: "HASH SA NONCE ID ID".
func innerSummary(ps []decode.Payload, v2 bool) string {
	var b []byte
	for i, p := range ps {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, p.Type.String()...)
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
	if !(msg.ExchangeType == 32 || v2 && (msg.ExchangeType == 35 || msg.ExchangeType == 36)) {
		return
	}
	var ids []string
	for _, p := range msg.Inner {
		switch {
		case p.SA != nil:
			props := Proposals(p.SA, v2)
			for _, pr := range p.SA.Proposals {
				if len(pr.SPI) == 4 {
					a.childSPI[uint32(pr.SPI[0])<<24|uint32(pr.SPI[1])<<16|uint32(pr.SPI[2])<<8|uint32(pr.SPI[3])] = s
				}
			}
			if msg.Response {
				if len(props) > 0 {
					c := props[0]
					s.Phase2Chosen = &c
				}
			} else if s.Phase2Offered == nil {
				s.Phase2Offered = props
			}
		case p.ID != nil && !v2:
			ids = append(ids, p.ID.Text)
		case p.TS != nil:
			for _, t := range p.TS.Selectors {
				ids = append(ids, fmt.Sprintf("%s %s-%s", p.Type, t.Start, t.End))
			}
		}
	}
	if !msg.Response {
		// What the sender of this Phase 2 request offers and asks for, by address, so that
		// when both gateways try (in one IKE SA or two) their views can be compared.
		sender := msg.Src.Addr()
		for _, p := range msg.Inner {
			if p.SA != nil {
				a.p2Offers[sender] = Proposals(p.SA, v2)
			}
		}
		if !v2 && len(ids) == 2 {
			a.p2IDs[sender] = [2]string{ids[0], ids[1]}
		}
	}
	if !msg.Response && len(ids) > 0 && len(s.Selectors) == 0 {
		if !v2 && len(ids) == 2 {
			ids = []string{"local " + ids[0], "remote " + ids[1]}
		}
		s.Selectors = ids
	}
}

// tieFlows attaches ESP flows to their sessions: by the SPI a decrypted negotiation
// chose, else the latest session between the same peers that began before the flow.
func (a *Analyzer) tieFlows() {
	still := a.untied[:0]
	defer func() { clear(a.untied[len(still):]); a.untied = still }()
	for _, f := range a.untied {
		if s := a.childSPI[f.SPI]; s != nil {
			f.Session = s.ID
			f.FromInitiator = f.Src.Addr() == s.Initiator.Addr()
			s.ESP = append(s.ESP, f)
			continue
		}
		list := a.byPeers[pairOf(f.Src.Addr(), f.Dst.Addr())]
		var best *Session
		for _, s := range list {
			if !s.First.After(f.First) && (best == nil || s.First.After(best.First)) {
				best = s
			}
		}
		if best == nil && len(list) > 0 {
			best = list[0]
		}
		if best == nil {
			still = append(still, f)
			continue
		}
		f.Session = best.ID
		f.FromInitiator = f.Src.Addr() == best.Initiator.Addr()
		best.ESP = append(best.ESP, f)
	}
}

// reconcile revisits findings in the light of other sessions between the same peers: a
// first message left unanswered while the peer's own negotiation with us succeeded is a
// collision of simultaneous starts, not an unreachable peer.
func (a *Analyzer) reconcile() {
	byID := map[int]*Session{}
	for _, s := range a.sessions {
		byID[s.ID] = s
	}
	for i := range a.findings {
		f := &a.findings[i]
		s := byID[f.Session]
		if f.Code != CodeNoResponse || f.Severity != Error || s == nil {
			continue
		}
		for _, o := range a.byPeers[pairOf(s.Initiator.Addr(), s.Responder.Addr())] {
			if o == s || !o.Established || o.First.Sub(s.First).Abs() > 30*time.Second {
				continue
			}
			f.Severity = Info
			f.Summary = fmt.Sprintf("The %s's %s went unanswered while both gateways started a negotiation at the same time; the other one (session %d, started by %s) came up.", "initiator", f.Exchange, o.ID, o.Initiator.Addr())
			f.Cause = "Both sides had traffic for the tunnel and initiated at once; the responder answered the other negotiation and dropped this one. This is normal."
			f.Next = "Nothing to fix. If it happens at every start, let only one side initiate (auto=add / start_action=none on the other)."
			s.Failed = false
			s.State = fmt.Sprintf("abandoned (session %d came up)", o.ID)
			break
		}
	}
}

// settle marks a session failed when any finding about it, raised live or at the end,
// is an error; describe sees only the final ones.
func (a *Analyzer) settle(s *Session) {
	s.Failed = a.failedIDs[s.ID]
}

// Finish ends the analysis: every session is evaluated as of the end of the input.
func (a *Analyzer) Finish() *Result {
	a.tieFlows()
	for _, s := range a.sessions {
		if !s.closed {
			a.raise(evaluateFinal(s, a.now, a.opts))
			s.closed = true
		}
	}
	a.raise(a.globalFindings())
	a.reconcile()
	clear(a.failedIDs)
	for _, f := range a.findings {
		if f.Severity == Error {
			a.failedIDs[f.Session] = true
		}
	}
	for _, s := range a.sessions {
		a.settle(s)
	}
	if !a.opts.Evict {
		a.compact(true)
	}
	r := &Result{Captures: a.captures, Sessions: a.sessions, OmittedOK: a.omittedOK, OmittedFailed: a.omittedFailed}
	for _, f := range a.flowOrder {
		if f.Session == 0 {
			r.Orphans = append(r.Orphans, f)
		}
	}
	r.Findings = append([]Finding(nil), a.findings...)
	sort.SliceStable(r.Findings, func(i, j int) bool {
		if r.Findings[i].Severity != r.Findings[j].Severity {
			return r.Findings[i].Severity > r.Findings[j].Severity
		}
		return r.Findings[i].Time.Before(r.Findings[j].Time)
	})
	return r
}

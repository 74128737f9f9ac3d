package analyze

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/ikescope/ikescope/decode"
)

// NamedSPIs lists the IKE SPI pairs (initiator's, responder's) the session's texts may
// name: its own and those of the IKE SAs it replaced and that replaced it, which a
// redactor of sessions written one by one must know before the first of them.
func (s *Session) NamedSPIs() [][2]SPI {
	out := [][2]SPI{{s.InitiatorSPI, s.ResponderSPI}}
	for _, o := range []*Session{s.predecessor, s.successor} {
		if o != nil {
			out = append(out, [2]SPI{o.InitiatorSPI, o.ResponderSPI})
		}
	}
	return out
}

// Decoded returns the message's full decode, rebuilt from its bytes, for reports that
// expand a message; nil when the analysis did not keep them (a session that finished
// cleanly keeps its ladder, not its payloads).
func (m *Msg) Decoded() *decode.ISAKMP {
	if m.raw == nil {
		return m.tree
	}
	return decode.ParseISAKMP(m.raw, m.cut, m.noMarker)
}

// Severity orders findings: errors explain a failure, warnings a risk or a likely
// problem, info what is worth knowing.
type Severity int

// Severities, least severe first.
const (
	Info Severity = iota
	Warning
	Error
)

var severityNames = [...]string{Info: "info", Warning: "warning", Error: "error"}

func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return "Severity(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText gives the severity's name in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ParseSeverity reads "info", "warning" or "error".
func ParseSeverity(s string) (Severity, bool) {
	for i, n := range severityNames {
		if n == s {
			return Severity(i), true
		}
	}
	return 0, false
}

// SPI is an IKE SA SPI (IKEv1 cookie); it prints as 16 hex digits.
type SPI [8]byte

func (s SPI) String() string { return hex.EncodeToString(s[:]) }

// MarshalText gives the SPI as hex in JSON.
func (s SPI) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// IsZero reports whether the SPI is all zeroes (a responder SPI not yet chosen).
func (s SPI) IsZero() bool { return s == SPI{} }

// Session is one IKE SA (IKEv1 ISAKMP SA or IKEv2 IKE SA) and everything under it.
type Session struct {
	ID           int            `json:"id"`
	Capture      string         `json:"capture"`
	Version      int            `json:"ike_version"`
	InitiatorSPI SPI            `json:"initiator_spi"`
	ResponderSPI SPI            `json:"responder_spi"`
	Initiator    netip.AddrPort `json:"initiator"`
	Responder    netip.AddrPort `json:"responder"`
	// RolesKnown is false when the capture began after the first message, so which side
	// initiated is a guess.
	RolesKnown bool   `json:"roles_known"`
	Mode       string `json:"mode"` // "Main", "Aggressive", "IKEv2"; "" when the first exchange was not seen
	Auth       string `json:"auth,omitempty"`
	// UserAuth names the user authentication on top of the IKE SA (XAUTH, EAP-MSCHAPv2,
	// EAP when keys are needed to name the method); User is the XAUTH user name or EAP
	// identity and VirtualIPs the addresses the gateway assigned, where keys show them.
	UserAuth   string   `json:"user_auth,omitempty"`
	User       string   `json:"user,omitempty"`
	VirtualIPs []string `json:"virtual_ips,omitempty"`
	// Offered are the initiator's Phase 1 / IKE_SA_INIT proposals; Chosen is what the
	// responder accepted.
	Offered []Proposal `json:"offered,omitempty"`
	Chosen  *Proposal  `json:"chosen,omitempty"`
	// Reached is the last step of the IKE SA's own negotiation seen (MM6, AM3,
	// IKE_AUTH response, ...); State says in words how far the negotiation got.
	Reached     Step   `json:"reached"`
	State       string `json:"state"`
	Established bool   `json:"established"`
	Failed      bool   `json:"failed"`
	// Floated is set when IKE moved from UDP 500 to 4500 (NAT traversal).
	Floated   bool        `json:"floated,omitempty"`
	NAT       *NATResult  `json:"nat,omitempty"`
	Exchanges []*Exchange `json:"exchanges"`
	Messages  []*Msg      `json:"messages"`
	// MessagesDropped counts messages not kept because the session had too many.
	MessagesDropped int `json:"messages_dropped,omitempty"`
	// ExchangesPruned counts INFORMATIONAL exchanges past the kept messages that were
	// settled (answered, no error) and let go of: an SA up for days checks its peer often.
	ExchangesPruned int        `json:"exchanges_pruned,omitempty"`
	Phase2          int        `json:"phase2_exchanges"`
	Phase2Done      int        `json:"phase2_completed"`
	ESP             []*ESPFlow `json:"esp_flows"`
	// TCP is set when the session's IKE came over TCP (RFC 8229).
	TCP bool `json:"ike_over_tcp,omitempty"`
	// Phase2Offered and Phase2Chosen are the Quick Mode / CHILD_SA proposals, and
	// Selectors the proxy IDs / traffic selectors the initiator of that exchange asked
	// for; known only with keys.
	Phase2Offered []Proposal `json:"phase2_offered,omitempty"`
	Phase2Chosen  *Proposal  `json:"phase2_chosen,omitempty"`
	Selectors     []string   `json:"selectors,omitempty"`
	Retransmits   int        `json:"retransmissions"`
	// Duplicates counts messages seen twice within milliseconds: the capture point sees
	// each packet on two interfaces, not a retransmission by the sender.
	Duplicates int `json:"capture_duplicates,omitempty"`
	// ICMP lists ICMP errors about this session's packets.
	ICMP       []ICMPInfo `json:"icmp,omitempty"`
	Keepalives int        `json:"nat_keepalives,omitempty"`
	// Timeline is the SA's life: up, IPsec SAs created and rekeyed, liveness checks,
	// deletes; RekeyedFrom and RekeyedTo link an IKE SA to the one it replaced and the
	// one that replaced it.
	Timeline []Event `json:"timeline,omitempty"`
	// Captures names every capture that saw the SA, when there are several.
	Captures    []string `json:"captures,omitempty"`
	RekeyedFrom int      `json:"rekeyed_from,omitempty"`
	RekeyedTo   int      `json:"rekeyed_to,omitempty"`
	// ReauthenticatedBy names the IKE SA that replaced this one by a reauthentication
	// (a new IKE_SA_INIT and IKE_AUTH while this one was up, then this one deleted: RFC
	// 7296 2.8.3, make-before-break); Reauthenticates names the one it replaced.
	ReauthenticatedBy int `json:"reauthenticated_by,omitempty"`
	Reauthenticates   int `json:"reauthenticates,omitempty"`
	// Implementations names each side's likely implementation (and version) from what
	// its messages show: Vendor IDs, proposal shapes, notifications, retransmissions.
	Implementations *Implementations `json:"implementations,omitempty"`
	// Connections names the configured connection that governs each side, when the
	// gateways' configurations were given (ikescope analyze --config).
	Connections []ConfigConn `json:"connections,omitempty"`
	// Continues names the session this one carries on: the same initiator SPI, handed
	// over (written out) when it went quiet and then seen again.
	Continues int       `json:"continues,omitempty"`
	First     time.Time `json:"first"`
	Last      time.Time `json:"last"`

	byMsgID      map[exchangeKey]*Exchange
	closed       bool
	redirectedTo string              // the gateway an IKEv2 REDIRECT named
	dropped      bool                // finished and not kept (live capture, or past Options.MaxKept)
	deleted      map[uint32]deletion // ESP/AH SPIs a Delete named, with when
	evaluated    time.Time           // Last when the timed findings were last evaluated
	quietSeen    bool                // evaluated after going quiet for the reply timeout
	reported     map[string]bool     // finding keys already raised (live capture)
	offeredBy    netip.Addr
	natChecked   bool
	folds        bool          // some message stands for copies folded into it (Msg.Folded)
	copyShift    time.Duration // the longest gap between two copies of one datagram (copyOf)
	dupIKE       [2]int        // IKE messages seen twice within milliseconds, from the responder [0] and the initiator [1]
	dupAt        []pointDup    // dupIKE at each capture point that saw IKE twice, with several points

	mmSeen      [3]bool                         // a Main Mode message of each class was seen
	mmSender    [3]netip.AddrPort               // and who sent the first of each
	lastActive  time.Time                       // the latest IKE message or ESP packet of the SA
	malformed   []int                           // frames that did not parse
	decFail     []int                           // frames that did not decrypt
	decBy       [2]struct{ opened, failed int } // messages from the responder [0] and the initiator [1] opened, and not
	decErr      string                          // the first decryption error
	decLate     bool                            // and it was the capture beginning after what the keys need
	decChecksum bool                            // or the encryption key opening it with its checksum failing
	findings    []Finding                       // the latest evaluation's findings
	anomalies   []anomalyAt                     // protocol violations that did not stop decoding
	emitted     map[string]Finding              // findings passed to OnFinding, by key

	establishedAt    time.Time // when the negotiation completed
	establishedFrame int
	abandonedFor     int // a simultaneous start: the session that came up instead
	supersededBy     int // failed, then this later session between the same ends came up (laterSuccess)
	supersededCode   string
	retriedAs        int  // refused with INVALID_KE_PAYLOAD: the session that retried with the group asked for
	stoppedEarly     bool // the capture went on past the reply timeout after the last message
	closedBeforeEnd  bool // finished before the end of the capture was read (wentOn)
	rekeyedAway      bool // its last CREATE_CHILD_SA rekeyed it into an SA silent in the capture (derive)
	firstAuthOpen    bool // the capture ends soon after a first IKE_AUTH answer that may be EAP's first round
	keptAs           int  // keptOK or keptFailed once finished and kept
	// rare is what few sessions need (selectors known with keys, IKE over TCP), kept out
	// of line so that a flood of half-open SAs does not pay for it.
	rare           *sessionRare
	espEvaluated   time.Time    // lastActive when the session was last evaluated
	espEvalAt      time.Time    // and the analysis clock then
	lastChildAt    time.Time    // the latest negotiation that created an IPsec SA (QM3, IKE_AUTH or CREATE_CHILD_SA answer)
	espFrom        [2]time.Time // the latest ESP between the peers from the responder [0] and from the initiator [1], whichever SA it belongs to
	capIdx         int          // the capture the session was first seen in
	addrsI, addrsR []netip.Addr // every address each side was seen with
	successor      *Session
	predecessor    *Session
	names          findingNames // the texts every finding of the session carries
	fpRecorded     int          // messages whose evidence of implementations is kept
	unseen         int          // the side the capture does not see (unseenSide), as of the latest evaluation
	fpSeen         int          // what fingerprint last ran on (messages, copies)
}

// findingNames are a session's peers and SPIs as findings write them, and what they were
// made of.
type findingNames struct {
	peersOf [2]netip.AddrPort
	peers   string
	spisOf  [2]SPI
	spis    string
}

// MarshalJSON writes the flow with its SPI as 8 lower-case hex digits, as IKE SPIs are
// written, first.
func (f ESPFlow) MarshalJSON() ([]byte, error) {
	type flow ESPFlow // without this method
	return json.Marshal(struct {
		SPI string `json:"spi"`
		flow
		Src string `json:"src"`
		Dst string `json:"dst"`
	}{fmt.Sprintf("%08x", f.SPI), flow(f), espEndpoint(f.Src, f.Encap), espEndpoint(f.Dst, f.Encap)})
}

// espEndpoint writes an ESP flow's end: address and UDP port for ESP in UDP, the
// address alone for ESP on IP protocol 50 (it has no port).
func espEndpoint(ap netip.AddrPort, encap bool) string {
	if encap {
		return ap.String()
	}
	return ap.Addr().String()
}

// deletion is when a Delete payload ended an ESP or AH SA.
type deletion struct {
	Time  time.Time
	Frame int
}

// Exchange is one exchange: Main or Aggressive Mode (message ID 0), a Quick Mode, an
// Informational, a Transaction, or an IKEv2 request/response pair.
type Exchange struct {
	Type      decode.ExchangeType `json:"exchange_type"`
	Name      string              `json:"exchange_type_name"`
	MessageID uint32              `json:"message_id"`
	// ByInitiator is set when the IKE SA's initiator sent the request.
	ByInitiator bool   `json:"by_initiator"`
	Messages    []*Msg `json:"-"`
	Requests    int    `json:"requests"`  // distinct request messages (not counting retransmissions)
	Responses   int    `json:"responses"` // distinct response messages
	Reached     Step   `json:"reached"`
	Complete    bool   `json:"complete"`
	Phase2      bool   `json:"phase2,omitempty"`
	Encrypted   bool   `json:"encrypted,omitempty"`
	// Partial is set when the capture began inside this exchange and which side began
	// it is not known (an IKEv1 Quick Mode or Informational seen without its start).
	Partial bool      `json:"partial,omitempty"`
	First   time.Time `json:"first"`
	Last    time.Time `json:"last"`

	inLadder bool        // one of its messages is in Session.Messages
	key      exchangeKey // its key in Session.byMsgID
}

// span widens the exchange's First..Last to take in t: in a capture out of time order
// its messages need not come in order.
func (ex *Exchange) span(t time.Time) {
	if t.After(ex.Last) {
		ex.Last = t
	}
	if t.Before(ex.First) {
		ex.First = t
	}
}

// Msg is one IKE message as the ladder shows it.
type Msg struct {
	// Frame is the frame reference (the frame number, for the first capture);
	// FrameNumber is the number Wireshark shows in the message's own capture.
	Frame         int                 `json:"-"`
	FrameNumber   int                 `json:"frame"`
	Capture       string              `json:"capture,omitempty"`
	Time          time.Time           `json:"time"`
	Src           netip.AddrPort      `json:"src"`
	Dst           netip.AddrPort      `json:"dst"`
	FromInitiator bool                `json:"from_initiator"`
	ExchangeType  decode.ExchangeType `json:"exchange_type"`
	ExchangeName  string              `json:"exchange_type_name"`
	MessageID     uint32              `json:"message_id"`
	// Step names the message within its exchange: MM1..MM6, AM1..AM3, QM1..QM3,
	// "IKE_SA_INIT request", "IKE_AUTH response", "Informational", ...
	Step     Step `json:"step"`
	Response bool `json:"response"`
	// Retransmit is 0 for the first copy of a message and n for its n-th retransmission.
	Retransmit int `json:"retransmit"`
	// Folded counts the copies this one stands for besides itself: in a storm of
	// retransmissions, copies after the 64th are one record, the latest (its frame and
	// time), Interval being the gap since the copy before it.
	Folded int `json:"folded_copies,omitempty"`
	// Fragment is "n/total" for an IKE-level fragment (IKEv1 FRAG, IKEv2 SKF); the total
	// is 0 until the last fragment is seen, which gives it to the fragments before it.
	Fragment  string            `json:"fragment,omitempty"`
	Interval  time.Duration     `json:"interval_ns,omitempty"` // since the previous copy, for retransmissions
	Encrypted bool              `json:"encrypted,omitempty"`
	Size      int               `json:"size"`
	Payloads  string            `json:"payloads"`
	Notifies  []NotifyInfo      `json:"notifies,omitempty"`
	Fragments *decode.Fragments `json:"fragments,omitempty"`
	Errors    []string          `json:"errors,omitempty"`
	Truncated bool              `json:"truncated,omitempty"`
	// Decrypted is set when keys opened the message; Inner holds its decrypted payloads
	// and Integrity whether a checksum vouches for them ("verified", "not checked").
	Decrypted    bool             `json:"decrypted,omitempty"`
	Inner        []decode.Payload `json:"-"`
	InnerSummary string           `json:"decrypted_payloads,omitempty"`
	Integrity    string           `json:"integrity,omitempty"`
	DecryptError string           `json:"decrypt_error,omitempty"`

	// Seen lists the other capture points that saw this message.
	Seen []Sighting `json:"seen,omitempty"`

	capIdx     int    // the capture it was first seen in
	capture    string // and its name
	seenIdx    []int  // the other captures that saw it
	partialAt  []int  // captures that saw only some of its IP fragments
	incomplete bool   // this copy is some IP fragments of a datagram that never completed
	hash       uint64
	ipID       uint16 // the IPv4 identification of the datagram that carried it (0: none)
	v2         bool
	exchange   *Exchange
	orig       *Msg // for a retransmission, the first copy
	// The message's bytes, from which Decoded rebuilds its decode for a report (the
	// analysis keeps a small record per message, not the decoded tree); cut and
	// noMarker say how the decoder read them. Nil once a finished session let them go.
	raw           []byte
	cut, noMarker bool
	tree          *decode.ISAKMP // a decode not made from bytes (built by a program), kept whole
	class         v1Class        // Main Mode: what the message carries
	amStep        Step           // Aggressive Mode: the step its payloads show
	zeroRSPI      bool           // the responder SPI in the header is zero
	laterFragment bool           // an IKE fragment after the first of its message
	seenTwice     bool           // the capture holds it again within milliseconds (in and out of a router)

	// What the evaluation needs of the decoded message, kept so that the decode can be
	// let go of (an SA gone quiet keeps its ladder, not every payload).
	hasSK    bool               // an IKEv2 SK payload (not a fragment after the first)
	skFirst  decode.PayloadType // the payload the SK payload begins with
	skLen    int                // the SK payload's body length
	hasKE    bool
	keGroup  uint16
	deletes  []deleteInfo
	innerSA  bool          // decrypted payloads hold an SA
	innerAut bool          // decrypted payloads hold AUTH
	innerEAP bool          // decrypted payloads hold EAP
	childReq *childRequest // a decrypted CREATE_CHILD_SA request: what it offers and asks for
	ra       *raMsg
	fp       *fpRecord // what it shows of its sender's implementation (fingerprint.go)
}

// childRequest gives the message's childRequest, made on first use.
func (m *Msg) childRequest() *childRequest {
	if m.childReq == nil {
		m.childReq = &childRequest{}
	}
	return m.childReq
}

// childRequest is what a decrypted CREATE_CHILD_SA request offers and asks for, kept
// for the findings about its answer (only such messages carry one).
type childRequest struct {
	offer []Proposal // the CHILD_SA proposals
	asked []string   // the traffic selectors
}

// anomalyAt is a protocol violation seen in one frame.
type anomalyAt struct {
	Frame int
	What  decode.Anomaly
}

// deleteInfo is a Delete payload: which protocol's SAs, by SPI.
type deleteInfo struct {
	Protocol uint8
	SPIs     [][]byte
}

// NotifyInfo is a notification seen in a message.
type NotifyInfo struct {
	Type  decode.NotifyType `json:"type"`
	Name  string            `json:"name"`
	Error bool              `json:"error"`

	group   uint16 // INVALID_KE_PAYLOAD: the group asked for (0: none given)
	gateway string // REDIRECT: the gateway named
	text    string // data that is text (some vendors explain an error in words)
}

// ESPFlow is the ESP traffic of one SPI in one direction.
type ESPFlow struct {
	SPI   uint32         `json:"-"` // JSON: "spi", 8 hex digits (MarshalJSON)
	Src   netip.AddrPort `json:"src"`
	Dst   netip.AddrPort `json:"dst"`
	Encap bool           `json:"udp_encap"`
	// AH is set for an Authentication Header SA (IP protocol 51, RFC 4302), followed like
	// an ESP one by its SPI and sequence numbers.
	AH bool `json:"ah,omitempty"`
	// InAH is set for an ESP SA whose packets come inside AH (an AH+ESP bundle).
	InAH          bool `json:"in_ah,omitempty"`
	Session       int  `json:"session,omitempty"`
	FromInitiator bool `json:"from_initiator"`
	Packets       int  `json:"packets"`
	// Fragmented counts the flow's ESP packets that came in IP fragments.
	Fragmented int `json:"ip_fragmented,omitempty"`
	// Inner is what ESP keys (--keys) opened of the flow: its inner conversations.
	Inner         *InnerTraffic `json:"inner,omitempty"`
	Bytes         int           `json:"bytes"`
	First         time.Time     `json:"first"`
	Last          time.Time     `json:"last"`
	FirstFrame    int           `json:"first_frame"` // frame numbers in their own captures
	LastFrame     int           `json:"last_frame"`
	FirstSeq      uint32        `json:"first_seq"`
	LastSeq       uint32        `json:"last_seq"`
	SeqRestarts   int           `json:"seq_restarts,omitempty"`
	SeqGaps       int           `json:"seq_gaps,omitempty"`
	Duplicates    int           `json:"capture_duplicates,omitempty"`
	AnomalyFrames []int         `json:"anomaly_frames,omitempty"`
	// SeenAt counts the flow's packets at each capture point, with several captures,
	// and Transit is the mean delay of a packet from the first point to the next.
	SeenAt  map[string]int `json:"seen_at,omitempty"`
	Transit time.Duration  `json:"transit_ns,omitempty"`

	session     *Session
	sights      map[int]*flowSight // what each capture saw of it
	capture     string             // the capture it was first seen in
	transitSum  time.Duration
	transitN    int
	firstRef    int // FirstFrame, LastFrame and AnomalyFrames as frame references
	lastRef     int
	before      [2]int64 // when the two packets before the last came, the older first (Unix ns; 0: none)
	twiceAtOnce int      // packets seen again within milliseconds (not copies of a merged file, espCopy)
	anomalyRefs []int
	// A file that holds the flow twice (espCopy): the first packet's IPv4
	// identification, the sequence number the trailing copies reach next (0: none seen)
	// and how far behind they trail.
	firstIPID uint16
	copyNext  uint32
	copyShift time.Duration
	pairSeen  *espSeen  // the latest ESP between its addresses (Analyzer.lastESP)
	fragRef   int       // the first fragmented packet
	fragAt    time.Time // and when
	// UDP-encapsulated: the ports of its latest packet, and where either changed (a NAT
	// that gave a side a new mapping); the first few changes.
	srcPort, dstPort uint16
	released         bool // handed to Options.OnOrphan and forgotten
	portsIn          int  // the capture those ports were seen in (its index)
	portMoves        []portMove
}

// portMove is a change of an ESP flow's UDP port: its source (a side whose NAT mapping
// changed) or its destination (the other side following it).
type portMove struct {
	dst      bool
	from, to uint16
	at       time.Time
	ref      int // the frame reference of the first packet with the new port
}

// maxPortMoves bounds the port changes a flow keeps: a NAT that remaps again and again
// shows in the first few.
const maxPortMoves = 4

// ICMPInfo is an ICMP error about one of a session's packets.
type ICMPInfo struct {
	Frame   int `json:"frame"` // in its own capture
	ref     int
	Time    time.Time      `json:"time"`
	From    netip.Addr     `json:"from"`
	Meaning string         `json:"meaning"`
	About   netip.AddrPort `json:"about_dst"` // where the quoted packet was going
	ToInit  bool           `json:"about_initiator_packet"`
	// MTU is the next-hop MTU a fragmentation-needed or packet-too-big error names, and
	// Size the length of the packet it quotes.
	MTU   int   `json:"mtu,omitempty"`
	Size  int   `json:"about_size,omitempty"`
	Proto uint8 `json:"about_protocol,omitempty"`
}

// NATResult is what NAT-D payloads say about the path.
type NATResult struct {
	Checked bool `json:"checked"` // the hashes could be verified
	// InitiatorBehindNAT and ResponderBehindNAT are set when the NAT-D hash for that side's
	// address did not match the address in the packet.
	InitiatorBehindNAT bool `json:"initiator_behind_nat"`
	ResponderBehindNAT bool `json:"responder_behind_nat"`
	// InitiatorTranslated and ResponderTranslated are set when the other side's hash of
	// this side's address does not match the packet: the other side addressed it by
	// another address, so a NAT really translates it. A side whose own source hash
	// alone does not match may instead be forcing UDP encapsulation on purpose.
	InitiatorTranslated bool  `json:"initiator_translated"`
	ResponderTranslated bool  `json:"responder_translated"`
	Frames              []int `json:"frames"` // in their own captures
	refs                []int
	InitiatorOffers     bool `json:"initiator_offers_natt"`
	ResponderOffers     bool `json:"responder_offers_natt"`
}

// Finding is one conclusion about a capture.
type Finding struct {
	Code     string   `json:"code"`
	Severity Severity `json:"severity"`
	Session  int      `json:"session,omitempty"` // 0 when it concerns no one session
	SPIs     string   `json:"spis,omitempty"`
	Peers    string   `json:"peers,omitempty"`
	Exchange string   `json:"exchange,omitempty"`
	// Frames are the frames that show it: frame numbers of the first capture, frame
	// references (capture and frame) with several; Evidence names each one's capture,
	// and JSON writes those as "frames".
	Frames   []int      `json:"-"`
	Evidence []FrameRef `json:"frames"`
	// FramesOmitted counts the frames left out between the first and the last ones
	// cited (a retransmission storm).
	FramesOmitted int       `json:"frames_omitted,omitempty"`
	Time          time.Time `json:"time"`
	Summary       string    `json:"summary"`
	Cause         string    `json:"cause"`
	Next          string    `json:"next_steps"`
	// Where names the settings the finding points at (keys of Settings); reports list
	// where each implementation keeps them once per report.
	Where []string `json:"where,omitempty"`
	// Step, Notify and By are the finding's facts as values: the step it is about, the
	// notification that shows it, and who sent that ("initiator", "responder").
	Step   Step   `json:"step,omitempty"`
	Notify string `json:"notify,omitempty"`
	By     string `json:"by,omitempty"`
	// Withdrawn is set on a live event for a finding that later evidence refuted.
	Withdrawn bool `json:"withdrawn,omitempty"`
	// LostBetween names the capture that saw the packets and the one they never
	// reached, when several capture points place a loss.
	LostBetween []string `json:"lost_between,omitempty"`
	// ConfigLines are the configuration lines the finding points at, when the gateways'
	// configurations were given (ikescope analyze --config), secrets masked.
	ConfigLines []ConfigLine `json:"config_lines,omitempty"`
}

// Implementations are the two sides' likely implementations.
type Implementations struct {
	Initiator *Implementation `json:"initiator,omitempty"`
	Responder *Implementation `json:"responder,omitempty"`
}

// Implementation is a side's likely IKE implementation, with how sure the evidence makes
// it and the evidence itself.
type Implementation struct {
	Name       string   `json:"name"`              // "strongSwan", "libreswan", "Cisco IOS", "Windows", ...
	Version    string   `json:"version,omitempty"` // "5.9.8", "4.x", when the evidence says
	Confidence string   `json:"confidence"`        // "high", "medium", "low"
	Evidence   []string `json:"evidence"`
}

// ConfigConn is the configured connection that governs one side of a session.
type ConfigConn struct {
	Side    string `json:"side"`    // initiator, responder
	Gateway string `json:"gateway"` // the configuration as given (--config)
	Name    string `json:"name"`    // the connection's name
	File    string `json:"file"`
	Line    int    `json:"line"`
}

// ConfigLine is a line of a gateway's configuration file.
type ConfigLine struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Text string `json:"text"`
}

// Capture describes one input of the analysis.
type Capture struct {
	Name      string        `json:"name"`
	Frames    int           `json:"frames"`
	Messages  int           `json:"ike_messages"`
	ESP       int           `json:"esp_packets"`
	AH        int           `json:"ah_packets,omitempty"`
	First     time.Time     `json:"first"`
	Last      time.Time     `json:"last"`
	Duration  time.Duration `json:"duration_ns"`
	Truncated int           `json:"truncated_frames,omitempty"`
	// Duplicates counts IKE messages and ESP packets seen twice within milliseconds (the
	// capture point sees each packet on two interfaces): counted in Messages and ESP,
	// analysed once.
	Duplicates int          `json:"capture_duplicates,omitempty"`
	Stats      decode.Stats `json:"-"`
	// With several captures: how far this capture's clock was shifted to line up with
	// the first one, on how many shared packets that rests, and why it stands apart
	// when it shares none.
	ClockOffset   time.Duration `json:"clock_offset_ns,omitempty"`
	SharedPackets int           `json:"shared_packets,omitempty"`
	Apart         string        `json:"apart,omitempty"`

	// ESP flows first seen here; those with a reserved SPI, and those whose sequence
	// numbers start from the beginning (an SA new during the capture).
	espSAs, reservedSPIs, freshSAs int
	freshLast                      time.Time // when the last of the fresh SAs began
	unordered                      bool      // a packet came over a second before one ahead of it in the file
}

// Result is the whole analysis.
type Result struct {
	Captures []Capture  `json:"captures"`
	Sessions []*Session `json:"sessions"`
	Findings []Finding  `json:"findings"`
	// Orphans are ESP flows no session could be tied to.
	Orphans []*ESPFlow `json:"orphan_esp_flows"`
	// OmittedOK and OmittedFailed count finished sessions not listed because the first
	// Options.MaxKept of each kind already were (very long captures).
	OmittedOK     int `json:"omitted_sessions_ok,omitempty"`
	OmittedFailed int `json:"omitted_sessions_failed,omitempty"`
	// OmittedOrphans counts ESP flows of no IKE SA a report for people does not list
	// (Digest.AddOrphan); -f json lists every one.
	OmittedOrphans int `json:"omitted_orphan_esp_flows,omitempty"`
	// HandedOver counts the sessions passed to Options.OnDone instead of kept here.
	HandedOver int `json:"-"`
	// Summarized counts the sessions a Digest counted in Groups without keeping them in
	// full; Groups count every session by responder and outcome.
	Summarized int      `json:"-"`
	Groups     []*Group `json:"-"`
	// Clients summarizes the remote-access clients (XAUTH, EAP, virtual IPs) by outcome;
	// nil when there are none.
	Clients *ClientSummary `json:"clients,omitempty"`
}

// sessionRare holds what few sessions need.
type sessionRare struct {
	// ts are the negotiated selectors (known with keys) by the ESP SPIs of the child SA
	// they were negotiated for, for checking the inner traffic.
	ts        map[uint32]*childTS
	tcpEvents []tcpEvent // what happened to the IKE-over-TCP connection that carried it
	// espSpans are the ESP flows between the peers, whichever SA they belong to, from the
	// responder [0] and from the initiator [1]: when each began and when it last carried a
	// packet. Gathered for IKEv1 SAs that sent several Informationals (dpdUnanswered).
	espSpans [2][]espSpan
	// moves are the changes of address of either side's IKE messages within the SA
	// (MOBIKE, or a NAT that gave a side another public address), the first maxMoves.
	moves []addrMove
}

// addrMove is a side's IKE messages coming from (or going to) another address than
// before, in the same IKE SA.
type addrMove struct {
	initiator bool
	from, to  netip.AddrPort
	frame     int
	at        time.Time
}

// maxMoves bounds the address changes a session keeps (a flapping NAT makes many).
const maxMoves = 8

// forgetMoves drops the moves a frame made: a copy of a packet the capture saw twice (a
// router before and after its NAT) is no move.
func (s *Session) forgetMoves(frame int) {
	if s.rare != nil {
		s.rare.moves = slices.DeleteFunc(s.rare.moves, func(mv addrMove) bool { return mv.frame == frame })
	}
}

// settledMoves are the moves after which the side's old address is not seen again: a
// capture point on a NAT router sees one side at its inside and its outside address in
// turn, which is no move.
func (s *Session) settledMoves() []addrMove {
	if s.rare == nil {
		return nil
	}
	var out []addrMove
	for _, mv := range s.rare.moves {
		back := false
		for _, m := range s.Messages {
			if m.Time.Before(mv.at) || m.Frame == mv.frame {
				continue
			}
			if sideAddr(m, mv.initiator) == mv.from.Addr() {
				back = true
				break
			}
		}
		if !back {
			out = append(out, mv)
		}
	}
	return out
}

// sideAddr is the address a message shows for one side: its source when that side sent
// it, else its destination.
func sideAddr(m *Msg, initiator bool) netip.Addr {
	if m.FromInitiator == initiator {
		return m.Src.Addr()
	}
	return m.Dst.Addr()
}

// espSpan is when an ESP flow began and when it last carried a packet.
type espSpan struct{ first, last time.Time }

// carried says whether the flow was up at t (began at or before it) and carried a packet
// after it.
func (sp espSpan) carried(t time.Time) bool { return !sp.first.After(t) && sp.last.After(t) }

// more gives the session's rarely needed state, making it on first use.
func (s *Session) more() *sessionRare {
	if s.rare == nil {
		s.rare = &sessionRare{}
	}
	return s.rare
}

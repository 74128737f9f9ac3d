package analyze

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/ikescope/ikescope/decode"
)

// Remote access: the user authentication and address assignment that run on top of an IKE
// SA the gateways already authenticated: IKEv1 XAUTH and Mode Config in Transaction
// exchanges (draft-beaulieu-ike-xauth, draft-dukes-ike-mode-cfg), IKEv2 EAP inside
// IKE_AUTH and configuration payloads (RFC 7296 2.16, 3.15). With keys the messages say
// exactly what happened; without keys the shape of the exchanges still tells which layer
// failed.

// raMsg is what one message says of remote access, kept when the message comes (the
// analysis keeps bytes, not payloads); nil for messages without a configuration or EAP
// payload.
type raMsg struct {
	cfg         uint8 // the configuration payload's type (CFG_REQUEST ...), 0 when none
	asksAddr    bool  // a request that asks for an internal address
	addrs       []netip.Addr
	xauthAsk    bool // an XAUTH request for credentials
	xauthStatus int8 // XAUTH_STATUS: -1 none, 0 FAIL, 1 OK
	user        string
	eap         *eapInfo
}

type eapInfo struct {
	code, typ, op uint8 // op: the MS-CHAPv2 operation code, 0 for other methods
	hasType       bool
	nak           []uint8 // a Nak's wanted methods
	summary       string
}

// remoteOf reads the configuration and EAP payloads among ps.
func remoteOf(ps []decode.Payload, v2 bool) *raMsg {
	var r *raMsg
	for i := range ps {
		p := &ps[i]
		if p.Config == nil && p.EAP == nil {
			continue
		}
		if r == nil {
			r = &raMsg{xauthStatus: -1}
		}
		if c := p.Config; c != nil {
			r.cfg = c.Type
			for j := range c.Attributes {
				a := &c.Attributes[j]
				switch {
				case a.Type == decode.CfgInternalIP4Address || a.Type == decode.CfgInternalIP6Address:
					if c.Type == decode.CFGRequest {
						r.asksAddr = true
					} else if addr, ok := a.Address(); ok && !addr.IsUnspecified() {
						r.addrs = append(r.addrs, addr)
					}
				case v2:
				case a.Type == decode.XauthStatus && c.Type == decode.CFGSet: // an ACK echoes it empty
					r.xauthStatus = int8(min(a.Number, 1))
				case a.Type == decode.XauthUserName && c.Type == decode.CFGRequest,
					a.Type == decode.XauthUserPassword && c.Type == decode.CFGRequest,
					a.Type == decode.XauthType && c.Type == decode.CFGRequest:
					r.xauthAsk = true
				case a.Type == decode.XauthUserName && len(a.Value) > 0:
					r.user = string(a.Value)
				}
			}
		}
		if e := p.EAP; e != nil {
			info := &eapInfo{code: e.Code, typ: e.Type, hasType: e.HasType, summary: e.Summary()}
			info.op, _ = e.MSCHAPv2Op()
			if t, ok := e.NakTypes(); ok {
				info.nak = append([]uint8{}, t...)
			}
			if id, ok := e.Identity(); ok && id != "" {
				r.user = id
			}
			r.eap = info
		}
	}
	return r
}

// access is what a session's messages show of remote access.
type access struct {
	transactions []*Exchange // IKEv1 Transaction exchanges, in order
	readable     bool        // keys opened some of them (or of the EAP rounds)
	xauth        bool
	user         string
	addrs        []netip.Addr
	asked        *Msg // the first request for an internal address
	answered     *Msg // the first answer from the other side after it
	xauthFail    *Msg // XAUTH_STATUS = FAIL
	eapFail      *Msg // EAP Failure, or an MS-CHAPv2 Failure
	nak          *Msg // an EAP Nak
	nakOf        uint8
	methods      []uint8 // EAP methods seen besides Identity and Nak
	eapSeen      bool
}

func (s *Session) access() access {
	var ac access
	for _, ex := range s.Exchanges {
		if ex.Type == decode.ExchangeTransaction && s.Version == 1 {
			ac.transactions = append(ac.transactions, ex)
		}
		for _, m := range ex.Messages {
			r := m.ra
			if m.Retransmit > 0 || r == nil {
				continue
			}
			ac.readable = true
			if r.user != "" && ac.user == "" {
				ac.user = r.user
			}
			ac.xauth = ac.xauth || r.xauthAsk || r.xauthStatus >= 0
			if r.xauthStatus == 0 && ac.xauthFail == nil {
				ac.xauthFail = m
			}
			if r.asksAddr && ac.asked == nil {
				ac.asked = m
			} else if ac.asked != nil && ac.answered == nil && m.FromInitiator != ac.asked.FromInitiator && r.cfg != 0 {
				ac.answered = m
			}
			for _, a := range r.addrs {
				if !m.FromInitiator && !slices.Contains(ac.addrs, a) {
					ac.addrs = append(ac.addrs, a)
				}
			}
			if e := r.eap; e != nil {
				ac.eapSeen = true
				switch {
				case e.code == decode.EAPFailure || e.op == decode.MSCHAPv2Failure && e.code == decode.EAPRequest:
					if ac.eapFail == nil {
						ac.eapFail = m
					}
				case e.nak != nil:
					if ac.nak == nil {
						ac.nak = m
						if n := len(ac.methods); n > 0 {
							ac.nakOf = ac.methods[n-1]
						}
					}
				case e.hasType && e.typ != decode.EAPTypeIdentity && !slices.Contains(ac.methods, e.typ):
					ac.methods = append(ac.methods, e.typ)
				}
			}
		}
	}
	return ac
}

// userAuth names the user authentication the session ran: XAUTH, EAP-MSCHAPv2, EAP (the
// method not known without keys).
func (s *Session) userAuth(ac access) string {
	switch {
	case ac.xauth || strings.HasPrefix(s.Auth, "XAUTH") || strings.HasPrefix(s.Auth, "Hybrid"):
		return "XAUTH"
	case len(ac.methods) > 0:
		return "EAP-" + decode.EAPTypeName(ac.methods[len(ac.methods)-1])
	case ac.eapSeen || s.eapRounds() >= 5:
		// Three IKE_AUTH exchanges or more (the last maybe unanswered): EAP's identity,
		// its method's rounds, the final AUTH. Two are also RFC 4739's second
		// authentication, which may be a certificate.
		return "EAP"
	}
	return ""
}

// remoteClient reports whether the session is a remote-access client's: IKEv1
// Transaction exchanges (XAUTH, Mode Config), configuration or EAP payloads read with
// keys, or IKE_AUTH rounds enough for EAP.
func (s *Session) remoteClient() bool {
	for _, ex := range s.Exchanges {
		if ex.Type == decode.ExchangeTransaction && s.Version == 1 {
			return true
		}
		for _, m := range ex.Messages {
			if m.ra != nil {
				return true
			}
		}
	}
	return s.Version == 2 && s.eapRounds() >= 5
}

// eapRounds counts the distinct IKE_AUTH messages: more than one exchange is EAP or
// several authentication rounds (RFC 7296 2.16, RFC 4739).
func (s *Session) eapRounds() int {
	n := 0
	for _, m := range s.Messages {
		if m.v2 && m.ExchangeType == decode.ExchangeIKEAuth && m.Retransmit == 0 && !m.laterFragment {
			n++
		}
	}
	return n
}

// learnAccess fills in the session's user, virtual IPs and user authentication.
func (s *Session) learnAccess() {
	ac := s.access()
	s.User, s.UserAuth = ac.user, s.userAuth(ac)
	if s.Version == 2 && strings.HasPrefix(s.UserAuth, "EAP") {
		// The initiator's AUTH after EAP is a MAC from EAP's key, not a PSK.
		s.Auth = s.UserAuth
	}
	s.VirtualIPs = nil
	for _, a := range ac.addrs {
		s.VirtualIPs = append(s.VirtualIPs, a.String())
	}
}

const (
	userAuthCause = "User authentication runs after the IKE peers have authenticated each other (the PSK or certificates were accepted): the gateway refused the user's credentials (a wrong user name or password, an account locked, expired or not allowed this connection), or its RADIUS/EAP backend rejected or never answered it."
	userAuthNext  = "Check the user's name and password in the gateway's user database or on its RADIUS server (whose log names the reason), that the RADIUS server is reachable from the gateway with the right shared secret, and that client and gateway allow the same method (XAUTH, EAP-MSCHAPv2, EAP-TLS)."
)

const (
	noVirtualIPCause = "The gateway has no address to give this client: its address pool is exhausted (every address leased, often to stale SAs of clients that went away), or no pool is configured for this user's group or connection. A client left without one may go on to propose its own address for the IPsec SA, which the gateway refuses (INVALID-ID-INFORMATION, TS_UNACCEPTABLE): a consequence, not a second problem."
	noVirtualIPNext  = "Check the gateway's pool and its leases (strongSwan: pools in swanctl.conf, swanctl --list-pools --leases; libreswan: rightaddresspool; Cisco: ip local pool / address-pool in the tunnel-group), widen the pool or let stale SAs go sooner (DPD)."
)

func userText(user string) string {
	if user == "" {
		return "the user's"
	}
	return fmt.Sprintf("user %q's", user)
}

// remoteFindings: the user-authentication and address-assignment layer.
func (s *Session) remoteFindings(now time.Time, opts Options) []Finding {
	ac := s.access()
	var out []Finding
	if m := ac.xauthFail; m != nil {
		frames := []int{m.Frame}
		if ack := answerTo(m); ack != nil {
			frames = append(frames, ack.Frame)
		}
		cause, next := s.backendWait(m, userAuthCause, userAuthNext)
		out = append(out, s.newFinding(CodeUserAuthFailed, Error, "Transaction XAUTH", frames, m.Time,
			fmt.Sprintf("The gateway ended XAUTH with XAUTH_STATUS = FAIL (frame %d): it refused %s credentials.", m.Frame, userText(ac.user)),
			cause, next).where(SettingUsers))
	}
	if m := ac.nak; m != nil && !s.Established {
		offered := "the method it proposed"
		if ac.nakOf != 0 {
			offered = "EAP-" + decode.EAPTypeName(ac.nakOf)
		}
		wanted := "no other method"
		if len(m.ra.eap.nak) > 0 {
			var names []string
			for _, t := range m.ra.eap.nak {
				names = append(names, "EAP-"+decode.EAPTypeName(t))
			}
			wanted = strings.Join(names, " or ")
		}
		out = append(out, s.newFinding(CodeEAPMethodMismatch, Error, "IKE_AUTH EAP", append(s.eapFrames(), closingFrames(s, m)...), m.Time,
			fmt.Sprintf("The client refused %s with an EAP Nak asking for %s (frame %d), and authentication went no further: the two sides allow no common EAP method.", offered, wanted, m.Frame),
			"The gateway proposes the EAP method configured for this connection (or its RADIUS server's default), and the client's profile allows only others.",
			"Allow one method on both sides: the gateway's EAP method (strongSwan remote auth = eap-mschapv2 / eap-tls / eap-radius and the RADIUS server's policy) and the client's profile (Windows: the VPN connection's authentication method; strongSwan: local auth = eap-...).").where(SettingUsers))
	} else if m := ac.eapFail; m != nil && !s.Established {
		cause, next := userAuthCause, userAuthNext
		if m.ra.eap.code == decode.EAPFailure {
			// A bare EAP-Failure is what a gateway sends when its backend does not
			// answer; a method's own failure (MS-CHAPv2's, with its error code) means
			// the credentials were checked, however long it took.
			cause, next = s.backendWait(m, cause, next)
		}
		out = append(out, s.newFinding(CodeUserAuthFailed, Error, "IKE_AUTH EAP", append(s.eapFrames(), closingFrames(s, m)...), m.Time,
			fmt.Sprintf("%s authentication of %s failed: the gateway answered with %s (frame %d) and no final AUTH followed.", eapName(s.userAuth(ac)), userName(ac.user), eapVerdict(m), m.Frame),
			cause, next).where(SettingUsers))
	}
	if f, ok := s.noVirtualIP(ac); ok {
		out = append(out, f)
	}
	if len(out) == 0 {
		out = append(out, s.transactionsInferred(ac, now, opts)...)
	}
	return out
}

func eapName(auth string) string {
	if auth == "" {
		return "EAP"
	}
	return auth
}

func userName(user string) string {
	if user == "" {
		return "the user"
	}
	return fmt.Sprintf("user %q", user)
}

func eapVerdict(m *Msg) string {
	if e := m.ra.eap; e.code == decode.EAPFailure {
		return "EAP-Failure"
	}
	return "an MS-CHAPv2 Failure"
}

// answerTo is the first answer in the exchange of a request.
func answerTo(req *Msg) *Msg {
	if req.exchange == nil {
		return nil
	}
	for _, m := range req.exchange.Messages {
		if m.FromInitiator != req.FromInitiator && m.Time.After(req.Time) || m.FromInitiator != req.FromInitiator && m.Frame > req.Frame {
			return m
		}
	}
	return nil
}

// eapFrames are the IKE_AUTH messages after the first exchange: the EAP rounds.
func (s *Session) eapFrames() []int {
	var out []int
	n := 0
	for _, m := range s.Messages {
		if m.v2 && m.ExchangeType == decode.ExchangeIKEAuth && m.Retransmit == 0 && !m.laterFragment {
			if n++; n > 2 {
				out = append(out, m.Frame)
			}
		}
	}
	return out
}

// closingFrames is the initiator's INFORMATIONAL that closed the SA after m, if any.
func closingFrames(s *Session, m *Msg) []int {
	for _, c := range s.Messages {
		if c.Time.After(m.Time) && c.v2 && c.ExchangeType == decode.ExchangeInformational && !c.Response {
			return []int{c.Frame}
		}
	}
	return nil
}

// noVirtualIP: a request for an internal address answered without one (keys show it).
func (s *Session) noVirtualIP(ac access) (Finding, bool) {
	req := ac.asked
	if req == nil || len(ac.addrs) > 0 {
		return Finding{}, false
	}
	ans := ac.answered
	if ans == nil {
		return Finding{}, false // unanswered: the timed rules and transactionsInferred speak
	}
	kind, where := "Mode Config", "Transaction"
	if req.v2 {
		kind, where = "configuration payload (CP)", "IKE_AUTH CP"
	}
	return s.newFinding(CodeNoVirtualIP, Error, where, []int{req.Frame, ans.Frame}, ans.Time,
		fmt.Sprintf("The client asked for a virtual IP in its %s request (frame %d); the gateway's answer (frame %d) assigns none.", kind, req.Frame, ans.Frame),
		noVirtualIPCause, noVirtualIPNext).where(SettingUsers), true
}

// transactionsInferred: IKEv1 Transaction exchanges (XAUTH, Mode Config) after Phase 1
// that end with neither a Quick Mode nor ESP, the SA closed or quiet for the reply
// timeout. Their contents are encrypted; who began the last one tells the layers apart:
// the gateway asks for credentials and sets XAUTH's status, the client requests its
// configuration (Mode Config pull), so a last exchange the client began is the address
// assignment.
func (s *Session) transactionsInferred(ac access, now time.Time, opts Options) []Finding {
	if s.Version != 1 || !s.RolesKnown || len(ac.transactions) == 0 || ac.readable || s.Phase2 > 0 || len(s.ESP) > 0 ||
		s.Reached != StepMM6 && s.Reached != StepAM3 || s.unseen != unseenNone {
		return nil // (with one side unseen, its answers and its Quick Mode may be there)
	}
	last := ac.transactions[len(ac.transactions)-1]
	// The first Informational after them that the other side does not answer with one
	// of its own: a Delete, not a liveness check (DPD's R-U-THERE is answered).
	var closing *Msg
	for i, m := range s.Messages {
		if m.ExchangeType != decode.ExchangeInformationalV1 || !m.Time.After(last.Last) || m.Retransmit > 0 {
			continue
		}
		answered := false
		for _, o := range s.Messages[i+1:] {
			if o.ExchangeType == decode.ExchangeInformationalV1 && o.FromInitiator != m.FromInitiator && o.Time.Sub(m.Time) < opts.ReplyTimeout {
				answered = true
				break
			}
		}
		if !answered {
			closing = m
			break
		}
	}
	if closing == nil && now.Sub(last.Last) < opts.ReplyTimeout {
		return nil // the capture ends too soon after them to say
	}
	var frames []int
	for _, ex := range ac.transactions {
		for _, m := range ex.Messages {
			if m.Retransmit == 0 {
				frames = append(frames, m.Frame)
			}
		}
	}
	// An Informational after them (a Delete, encrypted) says the SA was ended; silence
	// while the capture goes on says less (the client may be idle, or the capture cut
	// where the client's traffic went), so it is a warning.
	sev, after := Warning, fmt.Sprintf("the capture went on for %s with no Quick Mode and no ESP", secs(now.Sub(last.Last)))
	if closing != nil {
		frames = append(frames, closing.Frame)
		sev = Error
		after = fmt.Sprintf("the %s then sent an Informational (frame %d, a Delete as a rule) instead of a Quick Mode", side(closing.FromInitiator), closing.Frame)
	}
	n := len(ac.transactions)
	what := "answered"
	if last.Requests == 0 || last.Responses == 0 {
		what = "never answered"
		copies := 0
		for _, m := range last.Messages {
			copies += 1 + m.Folded
		}
		if copies > 1 {
			// Sent again and again and never answered: the peer's verdict is plain.
			sev, what = Error, fmt.Sprintf("sent %d times and never answered", copies)
		}
	}
	if last.ByInitiator {
		return []Finding{s.newFinding(CodeNoVirtualIP, sev, "Transaction", frames, last.Last,
			fmt.Sprintf("Phase 1 completed, then %d Transaction exchange%s; the last, begun by the client (its Mode Config request for an address and settings), was %s, and %s.", n, plural(n), what, after),
			"A client asks the gateway for its virtual IP and settings after XAUTH; when the connection ends there, the gateway had no address to give (pool exhausted or none configured for the user's group) or the client refused what it got. The messages are encrypted: with --keys ikescope reads the attributes.",
			"Check the gateway's address pool and its leases for this user's group (strongSwan: swanctl --list-pools --leases; Cisco: show ip local pool), and the gateway's log at that time.").where(SettingUsers)}
	}
	summary := fmt.Sprintf("Phase 1 completed, then %d Transaction exchange%s; the last, begun by the gateway (XAUTH: its request for the user's credentials or its verdict), was %s, and %s: user authentication failed, or the client gave up on it.", n, plural(n), what, after)
	if strings.Contains(what, "never answered") {
		summary = fmt.Sprintf("Phase 1 completed, then the gateway's XAUTH request (a Transaction exchange) was %s, and %s: the user did not enter credentials in time, or the client does not do XAUTH.", what, after)
	}
	return []Finding{s.newFinding(CodeUserAuthFailed, sev, "Transaction XAUTH", frames, last.Last, summary,
		userAuthCause+" The messages are encrypted: with --keys ikescope reads XAUTH_STATUS.",
		userAuthNext).where(SettingUsers)}
}

// clientAskedConfig reports whether the IKE SA's initiator began a Transaction exchange:
// a remote-access client's Mode Config request (XAUTH's exchanges are the gateway's).
func (s *Session) clientAskedConfig() bool {
	for _, ex := range s.Exchanges {
		if ex.Type == decode.ExchangeTransaction && ex.ByInitiator && s.RolesKnown {
			return true
		}
	}
	return false
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// userLayer reports whether a finding is about user authentication or address
// assignment, which explains the SA's end better than the generic conclusions drawn
// from the same messages.
func userLayer(code string) bool {
	return code == CodeUserAuthFailed || code == CodeNoVirtualIP || code == CodeEAPMethodMismatch
}

// supersedeByUserLayer drops what a user-layer finding explains better: the
// AUTHENTICATION_FAILED an EAP client sends when it gives up (not the gateway's PSK),
// the unanswered Mode Config request, and "no Phase 2 asked for" after failed XAUTH.
func supersedeByUserLayer(fs []Finding) []Finding {
	covered := map[int]bool{}
	any, nak, noAddr := false, false, false
	for _, f := range fs {
		if userLayer(f.Code) {
			any = true
			nak = nak || f.Code == CodeEAPMethodMismatch
			noAddr = noAddr || f.Code == CodeNoVirtualIP
			for _, fr := range f.Frames {
				covered[fr] = true
			}
		}
	}
	if !any {
		return fs
	}
	out := fs[:0]
	for _, f := range fs {
		drop := false
		switch f.Code {
		case CodeAuthFailed, CodeExchangeStalled:
			drop = len(f.Frames) > 0
			for _, fr := range f.Frames {
				drop = drop && covered[fr]
			}
		case CodePhase2Missing:
			drop = true
		case CodeUserAuthFailed:
			drop = nak
		case CodeInvalidID, CodeTSUnacceptable, CodePhase2Stalled:
			drop = noAddr // the client's own address proposed instead
		}
		if !drop {
			out = append(out, f)
		}
	}
	return out
}

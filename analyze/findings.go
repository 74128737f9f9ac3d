package analyze

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ikescope/ikescope/decode"
)

// Finding codes: the catalogue of DESIGN.md.
const (
	CodeNoResponse        = "no-response"
	CodeReplyNotReaching  = "reply-not-reaching"
	CodeExchangeStalled   = "exchange-stalled"
	CodeNoProposalChosen  = "no-proposal-chosen"
	CodeProposalDiff      = "proposal-diff"
	CodeInvalidKE         = "invalid-ke"
	CodeAuthFailed        = "auth-failed"
	CodeInvalidID         = "invalid-id"
	CodeTSUnacceptable    = "ts-unacceptable"
	CodePhase2Stalled     = "phase2-stalled"
	CodePhase2Missing     = "phase2-missing"
	CodeErrorNotify       = "error-notify"
	CodeDeleted           = "deleted"
	CodeDPDUnanswered     = "dpd-unanswered"
	CodeNATDetected       = "nat-detected"
	CodeNATTProblem       = "nat-t-problem"
	CodeFragmentsLost     = "ike-fragments-lost"
	CodeESPMissing        = "esp-missing"
	CodeESPOneWay         = "esp-one-way"
	CodeESPAnomaly        = "esp-anomaly"
	CodeESPIntegrity      = "esp-icv-failed"
	CodeInnerOneWay       = "inner-one-way"
	CodeInnerSelectors    = "inner-outside-selectors"
	CodePathMTU           = "path-mtu"
	CodeTCPClosed         = "ike-tcp-closed"
	CodeTCPNotIKE         = "ike-tcp-not-ike"
	CodeWeakCrypto        = "weak-crypto"
	CodeAggressivePSK     = "aggressive-psk"
	CodeMalformed         = "malformed"
	CodeTruncated         = "truncated"
	CodeStateLimit        = "state-limit"
	CodeDecryptFailed     = "decrypt-failed"
	CodeRedirected        = "redirected"
	CodeNoIKE             = "no-ike"
	CodeCaptureDrops      = "capture-drops"
	CodeCaptureClock      = "capture-clock"
	CodeCaptureDuplicates = "capture-duplicates"
	CodeCaptureOneWay     = "capture-one-way"
	CodeDuplicateSA       = "duplicate-sa"
	CodeSlowResponse      = "slow-response"
	CodeUserAuthFailed    = "user-auth-failed"
	CodeNoVirtualIP       = "no-virtual-ip"
	CodeEAPMethodMismatch = "eap-method-mismatch"
)

// peers names the session's two ends as findings do, made once for the ends it names
// (each evaluation makes several findings of the same session).
func (s *Session) peers() string {
	if k := [2]netip.AddrPort{s.Initiator, s.Responder}; k != s.names.peersOf {
		s.names.peersOf, s.names.peers = k, s.Initiator.String()+" → "+s.Responder.String()
	}
	return s.names.peers
}

// spis names the session's SPIs as findings do, made once for the SPIs it names.
func (s *Session) spis() string {
	if k := [2]SPI{s.InitiatorSPI, s.ResponderSPI}; k != s.names.spisOf || s.names.spis == "" {
		s.names.spisOf, s.names.spis = k, s.InitiatorSPI.String()+"/"+s.ResponderSPI.String()
	}
	return s.names.spis
}

func (s *Session) newFinding(code string, sev Severity, exchange string, frames []int, t time.Time, summary, cause, next string) Finding {
	return Finding{
		Code: code, Severity: sev, Session: s.ID,
		SPIs: s.spis(), Peers: s.peers(),
		Exchange: exchange, Frames: frames, Time: t, Summary: summary, Cause: cause, Next: next,
	}
}

func side(fromInit bool) string {
	if fromInit {
		return "initiator"
	}
	return "responder"
}

// secs says a duration the way a reader takes it in: seconds up to two minutes, then
// minutes, then hours (a gateway's capture can run for days).
func secs(d time.Duration) string {
	switch {
	case d < 10*time.Second:
		// Reply times and retransmission gaps under ten seconds differ in their
		// hundredths: 0.150 s is not "0.1 s".
		return strconv.FormatFloat(math.Round(d.Seconds()*100)/100, 'f', -1, 64) + " s"
	case d < 2*time.Minute:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d < 2*time.Hour:
		return fmt.Sprintf("%.1f min", d.Minutes())
	}
	return fmt.Sprintf("%.1f h", d.Hours())
}

func framesOf(msgs []*Msg) []int {
	out := make([]int, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, m.Frame)
	}
	return out
}

func spiList(spis [][]byte) string {
	parts := make([]string, len(spis))
	for i, s := range spis {
		parts[i] = fmt.Sprintf("%x", s)
	}
	if len(parts) == 0 {
		return "(the SA these messages belong to)"
	}
	return strings.Join(parts, ", ")
}

// requestName names what a response answers: "IKE_SA_INIT", "MM1", or the message itself.
func (s *Session) requestName(msg *Msg) string {
	if !msg.ISAKMPIsV1() {
		return exchangeNameOf(msg.v2, msg.ExchangeType)
	}
	if msg.ExchangeType == decode.ExchangeInformationalV1 {
		// An Informational answers the latest step the other side sent before it: a
		// Quick Mode once Phase 1 is up, else a Main or Aggressive Mode message.
		step := StepNone
		for _, m := range s.Messages {
			if m == msg {
				break
			}
			if m.FromInitiator != msg.FromInitiator && m.Retransmit == 0 && (m.ExchangeType == decode.ExchangeQuickMode || numberedFromInitiator(m.ExchangeType)) {
				step = m.Step
			}
		}
		if step != StepNone {
			return step.String()
		}
		if msg.zeroRSPI {
			// Only the initiator's first message goes out without the responder's cookie.
			return "the initiator's first message (not in the capture)"
		}
		return "a message not in the capture"
	}
	if msg.exchange != nil {
		for _, m := range msg.exchange.Messages {
			if m != msg && m.FromInitiator != msg.FromInitiator && m.Retransmit == 0 {
				return m.Step.String()
			}
		}
	}
	return exchangeNameOf(msg.v2, msg.ExchangeType)
}

func (s *Session) phaseOf(msg *Msg) string {
	switch msg.ExchangeType {
	case decode.ExchangeQuickMode, decode.ExchangeCreateChildSA:
		return "Phase 2"
	case decode.ExchangeMainMode, decode.ExchangeAggressive, decode.ExchangeIKESAInit:
		return "Phase 1"
	case decode.ExchangeInformationalV1:
		if !s.upBefore(msg.Time) {
			return "Phase 1" // an IKEv1 Informational answering Main or Aggressive Mode
		}
		return "Phase 2"
	}
	return exchangeNameOf(msg.v2, msg.ExchangeType)
}

// proposalParts names what a proposal holds that the two sides may set differently:
// IKEv2 negotiates no lifetime (each side rekeys on its own, RFC 7296 2.8), and its CHILD_SA
// proposals carry PFS as a DH group; IKEv1 proposals carry lifetimes, which some
// implementations require to match.
func proposalParts(v2 bool, phase string) string {
	switch {
	case v2 && phase == "Phase 1":
		return "cipher, key length, integrity, PRF, DH group"
	case v2:
		return "cipher, key length, integrity, extended sequence numbers, PFS group"
	case phase == "Phase 1":
		return "cipher, key length, hash, DH group, authentication method, or the lifetime on some implementations"
	}
	return "cipher, key length, integrity, PFS group, encapsulation mode, or the lifetime on some implementations"
}

// chosenAsOffered reports whether the responder's choice is one of the initiator's
// proposals exactly as offered.
func (s *Session) chosenAsOffered() bool {
	if s.Chosen == nil {
		return false
	}
	for _, p := range s.Offered {
		if p.String() == s.Chosen.String() {
			return true
		}
	}
	return false
}

// noConnectionText is the less likely reading of NO_PROPOSAL_CHOSEN: no connection for
// the peer at all. Once Phase 1 (the IKE SA) is up, the responder has one.
func (s *Session) noConnectionText(phase, who string) string {
	if phase == "Phase 2" && s.Established {
		return ""
	}
	return fmt.Sprintf(" Less likely: the %s has no connection for this peer at all, or only one for the other IKE version, and some implementations (libreswan) answer that with NO_PROPOSAL_CHOSEN too.", who)
}

// childRefusedFinding is NO_PROPOSAL_CHOSEN for a decrypted CREATE_CHILD_SA while a
// CHILD_SA is up: a rekey (REKEY_SA) or an additional CHILD_SA refused. A request that
// offers a PFS group, after a CHILD_SA made in IKE_AUTH (where groups are left out, RFC
// 7296 1.2), points at the PFS group; a CHILD_SA then deleted with no successor leaves
// the tunnel carrying nothing.
func (s *Session) childRefusedFinding(msg *Msg, ex, name string, end captureEnd) (Finding, bool) {
	if !msg.v2 || msg.ExchangeType != decode.ExchangeCreateChildSA || !msg.Response || !s.childUpBefore(msg.Time) {
		return Finding{}, false
	}
	req := requestOf(msg)
	if req == nil || req.childReq == nil || req.childReq.offer == nil {
		return Finding{}, false
	}
	offer := req.childReq.offer
	rekey := slices.ContainsFunc(req.Notifies, func(n NotifyInfo) bool { return n.Type == decode.NotifyRekeySA })
	var groups []string
	for _, p := range offer {
		for _, g := range p.Groups {
			if g != "none" && !slices.Contains(groups, g) {
				groups = append(groups, g)
			}
		}
	}
	what := "an additional CHILD_SA"
	if rekey {
		what = "the rekey of the CHILD_SA that is up (REKEY_SA)"
	}
	summary := fmt.Sprintf("The %s answered CREATE_CHILD_SA, %s, with %s.", side(msg.FromInitiator), what, name)
	sev := Error
	if del, ok := s.childGoneAfter(msg.Time, end); ok {
		summary += s.goneText(del, msg.Time)
	} else if !rekey {
		sev = Warning // the CHILD_SA up goes on
	}
	cause := fmt.Sprintf("The %s accepts none of the proposals offered (%s).", side(msg.FromInitiator), OfferText(offer))
	next := "Compare both sides' ESP proposals for this CHILD_SA and make one match exactly."
	if len(groups) > 0 {
		cause += fmt.Sprintf(" They ask for PFS with %s. The first CHILD_SA comes with IKE_AUTH, which has no key exchange, so the DH groups of its ESP proposals are left out there (RFC 7296 1.2) and first compared at a rekey or an additional CHILD_SA: the responder's ESP proposals name another group, or none.", strings.Join(groups, "/"))
		if c := s.Phase2Chosen; c != nil && slices.ContainsFunc(offer, func(p Proposal) bool {
			return containsAll(p.Encryption, c.Encryption) && containsAll(p.Integrity, c.Integrity)
		}) {
			cause += fmt.Sprintf(" The same algorithms without the group (%s) were accepted in IKE_AUTH.", strings.Join(append(append([]string{}, c.Encryption...), c.Integrity...), " "))
		}
		next = "Put the same PFS group in the ESP proposals of both sides, or none on both (strongSwan: the group in esp_proposals; libreswan: pfs= and esp=; Cisco: set pfs)."
	}
	return s.newFinding(CodeNoProposalChosen, sev, ex, []int{msg.Frame}, msg.Time, summary, cause, next).where(SettingPhase2), true
}

// requestOf is the request an IKEv2 response answers, when the exchange holds it.
func requestOf(msg *Msg) *Msg {
	if msg.exchange == nil {
		return nil
	}
	for _, m := range msg.exchange.Messages {
		if !m.Response {
			return m
		}
	}
	return nil
}

// containsAll reports whether every value of want is in have.
func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// notifyFinding turns an error notification into its finding.
func (s *Session) notifyFinding(msg *Msg, n NotifyInfo, v2 bool, end captureEnd) Finding {
	f := s.notifyFindingText(msg, n, v2, end)
	f.Step, f.Notify, f.By = msg.Step, decode.NotifyName(v2, n.Type), side(msg.FromInitiator)
	if !v2 && msg.ExchangeType == decode.ExchangeInformationalV1 && s.phaseOf(msg) == "Phase 2" && (n.Type == decode.NotifyNoProposalChosen || n.Type == decode.NotifyInvalidIDInfo) {
		f.Step = StepQM1 // the refusal is about Quick Mode's offer or proxy IDs
	}
	return f
}

func (s *Session) notifyFindingText(msg *Msg, n NotifyInfo, v2 bool, end captureEnd) Finding {
	name := decode.NotifyName(v2, n.Type)
	frames := []int{msg.Frame}
	ex := msg.Step.String() + "/" + name
	who := side(msg.FromInitiator)
	switch {
	case n.Type == decode.NotifyNoProposalChosen: // NO-PROPOSAL-CHOSEN / NO_PROPOSAL_CHOSEN
		phase := s.phaseOf(msg)
		offered := "any of the initiator's proposals"
		props := s.Offered
		if phase == "Phase 2" || msg.ExchangeType == decode.ExchangeIKEAuth {
			phase = "Phase 2"
			props = s.Phase2Offered
		}
		if len(props) > 0 {
			offered = "any of the initiator's offer (" + OfferText(props) + ")"
		}
		if msg.FromInitiator && phase == "Phase 1" {
			// The initiator refusing the answer: the responder's choice is what it
			// does not accept.
			offered = "the proposal the responder chose"
			if s.Chosen != nil {
				offered += " (" + s.Chosen.String() + ")"
			}
		}
		where := SettingProposals
		if phase == "Phase 2" {
			where = SettingPhase2
		}
		if msg.FromInitiator && phase == "Phase 1" && s.chosenAsOffered() {
			// The responder chose one of the initiator's own transforms unchanged: no
			// configuration of algorithms can refuse that.
			return s.newFinding(CodeNoProposalChosen, Error, ex, frames, msg.Time,
				fmt.Sprintf("The %s answered %s with %s, yet the responder had chosen one of the initiator's own proposals unchanged (%s): not an algorithm mismatch.", who, s.requestName(msg), name, s.Chosen),
				"The initiator refused an answer built from its own offer, so what refused it did not hold this negotiation: most likely a second IKE process answering on the initiator's address and port (it knows nothing of the SA), otherwise the initiator after a restart or after giving up on this attempt; less likely it checks an attribute beyond the algorithms (a lifetime it will not accept after all, a vendor attribute).",
				"Read the initiator's log at this time; check that one IKE daemon alone listens on its UDP 500 and 4500 (ss -ulpn).")
		}
		if f, ok := s.childRefusedFinding(msg, ex, name, end); ok {
			return f
		}
		return s.newFinding(CodeNoProposalChosen, Error, ex, frames, msg.Time,
			fmt.Sprintf("The %s answered %s with %s: %s proposal mismatch.", who, s.requestName(msg), name, phase),
			fmt.Sprintf("The %s does not accept %s. The two gateways are configured with different %s algorithms (%s).%s", who, offered, phase, proposalParts(v2, phase), s.noConnectionText(phase, who)),
			"Compare both sides' "+phase+" proposals and make one match exactly.").where(where)
	case v2 && n.Type == decode.NotifyInvalidKEPayload: // INVALID_KE_PAYLOAD
		guess := "the one the initiator guessed"
		if g, ok := s.lastKEGroup(msg); ok {
			guess = decode.DHGroupName(g) + ", the group of the initiator's key exchange"
		}
		return s.newFinding(CodeInvalidKE, Info, ex, frames, msg.Time,
			fmt.Sprintf("The responder answered IKE_SA_INIT with INVALID_KE_PAYLOAD: it wants DH group %s instead of %s.", decode.DHGroupName(n.group), guess),
			"The initiator sends a key exchange for its first-choice group; the responder wants another of the offered groups. One retry with the group asked for is normal.",
			"Nothing to fix if the retry succeeds. To save the round trip, put "+decode.DHGroupName(n.group)+" first in the initiator's IKE proposal.")
	case n.Type == decode.NotifyAuthenticationFail || !v2 && (n.Type == decode.NotifyInvalidHashInfo || n.Type == decode.NotifyInvalidSignature): // AUTHENTICATION_FAILED, INVALID-HASH-INFORMATION, INVALID-SIGNATURE
		return s.newFinding(CodeAuthFailed, Error, ex, frames, msg.Time,
			fmt.Sprintf("The %s sent %s in %s: authentication failed.", who, name, msg.Step),
			"The peers could not verify each other: with pre-shared keys the keys differ or are filed under another identity; with certificates the CA is not trusted, the certificate expired, or its identity does not match what the peer expects.",
			"Check the PSK entry for this peer on both sides and the identities each side sends and expects (address, FQDN or DN).").where(SettingPSK)
	case !v2 && n.Type == decode.NotifyInvalidIDInfo: // INVALID-ID-INFORMATION
		if s.phaseOf(msg) != "Phase 1" && msg.ExchangeType != decode.ExchangeMainMode && msg.ExchangeType != decode.ExchangeAggressive {
			return s.newFinding(CodeInvalidID, Error, ex, frames, msg.Time,
				fmt.Sprintf("The %s sent INVALID-ID-INFORMATION: the Phase 2 proxy IDs do not match%s.", who, s.selectorText()),
				"The networks (encryption domains) one side proposes in Quick Mode are not what the other side has configured for this peer.",
				"Make the local and remote subnets mirror images of each other on the two gateways.").where(SettingSelectors)
		}
		return s.newFinding(CodeInvalidID, Error, ex, frames, msg.Time,
			fmt.Sprintf("The %s sent INVALID-ID-INFORMATION in Phase 1: it does not accept the peer's identity.", who),
			"The ID type or value (address, FQDN, user FQDN, DN) one side sends is not the one the other side expects for this peer.",
			"Check the local and remote identities on both sides.").where(SettingIdentity)
	case n.Type == decode.NotifyInvalidMajorVersion: // INVALID-MAJOR-VERSION / INVALID_MAJOR_VERSION
		offered := "IKEv1"
		if v2 {
			offered = "this IKE version"
		}
		return s.newFinding(CodeErrorNotify, Error, ex, frames, msg.Time,
			fmt.Sprintf("The %s answered with %s: it does not accept %s from this peer.", who, name, offered),
			"The two gateways are configured for different IKE versions: one speaks IKEv1, the other accepts only IKEv2 (or IKEv1 is disabled, as in libreswan's ikev1-policy=reject).",
			"Configure the same IKE version on both sides (strongSwan version=, libreswan keyexchange=/ikev2=, Cisco crypto ikev2 vs isakmp policies); prefer IKEv2.")
	case v2 && n.Type == decode.NotifyInternalAddrFailure:
		return s.newFinding(CodeNoVirtualIP, Error, ex, frames, msg.Time,
			fmt.Sprintf("The %s answered %s with INTERNAL_ADDRESS_FAILURE: it has no virtual IP for the client, so no CHILD_SA was created.", who, s.requestName(msg)),
			noVirtualIPCause, noVirtualIPNext).where(SettingUsers)
	case v2 && n.Type == decode.NotifyFailedCPRequired:
		return s.newFinding(CodeNoVirtualIP, Error, ex, frames, msg.Time,
			fmt.Sprintf("The %s answered %s with FAILED_CP_REQUIRED: it assigns every client a virtual IP, and this one did not ask for one (no configuration payload).", who, s.requestName(msg)),
			"The gateway's connection hands out addresses from a pool, and the client is configured with a fixed inner address (a site-to-site profile) instead of requesting one.",
			"Make the client request a virtual IP (strongSwan: vips = 0.0.0.0 / leftsourceip=%config; Windows and macOS always do), or give this peer a site-to-site connection without a pool.").where(SettingUsers)
	case v2 && n.Type == decode.NotifyTSUnacceptable: // TS_UNACCEPTABLE
		if req := requestOf(msg); msg.ExchangeType == decode.ExchangeCreateChildSA && req != nil && req.childReq != nil && len(req.childReq.asked) > 0 && s.childUpBefore(msg.Time) {
			// A CHILD_SA besides the one up (or its rekey): its own selectors.
			sev, gone := Warning, ""
			cause := "The subnets (and protocols/ports) asked for this CHILD_SA are not within what the other side's policy allows for this peer; the CHILD_SA already up, with other selectors, is not affected. A second subnet pair configured on one gateway only is the usual reason."
			if del, ok := s.childGoneAfter(msg.Time, end); ok {
				sev, gone = Error, s.goneText(del, msg.Time)
				cause = "The subnets (and protocols/ports) asked for are not within what the other side's policy allows for this peer. The CHILD_SA that was up ended without a successor, so this was most likely its rekey: one gateway's subnets changed since it came up (a configuration reload on one side only)."
			}
			return s.newFinding(CodeTSUnacceptable, sev, ex, frames, msg.Time,
				fmt.Sprintf("The %s refused a further CHILD_SA with TS_UNACCEPTABLE: it does not allow the traffic selectors asked for (%s).%s", who, strings.Join(req.childReq.asked, ", "), gone),
				cause,
				"Configure the same subnet pairs on both gateways (a matching child or tunnel for each), or drop the extra one.").where(SettingSelectors)
		}
		return s.newFinding(CodeTSUnacceptable, Error, ex, frames, msg.Time,
			fmt.Sprintf("The %s answered with TS_UNACCEPTABLE: the traffic selectors do not match%s.", who, s.selectorText()),
			"The subnets (and protocols/ports) one side proposes for the CHILD_SA are not within what the other side's policy allows. Less likely: the responder could not install the IPsec SA in its kernel and reports that as TS_UNACCEPTABLE (libreswan does).",
			"Make the local and remote traffic selectors of the two gateways mirror images.").where(SettingSelectors)
	}
	said, next := "", "Read the "+who+"'s log at "+msg.Time.UTC().Format("15:04:05")+" for the reason it gives."
	if n.text != "" {
		said = fmt.Sprintf(" Its data reads %q.", n.text)
		next = "Its data gives the " + who + "'s reason; its log at " + msg.Time.UTC().Format("15:04:05") + " says more."
	}
	return s.newFinding(CodeErrorNotify, Warning, ex, frames, msg.Time,
		fmt.Sprintf("The %s sent the error notification %s in %s.%s", who, name, msg.Step, said),
		notifyCause(v2, n.Type),
		next)
}

// lastKEGroup is the DH group of the last KE payload the other side sent before msg.
func (s *Session) lastKEGroup(msg *Msg) (uint16, bool) {
	var g uint16
	var ok bool
	for _, m := range s.Messages {
		if m == msg {
			break
		}
		if m.FromInitiator != msg.FromInitiator && m.hasKE {
			g, ok = m.keGroup, true
		}
	}
	return g, ok
}

// selectorText names what the initiator asked for in Phase 2, when keys showed it.
func (s *Session) selectorText() string {
	if len(s.Selectors) == 0 {
		return ""
	}
	return " (the initiator asked for " + strings.Join(s.Selectors, ", ") + ")"
}

func notifyCause(v2 bool, t decode.NotifyType) string {
	switch {
	case !v2 && t == decode.NotifyPayloadMalformed, v2 && t == decode.NotifyInvalidSyntax: // PAYLOAD-MALFORMED, INVALID_SYNTAX
		return "The peer could not parse a message. Before the ISAKMP SA is up this usually means it decrypted with a different key (pre-shared key mismatch); otherwise an implementation incompatibility."
	case v2 && t == decode.NotifyInvalidIKESPI: // INVALID_IKE_SPI
		return "The peer has no IKE SA for these SPIs: it restarted, or deleted the SA earlier."
	case v2 && t == decode.NotifyInvalidMessageID: // INVALID_MESSAGE_ID
		return "The message IDs are out of step, usually after one side restarted or lost state."
	case v2 && (t == decode.NotifyNoAdditionalSAs || t == decode.NotifySinglePairRequired): // NO_ADDITIONAL_SAS, SINGLE_PAIR_REQUIRED
		return "The peer refuses another CHILD_SA or the selectors proposed."
	case v2 && t == decode.NotifyInternalAddrFailure: // INTERNAL_ADDRESS_FAILURE
		return "The responder could not assign a virtual IP (address pool empty or not configured)."
	case v2 && t == decode.NotifyFailedCPRequired: // FAILED_CP_REQUIRED
		return "The responder requires a configuration payload (virtual IP request) that the initiator did not send."
	case v2 && t == decode.NotifyTemporaryFailure: // TEMPORARY_FAILURE
		return "The peer is busy with a simultaneous rekey or exchange; retrying later usually succeeds."
	case v2 && t == decode.NotifyChildSANotFound: // CHILD_SA_NOT_FOUND
		return "The peer has no CHILD_SA with that SPI: state diverged between the gateways."
	}
	return "The peer rejected the request with this error."
}

// pendingRequest is the last distinct request of an exchange that got no reply after it.
type pendingRequest struct {
	ex     *Exchange
	first  *Msg   // the first copy
	copies []*Msg // every copy, including the first
}

// unanswered finds, for each exchange, a request after which the other side sent nothing
// in that exchange.
func (s *Session) unanswered() []pendingRequest {
	var out []pendingRequest
	for _, ex := range s.Exchanges {
		if ex.Type == decode.ExchangeMainMode && !s.RolesKnown {
			continue // which message asks and which answers is a guess
		}
		var last *Msg
		for _, m := range ex.Messages {
			if m.Retransmit == 0 {
				last = m
			}
		}
		if ex.Partial && !(ex.Type == decode.ExchangeQuickMode && last != nil && len(ex.Messages) == 1+last.Retransmit &&
			len(s.answeredElsewhere(pendingRequest{ex: ex, first: last})) > 0) {
			// Which message asks and which answers is a guess. But a lone Quick Mode
			// message the other side answered with an Informational, not the next one,
			// was refused, whichever it was.
			continue
		}
		if last == nil || last.Response || !needsReply(ex, last) || s.movedOn(last) ||
			last.v2 && ex.Type == decode.ExchangeIKESAInit && !last.FromInitiator { // a protocol violation, reported as such
			continue
		}
		if a := ex.Messages[len(ex.Messages)-1]; a.FromInitiator != last.FromInitiator && (a.v2 && a.Response || !a.v2 && a.Step == last.Step.Next()) {
			// A copy of the answer came after the request: the answer was first sent to
			// a copy from before the capture began, and answers this one too.
			continue
		}
		p := pendingRequest{ex: ex, first: last}
		for _, m := range ex.Messages {
			if m.hash == last.hash && m.FromInitiator == last.FromInitiator {
				p.copies = append(p.copies, m)
			}
		}
		out = append(out, p)
	}
	return out
}

// movedOn reports whether the sender of a request went on as only an answer lets it:
// an IKEv2 peer sends its next request only after the answer to the last one (RFC 7296
// 2.3, a window of one unless both raise it), and the next request carries the
// responder's SPI that only IKE_SA_INIT's answer gives; an IKEv1 side sends its next
// Main Mode message only after the other side's. The answer then simply is not in the
// capture (captured elsewhere, or lost on the capture's side only).
func (s *Session) movedOn(req *Msg) bool {
	return s.movedOnBy(req) != nil || s.childESPAfter(req) != nil
}

// FreshSeq is the highest first sequence number of an ESP flow read as a new SA's: an SA
// numbers its packets from 1 (RFC 4303 3.3.3), a few may be lost before the capture.
const FreshSeq = 8

// childESPAfter is ESP that shows a message creating an IPsec SA was answered and the SA
// made, although the capture lacks the answer: the message's sender sends ESP on an SA
// it first saw after the message, numbered from the start, which only the answer gives it.
// The message is an IKEv2 IKE_AUTH or CREATE_CHILD_SA request (the accepting answer
// creates the CHILD_SA, RFC 7296 1.2, 1.3) or an IKEv1 QM2 (its sender, the Quick Mode
// responder, uses the SAs once QM3 confirms them, RFC 2409 5.5). nil when there is none.
func (s *Session) childESPAfter(req *Msg) *ESPFlow {
	switch {
	case req.v2 && !req.Response && (req.ExchangeType == decode.ExchangeIKEAuth || req.ExchangeType == decode.ExchangeCreateChildSA):
	case !req.v2 && req.Step == StepQM2:
	default:
		return nil
	}
	for _, f := range s.ESP {
		if f.FromInitiator == req.FromInitiator && f.First.After(req.Time) && f.FirstSeq <= FreshSeq && !s.resentAfter(req, f.First) {
			return f
		}
	}
	return nil
}

// resentAfter reports whether req's sender sent it again after t: still waiting for the
// answer then, so it had not got it.
func (s *Session) resentAfter(req *Msg, t time.Time) bool {
	if req.exchange == nil {
		return false
	}
	for _, m := range req.exchange.Messages {
		if m.FromInitiator == req.FromInitiator && !m.Response && m.Time.After(t) {
			return true
		}
	}
	return false
}

// movedOnBy is the first message by which req's sender went on as only an answer lets
// it (movedOn), or nil.
func (s *Session) movedOnBy(req *Msg) *Msg {
	for _, ex := range s.Exchanges {
		for _, m := range ex.Messages {
			if m.FromInitiator != req.FromInitiator || m.Response || m.Retransmit > 0 || m.laterFragment || !m.Time.After(req.Time) {
				continue
			}
			switch {
			case req.v2 && m.v2 && m.MessageID > req.MessageID:
				return m
			case req.v2 && req.ExchangeType == decode.ExchangeIKESAInit && m.ExchangeType != decode.ExchangeIKESAInit:
				return m // it knows the responder's SPI
			}
			switch {
			case !req.v2 && numbered(req.ExchangeType) && m.ExchangeType == req.ExchangeType && m.MessageID == req.MessageID && m.Step.N() > req.Step.N():
				return m
			case !req.v2 && req.Step == StepMM5 && (m.ExchangeType == decode.ExchangeQuickMode || m.ExchangeType == decode.ExchangeTransaction):
				return m // only under a Phase 1 that is up: MM6 arrived
			}
		}
	}
	return nil
}

// needsReply says whether a request expects an answer in its own exchange. IKEv1 QM3,
// AM3 and Informational messages do not.
func needsReply(ex *Exchange, m *Msg) bool {
	if !m.ISAKMPIsV1() {
		return true
	}
	switch m.Step {
	case StepMM1, StepMM3, StepMM5, StepAM1, StepQM1:
		return true
	}
	return false
}

// answeredElsewhere returns the messages the other side sent in other exchanges after t
// (IKEv1 responders answer a message they cannot process with an Informational).
func (s *Session) answeredElsewhere(p pendingRequest) []*Msg {
	var out []*Msg
	for _, m := range s.Messages {
		if m.exchange != p.ex && m.FromInitiator != p.first.FromInitiator && m.Time.After(p.first.Time) && m.ExchangeType == decode.ExchangeInformationalV1 {
			out = append(out, m)
		}
	}
	return out
}

// evaluateTimed gives the findings that depend on time having passed: requests without
// answers. final is set at the end of the input, when nothing more can arrive.
//
// endsAtSecondCopy: a file that ends after a request was sent again once, before the
// sender would have sent it a third time and before the reply timeout since the first:
// the first copy went unanswered for a while, whether the second was is not in the file.
// (Live capture has said so as it happened.)
func endsAtSecondCopy(final bool, opts Options, retrans int, last *Msg, waited time.Duration) bool {
	return final && !opts.Evict && retrans == 1 && waited < last.Interval && last.Interval+waited < opts.ReplyTimeout
}

// secondCopyText ends the summary of a finding endsAtSecondCopy softened.
func secondCopyText(waited time.Duration, fromInit bool) string {
	return fmt.Sprintf(" The capture ends %s after the second copy, sooner than the %s waited before sending it: whether that copy was answered is not in it.", secs(waited), side(fromInit))
}

func evaluateTimed(s *Session, now time.Time, opts Options, final bool) []Finding {
	var out []Finding
	for _, p := range s.unanswered() {
		if s.unseen != unseenNone {
			continue // its answer travels the way the capture does not see
		}
		if elsewhere := s.answeredElsewhere(p); len(elsewhere) > 0 {
			// IKEv1 answered with an Informational instead: clear ones are reported by
			// their notification; encrypted ones are read from the step.
			if p.first.Step == StepMM5 {
				out = append(out, s.mm5Answered(p, elsewhere, now.Sub(elsewhere[0].Time) >= opts.ReplyTimeout)...)
			} else {
				out = append(out, s.informationalAnswer(p, elsewhere)...)
			}
			continue
		}
		last := p.copies[len(p.copies)-1]
		waited := now.Sub(last.Time)
		retrans := copiesOf(p.copies) - 1
		if retrans == 0 && waited < opts.ReplyTimeout {
			if final {
				out = append(out, s.tooShort(p, waited))
			}
			continue
		}
		fs := s.stalledFinding(p, waited, final, opts.ReplyTimeout)
		if endsAtSecondCopy(final, opts, retrans, last, waited) {
			for i := range fs {
				if fs[i].Severity == Error {
					fs[i].Severity = Warning
					fs[i].Summary += secondCopyText(waited, p.first.FromInitiator)
				}
			}
		}
		out = append(out, fs...)
	}
	if f, ok := s.replyNotReaching(); ok {
		out = append(out, f)
	}
	out = append(out, s.qm3Lost()...)
	out = append(out, s.am3Missing(now, opts)...)
	if f, ok := s.dpdUnanswered(now, opts, final); ok && s.unseen == unseenNone {
		out = append(out, f)
	}
	return out
}

// tooShort says that the capture ended before an answer could be expected.
func (s *Session) tooShort(p pendingRequest, waited time.Duration) Finding {
	code := CodeExchangeStalled
	if p.first.Step == StepMM1 || p.first.Step == StepAM1 || p.first.Step == StepIKESAInitRequest {
		code = CodeNoResponse
	}
	return s.newFinding(code, Info, p.first.Step.String(), framesOf(p.copies), p.first.Time,
		fmt.Sprintf("The capture ends %s after %s, before an answer could be expected.", secs(waited), p.first.Step),
		"Nothing can be concluded about this request: the capture stopped too soon.",
		"Capture for longer (at least 30 s after the tunnel is started) to see whether the peer answers.")
}

func retransText(copies []*Msg) string {
	if len(copies) <= 1 {
		return "once"
	}
	var iv []string
	for i, m := range copies[1:] {
		if i == 5 && len(copies) > 7 {
			iv = append(iv, fmt.Sprintf("… %d more", copiesOf(copies)-7), "+"+secs(copies[len(copies)-1].Interval))
			break
		}
		iv = append(iv, "+"+secs(m.Interval))
	}
	return fmt.Sprintf("%d times (retransmissions at %s after the copy before)", copiesOf(copies), strings.Join(iv, ", "))
}

func fragmented(copies []*Msg) bool {
	for _, m := range copies {
		if m.Fragments != nil {
			return true
		}
	}
	return false
}

// stalledFinding names an unanswered request by its step.
func (s *Session) stalledFinding(p pendingRequest, waited time.Duration, final bool, replyTimeout time.Duration) []Finding {
	fs := s.stalledFindingText(p, waited, final, replyTimeout)
	for i := range fs {
		fs[i].Step, fs[i].By = p.first.Step, side(p.first.FromInitiator)
	}
	return fs
}

// notUnicast reports an address no IKE peer has: IPv4's limited broadcast, or a
// multicast address. A subnet's broadcast address looks like any other without its mask.
func notUnicast(a netip.Addr) bool {
	return a.IsMulticast() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

func (s *Session) stalledFindingText(p pendingRequest, waited time.Duration, final bool, replyTimeout time.Duration) []Finding {
	m := p.first
	who := side(m.FromInitiator)
	other := side(!m.FromInitiator)
	frames := framesOf(p.copies)
	sent := fmt.Sprintf("The %s sent %s %s and got no answer (the capture goes on %s after the last copy).", who, m.Step, retransText(p.copies), secs(waited))
	switch m.Step {
	case StepMM1, StepAM1, StepIKESAInitRequest:
		cause := "The responder is unreachable or not answering: UDP 500 is blocked at or before it, its IKE daemon is not running or not listening on that address, there is no route, or it has no configuration for this initiator and stays silent."
		if ic, ok := s.icmpAbout(m.FromInitiator); ok {
			frames = append(frames, ic.ref)
			cause = s.icmpCause(ic)
		} else if an, ok := s.anomalyIn(m.Frame); ok {
			cause = fmt.Sprintf("The request breaks the protocol (%s), and a strict responder drops such a message without an answer. Otherwise: %s", an.What.Detail, cause)
		} else if dst := s.Responder.Addr(); notUnicast(dst) {
			cause = fmt.Sprintf("The request goes to %s, a broadcast or multicast address: IKE runs between two unicast addresses, and IKE daemons drop what comes to a broadcast or multicast address. The initiator's configuration names the wrong remote address (a network's broadcast address typed for a gateway's, or a discovery setting).", dst)
		}
		sev, said := Error, sent+noMessageAtAll(s.Responder.Addr())
		if earlier := s.earlierAnswer(m); earlier != nil {
			// A COOKIE or INVALID_KE round before it: the responder is there.
			said = fmt.Sprintf("%s The responder had answered the IKE_SA_INIT before it with %s (frame %d), so it is reachable and listening; the request that followed got nothing.", sent, decode.NotifyName(true, earlier.Notifies[0].Type), earlier.Frame)
			cause = "The responder stopped answering between the two requests: it asks for cookies when it holds many half-open SAs (RFC 7296 2.6) and drops what it cannot take, or it did not accept the retry (the cookie or the key exchange group it asked for), or its answer was lost on the way back."
			if len(p.copies) == 1 && waited >= 3*replyTimeout {
				// Every implementation retransmits an unanswered request within seconds.
				sev = Warning
				said += " The initiator never sent it again, as it would without an answer: it gave up at once, or got an answer this capture point does not see."
			}
		}
		return []Finding{s.newFinding(CodeNoResponse, sev, m.Step.String(), frames, m.Time,
			said,
			cause,
			fmt.Sprintf("From the initiator, check the route and that the responder address %s is right; allow UDP 500 and 4500 both ways; on the responder, check the daemon listens on UDP 500 (ss -ulpn) and has a connection for %s. A capture on the responder's side tells whether the requests arrive.", s.Responder.Addr(), s.Initiator.Addr())).where(SettingFirewall)}
	case StepMM3:
		return []Finding{s.newFinding(CodeExchangeStalled, Error, m.Step.String(), frames, m.Time,
			sent+" Main Mode stopped at MM3 (no MM4).",
			"The responder accepted the proposal (MM2) but does not continue after the key exchange: it has no pre-shared key or configuration for this peer's address, or the DH computation failed. Less likely: MM4 is lost on the way back.",
			"On the responder, check there is a PSK/secret and a connection for "+s.Initiator.Addr().String()+" (with NAT, for its translated address), and read its log at this time.").where(SettingPSK)}
	case StepMM5:
		return []Finding{s.newFinding(CodeExchangeStalled, Error, m.Step.String(), frames, m.Time,
			sent+" Main Mode stopped at MM5 (no MM6).",
			"The responder could not verify the initiator's identity and hash: most often the pre-shared keys differ, or the identity sent (address, FQDN) is not the one the responder expects. After NAT detection MM5 goes to UDP 4500, so a firewall blocking 4500 gives the same picture.",
			"Check the PSK and the identities on both sides, and that UDP 4500 passes.").where(SettingPSK)}
	case StepQM1:
		return []Finding{s.newFinding(CodePhase2Stalled, Error, m.Step.String(), frames, m.Time,
			sent+" Phase 1 is up but Quick Mode stopped at QM1 (no QM2).",
			"The responder does not accept the Phase 2 proposal or the proxy IDs (local/remote subnets) and stays silent rather than answering. Some implementations also drop Quick Mode for vendor features they do not support (for example responder-lifetime or commit bit handling).",
			"Compare the Phase 2 proposals (cipher, hash, PFS group, lifetime) and the proxy IDs (subnets) on both gateways, and read the responder's log. With --keys ikescope shows the proposal and IDs inside QM1.").where(SettingPhase2, SettingSelectors)}
	case StepIKEAuthRequest:
		cause := "The responder got IKE_SA_INIT but does not answer IKE_AUTH: it crashed, or the message does not reach it."
		next := "Check that UDP 4500 passes both ways (IKE_AUTH moves to 4500 when NAT is detected) and read the responder's log."
		if fragmented(p.copies) {
			cause = fmt.Sprintf("IKE_AUTH is large (%d bytes) and travels in IP fragments. A firewall or NAT device that drops fragments is the usual cause: IKE_SA_INIT (small) gets through, IKE_AUTH (with certificates) does not.", m.Size)
			next = "Enable IKEv2 fragmentation (RFC 7383) on both sides (strongSwan fragmentation=yes, libreswan fragmentation=yes, Cisco crypto ikev2 fragmentation), or let the firewall pass IP fragments."
		}
		return []Finding{s.newFinding(CodeExchangeStalled, Error, m.Step.String(), frames, m.Time, sent, cause, next)}
	case StepCreateChildRequest:
		return []Finding{s.newFinding(CodePhase2Stalled, Error, m.Step.String(), frames, m.Time, sent,
			"The peer does not answer a CHILD_SA negotiation or rekey: it lost the IKE SA state or the messages do not reach it.",
			"Read both gateways' logs at this time; if one side restarted, delete the stale SAs (swanctl --terminate, ipsec down).")}
	case StepInformationalReq:
		// A liveness check is an INFORMATIONAL whose SK payload holds nothing: its
		// next-payload field, in the clear, says so.
		if first, ok := skFirst(m); ok && first == decode.PayloadNone || m.Decrypted && len(m.Inner) == 0 {
			cause := "The " + other + " is down, rebooted without telling (its IKE SA is gone), or the path between the gateways lost connectivity."
			if ic, ok := s.icmpAbout(m.FromInitiator); ok {
				frames = append(frames, ic.ref)
				cause = s.icmpCause(ic)
			}
			return []Finding{s.newFinding(CodeDPDUnanswered, Error, m.Step.String(), frames, m.Time,
				fmt.Sprintf("The %s's liveness check (an empty INFORMATIONAL, %s) got no answer.", who, retransText(p.copies)),
				cause,
				"Check that the "+other+" is up and reachable over UDP 500/4500; after it returns, the "+who+" should renegotiate (check dpd_action / dpdaction=restart).")}
		}
		return []Finding{s.newFinding(CodeExchangeStalled, Warning, m.Step.String(), frames, m.Time, sent,
			"The "+other+" does not answer an INFORMATIONAL exchange (often a Delete): it is gone or unreachable.",
			"Check that the "+other+" is reachable; a gateway that was deleting its SA will clean up on its own.")}
	}
	return []Finding{s.newFinding(CodeExchangeStalled, Error, m.Step.String(), frames, m.Time, sent,
		"The "+other+" does not answer this request.", "Read the "+other+"'s log at this time.")}
}

// anomalyIn is the first protocol violation found in a frame of the session.
func (s *Session) anomalyIn(frame int) (anomalyAt, bool) {
	for _, a := range s.anomalies {
		if a.Frame == frame {
			return a, true
		}
	}
	return anomalyAt{}, false
}

// earlierAnswer is the responder's answer to an IKE_SA_INIT request before req that asked
// for another try (a COOKIE or INVALID_KE_PAYLOAD round, RFC 7296 2.6, 1.2), or nil.
func (s *Session) earlierAnswer(req *Msg) *Msg {
	var out *Msg
	for _, m := range s.Messages {
		if m.Response && m.Step == StepIKESAInitResponse && m.Time.Before(req.Time) && len(m.Notifies) > 0 &&
			(m.Notifies[0].Type == decode.NotifyCookie || m.Notifies[0].Type == decode.NotifyInvalidKEPayload) {
			out = m
		}
	}
	return out
}

// icmpAbout returns the first ICMP error about a packet sent by one side.
func (s *Session) icmpAbout(fromInit bool) (ICMPInfo, bool) {
	for _, ic := range s.ICMP {
		if ic.ToInit == fromInit {
			return ic, true
		}
	}
	return ICMPInfo{}, false
}

// icmpCause explains a request's fate from the ICMP error it drew.
func (s *Session) icmpCause(ic ICMPInfo) string {
	peer := s.Responder.Addr()
	if !ic.ToInit {
		peer = s.Initiator.Addr()
	}
	switch {
	case ic.Meaning == "port unreachable" && ic.From == peer:
		return fmt.Sprintf("%s itself answered with ICMP port unreachable (frame %d): the host is up and reachable, but nothing listens on UDP %d; its IKE daemon is not running (crashed or stopped) or listens on another address.", peer, ic.ref, ic.About.Port())
	case ic.Meaning == "administratively prohibited":
		return fmt.Sprintf("%s answered with ICMP administratively prohibited (frame %d): a firewall rejects the IKE packets.", ic.From, ic.ref)
	case ic.Meaning == "fragment reassembly time exceeded":
		return fmt.Sprintf("%s reports that it could not reassemble the IP fragments in time (ICMP, frame %d): some fragments never reached it.", ic.From, ic.ref)
	}
	return fmt.Sprintf("%s answered with ICMP %s (frame %d) about these packets.", ic.From, ic.Meaning, ic.ref)
}

func joinInts(v []int) string {
	parts := make([]string, len(v))
	for i, n := range v {
		parts[i] = fmt.Sprint(n)
	}
	return strings.Join(parts, " ")
}

// answerRepeated: the capture's last word of the SA is an answer its sender repeated
// twice or more, with nothing from the other side after the first copy. An IKEv2
// responder repeats an answer only when the request comes again (RFC 7296 2.1), an
// IKEv1 one also when the next message does not come: either way the exchange went no
// further. With the requests in the capture, reply-not-reaching says more; here they are
// not (a capture that sees the answering side only, or a request lost after it).
func (s *Session) answerRepeated() []Finding {
	if len(s.Messages) == 0 {
		return nil
	}
	first := s.Messages[len(s.Messages)-1]
	if first.orig != nil {
		first = first.orig
	}
	if !first.Response || first.exchange == nil {
		return nil
	}
	var copies []*Msg
	other := false
	for _, m := range s.Messages {
		switch {
		case m == first || m.orig == first:
			copies = append(copies, m)
		case m.FromInitiator != first.FromInitiator:
			other = other || m.Time.After(first.Time)
		}
	}
	if len(copies) < 3 || other {
		return nil
	}
	who, peer := side(first.FromInitiator), side(!first.FromInitiator)
	last := copies[len(copies)-1]
	summary := fmt.Sprintf("The %s sent %s %d times over %s and the exchange went no further: nothing from the %s came after its first copy.", who, first.Step, len(copies), secs(last.Time.Sub(first.Time)), peer)
	if !slices.ContainsFunc(s.Messages, func(m *Msg) bool { return m.FromInitiator != first.FromInitiator }) {
		summary += fmt.Sprintf(" This capture holds no packet of this SA from the %s at all: it may see one direction only.", peer)
	}
	cause := fmt.Sprintf("The %s's answers do not reach the %s (a firewall or NAT on the way back drops them), so it asks again and gets the same answer; or the %s's next message does not reach the %s.", who, peer, peer, who)
	if first.v2 {
		cause = fmt.Sprintf("An IKEv2 %s repeats an answer only when the request comes again (RFC 7296 2.1): the request kept coming, so the %s's answers do not reach the %s (a firewall or NAT on the way back drops them).", who, who, peer)
	}
	return []Finding{s.newFinding(CodeReplyNotReaching, Warning, first.Step.String(), framesOf(copies), first.Time, summary, cause,
		fmt.Sprintf("Capture on the %s (%s) to see whether the answers arrive; allow UDP 500 and 4500 from %s back to it.", peer, s.peerOf(!first.FromInitiator), s.peerOf(first.FromInitiator)))}
}

// peerOf is the address of the initiator (or the responder).
func (s *Session) peerOf(initiator bool) netip.Addr {
	if initiator {
		return s.Initiator.Addr()
	}
	return s.Responder.Addr()
}

// replyNotReaching: the initiator retransmits its first message although the responder
// answered it, so the answers are lost on the way back.
func (s *Session) replyNotReaching() (Finding, bool) {
	for _, ex := range s.Exchanges {
		if ex.Type != decode.ExchangeMainMode && ex.Type != decode.ExchangeAggressive && ex.Type != decode.ExchangeIKESAInit {
			continue
		}
		var firstReq, firstResp *Msg
		var reqs, resps []*Msg
		progressed := false
		for _, m := range ex.Messages {
			switch {
			case !m.Response && (m.Step == StepMM1 || m.Step == StepAM1 || m.Step == StepIKESAInitRequest):
				if firstReq == nil || m.hash == firstReq.hash {
					if firstReq == nil {
						firstReq = m
					}
					reqs = append(reqs, m)
				}
			case m.Response && (m.Step == StepMM2 || m.Step == StepAM2 || m.Step == StepIKESAInitResponse):
				if firstResp == nil {
					firstResp = m
				}
				resps = append(resps, m)
			case !m.Response:
				progressed = true
			}
		}
		if firstReq == nil || firstResp == nil || progressed || len(resps) == 0 || hasErrorNotify(firstResp) {
			continue
		}
		if s.Version == 2 && len(s.Exchanges) > 1 {
			continue
		}
		late := 0
		for _, m := range reqs {
			if m.Time.After(firstResp.Time) {
				late++
			}
		}
		if late < 2 {
			// The initiator must have repeated its request after an answer, and again:
			// one copy that crosses the answer on the way is what a slow answer makes.
			continue
		}
		frames := append(framesOf(reqs), framesOf(resps)...)
		return s.newFinding(CodeReplyNotReaching, Error, firstReq.Step.String(), frames, firstReq.Time,
			fmt.Sprintf("The responder answered %s %s (%s) but the initiator kept retransmitting it %s: the answers never reach the initiator.", firstReq.Step, times(copiesOf(resps)), firstResp.Step, times(copiesOf(reqs))),
			"Replies are lost on the way back: a firewall or NAT on the initiator's side drops the responder's UDP 500 answers (stateless rules allowing only outgoing UDP 500, or a NAT that maps the reply to another port), or the responder sends them from another address than the one the initiator talks to.",
			"Capture on the initiator itself to see whether the replies arrive; allow UDP 500 and 4500 from "+s.Responder.Addr().String()+" back to "+s.Initiator.Addr().String()+"; check the responder answers from the address the initiator targets."), true
	}
	return Finding{}, false
}

// informationalAnswer reads an IKEv1 request answered by an Informational instead of the
// next step. A clear one carries its notification (reported as such); an encrypted one can
// only be read from where it comes.
func (s *Session) informationalAnswer(p pendingRequest, answers []*Msg) []Finding {
	var enc []*Msg
	for _, m := range answers {
		if m.Encrypted && !m.Decrypted { // decrypted ones are reported by their notification
			enc = append(enc, m)
		}
	}
	if len(enc) == 0 || p.first.Step != StepQM1 {
		return nil
	}
	frames := append(framesOf(p.copies), framesOf(enc)...)
	cause := "An IKEv1 responder that cannot accept a Quick Mode answers with a notification: NO-PROPOSAL-CHOSEN when the ESP/AH proposals (cipher, integrity, PFS group, lifetime) share nothing, INVALID-ID-INFORMATION when the proxy IDs (local/remote subnets) are not what it has configured for this peer. Both are equally common; the Informational is encrypted, so the capture alone does not tell which."
	where := []string{SettingPhase2, SettingSelectors}
	if s.clientAskedConfig() {
		cause += " This client asked for its settings in a Mode Config request first: a client the gateway gave no virtual IP (pool exhausted) proposes its own address instead, which the gateway refuses with INVALID-ID-INFORMATION."
		where = append(where, SettingUsers)
	}
	return []Finding{s.newFinding(CodePhase2Stalled, Error, "QM1", frames, p.first.Time,
		fmt.Sprintf("Phase 1 is up but the responder answered QM1 with an encrypted Informational (frame %d) instead of QM2: it rejected the Phase 2 proposal or the proxy IDs.", enc[0].Frame),
		cause,
		"Compare the Phase 2 proposals and the subnets on both gateways, and read the responder's log at "+enc[0].Time.UTC().Format("15:04:05")+". With --keys ikescope reads the notification and the exact proposal and IDs.").where(where...)}
}

// am3Missing: in Aggressive Mode the initiator checks the responder's hash in AM2; when it
// does not match, the initiator sends no AM3, usually an Informational instead.
func (s *Session) am3Missing(now time.Time, opts Options) []Finding {
	for _, ex := range s.Exchanges {
		if ex.Type != decode.ExchangeAggressive || s.Version != 1 || ex.Requests >= 2 || sawStep(ex, StepAM3) {
			continue // AM3 came (AM1 may be before the capture)
		}
		var am2 []*Msg
		for _, m := range ex.Messages {
			if m.Step == StepAM2 {
				am2 = append(am2, m)
			}
		}
		late := ex.Requests == 0 && !sawStep(ex, StepAM1)
		if len(am2) == 0 || late && len(am2) < 2 {
			// Without AM1 the capture began in the middle of the exchange: AM2 sent
			// again shows it went unanswered all the same.
			continue
		}
		var notes []*Msg
		for _, m := range s.Messages {
			// The initiator's Informational: after AM2, or anywhere in a capture that
			// began after AM2's first copy.
			if m.ExchangeType == decode.ExchangeInformationalV1 && m.FromInitiator && (m.Time.After(am2[0].Time) || late) {
				if m.Decrypted && hasErrorNotify(m) {
					return nil // the notification says it itself
				}
				notes = append(notes, m)
			}
		}
		frames := append(framesOf(am2), framesOf(notes)...)
		if len(notes) > 0 {
			return []Finding{s.newFinding(CodeAuthFailed, Error, "AM2", frames, am2[0].Time,
				fmt.Sprintf("Aggressive Mode stopped at AM2: the initiator answered the responder's AM2 with an Informational (frame %d) instead of AM3.", notes[0].Frame),
				"The initiator could not verify the responder's hash in AM2: the pre-shared keys differ (most likely), or the responder's identity is not the one the initiator expects. The Informational carries the initiator's complaint (AUTHENTICATION-FAILED or INVALID-HASH-INFORMATION).",
				fmt.Sprintf("Check the PSK for %s on the initiator and for the initiator's identity on the responder, and the identities both sides use.", s.Responder.Addr())).where(SettingPSK)}
		}
		if len(am2) >= 2 || now.Sub(am2[len(am2)-1].Time) >= opts.ReplyTimeout {
			return []Finding{s.newFinding(CodeExchangeStalled, Error, "AM2", frames, am2[0].Time,
				fmt.Sprintf("Aggressive Mode stopped at AM2: the responder sent AM2 %s and the initiator never sent AM3.", retransText(am2)),
				"The initiator could not authenticate the responder (pre-shared key or identity mismatch), or AM2 does not reach it.",
				"Check the PSK and identities on both sides; capture on the initiator to see whether AM2 arrives.").where(SettingPSK)}
		}
	}
	return nil
}

// qm3Lost: a Quick Mode responder that keeps retransmitting QM2 never got (or could not
// read) the initiator's QM3, so it never installed the IPsec SA.
func (s *Session) qm3Lost() []Finding {
	var out []Finding
	for _, ex := range s.Exchanges {
		if ex.Type != decode.ExchangeQuickMode || s.Version != 1 {
			continue
		}
		if ex.Partial {
			if f, ok := s.qm3LostByShape(ex); ok {
				out = append(out, f)
			}
			continue
		}
		var qm2 []*Msg
		for _, m := range ex.Messages {
			if m.Step == StepQM2 {
				qm2 = append(qm2, m)
			}
		}
		if len(qm2) < 3 {
			continue
		}
		var frames []int
		for _, m := range ex.Messages {
			if m.Step == StepQM2 || m.Step == StepQM3 {
				frames = append(frames, m.Frame)
			}
		}
		qm3 := 0
		for _, m := range ex.Messages {
			if m.Step == StepQM3 {
				qm3++
			}
		}
		answered := ""
		if qm3 >= len(qm2)-1 {
			answered = fmt.Sprintf(" The initiator answers the copies with QM3 (%d in the capture), so the QM3s are lost after this capture point or refused.", qm3)
		}
		out = append(out, s.newFinding(CodePhase2Stalled, Error, fmt.Sprintf("QM %08x", ex.MessageID), frames, qm2[0].Time,
			fmt.Sprintf("The responder sent QM2 %d times: the initiator's QM3 does not reach it (or it cannot read it), so the responder never completes Quick Mode and never installs its IPsec SA.%s", len(qm2), answered),
			"QM3 (a HASH payload alone, far too small to travel in IP fragments) is lost on the way to the responder (UDP 500 or 4500 dropped in that direction), or the responder fails to decrypt or verify it: a HASH(3) that does not match (RFC 2409 5.5), from an implementation bug or keys the two sides derived differently. The initiator believes the tunnel is up and sends ESP the responder cannot use.",
			"Capture on the responder to see whether QM3 arrives: if it does, its log says why it refuses it; if not, check the path from initiator to responder for UDP 500/4500."))
	}
	return out
}

// qm3Max is the largest a QM3 can be: HDR*, HASH(3) and nothing else (RFC 2409 5.5):
// the 28-byte header, a 4-byte payload header, a hash of at most 64 bytes (SHA-512),
// padded to a 16-byte cipher block. QM1 and QM2 carry SA and Nonce as well, and are larger.
const qm3Max = 28 + 16 + 64

// qm3LostByShape is qm3Lost for a Quick Mode whose roles the capture does not settle (it
// began inside the exchange or after Phase 1): the shape of the exchange does. One side
// sends the same message three times or more; the other answers each time with a message
// no larger than a QM3. Only a responder repeats a message that the other side answers
// with QM3: its QM2, because those QM3s do not reach it.
// qmUnconfirmed finds an IKEv1 Quick Mode whose QM2 its sender (the IKE SA's initiator
// or not) repeated three times or more, never confirmed by QM3, and how many QM2s.
func (s *Session) qmUnconfirmed(byInitiator bool) (*Exchange, int) {
	for _, ex := range s.Exchanges {
		if s.Version != 1 || ex.Type != decode.ExchangeQuickMode {
			continue
		}
		n := 0
		for _, m := range ex.Messages {
			if m.Step == StepQM2 && m.FromInitiator == byInitiator {
				n++
			}
		}
		if n >= 3 {
			return ex, n
		}
	}
	return nil, 0
}

func (s *Session) qm3LostByShape(ex *Exchange) (Finding, bool) {
	for _, fromInit := range []bool{true, false} {
		// The message this side repeats most, and how often.
		var rep *Msg
		n := 0
		for _, m := range ex.Messages {
			if m.FromInitiator != fromInit || m.Retransmit > 0 {
				continue
			}
			k := 0
			for _, c := range ex.Messages {
				if c.FromInitiator == fromInit && c.hash == m.hash {
					k += 1 + c.Folded
				}
			}
			if k > n {
				rep, n = m, k
			}
		}
		if rep == nil || n < 3 || rep.Size <= qm3Max {
			continue
		}
		// The other side answers after the first copy, with QM3-sized messages only.
		var answers []*Msg
		var frames []int
		short := true
		for _, m := range ex.Messages {
			switch {
			case m.FromInitiator == fromInit:
				if m.hash == rep.hash {
					frames = append(frames, m.Frame)
				}
			case m.Time.After(rep.Time) || m.Time.Equal(rep.Time) && m.Frame > rep.Frame:
				answers = append(answers, m)
				frames = append(frames, m.Frame)
				short = short && m.Size <= qm3Max
			}
		}
		if len(answers) == 0 || !short {
			continue
		}
		sender, other := s.Initiator.Addr(), s.Responder.Addr()
		if !fromInit {
			sender, other = other, sender
		}
		return s.newFinding(CodePhase2Stalled, Error, fmt.Sprintf("QM %08x", ex.MessageID), frames, rep.Time,
			fmt.Sprintf("%s sent the same Quick Mode message %d times and %s answered each time with a message of %d bytes, no larger than a QM3 (it carries only HASH(3)): %s is the Quick Mode responder repeating QM2, and the QM3s do not reach it (or it cannot read them), so it never completes Quick Mode and never installs its IPsec SA. (The capture began inside the exchange: the roles come from its shape.)",
				sender, n, other, answers[0].Size, sender),
			"QM3 is lost between the gateways (UDP 4500 or fragments dropped in one direction), or the responder fails to decrypt or verify it (a HASH(3) mismatch from an implementation bug). The initiator believes the tunnel is up and sends ESP the responder cannot use.",
			"Capture on the responder to see whether QM3 arrives; check the path from initiator to responder for UDP 500/4500; read the responder's log for Quick Mode errors."), true
	}
	return Finding{}, false
}

// probesLikely says whether an IKEv1 side sent at least three encrypted Informationals
// in exchanges of their own, the least dpdUnanswered looks at.
func (s *Session) probesLikely() bool {
	var n [2]int
	for _, m := range s.Messages {
		if m.ExchangeType == decode.ExchangeInformationalV1 && m.Encrypted && m.Retransmit == 0 {
			i := 0
			if m.FromInitiator {
				i = 1
			}
			if n[i]++; n[i] >= 3 {
				return true
			}
		}
	}
	return false
}

// dpdUnanswered: in IKEv1, Dead Peer Detection messages are encrypted Informationals in
// new exchanges; one side sending several with nothing coming back is the pattern.
func (s *Session) dpdUnanswered(now time.Time, opts Options, final bool) (Finding, bool) {
	if s.Version != 1 || !s.Established {
		return Finding{}, false
	}
	for _, fromInit := range []bool{true, false} {
		var probes []*Msg
		// RFC 3706: R-U-THERE is sent only when nothing comes from the peer. ESP from the
		// peer after an unanswered Informational, on an SA that was up when it was sent
		// (this IKE SA's or another between the peers: a Phase 1 rekey leaves the IPsec
		// SAs as they were), shows the peer alive: the Informational was a Delete or a
		// notification, which need no answer. An SA negotiated after it does not: a peer
		// that comes back after a reboot answers a new Main Mode, not the old SA's probes.
		var spans []espSpan
		if s.rare != nil {
			spans = s.rare.espSpans[0] // from the responder
			if !fromInit {
				spans = s.rare.espSpans[1]
			}
		}
		var lastOther time.Time // the peer's latest IKE message
		for _, m := range s.Messages {
			if m.FromInitiator != fromInit {
				if m.Time.After(lastOther) {
					lastOther = m.Time
				}
				continue
			}
			// Decrypted, only an R-U-THERE is a liveness check (a Delete is never answered).
			if m.ExchangeType == decode.ExchangeInformationalV1 && m.Encrypted && m.Retransmit == 0 &&
				(!m.Decrypted || slices.ContainsFunc(m.Notifies, func(n NotifyInfo) bool { return n.Type == decode.NotifyRUThere })) {
				probes = append(probes, m)
			}
		}
		// A liveness check waits for its answer, a second at least, before the next
		// (RFC 3706); Informationals sent together are a teardown's Deletes, one for
		// each SA, and count once.
		var unanswered []*Msg
		for _, p := range probes {
			if p.Time.After(lastOther) && !slices.ContainsFunc(spans, func(sp espSpan) bool { return sp.carried(p.Time) }) &&
				(len(unanswered) == 0 || p.Time.Sub(unanswered[len(unanswered)-1].Time) >= time.Second) {
				unanswered = append(unanswered, p)
			}
		}
		if len(unanswered) >= 3 && (final || now.Sub(unanswered[0].Time) > opts.ReplyTimeout) {
			who, other := side(fromInit), side(!fromInit)
			what, next := "Dead Peer Detection R-U-THERE, most likely", "Check that the "+other+" is up and reachable; with --keys ikescope confirms these are R-U-THERE messages."
			if !slices.ContainsFunc(unanswered, func(m *Msg) bool { return !m.Decrypted }) {
				what, next = "Dead Peer Detection R-U-THERE, decrypted", "Check that the "+other+" is up and reachable."
			}
			return s.newFinding(CodeDPDUnanswered, Error, "Informational", framesOf(unanswered), unanswered[0].Time,
				fmt.Sprintf("The %s sent %d Informational messages (%s) and the %s answered none.", who, len(unanswered), what, other),
				"The "+other+" is down, rebooted and lost the ISAKMP SA, or the path between the gateways drops UDP 500/4500.",
				next), true
		}
	}
	return Finding{}, false
}

// authInferred: an IKEv2 IKE_AUTH response whose encrypted part begins with a notify is
// an error answer; AUTHENTICATION_FAILED is by far the most common.
func (s *Session) authInferred() []Finding {
	for _, m := range s.Messages {
		if m.ExchangeType != decode.ExchangeIKEAuth || !m.Response || m.Retransmit > 0 || m.ISAKMPIsV1() || m.Decrypted {
			continue
		}
		if first, ok := skFirst(m); ok && first == decode.PayloadNotify {
			return []Finding{s.newFinding(CodeAuthFailed, Error, "IKE_AUTH", []int{m.Frame}, m.Time,
				fmt.Sprintf("The responder answered IKE_AUTH with a notification only (the encrypted part of the %d-byte message begins with N and is %d bytes): the IKE SA was refused, most likely AUTHENTICATION_FAILED.", m.Size, skLen(m)),
				"A successful IKE_AUTH response begins with the responder's identity (IDr). A bare notification at this step is almost always AUTHENTICATION_FAILED: the pre-shared keys differ, or the identity or certificate the initiator presented is not accepted.",
				"Check the PSK and the identities on both sides (local/remote id), or the certificate chain and CA trust. With --keys ikescope reads the notification itself.").where(SettingPSK)}
		}
	}
	return nil
}

// skFirst returns the payload type that begins a message's SK payload, as its clear
// next-payload field says.
func skFirst(m *Msg) (decode.PayloadType, bool) { return m.skFirst, m.hasSK }

// skLen is the size of a message's SK payload body (IV, payloads, padding, checksum).
func skLen(m *Msg) int { return m.skLen }

// childInferred: an IKE_AUTH response that carries the identity but is too short to hold
// SA, TSi and TSr means the IKE SA is up and the CHILD_SA was refused.
func (s *Session) childInferred() []Finding {
	s.firstAuthOpen = false
	for _, m := range s.Messages {
		if m.ExchangeType != decode.ExchangeIKEAuth || !m.Response || m.Retransmit > 0 || m.ISAKMPIsV1() || m.Decrypted {
			continue
		}
		if !s.Established || m != s.lastAuthResponse() {
			continue // an EAP round or a refusal: not the answer that creates the CHILD_SA
		}
		first, ok := skFirst(m)
		room := skLen(m) - s.skOverhead()
		what, least, eap := "IDr, AUTH", minAuthWithChild, false
		if ok && first == decode.PayloadAuth && s.eapRounds() >= 5 {
			// After EAP the final answer has no IDr (RFC 7296 2.16).
			what, least, eap = "AUTH", minAuthWithChild-12, true
		} else if !ok || first != decode.PayloadIDr {
			continue
		}
		if room >= least {
			continue
		}
		cause := "The responder authenticated the initiator but would not create the IPsec SA: usually the traffic selectors do not match (TS_UNACCEPTABLE), the ESP proposals share no algorithm (NO_PROPOSAL_CHOSEN), or the responder failed to install the SA in its kernel."
		where := []string{SettingSelectors, SettingPhase2}
		if eap {
			cause = "The gateway authenticated the user (EAP) but would not create the IPsec SA: for a remote-access client most often INTERNAL_ADDRESS_FAILURE (its address pool had no address left for it), else the traffic selectors (TS_UNACCEPTABLE) or ESP proposals (NO_PROPOSAL_CHOSEN) do not match."
			where = append([]string{SettingUsers}, where...)
		}
		summary := fmt.Sprintf("The IKE SA came up but the responder's IKE_AUTH answer holds at most %d bytes of payloads (%d encrypted bytes): too few for %s and a CHILD_SA (SA, TSi, TSr), so the CHILD_SA was most likely refused.", room, skLen(m), what)
		next := "Compare the traffic selectors and ESP proposals of both gateways and read the responder's log. With --keys ikescope names the notification."
		if after, ok := s.afterFirstAuth(m); !eap && m.MessageID == 1 && ok && after == "" && !s.stoppedEarly {
			// As small as the first round of EAP, and the capture ends before the
			// initiator could be seen to go on or not: nothing to say yet.
			s.firstAuthOpen = true
			return nil
		} else if !eap && m.MessageID == 1 && ok {
			// The answer to the first IKE_AUTH, and the initiator went no further: as
			// small as the first round of EAP, which the initiator would continue.
			summary = fmt.Sprintf("The responder's first IKE_AUTH answer holds at most %d bytes of payloads (%d encrypted bytes): too few for IDr, AUTH and a CHILD_SA (SA, TSi, TSr). Either the IKE SA came up and the CHILD_SA was refused, or it is the first round of EAP (the gateway asks for the user's identity) and the initiator did not go on%s.", room, skLen(m), after)
			cause += " With EAP (remote-access clients), the gateway's first answer carries its identity, its authentication and an EAP request: a client that stops there did not accept the gateway's certificate or authentication, or has no credentials for the EAP method."
			where = append(where, SettingUsers)
			next = "If the initiator is a remote-access client, read its log (Windows: the event log's RasClient errors, e.g. 13801 for the gateway's certificate) and check the gateway's certificate and EAP method; otherwise compare the traffic selectors and ESP proposals. With --keys ikescope reads the payloads."
		}
		return []Finding{s.newFinding(CodePhase2Stalled, Warning, "IKE_AUTH", []int{m.Frame}, m.Time, summary, cause, next).where(where...)}
	}
	return nil
}

// afterFirstAuth reports whether the initiator went no further after the answer to its
// first IKE_AUTH: it sent nothing more, or only an INFORMATIONAL whose encrypted part
// begins with a notification, as an initiator that rejects the responder's
// authentication does (RFC 7296 2.21.2); what says which, for the finding's text.
func (s *Session) afterFirstAuth(resp *Msg) (string, bool) {
	note := ""
	for _, o := range s.Messages {
		if !o.Time.After(resp.Time) || !o.FromInitiator || o.Retransmit > 0 {
			continue
		}
		if first, ok := skFirst(o); ok && first == decode.PayloadNotify && o.ExchangeType == decode.ExchangeInformational && !o.Response && note == "" {
			note = fmt.Sprintf(": it then sent an INFORMATIONAL that begins with a notification (frame %d), as an initiator that rejects the responder's authentication does (RFC 7296 2.21.2)", o.Frame)
			continue
		}
		return "", false
	}
	return note, true
}

// minAuthWithChild is the least an IKE_AUTH response carrying a CHILD_SA holds: IDr (12),
// AUTH with a 20-byte PRF output (28), an ESP proposal with cipher, integrity and ESN
// transforms (40), and one IPv4 selector in each of TSi and TSr (48).
const minAuthWithChild = 128

// skOverhead is the smallest number of bytes of an SK payload that are not payloads: the
// IV and the integrity checksum of the negotiated algorithms (padding at least 1 byte).
func (s *Session) skOverhead() int {
	if s.Chosen == nil || len(s.Chosen.Encryption) == 0 {
		return 8 + 12 + 1 // the smallest combination (3DES or an AEAD, 96-bit ICV)
	}
	enc := s.Chosen.Encryption[0]
	iv, icv := 16, 12
	switch {
	case strings.HasPrefix(enc, "AES-GCM-"), strings.HasPrefix(enc, "AES-CCM-"):
		iv = 8
		fmt.Sscanf(enc[len("AES-GCM-"):], "%d", &icv)
		return iv + icv + 1
	case strings.HasPrefix(enc, "ChaCha20"):
		return 8 + 16 + 1
	case strings.HasPrefix(enc, "3DES"), strings.HasPrefix(enc, "DES"), strings.HasPrefix(enc, "AES-CTR"), strings.HasPrefix(enc, "Blowfish"):
		iv = 8
	}
	if len(s.Chosen.Integrity) > 0 {
		switch i := s.Chosen.Integrity[0]; {
		case strings.HasSuffix(i, "-128"):
			icv = 16
		case strings.HasSuffix(i, "-192"):
			icv = 24
		case strings.HasSuffix(i, "-256"):
			icv = 32
		}
	}
	return iv + icv + 1
}

// deleteInferred: an IKEv2 INFORMATIONAL request whose encrypted part begins with a Delete.
func (s *Session) deleteInferred() []Finding {
	var out []Finding
	for _, m := range s.Messages {
		if m.ExchangeType != decode.ExchangeInformational || m.Response || m.Retransmit > 0 || m.ISAKMPIsV1() || m.Decrypted {
			continue
		}
		if first, ok := skFirst(m); ok && first == decode.PayloadDelete {
			out = append(out, s.newFinding(CodeDeleted, Info, "INFORMATIONAL/"+fmt.Sprint(m.Frame), []int{m.Frame}, m.Time,
				s.inferredDeleteText(m),
				"A Delete ends an IKE or CHILD SA on purpose: shutdown, rekey, an administrator, or an error the peer detected.",
				"If the tunnel should still be up, read the "+side(m.FromInitiator)+"'s log at this time. With --keys ikescope shows which SA."))
		}
	}
	return out
}

func (s *Session) natFindings() []Finding {
	nat := s.NAT
	if nat == nil {
		return nil
	}
	var out []Finding
	t := s.First
	if nat.InitiatorBehindNAT || nat.ResponderBehindNAT {
		// One buffer: every session behind a NAT (or forcing UDP encapsulation) gets
		// this finding, so it is written without a string a name.
		var real, claimed [2]netip.AddrPort
		var realWho, claimedWho [2]string
		nr, nc := 0, 0
		for _, x := range [2]struct {
			who               string
			ap                netip.AddrPort
			behind, confirmed bool
		}{
			// Where each side was when it sent its NAT-D (it may have moved since).
			{"the initiator (", s.firstFrom(true, s.Initiator), nat.InitiatorBehindNAT, nat.InitiatorTranslated},
			{"the responder (", s.firstFrom(false, s.Responder), nat.ResponderBehindNAT, nat.ResponderTranslated},
		} {
			switch {
			case x.confirmed:
				real[nr], realWho[nr] = x.ap, x.who
				nr++
			case x.behind:
				claimed[nc], claimedWho[nc] = x.ap, x.who
				nc++
			}
		}
		name := func(b []byte, who string, ap netip.AddrPort) []byte {
			return append(ap.Addr().AppendTo(append(b, who...)), ')')
		}
		b := make([]byte, 0, 320)
		b = append(b, "NAT detection: "...)
		if nr > 0 {
			b = name(append(b, "a NAT translates the address of "...), realWho[0], real[0])
			if nr == 2 {
				b = name(append(b, " and "...), realWho[1], real[1])
			}
			b = append(b, " (its peer hashed another address than the one in the packets)"...)
			if nc > 0 {
				b = append(b, "; "...)
			}
		}
		switch nc {
		case 1:
			b = name(append(b, "the NAT-D hash "...), claimedWho[0], claimed[0])
			b = append(b, " sends of its own address does not match it (behind a NAT, or forcing UDP encapsulation)"...)
		case 2:
			b = name(append(b, "the NAT-D hashes "...), claimedWho[0], claimed[0])
			b = name(append(b, " and "...), claimedWho[1], claimed[1])
			b = append(b, " send of their own addresses do not match them (behind NATs, or forcing UDP encapsulation)"...)
		}
		summary := string(append(b, '.'))
		cause := "A NAT device translates addresses or ports on the way, so IKE moves to UDP 4500 and ESP is carried in UDP."
		if nr == 0 {
			cause = "Either a NAT translates that side's address, or that side forces UDP encapsulation on purpose (strongSwan encap=yes, or a userland ESP backend such as kernel-libipsec), which it does by sending a deliberately wrong hash. From this capture point the two look the same; a capture on the other side of the suspected NAT tells them apart."
		}
		out = append(out, s.newFinding(CodeNATDetected, Info, "NAT-D", nat.refs, t,
			summary, cause,
			"Nothing to fix if the tunnel works. Make sure UDP 4500 passes both ways and that NAT keepalives keep the mapping open."))
		onNATT := s.Initiator.Port() == 4500 || s.Responder.Port() == 4500 // a reauthentication may begin on 4500
		if !s.Floated && !onNATT && s.pastNATD() {
			sev, cause := Error, "One side does not do NAT traversal (disabled, or an old implementation), so ESP will not pass the NAT."
			if s.Established {
				sev = Warning
				cause = "The negotiation still worked on UDP 500, so either no NAT really rewrites these packets (a gateway reports another address than it sends from) or one side does not do NAT traversal; ESP as IP protocol 50 will not pass a real NAT."
			}
			out = append(out, s.newFinding(CodeNATTProblem, sev, "NAT-D", nat.refs, t,
				"NAT was detected but IKE never moved from UDP 500 to 4500.", cause,
				"Enable NAT-T on both gateways (libreswan nat-traversal / encapsulation=yes, Cisco crypto isakmp nat-traversal) and allow UDP 4500; check the addresses each gateway believes it uses."))
		}
		for _, f := range s.ESP {
			if !f.Encap {
				out = append(out, s.newFinding(CodeNATTProblem, Error, "ESP", []int{f.firstRef}, f.First,
					fmt.Sprintf("NAT was detected but ESP (SPI %08x) travels as IP protocol 50, not inside UDP 4500.", f.SPI),
					"ESP on protocol 50 does not pass most NAT devices: the gateways negotiated UDP encapsulation but one side does not use it.",
					"Check that both sides use UDP-encapsulated ESP when NAT is detected (Cisco: crypto isakmp nat-traversal; strongSwan/libreswan do it by default)."))
				break
			}
		}
	}
	// Only when the silent side's first message, which carries its Vendor IDs, is in the
	// capture: one that began later has not seen it announce anything.
	if s.Version == 1 && nat.InitiatorOffers != nat.ResponderOffers && s.Reached != StepMM1 && s.Reached != StepAM1 &&
		s.sawFirstOf(!nat.InitiatorOffers) {
		who := "the initiator"
		if nat.ResponderOffers {
			who = "the responder"
		}
		sev := Info
		if nat.InitiatorBehindNAT || nat.ResponderBehindNAT {
			sev = Warning
		}
		out = append(out, s.newFinding(CodeNATTProblem, sev, "NAT-T VIDs", withFrames(nat.refs, s.phase1Frames()), t,
			"Only "+who+" announces NAT traversal (RFC 3947 or draft Vendor IDs).",
			"The other side has NAT-T disabled or does not support it; through a NAT the tunnel will not carry traffic.",
			"Enable NAT traversal on both gateways if there is any NAT between them."))
	}
	return out
}

// natRemapFindings reads where the session's ESP comes from and goes to. A side whose
// packets start coming from another UDP port, or another address, got a new mapping from
// a NAT on its path (its old one timed out, the NAT restarted or gave it another public
// address) or moved; the other side has to send to the new place, which RFC 7296 2.23
// makes it do on the next authenticated IKE message from there (many implementations
// also follow ESP, RFC 3948). One that keeps sending to the old place sends into a
// mapping the NAT no longer has: the tunnel carries traffic one way.
func (s *Session) natRemapFindings() []Finding {
	var out []Finding
	for _, side := range [2]bool{true, false} { // the initiator's mapping, then the responder's
		mv, ok := s.firstMove(side)
		if !ok {
			continue
		}
		// The other side: when it first sent to the new place, and its flows that went on
		// sending to the old one after the change.
		var followedAt time.Time
		followedRef := 0
		var stale []*ESPFlow
		for _, f := range s.ESP {
			if f.FromInitiator == side {
				continue
			}
			to := func(at time.Time, ref int) {
				if !at.Before(mv.at) && (followedAt.IsZero() || at.Before(followedAt)) {
					followedAt, followedRef = at, ref
				}
			}
			first := f.dstPort
			for _, m := range f.portMoves {
				if !m.dst {
					continue
				}
				if endpoint(f.Dst.Addr(), m.to, f.Encap) == mv.to {
					to(m.at, m.ref)
				}
				if first == f.dstPort {
					first = m.from
				}
			}
			if endpoint(f.Dst.Addr(), first, f.Encap) == mv.to {
				to(f.First, f.firstRef)
			}
			if endpoint(f.Dst.Addr(), f.dstPort, f.Encap) == mv.from && f.Last.After(mv.at) {
				stale = append(stale, f)
			}
		}
		who, other := "initiator", "responder"
		if !side {
			who, other = other, who
		}
		change := fmt.Sprintf("From frame %d the %s's ESP comes from UDP port %d instead of %d: a NAT on its path gave %s a new mapping.",
			mv.ref, who, mv.to.Port(), mv.from.Port(), mv.to.Addr())
		place, old := fmt.Sprintf("port %d", mv.to.Port()), fmt.Sprintf("port %d", mv.from.Port())
		if mv.to.Addr() != mv.from.Addr() {
			change = fmt.Sprintf("From frame %d the %s's ESP comes from %s instead of %s: a NAT on its path gave it another public address, or it moved to another network (MOBIKE).",
				mv.ref, who, mv.to.Addr(), mv.from.Addr())
			place, old = mv.to.Addr().String(), mv.from.Addr().String()
		}
		switch {
		case len(stale) > 0:
			last := stale[0]
			for _, f := range stale {
				if f.Last.After(last.Last) {
					last = f
				}
			}
			sev, why := Warning, fmt.Sprintf(" The %s still sends its ESP to %s (the last at frame %d, %s after the change), into a mapping the NAT may no longer have: that direction of the tunnel is lost until an IKE message from %s moves the %s (RFC 7296 2.23).",
				other, old, last.lastRef, secs(last.Last.Sub(mv.at)), place, other)
			if s.ikeFromBetween(side, mv.to, mv.at, last.Last) {
				sev = Error
				why = fmt.Sprintf(" The %s still sends its ESP to %s (the last at frame %d, %s after the change) although an IKE message came from %s: it does not follow, and its traffic no longer reaches the %s.",
					other, old, last.lastRef, secs(last.Last.Sub(mv.at)), place, who)
			}
			out = append(out, s.newFinding(CodeNATTProblem, sev, "ESP ports", []int{mv.ref, last.lastRef}, mv.at,
				change+why,
				"The NAT dropped the old mapping (its UDP timeout is shorter than the NAT keepalive or liveness-check interval, or it restarted or failed over) and gave the next packet a new one. The other side moves only when it sees the new place (an authenticated IKE message from it; some implementations also follow ESP).",
				"Send NAT keepalives more often than the NAT's UDP timeout (strongSwan keep_alive, libreswan keep-alive, Cisco crypto isakmp nat keepalive), turn on liveness checks (DPD) so that an IKE message from the new place moves the peer, or raise the NAT's UDP timeout for port 4500."))
		case !followedAt.IsZero():
			out = append(out, s.newFinding(CodeNATDetected, Info, "ESP ports", []int{mv.ref, followedRef}, mv.at,
				change+fmt.Sprintf(" The %s followed it (frame %d, %s later).", other, followedRef, secs(followedAt.Sub(mv.at))),
				"A NAT mapping timed out, the NAT restarted, or the side moved; the peers coped with it.",
				"Nothing to fix while the tunnel works. If it happens often, send NAT keepalives more often than the NAT's UDP timeout."))
		}
	}
	return out
}

// moveFindings reports a side whose IKE messages, in the same IKE SA, came from another
// address: it moved (MOBIKE, RFC 4555: an INFORMATIONAL with UPDATE_SA_ADDRESSES from the
// new address) or a NAT gave it another public address (RFC 7296 2.23 lets the other side
// follow an authenticated message). Whether the other side followed is what matters: its
// later messages going to the old address do not reach the side.
func (s *Session) moveFindings() []Finding {
	var out []Finding
	done := [2]bool{}
	for _, mv := range s.settledMoves() {
		i := 0
		if mv.initiator {
			i = 1
		}
		if done[i] {
			continue // the first move of each side speaks for the rest
		}
		done[i] = true
		who, other := side(mv.initiator), side(!mv.initiator)
		how := "it moved to another address (MOBIKE, RFC 4555) or a NAT on its path gave it another public address"
		if s.mobikeUpdate(mv) {
			how = "it moved to another address and said so with UPDATE_SA_ADDRESSES (MOBIKE, RFC 4555)"
		}
		summary := fmt.Sprintf("From frame %d the %s's IKE messages use %s instead of %s, in the same IKE SA: %s.", mv.frame, who, mv.to, mv.from, how)
		// The other side follows when it sends a request of its own to the new address:
		// an answer goes back to where its request came from anyway (RFC 7296 2.11).
		var followed, stale *Msg
		for _, m := range s.Messages {
			if m.FromInitiator == mv.initiator || m.Time.Before(mv.at) || m.Retransmit > 0 {
				continue
			}
			switch m.Dst.Addr() {
			case mv.to.Addr():
				if followed == nil && (!m.Response || !m.v2) {
					followed = m
				}
			case mv.from.Addr():
				stale = m
			}
		}
		sev, frames := Info, []int{mv.frame}
		cause := "A roaming client (Wi-Fi to mobile data), a gateway with several uplinks failing over, or a NAT that restarted or ran out of mappings. The peers keep the IKE SA; its CHILD_SAs move with it (or are rekeyed)."
		next := "Nothing to fix while the tunnel works."
		switch {
		case stale != nil && (followed == nil || stale.Time.After(followed.Time)):
			sev = Warning
			frames = append(frames, stale.Frame)
			summary += fmt.Sprintf(" The %s still sends to the old address afterwards (frame %d): those messages do not reach the %s.", other, stale.Frame, who)
			cause = "The " + other + " did not take the new address: it does not do MOBIKE (no MOBIKE_SUPPORTED in IKE_AUTH) or ignores the update, or the new address reached it only through a NAT it does not follow (RFC 7296 2.23 lets a side follow an authenticated IKE message from a new address behind a NAT)."
			next = "Enable MOBIKE on both sides (strongSwan mobike = yes, the default; Windows and iOS clients use it) or NAT traversal, and read the " + other + "'s log at this time."
		case followed != nil:
			frames = append(frames, followed.Frame)
			summary += fmt.Sprintf(" The %s followed: its own next request goes to the new address (frame %d).", other, followed.Frame)
		default:
			for _, f := range s.ESP {
				if f.FromInitiator != mv.initiator && f.Dst.Addr() == mv.to.Addr() && f.First.After(mv.at) {
					frames = append(frames, f.firstRef)
					summary += fmt.Sprintf(" The %s followed: its ESP goes to the new address (frame %d).", other, f.firstRef)
					break
				}
			}
		}
		out = append(out, s.newFinding(CodeNATDetected, sev, "IKE address "+who, frames, mv.at, summary, cause, next))
	}
	return out
}

// mobikeUpdate reports whether an UPDATE_SA_ADDRESSES (readable with keys) came from the
// new address of a move.
func (s *Session) mobikeUpdate(mv addrMove) bool {
	for _, m := range s.Messages {
		if m.FromInitiator == mv.initiator && m.Src == mv.to && slices.ContainsFunc(m.Notifies, func(n NotifyInfo) bool { return n.Type == decode.NotifyUpdateSAAddresses }) {
			return true
		}
	}
	return false
}

// endpointMove is a change of where one side's ESP comes from: its UDP port, its address.
type endpointMove struct {
	from, to netip.AddrPort // with port 0 for ESP on IP protocol 50
	at       time.Time
	ref      int
}

// endpoint is where an ESP packet comes from or goes to: the address, and the UDP port
// for ESP in UDP.
func endpoint(a netip.Addr, port uint16, encap bool) netip.AddrPort {
	if !encap {
		port = 0
	}
	return netip.AddrPortFrom(a, port)
}

// firstMove finds the first change of where the initiator's (or the responder's) ESP
// comes from: a flow's source port changing, or an SA's packets coming from another
// address than before.
func (s *Session) firstMove(side bool) (endpointMove, bool) {
	var mv endpointMove
	found := false
	take := func(m endpointMove) {
		if !found || m.at.Before(mv.at) {
			mv, found = m, true
		}
	}
	for _, f := range s.ESP {
		if f.FromInitiator != side {
			continue
		}
		for _, m := range f.portMoves {
			if !m.dst {
				take(endpointMove{endpoint(f.Src.Addr(), m.from, true), endpoint(f.Src.Addr(), m.to, true), m.at, m.ref})
			}
		}
		// The same SPI from another address: the flow before it, by the time it began.
		for _, g := range s.ESP {
			if g.SPI != f.SPI || g.FromInitiator != side || g.Src.Addr() == f.Src.Addr() || !g.First.Before(f.First) || g.Last.After(f.Last) ||
				g.capture != f.capture || len(g.sights) > 1 || len(f.sights) > 1 {
				continue
			}
			firstPort := f.srcPort
			for _, m := range f.portMoves {
				if !m.dst {
					firstPort = m.from
					break
				}
			}
			take(endpointMove{endpoint(g.Src.Addr(), g.srcPort, g.Encap), endpoint(f.Src.Addr(), firstPort, f.Encap), f.First, f.firstRef})
		}
	}
	return mv, found
}

// Which side of an SA the capture does not see (Session.unseen).
const (
	unseenNone = iota
	unseenInitiator
	unseenResponder
)

// unseenSide finds a side of the SA the capture holds no IKE message from although the
// other side's messages show, twice at least, that it sent some: answers to its requests
// (not the first message the capture holds of the SA, which may answer a request sent
// before the capture began), or requests only an answer from it lets the sender make
// (movedOn). The capture point then sees one direction only, and that side's silence, in
// IKE or in ESP, means nothing. proof is the first packet that shows it.
func (s *Session) unseenSide() (which int, proof oneWayProof) {
	var fromI, fromR bool
	for _, m := range s.Messages {
		if m.FromInitiator {
			fromI = true
		} else {
			fromR = true
		}
	}
	if fromI == fromR || s.Version == 1 && !s.RolesKnown {
		return unseenNone, proof // both sides seen, or which is which is a guess
	}
	which = unseenInitiator
	if fromI {
		which = unseenResponder
	}
	// Two pieces of evidence at least: one missing packet may be the capture's own loss.
	n := 0
	for i, m := range s.Messages {
		if m.Retransmit > 0 || m.laterFragment {
			continue
		}
		var ps [2]oneWayProof
		switch {
		case m.Response && i > 0:
			ps[0] = oneWayProof{m.Frame, m.Time, fmt.Sprintf("answers its requests (frame %d: %s)", m.Frame, m.Step)}
		case needsReply(m.exchange, m):
			ps[0] = s.wentOnAfter(m)
		}
		if m.Step == StepQM2 {
			// ESP from QM2's sender on a new SA: it got the QM3 the capture lacks.
			if f := s.childESPAfter(m); f != nil {
				ps[1] = espProof(f, m)
			}
		}
		for _, p := range ps {
			if p.how != "" {
				if n++; proof.how == "" {
					proof = p
				}
			}
		}
		if n >= 2 {
			break
		}
	}
	if n < 2 {
		return unseenNone, oneWayProof{}
	}
	return which, proof
}

// wentOnAfter is what shows that req's sender got the answer the capture lacks: its next
// request only an answer allows (movedOnBy), or its ESP on an SA only the answer gives
// (childESPAfter); empty when nothing does.
func (s *Session) wentOnAfter(req *Msg) oneWayProof {
	if next := s.movedOnBy(req); next != nil {
		return oneWayProof{next.Frame, next.Time, fmt.Sprintf("goes on as only its answers let it (frame %d: %s)", next.Frame, next.Step)}
	}
	if f := s.childESPAfter(req); f != nil {
		return espProof(f, req)
	}
	return oneWayProof{}
}

// espProof is ESP on an SA created after m: only the answer the capture lacks gave it.
func espProof(f *ESPFlow, m *Msg) oneWayProof {
	return oneWayProof{f.firstRef, f.First, fmt.Sprintf("goes on as only its answers let it (frame %d: ESP on SPI %08x, an SA created after the %s)", f.firstRef, f.SPI, m.Step)}
}

// oneWayProof is a packet that shows the side a capture does not see sent something: its
// frame (a reference), when, and how it shows it.
type oneWayProof struct {
	frame int
	at    time.Time
	how   string
}

// captureOneWay says that the capture sees one direction of the SA only.
func (s *Session) captureOneWay() []Finding {
	which, proof := s.unseenSide()
	s.unseen = which
	if which == unseenNone {
		return nil
	}
	silent, seen := "initiator", "responder"
	addr := s.Initiator.Addr()
	if which == unseenResponder {
		silent, seen, addr = seen, silent, s.Responder.Addr()
	}
	how := "the " + seen + " " + proof.how
	esp := ""
	for _, f := range s.ESP {
		if f.FromInitiator == (which == unseenResponder) {
			esp = fmt.Sprintf(" ESP from the %s only is all this capture point can see; the %s's passes elsewhere.", seen, silent)
			break
		}
	}
	return []Finding{s.newFinding(CodeCaptureOneWay, Info, "capture", []int{proof.frame}, proof.at,
		fmt.Sprintf("The capture holds no packet of this SA from the %s (%s), yet %s: this capture point sees one direction only, and nothing is concluded from the %s's silence.%s",
			silent, addr, how, silent, esp),
		"The two directions take different paths (asymmetric routing, several uplinks, a cluster), the port mirror (SPAN) copies one direction only, or a capture filter keeps one source (src host ...).",
		"Capture where both directions pass: on the gateway itself (tcpdump -i any), a mirror of both directions, or one capture on each path given to ikescope together.")}
}

// ikeFromBetween reports whether an IKE message came from the initiator's (or the
// responder's) side from where after from and before to.
func (s *Session) ikeFromBetween(initiator bool, where netip.AddrPort, from, to time.Time) bool {
	for _, m := range s.Messages {
		if m.FromInitiator == initiator && m.Time.After(from) && m.Time.Before(to) &&
			m.Src.Addr() == where.Addr() && (where.Port() == 0 || m.Src.Port() == where.Port()) {
			return true
		}
	}
	return false
}

// firstFrom is where the initiator's (or the responder's) first message came from; or
// else when the capture holds none.
func (s *Session) firstFrom(initiator bool, or netip.AddrPort) netip.AddrPort {
	for _, m := range s.Messages {
		if m.FromInitiator == initiator {
			return m.Src
		}
	}
	return or
}

// sawFirstOf reports whether the capture holds the first Phase 1 message of the
// initiator (MM1, AM1) or of the responder (MM2, AM2), where IKEv1 peers announce
// their features.
func (s *Session) sawFirstOf(initiator bool) bool {
	for _, m := range s.Messages {
		if m.FromInitiator == initiator && (m.Step == StepMM1 || m.Step == StepAM1 || m.Step == StepMM2 || m.Step == StepAM2) {
			return true
		}
	}
	return false
}

// pastNATD reports whether the negotiation went beyond the messages that carry NAT-D, the
// point where NAT traversal moves IKE to UDP 4500.
func (s *Session) pastNATD() bool {
	for _, m := range s.Messages {
		switch {
		case m.Step == StepMM5, m.Step == StepAM3, m.ExchangeType == decode.ExchangeIKEAuth, m.ExchangeType == decode.ExchangeQuickMode:
			return true
		}
	}
	return false
}

// weakness names what is weak in a proposal, graded as RFC 8247 grades it for IKE:
// broken (MUST NOT: DES, MD5, MODP 768, no encryption) or deprecated (SHOULD NOT or
// kept for interoperability only: 3DES and the other 64-bit block ciphers, SHA-1,
// MODP 1024 and 1536). Ciphers and groups go by the names the proposal tables give
// them; hash functions by theirs and their role: "MD5 hash" (IKEv1, where the hash is
// also the PRF), "HMAC-SHA1 PRF", "HMAC-MD5-96 integrity" (IKEv2). RFC 8247 gives no
// rule for IKEv1; its grades for the same algorithms apply.
func weakness(p Proposal, v2 bool) (broken, deprecated []string) {
	for _, e := range p.Encryption {
		for _, w := range []string{"DES", "DES-IV64", "NULL"} {
			if e == w || strings.HasPrefix(e, w+"-") {
				broken = append(broken, e)
			}
		}
		for _, w := range []string{"3DES", "Blowfish", "CAST", "IDEA"} {
			if e == w || strings.HasPrefix(e, w+"-") {
				deprecated = append(deprecated, e)
			}
		}
	}
	hash := func(name, role string) {
		switch {
		case strings.Contains(name, "MD5"):
			broken = append(broken, name+" "+role)
		case strings.Contains(name, "SHA1"):
			deprecated = append(deprecated, name+" "+role)
		}
	}
	if v2 {
		for _, h := range p.PRF {
			hash(h, "PRF")
		}
		for _, h := range p.Integrity {
			if strings.Contains(h, "MD5") { // HMAC-SHA1-96 is still required of IKEv2 implementations
				hash(h, "integrity")
			}
		}
	} else if p.Protocol != "ESP" {
		for _, h := range p.Integrity {
			hash(h, "hash")
		}
	} else {
		for _, h := range p.Integrity {
			// RFC 8221: HMAC-MD5-96 MUST NOT; HMAC-SHA1-96 is still required.
			if strings.Contains(h, "MD5") {
				hash(h, "integrity")
			}
		}
	}
	for i, g := range p.GroupIDs {
		bits := decode.DHGroupBits(g)
		switch {
		case !strings.HasPrefix(p.Groups[i], "MODP") || bits == 0 || bits >= 2048:
		case bits < 1024:
			broken = append(broken, p.Groups[i])
		default:
			deprecated = append(deprecated, p.Groups[i])
		}
	}
	return broken, deprecated
}

// weakText lists weak algorithms by grade: "broken: DES, MD5 hash; deprecated: MODP_1024".
func weakText(broken, deprecated []string) string {
	var parts []string
	if len(broken) > 0 {
		parts = append(parts, "broken: "+strings.Join(dedupe(broken), ", "))
	}
	if len(deprecated) > 0 {
		parts = append(parts, "deprecated: "+strings.Join(dedupe(deprecated), ", "))
	}
	return strings.Join(parts, "; ")
}

// weakCause says what the grades mean, claiming no more than the weakest algorithm allows.
func weakCause(broken, deprecated []string) string {
	var out []string
	if len(broken) > 0 {
		out = append(out, "Broken algorithms (MUST NOT in RFC 8247 for IKE, RFC 8221 for ESP) have practical attacks on the algorithm itself (DES keys and DH groups of 768 bits or less are searched through, MD5 collides, NULL protects nothing): none should protect a tunnel today, even where the way IKE uses it is not yet attacked.")
	}
	if len(deprecated) > 0 {
		out = append(out, "Deprecated algorithms (RFC 8247, NIST SP 800-131A) are not broken in practice, but their security margin is too small: keep them only for old peers that cannot do better.")
	}
	return strings.Join(out, " ")
}

func (s *Session) cryptoFindings() []Finding {
	var out []Finding
	v2 := s.Version == 2
	frames := s.phase1Frames()
	if s.Chosen != nil {
		if broken, deprecated := weakness(*s.Chosen, v2); len(broken)+len(deprecated) > 0 {
			out = append(out, s.newFinding(CodeWeakCrypto, Warning, "Phase 1", frames, s.First,
				"The negotiated Phase 1 proposal uses weak algorithms ("+weakText(broken, deprecated)+").",
				weakCause(broken, deprecated),
				"Move both gateways to AES-GCM or AES-CBC with SHA-256 or better and DH group 14, 19 or higher.").where(SettingProposals))
		}
	} else if len(s.Offered) > 0 {
		var broken, deprecated []string
		for _, p := range s.Offered {
			b, d := weakness(p, v2)
			broken, deprecated = append(broken, b...), append(deprecated, d...)
		}
		if len(broken)+len(deprecated) > 0 {
			out = append(out, s.newFinding(CodeWeakCrypto, Info, "Phase 1 offer", frames, s.First,
				"The initiator offers weak algorithms among its proposals ("+weakText(broken, deprecated)+").",
				"A responder that accepts them would protect the tunnel weakly. "+weakCause(broken, deprecated),
				"Remove them from the offer.").where(SettingProposals))
		}
	}
	if p := s.Phase2Chosen; p != nil {
		// Known with keys: what protects the traffic itself.
		var clear []string
		rest := *p
		rest.Encryption = nil
		for _, e := range p.Encryption {
			if e == "NULL" || strings.Contains(e, "NULL_AUTH") {
				clear = append(clear, e)
			} else {
				rest.Encryption = append(rest.Encryption, e)
			}
		}
		broken, deprecated := weakness(rest, v2)
		var said []string
		if len(clear) > 0 {
			said = append(said, fmt.Sprintf("encrypts nothing (%s: integrity only), so the tunnel's traffic crosses the network readable by anyone on the path", strings.Join(clear, ", ")))
		}
		if len(broken)+len(deprecated) > 0 {
			said = append(said, "uses weak algorithms ("+weakText(broken, deprecated)+")")
		}
		if len(said) > 0 {
			cause := weakCause(broken, deprecated)
			if len(clear) > 0 {
				cause = strings.TrimSpace("NULL encryption and AES-GMAC (RFC 4543) authenticate ESP packets without encrypting them: chosen on purpose where traffic must stay visible, by mistake otherwise. " + cause)
			}
			next := "Move the IPsec SA's proposal on both gateways to AES-GCM, or AES-CBC with HMAC-SHA-256, and a PFS group of 14, 19 or higher."
			if len(clear) > 0 {
				next = "Give both gateways an encrypting ESP proposal (AES-GCM, or AES-CBC with SHA-256) for this connection, unless readable traffic is intended."
			}
			out = append(out, s.newFinding(CodeWeakCrypto, Warning, "Phase 2", s.phase2Frames(), s.First,
				"The negotiated IPsec SA "+strings.Join(said, ", and ")+".",
				cause, next).where(SettingPhase2))
		}
	}
	if s.Mode == "Aggressive" && (s.Auth == "PSK" || s.Auth == "XAUTH-PSK") {
		out = append(out, s.newFinding(CodeAggressivePSK, Warning, "Aggressive Mode", frames, s.First,
			"Aggressive Mode with a pre-shared key.",
			"The identity travels in clear, and the responder's hash (AM2) lets anyone who captured it test pre-shared keys offline (ike-scan/psk-crack).",
			"Use Main Mode or IKEv2, or certificates; if Aggressive Mode must stay, use a long random PSK."))
	}
	return out
}

func dedupe(v []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range v {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// phase2Frames are the messages that negotiate IPsec SAs: Quick Mode, IKE_AUTH,
// CREATE_CHILD_SA.
func (s *Session) phase2Frames() []int {
	var out []int
	for _, m := range s.Messages {
		if m.Retransmit == 0 && (m.ExchangeType == decode.ExchangeQuickMode || m.ExchangeType == decode.ExchangeIKEAuth || m.ExchangeType == decode.ExchangeCreateChildSA) {
			out = append(out, m.Frame)
		}
	}
	return capInts(out, 10)
}

func (s *Session) phase1Frames() []int {
	var out []int
	for _, m := range s.Messages {
		if m.Retransmit == 0 && (m.Step == StepMM1 || m.Step == StepMM2 || m.Step == StepAM1 || m.Step == StepAM2 || m.ExchangeType == decode.ExchangeIKESAInit) {
			out = append(out, m.Frame)
		}
	}
	return out
}

func (s *Session) phase2Findings(now time.Time, opts Options) []Finding {
	// Only a Phase 1 seen to complete here: a capture that began later shows an SA
	// whose Quick Modes may simply be older than the capture.
	if s.Version != 1 || !s.Established || s.Phase2 > 0 || s.Reached != StepMM6 && s.Reached != StepAM3 {
		return nil
	}
	if slices.ContainsFunc(s.Exchanges, func(ex *Exchange) bool { return ex.Type == decode.ExchangeTransaction }) {
		// XAUTH or Mode Config ran after Phase 1: Quick Mode waits for them, and the
		// remote-access layer (user-auth-failed, no-virtual-ip) says why none came.
		return nil
	}
	at, frame := s.establishedAt, s.establishedFrame
	if now.Sub(at) < phase2Wait {
		return nil
	}
	return []Finding{s.newFinding(CodePhase2Missing, Warning, "Quick Mode", []int{frame}, at,
		fmt.Sprintf("Phase 1 completed (frame %d) but no Quick Mode followed in %s.", frame, s.wentOn(now.Sub(at))),
		"Nothing asked for an IPsec SA: no traffic matched a policy that requires IPsec, or the connection is configured to bring up Phase 1 only (auto=add/start without traffic, or on-demand).",
		"Check the security policy (SPD) for the protected subnets (ip xfrm policy, setkey -DP, show crypto map) and send traffic that matches it; with strongSwan start the child with swanctl --initiate --child NAME.")}
}

// wentOn says how long the capture went on after a moment, d, for a sentence that says
// nothing came in that time: to the end of the capture, or, for an SA finished while
// the capture still ran (quiet past the idle timeout), to when it was finished: the end
// is not known then.
func (s *Session) wentOn(d time.Duration) string {
	if s.closedBeforeEnd {
		return "the " + secs(d) + " after it, when ikescope stopped waiting (the capture went on)"
	}
	return "the " + secs(d) + " the capture went on"
}

// oneWayLongEnough reports whether the capture went on long enough after the first ESP
// of the one direction that has any for the other to have answered it (espAnswerWait). A capture that
// ends milliseconds after a tunnel's first packet proves nothing about the way back.
func (s *Session) oneWayLongEnough(fromI, fromR []*ESPFlow, now time.Time, opts Options) bool {
	flows := fromI
	if len(flows) == 0 {
		flows = fromR
	}
	var first, last time.Time
	packets, lastRef := 0, 0
	for _, f := range flows {
		packets += f.Packets
		if first.IsZero() || f.First.Before(first) {
			first = f.First
		}
		if f.Last.After(last) || f.Last.Equal(last) && f.lastRef > lastRef {
			last, lastRef = f.Last, f.lastRef
		}
	}
	if packets < 2 {
		return false // one packet: its answer may have come by another SA, or its request before the capture
	}
	// The CHILD_SA's negotiation not in the capture, which flows are its own is a guess:
	// any ESP back between the two addresses shows the way back works.
	back := s.espFrom[0] // from the responder's address
	if len(fromI) == 0 {
		back = s.espFrom[1]
	}
	if s.Phase2Done == 0 && !back.IsZero() {
		return false
	}
	wait := s.espAnswerWait(opts.ReplyTimeout)
	if last.Sub(first) >= wait || now.Sub(first) >= wait && s.Phase2Done > 0 {
		return true
	}
	// Or the silent side sent IKE while the one-way ESP went on: the capture sees its
	// direction, and it was there to answer, whatever the clock says.
	silentInit := len(fromI) == 0
	for _, m := range s.Messages {
		if m.FromInitiator != silentInit {
			continue
		}
		after := m.Time.After(first) || m.Time.Equal(first) && m.Frame > flows[0].firstRef
		before := m.Time.Before(last) || m.Time.Equal(last) && m.Frame < lastRef
		if after && before {
			return true
		}
	}
	return false
}

// answerWait is how long the capture must go on for an answer to be due: three of the
// SA's slowest IKE round trips (an answer takes about one), or the reply timeout when
// that is shorter or no exchange shows a round trip.
func (s *Session) answerWait(replyTimeout time.Duration) time.Duration {
	if rtt := s.slowestRoundTrip(); rtt > 0 && 3*rtt < replyTimeout {
		return 3 * rtt
	}
	return replyTimeout
}

// minESPAnswer is the least time ESP back is due after ESP one way: twice the longest
// a TCP receiver may hold back its acknowledgement (500 ms, RFC 1122 4.2.3.2), so that
// what a tunnel carries has had time to be answered whatever the path.
const minESPAnswer = time.Second

// espAnswerWait is how long ESP one way must go on for an answer through the tunnel to
// be due: three of the SA's fastest IKE round trips (the path's delay; the slower ones
// hold the peer's own work, signatures, RADIUS, which ESP does not wait for), at least
// minESPAnswer, or the reply timeout when that is shorter or no exchange shows a round
// trip.
func (s *Session) espAnswerWait(replyTimeout time.Duration) time.Duration {
	rtt, _, anyCopy := s.roundTrips()
	if rtt == 0 {
		// Every answered exchange was retransmitted: the shortest time from a first copy
		// to its answer is more than the path's round trip, so the wait errs long.
		rtt = anyCopy
	}
	if rtt > 0 {
		return min(max(3*rtt, minESPAnswer), replyTimeout)
	}
	return replyTimeout
}

// slowestRoundTrip is the longest time an IKE request of the SA took to be answered,
// over exchanges answered at the first copy; 0 when none shows it.
func (s *Session) slowestRoundTrip() time.Duration {
	_, slowest, _ := s.roundTrips()
	return slowest
}

// roundTrips are the shortest and the longest times an IKE request of the SA took to
// be answered, over exchanges answered at the first copy, and the shortest from a
// request's first copy to its answer over all answered exchanges; 0 when none shows
// them. IKEv1 Transaction exchanges do not count: XAUTH's answer waits for a person to
// type.
func (s *Session) roundTrips() (fastest, slowest, anyCopy time.Duration) {
	for _, ex := range s.Exchanges {
		if ex.Type == decode.ExchangeTransaction {
			continue
		}
		var req *Msg
		for _, m := range ex.Messages {
			if !m.Response && req == nil {
				req = m
			} else if m.Response && req != nil {
				rtt := m.Time.Sub(req.Time)
				if anyCopy == 0 || rtt < anyCopy {
					anyCopy = rtt
				}
				if !slices.ContainsFunc(ex.Messages, func(m *Msg) bool { return m.Retransmit > 0 }) {
					// (a retransmission's wait is the sender's timer, not the path)
					if fastest == 0 || rtt < fastest {
						fastest = rtt
					}
					slowest = max(slowest, rtt)
				}
				break
			}
		}
	}
	return fastest, slowest, anyCopy
}

// duplicatesFinding says the capture holds some of the session's packets twice: at
// once (a router's capture sees each packet in and out) or shifted (two captures of the
// same packets merged into one file). Nil when it holds none twice.
func (s *Session) duplicatesFinding() []Finding {
	dups, dupFrames, shift := s.Duplicates, []int{}, s.copyShift
	for _, f := range s.ESP {
		dups += f.Duplicates
		shift = max(shift, f.copyShift)
		if f.Duplicates > 0 {
			dupFrames = append(dupFrames, f.firstRef)
		}
	}
	if dups == 0 {
		return nil
	}
	if shift >= time.Second {
		return []Finding{s.newFinding(CodeCaptureDuplicates, Info, "duplicates", dupFrames, s.First,
			fmt.Sprintf("%d packets of this session appear twice, up to %s apart: the same IKE message or ESP packet in the same IP datagram (the same IP identification).", dups, secs(shift)),
			"The file holds this traffic twice with shifted timestamps: two captures of the same packets merged into one (mergecap, or a capture on a bridge and on its port), their clocks that far apart. A retransmission is a new datagram with its own IP identification: these copies were not counted as retransmissions, and the session is read from the first copy of each message.",
			"Analyze the original captures as separate files, together (ikescope analyze a.pcap b.pcap): ikescope aligns their clocks and says where packets are lost between the two points.")}
	}
	return []Finding{s.newFinding(CodeCaptureDuplicates, Info, "duplicates", dupFrames, s.First,
		fmt.Sprintf("%d packets of this session appear twice within milliseconds (same ESP sequence number or the same IKE message).", dups),
		"The capture sees each packet twice: tcpdump -i any on a router (the packet in and out), or two capture points merged. This is the capture, not the gateways: duplicates were not counted as retransmissions.",
		"Capture on one interface (tcpdump -i IFACE) to get each packet once.")}
}

func (s *Session) espFindings(now time.Time, opts Options) []Finding {
	if !s.Established || s.Phase2Done == 0 && !s.childFromBefore() {
		return nil
	}
	var out []Finding
	// ESP is due once an IPsec SA exists: count from the first negotiation that made one.
	at, frame := s.firstChild()
	if len(s.ESP) == 0 {
		if now.Sub(at) < opts.ReplyTimeout {
			return nil
		}
		if s.remoteClient() {
			// A road warrior connected and sent nothing: users are idle as often as not.
			return []Finding{s.newFinding(CodeESPMissing, Info, "ESP", []int{frame}, at,
				fmt.Sprintf("The client connected but nothing went through the tunnel in %s.", s.wentOn(now.Sub(at))),
				"A remote-access user who is idle sends nothing; one who tried and got nothing through points at the traffic selectors the gateway pushed (split tunnel lists, the virtual IP's subnet), DNS settings, or the gateway's firewall and NAT rules for the address pool.",
				"If the user reports nothing working, compare the client's routes with the gateway's local selectors and check the gateway forwards (and NATs, for Internet access) traffic from the pool's addresses.")}
		}
		cause := "The tunnel is up but carries nothing: no traffic matches the negotiated traffic selectors (wrong source address, routing sends it elsewhere), or the capture does not see the interface ESP leaves by."
		if !s.Floated && s.Initiator.Port() != 4500 && s.Responder.Port() != 4500 && !s.TCP {
			// No NAT traversal: ESP travels as IP protocol 50, which a filter for IKE's
			// ports leaves out.
			cause += " Without NAT traversal ESP is IP protocol 50, not UDP: a capture filter of udp port 500 (or 4500) does not record it (add `or esp`)."
		}
		return []Finding{s.newFinding(CodeESPMissing, Warning, "ESP", []int{frame}, at,
			fmt.Sprintf("The negotiation completed but no ESP followed in %s.", s.wentOn(now.Sub(at))),
			cause,
			"Send traffic from an address inside the local subnet to one inside the remote subnet (ping -I), check routing towards the remote subnet, and check the firewall does not drop it before IPsec (ip xfrm state / ip xfrm policy show counters).")}
	}
	var fromI, fromR []*ESPFlow
	for _, f := range s.ESP {
		if f.FromInitiator {
			fromI = append(fromI, f)
		} else {
			fromR = append(fromR, f)
		}
	}
	if f, ok := s.espStopped(fromI, fromR, now, opts); ok {
		out = append(out, f)
	}
	if f, ok := s.espThroughOneWay(fromI, fromR); ok {
		out = append(out, f)
	}
	if (len(fromI) == 0 || len(fromR) == 0) && !(len(fromI) == 0 && s.unseen == unseenInitiator || len(fromR) == 0 && s.unseen == unseenResponder) && s.oneWayLongEnough(fromI, fromR, now, opts) {
		sender, silent := "initiator", "responder"
		flows := fromI
		if len(fromI) == 0 {
			sender, silent, flows = "responder", "initiator", fromR
		}
		var frames []int
		pk := 0
		for _, f := range flows {
			frames = append(frames, f.firstRef, f.lastRef)
			pk += f.Packets
		}
		cause := "The " + silent + " does not answer the tunnel traffic: a firewall drops ESP (IP protocol 50) or UDP 4500 in one direction, the " + silent + " fails to decrypt it (wrong keys after a one-sided rekey), or it decrypts it but has no route back / anti-spoofing (rp_filter) drops the inner packets."
		next := "On the " + silent + ", check the ESP SA's counters (ip xfrm state, show crypto ipsec sa: decaps vs encaps), the firewall for ESP/UDP 4500, and that the inner traffic has a route back into the tunnel. If the " + silent + "'s ESP could leave by another path than its IKE (policy routing, a second uplink), capture on the " + silent + " itself before concluding."
		if ex, n := s.qmUnconfirmed(silent == "initiator"); ex != nil {
			cause = fmt.Sprintf("The %s never completed Quick Mode %08x (it sent QM2 %d times: QM3 did not reach it or it refused it, see phase2-stalled), so it has no IPsec SA for this ESP and drops it.", silent, ex.MessageID, n)
			next = "Fix the Quick Mode first: capture on the " + silent + " to see whether QM3 arrives, and read its log."
		}
		out = append(out, s.newFinding(CodeESPOneWay, Error, "ESP", frames, flows[0].First,
			fmt.Sprintf("ESP flows only from the %s (%d packets); nothing comes back from the %s.%s", sender, pk, silent, oneWayInner(flows)),
			cause, next))
	}
	for _, f := range s.ESP {
		// A Delete names the SPI its sender receives on; ESP to it afterwards (beyond what
		// was in flight) goes to an SA that no longer exists.
		if d, ok := s.deleted[f.SPI]; ok && f.Last.Sub(d.Time) > time.Second {
			out = append(out, s.newFinding(CodeESPAnomaly, Warning, fmt.Sprintf("ESP %08x after Delete", f.SPI), []int{d.Frame, f.lastRef}, d.Time,
				fmt.Sprintf("ESP on SPI %08x goes on %s after the Delete for that SA (frame %d), until frame %d.", f.SPI, secs(f.Last.Sub(d.Time)), d.Frame, f.lastRef),
				"The sender did not take the Delete into account (it never arrived, or the sender ignores it), so it keeps using a stale SA that the receiver drops.",
				"Check that the Informational with the Delete reaches the sender (UDP 500/4500 in that direction) and read the sender's log; clearing the stale SA there (ip xfrm state, clear crypto sa) restores traffic."))
		}
		if f.SeqGaps > 0 && f.SeqRestarts == 0 {
			lost := int(f.LastSeq-f.FirstSeq) + 1 - f.Packets
			out = append(out, s.newFinding(CodeESPAnomaly, Warning, fmt.Sprintf("ESP %08x gaps", f.SPI), []int{f.firstRef, f.lastRef}, f.First,
				fmt.Sprintf("ESP sequence numbers on SPI %08x jump %s: %d of %d packets never passed this capture point.", f.SPI, times(f.SeqGaps), lost, lost+f.Packets),
				"Packets are lost between the sender and the capture point (a congested or lossy link, a policer, a queue that overflows), or the capture itself dropped them (see the kernel drop count of the capture).",
				"Check the capture's drop statistics, then the interfaces and links between the sender and this point for errors and drops."))
		}
		if f.SeqRestarts > 0 {
			out = append(out, s.newFinding(CodeESPAnomaly, Warning, fmt.Sprintf("ESP %08x", f.SPI), f.anomalyRefs, f.First,
				fmt.Sprintf("ESP sequence numbers on SPI %08x went backwards %s.", f.SPI, times(f.SeqRestarts)),
				"The sender restarted the SA without renegotiating it, or the capture sees duplicated or reordered packets (two capture points, or load-balanced paths).",
				"Check whether the sender rebooted or failed over at those times; the receiver's anti-replay window will drop the old numbers."))
		}
	}
	return out
}

// fragGrace is how soon after a datagram's first IP fragments the rest arrives: they
// are sent back to back, so a capture that ends sooner may simply not hold them.
const fragGrace = time.Second

func (s *Session) fragmentFindings(end captureEnd) []Finding {
	var lost, big []*Msg
	for _, m := range s.Messages {
		if m.Fragments == nil {
			continue
		}
		if !m.Fragments.Complete {
			lost = append(lost, m)
		} else {
			big = append(big, m)
		}
	}
	var out []Finding
	if len(lost) > 0 {
		m := lost[0]
		var frames []int
		for _, l := range lost {
			frames = append(frames, l.Fragments.Frames...)
		}
		evidence := ""
		for _, ic := range s.ICMP {
			if ic.Meaning == "fragment reassembly time exceeded" {
				frames = append(frames, ic.ref)
				if evidence == "" {
					evidence = fmt.Sprintf(" %s confirms it with ICMP reassembly time exceeded (frame %d).", ic.From, ic.ref)
				}
			}
		}
		f := s.newFinding(CodeFragmentsLost, Error, m.Step.String(), frames, m.Time,
			fmt.Sprintf("%d IKE message(s) from the %s came as IP fragments with pieces missing (the first at frame %d: %s).%s", len(lost), side(m.FromInitiator), m.Frame, fragmentText(m.Fragments), evidence),
			"A device on the path drops IP fragments (firewalls often drop non-first fragments), so large IKE messages (certificates in IKE_AUTH or MM5/MM6) never arrive whole.",
			"Enable IKE fragmentation on both sides (IKEv2 RFC 7383: strongSwan/libreswan fragmentation=yes; IKEv1: strongSwan fragmentation=yes, Cisco crypto isakmp fragmentation), or let the path pass fragments, or use smaller certificates.")
		if evidence == "" && !slices.ContainsFunc(lost, func(l *Msg) bool { return end.at.Sub(l.Time) >= fragGrace }) {
			// The capture ends right after the pieces it holds: the rest may have come.
			f.Severity = Warning
			when := "right after"
			if d := end.at.Sub(m.Time); d >= 10*time.Millisecond {
				when = secs(d) + " after"
			}
			f.Summary = fmt.Sprintf("%d IKE message(s) from the %s came as IP fragments, and the capture ends %s the first pieces, before the rest could be seen (the first at frame %d: %d bytes of it).",
				len(lost), side(m.FromInitiator), when, m.Frame, m.Fragments.Received)
			f.Cause = "IP fragments of one datagram are sent back to back: the rest of these would have come within milliseconds, after the last packet the capture holds. Unless the capture ran on, this shows no loss; if it did, a device on the path drops IP fragments."
			f.Next = "Capture a little longer to see whether the message completes; if large IKE messages fail whole captures too, enable IKE fragmentation on both sides (strongSwan/libreswan fragmentation=yes)."
		}
		out = append(out, f)
	}
	if len(big) > 0 && len(lost) == 0 && !s.Established {
		m := big[0]
		if f, ok := s.fragmentsStopHere(big); ok {
			return append(out, f)
		}
		out = append(out, s.newFinding(CodeFragmentsLost, Warning, m.Step.String(), framesOf(big), m.Time,
			fmt.Sprintf("%d IKE message(s) were sent as IP fragments and the negotiation did not complete.", len(big)),
			"No IKE fragmentation was used, so large messages depend on the path passing IP fragments; if a device beyond this capture point drops them the peer never sees the message.",
			"Enable IKE fragmentation on both sides (strongSwan/libreswan fragmentation=yes)."))
	}
	return out
}

// fragmentsStopHere: a capture that holds one side's other IKE messages twice (a router
// capturing on every interface sees each forwarded packet come in and go out) holds its
// messages sent as IP fragments once: they came in and went no further. As for ESP
// (espThroughOneWay), a single capture only.
func (s *Session) fragmentsStopHere(big []*Msg) (Finding, bool) {
	m := big[0]
	dup := s.dupIKE[0]
	if m.FromInitiator {
		dup = s.dupIKE[1]
	}
	if len(s.Captures) > 1 || dup == 0 || slices.ContainsFunc(big, func(b *Msg) bool { return b.seenTwice || b.FromInitiator != m.FromInitiator }) {
		return Finding{}, false
	}
	var frames []int
	for _, b := range big {
		frames = append(frames, b.Fragments.Frames...)
	}
	return s.newFinding(CodeFragmentsLost, Error, m.Step.String(), frames, m.Time,
		fmt.Sprintf("This capture holds the %s's other IKE messages twice, but its %s, sent in IP fragments %s (from frame %d), once each: they came in and went no further, and the negotiation did not complete.", side(m.FromInitiator), m.Step, times(len(big)), m.Frame),
		"Where the capture runs on a router or firewall between the gateways, on all its interfaces, each forwarded packet is seen coming in and going out: it drops IP fragments (many firewalls drop non-first fragments, or cannot reassemble them), so large IKE messages (certificates) never reach the peer. Where the file is two captures merged, the fragments left one point and never reached the other.",
		"Enable IKE fragmentation on both sides (IKEv2 RFC 7383: strongSwan/libreswan fragmentation=yes; IKEv1: strongSwan fragmentation=yes, Cisco crypto isakmp fragmentation), or let the device in between pass IP fragments."), true
}

// lastFrame is the frame of the session's last message.
func (s *Session) lastFrame() int {
	if len(s.Messages) == 0 {
		return 0
	}
	return s.Messages[len(s.Messages)-1].Frame
}

func fragmentText(f *decode.Fragments) string {
	switch {
	case f.Total > 0:
		return fmt.Sprintf("%d of %d bytes arrived", f.Received, f.Total)
	case f.First:
		return fmt.Sprintf("the first %d bytes arrived, the rest never did", f.Received)
	}
	return fmt.Sprintf("%d bytes arrived without the first fragment", f.Received)
}

// unreadableText says what of a capture could not be read whole: frames cut by the snap
// length, datagrams whose fragments never all arrived; "" when there are none.
func unreadableText(st decode.Stats) string {
	var parts []string
	if st.Truncated > 0 {
		if st.Truncated == st.Frames {
			parts = append(parts, fmt.Sprintf("the snap length cut its %d frame%s", st.Frames, plural(st.Frames)))
		} else {
			parts = append(parts, fmt.Sprintf("the snap length cut %d of its %d frames", st.Truncated, st.Frames))
		}
	}
	if st.Incomplete > 0 {
		whose := "their"
		if st.Incomplete == 1 {
			whose = "its"
		}
		parts = append(parts, fmt.Sprintf("%d IP datagram%s never completed from %s fragments", st.Incomplete, plural(st.Incomplete), whose))
	}
	return strings.Join(parts, ", and ")
}

// globalFindings are about the input rather than one session.
// freshGrace is how soon after a capture begins ESP on SAs numbered from 1 says their
// negotiation came just before it: traffic follows a negotiation at once.
const freshGrace = 2 * time.Second

func (a *Analyzer) globalFindings() []Finding {
	var out []Finding
	for _, c := range a.captures {
		if c.Messages > 0 || len(a.tcpLoose) > 0 {
			continue // no IKE message, but IKE over TCP was tried: its findings say more
		}
		f := Finding{Code: CodeNoIKE, Severity: Warning, Frames: []int{}, Time: c.First,
			Summary: fmt.Sprintf("No IKE message in %s: nothing negotiated a tunnel while it ran, and no ESP packet could be read either.", captureName(c)),
			Cause:   "Nothing asked for a tunnel: no traffic matched a security policy that requires IPsec (or there is no such policy), so no gateway started IKE. Or UDP 500 and 4500 are blocked before this capture point, or the capture filter or interface misses them.",
			Next:    "Check the security policy (ip xfrm policy, setkey -DP, show crypto map) and send traffic that matches it; capture on the interface facing the peer with the filter 'udp port 500 or udp port 4500 or esp'."}
		if cut := unreadableText(c.Stats); cut != "" && c.ESP == 0 {
			f.Summary = fmt.Sprintf("No IKE message could be read in %s: %s.", captureName(c), cut)
			f.Cause = "The capture itself may be what misses IKE: packets cut short by a small snap length (tcpdump before 4.0 kept 68 or 96 bytes; some appliances keep 128) or IP datagrams whose fragments did not all arrive cannot be read as IKE. Otherwise nothing asked for a tunnel, or UDP 500 and 4500 are blocked before this capture point."
			f.Next = "Capture again with whole packets (tcpdump -s 0, or the appliance's full-packet setting) on the interface facing the peer, with the filter 'udp port 500 or udp port 4500 or esp'."
		}
		if c.ESP > 0 {
			f.Severity = Info
			f.Summary = fmt.Sprintf("No IKE message in %s, but %d ESP packets: the IPsec SAs were negotiated before the capture began.", captureName(c), c.ESP)
			f.Cause = "IKE runs only to set SAs up, rekey them and check liveness; an SA that is up carries ESP for hours without it. The capture started after the negotiation (the next rekey will show IKE), or IKE runs on another path than the ESP."
			f.Next = "Capture across a rekey (its interval is the SA lifetime, often 1 to 8 hours) or restart the tunnel while capturing to see the negotiation; the ESP flows below show which SPIs carry traffic in which direction."
			switch {
			case c.freshSAs == c.espSAs && c.freshLast.Sub(c.First) < freshGrace:
				// All began in the capture's first moments: the negotiation may have
				// ended just before it started.
				f.Summary = fmt.Sprintf("No IKE message in %s, but %d ESP packets on SAs whose sequence numbers start at the beginning, from the capture's first moments: the SAs are new, negotiated just before the capture began or elsewhere.", captureName(c), c.ESP)
				f.Cause = "An SA numbers its packets from 1 (RFC 4303 3.3.3): these SAs carried nothing before the capture. Traffic follows a negotiation at once, so it may have ended just before the capture started; otherwise their IKE took another path or port than the capture sees (see --tcp-port), or they are keyed by hand."
				if c.Last.Sub(c.First) >= 5*freshGrace {
					f.Summary = fmt.Sprintf("No IKE message in %s, but %d ESP packets on SAs whose sequence numbers start at the beginning, all in the capture's first seconds: most likely negotiated just before the capture began.", captureName(c), c.ESP)
				}
				f.Next = "Start the capture before the tunnel comes up (or restart the tunnel while capturing) to see the negotiation; for manually keyed SAs compare ip xfrm state / setkey -D on both hosts."
			case c.freshSAs == c.espSAs:
				f.Summary = fmt.Sprintf("No IKE message in %s, but %d ESP packets on SAs whose sequence numbers start at the beginning: the SAs are new, yet no IKE negotiated them here.", captureName(c), c.ESP)
				f.Cause = "An SA numbers its packets from 1 (RFC 4303 3.3.3): these began while the capture ran, so their negotiation should be in it. Their IKE took another path or port than the capture sees (another interface, IKE over TCP on a port not recognised: see --tcp-port), or the SAs are keyed by hand."
				f.Next = "Capture on the interface that carries the gateways' IKE (UDP 500 and 4500, or the IKE-over-TCP port) while the tunnel comes up; for manually keyed SAs compare ip xfrm state / setkey -D on both hosts."
			}
			if c.reservedSPIs == c.espSAs {
				f.Summary = fmt.Sprintf("No IKE message in %s, and its %d ESP packets use SPIs below 256, which IKE never gives out (RFC 4303 2.1): manually keyed SAs.", captureName(c), c.ESP)
				f.Cause = "The SAs were set up by hand (setkey, ip xfrm state add, a test tool) with fixed SPIs and keys: no IKE negotiates or rekeys them."
				f.Next = "Compare the SAs on both hosts (ip xfrm state, setkey -D): SPIs, algorithms and keys must match pairwise; the ESP flows below show which SPIs carry traffic in which direction."
			}
		}
		out = append(out, f)
	}
	for i, c := range a.captures {
		if st := c.Stats; st.ClockBack > 0 {
			at := st.ClockBackFrame
			var steps string
			if st.ClockBack > 1 {
				steps = fmt.Sprintf("%d times, by up to %s", st.ClockBack, secs(st.ClockBackMost))
			} else {
				steps = "once, by " + secs(st.ClockBackMost)
			}
			out = append(out, Finding{Code: CodeCaptureClock, Severity: Info, Frames: []int{makeRef(i, at-1), makeRef(i, at)}, Time: c.First,
				Summary: fmt.Sprintf("The timestamps of %s go back %s (frame %d is stamped %s before frame %d): the file is not in time order.", captureName(c), steps, at, secs(st.ClockBackMost), at-1),
				Cause:   "The file was put together from several captures (mergecap -a, or cat, with the files in the wrong order) or exported sorted by connection, or the capturing host's clock was set back (an NTP step) while it ran. ikescope takes the times as stamped: durations, the timeline and how long the capture went on after a message mix the pieces.",
				Next:    "Analyse the original captures instead (several files at once: ikescope analyze a.pcap b.pcap), or put the frames in time order first with reordercap (it comes with Wireshark)."})
		}
	}
	if a.emptyESPN > 0 {
		out = append(out, Finding{Code: CodeESPAnomaly, Severity: Warning, Frames: a.emptyESP, Time: a.emptyESPAt,
			Summary: fmt.Sprintf("%d ESP packet(s) carry nothing after the SPI and sequence number: no IPsec stack sends such a packet.", a.emptyESPN),
			Cause:   "Every ESP packet holds at least its padding length and next header, and in practice an IV and an integrity check value (RFC 4303 2): these are test or crafted packets (a packet generator, a scanner, a fuzzer), not traffic of a negotiated SA. The capture holds them whole; the snap length did not cut them.",
			Next:    "Find the sender of these packets (their source address and SPI): they do not come from a gateway's IPsec SA and no receiver can decrypt them."})
	}
	if a.truncN > 0 {
		out = append(out, Finding{Code: CodeTruncated, Severity: Warning, Frames: a.truncated, Time: a.now,
			Summary: fmt.Sprintf("%d IKE message(s) were cut short by the capture's snap length.", a.truncN),
			Cause:   "The capture was taken with a small snap length (tcpdump's old default of 68 or 96 bytes, or -s N), so the end of each message is missing.",
			Next:    "Capture again with tcpdump -s 0 (whole packets)."})
	}
	for _, m := range a.frags {
		if m.Fragments == nil || len(m.Fragments.Frames) == 0 {
			continue
		}
		out = append(out, Finding{Code: CodeFragmentsLost, Severity: Warning, Frames: m.Fragments.Frames, Time: m.Time,
			Peers:   m.Src.Addr().String() + " → " + m.Dst.Addr().String(),
			Summary: fmt.Sprintf("IP fragments from %s to %s never completed a datagram (%d bytes received).", m.Src.Addr(), m.Dst.Addr(), m.Fragments.Received),
			Cause:   "Fragments were lost before this capture point, or the capture started or stopped in the middle of the datagram.",
			Next:    "If these are IKE messages, enable IKE fragmentation on both gateways."})
	}
	if a.dropped > 0 {
		out = append(out, Finding{Code: CodeStateLimit, Severity: Warning, Frames: a.dropFrame, Time: a.now,
			Summary: fmt.Sprintf("%d IKE SAs were not tracked because %d were already open (the limit).", a.dropped, a.opts.MaxOpen),
			Cause:   "A flood of half-open IKE SAs from many SPIs: a scan, a denial-of-service attempt, or a misbehaving peer restarting in a loop.",
			Next:    "Look at the source addresses of the first messages (frames listed); rate-limit or block them; strongSwan's cookie threshold (charon.cookie_threshold) protects the responder."})
	}
	out = append(out, a.proposalDiffs()...)
	out = append(out, a.phase2Diffs()...)
	var orphans []*ESPFlow
	for _, f := range a.flowOrder {
		if f.Session == 0 && f.Inner != nil {
			orphans = append(orphans, f)
		}
	}
	out = append(out, orphanInnerFindings(orphans)...)
	out = append(out, a.orphanOneWay()...)
	out = append(out, a.tcpGlobal()...)
	return out
}

// orphanOneWay: ESP of no session (SAs negotiated before the capture, or elsewhere) that
// goes from one peer to the other while nothing comes back, as the capture goes on past
// the reply timeout: the tunnel is up on the sending side and carries nothing back, the
// failure esp-one-way names for a negotiation the capture holds. Flows handed over while
// the analysis ran (Options.OnOrphan) were counted into a.orphanPairs then.
func (a *Analyzer) orphanOneWay() []Finding {
	for _, f := range a.flowOrder {
		if f.Session == 0 && !f.released {
			a.countOrphan(f)
		}
	}
	var oneWay []*orphanPair
	recent := 0 // one way so far, but begun too close to the capture's end to judge
	for _, k := range a.orphanOrder {
		p := a.orphanPairs[k]
		if p.dirs[0] > 0 && p.dirs[1] > 0 || p.packets < 2 {
			continue // both ways, or too little, to call it one way
		}
		if a.now.Sub(p.first) < a.opts.ReplyTimeout {
			recent++
			continue
		}
		oneWay = append(oneWay, p)
	}
	if len(oneWay) > maxOrphanOneWay {
		// A gateway's capture: one finding for them all, with the first few.
		var examples []string
		var frames []int
		packets := 0
		for i, p := range oneWay {
			packets += p.packets
			if i < 5 {
				examples = append(examples, fmt.Sprintf("%s → %s (%d packets, SPI %s)", p.from, p.to, p.packets, p.spis[0]))
				frames = append(frames, p.firstRef)
			}
		}
		more := ""
		if recent > 0 {
			more = fmt.Sprintf(" %d more pairs began too close to the end of the capture to tell.", recent)
			if recent == 1 {
				more = " One more pair began too close to the end of the capture to tell."
			}
		}
		return []Finding{{Code: CodeESPOneWay, Severity: Warning, Frames: frames, Time: oneWay[0].first,
			Summary: fmt.Sprintf("ESP whose negotiation the capture does not hold flows one way only between %d pairs of peers (%d packets), nothing coming back: %s, and more.%s%s",
				len(oneWay), packets, strings.Join(examples, "; "), more, a.orphanSkippedText()),
			Cause: "For each pair the tunnel is up on the sending side and carries nothing back: the receiver drops the ESP or has lost its SA (a restart, a one-sided rekey), a firewall drops ESP (or UDP 4500) in that direction, or the answers are not routed back into the tunnel. So many at once points at what they share: a firewall or NAT on the path, a gateway that restarted, or a capture point that sees one direction only (asymmetric routing).",
			Next:  "Take the pairs by the gateway they share and compare its SAs with its peers' (ip xfrm state, show crypto ipsec sa); check the path's firewall for ESP/UDP 4500; capture where both directions pass. ikescope analyze -f json lists every flow (orphan_esp_flows)."}}
	}
	var out []Finding
	for _, p := range oneWay {
		from, to := p.from, p.to
		out = append(out, Finding{Code: CodeESPOneWay, Severity: Warning, Frames: []int{p.firstRef, p.lastRef}, Time: p.first,
			Peers: from.String() + " → " + to.String(),
			Summary: fmt.Sprintf("ESP whose negotiation the capture does not hold flows only from %s to %s (%d packets on SPI %s over %s); nothing comes back from %s.",
				from, to, p.packets, strings.Join(p.spis, ", "), secs(p.last.Sub(p.first)), to),
			Cause: fmt.Sprintf("The tunnel is up on %s's side and carries nothing back: %s drops the ESP or never decrypts it (its SA is gone after a restart, or the two sides' SAs no longer match after a one-sided rekey), a firewall drops ESP (or UDP 4500) from %s, or %s decrypts it but does not route the answers back into the tunnel. Or this capture point sees one direction only (asymmetric routing).", from, to, to, to),
			Next:  fmt.Sprintf("On %s, compare its SAs with %s's (ip xfrm state, show crypto ipsec sa): an SA for SPI %s with no counterpart means the two sides disagree, and clearing the SAs on both (a new negotiation) settles it; otherwise check the firewall for ESP/UDP 4500 and the route back. Capture across the next negotiation to see it.", to, from, p.spis[0])})
	}
	return out
}

// maxOrphanPairs is how many peer pairs of ESP without IKE the analysis follows.
const maxOrphanPairs = 4096

// maxOrphanOneWay is how many one-way peer pairs of ESP without IKE get a finding each;
// more are summed up in one.
const maxOrphanOneWay = 10

// orphanSkippedText says how many flows of further peer pairs were not followed.
func (a *Analyzer) orphanSkippedText() string {
	if a.orphanPairsSkipped == 0 {
		return ""
	}
	return fmt.Sprintf(" Past the first %d peer pairs, %d more flows of other pairs were not followed.", maxOrphanPairs, a.orphanPairsSkipped)
}

// orphanPair sums up the ESP of no session between two peers of one capture.
type orphanPair struct {
	dirs        [2]int // flows from the lower address, and from the higher
	packets     int
	from, to    netip.Addr // of the first flow
	first, last time.Time
	firstRef    int
	lastRef     int
	spis        []string // the first few
}

type orphanPairKey struct {
	capture string
	a, b    netip.Addr
}

// countOrphan adds an ESP flow of no session to its peer pair's sum.
func (a *Analyzer) countOrphan(f *ESPFlow) {
	src, dst := f.Src.Addr(), f.Dst.Addr()
	k, dir := orphanPairKey{f.capture, src, dst}, 0
	if dst.Less(src) {
		k, dir = orphanPairKey{f.capture, dst, src}, 1
	}
	if a.orphanPairs == nil {
		a.orphanPairs = map[orphanPairKey]*orphanPair{}
	}
	p := a.orphanPairs[k]
	if p == nil {
		if len(a.orphanPairs) >= maxOrphanPairs {
			// A gateway's day of ESP without IKE between ever new peers: memory stays
			// bounded, and the finding says how many pairs it could not follow.
			a.orphanPairsSkipped++
			return
		}
		p = &orphanPair{from: src, to: dst, first: f.First, firstRef: f.firstRef, last: f.Last, lastRef: f.lastRef}
		a.orphanPairs[k] = p
		a.orphanOrder = append(a.orphanOrder, k)
	}
	p.dirs[dir]++
	p.packets += f.Packets
	if f.First.Before(p.first) {
		p.first, p.firstRef, p.from, p.to = f.First, f.firstRef, src, dst
	}
	if f.Last.After(p.last) {
		p.last, p.lastRef = f.Last, f.lastRef
	}
	if len(p.spis) < 4 {
		p.spis = append(p.spis, fmt.Sprintf("%08x", f.SPI))
	}
}

// proposalDiffs compares the proposals of peers whose negotiation failed with
// NO_PROPOSAL_CHOSEN, when both sides' offers are visible (each side initiated once).
func (a *Analyzer) proposalDiffs() []Finding {
	var out []Finding
	reported := map[peerKey]bool{}
	for _, s := range a.sessions {
		var npc *Msg
		for _, m := range s.Messages {
			for _, n := range m.Notifies {
				if n.Type == decode.NotifyNoProposalChosen && (m.ExchangeType == decode.ExchangeMainMode || m.ExchangeType == decode.ExchangeAggressive || m.ExchangeType == decode.ExchangeIKESAInit || m.ExchangeType == decode.ExchangeInformationalV1 && !s.upBefore(m.Time)) {
					npc = m
				}
			}
		}
		pair := pairOf(s.Initiator.Addr(), s.Responder.Addr())
		if reported[pair] {
			continue
		}
		if npc == nil || len(s.Offered) == 0 {
			continue
		}
		for _, o := range a.sessions {
			if o == s || len(o.Offered) == 0 || o.Version != s.Version || o.offeredBy != s.Responder.Addr() {
				continue
			}
			diffs := Diff(s.Offered, o.Offered)
			if len(diffs) == 0 {
				continue
			}
			var parts []string
			for _, d := range diffs {
				parts = append(parts, fmt.Sprintf("%s: %s offers %s, %s offers %s", d.Attribute, s.Initiator.Addr(), strings.Join(d.Ours, "/"), s.Responder.Addr(), strings.Join(d.Theirs, "/")))
			}
			frames := append(s.phase1Frames(), o.phase1Frames()...)
			out = append(out, s.newFinding(CodeProposalDiff, Error, "proposals", frames, npc.Time,
				"Both gateways' Phase 1 proposals are visible and share no suite. "+strings.Join(parts, "; ")+".",
				"The closest pair of proposals differs only in what is listed; that is the setting to align.",
				"Change one side so the listed attribute matches.").where(SettingProposals))
			reported[pair] = true
			break
		}
	}
	return out
}

func capInts(v []int, n int) []int {
	if len(v) > n {
		return v[:n]
	}
	return v
}

// upBefore reports whether the IKE SA was up before t.
func (s *Session) upBefore(t time.Time) bool { return s.Established && s.establishedAt.Before(t) }

// sawStep reports whether the exchange holds a message of the step.
func sawStep(ex *Exchange, st Step) bool {
	for _, m := range ex.Messages {
		if m.Step == st {
			return true
		}
	}
	return false
}

// inferredDeleteText describes an encrypted Delete, naming the rekey it follows.
func (s *Session) inferredDeleteText(m *Msg) string {
	what := "an SA"
	if t := s.encryptedDeleteTarget(m); t != "" {
		what = t
	}
	if r := s.rekeyBefore(m); r != nil && (!strings.HasPrefix(what, "the IKE SA") || s.successor != nil) {
		return fmt.Sprintf("The %s deleted %s at %s (an INFORMATIONAL whose encrypted part begins with a Delete), after the rekey in frame %d: the old SA gives way to the new one.", side(m.FromInitiator), what, stamp(m.Time), r.Frame)
	}
	return fmt.Sprintf("The %s deleted %s at %s (an INFORMATIONAL whose encrypted part begins with a Delete).", side(m.FromInitiator), what, stamp(m.Time))
}

// encryptedDeleteTarget tells, from the answer's shape, what an encrypted IKEv2 Delete
// deleted: an IKE SA's Delete is answered by an empty INFORMATIONAL, a CHILD_SA's by
// the Delete of its paired SA (RFC 7296 1.4.1). "" when the answer is not in the capture.
func (s *Session) encryptedDeleteTarget(req *Msg) string {
	if req.exchange == nil {
		return ""
	}
	for _, m := range req.exchange.Messages {
		if !m.Response || m.Retransmit > 0 || m.Decrypted || m.FromInitiator == req.FromInitiator {
			continue
		}
		switch first, ok := skFirst(m); {
		case ok && first == decode.PayloadNone && s.goesOnAfter(m):
			// An empty answer also says the SA named was deleted already (RFC 7296
			// 1.4.1); with the IKE SA gone no exchange could follow. Which: the other
			// side's own Delete, sent before this answer (before this request, or
			// crossing it), or after it, in place of the paired Delete the answer lacks.
			other := s.deleteRequestFrom(!req.FromInitiator, req)
			switch {
			case other != nil && other.Time.Before(m.Time):
				return fmt.Sprintf("an SA the other side had deleted already (its own Delete came first, frame %d, and this one's answer is empty)", other.Frame)
			case other != nil:
				return fmt.Sprintf("a CHILD_SA, most likely (the answer is empty; the other side deleted the paired SA in a request of its own after it, frame %d, not in the answer as RFC 7296 1.4.1 has it)", other.Frame)
			}
			return "an SA the other side no longer had, most likely (its answer is empty, and the IKE SA goes on after it)"
		case ok && first == decode.PayloadNone:
			return "the IKE SA (its answer is empty)"
		case ok && first == decode.PayloadDelete:
			return "a CHILD_SA (its answer deletes the paired SA)"
		}
	}
	return ""
}

// deleteRequestFrom is the first encrypted Delete request of one side other than req,
// not a copy: its Delete of an SA shows in the SK payload's first payload.
func (s *Session) deleteRequestFrom(initiator bool, req *Msg) *Msg {
	for _, o := range s.Messages {
		if o != req && o.exchange != req.exchange && !o.Response && o.Retransmit == 0 && o.FromInitiator == initiator &&
			o.ExchangeType == decode.ExchangeInformational && o.hasSK && o.skFirst == decode.PayloadDelete {
			return o
		}
	}
	return nil
}

// goesOnAfter reports whether the IKE SA carries an exchange after a message: another
// request, not a copy of one before it.
func (s *Session) goesOnAfter(m *Msg) bool {
	return slices.ContainsFunc(s.Messages, func(o *Msg) bool {
		return o.Time.After(m.Time) && o.exchange != m.exchange && o.Retransmit == 0 && !o.Response
	})
}

func captureName(c Capture) string {
	if c.Name == "" {
		return "the capture"
	}
	return c.Name
}

// firstChild is when and where the first IPsec SA of the session was negotiated.
func (s *Session) firstChild() (time.Time, int) {
	for _, e := range s.Timeline {
		if e.Kind == EventChildUp || e.Kind == EventChildRekeyed {
			return e.Time, e.Frame
		}
	}
	return s.establishedAt, s.establishedFrame
}

// withFrames merges two frame lists, each frame once, in order.
func withFrames(a, b []int) []int {
	out := append([]int{}, a...)
	for _, f := range b {
		out = withFrame(out, f)
	}
	sort.Ints(out)
	return out
}

// espThroughOneWay: a capture that holds every packet twice (a router or firewall
// capturing on all its interfaces sees each one come in and go out; two captures merged
// into one file hold each packet at both ends) holds one side's ESP once only, while
// that side's IKE messages are there twice: its IKE passes the capture point, its ESP
// comes in and goes no further. A single capture only: several capture points are
// compared packet by packet (multi.go).
func (s *Session) espThroughOneWay(fromI, fromR []*ESPFlow) (Finding, bool) {
	if len(fromI) == 0 || len(fromR) == 0 {
		return Finding{}, false
	}
	for i, f := range s.ESP {
		if slices.ContainsFunc(s.ESP[i+1:], func(g *ESPFlow) bool { return g.SPI == f.SPI }) {
			// One SPI between two pairs of addresses: a NAT at the capture point, whose
			// packets going out are another flow than those coming in.
			return Finding{}, false
		}
	}
	if len(s.Captures) <= 1 {
		if s.dupIKE == [2]int{} {
			return Finding{}, false // (no IKE message twice: the rule's evidence is missing)
		}
		return s.throughOneWay(fromI, fromR, s.dupIKE, "This capture", func(f *ESPFlow) (int, int) { return f.Packets, f.twiceAtOnce })
	}
	// Several points: each that saw IKE twice (a router's) is read on its own, by what
	// it saw of each flow. The others' copies say nothing of what crossed the router.
	for _, p := range s.dupAt {
		if f, ok := s.throughOneWay(fromI, fromR, p.ike, "The capture "+p.name, func(f *ESPFlow) (int, int) {
			if fs := f.sights[p.capIdx]; fs != nil {
				return fs.packets, fs.twice
			}
			return 0, 0
		}); ok {
			return f, true
		}
	}
	return Finding{}, false
}

// pointDup counts the IKE messages one capture point saw twice within milliseconds,
// from the responder [0] and the initiator [1].
type pointDup struct {
	capIdx int
	name   string
	ike    [2]int
}

// notePointDup counts an IKE message a capture point saw twice.
func (s *Session) notePointDup(capIdx int, name string, fromInit bool) {
	i := slices.IndexFunc(s.dupAt, func(p pointDup) bool { return p.capIdx == capIdx })
	if i < 0 {
		s.dupAt = append(s.dupAt, pointDup{capIdx: capIdx, name: name})
		i = len(s.dupAt) - 1
	}
	if fromInit {
		s.dupAt[i].ike[1]++
	} else {
		s.dupAt[i].ike[0]++
	}
}

// throughOneWay is espThroughOneWay at one capture point, which saw dupIKE of each
// side's IKE messages twice and, by seen, each flow's packets and those seen twice.
func (s *Session) throughOneWay(fromI, fromR []*ESPFlow, dupIKE [2]int, point string, seen func(*ESPFlow) (packets, twice int)) (Finding, bool) {
	count := func(fs []*ESPFlow) (packets, twice int) {
		for _, f := range fs {
			p, t := seen(f)
			packets += p
			twice += t
		}
		return packets, twice
	}
	pi, di := count(fromI)
	pr, dr := count(fromR)
	if pi >= 3 && pr >= 3 && di == 0 && dr == 0 && dupIKE[0] > 0 && dupIKE[1] > 0 {
		// Both sides' IKE twice, neither side's ESP: dropped both ways.
		var frames []int
		for _, f := range append(append([]*ESPFlow(nil), fromI...), fromR...) {
			frames = append(frames, f.firstRef, f.lastRef)
		}
		return s.newFinding(CodeESPOneWay, Warning, "ESP", frames, fromI[0].First,
			fmt.Sprintf("%s holds both sides' IKE messages twice, but their ESP once each (the initiator's %d packets, the responder's %d): IKE passes the capture point, ESP comes in from both sides and goes no further.", point, pi, pr),
			"Where the capture runs on a router or firewall between the gateways, on all its interfaces, each forwarded packet is seen coming in and going out: it drops ESP both ways (a rule that lets IKE through but not ESP: IP protocol 50, or ESP in UDP 4500, which a filter tells from IKE by its non-zero SPI where IKE has four zero bytes). Where the file is two captures merged, ESP left each point and reached neither.",
			"On the device in between, look at the rules and counters for ESP (IP protocol 50, or UDP 4500), and at its drops."), true
	}
	through, stopped, flows, sender, other, ikeTwice := "initiator", "responder", fromR, pr, pi, dupIKE[0]
	switch {
	case pi >= 3 && di >= pi-1 && dr == 0 && pr >= 3:
	case pr >= 3 && dr >= pr-1 && di == 0 && pi >= 3:
		through, stopped, flows, sender, other, ikeTwice = "responder", "initiator", fromI, pi, pr, dupIKE[1]
	default:
		return Finding{}, false
	}
	if ikeTwice == 0 {
		return Finding{}, false // nothing shows the stopped side's packets pass this point
	}
	var frames []int
	for _, f := range flows {
		frames = append(frames, f.firstRef, f.lastRef)
	}
	return s.newFinding(CodeESPOneWay, Warning, "ESP", frames, flows[0].First,
		fmt.Sprintf("%s holds each packet twice (the %s's %d ESP packets, and IKE messages from both sides), but the %s's %d ESP packets once each: its IKE passes the capture point, its ESP comes in and goes no further.", point, through, other, stopped, sender),
		fmt.Sprintf("Where the capture runs on a router or firewall between the gateways, on all its interfaces, each forwarded packet is seen coming in and going out: it drops the %s's ESP (a rule that lets IKE through but not ESP: IP protocol 50, or ESP in UDP 4500, which a filter tells from IKE by its non-zero SPI where IKE has four zero bytes; an IPsec policy of its own; a route). Where the file is two captures merged, the %s's ESP left one point and never reached the other.", stopped, stopped),
		fmt.Sprintf("On the device in between, look at the rules and counters for ESP (IP protocol 50, or UDP 4500) from %s, and at its drops.", s.peerOf(stopped == "initiator"))), true
}

// espStopped: ESP went both ways, then one direction stopped while the other kept
// sending, three packets or more over longer than the reply timeout: the return traffic
// is lost (a firewall began dropping it, a one-sided rekey, the peer's SA gone). One or
// two packets after a quiet spell are not that: a late answer, a one-way datagram
// (syslog, a trap), the last of a conversation. Live capture says it while it happens.
func (s *Session) espStopped(fromI, fromR []*ESPFlow, now time.Time, opts Options) (Finding, bool) {
	last := func(fs []*ESPFlow) (t time.Time, f *ESPFlow) {
		for _, x := range fs {
			if x.Last.After(t) {
				t, f = x.Last, x
			}
		}
		return t, f
	}
	lastI, fi := last(fromI)
	lastR, fr := last(fromR)
	if fi == nil || fr == nil {
		return Finding{}, false
	}
	sender, silent, quietSince, goesOn, stopped, going := "initiator", "responder", lastR, lastI, fr, fi
	if lastR.After(lastI) {
		sender, silent, quietSince, goesOn, stopped, going = "responder", "initiator", lastI, lastR, fi, fr
	}
	if goesOn.Sub(quietSince) <= opts.ReplyTimeout || now.Sub(quietSince) <= opts.ReplyTimeout || going.before[0] <= quietSince.UnixNano() {
		return Finding{}, false
	}
	return s.newFinding(CodeESPOneWay, Error, "ESP stopped", []int{stopped.lastRef}, quietSince,
		fmt.Sprintf("ESP from the %s stopped at %s (frame %d) while the %s kept sending for %s (three packets or more after it): the return traffic is lost.", silent, stamp(quietSince), stopped.lastRef, sender, secs(goesOn.Sub(quietSince))),
		"Traffic went both ways, then one direction fell silent: a firewall or NAT on the path began dropping ESP (or UDP 4500) that way, the "+silent+" lost its SA (restart, one-sided rekey or delete), or it no longer routes the replies into the tunnel.",
		"On the "+silent+", check the SA (ip xfrm state, show crypto ipsec sa: are packets decrypted and encrypted?), its log at this time, and the firewalls between the gateways for ESP/UDP 4500 in that direction."), true
}

package analyze

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ikescope/ikescope/decode"
)

// Who is at the other end: each side's likely IKE implementation, named passively from
// what its own messages show.
//
// The evidence, strongest first:
//
//   - Vendor IDs that name an implementation (decode/vendorid.go's table: strongSwan,
//     libreswan, Openswan, FreeS/WAN, racoon, Windows' "MS NT5 ISAKMPOAKLEY" with its
//     version word, Cisco's own values, Juniper, Fortinet, Check Point, SonicWall, ...).
//     One of those makes the name certain ("high"); the version is given only when the
//     Vendor ID states it. Values several implementations send (Cisco Unity, the Cisco
//     IKE fragmentation value, XAUTH, DPD, NAT-T) name nobody by themselves.
//   - The set and order of the feature Vendor IDs of the first Phase 1 message: strongSwan's
//     charon writes XAUTH, DPD, Cisco Unity (when enabled), FRAGMENTATION (the Cisco value
//     with capabilities 0x80000000), then the NAT-T values, RFC 3947 first (from its source,
//     src/libcharon/sa/ikev1/tasks/isakmp_vendor.c, and its own recordings in pcaps/).
//   - IKEv2 IKE_SA_INIT notifications, as each implementation builds them (from their
//     source and their logs in pcaps/): strongSwan writes NAT detection first, then
//     IKEV2_FRAGMENTATION_SUPPORTED, SIGNATURE_HASH_ALGORITHMS and, as initiator,
//     REDIRECT_SUPPORTED, as responder CHILDLESS_IKEV2_SUPPORTED and
//     MULTIPLE_AUTH_SUPPORTED (RFC 4739, which few others implement); libreswan writes
//     IKEV2_FRAGMENTATION_SUPPORTED before the NAT detection notifications.
//   - The order of transforms in an IKEv2 proposal: strongSwan writes ENCR, INTEG, PRF,
//     DH; libreswan ENCR, PRF, INTEG, DH. Only ever support for another signature.
//   - With keys, strongSwan's IKE_AUTH request ends with EAP_ONLY_AUTHENTICATION and
//     IKEV2_MESSAGE_ID_SYNC_SUPPORTED (RFC 5998, RFC 6311), as its logs show.
//   - Retransmission schedules, as the implementations document their defaults:
//     strongSwan retransmits after retransmit_timeout × retransmit_base^n (4 s and 1.8 by
//     default: 4, 7.2, 12.96 s, ...; strongswan.conf documentation); libreswan after
//     retransmit-interval (500 ms), doubled each time (ipsec.conf documentation); racoon
//     every "retry interval" (10 s), "retry counter" (5) times (racoon.conf documentation).
//     A geometric backoff whose factor is neither 1 nor 2 only supports strongSwan (its
//     formula with other settings), never names it alone.
//   - libreswan refuses IKEv1 with a clear IKEv1 INVALID-MAJOR-VERSION Informational
//     (ikev1-policy=reject, from its documentation); strongSwan's charon without IKEv1
//     answers with an IKEv2 message instead (from its source).
//
// Confidence: "high" when a Vendor ID names the implementation; "medium" for a Vendor ID
// that names a family or was only observed, or several consistent signatures; "low" for
// one weak signature. A side with no evidence stays nil.

// fpMaxParsed bounds the messages whose evidence a session records (Session.fpRecorded).
const fpMaxParsed = 24

// fpRecord is what a message shows of its sender's implementation, kept when the message
// comes (the analysis keeps bytes, not decodes): its Vendor IDs, its notification types in
// order, its first SA payload.
type fpRecord struct {
	vids     []decode.VendorID
	notifies []decode.NotifyType
	order    []decode.TransformType // the first proposal with an integrity algorithm, its transform types in order
	hasSA    bool
}

// fpObserve records a new message's evidence while its decode is at hand.
func (s *Session) fpObserve(m *Msg, x *decode.ISAKMP) {
	if m.Retransmit > 0 || m.incomplete || s.fpRecorded >= fpMaxParsed || !s.fpWanted(m) {
		return
	}
	s.fpRecorded++
	r := &fpRecord{}
	for p := range m.allPayloads(x) {
		switch {
		case p.VendorID != nil:
			v := *p.VendorID
			v.Data = append([]byte(nil), v.Data...) // the decoder's buffer goes on to other packets
			r.vids = append(r.vids, v)
		case p.Notify != nil:
			r.notifies = append(r.notifies, p.Notify.Type)
		case p.SA != nil && !r.hasSA:
			r.hasSA, r.order = true, transformOrder(p.SA)
		}
	}
	m.fp = r
}

// strongSwan's IKE_SA_INIT notifications in the order charon writes them.
var (
	swanInitRequest  = []decode.NotifyType{decode.NotifyNATDSourceIP, decode.NotifyNATDDestinationIP, decode.NotifyFragmentationSupported, decode.NotifySignatureHashAlgorithms, decode.NotifyRedirectSupported}
	swanInitResponse = []decode.NotifyType{decode.NotifyNATDSourceIP, decode.NotifyNATDDestinationIP, decode.NotifyFragmentationSupported, decode.NotifySignatureHashAlgorithms, decode.NotifyChildlessSupported, decode.NotifyMultipleAuthSupported}
)

// strongSwan's IKEv1 Vendor IDs in the order charon writes them, by feature tag ("" for
// its own value).
var swanV1VIDs = []string{"strongswan", "xauth", "dpd", "cisco-unity", "frag", "nat-t-rfc3947", "nat-t-draft-03", "nat-t-draft-02"}

const (
	nameStrongSwan = "strongSwan"
	nameLibreswan  = "libreswan"
	nameRacoon     = "racoon"
)

// fpCandidate is one implementation a side's evidence points at.
type fpCandidate struct {
	name, version string
	named         int  // 2: a Vendor ID names it; 1: a Vendor ID names its family or was only observed
	weight        int  // signatures other than naming Vendor IDs
	alone         bool // some signature that may name it by itself
	evidence      []string
}

// fpSide gathers one side's evidence.
type fpSide struct {
	cands   []*fpCandidate
	feature []fpVID // the first Phase 1 message's Vendor IDs, in order
	featAt  string  // and its frame
	v1Seen  bool    // that message was read
	sentVID map[string]string
}

type fpVID struct {
	feature string
	info    decode.VendorIDInfo
	data    []byte
}

func (sd *fpSide) cand(name string) *fpCandidate {
	for _, c := range sd.cands {
		if c.name == name {
			return c
		}
	}
	c := &fpCandidate{name: name}
	sd.cands = append(sd.cands, c)
	return c
}

// sign adds a signature (not a naming Vendor ID) for an implementation.
func (sd *fpSide) sign(name string, weight int, alone bool, evidence string) {
	c := sd.cand(name)
	c.weight += weight
	c.alone = c.alone || alone
	c.evidence = append(c.evidence, strings.ToUpper(evidence[:1])+evidence[1:])
}

// fingerprint sets s.Implementations from what each side's messages show (recorded as
// they came, fpObserve). It runs when the session is named.
func (s *Session) fingerprint() {
	// A session is named when it closes and again when the analysis ends: the second
	// time, nothing has come that the first did not see.
	seen := len(s.Messages) + s.Retransmits + s.MessagesDropped + 1
	if seen == s.fpSeen {
		return
	}
	s.fpSeen = seen
	var sides [2]fpSide // initiator, responder
	side := func(m *Msg) *fpSide {
		if m.FromInitiator {
			return &sides[0]
		}
		return &sides[1]
	}
	parsed := 0
	var initReq *Msg // the first IKEv1 MM1/AM1 seen, for the INVALID-MAJOR-VERSION answer
	for _, m := range s.Messages {
		if m.Retransmit > 0 || m.incomplete {
			continue
		}
		if !s.fpWanted(m) || parsed >= fpMaxParsed {
			if m.ExchangeType == decode.ExchangeInformationalV1 && !m.v2 && !m.Encrypted && initReq != nil && !m.FromInitiator {
				fpMajorVersion(side(m), m, initReq)
			}
			continue
		}
		parsed++
		if m.fp == nil {
			continue
		}
		if !m.v2 && (m.Step == StepMM1 || m.Step == StepAM1) && initReq == nil {
			initReq = m
		}
		s.fpMessage(side(m), m, m.fp)
	}
	s.fpRetransmits(&sides)
	var out Implementations
	out.Initiator = sides[0].result()
	out.Responder = sides[1].result()
	s.fpQuirks(&sides, &out)
	if out.Initiator == nil && out.Responder == nil {
		s.Implementations = nil
		return
	}
	s.Implementations = &out
}

// fpWanted says whether a message's payloads may carry evidence: the IKE SA's own
// negotiation in the clear, or any message keys opened.
func (s *Session) fpWanted(m *Msg) bool {
	if m.Decrypted {
		return true
	}
	if m.Encrypted {
		return false
	}
	if m.v2 {
		return m.ExchangeType == decode.ExchangeIKESAInit
	}
	switch m.ExchangeType {
	case decode.ExchangeInformationalV1, decode.ExchangeTransaction, decode.ExchangeQuickMode:
		return false
	}
	return true // Main or Aggressive Mode, or another Phase 1 exchange (Windows' AuthIP)
}

// fpFrame names a message's frame for evidence text.
func fpFrame(m *Msg) string {
	if m.Capture != "" {
		return m.Capture + "#" + strconv.Itoa(m.FrameNumber)
	}
	return strconv.Itoa(m.FrameNumber)
}

// fpMessage reads one message's payloads.
func (s *Session) fpMessage(sd *fpSide, m *Msg, r *fpRecord) {
	frame := fpFrame(m)
	first := !sd.v1Seen && !m.v2 &&
		(m.ExchangeType == decode.ExchangeMainMode || m.ExchangeType == decode.ExchangeAggressive)
	sd.v1Seen = sd.v1Seen || first
	notifies := r.notifies
	for i := range r.vids {
		v := &r.vids[i]
		s.fpVendorID(sd, v, frame)
		if first {
			sd.feature = append(sd.feature, fpVID{feature: fpFeature(v), info: v.Info, data: v.Data})
		}
	}
	if first {
		sd.featAt = frame
		fpV1VIDOrder(sd)
	}
	if m.v2 && m.ExchangeType == decode.ExchangeIKESAInit && r.hasSA {
		fpInitNotifies(sd, m, notifies, frame)
		fpTransformOrder(sd, r.order, frame)
	}
	if m.v2 && m.ExchangeType == decode.ExchangeIKEAuth && m.Decrypted && !m.Response {
		if i := slices.Index(notifies, decode.NotifyEAPOnlyAuthentication); i >= 0 && slices.Index(notifies[i:], decode.NotifyMessageIDSyncSupported) > 0 {
			sd.sign(nameStrongSwan, 1, false, fmt.Sprintf("IKE_AUTH request offers EAP_ONLY_AUTHENTICATION then IKEV2_MESSAGE_ID_SYNC_SUPPORTED (frame %s), as strongSwan's charon does", frame))
		}
	}
}

// fpFeature is a Vendor ID's feature tag, with strongSwan's own value and the NAT-T
// draft 02 newline variant told apart.
func fpFeature(v *decode.VendorID) string {
	if !v.Known {
		return "unknown"
	}
	if v.Info.Vendor == "strongSwan" {
		return "strongswan"
	}
	return v.Info.Feature
}

// fpVendorID adds a Vendor ID that names an implementation.
func (s *Session) fpVendorID(sd *fpSide, v *decode.VendorID, frame string) {
	if !v.Known {
		return
	}
	if sd.sentVID == nil {
		sd.sentVID = map[string]string{}
	}
	if _, seen := sd.sentVID[v.Info.Name]; seen {
		return
	}
	sd.sentVID[v.Info.Name] = frame
	name, version, strength := vidImplementation(v.Info)
	if strength == 0 {
		return
	}
	c := sd.cand(name)
	c.named = max(c.named, strength)
	if version != "" && c.version == "" {
		c.version = version
	}
	c.evidence = append(c.evidence, fmt.Sprintf("Vendor ID %q (frame %s)", v.Info.Name, frame))
}

// vidImplementation names the implementation a Vendor ID announces: strength 2 when it
// names it, 1 when it names a family or was only observed from it, 0 when several
// implementations send it (a feature).
func vidImplementation(info decode.VendorIDInfo) (name, version string, strength int) {
	n := info.Name
	strength = 2
	if strings.Contains(n, "observed") || strings.Contains(n, "unconfirmed") ||
		strings.Contains(n, "not in table") || strings.Contains(n, "also seen") ||
		info.Vendor == "SafeNet" && strings.Contains(n, " or ") {
		strength = 1
	}
	switch info.Vendor {
	case "", "IETF", "Other":
		return "", "", 0
	case "strongSwan":
		return nameStrongSwan, fpVersionAfter(n, "strongSwan "), strength
	case "libreswan":
		if strings.Contains(n, "FreeS/WAN") {
			return "libreswan, Openswan or FreeS/WAN", "", 1
		}
		return nameLibreswan, fpVersionAfter(n, "Libreswan "), strength
	case "Openswan":
		switch {
		case info.Feature == "ikev2-capable":
			return "Openswan or libreswan", "", 1
		case strings.HasPrefix(n, "FreeS/WAN or Openswan"):
			return "Openswan or FreeS/WAN", "", 1
		}
		return "Openswan", fpVersionAfter(n, "Openswan "), strength
	case "FreeS/WAN":
		return "FreeS/WAN", fpVersionAfter(n, "Linux FreeS/WAN "), strength
	case "KAME/racoon":
		return nameRacoon, "", strength
	case "IPsec-Tools":
		return nameRacoon, "", strength
	case "Microsoft":
		if strings.HasPrefix(n, "Microsoft Xbox") {
			return "Microsoft Xbox", "", strength
		}
		if info.Feature == "ms-nt5-isakmpoakley" {
			if v, ok := strings.CutPrefix(n, "Microsoft Windows "); ok && !strings.HasPrefix(v, "(") {
				return "Windows", v, strength
			}
		}
		return "Windows", "", strength
	case "Cisco":
		switch {
		case info.Feature == "cisco-unity" || info.Feature == "frag":
			return "", "", 0
		case strings.HasPrefix(n, "Cisco VPN 3000 Concentrator"):
			return "Cisco VPN 3000 Concentrator", fpVersionAfter(n, "Cisco VPN 3000 Concentrator "), strength
		case strings.HasPrefix(n, "Cisco VPN 3000 Client"):
			return "Cisco VPN Client", "", strength
		case strings.HasPrefix(n, "Cisco IOS"), info.Feature == "cisco-flexvpn":
			return "Cisco IOS", "", strength
		case strings.HasPrefix(n, "Cisco PIX"):
			return "Cisco PIX", "", strength
		}
		return "Cisco", "", strength
	case "Juniper/Netscreen":
		return "Juniper NetScreen (ScreenOS)", "", strength
	case "Check Point":
		for _, p := range []string{"Check Point VPN-1/FireWall-1", "Check Point SecuRemote/SecureClient"} {
			if v, ok := strings.CutPrefix(n, p+" "); ok {
				return p, v, strength
			}
		}
		return "Check Point", "", strength
	case "Fortinet":
		switch {
		case strings.HasPrefix(n, "Fortinet FortiGate"):
			name = "FortiGate"
		case strings.Contains(n, "FortiClient"):
			name = "FortiClient"
		default:
			name = "Fortinet"
		}
		if i := strings.Index(n, "(release "); i >= 0 {
			version = strings.TrimSuffix(n[i+1:], ")")
		}
		return name, version, strength
	case "SSH Communications Security":
		if i := strings.LastIndexByte(n, ' '); i > 0 && fpIsVersion(n[i+1:]) {
			return n[:i], n[i+1:], strength
		}
		return info.Vendor, "", strength
	case "Shrew Soft":
		return "Shrew Soft VPN Client", "", strength
	case "OpenBSD":
		return "OpenIKED", "", strength
	case "SafeNet":
		if strings.Contains(n, "SoftRemote") {
			return "SafeNet SoftRemote", fpVersionAfter(n, "SafeNet SoftRemote "), strength
		}
	}
	return info.Vendor, "", strength
}

// fpVersionAfter returns the version word after prefix in a Vendor ID's name ("5.9.8"
// of "strongSwan 5.9.8"), or "".
func fpVersionAfter(name, prefix string) string {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return ""
	}
	if i := strings.IndexByte(rest, ' '); i >= 0 {
		rest = rest[:i]
	}
	if !fpIsVersion(rest) {
		return ""
	}
	return rest
}

// fpIsVersion reports whether a word looks like a version number ("4.10", "2.6.32rc1").
func fpIsVersion(w string) bool {
	return w != "" && w[0] >= '0' && w[0] <= '9' && strings.ContainsAny(w, ".")
}

// fpV1VIDOrder checks the first IKEv1 Phase 1 message's feature Vendor IDs against
// strongSwan's set and order.
func fpV1VIDOrder(sd *fpSide) {
	if len(sd.feature) < 3 {
		return
	}
	at, names := -1, make([]string, 0, len(sd.feature))
	has := map[string]bool{}
	for _, v := range sd.feature {
		f := v.feature
		i := slices.Index(swanV1VIDs[at+1:], f)
		if i < 0 {
			return
		}
		if f == "frag" && (len(v.data) != 20 || v.data[16] != 0x80) {
			return // strongSwan sends the Cisco value with capabilities 0x80000000
		}
		at += 1 + i
		has[f] = true
		names = append(names, fpShortVID(v))
	}
	if !has["xauth"] || !has["dpd"] || !has["nat-t-rfc3947"] {
		return
	}
	// Three values (XAUTH, DPD, NAT-T) are common to many; four or more in strongSwan's
	// order are its own.
	weight := 1
	if len(sd.feature) >= 4 {
		weight = 2
	}
	sd.sign(nameStrongSwan, weight, weight == 2, fmt.Sprintf("Vendor IDs %s in this order (frame %s): strongSwan's set and order for IKEv1", strings.Join(names, ", "), sd.featAt))
}

// fpShortVID names a feature Vendor ID briefly.
func fpShortVID(v fpVID) string {
	switch v.feature {
	case "xauth":
		return "XAUTH"
	case "dpd":
		return "DPD"
	case "cisco-unity":
		return "Cisco Unity"
	case "frag":
		return "FRAGMENTATION"
	case "nat-t-rfc3947":
		return "NAT-T RFC 3947"
	}
	return v.info.Name
}

// fpInitNotifies checks an IKE_SA_INIT message's notifications against strongSwan's and
// libreswan's.
func fpInitNotifies(sd *fpSide, m *Msg, notifies []decode.NotifyType, frame string) {
	var list []decode.NotifyType
	var names []string
	for _, t := range notifies {
		if t == decode.NotifyCookie {
			continue
		}
		list = append(list, t)
		names = append(names, decode.NotifyName(true, t))
	}
	if len(list) < 3 {
		return
	}
	text := strings.Join(names, ", ")
	order := swanInitRequest
	distinct, distinctName := decode.NotifyRedirectSupported, "REDIRECT_SUPPORTED"
	if m.Response {
		order, distinct, distinctName = swanInitResponse, decode.NotifyMultipleAuthSupported, "MULTIPLE_AUTH_SUPPORTED"
	}
	if fpSubsequence(list, order) && len(list) >= 3 && list[0] == decode.NotifyNATDSourceIP {
		if slices.Contains(list, distinct) {
			sd.sign(nameStrongSwan, 2, true, fmt.Sprintf("IKE_SA_INIT notifications %s (frame %s): strongSwan's set and order, %s included", text, frame, distinctName))
		} else {
			sd.sign(nameStrongSwan, 1, false, fmt.Sprintf("IKE_SA_INIT notifications %s (frame %s): in strongSwan's order", text, frame))
		}
		return
	}
	frag, natd := slices.Index(list, decode.NotifyFragmentationSupported), slices.Index(list, decode.NotifyNATDSourceIP)
	if frag >= 0 && natd > frag && !slices.Contains(list, decode.NotifyMultipleAuthSupported) {
		sd.sign(nameLibreswan, 1, true, fmt.Sprintf("IKE_SA_INIT notifications %s (frame %s): IKEV2_FRAGMENTATION_SUPPORTED before NAT detection, libreswan's order (strongSwan writes it after)", text, frame))
	}
}

// fpSubsequence reports whether list holds only elements of order, in that order.
func fpSubsequence(list, order []decode.NotifyType) bool {
	at := 0
	for _, t := range list {
		i := slices.Index(order[at:], t)
		if i < 0 {
			return false
		}
		at += i + 1
	}
	return true
}

// fpTransformOrder checks the order of transform types in an IKEv2 proposal with an
// integrity algorithm (AEAD proposals have none and show nothing).
// transformOrder is the order of the transform types of the first proposal that has an
// integrity algorithm (an AEAD proposal has none to place).
func transformOrder(sa *decode.SA) []decode.TransformType {
	for _, p := range sa.Proposals {
		var types []decode.TransformType
		for _, t := range p.Transforms {
			if !slices.Contains(types, t.Type) {
				types = append(types, t.Type)
			}
		}
		if slices.Contains(types, decode.TransformInteg) {
			return types
		}
	}
	return nil
}

func fpTransformOrder(sd *fpSide, types []decode.TransformType, frame string) {
	encr, prf, integ, dh := decode.TransformEncr, decode.TransformPRF, decode.TransformInteg, decode.TransformDH
	switch {
	case slices.Equal(types, []decode.TransformType{encr, integ, prf, dh}):
		sd.sign(nameStrongSwan, 1, false, fmt.Sprintf("transforms in the order ENCR, INTEG, PRF, DH (frame %s), as strongSwan writes them", frame))
	case slices.Equal(types, []decode.TransformType{encr, prf, integ, dh}):
		sd.sign(nameLibreswan, 1, false, fmt.Sprintf("transforms in the order ENCR, PRF, INTEG, DH (frame %s), as libreswan writes them", frame))
	}
}

// fpMajorVersion reads a clear IKEv1 INVALID-MAJOR-VERSION answer to an IKEv1 MM1/AM1.
func fpMajorVersion(sd *fpSide, m, req *Msg) {
	if len(m.Notifies) != 1 || m.Notifies[0].Type != decode.NotifyInvalidMajorVersion || m.Time.Before(req.Time) {
		return
	}
	sd.sign(nameLibreswan, 1, true, fmt.Sprintf("answered an IKEv1 %s with a clear IKEv1 INVALID-MAJOR-VERSION Informational (frame %s): libreswan's refusal when IKEv1 is not allowed (ikev1-policy=reject); strongSwan without IKEv1 answers in IKEv2", req.Step, fpFrame(m)))
}

// fpRetransmits compares each side's retransmission timer with the documented defaults.
// Only copies the sender's own timer sent count: an IKEv2 response is never
// retransmitted on a timer (RFC 7296 2.1), and an IKEv1 copy sent after the peer's own
// copy may be its answer.
func (s *Session) fpRetransmits(sides *[2]fpSide) {
	if s.Retransmits == 0 {
		return // most sessions: no schedule to read
	}
	copies := map[*Msg][]*Msg{}
	var origs []*Msg
	for _, m := range s.Messages {
		o := m
		if m.Retransmit > 0 {
			o = m.orig
		}
		if o == nil {
			continue
		}
		if _, ok := copies[o]; !ok {
			origs = append(origs, o)
		}
		copies[o] = append(copies[o], m)
	}
	done := [2]bool{}
	for _, o := range origs {
		i := 0
		if !o.FromInitiator {
			i = 1
		}
		if done[i] || (o.v2 && o.Response) {
			continue
		}
		var gaps []time.Duration
		frames := []string{fpFrame(o)}
		prev := o
		for _, c := range copies[o][1:] {
			if c.Folded > 0 || c.Retransmit != prev.Retransmit+1 || s.fpPeerBetween(c, prev) {
				break
			}
			gaps = append(gaps, c.Time.Sub(prev.Time))
			frames = append(frames, fpFrame(c))
			prev = c
		}
		if len(gaps) < 2 {
			continue
		}
		done[i] = true
		fpSchedule(&sides[i], gaps, frames)
	}
}

// fpPeerBetween reports whether the other side sent a message after prev and up to c.
func (s *Session) fpPeerBetween(c, prev *Msg) bool {
	for _, m := range s.Messages {
		if m.FromInitiator != c.FromInitiator && m.Time.After(prev.Time) && !m.Time.After(c.Time) {
			return true
		}
	}
	return false
}

// fpSchedule matches retransmission gaps with the implementations' documented timers.
func fpSchedule(sd *fpSide, gaps []time.Duration, frames []string) {
	secs := make([]string, len(gaps))
	for i, g := range gaps {
		secs[i] = strconv.FormatFloat(g.Seconds(), 'f', 1, 64) + " s"
	}
	seen := fmt.Sprintf("retransmissions %s apart (frames %s)", strings.Join(secs, ", "), strings.Join(frames, ", "))
	near := func(g time.Duration, want float64) bool {
		return math.Abs(g.Seconds()-want) <= 0.05*want+0.05
	}
	fits := func(first, factor float64) bool {
		for i, g := range gaps {
			if !near(g, first*math.Pow(factor, float64(i))) {
				return false
			}
		}
		return true
	}
	switch {
	case fits(4, 1.8):
		sd.sign(nameStrongSwan, 1, true, seen+": strongSwan's default schedule (4 s, then ×1.8)")
	case fits(0.5, 2):
		sd.sign(nameLibreswan, 1, true, seen+": libreswan's default schedule (500 ms, doubled each time)")
	case fits(10, 1):
		sd.sign(nameRacoon, 1, true, seen+": racoon's default schedule (every 10 s)")
	default:
		f := gaps[1].Seconds() / gaps[0].Seconds()
		if f < 1.1 || f > 1.9 || !fits(gaps[0].Seconds(), f) {
			return
		}
		sd.sign(nameStrongSwan, 1, false, seen+fmt.Sprintf(": a backoff of ×%.1f, strongSwan's timeout × base^n with non-default settings", f))
	}
}

// fpQuirks notes known interoperability quirks in the evidence of the side concerned:
// XAUTH or Cisco Unity Vendor IDs on an IKEv1 tunnel that runs neither XAUTH nor Mode
// Config and after which no IPsec SA came up, when the peer is not known to be strongSwan
// or libreswan (which ignore them): Cisco IOS and racoon peers may wait for XAUTH or Mode
// Config before Quick Mode (the classic advice is to disable those vendor features on a
// site-to-site tunnel).
func (s *Session) fpQuirks(sides *[2]fpSide, out *Implementations) {
	if s.Version != 1 || s.UserAuth != "" || !s.Established || s.Phase2Done > 0 {
		return
	}
	for _, ex := range s.Exchanges {
		if ex.Type == decode.ExchangeTransaction {
			return
		}
	}
	impls := [2]*Implementation{out.Initiator, out.Responder}
	for i := range sides {
		peer := impls[1-i]
		if impls[i] == nil || peer != nil && (peer.Name == nameStrongSwan || peer.Name == nameLibreswan) {
			continue
		}
		var sent []string
		for _, v := range sides[i].feature {
			switch v.feature {
			case "xauth", "cisco-unity":
				sent = append(sent, fpShortVID(v))
			}
		}
		if len(sent) == 0 {
			continue
		}
		impls[i].Evidence = append(impls[i].Evidence, fmt.Sprintf("Announced %s (frame %s) on a tunnel without XAUTH or Mode Config, and no IPsec SA followed: a known interoperability quirk is a peer (Cisco IOS, racoon) that then waits for XAUTH or Mode Config before Quick Mode; on a site-to-site tunnel, disable those vendor features", strings.Join(sent, " and "), sides[i].featAt))
	}
}

// result names the side's implementation from its evidence, or nil.
func (sd *fpSide) result() *Implementation {
	sd.mergeVendor()
	eligible := func(c *fpCandidate) bool { return c.named > 0 || c.alone }
	var best *fpCandidate
	for _, c := range sd.cands {
		if !eligible(c) {
			continue
		}
		if best == nil || c.named > best.named || c.named == best.named && c.weight > best.weight {
			best = c
		}
	}
	if best == nil {
		return nil
	}
	impl := &Implementation{Name: best.name, Version: best.version, Evidence: slices.Clone(best.evidence)}
	tied := false
	for _, c := range sd.cands {
		if c == best || !eligible(c) {
			continue
		}
		if c.named == best.named && c.weight == best.weight {
			tied = true
		}
		for _, e := range c.evidence {
			impl.Evidence = append(impl.Evidence, "But "+c.name+": "+e)
		}
	}
	switch {
	case tied:
		impl.Confidence = "low"
	case best.named == 2:
		impl.Confidence = "high"
	case best.named > 0, best.weight >= 2:
		impl.Confidence = "medium"
	default:
		impl.Confidence = "low"
	}
	return impl
}

// mergeVendor folds a vendor's generic candidate ("Cisco") into the one product of that
// vendor the evidence names ("Cisco IOS").
func (sd *fpSide) mergeVendor() {
	for i := 0; i < len(sd.cands); i++ {
		g := sd.cands[i]
		var into *fpCandidate
		for _, c := range sd.cands {
			if c != g && strings.HasPrefix(c.name, g.name+" ") {
				if into != nil {
					into = nil
					break
				}
				into = c
			}
		}
		if into == nil {
			continue
		}
		into.named = max(into.named, g.named)
		into.weight += g.weight
		into.alone = into.alone || g.alone
		into.evidence = append(into.evidence, g.evidence...)
		sd.cands = slices.Delete(sd.cands, i, i+1)
		i--
	}
}

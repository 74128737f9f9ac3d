package decode

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// AnomalyKind says which protocol violation an Anomaly is.
type AnomalyKind uint8

// Protocol violations found in messages that still decode.
const (
	// AnomalyKELength: the data of an IKEv2 KE payload is not as long as its group's
	// public value (RFC 7296 3.4; RFC 5903 7, RFC 8031 2 for the elliptic curves).
	AnomalyKELength AnomalyKind = iota + 1
	// AnomalyInvalidKEGroupMissing: an IKEv2 INVALID_KE_PAYLOAD notification without the
	// two-octet group it must carry (RFC 7296 3.10.1).
	AnomalyInvalidKEGroupMissing
	// AnomalyNATDUnpaired: an IKEv2 message with NAT_DETECTION_SOURCE_IP but no
	// NAT_DETECTION_DESTINATION_IP, or the reverse (RFC 7296 2.23).
	AnomalyNATDUnpaired
	// AnomalyNATDSingle: an IKEv1 message with one NAT-D payload, where the remote
	// address's hash and at least one local one are required (RFC 3947 3.2).
	AnomalyNATDSingle
	// AnomalyExtraData: bytes after the last payload of a chain that parsed, inside the
	// length the header gives or after it in the datagram.
	AnomalyExtraData
	// AnomalyNoNonESPMarker: an ISAKMP message on UDP 4500 without the four zero bytes
	// that must precede it (RFC 3948 2.2).
	AnomalyNoNonESPMarker
	// AnomalyHeader: header fields that contradict the exchange: an IKE_SA_INIT with a
	// message ID other than 0, or an IKE_SA_INIT request without the Initiator flag (RFC
	// 7296 2.2, 3.1: only the original initiator sends IKE_SA_INIT requests); an IKE_AUTH
	// with message ID 0; an IKEv2 initiator SPI of zero (3.1); a major version that is
	// neither IKEv1's nor IKEv2's.
	AnomalyHeader
	// AnomalyCleartext: an IKEv2 IKE_AUTH or CREATE_CHILD_SA without an Encrypted
	// payload: everything after IKE_SA_INIT is encrypted (RFC 7296 1.2, 3.14).
	AnomalyCleartext
	// AnomalyPayloadOrder: a Phase 1 message whose SA payload is not the first (RFC 2409
	// 5: it must precede all other payloads), or a first Main Mode message (responder
	// cookie zero) without one.
	AnomalyPayloadOrder
	// AnomalyKEGroup: an IKEv2 KE payload whose group no proposal of the SA payload in the
	// same message names (RFC 7296 3.4).
	AnomalyKEGroup
	// AnomalyAttributes: an IKEv1 transform whose attributes repeat one (a life type and
	// its duration aside) or give a life duration with no life type right before it
	// (RFC 2409 Appendix A, RFC 2407 4.5: a duration follows the type it counts in).
	AnomalyAttributes
)

var anomalyKindNames = [...]string{
	AnomalyKELength:              "ke-length",
	AnomalyInvalidKEGroupMissing: "invalid-ke-group-missing",
	AnomalyNATDUnpaired:          "nat-d-unpaired",
	AnomalyNATDSingle:            "nat-d-single",
	AnomalyExtraData:             "extra-data",
	AnomalyNoNonESPMarker:        "no-non-esp-marker",
	AnomalyHeader:                "header",
	AnomalyCleartext:             "cleartext",
	AnomalyPayloadOrder:          "payload-order",
	AnomalyKEGroup:               "ke-group",
	AnomalyAttributes:            "attributes",
}

// String returns the kind's name ("ke-length"), or "AnomalyKind(N)".
func (k AnomalyKind) String() string {
	if int(k) < len(anomalyKindNames) && anomalyKindNames[k] != "" {
		return anomalyKindNames[k]
	}
	return "AnomalyKind(" + strconv.Itoa(int(k)) + ")"
}

// Anomaly is a protocol violation in a message that does not stop its decoding: the
// message's payloads are all there, but the sender broke a rule (unlike ISAKMP.Errors,
// which say where decoding could not go on).
type Anomaly struct {
	Kind   AnomalyKind
	Offset int    // byte offset from the start of the ISAKMP message
	Detail string // the facts, for people: "extra data after the last payload: 39 bytes"
}

// String returns "kind at offset N: detail".
func (a Anomaly) String() string {
	return fmt.Sprintf("%s at offset %d: %s", a.Kind, a.Offset, a.Detail)
}

func (m *ISAKMP) addAnomaly(kind AnomalyKind, off int, format string, args ...any) {
	m.Anomalies = append(m.Anomalies, Anomaly{Kind: kind, Offset: off, Detail: fmt.Sprintf(format, args...)})
}

// nBytes says "1 byte" or "N bytes".
func nBytes(n int) string {
	if n == 1 {
		return "1 byte"
	}
	return strconv.Itoa(n) + " bytes"
}

// addNoMarker records that the message came on UDP 4500 without the non-ESP marker.
func (m *ISAKMP) addNoMarker() {
	m.addAnomaly(AnomalyNoNonESPMarker, 0, "ISAKMP message on UDP 4500 without the 4-byte non-ESP marker")
}

// keDataLen is the length of a KE payload's data for each group whose public value has
// one length: the prime's length for MODP groups (RFC 7296 3.4: "MUST be equal to the
// length of the prime modulus"; RFC 2409 6, RFC 3526, RFC 5114), x and y for the ECP
// groups (RFC 5903 7, RFC 5114 4, RFC 6954 3), the u coordinate for Curve25519 and
// Curve448 (RFC 8031 2). Groups not listed (EC2N, GOST, ML-KEM, private ones) are not checked.
var keDataLen = map[uint16]int{
	1: 96, 2: 128, 5: 192, 14: 256, 15: 384, 16: 512, 17: 768, 18: 1024, // MODP
	22: 128, 23: 256, 24: 256, // MODP with prime-order subgroups
	19: 2 * 32, 20: 2 * 48, 21: 2 * 66, 25: 2 * 24, 26: 2 * 28, // NIST ECP
	27: 2 * 28, 28: 2 * 32, 29: 2 * 48, 30: 2 * 64, // Brainpool
	31: 32, 32: 56, // Curve25519, Curve448
}

// headerAnomalies looks for protocol violations in the header of any message, encrypted
// or not.
func (m *ISAKMP) headerAnomalies() {
	switch {
	case m.MajorVersion != 1 && m.MajorVersion != 2:
		m.addAnomaly(AnomalyHeader, 17, "major version %d: neither IKEv1 (1) nor IKEv2 (2); read as IKEv1", m.MajorVersion)
		return
	case !m.IsV2():
		if r := m.Flags &^ (FlagEncryption | FlagCommit | FlagAuthOnly); r != 0 {
			m.addAnomaly(AnomalyHeader, 19, "reserved flag bits 0x%02x set: they must be zero (RFC 2408 3.1)", uint8(r))
		}
		return
	}
	if r := m.Flags &^ (FlagInitiator | FlagHigherMajor | FlagResponse); r != 0 {
		m.addAnomaly(AnomalyHeader, 19, "reserved flag bits 0x%02x set (flags 0x%02x): a sender must clear them (RFC 7296 3.1), so the Initiator and Response flags of this message are not to be trusted either", uint8(r), uint8(m.Flags))
	}
	if m.InitiatorSPI == ([8]byte{}) {
		m.addAnomaly(AnomalyHeader, 0, "initiator SPI of zero, which it must never be (RFC 7296 3.1)")
	}
	switch m.ExchangeType {
	case ExchangeIKEAuth, ExchangeCreateChildSA:
		if m.ExchangeType == ExchangeIKEAuth && m.MessageID == 0 {
			m.addAnomaly(AnomalyHeader, 20, "IKE_AUTH with message ID 0, which is IKE_SA_INIT's: IKE_AUTH's is 1 or more (RFC 7296 2.2)")
		}
		// A clear payload first: a next payload of no known type is a damaged header,
		// which the payload errors already say.
		if m.NextPayload >= PayloadSA && m.NextPayload <= PayloadEAP && m.NextPayload != PayloadSK {
			m.addAnomaly(AnomalyCleartext, 16, "%s in the clear, without an Encrypted payload: everything after IKE_SA_INIT is encrypted (RFC 7296 1.2)", exchangeNames[uint8(m.ExchangeType)])
		}
	}
}

func (m *ISAKMP) hasSA() bool {
	for i := range m.Payloads {
		if m.Payloads[i].SA != nil {
			return true
		}
	}
	return false
}

// findAnomalies looks for protocol violations in the payloads of a message whose chain
// was walked; complete says the chain ended where it should and the capture did not cut
// it, so a payload missing from it is missing from the message.
func (m *ISAKMP) findAnomalies(complete bool) {
	v2 := m.IsV2()
	if !v2 && (m.ExchangeType == ExchangeMainMode || m.ExchangeType == ExchangeAggressive) && m.Flags&FlagEncryption == 0 && len(m.Payloads) > 1 && m.Payloads[0].SA == nil {
		for i := range m.Payloads[1:] {
			if p := &m.Payloads[1+i]; p.SA != nil {
				m.addAnomaly(AnomalyPayloadOrder, m.Payloads[0].Offset, "%s payload before the SA payload (at offset %d): in Phase 1 the SA payload comes first (RFC 2409 5)", m.Payloads[0].Type, p.Offset)
				break
			}
		}
	}
	if !v2 && m.ExchangeType == ExchangeMainMode && m.ResponderSPI == ([8]byte{}) && complete && m.Flags&FlagEncryption == 0 && len(m.Payloads) > 0 && !m.hasSA() {
		m.addAnomaly(AnomalyPayloadOrder, m.Payloads[0].Offset, "Main Mode message with responder cookie zero but no SA payload: only MM1 goes out before the responder's cookie is known, and it carries the SA (RFC 2408 3.1, RFC 2409 5)")
	}
	if v2 {
		m.keGroupAnomaly()
	} else {
		m.v1AttributeAnomalies()
	}
	if !v2 && m.NextPayload == PayloadNone && m.Flags&FlagEncryption == 0 && len(m.Payloads) == 0 &&
		(m.ExchangeType == ExchangeMainMode || m.ExchangeType == ExchangeAggressive || m.ExchangeType == ExchangeQuickMode) {
		m.addAnomaly(AnomalyHeader, 16, "%s message without any payload", exchangeNames[uint8(m.ExchangeType)])
	}
	if v2 && m.ExchangeType == ExchangeIKESAInit {
		if m.MessageID != 0 {
			m.addAnomaly(AnomalyHeader, 20, "IKE_SA_INIT with message ID %d (must be 0)", m.MessageID)
		}
		if m.Flags&(FlagInitiator|FlagResponse) == 0 {
			m.addAnomaly(AnomalyHeader, 19, "IKE_SA_INIT request without the Initiator flag: only the original initiator sends one")
		}
	}
	natdSrc, natdDst, natdV1 := -1, -1, 0
	firstNATD := -1
	for i := range m.Payloads {
		p := &m.Payloads[i]
		switch {
		case v2 && p.KE != nil && !p.Partial && p.Err == nil:
			if want, ok := keDataLen[p.KE.Group]; ok && len(p.KE.Data) != want {
				m.addAnomaly(AnomalyKELength, p.Offset, "KE data of %d bytes for group %d (%s), which needs %d",
					len(p.KE.Data), p.KE.Group, DHGroupName(p.KE.Group), want)
			}
		case v2 && p.Notify != nil && !p.Partial && p.Err == nil:
			switch p.Notify.Type {
			case 17: // INVALID_KE_PAYLOAD
				if len(p.Notify.Data) < 2 {
					m.addAnomaly(AnomalyInvalidKEGroupMissing, p.Offset,
						"INVALID_KE_PAYLOAD without the 2-byte group: %s of notification data", nBytes(len(p.Notify.Data)))
				}
			case 16388: // NAT_DETECTION_SOURCE_IP
				if natdSrc < 0 {
					natdSrc = p.Offset
				}
			case 16389: // NAT_DETECTION_DESTINATION_IP
				if natdDst < 0 {
					natdDst = p.Offset
				}
			}
		case !v2 && p.IsNATD():
			natdV1++
			if firstNATD < 0 {
				firstNATD = p.Offset
			}
		}
	}
	if !complete {
		return
	}
	switch {
	case natdSrc >= 0 && natdDst < 0:
		m.addAnomaly(AnomalyNATDUnpaired, natdSrc, "NAT_DETECTION_SOURCE_IP without NAT_DETECTION_DESTINATION_IP")
	case natdDst >= 0 && natdSrc < 0:
		m.addAnomaly(AnomalyNATDUnpaired, natdDst, "NAT_DETECTION_DESTINATION_IP without NAT_DETECTION_SOURCE_IP")
	}
	if natdV1 == 1 {
		m.addAnomaly(AnomalyNATDSingle, firstNATD, "one NAT-D payload; at least two are required (the peer's address and ours)")
	}
}

// keGroupAnomaly checks an IKEv2 KE payload's group against the DH transforms of the SA
// payload in the same message: the group must be one of them (RFC 7296 3.4). A message
// whose proposals name no DH transform (a CHILD_SA without PFS) is not checked.
func (m *ISAKMP) keGroupAnomaly() {
	var ke *Payload
	var groups []uint16
	for i := range m.Payloads {
		p := &m.Payloads[i]
		switch {
		case p.KE != nil && !p.Partial && p.Err == nil:
			ke = p
		case p.SA != nil:
			for _, pr := range p.SA.Proposals {
				for _, t := range pr.Transforms {
					if t.Type == TransformDH {
						groups = append(groups, t.ID)
					}
				}
			}
		}
	}
	if ke == nil || len(groups) == 0 || slices.Contains(groups, ke.KE.Group) {
		return
	}
	names := make([]string, 0, len(groups))
	for _, g := range groups {
		if n := DHGroupName(g); !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	m.addAnomaly(AnomalyKEGroup, ke.Offset, "KE for group %d (%s), which the SA payload of the same message does not name (it names %s; RFC 7296 3.4)",
		ke.KE.Group, DHGroupName(ke.KE.Group), strings.Join(names, ", "))
}

// v1AttributeAnomalies checks the attributes of every IKEv1 transform: each class once
// (the life type and duration pairs may repeat, one pair per unit), each life duration
// right after a life type.
func (m *ISAKMP) v1AttributeAnomalies() {
	for i := range m.Payloads {
		p := &m.Payloads[i]
		if p.SA == nil {
			continue
		}
		for _, pr := range p.SA.Proposals {
			lifeType, lifeDur := uint16(1), uint16(2) // IPsec DOI (RFC 2407 4.5)
			if pr.ProtocolID == 1 {
				lifeType, lifeDur = 11, 12 // ISAKMP (RFC 2409 Appendix A)
			}
			for _, t := range pr.Transforms {
				var seen []uint16
				prev := uint16(0)
				for _, a := range t.Attributes {
					switch {
					case a.Type == lifeDur && prev != lifeType:
						m.addAnomaly(AnomalyAttributes, p.Offset, "transform #%d: a life duration (%d) with no life type right before it, so its unit is not said", t.Number, a.Value)
					case a.Type != lifeType && a.Type != lifeDur && slices.Contains(seen, a.Type):
						m.addAnomaly(AnomalyAttributes, p.Offset, "transform #%d: attribute %s given twice", t.Number, V1AttrName(pr.ProtocolID, a.Type))
					}
					seen = append(seen, a.Type)
					prev = a.Type
				}
			}
		}
	}
}

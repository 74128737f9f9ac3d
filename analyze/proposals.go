package analyze

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ikescope/ikescope/decode"
)

// Proposal is one acceptable set of algorithms, in the words an administrator configures
// them. An IKEv1 transform is one set with one value in each list; an IKEv2 proposal lists
// the alternatives it accepts for each transform type.
type Proposal struct {
	Protocol   string        `json:"protocol"` // IKE, ISAKMP, ESP, AH
	Encryption []string      `json:"encryption,omitempty"`
	Integrity  []string      `json:"integrity,omitempty"` // IKEv1 hash / Phase 2 auth algorithm, IKEv2 INTEG
	PRF        []string      `json:"prf,omitempty"`
	Groups     []string      `json:"groups,omitempty"` // DH groups; "none" for Phase 2 without PFS
	Auth       string        `json:"auth,omitempty"`   // IKEv1 authentication method
	ESN        []string      `json:"esn,omitempty"`
	Mode       string        `json:"mode,omitempty"` // IKEv1 Phase 2 encapsulation mode
	Lifetime   time.Duration `json:"lifetime_ns,omitempty"`
	LifeKB     uint64        `json:"lifetime_kb,omitempty"`
	GroupIDs   []uint16      `json:"-"`
	EncIDs     []string      `json:"-"`
}

// String is a one-line summary: "AES-CBC-128 SHA2-256 MODP_2048 PSK 8h".
func (p Proposal) String() string {
	var parts []string
	add := func(vals []string) {
		if len(vals) > 0 {
			parts = append(parts, strings.Join(vals, "/"))
		}
	}
	add(p.Encryption)
	add(p.Integrity)
	if len(p.PRF) > 0 && !sameStrings(p.PRF, p.Integrity) {
		add(prefixed("PRF ", p.PRF))
	}
	if len(p.Groups) == 1 && p.Groups[0] == "none" {
		parts = append(parts, "no PFS") // Phase 2 without a DH group of its own
	} else {
		add(p.Groups)
	}
	if p.Auth != "" {
		parts = append(parts, p.Auth)
	}
	if p.Mode != "" && p.Mode != "Tunnel" {
		parts = append(parts, p.Mode)
	}
	if p.Lifetime > 0 {
		parts = append(parts, shortDuration(p.Lifetime))
	}
	if len(parts) == 0 {
		return p.Protocol
	}
	return strings.Join(parts, " ")
}

func prefixed(pre string, vals []string) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = pre + v
	}
	return out
}

func shortDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Admin-facing names for the common algorithms; anything else keeps its registry name.
var v1EncNames = map[uint32]string{1: "DES", 2: "IDEA", 3: "Blowfish", 4: "RC5", 5: "3DES", 6: "CAST", 7: "AES-CBC", 8: "Camellia-CBC"}
var v1HashNames = map[uint32]string{1: "MD5", 2: "SHA1", 3: "Tiger", 4: "SHA2-256", 5: "SHA2-384", 6: "SHA2-512"}
var v1AuthNames = map[uint32]string{1: "PSK", 2: "DSS", 3: "RSA", 4: "RSA-enc", 5: "RSA-rev-enc", 9: "ECDSA-256", 10: "ECDSA-384", 11: "ECDSA-521",
	64221: "Hybrid-RSA", 64222: "Hybrid-RSA", 64223: "Hybrid-DSS", 64224: "Hybrid-DSS",
	65001: "XAUTH-PSK", 65002: "XAUTH-PSK", 65003: "XAUTH-DSS", 65004: "XAUTH-DSS", 65005: "XAUTH-RSA", 65006: "XAUTH-RSA",
	65007: "XAUTH-RSA-enc", 65008: "XAUTH-RSA-enc", 65009: "XAUTH-RSA-rev", 65010: "XAUTH-RSA-rev"}
var espNames = map[uint16]string{1: "DES-IV64", 2: "DES", 3: "3DES", 6: "CAST", 7: "Blowfish", 11: "NULL", 12: "AES-CBC", 13: "AES-CTR",
	14: "AES-CCM-8", 15: "AES-CCM-12", 16: "AES-CCM-16", 18: "AES-GCM-8", 19: "AES-GCM-12", 20: "AES-GCM-16", 22: "Camellia-CBC"}
var p2AuthNames = map[uint32]string{1: "HMAC-MD5", 2: "HMAC-SHA1", 5: "HMAC-SHA2-256", 6: "HMAC-SHA2-384", 7: "HMAC-SHA2-512", 9: "AES-XCBC"}
var v2EncNames = map[uint16]string{2: "DES", 3: "3DES", 6: "CAST", 7: "Blowfish", 11: "NULL", 12: "AES-CBC", 13: "AES-CTR",
	14: "AES-CCM-8", 15: "AES-CCM-12", 16: "AES-CCM-16", 18: "AES-GCM-8", 19: "AES-GCM-12", 20: "AES-GCM-16",
	23: "Camellia-CBC", 28: "ChaCha20-Poly1305"}
var v2PRFNames = map[uint16]string{1: "HMAC-MD5", 2: "HMAC-SHA1", 4: "AES-XCBC", 5: "HMAC-SHA2-256", 6: "HMAC-SHA2-384", 7: "HMAC-SHA2-512", 8: "AES-CMAC"}
var v2IntegNames = map[uint16]string{0: "none", 1: "HMAC-MD5-96", 2: "HMAC-SHA1-96", 5: "AES-XCBC-96", 7: "HMAC-SHA1-160", 8: "AES-CMAC-96",
	12: "HMAC-SHA2-256-128", 13: "HMAC-SHA2-384-192", 14: "HMAC-SHA2-512-256"}

func nameOr(m map[uint32]string, v uint32, fallback string) string {
	if n, ok := m[v]; ok {
		return n
	}
	return fallback
}

func name16(m map[uint16]string, v uint16, fallback string) string {
	if n, ok := m[v]; ok {
		return n
	}
	return fallback
}

func withKeyLen(name string, bits uint64) string {
	if bits == 0 {
		return name
	}
	return fmt.Sprintf("%s-%d", name, bits)
}

// Proposals turns an SA payload into Proposals. IKEv1 transforms become one Proposal each.
func Proposals(sa *decode.SA, v2 bool) []Proposal {
	if sa == nil {
		return nil
	}
	var out []Proposal
	for i := range sa.Proposals {
		p := &sa.Proposals[i]
		if v2 {
			out = append(out, v2Proposal(p))
			continue
		}
		for j := range p.Transforms {
			out = append(out, v1Proposal(p, &p.Transforms[j]))
		}
	}
	return out
}

func v1Proposal(p *decode.Proposal, t *decode.Transform) Proposal {
	pr := Proposal{Protocol: decode.ProtocolName(false, p.ProtocolID)}
	var lifeType uint64 = 1
	var keyLen uint64
	var enc string
	for _, a := range t.Attributes {
		if a.Type == 14 && p.ProtocolID == decode.ProtocolISAKMP || a.Type == 6 && p.ProtocolID != decode.ProtocolISAKMP {
			keyLen = a.Value
		}
	}
	if p.ProtocolID == decode.ProtocolISAKMP { // Phase 1, RFC 2409 Appendix A
		for _, a := range t.Attributes {
			v := uint32(a.Value)
			switch a.Type {
			case 1:
				enc = nameOr(v1EncNames, v, decode.V1AttrValueName(1, 1, v))
				pr.EncIDs = append(pr.EncIDs, fmt.Sprint(v))
			case 2:
				pr.Integrity = append(pr.Integrity, nameOr(v1HashNames, v, decode.V1AttrValueName(1, 2, v)))
			case 3:
				pr.Auth = nameOr(v1AuthNames, v, decode.V1AttrValueName(1, 3, v))
			case 4:
				pr.Groups = append(pr.Groups, decode.DHGroupName(uint16(v)))
				pr.GroupIDs = append(pr.GroupIDs, uint16(v))
			case 11:
				lifeType = a.Value
			case 12:
				lifetime(&pr, lifeType, a.Value)
			}
		}
		if enc != "" {
			pr.Encryption = []string{withKeyLen(enc, keyLen)}
		}
		return pr
	}
	// Phase 2, RFC 2407 4.5: the transform ID is the cipher (ESP) or the algorithm (AH).
	if p.ProtocolID == decode.ProtocolESP {
		pr.Encryption = []string{withKeyLen(name16(espNames, t.ID, decode.V1TransformName(3, uint8(t.ID))), keyLen)}
	} else {
		pr.Integrity = []string{decode.V1TransformName(p.ProtocolID, uint8(t.ID))}
	}
	pr.Groups = []string{"none"}
	for _, a := range t.Attributes {
		v := uint32(a.Value)
		switch a.Type {
		case 1:
			lifeType = a.Value
		case 2:
			lifetime(&pr, lifeType, a.Value)
		case 3:
			pr.Groups = []string{decode.DHGroupName(uint16(v))}
			pr.GroupIDs = []uint16{uint16(v)}
		case 4:
			pr.Mode = modeName(v)
		case 5:
			if p.ProtocolID == decode.ProtocolESP {
				pr.Integrity = []string{nameOr(p2AuthNames, v, decode.V1AttrValueName(3, 5, v))}
			}
		}
	}
	return pr
}

func modeName(v uint32) string {
	switch v {
	case 1, 3, 61443:
		return "Tunnel"
	case 2, 4, 61444:
		return "Transport"
	}
	return decode.V1AttrValueName(3, 4, v)
}

func lifetime(pr *Proposal, lifeType, v uint64) {
	if lifeType == 2 {
		pr.LifeKB = v
		return
	}
	pr.Lifetime = time.Duration(v) * time.Second
}

func v2Proposal(p *decode.Proposal) Proposal {
	pr := Proposal{Protocol: decode.ProtocolName(true, p.ProtocolID)}
	for i := range p.Transforms {
		t := &p.Transforms[i]
		var keyLen uint64
		if a, ok := t.Attr(14); ok {
			keyLen = a.Value
		}
		switch t.Type {
		case 1:
			pr.Encryption = append(pr.Encryption, withKeyLen(name16(v2EncNames, t.ID, decode.V2TransformIDName(1, t.ID)), keyLen))
		case 2:
			pr.PRF = append(pr.PRF, name16(v2PRFNames, t.ID, decode.V2TransformIDName(2, t.ID)))
		case 3:
			pr.Integrity = append(pr.Integrity, name16(v2IntegNames, t.ID, decode.V2TransformIDName(3, t.ID)))
		case 4:
			pr.Groups = append(pr.Groups, decode.DHGroupName(t.ID))
			pr.GroupIDs = append(pr.GroupIDs, t.ID)
		case 5:
			pr.ESN = append(pr.ESN, map[uint16]string{0: "no ESN", 1: "ESN"}[t.ID])
		}
	}
	if p.ProtocolID != 1 && len(pr.Groups) == 0 {
		pr.Groups = []string{"none"}
	}
	return pr
}

// attribute names an attribute of a Proposal for a diff.
type attribute struct {
	name string
	get  func(Proposal) []string
}

var diffAttributes = []attribute{
	{"encryption", func(p Proposal) []string { return p.Encryption }},
	{"integrity/hash", func(p Proposal) []string { return p.Integrity }},
	{"PRF", func(p Proposal) []string { return p.PRF }},
	{"DH group", func(p Proposal) []string { return p.Groups }},
	{"authentication method", func(p Proposal) []string { return single(p.Auth) }},
	{"ESN", func(p Proposal) []string { return p.ESN }},
	{"encapsulation mode", func(p Proposal) []string { return single(p.Mode) }},
}

func single(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func intersects(a, b []string) bool {
	if len(a) == 0 || len(b) == 0 {
		return true // not stated on one side: not what differs
	}
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

// Difference is one attribute two sets of proposals cannot agree on.
type Difference struct {
	Attribute string   `json:"attribute"`
	Ours      []string `json:"initiator"`
	Theirs    []string `json:"responder"`
}

// Diff compares two peers' proposals. It returns nil when some pair of proposals agrees on
// every attribute; otherwise the differences of the closest pair (fewest differing
// attributes), which is what one side has to change.
func Diff(a, b []Proposal) []Difference {
	var best []Difference
	for _, x := range a {
		for _, y := range b {
			var diffs []Difference
			for _, attr := range diffAttributes {
				if !intersects(attr.get(x), attr.get(y)) {
					diffs = append(diffs, Difference{Attribute: attr.name, Ours: attr.get(x), Theirs: attr.get(y)})
				}
			}
			if len(diffs) == 0 {
				return nil
			}
			if best == nil || len(diffs) < len(best) {
				best = diffs
			}
		}
	}
	return best
}

// Union lists every value offered for an attribute across proposals, sorted.
func Union(ps []Proposal, get func(Proposal) []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range ps {
		for _, v := range get(p) {
			if !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	sort.Strings(out)
	return out
}

// OfferText summarises a list of proposals: "AES-CBC-128 SHA2-256 MODP_2048 PSK; AES-CBC-256 SHA1 MODP_1024 PSK".
func OfferText(ps []Proposal) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return strings.Join(parts, "; ")
}

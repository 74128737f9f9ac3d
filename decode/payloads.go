package decode

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"
	"time"
)

// Payload types by number (IANA "ISAKMP Payload Types" and "IKEv2 Payload Types").
const (
	PayloadNone        PayloadType = 0
	PayloadV1SA        PayloadType = 1
	PayloadV1Proposal  PayloadType = 2
	PayloadV1Transform PayloadType = 3
	PayloadV1KE        PayloadType = 4
	PayloadV1ID        PayloadType = 5
	PayloadV1Cert      PayloadType = 6
	PayloadV1CertReq   PayloadType = 7
	PayloadV1Hash      PayloadType = 8
	PayloadV1Sig       PayloadType = 9
	PayloadV1Nonce     PayloadType = 10
	PayloadV1Notify    PayloadType = 11
	PayloadV1Delete    PayloadType = 12
	PayloadV1VendorID  PayloadType = 13
	PayloadV1Attr      PayloadType = 14
	PayloadV1NATD      PayloadType = 20
	PayloadV1NATOA     PayloadType = 21
	PayloadV1NATDDraft PayloadType = 130
	// NAT-D as drafts 04 to 08 of RFC 3947 numbered it (Payload.DraftNAT): 15 is GDOI's
	// SAK elsewhere.
	PayloadV1NATDDraft04 PayloadType = 15
	PayloadV1NATOADraft  PayloadType = 131
	PayloadV1Fragment    PayloadType = 132
	PayloadSA            PayloadType = 33
	PayloadKE            PayloadType = 34
	PayloadIDi           PayloadType = 35
	PayloadIDr           PayloadType = 36
	PayloadCert          PayloadType = 37
	PayloadCertReq       PayloadType = 38
	PayloadAuth          PayloadType = 39
	PayloadNonce         PayloadType = 40
	PayloadNotify        PayloadType = 41
	PayloadDelete        PayloadType = 42
	PayloadVendorID      PayloadType = 43
	PayloadTSi           PayloadType = 44
	PayloadTSr           PayloadType = 45
	PayloadSK            PayloadType = 46
	PayloadCP            PayloadType = 47
	PayloadEAP           PayloadType = 48
	PayloadSKF           PayloadType = 53
)

// Payload is one payload of an ISAKMP message: the generic header and, for payload types
// with structure, the decoded body in exactly one of the typed fields.
type Payload struct {
	Type     PayloadType
	Critical bool   // IKEv2 critical bit
	Length   uint16 // payload length including the 4-byte generic header
	Offset   int    // offset of the generic header in the message
	Body     []byte // the body after the generic header
	Partial  bool   // the body runs past the end of the message or the capture
	// DraftNAT is set on types 15 and 16 in an IKEv1 Main or Aggressive Mode message:
	// NAT-D and NAT-OA as drafts 04 to 08 of RFC 3947 numbered them, before IANA gave
	// them 20 and 21 (the registry's 15 and 16, GDOI's SAK and SAT, belong to GDOI's own
	// exchanges). Wireshark names them by the registry; Name and IsNATD read them right.
	DraftNAT bool

	SA        *SA
	KE        *KeyExchange
	ID        *Identification
	Cert      *Certificate // CERT and CERTREQ
	Auth      *Authentication
	Notify    *Notify
	Delete    *Delete
	VendorID  *VendorID
	NATOA     *NATOA
	TS        *TrafficSelectors
	Config    *Config
	EAP       *EAP
	Encrypted *Encrypted // SK, SKF
	Fragment  *V1Fragment

	// Data is the payload's value for HASH, SIG, Nonce, NAT-D and payloads without
	// further structure (the same bytes as Body).
	Data []byte

	Err error // the first error in this payload's body, also listed in ISAKMP.Errors
}

// SA is a Security Association payload (RFC 2408 3.4 with RFC 2407 4.6.1; RFC 7296 3.3).
type SA struct {
	DOI       uint32 // IKEv1 only
	Situation uint32 // IKEv1 only
	Proposals []Proposal
}

// Proposal is one proposal of an SA payload.
type Proposal struct {
	Number        uint8
	ProtocolID    uint8
	SPI           []byte
	NumTransforms uint8 // as the proposal states it
	Transforms    []Transform
}

// Transform is one transform of a proposal. IKEv1 transforms carry a number and an ID whose
// meaning depends on the proposal's protocol; IKEv2 transforms carry a type and an ID.
type Transform struct {
	Number     uint8         // IKEv1
	Type       TransformType // IKEv2
	ID         uint16
	Attributes []Attribute
}

// Attribute is an SA attribute in the ISAKMP data attribute format (RFC 2408 3.3).
type Attribute struct {
	Type  uint16 // without the AF bit
	Short bool   // TV form (AF bit set): Value holds the 16-bit value
	Value uint64 // the value as a number when it is at most 8 bytes long
	Data  []byte // the TLV value bytes
}

// KeyLength returns the IKEv2 Key Length attribute of a transform, or the IKEv1 one.
func (t *Transform) Attr(typ uint16) (Attribute, bool) {
	for _, a := range t.Attributes {
		if a.Type == typ {
			return a, true
		}
	}
	return Attribute{}, false
}

// KeyExchange is a KE payload. IKEv1 KE has no group field; the group comes from the SA.
type KeyExchange struct {
	Group uint16 // IKEv2 only
	Data  []byte
}

// Identification is an ID payload (RFC 2407 4.6.2, RFC 7296 3.5).
type Identification struct {
	Type       uint8
	ProtocolID uint8  // IKEv1 only (IP protocol)
	Port       uint16 // IKEv1 only
	Data       []byte
	Text       string // the value in readable form: address, subnet, range, name, DN or hex key ID
}

// Certificate is a CERT or CERTREQ payload. For X.509 certificates the subject, issuer and
// validity are filled when the certificate parses.
type Certificate struct {
	Encoding  uint8
	Data      []byte
	Subject   string
	Issuer    string
	NotBefore time.Time
	NotAfter  time.Time
	// Authorities lists the CA names (IKEv1 CERTREQ DN) or SHA-1 key hashes (IKEv2 CERTREQ).
	Authorities []string
	ParseError  string // why an X.509 certificate did not parse
}

// Authentication is an IKEv2 AUTH payload.
type Authentication struct {
	Method uint8
	Data   []byte
}

// Notify is a Notification payload (RFC 2408 3.14, RFC 7296 3.10).
type Notify struct {
	DOI        uint32 // IKEv1 only
	ProtocolID uint8
	Type       NotifyType
	SPI        []byte
	Data       []byte

	// Decoded notification data where it means something.
	Group       uint16      // INVALID_KE_PAYLOAD: the group the responder wants
	HashAlgs    []uint16    // SIGNATURE_HASH_ALGORITHMS
	Sequence    uint32      // DPD R-U-THERE / R-U-THERE-ACK sequence number
	HasSequence bool        // Sequence is set
	Attributes  []Attribute // IKEv1 RESPONDER-LIFETIME
	Gateway     string      // REDIRECT, REDIRECTED_FROM: the gateway's address or name
}

// Delete is a Delete payload.
type Delete struct {
	DOI        uint32 // IKEv1 only
	ProtocolID uint8
	SPISize    uint8
	NumSPIs    uint16 // as the payload states it
	SPIs       [][]byte
}

// VendorID is a Vendor ID payload and what it is known to mean.
type VendorID struct {
	Data  []byte
	Known bool
	Info  VendorIDInfo
}

// NATOA is an IKEv1 NAT Original Address payload (RFC 3947 5.2).
type NATOA struct {
	IDType  uint8
	Address netip.Addr
}

// TrafficSelectors is an IKEv2 TSi or TSr payload (RFC 7296 3.13).
type TrafficSelectors struct {
	Count     uint8 // as the payload states it
	Selectors []TrafficSelector
}

// TrafficSelector is one traffic selector.
type TrafficSelector struct {
	Type       uint8
	IPProtocol uint8
	StartPort  uint16
	EndPort    uint16
	Start      netip.Addr
	End        netip.Addr
	Data       []byte // selectors of other types (security labels)
}

// Config is an IKEv2 CP payload or an IKEv1 Attribute (Mode-Config/XAUTH) payload.
type Config struct {
	Type       uint8
	Identifier uint16 // IKEv1 only
	Attributes []ConfigAttribute
}

// ConfigAttribute is one configuration attribute. Secret attributes (passwords) never keep
// their value: Value is nil and Length tells how long it was.
type ConfigAttribute struct {
	Type   uint16
	Length int
	Value  []byte
	Number uint64 // value as a number for short (TV) IKEv1 attributes
	Short  bool
	Secret bool
}

// EAP is an IKEv2 EAP payload's EAP header.
type EAP struct {
	Code       uint8
	Identifier uint8
	Length     uint16
	Type       uint8 // Request and Response only
	HasType    bool
	Data       []byte // the type data after Type (an identity, a Nak's methods, a method's packet)
}

// Encrypted is an IKEv2 SK or SKF payload, or the encrypted body of an IKEv1 message.
// Without keys it is only its length; FirstPayload names the first payload inside.
type Encrypted struct {
	FirstPayload   PayloadType
	FragmentNumber uint16 // SKF only
	TotalFragments uint16 // SKF only
	Data           []byte // IV, ciphertext and integrity checksum
}

// V1Fragment is an IKEv1 fragmentation payload (Cisco-style, payload type 132).
type V1Fragment struct {
	ID     uint16
	Number uint8
	Last   bool
	Data   []byte
}

// parsePayloadBody decodes p.Body according to p.Type. base is the body's offset in the
// message. Errors are stored in p.Err; whatever was decoded before the error is kept.
func parsePayloadBody(p *Payload, v2 bool, base int, al *bodies) {
	c := newCursor(p.Body, base)
	switch p.Type {
	case PayloadV1SA, PayloadSA:
		p.SA = parseSA(&c, v2 || p.Type == PayloadSA, al)
	case PayloadV1KE:
		p.KE = al.kes.one()
		p.KE.Data = c.rest()
	case PayloadKE:
		ke := al.kes.one()
		ke.Group = c.u16("KE group")
		c.skip(2, "KE reserved")
		ke.Data = c.rest()
		p.KE = ke
	case PayloadV1ID, PayloadIDi, PayloadIDr:
		p.ID = parseID(&c, p.Type != PayloadV1ID, al)
	case PayloadV1Cert, PayloadCert:
		p.Cert = parseCert(&c)
	case PayloadV1CertReq, PayloadCertReq:
		p.Cert = parseCertReq(&c, p.Type == PayloadCertReq)
	case PayloadAuth:
		a := al.auths.one()
		a.Method = c.u8("AUTH method")
		c.skip(3, "AUTH reserved")
		a.Data = c.rest()
		p.Auth = a
	case PayloadV1Notify, PayloadNotify:
		p.Notify = parseNotify(&c, p.Type == PayloadNotify, al)
	case PayloadV1Delete, PayloadDelete:
		p.Delete = parseDelete(&c, p.Type == PayloadDelete, al)
	case PayloadV1VendorID, PayloadVendorID:
		vid := al.vids.one()
		vid.Data = c.rest()
		vid.Info, vid.Known = LookupVendorID(vid.Data)
		p.VendorID = vid
	case PayloadV1NATOA, PayloadV1NATOADraft:
		p.NATOA = parseNATOA(&c)
	case PayloadTSi, PayloadTSr:
		p.TS = parseTS(&c, al)
	case PayloadV1Attr, PayloadCP:
		p.Config = parseConfig(&c, p.Type == PayloadCP)
	case PayloadEAP:
		p.EAP = parseEAP(&c)
	case PayloadSK:
		p.Encrypted = al.encrypted.one()
		p.Encrypted.Data = c.rest()
	case PayloadSKF:
		e := al.encrypted.one()
		e.FragmentNumber, e.TotalFragments = c.u16("SKF fragment number"), c.u16("SKF total fragments")
		e.Data = c.rest()
		if c.err == nil && (e.FragmentNumber == 0 || e.FragmentNumber > e.TotalFragments) {
			c.fail("SKF fragment number", errBadValue)
		}
		p.Encrypted = e
	case PayloadV1Fragment:
		f := al.fragments.one()
		f.ID, f.Number = c.u16("fragment ID"), c.u8("fragment number")
		f.Last = c.u8("fragment flags")&1 != 0
		f.Data = c.rest()
		p.Fragment = f
	default:
		p.Data = c.rest()
	}
	if c.err != nil {
		p.Err = fmt.Errorf("payload %s: %w", p.Type, c.err)
	}
}

// parseSA decodes an SA payload body. IKEv1 proposals are payloads of type 2 chained by
// their own next-payload field; IKEv2 proposals are substructures whose first byte is 0 or 2.
func parseSA(c *cursor, v2 bool, al *bodies) *SA {
	sa := al.sas.one()
	if !v2 {
		sa.DOI = c.u32("SA DOI")
		sa.Situation = c.u32("SA situation")
		if c.err != nil {
			return sa
		}
		if sa.DOI != 1 && sa.DOI != 0 {
			// Other DOIs (GDOI) lay out the rest differently; leave it opaque.
			c.rest()
			return sa
		}
		if sa.Situation&0x6 != 0 {
			// SIT_SECRECY / SIT_INTEGRITY carry labelled domain fields we do not decode.
			c.rest()
			return sa
		}
	}
	props := al.proposalScratch[:0]
	sa.Proposals, props = parseProposals(c, v2, al, props)
	clear(props)
	al.proposalScratch = props[:0]
	if c.err == nil && c.remaining() > 0 {
		c.fail("SA payload", errTrailingData)
	}
	return sa
}

// parseProposals reads an SA's proposals into props (scratch) and gives them a place of
// their own; props is returned for reuse.
func parseProposals(c *cursor, v2 bool, al *bodies, props []Proposal) ([]Proposal, []Proposal) {
	for n := 1; c.remaining() > 0; n++ {
		start := c.off
		more, sub, ok := c.substructure("SA proposal", n, 0)
		if !ok {
			break
		}
		props = append(props, parseProposal(&sub, v2, n, al))
		c.adopt(&sub)
		if more == 0 {
			break
		}
		if (v2 && more != 2) || (!v2 && more != uint8(PayloadV1Proposal)) {
			c.off = start
			c.fail(fmt.Sprintf("SA proposal %d next payload", n), errBadValue)
			break
		}
	}
	return al.proposals.copyOf(props), props
}

func parseProposal(c *cursor, v2 bool, num int, al *bodies) Proposal {
	p := Proposal{
		Number:     c.u8("number"),
		ProtocolID: c.u8("protocol"),
	}
	spiSize := int(c.u8("SPI size"))
	p.NumTransforms = c.u8("transform count")
	p.SPI = c.bytes(spiSize, "SPI")
	ts := al.transformScratch[:0]
	defer func() {
		clear(ts)
		al.transformScratch = ts[:0]
	}()
	for n := 1; c.remaining() > 0; n++ {
		more, sub, ok := c.substructure("SA proposal", num, n)
		if !ok {
			p.Transforms = al.transforms.copyOf(ts)
			return p
		}
		var t Transform
		if v2 {
			t.Type = TransformType(sub.u8("type"))
			sub.skip(1, "reserved")
			t.ID = sub.u16("ID")
		} else {
			t.Number = sub.u8("number")
			t.ID = uint16(sub.u8("ID"))
			sub.skip(2, "reserved")
		}
		t.Attributes = parseAttributes(&sub, al)
		ts = append(ts, t)
		c.adopt(&sub)
		if more == 0 {
			break
		}
	}
	p.Transforms = al.transforms.copyOf(ts)
	if c.err == nil && len(p.Transforms) != int(p.NumTransforms) {
		c.fail("transforms", fmt.Errorf("%w: %d transforms stated, %d present", errCount, p.NumTransforms, len(p.Transforms)))
	}
	return p
}

// parseAttributes reads data attributes until the cursor is exhausted.
func parseAttributes(c *cursor, al *bodies) []Attribute {
	attrs := al.attributeScratch[:0]
	for c.remaining() > 0 {
		a, ok := parseAttribute(c)
		if !ok {
			break
		}
		attrs = append(attrs, a)
	}
	out := al.attributes.copyOf(attrs)
	clear(attrs)
	al.attributeScratch = attrs[:0]
	return out
}

func parseAttribute(c *cursor) (Attribute, bool) {
	t := c.u16("attribute type")
	v := c.u16("attribute value")
	if c.err != nil {
		return Attribute{}, false
	}
	a := Attribute{Type: t & 0x7fff}
	if t&0x8000 != 0 {
		a.Short = true
		a.Value = uint64(v)
		return a, true
	}
	a.Data = c.bytes(int(v), "attribute value")
	if c.err != nil {
		return a, false
	}
	if len(a.Data) <= 8 {
		for _, b := range a.Data {
			a.Value = a.Value<<8 | uint64(b)
		}
	}
	return a, true
}

func parseID(c *cursor, v2 bool, al *bodies) *Identification {
	id := al.ids.one()
	id.Type = c.u8("ID type")
	if v2 {
		c.skip(3, "ID reserved")
	} else {
		id.ProtocolID = c.u8("ID protocol")
		id.Port = c.u16("ID port")
	}
	id.Data = c.rest()
	if c.err == nil {
		var err error
		id.Text, err = identityText(id.Type, v2, id.Data)
		if err != nil {
			c.off = 0
			c.fail("ID data", err)
		}
	}
	return id
}

// identityText renders an identity value. The ID type numbering is shared by IKEv1 and
// IKEv2 for the types both have; 4, 6, 7, 8 are IKEv1 subnets and ranges.
func identityText(typ uint8, v2 bool, b []byte) (string, error) {
	switch {
	case typ == 1: // ID_IPV4_ADDR
		return addrText(b, 4)
	case typ == 5: // ID_IPV6_ADDR
		return addrText(b, 16)
	case typ == 2 || typ == 3: // ID_FQDN, ID_USER_FQDN / ID_RFC822_ADDR
		return printable(b), nil
	case typ == 9: // ID_DER_ASN1_DN
		return dnText(b)
	case typ == 11: // ID_KEY_ID
		return fmt.Sprintf("%x", b), nil
	case typ == 13 && v2: // ID_NULL
		return "", nil
	case !v2 && (typ == 4 || typ == 6): // subnets
		n := 4
		if typ == 6 {
			n = 16
		}
		if len(b) != 2*n {
			return "", fmt.Errorf("%w: %d bytes for an address and mask of %d", errBadValue, len(b), 2*n)
		}
		a, _ := netip.AddrFromSlice(b[:n])
		m, _ := netip.AddrFromSlice(b[n:])
		if bits, ok := maskBits(m.AsSlice()); ok {
			return netip.PrefixFrom(a, bits).String(), nil
		}
		return a.String() + "/" + m.String(), nil
	case !v2 && (typ == 7 || typ == 8): // ranges
		n := 4
		if typ == 8 {
			n = 16
		}
		if len(b) != 2*n {
			return "", fmt.Errorf("%w: %d bytes for an address range of %d", errBadValue, len(b), 2*n)
		}
		a, _ := netip.AddrFromSlice(b[:n])
		z, _ := netip.AddrFromSlice(b[n:])
		return a.String() + "-" + z.String(), nil
	}
	return fmt.Sprintf("%x", b), nil
}

func addrText(b []byte, n int) (string, error) {
	if len(b) != n {
		return "", fmt.Errorf("%w: %d bytes for a %d-byte address", errBadValue, len(b), n)
	}
	a, _ := netip.AddrFromSlice(b)
	return a.String(), nil
}

func maskBits(m []byte) (int, bool) {
	bits := 0
	for i, b := range m {
		if b == 0xff {
			bits += 8
			continue
		}
		for b&0x80 != 0 {
			bits++
			b <<= 1
		}
		if b != 0 {
			return 0, false
		}
		for _, r := range m[i+1:] {
			if r != 0 {
				return 0, false
			}
		}
		return bits, true
	}
	return bits, true
}

// printable returns b as text with control and non-ASCII bytes escaped.
func printable(b []byte) string {
	for _, x := range b {
		if x < 0x20 || x > 0x7e {
			q := fmt.Sprintf("%q", b)
			return q[1 : len(q)-1]
		}
	}
	return string(b)
}

func dnText(der []byte) (string, error) {
	var rdn pkix.RDNSequence
	rest, err := asn1.Unmarshal(der, &rdn)
	if err != nil {
		return fmt.Sprintf("%x", der), fmt.Errorf("%w: not a DER distinguished name", errBadValue)
	}
	if len(rest) > 0 {
		return fmt.Sprintf("%x", der), fmt.Errorf("%w: bytes after the distinguished name", errTrailingData)
	}
	return rdn.String(), nil
}

func parseCert(c *cursor) *Certificate {
	cert := &Certificate{Encoding: c.u8("CERT encoding")}
	cert.Data = c.rest()
	if c.err != nil || cert.Encoding != 4 { // X.509 Certificate - Signature
		return cert
	}
	x, err := x509.ParseCertificate(cert.Data)
	if err != nil {
		cert.ParseError = err.Error()
		return cert
	}
	cert.Subject = x.Subject.String()
	cert.Issuer = x.Issuer.String()
	cert.NotBefore = x.NotBefore.UTC()
	cert.NotAfter = x.NotAfter.UTC()
	return cert
}

func parseCertReq(c *cursor, v2 bool) *Certificate {
	cert := &Certificate{Encoding: c.u8("CERTREQ encoding")}
	cert.Data = c.rest()
	if c.err != nil || cert.Encoding != 4 || len(cert.Data) == 0 {
		return cert
	}
	if v2 {
		// RFC 7296 3.7: concatenated SHA-1 hashes of trusted CAs' public keys.
		for b := cert.Data; len(b) >= 20; b = b[20:] {
			cert.Authorities = append(cert.Authorities, fmt.Sprintf("%x", b[:20]))
		}
		return cert
	}
	if dn, err := dnText(cert.Data); err == nil {
		cert.Authorities = append(cert.Authorities, dn)
	}
	return cert
}

func parseNotify(c *cursor, v2 bool, al *bodies) *Notify {
	n := al.notifies.one()
	if !v2 {
		n.DOI = c.u32("notify DOI")
	}
	n.ProtocolID = c.u8("notify protocol")
	spiSize := int(c.u8("notify SPI size"))
	n.Type = NotifyType(c.u16("notify type"))
	n.SPI = c.bytes(spiSize, "notify SPI")
	n.Data = c.rest()
	if c.err != nil {
		return n
	}
	d := n.Data
	switch {
	case v2 && n.Type == 17: // INVALID_KE_PAYLOAD
		if len(d) >= 2 {
			n.Group = binary.BigEndian.Uint16(d)
		}
	case v2 && n.Type == 16431: // SIGNATURE_HASH_ALGORITHMS
		algs := al.u16Scratch[:0]
		for ; len(d) >= 2; d = d[2:] {
			algs = append(algs, binary.BigEndian.Uint16(d))
		}
		al.u16Scratch = algs[:0]
		n.HashAlgs = al.u16s.copyOf(algs)
	case v2 && (n.Type == 16407 || n.Type == 16408): // REDIRECT, REDIRECTED_FROM (RFC 5685)
		if len(d) >= 2 && len(d) >= 2+int(d[1]) {
			gw := d[2 : 2+int(d[1])]
			switch {
			case d[0] == 3: // FQDN
				n.Gateway = printable(gw)
			case (d[0] == 1 && len(gw) == 4) || (d[0] == 2 && len(gw) == 16):
				a, _ := netip.AddrFromSlice(gw)
				n.Gateway = a.String()
			}
		}
	case !v2 && (n.Type == 36136 || n.Type == 36137): // R-U-THERE, R-U-THERE-ACK
		if len(d) == 4 {
			n.Sequence = binary.BigEndian.Uint32(d)
			n.HasSequence = true
		}
	case !v2 && n.Type == 24576: // RESPONDER-LIFETIME
		sub := newCursor(d, c.abs()-len(d))
		sub.ctx = "RESPONDER-LIFETIME"
		n.Attributes = parseAttributes(&sub, al)
		if sub.err != nil {
			c.err = sub.err
		}
	}
	return n
}

func parseDelete(c *cursor, v2 bool, al *bodies) *Delete {
	d := al.deletes.one()
	if !v2 {
		d.DOI = c.u32("delete DOI")
	}
	d.ProtocolID = c.u8("delete protocol")
	d.SPISize = c.u8("delete SPI size")
	d.NumSPIs = c.u16("delete SPI count")
	if c.err != nil {
		return d
	}
	if d.SPISize == 0 {
		if d.NumSPIs != 0 || c.remaining() != 0 {
			c.fail("delete SPIs", errSPISize)
		}
		return d
	}
	// The count is not trusted: read what is there, then compare.
	spis := al.spiScratch[:0]
	for c.remaining() >= int(d.SPISize) {
		spis = append(spis, c.bytes(int(d.SPISize), "delete SPI"))
	}
	d.SPIs = al.spis.copyOf(spis)
	clear(spis) // the scratch keeps no packet bytes
	al.spiScratch = spis[:0]
	if len(d.SPIs) != int(d.NumSPIs) || c.remaining() != 0 {
		c.fail("delete SPIs", fmt.Errorf("%w: %d SPIs stated, %d present", errCount, d.NumSPIs, len(d.SPIs)))
	}
	return d
}

func parseNATOA(c *cursor) *NATOA {
	oa := &NATOA{IDType: c.u8("NAT-OA ID type")}
	c.skip(3, "NAT-OA reserved")
	b := c.rest()
	if c.err != nil {
		return oa
	}
	a, ok := netip.AddrFromSlice(b)
	if !ok || (oa.IDType == 1 && len(b) != 4) || (oa.IDType == 5 && len(b) != 16) {
		c.off = 0
		c.fail("NAT-OA address", errBadValue)
		return oa
	}
	oa.Address = a
	return oa
}

func parseTS(c *cursor, al *bodies) *TrafficSelectors {
	ts := al.tss.one()
	ts.Count = c.u8("TS count")
	sels := al.selectorScratch[:0]
	c.skip(3, "TS reserved")
	for n := 1; c.remaining() > 0; n++ {
		c.ctx, c.n1 = "traffic selector", n
		start := c.off
		s := TrafficSelector{Type: c.u8("type"), IPProtocol: c.u8("protocol")}
		slen := int(c.u16("length"))
		if c.err != nil {
			break
		}
		if slen < 4 || start+slen > len(c.b) {
			c.off = start + 2
			c.fail("length", errLengthLong)
			break
		}
		sub := newCursor(c.b[start+4:start+slen], c.base+start+4)
		sub.ctx, sub.n1 = c.ctx, c.n1
		switch s.Type {
		case 7, 8: // TS_IPV4_ADDR_RANGE, TS_IPV6_ADDR_RANGE
			n := 4
			if s.Type == 8 {
				n = 16
			}
			s.StartPort = sub.u16("start port")
			s.EndPort = sub.u16("end port")
			s.Start, _ = netip.AddrFromSlice(sub.bytes(n, "start address"))
			s.End, _ = netip.AddrFromSlice(sub.bytes(n, "end address"))
			if sub.err == nil && sub.remaining() != 0 {
				sub.fail("addresses", errTrailingData)
			}
		default:
			s.Data = sub.rest()
		}
		sels = append(sels, s)
		if sub.err != nil {
			c.err = sub.err
			break
		}
		c.off = start + slen
	}
	ts.Selectors = al.selectors.copyOf(sels)
	clear(sels)
	al.selectorScratch = sels[:0]
	c.ctx, c.n1 = "", 0
	if c.err == nil && len(ts.Selectors) != int(ts.Count) {
		c.fail("TS count", fmt.Errorf("%w: %d selectors stated, %d present", errCount, ts.Count, len(ts.Selectors)))
	}
	return ts
}

func parseConfig(c *cursor, v2 bool) *Config {
	cfg := &Config{Type: c.u8("config type")}
	if v2 {
		c.skip(3, "config reserved")
	} else {
		c.skip(1, "config reserved")
		cfg.Identifier = c.u16("config identifier")
	}
	for c.remaining() > 0 {
		t := c.u16("config attribute type")
		l := c.u16("config attribute length")
		if c.err != nil {
			break
		}
		a := ConfigAttribute{Type: t & 0x7fff}
		if !v2 && t&0x8000 != 0 {
			a.Short, a.Number, a.Length = true, uint64(l), 2
		} else {
			a.Value = c.bytes(int(l), "config attribute value")
			a.Length = int(l)
			if len(a.Value) <= 8 {
				for _, b := range a.Value {
					a.Number = a.Number<<8 | uint64(b)
				}
			}
		}
		if ConfigAttrSecret(v2, a.Type) {
			a.Secret, a.Value, a.Number = true, nil, 0
		}
		cfg.Attributes = append(cfg.Attributes, a)
	}
	return cfg
}

func parseEAP(c *cursor) *EAP {
	e := &EAP{Code: c.u8("EAP code"), Identifier: c.u8("EAP identifier"), Length: c.u16("EAP length")}
	if (e.Code == 1 || e.Code == 2) && c.remaining() > 0 {
		e.Type, e.HasType = c.u8("EAP type"), true
	}
	e.Data = c.rest()
	return e
}

// FindNotify returns the first Notify payload of the given type, or nil.
func (m *ISAKMP) FindNotify(t NotifyType) *Notify {
	for i := range m.Payloads {
		if n := m.Payloads[i].Notify; n != nil && n.Type == t {
			return n
		}
	}
	return nil
}

// PayloadSummary lists the payload types in order, as tcpdump and Wireshark show them:
// "SA KE Nonce N(NAT_DETECTION_SOURCE_IP)".
func (m *ISAKMP) PayloadSummary() string {
	// Built in a buffer on the stack and turned into a string once: every IKE message
	// the analysis takes gets one.
	var buf [128]byte
	return string(m.AppendPayloadSummary(buf[:0]))
}

// Name is the payload's short name ("SA", "NAT-D", ...), that of a draft's NAT-D or
// NAT-OA (DraftNAT) included.
func (p *Payload) Name() string {
	switch {
	case p.DraftNAT && p.Type == PayloadV1NATDDraft04:
		return "NAT-D (draft)"
	case p.DraftNAT:
		return "NAT-OA (draft)"
	}
	return p.Type.String()
}

// IsNATD reports whether the payload is an IKEv1 NAT-D payload: RFC 3947's or a draft's.
func (p *Payload) IsNATD() bool {
	return p.Type == PayloadV1NATD || p.Type == PayloadV1NATDDraft || p.DraftNAT && p.Type == PayloadV1NATDDraft04
}

// AppendPayloadSummary appends PayloadSummary's text to b: a caller that sees the same
// summaries again and again (the analysis) can look the bytes up instead of making a
// string of each.
func (m *ISAKMP) AppendPayloadSummary(b []byte) []byte {
	for i, p := range m.Payloads {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, p.Name()...)
		if p.Notify != nil {
			b = append(append(append(b, '('), NotifyName(m.IsV2(), p.Notify.Type)...), ')')
		}
		if p.Encrypted != nil && p.Encrypted.TotalFragments > 0 {
			b = append(strconv.AppendUint(append(strconv.AppendUint(append(b, '('), uint64(p.Encrypted.FragmentNumber), 10), '/'), uint64(p.Encrypted.TotalFragments), 10), ')')
		}
	}
	if m.Encrypted != nil {
		if len(b) > 0 {
			b = append(b, ' ')
		}
		b = append(strconv.AppendInt(append(b, "encrypted("...), int64(len(m.Encrypted.Data)), 10), " bytes)"...)
	}
	return b
}

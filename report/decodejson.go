package report

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/decode/ikecrypt"
)

// DecodeSchemaVersion is the version of the `ikescope decode -f json` line format,
// documented in docs/decode-json.md. It changes only when a field changes meaning or goes away.
const DecodeSchemaVersion = 1

// MessageJSON is one line of `ikescope decode -f json`. Every code point appears as its
// number and its name (exchange_type and exchange_type_name).
type MessageJSON struct {
	Schema    int            `json:"schema"`
	Capture   string         `json:"capture,omitempty"`
	Frame     int            `json:"frame"`
	Time      string         `json:"time"`
	Src       string         `json:"src"`
	Sport     uint16         `json:"sport"`
	Dst       string         `json:"dst"`
	Dport     uint16         `json:"dport"`
	Kind      string         `json:"kind"`
	UDPEncap  bool           `json:"udp_encap,omitempty"`
	Truncated bool           `json:"truncated,omitempty"`
	Fragments *FragmentsJSON `json:"fragments,omitempty"`

	// ISAKMP
	Version          string         `json:"version,omitempty"`
	InitiatorSPI     string         `json:"initiator_spi,omitempty"`
	ResponderSPI     string         `json:"responder_spi,omitempty"`
	NextPayload      *int           `json:"next_payload,omitempty"`
	ExchangeType     *int           `json:"exchange_type,omitempty"`
	ExchangeTypeName string         `json:"exchange_type_name,omitempty"`
	MessageID        *uint32        `json:"message_id,omitempty"`
	Flags            *int           `json:"flags,omitempty"`
	FlagNames        []string       `json:"flag_names,omitempty"`
	Direction        string         `json:"direction,omitempty"`
	Length           *uint32        `json:"length,omitempty"`
	Payloads         []PayloadJSON  `json:"payloads,omitempty"`
	Encrypted        *EncryptedJSON `json:"encrypted,omitempty"`
	Errors           []string       `json:"errors"`

	// Decrypted is what --keys opened: the encrypted payloads, decoded.
	Decrypted *DecryptedJSON `json:"decrypted,omitempty"`

	// ICMP errors about IKE or ESP packets
	ICMP *ICMPJSON `json:"icmp,omitempty"`

	// ESP
	SPI    string  `json:"spi,omitempty"`
	Seq    *uint32 `json:"seq,omitempty"`
	ESPLen *int    `json:"esp_length,omitempty"`
	// Inner is what ESP keys opened of the packet (m.Inner), or why it did not open.
	Inner *InnerJSON `json:"inner,omitempty"`

	// IKE over TCP (RFC 8229): TCP for messages that came over TCP and stream events;
	// Stream for a stream event (kind "stream").
	TCP    bool        `json:"tcp,omitempty"`
	Stream *StreamJSON `json:"stream,omitempty"`
}

// DecryptedJSON is the decrypted content of an encrypted message, or why it did not open.
type DecryptedJSON struct {
	Integrity string        `json:"integrity,omitempty"` // "verified" or "not checked"
	KeySource string        `json:"key_source,omitempty"`
	Payloads  []PayloadJSON `json:"payloads,omitempty"`
	Errors    []string      `json:"errors,omitempty"`
	Error     string        `json:"error,omitempty"` // the message did not decrypt
	Fragment  string        `json:"fragment,omitempty"`
}

// NewDecryptedJSON builds the JSON of a decryption result; nil when there is nothing to say.
func NewDecryptedJSON(res *ikecrypt.Result, err error) *DecryptedJSON {
	if err != nil {
		return &DecryptedJSON{Error: err.Error()}
	}
	if res == nil {
		return nil
	}
	j := &DecryptedJSON{Integrity: res.Integrity.String(), KeySource: res.KeySource}
	if f := res.Fragment; f != nil {
		j.Fragment = fmt.Sprintf("%d/%d", f.Number, f.Total)
	}
	if !res.Decrypted {
		return j
	}
	for i := range res.Payloads {
		j.Payloads = append(j.Payloads, payloadJSON(&res.Payloads[i], res.Version == 2))
	}
	for _, e := range res.Errors {
		j.Errors = append(j.Errors, e.Error())
	}
	return j
}

// ICMPJSON is an ICMP error and the IKE or ESP packet it quotes.
type ICMPJSON struct {
	Type    int    `json:"type"`
	Code    int    `json:"code"`
	Meaning string `json:"meaning"`
	V6      bool   `json:"v6,omitempty"`
	QSrc    string `json:"quoted_src"`
	QDst    string `json:"quoted_dst"`
	QProto  int    `json:"quoted_protocol"`
	QLen    int    `json:"quoted_length,omitempty"`
	MTU     int    `json:"mtu,omitempty"`
}

// FragmentsJSON tells how the datagram travelled in IP fragments.
type FragmentsJSON struct {
	Frames   []int `json:"frames"`
	Received int   `json:"received_bytes"`
	Total    int   `json:"total_bytes,omitempty"`
	Complete bool  `json:"complete"`
}

// PayloadJSON is one payload. Exactly one of the typed fields is set for structured payloads.
type PayloadJSON struct {
	Type     int    `json:"type"`
	TypeName string `json:"type_name"`
	Critical bool   `json:"critical,omitempty"`
	Length   int    `json:"length"`
	Partial  bool   `json:"partial,omitempty"`

	SA        *SAJSON        `json:"sa,omitempty"`
	KE        *KEJSON        `json:"ke,omitempty"`
	ID        *IDJSON        `json:"id,omitempty"`
	Cert      *CertJSON      `json:"cert,omitempty"`
	Auth      *AuthJSON      `json:"auth,omitempty"`
	Notify    *NotifyJSON    `json:"notify,omitempty"`
	Delete    *DeleteJSON    `json:"delete,omitempty"`
	VendorID  *VendorIDJSON  `json:"vendor_id,omitempty"`
	NATOA     *NATOAJSON     `json:"nat_oa,omitempty"`
	TS        *TSJSON        `json:"ts,omitempty"`
	Config    *ConfigJSON    `json:"config,omitempty"`
	EAP       *EAPJSON       `json:"eap,omitempty"`
	Encrypted *EncryptedJSON `json:"encrypted,omitempty"`
	Fragment  *V1FragJSON    `json:"fragment,omitempty"`
	Data      string         `json:"data,omitempty"` // hex, for HASH, SIG, Nonce, NAT-D and opaque payloads
	DataLen   *int           `json:"data_length,omitempty"`
	Error     string         `json:"error,omitempty"`
}

// SAJSON is an SA payload.
type SAJSON struct {
	DOI           *uint32        `json:"doi,omitempty"`
	DOIName       string         `json:"doi_name,omitempty"`
	Situation     *uint32        `json:"situation,omitempty"`
	SituationName string         `json:"situation_name,omitempty"`
	Proposals     []ProposalJSON `json:"proposals"`
}

// ProposalJSON is one proposal.
type ProposalJSON struct {
	Number        int             `json:"number"`
	Protocol      int             `json:"protocol"`
	ProtocolName  string          `json:"protocol_name"`
	SPI           string          `json:"spi,omitempty"`
	NumTransforms int             `json:"num_transforms"`
	Transforms    []TransformJSON `json:"transforms"`
}

// TransformJSON is one transform.
type TransformJSON struct {
	Number     *int            `json:"number,omitempty"`
	Type       *int            `json:"type,omitempty"`
	TypeName   string          `json:"type_name,omitempty"`
	ID         int             `json:"id"`
	IDName     string          `json:"id_name"`
	Attributes []AttributeJSON `json:"attributes,omitempty"`
}

// AttributeJSON is one SA attribute.
type AttributeJSON struct {
	Type      int    `json:"type"`
	TypeName  string `json:"type_name"`
	Value     uint64 `json:"value"`
	ValueName string `json:"value_name,omitempty"`
	Data      string `json:"data,omitempty"` // hex, for values longer than 8 bytes
}

// KEJSON is a KE payload.
type KEJSON struct {
	Group     *int   `json:"group,omitempty"`
	GroupName string `json:"group_name,omitempty"`
	Length    int    `json:"length"`
}

// IDJSON is an identification payload.
type IDJSON struct {
	Type       int    `json:"id_type"`
	TypeName   string `json:"id_type_name"`
	ProtocolID *int   `json:"protocol_id,omitempty"`
	Port       *int   `json:"port,omitempty"`
	Value      string `json:"value"`
}

// CertJSON is a CERT or CERTREQ payload.
type CertJSON struct {
	Encoding     int      `json:"encoding"`
	EncodingName string   `json:"encoding_name"`
	Length       int      `json:"length"`
	Subject      string   `json:"subject,omitempty"`
	Issuer       string   `json:"issuer,omitempty"`
	NotBefore    string   `json:"not_before,omitempty"`
	NotAfter     string   `json:"not_after,omitempty"`
	Authorities  []string `json:"authorities,omitempty"`
	ParseError   string   `json:"parse_error,omitempty"`
}

// AuthJSON is an IKEv2 AUTH payload.
type AuthJSON struct {
	Method     int    `json:"method"`
	MethodName string `json:"method_name"`
	Length     int    `json:"length"`
}

// NotifyJSON is a notification.
type NotifyJSON struct {
	Type           int             `json:"notify_type"`
	TypeName       string          `json:"notify_type_name"`
	Error          bool            `json:"error"`
	Protocol       int             `json:"protocol"`
	ProtocolName   string          `json:"protocol_name,omitempty"`
	SPI            string          `json:"spi,omitempty"`
	Data           string          `json:"data,omitempty"`
	Group          *int            `json:"group,omitempty"`
	GroupName      string          `json:"group_name,omitempty"`
	HashAlgorithms []string        `json:"hash_algorithms,omitempty"`
	Sequence       *uint32         `json:"sequence,omitempty"`
	Attributes     []AttributeJSON `json:"attributes,omitempty"`
	Gateway        string          `json:"gateway,omitempty"`
}

// DeleteJSON is a Delete payload.
type DeleteJSON struct {
	Protocol     int      `json:"protocol"`
	ProtocolName string   `json:"protocol_name"`
	NumSPIs      int      `json:"num_spis"`
	SPIs         []string `json:"spis"`
}

// VendorIDJSON is a Vendor ID payload.
type VendorIDJSON struct {
	Data    string `json:"data"`
	Name    string `json:"name,omitempty"`
	Vendor  string `json:"vendor,omitempty"`
	Feature string `json:"feature,omitempty"`
}

// NATOAJSON is an IKEv1 NAT-OA payload.
type NATOAJSON struct {
	IDType  int    `json:"id_type"`
	Address string `json:"address"`
}

// TSJSON is a TSi or TSr payload.
type TSJSON struct {
	Count     int            `json:"count"`
	Selectors []SelectorJSON `json:"selectors"`
}

// SelectorJSON is one traffic selector.
type SelectorJSON struct {
	Type       int    `json:"ts_type"`
	TypeName   string `json:"ts_type_name"`
	IPProtocol int    `json:"ip_protocol"`
	StartPort  int    `json:"start_port"`
	EndPort    int    `json:"end_port"`
	Start      string `json:"start_address,omitempty"`
	End        string `json:"end_address,omitempty"`
	Data       string `json:"data,omitempty"`
}

// ConfigJSON is a CP or IKEv1 attribute payload.
type ConfigJSON struct {
	Type       int              `json:"cfg_type"`
	TypeName   string           `json:"cfg_type_name"`
	Identifier *int             `json:"identifier,omitempty"`
	Attributes []ConfigAttrJSON `json:"attributes"`
}

// ConfigAttrJSON is one configuration attribute; secret values are never present.
type ConfigAttrJSON struct {
	Type     int    `json:"type"`
	TypeName string `json:"type_name"`
	Length   int    `json:"length"`
	Value    string `json:"value,omitempty"`
	Secret   bool   `json:"secret,omitempty"`
}

// EAPJSON is the EAP header of an EAP payload.
type EAPJSON struct {
	Code       int    `json:"code"`
	CodeName   string `json:"code_name"`
	Identifier int    `json:"identifier"`
	Length     int    `json:"length"`
	Type       *int   `json:"eap_type,omitempty"`
	TypeName   string `json:"eap_type_name,omitempty"`
}

// EncryptedJSON is an SK/SKF payload or an encrypted IKEv1 body.
type EncryptedJSON struct {
	FirstPayload     int    `json:"first_payload"`
	FirstPayloadName string `json:"first_payload_name"`
	Length           int    `json:"length"`
	FragmentNumber   int    `json:"fragment_number,omitempty"`
	TotalFragments   int    `json:"total_fragments,omitempty"`
}

// V1FragJSON is an IKEv1 fragmentation payload.
type V1FragJSON struct {
	ID     int  `json:"id"`
	Number int  `json:"number"`
	Last   bool `json:"last"`
	Length int  `json:"length"`
}

func ip(i int) *int        { return &i }
func u32(v uint32) *uint32 { return &v }
func hexs(b []byte) string { return hex.EncodeToString(b) }

// NewMessageJSON builds the JSON view of a decoded message, with what ESP keys opened of
// it when m.Inner is set.
func NewMessageJSON(capture string, m *decode.Message) MessageJSON {
	j := MessageJSON{
		Schema:    DecodeSchemaVersion,
		Capture:   capture,
		Frame:     m.Frame,
		Time:      m.Time.UTC().Format(time.RFC3339Nano),
		Src:       m.Src.Addr().String(),
		Sport:     m.Src.Port(),
		Dst:       m.Dst.Addr().String(),
		Dport:     m.Dst.Port(),
		Kind:      m.Kind.String(),
		Errors:    []string{},
		UDPEncap:  m.Encap,
		Truncated: m.Truncated,
	}
	if f := m.Fragments; f != nil {
		j.Fragments = &FragmentsJSON{Frames: f.Frames, Received: f.Received, Total: f.Total, Complete: f.Complete}
	}
	if m.Err != nil {
		j.Errors = append(j.Errors, m.Err.Error())
	}
	if e := m.ICMP; e != nil {
		j.ICMP = &ICMPJSON{Type: int(e.Type), Code: int(e.Code), Meaning: e.Meaning(), V6: e.V6,
			QSrc: e.Src.String(), QDst: e.Dst.String(), QProto: int(e.Proto), QLen: e.QuotedLen, MTU: e.MTU}
	}
	if m.Kind == decode.KindESP || m.Kind == decode.KindAH {
		j.SPI = fmt.Sprintf("%08x", m.ESP.SPI)
		j.Seq = u32(m.ESP.Seq)
		j.ESPLen = ip(m.ESP.Len)
		if m.Inner != nil {
			j.Inner = newInnerJSON(m.Inner, nil)
		}
	}
	j.TCP = m.TCP
	if m.Kind == decode.KindStream && m.Stream != nil {
		j.Stream = newStreamJSON(m)
	}
	if x := m.ISAKMP; x != nil {
		v2 := x.IsV2()
		j.Version = fmt.Sprintf("%d.%d", x.MajorVersion, x.MinorVersion)
		j.InitiatorSPI = hexs(x.InitiatorSPI[:])
		j.ResponderSPI = hexs(x.ResponderSPI[:])
		j.NextPayload = ip(int(x.NextPayload))
		j.ExchangeType = ip(int(x.ExchangeType))
		j.ExchangeTypeName = x.ExchangeType.String()
		j.MessageID = u32(x.MessageID)
		j.Flags = ip(int(x.Flags))
		j.FlagNames = x.Flags.Names(v2)
		j.Direction = Direction(x)
		j.Length = u32(x.Length)
		for i := range x.Payloads {
			j.Payloads = append(j.Payloads, payloadJSON(&x.Payloads[i], v2))
		}
		if e := x.Encrypted; e != nil {
			j.Encrypted = encryptedJSON(e)
		}
		for _, err := range x.Errors {
			j.Errors = append(j.Errors, err.Error())
		}
	}
	return j
}

// Direction says who sent an ISAKMP message as far as its header tells: IKEv2 flags, or
// an IKEv1 message with a zero responder SPI (only the initiator sends those).
func Direction(x *decode.ISAKMP) string {
	if x.IsV2() {
		who := "responder"
		if x.Flags&decode.FlagInitiator != 0 {
			who = "initiator"
		}
		if x.Flags&decode.FlagResponse != 0 {
			return who + " response"
		}
		return who + " request"
	}
	if x.ResponderSPI == [8]byte{} {
		return "initiator"
	}
	return ""
}

func encryptedJSON(e *decode.Encrypted) *EncryptedJSON {
	return &EncryptedJSON{
		FirstPayload:     int(e.FirstPayload),
		FirstPayloadName: e.FirstPayload.String(),
		Length:           len(e.Data),
		FragmentNumber:   int(e.FragmentNumber),
		TotalFragments:   int(e.TotalFragments),
	}
}

func payloadJSON(p *decode.Payload, v2 bool) PayloadJSON {
	j := PayloadJSON{Type: int(p.Type), TypeName: p.Name(), Critical: p.Critical, Length: int(p.Length), Partial: p.Partial}
	if p.Err != nil {
		j.Error = p.Err.Error()
	}
	switch {
	case p.SA != nil:
		j.SA = saJSON(p.SA, v2)
	case p.KE != nil:
		j.KE = &KEJSON{Length: len(p.KE.Data)}
		if v2 {
			j.KE.Group = ip(int(p.KE.Group))
			j.KE.GroupName = decode.DHGroupName(p.KE.Group)
		}
	case p.ID != nil:
		j.ID = &IDJSON{Type: int(p.ID.Type), TypeName: decode.IDTypeName(v2, p.ID.Type), Value: p.ID.Text}
		if !v2 {
			j.ID.ProtocolID, j.ID.Port = ip(int(p.ID.ProtocolID)), ip(int(p.ID.Port))
		}
	case p.Cert != nil:
		c := p.Cert
		j.Cert = &CertJSON{Encoding: int(c.Encoding), EncodingName: decode.CertEncodingName(c.Encoding), Length: len(c.Data),
			Subject: c.Subject, Issuer: c.Issuer, Authorities: c.Authorities, ParseError: c.ParseError}
		if !c.NotBefore.IsZero() {
			j.Cert.NotBefore, j.Cert.NotAfter = c.NotBefore.Format(time.RFC3339), c.NotAfter.Format(time.RFC3339)
		}
	case p.Auth != nil:
		j.Auth = &AuthJSON{Method: int(p.Auth.Method), MethodName: decode.AuthMethodName(p.Auth.Method), Length: len(p.Auth.Data)}
	case p.Notify != nil:
		j.Notify = notifyJSON(p.Notify, v2)
	case p.Delete != nil:
		d := p.Delete
		j.Delete = &DeleteJSON{Protocol: int(d.ProtocolID), ProtocolName: decode.ProtocolName(v2, d.ProtocolID), NumSPIs: int(d.NumSPIs), SPIs: []string{}}
		for _, s := range d.SPIs {
			j.Delete.SPIs = append(j.Delete.SPIs, hexs(s))
		}
	case p.VendorID != nil:
		j.VendorID = &VendorIDJSON{Data: hexs(p.VendorID.Data)}
		if p.VendorID.Known {
			j.VendorID.Name, j.VendorID.Vendor, j.VendorID.Feature = p.VendorID.Info.Name, p.VendorID.Info.Vendor, p.VendorID.Info.Feature
		}
	case p.NATOA != nil:
		j.NATOA = &NATOAJSON{IDType: int(p.NATOA.IDType), Address: addrString(p.NATOA.Address)}
	case p.TS != nil:
		j.TS = &TSJSON{Count: int(p.TS.Count), Selectors: []SelectorJSON{}}
		for _, s := range p.TS.Selectors {
			sj := SelectorJSON{Type: int(s.Type), TypeName: decode.TSTypeName(s.Type), IPProtocol: int(s.IPProtocol),
				StartPort: int(s.StartPort), EndPort: int(s.EndPort), Start: addrString(s.Start), End: addrString(s.End)}
			if s.Data != nil {
				sj.Data = hexs(s.Data)
			}
			j.TS.Selectors = append(j.TS.Selectors, sj)
		}
	case p.Config != nil:
		j.Config = configJSON(p.Config, v2)
	case p.EAP != nil:
		e := p.EAP
		j.EAP = &EAPJSON{Code: int(e.Code), CodeName: decode.EAPCodeName(e.Code), Identifier: int(e.Identifier), Length: int(e.Length)}
		if e.HasType {
			j.EAP.Type, j.EAP.TypeName = ip(int(e.Type)), decode.EAPTypeName(e.Type)
		}
	case p.Encrypted != nil:
		j.Encrypted = encryptedJSON(p.Encrypted)
	case p.Fragment != nil:
		f := p.Fragment
		j.Fragment = &V1FragJSON{ID: int(f.ID), Number: int(f.Number), Last: f.Last, Length: len(f.Data)}
	default:
		j.Data = hexs(p.Data)
		j.DataLen = ip(len(p.Data))
	}
	return j
}

func addrString(a interface {
	IsValid() bool
	String() string
}) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

func saJSON(sa *decode.SA, v2 bool) *SAJSON {
	j := &SAJSON{Proposals: []ProposalJSON{}}
	if !v2 {
		j.DOI, j.DOIName = u32(sa.DOI), decode.DOIName(sa.DOI)
		j.Situation, j.SituationName = u32(sa.Situation), decode.SituationNames(sa.Situation)
	}
	for _, p := range sa.Proposals {
		pj := ProposalJSON{Number: int(p.Number), Protocol: int(p.ProtocolID), ProtocolName: decode.ProtocolName(v2, p.ProtocolID),
			NumTransforms: int(p.NumTransforms), Transforms: []TransformJSON{}}
		if len(p.SPI) > 0 {
			pj.SPI = hexs(p.SPI)
		}
		for i := range p.Transforms {
			t := &p.Transforms[i]
			tj := TransformJSON{ID: int(t.ID)}
			if v2 {
				tj.Type, tj.TypeName = ip(int(t.Type)), t.Type.String()
				tj.IDName = decode.V2TransformIDName(t.Type, t.ID)
			} else {
				tj.Number = ip(int(t.Number))
				tj.IDName = decode.V1TransformName(p.ProtocolID, uint8(t.ID))
			}
			for _, a := range t.Attributes {
				tj.Attributes = append(tj.Attributes, attributeJSON(a, v2, p.ProtocolID))
			}
			pj.Transforms = append(pj.Transforms, tj)
		}
		j.Proposals = append(j.Proposals, pj)
	}
	return j
}

func attributeJSON(a decode.Attribute, v2 bool, proto uint8) AttributeJSON {
	j := AttributeJSON{Type: int(a.Type), Value: a.Value}
	if v2 {
		j.TypeName = V2AttrName(a.Type)
	} else {
		j.TypeName = decode.V1AttrName(proto, a.Type)
		j.ValueName = decode.V1AttrValueName(proto, a.Type, uint32(a.Value))
	}
	if len(a.Data) > 8 {
		j.Data = hexs(a.Data)
	}
	return j
}

// V2AttrName names an IKEv2 transform attribute (RFC 7296 3.3.5: only Key Length is defined).
func V2AttrName(t uint16) string {
	if t == 14 {
		return "Key Length"
	}
	return fmt.Sprintf("AttributeType(%d)", t)
}

func notifyJSON(n *decode.Notify, v2 bool) *NotifyJSON {
	j := &NotifyJSON{Type: int(n.Type), TypeName: decode.NotifyName(v2, n.Type), Error: decode.NotifyIsError(v2, n.Type),
		Protocol: int(n.ProtocolID)}
	if n.ProtocolID != 0 {
		j.ProtocolName = decode.ProtocolName(v2, n.ProtocolID)
	}
	if len(n.SPI) > 0 {
		j.SPI = hexs(n.SPI)
	}
	if len(n.Data) > 0 {
		j.Data = hexs(n.Data)
	}
	if v2 && n.Type == decode.NotifyInvalidKEPayload && len(n.Data) >= 2 {
		j.Group, j.GroupName = ip(int(n.Group)), decode.DHGroupName(n.Group)
	}
	for _, h := range n.HashAlgs {
		j.HashAlgorithms = append(j.HashAlgorithms, decode.HashAlgorithmName(h))
	}
	if n.HasSequence {
		j.Sequence = u32(n.Sequence)
	}
	j.Gateway = n.Gateway
	for _, a := range n.Attributes {
		j.Attributes = append(j.Attributes, attributeJSON(a, false, n.ProtocolID))
	}
	return j
}

func configJSON(c *decode.Config, v2 bool) *ConfigJSON {
	j := &ConfigJSON{Type: int(c.Type), TypeName: decode.CFGTypeName(c.Type), Attributes: []ConfigAttrJSON{}}
	if !v2 {
		j.Identifier = ip(int(c.Identifier))
	}
	for _, a := range c.Attributes {
		aj := ConfigAttrJSON{Type: int(a.Type), TypeName: decode.ConfigAttrName(v2, a.Type), Length: a.Length, Secret: a.Secret}
		if !a.Secret {
			aj.Value = ConfigValueText(a, v2)
		}
		j.Attributes = append(j.Attributes, aj)
	}
	return j
}

// ConfigValueText renders a configuration attribute value: addresses as addresses, text
// as text, numbers as numbers, anything else as hex. Secret values render as "(hidden)".
func ConfigValueText(a decode.ConfigAttribute, v2 bool) string {
	if a.Secret {
		return "(hidden)"
	}
	if a.Short {
		return fmt.Sprint(a.Number)
	}
	name := decode.ConfigAttrName(v2, a.Type)
	switch {
	case len(a.Value) == 0:
		return ""
	case containsAny(name, "IP4", "IP6") && (len(a.Value) == 4 || len(a.Value) == 8 || len(a.Value) == 16 || len(a.Value) == 17):
		return addrValue(a.Value)
	case isText(a.Value):
		return string(a.Value)
	case len(a.Value) <= 4:
		return fmt.Sprint(a.Number)
	}
	return hexs(a.Value)
}

// WriteMessageJSON writes one line of `ikescope decode -f json`; with rd, redacted as
// `decode --redact` promises: rd learns the message (and what --keys opened of it), its
// strings are redacted, the addresses of the packet inside ESP too, and its SPIs, hex data
// (hashes, nonces, notification and Vendor ID bytes, certificate authority hashes) are
// left out.
func WriteMessageJSON(w io.Writer, j MessageJSON, m *decode.Message, res *ikecrypt.Result, rd *Redactor) error {
	if rd == nil {
		return WriteJSONLine(w, j)
	}
	rd.LearnMessage(m)
	if res != nil && res.Decrypted {
		rd.LearnPayloads(res.Payloads, res.Version == 2)
	}
	if j.Capture != "" {
		j.Capture = rd.AddCapture(j.Capture)
	}
	if j.Decrypted != nil {
		d := *j.Decrypted
		d.KeySource = rd.KeySource(d.KeySource)
		j.Decrypted = &d
	}
	// The inner packet (redacted as it is built) and the stream event (no addresses) are
	// added after the rest of the line, whose pseudonyms are numbered first, and not
	// through the redaction of its strings, which would take a pseudonym for an address
	// and redact it again.
	tail := decodeTail{TCP: j.TCP, Stream: j.Stream}
	inner := j.Inner != nil && m.Inner != nil
	j.Inner, j.TCP, j.Stream = nil, false, nil
	var line bytes.Buffer
	if err := writeRedactedJSONKeys(&line, j, rd, decodeRedactedKeys); err != nil {
		return err
	}
	if inner {
		tail.Inner = newInnerJSON(m.Inner, rd)
	}
	t, err := json.Marshal(tail)
	if err != nil {
		return err
	}
	b := line.Bytes()
	if len(t) > 2 && bytes.HasSuffix(b, []byte("}\n")) {
		b = append(append(append(b[:len(b)-2:len(b)-2], ','), t[1:]...), '\n')
	}
	_, err = w.Write(b)
	return err
}

// decodeTail is what a redacted decode line ends with, in MessageJSON's order.
type decodeTail struct {
	Inner  *InnerJSON  `json:"inner,omitempty"`
	TCP    bool        `json:"tcp,omitempty"`
	Stream *StreamJSON `json:"stream,omitempty"`
}

// WriteJSONLine writes v as one line of JSON.
func WriteJSONLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}

package decode

import (
	"net/netip"
	"strconv"
)

// Remote access: the configuration payloads of IKEv1 Mode Config and XAUTH
// (draft-dukes-ike-mode-cfg, draft-beaulieu-ike-xauth) and IKEv2 CP (RFC 7296 3.15), and
// the EAP packets IKEv2 carries in IKE_AUTH (RFC 3748, RFC 2759 / draft-kamath-pppext-eap-mschapv2).

// Configuration message types (CFG_REQUEST ... CFG_ACK), the same in both versions.
const (
	CFGRequest uint8 = 1
	CFGReply   uint8 = 2
	CFGSet     uint8 = 3
	CFGAck     uint8 = 4
)

// Configuration attribute types analyze decides on. The internal address types are the
// same in both versions; the XAUTH types are IKEv1's.
const (
	CfgInternalIP4Address uint16 = 1
	CfgInternalIP6Address uint16 = 8
	XauthType             uint16 = 16520
	XauthUserName         uint16 = 16521
	XauthUserPassword     uint16 = 16522
	XauthStatus           uint16 = 16527
)

// EAP codes (RFC 3748 4) and the method types analyze names.
const (
	EAPRequest  uint8 = 1
	EAPResponse uint8 = 2
	EAPSuccess  uint8 = 3
	EAPFailure  uint8 = 4

	EAPTypeIdentity uint8 = 1
	EAPTypeNak      uint8 = 3
	EAPTypeMSCHAPv2 uint8 = 26
	EAPTypeExpanded uint8 = 254
)

// MS-CHAPv2 operation codes inside EAP-MSCHAPv2 (draft-kamath-pppext-eap-mschapv2 2).
var mschapOps = map[uint8]string{1: "Challenge", 2: "Response", 3: "Success", 4: "Failure", 7: "Change-Password"}

// MSCHAPv2Failure is the MS-CHAPv2 operation code of a failure (the server's verdict on
// the user's response, sent in an EAP Request).
const MSCHAPv2Failure uint8 = 4

// Identity returns the identity an EAP Response/Identity carries.
func (e *EAP) Identity() (string, bool) {
	if e == nil || e.Code != EAPResponse || !e.HasType || e.Type != EAPTypeIdentity {
		return "", false
	}
	return string(e.Data), true
}

// NakTypes returns the methods an EAP Response/Nak asks for instead (RFC 3748 5.3.1);
// ok is false for any other packet.
func (e *EAP) NakTypes() (types []uint8, ok bool) {
	if e == nil || e.Code != EAPResponse || !e.HasType || e.Type != EAPTypeNak {
		return nil, false
	}
	return e.Data, true
}

// MSCHAPv2Op returns the MS-CHAPv2 operation code of an EAP-MSCHAPv2 packet.
func (e *EAP) MSCHAPv2Op() (uint8, bool) {
	if e == nil || !e.HasType || e.Type != EAPTypeMSCHAPv2 || len(e.Data) == 0 {
		return 0, false
	}
	return e.Data[0], true
}

// Summary names the packet as administrators read it: "Request/Identity",
// "Response/Nak (wants MD5-Challenge)", "Request/MSCHAPv2 Failure", "Success".
func (e *EAP) Summary() string {
	s := EAPCodeName(e.Code)
	if !e.HasType {
		return s
	}
	s += "/" + EAPTypeName(e.Type)
	if op, ok := e.MSCHAPv2Op(); ok {
		s += " " + name8(mschapOps, op, "OpCode")
	}
	if types, ok := e.NakTypes(); ok {
		s += " (wants "
		for i, t := range types {
			if i > 0 {
				s += ", "
			}
			s += EAPTypeName(t)
		}
		if len(types) == 0 {
			s += "nothing"
		}
		s += ")"
	}
	return s
}

// Address returns an internal address attribute's address: 4 bytes for IPv4 (a request
// may leave it empty), 16 for IPv6 with a prefix length after it in IKEv2 (17 bytes).
func (a *ConfigAttribute) Address() (netip.Addr, bool) {
	switch len(a.Value) {
	case 4:
		return netip.AddrFrom4([4]byte(a.Value)), true
	case 16, 17:
		return netip.AddrFrom16([16]byte(a.Value[:16])), true
	}
	return netip.Addr{}, false
}

// XauthStatusName names an XAUTH_STATUS value: "FAIL" (0) or "OK" (1).
func XauthStatusName(v uint64) string {
	switch v {
	case 0:
		return "FAIL"
	case 1:
		return "OK"
	}
	return "Status(" + strconv.FormatUint(v, 10) + ")"
}

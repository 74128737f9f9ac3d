// Names for every IKEv1 and IKEv2 code point.
//
// The tables follow the IANA registries "Magic Numbers for ISAKMP Protocol"
// (isakmp-registry: RFC 2407, RFC 2408), "Internet Key Exchange (IKE) Attributes"
// (ipsec-registry: RFC 2409, RFC 3947, RFC 4754), "Internet Key Exchange Version 2
// (IKEv2) Parameters" (RFC 7296 and its extensions: RFC 4555, 4595, 5685, 5723, 5739,
// 6023, 6311, 6467, 7383, 7427, 7619, 8019, 8031, 8598, 8750, 8784, 8983, 9242, 9227,
// 9347, 9370, 9385, 9464, 9593, 9611, 9827, 9838, 9867) and "Extensible Authentication
// Protocol (EAP) Registry" (RFC 3748, RFC 6696). Private-use values are named only where
// a public implementation or vendor document defines them: XAUTH and hybrid
// authentication (draft-beaulieu-ike-xauth, draft-ietf-ipsec-isakmp-hybrid-auth), Mode
// Config (draft-dukes-ike-mode-cfg), the NAT-T drafts, RFC 3706 DPD, Cisco Unity,
// Check Point, Microsoft, strongSwan, libreswan and 3GPP TS 24.302/24.502 values.
//
// Every name function returns a non-empty string: a known value gives its name, any
// other value the type name and number, for example "NotifyType(40000)". Known names
// are constants and cost no allocation.

package decode

import "strconv"

// PayloadType is the Next Payload / payload type number of an ISAKMP payload. IKEv1
// (1-32, 128-255) and IKEv2 (33-127) share the number space.
type PayloadType uint8

// ExchangeType is the exchange type of an ISAKMP header. IKEv1 uses 1-33, IKEv2 34 and
// up.
type ExchangeType uint8

// TransformType is the type of an IKEv2 transform substructure (RFC 7296 3.3.2).
type TransformType uint8

// numName formats an unknown value as typ(n).
func numName(typ string, n uint64) string {
	return typ + "(" + strconv.FormatUint(n, 10) + ")"
}

// name8, name16 and name32 look a value up in a table and fall back to typ(n).
func name8(m map[uint8]string, v uint8, typ string) string {
	if s, ok := m[v]; ok {
		return s
	}
	return numName(typ, uint64(v))
}

func name16(m map[uint16]string, v uint16, typ string) string {
	if s, ok := m[v]; ok {
		return s
	}
	return numName(typ, uint64(v))
}

func name32(m map[uint32]string, v uint32, typ string) string {
	if s, ok := m[v]; ok {
		return s
	}
	return numName(typ, uint64(v))
}

// attrTypeMask strips the Attribute Format (IKEv1) / reserved (IKEv2 CP) bit from an
// attribute type, so raw 16-bit type words can be passed to the name functions.
const attrTypeMask = 0x7fff

// ---------------------------------------------------------------------------
// Payload types

// payloadShortV1 holds IKEv1 payload abbreviations (RFC 2408 3.1, RFC 3547, RFC 6407,
// RFC 3947, the NAT-T drafts and Cisco/Microsoft IKE fragmentation).
var payloadShortV1 = map[uint8]string{
	0:   "NONE",
	1:   "SA",
	2:   "Proposal",
	3:   "Transform",
	4:   "KE",
	5:   "ID",
	6:   "CERT",
	7:   "CERTREQ",
	8:   "HASH",
	9:   "SIG",
	10:  "NONCE",
	11:  "N",
	12:  "D",
	13:  "VID",
	14:  "ATTR", // Mode Config attribute payload
	15:  "SAK",  // RFC 3547 / RFC 6407
	16:  "SAT",
	17:  "KD",
	18:  "SEQ",
	19:  "POP",
	20:  "NAT-D", // RFC 3947
	21:  "NAT-OA",
	22:  "GAP",           // RFC 6407 Group Associated Policy
	130: "NAT-D (draft)", // draft-ietf-ipsec-nat-t-ike-01..03
	131: "NAT-OA (draft)",
	132: "FRAG", // Cisco/Microsoft proprietary IKEv1 fragmentation
}

// payloadShortV2 holds the RFC 7296 notation of IKEv2 payloads.
var payloadShortV2 = map[uint8]string{
	33: "SA",
	34: "KE",
	35: "IDi",
	36: "IDr",
	37: "CERT",
	38: "CERTREQ",
	39: "AUTH",
	40: "Nonce",
	41: "N",
	42: "D",
	43: "V",
	44: "TSi",
	45: "TSr",
	46: "SK",
	47: "CP",
	48: "EAP",
	49: "GSPM", // RFC 6467
	50: "IDg",  // RFC 9838
	51: "GSA",
	52: "KD",
	53: "SKF", // RFC 7383
	54: "PS",  // RFC 8019 puzzle solution
}

var payloadLongV1 = map[uint8]string{
	0:   "No Next Payload",
	1:   "Security Association",
	2:   "Proposal",
	3:   "Transform",
	4:   "Key Exchange",
	5:   "Identification",
	6:   "Certificate",
	7:   "Certificate Request",
	8:   "Hash",
	9:   "Signature",
	10:  "Nonce",
	11:  "Notification",
	12:  "Delete",
	13:  "Vendor ID",
	14:  "Attributes",
	15:  "SA KEK",
	16:  "SA TEK",
	17:  "Key Download",
	18:  "Sequence Number",
	19:  "Proof of Possession",
	20:  "NAT Discovery",
	21:  "NAT Original Address",
	22:  "Group Associated Policy",
	130: "NAT Discovery (draft)",
	131: "NAT Original Address (draft)",
	132: "IKE Fragment (Cisco/Microsoft)",
}

var payloadLongV2 = map[uint8]string{
	33: "Security Association",
	34: "Key Exchange",
	35: "Identification - Initiator",
	36: "Identification - Responder",
	37: "Certificate",
	38: "Certificate Request",
	39: "Authentication",
	40: "Nonce",
	41: "Notify",
	42: "Delete",
	43: "Vendor ID",
	44: "Traffic Selector - Initiator",
	45: "Traffic Selector - Responder",
	46: "Encrypted and Authenticated",
	47: "Configuration",
	48: "Extensible Authentication",
	49: "Generic Secure Password Method",
	50: "Group Identification",
	51: "Group Security Association",
	52: "Key Download",
	53: "Encrypted and Authenticated Fragment",
	54: "Puzzle Solution",
}

// String returns the short payload name used by RFC 7296 and common dissectors ("SA",
// "KE", "IDi", "NAT-D", ...), or "PayloadType(N)".
func (t PayloadType) String() string {
	if s, ok := payloadShortV2[uint8(t)]; ok {
		return s
	}
	return name8(payloadShortV1, uint8(t), "PayloadType")
}

// PayloadTypeLongName returns the descriptive registry name of a payload type
// ("Security Association", "Vendor ID", ...), or "PayloadType(N)".
func PayloadTypeLongName(t PayloadType) string {
	if s, ok := payloadLongV2[uint8(t)]; ok {
		return s
	}
	return name8(payloadLongV1, uint8(t), "PayloadType")
}

// ---------------------------------------------------------------------------
// Exchange types

var exchangeNames = map[uint8]string{
	// IKEv1: RFC 2408 3.1, RFC 2409 Appendix A, Mode Config draft.
	0:  "NONE",
	1:  "Base",
	2:  "Main Mode", // Identity Protection
	3:  "Authentication Only",
	4:  "Aggressive",
	5:  "Informational",
	6:  "Transaction", // Mode Config / XAUTH
	32: "Quick Mode",
	33: "New Group Mode",
	// IKEv2: RFC 7296, RFC 5723, RFC 9838, RFC 9242, RFC 9370.
	34: "IKE_SA_INIT",
	35: "IKE_AUTH",
	36: "CREATE_CHILD_SA",
	37: "INFORMATIONAL",
	38: "IKE_SESSION_RESUME",
	39: "GSA_AUTH",
	40: "GSA_REGISTRATION",
	41: "GSA_REKEY",
	42: "GSA_INBAND_REKEY",
	43: "IKE_INTERMEDIATE",
	44: "IKE_FOLLOWUP_KE",
}

// String returns the exchange name, or "ExchangeType(N)".
func (t ExchangeType) String() string { return name8(exchangeNames, uint8(t), "ExchangeType") }

// ---------------------------------------------------------------------------
// Notify message types

// notifyV1 holds IKEv1 notify types: RFC 2408 3.14.1 errors and CONNECTED, the IPsec
// DOI status types (RFC 2407 4.6.3), RFC 3706 DPD and widely seen vendor values.
var notifyV1 = map[uint16]string{
	1:     "INVALID-PAYLOAD-TYPE",
	2:     "DOI-NOT-SUPPORTED",
	3:     "SITUATION-NOT-SUPPORTED",
	4:     "INVALID-COOKIE",
	5:     "INVALID-MAJOR-VERSION",
	6:     "INVALID-MINOR-VERSION",
	7:     "INVALID-EXCHANGE-TYPE",
	8:     "INVALID-FLAGS",
	9:     "INVALID-MESSAGE-ID",
	10:    "INVALID-PROTOCOL-ID",
	11:    "INVALID-SPI",
	12:    "INVALID-TRANSFORM-ID",
	13:    "ATTRIBUTES-NOT-SUPPORTED",
	14:    "NO-PROPOSAL-CHOSEN",
	15:    "BAD-PROPOSAL-SYNTAX",
	16:    "PAYLOAD-MALFORMED",
	17:    "INVALID-KEY-INFORMATION",
	18:    "INVALID-ID-INFORMATION",
	19:    "INVALID-CERT-ENCODING",
	20:    "INVALID-CERTIFICATE",
	21:    "CERT-TYPE-UNSUPPORTED",
	22:    "INVALID-CERT-AUTHORITY",
	23:    "INVALID-HASH-INFORMATION",
	24:    "AUTHENTICATION-FAILED",
	25:    "INVALID-SIGNATURE",
	26:    "ADDRESS-NOTIFICATION",
	27:    "NOTIFY-SA-LIFETIME",
	28:    "CERTIFICATE-UNAVAILABLE",
	29:    "UNSUPPORTED-EXCHANGE-TYPE",
	30:    "UNEQUAL-PAYLOAD-LENGTHS",
	16384: "CONNECTED",
	24576: "RESPONDER-LIFETIME",
	24577: "REPLAY-STATUS",
	24578: "INITIAL-CONTACT",
	// Private use, as named by libreswan/racoon (Cisco), RFC 3706 and Wireshark.
	30000: "CISCO-HELLO",
	30001: "CISCO-WWTEBR",
	30002: "CISCO-SHUT-UP",
	32768: "IOS-KEEP-ALIVE-REQ",
	32769: "IOS-KEEP-ALIVE-ACK",
	36136: "R-U-THERE",
	36137: "R-U-THERE-ACK",
	40001: "NETSCREEN-NHTB-INFORM",
	40501: "UNITY-LOAD-BALANCE",
	40503: "UNITY-GROUP-HASH",
}

// notifyV2 holds the IANA IKEv2 Notify Message Error and Status Types, plus private-use
// values defined by Microsoft (MS-IKEE), strongSwan, libreswan and 3GPP.
var notifyV2 = map[uint16]string{
	// Error types.
	1:  "UNSUPPORTED_CRITICAL_PAYLOAD",
	4:  "INVALID_IKE_SPI",
	5:  "INVALID_MAJOR_VERSION",
	7:  "INVALID_SYNTAX",
	9:  "INVALID_MESSAGE_ID",
	11: "INVALID_SPI",
	14: "NO_PROPOSAL_CHOSEN",
	17: "INVALID_KE_PAYLOAD",
	24: "AUTHENTICATION_FAILED",
	34: "SINGLE_PAIR_REQUIRED",
	35: "NO_ADDITIONAL_SAS",
	36: "INTERNAL_ADDRESS_FAILURE",
	37: "FAILED_CP_REQUIRED",
	38: "TS_UNACCEPTABLE",
	39: "INVALID_SELECTORS",
	40: "UNACCEPTABLE_ADDRESSES",  // RFC 4555
	41: "UNEXPECTED_NAT_DETECTED", // RFC 4555
	42: "USE_ASSIGNED_HoA",        // RFC 5026
	43: "TEMPORARY_FAILURE",
	44: "CHILD_SA_NOT_FOUND",
	45: "INVALID_GROUP_ID",     // RFC 9838
	46: "AUTHORIZATION_FAILED", // RFC 9838
	47: "STATE_NOT_FOUND",      // RFC 9370
	48: "TS_MAX_QUEUE",         // RFC 9611
	49: "REGISTRATION_FAILED",  // RFC 9838

	// Private-use error types: 3GPP TS 24.302 / 24.502 (ePDG, N3IWF).
	8192:  "PDN_CONNECTION_REJECTION",
	8193:  "MAX_CONNECTION_REACHED",
	8241:  "SEMANTIC_ERROR_IN_THE_TFT_OPERATION",
	8242:  "SYNTACTICAL_ERROR_IN_THE_TFT_OPERATION",
	8244:  "SEMANTIC_ERRORS_IN_PACKET_FILTERS",
	8245:  "SYNTACTICAL_ERRORS_IN_PACKET_FILTERS",
	9000:  "NON_3GPP_ACCESS_TO_EPC_NOT_ALLOWED",
	9001:  "USER_UNKNOWN",
	9002:  "NO_APN_SUBSCRIPTION",
	9003:  "AUTHORIZATION_REJECTED",
	9006:  "ILLEGAL_ME",
	10500: "NETWORK_FAILURE",
	11001: "RAT_TYPE_NOT_ALLOWED",
	11005: "IMEI_NOT_ACCEPTED",
	11011: "PLMN_NOT_ALLOWED",
	11055: "UNAUTHENTICATED_EMERGENCY_NOT_SUPPORTED",
	12345: "MS_NOTIFY_STATUS", // Microsoft MS-IKEE 2.2.7 (0x3039)
	15500: "CONGESTION",

	// Status types.
	16384: "INITIAL_CONTACT",
	16385: "SET_WINDOW_SIZE",
	16386: "ADDITIONAL_TS_POSSIBLE",
	16387: "IPCOMP_SUPPORTED",
	16388: "NAT_DETECTION_SOURCE_IP",
	16389: "NAT_DETECTION_DESTINATION_IP",
	16390: "COOKIE",
	16391: "USE_TRANSPORT_MODE",
	16392: "HTTP_CERT_LOOKUP_SUPPORTED",
	16393: "REKEY_SA",
	16394: "ESP_TFC_PADDING_NOT_SUPPORTED",
	16395: "NON_FIRST_FRAGMENTS_ALSO",
	16396: "MOBIKE_SUPPORTED", // RFC 4555
	16397: "ADDITIONAL_IP4_ADDRESS",
	16398: "ADDITIONAL_IP6_ADDRESS",
	16399: "NO_ADDITIONAL_ADDRESSES",
	16400: "UPDATE_SA_ADDRESSES",
	16401: "COOKIE2",
	16402: "NO_NATS_ALLOWED",
	16403: "AUTH_LIFETIME",           // RFC 4478
	16404: "MULTIPLE_AUTH_SUPPORTED", // RFC 4739
	16405: "ANOTHER_AUTH_FOLLOWS",
	16406: "REDIRECT_SUPPORTED", // RFC 5685
	16407: "REDIRECT",
	16408: "REDIRECTED_FROM",
	16409: "TICKET_LT_OPAQUE", // RFC 5723
	16410: "TICKET_REQUEST",
	16411: "TICKET_ACK",
	16412: "TICKET_NACK",
	16413: "TICKET_OPAQUE",
	16414: "LINK_ID",                   // RFC 5739
	16415: "USE_WESP_MODE",             // RFC 5840
	16416: "ROHC_SUPPORTED",            // RFC 5857
	16417: "EAP_ONLY_AUTHENTICATION",   // RFC 5998
	16418: "CHILDLESS_IKEV2_SUPPORTED", // RFC 6023
	16419: "QUICK_CRASH_DETECTION",     // RFC 6290
	16420: "IKEV2_MESSAGE_ID_SYNC_SUPPORTED",
	16421: "IPSEC_REPLAY_COUNTER_SYNC_SUPPORTED",
	16422: "IKEV2_MESSAGE_ID_SYNC",
	16423: "IPSEC_REPLAY_COUNTER_SYNC",
	16424: "SECURE_PASSWORD_METHODS", // RFC 6467
	16425: "PSK_PERSIST",             // RFC 6631
	16426: "PSK_CONFIRM",
	16427: "ERX_SUPPORTED",                 // RFC 6867
	16428: "IFOM_CAPABILITY",               // 3GPP TS 24.303
	16429: "GROUP_SENDER",                  // RFC 9838 (was SENDER_REQUEST_ID)
	16430: "IKEV2_FRAGMENTATION_SUPPORTED", // RFC 7383
	16431: "SIGNATURE_HASH_ALGORITHMS",     // RFC 7427
	16432: "CLONE_IKE_SA_SUPPORTED",        // RFC 7791
	16433: "CLONE_IKE_SA",
	16434: "PUZZLE",                           // RFC 8019
	16435: "USE_PPK",                          // RFC 8784
	16436: "PPK_IDENTITY",                     // RFC 8784
	16437: "NO_PPK_AUTH",                      // RFC 8784
	16438: "INTERMEDIATE_EXCHANGE_SUPPORTED",  // RFC 9242
	16439: "IP4_ALLOWED",                      // RFC 8983
	16440: "IP6_ALLOWED",                      // RFC 8983
	16441: "ADDITIONAL_KEY_EXCHANGE",          // RFC 9370
	16442: "USE_AGGFRAG",                      // RFC 9347
	16443: "SUPPORTED_AUTH_METHODS",           // RFC 9593
	16444: "SA_RESOURCE_INFO",                 // RFC 9611
	16445: "USE_PPK_INT",                      // RFC 9867
	16446: "PPK_IDENTITY_KEY",                 // RFC 9867
	16447: "IKE_SA_INIT_FULL_TRANSCRIPT_AUTH", // draft-ietf-ipsecme-ikev2-downgrade-prevention

	// Private-use status types.
	40960: "NULL_AUTH",                    // libreswan opportunistic encryption
	40961: "REACTIVATION_REQUESTED_CAUSE", // 3GPP TS 24.302 (strongSwan: USE_BEET_MODE)
	40962: "ME_MEDIATION",                 // strongSwan IKE mediation
	40963: "ME_ENDPOINT",
	40964: "ME_CALLBACK",
	40965: "ME_CONNECTID",
	40966: "ME_CONNECTKEY",
	40967: "ME_CONNECTAUTH",
	40968: "ME_RESPONSE",
	40969: "RADIUS_ATTRIBUTE", // strongSwan
	41041: "BACKOFF_TIMER",    // 3GPP TS 24.302 from here on
	41050: "PDN_TYPE_IPv4_ONLY_ALLOWED",
	41051: "PDN_TYPE_IPv6_ONLY_ALLOWED",
	41101: "DEVICE_IDENTITY",
	41112: "EMERGENCY_SUPPORT",
	41134: "EMERGENCY_CALL_NUMBERS",
	41288: "NBIFOM_GENERIC_CONTAINER",
	41304: "P-CSCF_RESELECTION_SUPPORT",
	41501: "PTI",
	42011: "IKEV2_MULTIPLE_BEARER_PDN_CONNECTIVITY",
	42014: "EPS_QOS",
	42015: "EXTENDED_EPS_QOS",
	42017: "TFT",
	42020: "MODIFIED_BEARER",
	42094: "APN_AMBR",
	42095: "EXTENDED_APN_AMBR",
	51015: "N1_MODE_CAPABILITY",
	51115: "N1_MODE_INFORMATION",
	55501: "5G_QOS_INFO", // 3GPP TS 24.502 from here on
	55502: "NAS_IP4_ADDRESS",
	55503: "NAS_IP6_ADDRESS",
	55504: "UP_IP4_ADDRESS",
	55505: "UP_IP6_ADDRESS",
	55506: "NAS_TCP_PORT",
	55507: "N3GPP_BACKOFF_TIMER",
}

// NotifyName returns the name of a notify message type. IKEv1 and IKEv2 reuse numbers
// with different meanings, so the version is needed. Unknown types give
// "NotifyType(N)".
func NotifyName(v2 bool, t NotifyType) string {
	if v2 {
		return name16(notifyV2, uint16(t), "NotifyType")
	}
	return name16(notifyV1, uint16(t), "NotifyType")
}

// NotifyIsError reports whether a notify type lies in the error range. For both
// versions that is 1-16383: RFC 7296 3.10.1 for IKEv2, and RFC 2408 3.14.1 for IKEv1,
// whose error range is 1-8191 assigned/reserved plus 8192-16383 private-use errors.
// Status types start at 16384 in both.
func NotifyIsError(v2 bool, t NotifyType) bool {
	_ = v2 // same boundary in both versions; kept for symmetry with NotifyName
	return t.IsError()
}

// ---------------------------------------------------------------------------
// Protocol IDs

var protocolV1 = map[uint8]string{
	0: "NONE",
	1: "ISAKMP",
	2: "AH",
	3: "ESP",
	4: "IPCOMP",
	5: "GIGABEAM_RADIO", // RFC 4705
}

var protocolV2 = map[uint8]string{
	0: "NONE",
	1: "IKE",
	2: "AH",
	3: "ESP",
	4: "FC_ESP_HEADER",        // RFC 4595
	5: "FC_CT_AUTHENTICATION", // RFC 4595
	6: "GIKE_UPDATE",          // RFC 9838
}

// ProtocolName returns the security protocol ID name of a proposal, notify or delete
// payload ("ISAKMP"/"IKE", "AH", "ESP", ...). 0, used by notifies without SPI, is
// "NONE". Unknown IDs give "ProtocolID(N)".
func ProtocolName(v2 bool, p uint8) string {
	if v2 {
		return name8(protocolV2, p, "ProtocolID")
	}
	return name8(protocolV1, p, "ProtocolID")
}

// ---------------------------------------------------------------------------
// IKEv1 transform IDs

var v1TransformISAKMP = map[uint8]string{
	1: "KEY_IKE",
}

var v1TransformAH = map[uint8]string{
	2:  "AH_MD5",
	3:  "AH_SHA",
	4:  "AH_DES",
	5:  "AH_SHA2-256",
	6:  "AH_SHA2-384",
	7:  "AH_SHA2-512",
	8:  "AH_RIPEMD",       // RFC 2857
	9:  "AH_AES-XCBC-MAC", // RFC 3566
	10: "AH_RSA",          // RFC 4359
	11: "AH_AES-128-GMAC", // RFC 4543
	12: "AH_AES-192-GMAC",
	13: "AH_AES-256-GMAC",
}

var v1TransformESP = map[uint8]string{
	1:  "ESP_DES_IV64",
	2:  "ESP_DES",
	3:  "ESP_3DES",
	4:  "ESP_RC5",
	5:  "ESP_IDEA",
	6:  "ESP_CAST",
	7:  "ESP_BLOWFISH",
	8:  "ESP_3IDEA",
	9:  "ESP_DES_IV32",
	10: "ESP_RC4",
	11: "ESP_NULL",
	12: "ESP_AES-CBC", // RFC 3602
	13: "ESP_AES-CTR", // RFC 3686
	14: "ESP_AES-CCM_8",
	15: "ESP_AES-CCM_12",
	16: "ESP_AES-CCM_16",
	18: "ESP_AES-GCM_8", // RFC 4106
	19: "ESP_AES-GCM_12",
	20: "ESP_AES-GCM_16",
	21: "ESP_SEED_CBC",           // RFC 4196
	22: "ESP_CAMELLIA",           // RFC 4312
	23: "ESP_NULL_AUTH_AES-GMAC", // RFC 4543
	// Private use (249-255) as used by FreeS/WAN descendants and KAME.
	249: "ESP_MARS",
	250: "ESP_RC6",
	251: "ESP_KAME_NULL",
	252: "ESP_SERPENT",
	253: "ESP_TWOFISH",
}

var v1TransformIPCOMP = map[uint8]string{
	1: "IPCOMP_OUI",
	2: "IPCOMP_DEFLATE",
	3: "IPCOMP_LZS",  // RFC 2395
	4: "IPCOMP_LZJH", // RFC 3051
}

// V1TransformName returns the IKEv1 transform ID name for the proposal's protocol
// (1 ISAKMP, 2 AH, 3 ESP, 4 IPCOMP), or "TransformID(N)".
func V1TransformName(proto uint8, id uint8) string {
	var m map[uint8]string
	switch proto {
	case 1:
		m = v1TransformISAKMP
	case 2:
		m = v1TransformAH
	case 3:
		m = v1TransformESP
	case 4:
		m = v1TransformIPCOMP
	}
	return name8(m, id, "TransformID")
}

// ---------------------------------------------------------------------------
// IKEv1 SA attributes

// v1AttrPhase1 holds the IKE (Oakley) attribute classes of RFC 2409 Appendix A.
var v1AttrPhase1 = map[uint16]string{
	1:  "Encryption Algorithm",
	2:  "Hash Algorithm",
	3:  "Authentication Method",
	4:  "Group Description",
	5:  "Group Type",
	6:  "Group Prime/Irreducible Polynomial",
	7:  "Group Generator One",
	8:  "Group Generator Two",
	9:  "Group Curve A",
	10: "Group Curve B",
	11: "Life Type",
	12: "Life Duration",
	13: "PRF",
	14: "Key Length",
	15: "Field Size",
	16: "Group Order",
}

// v1AttrIPsec holds the IPsec DOI SA attributes (RFC 2407 4.5 and later).
var v1AttrIPsec = map[uint16]string{
	1:     "SA Life Type",
	2:     "SA Life Duration",
	3:     "Group Description",
	4:     "Encapsulation Mode",
	5:     "Authentication Algorithm",
	6:     "Key Length",
	7:     "Key Rounds",
	8:     "Compress Dictionary Size",
	9:     "Compress Private Algorithm",
	10:    "ECN Tunnel",                        // RFC 3168
	11:    "Extended (64-bit) Sequence Number", // RFC 4304
	12:    "Authentication Key Length",         // RFC 4359
	13:    "Signature Encoding Algorithm",      // RFC 4359
	14:    "Address Preservation",              // RFC 6407
	15:    "SA Direction",                      // RFC 6407
	32001: "Security Context",                  // private use, labeled IPsec (libreswan)
}

// V1AttrName returns the name of an IKEv1 SA attribute class. proto 1 (ISAKMP) selects
// the Phase 1 (IKE) classes, any other protocol the IPsec DOI classes. The Attribute
// Format bit is ignored. Unknown classes give "AttributeType(N)".
func V1AttrName(proto uint8, t uint16) string {
	t &= attrTypeMask
	if proto == 1 {
		return name16(v1AttrPhase1, t, "AttributeType")
	}
	return name16(v1AttrIPsec, t, "AttributeType")
}

var v1EncryptionNames = map[uint16]string{
	1: "DES-CBC",
	2: "IDEA-CBC",
	3: "Blowfish-CBC",
	4: "RC5-R16-B64-CBC",
	5: "3DES-CBC",
	6: "CAST-CBC",
	7: "AES-CBC",      // RFC 3602
	8: "CAMELLIA-CBC", // RFC 4312
	// GM/T 0022 (Chinese national IPsec VPN specification), as decoded by Wireshark.
	128: "SM1-CBC",
	129: "SM4-CBC",
	// Private use, FreeS/WAN descendants (libreswan).
	65001: "MARS-CBC",
	65002: "RC6-CBC",
	65004: "SERPENT-CBC",
	65005: "TWOFISH-CBC",
	65289: "TWOFISH-CBC-SSH",
}

var v1HashNames = map[uint16]string{
	1:  "MD5",
	2:  "SHA",
	3:  "Tiger",
	4:  "SHA2-256",
	5:  "SHA2-384",
	6:  "SHA2-512",
	20: "SM3", // GM/T 0022
}

var v1AuthMethodNames = map[uint16]string{
	1:  "Pre-shared key",
	2:  "DSS signatures",
	3:  "RSA signatures",
	4:  "Encryption with RSA",
	5:  "Revised encryption with RSA",
	6:  "Encryption with El-Gamal",              // reserved, historic
	7:  "Revised encryption with El-Gamal",      // reserved, historic
	8:  "ECDSA signatures",                      // reserved, historic
	9:  "ECDSA with SHA-256 on the P-256 curve", // RFC 4754
	10: "ECDSA with SHA-384 on the P-384 curve",
	11: "ECDSA with SHA-512 on the P-521 curve",
	// draft-ietf-ipsec-isakmp-hybrid-auth
	64221: "HybridInitRSA",
	64222: "HybridRespRSA",
	64223: "HybridInitDSS",
	64224: "HybridRespDSS",
	// draft-beaulieu-ike-xauth
	65001: "XAUTHInitPreShared",
	65002: "XAUTHRespPreShared",
	65003: "XAUTHInitDSS",
	65004: "XAUTHRespDSS",
	65005: "XAUTHInitRSA",
	65006: "XAUTHRespRSA",
	65007: "XAUTHInitRSAEncryption",
	65008: "XAUTHRespRSAEncryption",
	65009: "XAUTHInitRSARevisedEncryption",
	65010: "XAUTHRespRSARevisedEncryption",
}

var v1GroupTypeNames = map[uint16]string{
	1: "MODP",
	2: "ECP",
	3: "EC2N",
}

var v1LifeTypeNames = map[uint16]string{
	1: "Seconds",
	2: "Kilobytes",
}

var v1EncapModeNames = map[uint16]string{
	1:     "Tunnel",
	2:     "Transport",
	3:     "UDP-Encapsulated-Tunnel",    // RFC 3947
	4:     "UDP-Encapsulated-Transport", // RFC 3947
	61440: "Check Point UDP Encapsulation",
	61443: "UDP-Encapsulated-Tunnel (draft)",
	61444: "UDP-Encapsulated-Transport (draft)",
}

var v1AuthAlgNames = map[uint16]string{
	1:  "HMAC-MD5",
	2:  "HMAC-SHA",
	3:  "DES-MAC",
	4:  "KPDK",
	5:  "HMAC-SHA2-256",
	6:  "HMAC-SHA2-384",
	7:  "HMAC-SHA2-512",
	8:  "HMAC-RIPEMD",  // RFC 2857
	9:  "AES-XCBC-MAC", // RFC 3566
	10: "SIG-RSA",      // RFC 4359
	11: "AES-128-GMAC", // RFC 4543
	12: "AES-192-GMAC",
	13: "AES-256-GMAC",
}

var v1ECNTunnelNames = map[uint16]string{
	1: "Allowed",
	2: "Forbidden",
}

var v1ESNNames = map[uint16]string{
	1: "64-bit Sequence Number",
}

var v1SigEncodingNames = map[uint16]string{
	1: "RSASSA-PKCS1-v1_5",
	2: "RSASSA-PSS",
}

var v1AddrPreservationNames = map[uint16]string{
	1: "None",
	2: "Source-Only",
	3: "Destination-Only",
	4: "Source-and-Destination",
}

var v1SADirectionNames = map[uint16]string{
	1: "Sender-Only",
	2: "Receiver-Only",
	3: "Symmetric",
}

// v1AttrValues describes one enumerated attribute class: its value table and the type
// name used for values it does not know. A nil table means DH group names.
type v1AttrValues struct {
	m   map[uint16]string
	typ string
}

var v1Phase1Values = map[uint16]v1AttrValues{
	1:  {v1EncryptionNames, "EncryptionAlgorithm"},
	2:  {v1HashNames, "HashAlgorithm"},
	3:  {v1AuthMethodNames, "AuthenticationMethod"},
	4:  {nil, "DHGroup"},
	5:  {v1GroupTypeNames, "GroupType"},
	11: {v1LifeTypeNames, "LifeType"},
}

var v1IPsecValues = map[uint16]v1AttrValues{
	1:  {v1LifeTypeNames, "LifeType"},
	3:  {nil, "DHGroup"},
	4:  {v1EncapModeNames, "EncapsulationMode"},
	5:  {v1AuthAlgNames, "AuthenticationAlgorithm"},
	10: {v1ECNTunnelNames, "ECNTunnel"},
	11: {v1ESNNames, "ExtendedSequenceNumber"},
	13: {v1SigEncodingNames, "SignatureEncodingAlgorithm"},
	14: {v1AddrPreservationNames, "AddressPreservation"},
	15: {v1SADirectionNames, "SADirection"},
}

// V1AttrValueName names the value v of an enumerated IKEv1 attribute class t (proto 1 =
// Phase 1, otherwise IPsec DOI): "AES-CBC", "Pre-shared key", "MODP_2048", "Tunnel",
// ... For an enumerated class an unknown value gives e.g. "EncryptionAlgorithm(N)". For
// classes that are not enumerated (durations, key lengths, group parameters) it returns
// "" so the caller prints the number.
func V1AttrValueName(proto uint8, t uint16, v uint32) string {
	t &= attrTypeMask
	tables := v1IPsecValues
	if proto == 1 {
		tables = v1Phase1Values
	}
	cls, ok := tables[t]
	if !ok {
		return ""
	}
	if v > 0xffff {
		return numName(cls.typ, uint64(v))
	}
	if cls.m == nil {
		return DHGroupName(uint16(v))
	}
	return name16(cls.m, uint16(v), cls.typ)
}

// ---------------------------------------------------------------------------
// IKEv2 transforms

var transformTypeNames = map[uint8]string{
	1:  "ENCR",
	2:  "PRF",
	3:  "INTEG",
	4:  "DH", // "Key Exchange Method (KE)" since RFC 9370
	5:  "ESN",
	6:  "ADDKE1", // RFC 9370
	7:  "ADDKE2",
	8:  "ADDKE3",
	9:  "ADDKE4",
	10: "ADDKE5",
	11: "ADDKE6",
	12: "ADDKE7",
	13: "KWA",    // RFC 9838 Key Wrap Algorithm
	14: "GCAUTH", // RFC 9838 Group Controller Authentication Method
}

// String returns the transform type abbreviation ("ENCR", "PRF", "INTEG", "DH", "ESN",
// "ADDKE1".."ADDKE7", "KWA", "GCAUTH"), or "TransformType(N)".
func (t TransformType) String() string {
	return name8(transformTypeNames, uint8(t), "TransformType")
}

var v2EncrNames = map[uint16]string{
	1:  "ENCR_DES_IV64",
	2:  "ENCR_DES",
	3:  "ENCR_3DES",
	4:  "ENCR_RC5",
	5:  "ENCR_IDEA",
	6:  "ENCR_CAST",
	7:  "ENCR_BLOWFISH",
	8:  "ENCR_3IDEA",
	9:  "ENCR_DES_IV32",
	11: "ENCR_NULL",
	12: "ENCR_AES_CBC",
	13: "ENCR_AES_CTR",
	14: "ENCR_AES_CCM_8",
	15: "ENCR_AES_CCM_12",
	16: "ENCR_AES_CCM_16",
	18: "ENCR_AES_GCM_8",
	19: "ENCR_AES_GCM_12",
	20: "ENCR_AES_GCM_16",
	21: "ENCR_NULL_AUTH_AES_GMAC",
	23: "ENCR_CAMELLIA_CBC", // RFC 5529
	24: "ENCR_CAMELLIA_CTR",
	25: "ENCR_CAMELLIA_CCM_8",
	26: "ENCR_CAMELLIA_CCM_12",
	27: "ENCR_CAMELLIA_CCM_16",
	28: "ENCR_CHACHA20_POLY1305",     // RFC 7634
	29: "ENCR_AES_CCM_8_IIV",         // RFC 8750
	30: "ENCR_AES_GCM_16_IIV",        // RFC 8750
	31: "ENCR_CHACHA20_POLY1305_IIV", // RFC 8750
	32: "ENCR_KUZNYECHIK_MGM_KTREE",  // RFC 9227
	33: "ENCR_MAGMA_MGM_KTREE",
	34: "ENCR_KUZNYECHIK_MGM_MAC_KTREE",
	35: "ENCR_MAGMA_MGM_MAC_KTREE",
}

var v2PRFNames = map[uint16]string{
	1: "PRF_HMAC_MD5",
	2: "PRF_HMAC_SHA1",
	3: "PRF_HMAC_TIGER",
	4: "PRF_AES128_XCBC",
	5: "PRF_HMAC_SHA2_256",
	6: "PRF_HMAC_SHA2_384",
	7: "PRF_HMAC_SHA2_512",
	8: "PRF_AES128_CMAC",
	9: "PRF_HMAC_STREEBOG_512", // RFC 9385
}

var v2IntegNames = map[uint16]string{
	0:  "NONE",
	1:  "AUTH_HMAC_MD5_96",
	2:  "AUTH_HMAC_SHA1_96",
	3:  "AUTH_DES_MAC",
	4:  "AUTH_KPDK_MD5",
	5:  "AUTH_AES_XCBC_96",
	6:  "AUTH_HMAC_MD5_128",
	7:  "AUTH_HMAC_SHA1_160",
	8:  "AUTH_AES_CMAC_96",
	9:  "AUTH_AES_128_GMAC",
	10: "AUTH_AES_192_GMAC",
	11: "AUTH_AES_256_GMAC",
	12: "AUTH_HMAC_SHA2_256_128",
	13: "AUTH_HMAC_SHA2_384_192",
	14: "AUTH_HMAC_SHA2_512_256",
}

var v2ESNNames = map[uint16]string{
	0: "No ESN",
	1: "ESN",
	2: "32-bit Unspecified Numbers", // RFC 9827
}

var v2KWANames = map[uint16]string{
	1: "KW_5649_128",
	2: "KW_5649_192",
	3: "KW_5649_256",
	4: "KW_ARX",
}

var v2GCAuthNames = map[uint16]string{
	1: "Implicit",
	2: "Digital Signature",
}

// V2TransformIDName returns the IANA identifier of an IKEv2 transform ID for its
// transform type (ENCR_AES_CBC, PRF_HMAC_SHA2_256, AUTH_HMAC_SHA2_256_128, MODP_2048,
// ...). DH and ADDKE1-7 use the DH group names. Unknown IDs give "TransformID(N)".
func V2TransformIDName(tt TransformType, id uint16) string {
	var m map[uint16]string
	switch {
	case tt == 1:
		m = v2EncrNames
	case tt == 2:
		m = v2PRFNames
	case tt == 3:
		m = v2IntegNames
	case tt == 4 || (tt >= 6 && tt <= 12):
		m = dhGroupNames
	case tt == 5:
		m = v2ESNNames
	case tt == 13:
		m = v2KWANames
	case tt == 14:
		m = v2GCAuthNames
	}
	return name16(m, id, "TransformID")
}

// ---------------------------------------------------------------------------
// Diffie-Hellman groups / key exchange methods

// dhGroupNames covers IKEv1 Group Description and IKEv2 transform type 4 (and ADDKE).
var dhGroupNames = map[uint16]string{
	0: "NONE",
	1: "MODP_768",
	2: "MODP_1024",
	3: "EC2N_155",
	4: "EC2N_185",
	5: "MODP_1536",
	// IKEv1 only, draft-ietf-ipsec-ike-ecc-groups: two curves per field size.
	6:  "EC2N_163A",
	7:  "EC2N_163B",
	8:  "EC2N_283A",
	9:  "EC2N_283B",
	10: "EC2N_409A",
	11: "EC2N_409B",
	12: "EC2N_571A",
	13: "EC2N_571B",
	14: "MODP_2048", // RFC 3526
	15: "MODP_3072",
	16: "MODP_4096",
	17: "MODP_6144",
	18: "MODP_8192",
	19: "ECP_256", // RFC 5903
	20: "ECP_384",
	21: "ECP_521",
	22: "MODP_1024_160", // RFC 5114
	23: "MODP_2048_224",
	24: "MODP_2048_256",
	25: "ECP_192",
	26: "ECP_224",
	27: "BRAINPOOL_P224R1", // RFC 6954
	28: "BRAINPOOL_P256R1",
	29: "BRAINPOOL_P384R1",
	30: "BRAINPOOL_P512R1",
	31: "Curve25519", // RFC 8031
	32: "Curve448",
	33: "GOST3410_2012_256", // RFC 9385
	34: "GOST3410_2012_512",
	35: "ML-KEM-512", // draft-ietf-ipsecme-ikev2-mlkem
	36: "ML-KEM-768",
	37: "ML-KEM-1024",
	// Private use.
	1024: "MODP_NULL", // strongSwan insecure test group
}

// dhGroupBits is the prime size of MODP groups and the field size of elliptic-curve
// groups; Curve25519 and Curve448 count as 256 and 448.
var dhGroupBits = map[uint16]int{
	1: 768, 2: 1024, 5: 1536, 14: 2048, 15: 3072, 16: 4096, 17: 6144, 18: 8192,
	22: 1024, 23: 2048, 24: 2048,
	3: 155, 4: 185, 6: 163, 7: 163, 8: 283, 9: 283, 10: 409, 11: 409, 12: 571, 13: 571,
	19: 256, 20: 384, 21: 521, 25: 192, 26: 224,
	27: 224, 28: 256, 29: 384, 30: 512,
	31: 256, 32: 448, 33: 256, 34: 512,
}

// DHGroupName returns the name of a Diffie-Hellman group / key exchange method, shared
// by the IKEv1 Group Description attribute and IKEv2 transform type 4, or "DHGroup(N)".
func DHGroupName(g uint16) string { return name16(dhGroupNames, g, "DHGroup") }

// DHGroupBits returns the size that matters for strength checks: the prime size in
// bits for MODP groups (768, 1024, 1536, 2048, ...), the field size for elliptic-curve
// groups (163, 256, 384, 521, ...; 256 for Curve25519, 448 for Curve448). It returns 0
// for unknown groups and for groups without such a size (NONE, ML-KEM, MODP_NULL).
// Compare MODP and EC sizes only within their kind, see DHGroupName.
func DHGroupBits(g uint16) int { return dhGroupBits[g] }

// ---------------------------------------------------------------------------
// Identification, certificates, authentication

var idTypeV1 = map[uint8]string{
	1:  "ID_IPV4_ADDR",
	2:  "ID_FQDN",
	3:  "ID_USER_FQDN",
	4:  "ID_IPV4_ADDR_SUBNET",
	5:  "ID_IPV6_ADDR",
	6:  "ID_IPV6_ADDR_SUBNET",
	7:  "ID_IPV4_ADDR_RANGE",
	8:  "ID_IPV6_ADDR_RANGE",
	9:  "ID_DER_ASN1_DN",
	10: "ID_DER_ASN1_GN",
	11: "ID_KEY_ID",
	12: "ID_LIST", // RFC 3554
}

var idTypeV2 = map[uint8]string{
	1:  "ID_IPV4_ADDR",
	2:  "ID_FQDN",
	3:  "ID_RFC822_ADDR",
	5:  "ID_IPV6_ADDR",
	9:  "ID_DER_ASN1_DN",
	10: "ID_DER_ASN1_GN",
	11: "ID_KEY_ID",
	12: "ID_FC_NAME", // RFC 4595
	13: "ID_NULL",    // RFC 7619
}

// IDTypeName returns the identification type name (RFC 2407 4.6.2.1 for IKEv1, RFC 7296
// 3.5 for IKEv2), or "IDType(N)".
func IDTypeName(v2 bool, t uint8) string {
	if v2 {
		return name8(idTypeV2, t, "IDType")
	}
	return name8(idTypeV1, t, "IDType")
}

var certEncodingNames = map[uint8]string{
	1:  "PKCS #7 wrapped X.509 certificate",
	2:  "PGP Certificate",
	3:  "DNS Signed Key",
	4:  "X.509 Certificate - Signature",
	5:  "X.509 Certificate - Key Exchange", // IKEv1 only
	6:  "Kerberos Tokens",
	7:  "Certificate Revocation List (CRL)",
	8:  "Authority Revocation List (ARL)",
	9:  "SPKI Certificate",
	10: "X.509 Certificate - Attribute",
	11: "Raw RSA Key", // deprecated
	12: "Hash and URL of X.509 certificate",
	13: "Hash and URL of X.509 bundle",
	14: "OCSP Content",   // RFC 4806
	15: "Raw Public Key", // RFC 7670
}

// CertEncodingName returns the certificate encoding name of a CERT or CERTREQ payload
// (RFC 2408 3.9, RFC 7296 3.6), or "CertEncoding(N)".
func CertEncodingName(t uint8) string { return name8(certEncodingNames, t, "CertEncoding") }

var authMethodNames = map[uint8]string{
	1:  "RSA Digital Signature",
	2:  "Shared Key Message Integrity Code",
	3:  "DSS Digital Signature",
	9:  "ECDSA with SHA-256 on the P-256 curve", // RFC 4754
	10: "ECDSA with SHA-384 on the P-384 curve",
	11: "ECDSA with SHA-512 on the P-521 curve",
	12: "Generic Secure Password Authentication Method", // RFC 6467
	13: "NULL Authentication",                           // RFC 7619
	14: "Digital Signature",                             // RFC 7427
}

// AuthMethodName returns the IKEv2 AUTH payload method name, or "AuthMethod(N)".
func AuthMethodName(t uint8) string { return name8(authMethodNames, t, "AuthMethod") }

var tsTypeNames = map[uint8]string{
	7:  "TS_IPV4_ADDR_RANGE",
	8:  "TS_IPV6_ADDR_RANGE",
	9:  "TS_FC_ADDR_RANGE", // RFC 4595
	10: "TS_SECLABEL",
}

// TSTypeName returns the IKEv2 traffic selector type name, or "TSType(N)".
func TSTypeName(t uint8) string { return name8(tsTypeNames, t, "TSType") }

// ---------------------------------------------------------------------------
// Configuration payloads (IKEv2 CP, IKEv1 Mode Config / XAUTH)

var cfgTypeNames = map[uint8]string{
	1: "CFG_REQUEST",
	2: "CFG_REPLY",
	3: "CFG_SET",
	4: "CFG_ACK",
}

// CFGTypeName returns the CP / ATTR payload message type, or "CFGType(N)".
func CFGTypeName(t uint8) string { return name8(cfgTypeNames, t, "CFGType") }

var configAttrV2 = map[uint16]string{
	1:  "INTERNAL_IP4_ADDRESS",
	2:  "INTERNAL_IP4_NETMASK",
	3:  "INTERNAL_IP4_DNS",
	4:  "INTERNAL_IP4_NBNS",
	5:  "INTERNAL_ADDRESS_EXPIRY", // RFC 4306, reserved since RFC 5996
	6:  "INTERNAL_IP4_DHCP",
	7:  "APPLICATION_VERSION",
	8:  "INTERNAL_IP6_ADDRESS",
	9:  "INTERNAL_IP6_NETMASK", // RFC 4306, reserved since RFC 5996
	10: "INTERNAL_IP6_DNS",
	11: "INTERNAL_IP6_NBNS", // RFC 4306, reserved since RFC 5996
	12: "INTERNAL_IP6_DHCP",
	13: "INTERNAL_IP4_SUBNET",
	14: "SUPPORTED_ATTRIBUTES",
	15: "INTERNAL_IP6_SUBNET",
	16: "MIP6_HOME_PREFIX",    // RFC 5026
	17: "INTERNAL_IP6_LINK",   // RFC 5739
	18: "INTERNAL_IP6_PREFIX", // RFC 5739
	19: "HOME_AGENT_ADDRESS",  // 3GPP TS 24.302
	20: "P_CSCF_IP4_ADDRESS",  // RFC 7651
	21: "P_CSCF_IP6_ADDRESS",
	22: "FTT_KAT",                           // 3GPP TS 24.302
	23: "EXTERNAL_SOURCE_IP4_NAT_INFO",      // 3GPP TS 29.139
	24: "TIMEOUT_PERIOD_FOR_LIVENESS_CHECK", // 3GPP TS 24.302
	25: "INTERNAL_DNS_DOMAIN",               // RFC 8598
	26: "INTERNAL_DNSSEC_TA",
	27: "ENCDNS_IP4", // RFC 9464
	28: "ENCDNS_IP6",
	29: "ENCDNS_DIGEST_INFO",
}

var configAttrV1 = map[uint16]string{
	// draft-dukes-ike-mode-cfg / draft-ietf-ipsec-isakmp-mode-cfg-05
	1:  "INTERNAL_IP4_ADDRESS",
	2:  "INTERNAL_IP4_NETMASK",
	3:  "INTERNAL_IP4_DNS",
	4:  "INTERNAL_IP4_NBNS",
	5:  "INTERNAL_ADDRESS_EXPIRY",
	6:  "INTERNAL_IP4_DHCP",
	7:  "APPLICATION_VERSION",
	8:  "INTERNAL_IP6_ADDRESS",
	9:  "INTERNAL_IP6_NETMASK",
	10: "INTERNAL_IP6_DNS",
	11: "INTERNAL_IP6_NBNS",
	12: "INTERNAL_IP6_DHCP",
	13: "INTERNAL_IP4_SUBNET",
	14: "SUPPORTED_ATTRIBUTES",
	15: "INTERNAL_IP6_SUBNET",
	// Check Point
	16387: "CHKPT-DEF-DOMAIN",
	16388: "CHKPT-MAC-ADDRESS",
	16389: "CHKPT-MARCIPAN-REASON-CODE",
	// draft-beaulieu-ike-xauth / draft-ietf-ipsec-isakmp-xauth-06
	16520: "XAUTH-TYPE",
	16521: "XAUTH-USER-NAME",
	16522: "XAUTH-USER-PASSWORD",
	16523: "XAUTH-PASSCODE",
	16524: "XAUTH-MESSAGE",
	16525: "XAUTH-CHALLENGE",
	16526: "XAUTH-DOMAIN",
	16527: "XAUTH-STATUS",
	16528: "XAUTH-NEXT-PIN",
	16529: "XAUTH-ANSWER",
	// Microsoft
	23456: "INTERNAL_IP4_SERVER",
	23457: "INTERNAL_IP6_SERVER",
	// Cisco Unity
	28672: "UNITY-BANNER",
	28673: "UNITY-SAVE-PASSWD",
	28674: "UNITY-DEF-DOMAIN",
	28675: "UNITY-SPLIT-DOMAIN",
	28676: "UNITY-SPLIT-INCLUDE",
	28677: "UNITY-NATT-PORT",
	28678: "UNITY-SPLIT-EXCLUDE",
	28679: "UNITY-PFS",
	28680: "UNITY-FW-TYPE",
	28681: "UNITY-BACKUP-SERVERS",
	28682: "UNITY-DDNS-HOSTNAME",
}

// configAttrSecretV1 lists IKEv1 attributes that carry credentials.
var configAttrSecretV1 = map[uint16]bool{
	16522: true, // XAUTH-USER-PASSWORD
	16523: true, // XAUTH-PASSCODE
	16528: true, // XAUTH-NEXT-PIN
	16529: true, // XAUTH-ANSWER
}

// ConfigAttrName returns the name of a configuration attribute: the IANA IKEv2
// Configuration Payload Attribute Types for v2; Mode Config, XAUTH, Check Point,
// Microsoft and Cisco Unity attributes for v1. The Attribute Format / reserved bit is
// ignored. Unknown attributes give "ConfigAttr(N)".
func ConfigAttrName(v2 bool, t uint16) string {
	t &= attrTypeMask
	if v2 {
		return name16(configAttrV2, t, "ConfigAttr")
	}
	return name16(configAttrV1, t, "ConfigAttr")
}

// ConfigAttrSecret reports whether the value of a configuration attribute is a
// credential that must never be printed: XAUTH-USER-PASSWORD, XAUTH-PASSCODE,
// XAUTH-NEXT-PIN and XAUTH-ANSWER. No IKEv2 attribute carries one.
func ConfigAttrSecret(v2 bool, t uint16) bool {
	if v2 {
		return false
	}
	return configAttrSecretV1[t&attrTypeMask]
}

// ---------------------------------------------------------------------------
// EAP

var eapCodeNames = map[uint8]string{
	1: "Request",
	2: "Response",
	3: "Success",
	4: "Failure",
	5: "Initiate", // RFC 6696
	6: "Finish",
}

// EAPCodeName returns the EAP packet code name, or "EAPCode(N)".
func EAPCodeName(c uint8) string { return name8(eapCodeNames, c, "EAPCode") }

var eapTypeNames = map[uint8]string{
	1:   "Identity",
	2:   "Notification",
	3:   "Nak",
	4:   "MD5-Challenge",
	5:   "OTP",
	6:   "GTC",
	9:   "RSA Public Key Authentication",
	10:  "DSS Unilateral",
	11:  "KEA",
	12:  "KEA-VALIDATE",
	13:  "TLS",
	14:  "Defender Token",
	15:  "RSA SecurID",
	16:  "Arcot",
	17:  "LEAP",
	18:  "SIM",
	19:  "SRP-SHA1",
	21:  "TTLS",
	22:  "Remote Access Service",
	23:  "AKA",
	24:  "3Com Wireless",
	25:  "PEAP",
	26:  "MSCHAPv2", // MS-EAP-Authentication
	27:  "MAKE",
	28:  "CRYPTOCard",
	29:  "EAP-MSCHAP-V2",
	30:  "DynamID",
	31:  "Rob EAP",
	32:  "POTP",
	33:  "MS-Authentication-TLV",
	34:  "SentriNET",
	35:  "Actiontec Wireless",
	36:  "Cogent Biometrics",
	37:  "AirFortress",
	38:  "HTTP Digest",
	39:  "SecureSuite",
	40:  "DeviceConnect",
	41:  "SPEKE",
	42:  "MOBAC",
	43:  "FAST",
	44:  "ZLXEAP",
	45:  "Link",
	46:  "PAX",
	47:  "PSK",
	48:  "SAKE",
	49:  "IKEv2",
	50:  "AKA'",
	51:  "GPSK",
	52:  "PWD",
	53:  "EKE",
	54:  "PT-EAP",
	55:  "TEAP",
	56:  "NOOB", // RFC 9140
	254: "Expanded",
	255: "Experimental",
}

// EAPTypeName returns the IANA EAP method type name, or "EAPType(N)".
func EAPTypeName(t uint8) string { return name8(eapTypeNames, t, "EAPType") }

// ---------------------------------------------------------------------------
// IKEv1 DOI and situation

var doiNames = map[uint32]string{
	0: "ISAKMP",
	1: "IPSEC",
	2: "GDOI", // RFC 3547
}

// DOIName returns the Domain of Interpretation name, or "DOI(N)".
func DOIName(d uint32) string { return name32(doiNames, d, "DOI") }

// situationCombos names every combination of the three IPsec DOI situation bits.
var situationCombos = [8]string{
	0: "NONE",
	1: "SIT_IDENTITY_ONLY",
	2: "SIT_SECRECY",
	3: "SIT_IDENTITY_ONLY|SIT_SECRECY",
	4: "SIT_INTEGRITY",
	5: "SIT_IDENTITY_ONLY|SIT_INTEGRITY",
	6: "SIT_SECRECY|SIT_INTEGRITY",
	7: "SIT_IDENTITY_ONLY|SIT_SECRECY|SIT_INTEGRITY",
}

// SituationNames returns the IPsec DOI situation bits (RFC 2407 4.2) joined with "|",
// unknown bits as one hex number ("SIT_IDENTITY_ONLY|0x80000000"); 0 is "NONE".
func SituationNames(s uint32) string {
	known, rest := s&7, s&^7
	if rest == 0 {
		return situationCombos[known]
	}
	hex := "0x" + strconv.FormatUint(uint64(rest), 16)
	if known == 0 {
		return hex
	}
	return situationCombos[known] + "|" + hex
}

// ---------------------------------------------------------------------------
// RFC 7427 hash algorithms

var hashAlgorithmNames = map[uint16]string{
	1: "SHA1",
	2: "SHA2-256",
	3: "SHA2-384",
	4: "SHA2-512",
	5: "Identity",     // RFC 8420
	6: "STREEBOG_256", // RFC 9385
	7: "STREEBOG_512",
}

// HashAlgorithmName returns the IKEv2 hash algorithm name used by the
// SIGNATURE_HASH_ALGORITHMS notify, or "HashAlgorithm(N)".
func HashAlgorithmName(h uint16) string { return name16(hashAlgorithmNames, h, "HashAlgorithm") }

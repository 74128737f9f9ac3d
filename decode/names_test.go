package decode

import (
	"strconv"
	"strings"
	"testing"
)

type nameCase struct {
	got, want string
}

func checkNames(t *testing.T, cases []nameCase) {
	t.Helper()
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestPayloadTypeNames(t *testing.T) {
	checkNames(t, []nameCase{
		{PayloadType(0).String(), "NONE"},
		{PayloadType(1).String(), "SA"},
		{PayloadType(2).String(), "Proposal"},
		{PayloadType(8).String(), "HASH"},
		{PayloadType(13).String(), "VID"},
		{PayloadType(14).String(), "ATTR"},
		{PayloadType(20).String(), "NAT-D"},
		{PayloadType(21).String(), "NAT-OA"},
		{PayloadType(130).String(), "NAT-D (draft)"},
		{PayloadType(131).String(), "NAT-OA (draft)"},
		{PayloadType(33).String(), "SA"},
		{PayloadType(35).String(), "IDi"},
		{PayloadType(40).String(), "Nonce"},
		{PayloadType(43).String(), "V"},
		{PayloadType(46).String(), "SK"},
		{PayloadType(53).String(), "SKF"},
		{PayloadType(54).String(), "PS"},
		{PayloadType(200).String(), "PayloadType(200)"},
		{PayloadType(55).String(), "PayloadType(55)"},
		{PayloadTypeLongName(13), "Vendor ID"},
		{PayloadTypeLongName(33), "Security Association"},
		{PayloadTypeLongName(34), "Key Exchange"},
		{PayloadTypeLongName(53), "Encrypted and Authenticated Fragment"},
		{PayloadTypeLongName(0), "No Next Payload"},
		{PayloadTypeLongName(99), "PayloadType(99)"},
	})
}

func TestExchangeTypeNames(t *testing.T) {
	checkNames(t, []nameCase{
		{ExchangeType(2).String(), "Main Mode"},
		{ExchangeType(4).String(), "Aggressive"},
		{ExchangeType(5).String(), "Informational"},
		{ExchangeType(6).String(), "Transaction"},
		{ExchangeType(32).String(), "Quick Mode"},
		{ExchangeType(33).String(), "New Group Mode"},
		{ExchangeType(34).String(), "IKE_SA_INIT"},
		{ExchangeType(35).String(), "IKE_AUTH"},
		{ExchangeType(36).String(), "CREATE_CHILD_SA"},
		{ExchangeType(37).String(), "INFORMATIONAL"},
		{ExchangeType(42).String(), "GSA_INBAND_REKEY"},
		{ExchangeType(43).String(), "IKE_INTERMEDIATE"},
		{ExchangeType(44).String(), "IKE_FOLLOWUP_KE"},
		{ExchangeType(243).String(), "ExchangeType(243)"},
		{ExchangeType(7).String(), "ExchangeType(7)"},
	})
}

func TestNotifyName(t *testing.T) {
	checkNames(t, []nameCase{
		{NotifyName(false, 1), "INVALID-PAYLOAD-TYPE"},
		{NotifyName(false, 14), "NO-PROPOSAL-CHOSEN"},
		{NotifyName(false, 18), "INVALID-ID-INFORMATION"},
		{NotifyName(false, 24), "AUTHENTICATION-FAILED"},
		{NotifyName(false, 16384), "CONNECTED"},
		{NotifyName(false, 24576), "RESPONDER-LIFETIME"},
		{NotifyName(false, 24577), "REPLAY-STATUS"},
		{NotifyName(false, 24578), "INITIAL-CONTACT"},
		{NotifyName(false, 36136), "R-U-THERE"},
		{NotifyName(false, 36137), "R-U-THERE-ACK"},
		{NotifyName(false, 40501), "UNITY-LOAD-BALANCE"},
		{NotifyName(false, 16388), "NotifyType(16388)"},
		{NotifyName(false, 40000), "NotifyType(40000)"},
		{NotifyName(true, 14), "NO_PROPOSAL_CHOSEN"},
		{NotifyName(true, 17), "INVALID_KE_PAYLOAD"},
		{NotifyName(true, 24), "AUTHENTICATION_FAILED"},
		{NotifyName(true, 38), "TS_UNACCEPTABLE"},
		{NotifyName(true, 47), "STATE_NOT_FOUND"},
		{NotifyName(true, 16384), "INITIAL_CONTACT"},
		{NotifyName(true, 16388), "NAT_DETECTION_SOURCE_IP"},
		{NotifyName(true, 16390), "COOKIE"},
		{NotifyName(true, 16430), "IKEV2_FRAGMENTATION_SUPPORTED"},
		{NotifyName(true, 16431), "SIGNATURE_HASH_ALGORITHMS"},
		{NotifyName(true, 16435), "USE_PPK"},
		{NotifyName(true, 16441), "ADDITIONAL_KEY_EXCHANGE"},
		{NotifyName(true, 12345), "MS_NOTIFY_STATUS"},
		{NotifyName(true, 36136), "NotifyType(36136)"},
		{NotifyName(true, 40000), "NotifyType(40000)"},
		{NotifyName(true, 0), "NotifyType(0)"},
	})
}

func TestNotifyIsError(t *testing.T) {
	for _, v2 := range []bool{false, true} {
		for _, c := range []struct {
			t    uint16
			want bool
		}{
			{0, false},
			{1, true},
			{14, true},
			{8191, true},
			{8192, true}, // private-use error range in both versions
			{16383, true},
			{16384, false},
			{24578, false},
			{36136, false},
			{65535, false},
		} {
			if got := NotifyIsError(v2, NotifyType(c.t)); got != c.want {
				t.Errorf("NotifyIsError(%v, %d) = %v, want %v", v2, c.t, got, c.want)
			}
		}
	}
}

func TestProtocolName(t *testing.T) {
	checkNames(t, []nameCase{
		{ProtocolName(false, 1), "ISAKMP"},
		{ProtocolName(false, 2), "AH"},
		{ProtocolName(false, 3), "ESP"},
		{ProtocolName(false, 4), "IPCOMP"},
		{ProtocolName(false, 5), "GIGABEAM_RADIO"},
		{ProtocolName(true, 1), "IKE"},
		{ProtocolName(true, 3), "ESP"},
		{ProtocolName(true, 4), "FC_ESP_HEADER"},
		{ProtocolName(true, 5), "FC_CT_AUTHENTICATION"},
		{ProtocolName(true, 0), "NONE"},
		{ProtocolName(false, 9), "ProtocolID(9)"},
		{ProtocolName(true, 200), "ProtocolID(200)"},
	})
}

func TestV1TransformName(t *testing.T) {
	checkNames(t, []nameCase{
		{V1TransformName(1, 1), "KEY_IKE"},
		{V1TransformName(2, 2), "AH_MD5"},
		{V1TransformName(2, 3), "AH_SHA"},
		{V1TransformName(2, 5), "AH_SHA2-256"},
		{V1TransformName(2, 11), "AH_AES-128-GMAC"},
		{V1TransformName(3, 3), "ESP_3DES"},
		{V1TransformName(3, 11), "ESP_NULL"},
		{V1TransformName(3, 12), "ESP_AES-CBC"},
		{V1TransformName(3, 13), "ESP_AES-CTR"},
		{V1TransformName(3, 16), "ESP_AES-CCM_16"},
		{V1TransformName(3, 20), "ESP_AES-GCM_16"},
		{V1TransformName(3, 21), "ESP_SEED_CBC"},
		{V1TransformName(3, 22), "ESP_CAMELLIA"},
		{V1TransformName(3, 23), "ESP_NULL_AUTH_AES-GMAC"},
		{V1TransformName(4, 2), "IPCOMP_DEFLATE"},
		{V1TransformName(4, 3), "IPCOMP_LZS"},
		{V1TransformName(3, 17), "TransformID(17)"},
		{V1TransformName(2, 1), "TransformID(1)"},
		{V1TransformName(9, 1), "TransformID(1)"},
	})
}

func TestV1AttrName(t *testing.T) {
	checkNames(t, []nameCase{
		{V1AttrName(1, 1), "Encryption Algorithm"},
		{V1AttrName(1, 3), "Authentication Method"},
		{V1AttrName(1, 4), "Group Description"},
		{V1AttrName(1, 6), "Group Prime/Irreducible Polynomial"},
		{V1AttrName(1, 12), "Life Duration"},
		{V1AttrName(1, 14), "Key Length"},
		{V1AttrName(1, 16), "Group Order"},
		{V1AttrName(1, 0x8001), "Encryption Algorithm"}, // AF bit ignored
		{V1AttrName(3, 1), "SA Life Type"},
		{V1AttrName(3, 4), "Encapsulation Mode"},
		{V1AttrName(3, 5), "Authentication Algorithm"},
		{V1AttrName(2, 11), "Extended (64-bit) Sequence Number"},
		{V1AttrName(3, 15), "SA Direction"},
		{V1AttrName(1, 17), "AttributeType(17)"},
		{V1AttrName(3, 100), "AttributeType(100)"},
	})
}

func TestV1AttrValueName(t *testing.T) {
	checkNames(t, []nameCase{
		{V1AttrValueName(1, 1, 5), "3DES-CBC"},
		{V1AttrValueName(1, 1, 7), "AES-CBC"},
		{V1AttrValueName(1, 2, 2), "SHA"},
		{V1AttrValueName(1, 2, 4), "SHA2-256"},
		{V1AttrValueName(1, 3, 1), "Pre-shared key"},
		{V1AttrValueName(1, 3, 3), "RSA signatures"},
		{V1AttrValueName(1, 3, 9), "ECDSA with SHA-256 on the P-256 curve"},
		{V1AttrValueName(1, 3, 64221), "HybridInitRSA"},
		{V1AttrValueName(1, 3, 64222), "HybridRespRSA"},
		{V1AttrValueName(1, 3, 65001), "XAUTHInitPreShared"},
		{V1AttrValueName(1, 3, 65010), "XAUTHRespRSARevisedEncryption"},
		{V1AttrValueName(1, 4, 2), "MODP_1024"},
		{V1AttrValueName(1, 4, 14), "MODP_2048"},
		{V1AttrValueName(1, 5, 2), "ECP"},
		{V1AttrValueName(1, 11, 1), "Seconds"},
		{V1AttrValueName(1, 0x800b, 2), "Kilobytes"},
		{V1AttrValueName(3, 1, 2), "Kilobytes"},
		{V1AttrValueName(3, 3, 19), "ECP_256"},
		{V1AttrValueName(3, 4, 1), "Tunnel"},
		{V1AttrValueName(3, 4, 3), "UDP-Encapsulated-Tunnel"},
		{V1AttrValueName(3, 4, 61443), "UDP-Encapsulated-Tunnel (draft)"},
		{V1AttrValueName(3, 4, 61444), "UDP-Encapsulated-Transport (draft)"},
		{V1AttrValueName(3, 5, 2), "HMAC-SHA"},
		{V1AttrValueName(3, 5, 5), "HMAC-SHA2-256"},
		{V1AttrValueName(2, 5, 9), "AES-XCBC-MAC"},
		{V1AttrValueName(3, 10, 1), "Allowed"},
		{V1AttrValueName(3, 11, 1), "64-bit Sequence Number"},
		// Unknown values of enumerated classes.
		{V1AttrValueName(1, 1, 99), "EncryptionAlgorithm(99)"},
		{V1AttrValueName(1, 3, 200), "AuthenticationMethod(200)"},
		{V1AttrValueName(1, 4, 999), "DHGroup(999)"},
		{V1AttrValueName(1, 4, 70000), "DHGroup(70000)"},
		{V1AttrValueName(3, 4, 9), "EncapsulationMode(9)"},
		{V1AttrValueName(3, 5, 100000), "AuthenticationAlgorithm(100000)"},
		// Classes that are not enumerated.
		{V1AttrValueName(1, 12, 28800), ""},
		{V1AttrValueName(1, 14, 256), ""},
		{V1AttrValueName(1, 6, 1), ""},
		{V1AttrValueName(3, 2, 3600), ""},
		{V1AttrValueName(3, 6, 128), ""},
		{V1AttrValueName(3, 99, 1), ""},
	})
}

func TestTransformTypeNames(t *testing.T) {
	checkNames(t, []nameCase{
		{TransformType(1).String(), "ENCR"},
		{TransformType(2).String(), "PRF"},
		{TransformType(3).String(), "INTEG"},
		{TransformType(4).String(), "DH"},
		{TransformType(5).String(), "ESN"},
		{TransformType(6).String(), "ADDKE1"},
		{TransformType(12).String(), "ADDKE7"},
		{TransformType(0).String(), "TransformType(0)"},
		{TransformType(99).String(), "TransformType(99)"},
	})
}

func TestV2TransformIDName(t *testing.T) {
	checkNames(t, []nameCase{
		{V2TransformIDName(1, 3), "ENCR_3DES"},
		{V2TransformIDName(1, 11), "ENCR_NULL"},
		{V2TransformIDName(1, 12), "ENCR_AES_CBC"},
		{V2TransformIDName(1, 13), "ENCR_AES_CTR"},
		{V2TransformIDName(1, 14), "ENCR_AES_CCM_8"},
		{V2TransformIDName(1, 20), "ENCR_AES_GCM_16"},
		{V2TransformIDName(1, 21), "ENCR_NULL_AUTH_AES_GMAC"},
		{V2TransformIDName(1, 23), "ENCR_CAMELLIA_CBC"},
		{V2TransformIDName(1, 28), "ENCR_CHACHA20_POLY1305"},
		{V2TransformIDName(2, 1), "PRF_HMAC_MD5"},
		{V2TransformIDName(2, 2), "PRF_HMAC_SHA1"},
		{V2TransformIDName(2, 5), "PRF_HMAC_SHA2_256"},
		{V2TransformIDName(2, 7), "PRF_HMAC_SHA2_512"},
		{V2TransformIDName(2, 8), "PRF_AES128_CMAC"},
		{V2TransformIDName(3, 0), "NONE"},
		{V2TransformIDName(3, 2), "AUTH_HMAC_SHA1_96"},
		{V2TransformIDName(3, 5), "AUTH_AES_XCBC_96"},
		{V2TransformIDName(3, 12), "AUTH_HMAC_SHA2_256_128"},
		{V2TransformIDName(3, 14), "AUTH_HMAC_SHA2_512_256"},
		{V2TransformIDName(4, 14), "MODP_2048"},
		{V2TransformIDName(4, 19), "ECP_256"},
		{V2TransformIDName(4, 31), "Curve25519"},
		{V2TransformIDName(6, 36), "ML-KEM-768"},
		{V2TransformIDName(5, 0), "No ESN"},
		{V2TransformIDName(5, 1), "ESN"},
		{V2TransformIDName(1, 10), "TransformID(10)"},
		{V2TransformIDName(1, 1024), "TransformID(1024)"},
		{V2TransformIDName(3, 15), "TransformID(15)"},
		{V2TransformIDName(4, 4000), "TransformID(4000)"},
		{V2TransformIDName(99, 1), "TransformID(1)"},
	})
}

func TestDHGroups(t *testing.T) {
	checkNames(t, []nameCase{
		{DHGroupName(0), "NONE"},
		{DHGroupName(1), "MODP_768"},
		{DHGroupName(2), "MODP_1024"},
		{DHGroupName(3), "EC2N_155"},
		{DHGroupName(4), "EC2N_185"},
		{DHGroupName(5), "MODP_1536"},
		{DHGroupName(14), "MODP_2048"},
		{DHGroupName(18), "MODP_8192"},
		{DHGroupName(19), "ECP_256"},
		{DHGroupName(21), "ECP_521"},
		{DHGroupName(22), "MODP_1024_160"},
		{DHGroupName(24), "MODP_2048_256"},
		{DHGroupName(25), "ECP_192"},
		{DHGroupName(28), "BRAINPOOL_P256R1"},
		{DHGroupName(31), "Curve25519"},
		{DHGroupName(32), "Curve448"},
		{DHGroupName(33), "GOST3410_2012_256"},
		{DHGroupName(35), "ML-KEM-512"},
		{DHGroupName(37), "ML-KEM-1024"},
		{DHGroupName(38), "DHGroup(38)"},
		{DHGroupName(40000), "DHGroup(40000)"},
	})
	for _, c := range []struct {
		g    uint16
		bits int
	}{
		{1, 768}, {2, 1024}, {5, 1536}, {14, 2048}, {15, 3072}, {18, 8192},
		{22, 1024}, {24, 2048},
		{19, 256}, {20, 384}, {21, 521}, {25, 192}, {26, 224}, {30, 512},
		{31, 256}, {32, 448},
		{0, 0}, {36, 0}, {1024, 0}, {999, 0},
	} {
		if got := DHGroupBits(c.g); got != c.bits {
			t.Errorf("DHGroupBits(%d) = %d, want %d", c.g, got, c.bits)
		}
	}
	// Every group with a size has a name.
	for g := range dhGroupBits {
		if _, ok := dhGroupNames[g]; !ok {
			t.Errorf("DH group %d has a size but no name", g)
		}
	}
}

func TestSmallRegistries(t *testing.T) {
	checkNames(t, []nameCase{
		{IDTypeName(false, 1), "ID_IPV4_ADDR"},
		{IDTypeName(false, 3), "ID_USER_FQDN"},
		{IDTypeName(false, 4), "ID_IPV4_ADDR_SUBNET"},
		{IDTypeName(false, 12), "ID_LIST"},
		{IDTypeName(true, 3), "ID_RFC822_ADDR"},
		{IDTypeName(true, 9), "ID_DER_ASN1_DN"},
		{IDTypeName(true, 12), "ID_FC_NAME"},
		{IDTypeName(true, 13), "ID_NULL"},
		{IDTypeName(true, 4), "IDType(4)"},
		{IDTypeName(false, 13), "IDType(13)"},

		{CertEncodingName(1), "PKCS #7 wrapped X.509 certificate"},
		{CertEncodingName(4), "X.509 Certificate - Signature"},
		{CertEncodingName(7), "Certificate Revocation List (CRL)"},
		{CertEncodingName(12), "Hash and URL of X.509 certificate"},
		{CertEncodingName(15), "Raw Public Key"},
		{CertEncodingName(0), "CertEncoding(0)"},
		{CertEncodingName(201), "CertEncoding(201)"},

		{AuthMethodName(1), "RSA Digital Signature"},
		{AuthMethodName(2), "Shared Key Message Integrity Code"},
		{AuthMethodName(9), "ECDSA with SHA-256 on the P-256 curve"},
		{AuthMethodName(13), "NULL Authentication"},
		{AuthMethodName(14), "Digital Signature"},
		{AuthMethodName(4), "AuthMethod(4)"},

		{TSTypeName(7), "TS_IPV4_ADDR_RANGE"},
		{TSTypeName(8), "TS_IPV6_ADDR_RANGE"},
		{TSTypeName(10), "TS_SECLABEL"},
		{TSTypeName(1), "TSType(1)"},

		{CFGTypeName(1), "CFG_REQUEST"},
		{CFGTypeName(4), "CFG_ACK"},
		{CFGTypeName(5), "CFGType(5)"},

		{EAPCodeName(1), "Request"},
		{EAPCodeName(4), "Failure"},
		{EAPCodeName(6), "Finish"},
		{EAPCodeName(0), "EAPCode(0)"},
		{EAPTypeName(1), "Identity"},
		{EAPTypeName(3), "Nak"},
		{EAPTypeName(4), "MD5-Challenge"},
		{EAPTypeName(13), "TLS"},
		{EAPTypeName(18), "SIM"},
		{EAPTypeName(23), "AKA"},
		{EAPTypeName(25), "PEAP"},
		{EAPTypeName(26), "MSCHAPv2"},
		{EAPTypeName(49), "IKEv2"},
		{EAPTypeName(50), "AKA'"},
		{EAPTypeName(55), "TEAP"},
		{EAPTypeName(254), "Expanded"},
		{EAPTypeName(20), "EAPType(20)"},
		{EAPTypeName(200), "EAPType(200)"},

		{DOIName(0), "ISAKMP"},
		{DOIName(1), "IPSEC"},
		{DOIName(2), "GDOI"},
		{DOIName(3), "DOI(3)"},
		{DOIName(4294967295), "DOI(4294967295)"},

		{SituationNames(0), "NONE"},
		{SituationNames(1), "SIT_IDENTITY_ONLY"},
		{SituationNames(3), "SIT_IDENTITY_ONLY|SIT_SECRECY"},
		{SituationNames(7), "SIT_IDENTITY_ONLY|SIT_SECRECY|SIT_INTEGRITY"},
		{SituationNames(0x80000001), "SIT_IDENTITY_ONLY|0x80000000"},
		{SituationNames(0x10), "0x10"},

		{HashAlgorithmName(1), "SHA1"},
		{HashAlgorithmName(2), "SHA2-256"},
		{HashAlgorithmName(4), "SHA2-512"},
		{HashAlgorithmName(5), "Identity"},
		{HashAlgorithmName(7), "STREEBOG_512"},
		{HashAlgorithmName(0), "HashAlgorithm(0)"},
		{HashAlgorithmName(1024), "HashAlgorithm(1024)"},
	})
}

func TestConfigAttributes(t *testing.T) {
	checkNames(t, []nameCase{
		{ConfigAttrName(true, 1), "INTERNAL_IP4_ADDRESS"},
		{ConfigAttrName(true, 3), "INTERNAL_IP4_DNS"},
		{ConfigAttrName(true, 8), "INTERNAL_IP6_ADDRESS"},
		{ConfigAttrName(true, 13), "INTERNAL_IP4_SUBNET"},
		{ConfigAttrName(true, 25), "INTERNAL_DNS_DOMAIN"},
		{ConfigAttrName(true, 0x8001), "INTERNAL_IP4_ADDRESS"},
		{ConfigAttrName(true, 16522), "ConfigAttr(16522)"},
		{ConfigAttrName(false, 1), "INTERNAL_IP4_ADDRESS"},
		{ConfigAttrName(false, 7), "APPLICATION_VERSION"},
		{ConfigAttrName(false, 16520), "XAUTH-TYPE"},
		{ConfigAttrName(false, 16521), "XAUTH-USER-NAME"},
		{ConfigAttrName(false, 16522), "XAUTH-USER-PASSWORD"},
		{ConfigAttrName(false, 16523), "XAUTH-PASSCODE"},
		{ConfigAttrName(false, 0x8000|16527), "XAUTH-STATUS"},
		{ConfigAttrName(false, 16529), "XAUTH-ANSWER"},
		{ConfigAttrName(false, 28672), "UNITY-BANNER"},
		{ConfigAttrName(false, 28676), "UNITY-SPLIT-INCLUDE"},
		{ConfigAttrName(false, 28682), "UNITY-DDNS-HOSTNAME"},
		{ConfigAttrName(false, 30000), "ConfigAttr(30000)"},
		{ConfigAttrName(true, 30000), "ConfigAttr(30000)"},
	})
	for _, c := range []struct {
		v2   bool
		t    uint16
		want bool
	}{
		{false, 16522, true}, // XAUTH-USER-PASSWORD
		{false, 16523, true}, // XAUTH-PASSCODE
		{false, 16528, true}, // XAUTH-NEXT-PIN
		{false, 16529, true}, // XAUTH-ANSWER
		{false, 0x8000 | 16522, true},
		{false, 16521, false}, // user name is not a secret
		{false, 16520, false},
		{false, 16525, false},
		{false, 1, false},
		{true, 16522, false},
		{true, 1, false},
	} {
		if got := ConfigAttrSecret(c.v2, c.t); got != c.want {
			t.Errorf("ConfigAttrSecret(%v, %d) = %v, want %v", c.v2, c.t, got, c.want)
		}
	}
	// Every secret attribute is a named one.
	for a := range configAttrSecretV1 {
		if _, ok := configAttrV1[a]; !ok {
			t.Errorf("secret attribute %d has no name", a)
		}
	}
}

// nameFunc is one name function seen through a common signature, with the type name it
// uses for unknown values.
type nameFunc struct {
	name string
	typ  string
	max  uint32
	f    func(uint32) string
}

func allNameFuncs() []nameFunc {
	u8 := func(v uint32) uint8 { return uint8(v) }
	u16 := func(v uint32) uint16 { return uint16(v) }
	return []nameFunc{
		{"PayloadType.String", "PayloadType", 0xff, func(v uint32) string { return PayloadType(v).String() }},
		{"PayloadTypeLongName", "PayloadType", 0xff, func(v uint32) string { return PayloadTypeLongName(PayloadType(v)) }},
		{"ExchangeType.String", "ExchangeType", 0xff, func(v uint32) string { return ExchangeType(v).String() }},
		{"NotifyName v1", "NotifyType", 0xffff, func(v uint32) string { return NotifyName(false, NotifyType(u16(v))) }},
		{"NotifyName v2", "NotifyType", 0xffff, func(v uint32) string { return NotifyName(true, NotifyType(u16(v))) }},
		{"ProtocolName v1", "ProtocolID", 0xff, func(v uint32) string { return ProtocolName(false, u8(v)) }},
		{"ProtocolName v2", "ProtocolID", 0xff, func(v uint32) string { return ProtocolName(true, u8(v)) }},
		{"V1TransformName ISAKMP", "TransformID", 0xff, func(v uint32) string { return V1TransformName(1, u8(v)) }},
		{"V1TransformName AH", "TransformID", 0xff, func(v uint32) string { return V1TransformName(2, u8(v)) }},
		{"V1TransformName ESP", "TransformID", 0xff, func(v uint32) string { return V1TransformName(3, u8(v)) }},
		{"V1TransformName IPCOMP", "TransformID", 0xff, func(v uint32) string { return V1TransformName(4, u8(v)) }},
		{"V1AttrName phase 1", "AttributeType", 0x7fff, func(v uint32) string { return V1AttrName(1, u16(v)) }},
		{"V1AttrName IPsec", "AttributeType", 0x7fff, func(v uint32) string { return V1AttrName(3, u16(v)) }},
		{"TransformType.String", "TransformType", 0xff, func(v uint32) string { return TransformType(v).String() }},
		{"V2TransformIDName ENCR", "TransformID", 0xffff, func(v uint32) string { return V2TransformIDName(1, u16(v)) }},
		{"V2TransformIDName PRF", "TransformID", 0xffff, func(v uint32) string { return V2TransformIDName(2, u16(v)) }},
		{"V2TransformIDName INTEG", "TransformID", 0xffff, func(v uint32) string { return V2TransformIDName(3, u16(v)) }},
		{"V2TransformIDName DH", "TransformID", 0xffff, func(v uint32) string { return V2TransformIDName(4, u16(v)) }},
		{"V2TransformIDName ESN", "TransformID", 0xffff, func(v uint32) string { return V2TransformIDName(5, u16(v)) }},
		{"V2TransformIDName ADDKE3", "TransformID", 0xffff, func(v uint32) string { return V2TransformIDName(8, u16(v)) }},
		{"DHGroupName", "DHGroup", 0xffff, func(v uint32) string { return DHGroupName(u16(v)) }},
		{"IDTypeName v1", "IDType", 0xff, func(v uint32) string { return IDTypeName(false, u8(v)) }},
		{"IDTypeName v2", "IDType", 0xff, func(v uint32) string { return IDTypeName(true, u8(v)) }},
		{"CertEncodingName", "CertEncoding", 0xff, func(v uint32) string { return CertEncodingName(u8(v)) }},
		{"AuthMethodName", "AuthMethod", 0xff, func(v uint32) string { return AuthMethodName(u8(v)) }},
		{"TSTypeName", "TSType", 0xff, func(v uint32) string { return TSTypeName(u8(v)) }},
		{"CFGTypeName", "CFGType", 0xff, func(v uint32) string { return CFGTypeName(u8(v)) }},
		{"ConfigAttrName v1", "ConfigAttr", 0x7fff, func(v uint32) string { return ConfigAttrName(false, u16(v)) }},
		{"ConfigAttrName v2", "ConfigAttr", 0x7fff, func(v uint32) string { return ConfigAttrName(true, u16(v)) }},
		{"EAPCodeName", "EAPCode", 0xff, func(v uint32) string { return EAPCodeName(u8(v)) }},
		{"EAPTypeName", "EAPType", 0xff, func(v uint32) string { return EAPTypeName(u8(v)) }},
		{"DOIName", "DOI", 0xffff, func(v uint32) string { return DOIName(v) }},
		{"HashAlgorithmName", "HashAlgorithm", 0xffff, func(v uint32) string { return HashAlgorithmName(u16(v)) }},
	}
}

// checkName asserts the naming rule: never empty, never "Unknown", and a fallback name
// is exactly typ(n).
func checkName(t *testing.T, fn string, typ string, v uint32, s string) {
	t.Helper()
	if s == "" {
		t.Fatalf("%s(%d) returned an empty name", fn, v)
	}
	if strings.HasPrefix(strings.ToLower(s), "unknown") {
		t.Fatalf("%s(%d) = %q, must not be Unknown", fn, v, s)
	}
	if strings.HasPrefix(s, typ+"(") && s != typ+"("+strconv.FormatUint(uint64(v), 10)+")" {
		t.Fatalf("%s(%d) = %q, want the %s(%d) form", fn, v, s, typ, v)
	}
}

func TestEveryValueHasAName(t *testing.T) {
	for _, nf := range allNameFuncs() {
		for v := uint32(0); v <= nf.max; v++ {
			checkName(t, nf.name, nf.typ, v, nf.f(v))
		}
	}
	// Enumerated IKEv1 attribute classes name every value.
	for _, c := range []struct {
		proto  uint8
		tables map[uint16]v1AttrValues
	}{{1, v1Phase1Values}, {3, v1IPsecValues}} {
		for class, vals := range c.tables {
			for v := uint32(0); v <= 0x10000; v++ {
				s := V1AttrValueName(c.proto, class, v)
				typ := vals.typ
				checkName(t, "V1AttrValueName", typ, v, s)
			}
		}
	}
	for v := uint32(0); v < 1<<12; v++ {
		checkName(t, "SituationNames", "Situation", v, SituationNames(v))
	}
}

// TestUnknownForm checks the exact fallback for values no table knows.
func TestUnknownForm(t *testing.T) {
	checkNames(t, []nameCase{
		{PayloadType(200).String(), "PayloadType(200)"},
		{ExchangeType(243).String(), "ExchangeType(243)"},
		{NotifyName(true, 40000), "NotifyType(40000)"},
		{ProtocolName(true, 99), "ProtocolID(99)"},
		{V1TransformName(3, 99), "TransformID(99)"},
		{V1AttrName(1, 999), "AttributeType(999)"},
		{TransformType(200).String(), "TransformType(200)"},
		{V2TransformIDName(1, 999), "TransformID(999)"},
		{DHGroupName(999), "DHGroup(999)"},
		{IDTypeName(true, 99), "IDType(99)"},
		{CertEncodingName(99), "CertEncoding(99)"},
		{AuthMethodName(99), "AuthMethod(99)"},
		{TSTypeName(99), "TSType(99)"},
		{CFGTypeName(99), "CFGType(99)"},
		{ConfigAttrName(true, 999), "ConfigAttr(999)"},
		{EAPCodeName(99), "EAPCode(99)"},
		{EAPTypeName(99), "EAPType(99)"},
		{DOIName(99), "DOI(99)"},
		{HashAlgorithmName(999), "HashAlgorithm(999)"},
	})
}

// TestTableNamesUnique catches copy-paste mistakes: within one table no two values
// share a name.
func TestTableNamesUnique(t *testing.T) {
	tables8 := map[string]map[uint8]string{
		"payloadShortV1": payloadShortV1, "payloadShortV2": payloadShortV2,
		"payloadLongV1": payloadLongV1, "payloadLongV2": payloadLongV2,
		"exchangeNames": exchangeNames, "protocolV1": protocolV1, "protocolV2": protocolV2,
		"v1TransformAH": v1TransformAH, "v1TransformESP": v1TransformESP,
		"v1TransformIPCOMP": v1TransformIPCOMP, "transformTypeNames": transformTypeNames,
		"idTypeV1": idTypeV1, "idTypeV2": idTypeV2, "certEncodingNames": certEncodingNames,
		"authMethodNames": authMethodNames, "tsTypeNames": tsTypeNames,
		"cfgTypeNames": cfgTypeNames, "eapCodeNames": eapCodeNames, "eapTypeNames": eapTypeNames,
	}
	tables16 := map[string]map[uint16]string{
		"notifyV1": notifyV1, "notifyV2": notifyV2,
		"v1AttrPhase1": v1AttrPhase1, "v1AttrIPsec": v1AttrIPsec,
		"v1EncryptionNames": v1EncryptionNames, "v1HashNames": v1HashNames,
		"v1AuthMethodNames": v1AuthMethodNames, "v1GroupTypeNames": v1GroupTypeNames,
		"v1LifeTypeNames": v1LifeTypeNames, "v1EncapModeNames": v1EncapModeNames,
		"v1AuthAlgNames": v1AuthAlgNames, "v1ECNTunnelNames": v1ECNTunnelNames,
		"v1SigEncodingNames": v1SigEncodingNames, "v1AddrPreservationNames": v1AddrPreservationNames,
		"v1SADirectionNames": v1SADirectionNames, "v2EncrNames": v2EncrNames,
		"v2PRFNames": v2PRFNames, "v2IntegNames": v2IntegNames, "v2ESNNames": v2ESNNames,
		"v2KWANames": v2KWANames, "v2GCAuthNames": v2GCAuthNames, "dhGroupNames": dhGroupNames,
		"configAttrV1": configAttrV1, "configAttrV2": configAttrV2,
		"hashAlgorithmNames": hashAlgorithmNames,
	}
	check := func(table string, v uint32, s string, seen map[string]uint32) {
		if s == "" {
			t.Errorf("%s[%d] is empty", table, v)
		}
		if prev, ok := seen[s]; ok {
			t.Errorf("%s: %d and %d are both named %q", table, prev, v, s)
		}
		seen[s] = v
	}
	for table, m := range tables8 {
		seen := map[string]uint32{}
		for v, s := range m {
			check(table, uint32(v), s, seen)
		}
	}
	for table, m := range tables16 {
		seen := map[string]uint32{}
		for v, s := range m {
			check(table, uint32(v), s, seen)
		}
	}
	// IKEv1 and IKEv2 payload numbers must not overlap.
	for v := range payloadShortV2 {
		if _, ok := payloadShortV1[v]; ok {
			t.Errorf("payload %d is in both the IKEv1 and IKEv2 tables", v)
		}
	}
	for v := range payloadLongV2 {
		if _, ok := payloadShortV2[v]; !ok {
			t.Errorf("IKEv2 payload %d has a long name but no short name", v)
		}
	}
	for v := range payloadLongV1 {
		if _, ok := payloadShortV1[v]; !ok {
			t.Errorf("IKEv1 payload %d has a long name but no short name", v)
		}
	}
}

func TestKnownNamesDoNotAllocate(t *testing.T) {
	var sink string
	allocs := testing.AllocsPerRun(100, func() {
		sink = PayloadType(33).String()
		sink = PayloadTypeLongName(13)
		sink = ExchangeType(34).String()
		sink = NotifyName(true, 16388)
		sink = NotifyName(false, 36136)
		sink = ProtocolName(false, 3)
		sink = V1TransformName(3, 12)
		sink = V1AttrName(1, 3)
		sink = V1AttrValueName(1, 3, 65001)
		sink = V1AttrValueName(1, 4, 14)
		sink = TransformType(3).String()
		sink = V2TransformIDName(1, 20)
		sink = DHGroupName(19)
		sink = IDTypeName(true, 2)
		sink = CertEncodingName(4)
		sink = AuthMethodName(14)
		sink = TSTypeName(7)
		sink = CFGTypeName(2)
		sink = ConfigAttrName(false, 16521)
		sink = EAPCodeName(1)
		sink = EAPTypeName(13)
		sink = DOIName(1)
		sink = SituationNames(1)
		sink = HashAlgorithmName(2)
	})
	_ = sink
	if allocs != 0 {
		t.Errorf("known names allocate %.1f times per run", allocs)
	}
}

// Vendor ID values come from RFC 3947 (NAT-T), RFC 3706 (DPD), vendor documentation (Microsoft MS-IKEE,
// libreswan, strongSwan) and the published tables of Wireshark (packet-isakmp.c) and ike-scan (ike-vendor-ids).

package decode

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// VendorIDInfo describes a recognised Vendor ID payload.
type VendorIDInfo struct {
	Name    string // what the value announces, e.g. "RFC 3947 NAT-T", "Cisco Unity 1.0", "strongSwan 4.2.3"
	Vendor  string // who sends it, e.g. "IETF", "Cisco", "Microsoft", "strongSwan", "Check Point"
	Feature string // machine-friendly capability tag ("nat-t-rfc3947", "dpd", "xauth", "frag", ...) or ""
}

// vidDecoder says how the bytes after a prefix entry refine the entry's name.
type vidDecoder uint8

const (
	decNone       vidDecoder = iota
	decDPD                   // 2 bytes: major, minor
	decUnity                 // 2 bytes: major, minor
	decFrag                  // optional 4-byte capability mask
	decVPN3000               // 2 bytes: major, minor<<4|patch
	decMSNT5                 // 4-byte Windows IKE version
	decCheckPoint            // product, version, timestamp, reserved, features (4 bytes each)
	decFortiGate             // 2-byte release, 2-byte build
	decText                  // printable text after the prefix is appended to the name
	decSafeNet               // a printable version string is embedded after the prefix
	decNortel                // 4-byte version
	decPlutoHash             // 12-byte FreeS/WAN-style ASCII-fied hash, version not in the table
)

// vidEntry is one row of the table: the value in hex, what it means, and whether it is a
// prefix (the sender appends version or capability bytes) rather than the whole payload.
type vidEntry struct {
	hex     string
	name    string
	vendor  string
	feature string
	prefix  bool
	dec     vidDecoder
}

// vidTable lists every known value. Hex is lower case; entries are grouped by sender.
// Hash-derived values (MD5 of a text) are checked against the text in the tests.
var vidTable = []vidEntry{
	// IETF: NAT traversal. Values are MD5 of the draft or RFC name.
	{"4a131c81070358455c5728f20e95452f", "RFC 3947 NAT-T", "IETF", "nat-t-rfc3947", false, decNone},
	{"4485152d18b6bbcd0be8a8469579ddcc", "NAT-T draft-ietf-ipsec-nat-t-ike-00", "IETF", "nat-t-draft-00", false, decNone},
	{"16f6ca16e4a4066d83821a0f0aeaa862", "NAT-T draft-ietf-ipsec-nat-t-ike-01", "IETF", "nat-t-draft-01", false, decNone},
	{"cd60464335df21f87cfdb2fc68b6a448", "NAT-T draft-ietf-ipsec-nat-t-ike-02", "IETF", "nat-t-draft-02", false, decNone},
	{"90cb80913ebb696e086381b5ec427b1f", "NAT-T draft-ietf-ipsec-nat-t-ike-02 (newline variant)", "IETF", "nat-t-draft-02", false, decNone},
	{"7d9419a65310ca6f2c179d9215529d56", "NAT-T draft-ietf-ipsec-nat-t-ike-03", "IETF", "nat-t-draft-03", false, decNone},
	{"9909b64eed937c6573de52ace952fa6b", "NAT-T draft-ietf-ipsec-nat-t-ike-04", "IETF", "nat-t-draft-04", false, decNone},
	{"80d0bb3def54565ee84645d4c85ce3ee", "NAT-T draft-ietf-ipsec-nat-t-ike-05", "IETF", "nat-t-draft-05", false, decNone},
	{"4d1e0e136deafa34c4f3ea9f02ec7285", "NAT-T draft-ietf-ipsec-nat-t-ike-06", "IETF", "nat-t-draft-06", false, decNone},
	{"439b59f8ba676c4c7737ae22eab8f582", "NAT-T draft-ietf-ipsec-nat-t-ike-07", "IETF", "nat-t-draft-07", false, decNone},
	{"8f8d83826d246b6fc7a8a6a428c11de8", "NAT-T draft-ietf-ipsec-nat-t-ike-08", "IETF", "nat-t-draft-08", false, decNone},
	{"42ea5b6f898d9773a575df26e7dd19e1", "NAT-T draft-ietf-ipsec-nat-t-ike-09", "IETF", "nat-t-draft-09", false, decNone},
	{"4df37928e9fc4fd1b3262170d515c662", "NAT-T draft-ietf-ipsec-nat-t-ike (unnumbered, Apple racoon)", "IETF", "nat-t-draft", false, decNone},
	{"c40fee00d5d39ddb1fc762e09b7cfea7", "NAT-T pre-RFC test value (Testing NAT-T RFC)", "IETF", "nat-t-rfc-test", false, decNone},
	{"810fa565f8ab14369105d706fbd57279", "NAT-T pre-RFC placeholder (RFC XXXX, Solaris 10)", "IETF", "nat-t-rfc-xxxx", false, decNone},
	{"27bab5dc01ea0760ea4e3190ac27c0d0", "NAT-T draft-stenberg-ipsec-nat-traversal-01", "IETF", "nat-t-stenberg-01", false, decNone},
	{"6105c422e76847e43f9684801292aecd", "NAT-T draft-stenberg-ipsec-nat-traversal-02", "IETF", "nat-t-stenberg-02", false, decNone},
	{"6a7434c19d7e36348090a02334c9c805", "ESP-in-UDP draft-huttunen-ipsec-esp-in-udp-00", "IETF", "esp-in-udp-huttunen-00", false, decNone},
	{"50760f624c63e5c53eea386c685ca083", "ESPThruNAT (draft-huttunen-ipsec-esp-in-udp-01)", "IETF", "esp-in-udp-huttunen-01", false, decNone},

	// IETF: other extensions.
	{"afcad71368a1f1c96b8696fc77570100", "RFC 3706 Dead Peer Detection 1.0", "IETF", "dpd", false, decNone},
	{"afcad71368a1f1c96b8696fc7757", "RFC 3706 Dead Peer Detection", "IETF", "dpd", true, decDPD},
	{"09002689dfd6b712", "XAUTH", "IETF", "xauth", false, decNone},
	{"09002689dfd6b71280a224dec33b81e5", "XAUTH (full 16-byte hash)", "IETF", "xauth", false, decNone},
	{"325df29a2319f2dd", "Anti-replay draft-krywaniuk-ipsec-antireplay-00", "IETF", "antireplay-draft", false, decNone},
	{"8db7a41811221660", "Heartbeats draft-ietf-ipsec-heartbeats-00", "IETF", "heartbeat-draft", false, decNone},
	{"ba290499c24e84e53a1d83a05e5f00c9", "IKE Challenge/Response (CRACK)", "IETF", "crack", false, decNone},
	{"0d33611a5d521b5e3c9c03d2fc107e12", "IKE Challenge/Response (CRACK, newline variant)", "IETF", "crack", false, decNone},
	{"ad3251042cdc4652c9e0734ce5de4c7d", "IKE Challenge/Response revised (CRACK)", "IETF", "crack", false, decNone},
	{"13f11823f966fa91900f024ba66a86ba", "IKE Challenge/Response revised (CRACK, newline variant)", "IETF", "crack", false, decNone},
	{"ad2c0dd0b9c32083ccba25b8861ec455", "GSS-API authentication (draft-ietf-ipsec-isakmp-gss-auth)", "IETF", "gss-api", false, decNone},
	{"b46d8914f3aaa3f2fedeb7c7db2943ca", "GSS-API authentication (draft-ietf-ipsec-isakmp-gss-auth, newline variant)", "IETF", "gss-api", false, decNone},
	{"621b04bb09882ac1e15935fefa24aeee", "GSSAPI", "IETF", "gss-api", false, decNone},

	// Cisco.
	{"12f5f28c457168a9702d9fe274cc0100", "Cisco Unity 1.0", "Cisco", "cisco-unity", false, decNone},
	{"12f5f28c457168a9702d9fe274cc", "Cisco Unity", "Cisco", "cisco-unity", true, decUnity},
	{"4048b7d56ebce88525e7de7f00d6c2d3", "Cisco IKE fragmentation", "Cisco", "frag", true, decFrag},
	{"1f07f70eaa6514d3b0fa96542a500100", "Cisco VPN Concentrator", "Cisco", "", false, decNone},
	{"1f07f70eaa6514d3b0fa96542a500300", "Cisco VPN 3000 Concentrator 3.0.0", "Cisco", "", false, decNone},
	{"1f07f70eaa6514d3b0fa96542a500301", "Cisco VPN 3000 Concentrator 3.0.1", "Cisco", "", false, decNone},
	{"1f07f70eaa6514d3b0fa96542a500305", "Cisco VPN 3000 Concentrator 3.0.5", "Cisco", "", false, decNone},
	{"1f07f70eaa6514d3b0fa96542a500407", "Cisco VPN 3000 Concentrator 4.0.7", "Cisco", "", false, decNone},
	{"1f07f70eaa6514d3b0fa96542a50", "Cisco VPN 3000 Concentrator", "Cisco", "", true, decVPN3000},
	{"5946c258f99a1a57b03eb9d1759e0f24", "Cisco VPN 3000 Concentrator (observed)", "Cisco", "", false, decNone},
	{"ebbc5b00141d0c895e11bd395902d690", "Cisco VPN 3000 Concentrator (observed)", "Cisco", "", false, decNone},
	{"f6f7efc7f5aeb8cb158cb9d094ba69e7", "Cisco VPN 3000 Client", "Cisco", "", false, decNone},
	{"3e984048", "Cisco IOS (observed)", "Cisco", "", true, decNone},
	{"ade1e70e9953c1328373ebf0257b85ed", "Cisco PIX (observed)", "Cisco", "", false, decNone},
	{"800100018002000180030002", "Cisco Unity firewall type", "Cisco", "", false, decNone},
	{"464c455856504e2d535550504f52544544", "Cisco FlexVPN supported", "Cisco", "cisco-flexvpn", false, decNone},
	{"434953434f2d44454c4554452d524541534f4e", "Cisco delete reason supported", "Cisco", "cisco-delete-reason", false, decNone},
	{"434953434f2d44594e414d49432d524f555445", "Cisco dynamic route supported", "Cisco", "cisco-dynamic-route", false, decNone},
	{"434953434f2d4752452d4d4f4445", "Cisco GRE mode supported", "Cisco", "cisco-gre-mode", false, decNone},
	{"434953434f56504e2d5245562d3032", "Cisco VPN revision 2", "Cisco", "", false, decNone},
	{"434953434f28434f505952494748542926436f7079726967687420286329203230303920436973636f2053797374656d732c20496e632e", "Cisco Copyright (c) 2009", "Cisco", "", false, decNone},
	{"434953434f28434f5059524947485429", "Cisco Copyright", "Cisco", "", true, decNone},

	// Microsoft. "MS NT5 ISAKMPOAKLEY" is followed by a 4-byte version (MS-IKEE).
	{"1e2b516905991c7d7c96fcbfb587e461", "Microsoft Windows", "Microsoft", "ms-nt5-isakmpoakley", true, decMSNT5},
	{"1e2b516905991c7d7c96fcbfb587e46100000002", "Microsoft Windows 2000", "Microsoft", "ms-nt5-isakmpoakley", false, decNone},
	{"1e2b516905991c7d7c96fcbfb587e46100000003", "Microsoft Windows XP", "Microsoft", "ms-nt5-isakmpoakley", false, decNone},
	{"1e2b516905991c7d7c96fcbfb587e46100000004", "Microsoft Windows Server 2003 / XP SP2", "Microsoft", "ms-nt5-isakmpoakley", false, decNone},
	{"1e2b516905991c7d7c96fcbfb587e46100000005", "Microsoft Windows Vista", "Microsoft", "ms-nt5-isakmpoakley", false, decNone},
	{"1e2b516905991c7d7c96fcbfb587e46100000006", "Microsoft Windows Server 2008", "Microsoft", "ms-nt5-isakmpoakley", false, decNone},
	{"1e2b516905991c7d7c96fcbfb587e46100000007", "Microsoft Windows 7", "Microsoft", "ms-nt5-isakmpoakley", false, decNone},
	{"1e2b516905991c7d7c96fcbfb587e46100000008", "Microsoft Windows Server 2008 R2", "Microsoft", "ms-nt5-isakmpoakley", false, decNone},
	{"1e2b516905991c7d7c96fcbfb587e46100000009", "Microsoft Windows 8 or later (8, 8.1, 10, Server 2012/2012 R2/2016)", "Microsoft", "ms-nt5-isakmpoakley", false, decNone},
	{"26244d38eddb61b3172a36e3d0cfb819", "Microsoft Vid-Initial-Contact", "Microsoft", "initial-contact", false, decNone},
	{"fb1de3cdf341b7ea16b7e5be0855f120", "Microsoft MS-Negotiation Discovery Capable", "Microsoft", "ms-negotiation-discovery", false, decNone},
	{"e3a5966a76379fe707228231e5ce8652", "Microsoft IKE CGA version 1", "Microsoft", "ms-cga", false, decNone},
	{"214ca4faffa7f32d6748e5303395ae83", "Microsoft MS-MamieExists (AuthIP supported)", "Microsoft", "ms-authip", false, decNone},
	{"72872b95fcda2eb708efe322119b4971", "Microsoft NLBS_PRESENT (NLB/MSCS fast failover)", "Microsoft", "ms-nlb", false, decNone},
	{"01528bbbc00696121849ab9a1c5b2a5100000000", "Microsoft Windows keying module: IKE", "Microsoft", "", false, decNone},
	{"01528bbbc00696121849ab9a1c5b2a5100000001", "Microsoft Windows keying module: AuthIP", "Microsoft", "", false, decNone},
	{"01528bbbc00696121849ab9a1c5b2a5100000002", "Microsoft Windows keying module: IKEv2", "Microsoft", "", false, decNone},
	{"7bb93867d76c8d80df0f40fae8fc3b1900000000", "Microsoft AuthIP initiator key exchange: none", "Microsoft", "ms-authip", false, decNone},
	{"7bb93867d76c8d80df0f40fae8fc3b1900000001", "Microsoft AuthIP initiator key exchange: DH group 1", "Microsoft", "ms-authip", false, decNone},
	{"7bb93867d76c8d80df0f40fae8fc3b1900000002", "Microsoft AuthIP initiator key exchange: DH group 2", "Microsoft", "ms-authip", false, decNone},
	{"7bb93867d76c8d80df0f40fae8fc3b1900000003", "Microsoft AuthIP initiator key exchange: DH group 14", "Microsoft", "ms-authip", false, decNone},
	{"7bb93867d76c8d80df0f40fae8fc3b1900000004", "Microsoft AuthIP initiator key exchange: DH group 19 (ECP-256)", "Microsoft", "ms-authip", false, decNone},
	{"7bb93867d76c8d80df0f40fae8fc3b1900000005", "Microsoft AuthIP initiator key exchange: DH group 20 (ECP-384)", "Microsoft", "ms-authip", false, decNone},
	{"7bb93867d76c8d80df0f40fae8fc3b1900000006", "Microsoft AuthIP initiator key exchange: DH group 21 (ECP-521)", "Microsoft", "ms-authip", false, decNone},
	{"7bb93867d76c8d80df0f40fae8fc3b1900000007", "Microsoft AuthIP initiator key exchange: maximum", "Microsoft", "ms-authip", false, decNone},
	{"8aa394cf8a5577dc3110c113b027a4f2", "Microsoft Xbox One (2013)", "Microsoft", "", false, decNone},
	{"660822b3a73a244149578d62e0eb46a0", "Microsoft Xbox IKEv2 negotiation", "Microsoft", "", false, decNone},
	{"686a8cbdfe634b405146fb2baf33e9e8", "Microsoft IPsec security realm ID", "Microsoft", "", false, decNone},

	// strongSwan (charon sends only this one, when send_vendor_id is set).
	{"882fe56d6fd20dbc2251613b2ebe5beb", "strongSwan", "strongSwan", "", false, decNone},
	// strongSwan pluto (2.x-4.x) and early charon: MD5("strongSwan <version>").
	{"9e10a0d4205edc6c90bd5381a53c2d2b", "strongSwan 5.1.1", "strongSwan", "", false, decNone},
	{"a55a90de781611f70cbbae7045a225fc", "strongSwan 5.1.1rc1", "strongSwan", "", false, decNone},
	{"c90b020d043f1f050ba809e13dc8234e", "strongSwan 5.1.1dr4", "strongSwan", "", false, decNone},
	{"06f2f1b82256dce62c07cb4f71604035", "strongSwan 5.1.1dr3", "strongSwan", "", false, decNone},
	{"4f130d312ec92f50c02f2b0eb60d6ccc", "strongSwan 5.1.1dr2", "strongSwan", "", false, decNone},
	{"1a45d3bda55646016e998ac1c5590e59", "strongSwan 5.1.1dr1", "strongSwan", "", false, decNone},
	{"b7d8e62184049fb21b088d4232d2549c", "strongSwan 5.1.0", "strongSwan", "", false, decNone},
	{"02c49867060173c665ebce2b8110c7f7", "strongSwan 5.1.0rc1", "strongSwan", "", false, decNone},
	{"e069a583c5640257a8de2cf062461a4b", "strongSwan 5.1.0dr2", "strongSwan", "", false, decNone},
	{"22982eab040be7a4cb4177da312f2f1c", "strongSwan 5.1.0dr1", "strongSwan", "", false, decNone},
	{"dc3afcdda0514da394b4b36f4cb1b9a7", "strongSwan 5.0.4", "strongSwan", "", false, decNone},
	{"d398476a43b9d6c56c4045ffcc9fffb9", "strongSwan 5.0.3", "strongSwan", "", false, decNone},
	{"f2d4de999721c37fea51d4bcbc060120", "strongSwan 5.0.3rc1", "strongSwan", "", false, decNone},
	{"f4d68a2fb63e4390a959baa5c4bc7598", "strongSwan 5.0.3dr3", "strongSwan", "", false, decNone},
	{"7b3f3d21e4768e010fc7dd04ae369c61", "strongSwan 5.0.3dr2", "strongSwan", "", false, decNone},
	{"ca7d77d20794391df5a3cb90fbf5b72e", "strongSwan 5.0.3dr1", "strongSwan", "", false, decNone},
	{"04d52cc5fd04aa971063b111917731d2", "strongSwan 5.0.2", "strongSwan", "", false, decNone},
	{"80b8f4380b18f24f03ce5745fc3db56b", "strongSwan 5.0.2rc1", "strongSwan", "", false, decNone},
	{"a5f8ce0d6751c640e55bc41784f2e081", "strongSwan 5.0.2dr4", "strongSwan", "", false, decNone},
	{"75aa8f69de2e44500dae842be21f5491", "strongSwan 5.0.1", "strongSwan", "", false, decNone},
	{"e154b11a96ee2b44d4954843cd3a40a3", "strongSwan 5.0.0", "strongSwan", "", false, decNone},
	{"a87680d00cbb939871eb680d18d052e2", "strongSwan 4.6.4", "strongSwan", "", false, decNone},
	{"984a7bfefb46489a5be74b64531c6753", "strongSwan 4.6.3", "strongSwan", "", false, decNone},
	{"9c73b19f5f4181aa4b269dd004608811", "strongSwan 4.6.2", "strongSwan", "", false, decNone},
	{"1d6cfa4d69d9d33c0b2244bf99de9b8b", "strongSwan 4.6.1", "strongSwan", "", false, decNone},
	{"41ef2e2f7ec8b923c98d9fa9bb7a04a5", "strongSwan 4.6.0", "strongSwan", "", false, decNone},
	{"75244ad8a5a0f48e7e3b7ad79dcab153", "strongSwan 4.5.3", "strongSwan", "", false, decNone},
	{"b149d6161fb4c7c3805beeff042d08c0", "strongSwan 4.5.2", "strongSwan", "", false, decNone},
	{"efe12e8533bbcf4e978ec874935e9972", "strongSwan 4.5.1", "strongSwan", "", false, decNone},
	{"eff89e6f406f55292807c3b8f925884a", "strongSwan 4.5.0", "strongSwan", "", false, decNone},
	{"aaa2e272c58de8f96e72c4c21ba7dd99", "strongSwan 4.4.1", "strongSwan", "", false, decNone},
	{"a5ad81e15e1c68a1be277abfeee80d94", "strongSwan 4.4.0", "strongSwan", "", false, decNone},
	{"02d7c3a0698ec33bb126b2baa70b9c2c", "strongSwan 4.3.7", "strongSwan", "", false, decNone},
	// strongSwan 4.3.6: published table lists 882fe56d6fd20dbc2251613b2ebe5beb, which is MD5("strongSwan"); value below is recomputed.
	{"512f90f2f8e5b04e4ba293c9a799d9a5", "strongSwan 4.3.6", "strongSwan", "", false, decNone},
	{"117c406d20a29f56f0dfcb03d9fa835b", "strongSwan 4.3.5rc1", "strongSwan", "", false, decNone},
	{"de5c703801952d85f6b3ed33b33784b4", "strongSwan 4.3.5", "strongSwan", "", false, decNone},
	{"e37e5d64a329a5cf1eeb8546c3b06018", "strongSwan 4.3.4", "strongSwan", "", false, decNone},
	{"f9f093629308b24388d09c3f026de0a8", "strongSwan 4.3.3", "strongSwan", "", false, decNone},
	{"d6263956ac790961a9c8409b393724bf", "strongSwan 4.3.2", "strongSwan", "", false, decNone},
	{"20b1f62b240a52a849309183960cbb64", "strongSwan 4.3.1", "strongSwan", "", false, decNone},
	{"9deb74e751f44c47905ed2fad93f9271", "strongSwan 4.3.0", "strongSwan", "", false, decNone},
	{"488c08f57afc382112f7cb396f2d4f6c", "strongSwan 4.2.9", "strongSwan", "", false, decNone},
	{"95569ee23ebb62eddedea353a575faf3", "strongSwan 4.2.8", "strongSwan", "", false, decNone},
	{"4ddc7e1f6d6cd1ae9d5dcac58fa1fe9a", "strongSwan 4.2.7", "strongSwan", "", false, decNone},
	{"a2782dd683b5edee3b777f897d2b867e", "strongSwan 4.2.6", "strongSwan", "", false, decNone},
	{"af0a05e0bd37b0aba0135a194abb5b89", "strongSwan 4.2.5", "strongSwan", "", false, decNone},
	{"cd5792d4b70f0299a6a1373de236d2ac", "strongSwan 4.2.4", "strongSwan", "", false, decNone},
	{"2d1f406118fbd5d28474791ffa00488a", "strongSwan 4.2.3", "strongSwan", "", false, decNone},
	{"2a517d0d23c37d08bce7c292a0217b39", "strongSwan 4.2.2", "strongSwan", "", false, decNone},
	{"bab253f4cb10a8108a7c927c56c87886", "strongSwan 4.2.1", "strongSwan", "", false, decNone},
	{"9f68901325a972894335302a9531ab9f", "strongSwan 4.2.0", "strongSwan", "", false, decNone},
	{"b7bd9f2f978e3259a7aa9f7a1396ad6c", "strongSwan 4.1.11", "strongSwan", "", false, decNone},
	{"bf3a89ae5bef8e72d44dac8bb88d7d5f", "strongSwan 4.1.10", "strongSwan", "", false, decNone},
	{"78fdd287def01a3f074b5369eab4fd1c", "strongSwan 4.1.9", "strongSwan", "", false, decNone},
	{"66a2045507c119da78a4666259cdea48", "strongSwan 4.1.8", "strongSwan", "", false, decNone},
	{"ea840aa4dfc9712d6c32b5a16eb329a3", "strongSwan 4.1.7", "strongSwan", "", false, decNone},
	{"d19683368af4b0edc21ccde982b1d1b0", "strongSwan 4.1.6", "strongSwan", "", false, decNone},
	{"bf0fbf7306ebb7827042d893539886e2", "strongSwan 4.1.5", "strongSwan", "", false, decNone},
	{"312f9cb1a6b90e19de7528c904ac3087", "strongSwan 4.1.4", "strongSwan", "", false, decNone},
	{"5849ab6d8beabd6e4d09e5a3b88c089a", "strongSwan 4.1.3", "strongSwan", "", false, decNone},
	{"15a1ace7ee52fddfef04f928db2dd134", "strongSwan 4.1.2", "strongSwan", "", false, decNone},
	{"d3f1c488c368175d5f40a8f5ca5f5e12", "strongSwan 4.1.1", "strongSwan", "", false, decNone},
	{"4794cef6843422980d1a3d06af41c5cd", "strongSwan 4.1.0", "strongSwan", "", false, decNone},
	{"ab0746221cc8fd0d5238f73a9b3da557", "strongSwan 4.0.7", "strongSwan", "", false, decNone},
	{"4c90136946577b51919d8d9a6b8e4a9f", "strongSwan 4.0.6", "strongSwan", "", false, decNone},
	{"dd180d21e5ce655a768ba32211dd8ad9", "strongSwan 4.0.5", "strongSwan", "", false, decNone},
	{"1ef283f83549b5ff9608b6d634f84d75", "strongSwan 4.0.4", "strongSwan", "", false, decNone},
	{"b181b18e114fc209b3c6e26c3a80718e", "strongSwan 4.0.3", "strongSwan", "", false, decNone},
	{"77e8eea6f556a499de3ffe7f7f95661c", "strongSwan 4.0.2", "strongSwan", "", false, decNone},
	{"9dbbafcf1db0dd595ae065294003ad3e", "strongSwan 4.0.1", "strongSwan", "", false, decNone},
	{"2ce9c946a4c879bf11b50b76cc5692cb", "strongSwan 4.0.0", "strongSwan", "", false, decNone},
	{"0e9e820524932da199a498953afa8a7e", "strongSwan 2.8.9", "strongSwan", "", false, decNone},
	{"8c4a3bcb729b11f703d22a5b39640ca8", "strongSwan 2.8.8", "strongSwan", "", false, decNone},
	{"3a0d4e7ca4e492ed4dfe476d1ac6018b", "strongSwan 2.8.7", "strongSwan", "", false, decNone},
	{"fe3f49706e26a9fb36a87bfce9ea36ce", "strongSwan 2.8.6", "strongSwan", "", false, decNone},
	{"4c7efa31b39e510432a317570d97bbb9", "strongSwan 2.8.5", "strongSwan", "", false, decNone},
	{"76c72bfd398424dd001b86d0012fe061", "strongSwan 2.8.4", "strongSwan", "", false, decNone},
	{"fb4641ad0eeb2a34491d15f4eff51063", "strongSwan 2.8.3", "strongSwan", "", false, decNone},
	{"299932277b7dfe382ce23465333a7d23", "strongSwan 2.8.2", "strongSwan", "", false, decNone},
	{"e37f2d5ba89a62cd202ee27dac06c8a8", "strongSwan 2.8.1", "strongSwan", "", false, decNone},
	{"32f0e9b9c06dfe8c9ad5599a636971a1", "strongSwan 2.8.0", "strongSwan", "", false, decNone},
	// Also seen from Astaro Security Gateway, which ships strongSwan.
	{"7f50cc4ebf04c2d9da73abfd69b77aa2", "strongSwan 2.7.3", "strongSwan", "", false, decNone},
	{"a194e2aaddd0bafb95253dd96dc733eb", "strongSwan 2.7.2", "strongSwan", "", false, decNone},
	{"8134878582121785ba65ea345d6ba724", "strongSwan 2.7.1", "strongSwan", "", false, decNone},
	{"07fa128e4754f9447b1dd46374eef360", "strongSwan 2.7.0", "strongSwan", "", false, decNone},
	{"b927f95219a0fe3600dba3c1182ae55f", "strongSwan 2.6.4", "strongSwan", "", false, decNone},
	{"b2860e7837f711bef3d0eeb106872ded", "strongSwan 2.6.3", "strongSwan", "", false, decNone},
	{"5b1cd6fe7d050eda6c93871c107db3d2", "strongSwan 2.6.2", "strongSwan", "", false, decNone},
	{"66afbc12bbfe6ce108b1f69f4bc917b7", "strongSwan 2.6.1", "strongSwan", "", false, decNone},
	{"3f3266499ffdbd85950e702298062844", "strongSwan 2.6.0", "strongSwan", "", false, decNone},
	{"1f4442296b83d7e33a8b45209ba0e590", "strongSwan 2.5.7", "strongSwan", "", false, decNone},
	{"3c5eba3d8564928e32ae43c3d9924dee", "strongSwan 2.5.6", "strongSwan", "", false, decNone},
	{"3f267ed621ada7ee6c7d8893ccb0b14b", "strongSwan 2.5.5", "strongSwan", "", false, decNone},
	{"7a6bf5b7df89642a75a78ef7d657c1c0", "strongSwan 2.5.4", "strongSwan", "", false, decNone},
	{"df5b1f0f1d5679d9f8512b16c55a6065", "strongSwan 2.5.3", "strongSwan", "", false, decNone},
	{"861ce5eb72164b190e9e629a31cf4901", "strongSwan 2.5.2", "strongSwan", "", false, decNone},
	{"9a4a4648f60f8eda7cfcbfe271ee5b7d", "strongSwan 2.5.1", "strongSwan", "", false, decNone},
	{"9eb3d907ed7ada4e3cbcacb917abc8e4", "strongSwan 2.5.0", "strongSwan", "", false, decNone},
	{"485a70361b4433b31dea1c6be0df243e", "strongSwan 2.4.4", "strongSwan", "", false, decNone},
	{"982b7a063a33c143a8eadc88249f6bcc", "strongSwan 2.4.3", "strongSwan", "", false, decNone},
	{"e7a3fd0c6d771a8f1b8a86a4169c9ea4", "strongSwan 2.4.2", "strongSwan", "", false, decNone},
	{"75b0653cb281eb26d31ede38c8e1e228", "strongSwan 2.4.1", "strongSwan", "", false, decNone},
	{"e829c88149bab3c0cee85da60e18ae9b", "strongSwan 2.4.0", "strongSwan", "", false, decNone},
	{"42a4834c92ab9a7777063afa254bcb69", "strongSwan 2.3.2", "strongSwan", "", false, decNone},
	{"f697c1afcc2ec8ddcdf99dc7af03a67f", "strongSwan 2.3.1", "strongSwan", "", false, decNone},
	{"b8f92b2fa2d3fe5fe158344bda1cc6ae", "strongSwan 2.3.0", "strongSwan", "", false, decNone},
	{"99dc7cc823376b3b33d04357896ae07b", "strongSwan 2.2.2", "strongSwan", "", false, decNone},
	{"d9118b1e9de5efced9cc9d883f2168ff", "strongSwan 2.2.1", "strongSwan", "", false, decNone},
	{"85b6cbec480d5c8cd9882c825ac2c244", "strongSwan 2.2.0", "strongSwan", "", false, decNone},
	// FreeS/WAN 2.x: "OE" + 10 bytes of MD5(name) with bit 7 cleared and bit 6 set.
	{"4f45486b7d44784d42676b5d", "Linux FreeS/WAN 2.00", "FreeS/WAN", "", false, decNone},
	{"4f457c4f547e6e615b426e56", "Linux FreeS/WAN 2.01", "FreeS/WAN", "", false, decNone},
	{"4f456c6b44696d7f6b4c4e60", "Linux FreeS/WAN 2.02", "FreeS/WAN", "", false, decNone},
	{"4f45566671474962734e6264", "Linux FreeS/WAN 2.03", "FreeS/WAN", "", false, decNone},
	{"4f45704f736579505c6e5f6d", "Linux FreeS/WAN 2.04", "FreeS/WAN", "", false, decNone},
	{"4f457271785f4c7e496f4d54", "Linux FreeS/WAN 2.05", "FreeS/WAN", "", false, decNone},
	{"4f457e4c466e5d427c5c6b52", "Linux FreeS/WAN 2.06", "FreeS/WAN", "", false, decNone},
	{"4f4544765b576b4045417447", "Linux FreeS/WAN 2.00 PLUTO_SENDS_VENDORID", "FreeS/WAN", "", false, decNone},
	{"4f45774e4a4352716e45486f", "Linux FreeS/WAN 2.00 X.509-1.3.1 PLUTO_SENDS_VENDORID", "FreeS/WAN", "", false, decNone},
	{"4f45575d6a5343424674796e", "Linux FreeS/WAN 2.00 X.509-1.3.1 LDAP PLUTO_SENDS_VENDORID", "FreeS/WAN", "", false, decNone},
	// Openswan 2.1-2.6.39 use the FreeS/WAN "OE" scheme; 2.6.40+ use "OSW" + 9 bytes.
	{"4f455d787a5b6948787a655b", "Openswan 2.1.0", "Openswan", "", false, decNone},
	{"4f45466a786e57484d4d4361", "Openswan 2.1.1", "Openswan", "", false, decNone},
	{"4f4555656771407e63636578", "Openswan 2.1.2", "Openswan", "", false, decNone},
	{"4f4548724b6e5e68557c604f", "Openswan 2.2.0", "Openswan", "", false, decNone},
	{"4f4572696f5c77557f746249", "Openswan 2.3.0", "Openswan", "", false, decNone},
	{"4f45454355706e735d625c71", "Openswan 2.3.1", "Openswan", "", false, decNone},
	{"4f45436f586c544d46766f54", "Openswan 2.3.1 X.509-1.5.4 LDAP_V3 PLUTO_SENDS_VENDORID PLUTO_USES_KEYRR", "Openswan", "", false, decNone},
	{"4f454578616c467b5f6f606d", "Openswan 2.3.1 X.509-1.5.4 PLUTO_SENDS_VENDORID PLUTO_USES_KEYRR", "Openswan", "", false, decNone},
	{"4f45785c567c6f61507e7864", "Openswan 2.4.0", "Openswan", "", false, decNone},
	{"4f457240604e7f585d6d5869", "Openswan 2.4.0 X.509-1.5.4 PLUTO_SENDS_VENDORID PLUTO_USES_KEYRR", "Openswan", "", false, decNone},
	{"4f456e5e4c737d7d62796c51", "Openswan 2.4.1", "Openswan", "", false, decNone},
	{"4f456971726d54726e464a71", "Openswan 2.4.10", "Openswan", "", false, decNone},
	{"4f4574715e655577567a5f41", "Openswan 2.4.10 PLUTO_SENDS_VENDORID PLUTO_USES_KEYRR", "Openswan", "", false, decNone},
	{"4f4550484948576e64636f6b", "Openswan 2.4.11", "Openswan", "", false, decNone},
	{"4f457b64445e664a6355766b", "Openswan 2.4.11 PLUTO_SENDS_VENDORID PLUTO_USES_KEYRR", "Openswan", "", false, decNone},
	{"4f456c7c5b79725e4a6a5658", "Openswan 2.4.12", "Openswan", "", false, decNone},
	{"4f45606c50487c5662707575", "Openswan 2.4.12 LDAP_V3 PLUTO_SENDS_VENDORID PLUTO_USES_KEYRR", "Openswan", "", false, decNone},
	{"4f454b427a64597b774d5d40", "Openswan 2.4.12 PLUTO_SENDS_VENDORID PLUTO_USES_KEYRR", "Openswan", "", false, decNone},
	{"4f45445e597f60634770436c", "Openswan 2.4.13", "Openswan", "", false, decNone},
	{"4f456b5a5d52605d7a7a6f4e", "Openswan 2.4.13 LDAP_V3 PLUTO_SENDS_VENDORID PLUTO_USES_KEYRR", "Openswan", "", false, decNone},
	{"4f456066696a417566514d44", "Openswan 2.4.13 PLUTO_SENDS_VENDORID PLUTO_USES_KEYRR", "Openswan", "", false, decNone},
	{"4f454c4e767d475b775e6f56", "Openswan 2.4.14", "Openswan", "", false, decNone},
	{"4f455a526b5f4c686e534e63", "Openswan 2.4.14 PLUTO_SENDS_VENDORID PLUTO_USES_KEYRR", "Openswan", "", false, decNone},
	{"4f45675d5e5d7f664c604651", "Openswan 2.4.15", "Openswan", "", false, decNone},
	{"4f4540784e47627163627858", "Openswan 2.4.15 LDAP_V3 PLUTO_SENDS_VENDORID PLUTO_USES_KEYRR", "Openswan", "", false, decNone},
	{"4f457d78546050757b707245", "Openswan 2.4.15 PLUTO_SENDS_VENDORID PLUTO_USES_KEYRR", "Openswan", "", false, decNone},
	{"4f45666a6343554b5f7a4062", "Openswan 2.4.2", "Openswan", "", false, decNone},
	{"4f4547407c7673775449546e", "Openswan 2.4.3", "Openswan", "", false, decNone},
	{"4f455b7075417d5959587e46", "Openswan 2.4.3 X.509-1.5.4 LDAP_V3 PLUTO_SENDS_VENDORID PLUTO_USES_KEYRR", "Openswan", "", false, decNone},
	{"4f45565e6441545f4a664642", "Openswan 2.4.4", "Openswan", "", false, decNone},
	{"4f457a7d4646466667725f65", "Openswan 2.4.4 X.509-1.5.4 PLUTO_SENDS_VENDORID PLUTO_USES_KEYRR", "Openswan", "", false, decNone},
	{"4f45587d5d4b4b7c61487b7c", "Openswan 2.4.5", "Openswan", "", false, decNone},
	{"4f454766754a5b59657b4168", "Openswan 2.4.5 X.509-1.5.4 LDAP_V3 PLUTO_SENDS_VENDORID PLUTO_USES_KEYRR", "Openswan", "", false, decNone},
	{"4f456e4d43757f784f704063", "Openswan 2.4.5 X.509-1.5.4 PLUTO_SENDS_VENDORID PLUTO_USES_KEYRR", "Openswan", "", false, decNone},
	{"4f45725c5b754061666c425f", "Openswan 2.4.5dr3 X.509-1.5.4 PLUTO_SENDS_VENDORID PLUTO_USES_KEYRR", "Openswan", "", false, decNone},
	{"4f45636e6542785f6f6b7257", "Openswan 2.4.6", "Openswan", "", false, decNone},
	{"4f456c4c4f5d5264574e5244", "Openswan 2.4.6 X.509-1.5.4 LDAP_V3 PLUTO_SENDS_VENDORID PLUTO_USES_KEYRR", "Openswan", "", false, decNone},
	{"4f454e7c454d716b5f4d6c67", "Openswan 2.4.6 X.509-1.5.4 PLUTO_SENDS_VENDORID PLUTO_USES_KEYRR", "Openswan", "", false, decNone},
	{"4f457a7d6d6c5e5441727070", "Openswan 2.4.6rc3 X.509-1.5.4 PLUTO_SENDS_VENDORID PLUTO_USES_KEYRR", "Openswan", "", false, decNone},
	{"4f4552756a414d79434d4951", "Openswan 2.4.7", "Openswan", "", false, decNone},
	{"4f455a7e4261425d725c705f", "Openswan 2.4.7 PLUTO_SENDS_VENDORID PLUTO_USES_KEYRR", "Openswan", "", false, decNone},
	{"4f457a6d734b6f476273616c", "Openswan 2.4.8", "Openswan", "", false, decNone},
	{"4f455d62575860514272754c", "Openswan 2.4.8 LDAP_V3 PLUTO_SENDS_VENDORID PLUTO_USES_KEYRR", "Openswan", "", false, decNone},
	{"4f4574514070784e717f5760", "Openswan 2.4.8 PLUTO_SENDS_VENDORID PLUTO_USES_KEYRR", "Openswan", "", false, decNone},
	{"4f45414c5d6a75516450457a", "Openswan 2.4.9", "Openswan", "", false, decNone},
	{"4f45534a496f60726b636462", "Openswan 2.4.9 LDAP_V3 PLUTO_SENDS_VENDORID PLUTO_USES_KEYRR", "Openswan", "", false, decNone},
	{"4f455f5d7b764b67436f4f49", "Openswan 2.4.9 PLUTO_SENDS_VENDORID PLUTO_USES_KEYRR", "Openswan", "", false, decNone},
	{"4f4546477e5e4b5440606859", "Openswan 2.5.0", "Openswan", "", false, decNone},
	{"4f45495c767449495c5a7350", "Openswan 2.5.00", "Openswan", "", false, decNone},
	{"4f457260466858434c7e6a45", "Openswan 2.5.01", "Openswan", "", false, decNone},
	{"4f45717a7c715b657c5c5156", "Openswan 2.5.02", "Openswan", "", false, decNone},
	{"4f456651517b4f475276654d", "Openswan 2.5.03", "Openswan", "", false, decNone},
	{"4f455672606d794f697d7242", "Openswan 2.5.04", "Openswan", "", false, decNone},
	{"4f454a4d5e5e674c604e4168", "Openswan 2.5.05", "Openswan", "", false, decNone},
	{"4f454a6176624e5876754d64", "Openswan 2.5.06", "Openswan", "", false, decNone},
	{"4f455c47464946434875464e", "Openswan 2.5.07", "Openswan", "", false, decNone},
	{"4f455a6f776e666c49497b68", "Openswan 2.5.08", "Openswan", "", false, decNone},
	{"4f454c4f577c5a7c4c665248", "Openswan 2.5.09", "Openswan", "", false, decNone},
	{"4f45714250575765766a6c72", "Openswan 2.5.10", "Openswan", "", false, decNone},
	{"4f457a795c6440407166776c", "Openswan 2.5.11", "Openswan", "", false, decNone},
	{"4f4549796c524b7c515b5450", "Openswan 2.5.12", "Openswan", "", false, decNone},
	{"4f45455740667a5f766d785d", "Openswan 2.5.13", "Openswan", "", false, decNone},
	{"4f45736b7f50645f6c416341", "Openswan 2.5.14", "Openswan", "", false, decNone},
	{"4f45675e407f696148444f7c", "Openswan 2.5.15", "Openswan", "", false, decNone},
	{"4f4557575d58474e5d574e58", "Openswan 2.5.16", "Openswan", "", false, decNone},
	{"4f457a74437b794a6148685b", "Openswan 2.5.17", "Openswan", "", false, decNone},
	{"4f455e74654a504c7a614967", "Openswan 2.5.18", "Openswan", "", false, decNone},
	{"4f45766b71776b6f48467a69", "Openswan 2.6.01", "Openswan", "", false, decNone},
	{"4f455f525758674a61465b6b", "Openswan 2.6.02", "Openswan", "", false, decNone},
	{"4f45775376797c60516a757b", "Openswan 2.6.03", "Openswan", "", false, decNone},
	{"4f45736f4c6569475a7d7f4c", "Openswan 2.6.04", "Openswan", "", false, decNone},
	{"4f457b654a44434170427663", "Openswan 2.6.05", "Openswan", "", false, decNone},
	{"4f454a4376414f737d6e495f", "Openswan 2.6.06", "Openswan", "", false, decNone},
	{"4f45466b5d7b4753765c686b", "Openswan 2.6.07", "Openswan", "", false, decNone},
	{"4f457d456755615659534c7b", "Openswan 2.6.08", "Openswan", "", false, decNone},
	{"4f455a447e4d547d6d416e6c", "Openswan 2.6.09", "Openswan", "", false, decNone},
	{"4f45744a61537c7646486641", "Openswan 2.6.10", "Openswan", "", false, decNone},
	{"4f455e7f4c79574b43455465", "Openswan 2.6.11", "Openswan", "", false, decNone},
	{"4f45775b5b5e5b705443404e", "Openswan 2.6.12", "Openswan", "", false, decNone},
	{"4f455a7f4b47466754526564", "Openswan 2.6.13", "Openswan", "", false, decNone},
	{"4f456f534a55776561714158", "Openswan 2.6.14", "Openswan", "", false, decNone},
	{"4f4563476e586e5f567a5457", "Openswan 2.6.15", "Openswan", "", false, decNone},
	{"4f456a7d637357765a5c7b63", "Openswan 2.6.16", "Openswan", "", false, decNone},
	{"4f4554704245584355764571", "Openswan 2.6.17", "Openswan", "", false, decNone},
	{"4f457d5a765a404d5b4f5744", "Openswan 2.6.18", "Openswan", "", false, decNone},
	{"4f456b71484c42504f664d44", "Openswan 2.6.19", "Openswan", "", false, decNone},
	{"4f4543714271574c644b7a41", "Openswan 2.6.20", "Openswan", "", false, decNone},
	{"4f454970424c6d5f4e5b6f59", "Openswan 2.6.20dr2", "Openswan", "", false, decNone},
	{"4f4550544259485a67464e66", "Openswan 2.6.20rc1", "Openswan", "", false, decNone},
	{"4f457e717f6b5a4e727d576b", "Openswan 2.6.21", "Openswan", "", false, decNone},
	{"4f456c6a405d72544d42754d", "Openswan 2.6.22", "Openswan", "", false, decNone},
	{"4f456d406b6753464548407f", "Openswan 2.6.23", "Openswan", "", false, decNone},
	{"4f45557d6068416e77737478", "Openswan 2.6.24", "Openswan", "", false, decNone},
	{"4f45694b5146645d6863434c", "Openswan 2.6.24rc3", "Openswan", "", false, decNone},
	{"4f45445743787f6f78467b4d", "Openswan 2.6.24rc5", "Openswan", "", false, decNone},
	{"4f4543606e547b776f5e5848", "Openswan 2.6.25", "Openswan", "", false, decNone},
	{"4f45504b7e7a764d4e645f57", "Openswan 2.6.26", "Openswan", "", false, decNone},
	{"4f456e544e77494c76567e5c", "Openswan 2.6.27", "Openswan", "", false, decNone},
	{"4f45517b4f7f6e657a7b4351", "Openswan 2.6.28", "Openswan", "", false, decNone},
	{"4f455e5a65725d6564727763", "Openswan 2.6.29", "Openswan", "", false, decNone},
	{"4f457656736b546968656675", "Openswan 2.6.30", "Openswan", "", false, decNone},
	{"4f457d476e447f5a4159655b", "Openswan 2.6.31", "Openswan", "", false, decNone},
	{"4f4568794c64414365636661", "Openswan 2.6.32", "Openswan", "", false, decNone},
	{"4f456768495f775c414c4679", "Openswan 2.6.33", "Openswan", "", false, decNone},
	{"4f457f7e637f7679517f4a5a", "Openswan 2.6.34", "Openswan", "", false, decNone},
	{"4f457e487a746b6f69705842", "Openswan 2.6.35", "Openswan", "", false, decNone},
	{"4f45716c74725d4b5a6c5d5f", "Openswan 2.6.36", "Openswan", "", false, decNone},
	{"4f45755c645c6a795c5c6170", "Openswan 2.6.37", "Openswan", "", false, decNone},
	{"4f4576795c6b677a57715c73", "Openswan 2.6.38", "Openswan", "", false, decNone},
	{"4f454b705270417f765b6b59", "Openswan 2.6.38dr2", "Openswan", "", false, decNone},
	{"4f45414f75405b4e6b554a50", "Openswan 2.6.38rc2", "Openswan", "", false, decNone},
	{"4f456d6470475f6c477d767d", "Openswan 2.6.39", "Openswan", "", false, decNone},
	{"4f456c4e75416271485b7970", "Openswan 2.6.39dr3", "Openswan", "", false, decNone},
	{"4f53577666617a6f6355505a", "Openswan 2.6.40", "Openswan", "", false, decNone},
	{"4f535773786c6a4640545359", "Openswan 2.6.41", "Openswan", "", false, decNone},
	{"4f535751624a50497c705f61", "Openswan 2.6.42", "Openswan", "", false, decNone},
	{"4f53577b5547416f4c674b64", "Openswan 2.6.43", "Openswan", "", false, decNone},
	{"4f53574745627352675b5a51", "Linux Openswan 2.6.44", "Openswan", "", false, decNone},
	{"4f53577e7b6566787577466d", "Linux Openswan 2.6.45", "Openswan", "", false, decNone},
	{"4f535771775064405e494145", "Linux Openswan 2.6.46", "Openswan", "", false, decNone},
	{"4f5357584f7a6d66706e7052", "Linux Openswan 2.6.47", "Openswan", "", false, decNone},
	{"4f53575353637b5979536b4c", "Linux Openswan 2.6.47.1", "Openswan", "", false, decNone},
	{"4f53576d77657d7c497e6c7c", "Linux Openswan 2.6.48", "Openswan", "", false, decNone},
	{"4f5357795f4472657a654753", "Linux Openswan 2.6.49", "Openswan", "", false, decNone},
	{"4f53575e5f45464d62615370", "Linux Openswan 2.6.50dev1", "Openswan", "", false, decNone},
	// libreswan 3.0-3.5: "OEN" + 9 bytes, same hashing.
	{"4f454e574547444b6865684a", "Libreswan 3.3 LDAP_V3", "libreswan", "", false, decNone},
	{"4f454e5f52685050487b645e", "Libreswan 3.5", "libreswan", "", false, decNone},
	{"4f454e756f6b706a71757d5c", "Libreswan 3.5 LDAP_V3", "libreswan", "", false, decNone},

	// libreswan 3.6 and later send "OE-Libreswan-" and the version as plain text.
	{"4f452d4c696272657377616e2d", "Libreswan", "libreswan", "", true, decText},
	{"4f70706f7274756e6973746963204950736563", "Libreswan opportunistic IPsec", "libreswan", "opportunistic", false, decNone},
	{"494b457632", "Openswan/libreswan IKEv2-capable marker (obsolete)", "Openswan", "ikev2-capable", false, decNone},
	// Pluto hashes whose version is not in the table: 12 bytes, bytes after the prefix in 0x40-0x7f.
	{"4f45", "FreeS/WAN or Openswan (version not in table)", "Openswan", "", true, decPlutoHash},
	{"4f454e", "Libreswan 3.0-3.5, FreeS/WAN or Openswan (version not in table)", "libreswan", "", true, decPlutoHash},
	{"4f5357", "Openswan 2.6.40 or later (version not in table)", "Openswan", "", true, decPlutoHash},

	// KAME racoon and its successor IPsec-Tools.
	{"7003cbc1097dbe9c2600ba6983bc8b35", "KAME/racoon", "KAME/racoon", "", false, decNone},
	{"20a3622c1cea7ce37bee3ca484425276", "IPsec-Tools racoon", "IPsec-Tools", "", false, decNone},

	// Check Point: 20-byte prefix, then product, version, timestamp, reserved, features.
	{"f4ed19e0c114eb516faaac0ee37daf2807b4381f", "Check Point VPN-1/FireWall-1", "Check Point", "", true, decCheckPoint},
	{"031017e07f7a82e3aa6950c999990100", "CryptoPro GOST 1.0 (Check Point R71)", "CryptoPro", "", false, decNone},
	{"031017e07f7a82e3aa6950c999990101", "CryptoPro GOST 1.1", "CryptoPro", "", false, decNone},

	// SSH Communications Security: MD5 of the product name and version.
	{"fbf47614984031fa8e3bb6198089b223", "SSH IPSEC Express 1.1.0", "SSH Communications Security", "", false, decNone},
	{"1952dc91ac20f646fb01cf42a33aee30", "SSH IPSEC Express 1.1.1", "SSH Communications Security", "", false, decNone},
	{"e8bffa643e5c8f2cd10fda7370b6ebe5", "SSH IPSEC Express 1.1.2", "SSH Communications Security", "", false, decNone},
	{"c1111b2dee8cbc3d620573ec57aab9cb", "SSH IPSEC Express 1.2.1", "SSH Communications Security", "", false, decNone},
	{"09ec27bfbc09c75823cfecbffe565a2e", "SSH IPSEC Express 1.2.2", "SSH Communications Security", "", false, decNone},
	{"7f21a596e4e318f0b2f4944c2384cb84", "SSH IPSEC Express 2.0.0", "SSH Communications Security", "", false, decNone},
	{"2836d1fd2807bc9e5ae30786320451ec", "SSH IPSEC Express 2.1.0", "SSH Communications Security", "", false, decNone},
	{"a68de756a9c5229bae66498040951ad5", "SSH IPSEC Express 2.1.1", "SSH Communications Security", "", false, decNone},
	{"3f2372867e237c1cd8250a75559cae20", "SSH IPSEC Express 2.1.2", "SSH Communications Security", "", false, decNone},
	{"0e58d5774df602007d0b02443660f7eb", "SSH IPSEC Express 3.0.0", "SSH Communications Security", "", false, decNone},
	{"f5ce31ebc210f44350cf71265b57380f", "SSH IPSEC Express 3.0.1", "SSH Communications Security", "", false, decNone},
	{"f64260af2e2742daddd56987068a99a0", "SSH IPSEC Express 4.0.0", "SSH Communications Security", "", false, decNone},
	{"7a54d3bdb3b1e6d923892064be2d981c", "SSH IPSEC Express 4.0.1", "SSH Communications Security", "", false, decNone},
	{"9aa1f3b43472a45d5f506aeb260cf214", "SSH IPSEC Express 4.1.0", "SSH Communications Security", "", false, decNone},
	{"89f7b760d86b012acf263382394d962f", "SSH IPSEC Express 4.1.1", "SSH Communications Security", "", false, decNone},
	{"6880c7d026099114e486c55430e7abee", "SSH IPSEC Express 4.2.0", "SSH Communications Security", "", false, decNone},
	{"b037a21aceccb5570f602546f97bde8c", "SSH IPSEC Express 5.0", "SSH Communications Security", "", false, decNone},
	{"2b2dad97c4d140930053287f996850b0", "SSH IPSEC Express 5.0.0", "SSH Communications Security", "", false, decNone},
	{"45e17f3abe93944cb202910c59ef806b", "SSH IPSEC Express 5.1.0", "SSH Communications Security", "", false, decNone},
	{"5925859f7377ed7816d2fb81c01fa551", "SSH IPSEC Express 5.1.1", "SSH Communications Security", "", false, decNone},
	{"054182a07c7ae206f9d2cf9d2432c482", "SSH Sentinel", "SSH Communications Security", "", false, decNone},
	{"b91623e693ca18a54c6a2778552305e8", "SSH Sentinel 1.1", "SSH Communications Security", "", false, decNone},
	{"5430888de01a31a6fa8f60224e449958", "SSH Sentinel 1.2", "SSH Communications Security", "", false, decNone},
	{"7ee5cb85f71ce259c94a5c731ee4e752", "SSH Sentinel 1.3", "SSH Communications Security", "", false, decNone},
	{"63d9a1a7009491b5a0a6fdeb2a8284f0", "SSH Sentinel 1.4", "SSH Communications Security", "", false, decNone},
	{"eb4b0d96276b4e220ad16221a7b2a5e6", "SSH Sentinel 1.4.1", "SSH Communications Security", "", false, decNone},
	{"37eba0c4136184e7daf8562a77060b4a", "SSH QuickSec 0.9.0", "SSH Communications Security", "", false, decNone},
	{"5d72925e55948a9661a7fc48fdec7ff9", "SSH QuickSec 1.1.0", "SSH Communications Security", "", false, decNone},
	{"777fbf4c5af6d1cdd4b895a05bf82594", "SSH QuickSec 1.1.1", "SSH Communications Security", "", false, decNone},
	{"2cdf08e712ede8a5978761267cd19b91", "SSH QuickSec 1.1.2", "SSH Communications Security", "", false, decNone},
	{"59e454a8c2cf02a34959121f1890bc87", "SSH QuickSec 1.1.3", "SSH Communications Security", "", false, decNone},
	{"8f9cc94e01248ecdf147594c284b213b", "SSH QuickSec 2.1.0", "SSH Communications Security", "", false, decNone},

	// Juniper NetScreen (ScreenOS): 20 bytes, then two 4-byte words that vary by release.
	{"299ee8289f40a8973bc78687e2e7226b532c3b76", "Juniper NetScreen ScreenOS (VID 1; seen on NS-5XP, ScreenOS 5.0.0)", "Juniper/Netscreen", "", true, decNone},
	{"3a15e1f3cf2a63582e3ac82d1c64cbe3b6d779e7", "Juniper NetScreen ScreenOS (VID 2)", "Juniper/Netscreen", "", true, decNone},
	{"47d2b126bfcd83489760e2cf8c5d4d5a03497c15", "Juniper NetScreen ScreenOS (VID 3)", "Juniper/Netscreen", "", true, decNone},
	{"4a4340b543e02b84c88a8b96a8af9ebe77d9accc", "Juniper NetScreen ScreenOS (VID 4; seen on NS-5GT, ScreenOS 5.0.0)", "Juniper/Netscreen", "", true, decNone},
	{"64405f46f03b7660a23be116a1975058e69e8387", "Juniper NetScreen ScreenOS (VID 5; seen on NS-5XP, ScreenOS 4.0.3)", "Juniper/Netscreen", "", true, decNone},
	{"699369228741c6d4ca094c93e242c9de19e7b7c6", "Juniper NetScreen ScreenOS (VID 6)", "Juniper/Netscreen", "", true, decNone},
	{"8c0dc6cf62a0ef1b5c6eabd1b67ba69866adf16a", "Juniper NetScreen ScreenOS (VID 7)", "Juniper/Netscreen", "", true, decNone},
	{"92d27a9ecb31d99246986d3453d0c3d57a222a61", "Juniper NetScreen ScreenOS (VID 8)", "Juniper/Netscreen", "", true, decNone},
	{"9b096d9ac3275a7d6fe8b91c583111b09efed1a0", "Juniper NetScreen ScreenOS (VID 9)", "Juniper/Netscreen", "", true, decNone},
	{"bf03746108d746c904f1f3547de24f78479fed12", "Juniper NetScreen ScreenOS (VID 10)", "Juniper/Netscreen", "", true, decNone},
	{"c2e80500f4cc5fbf5daaeed3bb59abaeee56c652", "Juniper NetScreen ScreenOS (VID 11)", "Juniper/Netscreen", "", true, decNone},
	{"c8660a62b03b1b6130bf781608d32a6a8d0fb89f", "Juniper NetScreen ScreenOS (VID 12)", "Juniper/Netscreen", "", true, decNone},
	{"f885da40b1e7a9abd17655ec5bbec0f21f0ed52e", "Juniper NetScreen ScreenOS (VID 13)", "Juniper/Netscreen", "", true, decNone},
	{"2a2bcac19b8e91b426107807e02e7249569d6fd3", "Juniper NetScreen ScreenOS (VID 14; seen on NS-5GT, ScreenOS 5.1.0)", "Juniper/Netscreen", "", true, decNone},
	{"166f932d55eb64d8e4df4fd37e2313f0d0fd8451", "Juniper NetScreen ScreenOS (VID 15; seen on NS-5GT, ScreenOS 5.2.0-5.4.0)", "Juniper/Netscreen", "", true, decNone},
	{"a35bfd05ca1ac0b3d2f24e9e82bfcbff9c9e52b5", "Juniper NetScreen ScreenOS (VID 16)", "Juniper/Netscreen", "", true, decNone},
	{"9436e8d67174ef9aed068d5ad5213f187a3f8ba6", "Juniper NetScreen ScreenOS (VID 17)", "Juniper/Netscreen", "", true, decNone},
	{"cf49908791073fb46439790fdeb6aeed981101ab", "Juniper NetScreen ScreenOS (observed)", "Juniper/Netscreen", "", true, decNone},
	{"d6b45f82f24bacb288af59a978830ab7", "Juniper NetScreen (observed)", "Juniper/Netscreen", "", false, decNone},
	{"4865617274426561745f4e6f74696679", "Juniper NetScreen heartbeat notify", "Juniper/Netscreen", "heartbeat", true, decNone},
	{"486561727442656174204e6f74696679", "Juniper NetScreen heartbeat notify (space variant)", "Juniper/Netscreen", "heartbeat", true, decNone},

	// Fortinet.
	{"8299031757a36082c6a621de", "Fortinet FortiGate", "Fortinet", "", true, decFortiGate},
	{"1d6e178f6c2c0be284985465450fe9d4", "Fortinet FortiGate (observed)", "Fortinet", "", false, decNone},
	{"4c53427b6d465d1b337bb755a37a7fef", "Fortinet FortiClient connect license", "Fortinet", "", false, decNone},
	{"b4f01ca951e9da8d0bafbbd34ad3044e", "Fortinet endpoint control", "Fortinet", "", false, decNone},
	{"ca4a4cbb12eab6c58c57067c2e653786", "Fortinet auto-discovery receiver (ADVPN)", "Fortinet", "advpn-receiver", false, decNone},
	{"9b15e65a871aff342666623ba5022e60", "Fortinet auto-discovery sender (ADVPN)", "Fortinet", "advpn-sender", false, decNone},
	{"a58fec5036f57b21e8b499e336c76ee6", "Fortinet exchange interface IP", "Fortinet", "", false, decNone},
	{"c1dc4350476b98a429b91781914ca43e", "Fortinet FortiClient EAP extension", "Fortinet", "", false, decNone},

	// SonicWall, and the SafeNet-derived value several products share.
	{"404bf439522ca3f6", "SonicWall (also seen from 3Com SuperStack)", "SonicWall", "", false, decNone},
	{"5b362bc820f60001", "SonicWall (fingerprint 1)", "SonicWall", "", false, decNone},
	{"5b362bc820f60002", "SonicWall (fingerprint 2)", "SonicWall", "", false, decNone},
	{"5b362bc820f60003", "SonicWall (fingerprint 3)", "SonicWall", "", false, decNone},
	{"5b362bc820f60005", "SonicWall (fingerprint 5)", "SonicWall", "", false, decNone},
	{"5b362bc820f60006", "SonicWall (fingerprint 6)", "SonicWall", "", false, decNone},
	{"5b362bc820f60007", "SonicWall (fingerprint 7)", "SonicWall", "", false, decNone},
	{"5b362bc820f60008", "SonicWall (fingerprint 8)", "SonicWall", "", false, decNone},
	{"5b362bc820f70001", "SonicWall (fingerprint f7-1)", "SonicWall", "", false, decNone},
	{"975b7816f69789600dda89040576e0db", "SonicWall Global VPN Client (observed)", "SonicWall", "", false, decNone},
	{"da8e937880010000", "SafeNet or WatchGuard Firebox (also seen from SonicWall Global VPN Client)", "SafeNet", "", false, decNone},
	{"da8e9378", "SafeNet or WatchGuard Firebox (also seen from SonicWall Global VPN Client)", "SafeNet", "", true, decNone},
	{"47bbe7c993f1fc13b4e6d0db565c68e5", "SafeNet SoftRemote", "SafeNet", "", true, decSafeNet},

	// Other gateways and clients.
	{"b858d1addd08c1e8adafea150608aa4497aa6cc8", "ZyXEL ZyWALL router", "ZyXEL", "", false, decNone},
	{"f758f22668750f03b08df6ebe1d0", "ZyXEL ZyWALL USG 100", "ZyXEL", "", false, decNone},
	{"625027749d5ab97f5616c1602765cf480a3b7d0b", "ZyXEL ZyWALL (also seen from Nortel Contivity 251)", "ZyXEL", "", false, decNone},
	{"424e4553", "Nortel Contivity", "Nortel", "", true, decNortel},
	{"dbfb81eb5760b0788562067da102d755", "Netgear", "Netgear", "", false, decNone},
	{"c573b056d7faca36c2fba28374127cbf", "Stonesoft StoneGate (fingerprint 1)", "Stonesoft", "", false, decNone},
	{"baeb239037e17787d730eed9d95d48aa", "Stonesoft StoneGate (fingerprint 2)", "Stonesoft", "", false, decNone},
	{"526170746f7220506f77657256706e20536572766572", "Symantec Raptor PowerVPN Server", "Symantec", "", true, decText},
	{"54494d4553544550", "Timestep", "Timestep", "", true, decText},
	{"4485152d18b6bbcc0be8a8469579ddcc", "Avaya VSU (observed)", "Avaya", "", false, decNone},
	{"8404adf9cda05760b2ca292e4bff537b", "Secure Computing Sidewinder", "Secure Computing", "", false, decNone},
	// Published by Wireshark; differs from SSH IPSEC Express 4.1.0 only by two swapped nibbles.
	{"9aa1f3b43472a45d5f506aeb26c0f214", "CyberGuard", "CyberGuard", "", false, decNone},
	{"f14b94b7bff1fef02773b8c49feded26", "Shrew Soft VPN Client", "Shrew Soft", "", false, decNone},
	{"3b9031dce4fcf88b489a923963dd0c49", "Dead Peer Detection v1 NG (Shrew Soft)", "Shrew Soft", "dpd", false, decNone},
	{"101fb0b35c5a4f4c08b919f1cb9777b0", "NCP Secure Client", "NCP", "", false, decNone},
	{"c61baca1f1a60cc10800000000000000", "NCP Secure Client (observed)", "NCP", "", false, decNone},
	{"cbe79444a0870de4224a2c151fbfe099", "NCP Secure Client (observed)", "NCP", "", false, decNone},
	{"eb4c1b788afd4a9cb7730a68", "NCP Secure Client (observed, versioned)", "NCP", "", true, decNone},
	{"ca3e2b854ba8030017dc1023a4fde2041f9f7463", "Aruba Networks remote AP", "Aruba Networks", "", false, decNone},
	{"3c8e70bdf9c7d74add53e4100915dc2e4bb51274", "Aruba Networks controller", "Aruba Networks", "", false, decNone},
	{"88f0e3149b3fa48b05aa7f685f0b766be186ccb8", "Aruba Networks VIA client", "Aruba Networks", "", false, decNone},
	{"56494120417574682050726f66696c65203a20", "Aruba Networks VIA auth profile", "Aruba Networks", "", true, decText},
	{"08db45e6cb01f80bb576e9a78c0f54e1300b8881", "ELVIS-PLUS Zastava", "ELVIS-PLUS", "", true, decNone},
	{"4c5647", "Lucent VPN Gateway", "Lucent", "", true, decText},
	{"4c5643", "Lucent VPN Client", "Lucent", "", true, decText},
	{"4f70656e494b4544", "OpenIKED", "OpenBSD", "", true, decText},
	{"4f70656e504750", "OpenPGP (PGPnet)", "PGP", "", true, decText},
	{"4d6163204f53582031302e78", "Apple Mac OS X 10.x (unconfirmed)", "Apple", "", false, decNone},
	{"2d7922c6b301d9b0e1342739e9cfbbd5", "Delete with reason (DWR)", "Other", "delete-reason", false, decNone},
}

// vidPrefix is a prefix entry with its value as raw bytes (held in a string).
type vidPrefix struct {
	raw string
	e   *vidEntry
}

var (
	vidOnce     sync.Once
	vidExact    map[string]VendorIDInfo // raw value -> info, for entries that are whole payloads
	vidPrefixes []vidPrefix             // longest first
)

func vidBuild() {
	vidExact = make(map[string]VendorIDInfo, len(vidTable))
	for i := range vidTable {
		e := &vidTable[i]
		raw, err := hex.DecodeString(e.hex)
		if err != nil || len(raw) == 0 {
			panic("decode: bad Vendor ID table entry " + e.hex)
		}
		if e.prefix {
			vidPrefixes = append(vidPrefixes, vidPrefix{raw: string(raw), e: e})
			continue
		}
		vidExact[string(raw)] = e.info()
	}
	sort.SliceStable(vidPrefixes, func(i, j int) bool {
		a, b := vidPrefixes[i].raw, vidPrefixes[j].raw
		if len(a) != len(b) {
			return len(a) > len(b)
		}
		return a < b
	})
}

func (e *vidEntry) info() VendorIDInfo {
	return VendorIDInfo{Name: e.name, Vendor: e.vendor, Feature: e.feature}
}

// LookupVendorID names a Vendor ID payload's data. ok is false when the value is unknown.
// Exact matches win; otherwise the longest known prefix matches (many vendors append version or
// capability bytes), and for families whose trailing bytes encode a version (Cisco Unity major/minor,
// Microsoft "MS NT5 ISAKMPOAKLEY" + 4-byte version -> Windows release name, strongSwan/libreswan/Openswan
// version strings, SSH/Check Point/Fortinet where known) the Name includes the decoded version.
func LookupVendorID(data []byte) (VendorIDInfo, bool) {
	if len(data) == 0 {
		return VendorIDInfo{}, false
	}
	vidOnce.Do(vidBuild)
	if info, ok := vidExact[string(data)]; ok {
		return info, true
	}
	for i := range vidPrefixes {
		p := &vidPrefixes[i]
		if len(data) < len(p.raw) || string(data[:len(p.raw)]) != p.raw {
			continue
		}
		if info, ok := p.e.decode(data[len(p.raw):]); ok {
			return info, true
		}
	}
	return VendorIDInfo{}, false
}

// VendorIDCount is the number of distinct known values (exact and prefix entries), for tests and docs.
func VendorIDCount() int { return len(vidTable) }

// vidWindows names the Windows releases behind the "MS NT5 ISAKMPOAKLEY" version word.
var vidWindows = map[uint32]string{
	2: "Microsoft Windows 2000",
	3: "Microsoft Windows XP",
	4: "Microsoft Windows Server 2003 / XP SP2",
	5: "Microsoft Windows Vista",
	6: "Microsoft Windows Server 2008",
	7: "Microsoft Windows 7",
	8: "Microsoft Windows Server 2008 R2",
	9: "Microsoft Windows 8 or later (8, 8.1, 10, Server 2012/2012 R2/2016)",
}

// vidCheckPointVersions names Check Point's encoded version numbers.
var vidCheckPointVersions = map[uint32]string{
	2:    "4.1",
	3:    "4.1 SP1",
	4002: "4.1 SP2 or later",
	5000: "NG",
	5001: "NG FP1",
	5002: "NG FP2",
	5003: "NG FP3",
	5004: "NG AI R54",
	5005: "NG AI R55",
	5006: "NG AI R56",
}

// decode refines a prefix entry with the bytes that follow the prefix. ok is false when the
// trailing bytes do not have the shape the family needs, so a shorter prefix may still match.
func (e *vidEntry) decode(rest []byte) (VendorIDInfo, bool) {
	info := e.info()
	switch e.dec {
	case decDPD, decUnity:
		if len(rest) >= 2 {
			info.Name = fmt.Sprintf("%s %d.%d", e.name, rest[0], rest[1])
		}
	case decFrag:
		if len(rest) >= 4 {
			info.Name = fmt.Sprintf("%s (capabilities 0x%08x)", e.name, binary.BigEndian.Uint32(rest))
		}
	case decVPN3000:
		if len(rest) >= 2 {
			info.Name = fmt.Sprintf("%s %d.%d.%d", e.name, rest[0], rest[1]>>4, rest[1]&0x0f)
		}
	case decMSNT5:
		if len(rest) >= 4 {
			v := binary.BigEndian.Uint32(rest)
			if name, ok := vidWindows[v]; ok {
				info.Name = name
			} else {
				info.Name = fmt.Sprintf("%s (MS NT5 ISAKMPOAKLEY version %d)", e.name, v)
			}
		}
	case decCheckPoint:
		info.Name = vidCheckPointName(e.name, rest)
	case decFortiGate:
		if len(rest) >= 4 {
			rel, build := binary.BigEndian.Uint16(rest), binary.BigEndian.Uint16(rest[2:])
			if rel != 0 || build != 0 {
				info.Name = fmt.Sprintf("%s (release %d, build %d)", e.name, rel, build)
			}
		}
	case decText:
		text, ok := vidText(rest)
		if !ok {
			return VendorIDInfo{}, false
		}
		if text != "" {
			info.Name = e.name + " " + text
		}
	case decSafeNet:
		if v := vidLongestText(rest); len(v) >= 5 {
			info.Name = e.name + " " + v
		}
	case decNortel:
		if len(rest) != 4 {
			return VendorIDInfo{}, false
		}
		info.Name = fmt.Sprintf("%s (version %d)", e.name, binary.BigEndian.Uint32(rest))
	case decPlutoHash:
		if len(e.hex)/2+len(rest) != 12 {
			return VendorIDInfo{}, false
		}
		for _, c := range rest {
			if c < 0x40 || c > 0x7f {
				return VendorIDInfo{}, false
			}
		}
	}
	return info, true
}

// vidCheckPointName decodes Check Point's product, version and timestamp words.
func vidCheckPointName(base string, rest []byte) string {
	if len(rest) < 12 {
		return base
	}
	product := binary.BigEndian.Uint32(rest)
	version := binary.BigEndian.Uint32(rest[4:])
	stamp := binary.BigEndian.Uint32(rest[8:])
	var b strings.Builder
	b.WriteString("Check Point ")
	switch product {
	case 1:
		b.WriteString("VPN-1/FireWall-1")
	case 2:
		b.WriteString("SecuRemote/SecureClient")
	default:
		fmt.Fprintf(&b, "product %d", product)
	}
	b.WriteByte(' ')
	switch name, ok := vidCheckPointVersions[version]; {
	case stamp != 0 && version >= 5005:
		// NGX and later fill in the timestamp and keep the R55 version number.
		b.WriteString("NGX or later")
	case ok:
		b.WriteString(name)
	default:
		fmt.Fprintf(&b, "version code %d", version)
	}
	return b.String()
}

// vidText returns rest as text when it is printable ASCII (trailing NULs allowed).
func vidText(rest []byte) (string, bool) {
	for len(rest) > 0 && rest[len(rest)-1] == 0 {
		rest = rest[:len(rest)-1]
	}
	for _, c := range rest {
		if c < 0x20 || c > 0x7e {
			return "", false
		}
	}
	const maxText = 64
	if len(rest) > maxText {
		rest = rest[:maxText]
	}
	return strings.TrimSpace(string(rest)), true
}

// vidLongestText returns the longest run of printable ASCII in b.
func vidLongestText(b []byte) string {
	best, start := "", -1
	for i := 0; i <= len(b); i++ {
		if i < len(b) && b[i] >= 0x20 && b[i] <= 0x7e {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start > len(best) {
			best = string(b[start:i])
		}
		start = -1
	}
	return strings.TrimSpace(best)
}

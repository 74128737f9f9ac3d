package analyze

// The findings catalogue: every code, its usual severity, what it means in a few words,
// and where each implementation keeps the settings a finding points at. Findings name
// catalogue entries and settings by key; reports print the settings once per report,
// not in every finding.

// Entry describes one finding code.
type Entry struct {
	Code     string
	Severity Severity // the usual severity; a rule may lower it and say why
	Title    string   // what is seen
}

// Catalogue lists every finding code, in the order of DESIGN.md.
var Catalogue = []Entry{
	{CodeNoResponse, Error, "first message never answered"},
	{CodeReplyNotReaching, Error, "the responder answers, the initiator never hears it"},
	{CodeExchangeStalled, Error, "a later request of the negotiation unanswered"},
	{CodeNoProposalChosen, Error, "no proposal acceptable"},
	{CodeProposalDiff, Error, "both sides' proposals visible and disjoint"},
	{CodeInvalidKE, Info, "the responder wants another DH group"},
	{CodeAuthFailed, Error, "authentication failed"},
	{CodeUserAuthFailed, Error, "user authentication (XAUTH, EAP) failed"},
	{CodeEAPMethodMismatch, Error, "no EAP method both sides allow"},
	{CodeNoVirtualIP, Error, "a virtual IP asked for, none assigned"},
	{CodeInvalidID, Error, "identity or proxy IDs refused"},
	{CodeTSUnacceptable, Error, "traffic selectors refused"},
	{CodePhase2Stalled, Error, "Phase 2 / CHILD_SA not completed"},
	{CodePhase2Missing, Warning, "Phase 1 up, no Phase 2 asked for"},
	{CodeErrorNotify, Warning, "another error notification"},
	{CodeDeleted, Info, "an SA deleted"},
	{CodeDPDUnanswered, Error, "liveness checks unanswered"},
	{CodeNATDetected, Info, "NAT on the path"},
	{CodeNATTProblem, Error, "NAT traversal does not work"},
	{CodeFragmentsLost, Error, "IP fragments of IKE messages lost"},
	{CodeESPMissing, Warning, "negotiated, no ESP"},
	{CodeESPOneWay, Error, "ESP in one direction only"},
	{CodeESPAnomaly, Warning, "ESP sequence or SA anomalies"},
	{CodeESPIntegrity, Error, "ESP packets fail the integrity check with the keys given"},
	{CodeInnerOneWay, Warning, "inside the tunnel, requests without answers"},
	{CodeInnerSelectors, Warning, "inner traffic outside the negotiated selectors"},
	{CodePathMTU, Warning, "tunnel packets too big for the path"},
	{CodeTCPClosed, Error, "IKE over TCP: the connection reset or closed mid-negotiation"},
	{CodeTCPNotIKE, Error, "IKE over TCP: bytes that are not IKE after the prefix"},
	{CodeWeakCrypto, Warning, "weak algorithms"},
	{CodeAggressivePSK, Warning, "Aggressive Mode with a pre-shared key"},
	{CodeMalformed, Warning, "messages that do not follow the wire format"},
	{CodeTruncated, Warning, "messages cut by the snap length"},
	{CodeStateLimit, Warning, "too many half-open SAs to track"},
	{CodeDecryptFailed, Warning, "the keys given do not open these messages"},
	{CodeRedirected, Info, "sent to another gateway (RFC 5685)"},
	{CodeNoIKE, Warning, "no IKE in the capture"},
	{CodeCaptureDrops, Warning, "the capture dropped packets"},
	{CodeCaptureClock, Info, "the capture's timestamps go back"},
	{CodeCaptureDuplicates, Info, "the capture holds packets twice"},
	{CodeCaptureOneWay, Info, "the capture sees one direction of an SA only"},
	{CodeDuplicateSA, Info, "two IKE SAs up at once, one started by each side"},
	{CodeSlowResponse, Warning, "a request answered only after the peer held it for seconds"},
}

// Setting keys: the families of configuration a finding points at.
const (
	SettingPSK       = "psk"
	SettingIdentity  = "identity"
	SettingProposals = "proposals"
	SettingPhase2    = "phase2"
	SettingSelectors = "selectors"
	SettingFirewall  = "firewall"
	SettingUsers     = "users"
)

// ImplSetting is where one implementation keeps a setting.
type ImplSetting struct {
	Impl    string // strongSwan, libreswan, racoon, Cisco
	Setting string
}

// SettingInfo names a family of settings and where each implementation keeps it.
type SettingInfo struct {
	Key   string
	Title string
	Where []ImplSetting
}

// Settings are the families of configuration findings point at, by key.
var Settings = map[string]SettingInfo{
	SettingPSK: {SettingPSK, "Pre-shared keys", []ImplSetting{
		{"strongSwan", "secrets in swanctl.conf (or ipsec.secrets)"},
		{"libreswan", "/etc/ipsec.secrets"},
		{"racoon", "psk.txt"},
		{"Cisco", "crypto isakmp key / tunnel-group ipsec-attributes"},
	}},
	SettingIdentity: {SettingIdentity, "Identities", []ImplSetting{
		{"strongSwan", "local/remote id= in swanctl.conf (leftid/rightid in ipsec.conf)"},
		{"libreswan", "leftid / rightid"},
		{"racoon", "my_identifier / peers_identifier"},
		{"Cisco", "crypto isakmp identity / crypto ikev2 profile match identity"},
	}},
	SettingProposals: {SettingProposals, "Phase 1 / IKE proposals", []ImplSetting{
		{"strongSwan", "proposals= in swanctl.conf (ike= in ipsec.conf)"},
		{"libreswan", "ike= in ipsec.conf"},
		{"racoon", "proposal blocks in the remote section of racoon.conf"},
		{"Cisco", "crypto isakmp policy / crypto ikev2 proposal"},
	}},
	SettingPhase2: {SettingPhase2, "Phase 2 / ESP proposals", []ImplSetting{
		{"strongSwan", "esp_proposals= in the children section (esp= in ipsec.conf)"},
		{"libreswan", "esp= / phase2alg="},
		{"racoon", "sainfo blocks"},
		{"Cisco", "crypto ipsec transform-set / crypto map set pfs"},
	}},
	SettingSelectors: {SettingSelectors, "Protected subnets (proxy IDs, traffic selectors)", []ImplSetting{
		{"strongSwan", "local_ts / remote_ts (leftsubnet / rightsubnet)"},
		{"libreswan", "leftsubnet / rightsubnet"},
		{"racoon", "sainfo and the SPD (setkey)"},
		{"Cisco", "the crypto ACL"},
	}},
	SettingUsers: {SettingUsers, "User authentication and address pools (remote access)", []ImplSetting{
		{"strongSwan", "the second round remote-xauth { auth = xauth } or remote { auth = eap-... }, eap_id, the xauth/eap secrets or eap-radius; pools = and the pools section"},
		{"libreswan", "xauthby= / leftxauthserver, the passwd file or PAM, rightaddresspool= / leftmodecfgserver"},
		{"racoon", "mode_cfg { auth_source ...; pool_size ...; network4 ... } and xauth_login"},
		{"Cisco", "aaa authentication, tunnel-group general-attributes (authentication-server-group, address-pool), ip local pool"},
	}},
	SettingFirewall: {SettingFirewall, "Firewalls between the gateways", []ImplSetting{
		{"any", "allow UDP 500 and UDP 4500 both ways (and IP protocol 50 when NAT-T is not in use)"},
	}},
}

// where adds the settings a finding points at.
func (f Finding) where(keys ...string) Finding {
	for _, k := range keys {
		dup := false
		for _, w := range f.Where {
			dup = dup || w == k
		}
		if !dup {
			f.Where = append(f.Where, k)
		}
	}
	return f
}

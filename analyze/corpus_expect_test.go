package analyze_test

import (
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/internal/decodetest"
)

// sessionExpect is what the analysis must say about one IKE SA of a corpus capture, in
// session order: IKE version, the real initiator's address (IKEv2: the sender with the I
// flag; IKEv1: the sender of MM1/AM1 or the other end of MM2/AM2), whether the roles are
// known, the exact state, and the set of finding codes with severities
// ("code:severity ..."; order and repeats do not matter).
type sessionExpect struct {
	v          int
	init       string
	rolesKnown bool
	state      string
	codes      string
}

// corpusExpect is one capture's reviewed expectation. capture holds the findings that
// belong to no session.
type corpusExpect struct {
	file     string
	sessions []sessionExpect
	capture  string
}

// Reviewed expectations for every capture of the shared corpus (see its MANIFEST.md),
// written from tshark's per-packet view (_derived/tshark-4.0.17-per-packet) and the source
// project's own expected output. Fuzzed regression captures only need to go through
// without a panic and say malformed (or, for unfinished IP fragments, fragments lost).
var corpusExpectations = []corpusExpect{
	// IPv6 IKEv1. Frame 1: MM1 from ::2 (cookie e8836b35…) never answered; 25 s later ::4 sends its own MM1 (frame 2), ::2 answers (3), MM3–MM6 (4–7), two Quick Modes 0x00e9298a (8/10/12) and 0xce371e55 (9/11/13) started by ::4, then ESP both ways (Arkime IKEv1.test: one identity-protection SA).
	{file: "arkime/tests/pcap/IKEv1.pcap", sessions: []sessionExpect{{1, "2003:51:6012::2", true, "not established (no-response at MM1), then session 2 came up", "no-response:warning"}, {1, "2003:51:6012::4", true, "established, ESP flowing", ""}}},
	// IPv6 IKEv2 to a Fortinet. SA 8e7779… started by ::4 (I flag, frames 2–5), extra CHILD_SA 10/11, Deletes by ::2 at 48/51; SA e5bc67… by ::2 (frame 1 unanswered, retried 38, up at 41), Delete 42, CREATE_CHILD_SA 44/45 and 50/53, DPD every 5 s; ESP 0x3d713158/0x3d713159 (and 0x92c780d4/0xcf0014be back) from frame 46 to the end.
	{file: "arkime/tests/pcap/IKEv2.pcap", sessions: []sessionExpect{{2, "2003:51:6012::2", true, "established, ESP flowing", "deleted:info duplicate-sa:info"}, {2, "2003:51:6012::4", true, "established, ESP flowing, then 2 CHILD_SAs deleted by the responder", "deleted:info"}}},
	// ESP+AH only, no IKE.
	{file: "arkime/tests/pcap/ah-esp.pcap", capture: "no-ike:info"},
	// SYNTHETIC (Arkime generator). Frames 1/3: IKEv1 MM messages with SA+CERT and both cookies, sent by .100/::100 (MM2: the initiator is the other end). Frames 2/4: IKEv2 IKE_SA_INIT with flags 0x00 (I clear, not a response), message ID 1 and a responder SPI: a request from the SA's responder, a protocol violation. Frames 6/7: empty, unencrypted MM headers on 4500 (no payloads); 5/8 ESP-in-UDP.
	// IKE_SA_INIT requests without the Initiator flag (frames 2 and 4) are still the
	// initiator's: only it sends one.
	{file: "arkime/tests/pcap/ike-cert_synthetic.pcap", sessions: []sessionExpect{{1, "10.1.1.200", true, "stopped after MM2 while the capture went on", ""}, {2, "172.16.0.50", true, "failed at IKE_SA_INIT request: no-response", "malformed:warning no-response:error"}, {1, "2001:db8::200", true, "stopped after MM2 while the capture went on", ""}, {2, "2001:db8::50", true, "failed at IKE_SA_INIT request: no-response", "malformed:warning no-response:error"}, {1, "10.55.0.1", false, "capture ends after Main Mode (roles guessed)", "malformed:warning"}}},
	// ESP only, no IKE: manually keyed SAs (SPIs below 256) from 3ffe::1 to 24 hosts, none of which answers, over 17 min (esp-one-way per peer pair).
	{file: "arkime/tests/pcap/wireshark-esp.pcap", capture: "esp-one-way:warning no-ike:info"},
	// Borderware AM2 (cert+sig) from 10.0.0.2 to ike-scan at 10.0.0.1 (check-decode SAMPLE06): 3DES/SHA1/group 2 chosen.
	{file: "ike-scan/_derived_pcap/pkt-aggr-cert-response.pcap", sessions: []sessionExpect{{1, "10.0.0.1", true, "capture ends after AM2", "weak-crypto:warning"}}},
	// Netscreen AM2 from 10.0.0.2 (check-decode SAMPLE02): PSK, 3DES/SHA1/group 2.
	{file: "ike-scan/_derived_pcap/pkt-aggr-mode-response.pcap", sessions: []sessionExpect{{1, "10.0.0.1", true, "capture ends after AM2", "aggressive-psk:warning weak-crypto:warning"}}},
	// ike-scan AM1 with PSK (check-packet SAMPLE03), nothing after it.
	{file: "ike-scan/_derived_pcap/pkt-aggressive.pcap", sessions: []sessionExpect{{1, "10.0.0.1", true, "capture ends after AM1", "aggressive-psk:warning no-response:info weak-crypto:info"}}},
	// FW-1 4.0 Informational notify 9101 from 10.0.0.2 to ike-scan (check-decode SAMPLE08), initiator cookie deadbeef… is ike-scan's, responder cookie 0.
	{file: "ike-scan/_derived_pcap/pkt-checkpoint-notify.pcap", sessions: []sessionExpect{{1, "10.0.0.1", false, "capture ends after Informational (roles guessed)", "error-notify:warning"}}},
	// ike-scan MM1 with custom transforms (check-packet SAMPLE02).
	{file: "ike-scan/_derived_pcap/pkt-custom-proposal.pcap", sessions: []sessionExpect{{1, "10.0.0.1", true, "capture ends after MM1", "no-response:info weak-crypto:info"}}},
	// ike-scan default MM1, 8 transforms incl. DES/MD5/MODP_768 (check-packet SAMPLE01).
	{file: "ike-scan/_derived_pcap/pkt-default-proposal.pcap", sessions: []sessionExpect{{1, "10.0.0.1", true, "capture ends after MM1", "no-response:info weak-crypto:info"}}},
	// ike-scan IKE_SA_INIT request (check-packet SAMPLE05).
	{file: "ike-scan/_derived_pcap/pkt-ikev2.pcap", sessions: []sessionExpect{{2, "10.0.0.1", true, "capture ends after IKE_SA_INIT request", "no-response:info weak-crypto:info"}}},
	// CheckPoint NGX MM2 from 10.0.0.2 (check-decode SAMPLE01): 3DES/SHA1/group 2.
	{file: "ike-scan/_derived_pcap/pkt-main-mode-response.pcap", sessions: []sessionExpect{{1, "10.0.0.1", true, "capture ends after MM2", "weak-crypto:warning"}}},
	// CheckPoint NGX MM2 over NAT-T on 4500 (check-decode SAMPLE07).
	{file: "ike-scan/_derived_pcap/pkt-main-natt-response.pcap", sessions: []sessionExpect{{1, "10.0.0.1", true, "capture ends after MM2", "weak-crypto:warning"}}},
	// Deliberately malformed ike-scan request (check-packet SAMPLE04): header length runs past the datagram.
	{file: "ike-scan/_derived_pcap/pkt-malformed.pcap", sessions: []sessionExpect{{1, "10.0.0.1", false, "capture ends after Transaction (roles guessed)", "malformed:warning"}}},
	// CheckPoint NO-PROPOSAL-CHOSEN notify from 10.0.0.2 answering ike-scan's MM1 (check-decode SAMPLE03); initiator cookie deadbeef… is ike-scan's.
	{file: "ike-scan/_derived_pcap/pkt-notify-response.pcap", sessions: []sessionExpect{{1, "10.0.0.1", false, "failed at Informational: no-proposal-chosen", "no-proposal-chosen:error"}}},
	// ike-scan MM1 with one transform (check-packet SAMPLE06).
	{file: "ike-scan/_derived_pcap/pkt-single-trans.pcap", sessions: []sessionExpect{{1, "10.0.0.1", true, "capture ends after MM1", "no-response:info weak-crypto:info"}}},
	// strongSwan 4.0.5 IKE_SA_INIT response (R flag) with only N(NO_PROPOSAL_CHOSEN) (check-decode SAMPLE05).
	{file: "ike-scan/_derived_pcap/pkt-v2-notify-response.pcap", sessions: []sessionExpect{{2, "10.0.0.1", true, "failed at IKE_SA_INIT response: no-proposal-chosen", "no-proposal-chosen:error"}}},
	// strongSwan 4.0.5 IKE_SA_INIT response (check-decode SAMPLE04), SHA-1 PRF chosen. Also its KE is MODP_1024 while its SA chose MODP_2048 (RFC 7296 3.4: malformed).
	{file: "ike-scan/_derived_pcap/pkt-v2-sainit-response.pcap", sessions: []sessionExpect{{2, "10.0.0.1", true, "capture ends after IKE_SA_INIT response", "malformed:warning weak-crypto:warning"}}},
	// MM1/MM2 (1,2), initiator sends Informational NO-PROPOSAL-CHOSEN (3, notify 14), responder resends MM2 10 s later (4), MM3–MM6 (5–8), Quick Mode (9–11), ESP both ways from frame 12.
	{file: "joy/test/pcaps/ikev1.pcap", sessions: []sessionExpect{{1, "192.168.140.205", true, "established, ESP flowing", "no-proposal-chosen:warning weak-crypto:warning"}}},
	// = wireshark ikev2-decrypt-aes192ctr: SA_INIT, AUTH, INFORMATIONAL Delete by the initiator (5/6).
	{file: "joy/test/pcaps/ikev2.pcap", sessions: []sessionExpect{{2, "192.168.1.14", true, "established, then deleted by the initiator", "deleted:info"}}},
	// One MM1 from .23 to the broadcast address. Also a Vendor ID before the SA payload (RFC 2409 5: malformed).
	{file: "libreswan/testing/pluto/inputs/01-isakmp-broadcast.pcap", sessions: []sessionExpect{{1, "192.1.2.23", true, "capture ends after MM1", "malformed:warning no-response:info weak-crypto:info"}}},
	// One MM2 (both cookies) from .45 to .23: the initiator is .23. Also a Vendor ID before the SA payload (RFC 2409 5: malformed).
	{file: "libreswan/testing/pluto/inputs/01-isakmp-vid-first-resp.pcap", sessions: []sessionExpect{{1, "192.1.2.23", true, "capture ends after MM2", "malformed:warning weak-crypto:warning"}}},
	// One MM1 from .23, a Vendor ID before its SA payload (RFC 2409 5: malformed).
	{file: "libreswan/testing/pluto/inputs/01-isakmp-vid-first.pcap", sessions: []sessionExpect{{1, "192.1.2.23", true, "capture ends after MM1", "malformed:warning no-response:info weak-crypto:info"}}},
	// One MM2 from .45: the initiator is .23.
	{file: "libreswan/testing/pluto/inputs/01-isakmp-vid-second-resp.pcap", sessions: []sessionExpect{{1, "192.1.2.23", true, "capture ends after MM2", "weak-crypto:warning"}}},
	// MM1 from .23 sent twice, 10.4 s apart, never answered. Also a Vendor ID before the SA payload (RFC 2409 5: malformed), which pluto drops unanswered.
	{file: "libreswan/testing/pluto/inputs/02-isakmp-vid-first.pcap", sessions: []sessionExpect{{1, "192.1.2.23", true, "failed at MM1: no-response", "malformed:warning no-response:error weak-crypto:info"}}},
	// Windows AuthIP packet (exchange 243, private payloads): one message, nothing to judge; roles unknown.
	{file: "libreswan/testing/pluto/replay-authip-01/weirdike-eastwest.pcap-ike.pcap", sessions: []sessionExpect{{1, "192.1.2.45", false, "capture ends after ExchangeType(243) (roles guessed)", ""}}},
	// Cisco FlexVPN SA_INIT/AUTH, then AH both ways (frames 5 and 6: a ping and its answer), followed as its CHILD_SA (ndpiReader: IPSec).
	{file: "nDPI/tests/cfgs/default/pcap/ah.pcapng", sessions: []sessionExpect{{2, "10.2.3.2", true, "established, AH flowing", ""}}},
	// Cisco FlexVPN SA_INIT/AUTH, then ESP.
	{file: "nDPI/tests/cfgs/default/pcap/esp.pcapng", sessions: []sessionExpect{{2, "10.2.3.2", true, "established, ESP flowing", ""}}},
	// Client 192.168.2.100 (behind NAT, capture taken at the client) to 12 gateways: 40 IKE SAs up on 4500 with ESP, 29 SA_INIT probes (COOKIE retry, answered) never followed by IKE_AUTH (the initiator stopped: exchange-stalled, a warning), three refused with INVALID_KE_PAYLOAD and retried at once with MODP_2048 under a new SPI (sessions 17, 49, 60), one SA_INIT retry with the COOKIE (frame 462) unanswered and never sent again (no-response, a warning: the responder had answered frame 460).
	{file: "nDPI/tests/cfgs/default/pcap/ipsec_isakmp_esp.pcap", capture: "capture-clock:info", sessions: []sessionExpect{{2, "192.168.2.100", true, "established, ESP flowing", "nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "stopped after IKE_SA_INIT response while the capture went on", "exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing, then deleted by the responder", "deleted:info exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing, then deleted by the responder", "deleted:info exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing, then deleted by the responder", "deleted:info exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "stopped after IKE_SA_INIT response while the capture went on", "exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing, then deleted by the responder", "deleted:info exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing, then deleted by the responder", "deleted:info exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "stopped after IKE_SA_INIT response while the capture went on", "exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing, then deleted by the responder", "deleted:info exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing, then deleted by the responder", "deleted:info exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing", "nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "stopped after IKE_SA_INIT response while the capture went on", "exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing, then deleted by the responder", "deleted:info exchange-stalled:warning malformed:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing, then deleted by the responder", "deleted:info exchange-stalled:warning malformed:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing, then deleted by the responder", "deleted:info exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing", "nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "another DH group asked for, retried as session 17", "invalid-ke:info nat-detected:info weak-crypto:info"}, {2, "192.168.2.100", true, "established, ESP flowing, then deleted by the responder", "deleted:info exchange-stalled:info nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing, then deleted by the responder", "deleted:info exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing, then deleted by the responder", "deleted:info exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing, then deleted by the responder", "deleted:info exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing, then deleted by the responder", "deleted:info exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing, then deleted by the responder", "deleted:info exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing, then deleted by the responder", "deleted:info exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "stopped after IKE_SA_INIT response while the capture went on", "exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "stopped after IKE_SA_INIT response while the capture went on", "exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "stopped after IKE_SA_INIT response while the capture went on", "exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "stopped after IKE_SA_INIT response while the capture went on", "exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "stopped after IKE_SA_INIT response while the capture went on", "exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing, then deleted by the responder", "deleted:info exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "stopped after IKE_SA_INIT response while the capture went on", "exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "stopped after IKE_SA_INIT response while the capture went on", "exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "stopped after IKE_SA_INIT response while the capture went on", "exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "stopped after IKE_SA_INIT response while the capture went on", "exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "stopped after IKE_SA_INIT response while the capture went on", "exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "stopped after IKE_SA_INIT request while the capture went on", "nat-detected:info no-response:warning weak-crypto:info"}, {2, "192.168.2.100", true, "stopped after IKE_SA_INIT response while the capture went on", "exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "stopped after IKE_SA_INIT response while the capture went on", "exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "stopped after IKE_SA_INIT response while the capture went on", "exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "stopped after IKE_SA_INIT response while the capture went on", "exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "stopped after IKE_SA_INIT response while the capture went on", "exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing", "nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing", "nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing", "nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing", "nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing", "esp-anomaly:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing", "nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing", "nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "stopped after IKE_SA_INIT response while the capture went on", "exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "another DH group asked for, retried as session 49", "invalid-ke:info nat-detected:info weak-crypto:info"}, {2, "192.168.2.100", true, "stopped after IKE_SA_INIT response while the capture went on", "exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "stopped after IKE_SA_INIT response while the capture went on", "exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "stopped after IKE_SA_INIT response while the capture went on", "exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "stopped after IKE_SA_INIT response while the capture went on", "exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "stopped after IKE_SA_INIT response while the capture went on", "exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "stopped after IKE_SA_INIT response while the capture went on", "exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "stopped after IKE_SA_INIT response while the capture went on", "exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing", "nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing", "nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing", "nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "another DH group asked for, retried as session 60", "invalid-ke:info nat-detected:info weak-crypto:info"}, {2, "192.168.2.100", true, "stopped after IKE_SA_INIT response while the capture went on", "exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing", "nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing", "nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "stopped after IKE_SA_INIT response while the capture went on", "exchange-stalled:warning nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing", "nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing", "nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing", "nat-detected:info weak-crypto:warning"}, {2, "192.168.2.100", true, "established, ESP flowing", "nat-detected:info weak-crypto:warning"}}},
	// ESP only, no IKE (packetgen esp_spec.rb).
	{file: "packetgen-plugin-ipsec/spec/esp-tfc.pcapng", capture: "no-ike:info"},
	// ESP only, no IKE (packetgen esp_spec.rb).
	{file: "packetgen-plugin-ipsec/spec/esp-transport-esn.pcapng", capture: "no-ike:info"},
	// ESP only, no IKE (packetgen esp_spec.rb).
	{file: "packetgen-plugin-ipsec/spec/esp4-cbc.pcapng", capture: "no-ike:info"},
	// ESP only, no IKE (packetgen esp_spec.rb).
	{file: "packetgen-plugin-ipsec/spec/esp4-ctr-hmac.pcapng", capture: "no-ike:info"},
	// ESP only, no IKE (packetgen esp_spec.rb).
	{file: "packetgen-plugin-ipsec/spec/esp4-gcm.pcapng", capture: "no-ike:info"},
	// SA_INIT + IKE_AUTH with AES-GCM SK (packetgen ike_spec.rb), no ESP in the capture.
	{file: "packetgen-plugin-ipsec/spec/ikev2.pcapng", sessions: []sessionExpect{{2, "201.25.64.1", true, "established", ""}}},
	// SA_INIT + IKE_AUTH with AES-CBC/HMAC-SHA256 SK; the responder chose MODP_1024 (weak-crypto).
	{file: "packetgen-plugin-ipsec/spec/ikev2_cbc_hmac.pcapng", sessions: []sessionExpect{{2, "201.25.64.1", true, "established", "weak-crypto:warning"}}},
	// IKEv2 entirely on 4500: three IKE SAs in turn, each SA_INIT/AUTH, ESP-in-UDP, then INFORMATIONAL Deletes by the initiator.
	{file: "scapy/test/pcaps/ikev2_nat_t.pcapng", sessions: []sessionExpect{{2, "192.168.245.131", true, "established, ESP flowing, then deleted by the initiator", "deleted:info"}, {2, "192.168.245.131", true, "established, ESP flowing, then deleted by the initiator", "deleted:info"}, {2, "192.168.245.131", true, "established, ESP flowing, then deleted by the initiator", "deleted:info"}}},
	// SA_INIT to .52 answered with REDIRECT (frame 2); SA_INIT to .53 with REDIRECTED_FROM answered NO_PROPOSAL_CHOSEN (frame 4); both show NAT-D mismatch.
	{file: "scapy/test/pcaps/ikev2_notify_redirect.pcap", sessions: []sessionExpect{{2, "10.5.2.60", true, "redirected to moneybin.duckburg.disney.com", "nat-detected:info redirected:info"}, {2, "10.5.2.60", true, "failed at IKE_SA_INIT response: no-proposal-chosen", "nat-detected:info no-proposal-chosen:error"}}},
	// IKE_INTERMEDIATE and IKE_AUTH on 4500 (SKF fragments), every packet captured twice; capture begins after SA_INIT.
	{file: "suricata-verify/tests/detect-bypass-udp/input.pcap", sessions: []sessionExpect{{2, "192.168.0.3", true, "established", "capture-duplicates:info"}}},
	// SYNTHETIC ESP only. Each ESP packet is 8 bytes, SPI and sequence number alone: crafted.
	{file: "suricata-verify/tests/eve-flow-esp/input.pcap", capture: "esp-anomaly:warning no-ike:info"},
	// SYNTHETIC single MM1 with a duplicated proposal: its transform gives Life Duration 86400 before any Life Type, then Life Type seconds and Life Duration 65535.
	{file: "suricata-verify/tests/ikev1-duplicate-proposals/generated.pcap", sessions: []sessionExpect{{1, "192.168.12.1", true, "capture ends after MM1", "malformed:warning no-response:info weak-crypto:info"}}},
	// Main Mode + Quick Mode, PSK AES/SHA1/group 2 (suricata ikev1 test.yaml: exchange_type 2, SHA1 / MODP_1024).
	{file: "suricata-verify/tests/ikev1-rules/ikev1-isakmp-main-mode.pcap", sessions: []sessionExpect{{1, "192.168.12.1", true, "established", "weak-crypto:warning"}}},
	// Single IKE_SA_INIT request with a weak DH group (suricata alert: weak DH).
	{file: "suricata-verify/tests/ikev2-weak-dh/IKEv2_SA_INIT_2-8-weak.pcap", sessions: []sessionExpect{{2, "212.158.157.2", true, "capture ends after IKE_SA_INIT request", "no-response:info weak-crypto:info"}}},
	// ESP only.
	{file: "tcpdump/tests/02-sunrise-sunset-esp.pcap", capture: "no-ike:info"},
	// ESP only.
	{file: "tcpdump/tests/08-sunrise-sunset-aes.pcap", capture: "no-ike:info"},
	// ESP only.
	{file: "tcpdump/tests/08-sunrise-sunset-esp2.pcap", capture: "no-ike:info"},
	// Main Mode + Quick Mode (isakmp5-v.out), 3DES/SHA1-class weak chosen.
	{file: "tcpdump/tests/ISAKMP_sa_setup.pcap", sessions: []sessionExpect{{1, "10.0.0.1", true, "established", "weak-crypto:warning"}}},
	// One truncated ESP-in-UDP first fragment (MF set, 46 of 65613 bytes captured; esp_truncated.out: [|esp]).
	{file: "tcpdump/tests/esp_truncated.pcap", capture: "ike-fragments-lost:warning no-ike:warning"},
	// ESP-in-UDP only.
	{file: "tcpdump/tests/espudp1.pcap", capture: "no-ike:info"},
	// FUZZ: first IP fragment (MF set) never completed.
	{file: "tcpdump/tests/ikev1_id_ipv6_addr_subnet-oobr.pcap", capture: "ike-fragments-lost:warning no-ike:warning"},
	// One IKE_AUTH request with a plaintext IDi whose IPv4 address is 1 byte (ikev2-id-normal.out: len=5 01000000de ipv4:de) and 39 trailing bytes.
	{file: "tcpdump/tests/ikev2-id-normal.pcap", sessions: []sessionExpect{{2, "127.0.0.1", true, "capture ends after IKE_AUTH request", "exchange-stalled:info malformed:warning"}}},
	// One IKE_AUTH request with a 1-byte IDi (ikev2-id-short.out: [payload too short]).
	{file: "tcpdump/tests/ikev2-id-short.pcap", sessions: []sessionExpect{{2, "127.0.0.1", true, "capture ends after IKE_AUTH request", "exchange-stalled:info malformed:warning"}}},
	// COOKIE-retried SA_INIT, AUTH, 14 CREATE_CHILD_SA (one of them rekeys the IKE SA), INFORMATIONAL Delete on the new SA (ikev2four.out); NAT-D mismatch on 500 without float.
	{file: "tcpdump/tests/ikev2four.pcap", sessions: []sessionExpect{{2, "192.168.1.2", true, "established, IKE SA rekeyed into session 2", "nat-detected:info nat-t-problem:warning phase2-stalled:warning weak-crypto:warning"}, {2, "192.168.1.2", true, "established (continues session 1), then deleted by the initiator", "deleted:info exchange-stalled:info"}}},
	// FUZZ: one malformed IKE_SA_INIT request.
	{file: "tcpdump/tests/ikev2pI2-segfault.pcapng", sessions: []sessionExpect{{2, "192.1.2.45", true, "capture ends after IKE_SA_INIT request", "malformed:warning no-response:info weak-crypto:info"}}},
	// Frame 1 IKE_SA_INIT request (R SPI 0); frame 2, one day later, IKE_AUTH request carrying R SPI c02e7a3031a03188 (ikev2pI2.out): the SA_INIT response reached the initiator but is not in the capture. Also IKE_AUTH with message ID 0 (RFC 7296 2.2: malformed).
	{file: "tcpdump/tests/ikev2pI2.pcap", sessions: []sessionExpect{{2, "192.1.2.45", true, "capture ends after IKE_AUTH request", "exchange-stalled:info malformed:warning weak-crypto:info"}}},
	// FUZZ: bad UDP length on 4500.
	{file: "tcpdump/tests/isakmp-3948-oobr-2.pcap", capture: "no-ike:warning"},
	// FUZZ: exchange 190 with a broken Delete (isakmp1.out).
	{file: "tcpdump/tests/isakmp-delete-segfault.pcap", sessions: []sessionExpect{{1, "127.0.0.1", false, "capture ends after ExchangeType(190) request (roles guessed)", "malformed:warning"}}},
	// FUZZ-ish: one Main Mode message (I→R, responder cookie zero) with a plaintext 248-byte FQDN ID and no SA (isakmp3.out: phase 1 I ident): a broken MM1, not an MM5.
	{file: "tcpdump/tests/isakmp-identification-segfault.pcap", sessions: []sessionExpect{{1, "127.0.0.1", true, "capture ends after MM1", "malformed:warning no-response:info"}}},
	// FUZZ: IP first fragments (MF) never completed.
	{file: "tcpdump/tests/isakmp-ikev1_n_print-oobr.pcap", capture: "ike-fragments-lost:warning no-ike:warning"},
	// Informational with a notify chain that never ends (isakmp-no-none-np.out); both cookies zero.
	{file: "tcpdump/tests/isakmp-no-none-np.pcapng", sessions: []sessionExpect{{1, "192.168.1.25", false, "failed at Informational: error-notify", "error-notify:error malformed:warning"}}},
	// FUZZ: payload pointer loop (isakmp2.out: phase 1 ? base).
	{file: "tcpdump/tests/isakmp-pointer-loop.pcap", sessions: []sessionExpect{{1, "129.170.249.126", false, "capture ends after Base (roles guessed)", "malformed:warning"}}},
	// FUZZ: garbage on 4500.
	{file: "tcpdump/tests/isakmp-rfc3948-oobr.pcap", capture: "no-ike:warning"},
	// FUZZ: IP fragments never completed.
	{file: "tcpdump/tests/isakmp-various-oobr.pcap", capture: "capture-clock:info ike-fragments-lost:warning no-ike:warning"},
	// NAT-T Main Mode floated to 4500, Quick Modes whose QM3 never appears, ESP from one side only (isakmp4.out); see TestCorpusFindings.
	{file: "tcpdump/tests/isakmp4500.pcap", sessions: []sessionExpect{{1, "192.1.2.254", true, "established, ESP one way, with errors", "esp-one-way:error nat-detected:info phase2-stalled:error weak-crypto:warning"}}},
	// FUZZ: first IP fragment never completed.
	{file: "tcpdump/tests/isakmpv1-attr-oobr.pcap", capture: "ike-fragments-lost:warning no-ike:warning"},
	// ESP only.
	{file: "wireshark/test/captures/esp-bug-12671.pcapng.gz", capture: "no-ike:info"},
	// MM1–MM6 (1–6), Mode-Config/XAUTH transactions (7–13), Quick Mode 0xb1167ba3 (14–16) at the very end of the capture.
	{file: "wireshark/test/captures/ikev1-bug-12610.pcapng.gz", sessions: []sessionExpect{{1, "192.168.0.100", true, "established", "weak-crypto:warning"}}},
	// Aggressive Mode PSK (1–3), Mode-Config transactions, no Quick Mode.
	{file: "wireshark/test/captures/ikev1-bug-12620.pcapng.gz", sessions: []sessionExpect{{1, "192.168.0.100", true, "Phase 1 up, capture ends after Transaction", "aggressive-psk:warning weak-crypto:warning"}}},
	// MM with certs (1–6); only MM2 carries NAT-T VIDs (draft + RFC 3947), MM1 has DPD + unknown; QM1 (7) resent at 8, QM2 9, QM3 10 = last frame.
	{file: "wireshark/test/captures/ikev1-certs.pcap", sessions: []sessionExpect{{1, "192.168.12.118", true, "established", "nat-t-problem:info weak-crypto:warning"}}},
	// SA_INIT/AUTH (3DES), INFORMATIONAL Delete by the initiator (5).
	{file: "wireshark/test/captures/ikev2-decrypt-3des-sha1_160.pcap", sessions: []sessionExpect{{2, "192.168.1.14", true, "established, then deleted by the initiator", "deleted:info weak-crypto:warning"}}},
	// SA_INIT/AUTH, INFORMATIONAL Delete by the initiator.
	{file: "wireshark/test/captures/ikev2-decrypt-aes128ccm12-2.pcap", sessions: []sessionExpect{{2, "192.168.1.14", true, "established, then deleted by the initiator", "deleted:info"}}},
	// SA_INIT/AUTH, INFORMATIONAL Delete by the initiator (I flag on frame 5).
	{file: "wireshark/test/captures/ikev2-decrypt-aes128ccm12.pcap", sessions: []sessionExpect{{2, "192.168.1.2", true, "established, then deleted by the initiator", "deleted:info"}}},
	// SA_INIT/AUTH, INFORMATIONAL Delete by the initiator 8.5 s later.
	{file: "wireshark/test/captures/ikev2-decrypt-aes192ctr.pcap", sessions: []sessionExpect{{2, "192.168.1.14", true, "established, then deleted by the initiator", "deleted:info"}}},
	// SA_INIT/AUTH only.
	{file: "wireshark/test/captures/ikev2-decrypt-aes256cbc.pcapng", sessions: []sessionExpect{{2, "192.168.1.2", true, "established", ""}}},
	// SA_INIT/AUTH only.
	{file: "wireshark/test/captures/ikev2-decrypt-aes256ccm16.pcapng", sessions: []sessionExpect{{2, "192.168.1.14", true, "established", ""}}},
	// SA_INIT/AUTH at t=0.2 s, no ESP for 71.6 s, then INFORMATIONAL Delete from the responder (flags 0x00, frame 5).
	{file: "wireshark/test/captures/ikev2-decrypt-aes256gcm16.pcap", sessions: []sessionExpect{{2, "192.168.1.2", true, "established, then deleted by the responder", "deleted:info esp-missing:warning"}}},
	// SA_INIT/AUTH at t=0.2 s, no ESP for 71.6 s, then INFORMATIONAL Delete from the responder (flags 0x00, frame 5).
	{file: "wireshark/test/captures/ikev2-decrypt-aes256gcm8.pcap", sessions: []sessionExpect{{2, "192.168.1.14", true, "established, then deleted by the responder", "deleted:info esp-missing:warning"}}},
	// SA_INIT → INVALID_KE (2), retry with MODP3072 (3/4), IKE_AUTH on 4500 in 2 SKF fragments (5/6), short IKE_AUTH response (7); see TestCorpusFindings.
	{file: "zeek-plugin-ikev2/tests/Traces/ikev2.pcap", sessions: []sessionExpect{{2, "172.16.158.1", true, "failed at IKE_AUTH response: auth-failed", "auth-failed:error invalid-ke:info nat-detected:info"}}},
}

func codeSet(s string) string {
	f := strings.Fields(s)
	sort.Strings(f)
	out := f[:0]
	for i, c := range f {
		if i == 0 || c != f[i-1] {
			out = append(out, c)
		}
	}
	return strings.Join(out, " ")
}

func findingCodes(res *analyze.Result, session int) string {
	var cs []string
	for _, x := range res.Findings {
		if x.Session == session {
			cs = append(cs, x.Code+":"+x.Severity.String())
		}
	}
	return codeSet(strings.Join(cs, " "))
}

func TestCorpusExpectations(t *testing.T) {
	dir := decodetest.RequireCorpus(t)
	files := decodetest.CorpusCaptures(t, dir)
	byFile := map[string]corpusExpect{}
	for _, e := range corpusExpectations {
		if _, dup := byFile[e.file]; dup {
			t.Fatalf("two expectations for %s", e.file)
		}
		byFile[e.file] = e
	}
	for _, rel := range files {
		if _, ok := byFile[rel]; !ok {
			t.Errorf("%s: no reviewed expectation", rel)
		}
	}
	for _, e := range corpusExpectations {
		e := e
		t.Run(e.file, func(t *testing.T) {
			res := analyzeFile(t, filepath.Join(dir, e.file))
			if got, want := findingCodes(res, 0), codeSet(e.capture); got != want {
				t.Errorf("capture findings %q, want %q", got, want)
			}
			if len(res.Sessions) != len(e.sessions) {
				t.Fatalf("%d sessions, want %d", len(res.Sessions), len(e.sessions))
			}
			for i, want := range e.sessions {
				s := res.Sessions[i]
				if s.Version != want.v || s.Initiator.Addr().String() != want.init || s.RolesKnown != want.rolesKnown || s.State != want.state {
					t.Errorf("session %d: v%d initiator %s roles known %v state %q; want v%d %s %v %q",
						s.ID, s.Version, s.Initiator.Addr(), s.RolesKnown, s.State, want.v, want.init, want.rolesKnown, want.state)
				}
				if got, w := findingCodes(res, s.ID), codeSet(want.codes); got != w {
					t.Errorf("session %d findings %q, want %q", s.ID, got, w)
				}
			}
		})
	}
}

// Arkime's IKEv1 capture: one gateway's MM1 goes unanswered (sent once, never again)
// and 25 s later the other gateway negotiates the tunnel itself. The two did not
// overlap, so this is no collision of simultaneous starts: the unanswered MM1 is a
// warning that says the tunnel came up later, and who started it. The same capture ten
// times slower says the same: no window of seconds decides it.
func TestUnansweredThenOtherWayUp(t *testing.T) {
	dir := decodetest.RequireCorpus(t)
	path := filepath.Join(dir, "arkime/tests/pcap/IKEv1.pcap")
	slowPath := scaled(t, path, 10, 1)
	for name, c := range map[string]struct {
		path, gap string
	}{"as recorded": {path, "25.2 s"}, "ten times slower": {slowPath, "4.2 min"}} {
		res := analyzeFile(t, c.path)
		got := findCode(res, analyze.CodeNoResponse)
		if got == nil || got.Severity != analyze.Warning {
			t.Fatalf("%s: no-response finding %+v, want one of severity warning", name, got)
		}
		for _, w := range []string{"MM1 once and got no answer", "No message from 2003:51:6012::4 for this SA", "came up " + c.gap + " after this: session 2, started by 2003:51:6012::4"} {
			if !strings.Contains(got.Summary, w) {
				t.Errorf("%s: summary %q lacks %q", name, got.Summary, w)
			}
		}
		if strings.Contains(got.Cause, "UDP 500 is blocked") {
			t.Errorf("%s: cause blames a firewall the later negotiation went through: %s", name, got.Cause)
		}
		if slices.Contains(got.Where, analyze.SettingFirewall) {
			t.Errorf("%s: the finding still points at the firewalls: %v", name, got.Where)
		}
		if st := res.Sessions[0].State; st != "not established (no-response at MM1), then session 2 came up" {
			t.Errorf("%s: session 1 state %q", name, st)
		}
	}
}

// What an expert reading of the corpus found the analysis getting wrong, each case with
// the words its finding must now hold (and the claim it must no longer make).
func TestCorpusExpertReadings(t *testing.T) {
	dir := decodetest.RequireCorpus(t)
	for _, c := range []struct {
		file, code string
		session    int // 0: a finding of the capture
		has        []string
		hasNot     string
		causeHas   string
	}{
		// The initiator refuses an MM2 that chose its own single transform, then accepts
		// the same MM2 retransmitted: not a proposal mismatch.
		{"joy/test/pcaps/ikev1.pcap", analyze.CodeNoProposalChosen, 1,
			[]string{"one of the initiator's own proposals unchanged", "not an algorithm mismatch"}, "proposal mismatch.", ""},
		// A COOKIE round, then the retry unanswered: the responder did answer.
		{"nDPI/tests/cfgs/default/pcap/ipsec_isakmp_esp.pcap", analyze.CodeNoResponse, 37,
			[]string{"answered the IKE_SA_INIT before it with COOKIE (frame 461)", "never sent it again"}, "at all", ""},
		// A Delete answered empty, then the other side's own Delete: the first deleted
		// a CHILD_SA whose pair came in a request of its own, not an SA already gone.
		{"scapy/test/pcaps/ikev2_nat_t.pcapng", analyze.CodeDeleted, 1,
			[]string{"deleted a CHILD_SA, most likely", "a request of its own after it, frame 15"}, "deleted already", ""},
		// IKE_SA_INIT answered, then nothing until the SA was finished as idle, 10 min
		// on, while the capture went on for hours: not how long the capture went on.
		{"nDPI/tests/cfgs/default/pcap/ipsec_isakmp_esp.pcap", analyze.CodeExchangeStalled, 2,
			[]string{"sent nothing more in the 10.3 min after it, when ikescope stopped waiting (the capture went on)"}, "the capture went on:", ""},
		// IKE_SA_INIT answered, no IKE_AUTH from the client behind the NAT.
		{"nDPI/tests/cfgs/default/pcap/ipsec_isakmp_esp.pcap", analyze.CodeExchangeStalled, 26,
			[]string{"no IKE_AUTH", "initiator's side of the NAT"}, "", ""},
		// ESP alone, on SPIs 1 to 255, which IKE never gives out: keyed by hand.
		{"arkime/tests/pcap/wireshark-esp.pcap", analyze.CodeNoIKE, 0,
			[]string{"SPIs below 256", "manually keyed SAs"}, "negotiated before the capture began", ""},
		// 24 one-way flows, the last begun too near the end to judge: the count says so.
		{"arkime/tests/pcap/wireshark-esp.pcap", analyze.CodeESPOneWay, 0,
			[]string{"between 23 pairs of peers (230 packets)", "One more pair began too close to the end of the capture to tell."}, "", ""},
		// ESP alone, numbered from 1 from the capture's first packet: new SAs, negotiated
		// just before the capture or elsewhere (keyed by hand: tcpdump's test vectors),
		// not SAs up long before a capture that started late.
		{"tcpdump/tests/02-sunrise-sunset-esp.pcap", analyze.CodeNoIKE, 0,
			[]string{"sequence numbers start at the beginning", "the SAs are new, negotiated just before the capture began or elsewhere"}, "negotiated before the capture began", ""},
		// Each side starts an IKE SA while the other's is under way; both come up.
		{"arkime/tests/pcap/IKEv2.pcap", analyze.CodeDuplicateSA, 1,
			[]string{"were up at the same time, one started by each side", "session 2 (started by 2003:51:6012::4, up at frame 5)", "each side started its negotiation before the other's came up"}, "", ""},
		// QM2 repeated, each copy answered by a QM3 of a HASH alone: not fragments.
		{"tcpdump/tests/isakmp4500.pcap", analyze.CodePhase2Stalled, 1,
			[]string{"The initiator answers the copies with QM3 (3 in the capture)"}, "", "far too small to travel in IP fragments"},
		// Its ESP one way is that unfinished Quick Mode, not a firewall or a rekey.
		{"tcpdump/tests/isakmp4500.pcap", analyze.CodeESPOneWay, 1,
			[]string{"ESP flows only from the initiator"}, "", "never completed Quick Mode 8b7e8947"},
		// A transform whose first Life Duration (86400) has no Life Type before it.
		{"suricata-verify/tests/ikev1-duplicate-proposals/generated.pcap", analyze.CodeMalformed, 1,
			[]string{"a life duration (86400) with no life type right before it"}, "", ""},
		// Frame 207: an IKE_SA_INIT request with flags 0xff (Response among them).
		{"nDPI/tests/cfgs/default/pcap/ipsec_isakmp_esp.pcap", analyze.CodeMalformed, 15,
			[]string{"reserved flag bits 0xc7 set (flags 0xff)"}, "", ""},
		// A clear Main Mode message with responder cookie zero but an ID instead of the SA.
		{"tcpdump/tests/isakmp-identification-segfault.pcap", analyze.CodeMalformed, 1,
			[]string{"responder cookie zero but no SA payload"}, "", ""},
		// INVALID_KE_PAYLOAD, then the retry with the group asked for under a new SPI.
		{"nDPI/tests/cfgs/default/pcap/ipsec_isakmp_esp.pcap", analyze.CodeInvalidKE, 18,
			[]string{"The initiator retried 0.15 s later with MODP_2048: session 17, which came up."}, "", ""},
		// MM1 with a Vendor ID before its SA payload, never answered: the violation is
		// the likely reason, before firewalls and daemons.
		{"libreswan/testing/pluto/inputs/02-isakmp-vid-first.pcap", analyze.CodeNoResponse, 1,
			[]string{"sent MM1 2 times"}, "", "The request breaks the protocol (VID payload before the SA payload"},
		// A message that does not parse and also breaks the protocol: one finding says
		// both, not a second one about "messages that still decode".
		{"tcpdump/tests/ikev2-id-normal.pcap", analyze.CodeMalformed, 1,
			[]string{"do not parse", "Frame 1 also breaks the protocol: initiator SPI of zero"}, "still decode", ""},
		// Check Point puts the reason for its private notification in words.
		{"ike-scan/_derived_pcap/pkt-checkpoint-notify.pcap", analyze.CodeErrorNotify, 1,
			[]string{`Its data reads "User testing unknown."`}, "", ""},
		// Every frame cut short: the capture, not the network, misses IKE.
		{"tcpdump/tests/isakmp-rfc3948-oobr.pcap", analyze.CodeNoIKE, 0,
			[]string{"the snap length cut its 23 frames"}, "nothing negotiated a tunnel", ""},
	} {
		res := analyzeFile(t, filepath.Join(dir, c.file))
		var got *analyze.Finding
		for i := range res.Findings {
			if f := &res.Findings[i]; f.Code == c.code && f.Session == c.session {
				got = f
				if len(c.has) > 0 && strings.Contains(f.Summary, c.has[0]) {
					break // of several findings of the code, the one the case is about
				}
			}
		}
		if got == nil {
			t.Errorf("%s: no %s finding for session %d: %s", c.file, c.code, c.session, codesOf(res.Findings))
			continue
		}
		for _, w := range c.has {
			if !strings.Contains(got.Summary, w) {
				t.Errorf("%s: %s says %q, lacking %q", c.file, c.code, got.Summary, w)
			}
		}
		if c.hasNot != "" && strings.Contains(got.Summary, c.hasNot) {
			t.Errorf("%s: %s still says %q: %q", c.file, c.code, c.hasNot, got.Summary)
		}
		if !strings.Contains(got.Cause, c.causeHas) {
			t.Errorf("%s: %s's cause %q lacks %q", c.file, c.code, got.Cause, c.causeHas)
		}
	}
}

// tcpdump's ikev2four.pcap: the IKE_AUTH answer and two CREATE_CHILD_SAs refused, then
// four CHILD_SAs made, then the IKE SA rekeyed by a fifth CREATE_CHILD_SA. The rekey
// made the successor, not a CHILD_SA; the refusals came before any CHILD_SA was up.
func TestIKERekeyIsNoChildSA(t *testing.T) {
	dir := decodetest.RequireCorpus(t)
	res := analyzeFile(t, filepath.Join(dir, "tcpdump/tests/ikev2four.pcap"))
	if len(res.Sessions) != 2 || res.Sessions[0].Phase2Done != 4 || res.Sessions[0].RekeyedTo != res.Sessions[1].ID {
		t.Fatalf("want session 1 with 4 CHILD_SAs rekeyed into session 2:%s", sessionList(res))
	}
	for _, f := range res.Findings {
		if f.Code == analyze.CodePhase2Stalled && strings.Contains(f.Cause, "already up") {
			t.Errorf("frames %v: %q, before any CHILD_SA was up", f.Frames, f.Cause)
		}
	}
}

// AH is followed as ESP is: Arkime's ah-esp.pcap (AH+ESP bundles, no IKE) lists each
// direction's AH SA and ESP SA; nDPI's ah.pcapng gives its IKEv2 SA the AH SAs that
// carry a ping and its answer.
func TestAHFollowed(t *testing.T) {
	dir := decodetest.RequireCorpus(t)
	res := analyzeFile(t, filepath.Join(dir, "arkime/tests/pcap/ah-esp.pcap"))
	var ah, esp int
	for _, f := range res.Orphans {
		if f.AH {
			ah++
		} else {
			esp++
			if !f.InAH {
				t.Errorf("ESP flow %08x: not marked as inside AH", f.SPI)
			}
		}
		if f.Packets != 5 || f.FirstSeq != 1 || f.LastSeq != 5 {
			t.Errorf("flow %08x (AH %v): %d packets, sequence %d-%d; want 5, 1-5", f.SPI, f.AH, f.Packets, f.FirstSeq, f.LastSeq)
		}
	}
	if ah != 2 || esp != 2 || res.Captures[0].AH != 10 {
		t.Errorf("ah-esp.pcap: %d AH and %d ESP flows, %d AH packets; want 2, 2 and 10", ah, esp, res.Captures[0].AH)
	}
	res = analyzeFile(t, filepath.Join(dir, "nDPI/tests/cfgs/default/pcap/ah.pcapng"))
	if len(res.Sessions) != 1 || len(res.Sessions[0].ESP) != 2 || !res.Sessions[0].ESP[0].AH || !res.Sessions[0].ESP[1].AH {
		t.Fatalf("ah.pcapng: want one session with two AH flows:%s", sessionList(res))
	}
}

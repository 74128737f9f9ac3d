package ikecrypt

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// With "chd" at level 4 charon also dumps the keys of every CHILD_SA it installs:
//
//	... 14[CFG] <gw-gw|1> selected proposal: ESP:AES_CBC_256/HMAC_SHA2_256_128/NO_EXT_SEQ
//	... 14[CHD] <gw-gw|1> encryption initiator key => 32 bytes @ 0x7f6ec4002620
//	... 14[CHD] <gw-gw|1>    0: E4 16 9E 40 DB C0 88 AD 6E D0 84 09 C3 0F F9 7C  ...@....n......|
//	... (encryption responder key, integrity initiator key, integrity responder key)
//	... 14[CHD] <gw-gw|1> adding inbound ESP SA
//	... 14[CHD] <gw-gw|1>   SPI 0x7a2e0e9c, src 192.0.2.2 dst 192.0.2.1
//	... 14[IKE] <gw-gw|1> CHILD_SA net{1} established with SPIs 7a2e0e9c_i 66349bb6_o and TS ...
//
// The initiator keys protect what the initiator of the CHILD_SA exchange sends (RFC 7296
// 2.17: KEYMAT is taken for the initiator-to-responder SA first; RFC 2409 5.5 likewise
// for Quick Mode), and that initiator is not always the IKE_SA's: either peer may rekey.
// charon derives the keys when it processes the exchange's last message it receives: a
// response ("parsed CREATE_CHILD_SA response", "parsed IKE_AUTH response", "parsed
// QUICK_MODE response") on the CHILD_SA's initiator, a request on its responder (IKEv1's
// responder installs on Quick Mode's third message, a request too). So the last "parsed
// ... request|response" line of the IKE_SA before the keys says which side this log is.
// On the initiator the outbound SPI (_o) takes the initiator keys and the inbound (_i) the
// responder's; on the responder the other way round. The tests prove it on pcaps/: every
// ESP packet's ICV verifies with the keys this mapping gives it.

var (
	charonParsed      = regexp.MustCompile(`^parsed \S+ (request|response) `)
	charonEstablished = regexp.MustCompile(`CHILD_SA \S+ established with SPIs ([0-9a-f]{8})_i ([0-9a-f]{8})_o`)
	charonSAAddrs     = regexp.MustCompile(`^\s*SPI 0x([0-9a-f]{8}), src (\S+) dst (\S+)`)
)

// charonChild collects the keys of the CHILD_SA being installed under one IKE_SA.
type charonChild struct {
	initiator                    bool   // the last exchange message this host parsed was a response
	proposal                     string // "ESP:AES_CBC_256/HMAC_SHA2_256_128/NO_EXT_SEQ"
	encrI, encrR, integI, integR []byte
	src                          string // where the keys start in the log
}

func (c *charonChild) line(k *Keys, msg, at string, addrs map[uint32][2]netip.Addr) {
	if m := charonParsed.FindStringSubmatch(msg); m != nil {
		c.initiator = m[1] == "response"
		return
	}
	if p, ok := strings.CutPrefix(msg, "selected proposal: "); ok && strings.HasPrefix(p, "ESP:") {
		c.proposal = p
		return
	}
	if m := charonSAAddrs.FindStringSubmatch(msg); m != nil {
		spi, _ := strconv.ParseUint(m[1], 16, 32)
		s, err1 := netip.ParseAddr(m[2])
		d, err2 := netip.ParseAddr(m[3])
		if err1 == nil && err2 == nil {
			addrs[uint32(spi)] = [2]netip.Addr{s, d}
		}
		return
	}
	m := charonEstablished.FindStringSubmatch(msg)
	if m == nil || c.encrI == nil || c.encrR == nil {
		return
	}
	in, _ := strconv.ParseUint(m[1], 16, 32)
	out, _ := strconv.ParseUint(m[2], 16, 32)
	encr, integ, ok := espProposal(c.proposal)
	if ok {
		// What the initiator sends goes out from the initiator, in to the responder.
		iSPI, rSPI := uint32(in), uint32(out)
		if c.initiator {
			iSPI, rSPI = rSPI, iSPI
		}
		for _, d := range []struct {
			spi        uint32
			encr, auth []byte
		}{{iSPI, c.encrI, c.integI}, {rSPI, c.encrR, c.integR}} {
			e := &ESPKeys{SPI: d.spi, Encr: encr, EncKey: d.encr, Integ: integ, IntegKey: d.auth, Source: c.src}
			if e.Encr.KeyBits == 0 {
				e.Encr.KeyBits = espKeyBits(encr.ID, len(d.encr))
			}
			if e.check() == nil {
				k.addESP(e)
			}
		}
	}
	c.encrI, c.encrR, c.integI, c.integR = nil, nil, nil, nil
}

// espKeyBits is the key length of a cipher whose proposal does not name it.
func espKeyBits(id uint16, keyMaterial int) int {
	switch id {
	case EncrBlowfish, EncrCAST:
		return keyMaterial * 8
	}
	return 0
}

// espProposal reads the algorithms of an ESP proposal as charon logs it.
func espProposal(p string) (e Encr, i Integ, ok bool) {
	p, found := strings.CutPrefix(strings.TrimSpace(p), "ESP:")
	if !found {
		return
	}
	for j, alg := range strings.Split(p, "/") {
		if j == 0 {
			e, ok = tcpdumpEncr(norm(alg), 0)
			if n := norm(alg); strings.HasPrefix(n, "nullauthaesgmac") {
				bits, err := strconv.Atoi(strings.TrimPrefix(n, "nullauthaesgmac"))
				e, ok = Encr{EncrNullAuthAESGMAC, bits}, err == nil
			}
			continue
		}
		if v, found := tcpdumpIntegNames[norm(alg)]; found && v != IntegNone {
			i = Integ{ID: v}
		}
	}
	return
}

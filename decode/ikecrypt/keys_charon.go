package ikecrypt

import (
	"bytes"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// A strongSwan charon log at "ike 4" writes every derived key as a hex dump:
//
//	... 16[IKE] <gw-gw|1> Sk_ei secret => 32 bytes @ 0x7f6eb0043ca0
//	... 16[IKE] <gw-gw|1>    0: C5 1F C8 D8 76 48 E9 9B DF 22 26 50 CB 2F 3D 20  ....vH..."&P./=
//	... 16[IKE] <gw-gw|1>   16: 4D 66 2A 87 BD 78 01 D0 6C 41 97 53 64 E1 A2 02  Mf*..x..lA.Sd...
//
// The tag <name|N> names the IKE_SA by its unique ID N (<N> before a config is found).
// The log never prints the IKE SPIs as such, but every NAT-D computation dumps its input,
// "natd_chunk": SPIi | SPIr | address | port; the AUTH computation dumps the IKE_SA_INIT
// message ("octets = message + nonce + prf(Sk_px, IDx')"), which starts with both SPIs.
// IKEv1 Aggressive Mode may log no NAT-D before the keys; then the cookies come from
// the "HASH_I data" / "HASH_R data" dumps: g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b
// (RFC 2409 5; HASH_R swaps the two pairs), SAi_b starting with the IPsec DOI and
// situation (1, 1).
// IKEv2 keys are "Sk_ei secret", "Sk_er secret", "Sk_ai secret", "Sk_ar secret" (no
// Sk_a* for AEAD ciphers; Sk_e* then include the salt); IKEv1 logs "encryption key Ka"
// and "initial IV". "selected proposal: IKE:..." names the algorithms.

var (
	charonMsg  = regexp.MustCompile(`(?:^|\s)\d{2}\[[A-Z]{3}\] (?:<([^>]*)> )?(.*)$`)
	charonDump = regexp.MustCompile(`^\s*(\d+): ((?:[0-9A-F]{2} )*[0-9A-F]{2})`)
	charonHead = regexp.MustCompile(`^(.*\S) => (\d+) bytes @ `)
)

// charonSA collects what the log says about one IKE_SA (one unique ID).
type charonSA struct {
	spis     [16]byte // from natd_chunk / AUTH octets, both SPIs non-zero
	fresh    bool     // spis seen since the last key set of this IKE_SA
	proposal string
	cur      *SAKeys // the key set being collected
	dump     string  // the value being dumped
	dumpLen  int
	dumpBuf  []byte
	child    charonChild
}

func parseCharon(name string, data []byte) *Keys {
	k := &Keys{}
	sas := map[string]*charonSA{}
	var order []*charonSA
	espAddrs := map[uint32][2]netip.Addr{} // from "adding inbound ESP SA" / "SPI 0x..., src A dst B"

	finish := func(c *charonSA) {
		if c.cur == nil {
			return
		}
		sa := c.cur
		c.cur = nil
		if sa.Version == 2 && sa.SKei == nil && sa.SKer == nil {
			return
		}
		if sa.Version == 1 && sa.EncKey == nil {
			return
		}
		if c.fresh {
			copy(sa.InitiatorSPI[:], c.spis[:8])
			copy(sa.ResponderSPI[:], c.spis[8:])
			c.fresh = false
		}
		if e, i, hasI, ok := strongswanProposal(c.proposal); ok && sa.Version == 2 {
			sa.Encr, sa.Integ, sa.HasInteg = e, i, hasI
			if sa.checkV2Lengths() != nil {
				sa.Encr, sa.HasInteg = Encr{}, false
			}
		}
		k.add(sa)
	}

	n := 0
	for raw := range bytes.Lines(data) {
		n++
		m := charonMsg.FindSubmatch(bytes.TrimRight(raw, "\r\n"))
		if m == nil {
			continue
		}
		tag, msg := string(m[1]), string(m[2])
		if strings.HasPrefix(msg, "Starting IKE charon daemon") {
			for _, c := range order {
				finish(c)
			}
			sas, order = map[string]*charonSA{}, nil
			continue
		}
		if tag == "" {
			continue
		}
		if i := strings.LastIndexByte(tag, '|'); i >= 0 {
			tag = tag[i+1:]
		}
		c := sas[tag]
		if c == nil {
			c = &charonSA{}
			sas[tag] = c
			order = append(order, c)
		}
		if d := charonDump.FindStringSubmatch(msg); d != nil {
			if c.dump == "" {
				continue
			}
			off, _ := strconv.Atoi(d[1])
			b, err := parseHex(strings.ReplaceAll(d[2], " ", ""))
			if err != nil || off != len(c.dumpBuf) {
				c.dump = ""
				continue
			}
			c.dumpBuf = append(c.dumpBuf, b...)
			if len(c.dumpBuf) >= c.dumpLen {
				c.value(c.dump, c.dumpBuf[:c.dumpLen], fmt.Sprintf("%s:%d", name, n), finish)
				c.dump = ""
			}
			continue
		}
		c.dump = ""
		if h := charonHead.FindStringSubmatch(msg); h != nil {
			l, _ := strconv.Atoi(h[2])
			if l > 0 && l <= 1<<16 && c.wants(h[1]) {
				c.dump, c.dumpLen, c.dumpBuf = h[1], l, c.dumpBuf[:0]
			}
			continue
		}
		if p, ok := strings.CutPrefix(msg, "selected proposal: "); ok && strings.HasPrefix(p, "IKE:") {
			c.proposal = p
		}
		c.child.line(k, msg, fmt.Sprintf("%s:%d", name, n), espAddrs)
	}
	for _, c := range order {
		finish(c)
	}
	for _, e := range k.ESP {
		if a, ok := espAddrs[e.SPI]; ok {
			e.Src, e.Dst = a[0], a[1]
		}
	}
	return k
}

func (c *charonSA) wants(name string) bool {
	switch name {
	case "natd_chunk", "octets = message + nonce + prf(Sk_px, IDx')", "HASH_I data", "HASH_R data",
		"SKEYSEED", "Sk_ei secret", "Sk_er secret", "Sk_ai secret", "Sk_ar secret",
		"SKEYID", "encryption key Ka", "initial IV",
		"encryption initiator key", "encryption responder key", "integrity initiator key", "integrity responder key":
		return true
	}
	return false
}

// value records one dumped value.
func (c *charonSA) value(name string, b []byte, src string, finish func(*charonSA)) {
	b = bytes.Clone(b)
	start := func(v int) {
		finish(c)
		c.cur = &SAKeys{Version: v, Source: src}
	}
	switch name {
	case "natd_chunk", "octets = message + nonce + prf(Sk_px, IDx')", "HASH_I data", "HASH_R data":
		spis := b
		if name == "HASH_I data" || name == "HASH_R data" {
			if spis = hashDataCookies(b, name == "HASH_R data"); spis == nil || c.fresh {
				return
			}
		}
		if len(spis) >= 16 && !allZero(spis[:8]) && !allZero(spis[8:16]) {
			copy(c.spis[:], spis[:16])
			c.fresh = true
			if c.cur != nil && !c.cur.bound() {
				// Keys derived before the SPIs were logged.
				copy(c.cur.InitiatorSPI[:], spis[:8])
				copy(c.cur.ResponderSPI[:], spis[8:16])
			}
		}
	case "SKEYSEED":
		start(2)
	case "SKEYID":
		start(1)
	case "Sk_ei secret", "Sk_er secret", "Sk_ai secret", "Sk_ar secret":
		if c.cur == nil || c.cur.Version != 2 {
			start(2)
		}
		switch name {
		case "Sk_ei secret":
			c.cur.SKei = b
		case "Sk_er secret":
			c.cur.SKer = b
		case "Sk_ai secret":
			c.cur.SKai = b
		case "Sk_ar secret":
			c.cur.SKar = b
		}
	case "encryption key Ka":
		if c.cur == nil || c.cur.Version != 1 {
			start(1)
		}
		c.cur.EncKey = b
	case "initial IV":
		if c.cur != nil && c.cur.Version == 1 {
			c.cur.IV = b
		}
	case "encryption initiator key":
		c.child.encrI, c.child.src = b, src
	case "encryption responder key":
		c.child.encrR = b
	case "integrity initiator key":
		c.child.integI = b
	case "integrity responder key":
		c.child.integR = b
	}
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// hashDataCookies finds CKY-I | CKY-R in the input of HASH_I or HASH_R (swapped=true):
// two key exchange values of one length L, the cookies, then the SA payload body, whose
// DOI and situation are both 1.
func hashDataCookies(b []byte, swapped bool) []byte {
	sit := []byte{0, 0, 0, 1, 0, 0, 0, 1}
	for l := 8; 2*l+24 <= len(b); l++ {
		if !bytes.Equal(b[2*l+16:2*l+24], sit) {
			continue
		}
		out := bytes.Clone(b[2*l : 2*l+16])
		if swapped {
			out = append(out[8:16:16], out[:8]...)
		}
		return out
	}
	return nil
}

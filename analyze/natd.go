package analyze

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"net/netip"

	"github.com/ikescope/ikescope/decode"
)

// NAT detection (RFC 3947 3.2, RFC 7296 2.23). Each side hashes the SPIs with the
// addresses and ports it believes it sends from and to. A source hash that does not match
// the packet's source means the sender's address was translated on the way (it is behind
// a NAT); a destination hash that does not match means the receiver's was.

func natdInput(b []byte, spiI, spiR []byte, ap netip.AddrPort) []byte {
	b = append(b, spiI...)
	b = append(b, spiR...)
	if a := ap.Addr().Unmap(); a.Is4() {
		x := a.As4()
		b = append(b, x[:]...)
	} else {
		x := a.As16()
		b = append(b, x[:]...)
	}
	return binary.BigEndian.AppendUint16(b, ap.Port())
}

// natdMatches checks a NAT-D hash with the hash function of its length: those IKEv1 may
// have negotiated (MD5, SHA-1, SHA-2), or SHA-1 in IKEv2.
func natdMatches(want []byte, input []byte) bool {
	switch len(want) {
	case md5.Size:
		s := md5.Sum(input)
		return bytes.Equal(s[:], want)
	case sha1.Size:
		s := sha1.Sum(input)
		return bytes.Equal(s[:], want)
	case sha256.Size:
		s := sha256.Sum256(input)
		return bytes.Equal(s[:], want)
	case sha512.Size384:
		s := sha512.Sum384(input)
		return bytes.Equal(s[:], want)
	case sha512.Size:
		s := sha512.Sum512(input)
		return bytes.Equal(s[:], want)
	}
	return false
}

// checkNAT verifies the NAT-D data a message carries against its addresses.
func (s *Session) checkNAT(msg *Msg, x *decode.ISAKMP) {
	// Room on the stack for the usual one or two hashes a side (an append past it
	// moves to the heap); the hashes are only read here.
	var srcRoom, dstRoom [2][]byte
	src, dst := srcRoom[:0], dstRoom[:0]
	v2 := x.IsV2()
	if v2 {
		for _, p := range x.Payloads {
			if n := p.Notify; n != nil {
				switch n.Type {
				case 16388: // NAT_DETECTION_SOURCE_IP
					src = append(src, n.Data)
				case 16389: // NAT_DETECTION_DESTINATION_IP
					dst = append(dst, n.Data)
				}
			}
		}
	} else {
		// IKEv1: the first NAT-D payload hashes the destination, the others the sender's
		// possible source addresses.
		for _, p := range x.Payloads {
			if p.IsNATD() {
				if len(dst) == 0 {
					dst = append(dst, p.Data)
				} else {
					src = append(src, p.Data)
				}
			}
		}
	}
	if len(src) == 0 && len(dst) == 0 {
		return
	}
	if s.NAT == nil {
		s.NAT = newNATResult()
	}
	nat := s.NAT
	nat.Checked = true
	nat.Frames = append(nat.Frames, refFrame(msg.Frame))
	nat.refs = append(nat.refs, msg.Frame)
	if msg.FromInitiator {
		nat.InitiatorOffers = true
	} else {
		nat.ResponderOffers = true
	}
	spiI, spiR := x.InitiatorSPI[:], x.ResponderSPI[:]
	srcOK := len(src) == 0
	for _, h := range src {
		var buf [8 + 8 + 16 + 2]byte
		if natdMatches(h, natdInput(buf[:0], spiI, spiR, msg.Src)) {
			srcOK = true
		}
	}
	dstOK := len(dst) == 0
	for _, h := range dst {
		var buf [8 + 8 + 16 + 2]byte
		if natdMatches(h, natdInput(buf[:0], spiI, spiR, msg.Dst)) {
			dstOK = true
		}
	}
	senderNAT, receiverNAT := !srcOK, !dstOK
	if msg.FromInitiator {
		nat.InitiatorBehindNAT = nat.InitiatorBehindNAT || senderNAT
		nat.ResponderBehindNAT = nat.ResponderBehindNAT || receiverNAT
		nat.ResponderTranslated = nat.ResponderTranslated || receiverNAT
	} else {
		nat.ResponderBehindNAT = nat.ResponderBehindNAT || senderNAT
		nat.InitiatorBehindNAT = nat.InitiatorBehindNAT || receiverNAT
		nat.InitiatorTranslated = nat.InitiatorTranslated || receiverNAT
	}
}

// natBox is a NATResult allocated with room for the frames of the two NAT-D messages
// of a negotiation, Frames and refs each capacity capped to its own half; more moves
// them to arrays of their own. The result holds the arrays, so they live as long.
type natBox struct {
	nat    NATResult
	frames [2]int
	refs   [2]int
}

// newNATResult returns an empty NATResult (Frames empty, not null, in JSON).
func newNATResult() *NATResult {
	b := &natBox{}
	b.nat.Frames, b.nat.refs = b.frames[:0], b.refs[:0]
	return &b.nat
}

// natTVendorIDs reports whether an IKEv1 message announces NAT traversal support.
func natTVendorIDs(x *decode.ISAKMP) bool {
	for _, p := range x.Payloads {
		if v := p.VendorID; v != nil && v.Known && (v.Info.Feature == "nat-t-rfc3947" || len(v.Info.Feature) > 6 && v.Info.Feature[:6] == "nat-t-") {
			return true
		}
	}
	return false
}

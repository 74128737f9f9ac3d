package decode

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// Real bytes the anomaly tests are built from.
const (
	// pcaps/ikev2-invalid-ke.pcap frame 2 (tcpdump -X, UDP payload from 0x001c):
	//
	//	192.0.2.2.500 > 192.0.2.1.500: isakmp: parent_sa ikev2_init[R]
	//	0x0010:  c000 0201 01f4 01f4 002e 8443 3b7f 5469  ...........C;.Ti
	//	0x0020:  3193 306f 0000 0000 0000 0000 2920 2220  1.0o........).".
	//	0x0030:  0000 0000 0000 0026 0000 000a 0000 0011  .......&........
	//	0x0040:  000e                                     ..
	hexInvalidKEReply = `3b7f54693193306f 0000000000000000 29202220 00000000 00000026
		0000000a 00000011 000e`
	// Its notification body: protocol 0, SPI size 0, type 17, group 14.
	bodyInvalidKE = `00000011 000e`

	// pcaps/ikev2-invalid-ke.pcap frame 1, IKE_SA_INIT request: header, and the bodies of
	// its KE (group 19, 64 bytes) and NAT detection notifications.
	hdrV2Init   = `3b7f54693193306f 0000000000000000 21202208 00000000 00000118`
	bodyKE19    = `0013 0000 4afa536a6cbeb4030ca755466757c9ec8fe3075b4a9dfffd54847546aa45606a58e083e343514ce619b848983a520ec9c5d29fd2dc35b39c54776cc0c4581ae0`
	bodyNATDSrc = `00004004 5533cc94b75d3fd9fcd5a820b4a9fa4479230edc`
	bodyNATDDst = `00004005 7b50fc1763713b4958c14fad40435db5215782eb`

	// pcaps/ikev1-natt.pcap frame 3, Main Mode message 3 (KE NONCE NAT-D NAT-D): header
	// and the two NAT-D hashes.
	hdrV1MM3  = `9bd4ad96cf8ceca1 d7dfb48f6fcaee29 04100200 00000000 0000018c`
	bodyNATD1 = `5e88d714a6df7bced7b0728db06655a241e4201b0da7fc052f0c2ab0c606af1f`
	bodyNATD2 = `5fc2e86f2ac211aded12edf1b391092f2cd264e4dce15fac1c3758cc1ddbd388`

	// tcpdump tests/ikev2-id-normal.pcap (tcpdump -X): an IDi payload of 9 bytes, then 39
	// bytes inside the header's length of 76 that no payload covers.
	//
	//	0x0010:  7f00 0002 3039 01f4 0054 0000 0000 0000  ....09...T......
	//	0x0020:  0000 0000 0000 0000 0000 0000 2320 2308  ............#.#.
	//	0x0030:  0000 0001 0000 004c 0000 0009 0100 0000  .......L........
	//	0x0040:  dead beef dead beef dead beef dead beef  ................
	//	0x0050:  dead beef dead beef dead beef dead beef  ................
	//	0x0060:  dead beef dead beef                      ........
	hexIDNormal = `0000000000000000 0000000000000000 23202308 00000001 0000004c
		00000009 01000000 de adbeef deadbeef deadbeef deadbeef deadbeef deadbeef deadbeef
		deadbeef deadbeef deadbeef`
)

// Headers and bodies the header and order tests are built from: an IKE_AUTH header
// (pcaps/ikev2-invalid-ke.pcap's SPIs, a made-up responder SPI) with a given message
// ID, an SK payload's body (IV and ciphertext are not looked at), an MM1 header
// (pcaps/ikev1-natt.pcap's initiator cookie), and SA payload bodies: IKEv2 proposals
// with one DH transform (group 19, group 14), an IKEv1 proposal with one transform.
const (
	bodySK   = `00000000000000000000000000000000 11111111111111111111111111111111`
	hdrV1MM1 = `9bd4ad96cf8ceca1 0000000000000000 01100200 00000000 00000000`
	saDH19   = `00000010 01010001 00000008 04000013`
	saDH14   = `00000010 01010001 00000008 0400000e`
	saV1     = `00000001 00000001 00000010 01010001 00000008 01010000`
)

func hdrV2Auth(msgID uint32) string {
	return fmt.Sprintf("3b7f54693193306f 1122334455667788 2e202308 %08x 00000000", msgID)
}

// rawPayload is a payload for buildMessage: its type and its body after the generic header.
type rawPayload struct {
	typ  PayloadType
	body string
}

// buildMessage puts payloads behind a real header, filling in the next-payload fields and
// the lengths, so that a test can drop, repeat or change a captured payload.
func buildMessage(t *testing.T, hdr string, payloads ...rawPayload) []byte {
	t.Helper()
	msg := mustHex(t, hdr)[:HeaderLen]
	msg[16] = 0
	if len(payloads) > 0 {
		msg[16] = uint8(payloads[0].typ)
	}
	for i, p := range payloads {
		body := mustHex(t, p.body)
		next := PayloadNone
		if i+1 < len(payloads) {
			next = payloads[i+1].typ
		}
		msg = append(msg, uint8(next), 0, 0, 0)
		binary.BigEndian.PutUint16(msg[len(msg)-2:], uint16(4+len(body)))
		msg = append(msg, body...)
	}
	binary.BigEndian.PutUint32(msg[24:28], uint32(len(msg)))
	return msg
}

// withLength sets the header's length field, for messages shorter than their datagram.
func withLength(msg []byte, n int, extra ...byte) []byte {
	out := append(append([]byte(nil), msg...), extra...)
	binary.BigEndian.PutUint32(out[24:28], uint32(n))
	return out
}

func anomaliesText(as []Anomaly) string {
	var s []string
	for _, a := range as {
		s = append(s, a.String())
	}
	return "[" + strings.Join(s, "; ") + "]"
}

func TestAnomalies(t *testing.T) {
	ke := func(group string, data string) rawPayload {
		return rawPayload{PayloadKE, group + "0000" + data}
	}
	keData := bodyKE19[len("0013 0000 "):]
	natdSrc := rawPayload{PayloadNotify, bodyNATDSrc}
	natdDst := rawPayload{PayloadNotify, bodyNATDDst}
	invalidKE := buildMessage(t, hexInvalidKEReply, rawPayload{PayloadNotify, bodyInvalidKE})

	tests := []struct {
		name     string
		msg      []byte
		want     []Anomaly
		wantErrs int
	}{
		// a. KE data against its group (RFC 7296 3.4).
		{name: "KE group 19 with 64 bytes", msg: buildMessage(t, hdrV2Init, rawPayload{PayloadKE, bodyKE19})},
		{name: "KE group 14 with 64 bytes", msg: buildMessage(t, hdrV2Init, ke("000e", keData)),
			want: []Anomaly{{AnomalyKELength, 28, "KE data of 64 bytes for group 14 (MODP_2048), which needs 256"}}},
		{name: "KE group 31 with 64 bytes", msg: buildMessage(t, hdrV2Init, ke("001f", keData)),
			want: []Anomaly{{AnomalyKELength, 28, "KE data of 64 bytes for group 31 (Curve25519), which needs 32"}}},
		{name: "KE group 21 with 64 bytes", msg: buildMessage(t, hdrV2Init, ke("0015", keData)),
			want: []Anomaly{{AnomalyKELength, 28, "KE data of 64 bytes for group 21 (ECP_521), which needs 132"}}},
		{name: "KE group 19 one byte short", msg: buildMessage(t, hdrV2Init, ke("0013", keData[:len(keData)-2])),
			want: []Anomaly{{AnomalyKELength, 28, "KE data of 63 bytes for group 19 (ECP_256), which needs 64"}}},
		{name: "KE of a group without a fixed length", msg: buildMessage(t, hdrV2Init, ke("0400", keData))},
		{name: "IKEv1 KE has no group", msg: buildMessage(t, hdrV1MM3, rawPayload{PayloadV1KE, keData},
			rawPayload{PayloadV1NATD, bodyNATD1}, rawPayload{PayloadV1NATD, bodyNATD2})},

		// KE in a group the SA payload of the same message names (RFC 7296 3.4).
		{name: "KE group among the SA's", msg: buildMessage(t, hdrV2Init, rawPayload{PayloadSA, saDH19}, rawPayload{PayloadKE, bodyKE19})},
		{name: "KE group not among the SA's", msg: buildMessage(t, hdrV2Init, rawPayload{PayloadSA, saDH14}, rawPayload{PayloadKE, bodyKE19}),
			want: []Anomaly{{AnomalyKEGroup, 48, "KE for group 19 (ECP_256), which the SA payload of the same message does not name (it names MODP_2048; RFC 7296 3.4)"}}},

		// b. INVALID_KE_PAYLOAD carries the group (RFC 7296 3.10.1).
		{name: "INVALID_KE_PAYLOAD with its group", msg: mustHex(t, hexInvalidKEReply)},
		{name: "INVALID_KE_PAYLOAD without data", msg: buildMessage(t, hexInvalidKEReply, rawPayload{PayloadNotify, "00000011"}),
			want: []Anomaly{{AnomalyInvalidKEGroupMissing, 28, "INVALID_KE_PAYLOAD without the 2-byte group: 0 bytes of notification data"}}},
		{name: "INVALID_KE_PAYLOAD with one byte", msg: buildMessage(t, hexInvalidKEReply, rawPayload{PayloadNotify, "00000011 00"}),
			want: []Anomaly{{AnomalyInvalidKEGroupMissing, 28, "INVALID_KE_PAYLOAD without the 2-byte group: 1 byte of notification data"}}},

		// c. NAT detection comes in pairs (RFC 7296 2.23, RFC 3947 3.2).
		{name: "NAT detection source and destination", msg: buildMessage(t, hdrV2Init, rawPayload{PayloadKE, bodyKE19}, natdSrc, natdDst)},
		{name: "NAT detection two sources and a destination", msg: buildMessage(t, hdrV2Init, natdSrc, natdSrc, natdDst)},
		{name: "NAT detection source only", msg: buildMessage(t, hdrV2Init, rawPayload{PayloadKE, bodyKE19}, natdSrc),
			want: []Anomaly{{AnomalyNATDUnpaired, 100, "NAT_DETECTION_SOURCE_IP without NAT_DETECTION_DESTINATION_IP"}}},
		{name: "NAT detection destination only", msg: buildMessage(t, hdrV2Init, natdDst),
			want: []Anomaly{{AnomalyNATDUnpaired, 28, "NAT_DETECTION_DESTINATION_IP without NAT_DETECTION_SOURCE_IP"}}},
		{name: "IKEv1 two NAT-D", msg: buildMessage(t, hdrV1MM3, rawPayload{PayloadV1NATD, bodyNATD1}, rawPayload{PayloadV1NATD, bodyNATD2})},
		{name: "IKEv1 one NAT-D", msg: buildMessage(t, hdrV1MM3, rawPayload{PayloadV1Nonce, bodyNATD1}, rawPayload{PayloadV1NATD, bodyNATD1}),
			want: []Anomaly{{AnomalyNATDSingle, 64, "one NAT-D payload; at least two are required (the peer's address and ours)"}}},
		{name: "IKEv1 one draft NAT-D", msg: buildMessage(t, hdrV1MM3, rawPayload{PayloadV1NATDDraft, bodyNATD2}),
			want: []Anomaly{{AnomalyNATDSingle, 28, "one NAT-D payload; at least two are required (the peer's address and ours)"}}},
		{name: "IKEv1 draft and RFC NAT-D", msg: buildMessage(t, hdrV1MM3, rawPayload{PayloadV1NATDDraft, bodyNATD1}, rawPayload{PayloadV1NATD, bodyNATD2})},

		// d. Bytes after the last payload of a chain that parsed.
		{name: "tcpdump ikev2-id-normal: 39 bytes inside the header's length", msg: mustHex(t, hexIDNormal),
			want: []Anomaly{
				{AnomalyHeader, 0, "initiator SPI of zero, which it must never be (RFC 7296 3.1)"},
				{AnomalyCleartext, 16, "IKE_AUTH in the clear, without an Encrypted payload: everything after IKE_SA_INIT is encrypted (RFC 7296 1.2)"},
				{AnomalyExtraData, 37, "extra data after the last payload: 39 bytes"}},
			wantErrs: 1}, // the 1-byte ID_IPV4_ADDR
		{name: "datagram longer than the header's length", msg: withLength(invalidKE, 38, 0xde, 0xad, 0xbe, 0xef),
			want: []Anomaly{{AnomalyExtraData, 38, "extra data after the last payload: 4 bytes after the length the header gives"}}},
		{name: "both", msg: withLength(invalidKE, 40, 0, 0, 0xde, 0xad, 0xbe, 0xef),
			want: []Anomaly{{AnomalyExtraData, 38, "extra data after the last payload: 6 bytes, 2 inside the length the header gives and 4 after it"}}},
		{name: "one byte", msg: withLength(invalidKE, 39, 0),
			want: []Anomaly{{AnomalyExtraData, 38, "extra data after the last payload: 1 byte"}}},
		// e. Header fields (RFC 7296 2.2, 3.1) and what must be encrypted (1.2).
		{name: "IKE_AUTH with message ID 0", msg: buildMessage(t, hdrV2Auth(0), rawPayload{PayloadSK, bodySK}),
			want: []Anomaly{{AnomalyHeader, 20, "IKE_AUTH with message ID 0, which is IKE_SA_INIT's: IKE_AUTH's is 1 or more (RFC 7296 2.2)"}}},
		{name: "IKE_AUTH with message ID 1", msg: buildMessage(t, hdrV2Auth(1), rawPayload{PayloadSK, bodySK})},
		{name: "IKE_AUTH in the clear", msg: buildMessage(t, hdrV2Auth(1), rawPayload{PayloadIDi, "01000000 c0000201"}),
			want: []Anomaly{{AnomalyCleartext, 16, "IKE_AUTH in the clear, without an Encrypted payload: everything after IKE_SA_INIT is encrypted (RFC 7296 1.2)"}}},
		{name: "initiator SPI of zero", msg: buildMessage(t, "0000000000000000"+hdrV2Init[16:], rawPayload{PayloadKE, bodyKE19}),
			want: []Anomaly{{AnomalyHeader, 0, "initiator SPI of zero, which it must never be (RFC 7296 3.1)"}}},
		{name: "major version 3", msg: buildMessage(t, `3b7f54693193306f 0000000000000000 00302200 00000000 0000001c`),
			want: []Anomaly{{AnomalyHeader, 17, "major version 3: neither IKEv1 (1) nor IKEv2 (2); read as IKEv1"}}},

		// f. In Phase 1 the SA payload comes first (RFC 2409 5).
		{name: "MM1 with the SA first", msg: buildMessage(t, hdrV1MM1, rawPayload{PayloadV1SA, saV1}, rawPayload{PayloadV1VendorID, "deadbeef"})},
		{name: "MM1 with a Vendor ID before the SA", msg: buildMessage(t, hdrV1MM1, rawPayload{PayloadV1VendorID, "deadbeef"}, rawPayload{PayloadV1SA, saV1}),
			want: []Anomaly{{AnomalyPayloadOrder, 28, "VID payload before the SA payload (at offset 36): in Phase 1 the SA payload comes first (RFC 2409 5)"}}},

		{name: "a chain that does not end is an error, not extra data",
			msg: func() []byte {
				b := withLength(invalidKE, 38, 0xde, 0xad, 0xbe, 0xef)
				b[28] = uint8(PayloadNotify)
				return b
			}(),
			wantErrs: 2}, // payload 2 (N) cut at 38, and the 4 bytes after the header's length
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &ISAKMP{}
			if err := m.decode(tt.msg, false); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if len(m.Errors) != tt.wantErrs {
				t.Errorf("errors %v, want %d", m.Errors, tt.wantErrs)
			}
			if !reflect.DeepEqual(m.Anomalies, tt.want) && (len(m.Anomalies) > 0 || len(tt.want) > 0) {
				t.Errorf("anomalies (-want +got):\n-%s\n+%s", anomaliesText(tt.want), anomaliesText(m.Anomalies))
			}
		})
	}
}

// The anomalies of one message do not leak into the next decode of a reused layer.
func TestAnomaliesReset(t *testing.T) {
	m := &ISAKMP{}
	m.decode(buildMessage(t, hdrV2Init, rawPayload{PayloadNotify, bodyNATDSrc}), false)
	if len(m.Anomalies) != 1 {
		t.Fatalf("anomalies %v, want one", m.Anomalies)
	}
	m.DecodeFromBytes(mustHex(t, hexInvalidKEReply), gopacket.NilDecodeFeedback)
	if len(m.Anomalies) != 0 {
		t.Errorf("anomalies %v after decoding a clean message", m.Anomalies)
	}
}

// A message cut by the capture may have lost the partner of a NAT detection payload: no
// anomaly for what is not there.
func TestAnomaliesTruncated(t *testing.T) {
	msg := buildMessage(t, hdrV2Init, rawPayload{PayloadNotify, bodyNATDSrc}, rawPayload{PayloadNotify, bodyNATDDst})
	m := &ISAKMP{}
	m.decode(msg[:len(msg)-10], true)
	if !m.Truncated || len(m.Anomalies) != 0 || len(m.Errors) != 0 {
		t.Errorf("truncated %v, anomalies %v, errors %v; want truncated and nothing else", m.Truncated, m.Anomalies, m.Errors)
	}
}

func TestAnomalyKindString(t *testing.T) {
	for k, want := range map[AnomalyKind]string{
		AnomalyKELength: "ke-length", AnomalyExtraData: "extra-data", AnomalyNoNonESPMarker: "no-non-esp-marker",
		0: "AnomalyKind(0)", 77: "AnomalyKind(77)",
	} {
		if got := k.String(); got != want {
			t.Errorf("AnomalyKind(%d).String() = %q, want %q", uint8(k), got, want)
		}
	}
}

// ipv4UDP wraps a UDP payload in IPv4 and UDP headers (no checksums).
func ipv4UDP(sport, dport uint16, payload []byte) []byte {
	b := make([]byte, 28, 28+len(payload))
	b[0], b[8], b[9] = 0x45, 64, 17
	binary.BigEndian.PutUint16(b[2:4], uint16(28+len(payload)))
	copy(b[12:16], []byte{192, 0, 2, 2})
	copy(b[16:20], []byte{192, 0, 2, 1})
	binary.BigEndian.PutUint16(b[20:22], sport)
	binary.BigEndian.PutUint16(b[22:24], dport)
	binary.BigEndian.PutUint16(b[24:26], uint16(8+len(payload)))
	return append(b, payload...)
}

// e. IKE on UDP 4500 must follow the non-ESP marker (RFC 3948 2.2). Without it, the
// Decoder takes the datagram as IKE only when it cannot be ESP.
func TestNoNonESPMarker(t *testing.T) {
	ike := mustHex(t, hexInvalidKEReply)
	// pcaps/ikev2-natt.pcap frame 5, the first 48 bytes of an ESP-in-UDP payload (SPI 0x3cd298b9):
	//
	//	0x0010:  cb00 7102 1194 1194 0090 78a6 3cd2 98b9  ..q.......x.<...
	//	0x0020:  0000 0001 cf08 457e fc46 c456 ab2c b45c  ......E~.F.V.,.\
	//	0x0030:  af62 2570 9d3d 66f5 f77b e009 196f e389  .b%p.=f..{...o..
	esp := mustHex(t, `3cd298b9 00000001 cf08457e fc46c456 ab2cb45c af622570 9d3d66f5 f77be009 196fe389
		c0762940 ef265844 45ac9d0a`)
	marker := []byte{0, 0, 0, 0}
	v3 := append([]byte(nil), ike...)
	v3[17] = 0x30
	tests := []struct {
		name    string
		port    uint16
		payload []byte
		kind    Kind
		want    []Anomaly
	}{
		{"IKE after the marker", 4500, append(marker, ike...), KindISAKMP, nil},
		{"IKE without the marker", 4500, ike, KindISAKMP, []Anomaly{{AnomalyNoNonESPMarker, 0, "ISAKMP message on UDP 4500 without the 4-byte non-ESP marker"}}},
		{"IKE on 500", 500, ike, KindISAKMP, nil},
		{"ESP in UDP", 4500, esp, KindESP, nil},
		{"IKE header, length short of the datagram", 4500, append(append([]byte(nil), ike...), 0, 0, 0, 0), KindESP, nil},
		{"IKE header of version 3.2", 4500, v3, KindESP, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frame := ipv4UDP(tt.port, tt.port, tt.payload)
			var got []Message
			d := NewDecoder()
			ci := gopacket.CaptureInfo{CaptureLength: len(frame), Length: len(frame)}
			d.Decode(1, ci, layers.LinkTypeIPv4, frame, func(m *Message) { got = append(got, *m) })
			if len(got) != 1 || got[0].Kind != tt.kind {
				t.Fatalf("messages %+v, want one of kind %s", got, tt.kind)
			}
			m := got[0]
			if tt.kind == KindESP {
				if m.ESP.SPI != binary.BigEndian.Uint32(tt.payload) {
					t.Errorf("ESP SPI 0x%08x", m.ESP.SPI)
				}
				return
			}
			if len(m.ISAKMP.Errors) != 0 || m.ISAKMP.PayloadSummary() != "N(INVALID_KE_PAYLOAD)" {
				t.Errorf("errors %v, payloads %s", m.ISAKMP.Errors, m.ISAKMP.PayloadSummary())
			}
			if m.Encap != (tt.port == 4500) || m.Src != netip.AddrPortFrom(netip.MustParseAddr("192.0.2.2"), tt.port) {
				t.Errorf("encap %v, src %v", m.Encap, m.Src)
			}
			if !reflect.DeepEqual(m.ISAKMP.Anomalies, tt.want) && (len(m.ISAKMP.Anomalies) > 0 || len(tt.want) > 0) {
				t.Errorf("anomalies (-want +got):\n-%s\n+%s", anomaliesText(tt.want), anomaliesText(m.ISAKMP.Anomalies))
			}

			// gopacket's own decoding (UDP 4500 is registered) sees the same.
			p := gopacket.NewPacket(frame, layers.LayerTypeIPv4, gopacket.Default)
			l, _ := p.Layer(LayerTypeISAKMP).(*ISAKMP)
			if l == nil {
				t.Fatalf("gopacket: no ISAKMP layer in %v", p.Layers())
			}
			if fmt.Sprint(l.Anomalies) != fmt.Sprint(tt.want) && (len(l.Anomalies) > 0 || len(tt.want) > 0) {
				t.Errorf("gopacket: anomalies %s, want %s", anomaliesText(l.Anomalies), anomaliesText(tt.want))
			}
		})
	}
}

package decode

import (
	"encoding/hex"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex in test: %v", err)
	}
	return b
}

func decodeHex(t *testing.T, s string) *ISAKMP {
	t.Helper()
	m := &ISAKMP{}
	if err := m.decode(mustHex(t, s), false); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return m
}

func payloadTypes(m *ISAKMP) []PayloadType {
	var ts []PayloadType
	for _, p := range m.Payloads {
		ts = append(ts, p.Type)
	}
	return ts
}

func sameTypes(a, b []PayloadType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// From zeek-plugin-ikev2 tests/Traces/ikev2.pcap frame 2 (tcpdump -v):
//
//	172.16.158.142.500 > 172.16.158.1.63995: isakmp 2.0 msgid 00000000: parent_sa ikev2_init[R]:
//	(n: prot_id=#0 type=17(invalid_ke_payload))
const hexInvalidKE = `46fd10006d11e258 0000000000000000 29202220 00000000 00000026
	0000000a 00000011 000f`

func TestInvalidKE(t *testing.T) {
	m := decodeHex(t, hexInvalidKE)
	if len(m.Errors) != 0 {
		t.Fatalf("errors: %v", m.Errors)
	}
	if !m.IsV2() || m.ExchangeType != 34 || !m.IsResponse() || m.FromInitiator() {
		t.Errorf("header: v%d exchange %d flags %02x", m.MajorVersion, m.ExchangeType, m.Flags)
	}
	if m.InitiatorSPI != [8]byte{0x46, 0xfd, 0x10, 0x00, 0x6d, 0x11, 0xe2, 0x58} || m.ResponderSPI != [8]byte{} {
		t.Errorf("SPIs %x %x", m.InitiatorSPI, m.ResponderSPI)
	}
	n := m.FindNotify(17)
	if n == nil {
		t.Fatalf("no INVALID_KE_PAYLOAD notify in %s", m.PayloadSummary())
	}
	if n.Group != 15 {
		t.Errorf("INVALID_KE_PAYLOAD wants group %d, want 15 (MODP_3072)", n.Group)
	}
}

// From tcpdump tests/ISAKMP_sa_setup.pcap frame 1 (tcpdump -v):
//
//	10.0.0.1.500 > 10.0.0.2.500: isakmp 1.0 msgid 00000000: phase 1 I ident:
//	(sa: doi=ipsec situation=identity
//	    (p: #1 protoid=isakmp transform=1
//	        (t: #1 id=ike (type=enc value=aes)(type=keylen value=0080)(type=hash value=sha1)
//	            (type=group desc value=modp768)(type=auth value=preshared)(type=lifetype value=sec)
//	            (type=lifeduration value=00015180))))
//	(vid: len=16) (vid: len=16) (vid: len=16)
const hexMainMode1 = `cf02326f14a95b93 0000000000000000 01100200 00000000 00000094
	0d00003c 00000001 00000001 00000030 01010001 00000028 01010000
	80010007 800e0080 80020002 80040001 80030001 800b0001 000c0004 00015180
	0d000014 439b59f8ba676c4c7737ae22eab8f582
	0d000014 7d9419a65310ca6f2c179d9215529d56
	00000014 90cb80913ebb696e086381b5ec427b1f`

func TestMainModeSA(t *testing.T) {
	m := decodeHex(t, hexMainMode1)
	if len(m.Errors) != 0 {
		t.Fatalf("errors: %v", m.Errors)
	}
	if m.IsV2() || m.ExchangeType != 2 || m.Length != 148 {
		t.Errorf("header: v%d exchange %d length %d", m.MajorVersion, m.ExchangeType, m.Length)
	}
	want := []PayloadType{PayloadV1SA, PayloadV1VendorID, PayloadV1VendorID, PayloadV1VendorID}
	if got := payloadTypes(m); !sameTypes(got, want) {
		t.Fatalf("payloads %v, want %v", got, want)
	}
	sa := m.Payloads[0].SA
	if sa.DOI != 1 || sa.Situation != 1 || len(sa.Proposals) != 1 {
		t.Fatalf("SA %+v", sa)
	}
	p := sa.Proposals[0]
	if p.ProtocolID != 1 || len(p.Transforms) != 1 || p.Transforms[0].ID != 1 {
		t.Fatalf("proposal %+v", p)
	}
	attrs := map[uint16]uint64{}
	for _, a := range p.Transforms[0].Attributes {
		attrs[a.Type] = a.Value
	}
	wantAttrs := map[uint16]uint64{1: 7, 14: 128, 2: 2, 4: 1, 3: 1, 11: 1, 12: 86400}
	for k, v := range wantAttrs {
		if attrs[k] != v {
			t.Errorf("attribute %d = %d, want %d", k, attrs[k], v)
		}
	}
	if len(attrs) != len(wantAttrs) {
		t.Errorf("attributes %v, want %v", attrs, wantAttrs)
	}
}

// From ike-scan's pkt-checkpoint-notify: an IKEv1 Informational with Check Point's private
// notify 9101 carrying text.
const hexCheckPointNotify = `deadbeefdeadbeef 0000000000000000 0b100500 00000000 0000003e
	00000022 00000001 0100238d 557365722074657374696e6720756e6b6e6f776e2e00`

func TestV1NotifyWithText(t *testing.T) {
	m := decodeHex(t, hexCheckPointNotify)
	if len(m.Errors) != 0 {
		t.Fatalf("errors: %v", m.Errors)
	}
	n := m.FindNotify(9101)
	if n == nil {
		t.Fatalf("no notify 9101 in %s", m.PayloadSummary())
	}
	if n.DOI != 1 || n.ProtocolID != 1 || string(n.Data) != "User testing unknown.\x00" {
		t.Errorf("notify %+v", n)
	}
}

// From scapy test/pcaps/ikev2_notify_redirect.pcap frame 2: REDIRECT to an FQDN.
const hexRedirect = `88694881497528ad 0000000000000000 29202220 00000000 0000006a
	0000004e 01004017 031c6d6f6e657962696e2e6475636b627572672e6469736e65792e636f6d
	4bf3ea6cd0c6afe702c567fe7db3ff973424bb5e9de6af123a41975a6ffb266e9c5b4c915795132b`

func TestRedirect(t *testing.T) {
	m := decodeHex(t, hexRedirect)
	if len(m.Errors) != 0 {
		t.Fatalf("errors: %v", m.Errors)
	}
	n := m.FindNotify(16407)
	if n == nil {
		t.Fatalf("no REDIRECT in %s", m.PayloadSummary())
	}
	if n.Gateway != "moneybin.duckburg.disney.com" {
		t.Errorf("REDIRECT gateway %q", n.Gateway)
	}
}

// From zeek-plugin-ikev2 tests/Traces/ikev2.pcap frame 5, after the non-ESP marker and cut
// after 20 bytes of ciphertext: IKE_AUTH as IKEv2 fragment 1 of 2 (RFC 7383), whose
// next-payload field names the first inner payload, IDi.
const hexSKF = `46fd10006d11e258 14633b5928660a90 35202308 00000001 000004d4
	230004b8 00010002 7b487571b6b7e334aa5271d1fc4d6eb330cd1e52`

func TestSKFHeader(t *testing.T) {
	b := mustHex(t, hexSKF)
	m := &ISAKMP{}
	if err := m.decode(b, true); err != nil {
		t.Fatal(err)
	}
	if !m.Truncated || len(m.Errors) != 0 {
		t.Fatalf("a message cut by the capture must be truncated, not malformed: truncated=%v errors=%v", m.Truncated, m.Errors)
	}
	if len(m.Payloads) != 1 || m.Payloads[0].Type != PayloadSKF {
		t.Fatalf("payloads %v", payloadTypes(m))
	}
	e := m.Payloads[0].Encrypted
	if e == nil || e.FragmentNumber != 1 || e.TotalFragments != 2 || e.FirstPayload != PayloadIDi {
		t.Errorf("SKF %+v", e)
	}
}

func TestMalformed(t *testing.T) {
	tests := []struct {
		name      string
		hex       string
		wantErr   error
		wantField string
	}{
		{
			// tcpdump tests/ikev2-id-short.pcap: an IDi payload with one byte of body.
			name: "IDi shorter than its header",
			hex: `0000000000000000 0000000000000000 23202308 00000001 0000004c
				00000005 01`,
			wantErr: errLengthLong, wantField: "ISAKMP header length",
		},
		{
			name: "payload length 2 cannot advance",
			hex: `0102030405060708 0000000000000000 29202220 00000000 00000024
				00000002 00000000`,
			wantErr: errCycle, wantField: "payload 1 (N) length",
		},
		{
			name: "ID_IPV4_ADDR with one byte (tcpdump ikev2-id-normal)",
			hex: `0000000000000000 0000000000000000 23202308 00000001 00000025
				00000009 01000000 de`,
			wantErr: errBadValue, wantField: "ID data",
		},
		{
			name: "delete count larger than the SPIs present",
			hex: `0102030405060708 1112131415161718 2a202520 00000002 00000028
				0000000c 03040005 c0ffee01`,
			wantErr: errCount, wantField: "delete SPIs",
		},
		{
			name:    "header length below 28",
			hex:     `0102030405060708 1112131415161718 00202520 00000002 00000010`,
			wantErr: errLengthShort, wantField: "ISAKMP header length",
		},
		{
			name: "SA proposal overruns the payload",
			hex: `0102030405060708 0000000000000000 21202208 00000000 00000028
				0000000c 00000030 01010000`,
			wantErr: errLengthLong, wantField: "SA proposal 1 length",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := mustHex(t, tt.hex)
			m := &ISAKMP{}
			if err := m.decode(b, false); err != nil {
				t.Fatalf("decode failed outright: %v", err)
			}
			for _, err := range m.Errors {
				var fe *FieldError
				if errors.Is(err, tt.wantErr) && errors.As(err, &fe) && strings.Contains(fe.Field, tt.wantField) {
					return
				}
			}
			t.Errorf("errors %v, want %v in field %q", m.Errors, tt.wantErr, tt.wantField)
		})
	}
}

// Payloads that travel encrypted in the sample captures, laid out per RFC 7296 and the
// Mode-Config draft, so that their decoders are tested before decryption exists.
func TestEncryptedOnlyPayloads(t *testing.T) {
	t.Run("TSi IPv4 range", func(t *testing.T) {
		m := decodeHex(t, `0102030405060708 1112131415161718 2c202420 00000002 00000034
			00000018 01000000 07000010 0000ffff 0a010000 0a0100ff`)
		ts := m.Payloads[0].TS
		if len(m.Errors) != 0 || ts == nil || len(ts.Selectors) != 1 {
			t.Fatalf("errors %v TS %+v", m.Errors, ts)
		}
		s := ts.Selectors[0]
		if s.Start != netip.MustParseAddr("10.1.0.0") || s.End != netip.MustParseAddr("10.1.0.255") || s.EndPort != 65535 {
			t.Errorf("selector %+v", s)
		}
	})
	t.Run("Delete ESP SPIs", func(t *testing.T) {
		m := decodeHex(t, `0102030405060708 1112131415161718 2a202520 00000002 0000002c
			00000010 03040002 c0ffee01 c0ffee02`)
		d := m.Payloads[0].Delete
		if len(m.Errors) != 0 || d == nil || d.ProtocolID != 3 || len(d.SPIs) != 2 || hex.EncodeToString(d.SPIs[1]) != "c0ffee02" {
			t.Fatalf("errors %v delete %+v", m.Errors, d)
		}
	})
	t.Run("XAUTH password is never kept", func(t *testing.T) {
		// IKEv1 Transaction, ATTR payload CFG_REPLY: XAUTH-USER-NAME "bob", XAUTH-USER-PASSWORD "s3cret".
		m := decodeHex(t, `0102030405060708 1112131415161718 0e100600 00000007 00000035
			00000019 02000001 40890003 626f62 408a0006 733363726574`)
		if len(m.Errors) != 0 {
			t.Fatalf("errors %v", m.Errors)
		}
		c := m.Payloads[0].Config
		if c == nil || len(c.Attributes) != 2 {
			t.Fatalf("config %+v", c)
		}
		if string(c.Attributes[0].Value) != "bob" {
			t.Errorf("user name %q", c.Attributes[0].Value)
		}
		pw := c.Attributes[1]
		if !pw.Secret || pw.Value != nil || pw.Length != 6 {
			t.Errorf("password attribute %+v: must be secret with no value", pw)
		}
	})
}

func TestNATT(t *testing.T) {
	var u UDPEncap
	u.DecodeFromBytes([]byte{0xff}, nil)
	if u.Kind != EncapKeepalive {
		t.Errorf("0xff: kind %d, want keepalive", u.Kind)
	}
	u.DecodeFromBytes(mustHex(t, "00000000"+hexInvalidKE), nil)
	if u.Kind != EncapISAKMP || len(u.Payload) != 38 {
		t.Errorf("marker: kind %d payload %d", u.Kind, len(u.Payload))
	}
	u.DecodeFromBytes(mustHex(t, "c0ffee01 00000007 aabbcc"), nil)
	if u.Kind != EncapESP {
		t.Errorf("ESP: kind %d", u.Kind)
	}
	var e ESP
	if err := e.DecodeFromBytes(mustHex(t, "c0ffee01 000000"), nil); err == nil {
		t.Error("7-byte ESP header decoded without error")
	}
	if err := e.DecodeFromBytes(u.Payload, nil); err != nil || e.SPI != 0xc0ffee01 || e.Seq != 7 {
		t.Errorf("ESP %+v %v", e, err)
	}
}

package report

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ikescope/ikescope/decode"
)

// IKE over TCP in decode's output: the [tcp] tag, the stream events, "tcp":true and the
// "stream" object in JSON. The whole outputs are in cmd/ikescope/testdata/decode (ike-tcp-*).
func TestDecodeTCP(t *testing.T) {
	out := decodeOutput(t, "text", pcap("ike-tcp-reset.pcap"), "", nil)
	for _, want := range []string{
		"  IKE over TCP: client 192.0.2.1:",
		"  IKEv2 IKE_SA_INIT  initiator request  [tcp]\n",
		"  IKE over TCP: reset (RST) by server 192.0.2.2:4500 after 3 IKE messages and 0 ESP packets  [tcp]\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("decode lacks %q:\n%s", want, out)
		}
	}
	out = decodeOutput(t, "json", pcap("ike-tcp-no-ike.pcap"), "", nil)
	if want := `"kind":"stream","errors":[],"tcp":true,"stream":{"event":"not-ike","by":"client","ike_messages":0,"esp_packets":0,"pending_bytes":0,"offset":6}}`; !strings.Contains(out, want) {
		t.Errorf("decode -f json lacks %s:\n%s", want, out)
	}
}

// --redact names the connection's ends by their pseudonyms on the stream lines too, and
// leaves the stream object as it is.
func TestDecodeTCPRedacted(t *testing.T) {
	out := decodeOutput(t, "text", pcap("ike-tcp-reset.pcap"), "", NewStreamRedactor())
	if strings.Contains(out, "192.0.2.") {
		t.Errorf("--redact shows an address:\n%s", out)
	}
	for _, want := range []string{"  peer-A:", " → peer-B:4500  IKE over TCP: client peer-A:", "  IKEv2 IKE_SA_INIT  initiator request  [tcp]\n",
		"IKE over TCP: reset (RST) by server peer-B:4500 after 3 IKE messages"} {
		if !strings.Contains(out, want) {
			t.Errorf("--redact lacks %q:\n%s", want, out)
		}
	}
	out = decodeOutput(t, "json", pcap("ike-tcp-no-ike.pcap"), "", NewStreamRedactor())
	if want := `"tcp":true,"stream":{"event":"not-ike","by":"client",`; strings.Contains(out, "192.0.2.") || !strings.Contains(out, want) {
		t.Errorf("-f json --redact: want %s and no address:\n%s", want, out)
	}
}

// The [tcp] tag joins the header line's other tags; a stream event's line, whose src and
// dst are the connection's client and server, starts the tree's relative times when it
// comes first.
func TestTreeTCPTag(t *testing.T) {
	client, server := netip.MustParseAddrPort("192.0.2.1:40000"), netip.MustParseAddrPort("192.0.2.2:4500")
	start := time.Date(2026, 12, 2, 17, 31, 27, 0, time.UTC)
	msgs := []*decode.Message{
		{Frame: 4, Time: start, Src: client, Dst: server, Kind: decode.KindStream, TCP: true,
			Stream: &decode.StreamEvent{Event: decode.StreamOpened, By: client}},
		{Frame: 9, Time: start.Add(1500 * time.Millisecond), Src: client, Dst: server, Kind: decode.KindESP, TCP: true, Truncated: true,
			ESP: decode.ESPHeader{SPI: 0xc1f2a3b4, Seq: 2, Len: 100}},
		{Frame: 12, Time: start.Add(2 * time.Second), Src: client, Dst: server, Kind: decode.KindStream, TCP: true,
			Stream: &decode.StreamEvent{Event: decode.StreamClosed, By: server, Messages: 4, ESP: 1, Pending: 10}},
	}
	var b strings.Builder
	tw := NewTreeWriter(&b)
	for _, m := range msgs {
		tw.Write(m)
	}
	tw.Flush()
	want := `frame 4  2026-12-02 17:31:27.000000 (+0.000s)  192.0.2.1:40000 → 192.0.2.2:4500  IKE over TCP: client 192.0.2.1:40000 sent the IKETCP prefix  [tcp]
frame 9  2026-12-02 17:31:28.500000 (+1.500s)  192.0.2.1:40000 → 192.0.2.2:4500  ESP spi 0xc1f2a3b4 seq 2, 100 bytes  [truncated by capture; tcp]
frame 12  2026-12-02 17:31:29.000000 (+2.000s)  192.0.2.1:40000 → 192.0.2.2:4500  IKE over TCP: closed (FIN) by server 192.0.2.2:4500 after 4 IKE messages and 1 ESP packets, 10 bytes of an unfinished frame  [tcp]
`
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// Package decode turns captured bytes into IKE and ESP messages.
//
// It reads pcap and pcapng captures (plain, gzip-compressed or from standard input),
// walks the link and network layers with gopacket's DecodingLayerParser, reassembles IPv4
// and IPv6 fragments, and decodes what travels on UDP 500 and 4500 and on IP protocol 50:
// ISAKMP messages (IKEv1, RFC 2408/2409 with the IPsec DOI of RFC 2407, and IKEv2,
// RFC 7296), the RFC 3948 non-ESP marker and NAT keepalive, and the ESP header, and on
// IP protocol 51 the Authentication Header (RFC 4302, ah.go) and what it protects. IKE and
// ESP over TCP (RFC 8229, RFC 9329) on port 4500 (and Decoder.TCPPorts) are put back in
// order with gopacket's reassembly package and split into their frames (tcp.go).
//
// decode is pure Go. Capture on a live interface, which needs libpcap through cgo, is in
// the subpackage decode/live; it feeds frames to a Decoder as the Reader does.
//
// The design goal is that a packet which is not IKE or ESP costs no allocation, and that
// nothing in a packet is trusted: every length and count is checked before it is used,
// a malformed message is decoded as far as it goes and carries errors naming the field
// and offset, and a message cut short by the capture's snap length is marked truncated,
// not malformed. Rules broken by a message that still parses (a KE value of the wrong
// length, an unpaired NAT detection payload, bytes after the last payload, IKE on UDP 4500
// without the non-ESP marker) are Anomalies, not errors. decode never prints and never panics.
//
// Memory: ISAKMP layers point into the bytes they were decoded from. The Reader copies
// each IKE datagram once, so the messages it returns stay valid after the next read.
//
// To add a payload type:
//  1. give it a name in names.go (PayloadType.String),
//  2. add a struct for its body and a parse function in payloads.go, called from
//     parsePayloadBody,
//  3. add a table test with bytes from a real capture.
package decode

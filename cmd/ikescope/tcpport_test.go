package main

import (
	"strings"
	"testing"
)

// decode's --tcp-port checks its ports. How decode renders IKE over TCP is tested in
// report (decode_tcp_test.go); the whole outputs are in testdata/decode (ike-tcp-*).
func TestDecodeTCPPort(t *testing.T) {
	for _, bad := range []string{"0", "65536", "ike"} {
		if _, errOut, code := runCmd(t, nil, "decode", "--tcp-port", bad, "../../pcaps/ike-tcp-reset.pcap"); code != exitError || !strings.Contains(errOut, "not a TCP port") {
			t.Errorf("--tcp-port %s: exit %d, %q", bad, code, errOut)
		}
	}
	if _, errOut, code := runCmd(t, nil, "decode", "--tcp-port", "10000", "../../pcaps/ike-tcp-reset.pcap"); code != exitOK {
		t.Errorf("--tcp-port 10000: exit %d, %q", code, errOut)
	}
}

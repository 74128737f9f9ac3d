package analyze_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/internal/decodetest"
)

// TestDraftNATD: tcpdump's ISAKMP_sa_setup is a Main Mode whose peers agree on NAT-T
// draft 07 (both send its Vendor ID), so MM3 and MM4 carry NAT-D as payload type 15, the
// number the drafts 04 to 08 gave it (IANA's 15 is GDOI's SAK, which Wireshark shows).
// Read as NAT-D, the hashes of the two sides' addresses match them: no NAT.
func TestDraftNATD(t *testing.T) {
	dir := decodetest.RequireCorpus(t)
	res := analyzeFile(t, filepath.Join(dir, "tcpdump/tests/ISAKMP_sa_setup.pcap"))
	s := res.Sessions[0]
	if s.NAT == nil || !s.NAT.Checked || !slices.Equal(s.NAT.Frames, []int{3, 4}) {
		t.Fatalf("NAT detection %+v, want checked in frames 3 and 4", s.NAT)
	}
	if s.NAT.InitiatorBehindNAT || s.NAT.ResponderBehindNAT || s.NAT.ResponderTranslated || s.NAT.InitiatorTranslated {
		t.Errorf("NAT detection %+v: the hashes match the addresses, no NAT", s.NAT)
	}
	for _, m := range s.Messages[2:4] {
		if !strings.HasSuffix(m.Payloads, "NAT-D (draft) NAT-D (draft)") {
			t.Errorf("frame %d payloads %q, want the two draft NAT-D last", m.Frame, m.Payloads)
		}
	}
}

// TestDeleteAnsweredEmptyThenMore: in scapy's ikev2_nat_t each IKE SA sees three
// encrypted Deletes answered empty (frames 13, 15, 17 for the first). An empty answer
// means the IKE SA went, or the SA named was gone already (RFC 7296 1.4.1); exchanges
// follow the first two, so only the last deleted the IKE SA.
func TestDeleteAnsweredEmptyThenMore(t *testing.T) {
	dir := decodetest.RequireCorpus(t)
	res := analyzeFile(t, filepath.Join(dir, "scapy/test/pcaps/ikev2_nat_t.pcapng"))
	var ike []int
	for _, e := range res.Sessions[0].Timeline {
		if e.Kind == analyze.EventDeleted && strings.HasPrefix(e.Detail, "the IKE SA") {
			ike = append(ike, e.Frame)
		}
	}
	if !slices.Equal(ike, []int{17}) {
		t.Errorf("IKE SA deleted at frames %v, want 17 only", ike)
	}
}

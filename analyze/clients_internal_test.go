package analyze

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// A gateway's day of remote-access clients, each from an address of its own, is
// followed one by one up to maxTrackedClients; the sessions of further clients are still
// counted, as untracked.
func TestClientTallyBounded(t *testing.T) {
	var tally clientTally
	gw := netip.AddrPortFrom(netip.AddrFrom4([4]byte{203, 0, 113, 2}), 4500)
	fs := []Finding{{Code: CodeUserAuthFailed, Severity: Error}}
	const n = maxTrackedClients + 100
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		s := &Session{ID: i + 1, RolesKnown: true, User: fmt.Sprintf("user%d", i), First: t0, Responder: gw,
			Initiator: netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}), 4500)}
		tally.add(s, fs)
	}
	cs := tally.summary()
	if cs.Clients != maxTrackedClients || cs.Sessions != n || cs.Untracked != 100 {
		t.Errorf("clients %d, sessions %d, untracked %d; want %d, %d, 100", cs.Clients, cs.Sessions, cs.Untracked, maxTrackedClients, n)
	}
}

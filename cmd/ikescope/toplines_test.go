package main

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ikescope/ikescope/analyze"
)

// The live view lists failed tunnels first, then the newest, and says when each last
// carried ESP.
func TestTunnelLinesOrderAndESP(t *testing.T) {
	now := time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC)
	ap := func(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }
	old := &analyze.Session{ID: 1, Initiator: ap("192.0.2.1:500"), Responder: ap("192.0.2.2:500"),
		State: "established", First: now.Add(-time.Hour),
		ESP: []*analyze.ESPFlow{{Last: now.Add(-5 * time.Second)}, {Last: now.Add(-30 * time.Second)}}}
	newer := &analyze.Session{ID: 2, Initiator: ap("192.0.2.3:500"), Responder: ap("192.0.2.2:500"),
		State: "established", First: now.Add(-time.Minute)}
	failed := &analyze.Session{ID: 3, Initiator: ap("192.0.2.4:500"), Responder: ap("192.0.2.2:500"),
		State: "no proposal chosen", Failed: true, First: now.Add(-2 * time.Hour)}

	lines := tunnelLines([]*analyze.Session{old, newer, failed}, now, 10)
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want 3: %q", len(lines), lines)
	}
	for i, want := range []string{"#3 ", "#2 ", "#1 "} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("line %d = %q, want session %s", i, lines[i], want)
		}
	}
	if !strings.Contains(lines[0], "no proposal chosen") || !strings.Contains(lines[0], "192.0.2.4:500 → 192.0.2.2:500") {
		t.Errorf("failed line = %q", lines[0])
	}
	if !strings.Contains(lines[1], "no ESP") {
		t.Errorf("line without ESP = %q", lines[1])
	}
	if !strings.Contains(lines[2], "ESP 5s ago") {
		t.Errorf("ESP line = %q, want the newest flow's age", lines[2])
	}
}

func TestTunnelLinesCapped(t *testing.T) {
	now := time.Now()
	var ss []*analyze.Session
	for i := 1; i <= 14; i++ {
		ss = append(ss, &analyze.Session{ID: i, First: now.Add(time.Duration(i) * time.Second)})
	}
	lines := tunnelLines(ss, now, 10)
	if len(lines) != 11 || lines[10] != "  … 4 more" {
		t.Fatalf("lines = %q, want 10 tunnels and \"… 4 more\"", lines)
	}
	if !strings.Contains(lines[0], "#14 ") {
		t.Errorf("first line = %q, want the newest session", lines[0])
	}
}

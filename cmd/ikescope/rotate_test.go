package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/ikescope/ikescope/decode"
)

// -w names files as tcpdump does: strftime conversions, and a number after the name
// when rotating without a time in the pattern, modulo -W.
func TestSaveName(t *testing.T) {
	now := time.Date(2026, 12, 2, 6, 5, 9, 0, time.UTC)
	tests := []struct {
		pattern   string
		seq, ring int
		rotating  bool
		want      string
	}{
		{"ike.pcapng", 0, 0, false, "ike.pcapng"},
		{"ike-%Y%m%d-%H%M%S.pcapng", 3, 0, true, "ike-20261202-060509.pcapng"},
		{"ike.pcapng", 0, 0, true, "ike.pcapng"},
		{"ike.pcapng", 2, 0, true, "ike.pcapng2"},
		{"ike.pcapng", 5, 3, true, "ike.pcapng2"},
		{"ike-%H.pcapng", 4, 3, true, "ike-06.pcapng1"},
	}
	for _, tt := range tests {
		if got := saveName(tt.pattern, now, tt.seq, tt.ring, tt.rotating); got != tt.want {
			t.Errorf("saveName(%q, seq %d, ring %d) = %q, want %q", tt.pattern, tt.seq, tt.ring, got, tt.want)
		}
	}
}

// -C starts a new file when the current one is full, -W keeps a ring: every file is a
// capture ikescope reads back.
func TestSaveRotates(t *testing.T) {
	dir := t.TempDir()
	lc := &liveCapture{flags: liveFlags{save: filepath.Join(dir, "ike.pcapng"), rotateMB: 1, rotateCount: 3}}
	lc.ngIntf = pcapgo.NgInterface{Name: "eth0", LinkType: layers.LinkTypeEthernet, SnapLength: 65535, TimestampResolution: 9}
	if err := lc.openSaveFile(time.Now()); err != nil {
		t.Fatal(err)
	}
	frame := make([]byte, 1400)
	start := time.Now()
	for i := 0; i < 3000; i++ { // 4.3 MB: four files, the ring keeps three names
		lc.saveFrame(gopacket.CaptureInfo{Timestamp: start.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(frame), Length: len(frame)}, frame)
	}
	lc.ng.Flush()
	lc.saveFile.Close()
	if lc.saveErr != nil {
		t.Fatal(lc.saveErr)
	}
	names, _ := filepath.Glob(filepath.Join(dir, "ike.pcapng*"))
	if len(names) != 3 {
		t.Fatalf("files %v, want a ring of 3", names)
	}
	for _, n := range names {
		st, err := os.Stat(n)
		if err != nil || st.Size() > 1_100_000 {
			t.Errorf("%s: %v, size %d, want at most about 1 MB", n, err, st.Size())
		}
		r, err := decode.Open(n)
		if err != nil {
			t.Fatalf("%s does not read back: %v", n, err)
		}
		for r.Next() {
		}
		if r.Err() != nil || r.Stats().Frames == 0 {
			t.Errorf("%s: %d frames, %v", n, r.Stats().Frames, r.Err())
		}
		r.Close()
	}
}

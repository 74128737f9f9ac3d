package main

import (
	"testing"
	"time"
)

// Durations take plain seconds as tcpdump and tshark users give them, or Go durations.
func TestSecondsOrDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"6": 6 * time.Second, "2.5": 2500 * time.Millisecond, "90s": 90 * time.Second, "10m": 10 * time.Minute} {
		var d time.Duration
		if err := (secondsOrDuration{&d}).Set(in); err != nil || d != want {
			t.Errorf("%q: %s, %v; want %s", in, d, err, want)
		}
	}
	var d time.Duration
	if err := (secondsOrDuration{&d}).Set("soon"); err == nil {
		t.Error(`"soon" accepted as a duration`)
	}
	if _, _, code := runCmd(t, nil, "analyze", "--reply-timeout", "6", "../../pcaps/ikev2-psk.pcap"); code != exitOK {
		t.Errorf("--reply-timeout 6: exit %d", code)
	}
}

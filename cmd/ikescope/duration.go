package main

import (
	"strconv"
	"time"
)

// secondsOrDuration is a flag value that takes plain seconds, as tcpdump's and tshark's
// users give them ("6", "2.5"), or a Go duration ("90s", "10m").
type secondsOrDuration struct{ d *time.Duration }

func (v secondsOrDuration) String() string {
	if v.d == nil {
		return "0s"
	}
	return v.d.String()
}

func (v secondsOrDuration) Set(s string) error {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		*v.d = time.Duration(f * float64(time.Second))
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return &usageError{"not a duration: " + strconv.Quote(s) + " (give seconds, like 6 or 2.5, or a duration, like 90s or 10m)"}
	}
	*v.d = d
	return nil
}

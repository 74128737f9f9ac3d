package main

import (
	"fmt"
	"io"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/decode/ikecrypt"
)

// maxFingerprints bounds what the first pass keeps of each capture to line the clocks
// up: the first packets suffice, and memory stays flat for long captures.
const maxFingerprints = 200_000

// feedMerged analyses several captures of one tunnel as one story: a first pass reads
// each capture's IKE messages and ESP packets to line the clocks up from the packets
// they share, a second feeds them to the analysis merged on the common timeline.
// Captures that cannot be read are reported and left out.
func feedMerged(a *analyze.Analyzer, dec *ikecrypt.Decrypter, names []string, filter *captureFilter, stderr io.Writer) error {
	var readErr error
	fail := func(err error) {
		fmt.Fprintf(stderr, "ikescope: %s\n", oneLine(err.Error()))
		readErr = errAlreadyReported
	}
	var readers []*decode.Reader
	var prints [][]analyze.Fingerprint
	for _, name := range names {
		fp, err := fingerprints(name, filter)
		if err != nil {
			fail(err)
			continue
		}
		r, err := decode.Open(name)
		if err != nil {
			fail(err)
			continue
		}
		defer r.Close()
		filter.apply(r)
		readers = append(readers, r)
		prints = append(prints, fp)
	}
	if len(readers) == 0 {
		return readErr
	}
	srcs := make([]analyze.Source, len(readers))
	names = names[:0]
	for i, r := range readers {
		srcs[i] = r
		names = append(names, r.Name())
	}
	offsets := a.LineUp(names, prints)
	for _, err := range a.FeedMerged(srcs, offsets, dec.Open) {
		if err != nil {
			fail(err)
		}
	}
	return readErr
}

// fingerprints reads a capture's IKE messages and ESP packets, through the filter, as
// fingerprints.
func fingerprints(name string, filter *captureFilter) ([]analyze.Fingerprint, error) {
	r, err := decode.Open(name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	filter.apply(r)
	var out []analyze.Fingerprint
	for r.Next() && len(out) < maxFingerprints {
		if fp, ok := analyze.FingerprintOf(r.Message()); ok {
			out = append(out, fp)
		}
	}
	return out, r.Err()
}

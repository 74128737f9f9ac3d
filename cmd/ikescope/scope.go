package main

import (
	"encoding/hex"
	"flag"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/ikescope/ikescope/analyze"
)

// scopeFlags narrow a report to one peer or one SA: --peer ADDR and --spi HEX.
type scopeFlags struct {
	peer, spi string
}

func addScopeFlags(fs *flag.FlagSet) *scopeFlags {
	sf := &scopeFlags{}
	fs.StringVar(&sf.peer, "peer", "", "report only the sessions with the address `ADDR` on either side, their findings and ESP flows")
	fs.StringVar(&sf.spi, "spi", "", "report only the session with the IKE SPI (16 hex digits) or ESP SPI (up to 8, as 0x1a2b3c4d or 1a2b3c4d) `HEX`, or the ESP flow without one")
	return sf
}

// scope is what a report is narrowed to; the zero scope keeps everything.
type scope struct {
	peer   netip.Addr
	ikeSPI *analyze.SPI
	espSPI *uint32
}

func (sf *scopeFlags) parse() (scope, error) {
	var sc scope
	if sf.peer != "" {
		a, err := netip.ParseAddr(sf.peer)
		if err != nil {
			return sc, &usageError{fmt.Sprintf("--peer takes an IPv4 or IPv6 address, not %q", sf.peer)}
		}
		sc.peer = a.Unmap()
	}
	if sf.spi != "" {
		h := strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(sf.spi, "0x"), "0X"))
		bad := &usageError{fmt.Sprintf("--spi takes an IKE SPI of 16 hex digits or an ESP SPI of up to 8, not %q", sf.spi)}
		switch {
		case len(h) == 16:
			var s analyze.SPI
			if _, err := hex.Decode(s[:], []byte(h)); err != nil {
				return sc, bad
			}
			sc.ikeSPI = &s
		case len(h) >= 1 && len(h) <= 8:
			v, err := strconv.ParseUint(h, 16, 32)
			if err != nil {
				return sc, bad
			}
			e := uint32(v)
			sc.espSPI = &e
		default:
			return sc, bad
		}
	}
	return sc, nil
}

func (sc scope) all() bool { return !sc.peer.IsValid() && sc.ikeSPI == nil && sc.espSPI == nil }

// narrow keeps the sessions in scope with their findings and ESP flows, and the ESP
// flows of no session that are. Findings that belong to no session (about the capture:
// no IKE at all, a short snap length, fragments that never completed) stay, unless
// every frame they cite belongs to a session left out.
func (sc scope) narrow(r *analyze.Result) *analyze.Result {
	if sc.all() {
		return r
	}
	t := newScopeTracker(sc)
	kept := r.Sessions[:0:0]
	for _, s := range r.Sessions {
		if t.take(s) {
			kept = append(kept, s)
		}
	}
	out := t.narrow(r)
	out.Sessions = kept
	return out
}

// scopeTracker narrows sessions one by one, as the analysis hands them over: it
// remembers which frames belong to some session and which to a session kept (a bit per
// frame), and which sessions it kept, to narrow the findings of no session at the end.
type scopeTracker struct {
	sc          scope
	known, mine frameSet
	kept        map[int]bool
}

func newScopeTracker(sc scope) *scopeTracker {
	return &scopeTracker{sc: sc, kept: map[int]bool{}}
}

// take reports whether a session is in scope, noting its frames.
func (t *scopeTracker) take(s *analyze.Session) bool {
	in := t.sc.session(s)
	if in {
		t.kept[s.ID] = true
	}
	for _, m := range s.Messages {
		t.known.add(m.Frame)
		if in {
			t.mine.add(m.Frame)
		}
	}
	return in
}

// narrow gives what r holds outside its sessions, in scope: the findings of no session
// (about the capture: no IKE at all, a short snap length, fragments that never
// completed) unless every frame they cite belongs to a session left out, the findings of
// a session kept, and the ESP flows of no session that are in scope. Its Sessions are
// r's, as they are (the analysis handed them over).
func (t *scopeTracker) narrow(r *analyze.Result) *analyze.Result {
	out := *r
	out.Findings = []analyze.Finding{}
	out.Orphans = []*analyze.ESPFlow{}
	for _, f := range r.Findings {
		if f.Session != 0 {
			if t.kept[f.Session] {
				out.Findings = append(out.Findings, f)
			}
			continue
		}
		keep, cited := false, false
		for _, fr := range f.Frames {
			keep = keep || t.mine.has(fr)
			cited = cited || t.known.has(fr)
		}
		if keep || !cited {
			out.Findings = append(out.Findings, f)
		}
	}
	for _, e := range r.Orphans {
		if t.sc.flow(e) {
			out.Orphans = append(out.Orphans, e)
		}
	}
	return &out
}

// frameSet is a set of frame references: a bit each for the frames of the first
// capture, a map for the references of the others (with several captures).
type frameSet struct {
	bits  []uint64
	other map[int]bool
}

// maxFrameBit bounds the frame numbers kept as bits (references of later captures are
// capture<<32|frame).
const maxFrameBit = 1 << 32

func (fs *frameSet) add(f int) {
	switch {
	case f < 0:
	case f >= maxFrameBit:
		if fs.other == nil {
			fs.other = map[int]bool{}
		}
		fs.other[f] = true
	default:
		for f/64 >= len(fs.bits) {
			fs.bits = append(fs.bits, 0)
		}
		fs.bits[f/64] |= 1 << (f % 64)
	}
}

func (fs *frameSet) has(f int) bool {
	if f >= maxFrameBit {
		return fs.other[f]
	}
	return f >= 0 && f/64 < len(fs.bits) && fs.bits[f/64]&(1<<(f%64)) != 0
}

func (sc scope) session(s *analyze.Session) bool {
	if sc.peer.IsValid() && !sc.peerOf(s) {
		return false
	}
	if sc.ikeSPI != nil && s.InitiatorSPI != *sc.ikeSPI && s.ResponderSPI != *sc.ikeSPI {
		return false
	}
	if sc.espSPI != nil {
		found := false
		for _, e := range s.ESP {
			found = found || e.SPI == *sc.espSPI
		}
		if !found {
			return false
		}
	}
	return true
}

// peerOf reports whether the peer is on either side of s, under any address it was
// seen with (a NAT'd initiator shows several).
func (sc scope) peerOf(s *analyze.Session) bool {
	if sc.is(s.Initiator.Addr()) || sc.is(s.Responder.Addr()) {
		return true
	}
	for _, m := range s.Messages {
		if sc.is(m.Src.Addr()) || sc.is(m.Dst.Addr()) {
			return true
		}
	}
	for _, e := range s.ESP {
		if sc.is(e.Src.Addr()) || sc.is(e.Dst.Addr()) {
			return true
		}
	}
	return false
}

func (sc scope) flow(e *analyze.ESPFlow) bool {
	if sc.peer.IsValid() && !sc.is(e.Src.Addr()) && !sc.is(e.Dst.Addr()) {
		return false
	}
	if sc.ikeSPI != nil {
		return false // a flow of no session has no IKE SA
	}
	return sc.espSPI == nil || e.SPI == *sc.espSPI
}

func (sc scope) is(a netip.Addr) bool { return a.Unmap() == sc.peer }

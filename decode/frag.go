package decode

import (
	"net/netip"
	"sort"
	"time"
)

// Fragment reassembly for IPv4 and IPv6 (RFC 791, RFC 8200 4.5). It is our own rather than
// gopacket's ip4defrag because the analysis needs the facts of fragmentation (which frames,
// which pieces never came) and because IKE over IPv6 fragments too.

const (
	fragTimeout = 30 * time.Second // RFC 8200 reassembly timeout is 60 s; 30 s is Linux's default
	maxFragSets = 1024             // datagrams under reassembly at once
	maxDatagram = 65535 + 8
	// A real IKE datagram comes in a handful of fragments; a set with more pieces than
	// this is hostile or broken and is no longer stored, so its cost stays bounded.
	maxPieces = 256
	maxFrames = 64 // frame numbers kept per datagram
)

type fragKey struct {
	src, dst netip.Addr
	id       uint32
	proto    uint8
}

type fragPiece struct {
	off  int
	data []byte
	size int // what its IP header says it carries: more than data when the snap length cut it
}

type fragSet struct {
	key      fragKey
	frames   []int
	pieces   []fragPiece
	total    int // payload length once the last fragment is seen, else -1
	received int // bytes the capture holds
	declared int // bytes the pieces' IP headers say they carry
	first    time.Time
	last     time.Time
	cut      bool // a fragment was cut by the snap length
	bad      bool // overlapping or oversized pieces
}

type reassembler struct {
	sets  map[fragKey]*fragSet
	order []*fragSet // oldest first, for eviction
}

func (r *reassembler) init() { r.sets = map[fragKey]*fragSet{} }

// add stores a fragment and returns the whole datagram payload once every piece is there.
// When too many datagrams are under reassembly the oldest is given to evict.
//
// size is what the fragment's IP header says it carries. When the snap length cut some
// fragments, every piece can be there on the wire while the capture holds only their
// beginnings: the datagram is then complete, and what is returned is the part of it the
// capture holds from its start (the caller reads it as cut).
func (r *reassembler) add(k fragKey, frame int, t time.Time, off int, more bool, data []byte, size int, cut bool, evict func(*fragSet)) (*fragSet, []byte) {
	if !cut || size < len(data) {
		size = len(data)
	}
	fs := r.sets[k]
	if fs == nil {
		if len(r.order) >= maxFragSets {
			old := r.order[0]
			r.drop(old)
			evict(old)
		}
		fs = &fragSet{key: k, total: -1, first: t}
		r.sets[k] = fs
		r.order = append(r.order, fs)
	}
	fs.last = t
	if len(fs.frames) < maxFrames {
		fs.frames = append(fs.frames, frame)
	}
	fs.cut = fs.cut || cut
	if off+size > maxDatagram || len(fs.pieces) >= maxPieces {
		fs.bad = true
		return fs, nil
	}
	for _, p := range fs.pieces {
		if p.off == off && len(p.data) == len(data) {
			return fs, nil // a duplicate: the first copy stands
		}
	}
	fs.pieces = append(fs.pieces, fragPiece{off: off, data: append([]byte(nil), data...), size: size})
	fs.received += len(data)
	fs.declared += size
	if !more {
		fs.total = off + size
	}
	if fs.total < 0 || fs.declared < fs.total {
		return fs, nil
	}
	whole := fs.assemble()
	if whole != nil {
		r.drop(fs)
	}
	return fs, whole
}

// assemble returns the datagram when the pieces cover it from 0 to total, else nil.
func (fs *fragSet) assemble() []byte {
	if fs.total < 0 || fs.bad {
		return nil
	}
	sort.SliceStable(fs.pieces, func(i, j int) bool { return fs.pieces[i].off < fs.pieces[j].off })
	if !fs.assembleCheck() {
		return nil
	}
	whole := make([]byte, fs.total)
	for i := len(fs.pieces) - 1; i >= 0; i-- { // earlier pieces win where they overlap
		p := fs.pieces[i]
		if p.off < fs.total {
			copy(whole[p.off:], p.data)
		}
	}
	// What the capture holds from the start: up to the first piece it cut.
	held := 0
	for _, p := range fs.pieces {
		if p.off > held {
			break
		}
		held = max(held, p.off+len(p.data))
		if len(p.data) < p.size {
			break
		}
	}
	return whole[:min(held, fs.total)]
}

func (fs *fragSet) firstPiece() []byte {
	for _, p := range fs.pieces {
		if p.off == 0 {
			return p.data
		}
	}
	return nil
}

func (fs *fragSet) facts() *Fragments {
	f := &Fragments{
		Frames:   append([]int(nil), fs.frames...),
		Received: fs.received,
		First:    fs.firstPiece() != nil,
		Last:     fs.total >= 0,
	}
	if fs.total >= 0 {
		f.Total = fs.total
	}
	f.Complete = f.Last && fs.assembleCheck()
	return f
}

func (fs *fragSet) assembleCheck() bool {
	covered := 0
	for _, p := range fs.pieces { // sorted by assemble
		if p.off > covered {
			return false
		}
		if end := p.off + p.size; end > covered {
			covered = end
		}
	}
	return covered >= fs.total
}

func (r *reassembler) drop(fs *fragSet) {
	delete(r.sets, fs.key)
	for i, o := range r.order {
		if o == fs {
			r.order = append(r.order[:i], r.order[i+1:]...)
			break
		}
	}
}

// expire reports and forgets fragment sets older than the timeout at time now.
func (r *reassembler) expire(now time.Time, report func(*fragSet)) {
	for len(r.order) > 0 && now.Sub(r.order[0].first) > fragTimeout {
		fs := r.order[0]
		r.drop(fs)
		report(fs)
	}
}

func (r *reassembler) expireAll(report func(*fragSet)) {
	for len(r.order) > 0 {
		fs := r.order[0]
		r.drop(fs)
		report(fs)
	}
}

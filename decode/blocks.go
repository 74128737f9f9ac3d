package decode

// The Decoder hands every IKE message to its caller to keep, so the structures of its
// payloads cannot be reused from one message to the next unless the caller says it keeps
// nothing of them (Decoder.Recycle). They are taken from blocks instead: one allocation
// serves a block's worth of notifies, transforms or attributes, and a value handed out is
// never handed out again before a Recycle (a kept message stays whole; its block lives as
// long as something points into it). Decoding a message like the last one then costs the
// copy of its bytes and, now and then, a new block; with Recycle, the copy alone.

// blockLen is how many values a block holds.
const blockLen = 64

// block hands out values of T from blocks of blockLen; with on unset, each value is
// allocated on its own (a message decoded on its own, ParseISAKMP or the payloads of a
// decrypted message, which may be kept long: it should not hold a block). Once
// recycling, it keeps every block it used and starts again from the first one at each
// recycle.
type block[T any] struct {
	on     bool
	free   []T
	blocks [][]T // the blocks used since the last recycle, and before it (recycling)
	next   int   // the block to take once free runs out
}

// refill gives free a whole block: the next of those used before (cleared) when
// recycling, a new one otherwise.
func (b *block[T]) refill() {
	switch {
	case b.blocks == nil:
		b.free = make([]T, blockLen)
		return
	case b.next < len(b.blocks):
		b.free = b.blocks[b.next]
		clear(b.free)
	default:
		b.free = make([]T, blockLen)
		b.blocks = append(b.blocks, b.free)
	}
	b.next++
}

// recycle lets every value handed out be handed out again.
func (b *block[T]) recycle() {
	if b.blocks == nil {
		b.blocks = [][]T{} // from now on, blocks are kept
	}
	b.free, b.next = nil, 0
}

// one returns a new zero T.
func (b *block[T]) one() *T {
	if !b.on {
		return new(T)
	}
	if len(b.free) == 0 {
		b.refill()
	}
	v := &b.free[0]
	b.free = b.free[1:]
	return v
}

// copyOf returns a copy of s whose capacity is its length (appending to it allocates);
// nil for an empty s, as appending nothing to nil gives.
func (b *block[T]) copyOf(s []T) []T {
	if len(s) == 0 {
		return nil
	}
	if !b.on || len(s) > blockLen/4 {
		return append([]T(nil), s...)
	}
	if len(s) > len(b.free) {
		b.refill()
	}
	out := b.free[:len(s):len(s)]
	copy(out, s)
	b.free = b.free[len(s):]
	return out
}

// bodies allocates the decoded payloads of one decoder's messages. The scratch slices
// collect the values of one list (an SA's proposals, a proposal's transforms) before
// copyOf gives them their place; no list holds a list of its own kind, so one scratch
// slice per kind serves the nesting.
type bodies struct {
	isakmp     block[ISAKMP]
	payloads   block[Payload]
	sas        block[SA]
	proposals  block[Proposal]
	transforms block[Transform]
	attributes block[Attribute]
	notifies   block[Notify]
	kes        block[KeyExchange]
	auths      block[Authentication]
	ids        block[Identification]
	deletes    block[Delete]
	spis       block[[]byte]
	vids       block[VendorID]
	tss        block[TrafficSelectors]
	selectors  block[TrafficSelector]
	encrypted  block[Encrypted]
	fragments  block[V1Fragment]
	u16s       block[uint16]

	payloadScratch   []Payload
	proposalScratch  []Proposal
	transformScratch []Transform
	attributeScratch []Attribute
	selectorScratch  []TrafficSelector
	spiScratch       [][]byte
	u16Scratch       []uint16
}

// newBlockBodies returns bodies that allocate by blocks, for a Decoder.
func newBlockBodies() *bodies {
	b := &bodies{}
	b.isakmp.on, b.payloads.on, b.sas.on, b.proposals.on = true, true, true, true
	b.transforms.on, b.attributes.on, b.notifies.on, b.kes.on = true, true, true, true
	b.auths.on, b.ids.on, b.deletes.on, b.spis.on, b.vids.on = true, true, true, true, true
	b.tss.on, b.selectors.on, b.encrypted.on, b.fragments.on, b.u16s.on = true, true, true, true, true
	return b
}

// recycle lets the decoder reuse every structure it handed out (Decoder.Recycle).
func (b *bodies) recycle() {
	b.isakmp.recycle()
	b.payloads.recycle()
	b.sas.recycle()
	b.proposals.recycle()
	b.transforms.recycle()
	b.attributes.recycle()
	b.notifies.recycle()
	b.kes.recycle()
	b.auths.recycle()
	b.ids.recycle()
	b.deletes.recycle()
	b.spis.recycle()
	b.vids.recycle()
	b.tss.recycle()
	b.selectors.recycle()
	b.encrypted.recycle()
	b.fragments.recycle()
	b.u16s.recycle()
}

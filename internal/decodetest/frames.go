package decodetest

import (
	"os"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// Frame is one frame of a capture as tests read and write them.
type Frame struct {
	CI   gopacket.CaptureInfo
	Data []byte
}

// ReadFrames reads every frame of a classic pcap file, and its link type.
func ReadFrames(tb testing.TB, path string) ([]Frame, layers.LinkType) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	var out []Frame
	for {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		out = append(out, Frame{ci, data})
	}
	return out, r.LinkType()
}

// WriteFrames writes frames as a classic pcap of the given link type and snap length.
// Each frame's captured length is its data's; its wire length too, unless cut is set and
// the frame's own is larger (a frame the snap length cut).
func WriteFrames(tb testing.TB, path string, link layers.LinkType, snap uint32, cut bool, frames []Frame) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(snap, link); err != nil {
		tb.Fatal(err)
	}
	for _, fr := range frames {
		ci := fr.CI
		ci.CaptureLength = len(fr.Data)
		if !cut || ci.Length < len(fr.Data) {
			ci.Length = len(fr.Data)
		}
		if err := w.WritePacket(ci, fr.Data); err != nil {
			tb.Fatal(err)
		}
	}
}

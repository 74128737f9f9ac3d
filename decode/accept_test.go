package decode

import (
	"bytes"
	"slices"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// TestAccept: a frame Accept refuses is counted but not decoded, so frame numbers stay
// those of the file; Accept sees each frame's own link type in a pcapng.
func TestAccept(t *testing.T) {
	v4 := ikeOverIPv4(t)
	frames := []frame{{data: ether(t, layers.EthernetTypeIPv4, v4)}, {data: v4}, {data: ether(t, layers.EthernetTypeIPv4, v4)}}
	r, err := NewReader("test.pcapng", bytes.NewReader(writePcapng(t, []uint16{1, 101}, frames, []int{0, 1, 0})), nil)
	if err != nil {
		t.Fatal(err)
	}
	var links []layers.LinkType
	r.Accept = func(link layers.LinkType, ci gopacket.CaptureInfo, data []byte) bool {
		links = append(links, link)
		return link == layers.LinkTypeEthernet
	}
	var got []int
	for r.Next() {
		got = append(got, r.Message().Frame)
	}
	if r.Err() != nil {
		t.Fatal(r.Err())
	}
	if want := []int{1, 3}; !slices.Equal(got, want) {
		t.Errorf("frames decoded %v, want %v", got, want)
	}
	if want := []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeRaw, layers.LinkTypeEthernet}; !slices.Equal(links, want) {
		t.Errorf("Accept saw link types %v, want %v", links, want)
	}
	if r.Frames() != 3 {
		t.Errorf("Frames() = %d, want 3", r.Frames())
	}
}

// TestStop: after Stop the reader returns what the current frame completes, then ends
// as at the end of the capture, without reading further.
func TestStop(t *testing.T) {
	v4 := ether(t, layers.EthernetTypeIPv4, ikeOverIPv4(t))
	r, err := NewReader("test.pcap", bytes.NewReader(writePcapng(t, []uint16{1}, []frame{{data: v4}, {data: v4}, {data: v4}}, []int{0, 0, 0})), nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	r.Accept = func(layers.LinkType, gopacket.CaptureInfo, []byte) bool {
		if n++; n == 2 {
			r.Stop()
		}
		return true
	}
	var got []int
	for r.Next() {
		got = append(got, r.Message().Frame)
	}
	if r.Err() != nil {
		t.Fatal(r.Err())
	}
	if want := []int{1, 2}; !slices.Equal(got, want) {
		t.Errorf("frames decoded %v, want %v", got, want)
	}
	if r.Frames() != 2 {
		t.Errorf("Frames() = %d, want 2: Stop reads no further", r.Frames())
	}
}

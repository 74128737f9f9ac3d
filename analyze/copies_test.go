package analyze_test

import (
	"encoding/binary"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/google/gopacket/layers"

	"github.com/ikescope/ikescope/internal/decodetest"
)

// sentAgain is a frame of an Ethernet/IPv4/UDP capture sent again: a copy of frame n
// (1-based), delay later, with a new IPv4 identification (another datagram, as a
// retransmission is) and, when id is not zero, a new ISAKMP message ID (another
// message of the same SA). The UDP checksum is left out (zero), as IPv4 allows.
type sentAgain struct {
	n     int
	delay time.Duration
	id    uint32
}

// withSentAgain writes a recorded capture with frames sent again (made in the test, not
// recorded so), in time order.
func withSentAgain(t *testing.T, name string, again ...sentAgain) string {
	t.Helper()
	return withSentAgainAt(t, pcap(name), again...)
}

// withSentAgainAt is withSentAgain for a capture at a path.
func withSentAgainAt(t *testing.T, path string, again ...sentAgain) string {
	t.Helper()
	frames, link := decodetest.ReadFrames(t, path)
	if link != layers.LinkTypeEthernet {
		t.Fatalf("%s: link type %v, want Ethernet", path, link)
	}
	for k, a := range again {
		f := frames[a.n-1]
		b := append([]byte(nil), f.Data...)
		const ip = 14
		ihl := int(b[ip]&15) * 4
		udp := ip + ihl
		binary.BigEndian.PutUint16(b[ip+4:], binary.BigEndian.Uint16(b[ip+4:])+uint16(0x101*(k+1)))
		b[ip+10], b[ip+11] = 0, 0
		var sum uint32
		for i := ip; i < ip+ihl; i += 2 {
			sum += uint32(binary.BigEndian.Uint16(b[i:]))
		}
		for sum>>16 != 0 {
			sum = sum&0xffff + sum>>16
		}
		binary.BigEndian.PutUint16(b[ip+10:], ^uint16(sum))
		b[udp+6], b[udp+7] = 0, 0
		if a.id != 0 {
			isakmp := udp + 8
			if binary.BigEndian.Uint16(b[udp:]) == 4500 || binary.BigEndian.Uint16(b[udp+2:]) == 4500 {
				isakmp += 4 // the non-ESP marker
			}
			binary.BigEndian.PutUint32(b[isakmp+20:], a.id)
		}
		f.Data = b
		f.CI.Timestamp = f.CI.Timestamp.Add(a.delay)
		frames = append(frames, f)
	}
	sort.SliceStable(frames, func(i, j int) bool { return frames[i].CI.Timestamp.Before(frames[j].CI.Timestamp) })
	out := filepath.Join(t.TempDir(), "again.pcap")
	decodetest.WriteFrames(t, out, link, 65535, false, frames)
	return out
}

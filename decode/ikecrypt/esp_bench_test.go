package ikecrypt

import (
	"net/netip"
	"testing"

	"github.com/ikescope/ikescope/decode"
)

// espMessages seals n echo requests of size bytes under the SA with spi among
// espKernelStates.
func espMessages(t testing.TB, spi uint32, n, size int) (*Keys, []*decode.Message) {
	keys := parseKeysText(t, "xfrm-state.txt", espKernelStates)
	var k *ESPKeys
	for _, e := range keys.ESP {
		if e.SPI == spi {
			k = e
		}
	}
	var msgs []*decode.Message
	for i := range n {
		inner := icmpEcho("10.1.0.1", "10.2.0.1", 1, uint16(i))
		inner = append(inner, make([]byte, max(0, size-len(inner)))...)
		raw := sealESP(t, k, uint32(i+1), 4, inner)
		msgs = append(msgs, &decode.Message{Kind: decode.KindESP, Dst: netip.MustParseAddrPort("192.0.2.2:0"),
			ESP: decode.ESPHeader{SPI: spi, Seq: uint32(i + 1), Len: len(raw) - 8, Raw: raw}})
	}
	return keys, msgs
}

var espBenchSAs = []struct {
	name string
	spi  uint32
}{
	{"AES-CBC-256+SHA256", 0x1002}, {"3DES+MD5", 0x1003}, {"AES-CTR+SHA256", 0x1006},
	{"AES-GCM-8", 0x1007}, {"AES-GCM-16", 0x1009}, {"ChaCha20-Poly1305", 0x100a}, {"NULL+SHA256", 0x100b},
}

// Opening ESP reuses the Decrypter's buffers: no allocation per packet once warm.
func TestESPOpenAllocs(t *testing.T) {
	for _, c := range espBenchSAs {
		keys, msgs := espMessages(t, c.spi, 4, 1400)
		d := NewDecrypter(keys)
		for _, m := range msgs {
			d.Open(m)
		}
		i := 0
		allocs := testing.AllocsPerRun(200, func() {
			m := msgs[i%len(msgs)]
			m.Inner = nil
			d.Open(m)
			i++
		})
		if allocs != 0 || msgs[0].Inner == nil || msgs[0].Inner.Err != nil {
			t.Errorf("%s: %v allocations per packet (inner %+v), want 0", c.name, allocs, msgs[0].Inner)
		}
	}
}

func BenchmarkESPOpen(b *testing.B) {
	for _, c := range espBenchSAs {
		b.Run(c.name, func(b *testing.B) {
			keys, msgs := espMessages(b, c.spi, 16, 1400)
			d := NewDecrypter(keys)
			b.ReportAllocs()
			b.SetBytes(int64(len(msgs[0].ESP.Raw)))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				d.Open(msgs[i%len(msgs)])
			}
		})
	}
}

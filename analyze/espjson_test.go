package analyze

import (
	"encoding/json"
	"strings"
	"testing"
)

// ESP SPIs are written as IKE SPIs are: hex strings, here of 8 digits, and the flow's
// other fields keep their names.
func TestESPFlowJSON(t *testing.T) {
	b, err := json.Marshal(&ESPFlow{SPI: 0xc0ffee, Packets: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), `{"spi":"00c0ffee",`) || !strings.Contains(string(b), `"packets":3`) {
		t.Errorf("ESP flow JSON = %s", b)
	}
	b, err = json.Marshal(Session{ESP: []*ESPFlow{{SPI: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"esp_flows":[{"spi":"00000001",`) {
		t.Errorf("session JSON = %s", b)
	}
}

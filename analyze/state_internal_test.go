package analyze

import (
	"testing"
	"time"

	"github.com/ikescope/ikescope/decode"
)

// The state machine on message sequences that decide it, each message reduced to what
// advance reads (step, direction, the clear head of the SK payload).
func TestAdvance(t *testing.T) {
	v1 := func(st Step, resp bool) *Msg {
		return &Msg{Step: st, ExchangeType: st.Exchange(), Response: resp, Encrypted: st.N() >= 5 || st.Exchange() != decode.ExchangeMainMode}
	}
	v2 := func(st Step, first decode.PayloadType) *Msg {
		return &Msg{v2: true, Step: st, ExchangeType: st.Exchange(), Response: st.N() == 2, hasSK: first != decode.PayloadNone, skFirst: first, skLen: 400}
	}
	none := decode.PayloadNone
	tests := []struct {
		name     string
		msgs     []*Msg
		up       bool
		children int
	}{
		{"main mode to MM5", []*Msg{v1(StepMM1, false), v1(StepMM2, true), v1(StepMM3, false), v1(StepMM4, true), v1(StepMM5, false)}, false, 0},
		{"main mode and quick mode", []*Msg{v1(StepMM5, false), v1(StepMM6, true), v1(StepQM1, false), v1(StepQM2, true), v1(StepQM3, false)}, true, 1},
		{"quick mode only (capture began later)", []*Msg{v1(StepQM1, false), v1(StepQM2, true)}, true, 0},
		{"IKE_AUTH accepted", []*Msg{v2(StepIKESAInitRequest, none), v2(StepIKESAInitResponse, none), v2(StepIKEAuthRequest, decode.PayloadIDi), v2(StepIKEAuthResponse, decode.PayloadIDr)}, true, 1},
		{"IKE_AUTH refused", []*Msg{v2(StepIKEAuthRequest, decode.PayloadIDi), v2(StepIKEAuthResponse, decode.PayloadNotify)}, false, 0},
		{"EAP round, then nothing", []*Msg{v2(StepIKEAuthRequest, decode.PayloadIDi), v2(StepIKEAuthResponse, decode.PayloadIDr), v2(StepIKEAuthRequest, decode.PayloadEAP), v2(StepIKEAuthResponse, decode.PayloadEAP)}, false, 0},
		{"EAP rounds, final AUTH", []*Msg{v2(StepIKEAuthRequest, decode.PayloadIDi), v2(StepIKEAuthResponse, decode.PayloadIDr), v2(StepIKEAuthRequest, decode.PayloadEAP), v2(StepIKEAuthResponse, decode.PayloadEAP), v2(StepIKEAuthRequest, decode.PayloadAuth), v2(StepIKEAuthResponse, decode.PayloadAuth)}, true, 1},
		{"CREATE_CHILD_SA (capture began later)", []*Msg{v2(StepCreateChildRequest, decode.PayloadSA), v2(StepCreateChildResponse, decode.PayloadSA)}, true, 1},
		{"CREATE_CHILD_SA refused", []*Msg{v2(StepCreateChildRequest, decode.PayloadSA), {v2: true, Step: StepCreateChildResponse, ExchangeType: decode.ExchangeCreateChildSA, Response: true, hasSK: true, skFirst: decode.PayloadNotify, skLen: 40}}, true, 0},
	}
	for _, tt := range tests {
		var st saState
		for i, m := range tt.msgs {
			m.Time, m.Frame = time.Unix(int64(i), 0), i+1
			st = advance(st, m, func(*Msg) bool { return true })
		}
		if st.established != tt.up || st.children != tt.children {
			t.Errorf("%s: up %v, %d IPsec SAs; want %v, %d", tt.name, st.established, st.children, tt.up, tt.children)
		}
	}
}

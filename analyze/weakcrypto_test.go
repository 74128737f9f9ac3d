package analyze

import (
	"strings"
	"testing"
)

// Weak algorithms are graded as RFC 8247 grades them, and hash functions are named as
// the proposal names them, with their role.
func TestWeaknessGrades(t *testing.T) {
	tests := []struct {
		name                 string
		p                    Proposal
		v2                   bool
		broken, deprecated   string
		causeHas, causeLacks string
	}{
		{"IKEv1 legacy", Proposal{Protocol: "ISAKMP", Encryption: []string{"3DES"}, Integrity: []string{"SHA1"}, Groups: []string{"MODP_1024"}, GroupIDs: []uint16{2}}, false,
			"", "3DES, SHA1 hash, MODP_1024", "not broken in practice", "decrypted"},
		{"IKEv1 broken", Proposal{Protocol: "ISAKMP", Encryption: []string{"DES"}, Integrity: []string{"MD5"}, Groups: []string{"MODP_768"}, GroupIDs: []uint16{1}}, false,
			"DES, MD5 hash, MODP_768", "", "practical attacks on the algorithm itself", "not broken"},
		{"IKEv2", Proposal{Protocol: "IKE", Encryption: []string{"AES-CBC-128"}, Integrity: []string{"HMAC-MD5-96", "HMAC-SHA1-96"}, PRF: []string{"HMAC-SHA1", "HMAC-MD5"}, Groups: []string{"MODP_1536"}, GroupIDs: []uint16{5}}, true,
			"HMAC-MD5 PRF, HMAC-MD5-96 integrity", "HMAC-SHA1 PRF, MODP_1536", "practical attacks on the algorithm itself", ""},
		// ESP of IKEv1 (RFC 8221): HMAC-MD5-96 MUST NOT, HMAC-SHA1-96 still required.
		{"IKEv1 ESP", Proposal{Protocol: "ESP", Encryption: []string{"3DES"}, Integrity: []string{"HMAC-MD5", "HMAC-SHA1"}, Groups: []string{"MODP_1024"}, GroupIDs: []uint16{2}}, false,
			"HMAC-MD5 integrity", "3DES, MODP_1024", "RFC 8221 for ESP", ""},
		{"strong", Proposal{Protocol: "IKE", Encryption: []string{"AES-GCM-16-256"}, PRF: []string{"HMAC-SHA2-256"}, Groups: []string{"MODP_2048"}, GroupIDs: []uint16{14}}, true,
			"", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, d := weakness(tt.p, tt.v2)
			b, d = dedupe(b), dedupe(d)
			if got := strings.Join(b, ", "); got != tt.broken {
				t.Errorf("broken = %q, want %q", got, tt.broken)
			}
			if got := strings.Join(d, ", "); got != tt.deprecated {
				t.Errorf("deprecated = %q, want %q", got, tt.deprecated)
			}
			cause := weakCause(b, d)
			if tt.causeHas != "" && !strings.Contains(cause, tt.causeHas) || tt.causeLacks != "" && strings.Contains(cause, tt.causeLacks) {
				t.Errorf("cause %q: want %q in it and not %q", cause, tt.causeHas, tt.causeLacks)
			}
		})
	}
}

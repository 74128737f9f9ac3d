package report

import (
	"encoding/json"
	"time"

	"github.com/ikescope/ikescope/analyze"
)

// SessionEventJSON is one session as a `-f jsonl` session event (without its messages
// and ESP flows), for live capture's events as sessions change.
func SessionEventJSON(s *analyze.Session, at time.Time) ([]byte, error) {
	return json.Marshal(sessionEvent{Type: EventSession, SchemaVersion: EventsSchemaVersion, Time: at.UTC(), Session: s})
}

package analyze_test

// Message streams for tests that feed the analysis something other than a capture file
// as it was recorded: the capture started later (cut), with a pause inserted (shift), or
// two captures one after the other (concat). A capture is decoded once per test binary;
// the transformations build new slices and never change the decoded messages.

import (
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/internal/decodetest"
)

// capStream is a decoded capture: its messages in capture order and the decoder's counts.
type capStream struct {
	Name  string // as the analysis names the capture
	Path  string
	Msgs  []decode.Message
	Stats decode.Stats
}

var (
	streamMu    sync.Mutex
	streamCache = map[string]*streamEntry{}
)

type streamEntry struct {
	once sync.Once
	s    *capStream
	err  error
}

// loadStream decodes a capture once per test binary and returns its messages. The
// messages are shared: callers must not change them, only copy them (the transformations
// below do). A decode.Message is copied by value: the Reader overwrites the Message it
// returns on the next call to Next, but the ISAKMP and Fragments it points to are fresh
// for each message and may be kept.
func loadStream(t testing.TB, path string) *capStream {
	t.Helper()
	streamMu.Lock()
	e := streamCache[path]
	if e == nil {
		e = &streamEntry{}
		streamCache[path] = e
	}
	streamMu.Unlock()
	e.once.Do(func() {
		r, err := decode.Open(path)
		if err != nil {
			e.err = err
			return
		}
		defer r.Close()
		s := &capStream{Name: filepath.Base(path), Path: path}
		for r.Next() {
			s.Msgs = append(s.Msgs, *r.Message())
		}
		if err := r.Err(); err != nil {
			e.err = err
			return
		}
		s.Stats = r.Stats()
		e.s = s
	})
	if e.err != nil {
		t.Fatalf("%s: %v", path, e.err)
	}
	return e.s
}

// pcapFiles lists the captures in the repository's pcaps/, as paths, sorted.
func pcapFiles(t testing.TB) []string {
	t.Helper()
	dir := filepath.Join(decodetest.RepoRoot(t), "pcaps")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range ents {
		if !e.IsDir() && decodetest.IsCapture(e.Name()) {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatalf("no captures in %s", dir)
	}
	return files
}

// isIKEOrESP reports whether a message is one the cut positions count: an IKE message
// or an ESP packet. Keepalives, ICMP errors and incomplete datagrams ride along with the
// messages after them.
func isIKEOrESP(m *decode.Message) bool {
	return m.Kind == decode.KindISAKMP || m.Kind == decode.KindESP
}

// cutPoints returns the stream indices where the k-th IKE or ESP message sits, k = 0, 1, ...
func cutPoints(msgs []decode.Message) []int {
	var idx []int
	for i := range msgs {
		if isIKEOrESP(&msgs[i]) {
			idx = append(idx, i)
		}
	}
	return idx
}

// cutAt is the capture as if it had been started at stream index i: everything before
// is dropped. Frame numbers stay those of the full capture, so that a message can be
// found in it. The result shares the messages; it must not be changed in place.
func cutAt(msgs []decode.Message, i int) []decode.Message {
	return msgs[i:len(msgs):len(msgs)]
}

// shiftFrom returns a copy of msgs in which the messages from index i on are d later:
// a pause of d inserted before message i.
func shiftFrom(msgs []decode.Message, i int, d time.Duration) []decode.Message {
	out := make([]decode.Message, len(msgs))
	copy(out, msgs)
	for j := i; j < len(out); j++ {
		out[j].Time = out[j].Time.Add(d)
	}
	return out
}

// lastFrame is the highest frame number in a stream (0 when empty).
func lastFrame(msgs []decode.Message) int {
	n := 0
	for i := range msgs {
		if msgs[i].Frame > n {
			n = msgs[i].Frame
		}
		if f := msgs[i].Fragments; f != nil {
			for _, x := range f.Frames {
				n = max(n, x)
			}
		}
	}
	return n
}

// timeSpan returns the first and last timestamp of a stream.
func timeSpan(msgs []decode.Message) (first, last time.Time) {
	for i := range msgs {
		t := msgs[i].Time
		if first.IsZero() || t.Before(first) {
			first = t
		}
		if t.After(last) {
			last = t
		}
	}
	return first, last
}

// concatStreams is a followed by b as one capture: b's first message comes gap after a's
// last, and b's frame numbers continue after aFrames (pass the frame count of a's
// capture, or lastFrame(a)). b's messages are copied; their Fragments too, renumbered.
func concatStreams(a, b []decode.Message, aFrames int, gap time.Duration) []decode.Message {
	out := make([]decode.Message, 0, len(a)+len(b))
	out = append(out, a...)
	_, aLast := timeSpan(a)
	bFirst, _ := timeSpan(b)
	var d time.Duration
	if !aLast.IsZero() && !bFirst.IsZero() {
		d = aLast.Add(gap).Sub(bFirst)
	}
	for _, m := range b {
		m.Time = m.Time.Add(d)
		m.Frame += aFrames
		if m.Fragments != nil {
			f := *m.Fragments
			f.Frames = make([]int, len(m.Fragments.Frames))
			for i, x := range m.Fragments.Frames {
				f.Frames[i] = x + aFrames
			}
			m.Fragments = &f
		}
		out = append(out, m)
	}
	return out
}

// streamStats counts a transformed stream the way the decoder counts a capture, as far
// as the messages tell: frames are up to the last frame number.
func streamStats(msgs []decode.Message) decode.Stats {
	st := decode.Stats{Frames: lastFrame(msgs)}
	for i := range msgs {
		m := &msgs[i]
		switch m.Kind {
		case decode.KindISAKMP:
			st.ISAKMP++
		case decode.KindESP:
			st.ESP++
		case decode.KindKeepalive:
			st.Keepalives++
		case decode.KindIncomplete:
			st.Incomplete++
		case decode.KindICMP:
			st.ICMP++
		}
		if m.Truncated {
			st.Truncated++
		}
	}
	return st
}

// analyzeStream runs the analysis over a stream as one capture named name. Each message
// is handed over as a fresh copy, so the analysis cannot change the stream.
func analyzeStream(name string, msgs []decode.Message, stats decode.Stats, opts analyze.Options) *analyze.Result {
	a := analyze.New(opts)
	a.StartCapture(name)
	for i := range msgs {
		m := msgs[i]
		a.Add(&m)
	}
	a.EndCapture(stats)
	return a.Finish()
}

// isakmpByFrame maps frame numbers to the ISAKMP headers of a stream's IKE messages, for
// messages whose Msg.ISAKMP the analysis let go (finished sessions keep no payloads).
func isakmpByFrame(msgs []decode.Message) map[int]*decode.ISAKMP {
	byFrame := map[int]*decode.ISAKMP{}
	for i := range msgs {
		if m := &msgs[i]; m.ISAKMP != nil {
			byFrame[m.Frame] = m.ISAKMP
		}
	}
	return byFrame
}

package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/config"
	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/decode/ikecrypt"
	"github.com/ikescope/ikescope/report"
)

const analyzeSynopsis = "ikescope analyze [-f|--format table|text|markdown|html|json|jsonl] [-o|--output FILE] [--keys FILE]... [--config FILE|DIR]... [--reply-timeout SECONDS] [--redact] [--summary] [--fail-on warning|error] [--time rel|abs|delta] [--color auto|always|never] [--peer ADDR] [--spi HEX] [-c N] [--filter EXPR] [--tcp-port PORT]... [-r] CAPTURE... [FILTER]"

const analyzeExamples = `
Examples:
  ikescope analyze gw-outside.pcap                         # report on the terminal
  ikescope analyze -f markdown -o ticket.md --redact gw-outside.pcap
  ikescope analyze -o report.html gw-a.pcap gw-b.pcapng    # format from the file name
  ikescope analyze -f json capture.pcap | jq '.findings[] | select(.severity=="error")'
  ikescope analyze -f jsonl capture.pcap | jq -c 'select(.type=="finding")'
  ikescope analyze --summary --fail-on error nightly.pcap || echo "tunnel trouble"
  ikescope analyze --summary -f json nightly.pcap | jq -c 'select(.worst_severity!="ok")'
  ikescope analyze --color=always --time abs gw-outside.pcap | less -R
  ikescope analyze -r capture.pcap 'host 198.51.100.7'      # a tcpdump filter, as in tcpdump -r
  ikescope analyze -c 1000 --filter 'udp port 4500' capture.pcap
  ikescope analyze --peer 198.51.100.7 gw-outside.pcap     # one peer's sessions and findings
  ikescope analyze --spi 0xc1a2b3d4 gw-outside.pcap        # the session of an ESP or IKE SPI
  ikescope analyze --config gw-a/ --config gw-b/ gw-a.pcap # findings cite the configuration lines
  tcpdump -i eth0 -w - 'udp port 500 or udp port 4500 or esp' | ikescope analyze -

Formats: table (default on a terminal), text (default otherwise), markdown (for tickets:
mermaid ladders), html (one self-contained page), json (one document), jsonl (one event
per line). Exit status: 0 when the analysis ran, 1 when --fail-on is met, 2 for usage
errors and unreadable captures or key files. A --keys file that holds no IKE keys is
noted on standard error and the analysis runs without it.
`

// formatByExtension picks the format for -o FILE when -f is not given.
var formatByExtension = map[string]report.Format{
	".md": report.FormatMarkdown, ".markdown": report.FormatMarkdown,
	".html": report.FormatHTML, ".htm": report.FormatHTML,
	".json": report.FormatJSON, ".jsonl": report.FormatJSONL, ".ndjson": report.FormatJSONL,
	".txt": report.FormatText,
}

func runAnalyze(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("analyze", analyzeSynopsis, stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s\n\nRebuild every IKE negotiation in the captures, say what went wrong and what to check.\n\nOptions:\n", analyzeSynopsis)
		printOptions(fs)
		fmt.Fprint(fs.Output(), analyzeExamples)
	}
	format := fs.String("f", "", "output `FORMAT`: table, text, markdown, html, json or jsonl, in any case (default table on a terminal, else from -o's extension, else text)")
	out := fs.String("o", "", "write to `FILE` instead of standard output")
	addLongForm(fs, "f", "format")
	addLongForm(fs, "o", "output")
	redact := fs.Bool("redact", false, "replace addresses, identities, certificate names and SPIs with pseudonyms, for a public ticket")
	failOn := fs.String("fail-on", "", "exit with status 1 when a finding of at least this `SEVERITY` (warning or error) exists")
	summary := fs.Bool("summary", false, "print one line per session (for cron and monitoring); with -f json (or jsonl) a JSON object per line")
	timeout := new(time.Duration)
	*timeout = 10 * time.Second
	fs.Var(secondsOrDuration{timeout}, "reply-timeout", "count a request as unanswered when the capture goes on `SECONDS` after it without a reply (or a duration: 2.5s, 1m; default 10s)")
	color := colorAuto
	fs.Var(&color, "color", "colour the severities: `WHEN` is auto (on a terminal without NO_COLOR or TERM=dumb), always (for less -R) or never")
	timeMode := report.TimeRel
	fs.Var(&timeMode, "time", "the ladder's time column: `FORMAT` is rel (seconds since the capture's first frame), abs (date and time of day) or delta (seconds since the message before)")
	keyFiles := addKeysFlag(fs)
	var configFiles fileList
	fs.Var(&configFiles, "config", "read a gateway's configuration from `FILE` or directory (repeatable: one per gateway): swanctl.conf, ipsec.conf, ipsec.secrets, racoon.conf, psk.txt or a Cisco running-config; findings then cite the lines to change")
	capFlags := addCaptureFlags(fs)
	scopeFlags := addScopeFlags(fs)
	files, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	files, filter, err := capFlags.resolve(files)
	if err != nil {
		return err
	}
	scope, err := scopeFlags.parse()
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return &usageError{"analyze needs at least one capture file (or - for standard input)"}
	}
	var threshold analyze.Severity
	if *failOn != "" {
		var ok bool
		if threshold, ok = analyze.ParseSeverity(*failOn); !ok || threshold == analyze.Info {
			return &usageError{fmt.Sprintf("--fail-on takes warning or error, not %q", *failOn)}
		}
	}
	toTerminal := *out == "" && isTerminal(stdout)
	// --color=always asks for the terminal report wherever it goes (less -R).
	termStyle := toTerminal || (*out == "" && color == colorAlways)
	var f report.Format
	switch {
	case *format != "":
		var ok bool
		if f, ok = report.ParseFormat(*format); !ok {
			return &usageError{fmt.Sprintf("unknown format %q for analyze: use table, text, markdown, html, json or jsonl", *format)}
		}
	case termStyle:
		f = report.FormatTable
	case formatByExtension[strings.ToLower(filepath.Ext(*out))] != "":
		f = formatByExtension[strings.ToLower(filepath.Ext(*out))]
	default:
		f = report.FormatText
	}
	if *summary && f != report.FormatTable && f != report.FormatText && f != report.FormatJSON && f != report.FormatJSONL {
		if *format != "" {
			return &usageError{fmt.Sprintf("--summary writes text lines or JSON lines (-f text or -f json), not %s", f)}
		}
		f = report.FormatText // -o summary.html: the lines, whatever the name says
	}
	st := report.Style{
		Boxes:    f == report.FormatTable,
		Color:    f == report.FormatTable && useColor(color, toTerminal, os.Getenv),
		Redact:   *redact,
		Version:  version,
		Time:     timeMode,
		Location: reportLocation(os.Getenv),
	}
	if *out == "" {
		st.Width = terminalWidth(stdout, os.Getenv)
	}

	// A key file without keys (the log of a negotiation that never derived any) is worth
	// a note, not the analysis: the capture says what went wrong without them.
	keys, err := loadKeys(*keyFiles, func(file string) {
		fmt.Fprintf(stderr, "ikescope: %s: no IKE keys in it; analysing without them\n", file)
	})
	if err != nil {
		return err
	}
	gateways, err := loadConfigs(configFiles)
	if err != nil {
		return err
	}
	if *redact && len(gateways) > 0 {
		// Configuration lines name hosts, identities and files the redactor has no
		// pseudonyms for: a redacted report leaves them out.
		fmt.Fprintln(stderr, "ikescope: --redact leaves out what --config would cite (configuration lines name hosts and identities)")
		gateways = nil
	}
	// Open the captures before the output, and the output before reading them: a capture
	// that cannot be opened leaves no empty report behind (nor an -o file overwritten with
	// one), and a typo in -o does not cost the time of reading the captures.
	var readErr error
	var unreadable []string
	fail := func(name string, err error) {
		fmt.Fprintf(stderr, "ikescope: %s\n", oneLine(err.Error()))
		unreadable = append(unreadable, name)
		readErr = errAlreadyReported
	}
	showProgress := isTerminal(stderr)
	merged := len(files) > 1 && !slices.Contains(files, "-")
	var inputs []openedCapture
	var readable []string
	for _, name := range files {
		if merged {
			// Several capture points of one tunnel are read twice (to line their clocks up,
			// then to analyse them); here they are only opened to see which can be read.
			r, err := decode.Open(name)
			if err != nil {
				fail(name, err)
				continue
			}
			r.Close()
			readable = append(readable, name)
			continue
		}
		c, err := openCapture(name, stdin, showProgress)
		if err != nil {
			fail(name, err)
			continue
		}
		defer c.r.Close()
		filter.apply(c.r)
		inputs = append(inputs, c)
		readable = append(readable, name)
	}
	if len(readable) == 0 {
		return readErr
	}
	w, closeOut, err := createOutput(*out, stdout)
	if err != nil {
		return err
	}
	opts := analyze.Options{ReplyTimeout: *timeout, Implementations: true}
	// JSON and JSON lines are written as the analysis finishes with each session, which
	// it then forgets: memory follows the sessions in progress, not the capture's length.
	// The summary's lines go out the same way. The reports for people keep the first
	// sessions and an example of each kind in full and count the rest (analyze.Digest).
	// Several capture points of one tunnel are read twice to line their clocks up: those
	// hold the sessions to the end.
	var stream *report.AnalysisStream
	var digest *analyze.Digest
	var lines *bufio.Writer
	worst := analyze.Severity(-1)
	// --peer and --spi keep the sessions in scope as they come.
	var tracker *scopeTracker
	if !scope.all() {
		tracker = newScopeTracker(scope)
	}
	handOver := func(use func(*analyze.Session, []analyze.Finding)) {
		opts.OnDone = func(s *analyze.Session, fs []analyze.Finding) {
			if tracker != nil && !tracker.take(s) {
				return
			}
			// The configurations' lines join each session's findings as it goes.
			config.Annotate(&analyze.Result{Sessions: []*analyze.Session{s}, Findings: fs}, gateways)
			for _, x := range fs {
				worst = max(worst, x.Severity)
			}
			use(s, fs)
		}
	}
	// ESP flows of no session go the same way once quiet: a day of SAs whose IKE the
	// capture does not hold does not pile up.
	handOverOrphans := func(use func(*analyze.ESPFlow)) {
		opts.OnOrphan = func(e *analyze.ESPFlow) {
			if tracker != nil && !tracker.sc.flow(e) {
				return
			}
			use(e)
		}
	}
	jsonOut := f == report.FormatJSON || f == report.FormatJSONL
	// Redacted, they learn each session's addresses and names as it comes.
	var rd *report.Redactor
	if *redact {
		rd = report.NewStreamRedactor()
		for _, c := range inputs {
			rd.AddCapture(c.r.Name()) // capture-1, capture-2, ... in the order given
		}
	}
	switch {
	case merged:
	case *summary:
		lines = bufio.NewWriterSize(w, 64<<10)
		one := []analyze.Capture{{}} // the summary names captures when there are any
		handOver(func(s *analyze.Session, fs []analyze.Finding) {
			r := &analyze.Result{Captures: one, Sessions: []*analyze.Session{s}, Findings: fs}
			report.WriteSummaryWith(lines, r, rd, jsonOut)
		})
		opts.DoneWritten = true
	case jsonOut:
		stream = report.NewAnalysisStream(w, f, rd)
		handOver(stream.Session)
		opts.DoneWritten = true
		handOverOrphans(stream.Orphan)
	default:
		digest = &analyze.Digest{}
		handOver(digest.Add)
		handOverOrphans(digest.AddOrphan)
	}
	if opts.OnDone != nil && os.Getenv("GOMEMLIMIT") == "" {
		defer boundMemory()()
	}
	a := analyze.New(opts)
	// Decryption is a stage of its own between decoding and the analysis.
	var dec *ikecrypt.Decrypter
	if keys != nil {
		dec = ikecrypt.NewDecrypter(keys)
	}
	if merged {
		// Several capture points of one tunnel: one story on one timeline.
		if err := feedMerged(a, dec, readable, filter, stderr); err != nil {
			readErr = err
		}
	} else {
		for _, c := range inputs {
			if err := feed(a, dec, c, stderr); err != nil {
				fmt.Fprintf(stderr, "ikescope: %s\n", oneLine(err.Error()))
				readErr = errAlreadyReported
			}
		}
	}
	if err := filter.Err(); err != nil {
		fmt.Fprintf(stderr, "ikescope: %s\n", oneLine(err.Error()))
		readErr = errAlreadyReported
	}
	var res *analyze.Result
	if opts.OnDone != nil && tracker != nil {
		res = tracker.narrow(a.Finish())
	} else {
		res = scope.narrow(a.Finish())
	}
	if opts.OnDone == nil {
		config.Annotate(res, gateways) // the sessions were held to the end
	}
	for _, x := range res.Findings {
		worst = max(worst, x.Severity)
	}
	if digest != nil {
		res = digest.Result(res)
	}
	switch {
	case stream != nil:
		err = stream.Finish(res)
	case lines != nil:
		err = lines.Flush()
	case *summary && (f == report.FormatJSON || f == report.FormatJSONL):
		err = report.WriteSummaryJSON(w, res, st)
	case *summary:
		err = report.WriteSummaryStyle(w, res, st)
	default:
		err = report.Write(w, res, f, st)
	}
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if len(unreadable) > 0 {
		// The errors came before the report; say again, after it, what it leaves out.
		fmt.Fprintf(stderr, "ikescope: the report leaves out %d of %d captures, which could not be read: %s\n", len(unreadable), len(files), strings.Join(unreadable, ", "))
	}
	if readErr != nil {
		return readErr
	}
	if *failOn != "" && worst >= threshold {
		return errFindings
	}
	return nil
}

// openedCapture is a capture whose header has been read, with the byte counter of its
// progress line when it has one.
type openedCapture struct {
	r       *decode.Reader
	counted *countingReader
}

// openCapture opens a capture ("-" is standard input) and reads its header. With progress
// set, the bytes read are counted for the progress line.
func openCapture(name string, stdin io.Reader, progress bool) (openedCapture, error) {
	var c openedCapture
	var err error
	switch {
	case name == "-" && progress:
		c.counted = &countingReader{r: stdin}
		c.r, err = decode.NewReader("standard input", c.counted, nil)
	case name == "-":
		c.r, err = decode.NewReader("standard input", stdin, nil)
	case progress:
		c.counted, c.r, err = openCounted(name)
	default:
		c.r, err = decode.Open(name)
	}
	return c, err
}

// feed reads one opened capture into the analysis. A capture that breaks off still counts
// for what came before the damage. A capture with a byte counter that takes more than a
// second to read shows how far it is on stderr (a terminal).
func feed(a *analyze.Analyzer, dec *ikecrypt.Decrypter, c openedCapture, stderr io.Writer) error {
	r, counted := c.r, c.counted
	a.StartCapture(r.Name())
	var p *progressLine
	if counted != nil {
		p = startProgress(stderr, r.Name(), counted)
		defer p.stop()
	}
	for r.Next() {
		m := r.Message()
		dec.Open(m)
		a.Add(m)
		r.Recycle() // neither keeps the message's decoded structures
		if p != nil {
			p.frames.Store(int64(r.Frames()))
			p.sas.Store(int64(a.SessionsSeen()))
		}
	}
	a.EndCapture(r.Stats())
	return r.Err()
}

// openCounted opens a capture file through a byte counter the progress line can read
// while the capture is decoded. Anything unusual (no such file, a directory) is left to
// decode.Open, which says what is wrong.
func openCounted(name string) (*countingReader, *decode.Reader, error) {
	f, err := os.Open(name)
	if err != nil {
		_, err = decode.Open(name)
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		f.Close()
		r, err := decode.Open(name)
		return nil, r, err
	}
	c := &countingReader{r: f, total: st.Size()}
	r, err := decode.NewReader(name, c, f)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return c, r, nil
}

// countingReader counts the bytes read, for the progress line in another goroutine.
type countingReader struct {
	r     io.Reader
	n     atomic.Int64
	total int64 // the file's size; 0 when unknown
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// progressLine shows on a terminal how far the reading of a large capture is:
// "big.pcap: 1.2 GB of 4.0 GB (30%) · 1234567 packets · 42 IKE SAs". It appears only
// after the first second, and is erased when the capture is read.
type progressLine struct {
	w      io.Writer
	name   string
	bytes  *countingReader
	frames atomic.Int64
	sas    atomic.Int64
	done   chan struct{}
	wg     sync.WaitGroup
}

// progressDelay is how long a capture may take to read before the progress line appears.
var progressDelay = time.Second

func startProgress(w io.Writer, name string, c *countingReader) *progressLine {
	p := &progressLine{w: w, name: name, bytes: c, done: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		start := time.Now()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		shown := false
		for {
			select {
			case <-p.done:
				if shown {
					fmt.Fprint(p.w, "\r\x1b[K")
				}
				return
			case now := <-tick.C:
				if now.Sub(start) < progressDelay {
					continue
				}
				shown = true
				fmt.Fprint(p.w, "\r"+progressText(p.name, p.bytes.n.Load(), p.bytes.total, p.frames.Load(), p.sas.Load())+"\x1b[K")
			}
		}
	}()
	return p
}

func (p *progressLine) stop() {
	close(p.done)
	p.wg.Wait()
}

// progressText is the progress line's text.
func progressText(name string, read, total, frames, sas int64) string {
	of := byteSize(read)
	if total > 0 {
		of = fmt.Sprintf("%s of %s (%d%%)", byteSize(read), byteSize(total), read*100/total)
	}
	unit := "SAs"
	if sas == 1 {
		unit = "SA"
	}
	return fmt.Sprintf("reading %s: %s · %d packets · %d IKE %s", name, of, frames, sas, unit)
}

func byteSize(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}

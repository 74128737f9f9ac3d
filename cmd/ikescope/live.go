package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"os/user"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/pcapgo"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/decode/ikecrypt"
	"github.com/ikescope/ikescope/decode/live"
	"github.com/ikescope/ikescope/report"
)

const liveSynopsis = "ikescope live -i INTERFACE [--filter EXPR] [-w FILE.pcapng] [--duration D] [--count N] [-f table|text|json|jsonl] [-G SECONDS] [-C MB] [-W N] [-o FILE] [-Z USER] [--metrics ADDR] [--tcp-port PORT]... [--keys FILE]..."

// How often the analysis clock moves on while the capture waits for packets (so a reply
// timeout fires on time), and how often the status line is redrawn.
const (
	liveAdvanceEvery = 500 * time.Millisecond
	liveStatusEvery  = time.Second
)

type liveFlags struct {
	iface, filter, save, format, out, user string
	list, noDrop, promisc                  bool
	duration, replyTimeout                 time.Duration
	metrics                                string
	rotateEvery                            time.Duration
	rotateMB, rotateCount                  int
	count, bufferKiB                       int
	tcpPorts                               tcpPortList
}

func runLive(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("live", liveSynopsis, stderr)
	var f liveFlags
	fs.StringVar(&f.iface, "i", "", "capture on `INTERFACE` (\"any\" for all of them; --list shows them)")
	fs.BoolVar(&f.list, "list", false, "list the interfaces one can capture on, and exit")
	fs.StringVar(&f.filter, "filter", "", "narrow the capture with a tcpdump-style filter `EXPR` (e.g. \"host 192.0.2.2\"); IKE, ESP and IP fragments are always the base")
	fs.StringVar(&f.save, "w", "", "also save the captured packets to `FILE` (pcapng), to attach or run ikescope analyze on later")
	fs.StringVar(&f.format, "f", "", "`format` of the final report: table (default on a terminal), text, json, or jsonl (findings as JSON lines as they happen, then the report as one line). Findings as they happen go to standard output (standard error with -f json, so that standard output is one JSON document)")
	fs.StringVar(&f.out, "o", "", "write the final report to `FILE` instead of standard output")
	fs.Var(secondsOrDuration{&f.duration}, "duration", "stop after this long, in seconds (6) or as a duration (90s, 10m); default: until Ctrl-C or SIGTERM")
	fs.IntVar(&f.count, "count", 0, "stop after `N` captured packets")
	fs.Var(secondsOrDuration{&f.rotateEvery}, "G", "with -w: start a new file every `SECONDS` (name the files with strftime conversions, like tcpdump: -w 'ike-%Y%m%d-%H%M%S.pcapng')")
	fs.IntVar(&f.rotateMB, "C", 0, "with -w: start a new file when the current one reaches `MB` million bytes")
	fs.IntVar(&f.rotateCount, "W", 0, "with -w and -G or -C: keep a ring of `N` files, overwriting the oldest")
	fs.StringVar(&f.metrics, "metrics", "", "serve Prometheus metrics on `ADDR` (e.g. :9743): IKE SAs by state and peer pair, findings, ESP per SA, capture drops")
	f.replyTimeout = 10 * time.Second
	fs.Var(secondsOrDuration{&f.replyTimeout}, "reply-timeout", "how long a request may go unanswered before it is reported, in seconds or as a duration (default 10s)")
	fs.StringVar(&f.user, "Z", "", "after opening the capture, run as `USER` (default: nobody, when started as root)")
	fs.BoolVar(&f.noDrop, "no-drop-privileges", false, "keep running as the user that started ikescope")
	fs.BoolVar(&f.promisc, "promisc", false, "put the interface in promiscuous mode (for a mirror port; a gateway sees its own traffic without it)")
	fs.Var(&f.tcpPorts, "tcp-port", "also capture and read IKE over TCP (RFC 8229) on TCP `PORT` (4500 always; may be repeated)")
	fs.IntVar(&f.bufferKiB, "buffer-size", 8192, "kernel capture buffer in `KiB`; raise it if packets are dropped")
	keyFiles := addKeysFlag(fs)
	rest, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return &usageError{fmt.Sprintf("live takes no capture files (got %q); to read a capture, use ikescope analyze", rest[0])}
	}
	if f.list {
		return listInterfaces(stdout)
	}
	if f.iface == "" {
		return &usageError{"live needs an interface: -i INTERFACE (ikescope live --list shows them)"}
	}
	if f.noDrop && f.user != "" {
		return &usageError{"-Z and --no-drop-privileges contradict each other"}
	}
	if f.count < 0 || f.duration < 0 || f.bufferKiB < 0 || f.rotateEvery < 0 || f.rotateMB < 0 || f.rotateCount < 0 {
		return &usageError{"--count, --duration, --buffer-size, -G, -C and -W cannot be negative"}
	}
	if (f.rotateEvery > 0 || f.rotateMB > 0) && f.save == "" {
		return &usageError{"-G and -C rotate the file -w writes: give -w FILE"}
	}
	if f.rotateCount > 0 && f.rotateEvery == 0 && f.rotateMB == 0 {
		return &usageError{"-W keeps a ring of files rotated by -G or -C: give one of them"}
	}
	if f.format == "" {
		f.format = "text"
		if f.out == "" && isTerminal(stdout) {
			f.format = "table"
		}
	}
	switch f.format {
	case "table", "text", "json", "jsonl":
	default:
		return &usageError{fmt.Sprintf("unknown format %q for live: use table, text, json or jsonl", f.format)}
	}
	// Check what can be checked before anything is opened: a typo in the filter should not
	// need root to be found.
	if f.filter != "" {
		if err := live.CheckFilter(f.filter); err != nil {
			return err
		}
	}

	// Keys are read before the capture opens: a wrong key file is found without root.
	keys, err := loadKeys(*keyFiles, nil)
	if err != nil {
		return err
	}
	lc := &liveCapture{flags: f, stdout: stdout, stderr: stderr}
	if keys != nil {
		lc.dec = ikecrypt.NewDecrypter(keys)
	}
	defer lc.closeAll()
	opts := live.Options{Interface: f.iface, Filter: f.filter, Promisc: f.promisc, BufferSize: f.bufferKiB << 10, TCPPorts: f.tcpPorts}
	if f.save != "" {
		opts.OnFrame = lc.saveFrame
	}
	src, err := live.Open(opts)
	if err != nil {
		return err
	}
	lc.src = src
	// Files are opened while we still may; then the privileges go.
	if f.save != "" {
		if err := lc.openSave(); err != nil {
			return err
		}
	}
	if f.out != "" && f.out != "-" {
		// A file ikescope may be asked to open again (SIGHUP, logrotate).
		rf, err := openReopenFile(f.out)
		if err != nil {
			return err
		}
		lc.reportW, lc.closeOut, lc.outFile = rf, rf.Close, rf
	} else {
		w, closeOut, err := createOutput(f.out, stdout)
		if err != nil {
			return err
		}
		lc.reportW, lc.closeOut = w, closeOut
	}
	if !f.noDrop {
		if err := dropPrivileges(f.user); err != nil {
			return err
		}
	}
	return lc.run()
}

// liveCapture is one run of ikescope live.
type liveCapture struct {
	flags          liveFlags
	stdout, stderr io.Writer
	src            *live.Source
	a              *analyze.Analyzer
	dec            *ikecrypt.Decrypter // nil without --keys

	reportW  io.Writer
	closeOut func() error
	liveW    io.Writer // where findings go as they happen
	jsonl    bool
	quiet    bool // the capture is over: text findings are in the report, not printed again

	saveFile   *os.File
	ng         *pcapgo.NgWriter
	saveErr    error
	ngIntf     pcapgo.NgInterface // the capture's interface, for each file of -w
	saveName   string             // the file being written
	saveOpened time.Time
	saveBytes  int64
	saveSeq    int

	mu      sync.Mutex   // held while the analysis is fed, so that a metrics scrape reads it whole
	metrics *liveMetrics // --metrics
	outFile *reopenFile  // -o FILE, opened again on SIGHUP

	dropsSaid int // dropped packets already reported

	status      bool // a status line is drawn on stderr (a terminal)
	statusShown bool
	statusLines int // the tunnel lines drawn above the status line
	track       *saTracker
	started     time.Time
}

func (lc *liveCapture) openSave() error {
	if lc.ngIntf.Name == "" {
		lc.ngIntf = pcapgo.NgInterface{
			Name:                lc.flags.iface,
			Filter:              lc.src.Filter(),
			OS:                  runtime.GOOS,
			LinkType:            lc.src.LinkType(),
			SnapLength:          uint32(lc.src.SnapLen()),
			TimestampResolution: 9,
		}
	}
	return lc.openSaveFile(time.Now())
}

// openSaveFile starts the next file of -w: its name from the pattern and the time (and
// the ring's position with -W), a pcapng header for the capture's interface.
func (lc *liveCapture) openSaveFile(now time.Time) error {
	name := saveName(lc.flags.save, now, lc.saveSeq, lc.flags.rotateCount, lc.flags.rotateEvery > 0 || lc.flags.rotateMB > 0)
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("cannot write %s: %v", name, unwrapPath(err))
	}
	ng, err := pcapgo.NewNgWriterInterface(f, lc.ngIntf, pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{
		Hardware: runtime.GOARCH, OS: runtime.GOOS, Application: "ikescope " + version}})
	if err != nil {
		f.Close()
		return fmt.Errorf("cannot write %s: %v", name, err)
	}
	lc.saveFile, lc.ng, lc.saveName, lc.saveOpened, lc.saveBytes = f, ng, name, now, 0
	lc.saveSeq++
	return nil
}

// rotate closes the current file of -w and starts the next one when -G or -C says so.
func (lc *liveCapture) rotate(now time.Time) {
	f := lc.flags
	due := f.rotateEvery > 0 && now.Sub(lc.saveOpened) >= f.rotateEvery ||
		f.rotateMB > 0 && lc.saveBytes >= int64(f.rotateMB)*1_000_000
	if !due || lc.ng == nil {
		return
	}
	err := lc.ng.Flush()
	if cerr := lc.saveFile.Close(); err == nil {
		err = cerr
	}
	lc.ng, lc.saveFile = nil, nil
	if err == nil {
		err = lc.openSaveFile(now)
	}
	if err != nil {
		lc.saveFailed(err)
	}
}

// saveName names a file of -w as tcpdump does: the pattern through strftime (%Y %m %d
// %H %M %S), and, rotating by size or time without a time in the pattern, a number
// after the name (a ring of ring files with -W).
func saveName(pattern string, now time.Time, seq, ring int, rotating bool) string {
	name := strftime(pattern, now)
	if !rotating || strings.Contains(pattern, "%") && ring == 0 {
		return name
	}
	if ring > 0 {
		seq %= ring
	}
	if seq == 0 && ring == 0 {
		return name
	}
	return name + strconv.Itoa(seq)
}

// strftime expands the time conversions tcpdump's -w names use.
func strftime(pattern string, t time.Time) string {
	r := strings.NewReplacer("%Y", t.Format("2006"), "%m", t.Format("01"), "%d", t.Format("02"),
		"%H", t.Format("15"), "%M", t.Format("04"), "%S", t.Format("05"), "%j", fmt.Sprintf("%03d", t.YearDay()), "%%", "%")
	return r.Replace(pattern)
}

func (lc *liveCapture) saveFrame(ci gopacket.CaptureInfo, data []byte) {
	if lc.ng == nil || lc.saveErr != nil {
		return
	}
	ci.InterfaceIndex = 0 // the file's one interface, not the kernel's index
	if err := lc.ng.WritePacket(ci, data); err != nil {
		lc.saveFailed(err)
		return
	}
	lc.saveBytes += int64(len(data)) + 32 // the enhanced packet block's own bytes
	lc.rotate(ci.Timestamp)
}

// saveFailed stops saving after a write error; the analysis goes on.
func (lc *liveCapture) saveFailed(err error) {
	lc.saveErr = err
	lc.clearStatus()
	fmt.Fprintf(lc.stderr, "ikescope: %s: %v; no longer saving packets (the analysis goes on)\n", lc.saveName, err)
}

func (lc *liveCapture) run() error {
	f := lc.flags
	lc.started = time.Now()
	lc.jsonl = f.format == "jsonl"
	lc.liveW = lc.stdout
	switch {
	case f.format == "json" && f.out == "":
		lc.liveW = lc.stderr // standard output is one JSON document
	case f.format == "jsonl" && lc.outFile != nil:
		lc.liveW = lc.outFile // the event log goes to the file -o names, with the report line
	}
	lc.status = isTerminal(lc.stderr)
	if lc.status {
		lc.track = newSATracker()
	}
	lc.a = analyze.New(analyze.Options{ReplyTimeout: f.replyTimeout, Evict: true, OnFinding: lc.finding, OnSession: lc.session,
		Implementations: true})
	if f.metrics != "" {
		lc.metrics = newLiveMetrics(&lc.mu, func() *analyze.Analyzer { return lc.a })
		if err := lc.metrics.serve(f.metrics); err != nil {
			return err
		}
		defer lc.metrics.close()
		fmt.Fprintf(lc.stderr, "ikescope: Prometheus metrics on http://%s/metrics\n", f.metrics)
	}
	lc.a.StartCapture("live capture on " + f.iface)

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctl := make(chan os.Signal, 1)
	signal.Notify(ctl, syscall.SIGHUP, syscall.SIGUSR1)
	defer signal.Stop(ctl)
	defer signal.Stop(sigs)
	advance := time.NewTicker(liveAdvanceEvery)
	defer advance.Stop()
	var deadline <-chan time.Time
	if f.duration > 0 {
		t := time.NewTimer(f.duration)
		defer t.Stop()
		deadline = t.C
	}
	stop := "Ctrl-C for the report"
	switch {
	case f.duration > 0 && f.count > 0:
		stop = fmt.Sprintf("report after %s or %d packets, or on Ctrl-C", f.duration, f.count)
	case f.duration > 0:
		stop = fmt.Sprintf("report after %s, or on Ctrl-C", f.duration)
	case f.count > 0:
		stop = fmt.Sprintf("report after %d packets, or on Ctrl-C", f.count)
	}
	fmt.Fprintf(lc.stderr, "ikescope: listening on %s, link type %s, filter %q; %s\n", f.iface, lc.src.LinkType(), lc.src.Filter(), stop)
	if lc.status {
		lc.drawStatus(lc.started)
	}
	emit := lc.add
	var readErr error
	drain := true // read what the kernel still holds once told to stop
	lastStatus := time.Now()
loop:
	for n := 0; ; n++ {
		// Look at the clock and the signals whenever the link is quiet, and every 64
		// packets while it is busy: a select for every packet costs more than decoding an
		// ESP header.
		if n%64 == 0 {
			select {
			case <-sigs:
				break loop
			case sig := <-ctl:
				lc.control(sig)
			case <-deadline:
				break loop
			case now := <-advance.C:
				lc.mu.Lock()
				lc.a.Advance(now)
				lc.mu.Unlock()
				lc.checkDrops(now)
				if lc.ng != nil && lc.saveErr == nil {
					if err := lc.ng.Flush(); err != nil {
						lc.saveFailed(err)
					}
				}
				if lc.status && now.Sub(lastStatus) >= liveStatusEvery {
					lastStatus = now
					lc.drawStatus(now)
				}
			default:
			}
		}
		got, err := lc.src.Read(emit)
		switch {
		case err != nil && live.WentAway(err) && lc.survive(err, sigs, deadline):
			// The interface came back: capture on.
		case err != nil:
			readErr, drain = err, false
			break loop
		case !got:
			n = -1
		case f.count > 0 && lc.src.Frames() >= f.count:
			drain = false
			break loop
		}
	}
	// A second Ctrl-C while the report is written ends ikescope the usual way.
	signal.Stop(sigs)
	if drain {
		// The kernel hands packets over in batches, at the latest after the capture's
		// latency: the packets of the last moments are still there. Two empty reads in a
		// row mean they are all in.
		empty := 0
		for end := time.Now().Add(time.Second); empty < 2 && time.Now().Before(end); {
			got, err := lc.src.Read(emit)
			if err != nil {
				break
			}
			if got {
				empty = 0
			} else {
				empty++
			}
		}
	}
	lc.clearStatus()
	lc.src.Flush(emit)
	lc.metrics.close() // no scrape reads the analysis while it finishes
	lc.a.Advance(time.Now())
	lc.quiet = !lc.jsonl
	st, stErr := lc.src.CaptureStats()
	lc.a.EndCapture(lc.src.Stats())
	res := lc.a.Finish()

	err := lc.finishSave(st, stErr)
	if werr := lc.writeReport(res, st); err == nil {
		err = werr
	}
	if stErr == nil {
		fmt.Fprintf(lc.stderr, "ikescope: %d packets captured on %s in %s; %d dropped by the kernel, %d by the interface\n",
			lc.src.Frames(), f.iface, st.CaptureTime.Round(100*time.Millisecond), st.Dropped, st.IfDropped)
		if st.Dropped > 0 {
			fmt.Fprintf(lc.stderr, "ikescope: the kernel dropped packets because ikescope did not keep up; raise --buffer-size or narrow --filter\n")
		}
	}
	if readErr != nil {
		return readErr
	}
	return err
}

// add takes one decoded message.
func (lc *liveCapture) add(m *decode.Message) {
	lc.dec.Open(m) // IKE and ESP that --keys open
	lc.mu.Lock()
	lc.a.Add(m)
	lc.mu.Unlock()
	if lc.track != nil {
		lc.track.note(m)
	}
}

func (lc *liveCapture) finishSave(st live.Stats, stErr error) error {
	if lc.ng == nil {
		return nil
	}
	if stErr == nil && lc.saveErr == nil {
		end := time.Now()
		lc.saveErr = lc.ng.WriteInterfaceStats(0, pcapgo.NgInterfaceStatistics{
			LastUpdate: end, StartTime: lc.started, EndTime: end,
			PacketsReceived: uint64(st.Received), PacketsDropped: uint64(st.Dropped + st.IfDropped),
		})
	}
	if lc.saveErr == nil {
		lc.saveErr = lc.ng.Flush()
	}
	cerr := lc.saveFile.Close()
	lc.ng, lc.saveFile = nil, nil
	if lc.saveErr == nil && cerr != nil {
		lc.saveErr = cerr
	}
	if lc.saveErr != nil {
		return fmt.Errorf("saving %s: %v", lc.saveName, lc.saveErr)
	}
	return nil
}

// closeAll releases what an early error left open.
func (lc *liveCapture) closeAll() {
	if lc.saveFile != nil {
		lc.saveFile.Close()
	}
	if lc.closeOut != nil {
		lc.closeOut()
	}
	if lc.src != nil {
		lc.src.Close()
	}
}

// finding prints a finding the moment the analysis knows it.
func (lc *liveCapture) finding(f analyze.Finding) {
	if lc.metrics != nil && !f.Withdrawn {
		lc.metrics.findings.WithLabelValues(f.Code, f.Severity.String()).Inc()
	}
	if lc.jsonl {
		b, err := json.Marshal(liveFindingLine{Type: "finding", SchemaVersion: report.AnalysisSchemaVersion, Finding: f})
		if err == nil {
			lc.clearStatus()
			lc.liveW.Write(append(b, '\n'))
		}
		return
	}
	if lc.quiet {
		return
	}
	lc.clearStatus()
	fmt.Fprintln(lc.liveW, findingLine(f))
}

// survive waits for the interface to come back after it went down, reopening the
// capture with a growing pause (0.5 s to 5 s), and says so; the analysis keeps its
// state. It gives up on a signal, the deadline, or a reopen that cannot work (no
// privileges left: run with --no-drop-privileges or CAP_NET_RAW to survive restarts).
func (lc *liveCapture) survive(err error, sigs <-chan os.Signal, deadline <-chan time.Time) bool {
	lc.clearStatus()
	fmt.Fprintf(lc.stderr, "ikescope: %s went down (%v); capturing again when it comes back\n", lc.flags.iface, err)
	pause := 500 * time.Millisecond
	for {
		select {
		case <-sigs:
			return false
		case <-deadline:
			return false
		case <-time.After(pause):
		}
		rerr := lc.src.Reopen()
		if rerr == nil {
			fmt.Fprintf(lc.stderr, "ikescope: %s is back; capturing again\n", lc.flags.iface)
			return true
		}
		if errors.Is(rerr, live.ErrPermission) {
			fmt.Fprintf(lc.stderr, "ikescope: cannot capture on %s again: %v (run with --no-drop-privileges, or as a user with CAP_NET_RAW, to survive interface restarts)\n", lc.flags.iface, rerr)
			return false
		}
		pause = min(2*pause, 5*time.Second)
	}
}

// control answers SIGHUP (open -o again, for logrotate) and SIGUSR1 (the state of
// every tunnel held now, on standard error).
func (lc *liveCapture) control(sig os.Signal) {
	lc.clearStatus()
	switch sig {
	case syscall.SIGHUP:
		if lc.outFile == nil {
			fmt.Fprintln(lc.stderr, "ikescope: SIGHUP: no -o file to open again")
			return
		}
		if err := lc.outFile.reopen(); err != nil {
			fmt.Fprintf(lc.stderr, "ikescope: %v\n", err)
			return
		}
		fmt.Fprintf(lc.stderr, "ikescope: SIGHUP: %s opened again\n", lc.flags.out)
	case syscall.SIGUSR1:
		lc.mu.Lock()
		now, open := lc.a.Now(), lc.a.Open()
		lines := make([]string, len(open))
		for i, s := range open {
			lines[i] = sessionLine(s, now)
		}
		lc.mu.Unlock()
		fmt.Fprintf(lc.stderr, "ikescope: %s held on %s, %d packets so far\n", plural(len(open), "IKE SA"), lc.flags.iface, lc.src.Frames())
		for _, l := range lines {
			fmt.Fprintln(lc.stderr, l)
		}
	}
}

// checkDrops reports packets the kernel or the interface dropped since the last look,
// as a finding (the analysis may miss what they held) and in the metrics.
func (lc *liveCapture) checkDrops(now time.Time) {
	st, err := lc.src.CaptureStats()
	if err != nil {
		return
	}
	n := st.Dropped + st.IfDropped
	if lc.metrics != nil {
		lc.metrics.dropped.Set(float64(n))
	}
	if n <= lc.dropsSaid {
		return
	}
	lc.mu.Lock()
	lc.a.Note(analyze.Finding{Code: analyze.CodeCaptureDrops, Severity: analyze.Warning, Time: now,
		Summary: fmt.Sprintf("The capture on %s dropped %d packets so far (%d by the kernel, %d by the interface): findings may miss what they held.", lc.flags.iface, n, st.Dropped, st.IfDropped),
		Cause:   "Packets came faster than ikescope read them, or the kernel's capture buffer is too small for the bursts.",
		Next:    "Raise --buffer-size, narrow --filter to the gateways' addresses, or capture with tcpdump -w and analyse the file."})
	lc.mu.Unlock()
	lc.dropsSaid = n
}

// session prints a session's new state the moment it changes: up, rekeyed, deleted,
// failed.
func (lc *liveCapture) session(s *analyze.Session) {
	if lc.jsonl {
		if b, err := report.SessionEventJSON(s, lc.a.Now()); err == nil {
			lc.clearStatus()
			lc.liveW.Write(append(b, '\n'))
		}
		return
	}
	if lc.quiet {
		return
	}
	lc.clearStatus()
	fmt.Fprintln(lc.liveW, sessionLine(s, lc.a.Now()))
}

// sessionLine is a session's state on one line, in the layout of finding lines.
func sessionLine(s *analyze.Session, at time.Time) string {
	if at.IsZero() {
		at = time.Now()
	}
	return fmt.Sprintf("%s  %-7s  %-18s  %s  session %d: %s", at.Local().Format("2006-01-02 15:04:05.000"), "SESSION", "state",
		s.Initiator.String()+" → "+s.Responder.String(), s.ID, s.State)
}

// findingLine is a finding on one line: time, severity, code, peers, summary.
func findingLine(f analyze.Finding) string {
	peers := f.Peers
	if peers == "" {
		peers = "-"
	}
	where := ""
	if f.Session > 0 {
		where = fmt.Sprintf("session %d: ", f.Session)
	}
	t := f.Time
	if t.IsZero() {
		t = time.Now()
	}
	sev := strings.ToUpper(f.Severity.String())
	summary := f.Summary
	if f.Withdrawn {
		// Later packets refuted what was said earlier about this session.
		sev, summary = "WITHDRAWN", "no longer holds: "+summary
	}
	return fmt.Sprintf("%s  %-7s  %-18s  %s  %s%s", t.Local().Format("2006-01-02 15:04:05.000"), sev, f.Code, peers, where, summary)
}

// liveFindingLine is a finding as -f jsonl streams it: the finding event of
// `ikescope analyze -f jsonl` (docs/schema/analyze-events.schema.json).
type liveFindingLine struct {
	Type          string `json:"type"` // "finding"
	SchemaVersion int    `json:"schema_version"`
	analyze.Finding
}

// liveReportLine ends a -f jsonl stream: the capture's counts and the whole analysis
// (the document ikescope analyze -f json writes).
type liveReportLine struct {
	Type          string          `json:"type"` // "report"
	SchemaVersion int             `json:"schema_version"`
	Time          time.Time       `json:"time"`
	Capture       liveCaptureJSON `json:"capture"`
	Report        json.RawMessage `json:"report"`
}

type liveCaptureJSON struct {
	Interface        string `json:"interface"`
	Filter           string `json:"filter"`
	LinkType         int    `json:"link_type"`
	LinkTypeName     string `json:"link_type_name"`
	Packets          int    `json:"packets"`           // frames ikescope read
	KernelReceived   int    `json:"kernel_received"`   // frames that passed the filter
	KernelDropped    int    `json:"kernel_dropped"`    // lost because the capture buffer was full
	InterfaceDropped int    `json:"interface_dropped"` // lost by the interface or driver
	DurationNS       int64  `json:"duration_ns"`
	Saved            string `json:"saved,omitempty"`
}

func (lc *liveCapture) writeReport(res *analyze.Result, st live.Stats) error {
	var err error
	switch lc.flags.format {
	case "jsonl":
		var doc bytes.Buffer
		if err = report.WriteAnalysisJSON(&doc, res); err != nil {
			break
		}
		var compact bytes.Buffer
		if err = json.Compact(&compact, doc.Bytes()); err != nil {
			break
		}
		line := liveReportLine{Type: "report", SchemaVersion: report.EventsSchemaVersion, Time: time.Now().UTC(), Report: compact.Bytes(), Capture: liveCaptureJSON{
			Interface: lc.flags.iface, Filter: lc.src.Filter(),
			LinkType: int(lc.src.LinkType()), LinkTypeName: lc.src.LinkType().String(),
			Packets: lc.src.Frames(), KernelReceived: st.Received, KernelDropped: st.Dropped, InterfaceDropped: st.IfDropped,
			DurationNS: int64(st.CaptureTime), Saved: lc.flags.save,
		}}
		var b []byte
		if b, err = json.Marshal(line); err == nil {
			_, err = lc.reportW.Write(append(b, '\n'))
		}
	case "json":
		err = report.WriteAnalysisJSON(lc.reportW, res)
	default:
		if lc.flags.out == "" {
			fmt.Fprintln(lc.reportW)
		}
		// NO_COLOR asks for no colour only; box drawing stays with the table format.
		err = report.WriteText(lc.reportW, res, report.Style{Boxes: lc.flags.format == "table",
			Color: useColor(colorAuto, lc.flags.format == "table" && isTerminal(lc.reportW), os.Getenv)})
	}
	closeOut := lc.closeOut
	lc.closeOut = nil
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	return err
}

// drawStatus redraws the one-line status on the terminal.
func (lc *liveCapture) drawStatus(now time.Time) {
	ds := lc.src.Stats()
	st, err := lc.src.CaptureStats()
	drops := "?"
	if err == nil {
		drops = strconv.Itoa(st.Dropped + st.IfDropped)
	}
	ike, esp := lc.track.active(now)
	lc.clearStatus()
	// Like top: the tunnels held now and their state, then the counters; findings scroll
	// above the block, which is drawn again in place.
	lc.mu.Lock()
	block := tunnelLines(lc.a.Open(), lc.a.Now(), maxTunnelLines)
	lc.mu.Unlock()
	for _, l := range block {
		fmt.Fprintf(lc.stderr, "\033[K%s\n", l)
	}
	fmt.Fprintf(lc.stderr, "\r\033[K%s · %s · %s · %d IKE · %d ESP · %s · %s · %s dropped",
		lc.flags.iface, now.Sub(lc.started).Round(time.Second), plural(lc.src.Frames(), "packet"), ds.ISAKMP, ds.ESP,
		plural(ike, "IKE SA"), plural(esp, "ESP SA"), drops)
	lc.statusShown, lc.statusLines = true, len(block)
}

// maxTunnelLines bounds the tunnels the terminal view lists.
const maxTunnelLines = 10

// tunnelLines lists tunnels for the terminal view, one line each: peers, state, and how
// long ago the SA last carried ESP; the failed first, then the newest. It orders ss in
// place (Analyzer.Open gives a slice of its own).
func tunnelLines(ss []*analyze.Session, now time.Time, max int) []string {
	sort.SliceStable(ss, func(i, j int) bool {
		if ss[i].Failed != ss[j].Failed {
			return ss[i].Failed
		}
		return ss[i].First.After(ss[j].First)
	})
	var out []string
	for i, s := range ss {
		if i == max {
			out = append(out, fmt.Sprintf("  … %d more", len(ss)-max))
			break
		}
		var last time.Time
		for _, f := range s.ESP {
			if f.Last.After(last) {
				last = f.Last
			}
		}
		esp := "no ESP"
		if !last.IsZero() {
			esp = "ESP " + now.Sub(last).Round(time.Second).String() + " ago"
		}
		out = append(out, fmt.Sprintf("  #%-3d %s → %s  %s · %s", s.ID, s.Initiator, s.Responder, s.State, esp))
	}
	return out
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

func (lc *liveCapture) clearStatus() {
	if lc.statusShown {
		fmt.Fprint(lc.stderr, "\r\033[K")
		for ; lc.statusLines > 0; lc.statusLines-- {
			fmt.Fprint(lc.stderr, "\033[A\033[K") // up a line, and clear it
		}
		lc.statusShown = false
	}
}

// saTracker counts the IKE SAs and ESP SAs seen lately, for the status line. It forgets an
// SA after ten quiet minutes (the analysis' idle timeout), so it stays as small as the
// set of live SAs.
type saTracker struct {
	ike   map[[8]byte]time.Time
	esp   map[uint32]time.Time
	prune time.Time
}

const saTrackerIdle = 10 * time.Minute

func newSATracker() *saTracker {
	return &saTracker{ike: map[[8]byte]time.Time{}, esp: map[uint32]time.Time{}}
}

func (t *saTracker) note(m *decode.Message) {
	switch {
	case m.Kind == decode.KindISAKMP && m.ISAKMP != nil:
		t.ike[m.ISAKMP.InitiatorSPI] = m.Time
	case m.Kind == decode.KindESP:
		t.esp[m.ESP.SPI] = m.Time
	}
}

func (t *saTracker) active(now time.Time) (ike, esp int) {
	if now.Sub(t.prune) > time.Minute {
		t.prune = now
		for k, last := range t.ike {
			if now.Sub(last) > saTrackerIdle {
				delete(t.ike, k)
			}
		}
		for k, last := range t.esp {
			if now.Sub(last) > saTrackerIdle {
				delete(t.esp, k)
			}
		}
	}
	return len(t.ike), len(t.esp)
}

// dropPrivileges makes the process run as name (default nobody), as tcpdump -Z does, once
// the capture handle and the output files are open. Started as another user than root,
// there is nothing to drop unless -Z names a user.
func dropPrivileges(name string) error {
	explicit := name != ""
	if !explicit {
		if os.Geteuid() != 0 {
			return nil
		}
		name = "nobody"
	}
	u, err := user.Lookup(name)
	if err != nil {
		hint := "name an existing user with -Z USER"
		if !explicit {
			hint = "there is no user \"nobody\" here: name one with -Z USER, or keep root with --no-drop-privileges"
		}
		return fmt.Errorf("cannot drop privileges to %q: no such user (%s)", name, hint)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("cannot drop privileges to %q: uid %q, gid %q are not numbers", name, u.Uid, u.Gid)
	}
	if uid == os.Geteuid() && gid == os.Getegid() && uid != 0 {
		return nil // already that user
	}
	var groups []int
	if ids, err := u.GroupIds(); err == nil {
		for _, s := range ids {
			if g, err := strconv.Atoi(s); err == nil {
				groups = append(groups, g)
			}
		}
	}
	if groups == nil {
		groups = []int{gid}
	}
	fail := func(step string, err error) error {
		hint := "only root can change to another user"
		return fmt.Errorf("cannot drop privileges to %q: %s: %v (%s; or keep them with --no-drop-privileges)", name, step, err, hint)
	}
	// Groups first: after setuid there is no permission left to change them.
	if err := syscall.Setgroups(groups); err != nil {
		return fail("setgroups", err)
	}
	if err := syscall.Setgid(gid); err != nil {
		return fail("setgid", err)
	}
	if err := syscall.Setuid(uid); err != nil {
		return fail("setuid", err)
	}
	return nil
}

// listInterfaces prints what ikescope live -i accepts, as tcpdump -D does.
func listInterfaces(w io.Writer) error {
	ifs, err := live.Interfaces()
	if err != nil {
		return err
	}
	if len(ifs) == 0 {
		fmt.Fprintln(w, "No interfaces to capture on (run as root or with CAP_NET_RAW to see them all).")
		return nil
	}
	for i, ifc := range ifs {
		var flags []string
		if ifc.Up {
			flags = append(flags, "Up")
		}
		if ifc.Running {
			flags = append(flags, "Running")
		}
		if ifc.Loopback {
			flags = append(flags, "Loopback")
		}
		line := fmt.Sprintf("%d. %s", i+1, ifc.Name)
		if ifc.Description != "" {
			line += " (" + ifc.Description + ")"
		}
		if len(flags) > 0 {
			line += " [" + strings.Join(flags, ", ") + "]"
		}
		if len(ifc.Addresses) > 0 {
			line += " " + strings.Join(ifc.Addresses, " ")
		}
		fmt.Fprintln(w, line)
	}
	return nil
}

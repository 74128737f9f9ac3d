package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/report"
)

func runAnalyze(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("analyze", "ikescope analyze [-f table|text|json] [-o FILE] [--fail-on SEVERITY] CAPTURE...", stderr)
	format := fs.String("f", "", "output format: table (default on a terminal), text, json")
	out := fs.String("o", "", "write to `FILE` instead of standard output")
	failOn := fs.String("fail-on", "", "exit with status 1 when a finding of at least this `severity` (warning or error) exists")
	summary := fs.Bool("summary", false, "print one line per session (for cron and monitoring)")
	timeout := fs.Duration("reply-timeout", 10*time.Second, "how long after a request the capture must go on before the request counts as unanswered")
	files, err := parseFlags(fs, args, stderr)
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
	w, closeOut, err := createOutput(*out, stdout)
	if err != nil {
		return err
	}
	if *format == "" {
		*format = "text"
		if *out == "" && isTerminal(stdout) {
			*format = "table"
		}
	}
	switch *format {
	case "table", "text", "json":
	default:
		return &usageError{fmt.Sprintf("unknown format %q for analyze: use table, text or json", *format)}
	}
	a := analyze.New(analyze.Options{ReplyTimeout: *timeout})
	var readErr error
	for _, name := range files {
		if err := feed(a, name, stdin); err != nil {
			fmt.Fprintf(stderr, "ikescope: %s\n", oneLine(err.Error()))
			readErr = errAlreadyReported
		}
	}
	res := a.Finish()
	switch {
	case *summary:
		err = report.WriteSummary(w, res)
	case *format == "json":
		err = report.WriteAnalysisJSON(w, res)
	default:
		err = report.WriteText(w, res, report.Style{Boxes: *format == "table" && os.Getenv("NO_COLOR") == ""})
	}
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if readErr != nil {
		return readErr
	}
	if *failOn != "" {
		for _, f := range res.Findings {
			if f.Severity >= threshold {
				return errFindings
			}
		}
	}
	return nil
}

// feed reads one capture into the analysis. A capture that breaks off still counts for
// what came before the damage.
func feed(a *analyze.Analyzer, name string, stdin io.Reader) error {
	var r *decode.Reader
	var err error
	if name == "-" {
		r, err = decode.NewReader("standard input", stdin, nil)
	} else {
		r, err = decode.Open(name)
	}
	if err != nil {
		return err
	}
	defer r.Close()
	a.StartCapture(r.Name())
	for r.Next() {
		a.Add(r.Message())
	}
	a.EndCapture(r.Stats())
	return r.Err()
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

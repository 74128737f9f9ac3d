package main

import (
	"fmt"
	"io"

	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/report"
)

func runDecode(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("decode", "ikescope decode [-f text|json] [-o FILE] CAPTURE...", stderr)
	format := fs.String("f", "text", "output format: text (a tree per message) or json (one object per line)")
	out := fs.String("o", "", "write to `FILE` instead of standard output")
	files, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return &usageError{"decode needs at least one capture file (or - for standard input)"}
	}
	if *format != "text" && *format != "json" {
		return &usageError{fmt.Sprintf("unknown format %q for decode: use text or json", *format)}
	}
	w, closeOut, err := createOutput(*out, stdout)
	if err != nil {
		return err
	}
	var firstErr error
	for _, name := range files {
		if err := decodeFile(name, stdin, *format, w, len(files) > 1); err != nil {
			// Report and go on with the next capture; the exit status still says it failed.
			fmt.Fprintf(stderr, "ikescope: %s\n", oneLine(err.Error()))
			if firstErr == nil {
				firstErr = errAlreadyReported
			}
		}
	}
	if err := closeOut(); err != nil && firstErr == nil {
		firstErr = err
	}
	return firstErr
}

func decodeFile(name string, stdin io.Reader, format string, w io.Writer, several bool) error {
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
	switch format {
	case "json":
		capture := ""
		if several {
			capture = r.Name()
		}
		for r.Next() {
			if err := report.WriteJSONLine(w, report.NewMessageJSON(capture, r.Message())); err != nil {
				return err
			}
		}
	default:
		tw := report.NewTreeWriter(w)
		if several {
			tw.Header(r.Name())
		}
		for r.Next() {
			tw.Write(r.Message())
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return r.Err()
}

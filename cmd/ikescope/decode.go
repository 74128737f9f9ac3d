package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/decode/ikecrypt"
	"github.com/ikescope/ikescope/report"
)

const decodeSynopsis = "ikescope decode [-f|--format text|json] [-o|--output FILE] [--keys FILE]... [--redact] [-c N] [--filter EXPR] [--tcp-port PORT]... [-r] CAPTURE... [FILTER]"

const decodeExamples = `
Examples:
  ikescope decode gw-outside.pcap                          # a tree per message, like Wireshark's
  ikescope decode --keys charon.log gw-outside.pcap        # encrypted payloads decrypted too
  ikescope decode --keys xfrm.txt gw-outside.pcap          # ESP too: the inner packets ('ip xfrm state' > xfrm.txt)
  ikescope decode -f json capture.pcapng.gz | jq 'select(.exchange_type_name=="IKE_AUTH")'
  ikescope decode -o decode.txt gw-a.pcap gw-b.pcap        # a heading per capture
  ikescope decode -c 4 -r gw-outside.pcap host 198.51.100.7   # as tcpdump -c 4 -r ... host ...
  ikescope decode --redact gw-a.pcap > ticket.txt          # pseudonyms, as analyze --redact
  ikescope decode --tcp-port 10000 gw-outside.pcap         # IKE over TCP on 10000 too (4500 always)
  tcpdump -i eth0 -w - 'udp port 500 or udp port 4500 or esp' | ikescope decode -

Formats: text (default: a tree per message, frame numbers as Wireshark shows them) and json
(one object per line, docs/decode-json.md). Exit status: 0 when every capture was read, 2
for usage errors and unreadable captures or key files.
`

func runDecode(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("decode", decodeSynopsis, stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s\n\nPrint every IKE/ISAKMP and ESP message in the captures, payload by payload.\n\nOptions:\n", decodeSynopsis)
		printOptions(fs)
		fmt.Fprint(fs.Output(), decodeExamples)
	}
	formatFlag := fs.String("f", "text", "output `FORMAT`: text (a tree per message, the default) or json (one object per line), in any case")
	out := fs.String("o", "", "write to `FILE` instead of standard output")
	addLongForm(fs, "f", "format")
	addLongForm(fs, "o", "output")
	keyFiles := addKeysFlag(fs)
	capFlags := addCaptureFlags(fs)
	redact := fs.Bool("redact", false, "replace addresses, identities, certificate names, SPIs and capture names with pseudonyms and leave out hashes, nonces and key data, for a public ticket (as analyze --redact)")
	files, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	files, filter, err := capFlags.resolve(files)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return &usageError{"decode needs at least one capture file (or - for standard input)"}
	}
	format := strings.ToLower(*formatFlag)
	if format != "text" && format != "json" {
		return &usageError{fmt.Sprintf("unknown format %q for decode: use text or json", *formatFlag)}
	}
	keys, err := loadKeys(*keyFiles, nil)
	if err != nil {
		return err
	}
	// The output is created when the first capture opens: captures that cannot be opened
	// leave no empty file behind in -o's place.
	var rd *report.Redactor
	if *redact {
		rd = report.NewStreamRedactor() // one for all captures: the same peer keeps its name
	}
	var firstErr error
	var w io.Writer
	closeOut := func() error { return nil }
	for _, name := range files {
		r, err := openCaptureReader(name, stdin)
		if err == nil && w == nil {
			if w, closeOut, err = createOutput(*out, stdout); err != nil {
				r.Close()
				return err
			}
		}
		if err == nil {
			filter.apply(r)
			err = decodeCapture(r, format, w, len(files) > 1, keys, rd)
			r.Close()
		}
		if err != nil {
			// Report and go on with the next capture; the exit status still says it failed.
			fmt.Fprintf(stderr, "ikescope: %s\n", oneLine(err.Error()))
			firstErr = errAlreadyReported
		}
	}
	if err := filter.Err(); err != nil {
		fmt.Fprintf(stderr, "ikescope: %s\n", oneLine(err.Error()))
		firstErr = errAlreadyReported
	}
	if err := closeOut(); err != nil && firstErr == nil {
		firstErr = err
	}
	return firstErr
}

// openCaptureReader opens a capture file and reads its header; "-" is standard input.
func openCaptureReader(name string, stdin io.Reader) (*decode.Reader, error) {
	if name == "-" {
		return decode.NewReader("standard input", stdin, nil)
	}
	return decode.Open(name)
}

// decodeCapture prints every message of an opened capture in format.
func decodeCapture(r *decode.Reader, format string, w io.Writer, several bool, keys *ikecrypt.Keys, rd *report.Redactor) error {
	var dec *ikecrypt.Decrypter
	if keys != nil {
		dec = ikecrypt.NewDecrypter(keys)
	}
	// decrypt opens an ESP packet in place (m.Inner, which report prints under the ESP
	// header) and returns what it opened of an encrypted IKE message.
	decrypt := func(m *decode.Message) (*ikecrypt.Result, error) {
		if dec != nil && m.Kind == decode.KindESP {
			dec.Open(m)
		}
		if dec == nil || m.ISAKMP == nil || m.Kind != decode.KindISAKMP {
			return nil, nil
		}
		return dec.Decrypt(m.ISAKMP)
	}
	switch format {
	case "json":
		capture := ""
		if several {
			capture = r.Name()
		}
		// A file's lines go out in large writes; standard input (a live tcpdump -w -)
		// gets each line as its packet arrives.
		bw := bufio.NewWriterSize(w, 64<<10)
		out := io.Writer(bw)
		if r.Name() == "standard input" {
			out = w
		}
		for r.Next() {
			m := r.Message()
			res, err := decrypt(m)
			j := report.NewMessageJSON(capture, m)
			j.Decrypted = report.NewDecryptedJSON(res, err)
			if err := report.WriteMessageJSON(out, j, m, res, rd); err != nil {
				return err
			}
			r.Recycle() // the line is out: nothing of the message is kept
		}
		if err := bw.Flush(); err != nil {
			return err
		}
	default:
		tw := report.NewTreeWriter(w)
		if rd != nil {
			tw.Redact(rd)
		}
		if several {
			tw.Header(r.Name())
		}
		for r.Next() {
			m := r.Message()
			res, err := decrypt(m)
			tw.Write(m)
			tw.WriteDecrypted(m, res, err)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return r.Err()
}

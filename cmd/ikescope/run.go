package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// exitCode is the process exit status; every path maps to one of these.
type exitCode int

const (
	exitOK       exitCode = 0 // the run worked, whatever it found
	exitFindings exitCode = 1 // --fail-on was met
	exitError    exitCode = 2 // usage error or unreadable input
)

const usage = `ikescope explains why an IPsec tunnel did not come up, from a packet capture.

Usage:
  ikescope analyze [-f|--format table|text|markdown|html|json|jsonl] [-o|--output FILE] [--keys FILE]... [--config FILE|DIR]...
                   [--reply-timeout SECONDS] [--redact] [--summary] [--fail-on warning|error]
                   [--time rel|abs|delta] [--color auto|always|never]
                   [--peer ADDR] [--spi HEX] [-c N] [--filter EXPR] [--tcp-port PORT]... [-r] CAPTURE... [FILTER]
  ikescope decode [-f|--format text|json] [-o|--output FILE] [--keys FILE]... [--redact] [-c N]
                  [--filter EXPR] [--tcp-port PORT]... [-r] CAPTURE... [FILTER]
  ikescope keys [--v1|--v2|--esp] [-o|--output DIR] KEYFILE|DAEMON-LOG...
  ikescope check [-f|--format text|json] GATEWAY-A-CONFIG GATEWAY-B-CONFIG
  ikescope live -i INTERFACE [-w FILE.pcapng] [--filter EXPR] [-f table|text|json|jsonl] [-o FILE]
  ikescope version

Commands:
  analyze   rebuild each negotiation, say what went wrong and what to check
  decode    print every IKE/ISAKMP and ESP message, payload by payload
  keys      print the IKE and ESP keys found in key tables, kernel dumps and daemon logs as Wireshark tables
  check     compare two gateways' configurations: what will not match, and the lines to change
  live      capture on an interface: findings as they happen, the report on Ctrl-C
  version   print the version, revision and build time, for bug reports

Examples:
  ikescope analyze gw-outside.pcap
  ikescope analyze -f markdown -o ticket.md --redact gw-outside.pcap   # safe for a public ticket
  ikescope analyze -f html -o report.html gw-a.pcap gw-b.pcapng        # one self-contained page
  ikescope analyze -f json gw-a.pcap gw-b.pcapng | jq '.findings[] | select(.severity=="error")'
  ikescope analyze --summary --fail-on error nightly.pcap || echo "tunnel trouble"
  ikescope decode gw-outside.pcap
  ikescope analyze -r gw-outside.pcap host 198.51.100.7               # a tcpdump filter, as tcpdump -r takes it
  ikescope analyze --peer 198.51.100.7 gw-outside.pcap                # one peer's sessions and findings
  ikescope analyze --keys charon.log gw-a.pcap                         # read Quick Mode and IKE_AUTH too
  ikescope keys --v2 /var/log/charon.log > ikev2_decryption_table
  ikescope decode --keys xfrm-state.txt gw-a.pcap                      # ESP opened with 'ip xfrm state' output
  ikescope check gw-a/swanctl.conf gw-b/ipsec.conf                    # what will not match, and the lines
  ikescope analyze --config gw-a/ --config gw-b/ gw-a.pcap            # findings cite the configuration
  ikescope decode -f json capture.pcapng.gz | jq 'select(.exchange_type_name=="IKE_AUTH")'
  tcpdump -i eth0 -w - 'udp port 500 or udp port 4500 or esp' | ikescope decode -
  sudo ikescope live -i eth0 -w tunnel.pcapng       # Ctrl-C prints the report
  sudo ikescope live -i any --filter 'host 198.51.100.7' --duration 5m -f jsonl

Captures may be pcap or pcapng, gzip-compressed or not; "-" reads standard input. A filter
after the captures (or --filter EXPR) reads only the packets it lets through; IP fragments after
the first carry no ports, so "host" keeps a fragmented message where "port" loses it.
Run "ikescope COMMAND -h" for a command's options.
`

// usageError is a mistake in the command line: printed with a hint, exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) exitCode {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitError
	}
	var err error
	switch args[0] {
	case "analyze", "analyse":
		err = runAnalyze(args[1:], stdin, stdout, stderr)
	case "decode":
		err = runDecode(args[1:], stdin, stdout, stderr)
	case "keys":
		err = runKeys(args[1:], stdout, stderr)
	case "check":
		err = runCheck(args[1:], stdout, stderr)
	case "live":
		err = runLive(args[1:], stdin, stdout, stderr)
	case "version", "--version":
		err = runVersion(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		err = &usageError{fmt.Sprintf("unknown command %q", args[0])}
	}
	return exitFor(err, stderr)
}

// exitFor prints err as one line and maps it to an exit status.
func exitFor(err error, stderr io.Writer) exitCode {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err == errAlreadyReported {
		return exitError
	}
	if err == errFindings {
		return exitFindings
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "ikescope: %s (run \"ikescope --help\" for usage)\n", ue.msg)
		return exitError
	}
	fmt.Fprintf(stderr, "ikescope: %s\n", oneLine(err.Error()))
	return exitError
}

func oneLine(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", "; ") }

var version = "dev"

// newFlagSet returns a FlagSet whose errors come back as usage errors.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s\n\nOptions:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// addLongForm registers long as another name of the one-letter flag short
// (--format next to -f), as tcpdump and tshark users type them.
func addLongForm(fs *flag.FlagSet, short, long string) {
	fs.Var(fs.Lookup(short).Value, long, "same as -"+short)
}

// printOptions lists the options of fs as the usage lines spell them: one dash for
// one-letter flags, two for the others, a long form beside its short one ("-f, --format").
func printOptions(fs *flag.FlagSet) {
	w := fs.Output()
	longOf := map[string]string{}
	fs.VisitAll(func(f *flag.Flag) {
		if strings.HasPrefix(f.Usage, "same as -") {
			longOf[strings.TrimPrefix(f.Usage, "same as -")] = f.Name
		}
	})
	fs.VisitAll(func(f *flag.Flag) {
		if strings.HasPrefix(f.Usage, "same as -") {
			return
		}
		name, usage := flag.UnquoteUsage(f)
		line := "  " + dashed(f.Name)
		if long := longOf[f.Name]; long != "" {
			line += ", " + dashed(long)
		}
		if name != "" {
			line += " " + name
		}
		fmt.Fprintf(w, "%s\n    \t%s\n", line, strings.ReplaceAll(usage, "\n", "\n    \t"))
	})
}

func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// parseFlags parses args, allowing flags after the file names (ikescope decode x.pcap -f json).
// Parse errors come back as usage errors; -h prints the usage on stderr.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) ([]string, error) {
	var files []string
	for {
		fs.SetOutput(io.Discard)
		err := fs.Parse(args)
		if err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(stderr)
				fs.Usage()
				return nil, err
			}
			return nil, &usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return files, nil
		}
		files = append(files, args[0])
		args = args[1:]
	}
}

// createOutput opens -o FILE, or returns stdout for "" and "-".
func createOutput(path string, stdout io.Writer) (io.Writer, func() error, error) {
	if path == "" || path == "-" {
		return stdout, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot write %s: %v", path, unwrapPath(err))
	}
	return f, f.Close, nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// errFindings ends a run whose findings met --fail-on.
var errFindings = errors.New("findings at or above --fail-on")

// errAlreadyReported ends a run whose errors were printed as they happened.
var errAlreadyReported = errors.New("")

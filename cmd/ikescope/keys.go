package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/decode/ikecrypt"
)

// keyFiles is a repeatable --keys flag.
type keyFiles []string

func (k *keyFiles) String() string     { return strings.Join(*k, ",") }
func (k *keyFiles) Set(v string) error { *k = append(*k, v); return nil }

func addKeysFlag(fs *flag.FlagSet) *keyFiles {
	var k keyFiles
	fs.Var(&k, "keys", "read IKE keys from `FILE` (repeatable): Wireshark's ikev1/ikev2_decryption_table, libreswan/tcpdump 'ikev2 I|R' lines, or a strongSwan charon log at ike 4")
	return &k
}

// loadKeys reads and merges the key files; nil when none were given.
//
// A file that holds no keys (ikecrypt.ErrNoKeys) is an error when it is the only source,
// unless noKeys is set: then noKeys is called with the file's name, the file is skipped and
// the run goes on with the keys the other files hold, or without keys. Unreadable and
// malformed files are errors either way.
func loadKeys(files keyFiles, noKeys func(file string)) (*ikecrypt.Keys, error) {
	var all *ikecrypt.Keys
	var none error
	for _, f := range files {
		if isCapture(f) {
			return nil, fmt.Errorf("%s is a packet capture, not a key file: keys come from Wireshark's decryption tables, \"ikev2 I|R\" lines or a charon log (to analyse the capture: ikescope analyze %s)", f, f)
		}
		k, err := ikecrypt.LoadKeys(f)
		if errors.Is(err, ikecrypt.ErrNoKeys) && noKeys != nil {
			noKeys(f)
			continue
		}
		if errors.Is(err, ikecrypt.ErrNoKeys) && len(files) > 1 {
			// One peer's log may hold no keys (libreswan without plutodebug=private);
			// the other's may be enough.
			none = err
			continue
		}
		if err != nil {
			return nil, err
		}
		if all == nil {
			all = k
		} else {
			all.Merge(k)
		}
	}
	if all == nil && none != nil {
		return nil, none
	}
	return all, nil
}

const keysSynopsis = "ikescope keys KEYFILE|DAEMON-LOG..."

const keysHelp = `
Print the IKE keys found in the files as Wireshark's two decryption tables, for
Wireshark (Preferences > Protocols > ISAKMP) or for ikescope --keys. Keys from several
files are merged.

Options: none; every argument is a file to read. A file may be:
  - Wireshark's ikev1_decryption_table or ikev2_decryption_table (strongSwan's save-keys
    plugin writes them too);
  - "ikev2 I|R 0xSPIi 0xSPIr integ:0xKEY encr:0xKEY" lines (tcpdump -E secrets, libreswan);
  - a strongSwan charon log written at "ike 4" (or higher) log level.
A packet capture is not a key file: give it to ikescope analyze or decode.

Examples:
  ikescope keys /var/log/charon.log > ikev2_decryption_table
  ikescope keys gw-a-charon.log gw-b-charon.log            # both peers' logs, merged
  ikescope analyze --keys /var/log/charon.log gw-outside.pcap

Exit status: 0 when keys were found, 2 when a file is unreadable, holds no keys or is not
a key file.
`

// isCapture reports whether path is a pcap or pcapng capture, gzip-compressed or not:
// given where a key file belongs, it would be parsed as text and its bytes quoted back
// as malformed key lines. Only regular files are looked at, so that a pipe
// (--keys <(ssh gw cat charon.log)) is read once, by the key parser.
func isCapture(path string) bool {
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() {
		return false
	}
	r, err := decode.Open(path)
	if err != nil {
		return false
	}
	r.Close()
	return true
}

// runKeys prints the keys found in key files and daemon logs as Wireshark's tables.
func runKeys(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("keys", keysSynopsis, stderr)
	fs.Usage = func() { fmt.Fprintf(fs.Output(), "Usage: %s\n%s", keysSynopsis, keysHelp) }
	files, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return &usageError{"keys needs at least one key file or daemon log"}
	}
	keys, err := loadKeys(keyFiles(files), nil)
	if err != nil {
		return err
	}
	var v1, v2 strings.Builder
	if err := keys.WriteWiresharkTables(&v1, &v2); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "# ikev1_decryption_table (Wireshark: Preferences > Protocols > ISAKMP > IKEv1 Decryption Table)\n%s", v1.String())
	fmt.Fprintf(stdout, "# ikev2_decryption_table (Wireshark: Preferences > Protocols > ISAKMP > IKEv2 Decryption Table)\n%s", v2.String())
	return nil
}

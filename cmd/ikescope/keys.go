package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/decode/ikecrypt"
)

// keyFiles is a repeatable --keys flag.
type keyFiles = fileList

// fileList is a repeatable flag of file names.
type fileList []string

func (k *fileList) String() string     { return strings.Join(*k, ",") }
func (k *fileList) Set(v string) error { *k = append(*k, v); return nil }

func addKeysFlag(fs *flag.FlagSet) *keyFiles {
	var k keyFiles
	fs.Var(&k, "keys", "read keys from `FILE` (repeatable): IKE keys from Wireshark's ikev1/ikev2_decryption_table, libreswan/tcpdump 'ikev2 I|R' lines or a strongSwan charon log at ike 4; ESP keys from 'ip xfrm state' or 'setkey -D' output, Wireshark's esp_sa, tcpdump -E secrets or a charon log at chd 4")
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
			return nil, fmt.Errorf("%s is a packet capture, not a key file: keys come from Wireshark's decryption tables, \"ikev2 I|R\" lines, ip xfrm state output or a charon log (to analyse the capture: ikescope analyze %s)", f, f)
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

const keysSynopsis = "ikescope keys [--v1|--v2|--esp] [-o|--output DIR] KEYFILE|DAEMON-LOG... [CAPTURE...]"

const keysHelp = `
Print the keys found in the files as Wireshark's tables, for Wireshark or for ikescope
--keys: the IKE keys as its two decryption tables (Preferences > Protocols > ISAKMP), the
ESP keys as its esp_sa table (Preferences > Protocols > ESP > ESP SAs). Keys from several
files are merged.

Without options the tables go to standard output, each under a comment naming it (the
ESP table when there are ESP keys). With --v1, --v2 or --esp only that table is printed,
as the file of that name holds it; with -o DIR the tables are written to
DIR/ikev1_decryption_table, DIR/ikev2_decryption_table and DIR/esp_sa (the last only
when there are ESP keys, or with --esp), replacing files of those names (Wireshark's own:
DIR can be Wireshark's personal configuration directory).

Options:
  -o, --output DIR   write ikev1_decryption_table, ikev2_decryption_table and esp_sa into
                     DIR (with --v1, --v2 or --esp: only that one)
  --v1               only the IKEv1 table (ISAKMP SPIs and encryption keys)
  --v2               only the IKEv2 table (SPIs, SK_ei/SK_er, SK_ai/SK_ar, algorithms)
  --esp              only the ESP table (addresses, SPI, algorithms and keys of each SA)

Every other argument is a file to read. A file may be:
  - Wireshark's ikev1_decryption_table, ikev2_decryption_table (strongSwan's save-keys
    plugin writes them too) or esp_sa;
  - "ikev2 I|R 0xSPIi 0xSPIr integ:0xKEY encr:0xKEY" lines (tcpdump -E secrets, libreswan);
  - tcpdump's -E ESP secrets: "0xSPI@ADDRESS 3des-cbc-hmac96:0xKEY", one a line or
    separated by commas;
  - the output of "ip xfrm state" (Linux: the kernel's ESP SAs and keys) or "setkey -D"
    (BSD, racoon);
  - a strongSwan charon log written at "ike 4" (IKE keys) and "chd 4" (ESP keys) or higher.
A packet capture (pcap or pcapng) given with them is read for the IKEv2 keys that name no
SPIs: a charon log does not name those of an IKE SA made by a rekey, nor Wireshark's
table take keys without them. Each such key that opens an IKE SA of the capture is
written with that SA's SPIs; one that opens none stays a comment.

Examples:
  ikescope keys --v2 /var/log/charon.log > ikev2_decryption_table
  ikescope keys -o tables/ gw-a-charon.log gw-b-charon.log  # both peers' logs, merged
  ikescope keys charon.log                                  # all tables, to read
  ikescope keys --v2 charon.log tunnel.pcap                 # rekeyed IKE SAs bound to their SPIs
  ip xfrm state > xfrm.txt; ikescope keys --esp xfrm.txt > esp_sa
  ikescope decode --keys xfrm.txt gw-outside.pcap           # ESP decrypted: the packets inside
  ikescope analyze --keys /var/log/charon.log gw-outside.pcap

Exit status: 0 when keys were found, 2 when a file is unreadable, holds no keys or is not
a key file, or DIR cannot be written.
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

// bindKeys gives the IKEv2 keys without SPIs that open an IKE SA of the capture that SA's
// SPIs (ikecrypt.Decrypter.Bindings).
func bindKeys(keys *ikecrypt.Keys, capture string) error {
	r, err := decode.Open(capture)
	if err != nil {
		return err
	}
	defer r.Close()
	dec := ikecrypt.NewDecrypter(keys)
	for r.Next() {
		if m := r.Message(); m.Kind == decode.KindISAKMP {
			dec.Open(m)
		}
		r.Recycle()
	}
	if err := r.Err(); err != nil {
		return fmt.Errorf("%s: %w", capture, err)
	}
	keys.Bind(dec.Bindings())
	return nil
}

// Wireshark's names for its IKE decryption tables, in its configuration directory.
const (
	v1TableName  = "ikev1_decryption_table"
	v2TableName  = "ikev2_decryption_table"
	espTableName = "esp_sa"
)

// runKeys prints the keys found in key files and daemon logs as Wireshark's tables, or
// writes them to a directory as Wireshark's files.
func runKeys(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("keys", keysSynopsis, stderr)
	fs.Usage = func() { fmt.Fprintf(fs.Output(), "Usage: %s\n%s", keysSynopsis, keysHelp) }
	dir := fs.String("o", "", "write the tables as files into `DIR`")
	addLongForm(fs, "o", "output")
	onlyV1 := fs.Bool("v1", false, "only the IKEv1 table")
	onlyV2 := fs.Bool("v2", false, "only the IKEv2 table")
	onlyESP := fs.Bool("esp", false, "only the ESP table (esp_sa)")
	files, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return &usageError{"keys needs at least one key file or daemon log"}
	}
	if *dir != "" {
		if st, err := os.Stat(*dir); err != nil || !st.IsDir() {
			return &usageError{fmt.Sprintf("-o takes a directory, and %s is none (the tables are written into it as %s, %s and %s)", *dir, v1TableName, v2TableName, espTableName)}
		}
	}
	var captures, keyPaths []string
	for _, f := range files {
		if isCapture(f) {
			captures = append(captures, f)
		} else {
			keyPaths = append(keyPaths, f)
		}
	}
	if len(keyPaths) == 0 {
		keyPaths = files // loadKeys says the capture is not a key file
	}
	keys, err := loadKeys(keyFiles(keyPaths), nil)
	if err != nil {
		return err
	}
	for _, c := range captures {
		if err := bindKeys(keys, c); err != nil {
			return err
		}
	}
	var v1, v2, esp strings.Builder
	if err := keys.WriteWiresharkTables(&v1, &v2); err != nil {
		return err
	}
	if err := keys.WriteWiresharkESPSA(&esp); err != nil {
		return err
	}
	asked := 0
	for _, f := range []bool{*onlyV1, *onlyV2, *onlyESP} {
		if f {
			asked++
		}
	}
	both := asked != 1 // none or several asked for: each under its comment
	all := asked == 0
	tables := []struct {
		name, text string
		want       bool
	}{
		{v1TableName, v1.String(), all || *onlyV1},
		{v2TableName, v2.String(), all || *onlyV2},
		// An empty esp_sa is not written over Wireshark's own unless asked for.
		{espTableName, esp.String(), all && len(keys.ESP) > 0 || *onlyESP},
	}
	for _, t := range tables {
		if !t.want {
			continue
		}
		switch {
		case *dir != "":
			path := filepath.Join(*dir, t.name)
			if err := os.WriteFile(path, []byte(t.text), 0o600); err != nil {
				return fmt.Errorf("cannot write %s: %v", path, unwrapPath(err))
			}
			fmt.Fprintf(stderr, "ikescope: wrote %s\n", path)
		case both && t.name == espTableName:
			fmt.Fprintf(stdout, "# %s (Wireshark: Preferences > Protocols > ESP > ESP SAs)\n%s", t.name, t.text)
		case both:
			fmt.Fprintf(stdout, "# %s (Wireshark: Preferences > Protocols > ISAKMP > IKEv%c Decryption Table)\n%s", t.name, t.name[4], t.text)
		default:
			fmt.Fprint(stdout, t.text)
		}
	}
	return nil
}

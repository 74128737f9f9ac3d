package decode_test

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/internal/decodetest"
)

// tsharkFields are the fields compared, in the order tshark prints them. frame.number
// and frame.protocols say where and what; the rest are compared as printed by tshark
// with -E occurrence=a -E aggregator=, (every occurrence in the frame, in tree order).
var tsharkFields = []string{
	"frame.number",
	"frame.protocols",
	"isakmp.ispi",
	"isakmp.rspi",
	"isakmp.version",
	"isakmp.exchangetype",
	"isakmp.messageid",
	"isakmp.flags",
	"isakmp.length",
	"isakmp.typepayload", // every payload type in tree order, proposals (2) and transforms (3) included
	"isakmp.prop.number",
	"isakmp.prop.protoid",
	"isakmp.trans.number", // IKEv1 transforms
	"isakmp.trans.id",
	"isakmp.tf.type", // IKEv2 transforms; the ID goes to a field per transform type
	"isakmp.tf.id.encr",
	"isakmp.tf.id.prf",
	"isakmp.tf.id.integ",
	"isakmp.tf.id.dh",
	"isakmp.tf.id.esn",
	"isakmp.tf.id",         // IKEv2 transform types tshark has no field for
	"isakmp.ike.attr.type", // IKEv1 Phase 1 (protocol ISAKMP) attributes
	"isakmp.ike.attr.value",
	"isakmp.ipsec.attr.type", // IKEv1 Phase 2 (AH, ESP, IPCOMP) attributes
	"isakmp.ipsec.attr.value",
	"isakmp.ike2.attr.type", // IKEv2 transform attributes
	"isakmp.ike2.attr.value",
	"isakmp.key_exchange.dh_group",
	"isakmp.id.type",
	"isakmp.notify.msgtype",
	"isakmp.frag.number", // IKEv2 SKF
	"isakmp.frag.total",
	"ah.spi", // every AH, with what it protects (ESP or not)
	"ah.sequence",
	"esp.spi",
	"esp.sequence",
	"_ws.malformed", // not compared: shown in failure messages
	"_ws.expert.message",
}

// kindField is the pseudo-field comparing what a frame carries: "isakmp", "esp",
// "keepalive", "ah" (an AH protecting neither IKE nor ESP) or nothing.
const kindField = "kind"

// incompleteField marks, on ikescope's side, a datagram whose IP fragments never all arrived.
const incompleteField = "incomplete"

// notCompared are tsharkFields that only explain a difference.
var notCompared = map[string]bool{"frame.number": true, "frame.protocols": true, "_ws.malformed": true,
	"_ws.expert.message": true, incompleteField: true, tcpField: true}

// tcpField marks, on ikescope's side, a frame that carries IKE or ESP over TCP (RFC 8229).
const tcpField = "tcp"

// tsharkKnownDiff is a difference between tshark and ikescope that is understood.
type tsharkKnownDiff struct {
	capture string // relative to the corpus, or "pcaps/..." for the repository's own
	frame   int    // 0: every frame of the capture
	fields  string // tsharkFields names or kindField, space-separated; "*": every field
	reason  string // "BUG: ..." marks an ikescope bug not yet fixed
}

// Reasons shared by several entries of tsharkKnownDiffs.
const (
	whyUnknownMajor = "major version neither 1 nor 2: tshark 4.0 shows the SPIs, version, flags and " +
		"message ID, then stops (malformed) without exchange type, length or payloads; ikescope reads " +
		"the whole fixed header and walks the payloads with the IKEv1 rules"
	whyBogusLength = "fuzzed first IP fragment whose other fragments are missing, with an ISAKMP length " +
		"field far beyond the datagram: tshark decodes the header, calls the length bogus (or hits " +
		"\"Unreassembled Packet\") and decodes no payload; ikescope reports an incomplete datagram and " +
		"decodes the payloads the fragment carries, as far as they go"
	whySAKEK = "payload type 15 here is an early-draft NAT-D (20-byte hash); tshark 4.0 dissects 15 as " +
		"GDOI SA KEK, fails on the first one and stops; ikescope keeps it opaque and walks on to the second"
)

// tsharkKnownDiffs lists every known difference; docs/tshark-differences.md explains each
// in more words. Keep the two in step.
var tsharkKnownDiffs = []tsharkKnownDiff{
	{"pcaps/ikev1-truncated.pcap", 0, "isakmp.length isakmp.typepayload",
		"every frame is cut at 96 bytes (tcpdump -s 96): tshark shows neither the length field nor the payloads of " +
			"a message it cannot see whole; ikescope reads the header's length and the payloads that were captured, " +
			"marked truncated"},
	{"ike-scan/_derived_pcap/pkt-malformed.pcap", 1, "isakmp.exchangetype isakmp.length", whyUnknownMajor + " (version 3.2)"},
	{"tcpdump/tests/isakmp-delete-segfault.pcap", 1, "isakmp.exchangetype isakmp.length isakmp.typepayload", whyUnknownMajor + " (version 11.14)"},
	{"tcpdump/tests/isakmp-pointer-loop.pcap", 1, "*",
		"ISAKMP length field 0, less than the 28-byte header: tshark does not take the datagram as ISAKMP " +
			"(shows Data); ikescope decodes the header and reports the length field as smaller than the header"},
	{"tcpdump/tests/ISAKMP_sa_setup.pcap", 3, "isakmp.typepayload", whySAKEK},
	{"tcpdump/tests/ISAKMP_sa_setup.pcap", 4, "isakmp.typepayload", whySAKEK},
	{"tcpdump/tests/ikev2pI2-segfault.pcapng", 1, "isakmp.typepayload",
		"fuzzed SA: the second proposal's length runs past the SA payload. tshark lists the proposal (2) " +
			"and stops the whole message with an exception; ikescope rejects the proposal with an error " +
			"and goes on to the next payload (KE, whose length also runs past the message, kept as partial)"},
	{"tcpdump/tests/isakmp-various-oobr.pcap", 1, "isakmp.length isakmp.typepayload isakmp.key_exchange.dh_group", whyBogusLength},
	{"tcpdump/tests/isakmp-ikev1_n_print-oobr.pcap", 1, "isakmp.typepayload isakmp.notify.msgtype", whyBogusLength},
	{"tcpdump/tests/isakmp-ikev1_n_print-oobr.pcap", 3, "isakmp.length isakmp.typepayload isakmp.notify.msgtype", whyBogusLength},
	{"tcpdump/tests/ikev1_id_ipv6_addr_subnet-oobr.pcap", 1, "isakmp.typepayload isakmp.id.type", whyBogusLength},
	{"tcpdump/tests/isakmpv1-attr-oobr.pcap", 1, "isakmp.typepayload", whyBogusLength + "; its IPv4 header also " +
		"carries a malformed option (0xff, length 18 past the options), which both tools read past"},
	{"tcpdump/tests/esp_truncated.pcap", 1, "kind esp.spi",
		"first IP fragment (MF set) of a UDP 4500 datagram, 4 bytes of ESP captured: tshark dissects the " +
			"fragment and shows the SPI; ikescope reports an incomplete datagram (KindIncomplete) and keeps " +
			"no ESP header for it"},
}

// tsharkFrame is one frame's fields as tshark prints them; fields absent from the frame
// are absent from the map.
type tsharkFrame map[string]string

// TestTshark compares ikescope's decoder with tshark, frame by frame, on every capture in
// pcaps/ and in the shared corpus. tshark is the reference: every field below must agree,
// or the difference must be listed in tsharkKnownDiffs with the reason (and in
// docs/tshark-differences.md). A listed difference that no longer occurs fails the test
// too, so the list stays true.
//
// tshark runs with an empty configuration directory (no ISAKMP or ESP key tables, no
// user preferences) and ESP decryption and heuristics off, so that it sees the same
// clear-text payloads ikescope sees. IP reassembly stays on in both. Captures run in
// parallel: tshark takes about half a second to start.
func TestTshark(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		decodetest.SkipOrFail(t, "tshark is not installed: run `make test` (it installs the test dependencies) "+
			"or `apt-get install tshark`")
	}
	conf := t.TempDir() // an empty Wireshark configuration: no key tables, default preferences

	type capture struct{ name, path string }
	var captures []capture
	root := decodetest.RepoRoot(t)
	for _, rel := range repoCaptures(t) {
		captures = append(captures, capture{rel, filepath.Join(root, filepath.FromSlash(rel))})
	}
	corpus := decodetest.CorpusDir(t)
	if corpus != "" {
		for _, rel := range decodetest.CorpusCaptures(t, corpus) {
			captures = append(captures, capture{rel, filepath.Join(corpus, filepath.FromSlash(rel))})
		}
	}

	var (
		mu                         sync.Mutex
		nCaptures, nFrames, nAgree int
		nKnown                     int
	)
	t.Cleanup(func() {
		t.Logf("tshark comparison: %d captures, %d frames with IKE, ESP or AH, %d agree on every field, %d differ only in known ways",
			nCaptures, nFrames, nAgree, nKnown)
	})

	listed := map[string]bool{}
	for _, c := range captures {
		listed[c.name] = true
	}
	for _, k := range tsharkKnownDiffs {
		if !listed[k.capture] && (corpus != "" || strings.HasPrefix(k.capture, "pcaps/")) {
			t.Errorf("tsharkKnownDiffs names %s, which is not a capture here", k.capture)
		}
	}

	for _, c := range captures {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			frames, agree, known := compareWithTshark(t, tshark, conf, c.name, c.path)
			mu.Lock()
			nCaptures++
			nFrames += frames
			nAgree += agree
			nKnown += known
			mu.Unlock()
		})
	}
	if corpus == "" {
		t.Run("corpus", func(t *testing.T) {
			decodetest.RequireCorpus(t)
		})
	}
}

// compareWithTshark runs both decoders on one capture and reports every difference that
// is not a known one. It returns the number of frames either side saw IKE, ESP or AH in, how
// many of them agree on every field, and how many differ only in known ways.
func compareWithTshark(t *testing.T, tshark, conf, name, path string) (frames, agree, known int) {
	want, err := runTshark(tshark, conf, path)
	if err != nil {
		t.Fatal(err)
	}
	got := ikescopeFrames(t, path)

	used := map[knownUse]bool{} // entries of tsharkKnownDiffs met in this capture
	numbers := map[int]bool{}
	for n, f := range want {
		if f[kindField] != "" {
			numbers[n] = true
		}
	}
	for n := range got {
		numbers[n] = true
	}
	sorted := make([]int, 0, len(numbers))
	for n := range numbers {
		sorted = append(sorted, n)
	}
	sort.Ints(sorted)

	for _, n := range sorted {
		w, g := want[n], got[n]
		frames++
		if rule, skip := tsharkRule(w, g); skip {
			known++
			t.Logf("frame %d: %s", n, rule)
			continue
		} else if rule != "" {
			t.Logf("frame %d: %s", n, rule)
		}
		diffs := diffFields(w, g)
		explained := 0
		for _, field := range diffs {
			if i, f := findKnownDiff(name, n, field); i >= 0 {
				used[knownUse{i, f}] = true
				explained++
				continue
			}
			t.Errorf("frame %d %s: tshark %q, ikescope %q%s", n, field, w[field], g[field], tsharkContext(w))
		}
		switch {
		case len(diffs) == 0:
			agree++
		case explained == len(diffs):
			known++
		}
	}
	for i, k := range tsharkKnownDiffs {
		if k.capture != name {
			continue
		}
		for _, f := range strings.Fields(k.fields) {
			if !used[knownUse{i, f}] {
				t.Errorf("known difference no longer occurs, remove it from tsharkKnownDiffs and docs/tshark-differences.md: frame %d %s (%s)",
					k.frame, f, k.reason)
			}
		}
	}
	return frames, agree, known
}

// Systematic differences, explained once rather than frame by frame. tsharkRule applies
// them: it returns the reason when a frame is not to be compared, and trims tshark's view
// where only part of it is comparable.
const (
	ruleICMP = "tshark dissects the IKE or ESP packet quoted inside an ICMP error; ikescope does not " +
		"decode ICMP (not compared)"
	ruleUnreassembled = "IP fragments of a datagram that never completed: tshark shows the first fragment as " +
		"an unreassembled IP fragment (Data), ikescope reports the datagram as incomplete with the IKE " +
		"header of its first fragment (not compared)"
	ruleTCP = "IKE or ESP over TCP (RFC 8229): tshark 4.0 has no dissector for it (its tcpencap is Cisco's " +
		"proprietary IPsec over TCP, with a trailer) and shows the segments as data (not compared here; " +
		"TestTCPMessagesMatchTshark compares the messages with tshark's view of the capture they were replayed from)"
	ruleV1Fragments = "tshark reassembles IKEv1 fragments (payload 132) and shows the reassembled message " +
		"as a second ISAKMP header in the last fragment's frame; ikescope shows the fragment as sent " +
		"(compared: the first header only)"
)

func tsharkRule(w, g tsharkFrame) (reason string, skip bool) {
	switch {
	case w[kindField] == "icmp-quoted" && g[kindField] == "":
		return ruleICMP, true
	case g[incompleteField] != "" && w[kindField] == "":
		return ruleUnreassembled, true
	case g[tcpField] != "" && w[kindField] == "":
		return ruleTCP, true
	}
	if strings.Contains(w["isakmp.ispi"], ",") && hasValue(w["isakmp.typepayload"], "132") {
		for _, f := range []string{"isakmp.ispi", "isakmp.rspi", "isakmp.version", "isakmp.exchangetype",
			"isakmp.messageid", "isakmp.flags", "isakmp.length"} {
			w[f], _, _ = strings.Cut(w[f], ",")
		}
		return ruleV1Fragments, false
	}
	return "", false
}

// hasValue reports whether a comma-separated tshark value list holds v.
func hasValue(list, v string) bool {
	for _, x := range strings.Split(list, ",") {
		if x == v {
			return true
		}
	}
	return false
}

// diffFields lists the compared fields whose values differ, sorted.
func diffFields(w, g tsharkFrame) []string {
	var fields []string
	seen := map[string]bool{}
	for _, m := range []tsharkFrame{w, g} {
		for f := range m {
			if notCompared[f] || seen[f] {
				continue
			}
			seen[f] = true
			if w[f] != g[f] {
				fields = append(fields, f)
			}
		}
	}
	sort.Strings(fields)
	return fields
}

// knownUse records that a field of an entry of tsharkKnownDiffs ("*" included) was met.
type knownUse struct {
	entry int
	field string
}

// findKnownDiff returns the entry of tsharkKnownDiffs that explains a difference, and
// which of its fields matched, or -1.
func findKnownDiff(capture string, frame int, field string) (int, string) {
	for i, k := range tsharkKnownDiffs {
		if k.capture != capture || (k.frame != 0 && k.frame != frame) {
			continue
		}
		for _, f := range strings.Fields(k.fields) {
			if f == "*" || f == field {
				return i, f
			}
		}
	}
	return -1, ""
}

// tsharkContext says what tshark thought of a frame beyond the compared fields.
func tsharkContext(w tsharkFrame) string {
	var b strings.Builder
	if p := w["frame.protocols"]; p != "" {
		fmt.Fprintf(&b, " [tshark protocols %s]", p)
	}
	if w["_ws.malformed"] != "" || strings.Contains(w["_ws.expert.message"], "Malformed") {
		b.WriteString(" [tshark: malformed packet]")
	}
	if e := w["_ws.expert.message"]; e != "" {
		fmt.Fprintf(&b, " [tshark expert: %.200s]", e)
	}
	return b.String()
}

// runTshark dissects a capture with tshark and returns its frames by number.
func runTshark(tshark, conf, path string) (map[int]tsharkFrame, error) {
	args := []string{"-r", path, "-n",
		// The same clear-text view as ikescope: no ESP decryption or heuristics, IP
		// reassembly on; the empty configuration directory holds no IKE key tables.
		"-o", "esp.enable_encryption_decode:FALSE",
		"-o", "esp.enable_null_encryption_decode_heuristic:FALSE",
		"-o", "udp.try_heuristic_first:FALSE",
		"-o", "ip.defragment:TRUE",
		"-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,", "-E", "header=n"}
	for _, f := range tsharkFields {
		args = append(args, "-e", f)
	}
	stdout, err := decodetest.TsharkOutput(tshark, conf, path, args)
	if err != nil && stdout.Len() == 0 {
		// tshark exits non-zero for a capture that ends mid-frame after printing what it
		// read; keep the frames when there are some.
		return nil, err
	}
	frames := map[int]tsharkFrame{}
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != len(tsharkFields) {
			return nil, fmt.Errorf("tshark printed %d columns for %d fields: %q", len(cols), len(tsharkFields), sc.Text())
		}
		n, err := strconv.Atoi(cols[0])
		if err != nil {
			return nil, fmt.Errorf("tshark frame number %q: %v", cols[0], err)
		}
		f := tsharkFrame{}
		for i, v := range cols {
			if v != "" {
				f[tsharkFields[i]] = v
			}
		}
		if k := tsharkKind(f["frame.protocols"]); k != "" {
			f[kindField] = k
		}
		frames[n] = f
	}
	return frames, sc.Err()
}

// tsharkKind says what a frame carries from tshark's protocol list
// ("eth:ethertype:ip:udp:udpencap:esp").
func tsharkKind(protocols string) string {
	kind, quoted := "", false
	for _, p := range strings.Split(protocols, ":") {
		switch p {
		case "icmp", "icmpv6":
			// What follows is the packet an ICMP error quotes, not traffic of its own.
			quoted = true
		case "isakmp", "esp":
			if quoted {
				return "icmp-quoted"
			}
			return p
		case "ah":
			// What the AH protects names the frame when it is IKE or ESP (a later case).
			if !quoted {
				kind = "ah"
			}
		case "udpencap":
			kind = "keepalive" // UDP 4500 with neither ISAKMP nor ESP after it
		}
	}
	return kind
}

// ikescopeFrames decodes a capture with ikescope and prints each frame's messages in
// tshark's field format.
func ikescopeFrames(t *testing.T, path string) map[int]tsharkFrame {
	dc := decodeCapture(t, path)
	frames := map[int]tsharkFrame{}
	for i := range dc.Messages {
		m := &dc.Messages[i]
		if m.Kind == decode.KindIncomplete && m.ISAKMP == nil {
			// Fragments of a datagram that never completed, without an IKE header in the
			// first one: nothing to compare.
			continue
		}
		f := frames[m.Frame]
		if f == nil {
			f = tsharkFrame{}
			frames[m.Frame] = f
		}
		addMessageFields(f, m)
	}
	return frames
}

// addMessageFields adds one message's fields to a frame, formatted as tshark prints them.
func addMessageFields(f tsharkFrame, m *decode.Message) {
	add := func(field, v string) {
		if f[field] == "" {
			f[field] = v
		} else {
			f[field] += "," + v
		}
	}
	if m.TCP {
		f[tcpField] = "true"
	}
	switch m.Kind {
	case decode.KindESP:
		f[kindField] = "esp"
		if m.Err == nil {
			add("esp.spi", fmt.Sprintf("0x%08x", m.ESP.SPI))
			add("esp.sequence", strconv.FormatUint(uint64(m.ESP.Seq), 10))
		}
		return
	case decode.KindKeepalive:
		f[kindField] = "keepalive"
		return
	case decode.KindAH:
		// The AH's message comes first; an ESP or IKE message after it names the frame,
		// as in tsharkKind.
		if f[kindField] == "" {
			f[kindField] = "ah"
		}
		if len(m.ESP.Raw) >= decode.AHHeaderLen { // the SPI and sequence number were there
			add("ah.spi", fmt.Sprintf("0x%08x", m.ESP.SPI))
			add("ah.sequence", strconv.FormatUint(uint64(m.ESP.Seq), 10))
		}
		return
	case decode.KindISAKMP:
		f[kindField] = "isakmp"
	case decode.KindIncomplete:
		// The fragments of this datagram never all arrived; ikescope decodes the IKE
		// message in the first fragment as far as it goes. tshark does the same when it
		// cannot even try to reassemble (the fragment is cut short); see tsharkRule.
		f[kindField] = "isakmp"
		f[incompleteField] = "true"
	default:
		return
	}
	h := m.ISAKMP
	if h == nil {
		return
	}
	add("isakmp.ispi", hex.EncodeToString(h.InitiatorSPI[:]))
	add("isakmp.rspi", hex.EncodeToString(h.ResponderSPI[:]))
	add("isakmp.version", fmt.Sprintf("0x%x%x", h.MajorVersion, h.MinorVersion))
	add("isakmp.exchangetype", strconv.Itoa(int(h.ExchangeType)))
	add("isakmp.messageid", fmt.Sprintf("0x%08x", h.MessageID))
	add("isakmp.flags", fmt.Sprintf("0x%02x", uint8(h.Flags)))
	add("isakmp.length", strconv.FormatUint(uint64(h.Length), 10))
	num := func(field string, v int) { add(field, strconv.Itoa(v)) }
	v2 := h.IsV2()
	for _, p := range h.Payloads {
		num("isakmp.typepayload", int(p.Type))
		switch {
		case p.SA != nil:
			for _, prop := range p.SA.Proposals {
				num("isakmp.typepayload", 2)
				num("isakmp.prop.number", int(prop.Number))
				num("isakmp.prop.protoid", int(prop.ProtocolID))
				for _, tr := range prop.Transforms {
					num("isakmp.typepayload", 3)
					attrField := "isakmp.ike2.attr"
					if v2 {
						num("isakmp.tf.type", int(tr.Type))
						idField := map[decode.TransformType]string{1: "encr", 2: "prf", 3: "integ", 4: "dh", 5: "esn"}[tr.Type]
						if idField != "" {
							idField = "." + idField
						}
						num("isakmp.tf.id"+idField, int(tr.ID))
					} else {
						num("isakmp.trans.number", int(tr.Number))
						num("isakmp.trans.id", int(tr.ID))
						attrField = "isakmp.ipsec.attr"
						if prop.ProtocolID == 1 {
							attrField = "isakmp.ike.attr"
						}
					}
					for _, a := range tr.Attributes {
						num(attrField+".type", int(a.Type))
						if a.Short {
							add(attrField+".value", fmt.Sprintf("%04x", a.Value))
						} else {
							add(attrField+".value", hex.EncodeToString(a.Data))
						}
					}
				}
			}
		case p.KE != nil && p.Type == decode.PayloadKE:
			num("isakmp.key_exchange.dh_group", int(p.KE.Group))
		case p.ID != nil:
			num("isakmp.id.type", int(p.ID.Type))
		case p.Notify != nil:
			num("isakmp.notify.msgtype", int(p.Notify.Type))
		case p.Encrypted != nil && p.Type == decode.PayloadSKF:
			num("isakmp.frag.number", int(p.Encrypted.FragmentNumber))
			num("isakmp.frag.total", int(p.Encrypted.TotalFragments))
		}
	}
}

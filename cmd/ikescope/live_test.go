package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/decode"
	"github.com/ikescope/ikescope/internal/schematest"
)

// The live-capture tests run the real command against real IKE daemons: two strongSwan
// charons in network namespaces joined by a veth pair, and `ikescope live` capturing on
// the initiator's end. The charons carry ESP themselves (the kernel-libipsec plugin and a
// TUN device, UDP-encapsulated on port 4500), so the test needs no ESP in the kernel; each
// gets its own /run through a bind mount, as charon's PID file path is compiled in.
// They need root; they are skipped without it unless CI=true, where skipping would hide
// a broken pipeline and so fails instead.
//
//	iksl-PID-a (initiator)                     iksl-PID-b (responder)
//	lan0 10.1.0.1/24 (veth to lan1)             lan0 10.2.0.1/24 (veth to lan1)
//	iksl-a0 203.0.113.1/24 <---- veth ---->    iksl-b0 203.0.113.2/24
//	        ^ ikescope live -i iksl-a0 (and -i any in iksl-PID-a)
//
// Namespaces are named iksl-PID-* so that runs never meet each other or pcaps/record.sh
// (iks-*).

const (
	labAddrA = "203.0.113.1"
	labAddrB = "203.0.113.2"
	labLanA  = "10.1.0.1"
	labLanB  = "10.2.0.1"
	charon   = "/usr/lib/ipsec/charon"
	swanctl  = "/usr/sbin/swanctl"
)

// TestLiveUsageErrors: mistakes found before anything is opened, so no root needed.
func TestLiveUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"no interface", []string{"live"}, []string{"needs an interface", "--list"}},
		{"files given", []string{"live", "-i", "lo", "x.pcap"}, []string{"no capture files", "analyze"}},
		{"bad format", []string{"live", "-i", "lo", "-f", "xml"}, []string{"unknown format \"xml\""}},
		{"contradiction", []string{"live", "-i", "lo", "-Z", "nobody", "--no-drop-privileges"}, []string{"contradict"}},
		{"no such interface", []string{"live", "-i", "iksl-nosuch0"}, []string{"iksl-nosuch0: no such interface", "interfaces here:", "lo", "any"}},
		{"filter syntax", []string{"live", "-i", "lo", "--filter", "hots 192.0.2.1"}, []string{"bad capture filter \"hots 192.0.2.1\"", "syntax error", "pcap-filter"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runCmd(t, nil, tc.args...)
			if code != exitError {
				t.Errorf("exit %d, want %d", code, exitError)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			if strings.Count(errOut, "\n") != 1 {
				t.Errorf("stderr is not one line: %q", errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q does not say %q", errOut, w)
				}
			}
		})
	}
}

func TestLiveList(t *testing.T) {
	out, errOut, code := runCmd(t, nil, "live", "--list")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, ". any (") || !strings.Contains(out, ". lo ") {
		t.Errorf("--list does not show any and lo:\n%s", out)
	}
	if !strings.Contains(out, "Loopback") {
		t.Errorf("--list does not flag the loopback interface:\n%s", out)
	}
}

// TestLiveFindingLine pins the one-line form a finding takes as it happens.
func TestLiveFindingLine(t *testing.T) {
	r, err := decode.Open("../../pcaps/ikev1-no-response.pcap")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	a := analyze.New(analyze.Options{})
	for r.Next() {
		a.Add(r.Message())
	}
	res := a.Finish()
	if len(res.Findings) == 0 || res.Findings[0].Code != analyze.CodeNoResponse {
		t.Fatalf("findings: %+v, want no-response first", res.Findings)
	}
	f := res.Findings[0]
	line := findingLine(f)
	if strings.Contains(line, "\n") {
		t.Errorf("finding line has a newline: %q", line)
	}
	for _, w := range []string{"ERROR", "no-response", "192.0.2.1:500 → 192.0.2.2:500", "session 1:", f.Summary} {
		if !strings.Contains(line, w) {
			t.Errorf("finding line %q lacks %q", line, w)
		}
	}
}

// requireLab skips (or, with CI=true, fails) when the live tests cannot run here.
func requireLab(tb testing.TB, tools ...string) {
	tb.Helper()
	ci := os.Getenv("CI") == "true"
	miss := func(why string) {
		tb.Helper()
		if ci {
			tb.Fatalf("CI=true, so the live-capture test must run, but %s", why)
		}
		tb.Skipf("live-capture test skipped: %s (set CI=true to make this a failure)", why)
	}
	if os.Geteuid() != 0 {
		miss("it needs root for network namespaces, strongSwan and libpcap; run it as root, e.g. sudo make test")
	}
	for _, tool := range append([]string{"ip", "iptables", "ping"}, tools...) {
		if _, err := exec.LookPath(tool); err != nil {
			miss(fmt.Sprintf("%s is not installed (make test installs what it needs)", tool))
		}
	}
	for _, f := range []string{charon, swanctl, "/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so", "/dev/net/tun"} {
		if _, err := os.Stat(f); err != nil {
			miss(fmt.Sprintf("%s is missing (packages strongswan-charon, strongswan-swanctl, libcharon-extra-plugins; make test installs them)", f))
		}
	}
}

// buildIkescope builds the command into dir, so that the tests run it as users run it:
// its own process, real signals, real privilege dropping.
func buildIkescope(tb testing.TB, dir string) string {
	tb.Helper()
	bin := filepath.Join(dir, "ikescope")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// sh runs a command with a time limit and fails the test when it fails.
func sh(tb testing.TB, limit time.Duration, name string, args ...string) string {
	tb.Helper()
	out, err := shErr(limit, name, args...)
	if err != nil {
		tb.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

func shErr(limit time.Duration, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if ctx.Err() != nil {
		err = fmt.Errorf("no result after %s", limit)
	}
	return string(out), err
}

// removeStaleNamespaces deletes iksl-PID-* namespaces left by test processes that died.
func removeStaleNamespaces() {
	out, err := shErr(10*time.Second, "ip", "netns", "list")
	if err != nil {
		return
	}
	for _, line := range strings.Split(out, "\n") {
		name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		rest, ok := strings.CutPrefix(name, "iksl-")
		if !ok {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			shErr(10*time.Second, "ip", "netns", "del", name)
		}
	}
}

// addNamespace makes a namespace that is deleted when the test ends.
func addNamespace(tb testing.TB, suffix string) string {
	tb.Helper()
	name := fmt.Sprintf("iksl-%d-%s", os.Getpid(), suffix)
	shErr(10*time.Second, "ip", "netns", "del", name)
	sh(tb, 10*time.Second, "ip", "netns", "add", name)
	tb.Cleanup(func() { shErr(10*time.Second, "ip", "netns", "del", name) })
	sh(tb, 10*time.Second, "ip", "netns", "exec", name, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
	sh(tb, 10*time.Second, "ip", "-n", name, "link", "set", "lo", "up")
	return name
}

// process is a background process of a test, stopped by PID when the test ends.
type process struct {
	name   string
	cmd    *exec.Cmd
	done   chan struct{} // closed when it has exited
	stderr *syncBuffer
	lines  chan string // standard output, line by line (when asked for)
	err    error       // from Wait, once done is closed
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs a command in the background. stdout says where its standard output goes:
// "lines", read line by line into p.lines (read them, or the command blocks); "stderr",
// into the buffer of its standard error; "discard".
func start(tb testing.TB, name, stdout string, command string, args ...string) *process {
	tb.Helper()
	p := &process{name: name, cmd: exec.Command(command, args...), done: make(chan struct{}), stderr: &syncBuffer{}}
	p.cmd.Stderr = p.stderr
	var pipe io.ReadCloser
	lines := stdout == "lines"
	switch stdout {
	case "lines":
		var err error
		if pipe, err = p.cmd.StdoutPipe(); err != nil {
			tb.Fatal(err)
		}
		p.lines = make(chan string, 1<<16)
	case "stderr":
		p.cmd.Stdout = p.stderr
	}
	if err := p.cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", name, err)
	}
	var reading sync.WaitGroup
	if lines {
		reading.Add(1)
		go func() {
			defer reading.Done()
			defer close(p.lines)
			sc := bufio.NewScanner(pipe)
			sc.Buffer(make([]byte, 1<<20), 64<<20)
			for sc.Scan() {
				p.lines <- sc.Text()
			}
		}()
	}
	go func() {
		reading.Wait() // Wait closes the pipe: read it all first
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	tb.Cleanup(func() { p.stop(syscall.SIGTERM, 5*time.Second) })
	return p
}

// stop signals the process, waits up to limit for it to exit, then kills it.
func (p *process) stop(sig syscall.Signal, limit time.Duration) bool {
	select {
	case <-p.done:
		return true
	default:
	}
	p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
		return true
	case <-time.After(limit):
	}
	p.cmd.Process.Kill()
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
	}
	return false
}

func (p *process) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// waitStderr waits until the process says want on stderr.
func (p *process) waitStderr(tb testing.TB, want string, limit time.Duration) {
	tb.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if strings.Contains(p.stderr.String(), want) {
			return
		}
		if !p.running() {
			tb.Fatalf("%s exited (%v) before saying %q:\n%s", p.name, p.err, want, p.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.Fatalf("%s did not say %q within %s:\n%s", p.name, want, limit, p.stderr.String())
}

// lab is two gateways in namespaces with a charon each.
type lab struct {
	nsA, nsB string
	dirA     string
	dirB     string
}

func newLab(t *testing.T) *lab {
	t.Helper()
	removeStaleNamespaces()
	work := t.TempDir()
	l := &lab{nsA: addNamespace(t, "a"), nsB: addNamespace(t, "b"), dirA: filepath.Join(work, "a"), dirB: filepath.Join(work, "b")}
	sh(t, 10*time.Second, "ip", "-n", l.nsA, "link", "add", "iksl-a0", "type", "veth", "peer", "name", "iksl-b0", "netns", l.nsB)
	for _, side := range []struct{ ns, ifc, addr, lan string }{
		{l.nsA, "iksl-a0", labAddrA, labLanA},
		{l.nsB, "iksl-b0", labAddrB, labLanB},
	} {
		sh(t, 10*time.Second, "ip", "-n", side.ns, "addr", "add", side.addr+"/24", "dev", side.ifc)
		sh(t, 10*time.Second, "ip", "-n", side.ns, "link", "set", side.ifc, "up")
		// The protected subnet sits on one end of a veth pair of its own (this kernel has
		// no dummy interfaces).
		sh(t, 10*time.Second, "ip", "-n", side.ns, "link", "add", "lan0", "type", "veth", "peer", "name", "lan1")
		sh(t, 10*time.Second, "ip", "-n", side.ns, "addr", "add", side.lan+"/24", "dev", "lan0")
		sh(t, 10*time.Second, "ip", "-n", side.ns, "link", "set", "lan1", "up")
		sh(t, 10*time.Second, "ip", "-n", side.ns, "link", "set", "lan0", "up")
	}
	// The link answers before anything is measured (no first IKE packet lost to ARP).
	var err error
	for i := 0; i < 20; i++ {
		if _, err = shErr(3*time.Second, "ip", "netns", "exec", l.nsA, "ping", "-n", "-c1", "-W1", labAddrB); err == nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("the veth link between the namespaces does not come up: %v", err)
	}
	l.startCharon(t, l.nsB, l.dirB, labAddrB, labAddrA, "10.2.0.0/24", "10.1.0.0/24", "gw-b.example", "gw-a.example")
	l.startCharon(t, l.nsA, l.dirA, labAddrA, labAddrB, "10.1.0.0/24", "10.2.0.0/24", "gw-a.example", "gw-b.example")
	return l
}

// startCharon writes a charon's configuration, starts it with dir as its /run, and loads
// its connection. Retransmissions are short (at 0, 2, 5 and 9.5 s, as in
// pcaps/record.sh's failure scenarios) so the no-response run is quick.
func (l *lab) startCharon(t *testing.T, ns, dir, local, remote, lts, rts, lid, rid string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "run"), 0o755); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`charon {
    load = random nonce aes sha1 sha2 hmac gcm kdf openssl pem pkcs1 x509 pubkey gmp kernel-libipsec kernel-netlink socket-default vici
    install_routes = yes
    retransmit_timeout = 2.0
    retransmit_base = 1.5
    retransmit_tries = 3
    filelog {
        log {
            path = %[1]s/charon.log
            time_format = %%T
            default = 1
            ike = 2
            flush_line = yes
        }
    }
    syslog {
        daemon {
            default = -1
        }
    }
    plugins {
        vici {
            socket = unix://%[1]s/charon.vici
        }
    }
}
swanctl {
    load = pem pkcs1 x509 pubkey openssl random nonce
}
`, dir)
	swan := fmt.Sprintf(`connections {
    gw {
        version = 2
        local_addrs = %s
        remote_addrs = %s
        proposals = aes128-sha256-modp2048
        rekey_time = 0
        reauth_time = 0
        dpd_delay = 0
        local {
            auth = psk
            id = %s
        }
        remote {
            auth = psk
            id = %s
        }
        children {
            net {
                local_ts = %s
                remote_ts = %s
                esp_proposals = aes128gcm16
                rekey_time = 0
                start_action = none
            }
        }
    }
}
secrets {
    ike-ab {
        id-a = gw-a.example
        id-b = gw-b.example
        secret = "ikescope live test"
    }
}
`, local, remote, lid, rid, lts, rts)
	for name, text := range map[string]string{"strongswan.conf": conf, "swanctl.conf": swan} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// timeout ends charon even if this test process dies without cleaning up.
	p := start(t, "charon in "+ns, "stderr", "timeout", "-s", "TERM", "300", "ip", "netns", "exec", ns, "sh", "-c",
		`mount --bind "$1/run" /run && exec env STRONGSWAN_CONF="$1/strongswan.conf" "$2"`, "sh", dir, charon)
	vici := filepath.Join(dir, "charon.vici")
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := os.Stat(vici); err == nil {
			break
		}
		if !p.running() || time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "charon.log"))
			t.Fatalf("charon in %s did not come up (%v):\n%s\n%s", ns, p.err, p.stderr.String(), log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	l.swanctl(t, dir, 20*time.Second, "--load-all", "--noprompt", "--file", filepath.Join(dir, "swanctl.conf"))
}

func (l *lab) swanctl(t *testing.T, dir string, limit time.Duration, args ...string) string {
	t.Helper()
	out, err := l.swanctlErr(dir, limit, args...)
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "charon.log"))
		t.Fatalf("swanctl %s: %v\n%s\ncharon log:\n%s", strings.Join(args, " "), err, out, log)
	}
	return out
}

func (l *lab) swanctlErr(dir string, limit time.Duration, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, swanctl, append(args, "--uri", "unix://"+filepath.Join(dir, "charon.vici"))...)
	cmd.Env = append(os.Environ(), "STRONGSWAN_CONF="+filepath.Join(dir, "strongswan.conf"))
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// startLive runs ikescope live in the initiator's namespace, capturing on iface, and
// waits until it is capturing.
func (l *lab) startLive(t *testing.T, bin, iface string, args ...string) *process {
	t.Helper()
	// --duration ends it even if this test process dies without cleaning up.
	p := start(t, "ikescope live", "lines", "ip", append([]string{"netns", "exec", l.nsA, bin, "live", "-i", iface, "-f", "jsonl", "--duration", "3m"}, args...)...)
	p.waitStderr(t, "listening on "+iface, 20*time.Second)
	return p
}

// JSON as the tests read it back: only what they check.
type analysisDoc struct {
	SchemaVersion int `json:"schema_version"`
	Captures      []struct {
		Name        string `json:"name"`
		Frames      int    `json:"frames"`
		IKEMessages int    `json:"ike_messages"`
		ESPPackets  int    `json:"esp_packets"`
	} `json:"captures"`
	Sessions []struct {
		ID          int    `json:"id"`
		Version     int    `json:"ike_version"`
		Initiator   string `json:"initiator"`
		Responder   string `json:"responder"`
		Established bool   `json:"established"`
		Failed      bool   `json:"failed"`
		Phase2Done  int    `json:"phase2_completed"`
		ESP         []struct {
			SPI           string `json:"spi"`
			Src           string `json:"src"`
			Dst           string `json:"dst"`
			Encap         bool   `json:"udp_encap"`
			FromInitiator bool   `json:"from_initiator"`
			Packets       int    `json:"packets"`
		} `json:"esp_flows"`
	} `json:"sessions"`
	Findings []findingDoc `json:"findings"`
}

type findingDoc struct {
	Type     string `json:"type"`
	Code     string `json:"code"`
	Severity string `json:"severity"`
	Session  int    `json:"session"`
	Peers    string `json:"peers"`
	Summary  string `json:"summary"`
}

type reportLine struct {
	Type    string `json:"type"`
	Capture struct {
		Interface        string `json:"interface"`
		Packets          int    `json:"packets"`
		KernelReceived   int    `json:"kernel_received"`
		KernelDropped    int    `json:"kernel_dropped"`
		InterfaceDropped int    `json:"interface_dropped"`
		Saved            string `json:"saved"`
	} `json:"capture"`
	Report analysisDoc `json:"report"`
}

// readStream collects a jsonl stream: the findings as they came, and the report line;
// the session states as they came are in sessionStates.
func readStream(t testing.TB, lines []string) ([]findingDoc, *reportLine) {
	t.Helper()
	var found []findingDoc
	var rep *reportLine
	sessionStates = sessionStates[:0]
	// Every line is an event of docs/schema, the final report line included.
	events, err := schematest.Load(filepath.Join("..", "..", "docs", "schema"), "analyze-events.schema.json", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range lines {
		if err := events.Validate([]byte(line)); err != nil {
			t.Errorf("live -f jsonl line does not match docs/schema: %v\n%s", err, line)
		}
		var head struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal([]byte(line), &head); err != nil {
			t.Fatalf("not a JSON line: %q: %v", line, err)
		}
		switch head.Type {
		case "finding":
			var f findingDoc
			if err := json.Unmarshal([]byte(line), &f); err != nil {
				t.Fatal(err)
			}
			found = append(found, f)
		case "session":
			var st struct {
				ID    int    `json:"id"`
				State string `json:"state"`
			}
			if err := json.Unmarshal([]byte(line), &st); err != nil {
				t.Fatal(err)
			}
			sessionStates = append(sessionStates, st.State)
		case "report":
			if rep != nil {
				t.Fatal("two report lines")
			}
			rep = &reportLine{}
			if err := json.Unmarshal([]byte(line), rep); err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatalf("line of unknown type %q: %s", head.Type, line)
		}
	}
	if rep == nil {
		t.Fatal("no report line at the end of the stream")
	}
	return found, rep
}

// sessionStates are the session events' states readStream saw, in order.
var sessionStates []string

// finish interrupts ikescope as a user's Ctrl-C would and returns its whole output.
func finish(t *testing.T, p *process) []string {
	t.Helper()
	if !p.running() {
		t.Fatalf("ikescope live stopped on its own (%v):\n%s", p.err, p.stderr.String())
	}
	if !p.stop(syscall.SIGINT, 20*time.Second) {
		t.Fatalf("ikescope live did not finish within 20 s of SIGINT:\n%s", p.stderr.String())
	}
	if p.err != nil {
		t.Fatalf("ikescope live: %v\n%s", p.err, p.stderr.String())
	}
	var lines []string
	for line := range p.lines {
		lines = append(lines, line)
	}
	return lines
}

// TestLiveEndToEnd runs ikescope live as users run it: first into the errors they meet
// first, then while two strongSwan gateways bring a tunnel up and carry pings, then while
// failures are induced: ESP dropped one way, the interface flapped and re-created, a CHILD_SA rekey
// refused (PFS on one side only), UDP 500 dropped by the responder.
func TestLiveEndToEnd(t *testing.T) {
	requireLab(t)
	began := time.Now()
	dir := t.TempDir()
	// nobody must reach the binary: open the test's temporary directories to it.
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bin := buildIkescope(t, dir)
	testLiveErrors(t, bin)
	l := newLab(t)
	t.Logf("lab up in %s", time.Since(began).Round(time.Millisecond))

	t.Run("tunnel", func(t *testing.T) {
		saved := filepath.Join(t.TempDir(), "tunnel.pcapng")
		// Started as root without -Z, ikescope drops to nobody once capturing.
		metricsAddr := net.JoinHostPort(labAddrA, "9743") // in the gateway's own namespace
		live := l.startLive(t, bin, "iksl-a0", "-w", saved, "--metrics", metricsAddr)
		if user := processUser(t, live.cmd.Process.Pid); user != "nobody" {
			t.Errorf("ikescope runs as %q after opening the capture, want nobody", user)
		}
		out := l.swanctl(t, l.dirA, 30*time.Second, "--initiate", "--child", "net", "--timeout", "20")
		if !strings.Contains(out, "completed successfully") {
			t.Fatalf("tunnel did not come up:\n%s", out)
		}
		ping := sh(t, 20*time.Second, "ip", "netns", "exec", l.nsA, "ping", "-n", "-c", "5", "-i", "0.2", "-W", "2", "-I", labLanA, labLanB)
		if !strings.Contains(ping, " 0% packet loss") {
			t.Fatalf("pings through the tunnel were lost:\n%s", ping)
		}
		time.Sleep(300 * time.Millisecond) // the last replies reach the capture
		// While it runs, the monitoring sees the tunnel up and carrying ESP.
		time.Sleep(700 * time.Millisecond) // an analysis tick
		metrics := sh(t, 10*time.Second, "ip", "netns", "exec", l.nsA, "curl", "-sS", "--max-time", "5", "http://"+metricsAddr+"/metrics")
		for _, want := range []string{`ikescope_ike_sas{initiator="` + labAddrA + `",responder="` + labAddrB + `",state="up"} 1`,
			`ikescope_esp_packets{direction="initiator_to_responder",initiator="` + labAddrA + `"`, "ikescope_esp_last_seconds{", "ikescope_capture_dropped_packets 0"} {
			if !strings.Contains(metrics, want) {
				t.Errorf("metrics lack %q:\n%s", want, metrics)
			}
		}
		findings, rep := readStream(t, finish(t, live))
		// The tunnel's state came as events while it happened, not only in the report.
		if !slices.ContainsFunc(sessionStates, func(s string) bool { return strings.HasPrefix(s, "established") }) {
			t.Errorf("no session event saying the tunnel is up; session events: %q", sessionStates)
		}

		if rep.Capture.KernelDropped != 0 || rep.Capture.InterfaceDropped != 0 {
			t.Errorf("capture dropped packets: %+v", rep.Capture)
		}
		if len(rep.Report.Sessions) != 1 {
			t.Fatalf("%d sessions in the report, want 1: %+v", len(rep.Report.Sessions), rep.Report.Sessions)
		}
		s := rep.Report.Sessions[0]
		if s.Version != 2 || !s.Established || s.Failed || s.Phase2Done != 1 {
			t.Errorf("session: IKEv%d established=%v failed=%v CHILD_SAs=%d, want IKEv2, established, one CHILD_SA", s.Version, s.Established, s.Failed, s.Phase2Done)
		}
		if !strings.HasPrefix(s.Initiator, labAddrA+":") || !strings.HasPrefix(s.Responder, labAddrB+":") {
			t.Errorf("session %s -> %s, want %s -> %s", s.Initiator, s.Responder, labAddrA, labAddrB)
		}
		var toR, toI int
		for _, f := range s.ESP {
			if f.FromInitiator {
				toR += f.Packets
			} else {
				toI += f.Packets
			}
		}
		if toR < 5 || toI < 5 || len(s.ESP) != 2 {
			t.Errorf("ESP flows: %d (%d packets initiator→responder, %d back), want 2 flows with the 5 pings each way: %+v", len(s.ESP), toR, toI, s.ESP)
		}
		for _, f := range findings {
			if f.Severity == "error" {
				t.Errorf("error finding on a good tunnel: %s: %s", f.Code, f.Summary)
			}
		}

		// What -w saved reads back in ikescope analyze to the same analysis.
		out, errOut, code := runCmd(t, nil, "analyze", "-f", "json", saved)
		if code != exitOK {
			t.Fatalf("analyze %s: exit %d: %s", saved, code, errOut)
		}
		var again analysisDoc
		if err := json.Unmarshal([]byte(out), &again); err != nil {
			t.Fatal(err)
		}
		lc, fc := rep.Report.Captures[0], again.Captures[0]
		if fc.Frames != rep.Capture.Packets || fc.Frames != lc.Frames || fc.IKEMessages != lc.IKEMessages || fc.ESPPackets != lc.ESPPackets {
			t.Errorf("saved capture reads back as %d frames, %d IKE, %d ESP; live saw %d frames, %d IKE, %d ESP", fc.Frames, fc.IKEMessages, fc.ESPPackets, lc.Frames, lc.IKEMessages, lc.ESPPackets)
		}
		if len(again.Sessions) != 1 || again.Sessions[0].Established != s.Established || len(again.Sessions[0].ESP) != len(s.ESP) {
			t.Errorf("saved capture analyses differently: %+v", again.Sessions)
		}
	})

	t.Run("esp-one-way", func(t *testing.T) {
		// A fresh tunnel carries pings, then the responder's ESP is dropped as it leaves
		// (a firewall on the way back): the finding and the metric come while ikescope
		// runs, and Ctrl-C prints the report with it.
		l.swanctlErr(l.dirA, 15*time.Second, "--terminate", "--ike", "gw", "--timeout", "10")
		metricsAddr := net.JoinHostPort(labAddrA, "9744")
		live := l.startLive(t, bin, "iksl-a0", "--reply-timeout", "3", "--metrics", metricsAddr, "--no-drop-privileges")
		if out := l.swanctl(t, l.dirA, 30*time.Second, "--initiate", "--child", "net", "--timeout", "20"); !strings.Contains(out, "completed successfully") {
			t.Fatalf("tunnel did not come up:\n%s", out)
		}
		sh(t, 20*time.Second, "ip", "netns", "exec", l.nsA, "ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", "-I", labLanA, labLanB)
		drop := []string{"netns", "exec", l.nsB, "iptables", "-A", "OUTPUT", "-p", "udp", "--sport", "4500", "-m", "u32", "!", "--u32", "0>>22&0x3C@8=0", "-j", "DROP"}
		sh(t, 10*time.Second, "ip", drop...)
		defer shErr(10*time.Second, "ip", append(drop[:4], append([]string{"-D"}, drop[5:]...)...)...)
		dropped := time.Now()
		go shErr(20*time.Second, "ip", "netns", "exec", l.nsA, "ping", "-n", "-c", "12", "-i", "0.5", "-W", "1", "-I", labLanA, labLanB)
		var early []string
		timeout := time.After(25 * time.Second)
	wait:
		for {
			select {
			case line, ok := <-live.lines:
				if !ok {
					t.Fatalf("ikescope live ended before an esp-one-way finding (%v):\n%s", live.err, live.stderr.String())
				}
				early = append(early, line)
				var f findingDoc
				if json.Unmarshal([]byte(line), &f) == nil && f.Type == "finding" && f.Code == "esp-one-way" && f.Severity == "error" {
					t.Logf("esp-one-way printed %s after the drop: %s", time.Since(dropped).Round(time.Millisecond), f.Summary)
					break wait
				}
			case <-timeout:
				t.Fatalf("no esp-one-way finding 25 s after the drop; lines:\n%s\nstderr:\n%s", strings.Join(early, "\n"), live.stderr.String())
			}
		}
		metrics := sh(t, 10*time.Second, "ip", "netns", "exec", l.nsA, "curl", "-sS", "--max-time", "5", "http://"+metricsAddr+"/metrics")
		if want := `ikescope_findings_total{code="esp-one-way",severity="error"} 1`; !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q:\n%s", want, metrics)
		}
		findings, rep := readStream(t, append(early, finish(t, live)...))
		var inReport bool
		for _, f := range rep.Report.Findings {
			inReport = inReport || f.Code == "esp-one-way"
		}
		if !inReport {
			t.Errorf("the report on Ctrl-C lacks the esp-one-way finding; findings as they came: %+v", findings)
		}
	})

	t.Run("interface-flap", func(t *testing.T) {
		// The capture interface goes down and up while ikescope runs: the capture goes
		// on (libpcap keeps the socket across a veth flap here; where it reports the
		// interface gone, ikescope reopens it), and the tunnel's pings after the flap
		// are in the report.
		live := l.startLive(t, bin, "iksl-a0", "--no-drop-privileges")
		sh(t, 10*time.Second, "ip", "netns", "exec", l.nsA, "ip", "link", "set", "iksl-a0", "down")
		time.Sleep(1500 * time.Millisecond)
		sh(t, 10*time.Second, "ip", "netns", "exec", l.nsA, "ip", "link", "set", "iksl-a0", "up")
		time.Sleep(time.Second) // the link's routes come back
		shErr(20*time.Second, "ip", "netns", "exec", l.nsA, "ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", "-I", labLanA, labLanB)
		_, rep := readStream(t, finish(t, live))
		if rep.Report.Captures[0].ESPPackets < 6 {
			t.Errorf("after the flap: %d ESP packets captured, stderr:\n%s", rep.Report.Captures[0].ESPPackets, live.stderr.String())
		}
	})

	t.Run("interface-recreated", func(t *testing.T) {
		// The capture interface is deleted and made again (a VPN or VLAN interface restarted):
		// libpcap ends the capture, ikescope says so, waits, opens it again and captures on.
		nsR, nsS := addNamespace(t, "r"), addNamespace(t, "s")
		link := func() {
			sh(t, 10*time.Second, "ip", "-n", nsR, "link", "add", "iksl-r0", "type", "veth", "peer", "name", "iksl-r1", "netns", nsS)
			sh(t, 10*time.Second, "ip", "-n", nsR, "addr", "add", "203.0.113.61/24", "dev", "iksl-r0")
			sh(t, 10*time.Second, "ip", "-n", nsS, "addr", "add", "203.0.113.62/24", "dev", "iksl-r1")
			sh(t, 10*time.Second, "ip", "-n", nsR, "link", "set", "iksl-r0", "up")
			sh(t, 10*time.Second, "ip", "-n", nsS, "link", "set", "iksl-r1", "up")
		}
		link()
		live := start(t, "ikescope live", "lines", "ip", "netns", "exec", nsR, bin, "live", "-i", "iksl-r0", "-f", "jsonl", "--duration", "1m", "--no-drop-privileges")
		live.waitStderr(t, "listening on iksl-r0", 20*time.Second)
		sh(t, 10*time.Second, "ip", "-n", nsR, "link", "del", "iksl-r0")
		live.waitStderr(t, "iksl-r0 went down", 10*time.Second)
		link()
		live.waitStderr(t, "iksl-r0 is back; capturing again", 15*time.Second)
		// One datagram to UDP 500 after the reopen: it must be in the report.
		sh(t, 10*time.Second, "ip", "netns", "exec", nsS, "bash", "-c", "printf 'not ike' > /dev/udp/203.0.113.61/500") // bash: /dev/udp
		time.Sleep(500 * time.Millisecond)
		_, rep := readStream(t, finish(t, live))
		if rep.Report.Captures[0].Frames < 1 {
			t.Errorf("the datagram sent after the interface came back was not captured; stderr:\n%s", live.stderr.String())
		}
	})

	t.Run("child-rekey-refused", func(t *testing.T) {
		// The initiator asks for PFS on its CHILD_SA, the responder has none configured: the
		// tunnel comes up (IKE_AUTH carries no key exchange), and the mismatch shows only
		// when the CHILD_SA is rekeyed and the responder refuses the new one.
		l.swanctlErr(l.dirA, 15*time.Second, "--terminate", "--ike", "gw", "--timeout", "10")
		conf := filepath.Join(l.dirA, "swanctl.conf")
		plain, err := os.ReadFile(conf)
		if err != nil {
			t.Fatal(err)
		}
		pfs := strings.Replace(string(plain), "esp_proposals = aes128gcm16", "esp_proposals = aes128gcm16-modp2048", 1)
		if pfs == string(plain) {
			t.Fatal("the lab's swanctl.conf has no esp_proposals line to change")
		}
		load := func(text string) {
			if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			l.swanctl(t, l.dirA, 20*time.Second, "--load-conns", "--file", conf)
		}
		load(pfs)
		defer load(string(plain))
		metricsAddr := net.JoinHostPort(labAddrA, "9745")
		live := l.startLive(t, bin, "iksl-a0", "--metrics", metricsAddr, "--no-drop-privileges")
		if out := l.swanctl(t, l.dirA, 30*time.Second, "--initiate", "--child", "net", "--timeout", "20"); !strings.Contains(out, "completed successfully") {
			t.Fatalf("tunnel did not come up:\n%s", out)
		}
		rekeyed := time.Now()
		if out, err := l.swanctlErr(l.dirA, 20*time.Second, "--rekey", "--child", "net"); err != nil {
			t.Logf("swanctl --rekey: %v: %s", err, out)
		}
		var early []string
		timeout := time.After(15 * time.Second)
	wait:
		for {
			select {
			case line, ok := <-live.lines:
				if !ok {
					t.Fatalf("ikescope live ended before a phase2-stalled finding (%v):\n%s", live.err, live.stderr.String())
				}
				early = append(early, line)
				var f findingDoc
				if json.Unmarshal([]byte(line), &f) == nil && f.Type == "finding" && f.Code == "phase2-stalled" {
					t.Logf("phase2-stalled printed %s after the rekey: %s", time.Since(rekeyed).Round(time.Millisecond), f.Summary)
					if !strings.Contains(f.Summary, "refused a CREATE_CHILD_SA") {
						t.Errorf("finding %q does not say the CREATE_CHILD_SA was refused", f.Summary)
					}
					// The refusal is the one induced: the initiator's log holds the notification.
					if log, _ := os.ReadFile(filepath.Join(l.dirA, "charon.log")); !strings.Contains(string(log), "NO_PROPOSAL_CHOSEN") {
						t.Errorf("the initiator's charon log does not show the rekey refused with NO_PROPOSAL_CHOSEN:\n%s", log)
					}
					break wait
				}
			case <-timeout:
				log, _ := os.ReadFile(filepath.Join(l.dirA, "charon.log"))
				t.Fatalf("no phase2-stalled finding 15 s after the rekey; lines:\n%s\nstderr:\n%s\ncharon log:\n%s", strings.Join(early, "\n"), live.stderr.String(), log)
			}
		}
		time.Sleep(700 * time.Millisecond) // an analysis tick
		metrics := sh(t, 10*time.Second, "ip", "netns", "exec", l.nsA, "curl", "-sS", "--max-time", "5", "http://"+metricsAddr+"/metrics")
		if want := `ikescope_findings_total{code="phase2-stalled",severity="warning"} 1`; !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q:\n%s", want, metrics)
		}
		_, rep := readStream(t, append(early, finish(t, live)...))
		var inReport bool
		for _, f := range rep.Report.Findings {
			inReport = inReport || f.Code == "phase2-stalled"
		}
		if !inReport {
			t.Errorf("the report on Ctrl-C lacks the phase2-stalled finding: %+v", rep.Report.Findings)
		}
		if len(rep.Report.Sessions) != 1 || !rep.Report.Sessions[0].Established {
			t.Errorf("sessions: %+v, want the one tunnel, still up", rep.Report.Sessions)
		}
	})

	t.Run("no-response", func(t *testing.T) {
		// A new negotiation from scratch: no IKE SA left from the tunnel run to reuse.
		l.swanctlErr(l.dirA, 15*time.Second, "--terminate", "--ike", "gw", "--timeout", "10")
		if sas := l.swanctl(t, l.dirA, 10*time.Second, "--list-sas"); strings.Contains(sas, "ESTABLISHED") {
			t.Fatalf("the IKE SA of the tunnel run is still up:\n%s", sas)
		}
		sh(t, 10*time.Second, "ip", "netns", "exec", l.nsB, "iptables", "-A", "INPUT", "-p", "udp", "--dport", "500", "-j", "DROP")
		// On all interfaces this time (Linux cooked capture), as root throughout.
		live := l.startLive(t, bin, "any", "--reply-timeout", "3s", "--no-drop-privileges")
		began := time.Now()
		// In the background: it waits for charon to give up; the test's end stops it.
		start(t, "swanctl --initiate", "stderr", swanctl, "--initiate", "--child", "net", "--timeout", "30",
			"--uri", "unix://"+filepath.Join(l.dirA, "charon.vici"))
		// The finding must come while ikescope is still capturing.
		var seen []string
		var got *findingDoc
		timeout := time.After(20 * time.Second)
	wait:
		for {
			select {
			case line, ok := <-live.lines:
				if !ok {
					t.Fatalf("ikescope live ended before a no-response finding (%v):\n%s\n%s", live.err, strings.Join(seen, "\n"), live.stderr.String())
				}
				seen = append(seen, line)
				var f findingDoc
				if json.Unmarshal([]byte(line), &f) == nil && f.Type == "finding" && f.Code == "no-response" {
					got = &f
					break wait
				}
			case <-timeout:
				t.Fatalf("no no-response finding 20 s after initiating; lines so far:\n%s\nstderr:\n%s", strings.Join(seen, "\n"), live.stderr.String())
			}
		}
		t.Logf("no-response printed %s after initiating: %s", time.Since(began).Round(time.Millisecond), got.Summary)
		if !live.running() {
			t.Fatal("ikescope live had stopped by the time the finding was read")
		}
		if got.Severity != "error" || !strings.HasPrefix(got.Peers, labAddrA+":500 → "+labAddrB+":500") {
			t.Errorf("finding: %s %s, want error between %s and %s", got.Severity, got.Peers, labAddrA, labAddrB)
		}
		rest := finish(t, live)
		findings, rep := readStream(t, append(seen, rest...))
		n := 0
		for _, f := range findings {
			if f.Code == "no-response" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("no-response streamed %d times, want once", n)
		}
		inReport := false
		for _, f := range rep.Report.Findings {
			inReport = inReport || f.Code == "no-response"
		}
		if !inReport {
			t.Errorf("the final report lacks the no-response finding: %+v", rep.Report.Findings)
		}
		if len(rep.Report.Sessions) != 1 || rep.Report.Sessions[0].Established {
			t.Errorf("sessions: %+v, want one that never came up", rep.Report.Sessions)
		}
	})
	t.Logf("live end-to-end test took %s", time.Since(began).Round(time.Millisecond))
}

// processUser names the user a process runs as.
func processUser(t *testing.T, pid int) string {
	t.Helper()
	out, err := shErr(5*time.Second, "ps", "-o", "user=", "-p", strconv.Itoa(pid))
	if err != nil {
		t.Fatalf("ps: %v: %s", err, out)
	}
	return strings.TrimSpace(out)
}

// testLiveErrors: the one-line errors a user meets first, from the real binary.
func testLiveErrors(t *testing.T, bin string) {
	t.Run("no permission", func(t *testing.T) {
		cmd := exec.Command(bin, "live", "-i", "lo", "--duration", "1s")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != int(exitError) {
			t.Fatalf("as nobody: %v, want exit %d:\n%s", err, exitError, out)
		}
		for _, w := range []string{"lo: no permission to capture", "CAP_NET_RAW", "sudo"} {
			if !strings.Contains(string(out), w) {
				t.Errorf("error %q does not say %q", out, w)
			}
		}
	})

	t.Run("interface down", func(t *testing.T) {
		removeStaleNamespaces()
		ns := addNamespace(t, "d")
		sh(t, 10*time.Second, "ip", "-n", ns, "link", "add", "iksl-d0", "type", "veth", "peer", "name", "iksl-d1")
		out, err := shErr(20*time.Second, "ip", "netns", "exec", ns, bin, "live", "-i", "iksl-d0", "--duration", "1s")
		if err == nil {
			t.Fatalf("capture on a down interface worked:\n%s", out)
		}
		for _, w := range []string{"iksl-d0: interface is down", "ip link set iksl-d0 up"} {
			if !strings.Contains(out, w) {
				t.Errorf("error %q does not say %q", out, w)
			}
		}
	})
}

package decode_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestPureGo keeps cgo where it belongs: only decode/live links libpcap. decode, analyze
// and report, their tests, and every package they import outside the standard library
// (this module's own and third-party ones) must build with CGO_ENABLED=0, so that they
// build and test on a machine without a C compiler or libpcap's headers.
//
// The standard library's net and os/user have cgo files too, with pure-Go fallbacks; they
// are not counted.
func TestPureGo(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true: this test must run, but the go tool is not on PATH")
		}
		t.Skip("the go tool is not on PATH, so the packages' imports cannot be listed (set CI=true to make this a failure)")
	}
	const module = "github.com/ikescope/ikescope"
	const cgoAllowed = module + "/decode/live"

	var roots []string
	for _, p := range goList(t, "-f", "{{.ImportPath}}", "./decode/...", "./analyze/...", "./report/...") {
		if p != cgoAllowed && !strings.HasPrefix(p, cgoAllowed+"/") {
			roots = append(roots, p)
		}
	}
	if len(roots) < 3 {
		t.Fatalf("go list found only %q under decode, analyze and report", roots)
	}

	// Every package the roots and their tests need: its import path (a test variant reads
	// "pkg [decode.test]", with a space), whether it is in the standard library, how many
	// cgo files it has, and what it imports (separated by commas, which import paths never
	// contain).
	type pkg struct {
		std     bool
		cgo     bool
		imports []string
	}
	pkgs := map[string]pkg{}
	var order []string
	lines := goList(t, append([]string{"-deps", "-test", "-f", "{{.ImportPath}}\t{{.Standard}}\t{{len .CgoFiles}}\t{{join .Imports \",\"}}"}, roots...)...)
	for _, line := range lines {
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			t.Fatalf("go list printed %q, want four tab-separated fields", line)
		}
		pkgs[f[0]] = pkg{std: f[1] == "true", cgo: f[2] != "0", imports: strings.FieldsFunc(f[3], func(r rune) bool { return r == ',' })}
		order = append(order, f[0])
	}

	// Walk the imports from the roots, remembering who first imported each package, so a
	// failure shows the chain that pulls cgo in.
	isRoot := map[string]bool{}
	for _, r := range roots {
		isRoot[r] = true
	}
	importedBy := map[string]string{}
	var queue []string
	for _, p := range order {
		if isRoot[strings.SplitN(p, " ", 2)[0]] || strings.HasSuffix(p, ".test") {
			importedBy[p] = ""
			queue = append(queue, p)
		}
	}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, imp := range pkgs[p].imports {
			if _, seen := importedBy[imp]; !seen {
				importedBy[imp] = p
				queue = append(queue, imp)
			}
		}
	}

	for _, p := range order {
		if !pkgs[p].cgo || pkgs[p].std {
			continue
		}
		chain := []string{p}
		for q := importedBy[p]; q != ""; q = importedBy[q] {
			chain = append([]string{q}, chain...)
		}
		t.Errorf("%s needs cgo, so decode, analyze and report no longer build with CGO_ENABLED=0:\n\t%s\n"+
			"libpcap (gopacket/pcap) belongs in %s only", p, strings.Join(chain, "\n\t  imports "), cgoAllowed)
	}
}

// goList runs go list in the module's root and returns its output's lines. CGO_ENABLED=1
// makes it report cgo files even where the environment turns cgo off.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	out, err := cmd.Output()
	if err != nil {
		msg := err.Error()
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("go list %s: %s", strings.Join(args, " "), msg)
	}
	var lines []string
	for _, line := range strings.Split(string(out), "\n") {
		if line != "" {
			lines = append(lines, line)
		}
	}
	return lines
}

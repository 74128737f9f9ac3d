package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

const versionSynopsis = "ikescope version"

// buildVersion is what `ikescope version` says about the binary, for bug reports.
type buildVersion struct {
	module   string // the module version: v1.2.0, a pseudo-version, or "(devel)"
	revision string // the VCS revision it was built from, or "unknown"
	time     string // the revision's commit time, or "unknown"
	modified bool   // built from a tree with uncommitted changes
	goVer    string
}

// readBuildVersion reads the version stamped into the binary by the go command; a binary
// built without module or VCS information (go run, go build -buildvcs=false) says so.
func readBuildVersion(info *debug.BuildInfo, ok bool) buildVersion {
	v := buildVersion{module: "(devel)", revision: "unknown", time: "unknown", goVer: runtime.Version()}
	if !ok || info == nil {
		return v
	}
	if info.Main.Version != "" {
		v.module = info.Main.Version
	}
	if info.GoVersion != "" {
		v.goVer = info.GoVersion
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			v.revision = s.Value
		case "vcs.time":
			v.time = s.Value
		case "vcs.modified":
			v.modified = s.Value == "true"
		}
	}
	return v
}

func (v buildVersion) write(w io.Writer) {
	rev := v.revision
	if v.modified {
		rev += " (with uncommitted changes)"
	}
	fmt.Fprintf(w, "ikescope %s\nrevision: %s\ntime:     %s\ngo:       %s %s/%s\n", v.module, rev, v.time, v.goVer, runtime.GOOS, runtime.GOARCH)
}

// runVersion prints the version, the revision and its time, for bug reports.
func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("version", versionSynopsis, stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: %s

Print the module version of ikescope, the revision it was built from and that revision's
time, and the Go version and platform: paste them into a bug report. A binary built
outside a module or a repository says "(devel)" and "unknown".
`, versionSynopsis)
	}
	rest, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return &usageError{fmt.Sprintf("version takes no arguments, not %q", rest[0])}
	}
	readBuildVersion(debug.ReadBuildInfo()).write(stdout)
	return nil
}

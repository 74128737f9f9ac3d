package main

import (
	"bytes"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	tests := []struct {
		name string
		info *debug.BuildInfo
		ok   bool
		want []string
	}{
		{"stamped", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "4bf9720c1e2d"}, {Key: "vcs.time", Value: "2024-05-01T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}},
			true, []string{"ikescope v1.4.0\n", "revision: 4bf9720c1e2d (with uncommitted changes)\n", "time:     2024-05-01T10:00:00Z\n"}},
		{"clean tree", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "4bf9720c1e2d"}, {Key: "vcs.modified", Value: "false"}}},
			true, []string{"revision: 4bf9720c1e2d\n", "time:     unknown\n"}},
		{"no VCS", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, true, []string{"ikescope (devel)\n", "revision: unknown\n", "time:     unknown\n"}},
		{"no build info", nil, false, []string{"ikescope (devel)\n", "revision: unknown\n", "time:     unknown\n", "go:       go"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			readBuildVersion(tt.info, tt.ok).write(&b)
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("version output lacks %q:\n%s", w, b.String())
				}
			}
		})
	}

	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, errOut, code := runCmd(t, nil, args...)
		if code != exitOK || errOut != "" || !strings.HasPrefix(out, "ikescope ") || !strings.Contains(out, "\nrevision: ") || !strings.Contains(out, "\ntime: ") {
			t.Errorf("%v: exit %d, stderr %q, stdout %q", args, code, errOut, out)
		}
	}
	_, errOut, code := runCmd(t, nil, "version", "-h")
	if code != exitOK || !strings.Contains(errOut, "Usage: ikescope version") || !strings.Contains(errOut, "bug report") {
		t.Errorf("version -h: exit %d, stderr %q", code, errOut)
	}
	_, errOut, code = runCmd(t, nil, "version", "extra")
	if code != exitError || !strings.Contains(errOut, "no arguments") {
		t.Errorf("version extra: exit %d, stderr %q", code, errOut)
	}
}

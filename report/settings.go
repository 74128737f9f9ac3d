package report

import (
	"strings"

	"github.com/ikescope/ikescope/analyze"
)

// settingsOf lists the settings the findings point at, each once, in the order the
// findings name them: a report says where each implementation keeps them once, not in
// every finding.
func settingsOf(r *analyze.Result) []analyze.SettingInfo {
	var out []analyze.SettingInfo
	seen := map[string]bool{}
	for _, f := range r.Findings {
		for _, k := range f.Where {
			if info, ok := analyze.Settings[k]; ok && !seen[k] {
				seen[k] = true
				out = append(out, info)
			}
		}
	}
	return out
}

// settingLine is one family of settings on a line: "strongSwan: proposals= in
// swanctl.conf; libreswan: ike= in ipsec.conf; ...".
func settingLine(info analyze.SettingInfo) string {
	parts := make([]string, 0, len(info.Where))
	for _, w := range info.Where {
		if w.Impl == "any" {
			parts = append(parts, w.Setting)
			continue
		}
		parts = append(parts, w.Impl+": "+w.Setting)
	}
	return strings.Join(parts, "; ")
}

// settingNames names the settings a finding points at: "Pre-shared keys, Identities".
func settingNames(f analyze.Finding) string {
	var names []string
	for _, k := range f.Where {
		if info, ok := analyze.Settings[k]; ok {
			names = append(names, strings.ToLower(info.Title[:1])+info.Title[1:])
		}
	}
	return strings.Join(names, ", ")
}

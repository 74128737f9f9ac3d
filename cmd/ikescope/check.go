package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/ikescope/ikescope/analyze"
	"github.com/ikescope/ikescope/config"
)

const checkSynopsis = "ikescope check [-f|--format text|json] GATEWAY-A-CONFIG GATEWAY-B-CONFIG"

const checkExamples = `
Each argument is one gateway's configuration: a file (swanctl.conf, ipsec.conf, ipsec.secrets,
racoon.conf, psk.txt, a Cisco IOS or ASA running-config) or a directory holding its files.
ikescope says what will keep the two from negotiating (IKE version, IKE and ESP proposals,
traffic selectors, identities, authentication, pre-shared keys compared without showing
them), citing both files' lines. Exit status: 0 when nothing will fail, 1 when something
will, 2 for usage errors and unreadable configurations.

Examples:
  ikescope check gw-a/swanctl.conf gw-b/ipsec.conf
  ikescope check /etc/swanctl racoon.conf
`

// loadConfigs reads the gateways' configurations given with --config, one per argument.
func loadConfigs(paths []string) ([]*config.Gateway, error) {
	var out []*config.Gateway
	for _, p := range paths {
		g, err := config.Load(p)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

func runCheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("check", checkSynopsis, stderr)
	format := fs.String("f", "text", "output `FORMAT`: text or json")
	addLongForm(fs, "f", "format")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s\n\nOptions:\n", checkSynopsis)
		printOptions(fs)
		fmt.Fprint(stderr, checkExamples)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return &usageError{"check takes two configurations, one for each gateway"}
	}
	if *format != "text" && *format != "json" {
		return &usageError{fmt.Sprintf("unknown format %q for check: text or json", *format)}
	}
	gws, err := loadConfigs(fs.Args())
	if err != nil {
		return err
	}
	fs2 := config.Compare(gws[0], gws[1])
	if *format == "json" {
		if err := writeCheckJSON(stdout, gws, fs2); err != nil {
			return err
		}
	} else {
		writeCheckText(stdout, gws, fs2)
	}
	for _, f := range fs2 {
		if f.Severity == analyze.Error {
			return errFindings
		}
	}
	return nil
}

func writeCheckText(w io.Writer, gws []*config.Gateway, fs []analyze.Finding) {
	for _, g := range gws {
		fmt.Fprintf(w, "%s: %s, %s, %s (%s)\n", g.Name, g.Format, plural(len(g.Conns), "connection"), plural(len(g.Secrets), "secret"), strings.Join(g.Files, ", "))
	}
	fmt.Fprintln(w)
	if len(fs) == 0 {
		fmt.Fprintln(w, "Nothing in these configurations keeps the two gateways from negotiating.")
		return
	}
	for _, f := range fs {
		fmt.Fprintf(w, "%s %s: %s\n", strings.ToUpper(f.Severity.String()), f.Code, f.Summary)
		fmt.Fprintf(w, "   Why: %s\n   Fix: %s\n", f.Cause, f.Next)
	}
}

// checkJSON is the document of check -f json.
type checkJSON struct {
	Gateways []checkGateway    `json:"gateways"`
	Findings []analyze.Finding `json:"findings"`
}

type checkGateway struct {
	Name        string   `json:"name"`
	Format      string   `json:"format"`
	Files       []string `json:"files"`
	Connections []string `json:"connections"`
	Secrets     int      `json:"secrets"`
}

func writeCheckJSON(w io.Writer, gws []*config.Gateway, fs []analyze.Finding) error {
	doc := checkJSON{Findings: fs}
	if doc.Findings == nil {
		doc.Findings = []analyze.Finding{}
	}
	for _, g := range gws {
		cg := checkGateway{Name: g.Name, Format: g.Format, Files: g.Files, Secrets: len(g.Secrets), Connections: []string{}}
		for _, c := range g.Conns {
			cg.Connections = append(cg.Connections, c.Name)
		}
		doc.Gateways = append(doc.Gateways, cg)
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

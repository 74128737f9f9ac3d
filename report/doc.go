// Package report is the only part of ikescope that formats for people and programs:
// the decoded-message tree and JSON lines of `ikescope decode`, and the reports of
// `ikescope analyze` (docs/reports.md).
//
// Where things live:
//
//	analysis.go    formats, Style, Write; the JSON document; sessions rows; --summary
//	table.go       the terminal report (-f table, -f text) and its text ladder
//	ladder.go      the ladder every format draws: rows, folding, failure point, message texts
//	lifecycle.go   guessed roles, SA timelines and ESP without IKE, in words every format shares
//	markdown.go    -f markdown: summary lines, findings, mermaid ladders, <details> blocks
//	html.go        -f html: one self-contained page with SVG ladders and every decode
//	jsonl.go       -f jsonl events, and JSON output with --redact
//	redact.go      --redact: pseudonyms for addresses, identities, names and SPIs
//	decodetree.go  the decode tree (ikescope decode; the decodes in Markdown and HTML)
//	decodejson.go  ikescope decode -f json
//
// The JSON formats are described by docs/schema/*.schema.json; the tests check their
// output against them with internal/schematest.
package report

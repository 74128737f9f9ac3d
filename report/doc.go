// Package report is the only part of ikescope that formats for people and programs:
// the decoded-message tree and JSON lines of `ikescope decode`, and (with the analysis)
// tables, Markdown, HTML and JSON reports.
package report

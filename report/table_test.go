package report

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestWrapHang(t *testing.T) {
	tests := []struct {
		name, first, indent, text string
		width                     int
		want                      string
	}{
		{"fits", " ", "   ", "one two", 20, " one two\n"},
		{"wraps under the indent", "> ", "  ", "alpha beta gamma delta", 12, "> alpha beta\n  gamma\n  delta\n"},
		{"hard space holds", "", "", "at" + hardSpace + "2024-05-01T10:00:00Z x", 24, "at 2024-05-01T10:00:00Z\nx\n"},
		{"long word cut", "", "  ", "a 0123456789abcdef", 10, "a 0123456…\n"},
		{"colour takes no room", "\x1b[1;31mERROR\x1b[0m ", "      ", "abc def", 13, "\x1b[1;31mERROR\x1b[0m abc def\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		wrapHang(&b, tt.first, tt.indent, tt.text, tt.width)
		if b.String() != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, b.String(), tt.want)
		}
	}
}

// TestTextFoldsWideTables renders ESP without IKE on a terminal too narrow for its
// table: each flow takes lines of its own, and no line is wider than the terminal.
func TestTextFoldsWideTables(t *testing.T) {
	r := analyzeFiles(t, corpusFile(t, "tcpdump/tests/02-sunrise-sunset-esp.pcap"))
	for _, f := range []Format{FormatTable, FormatText} {
		var b bytes.Buffer
		if err := Write(&b, r, f, Style{Boxes: true, Width: 60}); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		mustContain(t, string(f), out, "\nESP WITHOUT IKE\n", " SPI 12345678 · 192.1.2.23 → 192.1.2.45\n", "encapsulation IP protocol 50 · packets 8")
		for _, line := range strings.Split(out, "\n") {
			if n := utf8.RuneCountInString(line); n > 60 {
				t.Errorf("%s: a line of %d runes at width 60:\n%s", f, n, line)
			}
		}
	}
}

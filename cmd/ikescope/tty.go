package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"golang.org/x/term"
)

// What the terminal report may assume about where it is written: whether that is a
// terminal, how wide it is, and whether colour is wanted there.

// isTerminal reports whether w is a terminal. A character device is not enough:
// /dev/null is one too, and output sent there must not switch on terminal manners.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// minWidth is the narrowest width the text report is laid out for; a smaller COLUMNS
// is taken for a mistake and ignored.
const minWidth = 40

// terminalWidth is how many columns the report may use: an exported COLUMNS wins, then
// the size of the terminal w is, else 0 (not a terminal: no width to keep to).
func terminalWidth(w io.Writer, getenv func(string) string) int {
	if cols, err := strconv.Atoi(getenv("COLUMNS")); err == nil && cols >= minWidth {
		return cols
	}
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return 0
	}
	if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols >= minWidth {
		return cols
	}
	return 0
}

// colorMode is --color: auto (colour on a terminal that can show it), always (for
// less -R) or never.
type colorMode string

const (
	colorAuto   colorMode = "auto"
	colorAlways colorMode = "always"
	colorNever  colorMode = "never"
)

func (m *colorMode) String() string { return string(*m) }

func (m *colorMode) Set(s string) error {
	switch colorMode(s) {
	case colorAuto, colorAlways, colorNever:
		*m = colorMode(s)
		return nil
	}
	return fmt.Errorf("takes auto, always or never, not %q", s)
}

// useColor says whether severities are coloured. With auto: only on a terminal, and
// neither when NO_COLOR is set (https://no-color.org asks for no colour, nothing more)
// nor on TERM=dumb, which cannot show it.
func useColor(m colorMode, toTerminal bool, getenv func(string) string) bool {
	switch m {
	case colorAlways:
		return true
	case colorNever:
		return false
	}
	return toTerminal && getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
}

// reportLocation is the zone absolute times are written in: UTC, unless TZ names one.
func reportLocation(getenv func(string) string) *time.Location {
	if getenv("TZ") == "" {
		return time.UTC
	}
	return time.Local
}

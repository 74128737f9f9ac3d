package report

import (
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/ikescope/ikescope/analyze"
)

// Inside the tunnel: the inner conversations ESP keys opened, one row each, with what
// asked for an answer and what answered.

var innerHeader = []string{"session", "SPI", "inside the tunnel", "packets", "asked / answered", "frames"}

// maxInnerRows bounds the table in the reports for people; JSON lists every flow.
const maxInnerRows = 40

// innerTable lists the inner flows of every session's ESP, then of the ESP without IKE,
// and how many rows were left out.
func innerTable(r *analyze.Result, rd *Redactor) (rows [][]string, more int) {
	add := func(session string, flows []*analyze.ESPFlow) {
		for _, f := range flows {
			t := f.Inner
			if t == nil {
				continue
			}
			spi := rd.SPI(fmt.Sprintf("%08x", f.SPI))
			if n := t.ICVFailed + t.BadTrailer; n > 0 {
				what := "ICV mismatch"
				if t.ICVFailed == 0 {
					what = "did not decrypt"
				}
				rows = append(rows, []string{session, spi, what, fmt.Sprint(n), "", ""})
			}
			if !t.Trusted() {
				continue // what "opened" with keys that fail most packets is noise
			}
			for _, fl := range t.Flows {
				if len(rows) >= maxInnerRows {
					more++
					continue
				}
				rows = append(rows, []string{session, spi, innerFlowText(fl, rd), fmt.Sprint(fl.Packets),
					askedText(fl), fmt.Sprintf("%d-%d", fl.FirstFrame, fl.LastFrame)})
			}
		}
	}
	for _, s := range r.Sessions {
		add(fmt.Sprint(s.ID), s.ESP)
	}
	add("-", r.Orphans)
	return rows, more
}

// innerFlowText is a flow as a row shows it: "10.1.0.10 → 10.2.0.1 ICMP".
func innerFlowText(fl *analyze.InnerFlow, rd *Redactor) string {
	proto := fl.ProtoName()
	if fl.SrcPort != 0 || fl.DstPort != 0 {
		return fmt.Sprintf("%s → %s %s", rd.AddrPort(netip.AddrPortFrom(fl.Src, fl.SrcPort)), rd.AddrPort(netip.AddrPortFrom(fl.Dst, fl.DstPort)), proto)
	}
	return fmt.Sprintf("%s → %s %s", rd.Addr(fl.Src), rd.Addr(fl.Dst), proto)
}

// askedText says how many requests a flow made and how many the other way answered.
func askedText(fl *analyze.InnerFlow) string {
	switch {
	case fl.Requests == 0 && fl.Replies > 0:
		return fmt.Sprintf("%d answers", fl.Replies)
	case fl.Requests == 0:
		return ""
	case fl.Answered == 0:
		return fmt.Sprintf("%d / none", fl.Requests)
	}
	return fmt.Sprintf("%d / %d", fl.Requests, fl.Answered)
}

func innerMoreText(more int) string {
	if more == 0 {
		return ""
	}
	return fmt.Sprintf("%d more inner flows not listed here; -f json lists them all.", more)
}

// writeInner writes the text report's INSIDE THE TUNNEL section.
func writeInner(w io.Writer, r *analyze.Result, st Style, rd *Redactor) {
	rows, more := innerTable(r, rd)
	if len(rows) == 0 {
		return
	}
	fmt.Fprintln(w, "INSIDE THE TUNNEL (decrypted ESP)")
	header := make([]string, len(innerHeader))
	for i, h := range innerHeader {
		header[i] = strings.ToUpper(h)
	}
	writeTable(w, st, header, rows, func(row []string) (string, string) {
		return fmt.Sprintf("%s · SPI %s · %s", row[0], row[1], row[2]),
			fmt.Sprintf("packets %s · asked/answered %s · frames %s", row[3], row[4], row[5])
	})
	if m := innerMoreText(more); m != "" {
		writeFit(w, " ", "   ", m, st)
	}
	fmt.Fprintln(w)
}

// mdInner writes the Markdown report's inner-traffic section.
func mdInner(w io.Writer, r *analyze.Result, rd *Redactor) {
	rows, more := innerTable(r, rd)
	if len(rows) == 0 {
		return
	}
	fmt.Fprintln(w, "## Inside the tunnel (decrypted ESP)")
	fmt.Fprintln(w)
	mdTable(w, innerHeader, func(row func(...string)) {
		for _, r := range rows {
			row(r...)
		}
	})
	if m := innerMoreText(more); m != "" {
		fmt.Fprintf(w, "%s\n\n", mdEscape(m))
	}
}

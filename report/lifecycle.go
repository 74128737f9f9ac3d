package report

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/ikescope/ikescope/analyze"
)

// What every format says beyond one negotiation: which side initiated when the capture
// began too late to know, what happened to an SA over its life (the timeline), and ESP
// whose IKE the capture does not hold.

// guessMark follows an address whose role (initiator or responder) is a guess.
const guessMark = " (?)"

// guessLegend explains guessMark under a sessions table.
const guessLegend = "(?) which side initiated is a guess: the capture began after the first message, or no message says who initiated"

// roleMark is guessMark for a session whose roles are guessed, else "".
func roleMark(s *analyze.Session) string {
	if s.RolesKnown {
		return ""
	}
	return guessMark
}

// movedFrom notes, after a side's address in the sessions table (where it ended), the
// address it began the SA from when its IKE messages moved to another (MOBIKE, a NAT
// that gave it a new public address).
func movedFrom(s *analyze.Session, side string, rd *Redactor) string {
	for _, e := range s.Timeline {
		if e.Kind != analyze.EventMoved || e.By != side {
			continue
		}
		from, _, _ := strings.Cut(e.Detail, " -> ")
		if ap, err := netip.ParseAddrPort(from); err == nil {
			return " (moved from " + rd.Addr(ap.Addr()) + ")"
		}
		return ""
	}
	return ""
}

// anyRolesGuessed reports whether a sessions table needs guessLegend.
func anyRolesGuessed(r *analyze.Result) bool {
	for _, s := range r.Sessions {
		if !s.RolesKnown {
			return true
		}
	}
	return false
}

// rolesGuessedSuffix is " · roles guessed" for a ladder heading, unless the state the
// heading already carries says so.
func rolesGuessedSuffix(s *analyze.Session) string {
	if s.RolesKnown || strings.Contains(s.State, "roles guessed") {
		return ""
	}
	return " · roles guessed"
}

// roleNames are the words under a session's two peers: "initiator" and "responder", with a
// question mark each when the roles are guessed.
func roleNames(s *analyze.Session) (initiator, responder string) {
	if s.RolesKnown {
		return "initiator", "responder"
	}
	return "initiator?", "responder?"
}

// showTimeline says whether a session's life is worth a timeline of its own: more than
// the one event the sessions table already tells.
func showTimeline(s *analyze.Session) bool { return len(s.Timeline) > 1 }

// timelineRow is one event of a session's life as every format shows it.
type timelineRow struct {
	frame int
	at    float64 // seconds since the capture's first packet
	text  string  // "CHILD_SA rekeyed (by the initiator)"
}

// timelineTimeNote says what a timeline's time column counts.
const timelineTimeNote = "seconds since the start of the capture"

// timelineRows is a session's timeline in words, with times counted from the start of
// its capture so that the timelines of an SA and of the one that replaced it line up.
func timelineRows(r *analyze.Result, s *analyze.Session, rd *Redactor) []timelineRow {
	start := captureStart(r, s)
	rows := make([]timelineRow, 0, len(s.Timeline))
	for _, e := range s.Timeline {
		rows = append(rows, timelineRow{frame: e.Frame, at: e.Time.Sub(start).Seconds(), text: eventText(s, e, rd)})
	}
	return rows
}

// captureStart is the time of the first packet of the session's capture.
func captureStart(r *analyze.Result, s *analyze.Session) time.Time {
	for _, c := range r.Captures {
		if c.Name == s.Capture && !c.First.IsZero() {
			return c.First
		}
	}
	return s.First
}

// eventText says what happened in words: "IKE SA up", "CHILD_SA rekeyed (by the
// initiator)", "deleted by the responder: ESP c1a2b3c4". Details may carry SPIs, so they
// go through the redactor.
func eventText(s *analyze.Session, e analyze.Event, rd *Redactor) string {
	child, sa := "CHILD_SA", "IKE SA"
	if s.Version == 1 {
		child, sa = "IPsec SA", "Phase 1 (ISAKMP SA)"
	}
	by := ""
	if e.By != "" {
		by = " (by the " + e.By + ")"
	}
	detail := rd.Text(e.Detail)
	var t string
	switch e.Kind {
	case analyze.EventUp:
		t = sa + " up"
	case analyze.EventChildUp:
		t = child + " created" + by
	case analyze.EventChildRekeyed:
		t = child + " rekeyed" + by
	case analyze.EventChildRefused:
		t = child + " refused"
		if e.By != "" {
			t += " (asked for by the " + e.By + ")"
		}
		if detail != "" {
			t += ": " + detail
		}
	case analyze.EventRekeyed:
		t = fmt.Sprintf("IKE SA rekeyed into session %d%s", e.Session, by)
		if e.Session == 0 {
			t = "IKE SA rekeyed" + by
		}
	case analyze.EventRekeyedFrom:
		t = fmt.Sprintf("continues session %d (rekey)", e.Session)
	case analyze.EventReauthFrom:
		ike := "IKE SA"
		if s.Version == 1 {
			ike = "ISAKMP SA"
		}
		t = fmt.Sprintf("replaces session %d (reauthentication: a new %s while the old one was up)", e.Session, ike)
	case analyze.EventUserAuth:
		return "user authentication" + by + ": " + detail
	case analyze.EventAddress:
		if e.Detail == "none" {
			return "no virtual IP assigned" + by
		}
		return "virtual IP assigned" + by + ": " + detail
	case analyze.EventMoved:
		return "the " + e.By + "'s IKE messages use another address: " + detail
	case analyze.EventDPD:
		t = "liveness check"
		if e.By != "" {
			t += " (" + e.By + ")"
		}

	case analyze.EventDeleted:
		switch {
		case detail != "" && e.By != "":
			return "deleted by the " + e.By + ": " + detail
		case detail != "":
			return "deleted: " + detail
		case e.By != "":
			return "Delete from the " + e.By + " (encrypted: which SA is not known)"
		}
		return "Delete (encrypted: which SA is not known)"
	default:
		t = string(e.Kind) + by
	}
	if detail != "" {
		t += ": " + detail
	}
	return t
}

// orphanMeaning is what ESP tied to no IKE SA means.
const orphanMeaning = "These SAs were negotiated before the capture began (the capture started late; the next rekey will show IKE), or their IKE runs elsewhere."

// orphanMeaningNew is what it means when every such SA began during the capture.
const orphanMeaningNew = "These SAs began during the capture (their sequence numbers start from the beginning), yet no IKE in it negotiated them: their IKE runs on another path or port, or they are keyed by hand."

// orphanMeaningManual is what it means when every such SA has a reserved SPI.
const orphanMeaningManual = "These SAs use SPIs below 256, which IKE never gives out (RFC 4303 2.1): they were keyed by hand (setkey, ip xfrm state add), with no IKE to show."

// orphanMeaningOf says what r's ESP without IKE means: orphanMeaningManual when every
// flow listed has a reserved SPI, orphanMeaningNew when every one starts from its first
// sequence numbers.
func orphanMeaningOf(r *analyze.Result) string {
	var firstIKE time.Time
	for _, s := range r.Sessions {
		if firstIKE.IsZero() || s.First.Before(firstIKE) {
			firstIKE = s.First
		}
	}
	manual, fresh, early := true, true, !firstIKE.IsZero()
	for _, f := range r.Orphans {
		manual = manual && f.SPI < 256
		fresh = fresh && f.FirstSeq <= analyze.FreshSeq
		early = early && f.First.Before(firstIKE)
	}
	switch {
	case manual && len(r.Orphans) > 0:
		return orphanMeaningManual
	case fresh && early:
		return orphanMeaningEarly
	case fresh:
		return orphanMeaningNew
	}
	return orphanMeaning
}

// orphanMeaningEarly: new SAs whose ESP the capture holds from before its first IKE
// message: their negotiation most likely came just before the capture began.
const orphanMeaningEarly = "These SAs began just before the capture did (their sequence numbers start from the beginning, ahead of every IKE message in it): most likely their negotiation came right before the capture started; otherwise their IKE runs on another path or port, or they are keyed by hand."

// noIKEText is what a report says when the capture holds no IKE SA. IKE messages the
// capture cut short come first; without ESP either, it tells an admin where to look; with
// ESP, the ESP-without-IKE section explains it.
func noIKEText(r *analyze.Result) string {
	for _, f := range r.Findings {
		if f.Code == analyze.CodeTruncated || f.Code == analyze.CodeNoIKE && strings.HasPrefix(f.Summary, "No IKE message could be read") {
			return "No IKE message could be read: the capture cut packets short or lost their fragments (see the findings). Capture again with whole packets (tcpdump -s 0)."
		}
	}
	if len(r.Orphans) > 0 {
		return "No IKE negotiation in the capture."
	}
	for _, f := range r.Findings {
		if f.Code == analyze.CodeTCPClosed || f.Code == analyze.CodeTCPNotIKE {
			return "No IKE message in the capture: IKE over TCP was tried and did not get as far as one (see the findings)."
		}
	}
	return "No IKE in the capture: nothing asked for a tunnel while it ran, or UDP 500 and 4500 are blocked before the capture point. " +
		"Check that a security policy sends this traffic into IPsec (ip xfrm policy, setkey -DP, show crypto map), and that no firewall or ACL in front of the capture point drops UDP 500 and 4500."
}

// maxOrphanRows caps the ESP-without-IKE table of the text and Markdown reports.
const maxOrphanRows = 50

// moreOrphansText says how many orphan flows a capped table leaves out, or "".
func moreOrphansText(r *analyze.Result) string {
	if n := max(len(r.Orphans)-maxOrphanRows, 0) + r.OmittedOrphans; n > 0 {
		return fmt.Sprintf("%d more flow%s without IKE are in -f json.", n, plural(n))
	}
	return ""
}

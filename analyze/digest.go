package analyze

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"
)

// Digest keeps what a report for people can show of a capture with more sessions than a
// reader takes in: the first sessions in full and an example of every outcome after that,
// while every session is counted in a group of the same outcome and responder (or, when
// those are too many to list, of the same outcome). Feed it the sessions an analysis
// hands over (Options.OnDone); its memory follows the number of groups, not of sessions.
type Digest struct {
	// Detail is how many sessions are kept in full before only an outcome's first one
	// is; MaxDetail caps those kept in all. Defaults 100 and 300.
	Detail, MaxDetail int

	kept     []*Session
	findings []Finding
	fine     map[groupKey]*Group // by responder and outcome
	coarse   map[string]*Group   // by outcome
	fineList []*Group
	outList  []*Group
	total    int

	orphans        []*ESPFlow // the first ESP flows of no IKE SA handed over (AddOrphan)
	orphansOmitted int
}

// DigestOrphans is how many ESP flows of no IKE SA a Digest keeps; reports for people
// list no more than that, and count the rest.
const DigestOrphans = 50

// AddOrphan takes an ESP flow of no IKE SA the analysis let go (Options.OnOrphan).
func (d *Digest) AddOrphan(f *ESPFlow) {
	if len(d.orphans) < DigestOrphans {
		d.orphans = append(d.orphans, f)
		return
	}
	d.orphansOmitted++
}

type groupKey struct {
	responder netip.Addr
	outcome   string
}

// Group counts the sessions of one outcome, to one responder or to any.
type Group struct {
	// Initiators and Responders name the two sides: one address, the narrowest prefix
	// that holds them all ("198.51.100.0/24"), or how many there are.
	Initiators string `json:"initiators"`
	Responders string `json:"responders"`
	// Outcome is "established", "not established", or the error findings' codes
	// ("failed: nat-t-problem").
	Outcome  string         `json:"outcome"`
	Sessions int            `json:"sessions"`
	Shown    []int          `json:"shown,omitempty"` // sessions of the group kept in full
	Findings map[string]int `json:"findings,omitempty"`
	First    time.Time      `json:"first"`
	Last     time.Time      `json:"last"`

	inits, resps addrSpan
}

// maxGroups is how many groups of responder and outcome a Digest lists; past it, it
// lists groups of one outcome.
const maxGroups = 50

// Add takes one session and its findings.
func (d *Digest) Add(s *Session, fs []Finding) {
	if d.Detail <= 0 {
		d.Detail = 100
	}
	if d.MaxDetail <= 0 {
		d.MaxDetail = 300
	}
	if d.fine == nil {
		d.fine, d.coarse = map[groupKey]*Group{}, map[string]*Group{}
	}
	d.total++
	out := outcomeOf(s, fs)
	c := d.coarse[out]
	if c == nil {
		c = newGroup(out)
		d.coarse[out] = c
		d.outList = append(d.outList, c)
	}
	keep := len(d.kept) < d.Detail || len(c.Shown) == 0 && len(d.kept) < d.MaxDetail
	c.add(s, fs, keep)
	k := groupKey{s.Responder.Addr(), out}
	if g := d.fine[k]; g != nil {
		g.add(s, fs, keep)
	} else if len(d.fine) <= maxGroups {
		// Counted by responder only while they are few enough to list.
		g = newGroup(out)
		d.fine[k] = g
		d.fineList = append(d.fineList, g)
		g.add(s, fs, keep)
	}
	if keep {
		d.kept = append(d.kept, s)
		d.findings = append(d.findings, fs...)
	}
}

func newGroup(outcome string) *Group {
	return &Group{Outcome: outcome, Findings: map[string]int{}}
}

func (g *Group) add(s *Session, fs []Finding, keep bool) {
	if g.Sessions == 0 || s.First.Before(g.First) {
		g.First = s.First
	}
	if s.Last.After(g.Last) {
		g.Last = s.Last
	}
	g.Sessions++
	g.inits.add(s.Initiator.Addr())
	g.resps.add(s.Responder.Addr())
	for _, f := range fs {
		if f.Severity >= Warning {
			g.Findings[f.Code]++
		}
	}
	if keep {
		g.Shown = append(g.Shown, s.ID)
	}
}

// addrSpan follows a set of addresses: how many (up to a bound) and the narrowest
// prefix that holds them all.
type addrSpan struct {
	count int
	one   netip.Addr
	bits  int // the common prefix so far; -1 once IPv4 and IPv6 mix
	seen  map[netip.Addr]bool
}

// maxSpanCounted bounds the addresses an addrSpan remembers to count them.
const maxSpanCounted = 256

func (sp *addrSpan) add(a netip.Addr) {
	if !a.IsValid() {
		return
	}
	if sp.seen == nil {
		sp.seen = map[netip.Addr]bool{}
	}
	if len(sp.seen) < maxSpanCounted && !sp.seen[a] {
		sp.seen[a] = true
		sp.count++
	}
	switch {
	case !sp.one.IsValid():
		sp.one, sp.bits = a, a.BitLen()
	case a.BitLen() != sp.one.BitLen():
		sp.bits = -1
	default:
		for sp.bits > 0 {
			if p, _ := sp.one.Prefix(sp.bits); p.Contains(a) {
				break
			}
			sp.bits--
		}
	}
}

// String names the addresses: one address, their prefix, or how many.
func (sp *addrSpan) String() string {
	switch {
	case sp.count <= 1:
		return sp.one.String()
	case sp.bits >= 8:
		p, _ := sp.one.Prefix(sp.bits)
		return p.String()
	case sp.count >= maxSpanCounted:
		return fmt.Sprintf("%d or more addresses", maxSpanCounted)
	}
	return fmt.Sprintf("%d addresses", sp.count)
}

// outcomeOf sorts a session into "established", "not established" or the codes of its
// error findings.
func outcomeOf(s *Session, fs []Finding) string {
	var codes []string
	for _, f := range fs {
		if f.Severity == Error && f.Session == s.ID {
			codes = append(codes, f.Code)
		}
	}
	if len(codes) > 0 {
		sort.Strings(codes)
		return "failed: " + strings.Join(slices.Compact(codes), ", ")
	}
	if s.Established {
		return "established"
	}
	return "not established"
}

// Summarized counts the sessions counted in a group but not kept in full.
func (d *Digest) Summarized() int { return d.total - len(d.kept) }

// Result completes r, the Result of an analysis that handed its sessions to d: the
// sessions kept in full and their findings join it, and, when some were not kept, the
// groups that count them all.
func (d *Digest) Result(r *Result) *Result {
	out := *r
	out.Sessions = append(append([]*Session(nil), d.kept...), r.Sessions...)
	sort.SliceStable(out.Sessions, func(i, j int) bool { return out.Sessions[i].ID < out.Sessions[j].ID })
	out.Findings = append(append([]Finding(nil), d.findings...), r.Findings...)
	if len(d.orphans) > 0 {
		out.Orphans = append(append([]*ESPFlow(nil), d.orphans...), r.Orphans...)
		out.OmittedOrphans += d.orphansOmitted
	}
	sort.SliceStable(out.Findings, func(i, j int) bool {
		if out.Findings[i].Severity != out.Findings[j].Severity {
			return out.Findings[i].Severity > out.Findings[j].Severity
		}
		return out.Findings[i].Time.Before(out.Findings[j].Time)
	})
	if d.Summarized() == 0 {
		return &out
	}
	out.Summarized = d.Summarized()
	groups := d.fineList
	if len(d.fine) > maxGroups {
		groups = d.outList
	}
	for _, g := range groups {
		g.Initiators, g.Responders = g.inits.String(), g.resps.String()
		out.Groups = append(out.Groups, g)
	}
	// Failed groups first, then the largest.
	sort.SliceStable(out.Groups, func(i, j int) bool {
		fi, fj := out.Groups[i].Outcome != "established", out.Groups[j].Outcome != "established"
		if fi != fj {
			return fi
		}
		return out.Groups[i].Sessions > out.Groups[j].Sessions
	})
	return &out
}

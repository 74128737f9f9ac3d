package analyze

import (
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"
)

// Remote-access clients of a gateway, counted as their sessions finish: a gateway's
// capture of hundreds of road warriors is read by client and by outcome (how many
// connected, how many failed and why, who fails again and again, when the gateway was
// busiest), not session by session. Its memory follows the number of clients.

// ClientSummary is what a capture shows of remote-access clients.
type ClientSummary struct {
	// Gateways are the responders the clients dialled into (the first 20).
	Gateways []string `json:"gateways"`
	Clients  int      `json:"clients"`
	Sessions int      `json:"sessions"`
	// Outcomes counts the clients by the outcome of their last session: "connected", or
	// the codes of its errors ("user-auth-failed"); connected first, then the largest.
	Outcomes []ClientOutcome `json:"outcomes"`
	// Repeated lists the clients with two failed sessions or more, most failures first
	// (at most maxClientsListed).
	Repeated []*Client `json:"failing_repeatedly,omitempty"`
	// Hours counts sessions by the hour they began in (UTC), busiest first (at most 3).
	Hours []HourCount `json:"busiest_hours,omitempty"`
	// SharedAddresses lists public addresses that several clients came from (clients
	// behind one NAT, told apart by their source ports or user names).
	SharedAddresses []SharedAddress `json:"shared_addresses,omitempty"`
	// Untracked counts the sessions of clients past the first maxTrackedClients: counted
	// in Sessions, not followed one by one.
	Untracked int `json:"untracked_sessions,omitempty"`
}

// maxTrackedClients bounds the clients followed one by one: a gateway's day of clients
// each with an address of its own would otherwise grow the tally without end.
const maxTrackedClients = 8192

// ClientOutcome counts the clients of one outcome.
type ClientOutcome struct {
	Outcome string `json:"outcome"`
	Clients int    `json:"clients"`
}

// HourCount counts the sessions begun in one hour.
type HourCount struct {
	Hour     time.Time `json:"hour"`
	Sessions int       `json:"sessions"`
}

// SharedAddress is an address several clients came from.
type SharedAddress struct {
	Address string `json:"address"`
	Clients int    `json:"clients"`
}

// Client is one remote-access client: its user name where keys show it, else its
// address (and source port, behind a NAT that maps several clients to one address).
type Client struct {
	Name        string         `json:"client"`
	User        string         `json:"user,omitempty"`
	Address     netip.AddrPort `json:"address"`
	Sessions    int            `json:"sessions"`
	Failed      int            `json:"failed"`
	LastOutcome string         `json:"last_outcome"`
	Failures    map[string]int `json:"failures,omitempty"`
	First       time.Time      `json:"first"`
	Last        time.Time      `json:"last"`
	SessionIDs  []int          `json:"session_ids"` // the first few
}

// maxClientsListed bounds the clients a summary lists by name.
const maxClientsListed = 20

// clientTally counts clients as their sessions are handed over or finished.
type clientTally struct {
	byKey     map[string]*Client
	order     []*Client
	gateways  map[netip.Addr]bool
	hours     map[time.Time]int
	sessions  int
	untracked int // sessions of clients past maxTrackedClients
}

// remoteAccess reports whether a session is a remote-access client's: it ran XAUTH or
// EAP, asked for a virtual IP, or a finding is about that layer.
func (s *Session) remoteAccess(fs []Finding) bool {
	if s.UserAuth != "" || len(s.VirtualIPs) > 0 || s.User != "" || s.remoteClient() {
		return true
	}
	for _, f := range fs {
		if userLayer(f.Code) {
			return true
		}
	}
	return false
}

// clientKey names the client of a session: its user where known; else its address, with
// the source port when that is neither 500 nor 4500 and the address is a public one (a
// NAT mapped the client to it, and other clients may share the address). A private
// address is the client itself, seen inside the NAT: its ports are its own.
func clientKey(s *Session) (key, name string) {
	ap := s.Initiator
	addr := ap.Addr().String()
	if p := ap.Port(); p != 500 && p != 4500 && !privateAddr(ap.Addr()) {
		addr = ap.String()
	}
	if s.User != "" {
		return "u:" + s.User, s.User
	}
	return "a:" + addr, addr
}

func (t *clientTally) add(s *Session, fs []Finding) {
	if !s.RolesKnown || !s.remoteAccess(fs) {
		return
	}
	if t.byKey == nil {
		t.byKey, t.gateways, t.hours = map[string]*Client{}, map[netip.Addr]bool{}, map[time.Time]int{}
	}
	key, name := clientKey(s)
	c := t.byKey[key]
	if c == nil && len(t.byKey) >= maxTrackedClients {
		t.sessions++
		t.untracked++
		t.gateways[s.Responder.Addr()] = true
		t.hours[s.First.UTC().Truncate(time.Hour)]++
		return
	}
	if c == nil {
		c = &Client{Name: name, User: s.User, Address: s.Initiator, First: s.First, Failures: map[string]int{}}
		t.byKey[key] = c
		t.order = append(t.order, c)
	}
	t.sessions++
	t.gateways[s.Responder.Addr()] = true
	t.hours[s.First.UTC().Truncate(time.Hour)]++
	c.Sessions++
	if len(c.SessionIDs) < 5 {
		c.SessionIDs = append(c.SessionIDs, s.ID)
	}
	if s.First.Before(c.First) {
		c.First = s.First
	}
	out := clientOutcome(s, fs)
	if out != "connected" {
		c.Failed++
		c.Failures[out]++
	}
	if !s.First.Before(c.Last) {
		c.Last, c.LastOutcome, c.Address = s.First, out, s.Initiator
	}
}

// clientOutcome is "connected" when the session carried an IPsec SA (a client is not
// connected by its IKE SA alone); else its errors' codes; else its user-layer warnings'
// codes with "likely"; else "not connected".
func clientOutcome(s *Session, fs []Finding) string {
	codes := func(keep func(Finding) bool) string {
		var out []string
		for _, f := range fs {
			if f.Session == s.ID && keep(f) && !slices.Contains(out, f.Code) {
				out = append(out, f.Code)
			}
		}
		sort.Strings(out)
		return strings.Join(out, ", ")
	}
	if c := codes(func(f Finding) bool { return f.Severity == Error }); c != "" {
		return c
	}
	if s.Phase2Done > 0 || len(s.ESP) > 0 {
		return "connected"
	}
	if c := codes(func(f Finding) bool { return f.Severity == Warning && explainsFailure(f.Code) }); c != "" {
		return c + " (likely)"
	}
	return "not connected"
}

// explainsFailure reports whether a finding of the code, as a warning, is a likely reason
// a client did not connect (not advice such as weak-crypto or esp-missing).
func explainsFailure(code string) bool {
	switch code {
	case CodeUserAuthFailed, CodeNoVirtualIP, CodeEAPMethodMismatch, CodePhase2Stalled, CodeExchangeStalled,
		CodeNoResponse, CodeReplyNotReaching, CodeNATTProblem, CodeAuthFailed, CodeErrorNotify:
		return true
	}
	return false
}

// cgnat is the shared address space of carrier-grade NAT (RFC 6598).
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

func privateAddr(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsPrivate() || a.IsLinkLocalUnicast() || cgnat.Contains(a)
}

// summary is the tally so far; nil without remote-access clients.
func (t *clientTally) summary() *ClientSummary {
	if len(t.order) == 0 {
		return nil
	}
	cs := &ClientSummary{Clients: len(t.order), Sessions: t.sessions, Untracked: t.untracked}
	for g := range t.gateways {
		cs.Gateways = append(cs.Gateways, g.String())
	}
	sort.Strings(cs.Gateways)
	if len(cs.Gateways) > maxClientsListed {
		cs.Gateways = cs.Gateways[:maxClientsListed]
	}
	outcomes := map[string]int{}
	perAddr := map[netip.Addr]int{}
	for _, c := range t.order {
		outcomes[c.LastOutcome]++
		perAddr[c.Address.Addr()]++
		if c.Failed >= 2 {
			cs.Repeated = append(cs.Repeated, c)
		}
	}
	for o, n := range outcomes {
		cs.Outcomes = append(cs.Outcomes, ClientOutcome{o, n})
	}
	sort.Slice(cs.Outcomes, func(i, j int) bool {
		a, b := cs.Outcomes[i], cs.Outcomes[j]
		if (a.Outcome == "connected") != (b.Outcome == "connected") {
			return a.Outcome == "connected"
		}
		if a.Clients != b.Clients {
			return a.Clients > b.Clients
		}
		return a.Outcome < b.Outcome
	})
	sort.SliceStable(cs.Repeated, func(i, j int) bool { return cs.Repeated[i].Failed > cs.Repeated[j].Failed })
	if len(cs.Repeated) > maxClientsListed {
		cs.Repeated = cs.Repeated[:maxClientsListed]
	}
	for h, n := range t.hours {
		cs.Hours = append(cs.Hours, HourCount{h, n})
	}
	sort.Slice(cs.Hours, func(i, j int) bool {
		if cs.Hours[i].Sessions != cs.Hours[j].Sessions {
			return cs.Hours[i].Sessions > cs.Hours[j].Sessions
		}
		return cs.Hours[i].Hour.Before(cs.Hours[j].Hour)
	})
	if len(cs.Hours) > 3 {
		cs.Hours = cs.Hours[:3]
	}
	for a, n := range perAddr {
		if n > 1 {
			cs.SharedAddresses = append(cs.SharedAddresses, SharedAddress{a.String(), n})
		}
	}
	sort.Slice(cs.SharedAddresses, func(i, j int) bool {
		if cs.SharedAddresses[i].Clients != cs.SharedAddresses[j].Clients {
			return cs.SharedAddresses[i].Clients > cs.SharedAddresses[j].Clients
		}
		return cs.SharedAddresses[i].Address < cs.SharedAddresses[j].Address
	})
	if len(cs.SharedAddresses) > maxClientsListed {
		cs.SharedAddresses = cs.SharedAddresses[:maxClientsListed]
	}
	return cs
}

// Package config reads the configuration of IPsec gateways (strongSwan's swanctl.conf and
// ipsec.conf, libreswan's ipsec.conf, ipsec.secrets, racoon's racoon.conf and psk.txt, the
// crypto sections of Cisco IOS and ASA running-configs) into one model, and compares two
// gateways' configurations with each other (ikescope check) and with what a capture
// shows (ikescope analyze --config): each difference names the file and line to change.
//
// Secrets are never kept: a pre-shared key becomes its SHA-256 digest, compared and never
// printed, and every line kept as evidence has its secret masked.
package config

import (
	"github.com/ikescope/ikescope/analyze"
)

// Source is where a setting is written: the file, the line (from 1) and the line's text
// as written, with any secret on it masked as "<secret>".
type Source struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Text string `json:"text"`
}

// Setting is one configured value and where it is written.
type Setting struct {
	Value string
	At    Source
}

// Gateway is the configuration of one gateway: the files given for it (a file, or the
// usual files of a directory).
type Gateway struct {
	Name    string // as given on the command line
	Format  string // FormatSwanctl, FormatStrongSwanIPsecConf, ...
	Files   []string
	Conns   []*Conn
	Secrets []*Secret

	label string // how findings name it, when Label's own would be ambiguous
}

// Formats, as reports name them.
const (
	FormatSwanctl             = "strongSwan swanctl.conf"
	FormatStrongSwanIPsecConf = "strongSwan ipsec.conf"
	FormatLibreswanIPsecConf  = "libreswan ipsec.conf"
	FormatIPsecSecrets        = "ipsec.secrets"
	FormatRacoon              = "racoon.conf"
	FormatPSKTxt              = "racoon psk.txt"
	FormatCiscoIOS            = "Cisco IOS"
	FormatCiscoASA            = "Cisco ASA"
)

// Conn is one configured connection (a swanctl connection, an ipsec.conf conn, a racoon
// remote section with its sainfo sections, a Cisco crypto map entry with its policies).
type Conn struct {
	Name string
	At   Source // where it begins
	// Version is the IKE version, 1 or 2; 0 when either is accepted.
	Version    int
	Aggressive bool // IKEv1 Aggressive Mode
	// LocalAddrs and RemoteAddrs are the addresses (or prefixes, ranges, names, "%any").
	LocalAddrs, RemoteAddrs []Setting
	// LocalID and RemoteID are the identities sent and expected (empty Value: the
	// implementation's default, usually the address).
	LocalID, RemoteID Setting
	// LocalAuth and RemoteAuth are the authentication methods, in strongSwan's words:
	// "psk", "pubkey", "eap-mschapv2", "xauth", ... (several rounds joined with "+").
	LocalAuth, RemoteAuth Setting
	// RemoteUserAuth is the round of RemoteAuth that authenticates users (EAP or XAUTH),
	// where the configuration names it apart (swanctl's remote-xauth); else zero.
	RemoteUserAuth Setting
	// IKE are the Phase 1 / IKE proposals in the order configured, each expanded with the
	// implementation's defaults and keywords into the names the analysis writes.
	IKE      []Offer
	Children []*Child
	// Pool names the address pools handed to remote-access clients.
	Pools []Setting
}

// Child is one IPsec SA configuration (a swanctl child, the conn itself in ipsec.conf, a
// racoon sainfo, a crypto map's transform set and ACL).
type Child struct {
	Name string
	At   Source
	// LocalTS and RemoteTS are the traffic selectors (subnets) as prefixes
	// ("10.1.0.0/16"), or "dynamic" for the gateway's own address.
	LocalTS, RemoteTS []Setting
	// ESP are the ESP (or AH) proposals in order; a PFS group is in their Groups, "none"
	// without PFS.
	ESP []Offer
}

// Offer is one proposal as configured and as the analysis names its algorithms.
type Offer struct {
	analyze.Proposal
	Keyword string // as written: "aes128-sha256-modp2048", "3des-sha1", a policy number
	At      Source
}

// Secret is a configured secret: its kind, the identities it is for, its digest.
type Secret struct {
	Kind   string   // "psk", "eap", "xauth", "rsa", ...
	IDs    []string // the identities or addresses it is for; empty for any
	Digest [32]byte // SHA-256 of the secret itself
	At     Source
}

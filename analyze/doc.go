// Package analyze rebuilds IKE negotiations from decoded messages and says what went wrong.
//
// It is a pure function of the message stream and its timestamps: no I/O, no clock of its
// own, so a capture file and a live interface give the same answers. Messages go in with
// Add, in capture order; Finish (end of a capture) or Advance (a live clock tick) evaluate
// what the passing of time has made certain, such as a request that was never answered.
//
// The model: an IKE SA (Session) is keyed by its initiator SPI and follows the responder
// SPI from zero to its value, the float from UDP 500 to 4500 and address changes. Each
// Session holds its exchanges keyed by message ID (IKEv2: and by which side asked), each
// exchange its messages with their step names (MM1..MM6, AM1..AM3, QM1..QM3, IKE_SA_INIT,
// IKE_AUTH, ...) and retransmissions, and the ESP flows between its peers. Findings are
// data: a code from the catalogue in DESIGN.md, a severity, the session, the frames that
// show it, and a cause and next steps in words an administrator uses.
package analyze

// Package analyze rebuilds IKE negotiations from decoded messages and says what went wrong.
//
// It is a pure function of the message stream and its timestamps: no I/O, no clock of its
// own, so a capture file and a live interface give the same answers. Messages go in with
// Add, in capture order, already decrypted where keys allowed (decode/ikecrypt's
// Decrypter.Open is the stage before it); EndCapture gives the capture's own clock (every
// frame, not only IKE); Finish (end of input) or Advance (a live clock tick) evaluate what
// the passing of time has made certain.
//
// The model, file by file:
//
//   - ingest.go: an IKE SA (Session) is its SPI pair for its whole lifetime, following
//     the responder SPI from zero, the float from UDP 500 to 4500 and address changes.
//     Roles come from what messages say (IKEv2's I flag; IKEv1's zero responder cookie
//     in MM1/AM1, the chosen proposal in MM2/AM2, the order of Main Mode), never from
//     which message the capture happened to see first; roles guessed early are swapped
//     when a later message settles them, and Session.RolesKnown says when they stay a
//     guess. Steps are typed (step.go: StepMM5, StepIKEAuthResponse).
//   - state.go: advance, the per-SA state machine: up or not, since when, how many IPsec
//     SAs. The session's state is the fold of advance over its messages.
//   - evaluate.go, findings.go, inferred.go: findings are derived afresh from the
//     session each time it is evaluated, never patched, so later evidence wins (a
//     refusal after which the negotiation completed is downgraded and says so), and the
//     state follows from the findings: failed exactly when an error finding exists.
//   - lifecycle.go: a tunnel's life as a timeline (up, IPsec SAs created and rekeyed,
//     liveness checks, deletes) and rekeyed IKE SAs linked to their successors.
//   - catalogue.go: every finding code with its usual severity, and the settings
//     findings point at, with where each implementation keeps them.
//   - analyzer.go: sessions held while alive (an SA that is up lives for its lifetime,
//     kept alive by ESP on its child SAs; a finished one re-attaches when its SPIs
//     reappear), ESP flows tied to the SA whose IPsec SA negotiation came last before
//     them, and bounded state for floods.
//
// A capture may start anywhere: every rule is checked by property tests that cut each
// real capture at every message, insert long pauses and concatenate captures
// (properties_test.go), and by reviewed expectations for every public capture of the
// shared corpus (corpus_expect_test.go).
package analyze

// Package ikecrypt decrypts what IKE encrypts, with the keys administrators already have:
// the Encrypted (SK) and Encrypted Fragment (SKF) payloads of IKEv2 (RFC 7296 3.14,
// RFC 7383) and the encrypted bodies of IKEv1 messages (RFC 2408, RFC 2409 Appendix B).
// The plaintext is parsed by decode.DecodeInner, so decrypted payloads are the same
// decode.Payload values as clear ones. With the keys of the ESP SAs it also opens ESP
// (RFC 4303) and summarises the packet inside (decode.Inner).
//
// # Keys
//
// LoadKeys and ParseKeys read one key source and detect its format from the content:
//
//   - Wireshark's ikev1_decryption_table ("icookie,key") and ikev2_decryption_table
//     ("SPIi,SPIr,SK_ei,SK_er,"encr",SK_ai,SK_ar,"integ"", Wireshark's algorithm names),
//     which strongSwan's save-keys plugin also writes;
//   - "ikev2 I|R 0xSPIi 0xSPIr integ:0xkey encr:0xkey" lines: tcpdump's -E file, and
//     libreswan's log with plutodebug=private (any prefix before "ikev2" is skipped);
//   - strongSwan's charon log with "ike" at level 4: the keys from their hex dumps, the
//     SPIs from the NAT-D and AUTH inputs it also dumps (see keys_charon.go), the
//     algorithms from "selected proposal".
//
// ESP keys (Keys.ESP, one ESPKeys per SA and direction) come from:
//
//   - `ip xfrm state` output (Linux iproute2), with the kernel's algorithm names
//     (cbc(aes), rfc4106(gcm(aes)), auth-trunc hmac(sha256) ... 128);
//   - `setkey -D` output (KAME/ipsec-tools: the BSDs, racoon);
//   - Wireshark's esp_sa table, "*" for any address or SPI;
//   - tcpdump's -E secrets, "[0xSPI@ADDRESS ]ALGORITHM:KEY", comma-separated or a line
//     each ("-hmac96": a 12-byte ICV skipped unchecked);
//   - strongSwan's charon log with "chd" at level 4: the CHILD_SA keys, bound to their
//     SPIs as keys_charon_esp.go explains.
//
// A malformed line of a key table is one *LineError naming the file, the line and the
// expected form. Keys.Merge joins sources (the I and R lines of one SA, both peers' logs);
// Keys.WriteWiresharkTables writes what was found for Wireshark.
//
// # Decryption
//
// A Decrypter follows a capture: feed it every ISAKMP message in capture order.
//
//	d := ikecrypt.NewDecrypter(keys)
//	for r.Next() {
//		m := r.Message()
//		if m.ISAKMP == nil {
//			continue
//		}
//		res, err := d.Decrypt(m.ISAKMP) // nil, nil: clear, or no key for it
//		...
//	}
//
// From clear messages it learns what decryption needs: the algorithms of the IKE_SA_INIT
// response (for keys that do not name them), the chosen IKEv1 Phase 1 transform (MM2,
// AM2) and the KE payloads for the Phase 1 IV. For encrypted messages it keeps the IKEv1
// IV chains (Phase 1, and one per Phase 2 / Informational / Transaction message ID,
// retransmissions reusing their first copy's IV), joins IKEv2 SKF fragments per SA,
// message ID and direction, and joins IKEv1 fragments (payload type 132). Messages from
// the original initiator (I flag) use SK_ei/SK_ai, the responder's SK_er/SK_ar.
//
// Nothing unverified is returned as payloads. IKEv2 integrity (HMAC, XCBC, CMAC or the
// AEAD tag) is checked before decryption; a mismatch is an *IntegrityError ("integrity
// check failed for SA ...: wrong key or algorithm"). IKEv1 has no checksum on the
// encrypted body; there, and for IKEv2 keys that skip the check (Wireshark's "ANY n-bits
// [No Checking]"), the plaintext must be a well-formed payload chain, else the error wraps
// ErrWrongKey. Result.Integrity says which guarantee holds.
//
// Algorithms: IKEv2 NULL, DES, 3DES, AES-CBC, AES-CTR (RFC 5930), AES-GCM and AES-CCM with
// 8, 12 and 16-byte ICVs (RFC 5282), ChaCha20-Poly1305 (RFC 7634), Blowfish and CAST-128;
// integrity HMAC-MD5-96, HMAC-SHA1-96, HMAC-SHA2-256-128, -384-192, -512-256, AES-XCBC-96,
// AES-CMAC-96, HMAC-MD5-128 and HMAC-SHA1-160 (RFC 4595, used by Wireshark's tests).
// IKEv1 Phase 1 ciphers DES, 3DES, AES-CBC, Blowfish and CAST-128 with the MD5, SHA-1 and
// SHA-2 hashes. AES-CCM is written here (ccm.go), tested with RFC 3610's vectors; the
// other ciphers are the standard library's and golang.org/x/crypto's (Blowfish, CAST,
// ChaCha20-Poly1305).
//
// Decrypter.Open also opens ESP packets: keys are found by SPI (and the addresses the
// source binds them to; the SPI alone when a NAT changed them), the ICV is checked when
// an authentication key is known (HMAC-MD5-96, HMAC-SHA1-96, HMAC-SHA2-256/384/512,
// AES-XCBC-96; the AEAD tag of AES-GCM, AES-CCM, AES-GMAC and ChaCha20-Poly1305), the
// packet decrypted (AES-CBC, 3DES, DES, Blowfish, CAST-128, AES-CTR, NULL) and its
// trailer checked, and m.Inner set: what vouches for it, or why it did not open
// (decode.ErrICV, decode.ErrESPTrailer, decode.ErrESPTruncated). Where several key sets
// fit one packet, one whose ICV verifies wins. m.Inner and its buffers are reused for
// every ESP packet: it is valid until the next Open.
//
// A Decrypter keeps state per IKE SA, bounded (see the limits in decrypter.go), and never
// panics: FuzzDecrypt feeds it random message sequences and keys.
package ikecrypt

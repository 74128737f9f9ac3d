package decode

// Typed code points that analyze and report compare against, named after the RFCs. The
// name tables in names.go give every value its name; these constants are the values code
// decides on, so that no number is compared as a literal outside decode.

// Exchange types: RFC 2408 3.1 and RFC 2409 (IKEv1), RFC 7296 3.1 (IKEv2).
const (
	ExchangeMainMode        ExchangeType = 2  // Identity Protection
	ExchangeAggressive      ExchangeType = 4  // Aggressive
	ExchangeInformationalV1 ExchangeType = 5  // IKEv1 Informational
	ExchangeTransaction     ExchangeType = 6  // Mode Config / XAUTH
	ExchangeQuickMode       ExchangeType = 32 // RFC 2409 5.5
	ExchangeIKESAInit       ExchangeType = 34
	ExchangeIKEAuth         ExchangeType = 35
	ExchangeCreateChildSA   ExchangeType = 36
	ExchangeInformational   ExchangeType = 37 // IKEv2 INFORMATIONAL
	ExchangeIKEIntermediate ExchangeType = 43 // RFC 9242
)

// IsV2 reports whether the exchange type belongs to IKEv2 (34 and up).
func (t ExchangeType) IsV2() bool { return t >= ExchangeIKESAInit && t < 240 }

// NotifyType is the Notify Message Type of a notification payload. IKEv1 (RFC 2408
// 3.14.1, RFC 2407 4.6.3) and IKEv2 (RFC 7296 3.10.1) share the error numbers below 16
// but mean different things above; the constants say which version they belong to
// where it matters.
type NotifyType uint16

// Notify message types.
const (
	NotifyInvalidPayloadType      NotifyType = 1  // IKEv1 INVALID-PAYLOAD-TYPE (IKEv2 UNSUPPORTED_CRITICAL_PAYLOAD)
	NotifyInvalidMajorVersion     NotifyType = 5  // both versions
	NotifyInvalidSyntax           NotifyType = 7  // IKEv2 INVALID_SYNTAX
	NotifyInvalidMessageID        NotifyType = 9  // IKEv2
	NotifyInvalidIKESPI           NotifyType = 4  // IKEv2 INVALID_IKE_SPI
	NotifyNoProposalChosen        NotifyType = 14 // both versions
	NotifyPayloadMalformed        NotifyType = 16 // IKEv1 PAYLOAD-MALFORMED
	NotifyInvalidKEPayload        NotifyType = 17 // IKEv2 INVALID_KE_PAYLOAD
	NotifyInvalidIDInfo           NotifyType = 18 // IKEv1 INVALID-ID-INFORMATION
	NotifyInvalidHashInfo         NotifyType = 23 // IKEv1 INVALID-HASH-INFORMATION
	NotifyAuthenticationFail      NotifyType = 24 // both versions
	NotifyInvalidSignature        NotifyType = 25 // IKEv1 INVALID-SIGNATURE
	NotifySinglePairRequired      NotifyType = 34 // IKEv2
	NotifyNoAdditionalSAs         NotifyType = 35 // IKEv2
	NotifyInternalAddrFailure     NotifyType = 36 // IKEv2 INTERNAL_ADDRESS_FAILURE
	NotifyFailedCPRequired        NotifyType = 37 // IKEv2
	NotifyTSUnacceptable          NotifyType = 38 // IKEv2
	NotifyTemporaryFailure        NotifyType = 43 // IKEv2, RFC 7296 2.25
	NotifyChildSANotFound         NotifyType = 44 // IKEv2
	NotifyNATDSourceIP            NotifyType = 16388
	NotifyNATDDestinationIP       NotifyType = 16389
	NotifyCookie                  NotifyType = 16390
	NotifyRekeySA                 NotifyType = 16393 // IKEv2 REKEY_SA: this CREATE_CHILD_SA rekeys a CHILD_SA
	NotifyUpdateSAAddresses       NotifyType = 16400 // IKEv2 UPDATE_SA_ADDRESSES: MOBIKE, the sender moved (RFC 4555)
	NotifyRedirect                NotifyType = 16407 // RFC 5685
	NotifyRedirectedFrom          NotifyType = 16408
	NotifyMultipleAuthSupported   NotifyType = 16404 // RFC 4739
	NotifyRedirectSupported       NotifyType = 16406 // RFC 5685
	NotifyEAPOnlyAuthentication   NotifyType = 16417 // RFC 5998
	NotifyChildlessSupported      NotifyType = 16418 // RFC 6023
	NotifyMessageIDSyncSupported  NotifyType = 16420 // RFC 6311
	NotifyFragmentationSupported  NotifyType = 16430 // RFC 7383
	NotifySignatureHashAlgorithms NotifyType = 16431 // RFC 7427
	NotifyRUThere                 NotifyType = 36136 // IKEv1 DPD, RFC 3706
	NotifyRUThereAck              NotifyType = 36137
	NotifyResponderLifetime       NotifyType = 24576 // IKEv1, RFC 2407 4.6.3.1
)

// IsError reports whether the type lies in the error range (1-16383 in both versions).
func (t NotifyType) IsError() bool { return t >= 1 && t <= 16383 }

// Security protocol IDs of proposals, notifications and deletes (RFC 2407 4.4.1,
// RFC 7296 3.3.1).
const (
	ProtocolISAKMP uint8 = 1 // IKEv2: IKE
	ProtocolAH     uint8 = 2
	ProtocolESP    uint8 = 3
)

// IKEv2 transform types (RFC 7296 3.3.2).
const (
	TransformEncr  TransformType = 1
	TransformPRF   TransformType = 2
	TransformInteg TransformType = 3
	TransformDH    TransformType = 4
)

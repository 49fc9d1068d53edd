package syncclient

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
)

// CertProblem says what was wrong with the server's certificate when err is
// a TLS failure, in words for people; "" when err is not one. Callers that
// may not look into TLS themselves use it to explain a refused connection.
func CertProblem(err error) string {
	var (
		ua  x509.UnknownAuthorityError
		uap *x509.UnknownAuthorityError
		he  x509.HostnameError
		hep *x509.HostnameError
		ci  x509.CertificateInvalidError
		cip *x509.CertificateInvalidError
		rh  tls.RecordHeaderError
		ae  tls.AlertError
		cve *tls.CertificateVerificationError
	)
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrFingerprint):
		return CertPinMismatch
	case errors.As(err, &ua), errors.As(err, &uap):
		return CertUnknownAuthority
	case errors.As(err, &he), errors.As(err, &hep):
		return CertWrongName
	case errors.As(err, &ci), errors.As(err, &cip):
		return CertInvalid
	case errors.As(err, &cve):
		return CertInvalid
	case errors.As(err, &rh):
		return CertNotTLS
	case errors.As(err, &ae):
		return CertRefused
	}
	return ""
}

// What CertProblem finds.
const (
	CertPinMismatch      = "pin mismatch"
	CertUnknownAuthority = "unknown authority"
	CertWrongName        = "wrong name"
	CertInvalid          = "invalid"
	CertNotTLS           = "not TLS"
	CertRefused          = "refused"
)

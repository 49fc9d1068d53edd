package syncclient

import (
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"encoding/hex"
	"errors"

	"chartkeeper/syncproto"
)

// ErrFingerprint means the server's certificate is not the pinned one.
var ErrFingerprint = errors.New("the server's certificate does not match the pinned fingerprint (a different server, or someone in between)")

// PinnedTLS is a client TLS configuration that accepts exactly the server
// certificate with the given fingerprint, whoever signed it. With no
// fingerprint it verifies the server the ordinary way (a real certificate).
func PinnedTLS(fingerprint string) (*tls.Config, error) {
	if fingerprint == "" {
		return &tls.Config{MinVersion: tls.VersionTLS12}, nil
	}
	fp, err := syncproto.NormalizeFingerprint(fingerprint)
	if err != nil {
		return nil, err
	}
	want, _ := hex.DecodeString(fp)
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		// The chain is not checked against CAs; the pin below replaces
		// that check, and it runs on every connection, resumed ones too.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return ErrFingerprint
			}
			got := sha256.Sum256(cs.PeerCertificates[0].Raw)
			if subtle.ConstantTimeCompare(got[:], want) != 1 {
				return ErrFingerprint
			}
			return nil
		},
	}, nil
}

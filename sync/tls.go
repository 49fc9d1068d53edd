package sync

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Names of the self-signed certificate's files in the server's data folder.
const (
	CertFileName = "tls-cert.pem"
	KeyFileName  = "tls-key.pem"
)

// SelfSignedCert makes an ECDSA P-256 certificate for hosts (names or IP
// addresses; localhost and the loopback addresses are always included),
// valid for ten years, in PEM.
func SelfSignedCert(hosts []string, now time.Time) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "chartkeeperd", Organization: []string{"Chartkeeper sync server"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	for _, h := range append([]string{"localhost", "127.0.0.1", "::1"}, hosts...) {
		if h == "" {
			continue
		}
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), nil
}

// LoadOrCreateCert loads the certificate in certFile and keyFile; when both
// are "" it uses the self-signed pair in dir, making it on first start
// (created reports that). It returns the certificate's fingerprint.
func LoadOrCreateCert(dir, certFile, keyFile string, hosts []string) (cert tls.Certificate, fingerprint string, created bool, err error) {
	if (certFile == "") != (keyFile == "") {
		return cert, "", false, errors.New("give both --tls-cert and --tls-key, or neither")
	}
	if certFile == "" {
		certFile, keyFile = filepath.Join(dir, CertFileName), filepath.Join(dir, KeyFileName)
		if _, err := os.Stat(certFile); errors.Is(err, os.ErrNotExist) {
			cp, kp, err := SelfSignedCert(hosts, time.Now())
			if err != nil {
				return cert, "", false, err
			}
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return cert, "", false, err
			}
			if err := os.WriteFile(keyFile, kp, 0o600); err != nil {
				return cert, "", false, err
			}
			if err := os.WriteFile(certFile, cp, 0o644); err != nil {
				return cert, "", false, err
			}
			created = true
		}
	}
	cert, err = tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return cert, "", false, fmt.Errorf("loading the TLS certificate: %w", err)
	}
	return cert, Fingerprint(cert.Certificate[0]), created, nil
}

// Fingerprint is the SHA-256 of a certificate (DER), in hex.
func Fingerprint(der []byte) string {
	h := sha256.Sum256(der)
	return hex.EncodeToString(h[:])
}

// NormalizeFingerprint accepts a fingerprint in hex with or without colons,
// spaces or a "sha256:" prefix, in either case.
func NormalizeFingerprint(fp string) (string, error) {
	fp = strings.ToLower(strings.TrimSpace(fp))
	fp = strings.TrimPrefix(fp, "sha256:")
	fp = strings.NewReplacer(":", "", " ", "", "-", "").Replace(fp)
	if b, err := hex.DecodeString(fp); err != nil || len(b) != sha256.Size {
		return "", fmt.Errorf("%q is not a SHA-256 certificate fingerprint (64 hex digits)", fp)
	}
	return fp, nil
}

// ErrFingerprint means the server's certificate is not the pinned one.
var ErrFingerprint = errors.New("the server's certificate does not match the pinned fingerprint (a different server, or someone in between)")

// PinnedTLS is a client TLS configuration that accepts exactly the server
// certificate with the given fingerprint, whoever signed it. With no
// fingerprint it verifies the server the ordinary way (a real certificate).
func PinnedTLS(fingerprint string) (*tls.Config, error) {
	if fingerprint == "" {
		return &tls.Config{MinVersion: tls.VersionTLS12}, nil
	}
	fp, err := NormalizeFingerprint(fingerprint)
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

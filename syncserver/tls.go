package syncserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"chartkeeper/internal/atomicfile"
	"chartkeeper/syncproto"
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
// (created reports that; each file is written atomically). It returns the
// certificate's fingerprint.
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
			if err := atomicfile.WriteFile(keyFile, kp, 0o600); err != nil {
				return cert, "", false, err
			}
			if err := atomicfile.WriteFile(certFile, cp, 0o644); err != nil {
				return cert, "", false, err
			}
			created = true
		}
	}
	cert, err = tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return cert, "", false, fmt.Errorf("loading the TLS certificate: %w", err)
	}
	return cert, syncproto.Fingerprint(cert.Certificate[0]), created, nil
}

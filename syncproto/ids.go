package syncproto

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// NewToken makes a device token: 256 random bits, base64url.
func NewToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is what the server keeps of a device token or an enrollment
// code's token. Tokens are 256 random bits, so a fast hash is enough:
// there is nothing to guess.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Fingerprint is the SHA-256 of a certificate (DER), in hex: what a
// workstation pins and an enrollment code carries.
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

// ShortID is the start of a random ID (a practice, a device), enough to
// tell it apart in log lines and messages.
func ShortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

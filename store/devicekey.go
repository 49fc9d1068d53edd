package store

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// Signing keys and this workstation's sync credentials.
//
// A SigningKey is an Ed25519 key pair whose private half stays inside the
// store: other packages sign through it and see only the public key. Every
// signature is domain-separated: the signed bytes are the domain, a zero
// byte, then the message, so a signature made for one purpose (a device's
// sync request, say) is never valid for another (an administration
// statement). The same helper serves every signing key the practice has.
//
// DeviceCredentials are what this workstation shows its sync server: the
// device's bearer token and its signing key. They are sealed under the data
// key in meta/devicecred, bound to this device's ID, so reading them needs
// a signed-in session (or the enrollment's, while a workstation joins), and
// a copy of the file opens them only for whoever holds the data key. They
// are handed out tied to the session: locking the store wipes the key, and
// a credential used after that fails with ErrLocked.

// Sizes of Ed25519 keys and signatures.
const (
	PublicKeySize = ed25519.PublicKeySize
	SignatureSize = ed25519.SignatureSize
)

// keyDeviceCred is where the sealed device credentials live in meta/.
var keyDeviceCred = []byte("devicecred")

// ErrNoDeviceCredentials means the store holds no sync credential of this
// device (it was never connected to a server, or the credential was left
// in an older program's sync settings and has not been moved in yet).
var ErrNoDeviceCredentials = errors.New("this workstation holds no sync credential")

// SigningKey is an Ed25519 key pair; its private half never leaves the
// store.
type SigningKey struct {
	mu   sync.Mutex
	priv ed25519.PrivateKey // nil once wiped
	pub  []byte
}

// NewSigningKey makes a new random key pair.
func NewSigningKey() *SigningKey {
	return signingKeyFromSeed(randomBytes(ed25519.SeedSize))
}

// signingKeyFromSeed takes ownership of seed (zeroed here).
func signingKeyFromSeed(seed []byte) *SigningKey {
	priv := ed25519.NewKeyFromSeed(seed)
	clear(seed)
	return &SigningKey{priv: priv, pub: bytes.Clone(priv.Public().(ed25519.PublicKey))}
}

// PublicKey is the key's public half (PublicKeySize bytes).
func (k *SigningKey) PublicKey() []byte { return bytes.Clone(k.pub) }

// Sign signs msg for domain (see [VerifySignature]). It fails with
// ErrLocked once the key has been wiped.
func (k *SigningKey) Sign(domain string, msg []byte) ([]byte, error) {
	if err := checkDomain(domain); err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.priv == nil {
		return nil, ErrLocked
	}
	return ed25519.Sign(k.priv, signedBytes(domain, msg)), nil
}

// seed returns a copy of the private key's seed (to seal it).
func (k *SigningKey) seed() ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.priv == nil {
		return nil, ErrLocked
	}
	return bytes.Clone(k.priv.Seed()), nil
}

// wipe zeroes the private key; the key signs nothing afterwards.
func (k *SigningKey) wipe() {
	k.mu.Lock()
	defer k.mu.Unlock()
	clear(k.priv)
	k.priv = nil
}

// VerifySignature reports whether sig is pub's signature over msg for
// domain: Ed25519 over domain | 0x00 | msg. A key or signature of the
// wrong size is no signature.
func VerifySignature(pub []byte, domain string, msg, sig []byte) bool {
	if len(pub) != PublicKeySize || len(sig) != SignatureSize || checkDomain(domain) != nil {
		return false
	}
	return ed25519.Verify(pub, signedBytes(domain, msg), sig)
}

// ValidPublicKey reports whether b has the shape of a public key.
func ValidPublicKey(b []byte) bool { return len(b) == PublicKeySize }

func checkDomain(domain string) error {
	if domain == "" || strings.IndexByte(domain, 0) >= 0 {
		return fmt.Errorf("%w: signing domain", ErrInvalid)
	}
	return nil
}

func signedBytes(domain string, msg []byte) []byte {
	b := make([]byte, 0, len(domain)+1+len(msg))
	return append(append(append(b, domain...), 0), msg...)
}

// DeviceCredentials are a device's credential with its sync server: the
// bearer token and the signing key whose public half the server holds.
type DeviceCredentials struct {
	mu    sync.Mutex
	token string // "" once wiped
	key   *SigningKey
}

// NewDeviceCredentials makes the credentials of a device that is about to
// be registered or enrolled: its token and a new signing key.
func NewDeviceCredentials(token string) *DeviceCredentials {
	return &DeviceCredentials{token: token, key: NewSigningKey()}
}

// Token is the device's bearer token; ErrLocked once the session that
// opened the credentials has ended.
func (c *DeviceCredentials) Token() (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == "" {
		return "", ErrLocked
	}
	return c.token, nil
}

// PublicKey is the public half of the device's signing key.
func (c *DeviceCredentials) PublicKey() []byte { return c.key.PublicKey() }

// Sign signs msg with the device's key for domain.
func (c *DeviceCredentials) Sign(domain string, msg []byte) ([]byte, error) {
	return c.key.Sign(domain, msg)
}

func (c *DeviceCredentials) wipe() {
	c.mu.Lock()
	c.token = ""
	c.mu.Unlock()
	c.key.wipe()
}

// deviceCredAD binds the sealed credentials to their place and device.
func deviceCredAD(deviceID string) []byte {
	return adBuilder(nil).str("meta").str(string(keyDeviceCred)).str(deviceID)
}

// deviceCredVersion is the first byte of the sealed credentials' plaintext.
const deviceCredVersion = 1

// putDeviceCredentials seals c into meta/devicecred.
func (tx *Tx) putDeviceCredentials(c *DeviceCredentials) error {
	tok, err := c.Token()
	if err != nil {
		return err
	}
	seed, err := c.key.seed()
	if err != nil {
		return err
	}
	defer clear(seed)
	plain := []byte{deviceCredVersion}
	plain = binary.AppendUvarint(plain, uint64(len(tok)))
	plain = append(append(plain, tok...), seed...)
	defer clear(plain)
	return tx.btx.Bucket(bucketMeta).Put(keyDeviceCred, tx.sess.key.seal(nil, plain, deviceCredAD(tx.s.DeviceID())))
}

// SetDeviceCredentials seals c as this workstation's sync credentials,
// replacing any before. It needs a session (any signed-in user's: sync
// runs for every role), and ties c to it: locking wipes it.
func (s *Store) SetDeviceCredentials(c *DeviceCredentials) error {
	if c == nil || c.key == nil {
		return fmt.Errorf("%w: no credentials", ErrInvalid)
	}
	if s.DeviceID() == "" {
		return ErrNoPracticeSecret
	}
	err := s.Update(func(tx *Tx) error { return tx.putDeviceCredentials(c) })
	if err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.sess == nil {
		return ErrLocked
	}
	s.sess.keepCredentials(c)
	return nil
}

// DeviceCredentials opens this workstation's sync credentials. It needs a
// session; the credentials it returns stop working when that session ends.
// It returns ErrNoDeviceCredentials when the store holds none.
func (s *Store) DeviceCredentials() (*DeviceCredentials, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sess := s.sess
	if sess == nil {
		return nil, ErrLocked
	}
	if c := sess.credentials(); c != nil {
		return c, nil
	}
	var c *DeviceCredentials
	err := s.db.View(func(btx *bolt.Tx) error {
		v := btx.Bucket(bucketMeta).Get(keyDeviceCred)
		if v == nil {
			return ErrNoDeviceCredentials
		}
		plain, err := sess.key.open(nil, v, deviceCredAD(s.DeviceID()))
		if err != nil {
			return fmt.Errorf("this workstation's sync credential: %w", err)
		}
		defer clear(plain)
		if len(plain) < 1 || plain[0] != deviceCredVersion {
			return fmt.Errorf("this workstation's sync credential: %w", ErrTampered)
		}
		n, k := binary.Uvarint(plain[1:])
		rest := plain[1+max(k, 0):]
		if k <= 0 || n == 0 || uint64(len(rest)) != n+ed25519.SeedSize {
			return fmt.Errorf("this workstation's sync credential: %w", ErrTampered)
		}
		c = &DeviceCredentials{token: string(rest[:n]), key: signingKeyFromSeed(bytes.Clone(rest[n:]))}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sess.keepFirst(c), nil
}

// keepCredentials makes c the session's credentials (wiped at lock),
// wiping a different one held before.
func (sess *session) keepCredentials(c *DeviceCredentials) {
	sess.credMu.Lock()
	old := sess.cred
	sess.cred = c
	sess.credMu.Unlock()
	if old != nil && old != c {
		old.wipe()
	}
}

// keepFirst makes c the session's credentials unless another call made
// some first: then c is wiped and those are returned.
func (sess *session) keepFirst(c *DeviceCredentials) *DeviceCredentials {
	sess.credMu.Lock()
	have := sess.cred
	if have == nil {
		sess.cred = c
	}
	sess.credMu.Unlock()
	if have != nil {
		c.wipe()
		return have
	}
	return c
}

func (sess *session) credentials() *DeviceCredentials {
	sess.credMu.Lock()
	defer sess.credMu.Unlock()
	return sess.cred
}

// end wipes what the session holds: the data key and the credentials.
func (sess *session) end() {
	sess.credMu.Lock()
	c := sess.cred
	sess.cred = nil
	sess.credMu.Unlock()
	if c != nil {
		c.wipe()
	}
	sess.wipe()
}

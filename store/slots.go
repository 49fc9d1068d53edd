package store

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/chacha20poly1305"
)

// A keyslot wraps the practice data key for one way of unlocking: a user's
// password (with the practice secret) or the recovery key. Slots hold no
// names: a user's slot ID is a keyed hash of the username.
type keyslot struct {
	Kind    string     `json:"kind"` // slotPassword or slotRecovery
	KDF     *KDFParams `json:"kdf,omitempty"`
	Epoch   uint32     `json:"epoch"`
	Wrapped []byte     `json:"wrapped"`
}

const (
	slotPassword = "password"
	slotRecovery = "recovery"
	// slotDisabled replaces the slot of a disabled user: it unlocks
	// nothing, and lets sign-in say the account is disabled.
	slotDisabled   = "disabled"
	recoverySlotID = "recovery"
)

// slotIDFor is the slot ID of a username: HMAC(practice secret, username).
func slotIDFor(secret []byte, username string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("chartkeeper slot id v1\x00" + normalizeUsername(username)))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// slotAD binds a slot's wrapped key to its ID, kind and KDF parameters, so
// parameters cannot be lowered without the wrap failing to open.
func slotAD(id string, sl *keyslot) []byte {
	ad := adBuilder("slots").str(id).str(sl.Kind).u64(uint64(sl.Epoch))
	if sl.KDF != nil {
		ad = ad.u64(uint64(sl.KDF.Time)).u64(uint64(sl.KDF.Memory)).u64(uint64(sl.KDF.Threads)).bytes(sl.KDF.Salt)
	}
	return ad
}

// wrap seals plaintext into sl under kek (which it wipes).
func (sl *keyslot) wrap(id string, kek, plaintext []byte) error {
	defer clear(kek)
	aead, err := chacha20poly1305.NewX(kek)
	if err != nil {
		return err
	}
	sl.Wrapped = sealWith(aead, sl.Epoch, nil, plaintext, slotAD(id, sl))
	clear(plaintext)
	return nil
}

// unwrap opens sl with kek (which it wipes).
func (sl *keyslot) unwrap(id string, kek []byte) ([]byte, error) {
	defer clear(kek)
	aead, err := chacha20poly1305.NewX(kek)
	if err != nil {
		return nil, err
	}
	return openWith(aead, sl.Epoch, nil, sl.Wrapped, slotAD(id, sl))
}

// newPasswordSlot wraps the data key and user ID under a password.
func newPasswordSlot(secret []byte, username string, password []byte, key *dataKey, userID string) (string, *keyslot, error) {
	id := slotIDFor(secret, username)
	p := newKDFParams()
	sl := &keyslot{Kind: slotPassword, KDF: &p, Epoch: key.epoch}
	kek, err := deriveSlotKey(password, secret, p, id)
	if err != nil {
		return "", nil, err
	}
	pt := append(append(make([]byte, 0, keySize+len(userID)), key.key[:]...), userID...)
	return id, sl, sl.wrap(id, kek, pt)
}

// openPasswordSlot returns the data key bytes and user ID in a password slot.
func openPasswordSlot(secret []byte, id string, sl *keyslot, password []byte) ([]byte, string, error) {
	if sl.Kind != slotPassword || sl.KDF == nil {
		return nil, "", fmt.Errorf("%w: keyslot of kind %q", ErrTampered, sl.Kind)
	}
	if err := sl.KDF.check(); err != nil {
		return nil, "", err
	}
	kek, err := deriveSlotKey(password, secret, *sl.KDF, id)
	if err != nil {
		return nil, "", err
	}
	pt, err := sl.unwrap(id, kek)
	if err != nil {
		return nil, "", ErrWrongPassword
	}
	if len(pt) <= keySize {
		clear(pt)
		return nil, "", fmt.Errorf("%w: keyslot content", ErrTampered)
	}
	return pt[:keySize], string(pt[keySize:]), nil
}

// The recovery key: 160 random bits shown as 32 characters of Crockford
// base32 in groups of four, easy to type from the printed emergency kit.
const recoveryKeyBytes = 20

var crockford = base32.NewEncoding("0123456789ABCDEFGHJKMNPQRSTVWXYZ").WithPadding(base32.NoPadding)

func formatRecoveryKey(b []byte) string {
	s := crockford.EncodeToString(b)
	var parts []string
	for len(s) > 4 {
		parts = append(parts, s[:4])
		s = s[4:]
	}
	return strings.Join(append(parts, s), "-")
}

// parseRecoveryKey accepts the key with or without dashes and spaces, in
// either case, and with the letters O, I and L read as the digits 0, 1, 1.
func parseRecoveryKey(s string) ([]byte, error) {
	s = strings.ToUpper(s)
	s = strings.NewReplacer("-", "", " ", "", "\t", "", "\n", "", "\r", "", "O", "0", "I", "1", "L", "1").Replace(s)
	b, err := crockford.DecodeString(s)
	if err != nil || len(b) != recoveryKeyBytes {
		return nil, fmt.Errorf("%w: a recovery key is 32 letters and digits in groups of four", ErrWrongRecoveryKey)
	}
	return b, nil
}

func recoveryKEK(rk []byte, practiceID string) ([]byte, error) {
	return hkdf.Key(sha256.New, rk, []byte(practiceID), "chartkeeper recovery slot v1", keySize)
}

// newRecoverySlot wraps the data key and the practice secret under a new
// recovery key, returned in printable form.
func newRecoverySlot(practiceID string, key *dataKey, secret []byte) (string, *keyslot, error) {
	rk := randomBytes(recoveryKeyBytes)
	defer clear(rk)
	kek, err := recoveryKEK(rk, practiceID)
	if err != nil {
		return "", nil, err
	}
	sl := &keyslot{Kind: slotRecovery, Epoch: key.epoch}
	pt := append(append(make([]byte, 0, 2*keySize), key.key[:]...), secret...)
	if err := sl.wrap(recoverySlotID, kek, pt); err != nil {
		return "", nil, err
	}
	return formatRecoveryKey(rk), sl, nil
}

// openRecoverySlot returns the data key and practice secret.
func openRecoverySlot(practiceID string, sl *keyslot, recoveryKey string) (key, secret []byte, err error) {
	rk, err := parseRecoveryKey(recoveryKey)
	if err != nil {
		return nil, nil, err
	}
	defer clear(rk)
	kek, err := recoveryKEK(rk, practiceID)
	if err != nil {
		return nil, nil, err
	}
	pt, err := sl.unwrap(recoverySlotID, kek)
	if err != nil {
		return nil, nil, ErrWrongRecoveryKey
	}
	if len(pt) != 2*keySize {
		return nil, nil, fmt.Errorf("%w: recovery slot content", ErrTampered)
	}
	return pt[:keySize], pt[keySize:], nil
}

func getSlot(tx *bolt.Tx, id string) (*keyslot, error) {
	v := tx.Bucket(bucketSlots).Get([]byte(id))
	if v == nil {
		return nil, ErrNotFound
	}
	return decodeSlot(v)
}

func decodeSlot(v []byte) (*keyslot, error) {
	var sl keyslot
	if err := json.Unmarshal(v, &sl); err != nil {
		return nil, fmt.Errorf("%w: keyslot: %v", ErrTampered, err)
	}
	if sl.Kind != slotPassword && sl.Kind != slotRecovery && sl.Kind != slotDisabled {
		return nil, fmt.Errorf("%w: keyslot of kind %q", ErrTampered, sl.Kind)
	}
	return &sl, nil
}

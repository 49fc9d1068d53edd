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
	Kind string `json:"kind"` // slotPassword or slotRecovery
	// V is 2 for a slot of the key hierarchy (keys.go): a password slot
	// then wraps the general key, the user's key seed and the practice's
	// administration public key; the recovery slot every key.
	V       int        `json:"v,omitempty"`
	KDF     *KDFParams `json:"kdf,omitempty"`
	Epoch   uint32     `json:"epoch"`
	Wrapped []byte     `json:"wrapped"`
	// BoxPub (recovery slot): the X25519 public key derived from the
	// recovery key, bound into the wrap; Pending: the newest keys after a
	// rotation sealed to it, signed by the administration key (rotate.go).
	BoxPub     []byte `json:"box_pub,omitempty"`
	Pending    []byte `json:"pending,omitempty"`
	PendingSig []byte `json:"pending_sig,omitempty"`
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
	if sl.V != 0 {
		ad = ad.str("v").u64(uint64(sl.V))
	}
	if sl.BoxPub != nil {
		ad = ad.str("box").bytes(sl.BoxPub)
	}
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

// slotContent is what a password slot wraps.
type slotContent struct {
	key      []byte // the general key
	seed     []byte // the user's key seed; nil in a slot made before them
	adminPub []byte // the practice's administration public key (with seed)
	userID   string
}

func (c *slotContent) wipe() { clear(c.key); clear(c.seed) }

// newPasswordSlot wraps the general key and user ID under a password, with
// the user's key seed and the administration public key when seed is set.
func newPasswordSlot(secret []byte, username string, password []byte, key *dataKey, userID string, seed, adminPub []byte) (string, *keyslot, error) {
	id := slotIDFor(secret, username)
	p := newKDFParams()
	sl := &keyslot{Kind: slotPassword, KDF: &p, Epoch: key.epoch}
	kek, err := deriveSlotKey(password, secret, p, id)
	if err != nil {
		return "", nil, err
	}
	pt := append(make([]byte, 0, 3*keySize+len(userID)), key.key[:]...)
	if seed != nil {
		if len(seed) != keySize || len(adminPub) != keySize {
			return "", nil, fmt.Errorf("store: slot keys of the wrong size")
		}
		sl.V = 2
		pt = append(append(pt, seed...), adminPub...)
	}
	pt = append(pt, userID...)
	return id, sl, sl.wrap(id, kek, pt)
}

// openPasswordSlot opens a password slot.
func openPasswordSlot(secret []byte, id string, sl *keyslot, password []byte) (slotContent, error) {
	var c slotContent
	if sl.Kind != slotPassword || sl.KDF == nil {
		return c, fmt.Errorf("%w: keyslot of kind %q", ErrTampered, sl.Kind)
	}
	if err := sl.KDF.check(); err != nil {
		return c, err
	}
	kek, err := deriveSlotKey(password, secret, *sl.KDF, id)
	if err != nil {
		return c, err
	}
	pt, err := sl.unwrap(id, kek)
	if err != nil {
		return c, ErrWrongPassword
	}
	n := keySize
	if sl.V == 2 {
		n = 3 * keySize
	}
	if len(pt) <= n {
		clear(pt)
		return c, fmt.Errorf("%w: keyslot content", ErrTampered)
	}
	c.key = pt[:keySize]
	if sl.V == 2 {
		c.seed, c.adminPub = pt[keySize:2*keySize], pt[2*keySize:3*keySize]
	}
	c.userID = string(pt[n:])
	return c, nil
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

// recoveryContent is what the recovery slot wraps: the general key and
// the practice secret, and in a slot of the key hierarchy (V 2) the
// clinical key and the administration key's seed too.
type recoveryContent struct {
	key, secret   []byte
	clinicalEpoch uint32
	clinical      []byte
	adminSeed     []byte
	auditSeed     []byte
	// clinicalRing: every epoch of the clinical key, from the slot's
	// pending keys after a rotation (rotate.go); nil without one. So are
	// generalRing (the general records keyring) and auditRing (the audit
	// keyring, as a grant holds it).
	clinicalRing, generalRing, auditRing []byte
	// adminNew: the administration key's seed from the pending keys once
	// the key changed (adminkey.go), nil before.
	adminNew []byte
}

func (c *recoveryContent) wipe() {
	clear(c.key)
	clear(c.secret)
	clear(c.clinical)
	clear(c.adminSeed)
	clear(c.auditSeed)
	clear(c.clinicalRing)
	clear(c.generalRing)
	clear(c.auditRing)
	clear(c.adminNew)
}

// newRecoverySlot wraps the keys of sess (which must hold every key of a
// practice on the key hierarchy, or the one data key of a practice before
// it) and the practice secret under a new recovery key, returned in
// printable form.
func newRecoverySlot(practiceID string, sess *session, secret []byte) (string, *keyslot, error) {
	rk := randomBytes(recoveryKeyBytes)
	defer clear(rk)
	kek, err := recoveryKEK(rk, practiceID)
	if err != nil {
		return "", nil, err
	}
	sl := &keyslot{Kind: slotRecovery, Epoch: sess.key.epoch}
	pt := append(append(make([]byte, 0, 4*keySize+4), sess.key.key[:]...), secret...)
	if sess.adminPub != nil {
		if sess.clinical == nil || sess.admin == nil || sess.auditSeed == nil {
			return "", nil, fmt.Errorf("%w: the recovery slot needs every key", ErrPermission)
		}
		sl.V = 2
		pt = append(append(append(pt, epochBytes(sess.clinical.epoch)...), sess.clinical.key[:]...), sess.admin.Seed()...)
		pt = append(pt, sess.auditSeed...)
		if sl.BoxPub, err = recoveryBoxPub(rk, practiceID); err != nil {
			return "", nil, err
		}
	}
	if err := sl.wrap(recoverySlotID, kek, pt); err != nil {
		return "", nil, err
	}
	if len(sess.clinical.ringEpochs()) > 1 || sess.general != nil || sess.auditEpoch != 0 {
		if err := sl.sealPending(sess); err != nil {
			return "", nil, err
		}
	}
	return formatRecoveryKey(rk), sl, nil
}

// openRecoverySlot opens the recovery slot.
func openRecoverySlot(practiceID string, sl *keyslot, recoveryKey string) (recoveryContent, error) {
	var c recoveryContent
	rk, err := parseRecoveryKey(recoveryKey)
	if err != nil {
		return c, err
	}
	defer clear(rk)
	kek, err := recoveryKEK(rk, practiceID)
	if err != nil {
		return c, err
	}
	pt, err := sl.unwrap(recoverySlotID, kek)
	if err != nil {
		return c, ErrWrongRecoveryKey
	}
	want := 2 * keySize
	if sl.V == 2 {
		want = 5*keySize + 4
	}
	if len(pt) != want {
		return c, fmt.Errorf("%w: recovery slot content", ErrTampered)
	}
	c.key, c.secret = pt[:keySize], pt[keySize:2*keySize]
	if sl.V == 2 {
		r := pt[2*keySize:]
		c.clinicalEpoch = uint32(r[0])<<24 | uint32(r[1])<<16 | uint32(r[2])<<8 | uint32(r[3])
		c.clinical, c.adminSeed, c.auditSeed = r[4:4+keySize], r[4+keySize:4+2*keySize], r[4+2*keySize:]
		pk, err := sl.openPending(rk, practiceID, c.adminSeed)
		if err != nil {
			c.wipe()
			return recoveryContent{}, err
		}
		c.clinicalRing, c.generalRing, c.auditRing, c.adminNew = pk.Clinical, pk.General, pk.Audit, pk.Admin
	}
	return c, nil
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

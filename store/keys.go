package store

import (
	"bytes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/chacha20poly1305"
)

// The practice's keys form a small hierarchy; docs/STORE.md and
// docs/SECURITY.md describe it. Each key reaches a user only through the
// keyslots and grants of the roles that may use it:
//
//   - the general key (the practice data key of epoch 1): demographics,
//     administrative records, users, settings, the audit log, blobs; every
//     role holds it, in its password slot;
//   - the clinical key: clinical records; clinicians, coders and HIM
//     managers hold it, as a grant in their user record sealed to their own
//     X25519 key;
//   - the administration key, Ed25519: signs every revision of users,
//     keyslots, settings and break-glass records; HIM managers hold it, as
//     a grant like the clinical key;
//   - the recovery slot holds all of them.
//
// Each user has a key seed of their own, wrapped in their password slot:
// from it come the X25519 key that grants are sealed to and an Ed25519 key
// that signs the user's own password changes. Both public keys are in the
// user record, which the administration key signs.

// Compartment names the key that seals the values of a record type.
type Compartment uint8

const (
	// CompartmentGeneral is every role's: demographics, administrative
	// documents, users and settings.
	CompartmentGeneral Compartment = 0
	// CompartmentClinical is for clinicians, coders and HIM managers.
	CompartmentClinical Compartment = 1
	// CompartmentAudit is the audit log: every role appends, sealing to
	// the practice's audit public key; HIM managers read.
	CompartmentAudit Compartment = 2
)

func (c Compartment) String() string {
	switch c {
	case CompartmentGeneral:
		return "general"
	case CompartmentClinical:
		return "clinical"
	case CompartmentAudit:
		return "audit"
	}
	return fmt.Sprintf("compartment %d", uint8(c))
}

// Signing says whose signature the revisions of a record type must carry.
type Signing uint8

const (
	// Unsigned records carry no signature.
	Unsigned Signing = iota
	// SignedByAdmin records are signed with the administration key (HIM
	// managers).
	SignedByAdmin
	// SignedByAdminOrAuthor records are signed with the administration key
	// or with the own key of the user who wrote the revision (a break-glass
	// grant names its author; a keyslot is its owner's).
	SignedByAdminOrAuthor
)

// TypeRule is how the store keeps the revisions of one record type.
type TypeRule struct {
	Compartment Compartment
	// Writers, when not empty, are the roles that may write the type.
	Writers []Role
	Signed  Signing
}

// TypeRules maps record types to their rules. A type without a rule is in
// the general compartment, unsigned, and any role may write it.
type TypeRules map[string]TypeRule

// WithTypeRules gives the store the compartments, writers and signatures
// of the record types it holds beside its own (chart passes its own with
// [WithMergeRules]). Every program that opens a practice's stores must give
// the same rules.
func WithTypeRules(r TypeRules) Option {
	return func(s *Store) {
		if s.types == nil {
			s.types = TypeRules{}
		}
		for k, v := range r {
			s.types[k] = v
		}
	}
}

// The store's own record types.
var storeTypeRules = TypeRules{
	TypeUser:         {Signed: SignedByAdmin, Writers: []Role{RoleHIM}},
	TypeKeyslot:      {Signed: SignedByAdminOrAuthor},
	TypePractice:     {Signed: SignedByAdmin, Writers: []Role{RoleHIM}},
	TypePracticeKeys: {Signed: SignedByAdmin, Writers: []Role{RoleHIM}},
	// The chain's links carry their own signatures (adminkey.go).
	TypeAdminKey: {Writers: []Role{RoleHIM}},
}

func (s *Store) rule(typ string) TypeRule {
	if r, ok := storeTypeRules[typ]; ok {
		return r
	}
	return s.types[typ]
}

// ErrNoTypeRules means a record is sealed outside the general compartment
// and the store was opened without type rules ([WithTypeRules]), so it
// cannot tell whether that is its place.
var ErrNoTypeRules = errors.New("the program opened the store without the record types' key compartments")

// ErrNoKey means the signed-in user's keys do not reach the records asked
// for. It matches [ErrPermission].
var ErrNoKey = &KeyError{}

// KeyError says which compartment the user's keys do not reach.
type KeyError struct {
	Compartment Compartment
	// Renew is set for a user whose slot predates the key hierarchy: an
	// HIM manager must set a new password for them.
	Renew bool
	// Newer: the value is sealed under a newer epoch of the key than the
	// session holds (a rotation, rotate.go); signing in again takes it.
	Newer bool
}

func (e *KeyError) Error() string {
	if e.Newer {
		return fmt.Sprintf("these %s records were sealed with a newer key: sign out and sign in again to take it", e.Compartment)
	}
	if e.Renew {
		return fmt.Sprintf("your keys do not reach %s records yet: ask a health information manager to set a new password for you", e.Compartment)
	}
	return fmt.Sprintf("your role does not hold the key of %s records", e.Compartment)
}

// Is makes every KeyError match [ErrNoKey] and [ErrPermission].
func (e *KeyError) Is(target error) bool {
	_, ok := target.(*KeyError)
	return ok || target == ErrPermission
}

// compartment reads which compartment sealed a value.
func sealedCompartment(sealed []byte) (Compartment, bool) {
	switch {
	case len(sealed) > 1 && sealed[0] == sealVersion:
		return CompartmentGeneral, true
	case len(sealed) > 2 && sealed[0] == sealVersion2:
		return Compartment(sealed[1]), true
	}
	return 0, false
}

// keyFor is the session's key of compartment c, or a *KeyError.
func (sess *session) keyFor(c Compartment) (*dataKey, error) {
	switch {
	case c == CompartmentGeneral && sess.general != nil:
		return sess.general, nil
	case c == CompartmentGeneral:
		return sess.key, nil
	case c == CompartmentClinical && sess.clinical != nil:
		return sess.clinical, nil
	}
	return nil, &KeyError{Compartment: c, Renew: sess.renew}
}

// writeKey is the key a new revision of type typ is sealed under. In a
// practice that has not moved to the key hierarchy yet, everything is
// sealed under the one data key.
func (tx *Tx) writeKey(typ string) (*dataKey, error) {
	r := tx.s.rule(typ)
	if len(r.Writers) > 0 && tx.sess.user.ID != "" && !tx.sess.recovery && !slices.Contains(r.Writers, tx.sess.user.Role) {
		return nil, fmt.Errorf("%w: a %s may not write %s records", ErrPermission, tx.sess.user.Role.Title(), typ)
	}
	if _, own := storeTypeRules[typ]; own {
		// Users, keyslots, settings and the practice keys stay under the
		// slot's general key: a sign-in reads them before it has the
		// general records keyring, and so does a workstation whose user
		// has not taken a newer epoch yet (rotate.go).
		return tx.sess.key, nil
	}
	if r.Compartment != CompartmentGeneral && tx.sess.clinical == nil && tx.adminPub() == nil {
		return tx.sess.key, nil // a practice still on one key
	}
	return tx.sess.keyFor(r.Compartment)
}

// checkMeta checks that the clear HLC and deletion of an envelope, which
// revisions outside the general compartment carry, are the payload's.
func checkMeta(env *envelope, p *payload) error {
	c, _ := sealedCompartment(env.Sealed)
	// Outside the general compartment the clear time is required; a
	// general revision sealed under a rotated epoch carries it too
	// (rotate.go), so workstations without that epoch keep its heads.
	if (c != CompartmentGeneral && !env.Meta) || env.Meta && (env.HLC != p.HLC || env.Deleted != p.Deleted) {
		return fmt.Errorf("%w: the revision's clear time or deletion is not its sealed one", ErrTampered)
	}
	return nil
}

// readKey is the key that opens a revision of type typ sealed as sealed,
// after checking that it was sealed in the type's compartment.
func (tx *Tx) readKey(typ string, sealed []byte) (*dataKey, error) {
	return tx.s.readKey(tx.sess, typ, sealed)
}

func (s *Store) readKey(sess *session, typ string, sealed []byte) (*dataKey, error) {
	want := s.rule(typ).Compartment
	got, ok := sealedCompartment(sealed)
	if !ok {
		return nil, fmt.Errorf("%w: unknown seal", ErrTampered)
	}
	if got != want && s.types == nil {
		return nil, fmt.Errorf("%w (a %s record in the %s compartment)", ErrNoTypeRules, typ, got)
	}
	if got != want {
		// Before a practice moved to the key hierarchy, clinical records
		// were sealed under the one data key.
		if !(want == CompartmentClinical && got == CompartmentGeneral && (sess.legacyOK || sess.adminPub == nil)) {
			return nil, fmt.Errorf("%w: a %s record sealed outside the %s compartment", ErrTampered, typ, want)
		}
	}
	k, err := sess.keyFor(got)
	if got == CompartmentGeneral && sess.key != nil && epochOf(sealed) == sess.key.epoch {
		k, err = sess.key, nil // the slot's epoch
	}
	if err == nil && !k.hasEpoch(sealed) {
		// Sealed under a newer epoch than the session holds (rotate.go).
		return nil, &KeyError{Compartment: got, Newer: true}
	}
	return k, err
}

// A user's own keys come from a 32-byte seed wrapped in their password slot.
type userSecrets struct {
	box  *ecdh.PrivateKey
	sign ed25519.PrivateKey
}

func deriveUserKeys(seed []byte) (*userSecrets, error) {
	if len(seed) != keySize {
		return nil, fmt.Errorf("%w: user key seed", ErrTampered)
	}
	bx, err := hkdf.Key(sha256.New, seed, nil, "chartkeeper user box key v1", 32)
	if err != nil {
		return nil, err
	}
	priv, err := ecdh.X25519().NewPrivateKey(bx)
	clear(bx)
	if err != nil {
		return nil, err
	}
	sg, err := hkdf.Key(sha256.New, seed, nil, "chartkeeper user signing key v1", ed25519.SeedSize)
	if err != nil {
		return nil, err
	}
	sk := ed25519.NewKeyFromSeed(sg)
	clear(sg)
	return &userSecrets{box: priv, sign: sk}, nil
}

// Grants: a key sealed to a user's X25519 public key by an ephemeral key
// (ECDH, HKDF-SHA256, XChaCha20-Poly1305), so that an HIM manager can hand
// a key to a user without knowing their password.
func grantAD(userID, name string) []byte { return adBuilder("grant").str(userID).str(name) }

func sealTo(pub []byte, plaintext, ad []byte) ([]byte, error) {
	epub, aead, err := sealerTo(pub)
	if err != nil {
		return nil, err
	}
	return sealWith(aead, 0, epub, plaintext, ad), nil
}

// sealerTo makes an ephemeral X25519 key and the AEAD it shares with the
// holder of pub's private key.
func sealerTo(pub []byte) ([]byte, cipher.AEAD, error) {
	rpub, err := ecdh.X25519().NewPublicKey(pub)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: public key", ErrTampered)
	}
	eph, err := ecdh.X25519().GenerateKey(randReader{})
	if err != nil {
		return nil, nil, err
	}
	shared, err := eph.ECDH(rpub)
	if err != nil {
		return nil, nil, err
	}
	epub := eph.PublicKey().Bytes()
	aead, err := sharedAEAD(shared, epub, pub)
	return epub, aead, err
}

func sharedAEAD(shared, epub, pub []byte) (cipher.AEAD, error) {
	k, err := hkdf.Key(sha256.New, shared, append(slices.Clone(epub), pub...), "chartkeeper sealed to v1", keySize)
	clear(shared)
	if err != nil {
		return nil, err
	}
	aead, err := chacha20poly1305.NewX(k)
	clear(k)
	return aead, err
}

// openerFrom is the AEAD an ephemeral public key epub shares with priv.
func openerFrom(priv *ecdh.PrivateKey, epub []byte) (cipher.AEAD, error) {
	ep, err := ecdh.X25519().NewPublicKey(epub)
	if err != nil {
		return nil, ErrTampered
	}
	shared, err := priv.ECDH(ep)
	if err != nil {
		return nil, ErrTampered
	}
	return sharedAEAD(shared, epub, priv.PublicKey().Bytes())
}

func openFrom(priv *ecdh.PrivateKey, sealed, ad []byte) ([]byte, error) {
	if len(sealed) < 32+sealOverhead {
		return nil, ErrTampered
	}
	aead, err := openerFrom(priv, sealed[:32])
	if err != nil {
		return nil, err
	}
	return openWith(aead, 0, nil, sealed[32:], ad)
}

type randReader struct{}

func (randReader) Read(p []byte) (int, error) { copy(p, randomBytes(len(p))); return len(p), nil }

// userKeys are the key fields of a user record.
type userKeys struct {
	BoxPub  []byte            `json:"box_pub,omitempty"`
	SignPub []byte            `json:"sign_pub,omitempty"`
	Grants  map[string][]byte `json:"grants,omitempty"`
}

// userBody is a user record's body.
type userBody struct {
	User
	userKeys
}

const (
	grantClinical = "clinical"
	grantAdmin    = "admin"
	grantAudit    = "audit"
	// grantGeneral is the general records keyring (rotate.go), granted to
	// every role once a rotation made one.
	grantGeneral = "general"
)

// roleGrants lists the keys a role holds besides the general key.
func roleGrants(r Role) []string {
	switch r {
	case RoleClinician, RoleCoder:
		return []string{grantClinical}
	case RoleHIM:
		return []string{grantClinical, grantAdmin, grantAudit}
	}
	return nil
}

// grantsFor seals, to the user's box key, the keys of their role, from
// this session's keys (an HIM manager's holds them all).
func (tx *Tx) grantsFor(userID string, role Role, boxPub []byte) (map[string][]byte, error) {
	if len(boxPub) == 0 {
		return nil, nil
	}
	out := map[string][]byte{}
	for _, g := range roleGrants(role) {
		var pt []byte
		switch g {
		case grantClinical:
			if tx.sess.clinical == nil {
				return nil, &KeyError{Compartment: CompartmentClinical}
			}
			pt = keyringBytes(tx.sess.clinical)
		case grantAdmin:
			if tx.sess.admin == nil {
				return nil, fmt.Errorf("%w: only a health information manager may hand out the administration key", ErrPermission)
			}
			pt = slices.Clone(tx.sess.admin.Seed())
		case grantAudit:
			if tx.sess.auditSeed == nil {
				return nil, fmt.Errorf("%w: only a health information manager may hand out the audit key", ErrPermission)
			}
			pt = tx.sess.auditRingBytes()
		}
		sealed, err := sealTo(boxPub, pt, grantAD(userID, g))
		clear(pt)
		if err != nil {
			return nil, err
		}
		out[g] = sealed
	}
	if tx.sess.general != nil {
		// Every role holds the general key: after a rotation, its newer
		// epochs reach the user through this grant.
		pt := keyringBytes(tx.sess.general)
		sealed, err := sealTo(boxPub, pt, grantAD(userID, grantGeneral))
		clear(pt)
		if err != nil {
			return nil, err
		}
		out[grantGeneral] = sealed
	}
	return out, nil
}

func epochBytes(e uint32) []byte { return []byte{byte(e >> 24), byte(e >> 16), byte(e >> 8), byte(e)} }

// openGrants gives the session the keys granted in the user record.
func (sess *session) openGrants(userID string, keys userKeys, us *userSecrets) error {
	if !bytes.Equal(keys.BoxPub, us.box.PublicKey().Bytes()) {
		return fmt.Errorf("%w: the user record's key does not match the keyslot", ErrTampered)
	}
	for name, sealed := range keys.Grants {
		pt, err := openFrom(us.box, sealed, grantAD(userID, name))
		if err != nil {
			return fmt.Errorf("key grant %s: %w", name, err)
		}
		switch name {
		case grantClinical:
			k, err := parseKeyring(CompartmentClinical, pt)
			if err != nil {
				return fmt.Errorf("key grant %s: %w", name, err)
			}
			sess.clinical = k
		case grantAdmin:
			if len(pt) != ed25519.SeedSize {
				return fmt.Errorf("%w: key grant %s", ErrTampered, name)
			}
			k := ed25519.NewKeyFromSeed(pt)
			clear(pt)
			pub := k.Public().(ed25519.PublicKey)
			switch {
			case bytes.Equal(pub, sess.adminPub):
				sess.admin = k
			case slices.ContainsFunc(sess.adminKeys, func(o ed25519.PublicKey) bool { return bytes.Equal(o, pub) }):
				// A key the chain replaced: the grant of the new one
				// is on its way from the workstation that changed it.
				clear(k)
			default:
				clear(k)
				return fmt.Errorf("%w: the granted administration key is not the practice's", ErrTampered)
			}
		case grantAudit:
			if err := sess.setAuditRing(pt); err != nil {
				return err
			}
			clear(pt)
		case grantGeneral:
			k, err := parseKeyring(CompartmentGeneral, pt)
			if err != nil {
				return fmt.Errorf("key grant %s: %w", name, err)
			}
			sess.general.wipe()
			sess.general = k
		}
	}
	return nil
}

// Signatures. A signed revision's payload carries who signed ('a': the
// administration key, 'u': its author's own key) and an Ed25519 signature
// over the revision's associated data and its unsigned payload.
const (
	signerAdmin  = 'a'
	signerAuthor = 'u'
)

func sigMessage(id string, env *envelope, p *payload) []byte {
	q := *p
	q.Signer, q.Sig = 0, nil
	return adBuilder("chartkeeper signed revision v1").bytes(revAD(id, env)).bytes(q.encode())
}

// sign adds the signature its type needs to p, or refuses the write.
func (tx *Tx) sign(id string, env *envelope, p *payload) error {
	r := tx.s.rule(env.Type)
	if r.Signed == Unsigned || tx.sess.adminPub == nil {
		return nil // unsigned type, or a practice still on one key
	}
	switch {
	case tx.sess.admin != nil:
		if err := tx.adminCurrent(); err != nil {
			return err
		}
		p.Signer = signerAdmin
		p.Sig = ed25519.Sign(tx.sess.admin, sigMessage(id, env, p))
	case r.Signed == SignedByAdminOrAuthor && tx.sess.own != nil && p.Author != "":
		if env.Type == TypeKeyslot {
			if sec := tx.s.secret(); sec == nil || id != slotRecordID(slotIDFor(sec, tx.sess.user.Username)) {
				return fmt.Errorf("%w: only a health information manager may change another user's keyslot", ErrPermission)
			}
		}
		p.Signer = signerAuthor
		p.Sig = ed25519.Sign(tx.sess.own.sign, sigMessage(id, env, p))
	default:
		return fmt.Errorf("%w: only a health information manager may change %s records", ErrPermission, env.Type)
	}
	return nil
}

// adminPub is the practice's administration public key as this
// transaction knows it: from the user's keyslot, else from the store.
func (tx *Tx) adminPub() ed25519.PublicKey {
	if tx.sess != nil && tx.sess.adminPub != nil {
		return tx.sess.adminPub
	}
	if v := tx.btx.Bucket(bucketMeta).Get(keyAdminPub); len(v) == ed25519.PublicKeySize {
		return ed25519.PublicKey(slices.Clone(v))
	}
	return nil
}

// checkSigned checks the signature of revision rev (env, p) of record id
// when its type needs one. A practice that has not moved to the key
// hierarchy signs nothing. An administration signature is checked against
// the chain of administration keys (adminkey.go).
func (tx *Tx) checkSigned(id string, rev Rev, env *envelope, p *payload) error {
	r := tx.s.rule(env.Type)
	pub := tx.adminPub()
	if r.Signed == Unsigned || pub == nil {
		return nil
	}
	msg := sigMessage(id, env, p)
	switch {
	case p.Signer == signerAdmin && len(p.Sig) == ed25519.SignatureSize:
		return tx.checkAdminSig(id, rev, env, p, msg)
	case p.Signer == signerAuthor && len(p.Sig) == ed25519.SignatureSize && r.Signed == SignedByAdminOrAuthor:
		ur, err := tx.Get(p.Author)
		if err != nil || ur.Type != TypeUser {
			return fmt.Errorf("%w: %s record %s is signed by an unknown user", ErrTampered, env.Type, id)
		}
		var ub userBody
		if json.Unmarshal(ur.Body, &ub) != nil || len(ub.SignPub) != ed25519.PublicKeySize {
			return fmt.Errorf("%w: %s record %s is signed by a user who has no signing key", ErrTampered, env.Type, id)
		}
		if env.Type == TypeKeyslot {
			// A user signs only their own keyslot.
			if s := tx.s.secret(); s == nil || id != slotRecordID(slotIDFor(s, ub.Username)) {
				return fmt.Errorf("%w: keyslot record %s is signed by a user it does not belong to", ErrTampered, id)
			}
		}
		if ed25519.Verify(ed25519.PublicKey(ub.SignPub), msg, p.Sig) {
			return nil
		}
	case p.Signer == 0:
		return fmt.Errorf("%w: %s record %s is not signed by a health information manager", ErrTampered, env.Type, id)
	}
	return fmt.Errorf("%w: %s record %s carries a wrong signature", ErrTampered, env.Type, id)
}

// SignAdmin signs msg for purpose with the practice's administration key.
// Only an HIM manager's session holds it. Purpose separates uses (for
// example "device.revoke"), so a signature made for one is never valid for
// another.
func (s *Store) SignAdmin(purpose string, msg []byte) ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.sess == nil {
		return nil, ErrLocked
	}
	if s.sess.admin == nil {
		return nil, fmt.Errorf("%w: only a health information manager holds the administration key", ErrPermission)
	}
	return ed25519.Sign(s.sess.admin, adminMessage(purpose, msg)), nil
}

// AdminPublicKey is the practice's administration public key (32 bytes),
// or nil for a practice that has not moved to the key hierarchy yet.
func (s *Store) AdminPublicKey() []byte {
	var pub []byte
	_ = s.db.View(func(btx *bolt.Tx) error {
		pub = slices.Clone(btx.Bucket(bucketMeta).Get(keyAdminPub))
		return nil
	})
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(pub) != ed25519.PublicKeySize && s.sess != nil && s.sess.adminPub != nil {
		pub = slices.Clone(s.sess.adminPub)
	}
	if len(pub) != ed25519.PublicKeySize {
		return nil
	}
	return pub
}

// VerifyAdmin reports whether sig is the administration key pub's
// signature of msg for purpose (see [Store.SignAdmin]).
func VerifyAdmin(pub []byte, purpose string, msg, sig []byte) bool {
	if len(pub) != ed25519.PublicKeySize || len(sig) != ed25519.SignatureSize {
		return false
	}
	return ed25519.Verify(ed25519.PublicKey(pub), adminMessage(purpose, msg), sig)
}

func adminMessage(purpose string, msg []byte) []byte {
	return adBuilder("chartkeeper admin signature v1").str(purpose).bytes(msg)
}

// TypePracticeKeys is the record of the practice's public keys (the one
// such record has ID [PracticeKeysID]), signed by the administration key.
const (
	TypePracticeKeys = "practicekeys"
	PracticeKeysID   = "practicekeys"
)

// practiceKeys is the body of the practice keys record.
type practiceKeys struct {
	AdminPub []byte `json:"admin_pub"`
	AuditPub []byte `json:"audit_pub"`
	// Legacy is set for a practice that moved from one data key: its
	// clinical records written before are sealed under the general key.
	Legacy bool `json:"legacy,omitempty"`
	// ClinicalPub is the clinical document public key (clinicaldocs.go),
	// derived from the clinical key of epoch ClinicalEpoch.
	ClinicalPub   []byte `json:"clinical_pub,omitempty"`
	ClinicalEpoch uint32 `json:"clinical_epoch,omitempty"`
	// AuditEpoch is AuditPub's epoch: 0 until the audit key is renewed by
	// a rotation (rotate.go); audit entries name it.
	AuditEpoch uint32 `json:"audit_epoch,omitempty"`
}

// newHierarchySession makes the keys of a new practice: the general key,
// the clinical key and the administration key, all of epoch 1.
func newHierarchySession() (*session, error) {
	key, err := newDataKey(1, randomBytes(keySize))
	if err != nil {
		return nil, err
	}
	sess := &session{key: key}
	if sess.clinical, err = newCompartmentKey(CompartmentClinical, 1, randomBytes(keySize)); err != nil {
		sess.wipe()
		return nil, err
	}
	seed := randomBytes(ed25519.SeedSize)
	sess.admin = ed25519.NewKeyFromSeed(seed)
	clear(seed)
	sess.adminPub = sess.admin.Public().(ed25519.PublicKey)
	if err := sess.newAuditKey(); err != nil {
		sess.wipe()
		return nil, err
	}
	return sess, nil
}

// newAuditKey makes the practice's audit key pair.
func (sess *session) newAuditKey() error {
	seed := randomBytes(keySize)
	defer clear(seed)
	if err := sess.setAuditSeed(seed); err != nil {
		return err
	}
	sess.auditPub = sess.auditKey.PublicKey().Bytes()
	return nil
}

// setAuditSeed gives the session the audit private key.
func (sess *session) setAuditSeed(seed []byte) error {
	k, err := ecdh.X25519().NewPrivateKey(seed)
	if err != nil {
		return fmt.Errorf("%w: audit key", ErrTampered)
	}
	sess.auditSeed, sess.auditKey = bytes.Clone(seed), k
	return nil
}

// auditRingBytes is the audit keyring as a grant holds it: one seed
// alone for a practice that never renewed its audit key (epoch 0), else
// (epoch(4) | seed(32))..., newest first.
func (sess *session) auditRingBytes() []byte {
	if len(sess.auditOlder) == 0 && sess.auditEpoch == 0 {
		return slices.Clone(sess.auditSeed)
	}
	out := append(binary.BigEndian.AppendUint32(nil, sess.auditEpoch), sess.auditSeed...)
	eps := slices.Sorted(maps.Keys(sess.auditOlderSeed))
	slices.Reverse(eps)
	for _, e := range eps {
		out = append(binary.BigEndian.AppendUint32(out, e), sess.auditOlderSeed[e]...)
	}
	return out
}

// auditKeyOf is the session's audit private key of epoch e, or nil.
func (sess *session) auditKeyOf(e uint32) *ecdh.PrivateKey {
	if sess.auditKey != nil && e == sess.auditEpoch {
		return sess.auditKey
	}
	return sess.auditOlder[e]
}

// auditKeys are the session's audit private keys, the one of epoch e
// first: a workstation that joined before it learnt the audit key's epoch
// names epoch 0 for the key it seals to, whatever that key's epoch.
func (sess *session) auditKeys(e uint32) []*ecdh.PrivateKey {
	var out []*ecdh.PrivateKey
	if k := sess.auditKeyOf(e); k != nil {
		out = append(out, k)
	}
	if sess.auditKey != nil && sess.auditEpoch != e {
		out = append(out, sess.auditKey)
	}
	for oe, k := range sess.auditOlder {
		if oe != e {
			out = append(out, k)
		}
	}
	return out
}

// setAuditRing gives the session the audit keyring of a grant.
func (sess *session) setAuditRing(ring []byte) error {
	for _, sd := range sess.auditOlderSeed {
		clear(sd)
	}
	sess.auditOlder, sess.auditOlderSeed = nil, nil
	if len(ring) == keySize {
		sess.auditEpoch = 0
		return sess.setAuditSeed(ring)
	}
	const n = 4 + keySize
	if len(ring) == 0 || len(ring)%n != 0 {
		return fmt.Errorf("%w: audit keyring of %d bytes", ErrTampered, len(ring))
	}
	if err := sess.setAuditSeed(ring[4:n]); err != nil {
		return err
	}
	sess.auditEpoch = binary.BigEndian.Uint32(ring)
	for r := ring[n:]; len(r) > 0; r = r[n:] {
		e := binary.BigEndian.Uint32(r)
		k, err := ecdh.X25519().NewPrivateKey(r[4:n])
		if err != nil || e == sess.auditEpoch || sess.auditOlder[e] != nil {
			return fmt.Errorf("%w: audit keyring", ErrTampered)
		}
		if sess.auditOlder == nil {
			sess.auditOlder, sess.auditOlderSeed = map[uint32]*ecdh.PrivateKey{}, map[uint32][]byte{}
		}
		sess.auditOlder[e], sess.auditOlderSeed[e] = k, bytes.Clone(r[4:n])
	}
	return nil
}

// setOwn gives the session the user's own keys from their seed.
func (sess *session) setOwn(seed []byte) error {
	if seed == nil {
		return nil
	}
	us, err := deriveUserKeys(seed)
	if err != nil {
		return err
	}
	sess.seed, sess.own = bytes.Clone(seed), us
	return nil
}

// putPracticeKeys writes the practice keys record.
func (tx *Tx) putPracticeKeys(legacy bool) error {
	pk := practiceKeys{AdminPub: tx.sess.adminPub, AuditPub: tx.sess.auditPub, AuditEpoch: tx.sess.auditPubEpoch, Legacy: legacy}
	if pub := tx.sess.clinicalBoxPublic(); pub != nil {
		pk.ClinicalPub, pk.ClinicalEpoch = pub, tx.sess.clinical.epoch
		tx.sess.clinicalPub, tx.sess.clinicalPubEpoch = pub, pk.ClinicalEpoch
	}
	body, _ := json.Marshal(pk)
	parent := ""
	if r, err := tx.Get(PracticeKeysID); err == nil {
		parent = r.Rev
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	_, err := tx.Put(TypePracticeKeys, PracticeKeysID, parent, body)
	return err
}

// readPracticeKeys takes from the practice keys record whether clinical
// revisions sealed under the general key (before the practice moved to the
// key hierarchy) are genuine.
func (tx *Tx) readPracticeKeys() error {
	if tx.sess.adminPub == nil {
		return nil
	}
	r, err := tx.Get(PracticeKeysID)
	if errors.Is(err, ErrNotFound) {
		return nil // a joined workstation before its first sync
	}
	if err != nil {
		return err
	}
	if err := tx.checkHeadSigned(r); err != nil {
		return err
	}
	var pk practiceKeys
	if err := json.Unmarshal(r.Body, &pk); err != nil || !tx.inAdminChain(pk.AdminPub) {
		return fmt.Errorf("%w: the practice keys record does not name this practice's administration key", ErrTampered)
	}
	if k := tx.sess.auditKeyOf(pk.AuditEpoch); len(pk.AuditPub) != 32 || k != nil && !bytes.Equal(k.PublicKey().Bytes(), pk.AuditPub) {
		return fmt.Errorf("%w: the practice keys record names another audit key", ErrTampered)
	}
	tx.sess.legacyOK = pk.Legacy
	tx.sess.auditPub, tx.sess.auditPubEpoch = bytes.Clone(pk.AuditPub), pk.AuditEpoch
	tx.sess.clinicalPub, tx.sess.clinicalPubEpoch = nil, 0
	if pk.ClinicalPub != nil {
		if len(pk.ClinicalPub) != 32 {
			return fmt.Errorf("%w: the practice keys record's clinical document key is malformed", ErrTampered)
		}
		if tx.sess.clinical != nil && tx.sess.clinical.epoch == pk.ClinicalEpoch && !bytes.Equal(tx.sess.clinicalBoxPublic(), pk.ClinicalPub) {
			return fmt.Errorf("%w: the practice keys record names another clinical document key", ErrTampered)
		}
		tx.sess.clinicalPub, tx.sess.clinicalPubEpoch = bytes.Clone(pk.ClinicalPub), pk.ClinicalEpoch
	}
	return nil
}

// checkHeadSigned checks the signature of a record's current revision as
// read (r from [Tx.Get] of one head).
func (tx *Tx) checkHeadSigned(r Record) error {
	if tx.s.rule(r.Type).Signed == Unsigned || tx.adminPub() == nil {
		return nil
	}
	rev, err := ParseRev(r.Rev)
	if err != nil {
		return err
	}
	env, p, err := tx.openRev(r.ID, rev, tx.btx.Bucket(bucketRevs).Get(revKey(r.ID, rev)))
	if err != nil {
		return err
	}
	return tx.checkSigned(r.ID, rev, &env, &p)
}

// Holds reports whether the signed-in user's keys reach compartment c.
func (s *Store) Holds(c Compartment) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.sess == nil {
		return false
	}
	if c == CompartmentClinical && s.sess.adminPub == nil {
		return true // a practice still on one key: it reaches everything
	}
	_, err := s.sess.keyFor(c)
	return err == nil
}

// CheckSigned checks that r, the current revision of a record as read,
// carries the signature its type needs (always nil for a type that needs
// none, and in a practice still on one data key).
func (tx *Tx) CheckSigned(r Record) error { return tx.checkHeadSigned(r) }

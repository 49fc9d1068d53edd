package store

import (
	"bytes"
	"context"
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
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Key rotation (docs/STORE.md, "Rotating keys").
//
// A key is a keyring: the newest epoch seals, every epoch opens what it
// sealed (dataKey.older). Disabling a user whose role held the clinical
// key, or revoking a device ([Store.RotateKeys]), starts a new epoch of
// the clinical key in one transaction: the HIM manager's session seals
// from then on with it, every remaining user whose role holds it gets the
// whole keyring as a new grant in their user record (sealed to their own
// X25519 key, signed by the administration key, like every grant), and the
// recovery slot gets it as pending keys sealed to the recovery key's
// X25519 public key. A copy of the removed user's slot and record opens
// only the epochs it was given, so nothing sealed after.
//
// Older values are then sealed again under the newest epoch by
// [Store.Reseal], a few at a time, its position kept in meta/reseal so it
// resumes after a restart. A re-sealed revision keeps its ID (other
// workstations and the server know it by that ID); its new seal binds the
// ID instead, since the ID is no longer the hash of its bytes.

// keyReseal is where the re-seal keeps its position (clear: a position).
var keyReseal = []byte("reseal")

// epochOf reads the epoch a value was sealed under (0 when malformed).
func epochOf(sealed []byte) uint32 {
	switch {
	case len(sealed) >= 5 && sealed[0] == sealVersion:
		return binary.BigEndian.Uint32(sealed[1:5])
	case len(sealed) >= 6 && sealed[0] == sealVersion2:
		return binary.BigEndian.Uint32(sealed[2:6])
	}
	return 0
}

// hasEpoch reports whether the keyring opens values of sealed's epoch.
func (k *dataKey) hasEpoch(sealed []byte) bool {
	e := epochOf(sealed)
	return e == 0 || e == k.epoch || k.older[e] != nil
}

// ringEpochs lists the keyring's epochs, newest first.
func (k *dataKey) ringEpochs() []uint32 {
	if k == nil {
		return nil
	}
	out := []uint32{k.epoch}
	for e := range k.older {
		out = append(out, e)
	}
	slices.Sort(out[1:])
	slices.Reverse(out[1:])
	return out
}

// keyringBytes encodes every epoch of k: (epoch(4) | key(32))..., newest
// first.
func keyringBytes(k *dataKey) []byte {
	out := make([]byte, 0, (4+keySize)*(1+len(k.older)))
	for _, e := range k.ringEpochs() {
		kk := k
		if e != k.epoch {
			kk = k.older[e]
		}
		out = append(binary.BigEndian.AppendUint32(out, e), kk.key[:]...)
	}
	return out
}

// parseKeyring reads keyringBytes (which it wipes); the newest epoch
// becomes the key that seals.
func parseKeyring(c Compartment, b []byte) (*dataKey, error) {
	defer clear(b)
	if len(b) == 0 || len(b)%(4+keySize) != 0 {
		return nil, fmt.Errorf("%w: keyring of %d bytes", ErrTampered, len(b))
	}
	var keys []*dataKey
	for r := b; len(r) > 0; r = r[4+keySize:] {
		k, err := newCompartmentKey(c, binary.BigEndian.Uint32(r), bytes.Clone(r[4:4+keySize]))
		if err != nil {
			for _, k := range keys {
				k.wipe()
			}
			return nil, err
		}
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b *dataKey) int { return int(int64(b.epoch) - int64(a.epoch)) })
	top := keys[0]
	for _, k := range keys[1:] {
		if k.epoch == top.epoch || top.older[k.epoch] != nil {
			top.wipe()
			return nil, fmt.Errorf("%w: keyring repeats epoch %d", ErrTampered, k.epoch)
		}
		if top.older == nil {
			top.older = map[uint32]*dataKey{}
		}
		top.older[k.epoch] = k
	}
	return top, nil
}

// nextEpoch makes a new random key of k's compartment one epoch past every
// epoch k holds, with k's epochs as its older ones. k is left as it was.
func nextEpoch(k *dataKey) (*dataKey, error) {
	eps := k.ringEpochs()
	nk, err := newCompartmentKey(k.comp, eps[0]+1, randomBytes(keySize))
	if err != nil {
		return nil, err
	}
	nk.older = map[uint32]*dataKey{k.epoch: k}
	for e, o := range k.older {
		nk.older[e] = o
	}
	return nk, nil
}

// detach undoes nextEpoch without wiping the older keys, which stay k's.
func (k *dataKey) detach() {
	k.older = nil
	k.wipe()
}

// The recovery key's X25519 key: rotation seals the new keys to its public
// half, which the recovery slot carries (bound into the wrap, and signed
// with the slot's record), so the HIM manager can hand the recovery slot a
// new epoch without knowing the recovery key.
func recoveryBox(rk []byte, practiceID string) (*ecdh.PrivateKey, error) {
	b, err := hkdf.Key(sha256.New, rk, []byte(practiceID), "chartkeeper recovery box v1", 32)
	if err != nil {
		return nil, err
	}
	defer clear(b)
	return ecdh.X25519().NewPrivateKey(b)
}

func recoveryBoxPub(rk []byte, practiceID string) ([]byte, error) {
	k, err := recoveryBox(rk, practiceID)
	if err != nil {
		return nil, err
	}
	return k.PublicKey().Bytes(), nil
}

func pendingAD() []byte { return adBuilder("recovery pending").str(recoverySlotID) }

func pendingSigMessage(boxPub, pending []byte) []byte {
	return adBuilder("chartkeeper recovery pending v1").bytes(boxPub).bytes(pending)
}

// pendingKeys are the keyrings the recovery slot's pending keys hold. A
// slot of a practice that rotated only its clinical key holds that keyring
// alone (its first byte is an epoch's highest, never '{'); else the
// keyrings by name, in JSON.
type pendingKeys struct {
	Clinical []byte `json:"clinical,omitempty"`
	General  []byte `json:"general,omitempty"`
	Audit    []byte `json:"audit,omitempty"`
	// Admin is the administration key's seed once it changed
	// (adminkey.go).
	Admin []byte `json:"admin,omitempty"`
}

func (p *pendingKeys) wipe() {
	clear(p.Clinical)
	clear(p.General)
	clear(p.Audit)
	clear(p.Admin)
}

// sealPending seals sess's keyrings (clinical, general records, audit) to
// the recovery slot's box key and signs them with the administration key.
func (sl *keyslot) sealPending(sess *session) error {
	if sess.admin == nil || sess.clinical == nil || len(sl.BoxPub) != 32 {
		return fmt.Errorf("%w: sealing the recovery slot's new keys needs the administration key", ErrPermission)
	}
	var pt []byte
	if sess.general == nil && sess.auditEpoch == 0 && len(sess.auditOlder) == 0 {
		pt = keyringBytes(sess.clinical)
	} else {
		pk := pendingKeys{Clinical: keyringBytes(sess.clinical), Audit: sess.auditRingBytes()}
		if len(sess.adminKeys) > 1 {
			pk.Admin = slices.Clone(sess.admin.Seed())
		}
		if sess.general != nil {
			pk.General = keyringBytes(sess.general)
		}
		pt, _ = json.Marshal(pk)
		pk.wipe()
	}
	p, err := sealTo(sl.BoxPub, pt, pendingAD())
	clear(pt)
	if err != nil {
		return err
	}
	sl.Pending = p
	sl.PendingSig = ed25519.Sign(sess.admin, pendingSigMessage(sl.BoxPub, p))
	return nil
}

// openPending opens the recovery slot's pending keyrings, if any, after
// checking the administration key's signature: by the slot's own key
// (adminSeed), or, after the administration key changed, by the new key
// the pending keys hold, which the sign-in then finds in the practice's
// chain of administration keys (adminkey.go).
func (sl *keyslot) openPending(rk []byte, practiceID string, adminSeed []byte) (pendingKeys, error) {
	var pk pendingKeys
	if sl.Pending == nil {
		return pk, nil
	}
	pub := ed25519.NewKeyFromSeed(adminSeed).Public().(ed25519.PublicKey)
	bySlot := ed25519.Verify(pub, pendingSigMessage(sl.BoxPub, sl.Pending), sl.PendingSig)
	pk, err := sl.openPendingContent(rk, practiceID)
	if err != nil {
		return pk, err
	}
	if !bySlot {
		ok := len(pk.Admin) == ed25519.SeedSize &&
			ed25519.Verify(ed25519.NewKeyFromSeed(pk.Admin).Public().(ed25519.PublicKey), pendingSigMessage(sl.BoxPub, sl.Pending), sl.PendingSig)
		if !ok {
			pk.wipe()
			return pendingKeys{}, fmt.Errorf("%w: the recovery slot's new keys are not signed by the administration key", ErrTampered)
		}
	}
	return pk, nil
}

func (sl *keyslot) openPendingContent(rk []byte, practiceID string) (pendingKeys, error) {
	var pk pendingKeys
	box, err := recoveryBox(rk, practiceID)
	if err != nil {
		return pk, err
	}
	pt, err := openFrom(box, sl.Pending, pendingAD())
	if err != nil {
		return pk, fmt.Errorf("the recovery slot's new keys: %w", err)
	}
	if len(pt) == 0 || pt[0] != '{' {
		pk.Clinical = pt
		return pk, nil
	}
	defer clear(pt)
	if err := json.Unmarshal(pt, &pk); err != nil {
		return pendingKeys{}, fmt.Errorf("%w: the recovery slot's new keys", ErrTampered)
	}
	return pk, nil
}

// RotationResult says what a rotation did.
type RotationResult struct {
	// ClinicalEpoch is the clinical key's new epoch, 0 when it was not
	// rotated; GeneralEpoch the general key's, AuditEpoch the audit key's
	// likewise.
	ClinicalEpoch uint32
	GeneralEpoch  uint32
	AuditEpoch    uint32
	// Regranted is how many users' records got the new keyring.
	Regranted int
	// AdminKey is the new administration public key, nil when it did not
	// change; Resigned how many records it signed again.
	AdminKey []byte
	Resigned int
	// RecoveryKey is set when the recovery slot had no public key to seal
	// the new keys to (a practice made before rotation existed): a new
	// recovery key was made, to be shown and printed once; the old one
	// opens nothing after this.
	RecoveryKey string
}

// rotation says which keys a change takes from someone, so which start a
// new epoch.
type rotation struct{ clinical, general, audit bool }

func (r rotation) any() bool { return r.clinical || r.general || r.audit }

// RotateKeys starts a new epoch of every key a device may have held (a
// device was revoked: the clinical, general and audit keys; disabling a
// user does it by itself for the keys the user held, [Store.DisableUser]),
// and hands them to every user who holds them. Only an HIM manager may.
// reason is audited ("device.revoke: <device>").
func (s *Store) RotateKeys(reason string) (RotationResult, error) {
	var res RotationResult
	err := s.updateRotating(func(tx *Tx) (rotation, error) {
		return rotation{clinical: true, general: true, audit: true}, tx.requireHIM("rotate the practice's keys")
	}, reason, &res)
	return res, err
}

// sessionKeys is what a rotation changes in a session, kept to undo it.
type sessionKeys struct {
	admin                     ed25519.PrivateKey
	adminPub                  ed25519.PublicKey
	adminKeys                 []ed25519.PublicKey
	clinical, general         *dataKey
	clinicalPub               []byte
	clinicalPubEpoch          uint32
	auditSeed, auditPub       []byte
	auditKey                  *ecdh.PrivateKey
	auditEpoch, auditPubEpoch uint32
	auditOlder                map[uint32]*ecdh.PrivateKey
	auditOlderSeed            map[uint32][]byte
}

func (sess *session) saveKeys() sessionKeys {
	return sessionKeys{sess.admin, sess.adminPub, sess.adminKeys, sess.clinical, sess.general, sess.clinicalPub, sess.clinicalPubEpoch,
		sess.auditSeed, sess.auditPub, sess.auditKey, sess.auditEpoch, sess.auditPubEpoch,
		maps.Clone(sess.auditOlder), maps.Clone(sess.auditOlderSeed)}
}

func (sess *session) restoreKeys(k sessionKeys) {
	sess.admin, sess.adminPub, sess.adminKeys = k.admin, k.adminPub, k.adminKeys
	sess.clinical, sess.general, sess.clinicalPub, sess.clinicalPubEpoch = k.clinical, k.general, k.clinicalPub, k.clinicalPubEpoch
	sess.auditSeed, sess.auditPub, sess.auditKey, sess.auditEpoch, sess.auditPubEpoch = k.auditSeed, k.auditPub, k.auditKey, k.auditEpoch, k.auditPubEpoch
	sess.auditOlder, sess.auditOlderSeed = k.auditOlder, k.auditOlderSeed
}

// localKey is the key of the values a workstation keeps for its own use
// and that hold record content (drafts, caches): the newest epoch of the
// general records keyring once a rotation made one, so a removed user's
// copied slot does not open what they hold after; it opens the older
// epochs too (rotate.go). A value it cannot open is rebuilt or reported
// as damaged, as before.
func (sess *session) localKey() *dataKey {
	if sess.general != nil {
		return sess.general
	}
	return sess.key
}

// cloneKey is a copy of k alone (no older epochs), wiped on its own.
func cloneKey(k *dataKey) (*dataKey, error) {
	return newCompartmentKey(k.comp, k.epoch, bytes.Clone(k.key[:]))
}

// nextAudit makes a new audit key pair one epoch past every epoch the
// session holds; the current one joins the older keys.
func (sess *session) nextAudit() error {
	if sess.auditKey == nil || sess.auditSeed == nil {
		return fmt.Errorf("%w: only a health information manager may renew the audit key", ErrPermission)
	}
	e := max(sess.auditEpoch, sess.auditPubEpoch)
	for oe := range sess.auditOlder {
		e = max(e, oe)
	}
	older, olderSeed := maps.Clone(sess.auditOlder), maps.Clone(sess.auditOlderSeed)
	if older == nil {
		older, olderSeed = map[uint32]*ecdh.PrivateKey{}, map[uint32][]byte{}
	}
	older[sess.auditEpoch], olderSeed[sess.auditEpoch] = sess.auditKey, sess.auditSeed
	if err := sess.newAuditKey(); err != nil {
		return err
	}
	sess.auditEpoch, sess.auditPubEpoch = e+1, e+1
	sess.auditOlder, sess.auditOlderSeed = older, olderSeed
	return nil
}

// updateRotating runs fn in one write transaction, then rotates the keys
// fn names in the same transaction. The session is held exclusively,
// since the rotation changes its keys; if anything fails the session
// keeps its keys and nothing is written.
func (s *Store) updateRotating(fn func(tx *Tx) (rotation, error), reason string, res *RotationResult) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.sess
	if sess == nil {
		return ErrLocked
	}
	saved := sess.saveKeys()
	var (
		nk, ng, baseClone *dataKey
		newRecovery       string
		result            RotationResult
	)
	err := s.db.Update(func(btx *bolt.Tx) error {
		tx := &Tx{s: s, btx: btx, sess: sess, write: true}
		rot, err := fn(tx)
		if err != nil || !rot.any() || sess.adminPub == nil {
			return err // a practice still on one key has nothing to rotate
		}
		if sess.admin == nil {
			return fmt.Errorf("%w: only a health information manager may renew the practice's keys", ErrPermission)
		}
		if saved.clinical == nil {
			// An HIM manager whose slot predates their own keys.
			return &KeyError{Compartment: CompartmentClinical, Renew: sess.renew}
		}
		var what []string
		if rot.clinical {
			if nk, err = nextEpoch(saved.clinical); err != nil {
				return err
			}
			sess.clinical = nk
			result.ClinicalEpoch = nk.epoch
			what = append(what, fmt.Sprintf(detailRotClinical, nk.epoch))
		}
		if rot.general {
			base := saved.general
			if base == nil {
				// The first rotation: the slot's key becomes the oldest
				// epoch of the general records keyring.
				if baseClone, err = cloneKey(sess.key); err != nil {
					return err
				}
				base = baseClone
			}
			if ng, err = nextEpoch(base); err != nil {
				return err
			}
			sess.general = ng
			result.GeneralEpoch = ng.epoch
			what = append(what, fmt.Sprintf(detailRotGeneral, ng.epoch))
		}
		if rot.audit {
			if err := sess.nextAudit(); err != nil {
				return err
			}
			result.AuditEpoch = sess.auditEpoch
			what = append(what, fmt.Sprintf(detailRotAudit, sess.auditEpoch))
			// Whoever held the audit key held the administration key
			// too: it changes, and every signed record is signed again
			// (adminkey.go).
			if result.Resigned, err = tx.rotateAdmin(); err != nil {
				return fmt.Errorf("changing the administration key: %w", err)
			}
			result.AdminKey = slices.Clone(sess.adminPub)
			what = append(what, fmt.Sprintf(detailRotAdmin, len(sess.adminKeys)-1))
		}
		if result.Regranted, err = tx.regrantAll(rot); err != nil {
			return err
		}
		if newRecovery, err = tx.rotateRecovery(); err != nil {
			return err
		}
		result.RecoveryKey = newRecovery
		if saved.clinicalPub != nil || rot.audit {
			// The clinical document key is derived from the clinical key:
			// documents are sealed to the new epoch's from now on, which
			// a removed user's keys do not open; audit entries are sealed
			// to the new audit public key.
			if err := tx.putPracticeKeys(sess.legacyOK); err != nil {
				return err
			}
		}
		tx.auditEpub, tx.auditAEAD = nil, nil // this entry goes to the new audit key
		return tx.Audit(AuditEvent{Action: "key.rotate", Detail: strings.Join(what, ", ") + ": " + reason})
	})
	if err != nil {
		sess.restoreKeys(saved)
		if nk != nil {
			nk.detach()
		}
		if ng != nil {
			if baseClone != nil {
				ng.wipe()
			} else {
				ng.detach()
			}
		}
		if res != nil {
			*res = RotationResult{}
		}
		return err
	}
	if ng != nil && saved.general != nil {
		saved.general.older = nil // its older epochs are ng's now
	}
	if res != nil {
		*res = result
	}
	if newRecovery != "" {
		s.newRecovery = newRecovery
	}
	return nil
}

// regrantAll gives every enabled user who has a key of their own the
// session's keys of their role, when a key they hold was rotated.
func (tx *Tx) regrantAll(rot rotation) (int, error) {
	var users []User
	err := tx.List(TypeUser, func(r Record) error {
		ub, err := decodeUserBody(r)
		if err != nil {
			return err
		}
		g := roleGrants(ub.Role)
		if !ub.Disabled && len(ub.BoxPub) > 0 && (rot.general || rot.clinical && slices.Contains(g, grantClinical) || rot.audit && slices.Contains(g, grantAudit)) {
			users = append(users, ub.User)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, u := range users {
		if _, err := tx.regrant(u); err != nil {
			return 0, fmt.Errorf("handing the new key to %s: %w", u.Username, err)
		}
	}
	return len(users), nil
}

// rotateRecovery hands the recovery slot the session's keys: as pending
// keys sealed to its public key, or, for a slot without one, as a new
// recovery slot under a new recovery key (returned).
func (tx *Tx) rotateRecovery() (string, error) {
	sl, err := getSlot(tx.btx, recoverySlotID)
	if errors.Is(err, ErrNotFound) {
		return "", nil // a joined workstation before its first sync: the slot's own workstation rotates
	}
	if err != nil {
		return "", err
	}
	if len(sl.BoxPub) == 32 {
		// The public key is read from the slot's signed record, so a
		// key put into the slots bucket behind the store's back is not
		// trusted with the new keys.
		r, err := tx.Get(slotRecordID(recoverySlotID))
		if err != nil {
			return "", fmt.Errorf("the recovery slot's record: %w", err)
		}
		if err := tx.checkHeadSigned(r); err != nil {
			return "", err
		}
		signed, err := decodeSlot(r.Body)
		if err != nil {
			return "", err
		}
		if !bytes.Equal(signed.BoxPub, sl.BoxPub) || !bytes.Equal(signed.Wrapped, sl.Wrapped) {
			return "", fmt.Errorf("%w: the recovery slot is not the one its signed record holds", ErrTampered)
		}
		if err := sl.sealPending(tx.sess); err != nil {
			return "", err
		}
		return "", tx.storeSlot(recoverySlotID, sl)
	}
	secret := tx.s.secret()
	if secret == nil {
		return "", ErrNoPracticeSecret
	}
	rk, nsl, err := newRecoverySlot(tx.s.practiceID, tx.sess, secret)
	if err != nil {
		return "", err
	}
	if err := recordRecoveryPublicKey(tx.btx, tx.s.practiceID, rk, tx.sess); err != nil {
		return "", err
	}
	return rk, tx.storeSlot(recoverySlotID, nsl)
}

// resealState is a re-seal pass's position: the epoch it seals to, the
// last revs/ key it looked at, and whether it went through. Each rotated
// key has its own pass and position (keyReseal for the clinical key,
// keyResealGeneral for the general one).
type resealState struct {
	Epoch    uint32 `json:"epoch"`
	After    []byte `json:"after,omitempty"`
	Done     bool   `json:"done,omitempty"`
	Resealed int    `json:"resealed,omitempty"`
	Skipped  int    `json:"skipped,omitempty"`
}

// keyResealGeneral is the general key's re-seal position.
var keyResealGeneral = []byte("reseal.general")

// ResealProgress is what [Store.ResealStep] reports.
type ResealProgress struct {
	Epoch    uint32 // the clinical epoch values are sealed to
	Resealed int    // clinical values sealed again so far in this pass
	// GeneralEpoch and GeneralResealed: the same for the general key.
	GeneralEpoch    uint32
	GeneralResealed int
	Skipped         int // values that did not open (verify reports them)
	Done            bool
}

// resealScan bounds how many stored revisions one step looks at, whatever
// it re-seals, so each transaction stays short.
const resealScan = 4096

// ResealStep seals at most max revisions that an older epoch of their key
// sealed again under the session's newest epoch, in one transaction, and
// keeps its position in the store: the clinical compartment's first, then
// the general records'. What the session holds no newer epoch of is done
// already.
func (s *Store) ResealStep(max int) (ResealProgress, error) {
	var pr ResealProgress
	err := s.Update(func(tx *Tx) error {
		var err error
		pr, err = tx.resealStep(max)
		return err
	})
	return pr, err
}

// Reseal runs [Store.ResealStep] until the pass is done, ctx is cancelled
// or the store locks. Workstations run it in the background after a
// sign-in; it is safe to stop at any point and to run again.
func (s *Store) Reseal(ctx context.Context, batch int) (ResealProgress, error) {
	for {
		if err := ctx.Err(); err != nil {
			return ResealProgress{}, err
		}
		pr, err := s.ResealStep(batch)
		if err != nil || pr.Done {
			return pr, err
		}
	}
}

func (tx *Tx) resealStep(max int) (ResealProgress, error) {
	c, err := tx.resealPass(CompartmentClinical, max)
	if err != nil {
		return ResealProgress{}, err
	}
	pr := ResealProgress{Epoch: c.Epoch, Resealed: c.Resealed, Skipped: c.Skipped, Done: c.Done}
	var g resealState
	if c.Done {
		if g, err = tx.resealPass(CompartmentGeneral, max); err != nil {
			return ResealProgress{}, err
		}
	} else {
		g = tx.resealStatus(CompartmentGeneral)
	}
	pr.GeneralEpoch, pr.GeneralResealed = g.Epoch, g.Resealed
	pr.Skipped += g.Skipped
	pr.Done = c.Done && g.Done
	return pr, nil
}

// resealKey is the session's keyring of compartment c that a re-seal
// seals to, nil when it holds no older epoch; and where its pass keeps
// its position.
func (tx *Tx) resealKey(c Compartment) (*dataKey, []byte) {
	if c == CompartmentGeneral {
		return tx.sess.general, keyResealGeneral
	}
	return tx.sess.clinical, keyReseal
}

// resealStatus reads where compartment c's pass stands for this session.
func (tx *Tx) resealStatus(c Compartment) resealState {
	k, mk := tx.resealKey(c)
	var st resealState
	if v := tx.btx.Bucket(bucketMeta).Get(mk); v != nil {
		if err := json.Unmarshal(v, &st); err != nil {
			st = resealState{}
		}
	}
	switch {
	case k == nil || len(k.older) == 0 || st.Epoch > k.epoch:
		st.Done = true // nothing this session could seal again
	case st.Epoch < k.epoch:
		st = resealState{Epoch: k.epoch}
	}
	return st
}

// resealing reports whether a stored revision belongs to compartment c's
// pass: a revision of a type of c sealed in c (the store's own types stay
// under the slot's general key, keys.go).
func (tx *Tx) resealing(c Compartment, env *envelope) bool {
	got, ok := sealedCompartment(env.Sealed)
	if !ok || got != c || tx.s.rule(env.Type).Compartment != c {
		return false
	}
	if c == CompartmentGeneral {
		_, own := storeTypeRules[env.Type]
		return !own
	}
	return true
}

// resealPass moves compartment c's pass on by at most max revisions.
func (tx *Tx) resealPass(comp Compartment, max int) (resealState, error) {
	k, mk := tx.resealKey(comp)
	if k == nil || len(k.older) == 0 {
		return resealState{Done: true}, nil
	}
	meta := tx.btx.Bucket(bucketMeta)
	var st resealState
	if v := meta.Get(mk); v != nil {
		if err := json.Unmarshal(v, &st); err != nil {
			st = resealState{}
		}
	}
	if st.Epoch != k.epoch {
		if st.Epoch > k.epoch {
			// Another user's newer epoch is being sealed to; this
			// session's keys are older, and it leaves the work to them.
			return resealState{Epoch: st.Epoch, Done: st.Done}, nil
		}
		st = resealState{Epoch: k.epoch}
	}
	if st.Done {
		return st, nil
	}
	type put struct{ k, v []byte }
	var puts []put
	revs := tx.btx.Bucket(bucketRevs)
	c := revs.Cursor()
	var key, v []byte
	if st.After == nil {
		key, v = c.First()
	} else {
		key, v = c.Seek(st.After)
		if bytes.Equal(key, st.After) {
			key, v = c.Next()
		}
	}
	scanned := 0
	for ; key != nil && len(puts) < max && scanned < resealScan; key, v = c.Next() {
		scanned++
		st.After = bytes.Clone(key)
		i := bytes.IndexByte(key, 0)
		if i < 0 || i+2 > len(key) || key[i+1] != 'r' {
			continue
		}
		env, err := decodeEnvelope(v)
		if err != nil {
			st.Skipped++
			continue
		}
		if !tx.resealing(comp, &env) || epochOf(env.Sealed) == k.epoch {
			continue
		}
		id := string(key[:i])
		rev, err := revFromKey(key[i+2:])
		if err != nil {
			st.Skipped++
			continue
		}
		nv, err := tx.resealRev(id, rev, v, comp)
		if err != nil {
			st.Skipped++
			continue
		}
		puts = append(puts, put{bytes.Clone(key), nv})
	}
	for _, p := range puts {
		if err := tx.digestSet(tagRev, p.k, p.v, ""); err != nil {
			return resealState{}, err
		}
		if err := revs.Put(p.k, p.v); err != nil {
			return resealState{}, err
		}
	}
	st.Resealed += len(puts)
	if key == nil {
		st.Done = true
	}
	b, _ := json.Marshal(st)
	if err := meta.Put(mk, b); err != nil {
		return resealState{}, err
	}
	return st, nil
}

// resealRev opens stored revision v of record id (every check of a read)
// and seals its payload again under the newest epoch of compartment c.
func (tx *Tx) resealRev(id string, rev Rev, v []byte, c Compartment) ([]byte, error) {
	env, p, err := tx.openRev(id, rev, v)
	if err != nil {
		return nil, err
	}
	key, err := tx.sess.keyFor(c)
	if err != nil {
		return nil, err
	}
	// The clear time and deletion, as every revision sealed outside the
	// slot's general key carries (keys.go, checkMeta).
	env.Meta, env.HLC, env.Deleted = true, p.HLC, p.Deleted
	env.Resealed = true
	pt := p.encode()
	env.Sealed = key.seal(nil, pt, payloadAD(id, rev, &env))
	clear(pt)
	return env.encode(), nil
}

// revIDMatches checks a stored revision against its ID: the ID is the hash
// of the envelope, except for a re-sealed revision, whose seal binds the ID
// instead (checked when it opens, [payloadAD]).
func revIDMatches(id string, rev Rev, v []byte, env *envelope) bool {
	if env.Gen != rev.Gen {
		return false
	}
	return env.Resealed || revFor(id, v, env.Gen) == rev
}

// payloadAD is the associated data of revision rev's payload.
func payloadAD(id string, rev Rev, env *envelope) []byte {
	ad := revAD(id, env)
	if env.Resealed {
		ad = adBuilder(ad).str("resealed").bytes(rev.key())
	}
	return ad
}

// ResealStatus reads where the re-seal stands, without moving it.
func (s *Store) ResealStatus() (ResealProgress, error) {
	var pr ResealProgress
	err := s.View(func(tx *Tx) error {
		for _, mk := range [][]byte{keyReseal, keyResealGeneral} {
			if v := tx.btx.Bucket(bucketMeta).Get(mk); v != nil && !json.Valid(v) {
				return fmt.Errorf("%w: the re-seal's position", ErrTampered)
			}
		}
		c, g := tx.resealStatus(CompartmentClinical), tx.resealStatus(CompartmentGeneral)
		pr = ResealProgress{Epoch: c.Epoch, Resealed: c.Resealed, GeneralEpoch: g.Epoch, GeneralResealed: g.Resealed,
			Skipped: c.Skipped + g.Skipped, Done: c.Done && g.Done}
		return nil
	})
	return pr, err
}

// takeNewKeys gives the signed-in session the keyrings its user record
// now grants (clinical, general records, audit), when sync brought a
// newer epoch than the session holds, and the audit public key the
// practice keys record now names, so a workstation whose user stays
// signed in through a rotation made elsewhere reads and writes with the
// new epochs at once. A grant that does not open, or names no newer
// epoch, changes nothing (signing in again reports what is wrong).
func (s *Store) takeNewKeys() {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.sess
	if sess == nil || sess.own == nil || sess.user.ID == "" {
		return
	}
	rings := map[string][]byte{}
	var pk practiceKeys
	var chain []ed25519.PublicKey
	_ = s.db.View(func(btx *bolt.Tx) error {
		tx := &Tx{s: s, btx: btx, sess: sess}
		if ch, err := tx.adminChain(); err == nil && ch != nil && len(ch.links) > 0 {
			chain = ch.keys
		}
		if r, err := tx.Get(PracticeKeysID); err == nil && tx.checkHeadSigned(r) == nil {
			_ = json.Unmarshal(r.Body, &pk)
		}
		r, err := tx.Get(sess.user.ID)
		if err != nil || tx.checkHeadSigned(r) != nil {
			return err
		}
		ub, err := decodeUserBody(r)
		if err != nil || ub.Disabled || !bytes.Equal(ub.BoxPub, sess.own.box.PublicKey().Bytes()) {
			return err
		}
		for _, name := range []string{grantClinical, grantGeneral, grantAudit, grantAdmin} {
			if g := ub.Grants[name]; g != nil {
				if ring, err := openFrom(sess.own.box, g, grantAD(sess.user.ID, name)); err == nil {
					rings[name] = ring
				}
			}
		}
		return nil
	})
	take := func(c Compartment, ring []byte, cur **dataKey) {
		if ring == nil {
			return
		}
		k, err := parseKeyring(c, ring)
		if err != nil {
			return
		}
		if *cur != nil && k.epoch <= (*cur).epoch {
			k.wipe()
			return
		}
		old := *cur
		*cur = k
		old.wipe()
	}
	if chain != nil {
		// The administration key changed on another workstation: the
		// session signs with the new one once its grant arrived, and
		// with none before.
		sess.adminKeys, sess.adminPub = chain, chain[len(chain)-1]
		var k ed25519.PrivateKey
		if seed := rings[grantAdmin]; len(seed) == ed25519.SeedSize {
			k = ed25519.NewKeyFromSeed(seed)
		}
		clear(rings[grantAdmin])
		if k != nil && bytes.Equal(k.Public().(ed25519.PublicKey), sess.adminPub) {
			clear(sess.admin)
			sess.admin = k
		} else if sess.admin != nil && !bytes.Equal(sess.admin.Public().(ed25519.PublicKey), sess.adminPub) {
			clear(sess.admin)
			sess.admin = nil
		}
	} else {
		clear(rings[grantAdmin])
	}
	take(CompartmentClinical, rings[grantClinical], &sess.clinical)
	take(CompartmentGeneral, rings[grantGeneral], &sess.general)
	if ring := rings[grantAudit]; ring != nil {
		probe := &session{}
		if probe.setAuditRing(ring) == nil && sess.auditKeyOf(probe.auditEpoch) == nil && probe.auditEpoch > sess.auditEpoch {
			clear(sess.auditSeed)
			sess.auditSeed, sess.auditKey, sess.auditEpoch = probe.auditSeed, probe.auditKey, probe.auditEpoch
			sess.auditOlder, sess.auditOlderSeed = probe.auditOlder, probe.auditOlderSeed
		} else {
			probe.wipe()
		}
		clear(ring)
	}
	if len(pk.AuditPub) == 32 && pk.AuditEpoch > sess.auditPubEpoch {
		if k := sess.auditKeyOf(pk.AuditEpoch); k == nil || bytes.Equal(k.PublicKey().Bytes(), pk.AuditPub) {
			sess.auditPub, sess.auditPubEpoch = bytes.Clone(pk.AuditPub), pk.AuditEpoch
		}
	}
}

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
	"slices"

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

// sealPending seals sess's clinical keyring to the recovery slot's box key
// and signs it with the administration key.
func (sl *keyslot) sealPending(sess *session) error {
	if sess.admin == nil || sess.clinical == nil || len(sl.BoxPub) != 32 {
		return fmt.Errorf("%w: sealing the recovery slot's new keys needs the administration key", ErrPermission)
	}
	ring := keyringBytes(sess.clinical)
	p, err := sealTo(sl.BoxPub, ring, pendingAD())
	clear(ring)
	if err != nil {
		return err
	}
	sl.Pending = p
	sl.PendingSig = ed25519.Sign(sess.admin, pendingSigMessage(sl.BoxPub, p))
	return nil
}

// openPending opens the recovery slot's pending keyring, if any, after
// checking the administration key's signature (adminSeed from the slot).
func (sl *keyslot) openPending(rk []byte, practiceID string, adminSeed []byte) ([]byte, error) {
	if sl.Pending == nil {
		return nil, nil
	}
	pub := ed25519.NewKeyFromSeed(adminSeed).Public().(ed25519.PublicKey)
	if !ed25519.Verify(pub, pendingSigMessage(sl.BoxPub, sl.Pending), sl.PendingSig) {
		return nil, fmt.Errorf("%w: the recovery slot's new keys are not signed by the administration key", ErrTampered)
	}
	box, err := recoveryBox(rk, practiceID)
	if err != nil {
		return nil, err
	}
	ring, err := openFrom(box, sl.Pending, pendingAD())
	if err != nil {
		return nil, fmt.Errorf("the recovery slot's new keys: %w", err)
	}
	return ring, nil
}

// RotationResult says what a rotation did.
type RotationResult struct {
	// ClinicalEpoch is the clinical key's new epoch, 0 when it was not
	// rotated.
	ClinicalEpoch uint32
	// Regranted is how many users' records got the new keyring.
	Regranted int
	// RecoveryKey is set when the recovery slot had no public key to seal
	// the new keys to (a practice made before rotation existed): a new
	// recovery key was made, to be shown and printed once; the old one
	// opens nothing after this.
	RecoveryKey string
}

// RotateKeys starts a new epoch of the clinical key (a device was
// revoked; disabling a user does it by itself, [Store.DisableUser]), and
// hands it to every user who holds it. Only an HIM manager may. reason is
// audited ("device.revoke: <device>").
func (s *Store) RotateKeys(reason string) (RotationResult, error) {
	var res RotationResult
	err := s.updateRotating(func(tx *Tx) (bool, error) {
		return true, tx.requireHIM("rotate the practice's keys")
	}, reason, &res)
	return res, err
}

// updateRotating runs fn in one write transaction, then, when fn asks
// for it, rotates the clinical key in the same transaction. The session is
// held exclusively, since the rotation changes its keys; if anything fails
// the session keeps its keys and nothing is written.
func (s *Store) updateRotating(fn func(tx *Tx) (bool, error), reason string, res *RotationResult) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.sess
	if sess == nil {
		return ErrLocked
	}
	old := sess.clinical
	oldPub, oldPubEpoch := sess.clinicalPub, sess.clinicalPubEpoch
	var (
		nk          *dataKey
		newRecovery string
	)
	err := s.db.Update(func(btx *bolt.Tx) error {
		tx := &Tx{s: s, btx: btx, sess: sess, write: true}
		rotate, err := fn(tx)
		if err != nil || !rotate || sess.adminPub == nil {
			return err // a practice still on one key has nothing to rotate
		}
		if sess.admin == nil {
			return fmt.Errorf("%w: only a health information manager may renew the practice's keys", ErrPermission)
		}
		if old == nil {
			// An HIM manager whose slot predates their own keys.
			return &KeyError{Compartment: CompartmentClinical, Renew: sess.renew}
		}
		if nk, err = nextEpoch(old); err != nil {
			return err
		}
		sess.clinical = nk
		n, err := tx.regrantAll()
		if err != nil {
			return err
		}
		if newRecovery, err = tx.rotateRecovery(); err != nil {
			return err
		}
		if oldPub != nil {
			// The clinical document key is derived from the clinical key:
			// documents are sealed to the new epoch's from now on, which
			// a removed user's keys do not open.
			if err := tx.putPracticeKeys(sess.legacyOK); err != nil {
				return err
			}
		}
		if res != nil {
			*res = RotationResult{ClinicalEpoch: nk.epoch, Regranted: n, RecoveryKey: newRecovery}
		}
		return tx.Audit(AuditEvent{Action: "key.rotate", Detail: fmt.Sprintf("clinical key epoch %d: %s", nk.epoch, reason)})
	})
	if err != nil {
		if nk != nil {
			sess.clinical = old
			sess.clinicalPub, sess.clinicalPubEpoch = oldPub, oldPubEpoch
			nk.detach()
		}
		if res != nil {
			*res = RotationResult{}
		}
		return err
	}
	if newRecovery != "" {
		s.newRecovery = newRecovery
	}
	return nil
}

// regrantAll gives every enabled user whose role holds the clinical key
// the session's clinical keyring.
func (tx *Tx) regrantAll() (int, error) {
	var users []User
	err := tx.List(TypeUser, func(r Record) error {
		ub, err := decodeUserBody(r)
		if err != nil {
			return err
		}
		if !ub.Disabled && len(ub.BoxPub) > 0 && slices.Contains(roleGrants(ub.Role), grantClinical) {
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

// resealState is the re-seal's position: the clinical key epoch it seals
// to, the last revs/ key it looked at, and whether it went through.
type resealState struct {
	Epoch    uint32 `json:"epoch"`
	After    []byte `json:"after,omitempty"`
	Done     bool   `json:"done,omitempty"`
	Resealed int    `json:"resealed,omitempty"`
	Skipped  int    `json:"skipped,omitempty"`
}

// ResealProgress is what [Store.ResealStep] reports.
type ResealProgress struct {
	Epoch    uint32 // the epoch values are sealed to
	Resealed int    // values sealed again so far in this pass
	Skipped  int    // values that did not open (verify reports them)
	Done     bool
}

// resealScan bounds how many stored revisions one step looks at, whatever
// it re-seals, so each transaction stays short.
const resealScan = 4096

// ResealStep seals at most max revisions of the clinical compartment that
// an older epoch sealed again under the session's newest epoch, in one
// transaction, and keeps its position in the store. A session without the
// clinical key has nothing to do (Done).
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
	k := tx.sess.clinical
	if k == nil || len(k.older) == 0 {
		return ResealProgress{Done: true}, nil
	}
	meta := tx.btx.Bucket(bucketMeta)
	var st resealState
	if v := meta.Get(keyReseal); v != nil {
		if err := json.Unmarshal(v, &st); err != nil {
			st = resealState{}
		}
	}
	if st.Epoch != k.epoch {
		if st.Epoch > k.epoch {
			// Another user's newer epoch is being sealed to; this
			// session's keys are older, and it leaves the work to them.
			return ResealProgress{Epoch: st.Epoch, Done: st.Done}, nil
		}
		st = resealState{Epoch: k.epoch}
	}
	if st.Done {
		return ResealProgress{Epoch: st.Epoch, Resealed: st.Resealed, Skipped: st.Skipped, Done: true}, nil
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
		if comp, ok := sealedCompartment(env.Sealed); !ok || comp != CompartmentClinical || epochOf(env.Sealed) == k.epoch {
			continue
		}
		id := string(key[:i])
		rev, err := revFromKey(key[i+2:])
		if err != nil {
			st.Skipped++
			continue
		}
		nv, err := tx.resealRev(id, rev, v)
		if err != nil {
			st.Skipped++
			continue
		}
		puts = append(puts, put{bytes.Clone(key), nv})
	}
	for _, p := range puts {
		if err := tx.digestSet(tagRev, p.k, p.v, ""); err != nil {
			return ResealProgress{}, err
		}
		if err := revs.Put(p.k, p.v); err != nil {
			return ResealProgress{}, err
		}
	}
	st.Resealed += len(puts)
	if key == nil {
		st.Done = true
	}
	b, _ := json.Marshal(st)
	if err := meta.Put(keyReseal, b); err != nil {
		return ResealProgress{}, err
	}
	return ResealProgress{Epoch: st.Epoch, Resealed: st.Resealed, Skipped: st.Skipped, Done: st.Done}, nil
}

// resealRev opens stored revision v of record id (every check of a read)
// and seals its payload again under the newest epoch of its compartment.
func (tx *Tx) resealRev(id string, rev Rev, v []byte) ([]byte, error) {
	env, p, err := tx.openRev(id, rev, v)
	if err != nil {
		return nil, err
	}
	key, err := tx.sess.keyFor(CompartmentClinical)
	if err != nil {
		return nil, err
	}
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
		var st resealState
		if v := tx.btx.Bucket(bucketMeta).Get(keyReseal); v != nil {
			if err := json.Unmarshal(v, &st); err != nil {
				return fmt.Errorf("%w: the re-seal's position: %v", ErrTampered, err)
			}
		}
		pr = ResealProgress{Epoch: st.Epoch, Resealed: st.Resealed, Skipped: st.Skipped, Done: st.Done}
		if k := tx.sess.clinical; k == nil || len(k.older) == 0 || st.Epoch > k.epoch {
			pr.Done = true // nothing this session could seal again
		} else if st.Epoch < k.epoch {
			pr = ResealProgress{Epoch: k.epoch}
		}
		return nil
	})
	return pr, err
}

// takeNewKeys gives the signed-in session the clinical keyring its user
// record now grants, when sync brought a newer epoch than the session
// holds, so a workstation whose user stays signed in through a rotation
// made elsewhere reads and writes with the new epoch at once. A grant
// that does not open, or names no newer epoch, changes nothing (signing
// in again reports what is wrong).
func (s *Store) takeNewKeys() {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.sess
	if sess == nil || sess.own == nil || sess.user.ID == "" {
		return
	}
	var ring []byte
	_ = s.db.View(func(btx *bolt.Tx) error {
		tx := &Tx{s: s, btx: btx, sess: sess}
		r, err := tx.Get(sess.user.ID)
		if err != nil || tx.checkHeadSigned(r) != nil {
			return err
		}
		ub, err := decodeUserBody(r)
		if err != nil || ub.Disabled || !bytes.Equal(ub.BoxPub, sess.own.box.PublicKey().Bytes()) {
			return err
		}
		if g := ub.Grants[grantClinical]; g != nil {
			ring, _ = openFrom(sess.own.box, g, grantAD(sess.user.ID, grantClinical))
		}
		return nil
	})
	if ring == nil {
		return
	}
	k, err := parseKeyring(CompartmentClinical, ring)
	if err != nil {
		return
	}
	if sess.clinical != nil && k.epoch <= sess.clinical.epoch {
		k.wipe()
		return
	}
	old := sess.clinical
	sess.clinical = k
	old.wipe()
}

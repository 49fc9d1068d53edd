package store

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// NewPractice describes a practice to create.
type NewPractice struct {
	Name          string // the practice's name, as printed on documents
	AdminName     string // full name of the first HIM manager
	AdminUser     string // their username
	AdminPassword []byte
}

// TypePractice is the record type of the practice's settings; the one such
// record has ID [PracticeRecordID].
const (
	TypePractice     = "practice"
	PracticeRecordID = "practice"
)

// Practice holds the practice-wide settings.
type Practice struct {
	Name        string `json:"name"`
	IdleLockSec int    `json:"idle_lock_sec"`
}

// DefaultIdleLock is how long a workstation may sit idle before it locks.
const DefaultIdleLock = 5 * time.Minute

// Create makes a new practice in dir (created if needed) and returns it
// unlocked as the first HIM manager, with the recovery key. The recovery key
// is shown this once and never stored: it unwraps the data key and practice
// secret, so it alone can bring the practice back from a backup.
func Create(dir string, np NewPractice, opts ...Option) (*Store, string, error) {
	np.AdminUser = normalizeUsername(np.AdminUser)
	if strings.TrimSpace(np.Name) == "" {
		return nil, "", fmt.Errorf("%w: the practice needs a name", ErrInvalid)
	}
	if hasControls(np.Name) {
		return nil, "", fmt.Errorf("%w: the practice's name contains control characters (such as a line break or an escape code)", ErrInvalid)
	}
	if err := checkUsername(np.AdminUser); err != nil {
		return nil, "", err
	}
	if err := checkName(np.AdminName); err != nil {
		return nil, "", err
	}
	if err := CheckPassword(np.AdminPassword, np.AdminUser, np.AdminName, np.Name); err != nil {
		return nil, "", err
	}
	if Exists(dir) {
		return nil, "", fmt.Errorf("%s: %w", dir, ErrPracticeExists)
	}
	if err := makePrivateDir(dir); err != nil {
		return nil, "", err
	}
	dev := &deviceFile{PracticeID: NewID(), DeviceID: NewID(), PracticeSecret: randomBytes(keySize)}
	if err := writeDeviceFile(dir, dev); err != nil {
		return nil, "", err
	}
	s, err := openDB(dir, opts...)
	if err != nil {
		return nil, "", err
	}
	s.practiceID, s.device = dev.PracticeID, dev
	sess, err := newHierarchySession()
	if err != nil {
		s.db.Close()
		return nil, "", err
	}
	sess.user = User{Role: RoleHIM}
	var recovery string
	err = s.db.Update(func(btx *bolt.Tx) error {
		meta := btx.Bucket(bucketMeta)
		if err := meta.Put(keyPractice, []byte(dev.PracticeID)); err != nil {
			return err
		}
		if err := meta.Put(keyAdminPub, bytes.Clone(sess.adminPub)); err != nil {
			return err
		}
		tx := &Tx{s: s, btx: btx, sess: sess, write: true}
		if err := tx.putPracticeKeys(false); err != nil {
			return err
		}
		rk, sl, err := newRecoverySlot(dev.PracticeID, sess, dev.PracticeSecret)
		if err != nil {
			return err
		}
		recovery = rk
		if err := tx.storeSlot(recoverySlotID, sl); err != nil {
			return err
		}
		if err := recordRecoveryPublicKey(btx, dev.PracticeID, rk, sess); err != nil {
			return err
		}
		body, _ := json.Marshal(Practice{Name: strings.TrimSpace(np.Name), IdleLockSec: int(DefaultIdleLock / time.Second)})
		if _, err := tx.Put(TypePractice, PracticeRecordID, "", body); err != nil {
			return err
		}
		u, seed, err := tx.addUser(NewUser{Username: np.AdminUser, Name: np.AdminName, Role: RoleHIM, Password: np.AdminPassword})
		if err != nil {
			return err
		}
		sess.user = u
		if err := sess.setOwn(seed); err != nil {
			return err
		}
		if err := tx.buildDigest(); err != nil {
			return err
		}
		return tx.Audit(AuditEvent{Action: "practice.create", Subject: PracticeRecordID})
	})
	if err != nil {
		sess.wipe()
		s.db.Close()
		os.Remove(filepath.Join(dir, dbFileName))
		os.Remove(filepath.Join(dir, deviceFileName))
		return nil, "", err
	}
	s.mu.Lock()
	s.sess = sess
	s.mu.Unlock()
	return s, recovery, nil
}

// Unlocked reports whether a user is signed in.
func (s *Store) Unlocked() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.sess != nil
}

// CurrentUser is the signed-in user.
func (s *Store) CurrentUser() (User, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.sess == nil {
		return User{}, ErrLocked
	}
	return s.sess.user, nil
}

// practiceName is the practice's name, or "" when it cannot be read (a
// hint for judging passwords, nothing more).
func (s *Store) practiceName() string {
	p, err := s.Practice()
	if err != nil {
		return ""
	}
	return p.Name
}

// Practice reads the practice settings.
func (s *Store) Practice() (Practice, error) {
	var p Practice
	err := s.View(func(tx *Tx) error {
		r, err := tx.Get(PracticeRecordID)
		if err != nil {
			return err
		}
		return json.Unmarshal(r.Body, &p)
	})
	return p, err
}

// SetIdleLock changes the practice's idle timeout. Only an HIM manager may.
func (s *Store) SetIdleLock(d time.Duration) error {
	if d < 30*time.Second || d > 8*time.Hour {
		return fmt.Errorf("%w: the idle lock must be between 30 seconds and 8 hours", ErrInvalid)
	}
	return s.Update(func(tx *Tx) error {
		if err := tx.requireHIM("change practice settings"); err != nil {
			return err
		}
		r, err := tx.Get(PracticeRecordID)
		if err != nil {
			return err
		}
		var p Practice
		if err := json.Unmarshal(r.Body, &p); err != nil {
			return fmt.Errorf("%w: practice settings: %v", ErrTampered, err)
		}
		old := p.IdleLockSec
		p.IdleLockSec = int(d / time.Second)
		body, _ := json.Marshal(p)
		if _, err := tx.Put(TypePractice, PracticeRecordID, r.Rev, body); err != nil {
			return err
		}
		return tx.Audit(AuditEvent{Action: "setting.change", Subject: PracticeRecordID, Detail: fmt.Sprintf(detailIdleLock, old, p.IdleLockSec)})
	})
}

// Back-off after wrong passwords: FreeTries attempts, then a wait that
// starts at FirstWait and doubles with every further failure up to MaxWait.
// The counters live in the store file, so restarting does not reset them.
const (
	FreeTries = 3
	FirstWait = 30 * time.Second
	MaxWait   = 15 * time.Minute
)

func backoffFor(failures uint32) time.Duration {
	if failures < FreeTries {
		return 0
	}
	d := FirstWait
	for i := uint32(FreeTries); i < failures && d < MaxWait; i++ {
		d *= 2
	}
	return min(d, MaxWait)
}

// UnlockError explains a failed sign-in to the person at the keyboard.
type UnlockError struct {
	Username  string
	TriesLeft int           // before a wait starts; 0 once waits apply
	Wait      time.Duration // how long until the next try is accepted
	Err       error         // ErrWrongPassword, ErrBackoff or ErrUnknownUser
}

func (e *UnlockError) Error() string {
	switch {
	case errors.Is(e.Err, ErrBackoff):
		return fmt.Sprintf("too many wrong passwords for %s: try again in %s", e.Username, roundWait(e.Wait))
	case errors.Is(e.Err, ErrUserDisabled):
		return fmt.Sprintf("the account %s has been disabled; ask a health information manager", e.Username)
	case errors.Is(e.Err, ErrUnknownUser):
		return fmt.Sprintf("there is no user named %q on this workstation", e.Username)
	case e.Wait > 0:
		return fmt.Sprintf("wrong password for %s; wait %s before the next try", e.Username, roundWait(e.Wait))
	case e.TriesLeft == 1:
		return fmt.Sprintf("wrong password for %s; 1 try left before a %s wait", e.Username, roundWait(FirstWait))
	default:
		return fmt.Sprintf("wrong password for %s; %d tries left before a %s wait", e.Username, e.TriesLeft, roundWait(FirstWait))
	}
}

func (e *UnlockError) Unwrap() error { return e.Err }

func roundWait(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%d s", int((d+time.Second-1)/time.Second))
	}
	return fmt.Sprintf("%d min %d s", int(d/time.Minute), int(d%time.Minute/time.Second))
}

// failure counters: 'c'+slotID -> count(4) | last failure unix ms(8);
// failure log: 'l'+seq(8) -> unix ms(8) | slotID.
func failKey(slotID string) []byte { return append([]byte{'c'}, slotID...) }

func readFailures(b *bolt.Bucket, slotID string) (uint32, time.Time) {
	v := b.Get(failKey(slotID))
	if len(v) != 12 {
		return 0, time.Time{}
	}
	return binary.BigEndian.Uint32(v), time.UnixMilli(int64(binary.BigEndian.Uint64(v[4:])))
}

func (s *Store) recordFailure(slotID string) (uint32, error) {
	var n uint32
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketUnlockFail)
		n, _ = readFailures(b, slotID)
		n++
		now := s.now()
		v := binary.BigEndian.AppendUint32(nil, n)
		v = binary.BigEndian.AppendUint64(v, uint64(now.UnixMilli()))
		if err := b.Put(failKey(slotID), v); err != nil {
			return err
		}
		seq, _ := b.NextSequence()
		lv := binary.BigEndian.AppendUint64(nil, uint64(now.UnixMilli()))
		return b.Put(binary.BigEndian.AppendUint64([]byte{'l'}, seq), append(lv, slotID...))
	})
	return n, err
}

// Unlock signs a user in with their password. On a wrong password it returns
// an [*UnlockError] that says how many tries are left, and records the
// failure; after [FreeTries] failures further tries wait (see [FirstWait]).
// Failures are written to the audit log at the next successful sign-in.
func (s *Store) Unlock(username string, password []byte) (err error) {
	defer recoverDamage(&err)
	return s.unlock(username, password)
}

// recoverDamage turns a panic of bbolt reading a damaged page (it asserts
// rather than returns an error) into [ErrTampered], so a damaged store is
// reported at sign-in instead of ending the program.
func recoverDamage(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: the store file is damaged (%v); restore it from a backup", ErrTampered, r)
	}
}

func (s *Store) unlock(username string, password []byte) error {
	secret := s.secret()
	if secret == nil {
		if s.deviceErr != nil {
			return fmt.Errorf("%w (%v)", ErrNoPracticeSecret, s.deviceErr)
		}
		return ErrNoPracticeSecret
	}
	username = normalizeUsername(username)
	id := slotIDFor(secret, username)
	var (
		sl       *keyslot
		failures uint32
		last     time.Time
		dummy    KDFParams
	)
	if err := s.db.View(func(tx *bolt.Tx) error {
		failures, last = readFailures(tx.Bucket(bucketUnlockFail), id)
		var err error
		sl, err = getSlot(tx, id)
		if errors.Is(err, ErrNotFound) {
			dummy = dummyKDFParams(tx, id)
		}
		return err
	}); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	if wait := backoffFor(failures) - s.now().Sub(last); wait > 0 {
		return &UnlockError{Username: username, Wait: wait, Err: ErrBackoff}
	}
	if sl != nil && sl.Kind == slotDisabled {
		return &UnlockError{Username: username, Err: ErrUserDisabled}
	}
	var (
		sc  slotContent
		err error
	)
	if sl == nil {
		// An unknown username is answered as a wrong password, after the
		// same key derivation a real slot costs, so that neither the
		// message nor the time tells which usernames exist.
		if kek, derr := deriveSlotKey(password, secret, dummy, id); derr == nil {
			clear(kek)
		}
		err = ErrWrongPassword
	} else {
		sc, err = openPasswordSlot(secret, id, sl, password)
	}
	if errors.Is(err, ErrWrongPassword) {
		n, ferr := s.recordFailure(id)
		if ferr != nil {
			return ferr
		}
		left := int(FreeTries) - int(n)
		return &UnlockError{Username: username, TriesLeft: max(left, 0), Wait: backoffFor(n), Err: ErrWrongPassword}
	}
	if err != nil {
		return err
	}
	defer sc.wipe()
	key, err := newDataKey(sl.Epoch, bytes.Clone(sc.key))
	if err != nil {
		return err
	}
	sess := &session{key: key}
	if sc.seed != nil {
		sess.adminPub = ed25519.PublicKey(bytes.Clone(sc.adminPub))
		if err := sess.setOwn(sc.seed); err != nil {
			key.wipe()
			return err
		}
	}
	return s.startSession(sess, sc.userID, "login", password)
}

// dummyKDFParams are the parameters of the derivation done for an unknown
// username: those of the practice's first password slot (so the work is
// what a real user's slot costs on this practice), else those a new slot
// gets, with a salt that depends on the slot ID only.
func dummyKDFParams(tx *bolt.Tx, id string) KDFParams {
	var p KDFParams
	c := tx.Bucket(bucketSlots).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if sl, err := decodeSlot(v); err == nil && sl.Kind == slotPassword && sl.KDF != nil && sl.KDF.check() == nil {
			p = *sl.KDF
			break
		}
	}
	if p.Time == 0 {
		p = newKDFParams()
	}
	salt := sha256.Sum256([]byte("chartkeeper dummy slot\x00" + id))
	p.Salt = salt[:16]
	return p
}

// startSession checks the user, moves pending failed sign-ins into the audit
// log, clears this user's failure counter and makes the session current.
//
// sess holds the keys of the slot; the user record's grants add the rest.
// A store made before the key hierarchy moves to it here, at the first
// sign-in of an HIM manager (password is theirs, to rewrite their slot).
func (s *Store) startSession(sess *session, userID, action string, password []byte) error {
	var edited []Problem // what the sign-in's writes found edited (digest.go)
	err := s.db.Update(func(btx *bolt.Tx) error {
		tx := &Tx{s: s, btx: btx, sess: sess, write: true}
		if sess.adminPub == nil {
			sess.adminPub = tx.adminPub()
		}
		if err := tx.takeAdminChain(sess); err != nil {
			return err
		}
		r, err := tx.Get(userID)
		if err != nil {
			return fmt.Errorf("the user of this keyslot: %w", err)
		}
		if err := tx.checkHeadSigned(r); err != nil {
			return err
		}
		var ub userBody
		if err := json.Unmarshal(r.Body, &ub); err != nil {
			return fmt.Errorf("%w: user record %s: %v", ErrTampered, r.ID, err)
		}
		u := ub.User
		u.ID, u.Rev = r.ID, r.Rev
		if u.Disabled {
			return ErrUserDisabled
		}
		sess.user = u
		switch {
		case sess.own != nil:
			if err := sess.openGrants(u.ID, ub.userKeys, sess.own); err != nil {
				return err
			}
		case sess.adminPub != nil && !sess.recovery:
			sess.renew = true
		case sess.adminPub == nil && u.Role == RoleHIM && password != nil:
			if err := tx.moveToKeyHierarchy(password); err != nil {
				return fmt.Errorf("moving the practice to its new keys: %w", err)
			}
		}
		if err := tx.readPracticeKeys(); err != nil {
			return err
		}
		if err := tx.publishClinicalDocKey(); err != nil {
			return fmt.Errorf("publishing the practice's key for clinical documents: %w", err)
		}
		if err := tx.flushFailures(); err != nil {
			return err
		}
		if err := tx.digestAtSignIn(); err != nil {
			return err
		}
		if err := btx.Bucket(bucketUnlockFail).Delete(failKey(slotIDFor(s.secret(), u.Username))); err != nil {
			return err
		}
		err = tx.Audit(AuditEvent{Action: action})
		edited = tx.digestEdited
		return err
	})
	if err != nil {
		sess.wipe()
		return err
	}
	s.stopStateCheck() // the previous session's, before its keys go
	s.mu.Lock()
	old := s.sess
	s.sess = sess
	s.mu.Unlock()
	if old != nil && old != sess {
		old.end()
	}
	// The state digest is checked once the sign-in succeeded: a file too
	// damaged to sign in to is not walked (digestcheck.go).
	s.startStateCheck(sess, s.quickStateCheck(sess, edited))
	return nil
}

// flushFailures writes the failed sign-ins recorded while locked into the
// audit log, naming the user where the slot ID matches one.
func (tx *Tx) flushFailures() error {
	b := tx.btx.Bucket(bucketUnlockFail)
	c := b.Cursor()
	var names map[string]User
	var done [][]byte
	for k, v := c.Seek([]byte{'l'}); k != nil && k[0] == 'l'; k, v = c.Next() {
		if names == nil {
			names = map[string]User{}
			_ = tx.List(TypeUser, func(r Record) error {
				if u, err := decodeUser(r); err == nil {
					names[slotIDFor(tx.s.secret(), u.Username)] = u
				}
				return nil
			})
		}
		ev := AuditEvent{Action: "login.failed", Flagged: true}
		if len(v) >= 8 {
			ev.Time = time.UnixMilli(int64(binary.BigEndian.Uint64(v)))
			if u, ok := names[string(v[8:])]; ok {
				ev.UserID, ev.Username = u.ID, u.Username
			} else {
				ev.Detail = "unknown username"
			}
		}
		if err := tx.Audit(ev); err != nil {
			return err
		}
		done = append(done, append([]byte(nil), k...))
	}
	for _, k := range done {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// Lock ends the session: the sign-out is audited and the data key is zeroed
// in memory, with the sync credentials opened during the session. Locking a locked store does nothing.
func (s *Store) Lock() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sess == nil {
		return
	}
	// Best effort: a full disk must not keep the key in memory.
	_ = s.db.Update(func(btx *bolt.Tx) error {
		tx := &Tx{s: s, btx: btx, sess: s.sess, write: true}
		return tx.Audit(AuditEvent{Action: "logout"})
	})
	s.stopStateCheck()
	s.sess.end()
	s.sess = nil
}

// UnlockWithRecovery opens the practice with its recovery key, sets a new
// password for username and signs them in. On a workstation that lost its
// device file (or a restored backup) it also restores the practice secret.
func (s *Store) UnlockWithRecovery(recoveryKey, username string, newPassword []byte) error {
	if err := CheckPassword(newPassword, username); err != nil {
		return err
	}
	var sl *keyslot
	if err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		sl, err = getSlot(tx, recoverySlotID)
		return err
	}); err != nil {
		return fmt.Errorf("the recovery slot: %w", err)
	}
	rc, err := openRecoverySlot(s.practiceID, sl, recoveryKey)
	if err != nil {
		return err
	}
	defer rc.wipe()
	if s.secret() == nil { // missing or damaged device file
		dev := &deviceFile{PracticeID: s.practiceID, DeviceID: NewID(), PracticeSecret: bytes.Clone(rc.secret)}
		if err := writeDeviceFile(s.dir, dev); err != nil {
			return err
		}
		s.devMu.Lock()
		s.device, s.deviceErr = dev, nil
		s.devMu.Unlock()
	}
	sess, err := recoverySession(sl, &rc)
	if err != nil {
		return err
	}
	sess.user = User{Role: RoleHIM}
	var (
		userID string
		seed   []byte
	)
	err = s.db.Update(func(btx *bolt.Tx) error {
		tx := &Tx{s: s, btx: btx, sess: sess, write: true}
		if sess.adminPub == nil && tx.adminPub() != nil {
			// The practice moved to the key hierarchy, which made a new
			// recovery key; this one is the old one.
			return ErrWrongRecoveryKey
		}
		u, err := tx.findUser(username)
		if err != nil {
			return err
		}
		if u.Disabled {
			return ErrUserDisabled
		}
		userID = u.ID
		sess.user = u
		if seed, err = tx.setPassword(u, newPassword); err != nil {
			return err
		}
		return tx.Audit(AuditEvent{Action: "recovery.passwd", Subject: u.ID, Detail: u.Username, Flagged: true})
	})
	if err != nil {
		sess.wipe()
		return err
	}
	// The user's own session: the recovery session's keys are dropped and
	// the user gets what their slot and grants give.
	us := &session{key: sess.key, adminPub: sess.adminPub}
	sess.key = nil
	sess.wipe()
	if seed != nil {
		if err := us.setOwn(seed); err != nil {
			us.wipe()
			return err
		}
	}
	return s.startSession(us, userID, "login.recovery", newPassword)
}

// recoverySession holds the keys of the recovery slot.
func recoverySession(sl *keyslot, rc *recoveryContent) (*session, error) {
	key, err := newDataKey(sl.Epoch, bytes.Clone(rc.key))
	if err != nil {
		return nil, err
	}
	sess := &session{key: key, recovery: true}
	if sl.V == 2 {
		if rc.clinicalRing != nil {
			sess.clinical, err = parseKeyring(CompartmentClinical, bytes.Clone(rc.clinicalRing))
		} else {
			sess.clinical, err = newCompartmentKey(CompartmentClinical, rc.clinicalEpoch, bytes.Clone(rc.clinical))
		}
		if err != nil {
			sess.wipe()
			return nil, err
		}
		if rc.generalRing != nil {
			if sess.general, err = parseKeyring(CompartmentGeneral, bytes.Clone(rc.generalRing)); err != nil {
				sess.wipe()
				return nil, err
			}
		}
		if rc.adminNew != nil {
			sess.admin = ed25519.NewKeyFromSeed(rc.adminNew)
		} else {
			sess.admin = ed25519.NewKeyFromSeed(rc.adminSeed)
		}
		sess.adminPub = sess.admin.Public().(ed25519.PublicKey)
		audit := rc.auditSeed
		if rc.auditRing != nil {
			audit = rc.auditRing
		}
		if err := sess.setAuditRing(bytes.Clone(audit)); err != nil {
			sess.wipe()
			return nil, err
		}
		sess.auditPub, sess.auditPubEpoch = sess.auditKey.PublicKey().Bytes(), sess.auditEpoch
	}
	return sess, nil
}

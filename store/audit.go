package store

import (
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"
)

// AuditEvent is one entry of the append-only audit log.
type AuditEvent struct {
	Seq      uint64    `json:"-"`
	Time     time.Time `json:"t"`
	UserID   string    `json:"uid,omitempty"`
	Username string    `json:"u,omitempty"`
	Device   string    `json:"d,omitempty"`
	Action   string    `json:"a"`           // e.g. "view", "record.create", "login.failed"
	Subject  string    `json:"s,omitempty"` // the record concerned (a patient's ID, a user's ID)
	Detail   string    `json:"x,omitempty"`
	Flagged  bool      `json:"f,omitempty"` // needs review (break-glass, failed sign-ins)
	// Workstation names the workstation whose log holds the entry; set
	// only by AuditLogAll (see auditsync.go), never stored.
	Workstation string `json:"-"`
}

// The audit log is a hash chain of sealed entries. Entry n is stored as
//
//	key n (8 bytes) -> h(n-1) | seal(event, AD = "audit" | n | h(n-1))
//
// with h(n) = SHA-256(n | stored value n) and h(0) all zeros. The head (n,
// h(n)) is sealed in meta/audithead. Changing an entry breaks its seal;
// moving or reordering breaks the AD; deleting one breaks the next entry's
// link; cutting the tail leaves the head pointing past the end. Without the
// data key none of that can be repaired.
const auditHashSize = sha256.Size

type auditHead struct {
	seq  uint64
	hash [auditHashSize]byte
}

func auditKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

func auditEntryAD(seq uint64, prev []byte) []byte {
	return adBuilder("audit").u64(seq).bytes(prev)
}

var auditHeadAD = adBuilder("meta").str("audithead")

func auditHash(seq uint64, stored []byte) [auditHashSize]byte {
	h := sha256.New()
	h.Write(auditKey(seq))
	h.Write(stored)
	var out [auditHashSize]byte
	copy(out[:], h.Sum(nil))
	return out
}

func (tx *Tx) readAuditHead() (auditHead, error) {
	var h auditHead
	v := tx.btx.Bucket(bucketMeta).Get(keyAuditHead)
	if v == nil {
		return h, nil
	}
	pt, err := tx.sess.key.open(nil, v, auditHeadAD)
	if err != nil {
		return h, fmt.Errorf("audit log head: %w", err)
	}
	if len(pt) != 8+auditHashSize {
		return h, fmt.Errorf("audit log head: %w", ErrTampered)
	}
	h.seq = binary.BigEndian.Uint64(pt)
	copy(h.hash[:], pt[8:])
	return h, nil
}

// Audit appends ev to the audit log in this transaction. Time, user and
// device are filled in when empty.
func (tx *Tx) Audit(ev AuditEvent) error {
	if !tx.write {
		return fmt.Errorf("store: audit in a read-only transaction")
	}
	if ev.Time.IsZero() {
		ev.Time = tx.s.now()
	}
	ev.Time = ev.Time.UTC().Truncate(time.Millisecond)
	if ev.UserID == "" && ev.Username == "" {
		ev.UserID, ev.Username = tx.sess.user.ID, tx.sess.user.Username
	}
	if ev.Device == "" {
		ev.Device = tx.s.DeviceID()
	}
	head, err := tx.readAuditHead()
	if err != nil {
		return err
	}
	seq := head.seq + 1
	body, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	stored := append(make([]byte, 0, auditHashSize+sealOverhead+33+len(body)), head.hash[:]...)
	stored, err = tx.sealAuditEntry(stored, body, auditEntryAD(seq, head.hash[:]))
	if err != nil {
		return err
	}
	if err := tx.btx.Bucket(bucketAudit).Put(auditKey(seq), stored); err != nil {
		return err
	}
	h := auditHash(seq, stored)
	hv := append(binary.BigEndian.AppendUint64(nil, seq), h[:]...)
	sealed := tx.sess.key.seal(nil, hv, auditHeadAD)
	if err := tx.digestSet(tagMeta, keyAuditHead, sealed, ""); err != nil {
		return err
	}
	return tx.btx.Bucket(bucketMeta).Put(keyAuditHead, sealed)
}

// Audit appends one event in its own transaction.
func (s *Store) Audit(ev AuditEvent) error {
	return s.Update(func(tx *Tx) error { return tx.Audit(ev) })
}

// AuditLog calls fn with every audit entry from sequence number from (1 is
// the first), in order, checking the chain as it goes.
func (tx *Tx) AuditLog(from uint64, fn func(AuditEvent) error) error {
	return tx.walkAudit(from, fn)
}

// AuditLog reads the audit log; see [Tx.AuditLog].
func (s *Store) AuditLog(from uint64, fn func(AuditEvent) error) error {
	return s.View(func(tx *Tx) error { return tx.AuditLog(from, fn) })
}

// walkAudit verifies the chain from the first entry (it must, to know each
// entry's predecessor hash) and calls fn for entries at or after from.
func (tx *Tx) walkAudit(from uint64, fn func(AuditEvent) error) error {
	head, err := tx.readAuditHead()
	if err != nil {
		return err
	}
	c := tx.btx.Bucket(bucketAudit).Cursor()
	var prev [auditHashSize]byte
	want := uint64(1)
	op := tx.auditOpener()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) != 8 {
			return tampered(T("audit log: %v: unexpected key"), ErrTampered)
		}
		seq := binary.BigEndian.Uint64(k)
		if seq != want {
			return tampered(T("audit log: %v: entry %d is missing (found %d next)"), ErrTampered, want, seq)
		}
		if len(v) < auditHashSize || [auditHashSize]byte(v[:auditHashSize]) != prev {
			return tampered(T("audit log: %v: entry %d does not follow entry %d (an entry was removed, replaced or reordered)"), ErrTampered, seq, seq-1)
		}
		pt, opened, err := op.open(v[auditHashSize:], auditEntryAD(seq, prev[:]))
		if err != nil {
			return fmt.Errorf("audit log: entry %d: %w", seq, err)
		}
		prev = auditHash(seq, v)
		want++
		if seq < from {
			continue
		}
		var ev AuditEvent
		switch {
		case opened:
			if err := json.Unmarshal(pt, &ev); err != nil {
				return fmt.Errorf("audit log: entry %d: %w: %v", seq, ErrTampered, err)
			}
		case !tx.auditLinksOnly:
			return fmt.Errorf("audit log: %w", &KeyError{Compartment: CompartmentAudit})
		}
		ev.Seq = seq
		if err := fn(ev); err != nil {
			return err
		}
	}
	if want-1 != head.seq {
		return tampered(T("audit log: %v: the log ends at entry %d but its sealed head says %d (entries were cut off)"), ErrTampered, want-1, head.seq)
	}
	if head.seq > 0 && prev != head.hash {
		return tampered(T("audit log: %v: the last entry does not match the sealed head"), ErrTampered)
	}
	return nil
}

// Audit entries are sealed to the practice's audit public key (keys.go), so
// every role appends and only HIM managers read: such an entry's sealed
// part is
//
//	3 | ephemeral X25519 public key (32) | value sealed as by the general key
//
// under the key the ephemeral key shares with the audit key. One ephemeral
// key serves a whole transaction (a bulk import writes thousands of
// entries); readers keep the keys they derived. Entries written before the
// practice moved to the key hierarchy are sealed under the general key.
// The chain's hashes run over the sealed entries, so anyone can check the
// links; only the audit key opens what they say.
const sealVersionTo = 3

func (tx *Tx) sealAuditEntry(dst, body, ad []byte) ([]byte, error) {
	if tx.sess.auditPub == nil {
		return tx.sess.key.seal(dst, body, ad), nil
	}
	if tx.auditAEAD == nil {
		epub, aead, err := sealerTo(tx.sess.auditPub)
		if err != nil {
			return nil, err
		}
		tx.auditEpub, tx.auditAEAD = epub, aead
	}
	dst = append(append(dst, sealVersionTo), tx.auditEpub...)
	// The inner epoch names the audit key's epoch (0 before the first
	// rotation, rotate.go), so a reader picks the key of its keyring.
	return sealWith(tx.auditAEAD, tx.sess.auditPubEpoch, dst, body, ad), nil
}

// auditOpener opens audit entries with a session's keys.
type auditOpener struct {
	sess  *session
	cache map[[32]byte]cipher.AEAD
}

func (tx *Tx) auditOpener() *auditOpener { return &auditOpener{sess: tx.sess} }

// open opens an entry's sealed part. opened is false, with no error, for
// an entry sealed to the audit key when the session does not hold it.
func (o *auditOpener) open(sealed, ad []byte) (pt []byte, opened bool, err error) {
	if len(sealed) == 0 || sealed[0] != sealVersionTo {
		pt, err = o.sess.key.open(nil, sealed, ad)
		return pt, true, err
	}
	if len(sealed) < 1+32+sealOverhead {
		return nil, false, fmt.Errorf("%w: sealed value too short (%d bytes)", ErrTampered, len(sealed))
	}
	epoch := binary.BigEndian.Uint32(sealed[34:38])
	epub := [32]byte(sealed[1:33])
	if aead := o.cache[epub]; aead != nil {
		pt, err = openWith(aead, epoch, nil, sealed[33:], ad)
		return pt, true, err
	}
	keys := o.sess.auditKeys(epoch)
	if len(keys) == 0 {
		return nil, false, nil // a role without the audit key
	}
	for _, key := range keys {
		aead, oerr := openerFrom(key, epub[:])
		if oerr != nil {
			return nil, false, oerr
		}
		if pt, err = openWith(aead, epoch, nil, sealed[33:], ad); err == nil {
			if o.cache == nil {
				o.cache = map[[32]byte]cipher.AEAD{}
			}
			o.cache[epub] = aead
			return pt, true, nil
		}
	}
	// A session holding the audit key holds every epoch of it (its grant
	// is the whole keyring, and sync brings the new grant before the
	// entries sealed to the new key: revisions are pulled before audit
	// logs), so an entry none of them opens is damaged or forged.
	return nil, true, err
}

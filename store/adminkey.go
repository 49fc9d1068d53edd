package store

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The administration key's chain (docs/SECURITY.md, "Keys and sealing";
// docs/STORE.md, "The administration key's chain").
//
// Removing an HIM manager (disabling them, or moving them to another
// role) or revoking a device makes a new Ed25519 administration key in
// the rotating transaction (rotate.go). The change is a revision of the
// record [AdminKeyID] (type [TypeAdminKey]): a link naming the key it
// replaces, the new key, its place in the chain, and every head of every
// signed record at that moment (record ID and revision IDs), signed by
// the replaced key. In the same transaction every one of those records
// gets a new revision, same body, signed by the new key; the remaining
// HIM managers' grants and the recovery slot's pending keys get the new
// seed; meta/adminpub and the practice keys record name it.
//
// The chain starts at the practice's first administration key, the anchor
// (meta/adminanchor once the key changed; every password slot holds a key
// of the chain). Each link must be signed by the key before it. A
// revision signed by the newest key is good; one signed by a replaced
// key only when it was already written when that key was replaced: it is
// one of the heads the replacing link lists, or an ancestor of one. A
// revision a removed HIM manager signs afterwards with their copy of the
// old key is neither, and every workstation, sign-in and verify refuses
// it.

// TypeAdminKey is the record type of the administration key's chain; the
// one such record has ID [AdminKeyID].
const (
	TypeAdminKey = "adminkey"
	AdminKeyID   = "adminkey"
)

// keyAdminAnchor is the practice's first administration public key, in
// clear, kept from the first change of the key on (before that it is
// meta/adminpub).
var keyAdminAnchor = []byte("adminanchor")

// adminHead is one signed record's heads when a key was replaced.
type adminHead struct {
	ID   string   `json:"id"`
	Revs []string `json:"revs"`
}

// adminLink is the body of a revision of the chain record.
type adminLink struct {
	N     uint32      `json:"n"` // 1 for the first change
	Prev  []byte      `json:"prev"`
	Pub   []byte      `json:"pub"`
	At    HLC         `json:"at"`
	Heads []adminHead `json:"heads"`
	Sig   []byte      `json:"sig,omitempty"`
}

func (l *adminLink) message(practiceID string) []byte {
	q := *l
	q.Sig = nil
	b, _ := json.Marshal(q)
	return adBuilder("chartkeeper admin key link v1").str(practiceID).bytes(b)
}

// adminChain is the chain as a store holds it: keys[0] is the anchor,
// links[i] replaced keys[i] by keys[i+1].
type adminChain struct {
	keys     []ed25519.PublicKey
	links    []adminLink
	head     Rev // the chain record's head, zero without one
	accepted []map[string]bool
}

func (c *adminChain) newest() ed25519.PublicKey {
	if c == nil || len(c.keys) == 0 {
		return nil
	}
	return c.keys[len(c.keys)-1]
}

func (c *adminChain) index(pub []byte) int {
	if c == nil {
		return -1
	}
	return slices.IndexFunc(c.keys, func(k ed25519.PublicKey) bool { return bytes.Equal(k, pub) })
}

// adminChain reads and checks the chain (once per transaction). A
// practice still on one data key has none (nil).
func (tx *Tx) adminChain() (*adminChain, error) {
	if tx.adminCh != nil {
		return tx.adminCh, nil
	}
	meta := tx.btx.Bucket(bucketMeta)
	anchor := meta.Get(keyAdminAnchor)
	if len(anchor) != ed25519.PublicKeySize {
		anchor = meta.Get(keyAdminPub)
	}
	if len(anchor) != ed25519.PublicKeySize {
		if tx.sess == nil || tx.sess.adminPub == nil {
			return nil, nil
		}
		anchor = tx.sess.adminPub
	}
	ch := &adminChain{keys: []ed25519.PublicKey{slices.Clone(anchor)}}
	leaves, err := tx.readLeaves(AdminKeyID)
	if err != nil {
		return nil, err
	}
	if len(leaves) > 0 {
		// The winner's line: import keeps the record linear, so another
		// head is a change this workstation refused or never wrote.
		hs, _, err := tx.openHeads(AdminKeyID, leaves)
		if err != nil {
			return nil, fmt.Errorf("the administration key's chain: %w", err)
		}
		rev, err := ParseRev(hs[0].rec.Rev)
		if err != nil {
			return nil, err
		}
		ch.head = rev
		var line []adminLink
		for !rev.IsZero() {
			v := tx.btx.Bucket(bucketRevs).Get(revKey(AdminKeyID, rev))
			if v == nil {
				return nil, fmt.Errorf("%w: the administration key's chain misses revision %s", ErrTampered, rev)
			}
			env, p, err := tx.openRev(AdminKeyID, rev, v)
			if err != nil {
				return nil, fmt.Errorf("the administration key's chain: %w", err)
			}
			var l adminLink
			if env.Type != TypeAdminKey || p.Deleted || json.Unmarshal(p.Body, &l) != nil || len(env.Parents) > 1 {
				return nil, fmt.Errorf("%w: the administration key's chain has a damaged revision %s", ErrTampered, rev)
			}
			line = append(line, l)
			rev = Rev{}
			if len(env.Parents) == 1 {
				rev = env.Parents[0]
			}
		}
		slices.Reverse(line)
		if meta.Get(keyAdminAnchor) == nil && len(line) > 0 {
			// A workstation that learnt the chain before it kept its
			// anchor: the first link names it.
			ch.keys[0] = slices.Clone(ed25519.PublicKey(line[0].Prev))
		}
		for i, l := range line {
			if err := ch.checkLink(tx.s.practiceID, &l, i); err != nil {
				return nil, err
			}
			ch.links = append(ch.links, l)
			ch.keys = append(ch.keys, ed25519.PublicKey(slices.Clone(l.Pub)))
		}
	}
	ch.accepted = make([]map[string]bool, len(ch.links))
	tx.adminCh = ch
	return ch, nil
}

// checkLink checks that l is link i of the chain: it replaces the chain's
// newest key and carries that key's signature.
func (c *adminChain) checkLink(practiceID string, l *adminLink, i int) error {
	if l.N != uint32(i+1) || len(l.Pub) != ed25519.PublicKeySize || !bytes.Equal(l.Prev, c.keys[i]) ||
		len(l.Sig) != ed25519.SignatureSize || !ed25519.Verify(c.keys[i], l.message(practiceID), l.Sig) {
		return fmt.Errorf("%w: change %d of the administration key is not signed by the key it replaces", ErrTampered, i+1)
	}
	if c.index(l.Pub) >= 0 {
		return fmt.Errorf("%w: change %d of the administration key brings back an earlier key", ErrTampered, i+1)
	}
	return nil
}

// wroteBefore reports whether revision rev of record id was written before
// link i of the chain replaced its key: one of the heads the link lists,
// or an ancestor of one.
func (tx *Tx) wroteBefore(ch *adminChain, i int, id string, rev Rev) bool {
	if ch.accepted[i] == nil {
		set := map[string]bool{}
		revs := tx.btx.Bucket(bucketRevs)
		for _, h := range ch.links[i].Heads {
			var todo []Rev
			for _, s := range h.Revs {
				if r, err := ParseRev(s); err == nil {
					todo = append(todo, r)
				}
			}
			for len(todo) > 0 {
				r := todo[len(todo)-1]
				todo = todo[:len(todo)-1]
				k := h.ID + "\x00" + r.String()
				if set[k] {
					continue
				}
				set[k] = true
				if env, err := decodeEnvelope(revs.Get(revKey(h.ID, r))); err == nil {
					todo = append(todo, env.Parents...)
				}
			}
		}
		ch.accepted[i] = set
	}
	return ch.accepted[i][id+"\x00"+rev.String()]
}

// checkAdminSig checks an administration signature of revision rev of
// record id against the chain.
func (tx *Tx) checkAdminSig(id string, rev Rev, env *envelope, p *payload, msg []byte) error {
	ch, err := tx.adminChain()
	if err != nil {
		return err
	}
	if ch == nil {
		return fmt.Errorf("%w: %s record %s carries a wrong signature", ErrTampered, env.Type, id)
	}
	if ed25519.Verify(ch.newest(), msg, p.Sig) {
		return nil
	}
	for i := len(ch.links) - 1; i >= 0; i-- {
		if !ed25519.Verify(ch.keys[i], msg, p.Sig) {
			continue
		}
		if !rev.IsZero() && tx.wroteBefore(ch, i, id, rev) {
			return nil
		}
		return fmt.Errorf("%w: %s record %s is signed by an administration key replaced before it was written", ErrTampered, env.Type, id)
	}
	return fmt.Errorf("%w: %s record %s carries a wrong signature", ErrTampered, env.Type, id)
}

// signedHeads lists every head of every record of a signed type, by ID.
func (tx *Tx) signedHeads() ([]adminHead, error) {
	var out []adminHead
	c := tx.btx.Bucket(bucketTypes).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		i := bytes.IndexByte(k, 0)
		if i < 0 {
			continue
		}
		typ, id := string(k[:i]), string(k[i+1:])
		if typ == TypeAdminKey || tx.s.rule(typ).Signed == Unsigned {
			continue
		}
		leaves, err := tx.readLeaves(id)
		if err != nil {
			return nil, err
		}
		h := adminHead{ID: id}
		for _, l := range leaves {
			h.Revs = append(h.Revs, l.Rev.String())
		}
		if len(h.Revs) > 0 {
			out = append(out, h)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// rotateAdmin replaces the administration key in the rotating
// transaction: the link, the re-signed records, meta/adminpub, the
// recovery public key's signature and the change the sync server is to
// learn. The caller then hands the new seed to the HIM managers and the
// recovery slot, and writes the practice keys record. It returns how many
// records it signed again.
func (tx *Tx) rotateAdmin() (int, error) {
	sess := tx.sess
	ch, err := tx.adminChain()
	if err != nil {
		return 0, err
	}
	if ch == nil || sess.admin == nil || !bytes.Equal(sess.admin.Public().(ed25519.PublicKey), ch.newest()) {
		return 0, fmt.Errorf("%w: changing the administration key needs the practice's current one", ErrPermission)
	}
	heads, err := tx.signedHeads()
	if err != nil {
		return 0, err
	}
	seed := randomBytes(ed25519.SeedSize)
	nk := ed25519.NewKeyFromSeed(seed)
	clear(seed)
	old := sess.admin
	link := adminLink{N: uint32(len(ch.links) + 1), Prev: slices.Clone(ch.newest()), Pub: nk.Public().(ed25519.PublicKey), At: tx.s.clock.next(), Heads: heads}
	link.Sig = ed25519.Sign(old, link.message(tx.s.practiceID))
	body, err := json.Marshal(link)
	if err != nil {
		return 0, err
	}
	meta := tx.btx.Bucket(bucketMeta)
	if meta.Get(keyAdminAnchor) == nil {
		if err := meta.Put(keyAdminAnchor, slices.Clone(ch.keys[0])); err != nil {
			return 0, err
		}
	}
	tx.adminLinkWrite = true
	_, err = tx.put(TypeAdminKey, AdminKeyID, ch.head.String(), payload{Body: body})
	tx.adminLinkWrite = false
	if err != nil {
		return 0, err
	}
	if err := meta.Put(keyAdminPub, slices.Clone(link.Pub)); err != nil {
		return 0, err
	}
	sess.admin, sess.adminPub = nk, slices.Clone(ed25519.PublicKey(link.Pub))
	sess.adminKeys = append(slices.Clone(ch.keys), sess.adminPub)
	tx.adminCh = nil
	// The recovery public key kept for the sync server, signed again.
	if v := meta.Get(keyRecoveryPub); len(v) == ed25519.PublicKeySize+ed25519.SignatureSize {
		pub := slices.Clone(v[:ed25519.PublicKeySize])
		if VerifyAdmin(link.Prev, recoveryPubPurpose, append([]byte(tx.s.practiceID), pub...), v[ed25519.PublicKeySize:]) {
			sig := ed25519.Sign(nk, adminMessage(recoveryPubPurpose, append([]byte(tx.s.practiceID), pub...)))
			if err := meta.Put(keyRecoveryPub, append(pub, sig...)); err != nil {
				return 0, err
			}
		}
	}
	if err := tx.putPendingAdminKey(old, link.Pub); err != nil {
		return 0, err
	}
	// Every signed record again, same body, under the new key.
	n := 0
	for _, h := range heads {
		r, err := tx.Get(h.ID)
		if err != nil {
			return 0, fmt.Errorf("signing record %s again: %w", h.ID, err)
		}
		if r.Deleted || r.Type == TypePracticeKeys {
			continue // a tombstone stays as listed; the caller writes the practice keys
		}
		if _, err := tx.Put(r.Type, r.ID, r.Rev, r.Body); err != nil {
			return 0, fmt.Errorf("signing record %s again: %w", h.ID, err)
		}
		n++
	}
	return n, nil
}

// importAdminLink checks an imported revision of the chain record: it
// must continue the chain this workstation holds (a change made from a
// key the chain already replaced is refused), and it makes its key the
// practice's.
func (tx *Tx) importAdminLink(id string, env *envelope, p *payload) error {
	ch, err := tx.adminChain()
	if err != nil {
		return err
	}
	var l adminLink
	if id != AdminKeyID || p.Deleted || ch == nil || json.Unmarshal(p.Body, &l) != nil {
		return fmt.Errorf("%w: a damaged change of the administration key", ErrTampered)
	}
	want := []Rev(nil)
	if !ch.head.IsZero() {
		want = []Rev{ch.head}
	}
	if !slices.Equal(env.Parents, want) {
		return fmt.Errorf("%w: a change of the administration key that does not continue this workstation's chain", ErrTampered)
	}
	if err := ch.checkLink(tx.s.practiceID, &l, len(ch.links)); err != nil {
		return err
	}
	meta := tx.btx.Bucket(bucketMeta)
	if meta.Get(keyAdminAnchor) == nil {
		if err := meta.Put(keyAdminAnchor, slices.Clone(ch.keys[0])); err != nil {
			return err
		}
	}
	tx.adminCh = nil
	return meta.Put(keyAdminPub, slices.Clone(l.Pub))
}

// adminCurrent reports whether the session's administration key is the
// chain's newest (a session signed in before another workstation's change
// arrived holds a replaced key, which signs nothing any more).
func (tx *Tx) adminCurrent() error {
	ch, err := tx.adminChain()
	if err != nil {
		return err
	}
	if ch != nil && !bytes.Equal(tx.sess.admin.Public().(ed25519.PublicKey), ch.newest()) {
		return fmt.Errorf("%w: the administration key changed on another workstation; sign in again", ErrPermission)
	}
	return nil
}

// The change the sync server is to learn (docs/SYNC.md, "Practice
// keys"): the new public key, signed by the key it replaces, over the
// practice, the new key and the time. Kept in meta/ until the server
// acknowledged it.
var keyAdminKeyPending = []byte("adminkey.pending")

// AdminKeyPurpose is the purpose of the replaced administration key's
// signature of its successor, for the sync server ([AdminKeyMessage]).
const AdminKeyPurpose = "practice.admin-key"

// AdminKeyMessage is what the replaced administration key signs (for
// [AdminKeyPurpose]) to name its successor at the sync server.
func AdminKeyMessage(practiceID string, newKey []byte, at time.Time) []byte {
	return adBuilder("").str(practiceID).bytes(newKey).u64(uint64(at.Unix()))
}

// AdminKeyChange is a change of the administration key for the sync
// server: NewKey signed, by the key it replaces (OldKey), for
// [AdminKeyPurpose] over [AdminKeyMessage].
type AdminKeyChange struct {
	OldKey []byte    `json:"old_key"`
	NewKey []byte    `json:"new_key"`
	At     time.Time `json:"at"`
	Sig    []byte    `json:"sig"`
}

func (tx *Tx) putPendingAdminKey(old ed25519.PrivateKey, pub []byte) error {
	meta := tx.btx.Bucket(bucketMeta)
	var list []AdminKeyChange
	if v := meta.Get(keyAdminKeyPending); v != nil {
		_ = json.Unmarshal(v, &list) // a damaged list is replaced
	}
	at := time.Now().UTC().Truncate(time.Second)
	list = append(list, AdminKeyChange{OldKey: slices.Clone(old.Public().(ed25519.PublicKey)), NewKey: slices.Clone(pub), At: at,
		Sig: ed25519.Sign(old, adminMessage(AdminKeyPurpose, AdminKeyMessage(tx.s.practiceID, pub, at)))})
	b, _ := json.Marshal(list)
	return meta.Put(keyAdminKeyPending, b)
}

// PendingAdminKeys are the changes of the administration key this
// workstation made that the sync server has not acknowledged yet, oldest
// first.
func (s *Store) PendingAdminKeys() []AdminKeyChange {
	var list []AdminKeyChange
	_ = s.db.View(func(btx *bolt.Tx) error {
		if v := btx.Bucket(bucketMeta).Get(keyAdminKeyPending); v != nil {
			_ = json.Unmarshal(v, &list)
		}
		return nil
	})
	return list
}

// AdminKeyAcknowledged drops the pending change to newKey and those before
// it: the sync server holds newKey.
func (s *Store) AdminKeyAcknowledged(newKey []byte) error {
	return s.db.Update(func(btx *bolt.Tx) error {
		meta := btx.Bucket(bucketMeta)
		var list []AdminKeyChange
		if v := meta.Get(keyAdminKeyPending); v != nil {
			_ = json.Unmarshal(v, &list)
		}
		i := slices.IndexFunc(list, func(c AdminKeyChange) bool { return bytes.Equal(c.NewKey, newKey) })
		if i < 0 {
			return nil
		}
		list = list[i+1:]
		if len(list) == 0 {
			return meta.Delete(keyAdminKeyPending)
		}
		b, _ := json.Marshal(list)
		return meta.Put(keyAdminKeyPending, b)
	})
}

// errAdminLinkWrite refuses a chain record written other than by a
// rotation.
var errAdminLinkWrite = errors.New("the administration key changes only when a health information manager is removed or a device revoked")

// inAdminChain reports whether pub is one of the practice's
// administration keys, the newest or one the chain replaced.
func (tx *Tx) inAdminChain(pub []byte) bool {
	ch, err := tx.adminChain()
	if err != nil || ch == nil {
		cur := tx.adminPub()
		return cur != nil && bytes.Equal(pub, cur)
	}
	return ch.index(pub) >= 0
}

// takeAdminChain gives a signing-in session the chain's keys: the key its
// slot (or the recovery slot) holds must be one of them, and the newest
// becomes the session's. A recovery session holding a replaced key signs
// nothing.
func (tx *Tx) takeAdminChain(sess *session) error {
	if sess.adminPub == nil {
		return nil
	}
	ch, err := tx.adminChain()
	if err != nil || ch == nil {
		return err
	}
	if len(ch.links) == 0 {
		return nil // the key never changed
	}
	if ch.index(sess.adminPub) < 0 {
		return fmt.Errorf("%w: the keyslot's administration key is not one of the practice's", ErrTampered)
	}
	sess.adminKeys = slices.Clone(ch.keys)
	sess.adminPub = slices.Clone(ch.newest())
	if sess.admin != nil && !bytes.Equal(sess.admin.Public().(ed25519.PublicKey), sess.adminPub) {
		clear(sess.admin)
		sess.admin = nil
	}
	return nil
}

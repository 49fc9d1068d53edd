package store

import (
	"bytes"
	"container/heap"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"iter"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// Audit entries travel between workstations exactly as they are stored
// (see audit.go): entry n is h(n-1) | seal(event), and h(n) = SHA-256(n |
// stored bytes n). The chain therefore covers the sealed bytes, so whoever
// holds a device's entries can check that they continue one another without
// any key, while only a holder of the data key can read or make one.
//
// Other workstations' chains are kept apart from this workstation's own,
// one bucket per device, created on first import:
//
//	auditpeers/
//	  <deviceID>/
//	    <seq>               the entry as the device stored it (8-byte key)
//	    head                sealed (last seq, last hash, workstation name)
//
// An entry is imported only if it opens with the data key and continues
// the imported chain; the sealed head catches a cut-off tail.
var (
	bucketAuditPeers = []byte("auditpeers")
	keyPeerHead      = []byte("head")
)

// MaxAuditWireSize bounds one audit entry as it travels.
const MaxAuditWireSize = 64 << 10

// AuditHashSize is the size of an audit chain hash.
const AuditHashSize = auditHashSize

// AuditWire is one audit entry of a device's chain as it travels: its
// sequence number and its stored bytes (previous hash | sealed event).
type AuditWire struct {
	Seq    uint64 `json:"seq"`
	Stored []byte `json:"stored"`
}

// AuditEntryHash is h(seq) of an entry with these stored bytes.
func AuditEntryHash(seq uint64, stored []byte) [AuditHashSize]byte { return auditHash(seq, stored) }

// AuditLink is the previous entry's hash an entry's stored bytes carry, or
// nil when they are too short to be an entry.
func AuditLink(stored []byte) []byte {
	if len(stored) < auditHashSize+sealOverhead {
		return nil
	}
	return stored[:auditHashSize]
}

// AuditHead is the last entry of a chain: its sequence number (0 for an
// empty chain) and its hash.
type AuditHead struct {
	Seq  uint64
	Hash [AuditHashSize]byte
}

// OwnAuditHead is the head of this workstation's own audit chain.
func (tx *Tx) OwnAuditHead() (AuditHead, error) {
	h, err := tx.readAuditHead()
	return AuditHead{Seq: h.seq, Hash: h.hash}, err
}

// ExportAudit returns up to limit entries of this workstation's own chain
// from sequence from on (and, beyond the first, at most maxBytes of them),
// each checked against its predecessor and opened before it leaves.
func (tx *Tx) ExportAudit(from uint64, limit, maxBytes int) ([]AuditWire, error) {
	if from == 0 {
		from = 1
	}
	b := tx.btx.Bucket(bucketAudit)
	var prev [auditHashSize]byte
	if from > 1 {
		pv := b.Get(auditKey(from - 1))
		if pv == nil {
			return nil, fmt.Errorf("audit log: %w: entry %d is missing", ErrTampered, from-1)
		}
		prev = auditHash(from-1, pv)
	}
	var out []AuditWire
	size := 0
	op := tx.auditOpener()
	for seq := from; len(out) < limit; seq++ {
		v := b.Get(auditKey(seq))
		if v == nil {
			break
		}
		if len(out) > 0 && size+len(v) > maxBytes {
			break
		}
		if len(v) < auditHashSize || [auditHashSize]byte(v[:auditHashSize]) != prev {
			return nil, fmt.Errorf("audit log: %w: entry %d does not follow entry %d", ErrTampered, seq, seq-1)
		}
		if _, _, err := op.open(v[auditHashSize:], auditEntryAD(seq, prev[:])); err != nil {
			return nil, fmt.Errorf("audit log: entry %d: %w", seq, err)
		}
		prev = auditHash(seq, v)
		size += len(v)
		out = append(out, AuditWire{Seq: seq, Stored: bytes.Clone(v)})
	}
	return out, nil
}

// peerHead is an imported chain's sealed head.
type peerHead struct {
	seq  uint64
	hash [auditHashSize]byte
	name string
}

func peerHeadAD(device string) []byte { return adBuilder("auditpeer").str(device) }

func (tx *Tx) readPeerHead(device string, b *bolt.Bucket) (peerHead, error) {
	var h peerHead
	if b == nil {
		return h, nil
	}
	v := b.Get(keyPeerHead)
	if v == nil {
		return h, fmt.Errorf("audit log of workstation %s: %w: its head is missing", shortID(device), ErrTampered)
	}
	pt, err := tx.sess.key.open(nil, v, peerHeadAD(device))
	if err != nil {
		return h, fmt.Errorf("audit log of workstation %s: head: %w", shortID(device), err)
	}
	if len(pt) < 8+auditHashSize {
		return h, fmt.Errorf("audit log of workstation %s: %w: bad head", shortID(device), ErrTampered)
	}
	h.seq = binary.BigEndian.Uint64(pt)
	copy(h.hash[:], pt[8:])
	h.name = string(pt[8+auditHashSize:])
	return h, nil
}

func (tx *Tx) peerBucket(device string) *bolt.Bucket {
	root := tx.btx.Bucket(bucketAuditPeers)
	if root == nil {
		return nil
	}
	return root.Bucket([]byte(device))
}

// PeerAuditHead is the head of the chain imported from device (zero when
// nothing has been imported from it).
func (tx *Tx) PeerAuditHead(device string) (AuditHead, error) {
	h, err := tx.readPeerHead(device, tx.peerBucket(device))
	return AuditHead{Seq: h.seq, Hash: h.hash}, err
}

// ImportAudit adds entries of another workstation's chain: they must
// follow the imported head of that device without a gap, each must carry
// its predecessor's hash and open with the data key. name (the
// workstation's name as the server knows it; may be empty) is kept for the
// audit views. On any failure nothing of the call is stored (the caller's
// transaction is rolled back by its error).
func (tx *Tx) ImportAudit(device, name string, entries []AuditWire) (int, error) {
	r, err := tx.importAudit(device, name, "", entries, false)
	return r.Imported, err
}

// AuditImport is what [Tx.ImportAuditSettingAside] did with a batch.
type AuditImport struct {
	Imported int // entries imported
	SetAside int // entries set aside
	// Rewound says the chain's head went back to its last entry imported
	// (the entries after it were set aside and the server now holds
	// others there): pull the stream again from the new head.
	Rewound bool
}

// ImportAuditSettingAside is [Tx.ImportAudit] for sync: an entry that
// does not continue the imported chain, does not open with the data key
// or is not an audit event is set aside ([Tx.PutSetAside], as sent by
// sentBy), and the chain's head moves past it (to its hash, so the
// entries that follow it on the server still import). When the entry
// after entries set aside at the head does not continue them, the head
// goes back once to the last entry imported (AuditImport.Rewound) and the
// rest of the batch is left for the caller to pull again. Only entries out
// of sequence (a gap or a repeat: the server's numbering is wrong) fail
// the call, with nothing stored.
func (tx *Tx) ImportAuditSettingAside(device, name, sentBy string, entries []AuditWire) (AuditImport, error) {
	return tx.importAudit(device, name, sentBy, entries, true)
}

func (tx *Tx) importAudit(device, name, sentBy string, entries []AuditWire, setAside bool) (AuditImport, error) {
	var res AuditImport
	if !tx.write {
		return res, fmt.Errorf("store: audit import in a read-only transaction")
	}
	if !ValidRecordID(device) || device == tx.s.DeviceID() {
		return res, fmt.Errorf("audit import: bad workstation ID")
	}
	if len(name) > 200 || !utf8.ValidString(name) {
		name = ""
	}
	root, err := tx.btx.CreateBucketIfNotExists(bucketAuditPeers)
	if err != nil {
		return res, err
	}
	b := root.Bucket([]byte(device))
	head, err := tx.readPeerHead(device, b)
	if err != nil {
		return res, err
	}
	if b == nil {
		if b, err = root.CreateBucket([]byte(device)); err != nil {
			return res, err
		}
	}
	if name == "" {
		name = head.name
	}
	op := tx.auditOpener()
	for _, e := range entries {
		if e.Seq != head.seq+1 {
			return res, fmt.Errorf("audit log of workstation %s: %w: entry %d came where entry %d was due", shortID(device), ErrTampered, e.Seq, head.seq+1)
		}
		reason, err := tx.checkPeerEntry(op, device, head.hash, e)
		if err != nil && !setAside {
			return res, err
		}
		if err != nil && reason == reasonNoLink {
			if k, ok := tx.rewindPoint(device, b, head.seq); ok {
				// The entries set aside last are no longer what the
				// server holds there (its operator removed them and
				// the workstation pushed its own): take the stream
				// again from the last entry imported, once.
				if err := tx.SetSyncMark(rewindMark(device), head.seq); err != nil {
					return res, err
				}
				head.seq, head.hash = k, [auditHashSize]byte{}
				if k > 0 {
					head.hash = auditHash(k, b.Get(auditKey(k)))
				}
				res.Rewound = true
				break
			}
		}
		if err != nil {
			h := auditHash(e.Seq, e.Stored)
			it := SetAside{Kind: SetAsideAudit, Device: sentBy, ID: device, Seq: e.Seq, Reason: reason, Bytes: e.Stored, ChainHash: h[:]}
			added, err := tx.PutSetAside(it)
			if err != nil {
				return res, err
			}
			if added {
				res.SetAside++
			}
		} else {
			if err := b.Put(auditKey(e.Seq), bytes.Clone(e.Stored)); err != nil {
				return res, err
			}
			res.Imported++
		}
		head.seq, head.hash = e.Seq, auditHash(e.Seq, e.Stored)
	}
	head.name = name
	if err := tx.writePeerHead(device, b, head); err != nil {
		return res, err
	}
	return res, nil
}

// rewindMark names the sync mark that remembers where device's stream
// was last taken again from (so it happens once per place).
func rewindMark(device string) string { return "auditrewind:" + device }

// rewindPoint says where device's imported chain, whose head is entry
// seq, can be taken again from when the entry after seq does not continue
// it: the last entry imported before the entries set aside at its end. ok
// is false when entry seq was not set aside, or the chain was already
// taken again from there.
func (tx *Tx) rewindPoint(device string, b *bolt.Bucket, seq uint64) (uint64, bool) {
	if seq == 0 || tx.SyncMark(rewindMark(device)) == seq {
		return 0, false
	}
	k := seq
	for k > 0 && b.Get(auditKey(k)) == nil {
		if _, aside := tx.setAsideAuditHash(device, k); !aside {
			return 0, false
		}
		k--
	}
	return k, k < seq
}

// RewindAudit takes device's imported chain back to its last imported
// entry when the entries at its end were set aside, once per place (see
// [Tx.ImportAuditSettingAside]): sync calls it when the server's stream
// ends otherwise than the imported chain (shorter, or with another last
// hash), so the entries the server holds there now are pulled again. ok
// says the head moved.
func (tx *Tx) RewindAudit(device string) (ok bool, err error) {
	if !tx.write {
		return false, fmt.Errorf("store: write in a read-only transaction")
	}
	b := tx.peerBucket(device)
	if b == nil {
		return false, nil
	}
	head, err := tx.readPeerHead(device, b)
	if err != nil {
		return false, err
	}
	k, ok := tx.rewindPoint(device, b, head.seq)
	if !ok {
		return false, nil
	}
	if err := tx.SetSyncMark(rewindMark(device), head.seq); err != nil {
		return false, err
	}
	head.seq, head.hash = k, [auditHashSize]byte{}
	if k > 0 {
		head.hash = auditHash(k, b.Get(auditKey(k)))
	}
	return true, tx.writePeerHead(device, b, head)
}

func (tx *Tx) writePeerHead(device string, b *bolt.Bucket, head peerHead) error {
	hv := binary.BigEndian.AppendUint64(nil, head.seq)
	hv = append(append(hv, head.hash[:]...), head.name...)
	return b.Put(keyPeerHead, tx.sess.key.seal(nil, hv, peerHeadAD(device)))
}

// reasonNoLink is checkPeerEntry's reason for an entry that does not
// carry its predecessor's hash.
const reasonNoLink = "it does not continue its workstation's audit log"

// checkPeerEntry checks that e continues device's imported chain, whose
// last hash is prev, and opens as an audit event; on failure it says why
// in plain words and in an error.
func (tx *Tx) checkPeerEntry(op *auditOpener, device string, prev [auditHashSize]byte, e AuditWire) (string, error) {
	if len(e.Stored) > MaxAuditWireSize {
		return "it is too large", fmt.Errorf("audit log of workstation %s: %w: entry %d is too large", shortID(device), ErrTampered, e.Seq)
	}
	if AuditLink(e.Stored) == nil || [auditHashSize]byte(e.Stored[:auditHashSize]) != prev {
		return reasonNoLink, fmt.Errorf("audit log of workstation %s: %w: entry %d does not continue its log", shortID(device), ErrTampered, e.Seq)
	}
	// An entry sealed to the audit key opens only for an HIM manager's
	// session; for the others its link and size are what can be checked.
	pt, opened, err := op.open(e.Stored[auditHashSize:], auditEntryAD(e.Seq, prev[:]))
	if err != nil {
		return "it was not sealed by this practice", fmt.Errorf("audit log of workstation %s: entry %d: %w", shortID(device), e.Seq, err)
	}
	if !opened {
		return "", nil
	}
	var ev AuditEvent
	if err := json.Unmarshal(pt, &ev); err != nil {
		return "it is not a well-formed audit entry", fmt.Errorf("audit log of workstation %s: entry %d: %w: %v", shortID(device), e.Seq, ErrTampered, err)
	}
	return "", nil
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// auditPeers lists the devices whose chains were imported.
func (tx *Tx) auditPeers() []string {
	root := tx.btx.Bucket(bucketAuditPeers)
	if root == nil {
		return nil
	}
	var out []string
	c := root.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v == nil {
			out = append(out, string(k))
		}
	}
	return out
}

// walkPeerAudit checks an imported chain from its first entry and calls fn
// with each event, like walkAudit does for the own chain.
func (tx *Tx) walkPeerAudit(device string, fn func(AuditEvent, [auditHashSize]byte) error) (peerHead, error) {
	b := tx.peerBucket(device)
	head, err := tx.readPeerHead(device, b)
	if err != nil || b == nil {
		return head, err
	}
	who := Problemf(T("audit log of workstation %s"), shortID(device))
	c := b.Cursor()
	var prev [auditHashSize]byte
	want := uint64(1)
	op := tx.auditOpener()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if bytes.Equal(k, keyPeerHead) {
			continue
		}
		if len(k) != 8 {
			return head, tampered(T("%s: %v: unexpected key"), who, ErrTampered)
		}
		seq := binary.BigEndian.Uint64(k)
		// Entries set aside on import are not here; the chain runs
		// through their hashes.
		for ; seq > want; want++ {
			h, ok := tx.setAsideAuditHash(device, want)
			if !ok {
				break
			}
			prev = h
		}
		if seq != want {
			return head, tampered(T("%s: %v: entry %d is missing (found %d next)"), who, ErrTampered, want, seq)
		}
		if len(v) < auditHashSize || [auditHashSize]byte(v[:auditHashSize]) != prev {
			return head, tampered(T("%s: %v: entry %d does not follow entry %d (an entry was removed, replaced or reordered)"), who, ErrTampered, seq, seq-1)
		}
		pt, opened, err := op.open(v[auditHashSize:], auditEntryAD(seq, prev[:]))
		if err != nil {
			return head, fmt.Errorf("%s: entry %d: %w", who, seq, err)
		}
		prev = auditHash(seq, v)
		want++
		var ev AuditEvent
		switch {
		case opened:
			if err := json.Unmarshal(pt, &ev); err != nil {
				return head, fmt.Errorf("%s: entry %d: %w: %v", who, seq, ErrTampered, err)
			}
		case !tx.auditLinksOnly:
			return head, fmt.Errorf("%s: %w", who, &KeyError{Compartment: CompartmentAudit})
		}
		ev.Seq = seq
		if err := fn(ev, prev); err != nil {
			return head, err
		}
	}
	for ; want <= head.seq; want++ {
		h, ok := tx.setAsideAuditHash(device, want)
		if !ok {
			break
		}
		prev = h
	}
	if want-1 != head.seq {
		return head, tampered(T("%s: %v: it ends at entry %d but its sealed head says %d (entries were cut off)"), who, ErrTampered, want-1, head.seq)
	}
	if head.seq > 0 && prev != head.hash {
		return head, tampered(T("%s: %v: the last entry does not match the sealed head"), who, ErrTampered)
	}
	return head, nil
}

// verifyAuditPeers checks every imported chain for Verify.
func (tx *Tx) verifyAuditPeers(rep *VerifyReport) {
	for _, d := range tx.auditPeers() {
		if _, err := tx.walkPeerAudit(d, func(AuditEvent, [auditHashSize]byte) error { rep.AuditEntries++; return nil }); err != nil {
			rep.problem("%v", err)
		}
	}
}

// auditItem is one event of one chain in the merged listing.
type auditItem struct {
	ev   AuditEvent
	hash [auditHashSize]byte
}

// auditStream pulls the events of one chain in order.
type auditStream struct {
	next    func() (auditItem, error, bool)
	stop    func()
	cur     auditItem
	genesis [auditHashSize]byte
	index   int
}

type auditHeap []*auditStream

func (h auditHeap) Len() int { return len(h) }
func (h auditHeap) Less(i, j int) bool {
	if !h[i].cur.ev.Time.Equal(h[j].cur.ev.Time) {
		return h[i].cur.ev.Time.Before(h[j].cur.ev.Time)
	}
	return h[i].index < h[j].index
}
func (h auditHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *auditHeap) Push(x any)   { *h = append(*h, x.(*auditStream)) }
func (h *auditHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// ThisWorkstation is what AuditLogAll names this workstation's own
// entries by: English, for the screens to show in the person's language.
const ThisWorkstation = "this workstation"

// AuditLogAll calls fn with the events of every audit chain this
// workstation holds — its own and those imported from the other
// workstations — merged by time (each chain keeps its own order), every
// chain checked as it is read. Each event's Workstation names the chain's
// device: ThisWorkstation, the name the server gave, or a short ID. A
// workstation restored from a backup continues the old device's chain, so
// entries held in two chains (the same hash at the same place) are listed
// once.
func (tx *Tx) AuditLogAll(fn func(AuditEvent) error) error {
	own := tx.s.DeviceID()
	label := func(ev *AuditEvent, device, name string) {
		switch {
		case ev.Device == own:
			ev.Workstation = ThisWorkstation
		case ev.Device == device && name != "":
			ev.Workstation = name
		default:
			ev.Workstation = shortID(ev.Device)
		}
	}
	var streams []*auditStream
	defer func() {
		for _, s := range streams {
			s.stop()
		}
	}()
	add := func(seq iter.Seq2[auditItem, error]) {
		next, stop := iter.Pull2(seq)
		streams = append(streams, &auditStream{next: next, stop: stop, index: len(streams)})
	}
	add(func(yield func(auditItem, error) bool) {
		var prev [auditHashSize]byte
		b := tx.btx.Bucket(bucketAudit)
		err := tx.walkAudit(1, func(ev AuditEvent) error {
			prev = auditHash(ev.Seq, b.Get(auditKey(ev.Seq)))
			label(&ev, own, "")
			if !yield(auditItem{ev: ev, hash: prev}, nil) {
				return errStopWalk
			}
			return nil
		})
		if err != nil && err != errStopWalk {
			yield(auditItem{}, err)
		}
	})
	for _, d := range tx.auditPeers() {
		h, err := tx.readPeerHead(d, tx.peerBucket(d))
		if err != nil {
			return err
		}
		add(func(yield func(auditItem, error) bool) {
			_, err := tx.walkPeerAudit(d, func(ev AuditEvent, hash [auditHashSize]byte) error {
				label(&ev, d, h.name)
				if !yield(auditItem{ev: ev, hash: hash}, nil) {
					return errStopWalk
				}
				return nil
			})
			if err != nil && err != errStopWalk {
				yield(auditItem{}, err)
			}
		})
	}
	// Prime every stream; chains that share their first entry share a
	// prefix (a restored workstation), so only they need de-duplication.
	h := auditHeap{}
	firsts := map[[auditHashSize]byte]int{}
	for _, s := range streams {
		it, err, ok := s.next()
		if err != nil {
			return err
		}
		if ok {
			s.cur, s.genesis = it, it.hash
			firsts[it.hash]++
			h = append(h, s)
		}
	}
	heap.Init(&h)
	seen := map[[auditHashSize]byte]bool{}
	for h.Len() > 0 {
		s := h[0]
		it := s.cur
		emit := true
		if firsts[s.genesis] > 1 {
			emit = !seen[it.hash]
			seen[it.hash] = true
		}
		if emit {
			if err := fn(it.ev); err != nil {
				return err
			}
		}
		nx, err, ok := s.next()
		if err != nil {
			return err
		}
		if ok {
			s.cur = nx
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
	}
	return nil
}

var errStopWalk = fmt.Errorf("stop")

// AuditLogAll reads every audit chain merged by time; see [Tx.AuditLogAll].
func (s *Store) AuditLogAll(fn func(AuditEvent) error) error {
	return s.View(func(tx *Tx) error { return tx.AuditLogAll(fn) })
}

// AuditAlert records in this workstation's audit log, flagged for review,
// that the sync server refused another workstation's audit log (its log
// was rolled back or edited there). The server is not trusted for this:
// the entry says the server reported it.
func (tx *Tx) AuditAlert(device, name, reason string, at time.Time) error {
	who := shortID(device)
	if name != "" {
		who = name + " (" + who + ")"
	}
	if len(reason) > 300 {
		reason = reason[:300]
	}
	return tx.Audit(AuditEvent{Username: "(sync server)", Action: "audit.sync.refused", Subject: device, Flagged: true,
		Detail: fmt.Sprintf(detailAuditRefused,
			at.UTC().Format(time.RFC3339), who, reason)})
}

// WorkstationName is the name the server gave device, as kept with its
// imported audit chain ("" when none was imported).
func (tx *Tx) WorkstationName(device string) string {
	if !ValidRecordID(device) || tx.sess == nil {
		return ""
	}
	h, err := tx.readPeerHead(device, tx.peerBucket(device))
	if err != nil {
		return ""
	}
	return h.name
}

package syncserver

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"time"

	"chartkeeper/syncproto"
)

// Backend is the server's storage. Implementations: syncserver/boltbackend
// (one bbolt file, the default) and syncserver/pgbackend (PostgreSQL).
// Every implementation must pass backendtest.Run.
//
// A backend holds, per practice: its devices with the SHA-256 of their
// tokens and their public signing keys, a log of sealed revisions numbered by a server sequence that
// starts at 1 and only grows, its blobs, one audit stream per device, and
// a running total of its stored bytes. It never sees a key or a plaintext.
// Every method refuses an unknown practice with ErrUnknownPractice (the
// errors are syncproto's); nothing of one practice is ever reachable
// through another.
type Backend interface {
	// ServerID names this server's storage; clients key their checkpoints
	// by it, so a server replaced by a new empty one is noticed.
	ServerID() string
	// RegisterPractice creates a practice with its first device and its
	// public keys (either may be empty). It returns ErrPracticeExists when
	// the practice is already there.
	RegisterPractice(ctx context.Context, practiceID string, first Device, keys PracticeKeys) error
	// PracticeKeys returns the practice's public keys (empty for a
	// practice registered before they were kept); ErrUnknownPractice.
	PracticeKeys(ctx context.Context, practiceID string) (PracticeKeys, error)
	// ReplacePracticeKeys sets the practice's keys to next if they are
	// old at that moment (compare and swap, one transaction); otherwise
	// it changes nothing and returns ErrPracticeKeysChanged.
	ReplacePracticeKeys(ctx context.Context, practiceID string, old, next PracticeKeys) error
	// AddDevice enrolls another device; ErrDeviceExists if the ID is taken.
	AddDevice(ctx context.Context, practiceID string, d Device) error
	// Device returns one device, ErrUnknownPractice or ErrUnknownDevice.
	Device(ctx context.Context, practiceID, deviceID string) (Device, error)
	// Devices lists a practice's devices, revoked ones included, by ID.
	Devices(ctx context.Context, practiceID string) ([]Device, error)
	// SetDeviceKey gives a device enrolled before devices had signing
	// keys its public key, once: a device that has one already keeps it
	// (the same key again is no error, another is ErrDeviceKeyExists).
	// ErrUnknownPractice or ErrUnknownDevice as for Device. The key counts
	// against the quota.
	SetDeviceKey(ctx context.Context, practiceID, deviceID string, publicKey []byte) error
	// RevokeDevice marks a device revoked at the given time (once; a
	// second revocation keeps the first time).
	RevokeDevice(ctx context.Context, practiceID, deviceID string, at time.Time) error
	// AddEnrollment stores a one-time enrollment of a practice, keyed by
	// its token hash; ErrUnknownPractice when there is no such practice.
	AddEnrollment(ctx context.Context, practiceID string, e Enrollment) error
	// RedeemEnrollment uses the enrollment with that token hash, at time
	// now, for device d, atomically: it enrolls d, marks the enrollment
	// used, forgets its sealed bytes and returns them. It refuses an
	// unknown enrollment (or practice) with ErrUnknownEnrollment, a used
	// one with ErrEnrollmentUsed, an expired one with ErrEnrollmentExpired
	// (forgetting its sealed bytes), one whose issuing device has been
	// revoked with ErrIssuerRevoked, and a taken device ID with
	// ErrDeviceExists; a refusal changes nothing else.
	RedeemEnrollment(ctx context.Context, practiceID string, tokenHash []byte, d Device, now time.Time) ([]byte, error)
	// SweepEnrollments forgets the sealed bytes of every enrollment of
	// every practice that has expired at now (as RedeemEnrollment does for
	// one it is asked for), so an expired code left unused opens nothing
	// even with a copy of the storage; it returns how many it forgot. The
	// server calls it at start and every few minutes. A backend also makes
	// sure the forgotten bytes, and those a redeem forgot since the last
	// sweep, do not linger in its files (bbolt: free pages overwritten;
	// PostgreSQL: the table rewritten).
	SweepEnrollments(ctx context.Context, now time.Time) (int, error)
	// Push stores the revisions that are not there yet (by record ID and
	// revision), in order, each with the next sequence number and deviceID
	// as its pusher, and returns only once they are durable. Every parent
	// must be stored already or come earlier in the batch; otherwise
	// nothing is stored and the error is ErrMissingParent. Pushing the same
	// revisions again changes nothing.
	Push(ctx context.Context, practiceID, deviceID string, revs []syncproto.Rev) (syncproto.PushResponse, error)
	// Changes returns revisions with a sequence above since, in order: at
	// most limit of them and, beyond the first, at most maxBytes of sealed
	// bytes. Revisions pushed by skipDevice (if not "") are left out but
	// accounted for in LastSeq.
	Changes(ctx context.Context, practiceID string, since uint64, limit, maxBytes int, skipDevice string) (syncproto.ChangesResponse, error)

	// Blobs, by ID: the declared size and chunk count, the sealed chunks
	// and, once committed, the sealed header and a blob sequence number
	// (starting at 1, only growing) that orders the practice's blob feed.

	// BeginBlob records an upload of blob id by deviceID of size bytes in
	// chunks chunks (the server has checked both against each other and
	// against MaxBlobSize). If the blob is there already with the same
	// size and chunk count, nothing changes; with another, the error is
	// ErrBlobMismatch. It returns the blob's state: the chunks held, and
	// whether (and with what sequence) it is committed.
	BeginBlob(ctx context.Context, practiceID, deviceID, id string, size int64, chunks uint32, now time.Time) (syncproto.BlobState, error)
	// PutBlobChunk stores chunk index of a begun blob durably, replacing a
	// copy sent before. It refuses a blob never begun (ErrUnknownBlob), an
	// index beyond its chunks or sealed bytes whose length is not
	// [syncproto.BlobChunkSealedSize] (ErrBadRequest), and, once the blob is
	// committed, bytes other than those it holds (ErrBlobMismatch; the
	// same bytes again are fine).
	PutBlobChunk(ctx context.Context, practiceID, id string, index uint32, sealed []byte) error
	// CommitBlob stores the sealed header of a blob whose chunks are all
	// there and gives it the practice's next blob sequence number, in one
	// durable transaction: only then do BlobFeed, BlobHeader and BlobChunk
	// show it. It refuses a blob never begun (ErrUnknownBlob) or with
	// chunks missing (ErrBlobIncomplete). Committing again with the same
	// header changes nothing; with another it is ErrBlobMismatch.
	CommitBlob(ctx context.Context, practiceID, id string, header []byte) (syncproto.BlobState, error)
	// BlobFeed lists committed blobs with a sequence above since, in
	// order, at most limit of them; LastSeq is the last listed (since when
	// none) and More says whether more follow.
	BlobFeed(ctx context.Context, practiceID string, since uint64, limit int) (syncproto.BlobFeedResponse, error)
	// BlobHeader returns a committed blob's sealed header and state;
	// ErrUnknownBlob when it is absent or not committed.
	BlobHeader(ctx context.Context, practiceID, id string) ([]byte, syncproto.BlobState, error)
	// BlobChunk returns chunk index of a committed blob; ErrUnknownBlob
	// when the blob is absent or not committed, or there is no such chunk.
	BlobChunk(ctx context.Context, practiceID, id string, index uint32) ([]byte, error)

	// Audit streams, one per device.

	// AuditStreams lists the practice's audit streams (with each device's
	// name), by device ID.
	AuditStreams(ctx context.Context, practiceID string) ([]syncproto.AuditStream, error)
	// AppendAudit adds entries to deviceID's stream in one durable
	// transaction by [PlanAuditAppend] on its stored state. When that
	// refuses with ErrAuditDiverged, the backend stores the refusal it
	// returns (only if the stream has none yet), commits that, and returns
	// the error; nothing else changes.
	AppendAudit(ctx context.Context, practiceID, deviceID string, req syncproto.AuditPushRequest, now time.Time) (syncproto.AuditStream, error)
	// AuditEntries returns deviceID's entries after since, in order: at
	// most limit and, beyond the first, at most maxBytes of stored bytes.
	// An unknown stream has no entries.
	AuditEntries(ctx context.Context, practiceID, deviceID string, since uint64, limit, maxBytes int) (syncproto.AuditEntriesResponse, error)

	// What devices pushed, for the operator (chartkeeperd items; see
	// "Items that fail their checks" in docs/SYNC.md).

	// Items lists the practice's revisions, documents (committed or not)
	// and audit entries that f selects, each kind in its sequence order.
	Items(ctx context.Context, practiceID string, f ItemFilter) ([]Item, error)
	// RemoveItems removes what f selects, of one device (f.Device must be
	// set), in one durable transaction, gives their bytes back to the
	// practice's usage, and returns how many items went. Sequence numbers
	// are never reused and the ends the server reports (a pull's LastSeq,
	// the blob feed's) never go back, so other devices' checkpoints stay
	// valid. An audit stream loses its tail from the first entry selected
	// on (a chain has no holes), and its refusal note. A revision that a
	// revision left in place names as its parent is not removed: the call
	// fails with ErrItemHasChildren and removes nothing.
	RemoveItems(ctx context.Context, practiceID string, f ItemFilter) (int, error)

	// Storage quota (quota.go).

	// SetQuota limits every practice's stored bytes to n from now on
	// (0: no limit). Writes past it fail with ErrQuotaExceeded, storing
	// nothing.
	SetQuota(n int64)
	// Usage is a practice's stored bytes (the running total).
	Usage(ctx context.Context, practiceID string) (int64, error)

	// RecordDeviceState checks the state a device sends with a push
	// against the last one it sent (syncproto.DeviceState.Follows) and
	// keeps it, in one durable transaction. It refuses a state behind the
	// kept one with an error wrapping ErrDeviceRolledBack, keeping the old
	// one; ErrUnknownPractice as elsewhere (devicestate.go).
	RecordDeviceState(ctx context.Context, practiceID, deviceID string, st syncproto.DeviceState, now time.Time) error

	// Close releases the storage.
	Close() error
}

// Device is an enrolled device as the server keeps it.
type Device struct {
	ID        string `json:"id"`
	Name      string `json:"name,omitempty"`
	TokenHash []byte `json:"token_hash"` // SHA-256 of the token
	// PublicKey is the device's Ed25519 signing key, which every request
	// of the device must be signed with; nil for a device enrolled before
	// devices had keys, until it registers one (SetDeviceKey).
	PublicKey []byte    `json:"public_key,omitempty"`
	Created   time.Time `json:"created"`
	Revoked   time.Time `json:"revoked,omitzero"`
}

// PracticeKeys are the public keys the server keeps with a practice
// (docs/SYNC.md, "Administration signatures"): the administration key,
// whose signature every revocation of another device and every
// enrollment must carry, and the recovery key, whose signature alone
// replaces the administration key. Each is an Ed25519 public key or
// empty. They are not counted against the quota (at most 64 bytes).
type PracticeKeys struct {
	Admin    []byte `json:"admin_key,omitempty"`
	Recovery []byte `json:"recovery_key,omitempty"`
}

// Equal reports whether k and o name the same keys.
func (k PracticeKeys) Equal(o PracticeKeys) bool {
	return bytes.Equal(k.Admin, o.Admin) && bytes.Equal(k.Recovery, o.Recovery)
}

// Enrollment is a one-time enrollment code as the server keeps it: the hash
// of its token and the sealed secrets it unlocks, which the server cannot
// open (the key is in the code, which the server never sees).
type Enrollment struct {
	TokenHash []byte    `json:"token_hash"`
	Sealed    []byte    `json:"sealed,omitempty"` // forgotten once used or expired
	Issuer    string    `json:"issuer"`           // the device that issued it
	Created   time.Time `json:"created"`
	Expires   time.Time `json:"expires"`
	Used      time.Time `json:"used,omitzero"`
	UsedBy    string    `json:"used_by,omitempty"`
}

// Kinds of [Item].
const (
	ItemRevision = "revision"
	ItemDocument = "document"
	ItemAudit    = "audit"
)

// Item is one thing a device pushed, as the operator sees it: never more
// than the server knows (IDs, sequence numbers, sizes).
type Item struct {
	Kind   string `json:"kind"` // ItemRevision, ItemDocument or ItemAudit
	Device string `json:"device"`
	// Seq is the server sequence of a revision, the blob sequence of a
	// committed document (0 while its upload is not committed), the
	// sequence number of an audit entry in its device's log.
	Seq  uint64 `json:"seq"`
	ID   string `json:"id,omitempty"`  // record ID (revision), document ID
	Rev  string `json:"rev,omitempty"` // revision ID
	Size int64  `json:"size"`          // bytes kept for it (sealed bytes)
}

// ItemFilter selects items. Empty fields select everything: Device one
// device's items, Kind one kind's, Seqs and IDs the items with one of
// these sequence numbers or IDs (an item matches if either list names
// it; with both empty, every item of the device and kind matches).
type ItemFilter struct {
	Device string
	Kind   string
	Seqs   []uint64
	IDs    []string
}

// Match reports whether f selects it.
func (f ItemFilter) Match(it Item) bool {
	if f.Device != "" && it.Device != f.Device || f.Kind != "" && it.Kind != f.Kind {
		return false
	}
	if len(f.Seqs) == 0 && len(f.IDs) == 0 {
		return true
	}
	return slices.Contains(f.Seqs, it.Seq) && (it.Kind != ItemDocument || it.Seq != 0) || it.ID != "" && slices.Contains(f.IDs, it.ID)
}

// ErrItemHasChildren refuses to remove a revision that a revision staying
// on the server continues.
var ErrItemHasChildren = errors.New("a revision left on the server continues one chosen for removal: remove it too, or leave both")

// ErrNoDevice refuses a removal that names no device.
var ErrNoDevice = errors.New("name the device whose items are removed")

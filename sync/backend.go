package sync

import (
	"context"
	"time"
)

// Backend is the server's storage. Implementations: [OpenBolt] (one bbolt
// file, the default) and sync/pgbackend (PostgreSQL). Every implementation
// must pass backendtest.Run.
//
// A backend holds, per practice: its devices with the SHA-256 of their
// tokens, and a log of sealed revisions numbered by a server sequence that
// starts at 1 and only grows. It never sees a key or a plaintext.
type Backend interface {
	// ServerID names this server's storage; clients key their checkpoints
	// by it, so a server replaced by a new empty one is noticed.
	ServerID() string
	// RegisterPractice creates a practice with its first device. It
	// returns ErrPracticeExists when the practice is already there.
	RegisterPractice(ctx context.Context, practiceID string, first Device) error
	// AddDevice enrolls another device; ErrDeviceExists if the ID is taken.
	AddDevice(ctx context.Context, practiceID string, d Device) error
	// Device returns one device, ErrUnknownPractice or ErrUnknownDevice.
	Device(ctx context.Context, practiceID, deviceID string) (Device, error)
	// Devices lists a practice's devices, revoked ones included, by ID.
	Devices(ctx context.Context, practiceID string) ([]Device, error)
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
	// Push stores the revisions that are not there yet (by record ID and
	// revision), in order, each with the next sequence number and deviceID
	// as its pusher, and returns only once they are durable. Every parent
	// must be stored already or come earlier in the batch; otherwise
	// nothing is stored and the error is ErrMissingParent. Pushing the same
	// revisions again changes nothing.
	Push(ctx context.Context, practiceID, deviceID string, revs []Rev) (PushResponse, error)
	// Changes returns revisions with a sequence above since, in order: at
	// most limit of them and, beyond the first, at most maxBytes of sealed
	// bytes. Revisions pushed by skipDevice (if not "") are left out but
	// accounted for in LastSeq.
	Changes(ctx context.Context, practiceID string, since uint64, limit, maxBytes int, skipDevice string) (ChangesResponse, error)
	// Close releases the storage.
	Close() error
}

// Device is an enrolled device as the server keeps it.
type Device struct {
	ID        string    `json:"id"`
	Name      string    `json:"name,omitempty"`
	TokenHash []byte    `json:"token_hash"` // SHA-256 of the token
	Created   time.Time `json:"created"`
	Revoked   time.Time `json:"revoked,omitzero"`
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

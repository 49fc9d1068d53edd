package syncproto

import "time"

// The protocol is JSON over HTTPS (version 1, paths under /v1/):
//
//	GET  /v1/health                    no credential; {"ok":true,"server_id":...}
//	POST /v1/register                  the first device of a practice registers it
//	POST /v1/push                      a batch of sealed revisions; inserted if absent
//	GET  /v1/changes?since=N&limit=L&wait=S
//	                                   revisions after server sequence N, long-polling
//	                                   up to S seconds when there are none
//	GET  /v1/devices                   the practice's devices
//	POST /v1/devices/revoke            revoke a device (administration-signed, admin.go)
//	POST /v1/devices/key               a device enrolled before devices had keys
//	                                   registers its public key, once (sign.go)
//	POST /v1/enroll                    an enrolled device leaves a one-time enrollment
//	                                   (token hash, sealed secrets, lifetime;
//	                                   administration-signed, admin.go)
//	GET  /v1/practice/keys             the practice's administration and recovery keys
//	POST /v1/practice/keys             set them (signed by both keys, admin.go)
//	POST /v1/enroll/redeem             no credential: a new workstation redeems an
//	                                   enrollment code's token and becomes a device
//	GET  /v1/audit/streams, POST /v1/audit/push, GET /v1/audit/entries
//	                                   audit log streams, one per device (audit.go)
//	/v1/blobs/...                      scanned documents (blobs.go)
//
// Every call but health, register and redeem carries the device's credential:
//
//	X-Chartkeeper-Practice:  <practice ID>
//	X-Chartkeeper-Device:    <device ID>
//	Authorization: Bearer <device token>
//	X-Chartkeeper-Signature: <the device's signature over the request (sign.go)>
//
// JSON rather than a binary framing: the sealed bytes are the bulk of every
// message and base64 costs a third more on the wire, but JSON is what every
// HTTP tool, proxy log and fuzzer understands, the Go standard library
// decodes it strictly, and a PostgreSQL backend can keep the same shapes.
// Batches are bounded (see the limits below), so nothing is ever held in
// memory beyond one batch.

// Limits the server enforces and the client keeps to.
const (
	MaxPushRevs     = 2000     // revisions in one push
	MaxPushBytes    = 32 << 20 // one push request body
	MaxPullLimit    = 2000     // revisions in one pull response
	MaxPullBytes    = 8 << 20  // sealed bytes in one pull response (at least one revision is always sent)
	MaxSmallBody    = 64 << 10 // bodies of register and device calls
	MaxLongPoll     = 60 * time.Second
	DefaultLongPoll = 25 * time.Second
)

// Header names of the device credential.
const (
	HeaderPractice = "X-Chartkeeper-Practice"
	HeaderDevice   = "X-Chartkeeper-Device"
)

// Rev is a revision as the server holds it: clear routing metadata and
// sealed bytes it cannot open.
type Rev struct {
	Seq      uint64   `json:"seq,omitempty"`     // server sequence; set by the server
	RecordID string   `json:"id"`                // random record ID
	Rev      string   `json:"rev"`               // "gen-hash"
	Parents  []string `json:"parents,omitempty"` // revision IDs of the parents
	Device   string   `json:"device,omitempty"`  // the device that pushed it; set by the server
	Sealed   []byte   `json:"sealed"`            // the sealed revision (see store.WireRev)
}

// PushRequest is the body of POST /v1/push.
type PushRequest struct {
	Revs []Rev `json:"revs"`
	// State is what the pushing workstation holds (devicestate.go); nil
	// from workstations made before it.
	State *DeviceState `json:"state,omitempty"`
}

// PushResponse acknowledges a push once it is durably stored.
type PushResponse struct {
	Inserted int    `json:"inserted"`
	Existing int    `json:"existing"`
	LastSeq  uint64 `json:"last_seq"`
}

// ChangesResponse is the body of GET /v1/changes.
type ChangesResponse struct {
	Revs []Rev `json:"revs"`
	// LastSeq is the sequence the client should ask after next time: the
	// last one this response accounts for (revisions pushed by the asking
	// device itself are skipped but accounted for).
	LastSeq uint64 `json:"last_seq"`
	More    bool   `json:"more"` // more revisions wait after LastSeq
	// ServerID is the server's storage ID (as in [Health]): a client
	// whose settings name another ID is talking to a new server.
	ServerID string `json:"server_id,omitempty"`
}

// RegisterRequest is the body of POST /v1/register.
type RegisterRequest struct {
	PracticeID         string `json:"practice"`
	DeviceID           string `json:"device"`
	DeviceName         string `json:"name,omitempty"`
	Token              string `json:"token"`      // the new device's credential, chosen by the device
	PublicKey          []byte `json:"public_key"` // the new device's signing key (sign.go)
	RegistrationSecret string `json:"registration_secret,omitempty"`
	// The practice's administration and recovery public keys (admin.go);
	// either may be absent (a practice not on the key hierarchy, a
	// registration without the recovery key) and be set later with
	// POST /v1/practice/keys.
	AdminKey    []byte `json:"admin_key,omitempty"`
	RecoveryKey []byte `json:"recovery_key,omitempty"`
}

// RevokeRequest is the body of POST /v1/devices/revoke.
type RevokeRequest struct {
	DeviceID string `json:"device"`
	// The administration key's signature over RevokeMessage and the time
	// it carries (admin.go); not needed for a device revoking itself.
	IssuedAt int64  `json:"issued_at,omitempty"`
	AdminSig []byte `json:"admin_sig,omitempty"`
}

// EnrollRequest is the body of POST /v1/enroll. The server keeps the hash
// of the code's token, never the token, and the sealed secrets, which open
// only with the key inside the code (the server never sees the code).
type EnrollRequest struct {
	TokenHash  []byte `json:"token_hash"`  // SHA-256 of the one-time token
	Sealed     []byte `json:"sealed"`      // practice secret and data key, sealed
	TTLSeconds int64  `json:"ttl_seconds"` // how long the code stays valid
	// The administration key's signature over EnrollMessage and the time
	// it carries (admin.go).
	IssuedAt int64  `json:"issued_at"`
	AdminSig []byte `json:"admin_sig"`
}

// EnrollResponse says when the enrollment expires, by the server's clock.
type EnrollResponse struct {
	Expires time.Time `json:"expires"`
}

// RedeemRequest is the body of POST /v1/enroll/redeem.
type RedeemRequest struct {
	PracticeID  string `json:"practice"`
	Token       string `json:"token"`  // the code's one-time token
	DeviceID    string `json:"device"` // the new workstation's device ID
	DeviceName  string `json:"name,omitempty"`
	DeviceToken string `json:"device_token"` // its credential from now on
	PublicKey   []byte `json:"public_key"`   // its signing key (sign.go)
}

// RedeemResponse hands the new device the sealed secrets, once.
type RedeemResponse struct {
	ServerID string `json:"server_id"`
	Sealed   []byte `json:"sealed"`
}

// Enrollment lifetimes the server accepts.
const (
	MinEnrollTTL     = time.Minute
	MaxEnrollTTL     = 7 * 24 * time.Hour
	DefaultEnrollTTL = 24 * time.Hour
)

// DeviceInfo describes a device in GET /v1/devices.
type DeviceInfo struct {
	ID      string    `json:"id"`
	Name    string    `json:"name,omitempty"`
	Created time.Time `json:"created"`
	Revoked time.Time `json:"revoked,omitzero"`
	// Keyless: enrolled before devices had signing keys and has not
	// registered one yet (its token alone may still register one).
	Keyless bool `json:"keyless,omitempty"`
}

// Health is the body of GET /v1/health.
type Health struct {
	OK       bool   `json:"ok"`
	ServerID string `json:"server_id"`
	Version  int    `json:"version"`
	// Time is the server's clock, by which administration statements are
	// dated (admin.go).
	Time time.Time `json:"time,omitzero"`
}

// ErrorResponse is the body of every refusal.
type ErrorResponse struct {
	Error string `json:"error"`
}

// ProtocolVersion is the version of the paths under /v1/.
const ProtocolVersion = 1

package syncproto

import (
	"time"

	"chartkeeper/store"
)

// Audit log sync (see "Audit log" in docs/SYNC.md). Every workstation's
// audit chain is a stream of its own on the server, keyed by the device
// that pushes it:
//
//	GET  /v1/audit/streams              every device's stream: last sequence,
//	                                    last hash, name, the first refusal
//	POST /v1/audit/push                 entries after the server's last one
//	                                    for the calling device
//	GET  /v1/audit/entries?device=D&since=N&limit=L
//	                                    device D's entries after sequence N
//
// The entries travel as the device stored them ([store.AuditWire]): the
// previous entry's hash, then the sealed event. The server learns device
// IDs, sequence numbers and sizes, and checks the chain without a key.

// Limits of audit sync.
const (
	MaxAuditPush      = 2000     // entries in one push
	MaxAuditPushBytes = 16 << 20 // one audit push body
	MaxAuditPull      = 2000     // entries in one pull response
)

// AuditStream is one device's audit chain as the server holds it.
type AuditStream struct {
	Device  string        `json:"device"`
	Name    string        `json:"name,omitempty"` // the device's name (GET only)
	Seq     uint64        `json:"seq"`            // the last entry held (0: none)
	Hash    []byte        `json:"hash,omitempty"` // its chain hash
	Refused *AuditRefusal `json:"refused,omitempty"`
}

// AuditRefusal records the first time the server refused a device's
// entries because they did not continue its chain.
type AuditRefusal struct {
	At     time.Time `json:"at"`
	Seq    uint64    `json:"seq"` // the entry concerned
	Reason string    `json:"reason"`
}

// AuditPushRequest is the body of POST /v1/audit/push: consecutive entries
// of the pushing device's chain, and the device's last sequence number
// (so a log shorter than the server's copy is caught).
type AuditPushRequest struct {
	Head    uint64            `json:"head"`
	Entries []store.AuditWire `json:"entries"`
	// State is what the pushing workstation holds (devicestate.go); nil
	// from workstations made before it.
	State *DeviceState `json:"state,omitempty"`
}

// AuditEntriesResponse is the body of GET /v1/audit/entries.
type AuditEntriesResponse struct {
	Entries []store.AuditWire `json:"entries"`
	More    bool              `json:"more"`
}

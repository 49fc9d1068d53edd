// Package sync is Chartkeeper's sync: the protocol (protocol.go), the
// server handler (server.go) over a storage [Backend] (bbolt in
// boltbackend.go; backendtest is the suite every backend passes), the
// client engine ([Client]) and the TLS helpers (tls.go). It follows the
// sync section of DESIGN.md.
//
// # What the server sees
//
// A revision travels as [store.WireRev]: record ID (random), revision ID,
// parent revision IDs, and the sealed bytes — the stored envelope sealed
// once more under the practice data key with associated data "wire" |
// record ID | revision. The record's type, authoring device, HLC time,
// author and body are all inside; the server adds only its sequence number
// and the ID of the device that pushed. It never holds a key. A workstation
// imports a revision only if the wrapper opens for exactly that record and
// revision, the revision ID is the hash of the envelope, the parents the
// server routed by are the envelope's own, and the payload opens with its
// associated data (store.Tx.ImportRev): a server can withhold revisions but
// cannot change or invent one.
//
// # Protocol
//
// JSON over HTTPS, paths under /v1/ (see protocol.go for the list and the
// limits). Devices authenticate with headers naming the practice and the
// device and a bearer token of 256 random bits; the server stores its
// SHA-256 and answers an unknown practice, an unknown device and a wrong
// token alike (401), a revoked device with 403. The first device of a
// practice registers it (POST /v1/register, optionally with the server's
// registration secret); until enrollment codes exist an enrolled device
// adds another (POST /v1/devices, [AddDevice]).
//
// Push: a batch of revisions in local change-feed order. The server inserts
// those it lacks, in order, in one durable transaction (bbolt fsyncs on
// commit) and only then answers; it refuses a batch in which a revision's
// parent is neither stored nor earlier in the batch, so its sequence is
// always causally ordered. Replays and retries change nothing.
//
// Pull: GET /v1/changes?since=N returns revisions after server sequence N
// (500 or 1 MB per batch by default), leaving out the asking device's own
// pushes except on a first sync (since=0) but counting them in last_seq.
// With wait=S it long-polls: the server holds the request until a push to
// the practice or S seconds pass.
//
// # Client
//
// Two checkpoints in the store's sync bucket, keyed by the server's ID:
// push = the local change-feed sequence acknowledged by the server (moved
// only after the durable acknowledgement), pull = the server sequence
// imported (moved in the same transaction as the imported revisions). Both
// make sync resumable at any point and idempotent. Changes that came from
// the server are flagged in the change feed and never pushed back. Run
// keeps a push loop (woken by store.ChangeSignal right after each local
// commit) and a long-poll pull loop, each backing off 1 s doubling to 1 min
// with jitter while the server is unreachable; Status gives up to date /
// N changes waiting / offline since T / error with its reason. A revision
// that fails verification stops the pull at that batch (nothing of it is
// imported, the checkpoint stays) and shows as an error.
//
// # Files
//
// A workstation's sync settings (server URL, pinned fingerprint, server ID,
// device ID and token) live in sync.json in its data folder, mode 0600,
// beside device.json and like it never in backups: a restored folder is a
// new device. chartkeeperd keeps server.db and its self-signed certificate
// (tls-cert.pem, tls-key.pem) in its --data folder.
//
// # What remains for issue 7
//
//   - Enrollment codes: `ckadmin enroll issue/join` (one-time token, expiry,
//     server-held wrapped practice secret and data key), replacing the
//     interim POST /v1/devices; `ckadmin device list/revoke` (the sync
//     functions Devices and RevokeDevice exist; revocation is not yet
//     limited to HIM managers on the server side — the server cannot see
//     roles, so it should take a signed statement or the enrollment
//     authority).
//   - Keyslots and the audit log do not sync yet. Users added on one
//     workstation reach the others as user records but cannot sign in there
//     until slots sync; audit entries (per-device hash chains) need their own
//     stream — a second kind of item in the same log, stored per device on
//     the workstations, so rollbacks of one workstation's log are caught.
//   - Blobs (scanned documents) do not sync: they need chunked upload
//     with resume and server-side dedup by keyed content hash.
//   - Field-level merge of concurrent edits against the common ancestor,
//     and the conflict review queue: today both heads are kept and every
//     replica shows the same winner (store's rule); resolving is a new
//     revision on the winner plus a deletion of the loser.
//   - PostgreSQL backend (--postgres) passing backendtest.Run, with a
//     dump-grep for markers; LISTEN/NOTIFY to wake long-polls across server
//     instances (the in-process signal covers one process).
//   - Storage quotas per practice; clock-skew warning shown in the UI
//     (Status.ClockSkew is set); adaptive batch size on slow links (batches
//     are fixed 500 revisions / 1 MB); the GUI status and "sync now" in ui/.
//   - A server restored from an old backup: clients detect the sequence
//     going back and stop with an error, but should re-push what the server
//     lost (reset the push checkpoint when the server ID or sequence changes).
//   - Sync runs only while the store is unlocked (import verifies with the
//     data key; export seals with it).
//   - The randomized fault schedules (200+ seeds), three-workstation fuzzing
//     of delivery order and clocks, 100,000-record and 50-workstation
//     benchmarks and docs/PERFORMANCE.md figures.
package sync

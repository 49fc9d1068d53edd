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
// registration secret); further workstations join with enrollment codes.
//
// # Enrollment (enroll.go)
//
// An HIM manager on an enrolled workstation issues a code
// ([IssueEnrollment]; `ckadmin enroll issue`). The code is one line,
// "ck1." + base64url of: version | 32-byte seed | practice ID | the
// server's certificate fingerprint (or none for a CA-signed certificate) |
// server URL | 4 check bytes (SHA-256 of the rest, so a mistyped or cut-off
// code is caught before anything is sent). HKDF turns the seed into a
// one-time token and an enrollment key. The issuing workstation seals the
// practice secret and the data key (with its epoch) under the enrollment
// key (store.SealEnrollment: HIM managers only, audited) and leaves with
// the server, POST /v1/enroll, only the token's SHA-256, the sealed bytes
// and a lifetime (1 minute to 7 days, 24 hours by default; the server's
// clock sets the expiry). The server never sees the code, so it can
// neither open the sealed bytes nor redeem the code itself.
//
// The new workstation ([Join]; `ckadmin enroll join`) connects pinned to the
// code's fingerprint and redeems the token (POST /v1/enroll/redeem, no
// credential) together with a device ID and device token of its own. In
// one transaction the server checks the enrollment exists for that
// practice, is unused, unexpired and its issuer not revoked, enrolls the
// device, marks the enrollment used and forgets the sealed bytes, which it
// returns this once. The workstation opens them with the code's key
// (store.Join: associated data binds the practice ID), writes device.json
// and sync.json, and pulls everything, users' keyslots included, so the
// practice's users sign in there with their own passwords. Refusals: an
// unknown code or one of another practice (404, one answer for both), a
// used or expired code (410), a code whose issuer was revoked (403), no or
// a wrong credential on /v1/enroll (401). A code is used up once the server
// accepts it: if the join fails after that, the folder is emptied, the new
// device revoked (best effort) and a new code is needed.
//
// Keyslots sync as records of type store.TypeKeyslot (see store's
// slotsync.go): sealed like any record, and useless without the practice
// secret besides. A password change or a disabled account reaches the
// other workstations with the next sync.
//
// Devices are listed and revoked with [Devices] and [RevokeDevice]
// (`ckadmin device list/revoke`). The server sees devices, not roles: any
// enrolled device's credential may list, revoke and issue; the workstation
// limits these to HIM managers (ckadmin checks the role; SealEnrollment
// enforces it in the store).
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
//   - Enrollment leftovers: revocation and issuing are HIM-only on the
//     workstation but not on the server, which cannot see roles; a signed
//     statement from an HIM keyslot holder would close that (today a
//     modified workstation program with a device credential can revoke or
//     enroll). Used and expired enrollments stay on the server (without
//     their sealed bytes) and are never purged. The code is a long line
//     (about 150 characters): a QR code in the GUI's "add a workstation"
//     screen is still to come. Redeem is not rate limited (the token has 256
//     bits, so guessing is hopeless, but a flood costs fsyncs).
//   - Keyslots: a concurrent password change on two workstations keeps the
//     later one (by HLC) everywhere and the other password stops working;
//     not shown to anyone. Stores made before keyslot sync get slot records
//     from ShareKeyslots on their first push; two such workstations restored
//     from one backup each make their own first revision of the same slot
//     record, which then shows as a (harmless, identical) conflict.
//     A workstation whose user is disabled elsewhere keeps an already
//     signed-in session until it locks.
//   - The audit log does not sync yet: audit entries (per-device hash
//     chains) need their own stream — a second kind of item in the same
//     server log, stored per device on the workstations, so rollbacks of one
//     workstation's log are caught.
//   - Blobs (scanned documents) do not sync: they need chunked upload
//     with resume and server-side dedup by keyed content hash.
//   - PostgreSQL (sync/pgbackend, `chartkeeperd --postgres URL`): several
//     processes may share the database, but each still needs --data for
//     its TLS certificate (copy the same one to every process behind one
//     name). The pool is pgxpool's default size (pool_max_conns in the URL
//     changes it). Nothing prunes the log or used enrollments there either.
//   - Storage quotas per practice; clock-skew warning shown in the UI
//     (Status.ClockSkew is set); adaptive batch size on slow links (batches
//     are fixed 500 revisions / 1 MB); the GUI status and "sync now" in ui/.
//   - A server restored from an old backup: clients detect the sequence
//     going back and stop with an error, but should re-push what the server
//     lost (reset the push checkpoint when the server ID or sequence changes).
//   - Sync runs only while the store is unlocked (import verifies with the
//     data key; export seals with it).
package sync

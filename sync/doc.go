// Package sync is Chartkeeper's sync: the protocol (protocol.go), the
// server handler (server.go) over a storage [Backend] (bbolt in
// boltbackend.go; backendtest is the suite every backend passes, the
// optional blob, audit and quota interfaces included), the
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
// (as many as the client's limit asks, at most 2,000 or 8 MB; batches
// start at 500 and adapt to the link, see adapt.go), leaving out the asking
// device's own pushes except on a first sync (since=0) but counting them in
// last_seq. last_seq is never past the end of the practice's log (asked
// past it, the server answers with the end), and the response names the
// server's storage ID (server_id).
// With wait=S it long-polls: the server holds the request until a push of
// revisions or of audit entries to the practice, or S seconds pass.
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
// N changes and M documents waiting / offline since T / error with its
// reason ("up to date" only when no record change and no document made
// here waits to go out). A revision that fails verification stops the
// pull at its transaction (a pull imports up to 8 MB of batches fetched
// ahead in one transaction, pullahead.go; nothing of that transaction is
// imported, the checkpoint stays) and shows as an error.
//
// # A server that lost changes (recover.go)
//
// A server put back from an older copy of its storage has lost what was
// pushed after the copy. A workstation notices when the server's last_seq
// (or its blob feed's) is below its pull checkpoint, when the server names
// another storage ID than sync.json (sync.json is then rewritten and the
// checkpoints of the new ID start at 0), or when a push is refused for a
// parent revision the server had acknowledged. It then sets its push and
// blob push checkpoints to 0, so everything made here is offered again
// (the server stores only what it lacks), and its pull checkpoints to 0
// (imports are idempotent; pulling from the server's end instead could
// skip what other workstations had offered again in the meantime), pushes
// at once, and keeps a warning in Status (Status.Warning, shown after "up
// to date" until the program restarts; it names no patient data). Audit
// streams need nothing: each push starts from the server's last entry of
// the device, so a stream the server holds less of takes the rest.
//
// # Storage quota (quota.go)
//
// `chartkeeperd --quota SIZE` limits each practice's stored bytes: sealed
// revisions, blob chunks and headers (also of uploads not committed yet)
// and audit entries. Both backends keep a running total per practice,
// updated in the transaction of every write (bbolt: the practice's
// "usage" key, counted once from the data for files made before it;
// PostgreSQL: ck_practices.used_bytes, counted by migration 4), and
// refuse a write that would go over ([ErrQuotaExceeded]): nothing of it is
// stored and the server answers 507 "the practice's storage on the sync
// server is full (20 GB); ask the server's operator to raise the quota".
// The workstation keeps the refused document or changes (the blob push
// checkpoint does not move past a refused document), shows the message as
// a sync error, and goes on pulling what the server holds. No limit by
// default.
//
// # Blobs (blobs.go, boltblobs.go)
//
// Blobs — scanned documents — travel as the store keeps them: the sealed
// 1 MiB chunks (associated data "blobs" | blob ID | index | last) and the
// sealed header (size, chunk count, SHA-256), byte for byte. The server
// learns a blob's random ID, its size and its chunk count, nothing else.
//
// Which blobs move is decided without reading records: the store numbers
// the blobs it holds in a local blob feed (store/blobsync.go; made from
// the blobs already there on first use), and the server numbers each
// practice's committed blobs in a blob sequence. Push: every blob of the
// local feed past the "blobpush:" checkpoint that was made here (not
// imported) is uploaded, and the checkpoint moves past it once the server
// has committed it. Pull: GET /v1/blobs?since=N lists the practice's
// committed blobs past the "blobpull:" checkpoint; every one the store
// lacks is downloaded, the checkpoint moving past each. So every blob any
// workstation holds reaches every other, eagerly, and documents are there
// when the network is not. Blobs are pushed before records, so a record
// naming a blob never reaches the server ahead of it; the pull loop
// fetches blobs whenever it has caught up with the records.
//
// Upload: POST /v1/blobs/{id}/begin announces size and chunk count (over
// MaxBlobSize, 512 MiB, is refused with 413 and a plain message) and
// answers which chunks the server holds; the client sends the others,
// one chunk per PUT /v1/blobs/{id}/chunks/{i} (raw bytes, at most
// MaxBlobChunkBody = 1 MiB plus the seal overhead; the server checks each
// chunk's exact sealed length against the declared size), then the sealed
// header with PUT /v1/blobs/{id}/header, which commits: the backend checks
// every chunk is there and stores the header and the blob's sequence in
// one durable transaction. Until then the blob is listed and served to
// nobody. Every step is idempotent; an interrupted upload resumes with
// the chunks the server lacks. A committed blob's chunks and header can
// not be replaced.
//
// Download: GET /v1/blobs/{id}/header, then GET /v1/blobs/{id}/chunks/{i}
// for each chunk the store does not hold yet (store.BlobImport): each
// chunk is stored only if it opens with the data key under its own
// associated data and has the length the header implies, and the header
// is written last, after the whole content matched its SHA-256. A
// half-downloaded blob is invisible (no header) and resumes, even after a
// restart, from the chunks already stored. A chunk or content that fails
// its check stops the pull with an error naming the integrity check,
// every chunk of that blob is dropped and the checkpoint stays.
//
// The same device credential and practice scoping apply as for records: a
// blob is looked up only within the authenticated device's practice, and
// a revoked device is refused. Blob storage is an optional
// [BlobBackend] (bbolt: boltblobs.go; PostgreSQL: pgbackend/blobs.go); a
// server whose backend lacks it answers the blob paths with 501, and
// clients then leave blobs alone.
//
// # Audit log (audit.go, boltaudit.go)
//
// Each workstation's audit log (store/audit.go) is a hash chain whose
// links cover the sealed bytes: entry n is stored as h(n-1) | sealed
// event, and h(n) = SHA-256(n | those bytes). Entries travel exactly so
// ([store.AuditWire]), one stream per device: the server learns the
// device ID, sequence numbers and sizes, and can check the chain without
// a key, while only a holder of the data key can read or make an entry.
//
// Push (after the records): GET /v1/audit/streams gives the server's last
// sequence and hash for this device; the client sends the entries after
// it (POST /v1/audit/push, with its own last sequence as "head"). The
// server keeps each stream append-only ([PlanAuditAppend], in the
// backend's transaction): an entry it holds must come again byte for byte
// (a retry), the first new one must carry the hash of its last one, and
// the head may not be behind its copy. Otherwise it refuses with 409,
// keeps its copy, and records the first refusal (time, entry, reason) on
// the stream. A workstation whose log was rolled back (an old copy of its
// store put back, then new entries under reused numbers) or edited is
// refused that way: its push ends with [ErrAuditRefused] and its status
// shows "sync error: the sync server refused this workstation's audit
// log: ... rolled back ... or edited here".
//
// Pull (after the records, and in the background loop whenever it has
// caught up): for every other device's stream past what the store has
// imported of it, GET /v1/audit/entries?device=D&since=N. The store keeps
// other devices' chains apart from its own, one bucket per device
// (store/auditsync.go), and imports a batch only if every entry follows
// the imported head, carries its predecessor's hash and opens with the
// data key; otherwise nothing of the batch is stored and the pull stops
// with an error naming the workstation. The imported head is the stream's
// checkpoint (it does not depend on the server's ID). A refusal the server
// reports for another device is written once into this workstation's own
// log as "audit.sync.refused", flagged, so the HIM manager sees it in the
// audit view. store.Verify checks the imported chains like its own.
//
// chart's audit listing (the GUI audit view, `ckadmin audit list`) reads
// every chain merged by time and names each entry's workstation (the
// device's name on the server, or "this workstation"); entries a restored
// workstation's chain shares with the original device's are listed once.
// Audit streams are an optional [AuditBackend] (bbolt: boltaudit.go;
// PostgreSQL: pgbackend/audit.go); a server whose backend lacks it
// answers the audit paths with 501, and clients then skip audit sync.
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
//   - Audit log: a refused workstation stays refused (its audit log no
//     longer reaches the server; re-enrolling it as a new device starts a
//     new stream) and, in RunOnce, the refusal stops that run before the
//     pull. A restored workstation (a new device) pushes its whole chain,
//     the old device's entries included, which the server stores twice
//     (listings show them once). An audit push wakes the long-polls of the
//     server process it reaches only (not those of other processes on a
//     shared PostgreSQL database, which see it within one long-poll
//     period). The refusal notice is the server's word, not signed by the
//     refused workstation. Deleting a whole imported chain locally is not
//     detected (the next pull brings it back).
//   - Blobs: no server-side dedup (the same scan filed on two
//     workstations is stored twice); uploads that are never committed
//     (a workstation gone for good mid-upload) stay on the server and are
//     never purged (and count against the quota); a blob sealed under an
//     older data-key epoch imports
//     only where that epoch can still be opened (as for records). A blob
//     larger than the server's limit is passed over with an error once
//     and stays on its workstation only.
//   - PostgreSQL (sync/pgbackend, `chartkeeperd --postgres URL`): several
//     processes may share the database, but each still needs --data for
//     its TLS certificate (copy the same one to every process behind one
//     name). The pool is pgxpool's default size (pool_max_conns in the URL
//     changes it). Nothing prunes the log or used enrollments there either.
//   - Quota: nothing on the server is ever deleted, so a practice's usage
//     only grows; there is no per-practice quota (one limit for all) and
//     no warning before the limit is reached.
//   - A server restored from an older copy: a workstation notices only if
//     the server's log ends before its checkpoint when it next pulls (or a
//     push of it is refused for a missing parent). If other workstations
//     have offered enough again by then to carry the log past its
//     checkpoint, it pulls on from there and may miss what they re-sent
//     under lower numbers, and what it made since the copy is offered only
//     when a later push is refused. Revisions a workstation imported are
//     never offered again by it: what only a workstation that no longer
//     syncs had pushed stays lost on the server. A server-side restore
//     epoch (changed by the operator's restore) would close both.
//   - Sync runs only while the store is unlocked (import verifies with the
//     data key; export seals with it).
package sync

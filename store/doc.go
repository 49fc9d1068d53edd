// Package store is Chartkeeper's encrypted local record store: one bbolt
// file per data folder, every value sealed with XChaCha20-Poly1305 under a
// key of the practice's key hierarchy (keys.go: the general key, wrapped in
// per-user keyslots; the clinical, administration and audit keys, granted
// to the roles that use them).
//
// A data folder holds these files:
//
//	chartkeeper.db   the bbolt store (sealed values only; safe to back up)
//	device.json      this workstation's device ID and the practice secret
//	                 (mode 0600; never in backups, never sent to the server)
//	sync.json        written by package syncclient once connected: server, pinned
//	                 fingerprint, practice, device and server IDs (mode 0600;
//	                 never in backups); the device's token and signing key
//	                 are sealed in meta/devicecred, not here
//
// The bucket tree of chartkeeper.db. Keys carry no patient data: record,
// blob and user IDs are random, slot IDs are keyed hashes of usernames.
//
//	meta/
//	  schema                 uint64 schema version (see migrations.go)
//	  practice               practice ID (random, hex)
//	  audithead              sealed (last audit seq, last audit hash)
//	  adminpub               the administration public key (keys.go), clear
//	  keymodel               set on a store made before compartment keys,
//	                         until its first HIM sign-in (migratekeys.go)
//	  reseal                 the re-seal's position after a key rotation, clear
//	                         (epoch, last revs/ key, counts; rotate.go)
//	  devicecred             sealed (sync token, Ed25519 signing key seed),
//	                         bound to the device ID; dropped by a restore
//	                         (devicekey.go)
//	slots/
//	  <slotID>               keyslot: Argon2id parameters in clear, the
//	                         wrapped data key sealed under the derived key;
//	                         always the winning revision of the record
//	                         "keyslot.<slotID>" (type keyslot), through
//	                         which slots sync (see slotsync.go)
//	unlockfail/
//	  c<slotID>              failed-unlock counter: count | last failure (ms)
//	  l<seq>                 failed-unlock log, moved into the audit log at
//	                         the next successful sign-in
//	revs/
//	  <recordID>\x00r<rev>   one revision: clear envelope + sealed payload
//	  <recordID>\x00s        heads: the record's leaf revisions (sorts after
//	                         the newest revision, so an edit touches one page)
//	types/
//	  <type>\x00<recordID>   index for listing records by type
//	conflicts/
//	  <recordID>             records with more than one head (merge.go)
//	changes/
//	  <seq>                  local change feed: record ID, revision, HLC,
//	                         then a 0x01 byte if it came through sync
//	sync/
//	  push:<serverID>        local change seq the server acknowledged
//	  pull:<serverID>        server sequence imported (see replica.go)
//	blobs/
//	  <blobID>\x00h          sealed blob header (size, chunk count, SHA-256;
//	                         after a rotation the general epoch, the root
//	                         over the sealed chunks, the SHA-256 sealed
//	                         under that epoch: blobepoch.go)
//	  <blobID>\x00c<index>   sealed chunk
//	blobindex/
//	  <HMAC(SHA-256 of content)>  blob ID, so the same content is stored once
//	                         (keyed by the blob's general epoch)
//	blobputs/                blobs being put whose first chunks are committed
//	  <blobID>               (blobput.go; made on first use)
//	audit/
//	  <seq>                  previous entry's hash | entry sealed to the
//	                         audit key (audit.go)
//	auditpeers/              other workstations' audit chains, imported
//	  <deviceID>/            through sync (auditsync.go; made on first use)
//	    <seq>                the entry as that device stored it
//	    head                 sealed (last seq, last hash, workstation name)
//	setaside/                items from the sync server that failed their
//	  <kind><SHA-256>        checks: sealed (bytes as received, the device
//	                         the server named, time, reason); setaside.go
//	drafts/                  unsaved form contents, local to this workstation
//	  <userID>\x00<HMAC(name)>  sealed (time written, draft name, data); only
//	                         the user who wrote it reads it; not records,
//	                         never synced, dropped by a restore (drafts.go)
//
// Sealed values bind, as associated data, the bucket, the record or blob ID,
// the revision's parents and the key epoch, so a ciphertext moved to another
// record or another place in a record's history fails to open. Revision IDs
// are a generation number and a content hash over the record ID and the whole
// envelope (type, parents, device, sealed payload): the same change arriving
// twice is the same revision.
//
// Durability: every write is one bbolt transaction committed with fsync
// before the call returns. Large blobs are written in several transactions
// and only become visible when their header, written last, commits.
package store

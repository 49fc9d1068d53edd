// Package boltbackend is the sync server's default storage: one bbolt
// file, server.db, in chartkeeperd's --data folder, implementing
// [syncserver.Backend] (it passes backendtest.Run). docs/SYNC.md
// describes the protocol it serves.
//
// The bucket tree of server.db. Nothing in it is readable patient data:
// practice, device, record and blob IDs are random, revisions are hashes,
// and the sealed bytes open only with the practice's data key, which the
// server never has.
//
//	server/
//	  id                          this server's random ID
//	  schema                      uint64 schema version (migrations.go)
//	p/
//	  <practiceID>/               one bucket per practice
//	    info                      JSON: registration time
//	    usage                     stored bytes, a running total (quota.go)
//	    keys                      JSON PracticeKeys: administration and recovery public keys (schema 5)
//	    devices/
//	      <deviceID>              JSON Device (token hash, public signing key, times)
//	    index/
//	      <recordID>\x00<rev>     sequence number (8 bytes)
//	    log/
//	      <seq>                   device | record ID | rev | parents | sealed (log.go)
//	    enroll/                   made on first use (enroll.go)
//	      <token hash>            JSON Enrollment (sealed bytes until used or expired)
//	    blobs/                    made on first use (blobs.go)
//	      <blobID>                JSON blobMeta: size, chunks, device, times, seq once committed
//	    blobdata/
//	      <blobID>\x00c<i>        sealed chunk i (4 bytes, big-endian), as the workstation stores it
//	      <blobID>\x00h           sealed header, written by the commit
//	    blobfeed/
//	      <seq>                   blob ID, for committed blobs in commit order
//	    audit/                    made on first use (audit.go)
//	      <deviceID>/
//	        <seq>                 the entry's stored bytes (previous hash | sealed)
//	        meta                  JSON: last sequence, its hash, the first refusal
//	    devstate/                 made on first use (devicestate.go)
//	      <deviceID>              JSON: the last state the device pushed with
//	                              (audit head, end of its change feed), time
//
// Every write is one bbolt transaction, committed with fsync before the
// server answers.
package boltbackend

// Bucket and key names; the tree above shows where each is.
var (
	bServer   = []byte("server")
	bPractice = []byte("p")
	bDevices  = []byte("devices")
	bIndex    = []byte("index")
	bLog      = []byte("log")
	bEnroll   = []byte("enroll")
	bBlobs    = []byte("blobs")
	bBlobData = []byte("blobdata")
	bBlobFeed = []byte("blobfeed")
	bAudit    = []byte("audit")

	kID     = []byte("id")
	kSchema = []byte("schema")
	kInfo   = []byte("info")
	kUsage  = []byte("usage")
	kMeta   = []byte("meta")
	kKeys   = []byte("keys")
)

// FileName is the backend's file in the server's data folder.
const FileName = "server.db"

package store

// Bucket and key names; see the package documentation for the whole tree.
var (
	bucketMeta       = []byte("meta")
	bucketSlots      = []byte("slots")
	bucketUnlockFail = []byte("unlockfail")
	bucketRevs       = []byte("revs")
	bucketTypes      = []byte("types")
	bucketChanges    = []byte("changes")
	bucketBlobs      = []byte("blobs")
	bucketBlobIndex  = []byte("blobindex")
	bucketAudit      = []byte("audit")
	bucketSync       = []byte("sync")

	keySchema    = []byte("schema")
	keyPractice  = []byte("practice")
	keyAuditHead = []byte("audithead")
)

// Names of the files in a data folder.
const (
	dbFileName     = "chartkeeper.db"
	deviceFileName = "device.json"
)

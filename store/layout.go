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
	// keyAdminPub is the practice's administration public key, in clear
	// (it is public); keyKeyModel marks a store made before the key
	// hierarchy, moved at the first HIM sign-in.
	keyAdminPub = []byte("adminpub")
	keyKeyModel = []byte("keymodel")
)

// Names of the files in a data folder.
const (
	dbFileName     = "chartkeeper.db"
	deviceFileName = "device.json"
)

package store

import (
	"crypto/ecdh"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"chartkeeper/internal/atomicfile"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Store is an open data folder. It starts locked; [Store.Unlock] signs a user
// in and [Store.Lock] wipes the key from memory. A Store is safe for use by
// several goroutines.
type Store struct {
	dir        string
	db         *bolt.DB
	practiceID string
	now        func() time.Time
	clock      clock

	devMu     sync.RWMutex
	device    *deviceFile // nil until this workstation holds the practice secret
	deviceErr error       // why the device file could not be read, if it exists

	mu   sync.RWMutex // guards sess; held for reading by every operation
	sess *session

	changed changeSignal // wakes sync when the change feed grows

	puts blobPuts // blob puts under way (blobput.go)

	rules MergeRules // set once by the options, then only read
	types TypeRules  // set once by the options, then only read

	// newRecovery is a recovery key made when the practice moved to the
	// key hierarchy, held until [Store.TakeNewRecoveryKey] hands it out.
	newRecovery string

	stateMu sync.Mutex
	state   *stateCheck // the checks of the state digest since the last sign-in (digestcheck.go)
}

// session is a signed-in user with the keys their slot and grants give.
type session struct {
	key      *dataKey // the general key (the practice data key)
	clinical *dataKey // nil when the user's role does not hold it
	// general is the general records keyring (rotate.go): the epochs of the
	// general key started by rotations, with the slot's epoch as the
	// oldest; it seals general records but the store's own. nil until a
	// rotation reached the user.
	general *dataKey
	admin   ed25519.PrivateKey
	// adminPub is the practice's administration public key, nil in a
	// practice still on one data key.
	adminPub ed25519.PublicKey
	// adminKeys are the administration keys of the practice's chain,
	// oldest first, as the sign-in read it (adminkey.go); nil before the
	// key first changed.
	adminKeys []ed25519.PublicKey
	own       *userSecrets // the user's own keys; nil for a slot made before them
	// auditPub is the practice's audit public key, which every entry is
	// sealed to; auditKey and auditSeed its private key (HIM managers).
	auditPub  []byte
	auditKey  *ecdh.PrivateKey
	auditSeed []byte
	// auditEpoch is auditKey's epoch (0 before the first rotation) and
	// auditPubEpoch auditPub's, which new entries name; auditOlder are
	// the audit private keys of earlier epochs, with their seeds
	// (rotate.go): older entries were sealed to them.
	auditEpoch, auditPubEpoch uint32
	auditOlder                map[uint32]*ecdh.PrivateKey
	auditOlderSeed            map[uint32][]byte
	// clinicalPub is the practice's clinical document public key (of the
	// clinical key's epoch clinicalPubEpoch), which anyone seals clinical
	// documents to (clinicaldocs.go); nil while the practice has none.
	clinicalPub      []byte
	clinicalPubEpoch uint32
	seed             []byte
	// legacyOK: the practice moved from one data key, so clinical
	// revisions sealed under the general key before are genuine.
	legacyOK bool
	// renew: the user's slot predates the key hierarchy of a practice that
	// has moved to it; an HIM manager must set a new password.
	renew bool
	// recovery: opened with the recovery key, which holds every key.
	recovery bool
	user     User

	credMu sync.Mutex
	cred   *DeviceCredentials // opened for this session (devicekey.go); wiped with the keys
}

// wipe zeroes every key of the session.
func (sess *session) wipe() {
	if sess == nil {
		return
	}
	sess.key.wipe()
	sess.clinical.wipe()
	sess.general.wipe()
	clear(sess.admin)
	clear(sess.seed)
	clear(sess.auditSeed)
	for _, sd := range sess.auditOlderSeed {
		clear(sd)
	}
	sess.auditSeed, sess.auditKey, sess.auditOlder, sess.auditOlderSeed = nil, nil, nil, nil
	if sess.own != nil {
		clear(sess.own.sign)
	}
	sess.admin, sess.seed, sess.own = nil, nil, nil
}

// Option changes how a store is opened.
type Option func(*Store)

// WithClock makes the store read the time from now instead of the system
// clock (tests of back-off and clock skew use it).
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// ErrInUse means another Chartkeeper program has the data folder open.
var ErrInUse = errors.New("the data folder is in use by another Chartkeeper program on this computer")

// DefaultDir is the per-user data folder: %APPDATA%\Chartkeeper on
// Windows (the user's roaming application data), elsewhere
// $XDG_DATA_HOME/chartkeeper, by default ~/.local/share/chartkeeper.
func DefaultDir() string {
	if runtime.GOOS == "windows" {
		if d, err := os.UserConfigDir(); err == nil {
			return filepath.Join(d, "Chartkeeper")
		}
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "chartkeeper")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "chartkeeper")
	}
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "chartkeeper")
	}
	return "chartkeeper-data"
}

// Exists reports whether dir holds a practice.
func Exists(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, dbFileName))
	return err == nil
}

// Open opens the practice in dir, locked. It returns [ErrNoPractice] when dir
// holds none, and runs any pending schema migrations.
func Open(dir string, opts ...Option) (*Store, error) {
	if !Exists(dir) {
		return nil, fmt.Errorf("%s: %w", dir, ErrNoPractice)
	}
	s, err := openDB(dir, opts...)
	if err != nil {
		return nil, err
	}
	if err := s.db.View(func(tx *bolt.Tx) error {
		s.practiceID = string(tx.Bucket(bucketMeta).Get(keyPractice))
		return nil
	}); err != nil {
		s.db.Close()
		return nil, err
	}
	if s.practiceID == "" {
		s.db.Close()
		return nil, fmt.Errorf("%s: %w", dir, ErrNoPractice)
	}
	dev, err := readDeviceFile(dir)
	switch {
	case err == nil && dev.PracticeID != s.practiceID:
		s.db.Close()
		return nil, fmt.Errorf("%s: the device file belongs to another practice (%s, store is %s)", dir, dev.PracticeID, s.practiceID)
	case err == nil:
		s.device = dev
	case !errors.Is(err, fs.ErrNotExist):
		// Unlock reports it; the recovery key rewrites the file.
		s.deviceErr = err
	}
	return s, nil
}

// openDB opens (creating if needed) the bbolt file and migrates it.
func openDB(dir string, opts ...Option) (s *Store, err error) {
	s = &Store{dir: dir, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	s.clock.now = s.now
	path := filepath.Join(dir, dbFileName)
	if fi, err := os.Stat(path); err == nil && fi.Size() == 0 {
		return nil, fmt.Errorf("%s: %w: the store file is empty; restore it from a backup", path, ErrTampered)
	}
	defer func() {
		// A damaged file can make bbolt panic while reading it; report that
		// as damage rather than crash the program.
		if r := recover(); r != nil {
			if s != nil && s.db != nil {
				s.db.Close()
			}
			s, err = nil, fmt.Errorf("%s: %w: the store file is damaged (%v); restore it from a backup", path, ErrTampered, r)
		}
	}()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("%s: %w", dir, ErrInUse)
	}
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		// The file system refused (a read-only or full disk, no
		// permission): the file is not damaged; say what the disk said.
		return nil, fmt.Errorf("%s: cannot open the store file: %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w: cannot open the store file (%v); run 'ckadmin verify' or restore a backup", path, ErrTampered, err)
	}
	s.db = db
	// Write only when a migration is due: opening must not modify a file
	// that may be damaged.
	var due bool
	if err := db.View(func(tx *bolt.Tx) error {
		// A file shorter than its header says (cut short by a copy or
		// a full disk) faults when a page past its end is read: refuse
		// it before anything is (CheckFile reports the same).
		if fi, err := os.Stat(path); err == nil && fi.Size() < tx.Size() {
			return fmt.Errorf("%s: %w: the store file was cut short (it has %d bytes, its own header says %d); restore it from a backup", path, ErrTampered, fi.Size(), tx.Size())
		}
		due = readSchema(tx) != schemaVersion(migrations)
		return nil
	}); err != nil {
		db.Close()
		return nil, err
	}
	if due {
		if err := db.Update(func(tx *bolt.Tx) error { return migrate(tx, migrations) }); err != nil {
			db.Close()
			return nil, err
		}
	}
	if err := db.View(func(tx *bolt.Tx) error {
		// Start the clock after the newest change, so times stay monotonic
		// even if the wall clock went back since the last run.
		if k, v := tx.Bucket(bucketChanges).Cursor().Last(); k != nil {
			ch, err := decodeChange(binary.BigEndian.Uint64(k), v)
			if err != nil {
				return err
			}
			s.clock.observe(ch.HLC)
		}
		return nil
	}); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Close locks the store and closes the file.
func (s *Store) Close() error {
	s.Lock()
	return s.db.Close()
}

// Dir is the data folder.
func (s *Store) Dir() string { return s.dir }

// PracticeID is the practice's random identifier.
func (s *Store) PracticeID() string { return s.practiceID }

// DeviceID is this workstation's identifier, or "" before it holds the
// practice secret.
func (s *Store) DeviceID() string {
	s.devMu.RLock()
	defer s.devMu.RUnlock()
	if s.device == nil {
		return ""
	}
	return s.device.DeviceID
}

func (s *Store) secret() []byte {
	s.devMu.RLock()
	defer s.devMu.RUnlock()
	if s.device == nil {
		return nil
	}
	return s.device.PracticeSecret
}

// NewID returns a new random record ID (32 hex digits).
func NewID() string { return hex.EncodeToString(randomBytes(16)) }

// deviceFile is this workstation's identity in the practice.
type deviceFile struct {
	PracticeID     string `json:"practice_id"`
	DeviceID       string `json:"device_id"`
	PracticeSecret []byte `json:"practice_secret"`
}

func readDeviceFile(dir string) (*deviceFile, error) {
	b, err := os.ReadFile(filepath.Join(dir, deviceFileName))
	if err != nil {
		return nil, err
	}
	var d deviceFile
	if err := json.Unmarshal(b, &d); err != nil || len(d.PracticeSecret) != keySize || d.DeviceID == "" {
		return nil, fmt.Errorf("%s: the device file is damaged; restore the practice secret with the recovery key", filepath.Join(dir, deviceFileName))
	}
	return &d, nil
}

// writeDeviceFile writes the device file atomically with mode 0600.
func writeDeviceFile(dir string, d *deviceFile) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, deviceFileName), b, 0o600)
}

// FilePath is the store file of the data folder dir.
func FilePath(dir string) string { return filepath.Join(dir, dbFileName) }

// DeviceFilePath is the device file (device ID and practice secret) of the
// data folder dir.
func DeviceFilePath(dir string) string { return filepath.Join(dir, deviceFileName) }

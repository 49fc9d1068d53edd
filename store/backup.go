package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"chartkeeper/internal/atomicfile"

	bolt "go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the store to w while it stays in use.
// The copy holds sealed values only; it does not hold the practice secret,
// so a stolen backup is useless without the recovery key (or an enrolled
// workstation of the same practice). The backup is audited.
func (s *Store) Backup(w io.Writer) (int64, error) {
	var n int64
	err := s.Update(func(tx *Tx) error {
		if err := tx.requireHIM("make backups"); err != nil {
			return err
		}
		return tx.Audit(AuditEvent{Action: "backup"})
	})
	if err != nil {
		return 0, err
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// BackupFile writes a backup to path atomically: a crash leaves either no
// file or a complete one.
func (s *Store) BackupFile(path string) (int64, error) {
	n, err := atomicfile.Write(path, 0o600, func(w io.Writer) error {
		_, err := s.Backup(w)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("writing the backup %s: %w", path, err)
	}
	return n, nil
}

// RestoreOptions say where a restore finds the practice secret, which
// backups do not contain.
type RestoreOptions struct {
	// RecoveryKey, when set, unwraps the practice secret from the backup's
	// recovery slot. The restored folder then needs a password reset through
	// [Store.UnlockWithRecovery] only if nobody remembers theirs.
	RecoveryKey string
	// SecretFrom is a data folder of the same practice (for example this
	// workstation's own) whose practice secret is copied.
	SecretFrom string
	// StoreOptions open the restored copy to check it: the record types'
	// compartments ([WithTypeRules]) are needed to check the values outside
	// the general compartment (chart.StoreOptions gives them).
	StoreOptions []Option
}

// ErrBadBackup means the file is not a Chartkeeper backup or is damaged.
var ErrBadBackup = errors.New("this file is not a readable Chartkeeper backup")

// Restore makes dir (which must not hold a practice) a copy of the backup
// at from, with a new device ID, and finds the practice secret through
// opts. It checks the whole backup first: the file's page structure (a
// file cut short, a broken tree) and, when the recovery key is given, every
// sealed value (each revision, blob chunk and audit entry opens and its
// hashes match, as [Store.Verify] checks). With only [RestoreOptions.SecretFrom]
// there is no data key, so only the structure is checked; verify after
// signing in checks the rest. A damaged backup is [ErrBadBackup]. On any
// failure dir is left as it was: no store, no device file, no partial copy.
func Restore(from, dir string, opts RestoreOptions) (err error) {
	if Exists(dir) {
		return fmt.Errorf("%s: %w; restore into a new folder", dir, ErrPracticeExists)
	}
	if _, serr := os.Stat(dir); errors.Is(serr, os.ErrNotExist) {
		defer func() {
			if err != nil {
				os.Remove(dir) // only removes it if still empty
			}
		}()
	}
	if err := makePrivateDir(dir); err != nil {
		return err
	}
	dst := filepath.Join(dir, dbFileName)
	tmp := dst + ".restoring"
	defer os.Remove(tmp) // gone once renamed; removed on every failure
	if err := copyFile(from, tmp); err != nil {
		return err
	}
	if err := checkBackupStructure(tmp); err != nil {
		return fmt.Errorf("%s: %w", from, err)
	}
	practiceID, sl, err := inspectBackup(tmp)
	if err != nil {
		return fmt.Errorf("%s: %w", from, err)
	}
	if err := dropDraftsSafely(tmp); err != nil {
		return fmt.Errorf("%s: %w", from, err)
	}
	var secret []byte
	var recovered *recoveryContent
	var recSlot *keyslot
	switch {
	case opts.RecoveryKey != "":
		rc, err := openRecoverySlot(practiceID, sl, opts.RecoveryKey)
		if err != nil {
			return err
		}
		defer rc.wipe()
		secret = append([]byte(nil), rc.secret...)
		recovered, recSlot = &rc, sl
	case opts.SecretFrom != "":
		dev, err := readDeviceFile(opts.SecretFrom)
		if err != nil {
			return fmt.Errorf("%w: reading it from %s: %v", ErrNoPracticeSecret, opts.SecretFrom, err)
		}
		if dev.PracticeID != practiceID {
			return fmt.Errorf("%w: %s belongs to another practice than the backup", ErrNoPracticeSecret, opts.SecretFrom)
		}
		secret = dev.PracticeSecret
	default:
		return fmt.Errorf("%w: a backup does not contain the practice secret; give the recovery key, or a data folder of the same practice", ErrNoPracticeSecret)
	}
	if err := writeDeviceFile(dir, &deviceFile{PracticeID: practiceID, DeviceID: NewID(), PracticeSecret: secret}); err != nil {
		return err
	}
	// The checked copy takes the store's name only now, after the device
	// file, so a folder never holds a store without one.
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(filepath.Join(dir, deviceFileName))
		return err
	}
	if recovered != nil {
		if err := verifyRestored(dir, recSlot, recovered, opts.StoreOptions); err != nil {
			os.Remove(dst)
			os.Remove(filepath.Join(dir, deviceFileName))
			return fmt.Errorf("%s: %w", from, err)
		}
	}
	return atomicfile.SyncDir(dir)
}

// checkBackupStructure reads every page of the copied backup, where a
// fault is a panic that is recovered, and runs bbolt's check: a file cut
// short or with a broken tree is [ErrBadBackup].
func checkBackupStructure(path string) error {
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	problems, err := checkStoreFile(path)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadBackup, err)
	}
	return backupProblems(problems)
}

func backupProblems(problems []string) error {
	switch len(problems) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("%w: %s", ErrBadBackup, problems[0])
	}
	return fmt.Errorf("%w: %s (and %d more problems)", ErrBadBackup, problems[0], len(problems)-1)
}

// dropDraftsSafely is dropDrafts with a damaged file's panic reported as
// [ErrBadBackup].
func dropDraftsSafely(path string) (err error) {
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrBadBackup, r)
		}
	}()
	return dropLocalState(path)
}

// verifyRestored opens the restored folder with the data key from the
// recovery slot and checks every sealed value as [Store.Verify] does,
// without signing anyone in or writing to the audit log.
func verifyRestored(dir string, sl *keyslot, rc *recoveryContent, opts []Option) error {
	st, err := Open(dir, opts...)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadBackup, err)
	}
	defer st.db.Close()
	sess, err := recoverySession(sl, rc)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadBackup, err)
	}
	sess.user = User{Role: RoleHIM}
	st.mu.Lock()
	st.sess = sess
	st.mu.Unlock()
	rep, err := st.Verify()
	st.mu.Lock()
	st.sess = nil
	st.mu.Unlock()
	sess.wipe()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadBackup, err)
	}
	return backupProblems(rep.Problems)
}

// inspectBackup opens a backup file read-only and returns its practice ID
// and recovery slot, reporting damage as [ErrBadBackup].
func inspectBackup(path string) (practiceID string, sl *keyslot, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrBadBackup, r)
		}
	}()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return "", nil, fmt.Errorf("%w: %v", ErrBadBackup, err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil || tx.Bucket(bucketSlots) == nil {
			return ErrBadBackup
		}
		if v := readSchema(tx); v > schemaVersion(migrations) {
			return fmt.Errorf("%w (backup schema %d)", ErrSchemaTooNew, v)
		}
		practiceID = string(meta.Get(keyPractice))
		if practiceID == "" {
			return ErrBadBackup
		}
		sl, err = getSlot(tx, recoverySlotID)
		return err
	})
	return practiceID, sl, err
}

// copyFile copies the file from to the new file to (mode 0600), durably.
func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	_, err = atomicfile.Write(to, 0o600, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	})
	return err
}

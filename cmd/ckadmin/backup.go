package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"chartkeeper/chart"
	"chartkeeper/store"
)

func runBackup(e *env, args []string) error {
	fs := e.flags()
	sf := addStoreFlags(fs)
	out := fs.String("out", "", "write the backup to `file` (replaced if it exists)")
	if _, err := e.parseExact(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usagef("missing --out FILE")
	}
	s, err := e.signIn(sf)
	if err != nil {
		return err
	}
	defer s.Close()
	n, err := s.BackupFile(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Wrote a backup of %s to %s.\n", byteSize(n), *out)
	fmt.Fprintln(e.stdout, "It does not hold the practice secret: restoring it on another computer needs the recovery key.")
	return nil
}

// runRestore makes a new data folder from a backup. The practice secret,
// which backups lack, comes from the recovery key, from --secret-from, or
// else from this computer's own data folder when it holds the same practice.
func runRestore(e *env, args []string) error {
	fs := e.flags()
	from := fs.String("from", "", "the backup `file`")
	data := fs.String("data", store.DefaultDir(), "the `folder` to restore into; it must not hold a practice")
	keyFile := fs.String("recovery-key-file", "", "read the practice's recovery key from `file` (else $"+envRecoveryKey+")")
	secretFrom := fs.String("secret-from", "", "copy the practice secret from this data `folder` of the same practice")
	if _, err := e.parseExact(fs, args); err != nil {
		return err
	}
	if *from == "" {
		return usagef("missing --from FILE")
	}
	if _, err := os.Stat(*from); err != nil {
		return fmt.Errorf("cannot read the backup %s: %v", *from, pathErr(err))
	}
	opts := store.RestoreOptions{SecretFrom: *secretFrom, StoreOptions: chart.StoreOptions()}
	if src := recoveryKeySource(*keyFile); src.given() {
		rk, err := e.readRecoveryKey(*keyFile)
		if err != nil {
			return err
		}
		opts.RecoveryKey = rk
	}
	implicit := false
	if opts.RecoveryKey == "" && opts.SecretFrom == "" {
		if def := store.DefaultDir(); store.Exists(def) && !sameFolder(def, *data) {
			opts.SecretFrom, implicit = def, true
		}
	}
	err := store.Restore(*from, *data, opts)
	if err != nil && implicit && !errors.Is(err, store.ErrBadBackup) &&
		!errors.Is(err, store.ErrPracticeExists) && !errors.Is(err, store.ErrSchemaTooNew) {
		// This computer's own folder could not supply the secret (it holds
		// another practice): report what the store says without one, which
		// asks for the recovery key.
		err = store.Restore(*from, *data, store.RestoreOptions{})
	}
	if err != nil {
		if errors.Is(err, store.ErrNoPracticeSecret) {
			return fmt.Errorf("%w (use --recovery-key-file FILE or set %s; or --secret-from FOLDER)", err, envRecoveryKey)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "Restored %s into %s.\n", *from, *data)
	if opts.RecoveryKey != "" {
		fmt.Fprintln(e.stdout, "The whole backup was checked first: its file structure and every sealed record, document and audit entry.")
		fmt.Fprintln(e.stdout, "Everyone signs in there with their usual password.")
	} else {
		fmt.Fprintln(e.stdout, "The backup's file structure was checked first; its sealed records can only be checked after a sign-in.")
		fmt.Fprintf(e.stdout, "Everyone signs in there with their usual password; 'ckadmin verify --data %s' checks every sealed record.\n", *data)
	}
	if opts.RecoveryKey != "" {
		fmt.Fprintf(e.stdout, "If nobody remembers a password, 'ckadmin recover --data %s --user USERNAME' sets one with the recovery key.\n", *data)
	}
	return nil
}

func sameFolder(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}

// byteSize writes n bytes for a person: "3.4 MB (3,412,345 bytes)".
func byteSize(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	v, suffix := float64(n), ""
	for _, s := range []string{"kB", "MB", "GB", "TB"} {
		v, suffix = v/unit, s
		if v < unit {
			break
		}
	}
	return fmt.Sprintf("%.1f %s (%d bytes)", v, suffix, n)
}

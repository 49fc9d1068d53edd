package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"chartkeeper/chart"
	"chartkeeper/store"
)

// storeFlags are the flags of every command that signs in to a store.
type storeFlags struct {
	data, user, passwordFile string
}

// addStoreFlags adds --data, --user and --password-file.
func addStoreFlags(fs *flag.FlagSet) *storeFlags {
	sf := addFolderUserFlags(fs, "sign in as `username` (default $"+envUser+")")
	fs.StringVar(&sf.passwordFile, "password-file", "", "read the password from `file` (else $"+envPassword+", else ask)")
	return sf
}

// addFolderUserFlags adds --data and --user, described by userUsage.
func addFolderUserFlags(fs *flag.FlagSet, userUsage string) *storeFlags {
	sf := &storeFlags{}
	fs.StringVar(&sf.data, "data", store.DefaultDir(), "the practice's data `folder`")
	fs.StringVar(&sf.user, "user", "", userUsage)
	return sf
}

// username is the user to sign in as: --user, else $CHARTKEEPER_USER.
func (sf *storeFlags) username() (string, error) {
	if sf.user == "" {
		sf.user = os.Getenv(envUser)
	}
	if sf.user == "" {
		return "", usagef("who is signing in? give --user USERNAME or set %s", envUser)
	}
	return sf.user, nil
}

// openStore opens the practice in dir, locked, with a hint when there is none.
func openStore(dir string) (*store.Store, error) {
	s, err := chart.OpenStore(dir)
	if errors.Is(err, store.ErrNoPractice) {
		return nil, fmt.Errorf("%w (create one with 'ckadmin init', or name another folder with --data)", err)
	}
	return s, err
}

// signIn opens the store in sf.data and signs sf.user in with the password
// from the usual sources. The caller closes the store.
func (e *env) signIn(sf *storeFlags) (*store.Store, error) {
	s, pw, err := e.signInKeep(sf)
	clear(pw)
	return s, err
}

// signInKeep is signIn that also returns the password it used, for a
// command that needs it again; the caller clears it.
func (e *env) signInKeep(sf *storeFlags) (*store.Store, []byte, error) {
	user, err := sf.username()
	if err != nil {
		return nil, nil, err
	}
	s, err := openStore(sf.data)
	if err != nil {
		return nil, nil, err
	}
	pw, err := e.readSecret(passwordSource(user, sf.passwordFile))
	if err == nil {
		err = s.Unlock(user, pw)
	}
	if err != nil {
		clear(pw)
		s.Close()
		return nil, nil, signInFailure(err, sf.data, user)
	}
	if rk := s.TakeNewRecoveryKey(); rk != "" {
		// This sign-in moved the practice to compartment keys, which made
		// a new recovery key: it is shown this once.
		fmt.Fprintf(e.stderr, "The practice now has a key for each kind of record. This made a new recovery key; the old one no longer works.\n"+
			"Write it down now and keep it somewhere safe, away from this computer (it is shown only this once):\n\n    %s\n\n", rk)
	}
	warnEdited(e, s) // digest.go
	return s, pw, nil
}

// showNewRecoveryKey prints, once, a recovery key that renewing the
// practice's keys made (a practice whose recovery slot predates key
// rotation gets a new one at its first rotation).
func (e *env) showNewRecoveryKey(s *store.Store) {
	if rk := s.TakeNewRecoveryKey(); rk != "" {
		fmt.Fprintf(e.stderr, "Renewing the clinical key made a new recovery key; the old one no longer opens new records.\n"+
			"Write it down now and keep it somewhere safe, away from this computer (it is shown only this once):\n\n    %s\n\n", rk)
	}
}

// signInFailure explains a failed sign-in and marks the failures that are
// the person's (wrong password, disabled account) for exit status 4.
func signInFailure(err error, dir, user string) error {
	var ul *store.UnlockError
	switch {
	case errors.Is(err, store.ErrNoPracticeSecret):
		return fmt.Errorf("%w ('ckadmin recover --data %s --user %s' does that)", err, dir, user)
	case errors.As(err, &ul), errors.Is(err, store.ErrUserDisabled), errors.Is(err, store.ErrWrongRecoveryKey):
		return &signInError{err: err}
	}
	return err
}

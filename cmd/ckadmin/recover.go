package main

import "fmt"

// runRecover unlocks the practice with its recovery key and sets a new
// password for one user. In a folder that lost its device file (or a
// restored backup) it also puts the practice secret back.
func runRecover(e *env, args []string) error {
	fs := e.flags()
	sf := addFolderUserFlags(fs, "the `username` that gets a new password (default $"+envUser+")")
	keyFile := fs.String("recovery-key-file", "", "read the practice's recovery key from `file` (else $"+envRecoveryKey+", else ask)")
	newFile := newPasswordFlag(fs)
	if _, err := e.parseExact(fs, args); err != nil {
		return err
	}
	user, err := sf.username()
	if err != nil {
		return err
	}
	s, err := openStore(sf.data)
	if err != nil {
		return err
	}
	defer s.Close()
	hadSecret := s.DeviceID() != ""
	rk, err := e.readRecoveryKey(*keyFile)
	if err != nil {
		return err
	}
	pw, err := e.readSecret(newPasswordSource(user, *newFile, "--new-password-file", envNewPassword))
	if err != nil {
		return err
	}
	defer clear(pw)
	if err := s.UnlockWithRecovery(rk, user, pw); err != nil {
		return signInFailure(err, sf.data, user)
	}
	fmt.Fprintf(e.stdout, "Set a new password for %s.\n", user)
	if !hadSecret {
		fmt.Fprintln(e.stdout, "This data folder holds the practice secret again, as a new workstation of the practice.")
	}
	return nil
}

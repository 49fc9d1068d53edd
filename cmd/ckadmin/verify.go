package main

import (
	"fmt"

	"chartkeeper/store"
)

// errDamaged ends a verify that found problems (exit status 1).
type errDamaged struct{ problems int }

func (e errDamaged) Error() string {
	n := "1 problem"
	if e.problems != 1 {
		n = fmt.Sprintf("%d problems", e.problems)
	}
	return fmt.Sprintf("the store is damaged (%s found); restore it from a backup", n)
}

// runVerify checks the store file's structure, then signs in and checks
// every sealed value. It prints "ok" last when nothing is wrong.
func runVerify(e *env, args []string) error {
	fs := e.flags()
	sf := addStoreFlags(fs)
	if _, err := e.parseExact(fs, args); err != nil {
		return err
	}
	if _, err := sf.username(); err != nil {
		return err
	}
	// The structure is checked before signing in: damage can make a
	// sign-in fail in ways that look like a wrong password or unknown user.
	if store.Exists(sf.data) {
		problems, err := store.CheckFile(sf.data)
		if err != nil {
			return err
		}
		if len(problems) > 0 {
			for _, p := range problems {
				fmt.Fprintln(e.stdout, p)
			}
			return errDamaged{len(problems)}
		}
	}
	s, err := e.signIn(sf)
	if err != nil {
		return err
	}
	defer s.Close()
	rep, err := s.Verify()
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "checked %d records (%d revisions), %d documents, %d audit entries, %d changes\n",
		rep.Records, rep.Revisions, rep.Blobs, rep.AuditEntries, rep.Changes)
	if rep.NotOpened > 0 {
		fmt.Fprintf(e.stdout, "note: %d revisions are sealed under keys your role does not hold: their links were checked, not their content (sign in as a health information manager to check everything)\n", rep.NotOpened)
	}
	if n := len(rep.Incomplete); n > 0 {
		fmt.Fprintf(e.stdout, "note: %d interrupted document imports left unused pieces; they are harmless\n", n)
	}
	if !rep.OK() {
		for _, p := range rep.Problems {
			fmt.Fprintln(e.stdout, p)
		}
		return errDamaged{len(rep.Problems)}
	}
	fmt.Fprintln(e.stdout, "ok")
	return nil
}

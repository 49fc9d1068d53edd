package main

import (
	"errors"
	"fmt"

	"chartkeeper/store"
)

// warnEdited says, after a sign-in, what the store's quick check of its
// state digest found: entries of the store file deleted, changed or put
// back behind the store's back. The command goes on ('ckadmin verify'
// runs the full check).
func warnEdited(e *env, s *store.Store) {
	var se *store.StateError
	if !errors.As(s.StateError(false), &se) {
		return
	}
	fmt.Fprintln(e.stderr, "Warning: the store file of this data folder was edited behind Chartkeeper's back:")
	for _, p := range se.Problems {
		fmt.Fprintf(e.stderr, "  %s\n", p)
	}
	fmt.Fprintln(e.stderr, "Run 'ckadmin verify' for the full check, and restore the practice from a backup.")
}

package main

import (
	"fmt"
	"time"
)

// runSyncSetAside prints what sync set aside on this workstation (health
// information managers): items from the server that failed their checks
// and were not applied. One a line, newest first: time, what it was, the
// workstation the server said sent it, that device's ID, why.
func runSyncSetAside(e *env, args []string) error {
	fs := e.flags()
	sf := addStoreFlags(fs)
	if _, err := e.parseExact(fs, args); err != nil {
		return err
	}
	svc, done, err := e.openService(sf)
	if err != nil {
		return err
	}
	defer done()
	items, err := svc.SetAsideItems()
	if err != nil {
		return err
	}
	if len(items) == 0 {
		fmt.Fprintln(e.stdout, "nothing set aside")
		return nil
	}
	w, flush := e.columns()
	defer flush()
	for _, it := range items {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", it.At.UTC().Format(time.RFC3339), it.Kind, field(it.Workstation), it.Device, field(it.Reason))
	}
	return nil
}

package main

import (
	"fmt"
	"time"

	"chartkeeper/chart"
)

// runAuditList prints the audit log (health information managers), one
// event a line: time, username, action, the patient's MRN, detail, and the
// workstation whose log holds it (every workstation's log, merged by time).
func runAuditList(e *env, args []string) error {
	fs := e.flags()
	sf := addStoreFlags(fs)
	mrnFlag := fs.String("mrn", "", "only the events about the patient with this medical record `number` (and patients merged into that chart)")
	if _, err := e.parseExact(fs, args); err != nil {
		return err
	}
	mrn := ""
	if *mrnFlag != "" {
		var err error
		if mrn, err = mrnFlagOrArg(*mrnFlag, nil); err != nil {
			return err
		}
	}
	svc, done, err := e.openService(sf)
	if err != nil {
		return err
	}
	defer done()
	id := ""
	if mrn != "" {
		if id, err = svc.PatientByMRN(mrn); err != nil {
			return err
		}
	}
	w, flush := e.columns()
	defer flush()
	return svc.Audit(id, func(ev chart.AuditEntry) error {
		detail := ev.Detail
		if ev.Flagged {
			detail = "[flagged] " + detail
		}
		_, err := fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", ev.Time.UTC().Format(time.RFC3339), field(ev.Username),
			field(ev.Action), field(ev.MRN), field(detail), field(ev.Workstation))
		return err
	})
}

package main

import (
	"fmt"
	"path/filepath"
	"time"

	"chartkeeper/chart"
	"chartkeeper/internal/words"
	"chartkeeper/scan"
)

// intakeSettle is how long batch intake watches the folder's files for
// changes before taking them (a scanner may still be writing the last).
const intakeSettle = time.Second

// runIntake takes every complete file in a folder once (back-scanning old
// paper charts): one line per file, taken or refused.
func runIntake(e *env, args []string) error {
	fs := e.flags()
	sf := addStoreFlags(fs)
	from := fs.String("from", "", "take the scans in `folder`")
	category := fs.String("category", "", "suggest document `category` C for what lands in the inbox")
	archive := fs.String("archive", "", "move originals to `folder` after import (default: delete them)")
	rule := fs.String("rule", "", "file by name with a `pattern` such as {mrn}_{category}_*.pdf")
	if _, err := e.parseExact(fs, args); err != nil {
		return err
	}
	if *from == "" {
		return usagef("missing --from FOLDER")
	}
	f := scan.Folder{Path: *from, Category: *category, Archive: *archive, Rule: *rule}
	if err := scan.CheckFolder(f); err != nil {
		return usagef("%v", err)
	}
	svc, done, err := e.openService(sf)
	if err != nil {
		return err
	}
	defer done()
	if role := roleOf(svc); !chart.Allowed(role, chart.FileDocuments) {
		return &chart.PermissionError{Role: role, Action: chart.FileDocuments}
	}
	w, flush := e.columns()
	var taken, left int
	err = scan.Batch(scan.NewIntake(svc), f, intakeSettle, func(r scan.Result) {
		name := filepath.Base(r.Path)
		switch r.Outcome {
		case scan.Imported:
			taken++
			where := "inbox"
			if r.Document.Filed() {
				s, _ := svc.Summary(r.Document.Patient)
				where = fmt.Sprintf("filed to MRN %s as %s (%s)", s.MRN, r.Document.Category, r.FiledBy)
			}
			fmt.Fprintf(w, "taken\t%s\t%s\t%s\t%s\n", field(name), r.Document.ID, words.Plural(r.Document.Pages, "page"), where)
		case scan.Duplicate:
			taken++
			fmt.Fprintf(w, "duplicate\t%s\t%s\talready stored; nothing new\n", field(name), r.Document.ID)
		default:
			left++
			fmt.Fprintf(w, "%s\t%s\t-\t-\t%s\n", r.Outcome, field(name), field(r.Reason))
		}
		if r.Err != nil && r.Outcome != scan.Deferred {
			fmt.Fprintf(e.stderr, "ckadmin: %s: %s\n", name, r.Reason)
		}
	})
	flush()
	if err != nil {
		return fmt.Errorf("cannot read the folder %s: %v", *from, pathErr(err))
	}
	if left > 0 {
		return fmt.Errorf("%d of %d files were left in %s; see the reasons above", left, taken+left, *from)
	}
	return nil
}

// runInboxList prints one line per unfiled document: ID, pages, source
// file name and when it arrived.
func runInboxList(e *env, args []string) error {
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
	docs, err := svc.Inbox()
	if err != nil {
		return err
	}
	w, flush := e.columns()
	defer flush()
	for _, d := range docs {
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\n", d.ID, d.Pages, field(d.Source), d.Received.Local().Format("2006-01-02 15:04:05"))
	}
	return nil
}

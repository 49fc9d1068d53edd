package main

import (
	"bytes"
	"flag"
	"fmt"
	"strings"
	"time"

	"chartkeeper/chart"
	"chartkeeper/internal/atomicfile"
	"chartkeeper/report"
	"chartkeeper/store"
)

// printFlags are the flags every print command shares.
type printFlags struct {
	sf  *storeFlags
	out *string
}

// addPrintFlags adds the store flags and --out; parse reads the arguments
// and insists on --out.
func (e *env) addPrintFlags() (fs *flag.FlagSet, pf *printFlags, parse func(args []string) ([]string, error)) {
	fs = e.flags()
	pf = &printFlags{sf: addStoreFlags(fs), out: fs.String("out", "", "write the PDF to `file`")}
	return fs, pf, func(args []string) ([]string, error) {
		pos, err := e.parse(fs, args)
		if err == nil && *pf.out == "" {
			err = usagef("missing --out FILE.pdf")
		}
		return pos, err
	}
}

// printDoc checks that the signed-in user may make printout kind of the
// patient and audits it (chart.Service.Print), then renders it with render
// and writes it to out, readable by its owner only: it holds patient data.
func (e *env) printDoc(svc *chart.Service, kind chart.PrintKind, patientID, out string,
	render func(pg report.Page, buf *bytes.Buffer) (report.Warnings, error)) error {
	if err := svc.Print(kind, patientID, nil); err != nil {
		return err
	}
	u, err := svc.CurrentUser()
	if err != nil {
		return err
	}
	practice, err := svc.Practice()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	warns, err := render(report.Page{Practice: practice.Name, PrintedBy: u.Name, PrintedAt: time.Now()}, &buf)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(out, buf.Bytes(), 0o600); err != nil {
		return err
	}
	for _, w := range warns {
		fmt.Fprintf(e.stderr, "warning: %s\n", w)
	}
	fmt.Fprintf(e.stdout, "Wrote %s (%d bytes).\n", out, buf.Len())
	return nil
}

// patientForPrint opens the service and finds the patient of --mrn.
func (e *env) patientForPrint(pf *printFlags, mrnFlag string, pos []string) (*chart.Service, func(), string, error) {
	mrn, err := mrnFlagOrArg(mrnFlag, pos)
	if err != nil {
		return nil, nil, "", err
	}
	svc, done, err := e.openService(pf.sf)
	if err != nil {
		return nil, nil, "", err
	}
	id, err := svc.PatientByMRN(mrn)
	if err != nil {
		done()
		return nil, nil, "", err
	}
	return svc, done, id, nil
}

func runPrintSummary(e *env, args []string) error {
	fs, pf, parse := e.addPrintFlags()
	mrn := fs.String("mrn", "", "the patient's medical record `number`")
	visits := fs.Int("visits", 10, "how many recent `visits` to include")
	pos, err := parse(args)
	if err != nil {
		return err
	}
	svc, done, id, err := e.patientForPrint(pf, *mrn, pos)
	if err != nil {
		return err
	}
	defer done()
	return e.printDoc(svc, chart.PrintSummary, id, *pf.out, func(pg report.Page, buf *bytes.Buffer) (report.Warnings, error) {
		c, err := svc.OpenChart(id)
		if err != nil {
			return nil, err
		}
		return report.Summary(buf, pg, c, *visits)
	})
}

func runPrintVisit(e *env, args []string) error {
	fs, pf, parse := e.addPrintFlags()
	visitID := fs.String("id", "", "the visit's `ID`")
	if _, err := parse(args); err != nil {
		return err
	}
	patientID, _, ok := strings.Cut(*visitID, ".")
	if !ok || patientID == "" {
		return usagef("--id must be a visit ID, like 0123abcd....0123abcd (ckadmin patient show lists them)")
	}
	svc, done, err := e.openService(pf.sf)
	if err != nil {
		return err
	}
	defer done()
	return e.printDoc(svc, chart.PrintVisit, patientID, *pf.out, func(pg report.Page, buf *bytes.Buffer) (report.Warnings, error) {
		c, err := svc.OpenChart(patientID)
		if err != nil {
			return nil, err
		}
		for _, v := range c.Visits {
			if v.ID == *visitID {
				return report.VisitNote(buf, pg, c.Patient, v, c.AmendmentsOf(v.ID))
			}
		}
		return nil, fmt.Errorf("%w: no visit %s in this chart that your role may see", store.ErrNotFound, *visitID)
	})
}

func runPrintCover(e *env, args []string) error {
	fs, pf, parse := e.addPrintFlags()
	mrn := fs.String("mrn", "", "the patient's medical record `number`")
	category := fs.String("category", "", "the document `category` the scans behind the sheet are filed under")
	pos, err := parse(args)
	if err != nil {
		return err
	}
	if _, ok := chart.CategoryByName(*category); !ok {
		var names []string
		for _, c := range chart.Categories {
			names = append(names, c.Name)
		}
		return usagef("--category must be one of %s", strings.Join(names, ", "))
	}
	svc, done, id, err := e.patientForPrint(pf, *mrn, pos)
	if err != nil {
		return err
	}
	defer done()
	return e.printDoc(svc, chart.PrintCover, id, *pf.out, func(pg report.Page, buf *bytes.Buffer) (report.Warnings, error) {
		p, err := svc.Patient(id)
		if err != nil {
			return nil, err
		}
		return report.CoverSheet(buf, pg, svc.PracticeID(), p, strings.ToLower(strings.TrimSpace(*category)))
	})
}

func runPrintLabels(e *env, args []string) error {
	fs, pf, parse := e.addPrintFlags()
	mrn := fs.String("mrn", "", "the patient's medical record `number`")
	count := fs.Int("count", 30, "how many `labels` (30 fill a sheet)")
	pos, err := parse(args)
	if err != nil {
		return err
	}
	if *count < 1 || *count > 300 {
		return usagef("--count must be between 1 and 300")
	}
	svc, done, id, err := e.patientForPrint(pf, *mrn, pos)
	if err != nil {
		return err
	}
	defer done()
	return e.printDoc(svc, chart.PrintLabels, id, *pf.out, func(pg report.Page, buf *bytes.Buffer) (report.Warnings, error) {
		p, err := svc.Patient(id)
		if err != nil {
			return nil, err
		}
		return report.Labels(buf, pg, p, *count)
	})
}

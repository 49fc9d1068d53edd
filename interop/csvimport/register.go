package csvimport

import (
	"errors"
	"fmt"
	"strings"

	"chartkeeper/chart"
)

// Duplicate is a row that looks like a patient already registered.
type Duplicate struct {
	Line    int
	Matches []chart.PatientSummary
}

// Report is what a check or an import found and did.
type Report struct {
	Rows       int        // patients in the list
	Errors     []RowError // rows that cannot be registered, by line
	Duplicates []Duplicate
	Imported   []chart.Patient // the patients registered, with their new MRNs
}

// ErrRows means some rows cannot be registered: nothing was.
var ErrRows = errors.New("some rows of the patient list cannot be registered, so no patient was (fix those rows and import the list again)")

// ErrDuplicates means some rows look like patients already registered:
// nothing was registered.
var ErrDuplicates = errors.New("some rows look like patients already registered, so no patient was (check them, or import anyway allowing duplicates)")

// Check checks every row with the chart's rules ([chart.Service.CheckPatient])
// and looks for likely duplicates among the registered patients; it
// stores nothing (a dry run).
func Check(svc *chart.Service, sh *Sheet) (*Report, error) {
	rep := &Report{Rows: len(sh.Rows) + len(sh.Errors), Errors: append([]RowError(nil), sh.Errors...)}
	for _, r := range sh.Rows {
		if err := svc.CheckPatient(r.Patient); err != nil {
			var ve *chart.ValidationError
			if !errors.As(err, &ve) {
				return nil, err // the role, or the store
			}
			var parts []string
			for _, f := range ve.Fields {
				parts = append(parts, f.Field+" "+f.Message) // "family name is required": no key and colon
			}
			rep.Errors = append(rep.Errors, RowError{r.Line, strings.Join(parts, "; ")})
			continue
		}
		ds, err := svc.Duplicates(r.Patient)
		if err != nil {
			return nil, err
		}
		if len(ds) > 0 {
			rep.Duplicates = append(rep.Duplicates, Duplicate{r.Line, ds})
		}
	}
	sortErrors(rep.Errors)
	return rep, nil
}

func sortErrors(es []RowError) {
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && es[j].Line < es[j-1].Line; j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
}

// Import checks the list as [Check] does and registers every patient of it
// in one transaction ([chart.Service.ImportPatients], new MRNs), or none: a bad row stops the
// import with [ErrRows], a likely duplicate with [ErrDuplicates] unless
// allowDuplicates.
func Import(svc *chart.Service, sh *Sheet, allowDuplicates bool, source string) (*Report, error) {
	rep, err := Check(svc, sh)
	if err != nil {
		return nil, err
	}
	if len(rep.Errors) > 0 {
		return rep, ErrRows
	}
	if len(rep.Duplicates) > 0 && !allowDuplicates {
		return rep, ErrDuplicates
	}
	ps := make([]chart.Patient, len(sh.Rows))
	for i, r := range sh.Rows {
		ps[i] = r.Patient
	}
	out, err := svc.ImportPatients(ps, source)
	if err != nil {
		return rep, fmt.Errorf("no patient of the list was registered: %w", err)
	}
	rep.Imported = out
	return rep, nil
}

package fhir

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"chartkeeper/chart"
)

// ImportOptions say how [Import] treats a bundle.
type ImportOptions struct {
	// DryRun checks everything and reports, and stores nothing.
	DryRun bool
	// AllowDuplicates imports patients that look like patients already
	// registered (the audit log notes it). Without it, any likely
	// duplicate stops the import before anything is stored.
	AllowDuplicates bool
	// Source says in the audit log where the charts came from.
	Source string
	// Limit is the largest bundle read, in bytes (MaxBundleSize when 0).
	Limit int64
}

// PatientResult is what became of one patient of the bundle.
type PatientResult struct {
	Patient    chart.Patient // as stored (ID and MRN set) or as it would be
	Imported   bool
	Records    int                    // clinical records and documents
	Duplicates []chart.PatientSummary // registered patients it looks like
}

// ImportReport says what an import did or, for a dry run, would do.
type ImportReport struct {
	Patients []PatientResult
	Skipped  []Skip
}

// Imported counts the patients stored.
func (r *ImportReport) Imported() int {
	n := 0
	for _, p := range r.Patients {
		if p.Imported {
			n++
		}
	}
	return n
}

// ErrDuplicates means likely duplicates stopped the import: nothing was
// stored. The report names them.
var ErrDuplicates = errors.New("some patients in the bundle look like patients already registered; nothing was imported (check them, merge later or import anyway with the option to allow duplicates)")

// Import reads a bundle and stores its charts (HIM managers). Every patient
// is mapped and checked, and the duplicate check run against the patients
// registered before the import, before anything is written; a problem
// anywhere imports nothing. Each patient is then stored whole, in one
// transaction of its own.
func Import(r io.Reader, svc *chart.Service, o ImportOptions) (*ImportReport, error) {
	parsed, err := Parse(r, o.Limit)
	if err != nil {
		return nil, err
	}
	return ImportParsed(parsed, svc, o)
}

// ImportParsed is [Import] for a bundle already parsed.
func ImportParsed(parsed *Parsed, svc *chart.Service, o ImportOptions) (*ImportReport, error) {
	rep := &ImportReport{Skipped: parsed.Skipped}
	var problems []string
	for i := range parsed.Charts {
		c := &parsed.Charts[i]
		if c.Source == "" { // for the line "imported from SOURCE on DATE" of its history visits
			c.Source = cmp.Or(o.Source, "FHIR bundle")
		}
		if err := svc.CheckImport(c); err != nil {
			var ve *chart.ValidationError
			if !errors.As(err, &ve) {
				return nil, err // a refusal for the role, or the store
			}
			for _, f := range ve.Fields {
				problems = append(problems, fmt.Sprintf("patient %d of the bundle: %s", i+1, f.Error()))
			}
		}
		rep.Patients = append(rep.Patients, PatientResult{Patient: c.Patient, Records: records(c)})
	}
	if len(problems) > 0 {
		return nil, &ParseError{problems}
	}
	dups := false
	for i, c := range parsed.Charts {
		ds, err := svc.Duplicates(c.Patient)
		if err != nil {
			return nil, err
		}
		rep.Patients[i].Duplicates = ds
		dups = dups || len(ds) > 0
	}
	if dups && !o.AllowDuplicates {
		return rep, ErrDuplicates
	}
	if o.DryRun {
		return rep, nil
	}
	source := o.Source
	if source == "" {
		source = "FHIR bundle"
	}
	for i, c := range parsed.Charts {
		src := source
		if n := len(rep.Patients[i].Duplicates); n > 0 {
			src = fmt.Sprintf("%s, despite %d likely duplicate(s)", source, n)
		}
		p, err := svc.ImportChart(c, src)
		if err != nil {
			return rep, fmt.Errorf("patient %d of the bundle was not imported (%d before it were, each whole): %w", i+1, i, err)
		}
		rep.Patients[i].Patient, rep.Patients[i].Imported = p, true
	}
	return rep, nil
}

func records(c *chart.ImportedChart) int {
	n := len(c.Problems) + len(c.Allergies) + len(c.Medications) + len(c.Vitals) + len(c.Immunizations) + len(c.Documents)
	for _, v := range c.Visits {
		n += 1 + len(v.Amendments)
	}
	return n
}

// SkipCount is how many resources were left out for one reason.
type SkipCount struct {
	Type   string // the resource type, e.g. "Claim"
	Reason string
	Count  int
}

func (s SkipCount) String() string { return fmt.Sprintf("%d × %s: %s", s.Count, s.Type, s.Reason) }

// SkippedSummary counts what an import left out by resource type and
// reason, most first: the import report's summary.
func SkippedSummary(skips []Skip) []SkipCount {
	idx := map[[2]string]int{}
	var out []SkipCount
	for _, s := range skips {
		typ := s.Resource
		if a, b, ok := strings.Cut(s.Resource, "("); ok && strings.HasSuffix(b, ")") {
			_ = a
			typ = strings.TrimSuffix(b, ")")
		}
		k := [2]string{typ, s.Reason}
		if i, ok := idx[k]; ok {
			out[i].Count++
			continue
		}
		idx[k] = len(out)
		out = append(out, SkipCount{Type: typ, Reason: s.Reason, Count: 1})
	}
	slices.SortStableFunc(out, func(a, b SkipCount) int { return b.Count - a.Count })
	return out
}

package chart

import (
	"cmp"
	"fmt"
	"strings"

	"chartkeeper/store"
)

// Chart is one patient's chart as the signed-in user may see it. Sections
// the role does not reach are nil and named in Hidden.
type Chart struct {
	Patient   Patient
	Merged    []Patient // patients merged into this one; their records are included below
	Problems  []Problem
	Allergies []Allergy
	// NoKnownAllergies are the "No known allergies" statements, superseded
	// ones too; see [Chart.AllergyState].
	NoKnownAllergies []NoKnownAllergies
	Medications      []Medication
	Visits           []Visit     // newest first
	Amendments       []Amendment // oldest first; Target names the visit
	Vitals           []Vitals    // newest first
	Immunizations    []Immunization
	Procedures       []ProcedureRecord // newest first
	Results          []Result          // newest first
	Reports          []Report          // notes, reports, care plans and goals; newest first
	Documents        []Document        // newest clinical date first
	Hidden           []string          // sections left out for the role, e.g. "clinical"
	BreakGlass       bool              // opened with break-glass access
}

// AmendmentsOf lists the amendments of one visit, oldest first.
func (c *Chart) AmendmentsOf(visitID string) []Amendment {
	var out []Amendment
	for _, a := range c.Amendments {
		if a.Target == visitID {
			out = append(out, a)
		}
	}
	return out
}

// OpenChart reads a patient's chart (audited as "chart.view", flagged when
// break-glass access was used). Merged patients' records are included.
func (s *Service) OpenChart(patientID string) (*Chart, error) {
	if _, err := s.require(ReadDemographics); err != nil {
		return nil, err
	}
	u, glass, clinErr := s.requireFor(ReadClinical, patientID)
	if clinErr != nil && u.ID == "" {
		return nil, clinErr
	}
	seeClinical := clinErr == nil
	seeAllDocs := Allowed(u.Role, ViewDocuments) || glass
	seeAdminDocs := Allowed(u.Role, ViewAdminDocuments)
	c := &Chart{BreakGlass: glass}
	if !seeClinical {
		c.Hidden = append(c.Hidden, "clinical")
	}
	if !seeAllDocs {
		c.Hidden = append(c.Hidden, "clinical documents")
	}
	var ids []string
	s.finder.peek(func() { ids = append([]string{patientID}, s.finder.mergedAll(patientID)...) })
	err := s.st.Update(func(tx *store.Tx) error {
		p, err := s.getPatient(tx, patientID)
		if err != nil {
			return err
		}
		c.Patient = p
		for _, id := range ids {
			if id != patientID {
				mp, err := s.getPatient(tx, id)
				if err != nil {
					return err
				}
				c.Merged = append(c.Merged, mp)
			}
			prefix := id + "."
			if seeClinical {
				if err := s.readClinical(tx, prefix, c); err != nil {
					return err
				}
			}
			if err := tx.ListPrefix(TypeDocument, prefix, func(r store.Record) error {
				d, err := readDocument(tx, r)
				if err != nil {
					return err
				}
				cat, _ := CategoryByName(d.Category)
				if seeAllDocs || seeAdminDocs && cat.Administrative {
					c.Documents = append(c.Documents, d)
				}
				return nil
			}); err != nil {
				return err
			}
		}
		detail := ""
		if len(c.Hidden) > 0 {
			detail = fmt.Sprintf(detailChartHidden, strings.Join(c.Hidden, ", "))
		}
		if glass {
			detail = detailBreakGlassUse
		}
		noteRecent(tx, u.ID, patientID) // the user's recent patients (home.go)
		return audit(tx, "chart.view", patientID, detail, glass)
	})
	if err != nil {
		return nil, err
	}
	sortBy(c.Visits, func(v Visit) string { return invert(v.Date + v.ID) })
	sortBy(c.Vitals, func(v Vitals) string { return invert(v.Taken.UTC().Format("2006-01-02T15:04:05.000")) })
	for i := range c.Vitals {
		c.Vitals[i].Round() // sets stored before measurements were rounded on saving show at their unit's precision too
	}
	sortBy(c.Amendments, func(a Amendment) string { return a.At.UTC().Format("2006-01-02T15:04:05.000000") })
	sortBy(c.Documents, func(d Document) string { return invert(d.ClinicalDate) })
	sortBy(c.Immunizations, func(im Immunization) string { return im.Date })
	sortBy(c.Procedures, func(p ProcedureRecord) string { return invert(p.Date) })
	sortBy(c.Results, func(r Result) string { return invert(r.Taken.UTC().Format("2006-01-02T15:04:05.000")) })
	sortBy(c.Reports, func(r Report) string { return cmp.Or(invert(r.Date), "\x7f") }) // undated (goals) last
	return c, nil
}

// invert makes an ascending sort key descending (for ASCII keys).
func invert(k string) string {
	b := []byte(k)
	for i := range b {
		b[i] = 0x7f - b[i]
	}
	return string(b)
}

// readClinical appends the clinical records under prefix to c.
func (s *Service) readClinical(tx *store.Tx, prefix string, c *Chart) error {
	pid := strings.TrimSuffix(prefix, ".")
	for _, err := range []error{
		listInto(tx, TypeProblem, pid, &c.Problems),
		listInto(tx, TypeAllergy, pid, &c.Allergies),
		listInto(tx, TypeNoKnownAllergies, pid, &c.NoKnownAllergies),
		listInto(tx, TypeMedication, pid, &c.Medications),
		listInto(tx, TypeVisit, pid, &c.Visits),
		listInto(tx, TypeAmendment, pid, &c.Amendments),
		listInto(tx, TypeVitals, pid, &c.Vitals),
		listInto(tx, TypeImmunization, pid, &c.Immunizations),
		listInto(tx, TypeProcedure, pid, &c.Procedures),
		listInto(tx, TypeResult, pid, &c.Results),
		listInto(tx, TypeReport, pid, &c.Reports),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// listInto appends every live record of type typ in patient pid's chart to
// dst, decoded, with its Meta filled in.
func listInto[T any, P interface {
	*T
	meta() *Meta
}](tx *store.Tx, typ, pid string, dst *[]T) error {
	return tx.ListPrefix(typ, pid+".", func(r store.Record) error {
		var x T
		if err := decode(r, &x); err != nil {
			return err
		}
		*P(&x).meta() = Meta{ID: r.ID, Rev: r.Rev, Patient: pid, Changed: r.HLC.Time()}
		*dst = append(*dst, x)
		return nil
	})
}

package chart

import (
	"fmt"

	"chartkeeper/store"
)

// PrintKind is a kind of printout or export.
type PrintKind string

// The printouts and exports. Cover sheets and labels are administrative;
// the rest carry clinical content.
const (
	PrintSummary     PrintKind = "summary"
	PrintVisit       PrintKind = "visit"
	PrintCover       PrintKind = "cover"
	PrintLabels      PrintKind = "labels"
	PrintDisclosures PrintKind = "disclosures"
	PrintAccess      PrintKind = "access"
	PrintExport      PrintKind = "export"
)

// printAction is the role-table row that allows a kind of printout.
func printAction(k PrintKind) (Action, error) {
	switch k {
	case PrintCover, PrintLabels:
		return PrintAdmin, nil
	case PrintSummary, PrintVisit, PrintExport:
		return PrintClinical, nil
	case PrintDisclosures, PrintAccess:
		return Administer, nil
	}
	return 0, fmt.Errorf("%w: unknown printout %q", store.ErrInvalid, k)
}

// Print checks that the signed-in user may make printout k of a patient's
// chart and writes it to the audit log ("print.summary", ...). When the
// printout leaves the practice, pass the disclosure: it is recorded in the
// patient's accounting of disclosures. Call it before handing the PDF out.
func (s *Service) Print(k PrintKind, patientID string, leaves *Disclosure) error {
	a, err := printAction(k)
	if err != nil {
		return err
	}
	if _, err := s.require(a); err != nil {
		return err
	}
	if leaves != nil {
		d := *leaves
		d.Patient = patientID
		if d.What == "" {
			d.What = string(k)
		}
		if _, err := s.recordDisclosure(d); err != nil {
			return err
		}
	}
	return s.st.Update(func(tx *store.Tx) error {
		if _, err := s.getPatient(tx, patientID); err != nil {
			return err
		}
		return audit(tx, "print."+string(k), patientID, "", false)
	})
}

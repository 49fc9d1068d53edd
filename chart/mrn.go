package chart

import (
	"fmt"
	"slices"
	"strings"

	"chartkeeper/store"
)

// MRN collisions. A workstation draws a new MRN at random and checks it
// against the patients it knows, but two workstations offline at the same
// time can draw the same one (about one chance in ten million per pair of
// registrations). Sync then brings two patients with one MRN. Nothing is
// merged or renumbered by itself: the MRN is on paper already. Looking the
// MRN up refuses to choose ([MRNCollisionError]), the pair is listed on the
// HIM worklist ([Service.MRNCollisions]) and an HIM manager gives one of
// them a new MRN ([Service.ReassignMRN]); the old one is kept among that
// patient's identifiers as "previous MRN", so the paper trail stays.

// PreviousMRN is the identifier system under which a reassigned MRN is kept.
const PreviousMRN = "previous MRN"

// MRNCollisionError is the answer to a lookup of an MRN that two or more
// patients carry.
type MRNCollisionError struct {
	MRN      string
	Patients int
}

func (e *MRNCollisionError) Error() string {
	return fmt.Sprintf("MRN %s belongs to %d different patients (registered on two workstations at once); "+
		"find the patient by name or birth date, and ask a health information manager to give one of them a new MRN",
		e.MRN, e.Patients)
}

// MRNCollision is one MRN carried by more than one patient.
type MRNCollision struct {
	MRN      string
	Patients []PatientSummary // by name
}

// MRNCollisions lists the MRNs that more than one (unmerged) patient
// carries, for HIM managers.
func (s *Service) MRNCollisions() ([]MRNCollision, error) {
	if _, err := s.require(Administer); err != nil {
		return nil, err
	}
	var out []MRNCollision
	err := s.finder.read(func() {
		f := s.finder
		for mrn, ids := range f.mrns {
			if len(ids) < 2 {
				continue
			}
			var c MRNCollision
			for _, id := range f.survivors(ids) {
				// a merged duplicate that kept its MRN is the survivor's
				// business, not a collision: only patients carrying it count
				if p := f.people[id]; p.MRN == mrn {
					c.Patients = append(c.Patients, p)
				}
			}
			if len(c.Patients) > 1 {
				c.MRN = mrn
				out = append(out, c)
			}
		}
	})
	if err != nil {
		return nil, err
	}
	for _, c := range out {
		slices.SortFunc(c.Patients, func(a, b PatientSummary) int {
			return strings.Compare(a.Name()+a.ID, b.Name()+b.ID)
		})
	}
	slices.SortFunc(out, func(a, b MRNCollision) int { return strings.Compare(a.MRN, b.MRN) })
	return out, nil
}

// ReassignMRN gives a patient a new MRN (HIM managers), keeping the old
// one among its identifiers as [PreviousMRN]. It returns the new MRN.
func (s *Service) ReassignMRN(patientID, reason string) (string, error) {
	if _, err := s.require(Administer); err != nil {
		return "", err
	}
	if strings.TrimSpace(reason) == "" {
		return "", &ValidationError{What: "new MRN", Fields: []FieldError{{Field: T("reason"), Message: T("is required")}}}
	}
	if err := reasonError("new MRN", reason); err != nil {
		return "", err
	}
	s.mrnMu.Lock()
	defer s.mrnMu.Unlock()
	var mrn string
	if err := s.finder.read(func() { mrn = s.finder.newMRN() }); err != nil {
		return "", err
	}
	err := s.st.Update(func(tx *store.Tx) error {
		p, err := s.getPatient(tx, patientID)
		if err != nil {
			return err
		}
		if p.MergedInto != "" {
			return ErrMerged
		}
		old := p.MRN
		p.Identifiers = append(p.Identifiers, Identifier{System: PreviousMRN, Value: old})
		p.MRN = mrn
		if _, err := put(tx, TypePatient, p.ID, p.Rev, p); err != nil {
			return err
		}
		return audit(tx, "patient.mrn", p.ID, fmt.Sprintf(detailMRN, old, mrn, strings.TrimSpace(reason)), false)
	})
	if err != nil {
		return "", err
	}
	return mrn, s.finder.refresh()
}

package chart

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"chartkeeper/internal/testpractice"
	"chartkeeper/store"
)

// TestRoleTable checks every cell of the role table (roles.go,
// docs/SECURITY.md) through the service calls that enforce it.
func TestRoleTable(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Testová", "Žofie", "1971-02-03")
	v := p.visit(pt, "2026-05-01")
	p.as(store.RoleClinician)
	if err := p.svc.Save(&Problem{Meta: Meta{Patient: pt.ID}, Code: "I10", Description: "Essential hypertension"}); err != nil {
		t.Fatal(err)
	}
	v, err := p.svc.SetVisitCodes(v.ID, v.Rev, []Diagnosis{{Code: "J20.9", Primary: true}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	clinicalDoc, err := p.svc.AddDocument(bytes.NewReader([]byte("%PDF-1.4 lab")), Document{Meta: Meta{Patient: pt.ID}, Category: "lab", ClinicalDate: "2026-05-02", ContentType: "application/pdf"})
	if err != nil {
		t.Fatal(err)
	}
	adminDoc, err := p.svc.AddDocument(bytes.NewReader([]byte("%PDF-1.4 insurance card")), Document{Meta: Meta{Patient: pt.ID}, Category: "insurance", ClinicalDate: "2026-05-02", ContentType: "application/pdf"})
	if err != nil {
		t.Fatal(err)
	}

	type cell struct {
		name string
		// allowed per role: front desk, clinician, coder, HIM
		allowed [4]bool
		who     string // the roles the refusal names
		try     func(s *Service) error
	}
	roles := []store.Role{store.RoleFrontDesk, store.RoleClinician, store.RoleCoder, store.RoleHIM}
	n := 0
	cells := []cell{
		{"find patient", [4]bool{true, true, true, true}, "", func(s *Service) error {
			hits, err := s.Find("testov", 10)
			if err == nil && len(hits) != 1 {
				t.Errorf("find: %d hits", len(hits))
			}
			return err
		}},
		{"read demographics", [4]bool{true, true, true, true}, "", func(s *Service) error { _, err := s.Patient(pt.ID); return err }},
		{"write demographics", [4]bool{true, true, false, true}, "front desk staff, clinicians or health information managers", func(s *Service) error {
			n++
			_, _, err := s.RegisterPatient(Patient{Family: "Neuerfund", Given: "Test", DOB: "2001-01-0" + string(rune('0'+n)), Sex: Male})
			return err
		}},
		{"read clinical", [4]bool{false, true, true, true}, "clinicians, medical coders or health information managers", func(s *Service) error {
			c, err := s.OpenChart(pt.ID)
			if err != nil {
				return err
			}
			if len(c.Problems) == 0 {
				return &PermissionError{Role: roleOf(t, s), Action: ReadClinical}
			}
			return nil
		}},
		{"write clinical", [4]bool{false, true, false, false}, "only clinicians may", func(s *Service) error {
			return s.Save(&Allergy{Meta: Meta{Patient: pt.ID}, Substance: "Penicillin", Severity: "severe"})
		}},
		{"sign visit", [4]bool{false, true, false, false}, "only clinicians may", func(s *Service) error {
			nv := Visit{Meta: Meta{Patient: pt.ID}, Date: "2026-05-10", Reason: "Review", Plan: "Continue."}
			if roleOf(t, s) == store.RoleClinician {
				if err := s.SaveVisit(&nv); err != nil {
					return err
				}
				_, err := s.SignVisit(nv.ID, nv.Rev)
				return err
			}
			_, err := s.SignVisit(v.ID, v.Rev)
			return err
		}},
		{"read codes", [4]bool{false, true, true, true}, "", func(s *Service) error {
			c, err := s.OpenChart(pt.ID)
			if err != nil {
				return err
			}
			for _, cv := range c.Visits {
				if len(cv.Diagnoses) > 0 {
					return nil
				}
			}
			return &PermissionError{Role: roleOf(t, s), Action: ReadCodes}
		}},
		{"write codes", [4]bool{false, true, true, false}, "clinicians or medical coders", func(s *Service) error {
			cur := v
			if roleOf(t, s) != store.RoleFrontDesk { // front desk cannot open the visit to reread it
				cur = reread(t, p, v.ID)
			}
			_, err := s.SetVisitCodes(cur.ID, cur.Rev, []Diagnosis{{Code: "J20.9", Primary: true}, {Code: "I10"}}, nil)
			return err
		}},
		{"intake and filing", [4]bool{true, true, false, true}, "front desk staff, clinicians or health information managers", func(s *Service) error {
			_, err := s.AddDocument(bytes.NewReader([]byte("scan")), Document{ContentType: "image/png", Source: "scan-0001.png"})
			return err
		}},
		{"view clinical documents", [4]bool{false, true, true, true}, "clinicians, medical coders or health information managers", func(s *Service) error {
			return readDoc(s, clinicalDoc.ID)
		}},
		{"view administrative documents", [4]bool{true, true, true, true}, "", func(s *Service) error {
			return readDoc(s, adminDoc.ID)
		}},
		{"print summaries, export", [4]bool{false, true, false, true}, "clinicians or health information managers", func(s *Service) error {
			return s.Print(PrintSummary, pt.ID, nil)
		}},
		{"print cover sheets and labels", [4]bool{true, true, false, true}, "front desk staff, clinicians or health information managers", func(s *Service) error {
			if err := s.Print(PrintCover, pt.ID, nil); err != nil {
				return err
			}
			return s.Print(PrintLabels, pt.ID, nil)
		}},
		{"users and roles", [4]bool{false, false, false, true}, "", func(s *Service) error {
			_, err := s.Store().AddUser(store.NewUser{Username: "u" + string(rune('a'+n)), Name: "Extra Person", Role: store.RoleCoder, Password: []byte(testpractice.Password)})
			n++
			return err
		}},
		{"audit review", [4]bool{false, false, false, true}, "only health information managers may", func(s *Service) error {
			return s.Audit(pt.ID, func(AuditEntry) error { return nil })
		}},
		{"items sync set aside", [4]bool{false, false, false, true}, "only health information managers may", func(s *Service) error {
			_, err := s.SetAsideItems()
			return err
		}},
		{"merges", [4]bool{false, false, false, true}, "only health information managers may", func(s *Service) error {
			_, err := s.DuplicateCandidates(10)
			return err
		}},
		{"amendments", [4]bool{false, false, false, true}, "only health information managers may", func(s *Service) error {
			_, err := s.RequestAmendment(AmendmentRequest{Meta: Meta{Patient: pt.ID}, Requester: "the patient", Received: "2026-05-12", Text: "Wrong birthplace"})
			return err
		}},
		{"disclosures", [4]bool{false, false, false, true}, "only health information managers may", func(s *Service) error {
			_, err := s.RecordDisclosure(Disclosure{Meta: Meta{Patient: pt.ID}, Recipient: "Insurer Test AG", What: "visit of 2026-05-01", Purpose: "claim"})
			return err
		}},
	}
	for _, c := range cells {
		for i, role := range roles {
			err := c.try(p.as(role))
			switch {
			case c.allowed[i] && err != nil:
				t.Errorf("%s as %s: refused: %v", c.name, role, err)
			case !c.allowed[i] && err == nil:
				t.Errorf("%s as %s: allowed, want refused", c.name, role)
			case !c.allowed[i] && !errors.Is(err, store.ErrPermission):
				t.Errorf("%s as %s: want a permission error, got %v", c.name, role, err)
			case !c.allowed[i] && c.who != "":
				wantPermission(t, c.name+" as "+string(role), err, c.who)
			}
		}
	}
}

func roleOf(t *testing.T, s *Service) store.Role {
	u, err := s.user()
	if err != nil {
		t.Fatal(err)
	}
	return u.Role
}

func reread(t *testing.T, p *practice, id string) Visit {
	t.Helper()
	var v Visit
	err := p.st.View(func(tx *store.Tx) error {
		var err error
		v, err = p.svc.visit(tx, id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func readDoc(s *Service, id string) error {
	rc, _, err := s.OpenDocument(id)
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.ReadAll(rc)
	return err
}

// TestPermissionMessageNamesRoles checks the wording a person reads.
func TestPermissionMessageNamesRoles(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Κωστοπούλου", "Ελένη", "1980-06-30")
	err := p.as(store.RoleFrontDesk).Save(&Problem{Meta: Meta{Patient: pt.ID}, Code: "I10", Description: "Hypertension"})
	want := "your role (front desk) may not change the clinical chart; only clinicians may"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
	_, _, err = p.as(store.RoleCoder).OpenDocument("0123456789abcdef0123456789abcdef")
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing document: %v", err)
	}
}

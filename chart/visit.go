package chart

import (
	"fmt"
	"strings"
	"time"

	"chartkeeper/store"
)

// Diagnosis is an ICD-10-CM code assigned to a visit.
type Diagnosis struct {
	Code        string `json:"code"` // without the dot
	Description string `json:"description,omitempty"`
	Primary     bool   `json:"primary,omitempty"`
}

// Procedure is a procedure done at a visit.
type Procedure struct {
	Code        string `json:"code,omitempty"` // the practice's procedure code system
	Description string `json:"description"`
}

// Visit is one encounter and its SOAP note. Signing makes the note
// immutable; corrections are [Amendment]s that keep it. Codes stay
// assignable after signing (coding follows the note), each change a new
// revision of the record.
type Visit struct {
	Meta
	Date        string      `json:"date"` // YYYY-MM-DD
	ClinicianID string      `json:"clinicianId"`
	Clinician   string      `json:"clinician"`
	Reason      string      `json:"reason"`
	Subjective  string      `json:"subjective,omitempty"`
	Objective   string      `json:"objective,omitempty"`
	Assessment  string      `json:"assessment,omitempty"`
	Plan        string      `json:"plan,omitempty"`
	Diagnoses   []Diagnosis `json:"diagnoses,omitempty"`
	Procedures  []Procedure `json:"procedures,omitempty"`
	Signed      bool        `json:"signed,omitempty"`
	SignedBy    string      `json:"signedBy,omitempty"`
	SignedByID  string      `json:"signedById,omitempty"`
	SignedAt    time.Time   `json:"signedAt,omitzero"`
	// Codings are the visit's type as another system coded it; ReasonCodings
	// its reason's codes.
	Codings       []Coding `json:"codings,omitempty"`
	ReasonCodings []Coding `json:"reasonCodings,omitempty"`
	// ImportedFrom and ImportedAt mark a finished visit of another system,
	// kept as history: it counts as signed (it is not a draft of anyone
	// here) and says where it came from ([Visit.ImportedLine]).
	ImportedFrom string    `json:"importedFrom,omitempty"`
	ImportedAt   time.Time `json:"importedAt,omitzero"`
}

// ImportedLine is "imported from SOURCE on DATE" for a visit kept as
// history from another system, else "".
func (v Visit) ImportedLine() string {
	if v.ImportedFrom == "" {
		return ""
	}
	line := "imported from " + v.ImportedFrom
	if !v.ImportedAt.IsZero() {
		line += " on " + v.ImportedAt.Format(dateLayout)
	}
	return line
}

// Amendment corrects or adds to a signed visit note, which stays as it was.
type Amendment struct {
	Meta
	Target   string    `json:"target"` // the visit's ID
	Text     string    `json:"text"`
	Reason   string    `json:"reason"`
	Author   string    `json:"author"`
	AuthorID string    `json:"authorId"`
	At       time.Time `json:"at"`
	Request  string    `json:"request,omitempty"` // the amendment request it answers
}

func decodeVisit(r store.Record) (Visit, error) {
	var v Visit
	if err := decode(r, &v); err != nil {
		return v, err
	}
	v.ID, v.Rev, v.Patient = r.ID, r.Rev, patientOf(r.ID)
	return v, nil
}

func (s *Service) checkVisit(v *Visit) error {
	var pr problems
	v.Reason = strings.TrimSpace(v.Reason)
	pr.controls(v)
	s.checkDate(&pr, T("date"), v.Date, true)
	pr.required(T("reason"), v.Reason)
	pr.maxLen(T("reason"), v.Reason, 500)
	for _, f := range []struct{ name, text string }{{T("subjective"), v.Subjective}, {T("objective"), v.Objective}, {T("assessment"), v.Assessment}, {T("plan"), v.Plan}} {
		pr.maxLen(f.name, f.text, 100_000)
	}
	s.checkCodes(&pr, v.Diagnoses, v.Procedures)
	checkCodings(&pr, T("codings"), v.Codings)
	checkCodings(&pr, T("reason codings"), v.ReasonCodings)
	pr.maxLen(T("imported from"), v.ImportedFrom, 500)
	return pr.err("visit")
}

// checkCodes validates diagnoses (exactly one primary when there are any,
// no code twice) and procedures, normalising the codes in place.
func (s *Service) checkCodes(pr *problems, ds []Diagnosis, ps []Procedure) {
	primaries := 0
	seen := map[string]bool{}
	for i := range ds {
		f := fmt.Sprintf("diagnoses[%d].code", i+1)
		ds[i].Code = s.checkCode(pr, f, ds[i].Code, true)
		if seen[ds[i].Code] && ds[i].Code != "" {
			pr.addf(f, T("%s is listed twice"), ds[i].Code)
		}
		seen[ds[i].Code] = true
		if ds[i].Description == "" {
			if c, ok := s.lookupCode(ds[i].Code); ok {
				ds[i].Description = c.Description
			}
		}
		if ds[i].Primary {
			primaries++
		}
	}
	if len(ds) > 0 && primaries != 1 {
		pr.addf(T("diagnoses"), T("exactly one diagnosis must be the primary one (%d are)"), primaries)
	}
	for i := range ps {
		pr.required(fmt.Sprintf("procedures[%d].description", i+1), ps[i].Description)
	}
}

// SaveVisit stores a new visit (ID empty, Patient set) or an edit of an
// unsigned one. The clinician defaults to the signed-in user.
func (s *Service) SaveVisit(v *Visit) error {
	pid := v.Patient
	if v.ID != "" {
		pid = patientOf(v.ID)
	}
	u, _, err := s.requireFor(WriteClinical, pid)
	if err != nil {
		return err
	}
	if v.ClinicianID == "" {
		v.ClinicianID, v.Clinician = u.ID, u.Name
	}
	v.Signed, v.SignedBy, v.SignedByID, v.SignedAt = false, "", "", time.Time{}
	if err := s.checkVisit(v); err != nil {
		return err
	}
	return s.st.Update(func(tx *store.Tx) error {
		if err := s.liveChart(tx, pid); err != nil {
			return err
		}
		id, action := v.ID, "visit.update"
		if id == "" {
			id, action = childID(pid), "visit.create"
		} else {
			old, err := s.visit(tx, id)
			if err != nil {
				return err
			}
			if old.Signed {
				return ErrSigned
			}
		}
		r, err := put(tx, TypeVisit, id, v.Rev, v)
		if err != nil {
			return err
		}
		v.ID, v.Rev, v.Patient = r.ID, r.Rev, pid
		return audit(tx, action, pid, r.ID, false)
	})
}

func (s *Service) visit(tx *store.Tx, id string) (Visit, error) {
	r, err := tx.Get(id)
	if err != nil {
		return Visit{}, err
	}
	if r.Type != TypeVisit || r.Deleted {
		return Visit{}, fmt.Errorf("%w: no visit with ID %s", store.ErrNotFound, id)
	}
	return decodeVisit(r)
}

// SignVisit signs a visit note as the signed-in clinician; from then on it
// cannot change. rev must be the revision the clinician read.
func (s *Service) SignVisit(id, rev string) (Visit, error) {
	u, err := s.require(SignVisit)
	if err != nil {
		return Visit{}, err
	}
	var v Visit
	err = s.st.Update(func(tx *store.Tx) error {
		if v, err = s.visit(tx, id); err != nil {
			return err
		}
		if v.Signed {
			return ErrSigned
		}
		if rev != v.Rev {
			return store.ErrConflict
		}
		if err := s.checkVisit(&v); err != nil {
			return err
		}
		if strings.TrimSpace(v.Subjective+v.Objective+v.Assessment+v.Plan) == "" {
			return &ValidationError{What: "visit", Fields: []FieldError{{Field: T("note"), Message: T("is empty: write the note before signing")}}}
		}
		v.Signed, v.SignedBy, v.SignedByID, v.SignedAt = true, u.Name, u.ID, s.now().UTC()
		r, err := put(tx, TypeVisit, id, v.Rev, v)
		if err != nil {
			return err
		}
		v.Rev = r.Rev
		return audit(tx, "visit.sign", v.Patient, id, false)
	})
	return v, err
}

// SetVisitCodes assigns the diagnosis and procedure codes of a visit,
// signed or not (clinicians and coders).
func (s *Service) SetVisitCodes(id, rev string, ds []Diagnosis, ps []Procedure) (Visit, error) {
	if _, _, err := s.requireFor(WriteCodes, patientOf(id)); err != nil {
		return Visit{}, err
	}
	var pr problems
	s.checkCodes(&pr, ds, ps)
	if err := pr.err("coding"); err != nil {
		return Visit{}, err
	}
	var v Visit
	err := s.st.Update(func(tx *store.Tx) error {
		var err error
		if v, err = s.visit(tx, id); err != nil {
			return err
		}
		if rev != v.Rev {
			return store.ErrConflict
		}
		v.Diagnoses, v.Procedures = ds, ps
		r, err := put(tx, TypeVisit, id, v.Rev, v)
		if err != nil {
			return err
		}
		v.Rev = r.Rev
		return audit(tx, "visit.code", v.Patient, fmt.Sprintf(detailVisitCoded, id, len(ds), len(ps)), false)
	})
	return v, err
}

// AmendVisit adds an amendment to a signed visit as the signed-in clinician.
func (s *Service) AmendVisit(visitID, text, reason string) (Amendment, error) {
	u, err := s.require(SignVisit)
	if err != nil {
		return Amendment{}, err
	}
	var a Amendment
	err = s.st.Update(func(tx *store.Tx) error {
		a, err = s.amend(tx, u, visitID, text, reason, "")
		return err
	})
	return a, err
}

// amend writes an amendment to a signed visit in tx.
func (s *Service) amend(tx *store.Tx, u store.User, visitID, text, reason, request string) (Amendment, error) {
	text, reason = strings.TrimSpace(text), strings.TrimSpace(reason)
	var pr problems
	pr.required(T("amendment text"), text)
	pr.required(T("reason"), reason)
	pr.maxLen(T("amendment text"), text, 100_000)
	if err := pr.err("amendment"); err != nil {
		return Amendment{}, err
	}
	v, err := s.visit(tx, visitID)
	if err != nil {
		return Amendment{}, err
	}
	if !v.Signed {
		return Amendment{}, fmt.Errorf("%w: the visit is not signed yet: edit it instead of amending", store.ErrInvalid)
	}
	a := Amendment{Target: visitID, Text: text, Reason: reason, Author: u.Name, AuthorID: u.ID, At: s.now().UTC(), Request: request}
	r, err := put(tx, TypeAmendment, childID(v.Patient), "", a)
	if err != nil {
		return a, err
	}
	a.ID, a.Rev, a.Patient = r.ID, r.Rev, v.Patient
	return a, audit(tx, "visit.amend", v.Patient, visitID, false)
}

package chart

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"chartkeeper/store"
)

// AmendmentRequest is a patient's request to amend their record (HIM
// managers handle them). Accepting one adds the amendment to the visit it
// names; the original always stays.
type AmendmentRequest struct {
	Meta
	Requester  string    `json:"requester"` // the patient or their representative
	Received   string    `json:"received"`  // YYYY-MM-DD
	Target     string    `json:"target,omitempty"`
	Text       string    `json:"text"` // what the patient asks to change
	Status     string    `json:"status"`
	Decision   string    `json:"decision,omitempty"` // the reason given, required for a denial
	DecidedBy  string    `json:"decidedBy,omitempty"`
	DecidedAt  time.Time `json:"decidedAt,omitzero"`
	Amendment  string    `json:"amendment,omitempty"` // the amendment written when accepted
	RecordedBy string    `json:"recordedBy"`
}

// Amendment request states.
const (
	RequestOpen     = "requested"
	RequestAccepted = "accepted"
	RequestDenied   = "denied"
)

// RequestAmendment records an amendment request for a patient.
func (s *Service) RequestAmendment(req AmendmentRequest) (AmendmentRequest, error) {
	u, err := s.require(Administer)
	if err != nil {
		return req, err
	}
	var pr problems
	pr.required(T("requester"), req.Requester)
	pr.required(T("requested change"), req.Text)
	s.checkDate(&pr, T("received"), req.Received, true)
	if req.Target != "" && patientOf(req.Target) != req.Patient {
		pr.add(T("target"), T("is not a record of this patient"))
	}
	if err := pr.err("amendment request"); err != nil {
		return req, err
	}
	req.Status, req.RecordedBy = RequestOpen, u.Username
	err = s.st.Update(func(tx *store.Tx) error {
		if err := s.liveChart(tx, req.Patient); err != nil {
			return err
		}
		r, err := put(tx, TypeAmendReq, childID(req.Patient), "", req)
		if err != nil {
			return err
		}
		req.ID, req.Rev = r.ID, r.Rev
		return audit(tx, "amendment.request", req.Patient, req.ID, false)
	})
	return req, err
}

// DecideAmendment accepts or denies an open request. A denial needs its
// reason; accepting one that names a visit adds amendmentText to it.
func (s *Service) DecideAmendment(id string, accept bool, reason, amendmentText string) (AmendmentRequest, error) {
	u, err := s.require(Administer)
	if err != nil {
		return AmendmentRequest{}, err
	}
	var req AmendmentRequest
	err = s.st.Update(func(tx *store.Tx) error {
		r, err := tx.Get(id)
		if err != nil {
			return err
		}
		if r.Type != TypeAmendReq || r.Deleted {
			return fmt.Errorf("%w: no amendment request %s", store.ErrNotFound, id)
		}
		if err := decode(r, &req); err != nil {
			return err
		}
		req.ID, req.Rev, req.Patient = r.ID, r.Rev, patientOf(r.ID)
		if req.Status != RequestOpen {
			return fmt.Errorf("%w: the request was already %s", store.ErrInvalid, req.Status)
		}
		reason = strings.TrimSpace(reason)
		if !accept && reason == "" {
			return &ValidationError{What: "decision", Fields: []FieldError{{Field: T("reason"), Message: T("is required to deny a request")}}}
		}
		if err := reasonError("decision", reason); err != nil {
			return err
		}
		req.Status, req.Decision, req.DecidedBy, req.DecidedAt = RequestDenied, reason, u.Username, s.now().UTC()
		if accept {
			req.Status = RequestAccepted
			if req.Target != "" {
				if strings.TrimSpace(amendmentText) == "" {
					amendmentText = req.Text
				}
				a, err := s.amend(tx, u, req.Target, amendmentText, "amendment request accepted: "+cmp.Or(reason, "patient's request"), req.ID)
				if err != nil {
					return err
				}
				req.Amendment = a.ID
			}
		}
		nr, err := put(tx, TypeAmendReq, id, r.Rev, req)
		if err != nil {
			return err
		}
		req.Rev = nr.Rev
		return audit(tx, "amendment."+req.Status, req.Patient, id, false)
	})
	return req, err
}

// AmendmentRequests lists a patient's requests ("" for every patient).
func (s *Service) AmendmentRequests(patientID string) ([]AmendmentRequest, error) {
	if _, err := s.require(Administer); err != nil {
		return nil, err
	}
	var out []AmendmentRequest
	err := s.st.View(func(tx *store.Tx) error {
		prefix := ""
		if patientID != "" {
			prefix = patientID + "."
		}
		return tx.ListPrefix(TypeAmendReq, prefix, func(r store.Record) error {
			var q AmendmentRequest
			if err := decode(r, &q); err != nil {
				return err
			}
			q.ID, q.Rev, q.Patient = r.ID, r.Rev, patientOf(r.ID)
			out = append(out, q)
			return nil
		})
	})
	sortBy(out, func(q AmendmentRequest) string { return q.Received })
	return out, err
}

// Disclosure is one release of information outside the practice.
type Disclosure struct {
	Meta
	Date      string `json:"date"`      // YYYY-MM-DD
	Recipient string `json:"recipient"` // to whom
	What      string `json:"what"`      // which information
	Purpose   string `json:"purpose"`   // why
	By        string `json:"by"`        // the user who released it
}

// RecordDisclosure writes a disclosure into a patient's accounting of
// disclosures (HIM managers; printing and export record theirs themselves).
func (s *Service) RecordDisclosure(d Disclosure) (Disclosure, error) {
	if _, err := s.require(Administer); err != nil {
		return d, err
	}
	return s.recordDisclosure(d)
}

func (s *Service) recordDisclosure(d Disclosure) (Disclosure, error) {
	u, err := s.user()
	if err != nil {
		return d, err
	}
	if d.Date == "" {
		d.Date = s.today().Format(dateLayout)
	}
	var pr problems
	s.checkDate(&pr, T("date"), d.Date, true)
	pr.required(T("recipient"), d.Recipient)
	pr.required(T("what was released"), d.What)
	pr.required(T("purpose"), d.Purpose)
	if err := pr.err("disclosure"); err != nil {
		return d, err
	}
	d.By = u.Username
	err = s.st.Update(func(tx *store.Tx) error {
		if _, err := s.getPatient(tx, d.Patient); err != nil {
			return err
		}
		r, err := put(tx, TypeDisclosure, childID(d.Patient), "", d)
		if err != nil {
			return err
		}
		d.ID, d.Rev = r.ID, r.Rev
		return audit(tx, "disclosure", d.Patient, fmt.Sprintf(detailDisclosure, d.Recipient, d.Purpose), false)
	})
	return d, err
}

// Disclosures is a patient's accounting of disclosures, oldest first.
func (s *Service) Disclosures(patientID string) ([]Disclosure, error) {
	if _, err := s.require(Administer); err != nil {
		return nil, err
	}
	var out []Disclosure
	err := s.st.View(func(tx *store.Tx) error { return listInto(tx, TypeDisclosure, patientID, &out) })
	sortBy(out, func(d Disclosure) string { return d.Date })
	return out, err
}

// MergePatients merges patient dup into keep (HIM managers): dup's record
// and chart stay as they are, shown within keep's chart; dup leaves search.
// Undo with [Service.UndoMerge].
func (s *Service) MergePatients(keepID, dupID, reason string) error {
	if _, err := s.require(Administer); err != nil {
		return err
	}
	if strings.TrimSpace(reason) == "" {
		return &ValidationError{What: "merge", Fields: []FieldError{{Field: T("reason"), Message: T("is required")}}}
	}
	if err := reasonError("merge", reason); err != nil {
		return err
	}
	if keepID == dupID {
		return fmt.Errorf("%w: a patient cannot be merged into itself", store.ErrInvalid)
	}
	err := s.st.Update(func(tx *store.Tx) error {
		keep, err := s.getPatient(tx, keepID)
		if err != nil {
			return err
		}
		dup, err := s.getPatient(tx, dupID)
		if err != nil {
			return err
		}
		if keep.MergedInto != "" || dup.MergedInto != "" {
			return fmt.Errorf("%w: one of the two was already merged; undo that first", ErrMerged)
		}
		dup.MergedInto = keepID
		if _, err := put(tx, TypePatient, dupID, dup.Rev, dup); err != nil {
			return err
		}
		detail := fmt.Sprintf(detailMerge, dup.MRN, keep.MRN, reason)
		if err := audit(tx, "patient.merge", keepID, detail, false); err != nil {
			return err
		}
		return audit(tx, "patient.merge", dupID, detail, false)
	})
	if err != nil {
		return err
	}
	return s.finder.refresh()
}

// UndoMerge separates a merged patient from the chart it was merged into.
func (s *Service) UndoMerge(dupID, reason string) error {
	if _, err := s.require(Administer); err != nil {
		return err
	}
	if strings.TrimSpace(reason) == "" {
		return &ValidationError{What: "undo of the merge", Fields: []FieldError{{Field: T("reason"), Message: T("is required")}}}
	}
	if err := reasonError("undo of the merge", reason); err != nil {
		return err
	}
	err := s.st.Update(func(tx *store.Tx) error {
		dup, err := s.getPatient(tx, dupID)
		if err != nil {
			return err
		}
		if dup.MergedInto == "" {
			return fmt.Errorf("%w: MRN %s is not merged", store.ErrInvalid, dup.MRN)
		}
		keepID := dup.MergedInto
		dup.MergedInto = ""
		if _, err := put(tx, TypePatient, dupID, dup.Rev, dup); err != nil {
			return err
		}
		detail := fmt.Sprintf(detailUnmerge, dup.MRN, reason)
		if err := audit(tx, "patient.unmerge", keepID, detail, false); err != nil {
			return err
		}
		return audit(tx, "patient.unmerge", dupID, detail, false)
	})
	if err != nil {
		return err
	}
	return s.finder.refresh()
}

package chart

import (
	"encoding/json"
	"fmt"
	"time"

	"chartkeeper/store"
)

// Draft is what the signed-in user typed into a form and has not saved:
// the workstation writes one a few seconds after the last key and when it
// locks, and puts it back in its form at the next sign-in. A draft is not
// part of the medical record: it is not a record, not audited, never
// synced, and only the user who wrote it reads it (store.Tx.PutDraft).
type Draft struct {
	// Key names the form and the record it edits, as the front end chose
	// it (the workstation writes "visit/<patient ID>/<visit ID or new>").
	// Keep patient data out of it: IDs only.
	Key     string
	Patient string            // the patient the form is about, if any
	Fields  map[string]string // the form's fields as typed
	Saved   time.Time         // when it was written (set by SaveDraft)
}

// draftBody is how a draft's content is encoded inside the sealed value.
type draftBody struct {
	Patient string            `json:"patient,omitempty"`
	Fields  map[string]string `json:"fields"`
}

// SaveDraft keeps d as the signed-in user's draft d.Key, replacing the
// previous one. Any signed-in user may keep drafts; a draft is no access
// to a chart, so nothing is audited.
func (s *Service) SaveDraft(d Draft) error {
	if _, err := s.user(); err != nil {
		return err
	}
	data, err := json.Marshal(draftBody{Patient: d.Patient, Fields: d.Fields})
	if err != nil {
		return err
	}
	return s.st.Update(func(tx *store.Tx) error { return tx.PutDraft(d.Key, data) })
}

// Draft reads the signed-in user's draft key; ok is false when there is
// none.
func (s *Service) Draft(key string) (d Draft, ok bool, err error) {
	var sd store.Draft
	err = s.st.View(func(tx *store.Tx) error {
		var err error
		sd, ok, err = tx.Draft(key)
		return err
	})
	if err != nil || !ok {
		return Draft{}, false, err
	}
	d, err = decodeDraft(sd)
	return d, err == nil, err
}

// Drafts lists the signed-in user's drafts, the most recently written
// first. Drafts that cannot be read are left out.
func (s *Service) Drafts() ([]Draft, error) {
	var sds []store.Draft
	err := s.st.View(func(tx *store.Tx) error {
		var err error
		sds, _, err = tx.Drafts()
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]Draft, 0, len(sds))
	for _, sd := range sds {
		if d, err := decodeDraft(sd); err == nil {
			out = append(out, d)
		}
	}
	return out, nil
}

// DiscardDraft removes the signed-in user's draft key, when the form was
// saved or its changes thrown away. Removing a draft that is not there is
// no error.
func (s *Service) DiscardDraft(key string) error {
	return s.st.Update(func(tx *store.Tx) error { return tx.DeleteDraft(key) })
}

func decodeDraft(sd store.Draft) (Draft, error) {
	var b draftBody
	if err := json.Unmarshal(sd.Data, &b); err != nil {
		return Draft{}, fmt.Errorf("chart: draft %s: %w", sd.Name, err)
	}
	return Draft{Key: sd.Name, Patient: b.Patient, Fields: b.Fields, Saved: sd.Saved}, nil
}

package chart

import (
	"errors"
	"time"

	"chartkeeper/store"
)

// TypeNoKnownAllergies is the record type of a clinician's statement that
// the patient has no known allergies. It is kept, audited and synced like
// every chart record; an active allergy recorded later supersedes it.
const TypeNoKnownAllergies = "nka"

// NoKnownAllergies is "No known allergies", recorded on purpose: asking the
// patient and finding none is not the same as never having asked. Who
// recorded it and when are part of the record (the banner shows them), and
// in the audit log.
type NoKnownAllergies struct {
	Meta
	RecordedAt time.Time `json:"recordedAt"`
	RecordedBy string    `json:"recordedBy"` // the user's full name
	// Superseded is set when an active allergy was recorded after it; the
	// record stays, with its history.
	Superseded bool `json:"superseded,omitempty"`
}

func (*NoKnownAllergies) kind() string { return TypeNoKnownAllergies }
func (n *NoKnownAllergies) check(_ *Service, pr *problems) {
	pr.maxLen(T("recorded by"), n.RecordedBy, 200)
}

// ErrAllergiesActive refuses "No known allergies" while the chart lists an
// active allergy.
var ErrAllergiesActive = errors.New("\"No known allergies\" was not recorded: the chart lists active allergies. Mark them inactive first if they no longer apply")

// AllergyState is what a chart says about allergies, as the banner and the
// printed summary show it.
type AllergyState int

const (
	// AllergiesNotRecorded: no active allergy and no "No known allergies".
	AllergiesNotRecorded AllergyState = iota
	// NoKnownAllergiesState: a clinician recorded "No known allergies" and
	// no active allergy was recorded since.
	NoKnownAllergiesState
	// AllergiesRecorded: at least one active allergy.
	AllergiesRecorded
)

// ActiveAllergies are the chart's allergies whose status is active.
func (c *Chart) ActiveAllergies() []Allergy {
	var out []Allergy
	for _, a := range c.Allergies {
		if a.Status != "inactive" {
			out = append(out, a)
		}
	}
	return out
}

// NoKnownAllergy is the newest "No known allergies" of the chart that no
// active allergy superseded, if any.
func (c *Chart) NoKnownAllergy() (NoKnownAllergies, bool) {
	var best NoKnownAllergies
	ok := false
	for _, n := range c.NoKnownAllergies {
		if !n.Superseded && (!ok || n.RecordedAt.After(best.RecordedAt)) {
			best, ok = n, true
		}
	}
	return best, ok
}

// AllergyState says whether the chart lists active allergies, says "No
// known allergies", or says nothing yet. An active allergy always wins,
// also over a "No known allergies" recorded on another workstation before
// the two synced.
func (c *Chart) AllergyState() AllergyState {
	if len(c.ActiveAllergies()) > 0 {
		return AllergiesRecorded
	}
	if _, ok := c.NoKnownAllergy(); ok {
		return NoKnownAllergiesState
	}
	return AllergiesNotRecorded
}

// RecordNoKnownAllergies records that the patient has no known allergies
// (clinicians). It is refused with [ErrAllergiesActive] while an active
// allergy is listed. Recording it again while it stands confirms it: a new
// revision with the new time and author.
func (s *Service) RecordNoKnownAllergies(patientID string) (NoKnownAllergies, error) {
	n := NoKnownAllergies{Meta: Meta{Patient: patientID}}
	if _, _, err := s.requireFor(WriteClinical, patientID); err != nil {
		return n, err
	}
	var standing []NoKnownAllergies
	if err := s.st.View(func(tx *store.Tx) error {
		return listInto(tx, TypeNoKnownAllergies, patientID, &standing)
	}); err != nil {
		return n, err
	}
	for _, x := range standing {
		if !x.Superseded && x.RecordedAt.After(n.RecordedAt) {
			n = x
		}
	}
	err := s.Save(&n) // stamps the time and the author
	return n, err
}

// clinicalRules applies the rules between records of one chart, inside the
// transaction that saves it: "No known allergies" is refused while an
// allergy is active, and an active allergy supersedes it.
func (s *Service) clinicalRules(tx *store.Tx, u store.User, pid string, it Item) error {
	switch x := it.(type) {
	case *NoKnownAllergies:
		if x.Superseded {
			return nil
		}
		x.RecordedAt, x.RecordedBy = s.now().UTC(), u.Name
		active := false
		if err := tx.ListPrefix(TypeAllergy, pid+".", func(r store.Record) error {
			var a Allergy
			if err := decode(r, &a); err != nil {
				return err
			}
			active = active || a.Status != "inactive"
			return nil
		}); err != nil {
			return err
		}
		if active {
			return ErrAllergiesActive
		}
	case *Allergy:
		if x.Status == "inactive" {
			return nil
		}
		var standing []NoKnownAllergies
		if err := listInto(tx, TypeNoKnownAllergies, pid, &standing); err != nil {
			return err
		}
		for _, n := range standing {
			if n.Superseded {
				continue
			}
			n.Superseded = true
			if _, err := put(tx, TypeNoKnownAllergies, n.ID, n.Rev, n); err != nil {
				return err
			}
			if err := audit(tx, TypeNoKnownAllergies+".supersede", pid, detailAllergyRecorded, false); err != nil {
				return err
			}
		}
	}
	return nil
}

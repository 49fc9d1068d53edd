package chart

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"chartkeeper/store"
)

// TypeNotDuplicate is the record type of an HIM manager's decision that
// two patients the duplicate finder paired are not the same person. The
// pair then never returns to the duplicates worklist, on any workstation.
const TypeNotDuplicate = "notduplicate"

// NotDuplicate is that decision. Its record ID is derived from the two
// patient IDs in sorted order, and its body holds only them, so that two
// workstations marking the same pair write the same record and converge
// when they sync. Who decided, and when, is in the audit log.
type NotDuplicate struct {
	A string `json:"a"` // the smaller patient ID
	B string `json:"b"` // the larger
}

// notDuplicateID is the record ID of the decision about patients a and b,
// whichever order they are given in.
func notDuplicateID(a, b string) (string, NotDuplicate) {
	if a > b {
		a, b = b, a
	}
	sum := sha256.Sum256([]byte(a + "\x00" + b))
	return "notdup-" + hex.EncodeToString(sum[:20]), NotDuplicate{A: a, B: b}
}

// MarkNotDuplicate records that patients aID and bID are not the same
// person (HIM managers): the pair leaves the duplicates worklist for good.
// It is audited on both patients. Marking a pair already marked does
// nothing.
func (s *Service) MarkNotDuplicate(aID, bID string) error {
	if _, err := s.require(Administer); err != nil {
		return err
	}
	if aID == bID {
		return fmt.Errorf("%w: a patient is always the same person as itself", store.ErrInvalid)
	}
	id, nd := notDuplicateID(aID, bID)
	return s.st.Update(func(tx *store.Tx) error {
		a, err := s.getPatient(tx, nd.A)
		if err != nil {
			return err
		}
		b, err := s.getPatient(tx, nd.B)
		if err != nil {
			return err
		}
		if _, err := tx.Get(id); err == nil {
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if _, err := put(tx, TypeNotDuplicate, id, "", nd); err != nil {
			return err
		}
		detail := fmt.Sprintf("MRN %s and MRN %s marked not the same person", a.MRN, b.MRN)
		if err := audit(tx, "patient.notduplicate", nd.A, detail, false); err != nil {
			return err
		}
		return audit(tx, "patient.notduplicate", nd.B, detail, false)
	})
}

// notDuplicates is the set of pairs marked not the same person, each as
// its two patient IDs in sorted order.
func notDuplicates(tx *store.Tx) (map[[2]string]bool, error) {
	out := map[[2]string]bool{}
	err := tx.List(TypeNotDuplicate, func(r store.Record) error {
		var nd NotDuplicate
		if err := decode(r, &nd); err != nil {
			return err
		}
		out[[2]string{nd.A, nd.B}] = true
		return nil
	})
	return out, err
}

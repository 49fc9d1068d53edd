package chart

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"chartkeeper/store"
)

// TypeNotDuplicate is the record type of an HIM manager's decision that
// two patients the duplicate finder paired are not the same person. The
// pair then never returns to the duplicates worklist, on any workstation.
const TypeNotDuplicate = "notduplicate"

// NotDuplicate is that decision. Its record ID is derived from the two
// patient IDs in sorted order, so that two workstations marking the same
// pair write the same record and converge when they sync (two different
// reasons are both kept, joined). An HIM manager may undo it, with a
// reason: the record then says so and the pair is listed again; marking
// it again later writes a new version. Who decided, and when, is in the
// audit log, with the reasons.
type NotDuplicate struct {
	A      string `json:"a"`                // the smaller patient ID
	B      string `json:"b"`                // the larger
	Reason string `json:"reason,omitempty"` // why they are not the same person

	Undone     bool   `json:"undone,omitempty"`      // the decision was taken back
	UndoReason string `json:"undo_reason,omitempty"` // why
}

// notDuplicateReason checks the written reason of a decision or its undo.
func notDuplicateReason(what, reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	var pr problems
	pr.required(T("reason"), reason)
	pr.maxLen(T("reason"), reason, 500)
	if n := len([]rune(reason)); n > 0 && n < 5 {
		pr.add(T("reason"), T("must say why (at least 5 characters)"))
	}
	return reason, pr.err(what)
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
// person (HIM managers), with the reason written down: the pair leaves the
// duplicates worklist on every workstation until the decision is undone
// ([Service.UndoNotDuplicate]). It is audited on both patients, with the
// reason. Marking a pair already marked does nothing.
func (s *Service) MarkNotDuplicate(aID, bID, reason string) error {
	if _, err := s.require(Administer); err != nil {
		return err
	}
	if aID == bID {
		return fmt.Errorf("%w: a patient is always the same person as itself", store.ErrInvalid)
	}
	reason, err := notDuplicateReason("not the same person", reason)
	if err != nil {
		return err
	}
	id, nd := notDuplicateID(aID, bID)
	nd.Reason = reason
	return s.st.Update(func(tx *store.Tx) error {
		a, err := s.getPatient(tx, nd.A)
		if err != nil {
			return err
		}
		b, err := s.getPatient(tx, nd.B)
		if err != nil {
			return err
		}
		parent := ""
		if r, err := tx.Get(id); err == nil {
			var old NotDuplicate
			if err := decode(r, &old); err != nil {
				return err
			}
			if !r.Deleted && !old.Undone {
				return nil
			}
			parent = r.Rev
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if _, err := put(tx, TypeNotDuplicate, id, parent, nd); err != nil {
			return err
		}
		detail := fmt.Sprintf(detailNotDuplicate, a.MRN, b.MRN, reason)
		if err := audit(tx, "patient.notduplicate", nd.A, detail, false); err != nil {
			return err
		}
		return audit(tx, "patient.notduplicate", nd.B, detail, false)
	})
}

// UndoNotDuplicate takes back the decision that patients aID and bID are
// not the same person (HIM managers), with the reason written down: the
// pair is listed as likely duplicates again, on every workstation once
// synced. The decision and its reason stay in the record beside the undo;
// both are audited on both patients. A pair not marked is ErrNotFound.
func (s *Service) UndoNotDuplicate(aID, bID, reason string) error {
	if _, err := s.require(Administer); err != nil {
		return err
	}
	reason, err := notDuplicateReason("undoing not the same person", reason)
	if err != nil {
		return err
	}
	id, _ := notDuplicateID(aID, bID)
	return s.st.Update(func(tx *store.Tx) error {
		r, err := tx.Get(id)
		if err != nil {
			return err
		}
		var nd NotDuplicate
		if err := decode(r, &nd); err != nil {
			return err
		}
		if r.Deleted || nd.Undone {
			return fmt.Errorf("%w: the pair is not marked not the same person", store.ErrNotFound)
		}
		a, err := s.getPatient(tx, nd.A)
		if err != nil {
			return err
		}
		b, err := s.getPatient(tx, nd.B)
		if err != nil {
			return err
		}
		nd.Undone, nd.UndoReason = true, reason
		if _, err := put(tx, TypeNotDuplicate, id, r.Rev, nd); err != nil {
			return err
		}
		detail := fmt.Sprintf(detailNotDupUndone, a.MRN, b.MRN, reason)
		if err := audit(tx, "patient.notduplicate.undo", nd.A, detail, false); err != nil {
			return err
		}
		return audit(tx, "patient.notduplicate.undo", nd.B, detail, false)
	})
}

// NotDuplicatePair is a pair marked not the same person, for the list an
// HIM manager undoes a decision from.
type NotDuplicatePair struct {
	A, B   PatientSummary
	Reason string
}

// NotDuplicates lists the pairs marked not the same person and not undone
// (HIM managers).
func (s *Service) NotDuplicates() ([]NotDuplicatePair, error) {
	if _, err := s.require(Administer); err != nil {
		return nil, err
	}
	var out []NotDuplicatePair
	err := s.st.View(func(tx *store.Tx) error {
		return tx.List(TypeNotDuplicate, func(r store.Record) error {
			var nd NotDuplicate
			if err := decode(r, &nd); err != nil {
				return err
			}
			if nd.Undone {
				return nil
			}
			a, err := s.getPatient(tx, nd.A)
			if err != nil {
				return nil // merged away or deleted: nothing to undo
			}
			b, err := s.getPatient(tx, nd.B)
			if err != nil {
				return nil
			}
			out = append(out, NotDuplicatePair{A: a.Summary(), B: b.Summary(), Reason: nd.Reason})
			return nil
		})
	})
	return out, err
}

// mergeNotDuplicate merges two versions of a decision written on two
// workstations. Where both marked the pair with different reasons, both
// reasons are kept; a mark beside an undo is a real conflict.
func mergeNotDuplicate(base, a, b []byte) ([]byte, error) {
	out, err := mergeBodies(base, a, b)
	if err == nil || !errors.Is(err, store.ErrCollision) {
		return out, err
	}
	var x, y NotDuplicate
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil || x.A != y.A || x.B != y.B || x.Undone != y.Undone {
		return nil, err
	}
	x.Reason = joinReasons(x.Reason, y.Reason)
	x.UndoReason = joinReasons(x.UndoReason, y.UndoReason)
	return json.Marshal(x)
}

// joinReasons keeps two reasons, in the same order on every workstation.
func joinReasons(p, q string) string {
	switch {
	case p == q || q == "":
		return p
	case p == "":
		return q
	case p > q:
		p, q = q, p
	}
	return p + " / " + q
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
		if !nd.Undone {
			out[[2]string{nd.A, nd.B}] = true
		}
		return nil
	})
	return out, err
}

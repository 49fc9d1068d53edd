package chart

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"chartkeeper/store"
)

// Clinical documents in the clinical compartment.
//
// A filed document of a clinical category keeps its clinical content
// sealed to the practice's clinical document key (store.Tx.SealClinical,
// store.Store.PutClinicalBlob): whoever files it (front desk too) seals,
// only clinicians, coders and HIM managers open. What front desk needs to
// see that the document exists and to file and route it stays under the
// general key: its patient (in its ID), category, clinical date, page
// count, size, content type, times of receipt and filing and who filed it.
// Sealed: the content, the title, the note, the scanned file's name and the
// codings. Inbox documents are not categorised yet and stay under the
// general key, since whoever files them must see the pages; filing one
// into a clinical category re-seals its content and drops this
// workstation's general-key copy (docs/SECURITY.md says what that does not
// reach).

// sealedDocFields are the fields of a clinical document sealed to the
// clinical document key, as JSON.
type sealedDocFields struct {
	Title   string   `json:"title,omitempty"`
	Note    string   `json:"note,omitempty"`
	Source  string   `json:"source,omitempty"`
	Codings []Coding `json:"codings,omitempty"`
}

// clinicalCategory reports whether documents of category name belong in
// the clinical compartment (every category that is not administrative,
// including one this program does not know).
func clinicalCategory(name string) bool {
	c, ok := CategoryByName(name)
	return !ok || !c.Administrative
}

// sealsClinically reports whether the filed document d is sealed to the
// clinical document key in this session.
func sealsClinically(st interface{ SealsClinical() bool }, d Document) bool {
	return d.Filed() && clinicalCategory(d.Category) && st.SealsClinical()
}

func docSealContext(id string) string { return "document " + id }

// sealDocument returns the copy of d to store as record id: for a filed
// clinical document, its clinical fields sealed to the clinical document
// key and left out of the clear body. In a practice without that key yet
// (see store.Store.SealsClinical) it is d as before.
func sealDocument(tx *store.Tx, id string, d Document) (Document, error) {
	d.Sealed = nil
	if !sealsClinically(tx, d) {
		return d, nil
	}
	if d.Locked {
		return d, fmt.Errorf("%w: the document's clinical part is not open in this session", store.ErrNoKey)
	}
	pt, err := json.Marshal(sealedDocFields{Title: d.Title, Note: d.Note, Source: d.Source, Codings: d.Codings})
	if err != nil {
		return d, err
	}
	if d.Sealed, err = tx.SealClinical(pt, docSealContext(id)); err != nil {
		return d, err
	}
	d.Title, d.Note, d.Source, d.Codings = "", "", "", nil
	return d, nil
}

// putDocument writes d as a revision of record id (parent "" for a new
// record), sealing what sealDocument seals.
func putDocument(tx *store.Tx, id, parent string, d Document) (store.Record, error) {
	stored, err := sealDocument(tx, id, d)
	if err != nil {
		return store.Record{}, err
	}
	return put(tx, TypeDocument, id, parent, stored)
}

// unsealDocument opens the sealed fields of d when the session holds the
// clinical key; without it, d is marked Locked and those fields stay
// empty.
func unsealDocument(tx *store.Tx, d *Document) error {
	if d.Sealed == nil {
		return nil
	}
	pt, err := tx.OpenClinical(d.Sealed, docSealContext(d.ID))
	if errors.Is(err, store.ErrNoKey) {
		d.Locked = true
		return nil
	}
	if err != nil {
		return fmt.Errorf("document %s: %w", d.ID, err)
	}
	var f sealedDocFields
	if err := json.Unmarshal(pt, &f); err != nil {
		return fmt.Errorf("%w: document %s: %v", store.ErrTampered, d.ID, err)
	}
	d.Title, d.Note, d.Source, d.Codings, d.Sealed = f.Title, f.Note, f.Source, f.Codings, nil
	return nil
}

// readDocument decodes a document record and opens what the session's
// keys reach of it.
func readDocument(tx *store.Tx, r store.Record) (Document, error) {
	d, err := decodeDocument(r)
	if err != nil {
		return d, err
	}
	return d, unsealDocument(tx, &d)
}

// sealContent stores the content of blob as sealed to the clinical
// document key and returns the new blob (or the one already holding that
// content so sealed).
func (s *Service) sealContent(blob string) (store.BlobInfo, error) {
	rc, _, err := s.st.OpenBlob(blob)
	if err != nil {
		return store.BlobInfo{}, err
	}
	defer rc.Close()
	return s.st.PutClinicalBlob(rc)
}

// dropUnusedBlob removes this workstation's copy of blob when no live
// document and no rejected document names it any more (the general-key
// copy of content re-sealed to the clinical document key).
func (s *Service) dropUnusedBlob(blob string) error {
	used := false
	x := &s.docs
	x.mu.Lock()
	err := s.st.View(func(tx *store.Tx) error {
		if err := x.update(tx); err != nil {
			return err
		}
		if len(x.byBlob[blob]) > 0 {
			used = true
			return nil
		}
		return tx.List(TypeRejected, func(r store.Record) error {
			var b struct {
				Blob string `json:"blob"`
			}
			if !r.Deleted && json.Unmarshal(r.Body, &b) == nil && b.Blob == blob {
				used = true
			}
			return nil
		})
	})
	x.mu.Unlock()
	if err != nil || used {
		return err
	}
	return s.st.DropBlob(blob)
}

// SealClinicalDocuments seals to the clinical document key every filed
// clinical document still held under the general key (filed before the
// practice had the key, or on a workstation that did not know it yet):
// its clinical fields in a new revision, its content in a new blob, and
// this workstation's general-key copy of the content dropped. Each
// document is its own few transactions, so the work can stop at any point
// (ctx) and the next call carries on; content not on this workstation yet
// is left for a later call. It returns how many documents it changed and
// audits them ("document.seal"). Any role that files documents may run it
// (sealing needs only the public key); it does nothing in a practice
// without the key yet.
func (s *Service) SealClinicalDocuments(ctx context.Context) (int, error) {
	if _, err := s.require(FileDocuments); err != nil {
		if _, err2 := s.require(Administer); err2 != nil {
			return 0, err
		}
	}
	if !s.st.SealsClinical() {
		return 0, nil
	}
	type todo struct {
		id, rev, blob string
		sealed        bool
	}
	var list []todo
	err := s.st.View(func(tx *store.Tx) error {
		return tx.List(TypeDocument, func(r store.Record) error {
			d, err := decodeDocument(r)
			if err == nil && sealsClinically(tx, d) {
				// Sealed fields beside clear ones (a merge of a sealed
				// and an older head) are sealed again too.
				inClear := d.Title != "" || d.Note != "" || d.Source != "" || len(d.Codings) > 0
				list = append(list, todo{r.ID, r.Rev, d.Blob, d.Sealed != nil && !inClear})
			}
			return nil
		})
	})
	if err != nil {
		return 0, err
	}
	n := 0
	var ids []string
	for _, t := range list {
		if err := ctx.Err(); err != nil {
			break
		}
		if t.sealed {
			if info, err := s.st.BlobInfo(t.blob); err != nil || info.Clinical {
				continue // sealed, or its content is not here yet
			}
		}
		ok, err := s.sealOne(t.id, t.rev)
		if err != nil {
			return n, err
		}
		if ok {
			n++
			ids = append(ids, t.id)
		}
	}
	if n > 0 {
		err = s.st.Update(func(tx *store.Tx) error {
			return audit(tx, "document.seal", "", fmt.Sprintf(detailSealed, n, strings.Join(ids, ", ")), false)
		})
	}
	return n, err
}

// sealOne seals one document (revision rev of record id); ok is false when
// the record changed meanwhile or its clinical part cannot be opened.
func (s *Service) sealOne(id, rev string) (ok bool, err error) {
	var d Document
	if err := s.st.View(func(tx *store.Tx) error {
		r, err := tx.Get(id)
		if err != nil || r.Rev != rev || r.Deleted {
			return err
		}
		d, err = readDocument(tx, r)
		return err
	}); err != nil || d.ID == "" || d.Locked {
		return false, err
	}
	old := d.Blob
	var sealed store.BlobInfo
	if info, err := s.st.BlobInfo(old); err == nil && !info.Clinical {
		if sealed, err = s.sealContent(old); err != nil {
			return false, err
		}
		d.Blob = sealed.ID
	} else if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrNoKey) {
		// (Content not here yet, or sealed under an epoch of the general
		// key this session does not hold yet, is sealed by a later run.)
		return false, err
	}
	err = s.st.Update(func(tx *store.Tx) error {
		r, err := tx.Get(id)
		if err != nil {
			return err
		}
		if r.Rev != rev {
			return store.ErrConflict
		}
		_, err = putDocument(tx, id, rev, d)
		return err
	})
	if err != nil {
		if sealed.ID != "" && !sealed.Existing {
			_ = s.st.DropBlob(sealed.ID)
		}
		if errors.Is(err, store.ErrConflict) {
			return false, nil // changed meanwhile: the next run takes it
		}
		return false, err
	}
	if d.Blob != old {
		return true, s.dropUnusedBlob(old)
	}
	return true, nil
}

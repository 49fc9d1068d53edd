package chart

import (
	"encoding/json"
	"slices"
	"sync"

	"chartkeeper/store"
)

// DocumentByContent finds a live document (in the inbox or filed) whose
// content has this SHA-256 hash: scan intake asks it before storing a file,
// so the same paper taken twice is one document. ok is false when no live
// document holds that content, including when the content is a blob that a
// crash left without its document.
//
// The documents are indexed by blob the first time a stored blob is looked
// up, and the index follows the store's change feed from then on, so
// documents recorded, filed, split or deleted since, here, by another
// program or through sync, are seen.
func (s *Service) DocumentByContent(sum [32]byte) (d Document, ok bool, err error) {
	if _, err := s.require(FileDocuments); err != nil {
		return d, false, err
	}
	blob, found, err := s.st.FindBlob(sum)
	if err != nil || !found {
		return d, false, err
	}
	x := &s.docs
	x.mu.Lock()
	defer x.mu.Unlock()
	err = s.st.View(func(tx *store.Tx) error {
		if err := x.update(tx); err != nil {
			return err
		}
		ids := x.byBlob[blob]
		if len(ids) == 0 {
			return nil
		}
		r, err := tx.Get(slices.Min(ids))
		if err != nil {
			return err
		}
		d, err = decodeDocument(r)
		ok = err == nil
		return err
	})
	if err != nil {
		return Document{}, false, err
	}
	return d, ok, nil
}

// PracticeID is the identifier of the practice whose store the service
// works on (printed on cover sheets, checked when one is scanned).
func (s *Service) PracticeID() string { return s.st.PracticeID() }

// CurrentUser is the user signed in to the store.
func (s *Service) CurrentUser() (store.User, error) { return s.user() }

// Practice reads the practice settings (its name, for printouts).
func (s *Service) Practice() (store.Practice, error) { return s.st.Practice() }

// documentIndex maps blob IDs to the live documents holding them.
type documentIndex struct {
	mu     sync.Mutex
	built  bool
	seen   uint64              // the change feed position the index reflects
	byBlob map[string][]string // blob ID -> document IDs
	blobOf map[string]string   // document ID -> blob ID
}

// update builds the index, or brings it up to date with the change feed.
func (x *documentIndex) update(tx *store.Tx) error {
	if !x.built {
		x.byBlob, x.blobOf = map[string][]string{}, map[string]string{}
		x.seen = tx.LastChange()
		err := tx.List(TypeDocument, func(r store.Record) error {
			x.note(r)
			return nil
		})
		if err != nil {
			return err
		}
		x.built = true
		return nil
	}
	for {
		changes, err := tx.Changes(x.seen, 1000)
		if err != nil || len(changes) == 0 {
			return err
		}
		for _, c := range changes {
			r, err := tx.Get(c.RecordID)
			if err != nil {
				return err
			}
			x.note(r)
		}
		x.seen = changes[len(changes)-1].Seq
	}
}

// note records the current revision of a record: a live document is
// indexed under its blob, anything else is taken out.
func (x *documentIndex) note(r store.Record) {
	if old, ok := x.blobOf[r.ID]; ok {
		if ids := remove(x.byBlob[old], r.ID); len(ids) > 0 {
			x.byBlob[old] = ids
		} else {
			delete(x.byBlob, old)
		}
		delete(x.blobOf, r.ID)
	}
	if r.Deleted || r.Type != TypeDocument {
		return
	}
	var b struct {
		Blob string `json:"blob"`
	}
	if json.Unmarshal(r.Body, &b) != nil || b.Blob == "" {
		return
	}
	x.blobOf[r.ID] = b.Blob
	x.byBlob[b.Blob] = append(x.byBlob[b.Blob], r.ID)
}

package chart

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"chartkeeper/store"
)

// Inbox work besides filing: splitting a scan that holds several
// documents, turning pages, and rejecting what should not be filed. Each
// is audited, and none destroys content: a split or turned document's
// earlier content stays in the store under the record's earlier revision
// (a split original ends with a tombstone naming its parts), and a
// rejected document moves out of the inbox into the rejected list that
// HIM managers review and may send back.

// TypeRejected is the record type of a document rejected from the inbox.
const TypeRejected = "docrejected"

// PageTurn is one page of an edited scan: page Page (1-based) of the
// original, turned clockwise by Turn degrees (0, 90, 180 or 270).
type PageTurn struct {
	Page, Turn int
}

// PageEditor cuts and turns the pages of a scan's content (chart reads no
// file formats itself; package scan provides one). EditPages returns a
// new file holding the given pages in the given order, and its content
// type.
type PageEditor interface {
	EditPages(content []byte, pages []PageTurn) ([]byte, string, error)
}

// PageRange is pages First to Last (1-based, inclusive) of a document.
type PageRange struct {
	First, Last int
}

func (r PageRange) String() string {
	if r.First == r.Last {
		return fmt.Sprintf("page %d", r.First)
	}
	return fmt.Sprintf("pages %d–%d", r.First, r.Last)
}

// RejectedDocument is a document taken out of the inbox without filing
// (a blank page, another clinic's fax, a duplicate scanned twice).
type RejectedDocument struct {
	Document
	Reason     string    `json:"reason"`
	RejectedBy string    `json:"rejectedBy"`
	RejectedAt time.Time `json:"rejectedAt"`
	// InboxID is the inbox record it was.
	InboxID string `json:"inboxId"`
}

// inboxDocument reads a live inbox document in tx.
func inboxDocument(tx *store.Tx, id string) (store.Record, Document, error) {
	r, err := tx.Get(id)
	if err != nil {
		return r, Document{}, err
	}
	if r.Type != TypeDocument || r.Deleted {
		return r, Document{}, fmt.Errorf("%w: the document is no longer in the inbox", store.ErrNotFound)
	}
	d, err := decodeDocument(r)
	if err != nil {
		return r, d, err
	}
	if d.Filed() {
		return r, d, fmt.Errorf("%w: the document is already filed", store.ErrInvalid)
	}
	return r, d, nil
}

// readInbox reads an inbox document and its content.
func (s *Service) readInbox(id string) (Document, []byte, error) {
	var d Document
	err := s.st.View(func(tx *store.Tx) error {
		var err error
		_, d, err = inboxDocument(tx, id)
		return err
	})
	if err != nil {
		return d, nil, err
	}
	rc, _, err := s.st.OpenBlob(d.Blob)
	if err != nil {
		return d, nil, err
	}
	defer rc.Close()
	content, err := io.ReadAll(rc)
	return d, content, err
}

// SplitDocument splits an inbox document into one new inbox document for
// each range; the ranges must follow each other and cover every page, so
// no page is lost. The original leaves the inbox with a tombstone naming
// its parts (its content stays in the store). The parts keep the
// original's time of arrival, category and note.
func (s *Service) SplitDocument(ed PageEditor, id string, parts []PageRange) ([]Document, error) {
	if _, err := s.require(FileDocuments); err != nil {
		return nil, err
	}
	orig, content, err := s.readInbox(id)
	if err != nil {
		return nil, err
	}
	if len(parts) < 2 {
		return nil, fmt.Errorf("%w: a split needs at least two parts", store.ErrInvalid)
	}
	next := 1
	for _, p := range parts {
		if p.First != next || p.Last < p.First {
			return nil, fmt.Errorf("%w: the parts must follow each other from page 1 without gaps or overlaps (%s does not start at page %d)", store.ErrInvalid, p, next)
		}
		next = p.Last + 1
	}
	if next-1 != orig.Pages {
		return nil, fmt.Errorf("%w: the parts end at page %d but the document has %d pages; every page must be in a part", store.ErrInvalid, next-1, orig.Pages)
	}
	out := make([]Document, len(parts))
	for i, p := range parts {
		var turns []PageTurn
		for n := p.First; n <= p.Last; n++ {
			turns = append(turns, PageTurn{Page: n})
		}
		b, ctype, err := ed.EditPages(content, turns)
		if err != nil {
			return nil, fmt.Errorf("cutting out %s: %w", p, err)
		}
		info, err := s.st.PutBlob(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		d := orig
		d.Meta = Meta{}
		d.Blob, d.Size, d.ContentType, d.Pages = info.ID, info.Size, ctype, p.Last-p.First+1
		d.Note = joinNoteText(orig.Note, fmt.Sprintf("Split from a scan of %d pages (%s).", orig.Pages, p))
		d.Received = orig.Received.Add(time.Duration(i)) // the parts list in page order
		out[i] = d
	}
	err = s.st.Update(func(tx *store.Tx) error {
		r, _, err := inboxDocument(tx, id)
		if err != nil {
			return err
		}
		if r.Rev != orig.Rev {
			return fmt.Errorf("%w: the document changed while it was split; try again", store.ErrConflict)
		}
		var ids []string
		for i := range out {
			nr, err := put(tx, TypeDocument, store.NewID(), "", out[i])
			if err != nil {
				return err
			}
			out[i].ID, out[i].Rev = nr.ID, nr.Rev
			ids = append(ids, nr.ID)
		}
		if _, err := tx.Delete(id, r.Rev, "split into "+strings.Join(ids, ", ")); err != nil {
			return err
		}
		var detail []string
		for i, p := range parts {
			detail = append(detail, fmt.Sprintf("%s → %s", p, ids[i]))
		}
		return audit(tx, "document.split", "", id+": "+strings.Join(detail, "; "), false)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RotatePages turns pages of an inbox document clockwise by degrees (90,
// 180 or 270); no pages listed turns every page. The document keeps its
// ID; its content before the turn stays in the store under the earlier
// revision.
func (s *Service) RotatePages(ed PageEditor, id string, degrees int, pages ...int) (Document, error) {
	if _, err := s.require(FileDocuments); err != nil {
		return Document{}, err
	}
	if degrees != 90 && degrees != 180 && degrees != 270 {
		return Document{}, fmt.Errorf("%w: pages turn by 90, 180 or 270 degrees", store.ErrInvalid)
	}
	d, content, err := s.readInbox(id)
	if err != nil {
		return d, err
	}
	chosen := map[int]bool{}
	for _, p := range pages {
		if p < 1 || p > d.Pages {
			return d, fmt.Errorf("%w: the document has no page %d (it has %d)", store.ErrInvalid, p, d.Pages)
		}
		chosen[p] = true
	}
	turns := make([]PageTurn, d.Pages)
	for n := range turns {
		turns[n] = PageTurn{Page: n + 1}
		if len(pages) == 0 || chosen[n+1] {
			turns[n].Turn = degrees
		}
	}
	b, ctype, err := ed.EditPages(content, turns)
	if err != nil {
		return d, err
	}
	info, err := s.st.PutBlob(bytes.NewReader(b))
	if err != nil {
		return d, err
	}
	old := d.Rev
	d.Blob, d.Size, d.ContentType = info.ID, info.Size, ctype
	err = s.st.Update(func(tx *store.Tx) error {
		r, _, err := inboxDocument(tx, id)
		if err != nil {
			return err
		}
		if r.Rev != old {
			return fmt.Errorf("%w: the document changed while its pages were turned; try again", store.ErrConflict)
		}
		nr, err := put(tx, TypeDocument, id, r.Rev, d)
		if err != nil {
			return err
		}
		d.Rev = nr.Rev
		detail := fmt.Sprintf(detailRotate, id, degrees)
		if len(pages) > 0 {
			detail = fmt.Sprintf(detailRotatePages, id, fmt.Sprint(pages), degrees)
		}
		return audit(tx, "document.rotate", "", detail, false)
	})
	return d, err
}

// RejectDocument takes a document out of the inbox without filing it,
// for a reason (required). It is kept in the rejected list
// ([Service.RejectedDocuments]) where HIM managers can look at it and
// send it back.
func (s *Service) RejectDocument(id, reason string) (RejectedDocument, error) {
	u, err := s.require(FileDocuments)
	if err != nil {
		return RejectedDocument{}, err
	}
	reason = strings.TrimSpace(reason)
	var pr problems
	pr.required(T("reason"), reason)
	pr.maxLen(T("reason"), reason, 500)
	if err := pr.err("rejection"); err != nil {
		return RejectedDocument{}, err
	}
	var rd RejectedDocument
	err = s.st.Update(func(tx *store.Tx) error {
		r, d, err := inboxDocument(tx, id)
		if err != nil {
			return err
		}
		rd = RejectedDocument{Document: d, Reason: reason, RejectedBy: u.Username, RejectedAt: s.now().UTC(), InboxID: id}
		nr, err := put(tx, TypeRejected, store.NewID(), "", rd)
		if err != nil {
			return err
		}
		rd.ID, rd.Rev = nr.ID, nr.Rev
		if _, err := tx.Delete(id, r.Rev, "rejected as "+nr.ID); err != nil {
			return err
		}
		return audit(tx, "document.reject", "", id+" → "+nr.ID, false)
	})
	return rd, err
}

// RejectedDocuments lists the rejected documents, newest first (HIM
// managers).
func (s *Service) RejectedDocuments() ([]RejectedDocument, error) {
	if _, err := s.require(Administer); err != nil {
		return nil, err
	}
	var out []RejectedDocument
	err := s.st.View(func(tx *store.Tx) error {
		return tx.List(TypeRejected, func(r store.Record) error {
			var d RejectedDocument
			if err := decode(r, &d); err != nil {
				return err
			}
			d.ID, d.Rev = r.ID, r.Rev
			out = append(out, d)
			return nil
		})
	})
	sortBy(out, func(d RejectedDocument) string { return d.RejectedAt.Format(time.RFC3339Nano) })
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, err
}

// OpenRejected opens a rejected document's content (HIM managers;
// audited). The caller closes it.
func (s *Service) OpenRejected(id string) (io.ReadCloser, RejectedDocument, error) {
	var d RejectedDocument
	if _, err := s.require(Administer); err != nil {
		return nil, d, err
	}
	err := s.st.Update(func(tx *store.Tx) error {
		var err error
		if d, err = rejected(tx, id); err != nil {
			return err
		}
		return audit(tx, "document.view", "", id, false)
	})
	if err != nil {
		return nil, d, err
	}
	rc, _, err := s.st.OpenBlob(d.Blob)
	return rc, d, err
}

func rejected(tx *store.Tx, id string) (RejectedDocument, error) {
	var d RejectedDocument
	r, err := tx.Get(id)
	if err != nil {
		return d, err
	}
	if r.Type != TypeRejected || r.Deleted {
		return d, fmt.Errorf("%w: no rejected document %s", store.ErrNotFound, id)
	}
	if err := decode(r, &d); err != nil {
		return d, err
	}
	d.ID, d.Rev = r.ID, r.Rev
	return d, nil
}

// ReturnToInbox sends a rejected document back to the inbox (HIM
// managers; audited), as a new inbox document.
func (s *Service) ReturnToInbox(id string) (Document, error) {
	if _, err := s.require(Administer); err != nil {
		return Document{}, err
	}
	var d Document
	err := s.st.Update(func(tx *store.Tx) error {
		rd, err := rejected(tx, id)
		if err != nil {
			return err
		}
		d = rd.Document
		d.Meta = Meta{}
		d.Note = joinNoteText(d.Note, "Rejected once: "+rd.Reason)
		nr, err := put(tx, TypeDocument, store.NewID(), "", d)
		if err != nil {
			return err
		}
		d.ID, d.Rev = nr.ID, nr.Rev
		if _, err := tx.Delete(id, rd.Rev, "returned to the inbox as "+nr.ID); err != nil {
			return err
		}
		return audit(tx, "document.unreject", "", id+" → "+nr.ID, false)
	})
	return d, err
}

func joinNoteText(a, b string) string {
	if a == "" {
		return b
	}
	return a + " " + b
}

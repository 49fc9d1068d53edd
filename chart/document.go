package chart

import (
	"fmt"
	"io"
	"strings"
	"time"

	"chartkeeper/store"
)

// Category is what kind of paper a document is. Front desk staff see the
// administrative ones only.
type Category struct {
	Name           string
	Title          string
	Administrative bool
}

// Categories lists the document categories in the order screens show them.
var Categories = []Category{
	{"identity", T("Identity document"), true},
	{"insurance", T("Insurance"), true},
	{"consent", T("Consent form"), true},
	{"correspondence", T("Administrative correspondence"), true},
	{"referral", T("Referral"), false},
	{"lab", T("Laboratory result"), false},
	{"imaging", T("Imaging report"), false},
	{"letter", T("Clinical letter"), false},
	{"prescription", T("Prescription"), false},
	{"clinical", T("Other clinical"), false},
}

// CategoryByName finds a category.
func CategoryByName(name string) (Category, bool) {
	for _, c := range Categories {
		if c.Name == strings.ToLower(strings.TrimSpace(name)) {
			return c, true
		}
	}
	return Category{}, false
}

func categoryNames() string {
	names := make([]string, len(Categories))
	for i, c := range Categories {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

// Document is a scanned or imported file. Its content is a store blob.
// Unfiled documents (Patient empty) wait in the inbox.
type Document struct {
	Meta
	Title        string    `json:"title,omitempty"`
	Category     string    `json:"category,omitempty"`
	ClinicalDate string    `json:"clinicalDate,omitempty"`
	Note         string    `json:"note,omitempty"`
	Blob         string    `json:"blob"`
	ContentType  string    `json:"contentType"`
	Size         int64     `json:"size"`
	Pages        int       `json:"pages,omitempty"`
	Source       string    `json:"source,omitempty"` // the scanned file's name
	Received     time.Time `json:"received"`
	FiledBy      string    `json:"filedBy,omitempty"`
	FiledAt      time.Time `json:"filedAt,omitzero"`
	// Status is "" for a current document, or "superseded" for an older
	// version another system sent along with the current one.
	Status  string   `json:"status,omitempty"`
	Codings []Coding `json:"codings,omitempty"` // its type as another system coded it (LOINC, …)
	// Sealed holds, for a filed clinical document, its title, note, source
	// and codings sealed to the clinical document key (clinicaldocs.go);
	// they are filled in when the session's keys open them.
	Sealed []byte `json:"sealed,omitempty"`
	// Locked is set when the document's sealed fields are beyond the
	// session's keys (they are then empty).
	Locked bool `json:"-"`
}

// Filed reports whether the document is in a chart.
func (d Document) Filed() bool { return d.Patient != "" }

func decodeDocument(r store.Record) (Document, error) {
	var d Document
	if err := decode(r, &d); err != nil {
		return d, err
	}
	d.ID, d.Rev = r.ID, r.Rev
	if i := strings.IndexByte(r.ID, '.'); i > 0 {
		d.Patient = r.ID[:i]
	}
	return d, nil
}

func (s *Service) checkFiling(pr *problems, d *Document) {
	if _, ok := CategoryByName(d.Category); !ok {
		if d.Category == "" {
			pr.add(T("category"), T("is required"))
		} else {
			pr.addf(T("category"), T("must be one of %s"), categoryNames())
		}
	}
	d.Category = strings.ToLower(strings.TrimSpace(d.Category))
	s.checkDate(pr, T("clinical date"), d.ClinicalDate, true)
	pr.maxLen(T("title"), d.Title, 200)
	pr.maxLen(T("note"), d.Note, 2000)
	if d.Status != "" {
		d.Status = oneOf(pr, T("status"), d.Status, "", "current", "superseded")
		if d.Status == "current" {
			d.Status = ""
		}
	}
	checkCodings(pr, T("codings"), d.Codings)
}

// AddDocument seals content into the store and records the document: in
// the inbox when d.Patient is empty, else filed into that chart (category
// and clinical date then required). ContentType and Source describe it.
func (s *Service) AddDocument(content io.Reader, d Document) (Document, error) {
	u, err := s.require(FileDocuments)
	if err != nil {
		return d, err
	}
	var pr problems
	if d.Patient != "" {
		s.checkFiling(&pr, &d)
	}
	pr.required(T("content type"), d.ContentType)
	if err := pr.err("document"); err != nil {
		return d, err
	}
	// The document is recorded in the transaction that makes its content
	// visible: one durable commit less, and no content stored without it.
	putFrom := s.st.PutBlobFrom
	if sealsClinically(s.st, d) {
		putFrom = s.st.PutClinicalBlobFrom
	}
	_, err = putFrom(content, func(tx *store.Tx, info store.BlobInfo) error {
		d.Blob, d.Size, d.Received = info.ID, info.Size, s.now().UTC()
		id := store.NewID()
		if d.Patient != "" {
			if err := s.liveChart(tx, d.Patient); err != nil {
				return err
			}
			id = childID(d.Patient)
			d.FiledBy, d.FiledAt = u.Username, d.Received
		}
		r, err := putDocument(tx, id, "", d)
		if err != nil {
			return err
		}
		d.ID, d.Rev = r.ID, r.Rev
		if d.Patient != "" {
			return audit(tx, "document.file", d.Patient, d.ID, false)
		}
		return audit(tx, "document.receive", "", d.ID, false)
	})
	return d, err
}

// FileDocument files an inbox document into a patient's chart: the filed
// document is a new record in the chart, and the inbox entry ends with a
// tombstone that names it.
//
// Filed into a clinical category, the document's content is sealed anew to
// the clinical document key (a new blob, written before the filing's
// transaction) and this workstation's general-key copy is dropped once the
// filing is committed.
func (s *Service) FileDocument(inboxID, patientID, category, clinicalDate, note string) (Document, error) {
	u, err := s.require(FileDocuments)
	if err != nil {
		return Document{}, err
	}
	var sealed store.BlobInfo
	var oldBlob string
	if _, known := CategoryByName(category); known && sealsClinically(s.st, Document{Meta: Meta{Patient: patientID}, Category: category}) {
		var d0 Document
		if err := s.st.View(func(tx *store.Tx) error {
			var err error
			_, d0, err = inboxDocument(tx, inboxID)
			return err
		}); err != nil {
			return Document{}, err
		}
		if sealed, err = s.sealContent(d0.Blob); err != nil {
			return Document{}, err
		}
		oldBlob = d0.Blob
	}
	var d Document
	err = s.st.Update(func(tx *store.Tx) error {
		r, err := tx.Get(inboxID)
		if err != nil {
			return err
		}
		if r.Type != TypeDocument || r.Deleted {
			return fmt.Errorf("%w: no document %s in the inbox", store.ErrNotFound, inboxID)
		}
		if d, err = decodeDocument(r); err != nil {
			return err
		}
		if d.Filed() {
			return fmt.Errorf("%w: the document is already filed", store.ErrInvalid)
		}
		if sealed.ID != "" {
			if d.Blob != oldBlob {
				return fmt.Errorf("%w: the document's pages changed while it was filed; file it again", store.ErrConflict)
			}
			d.Blob = sealed.ID
		}
		d.Patient, d.Category, d.ClinicalDate, d.Note = patientID, category, clinicalDate, note
		var pr problems
		s.checkFiling(&pr, &d)
		if err := pr.err("filing"); err != nil {
			return err
		}
		if err := s.liveChart(tx, patientID); err != nil {
			return err
		}
		d.FiledBy, d.FiledAt = u.Username, s.now().UTC()
		if sealsClinically(tx, d) && sealed.ID == "" {
			// Sealed metadata over general-key content: the category was
			// not known before the transaction. Refuse rather than leave
			// the pages readable.
			return fmt.Errorf("%w: the document's category changed while it was filed; file it again", store.ErrConflict)
		}
		nr, err := putDocument(tx, childID(patientID), "", d)
		if err != nil {
			return err
		}
		if _, err := tx.Delete(inboxID, r.Rev, "filed as "+nr.ID); err != nil {
			return err
		}
		d.ID, d.Rev = nr.ID, nr.Rev
		return audit(tx, "document.file", patientID, d.ID, false)
	})
	if err != nil {
		if sealed.ID != "" && !sealed.Existing {
			_ = s.st.DropBlob(sealed.ID)
		}
		return d, err
	}
	if sealed.ID != "" && oldBlob != sealed.ID {
		if err := s.dropUnusedBlob(oldBlob); err != nil {
			return d, fmt.Errorf("the document is filed, but its earlier copy could not be removed from this workstation: %w", err)
		}
	}
	return d, nil
}

// Inbox lists the documents waiting to be filed, oldest first.
func (s *Service) Inbox() ([]Document, error) {
	if _, err := s.require(FileDocuments); err != nil {
		if _, err2 := s.require(Administer); err2 != nil {
			return nil, err
		}
	}
	var out []Document
	err := s.st.View(func(tx *store.Tx) error {
		return tx.List(TypeDocument, func(r store.Record) error {
			if strings.IndexByte(r.ID, '.') >= 0 {
				return nil
			}
			d, err := decodeDocument(r)
			if err != nil {
				return err
			}
			out = append(out, d)
			return nil
		})
	})
	sortBy(out, func(d Document) string { return d.Received.Format(time.RFC3339Nano) })
	return out, err
}

// mayViewDocument reports whether the role (or a grant) reaches document d,
// and whether that was through a break-glass grant.
func (s *Service) mayViewDocument(d Document) (ok, glass bool, err error) {
	u, err := s.user()
	if err != nil {
		return false, false, err
	}
	if !d.Filed() {
		return Allowed(u.Role, FileDocuments) || Allowed(u.Role, Administer), false, nil
	}
	if c, ok := CategoryByName(d.Category); ok && c.Administrative && Allowed(u.Role, ViewAdminDocuments) {
		return true, false, nil
	}
	_, glass, err = s.requireFor(ViewDocuments, d.Patient)
	return err == nil, glass, nil
}

// OpenDocument opens a document's content for reading (audited). The
// caller closes it.
func (s *Service) OpenDocument(id string) (io.ReadCloser, Document, error) {
	var d Document
	err := s.st.View(func(tx *store.Tx) error {
		r, err := tx.Get(id)
		if err != nil {
			return err
		}
		if r.Type != TypeDocument || r.Deleted {
			return fmt.Errorf("%w: no document %s", store.ErrNotFound, id)
		}
		d, err = readDocument(tx, r)
		return err
	})
	if err != nil {
		return nil, d, err
	}
	ok, glass, err := s.mayViewDocument(d)
	if err != nil {
		return nil, d, err
	}
	if !ok {
		u, _ := s.user()
		return nil, d, &PermissionError{Role: u.Role, Action: ViewDocuments, BreakGlass: s.st.Holds(store.CompartmentClinical)}
	}
	// The content first: a grant or a role that the keys do not back
	// (a clinical document for a role without the clinical key) opens
	// nothing and is not recorded as a view.
	rc, _, err := s.st.OpenBlob(d.Blob)
	if err != nil {
		return nil, d, err
	}
	detail := d.ID
	if glass {
		detail = fmt.Sprintf(detailDocGlass, d.ID)
	}
	err = s.st.Update(func(tx *store.Tx) error { return audit(tx, "document.view", d.Patient, detail, glass) })
	if err != nil {
		rc.Close()
		return nil, d, err
	}
	return rc, d, nil
}

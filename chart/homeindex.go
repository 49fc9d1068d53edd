package chart

import (
	"encoding/binary"
	"errors"
	"strings"
	"sync"
	"time"

	"chartkeeper/store"
)

// The home index: the few facts of every visit, document, disclosure and
// break-glass grant that the role homes and their worklists count, and the
// patients registered and the results filed lately, kept in memory and following the store's
// change feed like the finder (finder.go) and the document lookup
// (documentlookup.go). So a home lists a clinician's unsigned notes or the
// coding queue by reading only the records it shows, not every visit of the
// practice, and plots 90 days of history without reading the audit log.
//
// It is sealed in the store's local cache (never synced) when the service
// closes, so signing in reads one value and replays the changes since; a
// missing, stale or unreadable cache costs time, never correctness. Built
// from the records alone (no cache), it knows the times that records keep
// (a visit's date and signature, a document's receipt and filing, a
// rejection, a disclosure's date, a grant's opening); the times of events
// records do not keep (when a visit was first coded, when a patient was
// registered, when an inbox document was split) are read from the
// revisions' clocks, from the first build on.

const (
	homeCacheName = "chart.home"
	// homeCacheMagic names the cache's format: magic | seen | six counted
	// tables (encode). Change it whenever the format changes, so that a
	// cache of an older format is rebuilt from the records, never misread.
	// CKH1 had five tables (no results).
	homeCacheMagic = "CKH2"
	// homeKeep is how long facts kept only for the history (documents that
	// left the inbox, registrations) or for the clinician's new results
	// stay in the index.
	homeKeep = 100 * 24 * time.Hour
)

// homeVisit is what the homes need of a visit.
type homeVisit struct {
	Patient     string
	Date        string // YYYY-MM-DD
	ClinicianID string
	Signed      bool
	SignedAt    time.Time
	Coded       bool      // it has a diagnosis code now
	CodedAt     time.Time // when it first had one; zero when unknown or never
}

// homeDoc is what the homes need of a document. An inbox document that
// left the inbox (filed, rejected, split) stays with Left set, for the
// history, until it is older than homeKeep.
type homeDoc struct {
	Patient  string // "" while in the inbox
	Category string
	Received time.Time
	FiledAt  time.Time
	Left     time.Time // the inbox document was filed, rejected or split
}

// homeResult is what the clinician's home needs of a result filed lately:
// its patient, when it was filed (its revision's time: a corrected result
// counts as filed again) and whether it is flagged outside its range.
type homeResult struct {
	Patient  string
	Filed    time.Time
	Abnormal bool
}

// homeIndex is the index and its position in the change feed.
type homeIndex struct {
	mu    sync.Mutex
	built bool
	dirty bool // changed since it was read from or written to the cache
	// partial: built or followed by a session whose keys do not reach the
	// clinical records (front desk), so it lacks them; it serves that
	// session and is never written to the cache.
	partial bool

	Seen        uint64
	Visits      map[string]homeVisit
	Docs        map[string]homeDoc
	Disclosures map[string]string     // ID -> date (YYYY-MM-DD)
	Grants      map[string]homeGrant  // break-glass ID -> its opening
	Registered  map[string]time.Time  // patient ID -> first revision's time, lately
	Results     map[string]homeResult // result ID -> its facts, filed lately
}

// homeGrant is what the homes need of a break-glass grant.
type homeGrant struct {
	At       time.Time
	Reviewed bool
}

func (x *homeIndex) reset() {
	x.Seen = 0
	x.Visits = map[string]homeVisit{}
	x.Docs = map[string]homeDoc{}
	x.Disclosures = map[string]string{}
	x.Grants = map[string]homeGrant{}
	x.Registered = map[string]time.Time{}
	x.Results = map[string]homeResult{}
}

// home brings the index up to date and calls fn with it, its lock held.
func (s *Service) home(fn func(x *homeIndex) error) error {
	x := &s.homeIdx
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.built && x.partial && s.st.Holds(store.CompartmentClinical) {
		x.built = false // made for a session without the clinical records
	}
	err := s.st.View(func(tx *store.Tx) error {
		if !x.built {
			if err := s.loadHome(tx, x); err != nil {
				return err
			}
		}
		return s.replayHome(tx, x)
	})
	if err != nil {
		return err
	}
	return fn(x)
}

// loadHome fills the index from its cache, or else from the records.
func (s *Service) loadHome(tx *store.Tx, x *homeIndex) error {
	last := tx.LastChange()
	if b, err := tx.Cache(homeCacheName); err == nil && b != nil {
		if x.decode(b) == nil && x.Seen <= last {
			x.built = true
			return nil
		}
	}
	x.reset()
	x.Seen = last
	x.partial = !s.st.Holds(store.CompartmentClinical)
	var err error
	if !x.partial {
		err = tx.List(TypeVisit, func(r store.Record) error {
			v, err := decodeVisit(r)
			if err != nil {
				return nil // Verify reports damage; the index skips it
			}
			hv := visitFacts(v)
			if hv.Coded {
				hv.CodedAt = firstCoded(tx, r.ID)
			}
			x.Visits[r.ID] = hv
			return nil
		})
	}
	if err != nil {
		return err
	}
	if err := tx.List(TypeDocument, func(r store.Record) error { x.noteDoc(r, time.Time{}); return nil }); err != nil {
		return err
	}
	// Rejected documents waited in the inbox until they were rejected.
	err = tx.List(TypeRejected, func(r store.Record) error {
		var d RejectedDocument
		if decode(r, &d) == nil && d.InboxID != "" {
			x.Docs[d.InboxID] = homeDoc{Received: d.Received, Left: d.RejectedAt}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !x.partial {
		if err := tx.List(TypeDisclosure, func(r store.Record) error { x.noteOther(r); return nil }); err != nil {
			return err
		}
		cut := s.now().Add(-homeKeep)
		err := tx.List(TypeResult, func(r store.Record) error {
			if r.HLC.Time().After(cut) {
				x.noteResult(r, r.HLC.Time())
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if err := tx.List(TypeBreakGlass, func(r store.Record) error { x.noteOther(r); return nil }); err != nil {
		return err
	}
	// Registrations: the change feed holds every revision's clock; a
	// patient's first revision is its registration. The patients are
	// told apart by the finder (record IDs say nothing of their type).
	since := s.now().Add(-homeKeep)
	var first []store.Change
	for at := uint64(0); at < last; {
		cs, err := tx.Changes(at, 4096)
		if err != nil {
			return err
		}
		if len(cs) == 0 {
			break
		}
		for _, c := range cs {
			if strings.HasPrefix(c.Rev, "1-") && c.HLC.Time().After(since) && strings.IndexByte(c.RecordID, '.') < 0 {
				first = append(first, c)
			}
		}
		at = cs[len(cs)-1].Seq
	}
	s.finder.peek(func() {
		for _, c := range first {
			if _, ok := s.finder.people[c.RecordID]; ok {
				x.Registered[c.RecordID] = c.HLC.Time()
			}
		}
	})
	x.built, x.dirty = true, true
	return nil
}

// firstCoded is when a visit first had a diagnosis code, from its
// revisions; zero when that cannot be read.
func firstCoded(tx *store.Tx, id string) time.Time {
	hist, err := tx.History(id)
	if err != nil {
		return time.Time{}
	}
	var at time.Time
	for _, r := range hist {
		if r.Deleted {
			continue
		}
		v, err := decodeVisit(r)
		if err == nil && len(v.Diagnoses) > 0 && (at.IsZero() || r.HLC.Time().Before(at)) {
			at = r.HLC.Time()
		}
	}
	return at
}

func visitFacts(v Visit) homeVisit {
	return homeVisit{Patient: v.Patient, Date: v.Date, ClinicianID: v.ClinicianID, Signed: v.Signed,
		SignedAt: v.SignedAt, Coded: len(v.Diagnoses) > 0}
}

// replayHome applies the changes after the index's position.
func (s *Service) replayHome(tx *store.Tx, x *homeIndex) error {
	for {
		cs, err := tx.Changes(x.Seen, 1000)
		if err != nil || len(cs) == 0 {
			return err
		}
		for _, c := range cs {
			r, err := tx.Get(c.RecordID)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if errors.Is(err, store.ErrNoKey) {
				x.partial = true // a clinical record: not this session's to read
				continue
			}
			if err != nil {
				return err
			}
			at := c.HLC.Time()
			switch r.Type {
			case TypeVisit:
				if r.Deleted {
					delete(x.Visits, r.ID)
					break
				}
				v, err := decodeVisit(r)
				if err != nil {
					break
				}
				hv := visitFacts(v)
				old, known := x.Visits[r.ID]
				switch {
				case hv.Coded && known && old.Coded:
					hv.CodedAt = old.CodedAt
				case hv.Coded:
					hv.CodedAt = at
				}
				x.Visits[r.ID] = hv
			case TypeDocument:
				x.noteDoc(r, at)
			case TypeDisclosure, TypeBreakGlass:
				x.noteOther(r)
			case TypeResult:
				x.noteResult(r, at)
			case TypePatient:
				if strings.HasPrefix(c.Rev, "1-") && !r.Deleted {
					x.Registered[r.ID] = at
				}
			}
		}
		x.Seen = cs[len(cs)-1].Seq
		x.dirty = true
	}
}

// noteDoc records a document's current revision; a tombstone of an inbox
// document at time at marks when it left the inbox.
func (x *homeIndex) noteDoc(r store.Record, at time.Time) {
	inbox := strings.IndexByte(r.ID, '.') < 0
	if r.Deleted {
		// A filed document keeps its own receipt and filing times, so
		// the inbox entry it came from is dropped; one rejected or split
		// keeps the time it left.
		if d, ok := x.Docs[r.ID]; ok && inbox && !strings.HasPrefix(r.Reason, "filed as ") {
			if d.Left.IsZero() {
				d.Left = at
			}
			x.Docs[r.ID] = d
		} else {
			delete(x.Docs, r.ID)
		}
		return
	}
	d, err := decodeDocument(r)
	if err != nil {
		return
	}
	x.Docs[r.ID] = homeDoc{Patient: d.Patient, Category: d.Category, Received: d.Received, FiledAt: d.FiledAt}
}

// homeResultCategory says whether the clinician's home lists a result of
// category c as new: findings, not a questionnaire's answers.
func homeResultCategory(c string) bool { return c != "social-history" && c != "survey" }

// noteResult records a result's revision written at time at.
func (x *homeIndex) noteResult(r store.Record, at time.Time) {
	if r.Deleted {
		delete(x.Results, r.ID)
		return
	}
	var res Result
	if decode(r, &res) != nil || !homeResultCategory(res.Category) {
		delete(x.Results, r.ID)
		return
	}
	x.Results[r.ID] = homeResult{Patient: patientOf(r.ID), Filed: at, Abnormal: res.Abnormal()}
}

// noteOther records a disclosure or a break-glass grant.
func (x *homeIndex) noteOther(r store.Record) {
	if r.Deleted {
		delete(x.Disclosures, r.ID)
		delete(x.Grants, r.ID)
		return
	}
	switch r.Type {
	case TypeDisclosure:
		var d Disclosure
		if decode(r, &d) == nil {
			x.Disclosures[r.ID] = d.Date
		}
	case TypeBreakGlass:
		var g BreakGlass
		if decode(r, &g) == nil {
			x.Grants[r.ID] = homeGrant{At: g.At, Reviewed: g.Reviewed}
		}
	}
}

// saveHome writes the index to the store's cache when it changed, leaving
// out what is too old to plot. Best effort: a failure leaves the old cache.
func (s *Service) saveHome() {
	x := &s.homeIdx
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.built || !x.dirty || x.partial {
		x.built, x.partial = false, false
		return
	}
	cut := s.now().Add(-homeKeep)
	for id, d := range x.Docs {
		if !d.Left.IsZero() && d.Left.Before(cut) {
			delete(x.Docs, id)
		}
	}
	for id, t := range x.Registered {
		if t.Before(cut) {
			delete(x.Registered, id)
		}
	}
	for id, r := range x.Results {
		if r.Filed.Before(cut) {
			delete(x.Results, id)
		}
	}
	b := x.encode()
	_ = s.st.Update(func(tx *store.Tx) error { return tx.PutCache(homeCacheName, b) })
	x.built, x.dirty = false, false
	x.reset()
}

// encode writes the index for the cache: strings and times (Unix
// nanoseconds, 0 for none) as varints, each table counted.
func (x *homeIndex) encode() []byte {
	b := []byte(homeCacheMagic)
	b = binary.AppendUvarint(b, x.Seen)
	str := func(v string) { b = binary.AppendUvarint(b, uint64(len(v))); b = append(b, v...) }
	at := func(t time.Time) {
		if t.IsZero() {
			b = binary.AppendVarint(b, 0)
			return
		}
		b = binary.AppendVarint(b, t.UnixNano())
	}
	flag := func(v bool) {
		if v {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(x.Visits)))
	for id, v := range x.Visits {
		str(id)
		str(v.Patient)
		str(v.Date)
		str(v.ClinicianID)
		flag(v.Signed)
		at(v.SignedAt)
		flag(v.Coded)
		at(v.CodedAt)
	}
	b = binary.AppendUvarint(b, uint64(len(x.Docs)))
	for id, d := range x.Docs {
		str(id)
		str(d.Patient)
		str(d.Category)
		at(d.Received)
		at(d.FiledAt)
		at(d.Left)
	}
	b = binary.AppendUvarint(b, uint64(len(x.Disclosures)))
	for id, d := range x.Disclosures {
		str(id)
		str(d)
	}
	b = binary.AppendUvarint(b, uint64(len(x.Grants)))
	for id, g := range x.Grants {
		str(id)
		at(g.At)
		flag(g.Reviewed)
	}
	b = binary.AppendUvarint(b, uint64(len(x.Registered)))
	for id, t := range x.Registered {
		str(id)
		at(t)
	}
	b = binary.AppendUvarint(b, uint64(len(x.Results)))
	for id, r := range x.Results {
		str(id)
		str(r.Patient)
		at(r.Filed)
		flag(r.Abnormal)
	}
	return b
}

var errHomeCache = errors.New("chart: home cache in an unknown format")

// decode reads what encode wrote into x, which it resets first.
func (x *homeIndex) decode(b []byte) (err error) {
	if len(b) < len(homeCacheMagic) || string(b[:len(homeCacheMagic)]) != homeCacheMagic {
		return errHomeCache
	}
	all := string(b)
	pos := len(homeCacheMagic)
	uv := func() uint64 {
		v, n := binary.Uvarint(b[pos:])
		if n <= 0 {
			err = errHomeCache
			return 0
		}
		pos += n
		return v
	}
	str := func() string {
		n := uv()
		if err != nil || n > uint64(len(b)-pos) {
			err = errHomeCache
			return ""
		}
		v := all[pos : pos+int(n)]
		pos += int(n)
		return v
	}
	at := func() time.Time {
		v, n := binary.Varint(b[pos:])
		if n <= 0 {
			err = errHomeCache
			return time.Time{}
		}
		pos += n
		if v == 0 {
			return time.Time{}
		}
		return time.Unix(0, v)
	}
	flag := func() bool {
		if pos >= len(b) {
			err = errHomeCache
			return false
		}
		pos++
		return b[pos-1] == 1
	}
	count := func() int {
		n := uv()
		if n > uint64(len(b)) {
			err = errHomeCache
			return 0
		}
		return int(n)
	}
	x.reset()
	x.Seen = uv()
	for n := count(); n > 0 && err == nil; n-- {
		id := str()
		v := homeVisit{Patient: str(), Date: str(), ClinicianID: str()}
		v.Signed, v.SignedAt, v.Coded, v.CodedAt = flag(), at(), flag(), at()
		x.Visits[id] = v
	}
	for n := count(); n > 0 && err == nil; n-- {
		id := str()
		x.Docs[id] = homeDoc{Patient: str(), Category: str(), Received: at(), FiledAt: at(), Left: at()}
	}
	for n := count(); n > 0 && err == nil; n-- {
		id := str()
		x.Disclosures[id] = str()
	}
	for n := count(); n > 0 && err == nil; n-- {
		id := str()
		x.Grants[id] = homeGrant{At: at(), Reviewed: flag()}
	}
	for n := count(); n > 0 && err == nil; n-- {
		id := str()
		x.Registered[id] = at()
	}
	for n := count(); n > 0 && err == nil; n-- {
		id := str()
		x.Results[id] = homeResult{Patient: str(), Filed: at(), Abnormal: flag()}
	}
	if err == nil && pos != len(b) {
		err = errHomeCache
	}
	if err != nil {
		x.reset()
	}
	return err
}

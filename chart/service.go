package chart

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sync"
	"time"

	"chartkeeper/chart/icd10"
	"chartkeeper/chart/search"
	"chartkeeper/store"
)

// Service is the clinical domain over one unlocked store: every read and
// write of a chart goes through it, so roles, validation and the audit log
// hold for every front end (the workstation, ckadmin, sync's review queue).
//
// A Service is made after sign-in and serves whoever is signed in to the
// store at each call; [Service.Close] drops what it keeps in memory (the
// patient finder holds names), which the workstation does when it locks.
type Service struct {
	st       *store.Store
	now      func() time.Time
	glassFor time.Duration

	mu      sync.Mutex // serialises refresh and MRN assignment
	idx     *search.Index
	seen    uint64                    // the change feed position idx reflects
	people  map[string]PatientSummary // every live patient, merged ones included
	mrns    map[string][]string       // MRN -> patient IDs (two or more after a collision: mrn.go), merged ones included
	merged  map[string][]string       // survivor ID -> IDs merged into it
	grants  map[string]time.Time      // user ID + "/" + patient ID -> break-glass expiry
	granted map[string]bool           // users whose grants were loaded
	codes   *icd10.Table
	loaded  bool // codes was looked for

	// the finder cache (findercache.go)
	cacheSeen uint64         // the change feed position it was written at
	cached    bool           // cacheSeen is set
	triedAt   uint64         // the position of the last write attempted
	tried     bool           // triedAt is set
	saving    bool           // a background write is under way
	fromCache bool           // load started from the cache
	bg        sync.WaitGroup // background writes
}

// Option changes a Service.
type Option func(*Service)

// WithClock makes the service read time from now (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithBreakGlassDuration sets how long break-glass access lasts (default
// [DefaultBreakGlass]).
func WithBreakGlassDuration(d time.Duration) Option { return func(s *Service) { s.glassFor = d } }

// DefaultBreakGlass is how long break-glass access to a chart lasts.
const DefaultBreakGlass = 30 * time.Minute

// Open builds the service over st, which must be unlocked, and loads the
// patient finder.
func Open(st *store.Store, opts ...Option) (*Service, error) {
	s := &Service{st: st, now: time.Now, glassFor: DefaultBreakGlass}
	for _, o := range opts {
		o(s)
	}
	if err := s.load(); err != nil {
		return nil, err
	}
	return s, nil
}

// Store is the store the service works on.
func (s *Service) Store() *store.Store { return s.st }

// Close brings the finder cache up to date, for a fast next sign-in, and
// forgets the patient finder and break-glass cache.
func (s *Service) Close() {
	s.bg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.idx != nil {
		s.saveFinderCache(0, true)
	}
	s.idx, s.people, s.mrns, s.merged, s.grants, s.granted, s.codes = nil, nil, nil, nil, nil, nil, nil
}

// load fills the finder from its cache and the changes since, or else reads
// every patient, and notes the feed position.
func (s *Service) load() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.idx = search.New()
	s.people = map[string]PatientSummary{}
	s.mrns = map[string][]string{}
	s.merged = map[string][]string{}
	s.grants = map[string]time.Time{}
	s.granted = map[string]bool{}
	if ok, err := s.loadFinderCache(); err != nil {
		return err
	} else if ok {
		return s.refresh()
	}
	// The feed position is read first: whatever is written after it is
	// replayed by refresh, so the readers below may each see a later state.
	err := s.st.View(func(tx *store.Tx) error { s.seen = tx.LastChange(); return nil })
	if err != nil {
		return err
	}
	// Decrypting and decoding is nearly all the work at 100,000 patients:
	// patient IDs are random hex, so each worker reads the IDs under some of
	// the 16 first digits, in its own read transaction.
	prefixes := make(chan string, 16)
	for _, c := range "0123456789abcdef" {
		prefixes <- string(c)
	}
	close(prefixes)
	workers := max(1, min(runtime.GOMAXPROCS(0), 8))
	parts := make([][]Patient, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			errs[w] = s.st.View(func(tx *store.Tx) error {
				for prefix := range prefixes {
					err := tx.ListPrefix(TypePatient, prefix, func(r store.Record) error {
						p, err := decodePatient(r)
						parts[w] = append(parts[w], p)
						return err
					})
					if err != nil {
						return err
					}
				}
				return nil
			})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	ps := slices.Concat(parts...)
	entries := make([]search.Entry, 0, len(ps))
	for _, p := range ps {
		s.people[p.ID] = p.Summary()
		s.mrns[p.MRN] = append(s.mrns[p.MRN], p.ID)
		if p.MergedInto != "" {
			s.merged[p.MergedInto] = append(s.merged[p.MergedInto], p.ID)
			continue
		}
		entries = append(entries, p.Summary().entry())
	}
	s.idx.Build(entries)
	s.saveFinderCache(finderCacheLag, false)
	return nil
}

// refresh brings the finder up to date with the change feed: edits made by
// this service, by sync or by anything else that wrote to the store.
// The caller holds s.mu.
func (s *Service) refresh() error {
	if s.idx == nil {
		return errors.New("chart: the service was closed")
	}
	pending := map[string]search.Entry{} // finder entries to put, applied at the end
	for {
		var changes []store.Change
		var recs []store.Record
		err := s.st.View(func(tx *store.Tx) error {
			var err error
			if changes, err = tx.Changes(s.seen, 1000); err != nil {
				return err
			}
			for _, c := range changes {
				r, err := tx.Get(c.RecordID)
				if err != nil {
					return err
				}
				switch r.Type {
				case TypePatient:
					recs = append(recs, r)
				case TypeBreakGlass:
					s.noteGrant(r) // granted on another workstation, or here
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, r := range recs {
			delete(pending, r.ID)
			if e, ok := s.notePatient(r); ok {
				pending[r.ID] = e
			}
		}
		if len(changes) == 0 {
			break
		}
		s.seen = changes[len(changes)-1].Seq
	}
	if len(pending) > 64 && len(pending) > s.idx.Len() {
		// a bulk import or a first sync into a small finder: Build costs
		// about as much as the whole index, Put costs per entry
		s.idx.Build(slices.Collect(maps.Values(pending)))
	} else {
		for _, e := range pending {
			s.idx.Put(e)
		}
	}
	s.saveFinderCache(finderCacheLag, false)
	return nil
}

// notePatient records the current revision of a patient in the service's
// maps and takes it out of the finder when it is gone or merged; it returns
// the finder entry to put when the patient should be found.
func (s *Service) notePatient(r store.Record) (search.Entry, bool) {
	if old, ok := s.people[r.ID]; ok {
		if old.MergedInto != "" {
			s.merged[old.MergedInto] = remove(s.merged[old.MergedInto], r.ID)
		}
		if ids := remove(s.mrns[old.MRN], r.ID); len(ids) > 0 {
			s.mrns[old.MRN] = ids
		} else {
			delete(s.mrns, old.MRN)
		}
	}
	if r.Deleted {
		delete(s.people, r.ID)
		s.idx.Remove(r.ID)
		return search.Entry{}, false
	}
	p, err := decodePatient(r)
	if err != nil {
		return search.Entry{}, false // Verify reports damage; the finder skips it
	}
	s.people[p.ID] = p.Summary()
	s.mrns[p.MRN] = append(s.mrns[p.MRN], p.ID)
	if p.MergedInto != "" {
		s.merged[p.MergedInto] = append(s.merged[p.MergedInto], p.ID)
		s.idx.Remove(p.ID)
		return search.Entry{}, false
	}
	return p.Summary().entry(), true
}

func remove(list []string, id string) []string {
	out := list[:0]
	for _, x := range list {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}

// user is the signed-in user.
func (s *Service) user() (store.User, error) { return s.st.CurrentUser() }

// require refuses a unless the signed-in user's role allows it.
func (s *Service) require(a Action) (store.User, error) {
	u, err := s.user()
	if err != nil {
		return u, err
	}
	if !Allowed(u.Role, a) {
		return u, &PermissionError{Role: u.Role, Action: a}
	}
	return u, nil
}

// requireFor is require for an action on one patient's chart, where an
// active break-glass grant opens what the role does not reach. It returns
// whether the grant was used.
func (s *Service) requireFor(a Action, patientID string) (store.User, bool, error) {
	u, err := s.user()
	if err != nil {
		return u, false, err
	}
	if Allowed(u.Role, a) {
		return u, false, nil
	}
	if breakGlassReach(a) {
		ok, err := s.hasGrant(u, patientID)
		if err != nil {
			return u, false, err
		}
		if ok {
			return u, true, nil
		}
	}
	return u, false, &PermissionError{Role: u.Role, Action: a, BreakGlass: breakGlassReach(a)}
}

// audit writes one audit entry about a patient.
func audit(tx *store.Tx, action, patientID, detail string, flagged bool) error {
	return tx.Audit(store.AuditEvent{Action: action, Subject: patientID, Detail: detail, Flagged: flagged})
}

// put encodes v and writes it as a new revision of id (parent "" for new).
func put(tx *store.Tx, typ, id, parent string, v any) (store.Record, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return store.Record{}, err
	}
	return tx.Put(typ, id, parent, body)
}

// decode reads a record's body into v, calling damage what it is.
func decode(r store.Record, v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("%w: %s %s: %v", store.ErrTampered, r.Type, r.ID, err)
	}
	return nil
}

// childID is a new ID for a record in a patient's chart. It starts with the
// patient's ID so that a chart is read with one seek per record type
// ([store.Tx.ListPrefix]); both parts are random and carry no patient data.
func childID(patientID string) string { return patientID + "." + store.NewID()[:16] }

// patientOf is the patient ID of a chart record ID.
func patientOf(id string) string {
	for i := 0; i < len(id); i++ {
		if id[i] == '.' {
			return id[:i]
		}
	}
	return id
}

// date formats and parses the calendar dates of the chart.
const dateLayout = "2006-01-02"

// today is the current date in the local time zone, as a date.
func (s *Service) today() time.Time {
	t := s.now()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// checkDate validates a required or optional "YYYY-MM-DD" date that may not
// lie in the future.
// checkPartialDate is checkDate for a date clinicians may know only in
// part: "2024", "2024-03" or "2024-03-07". It is kept as given; a partial
// date is in the future when its first day is.
func (s *Service) checkPartialDate(p *problems, field, value string) {
	var d time.Time
	var err error
	switch len(value) {
	case 0:
		return
	case 4:
		d, err = time.Parse("2006", value)
	case 7:
		d, err = time.Parse("2006-01", value)
	case 10:
		if _, err := time.Parse(dateLayout, value); err == nil {
			s.checkDate(p, field, value, false)
			return
		}
	}
	if err != nil || d.IsZero() {
		p.add(field, "must be a date written YYYY-MM-DD, YYYY-MM or YYYY, like 1984-03-07, 1984-03 or 1984")
		return
	}
	if d.After(s.today()) {
		p.add(field, "is in the future")
	}
	if d.Year() < 1880 {
		p.add(field, "is before 1880")
	}
}

func (s *Service) checkDate(p *problems, field, value string, required bool) {
	if value == "" {
		if required {
			p.add(field, "is required")
		}
		return
	}
	d, err := time.Parse(dateLayout, value)
	if err != nil {
		p.add(field, "must be a date written YYYY-MM-DD, like 1984-03-07")
		return
	}
	if d.After(s.today()) {
		p.add(field, "is in the future")
	}
	if d.Year() < 1880 {
		p.add(field, "is before 1880")
	}
}

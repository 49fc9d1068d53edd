package chart

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"chartkeeper/chart/icd10"
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

	finder *finder // the patients in memory, with its own lock (finder.go)

	// mrnMu serialises MRN assignment on this workstation: it is held from
	// choosing a new MRN that the finder does not know until the finder
	// holds the write that uses it, so two registrations here never pick
	// the same one.
	mrnMu sync.Mutex

	grantMu sync.Mutex
	grants  map[string][]grantWindow // user ID + "/" + patient ID -> when break-glass grants hold; nil once closed
	granted map[string]bool          // users whose grants were loaded

	codesMu sync.Mutex // held while the code table loads, so it loads once
	codes   *icd10.Table
	loaded  bool // codes was looked for

	docs documentIndex // documents by blob, for intake (documentlookup.go)

	homeIdx homeIndex // what the role homes count (homeindex.go)

	reseal resealer // the background re-seal after a key rotation (reseal.go)
}

// Option changes a Service.
type Option func(*Service)

// WithClock makes the service read time from now (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithBreakGlassDuration sets how long break-glass access lasts (default
// [DefaultBreakGlass], which is also the most any grant is honoured for).
func WithBreakGlassDuration(d time.Duration) Option { return func(s *Service) { s.glassFor = d } }

// DefaultBreakGlass is how long break-glass access to a chart lasts, and
// the longest any grant is honoured, whatever its record says.
const DefaultBreakGlass = 30 * time.Minute

// Open builds the service over st, which must be unlocked, and loads the
// patient finder. st must have been opened with the chart's merge rules
// ([OpenStore], [StoreOptions]).
func Open(st *store.Store, opts ...Option) (*Service, error) {
	if err := checkMergeRules(st); err != nil {
		return nil, err
	}
	s := &Service{st: st, now: time.Now, glassFor: DefaultBreakGlass,
		grants: map[string][]grantWindow{}, granted: map[string]bool{}}
	for _, o := range opts {
		o(s)
	}
	s.finder = newFinder(st, s.noteGrant)
	if err := s.finder.load(); err != nil {
		return nil, err
	}
	s.StartReseal()
	return s, nil
}

// Store is the store the service works on.
func (s *Service) Store() *store.Store { return s.st }

// Close brings the finder and home caches up to date, for a fast next
// sign-in, and forgets the patient finder, the home index and the
// break-glass cache.
func (s *Service) Close() {
	s.reseal.stop()
	s.saveHome()
	s.finder.close()
	s.grantMu.Lock()
	s.grants, s.granted = nil, nil
	s.grantMu.Unlock()
	s.codesMu.Lock()
	s.codes = nil
	s.codesMu.Unlock()
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
		p.add(field, T("must be a date written YYYY-MM-DD, YYYY-MM or YYYY, like 1984-03-07, 1984-03 or 1984"))
		return
	}
	if d.After(s.today()) {
		p.add(field, T("is in the future"))
	}
	if d.Year() < 1880 {
		p.add(field, T("is before 1880"))
	}
}

func (s *Service) checkDate(p *problems, field, value string, required bool) {
	if value == "" {
		if required {
			p.add(field, T("is required"))
		}
		return
	}
	d, err := time.Parse(dateLayout, value)
	if err != nil {
		p.add(field, T("must be a date written YYYY-MM-DD, like 1984-03-07"))
		return
	}
	if d.After(s.today()) {
		p.add(field, T("is in the future"))
	}
	if d.Year() < 1880 {
		p.add(field, T("is before 1880"))
	}
}

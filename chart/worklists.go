package chart

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"chartkeeper/store"
)

// The HIM worklists. Each reads the store as it is now; none is audited as
// a chart view (they list, they do not open charts).

// VisitItem is one visit on a worklist.
type VisitItem struct {
	Visit   Visit
	Patient PatientSummary
	Age     int // days since the visit
}

// UnsignedVisits lists visits still unsigned olderThan days after their
// date, oldest first (HIM managers, clinicians).
func (s *Service) UnsignedVisits(olderThan int) ([]VisitItem, error) {
	if _, err := s.requireAny(Administer, SignVisit); err != nil {
		return nil, err
	}
	return s.visitList(func(v homeVisit, age int) bool { return !v.Signed && age >= olderThan })
}

// UncodedVisits is the coders' queue: signed visits without a diagnosis
// code, oldest first (coders, HIM managers, clinicians).
func (s *Service) UncodedVisits() ([]VisitItem, error) {
	if _, err := s.requireAny(WriteCodes, Administer); err != nil {
		return nil, err
	}
	return s.visitList(func(v homeVisit, _ int) bool { return v.Signed && !v.Coded })
}

func (s *Service) requireAny(as ...Action) (store.User, error) {
	var first error
	for _, a := range as {
		u, err := s.require(a)
		if err == nil {
			return u, nil
		}
		if first == nil {
			first = err
		}
	}
	return store.User{}, first
}

// visitList lists the visits whose facts in the home index (homeindex.go)
// keep says to list, oldest first, reading only those visits.
func (s *Service) visitList(keep func(homeVisit, int) bool) ([]VisitItem, error) {
	_, out, err := s.visitListN(keep, 0)
	return out, err
}

// visitListN is visitList that reads only the first limit visits (all
// for 0) and also says how many there are.
func (s *Service) visitListN(keep func(homeVisit, int) bool, limit int) (int, []VisitItem, error) {
	today := s.today()
	picked, err := s.pickVisits(keep)
	if err != nil {
		return 0, nil, err
	}
	if limit > 0 && len(picked) > limit {
		picked = picked[:limit]
	}
	var out []VisitItem
	err = s.st.View(func(tx *store.Tx) error {
		for _, q := range picked {
			r, err := tx.Get(q.VisitID)
			if err != nil {
				return err
			}
			if r.Deleted {
				continue
			}
			v, err := decodeVisit(r)
			if err != nil {
				return err
			}
			d, err := time.Parse(dateLayout, v.Date)
			if err != nil {
				continue
			}
			out = append(out, VisitItem{Visit: v, Patient: q.Patient, Age: int(today.Sub(d).Hours() / 24)})
		}
		return nil
	})
	return len(picked), out, err
}

// QueueItem is a visit of a worklist as the home index knows it, without
// reading the visit.
type QueueItem struct {
	VisitID string
	Date    string // YYYY-MM-DD
	Patient PatientSummary
}

// pickVisits lists the visits keep says to list, by date then ID.
func (s *Service) pickVisits(keep func(homeVisit, int) bool) ([]QueueItem, error) {
	today := s.today()
	var out []QueueItem
	err := s.home(func(x *homeIndex) error {
		for id, v := range x.Visits {
			d, err := time.Parse(dateLayout, v.Date)
			if err != nil {
				continue
			}
			if keep(v, int(today.Sub(d).Hours()/24)) {
				out = append(out, QueueItem{VisitID: id, Date: v.Date})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b QueueItem) int {
		return cmp.Or(strings.Compare(a.Date, b.Date), strings.Compare(a.VisitID, b.VisitID))
	})
	s.finder.peek(func() {
		for i := range out {
			out[i].Patient = s.finder.people[patientOf(out[i].VisitID)]
		}
	})
	return out, nil
}

// CodingQueue is the coders' queue as UncodedVisits, oldest first, without
// reading the visits: the coder's home reads each as it shows it.
func (s *Service) CodingQueue() ([]QueueItem, error) {
	if _, err := s.requireAny(WriteCodes, Administer); err != nil {
		return nil, err
	}
	return s.pickVisits(func(v homeVisit, _ int) bool { return v.Signed && !v.Coded })
}

// OpenAmendmentRequests lists requests not yet decided, oldest first.
func (s *Service) OpenAmendmentRequests() ([]AmendmentRequest, error) {
	all, err := s.AmendmentRequests("")
	var out []AmendmentRequest
	for _, q := range all {
		if q.Status == RequestOpen {
			out = append(out, q)
		}
	}
	return out, err
}

// DuplicatePair is two patients likely to be the same person, and why.
type DuplicatePair struct {
	A, B PatientSummary
	// Reasons are the signals the two share, in plain words: "similar
	// name", "same birth date", "same phone". A shared phone alone never
	// makes a pair (see docs/CHART.md).
	Reasons []string
}

// Why is the pair's reasons as one phrase, e.g. "similar name, same birth
// date".
func (p DuplicatePair) Why() string { return strings.Join(p.Reasons, ", ") }

// DuplicateCandidates lists likely duplicate patients (HIM managers),
// without the pairs marked not the same person ([Service.MarkNotDuplicate]).
// limit caps the number of pairs (0: no cap).
func (s *Service) DuplicateCandidates(limit int) ([]DuplicatePair, error) {
	if _, err := s.require(Administer); err != nil {
		return nil, err
	}
	var marked map[[2]string]bool
	if err := s.st.View(func(tx *store.Tx) (err error) { marked, err = notDuplicates(tx); return err }); err != nil {
		return nil, err
	}
	var out []DuplicatePair
	err := s.finder.read(func() {
		n := limit
		if len(marked) > 0 {
			n = 0 // the marked pairs are left out below
		}
		for _, p := range s.finder.idx.DuplicatePairs(n) {
			k := p
			if k[0] > k[1] {
				k[0], k[1] = k[1], k[0]
			}
			if marked[k] {
				continue
			}
			if limit > 0 && len(out) == limit {
				break
			}
			out = append(out, DuplicatePair{A: s.finder.people[p[0]], B: s.finder.people[p[1]],
				Reasons: s.finder.idx.Why(p[0], p[1]).Words()})
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// BreakGlassToReview lists break-glass accesses not yet reviewed, oldest
// first (HIM managers).
func (s *Service) BreakGlassToReview() ([]BreakGlass, error) {
	if _, err := s.require(Administer); err != nil {
		return nil, err
	}
	var out []BreakGlass
	err := s.st.View(func(tx *store.Tx) error {
		return tx.List(TypeBreakGlass, func(r store.Record) error {
			var g BreakGlass
			if err := decode(r, &g); err != nil {
				return err
			}
			g.ID, g.Rev = r.ID, r.Rev
			if !g.Reviewed {
				out = append(out, g)
			}
			return nil
		})
	})
	sortBy(out, func(g BreakGlass) string { return g.At.UTC().Format(time.RFC3339Nano) })
	return out, err
}

// DocumentsToFile is the inbox as a worklist.
func (s *Service) DocumentsToFile() ([]Document, error) { return s.Inbox() }

// AuditEntry is one audit event with the patient it concerns.
type AuditEntry struct {
	store.AuditEvent
	MRN string // the patient's MRN when the subject is a patient
}

// Audit lists audit events (HIM managers), optionally only those about one
// patient (and the patients merged into it). fn sees them in time order,
// every workstation's log merged (store.AuditLogAll).
func (s *Service) Audit(patientID string, fn func(AuditEntry) error) error {
	if _, err := s.require(Administer); err != nil {
		return err
	}
	var people map[string]string
	want := map[string]bool{}
	err := s.finder.read(func() {
		people = make(map[string]string, len(s.finder.people))
		for id, p := range s.finder.people {
			people[id] = p.MRN
		}
		if patientID != "" {
			want[patientID] = true
			for _, m := range s.finder.mergedAll(patientID) {
				want[m] = true
			}
		}
	})
	if err != nil {
		return err
	}
	err = s.st.AuditLogAll(func(ev store.AuditEvent) error { // every workstation's log, merged by time
		if patientID != "" && !want[ev.Subject] {
			return nil
		}
		return fn(AuditEntry{AuditEvent: ev, MRN: people[ev.Subject]})
	})
	if err != nil {
		return err
	}
	// the review itself is audited
	return s.st.Update(func(tx *store.Tx) error {
		return audit(tx, "audit.review", patientID, detailLogRead, false)
	})
}

package chart

import (
	"math"
	"slices"
	"strings"
	"time"

	"chartkeeper/store"
)

// What the role homes show (the workstation's first screen after sign-in).
// Counts come from the home index (homeindex.go); lists read only the
// records they show. Nothing here is audited as a chart view: the homes
// list, they do not open charts.

// recentKeep is how many recently opened patients are remembered per user.
const recentKeep = 12

func recentCacheName(userID string) string { return "chart.recent." + userID }
func signInCacheName(userID string) string { return "chart.signin." + userID }

// noteRecent puts patientID first in the user's recently opened patients,
// kept in the store's local cache (this workstation only, never synced).
// Best effort: the list is a convenience.
func noteRecent(tx *store.Tx, userID, patientID string) {
	if userID == "" {
		return
	}
	name := recentCacheName(userID)
	b, _ := tx.Cache(name)
	ids := []string{patientID}
	for _, id := range strings.Split(string(b), "\n") {
		if id != "" && id != patientID && len(ids) < recentKeep {
			ids = append(ids, id)
		}
	}
	_ = tx.PutCache(name, []byte(strings.Join(ids, "\n")))
}

// RecentPatients lists the patients whose charts the signed-in user opened
// lately on this workstation, most recent first, merged ones followed to
// the chart they are in.
func (s *Service) RecentPatients(limit int) ([]PatientSummary, error) {
	u, err := s.require(ReadDemographics)
	if err != nil {
		return nil, err
	}
	var b []byte
	if err := s.st.View(func(tx *store.Tx) error { b, err = tx.Cache(recentCacheName(u.ID)); return nil }); err != nil {
		return nil, err
	}
	var out []PatientSummary
	err = s.finder.read(func() {
		for _, id := range s.finder.survivors(strings.Split(string(b), "\n")) {
			if len(out) == limit {
				break
			}
			out = append(out, s.finder.people[id])
		}
	})
	return out, err
}

// MarkSignIn notes that the signed-in user signed in now and returns when
// they signed in before on this workstation (zero the first time). The
// clinician's home lists what was filed since then.
func (s *Service) MarkSignIn() (previous time.Time, err error) {
	u, err := s.user()
	if err != nil {
		return time.Time{}, err
	}
	err = s.st.Update(func(tx *store.Tx) error {
		name := signInCacheName(u.ID)
		if b, err := tx.Cache(name); err == nil && b != nil {
			_ = previous.UnmarshalText(b)
		}
		now, _ := s.now().UTC().MarshalText()
		return tx.PutCache(name, now)
	})
	return previous, err
}

// RegisteredToday counts the patients registered today (their first
// revision is dated today, on whichever workstation) and lists up to limit
// of them, the latest first.
func (s *Service) RegisteredToday(limit int) (int, []PatientSummary, error) {
	if _, err := s.require(ReadDemographics); err != nil {
		return 0, nil, err
	}
	start := startOfDay(s.now())
	type reg struct {
		id string
		at time.Time
	}
	var regs []reg
	err := s.home(func(x *homeIndex) error {
		for id, at := range x.Registered {
			if !at.Before(start) {
				regs = append(regs, reg{id, at})
			}
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	var out []PatientSummary
	n := 0
	err = s.finder.read(func() {
		// the latest limit, kept in order as they are met: a bulk import
		// registers thousands in a day
		var top []reg
		for _, r := range regs {
			p, ok := s.finder.people[r.id]
			if !ok || p.MergedInto != "" {
				continue
			}
			n++
			if limit <= 0 || len(top) == limit && !r.at.After(top[limit-1].at) {
				continue
			}
			i, _ := slices.BinarySearchFunc(top, r.at, func(x reg, t time.Time) int { return t.Compare(x.at) })
			top = slices.Insert(top, i, r)
			if len(top) > limit {
				top = top[:limit]
			}
		}
		for _, r := range top {
			out = append(out, s.finder.people[r.id])
		}
	})
	return n, out, err
}

// InboxWaiting counts the documents waiting to be filed and says when the
// oldest arrived (zero when none).
func (s *Service) InboxWaiting() (n int, oldest time.Time, err error) {
	if _, err := s.requireAny(FileDocuments, Administer); err != nil {
		return 0, time.Time{}, err
	}
	err = s.home(func(x *homeIndex) error {
		for _, d := range x.Docs {
			if d.Patient == "" && d.Left.IsZero() {
				n++
				if oldest.IsZero() || d.Received.Before(oldest) {
					oldest = d.Received
				}
			}
		}
		return nil
	})
	return n, oldest, err
}

// MyUnsignedVisits counts the signed-in clinician's unsigned visit notes
// and lists the oldest limit of them (all for 0), oldest first.
func (s *Service) MyUnsignedVisits(limit int) (int, []VisitItem, error) {
	u, err := s.require(SignVisit)
	if err != nil {
		return 0, nil, err
	}
	return s.visitListN(func(v homeVisit, _ int) bool { return !v.Signed && v.ClinicianID == u.ID }, limit)
}

// FiledItem is a document filed to a patient, for the clinician's home.
type FiledItem struct {
	Document Document
	Patient  PatientSummary
}

// FiledToMyPatients lists the documents filed since the given time to the
// patients the signed-in clinician has seen (has a visit with), newest
// first, at most limit.
func (s *Service) FiledToMyPatients(since time.Time, limit int) ([]FiledItem, error) {
	u, err := s.require(SignVisit)
	if err != nil {
		return nil, err
	}
	if _, err := s.require(ViewDocuments); err != nil {
		return nil, err
	}
	var ids []string
	err = s.home(func(x *homeIndex) error {
		mine := map[string]bool{}
		for _, v := range x.Visits {
			if v.ClinicianID == u.ID {
				mine[v.Patient] = true
			}
		}
		for id, d := range x.Docs {
			if d.Patient != "" && mine[d.Patient] && d.FiledAt.After(since) {
				ids = append(ids, id)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []FiledItem
	err = s.st.View(func(tx *store.Tx) error {
		for _, id := range ids {
			r, err := tx.Get(id)
			if err != nil || r.Deleted {
				continue
			}
			if d, err := readDocument(tx, r); err == nil {
				out = append(out, FiledItem{Document: d})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b FiledItem) int { return b.Document.FiledAt.Compare(a.Document.FiledAt) })
	if len(out) > limit {
		out = out[:limit]
	}
	s.finder.peek(func() {
		for i := range out {
			out[i].Patient = s.finder.people[out[i].Document.Patient]
		}
	})
	return out, nil
}

// WorklistCount is one worklist on the HIM manager's home: its name, how
// many items wait and since when the oldest waits (zero when none, or not
// known).
type WorklistCount struct {
	Name   string
	Count  int
	Oldest time.Time
}

// Worklists counts the HIM worklists (HIM managers).
func (s *Service) Worklists() ([]WorklistCount, error) {
	if _, err := s.require(Administer); err != nil {
		return nil, err
	}
	today := s.today()
	var out []WorklistCount
	err := s.home(func(x *homeIndex) error {
		glass := WorklistCount{Name: T("Break-glass access to review")}
		for _, g := range x.Grants {
			if !g.Reviewed {
				glass.Count++
				glass.Oldest = older(glass.Oldest, g.At)
			}
		}
		unsigned := WorklistCount{Name: T("Visits unsigned after 3 days")}
		uncoded := WorklistCount{Name: T("Signed visits without codes")}
		for _, v := range x.Visits {
			d, err := time.ParseInLocation(dateLayout, v.Date, time.Local)
			if err != nil {
				continue
			}
			switch {
			case !v.Signed && today.Sub(time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)) >= 3*24*time.Hour:
				unsigned.Count++
				unsigned.Oldest = older(unsigned.Oldest, d)
			case v.Signed && !v.Coded:
				uncoded.Count++
				uncoded.Oldest = older(uncoded.Oldest, v.SignedAt)
			}
		}
		docs := WorklistCount{Name: T("Documents waiting to be filed")}
		for _, d := range x.Docs {
			if d.Patient == "" && d.Left.IsZero() {
				docs.Count++
				docs.Oldest = older(docs.Oldest, d.Received)
			}
		}
		out = append(out, glass, unsigned, uncoded, docs)
		return nil
	})
	if err != nil {
		return nil, err
	}
	reqs, err := s.OpenAmendmentRequests()
	if err != nil {
		return nil, err
	}
	am := WorklistCount{Name: T("Amendment requests to decide"), Count: len(reqs)}
	for _, r := range reqs {
		if d, err := time.ParseInLocation(dateLayout, r.Received, time.Local); err == nil {
			am.Oldest = older(am.Oldest, d)
		}
	}
	conflicts, err := s.ConflictQueue()
	if err != nil {
		return nil, err
	}
	cq := WorklistCount{Name: T("Records changed on two workstations at once"), Count: len(conflicts)}
	out = slices.Insert(out, 1, am)
	return append([]WorklistCount{cq}, out...), nil
}

func older(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// History is the HIM manager's view of the last days, one value per day
// (Days[i] is the day's start, local time, oldest first; the last is
// today, counted as of now).
type History struct {
	Days []time.Time
	// Waiting: documents in the inbox at the end of the day.
	Waiting []int
	// Unsigned: visit notes unsigned at the end of the day, by the
	// visit's age then: UnsignedAges[k] names each row.
	Unsigned [3][]int
	// Backlog: signed visits without a diagnosis code at the end of the day.
	Backlog []int
	// Disclosures recorded for the day; break-glass openings on the day.
	Disclosures []int
	BreakGlass  []int
}

// UnsignedAges names the age groups of History.Unsigned.
var UnsignedAges = [3]string{T("up to 3 days old"), T("4 to 14 days old"), T("over 14 days old")}

// History counts the practice's last days from the records' own times
// (HIM managers): a visit is unsigned from its date until its signature,
// in the coding backlog from its signature until it was first coded; a
// document waits from its receipt until it is filed, rejected or split; a
// disclosure counts on its date and a break-glass opening at its time.
func (s *Service) History(days int) (History, error) {
	if _, err := s.require(Administer); err != nil {
		return History{}, err
	}
	now := s.now()
	h := History{Days: make([]time.Time, days)}
	first := startOfDay(now).AddDate(0, 0, -(days - 1))
	for i := range days {
		h.Days[i] = first.AddDate(0, 0, i)
	}
	// ends[i] is the moment day i is counted at: its end, or now for today.
	ends := make([]time.Time, days)
	for i := range days {
		ends[i] = h.Days[i].AddDate(0, 0, 1)
	}
	ends[days-1] = now
	h.Waiting, h.Backlog = make([]int, days), make([]int, days)
	h.Disclosures, h.BreakGlass = make([]int, days), make([]int, days)
	for k := range h.Unsigned {
		h.Unsigned[k] = make([]int, days)
	}
	// span adds one to every day whose count moment falls in [from, to)
	// (to zero: still open).
	span := func(row []int, from, to time.Time) {
		for i, e := range ends {
			if !from.After(e) && (to.IsZero() || to.After(e)) {
				row[i]++
			}
		}
	}
	dayOf := func(t time.Time) int {
		t = t.Local()
		d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.Local)
		return int(math.Round(d.Sub(first).Hours() / 24))
	}
	err := s.home(func(x *homeIndex) error {
		for _, d := range x.Docs {
			switch {
			case d.Patient == "":
				span(h.Waiting, d.Received, d.Left)
			case !d.FiledAt.IsZero() && d.FiledAt.After(d.Received):
				span(h.Waiting, d.Received, d.FiledAt)
			}
		}
		for _, v := range x.Visits {
			date, err := time.ParseInLocation(dateLayout, v.Date, time.Local)
			if err != nil {
				continue
			}
			var signed time.Time
			if v.Signed {
				signed = v.SignedAt
				if signed.IsZero() {
					continue // signed, but when is not known
				}
			}
			for i, e := range ends {
				if date.After(e) || (!signed.IsZero() && !signed.After(e)) {
					continue
				}
				age := int(h.Days[i].Sub(date).Hours() / 24)
				k := 2
				switch {
				case age <= 3:
					k = 0
				case age <= 14:
					k = 1
				}
				h.Unsigned[k][i]++
			}
			if v.Signed && (!v.Coded || v.CodedAt.After(v.SignedAt)) {
				to := v.CodedAt
				if !v.Coded {
					to = time.Time{}
				}
				span(h.Backlog, v.SignedAt, to)
			}
		}
		for _, date := range x.Disclosures {
			if d, err := time.ParseInLocation(dateLayout, date, time.Local); err == nil {
				if i := dayOf(d); i >= 0 && i < days {
					h.Disclosures[i]++
				}
			}
		}
		for _, g := range x.Grants {
			if i := dayOf(g.At); i >= 0 && i < days {
				h.BreakGlass[i]++
			}
		}
		return nil
	})
	return h, err
}

// WorkstationSync is how long, on each of the last days, another
// workstation had been silent: for each day, the days between the day's
// end and the newest entry of that workstation's audit log that this
// workstation holds and that is older than the day's end (NaN before its
// first entry). A workstation's log arrives only through sync, so this is
// the age of its last sync as far as this workstation can tell.
type WorkstationSync struct {
	Name      string
	Last      time.Time // its newest entry held here
	DaysSince []float64
}

// WorkstationSyncs reads every other workstation's audit log held here
// (HIM managers). It reads times only and is not audited.
func (s *Service) WorkstationSyncs(days int) ([]WorkstationSync, error) {
	if _, err := s.require(Administer); err != nil {
		return nil, err
	}
	now := s.now()
	first := startOfDay(now).AddDate(0, 0, -(days - 1))
	ends := make([]time.Time, days)
	for i := range days {
		ends[i] = first.AddDate(0, 0, i+1)
	}
	ends[days-1] = now
	type seen struct {
		before time.Time   // its newest entry before the first day
		inDay  []time.Time // its newest entry counted on each day
		last   time.Time
	}
	byName := map[string]*seen{}
	own := s.st.DeviceID()
	err := s.st.AuditLogAll(func(ev store.AuditEvent) error {
		if ev.Device == own {
			return nil
		}
		w := byName[ev.Workstation]
		if w == nil {
			w = &seen{inDay: make([]time.Time, days)}
			byName[ev.Workstation] = w
		}
		i, _ := slices.BinarySearchFunc(ends, ev.Time, func(e, t time.Time) int { return e.Compare(t) })
		switch {
		case i == 0 && ev.Time.Before(first):
			w.before = later(w.before, ev.Time)
		case i < days:
			w.inDay[i] = later(w.inDay[i], ev.Time)
		}
		w.last = later(w.last, ev.Time)
		return nil
	})
	if err != nil {
		return nil, err
	}
	var order []string
	for n := range byName {
		order = append(order, n)
	}
	slices.Sort(order)
	out := make([]WorkstationSync, 0, len(order))
	for _, n := range order {
		w := byName[n]
		ws := WorkstationSync{Name: n, Last: w.last, DaysSince: make([]float64, days)}
		newest := w.before
		for i, e := range ends {
			newest = later(newest, w.inDay[i])
			ws.DaysSince[i] = math.NaN()
			if !newest.IsZero() {
				ws.DaysSince[i] = e.Sub(newest).Hours() / 24
			}
		}
		out = append(out, ws)
	}
	return out, nil
}

// startOfDay is the local midnight that begins t's day.
func startOfDay(t time.Time) time.Time {
	t = t.Local()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.Local)
}

// OpenVisit reads one visit note, for the coding queue, which shows the
// note beside the codes (audited as "visit.view").
func (s *Service) OpenVisit(id string) (Visit, error) {
	_, glass, err := s.requireFor(ReadClinical, patientOf(id))
	if err != nil {
		return Visit{}, err
	}
	var v Visit
	err = s.st.Update(func(tx *store.Tx) error {
		if v, err = s.visit(tx, id); err != nil {
			return err
		}
		return audit(tx, "visit.view", v.Patient, id, glass)
	})
	return v, err
}

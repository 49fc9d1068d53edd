package chart

import (
	"slices"
	"strings"
	"time"

	"chartkeeper/store"
)

// The clinician's new results: results filed to their patients since they
// last signed in, less those of a patient whose results they have looked
// at since (MarkResultsSeen). The facts come from the home index, which
// keeps the results filed in the last homeKeep; only the results listed
// are read.

func resultsSeenCacheName(userID string) string { return "chart.resultsseen." + userID }

// ResultItem is a result filed to a patient, for the clinician's home.
type ResultItem struct {
	Result  Result
	Patient PatientSummary // the patient whose chart holds it now
	Filed   time.Time      // when it was filed (its latest revision)
}

// resultsSeen reads when the user last looked at each patient's results.
func resultsSeen(tx *store.Tx, userID string) map[string]time.Time {
	seen := map[string]time.Time{}
	b, _ := tx.Cache(resultsSeenCacheName(userID))
	for _, line := range strings.Split(string(b), "\n") {
		id, when, ok := strings.Cut(line, "\t")
		var t time.Time
		if ok && t.UnmarshalText([]byte(when)) == nil {
			seen[id] = t
		}
	}
	return seen
}

// MarkResultsSeen notes that the signed-in user looked at the patient's
// results now (the chart's Results tab), so the home stops listing them as
// new. It is kept in the store's local cache, this workstation's only, and
// is best effort: at worst a result is listed once more.
func (s *Service) MarkResultsSeen(patientID string) error {
	u, err := s.require(ReadDemographics)
	if err != nil {
		return err
	}
	ids := []string{patientID}
	s.finder.peek(func() { ids = append(ids, s.finder.mergedAll(patientID)...) })
	now := s.now().UTC()
	cut := now.Add(-homeKeep)
	return s.st.Update(func(tx *store.Tx) error {
		seen := resultsSeen(tx, u.ID)
		for _, id := range ids {
			seen[id] = now
		}
		var lines []string
		for id, t := range seen {
			if t.After(cut) {
				b, _ := t.MarshalText()
				lines = append(lines, id+"\t"+string(b))
			}
		}
		slices.Sort(lines)
		return tx.PutCache(resultsSeenCacheName(u.ID), []byte(strings.Join(lines, "\n")))
	})
}

// NewResultsForMyPatients counts the results filed since the given time to
// the patients the signed-in clinician has seen (has a visit with) and
// whose results they have not looked at since, and lists at most limit of
// them: those flagged outside their range first, then the newest.
// Results of a questionnaire or of social history are not listed.
func (s *Service) NewResultsForMyPatients(since time.Time, limit int) (int, []ResultItem, error) {
	u, err := s.require(SignVisit)
	if err != nil {
		return 0, nil, err
	}
	if _, err := s.require(ReadClinical); err != nil {
		return 0, nil, err
	}
	var seen map[string]time.Time
	if err := s.st.View(func(tx *store.Tx) error { seen = resultsSeen(tx, u.ID); return nil }); err != nil {
		return 0, nil, err
	}
	type cand struct {
		id string
		homeResult
	}
	var cs []cand
	err = s.home(func(x *homeIndex) error {
		mine := map[string]bool{}
		for _, v := range x.Visits {
			if v.ClinicianID == u.ID {
				mine[v.Patient] = true
			}
		}
		for id, r := range x.Results {
			if mine[r.Patient] && r.Filed.After(since) && r.Filed.After(seen[r.Patient]) {
				cs = append(cs, cand{id, r})
			}
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	slices.SortFunc(cs, func(a, b cand) int {
		if a.Abnormal != b.Abnormal {
			if a.Abnormal {
				return -1
			}
			return 1
		}
		if c := b.Filed.Compare(a.Filed); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	n := len(cs)
	if limit >= 0 && len(cs) > limit {
		cs = cs[:limit]
	}
	var out []ResultItem
	err = s.st.View(func(tx *store.Tx) error {
		for _, c := range cs {
			r, err := tx.Get(c.id)
			if err != nil || r.Deleted {
				continue
			}
			var res Result
			if decode(r, &res) != nil {
				continue
			}
			res.ID, res.Rev, res.Patient, res.Changed = r.ID, r.Rev, c.Patient, r.HLC.Time()
			out = append(out, ResultItem{Result: res, Filed: c.Filed})
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	s.finder.peek(func() {
		for i := range out {
			id := out[i].Result.Patient
			if ids := s.finder.survivors([]string{id}); len(ids) == 1 {
				id = ids[0]
			}
			out[i].Patient = s.finder.people[id]
		}
	})
	return n, out, nil
}

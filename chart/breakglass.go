package chart

import (
	"fmt"
	"strings"
	"time"

	"chartkeeper/store"
)

// BreakGlass is one emergency opening of a chart beyond the user's role.
type BreakGlass struct {
	ID       string    `json:"-"`
	Rev      string    `json:"-"`
	UserID   string    `json:"user"`
	Username string    `json:"username"`
	Patient  string    `json:"patient"`
	Reason   string    `json:"reason"`
	At       time.Time `json:"at"`
	Until    time.Time `json:"until"`
	// Reviewed is set by an HIM manager who looked at the access.
	Reviewed   bool      `json:"reviewed,omitempty"`
	ReviewedBy string    `json:"reviewedBy,omitempty"`
	ReviewedAt time.Time `json:"reviewedAt,omitzero"`
	ReviewNote string    `json:"reviewNote,omitempty"`
}

// OpenBreakGlass gives the signed-in user read access to a patient's chart
// beyond their role, for the service's break-glass duration. The reason is
// required; the access is audited and flagged for review.
func (s *Service) OpenBreakGlass(patientID, reason string) (BreakGlass, error) {
	u, err := s.user()
	if err != nil {
		return BreakGlass{}, err
	}
	reason = strings.TrimSpace(reason)
	var pr problems
	pr.required(T("reason"), reason)
	pr.maxLen(T("reason"), reason, 500)
	if len([]rune(reason)) > 0 && len([]rune(reason)) < 5 {
		pr.add(T("reason"), T("must say why the chart is needed (at least 5 characters)"))
	}
	if err := pr.err("break-glass access"); err != nil {
		return BreakGlass{}, err
	}
	if !s.st.Holds(store.CompartmentClinical) {
		// Break-glass opens only what the user's keys reach, and the
		// clinical chart is sealed under a key this role does not hold.
		return BreakGlass{}, &PermissionError{Role: u.Role, Action: ReadClinical, Note: "break-glass opens only what your keys reach; ask a clinician or a health information manager"}
	}
	now := s.now().UTC()
	g := BreakGlass{UserID: u.ID, Username: u.Username, Patient: patientID, Reason: reason, At: now, Until: now.Add(s.glassFor)}
	err = s.st.Update(func(tx *store.Tx) error {
		if _, err := s.getPatient(tx, patientID); err != nil {
			return err
		}
		r, err := put(tx, TypeBreakGlass, store.NewID(), "", g)
		if err != nil {
			return err
		}
		g.ID, g.Rev = r.ID, r.Rev
		return audit(tx, "breakglass.open", patientID, fmt.Sprintf(detailBreakGlass, g.Until.Format(time.RFC3339), reason), true)
	})
	if err != nil {
		return g, err
	}
	s.grantMu.Lock()
	if s.grants != nil {
		s.addGrant(g)
	}
	s.grantMu.Unlock()
	return g, nil
}

// grantWindow is when a break-glass grant is honoured: from its start for
// its recorded length, but never longer than [DefaultBreakGlass] (nor the
// service's own length), whatever the record says. A record that claims
// ten years opens the chart for thirty minutes at most.
type grantWindow struct{ from, to time.Time }

func (s *Service) windowOf(g BreakGlass) grantWindow {
	to := g.At.Add(min(s.glassFor, DefaultBreakGlass))
	if g.Until.Before(to) {
		to = g.Until
	}
	return grantWindow{from: g.At, to: to}
}

// addGrant notes g in the cache. The caller holds s.grantMu and has
// checked that the cache is open.
func (s *Service) addGrant(g BreakGlass) {
	w := s.windowOf(g)
	if !w.to.After(w.from) {
		return
	}
	key := g.UserID + "/" + g.Patient
	for _, old := range s.grants[key] {
		if old == w {
			return
		}
	}
	s.grants[key] = append(s.grants[key], w)
}

// activeGrant is the end of the window of u's grants for the patient that
// holds now, or zero. The caller holds s.grantMu.
func (s *Service) activeGrant(userID, patientID string) time.Time {
	now := s.now()
	var end time.Time
	for _, w := range s.grants[userID+"/"+patientID] {
		if !now.Before(w.from) && now.Before(w.to) && w.to.After(end) {
			end = w.to
		}
	}
	return end
}

// CanBreakGlass reports whether break-glass could open anything for the
// signed-in user: it opens only what their keys reach, and the roles that
// lack the clinical chart lack its key too.
func (s *Service) CanBreakGlass() bool { return s.st.Holds(store.CompartmentClinical) }

// hasGrant reports whether u holds unexpired break-glass access to the patient.
func (s *Service) hasGrant(u store.User, patientID string) (bool, error) {
	// Grants that came by sync reach the cache through the finder's
	// reading of the change feed (noteGrant), which takes s.grantMu: so
	// the finder is refreshed before s.grantMu is taken, never under it.
	s.grantMu.Lock()
	closed := s.grants == nil
	s.grantMu.Unlock()
	if closed {
		return false, nil
	}
	if err := s.finder.refresh(); err != nil {
		return false, err
	}
	s.grantMu.Lock()
	loaded := s.grants == nil || s.granted[u.ID]
	s.grantMu.Unlock()
	if !loaded {
		// The user's grants are read outside the lock; a grant written
		// meanwhile is in both, and is kept once.
		var mine []BreakGlass
		err := s.st.View(func(tx *store.Tx) error {
			return tx.List(TypeBreakGlass, func(r store.Record) error {
				var g BreakGlass
				if err := decode(r, &g); err != nil {
					return err
				}
				if tx.CheckSigned(r) != nil {
					return nil // not written by someone who may grant it
				}
				if g.UserID == u.ID {
					mine = append(mine, g)
				}
				return nil
			})
		})
		if err != nil {
			return false, err
		}
		s.grantMu.Lock()
		if s.grants != nil {
			for _, g := range mine {
				s.addGrant(g)
			}
			s.granted[u.ID] = true
		}
		s.grantMu.Unlock()
	}
	s.grantMu.Lock()
	defer s.grantMu.Unlock()
	return !s.activeGrant(u.ID, patientID).IsZero(), nil
}

// noteGrant takes a break-glass record from the change feed into the
// grant cache. The finder calls it with its own lock held.
func (s *Service) noteGrant(r store.Record) {
	var g BreakGlass
	if r.Deleted || decode(r, &g) != nil {
		return
	}
	s.grantMu.Lock()
	defer s.grantMu.Unlock()
	if s.grants == nil {
		return
	}
	s.addGrant(g)
}

// BreakGlassUntil is when the signed-in user's break-glass access to the
// patient ends (zero when there is none).
func (s *Service) BreakGlassUntil(patientID string) time.Time {
	u, err := s.user()
	if err != nil {
		return time.Time{}
	}
	if ok, _ := s.hasGrant(u, patientID); !ok {
		return time.Time{}
	}
	s.grantMu.Lock()
	defer s.grantMu.Unlock()
	if s.grants == nil {
		return time.Time{}
	}
	return s.activeGrant(u.ID, patientID)
}

// ReviewBreakGlass marks a break-glass access as reviewed (HIM managers).
func (s *Service) ReviewBreakGlass(id, note string) error {
	u, err := s.require(Administer)
	if err != nil {
		return err
	}
	if err := reasonError("review", note); err != nil {
		return err
	}
	return s.st.Update(func(tx *store.Tx) error {
		r, err := tx.Get(id)
		if err != nil {
			return err
		}
		if r.Type != TypeBreakGlass {
			return fmt.Errorf("%w: %s is not a break-glass access", store.ErrNotFound, id)
		}
		var g BreakGlass
		if err := decode(r, &g); err != nil {
			return err
		}
		if g.Reviewed {
			return fmt.Errorf("%w: this access was already reviewed by %s", store.ErrInvalid, g.ReviewedBy)
		}
		g.Reviewed, g.ReviewedBy, g.ReviewedAt, g.ReviewNote = true, u.Username, s.now().UTC(), strings.TrimSpace(note)
		if _, err := put(tx, TypeBreakGlass, id, r.Rev, g); err != nil {
			return err
		}
		return audit(tx, "breakglass.review", g.Patient, g.ReviewNote, false)
	})
}

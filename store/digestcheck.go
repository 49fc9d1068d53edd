package store

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// The checks of the state digest at sign-in (digest.go has the digest).
//
// A full comparison hashes every revision in the file: more than a second
// for 100,000 records, too long for a sign-in. So a sign-in runs a quick
// check once it succeeded (a file too damaged to sign in to is not walked:
// bbolt reading a broken tree can corrupt the program's memory), with
// what the sign-in's own writes found edited: the leaves against their sealed
// sums (which catches an entry of any area removed, changed or put back
// together with its leaf, naming the area), and every keyslot, user
// record and the audit head against its leaf (naming the entry). The
// records are compared entry by entry by a full check that runs in the
// background after the sign-in; [Store.StateError] gives what either
// found.

// stateCheck is what the checks since the last sign-in found.
type stateCheck struct {
	mu       sync.Mutex
	problems []string
	found    []Problem // problems with their values apart
	seen     map[string]bool
	done     chan struct{}
	stop     atomic.Bool
}

func (sc *stateCheck) add(p Problem) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	text := p.String()
	if sc.seen[text] || len(sc.problems) >= 1000 {
		return
	}
	sc.seen[text] = true
	sc.problems = append(sc.problems, text)
	sc.found = append(sc.found, p)
}

// addText adds a problem that is an error's text.
func (sc *stateCheck) addText(text string) { sc.add(Problemf("%s", text)) }

// StateError says what the checks of the store's state digest found since
// the last sign-in: entries of the store file deleted, changed or put back
// behind the store's back. It wraps [ErrTampered].
type StateError struct {
	Problems []string
	// Found are the same problems with their values apart, for the
	// workstation to show them in the person's language ([Problem]).
	Found []Problem
}

func (e *StateError) Error() string {
	return fmt.Sprintf("%v: the store file was edited behind the store's back: %s", ErrTampered, plainList(e.Problems))
}

func (e *StateError) Unwrap() error { return ErrTampered }

// StateError returns what the checks of the state digest run at the last
// sign-in found, as a [*StateError] (nil when they found nothing, or
// before a sign-in). The quick check's findings are there as soon as the
// sign-in returns; the full check's when it ends. With wait set it waits
// for the full check first.
func (s *Store) StateError(wait bool) error {
	s.stateMu.Lock()
	sc := s.state
	s.stateMu.Unlock()
	if sc == nil {
		return nil
	}
	if wait {
		<-sc.done
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if len(sc.problems) == 0 {
		return nil
	}
	return &StateError{Problems: slices.Clone(sc.problems), Found: slices.Clone(sc.found)}
}

// quickCheck is the quick check's outcome; full is set when there is a
// digest for the full check to compare with.
type quickCheck struct {
	sc   *stateCheck
	full bool
}

// quickStateCheck runs the quick check for a new session, once its
// sign-in succeeded; edited is what the sign-in's own writes found edited
// (an audit head put back, say, which the sign-in then wrote over).
func (s *Store) quickStateCheck(sess *session, edited []Problem) quickCheck {
	sc := &stateCheck{seen: map[string]bool{}, done: make(chan struct{})}
	for _, p := range edited {
		sc.add(p)
	}
	var st *digestState
	err := s.db.View(func(btx *bolt.Tx) (err error) {
		defer recoverDamage(&err)
		tx := &Tx{s: s, btx: btx, sess: sess}
		meta := btx.Bucket(bucketMeta)
		if meta.Get(keyDigest) == nil {
			if meta.Get(keyDigestDue) == nil {
				sc.add(Problemf(T("the store's state digest is missing: the store file was edited behind the store's back")))
			}
			return nil
		}
		if st, err = tx.loadDigest(); err != nil {
			sc.addText(err.Error())
			return nil
		}
		tx.digestQuick(st, sc.add)
		return nil
	})
	if err != nil {
		sc.addText(err.Error())
	}
	st.wipe()
	return quickCheck{sc: sc, full: st != nil}
}

// startStateCheck makes the quick check's findings the session's and
// starts the full check in the background.
func (s *Store) startStateCheck(sess *session, q quickCheck) {
	s.stopStateCheck()
	sc := q.sc
	s.stateMu.Lock()
	s.state = sc
	s.stateMu.Unlock()
	if !q.full {
		close(sc.done)
		return
	}
	// The session's keys stay until this ends: locking stops it first.
	go func() {
		defer close(sc.done)
		err := s.db.View(func(btx *bolt.Tx) (err error) {
			defer recoverDamage(&err)
			tx := &Tx{s: s, btx: btx, sess: sess}
			st, err := tx.loadDigest()
			if err != nil {
				return err
			}
			defer st.wipe()
			tx.digestCheck(st, sc.stop.Load, sc.add)
			return nil
		})
		if err != nil && !sc.stop.Load() {
			sc.addText(err.Error())
		}
	}()
}

// stopStateCheck ends a full check still running (the store locks).
func (s *Store) stopStateCheck() {
	s.stateMu.Lock()
	sc := s.state
	s.stateMu.Unlock()
	if sc != nil {
		sc.stop.Store(true)
		<-sc.done
	}
}

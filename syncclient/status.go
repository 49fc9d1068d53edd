package syncclient

import (
	"fmt"
	"strings"
	"time"

	"chartkeeper/internal/words"
	"chartkeeper/store"
)

// What a sync moved, and the status the workstation shows.

// Result is what one sync moved.
type Result struct {
	Pushed   int // revisions the server had not held before
	Sent     int // revisions sent (some may have been there already)
	Pulled   int // revisions new to this workstation
	Received int // revisions received
	Skewed   bool
	// BlobsPushed and BlobsPulled count documents (blobs) sent to and
	// fetched from the server (blobs.go).
	BlobsPushed, BlobsPulled int
	// AuditPushed and AuditPulled count audit entries sent to the server
	// and imported from other workstations (audit.go).
	AuditPushed, AuditPulled int
	// SetAside counts items from the server that failed their checks and
	// were set aside (store.SetAside) instead of stopping the pull.
	SetAside int
}

func (r *Result) add(o Result) {
	r.Pushed += o.Pushed
	r.Sent += o.Sent
	r.Pulled += o.Pulled
	r.Received += o.Received
	r.Skewed = r.Skewed || o.Skewed
	r.BlobsPushed += o.BlobsPushed
	r.BlobsPulled += o.BlobsPulled
	r.AuditPushed += o.AuditPushed
	r.AuditPulled += o.AuditPulled
	r.SetAside += o.SetAside
}

// State is the headline of a [Status].
type State int

const (
	StateUnknown  State = iota // not synced yet since start
	StateUpToDate              // nothing waits to go out, and the last pull is current
	StateWaiting               // local changes wait to be pushed
	StateOffline               // the server cannot be reached
	StateError                 // the server refused, or a revision failed its check
)

// Status is what the workstation shows about sync.
type Status struct {
	State        State
	Pending      int       // local changes not yet acknowledged by the server
	PendingDocs  int       // documents made here not yet stored on the server
	OfflineSince time.Time // when the server became unreachable (StateOffline)
	Err          string    // the reason (StateError, StateOffline)
	// Cause is the error behind Err, for callers that word it for people
	// (internal/plain); it is not part of a status change.
	Cause     error
	LastSync  time.Time // the last successful exchange
	ClockSkew bool      // a revision came from a device whose clock is off by over 5 minutes
	// Warning is a notice that needs no action, e.g. that the server had
	// lost changes and this workstation offered them again (recover.go).
	// It stays until the program restarts.
	Warning string
}

func (s Status) String() string {
	h := s.headline()
	if s.Warning != "" && s.State != StateError {
		h += " (" + s.Warning + ")"
	}
	return h
}

func (s Status) headline() string {
	switch s.State {
	case StateUpToDate:
		return "up to date"
	case StateWaiting:
		var parts []string
		if s.Pending > 0 || s.PendingDocs == 0 {
			parts = append(parts, words.Plural(s.Pending, "change"))
		}
		if s.PendingDocs > 0 {
			parts = append(parts, words.Plural(s.PendingDocs, "document"))
		}
		return strings.Join(parts, " and ") + " waiting"
	case StateOffline:
		return "offline since " + s.OfflineSince.Local().Format("2006-01-02 15:04")
	case StateError:
		return "sync error: " + s.Err
	}
	return "not synced yet"
}

// note updates the status after a push or pull (err nil: it went well).
func (c *Client) note(op int, err error, skewed bool) {
	pending, docs := -1, c.pendingDocs()
	_ = c.st.View(func(tx *store.Tx) error {
		n, err := tx.PendingChanges(tx.SyncMark(c.pushMark()))
		if err == nil {
			pending = n
		}
		return nil
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.status
	s := old
	s.ClockSkew = s.ClockSkew || skewed
	if pending >= 0 {
		s.Pending = pending
	}
	if docs >= 0 {
		s.PendingDocs = docs
	}
	c.errs[op] = err
	if err == nil {
		err = c.errs[1-op]
	}
	switch {
	case err == nil:
		s.LastSync, s.Err, s.Cause, s.OfflineSince = c.now(), "", nil, time.Time{}
		s.State = StateUpToDate
		if s.Pending > 0 || s.PendingDocs > 0 {
			s.State = StateWaiting
		}
	case Unreachable(err):
		if s.State != StateOffline {
			s.OfflineSince = c.now()
		}
		s.State, s.Err, s.Cause = StateOffline, err.Error(), err
	default:
		s.State, s.Err, s.Cause, s.OfflineSince = StateError, err.Error(), err, time.Time{}
	}
	a, b := s, old
	a.Cause, b.Cause = nil, nil // errors need not be comparable
	if a != b {
		c.status = s
		close(c.statusC)
		c.statusC = make(chan struct{})
	}
}

// noteSetAside keeps a warning once pulls have set items aside (n more
// now): they need an HIM manager's look, not a stop. It stays until the
// program restarts, beside any other warning.
func (c *Client) noteSetAside(n int) {
	if n == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.status
	w := s.Warning
	if c.setAside > 0 {
		w = strings.Trim(strings.Replace(w, setAsideWarning(c.setAside), "", 1), "; ")
	}
	if w != "" {
		w += "; "
	}
	c.setAside += n
	s.Warning = w + setAsideWarning(c.setAside)
	c.status = s
	close(c.statusC)
	c.statusC = make(chan struct{})
}

func setAsideWarning(n int) string {
	if n == 1 {
		return "1 item from the server failed its checks and was set aside: see Administration → Sync"
	}
	return fmt.Sprintf("%d items from the server failed their checks and were set aside: see Administration → Sync", n)
}

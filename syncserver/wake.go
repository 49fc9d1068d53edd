package syncserver

import "sync"

// signal is a broadcast: every waiter's channel closes on fire.
type signal struct {
	mu sync.Mutex
	ch chan struct{}
}

func (c *signal) wait() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch == nil {
		c.ch = make(chan struct{})
	}
	return c.ch
}

func (c *signal) fire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch != nil {
		close(c.ch)
		c.ch = nil
	}
}

func (s *Server) signalFor(practice string) *signal {
	s.mu.Lock()
	defer s.mu.Unlock()
	sg := s.signals[practice]
	if sg == nil {
		sg = &signal{}
		s.signals[practice] = sg
	}
	return sg
}

// Wake wakes the long-polls waiting on a practice, or on every practice
// when practiceID is "", as a push through this server does. A backend
// shared by several server processes calls it when another process has
// stored revisions (pgbackend's LISTEN/NOTIFY; see
// pgbackend.Backend.OnRemotePush).
func (s *Server) Wake(practiceID string) {
	if practiceID != "" {
		s.signalFor(practiceID).fire()
		return
	}
	s.mu.Lock()
	sigs := make([]*signal, 0, len(s.signals))
	for _, sg := range s.signals {
		sigs = append(sigs, sg)
	}
	s.mu.Unlock()
	for _, sg := range sigs {
		sg.fire()
	}
}

package sync

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

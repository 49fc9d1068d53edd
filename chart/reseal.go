package chart

import (
	"context"
	"sync"
)

// resealBatch is how many values one transaction of the background
// re-seal seals again (a few milliseconds each; see docs/PERFORMANCE.md).
const resealBatch = 64

// resealer runs the store's re-seal of values sealed under an older key
// epoch (after a rotation: docs/STORE.md, "Rotating keys") in the
// background while the service is open.
type resealer struct {
	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// StartReseal starts sealing older values again under the newest key
// epoch in the background, if it is not running already. [Open] starts it
// at every sign-in; an HIM manager's screen starts it after a rotation.
// It stops by itself when nothing is left, when the store locks, or at
// [Service.Close]; it resumes where it stopped at the next start.
func (s *Service) StartReseal() {
	r := &s.reseal
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done != nil {
		select {
		case <-r.done:
		default:
			return // running
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	r.cancel, r.done = cancel, done
	go func() {
		defer close(done)
		_, _ = s.st.Reseal(ctx, resealBatch) // a locked store or a failure stops it; the next start resumes
	}()
}

// stop stops the background re-seal and waits for its transaction.
func (r *resealer) stop() {
	r.mu.Lock()
	cancel, done := r.cancel, r.done
	r.cancel, r.done = nil, nil
	r.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

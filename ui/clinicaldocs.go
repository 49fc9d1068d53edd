package ui

import (
	"context"

	"fyne.io/fyne/v2"

	"chartkeeper/chart"
)

// sealDocuments seals, in the background, the clinical documents filed
// before the practice had its clinical document key (or on a workstation
// that did not know it yet): chart.Service.SealClinicalDocuments, one
// document at a time. It runs at every sign-in of a role that files
// documents or administers, and does nothing when there is nothing to
// seal; ending the session stops it after the document in hand.
func (s *session) sealDocuments() {
	if !chart.Allowed(s.user.Role, chart.FileDocuments) && !chart.Allowed(s.user.Role, chart.Administer) {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	svc := s.svc
	go func() {
		defer close(done)
		if _, err := svc.SealClinicalDocuments(ctx); err != nil && ctx.Err() == nil {
			fyne.LogError("sealing clinical documents to the clinical compartment", err)
		}
	}()
	s.stopSeal = func() {
		cancel()
		<-done
	}
}

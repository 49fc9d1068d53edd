package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	ckstore "chartkeeper/store"
	"chartkeeper/syncclient"
)

// syncer runs the practice's sync client while a user is signed in (sync
// needs the unlocked data key) and shows its state in the header.
type syncer struct {
	client *syncclient.Client // nil when the workstation is not connected
	cfg    syncclient.Config
	cancel context.CancelFunc
	done   chan struct{}
	label  *widget.Label
	now    *widget.Button
}

// syncStatus returns the header's sync part and starts sync for the
// session if this workstation is connected to a server.
func (s *session) syncStatus() fyne.CanvasObject {
	s.syncBox = container.New(layout.NewBorderLayout(nil, nil, nil, nil))
	s.startSync()
	return s.syncBox
}

// startSync starts sync, if this workstation is connected to a server, and
// shows its state and "Sync now" in the header; call it again after
// connecting (it stops what ran before).
func (s *session) startSync() {
	s.sync.stop()
	y := &syncer{label: &widget.Label{Truncation: fyne.TextTruncateEllipsis}} // cut short in a narrow header
	s.sync = y
	cfg, err := syncclient.LoadConfig(s.ws.dir)
	if err == nil {
		y.cfg = cfg
		y.client, err = syncclient.NewClient(s.ws.st, cfg)
	}
	switch {
	case errors.Is(err, syncclient.ErrNotConnected):
		y.label.SetText(lang.L("Sync: not connected"))
		s.syncBox.Objects = []fyne.CanvasObject{y.label}
		s.syncBox.Layout = layout.NewBorderLayout(nil, nil, nil, nil)
		s.syncBox.Refresh()
		return
	case err != nil:
		y.client = nil
		y.label.SetText(fmt.Sprintf(lang.L("Sync: %s"), strings.TrimSuffix(sentence(err), ".")))
		y.label.Importance = widget.DangerImportance
		s.syncBox.Objects = []fyne.CanvasObject{y.label}
		s.syncBox.Layout = layout.NewBorderLayout(nil, nil, nil, nil)
		s.syncBox.Refresh()
		return
	}
	y.now = &widget.Button{Text: lang.L("Sync now"), Icon: theme.ViewRefreshIcon(), Importance: widget.LowImportance,
		OnTapped: func() { s.touch(); y.client.SyncNow() }}
	y.show(y.client.Status())
	ctx, cancel := context.WithCancel(context.Background())
	y.cancel, y.done = cancel, make(chan struct{})
	go func() {
		defer close(y.done)
		y.client.Run(ctx)
	}()
	go func() {
		for {
			changed := y.client.StatusChanged()
			st := y.client.Status()
			fyne.Do(func() {
				if s.sync == y {
					y.show(st)
					s.refreshInbox() // documents may have arrived
					s.refreshConflicts()
				}
			})
			select {
			case <-changed:
			case <-ctx.Done():
				return
			}
		}
	}()
	s.syncBox.Objects = []fyne.CanvasObject{y.label, y.now}
	s.syncBox.Layout = layout.NewBorderLayout(nil, nil, nil, y.now)
	s.syncBox.Refresh()
}

// show puts a status in the header.
func (y *syncer) show(st syncclient.Status) {
	text := syncStatusText(st)
	if st.State == syncclient.StateError && st.Cause != nil {
		text = fmt.Sprintf(lang.L("Sync: %s"), strings.TrimSuffix(sentence(st.Cause), "."))
	}
	if st.ClockSkew {
		text += " · " + lang.L("a workstation's clock is off by over 5 minutes")
	}
	y.label.Text = text
	switch {
	case st.State == syncclient.StateError:
		y.label.Importance = widget.DangerImportance
	case st.State == syncclient.StateOffline || st.ClockSkew:
		y.label.Importance = widget.WarningImportance
	default:
		y.label.Importance = widget.MediumImportance
	}
	y.label.Refresh()
}

// syncStatusText is the header's sync status in the workstation's
// language: what syncclient.Status.String says in English.
func syncStatusText(st syncclient.Status) string {
	var text string
	switch st.State {
	case syncclient.StateUpToDate:
		text = lang.L("Sync: up to date")
	case syncclient.StateWaiting:
		text = syncWaitingText(st.Pending, st.PendingDocs)
	case syncclient.StateOffline:
		text = fmt.Sprintf(lang.L("Sync: offline since %s"), showWhen(st.OfflineSince))
	case syncclient.StateError:
		text = fmt.Sprintf(lang.L("Sync: sync error: %s"), st.Err)
	default:
		text = lang.L("Sync: not synced yet")
	}
	if st.Warning != "" && st.State != syncclient.StateError {
		text += " (" + st.Warning + ")"
	}
	return text
}

// syncWaitingText says how many changes and documents wait to go out.
func syncWaitingText(changes, docs int) string {
	switch {
	case docs == 0 && changes == 1:
		return lang.L("Sync: 1 change waiting")
	case docs == 0:
		return fmt.Sprintf(lang.L("Sync: %d changes waiting"), changes)
	case changes == 0 && docs == 1:
		return lang.L("Sync: 1 document waiting")
	case changes == 0:
		return fmt.Sprintf(lang.L("Sync: %d documents waiting"), docs)
	case changes == 1 && docs == 1:
		return lang.L("Sync: 1 change and 1 document waiting")
	case changes == 1:
		return fmt.Sprintf(lang.L("Sync: 1 change and %d documents waiting"), docs)
	case docs == 1:
		return fmt.Sprintf(lang.L("Sync: %d changes and 1 document waiting"), changes)
	}
	return fmt.Sprintf(lang.L("Sync: %d changes and %d documents waiting"), changes, docs)
}

// stop ends sync and waits for it, before the store locks.
func (y *syncer) stop() {
	if y == nil || y.client == nil || y.cancel == nil {
		return
	}
	y.cancel()
	<-y.done
	y.client.Close()
}

// joinCard is the first-run card that makes this data folder a new
// workstation of an existing practice with an enrollment code.
func (ws *workstation) joinCard() fyne.CanvasObject {
	code := newEntry(lang.L("ck1.… (from Administration → Sync on a workstation of the practice)"))
	code.MultiLine = true
	code.Wrapping = fyne.TextWrapBreak
	code.SetMinRowsVisible(2)
	result := errorLabel()
	var join *widget.Button
	join = &widget.Button{Text: lang.L("Join the practice"), Icon: theme.LoginIcon(), OnTapped: func() {
		text := strings.Join(strings.Fields(code.Text), "")
		if text == "" {
			setError(result, lang.L("Paste the enrollment code first."))
			return
		}
		join.Disable()
		code.Disable()
		setError(result, "")
		wait := dialog.NewCustomWithoutButtons(lang.L("Joining the practice"), container.NewVBox(
			paragraph(lang.L("Connecting to the practice's server and copying the practice's records to this workstation. This can take a few minutes on a slow link.")),
			widget.NewProgressBarInfinite()), ws.win)
		wait.Show()
		runInBackground(func() {
			st, err := ws.join(text)
			fyne.Do(func() {
				wait.Hide()
				if err != nil {
					join.Enable()
					code.Enable()
					setError(result, sentence(err))
					return
				}
				ws.adopt(st)
				ws.show(ws.signIn(""))
			})
		})
	}}
	code.OnSubmitted = func(string) { join.OnTapped() }
	return container.NewVBox(code, result, container.NewHBox(join))
}

// join redeems an enrollment code into the data folder (off the UI
// goroutine) and opens the store again for sign-in: the enrollment
// unlocked it, and the practice's users sign in with their own passwords.
func (ws *workstation) join(code string) (*ckstore.Store, error) {
	name, _ := os.Hostname()
	st, _, _, err := syncclient.Join(context.Background(), code, ws.dir, syncclient.JoinOptions{DeviceName: name, StoreOptions: chart.StoreOptions()})
	if err != nil {
		return nil, err
	}
	if err := st.Close(); err != nil {
		return nil, err
	}
	return chart.OpenStore(ws.dir)
}

// conflictButton is the header's way into the review queue of records
// changed on two workstations at once (conflicts.go), shown while the queue
// holds something the signed-in user may resolve; HIM managers also find
// it on the worklists.
func (s *session) conflictButton() fyne.CanvasObject {
	s.conflicts = &widget.Button{Importance: widget.WarningImportance, Icon: theme.WarningIcon(), OnTapped: s.conflictQueue}
	s.refreshConflicts()
	return s.conflicts
}

// refreshConflicts updates the count on the conflict button.
func (s *session) refreshConflicts() {
	if s.conflicts == nil {
		return
	}
	items, err := s.svc.ConflictQueue()
	defer s.bar.refresh() // the button may come or go
	if err != nil || len(items) == 0 {
		s.conflicts.Hide()
		return
	}
	s.conflicts.SetText(fmt.Sprintf(lang.L("Changed on two workstations: %d"), len(items)))
	s.conflicts.Show()
}

package ui

import (
	"fmt"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/store"
)

// session is the workspace of a signed-in user: the header bar, the find
// pane and the detail pane (a chart, the registration form). It ends when
// the workstation locks.
type session struct {
	ws        *workstation
	svc       *chart.Service
	user      store.User
	idle      time.Duration
	last      time.Time // last activity seen
	stop      func()    // stops the idle ticker
	stopSeal  func()    // stops sealing older clinical documents (clinicaldocs.go)
	ticks     int
	inbox     *widget.Label
	find      *finder
	detail    *fyne.Container
	chart     *chartView      // the open chart, if any
	adm       *adminView      // the administration screens, while shown
	sync      *syncer         // the practice's sync while signed in (syncui.go)
	syncBox   *fyne.Container // its part of the header
	bar       *headerBar      // the header bar (header.go)
	inboxv    *inboxView      // the inbox, once shown
	conflicts *widget.Button  // the review queue, while it holds something (syncui.go)
	size      fyne.Size       // the window's size at sign-in, given back at the end
	form      *tracker        // the open form that edits a record, if any (drafts.go)
	asking    bool            // the question about its unsaved changes is shown

	body       *fyne.Container   // under the header: the home or the workspace
	work       fyne.CanvasObject // the workspace: the find pane and the detail pane
	panes      *panes            // how the workspace shows them, side by side or one at a time (panes.go)
	atHome     bool              // the home is shown (home.go)
	coder      *coderQueue       // the coder's home, while shown (homecoder.go)
	homePlots  []*plotView       // the HIM home's plots, while shown (homehim.go)
	lastSignIn time.Time         // when the user signed in before this session, here
	bg         sync.WaitGroup    // work a home does off the UI goroutine
	viewer     *docViewer        // the document viewer shown, if any (viewer.go)
}

// startSession opens the workspace for the user signed in to svc's store.
func (ws *workstation) startSession(svc *chart.Service) {
	u, err := ws.st.CurrentUser()
	if err != nil {
		svc.Close()
		ws.st.Lock()
		ws.show(ws.signIn(""))
		showError(ws.win, lang.L("Signing in failed"), err)
		return
	}
	s := &session{ws: ws, svc: svc, user: u, idle: store.DefaultIdleLock, last: now(), size: ws.win.Canvas().Size()}
	if p, err := ws.st.Practice(); err == nil && p.IdleLockSec > 0 {
		s.idle = time.Duration(p.IdleLockSec) * time.Second
	}
	if s.lastSignIn, err = svc.MarkSignIn(); err != nil {
		fyne.LogError("noting the sign-in", err)
	}
	ws.sess = s
	ws.show(s.content())
	c := ws.win.Canvas()
	c.AddShortcut(shortcutLock, func(fyne.Shortcut) { s.lock() })
	c.AddShortcut(shortcutFind, func(fyne.Shortcut) { s.findFromHome() })
	c.AddShortcut(shortcutHome, func(fyne.Shortcut) { s.goHome() })
	c.AddShortcut(shortcutNew, func(fyne.Shortcut) { s.touch(); s.register() })
	c.AddShortcut(shortcutPrint, func(fyne.Shortcut) {
		if s.chart != nil {
			s.chart.printMenu()
		}
	})
	s.viewerKeys(c)
	c.SetOnTypedKey(s.typedKey)
	c.SetOnTypedRune(func(rune) { s.touch() })
	s.stop = idleTicker(time.Second, s.tick)
	s.focusHome() // the coder starts typing a code
	s.restoreDraft()
	s.sealDocuments()
	s.watchStateChecks() // statecheck.go
}

// content is the whole window while signed in: the header above the
// role's home (home.go), which gives way to the workspace (the find pane
// and the detail pane) as soon as a patient is looked for or a screen
// opened.
func (s *session) content() fyne.CanvasObject {
	s.find = newFinder(s)
	blank := s.welcome()
	s.detail = container.NewStack(blank)
	s.panes = newPanes(s)
	s.panes.blank = blank
	s.work = s.panes.box
	s.body = container.NewStack()
	header := s.header()
	s.showHome()
	body := border(header, nil, nil, nil, s.body)
	return container.NewStack(&activity{onActivity: s.touch}, body)
}

// header is the bar that is always visible: who is signed in, sync state,
// documents waiting to be filed, and the lock. What does not fit the
// window's width goes to its "More" menu (header.go); who is signed in,
// the sync state and "Lock" always stay.
func (s *session) header() fyne.CanvasObject {
	who := &widget.Label{Text: s.user.Name + " · " + capital(lang.L(s.user.Role.Title())), TextStyle: fyne.TextStyle{Bold: true}}
	s.inbox = &widget.Label{}
	sync := s.syncStatus()
	conflicts := s.conflictButton().(*widget.Button)
	s.refreshInbox()
	lock := &widget.Button{Text: lang.L("Lock (Ctrl+L)"), Icon: theme.VisibilityOffIcon(), OnTapped: s.lock}
	signOut := &widget.Button{Text: lang.L("Sign out"), OnTapped: s.signOut}
	// Ranks: the order items give way to the menu, lowest first. "New
	// patient" has Ctrl+N and the count has the Inbox button; a scan
	// warning says intake has stopped, so it stays long. Once all have
	// given way, the user's name and role (then the name alone) and the
	// sync state are cut short; the pane button of a narrow workspace
	// (panes.go) and "Lock" always stay.
	left := []*headerItem{
		{obj: s.panes.toggle, keep: true},
		nameItem(who, s.user.Name),
		s.syncItem(sync),
		buttonItem(conflicts, 6),
	}
	if chart.Allowed(s.user.Role, chart.FileDocuments) {
		left = append(left, labelItem(s.inbox, 2, s.showInbox))
	}
	if scan := s.scanHeader(); len(scan) == 2 { // the inbox button and scan folder warnings (folders.go)
		left = append(left, buttonItem(scan[0].(*widget.Button), 4), labelItem(scan[1].(*widget.Label), 5, s.showInbox))
	}
	if s.ws.demo != nil {
		left = append(left, labelItem(&widget.Label{Text: lang.L("Demo practice: made-up patients"), Importance: widget.WarningImportance}, 7, nil))
	}
	home := &widget.Button{Text: lang.L("Home (Ctrl+H)"), Icon: theme.HomeIcon(), OnTapped: s.goHome}
	right := []*headerItem{buttonItem(home, 2)}
	if chart.Allowed(s.user.Role, chart.Administer) {
		right = append(right, buttonItem(&widget.Button{Text: lang.L("Administration"), Icon: theme.SettingsIcon(), OnTapped: s.admin}, 3))
	}
	if chart.Allowed(s.user.Role, chart.WriteDemographics) {
		right = append(right, buttonItem(&widget.Button{Text: lang.L("New patient (Ctrl+N)"), Icon: theme.ContentAddIcon(), OnTapped: s.register}, 1))
	}
	myPassword := &widget.Button{Text: lang.L("My password…"), Icon: theme.AccountIcon(), Importance: widget.LowImportance, OnTapped: s.changeMyPassword}
	right = append(right, s.languageItem())
	right = append(right, &headerItem{obj: lock, keep: true}, buttonItem(myPassword, 0), buttonItem(signOut, 0))
	s.bar = newHeaderBar(left, right)
	return container.NewVBox(s.bar.box, widget.NewSeparator())
}

// refreshInbox updates the count of documents waiting to be filed.
func (s *session) refreshInbox() {
	if !chart.Allowed(s.user.Role, chart.FileDocuments) {
		return
	}
	n, _, err := s.svc.InboxWaiting()
	switch {
	case err != nil:
		s.inbox.SetText(lang.L("To file: ?"))
	case n == 1:
		s.inbox.SetText(lang.L("1 document to file"))
	default:
		s.inbox.SetText(fmt.Sprintf(lang.L("%d documents to file"), n))
	}
}

// welcome fills the detail pane before a chart is opened.
func (s *session) welcome() fyne.CanvasObject {
	// the birth date as the find box reads it (see dateOrder)
	register := chart.Allowed(s.user.Role, chart.WriteDemographics)
	var hint string
	switch {
	case currentForm().dayFirst && register:
		hint = lang.L("Find a patient on the left: type a name, MRN, birth date (DD/MM/YYYY) or phone number. Ctrl+N registers a new patient.")
	case currentForm().dayFirst:
		hint = lang.L("Find a patient on the left: type a name, MRN, birth date (DD/MM/YYYY) or phone number.")
	case register:
		hint = lang.L("Find a patient on the left: type a name, MRN, birth date (YYYY-MM-DD) or phone number. Ctrl+N registers a new patient.")
	default:
		hint = lang.L("Find a patient on the left: type a name, MRN, birth date (YYYY-MM-DD) or phone number.")
	}
	return container.NewPadded(container.NewVBox(heading(fmt.Sprintf(lang.L("Welcome, %s"), s.user.Name)), paragraph(hint)))
}

// showWelcome shows the welcome in the detail pane, as after sign-in: a
// narrow window then offers no way "back" to it.
func (s *session) showWelcome() {
	w := s.welcome()
	s.panes.blank = w
	s.showDetail(w)
}

// showDetail replaces the detail pane, leaving the home for the workspace.
func (s *session) showDetail(o fyne.CanvasObject) {
	s.toWorkspace()
	s.coder, s.homePlots = nil, nil
	s.viewer = nil
	s.detail.Objects = []fyne.CanvasObject{o}
	s.detail.Refresh()
	s.panes.findOff = false // every screen but the inbox shows the find pane
	s.panes.detailFocus = nil
	s.panes.show(sideDetail)
}

// openChart shows a patient's chart in the detail pane.
func (s *session) openChart(id string) {
	s.touch()
	if s.asked(func() { s.openChart(id) }) {
		return
	}
	c, err := s.svc.OpenChart(id)
	if err != nil {
		showError(s.ws.win, lang.L("The chart could not be opened"), err)
		return
	}
	s.adm = nil
	s.chart = newChartView(s, c)
	s.showDetail(s.chart.content())
}

// register shows the registration form, when the role may register.
func (s *session) register() {
	if !chart.Allowed(s.user.Role, chart.WriteDemographics) {
		return
	}
	if s.asked(s.register) {
		return
	}
	s.chart = nil
	r := newRegisterForm(s)
	s.showDetail(r.content())
	r.focus()
}

// touch records activity, which postpones the idle lock.
func (s *session) touch() { s.last = now() }

// tick runs every second on the UI goroutine: it locks after the idle
// timeout and refreshes the inbox count now and then.
func (s *session) tick() {
	if s.ws.sess != s {
		return
	}
	if now().Sub(s.last) >= s.idle {
		s.lock()
		return
	}
	s.ticks++
	if s.ticks%30 == 0 {
		s.refreshInbox()
	}
}

// lock ends the session and shows the sign-in screen in place of
// everything, dialogs included. It asks nothing: the open form's draft is
// written and the form comes back with it when the user signs in again.
func (s *session) lock() { s.close(s.user.Username) }

// signOut ends the session like lock, after asking whether to save or
// discard the open form's changes, and leaves the sign-in screen to the
// next user.
func (s *session) signOut() {
	s.touch()
	s.leave(func() { s.close("") })
}

// close ends the session and shows the sign-in screen offering username.
func (s *session) close(username string) {
	ws := s.ws
	if ws.sess != s {
		return
	}
	s.end()
	ws.sess = nil
	c := ws.win.Canvas()
	for o := c.Overlays().Top(); o != nil; o = c.Overlays().Top() {
		c.Overlays().Remove(o)
	}
	ws.show(ws.signIn(username))
	// The next user gets the window as this one found it; after the small
	// sign-in screen is in, or the window would keep the session's size.
	ws.win.Resize(s.size)
}

// end keeps the open form's draft, stops the idle ticker, forgets the
// patient finder and wipes the key.
func (s *session) end() {
	s.keepDraft()
	if s.stop != nil {
		s.stop()
	}
	c := s.ws.win.Canvas()
	for _, sc := range appShortcutSet {
		c.RemoveShortcut(sc)
	}
	c.SetOnTypedKey(nil)
	c.SetOnTypedRune(nil)
	s.chart = nil
	s.ws.removeTemp()
	if s.stopSeal != nil {
		s.stopSeal() // it needs the keys: the document in hand is finished
	}
	s.sync.stop() // sync needs the key: it ends first
	stopScan(s)   // before the key goes: a file being taken is finished
	s.svc.Close()
	s.ws.st.Lock()
}

// now is the clock of the idle lock; tests move it.
var now = time.Now

// idleTicker calls tick on the UI goroutine every interval until stop is
// called. Tests replace it to tick by hand.
var idleTicker = func(every time.Duration, tick func()) (stop func()) {
	t := time.NewTicker(every)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-t.C:
				fyne.Do(tick)
			case <-done:
				return
			}
		}
	}()
	return func() { t.Stop(); close(done) }
}

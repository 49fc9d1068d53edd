package ui

import (
	"bytes"
	"context"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/internal/plain"
	"chartkeeper/store"
	"chartkeeper/syncclient"
	"chartkeeper/syncserver"
	"chartkeeper/syncserver/synctestserver"
)

// shown is every text on w: the window and its dialogs.
func shown(w fyne.Window) []string {
	out := texts(w.Content())
	for _, o := range w.Canvas().Overlays().List() {
		out = append(out, texts(o)...)
	}
	return out
}

// clean fails when a text on w holds Go error text; want must be shown.
func clean(t *testing.T, what string, w fyne.Window, want ...string) {
	t.Helper()
	all := shown(w)
	for _, s := range all {
		if f := plain.Raw(s); f != "" {
			t.Errorf("%s: %q shows %q", what, s, f)
		}
	}
	for _, wt := range want {
		if !slicesContain(all, wt) {
			t.Errorf("%s: nothing shows %q; the screen shows:\n%s", what, wt, strings.Join(all, "\n"))
		} else {
			t.Logf("%s: %s", what, lastShown)
		}
	}
}

func slicesContain(all []string, want string) bool {
	for _, s := range all {
		if strings.Contains(s, want) {
			lastShown = s
			return true
		}
	}
	return false
}

var lastShown string

// closeDialogs closes every dialog on w.
func closeDialogs(w fyne.Window) {
	for w.Canvas().Overlays().Top() != nil {
		w.Canvas().Overlays().Top().Hide()
		w.Canvas().Overlays().Remove(w.Canvas().Overlays().Top())
	}
}

// TestNoRawErrors provokes the failures the workstation meets against real
// parts and checks every message on the screen for Go error text.
func TestNoRawErrors(t *testing.T) {
	old := plain.Logf
	plain.Logf = func(string, ...any) {}
	defer func() { plain.Logf = old }()

	url, fp, _ := syncServer(t)

	t.Run("connect", func(t *testing.T) {
		p := newPractice(t)
		ws, w := open(t, p.dir)
		signInAs(t, w, "mlopez", testPassword)
		s := sessionOf(t, ws)
		test.Tap(button(t, w.Content(), "Administration"))
		s.adm.tabs.SelectIndex(adminSync)
		pane := s.adm.panes[adminSync]
		server := entryWith(t, pane, "https://sync.example.org:8443")
		fpEntry := entryWith(t, pane, "as chartkeeperd printed it; empty for a certificate from an authority")
		for _, c := range []struct{ what, server, fp, want string }{
			{"server down", "https://127.0.0.1:9", fp, "Cannot reach the sync server at 127.0.0.1:9 (nothing is listening there). Check that chartkeeperd is running"},
			{"wrong fingerprint", url, synctestserver.WrongFingerprint(fp), "different certificate"},
			{"no fingerprint", url, "", "cannot check"},
			{"not https", "http://127.0.0.1:9", fp, "https://"},
		} {
			server.SetText(c.server)
			fpEntry.SetText(c.fp)
			test.Tap(button(t, pane, "Connect"))
			eventually(t, c.what, func() bool {
				var ok bool
				fyne.DoAndWait(func() { ok = slicesContain(shown(w), c.want) })
				return ok
			})
			clean(t, c.what, w, c.want)
		}
	})

	t.Run("full quota", func(t *testing.T) {
		qurl, qfp, _ := synctestserver.StartWith(t, syncserver.WithQuota(1))
		p := newPractice(t)
		ws, w := open(t, p.dir)
		signInAs(t, w, "mlopez", testPassword)
		s := sessionOf(t, ws)
		test.Tap(button(t, w.Content(), "Administration"))
		s.adm.tabs.SelectIndex(adminSync)
		pane := s.adm.panes[adminSync]
		test.Type(entryWith(t, pane, "https://sync.example.org:8443"), qurl)
		test.Type(entryWith(t, pane, "as chartkeeperd printed it; empty for a certificate from an authority"), qfp)
		test.Tap(button(t, pane, "Connect"))
		eventually(t, "the quota to be named", func() bool {
			var ok bool
			fyne.DoAndWait(func() { ok = slicesContain(shown(w), "storage on the sync server is full") })
			return ok
		})
		clean(t, "full quota", w)
	})

	t.Run("revoked", func(t *testing.T) {
		p := newPractice(t)
		code := p.connect(t, url, fp)
		dirB := filepath.Join(t.TempDir(), "b")
		stB, _, _, err := syncclient.Join(context.Background(), code, dirB, syncclient.JoinOptions{DeviceName: "room 2", StoreOptions: chart.StoreOptions()})
		if err != nil {
			t.Fatal(err)
		}
		idB := stB.DeviceID()
		stB.Close()
		st, err := store.Open(p.dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Unlock("mlopez", []byte(testPassword)); err != nil {
			t.Fatal(err)
		}
		cfg, err := syncclient.Load(st)
		if err != nil {
			t.Fatal(err)
		}
		if err := syncclient.RevokeDevice(context.Background(), cfg, idB); err != nil {
			t.Fatal(err)
		}
		st.Close()
		ws, w := open(t, dirB)
		signInAs(t, w, "drsmith", testPassword)
		s := sessionOf(t, ws)
		eventually(t, "the header to say revoked", func() bool { return strings.Contains(syncText(s), "revoked") })
		clean(t, "revoked", w, "Sync: This workstation has been revoked")
	})

	t.Run("forms and roles", func(t *testing.T) {
		p := newPractice(t)
		ws, w := open(t, p.dir)
		signInAs(t, w, "desk", testPassword)
		s := sessionOf(t, ws)

		// Inbox filing: the category's message under the category.
		if _, err := s.svc.AddDocument(bytes.NewReader(greyTIFF(1)), chart.Document{ContentType: "image/tiff", Pages: 1, Source: "blank.tif"}); err != nil {
			t.Fatal(err)
		}
		s.refreshInbox()
		test.Tap(button(t, w.Content(), "Inbox"))
		inboxList(t, w).Select(0)
		test.Type(entryWith(t, w.Content(), "Patient: name, MRN or birth date"), "Okafor")
		test.Tap(find(t, w.Content(), func(b *widget.Button) bool { return contains(b.Text, "Okafor, Chidi") }))
		test.Tap(button(t, w.Content(), "File to patient"))
		clean(t, "filing", w, "Is required.")
		for _, s := range shown(w) {
			if strings.Contains(s, "not saved") {
				t.Errorf("the filing's field message is not under its field: %q", s)
			}
		}

		// Reject without a reason: under the reason, in the dialog.
		test.Tap(button(t, w.Content(), "Reject…"))
		d := dialogOn(t, w)
		test.Tap(button(t, d, "Reject"))
		clean(t, "reject", w, "Is required.")
		closeDialogs(w)

		// The clinical chart, which front desk's keys do not reach. The
		// filing form holds a chosen patient, so leaving it asks first.
		s.openChart(p.patient.ID)
		test.Tap(button(t, dialogOn(t, w), "Discard"))
		s.chart.tabs.SelectIndex(1)
		clean(t, "break-glass", w, "ask a clinician or a health information manager")

		// A refusal by role, as the service words it.
		err := s.svc.Save(&chart.Allergy{Meta: chart.Meta{Patient: p.patient.ID}, Substance: "Latex", Status: "active"})
		if err == nil {
			t.Fatal("the front desk recorded an allergy")
		}
		showError(w, "Not saved", err)
		clean(t, "refusal", w, "Your role (front desk) may not")
		closeDialogs(w)

		// The registration form, empty.
		shortcut(w, shortcutNew)
		test.Tap(button(t, w.Content(), "Register"))
		clean(t, "registration", w)
	})

	t.Run("disk", func(t *testing.T) {
		_, w := open(t, newPractice(t).dir)
		// Real failures of the file system: a full disk (/dev/full), a
		// folder where a file is expected, a file where a folder is.
		var errs []error
		if _, err := os.Stat("/dev/full"); err == nil {
			errs = append(errs, os.WriteFile("/dev/full", []byte("x"), 0o600))
		}
		f := filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		errs = append(errs, os.Mkdir(filepath.Join(f, "sub"), 0o700), os.WriteFile(t.TempDir(), nil, 0o600))
		if os.Geteuid() != 0 {
			ro := t.TempDir()
			os.Chmod(ro, 0o500)
			defer os.Chmod(ro, 0o700)
			errs = append(errs, os.WriteFile(filepath.Join(ro, "x"), nil, 0o600))
		} else {
			t.Log("running as root: permission bits do not stop writes; the permission wording is checked in internal/plain")
		}
		for _, err := range errs {
			if err == nil {
				t.Fatal("a provoked file error did not happen")
			}
			showError(w, "Not saved", err)
			clean(t, "file error", w)
			t.Logf("file error: %q", texts(w.Canvas().Overlays().Top()))
			closeDialogs(w)
		}
	})

	t.Run("damaged store", func(t *testing.T) {
		p := newPractice(t)
		path := store.FilePath(p.dir)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i := len(b) / 4; i < 3*len(b)/4; i += 97 {
			b[i] ^= 0xff
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		ws, w := open(t, p.dir)
		if ws.st != nil {
			signInAs(t, w, "mlopez", testPassword)
		}
		clean(t, "damaged store", w)
		t.Logf("damaged store: %q", shown(w))
	})
}

// TestDialogKeys: Escape answers with the way back, Enter with the default
// button, from the window or from a focused button; the buttons name the
// action.
func TestDialogKeys(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, widget.NewLabel("behind"))
	w.Resize(fyne.NewSize(600, 400))
	done := 0
	ask := func() *modal {
		return confirmAction(w, "Sign this visit note?", "Once signed…", "Sign note", "Keep editing", func() { done++ })
	}

	m := ask()
	if !hasButton(w.Canvas().Overlays().Top(), "Sign note") || !hasButton(w.Canvas().Overlays().Top(), "Keep editing") {
		t.Fatal("the confirmation does not name its action")
	}
	w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if !m.closed || done != 0 || w.Canvas().Overlays().Top() != nil {
		t.Fatalf("Escape: closed %v, done %d", m.closed, done)
	}
	m = ask()
	w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if !m.closed || done != 1 {
		t.Fatalf("Enter: closed %v, done %d", m.closed, done)
	}
	// From a focused button: Escape still goes back.
	m = ask()
	w.Canvas().Focus(m.buttons[1])
	m.buttons[1].TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if !m.closed || done != 1 {
		t.Fatalf("Escape on a focused button: closed %v, done %d", m.closed, done)
	}
	// A message closes with either key; the window's keys come back.
	var keys int
	w.Canvas().SetOnTypedKey(func(*fyne.KeyEvent) { keys++ })
	m = showMessage(w, "Not saved", "Something.")
	w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if !m.closed {
		t.Fatal("Escape did not close a message")
	}
	w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyA})
	if keys != 1 {
		t.Fatal("the window's own key handler was not given back")
	}
	// An entry in a dialog: Escape cancels, Enter confirms.
	e := newEntry("")
	m = askForm(w, "Reject this document", e, "Reject", "Cancel", nil, func() { done++ })
	m.field(e)
	e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if !m.closed || done != 1 {
		t.Fatal("Escape in a dialog's entry did not cancel")
	}
}

// TestNotesLeaveWithTab: Tab moves out of a multi-line note, and focus on
// a button is a colour one sees.
func TestNotesLeaveWithTab(t *testing.T) {
	if newNoteEntry("").AcceptsTab() {
		t.Error("a note takes Tab as a character")
	}
	test.NewTempApp(t)
	a := newEntry("")
	note := newNoteEntry("")
	b := newEntry("")
	w := test.NewTempWindow(t, container.NewVBox(a, note, b))
	w.Canvas().Focus(note)
	w.Canvas().FocusNext()
	if w.Canvas().Focused() != b {
		t.Error("Tab did not leave the note")
	}
	w.Canvas().FocusPrevious()
	w.Canvas().FocusPrevious()
	if w.Canvas().Focused() != a {
		t.Error("Shift+Tab did not leave the note")
	}
	for _, v := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
		c := color.NRGBAModel.Convert(newTheme().Color(theme.ColorNameFocus, v)).(color.NRGBA)
		if c.A < 0xc0 {
			t.Errorf("the focus colour %v is too faint to see", c)
		}
	}
}

// TestRecentUsersPerPractice: the sign-in screen offers only the usernames
// that signed in to that practice.
func TestRecentUsersPerPractice(t *testing.T) {
	a, b := newPractice(t), newPractice(t)
	app := test.NewTempApp(t)
	wa := test.NewTempWindow(t, nil)
	wsA, content := create(app, wa, a.dir)
	wa.SetContent(content)
	signInAs(t, wa, "drsmith", testPassword)
	sessionOf(t, wsA)
	wsA.shutdown()

	wb := test.NewTempWindow(t, nil)
	wsB, content := create(app, wb, b.dir)
	wb.SetContent(content)
	user := find[*widget.SelectEntry](t, wb.Content(), func(*widget.SelectEntry) bool { return true })
	if user.Text != "" || len(recentUsers(app, wsB.st.PracticeID())) != 0 {
		t.Errorf("practice B offers %q (typed %q)", recentUsers(app, wsB.st.PracticeID()), user.Text)
	}
	if got := recentUsers(app, wsA.st.PracticeID()); len(got) != 1 || got[0] != "drsmith" {
		t.Errorf("practice A remembers %q", got)
	}
}

// TestChangeMyPassword: a clinician changes their own password from the
// header, with the first-run form's feedback, and signs in with it.
func TestChangeMyPassword(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	signInAs(t, w, "drsmith", testPassword)
	s := sessionOf(t, ws)
	test.Tap(button(t, w.Content(), "My password…"))
	d := dialogOn(t, w)
	pws := []*entry{}
	walk(d, func(o fyne.CanvasObject) {
		if e, ok := o.(*entry); ok && e.Password {
			pws = append(pws, e)
		}
	})
	if len(pws) != 3 {
		t.Fatalf("%d password fields", len(pws))
	}
	test.Type(pws[0], "not my password")
	test.Type(pws[1], "short")
	wantText(t, d, "Too short: 5 of at least")
	pws[1].SetText("")
	test.Type(pws[1], "qwertyuiop123")
	wantText(t, d, "Too easy to guess. It contains a sequence such as abc or 123.")
	pws[1].SetText("")
	const next = "a new and longer passphrase"
	test.Type(pws[1], next)
	wantText(t, d, "Strong: very hard to guess.")
	test.Type(pws[2], next)
	test.Tap(button(t, d, "Change password"))
	wantText(t, d, "This is not your current password.")
	pws[0].SetText(testPassword)
	test.Tap(button(t, d, "Change password"))
	wantText(t, dialogOn(t, w), "sign in with your new password")
	closeDialogs(w)
	s.lock()
	signInAs(t, w, "drsmith", next)
	sessionOf(t, ws)
}

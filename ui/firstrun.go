package ui

import (
	"bytes"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/report"
	"chartkeeper/store"
)

// firstRun is the screen for a data folder without a practice: create one,
// or open a demo practice to try Chartkeeper out. Showing it does not touch
// the folder.
func (ws *workstation) firstRun() fyne.CanvasObject {
	s := &createPractice{ws: ws}
	return page(lang.L("Welcome to Chartkeeper"),
		paragraph(fmt.Sprintf(lang.L("There is no practice in %s yet."), ws.dir)),
		&widget.Card{Title: lang.L("Set up your practice"), Content: s.content()},
		&widget.Card{
			Title:    lang.L("Or join your practice"),
			Subtitle: lang.L("Make this computer another workstation of a practice that syncs with a server, with a one-time enrollment code."),
			Content:  ws.joinCard(),
		},
		&widget.Card{
			Title:    lang.L("Or try it out first"),
			Subtitle: fmt.Sprintf(lang.L("A demo practice of %d made-up patients, with users for every role."), demoPatientCount),
			Content: container.NewHBox(&widget.Button{
				Text:     lang.L("Open a demo practice"),
				Icon:     theme.MediaPlayIcon(),
				OnTapped: ws.onDemo,
			}),
		},
	)
}

// demoPatientCount is how many patients the first-run screen's demo
// practice gets; tests make it small.
var demoPatientCount = DemoPatients

// createPractice is the form that sets up a practice and its first HIM
// manager.
type createPractice struct {
	ws                      *workstation
	name, admin, user       *entry
	password, again         *entry
	strength, match, result *widget.Label
	create                  *widget.Button
}

func (s *createPractice) content() fyne.CanvasObject {
	s.name = newEntry(lang.L("as printed on documents"))
	s.admin = newEntry(lang.L("the first health information manager"))
	s.user = newEntry(lang.L("what they type to sign in"))
	prepareStrength()
	s.password = newPasswordEntry()
	s.password.OnChanged = s.onPasswordChanged
	s.again = newPasswordEntry()
	s.again.OnChanged = s.onPasswordChanged
	for _, e := range []*entry{s.name, s.admin, s.user, s.password, s.again} {
		e.OnSubmitted = func(string) { s.onCreate() }
	}
	s.strength = &widget.Label{Text: store.JudgePassword(nil).Advice, Wrapping: fyne.TextWrapWord}
	s.match = errorLabel()
	s.result = errorLabel()
	s.create = &widget.Button{Text: lang.L("Create practice"), Importance: widget.HighImportance, OnTapped: s.onCreate}

	f := newForm()
	f.add(lang.L("Practice name"), "practice", s.name)
	f.add(lang.L("Your full name"), "name", s.admin)
	f.add(lang.L("Username"), "username", s.user)
	f.add(lang.L("Password"), "password", container.NewVBox(s.password, s.strength))
	f.add(lang.L("Password again"), "again", container.NewVBox(s.again, s.match))
	return container.NewVBox(
		paragraph(lang.L("You become the practice's first health information manager: you add the other users later.")),
		f.content(),
		s.result,
		container.NewHBox(s.create),
	)
}

// onPasswordChanged gives feedback while the password is typed (showStrength).
func (s *createPractice) onPasswordChanged(string) {
	showStrength(s.strength, s.password.Text, s.hints()...)
	if s.again.Text != "" && s.again.Text != s.password.Text {
		setError(s.match, lang.L("The two passwords differ."))
	} else {
		setError(s.match, "")
	}
}

// hints are the words typed in the form that an attacker would try first
// in the password: the username, the full name and the practice's name.
func (s *createPractice) hints() []string {
	return []string{s.user.Text, s.admin.Text, s.name.Text}
}

func (s *createPractice) onCreate() {
	setError(s.result, "")
	if err := store.CheckPassword([]byte(s.password.Text), s.hints()...); err != nil {
		setError(s.result, sentence(err))
		return
	}
	if s.again.Text != s.password.Text {
		setError(s.result, lang.L("The two passwords differ: type the same password twice."))
		return
	}
	np := store.NewPractice{
		Name:          s.name.Text,
		AdminName:     s.admin.Text,
		AdminUser:     s.user.Text,
		AdminPassword: []byte(s.password.Text),
	}
	s.create.Disable()
	s.create.SetText(lang.L("Creating…"))
	ws := s.ws
	runInBackground(func() {
		st, key, err := chart.CreateStore(ws.dir, np)
		var svc *chart.Service
		if err == nil {
			svc, err = chart.Open(st)
			if err != nil {
				st.Close()
			}
		}
		clear(np.AdminPassword)
		fyne.Do(func() {
			if err != nil {
				s.create.Enable()
				s.create.SetText(lang.L("Create practice"))
				setError(s.result, sentence(err))
				return
			}
			ws.adopt(st)
			if u, err := st.CurrentUser(); err == nil {
				rememberUser(ws.app, st.PracticeID(), u.Username)
			}
			ws.show(ws.recoveryKey(key, svc, lang.L("The practice is ready. This is its recovery key. Write it down now, on paper, "+
				"and keep it somewhere safe away from this computer.")))
		})
	})
}

// recoveryKey shows the new practice's recovery key, once. The person
// confirms they wrote it down before the workstation opens.
func (ws *workstation) recoveryKey(key string, svc *chart.Service, intro string) fyne.CanvasObject {
	keyLabel := &widget.Label{
		Text:       key,
		TextStyle:  fyne.TextStyle{Monospace: true},
		SizeName:   theme.SizeNameSubHeadingText,
		Wrapping:   fyne.TextWrapBreak,
		Selectable: true,
	}
	next := &widget.Button{Text: lang.L("Continue"), Importance: widget.HighImportance}
	next.Disable()
	next.OnTapped = func() { ws.startSession(svc) }
	confirm := widget.NewCheck(lang.L("I have written the recovery key down and put it somewhere safe"), func(on bool) {
		if on {
			next.Enable()
		} else {
			next.Disable()
		}
	})
	return page(lang.L("Write down the recovery key"),
		paragraph(intro),
		&widget.Card{Content: keyLabel},
		&widget.Label{
			Text: lang.L("It is shown only this once. Chartkeeper does not keep it and cannot show it again. " +
				"It is the only way back into the practice's records if every password is forgotten " +
				"or this computer is lost."),
			Wrapping:   fyne.TextWrapWord,
			Importance: widget.WarningImportance,
			TextStyle:  fyne.TextStyle{Bold: true},
		},
		paragraph(lang.L("The emergency kit is a printable sheet with the key and what to do with it. Print it or save it "+
			"somewhere only trusted people reach (not on this computer), then delete any copy you do not need.")),
		container.NewHBox(&widget.Button{Text: lang.L("Emergency kit…"), Icon: theme.DocumentPrintIcon(), OnTapped: func() { ws.emergencyKit(key) }}),
		confirm,
		container.NewHBox(next),
	)
}

// emergencyKit makes the emergency-kit PDF in memory and offers to print
// it or save it. It is never written to a temporary file: it holds the
// recovery key.
func (ws *workstation) emergencyKit(key string) {
	p, err := ws.st.Practice()
	if err != nil {
		showError(ws.win, lang.L("The emergency kit could not be made"), err)
		return
	}
	var buf bytes.Buffer
	if err := report.EmergencyKitPage(&buf, report.Page{T: translateMessage, Practice: p.Name, PrintedAt: time.Now(), Dates: showDateTime}, ws.st.PracticeID(), key); err != nil {
		showError(ws.win, lang.L("The emergency kit could not be made"), err)
		return
	}
	ws.showPrintout(&printout{title: lang.L("Emergency kit"), file: "emergency-kit.pdf", pdf: buf.Bytes(), private: true})
}

// onDemo creates a demo practice in the data folder off the UI goroutine,
// showing progress, then shows its sign-in screen.
func (ws *workstation) onDemo() { ws.makeDemo(demoPatientCount) }

// makeDemo shows the screen of a demo practice being made, and makes one of
// patients made-up patients in the data folder off the UI goroutine; the
// sign-in screen replaces it when the practice is ready.
func (ws *workstation) makeDemo(patients int) {
	bar := widget.NewProgressBar()
	status := paragraph(lang.L("Creating the practice and its demo users…"))
	content := page(lang.L("Opening a demo practice"),
		paragraph(fmt.Sprintf(lang.L("Making up %d patients and their charts. Nothing in a demo practice is real."), patients)),
		bar, status)
	ws.show(content)
	shown := -1
	progress := func(done, total int) {
		pct := done * 100 / max(total, 1)
		if pct == shown {
			return
		}
		shown = pct
		fyne.Do(func() {
			bar.SetValue(float64(done) / float64(max(total, 1)))
			status.SetText(fmt.Sprintf(lang.L("%d of %d steps"), done, total))
		})
	}
	runInBackground(func() {
		st, d, err := NewDemoPractice(ws.dir, patients, progress)
		fyne.Do(func() {
			if err != nil {
				ws.show(ws.firstRun())
				showError(ws.win, lang.L("The demo practice could not be made"), err)
				return
			}
			ws.adopt(st)
			ws.demo = d
			ws.show(ws.signIn(""))
		})
	})
}

package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/store"
)

// Administration tabs, by index.
const (
	adminUsers = iota
	adminSettings
	adminAudit
	adminWorklists
	adminDuplicates
	adminSync
	adminTabs // how many there are
)

// adminView holds the HIM manager's screens: users and roles, practice
// settings, the audit log, the worklists and duplicate merges. The store
// and the service refuse every change to other roles; the header offers
// the screens to HIM managers only.
type adminView struct {
	s     *session
	tabs  *container.AppTabs
	panes [adminTabs]*fyne.Container
	audit *auditView // the audit tab, once shown
}

// admin shows the administration screens in the detail pane.
func (s *session) admin() {
	s.touch()
	if s.asked(s.admin) {
		return
	}
	s.chart = nil
	a := &adminView{s: s}
	for i := range a.panes {
		a.panes[i] = container.NewStack()
	}
	a.tabs = container.NewAppTabs(
		container.NewTabItem(lang.L("Users"), a.panes[adminUsers]),
		container.NewTabItem(lang.L("Settings"), a.panes[adminSettings]),
		container.NewTabItem(lang.L("Audit log"), a.panes[adminAudit]),
		container.NewTabItem(lang.L("Worklists"), a.panes[adminWorklists]),
		container.NewTabItem(lang.L("Duplicates"), a.panes[adminDuplicates]),
		container.NewTabItem(lang.L("Sync"), a.panes[adminSync]),
	)
	a.tabs.OnSelected = func(*container.TabItem) { s.touch(); a.refresh(a.tabs.SelectedIndex()) }
	s.adm = a
	s.showDetail(border(heading(lang.L("Administration")), nil, nil, nil, a.tabs))
	a.refresh(adminUsers)
}

// refresh rebuilds one tab from the store.
func (a *adminView) refresh(tab int) {
	var o fyne.CanvasObject
	switch tab {
	case adminUsers:
		o = a.users()
	case adminSettings:
		o = a.settings()
	case adminAudit:
		a.audit = newAuditView(a.s)
		o = a.audit.content()
	case adminWorklists:
		o = a.worklists()
	case adminDuplicates:
		o = a.duplicates()
	case adminSync:
		o = a.syncAdmin()
	}
	a.panes[tab].Objects = []fyne.CanvasObject{o}
	a.panes[tab].Refresh()
}

// roles are the roles in the order the screens offer them.
var roles = []store.Role{store.RoleFrontDesk, store.RoleClinician, store.RoleCoder, store.RoleHIM}

func roleTitles() []string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = roleShown(r)
	}
	return out
}

// roleShown is a role's name as shown, in the workstation's language,
// starting with a capital (store.Role.Title is the English one).
func roleShown(r store.Role) string {
	switch r {
	case store.RoleFrontDesk:
		return lang.L("Front desk")
	case store.RoleClinician:
		return lang.L("Clinician")
	case store.RoleCoder:
		return lang.L("Medical coder")
	case store.RoleHIM:
		return lang.L("Health information manager")
	}
	return capital(r.Title())
}

func roleByTitle(title string) store.Role {
	for _, r := range roles {
		if roleShown(r) == title {
			return r
		}
	}
	return ""
}

// wholeOptions gives a select the width of its longest option, which
// a select otherwise cuts short ("Health info…").
func wholeOptions(sel *widget.Select) fyne.CanvasObject {
	w := float32(0)
	for _, o := range sel.Options {
		w = max(w, fyne.MeasureText(o, theme.TextSize(), fyne.TextStyle{}).Width)
	}
	size := fyne.NewSize(w+theme.IconInlineSize()+6*theme.Padding(), sel.MinSize().Height)
	return container.New(layout.NewGridWrapLayout(size), sel)
}

// users lists the practice's users with their role, and adds new ones.
func (a *adminView) users() fyne.CanvasObject {
	st, w := a.s.ws.st, a.s.ws.win
	us, err := st.Users()
	if err != nil {
		return scroll(paragraph(sentence(err)))
	}
	list := container.NewVBox()
	for _, u := range us {
		name := &widget.Label{Text: u.Name + " (" + u.Username + ")", TextStyle: fyne.TextStyle{Bold: !u.Disabled}, Wrapping: fyne.TextWrapWord}
		if u.Disabled {
			list.Add(container.NewBorder(nil, nil, nil, &widget.Label{Text: lang.L("disabled")}, name))
			continue
		}
		role := widget.NewSelect(roleTitles(), nil)
		role.SetSelected(roleShown(u.Role))
		role.OnChanged = func(title string) {
			if r := roleByTitle(title); r != u.Role {
				if err := st.SetRole(u.Username, r); err != nil {
					showError(w, lang.L("The role was not changed"), err)
				}
				a.refresh(adminUsers)
			}
		}
		reset := &widget.Button{Text: lang.L("Reset password…"), OnTapped: func() { a.resetPassword(u) }}
		disable := &widget.Button{Text: lang.L("Disable…"), Importance: widget.DangerImportance, OnTapped: func() {
			confirmAction(w, fmt.Sprintf(lang.L("Disable %s?"), u.Name), fmt.Sprintf(lang.L("%s will no longer be able to sign in. Their history stays."), u.Name), fmt.Sprintf(lang.L("Disable %s"), u.Name), fmt.Sprintf(lang.L("Keep %s"), u.Name), func() {
				if err := st.DisableUser(u.Username); err != nil {
					showError(w, lang.L("The user was not disabled"), err)
				} else {
					a.afterRotation()
				}
				a.refresh(adminUsers)
			})
		}}
		list.Add(container.NewBorder(nil, nil, nil, container.NewHBox(wholeOptions(role), reset, disable), name))
	}

	prepareStrength()
	username, fullName, password := newEntry(lang.L("what they type to sign in")), newEntry(""), newPasswordEntry()
	role := widget.NewSelect(roleTitles(), nil)
	role.PlaceHolder = lang.L("choose")
	f := newForm()
	t := newSettingsTracker(a.s, lang.L("the new user"))
	t.save = func() error {
		pw := []byte(password.Text)
		_, err := st.AddUser(store.NewUser{Username: strings.TrimSpace(username.Text), Name: strings.TrimSpace(fullName.Text), Role: roleByTitle(role.Selected), Password: pw})
		clear(pw)
		if err != nil {
			f.show(err)
		}
		return err
	}
	add := func() {
		a.s.touch()
		if t.Save() == nil {
			a.refresh(adminUsers)
		}
	}
	for _, e := range []*entry{username, fullName, password} {
		e.OnSubmitted = func(string) { add() }
		e.onActivity = a.s.touch
		e.onEscape = func() { a.s.leave(func() { a.refresh(adminUsers) }) }
	}
	t.entry("username", username)
	t.entry("name", fullName)
	t.choice("role", role)
	t.entry("password", password)
	f.add(lang.L("Username"), "username", username)
	f.add(lang.L("Full name"), "name", fullName)
	f.add(lang.L("Role"), "role", role)
	f.add(lang.L("First password"), "password", container.NewVBox(password,
		paragraph(fmt.Sprintf(lang.L("At least %d characters and hard to guess: a few unrelated words. Give it to them in person; they can change it after signing in."), store.MinPasswordLen))))
	return scroll(container.NewVBox(
		heading(lang.L("Users")), list, widget.NewSeparator(),
		heading(lang.L("Add a user")), f.content(),
		container.NewHBox(&widget.Button{Text: lang.L("Add user"), Icon: theme.ContentAddIcon(), Importance: widget.HighImportance, OnTapped: add}),
	))
}

// resetPassword gives a user a new password.
func (a *adminView) resetPassword(u store.User) {
	prepareStrength()
	pw := newPasswordEntry()
	askFormKeeping(a.s.ws.win, fmt.Sprintf(lang.L("New password for %s"), u.Name),
		container.NewVBox(paragraph(fmt.Sprintf(lang.L("At least %d characters and hard to guess: a few unrelated words."), store.MinPasswordLen)), pw), lang.L("Reset"), lang.L("Cancel"),
		fmt.Sprintf(lang.L("the new password for %s"), u.Name), func() bool { return pw.Text != "" }, nil, func() {
			next := []byte(pw.Text)
			defer clear(next)
			if err := a.s.ws.st.ResetPassword(u.Username, next); err != nil {
				showError(a.s.ws.win, lang.L("The password was not reset"), err)
				return
			}
			showMessage(a.s.ws.win, lang.L("Password reset"), fmt.Sprintf(lang.L("%s can now sign in with the new password."), u.Name))
		})
}

// settings changes the practice-wide settings: the idle timeout.
func (a *adminView) settings() fyne.CanvasObject {
	st := a.s.ws.st
	p, err := st.Practice()
	if err != nil {
		return scroll(paragraph(sentence(err)))
	}
	idle := p.IdleLockSec
	if idle <= 0 {
		idle = int(store.DefaultIdleLock / time.Second)
	}
	minutes := newEntry(lang.L("minutes"))
	minutes.SetText(strconv.Itoa(max(idle/60, 1)))
	minutes.onActivity = a.s.touch
	saved := &widget.Label{}
	f := newForm()
	// The unit stands after the number, so "Lock after 5 minutes" reads
	// as a sentence.
	f.add(lang.L("Lock after"), "idle", container.NewBorder(nil, nil, nil, widget.NewLabel(lang.L("minutes without use")), minutes))
	t := newSettingsTracker(a.s, lang.L("the practice settings"))
	var n int
	t.save = func() error {
		f.clear()
		saved.SetText("")
		var err error
		n, err = strconv.Atoi(strings.TrimSpace(minutes.Text))
		if err != nil || n < 1 {
			setError(f.errs["idle"], lang.L("Give a whole number of minutes, 1 or more."))
			// The field's own message above is what is shown.
			return fmt.Errorf("the idle timeout %q is not a whole number of minutes", minutes.Text) // i18n:skip
		}
		d := time.Duration(n) * time.Minute
		if err := st.SetIdleLock(d); err != nil {
			f.show(err)
			return err
		}
		a.s.idle = d
		return nil
	}
	save := func() {
		a.s.touch()
		if t.Save() == nil {
			if n == 1 {
				saved.SetText(lang.L("Saved: workstations lock after 1 minute without use."))
			} else {
				saved.SetText(fmt.Sprintf(lang.L("Saved: workstations lock after %d minutes without use."), n))
			}
			t.rebase()
		}
	}
	minutes.OnSubmitted = func(string) { save() }
	minutes.onEscape = func() { a.s.leave(func() { a.refresh(adminSettings) }) }
	t.entry("idle", minutes)
	return scroll(container.NewVBox(
		heading(lang.L("Practice settings")),
		paragraph(fmt.Sprintf(lang.L("Practice: %s"), p.Name)),
		paragraph(lang.L("A workstation left alone this long locks itself and forgets the key; whoever comes next signs in again.")),
		f.content(),
		container.NewHBox(&widget.Button{Text: lang.L("Save settings"), Icon: theme.DocumentSaveIcon(), Importance: widget.HighImportance, OnTapped: save}),
		saved,
		a.s.codeTableSettings(),
		widget.NewSeparator(),
		heading(lang.L("This workstation")),
		paragraph(lang.L("The folders this workstation watches for scanned documents, each with its category and what happens to the original, are set per workstation.")),
		container.NewHBox(&widget.Button{Text: lang.L("Scan folders…"), Icon: theme.FolderOpenIcon(), OnTapped: a.s.showFolderSettings}),
	))
}

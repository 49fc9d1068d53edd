package ui

import (
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/internal/words"
)

// registerForm registers a new patient. Before saving it asks the service
// for likely duplicates and shows them; the person opens one of them or
// registers anyway. Enter saves, Escape cancels.
type registerForm struct {
	s                             *session
	family, given, preferred, dob *entry
	phone, line, city, language   *entry
	contact, contactPhone         *entry
	sex                           *widget.Select
	form                          *form
	dups                          *fyne.Container
	save                          *widget.Button
	checked                       bool // duplicates were shown for the current fields
	// orig is the patient being edited; nil when registering a new one.
	orig *chart.Patient
	t    *tracker // unsaved changes and the draft (drafts.go)
	// savedID is the patient saved by the last save, for the way out.
	savedID string
}

// errDuplicatesShown is what saving returns when it showed likely
// duplicates instead of registering.
var errDuplicatesShown = errors.New("this may be someone already registered")

// newDemographicsForm edits a registered patient's demographics in the
// detail pane; saving or cancelling goes back to the chart.
func newDemographicsForm(s *session, p chart.Patient) *registerForm {
	r := newRegisterForm(s)
	r.orig = &p
	r.checked = true // an edit is not a new registration: no duplicate check
	for _, f := range []struct {
		e    *entry
		text string
	}{{r.family, p.Family}, {r.given, p.Given}, {r.preferred, p.Preferred}, {r.dob, p.DOB}, {r.phone, p.Phone},
		{r.line, p.Address.Line}, {r.city, p.Address.City}, {r.language, p.Language},
		{r.contact, strings.Join(words.NonEmpty(p.Emergency.Name, p.Emergency.Relation), ", ")}, {r.contactPhone, p.Emergency.Phone}} {
		f.e.SetText(f.text)
	}
	r.sex.SetSelected(string(p.Sex))
	r.save.SetText("Save")
	r.t = newTracker(s, draftKey("patient", p.ID, p.ID), "the demographics of "+p.Name(), p.ID)
	return r
}

func newRegisterForm(s *session) *registerForm {
	r := &registerForm{s: s}
	r.family = r.entry("")
	r.given = r.entry("")
	r.preferred = r.entry("optional")
	r.dob = r.entry("YYYY-MM-DD")
	r.phone = r.entry("phone number")
	r.line = r.entry("street and number")
	r.city = r.entry("")
	r.language = r.entry("optional")
	r.contact = r.entry("name and relation")
	r.contactPhone = r.entry("their phone number")
	r.sex = widget.NewSelect([]string{string(chart.Female), string(chart.Male), string(chart.Other), string(chart.Unknown)}, func(string) { r.changed() })
	r.sex.PlaceHolder = "choose"
	r.form = newForm()
	r.form.add("Family name", "family name", r.family)
	r.form.add("Given name", "given name", r.given)
	r.form.add("Preferred name", "preferred name", r.preferred)
	r.form.add("Birth date", "birth date", r.dob)
	r.form.add("Sex", "sex", r.sex)
	r.form.add("Phone", "phone", r.phone)
	r.form.add("Address", "address", r.line)
	r.form.add("City", "city", r.city)
	r.form.add("Language", "language", r.language)
	r.form.add("Emergency contact", "emergency contact", r.contact)
	r.form.add("Their phone", "emergency contact phone", r.contactPhone)
	r.dups = container.NewVBox()
	r.save = &widget.Button{Text: "Register", Icon: theme.DocumentSaveIcon(), Importance: widget.HighImportance, OnTapped: r.onSave}
	r.t = newTracker(s, draftKey("register", "", ""), "the registration of a new patient", "")
	return r
}

// entry makes one of the form's entries: Enter saves, Escape cancels.
func (r *registerForm) entry(placeholder string) *entry {
	e := newEntry(placeholder)
	e.OnSubmitted = func(string) { r.onSave() }
	e.OnChanged = func(string) { r.changed() }
	e.onEscape = r.cancel
	e.onActivity = r.s.touch
	return e
}

// content is the form; once shown, it follows its unsaved changes and puts
// back the user's draft of it, if any.
func (r *registerForm) content() fyne.CanvasObject {
	cancel := &widget.Button{Text: "Cancel", OnTapped: r.cancel}
	title := "New patient"
	if r.orig != nil {
		title = "Demographics of " + r.orig.Name() + " (MRN " + r.orig.MRN + ")"
	}
	box := container.NewVBox(
		heading(title),
		r.t.banner,
		r.form.content(),
		r.dups,
		container.NewHBox(r.save, cancel),
	)
	if r.orig != nil {
		if b := r.s.deathButton(*r.orig); b != nil { // clinicians and HIM managers
			box.Add(container.NewHBox(b))
		}
	}
	c := container.NewVScroll(container.NewPadded(box))
	for _, f := range []struct {
		name string
		e    *entry
	}{{"family", r.family}, {"given", r.given}, {"preferred", r.preferred}, {"dob", r.dob}, {"phone", r.phone},
		{"line", r.line}, {"city", r.city}, {"language", r.language}, {"contact", r.contact}, {"contactPhone", r.contactPhone}} {
		r.t.entry(f.name, f.e)
	}
	r.t.choice("sex", r.sex)
	r.t.save = func() error { _, err := r.store(); return err }
	r.t.start()
	return c
}

func (r *registerForm) focus() { r.s.ws.win.Canvas().Focus(r.family) }

// changed forgets the duplicate warning once the fields change.
func (r *registerForm) changed() {
	if r.checked && r.orig == nil {
		r.checked = false
		r.dups.Objects = nil
		r.dups.Refresh()
		r.save.SetText("Register")
	}
}

// cancel leaves the form, asking first when something was typed.
func (r *registerForm) cancel() {
	r.s.touch()
	r.s.leave(r.close)
}

// close goes back to the chart, or to the welcome screen; to the chart of
// the patient just registered when the question's Save registered them.
func (r *registerForm) close() {
	if r.t.saved && r.savedID != "" {
		r.s.openChart(r.savedID)
		return
	}
	if r.orig != nil {
		r.s.openChart(r.orig.ID)
		return
	}
	r.s.showWelcome()
	r.s.find.focus()
}

func (r *registerForm) patient() chart.Patient {
	var p chart.Patient
	if r.orig != nil {
		p = *r.orig // keeps identifiers, region and the rest the form does not show
		p.Emergency.Relation = ""
	}
	p.Family, p.Given, p.Preferred, p.DOB = r.family.Text, r.given.Text, r.preferred.Text, r.dob.Text
	p.Sex, p.Phone, p.Language = chart.Sex(r.sex.Selected), r.phone.Text, r.language.Text
	p.Address.Line, p.Address.City = r.line.Text, r.city.Text
	p.Emergency.Name, p.Emergency.Phone = r.contact.Text, r.contactPhone.Text
	return p
}

// onSave checks for duplicates first; a second save registers anyway.
// The saved patient's chart opens.
func (r *registerForm) onSave() {
	r.s.touch()
	var saved chart.Patient
	r.t.save = func() error {
		var err error
		saved, err = r.store()
		return err
	}
	if r.t.Save() != nil {
		return
	}
	if r.orig == nil {
		r.s.find.query.SetText(saved.MRN)
	}
	r.s.openChart(saved.ID)
}

// store saves the patient: the demographics of one being edited, or a new
// registration once likely duplicates were shown (errDuplicatesShown the
// first time there are any). Field errors appear under their fields.
func (r *registerForm) store() (chart.Patient, error) {
	p := r.patient()
	if r.orig != nil {
		saved, err := r.s.svc.UpdatePatient(p)
		if err != nil {
			r.form.show(err)
		}
		return saved, err
	}
	if !r.checked {
		dups, err := r.s.svc.Duplicates(p)
		if err != nil {
			r.form.show(err)
			return chart.Patient{}, err
		}
		if len(dups) > 0 {
			r.showDuplicates(dups)
			return chart.Patient{}, errDuplicatesShown
		}
	}
	saved, _, err := r.s.svc.RegisterPatient(p)
	if err != nil {
		r.form.show(err)
		return saved, err
	}
	r.savedID = saved.ID
	return saved, nil
}

// showDuplicates lists the likely duplicates with a button to open each;
// the save button becomes "Register anyway".
func (r *registerForm) showDuplicates(dups []chart.PatientSummary) {
	r.form.clear()
	r.checked = true
	objs := []fyne.CanvasObject{
		&widget.Label{
			Text:       "This may be someone already registered. Open their chart, or register a new patient anyway.",
			Wrapping:   fyne.TextWrapWord,
			Importance: widget.WarningImportance,
			TextStyle:  fyne.TextStyle{Bold: true},
		},
	}
	for _, d := range dups {
		id := d.ID
		objs = append(objs, container.NewBorder(nil, nil, nil,
			&widget.Button{Text: "Open", OnTapped: func() { r.t.drop(); r.s.openChart(id) }}, // the typed registration is not wanted
			&widget.Label{Text: d.MRN + "  " + d.Name() + "  " + bornText(d) + phoneText(d.Phone)}))
	}
	r.dups.Objects = objs
	r.dups.Refresh()
	r.save.SetText("Register anyway")
}

func phoneText(phone string) string {
	if phone == "" {
		return ""
	}
	return " · " + phone
}

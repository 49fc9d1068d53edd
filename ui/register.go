package ui

import (
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
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
var errDuplicatesShown = errors.New("this may be someone already registered") // i18n:skip

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
	r.sex.SetSelected(sexTitle(p.Sex))
	r.save.SetText(lang.L("Save"))
	r.t = newTracker(s, draftKey("patient", p.ID, p.ID), fmt.Sprintf(lang.L("the demographics of %s"), p.Name()), p.ID)
	return r
}

func newRegisterForm(s *session) *registerForm {
	r := &registerForm{s: s}
	r.family = r.entry("")
	r.given = r.entry("")
	r.preferred = r.entry(lang.L("optional"))
	r.dob = r.entry(lang.L("YYYY-MM-DD"))
	r.phone = r.entry(lang.L("phone number"))
	r.line = r.entry(lang.L("street and number"))
	r.city = r.entry("")
	r.language = r.entry(lang.L("optional"))
	r.contact = r.entry(lang.L("name and relation"))
	r.contactPhone = r.entry(lang.L("their phone number"))
	r.sex = widget.NewSelect([]string{sexTitle(chart.Female), sexTitle(chart.Male), sexTitle(chart.Other), sexTitle(chart.Unknown)}, func(string) { r.changed() })
	r.sex.PlaceHolder = lang.L("choose")
	r.form = newForm()
	r.form.add(lang.L("Family name"), "family name", r.family)          // i18n:skip
	r.form.add(lang.L("Given name"), "given name", r.given)             // i18n:skip
	r.form.add(lang.L("Preferred name"), "preferred name", r.preferred) // i18n:skip
	r.form.add(lang.L("Birth date"), "birth date", r.dob)               // i18n:skip
	r.form.add(lang.L("Sex"), "sex", r.sex)
	r.form.add(lang.L("Phone"), "phone", r.phone)
	r.form.add(lang.L("Address"), "address", r.line)
	r.form.add(lang.L("City"), "city", r.city)
	r.form.add(lang.L("Language"), "language", r.language)
	r.form.add(lang.L("Emergency contact"), "emergency contact", r.contact)      // i18n:skip
	r.form.add(lang.L("Their phone"), "emergency contact phone", r.contactPhone) // i18n:skip
	r.dups = container.NewVBox()
	r.save = &widget.Button{Text: lang.L("Register"), Icon: theme.DocumentSaveIcon(), Importance: widget.HighImportance, OnTapped: r.onSave}
	r.t = newTracker(s, draftKey("register", "", ""), lang.L("the registration of a new patient"), "")
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
	cancel := &widget.Button{Text: lang.L("Cancel"), OnTapped: r.cancel}
	title := lang.L("New patient")
	if r.orig != nil {
		title = fmt.Sprintf(lang.L("Demographics of %s (MRN %s)"), r.orig.Name(), r.orig.MRN)
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
		r.save.SetText(lang.L("Register"))
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
	p.Family, p.Given, p.Preferred, p.DOB = r.family.Text, r.given.Text, r.preferred.Text, entryDate(r.dob.Text)
	p.Sex, p.Phone, p.Language = sexOf(r.sex.Selected), r.phone.Text, r.language.Text
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
			Text:       lang.L("This may be someone already registered. Open their chart, or register a new patient anyway."),
			Wrapping:   fyne.TextWrapWord,
			Importance: widget.WarningImportance,
			TextStyle:  fyne.TextStyle{Bold: true},
		},
	}
	for _, d := range dups {
		id := d.ID
		objs = append(objs, container.NewBorder(nil, nil, nil,
			&widget.Button{Text: lang.L("Open"), OnTapped: func() { r.t.drop(); r.s.openChart(id) }}, // the typed registration is not wanted
			&widget.Label{Text: ordered(d.MRN + "  " + d.Name() + "  " + bornText(d) + phoneText(d.Phone))}))
	}
	r.dups.Objects = objs
	r.dups.Refresh()
	r.save.SetText(lang.L("Register anyway"))
}

// sexTitle is a sex in the workstation's language, as forms, the chart's
// header and the duplicates cards show it.
func sexTitle(s chart.Sex) string {
	switch s {
	case chart.Female:
		return lang.L("female")
	case chart.Male:
		return lang.L("male")
	case chart.Other:
		return lang.L("other")
	case chart.Unknown:
		return lang.L("unknown")
	}
	return string(s)
}

// sexOf is the sex a title of sexTitle shows.
func sexOf(title string) chart.Sex {
	for _, s := range []chart.Sex{chart.Female, chart.Male, chart.Other, chart.Unknown} {
		if title != "" && sexTitle(s) == title {
			return s
		}
	}
	return chart.Sex(title)
}

func phoneText(phone string) string {
	if phone == "" {
		return ""
	}
	return " · " + phone
}

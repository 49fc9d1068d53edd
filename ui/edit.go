package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
)

// Tab indexes of the chart's sections.
const (
	tabSummary = iota
	tabProblems
	tabAllergies
	tabMedications
	tabVisits
	tabVitals
	tabImmunizations
	tabDocuments
	tabResults
)

// section is one tab of the chart that lists records and, for a role that
// may write them, edits one at a time in place of the list.
type section struct {
	v    *chartView
	tab  int
	pane *fyne.Container
	list func() fyne.CanvasObject
	edit func(i int) // opens the editor of record i, -1 for a new one; nil while read-only
}

func (v *chartView) section(tab int, list func() fyne.CanvasObject) fyne.CanvasObject {
	sec := &section{v: v, tab: tab, pane: container.NewStack(), list: list}
	v.sections[tab] = sec
	sec.showList()
	return sec.pane
}

func (sec *section) show(o fyne.CanvasObject) {
	sec.pane.Objects = []fyne.CanvasObject{o}
	sec.pane.Refresh()
}

func (sec *section) showList() { sec.show(sec.list()) }

// tabular lists a section's records as a sortable table (table.go): an
// "Add" button above it and rows that open their record in the form, for a
// role that writes the clinical chart; the table alone for one that reads
// it. extra goes between the button and the table.
func (v *chartView) tabular(tab int, add, empty string, t *recordTable, edit func(i int), extra ...fyne.CanvasObject) fyne.CanvasObject {
	var top []fyne.CanvasObject
	if v.writesClinical() {
		if sec := v.sections[tab]; sec != nil {
			sec.edit = edit
		}
		open := func(i int) { v.s.touch(); v.s.leave(func() { edit(i) }) }
		t.open = open
		top = append(top, container.NewHBox(&widget.Button{Text: add, Icon: theme.ContentAddIcon(), Importance: widget.HighImportance,
			OnTapped: func() { open(-1) }}))
	}
	top = append(top, extra...)
	if len(t.order) == 0 {
		return scroll(container.NewVBox(append(top, paragraph(empty))...))
	}
	v.tables[tab] = t
	var body fyne.CanvasObject = t
	if tab == tabVitals {
		// The trend over the table; the divider moves.
		split := container.NewVSplit(v.vitalsTrend(), t)
		split.Offset = 0.55
		body = split
	}
	if len(top) == 0 {
		return body
	}
	return border(container.NewVBox(top...), nil, nil, nil, body)
}

// dateOf is a time as the tables show it: the local date.
func dateOf(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format(time.DateOnly)
}

// recordEditor is a form for one record of a section: Enter in a one-line
// entry saves, Escape goes back to the list (asking first when something
// was changed). It keeps drafts through its tracker (drafts.go).
type recordEditor struct {
	sec     *section
	form    *form
	save    func() error
	t       *tracker
	entries []namedEntry
	choices []namedChoice
}

type namedEntry struct {
	name string
	e    *entry
}

type namedChoice struct {
	name string
	sel  *widget.Select
}

// The draft form names of each section.
var tabForms = map[int]string{tabProblems: "problem", tabAllergies: "allergy", tabMedications: "medication", tabVitals: "vitals", tabImmunizations: "immunization"}

// editorWhat is what a section's form edits, in words: "the allergy for
// Okafor, Chidi", "the new allergy for …".
func editorWhat(tab int, isNew bool, name string) string {
	var what string
	switch tab {
	case tabProblems:
		what = lang.L("the problem for %s")
		if isNew {
			what = lang.L("the new problem for %s")
		}
	case tabAllergies:
		what = lang.L("the allergy for %s")
		if isNew {
			what = lang.L("the new allergy for %s")
		}
	case tabMedications:
		what = lang.L("the medication for %s")
		if isNew {
			what = lang.L("the new medication for %s")
		}
	case tabVitals:
		what = lang.L("the vital signs for %s")
		if isNew {
			what = lang.L("the new vital signs for %s")
		}
	default:
		what = lang.L("the immunization for %s")
		if isNew {
			what = lang.L("the new immunization for %s")
		}
	}
	return fmt.Sprintf(what, name)
}

// editor starts the form of record id of the section ("" for a new one).
func (sec *section) editor(id string) *recordEditor {
	p := sec.v.c.Patient
	what := editorWhat(sec.tab, id == "", p.Name())
	return &recordEditor{sec: sec, form: newForm(), t: newTracker(sec.v.s, draftKey(tabForms[sec.tab], p.ID, id), what, p.ID)}
}

// entry adds a one-line entry to the form under the field name.
func (e *recordEditor) entry(label, name, placeholder, text string) *entry {
	x := newEntry(placeholder)
	x.SetText(text)
	x.OnSubmitted = func(string) { e.onSave() }
	e.hook(name, x)
	e.form.add(label, name, x)
	return x
}

// note adds a multi-line entry.
func (e *recordEditor) note(label, name, placeholder, text string) *entry {
	x := newNoteEntry(placeholder)
	x.SetText(text)
	x.SetMinRowsVisible(2)
	e.hook(name, x)
	e.form.add(label, name, x)
	return x
}

func (e *recordEditor) hook(name string, x *entry) {
	x.onEscape = e.cancel
	x.onActivity = e.sec.v.s.touch
	e.entries = append(e.entries, namedEntry{name, x})
}

// choice adds a selection among a record's stored words (values), each
// shown as show puts it; the function returned reads the value chosen.
func (e *recordEditor) choice(label, name string, values []string, selected string, show func(string) string) func() string {
	shown := make([]string, len(values))
	for i, v := range values {
		shown[i] = show(v)
	}
	sel := widget.NewSelect(shown, nil)
	sel.SetSelected(show(selected))
	e.form.add(label, name, sel)
	e.choices = append(e.choices, namedChoice{name, sel})
	return func() string {
		if i := slices.Index(shown, sel.Selected); i >= 0 {
			return values[i]
		}
		return sel.Selected
	}
}

// cancel goes back to the list, asking first when something was changed.
func (e *recordEditor) cancel() {
	e.sec.v.s.touch()
	e.sec.v.s.leave(func() {
		if e.t.saved {
			e.sec.v.reopenAt(e.sec.tab) // read again, with the record just saved
			return
		}
		e.sec.showList()
	})
}

// show puts the form in place of the list, the cursor in first, and puts
// back the user's draft of it, if any.
func (e *recordEditor) show(title string, first fyne.Focusable, extra ...fyne.CanvasObject) {
	buttons := container.NewHBox(
		&widget.Button{Text: lang.L("Save"), Icon: theme.DocumentSaveIcon(), Importance: widget.HighImportance, OnTapped: e.onSave},
		&widget.Button{Text: lang.L("Cancel"), OnTapped: e.cancel},
	)
	parts := append([]fyne.CanvasObject{heading(title), e.t.banner, e.form.content()}, extra...)
	parts = append(parts, buttons)
	e.sec.show(scroll(container.NewVBox(parts...)))
	for _, x := range e.entries {
		e.t.entry(x.name, x.e)
	}
	for _, c := range e.choices {
		e.t.choice(c.name, c.sel)
	}
	e.t.save = func() error {
		err := e.save()
		if err != nil {
			e.form.show(err)
		}
		return err
	}
	e.t.start()
	if first != nil {
		e.sec.v.s.ws.win.Canvas().Focus(first)
	}
}

// onSave saves through the service; field errors appear under their
// fields, and a saved record reopens the chart at this section.
func (e *recordEditor) onSave() {
	e.sec.v.s.touch()
	if err := e.t.Save(); err != nil {
		return
	}
	e.sec.v.reopenAt(e.sec.tab)
}

// reopenAt reads the chart again and selects a tab.
func (v *chartView) reopenAt(tab int) {
	v.s.openChart(v.c.Patient.ID)
	if nv := v.s.chart; nv != nil {
		nv.tabs.SelectIndex(tab)
	}
}

// numberError is a field error for text that is not a number; the form
// shows it like the service's own.
func numberError(fields map[string]string) error {
	ve := &chart.ValidationError{What: "vital signs"} // i18n:skip: the kind of record, worded by plain
	for name, text := range fields {
		if strings.TrimSpace(text) == "" {
			continue
		}
		if _, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(text), ",", "."), 64); err != nil {
			ve.Fields = append(ve.Fields, chart.FieldError{Field: name, Message: fmt.Sprintf("%q is not a number", text), // i18n:skip: plain.Problem translates it
				Format: "%q is not a number", Args: []any{text}}) // i18n:skip: as chart writes it
		}
	}
	if len(ve.Fields) == 0 {
		return nil
	}
	return ve
}

func parseFloat(s string) float64 {
	f, _ := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(s), ",", "."), 64)
	return f
}

func parseInt(s string) int { return int(parseFloat(s) + 0.5) }

func numText[T int | float64](x T) string {
	if x == 0 {
		return ""
	}
	return showNumber(float64(x), -1)
}

// --- problems ---

func (v *chartView) problemList() fyne.CanvasObject {
	ps := v.c.Problems
	t := newRecordTable([]tableColumn{
		{title: lang.L("Code"), width: 80, text: func(i int) string { return codeText(ps[i].Code) }},
		{title: lang.L("Problem"), width: 200, grow: true, text: func(i int) string { return ps[i].Description }},
		{title: lang.L("Onset"), newest: true, width: 95, text: func(i int) string { return showDate(ps[i].Onset) }, key: func(i int) string { return ps[i].Onset }},
		{title: lang.L("Status"), width: 80, text: func(i int) string { return statusText(ps[i].Status) }},
	}, len(ps), 2, nil)
	return v.tabular(tabProblems, lang.L("Add problem"), lang.L("No problems recorded."), t, v.editProblem)
}

func (v *chartView) editProblem(i int) {
	p := chart.Problem{Meta: chart.Meta{Patient: v.c.Patient.ID}, Status: "active"}
	title := lang.L("New problem")
	if i >= 0 {
		p, title = v.c.Problems[i], lang.L("Edit problem")
	}
	e := v.sections[tabProblems].editor(p.ID)
	code := e.entry(lang.L("ICD-10-CM code"), "code", lang.L("type a code or words to search"), p.Code)
	desc := e.entry(lang.L("Description"), "description", "", p.Description)
	onset := e.entry(lang.L("Onset"), "onset", lang.L("YYYY-MM-DD, or YYYY-MM or YYYY if no more is known (optional)"), p.Onset)
	status := e.choice(lang.L("Status"), "status", []string{"active", "resolved", "inactive"}, p.Status, statusText)
	note := e.note(lang.L("Note"), "note", lang.L("optional"), p.Note)
	matches := container.NewVBox()
	code.OnChanged = func(q string) {
		matches.Objects = nil
		if len(strings.TrimSpace(q)) >= 2 {
			for _, c := range v.s.svc.SearchCodes(q, 8) {
				matches.Add(&widget.Button{Text: c.Dotted() + "  " + c.Description, Alignment: widget.ButtonAlignLeading,
					OnTapped: func() {
						code.SetText(c.Dotted())
						desc.SetText(c.Description)
						v.s.ws.win.Canvas().Focus(onset)
					}})
			}
		}
		matches.Refresh()
	}
	e.save = func() error {
		p.Code, p.Description, p.Onset, p.Status, p.Note = code.Text, desc.Text, entryDate(onset.Text), status(), note.Text
		return v.s.svc.Save(&p)
	}
	e.show(title, code, v.s.codeTableNotice(), matches)
}

// --- allergies ---

func (v *chartView) allergyList() fyne.CanvasObject {
	as := v.c.Allergies
	t := newRecordTable([]tableColumn{
		{title: lang.L("Substance"), width: 150, grow: true, text: func(i int) string { return as[i].Substance }},
		{title: lang.L("Reaction"), width: 170, text: func(i int) string { return as[i].Reaction }},
		{title: lang.L("Severity"), width: 95, text: func(i int) string { return severityText(as[i].Severity) }},
		{title: lang.L("Status"), width: 75, text: func(i int) string { return statusText(as[i].Status) }},
		{title: lang.L("Recorded"), newest: true, width: 95, text: func(i int) string { return dateOf(as[i].Changed) },
			key: func(i int) string { return as[i].Changed.UTC().Format(time.RFC3339Nano) }},
	}, len(as), 4, nil)
	t.danger = func(i int) bool { return as[i].Status != "inactive" }
	var extra []fyne.CanvasObject
	switch v.c.AllergyState() {
	case chart.NoKnownAllergiesState:
		n, _ := v.c.NoKnownAllergy()
		extra = append(extra, paragraph(fmt.Sprintf(lang.L("No known allergies, recorded %s by %s. Recording an allergy replaces it."),
			showWhen(n.RecordedAt), n.RecordedBy)))
	case chart.AllergiesNotRecorded:
		extra = append(extra, paragraph(lang.L("Allergies are not recorded: add each allergy, or record that the patient has none known.")))
	}
	if v.writesClinical() && v.c.AllergyState() != chart.AllergiesRecorded {
		extra = append(extra, container.NewHBox(&widget.Button{Text: lang.L("Record no known allergies…"), Icon: theme.ConfirmIcon(), OnTapped: v.recordNoKnownAllergies}))
	}
	return v.tabular(tabAllergies, lang.L("Add allergy"), lang.L("No allergies recorded."), t, v.editAllergy, extra...)
}

func (v *chartView) editAllergy(i int) {
	a := chart.Allergy{Meta: chart.Meta{Patient: v.c.Patient.ID}, Severity: "unknown", Status: "active"}
	title := lang.L("New allergy")
	if i >= 0 {
		a, title = v.c.Allergies[i], lang.L("Edit allergy")
	}
	e := v.sections[tabAllergies].editor(a.ID)
	substance := e.entry(lang.L("Substance"), "substance", lang.L("what the patient reacts to"), a.Substance)
	reaction := e.entry(lang.L("Reaction"), "reaction", lang.L("optional"), a.Reaction)
	severity := e.choice(lang.L("Severity"), "severity", []string{"mild", "moderate", "severe", "unknown"}, a.Severity, severityText)
	status := e.choice(lang.L("Status"), "status", []string{"active", "inactive"}, a.Status, statusText)
	e.save = func() error {
		a.Substance, a.Reaction, a.Severity, a.Status = substance.Text, reaction.Text, severity(), status()
		return v.s.svc.Save(&a)
	}
	e.show(title, substance)
}

// --- medications ---

// routes are the routes the medication form offers.
var routes = []string{"", "oral", "sublingual", "topical", "inhaled", "intravenous", "intramuscular", "subcutaneous", "rectal", "vaginal", "nasal", "ophthalmic", "otic", "transdermal", "other"}

func (v *chartView) medicationList() fyne.CanvasObject {
	ms := v.c.Medications
	now := time.Now()
	t := newRecordTable([]tableColumn{
		{title: lang.L("Medication"), width: 150, grow: true, text: func(i int) string { return ms[i].Name }},
		{title: lang.L("Dose"), width: 70, text: func(i int) string { return ms[i].Dose }},
		{title: lang.L("Route"), width: 75, text: func(i int) string { return routeText(ms[i].Route) }},
		{title: lang.L("Frequency"), width: 100, text: func(i int) string { return ms[i].Frequency }},
		{title: lang.L("Started"), newest: true, width: 90, text: func(i int) string { return showDate(ms[i].Start) }, key: func(i int) string { return ms[i].Start }},
		{title: lang.L("Stopped"), newest: true, width: 90, text: func(i int) string {
			if ms[i].Active(now) {
				return lang.L("current")
			}
			return showDate(ms[i].Stop)
		}, key: func(i int) string {
			if ms[i].Active(now) {
				return "9999" // current ones first, newest first
			}
			return ms[i].Stop
		}},
	}, len(ms), 4, nil)
	return v.tabular(tabMedications, lang.L("Add medication"), lang.L("No medications recorded."), t, v.editMedication)
}

func (v *chartView) editMedication(i int) {
	m := chart.Medication{Meta: chart.Meta{Patient: v.c.Patient.ID}, Start: time.Now().Format(time.DateOnly)}
	title := lang.L("New medication")
	if i >= 0 {
		m, title = v.c.Medications[i], lang.L("Edit medication")
	}
	e := v.sections[tabMedications].editor(m.ID)
	name := e.entry(lang.L("Medication"), "name", lang.L("name and strength"), m.Name)
	dose := e.entry(lang.L("Dose"), "dose", lang.L("e.g. 500 mg"), m.Dose)
	route := e.choice(lang.L("Route"), "route", routes, m.Route, routeText)
	freq := e.entry(lang.L("Frequency"), "frequency", lang.L("e.g. twice daily"), m.Frequency)
	start := e.entry(lang.L("Start"), "start", lang.L("YYYY-MM-DD"), m.Start)
	stop := e.entry(lang.L("Stop"), "stop", lang.L("YYYY-MM-DD, empty while taken"), m.Stop)
	e.save = func() error {
		m.Name, m.Dose, m.Route, m.Frequency, m.Start, m.Stop = name.Text, dose.Text, route(), freq.Text, entryDate(start.Text), entryDate(stop.Text)
		return v.s.svc.Save(&m)
	}
	e.show(title, name)
}

// --- vital signs ---

func (v *chartView) vitalsList() fyne.CanvasObject {
	xs := v.c.Vitals
	num := func(f func(x chart.Vitals) float64) func(i int) float64 {
		return func(i int) float64 { return f(xs[i]) }
	}
	show := func(f func(x chart.Vitals) float64, format string) func(i int) string {
		return func(i int) string {
			if n := f(xs[i]); n != 0 {
				return localDecimal(fmt.Sprintf(format, n))
			}
			return ""
		}
	}
	sys := func(x chart.Vitals) float64 { return float64(x.Systolic) }
	pulse := func(x chart.Vitals) float64 { return float64(x.Pulse) }
	temp := func(x chart.Vitals) float64 { return x.TempC }
	spo2 := func(x chart.Vitals) float64 { return float64(x.SpO2) }
	weight := func(x chart.Vitals) float64 { return x.WeightKg }
	height := func(x chart.Vitals) float64 { return x.HeightCm }
	bmi := func(x chart.Vitals) float64 { return x.BMI() }
	t := newRecordTable([]tableColumn{
		{title: lang.L("Taken"), newest: true, width: 122, text: func(i int) string { return showWhen(xs[i].Taken) },
			key: func(i int) string { return xs[i].Taken.UTC().Format(time.RFC3339Nano) }},
		{title: lang.L("BP"), width: 62, num: num(sys), text: func(i int) string {
			if xs[i].Systolic == 0 {
				return ""
			}
			return fmt.Sprintf("%d/%d", xs[i].Systolic, xs[i].Diastolic)
		}},
		{title: lang.L("Pulse"), width: 48, num: num(pulse), text: show(pulse, "%.0f")},
		{title: lang.L("°C"), width: 42, num: num(temp), text: show(temp, "%.1f")},
		{title: lang.L("SpO₂"), width: 48, num: num(spo2), text: show(spo2, "%.0f%%")},
		{title: lang.L("kg"), width: 48, num: num(weight), text: func(i int) string { return measureText(xs[i].WeightKg) }},
		{title: lang.L("cm"), width: 42, num: num(height), text: func(i int) string { return measureText(xs[i].HeightCm) }},
		{title: lang.L("BMI"), width: 42, num: num(bmi), text: show(bmi, "%.1f")},
	}, len(xs), 0, nil)
	return v.tabular(tabVitals, lang.L("Record vital signs"), lang.L("No vital signs recorded."), t, v.editVitals)
}

// measureText is a measure with at most one decimal, empty when not
// measured.
func measureText(x float64) string {
	if x == 0 {
		return ""
	}
	return oneDecimal(x)
}

// takenLayout is how the vital signs form writes the time of measurement.
const takenLayout = "2006-01-02 15:04"

func (v *chartView) editVitals(i int) {
	x := chart.Vitals{Meta: chart.Meta{Patient: v.c.Patient.ID}, Taken: time.Now()}
	title := lang.L("New vital signs")
	if i >= 0 {
		x, title = v.c.Vitals[i], lang.L("Edit vital signs")
	}
	e := v.sections[tabVitals].editor(x.ID)
	taken := e.entry(lang.L("Taken"), "taken", lang.L("YYYY-MM-DD HH:MM"), x.Taken.Local().Format(takenLayout))
	sys := e.entry(lang.L("Systolic (mmHg)"), "systolic pressure", "", numText(x.Systolic))    // i18n:skip: a field name
	dia := e.entry(lang.L("Diastolic (mmHg)"), "diastolic pressure", "", numText(x.Diastolic)) // i18n:skip: a field name
	e.form.alias("blood pressure", "systolic pressure")                                        // i18n:skip: field names
	pulse := e.entry(lang.L("Pulse (per minute)"), "pulse", "", numText(x.Pulse))
	temp := e.entry(lang.L("Temperature (°C)"), "temperature", "", numText(x.TempC))
	spo2 := e.entry(lang.L("SpO₂ (%)"), "SpO2", "", numText(x.SpO2)) // i18n:skip: a field name
	weight := e.entry(lang.L("Weight (kg)"), "weight", "", numText(x.WeightKg))
	height := e.entry(lang.L("Height (cm)"), "height", "", numText(x.HeightCm))
	bmi := &widget.Label{}
	showBMI := func(string) {
		b := chart.Vitals{WeightKg: parseFloat(weight.Text), HeightCm: parseFloat(height.Text)}.BMI()
		if b > 0 {
			bmi.SetText(showNumber(b, 1))
		} else {
			bmi.SetText(lang.L("— (needs weight and height)"))
		}
	}
	weight.OnChanged, height.OnChanged = showBMI, showBMI
	showBMI("")
	e.form.add(lang.L("BMI"), "bmi", bmi)
	e.save = func() error {
		if err := numberError(map[string]string{"systolic pressure": sys.Text, "diastolic pressure": dia.Text, "pulse": pulse.Text, // i18n:skip: field names
			"temperature": temp.Text, "SpO2": spo2.Text, "weight": weight.Text, "height": height.Text}); err != nil { // i18n:skip: field names
			return err
		}
		t, err := time.ParseInLocation(takenLayout, entryDate(taken.Text), time.Local)
		if err != nil {
			return &chart.ValidationError{What: "vital signs", Fields: []chart.FieldError{{Field: "taken", Message: lang.L("must be a date and time written YYYY-MM-DD HH:MM")}}} // i18n:skip: the kind of record, worded by plain
		}
		x.Taken = t
		x.Systolic, x.Diastolic, x.Pulse, x.SpO2 = parseInt(sys.Text), parseInt(dia.Text), parseInt(pulse.Text), parseInt(spo2.Text)
		x.TempC, x.WeightKg, x.HeightCm = parseFloat(temp.Text), parseFloat(weight.Text), parseFloat(height.Text)
		return v.s.svc.Save(&x)
	}
	e.show(title, sys)
}

// --- immunizations ---

func (v *chartView) immunizationList() fyne.CanvasObject {
	ims := v.c.Immunizations
	t := newRecordTable([]tableColumn{
		{title: lang.L("Date"), newest: true, width: 95, text: func(i int) string { return showDate(ims[i].Date) }, key: func(i int) string { return ims[i].Date }},
		{title: lang.L("Vaccine"), width: 170, grow: true, text: func(i int) string { return ims[i].Vaccine }},
		{title: lang.L("Dose"), width: 80, text: func(i int) string { return ims[i].Dose }},
		{title: lang.L("Lot"), width: 90, text: func(i int) string { return ims[i].Lot }},
		{title: lang.L("Site"), width: 110, text: func(i int) string { return ims[i].Site }},
	}, len(ims), 0, nil)
	return v.tabular(tabImmunizations, lang.L("Add immunization"), lang.L("No immunizations recorded."), t, v.editImmunization)
}

func (v *chartView) editImmunization(i int) {
	im := chart.Immunization{Meta: chart.Meta{Patient: v.c.Patient.ID}, Date: time.Now().Format(time.DateOnly)}
	title := lang.L("New immunization")
	if i >= 0 {
		im, title = v.c.Immunizations[i], lang.L("Edit immunization")
	}
	e := v.sections[tabImmunizations].editor(im.ID)
	vaccine := e.entry(lang.L("Vaccine"), "vaccine", "", im.Vaccine)
	date := e.entry(lang.L("Date given"), "date", lang.L("YYYY-MM-DD"), im.Date)
	dose := e.entry(lang.L("Dose"), "dose", lang.L("e.g. 2 of 3"), im.Dose)
	lotNo := e.entry(lang.L("Lot"), "lot", lang.L("optional"), im.Lot)
	site := e.entry(lang.L("Site"), "site", lang.L("e.g. left deltoid"), im.Site)
	e.save = func() error {
		im.Vaccine, im.Date, im.Dose, im.Lot, im.Site = vaccine.Text, entryDate(date.Text), dose.Text, lotNo.Text, site.Text
		return v.s.svc.Save(&im)
	}
	e.show(title, vaccine)
}

// --- the stored words of records, as shown ---

// statusText is a problem's or an allergy's status in words (agreeing
// with the word "status" where a language asks it); a word this
// workstation does not know shows as stored.
func statusText(s string) string {
	switch s {
	case "active":
		return lang.L("active")
	case "resolved":
		return lang.L("resolved")
	case "inactive":
		return lang.L("inactive")
	}
	return s
}

// severityText is an allergy's severity in words.
func severityText(s string) string {
	switch s {
	case "mild":
		return lang.L("mild")
	case "moderate":
		return lang.L("moderate")
	case "severe":
		return lang.L("severe")
	case "unknown":
		return lang.L("unknown")
	}
	return s
}

// routeText is a medication's route in words.
func routeText(s string) string {
	switch s {
	case "oral":
		return lang.L("oral")
	case "sublingual":
		return lang.L("sublingual")
	case "topical":
		return lang.L("topical")
	case "inhaled":
		return lang.L("inhaled")
	case "intravenous":
		return lang.L("intravenous")
	case "intramuscular":
		return lang.L("intramuscular")
	case "subcutaneous":
		return lang.L("subcutaneous")
	case "rectal":
		return lang.L("rectal")
	case "vaginal":
		return lang.L("vaginal")
	case "nasal":
		return lang.L("nasal")
	case "ophthalmic":
		return lang.L("ophthalmic")
	case "otic":
		return lang.L("otic")
	case "transdermal":
		return lang.L("transdermal")
	case "other":
		return lang.L("other")
	}
	return s
}

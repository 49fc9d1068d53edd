package ui

import (
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
)

// The review queue of records changed on two workstations at once whose
// changes could not be combined (chart.Service.ConflictQueue), and the
// screen that resolves one: the versions side by side, field by field,
// the fields that differ marked, one value chosen per field.

// conflictRows adds the review queue to the worklists.
func (a *adminView) conflictRows(section func(string, int, error), row func(string, ...fyne.CanvasObject)) {
	items, err := a.s.svc.ConflictQueue()
	section(lang.L("Records changed on two workstations at once"), len(items), err)
	for _, it := range items {
		patient := lang.L("no chart")
		if it.Patient.ID != "" {
			patient = a.patientName(it.Patient.ID)
		}
		row(conflictLine(it, patient),
			&widget.Button{Text: lang.L("Review…"), OnTapped: func() { a.reviewConflict(it.ID) }})
	}
}

// conflictLine describes a queued record without opening it.
func conflictLine(it chart.ConflictItem, patient string) string {
	var text string
	if it.Count == 1 {
		text = fmt.Sprintf(lang.L("%s of %s · 1 version since %s"), capital(conflictWhat(it.What)), patient, showWhen(it.Latest))
	} else {
		text = fmt.Sprintf(lang.L("%s of %s · %d versions since %s"), capital(conflictWhat(it.What)), patient, it.Count, showWhen(it.Latest))
	}
	if it.Deletion {
		text += " · " + lang.L("deleted on one workstation, changed on another")
	}
	if it.Signed {
		text += " · " + lang.L("signed note")
	}
	return text
}

// conflictWhat names a kind of record on the review queue
// (chart.ConflictItem.What) in the workstation's language.
func conflictWhat(what string) string {
	switch what {
	case "patient demographics": // i18n:skip
		return lang.L("patient demographics")
	case "problem":
		return lang.L("problem")
	case "allergy":
		return lang.L("allergy")
	case "medication":
		return lang.L("medication")
	case "visit note": // i18n:skip
		return lang.L("visit note")
	case "amendment":
		return lang.L("amendment")
	case "vital signs": // i18n:skip
		return lang.L("vital signs")
	case "immunization":
		return lang.L("immunization")
	case "document":
		return lang.L("document")
	case "amendment request": // i18n:skip
		return lang.L("amendment request")
	case "disclosure":
		return lang.L("disclosure")
	case "break-glass access": // i18n:skip
		return lang.L("break-glass access")
	case "rejected document": // i18n:skip
		return lang.L("rejected document")
	case "not the same person": // i18n:skip
		return lang.L("not the same person")
	case "procedure":
		return lang.L("procedure")
	case "result":
		return lang.L("result")
	case "note or report": // i18n:skip
		return lang.L("note or report")
	case `"No known allergies"`: // i18n:skip
		return lang.L(`"No known allergies"`)
	}
	return what
}

// reviewConflict shows the review screen in the worklists tab.
func (a *adminView) reviewConflict(id string) {
	a.s.touch()
	pane := a.panes[adminWorklists]
	v, err := newConflictView(a.s, id, func() { a.refresh(adminWorklists) })
	if err != nil {
		showError(a.s.ws.win, lang.L("The record could not be opened"), err)
		a.refresh(adminWorklists)
		return
	}
	pane.Objects = []fyne.CanvasObject{v.content()}
	pane.Refresh()
}

// conflictView resolves one conflict.
type conflictView struct {
	s      *session
	c      chart.Conflict
	done   func()         // back to wherever the screen was opened from
	picks  map[string]int // field key -> version index chosen
	checks map[string][]*widget.Check
	msg    *widget.Label
	reason *entry   // why the deletion is kept
	t      *tracker // the half-made resolution: unsaved changes and draft
}

func newConflictView(s *session, id string, done func()) (*conflictView, error) {
	c, err := s.svc.Conflict(id)
	if err != nil {
		return nil, err
	}
	v := &conflictView{s: s, c: c, done: done, picks: map[string]int{}, checks: map[string][]*widget.Check{}, msg: errorLabel()}
	for _, f := range c.Fields {
		if f.Differs {
			v.picks[f.Key] = f.Choice
		}
	}
	return v, nil
}

func (v *conflictView) content() fyne.CanvasObject {
	c := v.c
	who := lang.L("a record")
	if c.Patient.ID != "" {
		who = ordered(fmt.Sprintf(lang.L("%s (MRN %s)"), c.Patient.Name(), c.Patient.MRN))
	}
	box := container.NewVBox(heading(fmt.Sprintf(lang.L("Review: %s of %s"), conflictWhat(c.What), who)),
		paragraph(lang.L("This record was changed on two or more workstations at once and the changes could not be combined. "+
			"Until it is resolved, every workstation shows the version marked “shown”, with what the others changed that could be combined. "+
			"Fields marked ● differ: tick the value to keep in each, then Resolve. "+
			"Every version stays in the record's history.")))
	if c.Signed {
		box.Add(&widget.Label{Text: lang.L("The visit note was signed: it stays exactly as signed. If a later edit is needed, add it to the visit as an amendment."),
			Wrapping: fyne.TextWrapWord, Importance: widget.WarningImportance})
	}
	if c.Deletion {
		box.Add(&widget.Label{Text: lang.L("One workstation deleted this record while another changed it. The change is shown; resolving keeps it unless the deletion is kept."),
			Wrapping: fyne.TextWrapWord, Importance: widget.WarningImportance})
	}

	grid := container.NewGridWithColumns(2 + len(c.Versions))
	grid.Add(&widget.Label{Text: lang.L("Field"), TextStyle: fyne.TextStyle{Bold: true}})
	grid.Add(&widget.Label{Text: lang.L("Before"), TextStyle: fyne.TextStyle{Bold: true}})
	for i, ver := range c.Versions {
		grid.Add(&widget.Label{Text: versionTitle(i, ver), TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord})
	}
	for _, f := range c.Fields {
		name := &widget.Label{Text: conflictField(f), Wrapping: fyne.TextWrapWord}
		if f.Differs {
			name.Text, name.Importance, name.TextStyle.Bold = "● "+conflictField(f), widget.WarningImportance, true
		}
		grid.Add(name)
		grid.Add(&widget.Label{Text: orDash(f.Base), Wrapping: fyne.TextWrapWord})
		for i, ver := range c.Versions {
			switch {
			case ver.Deleted:
				grid.Add(&widget.Label{Text: "—"})
			case !f.Differs:
				grid.Add(&widget.Label{Text: orDash(f.Values[i]), Wrapping: fyne.TextWrapWord})
			default:
				grid.Add(v.choice(f, i))
			}
		}
	}
	box.Add(widget.NewSeparator())
	box.Add(grid)
	box.Add(v.msg)

	buttons := []fyne.CanvasObject{
		&widget.Button{Text: lang.L("Resolve"), Icon: theme.ConfirmIcon(), Importance: widget.HighImportance, OnTapped: v.resolve},
	}
	if c.CanDelete {
		v.reason = newEntry(lang.L("why the record is deleted after all"))
		v.reason.onActivity = v.s.touch
		box.Add(widget.NewForm(widget.NewFormItem(lang.L("Reason to keep the deletion"), v.reason)))
		buttons = append(buttons, &widget.Button{Text: lang.L("Keep the deletion"), Icon: theme.DeleteIcon(), OnTapped: v.keepDeletion})
	}
	back := func() { v.s.touch(); v.s.leave(v.done) }
	buttons = append(buttons, &widget.Button{Text: lang.L("Back to the list"), OnTapped: back})
	box.Add(container.NewHBox(buttons...))
	v.track(who, back)
	box.Objects = append([]fyne.CanvasObject{box.Objects[0], v.t.banner}, box.Objects[1:]...)
	return scroll(box)
}

// conflictField names a field of the review screen in the workstation's
// language (chart.ConflictField.Label is the English, from the record's
// field name); a field not listed shows its English label.
func conflictField(f chart.ConflictField) string {
	switch f.Key {
	case "mrn":
		return lang.L("MRN")
	case "family":
		return lang.L("family name")
	case "given":
		return lang.L("given name")
	case "middle":
		return lang.L("middle")
	case "preferred":
		return lang.L("preferred name")
	case "dob":
		return lang.L("birth date")
	case "sex":
		return lang.L("sex")
	case "identifiers":
		return lang.L("identifiers")
	case "phone":
		return lang.L("phone")
	case "email":
		return lang.L("email")
	case "address":
		return lang.L("address")
	case "emergency":
		return lang.L("emergency contact")
	case "language":
		return lang.L("language")
	case "deceased":
		return lang.L("deceased")
	case "deceasedDate":
		return lang.L("deceased date")
	case "mergedInto":
		return lang.L("merged into")
	case "code":
		return lang.L("code")
	case "description":
		return lang.L("description")
	case "onset":
		return lang.L("onset")
	case "status":
		return lang.L("status")
	case "note":
		return lang.L("note")
	case "codings":
		return lang.L("codings")
	case "substance":
		return lang.L("substance")
	case "reaction":
		return lang.L("reaction")
	case "severity":
		return lang.L("severity")
	case "reactionCodings":
		return lang.L("reaction codings")
	case "name":
		return lang.L("name")
	case "dose":
		return lang.L("dose")
	case "route":
		return lang.L("route")
	case "frequency":
		return lang.L("frequency")
	case "start":
		return lang.L("start")
	case "stop":
		return lang.L("stop")
	case "ordered":
		return lang.L("ordered")
	case "date":
		return lang.L("date")
	case "clinicianId":
		return lang.L("clinician's user ID")
	case "clinician":
		return lang.L("clinician")
	case "reason":
		return lang.L("reason")
	case "subjective":
		return lang.L("subjective")
	case "objective":
		return lang.L("objective")
	case "assessment":
		return lang.L("assessment")
	case "plan":
		return lang.L("plan")
	case "diagnoses":
		return lang.L("diagnoses")
	case "procedures":
		return lang.L("procedures")
	case "signed":
		return lang.L("signed")
	case "signedBy":
		return lang.L("signed by")
	case "signedById":
		return lang.L("signer's user ID")
	case "signedAt":
		return lang.L("signed at")
	case "reasonCodings":
		return lang.L("reason codings")
	case "importedFrom":
		return lang.L("imported from")
	case "importedAt":
		return lang.L("imported at")
	case "target":
		return lang.L("target")
	case "text":
		return lang.L("text")
	case "author":
		return lang.L("author")
	case "authorId":
		return lang.L("author id")
	case "at":
		return lang.L("at")
	case "request":
		return lang.L("request")
	case "taken":
		return lang.L("taken")
	case "systolic":
		return lang.L("systolic")
	case "diastolic":
		return lang.L("diastolic")
	case "pulse":
		return lang.L("pulse")
	case "tempC":
		return lang.L("temperature (°C)")
	case "weightKg":
		return lang.L("weight (kg)")
	case "heightCm":
		return lang.L("height (cm)")
	case "spo2":
		return lang.L("SpO2")
	case "resp":
		return lang.L("resp")
	case "headCm":
		return lang.L("head cm")
	case "bmi":
		return lang.L("bmi")
	case "vaccine":
		return lang.L("vaccine")
	case "lot":
		return lang.L("lot")
	case "site":
		return lang.L("site")
	case "category":
		return lang.L("category")
	case "value":
		return lang.L("value")
	case "comparator":
		return lang.L("comparator")
	case "unit":
		return lang.L("unit")
	case "unitCode":
		return lang.L("unit code")
	case "valueCodings":
		return lang.L("value codings")
	case "low":
		return lang.L("low")
	case "high":
		return lang.L("high")
	case "rangeText":
		return lang.L("range text")
	case "flag":
		return lang.L("flag")
	case "flagGiven":
		return lang.L("flag given")
	case "parts":
		return lang.L("parts")
	case "kind":
		return lang.L("kind")
	case "end":
		return lang.L("end")
	case "title":
		return lang.L("title")
	case "categoryCodings":
		return lang.L("category codings")
	case "conclusion":
		return lang.L("conclusion")
	case "contentType":
		return lang.L("content type")
	case "results":
		return lang.L("results")
	case "items":
		return lang.L("items")
	case "clinicalDate":
		return lang.L("clinical date")
	case "blob":
		return lang.L("blob")
	case "size":
		return lang.L("size")
	case "pages":
		return lang.L("pages")
	case "source":
		return lang.L("source")
	case "received":
		return lang.L("received")
	case "filedBy":
		return lang.L("filed by")
	case "filedAt":
		return lang.L("filed at")
	case "sealed":
		return lang.L("sealed")
	case "recordedAt":
		return lang.L("recorded at")
	case "recordedBy":
		return lang.L("recorded by")
	case "superseded":
		return lang.L("superseded")
	}
	return f.Label
}

// track follows the choices and the typed reason as a form: leaving with
// changes asks first, and they are kept as a draft (a lock brings the
// screen back with them).
func (v *conflictView) track(who string, back func()) {
	c := v.c
	v.t = newTracker(v.s, draftKey("conflict", c.Patient.ID, c.ID), fmt.Sprintf(lang.L("the review of the %s of %s"), conflictWhat(c.What), who), c.Patient.ID)
	for _, f := range c.Fields {
		if !f.Differs || f.Locked {
			continue
		}
		key := f.Key
		v.t.value("pick "+key, func() string { return strconv.Itoa(v.picks[key]) }, func(s string) {
			i, err := strconv.Atoi(s)
			if cs := v.checks[key]; err == nil && i >= 0 && i < len(cs) && cs[i] != nil {
				cs[i].SetChecked(true)
			}
		})
	}
	if v.reason != nil {
		v.reason.onEscape = back
		v.t.entry("reason", v.reason)
	}
	v.t.save = func() error {
		err := v.saveResolution()
		if err != nil {
			setError(v.msg, sentence(err))
		}
		return err
	}
	v.t.start()
}

// versionTitle heads a version's column: who, where, when.
func versionTitle(i int, ver chart.ConflictVersion) string {
	parts := []string{fmt.Sprintf(lang.L("Version %d"), i+1)}
	if ver.Shown {
		parts[0] = fmt.Sprintf(lang.L("Version %d (shown)"), i+1)
	}
	parts = append(parts, ver.Author, showWhen(ver.At))
	if ver.Signed {
		parts = append(parts, lang.L("signed"))
	}
	if ver.Deleted {
		parts = append(parts, fmt.Sprintf(lang.L("deleted: %s"), ver.Reason))
	}
	return strings.Join(parts, "\n")
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// choice is one version's value of a differing field, ticked when it is
// the one to keep; ticking it unticks the others of the field.
func (v *conflictView) choice(f chart.ConflictField, i int) fyne.CanvasObject {
	ch := &widget.Check{Text: orDash(f.Values[i]), Checked: v.picks[f.Key] == i}
	ch.OnChanged = func(on bool) {
		v.s.touch()
		if !on {
			if v.picks[f.Key] == i {
				ch.SetChecked(true) // one value is always chosen
			}
			return
		}
		changed := v.picks[f.Key] != i
		v.picks[f.Key] = i
		for j, other := range v.checks[f.Key] {
			if j != i && other != nil && other.Checked {
				other.SetChecked(false)
			}
		}
		if changed && v.t != nil {
			v.t.changed()
		}
	}
	if f.Locked {
		ch.Disable()
	}
	for len(v.checks[f.Key]) <= i {
		v.checks[f.Key] = append(v.checks[f.Key], nil)
	}
	v.checks[f.Key][i] = ch
	return ch
}

func (v *conflictView) versions() []string {
	out := make([]string, len(v.c.Versions))
	for i, ver := range v.c.Versions {
		out[i] = ver.Rev
	}
	return out
}

func (v *conflictView) resolve() {
	v.s.touch()
	if err := v.t.Save(); err != nil {
		return // the screen says why
	}
	v.done()
}

// saveResolution resolves with the values ticked.
func (v *conflictView) saveResolution() error {
	choose := map[string]string{}
	for key, i := range v.picks {
		choose[key] = v.c.Versions[i].Rev
	}
	return v.s.svc.ResolveConflict(v.c.ID, chart.Resolution{Versions: v.versions(), Choose: choose})
}

func (v *conflictView) keepDeletion() {
	v.s.touch()
	err := v.s.svc.ResolveConflict(v.c.ID, chart.Resolution{Versions: v.versions(), Delete: true, Reason: v.reason.Text})
	if err != nil {
		setError(v.msg, sentence(err))
		return
	}
	v.t.drop()
	v.done()
}

// conflictQueue shows the review queue in the detail pane, for any role
// that may resolve something (clinicians and front desk included: the
// queue holds only what the signed-in user may resolve).
func (s *session) conflictQueue() {
	s.touch()
	if s.asked(s.conflictQueue) {
		return
	}
	s.chart, s.adm = nil, nil
	s.refreshConflicts()
	items, err := s.svc.ConflictQueue()
	box := container.NewVBox(heading(lang.L("Records changed on two workstations at once")))
	switch {
	case err != nil:
		box.Add(paragraph(sentence(err)))
	case len(items) == 0:
		box.Add(paragraph(lang.L("Nothing waiting.")))
	}
	for _, it := range items {
		patient := lang.L("no chart")
		if it.Patient.ID != "" {
			patient = ordered(fmt.Sprintf(lang.L("%s (MRN %s)"), it.Patient.Name(), it.Patient.MRN))
		}
		box.Add(container.NewBorder(nil, nil, nil,
			&widget.Button{Text: lang.L("Review…"), OnTapped: func() { s.reviewConflict(it.ID) }},
			&widget.Label{Text: conflictLine(it, patient), Wrapping: fyne.TextWrapWord}))
	}
	s.showDetail(scroll(box))
}

// reviewConflict shows the review screen in the detail pane.
func (s *session) reviewConflict(id string) {
	s.touch()
	if s.asked(func() { s.reviewConflict(id) }) {
		return
	}
	v, err := newConflictView(s, id, s.conflictQueue)
	if err != nil {
		showError(s.ws.win, lang.L("The record could not be opened"), err)
		s.conflictQueue()
		return
	}
	s.showDetail(v.content())
}

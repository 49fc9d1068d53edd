package ui

import (
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
)

// Unsaved changes and drafts (see docs/UI.md).
//
// Every form that edits a record keeps a tracker: it knows the form's
// fields as they were when the form opened, so it knows whether the form
// holds unsaved changes, and it keeps what is typed as the signed-in user's
// draft (chart.Service.SaveDraft) a few seconds after the last change and
// when the workstation locks. The session holds the one open form; every
// way of leaving it (Escape, Cancel, Ctrl+N, opening another patient or
// screen, signing out, closing the window) goes through session.leave,
// which asks before discarding changes. Locking never asks: it keeps the
// draft, and the form comes back with it at the next sign-in.

// editForm is what the workstation asks of a form that edits a record.
// *tracker implements it; each form fills its tracker with its fields and
// its save function.
type editForm interface {
	Dirty() bool      // it holds changes that are not saved
	Save() error      // stores them; on failure the form shows why and stays
	Describe() string // what the changes are to: "the visit note for Okafor, Chidi"
}

var _ editForm = (*tracker)(nil)

// draftDelay is how long after the last change a form's draft is written.
var draftDelay = 3 * time.Second

// afterDelay calls fn on the UI goroutine once d has passed, unless stop
// is called first. Tests replace it to write drafts when they choose.
var afterDelay = func(d time.Duration, fn func()) (stop func()) {
	t := time.AfterFunc(d, func() { fyne.Do(fn) })
	return func() { t.Stop() }
}

// draftKey names the draft of a form: the form, the patient and the record
// it edits ("new" for a record not saved yet). IDs only, no patient data.
func draftKey(form, patient, record string) string {
	if record == "" {
		record = "new"
	}
	if patient == "" {
		patient = "-"
	}
	return form + "/" + patient + "/" + record
}

// splitDraftKey is the reverse of draftKey.
func splitDraftKey(key string) (form, patient, record string, ok bool) {
	parts := strings.Split(key, "/")
	if len(parts) != 3 {
		return "", "", "", false
	}
	form, patient, record = parts[0], parts[1], parts[2]
	if patient == "-" {
		patient = ""
	}
	if record == "new" {
		record = ""
	}
	return form, patient, record, true
}

// field is one value of a form, as a draft keeps it.
type field struct {
	name    string
	get     func() string
	set     func(string)
	initial string
}

// tracker follows one form's unsaved changes and keeps its draft.
type tracker struct {
	s       *session
	key     string
	what    string
	patient string
	fields  []field
	save    func() error // stores the record; shows errors in the form
	banner  *widget.Label
	gen     int    // counts changes; a pending write is for one
	stop    func() // cancels the pending write
	written bool   // a draft of this form is in the store
	closed  bool   // the form is gone: no more writes
	filling bool   // fields are being set from a draft
	saved   bool   // Save stored the record (the form's way out shows it)
	noDraft bool   // the form asks before its changes go but keeps no draft (settings forms open from their first change)
}

// newTracker makes the tracker of a form: key from draftKey, what the form
// edits in words, and the patient it is about ("" for none).
func newTracker(s *session, key, what, patient string) *tracker {
	b := &widget.Label{Importance: widget.WarningImportance, Wrapping: fyne.TextWrapWord}
	b.Hide()
	return &tracker{s: s, key: key, what: what, patient: patient, banner: b}
}

// entry follows a text entry; call it once the entry holds the record's
// value and its own OnChanged is set.
func (t *tracker) entry(name string, e *entry) {
	prev := e.OnChanged
	e.OnChanged = func(s string) {
		if prev != nil {
			prev(s)
		}
		t.changed()
	}
	t.fields = append(t.fields, field{name: name, get: func() string { return e.Text }, set: e.SetText, initial: e.Text})
}

// choice follows a selection.
func (t *tracker) choice(name string, sel *widget.Select) {
	prev := sel.OnChanged
	sel.OnChanged = func(s string) {
		if prev != nil {
			prev(s)
		}
		t.changed()
	}
	t.fields = append(t.fields, field{name: name, get: func() string { return sel.Selected }, set: sel.SetSelected, initial: sel.Selected})
}

// value follows a value the form keeps itself; the form calls changed
// when it changes.
func (t *tracker) value(name string, get func() string, set func(string)) {
	t.fields = append(t.fields, field{name: name, get: get, set: set, initial: get()})
}

// start makes t the session's open form and puts back the user's draft of
// it, if there is one, with a line saying so.
func (t *tracker) start() {
	if old := t.s.form; old != nil && old != t {
		old.close() // replaced without being left: its draft stays
	}
	t.s.form = t
	if t.noDraft {
		return
	}
	d, ok, err := t.s.svc.Draft(t.key)
	if err != nil {
		fyne.LogError("reading the draft "+t.key, err)
	}
	if !ok {
		return
	}
	t.filling = true
	for _, f := range t.fields {
		if v, ok := d.Fields[f.name]; ok && v != f.get() {
			f.set(v)
		}
	}
	t.filling = false
	t.written = true
	t.banner.SetText("Draft restored from " + draftTime(d.Saved) + " — not yet saved")
	t.banner.Show()
}

// draftTime is "14:32" today, "2026-03-01 14:32" another day.
func draftTime(at time.Time) string {
	at = at.Local()
	if y, m, d := at.Date(); y == now().Year() && m == now().Month() && d == now().Day() {
		return at.Format("15:04")
	}
	return showDateTime(at.Format("2006-01-02 15:04"))
}

// Dirty reports whether a field differs from the record as it was opened.
func (t *tracker) Dirty() bool {
	for _, f := range t.fields {
		if f.get() != f.initial {
			return true
		}
	}
	return false
}

// Save stores the record; once stored, the draft is removed.
func (t *tracker) Save() error {
	if err := t.save(); err != nil {
		return err
	}
	t.saved = true
	t.drop()
	return nil
}

// Describe says what the changes are to.
func (t *tracker) Describe() string { return t.what }

// changed schedules a draft write draftDelay after the last change.
func (t *tracker) changed() {
	if t.closed || t.filling {
		return
	}
	if t.noDraft {
		t.activate()
		return
	}
	t.gen++
	if t.stop != nil {
		t.stop()
	}
	g := t.gen
	t.stop = afterDelay(draftDelay, func() {
		if t.gen == g && !t.closed {
			t.writeDraft()
		}
	})
}

// writeDraft keeps the form's fields as the user's draft, or removes the
// draft once the form holds the record as it was.
func (t *tracker) writeDraft() {
	if t.closed || t.noDraft {
		return
	}
	var err error
	switch {
	case t.Dirty():
		d := chart.Draft{Key: t.key, Patient: t.patient, Fields: map[string]string{}}
		for _, f := range t.fields {
			d.Fields[f.name] = f.get()
		}
		if err = t.s.svc.SaveDraft(d); err == nil {
			t.written = true
		}
	case t.written:
		if err = t.s.svc.DiscardDraft(t.key); err == nil {
			t.written = false
		}
	}
	if err != nil {
		fyne.LogError("keeping the draft "+t.key, err)
	}
}

// keep writes the draft now and closes the tracker, leaving the draft in
// the store (the workstation locks or stops).
func (t *tracker) keep() {
	if t.closed {
		return
	}
	t.writeDraft()
	t.close()
}

// drop closes the tracker and removes its draft: the changes were saved
// or discarded.
func (t *tracker) drop() {
	t.close()
	if t.written {
		if err := t.s.svc.DiscardDraft(t.key); err != nil {
			fyne.LogError("removing the draft "+t.key, err)
		} else {
			t.written = false
		}
	}
	if t.s.form == t {
		t.s.form = nil
	}
}

// close stops the pending write.
func (t *tracker) close() {
	t.closed = true
	if t.stop != nil {
		t.stop()
		t.stop = nil
	}
}

// leave runs then once the open form may be left: at once when it holds no
// unsaved changes (its draft, if any, is removed), else after the person
// chose to save or discard them. Keep editing leaves everything as it is.
func (s *session) leave(then func()) {
	if !s.asked(then) {
		then()
	}
}

// asked is leave for a function that is itself a way out of the form: it
// reports true when the question was asked, and then is called once it is
// answered, when the form is gone. Callers begin with
//
//	if s.asked(func() { s.openChart(id) }) { return }
func (s *session) asked(then func()) bool {
	f := s.form
	if f == nil {
		return false
	}
	if !f.Dirty() {
		f.drop()
		return false
	}
	if s.asking {
		return true
	}
	s.asking = true
	ask := askDiscard
	if f.save == nil {
		ask = askDiscardOnly // nothing a Save could do (a merge must choose its direction)
	}
	ask(s.ws.win, f.Describe(), func(c leaveChoice) {
		s.asking = false
		if s.ws.sess != s {
			return // locked meanwhile
		}
		switch c {
		case leaveSave:
			if err := f.Save(); err != nil {
				return // the form shows why
			}
		case leaveDiscard:
			f.drop()
		default:
			return
		}
		then()
	})
	return true
}

// keepDraft writes the open form's draft now, for a lock or a stop.
func (s *session) keepDraft() {
	if s.form != nil {
		s.form.keep()
		s.form = nil
	}
}

type leaveChoice int

const (
	leaveKeepEditing leaveChoice = iota
	leaveSave
	leaveDiscard
)

// askDiscard asks "Discard your changes to …?" with Save, Discard and
// Keep editing.
func askDiscard(w fyne.Window, what string, answer func(leaveChoice)) {
	choose := func(c leaveChoice) func() { return func() { answer(c) } }
	msg := paragraph("Save stores them now. Discard throws them away. Keep editing goes back to the form.")
	// Escape keeps editing; Enter saves.
	d := openModal(w, "Discard your changes to "+what+"?", container.NewPadded(msg),
		&action{text: "Keep editing", do: choose(leaveKeepEditing)},
		&action{text: "Save", icon: theme.DocumentSaveIcon(), imp: widget.HighImportance, do: choose(leaveSave)},
		&action{text: "Discard", icon: theme.DeleteIcon(), imp: widget.DangerImportance, do: choose(leaveDiscard)})
	d.d.Resize(fyne.NewSize(520, 0))
}

// restoreDraft reopens the form of the signed-in user's most recent draft,
// which puts the draft back in it: after a lock, a crash or a power cut the
// work is where it was left.
func (s *session) restoreDraft() {
	ds, err := s.svc.Drafts()
	if err != nil {
		fyne.LogError("listing drafts", err)
		return
	}
	for _, d := range ds {
		if s.reopenDraft(d.Key) {
			return
		}
	}
}

// reopenDraft opens the form a draft was typed in; it reports false when
// the form is not there any more (the record was signed or deleted).
func (s *session) reopenDraft(key string) bool {
	form, patient, record, ok := splitDraftKey(key)
	if !ok {
		return false
	}
	if form == "register" {
		s.register()
		return s.form != nil
	}
	if form == "conflict" {
		s.reviewConflict(record)
		return s.form != nil && s.form.key == key
	}
	if patient == "" {
		return false
	}
	s.openChart(patient)
	v := s.chart
	if v == nil || v.c.Patient.ID != patient {
		return false
	}
	switch form {
	case "patient":
		if !chart.Allowed(s.user.Role, chart.WriteDemographics) {
			return false
		}
		v.editDemographics()
	case "codes", "amend":
		if v.clinicalHidden() {
			return false
		}
		v.tabs.SelectIndex(tabVisits)
		for _, visit := range v.c.Visits {
			if visit.ID != record {
				continue
			}
			if form == "codes" && chart.Allowed(s.user.Role, chart.WriteCodes) {
				v.codeVisit(visit)
			} else if form == "amend" && visit.Signed && chart.Allowed(s.user.Role, chart.SignVisit) {
				v.showSigned(visit)
				v.amend(visit)
			}
		}
	case "breakglass":
		// The chart's break-glass prompt took the draft back when it
		// opened; show it.
		if v.clinicalHidden() {
			v.tabs.SelectIndex(tabProblems)
		}
	case "visit":
		if v.clinicalHidden() {
			return false
		}
		v.tabs.SelectIndex(tabVisits)
		if record == "" {
			if !chart.Allowed(s.user.Role, chart.WriteClinical) || v.c.BreakGlass {
				return false
			}
			v.newVisit()
			break
		}
		for _, visit := range v.c.Visits {
			if visit.ID == record && !visit.Signed {
				v.openVisit(visit)
			}
		}
	default:
		tab, ok := formTabs[form]
		sec := v.sections[tab]
		if !ok || sec == nil || sec.edit == nil {
			return false
		}
		i := -1
		if record != "" {
			if i = slices.Index(v.recordIDs(tab), record); i < 0 {
				return false
			}
		}
		v.tabs.SelectIndex(tab)
		sec.edit(i)
	}
	return s.form != nil && s.form.key == key
}

// formTabs are the chart tabs whose editors keep drafts, by form name.
var formTabs = map[string]int{
	"problem": tabProblems, "allergy": tabAllergies, "medication": tabMedications,
	"vitals": tabVitals, "immunization": tabImmunizations,
}

// recordIDs are the IDs of the records a tab lists, in its order.
func (v *chartView) recordIDs(tab int) []string {
	var ids []string
	switch tab {
	case tabProblems:
		for _, r := range v.c.Problems {
			ids = append(ids, r.ID)
		}
	case tabAllergies:
		for _, r := range v.c.Allergies {
			ids = append(ids, r.ID)
		}
	case tabMedications:
		for _, r := range v.c.Medications {
			ids = append(ids, r.ID)
		}
	case tabVitals:
		for _, r := range v.c.Vitals {
			ids = append(ids, r.ID)
		}
	case tabImmunizations:
		for _, r := range v.c.Immunizations {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// closeWindow is the window's close button: it asks before discarding
// unsaved changes, then closes.
func (ws *workstation) closeWindow() {
	if s := ws.sess; s != nil {
		s.leave(ws.win.Close)
		return
	}
	ws.win.Close()
}

// glassPrompt is the break-glass reason of a chart whose clinical tabs
// the role does not reach: every such tab shows the prompt, each with its
// own entry, all holding the same text, followed by one tracker.
type glassPrompt struct {
	t       *tracker
	entries []*entry
	forms   []*form
	syncing bool
}

func (g *glassPrompt) text() string {
	if len(g.entries) == 0 {
		return ""
	}
	return g.entries[0].Text
}

func (g *glassPrompt) setAll(text string) {
	g.syncing = true
	defer func() { g.syncing = false }()
	for _, e := range g.entries {
		if e.Text != text {
			e.SetText(text)
		}
	}
}

// breakGlassForm tracks the reason typed on a chart's break-glass prompt:
// leaving with a reason typed asks first, and the reason is kept as the
// user's draft and comes back when the chart opens again. It returns the
// tracker and the line saying a draft came back, for this prompt.
func (v *chartView) breakGlassForm(reason *entry, f *form) (*tracker, fyne.CanvasObject) {
	p := v.c.Patient
	g := v.glass
	first := g == nil
	if first {
		g = &glassPrompt{}
		v.glass = g
		g.t = newTracker(v.s, draftKey("breakglass", p.ID, ""), "the break-glass reason for "+p.Name(), p.ID)
		g.t.value("reason", g.text, g.setAll)
		g.t.save = func() error {
			_, err := v.s.svc.OpenBreakGlass(p.ID, g.text())
			for _, f := range g.forms {
				if err != nil {
					f.show(err)
				}
			}
			return err
		}
	} else {
		reason.SetText(g.text())
	}
	g.entries, g.forms = append(g.entries, reason), append(g.forms, f)
	reason.OnChanged = func(s string) {
		if g.syncing {
			return
		}
		g.setAll(s)
		g.t.changed()
	}
	if first {
		g.t.start()
	}
	banner := &widget.Label{Text: g.t.banner.Text, Importance: widget.WarningImportance, Wrapping: fyne.TextWrapWord}
	if !g.t.banner.Visible() {
		banner.Hide()
	}
	return g.t, banner
}

// newSettingsTracker is the tracker of a form that changes settings or
// users rather than a chart record (Administration): it knows when the
// form holds unsaved changes, so every way out asks first, but keeps no
// draft (passwords never go into one). Several such forms stand on one
// screen, so each becomes the session's open form at its first change,
// unless another form there holds changes already.
func newSettingsTracker(s *session, what string) *tracker {
	t := newTracker(s, "", what, "")
	t.noDraft = true
	return t
}

// activate makes a settings form the session's open form.
func (t *tracker) activate() {
	old := t.s.form
	if old == t {
		return
	}
	if old != nil {
		if old.Dirty() {
			return
		}
		old.drop()
	}
	t.s.form = t
}

// rebase makes what a settings form holds its stored state, after a save
// that leaves the form on the screen: it follows changes again from there.
func (t *tracker) rebase() {
	for i := range t.fields {
		t.fields[i].initial = t.fields[i].get()
	}
	t.closed, t.saved = false, false
}

// askDiscardOnly asks "Discard your changes to …?" with Discard and Keep
// editing, for a form where Save would not say what to do.
func askDiscardOnly(w fyne.Window, what string, answer func(leaveChoice)) {
	d := openModal(w, "Discard your changes to "+what+"?",
		container.NewPadded(paragraph("Discard throws them away. Keep editing goes back to the form.")),
		&action{text: "Keep editing", do: func() { answer(leaveKeepEditing) }},
		&action{text: "Discard", icon: theme.DeleteIcon(), imp: widget.DangerImportance, do: func() { answer(leaveDiscard) }})
	d.d.Resize(fyne.NewSize(520, 0))
}

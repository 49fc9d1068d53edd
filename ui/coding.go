package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/internal/plain"
)

// visitCoder assigns a visit's diagnosis codes (one of them primary) and
// procedures, for clinicians and medical coders, signed visit or not. The
// codes are searched in the practice's ICD-10-CM table; without a table,
// Enter adds the code as typed and the service checks its form.
type visitCoder struct {
	s       *session
	patient string // the patient's ID
	name    string // and name
	visit   chart.Visit
	// done leaves the codes: after they were saved (saved true), or when
	// the person cancels, once the unsaved changes were dealt with.
	done    func(saved bool)
	diags   []chart.Diagnosis
	procs   []chart.Procedure
	search  *entry
	matches *fyne.Container
	rows    *fyne.Container
	general *widget.Label
	rowErrs map[string]string // field errors of the last save, by field
	t       *tracker          // unsaved changes and the draft (drafts.go)
}

// codesDraft is how the codes are kept in a draft.
type codesDraft struct {
	Diagnoses  []chart.Diagnosis `json:"diagnoses"`
	Procedures []chart.Procedure `json:"procedures"`
}

func (v *chartView) codeVisit(visit chart.Visit) {
	c := newVisitCoder(v.s, visit, v.c.Patient.ID, v.c.Patient.Name())
	c.done = func(saved bool) {
		if saved {
			v.reopen(visit.ID)
			return
		}
		v.openVisit(visit)
	}
	v.setVisitPane(scroll(c.form(heading(fmt.Sprintf(lang.L("Codes of the visit of %s: %s"), showDate(visit.Date), visit.Reason)),
		&widget.Button{Text: lang.L("Save codes"), Icon: theme.DocumentSaveIcon(), Importance: widget.HighImportance, OnTapped: c.save},
		&widget.Button{Text: lang.L("Add procedure"), Icon: theme.ContentAddIcon(), OnTapped: c.addProcedure},
		&widget.Button{Text: lang.L("Cancel"), OnTapped: c.cancel},
	)))
	c.start()
}

// newVisitCoder makes the codes form of a visit of the patient with this
// ID and name; set done, show form's content, then call start.
func newVisitCoder(s *session, visit chart.Visit, patientID, patientName string) *visitCoder {
	s.touch()
	c := &visitCoder{s: s, patient: patientID, name: patientName, visit: visit, general: errorLabel(), rowErrs: map[string]string{}}
	c.diags = append([]chart.Diagnosis(nil), visit.Diagnoses...)
	c.procs = append([]chart.Procedure(nil), visit.Procedures...)
	c.search = newEntry(lang.L("find a diagnosis: code or words, Enter adds it"))
	c.search.onActivity = s.touch
	c.search.onEscape = c.cancel
	c.search.OnChanged = c.onSearch
	c.search.OnSubmitted = c.onSubmitted
	c.matches = container.NewVBox()
	c.rows = container.NewVBox()
	c.t = newTracker(s, draftKey("codes", patientID, visit.ID), fmt.Sprintf(lang.L("the codes of the visit of %s for %s"), showDate(visit.Date), patientName), patientID)
	c.refresh()
	return c
}

// form is the codes form under title, with buttons at the end.
func (c *visitCoder) form(title fyne.CanvasObject, buttons ...fyne.CanvasObject) fyne.CanvasObject {
	return container.NewVBox(
		title,
		c.t.banner,
		paragraph(fmt.Sprintf(lang.L("Clinician: %s."), c.visit.Clinician)+" "+signedText(c.visit)),
		c.s.codeTableNotice(), c.search, c.matches, widget.NewSeparator(), c.rows, c.general,
		container.New(layout.NewRowWrapLayout(), buttons...),
	)
}

// start makes the form the session's open form (putting back a draft of
// it) and puts the cursor in the search.
func (c *visitCoder) start() {
	c.t.value("codes", c.encode, c.decode)
	c.t.save = c.store
	c.t.start()
	c.s.ws.win.Canvas().Focus(c.search)
}

// cancel leaves the codes, asking first when they changed.
func (c *visitCoder) cancel() {
	c.s.touch()
	c.s.leave(func() { c.done(c.t.saved) })
}

// encode writes the codes as chosen so far, for the draft.
func (c *visitCoder) encode() string {
	b, _ := json.Marshal(codesDraft{Diagnoses: c.diags, Procedures: c.procs})
	return string(b)
}

// decode puts back codes from a draft.
func (c *visitCoder) decode(s string) {
	var d codesDraft
	if json.Unmarshal([]byte(s), &d) != nil {
		return
	}
	c.diags, c.procs = d.Diagnoses, d.Procedures
	c.refresh()
}

func signedText(v chart.Visit) string {
	if v.Signed {
		return fmt.Sprintf(lang.L("Signed by %s."), v.SignedBy)
	}
	return lang.L("Not signed yet.")
}

func (c *visitCoder) onSearch(q string) {
	c.matches.Objects = nil
	if len(strings.TrimSpace(q)) >= 2 {
		for _, code := range c.s.svc.SearchCodes(q, 8) {
			c.matches.Add(&widget.Button{Text: code.Dotted() + "  " + code.Description, Alignment: widget.ButtonAlignLeading,
				OnTapped: func() { c.addDiagnosis(code.Code, code.Description) }})
		}
	}
	c.matches.Refresh()
}

// onSubmitted adds the first match, or the code as typed.
func (c *visitCoder) onSubmitted(q string) {
	q = strings.TrimSpace(q)
	if q == "" {
		c.save()
		return
	}
	if found := c.s.svc.SearchCodes(q, 1); len(found) > 0 {
		c.addDiagnosis(found[0].Code, found[0].Description)
		return
	}
	c.addDiagnosis(strings.ToUpper(q), "")
}

// addDiagnosis adds a code; the first one becomes the primary.
func (c *visitCoder) addDiagnosis(code, desc string) {
	c.s.touch()
	primary := true
	for _, d := range c.diags {
		primary = primary && !d.Primary
	}
	c.diags = append(c.diags, chart.Diagnosis{Code: code, Description: desc, Primary: primary})
	c.search.SetText("")
	c.refresh()
	c.s.ws.win.Canvas().Focus(c.search)
}

func (c *visitCoder) addProcedure() {
	c.procs = append(c.procs, chart.Procedure{})
	c.refresh()
}

// refresh rebuilds the rows of diagnoses and procedures, with the field
// errors of the last save under them.
func (c *visitCoder) refresh() {
	c.rows.Objects = nil
	if len(c.diags) == 0 {
		c.rows.Add(paragraph(lang.L("No diagnosis codes yet.")))
	}
	for i := range c.diags {
		d := &c.diags[i]
		primary := widget.NewCheck(lang.L("Primary"), nil)
		primary.SetChecked(d.Primary)
		primary.OnChanged = func(on bool) {
			// One primary: choosing one releases the others.
			for j := range c.diags {
				c.diags[j].Primary = on && j == i
			}
			c.refresh()
		}
		remove := &widget.Button{Icon: theme.DeleteIcon(), Importance: widget.LowImportance, OnTapped: func() {
			c.diags = append(c.diags[:i], c.diags[i+1:]...)
			c.refresh()
		}}
		label := &widget.Label{Text: codeText(d.Code) + "  " + d.Description, Wrapping: fyne.TextWrapWord}
		c.rows.Add(container.NewBorder(nil, nil, nil, container.NewHBox(primary, remove), label))
		c.rowError(fmt.Sprintf("diagnoses[%d].code", i+1))
	}
	c.rowError("diagnoses")
	if len(c.procs) > 0 {
		c.rows.Add(&widget.Label{Text: lang.L("Procedures"), TextStyle: fyne.TextStyle{Bold: true}})
	}
	for i := range c.procs {
		p := &c.procs[i]
		code := newEntry(lang.L("code (optional)"))
		code.SetText(p.Code)
		code.OnChanged = func(s string) { p.Code = s; c.t.changed() }
		desc := newEntry(lang.L("what was done"))
		desc.SetText(p.Description)
		desc.OnChanged = func(s string) { p.Description = s; c.t.changed() }
		for _, e := range []*entry{code, desc} {
			e.onActivity = c.s.touch
			e.onEscape = c.cancel
			e.OnSubmitted = func(string) { c.save() }
		}
		remove := &widget.Button{Icon: theme.DeleteIcon(), Importance: widget.LowImportance, OnTapped: func() {
			c.procs = append(c.procs[:i], c.procs[i+1:]...)
			c.refresh()
		}}
		c.rows.Add(container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(160, code.MinSize().Height), code), remove, desc))
		c.rowError(fmt.Sprintf("procedures[%d].description", i+1))
	}
	c.rows.Refresh()
	c.t.changed()
}

// rowError shows the message of the last save for a field, if any.
func (c *visitCoder) rowError(field string) {
	if msg, ok := c.rowErrs[field]; ok {
		l := errorLabel()
		setError(l, capital(msg)+".")
		c.rows.Add(l)
	}
}

// codeText writes a code with its dot, as people read it (E11.9).
func codeText(code string) string { return chart.CodeText(code) }

// save assigns the codes and leaves the form.
func (c *visitCoder) save() {
	if c.t.Save() == nil {
		c.done(true)
	}
}

// store assigns the codes; errors appear under the rows they name.
func (c *visitCoder) store() error {
	c.s.touch()
	clear(c.rowErrs)
	setError(c.general, "")
	_, err := c.s.svc.SetVisitCodes(c.visit.ID, c.visit.Rev, c.diags, c.procs)
	if err != nil {
		var ve *chart.ValidationError
		if errors.As(err, &ve) {
			for _, fe := range ve.Fields {
				c.rowErrs[fe.Field] = plain.Problem(fe)
			}
		} else {
			setError(c.general, sentence(err))
		}
		c.refresh()
	}
	return err
}

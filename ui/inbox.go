package ui

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/scan"
)

// previewSize is the longest side, in pixels, of an inbox page preview.
const previewSize = 900

// inboxView is the inbox screen: the documents waiting to be filed, the
// files left in the scan folders ("problems"), and for the chosen
// document a page preview with page navigation and the filing form:
// patient (type-ahead), category, clinical date and note; split, turn
// and reject. Content is read once per chosen document (one audited
// view) and held in memory only; pages are drawn off the UI goroutine.
type inboxView struct {
	s    *session
	docs []chart.Document
	list *docList
	sel  int // index into docs, -1 for none

	content []byte // the chosen document's content
	page    int    // 1-based page shown
	img     *canvas.Image
	pageLbl *widget.Label
	title   *widget.Label

	who      *entry
	matches  *fyne.Container
	patient  chart.PatientSummary
	chosen   *widget.Label
	category *widget.Select
	date     *entry
	note     *entry
	msg      *widget.Label // the filing form's general message
	fields   *form
	right    *fyne.Container
	problems *widget.Label
}

// showInbox shows the inbox in the detail pane.
func (s *session) showInbox() {
	s.touch()
	if !chart.Allowed(s.user.Role, chart.FileDocuments) {
		showError(s.ws.win, "The inbox cannot be opened", &chart.PermissionError{Role: s.user.Role, Action: chart.FileDocuments})
		return
	}
	if s.asked(s.showInbox) {
		return
	}
	s.chart, s.adm = nil, nil
	v := &inboxView{s: s, sel: -1}
	if sc := s.scannerOf(); sc != nil {
		sc.onChange = func() {
			if v.list != nil && v.s.detail != nil {
				v.reload()
			}
		}
	}
	s.inboxv = v
	s.showDetail(v.build())
	v.reload()
}

func (v *inboxView) build() fyne.CanvasObject {
	v.list = &docList{}
	v.list.Length = func() int { return len(v.docs) }
	v.list.CreateItem = func() fyne.CanvasObject { return &widget.Label{Truncation: fyne.TextTruncateEllipsis} }
	v.list.UpdateItem = func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(docLine(v.docs[i])) }
	v.list.OnSelected = v.choose
	v.list.ExtendBaseWidget(v.list)
	v.problems = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.WarningImportance}
	top := []fyne.CanvasObject{heading("Inbox: documents to file")}
	if chart.Allowed(v.s.user.Role, chart.Administer) {
		top = append(top, container.New(layout.NewRowWrapLayout(),
			&widget.Button{Text: "Scan folders", Icon: theme.SettingsIcon(), OnTapped: v.s.showFolderSettings},
			&widget.Button{Text: "Rejected documents", Icon: theme.HistoryIcon(), OnTapped: v.showRejected},
		))
	}
	top = append(top, v.problems)
	left := container.NewBorder(container.NewVBox(top...), nil, nil, nil, v.list)
	v.right = container.NewStack(paragraph("Choose a document on the left."))
	split := container.NewHSplit(left, v.right)
	split.Offset = 0.35
	return split
}

// docList is the list of inbox documents.
type docList struct{ widget.List }

// docLine is one inbox row: source file, pages, time received, note.
func docLine(d chart.Document) string {
	src := d.Source
	if src == "" {
		src = "(no file name)"
	}
	pages := "1 page"
	if d.Pages != 1 {
		pages = fmt.Sprintf("%d pages", d.Pages)
	}
	line := fmt.Sprintf("%s · %s · received %s", src, pages, d.Received.Local().Format("2006-01-02 15:04"))
	if d.Note != "" {
		line += " · " + d.Note
	}
	return line
}

// reload reads the inbox and the problems again.
func (v *inboxView) reload() {
	docs, err := v.s.svc.Inbox()
	if err != nil {
		showError(v.s.ws.win, "The inbox could not be read", err)
		return
	}
	keep := ""
	if v.sel >= 0 && v.sel < len(v.docs) {
		keep = v.docs[v.sel].ID
	}
	v.docs = docs
	v.sel = -1
	cb := v.list.OnSelected
	v.list.OnSelected = nil // the chosen document stays as it is shown
	v.list.UnselectAll()
	for i, d := range docs {
		if d.ID == keep {
			v.sel = i
			v.list.Select(i)
		}
	}
	v.list.OnSelected = cb
	v.list.Refresh()
	if v.sel < 0 {
		v.content = nil
		v.right.Objects = []fyne.CanvasObject{paragraph(v.emptyText())}
		v.right.Refresh()
	}
	var lines []string
	sc := v.s.scannerOf()
	if sc != nil {
		lines = append(lines, sc.warnings()...)
		for _, p := range sc.problems() {
			lines = append(lines, fmt.Sprintf("Left in the folder: %s: %s", p.Path, p.Reason))
		}
	}
	v.problems.SetText(strings.Join(lines, "\n"))
	if len(lines) == 0 {
		v.problems.Hide()
	} else {
		v.problems.Show()
	}
	v.s.refreshInbox()
}

func (v *inboxView) emptyText() string {
	if len(v.docs) == 0 {
		return "Nothing to file."
	}
	return "Choose a document on the left."
}

// choose shows document i: reads its content and the first page.
func (v *inboxView) choose(i widget.ListItemID) {
	v.s.touch()
	if i < 0 || i >= len(v.docs) {
		return
	}
	v.sel = i
	d := v.docs[i]
	rc, _, err := v.s.svc.OpenDocument(d.ID)
	if err != nil {
		showError(v.s.ws.win, "The document could not be opened", err)
		return
	}
	v.content, err = io.ReadAll(rc)
	rc.Close()
	if err != nil {
		showError(v.s.ws.win, "The document could not be read", err)
		return
	}
	v.right.Objects = []fyne.CanvasObject{v.detail(d)}
	v.right.Refresh()
	v.showPage(1)
}

func (v *inboxView) detail(d chart.Document) fyne.CanvasObject {
	v.title = &widget.Label{Text: docLine(d), Wrapping: fyne.TextWrapWord, TextStyle: fyne.TextStyle{Bold: true}}
	v.img = &canvas.Image{FillMode: canvas.ImageFillContain}
	v.img.SetMinSize(fyne.NewSize(240, 220)) // it grows into what the filing form leaves
	v.pageLbl = &widget.Label{}
	nav := container.New(layout.NewRowWrapLayout(),
		&widget.Button{Text: "Previous page", Icon: theme.NavigateBackIcon(), OnTapped: func() { v.showPage(v.page - 1) }},
		v.pageLbl,
		&widget.Button{Text: "Next page", Icon: theme.NavigateNextIcon(), OnTapped: func() { v.showPage(v.page + 1) }},
		&widget.Button{Text: "Turn page", Icon: theme.ViewRefreshIcon(), OnTapped: func() { v.rotate(false) }},
		&widget.Button{Text: "Turn all pages", OnTapped: func() { v.rotate(true) }},
	)
	v.who = newEntry("Patient: name, MRN or birth date")
	v.who.OnChanged = v.search
	v.who.onActivity = v.s.touch
	v.matches = container.NewVBox()
	v.chosen = &widget.Label{Text: "No patient chosen."}
	v.patient = chart.PatientSummary{}
	v.category = &widget.Select{Options: categoryTitles()[1:], PlaceHolder: "Category"}
	if d.Category != "" {
		v.category.SetSelected(categoryTitle(d.Category))
	}
	v.date = newEntry("Clinical date, YYYY-MM-DD")
	v.date.SetText(now().Format("2006-01-02"))
	v.note = newEntry("Note (optional)")
	v.note.SetText(d.Note)
	v.fields = newForm()
	v.fields.add("Category", "category", v.category)
	v.fields.add("Clinical date", "clinical date", v.date)
	v.fields.add("Note", "note", v.note)
	v.msg = v.fields.general
	form := container.NewVBox(
		v.who, v.matches, v.chosen,
		v.fields.content(),
		container.New(layout.NewRowWrapLayout(),
			&widget.Button{Text: "File to patient", Icon: theme.ConfirmIcon(), Importance: widget.HighImportance, OnTapped: v.file},
			&widget.Button{Text: "Split…", Icon: theme.ContentCutIcon(), OnTapped: v.split},
			&widget.Button{Text: "Reject…", Icon: theme.CancelIcon(), OnTapped: v.reject},
		),
	)
	// The page fills what the window leaves; on a short window the whole
	// pane scrolls, so the filing buttons are always reachable.
	return container.NewVScroll(container.NewBorder(v.title, container.NewVBox(nav, form), nil, nil, v.img))
}

// showPage draws page n off the UI goroutine.
func (v *inboxView) showPage(n int) {
	v.s.touch()
	if v.sel < 0 || v.content == nil {
		return
	}
	pages := v.docs[v.sel].Pages
	if n < 1 || n > max(pages, 1) {
		return
	}
	v.page = n
	v.pageLbl.SetText(fmt.Sprintf("Page %d of %d", n, pages))
	content, img := v.content, v.img
	runInBackground(func() {
		pic, err := scan.Page(content, n, previewSize)
		if err != nil {
			pic = scan.Placeholder(previewSize)
		}
		fyne.Do(func() {
			if v.img == img && v.page == n {
				img.Image = pic
				img.Refresh()
			}
		})
	})
}

// search offers the first patients matching what was typed.
func (v *inboxView) search(q string) {
	v.s.touch()
	v.matches.RemoveAll()
	if strings.TrimSpace(q) == "" {
		return
	}
	found, err := v.s.svc.Find(q, 6)
	if err != nil {
		setError(v.msg, sentence(err))
		return
	}
	for _, p := range found {
		v.matches.Add(&widget.Button{Text: patientLine(p), Alignment: widget.ButtonAlignLeading, OnTapped: func() {
			v.patient = p
			v.chosen.SetText("File to: " + patientLine(p))
			v.matches.RemoveAll()
		}})
	}
	if len(found) == 0 {
		v.matches.Add(&widget.Label{Text: "No patient matches."})
	}
}

func patientLine(p chart.PatientSummary) string {
	return fmt.Sprintf("%s · MRN %s · born %s", p.Name(), p.MRN, p.DOB)
}

func (v *inboxView) current() (chart.Document, bool) {
	if v.sel < 0 || v.sel >= len(v.docs) {
		return chart.Document{}, false
	}
	return v.docs[v.sel], true
}

// file files the chosen document to the chosen patient.
func (v *inboxView) file() {
	v.s.touch()
	d, ok := v.current()
	if !ok {
		return
	}
	if v.patient.ID == "" {
		v.fields.clear()
		setError(v.msg, "Choose the patient first: type a name, MRN or birth date and pick one.")
		return
	}
	f, err := v.s.svc.FileDocument(d.ID, v.patient.ID, categoryName(v.category.Selected), strings.TrimSpace(v.date.Text), strings.TrimSpace(v.note.Text))
	if err != nil {
		v.fields.show(err)
		return
	}
	v.sel = -1
	v.reload()
	v.right.Objects = []fyne.CanvasObject{paragraph(fmt.Sprintf("Filed %s into the chart of %s.", d.Source, v.patient.Name()))}
	v.right.Refresh()
	_ = f
}

// parseRanges reads "1-2, 3, 4-5".
func parseRanges(s string) ([]chart.PageRange, error) {
	var out []chart.PageRange
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		a, b, dash := strings.Cut(part, "-")
		if !dash {
			a, b, dash = strings.Cut(part, "–")
		}
		first, err1 := strconv.Atoi(a)
		last := first
		var err2 error
		if dash {
			last, err2 = strconv.Atoi(b)
		}
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%q is not a page or page range; write the parts like 1-2, 3, 4-5", part)
		}
		out = append(out, chart.PageRange{First: first, Last: last})
	}
	return out, nil
}

// split asks for the parts and splits the chosen document.
func (v *inboxView) split() {
	v.s.touch()
	d, ok := v.current()
	if !ok {
		return
	}
	parts := newEntry("e.g. 1-2, 3, " + strconv.Itoa(max(d.Pages, 4)-1) + "-" + strconv.Itoa(max(d.Pages, 4)))
	f := newForm()
	f.add("Parts", "parts", parts)
	split := func() bool {
		rs, err := parseRanges(parts.Text)
		if err != nil {
			f.clear()
			setError(f.errs["parts"], capital(err.Error())+".")
			return false
		}
		if _, err = v.s.svc.SplitDocument(scan.Editor{}, d.ID, rs); err != nil {
			f.show(err)
			return false
		}
		v.sel = -1
		v.reload()
		return true
	}
	dlg := askForm(v.s.ws.win, "Split into several documents", f.content(), "Split", "Cancel", split, nil)
	dlg.field(parts)
	dlg.d.Resize(fyne.NewSize(460, 200))
	v.s.ws.win.Canvas().Focus(parts)
}

// reject asks for a reason and rejects the chosen document.
func (v *inboxView) reject() {
	v.s.touch()
	d, ok := v.current()
	if !ok {
		return
	}
	reason := newEntry("Reason, e.g. blank page, scanned twice")
	f := newForm()
	f.add("Reason", "reason", reason)
	rejectIt := func() bool {
		if _, err := v.s.svc.RejectDocument(d.ID, reason.Text); err != nil {
			f.show(err)
			return false
		}
		v.sel = -1
		v.reload()
		return true
	}
	dlg := askForm(v.s.ws.win, "Reject this document", f.content(), "Reject", "Cancel", rejectIt, nil)
	dlg.field(reason)
	dlg.d.Resize(fyne.NewSize(460, 200))
	v.s.ws.win.Canvas().Focus(reason)
}

// rotate turns the page shown (or every page) a quarter clockwise.
func (v *inboxView) rotate(all bool) {
	v.s.touch()
	d, ok := v.current()
	if !ok {
		return
	}
	var pages []int
	if !all {
		pages = []int{v.page}
	}
	page := v.page
	nd, err := v.s.svc.RotatePages(scan.Editor{}, d.ID, 90, pages...)
	if err != nil {
		showError(v.s.ws.win, "The page was not turned", err)
		return
	}
	v.docs[v.sel] = nd
	v.choose(v.sel)
	v.showPage(page)
}

// showRejected lists the documents rejected from the inbox, newest first,
// each with its reason and a way back into the inbox (HIM managers).
func (v *inboxView) showRejected() {
	v.s.touch()
	list, err := v.s.svc.RejectedDocuments()
	if err != nil {
		showError(v.s.ws.win, "The rejected documents could not be read", err)
		return
	}
	rows := container.NewVBox()
	for _, rd := range list {
		line := fmt.Sprintf("%s · rejected %s by %s: %s", docLine(rd.Document), rd.RejectedAt.Local().Format("2006-01-02 15:04"), rd.RejectedBy, rd.Reason)
		rows.Add(container.NewBorder(nil, nil, nil,
			&widget.Button{Text: "Return to inbox", OnTapped: func() {
				if _, err := v.s.svc.ReturnToInbox(rd.ID); err != nil {
					showError(v.s.ws.win, "The document was not returned", err)
					return
				}
				v.showRejected()
				v.s.refreshInbox()
			}},
			&widget.Label{Text: line, Wrapping: fyne.TextWrapWord}))
	}
	if len(list) == 0 {
		rows.Add(&widget.Label{Text: "No document has been rejected."})
	}
	back := &widget.Button{Text: "Back to the inbox", OnTapped: v.s.showInbox}
	v.s.showDetail(container.NewBorder(heading("Rejected documents"), back, nil, nil, container.NewVScroll(rows)))
}

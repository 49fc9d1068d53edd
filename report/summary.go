package report

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"chartkeeper/chart"
	"chartkeeper/internal/words"
)

// Summary prints a patient summary: allergies first and boxed, then
// demographics and identifiers, problems, medications, vitals, the latest
// result of each test (results.go), the recentVisits newest visits (all of them when recentVisits <= 0) with their
// amendments, immunizations and the filed documents. Sections the chart
// hides from the user's role (c.Hidden) say so.
func Summary(w io.Writer, pg Page, c *chart.Chart, recentVisits int) (Warnings, error) {
	if c == nil {
		return nil, errors.New("report: no chart to print")
	}
	d := newDoc(pg.tr("Patient summary"), pg, &c.Patient)
	d.pdf.AddPage()
	s := summary{doc: d, c: c, pg: pg}
	for _, h := range c.Hidden {
		switch h {
		case "clinical":
			s.noClinical = true
		case "clinical documents":
			s.noClinicalDocs = true
		}
	}
	if c.BreakGlass {
		d.setFont(famSans, "B", bodySize)
		d.para(d.tr("Opened with break-glass (emergency) access: this access is flagged for review."))
		d.setFont(famSans, "", bodySize)
	}
	s.allergies()
	s.demographics()
	s.problems()
	s.medications()
	s.vitals()
	s.latestResults()
	s.visits(recentVisits)
	s.procedures()
	s.immunizations()
	s.reports()
	s.documents()
	return d.finish(w)
}

type summary struct {
	*doc
	c                          *chart.Chart
	pg                         Page
	noClinical, noClinicalDocs bool
}

// allergies is a red-headed section framed in a heavy box, first on the
// first page.
func (s *summary) allergies() {
	pdf := s.pdf
	page, top := pdf.PageNo(), pdf.GetY()
	pdf.SetFillColor(170, 20, 20)
	pdf.SetTextColor(255, 255, 255)
	s.setFont(famSans, "B", 12)
	s.cell(s.width(), 7, s.tr("ALLERGIES AND INTOLERANCES"), "", 1, "L", true, 0, "")
	pdf.SetTextColor(0, 0, 0)
	s.setFont(famSans, "", bodySize)
	pdf.Ln(1)
	switch {
	case s.noClinical:
		s.paraAt(marginX+1, s.width()-2, s.tr("Allergies: Not shown for your role. Do not take this as \"no allergies\"."))
	default:
		// The three states: active allergies (the table below), "No known
		// allergies" as a clinician recorded it, or not recorded at all.
		line := ""
		switch s.c.AllergyState() {
		case chart.NoKnownAllergiesState:
			n, _ := s.c.NoKnownAllergy()
			line = fmt.Sprintf(s.tr("No known allergies (recorded %s by %s)."), s.stamp(n.RecordedAt), s.t.line(fNKARecorder, n.RecordedBy))
		case chart.AllergiesNotRecorded:
			line = s.tr("Allergies not recorded.")
		}
		if line != "" {
			s.setFont(famSans, "B", bodySize)
			s.paraAt(marginX+1, s.width()-2, line)
			s.setFont(famSans, "", bodySize)
		}
		if len(s.c.Allergies) == 0 {
			break
		}
		as := slices.Clone(s.c.Allergies)
		slices.SortStableFunc(as, func(a, b chart.Allergy) int { return activeFirst(a.Status, b.Status) })
		t := s.table(column{s.tr("Substance"), 3, "L"}, column{s.tr("Reaction"), 4, "L"}, column{s.tr("Severity"), 1.4, "L"}, column{s.tr("Status"), 1.2, "L"})
		t.fill = [3]int{245, 215, 215}
		for i, a := range as {
			sev := s.coded(s.t.line(item(trLater("allergy %d, severity"), i), a.Severity))
			if strings.EqualFold(a.Severity, "severe") {
				sev = s.tr("SEVERE")
			}
			t.row(s.t.line(item(trLater("allergy %d, substance"), i), a.Substance), s.t.block(item(trLater("allergy %d, reaction"), i), a.Reaction), sev,
				s.coded(s.t.line(item(trLater("allergy %d, status"), i), a.Status)))
		}
	}
	pdf.Ln(1.5)
	if pdf.PageNo() == page {
		pdf.SetLineWidth(0.9)
		pdf.SetDrawColor(170, 20, 20)
		pdf.Rect(marginX-0.5, top-0.5, s.width()+1, pdf.GetY()-top+0.5, "D")
		pdf.SetDrawColor(0, 0, 0)
		pdf.SetLineWidth(0.2)
	}
}

// activeFirst orders records with status "active" before the others.
func activeFirst(a, b string) int {
	ra, rb := strings.EqualFold(a, "active"), strings.EqualFold(b, "active")
	switch {
	case ra && !rb:
		return -1
	case rb && !ra:
		return 1
	}
	return 0
}

func (s *summary) demographics() {
	p := s.c.Patient
	s.heading(s.tr("Patient"))
	kv := func(label string, field field, value string) {
		if strings.TrimSpace(value) == "" {
			return
		}
		s.labelled(label, 38, s.t.line(field, value))
	}
	name := p.Name()
	kv(s.tr("Name"), fPatientName, name)
	kv(s.tr("Preferred name"), fPreferred, p.Preferred)
	born := s.date(p.DOB)
	if day, ok := chart.AgeOn(p.Deceased, p.DeceasedDate, s.pg.PrintedAt); p.DOB != "" && !s.pg.PrintedAt.IsZero() && ok {
		born += " " + fmt.Sprintf(s.tr("(age %d)"), chart.Age(p.DOB, day))
	}
	kv(s.tr("Born"), fBirthDate, born)
	switch {
	case p.DeceasedDate != "":
		kv(s.tr("Died"), fDeathDate, s.date(p.DeceasedDate))
	case p.Deceased:
		kv(s.tr("Died"), fDeathDate, s.tr("yes, date not known"))
	}
	kv(s.tr("Sex"), fSex, s.sexText(p.Sex))
	kv(s.tr("MRN"), fMRN, p.MRN)
	for i, id := range p.Identifiers {
		kv(s.identifierTitle(id.System), item(trLater("identifier %d"), i), id.Value)
	}
	kv(s.tr("Phone"), fPhone, p.Phone)
	a := p.Address
	city := strings.Join(words.NonEmpty(a.PostalCode, a.City), " ")
	kv(s.tr("Address"), fAddress, strings.Join(words.NonEmpty(a.Line, city, a.Region, a.Country), ", "))
	kv(s.tr("Language"), fLanguage, p.Language)
	e := p.Emergency
	contact := e.Name
	if e.Relation != "" {
		contact += " (" + e.Relation + ")"
	}
	if e.Phone != "" {
		contact += ", " + e.Phone
	}
	kv(s.tr("Emergency contact"), fEmergency, contact)
	for i, m := range s.c.Merged {
		kv(s.tr("Merged record"), item(trLater("merged record %d"), i),
			fmt.Sprintf(s.tr("%s, MRN %s, born %s: its chart is included below"), m.Name(), m.MRN, s.date(m.DOB)))
	}
}

// identifierTitle names an identifier system as the summary shows it.
func (d *doc) identifierTitle(system string) string {
	switch system {
	case "national-id":
		return d.tr("National ID")
	case "insurance":
		return d.tr("Insurance number")
	case "passport":
		return d.tr("Passport")
	case "":
		return d.tr("Identifier")
	}
	return system
}

// coded is a value chart takes from a fixed list (a status, a severity,
// a route) in the document's language; any other text prints as it is.
func (d *doc) coded(v string) string {
	switch strings.ToLower(v) {
	case "active":
		return d.tr("active")
	case "inactive":
		return d.tr("inactive")
	case "resolved":
		return d.tr("resolved")
	case "mild":
		return d.tr("mild")
	case "moderate":
		return d.tr("moderate")
	case "severe":
		return d.tr("severe")
	case "unknown":
		return d.tr("unknown")
	case "completed":
		return d.tr("completed")
	case "in-progress":
		return d.tr("in progress")
	case "not-done":
		return d.tr("not done")
	case "stopped":
		return d.tr("stopped")
	case "on-hold":
		return d.tr("on hold")
	case "preparation":
		return d.tr("in preparation")
	case "oral":
		return d.tr("oral")
	case "sublingual":
		return d.tr("sublingual")
	case "topical":
		return d.tr("topical")
	case "inhaled":
		return d.tr("inhaled")
	case "intravenous":
		return d.tr("intravenous")
	case "intramuscular":
		return d.tr("intramuscular")
	case "subcutaneous":
		return d.tr("subcutaneous")
	case "rectal":
		return d.tr("rectal")
	case "vaginal":
		return d.tr("vaginal")
	case "nasal":
		return d.tr("nasal")
	case "ophthalmic":
		return d.tr("ophthalmic")
	case "otic":
		return d.tr("otic")
	case "transdermal":
		return d.tr("transdermal")
	case "other":
		return d.tr("other")
	}
	return v
}

// sexText is a patient's sex as the summary prints it.
func (d *doc) sexText(sex chart.Sex) string {
	switch sex {
	case chart.Female:
		return d.tr("female")
	case chart.Male:
		return d.tr("male")
	case chart.Other:
		return d.tr("other")
	case chart.Unknown:
		return d.tr("unknown")
	}
	return string(sex)
}

// clinical starts a clinical section and reports whether it has content to
// print; otherwise it said why not.
func (s *summary) clinical(title string, n int) bool {
	s.heading(title)
	switch {
	case s.noClinical:
		s.muted(s.tr("Not shown for your role."))
		return false
	case n == 0:
		s.muted(s.tr("None recorded."))
		return false
	}
	return true
}

func (s *summary) problems() {
	if !s.clinical(s.tr("Problems"), len(s.c.Problems)) {
		return
	}
	ps := slices.Clone(s.c.Problems)
	slices.SortStableFunc(ps, func(a, b chart.Problem) int { return activeFirst(a.Status, b.Status) })
	t := s.table(column{s.tr("Code"), 1.3, "L"}, column{s.tr("Problem"), 6, "L"}, column{s.tr("Onset"), 1.6, "L"}, column{s.tr("Status"), 1.4, "L"})
	for i, p := range ps {
		f := item(trLater("problem %d"), i)
		desc := s.t.line(f, p.Description)
		if p.Note != "" {
			desc += "\n" + s.t.block(item(trLater("problem %d, note"), i), p.Note)
		}
		t.row(chart.CodeText(s.t.line(item(trLater("problem %d, code"), i), p.Code)), desc, s.date(s.t.line(f, p.Onset)), s.coded(s.t.line(f, p.Status)))
	}
}

func (s *summary) medications() {
	if !s.clinical(s.tr("Medications"), len(s.c.Medications)) {
		return
	}
	on := s.pg.PrintedAt
	ms := slices.Clone(s.c.Medications)
	status := func(m chart.Medication) string {
		if m.Active(on) {
			return s.tr("current")
		}
		return s.tr("stopped")
	}
	slices.SortStableFunc(ms, func(a, b chart.Medication) int {
		ca, cb := a.Active(on), b.Active(on)
		switch {
		case ca && !cb:
			return -1
		case cb && !ca:
			return 1
		}
		return 0
	})
	t := s.table(column{s.tr("Medication"), 4, "L"}, column{s.tr("Dose"), 1.6, "L"}, column{s.tr("Route"), 1.3, "L"},
		column{s.tr("Frequency"), 2.2, "L"}, column{s.tr("Started"), 1.6, "L"}, column{s.tr("Stopped"), 1.6, "L"}, column{s.tr("Status"), 1.3, "L"})
	for i, m := range ms {
		f := item(trLater("medication %d"), i)
		t.row(s.t.line(f, m.Name), s.t.line(f, m.Dose), s.coded(s.t.line(f, m.Route)), s.t.line(f, m.Frequency),
			s.date(s.t.line(f, m.Start)), s.date(s.t.line(f, m.Stop)), status(m))
	}
}

func (s *summary) vitals() {
	if !s.clinical(s.tr("Vitals"), len(s.c.Vitals)) {
		return
	}
	t := s.table(column{s.tr("Taken"), 2.6, "L"}, column{s.tr("BP mmHg"), 1.6, "R"}, column{s.tr("Pulse /min"), 1.5, "R"},
		column{s.tr("Resp /min"), 1.4, "R"}, column{s.tr("Temp °C"), 1.3, "R"}, column{s.tr("Weight kg"), 1.5, "R"}, column{s.tr("Height cm"), 1.5, "R"},
		column{s.tr("BMI"), 1.1, "R"}, column{s.tr("SpO2 %"), 1.3, "R"})
	for _, v := range s.c.Vitals {
		bp := "—"
		if v.Systolic != 0 || v.Diastolic != 0 {
			bp = fmt.Sprintf("%s/%s", intOrDash(v.Systolic), intOrDash(v.Diastolic))
		}
		t.row(s.stamp(v.Taken), bp, intOrDash(v.Pulse), intOrDash(v.RespRate), s.floatOrDash(v.TempC, chart.PlacesTemp), s.floatOrDash(v.WeightKg, chart.PlacesWeight),
			s.floatOrDash(v.HeightCm, chart.PlacesHeight), s.floatOrDash(v.BMI(), chart.PlacesBMI), intOrDash(v.SpO2))
	}
}

func intOrDash(n int) string {
	if n == 0 {
		return "—"
	}
	return strconv.Itoa(n)
}

// floatOrDash is a measurement at the precision of its unit (places
// decimals), or a dash when not measured.
func (d *doc) floatOrDash(f float64, places int) string {
	if f == 0 {
		return "—"
	}
	return d.decimal(f, places)
}

func (s *summary) procedures() {
	if !s.clinical(s.tr("Procedures"), len(s.c.Procedures)) {
		return
	}
	t := s.table(column{s.tr("Date"), 1.6, "L"}, column{s.tr("Procedure"), 6, "L"}, column{s.tr("Status"), 1.6, "L"})
	for i, p := range s.c.Procedures {
		f := item(trLater("procedure %d"), i)
		t.row(s.date(s.t.line(f, p.Date)), s.t.line(f, p.Text), s.coded(s.t.line(f, p.Status)))
	}
}

// reportKind names a kind of notes and reports as the summary shows it.
func (d *doc) reportKind(kind string) string {
	return map[string]string{chart.ReportDiagnostic: d.tr("Report"), chart.ReportCarePlan: d.tr("Care plan"), chart.ReportGoal: d.tr("Goal")}[kind]
}

func (s *summary) reports() {
	if !s.clinical(s.tr("Notes and reports"), len(s.c.Reports)) {
		return
	}
	t := s.table(column{s.tr("Date"), 1.6, "L"}, column{s.tr("Kind"), 1.4, "L"}, column{s.tr("Title"), 5.4, "L"}, column{s.tr("Status"), 1.4, "L"})
	for i, r := range s.c.Reports {
		f := item(trLater("report %d"), i)
		t.row(s.date(s.t.line(f, r.Date)), s.reportKind(r.Kind), s.t.line(f, r.Title), s.t.line(f, r.Status))
	}
}

func (s *summary) visits(recent int) {
	all := s.c.Visits
	shown := all
	if recent > 0 && len(all) > recent {
		shown = all[:recent]
	}
	title := s.tr("Visits")
	if len(shown) < len(all) {
		title = fmt.Sprintf(s.tr("Recent visits (%d of %d)"), len(shown), len(all))
	}
	if !s.clinical(title, len(all)) {
		return
	}
	for _, v := range shown {
		s.visit(v, s.c.AmendmentsOf(v.ID))
	}
	if n := len(all) - len(shown); n > 0 {
		s.gap(2)
		s.muted(fmt.Sprintf(s.tr("%d older visits, the oldest of %s, are not printed here."), n, s.date(all[len(all)-1].Date)))
	}
}

func (s *summary) immunizations() {
	if !s.clinical(s.tr("Immunizations"), len(s.c.Immunizations)) {
		return
	}
	t := s.table(column{s.tr("Date"), 1.6, "L"}, column{s.tr("Vaccine"), 4, "L"}, column{s.tr("Dose"), 1.4, "L"}, column{s.tr("Lot"), 1.6, "L"}, column{s.tr("Site"), 2, "L"})
	for i, im := range s.c.Immunizations {
		f := item(trLater("immunization %d"), i)
		t.row(s.date(s.t.line(f, im.Date)), s.t.line(f, im.Vaccine), s.t.line(f, im.Dose), s.t.line(f, im.Lot), s.t.line(f, im.Site))
	}
}

func (s *summary) documents() {
	s.heading(s.tr("Filed documents"))
	if len(s.c.Documents) == 0 {
		if s.noClinicalDocs {
			s.muted(s.tr("Clinical documents: Not shown for your role."))
		} else {
			s.muted(s.tr("None filed."))
		}
		return
	}
	t := s.table(column{s.tr("Date"), 1.6, "L"}, column{s.tr("Category"), 2.4, "L"}, column{s.tr("Title"), 5, "L"}, column{s.tr("Pages"), 1, "R"})
	for i, doc := range s.c.Documents {
		f := item(trLater("document %d"), i)
		cat := doc.Category
		if c, ok := chart.CategoryByName(doc.Category); ok {
			cat = s.tr(c.Title) // marked for translation in chart
		}
		title := doc.Title
		if title == "" {
			title = doc.Source
		}
		pages := ""
		if doc.Pages > 0 {
			pages = strconv.Itoa(doc.Pages)
		}
		t.row(s.date(s.t.line(f, doc.ClinicalDate)), s.t.line(f, cat), s.t.line(item(trLater("document %d, title"), i), title), pages)
	}
	if s.noClinicalDocs {
		s.gap(1)
		s.muted(s.tr("Clinical documents: Not shown for your role."))
	}
}

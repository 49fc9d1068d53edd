package fhir

import (
	"bytes"
	"cmp"
	"crypto/sha1"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"

	"chartkeeper/chart"
)

// allergy maps an AllergyIntolerance.
func (p *parser) allergy(i int) {
	var r AllergyIntolerance
	if !p.decode(i, &r) {
		return
	}
	c, ok := p.patientOf(i, "patient", &r.Patient)
	if !ok {
		return
	}
	a := chart.Allergy{Substance: textOf(r.Code), Severity: "unknown", Status: "active", Codings: codings(r.Code)}
	if a.Substance == "" {
		p.problem(i, "code is required (the substance)")
		return
	}
	if r.ClinicalStatus != nil {
		switch st := statusCode(r.ClinicalStatus); st {
		case "active":
		case "inactive", "resolved":
			a.Status = "inactive"
		default:
			p.problem(i, "clinicalStatus must be active, inactive or resolved")
			return
		}
	}
	var reactions []string
	for _, rx := range r.Reaction {
		for _, m := range rx.Manifestation {
			if t := textOf(&m); t != "" && !slices.Contains(reactions, t) {
				reactions = append(reactions, t)
			}
			a.ReactionCodings = append(a.ReactionCodings, codings(&m)...)
		}
		switch rx.Severity {
		case "":
		case "mild", "moderate", "severe":
			if a.Severity == "unknown" || severityRank(rx.Severity) > severityRank(a.Severity) {
				a.Severity = rx.Severity
			}
		default:
			p.problem(i, "reaction severity must be mild, moderate or severe")
			return
		}
	}
	if s := extText(r.Extension, "allergy-severity"); s != "" && a.Severity == "unknown" {
		a.Severity = s
	}
	a.Reaction = strings.Join(reactions, "; ")
	p.charts[c].Allergies = append(p.charts[c].Allergies, a)
}

func severityRank(s string) int { return strings.Index("mild moderate severe", s) }

// statusCode is the code of a status concept.
func statusCode(c *CodeableConcept) string {
	for _, cd := range c.Coding {
		if cd.Code != "" {
			return cd.Code
		}
	}
	return strings.ToLower(strings.TrimSpace(c.Text))
}

// routes are the routes Chartkeeper names, and what other systems call them.
var routes = map[string]string{
	"oral": "oral", "by mouth": "oral", "po": "oral", "sublingual": "sublingual", "topical": "topical",
	"inhaled": "inhaled", "inhalation": "inhaled", "respiratory tract": "inhaled", "intravenous": "intravenous", "iv": "intravenous",
	"intramuscular": "intramuscular", "im": "intramuscular", "subcutaneous": "subcutaneous", "sc": "subcutaneous",
	"rectal": "rectal", "vaginal": "vaginal", "nasal": "nasal", "ophthalmic": "ophthalmic", "otic": "otic",
	"transdermal": "transdermal", "other": "other",
}

func (p *parser) medication(i int) {
	var r MedicationStatement
	if !p.decode(i, &r) {
		return
	}
	if !p.status(i, r.Status, statusRule{
		keep:  []string{"active", "completed", "intended", "stopped", "on-hold", "unknown"},
		skip:  []string{"entered-in-error", "not-taken"},
		other: "status is not a MedicationStatement status",
	}) {
		return
	}
	c, ok := p.patientOf(i, "subject", &r.Subject)
	if !ok {
		return
	}
	m := chart.Medication{Name: textOf(r.MedicationCodeableConcept), Codings: codings(r.MedicationCodeableConcept), Status: r.Status}
	if m.Name == "" && r.MedicationReference != nil {
		m.Name = strings.TrimSpace(r.MedicationReference.Display)
	}
	if m.Name == "" {
		p.problem(i, "medicationCodeableConcept is required (the medication's name)")
		return
	}
	if r.EffectivePeriod != nil {
		m.Start = p.optionalDate(i, "effectivePeriod.start", r.EffectivePeriod.Start)
		m.Stop = p.optionalDate(i, "effectivePeriod.end", r.EffectivePeriod.End)
	} else {
		m.Start = p.optionalDate(i, "effectiveDateTime", r.EffectiveDateTime)
	}
	p.dosage(i, &m, r.Dosage)
	m.Status = medicationStatus(m)
	p.charts[c].Medications = append(p.charts[c].Medications, m)
}

// dosage reads the first dosage of a medication: the dose (a quantity, else
// the text), frequency and route.
func (p *parser) dosage(i int, m *chart.Medication, ds []Dosage) {
	if len(ds) == 0 {
		return
	}
	d := ds[0]
	m.Dose = strings.TrimSpace(d.Text)
	if len(d.DoseAndRate) > 0 && d.DoseAndRate[0].DoseQuantity != nil && d.DoseAndRate[0].DoseQuantity.Value != nil {
		q := d.DoseAndRate[0].DoseQuantity
		m.Dose = strings.TrimSpace(q.Value.String() + " " + cmp.Or(q.Unit, q.Code))
	}
	if len([]rune(m.Dose)) > 100 {
		m.Dose = string([]rune(m.Dose)[:100])
	}
	if d.Timing != nil {
		m.Frequency = textOf(d.Timing.Code)
	}
	if d.Route != nil {
		route := strings.ToLower(strings.TrimSuffix(textOf(d.Route), " route"))
		route = strings.TrimSuffix(route, " route")
		if m.Route = routes[route]; m.Route == "" && route != "" {
			m.Route = "other"
			p.skip(i, "the route was recorded as other: Chartkeeper does not name that route")
		}
	}
}

// prescription maps a MedicationRequest (how many systems, Synthea among
// them, record medications) to the medication list, from the day it was
// written, with its status: a stopped or completed one is kept as not
// current, whether or not it says when it ended.
func (p *parser) prescription(i int) {
	var r MedicationRequest
	if !p.decode(i, &r) {
		return
	}
	if !p.status(i, r.Status, statusRule{
		keep:    []string{"active", "on-hold", "completed", "stopped", "unknown"},
		skip:    []string{"cancelled", "entered-in-error", "draft"},
		skipWhy: ": the medication was not taken",
		other:   "status is not a MedicationRequest status",
	}) {
		return
	}
	switch r.Intent {
	case "proposal", "plan":
		p.skip(i, "it is a %s, not an order", r.Intent)
		return
	}
	c, ok := p.patientOf(i, "subject", &r.Subject)
	if !ok {
		return
	}
	m := chart.Medication{Name: textOf(r.MedicationCodeableConcept), Codings: codings(r.MedicationCodeableConcept), Status: r.Status, Ordered: true}
	if m.Name == "" && r.MedicationReference != nil {
		m.Name = strings.TrimSpace(r.MedicationReference.Display)
	}
	if m.Name == "" {
		p.problem(i, "medicationCodeableConcept is required (the medication's name)")
		return
	}
	m.Start = p.optionalDate(i, "authoredOn", r.AuthoredOn)
	if r.DispenseRequest != nil && r.DispenseRequest.ValidityPeriod != nil {
		m.Stop = p.optionalDate(i, "dispenseRequest.validityPeriod.end", r.DispenseRequest.ValidityPeriod.End)
	}
	p.dosage(i, &m, r.DosageInstruction)
	m.Status = medicationStatus(m)
	p.charts[c].Medications = append(p.charts[c].Medications, m)
}

// medicationStatus is the status a medication keeps: none when its dates
// say it (active without an end, completed with one), else the sender's
// (stopped or completed without an end date, on hold, intended, unknown).
func medicationStatus(m chart.Medication) string {
	switch {
	case m.Status == "active" && m.Stop == "", m.Status == "completed" && m.Stop != "":
		return ""
	}
	return m.Status
}

func (p *parser) immunization(i int) {
	var r Immunization
	if !p.decode(i, &r) {
		return
	}
	if !p.status(i, r.Status, statusRule{
		keep:    []string{"completed"},
		skip:    []string{"not-done", "entered-in-error"},
		skipWhy: ": no dose was given",
		other:   "status must be completed, not-done or entered-in-error",
	}) {
		return
	}
	c, ok := p.patientOf(i, "patient", &r.Patient)
	if !ok {
		return
	}
	im := chart.Immunization{Vaccine: textOf(&r.VaccineCode), Lot: strings.TrimSpace(r.LotNumber), Site: textOf(r.Site), Codings: codings(&r.VaccineCode)}
	if im.Vaccine == "" {
		p.problem(i, "vaccineCode is required")
		return
	}
	d, kind := parseDate(r.OccurrenceDateTime)
	switch {
	case r.OccurrenceDateTime == "":
		p.problem(i, "occurrenceDateTime is required (the day the dose was given)")
		return
	case kind == dateBad:
		p.problem(i, "occurrenceDateTime is not a FHIR date or dateTime")
		return
	case kind == datePartial:
		p.problem(i, "occurrenceDateTime gives only a year or month; Chartkeeper needs the day")
		return
	}
	im.Date = d
	if len(r.ProtocolApplied) > 0 {
		pa := r.ProtocolApplied[0]
		im.Dose = pa.DoseNumberString
		if pa.DoseNumberPositiveInt != nil {
			im.Dose = strconv.Itoa(*pa.DoseNumberPositiveInt)
		}
	}
	p.charts[c].Immunizations = append(p.charts[c].Immunizations, im)
}

func (p *parser) document(i int) {
	var r DocumentReference
	if !p.decode(i, &r) {
		return
	}
	if !p.status(i, r.Status, statusRule{
		keep:    []string{"current", "superseded"},
		skip:    []string{"entered-in-error"},
		skipWhy: ": it was filed by mistake",
		other:   "status must be current, superseded or entered-in-error",
	}) {
		return
	}
	c, ok := p.patientOf(i, "subject", r.Subject)
	if !ok {
		return
	}
	if len(r.Content) == 0 {
		p.problem(i, "content is required")
		return
	}
	if len(r.Content) > 1 {
		p.skip(i, "only the first of its %d contents was imported", len(r.Content))
	}
	a := r.Content[0].Attachment
	if a.Data == "" {
		p.skip(i, "its content is not inside the bundle (only a link), so there is nothing to file")
		return
	}
	content, err := base64.StdEncoding.DecodeString(a.Data)
	if err != nil {
		p.problem(i, "content.attachment.data is not base64")
		return
	}
	if a.Size != nil && *a.Size != int64(len(content)) {
		p.problem(i, "content.attachment.size says %d bytes but the data holds %d", *a.Size, len(content))
		return
	}
	if a.Hash != "" && !sha1Matches(a.Hash, content) {
		p.problem(i, "content.attachment.hash does not match the data: the content is damaged")
		return
	}
	if a.ContentType == "" {
		p.problem(i, "content.attachment.contentType is required")
		return
	}
	d := chart.Document{Title: clip(r.Description, 200), ContentType: a.ContentType, Source: a.Title, Category: "clinical", Codings: codings(r.Type)}
	if r.Status == "superseded" {
		d.Status = "superseded"
	}
	ours := false
	for _, cat := range r.Category {
		if cd, ok := codeOf(&cat, systemCategory); ok {
			d.Category, ours = cd.Code, true
		}
	}
	if d.Title == "" && !ours { // Chartkeeper's type is the category's title
		d.Title = clip(textOf(r.Type), 200)
	}
	var dates []string
	if r.Context != nil && r.Context.Period != nil {
		dates = append(dates, r.Context.Period.Start)
	}
	dates = append(dates, r.Date, a.Creation)
	for _, s := range dates {
		if s == "" {
			continue
		}
		if d.ClinicalDate = p.optionalDate(i, "its date", s); d.ClinicalDate != "" {
			break
		}
	}
	if d.ClinicalDate == "" {
		p.problem(i, "has no date (context.period.start, date or content.attachment.creation)")
		return
	}
	if t, ok := parseInstant(r.Date); ok && r.Date != "" {
		d.FiledAt = t
	}
	d.Note = extText(r.Extension, "document-note")
	d.FiledBy = extText(r.Extension, "document-filed-by")
	for _, e := range r.Extension {
		switch e.URL {
		case extURL("document-received"):
			if t, ok := parseInstant(e.ValueDateTime); ok {
				d.Received = t
			}
		case extURL("document-pages"):
			if e.ValueInteger != nil && *e.ValueInteger > 0 {
				d.Pages = *e.ValueInteger
			}
		}
	}
	p.charts[c].Documents = append(p.charts[c].Documents, chart.ImportedDocument{Document: d, Content: content})
}

// sha1Matches checks an attachment's hash (base64 SHA-1, as FHIR has it).
func sha1Matches(hash string, content []byte) bool {
	want, err := base64.StdEncoding.DecodeString(hash)
	sum := sha1.Sum(content)
	return err == nil && bytes.Equal(want, sum[:])
}

// extText is the string value of the extension name.
func extText(exts []Extension, name string) string {
	for _, e := range exts {
		if (e.URL == extURL(name) || e.URL == name) && e.ValueString != nil {
			return *e.ValueString
		}
	}
	return ""
}

package fhir

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"chartkeeper/chart"
)

// parser maps one bundle's entries to charts.
type parser struct {
	b        Bundle
	heads    []resourceHead
	byURL    map[string]int // fullUrl -> entry
	byTypeID map[string]int // "Patient/123" -> entry
	chartOf  map[int]int    // Patient entry -> index in charts
	refused  map[int]bool   // Patient entries with problems of their own
	charts   []chart.ImportedChart
	problems []string
	skipped  []Skip

	encounters map[int]*encounterDraft // Encounter entry -> its draft
	used       map[int]bool            // Condition entries taken as visit diagnoses
	vitals     map[string]*chart.Vitals
	vitalsKeys []vitalsKey
	resultOf   map[int]resultRef // Observation entry -> the result it became
}

type encounterDraft struct {
	chart int
	visit chart.ImportedVisit
	diag  []int // Condition entries named by Encounter.diagnosis, rank 1 first
	rank1 int   // entry of the rank-1 diagnosis, -1 when none
}

type vitalsKey struct {
	chart int
	key   string
}

func newParser(b Bundle) *parser {
	return &parser{b: b, byURL: map[string]int{}, byTypeID: map[string]int{}, chartOf: map[int]int{}, refused: map[int]bool{},
		encounters: map[int]*encounterDraft{}, used: map[int]bool{}, vitals: map[string]*chart.Vitals{},
		resultOf: map[int]resultRef{}}
}

// where names an entry in a message.
func (p *parser) where(i int) string {
	if t := p.heads[i].ResourceType; t != "" {
		return fmt.Sprintf("entry %d (%s)", i+1, t)
	}
	return fmt.Sprintf("entry %d", i+1)
}

func (p *parser) problem(i int, format string, args ...any) {
	p.problems = append(p.problems, p.where(i)+": "+fmt.Sprintf(format, args...))
}

func (p *parser) skip(i int, format string, args ...any) {
	p.skipped = append(p.skipped, Skip{Resource: p.where(i), Reason: fmt.Sprintf(format, args...)})
}

// statusRule says which statuses of a resource are imported (keep), which
// are passed over as records of what did not happen (skip, reported as
// "its status is S" then skipWhy), and what to say of any other status.
type statusRule struct {
	keep, skip []string
	skipWhy    string
	other      string
}

// status checks resource i's status against rule and reports whether the
// resource is to be imported.
func (p *parser) status(i int, s string, rule statusRule) bool {
	switch {
	case slices.Contains(rule.keep, s):
		return true
	case slices.Contains(rule.skip, s):
		p.skip(i, "its status is %s%s", s, rule.skipWhy)
	case s == "":
		p.problem(i, "status is required")
	default:
		p.problem(i, "%s", rule.other)
	}
	return false
}

// index reads every entry's type and id and indexes its fullUrl.
func (p *parser) index() {
	p.heads = make([]resourceHead, len(p.b.Entry))
	for i, e := range p.b.Entry {
		if len(e.Resource) == 0 || string(e.Resource) == "null" {
			if e.Request != nil && e.Request.Method == "DELETE" {
				p.skip(i, "deletions are not imported")
				continue
			}
			p.problem(i, "has no resource")
			continue
		}
		if err := json.Unmarshal(e.Resource, &p.heads[i]); err != nil {
			p.problem(i, "its resource is not a FHIR resource (a JSON object with a resourceType)")
			continue
		}
		h := p.heads[i]
		if h.ResourceType == "" {
			p.problem(i, "its resource has no resourceType")
			continue
		}
		if e.FullURL != "" {
			if j, dup := p.byURL[e.FullURL]; dup {
				p.problem(i, "has the same fullUrl as entry %d", j+1)
			}
			p.byURL[e.FullURL] = i
		}
		if h.ID != "" {
			p.byTypeID[h.ResourceType+"/"+h.ID] = i
		}
	}
}

// resolve finds the entry a reference names: by fullUrl (urn:uuid:...,
// or an absolute URL), or by "Type/id" (also at the end of a URL).
func (p *parser) resolve(ref string) (int, bool) {
	if ref == "" {
		return 0, false
	}
	if i, ok := p.byURL[ref]; ok {
		return i, true
	}
	if strings.HasPrefix(ref, "#") {
		return 0, false
	}
	parts := strings.Split(strings.TrimSuffix(ref, "/"), "/")
	if n := len(parts); n >= 2 {
		if i, ok := p.byTypeID[parts[n-2]+"/"+parts[n-1]]; ok {
			return i, true
		}
		if n >= 4 && parts[n-2] == "_history" { // Type/id/_history/v
			if i, ok := p.byTypeID[parts[n-4]+"/"+parts[n-3]]; ok {
				return i, true
			}
		}
	}
	return 0, false
}

// patientOf resolves the patient reference of entry i to its chart.
func (p *parser) patientOf(i int, field string, ref *Reference) (int, bool) {
	if ref == nil || ref.Reference == "" {
		p.problem(i, "%s is required (the patient it belongs to)", field)
		return 0, false
	}
	j, ok := p.resolve(ref.Reference)
	if !ok {
		p.problem(i, "its %s names a resource that is not in the bundle", field)
		return 0, false
	}
	c, ok := p.chartOf[j]
	if !ok && p.refused[j] {
		return 0, false // the patient's own problems are reported
	}
	if !ok {
		p.problem(i, "its %s names %s, not a patient", field, p.where(j))
		return 0, false
	}
	return c, true
}

func (p *parser) decode(i int, v any) bool {
	if err := json.Unmarshal(p.b.Entry[i].Resource, v); err != nil {
		p.problem(i, "%s", strings.TrimPrefix(jsonProblem(p.b.Entry[i].Resource, err), "the bundle's "))
		return false
	}
	return true
}

// patients maps every Patient first, so the rest can name them.
func (p *parser) patients() {
	for i, h := range p.heads {
		if h.ResourceType != "Patient" {
			continue
		}
		var r Patient
		if !p.decode(i, &r) {
			p.refused[i] = true
			continue
		}
		pt, ok := p.patient(i, r)
		if !ok {
			p.refused[i] = true
			continue
		}
		p.chartOf[i] = len(p.charts)
		p.charts = append(p.charts, chart.ImportedChart{Patient: pt})
	}
}

func (p *parser) patient(i int, r Patient) (chart.Patient, bool) {
	ok := true
	var pt chart.Patient
	var official, usual *HumanName
	for j := range r.Name {
		n := &r.Name[j]
		switch n.Use {
		case "usual", "nickname":
			if usual == nil {
				usual = n
			}
		case "old", "maiden", "anonymous":
		default:
			if official == nil || n.Use == "official" && official.Use != "official" {
				official = n
			}
		}
	}
	if official == nil {
		official = usual
	}
	if official == nil {
		p.problem(i, "has no name")
		return pt, false
	}
	pt.Family = strings.TrimSpace(official.Family)
	pt.Given = strings.TrimSpace(strings.Join(official.Given, " "))
	if fields := strings.Fields(official.Text); pt.Family == "" && pt.Given == "" && len(fields) > 0 {
		pt.Family, pt.Given = fields[len(fields)-1], strings.Join(fields[:len(fields)-1], " ")
	}
	if pt.Family == "" {
		p.problem(i, "has no family name")
		ok = false
	}
	if pt.Given == "" {
		p.problem(i, "has no given name")
		ok = false
	}
	if usual != nil && usual != official && len(usual.Given) > 0 {
		pt.Preferred = strings.TrimSpace(usual.Given[0])
	}
	switch r.Gender {
	case "female", "male", "other", "unknown":
		pt.Sex = chart.Sex(r.Gender)
	case "":
		pt.Sex = chart.Unknown
	default:
		p.problem(i, "gender must be female, male, other or unknown")
		ok = false
	}
	switch d, kind := parseDate(r.BirthDate); {
	case r.BirthDate == "":
		p.problem(i, "birthDate is required: Chartkeeper needs the birth date of every patient")
		ok = false
	case kind == dateBad:
		p.problem(i, "birthDate is not a date written YYYY-MM-DD")
		ok = false
	case kind == datePartial:
		p.problem(i, "birthDate gives only a year or month; Chartkeeper needs the full birth date")
		ok = false
	default:
		pt.DOB = d
	}
	seen := map[string]bool{}
	for _, id := range r.Identifier {
		if id.System == systemMRN {
			continue // a new MRN is assigned
		}
		sys := identifierSystem(id)
		if strings.TrimSpace(id.Value) == "" || sys == "" {
			continue
		}
		if seen[sys] {
			p.skip(i, "a second %s identifier was left out (Chartkeeper keeps one per kind)", sys)
			continue
		}
		seen[sys] = true
		pt.Identifiers = append(pt.Identifiers, chart.Identifier{System: sys, Value: strings.TrimSpace(id.Value)})
	}
	for _, t := range r.Telecom {
		if t.System == "phone" && t.Value != "" {
			pt.Phone = t.Value
			break
		}
	}
	if len(r.Address) > 0 {
		a := r.Address[0]
		pt.Address = chart.Address{Line: strings.Join(a.Line, ", "), City: a.City, Region: a.State, PostalCode: a.PostalCode, Country: a.Country}
	}
	if len(r.Contact) > 0 {
		c := r.Contact[0]
		if c.Name != nil {
			pt.Emergency.Name = c.Name.Text
			if pt.Emergency.Name == "" {
				pt.Emergency.Name = strings.TrimSpace(strings.Join(c.Name.Given, " ") + " " + c.Name.Family)
			}
		}
		if len(c.Relationship) > 0 {
			pt.Emergency.Relation = textOf(&c.Relationship[0])
		}
		for _, t := range c.Telecom {
			if t.System == "phone" && t.Value != "" {
				pt.Emergency.Phone = t.Value
				break
			}
		}
	}
	if len(r.Communication) > 0 {
		pt.Language = textOf(&r.Communication[0].Language)
	}
	switch {
	case r.DeceasedDateTime != "":
		d, kind := parseDate(r.DeceasedDateTime)
		switch kind {
		case dateFull:
			pt.Deceased, pt.DeceasedDate = true, d
		case datePartial:
			pt.Deceased = true
			p.skip(i, "the date of death gives only a year or month; the patient is recorded as deceased without a date")
		default:
			p.problem(i, "deceasedDateTime is not a FHIR date or dateTime")
			ok = false
		}
	case r.DeceasedBoolean != nil:
		pt.Deceased = *r.DeceasedBoolean
	}
	return pt, ok
}

// identifierSystem names an identifier the way Chartkeeper does.
func identifierSystem(id Identifier) string {
	if s, ok := strings.CutPrefix(id.System, systemIdentifier); ok {
		return s
	}
	if id.Type != nil {
		for _, c := range id.Type.Coding {
			switch c.Code {
			case "SS", "NI", "NNxxx", "SB":
				return "national-id"
			case "PPN":
				return "passport"
			case "DL":
				return "driver-licence"
			case "MR":
				return "previous-mrn"
			case "MB", "MC", "MA", "SN":
				return "insurance"
			}
		}
	}
	return strings.TrimSpace(id.System)
}

// resources maps everything that is not a Patient.
func (p *parser) resources() {
	for i, h := range p.heads {
		switch h.ResourceType {
		case "", "Patient":
		case "Condition", "Encounter": // after the encounters, below
		case "AllergyIntolerance":
			p.allergy(i)
		case "MedicationStatement":
			p.medication(i)
		case "MedicationRequest":
			p.prescription(i)
		case "Observation":
			p.observation(i)
		case "Immunization":
			p.immunization(i)
		case "DocumentReference":
			p.document(i)
		case "Procedure":
			p.procedure(i)
		case "CarePlan":
			p.carePlan(i)
		case "Goal":
			p.goal(i)
		case "DiagnosticReport": // after the observations, below
		default:
			p.skip(i, "%s", skipReason(h.ResourceType))
		}
	}
	for i, h := range p.heads {
		if h.ResourceType == "DiagnosticReport" {
			p.diagnosticReport(i)
		}
	}
	for i, h := range p.heads {
		if h.ResourceType == "Encounter" {
			p.encounter(i)
		}
	}
	for i, h := range p.heads {
		if h.ResourceType == "Condition" {
			p.condition(i)
		}
	}
}

// skipReason says why a kind of resource is not imported.
func skipReason(typ string) string {
	switch typ {
	case "MedicationAdministration", "MedicationDispense":
		return "administrations and dispensings are not imported; the medication list comes from MedicationStatement and MedicationRequest"
	case "Organization", "Practitioner", "PractitionerRole", "Location", "Device":
		return "the bundle's " + typ + " resources describe the other system, not the patient's chart"
	case "Claim", "ExplanationOfBenefit", "Coverage":
		return "billing and insurance claims are not kept in the chart"
	case "Provenance":
		return "provenance records are not imported"
	case "ImagingStudy", "Media":
		return "images are imported only as documents (DocumentReference with the content inside)"
	case "CareTeam":
		return "care teams are not kept in the chart (the visits name their clinicians)"
	case "Medication":
		return "medications are imported from MedicationStatement"
	}
	return "Chartkeeper does not keep " + typ + " resources"
}

// Dates.

type dateKind int

const (
	dateBad dateKind = iota
	datePartial
	dateFull
)

// parseDate reads a FHIR date or dateTime and returns its calendar date
// (YYYY-MM-DD, as written, in the time zone it was written in).
func parseDate(s string) (string, dateKind) {
	s = strings.TrimSpace(s)
	switch len(s) {
	case 4:
		if _, err := time.Parse("2006", s); err == nil {
			return s, datePartial
		}
		return "", dateBad
	case 7:
		if _, err := time.Parse("2006-01", s); err == nil {
			return s, datePartial
		}
		return "", dateBad
	case 10:
		if _, err := time.Parse(time.DateOnly, s); err == nil {
			return s, dateFull
		}
		return "", dateBad
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.Format(time.DateOnly), dateFull
	}
	return "", dateBad
}

// parseInstant reads a FHIR dateTime as a point in time; a date alone is
// its midnight UTC.
func parseInstant(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s)); err == nil {
		return t.UTC(), true
	}
	if t, err := time.Parse(time.DateOnly, strings.TrimSpace(s)); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// optionalDate reads an optional date field; a partial date is left out
// with a note, an unreadable one is a problem.
func (p *parser) optionalDate(i int, field, s string) string {
	if s == "" {
		return ""
	}
	d, kind := parseDate(s)
	switch kind {
	case dateBad:
		p.problem(i, "%s is not a FHIR date or dateTime (YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+zz:zz)", field)
	case datePartial:
		p.skip(i, "%s gives only a year or month and was left out", field)
		return ""
	}
	return d
}

// partialDate reads an optional FHIR date where a year or a year and
// month is enough (a problem's onset): it is kept as given.
func (p *parser) partialDate(i int, field, s string) string {
	if s == "" {
		return ""
	}
	d, kind := parseDate(s)
	if kind == dateBad {
		p.problem(i, "%s is not a FHIR date or dateTime (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+zz:zz)", field)
	}
	return d
}

// finish adds the visits and vital signs to their charts, in bundle order.
func (p *parser) finish() {
	for i := range p.heads {
		dr, ok := p.encounters[i]
		if !ok {
			continue
		}
		ds := dr.visit.Diagnoses
		if len(ds) > 0 && dr.rank1 < 0 {
			ds[0].Primary = true
		}
		p.charts[dr.chart].Visits = append(p.charts[dr.chart].Visits, dr.visit)
	}
	for _, k := range p.vitalsKeys {
		v := p.vitals[k.key]
		if v.WeightKg > 0 && v.HeightCm > 0 {
			v.BMIGiven = 0 // worked out from them (chart.Vitals.BMI)
		}
		if v.Empty() {
			continue
		}
		p.charts[k.chart].Vitals = append(p.charts[k.chart].Vitals, *v)
	}
}

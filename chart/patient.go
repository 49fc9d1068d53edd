package chart

import (
	"cmp"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"chartkeeper/chart/search"
	"chartkeeper/internal/words"
	"chartkeeper/store"
)

// Record types of the chart.
const (
	TypePatient      = "patient"
	TypeProblem      = "problem"
	TypeAllergy      = "allergy"
	TypeMedication   = "medication"
	TypeVisit        = "visit"
	TypeAmendment    = "amendment"
	TypeVitals       = "vitals"
	TypeImmunization = "immunization"
	TypeDocument     = "document"
	TypeAmendReq     = "amendreq"
	TypeDisclosure   = "disclosure"
	TypeBreakGlass   = "breakglass"
	TypeCodeTable    = "codetable"
	TypeProcedure    = "procedure" // a procedure record of its own (ProcedureRecord)
	TypeResult       = "result"    // a laboratory or other result (Result)
	TypeReport       = "report"    // a diagnostic report, care plan or goal (Report)
)

// Sex as registered.
type Sex string

const (
	Female  Sex = "female"
	Male    Sex = "male"
	Other   Sex = "other"
	Unknown Sex = "unknown"
)

// ParseSex reads a sex as typed.
func ParseSex(s string) (Sex, error) {
	switch Sex(strings.ToLower(strings.TrimSpace(s))) {
	case Female:
		return Female, nil
	case Male:
		return Male, nil
	case Other:
		return Other, nil
	case Unknown, "":
		return Unknown, nil
	}
	return "", fmt.Errorf("%w: sex must be female, male, other or unknown, not %q", store.ErrInvalid, s)
}

// Identifier is another number the patient is known by.
type Identifier struct {
	System string `json:"system"` // "national-id", "insurance", "passport", or a free name
	Value  string `json:"value"`
}

// Address is a postal address.
type Address struct {
	Line       string `json:"line,omitempty"`
	City       string `json:"city,omitempty"`
	Region     string `json:"region,omitempty"`
	PostalCode string `json:"postalCode,omitempty"`
	Country    string `json:"country,omitempty"`
}

// Contact is an emergency contact.
type Contact struct {
	Name     string `json:"name,omitempty"`
	Relation string `json:"relation,omitempty"`
	Phone    string `json:"phone,omitempty"`
}

// Patient is the demographic record of one person.
type Patient struct {
	ID          string       `json:"-"`
	Rev         string       `json:"-"`
	MRN         string       `json:"mrn"`
	Family      string       `json:"family"`
	Given       string       `json:"given"`
	Middle      string       `json:"middle,omitempty"` // middle name(s), kept apart from the given name
	Preferred   string       `json:"preferred,omitempty"`
	DOB         string       `json:"dob"` // YYYY-MM-DD
	Sex         Sex          `json:"sex"`
	Identifiers []Identifier `json:"identifiers,omitempty"`
	Phone       string       `json:"phone,omitempty"`
	Email       string       `json:"email,omitempty"`
	Address     Address      `json:"address"`
	Emergency   Contact      `json:"emergency"`
	Language    string       `json:"language,omitempty"`
	// Deceased says the patient has died; DeceasedDate (YYYY-MM-DD) is
	// the day, when known. Age stops there ([Patient.AgeText]). Set by
	// [Service.RecordDeath] or an import; editing demographics keeps them.
	Deceased     bool   `json:"deceased,omitempty"`
	DeceasedDate string `json:"deceasedDate,omitempty"`
	// MergedInto is the surviving patient's ID once an HIM manager merged
	// this record into it; the record and its chart stay, under the survivor.
	MergedInto string `json:"mergedInto,omitempty"`
}

// Name is the patient's name as lists show it: "Family, Given".
func (p Patient) Name() string { return p.Family + ", " + p.Given }

// PatientSummary is what a list of patients shows.
type PatientSummary struct {
	ID, MRN, Family, Given, Preferred, DOB string
	Sex                                    Sex
	Phone                                  string
	MergedInto                             string
	Deceased                               bool
	DeceasedDate                           string
	Match                                  search.Kind // why a search found it
}

// Name is "Family, Given".
func (p PatientSummary) Name() string { return p.Family + ", " + p.Given }

// Summary is the list line of p.
func (p Patient) Summary() PatientSummary {
	return PatientSummary{ID: p.ID, MRN: p.MRN, Family: p.Family, Given: p.Given, Preferred: p.Preferred,
		DOB: p.DOB, Sex: p.Sex, Phone: p.Phone, MergedInto: p.MergedInto, Deceased: p.Deceased, DeceasedDate: p.DeceasedDate}
}

// AgeText is the patient's age on a day ([AgeText]), stopped at the date
// of death; "" for a deceased patient whose date of death is not known.
func (p Patient) AgeText(on time.Time) string {
	return ageUntilDeath(p.DOB, p.Deceased, p.DeceasedDate, on)
}

// AgeText is the patient's age on a day, stopped at the date of death.
func (p PatientSummary) AgeText(on time.Time) string {
	return ageUntilDeath(p.DOB, p.Deceased, p.DeceasedDate, on)
}

// AgeOn is the day a patient's age is counted to: on, or the date of
// death when it is earlier. ok is false for a deceased patient whose date
// of death is not known (no age can be given).
func AgeOn(deceased bool, deceasedDate string, on time.Time) (time.Time, bool) {
	if d, err := time.Parse(dateLayout, deceasedDate); err == nil {
		if d.Before(on) {
			return d, true
		}
		return on, true
	}
	return on, !deceased
}

func ageUntilDeath(dob string, deceased bool, date string, on time.Time) string {
	day, ok := AgeOn(deceased, date, on)
	if !ok {
		return ""
	}
	return AgeText(dob, day)
}

// DeathText is how charts and prints show a death: "Died 2021-03-04", or
// "Deceased" without a date; "" for a living patient.
func (p Patient) DeathText() string {
	switch {
	case p.DeceasedDate != "":
		return "Died " + p.DeceasedDate
	case p.Deceased:
		return "Deceased"
	}
	return ""
}

// entry is what the finder knows of p.
func (p PatientSummary) entry() search.Entry {
	names := []string{p.Family, p.Given}
	if p.Preferred != "" {
		names = append(names, p.Preferred)
	}
	var phones []string
	if p.Phone != "" {
		phones = append(phones, p.Phone)
	}
	return search.Entry{ID: p.ID, MRN: p.MRN, Names: names, DOB: p.DOB, Phones: phones}
}

func decodePatient(r store.Record) (Patient, error) {
	var p Patient
	if err := decode(r, &p); err != nil {
		return p, err
	}
	p.ID, p.Rev = r.ID, r.Rev
	return p, nil
}

// validate checks the patient's fields; it trims spaces first.
func (s *Service) validate(p *Patient) error {
	for _, f := range []*string{&p.Family, &p.Given, &p.Middle, &p.Preferred, &p.DOB, &p.Phone, &p.Email, &p.Language} {
		*f = strings.TrimSpace(*f)
	}
	var pr problems
	for _, f := range []struct{ name, value string }{
		{T("family name"), p.Family}, {T("given name"), p.Given}, {T("middle name"), p.Middle}, {T("preferred name"), p.Preferred},
		{T("birth date"), p.DOB}, {T("phone"), p.Phone}, {T("e-mail"), p.Email}, {T("language"), p.Language},
		{T("city"), p.Address.City}, {T("region"), p.Address.Region},
		{T("postal code"), p.Address.PostalCode}, {T("country"), p.Address.Country},
		{T("emergency contact name"), p.Emergency.Name}, {T("emergency contact relation"), p.Emergency.Relation},
		{T("emergency contact phone"), p.Emergency.Phone},
	} {
		pr.line(f.name, f.value)
	}
	pr.text(T("address"), p.Address.Line) // two lines, as a street and a building
	for i, id := range p.Identifiers {
		pr.line(fmt.Sprintf("identifiers[%d].system", i+1), id.System)
		pr.line(fmt.Sprintf("identifiers[%d].value", i+1), id.Value)
	}
	pr.required(T("family name"), p.Family)
	pr.required(T("given name"), p.Given)
	pr.maxLen(T("family name"), p.Family, 100)
	pr.maxLen(T("given name"), p.Given, 100)
	pr.maxLen(T("middle name"), p.Middle, 100)
	pr.maxLen(T("preferred name"), p.Preferred, 100)
	s.checkDate(&pr, T("birth date"), p.DOB, true)
	if _, err := ParseSex(string(p.Sex)); err != nil {
		pr.add(T("sex"), T("must be female, male, other or unknown"))
	} else if p.Sex == "" {
		p.Sex = Unknown
	}
	if p.Phone != "" && !phoneLike(p.Phone) {
		pr.add(T("phone"), T("must be a phone number: digits, spaces, +, -, ( and ) only, at least 5 digits"))
	}
	if p.Email != "" && !EmailLike(p.Email) {
		pr.add(T("e-mail"), T("must be an e-mail address such as name@example.org"))
	}
	if p.Emergency.Phone != "" && !phoneLike(p.Emergency.Phone) {
		pr.add(T("emergency contact phone"), T("must be a phone number: digits, spaces, +, -, ( and ) only, at least 5 digits"))
	}
	p.DeceasedDate = strings.TrimSpace(p.DeceasedDate)
	if p.DeceasedDate != "" {
		p.Deceased = true
		s.checkDate(&pr, T("date of death"), p.DeceasedDate, false)
		if p.DOB != "" && p.DeceasedDate < p.DOB {
			pr.add(T("date of death"), T("is before the birth date"))
		}
	}
	seen := map[string]bool{}
	for i, id := range p.Identifiers {
		f := fmt.Sprintf("identifiers[%d]", i+1)
		if strings.TrimSpace(id.System) == "" {
			pr.add(f+".system", T("is required (for example national-id or insurance)"))
		}
		if strings.TrimSpace(id.Value) == "" {
			pr.add(f+".value", T("is required"))
		}
		if seen[id.System] {
			pr.addf(f+".system", T("%s is given twice"), id.System)
		}
		seen[id.System] = true
	}
	return pr.err("patient")
}

func phoneLike(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '+' || r == '-' || r == '(' || r == ')' || r == '.':
		default:
			return false
		}
	}
	return digits >= 5 && digits <= 20
}

// EmailLike reports whether s has the shape of an e-mail address: one @,
// a local part and a domain of at least two dot-separated labels, no
// spaces, no display name or brackets, at most 254 characters. It does not
// say the address exists.
func EmailLike(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || len(local) > 64 || len(s) > 254 || strings.ContainsAny(local, "@ \t\"(),:;<>[\\]") {
		return false
	}
	if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return false
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 127 && unicode.IsLetter(r)) {
				return false
			}
		}
	}
	return true
}

// newMRN draws a medical record number: 7 random digits and a Luhn check
// digit, so a mistyped MRN is caught. Random rather than sequential because
// workstations assign them offline; uniqueness is checked on this one.
func newMRN() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	n := 1_000_000 + binary.BigEndian.Uint64(b[:])%9_000_000
	body := fmt.Sprintf("%07d", n)
	return body + string(rune('0'+luhn(body)))
}

// luhn is the Luhn check digit of digits.
func luhn(digits string) int {
	sum := 0
	double := true
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return (10 - sum%10) % 10
}

// ValidMRN reports whether mrn has the form and check digit Chartkeeper
// assigns.
func ValidMRN(mrn string) bool {
	if len(mrn) != 8 {
		return false
	}
	for i := 0; i < 8; i++ {
		if mrn[i] < '0' || mrn[i] > '9' {
			return false
		}
	}
	return int(mrn[7]-'0') == luhn(mrn[:7])
}

// CheckPatient validates a patient form without saving it, so a screen can
// show the field errors before it looks for duplicates.
func (s *Service) CheckPatient(p Patient) error {
	if _, err := s.require(WriteDemographics); err != nil {
		return err
	}
	return s.validate(&p)
}

// Duplicates lists registered patients that p is likely a duplicate of
// (similar name and the same birth date, or the same phone).
func (s *Service) Duplicates(p Patient) ([]PatientSummary, error) {
	if _, err := s.require(ReadDemographics); err != nil {
		return nil, err
	}
	e := p.Summary().entry()
	if e.ID == "" {
		e.ID = "\x00new"
	}
	var out []PatientSummary
	err := s.finder.read(func() {
		for _, id := range s.finder.idx.Similar(e) {
			out = append(out, s.finder.people[id])
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RegisterPatient validates p, gives it a new MRN and stores it. It returns
// the stored patient and the likely duplicates found, which the caller
// shows as a warning (the workstation asks first with [Service.Duplicates]).
func (s *Service) RegisterPatient(p Patient) (Patient, []PatientSummary, error) {
	if _, err := s.require(WriteDemographics); err != nil {
		return p, nil, err
	}
	if p.ID != "" || p.Rev != "" || p.MergedInto != "" {
		return p, nil, fmt.Errorf("%w: a new patient has no ID, revision or merge yet", store.ErrInvalid)
	}
	if err := s.validate(&p); err != nil {
		return p, nil, err
	}
	dups, err := s.Duplicates(p)
	if err != nil {
		return p, nil, err
	}
	s.mrnMu.Lock()
	defer s.mrnMu.Unlock()
	if err := s.finder.read(func() { p.MRN = s.finder.newMRN() }); err != nil {
		return p, nil, err
	}
	p.ID = store.NewID()
	err = s.st.Update(func(tx *store.Tx) error {
		r, err := put(tx, TypePatient, p.ID, "", p)
		if err != nil {
			return err
		}
		p.Rev = r.Rev
		detail := ""
		if len(dups) > 0 {
			detail = fmt.Sprintf(detailDuplicates, len(dups))
		}
		return audit(tx, "patient.create", p.ID, detail, false)
	})
	if err != nil {
		return p, nil, err
	}
	return p, dups, s.finder.refresh()
}

// UpdatePatient stores an edited patient. p.Rev must be the revision that
// was read; MRN and merge state cannot be changed here.
func (s *Service) UpdatePatient(p Patient) (Patient, error) {
	if _, err := s.require(WriteDemographics); err != nil {
		return p, err
	}
	if err := s.validate(&p); err != nil {
		return p, err
	}
	err := s.st.Update(func(tx *store.Tx) error {
		old, err := s.getPatient(tx, p.ID)
		if err != nil {
			return err
		}
		if old.MergedInto != "" {
			return ErrMerged
		}
		p.MRN, p.MergedInto = old.MRN, ""
		p.Deceased, p.DeceasedDate = old.Deceased, old.DeceasedDate // RecordDeath changes them
		r, err := put(tx, TypePatient, p.ID, p.Rev, p)
		if err != nil {
			return err
		}
		p.Rev = r.Rev
		return audit(tx, "patient.update", p.ID, "", false)
	})
	if err != nil {
		return p, err
	}
	return p, s.finder.refresh()
}

func (s *Service) getPatient(tx *store.Tx, id string) (Patient, error) {
	r, err := tx.Get(id)
	if err != nil {
		return Patient{}, err
	}
	if r.Type != TypePatient || r.Deleted {
		return Patient{}, fmt.Errorf("%w: no patient with ID %s", store.ErrNotFound, id)
	}
	return decodePatient(r)
}

// Patient reads one patient's demographics (audited as a view).
func (s *Service) Patient(id string) (Patient, error) {
	if _, err := s.require(ReadDemographics); err != nil {
		return Patient{}, err
	}
	var p Patient
	err := s.st.Update(func(tx *store.Tx) error {
		var err error
		if p, err = s.getPatient(tx, id); err != nil {
			return err
		}
		return audit(tx, "patient.view", id, "", false)
	})
	return p, err
}

// PatientByMRN finds a patient's ID by MRN, following merges to the
// surviving chart.
func (s *Service) PatientByMRN(mrn string) (string, error) {
	if _, err := s.require(ReadDemographics); err != nil {
		return "", err
	}
	mrn = strings.TrimSpace(mrn)
	var ids []string
	if err := s.finder.read(func() { ids = s.finder.survivors(s.finder.mrns[mrn]) }); err != nil {
		return "", err
	}
	if len(ids) == 1 {
		return ids[0], nil
	} else if len(ids) > 1 {
		return "", &MRNCollisionError{MRN: mrn, Patients: len(ids)}
	}
	return "", fmt.Errorf("%w: no patient has MRN %s", store.ErrNotFound, mrn)
}

// Find searches patients by name (prefix, any script, accents and case
// ignored, one typo tolerated), birth date, MRN or phone. Lists are not
// audited; opening a patient or chart is. A birth date with slashes is
// read both ways (search.AnyOrder); FindAs reads it in the order of the
// user's language.
func (s *Service) Find(query string, limit int) ([]PatientSummary, error) {
	return s.FindAs(query, limit, search.AnyOrder)
}

// FindAs is Find with the query's dates read in order: search.DayFirst
// for a language that writes 07/09/1961 for 7 September 1961.
func (s *Service) FindAs(query string, limit int, order search.DateOrder) ([]PatientSummary, error) {
	if _, err := s.require(ReadDemographics); err != nil {
		return nil, err
	}
	var out []PatientSummary
	err := s.finder.read(func() {
		hits := s.finder.idx.SearchAs(query, limit, order)
		out = make([]PatientSummary, len(hits))
		for i, h := range hits {
			out[i] = s.finder.people[h.ID]
			out[i].Match = h.Kind
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Summary is the list line of one patient, from memory (not audited).
func (s *Service) Summary(id string) (PatientSummary, bool) { return s.finder.summary(id) }

// Age is the age in whole years on the given day of someone born on dob.
func Age(dob string, on time.Time) int {
	d, err := time.Parse(dateLayout, dob)
	if err != nil {
		return -1
	}
	age := on.Year() - d.Year()
	if on.Month() < d.Month() || on.Month() == d.Month() && on.Day() < d.Day() {
		age--
	}
	return age
}

// AgeText is the age on a date in the words clinicians use for it: days
// for the first two weeks, weeks until three months, months until the
// first birthday, years and months until the second ("1 year 3 months"),
// then whole years ("51 years"). It is "" for a birth date that is not a
// date or lies after on.
func AgeText(dob string, on time.Time) string {
	d, err := time.Parse(dateLayout, dob)
	if err != nil {
		return ""
	}
	on = time.Date(on.Year(), on.Month(), on.Day(), 0, 0, 0, 0, time.UTC)
	if on.Before(d) {
		return ""
	}
	months := (on.Year()-d.Year())*12 + int(on.Month()) - int(d.Month())
	if on.Day() < d.Day() {
		months--
	}
	days := int(on.Sub(d).Hours() / 24)
	switch {
	case days < 14:
		return words.Plural(days, "day")
	case months < 3:
		return words.Plural(days/7, "week")
	case months < 12:
		return words.Plural(months, "month")
	case months < 24:
		if months == 12 {
			return "1 year"
		}
		return "1 year " + words.Plural(months-12, "month")
	}
	return words.Plural(months/12, "year")
}

// checkNewPatients validates a list of new patients (a copy, trimmed),
// naming the first bad one by its place in the list.
func (s *Service) checkNewPatients(ps []Patient) ([]Patient, error) {
	out := make([]Patient, len(ps))
	for i, p := range ps {
		if p.ID != "" || p.Rev != "" || p.MergedInto != "" {
			return nil, fmt.Errorf("%w: patient %d: a new patient has no ID, revision or merge yet", store.ErrInvalid, i+1)
		}
		if err := s.validate(&p); err != nil {
			return nil, fmt.Errorf("patient %d: %w", i+1, err)
		}
		out[i] = p
	}
	return out, nil
}

// numberNewPatients gives each patient a new ID and an MRN that neither
// the practice nor the list holds yet. The caller holds s.mrnMu and
// s.finder.mu, and has refreshed the finder.
func (s *Service) numberNewPatients(out []Patient) {
	taken := map[string]bool{}
	for i := range out {
		for {
			mrn := newMRN()
			if !s.finder.mrnTaken(mrn) && !taken[mrn] {
				out[i].MRN, taken[mrn] = mrn, true
				break
			}
		}
		out[i].ID = store.NewID()
	}
}

// ImportPatients registers a list of patients at once (a legacy patient
// list, demo data) in one transaction: all of them, each with a new ID and
// MRN, or none. Every patient is checked first; if any is invalid nothing
// is stored and the error names its place in the list ("patient 3").
// Each registration is audited as "patient.create" with the detail
// "import" and, when given, ": " and source (the file's name, say).
// Duplicate checks are the importer's business.
func (s *Service) ImportPatients(ps []Patient, source string) ([]Patient, error) {
	if _, err := s.require(WriteDemographics); err != nil {
		return nil, err
	}
	out, err := s.checkNewPatients(ps)
	if err != nil {
		return nil, err
	}
	detail := detailImported
	if source = strings.TrimSpace(source); source != "" {
		detail = fmt.Sprintf(detailImportedFrom, source)
	}
	s.mrnMu.Lock()
	defer s.mrnMu.Unlock()
	if err := s.finder.read(func() { s.numberNewPatients(out) }); err != nil {
		return nil, err
	}
	// Written in ID order, so that the store's keys (IDs first) each go in
	// after the last one written: one large transaction stays about as fast
	// as many small ones. The audit entries follow the list's order.
	order := make([]int, len(out))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(out[a].ID, out[b].ID) })
	err = s.st.Update(func(tx *store.Tx) error {
		for _, i := range order {
			r, err := put(tx, TypePatient, out[i].ID, "", out[i])
			if err != nil {
				return err
			}
			out[i].Rev = r.Rev
		}
		for _, p := range out {
			if err := audit(tx, "patient.create", p.ID, detail, false); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, s.finder.refresh()
}

// RecordDeath records that a patient has died, on date (YYYY-MM-DD; ""
// when the day is not known), or with deceased false undoes a death
// recorded in error. Clinicians and HIM managers may; it is audited as
// "patient.death". rev must be the revision of the patient read.
func (s *Service) RecordDeath(patientID, rev string, deceased bool, date string) (Patient, error) {
	if _, err := s.requireAny(Administer, WriteClinical); err != nil {
		return Patient{}, err
	}
	date = strings.TrimSpace(date)
	if !deceased && date != "" {
		return Patient{}, &ValidationError{What: "death", Fields: []FieldError{{Field: T("date of death"), Message: T("is given for a patient recorded as alive")}}}
	}
	var p Patient
	err := s.st.Update(func(tx *store.Tx) error {
		var err error
		if p, err = s.getPatient(tx, patientID); err != nil {
			return err
		}
		if p.MergedInto != "" {
			return ErrMerged
		}
		if rev != "" && rev != p.Rev {
			return store.ErrConflict
		}
		p.Deceased, p.DeceasedDate = deceased, date
		if err := s.validate(&p); err != nil {
			return err
		}
		r, err := put(tx, TypePatient, p.ID, p.Rev, p)
		if err != nil {
			return err
		}
		p.Rev = r.Rev
		detail := detailAlive
		if deceased {
			detail = cmp.Or(date, detailDeathUnknown)
		}
		return audit(tx, "patient.death", p.ID, detail, false)
	})
	if err != nil {
		return p, err
	}
	return p, s.finder.refresh()
}

package chart

import (
	"fmt"
	"math"
	"strings"
	"time"

	"chartkeeper/chart/icd10"
	"chartkeeper/store"
)

// Meta is what every chart record carries besides its fields.
type Meta struct {
	ID      string `json:"-"`
	Rev     string `json:"-"`
	Patient string `json:"-"` // the patient's ID; part of ID
	// Changed is when the record was last written (its revision's clock);
	// filled in when a chart is read.
	Changed time.Time `json:"-"`
}

func (m *Meta) meta() *Meta { return m }

// Item is a record of the clinical chart that [Service.Save] stores.
type Item interface {
	meta() *Meta
	kind() string
	check(s *Service, pr *problems)
}

// Problem is an entry of the problem list.
type Problem struct {
	Meta
	Code        string   `json:"code"` // ICD-10-CM, without the dot
	Description string   `json:"description"`
	Onset       string   `json:"onset,omitempty"` // YYYY-MM-DD, or YYYY-MM or YYYY when no more is known
	Status      string   `json:"status"`          // active, resolved, inactive
	Note        string   `json:"note,omitempty"`
	Codings     []Coding `json:"codings,omitempty"` // other codes (SNOMED CT, …) as another system sent them
}

func (*Problem) kind() string { return TypeProblem }
func (p *Problem) check(s *Service, pr *problems) {
	pr.controls(p)
	p.Code = s.checkCode(pr, T("code"), p.Code, false)
	if p.Description == "" && p.Code != "" {
		if c, ok := s.lookupCode(p.Code); ok {
			p.Description = c.Description
		}
	}
	pr.required(T("description"), p.Description)
	pr.maxLen(T("description"), p.Description, 500)
	p.Onset = strings.TrimSpace(p.Onset)
	s.checkPartialDate(pr, T("onset"), p.Onset)
	p.Status = oneOf(pr, T("status"), p.Status, "active", "active", "resolved", "inactive")
	checkCodings(pr, T("codings"), p.Codings)
}

// Allergy is an allergy or intolerance.
type Allergy struct {
	Meta
	Substance string   `json:"substance"`
	Reaction  string   `json:"reaction,omitempty"`
	Severity  string   `json:"severity"`          // mild, moderate, severe, unknown
	Status    string   `json:"status"`            // active, inactive
	Codings   []Coding `json:"codings,omitempty"` // the substance's codes (SNOMED CT, RxNorm, …)
	// ReactionCodings are the reactions' codes as another system sent them.
	ReactionCodings []Coding `json:"reactionCodings,omitempty"`
}

func (*Allergy) kind() string { return TypeAllergy }
func (a *Allergy) check(s *Service, pr *problems) {
	pr.controls(a)
	pr.required(T("substance"), a.Substance)
	pr.maxLen(T("substance"), a.Substance, 200)
	pr.maxLen(T("reaction"), a.Reaction, 500)
	a.Severity = oneOf(pr, T("severity"), a.Severity, "unknown", "mild", "moderate", "severe", "unknown")
	a.Status = oneOf(pr, T("status"), a.Status, "active", "active", "inactive")
	checkCodings(pr, T("codings"), a.Codings)
	checkCodings(pr, T("reaction codings"), a.ReactionCodings)
}

// Medication is a medication the patient takes or took.
type Medication struct {
	Meta
	Name      string `json:"name"`
	Dose      string `json:"dose,omitempty"` // "500 mg"
	Route     string `json:"route,omitempty"`
	Frequency string `json:"frequency,omitempty"` // "twice daily"
	Start     string `json:"start,omitempty"`
	Stop      string `json:"stop,omitempty"`
	// Status is "" (taken from Start until Stop), or as another system
	// recorded it: active, on-hold, completed, stopped, intended,
	// unknown. A completed or stopped medication is not current, whether
	// or not it says when it ended.
	Status  string   `json:"status,omitempty"`
	Codings []Coding `json:"codings,omitempty"` // RxNorm, …
	// Ordered says it came as an order (a FHIR MedicationRequest) and is
	// written back as one.
	Ordered bool `json:"ordered,omitempty"`
}

func (*Medication) kind() string { return TypeMedication }
func (m *Medication) check(s *Service, pr *problems) {
	pr.controls(m)
	pr.required(T("name"), m.Name)
	pr.maxLen(T("name"), m.Name, 200)
	pr.maxLen(T("dose"), m.Dose, 100)
	pr.maxLen(T("frequency"), m.Frequency, 100)
	if m.Route != "" {
		m.Route = oneOf(pr, T("route"), m.Route, "", "oral", "sublingual", "topical", "inhaled", "intravenous", "intramuscular", "subcutaneous", "rectal", "vaginal", "nasal", "ophthalmic", "otic", "transdermal", "other")
	}
	s.checkDate(pr, T("start"), m.Start, false)
	if m.Stop != "" {
		if _, err := time.Parse(dateLayout, m.Stop); err != nil {
			pr.add(T("stop"), T("must be a date written YYYY-MM-DD"))
		} else if m.Start != "" && m.Stop < m.Start {
			pr.add(T("stop"), T("is before the start"))
		}
	}
	if m.Status != "" {
		m.Status = oneOf(pr, T("status"), m.Status, "", "active", "on-hold", "completed", "stopped", "intended", "unknown")
	}
	checkCodings(pr, T("codings"), m.Codings)
}

// Active reports whether the medication is taken on the given day.
func (m Medication) Active(on time.Time) bool {
	if m.Status == "completed" || m.Status == "stopped" {
		return m.Stop != "" && m.Stop >= on.Format(dateLayout)
	}
	return m.Stop == "" || m.Stop >= on.Format(dateLayout)
}

// Vitals is one set of measurements. Zero means not measured.
type Vitals struct {
	Meta
	Taken     time.Time `json:"taken"`
	Systolic  int       `json:"systolic,omitempty"`  // mmHg
	Diastolic int       `json:"diastolic,omitempty"` // mmHg
	Pulse     int       `json:"pulse,omitempty"`     // beats per minute
	TempC     float64   `json:"tempC,omitempty"`
	WeightKg  float64   `json:"weightKg,omitempty"`
	HeightCm  float64   `json:"heightCm,omitempty"`
	SpO2      int       `json:"spo2,omitempty"`   // %
	RespRate  int       `json:"resp,omitempty"`   // breaths per minute
	HeadCm    float64   `json:"headCm,omitempty"` // head circumference
	// BMIGiven is a body mass index measured or worked out elsewhere,
	// kept when weight and height are not both in this set.
	BMIGiven float64 `json:"bmi,omitempty"`
}

// Precision of each measurement: kg, °C and cm to 0.1; mmHg, beats and
// breaths per minute and % whole.
const (
	PlacesTemp   = 1
	PlacesWeight = 1
	PlacesHeight = 1
	PlacesBMI    = 1
)

// Round brings every measurement to the precision of its unit, so that
// what is stored, shown, exported and printed is the same number.
func (v *Vitals) Round() {
	v.TempC = roundTo(v.TempC, PlacesTemp)
	v.WeightKg = roundTo(v.WeightKg, PlacesWeight)
	v.HeightCm = roundTo(v.HeightCm, PlacesHeight)
	v.HeadCm = roundTo(v.HeadCm, PlacesHeight)
	v.BMIGiven = roundTo(v.BMIGiven, PlacesBMI)
}

// Empty reports whether no measurement is recorded.
func (v Vitals) Empty() bool {
	return v.Systolic == 0 && v.Diastolic == 0 && v.Pulse == 0 && v.TempC == 0 && v.WeightKg == 0 && v.HeightCm == 0 &&
		v.SpO2 == 0 && v.RespRate == 0 && v.HeadCm == 0 && v.BMIGiven == 0
}

func (*Vitals) kind() string { return TypeVitals }

// BMI is weight / height², rounded to one decimal; without both, the
// body mass index given (0 when none).
func (v Vitals) BMI() float64 {
	if v.WeightKg <= 0 || v.HeightCm <= 0 {
		return v.BMIGiven
	}
	m := v.HeightCm / 100
	return math.Round(v.WeightKg/(m*m)*10) / 10
}

func (v *Vitals) check(s *Service, pr *problems) {
	v.Round()
	pr.controls(v)
	if v.Taken.IsZero() {
		pr.add(T("taken"), T("is required"))
	} else if v.Taken.After(s.now().Add(5 * time.Minute)) {
		pr.add(T("taken"), T("is in the future"))
	}
	inRange := func(field string, x, lo, hi float64, unit string) {
		if x != 0 && (x < lo || x > hi) {
			pr.addf(field, T("%g %s is not possible; expected %g to %g"), x, Word(unit), lo, hi)
		}
	}
	inRange(T("systolic pressure"), float64(v.Systolic), 40, 300, "mmHg")
	inRange(T("diastolic pressure"), float64(v.Diastolic), 20, 200, "mmHg")
	if (v.Systolic == 0) != (v.Diastolic == 0) {
		pr.add(T("blood pressure"), T("needs both the systolic and the diastolic value"))
	} else if v.Systolic != 0 && v.Diastolic >= v.Systolic {
		pr.add(T("diastolic pressure"), T("must be lower than the systolic pressure"))
	}
	inRange(T("pulse"), float64(v.Pulse), 20, 300, T("beats per minute"))
	inRange(T("temperature"), v.TempC, 25, 45, "°C")
	inRange(T("weight"), v.WeightKg, 0.2, 650, "kg")
	inRange(T("height"), v.HeightCm, 20, 275, "cm")
	inRange(T("SpO2"), float64(v.SpO2), 40, 100, "%")
	inRange(T("respiratory rate"), float64(v.RespRate), 2, 150, T("breaths per minute"))
	inRange(T("head circumference"), v.HeadCm, 15, 90, "cm")
	inRange(T("body mass index"), v.BMIGiven, 5, 200, "kg/m²")
	if v.Empty() {
		pr.add(T("vitals"), T("at least one measurement is required"))
	}
}

// Immunization is one dose of a vaccine given.
type Immunization struct {
	Meta
	Vaccine string   `json:"vaccine"`
	Date    string   `json:"date"`
	Dose    string   `json:"dose,omitempty"` // "2 of 3"
	Lot     string   `json:"lot,omitempty"`
	Site    string   `json:"site,omitempty"`
	Codings []Coding `json:"codings,omitempty"` // CVX, …
}

func (*Immunization) kind() string { return TypeImmunization }
func (im *Immunization) check(s *Service, pr *problems) {
	pr.controls(im)
	pr.required(T("vaccine"), im.Vaccine)
	pr.maxLen(T("vaccine"), im.Vaccine, 200)
	s.checkDate(pr, T("date"), im.Date, true)
	pr.maxLen(T("lot"), im.Lot, 50)
	checkCodings(pr, T("codings"), im.Codings)
}

// oneOf normalises value to one of allowed (def when empty) or reports it.
func oneOf(pr *problems, field, value, def string, allowed ...string) string {
	v := strings.ToLower(strings.TrimSpace(value))
	if v == "" {
		return def
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	pr.addf(field, T("must be one of %s"), strings.Join(allowed, ", "))
	return value
}

// Save validates and stores a clinical record (problem, allergy,
// medication, vitals, immunization): a new one when its ID is empty (its
// Patient set), else a new revision of the one read (its Rev).
func (s *Service) Save(it Item) error {
	m := it.meta()
	pid := m.Patient
	if m.ID != "" {
		pid = patientOf(m.ID)
	}
	u, _, err := s.requireFor(WriteClinical, pid)
	if err != nil {
		return err
	}
	var pr problems
	it.check(s, &pr)
	if err := pr.err(kindWords(it.kind())); err != nil {
		return err
	}
	return s.st.Update(func(tx *store.Tx) error {
		if err := s.liveChart(tx, pid); err != nil {
			return err
		}
		if err := s.clinicalRules(tx, u, pid, it); err != nil {
			return err
		}
		action := it.kind() + ".update"
		id := m.ID
		if id == "" {
			id, action = childID(pid), it.kind()+".create"
		} else if r, err := tx.Get(id); err != nil {
			return err
		} else if r.Type != it.kind() {
			return fmt.Errorf("%w: %s is a %s, not a %s", store.ErrInvalid, id, r.Type, it.kind())
		}
		r, err := put(tx, it.kind(), id, m.Rev, it)
		if err != nil {
			return err
		}
		m.ID, m.Rev, m.Patient = r.ID, r.Rev, pid
		return audit(tx, action, pid, r.ID, false)
	})
}

// kindWords names a clinical record type in a sentence.
func kindWords(kind string) string {
	switch kind {
	case TypeVitals:
		return "vital signs"
	case TypeNoKnownAllergies:
		return "\"No known allergies\""
	}
	return kind
}

// liveChart refuses writes to a missing or merged patient.
func (s *Service) liveChart(tx *store.Tx, pid string) error {
	p, err := s.getPatient(tx, pid)
	if err != nil {
		return err
	}
	if p.MergedInto != "" {
		return fmt.Errorf("%w: add to the chart of MRN %s", ErrMerged, s.mrnOf(p.MergedInto))
	}
	return nil
}

func (s *Service) mrnOf(id string) string {
	if p, ok := s.finder.summary(id); ok {
		return p.MRN
	}
	return "?"
}

// DeleteRecord removes a chart record (a tombstone; history stays). Only HIM
// managers may, with a reason.
func (s *Service) DeleteRecord(id, reason string) error {
	if _, err := s.require(Administer); err != nil {
		return err
	}
	if strings.TrimSpace(reason) == "" {
		return &ValidationError{What: "deletion", Fields: []FieldError{{Field: T("reason"), Message: T("is required")}}}
	}
	if err := reasonError("deletion", reason); err != nil {
		return err
	}
	return s.st.Update(func(tx *store.Tx) error {
		r, err := tx.Get(id)
		if err != nil {
			return err
		}
		if r.Deleted {
			return fmt.Errorf("%w: already deleted", store.ErrNotFound)
		}
		if r.Type == TypeVisit {
			if v, err := decodeVisit(r); err == nil && v.Signed {
				return ErrSigned
			}
		}
		if _, err := tx.Delete(id, r.Rev, reason); err != nil {
			return err
		}
		return audit(tx, r.Type+".delete", patientOf(id), reason, false)
	})
}

// checkCode validates an ICD-10-CM code and returns it without its dot.
// With a code table imported, the code must be in it.
func (s *Service) checkCode(pr *problems, field, code string, required bool) string {
	code = strings.TrimSpace(code)
	if code == "" {
		if required {
			pr.add(field, T("is required"))
		}
		return ""
	}
	n, err := icd10.Normalize(code)
	if err != nil {
		pr.addf(field, T("%q is not an ICD-10-CM code (a letter, two digits, then up to four more characters, like E11.9)"), code)
		return code
	}
	if t := s.codeTable(); t != nil {
		if _, ok := t.Lookup(n); !ok {
			pr.addf(field, T("%s is not in the imported ICD-10-CM code table"), icd10.Dot(n))
		}
	}
	return n
}

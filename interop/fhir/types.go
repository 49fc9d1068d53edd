package fhir

import "encoding/json"

// The FHIR R4 data types and resources Chartkeeper reads and writes, with
// the elements it uses. Decoding ignores every other element.

// Bundle is a FHIR Bundle.
type Bundle struct {
	ResourceType string  `json:"resourceType"`
	ID           string  `json:"id,omitempty"`
	Type         string  `json:"type"`
	Timestamp    string  `json:"timestamp,omitempty"`
	Entry        []Entry `json:"entry,omitempty"`
}

// Entry is one entry of a Bundle. Resource stays raw until its type is
// known.
type Entry struct {
	FullURL  string          `json:"fullUrl,omitempty"`
	Resource json.RawMessage `json:"resource,omitempty"`
	Request  *EntryRequest   `json:"request,omitempty"`
}

// EntryRequest is a transaction entry's request.
type EntryRequest struct {
	Method string `json:"method"`
	URL    string `json:"url"`
}

// Extension is a FHIR extension; Chartkeeper's own are named by
// [extURL] and carry what FHIR has no element for.
type Extension struct {
	URL           string      `json:"url"`
	ValueString   *string     `json:"valueString,omitempty"`
	ValueBoolean  *bool       `json:"valueBoolean,omitempty"`
	ValueDateTime string      `json:"valueDateTime,omitempty"`
	ValueInteger  *int        `json:"valueInteger,omitempty"`
	Extension     []Extension `json:"extension,omitempty"`
}

type Coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

type Reference struct {
	Reference  string      `json:"reference,omitempty"`
	Display    string      `json:"display,omitempty"`
	Identifier *Identifier `json:"identifier,omitempty"`
}

type Identifier struct {
	Use    string           `json:"use,omitempty"`
	Type   *CodeableConcept `json:"type,omitempty"`
	System string           `json:"system,omitempty"`
	Value  string           `json:"value,omitempty"`
}

type HumanName struct {
	Use    string   `json:"use,omitempty"`
	Text   string   `json:"text,omitempty"`
	Family string   `json:"family,omitempty"`
	Given  []string `json:"given,omitempty"`
	Prefix []string `json:"prefix,omitempty"`
}

type ContactPoint struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value,omitempty"`
	Use    string `json:"use,omitempty"`
}

type Address struct {
	Line       []string `json:"line,omitempty"`
	City       string   `json:"city,omitempty"`
	State      string   `json:"state,omitempty"`
	PostalCode string   `json:"postalCode,omitempty"`
	Country    string   `json:"country,omitempty"`
}

type Period struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

type Quantity struct {
	Value      *json.Number `json:"value,omitempty"`
	Comparator string       `json:"comparator,omitempty"`
	Unit       string       `json:"unit,omitempty"`
	System     string       `json:"system,omitempty"`
	Code       string       `json:"code,omitempty"`
}

type Annotation struct {
	Text string `json:"text"`
}

type Attachment struct {
	ContentType string `json:"contentType,omitempty"`
	Data        string `json:"data,omitempty"`
	URL         string `json:"url,omitempty"`
	Size        *int64 `json:"size,omitempty"`
	Hash        string `json:"hash,omitempty"`
	Title       string `json:"title,omitempty"`
	Creation    string `json:"creation,omitempty"`
}

// resourceHead is the part of every resource read first: its type and id.
type resourceHead struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id,omitempty"`
}

type Patient struct {
	ResourceType  string           `json:"resourceType"`
	ID            string           `json:"id,omitempty"`
	Identifier    []Identifier     `json:"identifier,omitempty"`
	Name          []HumanName      `json:"name,omitempty"`
	Telecom       []ContactPoint   `json:"telecom,omitempty"`
	Gender        string           `json:"gender,omitempty"`
	BirthDate     string           `json:"birthDate,omitempty"`
	Address       []Address        `json:"address,omitempty"`
	Contact       []PatientContact `json:"contact,omitempty"`
	Communication []Communication  `json:"communication,omitempty"`
	// deceased[x]: a date (or dateTime), or a yes/no
	DeceasedDateTime string `json:"deceasedDateTime,omitempty"`
	DeceasedBoolean  *bool  `json:"deceasedBoolean,omitempty"`
}

// Practitioner is read only for the name a visit's clinician goes by.
type Practitioner struct {
	ResourceType string      `json:"resourceType"`
	ID           string      `json:"id,omitempty"`
	Name         []HumanName `json:"name,omitempty"`
}

type PatientContact struct {
	Relationship []CodeableConcept `json:"relationship,omitempty"`
	Name         *HumanName        `json:"name,omitempty"`
	Telecom      []ContactPoint    `json:"telecom,omitempty"`
}

type Communication struct {
	Language CodeableConcept `json:"language"`
}

type Condition struct {
	ResourceType      string            `json:"resourceType"`
	ID                string            `json:"id,omitempty"`
	Extension         []Extension       `json:"extension,omitempty"`
	ClinicalStatus    *CodeableConcept  `json:"clinicalStatus,omitempty"`
	Category          []CodeableConcept `json:"category,omitempty"`
	Code              *CodeableConcept  `json:"code,omitempty"`
	Subject           Reference         `json:"subject"`
	Encounter         *Reference        `json:"encounter,omitempty"`
	OnsetDateTime     string            `json:"onsetDateTime,omitempty"`
	AbatementDateTime string            `json:"abatementDateTime,omitempty"`
	Note              []Annotation      `json:"note,omitempty"`
}

type AllergyIntolerance struct {
	ResourceType   string            `json:"resourceType"`
	ID             string            `json:"id,omitempty"`
	Extension      []Extension       `json:"extension,omitempty"`
	ClinicalStatus *CodeableConcept  `json:"clinicalStatus,omitempty"`
	Code           *CodeableConcept  `json:"code,omitempty"`
	Patient        Reference         `json:"patient"`
	Reaction       []AllergyReaction `json:"reaction,omitempty"`
}

type AllergyReaction struct {
	Manifestation []CodeableConcept `json:"manifestation"`
	Severity      string            `json:"severity,omitempty"`
}

type MedicationStatement struct {
	ResourceType              string           `json:"resourceType"`
	ID                        string           `json:"id,omitempty"`
	Status                    string           `json:"status"`
	MedicationCodeableConcept *CodeableConcept `json:"medicationCodeableConcept,omitempty"`
	MedicationReference       *Reference       `json:"medicationReference,omitempty"`
	Subject                   Reference        `json:"subject"`
	EffectivePeriod           *Period          `json:"effectivePeriod,omitempty"`
	EffectiveDateTime         string           `json:"effectiveDateTime,omitempty"`
	Dosage                    []Dosage         `json:"dosage,omitempty"`
}

type MedicationRequest struct {
	ResourceType              string           `json:"resourceType"`
	ID                        string           `json:"id,omitempty"`
	Extension                 []Extension      `json:"extension,omitempty"`
	Status                    string           `json:"status"`
	Intent                    string           `json:"intent"`
	MedicationCodeableConcept *CodeableConcept `json:"medicationCodeableConcept,omitempty"`
	MedicationReference       *Reference       `json:"medicationReference,omitempty"`
	Subject                   Reference        `json:"subject"`
	AuthoredOn                string           `json:"authoredOn,omitempty"`
	DosageInstruction         []Dosage         `json:"dosageInstruction,omitempty"`
	DispenseRequest           *struct {
		ValidityPeriod *Period `json:"validityPeriod,omitempty"`
	} `json:"dispenseRequest,omitempty"`
}

type Dosage struct {
	Text        string           `json:"text,omitempty"`
	Timing      *Timing          `json:"timing,omitempty"`
	Route       *CodeableConcept `json:"route,omitempty"`
	DoseAndRate []DoseAndRate    `json:"doseAndRate,omitempty"`
}

type Timing struct {
	Code *CodeableConcept `json:"code,omitempty"`
}

type DoseAndRate struct {
	DoseQuantity *Quantity `json:"doseQuantity,omitempty"`
}

type Encounter struct {
	ResourceType string                 `json:"resourceType"`
	ID           string                 `json:"id,omitempty"`
	Extension    []Extension            `json:"extension,omitempty"`
	Status       string                 `json:"status"`
	Class        *Coding                `json:"class,omitempty"`
	Type         []CodeableConcept      `json:"type,omitempty"`
	Subject      Reference              `json:"subject"`
	Participant  []EncounterParticipant `json:"participant,omitempty"`
	Period       *Period                `json:"period,omitempty"`
	ReasonCode   []CodeableConcept      `json:"reasonCode,omitempty"`
	Diagnosis    []EncounterDiagnosis   `json:"diagnosis,omitempty"`
}

type EncounterParticipant struct {
	Individual *Reference `json:"individual,omitempty"`
}

type Procedure struct {
	ResourceType      string            `json:"resourceType"`
	ID                string            `json:"id,omitempty"`
	Status            string            `json:"status"`
	Code              *CodeableConcept  `json:"code,omitempty"`
	Subject           Reference         `json:"subject"`
	Encounter         *Reference        `json:"encounter,omitempty"`
	PerformedDateTime string            `json:"performedDateTime,omitempty"`
	PerformedPeriod   *Period           `json:"performedPeriod,omitempty"`
	ReasonCode        []CodeableConcept `json:"reasonCode,omitempty"`
	Note              []Annotation      `json:"note,omitempty"`
}

type DiagnosticReport struct {
	ResourceType      string            `json:"resourceType"`
	ID                string            `json:"id,omitempty"`
	Status            string            `json:"status"`
	Category          []CodeableConcept `json:"category,omitempty"`
	Code              CodeableConcept   `json:"code"`
	Subject           *Reference        `json:"subject,omitempty"`
	Encounter         *Reference        `json:"encounter,omitempty"`
	EffectiveDateTime string            `json:"effectiveDateTime,omitempty"`
	EffectivePeriod   *Period           `json:"effectivePeriod,omitempty"`
	Issued            string            `json:"issued,omitempty"`
	Performer         []Reference       `json:"performer,omitempty"`
	Result            []Reference       `json:"result,omitempty"`
	Conclusion        string            `json:"conclusion,omitempty"`
	PresentedForm     []Attachment      `json:"presentedForm,omitempty"`
}

type CarePlan struct {
	ResourceType string             `json:"resourceType"`
	ID           string             `json:"id,omitempty"`
	Status       string             `json:"status"`
	Intent       string             `json:"intent"`
	Category     []CodeableConcept  `json:"category,omitempty"`
	Title        string             `json:"title,omitempty"`
	Description  string             `json:"description,omitempty"`
	Subject      Reference          `json:"subject"`
	Period       *Period            `json:"period,omitempty"`
	Created      string             `json:"created,omitempty"`
	Activity     []CarePlanActivity `json:"activity,omitempty"`
	Note         []Annotation       `json:"note,omitempty"`
}

type CarePlanActivity struct {
	Detail *CarePlanDetail `json:"detail,omitempty"`
}

type CarePlanDetail struct {
	Code        *CodeableConcept `json:"code,omitempty"`
	Status      string           `json:"status"`
	Description string           `json:"description,omitempty"`
}

type Goal struct {
	ResourceType    string          `json:"resourceType"`
	ID              string          `json:"id,omitempty"`
	LifecycleStatus string          `json:"lifecycleStatus"`
	Description     CodeableConcept `json:"description"`
	Subject         Reference       `json:"subject"`
	StartDate       string          `json:"startDate,omitempty"`
	StatusDate      string          `json:"statusDate,omitempty"`
	Note            []Annotation    `json:"note,omitempty"`
}

type EncounterDiagnosis struct {
	Condition Reference `json:"condition"`
	Rank      *int      `json:"rank,omitempty"`
}

type Observation struct {
	ResourceType         string                 `json:"resourceType"`
	ID                   string                 `json:"id,omitempty"`
	Status               string                 `json:"status"`
	Category             []CodeableConcept      `json:"category,omitempty"`
	Code                 CodeableConcept        `json:"code"`
	Subject              Reference              `json:"subject"`
	Encounter            *Reference             `json:"encounter,omitempty"`
	EffectiveDateTime    string                 `json:"effectiveDateTime,omitempty"`
	EffectivePeriod      *Period                `json:"effectivePeriod,omitempty"`
	EffectiveInstant     string                 `json:"effectiveInstant,omitempty"`
	Issued               string                 `json:"issued,omitempty"`
	ValueQuantity        *Quantity              `json:"valueQuantity,omitempty"`
	ValueCodeableConcept *CodeableConcept       `json:"valueCodeableConcept,omitempty"`
	ValueString          *string                `json:"valueString,omitempty"`
	ValueBoolean         *bool                  `json:"valueBoolean,omitempty"`
	ValueInteger         *json.Number           `json:"valueInteger,omitempty"`
	ValueDateTime        string                 `json:"valueDateTime,omitempty"`
	Interpretation       []CodeableConcept      `json:"interpretation,omitempty"`
	Note                 []Annotation           `json:"note,omitempty"`
	ReferenceRange       []ReferenceRange       `json:"referenceRange,omitempty"`
	HasMember            []Reference            `json:"hasMember,omitempty"`
	Component            []ObservationComponent `json:"component,omitempty"`
}

type ReferenceRange struct {
	Low  *Quantity `json:"low,omitempty"`
	High *Quantity `json:"high,omitempty"`
	Text string    `json:"text,omitempty"`
}

type ObservationComponent struct {
	Code                 CodeableConcept  `json:"code"`
	ValueQuantity        *Quantity        `json:"valueQuantity,omitempty"`
	ValueCodeableConcept *CodeableConcept `json:"valueCodeableConcept,omitempty"`
	ValueString          *string          `json:"valueString,omitempty"`
}

type Immunization struct {
	ResourceType       string            `json:"resourceType"`
	ID                 string            `json:"id,omitempty"`
	Extension          []Extension       `json:"extension,omitempty"`
	Status             string            `json:"status"`
	VaccineCode        CodeableConcept   `json:"vaccineCode"`
	Patient            Reference         `json:"patient"`
	OccurrenceDateTime string            `json:"occurrenceDateTime,omitempty"`
	OccurrenceString   string            `json:"occurrenceString,omitempty"`
	LotNumber          string            `json:"lotNumber,omitempty"`
	Site               *CodeableConcept  `json:"site,omitempty"`
	ProtocolApplied    []ProtocolApplied `json:"protocolApplied,omitempty"`
}

type ProtocolApplied struct {
	DoseNumberString      string `json:"doseNumberString,omitempty"`
	DoseNumberPositiveInt *int   `json:"doseNumberPositiveInt,omitempty"`
}

type DocumentReference struct {
	ResourceType string            `json:"resourceType"`
	ID           string            `json:"id,omitempty"`
	Extension    []Extension       `json:"extension,omitempty"`
	Status       string            `json:"status"`
	Type         *CodeableConcept  `json:"type,omitempty"`
	Category     []CodeableConcept `json:"category,omitempty"`
	Subject      *Reference        `json:"subject,omitempty"`
	Date         string            `json:"date,omitempty"`
	Description  string            `json:"description,omitempty"`
	Content      []DocumentContent `json:"content"`
	Context      *DocumentContext  `json:"context,omitempty"`
}

type DocumentContent struct {
	Attachment Attachment `json:"attachment"`
}

type DocumentContext struct {
	Encounter []Reference `json:"encounter,omitempty"`
	Period    *Period     `json:"period,omitempty"`
}

package fhir

import (
	"bufio"
	"cmp"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"chartkeeper/chart"
	"chartkeeper/internal/words"
)

// ExportStats counts what an export wrote.
type ExportStats struct {
	Patients, Resources, Documents int
}

// ExportPatient writes one patient's chart as a FHIR R4 Bundle of type
// collection to w. The signed-in user must be allowed to export
// ([chart.PrintExport]); the export and the chart view are audited.
func ExportPatient(w io.Writer, svc *chart.Service, patientID string) (ExportStats, error) {
	if err := svc.Print(chart.PrintExport, patientID, nil); err != nil {
		return ExportStats{}, err
	}
	bw := newBundleWriter(w)
	if err := bw.chart(svc, patientID); err != nil {
		return bw.stats, err
	}
	return bw.stats, bw.close()
}

// ExportPractice writes every chart of the practice as one Bundle (HIM
// managers; audited as a practice export and per chart).
func ExportPractice(w io.Writer, svc *chart.Service) (ExportStats, error) {
	ids, err := svc.ExportPractice("FHIR bundle")
	if err != nil {
		return ExportStats{}, err
	}
	bw := newBundleWriter(w)
	for _, id := range ids {
		if err := svc.Print(chart.PrintExport, id, nil); err != nil {
			return bw.stats, err
		}
		if err := bw.chart(svc, id); err != nil {
			return bw.stats, err
		}
	}
	return bw.stats, bw.close()
}

// WriteChart writes a chart already read (with its documents' contents,
// by document ID) as a Bundle. The caller has checked and audited the
// export ([chart.Service.Print]).
func WriteChart(w io.Writer, c *chart.Chart, docs map[string][]byte) error {
	bw := newBundleWriter(w)
	for _, r := range ChartResources(c, docs) {
		bw.add(r.ID, r.Resource)
	}
	return bw.close()
}

// bundleWriter streams a Bundle: charts are read and written one at a
// time, so a practice's export never sits in memory whole.
type bundleWriter struct {
	w       *bufio.Writer
	started bool // the entry array is open
	err     error
	stats   ExportStats
}

func newBundleWriter(w io.Writer) *bundleWriter {
	bw := &bundleWriter{w: bufio.NewWriterSize(w, 64<<10)}
	head, _ := json.Marshal(Bundle{ResourceType: "Bundle", ID: resourceID(time.Now().String()), Type: "collection",
		Timestamp: time.Now().UTC().Format(time.RFC3339)})
	bw.write(head[:len(head)-1]) // leave the object open for the entries
	return bw
}

func (bw *bundleWriter) write(b []byte) {
	if bw.err == nil {
		_, bw.err = bw.w.Write(b)
	}
}

// add writes one resource as an entry with its urn:uuid fullUrl.
func (bw *bundleWriter) add(id string, resource any) {
	body, err := json.Marshal(resource)
	if err != nil {
		bw.err = err
		return
	}
	if !bw.started {
		bw.write([]byte(`,"entry":[`))
		bw.started = true
	} else {
		bw.write([]byte(","))
	}
	e, err := json.Marshal(Entry{FullURL: "urn:uuid:" + id, Resource: body})
	if err != nil {
		bw.err = err
		return
	}
	bw.write(e)
	bw.stats.Resources++
}

func (bw *bundleWriter) close() error {
	if bw.started {
		bw.write([]byte("]"))
	}
	bw.write([]byte("}\n"))
	if bw.err != nil {
		return bw.err
	}
	return bw.w.Flush()
}

// chart reads one chart and writes its resources.
func (bw *bundleWriter) chart(svc *chart.Service, patientID string) error {
	c, err := svc.OpenChart(patientID)
	if err != nil {
		return err
	}
	docs := map[string][]byte{}
	for _, d := range c.Documents {
		if docs[d.ID], err = readDocument(svc, d.ID); err != nil {
			return err
		}
	}
	for _, r := range ChartResources(c, docs) {
		bw.add(r.ID, r.Resource)
	}
	bw.stats.Patients++
	bw.stats.Documents += len(c.Documents)
	return bw.err
}

// readDocument reads a filed document's content (audited as a view).
func readDocument(svc *chart.Service, id string) ([]byte, error) {
	rc, _, err := svc.OpenDocument(id)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// Resource is one FHIR resource with its id.
type Resource struct {
	ID       string
	Resource any
}

// ChartResources maps a chart to FHIR resources: the Patient first, then
// its clinical records and documents, whose content comes from docs (by
// document ID). Records the chart left out for the reader's role are not
// there to map.
func ChartResources(c *chart.Chart, docs map[string][]byte) []Resource {
	pid := resourceID(c.Patient.ID)
	subject := Reference{Reference: "urn:uuid:" + pid}
	out := []Resource{{pid, patientResource(c.Patient, pid)}}
	for _, p := range c.Problems {
		out = append(out, Resource{resourceID(p.ID), problemResource(p, subject)})
	}
	for _, a := range c.Allergies {
		out = append(out, Resource{resourceID(a.ID), allergyResource(a, subject)})
	}
	for _, m := range c.Medications {
		out = append(out, Resource{resourceID(m.ID), medicationResource(m, subject)})
	}
	for i := len(c.Visits) - 1; i >= 0; i-- { // oldest first
		out = append(out, visitResources(c.Visits[i], c.AmendmentsOf(c.Visits[i].ID), subject)...)
	}
	for i := len(c.Vitals) - 1; i >= 0; i-- {
		out = append(out, vitalsResources(c.Vitals[i], subject)...)
	}
	for _, im := range c.Immunizations {
		out = append(out, Resource{resourceID(im.ID), immunizationResource(im, subject)})
	}
	for _, d := range c.Documents {
		out = append(out, Resource{resourceID(d.ID), documentResource(d, docs[d.ID], subject)})
	}
	for i := len(c.Procedures) - 1; i >= 0; i-- {
		out = append(out, Resource{resourceID(c.Procedures[i].ID), procedureResource(c.Procedures[i], subject)})
	}
	for i := len(c.Results) - 1; i >= 0; i-- {
		out = append(out, Resource{resourceID(c.Results[i].ID), resultResource(c.Results[i], subject)})
	}
	for i := len(c.Reports) - 1; i >= 0; i-- {
		out = append(out, Resource{resourceID(c.Reports[i].ID), reportResource(c.Reports[i], subject)})
	}
	return out
}

func patientResource(p chart.Patient, id string) Patient {
	r := Patient{ResourceType: "Patient", ID: id, Gender: string(p.Sex), BirthDate: p.DOB}
	r.Identifier = append(r.Identifier, Identifier{Use: "usual",
		Type:   &CodeableConcept{Coding: []Coding{{System: systemIDType, Code: "MR", Display: "Medical record number"}}},
		System: systemMRN, Value: p.MRN})
	for _, x := range p.Identifiers {
		r.Identifier = append(r.Identifier, Identifier{System: systemIdentifier + x.System, Value: x.Value})
	}
	r.Name = []HumanName{{Use: "official", Family: p.Family, Given: words.NonEmpty(p.Given)}}
	if p.Preferred != "" {
		r.Name = append(r.Name, HumanName{Use: "usual", Given: []string{p.Preferred}})
	}
	if p.Phone != "" {
		r.Telecom = []ContactPoint{{System: "phone", Value: p.Phone}}
	}
	if a := p.Address; a != (chart.Address{}) {
		r.Address = []Address{{Line: words.NonEmpty(a.Line), City: a.City, State: a.Region, PostalCode: a.PostalCode, Country: a.Country}}
	}
	if e := p.Emergency; e != (chart.Contact{}) {
		pc := PatientContact{}
		if e.Relation != "" {
			pc.Relationship = []CodeableConcept{{Text: e.Relation}}
		}
		if e.Name != "" {
			pc.Name = &HumanName{Text: e.Name}
		}
		if e.Phone != "" {
			pc.Telecom = []ContactPoint{{System: "phone", Value: e.Phone}}
		}
		r.Contact = []PatientContact{pc}
	}
	if p.Language != "" {
		r.Communication = []Communication{{Language: CodeableConcept{Text: p.Language}}}
	}
	switch {
	case p.DeceasedDate != "":
		r.DeceasedDateTime = p.DeceasedDate
	case p.Deceased:
		yes := true
		r.DeceasedBoolean = &yes
	}
	return r
}

func problemResource(p chart.Problem, subject Reference) Condition {
	r := Condition{ResourceType: "Condition", ID: resourceID(p.ID), Subject: subject,
		ClinicalStatus: &CodeableConcept{Coding: []Coding{{System: systemCondStatus, Code: p.Status}}},
		Category:       []CodeableConcept{{Coding: []Coding{{System: systemCondCat, Code: "problem-list-item", Display: "Problem List Item"}}}},
		Code:           &CodeableConcept{Text: p.Description},
		OnsetDateTime:  p.Onset}
	if p.Code != "" {
		r.Code.Coding = []Coding{{System: systemICD10CM, Code: dotted(p.Code)}}
	}
	r.Code.Coding = append(r.Code.Coding, fhirCodings(p.Codings)...)
	if p.Note != "" {
		r.Note = []Annotation{{Text: p.Note}}
	}
	return r
}

// dotted writes an ICD-10-CM code as FHIR does, with its dot (E119 → E11.9).
func dotted(code string) string { return chart.CodeText(code) }

func allergyResource(a chart.Allergy, subject Reference) AllergyIntolerance {
	r := AllergyIntolerance{ResourceType: "AllergyIntolerance", ID: resourceID(a.ID), Patient: subject,
		ClinicalStatus: &CodeableConcept{Coding: []Coding{{System: systemAllergySt, Code: a.Status}}},
		Code:           &CodeableConcept{Text: a.Substance, Coding: fhirCodings(a.Codings)}}
	if a.Reaction != "" {
		rx := AllergyReaction{Manifestation: []CodeableConcept{{Text: a.Reaction, Coding: fhirCodings(a.ReactionCodings)}}}
		if a.Severity != "unknown" {
			rx.Severity = a.Severity
		}
		r.Reaction = []AllergyReaction{rx}
	} else if a.Severity != "unknown" && a.Severity != "" {
		// FHIR keeps severity with a reaction; without one it is ours
		r.Extension = appendText(r.Extension, "allergy-severity", a.Severity)
	}
	return r
}

func medicationResource(m chart.Medication, subject Reference) any {
	status := "active"
	if m.Stop != "" && !m.Active(time.Now()) {
		status = "completed"
	}
	status = cmp.Or(m.Status, status)
	med := &CodeableConcept{Text: m.Name, Coding: fhirCodings(m.Codings)}
	if m.Ordered {
		if status == "intended" {
			status = "active"
		}
		r := MedicationRequest{ResourceType: "MedicationRequest", ID: resourceID(m.ID), Status: status, Intent: "order", Subject: subject,
			MedicationCodeableConcept: med, AuthoredOn: m.Start}
		if m.Stop != "" {
			r.DispenseRequest = &struct {
				ValidityPeriod *Period `json:"validityPeriod,omitempty"`
			}{&Period{Start: m.Start, End: m.Stop}}
		}
		if d, ok := dosage(m); ok {
			r.DosageInstruction = []Dosage{d}
		}
		return r
	}
	r := MedicationStatement{ResourceType: "MedicationStatement", ID: resourceID(m.ID), Status: status, Subject: subject,
		MedicationCodeableConcept: med}
	if m.Start != "" || m.Stop != "" {
		r.EffectivePeriod = &Period{Start: m.Start, End: m.Stop}
	}
	if d, ok := dosage(m); ok {
		r.Dosage = []Dosage{d}
	}
	return r
}

// dosage is a medication's dose, frequency and route as a FHIR dosage.
func dosage(m chart.Medication) (Dosage, bool) {
	if m.Dose != "" || m.Route != "" || m.Frequency != "" {
		d := Dosage{Text: m.Dose}
		if m.Frequency != "" {
			d.Timing = &Timing{Code: &CodeableConcept{Text: m.Frequency}}
		}
		if m.Route != "" {
			d.Route = &CodeableConcept{Text: m.Route}
		}
		if q, ok := doseQuantity(m.Dose); ok {
			d.DoseAndRate = []DoseAndRate{{DoseQuantity: q}}
		}
		return d, true
	}
	return Dosage{}, false
}

// doseQuantity reads a dose like "500 mg" as a quantity, when it says
// exactly that and reads back the same.
func doseQuantity(dose string) (*Quantity, bool) {
	num, unit, ok := strings.Cut(dose, " ")
	if !ok || unit == "" || strings.ContainsAny(unit, " ") {
		return nil, false
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || strconv.FormatFloat(f, 'f', -1, 64) != num {
		return nil, false
	}
	n := json.Number(num)
	return &Quantity{Value: &n, Unit: unit}, true
}

func visitResources(v chart.Visit, amendments []chart.Amendment, subject Reference) []Resource {
	id := resourceID(v.ID)
	r := Encounter{ResourceType: "Encounter", ID: id, Status: "in-progress", Subject: subject,
		Class:      &Coding{System: systemActCode, Code: "AMB", Display: "ambulatory"},
		Period:     &Period{Start: v.Date},
		ReasonCode: []CodeableConcept{{Text: v.Reason, Coding: fhirCodings(v.ReasonCodings)}}}
	if len(v.Codings) > 0 {
		r.Type = []CodeableConcept{{Coding: fhirCodings(v.Codings)}}
	}
	if v.Signed {
		r.Status = "finished"
	}
	if v.Clinician != "" || v.ClinicianID != "" {
		ref := &Reference{Display: v.Clinician}
		if v.ClinicianID != "" {
			ref.Identifier = &Identifier{System: systemUser, Value: v.ClinicianID}
		}
		r.Participant = []EncounterParticipant{{Individual: ref}}
	}
	r.Extension = appendText(r.Extension, "visit-subjective", v.Subjective)
	r.Extension = appendText(r.Extension, "visit-objective", v.Objective)
	r.Extension = appendText(r.Extension, "visit-assessment", v.Assessment)
	r.Extension = appendText(r.Extension, "visit-plan", v.Plan)
	if v.Signed {
		sig := Extension{URL: extURL("visit-signature")}
		sig.Extension = appendText(sig.Extension, "by", v.SignedBy)
		sig.Extension = appendText(sig.Extension, "by-id", v.SignedByID)
		sig.Extension = append(sig.Extension, Extension{URL: "at", ValueDateTime: instant(v.SignedAt)})
		for i := range sig.Extension {
			sig.Extension[i].URL = strings.TrimPrefix(sig.Extension[i].URL, extBase)
		}
		r.Extension = append(r.Extension, sig)
	}
	if v.ImportedFrom != "" {
		ie := Extension{URL: extURL("visit-imported")}
		ie.Extension = appendText(ie.Extension, "from", v.ImportedFrom)
		if !v.ImportedAt.IsZero() {
			ie.Extension = append(ie.Extension, Extension{URL: "at", ValueDateTime: instant(v.ImportedAt)})
		}
		r.Extension = append(r.Extension, local(ie))
	}
	for _, p := range v.Procedures {
		pe := Extension{URL: extURL("visit-procedure")}
		pe.Extension = appendText(pe.Extension, "code", p.Code)
		pe.Extension = appendText(pe.Extension, "description", p.Description)
		r.Extension = append(r.Extension, local(pe))
	}
	for _, a := range amendments {
		ae := Extension{URL: extURL("visit-amendment")}
		ae.Extension = appendText(ae.Extension, "text", a.Text)
		ae.Extension = appendText(ae.Extension, "reason", a.Reason)
		ae.Extension = appendText(ae.Extension, "author", a.Author)
		ae.Extension = appendText(ae.Extension, "author-id", a.AuthorID)
		ae.Extension = append(ae.Extension, Extension{URL: "at", ValueDateTime: instant(a.At)})
		r.Extension = append(r.Extension, local(ae))
	}
	out := []Resource{{id, &r}}
	for i, d := range v.Diagnoses {
		cid := resourceID(v.ID + "/diagnosis/" + strconv.Itoa(i))
		c := Condition{ResourceType: "Condition", ID: cid, Subject: subject,
			Category:  []CodeableConcept{{Coding: []Coding{{System: systemCondCat, Code: "encounter-diagnosis", Display: "Encounter Diagnosis"}}}},
			Code:      &CodeableConcept{Coding: []Coding{{System: systemICD10CM, Code: dotted(d.Code), Display: d.Description}}},
			Encounter: &Reference{Reference: "urn:uuid:" + id}}
		ed := EncounterDiagnosis{Condition: Reference{Reference: "urn:uuid:" + cid}}
		if d.Primary {
			one := 1
			ed.Rank = &one
		}
		r.Diagnosis = append(r.Diagnosis, ed)
		out = append(out, Resource{cid, c})
	}
	return out
}

// local names the parts of a complex extension by their short names.
func local(e Extension) Extension {
	for i := range e.Extension {
		e.Extension[i].URL = strings.TrimPrefix(e.Extension[i].URL, extBase)
	}
	return e
}

// appendText adds a string extension unless the text is empty (FHIR
// allows no empty strings).
func appendText(exts []Extension, name, text string) []Extension {
	if strings.TrimSpace(text) == "" {
		return exts
	}
	return append(exts, Extension{URL: extURL(name), ValueString: &text})
}

// instant writes a time as a FHIR dateTime in UTC.
func instant(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func vitalsResources(v chart.Vitals, subject Reference) []Resource {
	var out []Resource
	cat := []CodeableConcept{{Coding: []Coding{{System: systemObsCat, Code: "vital-signs", Display: "Vital Signs"}}}}
	obs := func(code, display string, value float64, places int, unit string) {
		id := resourceID(v.ID + "/" + code)
		o := Observation{ResourceType: "Observation", ID: id, Status: "final", Category: cat, Subject: subject,
			Code:              CodeableConcept{Coding: []Coding{{System: systemLOINC, Code: code, Display: display}}, Text: display},
			EffectiveDateTime: instant(v.Taken), ValueQuantity: quantity(value, places, unit)}
		if code == loincSpO2 {
			o.Code.Coding = append(o.Code.Coding, Coding{System: systemLOINC, Code: loincSpO2Art, Display: "Oxygen saturation in Arterial blood"})
		}
		out = append(out, Resource{id, o})
	}
	if v.Systolic != 0 {
		id := resourceID(v.ID + "/" + loincBPPanel)
		out = append(out, Resource{id, Observation{ResourceType: "Observation", ID: id, Status: "final", Category: cat, Subject: subject,
			Code:              CodeableConcept{Coding: []Coding{{System: systemLOINC, Code: loincBPPanel, Display: "Blood pressure panel with all children optional"}}, Text: "Blood pressure"},
			EffectiveDateTime: instant(v.Taken),
			Component: []ObservationComponent{
				{Code: CodeableConcept{Coding: []Coding{{System: systemLOINC, Code: loincSystolic, Display: "Systolic blood pressure"}}}, ValueQuantity: quantity(float64(v.Systolic), 0, "mm[Hg]")},
				{Code: CodeableConcept{Coding: []Coding{{System: systemLOINC, Code: loincDiastolic, Display: "Diastolic blood pressure"}}}, ValueQuantity: quantity(float64(v.Diastolic), 0, "mm[Hg]")},
			}}})
	}
	if v.Pulse != 0 {
		obs(loincPulse, "Heart rate", float64(v.Pulse), 0, "/min")
	}
	if v.RespRate != 0 {
		obs(loincResp, "Respiratory rate", float64(v.RespRate), 0, "/min")
	}
	if v.TempC != 0 {
		obs(loincTemp, "Body temperature", v.TempC, chart.PlacesTemp, "Cel")
	}
	if v.WeightKg != 0 {
		obs(loincWeight, "Body weight", v.WeightKg, chart.PlacesWeight, "kg")
	}
	if v.HeightCm != 0 {
		obs(loincHeight, "Body height", v.HeightCm, chart.PlacesHeight, "cm")
	}
	if v.HeadCm != 0 {
		obs(loincHeadCirc, "Head Occipital-frontal circumference", v.HeadCm, chart.PlacesHeight, "cm")
	}
	if bmi := v.BMI(); bmi != 0 {
		obs(loincBMI, "Body mass index (BMI) [Ratio]", bmi, chart.PlacesBMI, "kg/m2")
	}
	if v.SpO2 != 0 {
		obs(loincSpO2, "Oxygen saturation in Arterial blood by Pulse oximetry", float64(v.SpO2), 0, "%")
	}
	return out
}

// quantity is a measurement at the precision of its unit (places
// decimals), never with float noise.
func quantity(v float64, places int, ucum string) *Quantity {
	n := json.Number(strconv.FormatFloat(v, 'f', places, 64))
	return &Quantity{Value: &n, Unit: ucum, System: systemUCUM, Code: ucum}
}

func immunizationResource(im chart.Immunization, subject Reference) Immunization {
	r := Immunization{ResourceType: "Immunization", ID: resourceID(im.ID), Status: "completed", Patient: subject,
		VaccineCode: CodeableConcept{Text: im.Vaccine, Coding: fhirCodings(im.Codings)}, OccurrenceDateTime: im.Date, LotNumber: im.Lot}
	if im.Site != "" {
		r.Site = &CodeableConcept{Text: im.Site}
	}
	if im.Dose != "" {
		r.ProtocolApplied = []ProtocolApplied{{DoseNumberString: im.Dose}}
	}
	return r
}

func documentResource(d chart.Document, content []byte, subject Reference) DocumentReference {
	cat, _ := chart.CategoryByName(d.Category)
	size := int64(len(content))
	sum := sha1.Sum(content)
	r := DocumentReference{ResourceType: "DocumentReference", ID: resourceID(d.ID), Status: cmp.Or(d.Status, "current"), Subject: &subject,
		Type:        &CodeableConcept{Text: cmp.Or(cat.Title, d.Category), Coding: fhirCodings(d.Codings)},
		Category:    []CodeableConcept{{Coding: []Coding{{System: systemCategory, Code: d.Category, Display: cat.Title}}}},
		Description: d.Title,
		Content: []DocumentContent{{Attachment: Attachment{ContentType: d.ContentType, Data: base64.StdEncoding.EncodeToString(content),
			Size: &size, Hash: base64.StdEncoding.EncodeToString(sum[:]), Title: d.Source}}},
		Context: &DocumentContext{Period: &Period{Start: d.ClinicalDate}}}
	if !d.FiledAt.IsZero() {
		r.Date = instant(d.FiledAt)
	}
	r.Extension = appendText(r.Extension, "document-note", d.Note)
	r.Extension = appendText(r.Extension, "document-filed-by", d.FiledBy)
	if !d.Received.IsZero() {
		r.Extension = append(r.Extension, Extension{URL: extURL("document-received"), ValueDateTime: instant(d.Received)})
	}
	if d.Pages > 0 {
		pages := d.Pages
		r.Extension = append(r.Extension, Extension{URL: extURL("document-pages"), ValueInteger: &pages})
	}
	return r
}

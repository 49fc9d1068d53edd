package chart

import (
	"bytes"
	"cmp"
	"fmt"
	"strings"

	"chartkeeper/store"
)

// ImportedChart is one patient's whole record as it arrives from another
// system (a FHIR bundle, another Chartkeeper practice): demographics,
// clinical records and filed documents. [Service.ImportChart] stores it
// whole or not at all. IDs, revisions and the MRN are assigned on import.
type ImportedChart struct {
	Patient       Patient
	Problems      []Problem
	Allergies     []Allergy
	Medications   []Medication
	Visits        []ImportedVisit
	Vitals        []Vitals
	Immunizations []Immunization
	Procedures    []ProcedureRecord
	Results       []Result
	Reports       []ImportedReport
	Documents     []ImportedDocument
	// Source names the other system or file, for the line "imported from
	// SOURCE on DATE" of its historical visits ("FHIR bundle" when empty).
	Source string
}

// ImportedReport is a report with the results it groups, by their place
// in the chart's Results.
type ImportedReport struct {
	Report
	Results []int
}

// ImportedVisit is a visit with its amendments. A signed visit keeps its
// signature (who signed it and when) as the other system recorded it.
// A History visit is a finished visit of another system: it is stored
// signed as imported (by its clinician, at the import), with the line
// "imported from SOURCE on DATE", so it is history rather than a draft on
// the unsigned-notes worklist.
type ImportedVisit struct {
	Visit
	Amendments []Amendment
	History    bool
}

// ImportedDocument is a filed document with its content.
type ImportedDocument struct {
	Document
	Content []byte
}

// maxImportedDocument bounds one imported document's content.
const maxImportedDocument = 64 << 20

// CheckImport validates an imported chart without saving it (HIM
// managers): every field problem of every record, each named by its
// record ("visit 2: date"). Values are normalised in place as on saving.
func (s *Service) CheckImport(c *ImportedChart) error {
	if _, err := s.require(Administer); err != nil {
		return err
	}
	return s.checkImport(c)
}

func (s *Service) checkImport(c *ImportedChart) error {
	var all problems
	c.Patient.ID, c.Patient.Rev, c.Patient.MRN, c.Patient.MergedInto = "", "", "", ""
	if err := s.validate(&c.Patient); err != nil {
		all.merge("patient", err)
	}
	each := func(what string, n int, check func(i int, pr *problems)) {
		for i := range n {
			var pr problems
			check(i, &pr)
			all.mergeList(fmt.Sprintf("%s %d", what, i+1), pr.list)
		}
	}
	each("problem", len(c.Problems), func(i int, pr *problems) { c.Problems[i].check(s, pr) })
	each("allergy", len(c.Allergies), func(i int, pr *problems) { c.Allergies[i].check(s, pr) })
	each("medication", len(c.Medications), func(i int, pr *problems) { c.Medications[i].check(s, pr) })
	each("vital signs", len(c.Vitals), func(i int, pr *problems) { c.Vitals[i].check(s, pr) })
	each("immunization", len(c.Immunizations), func(i int, pr *problems) { c.Immunizations[i].check(s, pr) })
	each("procedure", len(c.Procedures), func(i int, pr *problems) { c.Procedures[i].check(s, pr) })
	each("result", len(c.Results), func(i int, pr *problems) { c.Results[i].check(s, pr) })
	each("report", len(c.Reports), func(i int, pr *problems) {
		c.Reports[i].check(s, pr)
		for _, j := range c.Reports[i].Results {
			if j < 0 || j >= len(c.Results) {
				pr.add(T("results"), T("names a result that is not in the chart"))
			}
		}
	})
	each("visit", len(c.Visits), func(i int, pr *problems) {
		v := &c.Visits[i].Visit
		if c.Visits[i].History {
			v.Signed = true
			if v.SignedBy == "" {
				v.SignedBy = cmp.Or(v.Clinician, "the other system")
			}
			if v.SignedAt.IsZero() {
				v.SignedAt = s.now().UTC()
			}
			if v.ImportedFrom == "" {
				v.ImportedFrom = cmp.Or(strings.TrimSpace(c.Source), "FHIR bundle")
			}
			if v.ImportedAt.IsZero() {
				v.ImportedAt = s.now().UTC()
			}
		}
		if err := s.checkVisit(v); err != nil {
			all.merge(fmt.Sprintf("visit %d", i+1), err)
		}
		if v.Signed {
			pr.required(T("signed by"), v.SignedBy)
			if v.SignedAt.IsZero() {
				pr.add(T("signed at"), T("is required for a signed visit"))
			}
		}
		for j, a := range c.Visits[i].Amendments {
			f := fmt.Sprintf("amendments[%d]", j+1)
			if !v.Signed {
				pr.add(f, T("amends a visit that is not signed"))
			}
			pr.required(f+".text", a.Text)
			pr.required(f+".reason", a.Reason)
			pr.required(f+".author", a.Author)
			pr.maxLen(f+".text", a.Text, 100_000)
			if a.At.IsZero() {
				pr.add(f+".time", T("is required"))
			}
		}
	})
	each("document", len(c.Documents), func(i int, pr *problems) {
		d := &c.Documents[i]
		s.checkFiling(pr, &d.Document)
		pr.required(T("content type"), d.ContentType)
		if len(d.Content) == 0 {
			pr.add(T("content"), T("is empty"))
		}
		if len(d.Content) > maxImportedDocument {
			pr.addf(T("content"), T("is larger than %d MB"), maxImportedDocument>>20)
		}
	})
	return all.err("imported chart")
}

// merge adds the field errors of a ValidationError (or err itself) under
// the name of a record.
func (p *problems) merge(record string, err error) {
	if ve, ok := err.(*ValidationError); ok {
		p.mergeList(record, ve.Fields)
		return
	}
	p.addf(record, "%v", err)
}

func (p *problems) mergeList(record string, fs []FieldError) {
	for _, f := range fs {
		p.list = append(p.list, FieldError{Field: record + ": " + f.Field, Message: f.Message})
	}
}

// ImportChart stores an imported chart (HIM managers): the patient gets a
// new ID and MRN, and the patient with every clinical record and document
// is written in one transaction, so it is imported whole or not at all.
// Document contents are sealed into the store first; a failed import may
// leave such content unreferenced, never a part of a chart. The audit log
// records "patient.import" with source (e.g. the file's kind). Duplicate
// checks are the importer's business ([Service.Duplicates]).
func (s *Service) ImportChart(c ImportedChart, source string) (Patient, error) {
	u, err := s.require(Administer)
	if err != nil {
		return Patient{}, err
	}
	if err := s.checkImport(&c); err != nil {
		return Patient{}, err
	}
	blobs := make([]store.BlobInfo, len(c.Documents))
	for i, d := range c.Documents {
		// Imported documents are filed: a clinical one's content is
		// sealed to the clinical document key (clinicaldocs.go).
		put := s.st.PutBlob
		if sealsClinically(s.st, Document{Meta: Meta{Patient: "imported"}, Category: d.Category}) {
			put = s.st.PutClinicalBlob
		}
		if blobs[i], err = put(bytes.NewReader(d.Content)); err != nil {
			return Patient{}, err
		}
	}
	s.mrnMu.Lock()
	defer s.mrnMu.Unlock()
	p := c.Patient
	if err := s.finder.read(func() { p.MRN = s.finder.newMRN() }); err != nil {
		return Patient{}, err
	}
	p.ID = store.NewID()
	now := s.now().UTC()
	err = s.st.Update(func(tx *store.Tx) error {
		r, err := put(tx, TypePatient, p.ID, "", p)
		if err != nil {
			return err
		}
		p.Rev = r.Rev
		add := func(typ string, v any) (string, error) {
			r, err := put(tx, typ, childID(p.ID), "", v)
			return r.ID, err
		}
		for _, x := range c.Problems {
			if _, err := add(TypeProblem, x); err != nil {
				return err
			}
		}
		for _, x := range c.Allergies {
			if _, err := add(TypeAllergy, x); err != nil {
				return err
			}
		}
		for _, x := range c.Medications {
			if _, err := add(TypeMedication, x); err != nil {
				return err
			}
		}
		for _, x := range c.Vitals {
			if _, err := add(TypeVitals, x); err != nil {
				return err
			}
		}
		for _, x := range c.Immunizations {
			if _, err := add(TypeImmunization, x); err != nil {
				return err
			}
		}
		for _, x := range c.Procedures {
			if _, err := add(TypeProcedure, x); err != nil {
				return err
			}
		}
		resultIDs := make([]string, len(c.Results))
		for i, x := range c.Results {
			if resultIDs[i], err = add(TypeResult, x); err != nil {
				return err
			}
		}
		for _, x := range c.Reports {
			r := x.Report
			r.Results = nil
			for _, j := range x.Results {
				r.Results = append(r.Results, resultIDs[j])
			}
			if _, err := add(TypeReport, r); err != nil {
				return err
			}
		}
		for _, iv := range c.Visits {
			id, err := add(TypeVisit, iv.Visit)
			if err != nil {
				return err
			}
			for _, a := range iv.Amendments {
				a.Target, a.Request = id, ""
				if _, err := add(TypeAmendment, a); err != nil {
					return err
				}
			}
		}
		for i, d := range c.Documents {
			doc := d.Document
			doc.Patient = p.ID
			doc.Blob, doc.Size = blobs[i].ID, blobs[i].Size
			if doc.Received.IsZero() {
				doc.Received = now
			}
			if doc.FiledBy == "" {
				doc.FiledBy = u.Username
			}
			if doc.FiledAt.IsZero() {
				doc.FiledAt = now
			}
			if _, err := putDocument(tx, childID(p.ID), "", doc); err != nil {
				return err
			}
		}
		n := len(c.Problems) + len(c.Allergies) + len(c.Medications) + len(c.Vitals) + len(c.Immunizations) + len(c.Visits) + len(c.Documents) +
			len(c.Procedures) + len(c.Results) + len(c.Reports)
		return audit(tx, "patient.import", p.ID, fmt.Sprintf(detailImport, strings.TrimSpace(source), n), false)
	})
	if err != nil {
		return Patient{}, err
	}
	return p, s.finder.refresh()
}

// ExportPractice allows an export of every chart of the practice (HIM
// managers) and records it in the audit log; it returns the IDs of the
// patients to export: every registered patient not merged into another
// (merged charts come with the chart they were merged into). Each chart is
// then read and its export audited as usual ([Service.Print] with
// [PrintExport], [Service.OpenChart]).
func (s *Service) ExportPractice(purpose string) ([]string, error) {
	if _, err := s.require(Administer); err != nil {
		return nil, err
	}
	var ids []string
	err := s.finder.read(func() {
		for id, p := range s.finder.people {
			if p.MergedInto == "" {
				ids = append(ids, id)
			}
		}
	})
	if err != nil {
		return nil, err
	}
	sortBy(ids, func(id string) string { return id })
	err = s.st.Update(func(tx *store.Tx) error {
		return tx.Audit(store.AuditEvent{Action: "export.practice", Detail: fmt.Sprintf(detailExport, len(ids), strings.TrimSpace(purpose))})
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

package report_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"chartkeeper/chart"
	"chartkeeper/internal/translationtest"
	"chartkeeper/report"
	"chartkeeper/store"
)

// french is a small French translator for the labels the tests look at;
// other labels stay English.
var french = map[string]string{
	"Patient summary":            "Résumé du patient",
	"ALLERGIES AND INTOLERANCES": "ALLERGIES ET INTOLÉRANCES",
	"Problems":                   "Problèmes",
	"Medications":                "Médicaments",
	"Immunizations":              "Vaccinations",
	"Filed documents":            "Documents classés",
	"Visits":                     "Consultations",
	"Substance":                  "Substance",
	"Reaction":                   "Réaction",
	"Severity":                   "Gravité",
	"SEVERE":                     "GRAVE",
	"Medication":                 "Médicament",
	"Frequency":                  "Fréquence",
	"Subjective":                 "Subjectif",
	"Assessment":                 "Évaluation",
	"Emergency contact":          "Contact d'urgence",
	"NOT SIGNED: draft note, may still change": "NON SIGNÉE : brouillon, peut encore changer",
	"Signed by %s at %s":                       "Signée par %s le %s",
	"Printed by %s at %s":                      "Imprimé par %s le %s",
	"Page %d of %s":                            "Page %d sur %s",
	"MRN %s":                                   "N° dossier %s",
	"Born %s":                                  "Né(e) le %s",
	"Born":                                     "Né(e) le",
	"Laboratory result":                        "Résultat de laboratoire",
	"Confidential patient information. Share only with those who need it for the patient's care; if found, return it to the practice.": "Informations confidentielles sur le patient. À ne partager qu'avec les personnes qui en ont besoin pour les soins ; si trouvé, rapportez-le au cabinet.",
}

func frenchT(s string) string {
	if f, ok := french[s]; ok {
		return f
	}
	return s
}

// TestSummaryTranslated prints a summary with a French translator: the
// labels and the furniture are French, the patient's data is as typed.
func TestSummaryTranslated(t *testing.T) {
	c := testChart(t, 2)
	pg := testPage()
	pg.T = frenchT
	var buf bytes.Buffer
	if _, err := report.Summary(&buf, pg, c, 0); err != nil {
		t.Fatal(err)
	}
	ps := pages(t, buf.Bytes())
	all := strings.Join(ps, "\n")
	contains(t, "French summary", all,
		"Résumé du patient", "ALLERGIES ET INTOLÉRANCES", "Problèmes", "Médicaments", "Vaccinations", "Documents classés",
		"Gravité", "GRAVE", "Subjectif", "Évaluation", "Contact d'urgence", "NON SIGNÉE : brouillon",
		"Signée par Dr Ada Testwell le 2026-10-25 11:00", "Résultat de laboratoire",
		// data, untouched
		"Testová, Žofie", "Penicillin", "Type 2 diabetes mellitus without complications", "Metformin")
	for i, text := range ps {
		for _, want := range []string{
			fmt.Sprintf("Page %d sur %d", i+1, len(ps)), "Imprimé par Dr Ada Testwell le 2026-11-24 09:30",
			"N° dossier " + c.Patient.MRN, "Né(e) le 1984-03-09", "Informations confidentielles sur le patient.",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("page %d of %d lacks %q:\n%s", i+1, len(ps), want, text)
			}
		}
	}
	for _, english := range []string{
		"Patient summary", "ALLERGIES AND INTOLERANCES", "Problems", "Medications", "Immunizations", "Filed documents",
		"Severity", "SEVERE", "Subjective", "Assessment", "Emergency contact", "NOT SIGNED", "Signed by",
		"Printed by", "Page 1 of", "Born ", "Confidential patient information", "Laboratory result",
	} {
		if strings.Contains(all, english) {
			t.Errorf("the French summary still says %q", english)
		}
	}
}

// TestPrintsTranslated prints every document the workstation prints with
// the workstation's own translation files: each label a print asks for
// has an entry in every language, and a print in Swahili still draws.
func TestPrintsTranslated(t *testing.T) {
	langs := map[string]map[string]string{}
	for _, lng := range []string{"fr", "es", "pt", "sw"} {
		langs[lng] = translationtest.Messages(t, lng, "messages", "verify", "fonts")
	}
	asked := map[string]bool{}
	for lng, m := range langs {
		pg := testPage()
		pg.T = func(s string) string {
			asked[s] = true
			if v, ok := m[s]; ok {
				return v
			}
			t.Errorf("%s: no translation of the printed label %q", lng, s)
			return s
		}
		c := testChart(t, 2)
		c.Patient.Deceased, c.Patient.DeceasedDate = true, "2026-11-20"
		c.Patient.Identifiers = append(c.Patient.Identifiers, chart.Identifier{System: "insurance", Value: "INS-1"}, chart.Identifier{System: "passport", Value: "P-1"})
		c.Results = []chart.Result{{Meta: meta(c.Patient.ID, 20), Name: "HbA1c", Value: "6.1", Unit: "%", Taken: printedAt.Add(-48 * time.Hour), Flag: "H"}}
		c.Procedures = []chart.ProcedureRecord{{Meta: meta(c.Patient.ID, 21), Date: "2026-01-02", Text: "Foot check", Status: "completed"}}
		c.Reports = []chart.Report{{Meta: meta(c.Patient.ID, 22), Date: "2026-01-03", Kind: chart.ReportCarePlan, Title: "Diabetes plan", Status: "active"}}
		var buf bytes.Buffer
		if _, err := report.Summary(&buf, pg, c, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := report.VisitNote(&buf, pg, c.Patient, c.Visits[1], c.Amendments); err != nil {
			t.Fatal(err)
		}
		if _, err := report.Disclosures(&buf, pg, c.Patient, []chart.Disclosure{{Date: "2026-11-01", Recipient: "Test Insurer", What: "Summary", Purpose: "Claim", By: "Dr Ada Testwell"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := report.AccessReport(&buf, pg, c.Patient, []chart.AuditEntry{
			{AuditEvent: store.AuditEvent{Time: printedAt, Username: "ada", Action: "chart.view", Flagged: true}},
			{AuditEvent: store.AuditEvent{Time: printedAt, Username: "ada", Action: "print.summary"}},
			{AuditEvent: store.AuditEvent{Time: printedAt, Username: "ada", Action: "problem.create"}},
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := report.CoverSheet(&buf, pg, "practice-1", c.Patient, "lab"); err != nil {
			t.Fatal(err)
		}
		buf.Reset()
		if err := report.EmergencyKitPage(&buf, pg, "practice-1", "7K3M-QX9A-2HJD-8WNP-4TBV-6RCE-1YFG-5SZ0"); err != nil {
			t.Fatal(err)
		}
		if n := pageCount(t, buf.Bytes()); n != 1 {
			t.Errorf("%s: the emergency kit has %d pages, want 1", lng, n)
		}
		buf.Reset()
		if _, err := report.Labels(&buf, pg, c.Patient, 2); err != nil {
			t.Fatal(err)
		}
		if lng == "sw" {
			text := strings.Join(pages(t, buf.Bytes()), "\n")
			if want := fmt.Sprintf(m["Page %d of %s"], 1, "1"); !strings.Contains(text, want) {
				t.Errorf("Swahili labels lack %q:\n%s", want, text)
			}
		}
	}
	for _, key := range []string{"Patient summary", "Visit note", "Page %d of %s", "Chart access report", "Scan cover sheet", "Patient labels", "Emergency kit"} {
		if !asked[key] {
			t.Errorf("no print asked for %q: the test no longer covers the prints", key)
		}
	}
}

// TestWarningsTranslated: the warnings about characters the fonts cannot
// draw, and about a name too long for a label, are in the printout's
// language, the field and the script's name included (the workstation
// shows these sentences as they are); the placeholder stays as it is, and
// the warning never carries the patient's data.
func TestWarningsTranslated(t *testing.T) {
	fr := translationtest.Messages(t, "fr", "messages", "verify", "fonts")
	pg := testPage()
	pg.T = func(s string) string {
		if v, ok := fr[s]; ok {
			return v
		}
		t.Errorf("fr: no translation of the printed label %q", s)
		return s
	}
	c := testChart(t, 1)
	c.Patient.Family, c.Patient.Given = "ტესტი", "ნინო"
	var buf bytes.Buffer
	ws, err := report.Labels(&buf, pg, c.Patient, 1)
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(ws, "\n")
	for _, want := range []string{"nom du patient : ", " caractères (géorgien) ne peuvent pas être dessinés par les polices fournies ; imprimés comme □"} {
		if !strings.Contains(joined, want) {
			t.Errorf("the warnings lack %q:\n%s", want, joined)
		}
	}
	if strings.Contains(joined, "cannot be drawn") || strings.Contains(joined, "Georgian") || strings.Contains(joined, "ნინო") {
		t.Errorf("a warning is in English or carries the name:\n%s", joined)
	}

	// A list's line and a visit's field, in scripts no bundled font draws
	// (Han beyond the Basic Multilingual Plane, Georgian).
	c = testChart(t, 1)
	c.Allergies[1].Substance = "Latex 𠀋𠀌"
	c.Visits[0].Reason += " ტესტი"
	buf.Reset()
	if ws, err = report.Summary(&buf, pg, c, 0); err != nil {
		t.Fatal(err)
	}
	joined = strings.Join(ws, "\n")
	for _, want := range []string{
		"allergie 2, substance : 2 caractères (idéogrammes han) ne peuvent pas être dessinés",
		"consultation du " + c.Visits[0].Date + " : motif : 5 caractères (géorgien) ne peuvent pas être dessinés",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("the warnings lack %q:\n%s", want, joined)
		}
	}
	for _, english := range []string{"allergy", "substance (", "visit", "reason", "Han", "Georgian", "𠀋", "ტესტი"} {
		if strings.Contains(joined, english) {
			t.Errorf("a warning says %q:\n%s", english, joined)
		}
	}

	c.Patient.Family, c.Patient.Given = "Testworthington-Featherstonehaugh-Cholmondeley", "Maximiliana Alexandrina Wilhelmina"
	buf.Reset()
	if ws, err = report.Labels(&buf, pg, c.Patient, 1); err != nil {
		t.Fatal(err)
	}
	if want := "nom du patient : trop long pour une étiquette"; !strings.Contains(strings.Join(ws, "\n"), want) {
		t.Errorf("the warnings lack %q: %q", want, ws)
	}
}

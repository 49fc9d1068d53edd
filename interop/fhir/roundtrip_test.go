package fhir_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"chartkeeper/chart"
	"chartkeeper/interop/fhir"
	"chartkeeper/store"
)

// charts reads every chart of a practice as the HIM manager, keyed by
// name and birth date, with IDs, revisions, MRNs and blob IDs cleared and
// every list in a fixed order: what must survive an export and import.
func (p *practice) charts() map[string]string {
	p.t.Helper()
	svc := p.as(store.RoleHIM)
	out := map[string]string{}
	for _, id := range p.patientIDs() {
		c, err := svc.OpenChart(id)
		if err != nil {
			p.t.Fatal(err)
		}
		c.Patient.ID, c.Patient.Rev, c.Patient.MRN = "", "", ""
		norm := func(m *chart.Meta) { *m = chart.Meta{} }
		var parts []string
		add := func(kind string, v any) {
			b, err := json.Marshal(v)
			if err != nil {
				p.t.Fatal(err)
			}
			parts = append(parts, kind+" "+string(b))
		}
		add("patient", c.Patient)
		for _, x := range c.Problems {
			norm(&x.Meta)
			add("problem", x)
		}
		for _, x := range c.Allergies {
			norm(&x.Meta)
			add("allergy", x)
		}
		for _, x := range c.Medications {
			norm(&x.Meta)
			add("medication", x)
		}
		for _, x := range c.Visits {
			ams := c.AmendmentsOf(x.ID)
			norm(&x.Meta)
			x.SignedAt = x.SignedAt.UTC()
			add("visit", x)
			for _, a := range ams {
				norm(&a.Meta)
				a.Target, a.Request, a.At = "", "", a.At.UTC()
				add("visit "+x.Date+" "+x.Reason+" amendment", a)
			}
		}
		for _, x := range c.Vitals {
			norm(&x.Meta)
			x.Taken = x.Taken.UTC()
			add("vitals", x)
		}
		for _, x := range c.Immunizations {
			norm(&x.Meta)
			add("immunization", x)
		}
		for _, x := range c.Documents {
			content := readAll(p.t, svc, x.ID)
			norm(&x.Meta)
			x.Blob = fmt.Sprintf("sha-less content of %d bytes: %q", len(content), content)
			x.Received, x.FiledAt = x.Received.UTC(), x.FiledAt.UTC()
			add("document", x)
		}
		slices.Sort(parts)
		key := c.Patient.Family + "|" + c.Patient.Given + "|" + c.Patient.DOB
		if _, dup := out[key]; dup {
			key += "|" + fmt.Sprint(len(out))
		}
		out[key] = strings.Join(parts, "\n")
	}
	return out
}

func readAll(t testing.TB, svc *chart.Service, docID string) []byte {
	t.Helper()
	rc, _, err := svc.OpenDocument(docID)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(rc); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestRoundTrip exports a demo practice and a practice with every field
// used, imports each into an empty practice, and finds the same charts:
// only IDs, MRNs and storage details differ.
func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(p *practice)
	}{
		{"demo practice", func(p *practice) { p.fill(15, 11) }},
		{"every field", func(p *practice) { p.rich() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := newPractice(t)
			tc.make(src)
			bundle := src.exportPractice()
			want := src.charts()

			dst := newPractice(t)
			rep, err := fhir.Import(bytes.NewReader(bundle), dst.as(store.RoleHIM), fhir.ImportOptions{Source: "round trip test"})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Imported() != len(want) {
				t.Fatalf("imported %d of %d patients", rep.Imported(), len(want))
			}
			for _, s := range rep.Skipped {
				if !strings.Contains(s.Reason, "body mass index") {
					t.Errorf("skipped %s", s)
				}
			}
			got := dst.charts()
			if len(got) != len(want) {
				t.Fatalf("%d charts after the import, want %d", len(got), len(want))
			}
			for key, w := range want {
				if g := got[key]; g != w {
					t.Errorf("chart %s differs after the round trip:\n got: %s\nwant: %s", key, firstDiff(g, w), firstDiff(w, g))
				}
			}
			// MRNs are new and valid; the import is audited per patient
			for _, pr := range rep.Patients {
				if !chart.ValidMRN(pr.Patient.MRN) {
					t.Errorf("imported patient has MRN %q", pr.Patient.MRN)
				}
			}
			n := 0
			if err := dst.as(store.RoleHIM).Audit("", func(e chart.AuditEntry) error {
				if e.Action == "patient.import" {
					n++
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if n != len(want) {
				t.Errorf("%d patient.import audit entries, want %d", n, len(want))
			}

			// importing the same bundle again finds every patient a duplicate
			// and stores nothing
			before := dst.lastChange()
			rep, err = fhir.Import(bytes.NewReader(bundle), dst.as(store.RoleHIM), fhir.ImportOptions{})
			if err != fhir.ErrDuplicates {
				t.Fatalf("second import: %v", err)
			}
			for _, pr := range rep.Patients {
				if len(pr.Duplicates) == 0 {
					t.Errorf("a patient imported twice was not found a duplicate")
				}
			}
			if after := dst.lastChange(); after != before {
				t.Errorf("the refused import changed the store (feed %d -> %d)", before, after)
			}
		})
	}
}

// firstDiff shows a's lines that b lacks.
func firstDiff(a, b string) string {
	bl := strings.Split(b, "\n")
	var out []string
	for _, l := range strings.Split(a, "\n") {
		if !slices.Contains(bl, l) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n      ")
}

package fhir_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"chartkeeper/interop/fhir"
	"chartkeeper/store"
)

// The outside-data check: bundles other systems wrote (Synthea, from three
// public repositories; testdata/outside/README.md) go through import ->
// chart -> export, and what comes back is counted against what went in.

// clinicalTypes are the resource types that hold clinical content. The rest
// of a bundle (Claim, ExplanationOfBenefit, Organization, Practitioner,
// CareTeam, Provenance, …) describes billing or the other system and is
// named in the import report.
var clinicalTypes = []string{"Patient", "Condition", "AllergyIntolerance", "MedicationRequest", "MedicationStatement", "Immunization",
	"Encounter", "Procedure", "Observation", "DiagnosticReport", "DocumentReference", "CarePlan", "Goal"}

// codedSystems are the code systems whose codings are counted.
var codedSystems = map[string]string{
	"http://snomed.info/sct":                      "SNOMED CT",
	"http://www.nlm.nih.gov/research/umls/rxnorm": "RxNorm",
	"http://hl7.org/fhir/sid/cvx":                 "CVX",
	"http://loinc.org":                            "LOINC",
	"http://hl7.org/fhir/sid/icd-10-cm":           "ICD-10-CM",
}

// contentCount counts a bundle's clinical content: resources by type,
// dates of death, and codings of the coded systems by resource type.
type contentCount map[string]int

func countContent(t testing.TB, raw []byte) contentCount {
	t.Helper()
	var b struct {
		Entry []struct {
			Resource map[string]any `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	n := contentCount{}
	for _, e := range b.Entry {
		typ, _ := e.Resource["resourceType"].(string)
		if !slices.Contains(clinicalTypes, typ) {
			continue
		}
		n["resource "+typ]++
		if typ == "Patient" && (e.Resource["deceasedDateTime"] != nil || e.Resource["deceasedBoolean"] == true) {
			n["date of death"]++
		}
		countCodings(e.Resource, typ, n)
	}
	return n
}

func countCodings(v any, typ string, n contentCount) {
	switch x := v.(type) {
	case map[string]any:
		if sys, ok := x["system"].(string); ok {
			if name, ok := codedSystems[sys]; ok && x["code"] != nil {
				n["coding "+name+" in "+typ]++
			}
		}
		for _, y := range x {
			countCodings(y, typ, n)
		}
	case []any:
		for _, y := range x {
			countCodings(y, typ, n)
		}
	}
}

// cameBack is the share of content that came back, and the lines naming
// what did not.
func cameBack(in, out contentCount) (kept, total int, lost []string) {
	for k, a := range in {
		b := min(out[k], a)
		kept, total = kept+b, total+a
		if b < a {
			lost = append(lost, fmt.Sprintf("%s: %d of %d came back", k, b, a))
		}
	}
	sort.Strings(lost)
	return kept, total, lost
}

// outsideBundles are the bundles of testdata/outside, or of the folder
// FHIR_SAMPLES names (to measure a larger set: see docs/INTEROP.md).
func outsideBundles(t testing.TB) map[string][]byte {
	t.Helper()
	dir := os.Getenv("FHIR_SAMPLES")
	if dir == "" {
		dir = filepath.Join("testdata", "outside")
	}
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no bundles in %s: %v", dir, err)
	}
	out := map[string][]byte{}
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = raw
	}
	return out
}

// importExport imports a bundle into a new practice and exports the
// practice again.
func importExport(t testing.TB, raw []byte) (*fhir.ImportReport, []byte) {
	t.Helper()
	p := newPractice(t)
	rep, err := fhir.Import(bytes.NewReader(raw), p.as(store.RoleHIM), fhir.ImportOptions{AllowDuplicates: true, Source: "outside bundle"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := fhir.ExportPractice(&buf, p.svc); err != nil {
		t.Fatal(err)
	}
	return rep, buf.Bytes()
}

// TestOutsideBundles: every clinical resource, date of death and coding of
// the outside bundles comes back from import -> chart -> export, per
// resource type and per code system; an export imported again exports the
// same resources; the exports are valid R4 and carry no float noise.
func TestOutsideBundles(t *testing.T) {
	bundles := outsideBundles(t)
	var kept, total int
	var exports [][]byte
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range bundles {
			if !yield(k) {
				return
			}
		}
	}) {
		raw := bundles[name]
		rep, first := importExport(t, raw)
		in, out := countContent(t, raw), countContent(t, first)
		k, n, lost := cameBack(in, out)
		kept, total = kept+k, total+n
		for _, l := range lost {
			t.Errorf("%s: %s", name, l)
		}
		if bytes.Contains(first, []byte("0000000")) {
			i := bytes.Index(first, []byte("0000000"))
			t.Errorf("%s: the export has float noise: …%s…", name, first[max(0, i-80):min(len(first), i+20)])
		}
		for _, s := range fhir.SkippedSummary(rep.Skipped) {
			t.Logf("%s: skipped %s", name, s)
		}
		_, second := importExport(t, first)
		if a, b := canonical(t, first), canonical(t, second); !slices.Equal(a, b) {
			for i := range min(len(a), len(b)) {
				if a[i] != b[i] {
					t.Errorf("%s: export -> import -> export differs:\n first: %s\nsecond: %s", name, a[i], b[i])
					break
				}
			}
			if len(a) != len(b) {
				t.Errorf("%s: export -> import -> export gives %d resources, not %d", name, len(b), len(a))
			}
		}
		exports = append(exports, first)
	}
	t.Logf("clinical content that came back: %d of %d (%.1f%%)", kept, total, 100*float64(kept)/float64(total))
	if out, ok := validate(t, exports...); !ok {
		t.Errorf("the exports are not valid FHIR R4:\n%s", out)
	}
}

// canonical is a bundle's resources as sorted JSON, without what differs
// between two practices: resource ids and the references made of them, and
// the MRN.
func canonical(t testing.TB, raw []byte) []string {
	t.Helper()
	var b struct {
		Entry []struct {
			Resource map[string]any `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range b.Entry {
		r := e.Resource
		delete(r, "id")
		if r["resourceType"] == "Patient" {
			ids, _ := r["identifier"].([]any)
			for _, id := range ids {
				if m, ok := id.(map[string]any); ok && m["system"] == "urn:chartkeeper:fhir:mrn" {
					m["value"] = "MRN"
				}
			}
		}
		j, err := json.Marshal(anonymous(r))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(j))
	}
	sort.Strings(out)
	return out
}

// anonymous replaces urn:uuid references by one name.
func anonymous(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, y := range x {
			x[k] = anonymous(y)
		}
	case []any:
		for i, y := range x {
			x[i] = anonymous(y)
		}
	case string:
		if strings.HasPrefix(x, "urn:uuid:") {
			return "urn:uuid:…"
		}
	}
	return v
}

// TestOutsideCountsSeeLoss: the comparison above fails when anything is
// lost: a Procedure, a coding, a date of death taken out of an export.
func TestOutsideCountsSeeLoss(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "outside", "Kallie862_Frami345_9a0d7938-4f49-43f6-8eea-b22e1bbe1b74.json"))
	if err != nil {
		t.Fatal(err)
	}
	var b map[string]any
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	entries := b["entry"].([]any)
	var kept []any
	dropped := false
	for _, e := range entries {
		r := e.(map[string]any)["resource"].(map[string]any)
		switch r["resourceType"] {
		case "Procedure":
			if !dropped {
				dropped = true
				continue
			}
		case "Patient":
			delete(r, "deceasedDateTime")
		case "Immunization":
			r["vaccineCode"] = map[string]any{"text": "vaccine"}
		}
		kept = append(kept, e)
	}
	b["entry"] = kept
	lossy, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	_, _, lost := cameBack(countContent(t, raw), countContent(t, lossy))
	want := []string{"coding CVX in Immunization", "coding SNOMED CT in Procedure", "date of death", "resource Procedure"}
	for _, w := range want {
		if !slices.ContainsFunc(lost, func(l string) bool { return strings.HasPrefix(l, w+":") }) {
			t.Errorf("the loss of %q is not seen: %v", w, lost)
		}
	}
}

// TestSkippedSummary: the report's summary counts what was left out by
// resource type and reason, most first, and adds up to the list.
func TestSkippedSummary(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "outside", "Margie619_Hettinger594_29428a22-5f03-492e-83bb-da34bb2a12c9.json"))
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := fhir.Parse(bytes.NewReader(raw), 0)
	if err != nil {
		t.Fatal(err)
	}
	sum := fhir.SkippedSummary(parsed.Skipped)
	n := 0
	for _, s := range sum {
		n += s.Count
	}
	if n != len(parsed.Skipped) || len(sum) == 0 || sum[0].Type != "Claim" || sum[0].Count != 66 || !strings.Contains(sum[0].String(), "66 × Claim: billing") {
		t.Errorf("summary %v of %d skipped", sum, len(parsed.Skipped))
	}
}

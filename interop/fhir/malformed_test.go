package fhir_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"chartkeeper/interop/fhir"
	"chartkeeper/store"
)

// TestMalformedBundles feeds broken bundles of every kind to the import:
// each is refused with an error that says what is wrong, and the store's
// change feed does not move.
func TestMalformedBundles(t *testing.T) {
	src := newPractice(t)
	src.rich()
	good := src.exportPractice()
	edit := func(f func(b map[string]any)) []byte {
		var b map[string]any
		if err := json.Unmarshal(good, &b); err != nil {
			t.Fatal(err)
		}
		f(b)
		out, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	entries := func(b map[string]any) []any { return b["entry"].([]any) }
	huge := append([]byte(`{"resourceType":"Bundle","type":"collection","entry":[`), bytes.Repeat([]byte(`{"resource":{"resourceType":"Basic"}},`), 40000)...)
	huge = append(huge[:len(huge)-1], "]}"...)

	cases := []struct {
		name  string
		input []byte
		limit int64
		want  string
	}{
		{"empty file", nil, 0, "not valid JSON"},
		{"bad JSON", []byte(`{"resourceType":"Bundle","type":"collection","entry":[`), 0, "not valid JSON (line 1"},
		{"not an object", []byte(`[1, 2, 3]`), 0, "not a JSON object"},
		{"no resourceType", []byte(`{"type":"collection"}`), 0, "has no resourceType"},
		{"wrong resourceType", []byte(`{"resourceType":"Patient","gender":"female"}`), 0, `holds a FHIR "Patient", not a Bundle`},
		{"wrong bundle type", []byte(`{"resourceType":"Bundle","type":"document","entry":[]}`), 0, "only transaction, batch, collection and searchset"},
		{"bundle without type", []byte(`{"resourceType":"Bundle"}`), 0, "has no type"},
		{"entry without resource", []byte(`{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:1"}]}`), 0, "entry 1: has no resource"},
		{"resource without resourceType", edit(func(b map[string]any) { delete(resource(b, "Condition"), "resourceType") }), 0, "its resource has no resourceType"},
		{"element of the wrong JSON type", edit(func(b map[string]any) { resource(b, "Patient")["name"] = "Smith" }), 0, "(Patient): name holds a string where FHIR has a list"},
		{"patient without birth date", edit(func(b map[string]any) { delete(resource(b, "Patient"), "birthDate") }), 0, "birthDate is required"},
		{"bad birth date", edit(func(b map[string]any) { resource(b, "Patient")["birthDate"] = "1979-13-40" }), 0, "birthDate is not a date"},
		{"partial birth date", edit(func(b map[string]any) { resource(b, "Patient")["birthDate"] = "1979" }), 0, "only a year or month"},
		{"birth date in the future", edit(func(b map[string]any) { resource(b, "Patient")["birthDate"] = "2999-01-01" }), 0, "birth date: is in the future"},
		{"bad gender code", edit(func(b map[string]any) { resource(b, "Patient")["gender"] = "woman" }), 0, "gender must be female, male, other or unknown"},
		{"escape sequence in a name", edit(func(b map[string]any) {
			resource(b, "Patient")["name"] = []any{map[string]any{"family": "Evil\x1b[2J\x1b]0;owned\x07", "given": []any{"Test"}}}
		}), 0, "family name: contains control characters"},
		{"bidirectional override in an allergy", edit(func(b map[string]any) {
			resource(b, "AllergyIntolerance")["code"] = map[string]any{"text": "Latex\u202e"}
		}), 0, "contains control characters"},
		{"patient without a name", edit(func(b map[string]any) { delete(resource(b, "Patient"), "name") }), 0, "(Patient): has no name"},
		{"dangling reference", edit(func(b map[string]any) {
			resource(b, "AllergyIntolerance")["patient"] = map[string]any{"reference": "urn:uuid:00000000-0000-0000-0000-000000000000"}
		}), 0, "(AllergyIntolerance): its patient names a resource that is not in the bundle"},
		{"dangling Patient/id reference", edit(func(b map[string]any) {
			resource(b, "Immunization")["patient"] = map[string]any{"reference": "Patient/no-such-id"}
		}), 0, "(Immunization): its patient names a resource that is not in the bundle"},
		{"reference to a non-patient", edit(func(b map[string]any) {
			resource(b, "Condition")["subject"] = map[string]any{"reference": entries(b)[len(entries(b))-1].(map[string]any)["fullUrl"]}
		}), 0, "(Condition): its subject names entry"},
		{"missing subject", edit(func(b map[string]any) { delete(resource(b, "MedicationStatement"), "subject") }), 0, "subject is required"},
		{"dangling diagnosis", edit(func(b map[string]any) {
			resource(b, "Encounter")["diagnosis"] = []any{map[string]any{"condition": map[string]any{"reference": "Condition/gone"}}}
		}), 0, "a diagnosis names a condition that is not in the bundle"},
		{"bad date", edit(func(b map[string]any) { resource(b, "Immunization")["occurrenceDateTime"] = "yesterday" }), 0, "occurrenceDateTime is not a FHIR date"},
		{"bad dateTime", edit(func(b map[string]any) { resource(b, "Observation")["effectiveDateTime"] = "2025-11-03T25:00:00Z" }), 0, "effectiveDateTime is not a FHIR dateTime"},
		{"bad status code", edit(func(b map[string]any) {
			resource(b, "Condition")["clinicalStatus"] = map[string]any{"coding": []any{map[string]any{"code": "sort-of"}}}
		}), 0, "clinicalStatus must be"},
		{"bad ICD-10-CM code", edit(func(b map[string]any) {
			resource(b, "Condition")["code"] = map[string]any{"coding": []any{map[string]any{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "XYZ"}}, "text": "x"}
		}), 0, `"XYZ" is not an ICD-10-CM code`},
		{"bad encounter status", edit(func(b map[string]any) { resource(b, "Encounter")["status"] = "done-ish" }), 0, "status is not an Encounter status"},
		{"vital sign not a number", edit(func(b map[string]any) {
			bpPanel(b)["component"] = []any{map[string]any{"code": map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": "8480-6"}}}, "valueQuantity": map[string]any{"value": "high"}}}
		}), 0, "(Observation): a number is written as text"},
		{"vital sign out of range", edit(func(b map[string]any) {
			bpPanel(b)["component"] = []any{
				map[string]any{"code": map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": "8480-6"}}}, "valueQuantity": map[string]any{"value": 900, "unit": "mm[Hg]"}},
				map[string]any{"code": map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": "8462-4"}}}, "valueQuantity": map[string]any{"value": 80, "unit": "mm[Hg]"}}}
		}), 0, "systolic pressure: 900 mmHg is not possible"},
		{"vital sign in an unknown unit", edit(func(b map[string]any) {
			for _, e := range entries(b) {
				r := e.(map[string]any)["resource"].(map[string]any)
				if r["resourceType"] == "Observation" && r["valueQuantity"] != nil {
					r["valueQuantity"] = map[string]any{"value": 5, "unit": "stone"}
					return
				}
			}
		}), 0, "in a unit Chartkeeper cannot read"},
		{"document not base64", edit(func(b map[string]any) {
			resource(b, "DocumentReference")["content"] = []any{map[string]any{"attachment": map[string]any{"contentType": "application/pdf", "data": "***"}}}
		}), 0, "data is not base64"},
		{"document damaged", edit(func(b map[string]any) {
			a := resource(b, "DocumentReference")["content"].([]any)[0].(map[string]any)["attachment"].(map[string]any)
			a["data"] = "SGVsbG8="
			delete(a, "size")
		}), 0, "hash does not match"},
		{"two entries with one fullUrl", edit(func(b map[string]any) {
			es := entries(b)
			es[1].(map[string]any)["fullUrl"] = es[0].(map[string]any)["fullUrl"]
		}), 0, "has the same fullUrl as entry 1"},
		{"huge input", huge, 1 << 20, "the file is larger than 1 MB"},
	}
	dst := newPractice(t)
	dst.rich()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			svc := dst.as(store.RoleHIM)
			before, n := dst.lastChange(), len(dst.patientIDs())
			rep, err := fhir.Import(bytes.NewReader(tc.input), svc, fhir.ImportOptions{Limit: tc.limit, AllowDuplicates: true})
			if err == nil {
				t.Fatalf("imported %d patients", rep.Imported())
			}
			var pe *fhir.ParseError
			if !errors.As(err, &pe) {
				t.Errorf("error %T, want a ParseError: %v", err, err)
			}
			if strings.ContainsAny(err.Error(), "\x1b\x07\u202e") {
				t.Errorf("the error repeats the control characters: %q", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant it to say %q", err, tc.want)
			}
			if after := dst.lastChange(); after != before || len(dst.patientIDs()) != n {
				t.Errorf("the refused bundle changed the store (feed %d -> %d)", before, after)
			}
		})
	}
	// the unbroken bundle does import
	if rep, err := fhir.Import(bytes.NewReader(good), dst.as(store.RoleHIM), fhir.ImportOptions{AllowDuplicates: true}); err != nil || rep.Imported() != 3 {
		t.Fatalf("the unbroken bundle: %v", err)
	}
}

// TestImportRoles: only HIM managers import charts.
func TestImportRoles(t *testing.T) {
	src := newPractice(t)
	src.rich()
	good := src.exportPractice()
	dst := newPractice(t)
	for _, role := range []store.Role{store.RoleFrontDesk, store.RoleClinician, store.RoleCoder} {
		svc := dst.as(role)
		before := dst.lastChange()
		if _, err := fhir.Import(bytes.NewReader(good), svc, fhir.ImportOptions{}); !errors.Is(err, store.ErrPermission) {
			t.Errorf("%s imported: %v", role, err)
		}
		if dst.lastChange() != before {
			t.Errorf("a refused import changed the store")
		}
	}
}

// bpPanel finds the first blood pressure panel in a decoded bundle.
func bpPanel(b map[string]any) map[string]any {
	for _, e := range b["entry"].([]any) {
		r := e.(map[string]any)["resource"].(map[string]any)
		if c, _ := json.Marshal(r["code"]); r["resourceType"] == "Observation" && strings.Contains(string(c), "85354-9") {
			return r
		}
	}
	panic("no blood pressure")
}

package fhir_test

import (
	"bytes"
	"os"
	"testing"

	"chartkeeper/interop/fhir"
)

// FuzzParse feeds arbitrary bytes to the bundle parser: it never panics,
// and whatever it accepts maps to charts whose patients have the fields
// Chartkeeper requires.
func FuzzParse(f *testing.F) {
	if raw, err := os.ReadFile("testdata/other-ehr-transaction.json"); err == nil {
		f.Add(raw)
	}
	for _, s := range []string{
		`{"resourceType":"Bundle","type":"collection"}`,
		`{"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:a","resource":{"resourceType":"Patient","name":[{"family":"Test","given":["A"]}],"birthDate":"1990-01-02"}},{"resource":{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"subject":{"reference":"urn:uuid:a"},"effectiveDateTime":"2020-01-01T10:00:00Z","valueQuantity":{"value":70}}}]}`,
		`{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Encounter","status":"finished","subject":{"reference":"Patient/x"},"period":{"start":"2020"}}}]}`,
		`[]`, `null`, `{"resourceType":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := fhir.Parse(bytes.NewReader(data), 1<<20)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without words")
			}
			return
		}
		for _, c := range p.Charts {
			if c.Patient.Family == "" || c.Patient.Given == "" || len(c.Patient.DOB) != 10 {
				t.Fatalf("a chart without a name or birth date: %+v", c.Patient)
			}
		}
	})
}

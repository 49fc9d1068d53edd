package icd10_test

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"

	"chartkeeper/chart/icd10"
)

func TestPrimaryCareTableParses(t *testing.T) {
	tab, err := icd10.Parse(icd10.PrimaryCare())
	if err != nil {
		t.Fatal(err)
	}
	if tab.Len() < 500 {
		t.Errorf("the built-in table has %d codes, want at least 500", tab.Len())
	}
	for _, q := range []struct{ query, code string }{
		{"diabetes", "E119"}, {"hypertension", "I10"}, {"asthma", "J45909"}, {"otitis media", "H6690"},
		{"immunization", "Z23"}, {"supervision normal pregnancy", "Z3490"}, {"low back pain", "M5450"},
	} {
		found := false
		for _, c := range tab.Search(q.query, 200) {
			found = found || c.Code == q.code
		}
		if !found {
			t.Errorf("searching %q does not find %s", q.query, icd10.Dot(q.code))
		}
	}
}

// TestPrimaryCareTableLayout keeps the file in the CMS layout: the code
// without its dot in 7 columns, a space, the title; one code per line, in
// code order, none twice.
func TestPrimaryCareTableLayout(t *testing.T) {
	raw, err := io.ReadAll(icd10.PrimaryCare())
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	prev := ""
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if len(line) < 10 || line[7] != ' ' || line[8] == ' ' || strings.TrimRight(line, " ") != line {
			t.Errorf("line %d is not in the CMS layout: %q", n, line)
			continue
		}
		code := strings.TrimRight(line[:7], " ")
		if norm, err := icd10.Normalize(code); err != nil || norm != code {
			t.Errorf("line %d: %q is not a code without its dot", n, code)
		}
		if code <= prev {
			t.Errorf("line %d: %s comes after %s", n, code, prev)
		}
		prev = code
	}
}

// TestPrimaryCareTitles checks titles against the CMS FY2023 release text
// (icd10cm_codes_2023.txt), copied here line by line from the release.
func TestPrimaryCareTitles(t *testing.T) {
	tab, err := icd10.Parse(icd10.PrimaryCare())
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"E119    Type 2 diabetes mellitus without complications",
		"E1165   Type 2 diabetes mellitus with hyperglycemia",
		"I10     Essential (primary) hypertension",
		"J069    Acute upper respiratory infection, unspecified",
		"J45909  Unspecified asthma, uncomplicated",
		"K219    Gastro-esophageal reflux disease without esophagitis",
		"M5450   Low back pain, unspecified",
		"N390    Urinary tract infection, site not specified",
		"Z0000   Encounter for general adult medical examination without abnormal findings",
		"Z23     Encounter for immunization",
		"Z3401   Encounter for supervision of normal first pregnancy, first trimester",
		"H66001  Acute suppurative otitis media without spontaneous rupture of ear drum, right ear",
		"F329    Major depressive disorder, single episode, unspecified",
		"I130    Hypertensive heart and chronic kidney disease with heart failure and stage 1 through stage 4 chronic kidney disease, or unspecified chronic kidney disease",
		"U071    COVID-19",
	} {
		code, title := strings.TrimSpace(line[:7]), line[8:]
		c, ok := tab.Lookup(code)
		if !ok {
			t.Errorf("%s is missing", icd10.Dot(code))
		} else if c.Description != title {
			t.Errorf("%s: title %q, the release has %q", icd10.Dot(code), c.Description, title)
		}
	}
}

package icd10_test

import (
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"chartkeeper/chart/icd10"
)

func load(t testing.TB) *icd10.Table {
	f, err := os.Open("testdata/icd10cm-codes-test.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, err := icd10.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{"E11.9": "E119", "e119": "E119", " E11.65 ": "E1165", "I10": "I10", "s52.501a": "S52501A", "U07.1": "U071"} {
		if got, err := icd10.Normalize(in); err != nil || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "E1", "11.9", "EE1.9", "E1.19", "E11..9", "E11.9999AB", "E11-9", "É11"} {
		if got, err := icd10.Normalize(bad); err == nil {
			t.Errorf("Normalize(%q) = %q, want an error", bad, got)
		} else if !strings.Contains(err.Error(), "not an ICD-10-CM code") {
			t.Errorf("Normalize(%q): unhelpful error %q", bad, err)
		}
	}
}

func TestLookup(t *testing.T) {
	tab := load(t)
	if tab.Len() != 12 {
		t.Fatalf("%d codes", tab.Len())
	}
	for _, q := range []string{"E11.9", "e119", "E119"} {
		c, ok := tab.Lookup(q)
		if !ok || c.Code != "E119" || c.Dotted() != "E11.9" || !strings.HasPrefix(c.Description, "Type 2 diabetes") {
			t.Errorf("Lookup(%q) = %+v %v", q, c, ok)
		}
	}
	if _, ok := tab.Lookup("E11.8"); ok {
		t.Error("found a code not in the table")
	}
	if c, _ := tab.Lookup("I10"); c.Dotted() != "I10" {
		t.Errorf("three-character code dotted as %q", c.Dotted())
	}
}

func codes(cs []icd10.Code) string {
	var s []string
	for _, c := range cs {
		s = append(s, c.Code)
	}
	return strings.Join(s, " ")
}

func TestSearch(t *testing.T) {
	tab := load(t)
	for q, want := range map[string]string{
		"diabetes":           "E119 E1165 E109", // common first, then shorter titles
		"type 2 diab":        "E119 E1165",
		"DIABETES hyperglyc": "E1165",
		"E11":                "E119 E1165",
		"E11.9":              "E119",
		"uti":                "",
		"e11.6":              "E1165",
		"fracture radius":    "S52501A",
		"fièvre":             "",
		"fevér":              "R509", // accents ignored
		"covid":              "U071",
		"nothing like this":  "",
		"pain":               "M545",
	} {
		if got := codes(tab.Search(q, 10)); got != want {
			t.Errorf("Search(%q) = %q, want %q", q, got, want)
		}
	}
	if got := tab.Search("unspecified", 2); len(got) != 2 {
		t.Errorf("limit ignored: %d", len(got))
	}
}

// TestSearchRanking searches the built-in primary-care table as a clinician
// would and wants the code they mean at the top.
func TestSearchRanking(t *testing.T) {
	tab, err := icd10.Parse(icd10.PrimaryCare())
	if err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string][]string{
		"diabetes":                {"E119"},
		"type 2 diabetes":         {"E119"},
		"hypertension":            {"I10"},
		"E11":                     {"E119"},
		"e11.65":                  {"E1165"},
		"E1":                      {"E119"},
		"asthma":                  {"J45909"},
		"uti":                     {"N390"},
		"urinary tract infection": {"N390"},
		"copd":                    {"J449"},
		"back pain":               {"M5450"},
	} {
		got := tab.Search(q, 20)
		if len(got) < len(want) {
			t.Errorf("Search(%q) = %q, want %q first", q, codes(got), want)
			continue
		}
		for i, w := range want {
			if got[i].Code != w {
				t.Errorf("Search(%q) = %q, want %q first", q, codes(got), want)
				break
			}
		}
	}
	// Diabetes due to an underlying condition (E08) and type 1 (E10) come
	// after type 2 without complications, but they still come. The
	// built-in table has no E08 codes; these lines are from the CMS file.
	full, err := icd10.Parse(io.MultiReader(icd10.PrimaryCare(), strings.NewReader(
		"E089    Diabetes mellitus due to underlying condition without complications\n"+
			"E0865   Diabetes mellitus due to underlying condition with hyperglycemia\n"+
			"E099    Drug or chemical induced diabetes mellitus without complications\n")))
	if err != nil {
		t.Fatal(err)
	}
	got := codes(full.Search("diabetes", 1000))
	e119, e08, e10 := strings.Index(got, "E119"), strings.Index(got, "E08"), strings.Index(got, "E10")
	if e119 != 0 || e08 < 0 || e10 < 0 {
		t.Errorf("diabetes: E11.9 at %d, E08 at %d, E10 at %d: %s", e119, e08, e10, got)
	}
	// Every code of the common list is in the built-in table, so none of
	// them is a typo.
	for _, c := range icd10.Common() {
		if _, ok := tab.Lookup(c); !ok {
			t.Errorf("common code %s is not in the built-in table", c)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for in, want := range map[string]string{
		"":                            "empty",
		"E119\n":                      "line 1: code E11.9 has no description",
		"I10 Hypertension\n11X bad\n": "line 2",
		strings.Repeat("x", 5000):     "reading the code table",
	} {
		_, err := icd10.Parse(strings.NewReader(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%.20q) = %v, want an error with %q", in, err, want)
		}
	}
	// Windows line ends, leading blank lines and duplicates are tolerated.
	tab, err := icd10.Parse(strings.NewReader("\r\nI10     Essential hypertension\r\nI10     Again\r\n"))
	if err != nil || tab.Len() != 1 {
		t.Fatalf("CRLF table: %v", err)
	}
	if c, _ := tab.Lookup("I10"); c.Description != "Essential hypertension" {
		t.Fatalf("description %q", c.Description)
	}
}

func FuzzParse(f *testing.F) {
	b, _ := os.ReadFile("testdata/icd10cm-codes-test.txt")
	f.Add(string(b))
	f.Add("I10 x\n\nE11.9\tTabbed")
	f.Fuzz(func(t *testing.T, in string) {
		tab, err := icd10.Parse(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, c := range tab.Search(in, 5) {
			if got, ok := tab.Lookup(c.Dotted()); !ok || got != c {
				t.Fatalf("search result %v does not look up", c)
			}
		}
	})
}

func ExampleTable_Search() {
	tab, _ := icd10.Parse(strings.NewReader("E119    Type 2 diabetes mellitus without complications\nI10     Essential (primary) hypertension\n"))
	for _, c := range tab.Search("diab", 5) {
		fmt.Println(c.Dotted(), c.Description)
	}
	// Output: E11.9 Type 2 diabetes mellitus without complications
}

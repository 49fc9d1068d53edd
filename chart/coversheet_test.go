package chart_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"chartkeeper/chart"
)

// checkDigit completes digits into a valid MRN.
func checkDigit(t testing.TB, digits string) string {
	for c := '0'; c <= '9'; c++ {
		if m := digits + string(c); chart.ValidMRN(m) {
			return m
		}
	}
	t.Fatalf("no check digit for %s", digits)
	return ""
}

func TestParseCoverSheet(t *testing.T) {
	m := checkDigit(t, "7654321")
	c := chart.CoverSheet{PracticeID: "prac_1", PatientID: "pat-2", MRN: m, Category: "consent"}
	good := c.Payload()
	if want := "CK1:COVER:prac_1:pat-2:" + m + ":consent"; good != want {
		t.Errorf("payload %q, want %q", good, want)
	}
	if back, err := chart.ParseCoverSheet(good); err != nil || back != c {
		t.Errorf("ParseCoverSheet(%q) = %+v, %v", good, back, err)
	}
	for _, tc := range []struct{ in, why string }{
		{"", "does not start"},
		{"hello", "does not start"},
		{"https://example.test/CK1:COVER:a:b:" + m + ":lab", "does not start"},
		{"ck1:cover:a:b:" + m + ":lab", "does not start"},
		{"CK2:COVER:a:b:" + m + ":lab", `version "2"`},
		{"CK1:COVER:a:b:" + m, "4 fields"},
		{"CK1:COVER:a:b:" + m + ":lab:extra", "4 fields"},
		{"CK1:COVER::b:" + m + ":lab", "practice ID is empty"},
		{"CK1:COVER:a::" + m + ":lab", "patient ID is empty"},
		{"CK1:COVER:a b:c:" + m + ":lab", "practice ID has the character"},
		{"CK1:COVER:a:" + strings.Repeat("x", 65) + ":" + m + ":lab", "at most 64"},
		{"CK1:COVER:a:b:12345678:lab", "not a valid MRN"},
		{"CK1:COVER:a:b:" + m + ":recipes", "not a document category"},
		{"CK1:COVER:a:b:" + m + ":lab\n", "not a document category"},
		{"CK1:COVER:a:b:" + m + ":" + strings.Repeat("z", 300), "at most 256"},
	} {
		_, err := chart.ParseCoverSheet(tc.in)
		if err == nil || !errors.Is(err, chart.ErrNotCoverSheet) || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("ParseCoverSheet(%q) = %v, want an ErrNotCoverSheet saying %q", tc.in, err, tc.why)
		}
	}
}

func FuzzParseCoverSheet(f *testing.F) {
	f.Add(chart.CoverSheet{PracticeID: "3f7a9c1e", PatientID: "0f1e2d3c4b5a69788796a5b4c3d2e1f0", MRN: "48151625", Category: "lab"}.Payload())
	f.Add("CK1:COVER:a:b:48151625:identity")
	f.Add("CK2:COVER:a:b:48151625:lab")
	f.Add("CK1:COVER:::::")
	f.Add("CK1:COVER:a:b:c:d")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := chart.ParseCoverSheet(s)
		if err != nil {
			if !errors.Is(err, chart.ErrNotCoverSheet) {
				t.Fatalf("error %v does not match ErrNotCoverSheet", err)
			}
			if c != (chart.CoverSheet{}) {
				t.Fatalf("an error with fields %+v", c)
			}
			return
		}
		// What parses is exactly what Payload writes for its fields.
		if back := c.Payload(); back != s {
			t.Fatalf("parsed %q into fields that write back as %q", s, back)
		}
		if !chart.ValidMRN(c.MRN) {
			t.Fatalf("accepted MRN %q", c.MRN)
		}
		if _, ok := chart.CategoryByName(c.Category); !ok {
			t.Fatalf("accepted category %q", c.Category)
		}
	})
}

func ExampleCoverSheet() {
	payload := chart.CoverSheet{PracticeID: "3f7a9c1e", PatientID: "0f1e2d3c", MRN: "48151625", Category: "lab"}.Payload()
	fmt.Println(payload)
	c, err := chart.ParseCoverSheet(payload)
	fmt.Println(c.PracticeID, c.PatientID, c.MRN, c.Category, err)
	_, err = chart.ParseCoverSheet("CK1:COVER:3f7a9c1e:0f1e2d3c:48151626:lab")
	fmt.Println(err)
	// Output:
	// CK1:COVER:3f7a9c1e:0f1e2d3c:48151625:lab
	// 3f7a9c1e 0f1e2d3c 48151625 lab <nil>
	// not a Chartkeeper cover sheet: "48151626" is not a valid MRN
}

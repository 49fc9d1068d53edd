package ui

import (
	"slices"
	"testing"

	"fyne.io/fyne/v2/test"

	"chartkeeper/chart"
)

// findBirthDates signs in as the front desk in language code, registers
// two patients whose birth dates are each other's day and month swapped,
// and returns the session.
func findBirthDates(t *testing.T, code string) (*session, map[string]chart.Patient) {
	t.Helper()
	p := newPractice(t)
	a := test.NewTempApp(t)
	setLanguageSetting(a, code)
	t.Cleanup(func() {
		setLanguageSetting(a, "")
		applyLanguage(a)
	})
	w := test.NewTempWindow(t, nil)
	ws, content := create(a, w, p.dir)
	w.SetContent(content)
	signInAs(t, w, "desk", testPassword)
	s := sessionOf(t, ws)
	born := map[string]chart.Patient{}
	for _, np := range []chart.Patient{
		{Family: "Testadeye", Given: "Amara", DOB: "1961-09-07", Sex: chart.Female},
		{Family: "Testwanje", Given: "Baraka", DOB: "1961-07-09", Sex: chart.Male},
	} {
		reg, _, err := s.svc.RegisterPatient(np)
		if err != nil {
			t.Fatal(err)
		}
		born[np.DOB] = reg
	}
	return s, born
}

// found is the DOBs of the find list, in order.
func foundDOBs(s *session) []string {
	var out []string
	for _, r := range s.find.results {
		out = append(out, r.DOB)
	}
	return out
}

// typeSearch types q in an emptied find box.
func typeSearch(s *session, q string) {
	s.find.query.SetText("")
	test.Type(s.find.query, q)
}

// TestFindByBirthDateDayFirst: in French the find box takes a birth date
// as French users write it (07/09/1961 is 7 September), in its other
// forms too, and ISO; names are searched as ever.
func TestFindByBirthDateDayFirst(t *testing.T) {
	s, born := findBirthDates(t, "fr")
	wantText(t, s.welcome(), "une date de naissance (JJ/MM/AAAA) ou un numéro de téléphone. Ctrl+N inscrit")
	for _, q := range []string{"07/09/1961", "7/9/1961", "07.09.1961", "07-09-1961", "07/09/61", "1961-09-07", "testadeye 07/09/1961"} {
		typeSearch(s, q)
		if got := foundDOBs(s); !slices.Equal(got, []string{"1961-09-07"}) {
			t.Errorf("fr: %q finds patients born %v, want only 1961-09-07", q, got)
		}
	}
	typeSearch(s, "07/09/1961")
	if s.find.results[0].ID != born["1961-09-07"].ID {
		t.Errorf("07/09/1961 finds %+v", s.find.results[0])
	}
	row := newResultRow()
	s.find.updateRow(0, row)
	wantText(t, row, "07/09/1961 · ") // the list shows it as it was typed
	wantText(t, s.find.pane, "1 patient. Entrée ouvre le dossier.")

	typeSearch(s, "09/07/1961")
	if got := foundDOBs(s); !slices.Equal(got, []string{"1961-07-09"}) {
		t.Errorf("fr: 09/07/1961 finds patients born %v, want only 1961-07-09", got)
	}
	typeSearch(s, "31/02/1961") // no such day: no patient
	if got := foundDOBs(s); len(got) != 0 {
		t.Errorf("fr: 31/02/1961 finds %v", got)
	}
	wantText(t, s.find.pane, "Aucun patient trouvé.")
	typeSearch(s, "08/09/61") // nobody: the message says how the date was read
	wantText(t, s.find.pane, "Aucun patient né le 08/09/1961.")
	typeSearch(s, "Testwan") // not a date: a name
	if got := foundDOBs(s); !slices.Equal(got, []string{"1961-07-09"}) {
		t.Errorf("fr: Testwan finds patients born %v, want 1961-07-09", got)
	}
}

// TestFindByBirthDateEnglish: in English, which shows dates ISO,
// 07/09/1961 could be 7 September or July 9: the find box lists both, each
// row showing its full date; ISO and 07.09.1961 (dots: day first) are
// exact, and a two-digit year is not a date.
func TestFindByBirthDateEnglish(t *testing.T) {
	s, _ := findBirthDates(t, "en")
	wantText(t, s.welcome(), "birth date (YYYY-MM-DD) or phone number. Ctrl+N registers")
	for q, want := range map[string][]string{
		"07/09/1961":  {"1961-09-07", "1961-07-09"}, // in name order: Testadeye, Testwanje
		"7/9/1961":    {"1961-09-07", "1961-07-09"},
		"13/09/1961":  nil, // 13 September: nobody
		"09/13/1961":  nil, // September 13: nobody
		"1961-09-07":  {"1961-09-07"},
		"07.09.1961":  {"1961-09-07"},
		"07/09/61":    nil, // a number (MRN or phone digits), not a date
		"Testadeye":   {"1961-09-07"},
		"testadey 61": nil, // "61" is a name word here, and no name has it
	} {
		typeSearch(s, q)
		if got := foundDOBs(s); !slices.Equal(got, want) {
			t.Errorf("en: %q finds patients born %v, want %v", q, got, want)
		}
	}
	typeSearch(s, "07/09/1961")
	wantText(t, s.find.pane, "2 patients. Enter opens the first.")
	row := newResultRow()
	s.find.updateRow(0, row)
	wantText(t, row, "1961-09-07 · ")

	typeSearch(s, "08/09/1961")
	wantText(t, s.find.pane, "No patient born on 1961-09-08 or 1961-08-09.")
	typeSearch(s, "Testnobody")
	wantText(t, s.find.pane, "No patient found.")
}

package plain

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"syscall"
	"testing"

	"chartkeeper/chart"
	"chartkeeper/internal/translationtest"
)

// TestFrench makes sentences with T set to the French translations: whole
// sentences, field names (with their line numbers), problems with their
// values and units, all French; a key with no entry is an error.
func TestFrench(t *testing.T) {
	fr := translationtest.Messages(t, "fr")
	old := T
	defer func() { T = old }()
	T = func(s string) string {
		if v, ok := fr[s]; ok {
			return v
		}
		t.Errorf("no French for %q", s)
		return s
	}
	oldLog := Logf
	Logf = func(string, ...any) {}
	defer func() { Logf = oldLog }()

	// a real refusal from chart's own checks, with a value and a unit
	fe := chart.FieldError{Field: chart.T("pulse"), Format: chart.T("%g %s is not possible; expected %g to %g"),
		Args: []any{400.0, chart.Word(chart.T("beats per minute")), 20.0, 300.0}}
	fe.Message = fmt.Sprintf(fe.Format, fe.Args...)
	cases := []struct {
		err  error
		want string
	}{
		{&chart.ValidationError{What: "filing", Fields: []chart.FieldError{{Field: "category", Message: "is required"}}},
			"Le classement n'a pas été enregistré. Catégorie : obligatoire."},
		{&chart.ValidationError{What: "visit", Fields: []chart.FieldError{{Field: "diagnoses[2].code", Message: "is required"}}},
			"La consultation n'a pas été enregistrée. Code (diagnostic, ligne 2) : obligatoire."},
		{&chart.ValidationError{What: "vital signs", Fields: []chart.FieldError{fe}},
			"Les constantes n'ont pas été enregistrées. Pouls : 400 battements par minute n'est pas possible ; attendu de 20 à 300."},
		{&chart.ValidationError{What: "imported chart", Fields: []chart.FieldError{{Field: "visit 2: amendments[1].author", Message: "is required"}}},
			"Le dossier importé n'a pas été enregistré. Consultation 2 : auteur (addendum, ligne 1) : obligatoire."},
		{&fs.PathError{Op: "open", Path: "/data/x", Err: syscall.EROFS}, "/data/x est sur un disque en lecture seule."},
		{&fs.PathError{Op: "mkdir", Path: "/data/x", Err: syscall.EINVAL}, "Impossible de créer le dossier /data/x ; les détails ont été écrits dans le journal."},
		{errors.New("unexpected EOF in 0x1234"), "les détails ont été écrits dans le journal."},
	}
	for _, c := range cases {
		got := Sentence(Workstation, c.err)
		if !strings.Contains(got, c.want) {
			t.Errorf("Sentence(%v)\n got %q\nwant %q", c.err, got, c.want)
		}
	}
}

// TestProblemValues: a problem's values go in after the translation, so a
// translation may move them.
func TestProblemValues(t *testing.T) {
	old := T
	defer func() { T = old }()
	T = func(s string) string {
		return map[string]string{"%[1]s %[2]s": "%[1]s %[2]s", "is longer than %d characters": "hat mehr als %d Zeichen", "name": "Name"}[s]
	}
	fe := chart.FieldError{Field: "name", Message: "is longer than 200 characters", Format: "is longer than %d characters", Args: []any{200}}
	if got := FieldMessage(fe); got != "Name hat mehr als 200 Zeichen." {
		t.Errorf("FieldMessage = %q", got)
	}
}

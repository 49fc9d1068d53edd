package scan

import (
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"strings"
	"testing"
)

// TestNoteTexts reads notes as intake writes them back into their
// sentences and values, alone and joined; a note someone changed is not
// read.
func TestNoteTexts(t *testing.T) {
	for _, tc := range []struct {
		note string
		want []Text
	}{
		{note(noteCoverPage), []Text{{Key: noteCoverPage.Key}}},
		{note(noteNoPatient, "00-1234"), []Text{{Key: noteNoPatient.Key, Args: []any{"00-1234"}}}},
		{joinNote(note(noteBadCategory, `x "y" z`), note(noteCoverPage)),
			[]Text{{Key: noteBadCategory.Key, Args: []any{`x "y" z`}}, {Key: noteCoverPage.Key}}},
		{joinNote(joinNote(note(noteNoMRN, "A 7"), note(noteOtherPractice)), note(noteNotFiled, "the patient's chart was merged. Try again.")),
			[]Text{{Key: noteNoMRN.Key, Args: []any{"A 7"}}, {Key: noteOtherPractice.Key},
				{Key: noteNotFiled.Key, Args: []any{"the patient's chart was merged. Try again."}}}},
	} {
		got, ok := NoteTexts(tc.note)
		if !ok || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: read as %v (%v), want %v", tc.note, got, ok, tc.want)
			continue
		}
		var back []string
		for _, x := range got {
			back = append(back, x.String())
		}
		if strings.Join(back, " ") != tc.note {
			t.Errorf("%q: the sentences read back make %q", tc.note, strings.Join(back, " "))
		}
	}
	for _, n := range []string{"", "call the patient first", note(noteCoverPage) + " call the patient first", "Page 1 is the cover sheet"} {
		if got, ok := NoteTexts(n); ok {
			t.Errorf("%q: read as intake's %v", n, got)
		}
	}
}

// TestReasonTexts: the English reason is its key with its values, and a
// refusal's sentence is whole (no piece of a sentence passed as a value).
func TestReasonTexts(t *testing.T) {
	var pe *ProblemError
	if err := sniff([]byte("GIF89a....")); !errors.As(err, &pe) || pe.Text.Key != pe.Reason || !strings.Contains(pe.Reason, "GIF") {
		t.Errorf("GIF: %v", err)
	}
	err := sizeProblem(sizeTIFFPage, 3, 30000, 30000)
	if !errors.As(err, &pe) || pe.Text.String() != pe.Reason || pe.Text.Args[0] != 3 {
		t.Errorf("size: %#v", err)
	}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fs.ErrNotExist, "it is not there"},
		{errNotFolder, "it is a file, not a folder"},
		{&fs.PathError{Op: "open", Path: "/x", Err: fs.ErrPermission}, "not allowed"},
		{fmt.Errorf("odd: %w", errors.New("stale NFS file handle")), "(odd: stale NFS file handle)"},
	} {
		w := folderWarning("/srv/scans", tc.err)
		if !strings.Contains(w.String(), tc.want) || !strings.Contains(w.String(), "/srv/scans") {
			t.Errorf("%v: %q", tc.err, w)
		}
	}
}

package scan

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"syscall"
)

// Text is a sentence intake writes for people: why a file was refused or
// deferred, why a folder is not watched, a note on a document waiting in
// the inbox. Key is the whole sentence in English with fmt verbs where
// values go, and Args are the values (file names, page counts, an error's
// own words); [Text.String] is the English sentence. The workstation shows
// it in its own language: it looks Key up among its translations and puts
// Args into the translation, so values are never translated and sentences
// are never glued from pieces.
//
// Keys are marked for the translation checker: the literal first argument
// of every call to [T] or problemf in this package is a key that each of
// the workstation's languages must translate (see docs/UI.md, "Languages").
type Text struct {
	Key  string
	Args []any
}

// T makes the Text of the English sentence key with its values.
func T(key string, args ...any) Text { return Text{Key: key, Args: args} }

// String is the sentence in English.
func (t Text) String() string {
	if len(t.Args) == 0 {
		return t.Key
	}
	return fmt.Sprintf(t.Key, t.Args...)
}

// SettingsError is what is wrong with the watched folders' settings
// ([CheckFolder], [ParseRule], [Settings.Check], [LoadSettings]), as a
// sentence the workstation translates.
type SettingsError struct{ Text Text }

func (e *SettingsError) Error() string { return e.Text.String() }

func settingsErr(t Text) error { return &SettingsError{Text: t} }

// raw is text that has no translation (an error's own words).
func raw(s string) Text { return Text{Key: "%s", Args: []any{s}} }

// Raw reports text that is not a sentence of intake's own, only words
// passed on (another part's error): it is shown as it is.
func (t Text) Raw() bool { return t.Key == "%s" }

// readProblem is why a file or folder could not be read, as a whole
// sentence for the commonest causes; other causes carry the system's
// words.
func readProblem(err error) Text {
	switch {
	case errors.Is(err, fs.ErrPermission):
		return T("the file could not be read: this workstation is not allowed to read it")
	case errors.Is(err, syscall.EIO):
		return T("the file could not be read: the disk or network share failed while reading it")
	}
	return T("the file could not be read: %s", pathErr(err))
}

// folderWarning is why a watched folder is not watched.
func folderWarning(path string, err error) Text {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return T("The scan folder %s cannot be reached (it is not there). Scans are taken again as soon as it is back.", path)
	case errors.Is(err, errNotFolder):
		return T("The scan folder %s cannot be reached (it is a file, not a folder). Scans are taken again as soon as it is back.", path)
	case errors.Is(err, fs.ErrPermission):
		return T("The scan folder %s cannot be reached (this workstation is not allowed to read it). Scans are taken again as soon as it is back.", path)
	}
	return T("The scan folder %s cannot be reached (%s). Scans are taken again as soon as it is back.", path, pathErr(err))
}

var errNotFolder = errors.New("not a folder")

// noteKeys are the sentences intake writes into a document's note (see
// joinNote). A note is stored as written, in English, and is shown again
// long after, in whatever language the workstation then speaks:
// [NoteTexts] reads a stored note back into these sentences.
var noteKeys = []string{
	noteCoverPage.Key, noteOtherPractice.Key, noteNoPatient.Key, noteBadCategory.Key,
	noteNoMRN.Key, noteNotFiled.Key,
}

var (
	noteCoverPage     = T("Page 1 is the cover sheet.")
	noteOtherPractice = T("The cover sheet is from another practice; file by hand.")
	noteNoPatient     = T("The cover sheet's patient was not found (MRN %s); file by hand.")
	noteBadCategory   = T("The file name names category %q, which is not one of Chartkeeper's; file by hand.")
	noteNoMRN         = T("The file name names MRN %s, which no patient has; file by hand.")
	noteNotFiled      = T("Not filed automatically: %s")
)

// note is a note's sentence with its values.
func note(t Text, args ...any) string { return Text{Key: t.Key, Args: args}.String() }

// noteRE is a key as a pattern that matches the sentence at the start of
// a note, the values as groups; verbs are %s, %q and %d.
var noteRE = func() []*regexp.Regexp {
	out := make([]*regexp.Regexp, len(noteKeys))
	for i, k := range noteKeys {
		var b strings.Builder
		b.WriteString("^")
		for rest := k; rest != ""; {
			j := strings.IndexByte(rest, '%')
			if j < 0 || j+1 >= len(rest) {
				b.WriteString(regexp.QuoteMeta(rest))
				break
			}
			b.WriteString(regexp.QuoteMeta(rest[:j]))
			switch rest[j+1] {
			case 'd':
				b.WriteString(`(-?\d+)`)
			case 'q':
				b.WriteString(`("(?:[^"\\]|\\.)*")`)
			default:
				b.WriteString(`(.*?)`)
			}
			rest = rest[j+2:]
		}
		b.WriteString("$")
		out[i] = regexp.MustCompile(b.String())
	}
	return out
}()

// NoteTexts reads a document's note back into the sentences intake
// wrote, so that they can be shown in another language; ok is false when
// the note holds anything else (someone typed or changed it), and the
// note is then shown as it is.
func NoteTexts(note string) (texts []Text, ok bool) {
	if note == "" {
		return nil, false
	}
	return noteTexts(note)
}

func noteTexts(s string) ([]Text, bool) {
	if s == "" {
		return nil, true
	}
	for i, re := range noteRE {
		// Values match as little as they can; try each end of the first
		// sentence until the rest of the note reads too.
		for end := 0; end <= len(s); end++ {
			if end < len(s) && s[end] != ' ' {
				continue
			}
			m := re.FindStringSubmatch(s[:end])
			if m == nil || len(m[0]) != end {
				continue
			}
			args, ok := noteArgs(noteKeys[i], m[1:])
			if !ok {
				continue
			}
			rest, ok := noteTexts(strings.TrimPrefix(s[end:], " "))
			if ok {
				return append([]Text{{Key: noteKeys[i], Args: args}}, rest...), true
			}
		}
	}
	return nil, false
}

// noteArgs turns a sentence's matched values into its Args.
func noteArgs(key string, vals []string) ([]any, bool) {
	var args []any
	n := 0
	for i := 0; i+1 < len(key); i++ {
		if key[i] != '%' {
			continue
		}
		v := vals[n]
		n++
		switch key[i+1] {
		case 'd':
			x, err := strconv.Atoi(v)
			if err != nil {
				return nil, false
			}
			args = append(args, x)
		case 'q':
			u, err := strconv.Unquote(v)
			if err != nil {
				return nil, false
			}
			args = append(args, u)
		default:
			args = append(args, v)
		}
		i++
	}
	return args, true
}

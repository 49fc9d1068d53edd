package ui

import (
	"embed"
	"encoding/json"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	_ "chartkeeper/internal/localeenv" // before Fyne reads the locale: no "Error parsing user locale C"
)

// The workstation's languages. Every shown string is an English key
// wrapped in lang.L; ui/translations holds <area>.<lang>.json files, one
// flat object of key to translation per area and language. English needs
// no file: Fyne shows the key. See docs/UI.md, "Languages".

//go:embed translations
var translationFiles embed.FS

// prefLanguage is the workstation's language setting in the app's local
// preferences (not synced, not in the practice's store): "" follows the
// computer's language, else one of the languages' codes.
const prefLanguage = "language"

// languages are the languages the workstation speaks, each named in its
// own language (so they are not translated).
var languages = []struct{ code, name string }{
	{"en", "English"},   // i18n:skip
	{"fr", "Français"},  // i18n:skip
	{"es", "Español"},   // i18n:skip
	{"pt", "Português"}, // i18n:skip
	{"sw", "Kiswahili"}, // i18n:skip
}

var (
	langMu     sync.Mutex
	langTables map[string]map[string]string // language -> key -> translation; nil until read
	langLoaded bool                         // translations given to Fyne at least once
	langChoice string                       // the setting the loaded translations follow
	langShown  = "en"                       // the language screens are built in now
)

// readTables reads the translation files once, each language's areas
// merged into one table. A file that cannot be read is left out: the
// checker (internal/i18ncheck) fails on it long before it ships.
func readTables() map[string]map[string]string {
	if langTables != nil {
		return langTables
	}
	langTables = map[string]map[string]string{}
	files, _ := fs.Glob(translationFiles, "translations/*.json")
	for _, f := range files {
		parts := strings.Split(path.Base(f), ".") // area, language, json
		if len(parts) != 3 {
			continue
		}
		b, err := translationFiles.ReadFile(f)
		if err != nil {
			continue
		}
		var raw map[string]json.RawMessage
		if json.Unmarshal(b, &raw) != nil {
			continue
		}
		t := langTables[parts[1]]
		if t == nil {
			t = map[string]string{}
			langTables[parts[1]] = t
		}
		for k, v := range raw {
			var s string
			if json.Unmarshal(v, &s) != nil {
				var forms map[string]string // {"other": …}: a key go-i18n reserves
				if json.Unmarshal(v, &forms) != nil || forms["other"] == "" {
					continue
				}
				s = forms["other"]
			}
			t[k] = s
		}
	}
	return langTables
}

// table is language code's full table: every key of every language, with
// its translation in code where there is one and the English key where
// not (so that loading it replaces whatever a tag held before).
func table(code string) []byte {
	all := map[string]any{}
	for _, t := range readTables() {
		for k := range t {
			all[k] = k
		}
	}
	for k, v := range readTables()[code] {
		all[k] = v
	}
	for k, v := range all {
		if reservedKey(k) { // go-i18n reads these names as a message's fields
			all[k] = map[string]any{"other": v}
		}
	}
	b, _ := json.Marshal(all)
	return b
}

func reservedKey(k string) bool {
	switch strings.ToLower(k) {
	case "id", "description", "hash", "leftdelim", "rightdelim", "zero", "one", "two", "few", "many", "other", "translation":
		return true
	}
	return false
}

// languageSetting is the workstation's setting: "" for the computer's
// language, else a language code.
func languageSetting(a fyne.App) string {
	v := a.Preferences().String(prefLanguage)
	for _, l := range languages {
		if l.code == v {
			return v
		}
	}
	return ""
}

// setLanguageSetting stores the setting on this workstation.
func setLanguageSetting(a fyne.App, code string) {
	a.Preferences().SetString(prefLanguage, code)
}

// systemLanguage is the base language of the computer's locale ("fr" for
// fr-CA), or "en" when there is none.
func systemLanguage() string {
	code := lang.SystemLocale().LanguageString()
	if code == "" {
		return "en"
	}
	return code
}

// applyLanguage gives Fyne the translations for the workstation's setting.
// Strings already on screen keep their language, so it is called only
// where no session's screens are open: when the workstation starts and
// when it shows the sign-in screen.
//
// Fyne picks the language from the computer's locale (on Linux from the
// LANGUAGE, LC_ALL, LC_MESSAGES and LANG variables, on Windows from the
// Windows API alone) and cannot be told another. So for a chosen language
// its table is loaded under every tag the locale can lead Fyne to (our
// languages, English, and the computer's own language): whichever Fyne
// picks holds the chosen language. "Automatic" loads each language's table
// under its own tag and the English keys under English and the computer's
// language, which undoes an earlier choice.
func applyLanguage(a fyne.App) {
	choice := languageSetting(a)
	langMu.Lock()
	defer langMu.Unlock()
	if langLoaded && choice == langChoice {
		return
	}
	sys := systemLanguage()
	load := func(code, tag string) {
		if err := lang.AddTranslationsForLocale(table(code), fyne.Locale(tag)); err != nil {
			fyne.LogError("loading the "+code+" translations", err)
		}
	}
	if choice == "" {
		for _, l := range languages {
			load(l.code, l.code)
		}
		if !isOurLanguage(sys) {
			load("en", sys)
		}
		langShown = sys
		if !isOurLanguage(sys) {
			langShown = "en"
		}
	} else {
		for _, l := range languages {
			load(choice, l.code)
		}
		if !isOurLanguage(sys) {
			load(choice, sys)
		}
		langShown = choice
	}
	langChoice, langLoaded = choice, true
}

func isOurLanguage(code string) bool {
	return slices.ContainsFunc(languages, func(l struct{ code, name string }) bool { return l.code == code })
}

// shownLanguage is the language screens are built in now: "en", "fr",
// "es", "pt" or "sw".
func shownLanguage() string {
	langMu.Lock()
	defer langMu.Unlock()
	return langShown
}

// languageSelect is the language chooser: "Automatic (computer's
// language)" then each language in its own name. changed gets the new
// setting once it is stored.
func languageSelect(a fyne.App, changed func(code string)) *widget.Select {
	automatic := lang.L("Automatic (computer's language)")
	names := []string{automatic}
	for _, l := range languages {
		names = append(names, l.name)
	}
	s := widget.NewSelect(names, nil)
	current := languageSetting(a)
	s.SetSelected(automatic)
	for _, l := range languages {
		if l.code == current {
			s.SetSelected(l.name)
		}
	}
	s.OnChanged = func(name string) {
		code := ""
		for _, l := range languages {
			if l.name == name {
				code = l.code
			}
		}
		if code == languageSetting(a) {
			return
		}
		setLanguageSetting(a, code)
		if changed != nil {
			changed(code)
		}
	}
	return s
}

// signInLanguage is the sign-in screen's language row: choosing a language
// applies it at once and shows the sign-in screen again in it, keeping the
// username typed.
func (ws *workstation) signInLanguage(username func() string) fyne.CanvasObject {
	s := languageSelect(ws.app, func(string) {
		applyLanguage(ws.app)
		ws.show(ws.signIn(username()))
	})
	return container.NewHBox(widget.NewIcon(theme.SettingsIcon()), widget.NewLabel(lang.L("Language")), s)
}

// chooseLanguage is the session's language dialog: the setting is stored
// at once and applies the next time the sign-in screen shows (after
// locking or signing out) or Chartkeeper starts, so no open work is
// rebuilt or lost.
func (s *session) chooseLanguage() {
	s.touch()
	note := paragraph(lang.L("The new language shows the next time this workstation shows the sign-in screen: after you lock or sign out, or when Chartkeeper starts again."))
	sel := languageSelect(s.ws.app, nil)
	content := container.NewVBox(container.NewHBox(widget.NewLabel(lang.L("Language")), sel), note)
	m := openModal(s.ws.win, lang.L("Language on this workstation"), content, nil, &action{text: lang.L("Close"), imp: widget.HighImportance})
	m.d.Resize(fyne.NewSize(520, 0))
}

// languageItem is the header's language button: it shows the language
// in effect ("EN", "FR"…), which takes little of the header's width, and
// opens the language dialog; in the "More" menu it reads "Language…".
func (s *session) languageItem() *headerItem {
	b := &widget.Button{Text: strings.ToUpper(shownLanguage()), Importance: widget.LowImportance, OnTapped: s.chooseLanguage}
	return &headerItem{obj: b, rank: 0, menu: func() *fyne.MenuItem {
		return fyne.NewMenuItem(lang.L("Language…"), s.chooseLanguage)
	}}
}

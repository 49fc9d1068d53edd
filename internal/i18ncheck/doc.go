// Package i18ncheck checks that the workstation's shown text is
// translated. Its test, TestTranslations, reads the sources of the shown
// code (ui/ and cmd/chartkeeper) and of the packages whose sentences the
// workstation shows (internal/plain, report, chart, scan, store), and the translation
// files in ui/translations, and fails when:
//
//   - a string literal in shown code looks like text and is neither inside
//     a lang.L / lang.X / lang.N / lang.Localize* call nor on a line that
//     ends in "// i18n:skip" (optionally followed by ": a reason");
//   - a key (the literal first argument of lang.L, lang.X, lang.N and
//     lang.Localize* in shown code, or of a call to a function or method
//     named T, tr, problemf or trLater in internal/plain, report, chart,
//     scan and store) has no entry in one of the languages (fr, es, pt, sw);
//   - a sentence given to one of store's problem calls (VerifyReport.problem,
//     Problemf, tampered) is not marked with T, so it would show in
//     English whatever the language;
//   - a translation's fmt verbs differ from its key's (explicit argument
//     indexes such as %[2]s are allowed and normalised);
//   - a key is translated differently in two areas of the same language;
//   - a translation file is not a flat JSON object, or has an entry whose
//     key is one of go-i18n's field names (Description, Other, One, ID…)
//     written as a plain string: Fyne's lang would reject the whole file,
//     so such an entry is written {"Other": {"other": "Autre"}}.
//
// I18N_FILES=a.go,b.go limits the literal scan and the key check to files
// with those base names. See docs/UI.md, "Languages".
package i18ncheck

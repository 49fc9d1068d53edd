package chart

// T marks English text that is shown to people: the field names and
// problems of a [ValidationError], the titles of document categories. It
// returns s unchanged, so chart stays free of any translation machinery;
// the workstation translates the marked text where it shows it (see
// internal/plain), and the translation checker collects every T("...")
// literal of this package as a key that each language must translate.
func T(s string) string { return s }

// fieldWords are the words of indexed field keys ("diagnoses[0].code",
// "parts[1].value codings") that appear nowhere else as a whole field
// name, marked so they are translated too.
var _ = []string{
	T("code"), T("description"), T("display"), T("system"), T("value"), T("text"),
	T("reason"), T("author"), T("time"), T("name"), T("codings"), T("value codings"),
}

// Word is a value of a FieldError's Args that is itself marked text (a
// unit such as "beats per minute"), so it is translated with the message.
type Word string

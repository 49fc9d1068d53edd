// Package search finds patients as the user types: by name in any script,
// by date of birth, by MRN, by phone number, and tolerating one typing
// mistake. It also points out likely duplicate records. Everything is in
// memory; an Index is safe for concurrent use, and searches run in
// parallel with each other.
//
// # Normalisation
//
// Names and queries are compared after Fold: accents and other nonspacing
// marks are removed and letters lower-cased, so "Müller" matches "muller",
// "Ζωή" matches "ζωη" and "Ёлкин" matches "елкин". Name words are runs of
// letters and digits; anything else separates them. Scripts written
// without spaces (Chinese, Japanese) give one word per run of characters,
// which a query matches from its start ("山田" finds "山田太郎", "太郎" does
// not). A name of several words is also found as one word: "O'Brien" as
// "obrien", "Van der Berg" as "vanderberg".
//
// # Queries
//
// A query is split into terms at spaces and commas. An entry is a hit when
// every term matches it; each term is read as the first of these that fits:
//
//   - A date, "1984-03-07" or "07.03.1984" (one-digit day and month are
//     fine): the date of birth, exactly. A date with slashes depends on
//     the DateOrder the search is given (Search: AnyOrder; SearchAs): in
//     AnyOrder "07/03/1984" matches 7 March and July 3, whichever are
//     dates; in DayFirst it is 7 March, as are "07-03-1984" and, with
//     slashes only, "07/03/84" (a two-digit year is the one in the
//     hundred years up to today: a birth date further back is typed in
//     full). "07.03.84" and "07-03-84" stay numbers: phone numbers are
//     written so.
//   - A year and month, "1984-03": the date of birth's year and month.
//   - A number: digits, possibly with + - ( ) . / in them; adjacent numbers
//     are joined, so "+1 (555) 014-2231" is one term. With at least three
//     digits it matches an MRN that starts with it, or a phone number whose
//     digits start or end with it (so a local number without country or
//     area code works). A bare year such as "1984" is a number, not a date.
//   - Otherwise, a name term (a number of one or two digits is one too): it
//     matches a name word that it equals (Exact) or starts (Prefix), or,
//     when the term has at least four letters, a name word that is one edit
//     (insert, delete, substitute, or swap two adjacent letters) from the
//     term, or whose start is, counting starts one letter shorter or
//     longer than the term: "Shmid" finds "Schmidt" before it is typed in
//     full (Typo). Two mistakes do not match.
//
// # Ranking
//
// Each term matches an entry as well as it can, and a hit is as good as its
// weakest term: a hit for "smith jo" where "smith" is a whole word and "jo"
// starts "John" is a Prefix hit. Hits come MRN, DOB, Phone and Exact first
// (these four rank equally), then Prefix, then Typo; within each, by folded
// family name (Names[0]), then folded given name (Names[1]), then ID. Hit.Kind
// is the kind of the weakest term (among equally weak ones, the first).
//
// # Duplicates
//
// Two entries are likely duplicates when
//
//   - they have the same date of birth, and similar names. Names are
//     compared folded, with spaces and punctuation removed ("Müller-Lüdenscheidt"
//     is "mullerludenscheidt"). Two names are close when they are equal or
//     one edit apart, but a name of one or two letters must be equal ("Li"
//     and "Lu" are different names, not a misspelling). Two given names are
//     compatible when they are close or one starts the other ("J", "Jo" and
//     "John"). Similar names are: family names (Names[0]) close, and one of
//     the given or preferred names (Names[1:]) of one entry compatible with
//     one of the other's, or neither entry has a given name; or family name
//     and first given name swapped on one of the two, the swapped family
//     names close and the swapped given names compatible ("John Smith" and
//     "Smith, J.");
//   - or they share a phone number (the digits of one number, at least
//     seven of them, are the end of the other's: "555 014 2231" and
//     "+1 (555) 014-2231"; not two full numbers that differ in area code)
//     and have similar names or the same date of birth. A shared phone
//     alone is not enough: households share phones.
//
// Index.Why names the signals two entries share (similar name, same birth
// date, same phone) as a Reason, in plain words for the people who decide.
//
// # Cost
//
// Every word of every name is kept in a sorted vocabulary, with the slots of
// the entries that have it in name order; see Search for how a query uses
// them. On a two-core machine, with 100,000 patients: a search as the user
// types (limit 50) takes a median of 1 to 40 µs depending on the query's
// shape, and under 0.3 ms at the 99th percentile; Put and Remove take
// 20 to 50 µs; Build about 0.22 s; the index holds about 46 MB besides the
// entries' own strings. bench_test.go measures all of these.
package search

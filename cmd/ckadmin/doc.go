// Command ckadmin is Chartkeeper's scriptable administration tool: it
// creates a practice, manages users, checks, backs up and restores the
// encrypted store, registers, finds and shows patients, reviews the audit
// log, imports the ICD-10-CM table and loads demo data, all without the
// graphical workstation.
//
// Usage:
//
//	ckadmin COMMAND [flags]
//
// Run "ckadmin help" for the list of commands and "ckadmin COMMAND -h" for
// the flags of one. Passwords come from --password-file, from the
// CHARTKEEPER_PASSWORD environment variable, or are asked for on the
// terminal without echo.
//
// Exit status: 0 success, 1 failure (including damage found by verify),
// 2 usage error or an unreadable store, 3 refused by the user's role,
// 4 sign-in failed (wrong password, unknown user, too many tries).
//
// Decisions worth knowing:
//
//   - verify first reads the store file's page structure without any key,
//     so a file with damaged pages is reported as damaged rather than as a
//     confusing sign-in failure (an unknown user, a crash); only then does
//     it sign in and check every sealed value.
//   - restore takes the practice secret, which backups never hold, from the
//     recovery key or --secret-from; with neither, from this computer's own
//     data folder when that holds the same practice.
//   - user list prints tab-separated fields (username, role, full name and
//     "disabled" where so) to a script, aligned columns to a terminal; so do
//     patient find (MRN, "Family, Given", birth date) and audit list (time
//     in RFC 3339 UTC, username, action, MRN, detail, workstation; "-" for
//     none).
//   - patient, audit and codes commands go through chartkeeper/chart, like
//     the workstation: the role table, validation and the audit log hold.
//     A refusal exits 3 and names the roles that may; a record the chart
//     refuses exits 1 with one line per field; a malformed flag value (an
//     unknown sex, an MRN with a wrong check digit) is a usage error, 2.
//   - patient add prints likely duplicates as "warning:" lines and then the
//     new MRN alone on the last line, so a script takes it with tail -n 1.
//   - demo is run by an HIM manager, since it adds users: it writes as
//     demo-frontdesk, demo-clinician and demo-coder, switching sessions
//     between them, so the demo records and audit log look like a clinic's.
//     An existing demo user's password is checked before anything is written.
package main

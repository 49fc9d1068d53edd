// Command ckadmin is Chartkeeper's scriptable administration tool: it
// creates a practice, manages users, checks, backs up and restores the
// encrypted store, all without the graphical workstation.
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
//     "disabled" where so) to a script, aligned columns to a terminal.
package main

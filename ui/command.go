package ui

import "strings"

// initCommand is the ckadmin command that sets up a practice in dir, with
// placeholders for the names only the person running it knows.
func initCommand(dir string) string {
	return "ckadmin init --data " + shellQuote(dir) +
		` --practice NAME --admin-name "FULL NAME" --admin-user USERNAME`
}

// shellQuote returns s as one word for a POSIX shell: unchanged when it holds
// only characters that need no quoting, else in single quotes.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+,:@%=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

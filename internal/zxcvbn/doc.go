// Package zxcvbn is the password-strength estimator of
// github.com/ccojocar/zxcvbn-go v1.0.4 (MIT licence, LICENSE.txt beside
// this file; the maintained continuation of nbutton23/zxcvbn-go), changed
// only so that it builds its word lists and keyboard graphs the first time
// a password is judged instead of at program start.
//
// Upstream builds them in init functions: decompressing and decoding five
// frequency lists, ranking them into dictionaries and reading four keyboard
// graphs took about 220 ms of every start of the workstation, before its
// window could open, although only the screens where a password is set
// ever use them. Here each of those packages has a Load function behind a
// sync.Once (adjacency, entropy, frequency, matching), PasswordStrength
// calls it, and Prepare lets a screen build them in the background.
//
// What is copied: the packages adjacency, entropy, frequency, matching and
// scoring and the file zxcvbn.go, from the v1.0.4 tag (commit
// d3df52dc74ba6dfac71c8c2b24afd6b467e6c090). What is not: the packages
// without an init (data with the embedded lists, match, utils/math), which
// are imported from the upstream module as before, so the word lists are
// upstream's own. The scoring is unchanged: TestSameAsUpstream compares
// every result with the upstream module's. To take a new upstream release,
// copy those files again, rename the imports of the copied packages and
// redo the Load changes (search for "Load" and "loadOnce").
package zxcvbn

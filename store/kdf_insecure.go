//go:build chartkeeper_insecure_kdf

package store

// Test-only hook: builds with -tags chartkeeper_insecure_kdf (only `make
// test` uses it) derive keyslots with cheap Argon2id parameters so that test
// suites can create and unlock hundreds of slots. Release builds never
// include this file.
func init() {
	kdfTestParams = &KDFParams{Time: 1, Memory: 64, Threads: 1}
}

// InsecureKDF reports whether this build uses the test-only cheap parameters.
const InsecureKDF = true

//go:build !chartkeeper_insecure_kdf

package store

// InsecureKDF reports whether this build uses the test-only cheap parameters.
const InsecureKDF = false

package store

import (
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
)

// KDFParams are the Argon2id parameters stored in each password keyslot.
type KDFParams struct {
	Time    uint32 `json:"t"`    // passes over memory
	Memory  uint32 `json:"m"`    // KiB
	Threads uint8  `json:"p"`    // lanes
	Salt    []byte `json:"salt"` // 16 random bytes per slot
}

// Default Argon2id parameters (RFC 9106's second recommendation), which are
// also the least calibration ever gives a new slot, and the floor below
// which no slot is accepted at all (OWASP's minimum; slots made before
// calibration had its present floor may hold t=2).
const (
	defaultKDFTime    = 3
	defaultKDFMemory  = 64 * 1024
	defaultKDFThreads = 4
	floorKDFTime      = 2
	floorKDFMemory    = 19 * 1024
	// kdfTarget is how long calibration aims for a cold derivation to take:
	// as strong as the machine allows while sign-in stays inside its budget
	// (under 307 ms, SQLCipher's unlock on the same machine).
	kdfTarget  = 250 * time.Millisecond
	maxKDFTime = 10
)

// kdfTestParams, when set, replaces calibrated parameters for new slots and
// lowers the floor. Only the test-only build tag chartkeeper_insecure_kdf sets
// it (see kdf_insecure.go); release builds cannot.
var kdfTestParams *KDFParams

var (
	calibrateOnce sync.Once
	calibrated    KDFParams
)

// newKDFParams returns parameters for a new slot: calibrated for this
// machine, with a fresh salt.
func newKDFParams() KDFParams {
	var p KDFParams
	if kdfTestParams != nil {
		p = *kdfTestParams
	} else {
		calibrateOnce.Do(func() { calibrated = calibrateKDF(measureKDF) })
		p = calibrated
	}
	p.Salt = randomBytes(16)
	return p
}

// kdfCost is what one derivation at 64 MiB costs on this machine: a fixed
// part (faulting in fresh memory, as the first sign-in after start does) and
// a part per pass.
type kdfCost struct{ fixed, pass time.Duration }

// measureKDF times one pass cold (fresh memory) and one warm.
func measureKDF() kdfCost {
	run := func() time.Duration {
		start := time.Now()
		argon2.IDKey([]byte("calibration"), make([]byte, 16), 1, defaultKDFMemory, defaultKDFThreads, keySize)
		return time.Since(start)
	}
	debug.FreeOSMemory()
	cold := run()
	runtime.GC() // the next run reuses the memory the first one faulted in
	warm := run()
	return kdfCost{fixed: max(cold-warm, 0), pass: warm}
}

// calibrateKDF picks the number of passes at 64 MiB so that a cold
// derivation (the first sign-in after the program starts) takes about
// kdfTarget on this machine, between the default 3 passes and maxKDFTime.
// It never goes below t=3 at 64 MiB, however slow the measurement: a
// machine busy while it measured must not weaken every slot made after.
func calibrateKDF(measure func() kdfCost) KDFParams {
	p := KDFParams{Time: defaultKDFTime, Memory: defaultKDFMemory, Threads: defaultKDFThreads}
	c := measure()
	if c.pass <= 0 {
		return p
	}
	t := max(kdfTarget-c.fixed, 0) / c.pass
	p.Time = uint32(min(max(t, defaultKDFTime), maxKDFTime))
	return p
}

// check refuses parameters below the floor, so a slot cannot be downgraded.
func (p KDFParams) check() error {
	minT, minM := uint32(floorKDFTime), uint32(floorKDFMemory)
	if kdfTestParams != nil {
		minT, minM = kdfTestParams.Time, kdfTestParams.Memory
	}
	if p.Time < minT || p.Memory < minM || p.Threads < 1 || len(p.Salt) < 16 {
		return fmt.Errorf("%w: keyslot key-derivation parameters are below the minimum (t=%d, m=%d KiB)", ErrTampered, p.Time, p.Memory)
	}
	if p.Time > 64 || p.Memory > 4*1024*1024 {
		return fmt.Errorf("%w: keyslot key-derivation parameters are implausibly large", ErrTampered)
	}
	return nil
}

// onDerive, when set (by tests only), is told the parameters of every
// key derivation.
var onDerive func(KDFParams)

// deriveSlotKey derives the key that wraps a user's slot: Argon2id over the
// password, mixed by HKDF with the practice secret and bound to the slot ID.
// Without the practice secret, a stolen slot cannot be brute-forced.
func deriveSlotKey(password, practiceSecret []byte, p KDFParams, slotID string) ([]byte, error) {
	if onDerive != nil {
		onDerive(p)
	}
	stretched := argon2.IDKey(password, p.Salt, p.Time, p.Memory, p.Threads, keySize)
	defer clear(stretched)
	return hkdf.Key(sha256.New, stretched, practiceSecret, "chartkeeper keyslot v1 "+slotID, keySize)
}

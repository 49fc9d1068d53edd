package store

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"unsafe"

	"golang.org/x/crypto/chacha20poly1305"
)

// keySize is the size of every symmetric key in the store (256 bits).
const keySize = chacha20poly1305.KeySize

// sealVersion is the first byte of a value sealed under the general key
// (and of every value sealed before the key hierarchy); sealVersion2 is
// followed by the compartment of the key that sealed it.
const (
	sealVersion  = 1
	sealVersion2 = 2
)

// sealOverhead is what sealing adds to a plaintext: version, epoch, nonce, tag.
const sealOverhead = 1 + 4 + chacha20poly1305.NonceSizeX + chacha20poly1305.Overhead

// dataKey is one epoch of the practice data key, ready to seal and open.
// Its bytes live in one place that [dataKey.wipe] zeroes.
type dataKey struct {
	comp  Compartment
	epoch uint32
	key   *[keySize]byte
	aead  cipher.AEAD
	// aeadKey points at the AEAD's private copy of the key when it could be
	// located, so wipe can zero it too.
	aeadKey *[keySize]byte
	// indexKey keys the hashes that index content (the blob index).
	indexKey *[keySize]byte
	// older are the earlier epochs of the same compartment's key (the
	// keyring, rotate.go): values sealed before a rotation still open.
	older map[uint32]*dataKey
}

// newDataKey takes ownership of k (which is copied and then zeroed): the
// general key.
func newDataKey(epoch uint32, k []byte) (*dataKey, error) {
	return newCompartmentKey(CompartmentGeneral, epoch, k)
}

// newCompartmentKey is newDataKey for the key of compartment c.
func newCompartmentKey(c Compartment, epoch uint32, k []byte) (*dataKey, error) {
	if len(k) != keySize {
		return nil, fmt.Errorf("data key: %w: want %d bytes, got %d", ErrTampered, keySize, len(k))
	}
	dk := &dataKey{comp: c, epoch: epoch, key: new([keySize]byte)}
	copy(dk.key[:], k)
	clear(k)
	aead, err := chacha20poly1305.NewX(dk.key[:])
	if err != nil {
		return nil, err
	}
	dk.aead = aead
	dk.aeadKey = aeadKeyBytes(aead, dk.key)
	ik, err := hkdf.Key(sha256.New, dk.key[:], nil, "chartkeeper index key v1", keySize)
	if err != nil {
		return nil, err
	}
	dk.indexKey = (*[keySize]byte)(ik)
	return dk, nil
}

// aeadKeyBytes finds the key copy held inside an XChaCha20-Poly1305 value so
// that it can be wiped. The x/crypto implementation keeps exactly the 32 key
// bytes in the struct the interface points at; we check that the bytes there
// are the key before trusting the layout, and return nil otherwise.
func aeadKeyBytes(aead cipher.AEAD, key *[keySize]byte) *[keySize]byte {
	type iface struct {
		typ  unsafe.Pointer
		data unsafe.Pointer
	}
	p := (*iface)(unsafe.Pointer(&aead)).data
	if p == nil {
		return nil
	}
	inner := (*[keySize]byte)(p)
	if *inner != *key {
		return nil
	}
	return inner
}

// wipe zeroes the key material. The dataKey is unusable afterwards.
func (k *dataKey) wipe() {
	if k == nil {
		return
	}
	if k.key != nil {
		clear(k.key[:])
	}
	if k.aeadKey != nil {
		clear(k.aeadKey[:])
	}
	if k.indexKey != nil {
		clear(k.indexKey[:])
	}
	for _, o := range k.older {
		o.wipe()
	}
	k.key, k.aead, k.aeadKey, k.indexKey, k.older = nil, nil, nil, nil, nil
}

// seal encrypts plaintext, binding it to ad. The output is
// version(1) | epoch(4) | nonce(24) | ciphertext+tag.
func (k *dataKey) seal(dst, plaintext, ad []byte) []byte {
	if k.comp != CompartmentGeneral {
		return sealWith2(k.aead, k.comp, k.epoch, dst, plaintext, ad)
	}
	return sealWith(k.aead, k.epoch, dst, plaintext, ad)
}

// sealWith2 seals in the format that names the compartment:
// version 2 | compartment(1) | epoch(4) | nonce(24) | ciphertext+tag, the
// header bound into the associated data.
func sealWith2(aead cipher.AEAD, c Compartment, epoch uint32, dst, plaintext, ad []byte) []byte {
	n := len(dst)
	dst = append(dst, make([]byte, 2+4+chacha20poly1305.NonceSizeX)...)
	hdr := dst[n:]
	hdr[0], hdr[1] = sealVersion2, byte(c)
	binary.BigEndian.PutUint32(hdr[2:6], epoch)
	if _, err := rand.Read(hdr[6:]); err != nil {
		panic("chartkeeper: reading random bytes failed: " + err.Error())
	}
	return aead.Seal(dst, hdr[6:], plaintext, sealAD(hdr[:6], ad))
}

func sealWith(aead cipher.AEAD, epoch uint32, dst, plaintext, ad []byte) []byte {
	n := len(dst)
	dst = append(dst, make([]byte, 1+4+chacha20poly1305.NonceSizeX)...)
	hdr := dst[n:]
	hdr[0] = sealVersion
	binary.BigEndian.PutUint32(hdr[1:5], epoch)
	nonce := hdr[5:]
	if _, err := rand.Read(nonce); err != nil {
		// A machine that cannot produce randomness must not write data.
		panic("chartkeeper: reading random bytes failed: " + err.Error())
	}
	return aead.Seal(dst, nonce, plaintext, sealAD(hdr[:5], ad))
}

// sealAD prefixes the caller's associated data with the version and epoch,
// so neither can be changed without detection.
func sealAD(hdr, ad []byte) []byte {
	out := make([]byte, 0, len(hdr)+len(ad))
	return append(append(out, hdr...), ad...)
}

// open authenticates and decrypts a sealed value. Any mismatch in key,
// epoch, associated data or bytes is reported as [ErrTampered].
func (k *dataKey) open(dst, sealed, ad []byte) ([]byte, error) {
	if k == nil || k.aead == nil {
		return nil, ErrLocked
	}
	if len(sealed) > 0 && sealed[0] == sealVersion2 {
		if len(sealed) < sealOverhead+1 {
			return nil, fmt.Errorf("%w: sealed value too short (%d bytes)", ErrTampered, len(sealed))
		}
		if Compartment(sealed[1]) != k.comp {
			return nil, fmt.Errorf("%w: sealed in the %s compartment, this key is the %s one", ErrTampered, Compartment(sealed[1]), k.comp)
		}
		if e := binary.BigEndian.Uint32(sealed[2:6]); e != k.epoch {
			if o := k.older[e]; o != nil {
				return o.open(dst, sealed, ad)
			}
			return nil, fmt.Errorf("%w: sealed with key epoch %d, this key is epoch %d", ErrTampered, e, k.epoch)
		}
		out, err := k.aead.Open(dst, sealed[6:6+chacha20poly1305.NonceSizeX], sealed[6+chacha20poly1305.NonceSizeX:], sealAD(sealed[:6], ad))
		if err != nil {
			return nil, ErrTampered
		}
		return out, nil
	}
	if k.comp != CompartmentGeneral {
		return nil, fmt.Errorf("%w: sealed under the general key, this key is the %s one", ErrTampered, k.comp)
	}
	if len(sealed) >= 5 {
		if o := k.older[binary.BigEndian.Uint32(sealed[1:5])]; o != nil && o.epoch != k.epoch {
			return o.open(dst, sealed, ad)
		}
	}
	return openWith(k.aead, k.epoch, dst, sealed, ad)
}

func openWith(aead cipher.AEAD, epoch uint32, dst, sealed, ad []byte) ([]byte, error) {
	if len(sealed) < sealOverhead {
		return nil, fmt.Errorf("%w: sealed value too short (%d bytes)", ErrTampered, len(sealed))
	}
	if sealed[0] != sealVersion {
		return nil, fmt.Errorf("%w: unknown seal version %d", ErrTampered, sealed[0])
	}
	if e := binary.BigEndian.Uint32(sealed[1:5]); e != epoch {
		return nil, fmt.Errorf("%w: sealed with key epoch %d, this key is epoch %d", ErrTampered, e, epoch)
	}
	nonce := sealed[5 : 5+chacha20poly1305.NonceSizeX]
	out, err := aead.Open(dst, nonce, sealed[5+chacha20poly1305.NonceSizeX:], sealAD(sealed[:5], ad))
	if err != nil {
		return nil, ErrTampered
	}
	return out, nil
}

// randomBytes returns n bytes from the system's random source. Failure to
// read randomness is a panic: continuing would produce weak keys or nonces.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("chartkeeper: reading random bytes failed: " + err.Error())
	}
	return b
}

// adBuilder builds associated data from length-prefixed parts, so that
// ("ab","c") and ("a","bc") never produce the same bytes.
type adBuilder []byte

func (a adBuilder) str(s string) adBuilder {
	a = binary.AppendUvarint(a, uint64(len(s)))
	return append(a, s...)
}

func (a adBuilder) bytes(b []byte) adBuilder {
	a = binary.AppendUvarint(a, uint64(len(b)))
	return append(a, b...)
}

func (a adBuilder) u64(v uint64) adBuilder {
	return binary.BigEndian.AppendUint64(a, v)
}

package store

import (
	"bytes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"io"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/chacha20poly1305"
)

// Clinical documents: sealing to the clinical compartment by anyone.
//
// Front desk staff file clinical scans they may not read, so a clinical
// document's content and clinical metadata cannot be sealed under the
// clinical key itself (front desk does not hold it). They are sealed to
// the practice's clinical document key instead: an X25519 key pair whose
// public half is in the practice keys record (signed by the administration
// key, like the audit public key) and whose private half is derived from
// the clinical key (HKDF-SHA256, its own label), so exactly the holders of
// the clinical key (clinicians, coders, HIM managers, the recovery key)
// hold it, through the grants and slots that already carry the clinical
// key, and it changes with the clinical key's epoch. A value sealed to it
// is
//
//	4 | clinical key epoch (4) | ephemeral X25519 public key (32) | value sealed as by the general key
//
// under the key the ephemeral key shares with the clinical document key
// (HKDF-SHA256, XChaCha20-Poly1305, as audit entries are sealed), with the
// first 37 bytes bound into the associated data.
const (
	sealVersionClinicalBox = 4
	clinicalBoxHeaderSize  = 1 + 4 + 32
)

// keyClinicalDocs marks a store made before clinical documents were
// sealed to their own key (schema migration 5): the first HIM manager to
// sign in publishes the key ([Tx.publishClinicalDocKey]).
var keyClinicalDocs = []byte("clinicaldocs")

// markClinicalDocs is schema migration 5.
func markClinicalDocs(btx *bolt.Tx) error {
	meta := btx.Bucket(bucketMeta)
	if meta.Get(keyPractice) == nil {
		return nil // a new store: Create publishes the key
	}
	return meta.Put(keyClinicalDocs, []byte("to publish"))
}

// clinicalBoxKey derives the clinical document private key from the
// clinical key k.
func clinicalBoxKey(k *dataKey) (*ecdh.PrivateKey, error) {
	if k == nil || k.key == nil {
		return nil, &KeyError{Compartment: CompartmentClinical}
	}
	seed, err := hkdf.Key(sha256.New, k.key[:], nil, "chartkeeper clinical documents v1", keySize)
	if err != nil {
		return nil, err
	}
	defer clear(seed)
	return ecdh.X25519().NewPrivateKey(seed)
}

// clinicalBoxPublic is the public half of the clinical document key the
// session's clinical key gives, or nil without it.
func (sess *session) clinicalBoxPublic() []byte {
	if sess.clinical == nil {
		return nil
	}
	k, err := clinicalBoxKey(sess.clinical)
	if err != nil {
		return nil
	}
	return k.PublicKey().Bytes()
}

// publishClinicalDocKey is the second half of migration 5, run at an HIM
// manager's sign-in: the practice keys record gets the clinical document
// public key. The key is derived from the clinical key, so two
// workstations that publish it at once publish the same key.
func (tx *Tx) publishClinicalDocKey() error {
	meta := tx.btx.Bucket(bucketMeta)
	if meta.Get(keyClinicalDocs) == nil || tx.sess.admin == nil || tx.sess.clinical == nil {
		return nil
	}
	if tx.sess.clinicalPub == nil {
		if err := tx.putPracticeKeys(tx.sess.legacyOK); err != nil {
			return err
		}
		if err := tx.Audit(AuditEvent{Action: "keys.clinicaldocs", Detail: detailClinicalDocs}); err != nil {
			return err
		}
	}
	return meta.Delete(keyClinicalDocs)
}

// SealsClinical reports whether this session knows the practice's clinical
// document key, so that [Tx.SealClinical] and [Store.PutClinicalBlob]
// work. It does not in a practice still on one data key, in one that has
// not published the key yet (an HIM manager's next sign-in does), and on a
// joined workstation before its first sync; there documents are sealed
// under the general key as before, and chart re-seals them later.
func (s *Store) SealsClinical() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.sess != nil && s.sess.clinicalPub != nil
}

// SealsClinical is [Store.SealsClinical] in a transaction.
func (tx *Tx) SealsClinical() bool { return tx.sess != nil && tx.sess.clinicalPub != nil }

// ErrNoClinicalDocKey means the practice's clinical document key is not
// known to this session (see [Store.SealsClinical]).
var ErrNoClinicalDocKey = fmt.Errorf("%w: this workstation does not know the practice's key for clinical documents yet", ErrInvalid)

// clinicalSealer makes an ephemeral key and the AEAD it shares with the
// clinical document key; hdr is the sealed values' first 37 bytes.
func (sess *session) clinicalSealer() (hdr []byte, aead cipher.AEAD, err error) {
	if sess.clinicalPub == nil {
		return nil, nil, ErrNoClinicalDocKey
	}
	epub, aead, err := sealerTo(sess.clinicalPub)
	if err != nil {
		return nil, nil, err
	}
	hdr = binary.BigEndian.AppendUint32([]byte{sealVersionClinicalBox}, sess.clinicalPubEpoch)
	return append(hdr, epub...), aead, nil
}

func clinicalBoxAD(hdr, ad []byte) []byte {
	return adBuilder("clinical document").bytes(hdr).bytes(ad)
}

// sealClinicalWith seals pt with a sealer from clinicalSealer.
func sealClinicalWith(hdr []byte, aead cipher.AEAD, dst, pt, ad []byte) []byte {
	dst = append(dst, hdr...)
	return sealWith(aead, 0, dst, pt, clinicalBoxAD(hdr, ad))
}

// isClinicalSealed reports whether a stored value is sealed to the
// clinical document key.
func isClinicalSealed(v []byte) bool { return len(v) > 0 && v[0] == sealVersionClinicalBox }

// clinicalOpener opens values sealed to the clinical document key, of
// every epoch of the clinical key the session holds (a rotation makes a
// new clinical key, and with it a new clinical document key; values
// sealed to an older one still open for those who hold its epoch).
type clinicalOpener struct {
	keys  *dataKey
	privs map[uint32]*ecdh.PrivateKey
	cache map[clinicalAEADKey]cipher.AEAD
}

type clinicalAEADKey struct {
	epoch uint32
	epub  [32]byte
}

func (sess *session) clinicalOpener() (*clinicalOpener, error) {
	if sess.clinical == nil || sess.clinical.key == nil {
		return nil, &KeyError{Compartment: CompartmentClinical, Renew: sess.renew}
	}
	return &clinicalOpener{keys: sess.clinical}, nil
}

// privFor is the clinical document key of epoch e.
func (o *clinicalOpener) privFor(e uint32) (*ecdh.PrivateKey, error) {
	if priv := o.privs[e]; priv != nil {
		return priv, nil
	}
	k := o.keys
	if e != k.epoch {
		k = o.keys.older[e]
	}
	if k == nil {
		return nil, &KeyError{Compartment: CompartmentClinical, Newer: e > o.keys.epoch}
	}
	priv, err := clinicalBoxKey(k)
	if err != nil {
		return nil, err
	}
	if o.privs == nil {
		o.privs = map[uint32]*ecdh.PrivateKey{}
	}
	o.privs[e] = priv
	return priv, nil
}

// aeadFor is the AEAD an ephemeral public key shares with the clinical
// document key of epoch e.
func (o *clinicalOpener) aeadFor(e uint32, epub []byte) (cipher.AEAD, error) {
	if len(epub) != 32 {
		return nil, fmt.Errorf("%w: malformed ephemeral key", ErrTampered)
	}
	k := clinicalAEADKey{e, [32]byte(epub)}
	if aead := o.cache[k]; aead != nil {
		return aead, nil
	}
	priv, err := o.privFor(e)
	if err != nil {
		return nil, err
	}
	aead, err := openerFrom(priv, epub)
	if err != nil {
		return nil, err
	}
	if o.cache == nil {
		o.cache = map[clinicalAEADKey]cipher.AEAD{}
	}
	o.cache[k] = aead
	return aead, nil
}

func (o *clinicalOpener) open(sealed, ad []byte) ([]byte, error) {
	if len(sealed) < clinicalBoxHeaderSize+sealOverhead || sealed[0] != sealVersionClinicalBox {
		return nil, fmt.Errorf("%w: not a value sealed to the clinical document key", ErrTampered)
	}
	aead, err := o.aeadFor(binary.BigEndian.Uint32(sealed[1:5]), sealed[5:clinicalBoxHeaderSize])
	if err != nil {
		return nil, err
	}
	return openWith(aead, 0, nil, sealed[clinicalBoxHeaderSize:], clinicalBoxAD(sealed[:clinicalBoxHeaderSize], ad))
}

func clinicalValueAD(context string) []byte { return adBuilder("clinical value").str(context) }

// SealClinical seals pt to the practice's clinical document key, bound to
// context (chart passes the record's ID): any session may seal, only the
// holders of the clinical key open ([Tx.OpenClinical]). It fails with
// [ErrNoClinicalDocKey] when the session does not know the key.
func (tx *Tx) SealClinical(pt []byte, context string) ([]byte, error) {
	hdr, aead, err := tx.sess.clinicalSealer()
	if err != nil {
		return nil, err
	}
	return sealClinicalWith(hdr, aead, nil, pt, clinicalValueAD(context)), nil
}

// OpenClinical opens a value [Tx.SealClinical] sealed for context. A
// session without the clinical key gets a [*KeyError] (it matches
// [ErrNoKey]); a value changed, or sealed for another context, wraps
// [ErrTampered].
func (tx *Tx) OpenClinical(sealed []byte, context string) ([]byte, error) {
	if tx.clinicalOp == nil {
		o, err := tx.sess.clinicalOpener()
		if err != nil {
			return nil, err
		}
		tx.clinicalOp = o
	}
	return tx.clinicalOp.open(sealed, clinicalValueAD(context))
}

// PutClinicalBlob stores content as [Store.PutBlob] does, its chunks sealed
// to the clinical document key (the header, which says how big the
// content is, stays under the general key, so every workstation syncs and
// checks the blob). Only holders of the clinical key read it back. The
// same content already stored sealed to the clinical key is not stored
// twice; content stored under the general key is (see
// [Store.DropBlob]).
func (s *Store) PutClinicalBlob(r io.Reader) (BlobInfo, error) {
	return s.putBlobFrom(r, true, nil)
}

// DropBlob removes a blob from this store: its chunks, its header, its
// content index entry and its place in the blob feed (so a blob dropped
// before sync sent it never leaves the workstation). Chart drops the
// general-key copy of a document's content once it is re-sealed to the
// clinical document key. Copies already sent to the sync server, fetched
// by other workstations or in backups are not reached.
func (s *Store) DropBlob(id string) error {
	if err := checkID("blob ID", id); err != nil {
		return err
	}
	return s.Update(func(tx *Tx) error {
		b := tx.btx.Bucket(bucketBlobs)
		hv := b.Get(blobHeaderKey(id))
		if hv == nil {
			return nil
		}
		h, err := tx.blobHeader(id)
		if err == nil && h.locked {
			err = lockedBlobError(&h) // its index entry is not known
		}
		if err != nil {
			return err
		}
		info := h.BlobInfo
		ib := tx.btx.Bucket(bucketBlobIndex)
		ik := tx.sess.blobIndexKey(&h)
		if bytes.Equal(ib.Get(ik), []byte(id)) {
			if err := ib.Delete(ik); err != nil {
				return err
			}
		}
		for i := uint32(0); i < info.Chunks; i++ {
			if err := b.Delete(blobChunkKey(id, i)); err != nil {
				return err
			}
		}
		if err := b.Delete(blobHeaderKey(id)); err != nil {
			return err
		}
		if ids := tx.btx.Bucket(bucketBlobFeedIDs); ids != nil {
			if seq := ids.Get([]byte(id)); seq != nil {
				if err := tx.btx.Bucket(bucketBlobFeed).Delete(bytes.Clone(seq)); err != nil {
					return err
				}
				if err := ids.Delete([]byte(id)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// A blob sealed to the clinical document key has one ephemeral key, in
// its header (sealed under the general key), and chunks of exactly the
// size of general-key chunks, so the sync server stores them alike:
//
//	5 | clinical key epoch (4) | nonce (24) | content sealed (tag 16)
//
// under the key the header's ephemeral key shares with the clinical
// document key, the associated data binding the ephemeral key and the
// chunk's blob, index and position. The header also carries the SHA-256
// over the SHA-256 of every sealed chunk, so a workstation whose user lacks
// the clinical key still checks, before it keeps an imported blob, that
// its chunks are exactly the ones sealed.
const sealVersionClinicalChunk = 5

// blobHeader is what a blob's sealed header holds.
type blobHeader struct {
	BlobInfo
	Box  []byte `json:"box,omitempty"`  // the ephemeral public key of a clinical blob
	Root []byte `json:"root,omitempty"` // SHA-256 over the sealed chunks' SHA-256s
	// Sum is the content's SHA-256 sealed under the general key's epoch
	// of a blob sealed under a rotated epoch (blobepoch.go).
	Sum []byte `json:"sum,omitempty"`
	// locked: the session does not hold that epoch (Sum did not open).
	locked bool
}

// clinicalBlobSealer seals one blob's chunks to the clinical document key.
type clinicalBlobSealer struct {
	epub  []byte
	aead  cipher.AEAD
	epoch uint32
	sums  hash.Hash
}

func (sess *session) clinicalBlobSealer() (*clinicalBlobSealer, error) {
	if sess.clinicalPub == nil {
		return nil, ErrNoClinicalDocKey
	}
	epub, aead, err := sealerTo(sess.clinicalPub)
	if err != nil {
		return nil, err
	}
	return &clinicalBlobSealer{epub: epub, aead: aead, epoch: sess.clinicalPubEpoch, sums: sha256.New()}, nil
}

func clinicalChunkAD(epub, ad []byte) []byte {
	return adBuilder("clinical document chunk").bytes(epub).bytes(ad)
}

func (b *clinicalBlobSealer) seal(pt, ad []byte) []byte {
	n := 1 + 4 + chacha20poly1305.NonceSizeX
	v := make([]byte, n, n+len(pt)+chacha20poly1305.Overhead)
	v[0] = sealVersionClinicalChunk
	binary.BigEndian.PutUint32(v[1:5], b.epoch)
	if _, err := rand.Read(v[5:n]); err != nil {
		panic("chartkeeper: reading random bytes failed: " + err.Error())
	}
	v = b.aead.Seal(v, v[5:n], pt, sealAD(v[:5], clinicalChunkAD(b.epub, ad)))
	sum := sha256.Sum256(v)
	b.sums.Write(sum[:])
	return v
}

// header completes info's header with the sealer's key and sums.
func (b *clinicalBlobSealer) header(info BlobInfo) blobHeader {
	return blobHeader{BlobInfo: info, Box: b.epub, Root: b.sums.Sum(nil)}
}

// checkClinicalShape checks what can be checked of a clinical blob's
// chunk without the key: its format and length.
func (h *blobHeader) checkClinicalShape(i uint32, v []byte) error {
	if len(v) == 0 || v[0] != sealVersionClinicalChunk || len(v) != BlobChunkPlainSize(h.Size, i)+sealOverhead {
		return fmt.Errorf("blob %s chunk %d of %d: %w: not a chunk sealed to the clinical document key", h.ID, i+1, h.Chunks, ErrTampered)
	}
	return nil
}

// checkRoot checks the stored chunks of a clinical blob, or of one sealed
// under a rotated epoch of the general key (blobepoch.go), against the
// header's root (get returns chunk i as stored, nil when missing).
func (h *blobHeader) checkRoot(get func(i uint32) []byte) error {
	sums := sha256.New()
	for i := uint32(0); i < h.Chunks; i++ {
		v := get(i)
		if v == nil {
			return fmt.Errorf("blob %s: %w: chunk %d of %d is missing", h.ID, ErrTampered, i+1, h.Chunks)
		}
		if err := h.checkShape(i, v); err != nil {
			return err
		}
		sum := sha256.Sum256(v)
		sums.Write(sum[:])
	}
	if !bytes.Equal(sums.Sum(nil), h.Root) {
		return fmt.Errorf("blob %s: %w: its chunks are not the ones its header names", h.ID, ErrTampered)
	}
	return nil
}

// openClinicalChunk opens chunk i of clinical blob h with o.
func (o *clinicalOpener) openChunk(h *blobHeader, i uint32, v []byte) ([]byte, error) {
	if err := h.checkClinicalShape(i, v); err != nil {
		return nil, err
	}
	aead, err := o.aeadFor(binary.BigEndian.Uint32(v[1:5]), h.Box)
	if err != nil {
		return nil, err
	}
	n := 1 + 4 + chacha20poly1305.NonceSizeX
	pt, err := aead.Open(nil, v[5:n], v[n:], sealAD(v[:5], clinicalChunkAD(h.Box, blobChunkAD(h.ID, i, i == h.Chunks-1))))
	if err != nil {
		return nil, ErrTampered
	}
	return pt, nil
}

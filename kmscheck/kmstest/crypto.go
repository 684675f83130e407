package kmstest

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// Ciphertext blobs are: version byte, key id length, key id, 12-byte nonce,
// AES-256-GCM sealed plaintext. The encryption context, canonically encoded,
// is the additional authenticated data.
const blobVersion = 0x01

func aad(ec map[string]string) []byte {
	if len(ec) == 0 {
		return nil
	}
	pairs := make([][2]string, 0, len(ec))
	for _, k := range slices.Sorted(maps.Keys(ec)) {
		pairs = append(pairs, [2]string{k, ec[k]})
	}
	b, _ := json.Marshal(pairs)
	return b
}

func seal(kk *key, plaintext []byte, ec map[string]string) ([]byte, error) {
	block, err := aes.NewCipher(kk.material)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	id := *kk.meta.KeyId
	out := make([]byte, 0, 2+len(id)+gcm.NonceSize()+len(plaintext)+gcm.Overhead())
	out = append(out, blobVersion, byte(len(id)))
	out = append(out, id...)
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out = append(out, nonce...)
	return gcm.Seal(out, nonce, plaintext, aad(ec)), nil
}

// blobKeyID returns the key id a ciphertext blob names.
func blobKeyID(blob []byte) (string, bool) {
	if len(blob) < 2 || blob[0] != blobVersion || len(blob) < 2+int(blob[1]) {
		return "", false
	}
	return string(blob[2 : 2+int(blob[1])]), true
}

func open(kk *key, blob []byte, ec map[string]string) ([]byte, error) {
	invalid := &types.InvalidCiphertextException{Message: aws.String("The ciphertext is invalid or the encryption context does not match.")}
	id, ok := blobKeyID(blob)
	if !ok {
		return nil, invalid
	}
	block, err := aes.NewCipher(kk.material)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	rest := blob[2+len(id):]
	if len(rest) < gcm.NonceSize()+gcm.Overhead() {
		return nil, invalid
	}
	pt, err := gcm.Open(nil, rest[:gcm.NonceSize()], rest[gcm.NonceSize():], aad(ec))
	if err != nil {
		return nil, invalid
	}
	return pt, nil
}

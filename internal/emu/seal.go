package emu

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// ErrSealed is returned by [Open] for sealed data that is too short or does
// not authenticate under the key.
var ErrSealed = errors.New("emu: sealed data is corrupt or was sealed under another key")

// Seal encrypts plaintext under a 256-bit data key with AES-GCM, as the
// emulated services keep their data under the data keys KMS gives them. It
// returns nonce || ciphertext || tag.
func Seal(dataKey, plaintext []byte) ([]byte, error) {
	gcm, err := newGCM(dataKey)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize(), gcm.NonceSize()+len(plaintext)+gcm.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("emu: reading a nonce: %w", err)
	}
	return gcm.Seal(nonce, nonce, plaintext, nil), nil
}

// Open decrypts what [Seal] returned under the same data key.
func Open(dataKey, sealed []byte) ([]byte, error) {
	gcm, err := newGCM(dataKey)
	if err != nil {
		return nil, err
	}
	if len(sealed) < gcm.NonceSize() {
		return nil, ErrSealed
	}
	plain, err := gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], nil)
	if err != nil {
		return nil, ErrSealed
	}
	return plain, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("emu: data key is %d bytes, want 32 (AES_256)", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("emu: data key: %w", err)
	}
	return cipher.NewGCM(block)
}

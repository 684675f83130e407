package emu

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealOpen(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{7}, 32)
	other := bytes.Repeat([]byte{8}, 32)
	sealed, err := Seal(key, []byte("engine description"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Open(key, sealed)
	if err != nil || string(got) != "engine description" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := Open(other, sealed); !errors.Is(err, ErrSealed) {
		t.Errorf("Open under another key = %v, want ErrSealed", err)
	}
	if _, err := Open(key, sealed[:5]); !errors.Is(err, ErrSealed) {
		t.Errorf("Open of a truncated blob = %v, want ErrSealed", err)
	}
	if _, err := Seal(key[:16], nil); err == nil {
		t.Error("Seal took a 128-bit key")
	}
}

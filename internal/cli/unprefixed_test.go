package cli

import (
	"errors"
	"fmt"
	"testing"
)

func TestUnprefixed(t *testing.T) {
	t.Parallel()
	sentinel := errors.New("sentinel")
	err := Unprefixed("batcheval: ", fmt.Errorf("batcheval: starting: %w", sentinel))
	if got, want := err.Error(), "starting: sentinel"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, sentinel) {
		t.Error("errors.Is does not see the wrapped error")
	}
	if got, want := Unprefixed("batcheval: ", errors.New("other: x")).Error(), "other: x"; got != want {
		t.Errorf("another prefix: Error() = %q, want %q", got, want)
	}
	if Unprefixed("batcheval: ", nil) != nil {
		t.Error("Unprefixed(nil) is not nil")
	}
}

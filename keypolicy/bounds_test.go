package keypolicy

import (
	"errors"
	"strings"
	"testing"
)

// TestParseSize checks KMS's size limit: a policy of MaxPolicyBytes parses,
// one byte more is a *SizeError before any other work (even when it is not
// JSON at all).
func TestParseSize(t *testing.T) {
	t.Parallel()
	pad := func(n int) []byte {
		head := `{"Version":"2012-10-17","Id":"`
		return []byte(head + strings.Repeat("x", n-len(head)-2) + `"}`)
	}
	tests := []struct {
		name    string
		in      []byte
		wantErr bool
	}{
		{name: "at the limit", in: pad(MaxPolicyBytes)},
		{name: "one byte over", in: pad(MaxPolicyBytes + 1), wantErr: true},
		{name: "over and not JSON", in: []byte(strings.Repeat("\x00", MaxPolicyBytes+1)), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := Parse(tt.in)
			if !tt.wantErr {
				if err != nil || doc == nil {
					t.Fatalf("Parse(%d bytes) = %v", len(tt.in), err)
				}
				return
			}
			var se *SizeError
			if !errors.As(err, &se) || !errors.Is(err, ErrPolicyTooLarge) || doc != nil {
				t.Fatalf("Parse(%d bytes) = %v (%T); want a *SizeError", len(tt.in), err, err)
			}
			if se.Size != len(tt.in) || se.Limit != MaxPolicyBytes {
				t.Errorf("SizeError{Size: %d, Limit: %d}, want {%d, %d}", se.Size, se.Limit, len(tt.in), MaxPolicyBytes)
			}
			if want := "keypolicy: the key policy is 32769 bytes, over KMS's limit of 32768"; se.Error() != want {
				t.Errorf("Error() = %q, want %q", se.Error(), want)
			}
		})
	}
}

// TestParseKeepsSurrogatePairs checks that a valid escaped surrogate pair
// and valid multi-byte UTF-8 are kept.
func TestParseKeepsSurrogatePairs(t *testing.T) {
	t.Parallel()
	doc, err := Parse([]byte(`{"Id":"\ud83d\ude00 é 😀","X":["\uD83D\uDE00"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if doc.ID != "😀 é 😀" {
		t.Errorf("Id = %q", doc.ID)
	}
	if got := string(doc.Compact()); got != `{"Id":"😀 é 😀","X":["\uD83D\uDE00"]}` {
		t.Errorf("Compact = %s", got)
	}
}

func TestSizeErrorNil(t *testing.T) {
	t.Parallel()
	var e *SizeError
	if e.Error() != ErrPolicyTooLarge.Error() || !errors.Is(e, ErrPolicyTooLarge) {
		t.Errorf("nil *SizeError: %q", e.Error())
	}
}

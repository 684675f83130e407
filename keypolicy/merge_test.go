package keypolicy

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mustParse(t *testing.T, s string) *Document {
	t.Helper()
	d, err := Parse([]byte(s))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return d
}

func mustJSON(t *testing.T, d *Document) string {
	t.Helper()
	b, err := d.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestMergeIntoDefaultPolicy(t *testing.T) {
	t.Parallel()
	base, err := DefaultKeyPolicy(testAccount, "aws")
	if err != nil {
		t.Fatal(err)
	}
	add, err := ForPolicyEngine(PolicyEngineParams{Account: testAccount, Region: testRegion})
	if err != nil {
		t.Fatal(err)
	}
	baseBefore, addBefore := mustJSON(t, base), mustJSON(t, add)

	once, err := Merge(base, add)
	if err != nil {
		t.Fatal(err)
	}
	var sids []string
	for _, s := range once.Statement {
		sids = append(sids, s.Sid)
	}
	want := []string{SidDefaultIAMUserPermissions, SidPolicyCreateGrants, SidPolicyKMSOperations, SidPolicyKMSValidation}
	if diff := cmp.Diff(want, sids); diff != "" {
		t.Errorf("Sids (-want +got):\n%s", diff)
	}
	if once.Version != Version2012 || once.ID != DefaultKeyPolicyID {
		t.Errorf("Version %q, Id %q: the base's must be kept", once.Version, once.ID)
	}
	for i, s := range add.Statement {
		if got, want := string(once.Statement[i+1].appendCompact(nil)), string(s.appendCompact(nil)); got != want {
			t.Errorf("statement %d changed in the merge:\n got %s\nwant %s", i+1, got, want)
		}
	}

	twice, err := Merge(once, add)
	if err != nil {
		t.Fatalf("second merge: %v", err)
	}
	if diff := cmp.Diff(mustJSON(t, once), mustJSON(t, twice)); diff != "" {
		t.Errorf("merging twice differs from merging once (-once +twice):\n%s", diff)
	}
	if diff := cmp.Diff(baseBefore, mustJSON(t, base)); diff != "" {
		t.Errorf("Merge modified base (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(addBefore, mustJSON(t, add)); diff != "" {
		t.Errorf("Merge modified add (-before +after):\n%s", diff)
	}
	// The result shares no memory with its inputs.
	once.Statement[0].Action.Values[0] = "kms:Changed"
	once.Statement[1].Condition[0].Keys[0].Values.Values[0] = "changed"
	if mustJSON(t, base) != baseBefore || mustJSON(t, add) != addBefore {
		t.Error("changing the merged document changed an input")
	}
}

// TestMergeKeepsBaseBytes merges into a hand-written policy with unusual
// field order, unknown fields and mixed forms: its text must come through
// unchanged, with the new statements after it.
func TestMergeKeepsBaseBytes(t *testing.T) {
	t.Parallel()
	const base = `{
  "Id": "custom",
  "Statement": [
    {
      "Effect": "Allow",
      "Sid": "Enable IAM User Permissions",
      "Resource": [
        "*"
      ],
      "Principal": {
        "AWS": [
          "arn:aws:iam::111122223333:root"
        ]
      },
      "Action": "kms:*",
      "Note": {
        "ticket": 42
      }
    },
    {
      "Effect": "Deny",
      "Principal": "*",
      "Action": "kms:*",
      "Resource": "*",
      "Condition": {
        "Bool": {
          "aws:SecureTransport": false
        },
        "NumericGreaterThan": {
          "kms:RecipientAttestation": [
            1,
            "2"
          ]
        }
      }
    }
  ],
  "Version": "2012-10-17",
  "Owner": "security"
}
`
	add, err := ForBatchEvaluation(BatchEvaluationParams{Account: testAccount, Region: testRegion})
	if err != nil {
		t.Fatal(err)
	}
	merged, err := Merge(mustParse(t, base), add)
	if err != nil {
		t.Fatal(err)
	}
	got := mustJSON(t, merged)
	// Everything up to the end of the base's last statement is unchanged;
	// the new statements follow it, and the base's trailing fields follow them.
	cut := strings.Index(base, "    }\n  ],")
	if cut < 0 {
		t.Fatal("test policy lost its shape")
	}
	head := base[:cut+len("    }\n")]
	if !strings.HasPrefix(got, head[:len(head)-1]+",\n") {
		t.Errorf("base statements changed; got:\n%s", got)
	}
	if !strings.HasSuffix(got, "  ],\n  \"Version\": \"2012-10-17\",\n  \"Owner\": \"security\"\n}\n") {
		t.Errorf("base's fields after Statement changed; got:\n%s", got)
	}
	if n := len(merged.Statement); n != 5 {
		t.Errorf("%d statements, want 2 + 3", n)
	}
	// Merging the base into the merged policy changes nothing.
	again, err := Merge(merged, mustParse(t, base))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, mustJSON(t, again)); diff != "" {
		t.Errorf("merging the base again (-want +got):\n%s", diff)
	}
}

func TestMerge(t *testing.T) {
	t.Parallel()
	const base = `{"Version":"2012-10-17","Statement":[
		{"Sid":"A","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["kms:Decrypt","kms:Encrypt"],"Resource":"*",
		 "Condition":{"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com","aws:SourceAccount":"111122223333"}}},
		{"Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*"}]}`
	tests := []struct {
		name    string
		in      string // the policy to add
		want    []string
		wantErr string // Sid of the expected *ConflictError
	}{
		{
			name: "same Sid, same text: no-op",
			in:   `{"Statement":[{"Sid":"A","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["kms:Decrypt","kms:Encrypt"],"Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com","aws:SourceAccount":"111122223333"}}}]}`,
			want: []string{"A", ""},
		},
		{
			name: "same Sid, a condition key under another operator: conflict",
			in: `{"Statement":{"Resource":["*"],"Sid":"A","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root"]},"Action":["kms:Encrypt","kms:Decrypt","kms:Encrypt"],
				"Condition":{"StringEquals":{"aws:sourceaccount":["111122223333"]},"StringEquals ":{}}}}`,
			wantErr: "A", // "StringEquals " is another operator, and kms:ViaService is missing
		},
		{
			name: "same Sid, reordered fields, values and condition keys: no-op",
			in: `{"Statement":{"Resource":["*"],"Sid":"A","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root"]},"Action":["kms:Encrypt","kms:Decrypt","kms:Encrypt"],
				"Condition":{"StringEquals":{"AWS:SourceAccount":["111122223333"],"kms:ViaService":"s3.us-east-1.amazonaws.com"}}}}`,
			want: []string{"A", ""},
		},
		{
			name:    "same Sid, another action: conflict",
			in:      `{"Statement":[{"Sid":"A","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`,
			wantErr: "A",
		},
		{
			name:    "same Sid, condition value case differs: conflict",
			in:      `{"Statement":[{"Sid":"A","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["kms:Decrypt","kms:Encrypt"],"Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"S3.us-east-1.amazonaws.com","aws:SourceAccount":"111122223333"}}}]}`,
			wantErr: "A",
		},
		{
			name:    "same Sid, extra field: conflict",
			in:      `{"Statement":[{"Sid":"A","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["kms:Decrypt","kms:Encrypt"],"Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com","aws:SourceAccount":"111122223333"}},"X":1}]}`,
			wantErr: "A",
		},
		{
			name:    "conflict after a new statement: nothing is half-merged",
			in:      `{"Statement":[{"Sid":"B","Effect":"Allow","Action":"kms:Decrypt"},{"Sid":"A","Effect":"Deny"}]}`,
			wantErr: "A",
		},
		{
			name:    "two statements with one Sid in add: conflict",
			in:      `{"Statement":[{"Sid":"B","Effect":"Allow"},{"Sid":"B","Effect":"Deny"}]}`,
			wantErr: "B",
		},
		{
			name: "no Sid, identical statement present: no-op",
			in:   `{"Statement":[{"Effect":"Deny","Principal":"*","Action":["kms:*"],"Resource":"*"}]}`,
			want: []string{"A", ""},
		},
		{
			name: "no Sid, different statement: added",
			in:   `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*"}]}`,
			want: []string{"A", "", ""},
		},
		{
			name: "no Sid, same as a statement that has one: added",
			in:   `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["kms:Decrypt","kms:Encrypt"],"Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com","aws:SourceAccount":"111122223333"}}}]}`,
			want: []string{"A", "", ""},
		},
		{
			name: "duplicates within add: added once",
			in:   `{"Statement":[{"Sid":"C","Effect":"Allow"},{"Sid":"C","Effect":"Allow"},{"Effect":"Allow"},{"Effect":"Allow"}]}`,
			want: []string{"A", "", "C", ""},
		},
		{
			name: "empty add",
			in:   `{}`,
			want: []string{"A", ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, a := mustParse(t, base), mustParse(t, tt.in)
			got, err := Merge(b, a)
			if tt.wantErr != "" {
				var ce *ConflictError
				if !errors.As(err, &ce) {
					t.Fatalf("Merge = %v, want a *ConflictError", err)
				}
				if got != nil {
					t.Error("got a document with the conflict")
				}
				if !errors.Is(err, ErrConflict) || ce.Sid != tt.wantErr || ce.Incoming.Sid != tt.wantErr || ce.Existing.Sid != tt.wantErr {
					t.Errorf("ConflictError %+v: want Sid %q and errors.Is ErrConflict", ce, tt.wantErr)
				}
				if !strings.Contains(err.Error(), `"`+tt.wantErr+`"`) {
					t.Errorf("message %q does not name the Sid", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var sids []string
			for _, s := range got.Statement {
				sids = append(sids, s.Sid)
			}
			if diff := cmp.Diff(tt.want, sids); diff != "" {
				t.Errorf("Sids (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(mustJSON(t, mustParse(t, base)), mustJSON(t, b)); diff != "" {
				t.Errorf("base modified (-before +after):\n%s", diff)
			}
			twice, err := Merge(got, a)
			if err != nil {
				t.Fatalf("second merge: %v", err)
			}
			if diff := cmp.Diff(mustJSON(t, got), mustJSON(t, twice)); diff != "" {
				t.Errorf("not idempotent (-once +twice):\n%s", diff)
			}
		})
	}
}

func TestMergeEdges(t *testing.T) {
	t.Parallel()
	gen, err := ForPolicyEngine(PolicyEngineParams{Account: testAccount, Region: testRegion})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("nil base", func(t *testing.T) {
		t.Parallel()
		d, err := Merge(nil, gen)
		checkParamError(t, d, err, "base")
	})
	t.Run("nil add", func(t *testing.T) {
		t.Parallel()
		d, err := Merge(gen, nil)
		checkParamError(t, d, err, "add")
	})
	t.Run("empty base takes the version", func(t *testing.T) {
		t.Parallel()
		d, err := Merge(&Document{}, gen)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(mustJSON(t, gen), mustJSON(t, d)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("base without Version keeps none", func(t *testing.T) {
		t.Parallel()
		d, err := Merge(mustParse(t, `{"Statement":[{"Sid":"X"}]}`), gen)
		if err != nil {
			t.Fatal(err)
		}
		if d.Version != "" || len(d.Statement) != 4 {
			t.Errorf("Version %q with %d statements: want no Version (AWS reads it as 2008-10-17) and 4 statements", d.Version, len(d.Statement))
		}
	})
	t.Run("single statement base becomes a list", func(t *testing.T) {
		t.Parallel()
		d, err := Merge(mustParse(t, `{"Statement":{"Sid":"X"}}`), gen)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(d.Compact()), `{"Statement":[{"Sid":"X"},{"Sid":"Allow Policy to create grants"`) {
			t.Errorf("got %s", d.Compact())
		}
	})
	t.Run("policy engine and batch evaluation together", func(t *testing.T) {
		t.Parallel()
		be, err := ForBatchEvaluation(BatchEvaluationParams{Account: testAccount, Region: testRegion})
		if err != nil {
			t.Fatal(err)
		}
		d, err := Merge(gen, be)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Statement) != 6 {
			t.Errorf("%d statements, want 6", len(d.Statement))
		}
	})
	t.Run("source-context variant beside the plain one", func(t *testing.T) {
		t.Parallel()
		src, err := ForPolicyEngine(PolicyEngineParams{Account: testAccount, Region: testRegion, SourceContext: true})
		if err != nil {
			t.Fatal(err)
		}
		d, err := Merge(gen, src)
		if err != nil {
			t.Fatal(err)
		}
		// Two of the three Sids are shared with identical content; the
		// source-context statement has its own Sid.
		if len(d.Statement) != 4 || d.Statement[3].Sid != SidPolicyKMSOperationsSource {
			t.Errorf("got %d statements, last %q", len(d.Statement), d.Statement[len(d.Statement)-1].Sid)
		}
	})
	t.Run("other principal, same Sids: conflict", func(t *testing.T) {
		t.Parallel()
		other, err := ForPolicyEngine(PolicyEngineParams{Account: testAccount, Region: testRegion, Principal: "arn:aws:iam::111122223333:role/Other"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = Merge(gen, other)
		var ce *ConflictError
		if !errors.As(err, &ce) || ce.Sid != SidPolicyCreateGrants {
			t.Errorf("Merge = %v, want a conflict on %q", err, SidPolicyCreateGrants)
		}
	})
}

func TestEquivalent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"identical", `{"Sid":"A","Effect":"Allow"}`, `{"Sid":"A","Effect":"Allow"}`, true},
		{"string and one-item list", `{"Action":"a"}`, `{"Action":["a"]}`, true},
		{"absent and empty list", `{}`, `{"Action":[]}`, false},
		{"value order", `{"Action":["a","b"]}`, `{"Action":["b","a"]}`, true},
		{"value case", `{"Action":"kms:decrypt"}`, `{"Action":"kms:Decrypt"}`, false},
		{"Action and NotAction", `{"Action":"a"}`, `{"NotAction":"a"}`, false},
		{"Principal and NotPrincipal", `{"Principal":"*"}`, `{"NotPrincipal":"*"}`, false},
		{"principal types", `{"Principal":{"AWS":"a","Service":"s"}}`, `{"Principal":{"Service":["s"],"AWS":"a"}}`, true},
		{"principal type differs", `{"Principal":{"AWS":"a"}}`, `{"Principal":{"Service":"a"}}`, false},
		{"no principal and empty principal", `{}`, `{"Principal":{}}`, false},
		{"condition key case", `{"Condition":{"Bool":{"aws:SecureTransport":"true"}}}`, `{"Condition":{"Bool":{"AWS:securetransport":"true"}}}`, true},
		{"condition literal and string", `{"Condition":{"Bool":{"k":true}}}`, `{"Condition":{"Bool":{"k":"true"}}}`, true},
		{"condition operator differs", `{"Condition":{"StringEquals":{"k":"v"}}}`, `{"Condition":{"StringLike":{"k":"v"}}}`, false},
		{"condition value moved between keys", `{"Condition":{"S":{"a":"x","b":"y"}}}`, `{"Condition":{"S":{"a":"y","b":"x"}}}`, false},
		{"extra member order", `{"X":{"a":1,"b":2}}`, `{"X":{"b":2,"a":1}}`, true},
		{"extra value differs", `{"X":1}`, `{"X":2}`, false},
		{"values containing separators", `{"Action":["a\"]","b"]}`, `{"Action":["a","\"]b"]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := mustParse(t, `{"Statement":`+tt.a+`}`).Statement[0]
			b := mustParse(t, `{"Statement":`+tt.b+`}`).Statement[0]
			if got := a.Equivalent(b); got != tt.want {
				t.Errorf("%s.Equivalent(%s) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
			if got := b.Equivalent(a); got != tt.want {
				t.Errorf("not symmetric: %s.Equivalent(%s) = %v", tt.b, tt.a, got)
			}
		})
	}
}

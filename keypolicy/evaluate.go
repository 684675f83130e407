package keypolicy

// Request is one KMS request to evaluate against a key policy.
type Request struct {
	// Principal is the ARN of the IAM caller: a role, a user, an STS
	// assumed-role session (which matches its role) or the account root.
	// Leave it empty when Service is set.
	Principal string
	// Service is the service principal making the request with its own
	// credentials, such as "bedrock-agentcore.amazonaws.com".
	Service string
	// Action is the KMS action, such as "kms:Decrypt".
	Action string
	// Resource is the key ARN.
	Resource string
	// Context holds the request's condition keys and their values, such as
	// "kms:ViaService" or "kms:EncryptionContext:aws:...". Keys are matched
	// case-insensitively. Multi-valued keys such as kms:GrantOperations hold
	// several values.
	Context map[string][]string
}

// Verdict is the outcome of evaluating a [Request] against a key policy.
type Verdict int

// Verdicts, from the key policy's point of view.
const (
	// ImplicitDeny: no statement allows the request.
	ImplicitDeny Verdict = iota
	// Allow: a statement naming the caller (not the account root) allows it.
	Allow
	// AllowIfIAMAllows: the only allowing statements name the account root,
	// which delegates the decision to the account's IAM policies.
	AllowIfIAMAllows
	// ExplicitDeny: a Deny statement matches; nothing can allow it.
	ExplicitDeny
)

// Decision is the result of [Evaluate].
type Decision struct {
	Verdict Verdict
	// Statements are the indexes into Document.Statement of the statements
	// that decided: the matching Deny statements for ExplicitDeny, the
	// matching Allow statements otherwise.
	Statements []int
}

// Evaluate decides req against doc with the IAM rules a key policy needs.
func Evaluate(doc *Document, req Request) Decision {
	// Placeholder until the evaluator lands: nothing is allowed.
	_, _ = doc, req
	return Decision{Verdict: ImplicitDeny}
}

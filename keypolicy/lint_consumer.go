package keypolicy

import (
	"strconv"
	"strings"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
)

// Finding ids reported by [Lint] for the documented policies of the other
// AgentCore consumers.
const (
	// LintMissingPrincipal: a statement with neither Principal nor
	// NotPrincipal. KMS requires a principal in every key policy statement
	// and rejects the policy. The token vault's documented key policy has
	// none; Lint names what is missing without guessing it. Error.
	LintMissingPrincipal = "missing-principal"
	// LintLiteralWildcard: a * or ? in a value of a StringEquals-family
	// operator, where it is a literal character, not a wildcard (as in the
	// gateway's documented logging statement). Warning.
	LintLiteralWildcard = "literal-wildcard"
)

// lintConsumerStatement reports what the consumer pages' documented JSON
// gets wrong: a statement without a principal, a wildcard that an exact
// operator takes literally.
func lintConsumerStatement(s *Statement, add func(id string, sev Severity, msg string)) {
	if s.Principal == nil && s.NotPrincipal == nil {
		msg := "has no Principal: KMS requires a principal in every key policy statement and rejects the policy as written (MalformedPolicyDocumentException); name the principal the statement is for"
		if tokenVaultStatement(s) {
			msg += ". The AgentCore Identity token vault documentation shows this statement without one and does not say which principal a working policy needs; choose it yourself (keypolicy.For(\"" + ConsumerTokenVault + "\", Params{Principal: ...}) writes it into both statements)"
		}
		add(LintMissingPrincipal, SeverityError, msg)
	}
	for _, op := range s.Condition {
		o, ok := parseOperator(op.Operator)
		if !ok || o.base != opStringEquals && o.base != opStringEqualsIgnoreCase {
			continue
		}
		for _, k := range op.Keys {
			for _, v := range k.Values.Values {
				if strings.ContainsAny(strings.NewReplacer("${*}", "", "${?}", "").Replace(v), "*?") {
					like := strings.Replace(strings.Replace(op.Operator, "IgnoreCase", "", 1), "Equals", "Like", 1)
					add(LintLiteralWildcard, SeverityWarning, op.Operator+" on "+k.Key+" with "+strconv.Quote(v)+" matches only that literal string, * and ? included; to match a pattern use "+like)
					break
				}
			}
		}
	}
}

// tokenVaultStatement reports whether s has the token vault's conditions:
// kms:ViaService of AgentCore Identity, or its encryption-context key.
func tokenVaultStatement(s *Statement) bool {
	for _, op := range s.Condition {
		for _, k := range op.Keys {
			if equalFold(k.Key, "kms:EncryptionContext:"+agentcore.TokenVaultContextKey) {
				return true
			}
			if equalFold(k.Key, "kms:ViaService") {
				for _, v := range k.Values.Values {
					if strings.HasPrefix(v, agentcore.IdentityViaServiceName+".") {
						return true
					}
				}
			}
		}
	}
	return false
}

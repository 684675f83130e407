// Package keyapply adds statements to the key policy of a KMS key without
// losing what is there and without locking anyone out of the key.
//
// [Apply] reads the key's policy, merges the statements in with
// [keypolicy.Merge] (so nothing of the current policy changes, and a Sid
// already used by a different statement is a conflict, never an
// overwrite), checks the result offline against KMS's size limit and
// against AWS's lockout safety check ([keypolicy.CheckLockout]) for the
// identity that applies it, reads the policy again just before writing to
// catch another writer, writes it with PutKeyPolicy (never bypassing the
// lockout safety check), and reads it back to verify. It writes nothing
// when the policy already has the statements.
//
// The package is separate from keypolicy, which makes no AWS calls, and from
// kmscheck, whose preflight only reads.
//
// # Errors
//
// A refusal is a [*RefusedError], which unwraps to [ErrRefused] and to its
// reason: a [*keypolicy.ConflictError], a [*keypolicy.SizeError], a
// [*LockoutError], [ErrAWSManaged] or [ErrChanged]. Nothing was written.
//
//	res, err := keyapply.Apply(ctx, client, keyARN, statements, func(o *keyapply.Options) { o.Admin = adminARN })
//	var le *keyapply.LockoutError
//	switch {
//	case errors.As(err, &le):
//		fmt.Println("would lock out", le.Admin)
//	case errors.Is(err, keyapply.ErrRefused):
//		fmt.Println("refused:", err)
//	case err == nil && res.UpToDate:
//		fmt.Println("already up to date")
//	}
//
// Bad arguments are an [*InputError] ([ErrInvalidInput]); an answer from KMS
// that leaves out what Apply needs is [ErrNoAnswer]; a written policy that
// does not read back with the statements is [ErrNotVerified].
package keyapply

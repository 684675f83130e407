// Package cli holds what every example command shares: the exit codes, the
// one-line report of a bad flag (with a hint to -h instead of the whole
// usage), and the -timeout flag that bounds a whole run.
//
// A command builds a [Command], declares its own flags on Command.Flags,
// calls [Command.Parse], then runs under [Command.Context]:
//
//	cmd := cli.New("preflight", "Usage: preflight [flags]\nChecks a KMS key.")
//	key := cmd.Flags.String("key", "", "key ARN")
//	if code, ok := cmd.Parse(args, stderr); !ok {
//		return code
//	}
//	ctx, cancel := cmd.Context(context.Background())
//	defer cancel()
//
// Exit codes: [ExitOK] (0) when the run passed; [ExitFailed] (1) when a
// check failed or AWS refused; [ExitBadInput] (2) for bad input, no answer
// (a timeout, a network error, a server error) or an incomplete check.
// [Code] maps an error to them.
package cli

package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	smithy "github.com/aws/smithy-go"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/kmscheck"
)

// Exit codes every command uses.
const (
	// ExitOK: the run passed (a preflight passed, a resource was made).
	ExitOK = 0
	// ExitFailed: a check failed, or AWS refused the request.
	ExitFailed = 1
	// ExitBadInput: bad input, no answer (timeout, network or server
	// error) or an incomplete check: nothing shows the run would work.
	ExitBadInput = 2
)

// DefaultTimeout bounds a whole run unless -timeout says otherwise.
const DefaultTimeout = 2 * time.Minute

// UsageError is bad input on the command line. [Code] maps it to
// ExitBadInput. Error is safe on a nil *UsageError.
type UsageError struct {
	// Msg is the one-line message, without the command name.
	Msg string
}

// Error returns the message.
func (e *UsageError) Error() string {
	if e == nil {
		return "bad usage"
	}
	return e.Msg
}

// Unwrap returns agentcore.ErrInvalidInput, so that a UsageError is bad
// input like any other.
func (e *UsageError) Unwrap() error { return agentcore.ErrInvalidInput }

// Usagef returns a [*UsageError] with a formatted message.
func Usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// Command is a command's flags, with -timeout declared.
type Command struct {
	// Name is the command's name, such as "preflight"; it prefixes every
	// message.
	Name string
	// Summary is printed above the flags by -h.
	Summary string
	// Flags holds the command's flags. Declare them before Parse.
	Flags *flag.FlagSet

	timeout time.Duration
}

// New returns a Command with -timeout declared (default
// [DefaultTimeout]).
func New(name, summary string) *Command {
	c := &Command{Name: name, Summary: summary, Flags: flag.NewFlagSet(name, flag.ContinueOnError)}
	c.Flags.SetOutput(io.Discard) // Parse reports errors in one line
	c.Flags.DurationVar(&c.timeout, "timeout", DefaultTimeout, "give up after this `duration` (such as 30s or 5m); bounds the whole run")
	return c
}

// Parse parses args. With -h or -help it prints the summary and the flags
// to stderr and returns (ExitOK, false). A bad flag, an argument that is
// not a flag, or a -timeout that is not positive prints one line and a hint
// to -h, and returns (ExitBadInput, false). Otherwise it returns (0, true).
// Parse is safe on a nil Command, which it reports as bad input.
func (c *Command) Parse(args []string, stderr io.Writer) (code int, ok bool) {
	if c == nil || c.Flags == nil {
		fmt.Fprintln(stderr, "cli: no command")
		return ExitBadInput, false
	}
	err := c.Flags.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		c.PrintUsage(stderr)
		return ExitOK, false
	case err != nil:
	case c.Flags.NArg() > 0:
		err = fmt.Errorf("unexpected argument %q: every input is a flag", c.Flags.Arg(0))
	case c.timeout <= 0:
		err = fmt.Errorf("-timeout %v: must be positive", c.timeout)
	}
	if err != nil {
		return c.Fail(stderr, ExitBadInput, fmt.Errorf("%v (run %s -h for usage)", err, c.Name)), false
	}
	return 0, true
}

// PrintUsage prints the summary and the flags to w.
func (c *Command) PrintUsage(w io.Writer) {
	if c == nil || c.Flags == nil {
		return
	}
	if c.Summary != "" {
		fmt.Fprintln(w, c.Summary)
	}
	c.Flags.SetOutput(w)
	c.Flags.PrintDefaults()
	c.Flags.SetOutput(io.Discard)
}

// Timeout returns the -timeout value ([DefaultTimeout] before Parse).
func (c *Command) Timeout() time.Duration {
	if c == nil {
		return DefaultTimeout
	}
	return c.timeout
}

// Context returns a context that ends after -timeout.
func (c *Command) Context(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(parent, c.Timeout())
}

// Fail prints err to stderr as one line, "NAME: message" (a timeout says
// which -timeout ran out), and returns code.
func (c *Command) Fail(stderr io.Writer, code int, err error) int {
	name := "command"
	if c != nil && c.Name != "" {
		name = c.Name
	}
	msg := "failed"
	if err != nil {
		msg = err.Error()
		if errors.Is(err, context.DeadlineExceeded) {
			msg = fmt.Sprintf("no answer within -timeout %v: %s", c.Timeout(), msg)
		}
	}
	msg = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(msg)
	fmt.Fprintf(stderr, "%s: %s\n", name, msg)
	return code
}

// Code maps the outcome of a run to an exit code: nil is ExitOK; bad input
// ([agentcore.ErrInvalidInput], a [*UsageError]), an incomplete preflight
// ([kmscheck.ErrIncomplete]), a deadline or cancellation, throttling or a
// server error are ExitBadInput; a failed finding (ErrAccessDenied,
// ErrKeyNotUsable) or another refusal by AWS (an API error of the client's
// fault) is ExitFailed; any other error, which shows no answer, is
// ExitBadInput.
func Code(err error) int {
	if err == nil {
		return ExitOK
	}
	switch {
	case errors.Is(err, agentcore.ErrInvalidInput), errors.Is(err, kmscheck.ErrIncomplete),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return ExitBadInput
	case errors.Is(err, agentcore.ErrAccessDenied), errors.Is(err, agentcore.ErrKeyNotUsable):
		return ExitFailed
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch agentcore.KindOf(err) {
		case agentcore.KindThrottled, agentcore.KindServiceError:
			return ExitBadInput
		}
		if ae.ErrorFault() == smithy.FaultServer {
			return ExitBadInput
		}
		return ExitFailed
	}
	return ExitBadInput
}

// OutcomeCode is the exit code of a preflight's outcome: ExitOK when it
// passed, ExitFailed when it failed, ExitBadInput when it is incomplete
// (including a nil report).
func OutcomeCode(r *kmscheck.Report) int {
	switch r.Outcome() {
	case kmscheck.OutcomePassed:
		return ExitOK
	case kmscheck.OutcomeFailed:
		return ExitFailed
	}
	return ExitBadInput
}

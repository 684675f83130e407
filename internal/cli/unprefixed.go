package cli

import "strings"

// Unprefixed returns err with prefix (a package's own, such as
// "batcheval: ") dropped from the start of its text, for [Command.Fail],
// which starts the line with the command's name. errors.Is and errors.As
// still see err. It returns nil for a nil err.
func Unprefixed(prefix string, err error) error {
	if err == nil {
		return nil
	}
	return unprefixed{prefix: prefix, err: err}
}

type unprefixed struct {
	prefix string
	err    error
}

func (u unprefixed) Error() string { return strings.TrimPrefix(u.err.Error(), u.prefix) }
func (u unprefixed) Unwrap() error { return u.err }

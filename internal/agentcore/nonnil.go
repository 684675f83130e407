package agentcore

// NonNil returns errs without the nil ones: what an Unwrap() []error of a
// typed error returns, so errors.Is and errors.As never meet a nil.
func NonNil(errs ...error) []error {
	out := make([]error, 0, len(errs))
	for _, err := range errs {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}

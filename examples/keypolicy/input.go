package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// readInput reads the key policy named by flagName from path (- for
// stdin) through KMS's size limit, so that a huge input (-merge /dev/zero)
// costs at most that much memory and is refused before any parsing.
func readInput(flagName, path string, stdin io.Reader) ([]byte, error) {
	r := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, badInput("%s: %v", flagName, err)
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, keypolicy.MaxPolicyBytes+1))
	if err != nil {
		return nil, badInput("%s: reading %s: %v", flagName, mergeName(path), err)
	}
	if len(data) > keypolicy.MaxPolicyBytes {
		return nil, badInput("%s: %s is over KMS's key-policy limit of %d bytes", flagName, mergeName(path), keypolicy.MaxPolicyBytes)
	}
	return data, nil
}

// ctxReader reads from r until ctx ends, so that standard input that never
// ends cannot outlast -timeout. A read in progress when ctx ends is left to
// finish in the background; the command exits soon after.
type ctxReader struct {
	ctx     context.Context
	r       io.Reader
	timeout time.Duration
}

type readResult struct {
	n   int
	err error
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, c.timedOut(err)
	}
	buf := make([]byte, len(p))
	done := make(chan readResult, 1)
	go func() {
		n, err := c.r.Read(buf)
		done <- readResult{n, err}
	}()
	select {
	case res := <-done:
		copy(p, buf[:res.n])
		return res.n, res.err
	case <-c.ctx.Done():
		return 0, c.timedOut(c.ctx.Err())
	}
}

func (c *ctxReader) timedOut(err error) error {
	return fmt.Errorf("no input within -timeout %v: %w", c.timeout, err)
}

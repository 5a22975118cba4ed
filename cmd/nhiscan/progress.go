package main

import (
	"fmt"
	"io"
)

// progressTo returns the progress printer of a run: one line per step on
// stderr when it is a terminal; nil
// (quiet) otherwise, so CI logs and redirected output carry only results
// and errors.
func progressTo(env *environment, stderr io.Writer) func(string) {
	if !env.stderrIsTTY {
		return nil
	}
	return func(msg string) { fmt.Fprintf(stderr, "… %s\n", msg) }
}

// say calls progress when it is set.
func say(progress func(string), format string, args ...any) {
	if progress != nil {
		progress(fmt.Sprintf(format, args...))
	}
}

// megabytes formats a byte count for progress lines.
func megabytes(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d KB", (n+1023)>>10)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}

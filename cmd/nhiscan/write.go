package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// reportFileMode is the mode of every file nhiscan writes: reports and
// baselines are shared artefacts (CI uploads them, reviewers read them).
const reportFileMode = 0o644

// writeFile renders into path atomically: missing parent directories are
// created, the content goes to a temporary file in the same directory,
// which is made 0644 and renamed into place, so a failure leaves no
// partial file and the old file, if any, untouched. Errors name the flag
// that gave the path.
func writeFile(flag, path string, render func(io.Writer) error) error {
	fail := func(err error) error {
		return inputError{fmt.Errorf("%s %s: %w", flag, path, unwrapPathError(err))}
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return inputError{fmt.Errorf("%s %s: is a directory; name the file to write", flag, path)}
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail(err)
	}
	tmp, err := os.CreateTemp(dir, ".nhiscan-*.tmp")
	if err != nil {
		return fail(err)
	}
	name := tmp.Name()
	bw := bufio.NewWriterSize(tmp, 64<<10)
	werr := render(bw)
	if werr == nil {
		werr = bw.Flush()
	}
	if werr == nil {
		werr = tmp.Chmod(reportFileMode)
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(name, path)
	}
	if werr != nil {
		os.Remove(name)
		return fail(werr)
	}
	return nil
}

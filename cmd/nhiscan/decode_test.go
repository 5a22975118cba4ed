package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/nhiscan/nhiscan/scanners/inventory"
)

func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func utf16With(b []byte, order binary.AppendByteOrder, bom []byte) []byte {
	out := append([]byte(nil), bom...)
	for _, u := range utf16.Encode([]rune(string(b))) {
		out = order.AppendUint16(out, u)
	}
	return out
}

func crlf(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")) }

// Every demo export (JSON, NDJSON-free gcloud JSON and CSV alike),
// re-encoded the ways Windows tools and compressing collectors write it,
// must scan exactly like the original.
func TestEncodedInputsScanLikeTheOriginal(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	want := runCLI(t, env, "scan", "--input", "demo", "--as-of", "2026-11-01T00:00:00Z", "--format", "json")
	if want.code != 0 {
		t.Fatalf("demo: exit %d %s", want.code, want.stderr)
	}
	encodings := []struct {
		name   string
		encode func([]byte) []byte
		rename func(string) string
	}{
		{name: "utf8_bom_crlf", encode: func(b []byte) []byte { return append([]byte("\xef\xbb\xbf"), crlf(b)...) }},
		// Windows PowerShell 5.1: `aws iam ... > file.json` writes UTF-16LE with a BOM and CRLF.
		{name: "utf16le_powershell", encode: func(b []byte) []byte { return utf16With(crlf(b), binary.LittleEndian, []byte{0xff, 0xfe}) }},
		{name: "utf16be", encode: func(b []byte) []byte { return utf16With(b, binary.BigEndian, []byte{0xfe, 0xff}) }},
		{name: "gzip_named_gz", encode: func(b []byte) []byte { return gz(t, b) }, rename: func(s string) string { return s + ".gz" }},
		{name: "gzip_by_content", encode: func(b []byte) []byte { return gz(t, b) }},
		{name: "gzip_of_utf16", encode: func(b []byte) []byte { return gz(t, utf16With(crlf(b), binary.LittleEndian, []byte{0xff, 0xfe})) }, rename: func(s string) string { return s + ".gz" }},
	}
	for _, enc := range encodings {
		t.Run(enc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "demo")
			err := fs.WalkDir(demoFS, "demo", func(name string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				data, err := demoFS.ReadFile(name)
				if err != nil {
					return err
				}
				out := filepath.Join(dir, strings.TrimPrefix(name, "demo/"))
				if enc.rename != nil {
					out = enc.rename(out)
				}
				if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
					return err
				}
				return os.WriteFile(out, enc.encode(data), 0o644)
			})
			if err != nil {
				t.Fatal(err)
			}
			got := runCLI(t, env, "scan", "--input", dir, "--as-of", "2026-11-01T00:00:00Z", "--format", "json")
			if got.code != 0 || got.stdout != want.stdout {
				t.Errorf("exit %d, stderr %q; output equal to the plain demo's: %v", got.code, got.stderr, got.stdout == want.stdout)
			}
		})
	}
}

func TestDecodeInputErrors(t *testing.T) {
	dir := t.TempDir()
	full := gz(t, []byte(`{"UserDetailList": []}`))
	cases := map[string][]byte{
		"truncated.json.gz": full[:len(full)-6],
		"odd.json":          {0xff, 0xfe, '{', 0, '}'},
	}
	for name, data := range cases {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		r := runCLI(t, testEnv(inventory.Inventory{}), "scan", "--input", p)
		if r.code != 2 || !strings.Contains(r.stderr, name+":") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 and one line naming the file", name, r.code, r.stderr)
		}
	}
}

// A JSON report redirected by Windows PowerShell 5.1 (`nhiscan scan
// --format json > report.json` writes UTF-16LE with a BOM and CRLF), or
// gzipped as a CI artifact, gives the same compliance matrix.
func TestControlsResultsOfEncodedReport(t *testing.T) {
	env := testEnv(inventory.Inventory{})
	rep := runCLI(t, env, "scan", "--demo", "--format", "json")
	if rep.code != 0 {
		t.Fatalf("scan: exit %d %s", rep.code, rep.stderr)
	}
	dir := t.TempDir()
	plain := filepath.Join(dir, "report.json")
	if err := os.WriteFile(plain, []byte(rep.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	want := runCLI(t, env, "controls", "--results", plain, "--format", "csv")
	if want.code != 0 || !strings.Contains(want.stdout, "FAIL") {
		t.Fatalf("plain report: exit %d %s", want.code, want.stderr)
	}
	for name, data := range map[string][]byte{
		"powershell.json": utf16With(crlf([]byte(rep.stdout)), binary.LittleEndian, []byte{0xff, 0xfe}),
		"report.json.gz":  gz(t, []byte(rep.stdout)),
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		got := runCLI(t, env, "controls", "--results", p, "--format", "csv")
		if got.code != 0 || got.stdout != want.stdout {
			t.Errorf("%s: exit %d, stderr %q; matrix equal to the plain report's: %v", name, got.code, got.stderr, got.stdout == want.stdout)
		}
	}
}

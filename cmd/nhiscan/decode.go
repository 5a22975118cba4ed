package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDecoded bounds what one gzip-compressed input may expand to.
const maxDecoded = 4 << 30

// decodeInput turns an input file's bytes into plain UTF-8 text with LF
// line endings, once, before any loader sees them: gzip (recognised by
// its magic bytes, whatever the file is called), a UTF-8 byte order mark,
// UTF-16 with a byte order mark (what Windows PowerShell 5.1 writes with
// `>`), and CRLF line endings. Anything else is passed through unchanged.
func decodeInput(data []byte) ([]byte, error) {
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		out, err := io.ReadAll(io.LimitReader(zr, maxDecoded+1))
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		if len(out) > maxDecoded {
			return nil, fmt.Errorf("gzip: expands to more than %d GiB", maxDecoded>>30)
		}
		data = out
	}
	switch {
	case bytes.HasPrefix(data, []byte{0xef, 0xbb, 0xbf}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xff, 0xfe}):
		s, err := fromUTF16(data[2:], binary.LittleEndian)
		if err != nil {
			return nil, fmt.Errorf("UTF-16LE: %w", err)
		}
		data = s
	case bytes.HasPrefix(data, []byte{0xfe, 0xff}):
		s, err := fromUTF16(data[2:], binary.BigEndian)
		if err != nil {
			return nil, fmt.Errorf("UTF-16BE: %w", err)
		}
		data = s
	}
	if bytes.Contains(data, []byte("\r\n")) {
		data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	}
	return data, nil
}

func fromUTF16(b []byte, order binary.ByteOrder) ([]byte, error) {
	if len(b)%2 != 0 {
		return nil, errors.New("odd number of bytes (truncated?)")
	}
	units := make([]uint16, len(b)/2)
	for i := range units {
		units[i] = order.Uint16(b[2*i:])
	}
	out := make([]byte, 0, len(units))
	for _, r := range utf16.Decode(units) {
		if r == utf8.RuneError {
			return nil, errors.New("invalid surrogate pair")
		}
		out = utf8.AppendRune(out, r)
	}
	return out, nil
}

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// goEncoding returns what encoding/json writes for the Go value a Go service
// declares for the JSON text: objects as structs (members in the text's
// order, repeated names kept, as a type encoding itself may write them),
// integers as int64 or uint64, other numbers as float64 (goNumber), strings as
// encoding/json decodes them (a lone surrogate escape becomes U+FFFD), and
// every string and name written back by encoding/json (`<>&`, U+2028 and
// U+2029 escaped, compact). This is the value model of the C++ side
// (docs/interop.md, "Modelling notes"), written with Go's own decoder and
// encoder.
func goEncoding(text string) (json.RawMessage, error) {
	decoder := json.NewDecoder(strings.NewReader(text))
	decoder.UseNumber()
	first, err := decoder.Token()
	if err != nil {
		return nil, err
	}
	if first != json.Delim('{') {
		return nil, errors.New("args are not a JSON object")
	}
	var out bytes.Buffer
	if err := encodeFrom(decoder, first, &out); err != nil {
		return nil, err
	}
	if _, err := decoder.Token(); err != io.EOF {
		return nil, fmt.Errorf("text after the args object (%v)", err)
	}
	return out.Bytes(), nil
}

// encodeFrom writes the value that starts with token, reading the rest of it
// from decoder.
func encodeFrom(decoder *json.Decoder, token json.Token, out *bytes.Buffer) error {
	switch value := token.(type) {
	case json.Delim:
		closing := json.Delim('}')
		if value == '[' {
			closing = ']'
		} else if value != '{' {
			return fmt.Errorf("unexpected %v", value)
		}
		out.WriteString(value.String())
		for count := 0; decoder.More(); count++ {
			if count > 0 {
				out.WriteByte(',')
			}
			if value == '{' {
				name, err := decoder.Token()
				if err != nil {
					return err
				}
				if err := writeMarshaled(out, name); err != nil {
					return err
				}
				out.WriteByte(':')
			}
			next, err := decoder.Token()
			if err != nil {
				return err
			}
			if err := encodeFrom(decoder, next, out); err != nil {
				return err
			}
		}
		end, err := decoder.Token()
		if err != nil {
			return err
		}
		if end != closing {
			return fmt.Errorf("expected %v, got %v", closing, end)
		}
		out.WriteString(closing.String())
		return nil
	case json.Number:
		number, err := goNumber(string(value))
		if err != nil {
			return err
		}
		return writeMarshaled(out, number)
	case string, bool, nil:
		return writeMarshaled(out, value)
	default:
		return fmt.Errorf("unexpected token %v", token)
	}
}

// goNumber is the Go value of a JSON number: an integer as int64 (or uint64
// above int64's range); as float64 an integer beyond uint64, anything with a
// fraction or an exponent, and -0 (its negative zero: the C++ side keeps the
// sign).
func goNumber(text string) (any, error) {
	if !strings.ContainsAny(text, ".eE") && text != "-0" {
		if i, err := strconv.ParseInt(text, 10, 64); err == nil {
			return i, nil
		}
		if u, err := strconv.ParseUint(text, 10, 64); err == nil {
			return u, nil
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) {
		return nil, fmt.Errorf("number %s does not fit a float64", text)
	}
	return f, nil
}

func writeMarshaled(out *bytes.Buffer, value any) error {
	encoded, err := json.Marshal(value)
	if err != nil {
		return err
	}
	out.Write(encoded)
	return nil
}

// rawArgs are job args that encode themselves as goEncoding of the case's
// args: River marshals them with encoding/json (which copies such output,
// already compact and escaped, unchanged) and, having no `river:"unique"`
// fields, hashes all their keys.
type rawArgs struct {
	kind    string
	encoded json.RawMessage
}

func (a rawArgs) Kind() string                 { return a.kind }
func (a rawArgs) MarshalJSON() ([]byte, error) { return a.encoded, nil }

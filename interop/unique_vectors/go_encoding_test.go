package main

import (
	"encoding/json"
	"testing"
)

// goEncoding writes what encoding/json writes for the typed value a Go
// service declares for the same JSON text.
func TestGoEncodingIsEncodingJSONOfTheTypedValue(t *testing.T) {
	type inner struct {
		Z int64  `json:"z"`
		A []any  `json:"a"`
		S string `json:"s"`
	}
	type args struct {
		Text  string  `json:"text"`
		Float float64 `json:"float"`
		Zero  float64 `json:"zero"`
		Big   uint64  `json:"big"`
		Min   int64   `json:"min"`
		Huge  float64 `json:"huge"`
		Inner inner   `json:"inner"`
		Tiny  float64 `json:"a<b"`
		Null  *int64  `json:"null"`
		Bool  bool    `json:"bool"`
	}
	value := args{
		Text: "<>&\u2028\u2029\x01\x7f\"\\/é😀\ufffd", Float: 123456.789, Zero: negativeZero(), Big: 18446744073709551615,
		Min: -9223372036854775808, Huge: 1e21, Inner: inner{Z: 1, A: []any{1.0, "x", []any{}, map[string]any{}}, S: "\n"},
		Tiny: 1e-7, Bool: true,
	}
	want, err := json.Marshal(value)
	if err != nil {
		t.Fatal(err)
	}
	text := "{ \"text\" : \"\\u003c>\\u0026\u2028\\u2029\\u0001\x7f\\\"\\\\\\/\\u00e9\\ud83d\\ude00\\udc00\",\n" +
		"\"float\":1.23456789e5,\"zero\":-0,\"big\":18446744073709551615,\"min\":-9223372036854775808," +
		"\"huge\":1000000000000000000000,\"inner\":{\"z\":1,\"a\":[1.0,\"x\",[],{}],\"s\":\"\\n\"}," +
		"\"a\\u003cb\":100e-9,\"null\":null,\"bool\":true}"
	got, err := goEncoding(text)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("goEncoding:\n%s\nencoding/json:\n%s", got, want)
	}
}

func negativeZero() float64 {
	zero := 0.0
	return -zero
}

// Repeated names are kept in order, as a type that encodes itself writes them
// (River's key then takes the first).
func TestGoEncodingKeepsRepeatedNames(t *testing.T) {
	got, err := goEncoding(`{"a":1,"a":2,"b":{"c":3,"c":4}}`)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `{"a":1,"a":2,"b":{"c":3,"c":4}}` {
		t.Fatalf("got %s", got)
	}
}

func TestGoEncodingRefusesWhatNoGoValueHolds(t *testing.T) {
	for _, text := range []string{`[]`, `"s"`, `{"a":1e400}`, `{"a":-1e309}`, `{} {}`, `{"a":}`, `{"a":1`} {
		if got, err := goEncoding(text); err == nil {
			t.Errorf("%s: accepted as %s", text, got)
		}
	}
}

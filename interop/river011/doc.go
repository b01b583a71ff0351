// Package river011 checks riverqueue-cpp against River Go v0.11.4, the last
// River release of schema version 5 and advisory-lock unique jobs.
//
//	DATABASE_URL=... RIVERQUEUE_CLI=.../bin/riverqueue go test -count=1 -v .
//	DATABASE_URL=... go run ./cmd/vectors -write   # regenerates tests/unit/legacy_unique_test.cpp's vectors
//
// River 0.11 has no schema setting: a test isolates itself with a database of
// its own or with `search_path=<schema>` in the connection URL.
package river011

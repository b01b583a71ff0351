// PostgreSQL's text form of a jsonb value, computed on the client from the
// JSON text the value is made of: what `SELECT $1::jsonb::text` returns.
//
// Why: an insert returns the stored row, args included, as River's inserts
// do, and for a very large args value the returned copy costs more memory
// than anything else (libpq's receive buffer, the PGresult and the decoded
// string, each as large as the value). When the client can say what the
// server will send, the insert asks the server for a digest of its text
// instead, and the args of the returned row are rendered here once the
// digests agree (core/insert_sql.hpp). If they ever disagree the server sends
// its text as usual, so a gap in this reproduction costs memory, never
// correctness.
//
// What jsonb does to JSON text: members sorted by name length, then by bytes;
// of repeated names only the last kept; ", " and ": " between items; strings
// decoded and written again with PostgreSQL's escapes (\" \\ \b \f \n \r \t,
// \u00XX for other control characters, all else as UTF-8); numbers as
// numeric's output writes them (no exponent, the scale the input implies).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/sha256.hpp"

namespace riverqueue::core {

struct jsonb_text_digest {
    std::size_t size = 0;  // bytes of the text
    sha256_digest sha256{};
};

// The size and SHA-256 of the text form of `json`, without holding that
// text. std::nullopt for text PostgreSQL would refuse as jsonb (not JSON, not
// UTF-8, \u0000 or a lone surrogate), and where this reproduction does not
// reach: nesting deeper than jsonb_text_max_depth, or numbers beyond what
// PostgreSQL's numeric reads.
std::optional<jsonb_text_digest> digest_jsonb_text(std::string_view json);

// The text form itself; std::nullopt where digest_jsonb_text gives none.
std::optional<std::string> jsonb_text(std::string_view json);

// Arrays and objects open at once beyond which neither function answers: job
// args are shallow, and the renderer's work grows with depth (each object
// is read once to sort its members and again to write them).
inline constexpr int jsonb_text_max_depth = 32;

}  // namespace riverqueue::core

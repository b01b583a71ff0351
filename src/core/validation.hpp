// River's rules for individual insert fields.
#pragma once

#include <string_view>

namespace riverqueue::core {

// 1 to 127 characters of valid UTF-8 (River's kind_length check), without NUL
// (which PostgreSQL's text cannot hold).
void validate_kind(std::string_view kind);
// River's validateQueueName: 1..64 bytes matching ^(?:[a-z0-9])+(?:[_|\-]?[a-z0-9]+)*$.
void validate_queue(std::string_view queue);
// At most 255 bytes matching \A[\w][\w\-]+[\w]\z (ASCII word characters).
void validate_tag(std::string_view tag);
// Valid UTF-8 JSON whose top-level value is an object; `field` names it in errors.
void validate_json_object(std::string_view text, const char* field);

}  // namespace riverqueue::core

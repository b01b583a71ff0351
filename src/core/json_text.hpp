// The JSON text a resolved job carries (its args): either the caller's own
// string, borrowed, or a string the job owns.
//
// A job's args can be very large (issue: a 100 MiB value), and every copy of
// them shows in the peak memory of the insert. A synchronous insert ends
// before the caller's args can go away, so it borrows them; an insert that
// outlives the call (the asynchronous client's) or whose source is gone after
// resolving (a streamed batch's generated params) owns them, moved in where it
// can be. Copying a borrowed text copies the reference, not the bytes.
#pragma once

#include <string>
#include <string_view>

namespace riverqueue::core {

class json_text {
public:
    json_text() = default;
    // Owns `text` (so that tests and builders can assign a literal).
    json_text(std::string text) : owned_(std::move(text)) {}  // NOLINT(google-explicit-constructor)
    json_text(const char* text) : owned_(text) {}             // NOLINT(google-explicit-constructor)

    // Borrows `text`, which must outlive this object and its copies.
    static json_text borrow(const std::string& text) noexcept {
        json_text out;
        out.borrowed_ = &text;
        return out;
    }

    const std::string& str() const noexcept { return borrowed_ != nullptr ? *borrowed_ : owned_; }
    std::string_view view() const noexcept { return str(); }
    operator std::string_view() const noexcept { return str(); }  // NOLINT(google-explicit-constructor)
    bool borrowed() const noexcept { return borrowed_ != nullptr; }

    friend bool operator==(const json_text& a, std::string_view b) noexcept { return a.view() == b; }

private:
    std::string owned_;
    const std::string* borrowed_ = nullptr;
};

}  // namespace riverqueue::core

// The CLI's JSON Lines reader (tools/cli: jsonl_read_ahead over a file, which
// splits the lines on its own thread, and parse_job_line) over any input, and the library's resolution of each job it
// reads (core::resolve_insert_at: validation, unique keys), as insert-many
// does before sending.
//
// Beyond not crashing:
// - the reader refuses only with usage_error, naming the line, counted here
//   independently (blank lines and a line's final \r as the reader treats them);
// - line_of() names each job's line, also counted here;
// - a job's args and metadata as written (passed to the library byte for
//   byte) read as the same tree as the line's parsed members, and kind and
//   queue are the line's;
// - the library refuses a job only with validation_error;
// - inputs that may be deep run on a 256 KiB stack.
#include <sys/mman.h>
#include <unistd.h>

#include <stdexcept>
#include <string>
#include <vector>

#include <riverqueue/errors.hpp>

#include "core/insert_params.hpp"
#include "fuzz_support.hpp"
#include "jsonl_read_ahead.hpp"
#include "usage_error.hpp"

namespace {

using namespace riverqueue::fuzz;
namespace json = riverqueue::core::json;

// The lines as std::getline would read them, numbered from 1, without a final \r; blank
// ones (spaces and tabs only) left out.
std::vector<std::pair<std::size_t, std::string>> job_lines(std::string_view input) {
    std::vector<std::pair<std::size_t, std::string>> lines;
    auto parts = split(input, '\n');
    if (!parts.empty() && parts.back().empty()) parts.pop_back();  // the newline ends the last line
    for (std::size_t i = 0; i < parts.size(); ++i) {
        std::string line(parts[i]);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        lines.emplace_back(i + 1, line);
    }
    return lines;
}

void check_member_text(const json::value& line, const char* name, const std::string& written) {
    const json::value* member = last_member(line, name);
    FUZZ_CHECK(member != nullptr, std::string(name) + " passed on but not in the line");
    json::value reread;
    try {
        reread = json::parse(written);
    } catch (const json::parse_error& e) {
        FUZZ_CHECK(false, std::string(name) + " as written is not JSON: " + e.what() + ": " + printable(written));
    }
    std::string where;
    FUZZ_CHECK(same_tree(reread, *member, &where),
               std::string(name) + " as written reads differently (" + where + "): " + printable(written));
}

// The input as a file in memory, read as insert-many reads a file.
class memory_file {
public:
    explicit memory_file(std::string_view input) : fd_(::memfd_create("jsonl", MFD_CLOEXEC)) {
        if (fd_ < 0) throw std::runtime_error("memfd_create");
        if (::write(fd_, input.data(), input.size()) != static_cast<ssize_t>(input.size()) ||
            ::lseek(fd_, 0, SEEK_SET) != 0) {
            ::close(fd_);
            throw std::runtime_error("write to memfd");
        }
    }
    ~memory_file() { ::close(fd_); }
    memory_file(const memory_file&) = delete;
    memory_file& operator=(const memory_file&) = delete;
    int fd() const { return fd_; }

private:
    int fd_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = as_text(data, size);
    run_library_part(input, [&] {
        const auto lines = job_lines(input);
        const memory_file file(input);
        auto reader = riverqueue::cli::jsonl_read_ahead::from_descriptor(file.fd());
        std::size_t index = 0;
        while (true) {
            std::optional<riverqueue::insert_many_params> job;
            try {
                job = reader.next();
            } catch (const riverqueue::cli::usage_error& e) {
                FUZZ_CHECK(index < lines.size(), std::string("an error past the last line: ") + e.what());
                const std::string expected = "line " + std::to_string(lines[index].first) + ": ";
                FUZZ_CHECK(std::string(e.what()).rfind(expected, 0) == 0, std::string(e.what()) + ", expected " + expected);
                return;
            }
            if (!job) {
                FUZZ_CHECK(index == lines.size(), "stopped after " + std::to_string(index) + " of " +
                                                      std::to_string(lines.size()) + " lines");
                break;
            }
            FUZZ_CHECK(index < lines.size(), "more jobs than lines");
            FUZZ_CHECK(reader.line_of(index) == lines[index].first,
                       "line_of(" + std::to_string(index) + ") = " + std::to_string(reader.line_of(index)) +
                           ", the job is on line " + std::to_string(lines[index].first));
            const json::value line = json::parse(lines[index].second);
            const json::value* kind = last_member(line, "kind");
            FUZZ_CHECK(kind != nullptr && kind->text == job->args.kind_name, "kind: " + printable(job->args.kind_name));
            check_member_text(line, "args", job->args.json);
            if (job->opts.metadata) check_member_text(line, "metadata", *job->opts.metadata);
            if (job->opts.queue) {
                const json::value* queue = last_member(line, "queue");
                FUZZ_CHECK(queue != nullptr && queue->text == *job->opts.queue, "queue: " + printable(*job->opts.queue));
            }
            try {
                riverqueue::core::resolve_insert_at(*job, index, riverqueue::core::insert_defaults{},
                                                    riverqueue::time_point{}, riverqueue::core::args_text::borrow);
            } catch (const riverqueue::validation_error&) {
            }
            ++index;
        }
        for (std::size_t i = 0; i < index; ++i) {
            FUZZ_CHECK(reader.line_of(i) == lines[i].first, "line_of(" + std::to_string(i) + ") changed");
        }
    });
    return 0;
}

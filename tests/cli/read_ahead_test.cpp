// insert-many's read-ahead, in-process: jobs in input order across chunks, line
// numbers, errors after the jobs before them, and no wait on a stalled writer.
// Built into the ThreadSanitizer stage too (scripts/test.sh).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <future>
#include <string>
#include <thread>

#include "jsonl_read_ahead.hpp"
#include "usage_error.hpp"

namespace riverqueue::cli {
namespace {

using namespace std::chrono_literals;

std::string job_line(int n) { return R"({"kind":"bulk","args":{"n":)" + std::to_string(n) + "}}"; }

std::string job_lines(int count) {
    std::string text;
    for (int i = 1; i <= count; ++i) text += job_line(i) + "\n";
    return text;
}

// A pipe whose write end the test holds: it can write, stall, and close.
class test_pipe {
public:
    test_pipe() {
        int fds[2];
        if (::pipe(fds) != 0) throw std::runtime_error("pipe");
        read_end_ = fds[0];
        write_end_ = fds[1];
    }
    ~test_pipe() {
        close_write_end();
        ::close(read_end_);
    }
    test_pipe(const test_pipe&) = delete;
    test_pipe& operator=(const test_pipe&) = delete;

    int read_end() const { return read_end_; }
    void write(const std::string& text) {
        std::size_t done = 0;
        while (done < text.size()) {
            const ssize_t n = ::write(write_end_, text.data() + done, text.size() - done);
            if (n <= 0) throw std::runtime_error("write");
            done += static_cast<std::size_t>(n);
        }
    }
    void close_write_end() {
        if (write_end_ >= 0) ::close(write_end_);
        write_end_ = -1;
    }

private:
    int read_end_ = -1;
    int write_end_ = -1;
};

// Runs `step`; if it has not ended within a generous time, `unblock` lets it
// end (so that a failing test fails rather than hangs) and the test fails.
void expect_ends_without_waiting(const std::function<void()>& step, const std::function<void()>& unblock) {
    auto done = std::async(std::launch::async, step);
    if (done.wait_for(60s) != std::future_status::ready) {
        ADD_FAILURE() << "blocked on a writer that stalled";
        unblock();
    }
    done.get();
}

std::string n_of(const insert_many_params& job) { return job.args.json; }

TEST(read_ahead, JobsComeInInputOrderAcrossManyChunks) {
    constexpr int count = 20'000;  // many chunks, more than the pipe holds
    const std::string input = job_lines(count);
    test_pipe pipe;
    std::thread writer([&] {
        pipe.write(input);
        pipe.close_write_end();
    });
    auto reader = jsonl_read_ahead::from_descriptor(pipe.read_end());
    for (int i = 1; i <= count; ++i) {
        const auto job = reader.next();
        ASSERT_TRUE(job) << i;
        ASSERT_EQ(job->args.kind_name, "bulk");
        ASSERT_EQ(n_of(*job), R"({"n":)" + std::to_string(i) + "}");
    }
    EXPECT_FALSE(reader.next());
    EXPECT_FALSE(reader.next()) << "the end stays the end";
    EXPECT_EQ(reader.jobs_read(), static_cast<std::size_t>(count));
    EXPECT_EQ(reader.bytes_read(), input.size());
    EXPECT_EQ(reader.line_of(count - 1), static_cast<std::size_t>(count));
    writer.join();
}

TEST(read_ahead, BlankLinesCountInLineNumbersAndCarriageReturnsAreDropped) {
    test_pipe pipe;
    pipe.write("\n" + job_line(1) + "\r\n\n" + job_line(2) + "   \n \t\n" + job_line(3));  // no final newline
    pipe.close_write_end();
    auto reader = jsonl_read_ahead::from_descriptor(pipe.read_end());
    std::vector<std::string> args;
    while (auto job = reader.next()) args.push_back(n_of(*job));
    EXPECT_EQ(args, (std::vector<std::string>{R"({"n":1})", R"({"n":2})", R"({"n":3})"}));
    EXPECT_EQ(reader.line_of(0), 2u);
    EXPECT_EQ(reader.line_of(1), 4u);
    EXPECT_EQ(reader.line_of(2), 6u);
}

TEST(read_ahead, ABadLineThrowsAfterEveryJobBeforeIt) {
    test_pipe pipe;
    std::thread writer([&] {
        pipe.write(job_lines(1000) + "\n" + R"({"kind":"bulk","args":{"n":1})" + "\n" + job_lines(5));
        pipe.close_write_end();
    });
    auto reader = jsonl_read_ahead::from_descriptor(pipe.read_end());
    for (int i = 1; i <= 1000; ++i) ASSERT_TRUE(reader.next()) << i;
    try {
        reader.next();
        ADD_FAILURE() << "the bad line was not reported";
    } catch (const usage_error& e) {
        EXPECT_EQ(std::string(e.what()).rfind("line 1002: not valid JSON at column ", 0), 0u) << e.what();
    }
    writer.join();
}

TEST(read_ahead, JobsBeforeAStalledWriterArriveWithoutWaitingForMore) {
    test_pipe pipe;
    pipe.write(job_lines(3));  // far fewer than a chunk; the writer then stalls
    auto reader = jsonl_read_ahead::from_descriptor(pipe.read_end());
    expect_ends_without_waiting(
        [&] {
            for (int i = 1; i <= 3; ++i) {
                const auto job = reader.next();
                ASSERT_TRUE(job);
                EXPECT_EQ(n_of(*job), R"({"n":)" + std::to_string(i) + "}");
            }
        },
        [&] { pipe.close_write_end(); });
}

TEST(read_ahead, EndingWhileTheWriterStallsDoesNotWaitForIt) {
    test_pipe pipe;
    pipe.write(job_lines(1));
    std::unique_ptr<jsonl_read_ahead> reader(new jsonl_read_ahead(jsonl_read_ahead::from_descriptor(pipe.read_end())));
    ASSERT_TRUE(reader->next());
    // As when the library rejects a job: the command ends while the writer
    // still holds the pipe open and sends nothing.
    expect_ends_without_waiting([&] { reader.reset(); }, [&] { pipe.close_write_end(); });
    // The thread left in read() wakes at the end of the input and ends.
    pipe.close_write_end();
}

// A file written for one test and removed after it.
class temp_file {
public:
    explicit temp_file(const std::string& text) {
        char name[] = "/tmp/riverqueue-read-ahead.XXXXXX";
        const int fd = ::mkstemp(name);
        if (fd < 0) throw std::runtime_error("mkstemp");
        path_ = name;
        const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
        ::close(fd);
        if (!written) throw std::runtime_error("write");
    }
    ~temp_file() { std::remove(path_.c_str()); }
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

TEST(read_ahead, EndingEarlyStopsAReaderThatIsAhead) {
    const temp_file file(job_lines(100'000));
    std::unique_ptr<jsonl_read_ahead> reader(new jsonl_read_ahead(jsonl_read_ahead::open(file.path())));
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(reader->next());
    // The thread waits for room in the queue; ending wakes it.
    expect_ends_without_waiting([&] { reader.reset(); }, [] {});
}

TEST(read_ahead, ALineLongerThanAReadIsReadWhole) {
    const std::string long_text(300'000, 'x');
    const temp_file file(job_line(1) + "\n" + R"({"kind":"bulk","args":{"text":")" + long_text + "\"}}\n" + job_line(3) + "\n");
    auto reader = jsonl_read_ahead::open(file.path());
    ASSERT_TRUE(reader.next());
    const auto long_job = reader.next();
    ASSERT_TRUE(long_job);
    EXPECT_EQ(long_job->args.json, R"({"text":")" + long_text + "\"}");
    const auto last = reader.next();
    ASSERT_TRUE(last);
    EXPECT_EQ(n_of(*last), R"({"n":3})");
    EXPECT_FALSE(reader.next());
}

TEST(read_ahead, AFileThatCannotBeOpenedIsAUsageError) {
    try {
        jsonl_read_ahead::open("/nonexistent/jobs.jsonl");
        ADD_FAILURE() << "opened a missing file";
    } catch (const usage_error& e) {
        EXPECT_EQ(std::string(e.what()), "file: cannot read \"/nonexistent/jobs.jsonl\": No such file or directory");
    }
}

TEST(read_ahead, AReadErrorIsAUsageError) {
    auto reader = jsonl_read_ahead::open("/tmp");  // opens, but a directory cannot be read
    try {
        reader.next();
        ADD_FAILURE() << "read a directory";
    } catch (const usage_error& e) {
        EXPECT_EQ(std::string(e.what()), "input: read error after line 0: Is a directory");
    }
}

}  // namespace
}  // namespace riverqueue::cli

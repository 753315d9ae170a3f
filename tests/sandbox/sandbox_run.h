// tests/sandbox/sandbox_run.h — run the escape handler once under a sandbox and
// collect everything about how it ended (trusted side test helper).
#pragma once

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>

#include <umd/blob.h>
#include <umd/process.h>
#include <umd/sandbox.h>

namespace umd::sandbox::testing {

struct Outcome {
    std::string reply;
    std::string stderr_text;
    ExitInfo exit;
    bool ended_by_itself = false;  ///< false when the helper had to kill it after `patience`
    pid_t pid = -1;
    std::string pid_namespace;  ///< "pid:[inode]" of the handler's pid namespace, read while it ran
};

/// Spawns `blob` under `setup`, sends `request` (raw mode), reads the reply until end of
/// file (at most `max_reply` bytes) and waits for the process to end. `patience` only
/// bounds a hang; tests never assert on time.
inline Outcome run_once(const Blob& blob, const ChildSetup* setup, const std::string& request,
                        std::chrono::milliseconds patience = std::chrono::seconds(30), std::size_t max_reply = 1 << 20)
{
    Outcome out;
    SpawnOptions options;
    options.setup = setup;
    auto proc = HandlerProcess::spawn(blob, options);
    if (!proc) {
        out.stderr_text = "spawn failed: " + proc.error().message;
        out.exit.code = -1;
        return out;
    }
    out.pid = (*proc)->pid();
    {
        char link[64] = {};
        std::string path = "/proc/" + std::to_string(out.pid) + "/ns/pid";
        if (::readlink(path.c_str(), link, sizeof link - 1) > 0) out.pid_namespace = link;
    }
    auto give_up = std::chrono::steady_clock::now() + patience;
    auto left_ms = [&] {
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(give_up - std::chrono::steady_clock::now()).count();
        return static_cast<int>(ms > 0 ? ms : 0);
    };
    (void)!::write((*proc)->request_fd(), request.data(), request.size());
    (*proc)->close_request();
    char buf[65536];
    for (;;) {
        pollfd p{(*proc)->reply_fd(), POLLIN, 0};
        if (::poll(&p, 1, left_ms()) <= 0) break;
        ssize_t n = ::read((*proc)->reply_fd(), buf, sizeof buf);
        if (n < 0 && errno == EAGAIN) continue;
        if (n <= 0) break;
        out.reply.append(buf, static_cast<std::size_t>(n));
        if (out.reply.size() >= max_reply) break;
    }
    pollfd p{(*proc)->pidfd(), POLLIN, 0};
    if (out.reply.size() < max_reply) ::poll(&p, 1, left_ms());
    out.ended_by_itself = (*proc)->poll_exit().has_value();
    out.exit = (*proc)->terminate();
    out.stderr_text = (*proc)->stderr_text();
    return out;
}

}  // namespace umd::sandbox::testing

// tests/sandbox/spawn_timing.cpp — umd-spawn-timing: where the cold start of a
// sandboxed handler goes (trusted side; a measuring tool, not a timed test).
//
//   umd-spawn-timing [--runs N] [--profile strict|none] [--request-type T] HANDLER
//
// Interleaves, N times each: fork+exec of /bin/true (to exit and reap), and
// "blob → sandboxed handler → first reply": copy the image into a sealed memfd,
// spawn it under the profile, send one 64-byte framed request (type T, the
// sample driver's echo by default) and read the whole reply. Each handler run is
// also split into phases: memfd, spawn (until exec succeeded), first reply.
// Prints medians (and the first-use costs of the profile: kernel probe and
// seccomp compilation) and exits 0 when every run worked.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <sys/uio.h>

#include <umd/blob.h>
#include <umd/channel.h>
#include <umd/frame.h>
#include <umd/process.h>
#include <umd/sandbox.h>

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> v)
{
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

double percentile(std::vector<double> v, double p)
{
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

/// fork + exec /bin/true + reap: the baseline of the cold-start bar.
bool run_true()
{
    pid_t pid = ::fork();
    if (pid < 0) return false;
    if (pid == 0) {
        char* const argv[] = {const_cast<char*>("true"), nullptr};
        char* const envp[] = {nullptr};
        ::execve("/bin/true", argv, envp);
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

struct Phases {
    double memfd = 0, spawn = 0, reply = 0, total = 0;
};

/// One cold start; false (with a message) when anything failed.
bool run_handler(const std::vector<std::uint8_t>& image, const umd::ChildSetup* setup, std::uint8_t type, Phases& out,
                 std::string& why)
{
    auto start = Clock::now();
    auto blob = umd::Blob::load(image, "umd-timing");
    if (!blob) return why = blob.error().message, false;
    out.memfd = ms_since(start);
    auto t = Clock::now();
    umd::SpawnOptions options;
    options.setup = setup;
    auto proc = umd::HandlerProcess::spawn(*blob, options);
    if (!proc) return why = proc.error().message, false;
    out.spawn = ms_since(t);
    t = Clock::now();
    std::uint8_t request[umd::frame_header_size + 64] = {};
    umd::FrameHeader h;
    h.type = type;
    h.request_id = 1;
    h.length = 64;
    umd::encode_header(h, request);
    umd::Deadline deadline(std::chrono::seconds(10));
    iovec part{request, sizeof request};
    if (auto s = umd::write_all((*proc)->request_fd(), {&part, 1}, deadline, proc->get(), "request"); !s)
        return why = s.error().message, false;
    std::uint8_t header[umd::frame_header_size];
    if (auto s = umd::read_exact((*proc)->reply_fd(), header, sizeof header, deadline, proc->get(), "reply"); !s)
        return why = s.error().message + ": " + (*proc)->stderr_text(), false;
    auto reply = umd::decode_header(header);
    if (reply.magic != umd::frame_magic || reply.length > (1u << 20)) return why = "malformed reply header", false;
    std::vector<std::uint8_t> payload(reply.length);
    if (auto s = umd::read_exact((*proc)->reply_fd(), payload.data(), payload.size(), deadline, proc->get(), "reply"); !s)
        return why = s.error().message, false;
    out.reply = ms_since(t);
    out.total = ms_since(start);
    return true;
}

}  // namespace

int main(int argc, char** argv)
{
    int runs = 300;
    std::string profile = "strict";
    std::uint8_t type = 2;
    std::string path;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--runs" && i + 1 < argc) runs = std::max(1, std::atoi(argv[++i]));
        else if (a == "--profile" && i + 1 < argc) profile = argv[++i];
        else if (a == "--request-type" && i + 1 < argc) type = static_cast<std::uint8_t>(std::atoi(argv[++i]));
        else if (!a.empty() && a[0] != '-') path = a;
        else {
            std::fprintf(stderr, "usage: umd-spawn-timing [--runs N] [--profile strict|none] [--request-type T] HANDLER\n");
            return 2;
        }
    }
    std::ifstream file(path, std::ios::binary);
    std::vector<std::uint8_t> image((std::istreambuf_iterator<char>(file)), {});
    if (image.empty()) {
        std::fprintf(stderr, "cannot read handler '%s'\n", path.c_str());
        return 2;
    }

    auto t = Clock::now();
    (void)umd::sandbox::kernel_support();
    double probe = ms_since(t);
    t = Clock::now();
    auto built = umd::sandbox::isolation_for(profile);
    if (!built) {
        std::fprintf(stderr, "%s\n", built.error().message.c_str());
        return 2;
    }
    double build = ms_since(t);

    std::vector<double> baseline, memfd, spawn, reply, total;
    for (int i = 0; i < runs; ++i) {
        auto s = Clock::now();
        if (!run_true()) {
            std::fprintf(stderr, "fork+exec /bin/true failed\n");
            return 3;
        }
        baseline.push_back(ms_since(s));
        Phases p;
        std::string why;
        if (!run_handler(image, built->setup().get(), type, p, why)) {
            std::fprintf(stderr, "run %d: %s\n", i, why.c_str());
            return 3;
        }
        memfd.push_back(p.memfd);
        spawn.push_back(p.spawn);
        reply.push_back(p.reply);
        total.push_back(p.total);
    }
    std::printf("profile %s, %zu-byte image, %d runs (medians, ms)\n", profile.c_str(), image.size(), runs);
    std::printf("  first use: kernel probe %.3f, profile build %.3f\n", probe, build);
    std::printf("  fork+exec /bin/true  %.3f (p90 %.3f)\n", median(baseline), percentile(baseline, 0.9));
    std::printf("  memfd copy + seal    %.3f\n", median(memfd));
    std::printf("  spawn (to exec)      %.3f\n", median(spawn));
    std::printf("  first reply          %.3f\n", median(reply));
    std::printf("  cold start total     %.3f (p90 %.3f)\n", median(total), percentile(total, 0.9));
    std::printf("  ratio                %.2f x fork+exec /bin/true\n", median(total) / median(baseline));
    return 0;
}

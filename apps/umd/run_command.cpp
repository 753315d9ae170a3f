// apps/umd/run_command.cpp — `umd run [--profile P] [--timeout MS] [--max-reply BYTES] HANDLER`
// (trusted side): load any handler executable as a blob, run it sandboxed, send
// standard input as one raw request, print the reply. A debugging tool for handler authors.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include <umd/handler.h>
#include <umd/sandbox.h>

#include "commands.h"

namespace umd::cli {
namespace {

constexpr std::uint64_t max_handler_size = 256ull << 20;

Result<Bytes> read_handler(const std::string& path)
{
    std::ifstream file(path, std::ios::binary | std::ios::ate);
    if (!file) return fail(Errc::not_found, "cannot open handler '{}'", path);
    auto size = static_cast<std::uint64_t>(file.tellg());
    if (size == 0 || size > max_handler_size) return fail(Errc::bad_input, "handler '{}' has {} bytes (1..{} accepted)", path, size, max_handler_size);
    Bytes image(size);
    file.seekg(0);
    if (!file.read(reinterpret_cast<char*>(image.data()), static_cast<std::streamsize>(size))) return fail(Errc::io, "reading handler '{}'", path);
    return image;
}

Result<Bytes> read_stdin()
{
    Bytes in;
    std::uint8_t chunk[65536];
    for (;;) {
        ssize_t n = ::read(0, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail_errno(errno, "reading standard input");
        if (n == 0) return in;
        if (in.size() + static_cast<std::size_t>(n) > handler::max_request)
            return fail(Errc::bad_input, "standard input exceeds {} bytes", handler::max_request);
        in.insert(in.end(), chunk, chunk + n);
    }
}

/// Names the forbidden system call in a violation error, when the handler reported its number.
Error name_violation(Error error)
{
    if (error.code != Errc::sandbox_violation) return error;
    constexpr std::string_view prefix = "umd-sandbox: syscall ";
    auto at = error.message.rfind(prefix);
    if (at == std::string::npos) return error;
    int nr = 0, digits = 0;
    for (std::size_t i = at + prefix.size(); i < error.message.size() && digits < 4 && std::isdigit(static_cast<unsigned char>(error.message[i])); ++i, ++digits)
        nr = nr * 10 + (error.message[i] - '0');
    if (digits) error.message += fmt::format(" [forbidden system call: {}]", sandbox::syscall_name(nr));
    return error;
}

struct RunOptions {
    std::string profile;
    std::uint64_t timeout_ms = 10000;
    std::uint64_t max_reply = 64ull << 20;
    std::string handler;
    bool explain = false;
};

int run(Context& ctx, const RunOptions& o)
{
    const std::string& profile = o.profile.empty() ? ctx.profile : o.profile;
    auto options = sandbox::driver_options(profile);
    if (!options) return ctx.report(options.error());
    if (o.timeout_ms == 0 || o.max_reply == 0) return ctx.report(Error{Errc::invalid_argument, "--timeout and --max-reply must be positive"});
    options->deadline = std::chrono::milliseconds(o.timeout_ms);
    options->max_reply = o.max_reply;
    if (profile == "none") std::fprintf(stderr, "umd: WARNING: running '%s' WITHOUT ANY SANDBOX (--profile none)\n", o.handler.c_str());

    auto image = read_handler(o.handler);
    if (!image) return ctx.report(image.error());
    auto request = read_stdin();
    if (!request) return ctx.report(request.error());

    Driver driver("run", std::move(*options));
    // What the driver applies, as its status reports it.
    if (o.explain) std::fprintf(stderr, "%s\n", driver.status().sandbox.c_str());
    if (auto s = driver.load(*image); !s) return ctx.report(s.error());
    auto reply = driver.send_recv_raw(*request);
    if (!reply) {
        Error e = name_violation(reply.error());
        if (e.message.find("execveat") != std::string::npos && e.message.find("No such file") != std::string::npos)
            e.message += " (is it a static executable? a dynamic one needs an interpreter the sandbox's empty root lacks)";
        return ctx.report(e);
    }
    for (std::size_t done = 0; done < reply->size();) {
        ssize_t n = ::write(1, reply->data() + done, reply->size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return ctx.report(Error{Errc::io, "writing the reply to standard output"});
        done += static_cast<std::size_t>(n);
    }
    return 0;
}

}  // namespace

void register_run(CLI::App& app, Context& ctx)
{
    auto o = std::make_shared<RunOptions>();
    auto* cmd = app.add_subcommand("run", "Run any handler executable sandboxed: standard input is its one raw request, the reply is printed");
    cmd->add_option("--profile", o->profile, "Sandbox profile: strict (default), log (violations only logged), none (NO sandbox)")
        ->check(CLI::IsMember({"strict", "log", "none"}));
    cmd->add_option("--timeout", o->timeout_ms, "Deadline in milliseconds for the whole exchange (default 10000)");
    cmd->add_option("--max-reply", o->max_reply, "Largest reply accepted, in bytes (default 64 MiB)");
    cmd->add_flag("--explain", o->explain, "Print the active sandbox layers to standard error first");
    cmd->add_option("HANDLER", o->handler, "A static handler executable")->required();
    cmd->footer("Exit status: 0 the handler replied and exited cleanly; 2 bad usage or unreadable handler;\n"
                "3 the handler violated its sandbox, crashed, timed out or sent an oversized reply.");
    cmd->callback([&ctx, o] { ctx.exit_code = run(ctx, *o); });
}

}  // namespace umd::cli

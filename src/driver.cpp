// src/driver.cpp — one user mode driver: lazy start, send/receive, restart, shutdown
// (trusted side; the kernel's umd_mgmt_send_recv / umd_mgmt_load / umd_mgmt_unload).
//
// All state of a driver sits in Driver and is guarded by its one lock. Every
// reply is validated here before anyone else sees it: a bad frame, a wrong id,
// an oversized length, a late or missing reply kills the handler.
#include <umd/frame.h>
#include <umd/manager.h>
#include <umd/sandbox.h>

#include <poll.h>
#include <signal.h>

#include <algorithm>
#include <thread>

#include "exit_report.h"
#include "spare_handler.h"

namespace umd {

std::string_view state_name(DriverState state) noexcept
{
    switch (state) {
    case DriverState::unloaded: return "unloaded";
    case DriverState::loaded: return "loaded";
    case DriverState::running: return "running";
    case DriverState::failed: return "failed";
    }
    return "unknown";
}

Driver::Driver(std::string name, DriverOptions options)
    : name_(std::move(name)), options_(std::move(options)), spare_(std::make_unique<detail::SpareHandler>())
{
    if (options_.spawn.argv0 == "umd-handler") options_.spawn.argv0 = "umd-" + name_;
    stats_.name = name_;
    what_ = fmt::format("driver '{}'", name_);
    // The isolation is resolved once, here: what status reports is what spawn applies.
    if (options_.spawn.setup) {
        setup_error_ = "DriverOptions::spawn.setup is set by the driver from DriverOptions::isolation "
                       "(Isolation::with(sandbox)); a setup given there would not be the one applied";
    } else if (options_.isolation.is_unconfined()) {
        stats_.sandbox = std::string(unconfined_description);
    } else if (options_.isolation.is_strict_default()) {
        auto strict = sandbox::strict_default();
        if (strict) applied_setup_ = *strict;
        else setup_error_ = fmt::format("the default strict sandbox could not be built: {}", strict.error().message);
    } else if (!(applied_setup_ = options_.isolation.setup())) {
        setup_error_ = "Isolation::with() was given no ChildSetup";
    }
    options_.spawn.setup = applied_setup_.get();
    if (applied_setup_) stats_.sandbox = applied_setup_->description();
    else if (!setup_error_.empty()) stats_.sandbox = fmt::format("none: no handler will start ({})", setup_error_);
}

Driver::~Driver() { unload(); }

std::string Driver::image_name(std::string_view driver) { return fmt::format("umd-{}", driver); }

Status Driver::load(std::span<const std::uint8_t> blob)
{
    auto loaded = UMD_TRY(Blob::load(blob, image_name(name_)));
    return load(std::move(loaded));
}

Status Driver::load(Blob image)
{
    std::lock_guard guard(lock_);
    spare_->discard();  // it runs the old image and refers to blob_
    process_.reset();
    blob_ = std::move(image);
    stats_.state = DriverState::loaded;
    stats_.pid = -1;
    return {};
}

void Driver::unload()
{
    std::lock_guard guard(lock_);
    spare_->discard();
    process_.reset();
    killed_.reset();
    if (retired_any_) {
        detail::wait_for_background_work();  // handlers recycle() handed to the spawn thread are reaped
        retired_any_ = false;
    }
    blob_.reset();
    stats_.state = DriverState::unloaded;
    stats_.pid = -1;
}

void Driver::unload_in_background()
{
    std::lock_guard guard(lock_);
    spare_->discard();
    // The image goes first, while the handler is sure to be alive and mapping it: its
    // pages are then freed by the handler's exit, never here.
    blob_.reset();
    // Only the signal is sent now. Reaping here would wait for the handler's teardown;
    // handing it to the spawn thread costs a cross-CPU wake-up on the caller's path.
    // unload(), at the latest the destructor, reaps it when it is long dead.
    if (process_) {
        process_->kill();
        killed_ = std::move(process_);
    }
    stats_.state = DriverState::unloaded;
    stats_.pid = -1;
}

void Driver::stop(std::chrono::milliseconds grace)
{
    std::lock_guard guard(lock_);
    spare_->discard();
    if (process_) process_->terminate(grace);
    process_.reset();
    if (stats_.state == DriverState::running) stats_.state = DriverState::loaded;
    stats_.pid = -1;
}

void Driver::prestart()
{
    std::lock_guard guard(lock_);
    if (blob_ && !process_ && stats_.state == DriverState::loaded && setup_error_.empty())
        spare_->prepare(*blob_, options_.spawn);
}

void Driver::recycle()
{
    std::lock_guard guard(lock_);
    if (process_) retired_any_ = true;
    detail::retire_in_background(std::move(process_));
    if (stats_.state == DriverState::running) stats_.state = DriverState::loaded;
    stats_.pid = -1;
}

void Driver::reset()
{
    std::lock_guard guard(lock_);
    recent_failures_.clear();
    consecutive_failures_ = 0;
    if (stats_.state == DriverState::failed) stats_.state = blob_ ? DriverState::loaded : DriverState::unloaded;
}

DriverStatus Driver::status() const
{
    std::lock_guard guard(lock_);
    DriverStatus status = stats_;
    status.spare_pid = spare_->ready_pid();
    return status;
}

void Driver::note_failure_locked(const Error& error)
{
    ++stats_.failures;
    ++consecutive_failures_;
    stats_.last_error = fmt::format("{}: {}", errc_name(error.code), error.message);
    auto now = std::chrono::steady_clock::now();
    std::erase_if(recent_failures_, [&](auto t) { return now - t > options_.restart.window; });
    recent_failures_.push_back(now);
    if (recent_failures_.size() >= options_.restart.max_failures) stats_.state = DriverState::failed;
}

Error Driver::fail_locked(Error error)
{
    if (process_) {
        // A handler that ended by itself (its reply pipe at end of file: it may still be
        // on its way out, so it gets a moment) is reported with its own fate, even a
        // SIGKILL from elsewhere (the OOM killer, an administrator): only a kill of ours
        // after the error is not the handler's fate.
        std::optional<ExitInfo> ended = process_->poll_exit();
        if (!ended && error.code == Errc::protocol) {
            pollfd p{process_->pidfd(), POLLIN, 0};
            if (::poll(&p, 1, 20) == 1) ended = process_->poll_exit();
        }
        ExitInfo exit = ended ? *ended : process_->terminate();
        // A timeout's SIGKILL is the handler watch's, that is ours.
        if (ended && exit.kind == ExitInfo::Kind::signaled && exit.code == SIGKILL && error.code != Errc::timeout)
            error.code = Errc::handler_crashed;
        error = explain_handler_end(std::move(error), exit, process_->stderr_text(), name_);
        process_.reset();
    }
    stats_.pid = -1;
    if (stats_.state == DriverState::running) stats_.state = DriverState::loaded;
    note_failure_locked(error);
    return error;
}

Status Driver::ensure_started_locked()
{
    if (stats_.state == DriverState::failed)
        return fail(Errc::driver_failed, "driver '{}' is marked failed after {} failures within {} ms (last: {}); reset it to retry",
                    name_, recent_failures_.size(), options_.restart.window.count(), stats_.last_error);
    if (!blob_) return fail(Errc::not_found, "driver '{}' has no handler loaded", name_);
    if (!setup_error_.empty()) return fail(Errc::invalid_argument, "driver '{}': {}", name_, setup_error_);
    if (process_) {
        // An atomic load, not a waitid(): a handler that ended so recently that the
        // watch has not seen it yet is found by the request's write (exchange_locked).
        if (!process_->exit_seen()) return {};
        process_.reset();  // it ended since the last request: start a fresh one
    }
    if (consecutive_failures_ > 0) {
        // Exponential backoff, so a handler that dies at once cannot make us spin.
        auto delay = options_.restart.initial_backoff * (1u << std::min(consecutive_failures_ - 1, 16u));
        std::this_thread::sleep_for(std::min(delay, options_.restart.max_backoff));
    }
    process_ = spare_->take();
    handler_tainted_ = false;   // a new process (the spare has served nothing)
    handler_replies_ = 0;
    if (!process_) {
        auto spawned = HandlerProcess::spawn(*blob_, options_.spawn);
        if (!spawned) {
            Error e = with_context(spawned.error(), fmt::format("starting driver '{}'", name_));
            note_failure_locked(e);
            return std::unexpected(e);
        }
        process_ = std::move(*spawned);
    }
    if (stats_.starts++ > 0) ++stats_.restarts;
    stats_.state = DriverState::running;
    stats_.pid = process_->pid();
    if (options_.post_start) {
        StartedHandler started(*this);
        if (auto s = options_.post_start(started); !s) {
            Error e = fail_locked(with_context(s.error(), fmt::format("post-start check of driver '{}'", name_)));
            return std::unexpected(e);
        }
    }
    return {};
}

Result<HandlerReply> Driver::send_recv(std::uint8_t type, ByteView request)
{
    return send_recv(type, request, InputOrigin::untrusted);
}

Result<HandlerReply> Driver::send_recv(std::uint8_t type, ByteView request, InputOrigin origin)
{
    std::lock_guard guard(lock_);
    UMD_TRY(begin_request_locked(origin));
    HandlerReply reply;
    auto received = exchange_locked(type, request, &reply.payload, {}, origin);
    prepare_spare_locked();
    if (!received) return std::unexpected(received.error());
    reply.type = received->type;
    return reply;
}

Result<ReceivedReply> Driver::send_recv_into(std::uint8_t type, ByteView request, std::span<std::uint8_t> reply, InputOrigin origin)
{
    std::lock_guard guard(lock_);
    UMD_TRY(begin_request_locked(origin));
    auto received = exchange_locked(type, request, nullptr, reply, origin);
    prepare_spare_locked();
    return received;
}

Status Driver::begin_request_locked(InputOrigin origin)
{
    if (origin == InputOrigin::trust_anchor && process_ && handler_tainted_ && !process_->exit_seen()) {
        // What a handler that parsed untrusted input says about a trust anchor could be
        // the attacker's answer: this request goes to a handler that has seen nothing.
        retired_any_ = true;
        detail::retire_in_background(std::move(process_));
        stats_.pid = -1;
        ++stats_.anchor_recycles;
    }
    UMD_TRY(ensure_started_locked());
    // Tainted from the moment the bytes are sent, whatever the reply: a handler that
    // failed on an input may still have been changed by it.
    if (origin == InputOrigin::untrusted) handler_tainted_ = true;
    return {};
}

void Driver::prepare_spare_locked()
{
    // After the exchange, not at the start: the next spare's start (namespaces, exec)
    // would otherwise compete for the CPUs with the first request of the new handler.
    if (options_.spare_handler && blob_ && stats_.state != DriverState::failed && setup_error_.empty())
        spare_->prepare(*blob_, options_.spawn);
}

Result<HandlerReply> StartedHandler::send_recv(std::uint8_t type, ByteView request) { return driver_.send_recv_locked(type, request); }

const std::string& StartedHandler::driver_name() const noexcept { return driver_.name(); }

Result<HandlerReply> Driver::send_recv_locked(std::uint8_t type, ByteView request)
{
    if (!process_) return fail(Errc::internal, "driver '{}': send_recv_locked without a running handler", name_);
    HandlerReply reply;
    auto received = UMD_TRY(exchange_locked(type, request, &reply.payload, {}, std::nullopt));
    reply.type = received.type;
    return reply;
}

Result<ReceivedReply> Driver::exchange_locked(std::uint8_t type, ByteView request, Bytes* grow, std::span<std::uint8_t> into,
                                              std::optional<InputOrigin> origin)
{
    bool ended_idle = false;
    auto received = exchange_once_locked(type, request, grow, into, origin ? &ended_idle : nullptr);
    if (!ended_idle) return received;
    // It ended between requests (killed from outside, out of memory, its own exit):
    // not this request's doing, so not a failure. The request goes to a fresh handler,
    // with the same rules as any request to a new handler (taint, trust anchors).
    process_.reset();
    stats_.pid = -1;
    UMD_TRY(begin_request_locked(*origin));
    return exchange_once_locked(type, request, grow, into, nullptr);
}

Result<ReceivedReply> Driver::exchange_once_locked(std::uint8_t type, ByteView request, Bytes* grow, std::span<std::uint8_t> into,
                                                   bool* ended_idle)
{
    if (request.size() > 0xFFFFFFFFu) return fail(Errc::invalid_argument, "request of {} bytes is too large for a frame", request.size());
    Deadline deadline(options_.deadline);
    FrameHeader h;
    h.type = type;
    h.request_id = next_request_id_++;
    h.length = static_cast<std::uint32_t>(request.size());
    std::uint8_t header[frame_header_size];
    encode_header(h, header);
    iovec parts[2] = {{header, sizeof header}, {const_cast<std::uint8_t*>(request.data()), request.size()}};
    const char* what = what_.c_str();

    // From here the handler watch bounds every wait (src/handler_watch.h): a reply is
    // read with blocking reads, the deadline and the handler's end are the watch's to see.
    process_->arm(deadline);
    auto failed = [&](Error error) -> Result<ReceivedReply> {
        // Whatever the reader saw, a handler killed for the deadline failed by timing out.
        if (process_->disarm())
            error = HandlerProcess::deadline_error(what, options_.deadline);
        return std::unexpected(fail_locked(std::move(error)));
    };

    auto written = write_request(process_->request_fd(), parts, deadline, process_.get(), what);
    if (!written) return failed(written.error());
    if (!*written) {
        Error closed{Errc::handler_crashed, fmt::format("{}: the handler closed its request pipe", what)};
        if (!ended_idle || handler_replies_ == 0) return failed(std::move(closed));
        process_->disarm();
        *ended_idle = true;
        return std::unexpected(closed);
    }
    // One read takes the header and, for small replies, the whole payload: the
    // latency-critical round trip then costs one writev and one read, like a raw echo.
    std::uint8_t first[frame_header_size + 4096];
    auto got = process_->read_reply(first, frame_header_size, sizeof first, 0, options_.deadline, what);
    if (!got) return failed(got.error());
    FrameHeader r = decode_header(first);
    if (r.magic != frame_magic || r.version != frame_version)
        return failed(Error{Errc::protocol, fmt::format("{}: reply has a bad magic or version ({:#06x} v{})", what, r.magic, r.version)});
    if (r.request_id != h.request_id || r.type != h.type)
        return failed(Error{Errc::protocol, fmt::format("{}: reply is for request {} type {}, expected {} type {}", what, r.request_id, r.type, h.request_id, h.type)});
    if (r.status > static_cast<std::uint32_t>(FrameStatus::failed))
        return failed(Error{Errc::protocol, fmt::format("{}: reply has unknown status {}", what, r.status)});
    // Bound the length before allocating anything for it, or reading anything into
    // the caller's buffer. An error's message goes to a buffer of our own.
    bool ok = r.status == static_cast<std::uint32_t>(FrameStatus::ok);
    constexpr std::size_t max_message = 4096;
    std::uint64_t limit = !ok ? max_message : grow ? options_.max_reply : std::min<std::uint64_t>(options_.max_reply, into.size());
    if (r.length > limit)
        return failed(Error{Errc::protocol, fmt::format("{}: reply announces {} bytes, over the limit of {}", what, r.length, limit)});
    std::size_t early = *got - frame_header_size;
    if (early > r.length)
        return failed(Error{Errc::protocol, fmt::format("{}: {} bytes follow the {}-byte reply", what, early - r.length, r.length)});
    std::uint8_t message_buffer[max_message];
    std::span<std::uint8_t> payload;
    if (!ok) {
        payload = std::span(message_buffer, r.length);
    } else if (grow) {
        grow->resize(r.length);   // zero-fills: callers that mind use send_recv_into()
        payload = *grow;
    } else {
        payload = into.first(r.length);
    }
    std::copy_n(first + frame_header_size, early, payload.begin());
    if (early < r.length) {
        std::size_t rest = r.length - early;
        auto more = process_->read_reply(payload.data() + early, rest, rest, *got, options_.deadline, what);
        if (!more) return failed(more.error());
    }
    // A reply that completed only as the watch killed the handler is late all the same.
    if (process_->disarm())
        return std::unexpected(fail_locked(HandlerProcess::deadline_error(what, options_.deadline)));
    ++stats_.requests;
    ++handler_replies_;
    consecutive_failures_ = 0;
    auto status = static_cast<FrameStatus>(r.status);
    if (status == FrameStatus::ok) return ReceivedReply{r.type, r.length};
    // The handler's words are input-controlled bytes: made safe for any output (a
    // terminal, JSON) here, once, where they cross into the trusted side.
    std::string message = printable_message(as_chars(payload));
    if (status == FrameStatus::bad_input) return fail(Errc::bad_input, "{}", message);
    return fail(Errc::internal, "{} could not handle the request: {}", what, message);
}

Result<Bytes> Driver::send_recv_raw(ByteView request)
{
    std::lock_guard guard(lock_);
    if (process_) process_.reset();  // raw mode uses a fresh handler for each exchange
    UMD_TRY(ensure_started_locked());
    Deadline deadline(options_.deadline);
    const char* what = what_.c_str();
    Bytes reply;
    auto s = exchange_raw(process_->request_pipe(), request, process_->reply_fd(), reply, options_.max_reply, deadline,
                          process_.get(), what);
    if (!s) return std::unexpected(fail_locked(s.error()));
    // The reply ended: the handler must now exit cleanly, promptly.
    ExitInfo exit = process_->terminate(std::chrono::milliseconds(std::max(1, deadline.poll_timeout_ms())));
    std::string err = process_->stderr_text();
    process_.reset();
    stats_.pid = -1;
    stats_.state = DriverState::loaded;
    if (exit.kind != ExitInfo::Kind::exited || exit.code != 0) {
        Error e = explain_handler_end(Error{Errc::handler_crashed, fmt::format("{}: the handler did not exit cleanly", what)}, exit, err, name_);
        note_failure_locked(e);
        return std::unexpected(e);
    }
    ++stats_.requests;
    consecutive_failures_ = 0;
    prepare_spare_locked();
    return reply;
}

}  // namespace umd

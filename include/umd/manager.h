// umd/manager.h — the UMD Manager: the trusted front end of every request.
//
// The counterpart of the kernel's umd_mgmt: one Driver per user mode driver,
// holding all its state and one lock. send_recv() starts the handler on first
// use (asking the LoaderRegistry for the driver's module: umd_mgmt_load),
// restarts it after it exited, and on any channel or protocol error kills it
// and returns a clear error, so the next request gets a fresh handler.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <thread>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <map>

#include <umd/blob.h>
#include <umd/channel.h>
#include <umd/error.h>
#include <umd/loader.h>
#include <umd/process.h>
#include <umd/wire.h>

namespace umd {

namespace detail {
class SpareHandler;
}

/// What a handler replied, as the Manager receives it: the frame checked (the
/// request's id, type and status, a length within the driver's max_reply), the
/// payload still a claim for the driver's trusted side to check. The handler side
/// builds its answer as umd::handler::Reply.
struct HandlerReply {
    std::uint8_t type = 0;
    Bytes payload;
};

/// What Driver::send_recv_into() received: the reply's type, checked like a
/// HandlerReply's, and how many bytes of the caller's buffer its payload filled.
struct ReceivedReply {
    std::uint8_t type = 0;
    std::size_t size = 0;
};

/// Lifecycle state of a driver.
enum class DriverState { unloaded, loaded, running, failed };
std::string_view state_name(DriverState state) noexcept;

/// Snapshot of a driver for status displays.
struct DriverStatus {
    std::string name;
    DriverState state = DriverState::unloaded;
    pid_t pid = -1;
    std::uint64_t starts = 0;
    std::uint64_t restarts = 0;
    std::uint64_t requests = 0;
    std::uint64_t failures = 0;
    /// Handlers ended so that a trust anchor reached a handler that had seen no untrusted input.
    std::uint64_t anchor_recycles = 0;
    std::string last_error;
    std::string sandbox;        ///< description of the active isolation ("none" is loud)
    pid_t spare_pid = -1;       ///< a handler started ahead of need and waiting, or -1
};

/// When a failing handler is restarted, and when the driver gives up.
struct RestartPolicy {
    std::chrono::milliseconds initial_backoff{10};  ///< delay before the restart after a failure
    std::chrono::milliseconds max_backoff{1000};    ///< the delay doubles per consecutive failure up to this
    unsigned max_failures = 5;                      ///< this many failures within `window`...
    std::chrono::milliseconds window{30000};        ///< ...mark the driver failed until reset()
};

/// How a driver's handlers are isolated: the one field that says it is
/// DriverOptions::isolation. A default-constructed Isolation is the strict sandbox
/// (umd/sandbox.h: every layer the kernel offers), so a DriverOptions{} is confined;
/// running a handler unconfined takes the named choice Isolation::unconfined(), and
/// status reports it loudly. What status says comes from the setup that is applied
/// (ChildSetup::description()), never from a string set beside it.
class Isolation {
public:
    /// The strict sandbox profile, built once per process by the first driver that needs it.
    Isolation() = default;
    static Isolation strict() { return {}; }
    /// A sandbox the caller built (umd::sandbox::SandboxPolicy::…build()), or any
    /// ChildSetup. A null one is refused when the driver starts a handler.
    static Isolation with(std::shared_ptr<const ChildSetup> setup)
    {
        Isolation i;
        i.kind_ = Kind::custom;
        i.setup_ = std::move(setup);
        return i;
    }
    /// No isolation at all: the handler runs with the Manager's privileges. Debugging only.
    static Isolation unconfined()
    {
        Isolation i;
        i.kind_ = Kind::unconfined;
        return i;
    }

    bool is_strict_default() const noexcept { return kind_ == Kind::strict; }
    bool is_unconfined() const noexcept { return kind_ == Kind::unconfined; }
    /// The caller's setup (Isolation::with); null for the other two.
    const std::shared_ptr<const ChildSetup>& setup() const noexcept { return setup_; }

private:
    enum class Kind : std::uint8_t { strict, custom, unconfined };
    Kind kind_ = Kind::strict;
    std::shared_ptr<const ChildSetup> setup_;
};

/// What status says of a driver whose handlers run unconfined.
inline constexpr std::string_view unconfined_description =
    "NONE: UNCONFINED — the handler runs with the Manager's privileges, file system and network "
    "(Isolation::unconfined())";

/// The handler a driver has just started, as its post_start hook sees it: the hook may
/// exchange requests with it. Made only by the driver while it holds its lock, and only
/// for the duration of the hook, so no exchange can bypass the lock.
class StartedHandler {
public:
    StartedHandler(const StartedHandler&) = delete;
    StartedHandler& operator=(const StartedHandler&) = delete;
    /// One framed request → one validated reply, as Driver::send_recv.
    Result<HandlerReply> send_recv(std::uint8_t type, ByteView request);
    const std::string& driver_name() const noexcept;

private:
    friend class Driver;
    explicit StartedHandler(Driver& driver) : driver_(driver) {}
    Driver& driver_;
};

struct DriverOptions {
    std::chrono::milliseconds deadline{5000};   ///< per request, from send to complete reply
    std::uint64_t max_reply = 64ull << 20;      ///< largest reply payload accepted
    /// argv0, stderr limit, pipe size. Its `setup` is the driver's to set from `isolation`:
    /// a driver given one refuses to start handlers (it would silently be ignored otherwise).
    SpawnOptions spawn;
    Isolation isolation;                        ///< how handlers are isolated: strict unless said otherwise
    RestartPolicy restart;
    /// Keep one more handler started ahead of need (same sandbox), so that a restart
    /// after a crash, a timeout or recycle() skips the cold start. Costs one idle
    /// process; worth it for long-lived Managers, useless for a one-shot command.
    bool spare_handler = false;
    /// Called after each start with the new handler, the driver's lock held; an error
    /// shuts the handler down and fails the request (e.g. a health check).
    std::function<Status(StartedHandler&)> post_start;
};

/// Where a request's input comes from. A handler that has parsed untrusted input may
/// be compromised by it, and would then answer a later request as the attacker
/// wishes; a trust anchor (a keyring, a configuration the administrator chose) must
/// therefore only ever be parsed by a handler that has seen nothing else.
enum class InputOrigin : std::uint8_t {
    untrusted,      ///< anything a user, a file or a client supplied: taints the handler
    trust_anchor,   ///< parsed only by a handler that has served trust anchors alone
};

/// One user mode driver: a blob, at most one running handler, one lock.
class Driver {
public:
    Driver(std::string name, DriverOptions options);
    ~Driver();

    /// umd_mgmt_load: takes the handler image (copied into a sealed memfd).
    Status load(std::span<const std::uint8_t> blob);
    /// Takes an image already in its memfd (see Manager::preload).
    Status load(Blob image);
    /// The memfd name of driver `driver`'s image (/proc shows memfd:umd-<driver>).
    static std::string image_name(std::string_view driver);
    /// umd_mgmt_unload: stops the handler and drops the image.
    void unload();
    /// unload() without waiting, for a caller that sends no more requests (a one-shot
    /// command once its last parse is in): the handler is killed now and reaped by the
    /// next unload() (or the destructor), long dead by then; the image is dropped while
    /// the dying handler still maps it, so the image's pages are freed by that handler's
    /// exit rather than on the caller's path.
    void unload_in_background();

    /// Starts the handler in the background and returns at once; the first request
    /// takes it over (waiting only for what is left of its start). For callers with
    /// other work to do first, e.g. a one-shot command that still has files to read.
    /// Does nothing when a handler runs or is already being started, or nothing is loaded.
    void prestart();

    /// umd_mgmt_send_recv: one framed request → one validated reply with status ok.
    /// A reply with status bad_input becomes Errc::bad_input with the handler's message,
    /// made safe for a terminal and JSON (umd::printable_text, at most 512 bytes; the
    /// handler stays up); any protocol or channel failure kills the handler.
    Result<HandlerReply> send_recv(std::uint8_t type, ByteView request);
    /// Same, saying where the input comes from: a trust_anchor request never reaches a
    /// handler that has served an untrusted one (that handler is ended first and the
    /// request goes to a fresh one, the spare when there is one; not a failure).
    Result<HandlerReply> send_recv(std::uint8_t type, ByteView request, InputOrigin origin);


    /// send_recv() for a caller that holds its data in buffers it owns: `request` is
    /// written from where it is, and the reply's payload is read straight into `reply`
    /// (nothing allocated, nothing zero-filled, the Manager keeps nothing between
    /// requests). The reply's header is checked before any payload is read: a payload
    /// longer than `reply` (or than max_reply) is a protocol error, as with send_recv(),
    /// and kills the handler. The payload fills reply.first(size); the rest of `reply`
    /// is left as it was. `reply` may be `request`'s own memory: the request is
    /// written whole before any of the reply is read. Replies with an error status
    /// are reported as by send_recv(), their message never written into `reply`.
    Result<ReceivedReply> send_recv_into(std::uint8_t type, ByteView request, std::span<std::uint8_t> reply,
                                         InputOrigin origin = InputOrigin::untrusted);

    /// Raw mode (the kernel's umd_send_recv): writes `request`, closes the request
    /// pipe, reads the reply to end of file (at most max_reply), then reaps the handler.
    Result<Bytes> send_recv_raw(ByteView request);

    /// Graceful shutdown: closes the request pipe, waits up to `grace` for the
    /// handler to exit, then kills it; a spare is killed too. The next request starts a new one.
    void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(200));
    /// Ends the running handler (killed now, reaped in the background) so the next request gets a
    /// fresh one, the spare when there is one: no input sees a handler an earlier input
    /// may have corrupted. Not a failure: no backoff, no crash-loop count.
    void recycle();
    /// Clears a failed (crash-looping) state so the next request may start the handler.
    void reset();

    DriverStatus status() const;
    const std::string& name() const noexcept { return name_; }

private:
    friend class StartedHandler;
    /// send_recv with the lock already held: for StartedHandler, during post_start.
    Result<HandlerReply> send_recv_locked(std::uint8_t type, ByteView request);
    Status ensure_started_locked();
    /// Sends one framed request and reads its reply's payload into `grow` (resized to
    /// the payload) or, when `grow` is null, into `into`, which bounds the payload.
    /// A handler found to have ended while idle (its request pipe closed before a byte
    /// of the request went in, after it had answered before) is replaced and the
    /// request sent again, once, with `origin`'s rules; without `origin`, never.
    Result<ReceivedReply> exchange_locked(std::uint8_t type, ByteView request, Bytes* grow, std::span<std::uint8_t> into,
                                          std::optional<InputOrigin> origin);
    /// One attempt of exchange_locked(); sets *ended_idle instead of failing when the
    /// handler had ended while idle and `ended_idle` is not null.
    Result<ReceivedReply> exchange_once_locked(std::uint8_t type, ByteView request, Bytes* grow, std::span<std::uint8_t> into,
                                               bool* ended_idle);
    /// Ends a tainted handler before a trust anchor reaches it, starts one if none runs,
    /// and marks the handler tainted by an untrusted request.
    Status begin_request_locked(InputOrigin origin);
    /// Kills the handler after `error`, records it, and returns the error with the
    /// handler's fate (signal, sandbox violation, stderr tail) attached.
    Error fail_locked(Error error);
    void note_failure_locked(const Error& error);
    void prepare_spare_locked();

    mutable std::mutex lock_;
    std::string name_;
    DriverOptions options_;
    std::optional<Blob> blob_;
    std::unique_ptr<HandlerProcess> process_;
    std::unique_ptr<detail::SpareHandler> spare_;  ///< holds references to blob_ and options_.spawn
    bool retired_any_ = false;                      ///< recycle() left a handler to be reaped in the background
    std::unique_ptr<HandlerProcess> killed_;        ///< unload_in_background(): killed, reaped by unload()
    std::shared_ptr<const ChildSetup> applied_setup_;   ///< what options_.spawn.setup points to
    std::string setup_error_;                           ///< why no handler may start (misconfigured isolation)
    std::uint32_t next_request_id_ = 1;
    /// The running handler (process_) has been sent an untrusted request. Cleared
    /// whenever process_ is replaced: only a new process starts untainted.
    bool handler_tainted_ = false;
    /// Replies the running handler has sent: one that ends having answered none is
    /// broken, not idle (no request is sent again for it).
    std::uint64_t handler_replies_ = 0;
    std::string what_;   ///< "driver 'name'", the subject of every channel error
    DriverStatus stats_;
    std::vector<std::chrono::steady_clock::time_point> recent_failures_;
    unsigned consecutive_failures_ = 0;
};

/// The front end: drivers by name, started lazily from their loader modules.
class Manager {
public:
    explicit Manager(std::shared_ptr<LoaderRegistry> registry);
    ~Manager();
    /// Options (sandbox, restart policy, ...) for drivers created from now on;
    /// deadline and max_reply still come from each loader module.
    void set_default_options(DriverOptions options);
    /// The driver `name`, loading it from its module on first use. With `overrides`,
    /// those options are used as they are; asking with overrides for a driver that
    /// exists already is Errc::invalid_argument (its options are those it was made with).
    Result<Driver*> driver(const std::string& name, const DriverOptions* overrides = nullptr);
    /// Starts copying driver `name`'s handler image into its memfd on another thread,
    /// for a caller with other start-up work to do meanwhile (a one-shot command builds
    /// its sandbox profile); driver(name) then takes the copy, waiting for what is left
    /// of it. Does nothing for a driver already created or an unknown name (driver(name)
    /// reports that). A failed copy is reported by driver(name).
    void preload(const std::string& name);
    std::vector<DriverStatus> status() const;

private:
    std::shared_ptr<LoaderRegistry> registry_;
    mutable std::mutex lock_;
    DriverOptions defaults_;
    std::map<std::string, std::unique_ptr<Driver>, std::less<>> drivers_;
    struct Preload {
        std::future<Result<Blob>> image;
        std::jthread copier;   ///< destroyed (joined) first
    };
    std::map<std::string, Preload, std::less<>> preloads_;   ///< joined before registry_ goes
};

}  // namespace umd

// apps/umdd/guard/guard.cpp — the exec guard's engine: the reader thread, the workers, the answers.
// Trusted side, privileged (inside umdd). See guard.h and docs/guard.md.
#include "apps/umdd/guard/guard.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>
#include <set>
#include <thread>

#include <umd/unique_fd.h>

#include "apps/umdd/guard/bounded_queue.h"
#include "apps/umdd/guard/decision_cache.h"
#include "apps/umdd/guard/fanotify_group.h"
#include "apps/umdd/guard/file_identity.h"
#include "drivers/rpm/trusted/claim_check.h"
#include "drivers/rpm/trusted/header_digest.h"

namespace umd::guard {
namespace {

constexpr std::uint64_t permission_mask = FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM;
constexpr std::uint64_t modification_mask = FAN_MODIFY | FAN_CLOSE_WRITE;
/// Read buffer: many events per read() (each is 24 bytes, with no info records).
constexpr std::size_t read_buffer_size = 64 * 1024;

std::uint64_t now_ns()
{
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

using Counter = std::atomic<std::uint64_t>;

void bump(Counter& c, std::uint64_t n = 1) noexcept { c.fetch_add(n, std::memory_order_relaxed); }
std::uint64_t get(const Counter& c) noexcept { return c.load(std::memory_order_relaxed); }

Knowledge failure(Reason reason, const Digest& digest = {})
{
    Knowledge k;
    k.failed = true;
    k.reason = reason;
    k.digest = digest;
    return k;
}

}  // namespace

std::string_view mode_name(Mode mode) noexcept { return mode == Mode::enforcing ? "enforcing" : "permissive"; }

Result<Mode> parse_mode(std::string_view name)
{
    if (name == "enforcing") return Mode::enforcing;
    if (name == "permissive") return Mode::permissive;
    return fail(Errc::invalid_argument, "unknown guard mode '{}' (enforcing or permissive)", name);
}

struct Guard::Impl {
    GuardOptions options;
    std::shared_ptr<const Decider> decider;
    std::unique_ptr<FanotifyGroup> group;
    DecisionCache cache;
    BoundedQueue<std::shared_ptr<Pending>> queue;
    AuditLog audit;
    LatencyHistogram latency;
    UniqueFd stop_event;
    const pid_t self = ::getpid();
    std::size_t marks = 0;
    std::atomic<Mode> mode;

    // The decider's algorithms; workers rebuild their hasher when the version moves.
    mutable std::mutex algorithms_lock;
    std::vector<std::uint32_t> algorithms;
    std::atomic<std::uint64_t> algorithms_version{0};
    std::uint64_t decider_generation = 0;   ///< the reader's last look at decider->generation()

    Counter events, exec_events, open_events, modifications, overflows, own_process, allows, denies, permissive_allows,
        cache_hits, cache_joins, cache_misses, hashes, bytes_hashed, hash_ns, failures, response_errors, saturation_waits,
        ignore_marks_added, malformed;
    std::atomic<std::size_t> workers_busy{0};

    std::thread reader;
    std::vector<std::thread> workers;
    std::mutex stop_lock;                 ///< one stop() at a time
    std::atomic<bool> stopped{false};     ///< read by status() while a stop() runs

    Impl(GuardOptions opts, std::shared_ptr<const Decider> d, AuditSink sink)
        : options(std::move(opts)), decider(std::move(d)), cache(options.cache_capacity), queue(options.queue_capacity),
          audit(std::move(sink), options.audit), mode(options.mode)
    {
    }

    ~Impl() { stop(); }

    // ---- answering ----

    /// Answers one event from what is known of its file, then (off the reply's
    /// path) records a deny, and closes the event's descriptor.
    void answer(PendingEvent& event, const Knowledge& knowledge)
    {
        const Verdict verdict = verdict_for(knowledge, event.exec);
        const bool permissive = mode.load(std::memory_order_relaxed) == Mode::permissive;
        const bool allow = verdict.allow || permissive;
        // Counted before the answer, so a status read after the process went on includes it.
        if (verdict.allow) {
            bump(allows);
        } else {
            bump(denies);
            if (knowledge.failed) bump(failures);
            if (permissive) bump(permissive_allows);
        }
        if (!group->respond(event.fd.get(), allow, !verdict.allow && options.kernel_audit)) bump(response_errors);
        latency.record(now_ns() - event.start_ns);
        if (verdict.allow && options.ignore_marks) add_ignore_mark(event.fd.get(), knowledge);
        if (!verdict.allow) record_deny(event, knowledge, verdict, !permissive);
        event.fd.reset();
    }

    void add_ignore_mark(int fd, const Knowledge& k)
    {
        // Trusted: neither kind of open needs asking again; not ELF: plain opens don't.
        const std::uint64_t mask = k.trust == Trust::trusted ? permission_mask : FAN_OPEN_PERM;
        if (group->ignore_inode(fd, mask)) bump(ignore_marks_added);
    }

    void record_deny(const PendingEvent& event, const Knowledge& k, const Verdict& verdict, bool enforced)
    {
        const auto suppressed = audit.admit();   // no token: nothing is built, nothing read
        if (!suppressed) return;
        AuditRecord record;
        record.pid = event.pid;
        record.exe = read_link(fmt::format("/proc/{}/exe", event.pid));
        record.path = read_link(fmt::format("/proc/self/fd/{}", event.fd.get()));
        record.exec = event.exec;
        if (k.digest.size != 0) {
            const char* name = rpm::digest_algo_name(k.digest.algo);
            record.digest = fmt::format("{}:{}", name ? name : "?", rpm::to_hex(k.digest.view()));
        }
        record.reason = verdict.reason;
        record.enforced = enforced;
        record.suppressed_before = *suppressed;
        audit.submit(std::move(record));
    }

    // ---- the reader thread ----

    void read_loop()
    {
        std::vector<std::uint8_t> buffer(read_buffer_size);
        std::vector<FanotifyEvent> batch;
        pollfd fds[2] = {{group->fd(), POLLIN, 0}, {stop_event.get(), POLLIN, 0}};
        for (;;) {
            if (::poll(fds, 2, -1) < 0) {
                if (errno == EINTR) continue;
                break;   // cannot happen with valid descriptors; stop() still drains below
            }
            if (fds[1].revents != 0) break;
            read_available(buffer, batch);
        }
        // stop(): the marks are gone, so the queue only shrinks. Answer what it holds:
        // events left unread would be allowed by the kernel when the descriptor closes.
        read_available(buffer, batch);
    }

    void read_available(std::vector<std::uint8_t>& buffer, std::vector<FanotifyEvent>& batch)
    {
        for (;;) {
            auto n = group->read(buffer);
            if (!n || *n == 0) return;
            batch.clear();
            // A malformed header (never from a sane kernel) ends the batch; the
            // events before it are handled, its descriptor is closed by the parser.
            if (!parse_events(std::span(buffer).first(*n), batch)) bump(malformed);
            for (auto& event : batch) handle(event);
            batch.clear();
        }
    }

    void handle(FanotifyEvent& event)
    {
        bump(events);
        if (event.mask & FAN_Q_OVERFLOW) {
            // Modifications may have been lost: no verdict can be trusted any more.
            bump(overflows);
            cache.invalidate_all();
            return;
        }
        if (event.mask & modification_mask) {
            bump(modifications);
            if (auto id = identify(event.fd.get())) cache.drop(id->dev, id->ino);
            else cache.invalidate_all();   // cannot tell which file: forget all
        }
        if (event.mask & permission_mask) handle_permission(event);
    }

    void handle_permission(FanotifyEvent& event)
    {
        PendingEvent pending{std::move(event.fd), (event.mask & FAN_OPEN_EXEC_PERM) != 0, event.pid, now_ns()};
        bump(pending.exec ? exec_events : open_events);
        if (pending.pid == self) {
            // umdd's own opens (its configuration, the trust database, a log file on a
            // guarded filesystem) never wait on umdd.
            bump(own_process);
            if (!group->respond(pending.fd.get(), true, false)) bump(response_errors);
            return;
        }
        auto id = identify(pending.fd.get());
        if (!id) {
            Knowledge k = failure(Reason::read_failed);
            answer(pending, k);
            return;
        }
        if (!id->regular) {
            // Directories, devices, FIFOs: nothing to hash, and the kernel refuses to
            // execute anything but a regular file before it asks.
            Knowledge k;
            k.content = Content::not_elf;
            k.trust = Trust::unknown;
            k.reason = Reason::not_regular;
            if (pending.exec) k = failure(Reason::not_regular);
            answer(pending, k);
            return;
        }
        // The decider's state moved (a commit to the trust database, by anyone): no
        // verdict made before may answer for after.
        if (const std::uint64_t now = decider->generation(); now != decider_generation) {
            decider_generation = now;
            if (auto loaded = load_algorithms(); !loaded) bump(failures);   // the old algorithms stay
            cache.invalidate_all();
        }
        auto admission = cache.admit(*id, pending);
        switch (admission.kind) {
        case DecisionCache::Admit::hit:
            bump(cache_hits);
            answer(pending, admission.knowledge);
            return;
        case DecisionCache::Admit::joined:
            bump(cache_joins);
            return;
        case DecisionCache::Admit::miss:
            bump(cache_misses);
            bool waited = false;
            // Saturated: wait for a worker. Never answer "allow" because of load.
            if (!queue.push(admission.pending, &waited)) decide(*admission.pending, nullptr);
            if (waited) bump(saturation_waits);
            return;
        }
    }

    // ---- the workers ----

    struct WorkerState {
        std::optional<FileHasher> hasher;
        std::uint64_t version = ~std::uint64_t{0};
    };

    /// The worker's hasher for the current algorithms (rebuilt when they changed).
    FileHasher* hasher_for(WorkerState& state)
    {
        const std::uint64_t version = algorithms_version.load(std::memory_order_acquire);
        if (state.version != version || !state.hasher) {
            std::vector<std::uint32_t> algos;
            {
                std::lock_guard guard(algorithms_lock);
                algos = algorithms;
            }
            auto hasher = FileHasher::create(algos, options.hash_chunk);
            if (!hasher) return nullptr;
            state.hasher.emplace(std::move(*hasher));
            state.version = version;
        }
        return &*state.hasher;
    }

    void work_loop()
    {
        WorkerState state;
        (void)hasher_for(state);   // digest contexts ready before the first event, not during it
        while (auto pending = queue.pop()) {
            workers_busy.fetch_add(1, std::memory_order_relaxed);
            decide(**pending, &state);
            workers_busy.fetch_sub(1, std::memory_order_relaxed);
        }
    }

    /// Decides a Pending and answers every event waiting for it.
    void decide(Pending& pending, WorkerState* state)
    {
        WorkerState local;
        if (!state) state = &local;
        bool dropped_once = false;
        for (;;) {
            const auto attempt = cache.begin(pending);
            Knowledge k = examine(attempt.fd, attempt.need_trust, pending.identity, *state);
            auto finish = cache.finish(pending, attempt, k, false);
            if (finish.outcome == DecisionCache::Outcome::dropped) {
                if (!dropped_once) {
                    // A modification was reported while we hashed: look again (the file
                    // may be unchanged: a writer that only opened and closed it).
                    dropped_once = true;
                    continue;
                }
                // Changing under us again: deny rather than chase a moving target.
                finish = cache.finish(pending, attempt, failure(Reason::changed_while_hashed, k.digest), true);
                k = failure(Reason::changed_while_hashed, k.digest);
            }
            if (finish.outcome == DecisionCache::Outcome::need_trust) continue;
            for (auto& event : finish.waiters) answer(event, k);
            return;
        }
    }

    /// What the file behind `fd` is: read through the descriptor, never by path.
    Knowledge examine(int fd, bool need_trust, const FileIdentity& expected, WorkerState& state)
    {
        auto before = identify(fd);
        if (!before) return failure(Reason::read_failed);
        if (!before->same_content_as(expected)) return failure(Reason::changed_while_hashed);
        if (!need_trust) {
            auto elf = has_elf_magic(fd);
            if (!elf) return failure(Reason::read_failed);
            if (!*elf) {
                Knowledge k;
                k.content = Content::not_elf;
                k.reason = Reason::not_elf;
                return k;
            }
        }
        FileHasher* hasher = hasher_for(state);
        if (!hasher) return failure(Reason::read_failed);
        const std::uint64_t hash_start = now_ns();
        auto digests = hasher->hash(fd);
        bump(hash_ns, now_ns() - hash_start);
        if (!digests) return failure(Reason::read_failed);
        bump(hashes);
        bump(bytes_hashed, digests->bytes);
        const Digest first = digests->view().front();
        // The content hashed must be the content the identity describes: a write
        // during the hash moves ctime (and the kernel reports it, see decide()).
        auto after = identify(fd);
        if (!after || !after->same_content_as(*before)) return failure(Reason::changed_while_hashed, first);
        Knowledge k;
        k.content = digests->elf ? Content::elf : Content::not_elf;
        k.trust = Trust::untrusted;
        k.reason = Reason::untrusted;
        k.digest = first;
        for (const Digest& d : digests->view()) {
            auto trusted = decider->trusted(d.algo, d.view());
            if (!trusted) return failure(Reason::decider_failed, d);
            if (*trusted) {
                k.trust = Trust::trusted;
                k.reason = Reason::trusted;
                k.digest = d;
                break;
            }
        }
        return k;
    }

    // ---- control ----

    Status load_algorithms()
    {
        std::vector<std::uint32_t> algos = decider->algorithms();
        UMD_TRY(FileHasher::create(algos, 1));   // validates: supported, 1..max_algorithms
        {
            std::lock_guard guard(algorithms_lock);
            algorithms = std::move(algos);
        }
        algorithms_version.fetch_add(1, std::memory_order_release);
        return {};
    }

    Status start()
    {
        if (options.paths.empty()) return fail(Errc::invalid_argument, "the exec guard needs at least one path to guard");
        if (options.workers == 0) return fail(Errc::invalid_argument, "the exec guard needs at least one worker");
        decider_generation = decider->generation();   // before the algorithms: a commit between is seen later
        UMD_TRY(load_algorithms());
        group = UMD_TRY(FanotifyGroup::open(options.kernel_audit));
        const int efd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (efd < 0) return fail_errno(errno, "eventfd");
        stop_event.reset(efd);
        std::set<dev_t> filesystems;
        for (const std::string& path : options.paths) {
            struct stat st {};
            if (::stat(path.c_str(), &st) != 0) return fail_errno(errno, "exec guard path {}", path);
            if (!filesystems.insert(st.st_dev).second) continue;
            UMD_TRY(group->mark_filesystem(path, permission_mask | modification_mask));
        }
        marks = filesystems.size();
        for (unsigned i = 0; i < options.workers; ++i) workers.emplace_back([this] { work_loop(); });
        reader = std::thread([this] { read_loop(); });
        return {};
    }

    void stop()
    {
        std::lock_guard guard(stop_lock);
        if (stopped.exchange(true)) return;
        if (group) (void)group->remove_filesystem_marks();   // no new events from here on
        if (reader.joinable()) {
            const std::uint64_t one = 1;
            (void)!::write(stop_event.get(), &one, sizeof one);
            reader.join();   // after it drained the kernel's queue
        }
        queue.close();       // workers finish every queued decision, then leave
        for (auto& w : workers)
            if (w.joinable()) w.join();
        audit.stop();
        if (group) group->close();   // nothing of ours is pending now
    }
};

Result<Guard> Guard::start(GuardOptions options, std::shared_ptr<const Decider> decider, AuditSink sink)
{
    if (!decider) return fail(Errc::invalid_argument, "the exec guard needs a decider");
    auto impl = std::make_unique<Impl>(std::move(options), std::move(decider), std::move(sink));
    if (auto started = impl->start(); !started) return std::unexpected(started.error());   // ~Impl stops what started
    return Guard(std::move(impl));
}

Guard::Guard(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Guard::Guard(Guard&&) noexcept = default;
Guard& Guard::operator=(Guard&&) noexcept = default;
Guard::~Guard() = default;

void Guard::stop()
{
    if (impl_) impl_->stop();
}

void Guard::set_mode(Mode mode) noexcept { impl_->mode.store(mode, std::memory_order_relaxed); }
Mode Guard::mode() const noexcept { return impl_->mode.load(std::memory_order_relaxed); }

Status Guard::invalidate_all()
{
    Status loaded = impl_->load_algorithms();
    impl_->cache.invalidate_all();
    if (impl_->options.ignore_marks && impl_->group) (void)impl_->group->remove_inode_marks();
    return loaded;
}

GuardStatus Guard::status() const
{
    const Impl& i = *impl_;
    GuardStatus s;
    s.mode = i.mode.load(std::memory_order_relaxed);
    s.running = !i.stopped.load();
    s.marks = i.marks;
    s.kernel_audit = i.group && i.group->kernel_audit();
    s.events = get(i.events);
    s.exec_events = get(i.exec_events);
    s.open_events = get(i.open_events);
    s.modifications = get(i.modifications);
    s.overflows = get(i.overflows);
    s.own_process = get(i.own_process);
    s.allows = get(i.allows);
    s.denies = get(i.denies);
    s.permissive_allows = get(i.permissive_allows);
    s.cache_hits = get(i.cache_hits);
    s.cache_joins = get(i.cache_joins);
    s.cache_misses = get(i.cache_misses);
    s.hashes = get(i.hashes);
    s.bytes_hashed = get(i.bytes_hashed);
    s.hash_ns = get(i.hash_ns);
    s.failures = get(i.failures);
    s.response_errors = get(i.response_errors);
    s.saturation_waits = get(i.saturation_waits);
    s.ignore_marks_added = get(i.ignore_marks_added);
    s.malformed = get(i.malformed);
    s.latency = i.latency.summary();
    s.queue_depth = i.queue.size();
    s.queue_capacity = i.queue.capacity();
    s.workers = i.workers.size();
    s.workers_busy = i.workers_busy.load(std::memory_order_relaxed);
    s.cache_entries = i.cache.size();
    s.cache_capacity = i.options.cache_capacity;
    s.cache_evictions = i.cache.evictions();
    s.generation = i.cache.generation();
    s.audit = i.audit.counters();
    return s;
}

}  // namespace umd::guard

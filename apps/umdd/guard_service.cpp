// apps/umdd/guard_service.cpp — the exec guard in umdd, deciding by the trust database (trusted side).
#include "apps/umdd/guard_service.h"

#include <sys/stat.h>

#include <cerrno>

#include <umd/text.h>

#include "apps/umdd/log.h"
#include "drivers/rpm/trusted/claim_check.h"
#include "drivers/rpm/trusted/header_digest.h"

namespace umd::daemon {
namespace {

/// The trust database as the guard's decider. Every call takes the database the
/// daemon holds at that moment; without one, nothing is trusted (a deny, not an allow).
class TrustDbDecider final : public guard::Decider {
public:
    explicit TrustDbDecider(TrustDbSource db) : db_(std::move(db)) {}

    std::vector<std::uint32_t> algorithms() const override
    {
        auto db = db_();
        std::vector<std::uint32_t> algos;
        if (db) {
            if (auto in_use = (*db)->algorithms()) algos = std::move(*in_use);
        }
        // An empty database still hashes (a verdict is made, and `guard check` shows it).
        if (algos.empty()) algos.push_back(rpm::digest_algo::sha256);
        return algos;
    }

    Result<bool> trusted(std::uint32_t algo, ByteView digest) const override
    {
        auto db = UMD_TRY(db_());
        return db->contains(algo, digest);
    }

    std::uint64_t generation() const override
    {
        auto db = db_();
        if (!db) return 0;
        // The database's last commit (by any process), and which database it is: a
        // reopened one starts its own count.
        return (*db)->last_commit() ^ (reinterpret_cast<std::uintptr_t>(db->get()) << 20);
    }

private:
    TrustDbSource db_;
};

/// One deny as umdd logs it: who, what, which content, why.
void log_deny(const guard::AuditRecord& r)
{
    std::string suppressed = r.suppressed_before ? fmt::format(" ({} more not logged before this one)", r.suppressed_before) : "";
    log(LogLevel::warning, "guard: {} {} of {} by pid {} ({}): {}{}{}", r.enforced ? "denied" : "would deny (permissive)",
        r.exec ? "exec" : "open", printable_text(r.path), r.pid, printable_text(r.exe), guard::reason_name(r.reason),
        r.digest.empty() ? "" : ", " + r.digest, suppressed);
}

}  // namespace

GuardService::~GuardService() = default;

Result<std::unique_ptr<GuardService>> GuardService::start(const Config& config, TrustDbSource db)
{
    std::unique_ptr<GuardService> service(new GuardService(db));
    service->decider_ = std::make_shared<TrustDbDecider>(std::move(db));
    const GuardConfig& wanted = config.guard;
    service->paths_ = wanted.paths;
    if (wanted.paths.empty()) return service;
    for (const auto& path : wanted.paths) {
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0) return fail_errno(errno, "exec guard path {}", path);
        service->guarded_.insert(st.st_dev);
    }
    guard::GuardOptions options;
    options.paths = wanted.paths;
    options.mode = UMD_TRY(guard::parse_mode(wanted.mode));
    options.workers = wanted.workers;
    options.kernel_audit = wanted.kernel_audit;
    service->guard_.emplace(UMD_TRY(guard::Guard::start(std::move(options), service->decider_, log_deny)));
    log(LogLevel::info, "exec guard {} on {} filesystem{}", wanted.mode, service->guarded_.size(),
        service->guarded_.size() == 1 ? "" : "s");
    return service;
}

Status GuardService::require_guard() const
{
    if (!guard_) return fail(Errc::not_found, "umdd guards no filesystem (no [guard] paths, no --guard)");
    return {};
}

Status GuardService::set_mode(guard::Mode mode)
{
    UMD_TRY(require_guard());
    guard_->set_mode(mode);
    log(LogLevel::notice, "exec guard now {}", guard::mode_name(mode));
    return {};
}

Result<nlohmann::json> GuardService::status() const
{
    UMD_TRY(require_guard());
    const guard::GuardStatus s = guard_->status();
    nlohmann::json paths = nlohmann::json::array();
    for (const auto& p : paths_) paths.push_back(utf8_text(p));
    return nlohmann::json{
        {"mode", guard::mode_name(s.mode)},
        {"running", s.running},
        {"paths", paths},
        {"marks", s.marks},
        {"kernel_audit", s.kernel_audit},
        {"events", {{"total", s.events}, {"exec", s.exec_events}, {"open", s.open_events}, {"modifications", s.modifications},
                    {"own_process", s.own_process}, {"overflows", s.overflows}, {"malformed", s.malformed}}},
        {"verdicts", {{"allows", s.allows}, {"denies", s.denies}, {"permissive_allows", s.permissive_allows},
                      {"failures", s.failures}, {"response_errors", s.response_errors}}},
        {"cache", {{"hits", s.cache_hits}, {"joins", s.cache_joins}, {"misses", s.cache_misses}, {"entries", s.cache_entries},
                   {"capacity", s.cache_capacity}, {"evictions", s.cache_evictions}, {"generation", s.generation}}},
        {"hashing", {{"files", s.hashes}, {"bytes", s.bytes_hashed}, {"ns", s.hash_ns}}},
        {"latency", {{"count", s.latency.count}, {"p50_ns", s.latency.p50_ns}, {"p99_ns", s.latency.p99_ns}, {"max_ns", s.latency.max_ns}}},
        {"queue", {{"depth", s.queue_depth}, {"capacity", s.queue_capacity}, {"saturation_waits", s.saturation_waits}}},
        {"workers", {{"total", s.workers}, {"busy", s.workers_busy}}},
        {"audit", {{"records", s.audit.records}, {"suppressed", s.audit.suppressed}, {"dropped", s.audit.dropped}}},
    };
}

Result<GuardCheckReply> GuardService::check(int fd, const std::string& name) const
{
    struct stat st {};
    if (::fstat(fd, &st) != 0) return fail_errno(errno, "{}", name);
    if (!S_ISREG(st.st_mode)) return fail(Errc::bad_input, "{}: not a regular file", name);
    GuardCheckReply reply;
    reply.guarded = guarded_.contains(st.st_dev);
    reply.permissive = guard_ && guard_->mode() == guard::Mode::permissive;
    reply.elf = UMD_TRY(guard::has_elf_magic(fd));
    // The engine's own hasher and decider: the same digests, the same answer.
    const auto algorithms = decider_->algorithms();
    auto hasher = UMD_TRY(guard::FileHasher::create(algorithms));
    auto digests = UMD_TRY(hasher.hash(fd));
    bool trusted = false;
    for (const auto& d : digests.view()) {
        const bool match = UMD_TRY(decider_->trusted(d.algo, d.view()));
        if (reply.digest.empty() || match) reply.digest = fmt::format("{}:{}", rpm::digest_algo_name(d.algo), rpm::to_hex(d.view()));
        if (!match) continue;
        trusted = true;
        auto db = UMD_TRY(db_());
        if (auto vouchers = db->lookup(d.algo, d.view()); vouchers && !vouchers->empty()) {
            reply.nevra = (*vouchers)[0].nevra;
            reply.path = (*vouchers)[0].path;
        }
        break;
    }
    reply.exec_allowed = trusted;
    reply.open_allowed = trusted || !reply.elf;
    reply.reason = std::string(guard::reason_name(trusted ? guard::Reason::trusted : guard::Reason::untrusted));
    return reply;
}

}  // namespace umd::daemon

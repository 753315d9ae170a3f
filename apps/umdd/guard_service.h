// apps/umdd/guard_service.h — the exec guard as umdd runs it: the engine, the trust database as its decider.
//
// Trusted side, privileged. Starts apps/umdd/guard's engine on the configured
// filesystems with a decider that asks the daemon's trust database (the one the
// trust operations write), so a `umd trust add` or `remove` through umdd, or a commit
// by any other process, reaches the next decision: the decider's generation is the
// database's last commit. Deny records go to umdd's log (rate-limited by the engine,
// written by the log's own thread). Also answers `umd guard status|mode|check`.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include <umd/error.h>

#include "apps/umdd/config.h"
#include "apps/umdd/guard/guard.h"
#include "apps/umdd/protocol/protocol.h"
#include "drivers/rpm/trusted/trust_db.h"

namespace umd::daemon {

/// The database the guard decides by, as the daemon holds it now (it may be reopened).
using TrustDbSource = std::function<Result<std::shared_ptr<rpm::TrustDb>>()>;

class GuardService {
public:
    /// Starts the guard when `config.guard.paths` names any (else an idle service:
    /// status and mode answer that nothing is guarded, check still says what the
    /// verdict would be). Errc::system when fanotify refuses.
    static Result<std::unique_ptr<GuardService>> start(const Config& config, TrustDbSource db);
    ~GuardService();

    bool running() const noexcept { return guard_.has_value(); }
    /// The `umd guard status --json` document.
    Result<nlohmann::json> status() const;
    Status set_mode(guard::Mode mode);
    /// What the guard decides for the open file `fd` (a client's descriptor), and why.
    Result<GuardCheckReply> check(int fd, const std::string& name) const;

private:
    /// not_found when no filesystem is guarded.
    Status require_guard() const;
    GuardService(TrustDbSource db) : db_(std::move(db)) {}
    TrustDbSource db_;
    std::shared_ptr<const guard::Decider> decider_;
    std::optional<guard::Guard> guard_;
    std::vector<std::string> paths_;
    std::set<dev_t> guarded_;   ///< the filesystems marked
};

}  // namespace umd::daemon

// apps/umdd/services.h — what umdd does for a request: the resident drivers and their operations.
//
// Trusted side. Holds the drivers' running handlers (DriverSet: lent per request,
// recycled between peer uids) and the keyrings built once per content
// (pgp::KeyringCache, warmed with the configured keyrings). Every operation is the
// library's own call — pgp::verify_with_keyring(), sample::write() — so a verdict
// through umdd is the verdict the CLI reaches standalone.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <umd/loader.h>
#include <umd/unique_fd.h>
#include <umd/wire.h>

#include "apps/umdd/bpfilter_service.h"
#include "apps/umdd/config.h"
#include "apps/umdd/driver_set.h"
#include "apps/umdd/guard_service.h"
#include "apps/umdd/peer.h"
#include "apps/umdd/protocol/protocol.h"
#include "drivers/pgp/trusted/keyring_cache.h"
#include "drivers/rpm/trusted/trust_db.h"

namespace umd::daemon {

/// One decoded request: its operation's fields still to read, its descriptors owned.
struct Request {
    RequestHeader header;
    Bytes message;                 ///< the datagram; `fields` starts inside it
    std::size_t fields_at = 0;
    std::vector<UniqueFd> fds;
    Peer peer;
};

class Services {
public:
    static Result<std::unique_ptr<Services>> start(const Config& config);

    /// Runs one request; the reply's fields, or the error to send back.
    Result<Bytes> handle(Request& request);

    /// Warms the keyring cache with the configured keyrings (logged when one fails).
    void warm_keyrings(const std::vector<std::string>& keyrings);

    /// Opens the trust database at `path` (created when missing) unless it is the one
    /// open already, in which case its memory index is brought up to date (another
    /// process may have written). A failure is logged and kept: the trust operations
    /// answer it until a reload opens the database.
    void open_trust_db(const std::string& path);

    /// Starts the exec guard on the configured filesystems, deciding by the trust
    /// database this object holds (call open_trust_db() first). Errc::system when
    /// fanotify refuses: umdd must not pretend to guard what it does not.
    Status start_guard(const Config& config);

private:
    Result<Bytes> status() const;
    Result<Bytes> sample_write(ByteReader& fields);
    Result<Bytes> pgp_verify(ByteReader& fields, std::vector<UniqueFd>& fds, const Peer& peer);
    Result<Bytes> rpm_verify(ByteReader& fields, std::vector<UniqueFd>& fds, const Peer& peer);
    Result<Bytes> pgp_show(ByteReader& fields, std::vector<UniqueFd>& fds, const Peer& peer);
    Result<Bytes> rpm_show(ByteReader& fields, std::vector<UniqueFd>& fds, const Peer& peer);
    Result<Bytes> trust_add(ByteReader& fields, std::vector<UniqueFd>& fds, const Peer& peer);
    Result<Bytes> trust_remove(ByteReader& fields, const Peer& peer);
    Result<Bytes> trust_list(ByteReader& fields, std::vector<UniqueFd>& fds);
    Result<Bytes> trust_check(ByteReader& fields, std::vector<UniqueFd>& fds);
    Result<Bytes> guard_status(ByteReader& fields, std::vector<UniqueFd>& fds);
    Result<Bytes> guard_mode(ByteReader& fields);
    Result<Bytes> guard_check(ByteReader& fields, std::vector<UniqueFd>& fds);
    Result<Bytes> bpfilter(ByteReader& fields, std::vector<UniqueFd>& fds, const Peer& peer);
    Result<Bytes> bpfilter_eval(ByteReader& fields, std::vector<UniqueFd>& fds);

    /// The open trust database, or why there is none.
    Result<std::shared_ptr<rpm::TrustDb>> trust_db() const;

    std::unique_ptr<DriverSet> pgp_;
    std::unique_ptr<DriverSet> rpm_;
    std::unique_ptr<DriverSet> sample_;
    std::unique_ptr<BpfilterService> bpfilter_;
    pgp::KeyringCache keyrings_;
    std::chrono::milliseconds lease_wait_{10000};
    std::atomic<unsigned> verifying_{0};   ///< pgp verifications running now

    mutable std::mutex db_lock_;            ///< guards the three below (not the database: it has its own)
    std::shared_ptr<rpm::TrustDb> db_;      ///< requests hold a reference while they use it
    std::string db_path_;
    std::string db_error_;

    std::unique_ptr<GuardService> guard_;   ///< set by start_guard(), before any request
};

}  // namespace umd::daemon

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
#include <vector>

#include <umd/loader.h>
#include <umd/unique_fd.h>
#include <umd/wire.h>

#include "apps/umdd/config.h"
#include "apps/umdd/driver_set.h"
#include "apps/umdd/peer.h"
#include "apps/umdd/protocol/protocol.h"
#include "drivers/pgp/trusted/keyring_cache.h"

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

private:
    Result<Bytes> status();
    Result<Bytes> sample_write(ByteReader& fields);
    Result<Bytes> pgp_verify(ByteReader& fields, std::vector<UniqueFd>& fds, const Peer& peer);
    Result<Bytes> rpm_verify(ByteReader& fields, std::vector<UniqueFd>& fds, const Peer& peer);

    std::unique_ptr<DriverSet> pgp_;
    std::unique_ptr<DriverSet> rpm_;
    std::unique_ptr<DriverSet> sample_;
    pgp::KeyringCache keyrings_;
    std::chrono::milliseconds lease_wait_{10000};
    std::atomic<unsigned> verifying_{0};   ///< pgp verifications running now
};

}  // namespace umd::daemon

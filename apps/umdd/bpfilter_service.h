// apps/umdd/bpfilter_service.h — umdd's answers to iptables' socket options: the tables
// of each network namespace (bpfilter::TableStore), replacements checked by the sandboxed
// bpfilter handler. TRUSTED side (docs/bpfilter.md).
//
// Each call is answered as the kernel's ip_tables answers the same setsockopt or
// getsockopt: the same length checks, the same errno. umdd never sees the caller's
// pointers: the option value comes in a memfd, and what the caller's buffers receive (a
// get's value, a replace's old counters) goes back in it, for the preload library to copy.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include <umd/error.h>
#include <umd/manager.h>

#include "apps/umdd/driver_set.h"
#include "apps/umdd/protocol/protocol.h"
#include "drivers/bpfilter/trusted/namespace_watch.h"
#include "drivers/bpfilter/trusted/table_store.h"

namespace umd::daemon {

class BpfilterService {
public:
    static Result<std::unique_ptr<BpfilterService>> start(const DriverOptions& options);

    /// One socket option on the caller's AF_INET socket `sock` (whose network namespace
    /// chooses the tables), with its value in `memfd`. Errc::bad_input when the descriptors are
    /// not what the request says; a refusal the kernel would give is a reply with -errno.
    Result<BpfilterReply> handle(const BpfilterRequest& request, int sock, int memfd, uid_t peer);

    /// `umd bpfilter eval`: the verdict of the filter table of `sock`'s network namespace
    /// on the described packet. Errc::invalid_argument when the description cannot decide it.
    Result<BpfilterEvalReply> evaluate(const BpfilterEvalRequest& request, int sock);

    std::vector<DriverStatus> status() const;
    const bpfilter::TableStore& tables() const { return tables_; }

private:
    BpfilterReply replace(bpfilter::NamespaceKey ns, ByteView value, int memfd, uid_t peer);
    /// Watches the caller's namespace and drops the tables of those that died.
    void forget_dead_namespaces(int sock, bpfilter::NamespaceKey ns);

    std::unique_ptr<DriverSet> drivers_;
    /// The kernel's HZ for the limit match (0: unknown, limit refused), measured on the
    /// first replacement (200 ms, once) rather than at start, which umdd keeps quick.
    std::uint32_t hz();
    std::once_flag hz_once_;
    std::uint32_t hz_ = 0;
    bpfilter::TableStore tables_;
    std::unique_ptr<bpfilter::NamespaceWatch> watch_;   ///< null: netlink refused, tables kept up to the store's limits
    std::atomic<bool> said_unwatched_{false};
};

}  // namespace umd::daemon

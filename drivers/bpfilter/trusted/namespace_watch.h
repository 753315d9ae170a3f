// drivers/bpfilter/trusted/namespace_watch.h — which of the network namespaces whose
// tables the Manager keeps have died, learnt without keeping any of them alive. TRUSTED
// side (docs/decisions/0022-bpfilter-dead-namespaces.md).
//
// Anything that names a namespace directly (its nsfs descriptor, a socket made in it)
// keeps it alive, and its nsfs inode number may be given to a namespace made after it
// died. What does not: the namespace's *nsid* in the Manager's own namespace. The kernel
// removes a dead namespace's nsid from every namespace that gave it one, and says so to
// the listeners of RTNLGRP_NSID there (RTM_DELNSID, from cleanup_net()). So the first
// time a namespace calls, it gets an nsid in the Manager's namespace (RTM_NEWNSID with
// the nsfs descriptor of the caller's socket, SIOCGSKNS, closed at once), and its death
// arrives later as an RTM_DELNSID naming that nsid.
//
// An nsid is given again once its namespace is gone; an RTM_DELNSID read after the nsid
// went to a new namespace is about the old one. The events are read in order, after the
// calling namespace's own nsid is known and while its socket keeps it alive, so an
// RTM_DELNSID of the caller's nsid is never about the caller. When the kernel dropped
// events (ENOBUFS), the nsids the kernel lists (a dump) decide instead.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <umd/error.h>
#include <umd/unique_fd.h>

#include "drivers/bpfilter/trusted/table_store.h"

namespace umd::bpfilter {

class NamespaceWatch {
public:
    /// Two netlink sockets in the caller's (the Manager's) own network namespace: one for
    /// requests, one listening to RTNLGRP_NSID. `max_watched` bounds the namespaces watched.
    static Result<std::unique_ptr<NamespaceWatch>> open(std::size_t max_watched = 8192);

    struct Watched {
        std::vector<NamespaceKey> gone;   ///< watched namespaces found gone since the last call (never the caller's)
        std::optional<Error> not_watched;   ///< why the caller's namespace is not watched (its tables stay until umdd ends)
    };
    /// Watches the namespace of `sock` (a socket of the caller's, made in it), known as
    /// `key`, and reads what died since the last call. Events that could not be read are
    /// made up for by a dump, now or at the next call.
    Watched watch(int sock, NamespaceKey key);

    std::size_t watched() const;

private:
    NamespaceWatch() = default;
    Result<std::int32_t> nsid_of_socket(int sock);   // lock held
    void read_events(std::vector<std::int32_t>& deleted, bool& lost);   // lock held
    Result<std::vector<std::int32_t>> listed_nsids();   // lock held

    UniqueFd requests_, events_;
    std::uint32_t sequence_ = 0;
    bool resync_ = false;   ///< events were lost and the dump failed: dump at the next call
    NamespaceKey own_{};
    std::size_t max_watched_ = 0;
    mutable std::mutex lock_;
    std::map<NamespaceKey, std::int32_t> nsid_of_;
    std::map<std::int32_t, NamespaceKey> key_of_;
};

}  // namespace umd::bpfilter

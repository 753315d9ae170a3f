// drivers/pgp/trusted/keyring_cache.h — keyrings built once per content, for a resident Manager.
//
// Trusted side. A daemon verifies against the same few keyrings again and again;
// building a Keyring (a handler's parse as a trust anchor, the key checks against
// the file's bytes, the certificates' OpenSSL keys) costs more than the rest of a
// small verification. The cache is keyed by the keyring files' bytes themselves
// (and the policy's key rules), never by a name or a file's identity: a keyring
// whose content changed is a different entry, and what a client passes as a
// keyring is only ever used for that content. Entries are shared, immutable
// Keyrings (their lazily checked self-signatures are locked per certificate).
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <vector>

#include <umd/manager.h>

#include "drivers/pgp/trusted/client.h"
#include "drivers/pgp/trusted/keyring.h"
#include "drivers/pgp/trusted/policy.h"

namespace umd::pgp {

class KeyringCache {
public:
    /// Holds at most `capacity` keyrings and `max_bytes` of keyring files; the least
    /// recently used goes first.
    explicit KeyringCache(std::size_t capacity = 16, std::size_t max_bytes = 64u << 20)
        : capacity_(capacity), max_bytes_(max_bytes) {}

    /// The keyring of these files' bytes under `policy`'s key rules: from the cache, or
    /// parsed through `driver` (as trust anchors, see parse_keyring_bytes) and kept.
    Result<std::shared_ptr<const Keyring>> get(Driver& driver, const std::vector<FileRef>& files, const Policy& policy);

    struct Stats {
        std::size_t entries = 0, bytes = 0;
        std::uint64_t hits = 0, misses = 0;
    };
    Stats stats() const;
    void clear();

private:
    struct Entry {
        Bytes key;   ///< the policy's key rules, then each file's length and bytes
        std::shared_ptr<const Keyring> keyring;
    };
    std::size_t capacity_;
    std::size_t max_bytes_;
    mutable std::mutex lock_;
    std::list<Entry> entries_;   ///< most recently used first
    std::size_t bytes_ = 0;
    std::uint64_t hits_ = 0, misses_ = 0;
};

}  // namespace umd::pgp

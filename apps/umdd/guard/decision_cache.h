// apps/umdd/guard/decision_cache.h — the exec guard's verdicts by file identity, and decisions under way.
//
// Trusted side, privileged (umdd's exec guard). Keyed on (st_dev, st_ino); each
// entry stores the size, mtime and ctime it was decided for, and a hit needs all
// of them unchanged (FileIdentity::same_content_as) and the entry's generation to
// be the current one. A modification reported by fanotify (FAN_MODIFY,
// FAN_CLOSE_WRITE) drops the entry; invalidate_all() (the trust database changed)
// drops every entry and starts a new generation.
//
// A decision under way is an entry too (Pending): later events for the same
// content join it and are answered with it, so a storm of execs of a new binary
// hashes it once. A drop while a decision is under way is recorded on the
// Pending, and its worker hashes again (docs/guard.md), so no verdict is cached
// for content that changed before it was stored.
//
// Bounded: at most `capacity` entries; when full, the least recently used entry
// is evicted (a hit, a join or an insert makes an entry the most recently used).
// One mutex guards everything; every operation is a hash-map access and a list
// splice, never I/O, so the reader thread and the workers hold it only briefly.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include <umd/unique_fd.h>

#include "apps/umdd/guard/file_identity.h"
#include "apps/umdd/guard/verdict.h"

namespace umd::guard {

/// A permission event waiting for its answer.
struct PendingEvent {
    UniqueFd fd;                  ///< the event's descriptor (closed once answered)
    bool exec = false;            ///< FAN_OPEN_EXEC_PERM (else FAN_OPEN_PERM)
    pid_t pid = 0;
    std::uint64_t start_ns = 0;   ///< when the reader read it (CLOCK_MONOTONIC), for the latency histogram
};

/// A decision under way: its events, and whether its file changed meanwhile.
struct Pending {
    // All fields are guarded by the cache's mutex.
    std::vector<PendingEvent> waiters;   ///< the first one's descriptor is the one hashed
    FileIdentity identity;
    std::uint64_t generation = 0;
    std::uint32_t drops = 0;             ///< modifications reported while under way
    bool need_trust = false;             ///< an exec waits: hash even a non-ELF file
    bool closed = false;                 ///< answered: no more joins
};

class DecisionCache {
public:
    explicit DecisionCache(std::size_t capacity);

    enum class Admit { hit, joined, miss };
    struct Admission {
        Admit kind = Admit::miss;
        Knowledge knowledge;                ///< for a hit
        std::shared_ptr<Pending> pending;   ///< for a miss: the new decision to queue
    };
    /// The reader's entry point for one permission event on a regular file.
    /// hit: `event` is untouched, answer it from `knowledge`. joined: `event` was
    /// moved into a decision under way. miss: `event` was moved into a new Pending
    /// (returned), now in the cache; the caller queues it for a worker.
    Admission admit(const FileIdentity& id, PendingEvent& event);

    /// What a worker starts an attempt with.
    struct Attempt {
        int fd = -1;               ///< the descriptor to read (the first waiter's)
        std::uint32_t drops = 0;   ///< compare at finish()
        bool need_trust = false;
    };
    Attempt begin(Pending& pending);

    enum class Outcome { done, dropped, need_trust };
    struct Finish {
        Outcome outcome = Outcome::done;
        std::vector<PendingEvent> waiters;   ///< for done: every event to answer with the knowledge
    };
    /// Ends an attempt. With `final` false, returns `dropped` when a modification
    /// was reported since begin(), or `need_trust` when an exec joined and the
    /// knowledge lacks trust, and changes nothing. Otherwise closes the decision,
    /// stores the knowledge (when it is not a failure, the file was not dropped,
    /// the entry is still this decision's and its generation is current) and
    /// hands back the waiters.
    Finish finish(Pending& pending, const Attempt& attempt, const Knowledge& knowledge, bool final);

    /// A modification of (dev, ino) was reported: forget it.
    void drop(dev_t dev, ino_t ino);
    /// Forgets everything and starts a new generation (the trust database changed).
    void invalidate_all();

    std::size_t size() const;
    std::uint64_t generation() const;
    std::uint64_t evictions() const;

private:
    struct Key {
        dev_t dev;
        ino_t ino;
        bool operator==(const Key&) const = default;
    };
    struct KeyHash {
        std::size_t operator()(const Key& k) const noexcept;
    };
    struct Entry {
        FileIdentity identity;
        std::uint64_t generation = 0;
        Knowledge knowledge;                ///< when pending is null
        std::shared_ptr<Pending> pending;   ///< a decision under way
        std::list<Key>::iterator lru;
    };
    void touch(Entry& entry);
    Entry& insert(const Key& key);
    void erase(std::unordered_map<Key, Entry, KeyHash>::iterator it);

    mutable std::mutex lock_;
    std::size_t capacity_;
    std::uint64_t generation_ = 1;
    std::uint64_t evictions_ = 0;
    std::unordered_map<Key, Entry, KeyHash> entries_;
    std::list<Key> lru_;   ///< front: most recently used
};

}  // namespace umd::guard

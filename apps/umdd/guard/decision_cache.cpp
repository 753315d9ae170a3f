// apps/umdd/guard/decision_cache.cpp — verdicts by file identity, LRU-bounded.
// Trusted side, privileged (umdd's exec guard). See decision_cache.h.
#include "apps/umdd/guard/decision_cache.h"

#include <functional>

namespace umd::guard {

std::size_t DecisionCache::KeyHash::operator()(const Key& k) const noexcept
{
    // splitmix64 of the two numbers: inode numbers are dense, devices few.
    std::uint64_t x = static_cast<std::uint64_t>(k.ino) ^ (static_cast<std::uint64_t>(k.dev) << 40) ^ (static_cast<std::uint64_t>(k.dev) >> 24);
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return static_cast<std::size_t>(x ^ (x >> 31));
}

DecisionCache::DecisionCache(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity)
{
    entries_.reserve(capacity_);
}

void DecisionCache::touch(Entry& entry)
{
    lru_.splice(lru_.begin(), lru_, entry.lru);
}

void DecisionCache::erase(std::unordered_map<Key, Entry, KeyHash>::iterator it)
{
    lru_.erase(it->second.lru);
    entries_.erase(it);
}

DecisionCache::Entry& DecisionCache::insert(const Key& key)
{
    if (entries_.size() >= capacity_) {
        // Evict the least recently used. A decision under way evicted here is still
        // answered by its worker (which holds the Pending); it is just not stored.
        ++evictions_;
        erase(entries_.find(lru_.back()));
    }
    lru_.push_front(key);
    Entry& entry = entries_[key];
    entry.lru = lru_.begin();
    return entry;
}

DecisionCache::Admission DecisionCache::admit(const FileIdentity& id, PendingEvent& event)
{
    std::lock_guard guard(lock_);
    const Key key{id.dev, id.ino};
    auto it = entries_.find(key);
    if (it != entries_.end()) {
        Entry& entry = it->second;
        const bool same = entry.identity.same_content_as(id) && entry.generation == generation_;
        if (same && !entry.pending && sufficient(entry.knowledge, event.exec)) {
            touch(entry);
            return {Admit::hit, entry.knowledge, nullptr};
        }
        if (same && entry.pending && !entry.pending->closed) {
            touch(entry);
            if (event.exec) entry.pending->need_trust = true;
            entry.pending->waiters.push_back(std::move(event));
            return {Admit::joined, {}, nullptr};
        }
        // Stale (the file changed or a new generation began), or known too little for
        // this event: decide again. A decision under way for the old content keeps
        // running for its own events but is no longer the entry's.
        erase(it);
    }
    auto pending = std::make_shared<Pending>();
    pending->identity = id;
    pending->generation = generation_;
    pending->need_trust = event.exec;
    pending->waiters.push_back(std::move(event));
    Entry& entry = insert(key);
    entry.identity = id;
    entry.generation = generation_;
    entry.pending = pending;
    return {Admit::miss, {}, std::move(pending)};
}

DecisionCache::Attempt DecisionCache::begin(Pending& pending)
{
    std::lock_guard guard(lock_);
    return {pending.waiters.front().fd.get(), pending.drops, pending.need_trust};
}

DecisionCache::Finish DecisionCache::finish(Pending& pending, const Attempt& attempt, const Knowledge& knowledge, bool final)
{
    std::lock_guard guard(lock_);
    const bool dropped = pending.drops != attempt.drops;
    if (!final) {
        if (dropped) return {Outcome::dropped, {}};
        if (!knowledge.failed && pending.need_trust && knowledge.trust == Trust::unknown) return {Outcome::need_trust, {}};
    }
    pending.closed = true;
    const Key key{pending.identity.dev, pending.identity.ino};
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.pending.get() == &pending) {
        if (!dropped && !knowledge.failed && pending.generation == generation_) {
            it->second.knowledge = knowledge;
            it->second.pending.reset();
        } else {
            erase(it);
        }
    }
    return {Outcome::done, std::move(pending.waiters)};
}

void DecisionCache::drop(dev_t dev, ino_t ino)
{
    std::lock_guard guard(lock_);
    auto it = entries_.find(Key{dev, ino});
    if (it == entries_.end()) return;
    if (it->second.pending) ++it->second.pending->drops;
    erase(it);
}

void DecisionCache::invalidate_all()
{
    std::lock_guard guard(lock_);
    ++generation_;
    entries_.clear();
    lru_.clear();
}

std::size_t DecisionCache::size() const
{
    std::lock_guard guard(lock_);
    return entries_.size();
}

std::uint64_t DecisionCache::generation() const
{
    std::lock_guard guard(lock_);
    return generation_;
}

std::uint64_t DecisionCache::evictions() const
{
    std::lock_guard guard(lock_);
    return evictions_;
}

}  // namespace umd::guard

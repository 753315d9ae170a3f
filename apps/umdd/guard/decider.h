// apps/umdd/guard/decider.h — what the exec guard asks once it has a file's digests.
//
// Trusted side, privileged (umdd's exec guard). The engine knows nothing of the
// trust database: umdd plugs in rpm::TrustDb::contains (and the algorithms the
// database holds), the tests a set of digests. Both calls may come from several
// worker threads at once and must not block for long: a slow decider holds a
// worker, and with every worker held, misses wait (docs/guard.md, saturation).
#pragma once

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include <umd/error.h>
#include <umd/wire.h>

namespace umd::guard {

class Decider {
public:
    virtual ~Decider() = default;
    /// The digest algorithms to hash files with (drivers/rpm/trusted/claim_check.h
    /// digest_algo numbers), computed in one pass. Read at start and at every
    /// Guard::invalidate_all().
    virtual std::vector<std::uint32_t> algorithms() const = 0;
    /// Whether the raw `digest` of algorithm `algo` is trusted. An error is a deny.
    virtual Result<bool> trusted(std::uint32_t algo, ByteView digest) const = 0;
    /// A number that moves whenever trusted() or algorithms() may answer differently
    /// (umdd: the trust database's last commit, by any process). The guard reads it on
    /// every permission event, before its cache: when it moved, every verdict is
    /// forgotten and the algorithms re-read, so no verdict outlives the database state
    /// it was made from. Called from the reader thread: it must be cheap and never block.
    virtual std::uint64_t generation() const { return 0; }
};

/// A Decider from a fixed list of algorithms and a function, e.g. for umdd:
///   FunctionDecider({digest_algo::sha256}, [db](std::uint32_t a, ByteView d) { return db->contains(a, d); })
class FunctionDecider final : public Decider {
public:
    using Lookup = std::function<Result<bool>(std::uint32_t algo, ByteView digest)>;
    using Generation = std::function<std::uint64_t()>;
    FunctionDecider(std::vector<std::uint32_t> algorithms, Lookup lookup, Generation generation = {})
        : algorithms_(std::move(algorithms)), lookup_(std::move(lookup)), generation_(std::move(generation)) {}
    std::vector<std::uint32_t> algorithms() const override { return algorithms_; }
    Result<bool> trusted(std::uint32_t algo, ByteView digest) const override { return lookup_(algo, digest); }
    std::uint64_t generation() const override { return generation_ ? generation_() : 0; }

private:
    std::vector<std::uint32_t> algorithms_;
    Lookup lookup_;
    Generation generation_;
};

}  // namespace umd::guard

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
};

/// A Decider from a fixed list of algorithms and a function, e.g. for umdd:
///   FunctionDecider({digest_algo::sha256}, [db](std::uint32_t a, ByteView d) { return db->contains(a, d); })
class FunctionDecider final : public Decider {
public:
    using Lookup = std::function<Result<bool>(std::uint32_t algo, ByteView digest)>;
    FunctionDecider(std::vector<std::uint32_t> algorithms, Lookup lookup)
        : algorithms_(std::move(algorithms)), lookup_(std::move(lookup)) {}
    std::vector<std::uint32_t> algorithms() const override { return algorithms_; }
    Result<bool> trusted(std::uint32_t algo, ByteView digest) const override { return lookup_(algo, digest); }

private:
    std::vector<std::uint32_t> algorithms_;
    Lookup lookup_;
};

}  // namespace umd::guard

// drivers/rpm/trusted/digest_set.h — an immutable in-memory set of file digests for the enforcement hot path.
//
// Trusted side (Manager). Built from the trust database's digests index (keys
// [algo u8][digest], already validated when they were written), never from
// handler output. One open-addressing table per digest algorithm, in one
// anonymous mapping backed by transparent huge pages where the kernel allows:
// a query is a hash of the digest's first bytes and, almost always, one cache
// line — no tree walk and, over a few dozen 2 MiB pages instead of thousands of
// 4 KiB ones, rarely a TLB miss. That is what keeps the tail latency of a
// lookup among a million digests low (an LMDB lookup walks a 4-level B+tree
// over 4 KiB pages: several cache and TLB misses per query).
//
// The table is read-only once built (the mapping is made PROT_READ), so any
// number of threads may query it without locks.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include <umd/error.h>
#include <umd/wire.h>

namespace umd::rpm {

class DigestSet {
public:
    /// Builds the set from index keys, each [algo u8][digest of that algorithm's
    /// size]. internal for a key of an unknown algorithm or the wrong size (the
    /// database is corrupt: fail closed rather than answer from part of it).
    static Result<DigestSet> build(std::span<const ByteView> keys);

    DigestSet() = default;
    /// A moved-from set is empty (its tables pointed into the mapping that moved).
    DigestSet(DigestSet&& o) noexcept;
    DigestSet& operator=(DigestSet&& o) noexcept;

    /// Whether the raw `digest` of algorithm `algo` is in the set. The caller has
    /// checked that the digest has the algorithm's size; any other size is absent.
    bool contains(std::uint32_t algo, ByteView digest) const noexcept;

    std::size_t size() const noexcept { return size_; }
    /// Bytes of memory the tables occupy (the mapping, rounded to 2 MiB).
    std::size_t memory_bytes() const noexcept { return mapping_.size(); }

private:
    /// An anonymous private mapping, unmapped on destruction.
    class Mapping {
    public:
        Mapping() = default;
        static Result<Mapping> make(std::size_t size);
        Mapping(Mapping&& o) noexcept;
        Mapping& operator=(Mapping&& o) noexcept;
        ~Mapping();
        std::uint8_t* data() const noexcept { return data_; }
        std::size_t size() const noexcept { return size_; }
        Status make_read_only() const;

    private:
        std::uint8_t* data_ = nullptr;
        std::size_t size_ = 0;
    };

    /// The slots of one algorithm: `slots` entries of `width` bytes; all-zero is
    /// an empty slot, so the (practically impossible) all-zero digest is a flag.
    struct Table {
        const std::uint8_t* base = nullptr;
        std::size_t width = 0;
        std::size_t slots = 0;
        bool has_zero_digest = false;
    };
    static constexpr std::size_t max_algo = 16;   // rpm's digest algorithm numbers are below this

    std::size_t slot_of(ByteView digest, std::size_t slots) const noexcept;

    std::array<Table, max_algo> tables_{};
    std::uint64_t seed_ = 0;   // random per set: probe sequences are not predictable from digests
    std::size_t size_ = 0;
    Mapping mapping_;
};

}  // namespace umd::rpm

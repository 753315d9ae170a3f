// drivers/rpm/trusted/digest_set.cpp — the in-memory digest set: building and querying.
// Trusted side (Manager). See digest_set.h.
#include "drivers/rpm/trusted/digest_set.h"

#include <sys/mman.h>
#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "drivers/rpm/trusted/claim_check.h"

namespace umd::rpm {
namespace {

constexpr std::size_t huge_page = std::size_t{2} << 20;
constexpr std::array<std::uint8_t, 64> zero_digest{};

std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }

/// The splitmix64 finaliser: spreads the seeded first 8 digest bytes over 64 bits.
std::uint64_t mix(std::uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

bool is_zero(const std::uint8_t* p, std::size_t width) { return std::memcmp(p, zero_digest.data(), width) == 0; }

}  // namespace

Result<DigestSet::Mapping> DigestSet::Mapping::make(std::size_t size)
{
    Mapping m;
    if (size == 0) return m;
    // Over-allocate by one huge page and trim, so the table starts on a 2 MiB
    // boundary (older kernels do not align large anonymous mappings themselves).
    const std::size_t length = round_up(size, huge_page);
    void* raw = ::mmap(nullptr, length + huge_page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return fail_errno(errno, "trust db: map {} bytes for the digest set", length);
    auto* start = static_cast<std::uint8_t*>(raw);
    auto* aligned = reinterpret_cast<std::uint8_t*>(round_up(reinterpret_cast<std::uintptr_t>(start), huge_page));
    if (aligned > start) ::munmap(start, static_cast<std::size_t>(aligned - start));
    const std::size_t tail = static_cast<std::size_t>(start + length + huge_page - (aligned + length));
    if (tail > 0) ::munmap(aligned + length, tail);
    m.data_ = aligned;
    m.size_ = length;
    // Advice only: without transparent huge pages the set works the same, with more TLB misses.
    (void)::madvise(aligned, length, MADV_HUGEPAGE);
    return m;
}

DigestSet::Mapping::Mapping(Mapping&& o) noexcept
    : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0))
{
}

DigestSet::Mapping& DigestSet::Mapping::operator=(Mapping&& o) noexcept
{
    if (this != &o) {
        if (data_) ::munmap(data_, size_);
        data_ = std::exchange(o.data_, nullptr);
        size_ = std::exchange(o.size_, 0);
    }
    return *this;
}

DigestSet::Mapping::~Mapping()
{
    if (data_) ::munmap(data_, size_);
}

Status DigestSet::Mapping::make_read_only() const
{
    if (data_ && ::mprotect(data_, size_, PROT_READ) != 0) return fail_errno(errno, "trust db: protect the digest set");
    return {};
}

DigestSet::DigestSet(DigestSet&& o) noexcept
    : tables_(std::exchange(o.tables_, {})), seed_(o.seed_), size_(std::exchange(o.size_, 0)), mapping_(std::move(o.mapping_))
{
}

DigestSet& DigestSet::operator=(DigestSet&& o) noexcept
{
    if (this != &o) {
        tables_ = std::exchange(o.tables_, {});
        seed_ = o.seed_;
        size_ = std::exchange(o.size_, 0);
        mapping_ = std::move(o.mapping_);
    }
    return *this;
}

std::size_t DigestSet::slot_of(ByteView digest, std::size_t slots) const noexcept
{
    std::uint64_t first = 0;
    std::memcpy(&first, digest.data(), sizeof first);   // every supported digest has at least 16 bytes
    // Multiply-shift maps the 64-bit hash onto [0, slots) without a division.
    return static_cast<std::size_t>((static_cast<unsigned __int128>(mix(first ^ seed_)) * slots) >> 64);
}

Result<DigestSet> DigestSet::build(std::span<const ByteView> keys)
{
    DigestSet set;
    // Pass 1: validate every key and count per algorithm.
    std::array<std::size_t, max_algo> counts{};
    for (ByteView key : keys) {
        const std::uint32_t algo = key.empty() ? 0 : key[0];
        const std::size_t width = algo < max_algo ? digest_size(algo) : 0;
        if (width == 0 || key.size() != 1 + width)
            return fail(Errc::internal, "trust db: corrupt digest index key of {} bytes", key.size());
        ++counts[algo];
    }
    // Layout: each algorithm's table at a 64-byte boundary, at most half full so
    // that a probe ends at an empty slot after about one more.
    std::array<std::size_t, max_algo> offsets{};
    std::size_t total = 0;
    for (std::uint32_t algo = 0; algo < max_algo; ++algo) {
        if (counts[algo] == 0) continue;
        Table& t = set.tables_[algo];
        t.width = digest_size(algo);
        t.slots = 2 * counts[algo] + 1;
        offsets[algo] = total;
        total = round_up(total + t.slots * t.width, 64);
    }
    auto mapping = UMD_TRY(Mapping::make(total));
    set.mapping_ = std::move(mapping);
    if (::getrandom(&set.seed_, sizeof set.seed_, 0) != sizeof set.seed_)
        return fail_errno(errno, "trust db: random seed for the digest set");
    for (std::uint32_t algo = 0; algo < max_algo; ++algo)
        if (counts[algo]) set.tables_[algo].base = set.mapping_.data() + offsets[algo];

    // Pass 2: insert (the mapping is zero-filled: every slot starts empty).
    for (ByteView key : keys) {
        Table& t = set.tables_[key[0]];
        ByteView digest = key.subspan(1);
        if (is_zero(digest.data(), t.width)) {
            set.size_ += !t.has_zero_digest;
            t.has_zero_digest = true;
            continue;
        }
        auto* base = set.mapping_.data() + offsets[key[0]];
        for (std::size_t i = set.slot_of(digest, t.slots);; i = i + 1 == t.slots ? 0 : i + 1) {
            std::uint8_t* slot = base + i * t.width;
            if (std::memcmp(slot, digest.data(), t.width) == 0) break;   // a duplicate key: already in
            if (is_zero(slot, t.width)) {
                std::memcpy(slot, digest.data(), t.width);
                ++set.size_;
                break;
            }
        }
    }
    UMD_TRY(set.mapping_.make_read_only());
    return set;
}

bool DigestSet::contains(std::uint32_t algo, ByteView digest) const noexcept
{
    if (algo >= max_algo) return false;
    const Table& t = tables_[algo];
    if (t.slots == 0 || digest.size() != t.width) return false;
    if (is_zero(digest.data(), t.width)) return t.has_zero_digest;
    // At most half the slots are used, so the probe meets an empty slot.
    for (std::size_t i = slot_of(digest, t.slots);; i = i + 1 == t.slots ? 0 : i + 1) {
        const std::uint8_t* slot = t.base + i * t.width;
        if (std::memcmp(slot, digest.data(), t.width) == 0) return true;
        if (is_zero(slot, t.width)) return false;
    }
}

}  // namespace umd::rpm

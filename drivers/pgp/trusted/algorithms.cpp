// drivers/pgp/trusted/algorithms.cpp — allowlists of public-key, hash and curve algorithms.
//
// Trusted side. Tables only; no parsing.
#include "drivers/pgp/trusted/algorithms.h"

#include <algorithm>
#include <array>
#include <mutex>
#include <string>

namespace umd::pgp {

bool is_verifiable_algorithm(std::uint8_t algorithm) noexcept
{
    return key_field_count(algorithm) != 0;
}

std::size_t key_field_count(std::uint8_t algorithm) noexcept
{
    switch (algorithm) {
    case pk::rsa: case pk::rsa_sign_only: return 2;
    case pk::dsa: return 4;
    case pk::ecdsa: case pk::eddsa_legacy: return 2;
    case pk::ed25519: case pk::ed448: return 1;
    default: return 0;
    }
}

std::size_t signature_field_count(std::uint8_t algorithm) noexcept
{
    switch (algorithm) {
    case pk::rsa: case pk::rsa_sign_only: return 1;
    case pk::dsa: case pk::ecdsa: case pk::eddsa_legacy: return 2;
    case pk::ed25519: case pk::ed448: return 1;
    default: return 0;
    }
}

const HashAlgorithm* hash_algorithm(std::uint8_t id) noexcept
{
    static constexpr std::array<HashAlgorithm, 9> table{{
        {hash::md5, "MD5", 16, 0},
        {hash::sha1, "SHA1", 20, 0},
        {hash::ripemd160, "RIPEMD160", 20, 0},
        {hash::sha256, "SHA256", 32, 16},
        {hash::sha384, "SHA384", 48, 24},
        {hash::sha512, "SHA512", 64, 32},
        {hash::sha224, "SHA224", 28, 16},
        {hash::sha3_256, "SHA3-256", 32, 16},
        {hash::sha3_512, "SHA3-512", 64, 32},
    }};
    for (const auto& h : table)
        if (h.id == id) return &h;
    return nullptr;
}

const EVP_MD* fetched_digest(const HashAlgorithm& hash) noexcept
{
    // Each algorithm is fetched on its first use, not all nine at once: a first
    // fetch is a provider query, and a one-shot verification needs only one or
    // two of them (SHA-1 for v4 fingerprints, the signatures' hash).
    struct Slot {
        std::once_flag once;
        EVP_MD* md = nullptr;   // kept until exit
    };
    static std::array<Slot, 16> slots;
    if (hash.id >= slots.size()) return nullptr;
    Slot& slot = slots[hash.id];
    std::call_once(slot.once, [&] { slot.md = libcrypto::crypto().EVP_MD_fetch(nullptr, std::string(hash.name).c_str(), nullptr); });
    return slot.md;
}

namespace {
constexpr std::uint8_t oid_p256[] = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
constexpr std::uint8_t oid_p384[] = {0x2B, 0x81, 0x04, 0x00, 0x22};
constexpr std::uint8_t oid_p521[] = {0x2B, 0x81, 0x04, 0x00, 0x23};
constexpr std::uint8_t oid_bp256[] = {0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x07};
constexpr std::uint8_t oid_bp384[] = {0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x0B};
constexpr std::uint8_t oid_bp512[] = {0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x0D};
constexpr std::uint8_t oid_ed25519_legacy[] = {0x2B, 0x06, 0x01, 0x04, 0x01, 0xDA, 0x47, 0x0F, 0x01};

bool same(ByteView a, ByteView b) { return std::ranges::equal(a, b); }
}  // namespace

const Curve* ecdsa_curve(ByteView oid) noexcept
{
    static const std::array<Curve, 6> curves{{
        {oid_p256, "prime256v1", 256},
        {oid_p384, "secp384r1", 384},
        {oid_p521, "secp521r1", 521},
        {oid_bp256, "brainpoolP256r1", 256},
        {oid_bp384, "brainpoolP384r1", 384},
        {oid_bp512, "brainpoolP512r1", 512},
    }};
    for (const auto& c : curves)
        if (same(c.oid, oid)) return &c;
    return nullptr;
}

bool is_ed25519_legacy_oid(ByteView oid) noexcept
{
    return same(oid, oid_ed25519_legacy);
}

}  // namespace umd::pgp

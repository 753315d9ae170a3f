// Fuzzes the whole trusted pipeline on hostile replies: decode(), the keyring
// (fingerprints, OpenSSL keys, self-signature checks) and verification.
//
// Input: u32 little-endian length L, then a keyring reply of L bytes, then a
// signature or message reply. Real replies (encode() of gpg/sq output) make
// good seeds, so the fuzzer mutates records that verify. When the keyring
// reply is empty or fails to decode, nothing can be valid: that is asserted.
// The whole input doubles as the Manager's copy of the message bytes.
// Trusted side.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "drivers/pgp/protocol.h"
#include "drivers/pgp/trusted/verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace umd::pgp;
    if (size < 4) return 0;
    std::uint32_t split = 0;
    std::memcpy(&split, data, 4);   // little-endian hosts only, as the fuzz builds are
    umd::ByteView rest(data + 4, size - 4);
    if (split > rest.size()) split = static_cast<std::uint32_t>(rest.size());
    Policy policy;
    policy.now = 1'700'000'000;
    std::vector<Parsed> certs;
    if (auto keyring = decode(rest.first(split)); keyring && keyring->kind == InputKind::certificates)
        certs.push_back(std::move(*keyring));
    bool empty_keyring = certs.empty();
    auto ring = Keyring::from(certs, policy);
    if (!ring) return 0;
    (void)ring->certificates();   // verifies every self-signature
    // A cleartext reply names its text lines in the input the Manager sent; here
    // the whole fuzz input stands for it, so mutated line ranges reach the hashing.
    auto parsed = decode(rest.subspan(split), umd::Bytes(data, data + size));
    if (!parsed) return 0;
    static const std::uint8_t fixed[] = "fuzzed data\n";
    umd::Result<Verdict> verdict = std::unexpected(umd::Error{umd::Errc::bad_input, ""});
    if (parsed->kind == InputKind::detached_signature)
        verdict = verify_detached(*ring, *parsed, umd::ByteView(fixed, sizeof fixed - 1), policy);
    else if (parsed->kind != InputKind::certificates)
        verdict = verify_message(*ring, *parsed, policy, nullptr);
    if (empty_keyring && verdict && verdict->valid()) std::abort();
    return 0;
}

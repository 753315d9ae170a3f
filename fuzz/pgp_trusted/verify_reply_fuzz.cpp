// Fuzzes the whole trusted pipeline on a hostile reply: decode(), then the
// keyring (fingerprints, OpenSSL keys, self-signature checks) and verification
// of any signatures in the same reply over fixed data. A forged reply may be
// refused in any way but must never be judged valid. Trusted side.
#include <cstdint>
#include <cstdlib>

#include "drivers/pgp/protocol.h"
#include "drivers/pgp/trusted/verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace umd::pgp;
    auto parsed = decode(umd::ByteView(data, size));
    if (!parsed) return 0;
    Policy policy;
    policy.now = 1'700'000'000;
    std::vector<Parsed> certs;
    if (parsed->kind == InputKind::certificates) certs.push_back(*parsed);
    auto ring = Keyring::from(certs, policy);
    if (!ring) return 0;
    static const std::uint8_t fixed[] = "fuzzed data\n";
    umd::Result<Verdict> verdict = std::unexpected(umd::Error{umd::Errc::bad_input, ""});
    if (parsed->kind == InputKind::detached_signature) verdict = verify_detached(*ring, *parsed, umd::ByteView(fixed, sizeof fixed - 1), policy);
    else if (parsed->kind != InputKind::certificates) verdict = verify_message(*ring, *parsed, policy, nullptr);
    // With an empty keyring nothing can be valid.
    if (verdict && verdict->valid()) std::abort();
    return 0;
}

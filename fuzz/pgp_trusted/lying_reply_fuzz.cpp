// fuzz/pgp_trusted/lying_reply_fuzz.cpp — a differential oracle: no lying reply about a real input may do better
// than the honest one. Trusted side (the handler's parser is compiled in only to make the honest replies).
//
// Input: u8 fixture, u8 which (even: the message reply is the fuzzed one, odd: the
// keyring reply), then that reply. The other reply is the honest handler's. Each
// fixture is a real keyring file and a real message (RFC 9580 Appendix A: a valid
// one and two tampered ones). The Manager's checks run as in production: the
// keyring's keys are found in the keyring file's bytes, the message's text lines
// are framed in the message's bytes. The oracle: a fuzzed reply may yield a valid
// verdict only where the honest reply does, with no other signer and byte for byte
// the same verified text. Anything else is a false accept: abort.
//
// With UMD_FUZZ_WRITE_SEEDS=<dir>, LLVMFuzzerInitialize writes the honest replies
// there as seeds (two per fixture) and the run goes on.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "drivers/pgp/handler/parse.h"
#include "drivers/pgp/protocol.h"
#include "drivers/pgp/trusted/anchor_check.h"
#include "drivers/pgp/trusted/tests/rfc9580_vectors.h"
#include "drivers/pgp/trusted/verifier.h"

namespace {

using namespace umd;
using namespace umd::pgp;

struct Fixture {
    std::string keyring, message;
    Bytes keyring_reply, message_reply;   // the honest handler's
    bool valid = false;                   // the honest verdict
    std::vector<std::string> signers;
    Bytes verified;
};

std::string replaced(std::string text, std::string_view what, std::string_view with)
{
    text.replace(text.find(what), what.size(), with);
    return text;
}

Bytes honest_reply(const std::string& input)
{
    auto parsed = parser::parse(as_bytes(input));
    if (!parsed) std::abort();
    return encode(*parsed);
}

/// What the Manager concludes from two replies about a fixture's files; nullopt when it refuses them.
struct Outcome {
    bool valid = false;
    std::vector<std::string> signers;
    Bytes verified;
};
std::optional<Outcome> judge(const Fixture& f, ByteView keyring_reply, ByteView message_reply)
{
    auto certs = decode(keyring_reply);
    if (!certs || certs->kind != InputKind::certificates) return std::nullopt;
    auto stream = anchor_stream(as_bytes(f.keyring));
    if (!stream || !check_keys_in_anchor(*certs, *stream, "keyring")) return std::nullopt;
    std::vector<Parsed> anchors;
    anchors.push_back(std::move(*certs));
    auto ring = Keyring::from(std::move(anchors), {});
    if (!ring) return std::nullopt;
    ByteView input = as_bytes(f.message);
    auto message = decode(message_reply, Bytes(input.begin(), input.end()));
    if (!message) return std::nullopt;
    Outcome out;
    auto verdict = verify_message(*ring, *message, {}, &out.verified);
    if (!verdict) return std::nullopt;
    out.valid = verdict->valid();
    out.signers = verdict->good_signers;
    return out;
}

std::vector<Fixture> make_fixtures()
{
    const std::string cert = test::rfc9580_a3_certificate, message = test::rfc9580_a6_cleartext;
    std::vector<Fixture> fixtures{
        {cert, message, {}, {}, false, {}, {}},
        {cert, replaced(message, "tofu", "tofv"), {}, {}, false, {}, {}},
        {cert, replaced(message, "- - tofu\n", "an unsigned line\n- - tofu\n"), {}, {}, false, {}, {}},
    };
    for (Fixture& f : fixtures) {
        f.keyring_reply = honest_reply(f.keyring);
        f.message_reply = honest_reply(f.message);
        auto honest = judge(f, f.keyring_reply, f.message_reply);
        if (honest) f.valid = honest->valid, f.signers = honest->signers, f.verified = honest->verified;
    }
    if (!fixtures[0].valid || fixtures[1].valid || fixtures[2].valid) std::abort();   // the fixtures themselves
    return fixtures;
}

const std::vector<Fixture>& fixtures()
{
    static const std::vector<Fixture> all = make_fixtures();
    return all;
}

}  // namespace

namespace umd::pgp::test {
/// The honest replies as fuzz inputs (for the replay test and the seed writer).
std::vector<std::vector<std::uint8_t>> lying_reply_seeds()
{
    std::vector<std::vector<std::uint8_t>> seeds;
    for (std::size_t i = 0; i < fixtures().size(); ++i)
        for (std::uint8_t which : {0, 1}) {
            const Bytes& reply = which == 0 ? fixtures()[i].message_reply : fixtures()[i].keyring_reply;
            std::vector<std::uint8_t> seed{static_cast<std::uint8_t>(i), which};
            seed.insert(seed.end(), reply.begin(), reply.end());
            seeds.push_back(std::move(seed));
        }
    return seeds;
}
}  // namespace umd::pgp::test

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    const char* dir = std::getenv("UMD_FUZZ_WRITE_SEEDS");
    if (!dir) return 0;
    std::size_t n = 0;
    for (const auto& seed : umd::pgp::test::lying_reply_seeds()) {
        std::ofstream out(std::string(dir) + "/lying-" + std::to_string(n++), std::ios::binary);
        out.write(reinterpret_cast<const char*>(seed.data()), static_cast<std::streamsize>(seed.size()));
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 2) return 0;
    const Fixture& f = fixtures()[data[0] % fixtures().size()];
    const ByteView fuzzed(data + 2, size - 2);
    const bool keyring_fuzzed = data[1] & 1;
    auto outcome = judge(f, keyring_fuzzed ? fuzzed : ByteView(f.keyring_reply), keyring_fuzzed ? ByteView(f.message_reply) : fuzzed);
    if (!outcome || !outcome->valid) return 0;
    if (!f.valid) std::abort();                      // valid where the honest reply is not
    if (outcome->verified != f.verified) std::abort();   // another text passed off as the file's
    for (const std::string& signer : outcome->signers)
        if (std::find(f.signers.begin(), f.signers.end(), signer) == f.signers.end()) std::abort();   // another signer
    return 0;
}

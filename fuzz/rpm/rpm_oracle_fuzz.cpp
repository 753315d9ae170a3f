// fuzz/rpm/rpm_oracle_fuzz.cpp — differential oracle for the Manager's RPM verdict.
//
// Fixtures (built once, in memory): package files whose honest reply comes from
// the real handler parser (parse_package). The fuzzer's input picks a fixture
// and is an edit script applied to the encoded honest reply (a lying handler):
// each op flips, sets, erases or inserts bytes. The mutated reply goes through
// the one verify path (decode + verify_parsed on the same file). The signature
// check models a correct OpenPGP verifier: it accepts exactly the original main
// header with the original packet among those sent.
//
// Oracle: a mutated reply may yield a valid verdict only if the honest reply
// does too, and then for the same package (NEVRA, files, payload digest,
// signer, header digest). Anything else aborts: a lying handler caused a false
// accept. Fixtures: a signed package (honest: valid); the same with a payload
// byte changed, with junk appended, an unsigned package with the signed one
// appended, a signed package without a payload digest (honest: not valid).
// UMD_RPM_ORACLE_PACKAGE=FILE adds a real package file (its honest header and
// first packet are then what the model accepts).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <vector>

#include "drivers/rpm/handler/package_parser.h"
#include "drivers/rpm/protocol.h"
#include "drivers/rpm/tests/rpm_builder.h"
#include "drivers/rpm/trusted/header_digest.h"
#include "drivers/rpm/trusted/package_verifier.h"

namespace {

using namespace umd;
using namespace umd::rpm;

struct Fixture {
    Bytes file;
    Bytes honest_reply;              // encode(parse_package(file))
    Bytes signed_header;             // what the model signature check accepts
    Bytes packet;
    std::optional<VerifiedPackage> honest;   // the honest verdict, when valid
};

SignatureCheck model_check(const Fixture& f)
{
    return [&f](ByteView data, std::span<const SignaturePacket> sigs) -> Result<std::string> {
        bool has = false;
        for (const auto& s : sigs) has = has || s.packet == f.packet;
        if (!has || !std::equal(data.begin(), data.end(), f.signed_header.begin(), f.signed_header.end()))
            return fail(Errc::rejected, "BAD signature");
        return std::string("0123456789ABCDEF0123456789ABCDEF01234567");
    };
}

Fixture make(Bytes file, Bytes signed_header, Bytes packet)
{
    Fixture f{std::move(file), {}, std::move(signed_header), std::move(packet), std::nullopt};
    auto parsed = parse_package(f.file, f.file.size());
    if (!parsed || parsed->needed != 0) __builtin_trap();   // fixtures are packages the handler reads whole
    f.honest_reply = encode(*parsed);
    auto v = verify_parsed(*parsed, PackageSource::memory(f.file), model_check(f));
    if (v) f.honest.emplace(std::move(*v));
    return f;
}

std::vector<Fixture>& fixtures()
{
    static std::vector<Fixture> all = [] {
        using namespace umd::rpm::test;
        std::vector<Fixture> out;
        const Bytes packet(64, 0x5a);
        const Bytes main = build_header(typical_main_entries("oracle"), 63);
        const Bytes sig = build_header({bin(268, packet), str(273, sha256_hex(main))}, 62);
        const Bytes good = build_package(sig, main);
        out.push_back(make(good, main, packet));                                    // 0: valid
        Bytes flipped = good;
        flipped[flipped.size() - 3] ^= 1;
        out.push_back(make(flipped, main, packet));                                 // 1: payload byte
        Bytes junk = good;
        junk.push_back('\n');
        out.push_back(make(junk, main, packet));                                    // 2: junk appended
        const Bytes other_main = build_header(typical_main_entries("unsigned"), 63);
        Bytes appended = build_package(build_header({str(273, sha256_hex(other_main))}, 62), other_main);
        appended.insert(appended.end(), good.begin(), good.end());
        out.push_back(make(appended, main, packet));                                // 3: signed one appended
        auto no_payload_digest = typical_main_entries("oracle");
        no_payload_digest.resize(12);
        const Bytes bare = build_header(no_payload_digest, 63);
        out.push_back(make(build_package(build_header({bin(268, packet)}, 62), bare), bare, packet));   // 4: no 5092
        if (const char* path = std::getenv("UMD_RPM_ORACLE_PACKAGE")) {
            std::ifstream in(path, std::ios::binary);
            Bytes real((std::istreambuf_iterator<char>(in)), {});
            auto p = parse_package(real, real.size());
            if (p && p->needed == 0 && !p->signatures.empty()) out.push_back(make(real, p->header, p->signatures.front().packet));
        }
        if (!out[0].honest) __builtin_trap();   // the model must accept the good fixture
        for (std::size_t i = 1; i < 5; ++i)
            if (out[i].honest) __builtin_trap();   // and refuse the others
        return out;
    }();
    return all;
}

bool same(const VerifiedPackage& a, const VerifiedPackage& b)
{
    const PackageInfo &x = a.info(), &y = b.info();
    if (x.nevra() != y.nevra() || x.digest_algo != y.digest_algo || x.payload_digest != y.payload_digest ||
        x.files.size() != y.files.size() || a.signer() != b.signer() || a.header_sha256() != b.header_sha256())
        return false;
    for (std::size_t i = 0; i < x.files.size(); ++i)
        if (x.files[i].path != y.files[i].path || x.files[i].digest != y.files[i].digest || x.files[i].mode != y.files[i].mode ||
            x.files[i].flags != y.files[i].flags)
            return false;
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 1) return 0;
    const auto& all = fixtures();
    const Fixture& f = all[data[0] % all.size()];
    Bytes reply = f.honest_reply;
    // Ops of 4 bytes: kind, position (u16 LE, scaled to the reply), value.
    for (std::size_t i = 1; i + 4 <= size && reply.size() < (1u << 22); i += 4) {
        const std::uint8_t kind = data[i] & 3;
        const std::size_t n = reply.size();
        const std::size_t at = n ? (std::size_t{data[i + 1]} | std::size_t{data[i + 2]} << 8) * n / 65536 : 0;
        const std::uint8_t v = data[i + 3];
        switch (kind) {
        case 0: if (n) reply[at] ^= v; break;
        case 1: if (n) reply[at] = v; break;
        case 2: reply.erase(reply.begin() + static_cast<long>(at), reply.begin() + static_cast<long>(std::min(n, at + 1 + v % 32))); break;
        case 3: reply.insert(reply.begin() + static_cast<long>(at), std::size_t{1} + (data[i] >> 2) % 8, v); break;
        }
    }
    auto parsed = decode(reply);
    if (!parsed) return 0;
    const auto file = PackageSource::memory(f.file);
    auto verdict = verify_parsed(*parsed, file, model_check(f));
    if (verdict && (!f.honest || !same(*verdict, *f.honest))) __builtin_trap();   // a lie was accepted
    (void)inspect_parsed(*parsed, file);
    return 0;
}

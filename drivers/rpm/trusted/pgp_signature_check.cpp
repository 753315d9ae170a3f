// drivers/rpm/trusted/pgp_signature_check.cpp — header signatures verified by the OpenPGP driver.
// Trusted side (Manager). See pgp_signature_check.h.
#include "drivers/rpm/trusted/pgp_signature_check.h"

#include <algorithm>
#include <filesystem>

#include "drivers/pgp/protocol.h"
#include "drivers/pgp/trusted/client.h"
#include "drivers/pgp/trusted/verifier.h"

namespace umd::rpm {
namespace {

Result<pgp::Parsed> pgp_parse(Driver& driver, ByteView input)
{
    auto reply = UMD_TRY(driver.send_recv(static_cast<std::uint8_t>(pgp::Request::parse), input));
    return pgp::decode(reply.payload);
}

}  // namespace

Result<std::vector<std::string>> keyrings_to_use(const std::vector<std::string>& given, const std::string& dir)
{
    if (!given.empty()) return given;
    auto listed = UMD_TRY(keyring_files(dir));
    if (listed.empty()) return fail(Errc::not_found, "no keys in {}", dir);
    return listed;
}

Result<std::vector<std::string>> keyring_files(const std::string& dir)
{
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) return fail(Errc::not_found, "keyring directory {} does not exist", dir);
    std::vector<std::string> out;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        const bool key_name = (name.ends_with(".gpg") || name.ends_with(".asc")) && name.size() > 4 && name.front() != '.';
        std::error_code type_ec;
        if (key_name && entry.is_regular_file(type_ec)) out.push_back(entry.path().string());
    }
    if (ec) return fail(Errc::io, "{}: {}", dir, ec.message());
    std::sort(out.begin(), out.end());
    return out;
}


SignatureCheck pgp_signature_check(Driver& pgp_driver, const pgp::Keyring& keyring, pgp::Policy policy)
{
    return [&pgp_driver, &keyring, policy](ByteView signed_data, std::span<const SignaturePacket> signatures) -> Result<std::string> {
        // The packets go to the OpenPGP handler as one binary input.
        Bytes packets;
        for (const auto& s : signatures) packets.insert(packets.end(), s.packet.begin(), s.packet.end());
        auto parsed = pgp_parse(pgp_driver, packets);
        if (!parsed) {
            Error e = parsed.error();
            if (e.code == Errc::bad_input) e.code = Errc::rejected;   // an unparsable signature is a bad signature
            return std::unexpected(with_context(std::move(e), "signature packets"));
        }
        if (parsed->kind != pgp::InputKind::detached_signature || parsed->signatures.empty())
            return fail(Errc::rejected, "the signature header holds no OpenPGP signature");
        auto verdict = UMD_TRY(pgp::verify_detached(keyring, *parsed, signed_data, policy));
        UMD_TRY(verdict.status());
        return verdict.good_signers.front();
    };
}

}  // namespace umd::rpm

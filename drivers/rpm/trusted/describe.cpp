// drivers/rpm/trusted/describe.cpp — JSON documents of packages and the trust database (trusted side).
#include "drivers/rpm/trusted/describe.h"

#include <umd/text.h>

#include "drivers/rpm/trusted/header_digest.h"

namespace umd::rpm {

nlohmann::json describe_package(const Parsed& parsed, const PackageInfo& info)
{
    nlohmann::json signatures = nlohmann::json::array();
    for (const auto& s : parsed.signatures) signatures.push_back({{"tag", s.tag}, {"bytes", s.packet.size()}});
    const std::string header_sha256 = sha256_hex(parsed.header);
    nlohmann::json header{{"bytes", parsed.header.size()}, {"offset", parsed.header_offset}, {"sha256", header_sha256}};
    // Tag 273 is the header's own claim of its SHA-256: say whether it holds.
    if (parsed.sha256) header["tag_273"] = *parsed.sha256 == header_sha256 ? "matches" : "differs";
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : info.files) files.push_back({{"mode", f.mode}, {"path", utf8_text(f.path)}, {"digest", f.digest}});
    const char* algo = digest_algo_name(info.digest_algo);
    return {{"package", utf8_text(info.nevra())},
            {"signature", {{"verified", false}, {"header_signatures", signatures}}},
            {"header", header},
            {"digest_algorithm", algo ? nlohmann::json(algo) : nlohmann::json(nullptr)},
            {"files", files}};
}

nlohmann::json describe_trusted(const std::vector<TrustedPackage>& packages)
{
    nlohmann::json out = nlohmann::json::array();
    for (const auto& p : packages)
        out.push_back({{"nevra", utf8_text(p.nevra)}, {"signer", utf8_text(p.signer)}, {"header_sha256", utf8_text(p.header_sha256)},
                       {"added", p.added}, {"digest_algorithm", p.digest_algo}, {"files", p.files}});
    return out;
}

}  // namespace umd::rpm

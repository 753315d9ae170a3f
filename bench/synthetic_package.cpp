// bench/synthetic_package.cpp — see synthetic_package.h (trusted side).
#include "synthetic_package.h"

#include "drivers/rpm/handler/package_parser.h"
#include "drivers/rpm/tests/rpm_builder.h"

namespace umd::bench {

Result<rpm::VerifiedPackage> synthetic_package(const std::string& name, const std::vector<std::string>& paths,
                                               const std::vector<std::string>& digests)
{
    using namespace rpm::test;
    if (paths.size() != digests.size() || paths.empty()) return fail(Errc::invalid_argument, "one digest per path, at least one");
    const std::size_t count = paths.size();
    std::vector<std::string> dirs, bases;
    std::vector<std::uint32_t> dir_index;
    for (const auto& path : paths) {
        const auto slash = path.rfind('/');
        if (slash == std::string::npos || path[0] != '/') return fail(Errc::invalid_argument, "{} is not absolute", path);
        const std::string dir = path.substr(0, slash + 1);
        auto at = std::find(dirs.begin(), dirs.end(), dir);
        if (at == dirs.end()) at = dirs.insert(dirs.end(), dir);
        dir_index.push_back(static_cast<std::uint32_t>(at - dirs.begin()));
        bases.push_back(path.substr(slash + 1));
    }
    std::vector<TestEntry> e = {
        str(1000, name), str(1001, "1"), str(1002, "1"), str(1022, "noarch"),
        i16(1030, std::vector<std::uint16_t>(count, 0100755)), str_array(1035, digests),
        i32(1037, std::vector<std::uint32_t>(count, 0)), i32(1116, dir_index), str_array(1117, bases), str_array(1118, dirs),
        i32(5011, {8}),   // SHA-256
    };
    for (auto& x : payload_digest_entries()) e.push_back(std::move(x));
    Bytes file = build_package(build_header({bin(268, Bytes(8, 1))}, 62), build_header(e, 63));
    auto parsed = UMD_TRY(rpm::parse_package(file, file.size()));
    // No keys here: the signature step accepts everything; every other check runs.
    return rpm::verify_parsed(parsed, rpm::PackageSource::memory(file), [](ByteView, std::span<const rpm::SignaturePacket>) -> Result<std::string> {
        return std::string("BENCH");
    });
}

}  // namespace umd::bench

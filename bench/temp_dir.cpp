// bench/temp_dir.cpp — mkdtemp and recursive removal for bench-time fixtures (trusted side).
#include "temp_dir.h"

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <vector>

namespace umd::bench {

Result<TempDir> TempDir::make(const std::string& prefix)
{
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/" + prefix + "XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    if (!::mkdtemp(buf.data())) return fail_errno(errno, "mkdtemp {}", pattern);
    return TempDir(std::string(buf.data()));
}

TempDir::~TempDir()
{
    if (path_.empty()) return;
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

}  // namespace umd::bench

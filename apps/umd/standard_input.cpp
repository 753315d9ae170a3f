// apps/umd/standard_input.cpp — `-` on the command line: standard input (trusted side).
#include "standard_input.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <umd/wire.h>

namespace umd::cli {

Result<UniqueFd> copy_standard_input(std::uint64_t limit)
{
    UniqueFd copy(::memfd_create("umd-standard-input", MFD_CLOEXEC));
    if (!copy) return fail_errno(errno, "memfd_create");
    Bytes buffer(64 * 1024);
    std::uint64_t total = 0;
    for (;;) {
        ssize_t n = ::read(STDIN_FILENO, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(Errc::io, "standard input: {}", std::strerror(errno));
        if (n == 0) break;
        total += static_cast<std::uint64_t>(n);
        if (total > limit) return fail(Errc::bad_input, "standard input: more than {} bytes", limit);
        for (ssize_t done = 0; done < n;) {
            ssize_t w = ::write(copy.get(), buffer.data() + done, static_cast<std::size_t>(n - done));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) return fail_errno(errno, "memfd write");
            done += w;
        }
    }
    return copy;
}

Status StandardInput::at_most_once(std::initializer_list<const std::vector<std::string>*> lists)
{
    std::size_t dashes = 0;
    for (const auto* list : lists) dashes += static_cast<std::size_t>(std::count(list->begin(), list->end(), "-"));
    if (dashes > 1) return fail(Errc::invalid_argument, "standard input ('-') can stand for one file only, not {}", dashes);
    return {};
}

Result<std::string> StandardInput::path_for(const std::string& arg, std::uint64_t limit)
{
    if (arg != "-") return arg;
    if (!copy_) copy_ = UMD_TRY(copy_standard_input(limit));
    return "/proc/self/fd/" + std::to_string(copy_.get());
}

Status StandardInput::resolve(std::vector<std::string>& keyrings, const std::vector<std::string>& packages,
                              std::vector<std::string>& sources)
{
    UMD_TRY(at_most_once({&keyrings, &packages}));
    for (auto& keyring : keyrings) keyring = UMD_TRY(path_for(keyring));
    sources.clear();
    for (const auto& package : packages) sources.push_back(UMD_TRY(path_for(package)));
    return {};
}

}  // namespace umd::cli

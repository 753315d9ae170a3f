// drivers/bpfilter/tests/kernel_replace.cpp — see kernel_replace.h.
#include "drivers/bpfilter/tests/kernel_replace.h"

#include <netinet/in.h>   // before the kernel's headers: glibc's definitions win
#include <linux/netfilter_ipv4/ip_tables.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <vector>

namespace umd::bpfilter::test {
namespace {

constexpr int cannot_ask = 255;

/// In the child: a new network namespace, the filter table's current size, the replace.
[[noreturn]] void replace_in_new_namespace(std::span<const std::uint8_t> blob, bool keep_num_counters)
{
    if (::unshare(CLONE_NEWNET) != 0) ::_exit(cannot_ask);
    const int fd = ::socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
    if (fd < 0) ::_exit(cannot_ask);
    ipt_getinfo info{};
    std::strcpy(info.name, "filter");
    socklen_t len = sizeof info;
    if (::getsockopt(fd, SOL_IP, IPT_SO_GET_INFO, &info, &len) != 0) ::_exit(cannot_ask);
    std::vector<std::uint8_t> request(blob.begin(), blob.end());
    std::vector<xt_counters> counters(info.num_entries + 1);
    if (!keep_num_counters && request.size() >= sizeof(ipt_replace)) {
        const std::uint32_t n = info.num_entries;
        std::memcpy(request.data() + offsetof(ipt_replace, num_counters), &n, sizeof n);
    }
    if (request.size() >= sizeof(ipt_replace)) {
        xt_counters* where = counters.data();
        std::memcpy(request.data() + offsetof(ipt_replace, counters), &where, sizeof where);
    }
    const int r = ::setsockopt(fd, SOL_IP, IPT_SO_SET_REPLACE, request.data(), static_cast<socklen_t>(request.size()));
    ::_exit(r == 0 ? 0 : (errno > 0 && errno < cannot_ask ? errno : cannot_ask - 1));
}

}  // namespace

std::optional<int> kernel_replace(std::span<const std::uint8_t> blob, bool keep_num_counters)
{
    if (::geteuid() != 0) return std::nullopt;
    const pid_t child = ::fork();
    if (child < 0) return std::nullopt;
    if (child == 0) replace_in_new_namespace(blob, keep_num_counters);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) == cannot_ask) return std::nullopt;
    return WEXITSTATUS(status);
}

}  // namespace umd::bpfilter::test

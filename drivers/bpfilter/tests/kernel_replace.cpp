// drivers/bpfilter/tests/kernel_replace.cpp — see kernel_replace.h.
#include "drivers/bpfilter/tests/kernel_replace.h"

#include <fcntl.h>
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

/// In the child: a raw socket in a network namespace of its own (or the child ends).
int socket_in_new_namespace()
{
    if (::unshare(CLONE_NEWNET) != 0) ::_exit(cannot_ask);
    const int fd = ::socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
    if (fd < 0) ::_exit(cannot_ask);
    return fd;
}

/// In the child: the filter table's IPT_SO_GET_INFO (or the child ends).
ipt_getinfo filter_info(int fd)
{
    ipt_getinfo info{};
    std::strcpy(info.name, "filter");
    socklen_t len = sizeof info;
    if (::getsockopt(fd, SOL_IP, IPT_SO_GET_INFO, &info, &len) != 0) ::_exit(cannot_ask);
    return info;
}

/// In the child: a new network namespace, the filter table's current size, the replace.
[[noreturn]] void replace_in_new_namespace(std::span<const std::uint8_t> blob, bool keep_num_counters)
{
    const int fd = socket_in_new_namespace();
    ipt_getinfo info = filter_info(fd);
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

/// All `size` bytes through `io` (::read or ::write on a pipe), retrying short transfers.
template <typename Io, typename Byte>
bool transfer_all(Io io, int fd, Byte* data, std::size_t size)
{
    while (size > 0) {
        const ssize_t n = io(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

bool write_all(int fd, const void* data, std::size_t size) { return transfer_all(::write, fd, static_cast<const std::uint8_t*>(data), size); }
bool read_all(int fd, void* data, std::size_t size) { return transfer_all(::read, fd, static_cast<std::uint8_t*>(data), size); }

/// In the child: replace, add counters, read the table back; results to `out`.
[[noreturn]] void table_in_new_namespace(std::span<const std::uint8_t> blob, std::span<const xt_counters> add, int out)
{
    const int fd = socket_in_new_namespace();
    ipt_getinfo info = filter_info(fd);
    int replace_error = 0, add_error = 0;
    if (!blob.empty()) {
        std::vector<std::uint8_t> request(blob.begin(), blob.end());
        std::vector<xt_counters> counters(info.num_entries + 1);
        const std::uint32_t n = info.num_entries;
        std::memcpy(request.data() + offsetof(ipt_replace, num_counters), &n, sizeof n);
        xt_counters* where = counters.data();
        std::memcpy(request.data() + offsetof(ipt_replace, counters), &where, sizeof where);
        if (::setsockopt(fd, SOL_IP, IPT_SO_SET_REPLACE, request.data(), static_cast<socklen_t>(request.size())) != 0) replace_error = errno;
    }
    if (!add.empty()) {
        std::vector<std::uint8_t> request(sizeof(xt_counters_info) + add.size_bytes(), 0);
        xt_counters_info head{};
        std::strcpy(head.name, "filter");
        head.num_counters = static_cast<unsigned>(add.size());
        std::memcpy(request.data(), &head, sizeof head);
        std::memcpy(request.data() + sizeof head, add.data(), add.size_bytes());
        if (::setsockopt(fd, SOL_IP, IPT_SO_SET_ADD_COUNTERS, request.data(), static_cast<socklen_t>(request.size())) != 0) add_error = errno;
    }
    info = filter_info(fd);
    std::vector<std::uint8_t> get(sizeof(ipt_get_entries) + info.size, 0);
    ipt_get_entries head{};
    std::strcpy(head.name, "filter");
    head.size = info.size;
    std::memcpy(get.data(), &head, sizeof head);
    socklen_t len = static_cast<socklen_t>(get.size());
    if (::getsockopt(fd, SOL_IP, IPT_SO_GET_ENTRIES, get.data(), &len) != 0) ::_exit(cannot_ask);
    const std::uint32_t size = info.size;
    if (!write_all(out, &replace_error, sizeof replace_error) || !write_all(out, &add_error, sizeof add_error) ||
        !write_all(out, &info, sizeof info) || !write_all(out, &size, sizeof size) || !write_all(out, get.data() + sizeof head, size))
        ::_exit(cannot_ask);
    ::_exit(0);
}


}  // namespace

std::optional<KernelTable> kernel_table_after(std::span<const std::uint8_t> blob, std::span<const xt_counters> add)
{
    if (::geteuid() != 0) return std::nullopt;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return std::nullopt;
    const pid_t child = ::fork();
    if (child < 0) return std::nullopt;
    if (child == 0) {
        ::close(fds[0]);
        table_in_new_namespace(blob, add, fds[1]);
    }
    ::close(fds[1]);
    KernelTable t;
    std::uint32_t size = 0;
    bool ok = read_all(fds[0], &t.replace_error, sizeof t.replace_error) && read_all(fds[0], &t.add_error, sizeof t.add_error) &&
              read_all(fds[0], &t.info, sizeof t.info) && read_all(fds[0], &size, sizeof size) && size < (64u << 20);
    if (ok) {
        t.entries.resize(size);
        ok = read_all(fds[0], t.entries.data(), size);
    }
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (!ok || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
    return t;
}

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

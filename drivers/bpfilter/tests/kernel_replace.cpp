// drivers/bpfilter/tests/kernel_replace.cpp — see kernel_replace.h.
#include "drivers/bpfilter/tests/kernel_replace.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>
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


/// In the child: GET_ENTRIES of the filter table of `size` bytes (or the child ends).
std::vector<std::uint8_t> filter_entries(int fd, std::uint32_t size)
{
    std::vector<std::uint8_t> get(sizeof(ipt_get_entries) + size, 0);
    ipt_get_entries head{};
    std::strcpy(head.name, "filter");
    head.size = size;
    std::memcpy(get.data(), &head, sizeof head);
    socklen_t len = static_cast<socklen_t>(get.size());
    if (::getsockopt(fd, SOL_IP, IPT_SO_GET_ENTRIES, get.data(), &len) != 0) ::_exit(cannot_ask);
    return {get.begin() + sizeof head, get.end()};
}

/// In the child: the filter table as a replace request, from what the kernel reads back.
std::vector<std::uint8_t> table_as_replace(int fd)
{
    const ipt_getinfo info = filter_info(fd);
    std::vector<std::uint8_t> entries = filter_entries(fd, info.size);
    for (std::size_t at = 0; at + sizeof(ipt_entry) <= entries.size();) {
        ipt_entry e;
        std::memcpy(&e, entries.data() + at, sizeof e);
        e.counters = {};
        e.comefrom = 0;
        std::memcpy(entries.data() + at, &e, sizeof e);
        if (e.next_offset == 0) ::_exit(cannot_ask);
        at += e.next_offset;
    }
    ipt_replace head{};
    std::strcpy(head.name, "filter");
    head.valid_hooks = info.valid_hooks;
    head.num_entries = info.num_entries;
    head.size = info.size;
    std::memcpy(head.hook_entry, info.hook_entry, sizeof head.hook_entry);
    std::memcpy(head.underflow, info.underflow, sizeof head.underflow);
    head.num_counters = info.num_entries;
    std::vector<std::uint8_t> request(sizeof head + entries.size());
    std::memcpy(request.data(), &head, sizeof head);
    if (!entries.empty()) std::memcpy(request.data() + sizeof head, entries.data(), entries.size());
    return request;
}

/// In the child: IPT_SO_SET_REPLACE of `request` as it is but for the counters pointer
/// (a buffer of the child's) where the request holds one; 0 or the errno.
int replace_as_is(int fd, const std::vector<std::uint8_t>& request)
{
    std::vector<std::uint8_t> r = request;
    std::vector<xt_counters> counters(filter_info(fd).num_entries + 1);
    if (r.size() >= offsetof(ipt_replace, counters) + sizeof(xt_counters*)) {
        xt_counters* where = counters.data();
        std::memcpy(r.data() + offsetof(ipt_replace, counters), &where, sizeof where);
    }
    return ::setsockopt(fd, SOL_IP, IPT_SO_SET_REPLACE, r.data(), static_cast<socklen_t>(r.size())) == 0 ? 0 : errno;
}

[[noreturn]] void iptables_in_new_namespace(const std::string& rules, const std::string& lockfile, const Variants& variants, int out)
{
    const int fd = socket_in_new_namespace();
    ::setenv("XTABLES_LOCKFILE", lockfile.c_str(), 1);
    const std::string restore = "iptables-legacy-restore < '" + rules + "' >/dev/null 2>&1";
    if (std::system(restore.c_str()) != 0) ::_exit(cannot_ask);
    const std::vector<std::uint8_t> table = table_as_replace(fd);
    const auto requests = variants(table);
    std::vector<int> errors;
    for (const auto& request : requests) {
        errors.push_back(replace_as_is(fd, request));
        if (errors.back() == 0 && replace_as_is(fd, table) != 0) ::_exit(cannot_ask);   // the table back as it was
    }
    const std::vector<std::uint8_t> after = filter_entries(fd, filter_info(fd).size);
    const auto put = [out](const void* data, std::size_t size) {
        const auto n = static_cast<std::uint32_t>(size);
        if (!write_all(out, &n, sizeof n) || !write_all(out, data, size)) ::_exit(cannot_ask);
    };
    put(table.data(), table.size());
    put(errors.data(), errors.size() * sizeof(int));
    put(after.data(), after.size());
    ::_exit(0);
}

/// A child running `child(write_end)` (which ends with _exit), and the parent's read end.
struct Writer {
    pid_t pid = -1;
    int from = -1;
};
template <typename Child>
std::optional<Writer> fork_writer(Child child)
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return std::nullopt;
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        return std::nullopt;
    }
    if (pid == 0) {
        ::close(fds[0]);
        child(fds[1]);
    }
    ::close(fds[1]);
    return Writer{pid, fds[0]};
}

/// The child's exit status once it ended (-1 when a signal ended it).
int reaped(pid_t pid)
{
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// Reads what the writer sent with `read`, then reaps it: true when both went well.
template <typename Read>
bool read_from(const Writer& w, Read read)
{
    const bool ok = read(w.from);
    ::close(w.from);
    return reaped(w.pid) == 0 && ok;
}

}  // namespace

std::optional<KernelTable> kernel_table_after(std::span<const std::uint8_t> blob, std::span<const xt_counters> add)
{
    if (::geteuid() != 0) return std::nullopt;
    auto writer = fork_writer([&](int out) { table_in_new_namespace(blob, add, out); });
    if (!writer) return std::nullopt;
    KernelTable t;
    const bool ok = read_from(*writer, [&](int in) {
        std::uint32_t size = 0;
        if (!read_all(in, &t.replace_error, sizeof t.replace_error) || !read_all(in, &t.add_error, sizeof t.add_error) ||
            !read_all(in, &t.info, sizeof t.info) || !read_all(in, &size, sizeof size) || size >= (64u << 20))
            return false;
        t.entries.resize(size);
        return read_all(in, t.entries.data(), size);
    });
    if (!ok) return std::nullopt;
    return t;
}

std::optional<int> kernel_replace(std::span<const std::uint8_t> blob, bool keep_num_counters)
{
    if (::geteuid() != 0) return std::nullopt;
    const pid_t child = ::fork();
    if (child < 0) return std::nullopt;
    if (child == 0) replace_in_new_namespace(blob, keep_num_counters);
    const int status = reaped(child);
    if (status < 0 || status == cannot_ask) return std::nullopt;
    return status;
}

int inet_socket_in_new_namespace()
{
    const int own = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (own < 0) return -1;
    int fd = -1;
    if (::unshare(CLONE_NEWNET) == 0) {
        fd = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
        if (::setns(own, CLONE_NEWNET) != 0) std::abort();   // the test cannot go on in the wrong namespace
    }
    ::close(own);
    return fd;
}

std::optional<IptablesAnswers> iptables_table_and_kernel_answers(const std::string& rules, const std::string& lockfile, const Variants& variants)
{
    if (::geteuid() != 0 || std::system("command -v iptables-legacy-restore >/dev/null 2>&1") != 0) return std::nullopt;
    auto writer = fork_writer([&](int out) { iptables_in_new_namespace(rules, lockfile, variants, out); });
    if (!writer) return std::nullopt;
    IptablesAnswers answers;
    const bool ok = read_from(*writer, [&](int in) {
        const auto get = [in](auto& v) {
            std::uint32_t size = 0;
            if (!read_all(in, &size, sizeof size) || size > (64u << 20) || size % sizeof v[0] != 0) return false;
            v.resize(size / sizeof v[0]);
            return read_all(in, v.data(), size);
        };
        return get(answers.table) && get(answers.errors) && get(answers.entries_after);
    });
    if (!ok) return std::nullopt;
    return answers;
}

}  // namespace umd::bpfilter::test

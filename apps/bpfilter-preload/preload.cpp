// apps/bpfilter-preload/preload.cpp — libumd-bpfilter-preload.so: routes an unmodified
// iptables-legacy's table socket options to umdd (LD_PRELOAD). Runs in the caller's
// process, on the caller's side of the boundary: it only carries bytes.
//
// setsockopt(IPT_SO_SET_REPLACE | IPT_SO_SET_ADD_COUNTERS) and getsockopt(IPT_SO_GET_INFO
// | IPT_SO_GET_ENTRIES | IPT_SO_GET_REVISION_MATCH | IPT_SO_GET_REVISION_TARGET) on an
// AF_INET socket at level SOL_IP go to umdd's `bpfilter` operation, with that socket (its
// network namespace chooses the tables) and the option value in a memfd; every other call
// goes to the C library untouched. A replacement's old counters, which the kernel writes
// through the `counters` pointer of the request, are written here, in the caller's own
// memory: umdd and the handler never see a pointer of the caller's.
//
// Without a reachable umdd the calls fail with ENOENT — what iptables reports for a
// missing kernel module — after one line on stderr saying why.
//
// The list of tables, which iptables-legacy-save reads from /proc/net/ip_tables_names,
// is umdd's: an open of that file reads "filter" (the one table umdd serves).
#include <netinet/in.h>   // before the kernel's headers: glibc's definitions win
#include <linux/netfilter_ipv4/ip_tables.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>

#include "apps/umd/daemon_client.h"
#include "apps/umdd/protocol/protocol.h"

namespace {

using umd::daemon::BpfilterOption;

using SetSockOpt = int (*)(int, int, int, const void*, socklen_t);
using GetSockOpt = int (*)(int, int, int, void*, socklen_t*);

template <typename Fn>
Fn next_symbol(const char* name)
{
    return reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name));
}

/// An iptables socket: AF_INET (the raw socket iptables opens).
bool is_inet(int fd)
{
    int domain = 0;
    socklen_t len = sizeof domain;
    return next_symbol<GetSockOpt>("getsockopt")(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 && domain == AF_INET;
}

std::string socket_path()
{
    const char* env = std::getenv("UMD_SOCKET");
    return env && *env ? env : umd::daemon::default_socket_path;
}

/// -1 with errno set, after one line on stderr (once per reason) when umdd is the problem.
int failed(int error, const std::string& why)
{
    static std::string said;
    if (!why.empty() && why != said) {
        std::fprintf(stderr, "umd-bpfilter: %s\n", why.c_str());
        said = why;
    }
    errno = error;
    return -1;
}

/// The errno a failure of umdd itself becomes for the caller.
int errno_of(const umd::Error& e)
{
    switch (e.code) {
    case umd::Errc::not_found: return ENOENT;          // no umdd: as a missing kernel module
    case umd::Errc::not_permitted: return EPERM;       // not root nor admin_group: as without CAP_NET_ADMIN
    default: return EIO;
    }
}

struct Answer {
    int result = 0;
    umd::Bytes out;
};

/// Exactly `into.size()` bytes from the start of the memfd.
umd::Status read_answer(int memfd, std::span<std::uint8_t> into)
{
    std::size_t got = 0;
    while (got < into.size()) {
        const ssize_t n = ::pread(memfd, into.data() + got, into.size() - got, static_cast<off_t>(got));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return umd::fail(umd::Errc::protocol, "umdd reply: {} bytes announced, fewer written", into.size());
        got += static_cast<std::size_t>(n);
    }
    return {};
}

/// One socket option through umdd: its result (0, a revision or -errno) and the bytes for
/// the caller — read straight into `into` (a get's buffer, at most its size) when given.
umd::Result<Answer> ask_umdd(int sock, BpfilterOption option, const void* value, std::size_t size, std::span<std::uint8_t> into = {})
{
    auto client = UMD_TRY(umd::cli::DaemonClient::connect(socket_path()));
    auto memfd = UMD_TRY(umd::cli::reply_file("umd-bpfilter"));
    std::size_t put = 0;
    while (put < size) {
        const ssize_t n = ::write(memfd.get(), static_cast<const std::uint8_t*>(value) + put, size - put);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return umd::fail_errno(errno, "writing the option value to a memfd");
        put += static_cast<std::size_t>(n);
    }
    const umd::daemon::BpfilterRequest request{option, static_cast<std::uint32_t>(size)};
    const int fds[] = {sock, memfd.get()};
    auto fields = UMD_TRY(client.call(umd::daemon::Operation::bpfilter, umd::daemon::encode_fields(request), fds));
    umd::ByteReader in(fields, "umdd bpfilter reply");
    auto reply = UMD_TRY(umd::daemon::decode_bpfilter_reply(in));
    Answer answer{reply.result, {}};
    if (reply.out_size > 0 && into.data()) {
        if (reply.out_size > into.size()) return umd::fail(umd::Errc::protocol, "umdd answered more than the caller's buffer holds");
        UMD_TRY(read_answer(memfd.get(), into.first(reply.out_size)));
    } else if (reply.out_size > 0) {
        answer.out = UMD_TRY(umd::cli::read_reply_file(memfd.get(), reply.out_size, reply.out_size));
    }
    if (reply.result < 0 && !reply.reason.empty()) failed(0, reply.reason);
    return answer;
}

int set_option(int sock, int optname, const void* value, socklen_t size)
{
    const auto option = optname == IPT_SO_SET_REPLACE ? BpfilterOption::set_replace : BpfilterOption::set_add_counters;
    auto answer = ask_umdd(sock, option, value, size);
    if (!answer) return failed(errno_of(answer.error()), answer.error().message);
    if (answer->result < 0) return failed(-answer->result, {});
    if (option == BpfilterOption::set_replace) {
        // The old counters, into the buffer the caller's request points at, as the kernel does.
        ipt_replace head{};
        std::memcpy(&head, value, sizeof head);
        const std::size_t room = std::size_t{head.num_counters} * sizeof(xt_counters);
        if (head.counters && !answer->out.empty()) std::memcpy(head.counters, answer->out.data(), std::min(room, answer->out.size()));
    }
    return 0;
}

int get_option(int sock, int optname, void* value, socklen_t* size)
{
    BpfilterOption option = BpfilterOption::get_info;
    switch (optname) {
    case IPT_SO_GET_INFO: option = BpfilterOption::get_info; break;
    case IPT_SO_GET_ENTRIES: option = BpfilterOption::get_entries; break;
    case IPT_SO_GET_REVISION_MATCH: option = BpfilterOption::get_revision_match; break;
    default: option = BpfilterOption::get_revision_target; break;
    }
    // The answer goes straight into the caller's buffer (at most its size), as the kernel
    // copies it out: no copy of a large table in between.
    auto answer = ask_umdd(sock, option, value, *size, std::span(static_cast<std::uint8_t*>(value), *size));
    if (!answer) return failed(errno_of(answer.error()), answer.error().message);
    if (answer->result < 0) return failed(-answer->result, {});
    return answer->result;   // a revision query returns the revision, as the kernel does
}

bool intercepted(int level, int optname, bool set)
{
    if (level != SOL_IP) return false;
    return set ? optname == IPT_SO_SET_REPLACE || optname == IPT_SO_SET_ADD_COUNTERS
               : optname >= IPT_SO_GET_INFO && optname <= IPT_SO_GET_REVISION_TARGET;
}

/// The tables umdd serves, as the kernel lists the tables it has.
FILE* table_names()
{
    static const char names[] = "filter\n";
    return ::fmemopen(const_cast<char*>(names), sizeof names - 1, "r");
}

bool is_table_names(const char* path) { return path && std::strcmp(path, "/proc/net/ip_tables_names") == 0; }

using FOpen = FILE* (*)(const char*, const char*);

}  // namespace

extern "C" {

__attribute__((visibility("default"))) FILE* fopen(const char* path, const char* mode)
{
    if (is_table_names(path)) return table_names();
    return next_symbol<FOpen>("fopen")(path, mode);
}

__attribute__((visibility("default"))) FILE* fopen64(const char* path, const char* mode)
{
    if (is_table_names(path)) return table_names();
    return next_symbol<FOpen>("fopen64")(path, mode);
}

__attribute__((visibility("default"))) int setsockopt(int fd, int level, int optname, const void* value, socklen_t size)
{
    if (intercepted(level, optname, true) && value && is_inet(fd)) return set_option(fd, optname, value, size);
    return next_symbol<SetSockOpt>("setsockopt")(fd, level, optname, value, size);
}

__attribute__((visibility("default"))) int getsockopt(int fd, int level, int optname, void* value, socklen_t* size)
{
    if (intercepted(level, optname, false) && value && size && is_inet(fd)) return get_option(fd, optname, value, size);
    return next_symbol<GetSockOpt>("getsockopt")(fd, level, optname, value, size);
}

}  // extern "C"

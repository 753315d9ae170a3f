// apps/umdd/bpfilter_service.cpp — see bpfilter_service.h. TRUSTED side.
#include "apps/umdd/bpfilter_service.h"

#include <netinet/in.h>   // before the kernel's headers: glibc's definitions win
#include <linux/netfilter_ipv4/ip_tables.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "apps/umdd/log.h"
#include "drivers/bpfilter/handler/extensions.h"
#include "drivers/bpfilter/trusted/evaluate.h"
#include "drivers/bpfilter/trusted/kernel_hz.h"
#include "drivers/bpfilter/trusted/rule_text.h"
#include "drivers/bpfilter/trusted/replace_session.h"
#include <umd_generated/bpfilter_loader.h>

namespace umd::daemon {
namespace {

constexpr std::chrono::milliseconds lease_wait{10000};

BpfilterReply refused(int error, std::string reason = {}) { return BpfilterReply{-error, 0, std::move(reason)}; }

/// The network namespace of the caller's socket `fd` (an AF_INET socket it made there):
/// its cookie, which the kernel reports and never reuses.
Result<bpfilter::NamespaceKey> namespace_of(int fd)
{
    int domain = 0;
    socklen_t len = sizeof domain;
    if (::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0 || domain != AF_INET)
        return fail(Errc::bad_input, "bpfilter: the first descriptor is not the caller's AF_INET socket");
    std::uint64_t cookie = 0;
    len = sizeof cookie;
    if (::getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) != 0) return fail_errno(errno, "SO_NETNS_COOKIE");
    return bpfilter::NamespaceKey{cookie};
}

/// The option value: exactly `size` bytes from the start of the memfd.
Result<Bytes> read_value(int memfd, std::size_t size)
{
    Bytes value(size);
    std::size_t got = 0;
    while (got < size) {
        const ssize_t n = ::pread(memfd, value.data() + got, size - got, static_cast<off_t>(got));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return fail(Errc::bad_input, "bpfilter: the memfd holds {} of the {} bytes announced", got, size);
        got += static_cast<std::size_t>(n);
    }
    return value;
}

/// The answer for the caller's buffer, from the start of the memfd.
Result<std::uint32_t> write_answer(int memfd, ByteView answer)
{
    std::size_t put = 0;
    while (put < answer.size()) {
        const ssize_t n = ::pwrite(memfd, answer.data() + put, answer.size() - put, static_cast<off_t>(put));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return fail(Errc::io, "bpfilter: writing the answer to the memfd: {}", std::strerror(errno));
        put += static_cast<std::size_t>(n);
    }
    return static_cast<std::uint32_t>(answer.size());
}

/// A table name as the kernel reads one: the field's bytes up to a NUL it forces at the end.
std::string table_name(ByteView field)
{
    std::string name(field.begin(), field.end());
    name.back() = '\0';
    return name.substr(0, name.find('\0'));
}

template <typename T>
Bytes bytes_of(const T& value)
{
    Bytes b(sizeof value);
    std::memcpy(b.data(), &value, sizeof value);
    return b;
}

}  // namespace

Result<std::unique_ptr<BpfilterService>> BpfilterService::start(const DriverOptions& options)
{
    auto service = std::make_unique<BpfilterService>();
    service->drivers_ = UMD_TRY(DriverSet::create(bpfilter::loader_module(), options, 1));
    if (auto watch = bpfilter::NamespaceWatch::open()) service->watch_ = std::move(*watch);
    else log(LogLevel::warning, "bpfilter: dead namespaces' tables are not dropped (kept up to the limits): {}", watch.error().message);
    return service;
}

std::vector<DriverStatus> BpfilterService::status() const { return drivers_->status(); }

void BpfilterService::forget_dead_namespaces(int sock, bpfilter::NamespaceKey ns)
{
    if (!watch_) return;
    auto watched = watch_->watch(sock, ns);
    for (const auto key : watched.gone)
        if (tables_.drop(key)) log(LogLevel::debug, "bpfilter: network namespace {:#x} is gone: its tables are dropped", key.cookie);
    if (watched.not_watched && !said_unwatched_.exchange(true))
        log(LogLevel::warning, "bpfilter: a namespace's tables will not be dropped when it dies: {}", watched.not_watched->message);
}

std::uint32_t BpfilterService::hz()
{
    std::call_once(hz_once_, [this] {
        hz_ = bpfilter::kernel_hz();
        if (hz_ == 0) log(LogLevel::warning, "bpfilter: the kernel's HZ could not be measured (/proc/timer_list): the limit match is refused");
        else log(LogLevel::info, "bpfilter: the kernel's HZ is {}", hz_);
    });
    return hz_;
}

BpfilterReply BpfilterService::replace(bpfilter::NamespaceKey ns, ByteView value, int memfd, uid_t peer)
{
    if (value.size() > bpfilter::Limits::max_request) return refused(ENOMEM, "the table is larger than umdd takes");
    auto lease = drivers_->lease(peer, lease_wait);
    if (!lease) return refused(EAGAIN, lease.error().message);
    auto outcome = bpfilter::check_replace(**lease, value, hz());
    if (!outcome) {
        // The handler failed or contradicted the bytes: no table is taken.
        log(LogLevel::warning, "bpfilter: a replacement was not checked: {}", outcome.error().message);
        return refused(EIO, outcome.error().message);
    }
    if (auto* no = std::get_if<bpfilter::Refused>(&*outcome)) return refused(no->error, no->reason);
    auto old = tables_.replace(ns, std::move(std::get<bpfilter::AcceptedTable>(*outcome)));
    if (!old) return refused(old.error().error, old.error().reason);
    Bytes counters(old->size() * sizeof(xt_counters));
    for (std::size_t i = 0; i < old->size(); ++i) {
        const xt_counters c{(*old)[i].packets, (*old)[i].bytes};
        std::memcpy(counters.data() + i * sizeof c, &c, sizeof c);
    }
    auto written = write_answer(memfd, counters);
    if (!written) return refused(EIO, written.error().message);
    return BpfilterReply{0, *written, {}};
}

Result<BpfilterEvalReply> BpfilterService::evaluate(const BpfilterEvalRequest& request, int sock)
{
    const auto ns = UMD_TRY(namespace_of(sock));
    auto table = tables_.table(ns, "filter");
    if (!table) return fail(Errc::system, "bpfilter eval: {}", table.error().reason);
    bpfilter::Packet p;
    p.proto = request.proto;
    p.src = request.src;
    p.dst = request.dst;
    p.sport = request.sport;
    p.dport = request.dport;
    p.icmp_type = request.icmp_type;
    p.icmp_code = request.icmp_code;
    p.tcp_flags = request.tcp_flags;
    p.in = request.in;
    p.out = request.out;
    p.state = static_cast<bpfilter::ConnState>(request.state);
    p.mark = request.mark;
    const auto d = UMD_TRY(bpfilter::evaluate(*table, static_cast<bpfilter::Hook>(request.hook), p));
    BpfilterEvalReply reply;
    reply.verdict = static_cast<std::uint8_t>(d.verdict);
    reply.chain = d.place.chain;
    reply.number = d.place.number;
    reply.chain_end = d.place.chain_end;
    reply.entry = static_cast<std::uint32_t>(d.entry);
    reply.reject_with = d.reject_with;
    reply.mark = d.mark;
    reply.steps = static_cast<std::uint32_t>(d.steps);
    reply.rule = bpfilter::save_rule(table->layout, d.entry);
    return reply;
}

Result<BpfilterReply> BpfilterService::handle(const BpfilterRequest& request, int sock, int memfd, uid_t peer)
{
    const auto ns = UMD_TRY(namespace_of(sock));
    forget_dead_namespaces(sock, ns);
    // GET_ENTRIES' value is the caller's buffer for the table; ip_tables reads only its
    // header, and so does umdd (the length checks use the caller's optlen).
    const std::size_t len = request.value_size;
    const bool header_only = request.option == BpfilterOption::get_entries;
    const Bytes value = UMD_TRY(read_value(memfd, header_only ? std::min(len, sizeof(ipt_get_entries)) : len));
    switch (request.option) {
    case BpfilterOption::set_replace: return replace(ns, value, memfd, peer);
    case BpfilterOption::set_add_counters: {
        // xt_copy_counters_from_user: a header and exactly its number of counters.
        if (len <= sizeof(xt_counters_info)) return refused(EINVAL);
        xt_counters_info head{};
        std::memcpy(&head, value.data(), sizeof head);
        if (std::uint64_t{head.num_counters} * sizeof(xt_counters) != len - sizeof head) return refused(EINVAL);
        std::vector<bpfilter::Counter> add(head.num_counters);
        for (std::size_t i = 0; i < add.size(); ++i) {
            xt_counters c{};
            std::memcpy(&c, value.data() + sizeof head + i * sizeof c, sizeof c);
            add[i] = {c.pcnt, c.bcnt};
        }
        auto added = tables_.add_counters(ns, table_name(ByteView(value).first(sizeof head.name)), add);
        return added ? BpfilterReply{} : refused(added.error().error, added.error().reason);
    }
    case BpfilterOption::get_info: {
        if (len != sizeof(ipt_getinfo)) return refused(EINVAL);
        ipt_getinfo info{};
        std::memcpy(&info, value.data(), sizeof info);
        auto t = tables_.info(ns, table_name(ByteView(value).first(sizeof info.name)));
        if (!t) return refused(t.error().error, t.error().reason);
        info.valid_hooks = t->valid_hooks;
        for (unsigned h = 0; h < bpfilter::hook_count; ++h) info.hook_entry[h] = t->hook_entry[h], info.underflow[h] = t->underflow[h];
        info.num_entries = t->num_entries;
        info.size = t->size;
        return BpfilterReply{0, UMD_TRY(write_answer(memfd, bytes_of(info))), {}};
    }
    case BpfilterOption::get_entries: {
        if (len < sizeof(ipt_get_entries)) return refused(EINVAL);
        ipt_get_entries head{};
        std::memcpy(&head, value.data(), sizeof head);
        if (len != sizeof head + std::size_t{head.size}) return refused(EINVAL);
        Bytes answer = bytes_of(head);
        answer.resize(len);
        auto entries = tables_.entries_into(ns, table_name(ByteView(value).first(sizeof head.name)), std::span(answer).subspan(sizeof head));
        if (!entries) return refused(entries.error().error, entries.error().reason);
        return BpfilterReply{0, UMD_TRY(write_answer(memfd, answer)), {}};
    }
    case BpfilterOption::get_revision_match:
    case BpfilterOption::get_revision_target: {
        if (len != sizeof(xt_get_revision)) return refused(EINVAL);
        xt_get_revision rev{};
        std::memcpy(&rev, value.data(), sizeof rev);
        rev.name[sizeof rev.name - 1] = '\0';
        const auto kind = request.option == BpfilterOption::get_revision_target ? bpfilter::ExtensionKind::target : bpfilter::ExtensionKind::match;
        return BpfilterReply{bpfilter::best_revision(kind, rev.name, rev.revision), 0, {}};
    }
    }
    return fail(Errc::bad_input, "bpfilter: unknown socket option");
}

}  // namespace umd::daemon

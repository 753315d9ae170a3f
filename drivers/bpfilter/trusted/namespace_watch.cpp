// drivers/bpfilter/trusted/namespace_watch.cpp — see namespace_watch.h. TRUSTED side.
#include "drivers/bpfilter/trusted/namespace_watch.h"

#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <set>
#include <utility>

#include <fmt/format.h>

namespace umd::bpfilter {
namespace {

/// What an RTM_*NSID message says: its type and NETNSA_NSID (absent: nullopt).
struct NsidMessage {
    std::uint16_t type = 0;
    std::optional<std::int32_t> nsid;
};

/// The messages of one netlink datagram; `done` when it ends a dump, `error` from an
/// NLMSG_ERROR (0 for an acknowledgement).
struct Datagram {
    std::uint32_t sequence = 0;   ///< of its first message
    std::vector<NsidMessage> messages;
    bool done = false;
    std::optional<int> error;
};

Datagram parse(const std::uint8_t* data, std::size_t size)
{
    Datagram d;
    std::size_t at = 0;
    while (size - at >= sizeof(nlmsghdr)) {
        nlmsghdr h;
        std::memcpy(&h, data + at, sizeof h);
        if (h.nlmsg_len < sizeof h || h.nlmsg_len > size - at) break;
        if (at == 0) d.sequence = h.nlmsg_seq;
        const std::uint8_t* body = data + at + NLMSG_HDRLEN;
        const std::size_t body_size = h.nlmsg_len - NLMSG_HDRLEN;
        if (h.nlmsg_type == NLMSG_DONE) d.done = true;
        else if (h.nlmsg_type == NLMSG_ERROR && body_size >= sizeof(int)) {
            int e;
            std::memcpy(&e, body, sizeof e);
            d.error = -e;
        } else if (h.nlmsg_type == RTM_NEWNSID || h.nlmsg_type == RTM_DELNSID) {
            NsidMessage m{h.nlmsg_type, {}};
            for (std::size_t a = NLMSG_ALIGN(sizeof(rtgenmsg)); body_size - std::min(a, body_size) >= sizeof(rtattr);) {
                rtattr attr;
                std::memcpy(&attr, body + a, sizeof attr);
                if (attr.rta_len < sizeof attr || attr.rta_len > body_size - a) break;
                if (attr.rta_type == NETNSA_NSID && attr.rta_len >= RTA_LENGTH(sizeof(std::int32_t))) {
                    std::int32_t id;
                    std::memcpy(&id, body + a + RTA_LENGTH(0), sizeof id);
                    m.nsid = id;
                }
                a += RTA_ALIGN(attr.rta_len);
            }
            d.messages.push_back(m);
        }
        at += NLMSG_ALIGN(h.nlmsg_len);
    }
    return d;
}

/// An RTM_*NSID request: the header, rtgenmsg, then 32-bit attributes.
std::vector<std::uint8_t> nsid_request(std::uint16_t type, std::uint16_t flags, std::uint32_t sequence,
                                       std::initializer_list<std::pair<std::uint16_t, std::uint32_t>> attributes)
{
    std::vector<std::uint8_t> b(NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(rtgenmsg)), 0);
    for (auto [type_of, value] : attributes) {
        const rtattr attr{static_cast<unsigned short>(RTA_LENGTH(sizeof value)), type_of};
        const std::size_t at = b.size();
        b.resize(at + RTA_SPACE(sizeof value), 0);
        std::memcpy(b.data() + at, &attr, sizeof attr);
        std::memcpy(b.data() + at + RTA_LENGTH(0), &value, sizeof value);
    }
    nlmsghdr h{};
    h.nlmsg_len = static_cast<std::uint32_t>(b.size());
    h.nlmsg_type = type;
    h.nlmsg_flags = static_cast<std::uint16_t>(NLM_F_REQUEST | flags);
    h.nlmsg_seq = sequence;
    std::memcpy(b.data(), &h, sizeof h);
    b[NLMSG_HDRLEN] = AF_UNSPEC;   // rtgenmsg.rtgen_family
    return b;
}

/// What the kernel answered a request: its RTM_NEWNSID messages, or its errno.
struct Answer {
    std::vector<NsidMessage> messages;
    int error = 0;
};

/// Sends `request` and reads its answers until the one reply (or acknowledgement) came,
/// or the dump's end.
Result<Answer> ask(int fd, const std::vector<std::uint8_t>& request, bool dump)
{
    nlmsghdr sent;
    std::memcpy(&sent, request.data(), sizeof sent);
    const std::uint32_t sequence = sent.nlmsg_seq;
    if (::send(fd, request.data(), request.size(), 0) != static_cast<ssize_t>(request.size())) return fail_errno(errno, "netlink send");
    Answer answer;
    std::vector<std::uint8_t> buffer(32768);
    for (;;) {
        const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return fail_errno(n < 0 ? errno : EPROTO, "netlink recv");
        Datagram d = parse(buffer.data(), static_cast<std::size_t>(n));
        if (d.sequence != sequence) continue;   // a late answer to an earlier request
        answer.messages.insert(answer.messages.end(), d.messages.begin(), d.messages.end());
        if (d.error && *d.error != 0) {
            answer.error = *d.error;
            return answer;
        }
        if (d.done || (!dump && (d.error || !d.messages.empty()))) return answer;
    }
}

/// A bound NETLINK_ROUTE socket: bound, so that it has a port id of its own (an unbound
/// socket's is 0, which the kernel's notifications of its own doing carry, and skips).
Result<UniqueFd> route_socket()
{
    UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    if (!fd) return fail_errno(errno, "netlink socket");
    sockaddr_nl address{};
    address.nl_family = AF_NETLINK;
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) return fail_errno(errno, "netlink bind");
    return fd;
}

}  // namespace

Result<std::unique_ptr<NamespaceWatch>> NamespaceWatch::open(std::size_t max_watched)
{
    std::unique_ptr<NamespaceWatch> w(new NamespaceWatch());
    w->max_watched_ = max_watched;
    w->requests_ = UMD_TRY(route_socket());
    w->events_ = UMD_TRY(route_socket());
    const int group = RTNLGRP_NSID;
    if (::setsockopt(w->events_.get(), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) != 0)
        return fail_errno(errno, "listening to RTNLGRP_NSID");
    // Room for many deaths between two calls; beyond it the kernel says ENOBUFS and a dump decides.
    const int room = 1 << 20;
    ::setsockopt(w->events_.get(), SOL_SOCKET, SO_RCVBUF, &room, sizeof room);
    socklen_t len = sizeof w->own_.cookie;
    if (::getsockopt(w->requests_.get(), SOL_SOCKET, SO_NETNS_COOKIE, &w->own_.cookie, &len) != 0)
        return fail_errno(errno, "SO_NETNS_COOKIE of the Manager's namespace");
    return w;
}

Result<std::int32_t> NamespaceWatch::nsid_of_socket(int sock)
{
    UniqueFd ns(::ioctl(sock, SIOCGSKNS));
    if (!ns) return fail_errno(errno, "SIOCGSKNS");
    const auto fd = static_cast<std::uint32_t>(ns.get());
    // Its nsid here, given one unless it has one (EEXIST: given by someone else meanwhile).
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto known = UMD_TRY(ask(requests_.get(), nsid_request(RTM_GETNSID, 0, ++sequence_, {{NETNSA_FD, fd}}), false));
        if (known.error != 0) return fail_errno(known.error, "RTM_GETNSID");
        if (!known.messages.empty() && known.messages.front().nsid && *known.messages.front().nsid >= 0) return *known.messages.front().nsid;
        auto given = UMD_TRY(ask(requests_.get(), nsid_request(RTM_NEWNSID, NLM_F_ACK, ++sequence_, {{NETNSA_FD, fd}, {NETNSA_NSID, static_cast<std::uint32_t>(-1)}}), false));
        if (given.error != 0 && given.error != EEXIST) return fail_errno(given.error, "RTM_NEWNSID");
    }
    return fail(Errc::system, "the namespace got no nsid");
}

void NamespaceWatch::read_events(std::vector<std::int32_t>& deleted, bool& lost)
{
    std::vector<std::uint8_t> buffer(32768);
    for (;;) {
        const ssize_t n = ::recv(events_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (n < 0 && errno == ENOBUFS) {
            lost = true;   // the kernel dropped events: the dump decides
            continue;
        }
        if (n <= 0) {
            lost = true;
            return;
        }
        for (const NsidMessage& m : parse(buffer.data(), static_cast<std::size_t>(n)).messages)
            if (m.type == RTM_DELNSID && m.nsid) deleted.push_back(*m.nsid);
    }
}

Result<std::vector<std::int32_t>> NamespaceWatch::listed_nsids()
{
    auto listed = UMD_TRY(ask(requests_.get(), nsid_request(RTM_GETNSID, NLM_F_DUMP, ++sequence_, {}), true));
    if (listed.error != 0) return fail_errno(listed.error, "RTM_GETNSID dump");
    std::vector<std::int32_t> ids;
    for (const auto& m : listed.messages)
        if (m.nsid) ids.push_back(*m.nsid);
    return ids;
}

NamespaceWatch::Watched NamespaceWatch::watch(int sock, NamespaceKey key)
{
    std::lock_guard hold(lock_);
    Watched result;
    std::optional<std::int32_t> current;   // the caller's nsid: the caller is alive
    if (key != own_) {
        if (auto known = nsid_of_.find(key); known != nsid_of_.end()) current = known->second;
        else if (nsid_of_.size() >= max_watched_) result.not_watched = Error{Errc::system, fmt::format("{} namespaces are watched already", nsid_of_.size())};
        else if (auto id = nsid_of_socket(sock)) current = *id;
        else result.not_watched = id.error();
    }
    std::vector<std::int32_t> deleted;
    bool lost = std::exchange(resync_, false);
    read_events(deleted, lost);
    std::set<NamespaceKey> gone;
    const auto forget = [&](std::int32_t id) {
        auto it = key_of_.find(id);
        if (it == key_of_.end() || it->second == key) return;
        gone.insert(it->second);
        nsid_of_.erase(it->second);
        key_of_.erase(it);
    };
    // An event for the caller's own nsid is about a namespace that held it before.
    for (std::int32_t id : deleted) forget(id);
    if (lost) {
        if (auto listed = listed_nsids()) {
            std::vector<std::int32_t> unlisted;
            for (const auto& [id, k] : key_of_)
                if (std::find(listed->begin(), listed->end(), id) == listed->end()) unlisted.push_back(id);
            for (std::int32_t id : unlisted) forget(id);
        } else {
            resync_ = true;   // the next call asks again
        }
    }
    if (current) {
        forget(*current);   // the nsid names one live namespace: a former holder is gone
        key_of_[*current] = key;
        nsid_of_[key] = *current;
    }
    result.gone.assign(gone.begin(), gone.end());
    return result;
}

std::size_t NamespaceWatch::watched() const
{
    std::lock_guard hold(lock_);
    return nsid_of_.size();
}

}  // namespace umd::bpfilter

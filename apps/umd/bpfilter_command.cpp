// apps/umd/bpfilter_command.cpp — `umd bpfilter eval` (trusted side; the tables live in umdd).
//
// Asks umdd what the filter table it keeps for a network namespace (the one this command
// runs in, or the one --netns names) decides for a described packet: the verdict and the
// rule that decided it. The namespace travels as an AF_INET socket made in it, the way the
// preload library's requests carry theirs. Exit: 0 ACCEPT, 1 DROP, REJECT or QUEUE, 2 bad
// usage, a description the rules need more of, or no umdd, 3 or more a failure.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <nlohmann/json.hpp>

#include "commands.h"

#include <umd/text.h>

namespace umd::cli {
namespace {

struct EvalOptions {
    std::string chain = "INPUT", proto = "tcp", src = "0.0.0.0", dst = "0.0.0.0", in, out, state = "NEW", netns;
    std::string icmp_type = "8", tcp_flags = "SYN";
    std::uint16_t sport = 0, dport = 0;
    std::uint32_t mark = 0;
};

Result<std::uint32_t> address(const std::string& text)
{
    in_addr a{};
    if (inet_pton(AF_INET, text.c_str(), &a) != 1) return fail(Errc::invalid_argument, "'{}' is not an IPv4 address", text);
    return a.s_addr;
}

Result<std::uint8_t> number_in(const std::string& text, unsigned max, const char* what)
{
    unsigned v = 0;
    std::size_t used = 0;
    try {
        v = static_cast<unsigned>(std::stoul(text, &used, 0));
    } catch (...) {
        used = 0;
    }
    if (used != text.size() || text.empty() || v > max) return fail(Errc::invalid_argument, "'{}' is not a {}", text, what);
    return static_cast<std::uint8_t>(v);
}

Result<daemon::BpfilterEvalRequest> request_of(const EvalOptions& o)
{
    daemon::BpfilterEvalRequest r;
    r.hook = o.chain == "INPUT" ? 1 : o.chain == "FORWARD" ? 2 : 3;
    if (o.proto == "tcp") r.proto = IPPROTO_TCP;
    else if (o.proto == "udp") r.proto = IPPROTO_UDP;
    else if (o.proto == "icmp") r.proto = IPPROTO_ICMP;
    else r.proto = UMD_TRY(number_in(o.proto, 255, "protocol"));
    r.src = UMD_TRY(address(o.src));
    r.dst = UMD_TRY(address(o.dst));
    r.sport = o.sport;
    r.dport = o.dport;
    const auto slash = o.icmp_type.find('/');
    r.icmp_type = UMD_TRY(number_in(o.icmp_type.substr(0, slash), 255, "ICMP type"));
    r.icmp_code = slash == std::string::npos ? 0 : UMD_TRY(number_in(o.icmp_type.substr(slash + 1), 255, "ICMP code"));
    static constexpr std::pair<const char*, std::uint8_t> flags[] = {{"FIN", 0x01}, {"SYN", 0x02}, {"RST", 0x04}, {"PSH", 0x08},
                                                                     {"ACK", 0x10}, {"URG", 0x20}, {"NONE", 0}};
    r.tcp_flags = 0;
    for (std::size_t at = 0; at <= o.tcp_flags.size();) {
        const std::size_t comma = std::min(o.tcp_flags.find(',', at), o.tcp_flags.size());
        const std::string name = o.tcp_flags.substr(at, comma - at);
        const auto it = std::ranges::find(flags, name, &std::pair<const char*, std::uint8_t>::first);
        if (it == std::end(flags)) return fail(Errc::invalid_argument, "'{}' is not a TCP flag (FIN,SYN,RST,PSH,ACK,URG or NONE)", name);
        r.tcp_flags |= it->second;
        at = comma + 1;
    }
    if (o.in.size() > 15 || o.out.size() > 15) return fail(Errc::invalid_argument, "an interface name has at most 15 bytes");
    r.in = o.in;
    r.out = o.out;
    static constexpr const char* states[] = {"NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED"};
    const auto st = std::ranges::find(states, o.state);
    if (st == std::end(states)) return fail(Errc::invalid_argument, "'{}' is not NEW, ESTABLISHED, RELATED, INVALID or UNTRACKED", o.state);
    r.state = static_cast<std::uint8_t>(st - std::begin(states));
    r.mark = o.mark;
    return r;
}

/// An AF_INET socket in the namespace asked for: this process's, or the one at `netns`
/// (entered first: the socket is made there; needs CAP_SYS_ADMIN, as `ip netns exec`).
Result<UniqueFd> namespace_socket(const std::string& netns)
{
    if (!netns.empty()) {
        UniqueFd ns(::open(netns.c_str(), O_RDONLY | O_CLOEXEC));
        if (!ns) return fail(errno == ENOENT ? Errc::not_found : Errc::io, "{}: {}", netns, std::strerror(errno));
        if (::setns(ns.get(), CLONE_NEWNET) != 0) return fail(Errc::invalid_argument, "{}: not a network namespace this process may enter: {}", netns, std::strerror(errno));
    }
    UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!sock) return fail(Errc::system, "socket: {}", std::strerror(errno));
    return sock;
}

constexpr const char* verdict_names[] = {"ACCEPT", "DROP", "REJECT", "QUEUE"};

/// How the packet is named in the document: what was asked, on one line.
std::string packet_name(const EvalOptions& o)
{
    if (o.proto == "icmp") return fmt::format("{} icmp {} -> {} type {}", o.chain, o.src, o.dst, o.icmp_type);
    return fmt::format("{} {} {}:{} -> {}:{}", o.chain, o.proto, o.src, o.sport, o.dst, o.dport);
}

int print(Context& ctx, const EvalOptions& o, const daemon::BpfilterEvalReply& r)
{
    const char* verdict = verdict_names[r.verdict];
    const std::string decided = r.chain_end ? fmt::format("{} by the policy of chain {}", verdict, r.chain)
                                            : fmt::format("{} by rule {} of chain {}", verdict, r.number, r.chain);
    if (ctx.json) {
        nlohmann::ordered_json fields = {{"target", verdict}, {"chain", r.chain}, {"rule", r.number}, {"policy", r.chain_end},
                                         {"entry", r.entry}, {"rule_text", r.rule}, {"mark", r.mark}, {"steps", r.steps}};
        if (r.verdict == 2) fields["reject_with"] = r.reject_with;
        if (r.verdict == 0) ctx.json->add_yes(packet_name(o), std::move(fields));
        else ctx.json->add_failure(packet_name(o), Error{Errc::rejected, decided}, std::move(fields));
    } else {
        std::printf("%s\n  %s\n", printable_text(decided).c_str(), printable_text(r.rule).c_str());
    }
    return r.verdict == 0 ? 0 : 1;
}

}  // namespace

void register_bpfilter(CLI::App& app, Context& ctx)
{
    auto* bpfilter = app.add_subcommand("bpfilter", "iptables' tables kept by umdd (libumd-bpfilter-preload.so)");
    bpfilter->require_subcommand(1);
    auto o = std::make_shared<EvalOptions>();
    auto* eval = bpfilter->add_subcommand("eval", "The filter table's verdict on a described packet, and the rule that decided it");
    eval->add_option("--chain", o->chain, "INPUT, FORWARD or OUTPUT")->check(CLI::IsMember({"INPUT", "FORWARD", "OUTPUT"}));
    eval->add_option("--proto", o->proto, "tcp, udp, icmp or a protocol number (default tcp)");
    eval->add_option("--src", o->src, "source address (default 0.0.0.0)");
    eval->add_option("--dst", o->dst, "destination address (default 0.0.0.0)");
    eval->add_option("--sport", o->sport, "source port");
    eval->add_option("--dport", o->dport, "destination port");
    eval->add_option("--icmp-type", o->icmp_type, "TYPE[/CODE] (default 8, echo request)");
    eval->add_option("--tcp-flags", o->tcp_flags, "the flags set, e.g. SYN or ACK,PSH (default SYN)");
    eval->add_option("--in", o->in, "the input interface (INPUT, FORWARD)");
    eval->add_option("--out", o->out, "the output interface (FORWARD, OUTPUT)");
    eval->add_option("--state", o->state, "NEW, ESTABLISHED, RELATED, INVALID or UNTRACKED (default NEW)");
    eval->add_option("--mark", o->mark, "the packet's mark (default 0)");
    eval->add_option("--netns", o->netns, "the network namespace whose table is asked (a path such as /run/netns/NAME)");
    ctx.add_json_flag(*eval);
    eval->footer("Administrators only (root or umdd's admin_group). A packet is never a fragment; TCP options and\n"
                 "conntrack tests beyond the state are not described: rules that need them are reported, not guessed.\n"
                 "Exit status: 0 ACCEPT, 1 DROP, REJECT or QUEUE, 2 bad usage, a rule the description cannot decide\n"
                 "or no umdd, 3 or more a failure, 4 not permitted.");
    eval->callback([&ctx, o] {
        const auto run = [&]() -> Result<int> {
            const auto request = UMD_TRY(request_of(*o));
            auto daemon = UMD_TRY(ctx.daemon());
            if (!daemon) return fail(Errc::not_found, "no umdd answers: the tables live in umdd (see umdd(8))");
            const UniqueFd sock = UMD_TRY(namespace_socket(o->netns));
            const int fds[] = {sock.get()};
            const Bytes fields = UMD_TRY(daemon->call(daemon::Operation::bpfilter_eval, daemon::encode_fields(request), fds));
            ByteReader in(fields, "umdd bpfilter eval reply");
            return print(ctx, *o, UMD_TRY(daemon::decode_bpfilter_eval_reply(in)));
        };
        auto code = run();
        ctx.exit_code = code ? *code : ctx.report(code.error());
    });
}

}  // namespace umd::cli

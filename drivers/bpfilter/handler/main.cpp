// drivers/bpfilter/handler/main.cpp — the bpfilter handler (UNTRUSTED side): checks
// iptables table replacements the way the kernel does and answers with records
// (protocol.h). It never sees a caller's pointer: only the option value's bytes.
#include <umd/handler.h>

#include "drivers/bpfilter/handler/replace_check.h"
#include "drivers/bpfilter/protocol.h"

namespace {

umd::handler::Reply check(umd::ByteView request, std::uint32_t hz)
{
    if (request.size() > umd::bpfilter::Limits::max_request) return umd::handler::Reply::bad_input("the table is larger than the driver takes");
    umd::bpfilter::CheckReply reply;
    if (auto table = umd::bpfilter::check_replace(request, hz)) {
        reply.accepted = true;
        reply.table = umd::bpfilter::records_of(*table);
    } else {
        reply.error = table.error().error;
        reply.reason = std::move(table.error().reason);
    }
    return umd::handler::Reply::ok(umd::bpfilter::encode_check_reply(reply));
}

}  // namespace

int main()
{
    return umd::handler::serve([](std::uint8_t type, umd::ByteView request) {
        switch (static_cast<umd::bpfilter::Request>(type)) {
        case umd::bpfilter::Request::check_replace: return check(request, 0);
        case umd::bpfilter::Request::check_replace_hz: {
            if (request.size() < 4) return umd::handler::Reply::bad_input("no HZ before the table");
            const std::uint32_t hz = request[0] | (request[1] << 8) | (request[2] << 16) | (std::uint32_t{request[3]} << 24);
            return check(request.subspan(4), hz);
        }
        }
        return umd::handler::Reply{umd::FrameStatus::unsupported, {}};
    });
}

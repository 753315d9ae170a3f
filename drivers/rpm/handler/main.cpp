// drivers/rpm/handler/main.cpp — the RPM handler's entry point.
//
// Untrusted side: a static executable embedded in the rpm loader module and run
// sandboxed. Answers each parse request (file size + a prefix of an RPM
// package) with the encoded Parsed record, or bad_input with the reason.
#include <umd/handler.h>

#include "drivers/rpm/handler/package_parser.h"
#include "drivers/rpm/protocol.h"

int main()
{
    return umd::handler::serve([](std::uint8_t type, umd::ByteView request) {
        if (type != static_cast<std::uint8_t>(umd::rpm::Request::parse))
            return umd::handler::Reply{umd::FrameStatus::unsupported, {}};
        auto req = umd::rpm::decode_request(request);
        if (!req) return umd::handler::Reply::bad_input(req.error().message);
        auto parsed = umd::rpm::parse_package(req->prefix, req->file_size);
        if (!parsed) return umd::handler::Reply::bad_input(parsed.error().message);
        return umd::handler::Reply::ok(umd::rpm::encode(*parsed));
    });
}

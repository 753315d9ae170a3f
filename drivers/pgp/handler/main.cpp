// drivers/pgp/handler/main.cpp — the OpenPGP handler executable (untrusted, sandboxed, static).
//
// Serves Request::parse: parses one input and replies with the encoded Parsed
// (docs/protocol-pgp.md), or bad_input with a message saying what and where.
#include <umd/handler.h>

#include "drivers/pgp/handler/parse.h"

int main()
{
    return umd::handler::serve([](std::uint8_t type, umd::ByteView request) {
        if (type != static_cast<std::uint8_t>(umd::pgp::Request::parse))
            return umd::handler::Reply::bad_input("unknown request type");
        auto parsed = umd::pgp::parser::parse(request);
        if (!parsed) return umd::handler::Reply::bad_input(parsed.error().message);
        return umd::handler::Reply::ok(umd::pgp::encode(*parsed));
    });
}

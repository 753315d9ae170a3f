// drivers/sample/handler/main.cpp — the sample handler (UNTRUSTED side).
#include <umd/handler.h>

#include "../protocol.h"

namespace {

umd::handler::Reply write_one(umd::ByteView request)
{
    umd::ByteReader in(request, "sample write request");
    auto offset = in.u32();
    if (!offset || !in.expect_end()) return umd::handler::Reply::bad_input("a write request is one 32-bit offset");
    if (*offset >= umd::sample::reply_size) return umd::handler::Reply::bad_input("offset out of range");
    umd::Bytes reply(umd::sample::reply_size, 0);
    reply[*offset] = 1;
    return umd::handler::Reply::ok(std::move(reply));
}

}  // namespace

int main()
{
    return umd::handler::serve([](std::uint8_t type, umd::ByteView request) {
        switch (static_cast<umd::sample::Request>(type)) {
        case umd::sample::Request::write: return write_one(request);
        // The request stays in serve()'s buffer until the reply is written: sent from there.
        case umd::sample::Request::echo: return umd::handler::Reply::ok_view(request);
        }
        return umd::handler::Reply::unsupported();
    });
}

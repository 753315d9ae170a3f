// handler.cpp — the consumer's handler (UNTRUSTED side): replies with the request
// reversed, so the trusted side can tell a real answer from an echo.
#include <algorithm>

#include <umd/handler.h>

int main()
{
    return umd::handler::serve([](std::uint8_t type, umd::ByteView request) {
        if (type != 1) return umd::handler::Reply::bad_input("unknown request type");
        umd::Bytes reply(request.rbegin(), request.rend());
        return umd::handler::Reply::ok(std::move(reply));
    });
}

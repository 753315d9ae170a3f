// drivers/bpfilter/trusted/replace_session.cpp — see replace_session.h. TRUSTED side.
#include "drivers/bpfilter/trusted/replace_session.h"

#include "drivers/bpfilter/protocol.h"

namespace umd::bpfilter {

Result<CheckOutcome> check_replace(Driver& driver, ByteView request, std::uint32_t hz)
{
    if (request.size() > Limits::max_request)
        return fail(Errc::bad_input, "a table of {} bytes is larger than the {} bytes the bpfilter driver takes", request.size(), Limits::max_request);
    Bytes with_hz;
    if (hz != 0) {
        with_hz = {static_cast<std::uint8_t>(hz), static_cast<std::uint8_t>(hz >> 8), static_cast<std::uint8_t>(hz >> 16), static_cast<std::uint8_t>(hz >> 24)};
        with_hz.insert(with_hz.end(), request.begin(), request.end());
    }
    auto reply = hz != 0 ? UMD_TRY(driver.send_recv(static_cast<std::uint8_t>(Request::check_replace_hz), with_hz))
                         : UMD_TRY(driver.send_recv(static_cast<std::uint8_t>(Request::check_replace), request));
    auto decoded = UMD_TRY(decode_check_reply(reply.payload, request.size()));
    if (!decoded.accepted) return CheckOutcome{Refused{decoded.error, std::move(decoded.reason)}};
    return CheckOutcome{UMD_TRY(accept_table(request, decoded.table))};
}

}  // namespace umd::bpfilter

// drivers/bpfilter/trusted/replace_session.h — a table replacement checked through the
// sandboxed bpfilter handler. TRUSTED side.
#pragma once

#include <string>
#include <variant>

#include <umd/error.h>
#include <umd/manager.h>
#include <umd/wire.h>

#include "drivers/bpfilter/trusted/table_claims.h"

namespace umd::bpfilter {

/// The kernel's answer the caller gets for a refused table, as the handler found it.
struct Refused {
    int error = 0;
    std::string reason;
};

using CheckOutcome = std::variant<AcceptedTable, Refused>;

/// Sends `request` (an IPT_SO_SET_REPLACE option value) to the handler and checks its
/// answer: a refusal with the kernel's errno, or a table whose records the request's bytes
/// confirm. Errc::bad_input when the request is larger than Limits::max_request or the
/// handler's records contradict the bytes; handler failures as Driver::send_recv.
/// `hz` is the kernel's HZ (kernel_hz()), for the `limit` match; 0 when unknown.
Result<CheckOutcome> check_replace(Driver& driver, ByteView request, std::uint32_t hz = 0);

}  // namespace umd::bpfilter

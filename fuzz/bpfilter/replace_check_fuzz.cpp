// fuzz/bpfilter/replace_check_fuzz.cpp — the bpfilter handler's check of a table
// replacement on an arbitrary option value (handler side). What it accepts must pass the
// Manager's checks of the records it sends: an accepted table whose records the request's
// bytes contradict is a bug in one of the two, and crashes the run.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "drivers/bpfilter/handler/replace_check.h"
#include "drivers/bpfilter/trusted/table_claims.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::span<const std::uint8_t> request(data, size);
    auto checked = umd::bpfilter::check_replace(request);
    if (!checked) return 0;
    const auto records = umd::bpfilter::records_of(*checked);
    const auto wire = umd::bpfilter::encode_check_reply({true, 0, {}, records});
    auto decoded = umd::bpfilter::decode_check_reply(wire, size);
    if (!decoded || !(decoded->table == records)) std::abort();
    if (!umd::bpfilter::accept_table(request, decoded->table)) std::abort();
    return 0;
}

// fuzz/bpfilter/replace_check_fuzz.cpp — the bpfilter handler's check of a table
// replacement on an arbitrary option value (handler side). What it accepts must pass the
// Manager's checks of the records it sends: an accepted table whose records the request's
// bytes contradict is a bug in one of the two, and crashes the run. The evaluator then
// walks each accepted table for a few packets: on a table the handler checked (no loop,
// jumps to entries' starts) an internal error is a bug too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "drivers/bpfilter/handler/replace_check.h"
#include "drivers/bpfilter/trusted/evaluate.h"
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
    auto accepted = umd::bpfilter::accept_table(request, decoded->table);
    if (!accepted) std::abort();
    for (auto hook : {umd::bpfilter::Hook::input, umd::bpfilter::Hook::forward, umd::bpfilter::Hook::output})
        for (std::uint8_t proto : {6, 17, 1}) {
            umd::bpfilter::Packet p;
            p.proto = proto;
            p.dport = 22;
            p.in = "eth0";
            auto d = umd::bpfilter::evaluate(*accepted, hook, p);
            if (!d && d.error().code == umd::Errc::internal && (accepted->layout.valid_hooks & (1u << static_cast<unsigned>(hook)))) std::abort();
        }
    return 0;
}

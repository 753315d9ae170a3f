// fuzz/bpfilter/check_reply_fuzz.cpp — the Manager's side on an arbitrary (hostile)
// handler reply: the reply decoded within the bounds of the request it answers, its
// records checked against that request's bytes. The input is split: the first two bytes
// say how long the request part is (a table the fuzzer can shape), the rest is the reply.
// A table whose records pass is walked by the evaluator: a lying handler's hook masks may
// hide a loop or a bad jump from the Manager's checks, and the walk must stay bounded.
#include <cstddef>
#include <cstdint>

#include "drivers/bpfilter/protocol.h"
#include "drivers/bpfilter/trusted/evaluate.h"
#include "drivers/bpfilter/trusted/table_claims.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 2) return 0;
    const std::size_t request_size = std::min<std::size_t>(size - 2, data[0] | (std::size_t{data[1]} << 8));
    const umd::ByteView request(data + 2, request_size);
    const umd::ByteView reply(data + 2 + request_size, size - 2 - request_size);
    auto decoded = umd::bpfilter::decode_check_reply(reply, request.size());
    if (!decoded || !decoded->accepted) return 0;
    auto accepted = umd::bpfilter::accept_table(request, decoded->table);
    if (!accepted) return 0;
    for (auto hook : {umd::bpfilter::Hook::input, umd::bpfilter::Hook::forward, umd::bpfilter::Hook::output})
        (void)umd::bpfilter::evaluate(*accepted, hook, umd::bpfilter::Packet{});
    return 0;
}

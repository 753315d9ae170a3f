// fuzz/pgp/text_lines_fuzz.cpp — fuzzes decode(payload, input) on cleartext text lines. Trusted side.
//
// Input: u16 input length, the input (the Manager's copy of what it sent), then
// either a whole reply (first byte 0) or the value of a text lines record that is
// wrapped in an otherwise valid cleartext reply (any other first byte), so the
// fuzzer spends its time on the lines. Any reply must decode or fail with
// Errc::protocol; lines that decode must stay inside the input, and the hashed
// form streamed by feed_cleartext_hashed must be exactly the lines joined by CR LF.
#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "drivers/pgp/protocol.h"
#include "drivers/pgp/trusted/canonical_text.h"

using namespace umd;
using namespace umd::pgp;

namespace {

Bytes wrapped_reply(ByteView lines_value)
{
    Parsed p;
    p.kind = InputKind::cleartext;
    p.armored = true;
    Signature s;
    s.version = 4;
    s.type = 1;
    s.pk_algorithm = 27;
    s.hash_algorithm = 8;
    s.fields = {Bytes(64, 1)};
    p.signatures.push_back(s);
    ByteWriter out;
    Bytes head = encode(p);
    out.bytes(head);
    out.record(wire::tag_text_lines, lines_value);
    return std::move(out).take();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 3) return 0;
    const std::size_t input_size = std::min<std::size_t>(data[0] | (std::size_t{data[1]} << 8), size - 2);
    Bytes input(data + 2, data + 2 + input_size);
    ByteView rest(data + 2 + input_size, size - 2 - input_size);
    if (rest.empty()) return 0;
    Bytes payload = rest[0] == 0 ? Bytes(rest.begin() + 1, rest.end()) : wrapped_reply(rest.subspan(1));
    auto parsed = decode(payload, input);
    if (!parsed) {
        if (parsed.error().code != Errc::protocol) std::abort();
        return 0;
    }
    if (!parsed->text_lines) return 0;
    const auto& lines = *parsed->text_lines;
    for (const TextLine& line : lines)
        if (std::uint64_t{line.offset} + line.length > parsed->input.size()) std::abort();
    Bytes joined = join_text_lines(parsed->input, lines, "\n");
    if (joined.size() != joined_text_size(lines)) std::abort();
    Bytes hashed = join_text_lines(parsed->input, lines, "\r\n");
    Bytes streamed;
    feed_cleartext_hashed(parsed->input, lines, [&](ByteView chunk) { streamed.insert(streamed.end(), chunk.begin(), chunk.end()); });
    if (streamed != hashed) std::abort();
    return 0;
}

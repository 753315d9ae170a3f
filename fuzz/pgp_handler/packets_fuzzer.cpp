// fuzz/pgp_handler/packets_fuzzer.cpp — packet framing, key and signature packet bodies (handler side).
#include <cstddef>
#include <cstdint>

#include "drivers/pgp/handler/key_parser.h"
#include "drivers/pgp/handler/packet_reader.h"
#include "drivers/pgp/handler/signature_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace umd::pgp::parser;
    PacketReader reader(umd::ByteView(data, size));
    for (;;) {
        auto next = reader.next();
        if (!next || !*next) break;
        const Packet& p = **next;
        if (p.body().size() > size) __builtin_trap();
        // Every body is tried as each kind, so the field parsers see hostile bodies of all shapes.
        (void)parse_key(p, p.tag == tag_public_subkey);
        (void)parse_signature(p);
    }
    return 0;
}

// drivers/pgp/handler/key_parser.cpp — public key packet bodies to fields (handler side).
#include "drivers/pgp/handler/key_parser.h"

#include "drivers/pgp/handler/cursor.h"

namespace umd::pgp::parser {
namespace {

/// A curve OID: one length octet (1..254; 0 and 255 are reserved), then the DER contents.
Result<Bytes> read_oid(Cursor& in)
{
    auto len = in.u8();
    if (!len) return std::unexpected(len.error());
    if (*len == 0 || *len == 255)
        return fail(Errc::bad_input, "{}: reserved curve OID length {} at offset {}", in.what(), *len,
                    in.offset() - 1);
    auto oid = in.take(*len);
    if (!oid) return std::unexpected(oid.error());
    return Bytes(oid->begin(), oid->end());
}

/// Splits `material` into fields for the algorithms the Manager can verify with.
Result<std::vector<Bytes>> split_material(std::uint8_t algorithm, ByteView material, std::size_t base)
{
    Cursor in(material, base, "public key material");
    std::vector<Bytes> fields;
    auto add_mpis = [&](int count) -> Status {
        for (int i = 0; i < count; ++i) {
            auto v = in.mpi();
            if (!v) return std::unexpected(v.error());
            fields.push_back(std::move(*v));
        }
        return {};
    };
    auto add_raw = [&](std::size_t n) -> Status {
        auto v = in.take(n);
        if (!v) return std::unexpected(v.error());
        fields.emplace_back(v->begin(), v->end());
        return {};
    };
    Status status;
    switch (algorithm) {
    case 1: case 2: case 3: status = add_mpis(2); break;   // RSA: n, e
    case 17: status = add_mpis(4); break;                   // DSA: p, q, g, y
    case 19: case 22: {                                     // ECDSA, EdDSA legacy: oid, point
        auto oid = read_oid(in);
        if (!oid) return std::unexpected(oid.error());
        fields.push_back(std::move(*oid));
        status = add_mpis(1);
        break;
    }
    case 27: status = add_raw(32); break;                   // Ed25519
    case 28: status = add_raw(57); break;                   // Ed448
    default:
        // Not verifiable here: the raw material, so the fingerprint can still be computed.
        fields.emplace_back(material.begin(), material.end());
        return fields;
    }
    if (!status) return std::unexpected(status.error());
    if (auto end = in.expect_end(); !end) return std::unexpected(end.error());
    return fields;
}

}  // namespace

Result<std::optional<Key>> parse_key(const Packet& packet, bool subkey)
{
    Cursor in(packet.body(), packet.body_offset, subkey ? "public subkey packet" : "public key packet");
    auto version = in.u8();
    if (!version) return std::unexpected(version.error());
    if (*version != 4 && *version != 6) return std::optional<Key>{};   // v2, v3, v5: not represented
    Key key;
    key.subkey = subkey;
    // Inputs are at most max_request bytes, and decompression never yields keys: it fits.
    key.offset = static_cast<std::uint32_t>(packet.body_offset);
    key.version = *version;
    auto created = in.u32();
    if (!created) return std::unexpected(created.error());
    key.created = *created;
    auto algorithm = in.u8();
    if (!algorithm) return std::unexpected(algorithm.error());
    key.algorithm = *algorithm;
    ByteView material;
    std::size_t material_offset = 0;
    if (key.version == 6) {
        auto length = in.u32();
        if (!length) return std::unexpected(length.error());
        material_offset = in.offset();
        auto m = in.take(*length);
        if (!m) return std::unexpected(m.error());
        material = *m;
        // v6 keys carry no secret parts in a public packet: nothing may follow the material.
        if (auto end = in.expect_end(); !end) return std::unexpected(end.error());
    } else {
        material_offset = in.offset();
        material = in.rest();
    }
    auto fields = split_material(key.algorithm, material, material_offset);
    if (!fields) return std::unexpected(fields.error());
    for (const Bytes& f : *fields)
        if (f.size() > Limits::max_field) return std::optional<Key>{};
    key.fields = std::move(*fields);
    return std::optional<Key>{std::move(key)};
}

}  // namespace umd::pgp::parser

// drivers/pgp/handler/key_parser.cpp — public key packet bodies to fields (handler side).
#include "drivers/pgp/handler/key_parser.h"

#include "drivers/pgp/handler/cursor.h"

namespace umd::pgp::parser {
namespace {

/// A curve OID: one length octet (1..254; 0 and 255 are reserved), then the DER contents.
Result<Bytes> read_oid(Cursor& in)
{
    auto len = UMD_TRY(in.u8());
    if (len == 0 || len == 255)
        return fail(Errc::bad_input, "{}: reserved curve OID length {} at offset {}", in.what(), len,
                    in.offset() - 1);
    auto oid = UMD_TRY(in.take(len));
    return Bytes(oid.begin(), oid.end());
}

/// Splits `material` into fields for the algorithms the Manager can verify with.
Result<std::vector<Bytes>> split_material(std::uint8_t algorithm, ByteView material, std::size_t base)
{
    Cursor in(material, base, "public key material");
    std::vector<Bytes> fields;
    auto add_mpis = [&](int count) -> Status {
        for (int i = 0; i < count; ++i) {
            auto v = UMD_TRY(in.mpi());
            fields.push_back(std::move(v));
        }
        return {};
    };
    auto add_raw = [&](std::size_t n) -> Status {
        auto v = UMD_TRY(in.take(n));
        fields.emplace_back(v.begin(), v.end());
        return {};
    };
    Status status;
    switch (algorithm) {
    case 1: case 2: case 3: status = add_mpis(2); break;   // RSA: n, e
    case 17: status = add_mpis(4); break;                   // DSA: p, q, g, y
    case 19: case 22: {                                     // ECDSA, EdDSA legacy: oid, point
        auto oid = UMD_TRY(read_oid(in));
        fields.push_back(std::move(oid));
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
    UMD_TRY(in.expect_end());
    return fields;
}

}  // namespace

Result<std::optional<Key>> parse_key(const Packet& packet, bool subkey)
{
    Cursor in(packet.body(), packet.body_offset, subkey ? "public subkey packet" : "public key packet");
    auto version = UMD_TRY(in.u8());
    if (version != 4 && version != 6) return std::optional<Key>{};   // v2, v3, v5: not represented
    Key key;
    key.subkey = subkey;
    // Inputs are at most max_request bytes, and decompression never yields keys: it fits.
    key.offset = static_cast<std::uint32_t>(packet.body_offset);
    key.version = version;
    auto created = UMD_TRY(in.u32());
    key.created = created;
    auto algorithm = UMD_TRY(in.u8());
    key.algorithm = algorithm;
    ByteView material;
    std::size_t material_offset = 0;
    if (key.version == 6) {
        auto length = UMD_TRY(in.u32());
        material_offset = in.offset();
        auto m = UMD_TRY(in.take(length));
        material = m;
        // v6 keys carry no secret parts in a public packet: nothing may follow the material.
        UMD_TRY(in.expect_end());
    } else {
        material_offset = in.offset();
        material = in.rest();
    }
    auto fields = UMD_TRY(split_material(key.algorithm, material, material_offset));
    for (const Bytes& f : fields)
        if (f.size() > Limits::max_field) return std::optional<Key>{};
    key.fields = std::move(fields);
    return std::optional<Key>{std::move(key)};
}

}  // namespace umd::pgp::parser

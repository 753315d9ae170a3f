// drivers/pgp/handler/packet_reader.h — splits a binary OpenPGP stream into packets.
//
// Untrusted side (handler). Understands new-format and legacy (old-format)
// headers. Partial body lengths and the legacy "indeterminate" length are
// accepted only for the data packets RFC 9580 allows them on (compressed,
// encrypted, literal); a key or signature packet using them is malformed.
// Every announced length is checked against the bytes that remain before
// anything is copied.
#pragma once

#include <cstdint>
#include <optional>

#include <umd/error.h>
#include <umd/wire.h>

namespace umd::pgp::parser {

/// Packet tags this driver names.
enum PacketTag : std::uint8_t {
    tag_signature = 2,
    tag_secret_key = 5,
    tag_public_key = 6,
    tag_secret_subkey = 7,
    tag_compressed = 8,
    tag_one_pass = 4,
    tag_marker = 10,
    tag_literal = 11,
    tag_trust = 12,
    tag_user_id = 13,
    tag_public_subkey = 14,
    tag_user_attribute = 17,
    tag_padding = 21,
};

struct Packet {
    std::uint8_t tag = 0;
    std::size_t offset = 0;    ///< offset of the packet header in its stream
    std::size_t body_offset = 0;
    ByteView direct;           ///< the body, when it is one contiguous range of the stream
    Bytes joined;              ///< the body, when it was sent in partial chunks
    bool chunked = false;
    ByteView body() const { return chunked ? ByteView(joined) : direct; }
};

class PacketReader {
public:
    /// `where` names the stream in messages ("input", "compressed data", ...).
    explicit PacketReader(ByteView stream, std::string_view where = "input") : in_(stream), where_(where) {}
    /// The next packet, std::nullopt at the end of the stream.
    Result<std::optional<Packet>> next();
    std::size_t position() const { return pos_; }

private:
    ByteView in_;
    std::size_t pos_ = 0;
    std::string_view where_;
};

/// Whether partial / indeterminate lengths are allowed on this packet tag.
bool allows_streaming_length(std::uint8_t tag);

}  // namespace umd::pgp::parser

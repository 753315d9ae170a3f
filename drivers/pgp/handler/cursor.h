// drivers/pgp/handler/cursor.h — a bounds-checked big-endian reader for OpenPGP fields.
//
// Untrusted side (handler). OpenPGP is big-endian and full of length-prefixed
// fields; every read here is checked against the remaining bytes and a failure
// names the absolute offset, so a malformed packet becomes a clear bad_input
// message instead of an overrun.
#pragma once

#include <cstdint>
#include <string_view>

#include <umd/error.h>
#include <umd/wire.h>

namespace umd::pgp::parser {

class Cursor {
public:
    /// `base` is the absolute offset of data[0] in the input, used in messages.
    Cursor(ByteView data, std::size_t base, std::string_view what) : data_(data), base_(base), what_(what) {}

    Result<std::uint8_t> u8();
    Result<std::uint16_t> u16();
    Result<std::uint32_t> u32();
    /// The next n bytes as a view.
    Result<ByteView> take(std::size_t n);
    /// An MPI (u16 bit count, then the bytes); returns its value without leading zero bytes.
    Result<Bytes> mpi();
    /// Everything not read yet.
    ByteView rest();
    /// Fails if bytes remain.
    Status expect_end() const;

    std::size_t remaining() const { return data_.size() - pos_; }
    std::size_t offset() const { return base_ + pos_; }
    std::string_view what() const { return what_; }

private:
    ByteView data_;
    std::size_t pos_ = 0;
    std::size_t base_;
    std::string_view what_;
};

}  // namespace umd::pgp::parser

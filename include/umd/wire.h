// umd/wire.h — bounded little-endian encoding of the records that cross the pipe.
//
// Both sides of the trust boundary use these two classes. ByteWriter appends;
// ByteReader never reads past its span and turns every overrun into an error
// instead of undefined behaviour, so a record from a hostile handler can be
// decoded field by field with every length checked before it is used.
//
// Records are TLV: u16 tag, u32 length, then `length` bytes of value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <umd/error.h>

namespace umd {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view text)
{
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}
inline std::string_view as_chars(ByteView bytes)
{
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

/// Appends little-endian integers, raw bytes and TLV records to a growing buffer.
class ByteWriter {
public:
    void u8(std::uint8_t v) { out_.push_back(v); }
    void u16(std::uint16_t v) { put_le(v, 2); }
    void u32(std::uint32_t v) { put_le(v, 4); }
    void u64(std::uint64_t v) { put_le(v, 8); }
    void bytes(ByteView v) { out_.insert(out_.end(), v.begin(), v.end()); }
    /// u32 length followed by the bytes.
    void blob(ByteView v)
    {
        u32(static_cast<std::uint32_t>(v.size()));
        bytes(v);
    }
    /// One TLV record: u16 tag, u32 length, value.
    void record(std::uint16_t tag, ByteView value)
    {
        u16(tag);
        blob(value);
    }
    /// Starts a TLV record whose value is written next; close it with end_record(handle).
    std::size_t begin_record(std::uint16_t tag)
    {
        u16(tag);
        std::size_t at = out_.size();
        u32(0);
        return at;
    }
    void end_record(std::size_t handle)
    {
        auto length = static_cast<std::uint32_t>(out_.size() - handle - 4);
        for (int i = 0; i < 4; ++i) out_[handle + i] = static_cast<std::uint8_t>(length >> (8 * i));
    }

    const Bytes& data() const& { return out_; }
    Bytes take() && { return std::move(out_); }
    std::size_t size() const { return out_.size(); }

private:
    void put_le(std::uint64_t v, int n)
    {
        for (int i = 0; i < n; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    Bytes out_;
};

/// One decoded TLV record: a tag and a view of its value inside the reader's span.
struct Record {
    std::uint16_t tag;
    ByteView value;
};

/// Reads little-endian fields from a span; every read is bounds-checked.
class ByteReader {
public:
    explicit ByteReader(ByteView in, std::string_view what = "record") : in_(in), what_(what) {}

    Result<std::uint8_t> u8() { return get_le<std::uint8_t>(1); }
    Result<std::uint16_t> u16() { return get_le<std::uint16_t>(2); }
    Result<std::uint32_t> u32() { return get_le<std::uint32_t>(4); }
    Result<std::uint64_t> u64() { return get_le<std::uint64_t>(8); }

    /// The next n bytes, as a view into the underlying span.
    Result<ByteView> bytes(std::size_t n)
    {
        if (n > remaining())
            return fail(Errc::bad_input, "{}: needs {} bytes at offset {}, has {}", what_, n, pos_, remaining());
        ByteView v = in_.subspan(pos_, n);
        pos_ += n;
        return v;
    }
    /// A u32 length then that many bytes; the length must not exceed max.
    Result<ByteView> blob(std::size_t max)
    {
        auto n = UMD_TRY(u32());
        if (n > max) return fail(Errc::bad_input, "{}: field of {} bytes exceeds the limit of {}", what_, n, max);
        return bytes(n);
    }
    /// The next TLV record; its value must not exceed max bytes.
    Result<Record> record(std::size_t max)
    {
        auto tag = UMD_TRY(u16());
        auto value = UMD_TRY(blob(max));
        return Record{tag, value};
    }
    /// Fails unless every byte has been consumed (trailing garbage is an error).
    Status expect_end() const
    {
        if (remaining() != 0) return fail(Errc::bad_input, "{}: {} unexpected trailing bytes", what_, remaining());
        return {};
    }

    std::size_t remaining() const { return in_.size() - pos_; }
    std::size_t position() const { return pos_; }
    bool empty() const { return remaining() == 0; }

private:
    template <class T>
    Result<T> get_le(std::size_t n)
    {
        if (n > remaining())
            return fail(Errc::bad_input, "{}: truncated at offset {} (needs {} bytes)", what_, pos_, n);
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < n; ++i) v |= std::uint64_t{in_[pos_ + i]} << (8 * i);
        pos_ += n;
        return static_cast<T>(v);
    }
    ByteView in_;
    std::size_t pos_ = 0;
    std::string_view what_;
};

}  // namespace umd

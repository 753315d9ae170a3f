// drivers/rpm/tests/rpm_builder.cpp — builds RPM header blobs and package files for tests.
#include "drivers/rpm/tests/rpm_builder.h"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>

#include "drivers/rpm/trusted/header_digest.h"

namespace umd::rpm::test {

void put_be32(Bytes& b, std::size_t at, std::uint32_t v)
{
    for (int i = 0; i < 4; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}
std::uint32_t get_be32(const Bytes& b, std::size_t at)
{
    return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) | (std::uint32_t{b[at + 2]} << 8) | b[at + 3];
}

TestEntry str(std::uint32_t tag, const std::string& s)
{
    Bytes d(s.begin(), s.end());
    d.push_back(0);
    return {tag, 6, 1, d};
}
TestEntry str_array(std::uint32_t tag, const std::vector<std::string>& v)
{
    Bytes d;
    for (const auto& s : v) {
        d.insert(d.end(), s.begin(), s.end());
        d.push_back(0);
    }
    return {tag, 8, static_cast<std::uint32_t>(v.size()), d};
}
TestEntry i32(std::uint32_t tag, const std::vector<std::uint32_t>& v)
{
    Bytes d(v.size() * 4);
    for (std::size_t i = 0; i < v.size(); ++i) put_be32(d, 4 * i, v[i]);
    return {tag, 4, static_cast<std::uint32_t>(v.size()), d};
}
TestEntry i16(std::uint32_t tag, const std::vector<std::uint16_t>& v)
{
    Bytes d;
    for (auto x : v) {
        d.push_back(static_cast<std::uint8_t>(x >> 8));
        d.push_back(static_cast<std::uint8_t>(x));
    }
    return {tag, 3, static_cast<std::uint32_t>(v.size()), d};
}
TestEntry bin(std::uint32_t tag, const Bytes& b) { return {tag, 7, static_cast<std::uint32_t>(b.size()), b}; }

Bytes build_header(const std::vector<TestEntry>& entries, std::uint32_t region_tag)
{
    const std::uint32_t il = static_cast<std::uint32_t>(entries.size() + 1);
    Bytes store;
    std::vector<std::uint32_t> offsets;
    for (const auto& e : entries) {
        std::size_t align = e.type == 3 ? 2 : e.type == 4 ? 4 : e.type == 5 ? 8 : 1;
        while (store.size() % align) store.push_back(0);
        offsets.push_back(static_cast<std::uint32_t>(store.size()));
        store.insert(store.end(), e.data.begin(), e.data.end());
    }
    const std::uint32_t trailer_at = static_cast<std::uint32_t>(store.size());
    Bytes trailer(16);
    put_be32(trailer, 0, region_tag);
    put_be32(trailer, 4, 7);
    put_be32(trailer, 8, static_cast<std::uint32_t>(-static_cast<std::int64_t>(il) * 16));
    put_be32(trailer, 12, 16);
    store.insert(store.end(), trailer.begin(), trailer.end());

    Bytes out = {0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0};
    out.resize(16 + 16 * il);
    put_be32(out, 8, il);
    put_be32(out, 12, static_cast<std::uint32_t>(store.size()));
    auto put_entry = [&](std::size_t i, std::uint32_t tag, std::uint32_t type, std::uint32_t offset, std::uint32_t count) {
        put_be32(out, 16 + 16 * i, tag);
        put_be32(out, 20 + 16 * i, type);
        put_be32(out, 24 + 16 * i, offset);
        put_be32(out, 28 + 16 * i, count);
    };
    put_entry(0, region_tag, 7, trailer_at, 16);
    for (std::size_t i = 0; i < entries.size(); ++i) put_entry(i + 1, entries[i].tag, entries[i].type, offsets[i], entries[i].count);
    out.insert(out.end(), store.begin(), store.end());
    return out;
}

Bytes default_payload()
{
    const std::string text = "umd test payload: the bytes after the main header\n";
    return Bytes(text.begin(), text.end());
}

std::vector<TestEntry> payload_digest_entries(const Bytes& payload)
{
    return {str_array(5092, {sha256_hex(payload)}), i32(5093, {8})};
}

Bytes build_package(const Bytes& signature_header, const Bytes& main_header, const Bytes& payload)
{
    Bytes out(96, 0);
    out[0] = 0xed, out[1] = 0xab, out[2] = 0xee, out[3] = 0xdb;
    out[4] = 3;
    out[79] = 5;
    out.insert(out.end(), signature_header.begin(), signature_header.end());
    while (out.size() % 8) out.push_back(0);
    out.insert(out.end(), main_header.begin(), main_header.end());
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

std::vector<TestEntry> typical_main_entries(const std::string& name)
{
    const std::string d1(64, 'a'), d2(64, 'b');
    std::vector<TestEntry> out = {
        str(1000, name), str(1001, "1.0"), str(1002, "1"), i32(1003, {2}), str(1022, "x86_64"),
        i16(1030, {0100644, 040755, 0100755}), str_array(1035, {d1, "", d2}), i32(1037, {0, 0, 0}),
        i32(1116, {0, 1, 2}), str_array(1117, {"a.txt", "sub", "tool"}),
        str_array(1118, {"/usr/share/" + name + "/", "/usr/share/", "/usr/bin/"}), i32(5011, {8}),
    };
    for (auto& e : payload_digest_entries()) out.push_back(std::move(e));
    return out;
}

Bytes read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), {});
}

std::string run(const std::string& command)
{
    std::unique_ptr<FILE, int (*)(FILE*)> p(popen(command.c_str(), "r"), pclose);
    if (!p) return {};
    std::string out;
    char buf[4096];
    while (std::size_t n = fread(buf, 1, sizeof buf, p.get())) out.append(buf, n);
    return out;
}

}  // namespace umd::rpm::test

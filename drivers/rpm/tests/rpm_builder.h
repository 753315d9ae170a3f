// drivers/rpm/tests/rpm_builder.h — builds RPM header blobs and package files for tests.
//
// Test-only. Lays out headers the way rpm writes them (region entry first,
// data in index order with type alignment, region trailer at the end of the
// store), so tests can craft packages that break exactly one check.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <umd/wire.h>

namespace umd::rpm::test {

struct TestEntry {
    std::uint32_t tag;
    std::uint32_t type;
    std::uint32_t count;
    Bytes data;
};

TestEntry str(std::uint32_t tag, const std::string& s);
TestEntry str_array(std::uint32_t tag, const std::vector<std::string>& v);
TestEntry i32(std::uint32_t tag, const std::vector<std::uint32_t>& v);
TestEntry i16(std::uint32_t tag, const std::vector<std::uint16_t>& v);
TestEntry bin(std::uint32_t tag, const Bytes& b);

/// A header blob (magic included) with a region tagged `region_tag` spanning it.
Bytes build_header(const std::vector<TestEntry>& entries, std::uint32_t region_tag);

/// The payload synthetic packages carry (not an archive: only its digest matters).
Bytes default_payload();
/// Tags 5092 (payload digest) and 5093 (its algorithm): the SHA-256 of `payload`.
std::vector<TestEntry> payload_digest_entries(const Bytes& payload = default_payload());

/// Lead + signature header + padding + main header + payload.
Bytes build_package(const Bytes& signature_header, const Bytes& main_header, const Bytes& payload = default_payload());

/// A typical main header: name, epoch, version, release, arch, three files
/// (sha256 digests), one of them a directory, and the payload digest of
/// default_payload() (entries 12 and 13).
std::vector<TestEntry> typical_main_entries(const std::string& name = "pkg");

/// Big-endian helpers for patching crafted blobs.
void put_be32(Bytes& b, std::size_t at, std::uint32_t v);
std::uint32_t get_be32(const Bytes& b, std::size_t at);

Bytes read_file(const std::string& path);
/// Runs a shell command and returns its standard output (empty on failure).
std::string run(const std::string& command);

}  // namespace umd::rpm::test

// apps/umdd/guard/file_hasher.h — the digests of an open file, for the exec guard's verdicts.
//
// Trusted side, privileged (umdd's exec guard). Reads the file through the
// descriptor the kernel handed over with the event (never by path: the path may
// name another file by now), with pread in fixed chunks into a buffer the hasher
// owns, feeding every requested algorithm in the same pass: memory is constant
// whatever the file's size, time linear in its bytes. Reads until end of file,
// not st_size, so a file that grows while hashed is hashed to its end (and the
// caller's re-fstat sees that it changed).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include <umd/error.h>
#include <umd/wire.h>

namespace umd::guard {

/// One digest: algorithm (drivers/rpm/trusted/claim_check.h digest_algo numbers) and raw bytes.
struct Digest {
    std::uint32_t algo = 0;
    std::uint8_t size = 0;
    std::array<std::uint8_t, 64> bytes{};

    ByteView view() const noexcept { return {bytes.data(), size}; }
};

/// The most algorithms one pass computes (every algorithm RPM headers use).
inline constexpr std::size_t max_algorithms = 6;

struct FileDigests {
    std::array<Digest, max_algorithms> digests{};
    std::size_t count = 0;
    std::uint64_t bytes = 0;   ///< bytes read and hashed
    bool elf = false;          ///< the first four bytes are ELF's magic

    std::span<const Digest> view() const noexcept { return {digests.data(), count}; }
};

/// Whether the file's first bytes are ELF's magic ("\x7fELF"). Errc::io when unreadable.
Result<bool> has_elf_magic(int fd);

/// Hashes descriptors with a fixed set of algorithms. One per worker thread:
/// the buffer and the digest contexts are reused, not shared.
class FileHasher {
public:
    static constexpr std::size_t default_chunk = std::size_t{256} << 10;

    /// invalid_argument for an unsupported algorithm, none, or more than max_algorithms.
    static Result<FileHasher> create(std::span<const std::uint32_t> algorithms, std::size_t chunk = default_chunk);

    FileHasher(FileHasher&&) noexcept;
    FileHasher& operator=(FileHasher&&) noexcept;
    ~FileHasher();

    /// Reads `fd` from offset 0 to its end; Errc::io when a read fails.
    Result<FileDigests> hash(int fd);

    std::span<const std::uint32_t> algorithms() const noexcept;

private:
    struct State;
    explicit FileHasher(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

}  // namespace umd::guard

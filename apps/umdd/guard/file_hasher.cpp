// apps/umdd/guard/file_hasher.cpp — digests of an open file with OpenSSL, by pread.
// Trusted side, privileged (umdd's exec guard). See file_hasher.h.
#include "apps/umdd/guard/file_hasher.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "src/libcrypto/libcrypto.h"

#include "drivers/rpm/trusted/claim_check.h"

namespace umd::guard {
namespace {

using libcrypto::crypto;
using MdCtx = std::unique_ptr<EVP_MD_CTX, libcrypto::Free<&libcrypto::Functions::EVP_MD_CTX_free>>;

const EVP_MD* openssl_md(std::uint32_t algo)
{
    namespace da = rpm::digest_algo;
    switch (algo) {
    case da::md5: return crypto().EVP_md5();
    case da::sha1: return crypto().EVP_sha1();
    case da::sha224: return crypto().EVP_sha224();
    case da::sha256: return crypto().EVP_sha256();
    case da::sha384: return crypto().EVP_sha384();
    case da::sha512: return crypto().EVP_sha512();
    default: return nullptr;
    }
}

/// pread that retries on EINTR; returns bytes read (0 at end of file).
Result<std::size_t> read_at(int fd, std::uint8_t* into, std::size_t size, std::uint64_t offset)
{
    for (;;) {
        const ssize_t n = ::pread(fd, into, size, static_cast<off_t>(offset));
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno != EINTR) return fail(Errc::io, "pread at offset {}: {}", offset, std::strerror(errno));
    }
}

constexpr std::uint8_t elf_magic[4] = {0x7f, 'E', 'L', 'F'};

}  // namespace

struct FileHasher::State {
    std::vector<std::uint32_t> algorithms;
    std::vector<const EVP_MD*> mds;
    std::vector<MdCtx> contexts;
    std::vector<std::uint8_t> buffer;
};

Result<bool> has_elf_magic(int fd)
{
    std::uint8_t head[4] = {};
    std::size_t got = 0;
    while (got < sizeof head) {
        const std::size_t n = UMD_TRY(read_at(fd, head + got, sizeof head - got, got));
        if (n == 0) break;
        got += n;
    }
    return got == sizeof head && std::memcmp(head, elf_magic, sizeof head) == 0;
}

Result<FileHasher> FileHasher::create(std::span<const std::uint32_t> algorithms, std::size_t chunk)
{
    if (algorithms.empty() || algorithms.size() > max_algorithms)
        return fail(Errc::invalid_argument, "a file hasher needs 1 to {} algorithms, not {}", max_algorithms, algorithms.size());
    if (chunk == 0) return fail(Errc::invalid_argument, "a file hasher needs a chunk of at least one byte");
    UMD_TRY(libcrypto::load());
    auto state = std::make_unique<State>();
    for (std::uint32_t algo : algorithms) {
        const EVP_MD* md = openssl_md(algo);
        if (!md) return fail(Errc::invalid_argument, "unsupported digest algorithm {}", algo);
        MdCtx ctx(crypto().EVP_MD_CTX_new());
        if (!ctx) return fail(Errc::system, "EVP_MD_CTX_new failed");
        state->algorithms.push_back(algo);
        state->mds.push_back(md);
        state->contexts.push_back(std::move(ctx));
    }
    state->buffer.resize(chunk);
    return FileHasher(std::move(state));
}

FileHasher::FileHasher(std::unique_ptr<State> state) : state_(std::move(state)) {}
FileHasher::FileHasher(FileHasher&&) noexcept = default;
FileHasher& FileHasher::operator=(FileHasher&&) noexcept = default;
FileHasher::~FileHasher() = default;

std::span<const std::uint32_t> FileHasher::algorithms() const noexcept { return state_->algorithms; }

Result<FileDigests> FileHasher::hash(int fd)
{
    State& s = *state_;
    for (std::size_t i = 0; i < s.contexts.size(); ++i)
        if (crypto().EVP_DigestInit_ex(s.contexts[i].get(), s.mds[i], nullptr) != 1) return fail(Errc::system, "digest init failed");
    FileDigests out;
    std::uint8_t head[4] = {};
    std::size_t head_len = 0;
    for (;;) {
        const std::size_t n = UMD_TRY(read_at(fd, s.buffer.data(), s.buffer.size(), out.bytes));
        if (n == 0) break;
        for (std::size_t i = 0; head_len < sizeof head && i < n; ++i) head[head_len++] = s.buffer[i];
        for (auto& ctx : s.contexts)
            if (crypto().EVP_DigestUpdate(ctx.get(), s.buffer.data(), n) != 1) return fail(Errc::system, "digest update failed");
        out.bytes += n;
    }
    out.elf = head_len == sizeof head && std::memcmp(head, elf_magic, sizeof head) == 0;
    for (std::size_t i = 0; i < s.contexts.size(); ++i) {
        Digest& d = out.digests[i];
        unsigned int len = 0;
        if (crypto().EVP_DigestFinal_ex(s.contexts[i].get(), d.bytes.data(), &len) != 1 || len > d.bytes.size())
            return fail(Errc::system, "digest final failed");
        d.algo = s.algorithms[i];
        d.size = static_cast<std::uint8_t>(len);
    }
    out.count = s.contexts.size();
    return out;
}

}  // namespace umd::guard

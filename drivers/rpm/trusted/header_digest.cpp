// drivers/rpm/trusted/header_digest.cpp — hashing on the trusted side with OpenSSL 3.
// Trusted side (Manager). See header_digest.h.
#include "drivers/rpm/trusted/header_digest.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include <umd/unique_fd.h>

#include "src/libcrypto/libcrypto.h"

#include "drivers/rpm/trusted/claim_check.h"

namespace umd::rpm {
namespace {

using libcrypto::crypto;
using MdCtx = std::unique_ptr<EVP_MD_CTX, libcrypto::Free<&libcrypto::Functions::EVP_MD_CTX_free>>;

const EVP_MD* openssl_md(std::uint32_t algo)
{
    switch (algo) {
    case digest_algo::md5: return crypto().EVP_md5();
    case digest_algo::sha1: return crypto().EVP_sha1();
    case digest_algo::sha224: return crypto().EVP_sha224();
    case digest_algo::sha256: return crypto().EVP_sha256();
    case digest_algo::sha384: return crypto().EVP_sha384();
    case digest_algo::sha512: return crypto().EVP_sha512();
    default: return nullptr;
    }
}

}  // namespace

std::string to_hex(ByteView bytes)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (std::uint8_t b : bytes) {
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 15]);
    }
    return out;
}

std::string sha256_hex(ByteView data)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (crypto().EVP_Digest(data.data(), data.size(), md, &n, crypto().EVP_sha256(), nullptr) != 1) return {};
    return to_hex({md, n});
}

Status check_header_sha256(ByteView blob, std::string_view claimed)
{
    const std::string actual = sha256_hex(blob);
    if (actual.empty()) return fail(Errc::system, "SHA-256 of the header failed");
    if (claimed != actual) return fail(Errc::rejected, "header SHA-256 digest mismatch: header says {}, bytes hash to {}", claimed.substr(0, 64), actual);
    return {};
}

Result<std::string> hash_file_range(const PackageSource& file, std::uint64_t offset, std::uint32_t algo)
{
    const EVP_MD* md = openssl_md(algo);
    if (!md) return fail(Errc::invalid_argument, "unsupported digest algorithm {}", algo);
    if (offset > file.size()) return fail(Errc::io, "{}: offset {} is past the end", file.name(), offset);
    MdCtx ctx(crypto().EVP_MD_CTX_new());
    if (!ctx || crypto().EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1) return fail(Errc::system, "digest init failed");
    std::vector<std::uint8_t> buffer(std::min<std::uint64_t>(source_chunk, file.size() - offset));
    for (std::uint64_t at = offset; at < file.size();) {
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), file.size() - at));
        UMD_TRY(file.read(at, std::span(buffer).first(n)));
        if (crypto().EVP_DigestUpdate(ctx.get(), buffer.data(), n) != 1) return fail(Errc::system, "digest update failed");
        at += n;
    }
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (crypto().EVP_DigestFinal_ex(ctx.get(), out, &len) != 1) return fail(Errc::system, "digest final failed");
    return to_hex({out, len});
}

Result<std::string> hash_file(const std::string& path, std::uint32_t algo)
{
    // One reader of files on this side: a regular file only (a FIFO or a device such as
    // /dev/zero is refused), its size fixed at open, constant memory.
    auto file = UMD_TRY(PackageSource::open(path));
    auto hex = UMD_TRY(hash_file_range(file, 0, algo));
    UMD_TRY(file.check_unchanged_end());
    return hex;
}

}  // namespace umd::rpm

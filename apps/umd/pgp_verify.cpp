// apps/umd/pgp_verify.cpp — one OpenPGP verification for a front end (trusted side):
// `umd pgp verify`, umd-gpgv and umd-sqv ask the same way, through umdd when one serves.
#include "pgp_verify.h"
#include "standard_input.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace umd::cli {
namespace {

/// The same request through umdd: the files as descriptors opened here, the verdict
/// and the content (through a memfd) back.
Result<pgp::VerifiedFiles> verify_through(DaemonClient& daemon, const pgp::FilesToVerify& files)
{
    daemon::PgpVerifyRequest request;
    request.keyrings = static_cast<std::uint32_t>(files.keyrings.size());
    request.detached = files.signature.given();
    request.signatures = files.policy.signatures;
    request.not_before = files.policy.not_before;
    request.not_after = files.policy.not_after;
    request.keep_content = files.keep_content;
    std::vector<UniqueFd> owned;
    std::vector<int> fds;
    auto add = [&](const pgp::FileRef& file) -> Status {
        // A file given as a descriptor (standard input's copy) is sent as it is.
        if (file.fd >= 0) {
            fds.push_back(file.fd);
        } else {
            owned.push_back(UMD_TRY(open_for_daemon(file.name)));
            fds.push_back(owned.back().get());
        }
        request.names.push_back(file.name);
        return {};
    };
    for (const auto& keyring : files.keyrings) UMD_TRY(add(keyring));
    if (files.signature.given()) UMD_TRY(add(files.signature));
    UMD_TRY(add(files.file));
    if (files.keep_content) {
        UniqueFd content(::memfd_create("umd-verified-content", MFD_CLOEXEC));
        if (!content) return fail_errno(errno, "memfd_create");
        fds.push_back(content.get());
        owned.push_back(std::move(content));
    }
    auto fields = UMD_TRY(daemon.call(daemon::Operation::pgp_verify, daemon::encode_fields(request), fds));
    ByteReader in(fields, "umdd pgp verify reply");
    auto reply = UMD_TRY(daemon::decode_pgp_verify_reply(in));
    pgp::VerifiedFiles out;
    out.verdict.good_signers = std::move(reply.good_signers);
    out.verdict.required = reply.required;
    for (auto& bad : reply.bad) out.verdict.bad.push_back({std::move(bad.issuer), std::move(bad.reason)});
    for (auto& s : reply.signatures)
        out.verdict.signatures.push_back({static_cast<pgp::SignatureReport::Outcome>(s.outcome), s.version, s.type,
                                          s.pk_algorithm, s.hash_algorithm, s.created, s.expires_after,
                                          std::move(s.key), std::move(s.primary)});
    if (out.verdict.valid() != reply.valid) return fail(Errc::protocol, "umdd reply: the verdict contradicts its signers");
    if (files.keep_content && reply.valid) {
        if (reply.content_size > pgp::max_input_file) return fail(Errc::protocol, "umdd reply: content of {} bytes", reply.content_size);
        out.content.resize(static_cast<std::size_t>(reply.content_size));
        const int content_fd = owned.back().get();
        std::size_t done = 0;
        while (done < out.content.size()) {
            ssize_t n = ::pread(content_fd, out.content.data() + done, out.content.size() - done, static_cast<off_t>(done));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return fail(Errc::protocol, "umdd reply: {} bytes of content announced, fewer written", reply.content_size);
            done += static_cast<std::size_t>(n);
        }
    }
    return out;
}

}  // namespace

Result<std::int64_t> parse_time(const std::string& text, bool end_of_day)
{
    const auto bad = [&] { return fail(Errc::invalid_argument, "'{}' is not a time (Unix seconds, or ISO 8601 such as 2026-02-28T12:00:00+02:00)", text); };
    std::string_view t = text;
    if (t.starts_with('@')) t.remove_prefix(1);
    if (!t.empty() && t.size() <= 12 && t.find_first_not_of("0123456789") == std::string_view::npos)
        return static_cast<std::int64_t>(std::stoll(std::string(t)));
    t = text;
    // Fixed-width digits at the front of `t`, consumed.
    const auto digits = [&t](std::size_t width, int& out) {
        if (t.size() < width) return false;
        out = 0;
        for (std::size_t i = 0; i < width; ++i) {
            if (t[i] < '0' || t[i] > '9') return false;
            out = out * 10 + (t[i] - '0');
        }
        t.remove_prefix(width);
        return true;
    };
    const auto take = [&t](char c) {
        if (t.empty() || t[0] != c) return false;
        t.remove_prefix(1);
        return true;
    };
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    if (!digits(4, y) || !take('-') || !digits(2, mo) || !take('-') || !digits(2, d)) return bad();
    const bool date_only = t.empty();
    if (!date_only) {
        if (!take('T') && !take(' ')) return bad();
        if (!digits(2, h) || !take(':') || !digits(2, mi)) return bad();
        if (take(':') && !digits(2, s)) return bad();
    }
    int offset = 0;   // seconds east of UTC
    if (!t.empty() && !take('Z')) {
        const int sign = take('+') ? 1 : (take('-') ? -1 : 0);
        int oh = 0, om = 0;
        if (sign == 0 || !digits(2, oh)) return bad();
        if (take(':')) {
            if (!digits(2, om)) return bad();
        } else if (!t.empty() && !digits(2, om)) {
            return bad();
        }
        if (oh > 23 || om > 59) return bad();
        offset = sign * (oh * 3600 + om * 60);
    }
    if (!t.empty()) return bad();
    static constexpr int days_in[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in[mo - 1] + (mo == 2 && leap ? 1 : 0) || h > 23 || mi > 59 || s > 59)
        return fail(Errc::invalid_argument, "'{}' is not a date and time that exists", text);
    if (date_only && end_of_day) h = 23, mi = 59, s = 59;
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return static_cast<std::int64_t>(timegm(&tm)) - offset;
}


Result<pgp::FileRef> input_file(const std::string& arg, std::vector<UniqueFd>& keep)
{
    if (arg != "-") return pgp::FileRef(arg);
    keep.push_back(UMD_TRY(copy_standard_input(pgp::max_input_file)));
    return pgp::FileRef("standard input", keep.back().get());
}

Result<pgp::VerifiedFiles> verify(Context& ctx, const pgp::FilesToVerify& files)
{
    if (auto* daemon = UMD_TRY(ctx.daemon())) return verify_through(*daemon, files);
    auto driver = UMD_TRY(ctx.driver("pgp"));
    return pgp::verify_files(*driver, files, pgp::Urgency::one_shot);
}

}  // namespace umd::cli

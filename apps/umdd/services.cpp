// apps/umdd/services.cpp — umdd's operations on its resident drivers (trusted side).
#include "apps/umdd/services.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <umd/sandbox.h>
#include <umd_generated/pgp_loader.h>
#include <umd_generated/rpm_loader.h>
#include <umd_generated/sample_loader.h>

#include "apps/umdd/log.h"
#include "drivers/pgp/trusted/verify_files.h"
#include "drivers/rpm/trusted/package_reader.h"
#include "drivers/rpm/trusted/package_verifier.h"
#include "drivers/rpm/trusted/pgp_signature_check.h"
#include "drivers/sample/trusted/sample.h"

namespace umd::daemon {
namespace {

/// Writes a valid message's content into the client's memfd (a regular file the
/// client created and can read back; written from offset 0, then cut to size).
Status write_content(int fd, ByteView content)
{
    struct stat st {};
    if (::fstat(fd, &st) != 0) return fail_errno(errno, "content descriptor");
    if (!S_ISREG(st.st_mode)) return fail(Errc::bad_input, "the content descriptor is not a regular file (a memfd)");
    if (::ftruncate(fd, 0) != 0) return fail(Errc::io, "content descriptor: {}", std::strerror(errno));
    std::size_t done = 0;
    while (done < content.size()) {
        ssize_t n = ::pwrite(fd, content.data() + done, content.size() - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return fail(Errc::io, "content descriptor: {}", n < 0 ? std::strerror(errno) : "no space");
        done += static_cast<std::size_t>(n);
    }
    return {};
}

DriverReport report_of(const DriverStatus& st)
{
    return DriverReport{st.name, std::string(state_name(st.state)), static_cast<std::int32_t>(st.pid), st.starts,
                        st.restarts, st.requests, st.failures, st.sandbox, st.last_error};
}

}  // namespace

Result<std::unique_ptr<Services>> Services::start(const Config& config)
{
    auto options = UMD_TRY(sandbox::driver_options(config.profile));
    auto services = std::make_unique<Services>();
    services->pgp_ = UMD_TRY(DriverSet::create(pgp::loader_module(), options, config.pgp_instances));
    services->sample_ = UMD_TRY(DriverSet::create(sample::loader_module(), options, 1));
    services->rpm_ = UMD_TRY(DriverSet::create(rpm::loader_module(), options, 1));
    return services;
}

void Services::warm_keyrings(const std::vector<std::string>& keyrings)
{
    if (keyrings.empty()) return;
    auto lease = pgp_->lease(0, lease_wait_);
    if (!lease) {
        log(LogLevel::warning, "keyrings not warmed: {}", lease.error().message);
        return;
    }
    // Each configured keyring on its own, as a client names it in a request.
    for (const auto& path : keyrings) {
        auto ring = keyrings_.get(**lease, {pgp::FileRef(path)}, pgp::Policy{});
        if (!ring) log(LogLevel::warning, "keyring {} not warmed: {}", path, ring.error().message);
        else log(LogLevel::info, "keyring {} ready ({} certificates)", path, (*ring)->certificates().size());
    }
}

Result<Bytes> Services::handle(Request& request)
{
    ByteReader fields(ByteView(request.message).subspan(request.fields_at), "umdd request");
    switch (request.header.operation) {
    case Operation::status:
        UMD_TRY(fields.expect_end());
        return status();
    case Operation::sample_write: return sample_write(fields);
    case Operation::pgp_verify: return pgp_verify(fields, request.fds, request.peer);
    case Operation::rpm_verify: return rpm_verify(fields, request.fds, request.peer);
    case Operation::reload: break;   // the server's own (it holds the configuration)
    }
    return fail(Errc::bad_input, "unknown operation");
}

Result<Bytes> Services::status()
{
    StatusReply reply;
    for (const auto* set : {pgp_.get(), rpm_.get(), sample_.get()})
        for (const auto& st : set->status()) reply.drivers.push_back(report_of(st));
    return encode_fields(reply);
}

Result<Bytes> Services::sample_write(ByteReader& fields)
{
    auto request = UMD_TRY(decode_sample_write(fields));
    auto lease = UMD_TRY(sample_->lease(0, lease_wait_));
    UMD_TRY(sample::write(*lease, request.offset));
    return Bytes{};
}

Result<Bytes> Services::pgp_verify(ByteReader& fields, std::vector<UniqueFd>& fds, const Peer& peer)
{
    auto request = UMD_TRY(decode_pgp_verify(fields));
    if (fds.size() != request.fd_count())
        return fail(Errc::bad_input, "pgp verify: {} descriptors sent, the request names {}", fds.size(), request.fd_count());
    pgp::FilesToVerify files;
    std::size_t at = 0;
    for (std::uint32_t i = 0; i < request.keyrings; ++i, ++at) files.keyrings.emplace_back(request.names[at], fds[at].get());
    if (request.detached) {
        files.signature = pgp::FileRef(request.names[at], fds[at].get());
        ++at;
    }
    files.file = pgp::FileRef(request.names[at], fds[at].get());
    ++at;
    files.policy.signatures = request.signatures;
    files.policy.not_before = request.not_before;
    files.policy.not_after = request.not_after;
    files.keep_content = request.keep_content;

    UMD_TRY(pgp::check_request(files));   // before any file is read, as verify_files() does
    auto lease = UMD_TRY(pgp_->lease(peer.uid, lease_wait_));
    auto ring = UMD_TRY(keyrings_.get(*lease, files.keyrings, files.policy));
    // Alone, a verification checks its signatures on two CPUs (it ends sooner); with
    // others running, every CPU is busy already and one thread is cheaper.
    struct Active {
        std::atomic<unsigned>& n;
        explicit Active(std::atomic<unsigned>& c) : n(c) { ++n; }
        ~Active() { --n; }
    } active(verifying_);
    const auto checking = verifying_ == 1 ? pgp::Checking::also_on_another_cpu : pgp::Checking::on_this_thread;
    auto verified = UMD_TRY(pgp::verify_with_keyring(*lease, *ring, files, checking));

    PgpVerifyReply reply;
    reply.valid = verified.verdict.valid();
    reply.required = verified.verdict.required;
    reply.good_signers = verified.verdict.good_signers;
    for (const auto& bad : verified.verdict.bad) reply.bad.push_back({bad.issuer, bad.reason});
    if (request.keep_content && reply.valid) {
        UMD_TRY(write_content(fds[at].get(), verified.content));
        reply.content_size = verified.content.size();
    }
    return encode_fields(reply);
}

Result<Bytes> Services::rpm_verify(ByteReader& fields, std::vector<UniqueFd>& fds, const Peer& peer)
{
    auto request = UMD_TRY(decode_rpm_verify(fields));
    const std::size_t wanted = request.keyrings + 1 + (request.digests ? 1 : 0);
    if (fds.size() != wanted)
        return fail(Errc::bad_input, "rpm verify: {} descriptors sent, the request names {}", fds.size(), wanted);
    std::vector<pgp::FileRef> keyrings;
    for (std::uint32_t i = 0; i < request.keyrings; ++i) keyrings.emplace_back(request.names[i], fds[i].get());
    // Both leases in one order (pgp, then rpm), so two requests never wait on each other.
    auto pgp_lease = UMD_TRY(pgp_->lease(peer.uid, lease_wait_));
    // A keyring failure is the request's error (the CLI reports it once and stops), as
    // loading the keyring is standalone.
    auto ring = UMD_TRY(keyrings_.get(*pgp_lease, keyrings, pgp::Policy{}));
    auto rpm_lease = UMD_TRY(rpm_->lease(peer.uid, lease_wait_));
    const std::string& name = request.names.back();
    // The package's own failure is its verdict, in the reply: the CLI goes on with the next.
    auto verify = [&]() -> Result<RpmVerified> {
        auto file = UMD_TRY(rpm::PackageSource::adopt(std::move(fds[request.keyrings]), name));
        auto parsed = UMD_TRY(rpm::parse_with_handler(*rpm_lease, file));
        auto v = rpm::verify_parsed(parsed, file, rpm::pgp_signature_check(*pgp_lease, *ring));
        if (!v) return std::unexpected(with_context(v.error(), name));
        RpmVerified out{v->info().nevra(), v->signer(), v->info().digest_algo, 0};
        if (request.digests) {
            // As `umd rpm digests` lists them: regular files with content.
            std::vector<RpmFileDigest> files;
            for (const auto& f : v->info().files)
                if ((f.mode & 0170000) == 0100000 && !f.digest.empty()) files.push_back({f.digest, f.path});
            Bytes list = encode_rpm_digest_list(files);
            UMD_TRY(write_content(fds.back().get(), list));
            out.list_size = list.size();
        }
        return out;
    };
    RpmVerifyReply reply;
    reply.verified = verify();
    return encode_fields(reply);
}

}  // namespace umd::daemon

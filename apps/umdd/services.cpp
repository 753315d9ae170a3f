// apps/umdd/services.cpp — umdd's operations on its resident drivers (trusted side).
#include "apps/umdd/services.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <umd/sandbox.h>
#include <umd/text.h>
#include <umd_generated/pgp_loader.h>
#include <umd_generated/rpm_loader.h>
#include <umd_generated/sample_loader.h>

#include "apps/umdd/log.h"
#include "drivers/pgp/trusted/describe.h"
#include "drivers/pgp/trusted/verify_files.h"
#include "drivers/rpm/trusted/describe.h"
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

/// A JSON document into the client's memfd: the reply says how many bytes it is.
Result<Bytes> write_document(int fd, const nlohmann::json& document)
{
    // Every string in it was made valid UTF-8 where it was built; replace is the last defence.
    const std::string text = document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    UMD_TRY(write_content(fd, ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size())));
    return encode_fields(DocumentReply{text.size()});
}

Status expect_fds(const std::vector<UniqueFd>& fds, std::size_t wanted, std::string_view op)
{
    if (fds.size() != wanted) return fail(Errc::bad_input, "{}: {} descriptors sent, the request names {}", op, fds.size(), wanted);
    return {};
}

/// `umd rpm verify` of one package a client passed: the one verify path.
Result<rpm::VerifiedPackage> verify_package(Driver& rpm_driver, Driver& pgp_driver, const pgp::Keyring& ring, UniqueFd fd,
                                            const std::string& name)
{
    auto file = UMD_TRY(rpm::PackageSource::adopt(std::move(fd), name));
    auto parsed = UMD_TRY(rpm::parse_with_handler(rpm_driver, file));
    auto v = rpm::verify_parsed(parsed, file, rpm::pgp_signature_check(pgp_driver, ring));
    if (!v) return std::unexpected(with_context(v.error(), name));
    return v;
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
    services->bpfilter_ = UMD_TRY(BpfilterService::start(options));
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
    case Operation::pgp_show: return pgp_show(fields, request.fds, request.peer);
    case Operation::rpm_show: return rpm_show(fields, request.fds, request.peer);
    case Operation::trust_add: return trust_add(fields, request.fds, request.peer);
    case Operation::trust_remove: return trust_remove(fields, request.peer);
    case Operation::trust_list: return trust_list(fields, request.fds);
    case Operation::trust_check: return trust_check(fields, request.fds);
    case Operation::guard_status: return guard_status(fields, request.fds);
    case Operation::guard_mode: return guard_mode(fields);
    case Operation::guard_check: return guard_check(fields, request.fds);
    case Operation::bpfilter: return bpfilter(fields, request.fds, request.peer);
    case Operation::bpfilter_eval: return bpfilter_eval(fields, request.fds);
    case Operation::reload: break;   // the server's own (it holds the configuration)
    }
    return fail(Errc::bad_input, "unknown operation");
}

Result<Bytes> Services::status() const
{
    StatusReply reply;
    for (const auto* set : {pgp_.get(), rpm_.get(), sample_.get()})
        for (const auto& st : set->status()) reply.drivers.push_back(report_of(st));
    for (const auto& st : bpfilter_->status()) reply.drivers.push_back(report_of(st));
    std::lock_guard guard(db_lock_);
    reply.trust_db = db_path_;
    reply.trust_db_error = db_error_;
    return encode_fields(reply);
}

void Services::open_trust_db(const std::string& configured)
{
    // Clients compare paths with the one status reports: one spelling for a directory.
    std::error_code ec;
    const std::string path = std::filesystem::weakly_canonical(configured, ec).string();
    {
        std::lock_guard guard(db_lock_);
        if (db_ && path == db_path_) {
            // The same environment must not be opened twice in one process (LMDB's
            // rule): keep it, and catch up with what other processes committed.
            if (auto fresh = db_->refresh_memory_index(); !fresh)
                log(LogLevel::warning, "trust database {}: {}", path, fresh.error().message);
            return;
        }
    }
    auto db = rpm::TrustDb::open(path, {.memory_index = true});
    std::lock_guard guard(db_lock_);
    db_path_ = path;
    if (!db) {
        db_.reset();
        db_error_ = db.error().message;
        log(LogLevel::warning, "trust database {} not open: {}", path, db_error_);
        return;
    }
    db_ = std::make_shared<rpm::TrustDb>(std::move(*db));
    db_error_.clear();
    const auto index = db_->memory_index_info();
    log(LogLevel::info, "trust database {} open ({} digests in memory)", path, index ? index->digests : 0);
}

Result<std::shared_ptr<rpm::TrustDb>> Services::trust_db() const
{
    std::lock_guard guard(db_lock_);
    if (!db_) return fail(Errc::io, "umdd has no trust database: {}", db_error_.empty() ? "none configured" : db_error_);
    return db_;
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
    for (const auto& s : verified.verdict.signatures)
        reply.signatures.push_back({static_cast<std::uint8_t>(s.outcome), s.version, s.type, s.pk_algorithm,
                                    s.hash_algorithm, s.created, s.expires_after, s.key, s.primary});
    if (request.keep_content && reply.valid) {
        UMD_TRY(write_content(fds[at].get(), verified.content));
        reply.content_size = verified.content.size();
    }
    return encode_fields(reply);
}

Result<Bytes> Services::rpm_verify(ByteReader& fields, std::vector<UniqueFd>& fds, const Peer& peer)
{
    auto request = UMD_TRY(decode_rpm_verify(fields));
    UMD_TRY(expect_fds(fds, request.keyrings + 1 + (request.digests ? 1 : 0), "rpm verify"));
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
        auto v = UMD_TRY(verify_package(*rpm_lease, *pgp_lease, *ring, std::move(fds[request.keyrings]), name));
        RpmVerified out{v.info().nevra(), v.signer(), v.info().digest_algo, 0};
        if (request.digests) {
            // As `umd rpm digests` lists them: regular files with content.
            std::vector<RpmFileDigest> files;
            for (const auto& f : v.info().files)
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

Result<Bytes> Services::pgp_show(ByteReader& fields, std::vector<UniqueFd>& fds, const Peer& peer)
{
    auto request = UMD_TRY(decode_show(fields));
    UMD_TRY(expect_fds(fds, 2, "pgp show"));
    auto lease = UMD_TRY(pgp_->lease(peer.uid, lease_wait_));
    auto parsed = UMD_TRY(pgp::parse_file(*lease, pgp::FileRef(request.name, fds[0].get())));
    auto document = UMD_TRY(pgp::describe(parsed));
    return write_document(fds[1].get(), document);
}

Result<Bytes> Services::rpm_show(ByteReader& fields, std::vector<UniqueFd>& fds, const Peer& peer)
{
    auto request = UMD_TRY(decode_show(fields));
    UMD_TRY(expect_fds(fds, 2, "rpm show"));
    auto lease = UMD_TRY(rpm_->lease(peer.uid, lease_wait_));
    auto file = UMD_TRY(rpm::PackageSource::adopt(std::move(fds[0]), request.name));
    auto parsed = UMD_TRY(rpm::parse_with_handler(*lease, file));
    auto info = rpm::inspect_parsed(parsed, file);
    if (!info) return std::unexpected(with_context(info.error(), request.name));
    return write_document(fds[1].get(), rpm::describe_package(parsed, *info));
}

Result<Bytes> Services::trust_add(ByteReader& fields, std::vector<UniqueFd>& fds, const Peer& peer)
{
    auto request = UMD_TRY(decode_trust_add(fields));
    UMD_TRY(expect_fds(fds, request.names.size(), "trust add"));
    auto db = UMD_TRY(trust_db());
    std::vector<pgp::FileRef> keyrings;
    for (std::uint32_t i = 0; i < request.keyrings; ++i) keyrings.emplace_back(request.names[i], fds[i].get());
    // Both leases in one order (pgp, then rpm), as rpm_verify takes them.
    auto pgp_lease = UMD_TRY(pgp_->lease(peer.uid, lease_wait_));
    auto ring = UMD_TRY(keyrings_.get(*pgp_lease, keyrings, pgp::Policy{}));
    auto rpm_lease = UMD_TRY(rpm_->lease(peer.uid, lease_wait_));

    // Each package verified and checked on its own (a refusal is its verdict); the
    // packages that pass go into the database in one transaction.
    TrustAddReply reply;
    std::vector<rpm::VerifiedPackage> verified;
    for (std::size_t i = request.keyrings; i < request.names.size(); ++i) {
        const std::string& name = request.names[i];
        auto v = verify_package(*rpm_lease, *pgp_lease, *ring, std::move(fds[i]), name);
        if (v) {
            if (auto ok = rpm::check_admissible(*v, name, request.allow_weak_digests); !ok) v = std::unexpected(ok.error());
        }
        if (!v) {
            reply.packages.push_back(std::unexpected(v.error()));
            continue;
        }
        reply.packages.push_back(v->info().nevra());
        verified.push_back(std::move(*v));
    }
    std::vector<const rpm::VerifiedPackage*> batch;
    for (const auto& v : verified) batch.push_back(&v);
    UMD_TRY(db->add_batch(batch, {}, request.allow_weak_digests));
    log(LogLevel::notice, "trust add by uid {}: {} added, {} refused", peer.uid, batch.size(), reply.packages.size() - batch.size());
    return encode_fields(reply);
}

Result<Bytes> Services::trust_remove(ByteReader& fields, const Peer& peer)
{
    auto request = UMD_TRY(decode_trust_remove(fields));
    auto db = UMD_TRY(trust_db());
    UMD_TRY(db->remove(request.nevra));
    log(LogLevel::notice, "trust remove by uid {}: {}", peer.uid, printable_text(request.nevra));
    return Bytes{};
}

Result<Bytes> Services::trust_list(ByteReader& fields, std::vector<UniqueFd>& fds)
{
    UMD_TRY(fields.expect_end());
    UMD_TRY(expect_fds(fds, 1, "trust list"));
    auto db = UMD_TRY(trust_db());
    auto packages = UMD_TRY(db->list());
    return write_document(fds[0].get(), rpm::describe_trusted(packages));
}

Result<Bytes> Services::trust_check(ByteReader& fields, std::vector<UniqueFd>& fds)
{
    auto request = UMD_TRY(decode_trust_check(fields));
    UMD_TRY(expect_fds(fds, request.names.size(), "trust check"));
    auto db = UMD_TRY(trust_db());
    TrustCheckReply reply;
    for (std::size_t i = 0; i < fds.size(); ++i) {
        auto answer = [&]() -> Result<TrustCheckAnswer> {
            auto file = UMD_TRY(rpm::PackageSource::adopt(std::move(fds[i]), request.names[i]));
            auto checked = UMD_TRY(db->check(file, request.allow_weak_digests));
            TrustCheckAnswer a{checked.digest, static_cast<std::uint32_t>(checked.vouchers.size()), {}, {}};
            if (!checked.vouchers.empty()) {
                a.nevra = checked.vouchers[0].nevra;
                a.path = checked.vouchers[0].path;
            }
            return a;
        };
        reply.files.push_back(answer());
    }
    return encode_fields(reply);
}

Status Services::start_guard(const Config& config)
{
    guard_ = UMD_TRY(GuardService::start(config, [this] { return trust_db(); }));
    return {};
}

Result<Bytes> Services::guard_status(ByteReader& fields, std::vector<UniqueFd>& fds)
{
    UMD_TRY(fields.expect_end());
    UMD_TRY(expect_fds(fds, 1, "guard status"));
    auto document = UMD_TRY(guard_->status());
    return write_document(fds[0].get(), document);
}

Result<Bytes> Services::guard_mode(ByteReader& fields)
{
    auto request = UMD_TRY(decode_guard_mode(fields));
    UMD_TRY(guard_->set_mode(request.permissive ? guard::Mode::permissive : guard::Mode::enforcing));
    return Bytes{};
}

Result<Bytes> Services::guard_check(ByteReader& fields, std::vector<UniqueFd>& fds)
{
    auto request = UMD_TRY(decode_guard_check(fields));
    UMD_TRY(expect_fds(fds, 1, "guard check"));
    auto reply = UMD_TRY(guard_->check(fds[0].get(), request.name));
    return encode_fields(reply);
}

Result<Bytes> Services::bpfilter(ByteReader& fields, std::vector<UniqueFd>& fds, const Peer& peer)
{
    auto request = UMD_TRY(decode_bpfilter(fields));
    UMD_TRY(expect_fds(fds, 2, "bpfilter"));
    auto reply = UMD_TRY(bpfilter_->handle(request, fds[0].get(), fds[1].get(), peer.uid));
    return encode_fields(reply);
}

Result<Bytes> Services::bpfilter_eval(ByteReader& fields, std::vector<UniqueFd>& fds)
{
    auto request = UMD_TRY(decode_bpfilter_eval(fields));
    UMD_TRY(expect_fds(fds, 1, "bpfilter eval"));
    return encode_fields(UMD_TRY(bpfilter_->evaluate(request, fds[0].get())));
}

}  // namespace umd::daemon

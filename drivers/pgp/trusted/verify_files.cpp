// drivers/pgp/trusted/verify_files.cpp — one verification of files, in the one order every front end uses.
// Trusted side. See verify_files.h.
#include "drivers/pgp/trusted/verify_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <thread>

#include <umd/one_shot/another_cpu.h>
#include <umd/unique_fd.h>

#include "drivers/pgp/trusted/client.h"
#include "drivers/pgp/trusted/warm_up.h"

namespace umd::pgp {

Status check_request(const FilesToVerify& files, bool keyrings_needed)
{
    if (keyrings_needed && files.keyrings.empty()) return fail(Errc::invalid_argument, "at least one keyring is needed");
    if (files.policy.signatures == 0) return fail(Errc::invalid_argument, "the signatures required must be at least 1");
    if (files.signature.given() && files.keep_content)
        return fail(Errc::invalid_argument, "the content of a detached signature's data is the file itself: nothing to keep "
                                            "(the content is written for signed messages only)");
    return {};
}

namespace {

Result<Verdict> judge(const Keyring& ring, const Parsed& input, const FilesToVerify& files, Bytes* content, Checking checking)
{
    if (files.signature.given()) {
        if (input.kind != InputKind::detached_signature)
            return fail(Errc::bad_input, "{}: not a detached signature", files.signature.name);
        UniqueFd opened;
        int data = files.file.fd;
        if (data < 0) {
            // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below).
            opened = UniqueFd(::open(files.file.name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
            if (!opened) return fail(Errc::io, "{}: {}", files.file.name, std::strerror(errno));
            data = opened.get();
        }
        // A regular file only: a device such as /dev/zero would never end.
        struct stat st {};
        if (::fstat(data, &st) != 0) return fail(Errc::io, "{}: {}", files.file.name, std::strerror(errno));
        if (!S_ISREG(st.st_mode)) return fail(Errc::bad_input, "{}: not a regular file", files.file.name);
        return verify_detached(ring, input, data, files.policy, checking);
    }
    if (input.kind != InputKind::cleartext && input.kind != InputKind::inline_message)
        return fail(Errc::bad_input, "{}: not a signed message (give a detached signature for plain data)", files.file.name);
    return verify_message(ring, input, files.policy, content, checking);
}

/// The verdict, and the content when asked for and valid.
Result<VerifiedFiles> finish(const Keyring& ring, const Parsed& input, const FilesToVerify& files, Checking checking)
{
    VerifiedFiles out;
    // The content is only kept when asked for (one pass over the text fewer).
    out.verdict = UMD_TRY(judge(ring, input, files, files.keep_content ? &out.content : nullptr, checking));
    if (!out.verdict.valid()) out.content.clear();
    return out;
}

const FileRef& input_of(const FilesToVerify& files) { return files.signature.given() ? files.signature : files.file; }

}  // namespace

Result<VerifiedFiles> verify_with_keyring(Driver& driver, const Keyring& keyring, const FilesToVerify& files,
                                          Checking checking)
{
    UMD_TRY(check_request(files, false));
    auto input = UMD_TRY(parse_file(driver, input_of(files)));
    // A second CPU helps only when there are signatures to share out; for one, the
    // thread costs more than it saves.
    if (input.signatures.size() < 2) checking = Checking::on_this_thread;
    return finish(keyring, input, files, checking);
}

Result<VerifiedFiles> verify_files(Driver& driver, const FilesToVerify& files, Urgency urgency)
{
    UMD_TRY(check_request(files));
    const bool one_shot = urgency == Urgency::one_shot;
    // One shot: the handler starts on the spawn thread while this one reads the keyring
    // files, and libcrypto loads and builds what the verification needs on another CPU.
    std::jthread warm_up;
    if (one_shot) {
        driver.prestart();
        warm_up = one_shot::start_on_another_cpu(pgp::warm_up);
    }
    // The keyrings go to the handler first, while it has seen nothing else: a handler
    // that had parsed the untrusted input first could answer for the keyring as the
    // input's author wishes (the driver would then end it and start another).
    auto anchors = parse_keyring_files(driver, files.keyrings);
    if (!anchors) {
        if (one_shot) driver.unload_in_background();
        return std::unexpected(anchors.error());
    }
    const FileRef& input_path = input_of(files);
    std::optional<Result<Parsed>> input;
    std::optional<Result<Keyring>> ring;
    if (one_shot) {
        // The input is read and parsed on another CPU while this one builds the keyring.
        std::jthread parse_input = one_shot::start_on_another_cpu([&] { input.emplace(parse_file(driver, input_path)); });
        ring.emplace(Keyring::from(std::move(*anchors), files.policy));
    } else {
        ring.emplace(Keyring::from(std::move(*anchors), files.policy));
        input.emplace(parse_file(driver, input_path));
    }
    // One shot: parsing is over; the handler is killed now, dies while the data is hashed
    // and verified here, and is reaped at shut-down; its image is freed by its exit.
    if (one_shot) driver.unload_in_background();
    if (!*ring) return std::unexpected(ring->error());
    if (!*input) return std::unexpected(input->error());
    return finish(**ring, **input, files, one_shot ? Checking::also_on_another_cpu : Checking::on_this_thread);
}

}  // namespace umd::pgp

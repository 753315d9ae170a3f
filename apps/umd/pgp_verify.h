// apps/umd/pgp_verify.h — one OpenPGP verification for a front end (trusted side).
//
// `umd pgp verify`, umd-gpgv and umd-sqv parse their own argument forms, then ask
// here: the request goes to umdd when one serves (Context::daemon), else to a
// handler this process starts (pgp::verify_files, Urgency::one_shot). Either way the
// OpenPGP parser runs in the sandboxed handler.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <umd/unique_fd.h>

#include "commands.h"
#include "drivers/pgp/trusted/verify_files.h"

namespace umd::cli {

/// The verdict (with every signature's report) and, when asked, the content.
Result<pgp::VerifiedFiles> verify(Context& ctx, const pgp::FilesToVerify& files);

/// The file an argument names: `-` is standard input, read here into a memfd (at most
/// pgp::max_input_file bytes) that `keep` holds, so that it can be read from its start
/// and sent to umdd like a file; any other argument is a path.
Result<pgp::FileRef> input_file(const std::string& arg, std::vector<UniqueFd>& keep);

/// A time as sqv takes it: Unix seconds ("@N" or digits only), or ISO 8601
/// YYYY-MM-DD[THH:MM[:SS]][Z|±HH[:MM]] (UTC when no zone is given). A bare date means
/// its first second, or with end_of_day its last one. A date that does not exist
/// (2026-02-31, 2025-02-29) is refused (Errc::invalid_argument), not rolled over.
Result<std::int64_t> parse_time(const std::string& text, bool end_of_day);

}  // namespace umd::cli

// drivers/sample/trusted/sample.h — the sample driver's Manager side (trusted).
#pragma once

#include <cstdint>

#include <umd/error.h>
#include <umd/manager.h>
#include <umd_generated/sample_loader.h>   // loader_module(), defined in ../loader.cpp

namespace umd::sample {

/// Asks the handler to set byte `offset` of a 128 KiB reply and checks that it did:
/// the reply must be exactly 128 KiB, that byte 1, every other byte 0.
/// Errors: invalid_argument for an offset out of range (nothing is sent),
/// rejected when the reply does not check out, or the driver's error.
Status write(Driver& driver, std::uint64_t offset);

/// Sends `data` and checks that the handler echoed it back unchanged.
Result<Bytes> echo(Driver& driver, ByteView data);

/// echo() for a caller that owns the buffers (Driver::send_recv_into): `data` is sent
/// from where it is and the reply read straight into `out` (at least data.size()
/// bytes, not overlapping `data`), then compared with `data` in one memcmp. Nothing is
/// allocated. Errors: invalid_argument for a buffer too small or overlapping,
/// rejected when the reply differs, or the driver's error.
Status echo_into(Driver& driver, ByteView data, std::span<std::uint8_t> out);

}  // namespace umd::sample

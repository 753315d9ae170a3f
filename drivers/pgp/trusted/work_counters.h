// drivers/pgp/trusted/work_counters.h — counts of the Manager's costly steps.
//
// Trusted side. Amplification bounds (docs/trust-boundary.md) are tested by
// counting work, never by timing: how many fingerprints Keyring::from()
// computed, how many bytes of signed data the verifier hashed and in how many
// passes. Relaxed atomics, one addition per fingerprint or per chunk of data:
// nothing measurable. Process-wide; a test resets them before what it counts.
#pragma once

#include <atomic>
#include <cstdint>

namespace umd::pgp {

struct WorkCounters {
    std::atomic<std::uint64_t> fingerprints{0};        ///< key fingerprints computed by Keyring::from()
    std::atomic<std::uint64_t> data_bytes_hashed{0};   ///< signed-data bytes given to a hash (all passes)
    std::atomic<std::uint64_t> data_passes{0};         ///< hashes run over the signed data
    std::atomic<std::uint64_t> signature_checks{0};    ///< (data signature, candidate key) pairs judged: each at most one public-key operation

    struct Snapshot {
        std::uint64_t fingerprints, data_bytes_hashed, data_passes, signature_checks;
    };
    Snapshot snapshot() const
    {
        return {fingerprints.load(), data_bytes_hashed.load(), data_passes.load(), signature_checks.load()};
    }

    void reset()
    {
        fingerprints = 0;
        data_bytes_hashed = 0;
        data_passes = 0;
        signature_checks = 0;
    }
};

inline WorkCounters& work_counters()
{
    static WorkCounters counters;
    return counters;
}

}  // namespace umd::pgp

// apps/umdd/guard/verdict.cpp — from knowledge of a file to an answer. Trusted side, privileged (umdd).
#include "apps/umdd/guard/verdict.h"

namespace umd::guard {

std::string_view reason_name(Reason reason) noexcept
{
    switch (reason) {
    case Reason::trusted: return "trusted";
    case Reason::untrusted: return "untrusted";
    case Reason::not_elf: return "not-elf";
    case Reason::not_regular: return "not-regular";
    case Reason::own_process: return "own-process";
    case Reason::read_failed: return "read-failed";
    case Reason::decider_failed: return "decider-failed";
    case Reason::changed_while_hashed: return "changed-while-hashed";
    }
    return "unknown";
}

bool sufficient(const Knowledge& k, bool exec) noexcept
{
    if (k.failed || k.trust != Trust::unknown) return true;
    return !exec && k.content == Content::not_elf;
}

Verdict verdict_for(const Knowledge& k, bool exec) noexcept
{
    if (k.failed) return {false, k.reason};
    if (k.trust == Trust::trusted) return {true, Reason::trusted};
    if (!exec && k.content == Content::not_elf) return {true, Reason::not_elf};
    // Untrusted, or (never reached through sufficient()) not known: fail closed.
    return {false, Reason::untrusted};
}

}  // namespace umd::guard

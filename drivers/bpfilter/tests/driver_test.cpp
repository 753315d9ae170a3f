// drivers/bpfilter/tests/driver_test.cpp — replacements checked through the real, sandboxed
// bpfilter handler (strict profile) and the Manager's checks of its records; each answer
// compared with the kernel's for the same blob.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <random>

#include <umd/manager.h>
#include <umd_generated/bpfilter_loader.h>

#include "drivers/bpfilter/tests/kernel_replace.h"
#include "drivers/bpfilter/tests/table_blob.h"
#include "drivers/bpfilter/trusted/replace_session.h"

namespace umd::bpfilter::test {
namespace {

class ThroughTheHandler : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        auto registry = std::make_shared<LoaderRegistry>();
        registry->add_builtin(loader_module());
        manager_ = new Manager(registry);
    }
    static void TearDownTestSuite()
    {
        delete manager_;
        manager_ = nullptr;
    }
    Driver& driver() { return **manager_->driver("bpfilter"); }

    /// 0 when the handler's table passed the Manager's checks, else the errno it carries.
    int answer(const Blob& blob)
    {
        auto outcome = check_replace(driver(), blob);
        EXPECT_TRUE(outcome) << outcome.error().message;
        if (!outcome) return -1;
        if (const auto* refused = std::get_if<Refused>(&*outcome)) return refused->error;
        const auto& table = std::get<AcceptedTable>(*outcome);
        EXPECT_EQ(table.entries.size(), table.layout.size);   // the caller's entries, as many bytes as the header says
        return 0;
    }

    static inline Manager* manager_ = nullptr;
};

TEST_F(ThroughTheHandler, TablesAndTheirMutationsGetTheKernelsAnswer)
{
    std::mt19937 random(7);
    unsigned asked = 0, accepted = 0;
    for (const Blob& good : {empty_filter().build(), filter_with_user_chain().build(), filter_with_protocol_rules().build()}) {
        for (int round = 0; round < 100; ++round) {
            Blob b = good;
            if (round > 0) {
                std::size_t at = 0;
                do at = random() % b.size();
                while (at < offsetof(ipt_replace, num_entries) || (at >= offsetof(ipt_replace, num_counters) && at < header_size));
                b[at] = static_cast<std::uint8_t>(random());
            }
            const int ours = answer(b);
            if (ours == 0) ++accepted;
            if (const auto kernel = kernel_replace(b)) {
                ++asked;
                EXPECT_EQ(ours, *kernel) << "round " << round << ": the kernel says " << std::strerror(*kernel);
            }
        }
    }
    std::printf("[          ] 300 tables through the handler: %u accepted, %u compared with the kernel\n", accepted, asked);
    EXPECT_EQ(driver().status().restarts, 0u);   // no blob crashed the handler
}

TEST_F(ThroughTheHandler, ARequestLargerThanTheDriverTakesIsRefusedBeforeItIsSent)
{
    Blob huge(Limits::max_request + 1, 0);
    auto outcome = check_replace(driver(), huge);
    ASSERT_FALSE(outcome);
    EXPECT_EQ(outcome.error().code, Errc::bad_input);
}

}  // namespace
}  // namespace umd::bpfilter::test

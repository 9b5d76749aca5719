// The `magpie` command end to end on a temp data folder: output formats and exit codes.
// Runs the binary built beside the test binary; skipped when it is not there.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace {

namespace fsys = std::filesystem;

class CliTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto exe = fsys::read_symlink("/proc/self/exe");
        binary_ = (exe.parent_path() / "../../magpie").lexically_normal().string();
        if (!fsys::exists(binary_)) GTEST_SKIP() << "no magpie binary at " << binary_;
        char tmpl[] = "/tmp/magpie-cli-XXXXXX";
        dir_ = mkdtemp(tmpl);
        std::ofstream(dir_ + "/magpie.toml") << "data_dir = \"" << dir_ << "/data\"\n";
    }
    void TearDown() override {
        if (!dir_.empty()) fsys::remove_all(dir_);
    }
    // Runs `magpie -c ... ARGS` (with `input` on stdin); returns stdout, sets code_.
    std::string run(const std::string& args, const std::string& input = "") {
        std::string cmd = "printf '%b' '" + input + "' | " + binary_ + " -c " + dir_ +
                          "/magpie.toml " + args + " 2>/dev/null";
        FILE* p = popen(cmd.c_str(), "r");
        std::string out;
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
        int status = pclose(p);
        code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return out;
    }
    std::string binary_, dir_;
    int code_ = -1;
};

TEST_F(CliTest, DirectoryRoundTrip) {
    EXPECT_EQ(run("domain add Example.org --group-addresses"), "");
    EXPECT_EQ(code_, 0);
    EXPECT_TRUE(fsys::exists(dir_ + "/data/magpie.db"));
    run("user add alice --password-stdin", "secret\n");
    EXPECT_EQ(code_, 0);
    run("user add bob --forward bob@remote.net --no-keep-copy --quota 2G");
    run("group add sales --member alice,bob");
    run("public add shared");
    run("address add info@example.org --to alice,public:shared --internal");
    EXPECT_EQ(code_, 0);
    EXPECT_EQ(run("domain list"),
              "example.org user_addresses=yes group_addresses=yes catch_all= hidden_copy=\n");
    EXPECT_EQ(run("user list"),
              "alice disabled=no password=yes keep_copy=yes forwards= quota=default "
              "spam_retention=default\n"
              "bob disabled=no password=no keep_copy=no forwards=bob@remote.net quota=2G "
              "spam_retention=default\n");
    run("user set alice --quota 1500k --spam-retention 30");
    EXPECT_EQ(run("user show alice"),
              "alice disabled=no password=yes keep_copy=yes forwards= quota=1500K "
              "spam_retention=30\n");
    run("user set alice --quota unlimited --spam-retention forever");
    EXPECT_EQ(run("user show alice --json"),
              "{\"name\":\"alice\",\"disabled\":false,\"has_password\":true,\"forwards\":[],"
              "\"keep_copy\":true,\"quota\":0,\"spam_retention_days\":0}\n");
    run("user set alice --quota plenty");
    EXPECT_EQ(code_, 1);
    run("user set alice --spam-retention soon");
    EXPECT_EQ(code_, 1);
    run("user set alice --spam-retention default");
    EXPECT_NE(run("user show alice --json").find("\"spam_retention_days\":null}"),
              std::string::npos);
    run("user show nobody");
    EXPECT_EQ(code_, 1);
    EXPECT_EQ(run("group list"), "sales members=alice,bob\n");
    EXPECT_EQ(run("public list"), "shared\n");
    EXPECT_EQ(run("address list"), "info@example.org to=alice,public:shared internal=yes\n");
    EXPECT_EQ(run("group list --json"), "[{\"name\":\"sales\",\"members\":[\"alice\",\"bob\"]}]\n");
}

TEST_F(CliTest, Settings) {
    run("settings set max_message_size 10M");
    EXPECT_EQ(code_, 0);
    EXPECT_EQ(run("settings get max_message_size"), "10485760\n");
    auto all = run("settings list");
    EXPECT_NE(all.find("\ntrusted_networks=127.0.0.0/8,::1\n"), std::string::npos);
    run("settings set max_message_size lots");
    EXPECT_EQ(code_, 1);
    run("settings get no_such_key");
    EXPECT_EQ(code_, 1);
}

TEST_F(CliTest, ExitCodes) {
    run("user remove nobody");
    EXPECT_EQ(code_, 1);
    run("address add x@nodomain.org --to alice");
    EXPECT_EQ(code_, 1);
    run("domain");
    EXPECT_EQ(code_, 2);
    run("domain add");
    EXPECT_EQ(code_, 2);
    run("frobnicate");
    EXPECT_EQ(code_, 2);
    run("--help");
    EXPECT_EQ(code_, 0);
}

}  // namespace

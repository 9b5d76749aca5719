// Antivirus: libclamav with signature databases the tests write (MD5 .hdb of EICAR and of
// clamav-testfiles' clam.exe), official-database filtering, reload while scanning, and
// clamd INSTREAM against a private clamd on a unix socket.
#include "filter/antivirus.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <openssl/evp.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "filter/antivirus_clamd.h"
#include "filter/antivirus_db.h"
#include "filter/antivirus_tmp.h"
#include "filter_test_util.h"

extern char** environ;

namespace magpie::filter {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Status = ScanResult::Status;

std::string md5_hex(std::string_view data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_Digest(data.data(), data.size(), md, &len, EVP_md5(), nullptr);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
        out += hex[md[i] >> 4];
        out += hex[md[i] & 15];
    }
    return out;
}

// "md5:size:name", ClamAV's .hdb line.
std::string hdb_line(std::string_view data, const std::string& name) {
    return md5_hex(data) + ":" + std::to_string(data.size()) + ":" + name + "\n";
}

void write_atomic(const fs::path& p, const std::string& content) {
    auto tmp = p.parent_path() / ("." + p.filename().string() + ".tmp");
    std::ofstream(tmp, std::ios::binary) << content;
    fs::rename(tmp, p);
}

class TempDir {
  public:
    TempDir() {
        std::string t = (fs::temp_directory_path() / "magpie-av-XXXXXX").string();
        path_ = ::mkdtemp(t.data());
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

std::string clam_file(const char* name) {
    auto p = filter_test::clamav_testfiles() / name;
    return fs::exists(p) ? filter_test::read_file(p) : std::string();
}

std::string eicar_message() {
    return filter_test::mime_message({{"notes.txt", "text/plain", filter_test::eicar()}});
}

std::string clean_message() {
    return filter_test::mime_message({{"notes.txt", "text/plain", "nothing to see here\n"}});
}

AntivirusOptions options(const fs::path& dir) {
    AntivirusOptions o;
    o.db_dir = dir.string();
    o.poll = 50ms;
    return o;
}

TEST(AntivirusDb, OfficialAndDatabaseNames) {
    EXPECT_TRUE(is_official_database("main.cvd"));
    EXPECT_TRUE(is_official_database("daily.cld"));
    EXPECT_TRUE(is_official_database("bytecode.cvd"));
    EXPECT_FALSE(is_official_database("magpie.hdb"));
    EXPECT_FALSE(is_official_database("junk.ndb"));
    EXPECT_FALSE(is_official_database("sanesecurity.cvd.txt"));
    EXPECT_TRUE(is_database_file("local.hdb"));
    EXPECT_TRUE(is_database_file("main.cvd"));
    EXPECT_FALSE(is_database_file(".local.hdb.tmp"));
    EXPECT_FALSE(is_database_file("local.hdb~"));
    EXPECT_FALSE(is_database_file("README"));
}

TEST(AntivirusDb, ListSkipsOfficialUnlessAsked) {
    TempDir d;
    std::ofstream(d.path() / "daily.cvd") << "x";
    std::ofstream(d.path() / "local.hdb") << "x";
    std::ofstream(d.path() / "notes.txt") << "x";
    auto l = list_databases(d.path(), false);
    ASSERT_EQ(l.size(), 1u);
    EXPECT_EQ(fs::path(l[0].path).filename(), "local.hdb");
    EXPECT_EQ(list_databases(d.path(), true).size(), 2u);
    EXPECT_TRUE(list_databases((d.path() / "absent").string(), true).empty());
}

TEST(Clamd, ParseReply) {
    EXPECT_EQ(parse_clamd_reply("stream: OK").status, Status::Clean);
    auto r = parse_clamd_reply("stream: Eicar-Test-Signature FOUND");
    EXPECT_EQ(r.status, Status::Infected);
    EXPECT_EQ(r.detail, "Eicar-Test-Signature");
    EXPECT_EQ(parse_clamd_reply("INSTREAM size limit exceeded. ERROR").status, Status::Unscanned);
    EXPECT_EQ(parse_clamd_reply("stream: Can't allocate memory ERROR").status, Status::Failed);
}

TEST(Antivirus, NoDatabasesScansNothing) {
    TempDir d;
    Antivirus av(options(d.path()));
    av.start();
    ASSERT_TRUE(av.wait_ready(10s));
    auto r = av.scan(eicar_message());
    EXPECT_EQ(r.status, Status::Unscanned);
    EXPECT_EQ(r.detail, "no signatures loaded");
    EXPECT_EQ(av.stats().unscanned, 1u);
}

TEST(Antivirus, NotReadyBeforeFirstLoad) {
    TempDir d;
    Antivirus av(options(d.path()));
    EXPECT_EQ(av.scan(clean_message()).status, Status::Failed);
}

TEST(Antivirus, EicarAndTestFilesDetected) {
    TempDir d;
    std::string db = hdb_line(filter_test::eicar(), "Magpie.Test.Eicar");
    auto exe = clam_file("clam.exe");
    if (!exe.empty()) db += hdb_line(exe, "Magpie.Test.ClamExe");
    write_atomic(d.path() / "magpie-test.hdb", db);
    Antivirus av(options(d.path()));
    av.start();
    ASSERT_TRUE(av.wait_ready(30s));
    EXPECT_EQ(av.stats().signatures, exe.empty() ? 1u : 2u);

    auto r = av.scan(eicar_message());
    ASSERT_EQ(r.status, Status::Infected) << r.detail;
    EXPECT_EQ(r.detail.rfind("Magpie.Test.Eicar", 0), 0u) << r.detail;
    EXPECT_EQ(virus_reject_reply(r.detail).rfind("554 5.7.1 ", 0), 0u);
    EXPECT_EQ(av.scan(clean_message()).status, Status::Clean);

    if (exe.empty()) GTEST_SKIP() << "clamav-testfiles not installed";
    for (auto name :
         {"clam.exe", "clam.zip", "clam.7z", "clam.tar.gz", "clam.cab", "clam.exe.bz2"}) {
        auto raw = filter_test::mime_message({{"report.pdf", "application/pdf", clam_file(name)}});
        auto res = av.scan(raw);
        EXPECT_EQ(res.status, Status::Infected) << name << ": " << res.detail;
        EXPECT_EQ(res.detail.rfind("Magpie.Test.ClamExe", 0), 0u) << name;
    }
    // The test file message as shipped (an mbox message with clam.exe attached).
    auto mail = clam_file("clam.mail");
    if (!mail.empty()) {
        EXPECT_EQ(av.scan(mail).status, Status::Infected);
    }
}

TEST(Antivirus, OwnTemporaryFolder) {
    TempDir d, tmp;
    write_atomic(d.path() / "local.hdb", hdb_line(filter_test::eicar(), "Local.Eicar"));
    auto o = options(d.path());
    o.tmp_dir = tmp.path().string();
    Antivirus av(o);
    av.start();
    ASSERT_TRUE(av.wait_ready(30s));
    EXPECT_TRUE(av.scan(eicar_message()).infected());
    EXPECT_EQ(av.scan(clean_message()).status, Status::Clean);
}

TEST(Antivirus, OfficialDatabasesOnlyWhenAsked) {
    TempDir d;
    write_atomic(d.path() / "local.hdb", hdb_line(filter_test::eicar(), "Local.Eicar"));
    // Not a real CVD: loading it fails, and the other databases still load.
    std::ofstream(d.path() / "daily.cvd") << "ClamAV-VDB:garbage";
    Antivirus av(options(d.path()));
    av.start();
    ASSERT_TRUE(av.wait_ready(30s));
    EXPECT_EQ(av.stats().databases, 1u);
    EXPECT_TRUE(av.stats().last_error.empty());
    av.configure(true, "");
    for (int i = 0; i < 200 && av.stats().last_error.empty(); ++i)
        std::this_thread::sleep_for(20ms);
    auto s = av.stats();
    EXPECT_NE(s.last_error.find("daily.cvd"), std::string::npos) << s.last_error;
    EXPECT_EQ(s.databases, 1u);
    EXPECT_EQ(av.scan(eicar_message()).status, Status::Infected);
}

TEST(Antivirus, ReloadPicksUpNewSignatureWhileScanning) {
    TempDir d;
    write_atomic(d.path() / "a.hdb", hdb_line("some other content", "Magpie.Test.Other"));
    Antivirus av(options(d.path()));
    av.start();
    ASSERT_TRUE(av.wait_ready(30s));
    auto raw = eicar_message();
    EXPECT_EQ(av.scan(raw).status, Status::Clean);

    std::atomic<bool> stop{false};
    std::atomic<int> failures{0}, scans{0};
    std::vector<std::thread> scanners;
    for (int t = 0; t < 2; ++t)
        scanners.emplace_back([&] {
            while (!stop) {
                auto r = av.scan(raw);
                if (r.status == Status::Failed || r.status == Status::Unscanned) ++failures;
                ++scans;
            }
        });
    write_atomic(d.path() / "b.hdb", hdb_line(filter_test::eicar(), "Magpie.Test.Eicar"));
    bool detected = false;
    for (int i = 0; i < 500 && !detected; ++i) {
        std::this_thread::sleep_for(20ms);
        detected = av.scan(raw).infected();
    }
    stop = true;
    for (auto& t : scanners) t.join();
    EXPECT_TRUE(detected);
    EXPECT_EQ(failures, 0);
    EXPECT_GT(scans, 0);
    EXPECT_GE(av.stats().reloads, 2u);
}

// A private clamd on a unix socket with the test databases.
class ClamdProcess {
  public:
    explicit ClamdProcess(const fs::path& dir) : dir_(dir) {
        socket_ = (dir / "clamd.sock").string();
        auto conf = dir / "clamd.conf";
        std::ofstream(conf) << "LocalSocket " << socket_ << "\nDatabaseDirectory "
                            << (dir / "db").string() << "\nForeground yes\nTemporaryDirectory "
                            << dir.string() << "\nLogFile " << (dir / "clamd.log").string() << "\n";
        std::string c = conf.string();
        char* argv[] = {const_cast<char*>("clamd"), const_cast<char*>("-c"), c.data(), nullptr};
        posix_spawn_file_actions_t quiet;
        posix_spawn_file_actions_init(&quiet);
        posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&quiet, 2, "/dev/null", O_WRONLY, 0);
        if (posix_spawn(&pid_, "/usr/sbin/clamd", &quiet, nullptr, argv, environ) != 0) pid_ = 0;
        posix_spawn_file_actions_destroy(&quiet);
    }
    ~ClamdProcess() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    bool wait_socket() const {
        for (int i = 0; pid_ > 0 && i < 600; ++i) {
            if (fs::exists(socket_)) return true;
            std::this_thread::sleep_for(50ms);
        }
        return false;
    }
    const std::string& socket() const { return socket_; }

  private:
    fs::path dir_;
    std::string socket_;
    pid_t pid_ = 0;
};

TEST(Clamd, InstreamAgainstRealClamd) {
    if (!fs::exists("/usr/sbin/clamd")) GTEST_SKIP() << "clamav-daemon not installed";
    TempDir d;
    fs::create_directory(d.path() / "db");
    write_atomic(d.path() / "db" / "test.hdb", hdb_line(filter_test::eicar(), "Magpie.Test.Eicar"));
    ClamdProcess clamd(d.path());
    ASSERT_TRUE(clamd.wait_socket());

    auto r = clamd_instream(clamd.socket(), eicar_message());
    EXPECT_EQ(r.status, Status::Infected) << r.detail;
    EXPECT_EQ(r.detail.rfind("Magpie.Test.Eicar", 0), 0u) << r.detail;
    // Larger than one INSTREAM chunk.
    std::string big =
        filter_test::mime_message({{"big.txt", "text/plain", std::string(300000, 'a')},
                                   {"e.txt", "text/plain", filter_test::eicar()}});
    EXPECT_EQ(clamd_instream(clamd.socket(), big).status, Status::Infected);
    EXPECT_EQ(clamd_instream(clamd.socket(), clean_message()).status, Status::Clean);

    AntivirusOptions o = options(d.path() / "empty");
    o.clamd = "unix:" + clamd.socket();
    Antivirus av(o);
    av.start();
    ASSERT_TRUE(av.wait_ready(10s));
    EXPECT_TRUE(av.scan(eicar_message()).infected());
    EXPECT_EQ(av.stats().scanner, "clamd " + o.clamd);
}

TEST(Clamd, UnreachableIsAFailure) {
    auto r = clamd_instream("/nonexistent/clamd.sock", clean_message(), 1s);
    EXPECT_EQ(r.status, Status::Failed);
    r = clamd_instream("127.0.0.1:1", clean_message(), 1s);
    EXPECT_EQ(r.status, Status::Failed);
}

bool is_private_dir(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == ::geteuid() &&
           (st.st_mode & 077) == 0;
}

bool shm_is_tmpfs() {
    struct statfs fs {};
    return ::statfs("/dev/shm", &fs) == 0 && fs.f_type == TMPFS_MAGIC &&
           ::access("/dev/shm", W_OK) == 0;
}

TEST(AntivirusTmp, PrefersTmpfsThenFallsBackToTheDataDir) {
    TempDir data;
    std::string fallback = (data.path() / "tmp" / "clamav").string();
    // /dev/shm is tmpfs on Linux: a private folder there.
    if (shm_is_tmpfs()) {
        std::string dir = choose_scan_tmp_dir({"/dev/shm"}, fallback);
        EXPECT_EQ(dir, "/dev/shm/magpie-" + std::to_string(::geteuid()));
        EXPECT_TRUE(is_private_dir(dir));
    }
    // A folder on the disk is no candidate, nor a missing one: the data dir it is.
    std::string dir = choose_scan_tmp_dir({data.path().string(), "/nonexistent"}, fallback);
    EXPECT_EQ(dir, fallback);
    EXPECT_TRUE(is_private_dir(dir));
    EXPECT_FALSE(std::filesystem::exists(data.path() / ("magpie-" + std::to_string(::geteuid()))));
}

TEST(AntivirusTmp, RefusesALinkOrAFolderItDoesNotOwn) {
    if (!shm_is_tmpfs()) GTEST_SKIP() << "no writable tmpfs at /dev/shm";
    TempDir data;
    char tmpl[] = "/dev/shm/magpie-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    fs::path base = tmpl;
    std::string name = "magpie-" + std::to_string(::geteuid());
    std::string fallback = (data.path() / "fallback").string();
    // A symlink planted where the folder would be is not followed.
    fs::create_directory_symlink(data.path(), base / name);
    EXPECT_EQ(choose_scan_tmp_dir({base.string()}, fallback), fallback);
    fs::remove(base / name);
    // A folder open to others is tightened to 0700 and used.
    fs::create_directory(base / name);
    ::chmod((base / name).c_str(), 0777);
    EXPECT_EQ(choose_scan_tmp_dir({base.string()}, fallback), (base / name).string());
    EXPECT_TRUE(is_private_dir((base / name).string()));
    std::error_code ec;
    fs::remove_all(base, ec);
}

TEST(AntivirusTmp, TmpdirSetMeansLibclamavsDefault) {
    const char* old = std::getenv("TMPDIR");
    std::string saved = old ? old : "";
    ::setenv("TMPDIR", "/var/tmp", 1);
    EXPECT_EQ(default_scan_tmp_dir("/nonexistent-data-dir"), "");
    if (old)
        ::setenv("TMPDIR", saved.c_str(), 1);
    else
        ::unsetenv("TMPDIR");
}

}  // namespace
}  // namespace magpie::filter

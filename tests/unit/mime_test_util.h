// Helpers shared by the MIME unit tests: reading files and listing the message corpus.
#pragma once
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace mime_test {

inline std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline std::filesystem::path corpora_dir() {
    return std::filesystem::path(MAGPIE_SOURCE_DIR) / ".." / "shared" / "corpora" / "mime";
}

inline std::filesystem::path testdata_dir() {
    return std::filesystem::path(MAGPIE_TESTDATA_DIR) / "mime";
}

struct CorpusFile {
    std::string label;  // path relative to its corpus root, as in dovecot_answers.txt
    std::filesystem::path path;
};

// The same message set crosscheck_dovecot.py uses, in the same order.
inline std::vector<CorpusFile> corpus_files(bool* shared_present = nullptr) {
    namespace fs = std::filesystem;
    std::vector<CorpusFile> out;
    auto add_dir = [&](const fs::path& root, const fs::path& dir, const std::string& ext) {
        std::vector<fs::path> files;
        std::error_code ec;
        for (auto& e : fs::directory_iterator(dir, ec))
            if (e.is_regular_file() && (ext.empty() || e.path().extension() == ext))
                files.push_back(e.path());
        std::sort(files.begin(), files.end());
        for (auto& f : files) out.push_back({fs::relative(f, root).string(), f});
    };
    fs::path shared = corpora_dir();
    bool present = fs::exists(shared / "cpython");
    if (shared_present) *shared_present = present;
    if (present) {
        fs::path eml = shared / "stalwart-mail-parser/resources/eml";
        std::vector<fs::path> subdirs;
        for (auto& e : fs::directory_iterator(eml))
            if (e.is_directory()) subdirs.push_back(e.path());
        std::sort(subdirs.begin(), subdirs.end());
        // glob("eml/*/*.eml") sorts by full path, which is directory order then name.
        for (auto& d : subdirs) add_dir(shared, d, ".eml");
        add_dir(shared, shared / "stalwart-mail-parser/resources/maildir/cur", "");
        add_dir(shared, shared / "stalwart-mail-parser/resources/maildir/new", "");
        add_dir(shared, shared / "cpython", ".txt");
    }
    add_dir(testdata_dir(), testdata_dir() / "torture", ".eml");
    return out;
}

}  // namespace mime_test

// DKIM verification over the shared corpus of signed messages from other implementations
// (dkimpy, MimeKit, Stalwart): vectors.tsv gives the expected result per signature.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/fs.h"
#include "core/strings.h"
#include "dkim/verifier.h"

using namespace magpie;

namespace {

const std::string kDir = MAGPIE_SOURCE_DIR "/../shared/corpora/dkim/vectors";

struct Vector {
    std::string name, kind;
    std::vector<std::string> expected;
};

std::vector<Vector> load_vectors() {
    std::vector<Vector> out;
    std::ifstream in(kDir + "/vectors.tsv");
    std::string line;
    std::getline(in, line);  // column names
    while (std::getline(in, line)) {
        std::vector<std::string> cols;
        std::stringstream ss(line);
        for (std::string c; std::getline(ss, c, '\t');) cols.push_back(c);
        if (cols.size() < 4) continue;
        out.push_back({cols[0], cols[1], split_list(cols[3], ",")});
    }
    return out;
}

// Each .dns line is "NAME TXT-VALUE".
std::map<std::string, std::vector<std::string>> load_dns(const std::string& path) {
    std::map<std::string, std::vector<std::string>> zone;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        auto sp = line.find(' ');
        if (sp == std::string::npos) continue;
        zone[to_lower(line.substr(0, sp))].push_back(line.substr(sp + 1));
    }
    return zone;
}

}  // namespace

TEST(DkimVectors, MatchExpectedResults) {
    if (!std::filesystem::exists(kDir + "/vectors.tsv")) GTEST_SKIP() << "no corpus at " << kDir;
    int checked = 0;
    for (auto& v : load_vectors()) {
        auto message = fs::read_file(kDir + "/" + v.name + ".eml");
        auto zone = load_dns(kDir + "/" + v.name + ".dns");
        dkim::TxtLookup lookup = [&](std::string name) {
            auto it = zone.find(to_lower(name));
            return std::optional(it == zone.end() ? std::vector<std::string>{} : it->second);
        };
        dkim::VerifyOptions opts;
        opts.now = 0;  // the corpus is old; x= is not what is tested here
        auto results = dkim::verify(message, lookup, opts);
        if (v.kind != "dkim") continue;  // ARC sets: only checked not to crash
        ASSERT_EQ(results.size(), v.expected.size()) << v.name;
        for (size_t i = 0; i < results.size(); ++i) {
            EXPECT_EQ(dkim::verdict_name(results[i].verdict), v.expected[i])
                << v.name << " signature " << i << " (d=" << results[i].domain
                << " s=" << results[i].selector << "): " << results[i].reason;
            ++checked;
        }
    }
    EXPECT_GE(checked, 15);
}

// Bayes accuracy driver: learns the messages of one list into a fresh database, then
// classifies those of another, printing "PATH PROBABILITY" per message (or "PATH -" when
// inactive) and the learn/classify throughput on stderr.
// usage: bayes_cv DB TRAIN_LIST TEST_LIST [--no-bigrams]   (list lines: "spam|ham PATH")
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "filter/bayes_classifier.h"

using namespace magpie;

namespace {

constexpr size_t kBatch = 100;  // messages per learning transaction

struct Item {
    bool spam;
    std::string path;
};

std::vector<Item> read_list(const char* file) {
    std::vector<Item> out;
    std::ifstream in(file);
    std::string label, path;
    while (in >> label >> path) out.push_back({label == "spam", path});
    return out;
}

// The corpus files have LF line ends; stored mail has CRLF.
std::string read_crlf(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string raw = ss.str(), out;
    out.reserve(raw.size() + raw.size() / 30);
    for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r')) out += '\r';
        out += raw[i];
    }
    return out;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::cerr << "usage: bayes_cv DB TRAIN_LIST TEST_LIST [--no-bigrams]\n";
        return 2;
    }
    filter::BayesOptions opt;
    if (argc > 4 && std::strcmp(argv[4], "--no-bigrams") == 0) opt.tokenizer.bigrams = false;
    filter::Bayes bayes(argv[1], opt);

    auto train = read_list(argv[2]);
    auto test = read_list(argv[3]);
    std::vector<std::string> test_raw;
    for (const auto& t : test) test_raw.push_back(read_crlf(t.path));

    auto t0 = std::chrono::steady_clock::now();
    // Bulk training as `magpie spam learn` does it: batches of one label.
    for (size_t i = 0; i < train.size();) {
        std::vector<std::string> raws;
        size_t j = i;
        for (; j < train.size() && j - i < kBatch && train[j].spam == train[i].spam; ++j)
            raws.push_back(read_crlf(train[j].path));
        bayes.learn(std::vector<std::string_view>(raws.begin(), raws.end()), train[i].spam);
        i = j;
    }
    double learn_s = seconds_since(t0);

    t0 = std::chrono::steady_clock::now();
    std::vector<std::optional<double>> probs;
    for (const auto& raw : test_raw) probs.push_back(bayes.classify(std::string_view(raw)));
    double classify_s = seconds_since(t0);

    for (size_t i = 0; i < test.size(); ++i) {
        if (probs[i])
            std::printf("%s %.6f\n", test[i].path.c_str(), *probs[i]);
        else
            std::printf("%s -\n", test[i].path.c_str());
    }
    std::fprintf(stderr,
                 "learned %zu in %.2f s (%.0f/s), classified %zu in %.2f s (%.0f/s), %lld tokens\n",
                 train.size(), learn_s, static_cast<double>(train.size()) / learn_s, test.size(),
                 classify_s, static_cast<double>(test.size()) / classify_s,
                 static_cast<long long>(bayes.store().token_count()));
    return 0;
}

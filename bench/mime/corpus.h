// Loads the benchmark corpus (every file named on the command line, or found under the
// directories named) into memory, so the benchmarks time parsing only.
#pragma once
#include <sys/resource.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace bench {

inline std::vector<std::string> load_corpus(int argc, char** argv, int first) {
    std::vector<std::string> paths;
    for (int i = first; i < argc; ++i) {
        std::filesystem::path p(argv[i]);
        if (std::filesystem::is_directory(p)) {
            for (auto& e : std::filesystem::recursive_directory_iterator(p))
                if (e.is_regular_file()) paths.push_back(e.path().string());
        } else {
            paths.push_back(p.string());
        }
    }
    std::sort(paths.begin(), paths.end());
    std::vector<std::string> out;
    for (auto& p : paths) {
        std::ifstream in(p, std::ios::binary);
        std::string data(std::filesystem::file_size(p), '\0');
        in.read(data.data(), std::streamsize(data.size()));
        out.push_back(std::move(data));
    }
    return out;
}

inline long max_rss_kb() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

}  // namespace bench

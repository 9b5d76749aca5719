// MIME parse throughput of Magpie's parser over a corpus held in memory.
// usage: bench_magpie parse|imap|text SECONDS FILE_OR_DIR...
//   parse: structure only; imap: + BODYSTRUCTURE and ENVELOPE; text: + text extraction.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "corpus.h"
#include "mime/imap_bodystructure.h"
#include "mime/imap_envelope.h"
#include "mime/parser.h"
#include "mime/text_extract.h"

int main(int argc, char** argv) {
    if (argc < 4) return 2;
    std::string mode = argv[1];
    double seconds = std::atof(argv[2]);
    auto corpus = bench::load_corpus(argc, argv, 3);
    size_t bytes = 0;
    for (auto& m : corpus) bytes += m.size();
    size_t sink = 0, rounds = 0;
    auto t0 = std::chrono::steady_clock::now();
    double elapsed = 0;
    do {
        for (auto& m : corpus) {
            auto msg = magpie::mime::parse_message(m);
            sink += msg.part_count;
            if (mode == "imap") {
                sink += magpie::mime::bodystructure(msg, true).size();
                sink += magpie::mime::envelope(msg.root.headers).size();
            } else if (mode == "text") {
                sink += magpie::mime::extract_text(msg).text.size();
            }
        }
        ++rounds;
        elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    } while (elapsed < seconds);
    double mb = double(bytes) * double(rounds) / 1e6;
    std::printf(
        "magpie-%s msgs=%zu bytes=%zu rounds=%zu MB/s=%.1f msgs/s=%.0f maxrss_kb=%ld (%zu)\n",
        mode.c_str(), corpus.size(), bytes, rounds, mb / elapsed,
        double(corpus.size() * rounds) / elapsed, bench::max_rss_kb(), sink % 10);
}

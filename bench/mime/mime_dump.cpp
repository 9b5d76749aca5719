// mime_dump: prints BODYSTRUCTURE, BODY and ENVELOPE of each message file given, one
// block per file; used by the Dovecot cross-check and to refresh expected outputs.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <string_view>

#include "mime/imap_bodystructure.h"
#include "mime/imap_envelope.h"
#include "mime/parser.h"

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        int fd = open(argv[i], O_RDONLY);
        if (fd < 0) {
            perror(argv[i]);
            continue;
        }
        struct stat st;
        fstat(fd, &st);
        size_t n = size_t(st.st_size);
        const char* p =
            n ? static_cast<const char*>(mmap(nullptr, n, PROT_READ, MAP_PRIVATE, fd, 0)) : "";
        std::string_view data(p, n);
        auto msg = magpie::mime::parse_message(data);
        // fwrite, not printf: literals may carry NUL bytes.
        std::string out = std::string("FILE ") + argv[i] + "\nBODYSTRUCTURE " +
                          magpie::mime::bodystructure(msg, true) + "\nBODY " +
                          magpie::mime::bodystructure(msg, false) + "\nENVELOPE " +
                          magpie::mime::envelope(msg.root.headers) + "\n";
        std::fwrite(out.data(), 1, out.size(), stdout);
        if (n) munmap(const_cast<char*>(p), n);
        close(fd);
    }
}

/* MIME parse throughput of GMime 3 (Debian libgmime-3.0-dev) over the same corpus held in
 * memory: the message is built from a memory stream that does not copy the buffer.
 * usage: bench_gmime SECONDS FILE... */
#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int count_parts(GMimeObject* obj) {
    int n = 1;
    if (GMIME_IS_MULTIPART(obj)) {
        GMimeMultipart* mp = GMIME_MULTIPART(obj);
        for (int i = 0; i < g_mime_multipart_get_count(mp); i++)
            n += count_parts(g_mime_multipart_get_part(mp, i));
    } else if (GMIME_IS_MESSAGE_PART(obj)) {
        GMimeMessage* m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
        if (m && m->mime_part) n += count_parts(m->mime_part);
    }
    return n;
}

int main(int argc, char** argv) {
    if (argc < 3) return 2;
    double seconds = atof(argv[1]);
    g_mime_init();
    int n = argc - 2;
    GByteArray** data = calloc(n, sizeof(*data));
    size_t bytes = 0;
    for (int i = 0; i < n; i++) {
        gchar* buf;
        gsize len;
        if (!g_file_get_contents(argv[i + 2], &buf, &len, NULL)) return 1;
        data[i] = g_byte_array_new_take((guint8*)buf, len);
        bytes += len;
    }
    size_t rounds = 0, sink = 0;
    double t0 = now(), elapsed;
    do {
        for (int i = 0; i < n; i++) {
            GMimeStream* s = g_mime_stream_mem_new_with_byte_array(data[i]);
            g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(s), FALSE);
            GMimeParser* p = g_mime_parser_new_with_stream(s);
            GMimeMessage* m = g_mime_parser_construct_message(p, NULL);
            if (m) {
                if (m->mime_part) sink += count_parts(m->mime_part);
                g_object_unref(m);
            }
            g_object_unref(p);
            g_object_unref(s);
        }
        rounds++;
        elapsed = now() - t0;
    } while (elapsed < seconds);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double mb = (double)bytes * rounds / 1e6;
    printf("gmime msgs=%d bytes=%zu rounds=%zu MB/s=%.1f msgs/s=%.0f maxrss_kb=%ld (%zu)\n", n,
           bytes, rounds, mb / elapsed, n * rounds / elapsed, ru.ru_maxrss, sink % 10);
    return 0;
}

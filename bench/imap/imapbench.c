// imapbench: the timed client of the IMAP/POP3 benchmark (bench/imap/run.sh). Speaks plain
// IMAP (LOGIN) or POP3 (USER/PASS) to 127.0.0.1:PORT, times each operation from sending the
// command until its completion has been read in full (IMAP literals skipped by their {n}
// counts, POP3 multi-line answers read to the final "."), and checks every answer against the
// mailbox manifest (counts, sizes, search hits) so a broken server cannot look fast.
//
// usage: imapbench [options] imap STEP[,STEP...]
//        imapbench [options] pop3
//        imapbench [options] idle CONNECTIONS HOLD_SECONDS
// options: -p PORT -u USER -w PASSWORD -n MESSAGES -b BYTES (sum of the messages' sizes with
//          CRLF line ends) -t TOKEN -m TOKEN_MATCHES -T TIMEOUT_SECONDS (per socket read,
//          default 300)
// IMAP steps, in the order given: cold warm flags envbs headers search body flag_add
// flag_remove store_one move_one copy move. store_one is 200 STOREs of one message each, in
// turn (a client marking messages one by one), move_one 100 MOVEs of one message each to
// the folder Single (a client deleting to Trash one by one), each timed together. "cold" and "warm" each time connect + LOGIN + SELECT INBOX; the
// others run on one logged-in session with INBOX selected.
// Output: one line per row, "row NAME SECONDS BYTES STATUS", STATUS "ok" or "BAD:reason";
// idle mode prints "ready ESTABLISHED SECONDS STATUS" once every connection is in IDLE, then
// holds them until SIGTERM or HOLD_SECONDS. Exit status 0 when every row is ok.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int g_port = 143;
static const char *g_user = "bench";
static const char *g_pass = "bench";
static long g_msgs = 10000;
static long long g_bytes = -1;
static const char *g_token = "quokkafluxion";
static long g_matches = -1;
static int g_timeout = 300;
static int g_failed = 0;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "imapbench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(2);
}

// ------------------------------------------------------------------ buffered connection
typedef struct {
    int fd;
    char *buf;
    size_t cap, beg, end;
    char err[160];  // set on EOF / timeout / error; reads then fail
} conn;

static int conn_open(conn *c, size_t bufsize) {
    memset(c, 0, sizeof *c);
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        snprintf(c->err, sizeof c->err, "socket: %s", strerror(errno));
        return -1;
    }
    struct timeval tv = {g_timeout, 0};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)g_port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        snprintf(c->err, sizeof c->err, "connect 127.0.0.1:%d: %s", g_port, strerror(errno));
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    c->cap = bufsize;
    c->buf = malloc(c->cap);
    if (!c->buf) die("out of memory");
    return 0;
}

static void conn_close(conn *c) {
    if (c->fd >= 0) close(c->fd);
    free(c->buf);
    c->buf = NULL;
    c->fd = -1;
}

// Reads more bytes into the buffer (compacting or growing it first). -1 on EOF/error.
static int conn_fill(conn *c) {
    if (c->err[0]) return -1;
    if (c->beg == c->end) c->beg = c->end = 0;
    if (c->end == c->cap) {
        if (c->beg > 0) {
            memmove(c->buf, c->buf + c->beg, c->end - c->beg);
            c->end -= c->beg;
            c->beg = 0;
        } else {
            c->cap *= 2;
            c->buf = realloc(c->buf, c->cap);
            if (!c->buf) die("out of memory");
        }
    }
    ssize_t n;
    do n = recv(c->fd, c->buf + c->end, c->cap - c->end, 0);
    while (n < 0 && errno == EINTR);
    if (n == 0) {
        snprintf(c->err, sizeof c->err, "connection closed by the server");
        return -1;
    }
    if (n < 0) {
        snprintf(c->err, sizeof c->err, "%s",
                 errno == EAGAIN ? "read timed out" : strerror(errno));
        return -1;
    }
    c->end += (size_t)n;
    return 0;
}

// One line without its CRLF (or LF); valid until the next read. NULL on EOF/error.
static char *conn_line(conn *c, size_t *len) {
    size_t scanned = c->beg;
    for (;;) {
        char *nl = memchr(c->buf + scanned, '\n', c->end - scanned);
        if (nl) {
            char *line = c->buf + c->beg;
            size_t l = (size_t)(nl - line);
            c->beg += l + 1;
            if (l > 0 && line[l - 1] == '\r') l--;
            line[l] = 0;
            *len = l;
            return line;
        }
        size_t off = c->end - c->beg;
        if (conn_fill(c) < 0) return NULL;
        scanned = c->beg + off;  // the buffer may have moved; skip what was searched
    }
}

// Consumes n bytes (an IMAP literal). -1 on EOF/error.
static int conn_skip(conn *c, long long n) {
    while (n > 0) {
        if (c->beg == c->end && conn_fill(c) < 0) return -1;
        size_t have = c->end - c->beg;
        size_t take = (long long)have < n ? have : (size_t)n;
        c->beg += take;
        n -= (long long)take;
    }
    return 0;
}

static int conn_send(conn *c, const char *fmt, ...) {
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int l = vsnprintf(line, sizeof line - 2, fmt, ap);
    va_end(ap);
    memcpy(line + l, "\r\n", 2);
    l += 2;
    for (int off = 0; off < l;) {
        ssize_t n = send(c->fd, line + off, (size_t)(l - off), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            snprintf(c->err, sizeof c->err, "send: %s", strerror(errno));
            return -1;
        }
        off += (int)n;
    }
    return 0;
}

// ------------------------------------------------------------------ IMAP
// What the untagged responses of one command added up to.
typedef struct {
    long fetches;        // "* n FETCH"
    long fetch_missing;  // FETCH responses lacking a required item
    long literals;       // literals seen in FETCH responses
    long long lit_bytes; // their total size
    long search_hits;    // numbers after "* SEARCH"
    long exists;         // last "* n EXISTS"
    long expunges;       // "* n EXPUNGE" (and VANISHED ranges, counted)
    long status_messages;// MESSAGES of "* STATUS"
    char tagged[200];    // the tagged completion line
} imap_result;

// One response's text, literals left out; per thread (idle mode logs in from several).
static __thread char *g_text;
static __thread size_t g_text_cap;

static void text_append(size_t *len, const char *s, size_t n) {
    if (*len + n + 1 > g_text_cap) {
        g_text_cap = (*len + n + 1) * 2;
        g_text = realloc(g_text, g_text_cap);
        if (!g_text) die("out of memory");
    }
    memcpy(g_text + *len, s, n);
    *len += n;
    g_text[*len] = 0;
}

// Reads one response: its lines joined, every literal skipped and counted. NULL on error.
static char *imap_response(conn *c, long *nlit, long long *litbytes) {
    size_t len = 0;
    text_append(&len, "", 0);
    for (;;) {
        size_t l;
        char *line = conn_line(c, &l);
        if (!line) return NULL;
        text_append(&len, line, l);
        if (l >= 3 && line[l - 1] == '}') {
            char *open = memrchr(line, '{', l);
            if (open && open[1] >= '0' && open[1] <= '9') {
                char *e;
                long long n = strtoll(open + 1, &e, 10);
                if (*e == '}' || (*e == '+' && e[1] == '}')) {
                    if (conn_skip(c, n) < 0) return NULL;
                    (*nlit)++;
                    *litbytes += n;
                    continue;  // the response goes on after the literal
                }
            }
        }
        return g_text;
    }
}

// VANISHED (EARLIER) 1:3,7 -> 4
static long count_set(const char *s) {
    long n = 0;
    while (*s) {
        char *e;
        long a = strtol(s, &e, 10);
        if (e == s) break;
        long b = a;
        if (*e == ':') b = strtol(e + 1, &e, 10);
        n += (b > a ? b - a : a - b) + 1;
        s = e;
        if (*s == ',') s++;
    }
    return n;
}

static __thread unsigned g_tagn;

// Sends a command and reads until its tagged completion. `need` lists items every FETCH
// response must hold (NULL-terminated). Returns 0 for OK, 1 for NO/BAD, -1 on a broken
// connection (r->tagged then says why).
static int imap_cmd(conn *c, imap_result *r, const char *const *need, const char *fmt, ...) {
    memset(r, 0, sizeof *r);
    r->exists = -1;
    r->status_messages = -1;
    char cmd[900], tag[16];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    snprintf(tag, sizeof tag, "b%u", ++g_tagn);
    if (conn_send(c, "%s %s", tag, cmd) < 0) {
        snprintf(r->tagged, sizeof r->tagged, "%s", c->err);
        return -1;
    }
    size_t taglen = strlen(tag);
    for (;;) {
        long nlit = 0;
        long long lb = 0;
        char *t = imap_response(c, &nlit, &lb);
        if (!t) {
            snprintf(r->tagged, sizeof r->tagged, "%s", c->err);
            return -1;
        }
        if (strncmp(t, tag, taglen) == 0 && t[taglen] == ' ') {
            snprintf(r->tagged, sizeof r->tagged, "%s", t + taglen + 1);
            return strncmp(t + taglen + 1, "OK", 2) == 0 ? 0 : 1;
        }
        if (t[0] != '*' || t[1] != ' ') continue;  // "+ " continuation: not expected here
        const char *p = t + 2;
        if (strncmp(p, "BYE", 3) == 0) {
            snprintf(r->tagged, sizeof r->tagged, "untagged %s", t);
            return -1;
        }
        if (p[0] >= '0' && p[0] <= '9') {
            char *e;
            long n = strtol(p, &e, 10);
            if (strncmp(e, " FETCH ", 7) == 0) {
                r->fetches++;
                r->literals += nlit;
                r->lit_bytes += lb;
                for (const char *const *w = need; w && *w; w++)
                    if (!strcasestr(e, *w)) {
                        r->fetch_missing++;
                        break;
                    }
            } else if (strncasecmp(e, " EXISTS", 7) == 0) {
                r->exists = n;
            } else if (strncasecmp(e, " EXPUNGE", 8) == 0) {
                r->expunges++;
            }
        } else if (strncasecmp(p, "SEARCH", 6) == 0) {
            const char *s = p + 6;
            while (*s) {
                while (*s == ' ') s++;
                if (*s >= '0' && *s <= '9') r->search_hits++;
                while (*s && *s != ' ') s++;
            }
        } else if (strncasecmp(p, "VANISHED ", 9) == 0) {
            const char *s = p + 9;
            if (strncasecmp(s, "(EARLIER) ", 10) == 0) s += 10;
            r->expunges += count_set(s);
        } else if (strncasecmp(p, "STATUS ", 7) == 0) {
            const char *m = strcasestr(p, "MESSAGES ");
            if (m) r->status_messages = strtol(m + 9, NULL, 10);
        }
    }
}

static void row(const char *name, double secs, long long bytes, const char *status) {
    printf("row %s %.6f %lld %s\n", name, secs, bytes, status);
    fflush(stdout);
    if (strcmp(status, "ok") != 0) g_failed = 1;
}

static void row_bad(const char *name, double secs, const char *fmt, ...) {
    char why[300] = "BAD:";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why + 4, sizeof why - 4, fmt, ap);
    va_end(ap);
    for (char *q = why; *q; q++)
        if (*q == ' ' || *q == '\n' || *q == '\r') *q = '_';
    row(name, secs, 0, why);
}

// connect, greeting, LOGIN, SELECT INBOX. 0 on success, else c->err / *why says why.
static int imap_login_select(conn *c, size_t bufsize, imap_result *r, char *why, size_t whylen) {
    if (conn_open(c, bufsize) < 0) {
        snprintf(why, whylen, "%s", c->err);
        return -1;
    }
    size_t l;
    char *g = conn_line(c, &l);
    if (!g || strncmp(g, "* OK", 4) != 0) {
        snprintf(why, whylen, "greeting: %s", g ? g : c->err);
        return -1;
    }
    if (imap_cmd(c, r, NULL, "LOGIN \"%s\" \"%s\"", g_user, g_pass) != 0) {
        snprintf(why, whylen, "LOGIN: %s", r->tagged);
        return -1;
    }
    if (imap_cmd(c, r, NULL, "SELECT INBOX") != 0) {
        snprintf(why, whylen, "SELECT: %s", r->tagged);
        return -1;
    }
    if (r->exists != g_msgs) {
        snprintf(why, whylen, "SELECT said %ld EXISTS, expected %ld", r->exists, g_msgs);
        return -1;
    }
    return 0;
}

static void imap_logout(conn *c) {
    imap_result r;
    imap_cmd(c, &r, NULL, "LOGOUT");
    conn_close(c);
}

static const char *const NEED_FLAGS[] = {"FLAGS", NULL};
static const char *const NEED_ENVBS[] = {"ENVELOPE", "BODYSTRUCTURE", NULL};
static const char *const NEED_HDR[] = {"BODY[HEADER.FIELDS", NULL};
static const char *const NEED_BODY[] = {"BODY[]", NULL};

// Checks of a FETCH 1:* answer. Returns NULL when fine, else a reason.
static const char *check_fetch(const imap_result *r, int rc, int literals, char *why, size_t n) {
    if (rc != 0) snprintf(why, n, "%s", r->tagged);
    else if (r->fetches != g_msgs) snprintf(why, n, "%ld FETCH responses, expected %ld", r->fetches, g_msgs);
    else if (r->fetch_missing) snprintf(why, n, "%ld FETCH responses lack an item", r->fetch_missing);
    else if (literals && r->literals != g_msgs) snprintf(why, n, "%ld literals, expected %ld", r->literals, g_msgs);
    else return NULL;
    return why;
}

static int run_imap(char *steps) {
    conn s = {.fd = -1};
    int have_session = 0;
    imap_result r;
    char why[300];
    long copied = 0;
    const long cm = g_msgs < 1000 ? g_msgs : 1000;
    for (char *step = strtok(steps, ","); step; step = strtok(NULL, ",")) {
        int is_login = !strcmp(step, "cold") || !strcmp(step, "warm");
        if (is_login) {
            if (have_session) imap_logout(&s), have_session = 0;
            const char *name = !strcmp(step, "cold") ? "select_cold" : "select_warm";
            double t0 = now();
            int rc = imap_login_select(&s, 1 << 20, &r, why, sizeof why);
            double t1 = now();
            if (rc) {
                row_bad(name, t1 - t0, "%s", why);
                conn_close(&s);
                return 1;
            }
            row(name, t1 - t0, 0, "ok");
            have_session = 1;
            continue;
        }
        if (!have_session) {
            if (imap_login_select(&s, 1 << 20, &r, why, sizeof why)) {
                row_bad(step, 0, "login: %s", why);
                return 1;
            }
            have_session = 1;
        }
        double t0 = now(), t1;
        int rc;
        if (!strcmp(step, "flags")) {
            rc = imap_cmd(&s, &r, NEED_FLAGS, "FETCH 1:* (FLAGS)");
            t1 = now();
            if (check_fetch(&r, rc, 0, why, sizeof why)) row_bad(step, t1 - t0, "%s", why);
            else row(step, t1 - t0, 0, "ok");
        } else if (!strcmp(step, "envbs")) {
            rc = imap_cmd(&s, &r, NEED_ENVBS, "FETCH 1:* (ENVELOPE BODYSTRUCTURE)");
            t1 = now();
            if (check_fetch(&r, rc, 0, why, sizeof why)) row_bad(step, t1 - t0, "%s", why);
            else row(step, t1 - t0, 0, "ok");
        } else if (!strcmp(step, "headers")) {
            rc = imap_cmd(&s, &r, NEED_HDR,
                          "FETCH 1:* (BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT DATE MESSAGE-ID)])");
            t1 = now();
            if (check_fetch(&r, rc, 1, why, sizeof why)) row_bad(step, t1 - t0, "%s", why);
            else row(step, t1 - t0, r.lit_bytes, "ok");
        } else if (!strcmp(step, "search")) {
            rc = imap_cmd(&s, &r, NULL, "UID SEARCH TEXT %s", g_token);
            t1 = now();
            if (rc) row_bad(step, t1 - t0, "%s", r.tagged);
            else if (g_matches >= 0 && r.search_hits != g_matches)
                row_bad(step, t1 - t0, "%ld hits, expected %ld", r.search_hits, g_matches);
            else row(step, t1 - t0, 0, "ok");
        } else if (!strcmp(step, "body")) {
            rc = imap_cmd(&s, &r, NEED_BODY, "FETCH 1:* BODY.PEEK[]");
            t1 = now();
            if (check_fetch(&r, rc, 1, why, sizeof why)) row_bad(step, t1 - t0, "%s", why);
            else if (g_bytes >= 0 && r.lit_bytes != g_bytes)
                row_bad(step, t1 - t0, "%lld bytes, expected %lld", r.lit_bytes, g_bytes);
            else row(step, t1 - t0, r.lit_bytes, "ok");
        } else if (!strcmp(step, "flag_add") || !strcmp(step, "flag_remove")) {
            int add = step[5] == 'a';
            rc = imap_cmd(&s, &r, NULL, "STORE 1:* %cFLAGS.SILENT (\\Flagged)", add ? '+' : '-');
            t1 = now();
            if (rc) {
                row_bad(step, t1 - t0, "%s", r.tagged);
                continue;
            }
            long want = add ? g_msgs : 0;
            if (imap_cmd(&s, &r, NULL, "SEARCH FLAGGED") != 0 || r.search_hits != want)
                row_bad(step, t1 - t0, "SEARCH FLAGGED found %ld, expected %ld (%s)",
                        r.search_hits, want, r.tagged);
            else row(step, t1 - t0, 0, "ok");
        } else if (!strcmp(step, "store_one")) {
            const long n = g_msgs < 200 ? g_msgs : 200;
            rc = 0;
            for (long k = 0; k < n && !rc; ++k)
                rc = imap_cmd(&s, &r, NULL, "STORE %ld +FLAGS ($Bench1)", 1 + k * (g_msgs / n));
            t1 = now();
            if (rc) {
                row_bad(step, t1 - t0, "%s", r.tagged);
                continue;
            }
            if (imap_cmd(&s, &r, NULL, "SEARCH KEYWORD $Bench1") != 0 || r.search_hits != n)
                row_bad(step, t1 - t0, "SEARCH KEYWORD found %ld, expected %ld (%s)",
                        r.search_hits, n, r.tagged);
            else row(step, t1 - t0, 0, "ok");
        } else if (!strcmp(step, "move_one")) {
            const long n = g_msgs < 100 ? g_msgs : 100;
            if (imap_cmd(&s, &r, NULL, "CREATE Single") < 0) {
                row_bad(step, 0, "CREATE: %s", r.tagged);
                continue;
            }
            t0 = now();
            rc = 0;
            // Spread over the mailbox, below what COPY/MOVE 1:1000 and these moves leave.
            long left = g_msgs - cm - n, stride = left / n > 1 ? left / n : 1;
            for (long k = 0; k < n && !rc; ++k)
                rc = imap_cmd(&s, &r, NULL, "MOVE %ld Single", 1 + k * stride);
            t1 = now();
            if (rc) {
                row_bad(step, t1 - t0, "%s", r.tagged);
                continue;
            }
            if (imap_cmd(&s, &r, NULL, "STATUS Single (MESSAGES)") != 0 ||
                r.status_messages != n)
                row_bad(step, t1 - t0, "STATUS Single: %ld messages, expected %ld (%s)",
                        r.status_messages, n, r.tagged);
            else row(step, t1 - t0, 0, "ok");
        } else if (!strcmp(step, "copy") || !strcmp(step, "move")) {
            int move = step[0] == 'm';
            if (!copied && !move) {
                if (imap_cmd(&s, &r, NULL, "CREATE Other") < 0) {
                    row_bad(step, 0, "CREATE: %s", r.tagged);
                    continue;
                }
                // (NO [ALREADYEXISTS] is fine: its count is checked below)
            }
            long before = -1;
            if (imap_cmd(&s, &r, NULL, "STATUS Other (MESSAGES)") == 0) before = r.status_messages;
            t0 = now();
            rc = imap_cmd(&s, &r, NULL, "%s 1:%ld Other", move ? "MOVE" : "COPY", cm);
            t1 = now();
            long expunged = r.expunges;
            if (rc) {
                row_bad(step, t1 - t0, "%s", r.tagged);
                continue;
            }
            if (move && expunged != cm) {
                row_bad(step, t1 - t0, "%ld EXPUNGE responses, expected %ld", expunged, cm);
                continue;
            }
            if (imap_cmd(&s, &r, NULL, "STATUS Other (MESSAGES)") != 0 || before < 0 ||
                r.status_messages != before + cm) {
                row_bad(step, t1 - t0, "Other holds %ld messages, expected %ld (%s)",
                        r.status_messages, before + cm, r.tagged);
                continue;
            }
            copied += cm;
            row(step, t1 - t0, 0, "ok");
        } else {
            die("unknown step %s", step);
        }
        if (s.err[0]) {  // the connection broke: later steps would only repeat that
            conn_close(&s);
            return 1;
        }
    }
    if (have_session) {
        if (copied) imap_cmd(&s, &r, NULL, "DELETE Other");
        imap_logout(&s);
    }
    return g_failed;
}

// ------------------------------------------------------------------ POP3
static int pop3_ok(conn *c, char *why, size_t n, const char *what) {
    size_t l;
    char *line = conn_line(c, &l);
    if (!line) {
        snprintf(why, n, "%s: %s", what, c->err);
        return -1;
    }
    if (strncmp(line, "+OK", 3) != 0) {
        snprintf(why, n, "%s: %s", what, line);
        return -1;
    }
    return 0;
}

static int run_pop3(void) {
    conn c;
    char why[300];
    double t0 = now();
    if (conn_open(&c, 1 << 20) < 0) {
        row_bad("pop3_list", 0, "%s", c.err);
        return 1;
    }
    if (pop3_ok(&c, why, sizeof why, "greeting") || conn_send(&c, "USER %s", g_user) ||
        pop3_ok(&c, why, sizeof why, "USER") || conn_send(&c, "PASS %s", g_pass) ||
        pop3_ok(&c, why, sizeof why, "PASS") || conn_send(&c, "LIST") ||
        pop3_ok(&c, why, sizeof why, "LIST")) {
        row_bad("pop3_list", now() - t0, "%s", c.err[0] ? c.err : why);
        conn_close(&c);
        return 1;
    }
    long *sizes = calloc((size_t)g_msgs + 1, sizeof *sizes);
    long count = 0, bad = 0;
    long long listed = 0;
    for (;;) {
        size_t l;
        char *line = conn_line(&c, &l);
        if (!line) {
            row_bad("pop3_list", now() - t0, "LIST: %s", c.err);
            conn_close(&c);
            return 1;
        }
        if (!strcmp(line, ".")) break;
        long i, sz;
        if (sscanf(line, "%ld %ld", &i, &sz) != 2 || i < 1 || i > g_msgs) {
            bad++;
            continue;
        }
        sizes[i] = sz;
        listed += sz;
        count++;
    }
    double t1 = now();
    if (count != g_msgs || bad) row_bad("pop3_list", t1 - t0, "LIST gave %ld messages (%ld bad lines), expected %ld", count, bad, g_msgs);
    else if (g_bytes >= 0 && listed != g_bytes) row_bad("pop3_list", t1 - t0, "LIST sizes sum to %lld, expected %lld", listed, g_bytes);
    else row("pop3_list", t1 - t0, 0, "ok");

    // RETR every message, one at a time as a client downloading the mailbox would.
    long long total = 0;
    long mismatched = 0;
    t0 = now();
    for (long i = 1; i <= g_msgs; i++) {
        if (conn_send(&c, "RETR %ld", i) || pop3_ok(&c, why, sizeof why, "RETR")) {
            row_bad("pop3_retr", now() - t0, "message %ld: %s", i, c.err[0] ? c.err : why);
            conn_close(&c);
            free(sizes);
            return 1;
        }
        long long got = 0;
        for (;;) {
            size_t l;
            char *line = conn_line(&c, &l);
            if (!line) {
                row_bad("pop3_retr", now() - t0, "message %ld: %s", i, c.err);
                conn_close(&c);
                free(sizes);
                return 1;
            }
            if (line[0] == '.') {
                if (l == 1) break;
                l--;  // byte-stuffed line
            }
            got += (long long)l + 2;
        }
        if (got != sizes[i]) mismatched++;
        total += got;
    }
    t1 = now();
    if (mismatched) row_bad("pop3_retr", t1 - t0, "%ld messages differ from their LIST size", mismatched);
    else if (g_bytes >= 0 && total != g_bytes) row_bad("pop3_retr", t1 - t0, "%lld bytes, expected %lld", total, g_bytes);
    else row("pop3_retr", t1 - t0, total, "ok");
    free(sizes);
    // QUIT without DELE: nothing is removed. Its time (flag updates, if any) is not measured.
    if (conn_send(&c, "QUIT") == 0) pop3_ok(&c, why, sizeof why, "QUIT");
    conn_close(&c);
    return g_failed;
}

// ------------------------------------------------------------------ idle connections
typedef struct {
    int first, count;     // connection slots of this thread
    int *fds;             // shared array of all slots
    int established;
    char why[300];
} idle_job;

static void *idle_worker(void *arg) {
    idle_job *j = arg;
    for (int k = 0; k < j->count; k++) {
        conn c;
        imap_result r;
        if (imap_login_select(&c, 16384, &r, j->why, sizeof j->why)) {
            conn_close(&c);
            return NULL;
        }
        if (conn_send(&c, "i IDLE") < 0) {
            snprintf(j->why, sizeof j->why, "IDLE: %s", c.err);
            conn_close(&c);
            return NULL;
        }
        size_t l;
        char *line;
        while ((line = conn_line(&c, &l)) && line[0] == '*') {}
        if (!line || line[0] != '+') {
            snprintf(j->why, sizeof j->why, "IDLE: %s", line ? line : c.err);
            conn_close(&c);
            return NULL;
        }
        j->fds[j->first + k] = c.fd;  // keep the socket; drop the buffer
        free(c.buf);
        j->established++;
    }
    return NULL;
}

static void on_term(int sig) {
    (void)sig;
    _exit(0);
}

static int run_idle(int n, int hold) {
    enum { THREADS = 8 };
    int *fds = calloc((size_t)n, sizeof *fds);
    idle_job jobs[THREADS];
    pthread_t th[THREADS];
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    signal(SIGALRM, on_term);
    // A few threads log in side by side (each one connection at a time), so 5,000 logins
    // do not take 5,000 round trips in a row.
    double t0 = now();
    for (int t = 0; t < THREADS; t++) {
        jobs[t] = (idle_job){.first = n * t / THREADS, .count = n * (t + 1) / THREADS - n * t / THREADS, .fds = fds};
        pthread_create(&th[t], NULL, idle_worker, &jobs[t]);
    }
    int est = 0;
    const char *why = "";
    for (int t = 0; t < THREADS; t++) {
        pthread_join(th[t], NULL);
        est += jobs[t].established;
        if (jobs[t].why[0] && !why[0]) why = jobs[t].why;
    }
    double t1 = now();
    char st[320] = "ok";
    if (est != n) {
        snprintf(st, sizeof st, "BAD:%s", why);
        for (char *q = st; *q; q++)
            if (*q == ' ') *q = '_';
    }
    printf("ready %d %.3f %s\n", est, t1 - t0, st);
    fflush(stdout);
    alarm((unsigned)hold);
    for (;;) pause();  // until SIGTERM or the alarm
    return 0;
}

int main(int argc, char **argv) {
    int opt;
    while ((opt = getopt(argc, argv, "p:u:w:n:b:t:m:T:")) != -1) {
        switch (opt) {
        case 'p': g_port = atoi(optarg); break;
        case 'u': g_user = optarg; break;
        case 'w': g_pass = optarg; break;
        case 'n': g_msgs = atol(optarg); break;
        case 'b': g_bytes = atoll(optarg); break;
        case 't': g_token = optarg; break;
        case 'm': g_matches = atol(optarg); break;
        case 'T': g_timeout = atoi(optarg); break;
        default: die("bad option (see the comment at the top of imapbench.c)");
        }
    }
    if (optind >= argc) die("usage: imapbench [options] imap STEPS | pop3 | idle N HOLD");
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    const char *mode = argv[optind];
    if (!strcmp(mode, "imap") && optind + 1 < argc) return run_imap(argv[optind + 1]);
    if (!strcmp(mode, "pop3")) return run_pop3();
    if (!strcmp(mode, "idle") && optind + 2 < argc)
        return run_idle(atoi(argv[optind + 1]), atoi(argv[optind + 2]));
    die("usage: imapbench [options] imap STEPS | pop3 | idle N HOLD");
}

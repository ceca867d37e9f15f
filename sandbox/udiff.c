/* udiff.c: the unified diff of two texts as `diff -u` writes it: lines put in classes of equal
 * lines, Myers' O(ND) search from both ends in linear space, the changes slid to where diff
 * puts them, hunks with context. Never reads a file or runs a program: it is handed bytes. */
#include "udiff.h"
#include "util.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* One side of the diff. */
struct side {
    const char *s;
    long lines;
    size_t *at;    /* line i is s[at[i] .. at[i + 1]), newline included */
    long *cls;     /* line i's class: equal lines, equal classes */
    char *changed; /* line i is deleted (side a) or inserted (side b); [-1] and [lines] are 0 */
};

static void split_lines(struct side *d, const char *s, size_t n)
{
    long lines = 0;
    for (const char *p = s; p < s + n; lines++) {
        const char *nl = memchr(p, '\n', (size_t)(s + n - p));
        p = nl ? nl + 1 : s + n;
    }
    d->s = s;
    d->lines = lines;
    d->at = sbox_xmalloc(((size_t)lines + 1) * sizeof *d->at);
    d->cls = sbox_xmalloc(((size_t)lines + 1) * sizeof *d->cls);
    d->changed = calloc((size_t)lines + 2, 1);
    if (!d->changed)
        abort();
    d->changed++;
    lines = 0;
    for (const char *p = s; p < s + n; lines++) {
        const char *nl = memchr(p, '\n', (size_t)(s + n - p));
        d->at[lines] = (size_t)(p - s);
        p = nl ? nl + 1 : s + n;
    }
    d->at[lines] = n;
}

static void side_free(struct side *d)
{
    free(d->at);
    free(d->cls);
    if (d->changed)
        free(d->changed - 1);
}

static const char *line(const struct side *d, long i, size_t *len)
{
    *len = d->at[i + 1] - d->at[i];
    return d->s + d->at[i];
}

/* FNV-1a: a hash only picks a slot, equality is always checked on the bytes. */
static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return h;
}

/* Gives every line of both sides its class (from 0), in one open-addressed table. */
static void classify(struct side *a, struct side *b)
{
    struct slot {
        const struct side *d;
        long line, cls;
        uint64_t h;
    } * table;
    size_t size = 64, mask;
    long next = 0;
    while (size < 2 * (size_t)(a->lines + b->lines))
        size *= 2;
    mask = size - 1;
    table = calloc(size, sizeof *table);
    if (!table)
        abort();
    for (int k = 0; k < 2; k++) {
        struct side *d = k ? b : a;
        for (long i = 0; i < d->lines; i++) {
            size_t n, m;
            const char *s = line(d, i, &n);
            uint64_t h = hash(s, n);
            size_t at = h & mask;
            for (; table[at].d; at = (at + 1) & mask) {
                const char *t = line(table[at].d, table[at].line, &m);
                if (table[at].h == h && m == n && memcmp(s, t, n) == 0)
                    break;
            }
            if (!table[at].d)
                table[at] = (struct slot){d, i, next++, h};
            d->cls[i] = table[at].cls;
        }
    }
    free(table);
}

/* ---- the search -------------------------------------------------------------------------- */

/* The sequences searched (classes), and where the changes found are marked. */
struct search {
    const long *a, *b;
    char *ca, *cb;
    long *fwd, *bwd; /* per diagonal x - y: the furthest x a path of the cost reached */
    long limit;      /* the cost after which a split is taken where the search got furthest */
};

/* A point (*xm, *ym) on a shortest path through the edit graph of a[xoff..xlim) and
 * b[yoff..ylim), which differ at both ends: paths from the start and from the end, one more
 * change at a time, until they meet (Myers 1986, section 4b). Past s->limit, the point of the
 * furthest path from either end. Neither end of the box. */
static void middle(struct search *s, long xoff, long xlim, long yoff, long ylim, long *xm, long *ym)
{
    const long *a = s->a, *b = s->b;
    long *fd = s->fwd, *bd = s->bwd;
    const long dmin = xoff - ylim, dmax = xlim - yoff;
    const long fmid = xoff - yoff, bmid = xlim - ylim;
    const bool odd = (fmid - bmid) & 1;
    long fmin = fmid, fmax = fmid, bmin = bmid, bmax = bmid;
    fd[fmid] = xoff;
    bd[bmid] = xlim;
    for (long cost = 1;; cost++) {
        /* One more change from the start: each diagonal's path comes from its neighbour's,
         * by a deletion (x + 1) or an insertion (y + 1), then follows equal lines. */
        if (fmin > dmin)
            fd[--fmin - 1] = -1;
        else
            fmin++;
        if (fmax < dmax)
            fd[++fmax + 1] = -1;
        else
            fmax--;
        for (long d = fmax; d >= fmin; d -= 2) {
            long lo = fd[d - 1], hi = fd[d + 1];
            long x = lo >= hi ? lo + 1 : hi, y = x - d;
            while (x < xlim && y < ylim && a[x] == b[y])
                x++, y++;
            fd[d] = x;
            if (odd && bmin <= d && d <= bmax && bd[d] <= x) {
                *xm = x;
                *ym = y;
                return;
            }
        }
        /* And from the end, backwards. */
        if (bmin > dmin)
            bd[--bmin - 1] = LONG_MAX;
        else
            bmin++;
        if (bmax < dmax)
            bd[++bmax + 1] = LONG_MAX;
        else
            bmax--;
        for (long d = bmax; d >= bmin; d -= 2) {
            long lo = bd[d - 1], hi = bd[d + 1];
            long x = lo < hi ? lo : hi - 1, y = x - d;
            while (x > xoff && y > yoff && a[x - 1] == b[y - 1])
                x--, y--;
            bd[d] = x;
            if (!odd && fmin <= d && d <= fmax && x <= fd[d]) {
                *xm = x;
                *ym = y;
                return;
            }
        }
        if (cost < s->limit)
            continue;
        /* Too costly for a shortest path: split where one of the searches got furthest. */
        long fbest = -1, fx = xoff, bbest = LONG_MAX, bx = xlim;
        for (long d = fmax; d >= fmin; d -= 2) {
            long x = fd[d] < xlim ? fd[d] : xlim, y = x - d;
            if (y > ylim)
                x = ylim + d, y = ylim;
            if (x + y > fbest)
                fbest = x + y, fx = x;
        }
        for (long d = bmax; d >= bmin; d -= 2) {
            long x = bd[d] > xoff ? bd[d] : xoff, y = x - d;
            if (y < yoff)
                x = yoff + d, y = yoff;
            if (x + y < bbest)
                bbest = x + y, bx = x;
        }
        if (fbest - (xoff + yoff) >= (xlim + ylim) - bbest)
            *xm = fx, *ym = fbest - fx;
        else
            *xm = bx, *ym = bbest - bx;
        if ((*xm == xoff && *ym == yoff) || (*xm == xlim && *ym == ylim))
            *xm = xoff + (xlim - xoff) / 2, *ym = yoff + (ylim - yoff + 1) / 2;
        return;
    }
}

/* Marks what a shortest (or, past the limit, a short) edit script of the box changes. The
 * smaller part of each split is searched by recursion and the larger by the loop, so the
 * depth stays within the logarithm of the size. */
static void compare(struct search *s, long xoff, long xlim, long yoff, long ylim)
{
    for (;;) {
        long xm, ym;
        while (xoff < xlim && yoff < ylim && s->a[xoff] == s->b[yoff])
            xoff++, yoff++;
        while (xlim > xoff && ylim > yoff && s->a[xlim - 1] == s->b[ylim - 1])
            xlim--, ylim--;
        if (xoff == xlim || yoff == ylim) {
            memset(s->ca + xoff, 1, (size_t)(xlim - xoff));
            memset(s->cb + yoff, 1, (size_t)(ylim - yoff));
            return;
        }
        middle(s, xoff, xlim, yoff, ylim, &xm, &ym);
        if ((xm - xoff) + (ym - yoff) < (xlim - xm) + (ylim - ym)) {
            compare(s, xoff, xm, yoff, ym);
            xoff = xm, yoff = ym;
        } else {
            compare(s, xm, xlim, ym, ylim);
            xlim = xm, ylim = ym;
        }
    }
}

/* The lines of d whose class the other side holds, as indices (*ret) and classes (*ret_cls):
 * a line with no equal on the other side is changed whatever the script, and leaving it out
 * makes wholly different inputs cheap. Those left out are marked changed. */
static long keep_matched(struct side *d, const char *other_has, long **ret, long **ret_cls)
{
    long n = 0;
    *ret = sbox_xmalloc(((size_t)d->lines + 1) * sizeof **ret);
    *ret_cls = sbox_xmalloc(((size_t)d->lines + 1) * sizeof **ret_cls);
    for (long i = 0; i < d->lines; i++) {
        if (other_has[d->cls[i]]) {
            (*ret)[n] = i;
            (*ret_cls)[n++] = d->cls[i];
        } else {
            d->changed[i] = 1;
        }
    }
    return n;
}

/* The search's cost limit: about the square root of the work, at least 4096 (as diff). */
static long cost_limit(long size)
{
    long limit = 1;
    for (unsigned long n = (unsigned long)size; n; n >>= 2)
        limit <<= 1;
    return limit < 4096 ? 4096 : limit;
}

static void find_changes(struct side *a, struct side *b)
{
    long classes = 0, *ia, *ib, *ka, *kb, na, nb;
    char *in_a, *in_b, *ca, *cb;
    struct search s;
    for (long i = 0; i < a->lines; i++)
        classes = a->cls[i] + 1 > classes ? a->cls[i] + 1 : classes;
    for (long i = 0; i < b->lines; i++)
        classes = b->cls[i] + 1 > classes ? b->cls[i] + 1 : classes;
    in_a = calloc((size_t)classes + 1, 1);
    in_b = calloc((size_t)classes + 1, 1);
    if (!in_a || !in_b)
        abort();
    for (long i = 0; i < a->lines; i++)
        in_a[a->cls[i]] = 1;
    for (long i = 0; i < b->lines; i++)
        in_b[b->cls[i]] = 1;
    na = keep_matched(a, in_b, &ia, &ka);
    nb = keep_matched(b, in_a, &ib, &kb);
    free(in_a);
    free(in_b);
    ca = calloc((size_t)na + 1, 1);
    cb = calloc((size_t)nb + 1, 1);
    if (!ca || !cb)
        abort();
    s.a = ka;
    s.b = kb;
    s.ca = ca;
    s.cb = cb;
    /* Diagonals run from -nb - 1 to na + 1 (one past each end for the searches' guards). */
    s.fwd = sbox_xmalloc((size_t)(na + nb + 3) * sizeof(long));
    s.bwd = sbox_xmalloc((size_t)(na + nb + 3) * sizeof(long));
    s.limit = cost_limit(na + nb);
    {
        long *fbase = s.fwd, *bbase = s.bwd;
        s.fwd += nb + 1;
        s.bwd += nb + 1;
        compare(&s, 0, na, 0, nb);
        free(fbase);
        free(bbase);
    }
    for (long i = 0; i < na; i++)
        a->changed[ia[i]] = ca[i];
    for (long i = 0; i < nb; i++)
        b->changed[ib[i]] = cb[i];
    free(ia);
    free(ib);
    free(ka);
    free(kb);
    free(ca);
    free(cb);
}

/* ---- where the changes sit --------------------------------------------------------------- */

/* A run of changed lines next to equal lines can sit in more than one place ("+b" after "b",
 * or before it). Each run of d is slid up as far as it goes, then down as far as it goes,
 * joining the runs it meets, until it stops growing; then back up to where a run of the
 * other side's changes ends, if it passed one, so a deletion and its insertion make one
 * group. That is where diff puts them. */
static void slide(struct side *d, const struct side *o)
{
    char *ch = d->changed;
    const char *och = o->changed;
    long i = 0, j = 0; /* j: the line of o paired with line i of d */
    for (;;) {
        long start, size, aligned;
        for (; i < d->lines && !ch[i]; i++, j++)
            while (och[j])
                j++;
        if (i == d->lines)
            break;
        start = i;
        while (ch[i])
            i++;
        while (och[j])
            j++;
        /* Now d's run is [start, i) and o's changes at the same place end at j. */
        do {
            size = i - start;
            while (start > 0 && d->cls[start - 1] == d->cls[i - 1]) {
                ch[--start] = 1;
                ch[--i] = 0;
                while (ch[start - 1])
                    start--;
                for (j--; och[j]; j--)
                    ;
            }
            aligned = och[j - 1] ? i : -1;
            while (i < d->lines && d->cls[start] == d->cls[i]) {
                ch[start++] = 0;
                ch[i++] = 1;
                while (ch[i])
                    i++;
                for (j++; och[j]; j++)
                    aligned = i;
            }
        } while (size != i - start);
        while (aligned >= 0 && aligned < i) {
            ch[--start] = 1;
            ch[--i] = 0;
            for (j--; och[j]; j--)
                ;
        }
    }
}

/* ---- writing ----------------------------------------------------------------------------- */

struct group {
    long a, na, b, nb; /* a[a .. a + na) replaced by b[b .. b + nb) */
};

static void put_line(FILE *out, char sign, const struct side *d, long i,
                     const struct sbox_udiff *how)
{
    size_t n;
    const char *s = line(d, i, &n);
    bool nl = n > 0 && s[n - 1] == '\n';
    fputc(sign, out);
    if (how->put)
        how->put(out, s, nl ? n - 1 : n);
    else
        fwrite(s, 1, nl ? n - 1 : n, out);
    fputc('\n', out);
    if (!nl)
        fputs("\\ No newline at end of file\n", out);
}

/* A hunk header's range as diff writes it: "5,3"; "5" for one line; "4,0" (the line before)
 * for none. */
static void put_range(FILE *out, long start, long count)
{
    if (count == 1)
        fprintf(out, "%ld", start + 1);
    else
        fprintf(out, "%ld,%ld", count ? start + 1 : start, count);
}

static void write_hunks(FILE *out, const struct side *a, const struct side *b,
                        const struct group *g, size_t n, const struct sbox_udiff *how)
{
    const long ctx = how->context;
    fprintf(out, "--- %s\n+++ %s\n", how->label_a, how->label_b);
    for (size_t first = 0, last; first < n; first = last + 1) {
        long a0, a1, b0, b1;
        /* Groups at most twice the context apart share a hunk. */
        for (last = first; last + 1 < n && g[last + 1].a - (g[last].a + g[last].na) <= 2 * ctx;)
            last++;
        a0 = g[first].a > ctx ? g[first].a - ctx : 0;
        b0 = g[first].b - (g[first].a - a0);
        a1 = g[last].a + g[last].na + ctx < a->lines ? g[last].a + g[last].na + ctx : a->lines;
        b1 = g[last].b + g[last].nb + (a1 - (g[last].a + g[last].na));
        fputs("@@ -", out);
        put_range(out, a0, a1 - a0);
        fputs(" +", out);
        put_range(out, b0, b1 - b0);
        fputs(" @@\n", out);
        for (long i = a0, j = b0; i < a1 || j < b1;) {
            if (!a->changed[i] && !b->changed[j]) {
                put_line(out, ' ', a, i++, how);
                j++;
                continue;
            }
            for (; a->changed[i]; i++)
                put_line(out, '-', a, i, how);
            for (; b->changed[j]; j++)
                put_line(out, '+', b, j, how);
        }
    }
}

bool sbox_udiff_write(FILE *out, const char *a, size_t na, const char *b, size_t nb,
                      const struct sbox_udiff *how)
{
    struct side sa, sb;
    struct group *g = NULL;
    size_t n = 0, cap = 0;
    if (na == nb && (na == 0 || memcmp(a, b, na) == 0))
        return false;
    split_lines(&sa, a, na);
    split_lines(&sb, b, nb);
    classify(&sa, &sb);
    find_changes(&sa, &sb);
    slide(&sa, &sb);
    slide(&sb, &sa);
    for (long i = 0, j = 0; i < sa.lines || j < sb.lines;) {
        long i0 = i, j0 = j;
        if (!sa.changed[i] && !sb.changed[j]) {
            i++, j++;
            continue;
        }
        while (sa.changed[i])
            i++;
        while (sb.changed[j])
            j++;
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            g = sbox_xrealloc(g, cap * sizeof *g);
        }
        g[n++] = (struct group){i0, i - i0, j0, j - j0};
    }
    if (n)
        write_hunks(out, &sa, &sb, g, n, how);
    free(g);
    side_free(&sa);
    side_free(&sb);
    return n > 0;
}

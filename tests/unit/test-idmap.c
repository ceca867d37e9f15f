/* Unit tests for the pure parts of idmap.c (subordinate ranges, helper arguments) and
 * overlay.c (option escaping, file systems that cannot hold an upper layer). */
#include "cleanup.h"
#include "idmap.h"
#include "overlay.h"
#include "tap.h"
#include "util.h"

#include <linux/magic.h>
#include <string.h>

static void test_ranges(void)
{
    struct sbox_idrange r[4];
    const char *text = "alice:100000:65536\n"
                       "bob:165536:65536\n"
                       "1000:300000:10\n"
                       "alice:100010:5\n"      /* overlaps the first: skipped */
                       "alice:400000:0\n"      /* empty: skipped */
                       "alice:x:5\n"           /* malformed: skipped */
                       "alice:4294967290:10\n" /* past the last id: skipped */
                       "alice:500000:7";       /* no final newline */
    size_t n = sbox_idmap_parse_ranges(text, "alice", 1000, r, 4);
    ok(n == 3, "alice's ranges, by name and by uid, bad lines skipped (%zu)", n);
    ok(r[0].start == 100000 && r[0].count == 65536, "first range");
    ok(r[1].start == 300000 && r[1].count == 10, "a line naming the uid counts");
    ok(r[2].start == 500000 && r[2].count == 7, "the last line without a newline");
    ok(sbox_idmap_count(r, n) == 65536 + 10 + 7, "count");
    ok(sbox_idmap_parse_ranges(text, "carol", 1002, r, 4) == 0, "no ranges for carol");
    ok(sbox_idmap_parse_ranges(text, "ali", 1, r, 4) == 0, "a prefix of a name is not the name");
    ok(sbox_idmap_parse_ranges(text, "alice", 1000, r, 1) == 1, "at most max ranges");
    ok(sbox_idmap_parse_ranges("", "alice", 1000, r, 4) == 0, "empty file");
    ok(sbox_idmap_free_start(text) == 500007, "a new range starts after every existing one");
    ok(sbox_idmap_free_start("") == 100000, "... and at 100000 at the earliest");
}

static void test_argv(void)
{
    struct sbox_idrange r[2] = {{100000, 65536}, {300000, 10}};
    _cleanup_strv_ char **argv = sbox_idmap_helper_argv("/usr/bin/newuidmap", 42, 1000, r, 2);
    _cleanup_free_ char *joined = NULL;
    size_t len = 0;
    for (size_t i = 0; argv[i]; i++)
        len += strlen(argv[i]) + 1;
    joined = sbox_xmalloc(len + 1);
    joined[0] = '\0';
    for (size_t i = 0; argv[i]; i++) {
        strcat(joined, argv[i]);
        strcat(joined, argv[i + 1] ? " " : "");
    }
    is_str(joined, "/usr/bin/newuidmap 42 0 1000 1 1 100000 65536 65537 300000 10",
           "inside 0 is the caller, then the ranges one after another");
}

static void test_within(void)
{
    struct sbox_idrange r[2] = {{100000, 65536}, {300000, 10}};
    ok(sbox_idmap_within("         0          0 4294967295\n", r, 2),
       "the initial namespace maps every range");
    ok(!sbox_idmap_within("         0       1000          1\n", r, 2),
       "`unshare -r` maps 0 alone: the ranges are not there");
    ok(sbox_idmap_within("0 1000 1\n300000 7 10\n100000 5 65536\n", r, 2),
       "lines in any order, each range inside one");
    ok(sbox_idmap_within("100000 5 30000\n130000 9 35536\n300000 7 10\n", r, 2),
       "a range covered by two lines that meet");
    ok(!sbox_idmap_within("100000 5 30000\n130001 9 35535\n300000 7 10\n", r, 2),
       "... not by two with a gap between");
    ok(!sbox_idmap_within("100000 5 65535\n300000 7 10\n", r, 2), "one id short");
    ok(!sbox_idmap_within("", r, 2), "an empty map maps nothing");
    ok(sbox_idmap_within("", r, 0), "no ranges need nothing");
}

static void test_overlay(void)
{
    _cleanup_free_ char *e = sbox_overlay_escape("/a:b,c\\d");
    is_str(e, "/a\\:b\\,c\\\\d", "`:` `,` and `\\` are escaped in layer paths");
    ok(sbox_overlay_upper_unsupported(OVERLAYFS_SUPER_MAGIC) != NULL, "no upper on an overlay");
    ok(sbox_overlay_upper_unsupported(0x6969) != NULL, "no upper on NFS");
    ok(sbox_overlay_upper_unsupported(MSDOS_SUPER_MAGIC) != NULL, "no upper on FAT");
    ok(sbox_overlay_upper_unsupported(EXT4_SUPER_MAGIC) == NULL, "ext4 holds an upper");
    ok(sbox_overlay_upper_unsupported(TMPFS_MAGIC) == NULL, "tmpfs holds an upper");
}

int main(void)
{
    test_ranges();
    test_argv();
    test_within();
    test_overlay();
    return tap_done();
}

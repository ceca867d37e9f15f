/* Unit tests for value.c: every parser with valid and invalid fixtures. */
#include "cleanup.h"
#include "tap.h"
#include "value.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void size_ok(const char *s, uint64_t want)
{
    uint64_t v = 0;
    struct sbox_error err = {0};
    int r = sbox_value_size(s, &v, &err);
    ok(r == 0 && v == want, "size '%s' = %llu", s, (unsigned long long)want);
}

static void size_bad(const char *s)
{
    uint64_t v = 12345;
    struct sbox_error err = {0};
    int r = sbox_value_size(s, &v, &err);
    ok(r < 0 && v == 12345 && err.msg[0], "size '%s' rejected (%s)", s, err.msg);
}

int main(void)
{
    struct sbox_error err = {0};
    mode_t mode = 0;
    uint64_t u = 0;
    bool b = false;

    size_ok("0", 0);
    size_ok("512", 512);
    size_ok("64k", 64 << 10);
    size_ok("64M", 64ULL << 20);
    size_ok("2G", 2ULL << 30);
    size_ok("1T", 1ULL << 40);
    size_ok("18446744073709551615", UINT64_MAX);
    size_bad("");
    size_bad("-1");
    size_bad("+1");
    size_bad("12bogus");
    size_bad("1MB");
    size_bad("18446744073709551616");
    size_bad("17179869184G");
    size_bad(" 1");
    {
        /* Formatted back in the largest unit that divides the size, readable again. */
        static const struct {
            uint64_t v;
            const char *s;
        } sizes[] = {
            {0, "0"},           {4097, "4097"},     {64 << 10, "64K"},    {6026ULL << 20, "6026M"},
            {2ULL << 30, "2G"}, {3ULL << 40, "3T"}, {1ULL << 50, "1024T"}};
        for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
            char buf[32];
            sbox_value_size_format(sizes[i].v, buf, sizeof buf);
            ok(strcmp(buf, sizes[i].s) == 0, "size %llu formats as %s (%s)",
               (unsigned long long)sizes[i].v, sizes[i].s, buf);
            size_ok(buf, sizes[i].v);
        }
    }

    ok(sbox_value_mode("1777", &mode, &err) == 0 && mode == 01777, "mode 1777");
    ok(sbox_value_mode("700", &mode, &err) == 0 && mode == 0700, "mode 700");
    ok(sbox_value_mode("9999", &mode, &err) < 0, "mode 9999 rejected");
    ok(sbox_value_mode("17777", &mode, &err) < 0, "mode with five digits rejected");
    ok(sbox_value_mode("", &mode, &err) < 0, "empty mode rejected");

    ok(sbox_value_uint("4294967294", UINT32_MAX - 1, &u, &err) == 0 && u == 4294967294ULL,
       "uint at its maximum");
    ok(sbox_value_uint("4294967295", UINT32_MAX - 1, &u, &err) < 0, "uint past its maximum");
    ok(sbox_value_uint("-1", 100, &u, &err) < 0, "negative uint rejected");
    ok(sbox_value_uint("1x", 100, &u, &err) < 0, "uint with junk rejected");

    ok(sbox_value_bool("Yes", &b, &err) == 0 && b, "bool yes");
    ok(sbox_value_bool("off", &b, &err) == 0 && !b, "bool off");
    ok(sbox_value_bool("maybe", &b, &err) < 0, "bool maybe rejected");

    {
        _cleanup_free_ char *l = NULL, *r = NULL;
        ok(sbox_value_split("/a\\:b:/c\\\\d", &l, &r, &err) == 0, "split with escapes");
        is_str(l, "/a:b", "left side unescaped");
        is_str(r, "/c\\d", "right side unescaped");
    }
    {
        _cleanup_free_ char *l = NULL, *r = NULL;
        ok(sbox_value_split("/only", &l, &r, &err) == 0 && r == NULL, "split without separator");
        is_str(l, "/only", "whole value on the left");
    }
    {
        _cleanup_free_ char *l = NULL, *r = NULL;
        ok(sbox_value_split("/a\\b", &l, &r, &err) < 0, "a stray backslash is an error");
    }

    ok(sbox_value_hostname("build-1.local", &err) == 0, "hostname accepted");
    ok(sbox_value_hostname("-bad", &err) < 0, "hostname starting with '-' rejected");
    ok(sbox_value_hostname("a b", &err) < 0, "hostname with a space rejected");
    ok(sbox_value_hostname("", &err) < 0, "empty hostname rejected");
    ok(sbox_value_env_name("_A1") && !sbox_value_env_name("1A") && !sbox_value_env_name("A-B"),
       "environment variable names");

    {
        static const struct {
            const char *in;
            uint64_t ms; /* UINT64_MAX: refused */
        } d[] = {{"90", 90000},       {"90s", 90000},         {"10m", 600000},
                 {"2h", 7200000},     {"1d", 86400000},       {"500ms", 500},
                 {"1h30m", 5400000},  {"1m5s", 65000},        {"0", 0},
                 {"none", 0},         {"30d", 2592000000ULL}, {"31d", UINT64_MAX},
                 {"1x", UINT64_MAX},  {"", 0},                {"-5", UINT64_MAX},
                 {"10mm", UINT64_MAX}, {"s", UINT64_MAX},     {"5 m", UINT64_MAX},
                 {"29d24h1ms", UINT64_MAX}, {"99999999999999999999s", UINT64_MAX}};
        for (size_t i = 0; i < sizeof d / sizeof *d; i++) {
            uint64_t ms = 12345;
            int r = sbox_value_duration(d[i].in, &ms, &err);
            if (d[i].ms == UINT64_MAX)
                ok(r < 0, "duration `%s` refused (%s)", d[i].in, err.msg);
            else
                ok(r == 0 && ms == d[i].ms, "duration `%s` is %llu ms", d[i].in,
                   (unsigned long long)ms);
        }
    }
    return tap_done();
}

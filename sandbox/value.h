/* value.h: parsers for the values settings take, shared by flags and profile keys.
 * Pure functions: no system calls, no global state; every rejection says why. */
#ifndef SBOX_VALUE_H
#define SBOX_VALUE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* "512", "64K", "512M", "2G", "1T" (binary multiples). Rejects signs, overflow, junk. */
int sbox_value_size(const char *s, uint64_t *ret, struct sbox_error *err);

/* A size as sbox_value_size reads it, in the largest unit that divides it ("64M", "4097"). */
void sbox_value_size_format(uint64_t v, char *buf, size_t size);

/* Octal permission bits, 1 to 4 digits, at most 07777. */
int sbox_value_mode(const char *s, mode_t *ret, struct sbox_error *err);

/* Decimal unsigned integer no larger than max. */
int sbox_value_uint(const char *s, uint64_t max, uint64_t *ret, struct sbox_error *err);

/* A duration in milliseconds: "90" (seconds), "90s", "10m", "2h", "1d", "500ms", or several
 * ("1h30m"); at most 30 days; "0" or "none": no duration (*ret = 0). */
int sbox_value_duration(const char *s, uint64_t *ret, struct sbox_error *err);

/* true/false, yes/no, on/off, 1/0 (case-insensitive). */
int sbox_value_bool(const char *s, bool *ret, struct sbox_error *err);

/* Splits "LEFT[:RIGHT]" at the first unescaped ':'; "\:" and "\\" unescape. ret_right is NULL
 * when there is no separator. */
int sbox_value_split(const char *s, char **ret_left, char **ret_right, struct sbox_error *err);

/* A hostname the kernel and resolvers accept: 1-64 of [A-Za-z0-9.-], not starting with '-'. */
int sbox_value_hostname(const char *s, struct sbox_error *err);

/* An environment variable name: [A-Za-z_][A-Za-z0-9_]*. */
bool sbox_value_env_name(const char *s);

/* CPU counts such as "1.5": more than 0, at most three decimals; *ret in thousandths. */
int sbox_value_cpus(const char *s, uint64_t *ret, struct sbox_error *err);

/* An IPv4 or IPv6 address. */
int sbox_value_ip(const char *s, struct sbox_error *err);

/* A port publication: [HOST_IP:]HOST_PORT:SANDBOX_PORT[/tcp|/udp], ports 1-65535; an IPv6 host
 * address goes in brackets. */
struct sbox_publish_spec {
    char host_ip[46]; /* 127.0.0.1 unless written */
    uint16_t host_port, port;
    bool udp;
};
int sbox_value_publish(const char *s, struct sbox_publish_spec *ret, struct sbox_error *err);

/* An errno name (EACCES) or number (1 to 4095). */
int sbox_value_errno(const char *s, int *ret, struct sbox_error *err);

/* A list of names separated by spaces or commas, each accepted by is_name. */
int sbox_value_names(const char *s, bool (*is_name)(const char *), const char *what,
                     struct sbox_error *err);
bool sbox_value_is_capability(const char *name); /* CAP_NET_BIND_SERVICE or net_bind_service */
bool sbox_value_capability(const char *name, int *ret);
void sbox_value_capability_name(int cap, char *buf, size_t size); /* CAP_NET_BIND_SERVICE */
bool sbox_value_is_syscall(const char *name);

#endif

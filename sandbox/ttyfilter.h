/* ttyfilter.h: the payload's terminal output as the caller's terminal receives it. Placeholder
 * until ttyfilter.c lands: the enum only. */
#ifndef SBOX_TTYFILTER_H
#define SBOX_TTYFILTER_H

#include <stdbool.h>
#include <stddef.h>

enum sbox_terminal {
    SBOX_TERMINAL_RELAY,
    SBOX_TERMINAL_RAW,
    SBOX_TERMINAL_PLAIN,
    SBOX_TERMINAL_NONE,
};

#endif

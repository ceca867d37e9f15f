/* ttyfilter.c: the payload's output read as a terminal reads it, then passed, held or dropped;
 * the DEC modes it leaves set. Never makes a system call, never relays what acts off screen. */
#include "ttyfilter.h"

#include <stdio.h>
#include <string.h>

#define ESC 0x1b
#define CAN 0x18
#define SUB 0x1a
#define BEL 0x07

/* Where the parser is; the same for every mode, so raw tracks what relay would. */
enum state {
    GROUND, /* text and C0 controls */
    ESCAPE, /* after ESC, perhaps intermediates: held in relay */
    CSI,    /* after ESC [ or a C1 CSI, up to the final byte: held in relay */
    OSC,    /* an OSC string, dropped: BEL ends it too */
    STRING, /* a DCS, SOS, PM or APC string, dropped */
};

/* What a CSI read so far may be: a DEC private mode set or reset is "?", digits and ";" only. */
enum {
    CSI_FIRST = 1,     /* no parameter byte read yet */
    CSI_PRIVATE = 2,   /* the first one was '?' */
    CSI_UNTRACKED = 4, /* another prefix, a sub-parameter, a parameter after an intermediate */
};

/* A parameter past any tracked mode stops growing, so a long run of digits cannot overflow. */
#define PARAM_CAP 100000u

/* The DEC private modes the payload may leave set, in the order reset puts them back: the
 * alternate screen first (1049 also restores the cursor the payload's entry saved), so what
 * follows lands on the screen the user's shell is on. restore is the final byte that puts the
 * mode back; its bit in modes means the payload's last word on it was the other one. */
static const struct {
    unsigned short mode;
    char restore;
} tracked[] = {
    {1049, 'l'}, {1047, 'l'}, {47, 'l'},   /* alternate screen */
    {1000, 'l'}, {1002, 'l'}, {1003, 'l'}, /* mouse reports */
    {1005, 'l'}, {1006, 'l'}, {1015, 'l'}, /* their encodings */
    {1004, 'l'},                           /* focus events */
    {2004, 'l'},                           /* bracketed paste */
    {1, 'l'},                              /* application cursor keys */
    {25, 'h'},                             /* the cursor shown */
};
#define N_TRACKED (sizeof(tracked) / sizeof(tracked[0]))

/* One call of feed: out is NULL under raw, where the input goes out whole and the parser only
 * tracks modes. */
struct run {
    struct sbox_ttyfilter *f;
    char *out;
    size_t len;
};

static void ground(struct run *r, unsigned char c);
static void escape(struct run *r, unsigned char c);

static bool is_raw(const struct sbox_ttyfilter *f)
{
    return f->mode == SBOX_TERMINAL_RAW || f->mode == SBOX_TERMINAL_NONE;
}

static void put(struct run *r, unsigned char c)
{
    if (r->out)
        r->out[r->len++] = (char)c;
}

static void drop_one(struct run *r)
{
    if (!is_raw(r->f))
        r->f->dropped++;
}

/* Only relay holds: raw writes at once, plain drops every sequence whole, so neither waits for a
 * sequence's end to decide. A sequence past the hold is dropped at its end: out has room for n
 * plus what was held, never more. */
static void hold(struct run *r, unsigned char c)
{
    struct sbox_ttyfilter *f = r->f;
    if (f->mode != SBOX_TERMINAL_RELAY)
        return;
    if (f->held < SBOX_TTYFILTER_HOLD)
        f->hold[f->held++] = c;
    else
        f->overflow = true;
}

/* The escape sequence or CSI read so far is over: out when pass (and relay could hold it whole),
 * dropped otherwise. Returns whether it reached the terminal, for the modes it sets. */
static bool finish(struct run *r, bool pass)
{
    struct sbox_ttyfilter *f = r->f;
    f->state = GROUND;
    if (is_raw(f))
        return true;
    if (f->mode == SBOX_TERMINAL_PLAIN || f->overflow)
        pass = false;
    for (size_t i = 0; pass && i < f->held; i++)
        put(r, f->hold[i]);
    if (!pass)
        f->dropped++;
    f->held = 0;
    f->overflow = false;
    return pass;
}

/* A C0 control or DEL, in text or inside a sequence: terminals carry it out where they meet it,
 * so inside a held sequence it goes out ahead of that sequence and is not lost with it. */
static void control(struct run *r, unsigned char c)
{
    if (r->f->mode == SBOX_TERMINAL_PLAIN && c != '\t' && c != '\n' && c != '\r' && c != '\b')
        drop_one(r);
    else
        put(r, c);
}

static void begin_escape(struct run *r)
{
    r->f->state = ESCAPE;
    r->f->esc_inter = false;
    hold(r, ESC);
}

static void begin_csi(struct run *r)
{
    struct sbox_ttyfilter *f = r->f;
    f->state = CSI;
    f->esc_inter = false;
    f->csi_form = CSI_FIRST;
    f->csi_param = 0;
    f->csi_named = 0;
}

/* Strings are never relayed, whatever they hold (OSC 52 writes the clipboard, OSC 0 and 2 the
 * title, OSC 8 makes links, DCS queries answer into the input), so nothing of one is held. */
static void begin_string(struct run *r, enum state s)
{
    struct sbox_ttyfilter *f = r->f;
    f->held = 0;
    f->overflow = false;
    drop_one(r);
    f->state = (unsigned char)s;
    f->string_esc = false;
    f->c2 = false;
}

/* The continuation bytes a UTF-8 lead byte announces, and the range of the first: a byte out of
 * range ends the sequence, so an overlong form (E0 80 9B for ESC) never reaches the terminal
 * whole. A byte that leads nothing (A0-BF, C0, C1, F5-FF) stands alone: a printable character
 * in 8-bit mode, U+FFFD in UTF-8. */
static void lead(struct sbox_ttyfilter *f, unsigned char c)
{
    if (c >= 0xc2 && c <= 0xdf)
        f->utf8_left = 1;
    else if (c >= 0xe0 && c <= 0xef)
        f->utf8_left = 2;
    else if (c >= 0xf0 && c <= 0xf4)
        f->utf8_left = 3;
    else
        f->utf8_left = 0;
    f->utf8_min = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
    f->utf8_max = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
}

/* U+0080-U+009F, which terminals read as C1 controls even in UTF-8. */
static void c1(struct run *r, unsigned char c)
{
    switch (c) {
    case 0x9b: /* CSI: relayed, if at all, in the 7-bit form every terminal reads the same */
        hold(r, ESC);
        hold(r, '[');
        begin_csi(r);
        return;
    case 0x9d:
        begin_string(r, OSC);
        return;
    case 0x90: /* DCS */
    case 0x98: /* SOS */
    case 0x9e: /* PM */
    case 0x9f: /* APC */
        begin_string(r, STRING);
        return;
    default:
        drop_one(r);
    }
}

static void ground(struct run *r, unsigned char c)
{
    struct sbox_ttyfilter *f = r->f;
    if (f->c2) {
        f->c2 = false;
        if (c >= 0x80 && c <= 0x9f) {
            c1(r, c);
            return;
        }
        put(r, 0xc2);
        if (c >= 0xa0 && c <= 0xbf) {
            put(r, c);
            return;
        }
    }
    if (f->utf8_left) {
        if (c >= f->utf8_min && c <= f->utf8_max) {
            f->utf8_left--;
            f->utf8_min = 0x80;
            f->utf8_max = 0xbf;
            put(r, c);
            return;
        }
        f->utf8_left = 0; /* a broken sequence: c is read afresh, as a terminal reads it */
    }
    if (c == ESC)
        begin_escape(r);
    else if (c < 0x20 || c == 0x7f)
        control(r, c);
    else if (c < 0x80)
        put(r, c);
    else if (c < 0xa0) /* continues nothing: a terminal in 8-bit mode reads a C1 control */
        drop_one(r);
    else if (c == 0xc2) /* held (by this flag) until the next byte says whether it starts a C1 */
        f->c2 = true;
    else {
        lead(f, c);
        put(r, c);
    }
}

/* What ends any sequence being read, as in a terminal's parser: another ESC, CAN or SUB, or a
 * byte no sequence holds; a C0 control inside is carried out. Returns whether c was taken. */
static bool interrupts(struct run *r, unsigned char c)
{
    if (c == ESC) { /* the sequence so far was cut short; the new one starts here */
        finish(r, false);
        begin_escape(r);
    } else if (c == CAN || c == SUB) {
        finish(r, false);
    } else if (c >= 0x80) {
        finish(r, false);
        ground(r, c);
    } else if (c < 0x20 || c == 0x7f) {
        control(r, c);
    } else {
        return false;
    }
    return true;
}

static void escape(struct run *r, unsigned char c)
{
    struct sbox_ttyfilter *f = r->f;
    if (interrupts(r, c))
        return;
    hold(r, c);
    if (c < 0x30) {
        f->esc_inter = true;
        return;
    }
    if (!f->esc_inter) {
        switch (c) {
        case '[':
            begin_csi(r);
            return;
        case ']':
            begin_string(r, OSC);
            return;
        case 'P': /* DCS */
        case 'X': /* SOS */
        case '^': /* PM */
        case '_': /* APC */
            begin_string(r, STRING);
            return;
        }
    }
    if (finish(r, true) && c == 'c' && !f->esc_inter) /* RIS: the terminal's full reset */
        f->modes = 0;
}

static void name_param(struct sbox_ttyfilter *f)
{
    for (size_t i = 0; i < N_TRACKED; i++)
        if (tracked[i].mode == f->csi_param)
            f->csi_named |= 1u << i;
    f->csi_param = 0;
}

static void csi_param(struct sbox_ttyfilter *f, unsigned char c)
{
    bool first = f->csi_form & CSI_FIRST;
    f->csi_form &= (unsigned char)~CSI_FIRST;
    if (f->esc_inter)
        f->csi_form |= CSI_UNTRACKED;
    else if (c == '?' && first)
        f->csi_form |= CSI_PRIVATE;
    else if (c >= '0' && c <= '9')
        f->csi_param = f->csi_param < PARAM_CAP ? f->csi_param * 10 + (c - '0') : PARAM_CAP;
    else if (c == ';')
        name_param(f);
    else
        f->csi_form |= CSI_UNTRACKED;
}

/* The modes a CSI ? Pm h (set), l (reset) or r (xterm's restore of saved modes) that reached
 * the terminal leaves. A restore may set any mode it names, so they count as set: an extra "off"
 * at the end costs nothing, a missing one leaves the user's terminal reporting the mouse. */
static void track(struct sbox_ttyfilter *f, unsigned char final)
{
    if ((f->csi_form & (CSI_PRIVATE | CSI_UNTRACKED)) != CSI_PRIVATE || f->esc_inter)
        return;
    if (final != 'h' && final != 'l' && final != 'r')
        return;
    for (size_t i = 0; i < N_TRACKED; i++) {
        unsigned bit = 1u << i;
        if (!(f->csi_named & bit))
            continue;
        if (final == tracked[i].restore)
            f->modes &= ~bit;
        else
            f->modes |= bit;
    }
}

static void csi(struct run *r, unsigned char c)
{
    struct sbox_ttyfilter *f = r->f;
    if (interrupts(r, c))
        return;
    hold(r, c);
    if (c < 0x30) {
        f->esc_inter = true;
        return;
    }
    if (c < 0x40) {
        csi_param(f, c);
        return;
    }
    name_param(f);
    /* t: window manipulation (move, resize, iconify) and reports of the title and the window;
     * i: media copy, which sends the screen, or what follows, to the printer */
    if (finish(r, c != 't' && c != 'i'))
        track(f, c);
}

/* Inside a dropped string, looking for its end. An ESC followed by anything but a backslash
 * ends the string as well, as xterm's and VTE's parsers read it, and starts a sequence of its
 * own: read otherwise, raw would not track what that sequence sets. */
static void string(struct run *r, unsigned char c)
{
    struct sbox_ttyfilter *f = r->f;
    if (f->string_esc) {
        f->string_esc = false;
        f->state = GROUND;
        if (c != '\\') {
            begin_escape(r);
            escape(r, c);
        }
        return;
    }
    if (f->c2) {
        f->c2 = false;
        if (c == 0x9c) { /* ST in UTF-8 */
            f->state = GROUND;
            return;
        }
    }
    if (c == ESC)
        f->string_esc = true;
    else if (c == 0xc2)
        f->c2 = true;
    else if (c == CAN || c == SUB || (c == BEL && f->state == OSC))
        f->state = GROUND;
}

void sbox_ttyfilter_init(struct sbox_ttyfilter *f, enum sbox_terminal mode)
{
    memset(f, 0, sizeof(*f));
    f->mode = mode;
    f->state = GROUND;
}

size_t sbox_ttyfilter_feed(struct sbox_ttyfilter *f, const char *in, size_t n, char *out)
{
    struct run r = {f, is_raw(f) ? NULL : out, 0};
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        switch (f->state) {
        case GROUND:
            ground(&r, c);
            break;
        case ESCAPE:
            escape(&r, c);
            break;
        case CSI:
            csi(&r, c);
            break;
        default:
            string(&r, c);
        }
    }
    if (!r.out) {
        if (n)
            memcpy(out, in, n);
        return n;
    }
    return r.len;
}

static void append(char *out, size_t size, size_t *len, const char *s)
{
    size_t n = strlen(s);
    if (*len + n > size)
        return;
    memcpy(out + *len, s, n);
    *len += n;
}

size_t sbox_ttyfilter_reset(const struct sbox_ttyfilter *f, char *out, size_t size)
{
    size_t len = 0;
    /* CAN first: raw may have left the terminal inside a sequence, which would eat what follows */
    append(out, size, &len, "\x18");
    for (size_t i = 0; i < N_TRACKED; i++) {
        char seq[16];
        if (!(f->modes & 1u << i))
            continue;
        snprintf(seq, sizeof(seq), "\x1b[?%u%c", tracked[i].mode, tracked[i].restore);
        append(out, size, &len, seq);
    }
    /* text the payload made invisible (SGR 8) or black on black would hide sbox's next line */
    append(out, size, &len, "\x1b[0m");
    return len;
}

unsigned long sbox_ttyfilter_dropped(const struct sbox_ttyfilter *f)
{
    return f->dropped;
}

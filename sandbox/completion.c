/* completion.c: the completion scripts of bash, zsh and fish, written from sbox_settings[] (a new
 * row completes with no second edit) and main's own options; the words that change (profiles,
 * captures, images) are asked of `sbox completion names` when completing. Must never put a word
 * in a script that a shell would read as code, nor offer one a sandbox chose unless it is safe. */
#include "completion.h"
#include "settings.h"

#include <errno.h>
#include <string.h>

/* What completes an option's value: words of its own, and kinds of names. */
enum {
    K_FILES = 1,
    K_DIRS = 2,
    K_CAPTURES = 4,
    K_IMAGES = 8,
    K_PROFILES = 16,
};

struct value {
    unsigned kinds;
    char words[256]; /* space-separated: the lower-case alternatives of its argument */
};

/* The subcommands, with what follows each (sbox(1), SUBCOMMANDS). */
static const char subcommands[] =
    "profiles profile import image check captures diff apply discard completion";

/* An option's argument as --help writes it (`none|host|slirp|pasta`, `tmpfs|DIR`, `SRC[:DST]`,
 * `last|ID|new`) read as what completes it: lower-case alternatives are words as they are,
 * upper-case ones name a kind (the part before `[`, `:` or `.`). */
static void value_of(const char *key, const char *arg, struct value *v)
{
    const char *t = arg;
    memset(v, 0, sizeof *v);
    while (t && *t) {
        size_t n = strcspn(t, "|"), name_len = strcspn(t, "|[:.=");
        bool literal = n > 0;
        for (size_t i = 0; i < n; i++)
            literal &= (t[i] >= 'a' && t[i] <= 'z') || (t[i] >= '0' && t[i] <= '9') || t[i] == '-';
        if (literal && strlen(v->words) + n + 2 < sizeof v->words) {
            if (v->words[0])
                strcat(v->words, " ");
            strncat(v->words, t, n);
        } else if (!literal) {
#define IS(w) (name_len == strlen(w) && !strncmp(t, w, name_len))
            if (IS("DIR"))
                v->kinds |= K_DIRS;
            else if (IS("FILE") || IS("PATH") || IS("SRC") || IS("DST"))
                v->kinds |= K_FILES;
            else if (IS("ID"))
                v->kinds |= K_CAPTURES;
            else if (IS("IMAGE") || (IS("NAME") && !strcmp(key, "image")))
                v->kinds |= K_IMAGES;
            else if (IS("NAME") && !strcmp(key, "profile"))
                v->kinds |= K_PROFILES;
#undef IS
        }
        t += n;
        t += *t == '|';
    }
}

bool sbox_completion_word_safe(const char *w)
{
    if (!w[0] || w[0] == '-' || strlen(w) > 255)
        return false;
    for (const char *c = w; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              strchr("._:@/+=,%-", *c)))
            return false;
    return true;
}

/* Every option, settings first: its long name, short letter, argument (NULL: none), help. */
struct opt {
    const char *name;
    char short_name;
    const char *arg, *help;
    bool repeats;
};

static size_t all_options(struct opt *o, size_t max, const struct sbox_completion_option *extra,
                          size_t n_extra)
{
    size_t n = 0;
    for (size_t i = 0; i < sbox_n_settings && n < max; i++) {
        const struct sbox_setting *s = &sbox_settings[i];
        o[n++] = (struct opt){s->key, 0, s->type == SBOX_SETTING_FLAG ? NULL : s->arg, s->help,
                              s->type == SBOX_SETTING_LIST};
    }
    for (size_t i = 0; i < n_extra && n < max; i++)
        o[n++] = (struct opt){extra[i].name, extra[i].short_name, extra[i].arg, extra[i].help,
                              extra[i].short_name == 'p'};
    return n;
}

#define MAX_OPTIONS 256

/* --- bash --- */

/* A case pattern for the option: -p|--profile. */
static void bash_option_names(FILE *out, const struct opt *o)
{
    if (o->short_name)
        fprintf(out, "-%c|", o->short_name);
    fprintf(out, "--%s", o->name);
}

static void bash(FILE *out, const struct opt *o, size_t n)
{
    bool any = false;
    fputs("# bash completion for sbox, written by `sbox completion bash` from its settings.\n"
          "# Profiles, captures and images come from `sbox completion names KIND`.\n\n"
          "_sbox_options='",
          out);
    for (size_t i = 0; i < n; i++) {
        if (o[i].short_name)
            fprintf(out, "-%c ", o[i].short_name);
        fprintf(out, "--%s%s", o[i].name, i + 1 < n ? " " : "");
    }
    fprintf(out, "'\n_sbox_subcommands='%s'\n\n", subcommands);
    fputs("# Words of the list $1 that begin with $2 (never expanded: compgen -W would expand).\n"
          "_sbox_add_words() {\n"
          "    local w\n"
          "    for w in $1; do\n"
          "        [[ $w == \"$2\"* ]] && COMPREPLY+=(\"$w\")\n"
          "    done\n"
          "}\n"
          "_sbox_add_names() {\n"
          "    local w\n"
          "    while IFS= read -r w; do\n"
          "        [[ $w == \"$2\"* ]] && COMPREPLY+=(\"$w\")\n"
          "    done < <(command sbox completion names \"$1\" 2>/dev/null)\n"
          "}\n"
          "_sbox_add_files() {\n"
          "    local w\n"
          "    compopt -o filenames 2>/dev/null\n"
          "    while IFS= read -r w; do COMPREPLY+=(\"$w\"); done < <(compgen \"$1\" -- \"$2\")\n"
          "}\n\n"
          "_sbox_takes_arg() {\n"
          "    case $1 in\n"
          "    ",
          out);
    for (size_t i = 0; i < n; i++) {
        if (!o[i].arg)
            continue;
        fputs(any ? "|" : "", out);
        bash_option_names(out, &o[i]);
        any = true;
    }
    fputs(") return 0 ;;\n"
          "    esac\n"
          "    return 1\n"
          "}\n\n"
          "# The values of option $1 that begin with $2.\n"
          "_sbox_values() {\n"
          "    case $1 in\n",
          out);
    for (size_t i = 0; i < n; i++) {
        struct value v;
        if (!o[i].arg)
            continue;
        value_of(o[i].name, o[i].arg, &v);
        if (!v.words[0] && !v.kinds)
            continue;
        fputs("    ", out);
        bash_option_names(out, &o[i]);
        fputs(")", out);
        if (v.words[0])
            fprintf(out, " _sbox_add_words '%s' \"$2\";", v.words);
        if (v.kinds & K_PROFILES)
            fputs(" _sbox_add_names profiles \"$2\";", out);
        if (v.kinds & K_CAPTURES)
            fputs(" _sbox_add_names captures \"$2\";", out);
        if (v.kinds & K_IMAGES)
            fputs(" _sbox_add_names images \"$2\";", out);
        if (v.kinds & K_DIRS)
            fputs(" _sbox_add_files -d \"$2\";", out);
        if (v.kinds & (K_FILES | K_PROFILES))
            fputs(" _sbox_add_files -f \"$2\";", out);
        fputs(" ;;\n", out);
    }
    fputs("    esac\n"
          "}\n\n"
          "_sbox() {\n"
          "    local cur=${COMP_WORDS[COMP_CWORD]} prev='' cmd='' at=0 i w\n"
          "    COMPREPLY=()\n"
          "    ((COMP_CWORD > 1)) && prev=${COMP_WORDS[COMP_CWORD - 1]}\n"
          "    # --opt=VALUE: bash splits at '=' (COMP_WORDBREAKS)\n"
          "    if [[ $cur == = ]]; then\n"
          "        cur=''\n"
          "    elif [[ $prev == = ]] && ((COMP_CWORD > 2)); then\n"
          "        prev=${COMP_WORDS[COMP_CWORD - 2]}\n"
          "    fi\n"
          "    # The first word that is neither an option nor an option's value: a subcommand,\n"
          "    # or the command to run.\n"
          "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
          "        w=${COMP_WORDS[i]}\n"
          "        if [[ $w == = ]]; then\n"
          "            ((i++))\n"
          "        elif [[ $w == -- ]]; then\n"
          "            cmd=-- at=$i\n"
          "            break\n"
          "        elif [[ $w == -* ]]; then\n"
          "            _sbox_takes_arg \"$w\" && [[ ${COMP_WORDS[i + 1]} != = ]] && ((i++))\n"
          "        else\n"
          "            cmd=$w at=$i\n"
          "            break\n"
          "        fi\n"
          "    done\n"
          "    if [[ -z $cmd ]]; then\n"
          "        if _sbox_takes_arg \"$prev\"; then\n"
          "            _sbox_values \"$prev\" \"$cur\"\n"
          "        elif [[ $cur == -* ]]; then\n"
          "            _sbox_add_words \"$_sbox_options --\" \"$cur\"\n"
          "        else\n"
          "            _sbox_add_words \"$_sbox_subcommands\" \"$cur\"\n"
          "            _sbox_add_files -c \"$cur\"\n"
          "        fi\n"
          "        return 0\n"
          "    fi\n"
          "    local n=$((COMP_CWORD - at)) sub=${COMP_WORDS[at + 1]}\n"
          "    case $cmd in\n"
          "    profiles | captures | check) ((n == 1)) && _sbox_add_words '--json' \"$cur\" ;;\n"
          "    profile)\n"
          "        if ((n == 1)); then _sbox_add_words 'list show' \"$cur\"\n"
          "        elif ((n == 2)) && [[ $sub == show ]]; then _sbox_add_names profiles \"$cur\"\n"
          "        elif ((n == 2)) && [[ $sub == list ]]; then _sbox_add_words '--json' \"$cur\"\n"
          "        fi ;;\n"
          "    image)\n"
          "        if ((n == 1)); then _sbox_add_words 'import pull ls inspect rm prune' \"$cur\"\n"
          "        else\n"
          "            case $sub in\n"
          "            ls) ((n == 2)) && _sbox_add_words '--json' \"$cur\" ;;\n"
          "            inspect) ((n == 2)) && _sbox_add_names images \"$cur\" ;;\n"
          "            rm) _sbox_add_names images \"$cur\"; _sbox_add_files -d \"$cur\" ;;\n"
          "            pull) [[ $cur == -* ]] && _sbox_add_words '--tls-verify=false' \"$cur\" ;;\n"
          "            import) ((n == 2)) && _sbox_add_files -f \"$cur\" ;;\n"
          "            esac\n"
          "        fi ;;\n"
          "    diff | apply | discard)\n"
          "        if [[ $cur == -* ]]; then\n"
          "            case $cmd in\n"
          "            diff) _sbox_add_words '--stat --expand --exclude' \"$cur\" ;;\n"
          "            apply) _sbox_add_words '--include-denied --dry-run' \"$cur\" ;;\n"
          "            discard) _sbox_add_words '--applied --all' \"$cur\" ;;\n"
          "            esac\n"
          "        elif ((n == 1)) || [[ $cmd == discard ]]; then\n"
          "            _sbox_add_words last \"$cur\"\n"
          "            _sbox_add_names captures \"$cur\"\n"
          "        else\n"
          "            _sbox_add_files -f \"$cur\"\n"
          "        fi ;;\n"
          "    import) _sbox_add_files -f \"$cur\" ;;\n"
          "    completion)\n"
          "        if ((n == 1)); then _sbox_add_words 'bash zsh fish names' \"$cur\"\n"
          "        elif ((n == 2)) && [[ $sub == names ]]; then\n"
          "            _sbox_add_words 'profiles captures images' \"$cur\"\n"
          "        fi ;;\n"
          "    *)\n"
          "        # The command to run, and its own arguments: its completion when\n"
          "        # bash-completion is loaded, else file names.\n"
          "        [[ $cmd == -- ]] && ((at++))\n"
          "        if ((COMP_CWORD == at)); then\n"
          "            _sbox_add_files -c \"$cur\"\n"
          "        elif declare -F _command_offset >/dev/null; then\n"
          "            _command_offset \"$at\"\n"
          "        else\n"
          "            _sbox_add_files -f \"$cur\"\n"
          "        fi ;;\n"
          "    esac\n"
          "    return 0\n"
          "}\n"
          "complete -F _sbox sbox\n",
          out);
}

/* --- zsh --- */

/* text inside single quotes of a zsh _arguments spec: quotes, brackets and backslashes escaped,
 * and colons outside the description (where they would end a field). */
static void zsh_text(FILE *out, const char *s, bool colons)
{
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", out);
        else if (*s == '[' || *s == ']' || (colons && *s == ':') || *s == '\\')
            fprintf(out, "\\%c", *s);
        else
            fputc(*s, out);
    }
}

static void zsh_action(FILE *out, const struct opt *o)
{
    struct value v;
    bool many;
    value_of(o->name, o->arg, &v);
    many = (v.words[0] != '\0') + __builtin_popcount(v.kinds & ~K_PROFILES) +
               (v.kinds & K_PROFILES ? 2 : 0) >
           1;
    if (many) {
        fputs(" _alternative", out);
        if (v.words[0])
            fprintf(out, " \"values\\:value\\:(%s)\"", v.words);
        if (v.kinds & K_PROFILES)
            fputs(" \"profiles\\:profile\\:_sbox_names profiles\"", out);
        if (v.kinds & K_CAPTURES)
            fputs(" \"captures\\:capture\\:_sbox_names captures\"", out);
        if (v.kinds & K_IMAGES)
            fputs(" \"images\\:image\\:_sbox_names images\"", out);
        if (v.kinds & K_DIRS)
            fputs(" \"dirs\\:directory\\:_files -/\"", out);
        if (v.kinds & (K_FILES | K_PROFILES))
            fputs(" \"files\\:file\\:_files\"", out);
    } else if (v.words[0]) {
        fprintf(out, "(%s)", v.words);
    } else if (v.kinds & K_CAPTURES) {
        fputs("_sbox_names captures", out);
    } else if (v.kinds & K_IMAGES) {
        fputs("_sbox_names images", out);
    } else if (v.kinds & K_DIRS) {
        fputs("_files -/", out);
    } else if (v.kinds & K_FILES) {
        fputs("_files", out);
    } else {
        fputs(" ", out);
    }
}

static void zsh(FILE *out, const struct opt *o, size_t n)
{
    fputs("#compdef sbox\n"
          "# zsh completion for sbox, written by `sbox completion zsh` from its settings.\n\n"
          "_sbox_names() {\n"
          "    local -a w\n"
          "    w=(${(f)\"$(command sbox completion names $1 2>/dev/null)\"})\n"
          "    compadd -a w\n"
          "}\n\n"
          "_sbox() {\n"
          "    local curcontext=$curcontext state line ret=1\n"
          "    local -a opts\n"
          "    opts=(\n",
          out);
    for (size_t i = 0; i < n; i++) {
        const char *rep = o[i].repeats ? "*" : "";
        if (o[i].short_name)
            fprintf(out, "        '%s-%c%s[", rep, o[i].short_name, o[i].arg ? "+" : "");
        for (int pass = o[i].short_name ? 0 : 1; pass < 2; pass++) {
            if (pass == 1)
                fprintf(out, "        '%s--%s%s[", rep, o[i].name, o[i].arg ? "=" : "");
            zsh_text(out, o[i].help, false);
            fputs("]", out);
            if (o[i].arg) {
                fputs(":", out);
                zsh_text(out, o[i].name, true);
                fputs(":", out);
                zsh_action(out, &o[i]);
            }
            fputs("'\n", out);
        }
    }
    fprintf(out,
            "    )\n"
            "    _arguments -C -S -A '-*' : $opts '1: :->first' '*:: :->rest' && ret=0\n"
            "    case $state in\n"
            "    first)\n"
            "        _alternative 'subcommands:subcommand:(%s)' \\\n"
            "            'commands:command:_command_names -e' && ret=0 ;;\n"
            "    rest)\n"
            "        case $line[1] in\n"
            "        profiles | captures | check) compadd -- --json && ret=0 ;;\n"
            "        profile)\n"
            "            if (( CURRENT == 2 )); then compadd list show\n"
            "            elif [[ $words[2] == show ]]; then _sbox_names profiles; fi\n"
            "            ret=0 ;;\n"
            "        image)\n"
            "            if (( CURRENT == 2 )); then compadd import pull ls inspect rm prune\n"
            "            else\n"
            "                case $words[2] in\n"
            "                ls) compadd -- --json ;;\n"
            "                inspect) _sbox_names images ;;\n"
            "                rm) _sbox_names images; _files -/ ;;\n"
            "                import) _files ;;\n"
            "                pull) compadd -- --tls-verify=false ;;\n"
            "                esac\n"
            "            fi\n"
            "            ret=0 ;;\n"
            "        diff) _arguments '--stat' '--expand' '*--exclude:pattern: ' \\\n"
            "            '1:capture:_sbox_names captures' '*:path:_files' && ret=0 ;;\n"
            "        apply) _arguments '--include-denied' '--dry-run' \\\n"
            "            '1:capture:_sbox_names captures' '*:path:_files' && ret=0 ;;\n"
            "        discard) _arguments '--applied' '--all' \\\n"
            "            '*:capture:_sbox_names captures' && ret=0 ;;\n"
            "        import) _files && ret=0 ;;\n"
            "        completion)\n"
            "            if (( CURRENT == 2 )); then compadd bash zsh fish names\n"
            "            else compadd profiles captures images; fi\n"
            "            ret=0 ;;\n"
            "        *) _normal && ret=0 ;;\n"
            "        esac ;;\n"
            "    esac\n"
            "    return ret\n"
            "}\n\n"
            "_sbox \"$@\"\n",
            subcommands);
}

/* --- fish --- */

/* text in fish's single quotes: backslash and quote escaped. */
static void fish_text(FILE *out, const char *s)
{
    fputc('\'', out);
    for (; *s; s++) {
        if (*s == '\'' || *s == '\\')
            fputc('\\', out);
        fputc(*s, out);
    }
    fputc('\'', out);
}

static void fish(FILE *out, const struct opt *o, size_t n)
{
    fputs("# fish completion for sbox, written by `sbox completion fish` from its settings.\n\n"
          "function __sbox_names\n"
          "    command sbox completion names $argv 2>/dev/null\n"
          "end\n"
          "# Still among sbox's own options: no subcommand or command word yet.\n"
          "function __sbox_options\n"
          "    set -l words (commandline -opc)\n"
          "    set -e words[1]\n"
          "    set -l skip 0\n"
          "    for w in $words\n"
          "        if test $skip = 1\n"
          "            set skip 0\n"
          "            continue\n"
          "        end\n"
          "        switch $w\n"
          "            case '--'\n"
          "                return 1\n"
          "            case '--*=*'\n"
          "            case '-*'\n"
          "                contains -- $w $__sbox_takes_arg; and set skip 1\n"
          "            case '*'\n"
          "                return 1\n"
          "        end\n"
          "    end\n"
          "    return 0\n"
          "end\n"
          "function __sbox_second\n"
          "    set -l words (commandline -opc)\n"
          "    test (count $words) -ge 3; and contains -- $words[3] $argv\n"
          "end\n"
          "function __sbox_after\n"
          "    set -l words (commandline -opc)\n"
          "    test (count $words) -ge 2; and contains -- $words[2] $argv\n"
          "end\n\n"
          "set -g __sbox_takes_arg",
          out);
    for (size_t i = 0; i < n; i++) {
        if (!o[i].arg)
            continue;
        if (o[i].short_name)
            fprintf(out, " -%c", o[i].short_name);
        fprintf(out, " --%s", o[i].name);
    }
    fputs("\n\ncomplete -c sbox -f\n", out);
    for (size_t i = 0; i < n; i++) {
        fputs("complete -c sbox -n __sbox_options", out);
        if (o[i].short_name)
            fprintf(out, " -s %c", o[i].short_name);
        fprintf(out, " -l %s", o[i].name);
        if (o[i].arg) {
            struct value v;
            value_of(o[i].name, o[i].arg, &v);
            /* -x: a value, and no file names unless the row's argument names a path */
            fputs(v.kinds & (K_FILES | K_PROFILES) ? " -r -F" : " -x", out);
            fputs(" -a '", out);
            if (v.words[0])
                fprintf(out, "%s ", v.words);
            if (v.kinds & K_PROFILES)
                fputs("(__sbox_names profiles) ", out);
            if (v.kinds & K_CAPTURES)
                fputs("(__sbox_names captures) ", out);
            if (v.kinds & K_IMAGES)
                fputs("(__sbox_names images) ", out);
            if (v.kinds & K_DIRS)
                fputs("(__fish_complete_directories) ", out);
            fputs("'", out);
        }
        fputs(" -d ", out);
        fish_text(out, o[i].help);
        fputc('\n', out);
    }
    fprintf(
        out,
        "\ncomplete -c sbox -n __sbox_options -a '%s'\n"
        "complete -c sbox -n __sbox_options -a '(__fish_complete_command)'\n"
        "complete -c sbox -n '__sbox_after profiles captures check' -l json\n"
        "complete -c sbox -n '__sbox_after profile; and test (count (commandline -opc)) = 2'"
        " -a 'list show'\n"
        "complete -c sbox -n '__sbox_after profile' -a '(__sbox_names profiles)'\n"
        "complete -c sbox -n '__sbox_after image; and test (count (commandline -opc)) = 2'"
        " -a 'import pull ls inspect rm prune'\n"
        "complete -c sbox -n '__sbox_after image; and __sbox_second inspect rm'"
        " -a '(__sbox_names images)'\n"
        "complete -c sbox -n '__sbox_after image; and __sbox_second import rm' -F\n"
        "complete -c sbox -n '__sbox_after diff apply discard' -a 'last (__sbox_names captures)'\n"
        "complete -c sbox -n '__sbox_after diff' -l stat -l expand\n"
        "complete -c sbox -n '__sbox_after diff' -l exclude -r\n"
        "complete -c sbox -n '__sbox_after apply' -l include-denied -l dry-run\n"
        "complete -c sbox -n '__sbox_after discard' -l applied -l all\n"
        "complete -c sbox -n '__sbox_after import' -F\n"
        "complete -c sbox -n '__sbox_after completion' -a 'bash zsh fish names'\n"
        "# The command sbox runs: its arguments are file names here.\n"
        "complete -c sbox -n 'not __sbox_options; and not __sbox_after %s' -F\n",
        subcommands, subcommands);
}

int sbox_completion_script(FILE *out, const char *shell, const struct sbox_completion_option *extra,
                           size_t n_extra)
{
    struct opt o[MAX_OPTIONS];
    size_t n = all_options(o, MAX_OPTIONS, extra, n_extra);
    if (!strcmp(shell, "bash"))
        bash(out, o, n);
    else if (!strcmp(shell, "zsh"))
        zsh(out, o, n);
    else if (!strcmp(shell, "fish"))
        fish(out, o, n);
    else
        return -EINVAL;
    return 0;
}

#!/usr/bin/env python3
"""doc_examples.py DOCDIR: the examples README.md, man/sbox.1 and man/sbox.ini.5 show, as
tests/integration/examples.sh runs them; run alone, it lists them (FILE:LINE, kind, text).

An example is found by where it stands, not by a list of its own, so that an example added to
the documents is found too:
- README.md: every line of a ```sh block (comments alone skipped); every command of a
  ```console block, with the output lines below it; every ```ini block (a profile); every
  inline `code` span that runs sbox (`sbox ...`, `./sbox ...`, `... | sbox ...`,
  `<(./sbox ...)`, `alias NAME='sbox ...'`). ```text blocks are the option list, not examples;
  a block of any other kind is an error, so that it is not passed over unseen.
- man pages: in sbox.1's EXAMPLES, each `.B sbox ...` item and the aliases' block; in both
  pages, every bold span that starts with `sbox ` (\\fBsbox ...\\fR), and every block of
  sbox.ini.5 (`.nf` ... `.fi`: profiles). The SYNOPSIS and the COMMANDS headings are the
  grammar, not examples.
Inline spans that are a synopsis (an upper-case placeholder, `[...]`, `...`, `a|b`) or only
name a command (`sbox diff`) are kinds of their own; the test reports them and runs the rest.
"""
import os
import re
import sys

COMMAND_WORDS = {"profiles", "profile", "list", "show", "import", "check", "image", "rm",
                 "pull", "ls", "inspect", "prune", "captures", "diff", "apply", "discard",
                 "completion", "names"}


class Example:
    def __init__(self, where, kind, text, output=None, header=None):
        self.where = where      # FILE:LINE
        self.kind = kind        # cmd, console, ini, span, alias, synopsis, name
        self.text = text        # the command (or the profile's text)
        self.output = output or []  # console: the documented output lines
        self.header = header    # ini: the first comment line (the file and its command)

    def __repr__(self):
        return "%s\t%s\t%s" % (self.where, self.kind, self.text.replace("\n", "\\n"))


def runs_sbox(span):
    return bool(re.match(r"^(\./)?sbox( |$)", span) or re.search(r"[|(<]\s*(\./)?sbox ", span)
                or re.match(r"^alias \w+='sbox( |')", span))


def classify_span(text):
    if text.startswith("alias "):
        return "alias"
    # Placeholders: upper-case words that are not a variable's name or a quoted glob.
    bare = re.sub(r"'[^']*'|\$\{?\w+\}?", "", text)
    if (re.search(r"\b[A-Z][A-Z0-9_]+\b", bare) or "[" in bare or "..." in bare
            or re.search(r"\w\|\w", bare)):
        return "synopsis"
    words = text.split()
    if words[0] == "sbox" and len(words) > 1 and all(w in COMMAND_WORDS for w in words[1:]):
        return "name"
    if words in (["sbox"], ["./sbox"]):
        return "name"
    return "span"


def readme(path):
    out = []
    name = os.path.basename(path)
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^```(\w*)\s*$", lines[i])
        if not m:
            for span in re.findall(r"`([^`]+)`", lines[i]):
                span = span.strip()
                if runs_sbox(span):
                    out.append(Example("%s:%d" % (name, i + 1), classify_span(span), span))
            i += 1
            continue
        lang, start = m.group(1), i + 1
        j = start
        while j < len(lines) and lines[j].rstrip() != "```":
            j += 1
        if j == len(lines):
            raise SystemExit("%s:%d: a ``` block that never ends" % (name, i + 1))
        body = lines[start:j]
        if lang == "sh":
            for k, line in enumerate(body):
                s = line.strip()
                if s and not s.startswith("#"):
                    out.append(Example("%s:%d" % (name, start + k + 1), "cmd", s))
        elif lang == "console":
            cur = None
            for k, line in enumerate(body):
                if line.startswith("$ "):
                    cur = Example("%s:%d" % (name, start + k + 1), "console", line[2:].strip())
                    out.append(cur)
                elif cur is not None:
                    cur.output.append(line)
                elif line.strip():
                    raise SystemExit("%s:%d: output before any command" % (name, start + k + 1))
            for ex in out:
                while ex.kind == "console" and ex.output and not ex.output[-1].strip():
                    ex.output.pop()
        elif lang == "ini":
            header = body[0] if body and body[0].startswith(";") else None
            out.append(Example("%s:%d" % (name, start + 1), "ini", "\n".join(body) + "\n",
                               header=header))
        elif lang != "text":
            raise SystemExit("%s:%d: a ```%s block: examples.sh does not know this kind"
                             % (name, i + 1, lang))
        i = j + 1
    return out


def man_text(s):
    """A line of roff as the reader sees it (the fonts gone)."""
    s = re.sub(r"\\f[BIRP]", "", s)
    s = s.replace("\\-", "-").replace("\\(em", "--").replace("\\e", "\\").replace("\\\\", "\\")
    s = s.replace("\\&", "")
    return s


def man(path):
    out = []
    name = "man/" + os.path.basename(path)
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    section = ""
    i = 0
    while i < len(lines):
        line = lines[i]
        where = "%s:%d" % (name, i + 1)
        if line.startswith(".SH "):
            section = line[4:].strip().strip('"')
        elif line.startswith(".nf") and section != "SYNOPSIS" or (
                line.startswith(".nf") and name.endswith(".5")):
            j = i + 1
            body = []
            while j < len(lines) and not lines[j].startswith(".fi"):
                if not lines[j].startswith("."):
                    body.append(man_text(lines[j]))
                j += 1
            if name.endswith(".5"):
                header = body[0] if body and body[0].startswith(";") else None
                out.append(Example(where, "ini", "\n".join(body) + "\n", header=header))
            elif section == "EXAMPLES":
                for k, b in enumerate(body):
                    if b.strip():
                        out.append(Example(where, classify_span(b.strip()), b.strip()))
            # Other blocks of sbox.1 show output (the status events), not commands.
            i = j + 1
            continue
        elif section == "EXAMPLES" and line.startswith(".B sbox "):
            out.append(Example(where, "cmd", man_text(line[3:]).strip()))
            i += 1
            continue
        if section not in ("SYNOPSIS",) and not line.startswith((".B ", ".BR ", ".TP", '.\\"')):
            for m in re.finditer(r"\\fB(sbox (?:(?!\\f[RP]).)*)\\f[RP]((?:\s*\\fI)?)", line):
                text = man_text(m.group(1)).strip()
                kind = classify_span(text)
                if m.group(2) and kind in ("span", "name"):
                    kind = "synopsis"   # \fBsbox \-p\fR \fINAME\fR: a placeholder follows
                out.append(Example(where, kind, text))
        i += 1
    return out


def collect(docdir):
    ex = readme(os.path.join(docdir, "README.md"))
    ex += man(os.path.join(docdir, "man", "sbox.1"))
    ex += man(os.path.join(docdir, "man", "sbox.ini.5"))
    return ex


if __name__ == "__main__":
    for e in collect(sys.argv[1]):
        print(repr(e))
        for o in e.output:
            print("\t\t| " + o)

#!/usr/bin/env python3
"""Generates a deterministic documentation site of N pages for benchmarks.

The same markdown is laid out twice over, once as an archsite site (site.toml + content/) and
once as a Hugo site (hugo.toml + layouts/ + a symlink to the same content/), so both tools build
exactly the same files. Pages are 4-8 KB of realistic documentation: headings, paragraphs with
inline code and links (to other pages and to their headings), fenced code in several languages,
a table, and on every tenth page pros/cons lists under subject headings (`## Monolith`,
`**Pros:**`, `**Cons:**`) that archsite collects into its comparison matrix. Pages live in
folders of 50 with an `_index.md` each, and folders in parts of 20 (1,000 pages), so a site has
a handful of top-level sections, as documentation sites do: `part-00/topic-000/page-00000.md`.

With `--layout flat`, every folder of 50 pages is a top-level section (`topic-000/page-00000.md`):
200 top-level sections at 10,000 pages, the layout where a sidebar listing every section makes
pages grow with the site.

Usage: python3 bench/gen_site.py N OUT_DIR [--seed S] [--layout parts|flat]
Only the Python standard library is used.
"""

import argparse
import os
import posixpath
import random
import shutil

PAGES_PER_FOLDER = 50
FOLDERS_PER_PART = 20
# "parts" (folders in parts of 20) or "flat" (every folder top-level); set by --layout.
LAYOUT = "parts"
COMPARE_EVERY = 10

WORDS = (
    "service request cache latency throughput queue worker deploy release module boundary "
    "schema migration database index replica shard partition consumer producer event stream "
    "handler router gateway token session config secret vault metric trace span log alert "
    "budget capacity failover rollback canary feature flag contract interface adapter port "
    "domain aggregate entity value object repository transaction isolation consistency "
    "availability network timeout retry backoff circuit breaker bulkhead container image "
    "cluster node pod scheduler autoscaler function trigger binding storage bucket blob "
    "the a of to and in for with on by that this is are be can will when which each every "
    "team product cart order payment catalogue search checkout inventory shipping invoice"
).split()

SUBJECTS = [
    ("monolith", "Monolith"),
    ("microservices", "Microservices"),
    ("serverless", "Serverless"),
]

TAGS = [
    "architecture", "databases", "operations", "testing", "security", "performance",
    "deployment", "observability", "messaging", "api-design", "caching", "scaling",
    "reliability", "storage", "networking", "tooling", "frontend", "backend", "cloud", "data",
]

LANGS = ["rust", "python", "js", "go", "yaml", "bash", "sql", "toml"]


def part_name(p):
    return f"part-{p:02d}"


def folder_name(f):
    """Path of folder f under content/: its part, then the folder (the folder alone when flat)."""
    if LAYOUT == "flat":
        return f"topic-{f:03d}"
    return f"{part_name(f // FOLDERS_PER_PART)}/topic-{f:03d}"


def page_name(i):
    return f"page-{i:05d}"


def page_location(i):
    """Folder and file stem of page i (0-based)."""
    return folder_name(i // PAGES_PER_FOLDER), page_name(i)


def heading_slug(text):
    out = []
    for c in text.lower():
        if c.isalnum():
            out.append(c)
        elif out and out[-1] != "-":
            out.append("-")
    return "".join(out).strip("-")


class PageWriter:
    def __init__(self, rng, n, i):
        self.rng = rng
        self.n = n
        self.i = i

    def words(self, k):
        return " ".join(self.rng.choice(WORDS) for _ in range(k))

    def title_words(self, k):
        return " ".join(w.capitalize() for w in (self.rng.choice(WORDS) for _ in range(k)))

    def link_to_other(self):
        """A relative markdown link to another page, sometimes to one of its headings."""
        if self.n <= 1:
            return f"`{self.words(2)}`"
        j = self.rng.randrange(self.n)
        if j == self.i:
            j = (j + 1) % self.n
        folder, stem = page_location(j)
        own_folder, _ = page_location(self.i)
        target = posixpath.relpath(f"{folder}/{stem}.md", own_folder)
        if self.rng.random() < 0.4:
            # Every page has an "Overview" and a "Details" heading.
            target += "#" + self.rng.choice(["overview", "details"])
        return f"[{self.words(2)}]({target})"

    def sentence(self):
        parts = [self.words(self.rng.randint(4, 9))]
        roll = self.rng.random()
        if roll < 0.3:
            parts.append(f"`{self.rng.choice(WORDS)}_{self.rng.choice(WORDS)}()`")
        elif roll < 0.55:
            parts.append(self.link_to_other())
        elif roll < 0.65:
            parts.append(f"**{self.words(2)}**")
        parts.append(self.words(self.rng.randint(3, 8)))
        s = " ".join(parts)
        return s[0].upper() + s[1:] + "."

    def paragraph(self):
        return " ".join(self.sentence() for _ in range(self.rng.randint(3, 6)))

    def code_block(self):
        lang = self.rng.choice(LANGS)
        name = f"{self.rng.choice(WORDS)}_{self.rng.choice(WORDS)}_{self.i}"
        n = self.rng.randint(4, 12)
        if lang == "rust":
            body = [f"fn {name}(input: &str) -> Result<usize, Error> {{"]
            body += [f"    let {w} = input.len() + {k};" for k, w in enumerate(self.pick(n))]
            body += ["    Ok(0)", "}"]
        elif lang == "python":
            body = [f"def {name}(items):", '    """Sums the items."""']
            body += [f"    {w} = sum(x * {k} for x in items)" for k, w in enumerate(self.pick(n))]
            body += ["    return 0"]
        elif lang == "js":
            body = [f"export function {name}(req, res) {{"]
            body += [f"  const {w} = req.query['{w}'] ?? {k};" for k, w in enumerate(self.pick(n))]
            body += ["  return res.json({ ok: true });", "}"]
        elif lang == "go":
            body = [f"func {name}(ctx context.Context) error {{"]
            body += [f"\t{w} := len(\"{w}\") + {k}" for k, w in enumerate(self.pick(n))]
            body += ["\treturn nil", "}"]
        elif lang == "yaml":
            body = [f"{name}:"] + [f"  {w}: {k}" for k, w in enumerate(self.pick(n))]
        elif lang == "bash":
            body = [f"# {name}"] + [f"kubectl get {w} --namespace {k} | grep -v none" for k, w in enumerate(self.pick(n))]
        elif lang == "sql":
            cols = ", ".join(self.pick(n))
            body = [f"SELECT {cols}", f"FROM {name}", "WHERE id = $1", "ORDER BY created_at DESC;"]
        else:
            body = [f"[{name}]"] + [f"{w} = {k}" for k, w in enumerate(self.pick(n))]
        return f"```{lang}\n" + "\n".join(body) + "\n```"

    def pick(self, n):
        return [f"{self.rng.choice(WORDS)}_{k}" for k in range(n)]

    def table(self):
        head = "| Option | Latency | Cost | Notes |\n| --- | ---: | ---: | --- |"
        rows = [
            f"| `{self.rng.choice(WORDS)}` | {self.rng.randint(1, 900)} ms | {self.rng.randint(1, 99)} | {self.words(4)} |"
            for _ in range(self.rng.randint(3, 6))
        ]
        return head + "\n" + "\n".join(rows)

    def bullet_list(self, k):
        return "\n".join(f"- {self.sentence()}" for _ in range(k))

    def comparison(self):
        out = []
        for _, name in SUBJECTS:
            out.append(f"## {name}\n\n{self.paragraph()}\n")
            out.append("**Pros:**\n\n" + self.bullet_list(self.rng.randint(2, 3)) + "\n")
            out.append("**Cons:**\n\n" + self.bullet_list(self.rng.randint(2, 3)) + "\n")
        return "\n".join(out)

    def body(self):
        # Page text of 4 to 8 KB with the front matter: stop past a target, parts are under 1 KB.
        target = self.rng.randint(3950, 7000)
        parts = [
            f"## Overview\n\n{self.paragraph()}\n",
            "Install the shared tooling first:\n\n```bash\ncargo install archsite\nnpm ci\n```\n",
            f"## Details\n\n{self.paragraph()}\n\n{self.code_block()}\n",
            f"### Measurements\n\n{self.table()}\n",
        ]
        if self.i % COMPARE_EVERY == 0:
            parts.append(self.comparison())
        size = sum(len(p) for p in parts)
        while size < target:
            roll = self.rng.random()
            if roll < 0.15:
                p = f"## {self.title_words(3)}\n\n{self.paragraph()}\n"
            elif roll < 0.3:
                p = f"### {self.title_words(2)}\n\n{self.paragraph()}\n"
            elif roll < 0.45:
                p = self.code_block() + "\n"
            elif roll < 0.55:
                p = self.bullet_list(self.rng.randint(3, 5)) + "\n"
            else:
                p = self.paragraph() + "\n"
            parts.append(p)
            size += len(p)
        return "\n".join(parts)


def front_matter(title, date, tags=None, weight=None):
    lines = ["---", f'title: "{title}"', f"date: {date}"]
    if weight is not None:
        lines.append(f"weight: {weight}")
    if tags:
        lines.append("tags: [" + ", ".join(tags) + "]")
    lines.append("---")
    return "\n".join(lines) + "\n\n"


def date_of(i):
    day = i % 28 + 1
    month = (i // 28) % 12 + 1
    year = 2020 + (i // 336) % 5
    return f"{year}-{month:02d}-{day:02d}"


SITE_TOML = """title = "Benchmark site"
description = "Generated pages for measuring build time."
base_url = "https://example.org/"
broken_links = "error"

[[compare.subjects]]
id = "monolith"
name = "Monolith"

[[compare.subjects]]
id = "microservices"
name = "Microservices"

[[compare.subjects]]
id = "serverless"
name = "Serverless"
"""

HUGO_TOML = """baseURL = "https://example.org/"
title = "Benchmark site"
disableKinds = ["RSS"]
[markup.highlight]
noClasses = false
[markup.goldmark.renderer]
unsafe = true
[markup.tableOfContents]
startLevel = 2
endLevel = 4
[taxonomies]
tag = "tags"
"""

# Layouts that render what archsite's default theme renders: a sidebar of sections with the
# current section's pages, breadcrumbs, a table of contents, the body, prev/next links,
# section listings and tag pages. Relative `.md` links are resolved (and checked) by a link hook.
HUGO_LAYOUTS = {
    "_default/baseof.html": """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} | {{ site.Title }}</title>
<meta name="description" content="{{ .Summary | plainify | truncate 160 }}">
<link rel="stylesheet" href="/style.css"></head>
<body><header><a href="{{ site.Home.RelPermalink }}">{{ site.Title }}</a></header>
<nav class="sidebar"><ul>
{{- $cur := . -}}
{{- range site.Sections }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> ({{ len .Pages }})
{{- if or (eq . $cur) (.IsAncestor $cur) }}<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}</li>
{{- end }}</ul></nav>
<main>{{ block "main" . }}{{ end }}</main>
<footer>{{ site.Title }}</footer></body></html>
""",
    "_default/single.html": """{{ define "main" }}
<nav class="breadcrumbs">{{ range .Ancestors.Reverse }}<a href="{{ .RelPermalink }}">{{ .Title }}</a> / {{ end }}</nav>
<h1>{{ .Title }}</h1><p>{{ .Date.Format "2 January 2006" }} · {{ .ReadingTime }} min ·
{{ range .GetTerms "tags" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</p>
<aside class="toc">{{ .TableOfContents }}</aside>
<article>{{ .Content }}</article>
<nav class="prev-next">{{ with .PrevInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
{{ with .NextInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</nav>
{{ end }}
""",
    "_default/list.html": """{{ define "main" }}
<h1>{{ .Title }}</h1><article>{{ .Content }}</article>
<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}
<p>{{ .Summary | plainify | truncate 160 }}</p></li>{{ end }}</ul>
{{ end }}
""",
    "_markup/render-link.html": """{{- $u := urls.Parse .Destination -}}
{{- $href := .Destination -}}
{{- if and (not $u.IsAbs) (strings.HasSuffix $u.Path ".md") -}}
{{- with .PageInner.GetPage $u.Path -}}
{{- $href = .RelPermalink -}}{{- with $u.Fragment }}{{ $href = printf "%s#%s" $href . }}{{ end -}}
{{- else -}}{{- errorf "broken link %s in %s" $.Destination $.Page.File.Path -}}
{{- end -}}
{{- end -}}
<a href="{{ $href }}"{{ with .Title }} title="{{ . }}"{{ end }}>{{ .Text }}</a>
{{- /**/ -}}
""",
}


def generate(n, out, seed=1):
    """Writes the site for n pages into out/ (out/site.toml, out/content, out/hugo/)."""
    if os.path.exists(out):
        shutil.rmtree(out)
    content = os.path.join(out, "content")
    os.makedirs(content)
    with open(os.path.join(out, "site.toml"), "w") as f:
        f.write(SITE_TOML)
    with open(os.path.join(content, "_index.md"), "w") as f:
        f.write(front_matter("Benchmark site", "2024-01-01") + "Generated pages.\n")
    folders = (n + PAGES_PER_FOLDER - 1) // PAGES_PER_FOLDER
    parts = 0 if LAYOUT == "flat" else (folders + FOLDERS_PER_PART - 1) // FOLDERS_PER_PART
    for pi in range(parts):
        rng = random.Random(seed * 31 + pi)
        d = os.path.join(content, part_name(pi))
        os.makedirs(d)
        w = PageWriter(rng, 1, 0)  # n=1: index pages have no links to other pages
        with open(os.path.join(d, "_index.md"), "w") as f:
            f.write(front_matter(f"Part {pi}: {w.title_words(2)}", date_of(pi), weight=pi + 1))
            f.write(w.paragraph() + "\n")
    for fi in range(folders):
        rng = random.Random(seed * 1_000_003 + 7 * fi + 1)
        d = os.path.join(content, folder_name(fi))
        os.makedirs(d)
        w = PageWriter(rng, 1, 0)  # n=1: index pages have no links to other pages
        with open(os.path.join(d, "_index.md"), "w") as f:
            f.write(front_matter(f"Topic {fi}: {w.title_words(2)}", date_of(fi), weight=fi + 1))
            f.write(w.paragraph() + "\n")
    total = 0
    for i in range(n):
        rng = random.Random(seed * 7_919 + i)
        w = PageWriter(rng, n, i)
        title = f"{w.title_words(3)} {i}"
        tags = sorted({rng.choice(TAGS), rng.choice(TAGS)})
        text = front_matter(title, date_of(i), tags=tags) + w.body()
        folder, stem = page_location(i)
        with open(os.path.join(content, folder, stem + ".md"), "w") as f:
            f.write(text)
        total += len(text)

    hugo = os.path.join(out, "hugo")
    os.makedirs(hugo)
    with open(os.path.join(hugo, "hugo.toml"), "w") as f:
        f.write(HUGO_TOML)
    for rel, text in HUGO_LAYOUTS.items():
        path = os.path.join(hugo, "layouts", rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    os.symlink(os.path.join("..", "content"), os.path.join(hugo, "content"))
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, help="number of pages")
    ap.add_argument("out", help="output folder (replaced)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--layout", choices=["parts", "flat"], default="parts")
    a = ap.parse_args()
    global LAYOUT
    LAYOUT = a.layout
    total = generate(a.n, a.out, a.seed)
    print(f"{a.n} pages, {total / max(a.n, 1) / 1024:.1f} KB average, in {a.out}")


if __name__ == "__main__":
    main()

// Browser tests of archsite's default theme, run against a freshly built site.
//
//   cargo run -q -- build            # writes public/
//   cd tests/browser && npm ci && node --test theme.test.mjs
//
// Environment:
//   ARCHSITE_PUBLIC      the built site (default: <repo>/public)
//   ARCHSITE_BASE        the base path the site was built with (default: read from the home page)
//   CHROMIUM_PATH        the browser binary (default: /usr/bin/chromium; never downloaded)
//   ARCHSITE_SCREENSHOTS where to write PNG screenshots (default: <repo>/docs/screenshots; "0" skips)
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";
import { serve } from "./server.mjs";

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");
const PUBLIC = path.resolve(repo, process.env.ARCHSITE_PUBLIC || "public");
const SHOTS = process.env.ARCHSITE_SCREENSHOTS === "0" ? null
  : path.resolve(repo, process.env.ARCHSITE_SCREENSHOTS || "docs/screenshots");
const AXE = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const DESKTOP = { width: 1280, height: 860 };
const PHONE = { width: 390, height: 844 };

assert.ok(fs.existsSync(path.join(PUBLIC, "index.html")), `no built site at ${PUBLIC} (run: cargo run -- build)`);
const homeHtml = fs.readFileSync(path.join(PUBLIC, "index.html"), "utf8");
const BASE = normBase(process.env.ARCHSITE_BASE
  || (homeHtml.match(/<a class="site-title" href="([^"]+)"/) || [])[1] || "/");

function normBase(b) {
  if (/^https?:/.test(b)) b = new URL(b).pathname;
  if (!b.startsWith("/")) b = "/" + b;
  return b.endsWith("/") ? b : b + "/";
}

let server, browser, origin;
const urls = {};        // page type -> path URL
const pageErrors = [];  // uncaught exceptions seen in any page

function read(urlPath) {
  let rel = urlPath.slice(BASE.length);
  if (rel === "" || rel.endsWith("/")) rel += "index.html";
  const file = path.join(PUBLIC, rel);
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
}
const hrefs = (html, re) => [...html.matchAll(re)].map((m) => m[1].replace(/&amp;/g, "&"));

// Finds one URL of each page type from the built HTML.
function discover() {
  urls.home = BASE;
  const sections = hrefs(homeHtml, /<a class="nav-section-link" href="([^"]+)"/g);
  assert.ok(sections.length, "the home page has sidebar sections");
  urls.section = sections.find((u) => /note/i.test(u)) || sections[0];
  const pagesOf = (u) => hrefs(read(u), /<a class="page-list-title" href="([^"]+)"/g);
  const notes = pagesOf(urls.section);
  assert.ok(notes.length, `section ${urls.section} lists its pages`);
  urls.note = notes[0];
  const course = sections.find((u) => /course/i.test(u));
  if (course && pagesOf(course).length) urls.course = pagesOf(course)[0];
  const tagLinks = sections.flatMap((s) => pagesOf(s)).flatMap((u) => hrefs(read(u), /<a class="tag" href="([^"]+)"/g));
  if (tagLinks.length) urls.tag = tagLinks[0];
  if (read(BASE + "tags/")) urls.tags = BASE + "tags/";
  urls.notFound = BASE + "no-such-page-" + Date.now() + "/";
  if (read(BASE + "compare/")) {
    urls.compare = BASE + "compare/";
    const sub = hrefs(read(urls.compare), /href="([^"#]*\/compare\/[^"#]+\/)"/g).filter((u) => u !== urls.compare);
    const pair = sub.find((u) => /-vs-/.test(u));
    const subject = sub.find((u) => !/-vs-/.test(u));
    if (pair) urls.comparePair = pair;
    if (subject) urls.compareSubject = subject;
  }
}

async function newPage({ viewport = DESKTOP, scheme = "light", js = true, permissions = [] } = {}) {
  const context = await browser.newContext({ viewport, colorScheme: scheme, javaScriptEnabled: js, reducedMotion: "reduce" });
  if (permissions.length) await context.grantPermissions(permissions, { origin });
  const page = await context.newPage();
  page.on("pageerror", (e) => pageErrors.push(`${page.url()}: ${e.message}`));
  return { context, page };
}

async function axe(page) {
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n` + v.nodes.slice(0, 6).map((n) =>
    `    ${n.target.join(" ")} ${n.failureSummary ? n.failureSummary.split("\n").slice(1, 2).join(" ").trim() : ""}`).join("\n"));
}

before(async () => {
  discover();
  server = await serve(PUBLIC, BASE);
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.close();
});

describe("accessibility (axe-core)", () => {
  const types = ["home", "section", "note", "course", "tag", "tags", "notFound", "compare", "comparePair", "compareSubject"];
  for (const type of types) {
    for (const scheme of ["light", "dark"]) {
      test(`${type} page, ${scheme} theme: no axe violations`, async (t) => {
        if (!urls[type]) return t.skip(`no ${type} page in this site`);
        const { context, page } = await newPage({ scheme });
        const res = await page.goto(origin + urls[type]);
        assert.equal(res.status(), type === "notFound" ? 404 : 200, `status of ${urls[type]}`);
        assert.equal(await page.getAttribute("html", "data-theme"), scheme);
        const violations = await axe(page);
        await context.close();
        assert.deepEqual(violations, [], `${urls[type]} (${scheme}):\n${violations.join("\n")}`);
      });
    }
  }
  test("note page at phone width, dark, menu open: no axe violations", async () => {
    const { context, page } = await newPage({ viewport: PHONE, scheme: "dark" });
    await page.goto(origin + urls.note);
    await page.click("#menu-button");
    await page.waitForTimeout(100);
    const violations = await axe(page);
    await context.close();
    assert.deepEqual(violations, [], violations.join("\n"));
  });
});

describe("behaviour", () => {
  test("the theme toggle switches and persists across reload", async () => {
    const { context, page } = await newPage({ scheme: "light" });
    await page.goto(origin + urls.note);
    assert.equal(await page.getAttribute("html", "data-theme"), "light");
    assert.equal(await page.getAttribute("#theme-toggle", "aria-pressed"), "false");
    const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const lightBg = await bg();
    await page.click("#theme-toggle");
    assert.equal(await page.getAttribute("html", "data-theme"), "dark");
    assert.equal(await page.getAttribute("#theme-toggle", "aria-pressed"), "true");
    assert.notEqual(await bg(), lightBg, "the page background changes");
    assert.equal(await page.evaluate(() => localStorage.getItem("archsite-theme")), "dark");
    await page.reload();
    assert.equal(await page.getAttribute("html", "data-theme"), "dark", "dark survives a reload");
    await page.goto(origin + urls.home);
    assert.equal(await page.getAttribute("html", "data-theme"), "dark", "and applies on other pages");
    await page.click("#theme-toggle");
    await page.reload();
    assert.equal(await page.getAttribute("html", "data-theme"), "light");
    await context.close();
  });

  test("the theme is set before the stylesheet paints (inline script in <head>)", async () => {
    const head = homeHtml.slice(0, homeHtml.indexOf("</head>"));
    const inline = head.search(/<script>[^<]*archsite-theme/);
    const css = head.search(/<link rel="stylesheet"/);
    assert.ok(inline >= 0 && inline < css, "inline theme script comes before the stylesheets");
    for (const m of head.matchAll(/<script\b([^>]*)\bsrc=/g)) assert.match(m[1] + " ", /\bdefer\b/, "external scripts are deferred");
  });

  test("search: typing a word from a note and pressing Enter opens it", async (t) => {
    const manifestUrl = (homeHtml.match(/data-search-index="([^"]+)"/) || [])[1];
    if (!manifestUrl || !read(manifestUrl)) return t.skip("site built without search");
    const word = uniqueWord(manifestUrl, urls.note);
    assert.ok(word, `a word that only ${urls.note} contains`);
    const { context, page } = await newPage();
    await page.goto(origin + urls.home);
    await page.click("#search-button");
    const input = page.locator("dialog[open] input");
    await input.waitFor({ state: "visible" });
    await input.fill(word);
    await page.locator("dialog[open] .search-result a, dialog[open] [role=option] a").first().waitFor({ timeout: 5000 });
    await Promise.all([page.waitForURL((u) => u.pathname === urls.note, { timeout: 5000 }), input.press("Enter")]);
    assert.equal(new URL(page.url()).pathname, urls.note, `Enter on "${word}" opens the note`);
    await context.close();
  });

  test("the mobile menu opens and closes at 390 px", async () => {
    const { context, page } = await newPage({ viewport: PHONE });
    await page.goto(origin + urls.note);
    const button = page.locator("#menu-button");
    assert.ok(await button.isVisible(), "menu button visible on a phone");
    assert.equal(await button.getAttribute("aria-expanded"), "false");
    assert.ok(!(await page.locator("#sidebar a[aria-current=page]").isVisible()), "drawer closed at first");
    await button.click();
    assert.equal(await button.getAttribute("aria-expanded"), "true");
    await page.locator("#sidebar a[aria-current=page]").waitFor({ state: "visible" });
    const box = await page.locator("#sidebar").boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width, "drawer inside the viewport");
    await page.keyboard.press("Escape");
    assert.equal(await button.getAttribute("aria-expanded"), "false");
    await page.locator("#sidebar a[aria-current=page]").waitFor({ state: "hidden" });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal page overflow at 390 px (${overflow}px)`);
    await context.close();
  });

  test("without JavaScript the sidebar is still reachable on a phone", async () => {
    const { context, page } = await newPage({ viewport: PHONE, js: false });
    await page.goto(origin + urls.note);
    assert.ok(await page.locator("#sidebar a[aria-current=page]").isVisible());
    assert.ok(!(await page.locator("#menu-button").isVisible()), "no dead menu button");
    await context.close();
  });

  test("the copy button copies a code block", async () => {
    const { context, page } = await newPage({ permissions: ["clipboard-read", "clipboard-write"] });
    const target = [urls.note, urls.course, urls.section, urls.home].find((u) => u && /<pre\b/.test(read(u)));
    if (!target) await withCodeBlock(page, urls.note); // the site has no code: add one, as the engine writes it
    await page.goto(origin + (target || urls.note));
    const block = page.locator(".code-block").first();
    await block.scrollIntoViewIfNeeded();
    await block.hover();
    await block.locator(".copy-button").click();
    await page.waitForFunction(() => document.querySelector(".copy-button").textContent === "Copied");
    const [copied, code] = await Promise.all([
      page.evaluate(() => navigator.clipboard.readText()),
      block.locator("pre").evaluate((pre) => (pre.querySelector("code") || pre).innerText.replace(/\n$/, "")),
    ]);
    assert.equal(copied, code);
    assert.ok(code.length > 10);
    await page.waitForFunction(() => [...document.querySelectorAll("[aria-live]")].some((n) => n.textContent === "Copied"));
    await context.close();
  });

  for (const scheme of ["light", "dark"]) {
    test(`highlighted code is readable (contrast), ${scheme} theme`, async () => {
      const { context, page } = await newPage({ scheme });
      await withCodeBlock(page, urls.note);
      await page.goto(origin + urls.note);
      await page.addScriptTag({ content: AXE });
      const result = await page.evaluate(() => window.axe.run({ include: [".code-block"] }, { runOnly: ["color-contrast"] }));
      await context.close();
      const bad = result.violations.flatMap((v) => v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary.split("\n").slice(1).join(" ").trim()}`));
      assert.deepEqual(bad, [], bad.join("\n"));
    });
  }

  test("the table of contents follows the scroll position", async (t) => {
    const { context, page } = await newPage();
    await page.goto(origin + urls.note);
    const links = page.locator(".toc a");
    if ((await links.count()) < 2) { await context.close(); return t.skip("the note has no table of contents"); }
    const last = links.last();
    const id = decodeURIComponent((await last.getAttribute("href")).slice(1));
    await page.evaluate((i) => document.getElementById(i).scrollIntoView(), id);
    await page.waitForFunction((i) => {
      const a = document.querySelector(".toc a.active");
      return a && decodeURIComponent(a.getAttribute("href").slice(1)) === i;
    }, id, { timeout: 3000 });
    await context.close();
  });

  test("a collapsed sidebar section fills its pages from the nav JSON", async (t) => {
    const { context, page } = await newPage();
    await page.goto(origin + urls.note);
    const closed = page.locator("#sidebar details.nav-details:not([open])").first();
    if (!(await closed.count())) { await context.close(); return t.skip("only one section"); }
    await closed.locator("summary").click();
    await page.waitForFunction(() => {
      const d = document.querySelector("#sidebar details.nav-details[open]:not(:has(a[aria-current])) .nav-pages");
      return d && !d.querySelector(".nav-more") && d.children.length > 0;
    }, null, { timeout: 3000 });
    await context.close();
  });

  test("no uncaught script errors on any page", () => {
    assert.deepEqual(pageErrors, []);
  });
});

describe("screenshots", () => {
  test("desktop and phone, light and dark", async (t) => {
    if (!SHOTS) return t.skip("ARCHSITE_SCREENSHOTS=0");
    fs.mkdirSync(SHOTS, { recursive: true });
    const shots = [["home", urls.home], ["note", urls.note]];
    if (urls.compare) shots.push(["compare", urls.compare]);
    for (const [name, url] of shots) {
      for (const [device, viewport] of [["desktop", DESKTOP], ["phone", PHONE]]) {
        for (const scheme of ["light", "dark"]) {
          const { context, page } = await newPage({ viewport, scheme });
          await page.goto(origin + url);
          await page.evaluate(() => document.fonts && document.fonts.ready);
          const file = path.join(SHOTS, `${name}-${device}-${scheme}.png`);
          await page.screenshot({ path: file });
          await context.close();
          assert.ok(fs.statSync(file).size > 5000, `${file} written`);
        }
      }
    }
  });
});

// Serves `url` with a highlighted code block added at the top of its content, in the markup the
// engine writes (syntect classes with the hl- prefix), so code styling is tested on any site.
const SAMPLE_CODE = '<pre class="code" data-lang="rust"><code class="language-rust"><span class="hl-source hl-rust">'
  + '<span class="hl-comment hl-line hl-double-slash hl-rust"><span class="hl-punctuation hl-definition hl-comment hl-rust">//</span> A comment, a string and a number.\n</span>'
  + '<span class="hl-meta hl-function hl-rust"><span class="hl-storage hl-type hl-function hl-rust">fn</span> <span class="hl-entity hl-name hl-function hl-rust">main</span></span>() {\n'
  + '    <span class="hl-storage hl-type hl-rust">let</span> n: <span class="hl-storage hl-type hl-rust">u32</span> <span class="hl-keyword hl-operator hl-rust">=</span> <span class="hl-constant hl-numeric hl-integer hl-decimal hl-rust">42</span>;\n'
  + '    <span class="hl-keyword hl-control hl-rust">if</span> n <span class="hl-keyword hl-operator hl-comparison hl-rust">&gt;</span> <span class="hl-constant hl-numeric hl-rust">1</span> { <span class="hl-support hl-macro hl-rust">println!</span>(<span class="hl-string hl-quoted hl-double hl-rust">"{n} modules"</span>); }\n'
  + '    <span class="hl-constant hl-language hl-rust">true</span>; <span class="hl-entity hl-name hl-struct hl-rust">Service</span>::<span class="hl-support hl-function hl-rust">new</span>(<span class="hl-variable hl-parameter hl-rust">name</span>);\n'
  + '}\n</span></code></pre>';
async function withCodeBlock(page, url) {
  await page.route(origin + url, async (route) => {
    const res = await route.fetch();
    const body = (await res.text()).replace('<div class="prose">', '<div class="prose">' + SAMPLE_CODE);
    await route.fulfill({ response: res, body });
  });
}

// A search term whose only document is the page at `url`, read from the built search index.
function uniqueWord(manifestUrl, url) {
  const manifest = JSON.parse(read(manifestUrl));
  assert.ok(Array.isArray(manifest.chunks) && manifest.chunks.length, `the search manifest ${manifestUrl} lists chunks`);
  const stop = new Set(manifest.stop || []);
  const counts = new Map();
  const all = [];
  for (const chunk of manifest.chunks) {
    const data = JSON.parse(read(chunk.url));
    for (const [term, postings] of Object.entries(data.terms)) {
      all.push(term);
      if (postings.length !== 1 || term.length < 7 || stop.has(term) || !/^[a-z]+$/.test(term)) continue;
      counts.set(term, postings[0][0]);
    }
  }
  // The last query word matches as a prefix: skip terms that begin another term.
  all.sort();
  for (let i = 0; i + 1 < all.length; i++) if (all[i + 1].startsWith(all[i])) counts.delete(all[i]);
  const docDir = manifest.fragments || manifestUrl.slice(0, manifestUrl.lastIndexOf("/") + 1) + "d/";
  const cache = new Map();
  const docUrl = (key) => {
    if (!cache.has(key)) {
      const raw = read(docDir + key + ".json");
      cache.set(key, raw ? JSON.parse(raw).url : null);
    }
    return cache.get(key);
  };
  let best = null;
  for (const [term, key] of counts) {
    if (docUrl(key) === url && (!best || term.length > best.length)) best = term;
  }
  return best;
}

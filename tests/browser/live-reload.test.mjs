// Live reload in a real browser: `archsite serve` on a temporary copy of
// tests/fixtures/serve-site, a headless Chromium page, and edits made on disk while it is open.
//
//   cargo build
//   cd tests/browser && npm ci && node --test live-reload.test.mjs
//
// Environment:
//   ARCHSITE_BIN   the archsite binary (default: <repo>/target/debug/archsite)
//   CHROMIUM_PATH  the browser binary (default: /usr/bin/chromium; never downloaded)
//   ARCHSITE_SCREENSHOTS where to write the error overlay's picture (default: <repo>/docs/screenshots;
//                  "0" skips)
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");
const BIN = path.resolve(repo, process.env.ARCHSITE_BIN || "target/debug/archsite");
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const FIXTURE = path.join(repo, "tests/fixtures/serve-site");
const SHOTS = process.env.ARCHSITE_SCREENSHOTS === "0" ? null
  : path.resolve(repo, process.env.ARCHSITE_SCREENSHOTS || "docs/screenshots");
// Upper bound of every wait: a guard against hangs, not a timing check.
const LIMIT = 20000;

assert.ok(fs.existsSync(BIN), `no archsite binary at ${BIN} (run: cargo build)`);

let dir, site, server, browser, url, log = "";
const pageErrors = [];

function edit(rel, from, to) {
  const file = path.join(site, rel);
  const text = fs.readFileSync(file, "utf8");
  assert.ok(text.includes(from), `${rel} does not contain ${from}`);
  fs.writeFileSync(file, text.replace(from, to));
}

// Starts the server and resolves with the address it prints.
function startServer() {
  return new Promise((resolve, reject) => {
    server = spawn(BIN, ["serve", "--port", "0", "--root", site], { stdio: ["ignore", "pipe", "pipe"] });
    const timer = setTimeout(() => reject(new Error(`no address printed:\n${log}`)), LIMIT);
    server.on("error", reject);
    server.on("exit", (code) => reject(new Error(`archsite serve exited (${code}):\n${log}`)));
    server.stderr.on("data", (d) => { log += d; });
    readline.createInterface({ input: server.stdout }).on("line", (line) => {
      log += line + "\n";
      const m = line.match(/^Serving at (http:\/\/\S+)$/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
  });
}

async function openPage(rel) {
  const page = await browser.newPage();
  page.on("pageerror", (e) => pageErrors.push(`${rel}: ${e.message}`));
  await page.goto(url + rel);
  // Connected to the event stream: from here on no change can be missed.
  await page.waitForFunction(() => window.__archsiteLive && window.__archsiteLive.connected, null, { timeout: LIMIT });
  return page;
}

describe("archsite serve live reload", () => {
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "archsite-live-"));
    site = path.join(dir, "site");
    fs.cpSync(FIXTURE, site, { recursive: true });
    url = await startServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) { server.removeAllListeners("exit"); server.kill(); }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(pageErrors, [], "no uncaught errors in the pages");
  });

  test("a markdown edit shows up in the open page by itself", async () => {
    const page = await openPage("notes/alpha/");
    assert.ok((await page.textContent("main")).includes("ORIGINAL-ALPHA"));
    await page.evaluate(() => { window.beforeReload = true; });
    edit("content/notes/alpha.md", "ORIGINAL-ALPHA", "EDITED-IN-THE-BROWSER-TEST");
    await page.waitForFunction(() => document.querySelector("main").textContent.includes("EDITED-IN-THE-BROWSER-TEST"),
      null, { timeout: LIMIT });
    assert.equal(await page.evaluate(() => window.beforeReload), undefined, "the page was reloaded");
    await page.close();
  });

  test("a stylesheet-only change is swapped in without a reload", async () => {
    const page = await openPage("notes/beta/");
    await page.evaluate(() => {
      window.survivesCssSwap = 42;
      document.querySelector("main").insertAdjacentHTML("beforeend", '<p class="fixture-marker" id="marker">marker</p>');
    });
    const color = () => page.evaluate(() => getComputedStyle(document.getElementById("marker")).color);
    assert.equal(await color(), "rgb(1, 2, 3)");
    fs.writeFileSync(path.join(site, "static/custom.css"), ".fixture-marker { color: rgb(200, 0, 0); }\n");
    await page.waitForFunction(() => getComputedStyle(document.getElementById("marker")).color === "rgb(200, 0, 0)",
      null, { timeout: LIMIT });
    assert.equal(await page.evaluate(() => window.survivesCssSwap), 42, "no reload happened");
    assert.equal(await page.evaluate(() => window.__archsiteLive.cssSwaps), 1);
    // One stylesheet link per sheet: the old one was removed once the new one loaded.
    await page.waitForFunction(() => document.querySelectorAll('link[href*="custom.css"]').length === 1, null, { timeout: LIMIT });
    await page.close();
  });

  test("a broken edit shows an overlay that goes away once fixed", async () => {
    const page = await openPage("notes/alpha/");
    edit("content/notes/beta.md", 'title: "Beta note"', "title: [unclosed");
    const overlay = page.locator("#archsite-error-overlay");
    await overlay.waitFor({ state: "visible", timeout: LIMIT });
    assert.equal(await overlay.getAttribute("role"), "alertdialog");
    assert.match(await overlay.textContent(), /Build failed/);
    assert.match(await overlay.textContent(), /content\/notes\/beta\.md:2/);
    if (SHOTS) {
      fs.mkdirSync(SHOTS, { recursive: true });
      await page.setViewportSize({ width: 1100, height: 640 });
      await page.screenshot({ path: path.join(SHOTS, "serve-error-overlay.png") });
    }
    // The last good page is still shown under it.
    assert.ok((await page.textContent("main")).includes("EDITED-IN-THE-BROWSER-TEST"));
    // Focus moved to the dismiss button; it (and Escape) dismisses.
    assert.equal(await page.evaluate(() => document.activeElement.textContent), "Dismiss");
    await page.getByRole("button", { name: "Dismiss the build error" }).click();
    await overlay.waitFor({ state: "detached", timeout: LIMIT });

    // A page opened while the site is broken shows the error at once.
    const other = await openPage("notes/");
    const otherOverlay = other.locator("#archsite-error-overlay");
    await otherOverlay.waitFor({ state: "visible", timeout: LIMIT });
    await other.keyboard.press("Escape");
    await otherOverlay.waitFor({ state: "detached", timeout: LIMIT });

    // A different error shows again, even after a dismissal.
    edit("content/notes/beta.md", "title: [unclosed", 'title: "Beta note"\nweight: [oops');
    await overlay.waitFor({ state: "visible", timeout: LIMIT });
    assert.match(await overlay.textContent(), /content\/notes\/beta\.md:3/);

    // Fixed: the overlay goes away by itself, on every page.
    edit("content/notes/beta.md", 'title: "Beta note"\nweight: [oops', 'title: "Beta note"');
    await overlay.waitFor({ state: "detached", timeout: LIMIT });
    await otherOverlay.waitFor({ state: "detached", timeout: LIMIT });
    await page.close();
    await other.close();
  });
});

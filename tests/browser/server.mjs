// A tiny static server for a built archsite site, mounted under its base path.
// Used by theme.test.mjs; also handy by hand: node server.mjs [public-dir] [port] [base-path]
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const TYPES = {
  ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8", ".json": "application/json", ".svg": "image/svg+xml", ".png": "image/png",
  ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp", ".xml": "application/xml",
  ".txt": "text/plain; charset=utf-8", ".ico": "image/x-icon", ".woff2": "font/woff2",
};

// A tiny static server: the site is mounted under BASE, unknown paths get 404.html with status 404.
export function serve(PUBLIC, BASE, port = 0) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    let p = decodeURIComponent(url.pathname);
    const send = (file, status = 200) => {
      res.writeHead(status, { "content-type": TYPES[path.extname(file).toLowerCase()] || "application/octet-stream", "cache-control": "no-store" });
      fs.createReadStream(file).pipe(res);
    };
    const notFound = () => {
      const nf = path.join(PUBLIC, "404.html");
      if (fs.existsSync(nf)) send(nf, 404); else { res.writeHead(404); res.end("not found"); }
    };
    if (!p.startsWith(BASE)) {
      if (p + "/" === BASE) { res.writeHead(301, { location: BASE }); return res.end(); }
      return notFound();
    }
    const rel = p.slice(BASE.length);
    const file = path.resolve(PUBLIC, rel);
    if (!file.startsWith(PUBLIC)) return notFound();
    let st = fs.existsSync(file) ? fs.statSync(file) : null;
    if (st && st.isDirectory()) {
      if (!p.endsWith("/")) { res.writeHead(301, { location: p + "/" }); return res.end(); }
      const index = path.join(file, "index.html");
      return fs.existsSync(index) ? send(index) : notFound();
    }
    if (st && st.isFile()) return send(file);
    return notFound();
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = path.resolve(process.argv[2] || "public");
  const home = fs.readFileSync(path.join(dir, "index.html"), "utf8");
  let base = process.argv[4] || (home.match(/<a class="site-title" href="([^"]+)"/) || [])[1] || "/";
  if (!base.endsWith("/")) base += "/";
  const server = await serve(dir, base, +(process.argv[3] || 8123));
  console.log(`serving ${dir} at http://127.0.0.1:${server.address().port}${base}`);
}

import * as assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { bodyExcerpt, describePath, HttpClient, HttpError } from "../../components/seed/http";

describe("seed http plumbing", () => {
    it("shows item names in paths but redacts every other query value", () => {
        assert.equal(describePath("/createItem", { name: "notes-app" }), "/createItem?name=notes-app");
        assert.equal(describePath("/invoke", { token: "abc", name: "x" }), "/invoke?token=***&name=x");
    });

    it("excerpts bodies: Gitea's JSON message, HTML without tags, at most 200 chars, secrets redacted", () => {
        assert.equal(bodyExcerpt('{"message":"boom","url":"u"}'), "boom");
        assert.equal(bodyExcerpt("<html><style>x{}</style><body><h2>Error 403</h2> <p>No valid crumb</p></body></html>"), "Error 403 No valid crumb");
        assert.equal(bodyExcerpt("x".repeat(500)).length, 200);
        assert.equal(bodyExcerpt("your password is hunter22!", ["hunter22!"]), "your password is ***");
    });

    describe("against a server that echoes the request into a 500", () => {
        let server: http.Server;
        let url: string;
        before(async () => {
            server = http.createServer((req, res) => {
                let body = "";
                req.on("data", (c: Buffer) => (body += c.toString()));
                req.on("end", () => {
                    res.writeHead(500, { "Content-Type": "text/plain" });
                    res.end(`failed: ${req.headers.authorization} ${req.url} ${body}`);
                });
            });
            await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
            url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        });
        after(() => server.close());

        it("never puts the password or the Authorization header into the error, its stack or the log", async () => {
            const password = "S3cret-Pa55word";
            const header = Buffer.from(`admin:${password}`).toString("base64");
            const lines: string[] = [];
            const client = new HttpClient({ service: "Test", baseUrl: url, auth: { username: "admin", secret: password }, retries: 1, retryDelayMs: 1, log: (l) => lines.push(l) });
            const e = await client.request({ method: "POST", path: "/x", query: { token: password }, body: `pw=${password}`, retryOn: "transient" }).catch((x: unknown) => x);
            assert.ok(e instanceof HttpError);
            assert.equal(e.status, 500);
            assert.match(e.message, /^Test POST \/x\?token=\*\*\*: HTTP 500 — failed: \*\*\* .* \(after 2 attempts\)$/);
            const all = [e.message, e.stack, JSON.stringify(e), ...lines].join("\n");
            assert.ok(!all.includes(password), "password leaked");
            assert.ok(!all.includes(header), "basic header leaked");
            assert.equal(client.stats.requests, 2);
            assert.equal(client.stats.writes, 2);
        });
    });

    it("classifies a refused connection and does not retry a POST that may have been applied", async () => {
        const server = http.createServer((_req, res) => {
            res.writeHead(502);
            res.end("bad gateway");
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        const port = (server.address() as AddressInfo).port;
        try {
            const client = new HttpClient({ service: "T", baseUrl: `http://127.0.0.1:${port}`, retries: 3, retryDelayMs: 1 });
            await assert.rejects(client.request({ method: "POST", path: "/p" }), (e: unknown) => e instanceof HttpError && e.status === 502 && e.attempts === 1 && e.mayHaveApplied);
            assert.equal(client.stats.requests, 1, "a POST is not re-sent after a 5xx by default");
        } finally {
            await new Promise((r) => server.close(r));
        }
        const refused = new HttpClient({ service: "T", baseUrl: `http://127.0.0.1:${port}`, retries: 2, retryDelayMs: 1 });
        await assert.rejects(refused.request({ method: "POST", path: "/p" }), (e: unknown) => {
            assert.ok(e instanceof HttpError);
            assert.equal(e.kind, "refused");
            assert.equal(e.mayHaveApplied, false);
            assert.equal(e.message, "T POST /p: connection refused (after 3 attempts)");
            return true;
        });
    });
});

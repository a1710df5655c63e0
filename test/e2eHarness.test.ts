// The e2e harness's pure parts (scripts/e2e): chart packaging and the repository index, the stand-in
// charts' metadata, the destroy-table reading, state helpers and the CRD source. The
// harness itself needs the built tools and runs as `npm run e2e`, not here.
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as http from "node:http";
import { parse } from "yaml";
import { packChart, repoIndex, requireCharts, serveCharts, standInCharts } from "../scripts/e2e/charts";
import { expectedFate, parseDestroyTable, rowFor } from "../scripts/e2e/destroyTable";
import { kyvernoCrds } from "../scripts/e2e/lab";
import { isSubset, k8sTypeOf, subsetDiff, unwrapSecrets } from "../scripts/e2e/state";
import { tgz, untgz } from "../scripts/lib/tar";

function get(url: string): Promise<{ status: number; body: Buffer }> {
    return new Promise((resolve, reject) => {
        http.get(url, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        }).on("error", reject);
    });
}

describe("e2e harness", () => {
    describe("tar", () => {
        it("round-trips files, including a path longer than ustar's 100-byte name field", () => {
            const long = `gitea/charts/postgresql/charts/common/templates/validations/${"x".repeat(80)}.tpl`;
            const entries = [
                { path: "gitea/Chart.yaml", content: Buffer.from("name: gitea\n") },
                { path: long, content: Buffer.from("{{/* long */}}") },
                { path: "gitea/empty.txt", content: Buffer.alloc(0) },
            ];
            const back = untgz(tgz(entries));
            assert.deepEqual(back.map((e) => [e.path, e.content.toString()]), entries.map((e) => [e.path, e.content.toString()]));
        });

        it("rejects a path that fits neither ustar field split", () => {
            assert.throws(() => tgz([{ path: `${"a".repeat(160)}/${"b".repeat(101)}`, content: Buffer.alloc(1) }]), /too long for ustar/);
        });

        it("writes a valid header checksum (what tar readers verify)", () => {
            const raw = require("node:zlib").gunzipSync(tgz([{ path: "a/b", content: Buffer.from("x") }])) as Buffer;
            const header = Buffer.from(raw.subarray(0, 512));
            const stored = parseInt(header.subarray(148, 154).toString(), 8);
            header.fill(" ", 148, 156);
            assert.equal(stored, header.reduce((s, b) => s + b, 0));
        });
    });

    describe("chart repository", () => {
        it("stand-ins exist at the pinned versions and are marked as stand-ins", () => {
            const charts = standInCharts({ gitea: "12.4.0", jenkins: "5.9.53" });
            assert.deepEqual(charts.map((c) => [c.name, c.version, c.standIn]), [["gitea", "12.4.0", true], ["jenkins", "5.9.53", true]]);
            const files = untgz(charts[0]!.tgz).map((f) => f.path);
            assert.ok(files.includes("gitea/Chart.yaml") && files.includes("gitea/templates/deployment.yaml"), files.join(","));
        });

        it("requireCharts names the missing chart version", () => {
            const charts = standInCharts({ gitea: "12.4.0", jenkins: "5.9.53" });
            assert.doesNotThrow(() => requireCharts(charts, { gitea: "12.4.0", jenkins: "5.9.53" }, "x"));
            assert.throws(() => requireCharts(charts, { gitea: "12.5.0", jenkins: "5.9.53" }, "CHARTS_DIR d"), /CHARTS_DIR d lacks gitea 12\.5\.0.*has gitea-12\.4\.0, jenkins-5\.9\.53/);
        });

        it("index.yaml lists each chart with its URL and the sha256 of the package", () => {
            const c = packChart({ name: "demo", version: "1.2.3", files: { "Chart.yaml": "apiVersion: v2\nname: demo\nversion: 1.2.3\nappVersion: \"9\"\n" } });
            const idx = parse(repoIndex([c], "http://127.0.0.1:1", new Date(0))) as { apiVersion: string; entries: Record<string, { version: string; appVersion: string; urls: string[]; digest: string }[]> };
            assert.equal(idx.apiVersion, "v1");
            assert.deepEqual(idx.entries.demo, [
                { apiVersion: "v2", name: "demo", version: "1.2.3", appVersion: "9", created: "1970-01-01T00:00:00.000Z", digest: createHash("sha256").update(c.tgz).digest("hex"), urls: ["http://127.0.0.1:1/demo-1.2.3.tgz"] },
            ]);
        });

        it("serves index.yaml and the packages over HTTP, 404 otherwise", async () => {
            const repo = await serveCharts(standInCharts({ gitea: "1.0.0", jenkins: "2.0.0" }));
            try {
                const idx = await get(`${repo.url}/index.yaml`);
                assert.equal(idx.status, 200);
                const url = (parse(idx.body.toString()) as { entries: { jenkins: { urls: string[] }[] } }).entries.jenkins[0]!.urls[0]!;
                const pkg = await get(url);
                assert.equal(pkg.status, 200);
                assert.ok(untgz(pkg.body).some((f) => f.path === "jenkins/templates/statefulset.yaml"));
                assert.equal((await get(`${repo.url}/nope-1.0.0.tgz`)).status, 404);
            } finally {
                await repo.close();
            }
        });
    });

    describe("destroy table", () => {
        const md = [
            "intro",
            "<!-- destroy-table:begin -->",
            "| resource (logical name) | type | on `pulumi destroy` | protected | why | changed by |",
            "|---|---|---|---|---|---|",
            "| `ci-gitea`, `ci-jenkins` | `kubernetes:core/v1:Namespace` | kept | yes | data | `storage.retainOnDelete=false` → removed; `storage.protect=false` → unprotected |",
            "| `policies-*-exception` | `kubernetes:kyverno.io/v2:PolicyException` | removed | no | x | — |",
            "| `seed-app-repo` | `pulumi-nodejs:dynamic/seed:GiteaRepository` | kept | no | history | `seed.deleteReposOnDestroy=true` → removed unless adopted |",
            "<!-- destroy-table:end -->",
        ].join("\n");

        it("parses names, type, fate, protection and the config that changes them", () => {
            const rows = parseDestroyTable(md);
            assert.equal(rows.length, 3);
            assert.deepEqual(rows[0], {
                names: ["ci-gitea", "ci-jenkins"],
                type: "kubernetes:core/v1:Namespace",
                onDestroy: "kept",
                protected: true,
                changedBy: [
                    { key: "storage.retainOnDelete", value: "false", effect: "removed" },
                    { key: "storage.protect", value: "false", effect: "unprotected" },
                ],
            });
        });

        it("matches logical names with * and applies the config", () => {
            const rows = parseDestroyTable(md);
            assert.equal(rowFor(rows, "kubernetes:kyverno.io/v2:PolicyException", "policies-require-resources-exception")?.onDestroy, "removed");
            assert.equal(rowFor(rows, "kubernetes:kyverno.io/v2:PolicyException", "policies-require-resources"), undefined);
            const ns = rowFor(rows, "kubernetes:core/v1:Namespace", "ci-jenkins")!;
            assert.deepEqual(expectedFate(ns, {}), { removed: false, protected: true });
            assert.deepEqual(expectedFate(ns, { "storage.retainOnDelete": "false", "storage.protect": "false" }), { removed: true, protected: false });
            const repo = rowFor(rows, "pulumi-nodejs:dynamic/seed:GiteaRepository", "seed-app-repo")!;
            assert.equal(expectedFate(repo, { "seed.deleteReposOnDestroy": "true" }).removed, true);
            assert.equal(expectedFate(repo, { "seed.deleteReposOnDestroy": "true" }, true).removed, false);
        });

        it("refuses a table without markers or with a malformed row", () => {
            assert.throws(() => parseDestroyTable("no table"), /markers/);
            assert.throws(() => parseDestroyTable(md.replace("| kept | yes |", "| maybe | yes |")), /unexpected row/);
        });
    });

    describe("lab prerequisites", () => {
        it("reads Kyverno's four CRDs from test/reference (the repository's own copy)", () => {
            const { crds, from } = kyvernoCrds(require("node:path").join(__dirname, ".."));
            assert.equal(from, "test/reference/kyverno-v1.19.0");
            assert.deepEqual(crds.map((c) => c.metadata.name).sort(), [
                "clusterpolicies.kyverno.io",
                "policyexceptions.kyverno.io",
                "policyexceptions.policies.kyverno.io",
                "validatingpolicies.policies.kyverno.io",
            ]);
        });

        it("names the missing reference files", () => {
            assert.throws(() => kyvernoCrds("/nonexistent"), /test\/reference\/kyverno-v1\.19\.0 lacks kyverno\.io_clusterpolicies\.yaml/);
        });
    });

    describe("state helpers", () => {
        it("maps type tokens to apiVersion and kind (core group, CRDs), not Helm releases", () => {
            assert.deepEqual(k8sTypeOf("kubernetes:core/v1:Secret"), { apiVersion: "v1", kind: "Secret" });
            assert.deepEqual(k8sTypeOf("kubernetes:kyverno.io/v2:PolicyException"), { apiVersion: "kyverno.io/v2", kind: "PolicyException" });
            assert.equal(k8sTypeOf("kubernetes:helm.sh/v3:Release"), undefined);
            assert.equal(k8sTypeOf("random:index/randomPassword:RandomPassword"), undefined);
        });

        it("unwraps exported secrets", () => {
            const sig = "4dabf18193072939515e22adb298388d";
            assert.deepEqual(unwrapSecrets({ a: { [sig]: "1b47061264138c4ac30d75fd1eb44270", plaintext: '"pw"' }, b: [1] }), { a: "pw", b: [1] });
        });

        it("isSubset: everything sent is stored (a pruned field fails), arrays must match in length", () => {
            const sent = { rules: [{ name: "r", validate: { failureAction: "Audit" } }] };
            assert.ok(isSubset(sent, { rules: [{ name: "r", validate: { failureAction: "Audit", allowExistingViolations: true } }] }));
            assert.ok(!isSubset(sent, { rules: [{ name: "r", validate: {} }] }));
            assert.ok(!isSubset({ a: [1, 2] }, { a: [1] }));
            assert.ok(!isSubset({ a: [1] }, { a: [1, 2] }));
            assert.deepEqual(subsetDiff(sent, { rules: [{ name: "r", validate: {} }] }), ['.rules[0].validate.failureAction: expected "Audit", got undefined']);
        });
    });
});

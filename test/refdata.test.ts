// The reference data under test/reference/ against its recorded source. With the source folder
// present (the team's ../shared/reference, or REFDATA_SOURCE), every file is regenerated in memory
// and must equal the committed one; without it (a user's clone) that comparison is reported skipped
// and only the files' own consistency is checked. The generator itself is tested on small inputs
// written here, so these tests can fail on any clone.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import {
    ANNOTATION_PREFIX,
    CHART_RULES,
    ChartKeys,
    GENERATOR,
    OUT_DIR,
    SOURCES,
    Source,
    chartKeys,
    crdWithoutDescriptions,
    generate,
    generateAll,
    joinPath,
    outputName,
    readChart,
    sha256,
    sourceDir,
    splitPath,
    stripDescriptions,
} from "../scripts/refdata";

function filesUnder(dir: string, at = ""): string[] {
    return fs.readdirSync(path.join(dir, at), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(dir, path.join(at, e.name)) : [path.join(at, e.name)]));
}

const COMMITTED = filesUnder(OUT_DIR).filter((f) => f !== "README.md").sort();
const bySource = new Map(SOURCES.map((s) => [outputName(s), s] as const));

/** Every `description` string still present in schema positions (what stripDescriptions removes). */
function descriptionsLeft(node: unknown, at = ""): string[] {
    if (Array.isArray(node)) return node.flatMap((x, i) => descriptionsLeft(x, `${at}[${i}]`));
    if (!node || typeof node !== "object") return [];
    return Object.entries(node).flatMap(([k, v]) => {
        if (k === "description" && typeof v === "string") return [`${at}.description`];
        if (k === "default" || k === "enum" || k === "example") return [];
        if ((k === "properties" || k === "patternProperties") && v && typeof v === "object") {
            return Object.entries(v).flatMap(([name, s]) => descriptionsLeft(s, `${at}.${k}.${name}`));
        }
        return descriptionsLeft(v, `${at}.${k}`);
    });
}

function wellFormedSource(src: Source, recorded: { path?: unknown; upstream?: unknown; sha256?: unknown }): void {
    assert.equal(recorded.path, src.file, "recorded source path");
    assert.ok(typeof recorded.path === "string" && !path.isAbsolute(recorded.path) && !recorded.path.split("/").includes(".."), "a path inside the source folder");
    assert.equal(recorded.upstream, src.upstream);
    assert.match(String(recorded.sha256), /^[0-9a-f]{64}$/, "sha256 of the source file");
}

describe("reference data (test/reference)", () => {
    it("holds exactly the files scripts/refdata.ts SOURCES declares", () => {
        assert.deepEqual(COMMITTED, [...bySource.keys()].map(String).sort());
    });

    for (const rel of COMMITTED) {
        const src = bySource.get(rel);
        const text = fs.readFileSync(path.join(OUT_DIR, rel), "utf8");

        it(`${rel}: records its source and is self-consistent`, () => {
            assert.ok(src, `${rel} is not declared in SOURCES`);
            if (src.kind === "chart") {
                const d = JSON.parse(text) as ChartKeys;
                wellFormedSource(src, d.source);
                assert.equal(d.generator, GENERATOR);
                assert.ok(d.source.chart && d.source.version && d.source.appVersion, "chart, version and appVersion recorded");
                assert.deepEqual(d.paths, [...new Set(d.paths)].sort(), "paths sorted and unique");
                const paths = new Set(d.paths);
                for (const p of d.paths) {
                    const segs = splitPath(p);
                    if (segs.length > 1) assert.ok(paths.has(joinPath(segs.slice(0, -1))), `${p}: its parent is declared`);
                }
                for (const p of [...d.freeForm, ...Object.keys(d.values), ...Object.keys(d.references)]) assert.ok(paths.has(p), `${p} is a declared path`);
                assert.deepEqual(d.freeForm, [...d.freeForm].sort());
                const rules = CHART_RULES[d.source.chart];
                for (const p of rules?.freeForm ?? []) assert.ok(d.freeForm.includes(p), `${p} listed free-form in CHART_RULES`);
            } else {
                const crd = parse(text);
                const a = crd.metadata.annotations as Record<string, string>;
                wellFormedSource(src, { path: a[`${ANNOTATION_PREFIX}/source-path`], upstream: a[`${ANNOTATION_PREFIX}/upstream`], sha256: a[`${ANNOTATION_PREFIX}/sha256`] });
                assert.equal(a[`${ANNOTATION_PREFIX}/version`], src.version);
                assert.deepEqual([crd.apiVersion, crd.kind], ["apiextensions.k8s.io/v1", "CustomResourceDefinition"]);
                assert.equal(crd.metadata.name, `${crd.spec.names.plural}.${crd.spec.group}`, "a CRD's name is <plural>.<group>");
                assert.ok(crd.spec.versions.length > 0);
                for (const v of crd.spec.versions) assert.equal(v.schema.openAPIV3Schema.type, "object", `${v.name}: schema kept`);
                assert.deepEqual(descriptionsLeft(crd), []);
            }
        });
    }

    const dir = sourceDir();
    if (fs.existsSync(dir)) {
        // Read once: the CRDs are large.
        const regenerated = generateAll(SOURCES, dir);
        for (const rel of COMMITTED) {
            it(`${rel}: equals what its source regenerates (${dir})`, () => {
                assert.ok(regenerated.get(rel) === fs.readFileSync(path.join(OUT_DIR, rel), "utf8"), `test/reference/${rel} is stale: run npm run refdata`);
            });
        }
    } else {
        it.skip(`each file equals what its source regenerates — skipped: source folder ${dir} is absent (a clone without the upstream files); set REFDATA_SOURCE to check`);
    }
});

describe("scripts/refdata.ts (generator)", () => {
    const VALUES = [
        "image: { repository: x, tag: '' }",
        "podAnnotations: { a: b }",
        "extraEnv: {}",
        "config: { server: { PORT: 1 } }",
        "list: [1, 2]",
        "odd: { 'helm.sh/x': 1 }",
        "",
    ].join("\n");
    const META = { path: "v.yaml", upstream: "u", chart: "gitea", version: "0.0.1", appVersion: "1", sha256: "0".repeat(64) };

    it("key paths, with the three free-form rules: {} maps, Kubernetes free maps, CHART_RULES", () => {
        const k = chartKeys(VALUES.replace("config:", "gitea: { config: { server: { PORT: 1 } } }\ninitContainers: { resources: { requests: { cpu: 1 } } }\nconfigx:"), META);
        assert.deepEqual(k.paths, [
            "configx",
            "configx.server",
            "configx.server.PORT",
            "extraEnv",
            "gitea",
            "gitea.config",
            "gitea.config.server",
            "gitea.config.server.PORT",
            "image",
            "image.repository",
            "image.tag",
            "initContainers",
            "initContainers.resources",
            "initContainers.resources.requests",
            "initContainers.resources.requests.cpu",
            "list",
            "odd",
            "odd.helm\\.sh/x",
            "podAnnotations",
            "podAnnotations.a",
        ]);
        assert.deepEqual(k.freeForm, ["extraEnv", "gitea.config", "initContainers.resources", "podAnnotations"]);
    });

    it("refuses a CHART_RULES entry values.yaml does not declare (the rule list cannot rot silently)", () => {
        assert.throws(() => chartKeys(VALUES, META), /CHART_RULES lists gitea\.config/);
    });

    it("records named values and ${…} references", () => {
        const k = chartKeys("controller:\n  installPlugins: [a:1, b:2]\n  JCasC:\n    configScripts: {}\n    securityRealm: 'id: ${u} pw: ${p} again ${u}'\n", { ...META, chart: "jenkins" });
        assert.deepEqual(k.values, { "controller.installPlugins": ["a:1", "b:2"] });
        assert.deepEqual(k.references, { "controller.JCasC.securityRealm": ["u", "p"] });
    });

    it("path escaping round-trips keys with dots and backslashes", () => {
        for (const segs of [["a", "b.c"], ["x\\y", "z"], ["helm.sh/resource-policy"]]) assert.deepEqual(splitPath(joinPath(segs)), segs);
    });

    it("stripDescriptions drops schema descriptions only: property names and literal values stay", () => {
        const schema = {
            description: "d",
            type: "object",
            properties: { description: { type: "string", description: "the field named description" }, a: { default: { description: "kept" }, enum: ["description"] } },
            additionalPrinterColumns: [{ name: "x", description: "y" }],
        };
        assert.deepEqual(stripDescriptions(schema), {
            type: "object",
            properties: { description: { type: "string" }, a: { default: { description: "kept" }, enum: ["description"] } },
            additionalPrinterColumns: [{ name: "x" }],
        });
    });

    it("a CRD keeps everything but descriptions and gains its provenance annotations", () => {
        const crd = "---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: xs.example.com\nspec:\n  group: example.com\n  versions:\n  - name: v1\n    schema:\n      openAPIV3Schema:\n        description: X\n        type: object\n";
        const out = parse(crdWithoutDescriptions(crd, { path: "c.yaml", upstream: "up", version: "v1", sha256: "f".repeat(64) }));
        assert.deepEqual(out.spec, { group: "example.com", versions: [{ name: "v1", schema: { openAPIV3Schema: { type: "object" } } }] });
        assert.equal(out.metadata.annotations[`${ANNOTATION_PREFIX}/sha256`], "f".repeat(64));
        assert.throws(() => crdWithoutDescriptions(`${crd}---\n${crd}`, { path: "c.yaml", upstream: "up", version: "v1", sha256: "" }), /one YAML document/);
    });

    it("reads a chart package (.tgz) and a chart directory, version from Chart.yaml, sha256 of the package", () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refdata-"));
        try {
            fs.mkdirSync(path.join(tmp, "demo", "charts", "sub"), { recursive: true });
            fs.writeFileSync(path.join(tmp, "demo", "Chart.yaml"), "apiVersion: v2\nname: demo\nversion: 1.2.3\nappVersion: 4.5.6\n");
            fs.writeFileSync(path.join(tmp, "demo", "values.yaml"), "replicas: 1\nlabels: { a: b }\n");
            // A sub-chart's own values.yaml must not be taken for the chart's.
            fs.writeFileSync(path.join(tmp, "demo", "charts", "sub", "values.yaml"), "other: 1\n");
            execFileSync("tar", ["-czf", path.join(tmp, "demo-1.2.3.tgz"), "-C", tmp, "demo"]);
            assert.deepEqual(readChart(path.join(tmp, "demo-1.2.3.tgz")), readChart(path.join(tmp, "demo")));
            const g = generate({ kind: "chart", file: "demo-1.2.3.tgz", upstream: "https://example.com/demo-1.2.3.tgz" }, tmp);
            const d = JSON.parse(g.content) as ChartKeys;
            assert.equal(g.out, "charts/demo-1.2.3.json");
            assert.deepEqual([d.source.chart, d.source.version, d.source.appVersion, d.paths, d.freeForm], ["demo", "1.2.3", "4.5.6", ["labels", "labels.a", "replicas"], ["labels"]]);
            assert.equal(d.source.sha256, sha256(fs.readFileSync(path.join(tmp, "demo-1.2.3.tgz"))));
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it("any change to a source changes the output (the comparison above can fail)", () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refdata-"));
        try {
            const src: Source = { kind: "chart", file: "v.yaml", upstream: "u", chart: "x", version: "1", appVersion: "1" };
            fs.writeFileSync(path.join(tmp, "v.yaml"), "a: 1\n");
            const before = generate(src, tmp).content;
            fs.writeFileSync(path.join(tmp, "v.yaml"), "a: 1 # a comment only\n");
            const comment = generate(src, tmp).content;
            assert.notEqual(comment, before, "the sha256 changes even when the keys do not");
            assert.deepEqual((JSON.parse(comment) as ChartKeys).paths, (JSON.parse(before) as ChartKeys).paths);
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });
});

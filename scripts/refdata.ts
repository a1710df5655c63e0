// Derives the compact reference data the tests read (test/reference/) from upstream sources, so a
// bare clone carries what its tests need and no upstream prose or template is committed:
//  - a chart's values.yaml -> the set of value-key paths it declares, which of them are free-form
//    maps, and a few named facts (charts/<chart>-<version>.json);
//  - a Kyverno CRD -> the same CRD with every `description` removed, still complete and applicable
//    to a real API server (kyverno-<version>/<file>.yaml).
// Every output records its source: the path under the source folder, the upstream project and
// version, and the sha256 of the source file. test/refdata.test.ts regenerates each output in memory
// whenever the source folder is present and fails when they disagree.
//
//   npm run refdata                          # regenerate from the default source folder
//   npm run refdata -- --source DIR          # or REFDATA_SOURCE=DIR: another copy of the sources
//   npm run refdata -- --chart x-1.2.3.tgz   # a chart package (or chart directory), e.g. from `helm pull`
//   npm run refdata -- --check               # compare only; exit 1 when an output is stale
//
// The default source folder is ../shared/reference beside the repository (the team's checkout of
// the upstream files); a user's clone has none, and needs none to run the tests.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { parse, stringify } from "yaml";

const ROOT = path.resolve(__dirname, "..");
export const OUT_DIR = path.join(ROOT, "test", "reference");
export const DEFAULT_SOURCE = path.resolve(ROOT, "..", "shared", "reference");
export const GENERATOR = "scripts/refdata.ts (npm run refdata)";

/** Where the sources are: REFDATA_SOURCE, else ../shared/reference beside the repository. */
export function sourceDir(env: NodeJS.ProcessEnv = process.env): string {
    return env.REFDATA_SOURCE ? path.resolve(env.REFDATA_SOURCE) : DEFAULT_SOURCE;
}

export interface ChartSource {
    readonly kind: "chart";
    /** Path under the source folder: a values.yaml, a chart package (.tgz) or a chart directory. */
    readonly file: string;
    readonly upstream: string;
    /** Chart name and version; read from Chart.yaml when the source is a package or directory. */
    readonly chart?: string;
    readonly version?: string;
    readonly appVersion?: string;
    /** Anything a reader of the data must know about the source. */
    readonly note?: string;
}

export interface CrdSource {
    readonly kind: "crd";
    readonly file: string;
    readonly upstream: string;
    readonly project: string;
    readonly version: string;
}

export type Source = ChartSource | CrdSource;

// The upstream files the tests are derived from (the table in ../shared/reference/README.md).
export const SOURCES: readonly Source[] = [
    {
        kind: "chart",
        file: "charts/jenkins-5.9.53-values.yaml",
        upstream: "jenkinsci/helm-charts charts/jenkins/values.yaml",
        chart: "jenkins",
        version: "5.9.53",
        appVersion: "2.568.2",
    },
    {
        kind: "chart",
        file: "charts/gitea-chart-main-20251209-values.yaml",
        upstream: "gitea.com/gitea/helm-chart values.yaml",
        chart: "gitea",
        version: "main-20251209",
        appVersion: "1.25.2",
        note: "the chart's main branch as of 2025-12-09 (appVersion 1.25.2), not a released chart version, but byte-identical to the values.yaml released in charts 12.4.0 and 12.5.0 (config pins 12.5.0, Gitea 1.25.4)",
    },
    ...(["kyverno.io_clusterpolicies", "kyverno.io_policyexceptions", "policies.kyverno.io_validatingpolicies", "policies.kyverno.io_policyexceptions"].map(
        (name): CrdSource => ({
            kind: "crd",
            file: `kyverno-v1.19.0/${name}.yaml`,
            upstream: `kyverno/kyverno config/crds/${name.startsWith("policies.") ? "policies.kyverno.io" : "kyverno"}/${name}.yaml`,
            project: "kyverno",
            version: "v1.19.0",
        }),
    )),
];

// ---------------------------------------------------------------------------------------------
// Charts

/**
 * Free-form maps that values.yaml cannot show as such (they hold example content), per chart, with
 * the template that passes them through. Everything declared `{}` in values.yaml is free-form too,
 * and so is any map under a key Kubernetes itself defines as a free map (FREE_MAP_KEYS).
 */
export const CHART_RULES: Readonly<Record<string, { freeForm: readonly string[]; values: readonly string[]; references: readonly string[] }>> = {
    jenkins: {
        freeForm: [],
        // The chart's own plugin set (what config's CHART_CORE_PLUGINS must equal) and the JCasC
        // file references its securityRealm reads (why jenkinsValues keeps admin.createSecret).
        values: ["controller.installPlugins"],
        references: ["controller.JCasC.securityRealm"],
    },
    gitea: {
        // app.ini sections: templates/gitea/config.yaml renders every key of gitea.config; and the
        // init containers' resources go through toYaml like the main container's (values: `{}`).
        freeForm: ["gitea.config", "initContainers.resources"],
        values: [],
        references: [],
    },
};

/** Kubernetes map[string]string fields: a chart renders them with toYaml, any key is valid. */
export const FREE_MAP_KEYS = ["annotations", "labels", "podAnnotations", "podLabels", "nodeSelector"] as const;

export const FREE_FORM_RULE =
    "a map is free-form when values.yaml declares it {}, when its key is a Kubernetes free map (" +
    FREE_MAP_KEYS.join(", ") +
    "), or when CHART_RULES in scripts/refdata.ts lists it";

/** Helm's --set escaping: a key's own dots (and backslashes) are escaped, segments joined by '.'. */
export const joinPath = (segments: readonly string[]) => segments.map((s) => s.replace(/\\/g, "\\\\").replace(/\./g, "\\.")).join(".");
export function splitPath(p: string): string[] {
    const out: string[] = [];
    let cur = "";
    for (let i = 0; i < p.length; i++) {
        const c = p[i]!;
        if (c === "\\" && i + 1 < p.length) cur += p[++i];
        else if (c === ".") {
            out.push(cur);
            cur = "";
        }
        else cur += c;
    }
    out.push(cur);
    return out;
}

export interface ChartKeys {
    readonly source: {
        readonly path: string;
        readonly upstream: string;
        readonly chart: string;
        readonly version: string;
        readonly appVersion: string;
        readonly sha256: string;
        readonly note?: string;
    };
    readonly generator: string;
    readonly freeFormRule: string;
    /** Every key path values.yaml declares, sorted; arrays and scalars are leaves. */
    readonly paths: readonly string[];
    /** The paths whose subtrees are not checked. */
    readonly freeForm: readonly string[];
    /** Values of a few named paths (CHART_RULES.values). */
    readonly values: Readonly<Record<string, unknown>>;
    /** `${name}` references in a few named strings (CHART_RULES.references). */
    readonly references: Readonly<Record<string, readonly string[]>>;
}

const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

export function chartKeys(valuesYaml: string, meta: ChartKeys["source"]): ChartKeys {
    const values = (parse(valuesYaml) ?? {}) as unknown;
    if (!isMap(values)) throw new Error(`${meta.path}: values.yaml is not a map`);
    const rules = CHART_RULES[meta.chart] ?? { freeForm: [], values: [], references: [] };
    const paths: string[] = [];
    const freeForm: string[] = [];
    const walk = (node: Record<string, unknown>, at: readonly string[]) => {
        for (const [k, v] of Object.entries(node)) {
            const segs = [...at, k];
            const p = joinPath(segs);
            paths.push(p);
            if (!isMap(v)) continue;
            if (Object.keys(v).length === 0 || (FREE_MAP_KEYS as readonly string[]).includes(k) || rules.freeForm.includes(p)) freeForm.push(p);
            walk(v, segs);
        }
    };
    walk(values, []);
    for (const p of rules.freeForm) if (!paths.includes(p)) throw new Error(`${meta.path}: CHART_RULES lists ${p}, which values.yaml does not declare`);
    const at = (p: string) => splitPath(p).reduce<unknown>((o, k) => (isMap(o) ? o[k] : undefined), values);
    const refs = (p: string) => {
        const v = at(p);
        if (typeof v !== "string") throw new Error(`${meta.path}: ${p} is not a string`);
        return [...new Set([...v.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]!))];
    };
    return {
        source: meta,
        generator: GENERATOR,
        freeFormRule: FREE_FORM_RULE,
        paths: [...paths].sort(),
        freeForm: [...freeForm].sort(),
        values: Object.fromEntries(rules.values.map((p) => [p, at(p)])),
        references: Object.fromEntries(rules.references.map((p) => [p, refs(p)])),
    };
}

/** Chart.yaml and values.yaml of a chart directory or package (.tgz, as `helm package` writes it). */
export function readChart(file: string): { chartYaml: string; valuesYaml: string } {
    if (fs.statSync(file).isDirectory()) {
        return { chartYaml: fs.readFileSync(path.join(file, "Chart.yaml"), "utf8"), valuesYaml: fs.readFileSync(path.join(file, "values.yaml"), "utf8") };
    }
    const entries = untar(gunzipSync(fs.readFileSync(file)));
    // The chart's own files sit one level down (<chart>/Chart.yaml); sub-charts live deeper.
    const top = (name: string) => [...entries.entries()].find(([p]) => p.split("/").length === 2 && p.endsWith(`/${name}`))?.[1];
    const chartYaml = top("Chart.yaml");
    const valuesYaml = top("values.yaml");
    if (!chartYaml || !valuesYaml) throw new Error(`${file}: no <chart>/Chart.yaml and <chart>/values.yaml inside`);
    return { chartYaml: chartYaml.toString("utf8"), valuesYaml: valuesYaml.toString("utf8") };
}

/** Regular files of a ustar/pax archive (Go's archive/tar, which Helm uses, writes these). */
export function untar(buf: Buffer): Map<string, Buffer> {
    const files = new Map<string, Buffer>();
    const field = (h: Buffer, a: number, b: number) => h.subarray(a, b).toString("utf8").replace(/\0[\s\S]*$/, "");
    let longName: string | undefined;
    for (let off = 0; off + 512 <= buf.length; ) {
        const h = buf.subarray(off, off + 512);
        if (h.every((b) => b === 0)) break;
        const size = parseInt(field(h, 124, 136).trim() || "0", 8);
        const type = field(h, 156, 157) || "0";
        const body = buf.subarray(off + 512, off + 512 + size);
        const prefix = field(h, 345, 500);
        const name = longName ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
        longName = undefined;
        if (type === "x") longName = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString("utf8"))?.[1];
        else if (type === "L") longName = body.toString("utf8").replace(/\0[\s\S]*$/, "");
        else if (type === "0") files.set(name, Buffer.from(body));
        off += 512 + Math.ceil(size / 512) * 512;
    }
    return files;
}

// ---------------------------------------------------------------------------------------------
// CRDs

export const ANNOTATION_PREFIX = "refdata.cistack.dev";

/**
 * Drops every `description` string, keeping property *names* (a field may be called "description")
 * and literal values (`default`, `enum`, `example` are data, not schema).
 */
export function stripDescriptions(node: unknown): unknown {
    if (Array.isArray(node)) return node.map(stripDescriptions);
    if (!isMap(node)) return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
        if (k === "description" && typeof v === "string") continue;
        if ((k === "properties" || k === "patternProperties") && isMap(v)) out[k] = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, stripDescriptions(s)]));
        else if (k === "default" || k === "enum" || k === "example") out[k] = v;
        else out[k] = stripDescriptions(v);
    }
    return out;
}

export function crdWithoutDescriptions(crdYaml: string, meta: { path: string; upstream: string; version: string; sha256: string }): string {
    const docs = crdYaml.split(/^---\s*$/m).filter((d) => d.trim() !== "");
    if (docs.length !== 1) throw new Error(`${meta.path}: expected one YAML document, found ${docs.length}`);
    const crd = parse(docs[0]!) as { kind?: string; metadata?: { annotations?: Record<string, string> } };
    if (crd.kind !== "CustomResourceDefinition") throw new Error(`${meta.path}: not a CustomResourceDefinition`);
    const stripped = stripDescriptions(crd) as { metadata: { annotations?: Record<string, string> } };
    stripped.metadata.annotations = {
        ...stripped.metadata.annotations,
        [`${ANNOTATION_PREFIX}/source-path`]: meta.path,
        [`${ANNOTATION_PREFIX}/upstream`]: meta.upstream,
        [`${ANNOTATION_PREFIX}/version`]: meta.version,
        [`${ANNOTATION_PREFIX}/sha256`]: meta.sha256,
        [`${ANNOTATION_PREFIX}/generator`]: `${GENERATOR}; description fields removed`,
    };
    return `# Generated by ${GENERATOR} from ${meta.upstream} ${meta.version}; do not edit.\n${stringify(stripped, { lineWidth: 0 })}`;
}

// ---------------------------------------------------------------------------------------------
// Generation

export const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

/** Where a source's output goes (relative to test/reference); undefined until a package is read. */
export function outputName(src: Source, chart = src.kind === "chart" ? src.chart : undefined, version = src.kind === "chart" ? src.version : undefined): string | undefined {
    if (src.kind === "crd") return `${src.project}-${src.version}/${path.basename(src.file)}`;
    return chart && version ? `charts/${chart}-${version}.json` : undefined;
}

/** Output path (relative to test/reference) and content for one source. */
export function generate(src: Source, dir: string): { out: string; content: string } {
    const file = path.join(dir, src.file);
    const digest = sha256(fs.readFileSync(file));
    if (src.kind === "crd") {
        const out = outputName(src)!;
        return { out, content: crdWithoutDescriptions(fs.readFileSync(file, "utf8"), { path: src.file, upstream: src.upstream, version: src.version, sha256: digest }) };
    }
    let valuesYaml: string;
    let chart = src.chart;
    let version = src.version;
    let appVersion = src.appVersion;
    if (/\.ya?ml$/.test(src.file)) valuesYaml = fs.readFileSync(file, "utf8");
    else {
        const c = readChart(file);
        const meta = parse(c.chartYaml) as { name?: string; version?: string; appVersion?: string };
        ({ valuesYaml } = c);
        chart ??= meta.name;
        version ??= meta.version;
        appVersion ??= meta.appVersion === undefined ? undefined : String(meta.appVersion);
    }
    if (!chart || !version) throw new Error(`${src.file}: chart name and version unknown (a values.yaml source must state them)`);
    const keys = chartKeys(valuesYaml, {
        path: src.file,
        upstream: src.upstream,
        chart,
        version,
        appVersion: appVersion ?? "",
        sha256: digest,
        ...(src.note ? { note: src.note } : {}),
    });
    return { out: outputName(src, chart, version)!, content: `${JSON.stringify(keys, null, 2)}\n` };
}

/** The generated files, from `dir`; throws naming the first missing source. */
export function generateAll(sources: readonly Source[], dir: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const s of sources) {
        const g = generate(s, dir);
        if (out.has(g.out)) throw new Error(`${s.file}: ${g.out} is generated twice`);
        out.set(g.out, g.content);
    }
    return out;
}

function main(argv: readonly string[]): number {
    let dir = sourceDir();
    let check = false;
    const packages: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i]!;
        if (a === "--check") check = true;
        else if (a === "--source" && argv[i + 1]) dir = path.resolve(argv[++i]!);
        else if (a === "--chart" && argv[i + 1]) packages.push(path.resolve(argv[++i]!));
        else throw new Error(`unknown argument ${a} (use --source DIR, --chart FILE|DIR, --check)`);
    }
    const outputs = new Map<string, string>();
    if (packages.length === 0) {
        if (!fs.existsSync(dir)) throw new Error(`source folder ${dir} not found: pass --source DIR or set REFDATA_SOURCE`);
        for (const [k, v] of generateAll(SOURCES, dir)) outputs.set(k, v);
    }
    // A package given on the command line: generated on its own, with its file name as the path.
    for (const p of packages) {
        const g = generate({ kind: "chart", file: path.basename(p), upstream: `chart package ${path.basename(p)}` }, path.dirname(p));
        outputs.set(g.out, g.content);
        console.log(`${g.out}: from ${p}; add the package to the source folder and to SOURCES in scripts/refdata.ts so test/refdata.test.ts can check it`);
    }
    let stale = 0;
    for (const [rel, content] of outputs) {
        const target = path.join(OUT_DIR, rel);
        const current = fs.existsSync(target) ? fs.readFileSync(target, "utf8") : undefined;
        if (current === content) continue;
        stale++;
        if (check) console.log(`stale: test/reference/${rel}`);
        else {
            fs.mkdirSync(path.dirname(target), { recursive: true });
            fs.writeFileSync(target, content);
            console.log(`wrote test/reference/${rel}`);
        }
    }
    if (check) console.log(stale ? `${stale} file(s) differ from their source` : `test/reference matches ${dir}`);
    return check && stale ? 1 : 0;
}

if (require.main === module) {
    try {
        process.exitCode = main(process.argv.slice(2));
    } catch (e) {
        console.error((e as Error).message);
        process.exitCode = 2;
    }
}

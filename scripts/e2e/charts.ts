// The Helm chart repository the e2e stack installs from (gitea.chartRepo / jenkins.chartRepo point at
// it): index.yaml plus one .tgz per chart version on 127.0.0.1, the layout `helm repo index` writes
// (helm.sh/helm/v3 pkg/repo/index.go: apiVersion v1, entries.<name>[] with urls and a sha256 digest).
// It serves either CHARTS_DIR (real charts: .tgz packages or unpacked chart directories) or the
// harness's generated stand-ins.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { giteaStandIn } from "./standinGitea";
import { jenkinsStandIn } from "./standinJenkins";
import { tgz, untgz, type TarEntry } from "../lib/tar";

/** A chart as files relative to its directory (Chart.yaml, values.yaml, templates/…). */
export interface ChartFiles {
    readonly name: string;
    readonly version: string;
    readonly files: Readonly<Record<string, string>>;
}

export interface PackagedChart {
    readonly name: string;
    readonly version: string;
    readonly appVersion?: string;
    readonly apiVersion: string;
    readonly description?: string;
    readonly standIn: boolean;
    readonly tgz: Buffer;
}

interface ChartYaml {
    apiVersion?: string;
    name?: string;
    version?: string;
    appVersion?: string;
    description?: string;
    annotations?: Record<string, string>;
}

function describeChart(chartYaml: string, archive: Buffer, where: string): PackagedChart {
    const c = parse(chartYaml) as ChartYaml | null;
    if (!c?.name || !c.version) throw new Error(`${where}: Chart.yaml has no name or version`);
    return {
        name: c.name,
        version: String(c.version),
        appVersion: c.appVersion === undefined ? undefined : String(c.appVersion),
        apiVersion: c.apiVersion ?? "v1",
        description: c.description,
        standIn: c.annotations?.["ci-stack.dev/stand-in"] === "true",
        tgz: archive,
    };
}

/** Packs chart files the way `helm package` lays them out: every path under "<name>/". */
export function packChart(chart: ChartFiles): PackagedChart {
    const entries: TarEntry[] = Object.entries(chart.files)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([p, text]) => ({ path: `${chart.name}/${p}`, content: Buffer.from(text, "utf8") }));
    return describeChart(chart.files["Chart.yaml"] ?? "", tgz(entries), `stand-in ${chart.name}`);
}

function walk(dir: string, rel = ""): { rel: string; abs: string }[] {
    const out: { rel: string; abs: string }[] = [];
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (e.name === ".git") continue;
        if (e.isDirectory()) out.push(...walk(dir, r));
        else if (e.isFile()) out.push({ rel: r, abs: path.join(dir, r) });
    }
    return out;
}

/** Every chart in `dir`: `*.tgz` packages and chart directories (holding Chart.yaml), packed as they are. */
export function loadChartsDir(dir: string): PackagedChart[] {
    const charts: PackagedChart[] = [];
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const abs = path.join(dir, e.name);
        if (e.isFile() && e.name.endsWith(".tgz")) {
            const archive = fs.readFileSync(abs);
            const chartYaml = untgz(archive).find((f) => /^[^/]+\/Chart\.yaml$/.test(f.path));
            if (!chartYaml) throw new Error(`${abs}: no <chart>/Chart.yaml inside`);
            charts.push(describeChart(chartYaml.content.toString("utf8"), archive, abs));
        } else if (e.isDirectory() && fs.existsSync(path.join(abs, "Chart.yaml"))) {
            const name = (parse(fs.readFileSync(path.join(abs, "Chart.yaml"), "utf8")) as ChartYaml | null)?.name ?? e.name;
            const entries = walk(abs).map((f) => ({ path: `${name}/${f.rel}`, content: fs.readFileSync(f.abs) }));
            charts.push(describeChart(fs.readFileSync(path.join(abs, "Chart.yaml"), "utf8"), tgz(entries), abs));
        }
    }
    return charts;
}

/** The generated stand-ins for the versions the stack pins. */
export function standInCharts(versions: { gitea: string; jenkins: string }): PackagedChart[] {
    return [packChart(giteaStandIn(versions.gitea)), packChart(jenkinsStandIn(versions.jenkins))];
}

export const tgzName = (c: { name: string; version: string }): string => `${c.name}-${c.version}.tgz`;

/** index.yaml for `charts` served under `baseUrl`. */
export function repoIndex(charts: readonly PackagedChart[], baseUrl: string, now = new Date()): string {
    const entries: Record<string, object[]> = {};
    for (const c of charts) {
        (entries[c.name] ??= []).push({
            apiVersion: c.apiVersion,
            name: c.name,
            version: c.version,
            ...(c.appVersion !== undefined ? { appVersion: c.appVersion } : {}),
            ...(c.description !== undefined ? { description: c.description } : {}),
            created: now.toISOString(),
            digest: createHash("sha256").update(c.tgz).digest("hex"),
            urls: [`${baseUrl}/${tgzName(c)}`],
        });
    }
    return stringify({ apiVersion: "v1", entries, generated: now.toISOString() });
}

export interface ChartRepo {
    /** e.g. http://127.0.0.1:41234 (no trailing slash) */
    readonly url: string;
    readonly charts: readonly PackagedChart[];
    /** Requests served, "GET /index.yaml 200" etc. */
    readonly log: string[];
    close(): Promise<void>;
}

/** Serves `charts` as a classic Helm repository on 127.0.0.1 (a free port). */
export async function serveCharts(charts: readonly PackagedChart[]): Promise<ChartRepo> {
    const log: string[] = [];
    let index = "";
    const byFile = new Map(charts.map((c) => [tgzName(c), c]));
    const server = http.createServer((req, res) => {
        const p = new URL(req.url ?? "/", "http://repo").pathname.replace(/^\/+/, "");
        const reply = (status: number, type: string, body: string | Buffer): void => {
            log.push(`${req.method} /${p} ${status}`);
            res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body) });
            res.end(req.method === "HEAD" ? undefined : body);
        };
        if (req.method !== "GET" && req.method !== "HEAD") return reply(405, "text/plain", "method not allowed\n");
        if (p === "index.yaml") return reply(200, "application/x-yaml", index);
        const c = byFile.get(p);
        return c ? reply(200, "application/gzip", c.tgz) : reply(404, "text/plain", "not found\n");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    index = repoIndex(charts, url);
    return {
        url,
        charts,
        log,
        close: () => new Promise<void>((r) => server.close(() => r())),
    };
}

/** Throws naming what is missing when `charts` lacks a pinned chart version. */
export function requireCharts(charts: readonly PackagedChart[], wanted: Record<string, string>, source: string): void {
    const missing = Object.entries(wanted).filter(([name, v]) => !charts.some((c) => c.name === name && c.version === v));
    if (missing.length) {
        const have = charts.map((c) => `${c.name}-${c.version}`).join(", ") || "nothing";
        throw new Error(`${source} lacks ${missing.map(([n, v]) => `${n} ${v}`).join(" and ")} (the versions the stack pins); it has ${have}`);
    }
}

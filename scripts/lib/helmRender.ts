// Renders a release with the pinned Helm (`helm template`), from where the stack says the chart lives
// (a classic repository or an oci:// reference) or from a local mirror, CHARTS_DIR, holding either
// `<chart>-<version>.tgz` (what `helm pull` writes) or a chart source directory `<chart>/` (sub-charts
// already in its charts/ directory, as `helm dependency build` leaves them).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { untgz, type TarEntry } from "./tar";
import type { ChartRelease } from "./stackRun";

export type ChartSource =
    | { readonly kind: "repository"; readonly repo: string; readonly chart: string; readonly description: string }
    | { readonly kind: "oci"; readonly ref: string; readonly description: string }
    | { readonly kind: "path"; readonly path: string; readonly description: string; readonly chartVersion?: string };

/**
 * The `version` of the top-level Chart.yaml inside a chart package (`<chart>/Chart.yaml`, the entry
 * `helm package` writes; sub-charts' `<chart>/charts/<dep>/Chart.yaml` are not it), or undefined when
 * the file is not a readable gzip'd tar holding one.
 */
export function packagedChartVersion(tgz: string): string | undefined {
    let entries: TarEntry[];
    try {
        entries = untgz(fs.readFileSync(tgz));
    } catch {
        return undefined;
    }
    const chart = entries.find((e) => /^[^/]+\/Chart\.yaml$/.test(e.path));
    if (!chart) return undefined;
    const version = (parse(chart.content.toString("utf8")) as { version?: unknown } | null)?.version;
    return typeof version === "string" || typeof version === "number" ? String(version) : undefined;
}

/** Pure-ish (reads CHARTS_DIR): where to render `release` from, or why there is nothing to render. */
export function chartSource(release: Pick<ChartRelease, "chart" | "repo" | "version">, chartsDir?: string): ChartSource | { readonly problem: string } {
    const name = release.chart.split("/").pop()!;
    if (chartsDir) {
        const tgz = path.join(chartsDir, `${name}-${release.version}.tgz`);
        // The version inside the package, not the one its file name claims (a renamed `helm package`
        // of a source tree, 0.0.0, is not the pinned release).
        if (fs.existsSync(tgz)) return { kind: "path", path: tgz, description: `CHARTS_DIR ${tgz}`, chartVersion: packagedChartVersion(tgz) };
        for (const dir of [path.join(chartsDir, `${name}-${release.version}`), path.join(chartsDir, name)]) {
            const chartYaml = path.join(dir, "Chart.yaml");
            if (fs.existsSync(chartYaml)) {
                const version = (parse(fs.readFileSync(chartYaml, "utf8")) as { version?: unknown }).version;
                return { kind: "path", path: dir, description: `CHARTS_DIR ${dir}`, chartVersion: String(version) };
            }
        }
        return { problem: `CHARTS_DIR=${chartsDir} holds neither ${name}-${release.version}.tgz nor a ${name}/ (or ${name}-${release.version}/) chart directory` };
    }
    if (release.chart.startsWith("oci://")) return { kind: "oci", ref: release.chart, description: `${release.chart} ${release.version}` };
    if (!release.repo) return { problem: `release ${release.chart} names no chart repository` };
    return { kind: "repository", repo: release.repo, chart: release.chart, description: `${release.repo} ${release.chart} ${release.version}` };
}

/** Pure: the `helm template` arguments. Test hooks are left out: `helm install` never runs them. */
export function templateArgs(release: ChartRelease, source: ChartSource, valuesFile: string): string[] {
    const ref = source.kind === "repository" ? source.chart : source.kind === "oci" ? source.ref : source.path;
    const where = source.kind === "repository" ? ["--repo", source.repo, "--version", release.version] : source.kind === "oci" ? ["--version", release.version] : [];
    return ["template", release.releaseName, ref, ...where, "--namespace", release.namespace, "--values", valuesFile, "--skip-tests"];
}

export interface RenderResult {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly seconds: number;
    /** The chart source could not be reached (network, DNS, missing repository). */
    readonly unreachable: boolean;
}

// What helm says when it cannot fetch a chart (pkg/repo/chartrepo.go "is not a valid chart repository
// or cannot be reached", Go's net errors, registry client errors).
const UNREACHABLE = /cannot be reached|no such host|dial tcp|connection refused|i\/o timeout|TLS handshake timeout|failed to do request|network is unreachable|could not find protocol handler/i;

/** Pure: does this stderr say the source was not reachable (rather than that the chart failed)? */
export function isUnreachable(stderr: string): boolean {
    return UNREACHABLE.test(stderr);
}

/** Renders `release` from `source` with `helm`; its own empty Helm home, so no user repository config leaks in. */
export function helmTemplate(helm: string, release: ChartRelease, source: ChartSource): RenderResult {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "ci-stack-helm-"));
    try {
        const valuesFile = path.join(home, "values.yaml");
        fs.writeFileSync(valuesFile, stringify(release.values, { lineWidth: 0, aliasDuplicateObjects: false }));
        const env = { ...process.env, HELM_CACHE_HOME: path.join(home, "cache"), HELM_CONFIG_HOME: path.join(home, "config"), HELM_DATA_HOME: path.join(home, "data") };
        const start = process.hrtime.bigint();
        const r = spawnSync(helm, templateArgs(release, source, valuesFile), { encoding: "utf8", env, maxBuffer: 256 * 1024 * 1024, timeout: 600_000 });
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        if (r.error) throw new Error(`${helm}: ${r.error.message}`);
        return { status: r.status, stdout: r.stdout, stderr: r.stderr, seconds, unreachable: r.status !== 0 && source.kind !== "path" && isUnreachable(r.stderr) };
    } finally {
        fs.rmSync(home, { recursive: true, force: true });
    }
}

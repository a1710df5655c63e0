// Checks Helm values we set against the key paths a chart's values.yaml declares, as derived by
// `npm run refdata` into test/reference/charts/ (the repository's own copy; nothing outside it is
// read): every key path must exist there, except below a free-form map (maps the chart passes
// through untouched, such as JCasC configScripts or gitea.config).
import * as fs from "node:fs";
import * as path from "node:path";
import { joinPath, type ChartKeys } from "../../scripts/refdata";

export const REFERENCE = path.resolve(__dirname, "..", "reference");

/** A chart's key set: the declared paths and the free-form ones. */
export interface ChartRef {
    readonly paths: ReadonlySet<string>;
    readonly freeForm: ReadonlySet<string>;
    readonly data: ChartKeys;
}

/** test/reference/charts/<name>.json, e.g. `jenkins-5.9.53`. */
export function loadChartKeys(name: string): ChartRef {
    const data = JSON.parse(fs.readFileSync(path.join(REFERENCE, "charts", `${name}.json`), "utf8")) as ChartKeys;
    return { paths: new Set(data.paths), freeForm: new Set(data.freeForm), data };
}

/** The same key set with more declared paths (and free-form ones), e.g. a sub-chart's keys. */
export function withPaths(chart: ChartRef, paths: readonly string[], freeForm: readonly string[] = []): ChartRef {
    return { ...chart, paths: new Set([...chart.paths, ...paths]), freeForm: new Set([...chart.freeForm, ...freeForm]) };
}

const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

/**
 * Key paths in `values` that the chart does not declare. Arrays are leaves (their items are the
 * chart's business); subtrees of free-form maps are not checked (the map itself must exist).
 * `opts.ignoreFreeForm` checks those subtrees too, to show which paths rely on the rule.
 */
export function unknownValuePaths(values: unknown, chart: ChartRef, opts: { ignoreFreeForm?: boolean } = {}, at: readonly string[] = []): string[] {
    if (!isMap(values)) return [];
    const out: string[] = [];
    for (const [k, v] of Object.entries(values)) {
        const segs = [...at, k];
        const p = joinPath(segs);
        if (!chart.paths.has(p)) {
            out.push(p);
            continue;
        }
        if (!opts.ignoreFreeForm && chart.freeForm.has(p)) continue;
        if (isMap(v)) out.push(...unknownValuePaths(v, chart, opts, segs));
    }
    return out;
}

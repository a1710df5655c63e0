// Checks Helm values we set against a chart's own values.yaml (../shared/reference/charts/):
// every key path must exist there, except below an explicitly listed free-form prefix (maps the
// chart passes through untouched, such as JCasC configScripts or gitea.config).
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

// CI clones the project next to shared/; CI_STACK_REFERENCE points elsewhere when it is not.
export const REFERENCE = process.env.CI_STACK_REFERENCE ?? path.resolve(__dirname, "..", "..", "..", "shared", "reference");
if (!fs.existsSync(REFERENCE)) {
    throw new Error(`reference data not found at ${REFERENCE}: check the project out next to shared/ or set CI_STACK_REFERENCE`);
}

export function loadChartValues(file: string): Record<string, unknown> {
    return parse(fs.readFileSync(path.join(REFERENCE, "charts", file), "utf8")) as Record<string, unknown>;
}

const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

/**
 * Key paths in `values` that the chart does not declare. Arrays are leaves (their items are the
 * chart's business); `freeForm` lists dotted prefixes whose subtrees are not checked (the prefix
 * itself must still exist in the chart).
 */
export function unknownValuePaths(values: unknown, chart: unknown, freeForm: readonly string[] = [], at = ""): string[] {
    if (!isMap(values)) return [];
    const out: string[] = [];
    for (const [k, v] of Object.entries(values)) {
        const p = at ? `${at}.${k}` : k;
        if (!isMap(chart) || !(k in chart)) {
            out.push(p);
            continue;
        }
        if (freeForm.includes(p)) continue;
        if (isMap(v)) out.push(...unknownValuePaths(v, chart[k], freeForm, p));
    }
    return out;
}

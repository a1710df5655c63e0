// House rules that no other test sees: files in components/, config/ and policies/ stay under ~400
// lines, or say at the top why they are longer.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const LIMIT = 400;
// A file may run longer when its opening comment says so, e.g. "Longer than 400 lines because …".
const REASON = /longer than 400 lines because/i;

/** The .ts files below `dir` (relative to the root), never descending into node_modules. */
function sources(dir: string): string[] {
    return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
        const rel = path.join(dir, e.name);
        if (e.isDirectory()) return e.name === "node_modules" ? [] : sources(rel);
        return e.isFile() && e.name.endsWith(".ts") ? [rel] : [];
    });
}

describe("layout", () => {
    it(`keeps every file in components/, config/ and policies/ under ${LIMIT} lines (or states the reason at the top)`, () => {
        const long = ["components", "config", "policies"]
            .flatMap(sources)
            .map((f) => ({ f, text: fs.readFileSync(path.join(ROOT, f), "utf8") }))
            .filter(({ text }) => text.split("\n").length > LIMIT && !REASON.test(text.split("\n").slice(0, 10).join("\n")))
            .map(({ f, text }) => `${f} (${text.split("\n").length} lines)`);
        assert.deepEqual(long, []);
    });
});

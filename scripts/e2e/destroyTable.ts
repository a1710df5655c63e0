// The destroy table of docs/destroy.md (between the destroy-table markers): what `pulumi destroy`
// removes and keeps, per resource (logical name and type), and which config changes that. The e2e
// destroy scenario evaluates every recorded resource against it.
import * as fs from "node:fs";
import * as path from "node:path";

export const TABLE_FILE = path.join("docs", "destroy.md");
const BEGIN = "<!-- destroy-table:begin -->";
const END = "<!-- destroy-table:end -->";

export interface DestroyRow {
    /** Logical-name patterns; `*` matches any run of characters. */
    readonly names: readonly string[];
    readonly type: string;
    readonly onDestroy: "kept" | "removed";
    readonly protected: boolean;
    /** `key=value → effect`, effect one of "removed", "removed unless adopted", "unprotected". */
    readonly changedBy: readonly { key: string; value: string; effect: string }[];
}

const ticks = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

/** Parses the table; throws naming the line when a row does not have the expected shape. */
export function parseDestroyTable(markdown: string): DestroyRow[] {
    const a = markdown.indexOf(BEGIN);
    const b = markdown.indexOf(END);
    if (a < 0 || b < a) throw new Error(`destroy table markers ${BEGIN} / ${END} not found`);
    const lines = markdown.slice(a + BEGIN.length, b).split("\n").map((l) => l.trim()).filter((l) => l.startsWith("|"));
    return lines.slice(2).map((line) => {
        const cells = line.slice(1, -1).split("|").map((c) => c.trim());
        const [names, type, on, prot, , changed] = cells;
        if (cells.length < 6 || (on !== "kept" && on !== "removed") || (prot !== "yes" && prot !== "no")) throw new Error(`destroy table: unexpected row: ${line}`);
        const changedBy = (changed ?? "")
            .split(";")
            .map((c) => /`([^`=]+)=([^`]+)`\s*→\s*(.+)$/.exec(c.trim()))
            .filter((m): m is RegExpExecArray => m !== null)
            .map((m) => ({ key: m[1]!, value: m[2]!, effect: m[3]!.trim() }));
        return { names: ticks(names ?? ""), type: ticks(type ?? "")[0] ?? "", onDestroy: on, protected: prot === "yes", changedBy };
    });
}

export function readDestroyTable(repo: string): DestroyRow[] | undefined {
    const p = path.join(repo, TABLE_FILE);
    return fs.existsSync(p) ? parseDestroyTable(fs.readFileSync(p, "utf8")) : undefined;
}

const glob = (pattern: string): RegExp => new RegExp(`^${pattern.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);

export function rowFor(rows: readonly DestroyRow[], type: string, logicalName: string): DestroyRow | undefined {
    return rows.find((r) => r.type === type && r.names.some((n) => glob(n).test(logicalName)));
}

/** What destroy should do to a resource of `row` under `config` ("adopted" for the seed's adopted repositories). */
export function expectedFate(row: DestroyRow, config: Readonly<Record<string, string | undefined>>, adopted = false): { removed: boolean; protected: boolean } {
    let removed = row.onDestroy === "removed";
    let prot = row.protected;
    for (const c of row.changedBy) {
        if (config[c.key] !== c.value) continue;
        if (c.effect === "removed") removed = true;
        else if (c.effect === "removed unless adopted") removed = !adopted;
        else if (c.effect === "unprotected") prot = false;
    }
    return { removed, protected: prot };
}

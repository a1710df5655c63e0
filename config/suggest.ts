// "Did you mean": the declared key nearest to an unknown one, so a typo in a safety key
// (storage.retainondelete) is reported with its fix instead of being silently ignored.

/** Levenshtein distance (insertions, deletions, substitutions). */
export function editDistance(a: string, b: string): number {
    let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const cur = [i];
        for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = cur;
    }
    return prev[b.length]!;
}

/**
 * The declared key an unknown one most likely meant: the same key in another case first, then the
 * one key whose last segment matches (a key under the wrong area), then the closest spelling
 * within a third of its length (compared without case). Undefined when nothing is close.
 */
export function nearestKey(unknown: string, declared: readonly string[]): string | undefined {
    const lower = unknown.toLowerCase();
    const sameCase = declared.find((k) => k.toLowerCase() === lower);
    if (sameCase) return sameCase;
    const last = lower.split(".").pop()!;
    const sameLeaf = declared.filter((k) => k.toLowerCase().split(".").pop() === last);
    if (sameLeaf.length === 1) return sameLeaf[0];
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const k of declared) {
        const d = editDistance(lower, k.toLowerCase());
        if (d < bestDistance) [best, bestDistance] = [k, d];
    }
    return bestDistance <= Math.max(2, Math.floor(unknown.length / 3)) ? best : undefined;
}

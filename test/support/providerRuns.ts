// What the dynamic-provider tests share: counting an emulator's writes, and capturing what a
// provider prints (its log lines are part of its contract: adoption and drift are reported there).

/** Requests other than GET a recorded server (emulator or proxy) has seen. */
export const writes = (e: { readonly log: readonly { readonly method: string }[] }): number => e.log.filter((r) => r.method !== "GET").length;

/** Runs `f` with console.log captured. */
export async function captureLog<T>(f: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
    const lines: string[] = [];
    const orig = console.log;
    console.log = (...a: unknown[]) => void lines.push(a.join(" "));
    try {
        return { result: await f(), lines };
    } finally {
        console.log = orig;
    }
}

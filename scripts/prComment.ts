// Posts `pulumi preview` output as a pull-request comment through Gitea's API (used by
// .gitea/workflows/pr.yaml; pulumi/actions' own PR comment only speaks GitHub's API).
//   PR_COMMENT_URL=<server>/api/v1/repos/<owner>/<repo>/issues/<n>/comments PR_COMMENT_TOKEN=… \
//   PREVIEW_STATUS=0 npm run pr:comment -- preview.txt
import * as fs from "node:fs";

// Gitea's comment body limit is generous, but a long preview is better cut from the top: the
// policy violations and the summary are at the end.
export const MAX_OUTPUT = 60_000;

/** Pure: the Markdown comment for a preview's output and exit status. */
export function commentBody(output: string, status: string | undefined): string {
    const ok = status === "0";
    const cut = output.length > MAX_OUTPUT ? `…(${output.length - MAX_OUTPUT} characters cut)…\n${output.slice(-MAX_OUTPUT)}` : output;
    const fence = "```";
    return [
        `#### \`pulumi preview --policy-pack ./policies\`: ${ok ? "passed" : "failed"}`,
        "",
        ok ? "No mandatory policy violation." : "The preview failed or a mandatory policy was violated; details below.",
        "",
        "<details><summary>Output</summary>",
        "",
        fence,
        cut.replaceAll(fence, "'''"),
        fence,
        "</details>",
    ].join("\n");
}

async function main(): Promise<void> {
    const [file] = process.argv.slice(2);
    const url = process.env.PR_COMMENT_URL;
    const token = process.env.PR_COMMENT_TOKEN;
    if (!file || !url || !token) throw new Error("usage: PR_COMMENT_URL=… PR_COMMENT_TOKEN=… pr:comment <preview output file>");
    const output = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "(no preview output: the preview step did not run)";
    const res = await fetch(url, {
        method: "POST",
        headers: { Authorization: `token ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ body: commentBody(output, process.env.PREVIEW_STATUS) }),
    });
    if (!res.ok) throw new Error(`posting the comment failed: HTTP ${res.status} ${await res.text()}`);
}

if (require.main === module) {
    main().catch((e: unknown) => {
        console.error(e instanceof Error ? e.message : e);
        process.exit(1);
    });
}

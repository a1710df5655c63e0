// What the harness itself asks Gitea and Jenkins, through their public HTTP APIs and the NodePorts, as
// an operator would (so a real Gitea can replace the emulator unchanged). Every request carries
// HARNESS_HEADER, so the bench's request counts leave the harness's own requests out.
export const HARNESS_HEADER = "x-ci-stack-e2e";

export interface HttpReply {
    status: number;
    body: string;
    headers: Headers;
}

async function call(url: string, init: { method?: string; user: string; password: string; headers?: Record<string, string>; body?: string }): Promise<HttpReply> {
    const auth = Buffer.from(`${init.user}:${init.password}`, "utf8").toString("base64");
    const res = await fetch(url, {
        method: init.method ?? "GET",
        headers: { authorization: `Basic ${auth}`, [HARNESS_HEADER]: "1", ...(init.headers ?? {}) },
        body: init.body,
        redirect: "manual",
        signal: AbortSignal.timeout(30_000),
    });
    return { status: res.status, body: await res.text(), headers: res.headers };
}

export interface Credentials {
    readonly user: string;
    readonly password: string;
}

export interface GiteaHook {
    id: number;
    active: boolean;
    events: string[];
    config: { url: string; content_type: string };
    authorization_header?: string;
    branch_filter?: string;
}

export class GiteaApi {
    constructor(
        readonly baseUrl: string,
        private readonly creds: Credentials,
    ) {}

    get(path: string, creds: Credentials = this.creds): Promise<HttpReply> {
        return call(`${this.baseUrl}/api/v1${path}`, { ...creds });
    }

    async json<T>(path: string): Promise<T | undefined> {
        const r = await this.get(path);
        if (r.status === 404) return undefined;
        if (r.status !== 200) throw new Error(`Gitea GET ${path}: HTTP ${r.status}: ${r.body.slice(0, 300)}`);
        return JSON.parse(r.body) as T;
    }

    repo(owner: string, name: string): Promise<{ name: string; private: boolean; default_branch: string } | undefined> {
        return this.json(`/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`);
    }

    /** A file's text and blob sha on `ref`, or undefined when absent. */
    async file(owner: string, repo: string, path: string, ref: string): Promise<{ text: string; sha: string } | undefined> {
        const f = await this.json<{ content: string; sha: string }>(`/repos/${owner}/${repo}/contents/${path.split("/").map(encodeURIComponent).join("/")}?ref=${encodeURIComponent(ref)}`);
        return f && { text: Buffer.from(f.content, "base64").toString("utf8"), sha: f.sha };
    }

    async hooks(owner: string, repo: string): Promise<GiteaHook[]> {
        return (await this.json<GiteaHook[]>(`/repos/${owner}/${repo}/hooks`)) ?? [];
    }

    /** One commit changing one file (POST contents, ChangeFiles), as a user editing in the UI would. */
    async updateFile(owner: string, repo: string, branch: string, path: string, text: string, sha: string): Promise<void> {
        const r = await call(`${this.baseUrl}/api/v1/repos/${owner}/${repo}/contents`, {
            ...this.creds,
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ branch, message: "e2e: edited behind the program's back", files: [{ operation: "update", path, sha, content: Buffer.from(text).toString("base64") }] }),
        });
        if (r.status !== 201) throw new Error(`Gitea update ${path}: HTTP ${r.status}: ${r.body.slice(0, 300)}`);
    }
}

/** `a/b` → `/job/a/job/b`. */
export const jobPath = (fullName: string): string => fullName.split("/").map((s) => `/job/${encodeURIComponent(s)}`).join("");

export class JenkinsApi {
    constructor(
        readonly baseUrl: string,
        private readonly creds: Credentials,
    ) {}

    get(path: string, creds: Credentials = this.creds): Promise<HttpReply> {
        return call(`${this.baseUrl}${path}`, { ...creds });
    }

    /** An item's config.xml, or undefined when the item does not exist. */
    async configXml(fullName: string): Promise<string | undefined> {
        const r = await this.get(`${jobPath(fullName)}/config.xml`);
        if (r.status === 404) return undefined;
        if (r.status !== 200) throw new Error(`Jenkins GET ${fullName}/config.xml: HTTP ${r.status}`);
        return r.body;
    }

    /** A folder credential's (redacted) config.xml, or undefined. */
    async credential(folder: string, id: string): Promise<string | undefined> {
        const r = await this.get(`${jobPath(folder)}/credentials/store/folder/domain/_/credential/${encodeURIComponent(id)}/config.xml`);
        if (r.status === 404) return undefined;
        if (r.status !== 200) throw new Error(`Jenkins GET credential ${folder}/${id}: HTTP ${r.status}`);
        return r.body;
    }

    /** POST an item's config.xml with a session crumb (what the UI's "Save" does). */
    async postConfigXml(fullName: string, xml: string): Promise<void> {
        const c = await this.get("/crumbIssuer/api/json");
        if (c.status !== 200) throw new Error(`Jenkins crumb: HTTP ${c.status}`);
        const { crumb, crumbRequestField } = JSON.parse(c.body) as { crumb: string; crumbRequestField: string };
        const cookie = (c.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
        const r = await call(`${this.baseUrl}${jobPath(fullName)}/config.xml`, {
            ...this.creds,
            method: "POST",
            headers: { "content-type": "application/xml", [crumbRequestField]: crumb, cookie },
            body: xml,
        });
        if (r.status !== 200) throw new Error(`Jenkins POST ${fullName}/config.xml: HTTP ${r.status}: ${r.body.slice(0, 300)}`);
    }
}

// Typed client of the Harbor v2.0 REST API (/api/v2.0, pinned against goharbor/harbor v2.15.2) for the
// two objects the stack manages in Harbor: the project images are pushed to, and the project-level
// robot account the pipeline pushes with. Every response is validated with zod; errors name method,
// path, status and Harbor's own error message, never a credential.
//
// Harbor quirks this client is written around (goharbor/harbor v2.15.2):
// - Errors come as {"errors":[{"code","message"}]} (src/lib/errors/errors.go Errors.Error), not a
//   top-level `message`: `fail` unwraps them.
// - A path parameter that looks like a number is an id unless `X-Is-Resource-Name: true` is sent
//   (api/v2.0/swagger.yaml parameters.isResourceName): every project call sends it.
// - POST /projects answers 201 with an empty body and the id in `Location` only.
// - A robot's secret is returned once, by POST /robots (RobotCreated.secret) or PATCH /robots/{id}
//   (RefreshSec); GET never returns it. Project robots are named `<prefix><project>+<name>`
//   (src/controller/robot/controller.go Create; prefix `robot$` by default).
// - GET /robots lists a project's robots only with q=Level=project,ProjectID=<id>, 10 per page by
//   default and 100 at most (src/server/v2.0/handler/robot.go ListRobot; swagger pageSize).
import type { z } from "zod";
import { ConnectionTuning, connectionTuning, HttpClient, HttpError, HttpRequest, HttpResponse, redact } from "./http";

export interface HarborConnection extends ConnectionTuning {
    /** Base URL, e.g. http://10.0.24.28:30002 (no /api/v2.0). */
    url: string;
    username: string;
    password: string;
}

/** One permission of a robot: what it may do on one kind of resource. */
export interface HarborAccess {
    readonly resource: string;
    readonly action: string;
}

// Built on use rather than kept in module scope: the dynamic providers carry this client through
// Pulumi's closure serialization, which cannot capture a zod schema instance (see giteaClient.ts).
const schemas = () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
    const { z } = require("zod") as typeof import("zod");
    const access = z.object({ resource: z.string(), action: z.string(), effect: z.string().optional() });
    const permission = z.object({ kind: z.string(), namespace: z.string(), access: z.array(access).nullable().default([]) });
    return {
        project: z.object({
            project_id: z.number(),
            name: z.string(),
            owner_name: z.string().optional(),
            metadata: z.object({ public: z.string().optional() }).loose().nullable().optional(),
            repo_count: z.number().default(0),
        }),
        robot: z.object({
            id: z.number(),
            name: z.string(),
            description: z.string().default(""),
            level: z.string(),
            duration: z.number().nullable().optional(),
            disable: z.boolean().default(false),
            editable: z.boolean().default(true),
            expires_at: z.number().optional(),
            permissions: z.array(permission).nullable().default([]),
        }),
        robotCreated: z.object({ id: z.number(), name: z.string(), secret: z.string().min(1) }),
        robotSec: z.object({ secret: z.string().default("") }),
        errors: z.object({ errors: z.array(z.object({ code: z.string().optional(), message: z.string().optional() })) }),
        // swagger.yaml Artifact / Tag: only what the smoke run reads.
        artifact: z.object({
            digest: z.string(),
            size: z.number().optional(),
            push_time: z.string().optional(),
            tags: z.array(z.object({ name: z.string() }).loose()).nullable().optional(),
        }),
    };
};
export const harborSchemas = schemas;
type Schemas = ReturnType<typeof schemas>;
export type HarborProject = z.infer<Schemas["project"]>;
export type HarborRobot = z.infer<Schemas["robot"]>;

/** An artifact as GET …/artifacts/{reference} describes it (the fields the smoke run reads). */
export interface HarborArtifact {
    /** The manifest digest, `sha256:…`. */
    readonly digest: string;
    readonly size?: number;
    readonly pushTime?: string;
    readonly tags: readonly string[];
}

const API = "/api/v2.0";
const seg = (s: string) => encodeURIComponent(s);
const BY_NAME = { "X-Is-Resource-Name": "true" };
const JSON_BODY = { "Content-Type": "application/json" };
/** swagger.yaml parameters.pageSize: maximum 100. */
const PAGE_SIZE = 100;
// A bound on pages, so a server that never reaches its own total cannot keep us listing forever.
const PAGES_MAX = 100;

/** The robot's full name as Harbor shows it and as it logs in: `<prefix><project>+<name>`. */
export function robotFullName(project: string, name: string, prefix = "robot$"): string {
    return `${prefix}${project}+${name}`;
}

/** Harbor's robot name rule (src/server/v2.0/handler/robot.go validateName): lower case, no '+'. */
export const ROBOT_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

export class HarborClient {
    readonly stats: { requests: number; writes: number };
    private readonly http: HttpClient;

    constructor(private readonly conn: HarborConnection) {
        // Assigned here, not by a field initializer: Pulumi's closure serialization drops those.
        this.stats = { requests: 0, writes: 0 };
        this.http = new HttpClient({
            service: "Harbor",
            baseUrl: conn.url,
            auth: { username: conn.username, secret: conn.password },
            ...connectionTuning(conn),
            stats: this.stats,
        });
    }

    /**
     * Waits (bounded, default 5 min) until GET /api/v2.0/ping answers (no auth: handler/ping.go),
     * then checks the credentials once with GET /users/current, so a wrong registry.password fails
     * here with a 401 rather than later as a confusing 403/404.
     */
    async waitReady(timeoutMs = 300_000): Promise<void> {
        const ping: HttpRequest = { method: "GET", path: `${API}/ping` };
        await this.http.waitUntil(`GET ${API}/ping`, timeoutMs, async (signal) => {
            const res = await this.http.send(ping, signal);
            if (res.status !== 200) throw this.fail(ping, res);
        });
        const me: HttpRequest = { method: "GET", path: `${API}/users/current` };
        const res = await this.http.request(me);
        if (res.status !== 200) throw this.fail(me, res);
    }

    /** The project, or undefined on 404. A 403 (no access to it, or a missing project for a non-admin) is an error. */
    async getProject(name: string): Promise<HarborProject | undefined> {
        const req: HttpRequest = { method: "GET", path: `${API}/projects/${seg(name)}`, headers: BY_NAME };
        const res = await this.http.request(req);
        if (res.status === 404) return undefined;
        if (res.status !== 200) throw this.fail(req, res);
        return this.http.parse(schemas().project, req, res);
    }

    /**
     * Creates a private project. 409 (it exists, or our own retried POST landed) adopts the existing
     * one; `adopted` is false when an earlier attempt may have created it.
     */
    async createProject(name: string, o: { public: boolean }): Promise<{ project: HarborProject; adopted: boolean }> {
        const req: HttpRequest = {
            method: "POST",
            path: `${API}/projects`,
            headers: JSON_BODY,
            body: JSON.stringify({ project_name: name, metadata: { public: String(o.public) } }),
            // Safe to re-send: a second project of that name is refused with 409.
            retryOn: "transient",
        };
        const res = await this.http.request(req);
        if (res.status !== 201 && res.status !== 409) throw this.fail(req, res);
        const project = await this.getProject(name);
        if (!project) throw this.fail(req, res);
        return { project, adopted: res.status === 409 && !res.ambiguous };
    }

    /**
     * Deletes a project. "deleted" also for an absent one; "not-empty" when Harbor refuses because it
     * holds repositories (412, handler/project.go deletable) — images are never deleted by the stack.
     */
    async deleteProject(name: string): Promise<"deleted" | "not-empty"> {
        const req: HttpRequest = { method: "DELETE", path: `${API}/projects/${seg(name)}`, headers: BY_NAME };
        const res = await this.http.request(req);
        if (res.status === 200 || res.status === 404) return "deleted";
        if (res.status === 412) return "not-empty";
        throw this.fail(req, res);
    }

    /** Every robot of a project, all pages. */
    async listProjectRobots(projectId: number): Promise<HarborRobot[]> {
        const out: HarborRobot[] = [];
        for (let page = 1; page <= PAGES_MAX; page++) {
            const req: HttpRequest = {
                method: "GET",
                path: `${API}/robots`,
                query: { q: `Level=project,ProjectID=${projectId}`, page: String(page), page_size: String(PAGE_SIZE) },
            };
            const res = await this.http.expect(req, 200);
            const batch = this.http.parse(schemas().robot.array(), req, res);
            out.push(...batch);
            const total = Number(res.headers.get("x-total-count") ?? NaN);
            // Stop on a short page, or when the advertised total is reached.
            if (batch.length < PAGE_SIZE || (Number.isFinite(total) && out.length >= total)) return out;
        }
        throw new HttpError("Harbor", "GET", `${API}/robots`, 200, "invalid-response", `more than ${PAGES_MAX} pages of robots in project ${projectId}`);
    }

    /** The project robot named `name` (short name), or undefined. */
    async findProjectRobot(projectId: number, project: string, name: string): Promise<HarborRobot | undefined> {
        const suffix = `${project}+${name}`;
        // The prefix is Harbor's robot_name_prefix setting ("robot$" by default): match the rest.
        return (await this.listProjectRobots(projectId)).find((r) => r.name.endsWith(suffix) && r.name.length > suffix.length);
    }

    /** A robot by id, with its permissions; undefined on 404. */
    async getRobot(id: number): Promise<HarborRobot | undefined> {
        const req: HttpRequest = { method: "GET", path: `${API}/robots/${id}` };
        const res = await this.http.request(req);
        if (res.status === 404) return undefined;
        if (res.status !== 200) throw this.fail(req, res);
        return this.http.parse(schemas().robot, req, res);
    }

    /**
     * Creates a project-level robot with exactly `access` on `project` (POST /robots, level "project",
     * one permission of kind "project": robot.go validate refuses more for a project robot).
     * On 409 it returns `exists` — `ambiguous` when an earlier attempt of this call may have made it.
     * The secret in the result is the only time Harbor shows it.
     */
    async createProjectRobot(o: {
        project: string;
        name: string;
        description: string;
        duration: number;
        access: readonly HarborAccess[];
    }): Promise<{ id: number; name: string; secret: string } | { exists: true; ambiguous: boolean }> {
        const req: HttpRequest = {
            method: "POST",
            path: `${API}/robots`,
            headers: JSON_BODY,
            body: JSON.stringify({
                name: o.name,
                description: o.description,
                level: "project",
                duration: o.duration,
                disable: false,
                permissions: [{ kind: "project", namespace: o.project, access: o.access.map((a) => ({ resource: a.resource, action: a.action })) }],
            }),
            // Safe to re-send: a second robot of that name is refused with 409 (pkg/robot/dao Create).
            retryOn: "transient",
        };
        const res = await this.http.request(req);
        if (res.status === 409) return { exists: true, ambiguous: res.ambiguous === true };
        if (res.status !== 201) throw this.fail(req, res);
        const created = this.http.parse(schemas().robotCreated, req, res);
        return { id: created.id, name: created.name, secret: created.secret };
    }

    /**
     * Sets a robot's description, enabled state and permissions (PUT /robots/{id} takes the whole
     * Robot: name and level must be unchanged, robot.go updateV2Robot).
     */
    async updateProjectRobot(r: HarborRobot, o: { project: string; description: string; access: readonly HarborAccess[] }): Promise<void> {
        const req: HttpRequest = {
            method: "PUT",
            path: `${API}/robots/${r.id}`,
            headers: JSON_BODY,
            body: JSON.stringify({
                id: r.id,
                name: r.name,
                level: r.level,
                duration: r.duration ?? -1,
                description: o.description,
                disable: false,
                permissions: [{ kind: "project", namespace: o.project, access: o.access.map((a) => ({ resource: a.resource, action: a.action })) }],
            }),
        };
        const res = await this.http.request(req);
        if (res.status !== 200) throw this.fail(req, res);
    }

    /** Issues the robot a new secret generated by Harbor (PATCH /robots/{id} with no secret: RefreshSec). */
    async refreshRobotSecret(id: number): Promise<string> {
        const req: HttpRequest = { method: "PATCH", path: `${API}/robots/${id}`, headers: JSON_BODY, body: "{}" };
        const res = await this.http.request(req);
        if (res.status !== 200) throw this.fail(req, res);
        const { secret } = this.http.parse(schemas().robotSec, req, res);
        if (!secret) throw new HttpError("Harbor", req.method, req.path, res.status, "invalid-response", "no secret in the RefreshSec answer");
        return secret;
    }

    /** Deletes a robot; an absent one is fine. */
    async deleteRobot(id: number): Promise<void> {
        const req: HttpRequest = { method: "DELETE", path: `${API}/robots/${id}` };
        const res = await this.http.request(req);
        if (res.status !== 200 && res.status !== 404) throw this.fail(req, res);
    }

    /**
     * Whether Harbor still accepts the robot's credentials. GET /users/current as the robot answers
     * 412 "not available for security context: robot" when they are valid (handler/user.go
     * GetCurrentUserInfo) and 401 when they are not: a wrong secret, a disabled or an expired robot
     * all fall back to the anonymous context (server/middleware/security/robot.go).
     */
    async robotCredentialsValid(fullName: string, secret: string): Promise<boolean> {
        const as = new HttpClient({ service: "Harbor", baseUrl: this.conn.url, auth: { username: fullName, secret }, ...connectionTuning(this.conn), stats: this.stats });
        const req: HttpRequest = { method: "GET", path: `${API}/users/current` };
        const res = await as.request(req);
        if (res.status === 401) return false;
        if (res.status === 412 || res.status === 200) return true;
        throw this.fail(req, res, [secret]);
    }

    /**
     * An artifact of `<project>/<repository>` by tag or digest (GET
     * /projects/{project_name}/repositories/{repository_name}/artifacts/{reference}, handler/artifact.go
     * GetArtifact: needs artifact:read on the project), or undefined when the repository or the
     * reference does not exist (404). The repository name is URL-encoded twice, as swagger.yaml
     * repositoryName asks (a/b → a%252Fb): Harbor decodes it once more in Prepare (unescapePathParams).
     */
    async getArtifact(project: string, repository: string, reference: string): Promise<HarborArtifact | undefined> {
        const req: HttpRequest = { method: "GET", path: `${API}/projects/${seg(project)}/repositories/${seg(seg(repository))}/artifacts/${seg(reference)}` };
        const res = await this.http.request(req);
        if (res.status === 404) return undefined;
        if (res.status !== 200) throw this.fail(req, res);
        const a = this.http.parse(schemas().artifact, req, res);
        return { digest: a.digest, ...(a.size !== undefined ? { size: a.size } : {}), ...(a.push_time !== undefined ? { pushTime: a.push_time } : {}), tags: (a.tags ?? []).map((t) => t.name) };
    }

    /** An HttpError carrying Harbor's own error code and message (never a credential). */
    private fail(req: HttpRequest, res: HttpResponse, extraSecrets: readonly string[] = []): HttpError {
        const generic = this.http.fail(req, res, extraSecrets);
        let detail: string | undefined;
        try {
            const parsed = schemas().errors.safeParse(JSON.parse(res.text));
            if (parsed.success && parsed.data.errors.length) {
                detail = parsed.data.errors.map((e) => [e.code, e.message].filter(Boolean).join(": ")).join("; ");
            }
        } catch {
            // not JSON: the generic excerpt stands
        }
        if (!detail) return generic;
        const shown = this.http.redact(redact(detail, extraSecrets)).slice(0, 200);
        return new HttpError(generic.service, generic.method, generic.path, generic.status, generic.kind, shown);
    }
}

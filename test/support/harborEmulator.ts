// In-process emulator of the Harbor v2.0 API (goharbor/harbor v2.15.2) endpoints the stack uses,
// plus the registry token service Kaniko authenticates through. Each behaviour names the upstream
// file it follows (paths in goharbor/harbor at v2.15.2):
// - security: a basic-auth user whose name has the robot prefix is a robot (server/middleware/
//   security/robot.go: wrong secret, disabled or expired → no context); otherwise a local user
//   (security/basic_auth.go). Failed credentials are NOT an error by themselves: the request goes on
//   anonymous (security/unauthorized.go) and the handler answers 401 where it needs a user.
// - errors are {"errors":[{"code","message"}]} with the status from lib/http/error.go codeMap.
// - projects (server/v2.0/handler/project.go, pkg/project/manager.go, pkg/project/dao/dao.go);
// - robots (server/v2.0/handler/robot.go, controller/robot/controller.go, pkg/robot/dao/dao.go),
//   their permissions checked against the project scope of common/rbac/const.go;
// - GET /service/token (core/service/token/creator.go): the actions a login gets on a repository.
// - artifacts (server/v2.0/handler/artifact.go GetArtifact, controller/artifact/controller.go
//   GetByReference; api/v2.0/swagger.yaml Artifact, Tag): artifact:read on the project, the
//   repository name URL-encoded twice when it holds a slash (unescapePathParams), a reference that is
//   a digest or a tag, 404 "artifact <repo>:<tag> not found". `pushImage` stands in for Kaniko's push.
import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { basicAuth, Emulator, EmulatorRequest, json, Reply, startEmulator } from "./httpEmulator";

export const HARBOR_ADMIN = "admin";
export const HARBOR_PASSWORD = "Harbor12345";

export interface HarborAccessState { resource: string; action: string; effect?: string }
export interface HarborPermissionState { kind: string; namespace: string; access: HarborAccessState[] }
export interface HarborProjectState {
    id: number;
    name: string;
    ownerId: number;
    public: boolean;
    /** Repositories in the project (a project holding any cannot be deleted). */
    repoCount: number;
    /** user id → role ("projectAdmin" | "maintainer" | "developer" | "guest"). */
    members: Map<number, string>;
}
/** One artifact (an image manifest) of a repository, with the tags pointing at it. */
export interface HarborArtifactState { id: number; digest: string; size: number; pushTime: string; tags: { id: number; name: string; pushTime: string }[] }
export interface HarborRepositoryState { id: number; projectId: number; name: string; artifacts: HarborArtifactState[] }
export interface HarborRobotState {
    id: number;
    /** As stored: `<project>+<name>` for a project robot (controller/robot/controller.go Create). */
    name: string;
    description: string;
    /** 0 for a system robot. */
    projectId: number;
    duration: number;
    expiresAt: number;
    disabled: boolean;
    /** Kept in clear here; Harbor keeps a salted SHA-256 (utils.Encrypt). */
    secret: string;
    permissions: HarborPermissionState[];
    creatorType: string;
    creatorRef: number;
}

// common/rbac/const.go PoliciesMap[ScopeProject] plus NolimitProvider's project additions: what a
// project robot may be granted (a subset is enough to show that anything else is refused).
const PROJECT_SCOPE: readonly string[] = [
    "log:list", "project:read", "project:update", "project:delete",
    "metadata:read", "metadata:create", "metadata:delete", "metadata:list", "metadata:update",
    "repository:read", "repository:update", "repository:delete", "repository:list", "repository:pull", "repository:push",
    "artifact:read", "artifact:create", "artifact:list", "artifact:delete",
    "scan:create", "scan:read", "scan:stop", "sbom:create", "sbom:stop", "sbom:read",
    "tag:create", "tag:list", "tag:delete", "accessory:list", "artifact-addition:read",
    "artifact-label:create", "artifact-label:delete", "scanner:create", "scanner:read",
    "label:read", "label:create", "label:delete", "label:list", "label:update", "quota:read",
    "robot:create", "robot:read", "robot:list", "robot:delete", "export-cve:create", "export-cve:read",
    "member:create", "member:read", "member:update", "member:list", "member:delete",
];

// common/rbac/project/rbac_role.go rolePoliciesMap, reduced to what the stack's calls touch.
// Every role may read and list artifacts (rbac_role.go: artifact read/list in each role's policies).
const ROLE_ACTIONS: Record<string, readonly string[]> = {
    projectAdmin: ["project:read", "project:delete", "repository:pull", "repository:push", "repository:delete", "robot:create", "robot:read", "robot:update", "robot:delete", "robot:list", "artifact:read", "artifact:list"],
    maintainer: ["project:read", "repository:pull", "repository:push", "repository:delete", "robot:read", "robot:list", "artifact:read", "artifact:list"],
    developer: ["project:read", "repository:pull", "repository:push", "robot:read", "robot:list", "artifact:read", "artifact:list"],
    guest: ["project:read", "repository:pull", "robot:read", "robot:list", "artifact:read", "artifact:list"],
};

export class HarborState {
    version = "v2.15.2";
    /** false → every request answers 503 (core not up yet). */
    ready = true;
    /** robot_name_prefix (lib/config: "robot$" by default). */
    robotPrefix = "robot$";
    /** project_creation_restriction "adminonly" (default "everyone"). */
    onlyAdminCreateProject = false;
    readonly users = new Map<string, { id: number; password: string; sysadmin: boolean }>();
    readonly projects = new Map<string, HarborProjectState>();
    readonly robots = new Map<number, HarborRobotState>();
    /** "<project>/<repository>" → the repository and its artifacts. */
    readonly repositories = new Map<string, HarborRepositoryState>();
    private seq = 100;

    /**
     * Stands in for a push (Kaniko's): the repository is created on its first artifact (the project's
     * repo_count grows), the manifest becomes an artifact, and the tag moves to it from any other
     * artifact of the repository. Returns the digest.
     */
    pushImage(project: string, repository: string, tag: string, o: { digest?: string; size?: number } = {}): string {
        const p = this.projects.get(project);
        if (!p) throw new Error(`no project ${project}`);
        const key = `${project}/${repository}`;
        let repo = this.repositories.get(key);
        if (!repo) {
            repo = { id: this.nextId(), projectId: p.id, name: key, artifacts: [] };
            this.repositories.set(key, repo);
            p.repoCount++;
        }
        const digest = o.digest ?? `sha256:${randomBytes(32).toString("hex")}`;
        const now = new Date().toISOString();
        for (const a of repo.artifacts) a.tags = a.tags.filter((t) => t.name !== tag);
        let art = repo.artifacts.find((a) => a.digest === digest);
        if (!art) {
            art = { id: this.nextId(), digest, size: o.size ?? 1024, pushTime: now, tags: [] };
            repo.artifacts.push(art);
        }
        art.tags.push({ id: this.nextId(), name: tag, pushTime: now });
        return digest;
    }

    nextId(): number {
        return ++this.seq;
    }

    addUser(name: string, password: string, o: { sysadmin?: boolean } = {}): number {
        const id = this.nextId();
        this.users.set(name, { id, password, sysadmin: o.sysadmin ?? false });
        return id;
    }

    /** Adds a project directly (one that "already exists"). */
    addProject(name: string, o: { public?: boolean; repoCount?: number; ownerId?: number } = {}): HarborProjectState {
        const p: HarborProjectState = { id: this.nextId(), name, ownerId: o.ownerId ?? 1, public: o.public ?? false, repoCount: o.repoCount ?? 0, members: new Map() };
        this.projects.set(name, p);
        return p;
    }

    projectById(id: number): HarborProjectState | undefined {
        return [...this.projects.values()].find((p) => p.id === id);
    }

    /** Adds a project robot directly (one made by hand); returns it with its secret. */
    addProjectRobot(project: string, name: string, o: { access?: HarborAccessState[]; disabled?: boolean; secret?: string } = {}): HarborRobotState {
        const p = this.projects.get(project);
        if (!p) throw new Error(`no project ${project}`);
        const r: HarborRobotState = {
            id: this.nextId(),
            name: `${project}+${name}`,
            description: "made by hand",
            projectId: p.id,
            duration: -1,
            expiresAt: -1,
            disabled: o.disabled ?? false,
            secret: o.secret ?? generateSecret(),
            permissions: [{ kind: "project", namespace: project, access: o.access ?? [{ resource: "repository", action: "pull" }] }],
            creatorType: "local",
            creatorRef: 1,
        };
        this.robots.set(r.id, r);
        return r;
    }

    /** A robot by its full (prefixed) name. */
    robotByFullName(full: string): HarborRobotState | undefined {
        if (!full.startsWith(this.robotPrefix)) return undefined;
        const stored = full.slice(this.robotPrefix.length);
        return [...this.robots.values()].find((r) => r.name === stored);
    }

    /** The robots of a project (what a test asserts the stack made). */
    projectRobots(project: string): HarborRobotState[] {
        const p = this.projects.get(project);
        return p ? [...this.robots.values()].filter((r) => r.projectId === p.id) : [];
    }
}

// controller/robot/controller.go CreateSec + IsValidSec: 8-128 chars with lower, upper and digit.
function generateSecret(): string {
    for (;;) {
        const s = randomBytes(24).toString("base64").replace(/[^A-Za-z0-9]/g, "").slice(0, 32);
        if (isValidSecret(s)) return s;
    }
}
const isValidSecret = (s: string) => s.length >= 8 && s.length <= 128 && /[a-z]/.test(s) && /[A-Z]/.test(s) && /\d/.test(s);

// lib/http/error.go SendError: an error array, status from the code.
const CODE_STATUS: Record<string, number> = { BAD_REQUEST: 400, UNAUTHORIZED: 401, FORBIDDEN: 403, DENIED: 403, NOT_FOUND: 404, CONFLICT: 409, PRECONDITION: 412, UNPROCESSABLE_ENTITY: 422 };
const err = (code: string, message: string): Reply => json(CODE_STATUS[code] ?? 500, { errors: [{ code, message }] });

type Caller =
    | { kind: "anonymous" }
    | { kind: "user"; name: string; id: number; sysadmin: boolean }
    | { kind: "robot"; robot: HarborRobotState };

// server/middleware/security/security.go: generators in order (robot before basicAuth); none → anonymous.
function authenticate(state: HarborState, headers: IncomingHttpHeaders): Caller {
    const b = basicAuth(headers);
    if (!b) return { kind: "anonymous" };
    if (b.user.startsWith(state.robotPrefix)) {
        const r = state.robotByFullName(b.user);
        // robot.go: wrong secret, disabled, expired → nil context (the request continues unauthenticated).
        if (r && r.secret === b.password && !r.disabled && (r.expiresAt === -1 || r.expiresAt > Date.now() / 1000)) return { kind: "robot", robot: r };
        return { kind: "anonymous" };
    }
    const u = state.users.get(b.user);
    return u && u.password === b.password ? { kind: "user", name: b.user, id: u.id, sysadmin: u.sysadmin } : { kind: "anonymous" };
}

// common/rbac/project/rbac_util.go publicProjectPolicies, reduced to what the stack's calls touch.
const PUBLIC_PROJECT: readonly string[] = ["project:read", "repository:pull", "artifact:read", "artifact:list"];

/** Whether the caller may do `resource:action` in project `p` (security/local and security/robot Can). */
function can(c: Caller, p: HarborProjectState | undefined, resource: string, action: string): boolean {
    const want = `${resource}:${action}`;
    if (c.kind === "user") {
        if (c.sysadmin) return true;
        if (!p) return false;
        const role = p.members.get(c.id);
        if (role) return ROLE_ACTIONS[role]!.includes(want);
        // A public project lets any signed-in user read and pull (rbac/project evaluator, public namespace).
        return p.public && PUBLIC_PROJECT.includes(want);
    }
    if (c.kind === "robot") {
        if (!p) return false;
        return c.robot.permissions.some(
            (perm) => perm.kind === "project" && (perm.namespace === "*" || perm.namespace === p.name) && perm.access.some((a) => a.resource === resource && a.action === action),
        );
    }
    return !!p && p.public && PUBLIC_PROJECT.includes(want);
}

// handler/base.go RequireProjectAccess: a project the caller may not see — including one that does
// not exist, for anyone but a system admin — is 403, not 404; anonymous is 401.
function requireProject(c: Caller, p: HarborProjectState | undefined, resource: string, action: string): Reply | undefined {
    if (c.kind === "user" && c.sysadmin) return undefined;
    if (can(c, p, resource, action)) return undefined;
    return c.kind === "anonymous" ? err("UNAUTHORIZED", "unauthorized") : err("FORBIDDEN", "forbidden");
}

function projectJson(state: HarborState, p: HarborProjectState): unknown {
    const owner = [...state.users.entries()].find(([, u]) => u.id === p.ownerId)?.[0] ?? "admin";
    return { project_id: p.id, owner_id: p.ownerId, owner_name: owner, name: p.name, registry_id: 0, repo_count: p.repoCount, deleted: false, metadata: { public: String(p.public) } };
}

// handler/model/robot.go ToSwagger (no secret) and controller.populate (prefix added to v2 robots).
function robotJson(state: HarborState, r: HarborRobotState): unknown {
    return {
        id: r.id,
        name: `${state.robotPrefix}${r.name}`,
        description: r.description,
        level: r.projectId === 0 ? "system" : "project",
        duration: r.duration,
        editable: true,
        disable: r.disabled,
        expires_at: r.expiresAt,
        permissions: r.permissions.map((p) => ({ kind: p.kind, namespace: p.namespace, access: p.access.map((a) => ({ resource: a.resource, action: a.action, effect: a.effect ?? "" })) })),
        creator_type: r.creatorType,
        creator_ref: r.creatorRef,
        creation_time: new Date().toISOString(),
        update_time: new Date().toISOString(),
    };
}

class BadBody {
    constructor(readonly reply: Reply) {}
}
function parseBody(body: string): Record<string, any> | BadBody {
    try {
        const v = JSON.parse(body || "null");
        // go-swagger binds the body before the handler runs: a missing or non-object body is a 422.
        return v && typeof v === "object" && !Array.isArray(v) ? v : new BadBody(err("UNPROCESSABLE_ENTITY", "parsing body from \"\" failed"));
    } catch {
        return new BadBody(err("BAD_REQUEST", "parsing body body from \"\" failed, because invalid character"));
    }
}

// handler/project.go parseProjectNameOrID: a number is an id unless X-Is-Resource-Name is true.
function projectByNameOrId(state: HarborState, raw: string, headers: IncomingHttpHeaders): HarborProjectState | undefined {
    const isName = String(headers["x-is-resource-name"] ?? "").toLowerCase() === "true";
    if (!isName && /^\d+$/.test(raw)) return state.projectById(Number(raw));
    return state.projects.get(raw);
}

export type HarborEmulator = Emulator<HarborState>;

/** Starts the emulator with one system admin (`HARBOR_ADMIN` / `HARBOR_PASSWORD` unless overridden). */
export async function start(opts: { username?: string; password?: string } = {}): Promise<HarborEmulator> {
    const state = new HarborState();
    state.addUser(opts.username ?? HARBOR_ADMIN, opts.password ?? HARBOR_PASSWORD, { sysadmin: true });
    // A fault is what the nginx in front of core answers when core is down or restarting: plain text.
    return startEmulator(state, (req) => handle(state, req), (status) => ({ status, headers: { "Content-Type": "text/plain" }, body: `${status} emulated fault` }));
}
export const startHarborEmulator = start;

function handle(state: HarborState, req: EmulatorRequest): Reply {
    const { method, path } = req;
    if (!state.ready) return { status: 503, body: "Service Unavailable" };
    const c = authenticate(state, req.headers);
    if (path === "/service/token" && method === "GET") return token(state, c, req.query);
    if (!path.startsWith("/api/v2.0/")) return { status: 404, body: "404 page not found" };
    // Segments split from the raw path, then decoded: a robot name may hold '+' and '$'.
    const seg = req.rawPath.slice("/api/v2.0/".length).split("/").map(decodeURIComponent);

    if (seg[0] === "ping" && method === "GET") return json(200, "Pong");
    if (seg[0] === "users" && seg[1] === "current" && method === "GET") {
        // handler/user.go GetCurrentUserInfo: RequireAuthenticated, then only a local user has one.
        if (c.kind === "anonymous") return err("UNAUTHORIZED", "unauthorized");
        if (c.kind === "robot") return err("PRECONDITION", "get current user not available for security context: robot");
        return json(200, { user_id: c.id, username: c.name, sysadmin_flag: c.sysadmin });
    }
    if (seg[0] === "projects") return projects(state, c, req, seg.slice(1));
    if (seg[0] === "robots") return robots(state, c, req, seg.slice(1));
    return err("NOT_FOUND", "not found");
}

function projects(state: HarborState, c: Caller, req: EmulatorRequest, rest: string[]): Reply {
    const { method } = req;
    if (rest.length === 0 && method === "POST") {
        // handler/project.go CreateProject
        if (c.kind === "anonymous") return err("UNAUTHORIZED", "unauthorized");
        if (c.kind === "robot" && c.robot.projectId !== 0) return err("FORBIDDEN", "Only system level robot can create project");
        if (state.onlyAdminCreateProject && !(c.kind === "user" && c.sysadmin)) return err("FORBIDDEN", "Only system admin can create project");
        const b = parseBody(req.body);
        if (b instanceof BadBody) return b.reply;
        const name = typeof b.project_name === "string" ? b.project_name : "";
        const pub = b.metadata?.public ?? (typeof b.public === "boolean" ? String(b.public) : "false");
        if (pub !== "true" && pub !== "false") return err("BAD_REQUEST", `metadata.public should only be 'true' or 'false', but got: '${pub}'`);
        // pkg/project/manager.go Create: length 1-255, then the restricted name pattern.
        if (name.length < 1 || name.length > 255) return err("BAD_REQUEST", `Project name ${name} is illegal in length. (greater than 255 or less than 1)`);
        if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(name)) return err("BAD_REQUEST", "project name is not in lower case or contains illegal characters");
        // pkg/project/dao/dao.go Create: the unique name index → conflict.
        if (state.projects.has(name)) return err("CONFLICT", `The project named ${name} already exists`);
        const ownerId = c.kind === "user" ? c.id : [...state.users.values()].find((u) => u.sysadmin)!.id;
        const p = state.addProject(name, { public: pub === "true", ownerId });
        // The creator becomes the project's admin (controller/project Create adds the owner as member).
        if (c.kind === "user") p.members.set(c.id, "projectAdmin");
        // 201 with an empty body; the id only in Location (unless X-Resource-Name-In-Location).
        return { status: 201, headers: { Location: `/api/v2.0/projects/${p.id}` }, body: "" };
    }
    if (rest[1] === "repositories") return artifacts(state, c, req, rest);
    if (rest.length !== 1) return err("NOT_FOUND", "not found");
    const p = projectByNameOrId(state, rest[0]!, req.headers);
    if (method === "GET") {
        const denied = requireProject(c, p, "project", "read");
        if (denied) return denied;
        return p ? json(200, projectJson(state, p)) : err("NOT_FOUND", `project ${rest[0]} not found`);
    }
    if (method === "DELETE") {
        const denied = requireProject(c, p, "project", "delete");
        if (denied) return denied;
        if (!p) return err("NOT_FOUND", `project ${rest[0]} not found`);
        // handler/project.go deletable: a project holding repositories is refused with 412.
        if (p.repoCount > 0) return err("PRECONDITION", "the project contains repositories, can not be deleted");
        state.projects.delete(p.name);
        // ...and its robots go with it (robotMgr.DeleteByProjectID).
        for (const r of [...state.robots.values()]) if (r.projectId === p.id) state.robots.delete(r.id);
        return json(200, undefined);
    }
    return err("METHOD_NOT_ALLOWED", "method not allowed");
}

// GET /projects/{project_name}/repositories/{repository_name}/artifacts/{reference} (handler/artifact.go
// GetArtifact): RequireProjectAccess(artifact:read) first — 401 anonymous, 403 without the right, also
// for a project that does not exist —, then controller GetByReference: a digest or a tag; an unknown
// repository or tag is 404. Only this route of the repositories API is modelled.
function artifacts(state: HarborState, c: Caller, req: EmulatorRequest, rest: string[]): Reply {
    if (rest.length !== 5 || rest[3] !== "artifacts" || req.method !== "GET") return err("NOT_FOUND", "not found");
    const p = state.projects.get(rest[0]!);
    const denied = requireProject(c, p, "artifact", "read");
    if (denied) return denied;
    // The router has decoded the path once; Prepare's unescapePathParams decodes repository_name again
    // (a/b is sent as a%252Fb). A single-encoded slash has split the path: no such route.
    let name: string;
    try {
        name = decodeURIComponent(rest[2]!);
    } catch {
        return err("BAD_REQUEST", `invalid repository name ${rest[2]!}`);
    }
    const full = `${rest[0]!}/${name}`;
    const repo = state.repositories.get(full);
    if (!p || !repo) return err("NOT_FOUND", `repository ${full} not found`);
    const ref = rest[4]!;
    const isDigest = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(ref);
    const art = isDigest ? repo.artifacts.find((a) => a.digest === ref) : repo.artifacts.find((a) => a.tags.some((t) => t.name === ref));
    if (!art) return err("NOT_FOUND", isDigest ? `artifact ${full}@${ref} not found` : `artifact ${full}:${ref} not found`);
    const withTag = (req.query.get("with_tag") ?? "true") !== "false";
    return json(200, {
        id: art.id,
        type: "IMAGE",
        media_type: "application/vnd.oci.image.config.v1+json",
        manifest_media_type: "application/vnd.oci.image.manifest.v1+json",
        project_id: p.id,
        repository_id: repo.id,
        repository_name: full,
        digest: art.digest,
        size: art.size,
        icon: "sha256:0048162a053eef4d4ce3fe7518615bef084403614f8bca43b40ae2e762e11e06",
        push_time: art.pushTime,
        pull_time: "0001-01-01T00:00:00.000Z",
        extra_attrs: { architecture: "amd64", os: "linux" },
        annotations: null,
        references: null,
        ...(withTag ? { tags: art.tags.map((t) => ({ id: t.id, repository_id: repo.id, artifact_id: art.id, name: t.name, push_time: t.pushTime, pull_time: "0001-01-01T00:00:00.000Z", immutable: false })) } : {}),
        addition_links: { build_history: { absolute: false, href: `/api/v2.0/projects/${p.name}/repositories/${encodeURIComponent(encodeURIComponent(name))}/artifacts/${art.digest}/additions/build_history` } },
        accessories: null,
    });
}

function robots(state: HarborState, c: Caller, req: EmulatorRequest, rest: string[]): Reply {
    const { method } = req;
    if (rest.length === 0 && method === "GET") return listRobots(state, c, req.query);
    if (rest.length === 0 && method === "POST") return createRobot(state, c, req.body);
    if (rest.length !== 1 || !/^\d+$/.test(rest[0]!)) return err("NOT_FOUND", "not found");
    // Every /robots/{id} handler starts with RequireAuthenticated, then robotCtl.Get (404).
    if (c.kind === "anonymous") return err("UNAUTHORIZED", "unauthorized");
    const r = state.robots.get(Number(rest[0]));
    if (!r) return err("NOT_FOUND", `robot ${rest[0]} not found`);
    const p = state.projectById(r.projectId);
    const access = (action: string) => (r.projectId === 0 ? (c.kind === "user" && c.sysadmin ? undefined : err("FORBIDDEN", "forbidden")) : requireProject(c, p, "robot", action));
    if (method === "GET") return access("read") ?? json(200, robotJson(state, r));
    if (method === "DELETE") {
        const denied = access("delete");
        if (denied) return denied;
        state.robots.delete(r.id);
        return json(200, undefined);
    }
    if (method === "PATCH") {
        // robot.go RefreshSec: an empty secret → Harbor generates one and returns it; a given one
        // must pass IsValidSec and is not echoed.
        const denied = access("update");
        if (denied) return denied;
        const b = parseBody(req.body);
        if (b instanceof BadBody) return b.reply;
        const given = typeof b.secret === "string" ? b.secret : "";
        if (given) {
            if (!isValidSecret(given)) return err("BAD_REQUEST", "the secret must be 8-128, inclusively, characters long with at least 1 uppercase letter, 1 lowercase letter and 1 number");
            r.secret = given;
            return json(200, { secret: "" });
        }
        r.secret = generateSecret();
        return json(200, { secret: r.secret });
    }
    if (method === "PUT") {
        // robot.go updateV2Robot
        const b = parseBody(req.body);
        if (b instanceof BadBody) return b.reply;
        const duration = typeof b.duration === "number" ? b.duration : r.duration;
        const problem = validate(duration, b.level, b.permissions);
        if (problem) return problem;
        if (r.projectId !== 0) {
            const target = state.projects.get(String(b.permissions[0].namespace));
            if (!target) return err("NOT_FOUND", `project ${String(b.permissions[0].namespace)} not found`);
            if (target.id !== r.projectId) return err("BAD_REQUEST", "cannot update the project id of robot");
        }
        const denied = access("update");
        if (denied) return denied;
        if (b.level !== (r.projectId === 0 ? "system" : "project") || b.name !== `${state.robotPrefix}${r.name}`) return err("BAD_REQUEST", "cannot update the level or name of robot");
        r.duration = duration;
        r.description = typeof b.description === "string" ? b.description : "";
        r.disabled = b.disable === true;
        r.permissions = copyPermissions(b.permissions);
        return json(200, undefined);
    }
    return err("METHOD_NOT_ALLOWED", "method not allowed");
}

// robot.go validate: duration -1 or positive; level system|project; permissions non-empty, each with
// access; a project robot has exactly one permission; every access in the scope's policy list.
function validate(duration: unknown, level: unknown, permissions: unknown): Reply | undefined {
    if (typeof duration !== "number" || !(duration === -1 || (duration > 0 && duration < 2 ** 31 - 1))) {
        return err("BAD_REQUEST", `bad request error duration input: ${JSON.stringify(duration ?? 0)}, duration must be either -1(Never) or a positive integer`);
    }
    if (level !== "system" && level !== "project") return err("BAD_REQUEST", `bad request error level input: ${typeof level === "string" ? level : ""}`);
    if (!Array.isArray(permissions) || permissions.length === 0) return err("BAD_REQUEST", "bad request empty permission");
    for (const p of permissions as HarborPermissionState[]) if (!Array.isArray(p?.access) || p.access.length === 0) return err("BAD_REQUEST", "bad request empty access");
    if (level === "project" && permissions.length > 1) return err("BAD_REQUEST", "bad request permission");
    for (const p of permissions as HarborPermissionState[]) {
        if (p.kind !== "project") return err("BAD_REQUEST", `bad request permission level: ${String(p.kind)}`);
        for (const a of p.access) if (!PROJECT_SCOPE.includes(`${a.resource}:${a.action}`)) return err("BAD_REQUEST", `bad request permission: ${a.resource}:${a.action}`);
    }
    return undefined;
}

function copyPermissions(ps: HarborPermissionState[]): HarborPermissionState[] {
    return ps.map((p) => ({ kind: p.kind, namespace: p.namespace, access: p.access.map((a) => ({ resource: a.resource, action: a.action, ...(a.effect ? { effect: a.effect } : {}) })) }));
}

function createRobot(state: HarborState, c: Caller, body: string): Reply {
    const b = parseBody(body);
    if (b instanceof BadBody) return b.reply;
    const name = typeof b.name === "string" ? b.name : "";
    // robot.go validateName: lower case, no '+' (it separates project and name).
    if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(name)) return err("BAD_REQUEST", "robot name is not in lower case or contains illegal characters");
    // RobotCreate.duration is a plain int64: omitted means 0, which validate refuses.
    const problem = validate(typeof b.duration === "number" ? b.duration : 0, b.level, b.permissions);
    if (problem) return problem;
    if (b.level !== "project") {
        // requireAccess at system level: only a system admin; system robots are not modelled further.
        if (!(c.kind === "user" && c.sysadmin)) return c.kind === "anonymous" ? err("UNAUTHORIZED", "unauthorized") : err("FORBIDDEN", "forbidden");
        throw new Error("harbor emulator: system-level robots are not modelled");
    }
    const nsName = String(b.permissions[0].namespace);
    const p = state.projects.get(nsName);
    const denied = requireProject(c, p, "robot", "create");
    if (denied) return denied;
    if (c.kind === "robot") return err("DENIED", `permission scope is invalid. It must be equal to or more restrictive than the creator robot's permissions: ${state.robotPrefix}${c.robot.name}`);
    // robot.SetProject: a sysadmin past the access check still needs the project to exist.
    if (!p) return err("NOT_FOUND", `project ${nsName} not found`);
    const stored = `${p.name}+${name}`;
    // pkg/robot/dao/dao.go Create: unique (name, project) → conflict.
    if ([...state.robots.values()].some((r) => r.name === stored && r.projectId === p.id)) return err("CONFLICT", `robot account ${p.id}:${stored} already exists`);
    const duration = b.duration as number;
    const r: HarborRobotState = {
        id: state.nextId(),
        name: stored,
        description: typeof b.description === "string" ? b.description : "",
        projectId: p.id,
        duration,
        expiresAt: duration === -1 ? -1 : Math.floor(Date.now() / 1000) + duration * 86400,
        disabled: b.disable === true,
        secret: generateSecret(),
        permissions: copyPermissions(b.permissions),
        creatorType: "local",
        creatorRef: c.kind === "user" ? c.id : 0,
    };
    state.robots.set(r.id, r);
    return {
        ...json(201, { id: r.id, name: `${state.robotPrefix}${r.name}`, secret: r.secret, creation_time: new Date().toISOString(), expires_at: r.expiresAt }),
        headers: { "Content-Type": "application/json", Location: `/api/v2.0/robots/${r.id}` },
    };
}

// robot.go ListRobot: no Level → system robots; Level=project needs a positive ProjectID. Paged
// (swagger: page default 1, page_size default 10, maximum 100), X-Total-Count and Link headers.
function listRobots(state: HarborState, c: Caller, query: URLSearchParams): Reply {
    const page = Number(query.get("page") ?? "1");
    const size = Number(query.get("page_size") ?? "10");
    // go-swagger validates the parameters before the handler runs (restapi/embedded_spec.go): 422.
    if (!Number.isInteger(size) || size < 1 || size > 100) return err("UNPROCESSABLE_ENTITY", "page_size in query should be less than or equal to 100");
    if (c.kind === "anonymous") return err("UNAUTHORIZED", "unauthorized");
    const kw = new Map((query.get("q") ?? "").split(",").filter(Boolean).map((kv) => kv.split("=", 2) as [string, string]));
    const level = kw.get("Level") ?? "system";
    if (level !== "system" && level !== "project") return err("BAD_REQUEST", "bad request error level input");
    let projectId = 0;
    if (level === "project") {
        if (!kw.has("ProjectID")) return err("BAD_REQUEST", "must with project ID when to query project robots");
        projectId = Number(kw.get("ProjectID"));
        if (!Number.isInteger(projectId) || projectId <= 0) return err("BAD_REQUEST", "ProjectID must be a positive integer");
        const denied = requireProject(c, state.projectById(projectId), "robot", "list");
        if (denied) return denied;
    } else if (!(c.kind === "user" && c.sysadmin)) return err("FORBIDDEN", "forbidden");
    const all = [...state.robots.values()].filter((r) => r.projectId === projectId).sort((a, b) => a.name.localeCompare(b.name));
    const slice = all.slice((page - 1) * size, page * size);
    return json(200, slice.map((r) => robotJson(state, r)), { "X-Total-Count": String(all.length) });
}

// core/service/token/creator.go: the scopes asked for, each filtered to what the login may do
// (pull/push/delete by rbac); anonymous without a scope is 401 (docker login).
function token(state: HarborState, c: Caller, query: URLSearchParams): Reply {
    const scopes = query.getAll("scope").filter((s) => s.split(":").length >= 3);
    if (c.kind === "anonymous" && scopes.length === 0) return { status: 401, headers: { "Content-Type": "application/json" }, body: JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "Unauthorized" }] }) };
    const access = scopes.map((s) => {
        const [type, name] = s.split(":") as [string, string];
        const project = state.projects.get(name.split("/")[0]!);
        // repositoryFilter replaces the requested actions by every action the login has there.
        const granted = project ? ["pull", "push", "delete"].filter((a) => can(c, project, "repository", a)) : [];
        return { type, name, actions: type === "repository" ? granted : [] };
    });
    const claims = { iss: "harbor-token-issuer", sub: c.kind === "robot" ? `${state.robotPrefix}${c.robot.name}` : c.kind === "user" ? c.name : "", aud: query.get("service") ?? "", access };
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    return json(200, { token: `${b64({ alg: "RS256", typ: "JWT" })}.${b64(claims)}.emulated`, expires_in: 1800, issued_at: new Date().toISOString() });
}

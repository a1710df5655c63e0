import * as assert from "node:assert/strict";
import { HarborClient, HarborConnection, robotFullName } from "../../components/seed/harborClient";
import { HttpError, ReadinessTimeoutError } from "../../components/seed/http";
import { HARBOR_ADMIN, HARBOR_PASSWORD, HarborEmulator, start } from "../support/harborEmulator";

// Small delays so the retry paths run in milliseconds.
const FAST = { retries: 3, retryDelayMs: 1, maxRetryDelayMs: 5, timeoutMs: 1000 } as const;
const PUSH_PULL = [
    { resource: "repository", action: "push" },
    { resource: "repository", action: "pull" },
];
const robotSpec = { project: "bootcamp", name: "ci-stack", description: "pipeline", duration: -1, access: PUSH_PULL };

describe("HarborClient against the Harbor emulator", () => {
    let emu: HarborEmulator;
    let lines: string[];
    let conn: HarborConnection;
    let harbor: HarborClient;

    beforeEach(async () => {
        emu = await start();
        lines = [];
        conn = { url: emu.url, username: HARBOR_ADMIN, password: HARBOR_PASSWORD, ...FAST, log: (l) => lines.push(l) };
        harbor = new HarborClient(conn);
    });
    afterEach(() => emu.close());

    describe("readiness and credentials", () => {
        it("waits for /ping, then checks the credentials once", async () => {
            emu.state.ready = false;
            setTimeout(() => (emu.state.ready = true), 60);
            await harbor.waitReady(5000);
            assert.ok(emu.requests("GET", "/api/v2.0/ping").some((r) => r.status === 503));
            assert.deepEqual(emu.requests("GET", "/api/v2.0/users/current").map((r) => r.status), [200]);
        });

        it("fails at once with 401 for a wrong password, naming neither password nor auth header", async () => {
            const wrong = new HarborClient({ ...conn, password: "Wrong-Pa55" });
            await assert.rejects(wrong.waitReady(5000), (e: unknown) => {
                assert.ok(e instanceof HttpError);
                assert.equal(e.status, 401);
                assert.match(e.message, /GET \/api\/v2\.0\/users\/current: HTTP 401 — UNAUTHORIZED: unauthorized/);
                assert.ok(!e.message.includes("Wrong-Pa55"));
                return true;
            });
            assert.ok(!lines.join("\n").includes(HARBOR_PASSWORD));
        });

        it("gives up after its bound", async () => {
            emu.state.ready = false;
            await assert.rejects(harbor.waitReady(150), (e: unknown) => e instanceof ReadinessTimeoutError && /Harbor at .* not ready after 0\.2 s/.test(e.message));
        });
    });

    describe("projects", () => {
        it("creates a private project and reads it back (the id comes only from a GET)", async () => {
            const { project, adopted } = await harbor.createProject("bootcamp", { public: false });
            assert.equal(adopted, false);
            assert.equal(project.name, "bootcamp");
            assert.equal(project.project_id, emu.state.projects.get("bootcamp")!.id);
            assert.equal(emu.state.projects.get("bootcamp")!.public, false);
            assert.ok(emu.requests("GET").every((r) => r.headers["x-is-resource-name"] === "true" || !r.path.startsWith("/api/v2.0/projects/")), "project names are sent as names");
        });

        it("adopts on 409, and after a 5xx that had created it counts it as its own", async () => {
            emu.state.addProject("bootcamp", { public: true });
            assert.equal((await harbor.createProject("bootcamp", { public: false })).adopted, true);
            emu.faults.fail(1, { afterApply: true, match: (r) => r.method === "POST" });
            const r = await harbor.createProject("fresh", { public: false });
            assert.equal(r.adopted, false, "the retry's 409 after an applied attempt is our own project");
            assert.deepEqual(emu.requests("POST", "/api/v2.0/projects").slice(-2).map((x) => x.status), [503, 409]);
        });

        it("a missing project reads as undefined; a name Harbor refuses is an error with Harbor's message", async () => {
            assert.equal(await harbor.getProject("nope"), undefined);
            await assert.rejects(harbor.createProject("Bad Name", { public: false }), /HTTP 400 — BAD_REQUEST: project name is not in lower case/);
        });

        it("delete: absent is fine; a project holding images is left (412 → not-empty)", async () => {
            assert.equal(await harbor.deleteProject("nope"), "deleted");
            emu.state.addProject("bootcamp", { repoCount: 1 });
            assert.equal(await harbor.deleteProject("bootcamp"), "not-empty");
            assert.ok(emu.state.projects.has("bootcamp"));
        });
    });

    describe("robots", () => {
        let pid: number;
        beforeEach(() => (pid = emu.state.addProject("bootcamp").id));

        it("creates a project robot with exactly the given access and returns the one-time secret", async () => {
            const r = await harbor.createProjectRobot(robotSpec);
            assert.ok(!("exists" in r));
            assert.equal(r.name, robotFullName("bootcamp", "ci-stack"));
            const stored = emu.state.robots.get(r.id)!;
            assert.equal(stored.secret, r.secret);
            assert.deepEqual(stored.permissions, [{ kind: "project", namespace: "bootcamp", access: PUSH_PULL }]);
            assert.equal(stored.duration, -1);
            assert.ok(!lines.join("\n").includes(r.secret), "the secret never reaches a log line");
        });

        it("409 → exists (ambiguous only after an attempt that may have applied); finds it across pages", async () => {
            for (let i = 0; i < 120; i++) emu.state.addProjectRobot("bootcamp", `a${String(i).padStart(3, "0")}`);
            emu.state.addProjectRobot("bootcamp", "ci-stack");
            assert.deepEqual(await harbor.createProjectRobot(robotSpec), { exists: true, ambiguous: false });
            const found = await harbor.findProjectRobot(pid, "bootcamp", "ci-stack");
            assert.equal(found?.name, "robot$bootcamp+ci-stack");
            assert.deepEqual(emu.requests("GET", "/api/v2.0/robots").map((r) => new URLSearchParams(r.query).get("page")), ["1", "2"]);

            emu.faults.fail(1, { afterApply: true, match: (r) => r.method === "POST" });
            assert.deepEqual(await harbor.createProjectRobot({ ...robotSpec, name: "other" }), { exists: true, ambiguous: true });
        });

        it("updates permissions and enables; refreshes the secret; checks credentials; deletes", async () => {
            const created = await harbor.createProjectRobot(robotSpec);
            assert.ok(!("exists" in created));
            const stored = emu.state.robots.get(created.id)!;
            stored.disabled = true;
            stored.permissions = [{ kind: "project", namespace: "bootcamp", access: [...PUSH_PULL, { resource: "repository", action: "delete" }] }];
            assert.equal(await harbor.robotCredentialsValid(created.name, created.secret), false, "a disabled robot is refused");
            await harbor.updateProjectRobot((await harbor.getRobot(created.id))!, { project: "bootcamp", description: "pipeline", access: PUSH_PULL });
            assert.deepEqual([stored.disabled, stored.permissions[0]!.access], [false, PUSH_PULL]);
            assert.equal(await harbor.robotCredentialsValid(created.name, created.secret), true);

            const fresh = await harbor.refreshRobotSecret(created.id);
            assert.notEqual(fresh, created.secret);
            assert.equal(await harbor.robotCredentialsValid(created.name, created.secret), false);
            assert.equal(await harbor.robotCredentialsValid(created.name, fresh), true);
            assert.ok(!lines.join("\n").includes(fresh));

            await harbor.deleteRobot(created.id);
            await harbor.deleteRobot(created.id);
            assert.equal(await harbor.getRobot(created.id), undefined);
        });

        it("names Harbor's error for a refused robot and never a credential", async () => {
            await assert.rejects(harbor.createProjectRobot({ ...robotSpec, name: "Bad+Name" }), (e: Error) => {
                assert.match(e.message, /POST \/api\/v2\.0\/robots: HTTP 400 — BAD_REQUEST: robot name is not in lower case/);
                assert.ok(!e.message.includes(HARBOR_PASSWORD));
                return true;
            });
        });
    });
});

// The Harbor emulator enforces the documented behaviour by itself (raw fetch, no client in between),
// so a client or provider test passing against it means something.
import * as assert from "node:assert/strict";
import { HARBOR_ADMIN, HARBOR_PASSWORD, HarborEmulator, start } from "../support/harborEmulator";

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`;
const ADMIN = { Authorization: basic(HARBOR_ADMIN, HARBOR_PASSWORD), "Content-Type": "application/json" };
const PUSH_PULL = [
    { resource: "repository", action: "push" },
    { resource: "repository", action: "pull" },
];

describe("Harbor emulator", () => {
    let emu: HarborEmulator;
    const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = ADMIN) =>
        fetch(`${emu.url}/api/v2.0${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const errorOf = async (res: Response) => ((await res.json()) as { errors: { code: string; message: string }[] }).errors[0]!;
    const robotBody = (over: Record<string, unknown> = {}) => ({
        name: "ci",
        level: "project",
        duration: -1,
        permissions: [{ kind: "project", namespace: "bootcamp", access: PUSH_PULL }],
        ...over,
    });

    beforeEach(async () => {
        emu = await start();
        emu.state.addProject("bootcamp");
    });
    afterEach(() => emu.close());

    it("answers ping without auth; wrong credentials fall back to anonymous and get 401 where a user is needed", async () => {
        assert.equal(await (await fetch(`${emu.url}/api/v2.0/ping`)).json(), "Pong");
        assert.equal((await call("GET", "/users/current", undefined, {})).status, 401);
        const wrong = await call("GET", "/users/current", undefined, { Authorization: basic(HARBOR_ADMIN, "nope") });
        assert.equal(wrong.status, 401);
        assert.deepEqual(await errorOf(wrong), { code: "UNAUTHORIZED", message: "unauthorized" });
        assert.equal(((await (await call("GET", "/users/current")).json()) as { sysadmin_flag: boolean }).sysadmin_flag, true);
    });

    it("projects: 201 with the id in Location only, 409 for a taken name, 400 for an illegal one; X-Is-Resource-Name decides name vs id", async () => {
        const created = await call("POST", "/projects", { project_name: "123", metadata: { public: "false" } });
        assert.equal(created.status, 201);
        assert.equal(await created.text(), "");
        const id = Number(created.headers.get("location")!.split("/").pop());
        assert.equal((await call("POST", "/projects", { project_name: "123" })).status, 409);
        assert.equal((await call("POST", "/projects", { project_name: "Bad_Name" })).status, 400);
        // "123" without the header is an id (there is no project 123), with it a name.
        assert.equal((await call("GET", "/projects/123")).status, 404);
        const byName = await call("GET", "/projects/123", undefined, { ...ADMIN, "X-Is-Resource-Name": "true" });
        assert.equal(((await byName.json()) as { project_id: number }).project_id, id);
    });

    it("a project that does not exist is 403, not 404, for anyone but a system admin; one holding images cannot be deleted (412)", async () => {
        emu.state.addUser("dev", "Dev12345");
        const dev = { Authorization: basic("dev", "Dev12345") };
        assert.equal((await call("GET", "/projects/nope", undefined, { ...dev, "X-Is-Resource-Name": "true" })).status, 403);
        assert.equal((await call("GET", "/projects/nope", undefined, { ...ADMIN, "X-Is-Resource-Name": "true" })).status, 404);
        emu.state.projects.get("bootcamp")!.repoCount = 2;
        const del = await call("DELETE", "/projects/bootcamp", undefined, { ...ADMIN, "X-Is-Resource-Name": "true" });
        assert.equal(del.status, 412);
        assert.match((await errorOf(del)).message, /contains repositories/);
    });

    it("robots: the secret once, the name prefixed robot$<project>+<name>, 409 for a second one; GET never shows the secret", async () => {
        const res = await call("POST", "/robots", robotBody());
        assert.equal(res.status, 201);
        const created = (await res.json()) as { id: number; name: string; secret: string };
        assert.equal(created.name, "robot$bootcamp+ci");
        assert.match(created.secret, /^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)[A-Za-z0-9]{8,128}$/);
        assert.equal((await call("POST", "/robots", robotBody())).status, 409);
        const got = (await (await call("GET", `/robots/${created.id}`)).json()) as Record<string, unknown>;
        assert.equal(got.secret, undefined);
        assert.deepEqual(got.permissions, [{ kind: "project", namespace: "bootcamp", access: PUSH_PULL.map((a) => ({ ...a, effect: "" })) }]);
    });

    it("robots: validates name, duration, level, the one-permission rule and the project scope", async () => {
        const bad = async (over: Record<string, unknown>, message: RegExp) => {
            const res = await call("POST", "/robots", robotBody(over));
            assert.equal(res.status, 400, JSON.stringify(over));
            assert.match((await errorOf(res)).message, message);
        };
        await bad({ name: "CI" }, /lower case/);
        await bad({ name: "a+b" }, /illegal characters/);
        await bad({ duration: undefined }, /duration input: 0/);
        await bad({ level: "galaxy" }, /level input: galaxy/);
        await bad({ permissions: [] }, /empty permission/);
        await bad({ permissions: [{ kind: "project", namespace: "bootcamp", access: [] }] }, /empty access/);
        const two = [{ kind: "project", namespace: "bootcamp", access: PUSH_PULL }, { kind: "project", namespace: "other", access: PUSH_PULL }];
        await bad({ permissions: two }, /bad request permission$/);
        await bad({ permissions: [{ kind: "project", namespace: "bootcamp", access: [{ resource: "user", action: "create" }] }] }, /permission: user:create/);
        const missing = await call("POST", "/robots", robotBody({ permissions: [{ kind: "project", namespace: "nope", access: PUSH_PULL }] }));
        assert.equal(missing.status, 404);
    });

    it("lists a project's robots only with Level=project and a ProjectID, 10 per page by default, 100 at most", async () => {
        for (let i = 0; i < 12; i++) emu.state.addProjectRobot("bootcamp", `r${String(i).padStart(2, "0")}`);
        const pid = emu.state.projects.get("bootcamp")!.id;
        assert.equal((await call("GET", "/robots?q=Level%3Dproject")).status, 400);
        const first = await call("GET", `/robots?q=${encodeURIComponent(`Level=project,ProjectID=${pid}`)}`);
        assert.equal(first.headers.get("x-total-count"), "12");
        assert.equal(((await first.json()) as unknown[]).length, 10);
        const second = await call("GET", `/robots?q=${encodeURIComponent(`Level=project,ProjectID=${pid}`)}&page=2`);
        assert.equal(((await second.json()) as unknown[]).length, 2);
        assert.equal((await call("GET", `/robots?q=${encodeURIComponent(`Level=project,ProjectID=${pid}`)}&page_size=101`)).status, 422);
    });

    it("robot credentials: valid → 412 on /users/current; a refreshed, disabled or deleted robot → anonymous (401)", async () => {
        const { id, secret } = (await (await call("POST", "/robots", robotBody())).json()) as { id: number; secret: string };
        const as = (s: string) => call("GET", "/users/current", undefined, { Authorization: basic("robot$bootcamp+ci", s) });
        assert.equal((await as(secret)).status, 412);
        const refreshed = (await (await call("PATCH", `/robots/${id}`, {})).json()) as { secret: string };
        assert.notEqual(refreshed.secret, secret);
        assert.equal((await as(secret)).status, 401);
        assert.equal((await as(refreshed.secret)).status, 412);
        // A chosen secret must be complex enough and is not echoed back.
        assert.equal((await call("PATCH", `/robots/${id}`, { secret: "short" })).status, 400);
        assert.deepEqual(await (await call("PATCH", `/robots/${id}`, { secret: "Chosen-Secret-1" })).json(), { secret: "" });
        emu.state.robots.get(id)!.disabled = true;
        assert.equal((await as("Chosen-Secret-1")).status, 401);
        assert.equal((await call("DELETE", `/robots/${id}`)).status, 200);
        assert.equal((await call("GET", `/robots/${id}`)).status, 404);
    });

    it("PUT keeps name, level and project; a robot cannot manage robots", async () => {
        const { id, secret } = (await (await call("POST", "/robots", robotBody())).json()) as { id: number; secret: string };
        emu.state.addProject("other");
        const put = (over: Record<string, unknown>) => call("PUT", `/robots/${id}`, { ...robotBody({ name: "robot$bootcamp+ci" }), ...over });
        assert.equal((await put({ name: "robot$bootcamp+renamed" })).status, 400);
        assert.equal((await put({ permissions: [{ kind: "project", namespace: "other", access: PUSH_PULL }] })).status, 400);
        assert.equal((await put({ disable: true, description: "x" })).status, 200);
        assert.deepEqual([emu.state.robots.get(id)!.disabled, emu.state.robots.get(id)!.description], [true, "x"]);
        await put({ disable: false });
        const robot = { Authorization: basic("robot$bootcamp+ci", secret), "Content-Type": "application/json" };
        assert.equal((await call("GET", `/robots/${id}`, undefined, robot)).status, 403);
        assert.equal((await call("POST", "/robots", robotBody({ name: "child" }), robot)).status, 403);
    });

    it("the token service grants a login exactly its repository actions: push+pull for the robot on its project only", async () => {
        const { secret } = (await (await call("POST", "/robots", robotBody())).json()) as { secret: string };
        emu.state.addProject("other");
        const grant = async (auth: string | undefined, scope: string) => {
            const res = await fetch(`${emu.url}/service/token?service=harbor-registry${scope ? `&scope=${encodeURIComponent(scope)}` : ""}`, { headers: auth ? { Authorization: auth } : {} });
            if (res.status !== 200) return res.status;
            const { token } = (await res.json()) as { token: string };
            return (JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { access: { actions: string[] }[] }).access[0]!.actions;
        };
        const robot = basic("robot$bootcamp+ci", secret);
        assert.deepEqual(await grant(robot, "repository:bootcamp/notes-app:pull,push"), ["pull", "push"]);
        assert.deepEqual(await grant(robot, "repository:other/x:pull,push"), []);
        assert.deepEqual(await grant(basic(HARBOR_ADMIN, HARBOR_PASSWORD), "repository:other/x:pull,push"), ["pull", "push", "delete"]);
        assert.deepEqual(await grant(basic("robot$bootcamp+ci", "wrong"), "repository:bootcamp/notes-app:push"), [], "a wrong secret is anonymous: nothing on a private project");
        assert.equal(await grant(undefined, ""), 401, "docker login without credentials");
    });

    it("faults: a 5xx after apply leaves the robot created; refuse closes the port", async () => {
        emu.faults.fail(1, { afterApply: true, status: 502 });
        assert.equal((await call("POST", "/robots", robotBody())).status, 502);
        assert.equal(emu.state.projectRobots("bootcamp").length, 1);
        await emu.faults.refuse();
        await assert.rejects(fetch(`${emu.url}/api/v2.0/ping`), (e: any) => e.cause?.code === "ECONNREFUSED");
        await emu.faults.accept();
        assert.equal((await fetch(`${emu.url}/api/v2.0/ping`)).status, 200);
    });
});

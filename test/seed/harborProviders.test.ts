// HarborProject and HarborRobot called directly against the Harbor emulator — create, read, no-op
// diff, drift, update, rotation, adoption, destroy — and through the serialized seedProvider.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { harborProjectProvider, harborRobotProvider, HarborProjectInputs, HarborRobotInputs, HarborRobotOutputs, robotDrift, seedProvider } from "../../components/seed/providers";
import { HARBOR_ADMIN, HARBOR_PASSWORD, HarborEmulator, start } from "../support/harborEmulator";
import { evaluateProvider } from "../support/providerHost";
import { captureLog, writes } from "../support/providerRuns";

const PUSH_PULL = [
    { resource: "repository", action: "push" },
    { resource: "repository", action: "pull" },
];
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`;

describe("Harbor providers (against the emulator)", () => {
    let emu: HarborEmulator;
    const conn = () => ({ url: emu.url, username: HARBOR_ADMIN, password: HARBOR_PASSWORD, readyTimeoutMs: 10_000 });
    /** What Kaniko's login gets on a repository with the robot's credentials (the token service). */
    const pushPullOf = async (user: string, secret: string, repo: string) => {
        const res = await fetch(`${emu.url}/service/token?service=harbor-registry&scope=${encodeURIComponent(`repository:${repo}:pull,push`)}`, { headers: { Authorization: basic(user, secret) } });
        const { token } = (await res.json()) as { token: string };
        return (JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { access: { actions: string[] }[] }).access[0]!.actions.sort();
    };
    beforeEach(async () => (emu = await start()));
    afterEach(() => emu.close());

    describe("HarborProject", () => {
        const inputs = (): HarborProjectInputs => ({ harbor: conn(), name: "bootcamp", public: false });

        it("lifecycle: creates a private project, no-op re-run, drift (deleted by hand), update, destroy deletes its own empty project", async () => {
            const p = harborProjectProvider;
            const { id, outs } = await p.create(inputs());
            const made = emu.state.projects.get("bootcamp")!;
            assert.deepEqual([id, outs!.projectId, outs!.adopted, made.public], ["bootcamp", made.id, false, false]);
            assert.equal((await p.read!(id, outs)).props!.projectId, made.id);

            const before = writes(emu);
            assert.deepEqual(await p.diff!(id, outs!, inputs()), { changes: false });
            assert.equal(writes(emu), before, "a no-op diff writes nothing");

            emu.state.projects.delete("bootcamp");
            assert.deepEqual(await p.read!(id, outs), {}, "refresh reports it gone");
            assert.deepEqual(await p.diff!(id, outs!, inputs()), { changes: true });
            const { outs: outs2 } = await p.update!(id, outs!, inputs());
            assert.equal(outs2!.projectId, emu.state.projects.get("bootcamp")!.id);
            assert.notEqual(outs2!.projectId, outs!.projectId);
            assert.deepEqual(await p.diff!(id, outs2!, inputs()), { changes: false });
            assert.deepEqual(await p.diff!(id, outs2!, { ...inputs(), name: "other" }), { changes: true, replaces: ["name"] });

            await p.delete!(id, outs2!);
            assert.equal(emu.state.projects.has("bootcamp"), false);
        });

        it("adopts an existing project without writing to it, and never deletes it", async () => {
            emu.state.addProject("bootcamp", { public: true });
            const { id, outs } = await harborProjectProvider.create(inputs());
            assert.equal(outs!.adopted, true);
            assert.equal(emu.requests("POST").length, 0);
            assert.equal(emu.state.projects.get("bootcamp")!.public, true, "an adopted project keeps its settings");
            const { lines } = await captureLog(() => harborProjectProvider.delete!(id, outs!));
            assert.ok(emu.state.projects.has("bootcamp"));
            assert.equal(emu.requests("DELETE").length, 0);
            assert.match(lines.join("\n"), /leaving project bootcamp in place \(it existed before the stack\)/);
        });

        it("destroy leaves even its own project when it holds images", async () => {
            const { id, outs } = await harborProjectProvider.create(inputs());
            emu.state.projects.get("bootcamp")!.repoCount = 3;
            const { lines } = await captureLog(() => harborProjectProvider.delete!(id, outs!));
            assert.ok(emu.state.projects.has("bootcamp"));
            assert.match(lines.join("\n"), /it holds images/);
        });

        it("a user who may not create the project gets told what to do, never the password", async () => {
            emu.state.onlyAdminCreateProject = true;
            emu.state.addUser("pusher", "Pusher-Pa55");
            await assert.rejects(harborProjectProvider.create({ ...inputs(), harbor: { ...conn(), username: "pusher", password: "Pusher-Pa55" } }), (e: Error) => {
                assert.match(e.message, /Harbor user "pusher" may not read or create project "bootcamp"/);
                assert.match(e.message, /registry\.robotSecret/);
                assert.ok(!e.message.includes("Pusher-Pa55"));
                return true;
            });
        });
    });

    describe("HarborRobot", () => {
        let pid: number;
        beforeEach(() => (pid = emu.state.addProject("bootcamp").id));
        const inputs = (over: Partial<HarborRobotInputs> = {}): HarborRobotInputs => ({
            harbor: conn(),
            project: "bootcamp",
            projectId: pid,
            name: "ci-stack",
            description: "Kaniko pushes of the ci-stack pipeline",
            access: PUSH_PULL,
            rotation: 0,
            ...over,
        });
        const robots = () => emu.state.projectRobots("bootcamp");

        it("creates a robot with push and pull on its project only; the secret is an output that works, once", async () => {
            const { id, outs } = await harborRobotProvider.create(inputs());
            assert.equal(id, "bootcamp+ci-stack");
            assert.equal(robots().length, 1);
            const r = robots()[0]!;
            assert.deepEqual([outs!.robotId, outs!.fullName, outs!.adopted, outs!.disabled], [r.id, "robot$bootcamp+ci-stack", false, false]);
            assert.deepEqual(r.permissions, [{ kind: "project", namespace: "bootcamp", access: PUSH_PULL }]);
            assert.equal(r.expiresAt, -1);
            assert.equal(outs!.secret, r.secret);
            emu.state.addProject("other");
            assert.deepEqual(await pushPullOf(outs!.fullName, outs!.secret, "bootcamp/notes-app"), ["pull", "push"]);
            assert.deepEqual(await pushPullOf(outs!.fullName, outs!.secret, "other/app"), [], "nothing on another project");
        });

        it("day 2: no-op re-run, drift (disabled / widened / secret changed / deleted by hand), rotation, destroy", async () => {
            const p = harborRobotProvider;
            const { id, outs } = await p.create(inputs());
            let state: HarborRobotOutputs = outs!;
            const before = writes(emu);
            assert.deepEqual(await p.diff!(id, state, inputs()), { changes: false });
            assert.deepEqual((await p.read!(id, state)).props, state, "refresh of a converged robot changes nothing");
            assert.equal(writes(emu), before, "no-op diff and refresh write nothing");

            // Disabled and widened by hand: narrowed and enabled again, the secret kept.
            const r = () => emu.state.robots.get(state.robotId)!;
            r().disabled = true;
            r().permissions = [{ kind: "project", namespace: "*", access: [...PUSH_PULL, { resource: "repository", action: "delete" }] }];
            const refreshed = (await p.read!(id, state)).props as HarborRobotOutputs;
            assert.deepEqual([refreshed.disabled, refreshed.access, refreshed.secret], [true, [], ""], "refresh shows the drift");
            assert.deepEqual(await p.diff!(id, state, inputs()), { changes: true });
            state = (await p.update!(id, state, inputs())).outs as HarborRobotOutputs;
            assert.deepEqual([r().disabled, r().permissions], [false, [{ kind: "project", namespace: "bootcamp", access: PUSH_PULL }]]);
            assert.equal(state.secret, outs!.secret, "an enabled robot's secret works again: no new one");
            assert.deepEqual(await p.diff!(id, state, inputs()), { changes: false });

            // Secret refreshed by hand: the pipeline's copy is dead → a new one is issued.
            r().secret = "Changed-By-Hand-1";
            assert.equal(((await p.read!(id, state)).props as HarborRobotOutputs).secret, "", "refresh blanks a secret Harbor refuses");
            assert.deepEqual(await p.diff!(id, state, inputs()), { changes: true });
            state = (await p.update!(id, state, inputs())).outs as HarborRobotOutputs;
            assert.equal(state.secret, r().secret);
            assert.notEqual(state.secret, "Changed-By-Hand-1");

            // Rotation: a new counter value issues a new secret; the old one stops working.
            const old = state.secret;
            assert.deepEqual(await p.diff!(id, state, inputs({ rotation: 1 })), { changes: true });
            state = (await p.update!(id, state, inputs({ rotation: 1 }))).outs as HarborRobotOutputs;
            assert.notEqual(state.secret, old);
            assert.deepEqual(await pushPullOf(state.fullName, old, "bootcamp/notes-app"), []);
            assert.deepEqual(await pushPullOf(state.fullName, state.secret, "bootcamp/notes-app"), ["pull", "push"]);
            assert.deepEqual(await p.diff!(id, state, inputs({ rotation: 1 })), { changes: false });

            // Deleted by hand: refresh reports it gone; an `up` without refresh re-creates it.
            emu.state.robots.delete(state.robotId);
            assert.deepEqual(await p.read!(id, state), {});
            assert.deepEqual(await p.diff!(id, state, inputs({ rotation: 1 })), { changes: true });
            const recreated = (await p.update!(id, state, inputs({ rotation: 1 }))).outs as HarborRobotOutputs;
            assert.equal(robots().length, 1);
            assert.notEqual(recreated.robotId, state.robotId);
            assert.deepEqual([recreated.adopted, recreated.secret], [false, robots()[0]!.secret]);

            await p.delete!(id, recreated);
            assert.equal(robots().length, 0);
            assert.deepEqual(await p.diff!(id, state, inputs({ name: "renamed" })), { changes: true, replaces: ["name"] });
        });

        it("a new manager password (registry.password rotated) is a change that keeps the robot's secret", async () => {
            const { id, outs } = await harborRobotProvider.create(inputs());
            emu.state.users.get(HARBOR_ADMIN)!.password = "Rotated-Harbor-1";
            const rotated = inputs({ harbor: { ...conn(), password: "Rotated-Harbor-1" } });
            assert.deepEqual(await harborRobotProvider.diff!(id, outs!, rotated), { changes: true });
            const before = writes(emu);
            const { outs: after } = await harborRobotProvider.update!(id, outs!, rotated);
            assert.deepEqual([after!.secret, after!.robotId, writes(emu) - before], [outs!.secret, outs!.robotId, 0]);
        });

        it("adopts a robot made by hand: narrows it to push/pull, issues a new secret, and never deletes it", async () => {
            const hand = emu.state.addProjectRobot("bootcamp", "ci-stack", { access: [{ resource: "repository", action: "pull" }, { resource: "artifact", action: "delete" }], secret: "Hand-Made-Secret-1" });
            const { id, outs } = await harborRobotProvider.create(inputs());
            assert.deepEqual([robots().length, outs!.robotId, outs!.adopted], [1, hand.id, true]);
            assert.deepEqual(hand.permissions, [{ kind: "project", namespace: "bootcamp", access: PUSH_PULL }]);
            assert.notEqual(outs!.secret, "Hand-Made-Secret-1");
            assert.equal(outs!.secret, hand.secret);
            const { lines } = await captureLog(() => harborRobotProvider.delete!(id, outs!));
            assert.equal(robots().length, 1);
            assert.match(lines.join("\n"), /leaving robot account robot\$bootcamp\+ci-stack in place/);
        });

        it("no duplicate and a working secret after a 5xx answered after Harbor created the robot", async () => {
            emu.faults.fail(1, { afterApply: true, match: (q) => q.method === "POST" && q.path === "/api/v2.0/robots" });
            const { outs } = await harborRobotProvider.create(inputs());
            assert.equal(robots().length, 1);
            assert.equal(outs!.adopted, false, "our own landed POST is not an adoption");
            assert.equal(outs!.secret, robots()[0]!.secret, "the lost one-time secret was replaced by a refreshed one");
        });

        it("follows a re-created project (new id): the robot is made again in it", async () => {
            const { id, outs } = await harborRobotProvider.create(inputs());
            emu.state.projects.delete("bootcamp");
            emu.state.robots.clear();
            const again = emu.state.addProject("bootcamp");
            assert.deepEqual(await harborRobotProvider.diff!(id, outs!, inputs({ projectId: again.id })), { changes: true });
            const { outs: outs2 } = await harborRobotProvider.update!(id, outs!, inputs({ projectId: again.id }));
            assert.equal(emu.state.projectRobots("bootcamp").length, 1);
            assert.equal(outs2!.secret, emu.state.projectRobots("bootcamp")[0]!.secret);
        });

        it("robotDrift names what differs", () => {
            const live = { id: 1, name: "robot$bootcamp+ci-stack", description: "d", level: "project", disable: false, editable: true, permissions: [{ kind: "project", namespace: "bootcamp", access: [...PUSH_PULL].reverse() }] };
            assert.deepEqual(robotDrift(live, { project: "bootcamp", description: "d", access: PUSH_PULL }), [], "order does not matter");
            assert.deepEqual(robotDrift({ ...live, disable: true, description: "x" }, { project: "bootcamp", description: "d", access: PUSH_PULL }), ["disabled", "description"]);
            assert.deepEqual(robotDrift({ ...live, permissions: [...live.permissions, { kind: "project", namespace: "other", access: PUSH_PULL }] }, { project: "bootcamp", description: "d", access: PUSH_PULL }), ["permissions"]);
        });
    });

    describe("through the serialized seedProvider", () => {
        let ev: any;
        before(async function () {
            this.timeout(60_000);
            const sf = await pulumi.runtime.serializeFunction(() => seedProvider, { allowSecrets: true });
            assert.ok(!sf.text.includes(HARBOR_PASSWORD));
            ev = evaluateProvider(sf.text);
        });

        it("routes HarborProject and HarborRobot, keeps __kind, re-runs with zero writes", async function () {
            this.timeout(60_000);
            const project = { __kind: "HarborProject", harbor: conn(), name: "bootcamp", public: false };
            const p = await ev.create(project);
            assert.equal(p.outs.__kind, "HarborProject");
            const robot = { __kind: "HarborRobot", harbor: conn(), project: "bootcamp", projectId: p.outs.projectId, name: "ci-stack", description: "", access: PUSH_PULL, rotation: 0 };
            const r = await ev.create(robot);
            assert.equal(r.outs.__kind, "HarborRobot");
            assert.equal(r.outs.secret, emu.state.projectRobots("bootcamp")[0]!.secret);
            const w = writes(emu);
            assert.deepEqual(await ev.diff(p.id, p.outs, project), { changes: false });
            assert.deepEqual(await ev.diff(r.id, r.outs, robot), { changes: false });
            assert.equal((await ev.read(r.id, r.outs)).props.__kind, "HarborRobot");
            assert.equal(writes(emu), w);
            await ev.delete(r.id, r.outs);
            await ev.delete(p.id, p.outs);
            assert.deepEqual([emu.state.projectRobots("bootcamp").length, emu.state.projects.has("bootcamp")], [0, false]);
        });
    });
});

// The Jenkins dynamic providers called directly (create → read → no-op diff → drift → update → delete)
// against the in-process Jenkins emulator (the Gitea ones run against both Gitea targets in
// giteaProviders.test.ts), plus the closure serialization of seedProvider,
// the one object every seed resource ships: the text Pulumi stores in `__provider` is evaluated in a
// fresh module and driven against the emulators too, each kind routed by its `__kind` input.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import {
    FolderInputs,
    ItemInputs,
    CredentialInputs,
    jenkinsCredentialProvider,
    jenkinsFolderProvider,
    jenkinsJobProvider,
    secretDigest,
    seedProvider,
    stringCredentialXml,
} from "../../components/seed/providers";
import { jobConfigXml, JobSpec, normalizeConfigXml } from "../../components/seed/templates";
import { GITEA_PASSWORD, GITEA_USER, GiteaEmulator, start as startGitea } from "../support/giteaEmulator";
import { JENKINS_PASSWORD, JENKINS_USER, JenkinsEmulator, start as startJenkins } from "../support/jenkinsEmulator";
import { evaluateProvider } from "../support/providerHost";
import { captureLog, writes } from "../support/providerRuns";

const giteaConn = (e: GiteaEmulator) => ({ url: e.url, username: GITEA_USER, password: GITEA_PASSWORD, readyTimeoutMs: 10_000 });
const jenkinsConn = (e: JenkinsEmulator) => ({ url: e.url, username: JENKINS_USER, password: JENKINS_PASSWORD, readyTimeoutMs: 10_000 });

function job(over: Partial<JobSpec> = {}): JobSpec {
    return {
        description: "Builds notes-app <on push> & more",
        cloneUrl: "http://gitea-http.gitea.svc.cluster.local:3000/gitea_admin/notes-app.git",
        credentialsId: "gitea-credentials",
        branch: "main",
        scriptPath: "Jenkinsfile",
        trigger: { kind: "generic-webhook", tokenCredentialId: "notes-app-webhook-token", branchRef: "refs/heads/main" },
        ...over,
    };
}

describe("seed dynamic providers (against the emulators)", () => {
    let gitea: GiteaEmulator;
    let jenkins: JenkinsEmulator;
    beforeEach(async () => {
        gitea = await startGitea();
        jenkins = await startJenkins();
    });
    afterEach(async () => {
        await gitea.close();
        await jenkins.close();
    });

    describe("JenkinsFolder", () => {
        const folder = (over: Partial<FolderInputs> = {}): FolderInputs => ({ jenkins: jenkinsConn(jenkins), path: "ci", description: "Seeded", ...over });
        const cred = (id: string, secret: string) => stringCredentialXml({ credentialId: id, description: "", secret });
        const folderPosts = () => jenkins.requests("POST").filter((r) => r.path.endsWith("/config.xml") && !r.path.includes("/credentials/"));

        it("lifecycle: created with its description on the folder page, read, no-op re-run, edited by hand, converged, deleted when empty", async () => {
            const p = jenkinsFolderProvider;
            const { id, outs } = await p.create(folder());
            assert.deepEqual([id, outs!.adopted, jenkins.state.folder("ci")!.views[0]!.description], ["ci", false, "Seeded"]);
            assert.equal((await p.read!(id, outs)).props!.description, "Seeded");

            const before = writes(jenkins);
            assert.deepEqual(await p.diff!(id, outs!, folder()), { changes: false });
            assert.equal(writes(jenkins), before, "a no-op diff writes nothing");

            jenkins.state.folder("ci")!.views[0]!.description = "edited by hand";
            assert.deepEqual(await p.diff!(id, outs!, folder()), { changes: true });
            await p.update!(id, outs!, folder());
            assert.equal(jenkins.state.folder("ci")!.views[0]!.description, "Seeded");
            assert.deepEqual(await p.diff!(id, outs!, folder({ description: "new text" })), { changes: true });

            jenkins.state.items.delete("ci");
            assert.deepEqual(await p.read!(id, outs), {}, "refresh reports it gone");
            await p.update!(id, outs!, folder());
            assert.ok(jenkins.state.isFolder("ci"));

            await p.delete!(id, outs!);
            assert.ok(!jenkins.state.items.has("ci"));
            assert.deepEqual(folderPosts(), [], "never a folder config.xml POST");
        });

        it("a changed description never POSTs a folder config.xml: the credential store, views and other properties survive", async () => {
            const { id, outs } = await jenkinsFolderProvider.create(folder());
            jenkins.state.credentials.set("ci", new Map([["notes-app-webhook-token", cred("notes-app-webhook-token", "t0ken")], ["team-cred", cred("team-cred", "theirs")]]));
            const f = jenkins.state.folder("ci")!;
            f.properties.push("<com.example.TeamProperty><team>blue</team></com.example.TeamProperty>");
            f.views.push({ name: "Team view", description: "theirs" });
            f.description = "the folder's own field";

            await jenkinsFolderProvider.update!(id, outs!, folder({ description: "Changed" }));
            assert.deepEqual(folderPosts(), []);
            assert.deepEqual(jenkins.requests("POST", "/job/ci/submitDescription").length, 2, "create + this change");
            assert.deepEqual([...jenkins.state.credentials.get("ci")!.keys()], ["notes-app-webhook-token", "team-cred"]);
            assert.deepEqual(jenkins.state.folder("ci"), {
                kind: "folder",
                description: "the folder's own field",
                properties: ["<com.example.TeamProperty><team>blue</team></com.example.TeamProperty>"],
                views: [{ name: "All", description: "Changed" }, { name: "Team view", description: "theirs" }],
            });
        });

        it("state keeps only what the diff needs: no config.xml, no encrypted credential blob", async () => {
            const { id, outs } = await jenkinsFolderProvider.create(folder());
            jenkins.state.credentials.set("ci", new Map([["tok", cred("tok", "t0ken")]]));
            assert.match(jenkins.state.configXml("ci")!, /<secret>\{/, "Jenkins' config.xml does carry the blob");
            const read = await jenkinsFolderProvider.read!(id, outs);
            for (const state of [outs, read.props]) {
                assert.deepEqual(Object.keys(state!).sort(), ["adopted", "description", "jenkins", "path"]);
                assert.ok(!JSON.stringify(state).includes("<secret>"));
            }
        });

        it("adopts an existing folder without writing to it, and leaves it on destroy", async () => {
            const theirs = jenkins.state.addFolder("ci", { views: [{ name: "All", description: "Team CI" }] });
            jenkins.state.setConfigXml("ci/their-job", jobConfigXml(job({ scriptPath: "theirs/Jenkinsfile" })));
            const created = await captureLog(() => jenkinsFolderProvider.create(folder()));
            const outs = created.result.outs!;
            assert.equal(outs.adopted, true);
            assert.match(created.lines.join("\n"), /adopting the existing Jenkins folder ci/);
            assert.equal(theirs.views[0]!.description, "Team CI", "an adopted folder's description is its owner's");
            assert.deepEqual(jenkins.requests("POST").map((r) => r.path), ["/createItem"], "only the create that answered 'exists'");
            assert.deepEqual(await jenkinsFolderProvider.diff!("ci", outs, folder()), { changes: false });

            const { lines } = await captureLog(() => jenkinsFolderProvider.delete!("ci", outs));
            assert.ok(jenkins.state.items.has("ci") && jenkins.state.items.has("ci/their-job"));
            assert.match(lines.join("\n"), /leaving Jenkins folder ci in place: it existed before the seed \(adopted\)/);
        });

        it("destroy never deletes what the seed did not create: a folder it made that holds others' items or credentials stays", async () => {
            const { id, outs } = await jenkinsFolderProvider.create(folder());
            jenkins.state.setConfigXml("ci/their-job", jobConfigXml(job()));
            jenkins.state.credentials.set("ci", new Map([["their-cred", cred("their-cred", "x")]]));
            const { lines } = await captureLog(() => jenkinsFolderProvider.delete!(id, outs!));
            assert.ok(jenkins.state.items.has("ci/their-job"));
            assert.match(lines.join("\n"), /leaving Jenkins folder ci in place: it holds items their-job and credentials their-cred, which the seed did not create/);

            jenkins.state.items.delete("ci/their-job");
            jenkins.state.credentials.delete("ci");
            await jenkinsFolderProvider.delete!(id, outs!);
            assert.ok(!jenkins.state.items.has("ci"), "empty: deleted");
        });

        it("a name taken by something that is not a folder is a clear error, and nothing is written over it", async () => {
            jenkins.state.setConfigXml("ci", jobConfigXml(job()));
            await assert.rejects(jenkinsFolderProvider.create(folder()), /Jenkins item "ci" is a org\.jenkinsci\.plugins\.workflow\.job\.WorkflowJob, not a folder/);
            assert.deepEqual(jenkins.requests("POST").map((r) => r.path), ["/createItem"]);
        });

        it("after a 5xx answered once Jenkins had created it, the folder is the seed's (retried), not adopted", async () => {
            jenkins.faults.fail(1, { afterApply: true, match: (q) => q.method === "POST" && q.path === "/createItem" });
            const { outs } = await jenkinsFolderProvider.create(folder());
            assert.equal(outs!.adopted, false);
            assert.equal(jenkins.state.folder("ci")!.views[0]!.description, "Seeded");
        });
    });

    describe("JenkinsJob", () => {
        const jobInputs = (spec = job()): ItemInputs => ({ jenkins: jenkinsConn(jenkins), path: "ci/notes-app", configXml: jobConfigXml(spec) });
        beforeEach(() => void jenkins.state.addFolder("ci"));

        it("lifecycle: create, read, no-op re-run over Jenkins' re-serialization, hand edit shows as drift, update, delete", async () => {
            const p = jenkinsJobProvider;
            const { id, outs } = await p.create(jobInputs());
            assert.deepEqual([id, outs!.adopted], ["ci/notes-app", false]);
            const saved = jenkins.state.configXml("ci/notes-app")!;
            assert.notEqual(saved, jobInputs().configXml, "Jenkins serves its own re-serialization");
            assert.equal(normalizeConfigXml(saved), normalizeConfigXml(jobInputs().configXml));
            assert.equal((await p.read!(id, outs)).props!.configXml, saved);

            const before = writes(jenkins);
            assert.deepEqual(await p.diff!(id, outs!, jobInputs()), { changes: false });
            assert.equal(writes(jenkins), before, "no-op diffs write nothing");

            jenkins.state.setConfigXml("ci/notes-app", jobInputs().configXml.replace("<scriptPath>Jenkinsfile</scriptPath>", "<scriptPath>other/Jenkinsfile</scriptPath>"));
            assert.deepEqual(await p.diff!(id, outs!, jobInputs()), { changes: true });
            await p.update!(id, outs!, jobInputs());
            assert.equal(normalizeConfigXml(jenkins.state.configXml("ci/notes-app")!), normalizeConfigXml(jobInputs().configXml));
            assert.deepEqual(await p.diff!(id, outs!, jobInputs()), { changes: false });

            // A new desired spec (e.g. another branch) is a change too.
            assert.deepEqual(await p.diff!(id, outs!, jobInputs(job({ branch: "develop" }))), { changes: true });
            assert.deepEqual(await p.diff!(id, outs!, { ...jobInputs(), path: "ci/renamed" }), { changes: true, replaces: ["path"] });

            jenkins.state.items.delete("ci/notes-app");
            assert.deepEqual(await p.read!(id, outs), {});
            assert.deepEqual(await p.diff!(id, outs!, jobInputs()), { changes: true });
            await p.update!(id, outs!, jobInputs());
            assert.ok(jenkins.state.items.has("ci/notes-app"));

            await p.delete!(id, outs!);
            assert.ok(!jenkins.state.items.has("ci/notes-app"));
        });

        it("adopts an existing job: converges a different one, leaves an equal one untouched, keeps it (and its history) on destroy", async () => {
            jenkins.state.setConfigXml("ci/notes-app", jobConfigXml(job({ scriptPath: "old/Jenkinsfile" })));
            const { outs } = await jenkinsJobProvider.create(jobInputs());
            assert.equal(outs!.adopted, true);
            assert.equal(normalizeConfigXml(jenkins.state.configXml("ci/notes-app")!), normalizeConfigXml(jobInputs().configXml));

            const posts = jenkins.requests("POST").length;
            await jenkinsJobProvider.create(jobInputs());
            assert.equal(jenkins.requests("POST").length, posts + 1, "only the createItem that answered 'exists'");

            const { lines } = await captureLog(() => jenkinsJobProvider.delete!("ci/notes-app", outs!));
            assert.ok(jenkins.state.items.has("ci/notes-app"));
            assert.match(lines.join("\n"), /leaving Jenkins job ci\/notes-app in place: it existed before the seed/);
        });

        it("an existing item of another type is a clear error, never a config.xml POST Jenkins would refuse with a bare 500", async () => {
            jenkins.state.setConfigXml("ci/notes-app", "<project><description>freestyle</description></project>");
            await assert.rejects(jenkinsJobProvider.create(jobInputs()), /Jenkins item "ci\/notes-app" exists as <project>, not <flow-definition>: Jenkins cannot change an item's type in place/);
            assert.deepEqual(jenkins.requests("POST", "/job/ci/job/notes-app/config.xml"), []);
        });

        it("no duplicate after a 5xx answered after Jenkins created the job; the job is the seed's", async () => {
            jenkins.faults.fail(1, { afterApply: true, match: (q) => q.method === "POST" && q.path.endsWith("/createItem") });
            const { outs } = await jenkinsJobProvider.create(jobInputs());
            assert.deepEqual([...jenkins.state.items.keys()].sort(), ["ci", "ci/notes-app"]);
            assert.equal(outs!.adopted, false);
        });
    });

    describe("JenkinsCredential", () => {
        const inputs = (over: Partial<CredentialInputs> = {}): CredentialInputs => ({
            jenkins: jenkinsConn(jenkins),
            folder: "ci",
            credentialId: "notes-app-webhook-token",
            description: "GWT token <x> & y",
            secret: "t0ken-Value-1",
            ...over,
        });
        const stored = () => jenkins.state.credentials.get("ci")?.get("notes-app-webhook-token");
        beforeEach(() => jenkins.state.addFolder("ci"));

        it("builds secret-text XML with the library's escaping", () => {
            const xml = stringCredentialXml({ credentialId: "a", description: "x < y & 'z'", secret: "s<&>" });
            assert.match(xml, /^<org\.jenkinsci\.plugins\.plaincredentials\.impl\.StringCredentialsImpl>/);
            assert.match(xml, /<scope>GLOBAL<\/scope>/);
            assert.match(xml, /<description>x &lt; y &amp; &apos;z&apos;<\/description>/);
            assert.match(xml, /<secret>s&lt;&amp;&gt;<\/secret>/);
        });

        it("lifecycle: folder store, no-op re-run on the digest, new secret, deleted by hand, delete", async () => {
            const p = jenkinsCredentialProvider;
            const { id, outs } = await p.create(inputs());
            assert.match(stored()!, /<secret>t0ken-Value-1<\/secret>/);
            assert.ok(!JSON.stringify(outs).includes("t0ken-Value-1"), "state keeps a digest, never the secret");
            assert.equal(outs!.secretDigest, secretDigest("t0ken-Value-1"));
            assert.equal((await p.read!(id, outs)).props!.description, "GWT token <x> & y");

            const before = writes(jenkins);
            assert.deepEqual(await p.diff!(id, outs!, inputs()), { changes: false });
            assert.equal(writes(jenkins), before);

            assert.deepEqual(await p.diff!(id, outs!, inputs({ secret: "t0ken-Value-2" })), { changes: true });
            const { outs: outs2 } = await p.update!(id, outs!, inputs({ secret: "t0ken-Value-2" }));
            assert.match(stored()!, /<secret>t0ken-Value-2<\/secret>/);
            assert.deepEqual(await p.diff!(id, outs2!, inputs({ secret: "t0ken-Value-2" })), { changes: false });

            jenkins.state.credentials.get("ci")!.clear();
            assert.deepEqual(await p.diff!(id, outs2!, inputs({ secret: "t0ken-Value-2" })), { changes: true });
            await p.update!(id, outs2!, inputs({ secret: "t0ken-Value-2" }));
            assert.match(stored()!, /t0ken-Value-2/);

            await p.delete!(id, outs2!);
            assert.equal(stored(), undefined);
        });

        it("adopts an existing id by overwriting its (unreadable) secret", async () => {
            jenkins.state.credentials.set("ci", new Map([["notes-app-webhook-token", stringCredentialXml({ credentialId: "notes-app-webhook-token", description: "old", secret: "old" })]]));
            await jenkinsCredentialProvider.create(inputs());
            assert.match(stored()!, /t0ken-Value-1/);
            assert.equal(jenkins.state.credentials.get("ci")!.size, 1);
        });

        it("recovers from a stale crumb (expired session) mid-run", async () => {
            const { id, outs } = await jenkinsCredentialProvider.create(inputs());
            jenkins.expireSessions();
            await jenkinsCredentialProvider.update!(id, outs!, inputs({ secret: "after-restart" }));
            assert.match(stored()!, /after-restart/);
        });
    });

    describe("seedProvider: the one provider every seed resource ships, serialized", () => {
        let sf: { text: string; containsSecrets: boolean };
        let ev: any;
        before(async function () {
            this.timeout(60_000);
            // What `pulumi.dynamic.Resource` does with its provider (dynamic/index.ts serializeFunctionMaybeSecret).
            sf = await pulumi.runtime.serializeFunction(() => seedProvider, { allowSecrets: true });
            ev = evaluateProvider(sf.text);
        });

        const withoutKind = (b: Record<string, unknown>) => Object.fromEntries(Object.entries(b).filter(([k]) => k !== "__kind"));

        /** Every seed kind's inputs, tagged as the resource classes tag them. */
        const seedInputs = () => ({
            GiteaRepository: { __kind: "GiteaRepository", gitea: giteaConn(gitea), name: "notes-app", private: true, description: "", defaultBranch: "main", deleteOnDestroy: false },
            GiteaFiles: { __kind: "GiteaFiles", gitea: giteaConn(gitea), owner: GITEA_USER, repo: "notes-app", branch: "main", message: "Seed", files: [{ path: "Jenkinsfile", content: "pipeline {}\n" }] },
            GiteaWebhook: {
                __kind: "GiteaWebhook",
                gitea: giteaConn(gitea),
                owner: GITEA_USER,
                repo: "notes-app",
                url: "http://j/generic-webhook-trigger/invoke",
                events: ["push"],
                branchFilter: "main",
                authorizationHeader: "Bearer x",
            },
            JenkinsFolder: { __kind: "JenkinsFolder", jenkins: jenkinsConn(jenkins), path: "ci", description: "Seeded" },
            JenkinsCredential: { __kind: "JenkinsCredential", jenkins: jenkinsConn(jenkins), folder: "ci", credentialId: "tok", description: "", secret: "s" },
            JenkinsJob: { __kind: "JenkinsJob", jenkins: jenkinsConn(jenkins), path: "ci/notes-app", configXml: jobConfigXml(job()) },
        });

        it("serializes to text that captures no secret and evaluates", () => {
            assert.equal(sf.containsSecrets, false);
            for (const s of [GITEA_PASSWORD, JENKINS_PASSWORD]) assert.ok(!sf.text.includes(s));
            for (const op of ["check", "create", "read", "diff", "update", "delete"]) assert.equal(typeof ev[op], "function", op);
        });

        it("the evaluated provider converges every kind, keeps __kind through create and refresh, then re-runs with zero writes", async function () {
            this.timeout(60_000);
            const ins = seedInputs();
            const created: Record<string, { id: string; outs: any }> = {};
            // In dependency order: the repository before its files and hook, the folder before its items.
            for (const [kind, i] of Object.entries(ins)) {
                const c = await ev.create(i);
                assert.equal(c.outs.__kind, kind, `${kind}: create keeps the kind in state`);
                created[kind] = c;
            }
            assert.ok(jenkins.state.items.has("ci/notes-app") && gitea.state.files(GITEA_USER, "notes-app").Jenkinsfile);
            assert.match(jenkins.state.credentials.get("ci")!.get("tok")!, /<secret>s<\/secret>/);

            const w = [writes(gitea), writes(jenkins)];
            for (const [kind, i] of Object.entries(ins)) {
                const { id, outs } = created[kind]!;
                assert.deepEqual(await ev.check(outs, i), { inputs: i }, `${kind}: check passes the inputs through`);
                assert.deepEqual(await ev.diff(id, outs, i), { changes: false }, `${kind}: no-op re-run`);
                const read = await ev.read(id, outs);
                assert.equal(read.props.__kind, kind, `${kind}: refresh keeps the kind in state`);
                assert.deepEqual(await ev.diff(id, read.props, i), { changes: false }, `${kind}: no-op after refresh`);
                // State written before `__kind` existed (and a kind the diff ignores) is no change either.
                assert.deepEqual(await ev.diff(id, withoutKind(outs), i), { changes: false }, `${kind}: no-op from state without __kind`);
            }
            assert.deepEqual([writes(gitea), writes(jenkins)], w);
        });

        it("routes update and delete by kind; a resource gone reads as {}", async function () {
            this.timeout(60_000);
            const { JenkinsFolder: folderIn, JenkinsCredential: credIn, JenkinsJob: jobIn } = seedInputs();
            await ev.create(folderIn);
            const cred = await ev.create(credIn);
            const j = await ev.create(jobIn);

            const rotated = { ...credIn, secret: "rotated" };
            assert.deepEqual(await ev.diff(cred.id, cred.outs, rotated), { changes: true });
            const { outs } = await ev.update(cred.id, cred.outs, rotated);
            assert.deepEqual([outs.__kind, outs.secretDigest, "secret" in outs], ["JenkinsCredential", secretDigest("rotated"), false]);
            assert.match(jenkins.state.credentials.get("ci")!.get("tok")!, /<secret>rotated<\/secret>/);

            await ev.delete(j.id, j.outs);
            assert.ok(!jenkins.state.items.has("ci/notes-app"));
            assert.deepEqual(await ev.read(j.id, j.outs), {});
        });

        it("refuses properties without a known __kind, naming no value", async () => {
            const { __kind: _, ...plain } = seedInputs().JenkinsFolder;
            await assert.rejects(ev.create(plain), (e: Error) => /no known __kind/.test(e.message) && !e.message.includes(JENKINS_PASSWORD));
            await assert.rejects(ev.create({ ...plain, __kind: "toString" }), /no known __kind/);
            assert.equal(jenkins.requests("POST").length, 0);
        });
    });
});

// The Jenkins dynamic providers called directly (create → read → no-op diff → drift → update → delete)
// against the in-process Jenkins emulator (the Gitea ones run against both Gitea targets in
// giteaProviders.test.ts), plus the closure serialization of seedProvider,
// the one object every seed resource ships: the text Pulumi stores in `__provider` is evaluated in a
// fresh module and driven against the emulators too, each kind routed by its `__kind` input.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import {
    ItemInputs,
    CredentialInputs,
    jenkinsCredentialProvider,
    jenkinsFolderProvider,
    jenkinsJobProvider,
    secretDigest,
    seedProvider,
    stringCredentialXml,
} from "../../components/seed/providers";
import { folderConfigXml, jobConfigXml, JobSpec } from "../../components/seed/templates";
import { GITEA_PASSWORD, GITEA_USER, GiteaEmulator, start as startGitea } from "../support/giteaEmulator";
import { JENKINS_PASSWORD, JENKINS_USER, JenkinsEmulator, start as startJenkins } from "../support/jenkinsEmulator";
import { evaluateProvider } from "../support/providerHost";

const writes = (e: { log: { method: string }[] }) => e.log.filter((r) => r.method !== "GET").length;
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

    describe("JenkinsFolder and JenkinsJob", () => {
        const folder = (): ItemInputs => ({ jenkins: jenkinsConn(jenkins), path: "ci", configXml: folderConfigXml("Seeded") });
        const jobInputs = (spec = job()): ItemInputs => ({ jenkins: jenkinsConn(jenkins), path: "ci/notes-app", configXml: jobConfigXml(spec) });

        it("lifecycle: create, read, no-op re-run, hand edit shows as drift, update, delete", async () => {
            const f = await jenkinsFolderProvider.create(folder());
            const p = jenkinsJobProvider;
            const { id, outs } = await p.create(jobInputs());
            assert.equal(id, "ci/notes-app");
            assert.ok(jenkins.state.isFolder("ci"));
            assert.equal(jenkins.state.items.get("ci/notes-app"), jobInputs().configXml);
            assert.equal((await p.read!(id, outs)).props!.configXml, jobInputs().configXml);

            const before = writes(jenkins);
            assert.deepEqual(await p.diff!(id, outs!, jobInputs()), { changes: false });
            assert.deepEqual(await jenkinsFolderProvider.diff!(f.id, f.outs!, folder()), { changes: false });
            assert.equal(writes(jenkins), before, "no-op diffs write nothing");

            // Jenkins' own re-serialization (plugin attributes, <actions>) is not drift…
            jenkins.state.items.set("ci/notes-app", jobInputs().configXml.replace("<flow-definition", '<flow-definition plugin="workflow-job@1540.v295eccc9778f"').replace("<description>", "<actions/><description>"));
            assert.deepEqual(await p.diff!(id, outs!, jobInputs()), { changes: false });
            // …a hand edit is.
            jenkins.state.items.set("ci/notes-app", jobInputs().configXml.replace("<scriptPath>Jenkinsfile</scriptPath>", "<scriptPath>other/Jenkinsfile</scriptPath>"));
            assert.deepEqual(await p.diff!(id, outs!, jobInputs()), { changes: true });
            await p.update!(id, outs!, jobInputs());
            assert.equal(jenkins.state.items.get("ci/notes-app"), jobInputs().configXml);
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
            await jenkinsFolderProvider.delete!(f.id, f.outs!);
            assert.ok(!jenkins.state.items.has("ci"));
        });

        it("adopts an existing job: converges a different one, leaves an equal one untouched", async () => {
            jenkins.state.addFolder("ci");
            jenkins.state.items.set("ci/notes-app", jobConfigXml(job({ scriptPath: "old/Jenkinsfile" })));
            await jenkinsJobProvider.create(jobInputs());
            assert.equal(jenkins.state.items.get("ci/notes-app"), jobInputs().configXml);

            const posts = jenkins.requests("POST").length;
            await jenkinsJobProvider.create(jobInputs());
            assert.equal(jenkins.requests("POST").length, posts + 1, "only the createItem that answered 'exists'");
        });

        it("a folder whose description was edited by hand is converged; Jenkins' additions to it are not drift", async () => {
            const f = await jenkinsFolderProvider.create(folder());
            const xml = jenkins.state.items.get("ci")!;
            jenkins.state.items.set("ci", xml.replace("</com.cloudbees.hudson.plugins.folder.Folder>", "<views><hudson.model.AllView/></views></com.cloudbees.hudson.plugins.folder.Folder>"));
            assert.deepEqual(await jenkinsFolderProvider.diff!(f.id, f.outs!, folder()), { changes: false });
            jenkins.state.items.set("ci", xml.replace("Seeded", "edited"));
            assert.deepEqual(await jenkinsFolderProvider.diff!(f.id, f.outs!, folder()), { changes: true });
        });

        it("no duplicate after a 5xx answered after Jenkins created the job", async () => {
            jenkins.state.addFolder("ci");
            jenkins.faults.fail(1, { afterApply: true, match: (q) => q.method === "POST" && q.path.endsWith("/createItem") });
            await jenkinsJobProvider.create(jobInputs());
            assert.deepEqual([...jenkins.state.items.keys()].sort(), ["ci", "ci/notes-app"]);
            assert.equal(jenkins.state.items.get("ci/notes-app"), jobInputs().configXml);
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
            JenkinsFolder: { __kind: "JenkinsFolder", jenkins: jenkinsConn(jenkins), path: "ci", configXml: folderConfigXml("Seeded") },
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

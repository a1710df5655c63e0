// The emulators themselves enforce the documented behaviour (raw fetch, no client in between), so a
// client test passing against them means something. The Gitea API behaviours the seed relies on are
// checked against both the emulator and a real Gitea in giteaApi.test.ts; here stays what only the
// model has (the version it claims, its fault injection).
import * as assert from "node:assert/strict";
import { GITEA_APP_VERSION } from "../../components/gitea";
import { GITEA_PASSWORD, GITEA_USER, GITEA_VERSION, GiteaEmulator, start as startGitea } from "../support/giteaEmulator";
import { applyTree, FOLDER_CLASS, JENKINS_PASSWORD, JENKINS_USER, JenkinsEmulator, NO_VALID_CRUMB, redactCredentialXml, start as startJenkins } from "../support/jenkinsEmulator";

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`;

describe("Gitea emulator", () => {
    let emu: GiteaEmulator;
    const auth = { Authorization: basic(GITEA_USER, GITEA_PASSWORD), "Content-Type": "application/json" };
    const post = (path: string, body: unknown, headers: Record<string, string> = auth) => fetch(`${emu.url}/api/v1${path}`, { method: "POST", headers, body: JSON.stringify(body) });

    beforeEach(async () => (emu = await startGitea()));
    afterEach(() => emu.close());

    const get = (path: string, headers: Record<string, string> = {}) => fetch(`${emu.url}/api/v1${path}`, { headers });
    const body = async (res: Response) => (await res.json()) as Record<string, unknown>;

    it("reports the Gitea version the pinned chart runs", async () => {
        assert.equal(GITEA_VERSION, GITEA_APP_VERSION);
        assert.deepEqual(await body(await get("/version")), { version: GITEA_APP_VERSION });
    });

    it("faults: afterApply applies then fails; refuse closes the port; reset drops the socket", async () => {
        emu.faults.fail(1, { afterApply: true, status: 502 });
        assert.equal((await post("/user/repos", { name: "r" })).status, 502);
        assert.ok(emu.state.repo(GITEA_USER, "r"));
        emu.faults.reset(1);
        await assert.rejects(fetch(`${emu.url}/api/v1/version`));
        await emu.faults.refuse();
        await assert.rejects(fetch(`${emu.url}/api/v1/version`), (e: any) => e.cause?.code === "ECONNREFUSED");
        await emu.faults.accept();
        assert.equal((await fetch(`${emu.url}/api/v1/version`)).status, 200);
    });
});

describe("Jenkins emulator", () => {
    let emu: JenkinsEmulator;
    const auth = basic(JENKINS_USER, JENKINS_PASSWORD);

    beforeEach(async () => (emu = await startJenkins()));
    afterEach(() => emu.close());

    async function session(): Promise<{ cookie: string; crumb: string }> {
        const res = await fetch(`${emu.url}/crumbIssuer/api/json`, { headers: { Authorization: auth } });
        const body = (await res.json()) as { crumb: string; crumbRequestField: string };
        assert.equal(body.crumbRequestField, "Jenkins-Crumb");
        return { cookie: res.headers.getSetCookie()[0]!.split(";")[0]!, crumb: body.crumb };
    }
    const createFolder = (headers: Record<string, string>, name = "ci") =>
        fetch(`${emu.url}/createItem?name=${name}`, { method: "POST", headers: { Authorization: auth, "Content-Type": "application/xml", ...headers }, body: `<${FOLDER_CLASS}/>` });

    it("binds crumbs to the session: no crumb, another session's crumb, or an expired session → 403", async () => {
        const a = await session();
        const b = await session();
        assert.notEqual(a.crumb, b.crumb);
        assert.equal((await createFolder({ Cookie: a.cookie })).status, 403);
        const cross = await createFolder({ Cookie: a.cookie, "Jenkins-Crumb": b.crumb });
        assert.equal(cross.status, 403);
        assert.match(await cross.text(), new RegExp(NO_VALID_CRUMB));
        assert.equal((await createFolder({ Cookie: a.cookie, "Jenkins-Crumb": a.crumb })).status, 200);
        emu.expireSessions();
        assert.equal((await createFolder({ Cookie: a.cookie, "Jenkins-Crumb": a.crumb }, "ci2")).status, 403);
    });

    it("exempts API-token requests from the crumb; rejects anonymous and wrong credentials", async () => {
        const token = emu.state.addApiToken();
        assert.equal((await createFolder({ Authorization: basic(JENKINS_USER, token) })).status, 200);
        assert.equal((await fetch(`${emu.url}/api/json`)).status, 403);
        assert.equal((await fetch(`${emu.url}/api/json`, { headers: { Authorization: basic(JENKINS_USER, "x") } })).status, 401);
    });

    it("answers 400 + X-Error for an existing item, 404 for missing items, 409 for an existing credential id", async () => {
        const token = emu.state.addApiToken();
        const h = { Authorization: basic(JENKINS_USER, token) };
        await createFolder(h);
        const dup = await createFolder(h);
        assert.equal(dup.status, 400);
        assert.equal(Buffer.from(dup.headers.get("x-error")!, "latin1").toString("utf8"), "A job already exists with the name ‘ci’");
        assert.equal((await fetch(`${emu.url}/job/nope/config.xml`, { headers: h })).status, 404);
        const cred = () => fetch(`${emu.url}/job/ci/credentials/store/folder/domain/_/createCredentials`, { method: "POST", headers: { ...h, "Content-Type": "application/xml" }, body: "<c><id>x</id><secret>s</secret></c>" });
        assert.equal((await cred()).status, 200);
        assert.equal((await cred()).status, 409);
    });

    it("redacts secrets of credentials on read", () => {
        assert.equal(redactCredentialXml("<c><password>p</password><secret>s</secret><id>i</id></c>"), "<c><password><secret-redacted/></password><secret><secret-redacted/></secret><id>i</id></c>");
    });

    describe("items as core and cloudbees-folder keep them", () => {
        const token = () => basic(JENKINS_USER, emu.state.addApiToken());
        const cred = (id: string, secret: string) =>
            `<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><scope>GLOBAL</scope><id>${id}</id><description/><secret>${secret}</secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>`;
        const req = (h: string, method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
            fetch(`${emu.url}${path}`, { method, headers: { Authorization: h, "Content-Type": "application/xml", ...headers }, body, redirect: "manual" });
        const folderWithCredential = async (h: string) => {
            await req(h, "POST", "/createItem?name=ci", `<${FOLDER_CLASS}><description>d</description></${FOLDER_CLASS}>`);
            assert.equal((await req(h, "POST", "/job/ci/credentials/store/folder/domain/_/createCredentials", cred("tok", "s3cret-value"))).status, 200);
            emu.state.folder("ci")!.properties.push("<com.example.TeamProperty><team>blue</team></com.example.TeamProperty>");
            emu.state.folder("ci")!.views.push({ name: "Team view", description: "theirs" });
        };

        it("serves config.xml re-serialized, never the bytes posted: XML 1.1, plugin attributes, <actions/>", async () => {
            const h = token();
            const posted = `<?xml version="1.0" encoding="UTF-8"?><flow-definition><description>x</description><definition class="org.jenkinsci.plugins.workflow.cps.CpsScmFlowDefinition"><scriptPath>Jenkinsfile</scriptPath></definition></flow-definition>`;
            assert.equal((await req(h, "POST", "/createItem?name=j", posted)).status, 200);
            const served = await (await req(h, "GET", "/job/j/config.xml")).text();
            assert.notEqual(served, posted);
            assert.match(served, /^<\?xml version='1\.1' encoding='UTF-8'\?>\n<flow-definition plugin="workflow-job@[^"]+">\n {2}<actions\/>/);
            assert.match(served, /<definition class="org\.jenkinsci\.plugins\.workflow\.cps\.CpsScmFlowDefinition" plugin="workflow-cps@/);
        });

        it("a folder's config.xml carries its credential store as encrypted blobs, never the secret", async () => {
            const h = token();
            await folderWithCredential(h);
            const xml = await (await req(h, "GET", "/job/ci/config.xml")).text();
            assert.match(xml, /FolderCredentialsProvider_-FolderCredentialsProperty/);
            assert.match(xml, /<secret>\{[A-Za-z0-9+/=]+\}<\/secret>/);
            assert.ok(!xml.includes("s3cret-value"));
        });

        it("null-out: POSTing a folder config.xml drops its credential store, other properties and views", async () => {
            const h = token();
            await folderWithCredential(h);
            assert.equal((await req(h, "POST", "/job/ci/config.xml", `<${FOLDER_CLASS}><description>new</description></${FOLDER_CLASS}>`)).status, 200);
            assert.equal((await req(h, "GET", "/job/ci/credentials/store/folder/domain/_/credential/tok/config.xml")).status, 404);
            assert.deepEqual(emu.state.folder("ci"), { kind: "folder", description: "new", properties: [], views: [{ name: "All", description: "" }] });
        });

        it("posting back what GET config.xml served keeps everything (the blobs decrypt on the same controller)", async () => {
            const h = token();
            await folderWithCredential(h);
            const xml = await (await req(h, "GET", "/job/ci/config.xml")).text();
            assert.equal((await req(h, "POST", "/job/ci/config.xml", xml)).status, 200);
            assert.match(emu.state.credentials.get("ci")!.get("tok")!, /<secret>s3cret-value<\/secret>/);
            assert.equal(emu.state.folder("ci")!.properties.length, 1);
            assert.deepEqual(emu.state.folder("ci")!.views.map((v) => v.name), ["All", "Team view"]);
        });

        it("refuses a config.xml of another item type with a 500 Oops page, changing nothing", async () => {
            const h = token();
            await folderWithCredential(h);
            const res = await req(h, "POST", "/job/ci/config.xml", "<flow-definition><description>x</description></flow-definition>");
            assert.equal(res.status, 500);
            assert.match(await res.text(), /Oops!.*Logging ID=/s);
            assert.ok(emu.state.isFolder("ci"));
            assert.ok(emu.state.credentials.get("ci")!.has("tok"));
        });

        it("submitDescription on a folder sets its primary view's description, then 302 to '.'", async () => {
            const h = token();
            await folderWithCredential(h);
            const res = await req(h, "POST", "/job/ci/submitDescription", "description=Seeded+%26+kept", { "Content-Type": "application/x-www-form-urlencoded" });
            assert.deepEqual([res.status, res.headers.get("location")], [302, "."]);
            const api = (await (await req(h, "GET", "/job/ci/api/json?tree=description,primaryView[name,description],jobs[name]")).json()) as Record<string, unknown>;
            assert.deepEqual(api, { _class: FOLDER_CLASS, description: "d", primaryView: { _class: "hudson.model.AllView", name: "All", description: "Seeded & kept" }, jobs: [] });
            assert.ok(emu.state.credentials.get("ci")!.has("tok"), "nothing else touched");
        });

        it("credential doDelete with Accept: application/json answers 200 for success AND failure; the JSON says which", async () => {
            const h = token();
            await folderWithCredential(h);
            const del = () => req(h, "POST", "/job/ci/credentials/store/folder/domain/_/credential/tok/doDelete", undefined, { Accept: "application/json" });
            emu.state.credentialRemovalFails = true;
            const failed = await del();
            assert.deepEqual([failed.status, await failed.json()], [200, { message: "Failed to delete credentials", notificationType: "ERROR" }]);
            emu.state.credentialRemovalFails = false;
            const ok = await del();
            assert.deepEqual([ok.status, await ok.json()], [200, { message: "Credentials deleted", notificationType: "SUCCESS" }]);
        });

        it("item doDelete redirects to the parent folder's URL", async () => {
            const h = token();
            await folderWithCredential(h);
            await req(h, "POST", "/job/ci/createItem?name=j", "<flow-definition/>");
            const res = await req(h, "POST", "/job/ci/job/j/doDelete");
            assert.deepEqual([res.status, res.headers.get("location")], [302, "/job/ci/"]);
        });

        it("applies Stapler's tree filter", () => {
            const v = { _class: "C", a: 1, b: [{ _class: "D", c: 2, d: 3 }], e: { f: 1, g: 2 } };
            assert.deepEqual(applyTree(v, "a,b[c],e[g]"), { _class: "C", a: 1, b: [{ _class: "D", c: 2 }], e: { g: 2 } });
        });
    });

    describe("configuration applied only at boot (JCasC)", () => {
        it("a changed admin Secret file changes nothing until the controller restarts", async () => {
            emu.state.secretFiles.set("chart-admin-username", JENKINS_USER);
            emu.state.secretFiles.set("chart-admin-password", "rotated-Pa55");
            const get = (p: string) => fetch(`${emu.url}/api/json`, { headers: { Authorization: basic(JENKINS_USER, p) } });
            assert.equal((await get(JENKINS_PASSWORD)).status, 200);
            assert.equal((await get("rotated-Pa55")).status, 401);
            emu.state.restart();
            assert.equal((await get(JENKINS_PASSWORD)).status, 401);
            assert.equal((await get("rotated-Pa55")).status, 200);
        });
    });
});

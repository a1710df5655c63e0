// The emulators themselves enforce the documented behaviour (raw fetch, no client in between), so a
// client test passing against them means something. The Gitea API behaviours the seed relies on are
// checked against both the emulator and a real Gitea in giteaApi.test.ts; here stays what only the
// model has (the version it claims, its fault injection).
import * as assert from "node:assert/strict";
import { GITEA_APP_VERSION } from "../../components/gitea";
import { GITEA_PASSWORD, GITEA_USER, GITEA_VERSION, GiteaEmulator, start as startGitea } from "../support/giteaEmulator";
import { FOLDER_CLASS, JENKINS_PASSWORD, JENKINS_USER, JenkinsEmulator, NO_VALID_CRUMB, redactCredentialXml, start as startJenkins } from "../support/jenkinsEmulator";

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
});

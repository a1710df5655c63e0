// HarborAuth: the dockerconfigjson document, the Secret manifest, the Kaniko volume, and that the
// registry password only ever travels as a secret.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "../config";
import { HarborAuth, dockerConfigJson, dockerConfigJsonBase64, harborAccount, harborApiUrl, harborAuthSecretManifest, kanikoDockerConfigVolume } from "../components/harborAuth";
import { assertValidK8s } from "./support/k8sSchema";
import { MINIMAL, REGISTRY_PASSWORD, SECRET_KEYS } from "./support/fixtures";
import { RecordedResource, resolve, runProgram } from "./support/mocks";

const SECRET = "kubernetes:core/v1:Secret";
const PROJECT = "pulumi-nodejs:dynamic/harbor:HarborProject";
const ROBOT = "pulumi-nodejs:dynamic/harbor:HarborRobot";
/** What the mock engine answers for the robot (test/support/mocks.ts). */
const ROBOT_NAME = "robot$bootcamp+ci-stack";
const ROBOT_SECRET = "mock-harbor-auth-robot-secret";
const PREMADE = "Premade-Robot-Secret-1";
const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const unb64 = (s: string) => Buffer.from(s, "base64").toString("utf8");

async function harborAuthFromConfig(config: Record<string, string>) {
    let auth: HarborAuth | undefined;
    const run = await runProgram(config, { secretKeys: SECRET_KEYS }, () => {
        const cfg = loadConfig();
        auth = new HarborAuth("harbor-auth", {
            namespace: cfg.agents.namespace,
            server: cfg.registry.server,
            account: harborAccount(cfg.registry),
            secretName: cfg.registry.secretName,
        });
        return { secretName: auth.secretName };
    });
    if (run.error) throw run.error;
    return { ...run, auth: auth! };
}

/** The inputs with every secret path removed: what a state file or preview shows in plaintext. */
function plaintextInputs(r: RecordedResource): unknown {
    const copy = structuredClone(r.inputs) as Record<string, unknown>;
    for (const path of r.secretPaths) {
        // "data..dockerconfigjson" is data -> ".dockerconfigjson": an empty segment glues a dot to the next.
        const keys = path.split(".").reduce<string[]>((acc, seg, i, all) => (i > 0 && all[i - 1] === "" ? [...acc.slice(0, -1), `.${seg}`] : [...acc, seg]), []);
        let holder: Record<string, unknown> | undefined = copy;
        for (const k of keys.slice(0, -1)) holder = holder?.[k] as Record<string, unknown> | undefined;
        if (holder) delete holder[keys[keys.length - 1]!];
    }
    return copy;
}

describe("HarborAuth", () => {
    describe("dockerConfigJson (pure)", () => {
        it("builds the exact auths document, auth = base64(user:password)", () => {
            assert.equal(
                dockerConfigJson("10.0.24.28:30002", "admin", "s3cret"),
                '{"auths":{"10.0.24.28:30002":{"username":"admin","password":"s3cret","auth":"YWRtaW46czNjcmV0"}}}',
            );
            assert.equal(unb64("YWRtaW46czNjcmV0"), "admin:s3cret");
        });

        it("keeps robot account names and JSON-special passwords intact", () => {
            const doc = JSON.parse(dockerConfigJson("harbor.lab:443", "robot$bootcamp+ci", 'p"a\\ss:wörd'));
            assert.deepEqual(doc, {
                auths: { "harbor.lab:443": { username: "robot$bootcamp+ci", password: 'p"a\\ss:wörd', auth: b64('robot$bootcamp+ci:p"a\\ss:wörd') } },
            });
        });

        it("rejects a server with a scheme or path and a username with a colon", () => {
            assert.throws(() => dockerConfigJson("https://harbor.lab", "u", "p"), /without a scheme/);
            assert.throws(() => dockerConfigJson("harbor.lab/bootcamp", "u", "p"), /without a path/);
            assert.throws(() => dockerConfigJson("harbor.lab", "a:b", "p"), /no ':'/);
            assert.throws(() => dockerConfigJson("", "u", "p"), /must not be empty/);
        });
    });

    describe("manifests (pure)", () => {
        it("builds the exact dockerconfigjson Secret, valid against the schema", async () => {
            const m = harborAuthSecretManifest({ name: "harbor-auth", namespace: "jenkins-agents", dockerConfigJsonBase64: b64("{}") });
            assert.deepEqual(m, {
                apiVersion: "v1",
                kind: "Secret",
                metadata: {
                    name: "harbor-auth",
                    namespace: "jenkins-agents",
                    labels: { "app.kubernetes.io/name": "harbor-auth", "app.kubernetes.io/part-of": "ci-stack" },
                    annotations: { "pulumi.com/patchForce": "true" },
                },
                type: "kubernetes.io/dockerconfigjson",
                data: { ".dockerconfigjson": "e30=" },
            });
            await assertValidK8s(m);
        });

        it("mounts the Secret for Kaniko as config.json (items rename the key)", async () => {
            const volume = kanikoDockerConfigVolume("harbor-auth");
            assert.deepEqual(volume, { name: "docker-config", secret: { secretName: "harbor-auth", items: [{ key: ".dockerconfigjson", path: "config.json" }] } });
            await assertValidK8s({
                apiVersion: "v1",
                kind: "Pod",
                metadata: { name: "kaniko" },
                spec: {
                    containers: [{ name: "kaniko", image: "gcr.io/kaniko-project/executor:v1.23.2-debug", volumeMounts: [{ name: "docker-config", mountPath: "/kaniko/.docker", readOnly: true }] }],
                    volumes: [volume],
                },
            });
        });
    });

    describe("harborAccount and harborApiUrl (pure)", () => {
        it("manages a robot with registry.username/password by default, over HTTPS unless insecure", () => {
            const cfg = loadConfig("ci-stack", { get: (k) => MINIMAL[k.replace(/^ci-stack:/, "")], isSecret: () => true, keys: () => Object.keys(MINIMAL).map((k) => `ci-stack:${k}`) });
            const a = harborAccount(cfg.registry);
            assert.equal(a.kind, "managed");
            if (a.kind !== "managed") return;
            assert.deepEqual([a.apiUrl, a.manager.username, a.project, a.robotName, a.rotation], ["https://10.0.24.28:30002", "admin", "bootcamp", "ci-stack", 0]);
            assert.equal(harborApiUrl("h:80", true), "http://h:80");
        });
    });

    describe("component (mock mode)", () => {
        it("creates the project and a robot with exactly push+pull on it, with the manager's credentials as secret inputs", async () => {
            const { recorder } = await harborAuthFromConfig({ ...MINIMAL });
            const parent = recorder.one("cistack:platform:HarborAuth");
            assert.deepEqual(recorder.childrenOf(parent).map((r) => [r.type, r.name]), [
                [PROJECT, "harbor-auth-project"],
                [ROBOT, "harbor-auth-robot"],
                [SECRET, "harbor-auth-dockerconfig"],
            ]);
            const harbor = { url: "https://10.0.24.28:30002", username: "admin", password: REGISTRY_PASSWORD };
            const project = recorder.one(PROJECT);
            assert.deepEqual(
                { ...project.inputs, __provider: undefined },
                { __provider: undefined, __kind: "HarborProject", harbor, name: "bootcamp", public: false },
            );
            const robot = recorder.one(ROBOT);
            assert.deepEqual(
                { ...robot.inputs, __provider: undefined },
                {
                    __provider: undefined,
                    __kind: "HarborRobot",
                    harbor,
                    project: "bootcamp",
                    projectId: 42,
                    name: "ci-stack",
                    description: "Kaniko pushes of the ci-stack pipeline (managed by Pulumi; rotate with registry.robotRotation)",
                    access: [
                        { resource: "repository", action: "push" },
                        { resource: "repository", action: "pull" },
                    ],
                    rotation: 0,
                },
            );
            assert.deepEqual([...project.secretPaths], ["harbor.password"]);
            assert.deepEqual([...robot.secretPaths], ["harbor.password"]);
            assert.deepEqual([...robot.additionalSecretOutputs].sort(), ["harbor", "secret"]);
            assert.ok(robot.dependsOn.includes(project.urn), "the robot follows the project's id");
        });

        it("puts the robot, never the manager, into the dockerconfigjson Secret", async () => {
            const { recorder, auth, outputs, secretOutputs } = await harborAuthFromConfig({ ...MINIMAL });
            const s = recorder.one(SECRET);
            assert.equal(s.name, "harbor-auth-dockerconfig");
            assert.equal(s.parent, recorder.one("cistack:platform:HarborAuth").urn);
            // @pulumi/kubernetes marks a Secret's whole `data` secret; our own chain is checked below.
            assert.deepEqual(s.secretPaths, ["data"]);
            assert.deepEqual(
                { ...s.inputs, data: undefined },
                {
                    apiVersion: "v1",
                    kind: "Secret",
                    metadata: { name: "harbor-auth", namespace: "jenkins-agents", labels: { "app.kubernetes.io/name": "harbor-auth", "app.kubernetes.io/part-of": "ci-stack" }, annotations: { "pulumi.com/patchForce": "true" } },
                    type: "kubernetes.io/dockerconfigjson",
                    data: undefined,
                },
            );
            const doc = unb64(s.inputs.data[".dockerconfigjson"]);
            assert.deepEqual(JSON.parse(doc), {
                auths: { "10.0.24.28:30002": { username: ROBOT_NAME, password: ROBOT_SECRET, auth: b64(`${ROBOT_NAME}:${ROBOT_SECRET}`) } },
            });
            assert.ok(!doc.includes(REGISTRY_PASSWORD) && !doc.includes('"admin"'), "the manager's credentials never reach the Secret");
            await assertValidK8s(s.inputs);
            assert.equal(await resolve(auth.secretName), "harbor-auth");
            assert.equal(await resolve(auth.robotName), ROBOT_NAME);
            assert.deepEqual(outputs, { secretName: "harbor-auth" });
            assert.deepEqual(secretOutputs, []);
        });

        it("never shows the manager's password, the robot secret, their base64 or the document outside secret inputs", async () => {
            const { recorder } = await harborAuthFromConfig({ ...MINIMAL });
            const s = recorder.one(SECRET);
            const leaks = [REGISTRY_PASSWORD, ROBOT_SECRET, b64(`${ROBOT_NAME}:${ROBOT_SECRET}`), s.inputs.data[".dockerconfigjson"] as string];
            for (const r of recorder.resources) {
                const visible = JSON.stringify(plaintextInputs(r));
                for (const leak of leaks) assert.ok(!visible.includes(leak), `${r.type} ${r.name} shows a registry secret in plaintext`);
            }
        });

        it("a pre-made robot: no Harbor resource at all, its name and secret go into the Secret", async () => {
            const config: Record<string, string> = { ...MINIMAL, "registry.robotName": "robot$bootcamp+ci", "registry.robotSecret": PREMADE };
            delete config["registry.password"];
            const { recorder } = await harborAuthFromConfig(config);
            assert.equal(recorder.ofType(PROJECT).length + recorder.ofType(ROBOT).length, 0);
            const doc = JSON.parse(unb64(recorder.one(SECRET).inputs.data[".dockerconfigjson"]));
            assert.deepEqual(doc.auths["10.0.24.28:30002"], { username: "robot$bootcamp+ci", password: PREMADE, auth: b64(`robot$bootcamp+ci:${PREMADE}`) });
        });

        it("keeps the derived document secret even from a plain-string password", async () => {
            const run = await runProgram({ ...MINIMAL }, { secretKeys: SECRET_KEYS }, async () => {
                const encoded = dockerConfigJsonBase64("h:1", "u", "plain");
                assert.equal(await pulumi.isSecret(encoded), true);
                assert.equal(unb64((await resolve(encoded))!), dockerConfigJson("h:1", "u", "plain"));
                const auth = new HarborAuth("ha", { namespace: "n", server: "h:1", account: { kind: "premade", username: "u", password: "plain" } });
                assert.equal(await pulumi.isSecret(auth.secretName), false);
            });
            if (run.error) throw run.error;
            const s = run.recorder.one(SECRET);
            assert.deepEqual([s.name, s.inputs.metadata.name, s.secretPaths], ["ha-dockerconfig", "harbor-auth", ["data"]]);
        });

        it("follows config overrides: namespace, server (HTTP when insecure), manager, project, robot name and rotation, secret name", async () => {
            const { recorder, outputs } = await harborAuthFromConfig({
                ...MINIMAL,
                "agents.namespace": "builds",
                "registry.server": "harbor.lab.internal",
                "registry.insecure": "true",
                "registry.username": "harbor-manager",
                "registry.project": "apps",
                "registry.robotName": "kaniko",
                "registry.robotRotation": "3",
                "registry.secretName": "registry-push",
            });
            const s = recorder.one(SECRET);
            assert.deepEqual([s.inputs.metadata.name, s.inputs.metadata.namespace], ["registry-push", "builds"]);
            assert.deepEqual(Object.keys(JSON.parse(unb64(s.inputs.data[".dockerconfigjson"])).auths), ["harbor.lab.internal"]);
            assert.equal(JSON.parse(unb64(s.inputs.data[".dockerconfigjson"])).auths["harbor.lab.internal"].username, "robot$apps+kaniko");
            const robot = recorder.one(ROBOT);
            assert.deepEqual([robot.inputs.harbor.url, robot.inputs.harbor.username, robot.inputs.project, robot.inputs.name, robot.inputs.rotation], ["http://harbor.lab.internal", "harbor-manager", "apps", "kaniko", 3]);
            assert.equal(recorder.one(PROJECT).inputs.name, "apps");
            assert.deepEqual(outputs, { secretName: "registry-push" });
        });

        it("rejects a server with a scheme before registering anything", async () => {
            const run = await runProgram({ ...MINIMAL }, { secretKeys: SECRET_KEYS }, () => {
                new HarborAuth("ha", { namespace: "n", server: "https://harbor.lab", account: { kind: "premade", username: "u", password: pulumi.secret("p") } });
            });
            assert.match(String(run.error), /server: "https:\/\/harbor.lab" must be host\[:port\] without a scheme/);
            assert.equal(run.recorder.ofType(SECRET).length, 0);
        });
    });
});

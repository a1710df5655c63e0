// HarborAuth: the dockerconfigjson document, the Secret manifest, the Kaniko volume, and that the
// registry password only ever travels as a secret.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "../config";
import { HarborAuth, dockerConfigJson, dockerConfigJsonBase64, harborAuthSecretManifest, kanikoDockerConfigVolume } from "../components/harborAuth";
import { assertValidK8s } from "./support/k8sSchema";
import { MINIMAL, REGISTRY_PASSWORD, SECRET_KEYS } from "./support/fixtures";
import { RecordedResource, resolve, runProgram } from "./support/mocks";

const SECRET = "kubernetes:core/v1:Secret";
const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const unb64 = (s: string) => Buffer.from(s, "base64").toString("utf8");

async function harborAuthFromConfig(config: Record<string, string>) {
    let auth: HarborAuth | undefined;
    const run = await runProgram(config, { secretKeys: SECRET_KEYS }, () => {
        const cfg = loadConfig();
        auth = new HarborAuth("harbor-auth", {
            namespace: cfg.agents.namespace,
            server: cfg.registry.server,
            username: cfg.registry.username,
            password: cfg.registry.password,
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

    describe("component (mock mode)", () => {
        it("registers the Secret as a child, the dockerconfigjson a secret input decoding to the exact JSON", async () => {
            const { recorder, auth, outputs, secretOutputs } = await harborAuthFromConfig({ ...MINIMAL });
            const parent = recorder.one("cistack:platform:HarborAuth");
            assert.equal(parent.name, "harbor-auth");
            const s = recorder.one(SECRET);
            assert.equal(s.name, "harbor-auth-dockerconfig");
            assert.equal(s.parent, parent.urn);
            // @pulumi/kubernetes marks a Secret's whole `data` secret; our own chain is checked below.
            assert.deepEqual(s.secretPaths, ["data"]);
            assert.deepEqual(
                { ...s.inputs, data: undefined },
                {
                    apiVersion: "v1",
                    kind: "Secret",
                    metadata: { name: "harbor-auth", namespace: "jenkins-agents", labels: { "app.kubernetes.io/name": "harbor-auth", "app.kubernetes.io/part-of": "ci-stack" } },
                    type: "kubernetes.io/dockerconfigjson",
                    data: undefined,
                },
            );
            assert.deepEqual(JSON.parse(unb64(s.inputs.data[".dockerconfigjson"])), {
                auths: { "10.0.24.28:30002": { username: "admin", password: REGISTRY_PASSWORD, auth: b64(`admin:${REGISTRY_PASSWORD}`) } },
            });
            await assertValidK8s(s.inputs);
            assert.equal(await resolve(auth.secretName), "harbor-auth");
            assert.deepEqual(outputs, { secretName: "harbor-auth" });
            assert.deepEqual(secretOutputs, []);
        });

        it("never shows the password, its base64 or the document outside secret inputs", async () => {
            const { recorder } = await harborAuthFromConfig({ ...MINIMAL });
            const s = recorder.one(SECRET);
            const leaks = [REGISTRY_PASSWORD, b64(`admin:${REGISTRY_PASSWORD}`), s.inputs.data[".dockerconfigjson"] as string];
            for (const r of recorder.resources) {
                const visible = JSON.stringify(plaintextInputs(r));
                for (const leak of leaks) assert.ok(!visible.includes(leak), `${r.type} ${r.name} shows a registry secret in plaintext`);
            }
        });

        it("keeps the derived document secret even from a plain-string password", async () => {
            const run = await runProgram({ ...MINIMAL }, { secretKeys: SECRET_KEYS }, async () => {
                const encoded = dockerConfigJsonBase64("h:1", "u", "plain");
                assert.equal(await pulumi.isSecret(encoded), true);
                assert.equal(unb64((await resolve(encoded))!), dockerConfigJson("h:1", "u", "plain"));
                const auth = new HarborAuth("ha", { namespace: "n", server: "h:1", username: "u", password: "plain" });
                assert.equal(await pulumi.isSecret(auth.secretName), false);
            });
            if (run.error) throw run.error;
            const s = run.recorder.one(SECRET);
            assert.deepEqual([s.name, s.inputs.metadata.name, s.secretPaths], ["ha-dockerconfig", "harbor-auth", ["data"]]);
        });

        it("follows config overrides: namespace, registry server and user, secret name", async () => {
            const { recorder, outputs } = await harborAuthFromConfig({
                ...MINIMAL,
                "agents.namespace": "builds",
                "registry.server": "harbor.lab.internal",
                "registry.username": "robot$bootcamp+ci",
                "registry.secretName": "registry-push",
            });
            const s = recorder.one(SECRET);
            assert.deepEqual([s.inputs.metadata.name, s.inputs.metadata.namespace], ["registry-push", "builds"]);
            assert.deepEqual(Object.keys(JSON.parse(unb64(s.inputs.data[".dockerconfigjson"])).auths), ["harbor.lab.internal"]);
            assert.equal(JSON.parse(unb64(s.inputs.data[".dockerconfigjson"])).auths["harbor.lab.internal"].username, "robot$bootcamp+ci");
            assert.deepEqual(outputs, { secretName: "registry-push" });
        });

        it("rejects a server with a scheme before registering anything", async () => {
            const run = await runProgram({ ...MINIMAL }, { secretKeys: SECRET_KEYS }, () => {
                new HarborAuth("ha", { namespace: "n", server: "https://harbor.lab", username: "u", password: pulumi.secret("p") });
            });
            assert.match(String(run.error), /server: "https:\/\/harbor.lab" must be host\[:port\] without a scheme/);
            assert.equal(run.recorder.ofType(SECRET).length, 0);
        });
    });
});

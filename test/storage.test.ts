// SharedStorage: the RWX claim manifests, and what the component registers under mocks.
import * as assert from "node:assert/strict";
import { loadConfig } from "../config";
import { SharedStorage, rwxClaimManifest, sharedStorageClaims } from "../components/storage";
import { assertValidK8s } from "./support/k8sSchema";
import { MINIMAL, SECRET_KEYS, devStackConfig } from "./support/fixtures";
import { resolve, runProgram } from "./support/mocks";

const PVC = "kubernetes:core/v1:PersistentVolumeClaim";

function storageFromConfig(config: Record<string, string>) {
    let storage: SharedStorage | undefined;
    const run = runProgram(config, { secretKeys: SECRET_KEYS }, () => {
        const cfg = loadConfig();
        storage = new SharedStorage("agents", {
            namespace: cfg.agents.namespace,
            storageClassName: cfg.storage.className,
            workspaceSize: cfg.storage.workspaceSize,
            cacheSize: cfg.storage.cacheSize,
            retainOnDelete: cfg.storage.retainOnDelete,
            protect: cfg.storage.protect,
        });
    });
    return run.then((r) => {
        if (r.error) throw r.error;
        return { ...r, storage: storage! };
    });
}

describe("SharedStorage", () => {
    describe("rwxClaimManifest (pure)", () => {
        it("builds an exact ReadWriteMany claim on the given class", () => {
            assert.deepEqual(
                rwxClaimManifest({ name: "agents-workspace", namespace: "jenkins-agents", role: "workspace", storageClassName: "longhorn", size: "10Gi" }),
                {
                    apiVersion: "v1",
                    kind: "PersistentVolumeClaim",
                    metadata: {
                        name: "agents-workspace",
                        namespace: "jenkins-agents",
                        labels: { "app.kubernetes.io/name": "workspace", "app.kubernetes.io/part-of": "ci-stack", "cistack.dev/shared-across-nodes": "true" },
                    },
                    spec: {
                        accessModes: ["ReadWriteMany"],
                        volumeMode: "Filesystem",
                        storageClassName: "longhorn",
                        resources: { requests: { storage: "10Gi" } },
                    },
                },
            );
        });

        it("names both claims after the component and sizes each from its own argument", () => {
            const c = sharedStorageClaims("ws", { namespace: "builds", storageClassName: "longhorn-rwx", workspaceSize: "20Gi", cacheSize: "5Gi" });
            assert.deepEqual(
                [c.workspace, c.cache].map((m) => [m.metadata.name, m.metadata.namespace, m.metadata.labels["app.kubernetes.io/name"], m.spec.storageClassName, m.spec.resources.requests.storage]),
                [
                    ["ws-workspace", "builds", "workspace", "longhorn-rwx", "20Gi"],
                    ["ws-maven-cache", "builds", "maven-cache", "longhorn-rwx", "5Gi"],
                ],
            );
        });

        it("produces manifests that pass the Kubernetes schema", async () => {
            const c = sharedStorageClaims("agents", { namespace: "jenkins-agents", storageClassName: "longhorn", workspaceSize: "10Gi", cacheSize: "10Gi" });
            await assertValidK8s(c.workspace);
            await assertValidK8s(c.cache);
        });

        it("does not skip the provider's await (Longhorn binds Immediate; see rwxClaimManifest)", () => {
            const m = rwxClaimManifest({ name: "x", namespace: "n", role: "r", storageClassName: "longhorn", size: "1Gi" });
            assert.equal("annotations" in m.metadata, false);
        });
    });

    describe("component (mock mode)", () => {
        it("registers two RWX claims, children of the component, protected and retained by default", async () => {
            const { recorder, storage } = await storageFromConfig({ ...MINIMAL });
            const parent = recorder.one("cistack:platform:SharedStorage");
            assert.equal(parent.name, "agents");
            const pvcs = recorder.ofType(PVC);
            assert.deepEqual(
                pvcs.map((p) => [p.name, p.parent, p.protect, p.retainOnDelete]),
                [
                    ["agents-workspace", parent.urn, true, true],
                    ["agents-maven-cache", parent.urn, true, true],
                ],
            );
            assert.deepEqual(pvcs[0]!.inputs, {
                apiVersion: "v1",
                kind: "PersistentVolumeClaim",
                metadata: {
                    name: "agents-workspace",
                    namespace: "jenkins-agents",
                    labels: { "app.kubernetes.io/name": "workspace", "app.kubernetes.io/part-of": "ci-stack", "cistack.dev/shared-across-nodes": "true" },
                },
                spec: { accessModes: ["ReadWriteMany"], volumeMode: "Filesystem", storageClassName: "longhorn", resources: { requests: { storage: "10Gi" } } },
            });
            assert.equal(pvcs[1]!.inputs.spec.resources.requests.storage, "10Gi");
            await assertValidK8s(pvcs[0]!.inputs);
            await assertValidK8s(pvcs[1]!.inputs);
            assert.equal(await resolve(storage.workspaceClaimName), "agents-workspace");
            assert.equal(await resolve(storage.cacheClaimName), "agents-maven-cache");
        });

        it("follows config overrides: namespace, storage class, sizes, retain/protect", async () => {
            const { recorder } = await storageFromConfig({
                ...MINIMAL,
                "agents.namespace": "builds",
                "storage.className": "longhorn-rwx",
                "storage.workspaceSize": "25Gi",
                "storage.cacheSize": "3Gi",
                "storage.retainOnDelete": "false",
                "storage.protect": "false",
            });
            assert.deepEqual(
                recorder.ofType(PVC).map((p) => [p.inputs.metadata.namespace, p.inputs.spec.storageClassName, p.inputs.spec.resources.requests.storage, p.protect, p.retainOnDelete]),
                [
                    ["builds", "longhorn-rwx", "25Gi", false, false],
                    ["builds", "longhorn-rwx", "3Gi", false, false],
                ],
            );
        });

        it("uses the dev stack's values", async () => {
            const { recorder } = await storageFromConfig(devStackConfig());
            assert.deepEqual(
                recorder.ofType(PVC).map((p) => [p.inputs.metadata.name, p.inputs.metadata.namespace, p.inputs.spec.accessModes, p.inputs.spec.storageClassName, p.protect]),
                [
                    ["agents-workspace", "jenkins-agents", ["ReadWriteMany"], "longhorn", true],
                    ["agents-maven-cache", "jenkins-agents", ["ReadWriteMany"], "longhorn", true],
                ],
            );
        });

        it("rejects a size that is not a quantity, naming the argument", async () => {
            const run = await runProgram({ ...MINIMAL }, { secretKeys: SECRET_KEYS }, () => {
                new SharedStorage("agents", { namespace: "n", storageClassName: "longhorn", workspaceSize: "10 GB", cacheSize: "1Gi" });
            });
            assert.match(String(run.error), /workspaceSize: "10 GB" is not a Kubernetes quantity/);
            assert.equal(run.recorder.ofType(PVC).length, 0);
        });
    });
});

// What the lab cluster already has before ci-stack's program runs (README "Prerequisites"): Kyverno's
// CRDs and its namespace, a StorageClass named as `storage.className` whose claims bind, and Nodes
// (the fake KWOK Nodes scripts/cluster.ts registers). Longhorn is modelled by pre-created
// PersistentVolumes: KWOK runs no CSI driver, and the PV controller binds a claim to a matching
// volume of its class, which is all the program's awaits observe.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { apiPath, Kube, waitFor, type KObject } from "./kube";

const CRD_DIR_IN_REPO = path.join("test", "reference", "kyverno-v1.19.0");
const CRD_FILES = [
    "kyverno.io_clusterpolicies.yaml",
    "kyverno.io_policyexceptions.yaml",
    "policies.kyverno.io_validatingpolicies.yaml",
    "policies.kyverno.io_policyexceptions.yaml",
];

/**
 * Kyverno v1.19.0's CRDs from the repository's reference data (test/reference, written by
 * `npm run refdata`: the upstream files minus their descriptions, complete otherwise).
 */
export function kyvernoCrds(repo: string): { crds: KObject[]; from: string } {
    const dir = path.join(repo, CRD_DIR_IN_REPO);
    const missing = CRD_FILES.filter((f) => !fs.existsSync(path.join(dir, f)));
    if (missing.length) throw new Error(`${CRD_DIR_IN_REPO} lacks ${missing.join(", ")} (npm run refdata writes them)`);
    const crds = CRD_FILES.map((f) => {
        const docs = parseAllDocuments(fs.readFileSync(path.join(dir, f), "utf8")).map((d) => d.toJS() as unknown);
        const crd = docs.find((d) => (d as KObject | null)?.kind === "CustomResourceDefinition") as KObject | undefined;
        if (!crd) throw new Error(`${path.join(CRD_DIR_IN_REPO, f)}: no CustomResourceDefinition`);
        return crd;
    });
    return { crds, from: CRD_DIR_IN_REPO };
}

/** Creates the CRDs and waits until the API server serves them (condition Established). */
export async function installCrds(kube: Kube, crds: readonly KObject[]): Promise<void> {
    const crdPath = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
    for (const crd of crds) {
        const { metadata, ...rest } = crd;
        // Only the name: the reference files carry provenance annotations the cluster need not hold.
        await kube.create(crdPath, { ...rest, metadata: { name: metadata.name } });
    }
    for (const crd of crds) {
        await waitFor(`CRD ${crd.metadata.name} Established`, 60_000, async () => {
            const c = await kube.get<KObject & { status?: { conditions?: { type: string; status: string }[] } }>(`${crdPath}/${crd.metadata.name}`);
            return c.status?.conditions?.some((x) => x.type === "Established" && x.status === "True") ? true : undefined;
        });
    }
}

export interface StorageOptions {
    readonly className: string;
    /** How many volumes; each is offered ReadWriteOnce and ReadWriteMany. */
    readonly volumes: number;
    /** Capacity of each, e.g. "64Gi". */
    readonly size: string;
}

/**
 * The StorageClass and its pre-created volumes. `Immediate` binding like Longhorn's default class, so
 * the provider's PVC await (pulumi-kubernetes >= 4.16) waits for Bound; reclaim `Retain` so a volume
 * whose claim was deleted shows as Released (the destroy scenario reads that).
 */
export async function installStorage(kube: Kube, o: StorageOptions): Promise<void> {
    await kube.create("/apis/storage.k8s.io/v1/storageclasses", {
        apiVersion: "storage.k8s.io/v1",
        kind: "StorageClass",
        metadata: { name: o.className, labels: { "ci-stack.dev/e2e": "lab" } },
        provisioner: "kubernetes.io/no-provisioner",
        reclaimPolicy: "Retain",
        volumeBindingMode: "Immediate",
        allowVolumeExpansion: true,
    });
    for (let i = 0; i < o.volumes; i++) {
        await kube.create(apiPath("v1", "persistentvolumes"), {
            apiVersion: "v1",
            kind: "PersistentVolume",
            metadata: { name: `e2e-pv-${String(i).padStart(2, "0")}`, labels: { "ci-stack.dev/e2e": "lab" } },
            spec: {
                capacity: { storage: o.size },
                accessModes: ["ReadWriteOnce", "ReadWriteMany"],
                persistentVolumeReclaimPolicy: "Retain",
                storageClassName: o.className,
                volumeMode: "Filesystem",
                // Never mounted: KWOK starts no containers.
                hostPath: { path: `/tmp/ci-stack-e2e-pv-${i}` },
            },
        });
    }
}

/** Namespaces the lab has before the stack (Kyverno's, which also holds the PolicyExceptions). */
export async function installNamespaces(kube: Kube, names: readonly string[]): Promise<void> {
    for (const name of names) {
        const existing = await kube.find(apiPath("v1", "namespaces", undefined, name));
        if (!existing) await kube.create(apiPath("v1", "namespaces"), { apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { "ci-stack.dev/e2e": "lab" } } });
    }
}

// Shared RWX volumes for build agent Pods: every agent Pod, on whichever node the scheduler puts it,
// mounts the same claims, so a jar built by the Maven container is visible to Kaniko in another Pod.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SHARED_ACROSS_NODES_LABEL } from "../policies/previewRules";
import { PART_OF } from "./namespaces";

export interface SharedStorageArgs {
    /** Namespace the agent Pods run in (a PVC can only be mounted from its own namespace). */
    readonly namespace: pulumi.Input<string>;
    /** StorageClass of both claims; it must offer ReadWriteMany (Longhorn does, over NFSv4). Default: none, required. */
    readonly storageClassName: pulumi.Input<string>;
    /** Size of the shared workspace claim, a Kubernetes quantity. Default: none, required (config: 10Gi). */
    readonly workspaceSize: pulumi.Input<string>;
    /** Size of the Maven repository cache claim. Default: none, required (config: 10Gi). */
    readonly cacheSize: pulumi.Input<string>;
    /** Leave the claims (and so the data) in the cluster on `pulumi destroy`. Default: true. */
    readonly retainOnDelete?: boolean;
    /** Mark the claims `protect`, so a replacement or destroy stops instead of deleting data. Default: true. */
    readonly protect?: boolean;
}

/** What one claim is for; `role` becomes the name suffix and the `app.kubernetes.io/name` label. */
export interface RwxClaimSpec {
    readonly name: pulumi.Input<string>;
    readonly namespace: pulumi.Input<string>;
    readonly role: string;
    readonly storageClassName: pulumi.Input<string>;
    readonly size: pulumi.Input<string>;
}

// Kubernetes resource.Quantity syntax, as config/shapes/quantity.ts parses it; repeated here so a
// component built from code rather than config is rejected before registration too.
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

/** Role suffixes of the two claims; the claim names are `${componentName}-${role}`. */
export const WORKSPACE_ROLE = "workspace";
export const MAVEN_CACHE_ROLE = "maven-cache";

/**
 * Pure: a ReadWriteMany PersistentVolumeClaim manifest.
 *
 * No `pulumi.com/skipAwait`: the provider (pulumi-kubernetes >= 4.16, #3130, fixing #895) waits
 * for `Bound` only when the StorageClass binds `Immediate` — Longhorn's `longhorn` class does, and
 * its CSI provisioner creates the volume without a consumer, so the wait is short and catches a
 * missing or RWX-incapable class at `pulumi up` instead of at the first build. For a
 * `WaitForFirstConsumer` class it already treats `Pending` as ready, so nothing deadlocks either.
 */
export function rwxClaimManifest(c: RwxClaimSpec) {
    return {
        apiVersion: "v1" as const,
        kind: "PersistentVolumeClaim" as const,
        metadata: {
            name: c.name,
            namespace: c.namespace,
            // The marker the policy pack's shared-pvc-rwx rule keys on: this claim is mounted by
            // Pods on several nodes, so a preview fails if someone turns it ReadWriteOnce.
            labels: { "app.kubernetes.io/name": c.role, "app.kubernetes.io/part-of": PART_OF, [SHARED_ACROSS_NODES_LABEL]: "true" },
        },
        spec: {
            // RWX so that Pods on different nodes mount the claim at once; with RWO the scheduler
            // would have to put every agent Pod on the node the volume is attached to.
            accessModes: ["ReadWriteMany"],
            // Longhorn serves RWX filesystems through a share-manager Pod's NFSv4 export; a Block
            // RWX claim would mean a "migratable" volume for VM live migration, not a shared tree.
            volumeMode: "Filesystem",
            storageClassName: c.storageClassName,
            resources: { requests: { storage: c.size } },
        },
    };
}

/** Pure: both claims of a SharedStorage named `name`, workspace first. */
export function sharedStorageClaims(name: string, args: Pick<SharedStorageArgs, "namespace" | "storageClassName" | "workspaceSize" | "cacheSize">) {
    const claim = (role: string, size: pulumi.Input<string>) =>
        rwxClaimManifest({ name: `${name}-${role}`, namespace: args.namespace, role, storageClassName: args.storageClassName, size });
    return {
        // The Kubernetes plugin mounts this as the agent's workspace volume
        // (persistentVolumeClaimWorkspaceVolume) in every container of the Pod.
        workspace: claim(WORKSPACE_ROLE, args.workspaceSize),
        // The Maven local repository (~/.m2/repository). Maven's own default is not safe for two
        // builds writing at once; concurrent builds should use the named file locks of Maven 3.9
        // (-Daether.syncContext.named.factory=file-lock -Daether.syncContext.named.nameMapper=file-gav).
        // No Kaniko PVC: the pipeline caches layers in the registry (--cache-repo), and Kaniko's
        // --cache-dir only serves base images pre-pulled by its warmer, which we do not run.
        cache: claim(MAVEN_CACHE_ROLE, args.cacheSize),
    };
}

/**
 * The RWX claims agent Pods share: the workspace and the Maven cache. Protected and retained by
 * default — they hold build data, and Longhorn deletes a volume with its claim (reclaimPolicy Delete).
 */
export class SharedStorage extends pulumi.ComponentResource {
    /** Name of the workspace claim; resolves once the claim exists. */
    public readonly workspaceClaimName: pulumi.Output<string>;
    /** Name of the Maven repository cache claim; resolves once the claim exists. */
    public readonly cacheClaimName: pulumi.Output<string>;

    constructor(name: string, args: SharedStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cistack:platform:SharedStorage", name, {}, opts);
        for (const key of ["workspaceSize", "cacheSize"] as const) {
            const v = args[key];
            if (typeof v === "string" && !QUANTITY.test(v)) {
                throw new pulumi.ResourceError(`${key}: "${v}" is not a Kubernetes quantity such as 10Gi`, this);
            }
        }
        if (typeof args.storageClassName === "string" && args.storageClassName.length === 0) {
            throw new pulumi.ResourceError("storageClassName: must not be empty (an empty class disables dynamic provisioning)", this);
        }

        const claims = sharedStorageClaims(name, args);
        const childOpts: pulumi.CustomResourceOptions = {
            parent: this,
            retainOnDelete: args.retainOnDelete ?? true,
            protect: args.protect ?? true,
        };
        const workspace = new k8s.core.v1.PersistentVolumeClaim(`${name}-${WORKSPACE_ROLE}`, claims.workspace, childOpts);
        const cache = new k8s.core.v1.PersistentVolumeClaim(`${name}-${MAVEN_CACHE_ROLE}`, claims.cache, childOpts);

        this.workspaceClaimName = workspace.metadata.name;
        this.cacheClaimName = cache.metadata.name;
        this.registerOutputs({ workspaceClaimName: this.workspaceClaimName, cacheClaimName: this.cacheClaimName });
    }
}

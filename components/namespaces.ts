import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface NamespacesArgs {
    /** Namespace names keyed by role, e.g. `{ gitea: "gitea", jenkins: "jenkins", agents: "jenkins-agents" }`. */
    readonly names: Readonly<Record<string, string>>;
    /**
     * Leave the namespaces in the cluster on `pulumi destroy`. Deleting a namespace deletes every
     * PVC in it, so retaining the PVCs alone would not keep the data. Default: true.
     */
    readonly retainOnDelete?: boolean;
    /**
     * Mark the namespaces `protect`, like the data in them: retaining alone does not stop a
     * replacement (a renamed namespace) or `pulumi destroy` with retainOnDelete off. Default: true.
     */
    readonly protect?: boolean;
}

export const PART_OF = "ci-stack";

/**
 * Annotations on every Secret the program writes: the program is their one source of truth.
 * Since kubernetes:enableSecretMutable (config/providerConfig.ts) a Secret's data is updated in
 * place by server-side apply, and a key someone changed with `kubectl edit` (field manager
 * kubectl-edit) is then a field conflict that fails `pulumi up` instead of being restored.
 * `pulumi.com/patchForce` makes the apply take those fields back (pulumi-kubernetes
 * provider/pkg/await/await.go, patchForce; found by the e2e drift scenario, issue #10).
 */
export const OWNED_SECRET_ANNOTATIONS: Readonly<Record<string, string>> = { "pulumi.com/patchForce": "true" };

/** Pure: the Namespace manifest for one role. */
export function namespaceManifest(name: string, role: string) {
    return {
        metadata: {
            name,
            labels: {
                "app.kubernetes.io/part-of": PART_OF,
                "app.kubernetes.io/component": role,
                // Baseline Pod Security forbids privileged Pods and hostPath: the build model here
                // (Kaniko, no Docker daemon) needs neither, so the namespace enforces it.
                "pod-security.kubernetes.io/enforce": "baseline",
                "pod-security.kubernetes.io/warn": "baseline",
            },
        },
    };
}

/** The stack's namespaces, one per role; other components take the names from `names`. */
export class Namespaces extends pulumi.ComponentResource {
    /** Namespace names by role, resolved only once the Namespace exists (so they carry the dependency). */
    public readonly names: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: NamespacesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cistack:platform:Namespaces", name, {}, opts);
        const seen = new Set<string>();
        this.names = {};
        for (const [role, ns] of Object.entries(args.names)) {
            if (seen.has(ns)) throw new pulumi.ResourceError(`names.${role}: namespace "${ns}" is given for two roles`, this);
            seen.add(ns);
            const res = new k8s.core.v1.Namespace(`${name}-${role}`, namespaceManifest(ns, role), {
                parent: this,
                retainOnDelete: args.retainOnDelete ?? true,
                protect: args.protect ?? true,
            });
            this.names[role] = res.metadata.name;
        }
        this.registerOutputs({ names: this.names });
    }
}

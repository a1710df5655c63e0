import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { autogenRuleNames, CATALOGUE, type PodRule } from "../policies/catalogue";
import { celValidations, kyvernoValidate } from "../policies/kyverno";
import { PART_OF } from "./namespaces";

export type KyvernoPolicyType = "ClusterPolicy" | "ValidatingPolicy";

export interface KyvernoPoliciesArgs {
    /** Namespace Kyverno runs in; always exempted. */
    readonly namespace: string;
    /** Namespace the PolicyExceptions are created in; must be Kyverno's `--exceptionNamespace`. */
    readonly exceptionNamespace: string;
    /** Further namespaces to exempt (kube-system, longhorn-system, ...). */
    readonly systemNamespaces: readonly string[];
    /** ClusterPolicy (kyverno.io/v1) or ValidatingPolicy (policies.kyverno.io/v1, Kyverno >= 1.17). */
    readonly policyType: KyvernoPolicyType;
    /** The stack's own namespaces to exempt (Gitea's and Jenkins'), e.g. the Namespaces component's outputs. Default: none. */
    readonly exemptNamespaces?: readonly pulumi.Input<string>[];
    /** The build agents' namespace: never exempt, rejected if it appears among the exempt ones. */
    readonly agentsNamespace?: pulumi.Input<string>;
    /**
     * Take over the fields another field manager (a runbook's `kubectl apply`) set on these policies
     * whenever Pulumi applies them: the `pulumi.com/patchForce` annotation. It applies to updates, and
     * to creates only while the stack's provider upserts (`kubernetes:upsertExistingObjects`,
     * @pulumi/kubernetes >= 4.29; otherwise an existing policy fails the create with AlreadyExists).
     * Default: true.
     */
    readonly adoptExisting?: boolean;
    /** The rules to render. Default: the whole catalogue. */
    readonly rules?: readonly PodRule[];
}

/** Kinds whose Pod templates Kyverno's autogen rules evaluate (Kyverno's default controller list). */
export const AUTOGEN_KINDS = ["DaemonSet", "Deployment", "Job", "StatefulSet", "ReplicaSet", "ReplicationController", "CronJob"] as const;

// Per-rule `validate.failureAction` needs Kyverno 1.13 (where the spec-level
// validationFailureAction was deprecated).
const CLUSTER_POLICY_MIN_VERSION = "1.13.0";
// policies.kyverno.io/v1 (ValidatingPolicy, PolicyException) is served from Kyverno 1.17 on.
const VALIDATING_POLICY_MIN_VERSION = "1.17.0";

const labels = { "app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/managed-by": "pulumi" };

function annotations(rule: PodRule, minVersion: string, adopt: boolean): Record<string, string> {
    return {
        "policies.kyverno.io/title": rule.title,
        "policies.kyverno.io/category": rule.category,
        "policies.kyverno.io/severity": rule.severity,
        "policies.kyverno.io/subject": "Pod",
        "policies.kyverno.io/minversion": minVersion,
        "policies.kyverno.io/description": rule.description,
        // A policy applied by hand under the same name is owned by another field manager
        // (kubectl-client-side-apply): force makes Pulumi's server-side apply take those fields over
        // instead of failing with a conflict. pulumi-kubernetes provider/pkg/await/await.go reads it
        // on Update and on the upsert path of Creation; since 4.29 (#2926) a create is client-side
        // and fails with AlreadyExists unless the provider has upsertExistingObjects set.
        ...(adopt ? { "pulumi.com/patchForce": "true" } : {}),
    };
}

/** Pure: the kyverno.io/v1 ClusterPolicy for one rule, auditing via the per-rule failureAction. */
export function clusterPolicyManifest(rule: PodRule, adopt = true) {
    return {
        apiVersion: "kyverno.io/v1",
        kind: "ClusterPolicy",
        metadata: { name: rule.name, labels, annotations: annotations(rule, CLUSTER_POLICY_MIN_VERSION, adopt) },
        spec: {
            background: true,
            rules: [
                {
                    name: rule.ruleName,
                    // Pods only, no name/selector filters: Kyverno then generates the autogen-* rules
                    // for every Pod controller.
                    match: { any: [{ resources: { kinds: ["Pod"] } }] },
                    validate: { failureAction: "Audit", message: rule.message, ...kyvernoValidate(rule) },
                },
            ],
        },
    };
}

/** Pure: the policies.kyverno.io/v1 ValidatingPolicy (CEL) for one rule, audit only. */
export function validatingPolicyManifest(rule: PodRule, adopt = true) {
    const cel = celValidations(rule);
    return {
        apiVersion: "policies.kyverno.io/v1",
        kind: "ValidatingPolicy",
        metadata: { name: rule.name, labels, annotations: annotations(rule, VALIDATING_POLICY_MIN_VERSION, adopt) },
        spec: {
            validationActions: ["Audit"],
            evaluation: { background: { enabled: true } },
            // Pods only and no selectors: Kyverno autogenerates the Pod-controller variants.
            matchConstraints: { resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["pods"] }] },
            ...(cel.variables.length ? { variables: cel.variables } : {}),
            validations: cel.validations,
        },
    };
}

export const exceptionName = (rule: PodRule) => `${rule.name}-system-namespaces`;

/**
 * Pure: the kyverno.io/v2 PolicyException exempting `namespaces` from one ClusterPolicy: only its
 * rules (the Pod rule and the autogen ones), only the Pods and Pod controllers of those namespaces.
 */
export function policyExceptionManifest(rule: PodRule, namespaces: readonly string[], exceptionNamespace: string) {
    return {
        apiVersion: "kyverno.io/v2",
        kind: "PolicyException",
        metadata: { name: exceptionName(rule), namespace: exceptionNamespace, labels },
        spec: {
            exceptions: [{ policyName: rule.name, ruleNames: autogenRuleNames(rule) }],
            match: { any: [{ resources: { kinds: ["Pod", ...AUTOGEN_KINDS], namespaces: [...namespaces] } }] },
        },
    };
}

/** A CEL list literal of strings. */
function celStrings(xs: readonly string[]): string {
    return `[${xs.map((x) => `'${x}'`).join(", ")}]`;
}

/**
 * Pure: the policies.kyverno.io/v1 PolicyException for one ValidatingPolicy. CEL exceptions name the
 * policy (its autogen variants belong to it) and select resources with a CEL match condition.
 */
export function celPolicyExceptionManifest(rule: PodRule, namespaces: readonly string[], exceptionNamespace: string) {
    return {
        apiVersion: "policies.kyverno.io/v1",
        kind: "PolicyException",
        metadata: { name: exceptionName(rule), namespace: exceptionNamespace, labels },
        spec: {
            policyRefs: [{ name: rule.name, kind: "ValidatingPolicy" }],
            matchConditions: [{ name: "exempt-namespaces", expression: `object.metadata.?namespace.orValue('') in ${celStrings(namespaces)}` }],
        },
    };
}

/** Exempt namespaces: sorted, de-duplicated; throws naming the agents namespace if it is among them. */
export function exemptList(namespaces: readonly string[], agentsNamespace?: string): string[] {
    const list = [...new Set(namespaces)].sort();
    if (agentsNamespace !== undefined && list.includes(agentsNamespace)) {
        throw new Error(`the agents namespace "${agentsNamespace}" cannot be exempted from the policies: build Pods must stay audited`);
    }
    return list;
}

/**
 * The catalogue as Kyverno audit policies, one per rule, each with one narrow PolicyException for the
 * system namespaces. Policy names are the catalogue's (stable: `require-resources`, ...).
 */
export class KyvernoPolicies extends pulumi.ComponentResource {
    /** metadata.name of each policy, by rule name. */
    public readonly policyNames: Record<string, pulumi.Output<string>>;
    /** The namespaces the exceptions exempt. */
    public readonly exemptNamespaces: pulumi.Output<string[]>;

    constructor(name: string, args: KyvernoPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cistack:policy:KyvernoPolicies", name, {}, opts);
        const rules = args.rules ?? CATALOGUE;
        const adopt = args.adoptExisting ?? true;
        if (rules.length === 0) throw new pulumi.ResourceError("rules: at least one rule is required", this);
        for (const ns of [args.namespace, ...args.systemNamespaces]) {
            if (typeof args.agentsNamespace === "string" && ns === args.agentsNamespace) {
                throw new pulumi.ResourceError(`systemNamespaces: "${ns}" is the agents namespace; build Pods must stay audited`, this);
            }
        }

        this.exemptNamespaces = pulumi
            .all([pulumi.all([...(args.exemptNamespaces ?? [])]), pulumi.output(args.agentsNamespace)])
            .apply(([own, agents]) => exemptList([...own, args.namespace, ...args.systemNamespaces], agents));

        this.policyNames = {};
        for (const rule of rules) {
            const manifest = args.policyType === "ValidatingPolicy" ? validatingPolicyManifest(rule, adopt) : clusterPolicyManifest(rule, adopt);
            const policy = new k8s.apiextensions.CustomResource(`${name}-${rule.name}`, manifest, { parent: this });
            const exception = this.exemptNamespaces.apply((nss) =>
                args.policyType === "ValidatingPolicy"
                    ? celPolicyExceptionManifest(rule, nss, args.exceptionNamespace)
                    : policyExceptionManifest(rule, nss, args.exceptionNamespace),
            );
            new k8s.apiextensions.CustomResource(
                `${name}-${rule.name}-exception`,
                {
                    apiVersion: args.policyType === "ValidatingPolicy" ? "policies.kyverno.io/v1" : "kyverno.io/v2",
                    kind: "PolicyException",
                    metadata: exception.metadata,
                    spec: exception.spec,
                },
                // An exception naming a policy that does not exist yet is harmless, but creating it
                // after the policy keeps `kubectl get` output and reports consistent during the first up.
                { parent: this, dependsOn: [policy] },
            );
            this.policyNames[rule.name] = policy.metadata.name;
        }
        this.registerOutputs({ policyNames: this.policyNames, exemptNamespaces: this.exemptNamespaces });
    }
}

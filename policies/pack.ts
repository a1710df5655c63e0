// The CrossGuard policies, built from the catalogue plus the preview-only rules. Tests import this
// module and call each policy's validateResource directly; only index.ts constructs the PolicyPack
// (constructing one starts the analyzer's gRPC server).
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { CATALOGUE, type PodRule } from "./catalogue";
import { checkPod, getPath, podOf, POD_TEMPLATE_PATHS, prop, UNKNOWN, type Finding } from "./check";
import { privilegedFindings, runtimeSocketFindings, secretValueFindings, sharedPvcFindings, SHARED_ACROSS_NODES_LABEL } from "./previewRules";

export const PACK_NAME = "ci-stack";

/** Resource types whose Pod (template) the Pod rules inspect. */
export const POD_TYPES: readonly string[] = Object.keys(POD_TEMPLATE_PATHS);
export const PVC_TYPE = "kubernetes:core/v1:PersistentVolumeClaim";
/** Helm releases (and v4 charts) whose `values` the secrets rule reads. */
export const HELM_TYPES: readonly string[] = ["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"];

interface PodRuleConfig {
    /** Namespaces the rule skips, mirroring the Kyverno PolicyExceptions. */
    readonly exemptNamespaces?: readonly string[];
}

const exemptSchema = {
    properties: {
        exemptNamespaces: {
            type: "array" as const,
            items: { type: "string" as const },
            default: [],
            description: "Namespaces this rule skips (the Kyverno exceptions exempt gitea, jenkins, kyverno and the system namespaces).",
        },
    },
};

function report(reportViolation: ReportViolation, args: ResourceValidationArgs, findings: readonly Finding[]): void {
    for (const f of findings) reportViolation(`${args.type} ${args.name}: ${f.at}: ${f.message}`);
}

/** The namespace a resource's Pods run in ("" when unset, i.e. the provider default), or UNKNOWN during preview. */
function namespaceOf(props: unknown): string | typeof UNKNOWN {
    const ns = getPath(props, ["metadata", "namespace"]);
    return ns === UNKNOWN ? UNKNOWN : typeof ns === "string" ? ns : "";
}

function podSpecOf(args: ResourceValidationArgs): unknown {
    return podOf(args.type, args.props)?.spec;
}

/** A catalogue rule as a CrossGuard policy over Pods and every Pod controller. */
export function podRulePolicy(rule: PodRule): ResourceValidationPolicy {
    return {
        name: rule.name,
        displayName: rule.title,
        description: rule.description,
        severity: rule.severity,
        enforcementLevel: rule.packEnforcement,
        tags: ["kubernetes", "catalogue", rule.category],
        configSchema: exemptSchema,
        validateResource: (args, reportViolation) => {
            const pod = podOf(args.type, args.props);
            if (!pod) return;
            const exempt = args.getConfig<PodRuleConfig>().exemptNamespaces ?? [];
            const ns = namespaceOf(args.props);
            if (ns !== UNKNOWN && exempt.includes(ns)) return;
            const findings = checkPod(rule, pod);
            if (findings.length > 0 && ns === UNKNOWN && exempt.length > 0) {
                // The namespace is an Output not resolved yet (e.g. a Namespace created in the same
                // run): whether the cluster's exception would cover it cannot be known, so no
                // mandatory violation on a guess. `pulumi up` validates the resource again with its
                // inputs resolved, before creating it.
                return args.notApplicable(
                    `metadata.namespace is unknown during preview, so whether exemptNamespaces (${exempt.join(", ")}) covers it cannot be known; checked again during pulumi up`,
                );
            }
            report(reportViolation, args, findings);
        },
    };
}

interface HelmSecretsConfig {
    /** Dotted value paths accepted as they are (e.g. a deliberate secret Output). */
    readonly allowPaths?: readonly string[];
}

/** The preview-only rules, with their default enforcement. */
export function previewPolicies(): ResourceValidationPolicy[] {
    return [
        {
            name: "no-privileged-containers",
            displayName: "No privileged containers",
            description: "No container (init and ephemeral included) runs privileged: Kaniko builds images without it.",
            severity: "high",
            enforcementLevel: "mandatory",
            tags: ["kubernetes", "kaniko"],
            validateResource: (args, reportViolation) => report(reportViolation, args, privilegedFindings(podSpecOf(args))),
        },
        {
            name: "no-runtime-socket",
            displayName: "No container runtime socket",
            description: "No hostPath volume mounts docker.sock/containerd.sock (or a directory above one): builds must not drive the node's runtime.",
            severity: "high",
            enforcementLevel: "mandatory",
            tags: ["kubernetes", "kaniko"],
            validateResource: (args, reportViolation) => report(reportViolation, args, runtimeSocketFindings(podSpecOf(args))),
        },
        {
            name: "shared-pvc-rwx",
            displayName: "Shared claims are ReadWriteMany",
            description: `A PersistentVolumeClaim labelled ${SHARED_ACROSS_NODES_LABEL}=true is mounted by Pods on several nodes, so it must be ReadWriteMany.`,
            severity: "medium",
            enforcementLevel: "mandatory",
            tags: ["kubernetes", "storage"],
            validateResource: (args, reportViolation) => {
                if (args.type === PVC_TYPE) report(reportViolation, args, sharedPvcFindings(args.props));
            },
        },
        {
            name: "helm-values-no-plaintext-secrets",
            displayName: "No plaintext secrets in Helm values",
            description:
                "Helm release values hold no credential-looking value (by key name, known token format or entropy): " +
                "charts read credentials from an existing Secret.",
            severity: "high",
            enforcementLevel: "mandatory",
            tags: ["kubernetes", "helm", "secrets"],
            configSchema: {
                properties: {
                    allowPaths: {
                        type: "array",
                        items: { type: "string" },
                        default: [],
                        description: "Dotted values paths that are accepted (e.g. a value that must come from a secret Output).",
                    },
                },
            },
            validateResource: (args, reportViolation) => {
                if (!HELM_TYPES.includes(args.type)) return;
                const values = prop(args.props, "values");
                if (values === UNKNOWN) return;
                const allow = args.getConfig<HelmSecretsConfig>().allowPaths ?? [];
                report(reportViolation, args, secretValueFindings(values, allow));
            },
        },
    ];
}

/** Every policy of the pack: the catalogue's Pod rules first, then the preview-only rules. */
export function packPolicies(rules: readonly PodRule[] = CATALOGUE): ResourceValidationPolicy[] {
    return [...rules.map(podRulePolicy), ...previewPolicies()];
}

// Kubernetes object names, namespaces, NodePorts and tolerations, as the API server validates them
// (k8s.io/apimachinery pkg/util/validation/validation.go unless noted).
import { z } from "zod";
import { checked, firstProblem, type Problem } from "./common";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
// A taint key: optional DNS subdomain prefix, then a name segment (RKE2/kubectl syntax).
const TAINT_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
const EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;

/** IsDNS1123Label: namespaces, Helm release names. */
export const dnsLabelProblem: Problem = (s) =>
    s.length > 63 ? "must be at most 63 characters (DNS-1123 label)"
    : DNS1123_LABEL.test(s) ? undefined
    : "must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending alphanumeric";

/** IsDNS1035Label: Service names (ValidateServiceName), which must start with a letter. */
export const dns1035LabelProblem: Problem = (s) =>
    s.length > 63 ? "must be at most 63 characters (DNS-1035 label)"
    : DNS1035_LABEL.test(s) ? undefined
    : "must be a DNS-1035 label: lower-case letters, digits and '-', starting with a letter and ending alphanumeric";

export const dnsLabel = checked(dnsLabelProblem);
export const dns1035Label = checked(dns1035LabelProblem);

export const dnsSubdomain = z
    .string()
    .max(253, "must be at most 253 characters (DNS-1123 subdomain)")
    .regex(DNS1123_SUBDOMAIN, "must be a DNS-1123 subdomain: lower-case alphanumerics, '-' and '.'");

/**
 * Namespaces that belong to the cluster, never to a component of this stack (which creates, labels
 * and on destroy may delete its namespaces): the four the API server creates itself (metav1
 * NamespaceDefault/System/Public and NamespaceNodeLease, made by kubernetes
 * pkg/controlplane/controller/systemnamespaces) plus Longhorn's (longhorn/longhorn
 * deploy/longhorn.yaml installs into longhorn-system). Kyverno's own namespaces and
 * kyverno.systemNamespaces are configured, so config/rules.ts checks those.
 */
export const CLUSTER_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease", "longhorn-system"] as const;

/** A namespace a component may own: a DNS-1123 label that is not the cluster's. */
export const componentNamespaceProblem: Problem = firstProblem(dnsLabelProblem, (s) => {
    if ((CLUSTER_NAMESPACES as readonly string[]).includes(s)) return `"${s}" belongs to the cluster, not to a component; choose a namespace of its own`;
    // "Avoid creating namespaces with the prefix kube-, since it is reserved for Kubernetes
    // system namespaces" (kubernetes/website content/en/docs/concepts/overview/working-with-objects/namespaces.md).
    if (s.startsWith("kube-")) return "must not start with kube- (reserved for Kubernetes system namespaces)";
    return undefined;
});

export const componentNamespace = checked(componentNamespaceProblem);

export const nodePort = z
    .number()
    .int("must be an integer")
    .min(30000, "must be a NodePort in 30000-32767 (the API server's default service-node-port-range)")
    .max(32767, "must be a NodePort in 30000-32767 (the API server's default service-node-port-range)");

export interface Toleration {
    readonly key?: string;
    readonly operator: "Exists" | "Equal";
    readonly value?: string;
    readonly effect?: (typeof EFFECTS)[number];
}

/**
 * Tolerations use the taint syntax of `kubectl taint` and RKE2's `node-taint`, because Pulumi's
 * project config can declare arrays of strings but not of objects:
 * `*` (tolerate every taint, the seed's `operator: Exists`), `*:NoSchedule`, `key`, `key:Effect`,
 * `key=value:Effect`.
 */
export function parseToleration(s: string): Toleration | string {
    const m = /^([^=:]+)(?:=([^:]*))?(?::(.+))?$/.exec(s);
    if (!m) return `"${s}" is not a toleration (use *, key, key:Effect or key=value:Effect)`;
    const [, key, value, effect] = m as unknown as [string, string, string | undefined, string | undefined];
    if (effect !== undefined && !(EFFECTS as readonly string[]).includes(effect)) {
        return `"${s}": effect must be one of ${EFFECTS.join(", ")}`;
    }
    const eff = effect as Toleration["effect"];
    if (key === "*") {
        if (value !== undefined) return `"${s}": a wildcard toleration cannot carry a value`;
        return { operator: "Exists", ...(eff ? { effect: eff } : {}) };
    }
    if (!TAINT_KEY.test(key) || key.length > 316) return `"${s}": "${key}" is not a valid taint key`;
    if (value === undefined) return { key, operator: "Exists", ...(eff ? { effect: eff } : {}) };
    if (!LABEL_VALUE.test(value) || value.length > 63) return `"${s}": "${value}" is not a valid taint value`;
    return { key, operator: "Equal", value, ...(eff ? { effect: eff } : {}) };
}

export const toleration = z.string().transform((s, ctx) => {
    const t = parseToleration(s);
    if (typeof t === "string") {
        ctx.addIssue({ code: "custom", message: t });
        return z.NEVER;
    }
    return t;
});

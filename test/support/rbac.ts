// Effective RBAC: what a ServiceAccount may do is the union of every Role (and ClusterRole) bound to
// it, whoever created the binding. Two sources here: the Roles and RoleBindings the program
// registers (recorded under mocks), and those the jenkins chart renders itself for our values —
// modelled from jenkinsci/helm-charts charts/jenkins/templates/rbac.yaml at tag jenkins-5.9.53.
import type { RecordedResource } from "./mocks";

export interface Rule {
    readonly apiGroups?: readonly string[];
    readonly resources?: readonly string[];
    readonly verbs: readonly string[];
    readonly resourceNames?: readonly string[];
}
export interface RoleObject {
    readonly kind: "Role" | "ClusterRole";
    readonly metadata: { readonly name: string; readonly namespace?: string };
    readonly rules: readonly Rule[];
}
export interface BindingObject {
    readonly kind: "RoleBinding" | "ClusterRoleBinding";
    readonly metadata: { readonly name: string; readonly namespace?: string };
    readonly roleRef: { readonly kind: string; readonly name: string };
    readonly subjects: readonly { readonly kind: string; readonly name: string; readonly namespace?: string }[];
}
export type RbacObject = RoleObject | BindingObject;

const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
function at(values: unknown, path: string): unknown {
    let v = values;
    for (const k of path.split(".")) v = isMap(v) ? v[k] : undefined;
    return v;
}

/**
 * What charts/jenkins/templates/rbac.yaml (chart 5.9.53) renders for `values` (merged over the
 * chart's defaults: rbac.create true, rbac.readSecrets false, rbac.useOpenShiftNonRootSCC false,
 * controller.sidecars.configAutoReload.enabled true — charts/jenkins/values.yaml).
 */
export function jenkinsChartRbac(values: unknown, release: { name: string; namespace: string; fullname: string; serviceAccount: string }): RbacObject[] {
    const flag = (path: string, dflt: boolean) => {
        const v = at(values, path);
        return typeof v === "boolean" ? v : dflt;
    };
    if (!flag("rbac.create", true)) return [];
    const sa = [{ kind: "ServiceAccount", name: release.serviceAccount, namespace: release.namespace }];
    // "jenkins.agent.namespace": agent.namespace, else the release namespace (templates/_helpers.tpl).
    const agentNs = typeof at(values, "agent.namespace") === "string" && at(values, "agent.namespace") !== "" ? (at(values, "agent.namespace") as string) : release.namespace;
    const role = (name: string, namespace: string, rules: Rule[]): RoleObject => ({ kind: "Role", metadata: { name, namespace }, rules });
    const bind = (name: string, namespace: string, roleName: string): BindingObject => ({ kind: "RoleBinding", metadata: { name, namespace }, roleRef: { kind: "Role", name: roleName }, subjects: sa });
    const out: RbacObject[] = [
        role(`${release.fullname}-schedule-agents`, agentNs, [
            { apiGroups: [""], resources: ["pods", "pods/exec", "pods/log", "persistentvolumeclaims", "events"], verbs: ["get", "list", "watch"] },
            { apiGroups: [""], resources: ["pods", "pods/exec", "persistentvolumeclaims"], verbs: ["create", "delete", "deletecollection", "patch", "update"] },
        ]),
        bind(`${release.fullname}-schedule-agents`, agentNs, `${release.fullname}-schedule-agents`),
    ];
    if (flag("rbac.readSecrets", false)) {
        out.push(role(`${release.fullname}-read-secrets`, release.namespace, [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "watch", "list"] }]));
        out.push(bind(`${release.fullname}-read-secrets`, release.namespace, `${release.fullname}-read-secrets`));
    }
    if (flag("rbac.useOpenShiftNonRootSCC", false)) {
        out.push(role(`${release.fullname}-use-nonroot-scc`, release.namespace, [{ apiGroups: ["security.openshift.io"], resources: ["securitycontextconstraints"], resourceNames: ["nonroot", "nonroot-v2"], verbs: ["use"] }]));
        out.push(bind(`${release.fullname}-use-nonroot-scc`, release.namespace, `${release.fullname}-use-nonroot-scc`));
    }
    if (flag("controller.sidecars.configAutoReload.enabled", true)) {
        out.push(role(`${release.fullname}-casc-reload`, release.namespace, [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "watch", "list"] }]));
        out.push(bind(`${release.fullname}-watch-configmaps`, release.namespace, `${release.fullname}-casc-reload`));
    }
    return out;
}

const RBAC_TYPES: Record<string, RbacObject["kind"]> = {
    "kubernetes:rbac.authorization.k8s.io/v1:Role": "Role",
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole": "ClusterRole",
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": "RoleBinding",
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": "ClusterRoleBinding",
};

/** The RBAC objects among recorded resources (inputs as registered). */
export function recordedRbac(resources: readonly RecordedResource[]): RbacObject[] {
    return resources.filter((r) => r.type in RBAC_TYPES).map((r) => ({ ...r.inputs, kind: RBAC_TYPES[r.type] }) as RbacObject);
}

/**
 * Everything `serviceAccount` may do, as sorted "<namespace|*>: <verb> <apiGroup>/<resource>[/<name>]"
 * strings: each binding that names it as a subject contributes its role's rules, in the binding's
 * namespace (a ClusterRoleBinding: everywhere, "*").
 */
export function effectiveGrants(objects: readonly RbacObject[], serviceAccount: { name: string; namespace: string }): string[] {
    const roles = objects.filter((o): o is RoleObject => o.kind === "Role" || o.kind === "ClusterRole");
    const out = new Set<string>();
    for (const b of objects) {
        if (b.kind !== "RoleBinding" && b.kind !== "ClusterRoleBinding") continue;
        if (!b.subjects.some((s) => s.kind === "ServiceAccount" && s.name === serviceAccount.name && s.namespace === serviceAccount.namespace)) continue;
        const scope = b.kind === "ClusterRoleBinding" ? "*" : (b.metadata.namespace ?? "?");
        const role = roles.find((r) => r.kind === b.roleRef.kind && r.metadata.name === b.roleRef.name && (r.kind === "ClusterRole" || r.metadata.namespace === b.metadata.namespace));
        if (!role) continue; // a binding to a missing Role grants nothing
        for (const rule of role.rules) {
            for (const g of rule.apiGroups ?? [""]) {
                for (const res of rule.resources ?? []) {
                    for (const v of rule.verbs) for (const n of rule.resourceNames ?? [""]) out.add(`${scope}: ${v} ${g}/${res}${n ? `/${n}` : ""}`);
                }
            }
        }
    }
    return [...out].sort();
}

// What the Jenkins controller may do in the agents namespace: run agent Pods through the Kubernetes
// plugin. A Role + RoleBinding only, never a ClusterRole, and the only rights the controller's
// ServiceAccount has there: the chart's own agent Role is off (rbac.create: false, jenkins.ts).
//
// Agent Pods get no ServiceAccount of their own. Nothing in them calls the Kubernetes API: the jnlp
// container talks to the controller, Maven to the repositories, Kaniko to Harbor with the mounted
// dockerconfigjson. All API work (create, watch, exec, delete) is done by the controller with its
// own ServiceAccount, bound below. Agent Pods run as the namespace's `default` ServiceAccount, which
// nothing binds, and the agent pod template (Jenkins component) sets
// `automountServiceAccountToken: false`, so not even a powerless token lands in a build.
// A dedicated agent ServiceAccount would add an ordering edge between this component and the
// Jenkins release and still hold no permissions.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PART_OF } from "./namespaces";

export interface AgentRbacArgs {
    /** Namespace the agent Pods run in; the Role and RoleBinding live there. Default: none, required. */
    readonly namespace: pulumi.Input<string>;
    /** The Jenkins controller's ServiceAccount (the Jenkins component's `serviceAccountName`). Default: none, required. */
    readonly controllerServiceAccount: { readonly name: pulumi.Input<string>; readonly namespace: pulumi.Input<string> };
}

export interface RbacRule {
    readonly apiGroups: string[];
    readonly resources: string[];
    readonly verbs: string[];
}

/**
 * Pure: the rules, each verb traced to a call of the Kubernetes plugin (kubernetes-plugin source at
 * a82d78a, 2026-03; the jenkins chart 5.9.53 pins kubernetes:4540). Compared with the chart's own
 * `<release>-schedule-agents` Role (charts/jenkins/templates/rbac.yaml), this one drops what our
 * setup never uses: `persistentvolumeclaims` (only the dynamicPVC workspace volume creates claims;
 * ours are made by SharedStorage), `deletecollection` and `update` (the plugin never issues them),
 * `watch`/`get` on events and list/watch on subresources (no such requests exist). No Secret either:
 * mounting harbor-auth into an agent Pod needs no right of the Pod's creator (the kubelet reads it
 * under the Node authorizer), and nothing in the controller reads it by name.
 */
export function agentRoleRules(): RbacRule[] {
    return [
        {
            apiGroups: [""],
            resources: ["pods"],
            // create/delete: KubernetesLauncher starts the agent Pod, KubernetesSlave._terminate and
            // GarbageCollection remove it. get/list/watch: waitUntilReady and the launch loop poll
            // the Pod, the cloud's pod informer (list+watch) feeds the Reaper, "Test Connection"
            // lists Pods. patch: GarbageCollection stamps the kubernetes.jenkins.io/last-refresh
            // annotation (only when garbage collection is on; same power as delete+create anyway).
            verbs: ["create", "delete", "get", "list", "patch", "watch"],
        },
        {
            apiGroups: [""],
            resources: ["pods/exec"],
            // The `container('kaniko') { sh ... }` step execs into the Pod. fabric8 (the plugin's
            // client) upgrades a GET to a WebSocket, which the API server authorizes as `get`;
            // SPDY exec is a POST, authorized as `create`, and newer API servers ask for `create`
            // on WebSocket upgrades too. Both, so the step works on either.
            verbs: ["create", "get"],
        },
        {
            apiGroups: [""],
            resources: ["pods/log"],
            // Container logs of a Pod that failed to start (KubernetesLauncher/PodUtils tail 30 lines)
            // and the agent page's container log; following a log is still a `get`.
            verbs: ["get"],
        },
        {
            apiGroups: [""],
            resources: ["events"],
            // KubernetesComputer.getPodEvents lists the Pod's events for the agent page ("why is
            // it Pending?"). The plugin no longer watches events (TaskListenerEventWatcher is unused).
            verbs: ["list"],
        },
    ];
}

/** Pure: the Role manifest. */
export function agentRoleManifest(r: { name: pulumi.Input<string>; namespace: pulumi.Input<string> }) {
    return {
        apiVersion: "rbac.authorization.k8s.io/v1" as const,
        kind: "Role" as const,
        metadata: { name: r.name, namespace: r.namespace, labels: labels() },
        rules: agentRoleRules(),
    };
}

/** Pure: the RoleBinding manifest granting `roleName` to the controller's ServiceAccount. */
export function agentRoleBindingManifest(b: {
    name: pulumi.Input<string>;
    namespace: pulumi.Input<string>;
    roleName: pulumi.Input<string>;
    serviceAccount: { readonly name: pulumi.Input<string>; readonly namespace: pulumi.Input<string> };
}) {
    return {
        apiVersion: "rbac.authorization.k8s.io/v1" as const,
        kind: "RoleBinding" as const,
        metadata: { name: b.name, namespace: b.namespace, labels: labels() },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: b.roleName },
        // The ServiceAccount lives in the controller's namespace, not the agents': subjects must name it.
        subjects: [{ kind: "ServiceAccount", name: b.serviceAccount.name, namespace: b.serviceAccount.namespace }],
    };
}

function labels() {
    return { "app.kubernetes.io/name": "jenkins-agents", "app.kubernetes.io/part-of": PART_OF };
}

/** Role + RoleBinding letting the Jenkins controller schedule agent Pods in the agents namespace. */
export class AgentRbac extends pulumi.ComponentResource {
    /** Name of the Role. */
    public readonly roleName: pulumi.Output<string>;

    constructor(name: string, args: AgentRbacArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cistack:platform:AgentRbac", name, {}, opts);

        const role = new k8s.rbac.v1.Role(
            `${name}-role`,
            agentRoleManifest({ name, namespace: args.namespace }),
            { parent: this },
        );
        // roleRef is immutable; taking the name from the Role's output also orders the binding after it.
        new k8s.rbac.v1.RoleBinding(
            `${name}-binding`,
            agentRoleBindingManifest({ name, namespace: args.namespace, roleName: role.metadata.name, serviceAccount: args.controllerServiceAccount }),
            { parent: this },
        );

        this.roleName = role.metadata.name;
        this.registerOutputs({ roleName: this.roleName });
    }
}

// The agent Pod as the Jenkins Kubernetes plugin builds it: the cloud's default pod template (JCasC)
// combined with the template a pipeline asks for (the Jenkinsfile's `kubernetes { yaml … }` agent),
// the same way the plugin does. Our own implementation of what these upstream files do, read at
// jenkinsci/kubernetes-plugin main a82d78a0 (2026-03-25; the chart pins 4540.v612369217f87, newer
// than any snapshot we could read — the merge code has not changed shape for years):
//  - PodTemplateUtils.unwrap: a template inherits from the cloud's defaultsProviderTemplate (then
//    its own inheritFrom) through PodTemplateUtils.combine(PodTemplate parent, PodTemplate template);
//  - PodTemplateUtils.combine(PodTemplate, PodTemplate): child's non-empty fields win, container
//    templates merged by name, yamls = parent's + child's, the yamlMergeStrategy inherited from the
//    parent only when the child has none and the parent says inheritYamlMergeStrategy;
//  - pod/yaml/Merge.merge (strategy `merge`): every yaml parsed (PodTemplateUtils.parseFromYaml) and
//    folded with PodTemplateUtils.combine(Pod, Pod); pod/yaml/Overrides.merge (`override`, the
//    default): only the last yaml;
//  - PodTemplateBuilder.build: the Pod of the template's container templates (createContainer: the
//    workspace volume mounted at each workingDir, resources from resourceRequest*/resourceLimit*,
//    the jnlp container's JENKINS_* environment), labels = cloud podLabels + jenkins/label(-digest) +
//    kubernetes.jenkins.io/controller, then combine(yamlsPod, thatPod): the yaml Pod is the PARENT;
//  - PodTemplateUtils.combine(Pod parent, Pod template): the spec starts as the parent's
//    (withNewSpecLike) — a field only the child yaml sets (automountServiceAccountToken, fsGroup, …)
//    is dropped unless listed: labels/annotations/nodeSelector merged, containers and init containers
//    merged by name (Container combine: image, command, args, workingDir, pull policy child-first;
//    requests/limits merged per key, child wins; env by name; mounts by mountPath), volumes by name,
//    tolerations and imagePullSecrets concatenated, serviceAccount/Name, schedulerName,
//    activeDeadlineSeconds, hostNetwork, shareProcessNamespace and securityContext.runAsUser/Group
//    child-first.
// PodDecorators (e.g. the restricted-PSS injector) are not modelled: the cloud enables none.
import { createHash } from "node:crypto";
import { parse } from "yaml";

type Obj = Record<string, any>;

export interface ContainerTemplate {
    readonly name: string;
    readonly image?: string;
    readonly command?: string;
    readonly args?: string;
    readonly workingDir?: string;
    readonly ttyEnabled?: boolean;
    readonly alwaysPullImage?: boolean;
    readonly privileged?: boolean;
    readonly resourceRequestCpu?: string;
    readonly resourceRequestMemory?: string;
    readonly resourceLimitCpu?: string;
    readonly resourceLimitMemory?: string;
    readonly envVars?: readonly { key: string; value: string }[];
}

export interface PodTemplate {
    readonly name: string;
    readonly label?: string;
    readonly namespace?: string;
    readonly yamls: readonly string[];
    readonly yamlMergeStrategy?: "merge" | "override";
    readonly inheritYamlMergeStrategy?: boolean;
    readonly containers: readonly ContainerTemplate[];
    /** Only persistentVolumeClaimWorkspaceVolume is modelled; undefined is the plugin's emptyDir default. */
    readonly workspaceVolume?: { readonly claimName: string; readonly readOnly: boolean };
}

export interface KubernetesCloud {
    readonly name: string;
    readonly namespace?: string;
    readonly jenkinsUrl?: string;
    readonly webSocket?: boolean;
    readonly podLabels: readonly { key: string; value: string }[];
    readonly defaultsProviderTemplate?: string;
    readonly templates: readonly PodTemplate[];
}

// `id` names the template (PodTemplate.getId, kubernetes-plugin PodTemplate.java); it does not reach the Pod.
const TEMPLATE_KEYS = new Set(["id", "name", "label", "namespace", "nodeUsageMode", "podRetention", "workspaceVolume", "yaml", "yamlMergeStrategy", "inheritYamlMergeStrategy", "containers"]);
const CONTAINER_KEYS = new Set(["name", "image", "command", "args", "workingDir", "ttyEnabled", "alwaysPullImage", "privileged", "resourceRequestCpu", "resourceRequestMemory", "resourceLimitCpu", "resourceLimitMemory", "envVars"]);
const CLOUD_KEYS = new Set(["name", "namespace", "jenkinsUrl", "webSocket", "containerCapStr", "defaultsProviderTemplate", "podLabels", "templates"]);

function onlyKnown(o: Obj, known: Set<string>, what: string): void {
    // A key this model does not know could change the Pod: fail instead of ignoring it.
    for (const k of Object.keys(o)) if (!known.has(k)) throw new Error(`${what}: ${k} is not modelled (test/support/kubernetesPlugin.ts)`);
}

function strategyOf(v: unknown): PodTemplate["yamlMergeStrategy"] {
    if (v === undefined) return undefined;
    // JCasC accepts the symbol as a string (`merge`) or as a one-key map (`merge: {}`).
    const name = typeof v === "string" ? v : v && typeof v === "object" ? Object.keys(v)[0] : undefined;
    if (name === "merge" || name === "override") return name;
    throw new Error(`yamlMergeStrategy ${JSON.stringify(v)} is not merge or override`);
}

function templateFromJcasc(t: Obj): PodTemplate {
    onlyKnown(t, TEMPLATE_KEYS, `template ${t.name}`);
    for (const c of t.containers ?? []) onlyKnown(c, CONTAINER_KEYS, `template ${t.name} container ${c.name}`);
    const pvc = t.workspaceVolume?.persistentVolumeClaimWorkspaceVolume;
    if (t.workspaceVolume && !pvc) throw new Error(`template ${t.name}: only persistentVolumeClaimWorkspaceVolume is modelled`);
    return {
        name: t.name,
        label: t.label,
        namespace: t.namespace,
        yamls: t.yaml ? [t.yaml] : [],
        yamlMergeStrategy: strategyOf(t.yamlMergeStrategy),
        inheritYamlMergeStrategy: t.inheritYamlMergeStrategy,
        containers: t.containers ?? [],
        ...(pvc ? { workspaceVolume: { claimName: pvc.claimName, readOnly: pvc.readOnly === true } } : {}),
    };
}

/**
 * The Kubernetes cloud of a JCasC configScripts entry as Jenkins reads it: the chart's `tpl` has turned
 * `{{ "{{" }}` back into `{{` (templates/jcasc-config.yaml) and JCasC's `^${` into a literal `${`.
 */
export function cloudFromJcasc(configScript: string): KubernetesCloud {
    const text = configScript.replaceAll('{{ "{{" }}', "{{").replaceAll("^${", "${");
    const doc = parse(text) as Obj;
    const clouds = (doc.jenkins?.clouds ?? []) as Obj[];
    if (clouds.length !== 1 || !clouds[0]!.kubernetes) throw new Error(`expected one kubernetes cloud, found ${clouds.length}`);
    const k = clouds[0]!.kubernetes as Obj;
    onlyKnown(k, CLOUD_KEYS, "cloud");
    return { ...k, podLabels: k.podLabels ?? [], templates: ((k.templates ?? []) as Obj[]).map(templateFromJcasc) } as unknown as KubernetesCloud;
}

/** Groovy '''…''' string body as Groovy reads it: backslash escapes processed. */
function groovyTripleSingle(body: string): string {
    return body.replace(/\\(.)/g, "$1");
}

/** The pod template of a declarative `agent { kubernetes { workspaceVolume …; yaml '''…''' } }`. */
export function pipelineTemplateFromJenkinsfile(jenkinsfile: string, name = "notes-app-1-abcde"): PodTemplate {
    const block = /agent\s*\{\s*kubernetes\s*\{([\s\S]*?)\n {8}\}\s*\n {4}\}/.exec(jenkinsfile)?.[1];
    if (!block) throw new Error("no `agent { kubernetes { … } }` block in the Jenkinsfile");
    const yaml = /yaml '''\n?([\s\S]*?)'''/.exec(block)?.[1];
    if (yaml === undefined) throw new Error("the kubernetes agent has no yaml '''…'''");
    const ws = /workspaceVolume persistentVolumeClaimWorkspaceVolume\(claimName: '([^']+)', readOnly: (true|false)\)/.exec(block);
    // The declarative agent's label is generated per build (KubernetesDeclarativeAgent); any value does.
    return {
        name,
        label: name,
        yamls: [groovyTripleSingle(yaml)],
        containers: [],
        ...(ws ? { workspaceVolume: { claimName: ws[1]!, readOnly: ws[2] === "true" } } : {}),
    };
}

const firstNonEmpty = <T>(child: T | undefined, parent: T | undefined): T | undefined =>
    child !== undefined && child !== null && (child as unknown) !== "" && !(Array.isArray(child) && child.length === 0) ? child : parent;

/** PodTemplateUtils.combine(ContainerTemplate, ContainerTemplate). */
function combineContainerTemplate(parent: ContainerTemplate | undefined, t: ContainerTemplate): ContainerTemplate {
    if (!parent) return t;
    const keys = ["image", "command", "args", "workingDir", "resourceRequestCpu", "resourceRequestMemory", "resourceLimitCpu", "resourceLimitMemory"] as const;
    const out: Record<string, unknown> = { name: t.name };
    for (const k of keys) out[k] = firstNonEmpty(t[k], parent[k]);
    out.ttyEnabled = t.ttyEnabled || parent.ttyEnabled;
    out.alwaysPullImage = t.alwaysPullImage || parent.alwaysPullImage;
    out.privileged = t.privileged || parent.privileged;
    const env = new Map<string, { key: string; value: string }>();
    for (const e of [...(parent.envVars ?? []), ...(t.envVars ?? [])]) env.set(e.key, e);
    out.envVars = [...env.values()];
    return out as unknown as ContainerTemplate;
}

/** PodTemplateUtils.combine(PodTemplate parent, PodTemplate template). */
export function combineTemplates(parent: PodTemplate | undefined, t: PodTemplate): PodTemplate {
    if (!parent) return t;
    const containers = new Map(parent.containers.map((c) => [c.name, c]));
    for (const c of t.containers) containers.set(c.name, combineContainerTemplate(parent.containers.find((p) => p.name === c.name), c));
    return {
        name: t.name,
        label: t.label,
        namespace: firstNonEmpty(t.namespace, parent.namespace),
        yamls: [...parent.yamls, ...t.yamls],
        yamlMergeStrategy: t.yamlMergeStrategy === undefined && parent.inheritYamlMergeStrategy ? parent.yamlMergeStrategy : t.yamlMergeStrategy,
        inheritYamlMergeStrategy: parent.inheritYamlMergeStrategy,
        containers: [...containers.values()],
        // WorkspaceVolume.merge: the child's unless it is the default (emptyDir).
        ...((t.workspaceVolume ?? parent.workspaceVolume) ? { workspaceVolume: t.workspaceVolume ?? parent.workspaceVolume } : {}),
    };
}

/** PodTemplateUtils.unwrap with the cloud's defaultsProviderTemplate. */
export function unwrap(cloud: KubernetesCloud, t: PodTemplate): PodTemplate {
    const dflt = cloud.defaultsProviderTemplate ? cloud.templates.find((x) => x.name === cloud.defaultsProviderTemplate) : undefined;
    return dflt && dflt !== t ? combineTemplates(dflt, t) : t;
}

const parsePod = (yaml: string): Obj => {
    const p = ((yaml.trim() ? parse(yaml) : {}) ?? {}) as Obj;
    return { ...p, metadata: p.metadata ?? {}, spec: p.spec ?? {} };
};

function mergeByKey<T extends Obj>(parent: readonly T[] | undefined, child: readonly T[] | undefined, key: string, combine: (p: T | undefined, c: T) => T = (_p, c) => c): T[] {
    const m = new Map<string, T>();
    for (const x of parent ?? []) m.set(x[key], x);
    for (const x of child ?? []) m.set(x[key], combine(m.get(x[key]), x));
    return [...m.values()];
}

/** PodTemplateUtils.combine(Container parent, Container template). */
function combineContainer(parent: Obj | undefined, t: Obj): Obj {
    if (!parent) return t;
    const res = (k: "requests" | "limits") => ({ ...(parent.resources?.[k] ?? {}), ...(t.resources?.[k] ?? {}) });
    const out: Obj = { ...parent, name: t.name };
    for (const k of ["image", "imagePullPolicy", "command", "workingDir", "args"]) out[k] = firstNonEmpty(t[k], parent[k]);
    out.tty = t.tty ?? parent.tty;
    out.resources = { requests: res("requests"), limits: res("limits") };
    out.env = mergeByKey(parent.env, t.env, "name");
    out.envFrom = [...(parent.envFrom ?? []), ...(t.envFrom ?? [])];
    out.volumeMounts = mergeByKey(parent.volumeMounts, t.volumeMounts, "mountPath");
    // The builder starts from the parent, so the parent's securityContext stays; a new one is made
    // only when privileged, runAsUser/Group or capabilities come out set — a child's other
    // securityContext fields (readOnlyRootFilesystem, …) are dropped, as upstream does.
    const psc = parent.securityContext as Obj | undefined;
    const tsc = t.securityContext as Obj | undefined;
    const pick = (k: string) => (tsc ? (psc ? (tsc[k] ?? psc[k]) : tsc[k]) : psc ? psc[k] : k === "privileged" ? false : undefined);
    const [privileged, runAsUser, runAsGroup] = [pick("privileged"), pick("runAsUser"), pick("runAsGroup")];
    const capabilities = psc?.capabilities && tsc?.capabilities
        ? { add: tsc.capabilities.add ?? psc.capabilities.add, drop: tsc.capabilities.drop ?? psc.capabilities.drop }
        : (tsc?.capabilities ?? psc?.capabilities);
    if (privileged === true || runAsUser != null || runAsGroup != null || capabilities != null) {
        out.securityContext = { ...(psc ?? {}), privileged, runAsUser, runAsGroup, capabilities };
    }
    return out;
}

/** PodTemplateUtils.combine(Pod parent, Pod template). */
export function combinePods(parent: Obj | undefined, t: Obj): Obj {
    if (!parent) return t;
    const ps = parent.spec ?? {};
    const ts = t.spec ?? {};
    const spec: Obj = {
        ...ps,
        nodeSelector: { ...(ps.nodeSelector ?? {}), ...(ts.nodeSelector ?? {}) },
        containers: mergeByKey(ps.containers, ts.containers, "name", combineContainer),
        initContainers: mergeByKey(ps.initContainers, ts.initContainers, "name", combineContainer),
        volumes: mergeByKey(ps.volumes, ts.volumes, "name"),
        tolerations: [...(ps.tolerations ?? []), ...(ts.tolerations ?? [])],
        imagePullSecrets: mergeByKey(ps.imagePullSecrets, ts.imagePullSecrets, "name"),
    };
    for (const k of ["serviceAccount", "serviceAccountName", "schedulerName", "activeDeadlineSeconds", "hostNetwork", "shareProcessNamespace"]) spec[k] = firstNonEmpty(ts[k], ps[k]);
    if (ts.securityContext || ps.securityContext) {
        spec.securityContext = { ...(ps.securityContext ?? {}) };
        for (const k of ["runAsUser", "runAsGroup"]) spec.securityContext[k] = ts.securityContext?.[k] ?? ps.securityContext?.[k];
    }
    const pm = parent.metadata ?? {};
    const tm = t.metadata ?? {};
    const metadata: Obj = { ...pm, labels: { ...(pm.labels ?? {}), ...(tm.labels ?? {}) }, annotations: { ...(pm.annotations ?? {}), ...(tm.annotations ?? {}) } };
    if (tm.name) metadata.name = tm.name;
    if (tm.namespace) metadata.namespace = tm.namespace;
    return { ...parent, metadata, spec };
}

/** PodTemplateUtils.sanitizeLabel. */
function sanitizeLabel(input: string): string {
    const max = 63;
    const s = input.length > max ? input.slice(input.length - max) : input;
    return s.replace(/[^_.a-zA-Z0-9-]/g, "_").replace(/^[^a-zA-Z0-9]/, "x").replace(/[^a-zA-Z0-9]$/, "x");
}

const splitCommandLine = (s: string | undefined) => (s ? s.trim().split(/\s+/) : undefined);

export interface Agent {
    readonly podName: string;
    readonly jnlpMac: string;
}

/** PodTemplateBuilder.build for an unwrapped template. */
export function buildPod(cloud: KubernetesCloud, t: PodTemplate, agent: Agent = { podName: `${t.name}-0a1b2`, jnlpMac: "0".repeat(64) }): Obj {
    if (!t.workspaceVolume) throw new Error("only a PVC workspace volume is modelled");
    const workspace = { name: "workspace-volume", persistentVolumeClaim: { claimName: t.workspaceVolume.claimName, readOnly: t.workspaceVolume.readOnly } };
    const agentEnv = (workingDir: string) => [
        { name: "JENKINS_SECRET", value: agent.jnlpMac },
        { name: "JENKINS_NAME", value: agent.podName },
        { name: "JENKINS_AGENT_NAME", value: agent.podName },
        { name: "JENKINS_AGENT_WORKDIR", value: workingDir },
        ...(cloud.jenkinsUrl ? [{ name: "JENKINS_URL", value: cloud.jenkinsUrl }] : []),
        ...(cloud.webSocket ? [{ name: "JENKINS_WEB_SOCKET", value: "true" }] : []),
        { name: "REMOTING_OPTS", value: "-noReconnectAfter 1d" },
    ];
    const containers = t.containers.map((c) => {
        const args = c.args?.replaceAll("${computer.jnlpmac}", agent.jnlpMac).replaceAll("${computer.name}", agent.podName);
        const quantities = (mem?: string, cpu?: string) => ({ ...(mem ? { memory: mem } : {}), ...(cpu ? { cpu } : {}) });
        return {
            name: c.name,
            image: c.image,
            imagePullPolicy: c.alwaysPullImage ? "Always" : "IfNotPresent",
            ...(c.privileged ? { securityContext: { privileged: true } } : {}),
            workingDir: c.workingDir,
            volumeMounts: c.workingDir ? [{ name: "workspace-volume", mountPath: c.workingDir, readOnly: false }] : [],
            env: [...(c.name === "jnlp" ? agentEnv(c.workingDir ?? "/home/jenkins/agent") : []), ...(c.envVars ?? []).map((e) => ({ name: e.key, value: e.value }))],
            command: splitCommandLine(c.command),
            args: splitCommandLine(args) ?? [],
            tty: c.ttyEnabled === true,
            resources: { requests: quantities(c.resourceRequestMemory, c.resourceRequestCpu), limits: quantities(c.resourceLimitMemory, c.resourceLimitCpu) },
        };
    });
    const labels: Record<string, string> = Object.fromEntries(cloud.podLabels.map((l) => [l.key, l.value]));
    if (t.label) {
        labels["jenkins/label"] = sanitizeLabel(t.label);
        labels["jenkins/label-digest"] = createHash("sha1").update(t.label).digest("hex");
    } else {
        labels["jenkins/label"] = "slave-default";
        labels["jenkins/label-digest"] = "0";
    }
    if (cloud.jenkinsUrl) labels["kubernetes.jenkins.io/controller"] = sanitizeLabel(cloud.jenkinsUrl);
    const built = { apiVersion: "v1", kind: "Pod", metadata: { name: agent.podName, labels }, spec: { volumes: [workspace], containers } };

    const yamlPods = t.yamlMergeStrategy === "merge" ? t.yamls.map(parsePod) : t.yamls.length ? [parsePod(t.yamls[t.yamls.length - 1]!)] : [];
    const yamlsPod = yamlPods.reduce<Obj | undefined>((acc, p) => combinePods(acc, p), undefined);
    const pod = combinePods(yamlsPod, built);

    pod.metadata.namespace ??= t.namespace ?? cloud.namespace;
    const jnlp = (pod.spec.containers as Obj[]).find((c) => c.name === "jnlp");
    if (!jnlp) throw new Error("no jnlp container (the model does not add the plugin's default one)");
    for (const c of pod.spec.containers as Obj[]) c.workingDir ??= jnlp.workingDir;
    // fabric8's Pod always serializes as v1/Pod, whatever the yaml fragments said.
    return prune({ ...pod, apiVersion: "v1", kind: "Pod" }) as Obj;
}

/** Drops null/undefined and empty maps/lists, as the fabric8 model serializes (NON_EMPTY). */
function prune(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(prune);
    if (v && typeof v === "object") {
        const out: Obj = {};
        for (const [k, x] of Object.entries(v)) {
            const p = prune(x);
            if (p === undefined || p === null) continue;
            if (typeof p === "object" && Object.keys(p).length === 0) continue;
            out[k] = p;
        }
        return out;
    }
    return v;
}

/** The agent Pod a pipeline's kubernetes agent gets in `cloud`. */
export function agentPodFor(cloud: KubernetesCloud, pipeline: PodTemplate): Obj {
    return buildPod(cloud, unwrap(cloud, pipeline));
}

// Scenario 2's assertions: every object the engine recorded exists in the API server as recorded,
// the Helm releases are deployed with Ready workloads and bound claims, and the seed is in the peers.
import type { E2EContext } from "./context";
import { apiPath, type KObject } from "./kube";
import { jobPath } from "./peerApi";
import type { Checks } from "./scenario";
import { isSubset, k8sRefOf, nameOf, subsetDiff, text, type StateResource } from "./state";

const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

interface Workload extends KObject {
    spec: { replicas?: number };
    status?: { readyReplicas?: number; updatedReplicas?: number; observedGeneration?: number };
}
interface Claim extends KObject {
    spec: { accessModes?: string[]; storageClassName?: string };
    status?: { phase?: string };
}
interface SecretObj extends KObject {
    type?: string;
    data?: Record<string, string>;
}

/** Every kubernetes:* resource in the state exists live, as the engine recorded it. */
export async function checkRecordedObjects(ctx: E2EContext, checks: Checks, resources: readonly StateResource[]): Promise<void> {
    for (const r of resources) {
        const ref = k8sRefOf(r);
        if (!ref) continue;
        const label = `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name} (${nameOf(r)})`;
        const live = await ctx.discovery.find<KObject & Record<string, unknown>>(ref);
        if (!live || !checks.ok(`${label} exists`, !live.metadata.deletionTimestamp, "terminating")) {
            if (!live) checks.ok(`${label} exists`, false, "not found");
            continue;
        }
        const inputs = r.inputs ?? {};
        switch (ref.kind) {
            case "Secret": {
                const s = live as SecretObj;
                const want = Object.keys({ ...((inputs.data as object) ?? {}), ...((inputs.stringData as object) ?? {}) }).sort();
                checks.eq(`${label}: type`, s.type, inputs.type ?? "Opaque");
                checks.eq(`${label}: keys`, Object.keys(s.data ?? {}).sort(), want);
                break;
            }
            case "PersistentVolumeClaim": {
                const c = live as Claim;
                checks.eq(`${label}: Bound`, c.status?.phase, "Bound");
                checks.eq(`${label}: storage class`, c.spec.storageClassName, (inputs.spec as Claim["spec"] | undefined)?.storageClassName);
                break;
            }
            case "Namespace":
                checks.eq(`${label}: phase`, (live.status as { phase?: string } | undefined)?.phase, "Active");
                break;
            default:
                // Custom resources (Kyverno) and RBAC: every field sent is still there, i.e. the API server
                // accepted it and its structural schema pruned nothing.
                for (const field of ["spec", "rules", "roleRef", "subjects"]) {
                    if (inputs[field] === undefined) continue;
                    checks.ok(`${label}: ${field} stored as sent (nothing pruned)`, isSubset(inputs[field], live[field]), subsetDiff(inputs[field], live[field], field).slice(0, 8).join("\n"));
                }
        }
    }
}

/** Every Helm release is deployed; its Deployments/StatefulSets are Ready and every claim in its namespace Bound. */
export async function checkReleases(ctx: E2EContext, checks: Checks, resources: readonly StateResource[]): Promise<void> {
    const releases = resources.filter((r) => r.type === HELM_RELEASE);
    checks.ok("the stack has Helm releases", releases.length > 0, "no kubernetes:helm.sh/v3:Release in the state");
    for (const r of releases) {
        const o = r.outputs ?? {};
        const status = o.status as { name?: string; namespace?: string; status?: string; version?: number } | undefined;
        const name = status?.name ?? String(o.name);
        const ns = status?.namespace ?? String(o.namespace);
        checks.eq(`release ${ns}/${name}: status`, status?.status, "deployed");
        const storage = await ctx.kube.list<KObject>(`${apiPath("v1", "secrets", ns)}?labelSelector=${encodeURIComponent(`owner=helm,name=${name}`)}`);
        const deployed = storage.filter((s) => s.metadata.labels?.status === "deployed");
        checks.ok(`release ${ns}/${name}: Helm records one deployed revision`, deployed.length === 1, `Helm release Secrets: ${storage.map((s) => `${s.metadata.name}=${s.metadata.labels?.status}`).join(", ") || "none"}`);
        for (const kind of ["deployments", "statefulsets"]) {
            const items = (await ctx.kube.list<Workload>(apiPath("apps/v1", kind, ns))).filter((w) => w.metadata.annotations?.["meta.helm.sh/release-name"] === name);
            for (const w of items) {
                const want = w.spec.replicas ?? 1;
                const s = w.status ?? {};
                checks.ok(`release ${name}: ${kind.slice(0, -1)} ${w.metadata.name} Ready ${s.readyReplicas ?? 0}/${want}`, s.readyReplicas === want && s.updatedReplicas === want, JSON.stringify(s));
            }
        }
        const claims = await ctx.kube.list<Claim>(apiPath("v1", "persistentvolumeclaims", ns));
        for (const c of claims) checks.eq(`${ns}: claim ${c.metadata.name} Bound`, c.status?.phase, "Bound");
    }
}

/** What the stack outputs promise: URLs on the NodePorts, the registry credential, RWX claims, RBAC, policies. */
export async function checkOutputs(ctx: E2EContext, checks: Checks, out: Record<string, unknown>, policyType: string): Promise<void> {
    const str = (k: string): string => text(out[k]);
    checks.eq("output giteaUrl is the Gitea NodePort", str("giteaUrl"), `http://127.0.0.1:${ctx.ports.gitea}`);
    checks.eq("output jenkinsUrl is the Jenkins NodePort", str("jenkinsUrl"), `http://127.0.0.1:${ctx.ports.jenkins}`);
    const agents = str("agentNamespace");

    const secret = await ctx.kube.find<SecretObj>(apiPath("v1", "secrets", agents, str("registrySecretName")));
    if (checks.ok(`registry Secret ${agents}/${str("registrySecretName")} exists`, secret !== undefined)) {
        checks.eq("registry Secret type", secret!.type, "kubernetes.io/dockerconfigjson");
        const doc = JSON.parse(Buffer.from(secret!.data?.[".dockerconfigjson"] ?? "", "base64").toString("utf8") || "{}") as { auths?: Record<string, { username?: string; password?: string; auth?: string }> };
        const server = ctx.config["registry.server"]?.value ?? "";
        const entry = doc.auths?.[server];
        checks.ok(`dockerconfigjson has an auth for ${server}`, entry !== undefined, `auths: ${Object.keys(doc.auths ?? {}).join(", ")}`);
        const user = entry?.username ?? "";
        const pw = ctx.config["registry.password"]?.value;
        checks.ok("dockerconfigjson auth = base64(username:password)", entry?.auth === Buffer.from(`${user}:${entry?.password ?? ""}`).toString("base64"));
        // Since issue #13 the Secret may hold a robot account instead of registry.username/password.
        checks.ok("dockerconfigjson credential is the configured one (or a robot for it)", entry?.password === pw || /^robot\$/.test(user), `username ${user}`);
    }

    for (const claim of [str("workspaceClaimName"), str("cacheClaimName")]) {
        const c = await ctx.kube.find<Claim>(apiPath("v1", "persistentvolumeclaims", agents, claim));
        checks.ok(`shared claim ${agents}/${claim} is ReadWriteMany and Bound`, c?.spec.accessModes?.includes("ReadWriteMany") === true && c.status?.phase === "Bound", JSON.stringify(c?.spec ?? "missing"));
    }

    const sa = str("jenkinsServiceAccount");
    const jenkinsNs = str("jenkinsNamespace");
    checks.ok(`ServiceAccount ${jenkinsNs}/${sa} (the chart's) exists`, (await ctx.kube.find(apiPath("v1", "serviceaccounts", jenkinsNs, sa))) !== undefined);
    const bindings = await ctx.kube.list<KObject & { subjects?: { kind: string; name: string; namespace?: string }[] }>(apiPath("rbac.authorization.k8s.io/v1", "rolebindings", agents));
    checks.ok(`a RoleBinding in ${agents} grants ${jenkinsNs}/${sa}`, bindings.some((b) => (b.subjects ?? []).some((s) => s.kind === "ServiceAccount" && s.name === sa && s.namespace === jenkinsNs)));

    const names = (out.kyvernoPolicies as string[] | undefined) ?? [];
    checks.ok("output kyvernoPolicies lists the policies", names.length > 0);
    const group = policyType === "ValidatingPolicy" ? "policies.kyverno.io/v1" : "kyverno.io/v1";
    const plural = policyType === "ValidatingPolicy" ? "validatingpolicies" : "clusterpolicies";
    for (const n of names) checks.ok(`${policyType} ${n} exists`, (await ctx.kube.find(apiPath(group, plural, undefined, n))) !== undefined);
    const excNs = ctx.config["kyverno.exceptionNamespace"]?.value ?? "kyverno";
    const excGroup = policyType === "ValidatingPolicy" ? "policies.kyverno.io/v1" : "kyverno.io/v2";
    const exceptions = await ctx.kube.list<KObject & { spec?: Record<string, unknown> }>(apiPath(excGroup, "policyexceptions", excNs));
    for (const n of names) {
        checks.ok(`a ${excGroup} PolicyException in ${excNs} names ${n}`, exceptions.some((e) => JSON.stringify(e.spec ?? {}).includes(`"${n}"`)), `exceptions: ${exceptions.map((e) => e.metadata.name).join(", ")}`);
    }
    const otherGroup = policyType === "ValidatingPolicy" ? "kyverno.io/v1" : "policies.kyverno.io/v1";
    const otherPlural = policyType === "ValidatingPolicy" ? "clusterpolicies" : "validatingpolicies";
    const leftovers = await ctx.kube.list(apiPath(otherGroup, otherPlural));
    checks.eq(`no ${otherPlural} left from the other policyType`, leftovers.map((x) => x.metadata.name), []);
}

/** The seed in the peers: repositories with their files, the push webhook, the folder, job and credential. */
export async function checkSeed(ctx: E2EContext, checks: Checks, out: Record<string, unknown>): Promise<void> {
    const gitea = await ctx.giteaApi();
    const branch = ctx.config["seed.branch"]?.value ?? "main";
    const repoOf = (url: unknown): [string, string] => {
        const m = /\/([^/]+)\/([^/]+?)\.git$/.exec(String(url));
        return [m?.[1] ?? "", m?.[2] ?? ""];
    };
    const [owner, app] = repoOf(out.appCloneUrl);
    const [, deploy] = repoOf(out.deployCloneUrl);
    checks.ok(`appCloneUrl is on the Gitea NodePort (${String(out.appCloneUrl)})`, String(out.appCloneUrl).startsWith(`http://127.0.0.1:${ctx.ports.gitea}/`));
    for (const [repo, files] of [[app, ["Jenkinsfile", "Dockerfile", "pom.xml"]], [deploy, ["k8s/deployment.yaml"]]] as const) {
        const r = await gitea.repo(owner, repo);
        if (!checks.ok(`Gitea repository ${owner}/${repo} exists`, r !== undefined)) continue;
        checks.eq(`${owner}/${repo}: default branch`, r!.default_branch, branch);
        for (const f of files) {
            const file = await gitea.file(owner, repo, f, branch);
            checks.ok(`${owner}/${repo}: ${f} seeded on ${branch}`, (file?.text.length ?? 0) > 0);
        }
    }
    const hooks = await gitea.hooks(owner, app);
    const hook = hooks.find((h) => h.config.url.endsWith("/generic-webhook-trigger/invoke"));
    if (checks.ok(`${owner}/${app}: push webhook to Jenkins' generic-webhook-trigger`, hook !== undefined, JSON.stringify(hooks.map((h) => h.config.url)))) {
        checks.ok("webhook is active, on push, to the in-cluster Jenkins URL", hook!.active && hook!.events.includes("push") && hook!.config.url.startsWith(String(out.jenkinsInternalUrl)), JSON.stringify(hook));
    }

    const jenkins = await ctx.jenkinsApi();
    const jobUrl = text(out.jobUrl);
    const path = new URL(jobUrl).pathname.split("/").filter((s, i) => s !== "" && i % 2 === 0).map(decodeURIComponent);
    const fullName = path.join("/");
    checks.ok(`jobUrl ${jobUrl} is on the Jenkins NodePort`, jobUrl.startsWith(`http://127.0.0.1:${ctx.ports.jenkins}${jobPath(fullName)}`));
    const folder = path.slice(0, -1).join("/");
    const folderXml = await jenkins.configXml(folder);
    checks.ok(`Jenkins folder ${folder} exists`, folderXml?.includes("com.cloudbees.hudson.plugins.folder.Folder") === true, folderXml?.slice(0, 200) ?? "missing");
    const jobXml = await jenkins.configXml(fullName);
    checks.ok(`Jenkins job ${fullName} is a Pipeline from SCM`, jobXml?.includes("flow-definition") === true && jobXml.includes("CpsScmFlowDefinition"), jobXml?.slice(0, 200) ?? "missing");
    const credId = /<tokenCredentialId>([^<]+)<\/tokenCredentialId>/.exec(jobXml ?? "")?.[1];
    if (checks.ok("the job names its webhook token credential", credId !== undefined)) {
        checks.ok(`credential ${credId} is in folder ${folder}'s store`, (await jenkins.credential(folder, credId!)) !== undefined);
    }
}

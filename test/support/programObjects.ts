// What the program puts in front of Kyverno, collected by running it under mocks for the dev stack:
// the policies and PolicyExceptions it registers (exactly as registered), every Pod-bearing object it
// registers itself, the manifests it seeds into the deploy repository, and the agent Pod Jenkins will
// create for the seeded Jenkinsfile (JCasC default template + the Jenkinsfile's pod YAML, merged as the
// Kubernetes plugin does: kubernetesPlugin.ts).
import { parseAllDocuments } from "yaml";
import { POD_TEMPLATE_PATHS } from "../../policies/check";
import { exemptNamespacesOf } from "../../scripts/lib/chartChecks";
import type { KyvernoPolicyType } from "../../components/kyvernoPolicies";
import { agentPodFor, cloudFromJcasc, pipelineTemplateFromJenkinsfile } from "./kubernetesPlugin";
import { runProgram, type Recorder } from "./mocks";
import { devStackConfig, SECRET_KEYS } from "./fixtures";

type Obj = Record<string, any>;

export interface SourcedObject {
    /** Where the object comes from, for messages. */
    readonly source: string;
    readonly object: Obj;
}

export interface ProgramObjects {
    readonly policies: readonly Obj[];
    readonly exceptions: readonly Obj[];
    /** Every Pod-bearing object: registered, seeded, and the agent Pod. */
    readonly workloads: readonly SourcedObject[];
    readonly agentsNamespace: string;
    readonly exemptNamespaces: readonly string[];
}

/** `kubernetes:apps/v1:Deployment` -> `apps/v1`, `Deployment`. */
export function apiVersionKind(type: string): { apiVersion: string; kind: string } {
    const m = /^kubernetes:(.+)\/(v[^:]+):(\w+)$/.exec(type);
    if (!m) throw new Error(`not a Kubernetes type token: ${type}`);
    return { apiVersion: m[1] === "core" ? m[2]! : `${m[1]}/${m[2]}`, kind: m[3]! };
}

const POD_KINDS = new Set(Object.keys(POD_TEMPLATE_PATHS).map((t) => t.split(":").pop()!));

function seededManifests(r: Recorder): SourcedObject[] {
    const out: SourcedObject[] = [];
    for (const res of r.ofType("pulumi-nodejs:dynamic/seed:GiteaFiles")) {
        for (const f of res.inputs.files as { path: string; content: string }[]) {
            if (!/\.ya?ml$/.test(f.path)) continue;
            for (const doc of parseAllDocuments(f.content)) {
                const o = doc.toJS() as Obj | null;
                // Only what runs Pods: the catalogue's rules judge nothing else (the Service, the
                // Kustomization file).
                if (o && typeof o.apiVersion === "string" && typeof o.kind === "string" && POD_KINDS.has(o.kind)) {
                    out.push({ source: `seeded ${res.inputs.repo} ${f.path}`, object: o });
                }
            }
        }
    }
    return out;
}

function agentPod(r: Recorder): SourcedObject {
    const release = r.one("kubernetes:helm.sh/v3:Release", (x) => x.inputs.chart === "jenkins");
    const cloud = cloudFromJcasc(release.inputs.values.controller.JCasC.configScripts["kubernetes-cloud"]);
    const app = r.one("pulumi-nodejs:dynamic/seed:GiteaFiles", (x) => (x.inputs.files as { path: string }[]).some((f) => f.path === "Jenkinsfile"));
    const jenkinsfile = (app.inputs.files as { path: string; content: string }[]).find((f) => f.path === "Jenkinsfile")!.content;
    return { source: "agent Pod (JCasC default pod template + the seeded Jenkinsfile's kubernetes agent)", object: agentPodFor(cloud, pipelineTemplateFromJenkinsfile(jenkinsfile)) };
}

/** Runs the program for the dev stack with `policyType` and collects what Kyverno will judge. */
export async function programObjects(policyType: KyvernoPolicyType): Promise<ProgramObjects> {
    const run = await runProgram(
        { ...devStackConfig(), "kyverno.policyType": policyType },
        {
            secretKeys: SECRET_KEYS,
            stateHook: (a) => (a.type === "pulumi-nodejs:dynamic/seed:GiteaRepository" ? { owner: "gitea-admin" } : undefined),
        },
    );
    if (run.error) throw run.error;
    const r = run.recorder;
    const crd = (kind: string) =>
        r.resources.filter((x) => x.type.includes("kyverno.io") && x.type.endsWith(`:${kind}`)).map((x): Obj => ({ ...apiVersionKind(x.type), ...x.inputs }));
    const registered = r.resources
        .filter((x) => x.type in POD_TEMPLATE_PATHS)
        .map((x) => ({ source: `registered ${x.type} ${x.name}`, object: { ...apiVersionKind(x.type), ...x.inputs } }));
    const exceptions = crd("PolicyException");
    return {
        policies: crd(policyType),
        exceptions,
        workloads: [...registered, ...seededManifests(r), agentPod(r)],
        agentsNamespace: String(run.outputs!.agentNamespace),
        exemptNamespaces: exemptNamespacesOf(exceptions),
    };
}

// Our model of the Jenkins Kubernetes plugin's pod template merge (test/support/kubernetesPlugin.ts),
// checked on the behaviours it cites from jenkinsci/kubernetes-plugin (PodTemplateUtils.combine,
// pod/yaml/Merge, pod/yaml/Overrides, PodTemplateBuilder.build), then on the program's own agent Pod.
import * as assert from "node:assert/strict";
import { stringify } from "yaml";
import { CATALOGUE } from "../policies/catalogue";
import { checkPod } from "../policies/check";
import { agentPodFor, buildPod, cloudFromJcasc, combinePods, combineTemplates, pipelineTemplateFromJenkinsfile, type KubernetesCloud, type PodTemplate } from "./support/kubernetesPlugin";
import { programObjects } from "./support/programObjects";
import { assertValidK8s } from "./support/k8sSchema";

const cloud = (over: Partial<KubernetesCloud> = {}): KubernetesCloud => ({
    name: "kubernetes",
    namespace: "agents",
    jenkinsUrl: "http://jenkins:8080",
    webSocket: true,
    podLabels: [{ key: "app.kubernetes.io/name", value: "jenkins-agent" }],
    defaultsProviderTemplate: "default",
    templates: [],
    ...over,
});

const parentTemplate: PodTemplate = {
    name: "default",
    label: "agent",
    namespace: "agents",
    yamls: [stringify({ spec: { automountServiceAccountToken: false } })],
    yamlMergeStrategy: "merge",
    inheritYamlMergeStrategy: true,
    containers: [{ name: "jnlp", image: "jenkins/inbound-agent:1", workingDir: "/home/jenkins/agent", resourceRequestCpu: "250m", resourceRequestMemory: "512Mi", resourceLimitMemory: "1Gi" }],
    workspaceVolume: { claimName: "ws", readOnly: false },
};

const childYaml = (spec: Record<string, unknown>, labels: Record<string, string> = {}) => stringify({ apiVersion: "v1", kind: "Pod", metadata: { labels }, spec });

describe("Kubernetes plugin pod template merge (model)", () => {
    it("PodTemplate combine: child wins where set, yamls are parent's then child's, the merge strategy is inherited", () => {
        const child: PodTemplate = { name: "build", label: "build", yamls: ["spec: {}"], containers: [{ name: "jnlp", resourceRequestCpu: "1" }] };
        const t = combineTemplates(parentTemplate, child);
        assert.equal(t.namespace, "agents");
        assert.equal(t.yamls.length, 2);
        assert.equal(t.yamlMergeStrategy, "merge");
        const jnlp = t.containers.find((c) => c.name === "jnlp")!;
        assert.equal(jnlp.image, "jenkins/inbound-agent:1");
        assert.equal(jnlp.resourceRequestCpu, "1");
        assert.equal(jnlp.resourceRequestMemory, "512Mi");
        assert.deepEqual(t.workspaceVolume, { claimName: "ws", readOnly: false });
        // Without inheritYamlMergeStrategy on the parent, the child keeps the default (override).
        assert.equal(combineTemplates({ ...parentTemplate, inheritYamlMergeStrategy: false }, child).yamlMergeStrategy, undefined);
    });

    it("Pod combine: the spec starts from the parent's, so a field only the child sets is dropped", () => {
        const parent = { metadata: { labels: { a: "1" } }, spec: { containers: [{ name: "jnlp", image: "x:1" }] } };
        const child = { metadata: { labels: { b: "2" } }, spec: { automountServiceAccountToken: false, containers: [{ name: "maven", image: "m:1" }] } };
        const pod = combinePods(parent, child);
        assert.equal(pod.spec.automountServiceAccountToken, undefined);
        assert.deepEqual(pod.metadata.labels, { a: "1", b: "2" });
        assert.deepEqual(pod.spec.containers.map((c: { name: string }) => c.name), ["jnlp", "maven"]);
        assert.equal(combinePods(child, parent).spec.automountServiceAccountToken, false);
    });

    it("Container combine: requests and limits merged per key with the child winning; mounts by path", () => {
        const pod = combinePods(
            { metadata: {}, spec: { containers: [{ name: "c", image: "a:1", resources: { requests: { cpu: "1", memory: "1Gi" } }, volumeMounts: [{ name: "v", mountPath: "/x" }] }] } },
            { metadata: {}, spec: { containers: [{ name: "c", resources: { requests: { cpu: "2" }, limits: { memory: "2Gi" } }, volumeMounts: [{ name: "w", mountPath: "/x" }] }] } },
        );
        const c = pod.spec.containers[0];
        assert.equal(c.image, "a:1");
        assert.deepEqual(c.resources, { requests: { cpu: "2", memory: "1Gi" }, limits: { memory: "2Gi" } });
        assert.deepEqual(c.volumeMounts, [{ name: "w", mountPath: "/x" }]);
    });

    it("build: merge strategy keeps every yaml; override only the last one", () => {
        const child: PodTemplate = { name: "b", label: "b", yamls: [childYaml({ containers: [{ name: "maven", image: "maven:3" }] })], containers: [] };
        const merged = agentPodFor(cloud({ templates: [parentTemplate] }), child);
        assert.equal(merged.spec.automountServiceAccountToken, false);
        const overridden = agentPodFor(cloud({ templates: [{ ...parentTemplate, yamlMergeStrategy: undefined, inheritYamlMergeStrategy: false }] }), child);
        assert.equal(overridden.spec.automountServiceAccountToken, undefined);
        assert.deepEqual(overridden.spec.containers.map((c: { name: string }) => c.name).sort(), ["jnlp", "maven"]);
    });

    it("build: the cloud's podLabels override the yaml's labels; jnlp gets JENKINS_* env, the workspace mount and its resources", () => {
        const child: PodTemplate = { name: "b", label: "b", yamls: [childYaml({ containers: [{ name: "maven", image: "maven:3" }] }, { "app.kubernetes.io/name": "mine", x: "y" })], containers: [] };
        const pod = agentPodFor(cloud({ templates: [parentTemplate] }), child);
        assert.equal(pod.metadata.labels["app.kubernetes.io/name"], "jenkins-agent");
        assert.equal(pod.metadata.labels.x, "y");
        assert.equal(pod.metadata.labels["jenkins/label"], "b");
        assert.equal(pod.metadata.namespace, "agents");
        const jnlp = pod.spec.containers.find((c: { name: string }) => c.name === "jnlp");
        assert.deepEqual(jnlp.resources, { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "1Gi" } });
        assert.ok(jnlp.env.some((e: { name: string; value: string }) => e.name === "JENKINS_WEB_SOCKET" && e.value === "true"));
        assert.deepEqual(jnlp.volumeMounts, [{ name: "workspace-volume", mountPath: "/home/jenkins/agent", readOnly: false }]);
        // A container without a workingDir gets the agent's (PodTemplateBuilder.build).
        assert.equal(pod.spec.containers.find((c: { name: string }) => c.name === "maven").workingDir, "/home/jenkins/agent");
        assert.deepEqual(pod.spec.volumes, [{ name: "workspace-volume", persistentVolumeClaim: { claimName: "ws", readOnly: false } }]);
    });

    it("refuses what it does not model instead of ignoring it", () => {
        const jcasc = (template: Record<string, unknown>) => stringify({ jenkins: { clouds: [{ kubernetes: { name: "k", templates: [{ name: "t", ...template }] } }] } });
        assert.throws(() => cloudFromJcasc(jcasc({ nodeSelector: "a=b" })), /nodeSelector is not modelled/);
        assert.throws(() => cloudFromJcasc(jcasc({ workspaceVolume: { emptyDirWorkspaceVolume: {} } })), /only persistentVolumeClaimWorkspaceVolume/);
        assert.throws(() => buildPod(cloud(), { ...parentTemplate, containers: [] }), /no jnlp container/);
        assert.throws(() => pipelineTemplateFromJenkinsfile("pipeline { agent any }"), /no `agent \{ kubernetes/);
    });

    it("reads JCasC as Jenkins does: the chart's tpl escape and JCasC's ^${ undone", () => {
        const text = stringify({ jenkins: { clouds: [{ kubernetes: { name: "k", templates: [{ name: "t", containers: [{ name: "jnlp", args: "^${computer.jnlpmac}", image: '{{ "{{" }}x' }] }] } }] } });
        const c = cloudFromJcasc(text).templates[0]!.containers[0]!;
        assert.equal(c.args, "${computer.jnlpmac}");
        assert.equal(c.image, "{{x");
    });

    describe("the program's agent Pod (dev stack: JCasC default template + the seeded Jenkinsfile)", () => {
        let pod: Record<string, any>;
        before(async function () {
            this.timeout(60_000);
            const objs = await programObjects("ClusterPolicy");
            pod = objs.workloads.find((w) => w.source.startsWith("agent Pod"))!.object;
        });
        it("lands in the agents namespace, without an API token, with the cloud's labels", () => {
            assert.equal(pod.metadata.namespace, "jenkins-agents");
            assert.equal(pod.spec.automountServiceAccountToken, false);
            assert.equal(pod.metadata.labels["app.kubernetes.io/name"], "jenkins-agent");
            // The Jenkinsfile's component label loses to the cloud's podLabels.
            assert.equal(pod.metadata.labels["app.kubernetes.io/component"], "jenkins-agent");
            assert.deepEqual(pod.spec.containers.map((c: { name: string }) => c.name), ["jnlp", "maven", "kaniko"]);
            assert.deepEqual(pod.spec.initContainers.map((c: { name: string }) => c.name), ["workspace-owner"]);
            assert.deepEqual(
                pod.spec.volumes.find((v: { name: string }) => v.name === "workspace-volume"),
                { name: "workspace-volume", persistentVolumeClaim: { claimName: "agents-workspace", readOnly: false } },
            );
        });
        it("is a valid Pod and passes every catalogue rule in our checker (Kyverno judges it in npm run test:kyverno)", async () => {
            await assertValidK8s(pod);
            for (const rule of CATALOGUE) assert.deepEqual(checkPod(rule, pod), [], rule.name);
        });
    });
});

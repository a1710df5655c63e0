// A small model of what the cluster does with one `pulumi up` of the program, as far as the Gitea and
// Jenkins emulators are concerned: Secrets are synced into what the Pods mount, and a Helm release's
// Pod restarts only when the pod template the chart renders from our values changes.
// - jenkinsci/helm-charts charts/jenkins/templates/jenkins-controller-statefulset.yaml (5.9.53): the
//   pod template's annotations are checksum/config (of templates/config.yaml, i.e. of values) and
//   controller.podAnnotations; the JCasC configScripts are ConfigMaps (templates/jcasc-config.yaml)
//   the reload sidecar applies without a restart. The admin Secret is projected as
//   chart-admin-username/-password, controller.additionalExistingSecrets as <name>-<keyName>.
// - gitea chart templates/gitea/deployment.yaml: annotations checksum/config (the inline config from
//   values) and gitea.podAnnotations; the init container reads gitea.admin.existingSecret.
// A Secret's content is in neither template: changing it alone restarts nothing.
import { createHash } from "node:crypto";
import type { GiteaEmulator } from "./giteaEmulator";
import type { JenkinsEmulator } from "./jenkinsEmulator";
import type { ProgramRun } from "./mocks";

type Values = Record<string, any>;

const sha = (v: unknown) => createHash("sha256").update(JSON.stringify(v)).digest("hex");

/** What of the values ends up in the Jenkins StatefulSet's pod template (all but the JCasC scripts). */
function jenkinsPodTemplate(values: Values): string {
    const { JCasC, ...controller } = values.controller ?? {};
    const { configScripts: _, ...jcasc } = JCasC ?? {};
    return sha({ ...values, controller: { ...controller, JCasC: jcasc } });
}

export class ClusterModel {
    private readonly templates = new Map<string, string>();
    private jcasc: string | undefined;

    constructor(
        readonly jenkins: JenkinsEmulator,
        readonly gitea: GiteaEmulator,
        readonly release = { jenkins: "jenkins", gitea: "gitea" },
    ) {}

    /** Applies one program run; returns the releases whose Pods restarted (in that order). */
    apply(run: ProgramRun): string[] {
        const secrets = new Map<string, Record<string, string>>();
        for (const s of run.recorder.ofType("kubernetes:core/v1:Secret")) secrets.set(s.inputs.metadata.name, s.inputs.stringData ?? {});
        const values = (name: string): Values => run.recorder.one("kubernetes:helm.sh/v3:Release", (r) => r.name === name).inputs.values;
        const rolled: string[] = [];

        // Gitea first: Jenkins' credential for it must match what Gitea will accept.
        const gv = values(this.release.gitea);
        const admin = secrets.get(gv.gitea.admin.existingSecret)!;
        this.gitea.state.adminSecret = { username: admin.username!, password: admin.password! };
        if (this.roll("gitea", sha(gv))) {
            this.gitea.state.restart(gv.gitea.admin.passwordMode);
            rolled.push("gitea");
        }

        const jv = values(this.release.jenkins);
        const files = this.jenkins.state.secretFiles;
        const adminSecret = secrets.get(jv.controller.admin.existingSecret)!;
        files.set("chart-admin-username", adminSecret[jv.controller.admin.userKey]!);
        files.set("chart-admin-password", adminSecret[jv.controller.admin.passwordKey]!);
        for (const x of jv.controller.additionalExistingSecrets as { name: string; keyName: string }[]) files.set(`${x.name}-${x.keyName}`, secrets.get(x.name)![x.keyName]!);
        const scripts = sha(jv.controller.JCasC.configScripts);
        if (this.roll("jenkins", jenkinsPodTemplate(jv))) {
            this.jenkins.state.restart();
            rolled.push("jenkins");
        } else if (scripts !== this.jcasc) {
            // The reload sidecar saw changed ConfigMaps: JCasC applies them, the Pod keeps running.
            this.jenkins.state.applyConfiguration();
        }
        this.jcasc = scripts;
        return rolled;
    }

    private roll(release: string, template: string): boolean {
        const changed = this.templates.get(release) !== template;
        this.templates.set(release, template);
        return changed;
    }
}

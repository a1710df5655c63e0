// A seeded world for the smoke run: the Gitea, Jenkins and Harbor emulators set up as the seed and
// harbor-auth leave them — the app repository (private; the pipeline's user a read collaborator with
// a token), the job exactly as the seed configures it with its webhook token in the folder store, the
// Harbor project with the smoke's read-only robot — and builds that, by default, succeed and push
// <project>/<image>:<first 8 hex of the branch head they checked out> to Harbor, standing in for Kaniko.
import { jobConfigXml } from "../../components/seed/templates";
import type { SmokeTargetValues } from "../../components/smoke/target";
import { GITEA_USER, start as startGitea, type GiteaEmulator } from "./giteaEmulator";
import { start as startHarbor, type HarborEmulator } from "./harborEmulator";
import type { BuildPlan, PlanContext } from "./jenkinsBuilds";
import { JENKINS_PASSWORD, JENKINS_USER, start as startJenkins, type JenkinsEmulator } from "./jenkinsEmulator";

export const WEBHOOK_TOKEN = "Wh-token-0123456789abcdefghijklmnopqrstuv";
export const BOT_TOKEN = "c0ffee".padEnd(40, "0");
export const JOB = "ci/notes-app";
export const REGISTRY = "10.0.24.28:30002";

export interface SmokeWorld {
    readonly gitea: GiteaEmulator;
    readonly jenkins: JenkinsEmulator;
    readonly harbor: HarborEmulator;
    /** What the smoke run is given (the Smoke component's environment, as values). */
    readonly target: SmokeTargetValues;
    /** The app repository's head now. */
    head(): string;
    /** Pushes what a build of the current head would push (Kaniko), returning the digest. */
    pushHead(): string;
    /** The plan a build gets: by default it succeeds and pushes the head it checked out. */
    plan: (ctx: PlanContext) => BuildPlan;
    /** Every smoke-visible secret (to check nothing printed holds one). */
    readonly secrets: readonly string[];
    close(): Promise<void>;
}

export async function startSmokeWorld(o: { timeoutSeconds?: number; branchRef?: string } = {}): Promise<SmokeWorld> {
    const [gitea, jenkins, harbor] = await Promise.all([startGitea(), startJenkins(), startHarbor()]);
    const repo = gitea.state.addRepo(GITEA_USER, "notes-app", { private: true });
    gitea.state.addUser("jenkins-bot", { restricted: true });
    repo.collaborators.set("jenkins-bot", "read");
    gitea.state.tokens.push({ id: 90, user: "jenkins-bot", name: "ci-stack", sha1: BOT_TOKEN, scopes: ["write:repository"] });

    jenkins.state.addFolder("ci");
    jenkins.state.credentials.set(
        "ci",
        new Map([
            [
                "notes-app-webhook-token",
                `<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><scope>GLOBAL</scope><id>notes-app-webhook-token</id><description>gwt</description><secret>${WEBHOOK_TOKEN}</secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>`,
            ],
        ]),
    );
    jenkins.state.setConfigXml(
        JOB,
        jobConfigXml({
            description: "Builds notes-app (seeded by ci-stack)",
            cloneUrl: "http://gitea-http.gitea.svc.cluster.local:3000/gitea-admin/notes-app.git",
            credentialsId: "gitea-credentials",
            branch: "main",
            scriptPath: "Jenkinsfile",
            trigger: { kind: "generic-webhook", tokenCredentialId: "notes-app-webhook-token", branchRef: o.branchRef ?? "refs/heads/main" },
        }),
    );

    harbor.state.addProject("bootcamp");
    const reader = harbor.state.addProjectRobot("bootcamp", "ci-stack-smoke", { access: [{ resource: "artifact", action: "read" }] });

    const head = () => repo.heads.get("main")!;
    const pushHead = () => harbor.state.pushImage("bootcamp", "notes-app", head().slice(0, 8));
    const world: SmokeWorld = {
        gitea,
        jenkins,
        harbor,
        target: {
            giteaUrl: gitea.url,
            giteaUsername: "jenkins-bot",
            giteaPassword: BOT_TOKEN,
            appOwner: GITEA_USER,
            appRepo: "notes-app",
            branch: "main",
            jenkinsUrl: jenkins.url,
            jenkinsUsername: JENKINS_USER,
            jenkinsPassword: JENKINS_PASSWORD,
            job: JOB,
            webhookToken: WEBHOOK_TOKEN,
            harborUrl: harbor.url,
            harborUsername: `robot$${reader.name}`,
            harborPassword: reader.secret,
            registry: REGISTRY,
            project: "bootcamp",
            image: "notes-app",
            timeoutSeconds: String(o.timeoutSeconds ?? 30),
        },
        head,
        pushHead,
        plan: () => ({ durationMs: 40, log: ["[Pipeline] Start of Pipeline", "+ /kaniko/executor --destination=…"], onComplete: () => void pushHead() }),
        secrets: [BOT_TOKEN, JENKINS_PASSWORD, WEBHOOK_TOKEN, reader.secret],
        close: async () => {
            await Promise.all([gitea.close(), jenkins.close(), harbor.close()]);
        },
    };
    jenkins.state.builds.plan = (ctx) => world.plan(ctx);
    return world;
}
